// RFC 6962 / RFC 9162 Merkle trees with OpenSSL 3 hashing. OpenSSL stays in
// this file: the public header exposes only 32-byte arrays.
#include "crisiskit/ledger/merkle.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "crisiskit/core/error.hpp"

namespace crisiskit::ledger {

namespace {

// Fetched once per process and deliberately leaked: EVP_MD_fetch is costly
// (a provider lookup), and freeing at exit races with other static
// destructors that may still hash.
const EVP_MD* md_for(HashAlgorithm a) {
  static const EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static const EVP_MD* sm3 = EVP_MD_fetch(nullptr, "SM3", nullptr);
  const EVP_MD* md = a == HashAlgorithm::SM3 ? sm3 : sha256;
  if (md == nullptr)
    throw Error(fmt::format("hash algorithm {} is not available in this OpenSSL build", to_string(a)));
  return md;
}

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

// One context per thread, reused: allocating a context per hash would cost
// more than hashing a 100-byte entry.
EVP_MD_CTX* thread_ctx() {
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) throw Error("OpenSSL: cannot allocate a digest context");
  return ctx.get();
}

class Hasher {
 public:
  explicit Hasher(HashAlgorithm a) : ctx_(thread_ctx()) {
    if (EVP_DigestInit_ex2(ctx_, md_for(a), nullptr) != 1) throw Error("OpenSSL: EVP_DigestInit_ex2 failed");
  }
  Hasher& update(const void* p, std::size_t n) {
    if (n != 0 && EVP_DigestUpdate(ctx_, p, n) != 1) throw Error("OpenSSL: EVP_DigestUpdate failed");
    return *this;
  }
  Hash finish() {
    Hash h{};
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_, h.data(), &len) != 1 || len != h.size())
      throw Error("OpenSSL: EVP_DigestFinal_ex failed");
    return h;
  }

 private:
  EVP_MD_CTX* ctx_;
};

