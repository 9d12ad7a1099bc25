#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "crisiskit/incident/review.hpp"

using namespace crisiskit;
using namespace crisiskit::incident;

namespace {

const Timestamp T0 = 1'784'505'600;  // 2026-07-20T00:00:00Z

struct Alerts {
  std::vector<std::int64_t> group;
  std::vector<std::int8_t> level;
  std::vector<Timestamp> issued, ended;
  AlertRows rows() const { return {group, level, issued, ended}; }
};

struct Incidents {
  std::vector<std::int64_t> group;
  std::vector<Timestamp> occurred;
  WarnedIncidentRows rows() const { return {group, occurred, {}, {}}; }
};

// The definitions, one pair at a time: O(A·N), no sorting, no search.
bool matches(const Alerts& a, std::size_t j, const Incidents& in, std::size_t i, Duration window) {
  const Timestamp o = in.occurred[i];
  if (o == no_time || a.group[j] != in.group[i]) return false;
  if (o < a.issued[j] || o > a.issued[j] + window) return false;
  return a.ended.empty() || a.ended[j] == no_time || o <= a.ended[j];
}

}  // namespace

TEST_CASE("review: hand-worked contingency table") {
  // Place 0: alert at 0 h (level 2) → incident at 5 h (hit, lead 5 h).
  // Place 1: alert at 0 h (level 4), ended at 2 h → incident at 3 h (miss: alert over), alert is a false alarm.
  // Place 2: incident at 1 h, no alert (miss).
  // Place 3: alert at 10 h (level 1), nothing follows (false alarm).
  // Place 0: second incident at 80 h (beyond the 72 h window: miss).
  Alerts a{{0, 1, 3}, {2, 4, 1}, {T0, T0, T0 + hours(10)}, {no_time, T0 + hours(2), no_time}};
  Incidents in{{0, 1, 2, 0}, {T0 + hours(5), T0 + hours(3), T0 + hours(1), T0 + hours(80)}};
  const WarningResult r = verify_warnings(a.rows(), in.rows());
  const Contingency& c = r.overall;
  CHECK(c.hits == 1);
  CHECK(c.misses == 3);
  CHECK(c.false_alarms == 2);
  CHECK(c.alerts == 3);
  CHECK(c.pod == doctest::Approx(0.25));
  CHECK(c.far == doctest::Approx(2.0 / 3.0));
  CHECK(c.csi == doctest::Approx(1.0 / 6.0));
  CHECK(c.lead.median == doctest::Approx(5 * 3600));
  CHECK(r.first_alert == std::vector<std::int64_t>{0, -1, -1, -1});
  CHECK(r.warned_level == std::vector<std::int8_t>{2, 0, 0, 0});
  // Level ≥ 3: only the EMERGENCY alert, which hit nothing.
  CHECK(r.by_level[2].alerts == 1);
  CHECK(r.by_level[2].hits == 0);
  CHECK(r.by_level[2].far == 1.0);
  CHECK(r.by_level[1].hits == 1);  // level ≥ 2 keeps the ATTENTION hit
  // Places 0, 1, 2 affected; none fully warned (place 0 has a miss at 80 h).
  CHECK(r.places_affected == 3);
  CHECK(r.places_warned == 0);
  CHECK(std::isnan(r.population_coverage));
}

TEST_CASE("review: window bounds are inclusive, earlier alerts do not warn later ones' past") {
  Alerts a{{0, 0}, {1, 3}, {T0, T0 + hours(1)}, {}};
  Incidents in{{0, 0, 0}, {T0 - 1, T0 + hours(72), T0 + hours(73) + 1}};
  const WarningResult r = verify_warnings(a.rows(), in.rows());
  CHECK(r.first_alert == std::vector<std::int64_t>{-1, 0, -1});
  CHECK(r.lead_s[1] == doctest::Approx(72 * 3600));
  CHECK(r.warned_level[1] == 3);
  // At level ≥ 3 the lead is from the WARNING alert (1 h later).
  CHECK(r.by_level[2].lead.max == doctest::Approx(71 * 3600));
  CHECK(r.overall.lead_timely_share == 1.0);
}

