#include <doctest/doctest.h>

#include <random>

#include "crisiskit/severity/national.hpp"
#include "crisiskit/severity/tracker.hpp"

using namespace crisiskit;
using namespace crisiskit::severity;

TEST_CASE("tracker: history, derived growth, the 2-hour clock") {
  SeverityTracker t;
  const Timestamp t0 = 1'700'000'000;
  const auto& a0 = t.update("flood-1", t0, {{"affected_population", 1000}, {"deaths", 1}, {"trapped", 9}});
  CHECK(a0.derived.empty());
  CHECK(std::isnan(a0.result.values[t.assessor().config().index_of("population_growth")]));
  CHECK_FALSE(t.due("flood-1", t0 + hours(2) - 1));
  CHECK(t.due("flood-1", t0 + hours(2)));
  const auto& a1 = t.update("flood-1", t0 + hours(2), {{"affected_population", 3000}, {"deaths", 2}, {"trapped", 28}});
  const auto& cfg = t.assessor().config();
  CHECK(a1.result.values[cfg.index_of("population_growth")] == doctest::Approx(2.0));  // (3000 − 1000) / 1000
  CHECK(a1.result.values[cfg.index_of("harm_growth")] == doctest::Approx(2.0));        // (30 − 10) / 10
  CHECK(a1.derived == std::vector<std::string>{"population_growth", "harm_growth"});
  // Explicit values win over derived ones.
  const auto& a2 = t.update("flood-1", t0 + hours(3), {{"affected_population", 3000}, {"population_growth", 0.1}});
  CHECK(a2.result.values[cfg.index_of("population_growth")] == doctest::Approx(0.1));
  CHECK(a2.derived.empty());  // harm given neither time: not derived
  CHECK(t.history("flood-1").size() == 3);
  t.update("crowd-7", t0 + hours(4), {{"gathering_size", 800}});
  CHECK(t.overdue(t0 + hours(5)) == std::vector<std::string>{"flood-1"});
  CHECK(t.overdue(t0 + hours(6)) == std::vector<std::string>{"flood-1", "crowd-7"});
}

TEST_CASE("tracker: a rejected update leaves the history unchanged") {
  SeverityTracker t;
  t.update("e", 100, {{"deaths", 1}});
  CHECK_THROWS_WITH_AS(t.update("e", 50, {{"deaths", 2}}), doctest::Contains("time"), InvalidInput);
  CHECK_THROWS_AS(t.update("e", 100, {{"deaths", 2}}), InvalidInput);
  CHECK_THROWS_AS(t.update("e", 200, {{"deaths", -2}}), InvalidInput);
  CHECK_THROWS_AS(t.update("new", 200, {{"nonsense", 2}}), InvalidInput);
  CHECK(t.history("e").size() == 1);
  CHECK_FALSE(t.contains("new"));
  CHECK_THROWS_AS(t.history("new"), InvalidInput);
  CHECK_THROWS_AS(SeverityTracker(SeverityAssessor{}, 0), InvalidInput);
}

TEST_CASE("tracker: snapshot round-trip re-assesses every entry") {
  SeverityTracker t(SeverityAssessor{}, hours(1));
  t.update("a", 10, {{"deaths", 1}, {"affected_population", 50}});
  t.update("a", 20, {{"deaths", 3}, {"affected_population", 80}});
  t.update("b", 15, {{"economic_loss_cny", 1e6}});
  const auto bytes = t.to_bytes();
  const auto u = SeverityTracker::from_bytes(bytes);
  CHECK(u.interval() == hours(1));
  CHECK(u.events() == t.events());
  REQUIRE(u.history("a").size() == 2);
  CHECK(u.history("a")[1].result.overall == t.history("a")[1].result.overall);
  CHECK(u.history("a")[1].derived == t.history("a")[1].derived);
  CHECK(u.to_bytes() == bytes);
  for (std::size_t cut = 0; cut < bytes.size(); cut += 13)
    CHECK_THROWS_AS(SeverityTracker::from_bytes(bytes.substr(0, cut)), InvalidInput);
}

TEST_CASE("corrupted snapshots are refused with InvalidInput, never a crash") {
  SeverityTracker t;
  t.update("a", 10, {{"deaths", 1}, {"affected_population", 50}});
  t.update("a", 20, {{"deaths", 3}, {"affected_population", 80}});
  const std::string good[] = {t.to_bytes(), SeverityConfig{}.to_bytes(), production_safety_table().to_bytes()};
  std::mt19937_64 rng(8);
  int refused = 0, accepted = 0;
  for (int it = 0; it < 3000; ++it) {
    const int which = it % 3;
    std::string b = good[which];
    std::uniform_int_distribution<std::size_t> pos(0, b.size() - 1);
    for (int f = 0; f < 1 + it % 4; ++f) b[pos(rng)] = static_cast<char>(rng());
    try {
      if (which == 0) (void)SeverityTracker::from_bytes(b);
      if (which == 1) (void)SeverityConfig::from_bytes(b);
      if (which == 2) (void)GradingTable::from_bytes(b);
      ++accepted;  // a flip inside free text or a value still in range
    } catch (const InvalidInput&) {
      ++refused;
    }
  }
  CHECK(refused > 1000);
  CHECK(refused + accepted == 3000);
}
