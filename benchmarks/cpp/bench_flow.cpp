// Timings of crisiskit::match::min_cost_flow (primal network simplex) against
// LEMON 1.3 NetworkSimplex (BLOCK_SEARCH pivot, its default) and CostScaling
// (PARTIAL_AUGMENT, α = 16, its default), and, on small instances only,
// Boost Graph's successive_shortest_path_nonnegative_weights. All solvers get
// the same instance; every solver's optimal total cost must agree, otherwise
// the program exits with status 1. Prints a markdown table; asserts nothing
// about time.
//
//   build/default/benchmarks/bench_flow [--sizes 4096,16384,65536,262144] [--repeat 3]
//       [--seed 1] [--solvers ours,ns,cs,boost] [--boost-max-n 4096] [--budget 20]
//       [--min-cap 1000] [--max-cap 5000]
//
// What is timed:
//   * ours: the whole min_cost_flow(...) call, i.e. validation of the input and
//     copying the caller's int64 arrays into the solver's own arrays, then the
//     solve, then copying out flow and potentials. (The copy-in part alone is
//     also measured and printed under the table.)
//   * LEMON: only run(). The SmartDigraph, the arc/node maps and the solver
//     object (constructor + upperMap/costMap/supplyMap, which copy the data
//     into LEMON's internal arrays) are built outside the timed region; that
//     setup time is printed under the table too.
//   * Boost SSP: only the solver call, on a prebuilt adjacency_list with a
//     super source/sink (it resets residual capacities itself).
// Each figure is the best of --repeat runs: fewer if a solver's runs at one
// size already took more than --budget seconds in total, more (up to
// 20 × --repeat) while they took less than 0.25 s in total, since the first
// few ms of a fast solve are noisy on this machine. The runs column says how
// many were done.
//
// Instances: NETGEN-*style* generator written here, following the design of
// NETGEN (Klingman, Napier & Stutz 1974) as used for the DIMACS "netgen-8"
// family; it is NOT the original NETGEN code and does not reproduce NETGEN's
// instances bit for bit. See netgen_style() for the exact recipe.
#include <crisiskit/match/min_cost_flow.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <memory>
#include <string>
#include <vector>

// LEMON header-only use: define INVALID in this translation unit instead of
// linking liblemon.
#ifndef LEMON_ONLY_TEMPLATES
#define LEMON_ONLY_TEMPLATES
#endif
#include <lemon/cost_scaling.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/successive_shortest_path_nonnegative_weights.hpp>
// After the line above: find_flow_cost.hpp does not include what it uses.
#include <boost/graph/find_flow_cost.hpp>

#include "best_seconds.hpp"
#include "bench_util.hpp"

namespace {
template <class T>
struct Tag {  // names a solver type for a generic lambda (std::type_identity is C++20)
  using type = T;
};
}  // namespace

