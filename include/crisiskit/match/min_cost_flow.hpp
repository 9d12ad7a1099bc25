#pragma once
/// \file
/// `min_cost_flow`: minimum-cost flow with integer capacities and costs, by
/// the primal network simplex method.
///
/// Problem: nodes 0..n−1 with supply bᵥ (positive = source, negative =
/// sink; networkx's `demand` is −b), arcs e = (tailₑ → headₑ) with capacity
/// uₑ ≥ 0 (or `kInfiniteCapacity`) and cost cₑ (any sign). Find a flow
/// 0 ≤ xₑ ≤ uₑ with Σ_out x − Σ_in x = bᵥ at every node minimising Σ cₑxₑ.
///
/// Method. The textbook primal network simplex (Ahuja, Magnanti & Orlin,
/// *Network Flows*, ch. 11) on a spanning tree kept *strongly feasible*
/// (Cunningham 1976), which rules out cycling on degenerate pivots: an
/// artificial root joined to every node by an arc of cost M (big-M start),
/// the entering arc chosen by *block search* (Grigoriadis 1986: scan √m arcs
/// from where the last scan stopped, take the most violating one), the
/// leaving arc by the last-blocking-arc rule, and tree updates that touch
/// only the subtree that moves. This is the combination that network-flow
/// studies (Király & Kovács 2012, the LEMON benchmarks) found fastest in
/// practice; successive shortest paths and cycle cancelling are far slower
/// on large instances (see benchmarks/README.md).
///
/// Results: `OPTIMAL` with an optimal flow, its cost and node potentials
/// (duals: every arc's reduced cost cₑ + πₜₐᵢₗ − πₕₑₐd is ≥ 0 when xₑ < uₑ
/// and ≤ 0 when xₑ > 0); `INFEASIBLE` when supplies do not sum to 0 or
/// cannot be routed; `UNBOUNDED` when a negative-cost cycle has infinite
/// capacity. Infeasibility is a result, not an exception.
///
/// Exactness: all arithmetic is on 64-bit integers (the total cost on 128
/// bits, then checked). Costs must satisfy |c| ≤ 2^40 / (n + 1) and finite
/// capacities and supplies ≤ 2^53, so no intermediate value can overflow.
///
/// Complexity: each pivot costs O(√m) for the search plus O(cycle + moved
/// subtree); the number of pivots is not polynomially bounded in theory but
/// is near-linear on road and NETGEN-like instances.
///
/// Thread-safety: a pure function; any number of calls may run at once.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/core/span.hpp"

namespace crisiskit::match {

/// Capacity value meaning "no upper bound".
inline constexpr std::int64_t kInfiniteCapacity = std::numeric_limits<std::int64_t>::max();

enum class FlowStatus : std::uint8_t { OPTIMAL = 0, INFEASIBLE = 1, UNBOUNDED = 2 };

constexpr const char* to_string(FlowStatus s) noexcept {
  switch (s) {
    case FlowStatus::OPTIMAL: return "optimal";
    case FlowStatus::INFEASIBLE: return "infeasible";
    case FlowStatus::UNBOUNDED: return "unbounded";
  }
  return "?";
}

struct FlowResult {
  FlowStatus status = FlowStatus::OPTIMAL;
  std::vector<std::int64_t> flow;       ///< per arc (all 0 unless OPTIMAL)
  std::int64_t cost = 0;                ///< Σ cₑxₑ (0 unless OPTIMAL)
  std::vector<std::int64_t> potential;  ///< per node, optimal duals (empty unless OPTIMAL)
  std::int64_t pivots = 0;              ///< simplex pivots done (for benchmarks)
};

namespace detail {

// The network simplex state. Nodes 0..n−1 are the caller's, n is the root;
// arcs 0..m−1 are the caller's, m + v joins node v and the root.
class NetworkSimplex {
 public:
  NetworkSimplex(std::int64_t n, Span<const std::int64_t> tail, Span<const std::int64_t> head,
                 Span<const std::int64_t> capacity, Span<const std::int64_t> cost, Span<const std::int64_t> supply) {
    validate(n, tail, head, capacity, cost, supply);
    n_ = static_cast<std::int32_t>(n);
    m_ = static_cast<std::int32_t>(tail.size());
    const std::size_t arcs = static_cast<std::size_t>(m_) + static_cast<std::size_t>(n_);
    src_.resize(arcs);
    dst_.resize(arcs);
    cap_.resize(arcs);
    cost_.resize(arcs);
    flow_.assign(arcs, 0);
    state_.assign(arcs, kLower);
    std::int64_t max_cost = 0;
    for (std::int32_t e = 0; e < m_; ++e) {
      src_[e] = static_cast<std::int32_t>(tail[e]);
      dst_[e] = static_cast<std::int32_t>(head[e]);
      cap_[e] = capacity.empty() ? kInfiniteCapacity : capacity[e];
      cost_[e] = cost[e];
      max_cost = std::max(max_cost, cost[e] < 0 ? -cost[e] : cost[e]);
    }
    // M exceeds the cost of any simple path, so no optimal solution of the
    // extended problem uses an artificial arc if the real problem is feasible.
    art_cost_ = (max_cost + 1) * (static_cast<std::int64_t>(n_) + 1);
    supply_.assign(supply.begin(), supply.end());
  }

