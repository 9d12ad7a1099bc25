// Bindings for include/crisiskit/match/need_board.hpp and priority.hpp: the
// need board (需求发布 / 社会认领). The compiled class `_NeedBoardCore` takes
// Python values (times, quantities) and returns plain columns; the package's
// need_board.py turns those into the documented NeedBoard API and DataFrames.
#include "common.hpp"

#include <cmath>
#include <mutex>

#include "crisiskit/match/need_board.hpp"

namespace crisiskit::python {

namespace {

using namespace crisiskit::match;

// One board and the mutex every call takes. The mutex is acquired with the
// GIL released, so a thread waiting for it never blocks the holder, which
// may need the GIL to build its result.
struct PyNeedBoard {
  NeedBoard board;
  mutable std::mutex mu;
  explicit PyNeedBoard(NeedBoard b) : board(std::move(b)) {}
};

std::unique_lock<std::mutex> locked(const PyNeedBoard& b) {
  py::gil_scoped_release nogil;
  return std::unique_lock<std::mutex>(b.mu);
}

// A quantity from Python: an int (or numpy integer), or a float that is a
// whole number; bools, NaN, infinities, fractions and non-numbers refused.
Quantity quantity_arg(py::handle v, const char* field = "quantity", std::int64_t row = InvalidInput::no_index) {
  if (PyBool_Check(v.ptr()) || py::isinstance(v, py::module_::import("numpy").attr("bool_")))
    throw_repr(field, row, v, "a quantity must be a number, not a bool");
  if (!PyFloat_Check(v.ptr())) {
    if (PyObject* i = PyNumber_Index(v.ptr())) {  // int, numpy integer
      const auto n = py::reinterpret_steal<py::object>(i);
      int overflow = 0;
      const long long q = PyLong_AsLongLongAndOverflow(n.ptr(), &overflow);
      if (overflow) throw_repr(field, row, v, "a quantity must be at most 2^53");
      return check_quantity(q, field, row);
    }
    PyErr_Clear();
    if (!py::hasattr(v, "__float__")) throw_repr(field, row, v, "a quantity must be a whole number of units");
  }
  double x = 0;
  try {
    x = v.cast<double>();
  } catch (const py::error_already_set&) {  // float(v) raised, e.g. pandas.NA
    throw_repr(field, row, v, "a quantity must be a whole number of units");
  } catch (const py::cast_error&) {
    throw_repr(field, row, v, "a quantity must be a whole number of units");
  }
  return quantity_from_double(x, field, row);
}

// Row `i` of a column of str (None → `none`, if given).
std::string str_at(const std::vector<py::object>& col, std::size_t i, const char* field, const char* none = nullptr) {
  py::handle v = col[i];
  if (none && v.is_none()) return none;
  if (!py::isinstance<py::str>(v))
    throw_repr(field, static_cast<std::int64_t>(i), v, none ? "must be a str or None" : "must be a str");
  return v.cast<std::string>();
}

// Row `i` of the node column: an int ≥ 0, or None / −1 for none.
std::int64_t node_at(const std::vector<py::object>& col, std::size_t i) {
  py::handle v = col[i];
  if (v.is_none()) return -1;
  if (PyBool_Check(v.ptr())) throw_repr("node", static_cast<std::int64_t>(i), v, "must be a node id (int) or None");
  if (PyFloat_Check(v.ptr())) {  // a pandas column with a missing cell is float: 7.0 is node 7
    const double x = v.cast<double>();
    if (!(x == std::floor(x) && std::abs(x) < 9.0e15))
      throw_repr("node", static_cast<std::int64_t>(i), v, "must be a node id (int) or None");
    return static_cast<std::int64_t>(x);
  }
  PyObject* n = PyNumber_Index(v.ptr());
  if (!n) {
    PyErr_Clear();
    throw_repr("node", static_cast<std::int64_t>(i), v, "must be a node id (int) or None");
  }
  const auto o = py::reinterpret_steal<py::object>(n);
  int overflow = 0;
  const long long x = PyLong_AsLongLongAndOverflow(o.ptr(), &overflow);
  if (overflow) throw_repr("node", static_cast<std::int64_t>(i), v, "is out of range");
  return x;
}

std::optional<Quantity> optional_quantity(py::handle v) {
  if (v.is_none()) return std::nullopt;
  return quantity_arg(v);
}

std::optional<Timestamp> optional_time(py::handle v, const char* field) {
  if (v.is_none()) return std::nullopt;
  return time_arg(v, field);
}

py::list ids_of(const IdMap& ids, const std::vector<Index>& idx) {
  py::list out;
  for (Index i : idx) out.append(i < 0 ? py::object(py::none()) : py::object(py::str(ids.id(i))));
  return out;
}

// Dense need indices: all (None) or the given ones.
std::vector<Index> all_rows(std::size_t n) {
  std::vector<Index> r(n);
  for (std::size_t i = 0; i < n; ++i) r[i] = static_cast<Index>(i);
  return r;
}

py::dict need_columns(const NeedBoard& b, const std::vector<Index>& rows) {
  const std::size_t n = rows.size();
  std::vector<Index> place(n), type(n), id(n);
  std::vector<std::int64_t> node(n);
  std::vector<Quantity> quantity(n), claimed(n), delivered(n), open(n);
  std::vector<double> weight(n);
  std::vector<Timestamp> deadline(n), published(n), cancelled(n), last(n);
  py::list unit, priority, by, status;
  for (std::size_t k = 0; k < n; ++k) {
    const Need& d = b.needs()[static_cast<std::size_t>(rows[k])];
    id[k] = rows[k];
    place[k] = d.place;
    type[k] = d.type;
    node[k] = d.node;
    quantity[k] = d.quantity;
    claimed[k] = d.claimed;
    delivered[k] = d.delivered;
    open[k] = d.open();
    weight[k] = b.weight(d);
    deadline[k] = d.deadline;
    published[k] = d.published_at;
    cancelled[k] = d.cancelled_at;
    last[k] = d.last_time;
    unit.append(d.unit);
    priority.append(b.priorities()[static_cast<std::size_t>(d.priority)].name);
    by.append(d.published_by);
    status.append(std::string(to_string(d.status())));
  }
  py::dict c;
  c["id"] = ids_of(b.need_ids(), id);
  c["place"] = ids_of(b.places(), place);
  c["node"] = copy_numpy(node);
  c["type"] = ids_of(b.types(), type);
  c["unit"] = unit;
  c["priority"] = priority;
  c["weight"] = copy_numpy(weight);
  c["quantity"] = copy_numpy(quantity);
  c["claimed"] = copy_numpy(claimed);
  c["delivered"] = copy_numpy(delivered);
  c["open"] = copy_numpy(open);
  c["status"] = status;
  c["deadline"] = copy_numpy(deadline);
  c["published_at"] = copy_numpy(published);
  c["published_by"] = by;
  c["cancelled_at"] = copy_numpy(cancelled);
  c["last_change"] = copy_numpy(last);
  return c;
}

py::dict claim_columns(const NeedBoard& b, const std::vector<Index>& rows) {
  const std::size_t n = rows.size();
  std::vector<Index> need(n);
  std::vector<Quantity> quantity(n), delivered(n), outstanding(n);
  std::vector<Timestamp> time(n), promised(n), due(n), closed(n);
  py::list claimant, status;
  for (std::size_t k = 0; k < n; ++k) {
    const Claim& c = b.claims()[static_cast<std::size_t>(rows[k])];
    need[k] = c.need;
    quantity[k] = c.quantity;
    delivered[k] = c.delivered;
    outstanding[k] = c.outstanding();
    time[k] = c.time;
    promised[k] = c.promised;
    due[k] = b.due(c);
    closed[k] = c.closed_at;
    claimant.append(c.claimant);
    status.append(std::string(to_string(c.status)));
  }
  py::dict c;
  c["id"] = ids_of(b.claim_ids(), rows);
  c["need"] = ids_of(b.need_ids(), need);
  c["claimant"] = claimant;
  c["quantity"] = copy_numpy(quantity);
  c["delivered"] = copy_numpy(delivered);
  c["outstanding"] = copy_numpy(outstanding);
  c["status"] = status;
  c["time"] = copy_numpy(time);
  c["promised"] = copy_numpy(promised);
  c["due"] = copy_numpy(due);
  c["closed_at"] = copy_numpy(closed);
  return c;
}

py::dict event_columns(const NeedBoard& b, std::size_t start, Index need) {
  std::vector<std::int64_t> seq;
  std::vector<Index> need_idx, claim_idx;
  std::vector<Quantity> quantity, open_after;
  std::vector<Timestamp> time, deadline;
  py::list kind, actor, note;
  const auto& ev = b.events();
  for (std::size_t i = std::min(start, ev.size()); i < ev.size(); ++i) {
    const NeedEvent& e = ev[i];
    if (need >= 0 && e.need != need) continue;
    seq.push_back(static_cast<std::int64_t>(i));
    time.push_back(e.time);
    kind.append(std::string(to_string(e.kind)));
    need_idx.push_back(e.need);
    claim_idx.push_back(e.claim);
    quantity.push_back(e.quantity);
    open_after.push_back(e.open_after);
    deadline.push_back(e.deadline);
    actor.append(e.actor);
    note.append(e.note);
  }
  py::dict c;
  c["seq"] = copy_numpy(seq);
  c["time"] = copy_numpy(time);
  c["kind"] = kind;
  c["need"] = ids_of(b.need_ids(), need_idx);
  c["claim"] = ids_of(b.claim_ids(), claim_idx);
  c["quantity"] = copy_numpy(quantity);
  c["open_after"] = copy_numpy(open_after);
  c["deadline"] = copy_numpy(deadline);
  c["actor"] = actor;
  c["note"] = note;
  return c;
}

PriorityTable priority_table(py::handle weights) {
  PriorityTable t = PriorityTable::defaults();
  if (weights.is_none()) return t;
  if (!PyDict_Check(weights.ptr()) && !py::hasattr(weights, "items"))
    throw_repr("priority_weights", InvalidInput::no_index, weights, "expected a mapping of class name to weight");
  for (auto kv : py::reinterpret_borrow<py::object>(weights).attr("items")()) {
    const auto item = py::reinterpret_borrow<py::tuple>(kv);
    if (!py::isinstance<py::str>(item[0]))
      throw_repr("priority_weights", InvalidInput::no_index, item[0], "a priority class name must be a str");
    const std::string name = item[0].cast<std::string>();
    py::handle w = item[1];
    if (PyBool_Check(w.ptr()) || !(PyFloat_Check(w.ptr()) || PyLong_Check(w.ptr()) || py::hasattr(w, "__float__")))
      throw_repr("weight", InvalidInput::no_index, w, fmt::format("the weight of '{}' must be a number", name));
    t.set(name, w.cast<double>());
  }
  return t;
}

// withdraw, close, cancel: (claim or need id, time, actor, reason) → what the C++ call returns.
template <class R>
void ending(py::class_<PyNeedBoard>& cls, const char* name,
            R (NeedBoard::*fn)(std::string_view, Timestamp, std::string_view, std::string_view)) {
  cls.def(
      name,
      [fn](PyNeedBoard& self, const std::string& id, py::handle time, const std::string& actor,
           const std::string& reason) {
        const Timestamp t = time_arg(time);
        auto lock = locked(self);
        return (self.board.*fn)(id, t, actor, reason);
      },
      py::arg("id"), py::arg("time"), py::arg("actor"), py::arg("reason"));
}

std::string board_repr(const NeedBoard& b) {
  std::array<std::size_t, 5> count{};
  for (const auto& d : b.needs()) ++count[static_cast<std::size_t>(d.status())];
  std::string s;
  for (int k = 0; k < 5; ++k)
    if (count[static_cast<std::size_t>(k)])
      s += fmt::format("{}{} {}", s.empty() ? ": " : ", ", count[static_cast<std::size_t>(k)],
                       to_string(static_cast<NeedStatus>(k)));
  std::size_t active = 0;
  for (const auto& c : b.claims()) active += c.status == ClaimStatus::ACTIVE;
  return fmt::format("NeedBoard({} needs{}; {} claims, {} active; {} events)", b.num_needs(), s, b.num_claims(), active,
                     b.events().size());
}

}  // namespace

void bind_need_board(py::module_& m) {
  m.def(
      "_default_priorities",
      [] {
        const PriorityTable table = PriorityTable::defaults();
        std::vector<std::tuple<std::string, std::string, double>> out;
        for (const auto& c : table.classes()) out.emplace_back(c.name, c.name_zh, c.weight);
        return out;
      },
      "The built-in priority classes as (name, name_zh, weight), heaviest first.");

  py::class_<PyNeedBoard> cls(m, "_NeedBoardCore", "Compiled need board; use crisiskit.NeedBoard.");
  ending(cls, "_withdraw", &NeedBoard::withdraw);
  ending(cls, "_close", &NeedBoard::close);
  ending(cls, "_cancel", &NeedBoard::cancel);
  cls
      .def(py::init([](const py::bytes& b) {
             const std::string bytes = b;
             return std::make_unique<PyNeedBoard>(NeedBoard::from_bytes(bytes));
           }),
           py::arg("snapshot"))
      .def(py::init([](py::handle priority_weights) {
             return std::make_unique<PyNeedBoard>(NeedBoard(priority_table(priority_weights)));
           }),
           py::arg("priority_weights") = py::none())
      .def(
          "_publish",
          [](PyNeedBoard& self, const std::vector<py::object>& ids, const std::vector<py::object>& places,
             const std::vector<py::object>& types, const std::vector<py::object>& quantities,
             const std::vector<py::object>& priorities, py::handle deadlines, const std::vector<py::object>& nodes,
             const std::vector<py::object>& units, py::handle time, const std::string& actor) {
            const std::size_t n = places.size();
            const std::size_t sizes[] = {ids.size(), types.size(), quantities.size(), priorities.size(), nodes.size(),
                                         units.size()};
            for (std::size_t s : sizes)
              CRISISKIT_CHECK(s == n, "needs", InvalidInput::no_index, s,
                              fmt::format("every column must have {} rows, like place", n));
            const auto dl = time_module().attr("to_seconds_array")(deadlines, "deadline").cast<std::vector<Timestamp>>();
            CRISISKIT_CHECK(dl.size() == n, "deadline", InvalidInput::no_index, dl.size(),
                            fmt::format("must have {} rows, like place", n));
            const Timestamp t = time_arg(time);
            std::vector<NeedSpec> specs(n);
            for (std::size_t i = 0; i < n; ++i) {
              const auto row = static_cast<std::int64_t>(i);
              NeedSpec& s = specs[i];
              if (!ids[i].is_none()) {
                s.id = str_at(ids, i, "id", "");
                CRISISKIT_CHECK(!s.id.empty(), "id", row, s.id, "an id must not be empty (None generates one)");
              }
              s.place = str_at(places, i, "place");
              s.type = str_at(types, i, "type");
              s.quantity = quantity_arg(quantities[i], "quantity", row);
              s.priority = str_at(priorities, i, "priority");
              s.deadline = dl[i];
              s.node = node_at(nodes, i);
              s.unit = str_at(units, i, "unit", "");
            }
            auto lock = locked(self);
            return self.board.publish(specs, t, actor);
          },
          py::arg("ids"), py::arg("places"), py::arg("types"), py::arg("quantities"), py::arg("priorities"),
          py::arg("deadlines"), py::arg("nodes"), py::arg("units"), py::arg("time"), py::arg("actor"))
      .def(
          "_claim",
          [](PyNeedBoard& self, const std::string& need, const std::string& claimant, py::handle quantity,
             py::handle time, py::handle promised, std::optional<std::string> id, const std::string& actor) {
            ClaimRequest r;
            if (id) {
              CRISISKIT_CHECK(!id->empty(), "id", InvalidInput::no_index, *id, "an id must not be empty (None generates one)");
              r.id = *id;
            }
            r.need = need;
            r.claimant = claimant;
            r.quantity = quantity_arg(quantity);
            r.promised = optional_time(promised, "promised").value_or(no_time);
            const Timestamp t = time_arg(time);
            auto lock = locked(self);
            return self.board.claim(r, t, actor);
          },
          py::arg("need"), py::arg("claimant"), py::arg("quantity"), py::arg("time"), py::arg("promised"),
          py::arg("id"), py::arg("actor"))
      .def(
          "_deliver",
          [](PyNeedBoard& self, const std::string& claim, py::handle quantity, py::handle time, const std::string& actor) {
            const auto q = optional_quantity(quantity);
            const Timestamp t = time_arg(time);
            auto lock = locked(self);
            self.board.deliver(claim, q, t, actor);
          },
          py::arg("claim"), py::arg("quantity"), py::arg("time"), py::arg("actor"))
      .def(
          "_amend",
          [](PyNeedBoard& self, const std::string& need, py::handle quantity, py::handle deadline, py::handle time,
             const std::string& actor, const std::string& note) {
            const auto q = optional_quantity(quantity);
            const auto d = optional_time(deadline, "deadline");
            const Timestamp t = time_arg(time);
            auto lock = locked(self);
            self.board.amend(need, q, d, t, actor, note);
          },
          py::arg("need"), py::arg("quantity"), py::arg("deadline"), py::arg("time"), py::arg("actor"), py::arg("note"))
      .def(
          "_status",
          [](const PyNeedBoard& self, const std::string& need) {
            auto lock = locked(self);
            return std::string(to_string(self.board.status(need)));
          },
          py::arg("need"))
      .def(
          "_open",
          [](const PyNeedBoard& self, const std::string& need) {
            auto lock = locked(self);
            return self.board.open(need);
          },
          py::arg("need"))
      .def(
          "_needs",
          [](const PyNeedBoard& self, py::handle type, py::handle priority, py::handle place, bool open_only) {
            const auto arg = [](py::handle v) { return v.is_none() ? std::string() : v.cast<std::string>(); };
            const std::string ty = arg(type), pr = arg(priority), pl = arg(place);
            auto lock = locked(self);
            const NeedBoard& b = self.board;
            return need_columns(b, open_only ? b.open_needs(ty, pr, pl) : all_rows(b.needs().size()));
          },
          py::arg("type"), py::arg("priority"), py::arg("place"), py::arg("open_only"))
      .def(
          "_claims",
          [](const PyNeedBoard& self, py::handle need, py::handle claimant, py::handle overdue_at) {
            const auto at = optional_time(overdue_at, "at");
            auto lock = locked(self);
            const NeedBoard& b = self.board;
            std::vector<Index> rows;
            if (at) rows = b.overdue_claims(*at);
            else if (!need.is_none()) rows = b.claims_on(need.cast<std::string>());
            else if (!claimant.is_none()) rows = b.claims_of(claimant.cast<std::string>());
            else rows = all_rows(b.claims().size());
            return claim_columns(b, rows);
          },
          py::arg("need"), py::arg("claimant"), py::arg("overdue_at"))
      .def(
          "_events",
          [](const PyNeedBoard& self, py::handle need, std::size_t start) {
            const std::string id = need.is_none() ? std::string() : need.cast<std::string>();
            auto lock = locked(self);
            return event_columns(self.board, start, id.empty() ? -1 : self.board.need_index(id));
          },
          py::arg("need"), py::arg("start"))
      .def("_open_demand",
           [](const PyNeedBoard& self) {
             auto lock = locked(self);
             const NeedBoard& b = self.board;
             const OpenDemand o = b.open_demand();
             py::dict c;
             c["need"] = ids_of(b.need_ids(), o.need);
             c["place"] = ids_of(b.places(), o.place);
             c["place_index"] = copy_numpy(o.place);
             c["node"] = copy_numpy(o.node);
             c["type"] = ids_of(b.types(), o.type);
             c["type_index"] = copy_numpy(o.type);
             c["quantity"] = copy_numpy(o.quantity);
             c["weight"] = copy_numpy(o.weight);
             c["deadline"] = copy_numpy(o.deadline);
             return c;
           })
      .def_property_readonly("_priorities",
                             [](const PyNeedBoard& self) {
                               auto lock = locked(self);
                               std::vector<std::tuple<std::string, std::string, double>> out;
                               for (const auto& c : self.board.priorities().classes())
                                 out.emplace_back(c.name, c.name_zh, c.weight);
                               return out;
                             })
      .def_property_readonly("ids",
                             [](const PyNeedBoard& self) {
                               auto lock = locked(self);
                               const auto& ids = self.board.need_ids().ids();
                               return std::vector<std::string>(ids.begin(), ids.end());
                             },
                             "Need ids in publication order.")
      .def_property_readonly("num_claims",
                             [](const PyNeedBoard& self) {
                               auto lock = locked(self);
                               return self.board.num_claims();
                             })
      .def_property_readonly("num_events",
                             [](const PyNeedBoard& self) {
                               auto lock = locked(self);
                               return self.board.events().size();
                             })
      .def("__len__",
           [](const PyNeedBoard& self) {
             auto lock = locked(self);
             return self.board.num_needs();
           })
      .def("__contains__",
           [](const PyNeedBoard& self, py::handle id) {
             if (!py::isinstance<py::str>(id)) return false;
             const std::string s = id.cast<std::string>();
             auto lock = locked(self);
             return self.board.need_ids().contains(s);
           })
      .def("__eq__",
           [](const PyNeedBoard& a, py::handle other) {
             if (!py::isinstance<PyNeedBoard>(other)) return false;
             const PyNeedBoard& b = other.cast<const PyNeedBoard&>();
             if (&a == &b) return true;
             std::string x, y;
             {
               auto lock = locked(a);
               x = a.board.to_bytes();
             }
             {
               auto lock = locked(b);
               y = b.board.to_bytes();
             }
             return x == y;
           })
      .def("__repr__",
           [](const PyNeedBoard& self) {
             auto lock = locked(self);
             return board_repr(self.board);
           })
      .def(
          "to_bytes",
          [](const PyNeedBoard& self) {
            std::string bytes;
            {
              auto lock = locked(self);
              bytes = self.board.to_bytes();
            }
            return py::bytes(bytes);
          },
          "The whole board as bytes (the format C++'s NeedBoard::to_bytes writes).");
}

}  // namespace crisiskit::python
