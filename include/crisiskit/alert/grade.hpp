#pragma once
/// \file
/// `grade`: stateless grading of many scores at once (no hysteresis: each
/// score gets `GradingPolicy::level_of`). The hot path of batch scoring:
/// branch-free, vectorised by the compiler, one pass over memory.
///
/// Thread-safety: reentrant; distinct output buffers may be filled concurrently.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "crisiskit/alert/grading_policy.hpp"
#include "crisiskit/core/span.hpp"

namespace crisiskit {

namespace detail {

#if defined(__GNUC__) || defined(__clang__)
#define CRISISKIT_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define CRISISKIT_ALWAYS_INLINE inline
#endif
// GCC vectorises only from -O3 (before GCC 12's cheap model at -O2); hosts
// often build with -O2, so ask for it on the kernels explicitly.
#if defined(__GNUC__) && !defined(__clang__)
#define CRISISKIT_VECTORIZE __attribute__((optimize("tree-vectorize")))
#else
#define CRISISKIT_VECTORIZE
#endif

// One block: levels into `o`, returns the number of NaNs seen. Branch-free so
// the compiler vectorises it; NaN compares false everywhere (level 0) and is
// counted separately.
CRISISKIT_ALWAYS_INLINE std::int64_t grade_block(const double* s, std::int8_t* o, std::size_t n, double t0, double t1,
                                                 double t2, double t3) noexcept {
  std::int64_t bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = s[i];
    bad += (x != x);
    o[i] = static_cast<std::int8_t>((x >= t0) + (x >= t1) + (x >= t2) + (x >= t3));
  }
  return bad;
}

CRISISKIT_VECTORIZE inline std::int64_t grade_block_generic(const double* s, std::int8_t* o, std::size_t n, double t0, double t1,
                                        double t2, double t3) noexcept {
  return grade_block(s, o, n, t0, t1, t2, t3);
}

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define CRISISKIT_GRADE_AVX2 1
// The same kernel compiled for AVX2 and chosen at run time, so a portable
// build (SSE2 baseline) still gets ~2.5x on machines that have AVX2.
__attribute__((target("avx2"))) CRISISKIT_VECTORIZE inline std::int64_t grade_block_avx2(const double* s, std::int8_t* o, std::size_t n,
                                                                     double t0, double t1, double t2,
                                                                     double t3) noexcept {
  return grade_block(s, o, n, t0, t1, t2, t3);
}
inline bool cpu_has_avx2() noexcept {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

}  // namespace detail

/// Grade `scores[i]` into `out[i]` (0 = NONE … 4 = EMERGENCY, as int8).
/// \param scores n scores, any real; NaN refused
/// \param out    n int8 levels; may not alias `scores`
/// \throws InvalidInput naming "scores", the first NaN's index and its value;
///         `out` is then partly written.
inline void grade(Span<const double> scores, Span<std::int8_t> out, const GradingPolicy& policy) {
  CRISISKIT_CHECK(out.size() == scores.size(), "out", InvalidInput::no_index, out.size(),
                  fmt::format("must have as many elements as scores ({})", scores.size()));
  const auto& t = policy.thresholds();
  auto kernel = &detail::grade_block_generic;
#ifdef CRISISKIT_GRADE_AVX2
  if (detail::cpu_has_avx2()) kernel = &detail::grade_block_avx2;
#endif
  const std::size_t n = scores.size();
  // Blocks let us stop within one block of the first NaN.
  constexpr std::size_t block = 1 << 14;
  for (std::size_t b = 0; b < n; b += block) {
    const std::size_t len = b + block < n ? block : n - b;
    if (kernel(scores.data() + b, out.data() + b, len, t[0], t[1], t[2], t[3]) != 0) {
      for (std::size_t i = b; i < b + len; ++i)
        if (std::isnan(scores[i]))
          throw_invalid("scores", static_cast<std::int64_t>(i), scores[i], "a score must be a number, not NaN");
    }
  }
}

/// Convenience overload returning a new vector of levels.
inline std::vector<std::int8_t> grade(Span<const double> scores, const GradingPolicy& policy) {
  std::vector<std::int8_t> out(scores.size());
  grade(scores, Span<std::int8_t>(out), policy);
  return out;
}

}  // namespace crisiskit