  FlowResult run() {
    FlowResult r;
    r.flow.assign(static_cast<std::size_t>(m_), 0);
    __int128 total = 0;
    for (std::int64_t b : supply_) total += b;
    if (total != 0) {
      r.status = FlowStatus::INFEASIBLE;
      return r;
    }
    // Self-loops never enter the tree: saturate the negative ones.
    for (std::int32_t e = 0; e < m_; ++e)
      if (src_[e] == dst_[e]) {
        state_[e] = kSelf;
        if (cost_[e] < 0) {
          if (cap_[e] == kInfiniteCapacity) {
            r.status = feasible() ? FlowStatus::UNBOUNDED : FlowStatus::INFEASIBLE;
            return r;
          }
          flow_[e] = cap_[e];
        }
      }
    init_tree();
    const FlowStatus s = solve(r.pivots);
    if (s == FlowStatus::UNBOUNDED) {
      // An infeasible problem is not unbounded: report infeasibility first.
      r.status = feasible() ? FlowStatus::UNBOUNDED : FlowStatus::INFEASIBLE;
      return r;
    }
    for (std::int32_t v = 0; v < n_; ++v)
      if (flow_[static_cast<std::size_t>(m_ + v)] != 0) {
        r.status = FlowStatus::INFEASIBLE;
        return r;
      }
    __int128 c = 0;
    for (std::int32_t e = 0; e < m_; ++e) {
      r.flow[e] = flow_[e];
      c += static_cast<__int128>(flow_[e]) * cost_[e];
    }
    CRISISKIT_CHECK(c >= std::numeric_limits<std::int64_t>::min() && c <= std::numeric_limits<std::int64_t>::max(),
                    "cost", InvalidInput::no_index, "Σ cost·flow", "total cost does not fit in 64 bits");
    r.cost = static_cast<std::int64_t>(c);
    r.potential.assign(pi_.begin(), pi_.begin() + n_);
    return r;
  }

 private:
  // Arc states: the sign that turns a reduced cost into a violation.
  static constexpr std::int8_t kLower = 1, kUpper = -1, kTree = 0, kSelf = 0;
  static constexpr std::int32_t kNone = -1;

  // Whether any flow meets the supplies: the same network with zero costs
  // (so no cycle can be negative) and infinite capacities cut to the total
  // supply, which is all a path decomposition of a feasible flow can use.
  bool feasible() const {
    std::int64_t total = 0;
    for (std::int64_t b : supply_) total += b > 0 ? b : 0;
    const std::int64_t bound = std::max<std::int64_t>(total, 1);
    const std::size_t m = static_cast<std::size_t>(m_);
    std::vector<std::int64_t> tail(m), head(m), cap(m), zero(m, 0);
    for (std::size_t e = 0; e < m; ++e) {
      tail[e] = src_[e], head[e] = dst_[e];
      cap[e] = cap_[e] == kInfiniteCapacity ? bound : std::min(cap_[e], bound);
    }
    NetworkSimplex f(n_, tail, head, cap, zero, supply_);
    return f.run().status == FlowStatus::OPTIMAL;
  }

