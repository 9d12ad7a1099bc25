#pragma once
/// \file
/// `RoadNetwork`: a directed road graph with travel times that change during
/// a crisis (closed and slowed edges, undoable), and time-bounded shortest
/// paths over it.
///
/// Model. Nodes 0..n−1 (optionally with lon/lat in degrees, WGS 84). Each
/// input edge has a base travel time in seconds and is one-way or two-way; a
/// two-way edge is stored as two arcs that share the edge id, so damage to an
/// edge affects both directions. The current travel time of an arc is its
/// base time × the edge's factor (1 = normal, > 1 = slowed, +inf = closed).
///
/// Damage is applied in place and recorded: `close_edges`, `slow_edges`, and
/// `undo()` reverts the last change, `restore()` all of them. Queries see
/// every change at once; nothing is rebuilt.
///
/// Queries: `shortest_paths` (one source to all, optionally bounded by a time
/// limit) and `path` (node sequence of a settled target), by Dijkstra's
/// algorithm on a compressed-sparse-row graph with a 4-ary heap.
///
/// Thread-safety: queries are const and may run concurrently with each
/// other; damage methods must not run concurrently with anything.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/core/span.hpp"

namespace crisiskit::match {

/// One source's shortest-path tree.
struct ShortestPaths {
  std::int32_t source = -1;
  std::vector<double> time_s;      ///< per node: travel time in seconds; +inf = not reached (or beyond the limit)
  std::vector<std::int32_t> pred;  ///< per node: the arc it was reached by, −1 for the source and unreached nodes
};

class RoadNetwork {
 public:
  static constexpr double kClosed = std::numeric_limits<double>::infinity();

