// Bindings for include/crisiskit/scenario/: the synthetic city, the
// rainstorm and the crowd gathering. The compiled classes return plain
// columns (dicts of numpy arrays); python/crisiskit/scenario.py builds the
// documented ck.scenario API and DataFrames on top.
#include "common.hpp"

#include "crisiskit/scenario/city.hpp"
#include "crisiskit/scenario/city_generator.hpp"
#include "crisiskit/scenario/crowd_gathering.hpp"
#include "crisiskit/scenario/rainstorm.hpp"

namespace crisiskit::python {

namespace {

using namespace crisiskit::scenario;

template <class T>
py::array_t<T> np_move(std::vector<T>&& v) {
  auto* heap = new std::vector<T>(std::move(v));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(heap->size()), heap->data(), owner);
}

py::list str_list(const std::vector<std::string>& v) {
  py::list out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = py::str(v[i]);
  return out;
}

std::vector<std::uint8_t> kind_codes(const std::vector<PlaceKind>& k) {
  std::vector<std::uint8_t> out(k.size());
  for (std::size_t i = 0; i < k.size(); ++i) out[i] = static_cast<std::uint8_t>(k[i]);
  return out;
}

py::dict signal_columns(SignalRows&& s) {
  py::dict d;
  std::vector<std::uint8_t> kind(s.kind.size());
  for (std::size_t i = 0; i < kind.size(); ++i) kind[i] = static_cast<std::uint8_t>(s.kind[i]);
  d["place"] = np_move(std::move(s.place));
  d["time"] = np_move(std::move(s.time));
  d["kind"] = np_move(std::move(kind));
  d["intensity"] = np_move(std::move(s.intensity));
  d["confidence"] = np_move(std::move(s.confidence));
  return d;
}

double get_double(const py::dict& d, const char* key, double fallback) {
  return d.contains(key) ? d[key].cast<double>() : fallback;
}

CityParams city_params(const py::dict& d) {
  CityParams p;
  if (d.contains("population")) {
    const py::handle v = d["population"];
    const double x = v.cast<double>();
    CRISISKIT_CHECK(std::isfinite(x) && x == std::floor(x) && std::abs(x) < 9e15, "population", InvalidInput::no_index,
                    x, "must be a whole number of residents in [1, 10^9]");
    p.population = static_cast<std::int64_t>(x);
  }
  if (d.contains("seed")) p.seed = d["seed"].cast<std::uint64_t>();
  p.center_lon = get_double(d, "center_lon", p.center_lon), p.center_lat = get_double(d, "center_lat", p.center_lat);
  p.cell_m = get_double(d, "cell_m", p.cell_m), p.people_per_cell = get_double(d, "people_per_cell", p.people_per_cell);
  p.street_spacing_m = get_double(d, "street_spacing_m", p.street_spacing_m);
  if (d.contains("arterial_every")) p.arterial_every = d["arterial_every"].cast<std::int32_t>();
  p.arterial_kmh = get_double(d, "arterial_kmh", p.arterial_kmh), p.local_kmh = get_double(d, "local_kmh", p.local_kmh);
  p.oneway_share = get_double(d, "oneway_share", p.oneway_share);
  p.missing_share = get_double(d, "missing_share", p.missing_share);
  p.min_street_people = get_double(d, "min_street_people", p.min_street_people);
  p.stock_share = get_double(d, "stock_share", p.stock_share);
  return p;
}

py::dict params_dict(const CityParams& p) {
  py::dict d;
  d["population"] = p.population, d["seed"] = p.seed, d["center_lon"] = p.center_lon, d["center_lat"] = p.center_lat;
  d["cell_m"] = p.cell_m, d["people_per_cell"] = p.people_per_cell, d["street_spacing_m"] = p.street_spacing_m;
  d["arterial_every"] = p.arterial_every, d["arterial_kmh"] = p.arterial_kmh, d["local_kmh"] = p.local_kmh;
  d["oneway_share"] = p.oneway_share, d["missing_share"] = p.missing_share;
  d["min_street_people"] = p.min_street_people, d["stock_share"] = p.stock_share;
  return d;
}

// Storm cells from columns (x_m, y_m, vx_ms, vy_ms, radius_m, peak_mm_h, start, peak, end; times as int seconds).
std::vector<StormCell> storm_cells(const py::dict& d) {
  auto f = [&](const char* k) { return array_1d<double>(d[k], k); };
  auto i = [&](const char* k) { return array_1d<std::int64_t>(d[k], k); };
  auto x = f("x_m"), y = f("y_m"), vx = f("vx_ms"), vy = f("vy_ms"), r = f("radius_m"), pk = f("peak_mm_h");
  auto s = i("start"), p = i("peak"), e = i("end");
  const auto n = static_cast<std::size_t>(x.shape(0));
  for (const auto* a : {&y, &vx, &vy, &r, &pk})
    CRISISKIT_CHECK(static_cast<std::size_t>(a->shape(0)) == n, "storms", InvalidInput::no_index, a->shape(0),
                    "every column must have one entry per storm cell");
  for (const auto* a : {&s, &p, &e})
    CRISISKIT_CHECK(static_cast<std::size_t>(a->shape(0)) == n, "storms", InvalidInput::no_index, a->shape(0),
                    "every column must have one entry per storm cell");
  std::vector<StormCell> out(n);
  for (std::size_t k = 0; k < n; ++k)
    out[k] = {x.at(k), y.at(k), vx.at(k), vy.at(k), r.at(k), pk.at(k), s.at(k), p.at(k), e.at(k)};
  return out;
}

py::dict storm_columns(const std::vector<StormCell>& s) {
  std::vector<double> x, y, vx, vy, r, pk;
  std::vector<std::int64_t> st, p, e;
  for (const auto& c : s) {
    x.push_back(c.x_m), y.push_back(c.y_m), vx.push_back(c.vx_ms), vy.push_back(c.vy_ms), r.push_back(c.radius_m);
    pk.push_back(c.peak_mm_h), st.push_back(c.start), p.push_back(c.peak), e.push_back(c.end);
  }
  py::dict d;
  d["x_m"] = np_move(std::move(x)), d["y_m"] = np_move(std::move(y)), d["vx_ms"] = np_move(std::move(vx));
  d["vy_ms"] = np_move(std::move(vy)), d["radius_m"] = np_move(std::move(r)), d["peak_mm_h"] = np_move(std::move(pk));
  d["start"] = np_move(std::move(st)), d["peak"] = np_move(std::move(p)), d["end"] = np_move(std::move(e));
  return d;
}

FloodParams flood_params(const py::dict& d) {
  FloodParams p;
  double* fields[] = {&p.max_substep_s, &p.flow_share, &p.close_depth_m, &p.slow_from_m, &p.subway_close_m,
                      &p.subway_reopen_h, &p.substation_fail_m, &p.water_plant_fail_m, &p.recovery_h,
                      &p.weather_min_mm_h, &p.iot_min_m, &p.river_stage_m};
  const char* names[] = {"max_substep_s", "flow_share", "close_depth_m", "slow_from_m", "subway_close_m",
                         "subway_reopen_h", "substation_fail_m", "water_plant_fail_m", "recovery_h",
                         "weather_min_mm_h", "iot_min_m", "river_stage_m"};
  for (const auto& kv : d) {
    const auto key = kv.first.cast<std::string>();
    const auto* it = std::find_if(std::begin(names), std::end(names), [&](const char* n) { return key == n; });
    if (it == std::end(names)) throw_repr("params", InvalidInput::no_index, kv.first, "is not a FloodParams field");
    *fields[it - std::begin(names)] = kv.second.cast<double>();
  }
  return p;
}

py::dict flood_params_dict(const FloodParams& p) {
  py::dict d;
  d["max_substep_s"] = p.max_substep_s, d["flow_share"] = p.flow_share, d["close_depth_m"] = p.close_depth_m;
  d["slow_from_m"] = p.slow_from_m, d["subway_close_m"] = p.subway_close_m, d["subway_reopen_h"] = p.subway_reopen_h;
  d["substation_fail_m"] = p.substation_fail_m, d["water_plant_fail_m"] = p.water_plant_fail_m;
  d["recovery_h"] = p.recovery_h, d["weather_min_mm_h"] = p.weather_min_mm_h, d["iot_min_m"] = p.iot_min_m;
  d["river_stage_m"] = p.river_stage_m;
  return d;
}

py::dict rain_step_columns(RainStep&& s) {
  py::dict d;
  d["previous"] = s.previous, d["time"] = s.time;
  d["rain_mm"] = np_move(std::move(s.rain_mm)), d["depth_m"] = np_move(std::move(s.depth_m));
  d["max_depth_m"] = np_move(std::move(s.max_depth_m));
  d["closed_edges"] = np_move(std::move(s.closed_edges)), d["slowed_edges"] = np_move(std::move(s.slowed_edges));
  d["slow_factor"] = np_move(std::move(s.slow_factor)), d["trapped"] = np_move(std::move(s.trapped));
  d["affected_share"] = np_move(std::move(s.affected_share)), d["displaced_share"] = np_move(std::move(s.displaced_share));
  d["power_outage"] = np_move(std::move(s.power_outage)), d["water_outage"] = np_move(std::move(s.water_outage));
  d["stopped_stations"] = np_move(std::move(s.stopped_stations)), d["stopped_lines"] = np_move(std::move(s.stopped_lines));
  d["failed_sites"] = np_move(std::move(s.failed_sites));
  d["signals"] = signal_columns(std::move(s.signals));
  d["rain_m3"] = s.rain_m3, d["stored_m3"] = s.stored_m3, d["drained_m3"] = s.drained_m3, d["river_m3"] = s.river_m3;
  return d;
}

// Objects whose methods release the GIL refuse a concurrent second caller.
struct PyRainstorm {
  Rainstorm storm;
  mutable std::atomic<bool> busy{false};
  explicit PyRainstorm(Rainstorm s) : storm(std::move(s)) {}
};
struct PyCrowd {
  CrowdGathering crowd;
  mutable std::atomic<bool> busy{false};
  explicit PyCrowd(CrowdGathering c) : crowd(std::move(c)) {}
};

CrowdParams crowd_params(const py::dict& d) {
  CrowdParams p;
  if (d.contains("venue")) p.venue = d["venue"].cast<std::int32_t>();
  if (d.contains("start")) p.start = time_arg(d["start"], "start");
  p.peak_share = get_double(d, "peak_share", p.peak_share), p.rise_h = get_double(d, "rise_h", p.rise_h);
  p.disperse_h = get_double(d, "disperse_h", p.disperse_h);
  p.incident_rate_h = get_double(d, "incident_rate_h", p.incident_rate_h);
  p.heat_gain_h = get_double(d, "heat_gain_h", p.heat_gain_h);
  p.heat_half_life_h = get_double(d, "heat_half_life_h", p.heat_half_life_h);
  p.release_half_life_h = get_double(d, "release_half_life_h", p.release_half_life_h);
  p.negative_base = get_double(d, "negative_base", p.negative_base);
  p.negative_top = get_double(d, "negative_top", p.negative_top);
  if (d.contains("petitions")) p.petitions = d["petitions"].cast<std::int32_t>();
  if (d.contains("releases"))
    for (auto t : d["releases"]) p.releases.push_back(time_arg(t, "releases"));
  if (d.contains("seed")) p.seed = d["seed"].cast<std::uint64_t>();
  return p;
}

}  // namespace