TEST_CASE("review: warnings against a brute-force matching on random sets") {
  std::mt19937_64 rng(20261122);
  for (int trial = 0; trial < 300; ++trial) {
    const int groups = 1 + static_cast<int>(rng() % 6);
    const std::size_t na = rng() % 40, ni = rng() % 40;
    const Duration window = hours(1 + static_cast<std::int64_t>(rng() % 48));
    Alerts a;
    Incidents in;
    const bool with_end = rng() % 2;
    for (std::size_t j = 0; j < na; ++j) {
      a.group.push_back(static_cast<std::int64_t>(rng() % groups));
      a.level.push_back(static_cast<std::int8_t>(1 + rng() % 4));
      a.issued.push_back(T0 + static_cast<Timestamp>(rng() % (7 * 86400)));
      if (with_end) a.ended.push_back(rng() % 3 == 0 ? no_time : a.issued.back() + static_cast<Timestamp>(rng() % 86400));
    }
    for (std::size_t i = 0; i < ni; ++i) {
      in.group.push_back(static_cast<std::int64_t>(rng() % groups));
      in.occurred.push_back(rng() % 10 == 0 ? no_time : T0 + static_cast<Timestamp>(rng() % (8 * 86400)));
    }
    WarningOptions opt;
    opt.window = window;
    opt.lead_target = hours(static_cast<std::int64_t>(rng() % 12));
    const WarningResult r = verify_warnings(a.rows(), in.rows(), opt);
    for (int L = 1; L <= 4; ++L) {
      std::int64_t hits = 0, misses = 0, fa = 0, timely = 0;
      std::vector<double> leads;
      for (std::size_t i = 0; i < ni; ++i) {
        if (in.occurred[i] == no_time) continue;
        Timestamp first = no_time;
        for (std::size_t j = 0; j < na; ++j)
          if (a.level[j] >= L && matches(a, j, in, i, window) && (first == no_time || a.issued[j] < first))
            first = a.issued[j];
        if (first == no_time) {
          ++misses;
        } else {
          ++hits;
          leads.push_back(static_cast<double>(in.occurred[i] - first));
          timely += in.occurred[i] - first >= opt.lead_target;
        }
      }
      for (std::size_t j = 0; j < na; ++j) {
        if (a.level[j] < L) continue;
        bool any = false;
        for (std::size_t i = 0; i < ni; ++i) any = any || matches(a, j, in, i, window);
        fa += !any;
      }
      const Contingency& c = r.by_level[static_cast<std::size_t>(L - 1)];
      REQUIRE(c.hits == hits);
      REQUIRE(c.misses == misses);
      REQUIRE(c.false_alarms == fa);
      if (hits + misses > 0) REQUIRE(c.pod == doctest::Approx(double(hits) / double(hits + misses)));
      else REQUIRE(std::isnan(c.pod));
      if (hits + fa > 0) REQUIRE(c.far == doctest::Approx(double(fa) / double(hits + fa)));
      if (hits + fa + misses > 0) REQUIRE(c.csi == doctest::Approx(double(hits) / double(hits + fa + misses)));
      if (!leads.empty()) {
        std::sort(leads.begin(), leads.end());
        REQUIRE(c.lead.min == leads.front());
        REQUIRE(c.lead.max == leads.back());
        REQUIRE(c.lead_timely_share == doctest::Approx(double(timely) / double(leads.size())));
      }
    }
    REQUIRE(r.overall.hits == r.by_level[0].hits);
  }
}

TEST_CASE("review: population coverage counts a place only when all its incidents were warned") {
  Alerts a{{0, 1}, {2, 2}, {T0, T0}, {}};
  Incidents in{{0, 1, 1, 2}, {T0 + 60, T0 + 60, T0 - 60, T0 + 60}};
  std::vector<double> pop{1000, 500, 250};
  WarnedIncidentRows rows{in.group, in.occurred, {}, pop};
  const WarningResult r = verify_warnings(a.rows(), rows);
  CHECK(r.places_affected == 3);
  CHECK(r.places_warned == 1);
  CHECK(r.population_affected == 1750);
  CHECK(r.population_warned == 1000);
  CHECK(r.population_coverage == doctest::Approx(1000.0 / 1750.0));
  std::vector<double> bad{1000, std::nan(""), 3};
  CHECK_THROWS_WITH_AS(verify_warnings(a.rows(), {in.group, in.occurred, {}, bad}),
                       doctest::Contains("incidents.population[1]"), InvalidInput);
}

