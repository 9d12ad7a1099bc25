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
/// limit), `many_to_many` (bounded source × target times, in parallel, each
/// search costing only the ball it explores), `path` (node sequence of a
/// settled target), all by Dijkstra's algorithm on compressed-sparse-row arcs
/// with a 4-ary heap (detail/dijkstra.hpp). Every query can also run on the
/// undamaged base times, to tell "cut off by closed roads" from "too far".
///
/// Geometry (needs node coordinates): `snap` points to the nearest road node
/// through an R-tree; `edges_in_polygon` / `close_polygon` for flooded zones.
///
/// Units: seconds, metres, degrees (WGS 84).
///
/// Thread-safety: queries (including `snap`) are const and may run
/// concurrently with each other; damage methods must not run concurrently
/// with anything.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/core/span.hpp"
#include "crisiskit/detail/parallel.hpp"
#include "crisiskit/match/detail/dijkstra.hpp"
#include "crisiskit/match/detail/geometry.hpp"
#include "crisiskit/risk/geo.hpp"

namespace crisiskit::match {

/// One source's shortest-path tree.
struct ShortestPaths {
  std::int32_t source = -1;
  std::vector<double> time_s;      ///< per node: travel time in seconds; +inf = not reached (or beyond the limit)
  std::vector<std::int32_t> pred;  ///< per node: the arc it was reached by, −1 for the source and unreached nodes
};

/// Sparse source × target travel times (CSR by source): the pairs of source
/// i are rows first[i] .. first[i+1]−1, each a target index (position in the
/// targets given) and its time in seconds.
struct TravelTimes {
  std::vector<std::int64_t> first;  ///< size num_sources + 1
  std::vector<std::int32_t> target;
  std::vector<double> time_s;
};

/// Node sequences of several paths (CSR): path k is
/// node[first[k] .. first[k+1]−1], empty when its target is unreachable.
struct PathList {
  std::vector<std::int64_t> first;
  std::vector<std::int32_t> node;
};

/// Nearest road node of each point (−1 = none within the distance asked).
struct SnapResult {
  std::vector<std::int32_t> node;
  std::vector<double> distance_m;  ///< great-circle distance to the nearest road node
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
    check_points(lon, lat);
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
  /// `undamaged = true` searches the base travel times, as if no damage had
  /// been applied (used to tell "cut off by closed roads" from "too far").
  /// \throws InvalidInput for a source out of range or a NaN/negative limit.
  ShortestPaths shortest_paths(std::int64_t source, double limit_s = kClosed, bool undamaged = false) const {
    CRISISKIT_CHECK(source >= 0 && source < n_, "source", InvalidInput::no_index, source, "is not a node");
    check_limit(limit_s);
    ShortestPaths r;
    r.source = static_cast<std::int32_t>(source);
    r.time_s.assign(static_cast<std::size_t>(n_), kClosed);
    r.pred.assign(static_cast<std::size_t>(n_), -1);
    detail::QuadHeap heap(static_cast<std::size_t>(n_));
    detail::dijkstra(
        csr(undamaged), r.source, limit_s, r.time_s.data(), r.pred.data(), heap,
        [](std::int32_t, double) { return true; }, [](std::int32_t) {});
    return r;
  }

  /// Bounded many-to-many travel times: for every source, the targets it
  /// reaches within `limit_s` seconds, by one Dijkstra search per source
  /// that stops at the limit or once every target is settled. Searches run
  /// on `threads` threads (0 = all cores) with per-thread scratch that is
  /// reset in O(nodes touched), so 1,000 half-hour searches on a city cost
  /// 1,000 half-hour balls, not 1,000 whole-graph passes.
  /// Sources and targets may repeat. `undamaged` as in `shortest_paths`.
  /// \returns the pairs within the limit, grouped by source (CSR), targets
  ///          ascending within a source.
  /// \throws InvalidInput naming "sources"/"targets" and the row of a bad
  ///         node id, or "limit_s" for a NaN/negative limit.
  TravelTimes many_to_many(Span<const std::int64_t> sources, Span<const std::int64_t> targets, double limit_s,
                           bool undamaged = false, unsigned threads = 0) const {
    check_limit(limit_s);
    const std::vector<double> limits(sources.size(), limit_s);
    return many_to_many(sources, targets, Span<const double>(limits), undamaged, threads);
  }

