// Bindings for the road-network importers (include/crisiskit/match/road_io.hpp,
// osm.hpp, osm_tags.hpp). Parsers run without the GIL and hand back their
// columns as a dict; crisiskit/road_io.py builds the RoadNetwork from it.
#include "common.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crisiskit/match/osm.hpp"
#include "crisiskit/match/osm_tags.hpp"
#include "crisiskit/match/road_io.hpp"

namespace py = pybind11;
using namespace crisiskit;
using namespace crisiskit::match;

namespace crisiskit::python {

namespace {

py::dict table_dict(const RoadTable& t) {
  py::dict d;
  d["num_nodes"] = t.num_nodes;
  d["from"] = copy_numpy(t.from);
  d["to"] = copy_numpy(t.to);
  d["length_m"] = copy_numpy(t.length_m);
  d["time_s"] = copy_numpy(t.time_s);
  d["speed_kmh"] = copy_numpy(t.speed_kmh);
  d["oneway"] = copy_numpy(t.oneway);
  d["lon"] = copy_numpy(t.lon);
  d["lat"] = copy_numpy(t.lat);
  d["node_id"] = copy_numpy(t.node_id);
  d["way_id"] = copy_numpy(t.way_id);
  d["highway"] = py::cast(t.highway);
  d["name"] = py::cast(t.name);
  d["dropped_segments"] = t.dropped_segments;
  return d;
}

// The bytes of a Python bytes object; it stays alive (and immutable) for the call.
std::string_view bytes_view(const py::bytes& b) {
  return std::string_view(PyBytes_AS_STRING(b.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(b.ptr())));
}

// Runs a parser without the GIL and returns its table as a dict.
template <class F>
py::dict parse_released(F&& parse) {
  RoadTable t;
  {
    py::gil_scoped_release nogil;
    t = parse();
  }
  return table_dict(t);
}

}  // namespace

void bind_road_io(py::module_& m) {
  m.def(
      "_parse_dimacs",
      [](const py::bytes& gr, const std::optional<py::bytes>& co, double seconds_per_unit, double metres_per_unit,
         double speed_kmh) {
        DimacsOptions o;
        o.seconds_per_unit = seconds_per_unit;
        o.metres_per_unit = metres_per_unit;
        o.speed_kmh = speed_kmh;
        const std::string_view g = bytes_view(gr);
        std::optional<std::string_view> c;
        if (co) c = bytes_view(*co);
        return parse_released([&] { return parse_dimacs(g, c, o); });
      },
      py::arg("gr"), py::arg("co"), py::arg("seconds_per_unit"), py::arg("metres_per_unit"), py::arg("speed_kmh"),
      "DIMACS .gr (+ .co) text → table dict. Use ck.read_dimacs.");
  m.def(
      "_parse_pace",
      [](const py::bytes& text, std::uint64_t seed, double min_length_m, double max_length_m, double speed_kmh) {
        PaceOptions o;
        o.seed = seed;
        o.min_length_m = min_length_m;
        o.max_length_m = max_length_m;
        o.speed_kmh = speed_kmh;
        const std::string_view s = bytes_view(text);
        return parse_released([&] { return parse_pace(s, o); });
      },
      py::arg("text"), py::arg("seed"), py::arg("min_length_m"), py::arg("max_length_m"), py::arg("speed_kmh"),
      "PACE `p tw` text → table dict with seeded travel times. Use ck.read_pace.");
  m.def(
      "_read_osm",
      [](const std::string& path, const std::string& profile, std::vector<std::string> extra_highways,
         std::vector<std::pair<std::string, double>> speed_kmh, bool allow_private, double walk_speed_kmh,
         const std::string& format, int threads) {
        OsmOptions o;
        if (profile == "car") {
          o.profile = OsmProfile::car;
        } else if (profile == "walk") {
          o.profile = OsmProfile::walk;
        } else {
          throw_invalid("profile", InvalidInput::no_index, profile, "must be 'car' or 'walk'");
        }
        o.extra_highways = std::move(extra_highways);
        o.speed_kmh = std::move(speed_kmh);
        o.allow_private = allow_private;
        o.walk_speed_kmh = walk_speed_kmh;
        o.format = format;
        o.threads = threads;
        return parse_released([&] { return read_osm(path, o); });
      },
      py::arg("path"), py::arg("profile"), py::arg("extra_highways"), py::arg("speed_kmh"), py::arg("allow_private"),
      py::arg("walk_speed_kmh"), py::arg("format"), py::arg("threads"),
      "OSM file → table dict (libosmium). Use ck.read_osm.");
  m.def(
      "_osm_maxspeed", [](std::string_view s) { return parse_maxspeed(s); }, py::arg("value"),
      "km/h from an OSM maxspeed value, or None when unreadable.");
  m.def(
      "_osm_highway_speed", [](std::string_view s) { return highway_speed_kmh(s); }, py::arg("highway"),
      "Default km/h of a highway class, or None for an unknown class.");
  m.def(
      "_osm_oneway",
      [](const std::optional<std::string>& oneway, const std::optional<std::string>& junction,
         const std::optional<std::string>& highway) {
        auto c = [](const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; };
        return oneway_direction(c(oneway), c(junction), c(highway));
      },
      py::arg("oneway"), py::arg("junction"), py::arg("highway"),
      "+1 forward, -1 backward, 0 two-way, None for reversible, by the OSM one-way rules.");
}

}  // namespace crisiskit::python