  static void validate(std::int64_t n, Span<const std::int64_t> tail, Span<const std::int64_t> head,
                       Span<const std::int64_t> capacity, Span<const std::int64_t> cost, Span<const std::int64_t> supply) {
    constexpr std::int64_t kMaxNodes = (std::int64_t{1} << 31) - 2;
    CRISISKIT_CHECK(n >= 0 && n < kMaxNodes, "num_nodes", InvalidInput::no_index, n, "must be in [0, 2^31 − 2)");
    const std::size_t m = tail.size();
    CRISISKIT_CHECK(head.size() == m, "head", InvalidInput::no_index, head.size(),
                    "must have one entry per arc (len(tail) = " + std::to_string(m) + ")");
    CRISISKIT_CHECK(cost.size() == m, "cost", InvalidInput::no_index, cost.size(),
                    "must have one entry per arc (len(tail) = " + std::to_string(m) + ")");
    CRISISKIT_CHECK(capacity.empty() || capacity.size() == m, "capacity", InvalidInput::no_index, capacity.size(),
                    "must have one entry per arc (len(tail) = " + std::to_string(m) + ") or be empty (all infinite)");
    CRISISKIT_CHECK(supply.size() == static_cast<std::size_t>(n), "supply", InvalidInput::no_index, supply.size(),
                    "must have one entry per node (num_nodes = " + std::to_string(n) + ")");
    CRISISKIT_CHECK(m + static_cast<std::size_t>(n) < static_cast<std::size_t>(kMaxNodes), "tail",
                    InvalidInput::no_index, m, "too many arcs (at most 2^31 − 2 arcs + nodes)");
    constexpr std::int64_t kMaxValue = std::int64_t{1} << 53;
    const std::int64_t max_cost = (std::int64_t{1} << 40) / (n + 1);
    for (std::size_t e = 0; e < m; ++e) {
      const auto row = static_cast<std::int64_t>(e);
      CRISISKIT_CHECK(tail[e] >= 0 && tail[e] < n, "tail", row, tail[e], "is not a node (0 ≤ tail < num_nodes)");
      CRISISKIT_CHECK(head[e] >= 0 && head[e] < n, "head", row, head[e], "is not a node (0 ≤ head < num_nodes)");
      if (!capacity.empty())
        CRISISKIT_CHECK(capacity[e] >= 0 && (capacity[e] <= kMaxValue || capacity[e] == kInfiniteCapacity), "capacity",
                        row, capacity[e], "must be in [0, 2^53] or infinite");
      CRISISKIT_CHECK(cost[e] >= -max_cost && cost[e] <= max_cost, "cost", row, cost[e],
                      "|cost| must be ≤ 2^40 / (num_nodes + 1) so that no sum can overflow");
    }
    __int128 positive = 0;
    for (std::size_t v = 0; v < supply.size(); ++v) {
      CRISISKIT_CHECK(supply[v] >= -kMaxValue && supply[v] <= kMaxValue, "supply", static_cast<std::int64_t>(v),
                      supply[v], "|supply| must be ≤ 2^53");
      if (supply[v] > 0) positive += supply[v];
    }
    CRISISKIT_CHECK(positive <= (__int128{1} << 60), "supply", InvalidInput::no_index, "Σ positive supply",
                    "must be ≤ 2^60 so that no flow can overflow");
  }

