#include <doctest/doctest.h>

#include <limits>

#include "crisiskit/alert/grading_policy.hpp"

using namespace crisiskit;

TEST_CASE("default policy") {
  const GradingPolicy p;
  CHECK(p.threshold(AlertLevel::GENERAL) == 25);
  CHECK(p.threshold(AlertLevel::EMERGENCY) == 90);
  CHECK(p.release_below(AlertLevel::WARNING) == 70);
  CHECK(p.dwell(AlertLevel::ATTENTION) == hours(4));
  CHECK_THROWS_AS(p.threshold(AlertLevel::NONE), InvalidInput);
}

TEST_CASE("level_of: reaching a threshold is enough") {
  const GradingPolicy p;
  CHECK(p.level_of(24.999) == AlertLevel::NONE);
  CHECK(p.level_of(25) == AlertLevel::GENERAL);
  CHECK(p.level_of(89.9) == AlertLevel::WARNING);
  CHECK(p.level_of(90) == AlertLevel::EMERGENCY);
  CHECK(p.level_of(1e300) == AlertLevel::EMERGENCY);
  CHECK(p.level_of(-1e300) == AlertLevel::NONE);
  CHECK(p.level_of(std::numeric_limits<double>::infinity()) == AlertLevel::EMERGENCY);
}

TEST_CASE("invalid policies are refused with the field and level index") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(GradingPolicy({10, 20, 20, 40}, {0, 0, 0, 0}, {0, 0, 0, 0}),
                       doctest::Contains("thresholds[2] = 20"), InvalidInput);
  CHECK_THROWS_AS(GradingPolicy({10, 5, 30, 40}, {0, 0, 0, 0}, {0, 0, 0, 0}), InvalidInput);
  CHECK_THROWS_WITH_AS(GradingPolicy({nan, 20, 30, 40}, {0, 0, 0, 0}, {0, 0, 0, 0}),
                       doctest::Contains("thresholds[0] = nan"), InvalidInput);
  CHECK_THROWS_WITH_AS(GradingPolicy({10, 20, 30, 40}, {0, -1, 0, 0}, {0, 0, 0, 0}),
                       doctest::Contains("margins[1] = -1"), InvalidInput);
  CHECK_THROWS_AS(GradingPolicy({10, 20, 30, 40}, {0, 0, nan, 0}, {0, 0, 0, 0}), InvalidInput);
  CHECK_THROWS_WITH_AS(GradingPolicy({10, 20, 30, 40}, {0, 0, 0, 0}, {0, 0, 0, -3600}),
                       doctest::Contains("dwells[3] = -3600"), InvalidInput);
  CHECK_NOTHROW(GradingPolicy({-5, 0, 0.5, 1e9}, {0, 100, 0, 0}, {0, 0, 0, 0}));
}
