#pragma once
/// \file
/// `Ledger`: the sunshine ledger (阳光台账) — an append-only, tamper-evident,
/// durable log of every movement of relief material, with balances per
/// holder and item and a `trace` that answers "where did the goods meant for
/// community X go, and when?".
///
/// Tamper evidence. Every entry's canonical bytes (entry.hpp) are a leaf of
/// an RFC 6962 Merkle tree (merkle.hpp), hashed with SHA-256 or SM3. A
/// published `root()` with its `size()` commits to every entry before it:
/// `inclusion_proof(i)` shows an entry is in the log, `consistency_proof(m)`
/// shows the log only grew since size m; auditors check both with the free
/// functions of merkle.hpp, without the log. `verify()` recomputes every
/// hash, every recorded commit root and the accounting, and names the first
/// entry that does not check out.
///
/// Durability (file-backed ledgers). `append`/`append_many` only *stage*
/// entries (validated, not yet visible to readers, not on disk); `commit()`
/// writes the staged entry records and a commit record (size and root) in
/// one write, fdatasyncs once, and only then publishes the entries to
/// readers and returns: a commit that returned is on disk. Many appends and
/// one commit cost one sync (batch commit). On open, a batch counts only if
/// it is whole — every entry record checks out and an intact commit record
/// follows that counts them; the last batch, if not whole, is the torn write
/// of a commit that never returned and is cut off with anything after it
/// (reported in `recovery()`, the cut bytes saved beside the file as
/// `<path>.torn-<offset>`). Every batch before the last was synced before the
/// next was written, so damage there (or beyond an unreadable frame followed
/// by more than one intact commit record) cannot be a crash: it is reported
/// as damage — the ledger opens read-only, `verify()` names the first bad
/// entry — and nothing committed is cut off. (Damage confined to the very
/// last batch cannot be told from a torn write; a published root, see
/// `verify(size, root)`, still exposes it.)
///
/// File format, version 1 (integers big-endian):
/// - header, 32 bytes: magic "CKLEDGER" (8), u16 format version = 1, u8 hash
///   algorithm (0 SHA-256, 1 SM3), 21 zero bytes.
/// - then frames: u8 type, u32 payload length L, L payload bytes, 32-byte
///   check hash.
///   - type 0x01, entry: payload = the entry's canonical bytes (entry.hpp),
///     check = its Merkle leaf hash HASH(0x00 ‖ payload).
///   - type 0x02, commit: payload = u64 tree size ‖ 32-byte root (L = 40),
///     check = HASH(0x02 ‖ payload) (0x02: never a leaf or a node hash).
///
/// Accounting. A balance is the quantity of one item held by one party
/// (holder, warehouse, community, person: any non-empty `from`/`to` that
/// the kind debits or credits; see the table in entry.hpp). A debit that
/// would take a balance below zero is rejected. Each item has one unit: the
/// first entry for an item fixes it. Entries are in time order: an entry's
/// time is ≥ the previous entry's. The ledger assigns `seq` (the position);
/// the caller's `seq` is ignored.
///
/// Throws. A bad entry (a field `validate` refuses, time going backwards, a
/// unit that differs from the item's, a debit beyond the balance) is
/// `InvalidInput` naming the field ("quantity"), the row (the index within
/// the batch of `append_many`, or no row for `append`) and the value; the
/// ledger is unchanged (nothing staged, nothing written — a batch is all or
/// nothing). I/O failures and appending to a read-only or damaged ledger are
/// `Error` / `StateError`; a failed commit leaves the file as it was and the
/// entries staged, to retry or `rollback()`.
///
/// Threads. One writer and any number of readers may use one `Ledger`
/// concurrently. Writer calls (`append`, `append_many`, `commit`,
/// `rollback`) are serialised by a writer mutex; readers (every const
/// member) see the committed state under a `std::shared_mutex` and never
/// wait for disk: the writer hashes and syncs outside that lock and takes it
/// exclusively only to publish a finished commit. Readers never see staged
/// entries. Entries, hashes and balances returned are copies.
///
/// Memory: about (encoded entry bytes + 72) bytes per entry: the entry bytes,
/// an offset and the tree's ≈2 hashes per leaf. Proofs and roots never rehash
/// the log (MerkleTree keeps every complete subtree); `open` rehashes each
/// entry once to check it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crisiskit/ledger/entry.hpp"
#include "crisiskit/ledger/merkle.hpp"

