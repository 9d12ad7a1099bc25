// The sunshine ledger: file format, recovery, accounting, trace, verify.
#include "crisiskit/ledger/ledger.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <tuple>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <utility>

#include "crisiskit/core/error.hpp"

namespace crisiskit::ledger {

namespace {

constexpr char magic[8] = {'C', 'K', 'L', 'E', 'D', 'G', 'E', 'R'};
constexpr std::size_t header_bytes = 32;
constexpr std::uint16_t file_version = 1;
constexpr std::uint8_t frame_entry = 0x01;
constexpr std::uint8_t frame_commit = 0x02;
constexpr std::size_t frame_overhead = 5 + 32;
constexpr std::size_t commit_payload = 8 + 32;
constexpr std::size_t max_entry_bytes = 26 + 8 * (2 + max_field_bytes);

using Key = std::pair<std::string, std::string>;  // holder, item

// Accounts are hashed by one string, "<holder length>:<holder><item>", which
// is unambiguous for any bytes in either part; one allocation per lookup.
std::string account_key(std::string_view holder, std::string_view item) {
  std::string k = std::to_string(holder.size());
  k.reserve(k.size() + 1 + holder.size() + item.size());
  k.push_back(':');
  k.append(holder);
  k.append(item);
  return k;
}
Key split_key(const std::string& k) {
  const std::size_t colon = k.find(':');
  const std::size_t len = std::stoull(k.substr(0, colon));
  return {k.substr(colon + 1, len), k.substr(colon + 1 + len)};
}

struct Account {
  std::int64_t credited = 0;
  std::int64_t debited = 0;
};

// Balances, units and the time order: what validation needs and what a
// commit publishes.
struct Books {
  std::unordered_map<std::string, Account> accounts;  // by account_key
  std::unordered_map<std::string, std::string> units;  // item → unit
  Timestamp last_time = no_time;
};

struct CommitMark {
  std::uint64_t offset = 0;  // byte offset of the commit frame
  std::uint64_t entries_before = 0;
  std::uint64_t size = 0;
  Hash root{};
};

std::string header(HashAlgorithm a) {
  std::string h(magic, sizeof magic);
  h.push_back(static_cast<char>(file_version >> 8));
  h.push_back(static_cast<char>(file_version & 0xFF));
  h.push_back(static_cast<char>(a));
  h.append(header_bytes - h.size(), '\0');
  return h;
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xFF));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xFF));
}
std::uint64_t get_be(const char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

Hash commit_check(HashAlgorithm a, std::string_view payload) {
  std::string buf(1, static_cast<char>(frame_commit));
  buf.append(payload);
  return digest(a, buf);
}

void put_entry_frame(std::string& out, std::string_view payload, const Hash& leaf) {
  out.push_back(static_cast<char>(frame_entry));
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  out.append(payload);
  out.append(reinterpret_cast<const char*>(leaf.data()), leaf.size());
}

void put_commit_frame(std::string& out, HashAlgorithm a, std::uint64_t size, const Hash& root) {
  std::string payload;
  put_u64(payload, size);
  payload.append(reinterpret_cast<const char*>(root.data()), root.size());
  out.push_back(static_cast<char>(frame_commit));
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  out.append(payload);
  const Hash c = commit_check(a, payload);
  out.append(reinterpret_cast<const char*>(c.data()), c.size());
}

bool equal_bytes(std::string_view a, const Hash& h) {
  return a.size() == h.size() && std::memcmp(a.data(), h.data(), h.size()) == 0;
}

// ---- scanning a file image ------------------------------------------------------

struct EntryFrame {
  std::uint64_t offset = 0;  // of the payload
  std::uint32_t len = 0;
  Hash leaf{};               // recomputed from the payload
  bool check_ok = false;     // the stored check hash equals `leaf`
};

struct Scan {
  HashAlgorithm alg = HashAlgorithm::SHA256;
  std::vector<EntryFrame> entries;  // committed (or, when damaged, every readable) entry frame
  std::vector<CommitMark> commits;  // intact commit frames among them
  std::uint64_t file_bytes = 0;
  std::uint64_t kept = header_bytes;
  std::uint64_t dropped_entries = 0;
  std::uint64_t torn_batch = 0;  // entries of a last batch dropped although its commit record survived
  bool damaged = false;
  std::int64_t first_bad = -1;
  std::string problem;

  void damage(std::int64_t entry, std::string what) {
    if (damaged && first_bad >= 0 && entry >= first_bad) return;
    damaged = true;
    first_bad = entry;
    problem = std::move(what);
  }
};

HashAlgorithm parse_header(std::string_view image, const char* field) {
  if (image.size() < header_bytes || std::memcmp(image.data(), magic, sizeof magic) != 0)
    throw_invalid(field, InvalidInput::no_index, fmt::format("<{} bytes>", image.size()),
                  "not a crisiskit ledger file (no CKLEDGER header)");
  const auto version = get_be(image.data() + 8, 2);
  if (version != file_version)
    throw_invalid(field, InvalidInput::no_index, version, "unsupported ledger file version (this build reads 1)");
  const auto alg = static_cast<unsigned char>(image[10]);
  if (alg > 1) throw_invalid(field, InvalidInput::no_index, int{alg}, "unknown hash algorithm in the header");
  for (std::size_t i = 11; i < header_bytes; ++i)
    if (image[i] != '\0') throw_invalid(field, InvalidInput::no_index, i, "reserved header byte is not zero");
  return static_cast<HashAlgorithm>(alg);
}

// A frame structurally complete at `pos`? Returns its total length or 0.
std::size_t frame_length(std::string_view image, std::size_t pos) {
  const std::size_t n = image.size();
  if (n - pos < 5) return 0;
  const auto type = static_cast<std::uint8_t>(image[pos]);
  const std::uint64_t len = get_be(image.data() + pos + 1, 4);
  if (type == frame_entry) {
    if (len > max_entry_bytes) return 0;
  } else if (type == frame_commit) {
    if (len != commit_payload) return 0;
  } else {
    return 0;
  }
  if (n - pos - 5 < len + 32) return 0;
  return static_cast<std::size_t>(5 + len + 32);
}

bool intact_commit_at(std::string_view image, std::size_t pos, HashAlgorithm a) {
  if (static_cast<std::uint8_t>(image[pos]) != frame_commit || frame_length(image, pos) == 0) return false;
  return equal_bytes(image.substr(pos + 5 + commit_payload, 32), commit_check(a, image.substr(pos + 5, commit_payload)));
}

Scan scan(std::string_view image, const char* field) {
  Scan s;
  s.alg = parse_header(image, field);
  s.file_bytes = image.size();
  struct CommitFrame {
    std::size_t pos, end;
    std::uint64_t entries_before;
    bool intact;
  };
  std::vector<EntryFrame> all;
  std::vector<CommitFrame> cframes;
  std::vector<CommitMark> good;  // intact commit records, in order
  std::size_t pos = header_bytes, stop = image.size();
  while (pos < image.size()) {
    const std::size_t flen = frame_length(image, pos);
    if (flen == 0) {
      stop = pos;
      break;
    }
    const std::string_view payload = image.substr(pos + 5, flen - frame_overhead);
    const std::string_view check = image.substr(pos + flen - 32, 32);
    if (static_cast<std::uint8_t>(image[pos]) == frame_entry) {
      EntryFrame f;
      f.offset = pos + 5;
      f.len = static_cast<std::uint32_t>(payload.size());
      f.leaf = leaf_hash(s.alg, payload);
      f.check_ok = equal_bytes(check, f.leaf);
      all.push_back(f);
    } else {
      const bool intact = equal_bytes(check, commit_check(s.alg, payload));
      cframes.push_back({pos, pos + flen, all.size(), intact});
      if (intact) {
        CommitMark c;
        c.offset = pos;
        c.entries_before = all.size();
        c.size = get_be(payload.data(), 8);
        std::memcpy(c.root.data(), payload.data() + 8, 32);
        good.push_back(c);
      }
    }
    pos += flen;
  }
  // Intact commit records beyond an unreadable frame. One is the end of the
  // last batch, torn by a crash (entries and commit record go out in one
  // write, so the record's page may reach the disk before an earlier
  // page); two or more mean committed data after the damage.
  std::size_t late = 0, first_late = 0;
  if (stop < image.size())
    for (std::size_t p = stop + 1; p + frame_overhead + commit_payload <= image.size() && late < 2; ++p)
      if (intact_commit_at(image, p, s.alg)) {
        if (late++ == 0) first_late = p;
      }
  std::size_t committed = good.empty() ? 0 : good.back().entries_before;
  s.kept = good.empty() ? header_bytes : good.back().offset + frame_overhead + commit_payload;
  if (late >= 2) {
    committed = all.size();
    s.kept = image.size();
    s.damage(static_cast<std::int64_t>(all.size()),
             fmt::format("the frame at byte {} is unreadable but intact commit records follow (from byte {}): "
                         "committed data is damaged",
                         stop, first_late));
  } else if (!good.empty()) {
    // The last batch is acknowledged only if it is whole: every entry frame
    // checks out and its commit record counts them. Otherwise it is the
    // torn write of a commit that never returned.
    const std::size_t lo = good.size() >= 2 ? good[good.size() - 2].entries_before : 0;
    const std::size_t lo_pos =
        good.size() >= 2 ? good[good.size() - 2].offset + frame_overhead + commit_payload : header_bytes;
    bool whole = good.back().size == committed;
    for (std::size_t i = lo; i < committed && whole; ++i) whole = all[i].check_ok;
    for (const auto& c : cframes)
      if (!c.intact && c.pos >= lo_pos && c.pos < s.kept) whole = false;
    if (!whole) {
      s.torn_batch = committed - lo;
      committed = lo;
      s.kept = lo_pos;
      good.pop_back();
    }
  }
  for (std::size_t i = 0; i < committed; ++i)
    if (!all[i].check_ok) {
      s.damage(static_cast<std::int64_t>(i),
               fmt::format("the check hash stored after entry {} (byte {}) does not match its bytes: the entry or "
                           "its hash was altered",
                           i, all[i].offset));
      break;
    }
  for (const auto& c : cframes)
    if (!c.intact && c.pos < s.kept) {
      s.damage(static_cast<std::int64_t>(c.entries_before),
               fmt::format("the commit record at byte {} is altered (its check hash does not match)", c.pos));
      break;
    }
  s.commits = std::move(good);
  s.dropped_entries = all.size() - committed;
  all.resize(committed);
  s.entries = std::move(all);
  return s;
}

std::string sys_error(const std::string& what, const std::string& path) {
  return fmt::format("{} '{}': {}", what, path, std::strerror(errno));
}

void write_all(int fd, const std::string& buf, std::uint64_t offset, const std::string& path) {
  std::size_t done = 0;
  while (done < buf.size()) {
    const ssize_t w = ::pwrite(fd, buf.data() + done, buf.size() - done, static_cast<off_t>(offset + done));
    if (w < 0) {
      if (errno == EINTR) continue;
      throw Error(sys_error("cannot write ledger file", path));
    }
    done += static_cast<std::size_t>(w);
  }
}

void sync(int fd, const std::string& path) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) throw Error(sys_error("cannot sync ledger file", path));
  }
}

