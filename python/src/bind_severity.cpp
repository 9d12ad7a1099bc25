// severity/: configuration, assessor, tracker, national grading tables.
// The bindings take and return plain tuples and arrays; crisiskit/severity.py
// turns them into the dict / DataFrame API and names bad dict keys.
#include "common.hpp"

#include "crisiskit/severity/assessor.hpp"
#include "crisiskit/severity/national.hpp"
#include "crisiskit/severity/tracker.hpp"

namespace crisiskit::python {

namespace {

using namespace crisiskit::severity;

// (method, p, shift) ↔ Aggregation; the enum range is checked by SeverityConfig.
using AggTuple = std::tuple<int, double, double>;
Aggregation agg_of(const AggTuple& t) {
  return Aggregation{static_cast<Method>(static_cast<std::uint8_t>(std::get<0>(t))), std::get<1>(t), std::get<2>(t)};
}
AggTuple agg_tuple(const Aggregation& a) { return {static_cast<int>(a.method), a.p, a.shift}; }

struct PyTracker {
  SeverityTracker t;
  mutable std::atomic<bool> busy{false};
  explicit PyTracker(SeverityTracker x) : t(std::move(x)) {}
};

py::tuple result_tuple(const Assessment& a) { return py::make_tuple(a.time, a.result, a.derived); }

}  // namespace

void bind_severity(py::module_& m) {
  py::class_<SeverityConfig>(m, "_SeverityConfigCore", "Compiled severity configuration; use crisiskit.SeverityConfig.")
      .def(py::init([](const std::vector<std::string>& names, const std::vector<int>& dims, const std::vector<int>& domains,
                       const std::vector<int>& kinds, const std::vector<double>& lo, const std::vector<double>& hi,
                       const std::vector<double>& weights, const std::vector<std::string>& units,
                       const std::vector<std::string>& labels, std::array<double, 3> dimension_weights,
                       std::array<AggTuple, 3> within, AggTuple overall, const GradingPolicy& policy) {
             const std::size_t n = names.size();
             for (auto sz : {dims.size(), domains.size(), kinds.size(), lo.size(), hi.size(), weights.size(), units.size(),
                             labels.size()})
               CRISISKIT_CHECK(sz == n, "indicators", InvalidInput::no_index, sz, "columns must have equal lengths");
             std::vector<IndicatorSpec> ind(n);
             for (std::size_t i = 0; i < n; ++i) {
               auto narrow = [&](int v, const char* f) {
                 CRISISKIT_CHECK(v >= 0 && v < 256, f, static_cast<std::int64_t>(i), v, "out of range");
                 return static_cast<std::uint8_t>(v);
               };
               ind[i] = IndicatorSpec{names[i],
                                      static_cast<Dimension>(narrow(dims[i], "indicators.dimension")),
                                      static_cast<Domain>(narrow(domains[i], "indicators.domain")),
                                      Transform{static_cast<TransformKind>(narrow(kinds[i], "indicators.transform")),
                                                lo[i], hi[i]},
                                      weights[i], units[i], labels[i]};
             }
             return SeverityConfig(std::move(ind), dimension_weights,
                                   {agg_of(within[0]), agg_of(within[1]), agg_of(within[2])}, agg_of(overall), policy);
           }),
           py::arg("names"), py::arg("dimensions"), py::arg("domains"), py::arg("kinds"), py::arg("lo"), py::arg("hi"),
           py::arg("weights"), py::arg("units"), py::arg("labels"), py::arg("dimension_weights"), py::arg("within"),
           py::arg("overall"), py::arg("policy"))
      .def_static("default", [] { return SeverityConfig{}; })
      .def_property_readonly("indicators",
                             [](const SeverityConfig& c) {
                               py::list out;
                               for (const auto& s : c.indicators())
                                 out.append(py::make_tuple(s.name, static_cast<int>(s.dimension), static_cast<int>(s.domain),
                                                           static_cast<int>(s.transform.kind), s.transform.lo,
                                                           s.transform.hi, s.weight, s.unit, s.label_zh));
                               return out;
                             })
      .def_property_readonly("dimension_weights", &SeverityConfig::dimension_weights)
      .def_property_readonly("within",
                             [](const SeverityConfig& c) {
                               return std::array<AggTuple, 3>{agg_tuple(c.within()[0]), agg_tuple(c.within()[1]),
                                                              agg_tuple(c.within()[2])};
                             })
      .def_property_readonly("overall", [](const SeverityConfig& c) { return agg_tuple(c.overall()); })
      .def_property_readonly("policy", &SeverityConfig::policy)
      .def("to_bytes", [](const SeverityConfig& c) { return py::bytes(c.to_bytes()); })
      .def_static("from_bytes", [](const py::bytes& b) { return SeverityConfig::from_bytes(std::string_view(b)); })
      .def("__eq__", [](const SeverityConfig& a, const SeverityConfig& b) { return a == b; });

  py::class_<SeverityResult>(m, "_SeverityResultCore", "Compiled assessment; use crisiskit.SeverityResult.")
      .def_property_readonly("dimension", [](const SeverityResult& r) { return r.dimension; })
      .def_property_readonly("dimension_lo", [](const SeverityResult& r) { return r.dimension_lo; })
      .def_property_readonly("dimension_hi", [](const SeverityResult& r) { return r.dimension_hi; })
      .def_readonly("overall", &SeverityResult::overall)
      .def_readonly("overall_lo", &SeverityResult::overall_lo)
      .def_readonly("overall_hi", &SeverityResult::overall_hi)
      .def_readonly("level", &SeverityResult::level)
      .def_readonly("level_lo", &SeverityResult::level_lo)
      .def_readonly("level_hi", &SeverityResult::level_hi)
      .def_property_readonly("values", [](const SeverityResult& r) { return copy_numpy(r.values); })
      .def_property_readonly("scores", [](const SeverityResult& r) { return copy_numpy(r.scores); });

  py::class_<SeverityAssessor>(m, "_SeverityAssessorCore", "Compiled assessor; use crisiskit.SeverityAssessor.")
      .def(py::init<SeverityConfig>(), py::arg("config"))
      .def_property_readonly("_config", &SeverityAssessor::config)
      .def("_assess", [](const SeverityAssessor& a, const Indicators& ind) {
             return a.assess(ind);
           })
      .def("_assess_values", [](const SeverityAssessor& a, std::vector<double> v) { return a.assess_values(std::move(v)); })
      .def("_explain",
           [](const SeverityAssessor& a, const SeverityResult& r) {
             py::list out;
             for (const auto& c : a.explain(r))
               out.append(py::make_tuple(c.indicator, static_cast<int>(c.dimension), c.value, c.score, c.weight,
                                         c.to_dimension, c.to_overall));
             return out;
           })
      .def("_sensitivity",
           [](const SeverityAssessor& a, const SeverityResult& r) {
             py::list out;
             for (const auto& s : a.sensitivity(r))
               out.append(py::make_tuple(s.indicator, s.value, s.up_value, s.up_level, s.down_value, s.down_level));
             return out;
           })
      .def(
          "_assess_columns",
          [](const SeverityAssessor& a, py::sequence columns, std::size_t rows) {
            const std::size_t K = a.config().size();
            CRISISKIT_CHECK(py::len(columns) == K, "columns", InvalidInput::no_index, py::len(columns),
                            fmt::format("must have one entry per indicator ({})", K));
            std::vector<DoubleArray> keep;
            std::vector<const double*> ptr(K, nullptr);
            for (std::size_t k = 0; k < K; ++k) {
              py::handle c = columns[k];
              if (c.is_none()) continue;
              const auto& name = a.config().indicators()[k].name;
              auto arr = array_1d<double>(c, name.c_str());
              CRISISKIT_CHECK(static_cast<std::size_t>(arr.shape(0)) == rows, name, InvalidInput::no_index,
                              arr.shape(0), fmt::format("column length must be {}", rows));
              ptr[k] = arr.data();
              keep.push_back(std::move(arr));
            }
            const auto n = static_cast<py::ssize_t>(rows);
            py::array_t<double> scope(n), harm(n), trend(n), overall(n), lo(n), hi(n);
            py::array_t<std::int8_t> level(n), level_lo(n), level_hi(n);
            py::array_t<std::int32_t> miss(n);
            BatchOutput out;
            out.scope = scope.mutable_data(), out.harm = harm.mutable_data(), out.trend = trend.mutable_data();
            out.overall = overall.mutable_data(), out.overall_lo = lo.mutable_data(), out.overall_hi = hi.mutable_data();
            out.level = level.mutable_data(), out.level_lo = level_lo.mutable_data(), out.level_hi = level_hi.mutable_data();
            out.n_missing = miss.mutable_data();
            {
              py::gil_scoped_release nogil;
              a.assess_batch(rows, ptr, out);
            }
            py::dict d;
            d["scope"] = scope, d["harm"] = harm, d["trend"] = trend, d["overall"] = overall;
            d["overall_lo"] = lo, d["overall_hi"] = hi, d["level"] = level, d["level_lo"] = level_lo;
            d["level_hi"] = level_hi, d["n_missing"] = miss;
            return d;
          },
          py::arg("columns"), py::arg("rows"));

  py::class_<PyTracker>(m, "_SeverityTrackerCore", "Compiled tracker; use crisiskit.SeverityTracker.")
      .def(py::init([](const SeverityAssessor& a, Duration interval) {
             return std::make_unique<PyTracker>(SeverityTracker(a, interval));
           }),
           py::arg("assessor"), py::arg("interval_seconds"))
      .def(py::init([](const py::bytes& b) {
             return std::make_unique<PyTracker>(SeverityTracker::from_bytes(std::string_view(b)));
           }),
           py::arg("snapshot"), "From `to_bytes()`: every entry is re-assessed on load.")
      .def("_update",
           [](PyTracker& t, const std::string& event, Timestamp time,
              const Indicators& ind) {
             BusyGuard g(t.busy, "SeverityTracker");
             return result_tuple(t.t.update(event, time, ind));
           })
      .def_property_readonly("events", [](const PyTracker& t) { return t.t.events(); })
      .def_property_readonly("_interval", [](const PyTracker& t) { return t.t.interval(); })
      .def_property_readonly("_assessor", [](const PyTracker& t) { return t.t.assessor(); })
      .def("__contains__", [](const PyTracker& t, const std::string& e) { return t.t.contains(e); })
      .def("__len__", [](const PyTracker& t) { return t.t.events().size(); })
      .def("_history",
           [](const PyTracker& t, const std::string& event) {
             py::list out;
             for (const auto& a : t.t.history(event)) out.append(result_tuple(a));
             return out;
           })
      .def("_next_due", [](const PyTracker& t, const std::string& e) { return t.t.next_due(e); })
      .def("_overdue", [](const PyTracker& t, Timestamp at) { return t.t.overdue(at); })
      .def("to_bytes", [](const PyTracker& t) { return py::bytes(t.t.to_bytes()); })
;

  using CriterionTuple = std::tuple<std::string, std::optional<double>, std::optional<double>, std::optional<double>,
                                    std::optional<double>, std::string>;
  using GradeTuple = std::tuple<std::string, std::string, std::string, py::object, std::vector<CriterionTuple>>;
  py::class_<GradingTable>(m, "_GradingTableCore", "Compiled grading table; use crisiskit.GradingTable.")
      .def(py::init([](std::string name, std::string source, const std::vector<GradeTuple>& grades) {
             std::vector<GradeRule> g;
             for (std::size_t i = 0; i < grades.size(); ++i) {
               const auto& [gname, en, roman, level, crit] = grades[i];
               GradeRule r{gname, en, roman, level_arg(level, "grades.level"), {}};
               for (const auto& [ind, al, mt, be, am, text] : crit) r.any_of.push_back(Criterion{ind, al, mt, be, am, text});
               g.push_back(std::move(r));
             }
             return GradingTable(std::move(name), std::move(source), std::move(g));
           }),
           py::arg("name"), py::arg("source"), py::arg("grades"))
      .def_property_readonly("name", &GradingTable::name)
      .def_property_readonly("source", &GradingTable::source)
      .def_property_readonly("_grades",
                             [](const GradingTable& t) {
                               py::list out;
                               for (const auto& g : t.grades()) {
                                 py::list crit;
                                 for (const auto& c : g.any_of)
                                   crit.append(py::make_tuple(c.indicator, c.at_least, c.more_than, c.below, c.at_most, c.text));
                                 out.append(py::make_tuple(g.name, g.name_en, g.roman, g.level, crit));
                               }
                               return out;
                             })
      .def_property_readonly("indicators", [](const GradingTable& t) {
        return std::vector<std::string>(t.indicators().begin(), t.indicators().end());
      })
      .def("to_bytes", [](const GradingTable& t) { return py::bytes(t.to_bytes()); })
      .def_static("from_bytes", [](const py::bytes& b) { return GradingTable::from_bytes(std::string_view(b)); })
      .def("__eq__", [](const GradingTable& a, const GradingTable& b) { return a == b; });

  m.def("_production_safety_table", &production_safety_table);
  m.def(
      "_national_grade",
      [](const GradingTable& t, const Indicators& ind) {
        const auto g = national_grade(t, ind);
        return py::make_tuple(g.grade, g.level, g.reasons, g.missing, g.could_be);
      },
      py::arg("table"), py::arg("indicators"));
}

}  // namespace crisiskit::python
