#include <doctest/doctest.h>

#include <cmath>

#include "crisiskit/scenario/random.hpp"

using namespace crisiskit::scenario;

TEST_CASE("scenario random: SplitMix64 and xoshiro256** reference vectors") {
  SplitMix64 sm(1234567);  // Vigna's reference seed
  CHECK(sm.next() == 6457827717110365317ULL);
  CHECK(sm.next() == 3203168211198807973ULL);
  auto x = Xoshiro256ss::from_state(1, 2, 3, 4);
  CHECK(x.next() == 11520ULL);  // rotl(2·5, 7)·9
  CHECK(x.next() == 0ULL);      // s1 after one step is 0: rotl(0, 7)·9
}

TEST_CASE("scenario random: uniform, below, normal, poisson") {
  Xoshiro256ss r(42);
  double sum = 0, sq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    sum += z, sq += z * z;
    CHECK(std::abs(z) <= 6.0);
  }
  CHECK(sum / n == doctest::Approx(0).epsilon(0.01));
  CHECK(sq / n == doctest::Approx(1).epsilon(0.02));
  int hist[7] = {};
  for (int i = 0; i < 70000; ++i) ++hist[r.below(7)];
  for (int h : hist) CHECK(std::abs(h - 10000) < 400);
  double m = 0;
  for (int i = 0; i < 20000; ++i) m += static_cast<double>(poisson(r, 3.5));
  CHECK(m / 20000 == doctest::Approx(3.5).epsilon(0.03));
  m = 0;
  for (int i = 0; i < 20000; ++i) m += static_cast<double>(poisson(r, 120));
  CHECK(m / 20000 == doctest::Approx(120).epsilon(0.01));
}

TEST_CASE("scenario random: det_exp and det_cos agree with libm") {
  for (double x = -700; x <= 700; x += 0.37) CHECK(det_exp(x) == doctest::Approx(std::exp(x)).epsilon(1e-14));
  CHECK(det_exp(-800) == 0.0);
  CHECK(std::isinf(det_exp(710)));
  for (double x = -20; x <= 20; x += 0.013) CHECK(det_cos(x) == doctest::Approx(std::cos(x)).epsilon(1e-13).scale(1));
  CHECK(det_sin(0.5) == doctest::Approx(std::sin(0.5)).epsilon(1e-14));
}
