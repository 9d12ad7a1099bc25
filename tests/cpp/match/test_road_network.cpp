#include <doctest/doctest.h>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>

#include <random>
#include <vector>

#include "crisiskit/match/road_network.hpp"

using namespace crisiskit;
using namespace crisiskit::match;

namespace {

struct Roads {
  std::int64_t n;
  std::vector<std::int64_t> from, to;
  std::vector<double> time;
  std::vector<std::uint8_t> oneway;
};

Roads random_roads(std::mt19937_64& rng, int n, int m) {
  Roads r{n, {}, {}, {}, {}};
  std::uniform_int_distribution<int> node(0, n - 1);
  std::uniform_real_distribution<double> t(1, 120), p(0, 1);
  for (int e = 0; e < m; ++e) {
    r.from.push_back(node(rng));
    r.to.push_back(node(rng));
    r.time.push_back(p(rng) < 0.05 ? 0.0 : t(rng));
    r.oneway.push_back(p(rng) < 0.3);
  }
  return r;
}

// Boost.Graph's Dijkstra on the same arcs with the network's current times (closed arcs left out).
std::vector<double> boost_times(const RoadNetwork& net, std::int64_t source) {
  using G = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                                  boost::property<boost::edge_weight_t, double>>;
  G g(static_cast<std::size_t>(net.num_nodes()));
  for (std::int32_t a = 0; a < static_cast<std::int32_t>(net.num_arcs()); ++a)
    if (!std::isinf(net.arc_time(a)))
      boost::add_edge(static_cast<std::size_t>(net.tail(a)), static_cast<std::size_t>(net.head(a)), net.arc_time(a), g);
  std::vector<double> d(static_cast<std::size_t>(net.num_nodes()));
  boost::dijkstra_shortest_paths(g, static_cast<std::size_t>(source), boost::distance_map(d.data()));
  for (double& x : d)
    if (x == std::numeric_limits<double>::max()) x = RoadNetwork::kClosed;
  return d;
}

}  // namespace

TEST_CASE("RoadNetwork: one-to-all times equal Boost.Graph's Dijkstra, before and after damage, and after undo") {
  std::mt19937_64 rng(11);
  for (int it = 0; it < 40; ++it) {
    Roads r = random_roads(rng, 50 + it * 10, 4 * (50 + it * 10));
    RoadNetwork net(r.n, r.from, r.to, r.time, r.oneway);
    const std::int64_t s = static_cast<std::int64_t>(rng() % static_cast<unsigned>(r.n));
    const auto before = net.shortest_paths(s).time_s;
    CHECK(before == boost_times(net, s));
    std::vector<std::int64_t> closed, slowed;
    for (std::int64_t e = 0; e < static_cast<std::int64_t>(r.from.size()); ++e) {
      if (rng() % 5 == 0) closed.push_back(e);
      else if (rng() % 5 == 0) slowed.push_back(e);
    }
    net.close_edges(closed);
    net.slow_edges(slowed, 3.0);
    const auto damaged = net.shortest_paths(s);
    CHECK(damaged.time_s == boost_times(net, s));
    for (std::size_t v = 0; v < before.size(); ++v) CHECK(damaged.time_s[v] >= before[v]);  // damage never helps
    // Paths are real: consecutive nodes joined by an open arc, times add up.
    for (std::int64_t t = 0; t < r.n; t += 7) {
      const auto p = net.path(damaged, t);
      if (std::isinf(damaged.time_s[static_cast<std::size_t>(t)])) {
        CHECK(p.empty());
        continue;
      }
      REQUIRE(!p.empty());
      CHECK(p.front() == s);
      CHECK(p.back() == t);
    }
    CHECK(net.undo());
    CHECK(net.undo());
    CHECK(!net.undo());
    CHECK(net.shortest_paths(s).time_s == before);
  }
}

TEST_CASE("RoadNetwork: a time limit leaves farther nodes unreached and keeps the nearer ones exact") {
  std::mt19937_64 rng(3);
  Roads r = random_roads(rng, 400, 1600);
  RoadNetwork net(r.n, r.from, r.to, r.time, r.oneway);
  const auto all = net.shortest_paths(0).time_s;
  const auto lim = net.shortest_paths(0, 90.0);
  int reached = 0;
  for (std::size_t v = 0; v < all.size(); ++v) {
    if (all[v] <= 90.0) {
      CHECK(lim.time_s[v] == all[v]);
      ++reached;
    } else {
      CHECK(std::isinf(lim.time_s[v]));
      CHECK(lim.pred[v] == -1);
    }
  }
  CHECK(reached > 1);
  CHECK(reached < 400);
}

