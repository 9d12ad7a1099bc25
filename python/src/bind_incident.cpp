// Bindings for include/crisiskit/incident/: the lifecycle log (事件闭环),
// its SLAs and KPIs, and the CAD import. The compiled class
// `_IncidentLogCore` takes Python values and returns plain numpy columns;
// python/crisiskit/incident.py turns them into the documented IncidentLog
// API and DataFrames.
#include "common.hpp"

#include <cmath>
#include <mutex>

#include "crisiskit/incident/cad.hpp"
#include "crisiskit/incident/incident_log.hpp"
#include "crisiskit/incident/kpi.hpp"

namespace crisiskit::python {

namespace {

using namespace crisiskit::incident;

// One log and the mutex every call takes, acquired with the GIL released
// (a waiting thread never blocks the holder, which may need the GIL).
struct PyIncidentLog {
  IncidentLog log;
  mutable std::mutex mu;
  explicit PyIncidentLog(IncidentLog l) : log(std::move(l)) {}
};

std::unique_lock<std::mutex> locked(const PyIncidentLog& l) {
  py::gil_scoped_release nogil;
  return std::unique_lock<std::mutex>(l.mu);
}

template <class T>
py::array_t<T> to_numpy(const std::vector<T>& v) {
  return py::array_t<T>(static_cast<py::ssize_t>(v.size()), v.data());
}

std::vector<std::string> names(const IdMap& m) { return {m.ids().begin(), m.ids().end()}; }

Duration sla_duration(py::handle v, const char* field) {
  if (v.is_none()) return sla_off;
  const Duration d = duration_arg(v, field);
  CRISISKIT_CHECK(d >= 0, field, InvalidInput::no_index, d, "an SLA duration must be >= 0 (None switches it off)");
  return d;
}

// An optional int64 column (None → absent) of length n.
using I64 = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
std::optional<I64> opt_i64(py::handle v, const char* field, std::size_t n) {
  if (v.is_none()) return std::nullopt;
  auto a = array_1d<std::int64_t>(v, field);
  CRISISKIT_CHECK(static_cast<std::size_t>(a.shape(0)) == n, field, InvalidInput::no_index, a.shape(0),
                  fmt::format("must have {} rows, like id", n));
  return a;
}

Span<const Timestamp> span_of(const std::optional<I64>& a) {
  return a ? Span<const Timestamp>(a->data(), static_cast<std::size_t>(a->shape(0))) : Span<const Timestamp>();
}

std::optional<IdBatch> opt_ids(py::handle v, const char* field) {
  if (v.is_none()) return std::nullopt;
  return id_batch(v, field);
}

Span<const std::string_view> span_of(const std::optional<IdBatch>& b) {
  return b ? Span<const std::string_view>(b->views.data(), b->views.size()) : Span<const std::string_view>();
}

KpiGroup group_arg(py::handle by) {
  if (by.is_none()) return KpiGroup::NONE;
  if (py::isinstance<py::str>(by)) {
    const std::string s = by.cast<std::string>();
    for (int g = 0; g <= 4; ++g)
      if (s == to_string(static_cast<KpiGroup>(g))) return static_cast<KpiGroup>(g);
  }
  throw_repr("by", InvalidInput::no_index, by, "expected 'department', 'kind', 'place', 'level' or None");
}

py::dict cad_dict(const CadImport& c) {
  py::dict d;
  d["id"] = c.id;
  d["kind"] = c.kind;
  d["place"] = c.place;
  d["department"] = c.department;
  py::list st;
  for (const auto& v : c.stage_at) st.append(to_numpy(v));
  d["stage_at"] = st;
  d["on_site_at"] = to_numpy(c.on_site_at);
  d["units"] = to_numpy(c.units);
  d["first_row"] = to_numpy(c.first_row);
  py::list probs;
  for (const auto& p : c.problems) probs.append(py::make_tuple(p.row, p.field, p.value, p.problem));
  d["problems"] = probs;
  d["rows"] = c.rows;
  d["rows_used"] = c.rows_used;
  d["filled"] = c.filled;
  return d;
}

CadOptions cad_options(const std::map<std::string, std::string>& columns, py::handle offset, bool feedback_at_close) {
  CadOptions o;
  for (const auto& [k, v] : columns) {
    if (k == "incident") o.incident = v;
    else if (k == "unit") o.unit = v;
    else if (k == "kind") o.kind = v;
    else if (k == "place") o.place = v;
    else if (k == "department") o.department = v;
    else if (k == "received") o.times[0] = v;
    else if (k == "dispatched") o.times[1] = v;
    else if (k == "en_route") o.times[2] = v;
    else if (k == "on_scene") o.times[3] = v;
    else if (k == "closed") o.times[4] = v;
    else throw_invalid("columns", InvalidInput::no_index, k, "unknown CAD field (incident, unit, kind, place, "
                                                             "department, received, dispatched, en_route, on_scene, closed)");
  }
  if (!offset.is_none()) o.offset_minutes = offset_arg(offset);
  o.feedback_at_close = feedback_at_close;
  return o;
}

std::string log_repr(const IncidentLog& l) {
  std::array<std::size_t, num_incident_states> count{};
  for (const auto& x : l.incidents()) ++count[static_cast<std::size_t>(x.state)];
  std::string s;
  for (int k = 0; k < num_incident_states; ++k)
    if (count[static_cast<std::size_t>(k)])
      s += fmt::format("{}{} {}", s.empty() ? ": " : ", ", count[static_cast<std::size_t>(k)],
                       to_string(static_cast<IncidentState>(k)));
  return fmt::format("IncidentLog({} incidents{}; {} events; {} SLAs open)", l.size(), s, l.events().size(),
                     l.num_open_slas());
}

}  // namespace

void bind_incident(py::module_& m) {
  m.def(
      "_default_sla",
      [] {
        const SlaConfig c = SlaConfig::defaults();
        py::dict d;
        d["first_report"] = c.first_report;
        d["first_info"] = c.first_info;
        d["on_site"] = c.on_site;
        d["info_min_level"] = to_int(c.info_min_level);
        d["on_site_min_level"] = to_int(c.on_site_min_level);
        return d;
      },
      "SlaConfig::defaults() as a dict of seconds and level numbers.");
  py::class_<PyIncidentLog> cls(m, "_IncidentLogCore", "Compiled incident log; use crisiskit.IncidentLog.");
  cls.def(py::init([](const py::bytes& b) {
            const std::string bytes = b;
            py::gil_scoped_release nogil;
            return std::make_unique<PyIncidentLog>(IncidentLog::from_bytes(bytes));
          }),
          py::arg("snapshot"))
      .def(py::init([](py::handle first_report, py::handle first_info, py::handle on_site, py::handle response_plan,
                       py::handle info_min_level, py::handle on_site_min_level) {
             SlaConfig c;
             c.first_report = sla_duration(first_report, "first_report");
             c.first_info = sla_duration(first_info, "first_info");
             c.on_site = sla_duration(on_site, "on_site");
             if (!response_plan.is_none()) c.response_plan = response_plan.cast<ResponsePlan>();
             c.info_min_level = level_arg(info_min_level, "info_min_level");
             c.on_site_min_level = level_arg(on_site_min_level, "on_site_min_level");
             return std::make_unique<PyIncidentLog>(IncidentLog(std::move(c)));
           }),
           py::arg("first_report"), py::arg("first_info"), py::arg("on_site"), py::arg("response_plan"),
           py::arg("info_min_level"), py::arg("on_site_min_level"))
      .def(
          "_report",
          [](PyIncidentLog& self, const std::string& id, const std::string& kind, const std::string& place,
             py::handle level, py::handle occurred_at, py::handle at, const std::string& actor,
             const std::string& department) {
            IncidentReport r;
            r.id = id;
            r.kind = kind;
            r.place = place;
            r.level = level_arg(level);
            r.occurred_at = occurred_at.is_none() ? no_time : time_arg(occurred_at, "occurred_at");
            r.at = time_arg(at, "at");
            r.actor = actor;
            r.department = department;
            auto lock = locked(self);
            self.log.report(r);
          },
          py::arg("id"), py::arg("kind"), py::arg("place"), py::arg("level"), py::arg("occurred_at"), py::arg("at"),
          py::arg("actor"), py::arg("department"))
      .def(
          "_apply",
          [](PyIncidentLog& self, const std::string& id, const std::string& action, py::handle at,
             const std::string& actor, const std::string& department, double satisfaction) {
            const IncidentAction a = incident_action_from_name(action);
            const Timestamp t = time_arg(at, "at");
            auto lock = locked(self);
            self.log.apply(id, a, t, actor, department, satisfaction);
          },
          py::arg("id"), py::arg("action"), py::arg("at"), py::arg("actor"), py::arg("department"),
          py::arg("satisfaction"))
      .def(
          "_ingest",
          [](PyIncidentLog& self, py::handle id, py::handle kind, py::handle place, py::handle department,
             py::handle reporter, py::handle levels, py::handle occurred_at, const std::vector<py::object>& stage_at,
             py::handle first_info_at, py::handle on_site_at, py::handle satisfaction) {
            const IdBatch ids = id_batch(id, "id");
            const std::size_t n = ids.views.size();
            const auto k = opt_ids(kind, "kind"), p = opt_ids(place, "place"), d = opt_ids(department, "department"),
                       r = opt_ids(reporter, "reporter");
            CRISISKIT_CHECK(stage_at.size() == num_incident_states, "stage_at", InvalidInput::no_index, stage_at.size(),
                            "needs 6 columns (reported … assessed)");
            static constexpr const char* fields[] = {"reported_at", "dispatched_at", "signed_at",
                                                     "handled_at",  "feedback_at",   "assessed_at"};
            std::array<std::optional<I64>, num_incident_states> st;
            for (int s = 0; s < num_incident_states; ++s)
              st[static_cast<std::size_t>(s)] = opt_i64(stage_at[static_cast<std::size_t>(s)], fields[s], n);
            const auto occ = opt_i64(occurred_at, "occurred_at", n), info = opt_i64(first_info_at, "first_info_at", n),
                       site = opt_i64(on_site_at, "on_site_at", n);
            std::optional<py::array_t<std::int8_t, py::array::c_style | py::array::forcecast>> lv;
            if (!levels.is_none()) lv = array_1d<std::int8_t>(levels, "level");
            std::optional<DoubleArray> sat;
            if (!satisfaction.is_none()) {
              sat = array_1d<double>(satisfaction, "satisfaction");
            }
            IncidentColumns c;
            c.id = Span<const std::string_view>(ids.views.data(), n);
            c.kind = span_of(k);
            c.place = span_of(p);
            c.department = span_of(d);
            c.reporter = span_of(r);
            if (lv) c.level = Span<const std::int8_t>(lv->data(), static_cast<std::size_t>(lv->shape(0)));
            c.occurred_at = span_of(occ);
            for (int s = 0; s < num_incident_states; ++s) c.stage_at[static_cast<std::size_t>(s)] = span_of(st[static_cast<std::size_t>(s)]);
            c.first_info_at = span_of(info);
            c.on_site_at = span_of(site);
            if (sat) c.satisfaction = Span<const double>(sat->data(), static_cast<std::size_t>(sat->shape(0)));
            py::gil_scoped_release nogil;
            std::lock_guard<std::mutex> lock(self.mu);
            return self.log.ingest(c);
          },
          py::arg("id"), py::arg("kind"), py::arg("place"), py::arg("department"), py::arg("reporter"),
          py::arg("levels"), py::arg("occurred_at"), py::arg("stage_at"), py::arg("first_info_at"),
          py::arg("on_site_at"), py::arg("satisfaction"))
      .def("_incident_columns",
           [](const PyIncidentLog& self) {
             std::vector<std::int32_t> kind, place, dept, reopen;
             std::vector<std::int8_t> level, state;
             std::vector<Timestamp> occurred, info, site, first, last;
             std::vector<double> sat;
             std::vector<std::string> ids, kinds, places, depts;
             {
               auto lock = locked(self);
               py::gil_scoped_release nogil;
               const auto& inc = self.log.incidents();
               const std::size_t n = inc.size();
               kind.resize(n), place.resize(n), dept.resize(n), reopen.resize(n), level.resize(n), state.resize(n);
               occurred.resize(n), info.resize(n), site.resize(n), sat.resize(n);
               first.resize(n * num_incident_states), last.resize(n * num_incident_states);
               for (std::size_t i = 0; i < n; ++i) {
                 const Incident& x = inc[i];
                 kind[i] = x.kind, place[i] = x.place, dept[i] = x.department, reopen[i] = x.reopen_count;
                 level[i] = static_cast<std::int8_t>(x.level), state[i] = static_cast<std::int8_t>(x.state);
                 occurred[i] = x.occurred_at, info[i] = x.first_info_at, site[i] = x.on_site_at, sat[i] = x.satisfaction;
                 for (int s = 0; s < num_incident_states; ++s) {
                   first[i * num_incident_states + static_cast<std::size_t>(s)] = x.first_at[static_cast<std::size_t>(s)];
                   last[i * num_incident_states + static_cast<std::size_t>(s)] = x.last_at[static_cast<std::size_t>(s)];
                 }
               }
               ids = names(self.log.ids());
               kinds = names(self.log.kinds());
               places = names(self.log.places());
               depts = names(self.log.departments());
             }
             const auto n = static_cast<py::ssize_t>(kind.size());
             py::dict d;
             d["id"] = ids;
             d["kinds"] = kinds;
             d["places"] = places;
             d["departments"] = depts;
             d["kind"] = to_numpy(kind);
             d["place"] = to_numpy(place);
             d["department"] = to_numpy(dept);
             d["reopen_count"] = to_numpy(reopen);
             d["level"] = to_numpy(level);
             d["state"] = to_numpy(state);
             d["occurred_at"] = to_numpy(occurred);
             d["first_info_at"] = to_numpy(info);
             d["on_site_at"] = to_numpy(site);
             d["satisfaction"] = to_numpy(sat);
             d["first_at"] = py::array_t<Timestamp>({n, static_cast<py::ssize_t>(num_incident_states)}, first.data());
             d["last_at"] = py::array_t<Timestamp>({n, static_cast<py::ssize_t>(num_incident_states)}, last.data());
             return d;
           })
      .def("_event_columns",
           [](const PyIncidentLog& self) {
             std::vector<std::int32_t> inc, actor, dept;
             std::vector<std::int8_t> action, from, to;
             std::vector<Timestamp> at;
             std::vector<double> sat;
             std::vector<std::string> actors, depts;
             {
               auto lock = locked(self);
               py::gil_scoped_release nogil;
               const auto& ev = self.log.events();
               const std::size_t m = ev.size();
               inc.resize(m), actor.resize(m), dept.resize(m), action.resize(m), from.resize(m), to.resize(m);
               at.resize(m);
               sat.assign(m, std::numeric_limits<double>::quiet_NaN());
               for (std::size_t e = 0; e < m; ++e) {
                 inc[e] = ev[e].incident, actor[e] = ev[e].actor, dept[e] = ev[e].department;
                 action[e] = static_cast<std::int8_t>(ev[e].action), from[e] = ev[e].from;
                 to[e] = static_cast<std::int8_t>(ev[e].to), at[e] = ev[e].at;
                 if (ev[e].action == IncidentAction::ASSESS) sat[e] = self.log.event_satisfaction(e);
               }
               actors = names(self.log.actors());
               depts = names(self.log.departments());
             }
             py::dict d;
             d["incident"] = to_numpy(inc);
             d["actor"] = to_numpy(actor);
             d["department"] = to_numpy(dept);
             d["action"] = to_numpy(action);
             d["from"] = to_numpy(from);
             d["to"] = to_numpy(to);
             d["at"] = to_numpy(at);
             d["satisfaction"] = to_numpy(sat);
             d["actors"] = actors;
             d["departments"] = depts;
             return d;
           })
      .def(
          "_overdue",
          [](const PyIncidentLog& self, py::handle at) {
            const Timestamp t = time_arg(at, "at");
            std::vector<std::int64_t> inc;
            std::vector<std::int8_t> sla;
            std::vector<Timestamp> due, late;
            {
              auto lock = locked(self);
              for (const auto& o : self.log.overdue(t)) {
                inc.push_back(o.incident);
                sla.push_back(static_cast<std::int8_t>(o.sla));
                due.push_back(o.due);
                late.push_back(o.late);
              }
            }
            py::dict d;
            d["incident"] = to_numpy(inc);
            d["sla"] = to_numpy(sla);
            d["due_at"] = to_numpy(due);
            d["late_s"] = to_numpy(late);
            return d;
          },
          py::arg("at"))
      .def(
          "_sla_columns",
          [](const PyIncidentLog& self, py::handle at) {
            std::vector<Timestamp> due, met;
            std::vector<std::int8_t> status;
            Timestamp t = no_time;
            {
              auto lock = locked(self);
              t = at.is_none() ? (self.log.last_time() == no_time ? 0 : self.log.last_time()) : time_arg(at, "at");
              py::gil_scoped_release nogil;
              const auto& inc = self.log.incidents();
              const std::size_t n = inc.size() * num_sla_kinds;
              due.resize(n), met.resize(n), status.resize(n);
              for (std::size_t i = 0; i < inc.size(); ++i)
                for (SlaKind k : all_sla_kinds) {
                  const std::size_t j = i * num_sla_kinds + static_cast<std::size_t>(k);
                  due[j] = self.log.sla_due(inc[i], k);
                  met[j] = due[j] == no_time ? no_time : IncidentLog::sla_met(inc[i], k);
                  status[j] = static_cast<std::int8_t>(self.log.sla_status(inc[i], k, t));
                }
            }
            py::dict d;
            d["due"] = to_numpy(due);
            d["met"] = to_numpy(met);
            d["status"] = to_numpy(status);
            d["at"] = t;
            return d;
          },
          py::arg("at"))
      .def(
          "_kpis",
          [](const PyIncidentLog& self, std::int64_t width, int offset, py::handle edges, py::handle by,
             py::handle at) {
            KpiOptions o;
            o.width = width;
            o.offset_minutes = offset;
            if (!edges.is_none()) {
              auto e = array_1d<std::int64_t>(edges, "edges");
              o.edges.assign(e.data(), e.data() + e.shape(0));
            }
            o.by = group_arg(by);
            if (!at.is_none()) o.at = time_arg(at, "at");
            KpiTable k;
            std::vector<std::string> groups;
            {
              auto lock = locked(self);
              py::gil_scoped_release nogil;
              k = compute_kpis(self.log, o);
              if (o.by == KpiGroup::DEPARTMENT) groups = names(self.log.departments());
              else if (o.by == KpiGroup::KIND) groups = names(self.log.kinds());
              else if (o.by == KpiGroup::PLACE) groups = names(self.log.places());
            }
            py::dict d;
            d["at"] = k.at;
            d["period_start"] = to_numpy(k.period_start);
            d["period_end"] = to_numpy(k.period_end);
            d["group"] = to_numpy(k.group);
            d["groups"] = groups;
            d["reported"] = to_numpy(k.reported);
            d["dispatched"] = to_numpy(k.dispatched);
            d["signed"] = to_numpy(k.signed_);
            d["dispatch_median_s"] = to_numpy(k.dispatch_median_s);
            d["dispatch_p90_s"] = to_numpy(k.dispatch_p90_s);
            d["sign_median_s"] = to_numpy(k.sign_median_s);
            d["sign_p90_s"] = to_numpy(k.sign_p90_s);
            d["closed"] = to_numpy(k.closed);
            d["closure_rate"] = to_numpy(k.closure_rate);
            d["fed_back"] = to_numpy(k.fed_back);
            d["reopened"] = to_numpy(k.reopened);
            d["reopen_rate"] = to_numpy(k.reopen_rate);
            d["assessed"] = to_numpy(k.assessed);
            d["satisfaction_mean"] = to_numpy(k.satisfaction_mean);
            py::list on_time, late, rate;
            for (int s = 0; s < num_sla_kinds; ++s) {
              on_time.append(to_numpy(k.on_time[static_cast<std::size_t>(s)]));
              late.append(to_numpy(k.late[static_cast<std::size_t>(s)]));
              rate.append(to_numpy(k.on_time_rate[static_cast<std::size_t>(s)]));
            }
            d["on_time"] = on_time;
            d["late"] = late;
            d["on_time_rate"] = rate;
            return d;
          },
          py::arg("width"), py::arg("offset"), py::arg("edges"), py::arg("by"), py::arg("at"))
      .def(
          "_state",
          [](const PyIncidentLog& self, const std::string& id) {
            auto lock = locked(self);
            return std::string(to_string(self.log.state(id)));
          },
          py::arg("id"))
      .def_property_readonly("_sla",
                             [](const PyIncidentLog& self) {
                               auto lock = locked(self);
                               const SlaConfig& c = self.log.sla();
                               py::dict d;
                               d["first_report"] = c.first_report;
                               d["first_info"] = c.first_info;
                               d["on_site"] = c.on_site;
                               py::list resp;
                               for (AlertLevel l : all_alert_levels) resp.append(c.response_within(l));
                               d["response"] = resp;
                               d["info_min_level"] = to_int(c.info_min_level);
                               d["on_site_min_level"] = to_int(c.on_site_min_level);
                               return d;
                             })
      .def_property_readonly("ids",
                             [](const PyIncidentLog& self) {
                               auto lock = locked(self);
                               return names(self.log.ids());
                             },
                             "Incident ids in report order.")
      .def("__len__",
           [](const PyIncidentLog& self) {
             auto lock = locked(self);
             return self.log.size();
           })
      .def("__contains__",
           [](const PyIncidentLog& self, py::handle id) {
             if (!py::isinstance<py::str>(id)) return false;
             const std::string s = id.cast<std::string>();
             auto lock = locked(self);
             return self.log.ids().contains(s);
           })
      .def("__eq__",
           [](const PyIncidentLog& a, py::handle other) {
             if (!py::isinstance<PyIncidentLog>(other)) return false;
             const PyIncidentLog& b = other.cast<const PyIncidentLog&>();
             if (&a == &b) return true;
             std::string x, y;
             {
               auto lock = locked(a);
               x = a.log.to_bytes();
             }
             {
               auto lock = locked(b);
               y = b.log.to_bytes();
             }
             return x == y;
           })
      .def("__repr__",
           [](const PyIncidentLog& self) {
             auto lock = locked(self);
             return log_repr(self.log);
           })
      .def(
          "to_bytes",
          [](const PyIncidentLog& self) {
            std::string bytes;
            {
              auto lock = locked(self);
              py::gil_scoped_release nogil;
              bytes = self.log.to_bytes();
            }
            return py::bytes(bytes);
          },
          "The whole log as bytes (the format C++'s IncidentLog::to_bytes writes).");

  m.def(
      "_assemble_cad",
      [](const std::vector<std::string>& incident, const std::vector<std::string>& unit,
         const std::vector<std::string>& kind, const std::vector<std::string>& place,
         const std::vector<std::string>& department, const std::vector<py::object>& times, py::handle skip,
         const std::vector<std::tuple<std::int64_t, std::string, std::string, std::string>>& problems,
         bool feedback_at_close, const std::map<std::string, std::string>& columns) {
        const std::size_t n = incident.size();
        for (const auto* v : {&unit, &kind, &place, &department})
          CRISISKIT_CHECK(v->size() == n, "columns", InvalidInput::no_index, v->size(), "CAD columns differ in length");
        CRISISKIT_CHECK(times.size() == num_cad_times, "times", InvalidInput::no_index, times.size(), "needs 5 columns");
        std::vector<CadRow> rows(n);
        for (int k = 0; k < num_cad_times; ++k) {
          auto a = array_1d<std::int64_t>(times[static_cast<std::size_t>(k)], "times");
          CRISISKIT_CHECK(static_cast<std::size_t>(a.shape(0)) == n, "times", k, a.shape(0), "CAD columns differ in length");
          for (std::size_t r = 0; r < n; ++r) rows[r].at[static_cast<std::size_t>(k)] = a.data()[r];
        }
        for (std::size_t r = 0; r < n; ++r) {
          rows[r].incident = incident[r];
          rows[r].unit = unit[r];
          rows[r].kind = kind[r];
          rows[r].place = place[r];
          rows[r].department = department[r];
        }
        auto sk = array_1d<std::int64_t>(skip, "skip");
        std::vector<std::uint8_t> skv(static_cast<std::size_t>(sk.shape(0)));
        for (std::size_t r = 0; r < skv.size(); ++r) skv[r] = sk.data()[r] != 0;
        std::vector<CadProblem> probs;
        for (const auto& [row, field, value, problem] : problems) probs.push_back({row, field, value, problem});
        const CadOptions opt = cad_options(columns, py::none(), feedback_at_close);
        CadImport c;
        {
          py::gil_scoped_release nogil;
          c = assemble_cad(rows, opt, std::move(probs), skv);
        }
        return cad_dict(c);
      },
      py::arg("incident"), py::arg("unit"), py::arg("kind"), py::arg("place"), py::arg("department"),
      py::arg("times"), py::arg("skip"), py::arg("problems"), py::arg("feedback_at_close"), py::arg("columns"),
      "Combine CAD unit rows into incidents (C++ assemble_cad); use crisiskit.read_cad.");
  m.def(
      "_read_cad_csv",
      [](const std::string& text, const std::map<std::string, std::string>& columns, py::handle offset,
         bool feedback_at_close) {
        const CadOptions opt = cad_options(columns, offset, feedback_at_close);
        CadImport c;
        {
          py::gil_scoped_release nogil;
          c = read_cad_csv(text, opt);
        }
        return cad_dict(c);
      },
      py::arg("text"), py::arg("columns"), py::arg("offset"), py::arg("feedback_at_close"),
      "Read a CAD CSV export with C++'s parser (fixed offset); use crisiskit.read_cad.");
}

}  // namespace crisiskit::python
