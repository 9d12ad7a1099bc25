// Sunshine ledger from C++: build a 10-million-entry log (in memory, batch
// commits of 100 000), then time RFC 6962 proofs on it — at the current size
// (right-spine cache: lookups only) and at an older size (the spine hashed
// on the fly) — and the third-party verifiers. Also a durable file-backed
// append run. Usage: bench_ledger [entries=10000000] [proofs=200000] [dir=/tmp]
#include <crisiskit/ledger/ledger.hpp>

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "best_seconds.hpp"

using namespace crisiskit;
using namespace crisiskit::ledger;
using crisiskit::bench::best_seconds;

namespace {
std::vector<Entry> batch(std::uint64_t first, std::uint64_t n) {
  std::vector<Entry> out(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    Entry& e = out[i];
    const std::uint64_t k = first + i;
    e.time = 1'784'505'600 + static_cast<Timestamp>(k / 10);
    e.item = "drinking_water";
    e.unit = "bottle";
    e.actor = "clerk-7";
    e.need = "need-" + std::to_string(k % 50);
    e.note = "入库单/出库单 2026-07";
    const std::string wh = "warehouse-" + std::to_string((k / 2) % 8);
    if (k % 2 == 0) {
      e.kind = Kind::DONATION;
      e.quantity = 2 * static_cast<std::int64_t>(1 + k % 499);
      e.from = "Red Cross";
      e.to = wh;
    } else {
      e.kind = Kind::HAND_OUT;
      e.quantity = static_cast<std::int64_t>(1 + (k - 1) % 499);
      e.from = wh;
      e.to = "community-" + std::to_string(k % 200);
    }
  }
  return out;
}
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
  const int proofs = argc > 2 ? std::atoi(argv[2]) : 200'000;
  const std::string dir = argc > 3 ? argv[3] : std::filesystem::temp_directory_path().string();

  // Durable appends, file-backed, one commit (one fdatasync) per batch.
  for (std::uint64_t b : {100u, 1000u, 10000u}) {
    const std::string path = dir + "/bench_ledger_" + std::to_string(b) + ".ckl";
    std::filesystem::remove(path);
    const std::uint64_t rows = b == 100 ? 20'000 : 200'000;
    Ledger f = Ledger::create(path);
    const double t = now();
    for (std::uint64_t s = 0; s < rows; s += b) {
      f.append_many(batch(s, b));
      f.commit();
    }
    const double dt = now() - t;
    std::printf("durable, batch %6llu: %9.0f entries/s (%llu rows, C++ including entry construction)\n",
                static_cast<unsigned long long>(b), rows / dt, static_cast<unsigned long long>(rows));
    std::filesystem::remove(path);
  }

  Ledger led;
  const double t0 = now();
  for (std::uint64_t s = 0; s < n; s += 100'000) {
    led.append_many(batch(s, std::min<std::uint64_t>(100'000, n - s)));
    led.commit();
  }
  std::printf("built %llu entries in memory in %.1f s (%.0f entries/s: validate, encode, hash, tree)\n",
              static_cast<unsigned long long>(led.size()), now() - t0, led.size() / (now() - t0));

  std::mt19937_64 rng(7);
  std::vector<std::uint64_t> idx(static_cast<std::size_t>(proofs)), olds(idx.size());
  for (auto& i : idx) i = rng() % n;
  for (auto& m : olds) m = 1 + rng() % (n - 1);
  const std::uint64_t older = n > 100'000 ? n - 12'345 : n * 3 / 4;  // a historical size: spine not cached
  const Hash root = led.root(), root_old = led.root(older);
  std::size_t sink = 0;
  auto per = [&](double s) { return s / proofs * 1e6; };
  const double incl = best_seconds(3, [&] { for (auto i : idx) sink += led.inclusion_proof(i).size(); });
  const double cons = best_seconds(3, [&] { for (auto m : olds) sink += led.consistency_proof(m).size(); });
  const double incl_old = best_seconds(3, [&] { for (auto i : idx) sink += led.inclusion_proof(i % older, older).size(); });
  const double cons_old = best_seconds(3, [&] { for (auto m : olds) sink += led.consistency_proof(m % older + 1, older).size(); });
  const std::size_t nv = std::min<std::size_t>(1000, idx.size());
  std::vector<std::vector<Hash>> ip(nv), cp(nv);
  for (std::size_t k = 0; k < nv; ++k) {
    ip[k] = led.inclusion_proof(idx[k]);
    cp[k] = led.consistency_proof(olds[k]);
  }
  std::vector<Hash> leaves(nv), old_roots(nv);
  for (std::size_t k = 0; k < nv; ++k) {
    leaves[k] = led.leaf_hash(idx[k]);
    old_roots[k] = led.root(olds[k]);
  }
  bool all_ok = true;
  const double vi = best_seconds(3, [&] {
    for (std::size_t k = 0; k < nv; ++k) all_ok &= verify_inclusion(HashAlgorithm::SHA256, idx[k], n, leaves[k], ip[k], root);
  });
  const double vc = best_seconds(3, [&] {
    for (std::size_t k = 0; k < nv; ++k)
      all_ok &= verify_consistency(HashAlgorithm::SHA256, olds[k], n, old_roots[k], root, cp[k]);
  });
  std::printf("inclusion proof at the current size:   %.3f µs\n", per(incl));
  std::printf("consistency proof to the current size: %.3f µs\n", per(cons));
  std::printf("inclusion proof at an older size:      %.3f µs (spine hashed on the fly)\n", per(incl_old));
  std::printf("consistency proof to an older size:    %.3f µs\n", per(cons_old));
  std::printf("verify_inclusion (RFC 9162 §2.1.3.2):  %.3f µs\n", vi / static_cast<double>(nv) * 1e6);
  std::printf("verify_consistency (§2.1.4.2):         %.3f µs\n", vc / static_cast<double>(nv) * 1e6);
  std::printf("all proofs verified: %s (root %s, older root %s)\n", all_ok ? "yes" : "NO", to_hex(root).substr(0, 16).c_str(),
              to_hex(root_old).substr(0, 16).c_str());
  return all_ok && sink > 0 ? 0 : 1;
}
