#pragma once
// Shared binding helpers: time and id conversion at the Python boundary.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

#include "crisiskit/alert/level.hpp"
#include "crisiskit/core/error.hpp"
#include "crisiskit/core/span.hpp"
#include "crisiskit/core/time.hpp"

namespace crisiskit::python {

namespace py = pybind11;

// One implementation of the time rules, in crisiskit/_time.py, for Python
// callers and bindings alike.
// Module handles live for the whole process and are deliberately leaked: a
// static py::object would be released after the interpreter has finalised.
inline py::module_& time_module() {
  static auto* m = new py::module_(py::module_::import("crisiskit._time"));
  return *m;
}

inline Timestamp time_arg(py::handle v, const char* field = "time") {
  return time_module().attr("to_seconds")(v, field).cast<Timestamp>();
}

inline Duration duration_arg(py::handle v, const char* field = "duration") {
  return time_module().attr("to_duration")(v, field).cast<Duration>();
}

inline py::object time_out(Timestamp t) { return time_module().attr("from_seconds")(t); }

// InvalidInput whose value is the Python repr of `v` (already text: not quoted again).
[[noreturn]] inline void throw_repr(const char* field, std::int64_t index, py::handle v, const std::string& problem) {
  std::string r = py::repr(v);
  if (r.size() > 200) r = r.substr(0, 200) + "…";
  throw InvalidInput(field, index, std::move(r), problem);
}

// Offsets from Python: "+08:00" text or minutes east of UTC.
inline int offset_arg(py::handle v, const char* field = "offset") {
  if (py::isinstance<py::str>(v)) return parse_offset(v.cast<std::string>(), field);
  if (py::isinstance<py::int_>(v) && !py::isinstance<py::bool_>(v)) {
    const long long m = v.cast<long long>();
    CRISISKIT_CHECK(m >= -max_offset_minutes && m <= max_offset_minutes, field, InvalidInput::no_index, m,
                    "must be within ±23:59 (minutes east of UTC)");
    return static_cast<int>(m);
  }
  throw_repr(field, InvalidInput::no_index, v, "expected '+08:00' or minutes east of UTC");
}

// A batch of external ids read from Python without copying str data where
// possible: views into the str objects (kept alive by `keep`) or into
// `storage` (numpy unicode arrays, converted to UTF-8 once).
struct IdBatch {
  std::vector<std::string_view> views;
  std::string storage;
  py::object keep;
};

inline IdBatch id_batch(py::handle ids, const char* field = "ids") {
  IdBatch b;
  if (py::isinstance<py::str>(ids) || py::isinstance<py::bytes>(ids))
    throw_repr(field, InvalidInput::no_index, ids, "expected a sequence of str ids, not a single string");
  py::object seq;
  if (py::isinstance<py::array>(ids)) {
    auto arr = py::reinterpret_borrow<py::array>(ids);
    CRISISKIT_CHECK(arr.ndim() == 1, field, InvalidInput::no_index, arr.ndim(), "must be one-dimensional");
    const char kind = arr.dtype().kind();
    if (kind == 'U') {
      // Fixed-width UCS-4: convert to UTF-8 in one buffer, no Python objects.
      auto c = py::array::ensure(arr, py::array::c_style);
      const auto n = static_cast<std::size_t>(c.shape(0));
      const std::size_t width = static_cast<std::size_t>(c.itemsize()) / 4;
      const auto* data = static_cast<const char32_t*>(c.data());
      std::vector<std::size_t> ends(n);
      b.storage.reserve(n * width);
      for (std::size_t i = 0; i < n; ++i) {
        const char32_t* s = data + i * width;
        std::size_t len = width;
        while (len > 0 && s[len - 1] == 0) --len;
        for (std::size_t k = 0; k < len; ++k) {
          const char32_t cp = s[k];
          if (cp < 0x80) {
            b.storage.push_back(static_cast<char>(cp));
          } else if (cp < 0x800) {
            b.storage.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            b.storage.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          } else if (cp < 0x10000) {
            b.storage.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            b.storage.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            b.storage.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          } else {
            b.storage.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            b.storage.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            b.storage.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            b.storage.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          }
        }
        ends[i] = b.storage.size();
      }
      b.views.resize(n);
      std::size_t start = 0;
      for (std::size_t i = 0; i < n; ++i) {
        b.views[i] = std::string_view(b.storage.data() + start, ends[i] - start);
        start = ends[i];
      }
      return b;
    }
    CRISISKIT_CHECK(kind == 'O', field, InvalidInput::no_index, std::string(py::str(arr.dtype())),
                    "ids must be strings (numpy str or object array)");
    seq = py::reinterpret_steal<py::object>(PySequence_Tuple(ids.ptr()));
  } else if (PyTuple_Check(ids.ptr())) {
    seq = py::reinterpret_borrow<py::object>(ids);
  } else {
    // A snapshot tuple: the items stay alive, and another thread mutating the
    // caller's list while the GIL is released cannot pull them away.
    PyObject* t = PySequence_Tuple(ids.ptr());
    if (!t) throw py::error_already_set();
    seq = py::reinterpret_steal<py::object>(t);
  }
  const Py_ssize_t n = PyTuple_GET_SIZE(seq.ptr());
  b.views.resize(static_cast<std::size_t>(n));
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* o = PyTuple_GET_ITEM(seq.ptr(), i);
    if (!PyUnicode_Check(o))
      throw_repr(field, i, o, "an id must be a str");
    Py_ssize_t len = 0;
    const char* s = PyUnicode_AsUTF8AndSize(o, &len);
    if (!s) {
      PyErr_Clear();
      throw_repr(field, i, o, "an id must be valid Unicode (no lone surrogates)");
    }
    b.views[static_cast<std::size_t>(i)] = std::string_view(s, static_cast<std::size_t>(len));
  }
  b.keep = std::move(seq);
  return b;
}

