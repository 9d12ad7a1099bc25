#include <doctest/doctest.h>

#include <map>
#include <random>
#include <vector>

#include "crisiskit/match/allocate.hpp"

using namespace crisiskit;
using namespace crisiskit::match;

namespace {

// A line of nodes 0 — 1 — 2 — … with 60 s per edge, two-way.
RoadNetwork line(int n) {
  std::vector<std::int64_t> from, to;
  std::vector<double> t;
  for (int v = 0; v + 1 < n; ++v) {
    from.push_back(v);
    to.push_back(v + 1);
    t.push_back(60.0);
  }
  return RoadNetwork(n, from, to, t);
}

struct Needs {
  std::vector<std::int64_t> node, type, quantity, group;
  std::vector<double> weight, deadline;
  NeedRows rows() const { return {node, type, quantity, weight, deadline, group}; }
};
struct Supplies {
  std::vector<std::int64_t> node, quantity, type_first, type;
  SupplyRows rows() const { return {node, quantity, type_first, type}; }
};

}  // namespace

TEST_CASE("allocate: scarce stock goes to the higher priority; the rest is reported with its reason") {
  RoadNetwork net = line(10);
  // One depot at node 0 with 5 water (type 0); no food (type 1) anywhere.
  Supplies s{{0}, {5}, {}, {0}};
  // Need 0: school at node 3 wants 4 water (w 3); need 1: residential at node 1 wants 4 water (w 1);
  // need 2: food at node 2; need 3: water at node 9 with a 5-minute deadline (9 min away).
  Needs d{{3, 1, 2, 9}, {0, 0, 1, 0}, {4, 4, 2, 1}, {}, {3, 1, 1, 1}, {1800, 1800, 1800, 300}};
  const MatchResult r = allocate(net, s.rows(), d.rows());
  CHECK(r.served == std::vector<std::int64_t>{4, 1, 0, 0});
  CHECK(r.unmet == std::vector<std::int64_t>{0, 3, 2, 1});
  CHECK(r.reason[0] == UnmetReason::NONE);
  CHECK(r.reason[1] == UnmetReason::HIGHER_PRIORITY);
  CHECK(r.reason[2] == UnmetReason::NO_STOCK);
  CHECK(r.reason[3] == UnmetReason::UNREACHABLE);
  CHECK(r.worst_time == 180.0);
  CHECK(r.weighted_time == 3 * 180.0 * 4 + 1 * 60.0 * 1);
  // Routes follow the line.
  REQUIRE(r.route_first.size() == r.supply.size() + 1);
  for (std::size_t k = 0; k < r.supply.size(); ++k) {
    std::vector<std::int32_t> p(r.route_node.begin() + r.route_first[k], r.route_node.begin() + r.route_first[k + 1]);
    std::vector<std::int32_t> want;
    for (std::int32_t v = 0; v <= static_cast<std::int32_t>(d.node[static_cast<std::size_t>(r.need[k])]); ++v) want.push_back(v);
    CHECK(p == want);
  }
}

TEST_CASE("allocate: closing a road turns 'served' into 'cut off by damage', and undo brings it back") {
  RoadNetwork net = line(6);
  Supplies s{{0}, {10}, {}, {0}};
  Needs d{{5}, {0}, {3}, {}, {2}, {1800}};
  CHECK(allocate(net, s.rows(), d.rows()).served[0] == 3);
  const std::vector<std::int64_t> e2{2};
  net.close_edges(e2);
  const MatchResult cut = allocate(net, s.rows(), d.rows());
  CHECK(cut.unmet[0] == 3);
  CHECK(cut.reason[0] == UnmetReason::CUT_OFF);
  net.undo();
  net.slow_edges(e2, 40.0);  // 40 min on one edge: reachable, but not within 30 minutes
  CHECK(allocate(net, s.rows(), d.rows()).reason[0] == UnmetReason::CUT_OFF);
  net.restore();
  d.deadline = {200};  // too far even undamaged
  CHECK(allocate(net, s.rows(), d.rows()).reason[0] == UnmetReason::UNREACHABLE);
  d.node = {-1};
  CHECK(allocate(net, s.rows(), d.rows()).reason[0] == UnmetReason::OFF_NETWORK);
}

TEST_CASE("allocate: teams serve any one of their skills, one unit each") {
  RoadNetwork net = line(5);
  // Team 0 at node 0: skills {medic(2), rescue(3)}; team 1 at node 4: {rescue}.
  Supplies s{{0, 4}, {1, 1}, {0, 2, 3}, {2, 3, 3}};
  Needs d{{1, 2}, {2, 3}, {1, 1}, {}, {5, 5}, {1800, 1800}};
  const MatchResult r = allocate(net, s.rows(), d.rows());
  CHECK(r.served == std::vector<std::int64_t>{1, 1});
  std::map<int, int> by_need;
  for (std::size_t k = 0; k < r.supply.size(); ++k) by_need[r.need[k]] = r.supply[k];
  CHECK(by_need[0] == 0);  // the only medic
  CHECK(by_need[1] == 1);  // rescue from the other team
}

