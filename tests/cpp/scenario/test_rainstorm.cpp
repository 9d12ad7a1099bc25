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
  FloodParams stage;
  stage.river_stage_m = 2.5;
  Rainstorm a(c, Rainstorm::extreme_storms(c, t0, 1), t0, stage);
  for (int h = 1; h <= 20; ++h) a.step(t0 + hours(h));
  Rainstorm b = Rainstorm::from_bytes(c, a.to_bytes());
  CHECK(b.params().river_stage_m == 2.5);
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

TEST_CASE("scenario rainstorm: the default 600 mm preset floods a 50,000-person town") {
  // Before the river had a flood stage, seed 0 peaked at 0.52 m with 2 cells ≥ 0.3 m and 13 trapped.
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    CAPTURE(seed);
    const City c = make_city(50000, seed);
    auto run = [&](double stage) {
      FloodParams fp;
      fp.river_stage_m = stage;
      Rainstorm rs(c, Rainstorm::extreme_storms(c, t0, seed), t0, fp);
      struct Peak { double depth = 0, trapped = 0, river_share = 0; std::size_t flooded = 0, closed = 0; } pk;
      for (int h = 1; h <= 72; ++h) {
        const RainStep s = rs.step(t0 + hours(h));
        double trapped = 0;
        std::size_t flooded = 0;
        for (std::size_t i = 0; i < s.depth_m.size(); ++i)
          pk.depth = std::max(pk.depth, s.depth_m[i]), flooded += s.depth_m[i] >= 0.3, trapped += s.trapped[i];
        pk.flooded = std::max(pk.flooded, flooded), pk.closed = std::max(pk.closed, s.closed_edges.size());
        pk.trapped = std::max(pk.trapped, trapped), pk.river_share = s.river_m3 / s.rain_m3;
      }
      return pk;
    };
    const auto flood = run(FloodParams{}.river_stage_m), sink = run(0);
    CHECK(flood.depth >= 0.9);
    CHECK(flood.flooded >= 3);  // of 64 cells: a share like a 1 M city's (≈ 4 %)
    CHECK(flood.closed > 50);
    CHECK(flood.trapped > 100);
    // The mechanism: the river at its bed took more of the rain and left less flooding.
    CHECK(sink.river_share > flood.river_share);
    CHECK(sink.depth <= flood.depth);
    CHECK(sink.trapped <= flood.trapped);
  }
}

TEST_CASE("scenario rainstorm: land below the river's flood stage cannot drain into it") {
  City c = make_city(50000, 0);
  // Flat land 1 m above the river bed, one storm of ≈ 100 mm over the whole town.
  for (std::size_t i = 0; i < c.cell_elevation_m.size(); ++i)
    if (!c.cell_river[i]) c.cell_elevation_m[i] = 1.0;
  StormCell st;
  st.radius_m = 50000, st.peak_mm_h = 50, st.start = t0, st.peak = t0 + hours(2), st.end = t0 + hours(4);
  auto river_after = [&](double stage, double& rain_on_river) {
    FloodParams fp;
    fp.river_stage_m = stage;
    Rainstorm rs(c, {st}, t0, fp);
    rain_on_river = 0;
    RainStep s;
    for (int h = 1; h <= 6; ++h) {
      s = rs.step(t0 + hours(h));
      for (std::size_t i = 0; i < s.rain_mm.size(); ++i)
        if (c.cell_river[i]) rain_on_river += s.rain_mm[i] / 1000 * c.params.cell_m * c.params.cell_m;
    }
    CHECK(s.rain_m3 == doctest::Approx(s.stored_m3 + s.drained_m3 + s.river_m3).epsilon(1e-12));
    return s.river_m3;
  };
  double on_river = 0;
  // Stage 4 m: the land's surface (≤ 1.1 m) never reaches it, so the river holds only the rain that fell on it.
  const double none = river_after(4, on_river);
  CHECK(on_river > 0);
  CHECK(none == doctest::Approx(on_river).epsilon(1e-12));
  // Stage 1.02 m: only the water above 2 cm drains in; at the bed, all of it can.
  const double part = river_after(1.02, on_river), all = river_after(0, on_river);
  CHECK(part > on_river * 1.01);
  CHECK(all > part);
  FloodParams bad;
  bad.river_stage_m = -1;
  CHECK_THROWS_WITH_AS(Rainstorm(c, {}, t0, bad), doctest::Contains("river_stage_m"), InvalidInput);
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