TEST_CASE("RoadNetwork: two-way edges close in both directions; bad input names field, row and value") {
  //  0 —(10 s)— 1 —(10 s, one-way 1→2)→ 2
  std::vector<std::int64_t> from{0, 1}, to{1, 2};
  std::vector<double> t{10, 10};
  std::vector<std::uint8_t> ow{0, 1};
  RoadNetwork net(3, from, to, t, ow);
  CHECK(net.num_arcs() == 3);
  CHECK(net.shortest_paths(0).time_s == std::vector<double>{0, 10, 20});
  CHECK(std::isinf(net.shortest_paths(2).time_s[0]));  // one-way
  CHECK(net.shortest_paths(1).time_s[0] == 10);
  const std::vector<std::int64_t> e0{0};
  net.close_edges(e0);
  CHECK(std::isinf(net.shortest_paths(1).time_s[0]));
  CHECK(std::isinf(net.shortest_paths(0).time_s[1]));
  net.restore();
  CHECK(net.shortest_paths(0).time_s[2] == 20);

  std::vector<double> bad_t{10, -1};
  try {
    RoadNetwork(3, from, to, bad_t, ow);
    FAIL("expected InvalidInput");
  } catch (const InvalidInput& e) {
    CHECK(e.field() == "time_s");
    CHECK(e.index() == 1);
  }
  std::vector<std::int64_t> bad_to{1, 7};
  CHECK_THROWS_WITH_AS(RoadNetwork(3, from, bad_to, t, ow), doctest::Contains("to[1] = 7"), InvalidInput);
  std::vector<double> lon{0, 0, 200}, lat{0, 0, 0};
  CHECK_THROWS_WITH_AS(RoadNetwork(3, from, to, t, ow, lon, lat), doctest::Contains("lon[2] = 200"), InvalidInput);
  const std::vector<std::int64_t> e9{9};
  CHECK_THROWS_AS(net.close_edges(e9), InvalidInput);
  CHECK(net.damage_steps() == 0);  // the rejected step left nothing behind
  CHECK_THROWS_AS(net.slow_edges(e0, 0.5), InvalidInput);
  CHECK_THROWS_AS(net.shortest_paths(3), InvalidInput);
}

TEST_CASE("RoadNetwork: bounded many-to-many equals one-to-all searches, on 1 and 2 threads, damaged and undamaged") {
  std::mt19937_64 rng(21);
  for (int it = 0; it < 12; ++it) {
    const int n = 200 + 50 * it;
    Roads r = random_roads(rng, n, 3 * n);
    RoadNetwork net(r.n, r.from, r.to, r.time, r.oneway);
    std::vector<std::int64_t> closed;
    for (std::int64_t e = 0; e < static_cast<std::int64_t>(r.from.size()); ++e)
      if (rng() % 6 == 0) closed.push_back(e);
    net.close_edges(closed);
    std::vector<std::int64_t> sources, targets;
    for (int i = 0; i < 30; ++i) sources.push_back(static_cast<std::int64_t>(rng() % static_cast<unsigned>(n)));
    for (int i = 0; i < 60; ++i) targets.push_back(static_cast<std::int64_t>(rng() % static_cast<unsigned>(n)));
    targets.push_back(targets.front());  // repeated targets are each reported
    const double limit = it % 3 == 0 ? RoadNetwork::kClosed : 150.0;
    for (bool undamaged : {false, true}) {
      for (unsigned threads : {1u, 2u}) {
        const TravelTimes tt = net.many_to_many(sources, targets, limit, undamaged, threads);
        REQUIRE(tt.first.size() == sources.size() + 1);
        for (std::size_t i = 0; i < sources.size(); ++i) {
          const auto full = net.shortest_paths(sources[i], RoadNetwork::kClosed, undamaged).time_s;
          std::vector<double> got(targets.size(), RoadNetwork::kClosed);
          for (auto k = tt.first[i]; k < tt.first[i + 1]; ++k) {
            const auto j = static_cast<std::size_t>(tt.target[static_cast<std::size_t>(k)]);
            CHECK(std::isinf(got[j]));  // each target once per source
            got[j] = tt.time_s[static_cast<std::size_t>(k)];
          }
          for (std::size_t j = 0; j < targets.size(); ++j) {
            const double want = full[static_cast<std::size_t>(targets[j])];
            CHECK(got[j] == (want <= limit ? want : RoadNetwork::kClosed));
          }
        }
      }
    }
  }
  RoadNetwork tiny(3, std::vector<std::int64_t>{0}, std::vector<std::int64_t>{1}, std::vector<double>{5.0});
  const std::vector<std::int64_t> ok{0}, bad{0, 3};
  CHECK_THROWS_WITH_AS(tiny.many_to_many(ok, bad, 10.0), doctest::Contains("targets[1] = 3"), InvalidInput);
  CHECK_THROWS_WITH_AS(tiny.many_to_many(bad, ok, 10.0), doctest::Contains("sources[1] = 3"), InvalidInput);
  CHECK_THROWS_AS(tiny.many_to_many(ok, ok, -1.0), InvalidInput);
  CHECK(tiny.many_to_many(ok, {}, 10.0).first == std::vector<std::int64_t>{0, 0});
}