std::string read_file(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Error(sys_error("cannot stat ledger file", path));
  std::string buf(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < buf.size()) {
    const ssize_t r = ::pread(fd, buf.data() + done, buf.size() - done, static_cast<off_t>(done));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Error(sys_error("cannot read ledger file", path));
    }
    if (r == 0) break;
    done += static_cast<std::size_t>(r);
  }
  buf.resize(done);
  return buf;
}

}  // namespace

// ---- Impl -------------------------------------------------------------------------

struct Ledger::Impl {
  explicit Impl(HashAlgorithm a) : alg(a), tree(a) {}
  ~Impl() {
    if (fd >= 0) ::close(fd);
  }

  HashAlgorithm alg;
  std::string path;
  bool read_only = false;
  int fd = -1;
  std::uint64_t file_end = 0;
  RecoveryReport recovery;
  std::int64_t damage_first_bad = -1;  // what load found (kept: an in-memory image cannot be re-read)
  std::string damage_problem;

  mutable std::mutex writer;
  mutable std::shared_mutex state;

  // Committed state: written only by the writer holding `writer` and
  // `state` exclusively; read under `state` shared (or by the writer alone).
  MerkleTree tree;
  std::string arena;
  std::vector<std::uint64_t> offsets{0};
  Books books;
  std::vector<CommitMark> commits;