  void init_tree() {
    const std::size_t N = static_cast<std::size_t>(n_) + 1;
    root_ = n_;
    parent_.assign(N, kNone);
    pred_.assign(N, kNone);
    up_.assign(N, 0);
    pi_.assign(N, 0);
    // Every node hangs from the root: the preorder is root, 0, 1, …, n−1.
    thread_.resize(N);
    rev_thread_.resize(N);
    for (std::size_t v = 0; v < N; ++v) {
      thread_[v] = static_cast<std::int32_t>(v + 1 == N ? root_ : v + 1);
      rev_thread_[v] = static_cast<std::int32_t>(v == 0 ? root_ : v - 1);
    }
    thread_[root_] = n_ == 0 ? root_ : 0;
    rev_thread_[root_] = n_ == 0 ? root_ : n_ - 1;
    succ_num_.assign(N, 1);
    succ_num_[root_] = n_ + 1;
    last_succ_.resize(N);
    for (std::int32_t v = 0; v < n_; ++v) last_succ_[v] = v;
    last_succ_[root_] = n_ == 0 ? root_ : n_ - 1;
    for (std::int32_t v = 0; v < n_; ++v) {
      const std::int32_t e = m_ + v;
      // Strongly feasible start: a zero-flow tree arc points towards the root.
      if (supply_[v] >= 0) {
        src_[e] = v, dst_[e] = root_, flow_[e] = supply_[v], up_[v] = 1, pi_[v] = -art_cost_;
      } else {
        src_[e] = root_, dst_[e] = v, flow_[e] = -supply_[v], up_[v] = 0, pi_[v] = art_cost_;
      }
      cap_[e] = kInfiniteCapacity;
      cost_[e] = art_cost_;
      state_[e] = kTree;
      parent_[v] = root_;
      pred_[v] = e;
    }
  }

  std::int64_t reduced(std::int32_t e) const { return cost_[e] + pi_[src_[e]] - pi_[dst_[e]]; }

  // Block search: the most violating arc of the first block that has one.
  // Branch-free: a tree arc or self-loop has state 0 and so never violates;
  // array pointers live in locals so the loop keeps them in registers (the
  // loop is half of all solve time on NETGEN instances).
  std::int32_t find_entering() {
    // Only the caller's arcs are priced. An artificial arc that has left the
    // tree stays out: with M above the cost of any simple path, re-entering
    // one never pays if the problem is feasible, and infeasibility is read
    // off the artificial flows at the end either way (LEMON does the same).
    const std::int32_t total = m_;
    if (total == 0) return kNone;
    const std::int32_t block = std::max<std::int32_t>(10, static_cast<std::int32_t>(std::sqrt(static_cast<double>(total))));
    const std::int8_t* st = state_.data();
    const std::int64_t* c = cost_.data();
    const std::int32_t* s = src_.data();
    const std::int32_t* d = dst_.data();
    const std::int64_t* pi = pi_.data();
    std::int64_t best = 0;
    std::int32_t in = kNone, left = block;
    // Blocks are counted from next_arc_ round the circle, so a block may
    // straddle the wrap; the inner loop has no per-arc block bookkeeping.
    auto scan = [&](std::int32_t from, std::int32_t to) {
      while (from < to) {
        const std::int32_t end = to - from > left ? from + left : to;
        for (std::int32_t e = from; e < end; ++e) {
          const std::int64_t v = st[e] * (c[e] + pi[s[e]] - pi[d[e]]);
          if (v < best) best = v, in = e;
        }
        left -= end - from;
        from = end;
        if (left == 0) {
          if (best < 0) {
            next_arc_ = end == total ? 0 : end;
            return true;
          }
          left = block;
        }
      }
      return false;
    };
    if (scan(next_arc_, total) || scan(0, next_arc_)) return in;
    return best < 0 ? in : kNone;
  }

