// Sunshine ledger (阳光台账) from C++: a durable file, a refused hand-out,
// balances, a trace, and an auditor's check of a published root.
#include <crisiskit/core/error.hpp>
#include <crisiskit/ledger/ledger.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

using namespace crisiskit;
using namespace crisiskit::ledger;

namespace {
Entry movement(Kind k, std::int64_t q, std::string from, std::string to, Timestamp t, std::string need = {}) {
  Entry e;
  e.kind = k;
  e.item = "drinking_water";
  e.unit = "bottle";
  e.quantity = q;
  e.from = std::move(from);
  e.to = std::move(to);
  e.time = t;
  e.need = std::move(need);
  e.actor = "clerk-7";
  return e;
}
}  // namespace

int main() {
  const auto path = (std::filesystem::temp_directory_path() / "crisiskit_ledger_demo.ckl").string();
  std::filesystem::remove(path);
  Ledger led = Ledger::create(path);  // HashAlgorithm::SM3 for GB/T 32905
  const Timestamp t0 = parse_time("2026-07-20T08:00:00+08:00");
  led.append_many({movement(Kind::DONATION, 500, "Red Cross", "warehouse-A", t0, "need-1"),
                   movement(Kind::MOVE, 200, "warehouse-A", "station-B", t0 + 3600, "need-1"),
                   movement(Kind::HAND_OUT, 150, "station-B", "community-X", t0 + 7200, "need-1")});
  const std::uint64_t committed = led.commit();  // on disk when it returns
  std::printf("committed %llu entries, root %s\n", static_cast<unsigned long long>(committed),
              to_hex(led.root()).c_str());
  const std::uint64_t published_size = led.size();
  const Hash published_root = led.root();

  try {
    led.append(movement(Kind::HAND_OUT, 100, "station-B", "community-Z", t0 + 9000));
  } catch (const InvalidInput& e) {
    std::printf("refused: %s\n", e.what());
  }
  led.append(movement(Kind::HAND_OUT, 40, "station-B", "community-Z", t0 + 9000, "need-1"));
  led.commit();

  for (const Balance& b : led.balances())
    std::printf("balance %-12s %s: %lld %s\n", b.holder.c_str(), b.item.c_str(), static_cast<long long>(b.quantity),
                b.unit.c_str());
  TraceQuery q;
  q.need = "need-1";
  for (const TraceRow& r : led.trace(q)) std::printf("trace hop %d: %s\n", r.hop, fmt::format("{}", r.entry).c_str());

  // The auditor holds only (published_size, published_root) and what the log sends.
  const bool grew = verify_consistency(HashAlgorithm::SHA256, published_size, led.size(), published_root, led.root(),
                                       led.consistency_proof(published_size));
  const bool has3 = verify_inclusion(HashAlgorithm::SHA256, 3, led.size(), leaf_hash(HashAlgorithm::SHA256, led.entry_bytes(3)),
                                     led.inclusion_proof(3), led.root());
  const VerifyReport v = led.verify(published_size, published_root);
  std::printf("auditor: log only grew: %s; entry 3 included: %s; verify: %s\n", grew ? "yes" : "no",
              has3 ? "yes" : "no", v.ok ? "ok" : v.problem.c_str());
  std::filesystem::remove(path);
  return grew && has3 && v.ok ? 0 : 1;
}
