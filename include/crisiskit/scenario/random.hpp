#pragma once
/// \file
/// Reproducible randomness for scenarios: the same seed gives the same city
/// and the same storm on every machine and standard library.
///
/// - `SplitMix64` (Steele, Lea & Flood 2014) expands one 64-bit seed into
///   independent streams; `Xoshiro256ss` (Blackman & Vigna 2018,
///   xoshiro256**) draws. Both are defined bit for bit by their papers.
/// - No `std::*_distribution` is used: the standard fixes the engines but not
///   the distributions, and libstdc++, libc++ and MSVC give different
///   numbers. Uniforms here are the top 53 bits / 2^53; normals are
///   Irwin–Hall sums of 12 uniforms − 6 (mean 0, variance 1, tails cut at
///   ±6, which is all a synthetic city needs); Poisson counts are drawn by
///   inversion below a mean of 30 and from the normal approximation above.
/// - `det_exp` and `det_cos` use only +, −, ×, ÷ and exact scaling, which
///   IEEE 754 rounds the same everywhere, instead of libm, whose last bits
///   differ between C libraries. (A compiler that fuses a·b + c into one
///   FMA — GCC on ARM64 with `-ffp-contract=fast` — can still change the
///   last bit; build with `-ffp-contract=off` where bit-identity across
///   architectures matters.)
///
/// Thread-safety: generators are plain values; one per thread.

#include <cmath>
#include <cstdint>
#include <limits>

namespace crisiskit::scenario {

/// SplitMix64: a 64-bit counter through a bijective mixer. Seeds the
/// xoshiro state and derives independent sub-streams from one seed.
class SplitMix64 {
 public:
  explicit constexpr SplitMix64(std::uint64_t seed) noexcept : s_(seed) {}
  constexpr std::uint64_t next() noexcept {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t s_;
};

/// xoshiro256**: 256 bits of state, period 2^256 − 1, passes BigCrush.
class Xoshiro256ss {
 public:
  /// The state is four SplitMix64 outputs of `seed` (never all zero).
  explicit Xoshiro256ss(std::uint64_t seed = 0) noexcept {
    SplitMix64 sm(seed);
    for (auto& w : s_) w = sm.next();
  }
  /// A generator with this exact state (not all zero), for reference vectors.
  static Xoshiro256ss from_state(std::uint64_t s0, std::uint64_t s1, std::uint64_t s2, std::uint64_t s3) noexcept {
    Xoshiro256ss g;
    g.s_[0] = s0, g.s_[1] = s1, g.s_[2] = s2, g.s_[3] = s3;
    return g;
  }
  /// An independent stream for stage `stream` of a computation seeded by `seed`.
  static Xoshiro256ss stream(std::uint64_t seed, std::uint64_t stream) noexcept {
    SplitMix64 sm(seed ^ (0xD1B54A32D192ED03ULL * (stream + 1)));
    return Xoshiro256ss(sm.next());
  }

  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, 1): the top 53 bits.
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1p-53; }
  /// Uniform in [a, b).
  double uniform(double a, double b) noexcept { return a + (b - a) * uniform(); }
  /// Uniform integer in [0, n) (n > 0), unbiased (modulo with rejection of the short last block).
  std::uint64_t below(std::uint64_t n) noexcept {
    for (;;) {
      const std::uint64_t x = next(), r = x % n;
      if (x - r <= std::numeric_limits<std::uint64_t>::max() - (n - 1)) return r;
    }
  }
  /// Approximately standard normal: Σ of 12 uniforms − 6 (exact mean 0 and variance 1, |z| ≤ 6).
  double normal() noexcept {
    double s = 0;
    for (int k = 0; k < 12; ++k) s += uniform();
    return s - 6.0;
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

/// e^x from basic arithmetic only (relative error < 2e-16 on |x| ≤ 700;
/// 0 below −745, +inf above 709.7). See the file comment for why not std::exp.
inline double det_exp(double x) noexcept {
  if (std::isnan(x)) return x;
  if (x < -745.0) return 0.0;
  if (x > 709.7) return std::numeric_limits<double>::infinity();
  constexpr double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  constexpr double inv_ln2 = 1.44269504088896338700e+00;
  const double kd = std::floor(x * inv_ln2 + 0.5);
  const double r = (x - kd * ln2_hi) - kd * ln2_lo;  // |r| ≤ 0.35
  // Taylor to r^14 / 14!: the remainder is below 1e-19 for |r| ≤ 0.35.
  double p = 1.0;
  for (int n = 14; n >= 1; --n) p = 1.0 + p * r / n;
  return std::ldexp(p, static_cast<int>(kd));
}

/// cos x from basic arithmetic only (absolute error < 1e-15 on |x| ≤ 2π).
inline double det_cos(double x) noexcept {
  constexpr double two_pi = 6.283185307179586, pi = 3.141592653589793;
  x = x - two_pi * std::floor(x / two_pi + 0.5);  // [−π, π]
  const double sign = (x > pi / 2 || x < -pi / 2) ? -1.0 : 1.0;
  if (sign < 0) x = x > 0 ? pi - x : -pi - x;     // [−π/2, π/2], cos(π − x) = −cos x
  const double x2 = x * x;
  double p = 1.0;
  for (int n = 22; n >= 2; n -= 2) p = 1.0 - p * x2 / (n * (n - 1));
  return sign * p;
}

/// sin x = cos(x − π/2).
inline double det_sin(double x) noexcept { return det_cos(x - 1.5707963267948966); }

/// Poisson(mean) count (mean ≥ 0): inversion below 30, normal approximation
/// (rounded, clipped at 0) above.
inline std::int64_t poisson(Xoshiro256ss& rng, double mean) noexcept {
  if (!(mean > 0)) return 0;
  if (mean < 30) {
    const double u = rng.uniform();
    double p = det_exp(-mean), cdf = p;
    std::int64_t k = 0;
    while (u >= cdf && k < 1000) {
      ++k;
      p *= mean / static_cast<double>(k);
      cdf += p;
    }
    return k;
  }
  const double v = std::floor(mean + std::sqrt(mean) * rng.normal() + 0.5);
  return v < 0 ? 0 : static_cast<std::int64_t>(v);
}

}  // namespace crisiskit::scenario
