// risk/: RiskMap, its config, the Hawkes forecast model, geometry helpers.
// DataFrame conveniences, plotting and HTML live in crisiskit/risk.py, which
// subclasses the class bound here.
#include <pybind11/functional.h>

#include "common.hpp"

#include "crisiskit/risk/risk_map.hpp"
#include "crisiskit/severity/secondary.hpp"

namespace crisiskit::python {

namespace {

using namespace crisiskit::risk;

// The map as Python sees it: the C++ map plus a busy flag (methods release the GIL).
struct PyRiskMap {
  RiskMap map;
  mutable std::atomic<bool> busy{false};
  explicit PyRiskMap(RiskMap m) : map(std::move(m)) {}
};

template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v) {
  // Hand the vector's buffer to numpy without a copy.
  auto* heap = new std::vector<T>(std::move(v));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(static_cast<py::ssize_t>(heap->size()), heap->data(), owner);
}

// Optional float column: None → empty; scalar → filled; else a 1-D array of n.
std::vector<double> float_column(py::handle v, std::size_t n, const char* field, bool allow_scalar = true) {
  if (v.is_none()) return {};
  if (allow_scalar && (py::isinstance<py::float_>(v) || py::isinstance<py::int_>(v)) && !py::isinstance<py::bool_>(v))
    return std::vector<double>(n, v.cast<double>());
  auto a = array_1d<double>(v, field);
  CRISISKIT_CHECK(static_cast<std::size_t>(a.shape(0)) == n, field, InvalidInput::no_index, a.shape(0),
                  fmt::format("length must match the ids ({})", n));
  return std::vector<double>(a.data(), a.data() + n);
}

// Ids → indices, naming the field and row of an unknown id. GIL released for the lookups.
std::vector<Index> indices_of(const IdMap& ids, const IdBatch& b, const char* field) {
  const std::size_t n = b.views.size();
  std::vector<Index> out(n);
  py::gil_scoped_release nogil;
  // Hash lookups are independent: split them over the cores, note the first miss.
  const unsigned workers = crisiskit::detail::planned_workers(n, 1 << 16);
  std::vector<std::size_t> miss(workers, n);
  crisiskit::detail::parallel_for(n, 1 << 16, [&](std::size_t lo, std::size_t hi, unsigned w) {
    for (std::size_t r = lo; r < hi; ++r) {
      auto f = ids.find(b.views[r]);
      if (!f) {
        miss[w] = r;
        return;
      }
      out[r] = *f;
    }
  });
  const std::size_t bad = *std::min_element(miss.begin(), miss.end());
  if (bad < n) throw_invalid(field, static_cast<std::int64_t>(bad), b.views[bad], "unknown place id");
  return out;
}

std::vector<Index> index_column(py::handle v, const char* field) {
  auto a = array_1d<std::int64_t>(v, field);
  return std::vector<Index>(a.data(), a.data() + a.shape(0));
}

// Kind column: one str for all rows, an integer array of kind codes, or a sequence of str.
std::vector<std::uint16_t> kind_column(const RiskMap& m, py::handle v, std::size_t n) {
  if (py::isinstance<py::str>(v)) return std::vector<std::uint16_t>(n, m.kind_code(v.cast<std::string>(), "kind"));
  if (py::isinstance<py::array>(v)) {
    auto arr = py::reinterpret_borrow<py::array>(v);
    if (arr.dtype().kind() == 'i' || arr.dtype().kind() == 'u') {
      auto a = array_1d<std::int64_t>(v, "kind");
      CRISISKIT_CHECK(static_cast<std::size_t>(a.shape(0)) == n, "kind", InvalidInput::no_index, a.shape(0),
                      fmt::format("length must match place ({})", n));
      std::vector<std::uint16_t> out(n);
      const auto K = static_cast<std::int64_t>(m.config().source_kinds.size());
      for (std::size_t r = 0; r < n; ++r) {
        CRISISKIT_CHECK(a.data()[r] >= 0 && a.data()[r] < K, "kind", static_cast<std::int64_t>(r), a.data()[r],
                        fmt::format("kind code out of range [0, {})", K));
        out[r] = static_cast<std::uint16_t>(a.data()[r]);
      }
      return out;
    }
  }
  const IdBatch b = id_batch(v, "kind");
  CRISISKIT_CHECK(b.views.size() == n, "kind", InvalidInput::no_index, b.views.size(),
                  fmt::format("length must match place ({})", n));
  std::vector<std::uint16_t> out(n);
  std::vector<std::string> names;
  for (const auto& k : m.config().source_kinds) names.push_back(k.name);
  py::gil_scoped_release nogil;
  const unsigned workers = crisiskit::detail::planned_workers(n, 1 << 16);
  std::vector<std::size_t> miss(workers, n);
  crisiskit::detail::parallel_for(n, 1 << 16, [&](std::size_t lo, std::size_t hi, unsigned w) {
    std::size_t last = 0;  // runs of one kind are common: try the previous one first
    for (std::size_t r = lo; r < hi; ++r) {
      const auto s = b.views[r];
      if (s == names[last]) {
        out[r] = static_cast<std::uint16_t>(last);
        continue;
      }
      const auto it = std::find(names.begin(), names.end(), s);
      if (it == names.end()) {
        miss[w] = r;
        return;
      }
      last = static_cast<std::size_t>(it - names.begin());
      out[r] = static_cast<std::uint16_t>(last);
    }
  });
  const std::size_t bad = *std::min_element(miss.begin(), miss.end());
  if (bad < n) m.kind_code(b.views[bad], "kind", static_cast<std::int64_t>(bad));  // throws, naming the row
  return out;
}

std::vector<Timestamp> time_column(py::handle v, std::size_t n, const char* field) {
  const bool scalar = py::isinstance<py::str>(v) || py::isinstance<py::bytes>(v) ||
                      (py::isinstance<py::array>(v) ? py::reinterpret_borrow<py::array>(v).ndim() == 0
                                                    : !py::isinstance<py::sequence>(v));
  if (scalar) return std::vector<Timestamp>(n, time_arg(v, field));
  py::array a = time_module().attr("to_seconds_array")(v, field);
  auto t = array_1d<std::int64_t>(a, field);
  if (t.shape(0) == 1 && n != 1) return std::vector<Timestamp>(n, t.data()[0]);
  CRISISKIT_CHECK(static_cast<std::size_t>(t.shape(0)) == n, field, InvalidInput::no_index, t.shape(0),
                  fmt::format("length must match place ({})", n));
  return std::vector<Timestamp>(t.data(), t.data() + n);
}

void add_signals_impl(PyRiskMap& self, std::vector<Index> place, py::handle time, py::handle kind, py::handle intensity,
                      py::handle confidence) {
  const std::size_t n = place.size();
  auto times = time_column(time, n, "time");
  auto kinds = kind_column(self.map, kind, n);
  auto x = float_column(intensity, n, "intensity");
  auto c = float_column(confidence, n, "confidence");
  if (x.empty()) x.assign(n, 1.0);
  if (c.empty()) c.assign(n, 1.0);
  py::gil_scoped_release nogil;
  self.map.add_signals(place, times, kinds, x, c);
}

void add_links_impl(PyRiskMap& self, std::vector<Index> src, std::vector<Index> dst, py::handle weight,
                    const std::string& type, bool directed) {
  auto w = float_column(weight, src.size(), "weight", false);
  py::gil_scoped_release nogil;
  self.map.add_links(src, dst, w, type, directed);
}

py::dict links_columns(LinkList&& l) {
  py::dict d;
  d["src"] = to_numpy(std::move(l.src));
  d["dst"] = to_numpy(std::move(l.dst));
  d["distance_m"] = to_numpy(std::move(l.distance_m));
  return d;
}

// Links built from the places' coordinates (make(lon, lat) → LinkList), without the GIL.
template <class Make>
py::dict spatial_links(const PyRiskMap& self, Make make) {
  BusyGuard g(self.busy, "RiskMap");
  LinkList l;
  {
    py::gil_scoped_release nogil;
    l = make(self.map.lon(), self.map.lat());
  }
  return links_columns(std::move(l));
}

std::vector<double> timescales_arg(py::handle v) {
  std::vector<double> out;
  for (auto x : py::reinterpret_borrow<py::sequence>(v)) out.push_back(x.cast<double>() * 3600.0);
  return out;
}

py::dict kernel_dict(const HawkesKernel& k) {
  py::dict d;
  d["beta_per_hour"] = k.beta * 3600.0;
  d["timescale_hours"] = 1.0 / (k.beta * 3600.0);
  d["alpha_self"] = k.alpha_self;
  d["alpha_neighbour"] = k.alpha_neighbour;
  return d;
}

py::tuple csr_tuple(const CsrMatrix& m) {
  return py::make_tuple(copy_numpy(m.ptr), copy_numpy(m.col), copy_numpy(m.val));
}

Normalization normalization_arg(const std::string& s) {
  if (s == "receiver") return Normalization::RECEIVER;
  if (s == "none") return Normalization::NONE;
  throw_invalid("normalization", InvalidInput::no_index, s, "expected 'receiver' or 'none'");
}

}  // namespace