TEST_CASE("review: SLA outcomes, quantiles and lateness histogram") {
  // kind 0: limit 1 h. Items: met (30 min), late (90 min → 30 min late), open and overdue, pending, not started.
  std::vector<std::int64_t> kind{0, 0, 0, 0, 0, 1};
  std::vector<Timestamp> start{T0, T0, T0, T0 + hours(9), no_time, T0};
  std::vector<Timestamp> done{T0 + minutes(30), T0 + minutes(90), no_time, no_time, no_time, T0 + hours(3)};
  std::vector<Duration> limit{hours(1), hours(1), hours(1), hours(1), hours(1), 0};
  SlaOptions opt;
  opt.as_of = T0 + hours(10);
  const SlaResult r = measure_slas({kind, start, done, limit}, opt);
  CHECK(r.status == std::vector<DeadlineStatus>{DeadlineStatus::MET, DeadlineStatus::LATE, DeadlineStatus::OPEN_OVERDUE,
                                           DeadlineStatus::PENDING, DeadlineStatus::NOT_STARTED, DeadlineStatus::LATE});
  CHECK(r.by_kind[0].met == 1);
  CHECK(r.by_kind[0].late == 1);
  CHECK(r.by_kind[0].open_overdue == 1);
  CHECK(r.by_kind[0].met_share == doctest::Approx(1.0 / 3.0));
  CHECK(r.by_kind[0].within_grace_share == doctest::Approx(2.0 / 3.0));
  // Lateness of kind 0: 0, 1800, 9 h; p90 by linear interpolation: 1800 + 0.8·(32400 − 1800).
  CHECK(r.by_kind[0].lateness.p90 == doctest::Approx(1800 + 0.8 * (32400 - 1800)));
  // 0 → on time; 30 min → (15 min, 1 h]; 9 h → (4 h, 12 h].
  CHECK(r.by_kind[0].histogram == std::vector<std::int64_t>{1, 0, 1, 0, 1, 0, 0});
  CHECK(r.overall.met_share == doctest::Approx(0.25));
  CHECK(r.overall.elapsed.median == doctest::Approx(90 * 60));
  // as_of defaults to the latest time seen (T0 + 9 h): the open item is 8 h late then.
  const SlaResult d = measure_slas({kind, start, done, limit});
  CHECK(d.as_of == T0 + hours(9));
  CHECK(d.lateness_s[2] == 8 * 3600);
  std::vector<Timestamp> bad_done = done;
  bad_done[3] = T0;
  CHECK_THROWS_WITH_AS(measure_slas({kind, start, bad_done, limit}, opt), doctest::Contains("done[3]"), InvalidInput);
}

TEST_CASE("review: coordination — sign latency, hand-offs, unmet need by class") {
  std::vector<Timestamp> disp{T0, T0, no_time, T0};
  std::vector<Timestamp> sig{T0 + minutes(5), T0 + minutes(40), no_time, no_time};
  // Incident 0: A → A → B → A (2 hand-offs); incident 1: B only; incident 2: no department; 3: none listed.
  std::vector<std::int64_t> ti{0, 0, 0, 0, 1, 2};
  std::vector<Timestamp> ta{T0, T0 + 10, T0 + 30, T0 + 20, T0, T0};
  std::vector<std::int64_t> td{0, 0, 0, 1, 1, -1};
  std::vector<std::int64_t> q{10, 5, 4}, s{10, 2, 0}, u{0, 3, 4}, cls{0, 1, 1};
  CoordinationRows rows{disp, sig, ti, ta, td, q, s, u, cls};
  CoordinationOptions opt;
  opt.as_of = T0 + hours(1);
  const CoordinationResult r = measure_coordination(rows, opt);
  CHECK(r.sign.overall.met == 1);
  CHECK(r.sign.overall.late == 1);
  CHECK(r.sign.overall.open_overdue == 1);
  CHECK(r.sign.overall.not_started == 1);
  // Sorted by time incident 0 is A(0) A(10) B(20) A(30): 2 hand-offs.
  CHECK(r.handoffs_per_incident == std::vector<std::int64_t>{2, 0, -1});
  CHECK(r.incidents_with_departments == 2);
  CHECK(r.smooth_share == 0.5);
  CHECK(r.need.unmet_share == doctest::Approx(7.0 / 19.0));
  CHECK(r.need_by_class[1].unmet_share == doctest::Approx(7.0 / 9.0));
  std::vector<std::int64_t> bad_u{0, 2, 4};
  CHECK_THROWS_WITH_AS(measure_coordination({disp, sig, ti, ta, td, q, s, bad_u, cls}),
                       doctest::Contains("needs.unmet[1]"), InvalidInput);
}