  /// As above with one limit per source (`limits[i]` seconds for source i),
  /// e.g. a team's search bounded by the deadlines of the needs it can serve.
  /// \throws InvalidInput as above, or naming "limits" and the row.
  TravelTimes many_to_many(Span<const std::int64_t> sources, Span<const std::int64_t> targets,
                           Span<const double> limits, bool undamaged = false, unsigned threads = 0) const {
    check_nodes(sources, "sources");
    check_nodes(targets, "targets");
    CRISISKIT_CHECK(limits.size() == sources.size(), "limits", InvalidInput::no_index, limits.size(),
                    "must have one entry per source (" + std::to_string(sources.size()) + ")");
    for (std::size_t i = 0; i < limits.size(); ++i)
      CRISISKIT_CHECK(limits[i] >= 0, "limits", static_cast<std::int64_t>(i), limits[i], "must be ≥ 0 seconds (or inf)");
    // Targets per node (CSR over nodes), so a settled node reports all its targets.
    std::vector<std::int32_t> tfirst(static_cast<std::size_t>(n_) + 1, 0), tidx(targets.size());
    for (std::int64_t t : targets) ++tfirst[static_cast<std::size_t>(t) + 1];
    std::size_t distinct = 0;
    for (std::size_t v = 0; v < static_cast<std::size_t>(n_); ++v) {
      distinct += tfirst[v + 1] > 0;
      tfirst[v + 1] += tfirst[v];
    }
    {
      std::vector<std::int32_t> pos(tfirst.begin(), tfirst.end() - 1);
      for (std::size_t i = 0; i < targets.size(); ++i)
        tidx[static_cast<std::size_t>(pos[static_cast<std::size_t>(targets[i])]++)] = static_cast<std::int32_t>(i);
    }
    const detail::CsrView g = csr(undamaged);
    std::vector<std::vector<std::pair<std::int32_t, double>>> found(sources.size());
    if (distinct > 0)
      for_each_search(sources.size(), threads, [&](detail::SearchSpace& space, std::size_t i) {
        auto& out = found[i];
        std::size_t left = distinct;
        space.run(g, static_cast<std::int32_t>(sources[i]), limits[i], [&](std::int32_t v, double d) {
          const auto lo = static_cast<std::size_t>(tfirst[static_cast<std::size_t>(v)]);
          const auto hi = static_cast<std::size_t>(tfirst[static_cast<std::size_t>(v) + 1]);
          if (lo == hi) return true;
          for (std::size_t k = lo; k < hi; ++k) out.emplace_back(tidx[k], d);
          return --left > 0;
        });
        std::sort(out.begin(), out.end());
      });
    TravelTimes r;
    r.first.reserve(sources.size() + 1);
    r.first.push_back(0);
    std::size_t total = 0;
    for (const auto& f : found) total += f.size();
    r.target.reserve(total);
    r.time_s.reserve(total);
    for (auto& f : found) {
      for (const auto& [t, d] : f) {
        r.target.push_back(t);
        r.time_s.push_back(d);
      }
      r.first.push_back(static_cast<std::int64_t>(r.target.size()));
      std::vector<std::pair<std::int32_t, double>>().swap(f);
    }
    return r;
  }

  /// Node sequence source … target of a shortest-path tree; empty when the
  /// target was not reached. \throws InvalidInput for a target out of range.
  std::vector<std::int32_t> path(const ShortestPaths& sp, std::int64_t target) const {
    CRISISKIT_CHECK(target >= 0 && target < n_, "target", InvalidInput::no_index, target, "is not a node");
    std::vector<std::int32_t> out;
    if (std::isinf(sp.time_s.at(static_cast<std::size_t>(target)))) return out;
    for (auto v = static_cast<std::int32_t>(target); v != sp.source;
         v = tail_[static_cast<std::size_t>(sp.pred[static_cast<std::size_t>(v)])])
      out.push_back(v);
    out.push_back(sp.source);
    std::reverse(out.begin(), out.end());
    return out;
  }

