#include <doctest/doctest.h>

#include <lemon/cost_scaling.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <random>
#include <vector>

#include "crisiskit/match/min_cost_flow.hpp"

using namespace crisiskit;
using namespace crisiskit::match;

namespace {

struct Instance {
  std::int64_t n = 0;
  std::vector<std::int64_t> tail, head, cap, cost, supply;
};

// Random instance: n nodes, m arcs (parallel arcs and self-loops allowed),
// a share of arcs uncapacitated, supplies summing to 0.
Instance random_instance(std::mt19937_64& rng, int n, int m, int cost_lo, int cost_hi, double p_inf) {
  Instance x;
  x.n = n;
  std::uniform_int_distribution<int> node(0, n - 1), c(cost_lo, cost_hi), u(0, 12), b(-6, 6);
  std::uniform_real_distribution<double> p(0, 1);
  for (int e = 0; e < m; ++e) {
    x.tail.push_back(node(rng));
    x.head.push_back(node(rng));
    x.cost.push_back(c(rng));
    x.cap.push_back(p(rng) < p_inf ? kInfiniteCapacity : u(rng));
  }
  x.supply.assign(static_cast<std::size_t>(n), 0);
  std::int64_t sum = 0;
  for (int v = 0; v + 1 < n; ++v) sum += x.supply[static_cast<std::size_t>(v)] = b(rng);
  x.supply[static_cast<std::size_t>(n - 1)] = -sum;
  return x;
}

struct Lemon {
  int status;  // 0 optimal, 1 infeasible, 2 unbounded
  std::int64_t cost;
};

template <template <class, class, class> class Algo>
Lemon lemon_solve(const Instance& x) {
  lemon::SmartDigraph g;
  std::vector<lemon::SmartDigraph::Node> nodes;
  for (std::int64_t v = 0; v < x.n; ++v) nodes.push_back(g.addNode());
  lemon::SmartDigraph::ArcMap<std::int64_t> cap(g), cost(g);
  lemon::SmartDigraph::NodeMap<std::int64_t> sup(g);
  for (std::size_t e = 0; e < x.tail.size(); ++e) {
    auto a = g.addArc(nodes[static_cast<std::size_t>(x.tail[e])], nodes[static_cast<std::size_t>(x.head[e])]);
    cap[a] = x.cap[e] == kInfiniteCapacity ? std::numeric_limits<std::int64_t>::max() : x.cap[e];
    cost[a] = x.cost[e];
  }
  for (std::int64_t v = 0; v < x.n; ++v) sup[nodes[static_cast<std::size_t>(v)]] = x.supply[static_cast<std::size_t>(v)];
  Algo<lemon::SmartDigraph, std::int64_t, std::int64_t> algo(g);
  algo.upperMap(cap).costMap(cost).supplyMap(sup);
  const auto st = algo.run();
  using A = Algo<lemon::SmartDigraph, std::int64_t, std::int64_t>;
  if (st == A::OPTIMAL) return {0, algo.template totalCost<std::int64_t>()};
  return {st == A::INFEASIBLE ? 1 : 2, 0};
}

template <class G, class V, class C>
using LemonSimplex = lemon::NetworkSimplex<G, V, C>;
template <class G, class V, class C>
using LemonScaling = lemon::CostScaling<G, V, C>;

// Feasibility and the optimality certificate (reduced costs against the
// returned potentials), independent of any other solver.
void check_certificate(const Instance& x, const FlowResult& r) {
  REQUIRE(r.status == FlowStatus::OPTIMAL);
  std::vector<std::int64_t> balance(static_cast<std::size_t>(x.n), 0);
  __int128 cost = 0;
  for (std::size_t e = 0; e < x.tail.size(); ++e) {
    const std::int64_t f = r.flow[e];
    CHECK(f >= 0);
    if (x.cap[e] != kInfiniteCapacity) CHECK(f <= x.cap[e]);
    balance[static_cast<std::size_t>(x.tail[e])] += f;
    balance[static_cast<std::size_t>(x.head[e])] -= f;
    cost += static_cast<__int128>(f) * x.cost[e];
    const std::int64_t rc = x.cost[e] + r.potential[static_cast<std::size_t>(x.tail[e])] -
                            r.potential[static_cast<std::size_t>(x.head[e])];
    if (f < x.cap[e]) CHECK(rc >= 0);
    if (f > 0) CHECK(rc <= 0);
  }
  CHECK(balance == x.supply);
  CHECK(static_cast<std::int64_t>(cost) == r.cost);
}

FlowResult solve(const Instance& x) { return min_cost_flow(x.n, x.tail, x.head, x.cap, x.cost, x.supply); }

}  // namespace