  // Staged state: the writer's alone (under `writer`).
  std::uint64_t staged = 0;  // number of staged entries
  std::string staged_arena;
  std::vector<std::uint64_t> staged_offsets{0};
  std::unordered_map<std::string, Account> staged_accounts;
  std::unordered_map<std::string, std::string> staged_units;
  Timestamp staged_last_time = no_time;

  std::uint64_t committed_size() const { return offsets.size() - 1; }
  std::string_view bytes_of(std::uint64_t i) const {
    return std::string_view(arena).substr(offsets[i], offsets[i + 1] - offsets[i]);
  }

  // Undo log of one append_many, so a rejected row leaves the stage as it was.
  struct Undo {
    std::vector<std::pair<std::string, std::optional<Account>>> accounts;
    std::vector<std::string> units;
    Timestamp last_time;
  };

  Account current(const std::string& k) const {
    if (auto it = staged_accounts.find(k); it != staged_accounts.end()) return it->second;
    if (auto it = books.accounts.find(k); it != books.accounts.end()) return it->second;
    return {};
  }
  const std::string* unit_of(const std::string& item) const {
    if (auto it = staged_units.find(item); it != staged_units.end()) return &it->second;
    if (auto it = books.units.find(item); it != books.units.end()) return &it->second;
    return nullptr;
  }
  void set_account(std::string&& k, const Account& a, Undo& u) {
    auto [it, inserted] = staged_accounts.try_emplace(k, a);
    u.accounts.emplace_back(std::move(k), inserted ? std::nullopt : std::optional<Account>(it->second));
    it->second = a;
  }
  void undo(Undo& u) {
    for (auto it = u.accounts.rbegin(); it != u.accounts.rend(); ++it) {
      if (it->second) staged_accounts[it->first] = *it->second;
      else staged_accounts.erase(it->first);
    }
    for (const auto& item : u.units) staged_units.erase(item);
    staged_last_time = u.last_time;
  }

