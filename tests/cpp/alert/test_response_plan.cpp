#include <doctest/doctest.h>

#include "crisiskit/alert/response_plan.hpp"

using namespace crisiskit;

TEST_CASE("default plan is the source texts' table") {
  const ResponsePlan p = ResponsePlan::defaults();
  CHECK(p.obligations(AlertLevel::NONE).empty());
  CHECK(p.obligations(AlertLevel::GENERAL).at(0).name_zh == "信息报送");
  CHECK(p.obligations(AlertLevel::GENERAL).at(0).within == hours(2));
  CHECK(p.obligations(AlertLevel::ATTENTION).at(0).within == hours(4));
  CHECK(p.obligations(AlertLevel::WARNING).at(0).within == hours(12));
  CHECK(p.obligations(AlertLevel::EMERGENCY).at(0).within == 0);
  CHECK(p.obligations(AlertLevel::EMERGENCY).at(0).name_zh == "全员响应");
  CHECK(!p.cumulative());
}

TEST_CASE("plans are configurable and validated") {
  ResponsePlan p = ResponsePlan::defaults();
  p.set(AlertLevel::WARNING, {{"evacuate low-lying cells", "转移低洼区群众", hours(6)}, {"open shelters", "", hours(8)}});
  CHECK(p.obligations(AlertLevel::WARNING).size() == 2);
  CHECK(p != ResponsePlan::defaults());
  CHECK_THROWS_AS(p.set(AlertLevel::NONE, {{"x", "", 0}}), InvalidInput);
  CHECK_THROWS_WITH_AS(p.set(AlertLevel::GENERAL, {{"ok", "", 1}, {"bad", "", -5}}),
                       "invalid obligations.within[1] = -5: must be >= 0 seconds", InvalidInput);
  CHECK_THROWS_AS(p.set(AlertLevel::GENERAL, {{"", "", 1}}), InvalidInput);
  CHECK(p.obligations(AlertLevel::GENERAL).at(0).name == "information report");  // unchanged after a throw
}
