#include <doctest/doctest.h>

#include "crisiskit/scenario/city_generator.hpp"
#include "crisiskit/scenario/crowd_gathering.hpp"
#include "crisiskit/scenario/rainstorm.hpp"

using namespace crisiskit;
using namespace crisiskit::scenario;

namespace {
const Timestamp t0 = 1784476800;  // 2026-07-20T00:00:00+08:00
City make_city(std::int64_t pop = 300000, std::uint64_t seed = 2) {
  CityParams p;
  p.population = pop, p.seed = seed;
  return generate_city(p);
}
}  // namespace

TEST_CASE("scenario rainstorm: mass balance, calibration, closures follow depth") {
  const City c = make_city();
  const auto storms = Rainstorm::extreme_storms(c, t0, 2);
  CHECK(Rainstorm::max_24h_mm(c, storms, t0, t0 + hours(48)) == doctest::Approx(600).epsilon(1e-9));
  Rainstorm rs(c, storms, t0);
  double max_depth = 0;
  std::size_t closed = 0;
  for (int h = 1; h <= 72; ++h) {
    const RainStep s = rs.step(t0 + hours(h));
    CHECK(s.rain_m3 == doctest::Approx(s.stored_m3 + s.drained_m3 + s.river_m3).epsilon(1e-10));
    std::vector<char> is_closed(c.edge_cell.size(), 0);
    for (auto e : s.closed_edges) is_closed[e] = 1;
    for (std::size_t e = 0; e < c.edge_cell.size(); ++e)
      REQUIRE((s.depth_m[c.edge_cell[e]] >= 0.3) == static_cast<bool>(is_closed[e]));
    for (std::size_t k = 0; k < s.slowed_edges.size(); ++k) CHECK(s.slow_factor[k] >= 1.0);
    for (std::size_t i = 0; i < s.trapped.size(); ++i)
      CHECK(s.trapped[i] <= static_cast<double>(c.cell_population[i]) + 1e-9);
    for (auto x : s.signals.intensity) CHECK((x >= 0 && std::isfinite(x)));
    for (double d : s.depth_m) max_depth = std::max(max_depth, d);
    closed = std::max(closed, s.closed_edges.size());
  }
  CHECK(max_depth > 0.3);
  CHECK(closed > 0);
  CHECK_THROWS_AS(rs.step(t0 + hours(72)), InvalidInput);
}

TEST_CASE("scenario rainstorm: more rain never less flooding") {
  const City c = make_city(150000, 5);
  auto base = Rainstorm::extreme_storms(c, t0, 5);
  std::vector<double> prev;
  for (double scale : {0.4, 0.8, 1.2}) {
    auto st = base;
    for (auto& s : st) s.peak_mm_h *= scale;
    Rainstorm rs(c, st, t0);
    for (int h = 1; h <= 48; ++h) rs.step(t0 + hours(h));
    const auto& m = rs.max_depth_m();
    if (!prev.empty())
      for (std::size_t i = 0; i < m.size(); ++i) CHECK(m[i] >= prev[i] - 1e-12);
    prev = m;
  }
}

TEST_CASE("scenario rainstorm: snapshot resumes identically; bad storms named") {
  const City c = make_city(100000, 1);
  Rainstorm a(c, Rainstorm::extreme_storms(c, t0, 1), t0);
  for (int h = 1; h <= 20; ++h) a.step(t0 + hours(h));
  Rainstorm b = Rainstorm::from_bytes(c, a.to_bytes());
  const RainStep sa = a.step(t0 + hours(21)), sb = b.step(t0 + hours(21));
  CHECK(sa.depth_m == sb.depth_m);
  CHECK(sa.closed_edges == sb.closed_edges);
  CHECK(sa.signals.intensity == sb.signals.intensity);
  auto storms = Rainstorm::extreme_storms(c, t0, 1);
  storms[1].end = storms[1].start;
  try {
    Rainstorm bad(c, storms, t0);
    FAIL("expected InvalidInput");
  } catch (const InvalidInput& e) {
    CHECK(e.field() == "storms.end");
    CHECK(e.index() == 1);
  }
  FloodParams fp;
  fp.flow_share = 0.5;
  CHECK_THROWS_WITH_AS(Rainstorm(c, {}, t0, fp), doctest::Contains("flow_share"), InvalidInput);
}

TEST_CASE("scenario crowd gathering: rises, reports, cools after a release") {
  const City c = make_city(600000, 3);
  CrowdParams p;
  p.start = t0 + hours(2), p.releases = {t0 + hours(30)}, p.seed = 9;
  CrowdGathering g(c, p, t0);
  double peak_heat = 0, last_heat = 0, peak_neg = 0, last_neg = 0;
  std::int64_t total = 0, petitions = 0;
  for (int h = 1; h <= 72; ++h) {
    const CrowdStep s = g.step(t0 + hours(h));
    CHECK(s.total_incidents >= total);
    total = s.total_incidents;
    peak_heat = std::max(peak_heat, s.heat), last_heat = s.heat;
    peak_neg = std::max(peak_neg, s.negative_share), last_neg = s.negative_share;
    for (std::size_t k = 0; k < s.signals.size(); ++k)
      if (s.signals.kind[k] == SignalKind::PETITION) {
        ++petitions;
        CHECK(s.signals.time[k] < p.start);
      }
  }
  CHECK(petitions == p.petitions);
  CHECK(total > 0);
  CHECK(peak_neg > 0.3);
  CHECK(last_neg < 0.2);
  CHECK(last_heat < 0.5 * peak_heat);
  CrowdParams bad;
  bad.venue = 0;  // site 0 is a school
  CHECK_THROWS_WITH_AS(CrowdGathering(c, bad, t0), doctest::Contains("venue"), InvalidInput);
}