  // Check `e` against the books (committed + staged) and apply it to the stage.
  void stage_books(const Entry& e, std::int64_t row, Undo& u) {
    if (staged_last_time != no_time && e.time < staged_last_time)
      throw_invalid("time", row, format_time(e.time),
                    fmt::format("is before the previous entry's time {}: the ledger is kept in time order",
                                format_time(staged_last_time)));
    if (const std::string* unit = unit_of(e.item)) {
      if (*unit != e.unit)
        throw_invalid("unit", row, e.unit, fmt::format("item '{}' is counted in '{}' in this ledger", e.item, *unit));
    } else {
      staged_units.emplace(e.item, e.unit);
      u.units.push_back(e.item);
    }
    if (debits_from(e.kind)) {
      std::string k = account_key(e.from, e.item);
      Account a = current(k);
      const std::int64_t have = a.credited - a.debited;
      if (have < e.quantity)
        throw_invalid("quantity", row, e.quantity,
                      fmt::format("{} of '{}' from '{}' exceeds its balance: it holds {}{}{}, this would leave {}",
                                  to_string(e.kind), e.item, e.from, have, e.unit.empty() ? "" : " ", e.unit,
                                  have - e.quantity));
      a.debited += e.quantity;
      set_account(std::move(k), a, u);
    }
    if (credits_to(e.kind)) {
      std::string k = account_key(e.to, e.item);
      Account a = current(k);
      if (a.credited > INT64_MAX - e.quantity)
        throw_invalid("quantity", row, e.quantity,
                      fmt::format("the running total of '{}' received by '{}' would overflow int64", e.item, e.to));
      a.credited += e.quantity;
      set_account(std::move(k), a, u);
    }
    staged_last_time = e.time;
  }

  void check_writable() const {
    if (recovery.damaged)
      throw StateError(fmt::format("the ledger{} is damaged ({}): it is read-only; run verify()",
                                   path.empty() ? "" : " '" + path + "'", recovery.message));
    if (read_only) throw StateError(fmt::format("the ledger '{}' is open read-only", path));
  }

  // Validates and stages `es` (seqs are written into it), all or nothing.
  std::uint64_t stage(std::vector<Entry>& es, bool batch) {
    check_writable();
    const std::uint64_t first = committed_size() + staged;
    Undo u;
    u.last_time = staged_last_time;
    const std::size_t arena_before = staged_arena.size(), offsets_before = staged_offsets.size();
    try {
      staged_offsets.reserve(staged_offsets.size() + es.size());
      for (std::size_t r = 0; r < es.size(); ++r) {
        const std::int64_t row = batch ? static_cast<std::int64_t>(r) : InvalidInput::no_index;
        Entry& e = es[r];
        e.seq = first + r;
        validate(e, row);
        stage_books(e, row, u);
        encode_to(e, staged_arena);
        staged_offsets.push_back(staged_arena.size());
      }
    } catch (...) {
      undo(u);
      staged_arena.resize(arena_before);
      staged_offsets.resize(offsets_before);
      throw;
    }
    staged += es.size();
    return first;
  }

  void clear_stage() {
    staged = 0;
    staged_arena.clear();
    staged_offsets.assign(1, 0);
    staged_accounts.clear();
    staged_units.clear();
    staged_last_time = books.last_time;
  }

  std::uint64_t commit() {
    if (staged == 0) return committed_size();
    check_writable();
    const std::size_t n = staged;
    std::vector<Hash> leaves(n);
    for (std::size_t i = 0; i < n; ++i)
      leaves[i] = ledger::leaf_hash(alg, std::string_view(staged_arena).substr(staged_offsets[i], staged_offsets[i + 1] - staged_offsets[i]));
    auto nodes = tree.compute_appended(leaves);
    const Hash new_root = tree.root_with(leaves, nodes);
    const std::uint64_t new_size = committed_size() + n;
    CommitMark mark;
    mark.entries_before = new_size;
    mark.size = new_size;
    mark.root = new_root;
    std::uint64_t new_end = file_end;
    if (fd >= 0) {
      std::string frames;
      frames.reserve(staged_arena.size() + n * frame_overhead);
      for (std::size_t i = 0; i < n; ++i)
        put_entry_frame(frames, std::string_view(staged_arena).substr(staged_offsets[i], staged_offsets[i + 1] - staged_offsets[i]), leaves[i]);
      std::string commit_frame;
      put_commit_frame(commit_frame, alg, new_size, new_root);
      mark.offset = file_end + frames.size();
      frames += commit_frame;
      try {
        // One write, one fdatasync for the whole batch. A crash before the
        // sync returns may leave any subset of its pages on disk; opening
        // then drops the batch (see scan), which was never acknowledged.
        write_all(fd, frames, file_end, path);
        sync(fd, path);
      } catch (...) {
        if (::ftruncate(fd, static_cast<off_t>(file_end)) == 0) (void)::fdatasync(fd);
        throw;
      }
      new_end = file_end + frames.size();
    }
    {
      std::unique_lock lock(state);
      arena += staged_arena;
      const std::uint64_t base = offsets.back();
      for (std::size_t i = 1; i < staged_offsets.size(); ++i) offsets.push_back(base + staged_offsets[i]);
      tree.append_computed(leaves, std::move(nodes));
      for (auto& [k, a] : staged_accounts) books.accounts[k] = a;
      for (auto& [item, unit] : staged_units) books.units.emplace(item, unit);
      books.last_time = staged_last_time;
      commits.push_back(mark);
      file_end = new_end;
    }
    clear_stage();
    return new_size;
  }
};

