#pragma once
/// \file
/// `allocate`: need-to-resource matching over a (damaged) road network.
///
/// Model. Supplies are rows (a depot's stock of one resource type, or one
/// team that can serve any of its skills) at a road node with a quantity.
/// Needs are rows at a road node asking for a quantity of one type, with a
/// priority weight w > 0 and a deadline (the longest acceptable travel time).
/// A supply row can serve a need if it offers the need's type and its node
/// reaches the need's node within the deadline on the network as it is now.
///
/// Objective (an exact min-cost flow, `min_cost_flow`):
///
///     minimise  Σ_allocations w_need · t · q   +   Σ_needs w_need · P · unmet
///
/// t = travel time in seconds, P = `unmet_penalty_s` (default 24 h), which is
/// kept above every usable travel time so serving always beats not serving.
/// With P far above city travel times, scarce stock goes to higher weights
/// first and, among equal weights, to the nearer needs. Costs are integers
/// in units of 1/scale second; scale is the finest (≤ 1000, i.e. 1 ms) that
/// keeps the flow exact, reported in `MatchResult::cost_scale`.
///
/// Fairness (optional): groups of needs (places, priority classes, …) and a
/// max-min share: the largest α such that every group gets at least
/// ⌈α · its servable need⌉, found by bisection on α (each step one
/// min-cost flow), then the cheapest allocation at that α. Needs that no
/// supply can reach in time are left out of the shares (nothing can serve
/// them). The price of fairness in travel time is reported.
///
/// Unmet need carries one reason: the input has no stock of its type; no
/// supply of its type reaches it in time even on the undamaged network;
/// closed or slowed roads cut it off (reachable in time before the damage);
/// the stock that could reach it went to higher-priority needs; or that
/// stock went to needs of equal or lower priority (nearer ones, or to meet
/// the fairness share).
///
/// Routes: for every allocation, the node sequence of a fastest path.
///
/// Thread-safety: a pure function of its inputs; it runs the searches on
/// `threads` threads. Throws InvalidInput naming the field, row and value.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/core/span.hpp"
#include "crisiskit/detail/parallel.hpp"
#include "crisiskit/match/detail/dijkstra.hpp"
#include "crisiskit/match/min_cost_flow.hpp"
#include "crisiskit/match/road_network.hpp"