  /// For each target k, the travel time to it from the nearest node v with
  /// `is_goal(k, v)`, searching backwards from the target up to `limits[k]`
  /// seconds (+inf when no goal is that close). One backward search per
  /// target, stopped at the first goal settled: cheap when goals are near.
  /// `is_goal` must be safe to call from several threads.
  template <class IsGoal>
  std::vector<double> time_from_nearest(Span<const std::int64_t> targets, Span<const double> limits, IsGoal&& is_goal,
                                        bool undamaged = false, unsigned threads = 0) const {
    check_nodes(targets, "targets");
    CRISISKIT_CHECK(limits.size() == targets.size(), "limits", InvalidInput::no_index, limits.size(),
                    "must have one entry per target (" + std::to_string(targets.size()) + ")");
    for (std::size_t k = 0; k < limits.size(); ++k)
      CRISISKIT_CHECK(limits[k] >= 0, "limits", static_cast<std::int64_t>(k), limits[k], "must be ≥ 0 seconds (or inf)");
    std::vector<double> out(targets.size(), kClosed);
    if (targets.empty()) return out;
    // The reversed graph, with the times of the arcs it reverses.
    std::vector<std::int64_t> rfirst(static_cast<std::size_t>(n_) + 1, 0);
    for (std::int32_t v : head_) ++rfirst[static_cast<std::size_t>(v) + 1];
    for (std::size_t v = 0; v < static_cast<std::size_t>(n_); ++v) rfirst[v + 1] += rfirst[v];
    std::vector<std::int32_t> rhead(head_.size());
    std::vector<double> rtime(head_.size());
    {
      std::vector<std::int64_t> pos(rfirst.begin(), rfirst.end() - 1);
      const std::vector<double>& t = undamaged ? base_ : time_;
      for (std::size_t a = 0; a < head_.size(); ++a) {
        const auto k = static_cast<std::size_t>(pos[static_cast<std::size_t>(head_[a])]++);
        rhead[k] = tail_[a];
        rtime[k] = t[a];
      }
    }
    const detail::CsrView g{rfirst.data(), rhead.data(), rtime.data()};
    for_each_search(targets.size(), threads, [&](detail::SearchSpace& space, std::size_t k) {
      space.run(g, static_cast<std::int32_t>(targets[k]), limits[k], [&](std::int32_t v, double d) {
        if (!is_goal(k, v)) return true;
        out[k] = d;
        return false;
      });
    });
    return out;
  }

  /// Fastest paths for many (from[k], to[k]) pairs: one search per distinct
  /// source, stopped once all its targets are settled, on `threads` threads.
  /// \throws InvalidInput naming "from"/"to" and the row of a bad node id.
  PathList paths(Span<const std::int64_t> from, Span<const std::int64_t> to, bool undamaged = false,
                 unsigned threads = 0) const {
    CRISISKIT_CHECK(from.size() == to.size(), "to", InvalidInput::no_index, to.size(),
                    "must have the length of from (" + std::to_string(from.size()) + ")");
    check_nodes(from, "from");
    check_nodes(to, "to");
    // Pairs sorted by source; each distinct source is one search.
    std::vector<std::size_t> order(from.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return from[a] < from[b]; });
    std::vector<std::size_t> group_start;
    for (std::size_t k = 0; k < order.size(); ++k)
      if (k == 0 || from[order[k]] != from[order[k - 1]]) group_start.push_back(k);
    group_start.push_back(order.size());
    const std::size_t groups = group_start.size() - 1;
    std::vector<std::vector<std::int32_t>> found(from.size());
    const detail::CsrView g = csr(undamaged);
    for_each_search(groups, threads, [&](detail::SearchSpace& space, std::size_t gi) {
      std::vector<std::int32_t> targets;
      for (std::size_t k = group_start[gi]; k < group_start[gi + 1]; ++k)
        targets.push_back(static_cast<std::int32_t>(to[order[k]]));
      std::sort(targets.begin(), targets.end());
      targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
      std::size_t left = targets.size();
      space.run(g, static_cast<std::int32_t>(from[order[group_start[gi]]]), kClosed, [&](std::int32_t v, double) {
        if (std::binary_search(targets.begin(), targets.end(), v)) --left;
        return left > 0;
      });
      for (std::size_t k = group_start[gi]; k < group_start[gi + 1]; ++k) {
        const std::size_t pk = order[k];
        auto v = static_cast<std::int32_t>(to[pk]);
        if (std::isinf(space.dist(v))) continue;
        auto& out = found[pk];
        for (; v != static_cast<std::int32_t>(from[pk]); v = tail_[static_cast<std::size_t>(space.pred(v))])
          out.push_back(v);
        out.push_back(v);
        std::reverse(out.begin(), out.end());
      }
    });
    PathList r;
    r.first.push_back(0);
    for (auto& p : found) {
      r.node.insert(r.node.end(), p.begin(), p.end());
      r.first.push_back(static_cast<std::int64_t>(r.node.size()));
    }
    return r;
  }