namespace crisiskit::ledger {

/// How `Ledger::open` opens a file.
enum class OpenMode {
  READ_WRITE,  ///< exclusive (an advisory lock: a second writer is refused); a torn tail is cut off the file
  READ_ONLY,   ///< for auditors: the file is never modified; a torn tail is ignored in memory only
};

/// What opening (or loading) a ledger image found.
struct RecoveryReport {
  std::uint64_t entries = 0;          ///< committed entries loaded
  std::uint64_t file_bytes = 0;       ///< size of the file / image as found
  std::uint64_t kept_bytes = 0;       ///< bytes of the committed prefix (header + frames up to the last commit)
  std::uint64_t dropped_bytes = 0;    ///< bytes after it: an unacknowledged, possibly torn tail
  std::uint64_t dropped_entries = 0;  ///< complete entry records in that tail (staged but never committed)
  bool truncated = false;             ///< the file was cut back to `kept_bytes` (READ_WRITE only)
  bool damaged = false;               ///< committed data is damaged: the ledger is read-only; see `verify()`
  std::string message;                ///< human-readable summary, empty when the file was clean

  friend bool operator==(const RecoveryReport& a, const RecoveryReport& b) {
    return a.entries == b.entries && a.file_bytes == b.file_bytes && a.kept_bytes == b.kept_bytes &&
           a.dropped_bytes == b.dropped_bytes && a.dropped_entries == b.dropped_entries &&
           a.truncated == b.truncated && a.damaged == b.damaged && a.message == b.message;
  }
};

/// The outcome of `Ledger::verify`.
struct VerifyReport {
  bool ok = true;              ///< everything checked out
  std::uint64_t size = 0;      ///< entries checked
  std::int64_t first_bad = -1; ///< index of the first entry that does not check out, -1 if none
  std::string problem;         ///< what is wrong with it (empty when ok)
  Hash root{};                 ///< the recomputed root of the `size` entries
};

/// One account: what `holder` holds of `item`.
struct Balance {
  std::string holder;
  std::string item;
  std::string unit;
  std::int64_t quantity = 0;  ///< held now = credited − debited, ≥ 0
  std::int64_t credited = 0;  ///< total received (receipts, moves, hand-outs and returns into it)
  std::int64_t debited = 0;   ///< total given out (moves, hand-outs, returns out of it, write-offs)
};

/// Filters of `Ledger::trace`; empty strings and `no_time` match anything.
struct TraceQuery {
  std::string need;             ///< entries serving this need id
  std::string claim;            ///< entries serving this claim id
  std::string to;               ///< entries going to this party (a community, a station)
  std::string from;             ///< entries coming from this party
  std::string item;             ///< entries of this item
  Timestamp start = no_time;    ///< earliest time (inclusive)
  Timestamp end = no_time;      ///< latest time (inclusive)
  bool follow = true;           ///< also follow the goods onward from where matching entries put them
};

/// One row of a trace.
struct TraceRow {
  Entry entry;
  int hop = 0;             ///< 0: matched the query; k > 0: reached by following k movements
  std::int64_t via = -1;   ///< seq of the entry that brought the item to `entry.from` (−1 for hop 0)
};

class Ledger {
 public:
  /// An in-memory ledger (no file): for analysts, tests, and pickling.
  explicit Ledger(HashAlgorithm a = HashAlgorithm::SHA256);
  /// Create a new ledger file (and fsync it and its directory). Throws
  /// `Error` if the file exists or cannot be created.
  static Ledger create(const std::string& path, HashAlgorithm a = HashAlgorithm::SHA256);
  /// Open an existing ledger file (see the class comment for recovery).
  /// Throws `InvalidInput` (field "path") if it is not a ledger file,
  /// `Error` on I/O failure, `StateError` if another writer holds it.
  static Ledger open(const std::string& path, OpenMode mode = OpenMode::READ_WRITE);
  /// An in-memory ledger loaded from the bytes of a ledger file (same checks
  /// and recovery as `open`). Throws `InvalidInput` (field "image") for a
  /// bad header; damage is reported in `recovery()`, never thrown.
  static Ledger from_image(std::string_view image);