namespace {
using crisiskit::bench::best_seconds;
using crisiskit::bench::parse_list;
using crisiskit::bench::Rng;
using crisiskit::match::kInfiniteCapacity;
using i64 = std::int64_t;

// ---------------------------------------------------------------------------
// NETGEN-style generator (own code; NOT the original NETGEN program).
//
// Parameters follow the DIMACS netgen-8 family: n nodes, m = 8n arcs,
// round(√n) pure sources (nodes 0..S−1, no arc enters them) and round(√n)
// pure sinks (nodes n−T..n−1, no arc leaves them), total supply 1000·√n,
// costs uniform in [1, 10000], capacities uniform in [min_cap, max_cap].
//
//  1. Supply (as NETGEN's create_supply): with q = total / S, each source i
//     keeps a random part p ∈ [1, q] and gives q − p to a random source; the
//     remainder total mod S goes to a random source.
//  2. Skeleton chains (as NETGEN): the transshipment nodes, in random order,
//     are each appended to the chain of a random source, so source s gets a
//     path s → t₁ → t₂ → … . Chain arcs have capacity max(supply(s), U[cap])
//     — or no bound at all for a share (25 %) of skeleton arcs — so they can
//     carry all of the source's supply.
//  3. Skeleton sink arcs: every sink is given to a random source, and every
//     source also picks 0–2 further random sinks (at least one in all). A
//     source's supply is split at random cut points among its sinks; for each
//     (source, sink, portion) an arc goes from a random node of the source's
//     chain to the sink with capacity max(portion, U[cap]) (or unbounded, same
//     25 % share), and the sink's demand grows by the portion. The skeleton
//     alone therefore carries a feasible flow: every instance is feasible.
//  4. Random arcs up to m: tail uniform over non-sinks, head uniform over
//     non-sources, tail ≠ head; cost U[1, 10000], capacity U[min_cap, max_cap].
//  5. The arc list is shuffled, so no solver profits from generation order
//     (LEMON NetworkSimplex additionally mixes arcs itself, its default).
// All skeleton costs are uniform too (NETGEN's "hicost" share = 0 %).
// Random numbers: bench::Rng (std::mt19937_64, ranges by modulo) seeded from
// (seed, n), so instances are the same on every platform.
// ---------------------------------------------------------------------------
struct Instance {
  i64 n = 0;
  std::vector<i64> tail, head, cap, cost, supply;
  i64 sources = 0, sinks = 0, total_supply = 0, skeleton_arcs = 0, uncapacitated = 0;
};

Instance netgen_style(i64 n, std::uint64_t seed, i64 min_cap, i64 max_cap) {
  constexpr i64 kMinCost = 1, kMaxCost = 10000;
  constexpr double kSkeletonUncapacitated = 0.25;
  Rng rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(n));
  Instance I;
  I.n = n;
  const i64 S = std::max<i64>(1, std::llround(std::sqrt(static_cast<double>(n))));
  const i64 T = S;
  const i64 m = 8 * n;
  I.sources = S, I.sinks = T;
  I.total_supply = 1000 * S;
  I.supply.assign(static_cast<std::size_t>(n), 0);
  auto& B = I.supply;
  I.tail.reserve(static_cast<std::size_t>(m)), I.head.reserve(static_cast<std::size_t>(m));
  I.cap.reserve(static_cast<std::size_t>(m)), I.cost.reserve(static_cast<std::size_t>(m));
  auto add = [&](i64 t, i64 h, i64 u) {
    I.tail.push_back(t), I.head.push_back(h), I.cap.push_back(u), I.cost.push_back(rng.range(kMinCost, kMaxCost));
  };
  auto skeleton_cap = [&](i64 need) {
    if (rng.unit() < kSkeletonUncapacitated) {
      ++I.uncapacitated;
      return kInfiniteCapacity;
    }
    return std::max(need, rng.range(min_cap, max_cap));
  };

  // 1. Supply among the sources.
  const i64 q = I.total_supply / S;
  for (i64 i = 0; i < S; ++i) {
    const i64 p = rng.range(1, q);
    B[static_cast<std::size_t>(i)] += p;
    B[static_cast<std::size_t>(rng.range(0, S - 1))] += q - p;
  }
  B[static_cast<std::size_t>(rng.range(0, S - 1))] += I.total_supply % S;

  // 2. Chains through the transshipment nodes.
  std::vector<std::vector<i64>> chain(static_cast<std::size_t>(S));
  for (i64 s = 0; s < S; ++s) chain[static_cast<std::size_t>(s)].push_back(s);
  std::vector<i64> trans(static_cast<std::size_t>(n - S - T));
  std::iota(trans.begin(), trans.end(), S);
  rng.shuffle(trans);
  for (i64 t : trans) {
    auto& c = chain[static_cast<std::size_t>(rng.range(0, S - 1))];
    add(c.back(), t, skeleton_cap(B[static_cast<std::size_t>(c.front())]));
    c.push_back(t);
  }

