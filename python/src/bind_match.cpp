// Bindings for include/crisiskit/match/: the min-cost-flow primitive.
#include "common.hpp"

#include <memory>
#include <shared_mutex>

#include "crisiskit/match/min_cost_flow.hpp"
#include "crisiskit/match/road_network.hpp"

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

  using I64 = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
  using F64 = py::array_t<double, py::array::c_style | py::array::forcecast>;
  auto i64 = [](const I64& a) { return Span<const std::int64_t>(a.data(), static_cast<std::size_t>(a.size())); };
  // Queries release the GIL and take the lock shared; damage takes it
  // exclusively (also without the GIL, so a running query can finish).
  struct Roads {
    explicit Roads(RoadNetwork n) : net(std::move(n)) {}
    RoadNetwork net;
    mutable std::shared_mutex mu;
  };
  py::class_<Roads>(m, "_RoadNetworkCore")
      .def(py::init([i64](std::int64_t n, py::handle from, py::handle to, py::handle time_s, py::handle oneway,
                          py::handle lon, py::handle lat) {
             const I64 f = array_1d<std::int64_t>(from, "from");
             const I64 t = array_1d<std::int64_t>(to, "to");
             const F64 tt = array_1d<double>(time_s, "time_s");
             std::vector<std::uint8_t> ow;
             if (!oneway.is_none()) {
               const auto o = array_1d<std::int64_t>(oneway, "oneway");
               ow.assign(o.data(), o.data() + o.size());
             }
             F64 x, y;
             if (!lon.is_none()) x = array_1d<double>(lon, "lon");
             if (!lat.is_none()) y = array_1d<double>(lat, "lat");
             auto f64 = [](const F64& a) {
               return a ? Span<const double>(a.data(), static_cast<std::size_t>(a.size())) : Span<const double>();
             };
             py::gil_scoped_release nogil;
             return std::make_unique<Roads>(RoadNetwork(n, i64(f), i64(t), f64(tt), ow, f64(x), f64(y)));
           }),
           py::arg("num_nodes"), py::arg("from_"), py::arg("to"), py::arg("time_s"), py::arg("oneway"), py::arg("lon"),
           py::arg("lat"))
      .def_property_readonly("num_nodes", [](const Roads& r) { return r.net.num_nodes(); })
      .def_property_readonly("num_edges", [](const Roads& r) { return r.net.num_edges(); })
      .def_property_readonly("num_arcs", [](const Roads& r) { return r.net.num_arcs(); })
      .def_property_readonly("damage_steps", [](const Roads& r) {
        std::shared_lock lock(r.mu);
        return r.net.damage_steps();
      })
      .def("_close_edges", [i64](Roads& r, py::handle edges) {
        const I64 e = array_1d<std::int64_t>(edges, "edges");
        py::gil_scoped_release nogil;
        std::unique_lock lock(r.mu);
        r.net.close_edges(i64(e));
      })
      .def("_slow_edges", [i64](Roads& r, py::handle edges, double by) {
        const I64 e = array_1d<std::int64_t>(edges, "edges");
        py::gil_scoped_release nogil;
        std::unique_lock lock(r.mu);
        r.net.slow_edges(i64(e), by);
      })
      .def("undo", [](Roads& r) {
        py::gil_scoped_release nogil;
        std::unique_lock lock(r.mu);
        return r.net.undo();
      }, "Revert the last damage step; False when there is none.")
      .def("restore", [](Roads& r) {
        py::gil_scoped_release nogil;
        std::unique_lock lock(r.mu);
        r.net.restore();
      }, "Revert every damage step.")
      .def("_times", [](const Roads& r, std::int64_t source, double limit) {
        ShortestPaths sp;
        {
          py::gil_scoped_release nogil;
          std::shared_lock lock(r.mu);
          sp = r.net.shortest_paths(source, limit);
        }
        return py::make_tuple(copy_numpy(sp.time_s), copy_numpy(sp.pred));
      })
      .def("_path", [](const Roads& r, std::int64_t source, std::int64_t target) {
        std::vector<std::int32_t> p;
        {
          py::gil_scoped_release nogil;
          std::shared_lock lock(r.mu);
          CRISISKIT_CHECK(target >= 0 && target < r.net.num_nodes(), "target", InvalidInput::no_index, target,
                          "is not a node");
          p = r.net.path(r.net.shortest_paths(source), target);
        }
        return copy_numpy(p);
      });
}

}  // namespace crisiskit::python
