// Bindings for include/crisiskit/ledger/: the sunshine ledger (阳光台账).
// `_LedgerCore` takes plain columns and returns plain columns; the package's
// ledger.py turns those into the documented Ledger API and DataFrames.
// The C++ Ledger synchronises itself (one writer, many readers), so every
// call here simply releases the GIL around the C++ work.
#include "common.hpp"

#include <cmath>

#include "crisiskit/ledger/ledger.hpp"

namespace crisiskit::python {

namespace {

using namespace crisiskit::ledger;

HashAlgorithm alg_arg(const std::string& s) { return hash_algorithm_from_string(s, "hash"); }

Hash hash_arg(py::handle v, const char* field, std::int64_t row = InvalidInput::no_index) {
  if (!py::isinstance<py::bytes>(v)) throw_repr(field, row, v, "expected 32 bytes (a SHA-256 or SM3 hash)");
  const std::string s = v.cast<std::string>();
  if (s.size() != 32) throw_repr(field, row, v, "expected 32 bytes (a SHA-256 or SM3 hash)");
  Hash h{};
  std::copy(s.begin(), s.end(), h.begin());
  return h;
}

std::vector<Hash> proof_arg(py::handle v, const char* field) {
  if (py::isinstance<py::bytes>(v) || py::isinstance<py::str>(v))
    throw_repr(field, InvalidInput::no_index, v, "expected a list of 32-byte hashes");
  std::vector<Hash> out;
  std::int64_t i = 0;
  for (py::handle h : v) out.push_back(hash_arg(h, field, i++));
  return out;
}

py::bytes bytes_of(const Hash& h) { return py::bytes(reinterpret_cast<const char*>(h.data()), h.size()); }

py::list hashes_out(const std::vector<Hash>& hs) {
  py::list out;
  for (const Hash& h : hs) out.append(bytes_of(h));
  return out;
}

std::uint64_t size_arg(py::handle v, const char* field) {
  if (PyBool_Check(v.ptr())) throw_repr(field, InvalidInput::no_index, v, "expected a non-negative integer");
  PyObject* i = PyNumber_Index(v.ptr());
  if (i == nullptr) {
    PyErr_Clear();
    throw_repr(field, InvalidInput::no_index, v, "expected a non-negative integer");
  }
  const auto n = py::reinterpret_steal<py::object>(i);
  int overflow = 0;
  const long long x = PyLong_AsLongLongAndOverflow(n.ptr(), &overflow);
  if (overflow || x < 0) throw_repr(field, InvalidInput::no_index, v, "expected a non-negative integer");
  return static_cast<std::uint64_t>(x);
}

py::dict entry_columns(const std::vector<Entry>& es, const std::vector<TraceRow>* trace = nullptr) {
  const std::size_t n = es.empty() && trace ? trace->size() : es.size();
  auto get = [&](std::size_t i) -> const Entry& { return trace ? (*trace)[i].entry : es[i]; };
  py::array_t<std::int64_t> seq(n), time(n), qty(n);
  auto s = seq.mutable_unchecked<1>();
  auto t = time.mutable_unchecked<1>();
  auto q = qty.mutable_unchecked<1>();
  py::list kind(n), item(n), unit(n), from(n), to(n), actor(n), need(n), claim(n), note(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Entry& e = get(i);
    s(i) = static_cast<std::int64_t>(e.seq);
    t(i) = e.time;
    q(i) = e.quantity;
    kind[i] = py::str(to_string(e.kind));
    item[i] = py::str(e.item);
    unit[i] = py::str(e.unit);
    from[i] = py::str(e.from);
    to[i] = py::str(e.to);
    actor[i] = py::str(e.actor);
    need[i] = py::str(e.need);
    claim[i] = py::str(e.claim);
    note[i] = py::str(e.note);
  }
  py::dict d;
  d["seq"] = seq;
  d["time"] = time;
  d["kind"] = kind;
  d["item"] = item;
  d["quantity"] = qty;
  d["unit"] = unit;
  d["from"] = from;
  d["to"] = to;
  d["actor"] = actor;
  d["need"] = need;
  d["claim"] = claim;
  d["note"] = note;
  if (trace) {
    py::array_t<std::int64_t> hop(n), via(n);
    auto h = hop.mutable_unchecked<1>();
    auto v = via.mutable_unchecked<1>();
    for (std::size_t i = 0; i < n; ++i) {
      h(i) = (*trace)[i].hop;
      v(i) = (*trace)[i].via;
    }
    d["hop"] = hop;
    d["via"] = via;
  }
  return d;
}

// Fill one text field of every entry from a Python list (or any sequence)
// without an intermediate std::vector<std::string>: None, NaN and pandas.NA
// are empty, anything else but str is refused naming the field and row.
void text_column(py::handle col, std::size_t n, const char* field, bool batch, py::handle na, std::vector<Entry>& es,
                 std::string Entry::*member) {
  py::object seq = py::reinterpret_borrow<py::object>(col);
  if (!PyList_Check(col.ptr()) && !PyTuple_Check(col.ptr()))
    seq = py::reinterpret_steal<py::object>(PySequence_List(col.ptr()));
  if (!seq) throw py::error_already_set();
  const Py_ssize_t len = PySequence_Fast_GET_SIZE(seq.ptr());
  CRISISKIT_CHECK(static_cast<std::size_t>(len) == n, field, InvalidInput::no_index, len, "columns differ in length");
  PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
  for (std::size_t i = 0; i < n; ++i) {
    PyObject* o = items[i];
    const std::int64_t row = batch ? static_cast<std::int64_t>(i) : InvalidInput::no_index;
    if (PyUnicode_Check(o)) {
      Py_ssize_t size = 0;
      const char* p = PyUnicode_AsUTF8AndSize(o, &size);
      if (p == nullptr) {  // lone surrogates cannot be UTF-8
        PyErr_Clear();
        throw_repr(field, row, o, "must be valid Unicode text (no lone surrogates)");
      }
      (es[i].*member).assign(p, static_cast<std::size_t>(size));
    } else if (o == Py_None || o == na.ptr() || (PyFloat_Check(o) && std::isnan(PyFloat_AS_DOUBLE(o)))) {
      (es[i].*member).clear();
    } else {
      throw_repr(field, row, o, "expected text (str)");
    }
  }
}

py::dict recovery_dict(const RecoveryReport& r) {
  py::dict d;
  d["entries"] = r.entries;
  d["file_bytes"] = r.file_bytes;
  d["kept_bytes"] = r.kept_bytes;
  d["dropped_bytes"] = r.dropped_bytes;
  d["dropped_entries"] = r.dropped_entries;
  d["truncated"] = r.truncated;
  d["damaged"] = r.damaged;
  d["message"] = r.message;
  return d;
}

}  // namespace

void bind_ledger(py::module_& m) {
  py::class_<Ledger> cls(m, "_LedgerCore", "Compiled sunshine ledger; use crisiskit.Ledger.");
  cls.def(py::init([](const std::string& hash) { return Ledger(alg_arg(hash)); }), py::arg("hash") = "sha256")
      .def_static(
          "_create",
          [](const std::string& path, const std::string& hash) {
            const HashAlgorithm a = alg_arg(hash);
            py::gil_scoped_release nogil;
            return Ledger::create(path, a);
          },
          py::arg("path"), py::arg("hash"))
      .def_static(
          "_open",
          [](const std::string& path, bool read_only) {
            py::gil_scoped_release nogil;
            return Ledger::open(path, read_only ? OpenMode::READ_ONLY : OpenMode::READ_WRITE);
          },
          py::arg("path"), py::arg("read_only"))
      .def_static(
          "_from_image",
          [](const py::bytes& image) {
            std::string_view v = image;  // the bytes object stays alive: we hold a reference
            py::gil_scoped_release nogil;
            return Ledger::from_image(v);
          },
          py::arg("image"))
      .def(
          "_append_columns",
          [](Ledger& l, py::array_t<std::int8_t, py::array::c_style | py::array::forcecast> kind,
             py::handle item, py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> quantity,
             py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> time, py::handle unit,
             py::handle from, py::handle to, py::handle actor, py::handle need, py::handle claim, py::handle note,
             bool batch) {
            const std::size_t n = static_cast<std::size_t>(kind.size());
            CRISISKIT_CHECK(static_cast<std::size_t>(quantity.size()) == n && static_cast<std::size_t>(time.size()) == n,
                            "columns", InvalidInput::no_index, quantity.size(), "columns differ in length");
            CRISISKIT_CHECK(batch || n == 1, "columns", InvalidInput::no_index, n, "a single append takes one row");
            auto k = kind.unchecked<1>();
            auto q = quantity.unchecked<1>();
            auto t = time.unchecked<1>();
            std::vector<Entry> es(n);
            for (std::size_t i = 0; i < n; ++i) {
              const auto ii = static_cast<py::ssize_t>(i);
              const std::int64_t row = batch ? static_cast<std::int64_t>(i) : InvalidInput::no_index;
              CRISISKIT_CHECK(k(ii) >= 0 && k(ii) < kind_count, "kind", row, int{k(ii)}, "not a movement kind code");
              es[i].kind = static_cast<Kind>(k(ii));
              es[i].quantity = q(ii);
              es[i].time = t(ii);
            }
            const py::object na = py::module_::import("pandas").attr("NA");
            const std::pair<const char*, std::pair<py::handle, std::string Entry::*>> cols[] = {
                {"item", {item, &Entry::item}},    {"unit", {unit, &Entry::unit}},   {"from", {from, &Entry::from}},
                {"to", {to, &Entry::to}},          {"actor", {actor, &Entry::actor}}, {"need", {need, &Entry::need}},
                {"claim", {claim, &Entry::claim}}, {"note", {note, &Entry::note}}};
            for (const auto& [field, spec] : cols) text_column(spec.first, n, field, batch, na, es, spec.second);
            py::gil_scoped_release nogil;
            return batch ? l.append_many(std::move(es)) : l.append(es.at(0));
          },
          py::arg("kind"), py::arg("item"), py::arg("quantity"), py::arg("time"), py::arg("unit"), py::arg("from_"),
          py::arg("to"), py::arg("actor"), py::arg("need"), py::arg("claim"), py::arg("note"), py::arg("batch"))
      .def_static(
          "_kind_code", [](const std::string& s, py::handle row) {
            return static_cast<int>(kind_from_string(s, "kind", row.is_none() ? InvalidInput::no_index : row.cast<std::int64_t>()));
          },
          py::arg("kind"), py::arg("row"))
      .def("commit", [](Ledger& l) {
            py::gil_scoped_release nogil;
            return l.commit();
          }, "Make the staged entries durable and visible; returns the committed size.")
      .def("rollback", [](Ledger& l) {
            py::gil_scoped_release nogil;
            l.rollback();
          }, "Drop the staged entries.")
      .def_property_readonly("pending", &Ledger::pending, "Number of staged (not yet committed) entries.")
      .def("__len__", &Ledger::size)
      .def_property_readonly("size", &Ledger::size, "Number of committed entries.")
      .def_property_readonly("hash", [](const Ledger& l) { return std::string(to_string(l.algorithm())); },
                             "'sha256' or 'sm3'.")
      .def_property_readonly("path", [](const Ledger& l) -> py::object {
            if (l.path().empty()) return py::none();
            return py::str(l.path());
          }, "The file path, or None for an in-memory ledger.")
      .def_property_readonly("read_only", &Ledger::read_only, "Opened read-only, or damaged.")
      .def_property_readonly("recovery", [](const Ledger& l) { return recovery_dict(l.recovery()); },
                             "What opening found: a dict (entries, file_bytes, kept_bytes, dropped_bytes, "
                             "dropped_entries, truncated, damaged, message).")
      .def("_root", [](const Ledger& l, py::handle size) {
            Hash h;
            if (size.is_none()) {
              py::gil_scoped_release nogil;
              h = l.root();
            } else {
              const auto n = size_arg(size, "size");
              py::gil_scoped_release nogil;
              h = l.root(n);
            }
            return bytes_of(h);
          }, py::arg("size") = py::none())
      .def("_inclusion_proof", [](const Ledger& l, py::handle index, py::handle size) {
            const auto i = size_arg(index, "index");
            std::vector<Hash> p;
            if (size.is_none()) {
              py::gil_scoped_release nogil;
              p = l.inclusion_proof(i);
            } else {
              const auto n = size_arg(size, "size");
              py::gil_scoped_release nogil;
              p = l.inclusion_proof(i, n);
            }
            return hashes_out(p);
          }, py::arg("index"), py::arg("size") = py::none())
      .def("_consistency_proof", [](const Ledger& l, py::handle old_size, py::handle new_size) {
            const auto m = size_arg(old_size, "old_size");
            std::vector<Hash> p;
            if (new_size.is_none()) {
              py::gil_scoped_release nogil;
              p = l.consistency_proof(m);
            } else {
              const auto n = size_arg(new_size, "new_size");
              py::gil_scoped_release nogil;
              p = l.consistency_proof(m, n);
            }
            return hashes_out(p);
          }, py::arg("old_size"), py::arg("new_size") = py::none())
      .def("leaf_hash", [](const Ledger& l, py::handle i) { return bytes_of(l.leaf_hash(size_arg(i, "index"))); },
           py::arg("index"), "The Merkle leaf hash of entry `index` (32 bytes).")
      .def("entry_bytes", [](const Ledger& l, py::handle i) { return py::bytes(l.entry_bytes(size_arg(i, "index"))); },
           py::arg("index"), "The canonical bytes of entry `index` (what its leaf hashes).")
      .def("_columns", [](const Ledger& l, std::uint64_t begin, std::uint64_t end) {
            std::vector<Entry> es;
            {
              py::gil_scoped_release nogil;
              es = l.entries(begin, end);
            }
            return entry_columns(es);
          }, py::arg("begin"), py::arg("end"))
      .def("_balances", [](const Ledger& l) {
            std::vector<Balance> bs;
            {
              py::gil_scoped_release nogil;
              bs = l.balances();
            }
            const std::size_t n = bs.size();
            py::list holder(n), item(n), unit(n);
            py::array_t<std::int64_t> qty(n), cred(n), deb(n);
            auto q = qty.mutable_unchecked<1>();
            auto c = cred.mutable_unchecked<1>();
            auto d = deb.mutable_unchecked<1>();
            for (std::size_t i = 0; i < n; ++i) {
              holder[i] = py::str(bs[i].holder);
              item[i] = py::str(bs[i].item);
              unit[i] = py::str(bs[i].unit);
              q(i) = bs[i].quantity;
              c(i) = bs[i].credited;
              d(i) = bs[i].debited;
            }
            py::dict out;
            out["holder"] = holder;
            out["item"] = item;
            out["quantity"] = qty;
            out["unit"] = unit;
            out["credited"] = cred;
            out["debited"] = deb;
            return out;
          })
      .def("balance", [](const Ledger& l, const std::string& holder, const std::string& item) {
            return l.balance(holder, item);
          }, py::arg("holder"), py::arg("item"), "What `holder` holds of `item` now (0 if never).")
      .def("_trace", [](const Ledger& l, const std::string& need, const std::string& claim, const std::string& to,
                        const std::string& from, const std::string& item, std::int64_t start, std::int64_t end,
                        bool follow) {
            TraceQuery q;
            q.need = need;
            q.claim = claim;
            q.to = to;
            q.from = from;
            q.item = item;
            q.start = start;
            q.end = end;
            q.follow = follow;
            std::vector<TraceRow> rows;
            {
              py::gil_scoped_release nogil;
              rows = l.trace(q);
            }
            return entry_columns({}, &rows);
          }, py::arg("need"), py::arg("claim"), py::arg("to"), py::arg("from_"), py::arg("item"), py::arg("start"),
          py::arg("end"), py::arg("follow"))
      .def("_verify", [](const Ledger& l, py::handle trusted_size, py::handle trusted_root) {
            VerifyReport r;
            if (trusted_size.is_none() != trusted_root.is_none())
              throw_repr("trusted_root", InvalidInput::no_index, trusted_root,
                         "give trusted_size and trusted_root together");
            if (trusted_size.is_none()) {
              py::gil_scoped_release nogil;
              r = l.verify();
            } else {
              const auto n = size_arg(trusted_size, "trusted_size");
              const Hash h = hash_arg(trusted_root, "trusted_root");
              py::gil_scoped_release nogil;
              r = l.verify(n, h);
            }
            py::dict d;
            d["ok"] = r.ok;
            d["size"] = r.size;
            d["first_bad"] = r.first_bad < 0 ? py::object(py::none()) : py::object(py::int_(r.first_bad));
            d["problem"] = r.problem;
            d["root"] = bytes_of(r.root);
            return d;
          }, py::arg("trusted_size") = py::none(), py::arg("trusted_root") = py::none())
      .def("to_image", [](const Ledger& l) {
            std::string img;
            {
              py::gil_scoped_release nogil;
              img = l.to_image();
            }
            return py::bytes(img);
          }, "The bytes of a ledger file holding the committed entries (what Ledger.from_image reads).");

  m.def("_merkle_root", [](const std::vector<py::bytes>& data, const std::string& hash) {
        const HashAlgorithm a = alg_arg(hash);
        std::vector<std::string> leaves;
        leaves.reserve(data.size());
        for (const auto& b : data) leaves.emplace_back(b);
        py::gil_scoped_release nogil;
        return bytes_of(merkle_root(leaves, a));
      }, py::arg("leaves"), py::arg("hash"));
  m.def("_leaf_hash", [](const py::bytes& data, const std::string& hash) {
        return bytes_of(leaf_hash(alg_arg(hash), std::string_view(data)));
      }, py::arg("data"), py::arg("hash"));
  m.def("_verify_inclusion", [](py::handle index, py::handle size, py::handle leaf, py::handle proof, py::handle root,
                                const std::string& hash) {
        return verify_inclusion(alg_arg(hash), size_arg(index, "index"), size_arg(size, "size"),
                                hash_arg(leaf, "leaf_hash"), proof_arg(proof, "proof"), hash_arg(root, "root"));
      }, py::arg("index"), py::arg("size"), py::arg("leaf_hash"), py::arg("proof"), py::arg("root"), py::arg("hash"));
  m.def("_verify_consistency", [](py::handle old_size, py::handle new_size, py::handle old_root, py::handle new_root,
                                  py::handle proof, const std::string& hash) {
        return verify_consistency(alg_arg(hash), size_arg(old_size, "old_size"), size_arg(new_size, "new_size"),
                                  hash_arg(old_root, "old_root"), hash_arg(new_root, "new_root"),
                                  proof_arg(proof, "proof"));
      }, py::arg("old_size"), py::arg("new_size"), py::arg("old_root"), py::arg("new_root"), py::arg("proof"),
      py::arg("hash"));
}

}  // namespace crisiskit::python