  // 3. Sinks per source, and the arcs that deliver each source's supply.
  std::vector<std::vector<i64>> sinks_of(static_cast<std::size_t>(S));
  for (i64 j = n - T; j < n; ++j) sinks_of[static_cast<std::size_t>(rng.range(0, S - 1))].push_back(j);
  for (i64 s = 0; s < S; ++s) {
    auto& ks = sinks_of[static_cast<std::size_t>(s)];
    const i64 extra = std::max<i64>(rng.range(0, 2), ks.empty() ? 1 : 0);
    for (i64 k = 0; k < extra; ++k) {
      const i64 j = rng.range(n - T, n - 1);
      if (std::find(ks.begin(), ks.end(), j) == ks.end()) ks.push_back(j);
    }
    const i64 b = B[static_cast<std::size_t>(s)];
    std::vector<i64> cut;
    cut.push_back(0);
    for (std::size_t k = 1; k < ks.size(); ++k) cut.push_back(rng.range(0, b));
    cut.push_back(b);
    std::sort(cut.begin(), cut.end());
    const auto& c = chain[static_cast<std::size_t>(s)];
    for (std::size_t k = 0; k < ks.size(); ++k) {
      const i64 portion = cut[k + 1] - cut[k];
      add(c[static_cast<std::size_t>(rng.range(0, static_cast<i64>(c.size()) - 1))], ks[k], skeleton_cap(portion));
      B[static_cast<std::size_t>(ks[k])] -= portion;
    }
  }
  I.skeleton_arcs = static_cast<i64>(I.tail.size());

  // 4. Random arcs up to m.
  while (static_cast<i64>(I.tail.size()) < m) {
    const i64 t = rng.range(0, n - T - 1), h = rng.range(S, n - 1);
    if (t != h) add(t, h, rng.range(min_cap, max_cap));
  }

  // 5. Shuffle the arc order.
  std::vector<std::size_t> perm(static_cast<std::size_t>(m));
  std::iota(perm.begin(), perm.end(), std::size_t{0});
  rng.shuffle(perm);
  auto apply = [&](std::vector<i64>& v) {
    std::vector<i64> w(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) w[i] = v[perm[i]];
    v.swap(w);
  };
  apply(I.tail), apply(I.head), apply(I.cap), apply(I.cost);
  return I;
}

// Independent check of our result: bounds, conservation and Σ c·x.
bool check_flow(const Instance& I, const crisiskit::match::FlowResult& r, std::string& why) {
  const std::size_t m = I.tail.size();
  if (r.flow.size() != m) return why = "flow has the wrong length", false;
  std::vector<i64> net(static_cast<std::size_t>(I.n), 0);
  __int128 c = 0;
  for (std::size_t e = 0; e < m; ++e) {
    const i64 x = r.flow[e];
    if (x < 0 || (I.cap[e] != kInfiniteCapacity && x > I.cap[e])) return why = "flow outside [0, cap] on arc " + std::to_string(e), false;
    net[static_cast<std::size_t>(I.tail[e])] += x;
    net[static_cast<std::size_t>(I.head[e])] -= x;
    c += static_cast<__int128>(x) * I.cost[e];
  }
  for (std::size_t v = 0; v < net.size(); ++v)
    if (net[v] != I.supply[v]) return why = "conservation fails at node " + std::to_string(v), false;
  if (c != r.cost) return why = "reported cost differs from Σ c·x", false;
  return true;
}

// Best time of `reps` runs of f, with two adjustments: stop early once
// `budget` seconds were spent (the largest sizes), and keep going while less
// than kMinSpent seconds were spent (at most 20·reps runs), so that a solve of
// a few ms is not measured while the CPU is still ramping up.
constexpr double kMinSpent = 0.25;
template <class F>
double best_within(int reps, double budget, int& runs, F&& f) {
  double best = 1e300, spent = 0;
  runs = 0;
  while (runs == 0 || (runs < reps && spent < budget) || (spent < kMinSpent && runs < 20 * reps)) {
    const double t = best_seconds(1, f);
    best = std::min(best, t), spent += t, ++runs;
  }
  return best;
}

struct Row {
  i64 n = 0, m = 0, pivots = -1;
  double ours = -1, ns = -1, cs = -1, boost = -1;
  int runs_ours = 0, runs_ns = 0, runs_cs = 0, runs_boost = 0;
  double ours_copy_in = -1, lemon_ns_setup = -1, lemon_cs_setup = -1;
};

