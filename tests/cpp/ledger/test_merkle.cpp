#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/ledger/merkle.hpp"

using namespace crisiskit;
using namespace crisiskit::ledger;

namespace {

std::string unhex(const std::string& h) {
  std::string out;
  for (std::size_t i = 0; i < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

// The RFC 6962 test leaves used by certificate-transparency, trillian and
// transparency-dev/merkle (proof/verify_test.go), and their published roots
// for sizes 1..8 (the root of size 0 is SHA-256 of nothing).
const std::vector<std::string> leaves = {
    "", unhex("00"), unhex("10"), unhex("2021"), unhex("3031"), unhex("40414243"), unhex("5051525354555657"),
    unhex("606162636465666768696a6b6c6d6e6f")};
const std::vector<std::string> roots = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

struct ProofVector {
  std::uint64_t a, size;  // inclusion: leaf index; consistency: old size
  std::vector<std::string> proof;
};
// Inclusion proofs (index is 0-based here; the Go vectors list it 1-based).
const std::vector<ProofVector> inclusion = {
    {0, 8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5, 8,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1, 5,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {0, 1, {}}};
const std::vector<ProofVector> consistency = {
    {1, 1, {}},
    {1, 8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 5,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6, 7,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}}};

std::vector<Hash> hashes(const std::vector<std::string>& hex) {
  std::vector<Hash> out;
  for (const auto& h : hex) out.push_back(hash_from_hex(h));
  return out;
}

MerkleTree tree_of(const std::vector<std::string>& data, std::size_t n, HashAlgorithm a = HashAlgorithm::SHA256) {
  MerkleTree t(a);
  for (std::size_t i = 0; i < n; ++i) t.append(leaf_hash(a, data[i]));
  return t;
}

// MTH straight from the RFC's recursive definition: the reference the
// level-array tree must agree with.
Hash mth(HashAlgorithm a, const std::vector<Hash>& lh, std::size_t b, std::size_t e) {
  const std::size_t n = e - b;
  if (n == 0) return empty_root(a);
  if (n == 1) return lh[b];
  std::size_t k = 1;
  while (k * 2 < n) k *= 2;
  return node_hash(a, mth(a, lh, b, b + k), mth(a, lh, b + k, e));
}

}  // namespace

TEST_CASE("merkle: RFC 6962 roots of the published test leaves, sizes 0..8") {
  for (std::size_t n = 0; n <= 8; ++n) {
    CAPTURE(n);
    const MerkleTree t = tree_of(leaves, n);
    CHECK(to_hex(t.root()) == roots[n]);
    CHECK(to_hex(merkle_root(std::vector<std::string>(leaves.begin(), leaves.begin() + static_cast<long>(n)))) == roots[n]);
    const MerkleTree full = tree_of(leaves, 8);
    CHECK(to_hex(full.root(n)) == roots[n]);  // historical roots from the bigger tree
  }
}

TEST_CASE("merkle: published inclusion proofs are produced and verify; corruptions do not") {
  const MerkleTree t = tree_of(leaves, 8);
  for (const auto& v : inclusion) {
    CAPTURE(v.a);
    CAPTURE(v.size);
    const auto want = hashes(v.proof);
    CHECK(t.inclusion_proof(v.a, v.size) == want);
    const Hash root = hash_from_hex(roots[v.size]);
    const Hash leaf = leaf_hash(HashAlgorithm::SHA256, leaves[v.a]);
    CHECK(verify_inclusion(HashAlgorithm::SHA256, v.a, v.size, leaf, want, root));
    // The probes of transparency-dev's corruptInclusionProof.
    CHECK_FALSE(verify_inclusion(HashAlgorithm::SHA256, v.a + 1, v.size, leaf, want, root));
    if (v.a > 0) CHECK_FALSE(verify_inclusion(HashAlgorithm::SHA256, v.a - 1, v.size, leaf, want, root));
    CHECK_FALSE(verify_inclusion(HashAlgorithm::SHA256, v.a ^ 2, v.size, leaf, want, root));
    CHECK_FALSE(verify_inclusion(HashAlgorithm::SHA256, v.a, v.size * 2, leaf, want, root));
    CHECK_FALSE(verify_inclusion(HashAlgorithm::SHA256, v.a, v.size / 2, leaf, want, root));
    CHECK_FALSE(verify_inclusion(HashAlgorithm::SHA256, v.a, v.size, digest(HashAlgorithm::SHA256, "WrongLeaf"), want, root));
    CHECK_FALSE(verify_inclusion(HashAlgorithm::SHA256, v.a, v.size, leaf, want, empty_root(HashAlgorithm::SHA256)));
    auto longer = want;
    longer.push_back(root);
    CHECK_FALSE(verify_inclusion(HashAlgorithm::SHA256, v.a, v.size, leaf, longer, root));
    auto front = want;
    front.insert(front.begin(), root);
    CHECK_FALSE(verify_inclusion(HashAlgorithm::SHA256, v.a, v.size, leaf, front, root));
    for (std::size_t i = 0; i < want.size(); ++i) {
      auto flipped = want;
      flipped[i][0] ^= 8;
      CHECK_FALSE(verify_inclusion(HashAlgorithm::SHA256, v.a, v.size, leaf, flipped, root));
    }
    if (!want.empty()) {
      auto shorter = want;
      shorter.pop_back();
      CHECK_FALSE(verify_inclusion(HashAlgorithm::SHA256, v.a, v.size, leaf, shorter, root));
    }
  }
  // Index out of range and the empty tree never verify.
  const Hash h = leaf_hash(HashAlgorithm::SHA256, "x");
  CHECK_FALSE(verify_inclusion(HashAlgorithm::SHA256, 0, 0, h, {}, empty_root(HashAlgorithm::SHA256)));
  CHECK_FALSE(verify_inclusion(HashAlgorithm::SHA256, 2, 1, h, {}, h));
  CHECK(verify_inclusion(HashAlgorithm::SHA256, 0, 1, h, {}, h));
}

TEST_CASE("merkle: published consistency proofs are produced and verify; corruptions do not") {
  const MerkleTree t = tree_of(leaves, 8);
  for (const auto& v : consistency) {
    CAPTURE(v.a);
    CAPTURE(v.size);
    const auto want = hashes(v.proof);
    CHECK(t.consistency_proof(v.a, v.size) == want);
    const Hash r1 = hash_from_hex(roots[v.a]), r2 = hash_from_hex(roots[v.size]);
    CHECK(verify_consistency(HashAlgorithm::SHA256, v.a, v.size, r1, r2, want));
    if (want.empty()) continue;
    CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, v.a - 1, v.size, r1, r2, want));
    CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, v.a + 1, v.size, r1, r2, want));
    CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, v.a ^ 2, v.size, r1, r2, want));
    CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, v.a, v.size * 2, r1, r2, want));
    CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, v.a, v.size / 2, r1, r2, want));
    CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, v.a, v.size, r2, r1, want));
    CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, v.a, v.size, r1, r2, {}));
    auto longer = want;
    longer.push_back(r1);
    CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, v.a, v.size, r1, r2, longer));
    auto front = want;
    front.insert(front.begin(), want[0]);
    CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, v.a, v.size, r1, r2, front));
    auto shorter = want;
    shorter.pop_back();
    CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, v.a, v.size, r1, r2, shorter));
    for (std::size_t i = 0; i < want.size(); ++i) {
      auto flipped = want;
      flipped[i][0] ^= 16;
      CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, v.a, v.size, r1, r2, flipped));
    }
  }
  // The edge cases of transparency-dev's TestVerifyConsistency.
  const Hash a = digest(HashAlgorithm::SHA256, "don't care 1"), b = digest(HashAlgorithm::SHA256, "don't care 2");
  const Hash e = empty_root(HashAlgorithm::SHA256);
  CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, 0, 0, a, b, {}));
  CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, 1, 1, a, b, {}));
  CHECK(verify_consistency(HashAlgorithm::SHA256, 0, 0, a, a, {}));
  CHECK(verify_consistency(HashAlgorithm::SHA256, 0, 1, a, b, {}));
  CHECK(verify_consistency(HashAlgorithm::SHA256, 1, 1, b, b, {}));
  CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, 1, 0, a, b, {}));
  CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, 2, 1, a, b, {}));
  CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, 1, 2, a, b, {}));
  CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, 0, 0, e, e, {e}));
  CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, 0, 1, e, e, {e}));
  CHECK_FALSE(verify_consistency(HashAlgorithm::SHA256, 1, 1, e, e, {e}));
}