TEST_CASE("review: opinion before and after releases, hand-computed") {
  // Hourly shares 0.40 for 6 h, release at 6 h, then 0.10, …; heat 100 before, 20 at 18–24 h.
  std::vector<Timestamp> at;
  std::vector<double> share, heat;
  for (int h = 0; h < 30; ++h) {
    at.push_back(T0 + hours(h));
    share.push_back(h < 6 ? 0.40 : (h <= 12 ? 0.10 : 0.05));
    heat.push_back(h < 6 ? 100 : (h < 24 ? 50 : 20));
  }
  const Timestamp r0 = T0 + hours(6);
  OpinionRows op{{}, at, share, {}, heat};
  const std::vector<Timestamp> rel_at{r0};
  ReleaseRows rel{rel_at, {}};
  const OpinionResult r = measure_opinion(op, rel);
  const ReleaseEffect& e = r.releases[0];
  // Before: hours 0..5 (all 0.40). After: hours 7..12 (6 values of 0.10); hour 6 is the release instant.
  CHECK(e.n_before == 6);
  CHECK(e.n_after == 6);
  CHECK(e.share_before == doctest::Approx(0.40));
  CHECK(e.share_after == doctest::Approx(0.10));
  CHECK(e.relative_drop == doctest::Approx(0.75));
  // Heat at horizon: (6+24−6, 6+24] = hours 25..30 → 25..29 observed, all 20.
  CHECK(e.heat_at_horizon == doctest::Approx(20));
  CHECK(e.heat_drop == doctest::Approx(0.8));
  CHECK(r.dropped_share == 1.0);
  // Counts pool: Σneg / Σtotal.
  std::vector<double> neg{1, 3, 0, 1}, tot{10, 10, 10, 10};
  std::vector<Timestamp> at2{T0, T0 + 60, T0 + 7200, T0 + 7260};
  const std::vector<Timestamp> rel2{T0 + 3600};
  const OpinionResult c = measure_opinion({{}, at2, neg, tot, {}}, {rel2, {}});
  CHECK(c.releases[0].share_before == doctest::Approx(0.2));
  CHECK(c.releases[0].share_after == doctest::Approx(0.05));
  CHECK(c.releases[0].heat_drop != c.releases[0].heat_drop);  // nothing observed at 24 h
  std::vector<double> bad{0.4, 1.5, 0.1, 0.1};
  CHECK_THROWS_WITH_AS(measure_opinion({{}, at2, bad, {}, {}}, {}), doctest::Contains("opinion.negative_share[1]"),
                       InvalidInput);
}

TEST_CASE("review: scores — not assessed is NaN with a reason, weights renormalise") {
  const Review empty = review({});
  for (const auto& s : empty.scores) {
    CHECK_FALSE(s.assessed());
    CHECK_FALSE(s.reason.empty());
  }
  CHECK(std::isnan(empty.overall));
  // Alerts but no incidents: every alert is a false alarm → FAR 1, POD NaN → score 0 (not "not assessed").
  Alerts a{{0}, {2}, {T0}, {}};
  Incidents none;
  AlertRows ar = a.rows();
  WarnedIncidentRows ir = none.rows();
  ReviewInputs in;
  in.alerts = &ar;
  in.incidents = &ir;
  const Review r = review(in);
  CHECK(r.scores[0].assessed());
  CHECK(r.scores[0].score == 0);
  CHECK(r.overall == 0);
  // POD 1, FAR 0, all leads timely, coverage 1 → 100.
  Incidents one{{0}, {T0 + hours(2)}};
  WarnedIncidentRows ir1 = one.rows();
  in.incidents = &ir1;
  CHECK(review(in).scores[0].score == doctest::Approx(100));
  // Lead target above the lead: lead component 0 → 100·(1 − 0.15).
  ReviewOptions o;
  o.warning.lead_target = hours(3);
  CHECK(review(in, o).scores[0].score == doctest::Approx(85));
  o.weights.dimension[0] = -1;
  CHECK_THROWS_AS(review(in, o), InvalidInput);
  Incidents nt{{0}, {no_time}};
  WarnedIncidentRows irn = nt.rows();
  Alerts no_alerts;
  AlertRows arn = no_alerts.rows();
  in.alerts = &arn;
  in.incidents = &irn;
  const Review n = review(in);
  CHECK_FALSE(n.scores[0].assessed());
  CHECK(n.warning->incidents_without_time == 1);
}

TEST_CASE("review: bad alerts name field, row and value") {
  Alerts a{{0, 0}, {2, 5}, {T0, T0}, {}};
  Incidents in;
  CHECK_THROWS_WITH_AS(verify_warnings(a.rows(), in.rows()), doctest::Contains("alerts.level[1] = 5"), InvalidInput);
  Alerts b{{0, 0}, {2, 2}, {T0, T0}, {no_time, T0 - 1}};
  CHECK_THROWS_WITH_AS(verify_warnings(b.rows(), in.rows()), doctest::Contains("alerts.ended_at[1]"), InvalidInput);
  Alerts c{{0, -3}, {2, 2}, {T0, T0}, {}};
  CHECK_THROWS_WITH_AS(verify_warnings(c.rows(), in.rows()), doctest::Contains("alerts.place[1] = -3"), InvalidInput);
  Alerts d{{0, 0}, {2}, {T0, T0}, {}};
  CHECK_THROWS_WITH_AS(verify_warnings(d.rows(), in.rows()), doctest::Contains("alerts.level"), InvalidInput);
}