  FlowStatus solve(std::int64_t& pivots) {
    std::vector<std::int32_t> path, pieces;
    for (;;) {
      const std::int32_t in = find_entering();
      if (in == kNone) return FlowStatus::OPTIMAL;
      ++pivots;
      // Push along `in` from `first` to `second`, back through the tree.
      const bool lower = state_[in] == kLower;
      const std::int32_t first = lower ? src_[in] : dst_[in];
      const std::int32_t second = lower ? dst_[in] : src_[in];
      // Apex of the cycle: a subtree is smaller than any subtree holding it,
      // so the end with the smaller one cannot be the apex yet.
      std::int32_t a = first, b = second;
      // Which end climbs is data-dependent and mispredicts about half the
      // time, so both parents are loaded and the step is chosen by cmov.
      const std::int32_t* parent = parent_.data();
      const std::int32_t* succ = succ_num_.data();
      while (a != b) {
        const bool climb_a = succ[a] < succ[b];
        const std::int32_t pa = parent[a], pb = parent[b];
        a = climb_a ? pa : a;
        b = climb_a ? b : pb;
      }
      const std::int32_t join = a;
      // Leaving arc: the last blocking arc met going round the cycle from
      // the apex (join → first, `in`, second → join), which keeps the tree
      // strongly feasible: strict on the first side, non-strict on the second.
      std::int64_t delta = cap_[in];
      std::int32_t u_out = kNone;  // node whose pred arc leaves; kNone = `in` itself
      bool out_on_first = false;
      for (std::int32_t u = first; u != join; u = parent_[u]) {
        const std::int32_t e = pred_[u];
        const std::int64_t d = up_[u] ? flow_[e] : residual_up(e);
        if (d < delta) delta = d, u_out = u, out_on_first = true;
      }
      for (std::int32_t u = second; u != join; u = parent_[u]) {
        const std::int32_t e = pred_[u];
        const std::int64_t d = up_[u] ? residual_up(e) : flow_[e];
        if (d <= delta) delta = d, u_out = u, out_on_first = false;
      }
      if (delta == kInfiniteCapacity) return FlowStatus::UNBOUNDED;
      if (delta > 0) {
        flow_[in] += lower ? delta : -delta;
        for (std::int32_t u = first; u != join; u = parent_[u]) flow_[pred_[u]] += up_[u] ? -delta : delta;
        for (std::int32_t u = second; u != join; u = parent_[u]) flow_[pred_[u]] += up_[u] ? delta : -delta;
      }
      if (u_out == kNone) {  // `in` itself is blocking: it moves to its other bound
        state_[in] = lower ? kUpper : kLower;
        continue;
      }
      const std::int32_t out = pred_[u_out];
      state_[out] = flow_[out] == 0 ? kLower : kUpper;
      state_[in] = kTree;
      // The subtree under u_out is cut off; it holds u_in, the end of `in`
      // on the blocking side. Re-hang it from u_in, below v_in.
      const std::int32_t u_in = out_on_first ? first : second;
      const std::int32_t v_in = out_on_first ? second : first;
      rehang(u_in, u_out, v_in, join, path, pieces);
      pred_[u_in] = in;
      up_[u_in] = src_[in] == u_in;
      // Potentials of the moved subtree: one contiguous run of the thread.
      const std::int64_t sigma = up_[u_in] ? (pi_[v_in] - cost_[in]) - pi_[u_in] : (pi_[v_in] + cost_[in]) - pi_[u_in];
      std::int32_t u = u_in;
      for (std::int32_t k = succ_num_[u_in]; k > 0; --k, u = thread_[u]) pi_[u] += sigma;
    }
  }