TEST_CASE("merkle: every root and proof of random trees matches the RFC's recursion, SHA-256 and SM3") {
  std::mt19937_64 rng(6962);
  for (HashAlgorithm alg : {HashAlgorithm::SHA256, HashAlgorithm::SM3}) {
    for (int trial = 0; trial < 6; ++trial) {
      const std::size_t n = 1 + rng() % 70;
      std::vector<Hash> lh;
      MerkleTree t(alg), bulk(alg);
      for (std::size_t i = 0; i < n; ++i) {
        std::string d(rng() % 20, '\0');
        for (auto& c : d) c = static_cast<char>(rng());
        d += std::to_string(i);  // distinct leaves, so a proof cannot fit a neighbour
        lh.push_back(leaf_hash(alg, d));
        t.append(lh.back());
      }
      // Appending in uneven batches builds the same levels.
      for (std::size_t i = 0; i < n;) {
        const std::size_t k = std::min<std::size_t>(n - i, 1 + rng() % 9);
        std::vector<Hash> part(lh.begin() + static_cast<long>(i), lh.begin() + static_cast<long>(i + k));
        CHECK(bulk.root_with(part, bulk.compute_appended(part)) == mth(alg, lh, 0, i + k));
        bulk.append(part);
        i += k;
      }
      for (std::size_t m = 0; m <= n; ++m) {
        const Hash rm = mth(alg, lh, 0, m);
        REQUIRE(t.root(m) == rm);
        REQUIRE(bulk.root(m) == rm);
        for (std::size_t i = 0; i < m; ++i) {
          const auto p = t.inclusion_proof(i, m);
          REQUIRE(verify_inclusion(alg, i, m, lh[i], p, rm));
          REQUIRE_FALSE(verify_inclusion(alg, i, m, digest(alg, "not a leaf"), p, rm));
          if (m > 1) REQUIRE_FALSE(verify_inclusion(alg, (i + 1) % m, m, lh[i], p, rm));
        }
        for (std::size_t k = m; k <= n; k += 1 + k / 3) {
          const auto p = t.consistency_proof(m, k);
          REQUIRE(verify_consistency(alg, m, k, rm, mth(alg, lh, 0, k), p));
        }
      }
    }
  }
}