  /// Node longitude / latitude in degrees (empty without coordinates).
  Span<const double> lon() const noexcept { return lon_; }
  Span<const double> lat() const noexcept { return lat_; }

  /// The nearest road node (a node with at least one arc) to each point, by
  /// great-circle distance, through an R-tree built on first use and shared
  /// by copies of the network. Points farther than `max_distance_m` from
  /// every road node get node −1 (their distance is still reported).
  /// Thread-safe (the index is built once, under a lock).
  /// \throws Error if the network has no coordinates; InvalidInput naming
  ///         "lon"/"lat" and the row of a NaN or out-of-range coordinate.
  SnapResult snap(Span<const double> lon, Span<const double> lat, double max_distance_m = kClosed) const {
    CRISISKIT_CHECK(lon.size() == lat.size(), "lat", InvalidInput::no_index, lat.size(),
                    "must have the length of lon (" + std::to_string(lon.size()) + ")");
    CRISISKIT_CHECK(max_distance_m >= 0, "max_distance_m", InvalidInput::no_index, max_distance_m,
                    "must be ≥ 0 metres (or inf)");
    check_points(lon, lat);
    if (!has_coordinates()) throw Error("RoadNetwork.snap: the network has no node coordinates (give lon/lat)");
    const auto& tree = snap_index_->get(lon_, lat_, first_, head_);
    SnapResult r;
    r.node.assign(lon.size(), -1);
    r.distance_m.assign(lon.size(), kClosed);
    std::vector<detail::NodeIndex::Entry> hit;
    for (std::size_t i = 0; i < lon.size(); ++i) {
      hit.clear();
      // The nearest point by chord on the unit sphere is the great-circle nearest.
      tree.query(boost::geometry::index::nearest(risk::internal::to_unit(lon[i], lat[i]), 1), std::back_inserter(hit));
      if (hit.empty()) continue;
      const auto v = static_cast<std::size_t>(hit.front().second);
      const double d = risk::haversine_m(lon[i], lat[i], lon_[v], lat_[v]);
      r.distance_m[i] = d;
      if (d <= max_distance_m) r.node[i] = static_cast<std::int32_t>(v);
    }
    return r;
  }

  /// Edges that touch a polygon: an end node inside it, or the segment
  /// crossing its boundary. The polygon is one or more rings of lon/lat
  /// vertices (`ring_start[k]` = first vertex of ring k; empty = one ring)
  /// combined by the even-odd rule, so inner rings are holes as in a
  /// GeoJSON Polygon. Geometry is planar in degrees, exact enough for
  /// city-sized zones away from the poles and the ±180° meridian.
  /// \throws Error without coordinates; InvalidInput for a ring of fewer
  ///         than 3 distinct vertices or a bad coordinate (field, row, value).
  std::vector<std::int64_t> edges_in_polygon(Span<const double> ring_lon, Span<const double> ring_lat,
                                             Span<const std::int64_t> ring_start = {}) const {
    CRISISKIT_CHECK(ring_lon.size() == ring_lat.size(), "lat", InvalidInput::no_index, ring_lat.size(),
                    "must have the length of lon (" + std::to_string(ring_lon.size()) + ")");
    check_points(ring_lon, ring_lat);
    if (!has_coordinates()) throw Error("RoadNetwork.edges_in_polygon: the network has no node coordinates");
    std::vector<std::size_t> starts;
    for (std::size_t k = 0; k < ring_start.size(); ++k) {
      CRISISKIT_CHECK(static_cast<std::size_t>(ring_start[k]) < ring_lon.size() &&
                          (k == 0 ? ring_start[k] == 0 : ring_start[k] > ring_start[k - 1]),
                      "ring_start", static_cast<std::int64_t>(k), ring_start[k],
                      "must start at 0 and increase within the vertex list");
      starts.push_back(static_cast<std::size_t>(ring_start[k]));
    }
    if (starts.empty()) starts.push_back(0);
    starts.push_back(ring_lon.size());
    detail::Polygon poly;
    for (std::size_t k = 0; k + 1 < starts.size(); ++k) {
      const std::size_t b = starts[k];
      std::size_t e = starts[k + 1];
      // A closed ring (first vertex repeated, as GeoJSON writes it) is fine.
      if (e - b > 1 && ring_lon[b] == ring_lon[e - 1] && ring_lat[b] == ring_lat[e - 1]) --e;
      CRISISKIT_CHECK(e - b >= 3, "ring_start", static_cast<std::int64_t>(k), static_cast<std::int64_t>(b),
                      "a ring needs at least 3 distinct vertices");
      poly.add_ring(ring_lon.data() + b, ring_lat.data() + b, e - b);
    }
    std::vector<std::uint8_t> inside(static_cast<std::size_t>(n_));
    for (std::size_t v = 0; v < inside.size(); ++v) inside[v] = poly.contains(lon_[v], lat_[v]);
    std::vector<std::uint8_t> hit(num_edges_, 0);
    for (std::size_t a = 0; a < head_.size(); ++a) {
      const auto e = static_cast<std::size_t>(edge_[a]);
      if (hit[e]) continue;
      const auto u = static_cast<std::size_t>(tail_[a]), v = static_cast<std::size_t>(head_[a]);
      hit[e] = inside[u] || inside[v] || poly.crosses(lon_[u], lat_[u], lon_[v], lat_[v]);
    }
    std::vector<std::int64_t> out;
    for (std::size_t e = 0; e < num_edges_; ++e)
      if (hit[e]) out.push_back(static_cast<std::int64_t>(e));
    return out;
  }

