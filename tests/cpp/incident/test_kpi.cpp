#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "crisiskit/incident/kpi.hpp"

using namespace crisiskit;
using namespace crisiskit::incident;

namespace {
const Timestamp MON = 1'767'571'200;  // 2026-01-05T00:00:00Z, a Monday
const double NaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST_CASE("quantile_linear matches numpy's default percentiles") {
  // Values from numpy.percentile(..., [50, 90]) (method="linear").
  std::vector<double> a{1, 2, 3, 4};
  CHECK(incident::detail::quantile_linear(a, 0.5) == doctest::Approx(2.5));
  CHECK(incident::detail::quantile_linear(a, 0.9) == doctest::Approx(3.7));
  std::vector<double> b{10};
  CHECK(incident::detail::quantile_linear(b, 0.9) == 10);
  std::vector<double> c{300, 60, 120, 900, 30};
  CHECK(incident::detail::quantile_linear(c, 0.5) == 120);
  CHECK(incident::detail::quantile_linear(c, 0.9) == doctest::Approx(660));
  std::vector<double> e;
  CHECK(std::isnan(incident::detail::quantile_linear(e, 0.5)));
}

TEST_CASE("KPIs of a small hand-computed log") {
  IncidentLog log;
  auto report = [&](const char* id, Timestamp at, AlertLevel lv = AlertLevel::NONE) {
    IncidentReport r;
    r.id = id;
    r.at = at;
    r.level = lv;
    log.report(r);
  };
  // Day 1 (Monday): three incidents; day 2: one.
  report("a", MON + 3600, AlertLevel::GENERAL);
  log.dispatch("a", MON + 3600 + 60, "water");
  log.sign("a", MON + 3600 + 600);
  log.handle("a", MON + 7200);
  log.feedback("a", MON + 7300);
  log.assess("a", MON + 7400, 5);
  report("b", MON + 4000);
  log.dispatch("b", MON + 4000 + 180, "water");
  log.sign("b", MON + 4000 + 200);
  log.handle("b", MON + 8000);
  log.feedback("b", MON + 8100);
  log.reopen("b", MON + 9000);
  log.dispatch("b", MON + 9100, "water");
  report("c", MON + 5000, AlertLevel::EMERGENCY);  // never dispatched
  report("d", MON + days(1) + 10);
  log.dispatch("d", MON + days(1) + 40, "roads");
  KpiOptions opt;
  opt.by = KpiGroup::DEPARTMENT;
  const KpiTable k = compute_kpis(log, opt);
  REQUIRE(k.size() == 3);  // (Mon, none), (Mon, water), (Tue, roads)
  CHECK(k.at == log.last_time());
  CHECK(k.period_start[0] == MON);
  CHECK(k.group[0] == no_name);
  CHECK(k.reported[0] == 1);
  CHECK(k.dispatched[0] == 0);
  CHECK(std::isnan(k.dispatch_median_s[0]));
  CHECK(k.late[static_cast<int>(SlaKind::RESPONSE)][0] == 1);  // EMERGENCY due at once, unsigned
  CHECK(log.departments().id(k.group[1]) == "water");
  CHECK(k.reported[1] == 2);
  CHECK(k.dispatch_median_s[1] == 120);  // first dispatches: 60 s and 180 s
  CHECK(k.dispatch_p90_s[1] == doctest::Approx(168));
  CHECK(k.sign_median_s[1] == 400);  // 600 and 200
  CHECK(k.closed[1] == 1);
  CHECK(k.closure_rate[1] == 0.5);
  CHECK(k.fed_back[1] == 2);
  CHECK(k.reopened[1] == 1);
  CHECK(k.reopen_rate[1] == 0.5);
  CHECK(k.assessed[1] == 1);
  CHECK(k.satisfaction_mean[1] == 5);
  CHECK(k.on_time[static_cast<int>(SlaKind::RESPONSE)][1] == 1);  // GENERAL: 2 h, signed after 600 s
  CHECK(k.period_start[2] == MON + days(1));
  CHECK(k.period_end[2] == MON + days(2));
  // Weekly, one group: everything in one row.
  opt.width = days(7);
  opt.by = KpiGroup::NONE;
  const KpiTable w = compute_kpis(log, opt);
  REQUIRE(w.size() == 1);
  CHECK(w.period_start[0] == MON);
  CHECK(w.reported[0] == 4);
  // Local days at +08:00: MON+3600 is 09:00 local Monday; the day starts at MON − 8 h.
  opt.width = days(1);
  opt.offset_minutes = 480;
  CHECK(compute_kpis(log, opt).period_start[0] == MON - hours(8));
  // Custom periods leave out what is outside.
  opt.edges = {MON + 3800, MON + 4500, MON + 6000};
  const KpiTable c = compute_kpis(log, opt);
  REQUIRE(c.size() == 2);
  CHECK(c.reported[0] == 1);
  CHECK(c.period_end[1] == MON + 6000);
  // Bad options.
  opt.edges = {MON, MON};
  CHECK_THROWS_AS(compute_kpis(log, opt), InvalidInput);
  opt.edges.clear();
  opt.width = 0;
  CHECK_THROWS_AS(compute_kpis(log, opt), InvalidInput);
  opt.width = days(1);
  opt.at = MON;
  CHECK_THROWS_AS(compute_kpis(log, opt), InvalidInput);
  (void)NaN;
}
