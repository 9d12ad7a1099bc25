#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "crisiskit/alert/grade.hpp"

using namespace crisiskit;

TEST_CASE("grade agrees with a binary search over the thresholds") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-20, 120);
  for (int rep = 0; rep < 50; ++rep) {
    std::vector<double> t(4);
    for (auto& x : t) x = u(rng);
    std::sort(t.begin(), t.end());
    if (t[0] == t[1] || t[1] == t[2] || t[2] == t[3]) continue;
    const GradingPolicy p({t[0], t[1], t[2], t[3]}, {0, 0, 0, 0}, {0, 0, 0, 0});
    std::vector<double> s(10007);  // not a multiple of the block size
    for (auto& x : s) x = u(rng);
    s[0] = t[0];  // exact threshold hits count as reached
    s[1] = t[3];
    const auto levels = grade(s, p);
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto expect = std::upper_bound(t.begin(), t.end(), s[i]) - t.begin();
      REQUIRE(levels[i] == expect);
    }
  }
}

TEST_CASE("grade names the first NaN") {
  std::vector<double> s(10000, 50.0);
  s[5000] = std::nan("");
  s[9000] = std::nan("");
  CHECK_THROWS_WITH_AS(grade(s, GradingPolicy()), "invalid scores[5000] = nan: a score must be a number, not NaN",
                       InvalidInput);
  std::vector<std::int8_t> out(3);
  CHECK_THROWS_AS(grade(s, Span<std::int8_t>(out), GradingPolicy()), InvalidInput);
  CHECK(grade(std::vector<double>{}, GradingPolicy()).empty());
}