void bind_risk(py::module_& m) {
  py::class_<SourceKind>(m, "SourceKind",
                         "A source of signals: weight, half-life and family (kinds of one family count once as "
                         "evidence of a latent cause).")
      .def(py::init([](std::string name, double weight, py::handle half_life, std::string family) {
             SourceKind k{std::move(name), weight, duration_arg(half_life, "half_life"), std::move(family)};
             return k;
           }),
           py::arg("name"), py::arg("weight") = 1.0, py::arg("half_life") = 86400, py::arg("family") = "",
           "half_life: seconds (int), numpy timedelta64 or datetime.timedelta.")
      .def_readonly("name", &SourceKind::name)
      .def_readonly("weight", &SourceKind::weight)
      .def_readonly("half_life", &SourceKind::half_life, "seconds")
      .def_readonly("family", &SourceKind::family)
      .def("__repr__", [](const SourceKind& k) {
        return fmt::format("SourceKind(name='{}', weight={}, half_life={} s{})", k.name, k.weight, k.half_life,
                           k.family.empty() ? "" : ", family='" + k.family + "'");
      });
  m.def("default_source_kinds", &default_source_kinds, "The built-in source kinds (see the README's table).");
  m.def("default_place_factors", &default_place_factors, "Exposure multiplier per place kind (others: 1).");

  py::class_<RiskConfig>(m, "RiskConfig",
                         "Parameters of a RiskMap. Keyword arguments: source_kinds (list of SourceKind), "
                         "place_factors and link_type_factors (dict str → float), vulnerability_gain, alpha "
                         "(propagation damping in [0, 1)), normalization ('receiver' or 'none'), scale (pressure "
                         "units at which the score is 63.2), tolerance, max_iterations, latent_recent / "
                         "latent_baseline / latent_prior (durations), latent_max_p, latent_min_count, "
                         "latent_min_kinds, policy (GradingPolicy).")
      .def(py::init([](py::handle source_kinds, py::handle place_factors, py::handle link_type_factors,
                       double vulnerability_gain, double alpha, const std::string& normalization, double scale,
                       double tolerance, int max_iterations, py::handle latent_recent, py::handle latent_baseline,
                       py::handle latent_prior, double latent_max_p, int latent_min_count, int latent_min_kinds,
                       py::handle policy) {
             RiskConfig c;
             if (!source_kinds.is_none()) c.source_kinds = source_kinds.cast<std::vector<SourceKind>>();
             if (!place_factors.is_none()) {
               for (auto kv : py::reinterpret_borrow<py::dict>(place_factors))
                 c.place_factors[kv.first.cast<std::string>()] = kv.second.cast<double>();
             }
             if (!link_type_factors.is_none()) c.link_type_factors = link_type_factors.cast<std::map<std::string, double>>();
             c.vulnerability_gain = vulnerability_gain;
             c.alpha = alpha;
             c.normalization = normalization_arg(normalization);
             c.scale = scale;
             c.tolerance = tolerance;
             c.max_iterations = max_iterations;
             c.latent.recent = duration_arg(latent_recent, "latent_recent");
             c.latent.baseline = duration_arg(latent_baseline, "latent_baseline");
             c.latent.prior = duration_arg(latent_prior, "latent_prior");
             c.latent.max_p = latent_max_p;
             c.latent.min_count = latent_min_count;
             c.latent.min_kinds = latent_min_kinds;
             if (!policy.is_none()) c.policy = policy.cast<GradingPolicy>();
             c.validate();
             return c;
           }),
           py::kw_only(), py::arg("source_kinds") = py::none(), py::arg("place_factors") = py::none(),
           py::arg("link_type_factors") = py::none(), py::arg("vulnerability_gain") = 1.0, py::arg("alpha") = 0.3,
           py::arg("normalization") = "receiver", py::arg("scale") = 10.0, py::arg("tolerance") = 1e-13,
           py::arg("max_iterations") = 10000, py::arg("latent_recent") = 72 * 3600,
           py::arg("latent_baseline") = 28 * 86400, py::arg("latent_prior") = 7 * 86400, py::arg("latent_max_p") = 1e-3,
           py::arg("latent_min_count") = 2, py::arg("latent_min_kinds") = 2, py::arg("policy") = py::none())
      .def_readonly("source_kinds", &RiskConfig::source_kinds)
      .def_readonly("place_factors", &RiskConfig::place_factors)
      .def_readonly("link_type_factors", &RiskConfig::link_type_factors)
      .def_readonly("vulnerability_gain", &RiskConfig::vulnerability_gain)
      .def_readonly("alpha", &RiskConfig::alpha)
      .def_property_readonly("normalization",
                             [](const RiskConfig& c) { return c.normalization == Normalization::RECEIVER ? "receiver" : "none"; })
      .def_readonly("scale", &RiskConfig::scale)
      .def_readonly("tolerance", &RiskConfig::tolerance)
      .def_readonly("max_iterations", &RiskConfig::max_iterations)
      .def_property_readonly("latent", [](const RiskConfig& c) {
        py::dict d;
        d["recent"] = c.latent.recent, d["baseline"] = c.latent.baseline, d["prior"] = c.latent.prior;
        d["max_p"] = c.latent.max_p, d["min_count"] = c.latent.min_count, d["min_kinds"] = c.latent.min_kinds;
        return d;
      })
      .def_readonly("policy", &RiskConfig::policy)
      .def("__repr__", [](const RiskConfig& c) {
        return fmt::format("RiskConfig(alpha={}, normalization='{}', scale={}, {} source kinds)", c.alpha,
                           c.normalization == Normalization::RECEIVER ? "receiver" : "none", c.scale, c.source_kinds.size());
      });

  py::class_<HawkesModel>(m, "HawkesModel",
                          "Fitted forecast model: per-place background rate mu (events/second), hour-of-week "
                          "profile seasonal (168, hour 0 = Monday 00:00 local, mean 1), exponential kernels, the "
                          "kinds counted as incidents, and fit diagnostics. Save with to_bytes / pickle; load with "
                          "HawkesModel.from_bytes and RiskMap.model = ...")
      .def_property_readonly("mu", [](const HawkesModel& h) { return copy_numpy(h.mu); })
      .def_property_readonly("seasonal", [](const HawkesModel& h) {
        return py::array_t<double>(hours_per_week, h.seasonal.data());
      })
      .def_readonly("utc_offset_minutes", &HawkesModel::utc_offset_minutes)
      .def_property_readonly("kernels", [](const HawkesModel& h) {
        py::list l;
        for (const auto& k : h.kernels) l.append(kernel_dict(k));
        return l;
      }, "list of dicts: beta_per_hour, timescale_hours, alpha_self, alpha_neighbour")
      .def_readonly("kinds", &HawkesModel::kinds)
      .def_readonly("log_likelihood", &HawkesModel::log_likelihood)
      .def_readonly("iterations", &HawkesModel::iterations)
      .def_readonly("converged", &HawkesModel::converged)
      .def_property_readonly("fit_start", [](const HawkesModel& h) { return time_out(h.fit_start); })
      .def_property_readonly("fit_end", [](const HawkesModel& h) { return time_out(h.fit_end); })
      .def_readonly("events", &HawkesModel::events)
      .def_property_readonly("branching_ratio", &HawkesModel::branching_ratio,
                             "Σ (alpha_self + alpha_neighbour): < 1 means stationary")
      .def("to_bytes", [](const HawkesModel& h) { return py::bytes(h.to_bytes()); })
      .def_static("from_bytes", [](const py::bytes& b) { return HawkesModel::from_bytes(std::string(b)); })
      .def("to_dict", [](const HawkesModel& h) {
        py::dict d;
        py::list ks;
        for (const auto& k : h.kernels) ks.append(kernel_dict(k));
        d["kernels"] = ks;
        d["kinds"] = h.kinds;
        d["utc_offset_minutes"] = h.utc_offset_minutes;
        std::vector<double> per_day(h.mu);
        for (auto& v : per_day) v *= 86400.0;
        d["mu_per_day"] = to_numpy(std::move(per_day));
        d["seasonal"] = py::array_t<double>(hours_per_week, h.seasonal.data());
        d["log_likelihood"] = h.log_likelihood;
        d["iterations"] = h.iterations;
        d["converged"] = h.converged;
        d["events"] = h.events;
        return d;
      })
      .def(py::pickle([](const HawkesModel& h) { return py::bytes(h.to_bytes()); },
                      [](const py::bytes& b) { return HawkesModel::from_bytes(std::string(b)); }))
      .def("__eq__", [](const HawkesModel& a, const HawkesModel& b) { return a == b; })
      .def("__repr__", [](const HawkesModel& h) {
        std::string ks;
        for (const auto& k : h.kernels)
          ks += fmt::format("{}({:.3g} h: self {:.3f}, nb {:.3f})", ks.empty() ? "" : ", ", 1.0 / (k.beta * 3600),
                            k.alpha_self, k.alpha_neighbour);
        return fmt::format("HawkesModel({} places, kernels [{}], branching {:.3f}, ll {:.6g}, {} iterations{})",
                           h.mu.size(), ks, h.branching_ratio(), h.log_likelihood, h.iterations,
                           h.converged ? "" : ", NOT converged");
      });

  py::class_<PyRiskMap>(m, "_RiskMapCore")
      .def(py::init([](py::handle ids, py::handle kind, py::handle lon, py::handle lat, py::handle population,
                       py::handle vulnerable, py::handle parent, py::handle config) {
             const IdBatch idb = id_batch(ids, "id");
             const std::size_t n = idb.views.size();
             IdBatch kb, pb;
             std::vector<std::string_view> kind_views;
             if (py::isinstance<py::str>(kind)) {
               kind_views.assign(n, std::string_view());
               kb.storage = kind.cast<std::string>();
               for (auto& v : kind_views) v = kb.storage;
             } else if (!kind.is_none()) {
               kb = id_batch(kind, "kind");
               kind_views = kb.views;
             }
             if (!parent.is_none()) pb = id_batch(parent, "parent");
             auto lo = float_column(lon, n, "lon", false), la = float_column(lat, n, "lat", false);
             auto po = float_column(population, n, "population"), vu = float_column(vulnerable, n, "vulnerable");
             RiskConfig cfg = config.is_none() ? RiskConfig{} : config.cast<RiskConfig>();
             PlaceColumns pc{idb.views, kind_views, lo, la, po, vu, pb.views};
             py::gil_scoped_release nogil;
             return std::make_unique<PyRiskMap>(RiskMap(pc, std::move(cfg)));
           }),
           py::arg("ids"), py::arg("kind") = py::none(), py::arg("lon") = py::none(), py::arg("lat") = py::none(),
           py::arg("population") = py::none(), py::arg("vulnerable") = py::none(), py::arg("parent") = py::none(),
           py::arg("config") = py::none())
      .def("_load", [](PyRiskMap& self, const py::bytes& b) {
        BusyGuard g(self.busy, "RiskMap");
        std::string s(b);
        py::gil_scoped_release nogil;
        self.map = RiskMap::from_bytes(s);
      })
      .def("to_bytes", [](const PyRiskMap& self) {
        BusyGuard g(self.busy, "RiskMap");
        std::string s;
        {
          py::gil_scoped_release nogil;
          s = self.map.to_bytes();
        }
        return py::bytes(s);
      }, "Versioned binary snapshot: config, places, links, signals and the fitted model.")
      .def_property_readonly("num_places", [](const PyRiskMap& s) { return s.map.num_places(); })
      .def_property_readonly("num_links", [](const PyRiskMap& s) { return s.map.num_links(); },
                             "directed arcs after merging")
      .def_property_readonly("num_signals", [](const PyRiskMap& s) { return s.map.num_signals(); })
      .def("__len__", [](const PyRiskMap& s) { return s.map.num_places(); })
      .def_property_readonly("ids", [](const PyRiskMap& s) {
        py::list l;
        for (const auto& id : s.map.places().ids()) l.append(id);
        return l;
      }, "place ids in table order (every array result is aligned with them)")
      .def_property_readonly("config", [](const PyRiskMap& s) { return s.map.config(); })
      .def("_signal_time_max", [](const PyRiskMap& s) {
        const auto& t = s.map.signal_times();
        return t.empty() ? Timestamp{0} : *std::max_element(t.begin(), t.end());
      })
      .def_property_readonly("_place_columns", [](const PyRiskMap& s) {
        const auto& r = s.map;
        py::dict d;
        py::list kinds, parents;
        for (Index i = 0; i < r.num_places(); ++i) {
          kinds.append(r.place_kind(i));
          const Index p = r.parent()[static_cast<std::size_t>(i)];
          parents.append(p >= 0 ? py::object(py::str(r.places().id(p))) : py::object(py::none()));
        }
        d["kind"] = kinds, d["parent"] = parents;
        d["lon"] = copy_numpy(r.lon()), d["lat"] = copy_numpy(r.lat());
        d["population"] = copy_numpy(r.population()), d["vulnerable"] = copy_numpy(r.vulnerable());
        d["exposure"] = copy_numpy(r.exposure());
        return d;
      })
      .def("index_of", [](const PyRiskMap& s, const std::string& id) { return s.map.places().at(id, "place"); },
           "Position of a place id. Raises InvalidInput for unknown ids.")
      .def("add_links", [](PyRiskMap& self, py::handle src, py::handle dst, py::handle weight, const std::string& type,
                           bool directed) {
             BusyGuard g(self.busy, "RiskMap");
             auto s = indices_of(self.map.places(), id_batch(src, "src"), "src");
             auto d = indices_of(self.map.places(), id_batch(dst, "dst"), "dst");
             add_links_impl(self, std::move(s), std::move(d), weight, type, directed);
           },
           py::arg("src"), py::arg("dst"), py::arg("weight") = py::none(), py::kw_only(), py::arg("type") = "adjacency",
           py::arg("directed") = false,
           "Links src[r] → dst[r] by place id, of one type (adjacency, road, supply, containment, … — an open set). "
           "weight: None (all 1) or one value ≥ 0 per link. directed=False adds both directions. Re-adding a "
           "(src, dst, type) replaces its weight. All or nothing: a bad row raises InvalidInput naming it.")
      .def("add_links_indices", [](PyRiskMap& self, py::handle src, py::handle dst, py::handle weight,
                                   const std::string& type, bool directed) {
             BusyGuard g(self.busy, "RiskMap");
             add_links_impl(self, index_column(src, "src"), index_column(dst, "dst"), weight, type, directed);
           },
           py::arg("src"), py::arg("dst"), py::arg("weight") = py::none(), py::kw_only(), py::arg("type") = "adjacency",
           py::arg("directed") = false, "add_links with int64 place positions instead of ids.")
      .def("_knn_links", [](const PyRiskMap& self, int k) {
        return spatial_links(self, [k](const auto& lon, const auto& lat) { return knn_links(lon, lat, k); });
      })
      .def("_radius_links", [](const PyRiskMap& self, double r) {
        return spatial_links(self, [r](const auto& lon, const auto& lat) { return radius_links(lon, lat, r); });
      })
      .def("_containment_links", [](const PyRiskMap& self) {
        return links_columns(containment_links(self.map.parent()));
      })
      .def("add_signals", [](PyRiskMap& self, py::handle place, py::handle time, py::handle kind, py::handle intensity,
                             py::handle confidence) {
             BusyGuard g(self.busy, "RiskMap");
             auto p = indices_of(self.map.places(), id_batch(place, "place"), "place");
             add_signals_impl(self, std::move(p), time, kind, intensity, confidence);
           },
           py::arg("place"), py::arg("time"), py::arg("kind"), py::arg("intensity") = 1.0, py::arg("confidence") = 1.0,
           "Signals by place id. time: one time or one per row (int UTC seconds, datetime64, aware datetimes, "
           "ISO text with offset). kind: one name for all rows, a sequence of names, or int kind codes. "
           "intensity (≥ 0) and confidence ([0, 1]): a number or one per row. Any time order. All or nothing; "
           "bad rows raise InvalidInput naming field, row and value. GIL released.")
      .def("add_signals_indices", [](PyRiskMap& self, py::handle place, py::handle time, py::handle kind,
                                     py::handle intensity, py::handle confidence) {
             BusyGuard g(self.busy, "RiskMap");
             add_signals_impl(self, index_column(place, "place"), time, kind, intensity, confidence);
           },
           py::arg("place"), py::arg("time"), py::arg("kind"), py::arg("intensity") = 1.0, py::arg("confidence") = 1.0,
           "add_signals with int64 place positions instead of ids (the fast path).")
      .def("set_source_kind", [](PyRiskMap& self, const std::string& name, double weight, py::handle half_life,
                                 const std::string& family) {
             BusyGuard g(self.busy, "RiskMap");
             self.map.set_source_kind({name, weight, duration_arg(half_life, "half_life"), family});
           },
           py::arg("name"), py::arg("weight") = 1.0, py::arg("half_life") = 86400, py::arg("family") = "",
           "Add a source kind or change one; scores use it at once.")
      .def("kind_code", [](const PyRiskMap& s, const std::string& k) { return s.map.kind_code(k); })
      .def("scores", [](const PyRiskMap& self, py::handle at) {
             BusyGuard g(self.busy, "RiskMap");
             const Timestamp t = time_arg(at, "at");
             std::vector<double> s;
             {
               py::gil_scoped_release nogil;
               s = self.map.scores(t);
             }
             return to_numpy(std::move(s));
           },
           py::arg("at"), "0–100 score of every place at `at`, aligned with ids. GIL released.")
      .def("score_detail", [](const PyRiskMap& self, py::handle at) {
             BusyGuard g(self.busy, "RiskMap");
             const Timestamp t = time_arg(at, "at");
             ScoreDetail d;
             {
               py::gil_scoped_release nogil;
               d = self.map.score_detail(t);
             }
             py::dict out;
             out["local"] = to_numpy(std::move(d.local));
             out["raw"] = to_numpy(std::move(d.raw));
             out["score"] = to_numpy(std::move(d.score));
             out["iterations"] = d.iterations;
             return out;
           },
           py::arg("at"), "dict of local pressure, propagated pressure r, 0–100 score, and iterations.")
      .def("_explain", [](const PyRiskMap& self, const std::string& place, py::handle at, int top_signals, int top_places) {
        BusyGuard g(self.busy, "RiskMap");
        const Index i = self.map.places().at(place, "place");
        const Timestamp t = time_arg(at, "at");
        Explanation ex;
        {
          py::gil_scoped_release nogil;
          ex = self.map.explain(i, t, top_signals, top_places);
        }
        const auto& ids = self.map.places();
        py::dict d;
        d["place"] = place, d["at"] = t, d["score"] = ex.score, d["raw"] = ex.raw, d["local"] = ex.local;
        d["exposure"] = ex.exposure;
        py::list kk, kr, kp;
        for (const auto& k : ex.by_kind) kk.append(k.kind), kr.append(k.raw), kp.append(k.points);
        d["by_kind"] = py::dict(py::arg("kind") = kk, py::arg("raw") = kr, py::arg("points") = kp);
        py::list pp, pn, pr, ppt;
        for (const auto& p : ex.by_place) {
          pp.append(p.place >= 0 ? py::object(py::str(ids.id(p.place))) : py::object(py::none()));
          pn.append(p.places), pr.append(p.raw), ppt.append(p.points);
        }
        d["by_place"] = py::dict(py::arg("place") = pp, py::arg("places") = pn, py::arg("raw") = pr, py::arg("points") = ppt);
        py::list ss, sp, st, sk, si, sc, sr, spt;
        for (const auto& s : ex.top_signals) {
          ss.append(s.signal), sp.append(ids.id(s.place)), st.append(s.time), sk.append(s.kind);
          si.append(s.intensity), sc.append(s.confidence), sr.append(s.raw), spt.append(s.points);
        }
        d["top_signals"] = py::dict(py::arg("signal") = ss, py::arg("place") = sp, py::arg("time") = st,
                                    py::arg("kind") = sk, py::arg("intensity") = si, py::arg("confidence") = sc,
                                    py::arg("raw") = sr, py::arg("points") = spt);
        return d;
      })
      .def("_latent_causes", [](const PyRiskMap& self, py::handle at) {
        BusyGuard g(self.busy, "RiskMap");
        const Timestamp t = time_arg(at, "at");
        std::vector<LatentCause> lc;
        {
          py::gil_scoped_release nogil;
          lc = self.map.latent_causes(t);
        }
        py::list place, kinds, families, pval, strength, cluster, detail;
        const auto& ids = self.map.places();
        for (const auto& c : lc) {
          place.append(ids.id(c.place));
          std::string names;
          py::list det;
          for (const auto& k : c.kinds) {
            names += (names.empty() ? "" : "+") + k.kind;
            det.append(py::make_tuple(k.kind, k.family, k.observed, k.expected, k.p_value));
          }
          kinds.append(names), families.append(c.families), pval.append(c.p_value), strength.append(c.strength);
          cluster.append(c.cluster), detail.append(det);
        }
        return py::dict(py::arg("place") = place, py::arg("kinds") = kinds, py::arg("families") = families,
                        py::arg("p_value") = pval, py::arg("strength") = strength, py::arg("cluster") = cluster,
                        py::arg("detail") = detail);
      })
      .def("rollup", [](const PyRiskMap& self, py::handle at, const std::string& how) {
             BusyGuard g(self.busy, "RiskMap");
             const Timestamp t = time_arg(at, "at");
             Rollup r;
             if (how == "max") r = Rollup::MAX;
             else if (how == "mean") r = Rollup::MEAN;
             else if (how == "population_mean") r = Rollup::POPULATION_MEAN;
             else throw_invalid("how", InvalidInput::no_index, how, "expected 'max', 'mean' or 'population_mean'");
             std::vector<double> s;
             {
               py::gil_scoped_release nogil;
               s = self.map.rollup(t, r);
             }
             return to_numpy(std::move(s));
           },
           py::arg("at"), py::arg("how") = "max",
           "Scores up the administrative tree: a place with children gets the max / mean / population-weighted "
           "mean of the leaf scores below it; leaves keep their own score.")
      .def("fit", [](PyRiskMap& self, std::vector<std::string> kinds, py::handle start, py::handle end,
                     py::handle timescales_hours, py::handle seasonal, bool neighbours, bool fit_decays, py::handle utc_offset,
                     int max_iterations, double tolerance, double mu_prior_hours, double min_timescale_minutes) {
             BusyGuard g(self.busy, "RiskMap");
             RiskFitOptions o;
             o.kinds = std::move(kinds);
             if (!start.is_none()) o.start = time_arg(start, "start");
             if (!end.is_none()) o.end = time_arg(end, "end");
             o.timescales = timescales_arg(timescales_hours);
             if (py::isinstance<py::bool_>(seasonal)) {
               o.seasonal = seasonal.cast<bool>() ? Seasonal::DAY_WEEK : Seasonal::NONE;
             } else {
               const auto sv = py::str(seasonal).cast<std::string>();
               if (sv == "day_week") o.seasonal = Seasonal::DAY_WEEK;
               else if (sv == "hour_of_week") o.seasonal = Seasonal::HOUR_OF_WEEK;
               else if (sv == "none") o.seasonal = Seasonal::NONE;
               else throw_repr("seasonal", InvalidInput::no_index, seasonal, "expected 'day_week', 'hour_of_week', 'none' or a bool");
             }
             o.neighbours = neighbours;
             o.fit_decays = fit_decays;
             o.utc_offset_minutes = offset_arg(utc_offset, "utc_offset");
             o.max_iterations = max_iterations;
             o.tolerance = tolerance;
             CRISISKIT_CHECK(std::isfinite(mu_prior_hours) && mu_prior_hours >= 0, "mu_prior_hours", InvalidInput::no_index,
                             mu_prior_hours, "must be ≥ 0");
             o.mu_prior = mu_prior_hours * 3600.0;
             o.min_timescale = min_timescale_minutes * 60.0;
             // Ctrl-C: check for signals once per EM iteration.
             o.check_interrupt = [] {
               py::gil_scoped_acquire gil;
               if (PyErr_CheckSignals() != 0) throw py::error_already_set();
             };
             py::gil_scoped_release nogil;
             return self.map.fit(o);
           },
           py::arg("kinds") = std::vector<std::string>{"incident"}, py::kw_only(), py::arg("start") = py::none(),
           py::arg("end") = py::none(), py::arg("timescales_hours") = py::make_tuple(2.0, 72.0),
           py::arg("seasonal") = "day_week", py::arg("neighbours") = true, py::arg("fit_decays") = true,
           py::arg("utc_offset") = 0, py::arg("max_iterations") = 200, py::arg("tolerance") = 1e-7,
           py::arg("mu_prior_hours") = 24.0, py::arg("min_timescale_minutes") = 1.0,
           "Fit the Hawkes forecast model by EM to the signals of `kinds` (each one incident) in [start, end) "
           "(default: all of them). seasonal: 'day_week' (hour-of-day × day-of-week, default), 'hour_of_week' "
           "(168 free bins) or 'none'. timescales_hours: initial kernel time scales, one kernel each. utc_offset: "
           "local time for the hour-of-week profile ('-05:00' or minutes). mu_prior_hours: shrinks each place's "
           "background rate toward the mean over places (0 = none). min_timescale_minutes: lower bound on a fitted "
           "kernel time scale. GIL released; Ctrl-C interrupts "
           "between iterations. Returns the HawkesModel, also kept as .model.")
      .def_property("model",
                    [](const PyRiskMap& s) -> py::object {
                      if (!s.map.model()) return py::none();
                      return py::cast(*s.map.model());
                    },
                    [](PyRiskMap& s, const HawkesModel& m) {
                      BusyGuard g(s.busy, "RiskMap");
                      s.map.set_model(m);
                    },
                    "The fitted HawkesModel (None before fit); assign a saved one to load it.")
      .def("_secondary_likelihood",
           [](const PyRiskMap& self, const std::vector<std::string>& places, py::handle at, double horizon_hours) {
             BusyGuard g(self.busy, "RiskMap");
             const Timestamp t = time_arg(at, "at");
             CRISISKIT_CHECK(std::isfinite(horizon_hours) && horizon_hours > 0 && horizon_hours <= 24 * 366,
                             "horizon_hours", InvalidInput::no_index, horizon_hours, "must be in (0, 8784] hours");
             py::gil_scoped_release nogil;
             return crisiskit::severity::secondary_likelihood(
                 self.map, places, t, static_cast<Duration>(std::llround(horizon_hours * 3600)));
           })
      .def("_forecast", [](const PyRiskMap& self, py::handle at, double horizon_hours) {
        BusyGuard g(self.busy, "RiskMap");
        const Timestamp t = time_arg(at, "at");
        CRISISKIT_CHECK(std::isfinite(horizon_hours) && horizon_hours > 0 && horizon_hours <= 24 * 366, "horizon_hours",
                        InvalidInput::no_index, horizon_hours, "must be in (0, 8784] hours");
        RiskForecast f;
        {
          py::gil_scoped_release nogil;
          f = self.map.forecast(t, static_cast<Duration>(std::llround(horizon_hours * 3600)));
        }
        std::vector<std::int8_t> lv(f.level.size());
        for (std::size_t i = 0; i < lv.size(); ++i) lv[i] = static_cast<std::int8_t>(f.level[i]);
        return py::dict(py::arg("expected") = to_numpy(std::move(f.expected)), py::arg("p_any") = to_numpy(std::move(f.p_any)),
                        py::arg("level") = to_numpy(std::move(lv)));
      })
      .def("_simulate", [](const PyRiskMap& self, py::handle start, py::handle end, std::uint64_t seed) {
        BusyGuard g(self.busy, "RiskMap");
        if (!self.map.model()) throw StateError("RiskMap.simulate: no model; call fit() or set model first");
        const Timestamp a = time_arg(start, "start"), b = time_arg(end, "end");
        std::pair<std::vector<std::int32_t>, std::vector<Timestamp>> ev;
        {
          py::gil_scoped_release nogil;
          const auto hist = self.map.incident_events(self.map.model()->kinds);
          ev = simulate_hawkes(*self.map.model(), self.map.excitation_matrix(), EventView{hist.first, hist.second}, a, b, seed);
        }
        return py::make_tuple(to_numpy(std::move(ev.first)), to_numpy(std::move(ev.second)));
      })
      .def("propagation_matrix", [](const PyRiskMap& s) { return csr_tuple(s.map.propagation_matrix()); },
           "P as (indptr int64, indices int32, data float32), rows = receivers: "
           "scipy.sparse.csr_matrix((data, indices, indptr), shape=(n, n)).")
      .def("excitation_matrix", [](const PyRiskMap& s) { return csr_tuple(s.map.excitation_matrix()); },
           "Q of the Hawkes model (column-stochastic over places with out-links), same layout.")
      .def("propagation_step", [](const PyRiskMap& self, py::array_t<double, py::array::c_style | py::array::forcecast> x) {
             BusyGuard g(self.busy, "RiskMap");
             const auto n = static_cast<py::ssize_t>(self.map.num_places());
             CRISISKIT_CHECK(x.ndim() == 1 && x.shape(0) == n, "x", InvalidInput::no_index, x.shape(0),
                             fmt::format("must be one value per place ({})", n));
             py::array_t<double> y(n);
             const double* xp = x.data();
             double* yp = y.mutable_data();
             {
               py::gil_scoped_release nogil;
               self.map.propagation_matrix().multiply(xp, yp, self.map.config().alpha);
             }
             return y;
           },
           py::arg("x"), "One propagation step alpha · P x (the kernel of the fixed-point iteration). GIL released.")
      .def("memory", [](const PyRiskMap& s) {
        const auto m = s.map.memory();
        return py::dict(py::arg("places") = m.places, py::arg("links") = m.links, py::arg("signals") = m.signals);
      }, "Bytes held for places, links (arcs + operators) and signals.");

  m.def("haversine_m", py::vectorize(&haversine_m), py::arg("lon1"), py::arg("lat1"), py::arg("lon2"), py::arg("lat2"),
        "Great-circle distance in metres (WGS-84 degrees in; numpy broadcasting).");
}

}  // namespace crisiskit::python
