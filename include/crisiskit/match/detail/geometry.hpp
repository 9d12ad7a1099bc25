#pragma once
/// \file
/// Geometry behind `RoadNetwork::snap` and `edges_in_polygon`: a lazily
/// built R-tree of road nodes on the unit sphere, and planar polygons in
/// lon/lat degrees with the even-odd rule.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include "crisiskit/core/span.hpp"
#include "crisiskit/risk/geo.hpp"

namespace crisiskit::match::detail {

/// R-tree of the nodes that have at least one arc, built once on first use
/// (thread-safe through std::call_once).
class NodeIndex {
 public:
  using Entry = risk::internal::Entry;
  using Tree = boost::geometry::index::rtree<Entry, boost::geometry::index::rstar<16>>;

  /// \param first, head  the network's CSR arcs (a node is a road node if
  ///                     it has an outgoing or an incoming arc)
  const Tree& get(Span<const double> lon, Span<const double> lat, Span<const std::int64_t> first,
                  Span<const std::int32_t> head) {
    std::call_once(once_, [&] {
      std::vector<std::uint8_t> road(lon.size(), 0);
      for (std::int32_t v : head) road[static_cast<std::size_t>(v)] = 1;
      std::vector<Entry> pts;
      for (std::size_t v = 0; v < lon.size(); ++v)
        if (road[v] || first[v + 1] > first[v])
          pts.emplace_back(risk::internal::to_unit(lon[v], lat[v]), static_cast<Index>(v));
      tree_ = std::make_unique<Tree>(pts);  // packing (STR bulk load)
    });
    return *tree_;
  }

 private:
  std::once_flag once_;
  std::unique_ptr<Tree> tree_;
};

/// Rings of (lon, lat) vertices, even-odd rule.
class Polygon {
 public:
  void add_ring(const double* x, const double* y, std::size_t k) {
    std::vector<std::pair<double, double>> ring(k);
    for (std::size_t i = 0; i < k; ++i) {
      ring[i] = {x[i], y[i]};
      lo_x_ = std::min(lo_x_, x[i]);
      hi_x_ = std::max(hi_x_, x[i]);
      lo_y_ = std::min(lo_y_, y[i]);
      hi_y_ = std::max(hi_y_, y[i]);
    }
    rings_.push_back(std::move(ring));
  }

  /// Inside by the even-odd rule (a point exactly on the boundary may go either way).
  bool contains(double x, double y) const {
    if (x < lo_x_ || x > hi_x_ || y < lo_y_ || y > hi_y_) return false;
    bool in = false;
    for (const auto& r : rings_)
      for (std::size_t i = 0, j = r.size() - 1; i < r.size(); j = i++) {
        const auto [xi, yi] = r[i];
        const auto [xj, yj] = r[j];
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
      }
    return in;
  }

  /// Whether segment (x1,y1)–(x2,y2) meets any ring edge (touching counts).
  bool crosses(double x1, double y1, double x2, double y2) const {
    if (std::max(x1, x2) < lo_x_ || std::min(x1, x2) > hi_x_ || std::max(y1, y2) < lo_y_ || std::min(y1, y2) > hi_y_)
      return false;
    for (const auto& r : rings_)
      for (std::size_t i = 0, j = r.size() - 1; i < r.size(); j = i++)
        if (meet(x1, y1, x2, y2, r[j].first, r[j].second, r[i].first, r[i].second)) return true;
    return false;
  }

 private:
  static double orient(double ax, double ay, double bx, double by, double cx, double cy) {
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  }
  static bool on(double ax, double ay, double bx, double by, double cx, double cy) {
    return std::min(ax, bx) <= cx && cx <= std::max(ax, bx) && std::min(ay, by) <= cy && cy <= std::max(ay, by);
  }
  static bool meet(double ax, double ay, double bx, double by, double cx, double cy, double dx, double dy) {
    const double d1 = orient(cx, cy, dx, dy, ax, ay), d2 = orient(cx, cy, dx, dy, bx, by);
    const double d3 = orient(ax, ay, bx, by, cx, cy), d4 = orient(ax, ay, bx, by, dx, dy);
    if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
    return (d1 == 0 && on(cx, cy, dx, dy, ax, ay)) || (d2 == 0 && on(cx, cy, dx, dy, bx, by)) ||
           (d3 == 0 && on(ax, ay, bx, by, cx, cy)) || (d4 == 0 && on(ax, ay, bx, by, dx, dy));
  }
  std::vector<std::vector<std::pair<double, double>>> rings_;
  double lo_x_ = 1e300, hi_x_ = -1e300, lo_y_ = 1e300, hi_y_ = -1e300;
};

}  // namespace crisiskit::match::detail
