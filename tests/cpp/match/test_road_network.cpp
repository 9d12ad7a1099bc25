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