TEST_CASE("min_cost_flow: hand example, self-loops, empty graph") {
  Instance x;
  x.n = 4;
  x.tail = {0, 0, 1, 2};
  x.head = {1, 2, 3, 3};
  x.cap = {4, 2, 4, 2};
  x.cost = {2, 2, 1, 3};
  x.supply = {5, 0, 0, -5};
  const auto r = solve(x);
  CHECK(r.status == FlowStatus::OPTIMAL);
  CHECK(r.cost == 4 * 3 + 1 * 5);
  CHECK(r.flow == std::vector<std::int64_t>{4, 1, 4, 1});
  check_certificate(x, r);
  // A negative self-loop is saturated; a positive one is left empty.
  x.tail.push_back(2), x.head.push_back(2), x.cap.push_back(3), x.cost.push_back(-4);
  x.tail.push_back(1), x.head.push_back(1), x.cap.push_back(3), x.cost.push_back(4);
  const auto s = solve(x);
  CHECK(s.cost == 17 - 12);
  CHECK(s.flow[4] == 3);
  CHECK(s.flow[5] == 0);
  x.cap[4] = kInfiniteCapacity;
  CHECK(solve(x).status == FlowStatus::UNBOUNDED);
  CHECK(min_cost_flow(0, {}, {}, {}, {}, {}).status == FlowStatus::OPTIMAL);
}

TEST_CASE("min_cost_flow equals LEMON's NetworkSimplex and CostScaling on random instances") {
  std::mt19937_64 rng(2026);
  int optimal = 0, infeasible = 0, unbounded = 0;
  for (int it = 0; it < 600; ++it) {
    const int n = 2 + static_cast<int>(rng() % 40);
    const int m = static_cast<int>(rng() % static_cast<unsigned>(6 * n + 1));
    // Two families: non-negative costs with some uncapacitated arcs, and
    // signed costs with every arc capacitated (never unbounded).
    const bool signed_costs = it % 2 == 1;
    Instance x = signed_costs ? random_instance(rng, n, m, -10, 20, 0.0) : random_instance(rng, n, m, 0, 30, 0.3);
    CAPTURE(it);
    const auto r = solve(x);
    const Lemon ns = lemon_solve<LemonSimplex>(x);
    CHECK(static_cast<int>(r.status) == ns.status);
    if (r.status == FlowStatus::OPTIMAL) {
      ++optimal;
      CHECK(r.cost == ns.cost);
      check_certificate(x, r);
      CHECK(lemon_solve<LemonScaling>(x).cost == r.cost);
    } else if (r.status == FlowStatus::INFEASIBLE) {
      ++infeasible;
    } else {
      ++unbounded;
    }
  }
  // Both outcomes are exercised.
  CHECK(optimal > 150);
  CHECK(infeasible > 50);
  CHECK(unbounded == 0);
}

TEST_CASE("min_cost_flow: negative cycles of infinite capacity are unbounded, unless infeasible") {
  std::mt19937_64 rng(7);
  int unbounded = 0;
  for (int it = 0; it < 300; ++it) {
    const int n = 3 + static_cast<int>(rng() % 20);
    Instance x = random_instance(rng, n, 4 * n, -8, 15, 0.5);
    CAPTURE(it);
    const auto r = solve(x);
    const Lemon ns = lemon_solve<LemonSimplex>(x);
    if (ns.status == 0) {
      CHECK(r.status == FlowStatus::OPTIMAL);
      CHECK(r.cost == ns.cost);
    } else if (r.status == FlowStatus::UNBOUNDED) {
      ++unbounded;
      CHECK(ns.status == 2);
      // Feasible (a zero-cost copy is solvable), so unbounded is the right answer.
      Instance z = x;
      std::fill(z.cost.begin(), z.cost.end(), 0);
      CHECK(lemon_solve<LemonSimplex>(z).status == 0);
    } else {
      CHECK(r.status == FlowStatus::INFEASIBLE);
      Instance z = x;
      std::fill(z.cost.begin(), z.cost.end(), 0);
      CHECK(lemon_solve<LemonSimplex>(z).status == 1);
    }
  }
  CHECK(unbounded > 20);
}

TEST_CASE("min_cost_flow: bad input names the field, row and value; nothing is solved") {
  Instance x;
  x.n = 3;
  x.tail = {0, 1};
  x.head = {1, 5};
  x.cap = {1, 1};
  x.cost = {1, 1};
  x.supply = {1, 0, -1};
  try {
    solve(x);
    FAIL("expected InvalidInput");
  } catch (const InvalidInput& e) {
    CHECK(e.field() == "head");
    CHECK(e.index() == 1);
    CHECK(e.value() == "5");
  }
  x.head[1] = 2;
  x.cap[0] = -3;
  CHECK_THROWS_WITH_AS(solve(x), doctest::Contains("capacity[0] = -3"), InvalidInput);
  x.cap[0] = 1;
  x.supply.pop_back();
  CHECK_THROWS_WITH_AS(solve(x), doctest::Contains("supply"), InvalidInput);
  x.supply = {1, 0, -1};
  x.cost[1] = std::int64_t{1} << 50;
  CHECK_THROWS_WITH_AS(solve(x), doctest::Contains("cost[1]"), InvalidInput);
}