void bind_scenario(py::module_& m) {
  py::class_<City>(m, "_City")
      .def_static("generate", [](const py::dict& d) {
        CityParams p = city_params(d);
        py::gil_scoped_release nogil;
        return generate_city(p);
      })
      .def_static("from_bytes", [](const py::bytes& b) {
        std::string s = b;
        py::gil_scoped_release nogil;
        return City::from_bytes(s);
      })
      .def("to_bytes", [](const City& c) {
        std::string s;
        {
          py::gil_scoped_release nogil;
          s = c.to_bytes();
        }
        return py::bytes(s);
      })
      .def_property_readonly("params", [](const City& c) { return params_dict(c.params); })
      .def_property_readonly("shape", [](const City& c) { return py::make_tuple(c.rows, c.cols); })
      .def_property_readonly("blocks", [](const City& c) {
        py::dict d;
        d["first_district"] = c.first_district, d["first_street"] = c.first_street;
        d["first_community"] = c.first_community, d["first_cell"] = c.first_cell, d["first_site"] = c.first_site;
        return d;
      })
      .def("_places", [](const City& c) {
        py::dict d;
        d["id"] = str_list(c.place_id), d["kind"] = copy_numpy(kind_codes(c.place_kind));
        d["parent"] = copy_numpy(c.place_parent), d["lon"] = copy_numpy(c.place_lon), d["lat"] = copy_numpy(c.place_lat);
        d["population"] = copy_numpy(c.place_population), d["vulnerable"] = copy_numpy(c.place_vulnerable);
        return d;
      })
      .def("_cells", [](const City& c) {
        py::dict d;
        d["x_m"] = copy_numpy(c.cell_x_m), d["y_m"] = copy_numpy(c.cell_y_m);
        d["lon"] = copy_numpy(c.cell_lon), d["lat"] = copy_numpy(c.cell_lat);
        d["population"] = copy_numpy(c.cell_population), d["vulnerable"] = copy_numpy(c.cell_vulnerable);
        d["elevation_m"] = copy_numpy(c.cell_elevation_m), d["drain_mm_h"] = copy_numpy(c.cell_drain_mm_h);
        d["old_estate"] = copy_numpy(c.cell_old_estate), d["river"] = copy_numpy(c.cell_river);
        d["community"] = copy_numpy(c.cell_community), d["node"] = copy_numpy(c.cell_node);
        d["substation"] = copy_numpy(c.cell_substation), d["water_plant"] = copy_numpy(c.cell_water_plant);
        return d;
      })
      .def("_sites", [](const City& c) {
        py::dict d;
        d["cell"] = copy_numpy(c.site_cell), d["line"] = copy_numpy(c.site_line);
        d["capacity"] = copy_numpy(c.site_capacity);
        return d;
      })
      .def("_roads", [](const City& c) {
        py::dict d;
        d["node_lon"] = copy_numpy(c.node_lon), d["node_lat"] = copy_numpy(c.node_lat);
        d["node_cell"] = copy_numpy(c.node_cell);
        d["from"] = copy_numpy(c.edge_from), d["to"] = copy_numpy(c.edge_to);
        d["length_m"] = copy_numpy(c.edge_length_m), d["speed_kmh"] = copy_numpy(c.edge_speed_kmh);
        d["oneway"] = copy_numpy(c.edge_oneway), d["arterial"] = copy_numpy(c.edge_arterial);
        d["cell"] = copy_numpy(c.edge_cell);
        return d;
      })
      .def("_depots", [](const City& c) {
        py::dict d;
        d["id"] = str_list(c.depot_id), d["node"] = copy_numpy(c.depot_node);
        d["stock"] = copy_numpy(c.depot_stock), d["types"] = str_list(depot_resource_types());
        d["team_id"] = str_list(c.team_id), d["team_node"] = copy_numpy(c.team_node);
        d["team_skills"] = str_list(c.team_skills), d["team_headcount"] = copy_numpy(c.team_headcount);
        return d;
      });
  m.attr("_PLACE_KINDS") = [] {
    py::list l;
    for (int k = 0; k < kNumPlaceKinds; ++k) l.append(to_string(static_cast<PlaceKind>(k)));
    return l;
  }();
  m.attr("_SIGNAL_KINDS") = [] {
    py::list l;
    for (int k = 0; k < kNumSignalKinds; ++k) l.append(to_string(static_cast<SignalKind>(k)));
    return l;
  }();

  m.def("_extreme_storms", [](const City& c, py::handle start, std::uint64_t seed, double total) {
    const Timestamp t = time_arg(start, "start");
    std::vector<StormCell> s;
    {
      py::gil_scoped_release nogil;
      s = Rainstorm::extreme_storms(c, t, seed, total);
    }
    return storm_columns(s);
  });
  m.def("_max_24h_mm", [](const City& c, const py::dict& storms, py::handle from, py::handle to) {
    auto s = storm_cells(storms);
    const Timestamp a = time_arg(from, "start"), b = time_arg(to, "end");
    py::gil_scoped_release nogil;
    return Rainstorm::max_24h_mm(c, s, a, b);
  });

  py::class_<PyRainstorm>(m, "_RainstormCore")
      .def(py::init([](const City& c, const py::dict& storms, py::handle start, const py::dict& params) {
        return std::make_unique<PyRainstorm>(Rainstorm(c, storm_cells(storms), time_arg(start, "start"), flood_params(params)));
      }))
      .def_static("_from_bytes", [](const City& c, const py::bytes& b) {
        return std::make_unique<PyRainstorm>(Rainstorm::from_bytes(c, std::string(b)));
      })
      .def("to_bytes", [](const PyRainstorm& s) {
        BusyGuard g(s.busy, "Rainstorm");
        return py::bytes(s.storm.to_bytes());
      })
      .def("_step", [](PyRainstorm& s, py::handle t) {
        BusyGuard g(s.busy, "Rainstorm");
        const Timestamp at = time_arg(t);
        RainStep r;
        {
          py::gil_scoped_release nogil;
          r = s.storm.step(at);
        }
        return rain_step_columns(std::move(r));
      })
      .def("rain_field", [](const PyRainstorm& s, py::handle t) {
        const Timestamp at = time_arg(t);
        return np_move(s.storm.rain_field(static_cast<double>(at)));
      }, py::arg("time"), "Rain rate per cell at `time`, mm/h, shape (#cells,).")
      .def_property_readonly("_time", [](const PyRainstorm& s) { return s.storm.time(); })
      .def_property_readonly("_start", [](const PyRainstorm& s) { return s.storm.start(); })
      .def_property_readonly("depth_m", [](const PyRainstorm& s) { return copy_numpy(s.storm.depth_m()); },
                             "Water depth per cell now, metres, shape (#cells,).")
      .def_property_readonly("_storms", [](const PyRainstorm& s) { return storm_columns(s.storm.storms()); })
      .def_property_readonly("_params", [](const PyRainstorm& s) { return flood_params_dict(s.storm.params()); });

  py::class_<PyCrowd>(m, "_CrowdCore")
      .def(py::init([](const City& c, const py::dict& params, py::handle clock_start) {
        return std::make_unique<PyCrowd>(CrowdGathering(c, crowd_params(params), time_arg(clock_start, "start")));
      }))
      .def("_step", [](PyCrowd& s, py::handle t) {
        BusyGuard g(s.busy, "CrowdGathering");
        CrowdStep r = s.crowd.step(time_arg(t));
        py::dict d;
        d["previous"] = r.previous, d["time"] = r.time, d["crowd"] = r.crowd, d["heat"] = r.heat;
        d["negative_share"] = r.negative_share, d["new_incidents"] = r.new_incidents;
        d["total_incidents"] = r.total_incidents, d["signals"] = signal_columns(std::move(r.signals));
        return d;
      })
      .def_property_readonly("_time", [](const PyCrowd& s) { return s.crowd.time(); })
      .def_property_readonly("heat", [](const PyCrowd& s) { return s.crowd.heat(); }, "Opinion heat now, 0–100.")
      .def_property_readonly("venue_place", [](const PyCrowd& s) { return s.crowd.venue_place(); })
      .def_property_readonly("community_place", [](const PyCrowd& s) { return s.crowd.community_place(); });
}

}  // namespace crisiskit::python
