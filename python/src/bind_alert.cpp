// alert/: levels, policy, plan, grade, AlertBoard.
#include <pybind11/native_enum.h>

#include "common.hpp"

#include "crisiskit/alert/alert_board.hpp"
#include "crisiskit/alert/cap_feed.hpp"
#include "crisiskit/alert/grade.hpp"

namespace crisiskit::python {

namespace {

template <std::size_t N>
std::array<double, N> doubles_arg(py::handle v, const char* field) {
  std::array<double, N> out{};
  const auto seq = py::reinterpret_borrow<py::sequence>(v);
  if (!py::isinstance<py::sequence>(v) || py::isinstance<py::str>(v) || py::len(seq) != N)
    throw_repr(field, InvalidInput::no_index, v, fmt::format("must hold {} values (GENERAL, ATTENTION, WARNING, EMERGENCY)", N));
  for (std::size_t i = 0; i < N; ++i) {
    py::handle x = seq[i];
    try {
      out[i] = x.cast<double>();
    } catch (const py::cast_error&) {
      throw_repr(field, static_cast<std::int64_t>(i), x, "must be a number");
    }
  }
  return out;
}

std::array<Duration, 4> durations_arg(py::handle v, const char* field) {
  std::array<Duration, 4> out{};
  if (!py::isinstance<py::sequence>(v) || py::isinstance<py::str>(v) || py::len(v) != 4)
    throw_repr(field, InvalidInput::no_index, v, "must hold 4 durations (GENERAL, ATTENTION, WARNING, EMERGENCY)");
  const auto seq = py::reinterpret_borrow<py::sequence>(v);
  for (std::size_t i = 0; i < 4; ++i) out[i] = duration_arg(seq[i], fmt::format("{}[{}]", field, i).c_str());
  return out;
}

py::tuple spec_state(const ObligationSpec& s) { return py::make_tuple(s.name, s.name_zh, s.within); }

// The board as Python sees it: one C++ board plus a busy flag, because
// `update` releases the GIL and a second thread must not walk in meanwhile.
struct PyBoard {
  AlertBoard board;
  mutable std::atomic<bool> busy{false};
  explicit PyBoard(AlertBoard b) : board(std::move(b)) {}
};

py::module_& frames() {
  static auto* m = new py::module_(py::module_::import("crisiskit._frames"));  // leaked: see time_module()
  return *m;
}

template <class T>
py::array_t<T> column(std::size_t n) {
  return py::array_t<T>(static_cast<py::ssize_t>(n));
}

py::object transitions_frame(const AlertBoard& b, const std::vector<const Transition*>& rows) {
  const std::size_t n = rows.size();
  auto subject = column<Index>(n);
  auto time = column<Timestamp>(n);
  auto from = column<std::int8_t>(n);
  auto to = column<std::int8_t>(n);
  auto score = column<double>(n);
  auto reason = column<std::int8_t>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Transition& t = *rows[i];
    subject.mutable_data()[i] = t.subject;
    time.mutable_data()[i] = t.time;
    from.mutable_data()[i] = static_cast<std::int8_t>(t.from);
    to.mutable_data()[i] = static_cast<std::int8_t>(t.to);
    score.mutable_data()[i] = t.score;
    reason.mutable_data()[i] = static_cast<std::int8_t>(t.reason);
  }
  py::dict cols;
  cols["subject"] = subject;
  cols["time"] = time;
  cols["from_level"] = from;
  cols["to_level"] = to;
  cols["score"] = score;
  cols["reason"] = reason;
  return frames().attr("transitions_frame")(cols, b.subjects().ids());
}

py::object obligations_frame(const AlertBoard& b, const std::vector<const Obligation*>& rows, py::object at) {
  const std::size_t n = rows.size();
  auto id = column<std::int64_t>(n);
  auto subject = column<Index>(n);
  auto level = column<std::int8_t>(n);
  auto opened = column<Timestamp>(n);
  auto due = column<Timestamp>(n);
  auto ack = column<Timestamp>(n);
  auto done = column<Timestamp>(n);
  auto status = column<std::int8_t>(n);
  auto escalated = column<bool>(n);
  auto transition = column<std::int64_t>(n);
  py::list name, name_zh, ack_by, done_by;
  for (std::size_t i = 0; i < n; ++i) {
    const Obligation& o = *rows[i];
    id.mutable_data()[i] = o.id;
    subject.mutable_data()[i] = o.subject;
    level.mutable_data()[i] = static_cast<std::int8_t>(o.level);
    opened.mutable_data()[i] = o.opened;
    due.mutable_data()[i] = o.due;
    ack.mutable_data()[i] = o.acknowledged_at;
    done.mutable_data()[i] = o.completed_at;
    status.mutable_data()[i] = static_cast<std::int8_t>(o.status);
    escalated.mutable_data()[i] = o.escalated;
    transition.mutable_data()[i] = o.transition;
    const ObligationSpec& sp = b.spec(o);
    name.append(sp.name);
    name_zh.append(sp.name_zh);
    ack_by.append(o.acknowledged_by);
    done_by.append(o.completed_by);
  }
  py::dict cols;
  cols["id"] = id;
  cols["subject"] = subject;
  cols["level"] = level;
  cols["name"] = name;
  cols["name_zh"] = name_zh;
  cols["opened"] = opened;
  cols["due"] = due;
  cols["status"] = status;
  cols["acknowledged_at"] = ack;
  cols["acknowledged_by"] = ack_by;
  cols["completed_at"] = done;
  cols["completed_by"] = done_by;
  cols["escalated"] = escalated;
  cols["transition"] = transition;
  return frames().attr("obligations_frame")(cols, b.subjects().ids(), at);
}

std::string board_repr(const AlertBoard& b) {
  std::array<std::size_t, 5> count{};
  for (auto l : b.levels()) ++count[static_cast<std::size_t>(l)];
  std::size_t open = 0;
  for (const auto& o : b.obligations()) open += o.is_open();
  std::string levels;
  for (AlertLevel l : all_alert_levels)
    if (count[to_int(l)]) levels += fmt::format("{}{} {}", levels.empty() ? "" : ", ", count[to_int(l)], to_string(l));
  return fmt::format("AlertBoard({} subjects{}{}; {} transitions; {} obligations, {} open)", b.num_subjects(),
                     levels.empty() ? "" : ": ", levels, b.transitions().size(), b.obligations().size(), open);
}

CapFeedOptions feed_options(const std::string& sender, const std::string& sender_name, const std::string& prefix,
                            py::handle offset, const std::string& status, const std::string& language,
                            const std::string& category, const std::string& event, const std::string& certainty,
                            py::handle areas) {
  CapFeedOptions o;
  o.sender = sender;
  o.sender_name = sender_name;
  o.identifier_prefix = prefix;
  o.offset_minutes = offset_arg(offset);
  o.status = status;
  o.language = language;
  o.category = category;
  o.event = event;
  o.certainty = certainty;
  if (!areas.is_none()) {
    for (auto kv : py::reinterpret_borrow<py::dict>(areas)) {
      const std::string key = kv.first.cast<std::string>();
      if (py::isinstance<py::str>(kv.second)) {
        CapArea a;
        a.area_desc = kv.second.cast<std::string>();
        o.areas[key] = a;
      } else {
        o.areas[key] = kv.second.cast<CapArea>();
      }
    }
  }
  return o;
}

}  // namespace