  /// \param num_nodes  nodes are 0..num_nodes−1
  /// \param from, to   edge end nodes, one entry per edge
  /// \param time_s     base travel time of each edge in seconds (finite, ≥ 0)
  /// \param oneway     per edge: nonzero = only from → to; empty = all two-way
  /// \param lon, lat   per node in degrees, or both empty
  /// \throws InvalidInput naming the field, row and value.
  RoadNetwork(std::int64_t num_nodes, Span<const std::int64_t> from, Span<const std::int64_t> to,
              Span<const double> time_s, Span<const std::uint8_t> oneway = {}, Span<const double> lon = {},
              Span<const double> lat = {}) {
    constexpr std::int64_t kMax = (std::int64_t{1} << 31) - 1;
    CRISISKIT_CHECK(num_nodes >= 0 && num_nodes < kMax, "num_nodes", InvalidInput::no_index, num_nodes,
                    "must be in [0, 2^31 − 1)");
    const std::size_t m = from.size();
    auto same_length = [m](std::size_t k, const char* field) {
      CRISISKIT_CHECK(k == m, field, InvalidInput::no_index, k,
                      "must have one entry per edge (len(from) = " + std::to_string(m) + ")");
    };
    same_length(to.size(), "to");
    same_length(time_s.size(), "time_s");
    if (!oneway.empty()) same_length(oneway.size(), "oneway");
    CRISISKIT_CHECK(lon.size() == lat.size(), "lat", InvalidInput::no_index, lat.size(),
                    "must have the length of lon (" + std::to_string(lon.size()) + ")");
    CRISISKIT_CHECK(lon.empty() || lon.size() == static_cast<std::size_t>(num_nodes), "lon", InvalidInput::no_index,
                    lon.size(), "must have one entry per node or be empty");
    for (std::size_t e = 0; e < m; ++e) {
      const auto row = static_cast<std::int64_t>(e);
      CRISISKIT_CHECK(from[e] >= 0 && from[e] < num_nodes, "from", row, from[e], "is not a node");
      CRISISKIT_CHECK(to[e] >= 0 && to[e] < num_nodes, "to", row, to[e], "is not a node");
      CRISISKIT_CHECK(std::isfinite(time_s[e]) && time_s[e] >= 0, "time_s", row, time_s[e],
                      "must be a finite number of seconds ≥ 0");
    }
    for (std::size_t v = 0; v < lon.size(); ++v) {
      const auto row = static_cast<std::int64_t>(v);
      CRISISKIT_CHECK(lon[v] >= -180 && lon[v] <= 180, "lon", row, lon[v], "must be in [−180, 180] degrees");
      CRISISKIT_CHECK(lat[v] >= -90 && lat[v] <= 90, "lat", row, lat[v], "must be in [−90, 90] degrees");
    }
    n_ = static_cast<std::int32_t>(num_nodes);
    num_edges_ = m;
    lon_.assign(lon.begin(), lon.end());
    lat_.assign(lat.begin(), lat.end());
    // Arcs: one per one-way edge, two per two-way edge, sorted by tail (CSR).
    std::vector<std::int64_t> count(static_cast<std::size_t>(n_) + 1, 0);
    auto two_way = [&](std::size_t e) { return oneway.empty() || oneway[e] == 0; };
    for (std::size_t e = 0; e < m; ++e) {
      ++count[static_cast<std::size_t>(from[e]) + 1];
      if (two_way(e)) ++count[static_cast<std::size_t>(to[e]) + 1];
    }
    for (std::size_t v = 0; v < static_cast<std::size_t>(n_); ++v) count[v + 1] += count[v];
    const auto arcs = static_cast<std::size_t>(count.back());
    CRISISKIT_CHECK(arcs < static_cast<std::size_t>(kMax), "from", InvalidInput::no_index, arcs,
                    "too many arcs (at most 2^31 − 2)");
    first_.assign(count.begin(), count.end());
    head_.resize(arcs);
    tail_.resize(arcs);
    edge_.resize(arcs);
    base_.resize(arcs);
    std::vector<std::int64_t> pos(count.begin(), count.end() - 1);
    auto put = [&](std::int64_t u, std::int64_t v, std::size_t e) {
      const auto a = static_cast<std::size_t>(pos[static_cast<std::size_t>(u)]++);
      tail_[a] = static_cast<std::int32_t>(u);
      head_[a] = static_cast<std::int32_t>(v);
      edge_[a] = static_cast<std::int32_t>(e);
      base_[a] = time_s[e];
    };
    for (std::size_t e = 0; e < m; ++e) {
      put(from[e], to[e], e);
      if (two_way(e)) put(to[e], from[e], e);
    }
    time_ = base_;
    factor_.assign(m, 1.0);
  }

  std::int32_t num_nodes() const noexcept { return n_; }
  std::size_t num_edges() const noexcept { return num_edges_; }
  std::size_t num_arcs() const noexcept { return head_.size(); }
  bool has_coordinates() const noexcept { return !lon_.empty(); }

  /// Arc a goes tail(a) → head(a) and belongs to input edge edge_of(a).
  std::int32_t tail(std::int32_t a) const { return tail_[static_cast<std::size_t>(a)]; }
  std::int32_t head(std::int32_t a) const { return head_[static_cast<std::size_t>(a)]; }
  std::int32_t edge_of(std::int32_t a) const { return edge_[static_cast<std::size_t>(a)]; }
  /// Current travel time of arc a in seconds (+inf when closed).
  double arc_time(std::int32_t a) const { return time_[static_cast<std::size_t>(a)]; }
  /// Current factor of input edge e (1 normal, +inf closed).
  double factor(std::size_t e) const { return factor_.at(e); }

  /// Closes the given edges (both directions). One undo step.
  void close_edges(Span<const std::int64_t> edges) { set_factor(edges, kClosed, "edges"); }

  /// Multiplies the base travel time of the given edges by `by` (≥ 1; +inf
  /// closes). Replaces, not compounds, an earlier factor. One undo step.
  void slow_edges(Span<const std::int64_t> edges, double by) {
    CRISISKIT_CHECK(by >= 1 && !std::isnan(by), "by", InvalidInput::no_index, by, "must be ≥ 1 (or inf to close)");
    set_factor(edges, by, "edges");
  }

