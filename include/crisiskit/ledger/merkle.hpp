#pragma once
/// \file
/// RFC 6962 / RFC 9162 Merkle tree hashing, proofs and third-party verifiers.
///
/// The tree (RFC 6962 §2.1, RFC 9162 §2.1.1) over an ordered list of n byte
/// strings D[0..n):
/// - MTH({})        = HASH()                       (the hash of nothing)
/// - MTH({d0})      = HASH(0x00 ‖ d0)               (a *leaf hash*)
/// - MTH(D[n]), n>1 = HASH(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])), k the largest
///   power of two smaller than n (an *interior node*).
/// HASH is SHA-256 (the RFC's choice) or SM3 (GB/T 32905-2016, for
/// deployments that require Chinese cryptography); both give 32 bytes, so a
/// `Hash` is always 32 bytes. Hashing goes through OpenSSL 3 (EVP), which is
/// a private dependency of `crisiskit::crisiskit`: nothing here exposes it.
///
/// Proofs are lists of 32-byte hashes in the RFC's order: an inclusion proof
/// is PATH(m, D[n]) (RFC 6962 §2.1.1; RFC 9162 §2.1.3.1), a consistency proof
/// is PROOF(m, D[n]) (RFC 6962 §2.1.2; RFC 9162 §2.1.4.1). The verifiers are
/// the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2; they need only sizes,
/// roots, a leaf hash and the proof, so an auditor can run them without the
/// log.
///
/// Thread-safety: the free functions are pure and may run concurrently.
/// `MerkleTree`'s const members may run concurrently with each other; a
/// mutating member (`append`, `clear`) needs exclusive access (`Ledger`
/// provides that; see ledger.hpp).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crisiskit::ledger {

/// A SHA-256 or SM3 digest: 32 bytes.
using Hash = std::array<std::uint8_t, 32>;

/// The hash function of a tree. The numeric values are stored in ledger
/// files (header byte 10) and must never change.
enum class HashAlgorithm : std::uint8_t {
  SHA256 = 0,  ///< FIPS 180-4 SHA-256, as in RFC 6962.
  SM3 = 1,     ///< GB/T 32905-2016 SM3 (OpenSSL's EVP_sm3).
};

/// "sha256" or "sm3".
const char* to_string(HashAlgorithm a) noexcept;
/// Parse "sha256"/"SHA-256"/"sm3" (case-insensitive). Throws `InvalidInput`
/// naming `field` for anything else.
HashAlgorithm hash_algorithm_from_string(std::string_view s, const char* field = "hash");

/// HASH(data): the plain digest (no domain prefix). Throws `Error` if this
/// OpenSSL build lacks the algorithm (SM3 can be disabled at build time).
Hash digest(HashAlgorithm a, std::string_view data);
/// RFC 6962 leaf hash: HASH(0x00 ‖ data).
Hash leaf_hash(HashAlgorithm a, std::string_view data);
/// RFC 6962 interior node: HASH(0x01 ‖ left ‖ right).
Hash node_hash(HashAlgorithm a, const Hash& left, const Hash& right);
/// The root of the empty tree: HASH() (SHA-256: e3b0c442…b855).
Hash empty_root(HashAlgorithm a);

/// Lower-case hex of a hash (64 characters).
std::string to_hex(const Hash& h);
/// Parse 64 hex digits (either case). Throws `InvalidInput` naming `field`.
Hash hash_from_hex(std::string_view hex, const char* field = "hash");

/// MTH over raw byte strings (each is hashed as a leaf). For interoperability
/// tests against other RFC 6962 implementations. O(n) hashes.
Hash merkle_root(const std::vector<std::string>& leaves, HashAlgorithm a = HashAlgorithm::SHA256);
/// MTH from leaf hashes already computed (HASH(0x00 ‖ d) each).
Hash merkle_root_from_leaf_hashes(const std::vector<Hash>& leaf_hashes, HashAlgorithm a = HashAlgorithm::SHA256);

/// RFC 9162 §2.1.3.2: recompute the root from a leaf hash and its inclusion
/// proof. Returns false (never throws) when the proof cannot be for a leaf
/// `index` in a tree of `size` (index ≥ size, wrong length).
bool root_from_inclusion_proof(HashAlgorithm a, std::uint64_t index, std::uint64_t size, const Hash& leaf,
                               const std::vector<Hash>& proof, Hash& root_out);
/// RFC 9162 §2.1.3.2: does `proof` show that the leaf with hash `leaf` is
/// entry `index` (0-based) of the tree of `size` entries whose root is
/// `root`? Never throws; any malformed combination is simply `false`.
bool verify_inclusion(HashAlgorithm a, std::uint64_t index, std::uint64_t size, const Hash& leaf,
                      const std::vector<Hash>& proof, const Hash& root);