TEST_CASE("RoadNetwork: snap finds the great-circle nearest road node (brute-force oracle)") {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> dx(116.2, 116.6), dy(39.7, 40.1);  // a Beijing-sized box
  const int n = 3000;
  std::vector<double> lon(n), lat(n);
  for (int v = 0; v < n; ++v) {
    lon[static_cast<std::size_t>(v)] = dx(rng);
    lat[static_cast<std::size_t>(v)] = dy(rng);
  }
  // Nodes n−10 .. n−1 have no arcs: they are not road nodes and are never snapped to.
  std::vector<std::int64_t> from, to;
  std::vector<double> t;
  for (int v = 0; v + 1 < n - 10; ++v) {
    from.push_back(v);
    to.push_back(v + 1);
    t.push_back(1.0);
  }
  RoadNetwork net(n, from, to, t, {}, lon, lat);
  std::vector<double> qx(500), qy(500);
  for (std::size_t i = 0; i < qx.size(); ++i) {
    qx[i] = dx(rng);
    qy[i] = dy(rng);
  }
  const SnapResult s = net.snap(qx, qy);
  for (std::size_t i = 0; i < qx.size(); ++i) {
    double best = 1e300;
    for (int v = 0; v < n - 10; ++v)
      best = std::min(best, risk::haversine_m(qx[i], qy[i], lon[static_cast<std::size_t>(v)], lat[static_cast<std::size_t>(v)]));
    CHECK(s.distance_m[i] == doctest::Approx(best).epsilon(1e-12));
    CHECK(s.node[i] < n - 10);
  }
  const SnapResult near = net.snap(qx, qy, 200.0);
  for (std::size_t i = 0; i < qx.size(); ++i) CHECK((near.node[i] >= 0) == (s.distance_m[i] <= 200.0));
  std::vector<double> bad_y{39.8, std::nan("")};
  std::vector<double> two_x{116.3, 116.3};
  CHECK_THROWS_WITH_AS(net.snap(two_x, bad_y), doctest::Contains("lat[1] = nan"), InvalidInput);
  RoadNetwork bare(2, std::vector<std::int64_t>{0}, std::vector<std::int64_t>{1}, std::vector<double>{1.0});
  const std::vector<double> two_y{39.8, 39.9};
  CHECK_THROWS_AS(bare.snap(two_x, two_y), Error);
}

TEST_CASE("RoadNetwork: closing a polygon closes exactly the edges touching it; holes are respected; undo reopens") {
  // A 5 × 5 grid of nodes at integer lon/lat 0..4 (degrees), edges between neighbours.
  std::vector<double> lon, lat;
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 5; ++x) {
      lon.push_back(x);
      lat.push_back(y);
    }
  std::vector<std::int64_t> from, to;
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 5; ++x) {
      if (x < 4) {
        from.push_back(5 * y + x);
        to.push_back(5 * y + x + 1);
      }
      if (y < 4) {
        from.push_back(5 * y + x);
        to.push_back(5 * (y + 1) + x);
      }
    }
  std::vector<double> t(from.size(), 10.0);
  RoadNetwork net(25, from, to, t, {}, lon, lat);
  // Square (0.5..1.5)²: contains node (1,1) only; its 4 edges touch it, and so
  // do the 4 edges crossing the square's sides without a node inside... which
  // are exactly those 4 (the square sits around the node).
  std::vector<double> sx{0.5, 1.5, 1.5, 0.5, 0.5}, sy{0.5, 0.5, 1.5, 1.5, 0.5};
  auto closed = net.close_polygon(sx, sy);
  std::vector<std::int64_t> want;
  for (std::size_t e = 0; e < from.size(); ++e)
    if (from[e] == 6 || to[e] == 6) want.push_back(static_cast<std::int64_t>(e));
  CHECK(closed == want);
  CHECK(std::isinf(net.shortest_paths(0).time_s[6]));
  CHECK(net.undo());
  CHECK(net.shortest_paths(0).time_s[6] == 20.0);
  // A thin band crossing edge 0–1 (between x = 0.4 and 0.6) with no node inside closes just that edge.
  std::vector<double> bx{0.4, 0.6, 0.6, 0.4}, by{-0.5, -0.5, 0.5, 0.5};
  const auto band = net.edges_in_polygon(bx, by);
  REQUIRE(band.size() == 1);
  CHECK(from[static_cast<std::size_t>(band[0])] == 0);
  CHECK(to[static_cast<std::size_t>(band[0])] == 1);
  // Outer ring 0.5..3.5 with a hole 1.5..2.5 around node (2,2): node 12 stays open
  // but every edge reaching it crosses the hole's boundary from an inside node.
  std::vector<double> px{0.5, 3.5, 3.5, 0.5, 1.5, 2.5, 2.5, 1.5}, py{0.5, 0.5, 3.5, 3.5, 1.5, 1.5, 2.5, 2.5};
  std::vector<std::int64_t> starts{0, 4};
  const auto ring = net.edges_in_polygon(px, py, starts);
  std::vector<std::int64_t> want_ring;
  for (std::size_t e = 0; e < from.size(); ++e) {
    auto in = [&](std::int64_t v) {
      const double x = lon[static_cast<std::size_t>(v)], y = lat[static_cast<std::size_t>(v)];
      return x > 0.5 && x < 3.5 && y > 0.5 && y < 3.5 && !(x > 1.5 && x < 2.5 && y > 1.5 && y < 2.5);
    };
    const double mx = (lon[static_cast<std::size_t>(from[e])] + lon[static_cast<std::size_t>(to[e])]) / 2;
    const double my = (lat[static_cast<std::size_t>(from[e])] + lat[static_cast<std::size_t>(to[e])]) / 2;
    const bool crosses_outer = (mx > 0.5 && mx < 3.5 && my > 0.5 && my < 3.5) || in(from[e]) || in(to[e]);
    if (crosses_outer) want_ring.push_back(static_cast<std::int64_t>(e));
  }
  CHECK(ring == want_ring);
  std::vector<double> two{0, 1};
  CHECK_THROWS_WITH_AS(net.edges_in_polygon(two, two), doctest::Contains("at least 3"), InvalidInput);
  std::vector<std::int64_t> bad_starts{0, 9};
  CHECK_THROWS_WITH_AS(net.edges_in_polygon(px, py, bad_starts), doctest::Contains("ring_start[1] = 9"), InvalidInput);
  CHECK(net.damage_steps() == 0);
}

