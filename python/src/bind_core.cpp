// core/: time text, ids.
#include "common.hpp"

#include "crisiskit/core/id_map.hpp"
#include "crisiskit/detail/simd.hpp"

namespace crisiskit::python {

void bind_core(py::module_& m) {
  m.def(
      "parse_time", [](const std::string& text, const std::string& field) { return parse_time(text, field.c_str()); },
      py::arg("text"), py::arg("field") = "time",
      R"doc(Parse ISO 8601 text with a required offset to UTC seconds.

Parameters
----------
text : str
    ``YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)``; a fraction is floored.
field : str
    Name used in the error message.

Returns
-------
int
    UTC seconds since the epoch.

Raises
------
ValueError
    If the text is malformed or has no offset.)doc");

  m.def(
      "format_time", [](py::handle t, py::handle offset) { return format_time(time_arg(t), offset_arg(offset)); },
      py::arg("time"), py::arg("offset") = "+00:00",
      R"doc(Render an instant as ISO 8601 with an explicit offset and no fraction.

Parameters
----------
time : int, datetime64, aware datetime, pandas.Timestamp or str
    The instant (int = UTC seconds).
offset : str or int
    Zone to write it in: ``"+08:00"`` or minutes east of UTC.

Returns
-------
str
    e.g. ``"2026-07-20T08:00:00+08:00"`` (UTC is ``+00:00``, never ``Z``).)doc");

  m.def("simd_path", [] { return std::string(simd::to_string(simd::active_simd())); },
        R"doc(The instruction-set path the vectorised kernels use on this machine:
``"avx512"``, ``"avx2"`` or ``"generic"`` (the build's baseline).

Chosen once per process from what the CPU supports; the environment variable
``CRISISKIT_SIMD`` (set before the first call) can lower it, e.g. to compare
paths. Results agree across paths to about 1e-15 relative.)doc");

  m.def("parse_offset", [](const std::string& s) { return parse_offset(s); }, py::arg("text"),
        "Parse ``'+08:00'``, ``'-0530'``, ``'+08'`` or ``'Z'`` into minutes east of UTC.");

  py::class_<IdMap>(m, "IdMap", R"doc(Stable external string ids ↔ dense indices 0..n-1.

Indices are assigned in insertion order and never change. Every crisiskit
core keys its arrays by these indices and speaks external ids at its API.)doc")
      .def(py::init<>())
      .def(py::init([](py::handle ids) {
             IdMap m;
             const IdBatch b = id_batch(ids);
             for (std::size_t i = 0; i < b.views.size(); ++i) {
               IdMap::validate(b.views[i], "ids", static_cast<std::int64_t>(i));
               m.insert(b.views[i]);
             }
             return m;
           }),
           py::arg("ids"), "Build from a sequence of str ids (repeats map to their first index).")
      .def("insert", &IdMap::insert, py::arg("id"), "Index of ``id``, adding it if new.")
      .def(
          "index",
          [](const IdMap& m, py::handle ids) {
            const IdBatch b = id_batch(ids);
            py::array_t<Index> out(static_cast<py::ssize_t>(b.views.size()));
            auto* o = out.mutable_data();
            for (std::size_t i = 0; i < b.views.size(); ++i)
              o[i] = m.at(b.views[i], "ids", static_cast<std::int64_t>(i));
            return out;
          },
          py::arg("ids"), "int64 indices of many ids; ValueError naming the first unknown one.")
      .def(
          "find", [](const IdMap& m, std::string_view id) -> py::object {
            auto i = m.find(id);
            return i ? py::cast(*i) : py::none();
          },
          py::arg("id"), "Index of ``id`` or None.")
      .def("id", &IdMap::id, py::arg("index"), "External id of a dense index.")
      .def_property_readonly("ids", [](const IdMap& m) { return std::vector<std::string>(m.ids().begin(), m.ids().end()); },
                             "All ids in index order (a new list).")
      .def("__len__", &IdMap::size)
      .def("__contains__", [](const IdMap& m, py::handle id) {
        return py::isinstance<py::str>(id) && m.contains(id.cast<std::string>());
      })
      .def("__eq__", [](const IdMap& a, const IdMap& b) { return a == b; })
      .def("__repr__", [](const IdMap& m) { return fmt::format("IdMap({} ids)", m.size()); })
      .def(py::pickle([](const IdMap& m) { return py::make_tuple(std::vector<std::string>(m.ids().begin(), m.ids().end())); },
                      [](const py::tuple& t) {
                        IdMap m;
                        for (const auto& s : t[0].cast<std::vector<std::string>>()) m.insert(s);
                        return m;
                      }));
}

}  // namespace crisiskit::python