  // The tree is stored as in LEMON (Király & Kovács 2012): parent, the
  // preorder `thread_` (circular, from the root) with its inverse, and per
  // node the size of its subtree and the last node of its subtree in thread
  // order. A subtree is then one contiguous run of the thread, so a pivot
  // touches only the moved subtree (potentials), the cycle (sizes) and short
  // runs of ancestors (last nodes), with no stack and no depths to keep.
  //
  // rehang cuts the subtree S under u_out from its parent, re-roots it at
  // u_in (a node of S: the path u_in … u_out reverses) and hangs it below
  // v_in, which stays in the main tree; `join` is the apex of the cycle.
  // Pred arcs and directions along the reversed path move down one step;
  // the caller sets u_in's.
  void rehang(std::int32_t u_in, std::int32_t u_out, std::int32_t v_in, std::int32_t join,
              std::vector<std::int32_t>& path, std::vector<std::int32_t>& pieces) {
    const std::int32_t size = succ_num_[u_out];
    const std::int32_t old_last = last_succ_[u_out];
    const std::int32_t before = rev_thread_[u_out], after = thread_[old_last];
    const std::int32_t p_out = parent_[u_out];
    path.clear();  // w0 = u_in, w1, …, wk = u_out
    for (std::int32_t u = u_in; u != u_out; u = parent_[u]) path.push_back(u);
    path.push_back(u_out);
    // The re-rooted preorder of S: w0's old run, then for each j ≥ 1 wj's
    // old run without w(j−1)'s, which is [wj … before w(j−1)] followed by
    // [after last(w(j−1)) … last(wj)] (empty when both runs end together).
    // Runs are collected as (first, last) pairs before any link changes.
    pieces.clear();
    pieces.push_back(u_in);
    pieces.push_back(last_succ_[u_in]);
    for (std::size_t j = 1; j < path.size(); ++j) {
      const std::int32_t w = path[j], prev = path[j - 1];
      pieces.push_back(w);
      pieces.push_back(rev_thread_[prev]);
      if (last_succ_[prev] != last_succ_[w]) {
        pieces.push_back(thread_[last_succ_[prev]]);
        pieces.push_back(last_succ_[w]);
      }
    }
    for (std::size_t i = 2; i < pieces.size(); i += 2) link(pieces[i - 1], pieces[i]);
    const std::int32_t new_last = pieces.back();
    // Sizes and last nodes along the reversed path: wj's new subtree is S
    // without w(j−1)'s old one, and every one of them now ends the run.
    for (std::size_t j = path.size() - 1; j > 0; --j) {
      succ_num_[path[j]] = size - succ_num_[path[j - 1]];
      last_succ_[path[j]] = new_last;
    }
    succ_num_[u_in] = size;
    last_succ_[u_in] = new_last;
    for (std::size_t j = path.size() - 1; j > 0; --j) {
      const std::int32_t child = path[j - 1], node = path[j];
      parent_[node] = child;
      pred_[node] = pred_[child];
      up_[node] = !up_[child];
    }
    parent_[u_in] = v_in;
    // Cut S out of the thread. Above the apex, ancestors lose S and get it
    // back, so sizes change only strictly below it; last nodes change on the
    // run of ancestors whose subtree ended with S.
    link(before, after);
    for (std::int32_t a = p_out; a != join; a = parent_[a]) succ_num_[a] -= size;
    for (std::int32_t a = p_out; a != kNone && last_succ_[a] == old_last; a = parent_[a]) last_succ_[a] = before;
    // Splice S in right after v_in, as its first child.
    const std::int32_t next = thread_[v_in];
    link(v_in, u_in);
    link(new_last, next);
    for (std::int32_t a = v_in; a != join; a = parent_[a]) succ_num_[a] += size;
    for (std::int32_t a = v_in; a != kNone && last_succ_[a] == v_in; a = parent_[a]) last_succ_[a] = new_last;
  }

  void link(std::int32_t a, std::int32_t b) {
    thread_[a] = b;
    rev_thread_[b] = a;
  }

  std::int64_t residual_up(std::int32_t e) const {
    return cap_[e] == kInfiniteCapacity ? kInfiniteCapacity : cap_[e] - flow_[e];
  }

  std::int32_t n_ = 0, m_ = 0, root_ = 0, next_arc_ = 0;
  std::int64_t art_cost_ = 0;
  std::vector<std::int32_t> src_, dst_;
  std::vector<std::int64_t> cap_, cost_, flow_, supply_;
  std::vector<std::int8_t> state_;
  std::vector<std::int32_t> parent_, pred_, thread_, rev_thread_, succ_num_, last_succ_;
  std::vector<std::uint8_t> up_;
  std::vector<std::int64_t> pi_;
};

}  // namespace detail

/// Minimum-cost flow (see the file comment). `capacity` may be empty (every
/// arc uncapacitated). \throws InvalidInput naming the field, row and value
/// for a node id out of range, a negative capacity, mismatched lengths or a
/// cost too large for exact arithmetic; an infeasible or unbounded problem
/// is reported in the result's `status`.
inline FlowResult min_cost_flow(std::int64_t num_nodes, Span<const std::int64_t> tail, Span<const std::int64_t> head,
                                Span<const std::int64_t> capacity, Span<const std::int64_t> cost,
                                Span<const std::int64_t> supply) {
  return detail::NetworkSimplex(num_nodes, tail, head, capacity, cost, supply).run();
}

}  // namespace crisiskit::match