  /// Closes every edge touching the polygon (see `edges_in_polygon`) as one
  /// undo step and returns their ids.
  std::vector<std::int64_t> close_polygon(Span<const double> ring_lon, Span<const double> ring_lat,
                                          Span<const std::int64_t> ring_start = {}) {
    auto edges = edges_in_polygon(ring_lon, ring_lat, ring_start);
    close_edges(edges);
    return edges;
  }

 private:
  // Runs job(space, i) for i in [0, count) on `threads` threads (0 = all
  // cores), each thread with its own SearchSpace, allocated on first use.
  template <class Job>
  void for_each_search(std::size_t count, unsigned threads, Job&& job) const {
    // A thread pays off once the searches together touch a few 10^5 nodes.
    const std::size_t grain = std::max<std::size_t>(1, 200000 / std::max<std::size_t>(1, static_cast<std::size_t>(n_)));
    const unsigned want = threads == 0 ? crisiskit::detail::default_threads() : threads;
    std::vector<std::unique_ptr<detail::SearchSpace>> spaces(crisiskit::detail::planned_workers(count, grain, want));
    crisiskit::detail::parallel_for(
        count, grain,
        [&](std::size_t b, std::size_t e, unsigned w) {
          if (!spaces[w]) spaces[w] = std::make_unique<detail::SearchSpace>(static_cast<std::size_t>(n_));
          for (std::size_t i = b; i < e; ++i) job(*spaces[w], i);
        },
        want);
  }

  detail::CsrView csr(bool undamaged) const noexcept {
    return {first_.data(), head_.data(), undamaged ? base_.data() : time_.data()};
  }
  static void check_limit(double limit_s) {
    CRISISKIT_CHECK(limit_s >= 0, "limit_s", InvalidInput::no_index, limit_s, "must be ≥ 0 seconds (or inf)");
  }
  void check_nodes(Span<const std::int64_t> nodes, const char* field) const {
    for (std::size_t i = 0; i < nodes.size(); ++i)
      CRISISKIT_CHECK(nodes[i] >= 0 && nodes[i] < n_, field, static_cast<std::int64_t>(i), nodes[i], "is not a node");
  }
  static void check_points(Span<const double> lon, Span<const double> lat) {
    for (std::size_t i = 0; i < lon.size(); ++i) {
      const auto row = static_cast<std::int64_t>(i);
      CRISISKIT_CHECK(lon[i] >= -180 && lon[i] <= 180, "lon", row, lon[i], "must be in [−180, 180] degrees");
      CRISISKIT_CHECK(lat[i] >= -90 && lat[i] <= 90, "lat", row, lat[i], "must be in [−90, 90] degrees");
    }
  }

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
  // Coordinates never change, so copies may share the lazily built index.
  std::shared_ptr<detail::NodeIndex> snap_index_ = std::make_shared<detail::NodeIndex>();
  std::vector<Change> log_;
  std::vector<std::size_t> steps_;
};

}  // namespace crisiskit::match