TEST_CASE("RoadNetwork: per-source limits and backward nearest-goal searches agree with one-to-all searches") {
  std::mt19937_64 rng(41);
  for (int it = 0; it < 8; ++it) {
    const int n = 300;
    Roads r = random_roads(rng, n, 3 * n);
    RoadNetwork net(r.n, r.from, r.to, r.time, r.oneway);
    std::vector<std::int64_t> closed;
    for (std::int64_t e = 0; e < static_cast<std::int64_t>(r.from.size()); ++e)
      if (rng() % 7 == 0) closed.push_back(e);
    net.close_edges(closed);
    std::vector<std::int64_t> sources, targets;
    std::vector<double> limits;
    for (int i = 0; i < 20; ++i) {
      sources.push_back(static_cast<std::int64_t>(rng() % n));
      limits.push_back(i % 4 == 0 ? RoadNetwork::kClosed : 40.0 + static_cast<double>(rng() % 200));
    }
    for (int i = 0; i < 50; ++i) targets.push_back(static_cast<std::int64_t>(rng() % n));
    const TravelTimes tt = net.many_to_many(sources, targets, Span<const double>(limits), false, 2);
    for (std::size_t i = 0; i < sources.size(); ++i) {
      const auto full = net.shortest_paths(sources[i]).time_s;
      std::size_t want = 0;
      for (std::int64_t t : targets) want += !std::isinf(full[static_cast<std::size_t>(t)]) && full[static_cast<std::size_t>(t)] <= limits[i];
      CHECK(static_cast<std::size_t>(tt.first[i + 1] - tt.first[i]) == want);
    }
    // Goals: every 10th node. Nearest goal time to each target, backwards, vs forward from every goal.
    for (bool undamaged : {false, true}) {
      auto goal = [](std::size_t, std::int32_t v) { return v % 10 == 3; };
      std::vector<double> lim(targets.size(), 150.0);
      const auto got = net.time_from_nearest(targets, lim, goal, undamaged, 2);
      std::vector<double> want(targets.size(), RoadNetwork::kClosed);
      for (std::int32_t g = 3; g < n; g += 10) {
        const auto from_g = net.shortest_paths(g, RoadNetwork::kClosed, undamaged).time_s;
        for (std::size_t k = 0; k < targets.size(); ++k)
          want[k] = std::min(want[k], from_g[static_cast<std::size_t>(targets[k])]);
      }
      // Backward sums add the same arc times in the opposite order: equal up to rounding.
      for (std::size_t k = 0; k < targets.size(); ++k) {
        if (want[k] <= 150.0 - 1e-9) CHECK(got[k] == doctest::Approx(want[k]).epsilon(1e-12));
        else if (want[k] > 150.0 + 1e-9) CHECK(std::isinf(got[k]));
      }
    }
  }
}