// A numpy copy of a vector the C++ object keeps (the object may outlive or change it).
template <class T>
py::array_t<T> copy_numpy(const std::vector<T>& v) {
  return py::array_t<T>(static_cast<py::ssize_t>(v.size()), v.data());
}

// float64 C-contiguous arrays pass through untouched (zero-copy); anything
// else is converted once.
using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

inline void check_1d(const py::array& a, const char* field) {
  CRISISKIT_CHECK(a.ndim() == 1, field, InvalidInput::no_index, a.ndim(), "must be one-dimensional");
}

// Any array-like → 1-D C-contiguous array of T, without a copy when it already is one.
template <class T>
py::array_t<T, py::array::c_style | py::array::forcecast> array_1d(py::handle v, const char* field) {
  if constexpr (std::is_integral_v<T>) {
    // Indices must already be integers: a float array would be truncated silently.
    const py::array raw = py::array::ensure(v);
    if (raw && raw.size() > 0 && raw.dtype().kind() != 'i' && raw.dtype().kind() != 'u')
      throw_repr(field, InvalidInput::no_index, raw.dtype(), "must be an integer array");
    if (!raw) PyErr_Clear();
  }
  auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(v);
  if (!a) {
    PyErr_Clear();
    throw_repr(field, InvalidInput::no_index, v,
               fmt::format("cannot be read as a {} array", std::is_same_v<T, double> ? "float64" : "int64"));
  }
  check_1d(a, field);
  return a;
}

// 1-D arrays read from a dict of columns (keys → array-likes); a missing or
// None key is an empty span. The arrays are kept alive as long as this is.
struct DictColumns {
  py::dict d;
  std::vector<py::object> keep;

  bool has(const char* k) const { return d.contains(k) && !d[k].is_none(); }
  Span<const std::int64_t> i64(const char* k, const char* field) { return span<std::int64_t>(k, field); }
  Span<const double> f64(const char* k, const char* field) { return span<double>(k, field); }

 private:
  template <class T>
  Span<const T> span(const char* k, const char* field) {
    if (!has(k)) return {};
    auto a = array_1d<T>(d[k], field);
    keep.push_back(a);
    return {a.data(), static_cast<std::size_t>(a.size())};
  }
};

// An AlertLevel from a member, its number or its name.
inline AlertLevel level_arg(py::handle v, const char* field = "level") {
  if (py::isinstance<py::str>(v)) return alert_level_from_name(v.cast<std::string>(), field);
  if (py::isinstance<py::int_>(v) && !py::isinstance<py::bool_>(v))  // IntEnum members are ints
    return alert_level_from_int(v.cast<long long>(), field);
  throw_repr(field, InvalidInput::no_index, v, "expected an AlertLevel, its number or its name");
}

// Objects whose methods release the GIL refuse a second caller instead of
// racing (or deadlocking on a mutex held across a GIL hand-off).
class BusyGuard {
 public:
  BusyGuard(std::atomic<bool>& flag, const char* what) : flag_(flag) {
    if (flag_.exchange(true))
      throw StateError(fmt::format("{} is in use by another thread; serialise calls on one object", what));
  }
  ~BusyGuard() { flag_.store(false); }
  BusyGuard(const BusyGuard&) = delete;
  BusyGuard& operator=(const BusyGuard&) = delete;

 private:
  std::atomic<bool>& flag_;
};

void bind_core(py::module_& m);
void bind_alert(py::module_& m);
void bind_cap(py::module_& m);
void bind_risk(py::module_& m);
void bind_severity(py::module_& m);
void bind_match(py::module_& m);
void bind_need_board(py::module_& m);
void bind_road_io(py::module_& m);
void bind_incident(py::module_& m);
void bind_review(py::module_& m);
void bind_scenario(py::module_& m);
void bind_ledger(py::module_& m);

}  // namespace crisiskit::python
