#pragma once
// A minimal fork-join helper for the memory-bound kernels (sparse products,
// signal scans). Plain std::thread: no OpenMP runtime is imposed on hosts
// that embed the library. Work below `grain` items per thread stays on the
// calling thread, because a thread start (~20 µs) would cost more than it saves.
#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace crisiskit::detail {

/// Number of worker threads the kernels use: the hardware concurrency,
/// at least 1, capped at 64.
inline unsigned default_threads() noexcept {
  const unsigned h = std::thread::hardware_concurrency();
  return std::clamp(h == 0 ? 1u : h, 1u, 64u);
}

/// Calls `fn(begin, end, worker)` on disjoint contiguous chunks covering
/// [0, n). `worker` is in [0, workers) where workers is the returned count.
/// Exceptions thrown by `fn` are rethrown on the calling thread (the first one).
template <class Fn>
unsigned parallel_for(std::size_t n, std::size_t grain, Fn&& fn, unsigned threads = default_threads()) {
  const std::size_t by_grain = grain == 0 ? n : n / grain;
  const unsigned workers = static_cast<unsigned>(std::max<std::size_t>(1, std::min<std::size_t>(threads, by_grain)));
  if (workers == 1) {
    fn(std::size_t{0}, n, 0u);
    return 1;
  }
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(workers);
  pool.reserve(workers - 1);
  auto chunk = [&](unsigned w) {
    const std::size_t b = n * w / workers, e = n * (w + 1) / workers;
    try {
      fn(b, e, w);
    } catch (...) {
      errors[w] = std::current_exception();
    }
  };
  for (unsigned w = 1; w < workers; ++w) pool.emplace_back(chunk, w);
  chunk(0);
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return workers;
}

/// Upper bound of workers parallel_for would use for n items (to size
/// per-worker scratch before the call).
inline unsigned planned_workers(std::size_t n, std::size_t grain, unsigned threads = default_threads()) noexcept {
  const std::size_t by_grain = grain == 0 ? n : n / grain;
  return static_cast<unsigned>(std::max<std::size_t>(1, std::min<std::size_t>(threads, by_grain)));
}

}  // namespace crisiskit::detail