TEST_CASE("allocate: random instances keep stock, deadlines and balances; damage never improves the objective") {
  std::mt19937_64 rng(17);
  for (int it = 0; it < 25; ++it) {
    const int n = 300;
    std::vector<std::int64_t> from, to;
    std::vector<double> t;
    std::uniform_int_distribution<int> node(0, n - 1);
    for (int e = 0; e < 4 * n; ++e) {
      from.push_back(node(rng));
      to.push_back(node(rng));
      t.push_back(30.0 + static_cast<double>(rng() % 300));
    }
    RoadNetwork net(n, from, to, t);
    Supplies s;
    for (int i = 0; i < 12; ++i) {
      s.node.push_back(node(rng));
      s.quantity.push_back(static_cast<std::int64_t>(rng() % 40));
      s.type.push_back(static_cast<std::int64_t>(rng() % 3));
    }
    Needs d;
    for (int j = 0; j < 60; ++j) {
      d.node.push_back(node(rng));
      d.type.push_back(static_cast<std::int64_t>(rng() % 3));
      d.quantity.push_back(static_cast<std::int64_t>(rng() % 15));
      d.weight.push_back(1.0 + static_cast<double>(rng() % 4));
      d.deadline.push_back(j % 7 == 0 ? RoadNetwork::kClosed : 600.0 + static_cast<double>(rng() % 1800));
      d.group.push_back(j % 5);
    }
    AllocateOptions opt;
    opt.threads = 1 + static_cast<unsigned>(it % 2);
    const MatchResult before = allocate(net, s.rows(), d.rows(), opt);
    std::vector<std::int64_t> used(s.node.size(), 0);
    for (std::size_t k = 0; k < before.supply.size(); ++k) {
      used[static_cast<std::size_t>(before.supply[k])] += before.quantity[k];
      const auto j = static_cast<std::size_t>(before.need[k]);
      CHECK(before.time_s[k] <= d.deadline[j]);
      CHECK(s.type[static_cast<std::size_t>(before.supply[k])] == d.type[j]);
      const auto p = net.shortest_paths(s.node[static_cast<std::size_t>(before.supply[k])]).time_s;
      CHECK(p[static_cast<std::size_t>(d.node[j])] == before.time_s[k]);
    }
    for (std::size_t i = 0; i < used.size(); ++i) CHECK(used[i] <= s.quantity[i]);
    for (std::size_t j = 0; j < d.node.size(); ++j) {
      CHECK(before.served[j] + before.unmet[j] == d.quantity[j]);
      CHECK((before.unmet[j] > 0) == (before.reason[j] != UnmetReason::NONE));
    }
    // Fairness: the min share never drops, and its price is never negative.
    AllocateOptions fair = opt;
    fair.fairness = true;
    const MatchResult f = allocate(net, s.rows(), d.rows(), fair);
    CHECK(f.min_share >= f.min_share_unfair - 1e-12);
    CHECK(f.objective >= before.objective - 1e-6);
    CHECK(f.min_share_unfair == doctest::Approx(f.min_share_unfair));
    // Damage.
    std::vector<std::int64_t> closed;
    for (std::int64_t e = 0; e < static_cast<std::int64_t>(from.size()); ++e)
      if (rng() % 8 == 0) closed.push_back(e);
    net.close_edges(closed);
    const MatchResult after = allocate(net, s.rows(), d.rows(), opt);
    CHECK(after.objective >= before.objective - 1e-6);
    for (std::size_t j = 0; j < d.node.size(); ++j)
      if (after.reason[j] == UnmetReason::CUT_OFF) CHECK(before.reason[j] != UnmetReason::UNREACHABLE);
  }
}

TEST_CASE("allocate: bad input names the field, row and value") {
  RoadNetwork net = line(3);
  Supplies s{{0}, {5}, {}, {0}};
  Needs d{{1}, {0}, {1}, {}, {1}, {60}};
  Supplies bad_s = s;
  bad_s.quantity = {-2};
  CHECK_THROWS_WITH_AS(allocate(net, bad_s.rows(), d.rows()), doctest::Contains("supply.quantity[0] = -2"), InvalidInput);
  Needs bad_d = d;
  bad_d.node = {7};
  CHECK_THROWS_WITH_AS(allocate(net, s.rows(), bad_d.rows()), doctest::Contains("need.node[0] = 7"), InvalidInput);
  bad_d = d;
  bad_d.weight = {0.0};
  CHECK_THROWS_WITH_AS(allocate(net, s.rows(), bad_d.rows()), doctest::Contains("need.weight[0] = 0"), InvalidInput);
  bad_d = d;
  bad_d.deadline = {std::nan("")};
  CHECK_THROWS_WITH_AS(allocate(net, s.rows(), bad_d.rows()), doctest::Contains("need.deadline_s[0] = nan"), InvalidInput);
  AllocateOptions fair;
  fair.fairness = true;
  CHECK_THROWS_WITH_AS(allocate(net, s.rows(), d.rows(), fair), doctest::Contains("need.group"), InvalidInput);
}
