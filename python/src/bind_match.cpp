// Bindings for include/crisiskit/match/: the min-cost-flow primitive.
#include "common.hpp"

#include "crisiskit/match/min_cost_flow.hpp"

namespace py = pybind11;
using namespace crisiskit;
using namespace crisiskit::match;

namespace crisiskit::python {

void bind_match(py::module_& m) {
  m.attr("_INFINITE_CAPACITY") = kInfiniteCapacity;
  m.def(
      "_min_cost_flow",
      [](std::int64_t n, py::handle tail, py::handle head, py::handle capacity, py::handle cost, py::handle supply) {
        const auto t = array_1d<std::int64_t>(tail, "tail");
        const auto h = array_1d<std::int64_t>(head, "head");
        const auto c = array_1d<std::int64_t>(cost, "cost");
        const auto b = array_1d<std::int64_t>(supply, "supply");
        py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> u;
        if (!capacity.is_none()) u = array_1d<std::int64_t>(capacity, "capacity");
        auto span = [](const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& a) {
          return a ? Span<const std::int64_t>(a.data(), static_cast<std::size_t>(a.size())) : Span<const std::int64_t>();
        };
        FlowResult r;
        {
          py::gil_scoped_release nogil;
          r = min_cost_flow(n, span(t), span(h), span(u), span(c), span(b));
        }
        return py::make_tuple(std::string(to_string(r.status)), copy_numpy(r.flow), r.cost, copy_numpy(r.potential),
                              r.pivots);
      },
      py::arg("num_nodes"), py::arg("tail"), py::arg("head"), py::arg("capacity"), py::arg("cost"), py::arg("supply"),
      "Network simplex on int64 arrays; returns (status, flow, cost, potential, pivots). Use ck.min_cost_flow.");
}

}  // namespace crisiskit::python