void bind_alert(py::module_& m) {
  py::native_enum<AlertLevel>(m, "AlertLevel", "enum.IntEnum",
                              "Four-level alert grading plus NONE: 0 NONE, 1 GENERAL 一般, 2 ATTENTION 关注, "
                              "3 WARNING 预警, 4 EMERGENCY 紧急.")
      .value("NONE", AlertLevel::NONE, "no alert")
      .value("GENERAL", AlertLevel::GENERAL, "一般: information report within 2 h")
      .value("ATTENTION", AlertLevel::ATTENTION, "关注: special assessment within 4 h")
      .value("WARNING", AlertLevel::WARNING, "预警: emergency preparation within 12 h")
      .value("EMERGENCY", AlertLevel::EMERGENCY, "紧急: full response immediately")
      .finalize();
  py::native_enum<WarningColor>(m, "WarningColor", "enum.IntEnum", "National warning colour; RED is highest.")
      .value("NONE", WarningColor::NONE)
      .value("BLUE", WarningColor::BLUE)
      .value("YELLOW", WarningColor::YELLOW)
      .value("ORANGE", WarningColor::ORANGE)
      .value("RED", WarningColor::RED)
      .finalize();
  py::native_enum<TransitionReason>(m, "TransitionReason", "enum.IntEnum", "Why a subject changed level.")
      .value("SCORE", TransitionReason::SCORE)
      .value("OVERDUE", TransitionReason::OVERDUE)
      .finalize();
  py::native_enum<ObligationStatus>(m, "ObligationStatus", "enum.IntEnum", "State of an obligation.")
      .value("OPEN", ObligationStatus::OPEN)
      .value("ACKNOWLEDGED", ObligationStatus::ACKNOWLEDGED)
      .value("COMPLETED", ObligationStatus::COMPLETED)
      .finalize();

  m.def("alert_level", [](py::handle v) { return level_arg(v); }, py::arg("level"),
        "AlertLevel from a level, its number (0–4) or its English/Chinese name ('warning', '预警').");
  m.def("name_zh", [](py::handle l) { return std::string(name_zh(level_arg(l))); }, py::arg("level"),
        "Chinese name of a level: 无 / 一般 / 关注 / 预警 / 紧急.");
  m.def("warning_color", [](py::handle l) { return warning_color(level_arg(l)); }, py::arg("level"),
        "National warning colour of a level: GENERAL→BLUE, ATTENTION→YELLOW, WARNING→ORANGE, EMERGENCY→RED.");
  m.def("national_grade", [](py::handle l) { return national_grade(level_arg(l)); }, py::arg("level"),
        "National grade 1–4 (Ⅰ highest = EMERGENCY), 0 for NONE.");
  m.def("national_grade_roman", [](py::handle l) { return std::string(national_grade_roman(level_arg(l))); },
        py::arg("level"), "National grade as 'Ⅰ'..'Ⅳ' ('' for NONE).");
  m.def(
      "cap_codes",
      [](py::handle l) {
        const CapCodes c = cap_codes(level_arg(l));
        py::dict d;
        d["urgency"] = std::string(c.urgency);
        d["severity"] = std::string(c.severity);
        d["certainty"] = std::string(c.certainty);
        d["responseType"] = std::string(c.response_type);
        return d;
      },
      py::arg("level"), "CAP 1.2 urgency / severity / certainty / responseType of a level (see the README's table).");

  // ---- GradingPolicy --------------------------------------------------------
  py::class_<GradingPolicy>(m, "GradingPolicy", R"doc(How a score becomes an alert level, with hysteresis.

Escalation is immediate when the score reaches a threshold (levels may be
skipped). De-escalation from level k waits until the score has stayed below
``thresholds[k] - margins[k]`` at every observation for ``dwells[k]``.

Parameters
----------
thresholds : sequence of 4 float
    Scores at which GENERAL, ATTENTION, WARNING, EMERGENCY start; strictly
    increasing. Default (25, 50, 75, 90) on the 0–100 risk scale.
margins : sequence of 4 float
    Points below each threshold that count as "below"; >= 0. Default 5 each.
dwells : sequence of 4 durations
    Seconds (or timedelta) the score must stay below; >= 0.
    Default 2 h, 4 h, 12 h, 12 h.

Raises
------
ValueError
    Non-increasing or NaN thresholds, negative or NaN margins, negative dwells.)doc")
      .def(py::init([](py::handle thresholds, py::handle margins, py::handle dwells) {
             const GradingPolicy d;
             return GradingPolicy(thresholds.is_none() ? d.thresholds() : doubles_arg<4>(thresholds, "thresholds"),
                                  margins.is_none() ? d.margins() : doubles_arg<4>(margins, "margins"),
                                  dwells.is_none() ? d.dwells() : durations_arg(dwells, "dwells"));
           }),
           py::arg("thresholds") = py::none(), py::arg("margins") = py::none(), py::arg("dwells") = py::none())
      .def_property_readonly("thresholds", [](const GradingPolicy& p) { return py::cast(p.thresholds()).cast<py::tuple>(); })
      .def_property_readonly("margins", [](const GradingPolicy& p) { return py::cast(p.margins()).cast<py::tuple>(); })
      .def_property_readonly("dwells", [](const GradingPolicy& p) { return py::cast(p.dwells()).cast<py::tuple>(); },
                             "Dwell per level, seconds.")
      .def("level_of", &GradingPolicy::level_of, py::arg("score"), "Stateless level of one score.")
      .def("release_below", [](const GradingPolicy& p, py::handle l) { return p.release_below(level_arg(l)); },
           py::arg("level"), "threshold − margin of a level.")
      .def("__eq__", [](const GradingPolicy& a, const GradingPolicy& b) { return a == b; })
      .def("__repr__",
           [](const GradingPolicy& p) {
             return fmt::format("GradingPolicy(thresholds=({}), margins=({}), dwells=({}))",
                                fmt::join(p.thresholds(), ", "), fmt::join(p.margins(), ", "),
                                fmt::join(p.dwells(), ", "));
           })
      .def(py::pickle(
          [](const GradingPolicy& p) { return py::make_tuple(p.thresholds(), p.margins(), p.dwells()); },
          [](const py::tuple& t) {
            return GradingPolicy(t[0].cast<GradingPolicy::Thresholds>(), t[1].cast<GradingPolicy::Margins>(),
                                 t[2].cast<GradingPolicy::Dwells>());
          }));

  // ---- ResponsePlan ---------------------------------------------------------
  py::class_<ObligationSpec>(m, "ObligationSpec", R"doc(One obligation a level opens.

Parameters
----------
name : str
    Short English name, e.g. "information report".
name_zh : str
    Chinese name, e.g. "信息报送".
within : int seconds, timedelta or timedelta64
    Time from opening to due; 0 = due immediately.)doc")
      .def(py::init([](std::string name, std::string name_zh, py::handle within) {
             ObligationSpec s{std::move(name), std::move(name_zh), duration_arg(within, "within")};
             CRISISKIT_CHECK(!s.name.empty(), "name", InvalidInput::no_index, s.name, "an obligation needs a name");
             CRISISKIT_CHECK(s.within >= 0, "within", InvalidInput::no_index, s.within, "must be >= 0 seconds");
             return s;
           }),
           py::arg("name"), py::arg("name_zh") = "", py::arg("within") = 0)
      .def_readonly("name", &ObligationSpec::name)
      .def_readonly("name_zh", &ObligationSpec::name_zh)
      .def_readonly("within", &ObligationSpec::within, "Seconds from opening to due.")
      .def("__eq__", [](const ObligationSpec& a, const ObligationSpec& b) { return a == b; })
      .def("__repr__",
           [](const ObligationSpec& s) {
             return fmt::format("ObligationSpec(name='{}', name_zh='{}', within={})", s.name, s.name_zh, s.within);
           })
      .def(py::pickle([](const ObligationSpec& s) { return spec_state(s); },
                      [](const py::tuple& t) {
                        return ObligationSpec{t[0].cast<std::string>(), t[1].cast<std::string>(), t[2].cast<Duration>()};
                      }));

  py::class_<ResponsePlan>(m, "ResponsePlan", R"doc(What entering each level obliges, and by when (预案).

``ResponsePlan.defaults()`` is the source texts' table: GENERAL → information
report (信息报送) within 2 h; ATTENTION → special assessment (专项研判) within
4 h; WARNING → emergency preparation (应急准备) within 12 h; EMERGENCY → full
response (全员响应) immediately. ``ResponsePlan()`` is empty.

``cumulative``: when True, skipping levels (0 → 3) also opens the skipped
levels' obligations. Default False.)doc")
      .def(py::init<>())
      .def_static("defaults", &ResponsePlan::defaults, "The source texts' plan.")
      .def(
          "set", [](ResponsePlan& p, py::handle level, std::vector<ObligationSpec> specs) { p.set(level_arg(level), std::move(specs)); },
          py::arg("level"), py::arg("obligations"), "Replace a level's obligations.")
      .def(
          "obligations", [](const ResponsePlan& p, py::handle level) { return p.obligations(level_arg(level)); },
          py::arg("level"), "Obligations of a level (a new list).")
      .def_property("cumulative", &ResponsePlan::cumulative, &ResponsePlan::set_cumulative)
      .def("__eq__", [](const ResponsePlan& a, const ResponsePlan& b) { return a == b; })
      .def("__repr__",
           [](const ResponsePlan& p) {
             std::string s = "ResponsePlan(";
             for (AlertLevel l : all_alert_levels) {
               if (l == AlertLevel::NONE) continue;
               s += fmt::format("{}{}: [", l == AlertLevel::GENERAL ? "" : ", ", to_string(l));
               bool first = true;
               for (const auto& o : p.obligations(l)) {
                 s += fmt::format("{}{} within {} s", first ? "" : ", ", o.name, o.within);
                 first = false;
               }
               s += "]";
             }
             return s + (p.cumulative() ? ", cumulative)" : ")");
           })
      .def(py::pickle(
          [](const ResponsePlan& p) {
            py::list levels;
            for (AlertLevel l : all_alert_levels) {
              py::list specs;
              for (const auto& s : p.obligations(l)) specs.append(spec_state(s));
              levels.append(specs);
            }
            return py::make_tuple(p.cumulative(), levels);
          },
          [](const py::tuple& t) {
            ResponsePlan p;
            p.set_cumulative(t[0].cast<bool>());
            const auto levels = t[1].cast<py::list>();
            for (std::size_t l = 1; l < levels.size(); ++l) {
              std::vector<ObligationSpec> specs;
              for (auto s : levels[l].cast<py::list>()) {
                const auto st = s.cast<py::tuple>();
                specs.push_back({st[0].cast<std::string>(), st[1].cast<std::string>(), st[2].cast<Duration>()});
              }
              p.set(static_cast<AlertLevel>(l), std::move(specs));
            }
            return p;
          }));

  // ---- grade ----------------------------------------------------------------
  m.def(
      "grade",
      [](py::handle scores_in, const GradingPolicy* policy, py::object out) {
        const DoubleArray scores = array_1d<double>(scores_in, "scores");
        const auto n = static_cast<std::size_t>(scores.shape(0));
        py::array_t<std::int8_t> result;
        if (out.is_none()) {
          result = py::array_t<std::int8_t>(static_cast<py::ssize_t>(n));
        } else {
          if (!py::isinstance<py::array_t<std::int8_t>>(out))
            throw_repr("out", InvalidInput::no_index, py::hasattr(out, "dtype") ? out.attr("dtype") : out,
                       "must be a numpy int8 array");
          result = out.cast<py::array_t<std::int8_t>>();
          CRISISKIT_CHECK(result.ndim() == 1 && (result.flags() & py::array::c_style) && result.writeable(), "out",
                          InvalidInput::no_index, "array", "must be a writable one-dimensional contiguous int8 array");
          CRISISKIT_CHECK(static_cast<std::size_t>(result.shape(0)) == n, "out", InvalidInput::no_index, result.shape(0),
                          fmt::format("must have as many elements as scores ({})", n));
        }
        const GradingPolicy p = policy ? *policy : GradingPolicy();
        const double* s = scores.data();
        std::int8_t* o = result.mutable_data();
        {
          py::gil_scoped_release nogil;
          grade(Span<const double>(s, n), Span<std::int8_t>(o, n), p);
        }
        return result;
      },
      py::arg("scores"), py::arg("policy") = nullptr, py::arg("out") = py::none(),
      R"doc(Stateless grading of many scores (no hysteresis).

Parameters
----------
scores : numpy.ndarray, shape (n,)
    Scores; a C-contiguous float64 array is read in place (zero-copy), other
    dtypes are converted once.
policy : GradingPolicy, optional
    Thresholds to apply; the default policy if omitted.
out : numpy.ndarray of int8, shape (n,), optional
    Where to write the levels.

Returns
-------
numpy.ndarray of int8, shape (n,)
    0 NONE … 4 EMERGENCY. The GIL is released while grading.

Raises
------
ValueError
    Naming the index of the first NaN score.)doc");

  // ---- AlertBoard -----------------------------------------------------------
  py::class_<UpdateSummary>(m, "UpdateSummary", "What one update did; its transitions are board.history(start=first_transition).")
      .def_readonly("updated", &UpdateSummary::updated)
      .def_readonly("new_subjects", &UpdateSummary::new_subjects)
      .def_readonly("escalated", &UpdateSummary::escalated)
      .def_readonly("deescalated", &UpdateSummary::deescalated)
      .def_readonly("obligations_opened", &UpdateSummary::obligations_opened)
      .def_readonly("first_transition", &UpdateSummary::first_transition)
      .def_readonly("end_transition", &UpdateSummary::end_transition)
      .def("__repr__", [](const UpdateSummary& s) {
        return fmt::format("UpdateSummary(updated={}, new_subjects={}, escalated={}, deescalated={}, obligations_opened={})",
                           s.updated, s.new_subjects, s.escalated, s.deescalated, s.obligations_opened);
      });

  py::class_<SubjectState>(m, "SubjectState", "A subject's current level, since when, its last event and score.")
      .def_readonly("level", &SubjectState::level)
      .def_property_readonly("since", [](const SubjectState& s) { return time_out(s.since); },
                             "Last change of level (or first observation), UTC pandas.Timestamp.")
      .def_property_readonly("last_time", [](const SubjectState& s) { return time_out(s.last_time); })
      .def_readonly("last_score", &SubjectState::last_score)
      .def("__repr__", [](const SubjectState& s) {
        return fmt::format("SubjectState(level={}, since={}, last_score={})", to_string(s.level),
                           s.since == no_time ? std::string("None") : format_time(s.since), s.last_score);
      });

  py::class_<PyBoard>(m, "AlertBoard", R"doc(Stateful alert grading of many subjects with obligations and deadlines.

Parameters
----------
policy : GradingPolicy, optional
    Default ``GradingPolicy()``.
plan : ResponsePlan, optional
    Default ``ResponsePlan.defaults()``.
escalate_overdue : bool
    If True, a subject with an obligation past due moves up one level
    (reason OVERDUE, once per obligation), checked at every update.

Notes
-----
Every mutating call is all-or-nothing: on ``ValueError`` the board is
unchanged. Time must not go backwards per subject. The board pickles and
restores exactly. ``update`` releases the GIL; calling one board from two
threads at once raises ``crisiskit.StateError`` instead of racing.)doc")
      .def(py::init([](const GradingPolicy* policy, const ResponsePlan* plan, bool escalate_overdue) {
             BoardOptions o;
             o.escalate_overdue = escalate_overdue;
             return std::make_unique<PyBoard>(AlertBoard(policy ? *policy : GradingPolicy(),
                                                         plan ? *plan : ResponsePlan::defaults(), o));
           }),
           py::arg("policy") = nullptr, py::arg("plan") = nullptr, py::arg("escalate_overdue") = false)
      .def(
          "update",
          [](PyBoard& self, py::handle ids, py::handle scores_in, py::handle time) {
            BusyGuard busy(self.busy, "AlertBoard");
            const Timestamp t = time_arg(time);
            const IdBatch b = id_batch(ids);
            const DoubleArray scores = array_1d<double>(scores_in, "scores");
            const Span<const double> s(scores.data(), static_cast<std::size_t>(scores.shape(0)));
            py::gil_scoped_release nogil;
            return self.board.update(Span<const std::string_view>(b.views), s, t);
          },
          py::arg("ids"), py::arg("scores"), py::arg("time"),
          R"doc(Grade many subjects at one time.

Parameters
----------
ids : sequence of str, shape (n,)
    External ids (list, tuple, numpy str/object array, pandas Series); new
    ids are added; each at most once per call.
scores : array-like of float, shape (n,)
    Scores on the policy's scale (default 0–100); float64 is read in place.
time : int seconds, datetime64, aware datetime, pandas.Timestamp or ISO str
    When the scores hold; naive datetimes are refused.

Returns
-------
UpdateSummary

Raises
------
ValueError
    Length mismatch, NaN score, empty/duplicate id, or time before a listed
    subject's last event. The board is then unchanged.)doc")
      .def(
          "update_indices",
          [](PyBoard& self, py::handle subjects_in, py::handle scores_in, py::handle time) {
            BusyGuard busy(self.busy, "AlertBoard");
            const Timestamp t = time_arg(time);
            const auto subjects = array_1d<Index>(subjects_in, "subjects");
            const DoubleArray scores = array_1d<double>(scores_in, "scores");
            const Span<const Index> idx(subjects.data(), static_cast<std::size_t>(subjects.shape(0)));
            const Span<const double> s(scores.data(), static_cast<std::size_t>(scores.shape(0)));
            py::gil_scoped_release nogil;
            return self.board.update_indices(idx, s, t);
          },
          py::arg("subjects"), py::arg("scores"), py::arg("time"),
          "As update, with dense int64 subject indices (from index() / add_subject()): the fast path.")
      .def(
          "add_subject", [](PyBoard& self, std::string_view id) {
            BusyGuard busy(self.busy, "AlertBoard");
            return self.board.add_subject(id);
          },
          py::arg("id"), "Register a subject without grading it; returns its dense index.")
      .def(
          "index",
          [](const PyBoard& self, py::handle ids) {
            BusyGuard busy(self.busy, "AlertBoard");
            const IdBatch b = id_batch(ids);
            py::array_t<Index> out(static_cast<py::ssize_t>(b.views.size()));
            for (std::size_t i = 0; i < b.views.size(); ++i)
              out.mutable_data()[i] = self.board.subjects().at(b.views[i], "ids", static_cast<std::int64_t>(i));
            return out;
          },
          py::arg("ids"), "Dense int64 indices of known subjects (ValueError naming the first unknown id).")
      .def(
          "escalate_overdue",
          [](PyBoard& self, py::handle at) {
            BusyGuard busy(self.busy, "AlertBoard");
            return self.board.escalate_overdue(time_arg(at, "at"));
          },
          py::arg("at"), "Escalate subjects with obligations past due at `at` by one level (once per obligation).")
      .def(
          "acknowledge",
          [](PyBoard& self, std::int64_t obligation, py::handle time, std::string actor) {
            BusyGuard busy(self.busy, "AlertBoard");
            self.board.acknowledge(obligation, time_arg(time), std::move(actor));
          },
          py::arg("obligation"), py::arg("time"), py::arg("actor") = "",
          "Mark an obligation acknowledged (签收). StateError if already acknowledged or completed.")
      .def(
          "complete",
          [](PyBoard& self, std::int64_t obligation, py::handle time, std::string actor) {
            BusyGuard busy(self.busy, "AlertBoard");
            self.board.complete(obligation, time_arg(time), std::move(actor));
          },
          py::arg("obligation"), py::arg("time"), py::arg("actor") = "",
          "Mark an obligation completed. StateError if already completed.")
      .def(
          "overdue",
          [](const PyBoard& self, py::handle at) {
            BusyGuard busy(self.busy, "AlertBoard");
            const Timestamp t = time_arg(at, "at");
            std::vector<const Obligation*> rows;
            for (const auto& o : self.board.obligations())
              if (o.is_overdue(t)) rows.push_back(&o);
            return obligations_frame(self.board, rows, py::cast(t));
          },
          py::arg("at"), "Open obligations past due at `at`, as a DataFrame with a `late_by` column.")
      .def(
          "obligations",
          [](const PyBoard& self, py::object subject, py::object at) {
            BusyGuard busy(self.busy, "AlertBoard");
            std::vector<const Obligation*> rows;
            const Index s = subject.is_none() ? -1 : self.board.subjects().at(subject.cast<std::string>(), "subject");
            for (const auto& o : self.board.obligations())
              if (s < 0 || o.subject == s) rows.push_back(&o);
            return obligations_frame(self.board, rows, at.is_none() ? at : py::cast(time_arg(at, "at")));
          },
          py::arg("subject") = py::none(), py::arg("at") = py::none(),
          "All obligations (or one subject's) as a DataFrame; with `at`, a `late_by` column for open ones past due.")
      .def(
          "history",
          [](const PyBoard& self, py::object subject, std::size_t start) {
            BusyGuard busy(self.busy, "AlertBoard");
            std::vector<const Transition*> rows;
            const auto& ts = self.board.transitions();
            const Index s = subject.is_none() ? -1 : self.board.subjects().at(subject.cast<std::string>(), "subject");
            for (std::size_t i = std::min(start, ts.size()); i < ts.size(); ++i)
              if (s < 0 || ts[i].subject == s) rows.push_back(&ts[i]);
            return transitions_frame(self.board, rows);
          },
          py::arg("subject") = py::none(), py::arg("start") = 0,
          "Transitions (all, or one subject's) from index `start`, as a DataFrame.")
      .def(
          "states",
          [](const PyBoard& self) {
            BusyGuard busy(self.busy, "AlertBoard");
            const AlertBoard& b = self.board;
            const auto n = static_cast<std::size_t>(b.num_subjects());
            auto since = column<Timestamp>(n);
            auto last = column<Timestamp>(n);
            for (std::size_t i = 0; i < n; ++i) {
              const SubjectState st = b.state(static_cast<Index>(i));
              since.mutable_data()[i] = st.since;
              last.mutable_data()[i] = st.last_time;
            }
            py::dict cols;
            cols["level"] = py::array_t<std::int8_t>(static_cast<py::ssize_t>(n), b.levels().data());
            cols["since"] = since;
            cols["last_time"] = last;
            cols["last_score"] = py::array_t<double>(static_cast<py::ssize_t>(n), b.last_scores().data());
            return frames().attr("states_frame")(cols, b.subjects().ids());
          },
          "Every subject's level, since, last_time and last_score, as a DataFrame indexed by id.")
      .def(
          "state",
          [](const PyBoard& self, std::string_view id) {
            BusyGuard busy(self.busy, "AlertBoard");
            return self.board.state(id);
          },
          py::arg("id"))
      .def(
          "level",
          [](const PyBoard& self, std::string_view id) {
            BusyGuard busy(self.busy, "AlertBoard");
            return self.board.level(id);
          },
          py::arg("id"), "Current level of one subject.")
      .def_property_readonly(
          "levels",
          [](const PyBoard& self) {
            BusyGuard busy(self.busy, "AlertBoard");
            // A copy: the board's own buffer moves when subjects are added.
            return py::array_t<std::int8_t>(static_cast<py::ssize_t>(self.board.num_subjects()), self.board.levels().data());
          },
          "Current level of every subject by dense index (int8 copy).")
      .def_property_readonly(
          "ids",
          [](const PyBoard& self) {
            BusyGuard busy(self.busy, "AlertBoard");
            return std::vector<std::string>(self.board.subjects().ids().begin(), self.board.subjects().ids().end());
          },
          "Subject ids in dense-index order.")
      .def_property_readonly("num_transitions",
                             [](const PyBoard& self) {
                               BusyGuard busy(self.busy, "AlertBoard");
                               return self.board.transitions().size();
                             })
      .def_property_readonly("policy", [](const PyBoard& self) { return self.board.policy(); })  // immutable
      .def_property_readonly("plan", [](const PyBoard& self) { return self.board.plan(); })      // immutable
      .def_property_readonly("escalates_overdue", [](const PyBoard& self) { return self.board.options().escalate_overdue; })
      .def(
          "cap_messages",
          [](const PyBoard& self, const std::string& sender, const std::string& sender_name, const std::string& prefix,
             py::handle offset, const std::string& status, const std::string& language, const std::string& category,
             const std::string& event, const std::string& certainty, py::handle areas, py::handle since) {
            BusyGuard busy(self.busy, "AlertBoard");
            const CapFeedOptions o =
                feed_options(sender, sender_name, prefix, offset, status, language, category, event, certainty, areas);
            return cap_messages(self.board, o, since.is_none() ? no_time : time_arg(since, "since"));
          },
          py::kw_only(), py::arg("sender") = "crisiskit@localhost", py::arg("sender_name") = "",
          py::arg("identifier_prefix") = "crisiskit", py::arg("offset") = "+00:00", py::arg("status") = "Actual",
          py::arg("language") = "zh-CN", py::arg("category") = "Safety", py::arg("event") = "Public crisis risk",
          py::arg("certainty") = "", py::arg("areas") = py::none(), py::arg("since") = py::none(),
          R"doc(CAP 1.2 messages for the board's transitions (one per transition).

First level above NONE → msgType Alert; change between levels → Update;
back to NONE → Cancel; Update and Cancel reference the subject's previous
message. Codes follow ``cap_codes(level)``; the instruction lists the
obligations opened with their due times.

Parameters
----------
sender, sender_name, identifier_prefix, status, language, category, event : str
    CAP fields; message identifiers are ``f"{identifier_prefix}.{transition}"``.
offset : str or int
    Zone every time is written in, e.g. ``"+08:00"``.
certainty : str
    Override the level's default certainty (e.g. "Observed"); "" keeps it.
areas : dict[str, CapArea | str], optional
    Area per subject id (a str is taken as areaDesc); default areaDesc = id.
since : time, optional
    Only transitions at or after this time.

Returns
-------
list[CapAlert])doc")
      .def("__len__",
           [](const PyBoard& self) {
             BusyGuard busy(self.busy, "AlertBoard");
             return self.board.num_subjects();
           })
      .def("__contains__",
           [](const PyBoard& self, py::handle id) {
             BusyGuard busy(self.busy, "AlertBoard");
             return py::isinstance<py::str>(id) && self.board.subjects().contains(id.cast<std::string>());
           })
      .def("__repr__",
           [](const PyBoard& self) {
             BusyGuard busy(self.busy, "AlertBoard");
             return board_repr(self.board);
           })
      .def("_repr_html_",
           [](const PyBoard& self) {
             BusyGuard busy(self.busy, "AlertBoard");
             std::array<std::size_t, 5> count{};
             for (auto l : self.board.levels()) ++count[static_cast<std::size_t>(l)];
             std::string rows;
             for (AlertLevel l : all_alert_levels)
               rows += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", to_string(l), name_zh(l), count[to_int(l)]);
             return fmt::format("<b>AlertBoard</b> — {} subjects, {} transitions, {} obligations"
                                "<table><tr><th>level</th><th>中文</th><th>subjects</th></tr>{}</table>",
                                self.board.num_subjects(), self.board.transitions().size(),
                                self.board.obligations().size(), rows);
           })
      .def(py::pickle(
          [](const PyBoard& self) {
            BusyGuard busy(self.busy, "AlertBoard");
            return py::make_tuple(py::bytes(self.board.to_bytes()));
          },
          [](const py::tuple& t) {
            const std::string bytes = t[0].cast<std::string>();
            return std::make_unique<PyBoard>(AlertBoard::from_bytes(bytes));
          }))
      .def(
          "to_bytes",
          [](const PyBoard& self) {
            BusyGuard busy(self.busy, "AlertBoard");
            return py::bytes(self.board.to_bytes());
          },
          "The whole board as bytes (the same format C++'s AlertBoard::to_bytes writes).")
      .def_static(
          "from_bytes", [](const py::bytes& b) { return std::make_unique<PyBoard>(AlertBoard::from_bytes(std::string(b))); },
          py::arg("data"), "Rebuild a board from to_bytes(); ValueError naming the byte offset if corrupted.");
}

}  // namespace crisiskit::python
