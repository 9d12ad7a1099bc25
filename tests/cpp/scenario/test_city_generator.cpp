#include <doctest/doctest.h>

#include <numeric>
#include <queue>

#include "crisiskit/match/road_network.hpp"
#include "crisiskit/scenario/city_generator.hpp"

using namespace crisiskit;
using namespace crisiskit::scenario;

namespace {
std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}
// Nodes reachable from node 0 following arcs forward (reverse = backward).
std::size_t reach(const City& c, bool reverse) {
  std::vector<std::vector<std::int32_t>> adj(c.num_nodes());
  for (std::int64_t e = 0; e < c.num_edges(); ++e) {
    auto a = static_cast<std::int32_t>(c.edge_from[e]), b = static_cast<std::int32_t>(c.edge_to[e]);
    if (reverse) std::swap(a, b);
    adj[a].push_back(b);
    if (!c.edge_oneway[e]) adj[b].push_back(a);
  }
  std::vector<char> seen(c.num_nodes(), 0);
  std::queue<std::int32_t> q;
  q.push(0), seen[0] = 1;
  std::size_t n = 1;
  while (!q.empty()) {
    const auto v = q.front();
    q.pop();
    for (auto w : adj[v])
      if (!seen[w]) seen[w] = 1, ++n, q.push(w);
  }
  return n;
}
}  // namespace

TEST_CASE("scenario city: same seed same bytes, golden checksum, other seed differs") {
  CityParams p;
  p.population = 60000, p.seed = 7;
  const std::string a = generate_city(p).to_bytes();
  CHECK(a == generate_city(p).to_bytes());
  // Platform drift guard: every IEEE-754 machine without FMA contraction must reproduce this.
  CHECK(fnv1a(a) == 10992553613204154370ULL);
  CHECK(a.size() == 131019);
  p.seed = 8;
  CHECK(generate_city(p).to_bytes() != a);
}

TEST_CASE("scenario city: invariants over populations and seeds") {
  for (std::int64_t pop : {1LL, 999LL, 50000LL, 400000LL, 1500000LL}) {
    CityParams p;
    p.population = pop, p.seed = static_cast<std::uint64_t>(pop % 97);
    const City c = generate_city(p);
    CAPTURE(pop);
    CHECK_NOTHROW(c.check());
    CHECK(std::accumulate(c.cell_population.begin(), c.cell_population.end(), std::int64_t{0}) == pop);
    CHECK(c.place_population[0] == static_cast<double>(pop));
    // Each community's population is the sum of its cells; parents are one level up.
    std::vector<double> comm(c.num_communities, 0);
    for (std::int32_t i = 0; i < c.num_cells(); ++i) {
      comm[c.cell_community[i]] += static_cast<double>(c.cell_population[i]);
      CHECK(c.place_parent[c.first_cell + i] == c.first_community + c.cell_community[i]);
      if (c.cell_river[i]) CHECK(c.cell_population[i] == 0);
    }
    for (std::int32_t k = 0; k < c.num_communities; ++k) {
      CHECK(c.place_population[c.first_community + k] == comm[k]);
      CHECK(comm[k] >= 0);
      const auto street = c.place_parent[c.first_community + k];
      CHECK(c.place_kind[street] == PlaceKind::STREET);
      CHECK(c.place_kind[c.place_parent[street]] == PlaceKind::DISTRICT);
    }
    // Strongly connected: everything reachable from node 0 forwards and backwards.
    CHECK(reach(c, false) == static_cast<std::size_t>(c.num_nodes()));
    CHECK(reach(c, true) == static_cast<std::size_t>(c.num_nodes()));
    // The network loads into RoadNetwork as it is.
    std::vector<double> t(c.edge_length_m.size());
    for (std::size_t e = 0; e < t.size(); ++e) t[e] = c.edge_length_m[e] / (c.edge_speed_kmh[e] / 3.6);
    match::RoadNetwork net(c.num_nodes(), c.edge_from, c.edge_to, t, c.edge_oneway, c.node_lon, c.node_lat);
    const auto sp = net.shortest_paths(c.depot_node[0]);
    for (double x : sp.time_s) CHECK(std::isfinite(x));
    CHECK(c.num_depots() >= 2);
    CHECK(c.num_teams() >= 3);
  }
}

TEST_CASE("scenario city: snapshot round trip and bad input") {
  CityParams p;
  p.population = 20000;
  const City c = generate_city(p);
  const std::string b = c.to_bytes();
  CHECK(City::from_bytes(b).to_bytes() == b);
  CHECK_THROWS_AS(City::from_bytes(b.substr(0, b.size() - 1)), InvalidInput);
  std::string bad = b;
  bad[0] = 'X';
  CHECK_THROWS_AS(City::from_bytes(bad), InvalidInput);
  p.population = -5;
  try {
    generate_city(p);
    FAIL("expected InvalidInput");
  } catch (const InvalidInput& e) {
    CHECK(e.field() == "population");
    CHECK(e.value() == "-5");
  }
  p.population = 1000, p.street_spacing_m = 5000;
  CHECK_THROWS_WITH_AS(generate_city(p), doctest::Contains("street_spacing_m"), InvalidInput);
}