  Ledger(Ledger&&) noexcept;
  Ledger& operator=(Ledger&&) noexcept;
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;
  ~Ledger();

  // ---- writer --------------------------------------------------------------
  /// Validate and stage one entry; returns the seq it will have. Not
  /// visible to readers until `commit()`.
  std::uint64_t append(const Entry& e);
  /// Validate and stage many entries, all or nothing (errors name the row
  /// within `es`); returns the seq of the first.
  std::uint64_t append_many(const std::vector<Entry>& es);
  /// The same, without copying `es` (its entries' `seq` are overwritten).
  std::uint64_t append_many(std::vector<Entry>&& es);
  /// Make the staged entries durable (file-backed: one write, one fdatasync) and
  /// visible; returns the committed size. With nothing staged, returns the
  /// size and touches nothing.
  std::uint64_t commit();
  /// Drop the staged entries.
  void rollback();
  /// Number of staged entries.
  std::uint64_t pending() const;

  // ---- readers (committed state) -------------------------------------------
  std::uint64_t size() const;
  HashAlgorithm algorithm() const noexcept;
  /// The file path; empty for an in-memory ledger.
  const std::string& path() const noexcept;
  bool read_only() const noexcept;
  const RecoveryReport& recovery() const noexcept;

  /// Entry i; throws `InvalidInput` ("index") when i ≥ size().
  Entry entry(std::uint64_t i) const;
  /// Entries [begin, min(end, size())).
  std::vector<Entry> entries(std::uint64_t begin = 0, std::uint64_t end = UINT64_MAX) const;
  /// The canonical bytes of entry i (what its leaf hashes).
  std::string entry_bytes(std::uint64_t i) const;
  /// Leaf hash of entry i.
  Hash leaf_hash(std::uint64_t i) const;

  /// Root of the whole log, or of its first `size` entries.
  Hash root() const;
  Hash root(std::uint64_t size) const;
  /// Inclusion proof of entry `index` in the tree of `size` entries
  /// (default: the current size).
  std::vector<Hash> inclusion_proof(std::uint64_t index) const;
  std::vector<Hash> inclusion_proof(std::uint64_t index, std::uint64_t size) const;
  /// Consistency proof from `old_size` to `new_size` (default: current).
  std::vector<Hash> consistency_proof(std::uint64_t old_size) const;
  std::vector<Hash> consistency_proof(std::uint64_t old_size, std::uint64_t new_size) const;

  /// Every account that ever moved, sorted by holder then item.
  std::vector<Balance> balances() const;
  /// What `holder` holds of `item` now (0 if never).
  std::int64_t balance(std::string_view holder, std::string_view item) const;
  /// Entries matching `q` (and, with `q.follow`, the movements that carried
  /// the same item onward from where they put it, transitively, in time
  /// order), by seq. Goods are fungible: following says where the item went
  /// next from that holder, not which unit. Followed entries must serve the
  /// queried need/claim or none. In a damaged ledger, entries that do not
  /// decode are skipped (`verify()` names them).
  /// Entry accessors (`entry`, `entries`) throw `InvalidInput` for such an
  /// entry instead.
  std::vector<TraceRow> trace(const TraceQuery& q) const;

  /// Recompute everything: each entry's hash against its stored check hash
  /// and its bytes against memory (file-backed: the file is read again, so
  /// tampering after open is found), seq order, the accounting replayed
  /// from zero, every commit record's root, and the tree. With
  /// `trusted_size`/`trusted_root` (a root published earlier), also check
  /// root(trusted_size) against it.
  VerifyReport verify() const;
  VerifyReport verify(std::uint64_t trusted_size, const Hash& trusted_root) const;

  /// The bytes of a ledger file holding the committed entries and one
  /// commit record (what `from_image` reads; pickling uses it).
  std::string to_image() const;

  struct Impl;

 private:
  explicit Ledger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crisiskit::ledger