  /// Reverts the last damage step; returns false when there is none.
  bool undo() {
    if (steps_.empty()) return false;
    const std::size_t begin = steps_.back();
    steps_.pop_back();
    for (std::size_t i = log_.size(); i > begin; --i) apply(log_[i - 1].edge, log_[i - 1].old_factor);
    log_.resize(begin);
    return true;
  }

  /// Reverts every damage step.
  void restore() {
    while (undo()) {
    }
  }

  std::size_t damage_steps() const noexcept { return steps_.size(); }

  /// Dijkstra from `source`. Nodes farther than `limit_s` seconds are left
  /// at +inf (the search stops there, so a small limit is cheap).
  /// \throws InvalidInput for a source out of range or a NaN/negative limit.
  ShortestPaths shortest_paths(std::int64_t source, double limit_s = kClosed) const {
    CRISISKIT_CHECK(source >= 0 && source < n_, "source", InvalidInput::no_index, source, "is not a node");
    CRISISKIT_CHECK(limit_s >= 0, "limit_s", InvalidInput::no_index, limit_s, "must be ≥ 0 seconds (or inf)");
    ShortestPaths r;
    r.source = static_cast<std::int32_t>(source);
    r.time_s.assign(static_cast<std::size_t>(n_), kClosed);
    r.pred.assign(static_cast<std::size_t>(n_), -1);
    Heap heap(static_cast<std::size_t>(n_));
    r.time_s[static_cast<std::size_t>(source)] = 0;
    heap.push(r.source, 0.0);
    while (!heap.empty()) {
      const auto [u, du] = heap.pop();
      if (du > limit_s) {
        // Everything left is beyond the limit: un-reach what was only queued.
        r.time_s[static_cast<std::size_t>(u)] = kClosed;
        r.pred[static_cast<std::size_t>(u)] = -1;
        while (!heap.empty()) {
          const auto [w, dw] = heap.pop();
          (void)dw;
          r.time_s[static_cast<std::size_t>(w)] = kClosed;
          r.pred[static_cast<std::size_t>(w)] = -1;
        }
        break;
      }
      const auto b = static_cast<std::size_t>(first_[static_cast<std::size_t>(u)]);
      const auto e = static_cast<std::size_t>(first_[static_cast<std::size_t>(u) + 1]);
      for (std::size_t a = b; a < e; ++a) {
        const double nd = du + time_[a];
        const auto v = static_cast<std::size_t>(head_[a]);
        if (nd < r.time_s[v]) {
          r.time_s[v] = nd;
          r.pred[v] = static_cast<std::int32_t>(a);
          heap.push_or_decrease(static_cast<std::int32_t>(v), nd);
        }
      }
    }
    return r;
  }

  /// Node sequence source … target of a shortest-path tree; empty when the
  /// target was not reached. \throws InvalidInput for a target out of range.
  std::vector<std::int32_t> path(const ShortestPaths& sp, std::int64_t target) const {
    CRISISKIT_CHECK(target >= 0 && target < n_, "target", InvalidInput::no_index, target, "is not a node");
    std::vector<std::int32_t> out;
    if (std::isinf(sp.time_s.at(static_cast<std::size_t>(target)))) return out;
    for (auto v = static_cast<std::int32_t>(target); v != sp.source; v = tail_[static_cast<std::size_t>(sp.pred[static_cast<std::size_t>(v)])])
      out.push_back(v);
    out.push_back(sp.source);
    std::reverse(out.begin(), out.end());
    return out;
  }

