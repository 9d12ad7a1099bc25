#pragma once
/// \file
/// Geometry helpers for building links between places: great-circle
/// distances and k-nearest / within-radius neighbour links from WGS-84
/// coordinates, and containment links from an administrative parent tree.
///
/// Points are indexed in 3-D on the unit sphere (a Boost.Geometry R-tree), so
/// "nearest" is by true great-circle distance at any latitude, with no
/// projection seam at ±180°. Places whose lon or lat is NaN have no location
/// and get no geometric links. Thread-safety: pure functions.
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include "crisiskit/core/error.hpp"
#include "crisiskit/core/id_map.hpp"
#include "crisiskit/core/span.hpp"

namespace crisiskit::risk {

/// Mean Earth radius (IUGG), metres.
inline constexpr double earth_radius_m = 6371008.8;

/// Great-circle distance in metres between two WGS-84 points given in degrees
/// (haversine on a sphere of `earth_radius_m`; error vs the ellipsoid < 0.5 %).
inline double haversine_m(double lon1, double lat1, double lon2, double lat2) noexcept {
  constexpr double rad = 3.14159265358979323846 / 180.0;
  const double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(lat1 * rad) * std::cos(lat2 * rad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * earth_radius_m * std::asin(std::min(1.0, std::sqrt(a)));
}

/// A list of directed place pairs with their distance, as produced by the
/// helpers below. Indices are positions in the place table.
struct LinkList {
  std::vector<Index> src, dst;
  std::vector<double> distance_m;  ///< great-circle distance (NaN for containment links)
  std::size_t size() const noexcept { return src.size(); }
};

namespace internal {
namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using Point3 = bg::model::point<double, 3, bg::cs::cartesian>;
using Entry = std::pair<Point3, Index>;

inline Point3 to_unit(double lon, double lat) {
  constexpr double rad = 3.14159265358979323846 / 180.0;
  const double cl = std::cos(lat * rad);
  return Point3(cl * std::cos(lon * rad), cl * std::sin(lon * rad), std::sin(lat * rad));
}

inline void check_coords(Span<const double> lon, Span<const double> lat) {
  CRISISKIT_CHECK(lon.size() == lat.size(), "lat", InvalidInput::no_index, lat.size(),
                  fmt::format("length must match lon ({})", lon.size()));
  for (std::size_t i = 0; i < lon.size(); ++i) {
    if (std::isnan(lon[i]) || std::isnan(lat[i])) continue;
    CRISISKIT_CHECK(lon[i] >= -180 && lon[i] <= 180, "lon", static_cast<std::int64_t>(i), lon[i],
                    "longitude must be within [-180, 180] degrees (or NaN for no location)");
    CRISISKIT_CHECK(lat[i] >= -90 && lat[i] <= 90, "lat", static_cast<std::int64_t>(i), lat[i],
                    "latitude must be within [-90, 90] degrees (or NaN for no location)");
  }
}

inline bgi::rtree<Entry, bgi::rstar<16>> build_tree(Span<const double> lon, Span<const double> lat) {
  std::vector<Entry> pts;
  pts.reserve(lon.size());
  for (std::size_t i = 0; i < lon.size(); ++i)
    if (!std::isnan(lon[i]) && !std::isnan(lat[i])) pts.emplace_back(to_unit(lon[i], lat[i]), static_cast<Index>(i));
  return bgi::rtree<Entry, bgi::rstar<16>>(pts);  // packing (STR bulk load)
}
}  // namespace internal

/// For every located place, directed links to its `k` nearest other located
/// places (ties broken by index). Pass the result to `RiskMap::add_links`
/// with `directed = false` to make the relation symmetric (duplicates of
/// pairs that are mutual neighbours are merged there).
/// \throws InvalidInput if k < 1 or coordinates are out of range.
inline LinkList knn_links(Span<const double> lon, Span<const double> lat, int k) {
  internal::check_coords(lon, lat);
  CRISISKIT_CHECK(k >= 1, "k", InvalidInput::no_index, k, "must be at least 1");
  const auto tree = internal::build_tree(lon, lat);
  LinkList out;
  std::vector<internal::Entry> found;
  for (std::size_t i = 0; i < lon.size(); ++i) {
    if (std::isnan(lon[i]) || std::isnan(lat[i])) continue;
    found.clear();
    tree.query(internal::bgi::nearest(internal::to_unit(lon[i], lat[i]), static_cast<unsigned>(k + 1)),
               std::back_inserter(found));
    std::vector<std::pair<double, Index>> cand;
    for (const auto& e : found)
      if (e.second != static_cast<Index>(i))
        cand.emplace_back(haversine_m(lon[i], lat[i], lon[e.second], lat[e.second]), e.second);
    std::sort(cand.begin(), cand.end());
    if (cand.size() > static_cast<std::size_t>(k)) cand.resize(static_cast<std::size_t>(k));
    for (const auto& [d, j] : cand) {
      out.src.push_back(static_cast<Index>(i));
      out.dst.push_back(j);
      out.distance_m.push_back(d);
    }
  }
  return out;
}

/// Directed links from every located place to every other located place
/// within `radius_m` metres (both directions appear).
/// \throws InvalidInput if radius_m is not positive and finite.
inline LinkList radius_links(Span<const double> lon, Span<const double> lat, double radius_m) {
  internal::check_coords(lon, lat);
  CRISISKIT_CHECK(std::isfinite(radius_m) && radius_m > 0, "radius_m", InvalidInput::no_index, radius_m,
                  "must be a positive number of metres");
  const auto tree = internal::build_tree(lon, lat);
  // Chord length on the unit sphere for the radius, padded so the box query
  // never misses; the exact haversine test decides.
  const double chord = 2 * std::sin(std::min(radius_m / earth_radius_m, 3.14159265358979323846) / 2) * (1 + 1e-9);
  LinkList out;
  std::vector<internal::Entry> found;
  for (std::size_t i = 0; i < lon.size(); ++i) {
    if (std::isnan(lon[i]) || std::isnan(lat[i])) continue;
    const auto p = internal::to_unit(lon[i], lat[i]);
    internal::bg::model::box<internal::Point3> box(
        internal::Point3(p.get<0>() - chord, p.get<1>() - chord, p.get<2>() - chord),
        internal::Point3(p.get<0>() + chord, p.get<1>() + chord, p.get<2>() + chord));
    found.clear();
    tree.query(internal::bgi::intersects(box), std::back_inserter(found));
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    for (const auto& e : found) {
      if (e.second == static_cast<Index>(i)) continue;
      const double d = haversine_m(lon[i], lat[i], lon[e.second], lat[e.second]);
      if (d <= radius_m) {
        out.src.push_back(static_cast<Index>(i));
        out.dst.push_back(e.second);
        out.distance_m.push_back(d);
      }
    }
  }
  return out;
}

/// Containment links child → parent for every place with a parent
/// (`parent[i] < 0` means none). Distances are NaN.
inline LinkList containment_links(Span<const Index> parent) {
  LinkList out;
  for (std::size_t i = 0; i < parent.size(); ++i) {
    if (parent[i] < 0) continue;
    out.src.push_back(static_cast<Index>(i));
    out.dst.push_back(parent[i]);
    out.distance_m.push_back(std::nan(""));
  }
  return out;
}

}  // namespace crisiskit::risk
