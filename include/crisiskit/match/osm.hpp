#pragma once
/// \file
/// Road-network importers, part 2: OpenStreetMap files (PBF, XML, and what
/// else libosmium reads: .osm.gz, .osm.bz2, OPL, O5M) → `RoadTable`.
///
/// Needs libosmium and protozero (headers; Debian libosmium2-dev,
/// libprotozero-dev) and links zlib, bzip2, expat and threads: in CMake, the
/// `crisiskit::osm` target of this project's build.
///
/// The file is read twice: the ways first (which ones are routable, by the
/// rules of `crisiskit/match/osm_tags.hpp`), then the locations of the nodes
/// those ways use, so memory grows with the road network, not the file.
///
/// The graph: every pair of consecutive nodes of a routable way is an edge
/// (a repeated node, `a a`, makes none), `length_m` the haversine distance
/// (`risk::haversine_m`), `time_s = length_m / (speed_kmh / 3.6)`; a one-way
/// way gives one-way edges (oneway=−1 ones reversed: from = the later node).
/// Nodes are the nodes of those edges, in increasing OSM id order, with their
/// coordinates; `node_id` holds the OSM ids, `way_id`/`highway`/`name` (empty
/// when untagged) describe each edge's way. Segments touching a node with
/// no location in the file (a clipped extract) are left out and counted in
/// `dropped_segments`. Turn restrictions and barriers are not read.

#include <osmium/io/any_input.hpp>
#include <osmium/osm/node.hpp>
#include <osmium/osm/way.hpp>
#include <osmium/thread/pool.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <new>
#include <string>
#include <system_error>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/match/osm_tags.hpp"
#include "crisiskit/match/road_io.hpp"
#include "crisiskit/risk/geo.hpp"

namespace crisiskit::match {

/// Reads the routable road network of an OSM file.
/// \throws InvalidInput field "path", value = the path: missing, a
/// directory, or not readable as OSM data (libosmium's message follows);
/// options out of range: field named after the option. Never aborts.
inline RoadTable read_osm(const std::string& path, const OsmOptions& options = {}) {
  check_osm_options(options);
  {
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(st)) throw_invalid("path", InvalidInput::no_index, path, "no such file");
    if (std::filesystem::is_directory(st)) throw_invalid("path", InvalidInput::no_index, path, "is a directory");
  }
  struct Way {
    std::int64_t id;
    std::size_t first, last;  // range in refs
    int direction;
    double speed_kmh;
    std::string highway, name;
  };
  std::vector<Way> ways;
  std::vector<std::int64_t> refs;  // node ids of the routable ways, then their indices in `ids`
  std::vector<std::int64_t> ids;   // sorted unique node ids
  std::vector<double> lon, lat;    // per ids entry; NaN = no location
  try {
    const osmium::io::File file(path, options.format);
    osmium::thread::Pool pool(options.threads);  // our own: joined before we return
    {
      osmium::io::Reader reader(file, osmium::osm_entity_bits::way, pool, osmium::io::read_meta::no);
      while (osmium::memory::Buffer buffer = reader.read()) {
        for (const osmium::Way& way : buffer.select<osmium::Way>()) {
          const osmium::TagList& tags = way.tags();
          const WayRule rule = way_rule([&tags](const char* key) { return tags[key]; }, options);
          if (!rule.routable) continue;
          Way w{way.id(), refs.size(), 0, rule.direction, rule.speed_kmh, tags["highway"], ""};
          if (const char* nm = tags["name"]) w.name = nm;
          for (const osmium::NodeRef& nr : way.nodes()) refs.push_back(nr.ref());
          w.last = refs.size();
          ways.push_back(std::move(w));
        }
      }
      reader.close();
    }
    ids = refs;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    lon.assign(ids.size(), std::numeric_limits<double>::quiet_NaN());
    lat.assign(ids.size(), std::numeric_limits<double>::quiet_NaN());
    if (!ids.empty()) {
      osmium::io::Reader reader(file, osmium::osm_entity_bits::node, pool, osmium::io::read_meta::no);
      while (osmium::memory::Buffer buffer = reader.read()) {
        for (const osmium::Node& node : buffer.select<osmium::Node>()) {
          const auto it = std::lower_bound(ids.begin(), ids.end(), node.id());
          if (it == ids.end() || *it != node.id() || !node.location().valid()) continue;
          const auto k = static_cast<std::size_t>(it - ids.begin());
          lon[k] = node.location().lon_without_check();
          lat[k] = node.location().lat_without_check();
        }
      }
      reader.close();
    }
  } catch (const InvalidInput&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw_invalid("path", InvalidInput::no_index, path, std::string("is not a readable OSM file: ") + e.what());
  } catch (...) {
    throw_invalid("path", InvalidInput::no_index, path, "is not a readable OSM file");
  }

  // Node ids → indices into `ids`; then keep the nodes some edge uses.
  for (auto& r : refs) r = std::lower_bound(ids.begin(), ids.end(), r) - ids.begin();
  auto located = [&](std::int64_t k) { return !std::isnan(lon[static_cast<std::size_t>(k)]); };
  RoadTable t;
  std::vector<std::int64_t> index(ids.size(), -1);
  for (const Way& w : ways) {
    for (std::size_t i = w.first; i + 1 < w.last; ++i) {
      std::int64_t a = refs[i], b = refs[i + 1];
      if (a == b) continue;
      if (!located(a) || !located(b)) {
        ++t.dropped_segments;
        continue;
      }
      if (w.direction < 0) std::swap(a, b);
      index[static_cast<std::size_t>(a)] = index[static_cast<std::size_t>(b)] = 0;  // used
      const double len = risk::haversine_m(lon[static_cast<std::size_t>(a)], lat[static_cast<std::size_t>(a)],
                                           lon[static_cast<std::size_t>(b)], lat[static_cast<std::size_t>(b)]);
      detail::add_edge(t, a, b, len, len / (w.speed_kmh / 3.6), w.speed_kmh, w.direction != 0);
      t.way_id.push_back(w.id);
      t.highway.push_back(w.highway);
      t.name.push_back(w.name);
    }
  }
  for (std::size_t k = 0; k < ids.size(); ++k) {
    if (index[k] < 0) continue;
    index[k] = t.num_nodes++;
    t.node_id.push_back(ids[k]);
    t.lon.push_back(lon[k]);
    t.lat.push_back(lat[k]);
  }
  for (auto* v : {&t.from, &t.to})
    for (auto& x : *v) x = index[static_cast<std::size_t>(x)];
  return t;
}

}  // namespace crisiskit::match
