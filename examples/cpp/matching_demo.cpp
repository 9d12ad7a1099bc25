// Need-to-resource matching from C++ (paired with examples/python/matching.py):
// a small grid town, a flooded block, two depots and a rescue team, needs
// with priorities and deadlines; prints the allocations, their routes and
// what could not be met, with the reason.
#include <cstdio>
#include <vector>

#include <crisiskit/match/allocate.hpp>

using namespace crisiskit::match;

int main() {
  // 6 × 6 intersections 200 m apart; streets at 30 km/h (24 s per block).
  const int side = 6;
  std::vector<std::int64_t> from, to;
  std::vector<double> time_s, lon, lat;
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) {
      lon.push_back(116.40 + 0.00235 * x);
      lat.push_back(39.90 + 0.0018 * y);
      const int v = y * side + x;
      if (x + 1 < side) { from.push_back(v); to.push_back(v + 1); time_s.push_back(24.0); }
      if (y + 1 < side) { from.push_back(v); to.push_back(v + side); time_s.push_back(24.0); }
    }
  RoadNetwork net(side * side, from, to, time_s, {}, lon, lat);

  // A flooded block around intersection (3, 3): every street touching it closes.
  const std::vector<double> zx{116.4065, 116.4075, 116.4075, 116.4065}, zy{39.9050, 39.9050, 39.9058, 39.9058};
  std::printf("flood closes %zu street segments\n", net.close_polygon(zx, zy).size());

  // Types: 0 water, 1 medical kits, 2 rescue (a team skill).
  // Supply rows: depot A (node 0) water 100 + medical 10; depot B (node 35) water 40; team at node 5 (rescue).
  const std::vector<std::int64_t> s_node{0, 0, 35, 5}, s_qty{100, 10, 40, 1}, s_type{0, 1, 0, 2};
  // Needs: nursing home (node 20) water 60 + medical 8; school (node 14) water 70;
  // residents (node 33) water 30; one rescue team for people trapped at node 21,
  // the flooded intersection (3, 3) itself.
  const std::vector<std::int64_t> d_node{20, 20, 14, 33, 21}, d_type{0, 1, 0, 0, 2}, d_qty{60, 8, 70, 30, 1};
  const std::vector<double> weight{8, 8, 6, 2, 10}, deadline{1800, 1800, 1800, 1800, 1800};
  const MatchResult r = allocate(net, SupplyRows{s_node, s_qty, {}, s_type},
                                 NeedRows{d_node, d_type, d_qty, weight, deadline, {}});
  for (std::size_t k = 0; k < r.supply.size(); ++k) {
    std::printf("supply row %d -> need %d: %lld units, %.0f s, route", r.supply[k], r.need[k],
                static_cast<long long>(r.quantity[k]), r.time_s[k]);
    for (auto i = r.route_first[k]; i < r.route_first[k + 1]; ++i) std::printf(" %d", r.route_node[static_cast<std::size_t>(i)]);
    std::printf("\n");
  }
  for (std::size_t d = 0; d < r.unmet.size(); ++d)
    if (r.unmet[d] > 0)
      std::printf("need %zu: %lld unmet (%s)\n", d, static_cast<long long>(r.unmet[d]), to_string(r.reason[d]));
  std::printf("total travel %.0f unit-seconds, worst %.0f s\n", r.total_time, r.worst_time);
}