 private:
  // 4-ary min-heap of nodes keyed by tentative time, with positions for decrease-key.
  class Heap {
   public:
    explicit Heap(std::size_t n) : pos_(n, -1) {}
    bool empty() const { return items_.empty(); }
    void push(std::int32_t v, double key) {
      pos_[static_cast<std::size_t>(v)] = static_cast<std::int32_t>(items_.size());
      items_.push_back({key, v});
      up(items_.size() - 1);
    }
    void push_or_decrease(std::int32_t v, double key) {
      const std::int32_t p = pos_[static_cast<std::size_t>(v)];
      if (p < 0) return push(v, key);
      items_[static_cast<std::size_t>(p)].key = key;
      up(static_cast<std::size_t>(p));
    }
    std::pair<std::int32_t, double> pop() {
      const Item top = items_.front();
      pos_[static_cast<std::size_t>(top.v)] = -2;  // settled: never queued again
      const Item last = items_.back();
      items_.pop_back();
      if (!items_.empty()) {
        items_.front() = last;
        pos_[static_cast<std::size_t>(last.v)] = 0;
        down(0);
      }
      return {top.v, top.key};
    }

   private:
    struct Item {
      double key;
      std::int32_t v;
    };
    void place(std::size_t i, const Item& x) {
      items_[i] = x;
      pos_[static_cast<std::size_t>(x.v)] = static_cast<std::int32_t>(i);
    }
    void up(std::size_t i) {
      const Item x = items_[i];
      while (i > 0) {
        const std::size_t p = (i - 1) / 4;
        if (!(x.key < items_[p].key)) break;
        place(i, items_[p]);
        i = p;
      }
      place(i, x);
    }
    void down(std::size_t i) {
      const Item x = items_[i];
      const std::size_t n = items_.size();
      for (;;) {
        const std::size_t c = 4 * i + 1;
        if (c >= n) break;
        std::size_t best = c;
        for (std::size_t k = c + 1; k < std::min(c + 4, n); ++k)
          if (items_[k].key < items_[best].key) best = k;
        if (!(items_[best].key < x.key)) break;
        place(i, items_[best]);
        i = best;
      }
      place(i, x);
    }
    std::vector<Item> items_;
    std::vector<std::int32_t> pos_;
  };

  struct Change {
    std::int32_t edge;
    double old_factor;
  };

  void set_factor(Span<const std::int64_t> edges, double f, const char* field) {
    for (std::size_t i = 0; i < edges.size(); ++i)
      CRISISKIT_CHECK(edges[i] >= 0 && static_cast<std::size_t>(edges[i]) < num_edges_, field,
                      static_cast<std::int64_t>(i), edges[i], "is not an edge id");
    steps_.push_back(log_.size());
    for (std::size_t i = 0; i < edges.size(); ++i) {
      const auto e = static_cast<std::int32_t>(edges[i]);
      log_.push_back({e, factor_[static_cast<std::size_t>(e)]});
      apply(e, f);
    }
  }

  void apply(std::int32_t e, double f) {
    factor_[static_cast<std::size_t>(e)] = f;
    if (arcs_of_edge_.empty()) index_edges();
    for (std::int32_t a : arcs_of_edge_[static_cast<std::size_t>(e)])
      time_[static_cast<std::size_t>(a)] = std::isinf(f) ? kClosed : base_[static_cast<std::size_t>(a)] * f;
  }

  void index_edges() {
    arcs_of_edge_.assign(num_edges_, {});
    for (std::size_t a = 0; a < edge_.size(); ++a)
      arcs_of_edge_[static_cast<std::size_t>(edge_[a])].push_back(static_cast<std::int32_t>(a));
  }

  std::int32_t n_ = 0;
  std::size_t num_edges_ = 0;
  std::vector<std::int64_t> first_;
  std::vector<std::int32_t> head_, tail_, edge_;
  std::vector<double> base_, time_, factor_, lon_, lat_;
  std::vector<std::vector<std::int32_t>> arcs_of_edge_;  // built on first damage
  std::vector<Change> log_;
  std::vector<std::size_t> steps_;
};

}  // namespace crisiskit::match
