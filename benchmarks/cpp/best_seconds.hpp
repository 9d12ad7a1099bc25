#pragma once
// Timing helper shared by the C++ benchmarks: best wall time of `reps` runs.
#include <algorithm>
#include <chrono>

namespace crisiskit::bench {

template <class F>
double best_seconds(int reps, F&& f) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const auto a = std::chrono::steady_clock::now();
    f();
    const auto b = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(b - a).count());
  }
  return best;
}

}  // namespace crisiskit::bench