namespace {

// Replays the entries of a scanned image from zero: decode, seq, books,
// commit records. Fills `tree`/`books` as far as the entries check out
// (the tree takes every entry, so its root is the root of what is stored).
struct Replay {
  MerkleTree tree;
  Books books;
  std::int64_t first_bad = -1;
  std::string problem;
  explicit Replay(HashAlgorithm a) : tree(a) {}
  void bad(std::int64_t i, std::string what) {
    if (first_bad >= 0 && first_bad <= i) return;
    first_bad = i;
    problem = std::move(what);
  }
};

Replay replay(std::string_view image, const Scan& s) {
  Replay r(s.alg);
  r.tree.reserve(s.entries.size());
  Ledger::Impl scratch(s.alg);  // reuses the staging rules for the books
  std::size_t next_commit = 0;
  std::uint64_t last_good_commit = 0;
  bool books_ok = true;
  auto check_commits_upto = [&](std::uint64_t count) {
    while (next_commit < s.commits.size() && s.commits[next_commit].entries_before <= count) {
      const CommitMark& c = s.commits[next_commit++];
      if (c.size != c.entries_before) {
        r.bad(static_cast<std::int64_t>(std::min(c.size, c.entries_before)),
              fmt::format("the commit record at byte {} says {} entries but follows {}", c.offset, c.size,
                          c.entries_before));
      } else if (r.tree.root(c.entries_before) != c.root) {
        r.bad(static_cast<std::int64_t>(last_good_commit),
              fmt::format("entries {} … {} do not match the root recorded by the commit record at byte {}: one of "
                          "them (or the record) was altered",
                          last_good_commit, c.entries_before - 1, c.offset));
      } else {
        last_good_commit = c.entries_before;
      }
    }
  };
  check_commits_upto(0);
  for (std::size_t i = 0; i < s.entries.size(); ++i) {
    const EntryFrame& f = s.entries[i];
    r.tree.append(f.leaf);
    const auto row = static_cast<std::int64_t>(i);
    if (!f.check_ok)
      r.bad(row, fmt::format("the check hash stored after entry {} does not match its bytes: the entry or its hash "
                             "was altered",
                             i));
    if (books_ok) {
      try {
        Entry e = decode(image.substr(f.offset, f.len), row);
        if (e.seq != i)
          throw_invalid("seq", row, e.seq, "is not the entry's position: entries were reordered, removed or inserted");
        Ledger::Impl::Undo u;
        u.last_time = scratch.staged_last_time;
        scratch.stage_books(e, row, u);
      } catch (const InvalidInput& err) {
        books_ok = false;
        r.bad(row, err.what());
      }
    }
    check_commits_upto(i + 1);
  }
  r.books.accounts = std::move(scratch.staged_accounts);
  r.books.units = std::move(scratch.staged_units);
  r.books.last_time = scratch.staged_last_time;
  return r;
}

// Load a scanned image into `impl` (fresh) and fill its recovery report.
void load(Ledger::Impl& impl, std::string_view image, const Scan& s) {
  Replay r = replay(image, s);
  impl.tree = std::move(r.tree);
  impl.tree.rebuild_spine();
  std::uint64_t total = 0;
  for (const auto& f : s.entries) total += f.len;
  impl.arena.reserve(total);
  impl.offsets.reserve(s.entries.size() + 1);
  for (const auto& f : s.entries) {
    impl.arena.append(image.substr(f.offset, f.len));
    impl.offsets.push_back(impl.arena.size());
  }
  impl.books = std::move(r.books);
  impl.commits = s.commits;
  impl.staged_last_time = impl.books.last_time;
  RecoveryReport& rep = impl.recovery;
  rep.entries = s.entries.size();
  rep.file_bytes = s.file_bytes;
  rep.kept_bytes = s.kept;
  rep.dropped_bytes = s.file_bytes - s.kept;
  rep.dropped_entries = s.dropped_entries;
  std::int64_t first_bad = s.first_bad;
  std::string problem = s.problem;
  if (r.first_bad >= 0 && (first_bad < 0 || r.first_bad < first_bad)) {
    first_bad = r.first_bad;
    problem = r.problem;
  }
  if (first_bad >= 0) {
    impl.damage_first_bad = first_bad;
    impl.damage_problem = problem;
    rep.damaged = true;
    rep.message = fmt::format("damaged at entry {}: {}", first_bad, problem);
  } else if (rep.dropped_bytes > 0) {
    rep.message = fmt::format("dropped an unacknowledged tail of {} bytes ({} complete entry records never committed)",
                              rep.dropped_bytes, rep.dropped_entries);
    if (s.torn_batch > 0)
      rep.message += fmt::format("; it holds a last batch of {} entries whose records do not match its commit "
                                 "record: a write torn by a crash (that commit never returned), or damage",
                                 s.torn_batch);
  }
}

}  // namespace

