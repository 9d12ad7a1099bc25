#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "crisiskit/core/error.hpp"
#include "crisiskit/ledger/ledger.hpp"

using namespace crisiskit;
using namespace crisiskit::ledger;
namespace fs = std::filesystem;

namespace {

const Timestamp T0 = 1'784'505'600;  // 2026-07-20T00:00:00Z

Entry mk(Kind k, std::int64_t q, std::string from, std::string to, std::string item = "water", Timestamp t = T0,
         std::string need = {}) {
  Entry e;
  e.kind = k;
  e.quantity = q;
  e.from = std::move(from);
  e.to = std::move(to);
  e.item = std::move(item);
  e.unit = e.item == "water" ? "bottle" : "pcs";
  e.time = t;
  e.need = std::move(need);
  e.actor = "clerk";
  return e;
}

struct TempDir {
  fs::path dir;
  TempDir() {
    static std::atomic<int> counter{0};
    dir = fs::temp_directory_path() /
          ("ck_ledger_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() { fs::remove_all(dir); }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
void spit(const std::string& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A small realistic history: receipts, a move, hand-outs, a return, a write-off.
std::vector<Entry> history() {
  return {mk(Kind::DONATION, 500, "Red Cross", "warehouse-A", "water", T0, "need-1"),
          mk(Kind::PURCHASE, 40, "supplier-1", "warehouse-A", "tent", T0 + 10),
          mk(Kind::MOVE, 200, "warehouse-A", "station-B", "water", T0 + 60, "need-1"),
          mk(Kind::HAND_OUT, 150, "station-B", "community-X", "water", T0 + 120, "need-1"),
          mk(Kind::HAND_OUT, 20, "warehouse-A", "community-Y", "tent", T0 + 130),
          mk(Kind::RETURN, 10, "community-X", "station-B", "water", T0 + 200),
          mk(Kind::WRITE_OFF, 5, "station-B", "", "water", T0 + 300),
          mk(Kind::HAND_OUT, 30, "station-B", "community-Z", "water", T0 + 400)};
}

}  // namespace

TEST_CASE("ledger: balances follow the movements; staged entries are invisible until commit") {
  Ledger l;
  CHECK(l.append_many(history()) == 0);
  CHECK(l.pending() == 8);
  CHECK(l.size() == 0);
  CHECK(l.root() == empty_root(HashAlgorithm::SHA256));
  CHECK(l.commit() == 8);
  CHECK(l.pending() == 0);
  CHECK(l.balance("warehouse-A", "water") == 300);
  CHECK(l.balance("station-B", "water") == 200 - 150 + 10 - 5 - 30);
  CHECK(l.balance("community-X", "water") == 140);
  CHECK(l.balance("warehouse-A", "tent") == 20);
  CHECK(l.balance("nobody", "water") == 0);
  bool found = false;
  for (const auto& b : l.balances())
    if (b.holder == "station-B" && b.item == "water") {
      found = true;
      CHECK(b.credited == 210);
      CHECK(b.debited == 185);
      CHECK(b.unit == "bottle");
    }
  CHECK(found);
  for (std::uint64_t i = 0; i < l.size(); ++i) {
    CHECK(l.entry(i).seq == i);
    CHECK(l.leaf_hash(i) == leaf_hash(HashAlgorithm::SHA256, l.entry_bytes(i)));
    CHECK(verify_inclusion(HashAlgorithm::SHA256, i, l.size(), l.leaf_hash(i), l.inclusion_proof(i), l.root()));
  }
  const auto v = l.verify();
  CHECK(v.ok);
  CHECK(v.root == l.root());
}

TEST_CASE("ledger: a hand-out beyond the balance is refused naming row, field and value, and changes nothing") {
  Ledger l;
  l.append_many(history());
  l.commit();
  const Hash root = l.root();
  l.append(mk(Kind::MOVE, 1, "warehouse-A", "station-B", "water", T0 + 500));  // staged: 299 left
  auto batch = std::vector<Entry>{mk(Kind::HAND_OUT, 100, "warehouse-A", "community-Y", "water", T0 + 600),
                                  mk(Kind::HAND_OUT, 200, "warehouse-A", "community-Y", "water", T0 + 600)};
  CHECK_THROWS_WITH_AS(l.append_many(batch),
                       "invalid quantity[1] = 200: HAND_OUT of 'water' from 'warehouse-A' exceeds its balance: it "
                       "holds 199 bottle, this would leave -1",
                       InvalidInput);
  CHECK(l.pending() == 1);  // the first row of the refused batch is not staged either
  l.commit();
  CHECK(l.balance("warehouse-A", "water") == 299);
  CHECK(l.root(8) == root);
  // Time order, unit per item, unknown holder.
  CHECK_THROWS_WITH_AS(l.append(mk(Kind::MOVE, 1, "warehouse-A", "station-B", "water", T0)),
                       doctest::Contains("invalid time = '2026-07-20T00:00:00+00:00'"), InvalidInput);
  auto kg = mk(Kind::DONATION, 1, "", "warehouse-A", "water", T0 + 900);
  kg.unit = "kg";
  CHECK_THROWS_WITH_AS(l.append(kg), "invalid unit = 'kg': item 'water' is counted in 'bottle' in this ledger",
                       InvalidInput);
  CHECK_THROWS_WITH_AS(l.append(mk(Kind::HAND_OUT, 1, "ghost", "community-Y", "water", T0 + 900)),
                       doctest::Contains("from 'ghost' exceeds its balance: it holds 0"), InvalidInput);
  CHECK(l.pending() == 0);
  CHECK(l.size() == 9);
  CHECK(l.verify().ok);
}

TEST_CASE("ledger: rollback drops staged entries and their effect on balances") {
  Ledger l;
  l.append(mk(Kind::DONATION, 10, "", "A", "water", T0));
  l.rollback();
  CHECK(l.pending() == 0);
  CHECK_THROWS_AS(l.append(mk(Kind::HAND_OUT, 5, "A", "X", "water", T0)), InvalidInput);
  l.append(mk(Kind::DONATION, 10, "", "A", "water", T0));
  l.append(mk(Kind::HAND_OUT, 5, "A", "X", "water", T0));
  CHECK(l.commit() == 2);
  CHECK(l.balance("A", "water") == 5);
}

TEST_CASE("ledger: trace follows the goods meant for a need to where they went") {
  Ledger l;
  l.append_many(history());
  l.commit();
  TraceQuery q;
  q.need = "need-1";
  const auto rows = l.trace(q);
  // seeds 0, 2, 3 (need-1); followed: 5 (community-X returns), 6 (write-off at
  // station-B), 7 (hand-out from station-B to community-Z).
  std::vector<std::uint64_t> seqs;
  for (const auto& r : rows) seqs.push_back(r.entry.seq);
  CHECK(seqs == std::vector<std::uint64_t>{0, 2, 3, 5, 6, 7});
  CHECK(rows[0].hop == 0);
  CHECK(rows[3].hop == 1);
  CHECK(rows[3].via == 3);  // came to community-X by entry 3
  CHECK(rows[5].via == 2);  // station-B got it by the move, entry 2
  q.follow = false;
  CHECK(l.trace(q).size() == 3);
  TraceQuery to_x;
  to_x.to = "community-X";
  to_x.follow = false;
  REQUIRE(l.trace(to_x).size() == 1);
  CHECK(l.trace(to_x)[0].entry.quantity == 150);
  TraceQuery late;
  late.item = "water";
  late.start = T0 + 150;
  late.follow = false;
  CHECK(l.trace(late).size() == 3);
}

TEST_CASE("ledger: file-backed commits survive reopening; a rejected entry leaves the file byte-identical") {
  TempDir d;
  const std::string p = d.file("l.ckl");
  Hash root;
  {
    Ledger l = Ledger::create(p);
    CHECK_THROWS_AS(Ledger::open(p), StateError);  // one writer at a time
    l.append_many(history());
    l.commit();
    root = l.root();
    const std::string before = slurp(p);
    CHECK_THROWS_AS(l.append(mk(Kind::HAND_OUT, 10'000, "warehouse-A", "community-Y", "water", T0 + 1000)), InvalidInput);
    CHECK(l.commit() == 8);
    CHECK(slurp(p) == before);
    CHECK(l.verify().ok);
  }
  CHECK_THROWS_AS(Ledger::create(p), Error);
  Ledger r = Ledger::open(p, OpenMode::READ_ONLY);
  CHECK(r.size() == 8);
  CHECK(r.root() == root);
  auto want = history();
  for (std::size_t i = 0; i < want.size(); ++i) want[i].seq = i;
  CHECK(r.entries() == want);
  CHECK(r.entry(3).to == "community-X");
  CHECK(r.balance("community-X", "water") == 140);
  CHECK(r.recovery().message.empty());
  CHECK_THROWS_AS(r.append(mk(Kind::DONATION, 1, "", "A", "water", T0 + 1000)), StateError);
  Ledger w = Ledger::open(p);
  w.append(mk(Kind::DONATION, 1, "", "A", "water", T0 + 1000));
  CHECK(w.commit() == 9);
  CHECK(verify_consistency(HashAlgorithm::SHA256, 8, 9, root, w.root(), w.consistency_proof(8)));
  CHECK(w.verify(8, root).ok);
  CHECK_FALSE(w.verify(8, w.root()).ok);
}

TEST_CASE("ledger: a torn tail cut at every byte is dropped on reopen, the committed prefix kept") {
  TempDir d;
  const std::string p = d.file("t.ckl");
  std::string image_after_first, full;
  Hash root_first;
  {
    Ledger l = Ledger::create(p, HashAlgorithm::SM3);
    auto h = history();
    l.append_many(std::vector<Entry>(h.begin(), h.begin() + 5));
    l.commit();
    root_first = l.root();
    image_after_first = slurp(p);
    l.append_many(std::vector<Entry>(h.begin() + 5, h.end()));
    l.commit();
    full = slurp(p);
  }
  REQUIRE(full.size() > image_after_first.size());
  for (std::size_t cut = image_after_first.size(); cut < full.size(); ++cut) {
    CAPTURE(cut);
    spit(p, full.substr(0, cut));
    Ledger l = Ledger::open(p);
    CHECK(l.size() == 5);
    CHECK(l.root() == root_first);
    CHECK(l.algorithm() == HashAlgorithm::SM3);
    const RecoveryReport& rep = l.recovery();
    CHECK_FALSE(rep.damaged);
    CHECK(rep.dropped_bytes == cut - image_after_first.size());
    CHECK(rep.truncated == (cut > image_after_first.size()));
    CHECK(rep.dropped_entries <= 3);
    CHECK(fs::file_size(p) == image_after_first.size());
    CHECK(l.verify().ok);
    // Appending after recovery continues the log cleanly.
    l.append(mk(Kind::DONATION, 7, "", "A", "water", T0 + 5000));
    CHECK(l.commit() == 6);
  }
  // Pages of the last write reaching the disk out of order: its commit
  // record survived but an entry before it did not (zeros). Never
  // acknowledged, so dropped — not reported as damage.
  for (std::size_t hole : {image_after_first.size() + 3, image_after_first.size() + 60, full.size() - 120}) {
    std::string torn = full;
    std::fill(torn.begin() + static_cast<long>(hole), torn.begin() + static_cast<long>(hole) + 40, '\0');
    spit(p, torn);
    Ledger l = Ledger::open(p);
    CHECK(l.size() == 5);
    CHECK_FALSE(l.recovery().damaged);
    CHECK(l.recovery().message.find("torn") != std::string::npos);
    CHECK(fs::exists(p + ".torn-" + std::to_string(image_after_first.size())));
  }
  // Garbage (zeros, as some file systems leave after a crash) after the
  // last commit is a torn tail too.
  spit(p, image_after_first + std::string(300, '\0'));
  CHECK(Ledger::open(p).size() == 5);
}

TEST_CASE("ledger: tampering is found and the first bad entry named") {
  TempDir d;
  const std::string p = d.file("x.ckl");
  Hash root;
  std::vector<std::uint64_t> entry_offsets;  // payload offsets, from the documented layout
  {
    Ledger l = Ledger::create(p);
    for (const Entry& e : history()) {  // one commit per entry: commit roots pin each entry
      l.append(e);
      l.commit();
    }
    root = l.root();
  }
  const std::string good = slurp(p);
  for (std::size_t pos = 32; pos < good.size();) {
    const std::size_t len = (std::size_t(std::uint8_t(good[pos + 1])) << 24) | (std::size_t(std::uint8_t(good[pos + 2])) << 16) |
                            (std::size_t(std::uint8_t(good[pos + 3])) << 8) | std::size_t(std::uint8_t(good[pos + 4]));
    if (good[pos] == 1) entry_offsets.push_back(pos + 5);
    pos += 5 + len + 32;
  }
  REQUIRE(entry_offsets.size() == 8);

  SUBCASE("a flipped byte in an entry") {
    std::string bad = good;
    bad[entry_offsets[3] + 20] ^= 0x01;  // inside the quantity
    spit(p, bad);
    Ledger l = Ledger::open(p);
    CHECK(l.recovery().damaged);
    CHECK(l.read_only());
    CHECK_THROWS_AS(l.append(mk(Kind::DONATION, 1, "", "A", "water", T0 + 9999)), StateError);
    const auto v = l.verify();
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad == 3);
  }
  SUBCASE("a flipped byte in a stored hash") {
    std::string bad = good;
    const std::size_t len5 = (std::size_t(std::uint8_t(good[entry_offsets[5] - 2])) << 8) | std::uint8_t(good[entry_offsets[5] - 1]);
    bad[entry_offsets[5] + len5 + 4] ^= 0x80;
    spit(p, bad);
    CHECK(Ledger::open(p, OpenMode::READ_ONLY).verify().first_bad == 5);
  }
  SUBCASE("an entry rewritten with its hash recomputed: the next commit root names it") {
    Ledger mem = Ledger::from_image(good);
    Entry e = mem.entry(4);
    e.quantity = 19;  // a smaller hand-out
    std::string bytes = encode(e);
    REQUIRE(bytes.size() == mem.entry_bytes(4).size());
    std::string bad = good;
    bad.replace(entry_offsets[4], bytes.size(), bytes);
    const Hash h = leaf_hash(HashAlgorithm::SHA256, bytes);
    bad.replace(entry_offsets[4] + bytes.size(), 32, std::string(h.begin(), h.end()));
    spit(p, bad);
    const auto v = Ledger::open(p, OpenMode::READ_ONLY).verify();
    CHECK(v.first_bad == 4);
    CHECK(v.problem.find("root recorded by the commit record") != std::string::npos);
  }
  SUBCASE("two entries swapped") {
    Ledger mem = Ledger::from_image(good);
    // Swap the frames of entries 1 and 2 together with their hashes.
    const std::size_t a0 = entry_offsets[1] - 5, a1 = entry_offsets[2] - 5;
    const std::string fa = good.substr(a0, mem.entry_bytes(1).size() + 37);
    const std::string fb = good.substr(a1, mem.entry_bytes(2).size() + 37);
    std::string bad = good.substr(0, a0) + fb + good.substr(a0 + fa.size(), a1 - a0 - fa.size()) + fa +
                      good.substr(a1 + fb.size());
    spit(p, bad);
    const auto v = Ledger::open(p, OpenMode::READ_ONLY).verify();
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad == 1);
  }
  SUBCASE("the file cut back by whole commits: caught by a trusted root, or by the writer still holding it") {
    Ledger w = Ledger::open(p);
    const std::size_t cut = entry_offsets[6] - 5;
    ::truncate(p.c_str(), static_cast<off_t>(cut));
    const auto v = w.verify();
    CHECK(v.first_bad == 6);
    Ledger r = Ledger::open(p, OpenMode::READ_ONLY);  // alone, a cut at a commit looks like a shorter log
    CHECK(r.size() == 6);
    CHECK(r.verify().ok);
    const auto t = r.verify(8, root);
    CHECK_FALSE(t.ok);
    CHECK(t.first_bad == 6);
  }
  SUBCASE("a middle frame made unreadable with commits after it: damage, nothing truncated") {
    std::string bad = good;
    bad[entry_offsets[2] - 5] = 9;  // frame type byte
    spit(p, bad);
    Ledger l = Ledger::open(p);
    CHECK(l.recovery().damaged);
    CHECK_FALSE(l.recovery().truncated);
    CHECK(fs::file_size(p) == good.size());
    CHECK(l.verify().first_bad == 2);
  }
}

TEST_CASE("ledger: images round-trip; a bad header is InvalidInput; random bytes never crash") {
  Ledger l(HashAlgorithm::SM3);
  l.append_many(history());
  l.commit();
  const std::string img = l.to_image();
  Ledger m = Ledger::from_image(img);
  CHECK(m.size() == 8);
  CHECK(m.root() == l.root());
  CHECK(m.algorithm() == HashAlgorithm::SM3);
  CHECK(m.to_image() == img);
  CHECK_THROWS_WITH_AS(Ledger::from_image("not a ledger"), doctest::Contains("invalid image"), InvalidInput);
  std::mt19937 rng(1);
  for (int i = 0; i < 300; ++i) {
    std::string bad = img;
    for (int k = 0; k < 3; ++k) bad[32 + rng() % (bad.size() - 32)] = static_cast<char>(rng());
    bad.resize(32 + rng() % (bad.size() - 31));
    try {
      Ledger x = Ledger::from_image(bad);
      (void)x.verify();
      (void)x.balances();
    } catch (const InvalidInput&) {
    }
  }
}

TEST_CASE("ledger: concurrent readers see consistent committed states while one writer appends") {
  TempDir d;
  Ledger l = Ledger::create(d.file("c.ckl"));
  std::atomic<bool> done{false};
  std::atomic<long> checks{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<unsigned>(t));
      std::uint64_t last = 0;
      Hash last_root = empty_root(HashAlgorithm::SHA256);
      while (!done.load()) {
        const std::uint64_t n = l.size();
        if (n == 0) continue;
        const Hash r = l.root(n);
        const std::uint64_t i = rng() % n;
        CHECK(verify_inclusion(HashAlgorithm::SHA256, i, n, l.leaf_hash(i), l.inclusion_proof(i, n), r));
        CHECK(verify_consistency(HashAlgorithm::SHA256, last, n, last_root, r, l.consistency_proof(last, n)));
        CHECK(l.balance("A", "water") >= 0);
        (void)l.entry(i);
        last = n;
        last_root = r;
        ++checks;
      }
    });
  for (int b = 0; b < 40; ++b) {
    std::vector<Entry> batch;
    for (int k = 0; k < 25; ++k) {
      batch.push_back(mk(Kind::DONATION, 2, "", "A", "water", T0 + b));
      batch.push_back(mk(Kind::HAND_OUT, 1, "A", "X", "water", T0 + b));
    }
    l.append_many(batch);
    l.commit();
  }
  done = true;
  for (auto& r : readers) r.join();
  CHECK(l.size() == 2000);
  CHECK(l.balance("A", "water") == 1000);
  CHECK(l.verify().ok);
  CHECK(checks.load() > 0);
}