/// RFC 9162 §2.1.4.2: does `proof` show that the tree of `old_size` entries
/// with root `old_root` is a prefix of the tree of `new_size` entries with
/// root `new_root`? Following RFC 9162 and the transparency-dev verifier:
/// equal sizes need an empty proof and equal roots; old_size = 0 needs an
/// empty proof (the empty tree is a prefix of every tree); old_size >
/// new_size is false. Never throws.
bool verify_consistency(HashAlgorithm a, std::uint64_t old_size, std::uint64_t new_size, const Hash& old_root,
                        const Hash& new_root, const std::vector<Hash>& proof);

/// An append-only Merkle tree over leaf hashes that keeps every complete
/// perfect subtree: level 0 holds the leaf hashes, level k holds
/// MTH(D[j·2^k : (j+1)·2^k]) for every j with (j+1)·2^k ≤ size. That is
/// < 2·size hashes (64 bytes per leaf), and it makes any subtree hash an
/// O(log n) walk, so root(), inclusion and consistency proofs of any prior
/// size cost O(log² n) hashes at worst, never a rehash of the log.
class MerkleTree {
 public:
  explicit MerkleTree(HashAlgorithm a = HashAlgorithm::SHA256) : alg_(a) {}

  HashAlgorithm algorithm() const noexcept { return alg_; }
  /// Number of leaves.
  std::uint64_t size() const noexcept { return levels_.empty() ? 0 : levels_[0].size(); }
  /// Leaf hash `i`; throws `InvalidInput` ("index") when i ≥ size().
  const Hash& leaf(std::uint64_t i) const;

  /// Append one leaf hash (computes the interior nodes it completes).
  void append(const Hash& leaf_hash);
  /// Append many leaf hashes; strong guarantee on allocation failure.
  void append(const std::vector<Hash>& leaf_hashes);
  /// Drop every leaf.
  void clear() noexcept {
    levels_.clear();
    spine_.clear();
    spine_size_ = UINT64_MAX;
  }
  /// Reserve room for `n` leaves.
  void reserve(std::uint64_t n);

  /// MTH of the first `size` leaves (default: all). Throws `InvalidInput`
  /// ("size") when size > size().
  Hash root() const { return root(size()); }
  Hash root(std::uint64_t size) const;
  /// PATH(index, D[size]) (RFC 6962 §2.1.1). Throws `InvalidInput` when
  /// index ≥ size or size > size().
  std::vector<Hash> inclusion_proof(std::uint64_t index) const { return inclusion_proof(index, size()); }
  std::vector<Hash> inclusion_proof(std::uint64_t index, std::uint64_t size) const;
  /// PROOF(old_size, D[new_size]) (RFC 6962 §2.1.2); empty when old_size is
  /// 0 or equals new_size. Throws `InvalidInput` when old_size > new_size or
  /// new_size > size().
  std::vector<Hash> consistency_proof(std::uint64_t old_size) const { return consistency_proof(old_size, size()); }
  std::vector<Hash> consistency_proof(std::uint64_t old_size, std::uint64_t new_size) const;

  /// The interior nodes that `append(leaves)` would add, without adding them
  /// (level by level, level 1 first). Lets a writer hash outside a lock and
  /// publish with `append_computed` under it.
  std::vector<std::vector<Hash>> compute_appended(const std::vector<Hash>& leaf_hashes) const;
  /// The root the tree would have after `append_computed(leaf_hashes, nodes)`,
  /// from the peaks (O(log n), nothing rehashed but the peaks' fold).
  Hash root_with(const std::vector<Hash>& leaf_hashes, const std::vector<std::vector<Hash>>& nodes) const;
  /// Publish leaves and the nodes `compute_appended` returned for them.
  void append_computed(const std::vector<Hash>& leaf_hashes, std::vector<std::vector<Hash>>&& nodes);
  /// Recompute the right-spine cache after single-leaf `append`s (the batch
  /// appends keep it current). Optional: without it queries at the current
  /// size hash the spine on the fly, O(log² n) instead of O(log n).
  void rebuild_spine();

 private:
  // MTH(D[begin:end]) where begin is a multiple of the largest power of two
  // ≤ end − begin, the only shape the RFC's recursion produces.
  Hash subtree(std::uint64_t begin, std::uint64_t end) const;
  void path(std::uint64_t m, std::uint64_t begin, std::uint64_t end, std::vector<Hash>& out) const;
  void subproof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool b, std::vector<Hash>& out) const;

  HashAlgorithm alg_;
  std::vector<std::vector<Hash>> levels_;
  // The only subtrees of a tree of size n that are not perfect are the
  // suffixes D[s:n] starting at a boundary s of n's perfect peaks (the
  // RFC's recursion always splits off a perfect left part). Their hashes,
  // for n = spine_size_, make every proof at the current size pure lookups.
  std::uint64_t spine_size_ = UINT64_MAX;
  std::vector<std::pair<std::uint64_t, Hash>> spine_;  // (s, MTH(D[s:n])), s ascending
};

}  // namespace crisiskit::ledger
