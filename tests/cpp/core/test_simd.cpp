#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "crisiskit/detail/simd.hpp"

using namespace crisiskit;

namespace {

// Distance in units in the last place of `ref`.
double ulps(double got, double ref) {
  if (got == ref) return 0;
  const double ulp = std::nextafter(std::fabs(ref), std::numeric_limits<double>::infinity()) - std::fabs(ref);
  return std::fabs(got - ref) / ulp;
}

struct Path {
  simd::Path path;
  void (*log)(const double*, double*, std::size_t);
  void (*exp)(const double*, double*, std::size_t);
};

std::vector<Path> supported_paths() {
  std::vector<Path> p{{simd::Path::GENERIC, &simd::generic::log_array, &simd::generic::exp_array}};
#if CRISISKIT_SIMD_X86
  if (simd::supported_simd() >= simd::Path::AVX2) p.push_back({simd::Path::AVX2, &simd::avx2::log_array, &simd::avx2::exp_array});
  if (simd::supported_simd() >= simd::Path::AVX512)
    p.push_back({simd::Path::AVX512, &simd::avx512::log_array, &simd::avx512::exp_array});
#endif
  return p;
}

}  // namespace

TEST_CASE("vector log and exp are within 1 ulp of libm on every supported path, special values exact") {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> expo(-1074, 1023), mant(1, 2), small(-1, 1);
  std::vector<double> x;
  for (int i = 0; i < 200000; ++i) x.push_back(std::ldexp(mant(rng), static_cast<int>(expo(rng))));
  for (int i = 0; i < 20000; ++i) x.push_back(1 + small(rng) * 1e-3);  // near 1, where log is hardest
  for (double v : {0.0, -0.0, 1.0, 2.0, 0.5, std::sqrt(2.0), std::nextafter(std::sqrt(2.0), 0.0), 4.9e-324, 2.2250738585072014e-308,
                   std::numeric_limits<double>::max(), inf, -1.0, -inf, nan})
    x.push_back(v);
  // Odd length: exercises the scalar tail.
  if (x.size() % 2 == 0) x.push_back(3.0);
  std::vector<double> e;
  std::uniform_real_distribution<double> ex(-750, 712);
  for (int i = 0; i < 200000; ++i) e.push_back(ex(rng));
  for (int i = 0; i < 20000; ++i) e.push_back(small(rng) * 1e-6);
  for (double v : {0.0, -0.0, 1.0, -1.0, 709.78, 709.79, -708.39, -708.4, -745.2, inf, -inf, nan, 3.0}) e.push_back(v);

  for (const Path& p : supported_paths()) {
    CAPTURE(simd::to_string(p.path));
    std::vector<double> y(x.size());
    p.log(x.data(), y.data(), x.size());
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double ref = std::log(x[i]);
      if (std::isnan(ref)) {
        CHECK(std::isnan(y[i]));
      } else if (std::isinf(ref) || ref == 0) {
        CHECK(y[i] == ref);
      } else {
        worst = std::max(worst, ulps(y[i], ref));
      }
    }
    CHECK(worst <= 1.0);
    std::vector<double> z(e.size());
    p.exp(e.data(), z.data(), e.size());
    worst = 0;
    for (std::size_t i = 0; i < e.size(); ++i) {
      const double ref = std::exp(e[i]);
      if (std::isnan(ref)) {
        CHECK(std::isnan(z[i]));
      } else if (ref < 2.2250738585072014e-308) {
        // Subnormal: one rounding of an accurate significand, so within 1 of the smallest step.
        CHECK(std::fabs(z[i] - ref) <= 4.9406564584124654e-324);
      } else if (std::isinf(ref)) {
        CHECK(z[i] == ref);
      } else {
        worst = std::max(worst, ulps(z[i], ref));
      }
    }
    CHECK(worst <= 1.0);
  }
}

TEST_CASE("the active SIMD path is one the CPU supports") {
  CHECK(static_cast<int>(simd::active_simd()) <= static_cast<int>(simd::supported_simd()));
  CHECK(!simd::to_string(simd::active_simd()).empty());
}