namespace crisiskit::match {

/// Why (part of) a need is not met.
enum class UnmetReason : std::uint8_t {
  NONE = 0,             ///< fully met
  NO_STOCK = 1,         ///< no supply row offers the type (or all hold 0)
  UNREACHABLE = 2,      ///< no supply of the type reaches it in time, even on the undamaged network
  CUT_OFF = 3,          ///< reachable in time before the damage, not after (closed or slowed roads)
  HIGHER_PRIORITY = 4,  ///< the stock within reach went (partly) to higher-priority needs
  STOCK_EXHAUSTED = 5,  ///< the stock within reach went to needs of equal or lower priority
  OFF_NETWORK = 6,      ///< the need is not on the road network (node −1, e.g. too far to snap)
};

constexpr const char* to_string(UnmetReason r) noexcept {
  switch (r) {
    case UnmetReason::NONE: return "none";
    case UnmetReason::NO_STOCK: return "no_stock";
    case UnmetReason::UNREACHABLE: return "unreachable_in_time";
    case UnmetReason::CUT_OFF: return "cut_off_by_damage";
    case UnmetReason::HIGHER_PRIORITY: return "served_higher_priority";
    case UnmetReason::STOCK_EXHAUSTED: return "stock_exhausted";
    case UnmetReason::OFF_NETWORK: return "off_network";
  }
  return "?";
}

/// Supply rows. Row i offers types type[type_first[i] .. type_first[i+1]−1]
/// (stock: one type; a team: its skills). Node −1 = not on the network (the
/// row serves nothing).
struct SupplyRows {
  Span<const std::int64_t> node;        ///< road node or −1, shape (S,)
  Span<const std::int64_t> quantity;    ///< units ≥ 0, shape (S,)
  Span<const std::int64_t> type_first;  ///< shape (S+1,), or empty = one type per row
  Span<const std::int64_t> type;        ///< type codes ≥ 0
};

/// Need rows. Node −1 = off the network (reported as OFF_NETWORK).
struct NeedRows {
  Span<const std::int64_t> node;      ///< road node or −1, shape (D,)
  Span<const std::int64_t> type;      ///< type code ≥ 0
  Span<const std::int64_t> quantity;  ///< units ≥ 0
  Span<const double> weight;          ///< priority weight, finite > 0
  Span<const double> deadline_s;      ///< longest acceptable travel time, ≥ 0 or +inf
  Span<const std::int64_t> group;     ///< fairness group ≥ 0 per need, or empty
};

struct AllocateOptions {
  double unmet_penalty_s = 86400;  ///< P: seconds a unit of unmet need weighs (raised above every usable time)
  double horizon_s = std::numeric_limits<double>::infinity();  ///< never search farther than this
  bool fairness = false;           ///< max-min share over `NeedRows::group`
  double min_share = -1;           ///< with fairness: enforce this share (clipped to the best feasible); < 0 = maximise
  bool routes = true;              ///< reconstruct a path per allocation
  unsigned threads = 0;            ///< 0 = all cores
};

struct MatchResult {
  // Allocations (one row per supply row × need row with flow).
  std::vector<std::int32_t> supply, need;
  std::vector<std::int64_t> quantity;
  std::vector<double> time_s;
  std::vector<std::int64_t> route_first;  ///< size allocations+1 (empty when routes are off)
  std::vector<std::int32_t> route_node;
  // Per need.
  std::vector<std::int64_t> served, unmet;
  std::vector<UnmetReason> reason;
  // Totals.
  double weighted_time = 0;   ///< Σ w · t · q over allocations (seconds)
  double total_time = 0;      ///< Σ t · q (unit-seconds)
  double worst_time = 0;      ///< max t over allocations
  double objective = 0;       ///< weighted_time + Σ w · P · unmet
  double unmet_penalty_s = 0; ///< P as used
  double cost_scale = 0;      ///< cost units per second
  std::int64_t candidate_pairs = 0;  ///< supply row × need row pairs that were usable
  std::int64_t pivots = 0;
  // Wall-clock seconds per phase (for benchmarks; not part of the answer).
  double seconds_search = 0, seconds_flow = 0, seconds_reasons = 0, seconds_routes = 0;
  // Fairness (NaN when off).
  double min_share = std::numeric_limits<double>::quiet_NaN();          ///< achieved min group share
  double min_share_unfair = std::numeric_limits<double>::quiet_NaN();   ///< without the constraint
  double fairness_cost_time = std::numeric_limits<double>::quiet_NaN();  ///< total_time(fair) − total_time(unfair)
  double fairness_cost_weighted = std::numeric_limits<double>::quiet_NaN();
};

namespace detail {

struct Pair {
  std::int32_t supply, need;
  double time;
};

// The flow network: supply rows, needs, U (shortfall source), L (leftover
// sink), then one node per fairness group.
struct FlowModel {
  std::int64_t n = 0;
  // Arcs: the usable pairs, then one leftover arc per supply row and U → L,
  // then one shortfall arc per need, then U → group.
  std::vector<std::int64_t> tail, head, cap, cost, supply;
};

}  // namespace detail

/// Matches supplies to needs over `net` as it is now. See the file comment.
/// \throws InvalidInput naming the field, row and value (node out of range,
///         negative quantity, non-positive weight, NaN deadline, …).
inline MatchResult allocate(const RoadNetwork& net, const SupplyRows& sup, const NeedRows& need,
                            const AllocateOptions& opt = {}) {
  const std::size_t S = sup.node.size(), D = need.node.size();
  const std::int64_t n = net.num_nodes();
  auto same = [](std::size_t k, std::size_t want, const char* field, const char* of) {
    CRISISKIT_CHECK(k == want, field, InvalidInput::no_index, k,
                    std::string("must have one entry per ") + of + " (" + std::to_string(want) + ")");
  };
  same(sup.quantity.size(), S, "supply.quantity", "supply row");
  if (!sup.type_first.empty()) {
    same(sup.type_first.size(), S + 1, "supply.type_first", "supply row plus one");
    CRISISKIT_CHECK(sup.type_first[0] == 0, "supply.type_first", 0, sup.type_first[0], "must start at 0");
    for (std::size_t i = 0; i < S; ++i)
      CRISISKIT_CHECK(sup.type_first[i + 1] >= sup.type_first[i], "supply.type_first", static_cast<std::int64_t>(i + 1),
                      sup.type_first[i + 1], "must not decrease");
    same(sup.type.size(), static_cast<std::size_t>(sup.type_first[S]), "supply.type", "listed type");
  } else {
    same(sup.type.size(), S, "supply.type", "supply row");
  }
  same(need.type.size(), D, "need.type", "need row");
  same(need.quantity.size(), D, "need.quantity", "need row");
  same(need.weight.size(), D, "need.weight", "need row");
  same(need.deadline_s.size(), D, "need.deadline_s", "need row");
  if (opt.fairness) same(need.group.size(), D, "need.group", "need row (fairness needs groups)");
  constexpr std::int64_t kMaxQty = std::int64_t{1} << 50;
  for (std::size_t i = 0; i < S; ++i) {
    const auto row = static_cast<std::int64_t>(i);
    CRISISKIT_CHECK(sup.node[i] >= -1 && sup.node[i] < n, "supply.node", row, sup.node[i], "is not a node (or −1)");
    CRISISKIT_CHECK(sup.quantity[i] >= 0 && sup.quantity[i] <= kMaxQty, "supply.quantity", row, sup.quantity[i],
                    "must be in [0, 2^50]");
  }
  for (std::size_t k = 0; k < sup.type.size(); ++k)
    CRISISKIT_CHECK(sup.type[k] >= 0 && sup.type[k] < (std::int64_t{1} << 31), "supply.type", static_cast<std::int64_t>(k),
                    sup.type[k], "must be a type code ≥ 0");
  for (std::size_t d = 0; d < D; ++d) {
    const auto row = static_cast<std::int64_t>(d);
    CRISISKIT_CHECK(need.node[d] >= -1 && need.node[d] < n, "need.node", row, need.node[d], "is not a node (or −1)");
    CRISISKIT_CHECK(need.type[d] >= 0 && need.type[d] < (std::int64_t{1} << 31), "need.type", row, need.type[d],
                    "must be a type code ≥ 0");
    CRISISKIT_CHECK(need.quantity[d] >= 0 && need.quantity[d] <= kMaxQty, "need.quantity", row, need.quantity[d],
                    "must be in [0, 2^50]");
    CRISISKIT_CHECK(std::isfinite(need.weight[d]) && need.weight[d] > 0 && need.weight[d] <= 1e6, "need.weight", row,
                    need.weight[d], "must be a finite priority weight in (0, 1e6]");
    CRISISKIT_CHECK(need.deadline_s[d] >= 0, "need.deadline_s", row, need.deadline_s[d], "must be ≥ 0 seconds or inf");
    if (opt.fairness)
      CRISISKIT_CHECK(need.group[d] >= 0 && need.group[d] < (std::int64_t{1} << 31), "need.group", row, need.group[d],
                      "must be a group code ≥ 0");
  }
  CRISISKIT_CHECK(opt.unmet_penalty_s > 0 && std::isfinite(opt.unmet_penalty_s), "unmet_penalty_s",
                  InvalidInput::no_index, opt.unmet_penalty_s, "must be a positive number of seconds");
  CRISISKIT_CHECK(opt.horizon_s >= 0, "horizon_s", InvalidInput::no_index, opt.horizon_s, "must be ≥ 0 seconds or inf");
  CRISISKIT_CHECK(!(opt.min_share > 1) && !std::isnan(opt.min_share), "min_share", InvalidInput::no_index, opt.min_share,
                  "must be in [0, 1] (or negative to maximise)");

  auto types_of = [&](std::size_t i) {
    if (sup.type_first.empty()) return Span<const std::int64_t>(sup.type.data() + i, 1);
    const auto b = static_cast<std::size_t>(sup.type_first[i]), e = static_cast<std::size_t>(sup.type_first[i + 1]);
    return Span<const std::int64_t>(sup.type.data() + b, e - b);
  };
  auto offers = [&](std::size_t i, std::int64_t t) {
    for (std::int64_t x : types_of(i))
      if (x == t) return true;
    return false;
  };

  // Distinct supply nodes (rows with stock) and need nodes; one search per supply node.
  std::vector<std::int64_t> snodes, dnodes;
  for (std::size_t i = 0; i < S; ++i)
    if (sup.node[i] >= 0 && sup.quantity[i] > 0) snodes.push_back(sup.node[i]);
  for (std::size_t d = 0; d < D; ++d)
    if (need.node[d] >= 0 && need.quantity[d] > 0) dnodes.push_back(need.node[d]);
  auto uniq = [](std::vector<std::int64_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  uniq(snodes);
  uniq(dnodes);
  auto slot = [](const std::vector<std::int64_t>& v, std::int64_t x) {
    return static_cast<std::size_t>(std::lower_bound(v.begin(), v.end(), x) - v.begin());
  };

  // Needs per need-node slot (CSR), to expand node-level times to need rows.
  std::vector<std::int64_t> nfirst(dnodes.size() + 1, 0), nlist;
  for (std::size_t d = 0; d < D; ++d)
    if (need.node[d] >= 0 && need.quantity[d] > 0) ++nfirst[slot(dnodes, need.node[d]) + 1];
  for (std::size_t k = 0; k < dnodes.size(); ++k) nfirst[k + 1] += nfirst[k];
  nlist.resize(static_cast<std::size_t>(nfirst.back()));
  {
    std::vector<std::int64_t> pos(nfirst.begin(), nfirst.end() - 1);
    for (std::size_t d = 0; d < D; ++d)
      if (need.node[d] >= 0 && need.quantity[d] > 0)
        nlist[static_cast<std::size_t>(pos[slot(dnodes, need.node[d])]++)] = static_cast<std::int64_t>(d);
  }
  // Usable pairs from node-to-node times.
  auto pairs_from = [&](const TravelTimes& tt, std::vector<detail::Pair>& out) {
    for (std::size_t i = 0; i < S; ++i) {
      if (sup.node[i] < 0 || sup.quantity[i] == 0) continue;
      const std::size_t s = slot(snodes, sup.node[i]);
      for (auto k = tt.first[s]; k < tt.first[s + 1]; ++k) {
        const auto ds = static_cast<std::size_t>(tt.target[static_cast<std::size_t>(k)]);
        const double t = tt.time_s[static_cast<std::size_t>(k)];
        for (auto j = nfirst[ds]; j < nfirst[ds + 1]; ++j) {
          const auto d = static_cast<std::size_t>(nlist[static_cast<std::size_t>(j)]);
          if (t <= need.deadline_s[d] && t <= opt.horizon_s && offers(i, need.type[d]))
            out.push_back({static_cast<std::int32_t>(i), static_cast<std::int32_t>(d), t});
        }
      }
    }
  };
  // Each supply node searches only as far as the deadlines of the needs its
  // rows can serve (a team with 30-minute jobs does not search 2 hours).
  std::vector<double> slimit(snodes.size(), 0.0);
  {
    std::vector<std::pair<std::int64_t, double>> type_deadline;  // (type, longest deadline)
    for (std::size_t d = 0; d < D; ++d)
      if (need.node[d] >= 0 && need.quantity[d] > 0) type_deadline.emplace_back(need.type[d], need.deadline_s[d]);
    std::sort(type_deadline.begin(), type_deadline.end());
    for (std::size_t i = 0; i < S; ++i) {
      if (sup.node[i] < 0 || sup.quantity[i] == 0) continue;
      double& lim = slimit[slot(snodes, sup.node[i])];
      for (std::int64_t t : types_of(i)) {
        auto it = std::upper_bound(type_deadline.begin(), type_deadline.end(),
                                   std::pair<std::int64_t, double>(t, std::numeric_limits<double>::infinity()));
        if (it != type_deadline.begin() && std::prev(it)->first == t) lim = std::max(lim, std::prev(it)->second);
      }
    }
    for (double& lim : slimit) lim = std::min(lim, opt.horizon_s);
  }
  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  auto t0 = Clock::now();
  std::vector<detail::Pair> pairs;
  pairs_from(net.many_to_many(snodes, dnodes, Span<const double>(slimit), false, opt.threads), pairs);

  MatchResult r;
  r.seconds_search = since(t0);
  t0 = Clock::now();
  r.candidate_pairs = static_cast<std::int64_t>(pairs.size());
  double max_t = 0, max_w = 0;
  for (const auto& p : pairs) max_t = std::max(max_t, p.time);
  for (std::size_t d = 0; d < D; ++d) max_w = std::max(max_w, need.weight[d]);
  // Serving must always beat not serving: P above every usable time.
  const double P = std::max(opt.unmet_penalty_s, 2 * max_t + 1);
  r.unmet_penalty_s = P;
  // Exact integer costs: |cost| ≤ 2^40 / (nodes + 1) is min_cost_flow's limit.
  std::int64_t groups = 0;
  if (opt.fairness)
    for (std::size_t d = 0; d < D; ++d) groups = std::max(groups, need.group[d] + 1);
  const auto flow_nodes = static_cast<std::int64_t>(S + D + 2) + groups;
  const double cost_limit = std::ldexp(1.0, 40) / static_cast<double>(flow_nodes + 1);
  const double scale = std::min(1000.0, cost_limit / (std::max(max_w, 1e-300) * P * 1.000001));
  r.cost_scale = scale;

  // Which needs have any usable pair (fairness shares count only these).
  std::vector<std::uint8_t> has_pair(D, 0);
  for (const auto& p : pairs) has_pair[static_cast<std::size_t>(p.need)] = 1;

  const auto U = static_cast<std::int64_t>(S + D), L = U + 1;
  std::int64_t total_supply = 0, total_need = 0;
  for (std::size_t i = 0; i < S; ++i) total_supply += sup.quantity[i];
  for (std::size_t d = 0; d < D; ++d) total_need += need.quantity[d];
  const std::size_t shortfall_arc0 = pairs.size() + S + 1;  // arc of need 0's shortfall
  std::vector<std::int64_t> servable(static_cast<std::size_t>(groups), 0);
  if (opt.fairness)
    for (std::size_t d = 0; d < D; ++d)
      if (has_pair[d]) servable[static_cast<std::size_t>(need.group[d])] += need.quantity[d];

  // Builds the flow network; with fairness, group g may leave at most cap_g
  // units of its servable need unmet.
  auto build = [&](const std::vector<std::int64_t>* group_cap) {
    detail::FlowModel m;
    m.n = flow_nodes;
    const std::size_t arcs = pairs.size() + S + 1 + D + static_cast<std::size_t>(groups);
    m.tail.reserve(arcs);
    m.head.reserve(arcs);
    m.cap.reserve(arcs);
    m.cost.reserve(arcs);
    auto arc = [&m](std::int64_t u, std::int64_t v, std::int64_t c, std::int64_t w) {
      m.tail.push_back(u);
      m.head.push_back(v);
      m.cap.push_back(c);
      m.cost.push_back(w);
    };
    for (const auto& p : pairs)
      arc(p.supply, static_cast<std::int64_t>(S) + p.need, kInfiniteCapacity,
          std::llround(need.weight[static_cast<std::size_t>(p.need)] * p.time * scale));
    for (std::size_t i = 0; i < S; ++i) arc(static_cast<std::int64_t>(i), L, kInfiniteCapacity, 0);
    arc(U, L, kInfiniteCapacity, 0);  // the shortfall not needed (need that supplies meet)
    for (std::size_t d = 0; d < D; ++d) {
      const bool grouped = group_cap && has_pair[d];
      const std::int64_t from = grouped ? L + 1 + need.group[d] : U;
      arc(from, static_cast<std::int64_t>(S + d), need.quantity[d], std::llround(need.weight[d] * P * scale));
    }
    if (group_cap)
      for (std::int64_t g = 0; g < groups; ++g) arc(U, L + 1 + g, (*group_cap)[static_cast<std::size_t>(g)], 0);
    m.supply.assign(static_cast<std::size_t>(flow_nodes), 0);
    for (std::size_t i = 0; i < S; ++i) m.supply[i] = sup.quantity[i];
    for (std::size_t d = 0; d < D; ++d) m.supply[S + d] = -need.quantity[d];
    m.supply[static_cast<std::size_t>(U)] = total_need;
    m.supply[static_cast<std::size_t>(L)] = -total_supply;
    return m;
  };
  auto solve = [&](const detail::FlowModel& m) {
    FlowResult f = min_cost_flow(m.n, m.tail, m.head, m.cap, m.cost, m.supply);
    r.pivots += f.pivots;
    return f;
  };
  auto share_of = [&](const FlowResult& f) {
    // Min over groups with servable need of served / servable.
    std::vector<std::int64_t> unmet_g(static_cast<std::size_t>(groups), 0);
    for (std::size_t d = 0; d < D; ++d)
      if (has_pair[d]) unmet_g[static_cast<std::size_t>(need.group[d])] += f.flow[shortfall_arc0 + d];
    double s = 1;
    for (std::int64_t g = 0; g < groups; ++g) {
      const auto q = servable[static_cast<std::size_t>(g)];
      if (q > 0) s = std::min(s, static_cast<double>(q - unmet_g[static_cast<std::size_t>(g)]) / static_cast<double>(q));
    }
    return s;
  };
  auto caps_for = [&](double alpha) {
    std::vector<std::int64_t> c(static_cast<std::size_t>(groups));
    for (std::size_t g = 0; g < c.size(); ++g)
      c[g] = servable[g] - static_cast<std::int64_t>(std::ceil(alpha * static_cast<double>(servable[g]) - 1e-9));
    return c;
  };
  auto totals = [&](const FlowResult& f, double& weighted, double& total) {
    weighted = total = 0;
    for (std::size_t k = 0; k < pairs.size(); ++k)
      if (f.flow[k] > 0) {
        const double q = static_cast<double>(f.flow[k]);
        weighted += need.weight[static_cast<std::size_t>(pairs[k].need)] * pairs[k].time * q;
        total += pairs[k].time * q;
      }
  };

  FlowResult flow = solve(build(nullptr));
  if (flow.status != FlowStatus::OPTIMAL)
    throw Error(std::string("allocate: internal flow model not optimal (") + to_string(flow.status) + ")");
  if (opt.fairness && groups > 0) {
    const double base_share = share_of(flow);
    double unfair_w = 0, unfair_t = 0;
    totals(flow, unfair_w, unfair_t);
    r.min_share_unfair = base_share;
    // Try the target share (1, or the one asked); if it is infeasible,
    // bisect between the unconstrained optimum's own share (always
    // feasible) and it: feasibility is monotone in α.
    double lo = base_share, hi = opt.min_share >= 0 ? std::max(base_share, opt.min_share) : 1.0;
    FlowResult best = flow;
    for (int it = 0; it < 14 && hi - lo > 1e-4; ++it) {
      const double alpha = it == 0 ? hi : (lo + hi) / 2;
      const auto caps = caps_for(alpha);
      FlowResult f = solve(build(&caps));
      if (f.status == FlowStatus::OPTIMAL) {
        lo = alpha;
        best = std::move(f);
        if (it == 0) break;
      } else {
        hi = alpha;
      }
    }
    flow = std::move(best);
    r.min_share = share_of(flow);
    double fw = 0, ft = 0;
    totals(flow, fw, ft);
    r.fairness_cost_time = ft - unfair_t;
    r.fairness_cost_weighted = fw - unfair_w;
  }

  r.seconds_flow = since(t0);
  t0 = Clock::now();
  // Allocations, per-need served/unmet.
  r.served.assign(D, 0);
  r.unmet.assign(D, 0);
  r.reason.assign(D, UnmetReason::NONE);
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    const std::int64_t q = flow.flow[k];
    if (q == 0) continue;
    const auto& p = pairs[k];
    r.supply.push_back(p.supply);
    r.need.push_back(p.need);
    r.quantity.push_back(q);
    r.time_s.push_back(p.time);
    r.served[static_cast<std::size_t>(p.need)] += q;
    r.weighted_time += need.weight[static_cast<std::size_t>(p.need)] * p.time * static_cast<double>(q);
    r.total_time += p.time * static_cast<double>(q);
    r.worst_time = std::max(r.worst_time, p.time);
  }
  r.objective = r.weighted_time;
  for (std::size_t d = 0; d < D; ++d) {
    r.unmet[d] = need.quantity[d] - r.served[d];
    r.objective += need.weight[d] * P * static_cast<double>(r.unmet[d]);
  }

  // Reasons.
  std::vector<std::uint8_t> type_stocked;
  for (std::size_t i = 0; i < S; ++i)
    if (sup.quantity[i] > 0)
      for (std::int64_t t : types_of(i)) {
        if (static_cast<std::size_t>(t) >= type_stocked.size()) type_stocked.resize(static_cast<std::size_t>(t) + 1, 0);
        type_stocked[static_cast<std::size_t>(t)] = 1;
      }
  // Highest weight served by each supply row (to tell "went to higher priority").
  std::vector<double> top_weight(S, 0);
  for (std::size_t k = 0; k < r.supply.size(); ++k) {
    auto& w = top_weight[static_cast<std::size_t>(r.supply[k])];
    w = std::max(w, need.weight[static_cast<std::size_t>(r.need[k])]);
  }
  std::vector<double> top_reach(D, 0);  // highest weight served by a supply row that could serve d
  for (const auto& p : pairs) {
    auto& w = top_reach[static_cast<std::size_t>(p.need)];
    w = std::max(w, top_weight[static_cast<std::size_t>(p.supply)]);
  }
  bool need_undamaged = false;
  for (std::size_t d = 0; d < D; ++d) {
    if (r.unmet[d] == 0) continue;
    const auto t = need.type[d];
    if (need.node[d] < 0) r.reason[d] = UnmetReason::OFF_NETWORK;
    else if (static_cast<std::size_t>(t) >= type_stocked.size() || !type_stocked[static_cast<std::size_t>(t)])
      r.reason[d] = UnmetReason::NO_STOCK;
    else if (has_pair[d])
      r.reason[d] = top_reach[d] > need.weight[d] ? UnmetReason::HIGHER_PRIORITY : UnmetReason::STOCK_EXHAUSTED;
    else {
      r.reason[d] = UnmetReason::UNREACHABLE;
      need_undamaged = true;
    }
  }
  if (need_undamaged && net.damage_steps() > 0) {
    // Was it reachable in time before the damage? One backward search per
    // need in question on the undamaged network, stopped at the first node
    // holding stock of its type: cheap, because depots are usually near.
    std::vector<std::pair<std::int64_t, std::int64_t>> stocked;  // (type, node), sorted
    for (std::size_t i = 0; i < S; ++i)
      if (sup.node[i] >= 0 && sup.quantity[i] > 0)
        for (std::int64_t t : types_of(i)) stocked.emplace_back(t, sup.node[i]);
    std::sort(stocked.begin(), stocked.end());
    std::vector<std::size_t> lost;
    std::vector<std::int64_t> lost_node;
    std::vector<double> lost_limit;
    for (std::size_t d = 0; d < D; ++d)
      if (r.reason[d] == UnmetReason::UNREACHABLE) {
        lost.push_back(d);
        lost_node.push_back(need.node[d]);
        lost_limit.push_back(std::min(need.deadline_s[d], opt.horizon_s));
      }
    const std::vector<double> before = net.time_from_nearest(
        lost_node, lost_limit,
        [&](std::size_t k, std::int32_t v) {
          return std::binary_search(stocked.begin(), stocked.end(),
                                    std::pair<std::int64_t, std::int64_t>(need.type[lost[k]], v));
        },
        true, opt.threads);
    for (std::size_t k = 0; k < lost.size(); ++k)
      if (!std::isinf(before[k])) r.reason[lost[k]] = UnmetReason::CUT_OFF;
  }

  r.seconds_reasons = since(t0);
  t0 = Clock::now();
  if (opt.routes) {
    std::vector<std::int64_t> from(r.supply.size()), to(r.supply.size());
    for (std::size_t k = 0; k < from.size(); ++k) {
      from[k] = sup.node[static_cast<std::size_t>(r.supply[k])];
      to[k] = need.node[static_cast<std::size_t>(r.need[k])];
    }
    PathList pl = net.paths(from, to, false, opt.threads);
    r.route_first = std::move(pl.first);
    r.route_node = std::move(pl.node);
  }
  r.seconds_routes = since(t0);
  return r;
}

}  // namespace crisiskit::match