TEST_CASE("merkle: SM3 digest matches GB/T 32905 example 1 ('abc')") {
  CHECK(to_hex(digest(HashAlgorithm::SM3, "abc")) == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  CHECK(to_hex(empty_root(HashAlgorithm::SHA256)) == roots[0]);
  CHECK(hash_algorithm_from_string("SHA-256") == HashAlgorithm::SHA256);
  CHECK(hash_algorithm_from_string("sm3") == HashAlgorithm::SM3);
  CHECK_THROWS_AS(hash_algorithm_from_string("md5"), InvalidInput);
  CHECK_THROWS_AS(hash_from_hex("zz"), InvalidInput);
  CHECK_THROWS_AS(hash_from_hex(std::string(64, 'g')), InvalidInput);
}

TEST_CASE("merkle: out-of-range queries throw InvalidInput naming the argument") {
  const MerkleTree t = tree_of(leaves, 5);
  CHECK_THROWS_WITH_AS(t.root(6), doctest::Contains("size = 6"), InvalidInput);
  CHECK_THROWS_WITH_AS(t.inclusion_proof(5), doctest::Contains("index = 5"), InvalidInput);
  CHECK_THROWS_WITH_AS(t.consistency_proof(4, 3), doctest::Contains("old_size = 4"), InvalidInput);
  CHECK_THROWS_AS(t.consistency_proof(1, 6), InvalidInput);
  CHECK_THROWS_AS(t.leaf(5), InvalidInput);
  CHECK(t.consistency_proof(0).empty());
  CHECK(t.consistency_proof(5).empty());
}