std::uint64_t largest_pow2_below(std::uint64_t n) {  // n ≥ 2
  std::uint64_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const char* to_string(HashAlgorithm a) noexcept { return a == HashAlgorithm::SM3 ? "sm3" : "sha256"; }

HashAlgorithm hash_algorithm_from_string(std::string_view s, const char* field) {
  std::string t;
  for (char c : s)
    if (c != '-' && c != '_') t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (t == "sha256") return HashAlgorithm::SHA256;
  if (t == "sm3") return HashAlgorithm::SM3;
  throw_invalid(field, InvalidInput::no_index, s, "expected 'sha256' or 'sm3'");
}

Hash digest(HashAlgorithm a, std::string_view data) { return Hasher(a).update(data.data(), data.size()).finish(); }

Hash leaf_hash(HashAlgorithm a, std::string_view data) {
  const std::uint8_t prefix = 0x00;
  return Hasher(a).update(&prefix, 1).update(data.data(), data.size()).finish();
}

Hash node_hash(HashAlgorithm a, const Hash& left, const Hash& right) {
  const std::uint8_t prefix = 0x01;
  return Hasher(a).update(&prefix, 1).update(left.data(), left.size()).update(right.data(), right.size()).finish();
}

Hash empty_root(HashAlgorithm a) { return Hasher(a).finish(); }

std::string to_hex(const Hash& h) {
  static const char digits[] = "0123456789abcdef";
  std::string s(64, '0');
  for (std::size_t i = 0; i < h.size(); ++i) {
    s[2 * i] = digits[h[i] >> 4];
    s[2 * i + 1] = digits[h[i] & 15];
  }
  return s;
}

Hash hash_from_hex(std::string_view hex, const char* field) {
  if (hex.size() != 64) throw_invalid(field, InvalidInput::no_index, hex, "expected 64 hex digits (32 bytes)");
  Hash h{};
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) throw_invalid(field, InvalidInput::no_index, hex, "not a hex digit string");
    h[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return h;
}

Hash merkle_root_from_leaf_hashes(const std::vector<Hash>& leaf_hashes, HashAlgorithm a) {
  MerkleTree t(a);
  t.append(leaf_hashes);
  return t.root();
}

Hash merkle_root(const std::vector<std::string>& leaves, HashAlgorithm a) {
  std::vector<Hash> hs;
  hs.reserve(leaves.size());
  for (const auto& d : leaves) hs.push_back(leaf_hash(a, d));
  return merkle_root_from_leaf_hashes(hs, a);
}

// ---- verifiers: RFC 9162 §2.1.3.2 and §2.1.4.2, step by step ----------------

namespace {
// "right-shift both fn and sn equally until either LSB(fn) is set or fn is 0"
void shift_while_even(std::uint64_t& fn, std::uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}
}  // namespace

bool root_from_inclusion_proof(HashAlgorithm a, std::uint64_t index, std::uint64_t size, const Hash& leaf,
                               const std::vector<Hash>& proof, Hash& root_out) {
  if (index >= size) return false;  // step 1
  std::uint64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = node_hash(a, p, r);
      if ((fn & 1) == 0) shift_while_even(fn, sn);
    } else {
      r = node_hash(a, r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return false;
  root_out = r;
  return true;
}

bool verify_inclusion(HashAlgorithm a, std::uint64_t index, std::uint64_t size, const Hash& leaf,
                      const std::vector<Hash>& proof, const Hash& root) {
  Hash r{};
  return root_from_inclusion_proof(a, index, size, leaf, proof, r) && r == root;
}

bool verify_consistency(HashAlgorithm a, std::uint64_t old_size, std::uint64_t new_size, const Hash& old_root,
                        const Hash& new_root, const std::vector<Hash>& proof) {
  if (old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (old_size == 0) return proof.empty();
  if (proof.empty()) return false;  // step 1
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if ((old_size & (old_size - 1)) == 0) path.push_back(old_root);  // step 2: old tree is a perfect subtree
  path.insert(path.end(), proof.begin(), proof.end());
  std::uint64_t fn = old_size - 1, sn = new_size - 1;  // step 3
  while ((fn & 1) != 0) {                                // step 4
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];  // step 5
  for (std::size_t i = 1; i < path.size(); ++i) {  // step 6
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = node_hash(a, c, fr);
      sr = node_hash(a, c, sr);
      if ((fn & 1) == 0) shift_while_even(fn, sn);
    } else {
      sr = node_hash(a, sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == old_root && sr == new_root && sn == 0;  // step 7
}

// ---- MerkleTree ---------------------------------------------------------------

const Hash& MerkleTree::leaf(std::uint64_t i) const {
  CRISISKIT_CHECK(i < size(), "index", InvalidInput::no_index, i, fmt::format("the tree has {} leaves", size()));
  return levels_[0][i];
}

void MerkleTree::reserve(std::uint64_t n) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].reserve(n);
  for (std::size_t k = 1; (n >> k) > 0; ++k) {
    if (levels_.size() <= k) levels_.emplace_back();
    levels_[k].reserve(n >> k);
  }
}

std::vector<std::vector<Hash>> MerkleTree::compute_appended(const std::vector<Hash>& leaf_hashes) const {
  std::vector<std::vector<Hash>> nodes;  // nodes[k-1]: new hashes of level k
  // Walk level by level: the new nodes of level k pair the level's last
  // unpaired old node (if any) with the new ones.
  const std::vector<Hash>* below_new = &leaf_hashes;
  std::uint64_t below_old = size();
  for (std::size_t k = 1; !below_new->empty(); ++k) {
    const std::uint64_t below_total = below_old + below_new->size();
    const std::uint64_t old_here = below_old / 2, total_here = below_total / 2;
    std::vector<Hash> here;
    here.reserve(total_here - old_here);
    auto below_at = [&](std::uint64_t j) -> const Hash& {
      return j < below_old ? levels_[k - 1][j] : (*below_new)[j - below_old];
    };
    for (std::uint64_t j = old_here; j < total_here; ++j) here.push_back(node_hash(alg_, below_at(2 * j), below_at(2 * j + 1)));
    nodes.push_back(std::move(here));
    below_new = &nodes.back();
    below_old = old_here;
  }
  if (!nodes.empty() && nodes.back().empty()) nodes.pop_back();
  return nodes;
}

void MerkleTree::append_computed(const std::vector<Hash>& leaf_hashes, std::vector<std::vector<Hash>>&& nodes) {
  if (leaf_hashes.empty()) return;
  // Reserve every level first so the inserts below cannot throw halfway.
  const std::size_t need_levels = nodes.size() + 1;
  if (levels_.size() < need_levels) levels_.resize(need_levels);
  levels_[0].reserve(levels_[0].size() + leaf_hashes.size());
  for (std::size_t k = 0; k < nodes.size(); ++k) levels_[k + 1].reserve(levels_[k + 1].size() + nodes[k].size());
  levels_[0].insert(levels_[0].end(), leaf_hashes.begin(), leaf_hashes.end());
  for (std::size_t k = 0; k < nodes.size(); ++k)
    levels_[k + 1].insert(levels_[k + 1].end(), nodes[k].begin(), nodes[k].end());
  rebuild_spine();
}

void MerkleTree::append(const std::vector<Hash>& leaf_hashes) { append_computed(leaf_hashes, compute_appended(leaf_hashes)); }

void MerkleTree::rebuild_spine() {
  const std::uint64_t n = size();
  std::vector<std::pair<std::uint64_t, Hash>> peaks;
  std::uint64_t start = 0;
  for (int k = 63; k >= 0; --k) {
    const std::uint64_t w = std::uint64_t{1} << k;
    if ((n & w) == 0) continue;
    peaks.emplace_back(start, levels_[static_cast<std::size_t>(k)][start >> k]);
    start += w;
  }
  for (std::size_t i = peaks.size(); i-- > 1;) peaks[i - 1].second = node_hash(alg_, peaks[i - 1].second, peaks[i].second);
  spine_ = std::move(peaks);
  spine_size_ = n;
}

void MerkleTree::append(const Hash& h) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(h);
  spine_size_ = UINT64_MAX;
  std::uint64_t j = levels_[0].size() - 1;
  for (std::size_t k = 1; (j & 1) == 1; ++k, j >>= 1) {
    if (levels_.size() <= k) levels_.emplace_back();
    levels_[k].push_back(node_hash(alg_, levels_[k - 1][j - 1], levels_[k - 1][j]));
  }
}

Hash MerkleTree::root_with(const std::vector<Hash>& leaf_hashes, const std::vector<std::vector<Hash>>& nodes) const {
  const std::uint64_t n = size() + leaf_hashes.size();
  if (n == 0) return empty_root(alg_);
  auto at = [&](unsigned k, std::uint64_t j) -> const Hash& {
    const std::uint64_t old = k < levels_.size() ? levels_[k].size() : 0;
    if (j < old) return levels_[k][j];
    return k == 0 ? leaf_hashes[j - old] : nodes[k - 1][j - old];
  };
  // MTH of size n is the right fold of the perfect subtrees ("peaks") of
  // n's binary decomposition, largest first: the RFC's split at the largest
  // power of two peels them off left to right.
  std::vector<Hash> peaks;
  std::uint64_t start = 0;
  for (int k = 63; k >= 0; --k) {
    const std::uint64_t w = std::uint64_t{1} << k;
    if ((n & w) == 0) continue;
    peaks.push_back(at(static_cast<unsigned>(k), start >> k));
    start += w;
  }
  Hash r = peaks.back();
  for (std::size_t i = peaks.size() - 1; i-- > 0;) r = node_hash(alg_, peaks[i], r);
  return r;
}

Hash MerkleTree::subtree(std::uint64_t begin, std::uint64_t end) const {
  const std::uint64_t n = end - begin;
  if ((n & (n - 1)) == 0) {  // perfect and aligned: stored
    unsigned k = 0;
    while ((std::uint64_t{1} << k) < n) ++k;
    return levels_[k][begin >> k];
  }
  if (end == spine_size_)
    for (const auto& [s, h] : spine_)
      if (s == begin) return h;
  const std::uint64_t k = largest_pow2_below(n);
  return node_hash(alg_, subtree(begin, begin + k), subtree(begin + k, end));
}

Hash MerkleTree::root(std::uint64_t n) const {
  CRISISKIT_CHECK(n <= size(), "size", InvalidInput::no_index, n, fmt::format("the tree has {} leaves", size()));
  if (n == 0) return empty_root(alg_);
  return subtree(0, n);
}

// PATH(m, D[begin:end]) of RFC 6962 §2.1.1, m relative to begin.
void MerkleTree::path(std::uint64_t m, std::uint64_t begin, std::uint64_t end, std::vector<Hash>& out) const {
  const std::uint64_t n = end - begin;
  if (n <= 1) return;
  const std::uint64_t k = largest_pow2_below(n);
  if (m < k) {
    path(m, begin, begin + k, out);
    out.push_back(subtree(begin + k, end));
  } else {
    path(m - k, begin + k, end, out);
    out.push_back(subtree(begin, begin + k));
  }
}

std::vector<Hash> MerkleTree::inclusion_proof(std::uint64_t index, std::uint64_t n) const {
  CRISISKIT_CHECK(n <= size(), "size", InvalidInput::no_index, n, fmt::format("the tree has {} leaves", size()));
  CRISISKIT_CHECK(index < n, "index", InvalidInput::no_index, index, fmt::format("must be < the tree size {}", n));
  std::vector<Hash> out;
  path(index, 0, n, out);
  return out;
}

// SUBPROOF(m, D[begin:end], b) of RFC 6962 §2.1.2, m relative to begin.
void MerkleTree::subproof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool b,
                          std::vector<Hash>& out) const {
  const std::uint64_t n = end - begin;
  if (m == n) {
    if (!b) out.push_back(subtree(begin, end));
    return;
  }
  const std::uint64_t k = largest_pow2_below(n);
  if (m <= k) {
    subproof(m, begin, begin + k, b, out);
    out.push_back(subtree(begin + k, end));
  } else {
    subproof(m - k, begin + k, end, false, out);
    out.push_back(subtree(begin, begin + k));
  }
}

std::vector<Hash> MerkleTree::consistency_proof(std::uint64_t old_size, std::uint64_t new_size) const {
  CRISISKIT_CHECK(new_size <= size(), "new_size", InvalidInput::no_index, new_size,
                  fmt::format("the tree has {} leaves", size()));
  CRISISKIT_CHECK(old_size <= new_size, "old_size", InvalidInput::no_index, old_size,
                  fmt::format("must be ≤ the new size {}", new_size));
  std::vector<Hash> out;
  if (old_size == 0 || old_size == new_size) return out;
  subproof(old_size, 0, new_size, true, out);
  return out;
}

}  // namespace crisiskit::ledger
