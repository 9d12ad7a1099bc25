// Bindings for include/crisiskit/incident/review.hpp: one array-level entry
// point; python/crisiskit/after_action.py turns tables into these arrays and the
// result dicts back into tables and a report.
#include "common.hpp"

#include "crisiskit/incident/review.hpp"

namespace py = pybind11;
using namespace crisiskit;
using namespace crisiskit::incident;

namespace crisiskit::python {

namespace {

py::dict stats(const DelayStats& s) {
  py::dict d;
  d["n"] = s.n;
  d["mean"] = s.mean;
  d["median"] = s.median;
  d["p90"] = s.p90;
  d["max"] = s.max;
  d["min"] = s.min;
  return d;
}

py::dict contingency(const Contingency& c) {
  py::dict d;
  d["incidents"] = c.incidents;
  d["alerts"] = c.alerts;
  d["hits"] = c.hits;
  d["misses"] = c.misses;
  d["false_alarms"] = c.false_alarms;
  d["alerts_verified"] = c.alerts_verified;
  d["pod"] = c.pod;
  d["far"] = c.far;
  d["csi"] = c.csi;
  d["false_alarm_share"] = c.false_alarm_share;
  d["lead"] = stats(c.lead);
  d["lead_timely_share"] = c.lead_timely_share;
  return d;
}

py::dict sla_summary(const SlaSummary& s) {
  py::dict d;
  d["items"] = s.items;
  d["met"] = s.met;
  d["late"] = s.late;
  d["open_overdue"] = s.open_overdue;
  d["pending"] = s.pending;
  d["not_started"] = s.not_started;
  d["met_share"] = s.met_share;
  d["within_grace_share"] = s.within_grace_share;
  d["elapsed"] = stats(s.elapsed);
  d["lateness"] = stats(s.lateness);
  d["histogram"] = copy_numpy(s.histogram);
  return d;
}

py::dict sla_result(const SlaResult& r) {
  py::dict d;
  d["as_of"] = r.as_of;
  d["overall"] = sla_summary(r.overall);
  py::list kinds;
  for (const auto& k : r.by_kind) kinds.append(sla_summary(k));
  d["by_kind"] = kinds;
  std::vector<std::int8_t> status(r.status.size());
  for (std::size_t i = 0; i < status.size(); ++i) status[i] = static_cast<std::int8_t>(r.status[i]);
  d["status"] = copy_numpy(status);
  d["elapsed_s"] = copy_numpy(r.elapsed_s);
  d["lateness_s"] = copy_numpy(r.lateness_s);
  return d;
}

py::dict need_share(const NeedShare& s) {
  py::dict d;
  d["needs"] = s.needs;
  d["quantity"] = s.quantity;
  d["served"] = s.served;
  d["unmet"] = s.unmet;
  d["unmet_share"] = s.unmet_share;
  return d;
}

// One field of every release as a numpy column.
template <class T>
py::array_t<T> release_column(const std::vector<ReleaseEffect>& v, T ReleaseEffect::*f) {
  std::vector<T> out(v.size());
  for (std::size_t j = 0; j < v.size(); ++j) out[j] = v[j].*f;
  return copy_numpy(out);
}

py::dict to_dict(const Review& r) {
  py::dict out;
  out["as_of"] = r.as_of;
  out["overall"] = r.overall;
  if (r.warning) {
    const WarningResult& w = *r.warning;
    py::dict d;
    d["overall"] = contingency(w.overall);
    py::list lv;
    for (const auto& c : w.by_level) lv.append(contingency(c));
    d["by_level"] = lv;
    d["incidents_without_time"] = w.incidents_without_time;
    d["first_alert"] = copy_numpy(w.first_alert);
    d["warned_level"] = copy_numpy(w.warned_level);
    d["lead_s"] = copy_numpy(w.lead_s);
    d["alert_hits"] = copy_numpy(w.alert_hits);
    d["places_affected"] = w.places_affected;
    d["places_warned"] = w.places_warned;
    d["place_coverage"] = w.place_coverage;
    d["population_affected"] = w.population_affected;
    d["population_warned"] = w.population_warned;
    d["population_coverage"] = w.population_coverage;
    out["warning"] = d;
  }
  if (r.timeliness) out["timeliness"] = sla_result(*r.timeliness);
  if (r.coordination) {
    const CoordinationResult& c = *r.coordination;
    py::dict d;
    d["sign"] = sla_result(c.sign);
    d["incidents_with_departments"] = c.incidents_with_departments;
    d["handoffs"] = stats(c.handoffs);
    d["smooth_share"] = c.smooth_share;
    d["handoffs_per_incident"] = copy_numpy(c.handoffs_per_incident);
    d["need"] = need_share(c.need);
    py::list by;
    for (const auto& s : c.need_by_class) by.append(need_share(s));
    d["need_by_class"] = by;
    out["coordination"] = d;
  }
  if (r.communication) {
    const OpinionResult& o = *r.communication;
    py::dict d;
    py::dict rel;
    for (auto [name, f] : {std::pair{"n_before", &ReleaseEffect::n_before}, {"n_after", &ReleaseEffect::n_after}})
      rel[name] = release_column(o.releases, f);
    for (auto [name, f] : {std::pair{"share_before", &ReleaseEffect::share_before},
                           {"share_after", &ReleaseEffect::share_after}, {"drop", &ReleaseEffect::drop},
                           {"relative_drop", &ReleaseEffect::relative_drop}, {"heat_before", &ReleaseEffect::heat_before},
                           {"heat_at_horizon", &ReleaseEffect::heat_at_horizon}, {"heat_drop", &ReleaseEffect::heat_drop}})
      rel[name] = release_column(o.releases, f);
    d["releases"] = rel;
    d["assessed"] = o.assessed;
    d["mean_share_before"] = o.mean_share_before;
    d["mean_share_after"] = o.mean_share_after;
    d["mean_drop"] = o.mean_drop;
    d["mean_relative_drop"] = o.mean_relative_drop;
    d["dropped_share"] = o.dropped_share;
    d["heat_assessed"] = o.heat_assessed;
    d["mean_heat_drop"] = o.mean_heat_drop;
    d["share_first"] = o.share_first;
    d["share_last"] = o.share_last;
    out["communication"] = d;
  }
  py::list scores;
  for (const auto& s : r.scores) {
    py::dict d;
    d["dimension"] = to_string(s.dimension);
    d["score"] = s.score;
    d["reason"] = s.reason;
    py::list comps;
    for (const auto& c : s.components) comps.append(py::make_tuple(c.name, c.value, c.weight));
    d["components"] = comps;
    scores.append(d);
  }
  out["scores"] = scores;
  return out;
}

template <class T>
T opt_get(const py::dict& o, const char* k, T fallback) {
  return o.contains(k) && !o[k].is_none() ? o[k].cast<T>() : fallback;
}

}  // namespace

void bind_review(py::module_& m) {
  m.def(
      "_review",
      [](py::object alerts, py::object incidents, py::object slas, py::object coordination, py::object opinion,
         py::object releases, py::dict options) {
        ReviewOptions opt;
        opt.as_of = opt_get<Timestamp>(options, "as_of", no_time);
        opt.warning.window = opt_get<Duration>(options, "window", opt.warning.window);
        opt.warning.lead_target = opt_get<Duration>(options, "lead_target", opt.warning.lead_target);
        opt.timeliness.grace = opt_get<Duration>(options, "grace", opt.timeliness.grace);
        opt.timeliness.bins = opt_get<std::vector<Duration>>(options, "bins", opt.timeliness.bins);
        opt.coordination.sign_target = opt_get<Duration>(options, "sign_target", opt.coordination.sign_target);
        opt.coordination.max_handoffs = opt_get<std::int64_t>(options, "max_handoffs", opt.coordination.max_handoffs);
        opt.opinion.before = opt_get<Duration>(options, "before", opt.opinion.before);
        opt.opinion.after = opt_get<Duration>(options, "after", opt.opinion.after);
        opt.opinion.heat_horizon = opt_get<Duration>(options, "heat_horizon", opt.opinion.heat_horizon);
        ScoreWeights& w = opt.weights;
        if (options.contains("weights") && !options["weights"].is_none()) {
          const py::dict wd = options["weights"].cast<py::dict>();
          double* fields[] = {&w.pod, &w.one_minus_far, &w.lead, &w.coverage, &w.met, &w.grace,
                              &w.signed_in_time, &w.smooth, &w.need_met, &w.dropped, &w.negative_drop,
                              &w.heat_drop, &w.target_negative_drop, &w.target_heat_drop};
          const char* names[] = {"pod", "one_minus_far", "lead", "coverage", "met", "grace", "signed_in_time",
                                 "smooth", "need_met", "dropped", "negative_drop", "heat_drop",
                                 "target_negative_drop", "target_heat_drop"};
          for (std::size_t i = 0; i < std::size(names); ++i) *fields[i] = opt_get<double>(wd, names[i], *fields[i]);
          if (wd.contains("dimension")) w.dimension = wd["dimension"].cast<std::array<double, 4>>();
        }

        DictColumns a{alerts.is_none() ? py::dict() : alerts.cast<py::dict>(), {}};
        DictColumns in{incidents.is_none() ? py::dict() : incidents.cast<py::dict>(), {}};
        DictColumns s{slas.is_none() ? py::dict() : slas.cast<py::dict>(), {}};
        DictColumns c{coordination.is_none() ? py::dict() : coordination.cast<py::dict>(), {}};
        DictColumns op{opinion.is_none() ? py::dict() : opinion.cast<py::dict>(), {}};
        DictColumns rl{releases.is_none() ? py::dict() : releases.cast<py::dict>(), {}};

        // Levels travel as int64 and are range-checked before narrowing.
        std::vector<std::int8_t> levels;
        const auto lv64 = a.i64("level", "alerts.level");
        levels.reserve(lv64.size());
        for (std::size_t i = 0; i < lv64.size(); ++i) {
          CRISISKIT_CHECK(lv64[i] >= 1 && lv64[i] <= 4, "alerts.level", static_cast<std::int64_t>(i), lv64[i],
                          "an alert's level must be 1 (GENERAL) .. 4 (EMERGENCY)");
          levels.push_back(static_cast<std::int8_t>(lv64[i]));
        }
        AlertRows ar{a.i64("group", "alerts.place"), levels, a.i64("issued", "alerts.issued_at"),
                     a.i64("ended", "alerts.ended_at")};
        WarnedIncidentRows ir{in.i64("group", "incidents.place"), in.i64("occurred", "incidents.occurred_at"),
                              in.i64("place", "incidents.place"), in.f64("place_population", "population")};
        SlaRows sr{s.i64("kind", "kind"), s.i64("start", "start"), s.i64("done", "done"), s.i64("limit", "limit")};
        CoordinationRows cr{c.i64("dispatched", "incidents.dispatched_at"),
                            c.i64("signed", "incidents.signed_at"),
                            c.i64("transition_incident", "transitions.incident"),
                            c.i64("transition_at", "transitions.at"),
                            c.i64("transition_department", "transitions.department"),
                            c.i64("need_quantity", "needs.quantity"),
                            c.i64("need_served", "needs.served"),
                            c.i64("need_unmet", "needs.unmet"),
                            c.i64("need_class", "needs.priority")};
        OpinionRows orows{op.i64("series", "opinion.series"), op.i64("at", "opinion.at"),
                          op.f64("negative", "opinion.negative"), op.f64("total", "opinion.n_total"),
                          op.f64("heat", "opinion.heat")};
        ReleaseRows rrows{rl.i64("at", "releases.at"), rl.i64("series", "releases.series")};
        ReviewInputs inputs;
        if (!alerts.is_none() && !incidents.is_none()) {
          inputs.alerts = &ar;
          inputs.incidents = &ir;
        }
        if (!slas.is_none()) inputs.slas = &sr;
        if (!coordination.is_none()) inputs.coordination = &cr;
        if (!opinion.is_none() && !releases.is_none()) {
          inputs.opinion = &orows;
          inputs.releases = &rrows;
        }
        Review r;
        {
          py::gil_scoped_release nogil;
          r = review(inputs, opt);
        }
        return to_dict(r);
      },
      py::arg("alerts"), py::arg("incidents"), py::arg("slas"), py::arg("coordination"), py::arg("opinion"),
      py::arg("releases"), py::arg("options"),
      "Array-level after-action review (dicts of int64/float64 columns in, a dict of results out). Use ck.review.");
}

}  // namespace crisiskit::python