// ---- Ledger -------------------------------------------------------------------------

Ledger::Ledger(HashAlgorithm a) : impl_(std::make_unique<Impl>(a)) { (void)empty_root(a); }
Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::Ledger(Ledger&&) noexcept = default;
Ledger& Ledger::operator=(Ledger&&) noexcept = default;
Ledger::~Ledger() = default;

Ledger Ledger::create(const std::string& path, HashAlgorithm a) {
  (void)empty_root(a);  // refuse an algorithm this OpenSSL lacks before creating anything
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(sys_error("cannot create ledger file", path));
  auto impl = std::make_unique<Impl>(a);
  impl->fd = fd;
  impl->path = path;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) throw StateError(sys_error("cannot lock ledger file", path));
  const std::string h = header(a);
  write_all(fd, h, 0, path);
  sync(fd, path);
  // The new name must be durable too, or a crash could lose the whole file.
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  impl->file_end = h.size();
  impl->recovery.file_bytes = impl->recovery.kept_bytes = h.size();
  return Ledger(std::move(impl));
}

Ledger Ledger::open(const std::string& path, OpenMode mode) {
  const bool rw = mode == OpenMode::READ_WRITE;
  const int fd = ::open(path.c_str(), (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) throw Error(sys_error("cannot open ledger file", path));
  auto guard = std::make_unique<Impl>(HashAlgorithm::SHA256);
  guard->fd = fd;  // closes fd if anything below throws
  if (rw && ::flock(fd, LOCK_EX | LOCK_NB) != 0)
    throw StateError(sys_error("cannot lock ledger file (open for writing elsewhere?)", path));
  const std::string image = read_file(fd, path);
  const Scan s = scan(image, "path");
  auto impl = std::make_unique<Impl>(s.alg);
  std::swap(impl->fd, guard->fd);
  impl->path = path;
  impl->read_only = !rw;
  load(*impl, image, s);
  impl->file_end = s.kept;
  if (rw && !impl->recovery.damaged && s.kept < image.size()) {
    // The dropped bytes are evidence (of a crash, or of damage): keep a copy
    // beside the ledger before cutting them off.
    const std::string side = fmt::format("{}.torn-{}", path, s.kept);
    const int sfd = ::open(side.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (sfd < 0) throw Error(sys_error("cannot save the dropped tail to", side));
    try {
      write_all(sfd, image.substr(s.kept), 0, side);
      sync(sfd, side);
    } catch (...) {
      ::close(sfd);
      throw;
    }
    ::close(sfd);
    impl->recovery.message += fmt::format(" (saved to {})", side);
    if (::ftruncate(fd, static_cast<off_t>(s.kept)) != 0) throw Error(sys_error("cannot truncate ledger file", path));
    sync(fd, path);
    impl->recovery.truncated = true;
  }
  return Ledger(std::move(impl));
}

Ledger Ledger::from_image(std::string_view image) {
  const Scan s = scan(image, "image");
  auto impl = std::make_unique<Impl>(s.alg);
  load(*impl, image, s);
  return Ledger(std::move(impl));
}

std::uint64_t Ledger::append(const Entry& e) {
  std::vector<Entry> one{e};
  std::lock_guard lock(impl_->writer);
  return impl_->stage(one, false);
}

std::uint64_t Ledger::append_many(const std::vector<Entry>& es) {
  std::vector<Entry> copy(es);
  return append_many(std::move(copy));
}

std::uint64_t Ledger::append_many(std::vector<Entry>&& es) {
  std::lock_guard lock(impl_->writer);
  return impl_->stage(es, true);
}

std::uint64_t Ledger::commit() {
  std::lock_guard lock(impl_->writer);
  return impl_->commit();
}

void Ledger::rollback() {
  std::lock_guard lock(impl_->writer);
  impl_->clear_stage();
}

std::uint64_t Ledger::pending() const {
  std::lock_guard lock(impl_->writer);
  return impl_->staged;
}

std::uint64_t Ledger::size() const {
  std::shared_lock lock(impl_->state);
  return impl_->committed_size();
}
HashAlgorithm Ledger::algorithm() const noexcept { return impl_->alg; }
const std::string& Ledger::path() const noexcept { return impl_->path; }
bool Ledger::read_only() const noexcept { return impl_->read_only || impl_->recovery.damaged; }
const RecoveryReport& Ledger::recovery() const noexcept { return impl_->recovery; }

namespace {
void check_index(std::uint64_t i, std::uint64_t n) {
  CRISISKIT_CHECK(i < n, "index", InvalidInput::no_index, i, fmt::format("the ledger has {} entries", n));
}
}  // namespace

Entry Ledger::entry(std::uint64_t i) const {
  std::shared_lock lock(impl_->state);
  check_index(i, impl_->committed_size());
  return decode(impl_->bytes_of(i), static_cast<std::int64_t>(i));
}

std::vector<Entry> Ledger::entries(std::uint64_t begin, std::uint64_t end) const {
  std::shared_lock lock(impl_->state);
  end = std::min(end, impl_->committed_size());
  std::vector<Entry> out;
  for (std::uint64_t i = begin; i < end; ++i) out.push_back(decode(impl_->bytes_of(i), static_cast<std::int64_t>(i)));
  return out;
}

std::string Ledger::entry_bytes(std::uint64_t i) const {
  std::shared_lock lock(impl_->state);
  check_index(i, impl_->committed_size());
  return std::string(impl_->bytes_of(i));
}

Hash Ledger::leaf_hash(std::uint64_t i) const {
  std::shared_lock lock(impl_->state);
  check_index(i, impl_->committed_size());
  return impl_->tree.leaf(i);
}

Hash Ledger::root() const {
  std::shared_lock lock(impl_->state);
  return impl_->tree.root();
}
Hash Ledger::root(std::uint64_t size) const {
  std::shared_lock lock(impl_->state);
  return impl_->tree.root(size);
}
std::vector<Hash> Ledger::inclusion_proof(std::uint64_t index) const {
  std::shared_lock lock(impl_->state);
  return impl_->tree.inclusion_proof(index);
}
std::vector<Hash> Ledger::inclusion_proof(std::uint64_t index, std::uint64_t size) const {
  std::shared_lock lock(impl_->state);
  return impl_->tree.inclusion_proof(index, size);
}
std::vector<Hash> Ledger::consistency_proof(std::uint64_t old_size) const {
  std::shared_lock lock(impl_->state);
  return impl_->tree.consistency_proof(old_size);
}
std::vector<Hash> Ledger::consistency_proof(std::uint64_t old_size, std::uint64_t new_size) const {
  std::shared_lock lock(impl_->state);
  return impl_->tree.consistency_proof(old_size, new_size);
}

std::vector<Balance> Ledger::balances() const {
  std::shared_lock lock(impl_->state);
  std::vector<Balance> out;
  out.reserve(impl_->books.accounts.size());
  for (const auto& [k, a] : impl_->books.accounts) {
    Balance b;
    std::tie(b.holder, b.item) = split_key(k);
    if (auto it = impl_->books.units.find(b.item); it != impl_->books.units.end()) b.unit = it->second;
    b.credited = a.credited;
    b.debited = a.debited;
    b.quantity = a.credited - a.debited;
    out.push_back(std::move(b));
  }
  std::sort(out.begin(), out.end(), [](const Balance& x, const Balance& y) {
    return std::tie(x.holder, x.item) < std::tie(y.holder, y.item);
  });
  return out;
}

std::int64_t Ledger::balance(std::string_view holder, std::string_view item) const {
  std::shared_lock lock(impl_->state);
  auto it = impl_->books.accounts.find(account_key(holder, item));
  return it == impl_->books.accounts.end() ? 0 : it->second.credited - it->second.debited;
}

std::vector<TraceRow> Ledger::trace(const TraceQuery& q) const {
  std::shared_lock lock(impl_->state);
  const std::uint64_t n = impl_->committed_size();
  auto in_time = [&](const Entry& e) {
    return (q.start == no_time || e.time >= q.start) && (q.end == no_time || e.time <= q.end);
  };
  auto tag_ok = [&](const Entry& e) {  // a followed entry may serve the same need/claim or none
    return (q.need.empty() || e.need.empty() || e.need == q.need) &&
           (q.claim.empty() || e.claim.empty() || e.claim == q.claim);
  };
  struct Reach {
    std::uint64_t via;
    int hop;
  };
  std::map<Key, Reach> reached;  // where followed goods are, first arrival
  std::vector<TraceRow> out;
  for (std::uint64_t i = 0; i < n; ++i) {
    Entry e;
    try {
      e = decode(impl_->bytes_of(i), static_cast<std::int64_t>(i));
    } catch (const InvalidInput&) {
      continue;  // only in a damaged ledger; verify() names it
    }
    if (!in_time(e)) continue;
    const bool match = (q.need.empty() || e.need == q.need) && (q.claim.empty() || e.claim == q.claim) &&
                       (q.to.empty() || e.to == q.to) && (q.from.empty() || e.from == q.from) &&
                       (q.item.empty() || e.item == q.item);
    TraceRow row;
    if (match) {
      row.hop = 0;
    } else if (q.follow && debits_from(e.kind) && tag_ok(e)) {
      auto it = reached.find(Key{e.from, e.item});
      if (it == reached.end()) continue;
      row.hop = it->second.hop + 1;
      row.via = static_cast<std::int64_t>(it->second.via);
    } else {
      continue;
    }
    if (q.follow && credits_to(e.kind)) reached.try_emplace(Key{e.to, e.item}, Reach{e.seq, row.hop});
    row.entry = std::move(e);
    out.push_back(std::move(row));
  }
  return out;
}

namespace {
std::string image_of(const Ledger::Impl& impl) {  // caller holds `state`
  const std::uint64_t n = impl.committed_size();
  std::string out = header(impl.alg);
  out.reserve(out.size() + impl.arena.size() + n * frame_overhead + frame_overhead + commit_payload);
  for (std::uint64_t i = 0; i < n; ++i) put_entry_frame(out, impl.bytes_of(i), impl.tree.leaf(i));
  if (n > 0) put_commit_frame(out, impl.alg, n, impl.tree.root());
  return out;
}

VerifyReport verify_impl(const Ledger::Impl& impl, const std::string& image, const Hash* trusted_root,
                         std::uint64_t trusted_size) {
  VerifyReport rep;
  std::int64_t first_bad = -1;
  std::string problem;
  auto bad = [&](std::int64_t i, std::string what) {
    if (first_bad >= 0 && first_bad <= i) return;
    first_bad = i;
    problem = std::move(what);
  };
  if (impl.recovery.damaged) bad(impl.damage_first_bad, impl.damage_problem);
  Scan s = scan(image, impl.fd >= 0 ? "path" : "image");
  if (s.damaged) bad(s.first_bad, s.problem);
  Replay r = replay(image, s);
  if (r.first_bad >= 0) bad(r.first_bad, r.problem);
  // What was committed through this object must still be there, byte for byte.
  const std::uint64_t n = impl.committed_size();
  for (std::uint64_t i = 0; i < n; ++i) {
    if (i >= s.entries.size()) {
      bad(static_cast<std::int64_t>(i), fmt::format("entry {} was committed but is missing from the file", i));
      break;
    }
    const EntryFrame& f = s.entries[i];
    if (std::string_view(image).substr(f.offset, f.len) != impl.bytes_of(i)) {
      bad(static_cast<std::int64_t>(i), fmt::format("entry {} in the file differs from the entry committed", i));
      break;
    }
  }
  if (n > 0 && s.entries.size() >= n && r.tree.root(n) != impl.tree.root())
    bad(-1, "the in-memory tree does not match the recomputed one");
  rep.size = r.tree.size();
  rep.root = r.tree.root();
  if (trusted_root != nullptr && first_bad < 0) {
    if (trusted_size > r.tree.size()) {
      bad(static_cast<std::int64_t>(r.tree.size()),
          fmt::format("the trusted root is for {} entries but only {} are stored: entries were removed",
                      trusted_size, r.tree.size()));
    } else if (r.tree.root(trusted_size) != *trusted_root) {
      rep.ok = false;
      problem = fmt::format("the root of the first {} entries is {}, not the trusted {}: the log was rewritten "
                            "(every hash recomputed) at or before entry {}",
                            trusted_size, to_hex(r.tree.root(trusted_size)), to_hex(*trusted_root), trusted_size - 1);
    }
  }
  if (first_bad >= 0 || !problem.empty()) rep.ok = false;
  rep.first_bad = first_bad;
  rep.problem = problem;
  return rep;
}
}  // namespace

VerifyReport Ledger::verify() const {
  std::shared_lock lock(impl_->state);
  const std::string image = impl_->fd >= 0 ? read_file(impl_->fd, impl_->path) : image_of(*impl_);
  return verify_impl(*impl_, image, nullptr, 0);
}

VerifyReport Ledger::verify(std::uint64_t trusted_size, const Hash& trusted_root) const {
  std::shared_lock lock(impl_->state);
  const std::string image = impl_->fd >= 0 ? read_file(impl_->fd, impl_->path) : image_of(*impl_);
  return verify_impl(*impl_, image, &trusted_root, trusted_size);
}

std::string Ledger::to_image() const {
  std::shared_lock lock(impl_->state);
  return image_of(*impl_);
}

}  // namespace crisiskit::ledger