std::string fmt_s(double t) {
  if (t < 0) return "–";
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", t);
  return b;
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<i64> sizes{4096, 16384, 65536, 262144};
  int reps = 3;
  std::uint64_t seed = 1;
  i64 boost_max_n = 4096, min_cap = 1000, max_cap = 5000;
  double budget = 20;
  bool run_ours = true, run_ns = true, run_cs = true, run_boost = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--sizes" && v) sizes = parse_list(v), ++i;
    else if (a == "--repeat" && v) reps = std::max(1, std::atoi(v)), ++i;
    else if (a == "--seed" && v) seed = std::strtoull(v, nullptr, 10), ++i;
    else if (a == "--boost-max-n" && v) boost_max_n = std::strtoll(v, nullptr, 10), ++i;
    else if (a == "--budget" && v) budget = std::atof(v), ++i;
    else if (a == "--min-cap" && v) min_cap = std::strtoll(v, nullptr, 10), ++i;
    else if (a == "--max-cap" && v) max_cap = std::strtoll(v, nullptr, 10), ++i;
    else if (a == "--solvers" && v) {
      const std::string s = std::string(",") + v + ",";
      run_ours = s.find(",ours,") != std::string::npos, run_ns = s.find(",ns,") != std::string::npos;
      run_cs = s.find(",cs,") != std::string::npos, run_boost = s.find(",boost,") != std::string::npos;
      ++i;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--sizes N,N,...] [--repeat R] [--seed S] [--solvers ours,ns,cs,boost]\n"
                   "          [--boost-max-n N] [--budget SECONDS] [--min-cap U] [--max-cap U]\n",
                   argv[0]);
      return 2;
    }
  }
  for (i64 n : sizes)
    if (n < 16) {
      std::fprintf(stderr, "sizes must be >= 16\n");
      return 2;
    }
  if (min_cap < 1 || max_cap < min_cap) {
    std::fprintf(stderr, "need 1 <= min-cap <= max-cap\n");
    return 2;
  }

  std::printf("NETGEN-style instances (own generator, not the original NETGEN): m = 8n, round(sqrt n) sources and sinks,\n"
              "supply 1000*round(sqrt n), cost U[1,10000], capacity U[%lld,%lld], 25%% of skeleton arcs uncapacitated; seed %llu.\n"
              "Best of %d runs (fewer once a solver spent > %.0f s at a size, more while it spent < %.2f s).\n"
              "Boost SSP only for n <= %lld (successive shortest paths is far too slow beyond).\n\n",
              static_cast<long long>(min_cap), static_cast<long long>(max_cap), static_cast<unsigned long long>(seed), reps,
              budget, kMinSpent, static_cast<long long>(boost_max_n));
  std::fflush(stdout);

  std::vector<Row> rows;
  bool all_agree = true;
  for (const i64 n : sizes) {
    const Instance I = netgen_style(n, seed, min_cap, max_cap);
    Row row;
    row.n = n;
    row.m = static_cast<i64>(I.tail.size());
    std::fprintf(stderr, "n = %lld: %lld arcs (%lld skeleton, %lld uncapacitated), %lld sources, %lld sinks, supply %lld\n",
                 static_cast<long long>(n), static_cast<long long>(row.m), static_cast<long long>(I.skeleton_arcs),
                 static_cast<long long>(I.uncapacitated), static_cast<long long>(I.sources), static_cast<long long>(I.sinks),
                 static_cast<long long>(I.total_supply));
    std::vector<std::pair<const char*, long long>> costs;

    if (run_ours) {
      crisiskit::match::FlowResult r;
      row.ours = best_within(reps, budget, row.runs_ours,
                             [&] { r = crisiskit::match::min_cost_flow(n, I.tail, I.head, I.cap, I.cost, I.supply); });
      // The copy-in/validation part of that call alone (detail API; benchmark only).
      row.ours_copy_in = best_seconds(1, [&] {
        crisiskit::match::detail::NetworkSimplex s(n, I.tail, I.head, I.cap, I.cost, I.supply);
        (void)s;
      });
      row.pivots = r.pivots;
      std::string why;
      if (r.status != crisiskit::match::FlowStatus::OPTIMAL) {
        std::fprintf(stderr, "  ours: status %s\n", crisiskit::match::to_string(r.status));
        all_agree = false;
      } else if (!check_flow(I, r, why)) {
        std::fprintf(stderr, "  ours: flow check failed: %s\n", why.c_str());
        all_agree = false;
      }
      costs.emplace_back("ours", r.cost);
      std::fprintf(stderr, "  ours      %.4f s, %lld pivots, cost %lld\n", row.ours, static_cast<long long>(r.pivots),
                   static_cast<long long>(r.cost));
    }

    if (run_ns || run_cs) {
      using G = lemon::SmartDigraph;
      G g;
      g.reserveNode(static_cast<int>(n));
      g.reserveArc(static_cast<int>(row.m));
      std::vector<G::Node> node(static_cast<std::size_t>(n));
      for (auto& v : node) v = g.addNode();
      G::ArcMap<i64> cap(g), cost(g);
      G::NodeMap<i64> sup(g);
      for (std::size_t e = 0; e < I.tail.size(); ++e) {
        const G::Arc a = g.addArc(node[static_cast<std::size_t>(I.tail[e])], node[static_cast<std::size_t>(I.head[e])]);
        cap[a] = I.cap[e];  // kInfiniteCapacity == INT64_MAX == LEMON's INF for int64
        cost[a] = I.cost[e];
      }
      for (std::size_t v = 0; v < node.size(); ++v) sup[node[v]] = I.supply[v];

      // One LEMON solver: set up outside the timing, time run(), record the cost.
      auto time_lemon = [&](auto tag, const char* name, double& setup, double& best, int& runs) {
        using Algo = typename decltype(tag)::type;
        std::unique_ptr<Algo> algo;
        setup = best_seconds(1, [&] {
          algo = std::make_unique<Algo>(g);
          algo->upperMap(cap).costMap(cost).supplyMap(sup);
        });
        typename Algo::ProblemType st = Algo::INFEASIBLE;
        best = best_within(reps, budget, runs, [&] { st = algo->run(); });
        if (st != Algo::OPTIMAL) {
          std::fprintf(stderr, "  %s: not optimal (%d)\n", name, static_cast<int>(st));
          all_agree = false;
        }
        costs.emplace_back(name, algo->template totalCost<long long>());
        std::fprintf(stderr, "  %-9s %.4f s, cost %lld\n", name, best, costs.back().second);
      };
      if (run_ns)
        time_lemon(Tag<lemon::NetworkSimplex<G, i64, i64>>{}, "LEMON NS", row.lemon_ns_setup, row.ns,
                   row.runs_ns);
      if (run_cs)
        time_lemon(Tag<lemon::CostScaling<G, i64, i64>>{}, "LEMON CS", row.lemon_cs_setup, row.cs,
                   row.runs_cs);
    }

    if (run_boost && n <= boost_max_n) {
      // Super source s → each source (capacity = its supply), each sink → super
      // sink t (capacity = its demand), cost 0; every instance is feasible, so
      // the min-cost maximum s–t flow is a min-cost flow of the original problem.
      // Infinite capacities become the total supply (no arc can carry more).
      using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
      using BG = boost::adjacency_list<
          boost::vecS, boost::vecS, boost::directedS, boost::no_property,
          boost::property<boost::edge_capacity_t, long,
                          boost::property<boost::edge_residual_capacity_t, long,
                                          boost::property<boost::edge_reverse_t, Traits::edge_descriptor,
                                                          boost::property<boost::edge_weight_t, long>>>>>;
      BG bg(static_cast<std::size_t>(n + 2));
      auto capm = boost::get(boost::edge_capacity, bg);
      auto revm = boost::get(boost::edge_reverse, bg);
      auto wm = boost::get(boost::edge_weight, bg);
      auto add = [&](std::size_t u, std::size_t v, long c, long w) {
        const auto e = boost::add_edge(u, v, bg).first, r = boost::add_edge(v, u, bg).first;
        capm[e] = c, capm[r] = 0, wm[e] = w, wm[r] = -w, revm[e] = r, revm[r] = e;
      };
      for (std::size_t e = 0; e < I.tail.size(); ++e)
        add(static_cast<std::size_t>(I.tail[e]), static_cast<std::size_t>(I.head[e]),
            I.cap[e] == kInfiniteCapacity ? I.total_supply : I.cap[e], I.cost[e]);
      const auto s = static_cast<std::size_t>(n), t = static_cast<std::size_t>(n + 1);
      for (std::size_t v = 0; v < static_cast<std::size_t>(n); ++v) {
        if (I.supply[v] > 0) add(s, v, I.supply[v], 0);
        if (I.supply[v] < 0) add(v, t, -I.supply[v], 0);
      }
      row.boost = best_within(reps, budget, row.runs_boost, [&] { boost::successive_shortest_path_nonnegative_weights(bg, s, t); });
      long pushed = 0;
      auto resm = boost::get(boost::edge_residual_capacity, bg);
      for (auto [it, end] = boost::out_edges(s, bg); it != end; ++it) pushed += capm[*it] - resm[*it];
      if (pushed != I.total_supply) {
        std::fprintf(stderr, "  Boost SSP: routed %ld of %lld\n", pushed, static_cast<long long>(I.total_supply));
        all_agree = false;
      }
      costs.emplace_back("Boost SSP", boost::find_flow_cost(bg));
      std::fprintf(stderr, "  Boost SSP %.4f s, cost %lld\n", row.boost, costs.back().second);
    }

    for (const auto& [name, c] : costs)
      if (c != costs.front().second) {
        std::fprintf(stderr, "COST MISMATCH at n = %lld: %s %lld vs %s %lld\n", static_cast<long long>(n), name, c,
                     costs.front().first, costs.front().second);
        all_agree = false;
      }
    if (!costs.empty())
      std::fprintf(stderr, "  optimal cost %lld: %s\n", costs.front().second,
                   all_agree ? "all solvers agree" : "DISAGREEMENT (see above)");
    rows.push_back(row);
  }

  std::printf("| n | m | ours (s) | LEMON NS (s) | LEMON CS (s) | ours ÷ min(NS, CS) | pivots (ours) | Boost SSP (s) | runs ours/NS/CS/SSP |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  for (const Row& r : rows) {
    const double peer = r.ns >= 0 && r.cs >= 0 ? std::min(r.ns, r.cs) : std::max(r.ns, r.cs);
    char ratio[32] = "–";
    if (r.ours >= 0 && peer > 0) std::snprintf(ratio, sizeof ratio, "%.2f", r.ours / peer);
    std::printf("| %lld | %lld | %s | %s | %s | %s | %s | %s | %d/%d/%d/%d |\n", static_cast<long long>(r.n),
                static_cast<long long>(r.m), fmt_s(r.ours).c_str(), fmt_s(r.ns).c_str(), fmt_s(r.cs).c_str(), ratio,
                r.pivots >= 0 ? std::to_string(r.pivots).c_str() : "–", fmt_s(r.boost).c_str(), r.runs_ours, r.runs_ns,
                r.runs_cs, r.runs_boost);
  }
  std::printf("\nours = the whole min_cost_flow() call, including validating and copying the input arrays and copying out\n"
              "flow and potentials; LEMON = run() only (graph, maps and solver set up beforehand). Set-up times, once:\n");
  for (const Row& r : rows)
    std::printf("  n = %lld: ours copy-in + validation %s s; LEMON NS ctor + maps %s s; LEMON CS ctor + maps %s s\n",
                static_cast<long long>(r.n), fmt_s(r.ours_copy_in).c_str(), fmt_s(r.lemon_ns_setup).c_str(),
                fmt_s(r.lemon_cs_setup).c_str());
  std::fflush(stdout);
  std::printf("\noptimal total costs: %s\n", all_agree ? "identical for every solver at every size" : "MISMATCH (see stderr)");
  return all_agree ? 0 : 1;
}
