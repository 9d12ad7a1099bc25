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

/// Grade `scores[i]` into `out[i]` (0 = NONE … 4 = EMERGENCY, as int8).
/// \param scores n scores, any real; NaN refused
/// \param out    n int8 levels; may not alias `scores`
/// \throws InvalidInput naming "scores", the first NaN's index and its value;
///         `out` is then partly written.
inline void grade(Span<const double> scores, Span<std::int8_t> out, const GradingPolicy& policy) {
  CRISISKIT_CHECK(out.size() == scores.size(), "out", InvalidInput::no_index, out.size(),
                  fmt::format("must have as many elements as scores ({})", scores.size()));
  const auto& t = policy.thresholds();
  const double t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3];
  const double* s = scores.data();
  std::int8_t* o = out.data();
  const std::size_t n = scores.size();
  // Blocks keep the NaN flag cheap (one OR per element, vectorised) and let us
  // stop within one block of the first bad value.
  constexpr std::size_t block = 4096;
  for (std::size_t b = 0; b < n; b += block) {
    const std::size_t e = b + block < n ? b + block : n;
    int bad = 0;
    for (std::size_t i = b; i < e; ++i) {
      const double x = s[i];
      bad |= (x != x);
      o[i] = static_cast<std::int8_t>((x >= t0) + (x >= t1) + (x >= t2) + (x >= t3));
    }
    if (bad) {
      for (std::size_t i = b; i < e; ++i)
        if (std::isnan(s[i]))
          throw_invalid("scores", static_cast<std::int64_t>(i), s[i], "a score must be a number, not NaN");
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
