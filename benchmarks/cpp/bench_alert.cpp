// C++-side throughput of grade() and AlertBoard::update_indices, without
// Python in the way. Prints figures; asserts nothing about time.
//   build/default/benchmarks/bench_alert [n_scores] [n_subjects]
#include <crisiskit/alert/alert_board.hpp>
#include <crisiskit/alert/grade.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "best_seconds.hpp"

namespace {
using crisiskit::bench::best_seconds;
}  // namespace

int main(int argc, char** argv) {
  using namespace crisiskit;
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20'000'000;
  const std::size_t m = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1'000'000;
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0, 100);
  std::vector<double> s(n);
  for (auto& x : s) x = u(rng);
  std::vector<std::int8_t> out(n);
  const GradingPolicy p;
  const double tg = best_seconds(7, [&] { grade(s, Span<std::int8_t>(out), p); });
  std::printf("grade: %zu scores in %.4f s = %.0f M scores/s\n", n, tg, n / tg / 1e6);

  AlertBoard board;
  std::vector<std::string> ids(m);
  for (std::size_t i = 0; i < m; ++i) ids[i] = "place-" + std::to_string(i);
  std::vector<double> sc(m);
  for (auto& x : sc) x = u(rng);
  Timestamp t = 1'780'000'000;
  const double first = best_seconds(1, [&] { board.update(ids, sc, t); });
  std::printf("board first update (registers %zu ids): %.4f s = %.2f M/s\n", m, first, m / first / 1e6);
  std::vector<Index> idx(m);
  for (std::size_t i = 0; i < m; ++i) idx[i] = static_cast<Index>(i);
  std::normal_distribution<double> step(0, 2);
  const double by_id = best_seconds(5, [&] {
    for (auto& x : sc) x = std::clamp(x + step(rng), 0.0, 100.0);
    t += 3600;
    board.update(ids, sc, t);
  });
  std::printf("board update by id:    %.4f s = %.2f M subject-updates/s (includes the score random walk)\n", by_id,
              m / by_id / 1e6);
  const double by_index = best_seconds(5, [&] {
    t += 3600;
    board.update_indices(idx, sc, t);
  });
  std::printf("board update by index: %.4f s = %.2f M subject-updates/s\n", by_index, m / by_index / 1e6);
  return 0;
}
