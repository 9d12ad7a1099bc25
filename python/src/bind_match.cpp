// Bindings for include/crisiskit/match/: the min-cost-flow primitive.
#include "common.hpp"

#include <memory>
#include <shared_mutex>

#include "crisiskit/match/allocate.hpp"
#include "crisiskit/match/min_cost_flow.hpp"
#include "crisiskit/match/need_rules.hpp"
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
      .def("_times", [](const Roads& r, std::int64_t source, double limit, bool undamaged) {
        ShortestPaths sp;
        {
          py::gil_scoped_release nogil;
          std::shared_lock lock(r.mu);
          sp = r.net.shortest_paths(source, limit, undamaged);
        }
        return py::make_tuple(copy_numpy(sp.time_s), copy_numpy(sp.pred));
      })
      .def("_many_to_many", [i64](const Roads& r, py::handle sources, py::handle targets, double limit, bool undamaged,
                                  unsigned threads) {
        const I64 s = array_1d<std::int64_t>(sources, "sources");
        const I64 t = array_1d<std::int64_t>(targets, "targets");
        TravelTimes tt;
        {
          py::gil_scoped_release nogil;
          std::shared_lock lock(r.mu);
          tt = r.net.many_to_many(i64(s), i64(t), limit, undamaged, threads);
        }
        return py::make_tuple(copy_numpy(tt.first), copy_numpy(tt.target), copy_numpy(tt.time_s));
      })
      .def("_paths", [i64](const Roads& r, py::handle from, py::handle to, bool undamaged, unsigned threads) {
        const I64 f = array_1d<std::int64_t>(from, "from");
        const I64 t = array_1d<std::int64_t>(to, "to");
        PathList pl;
        {
          py::gil_scoped_release nogil;
          std::shared_lock lock(r.mu);
          pl = r.net.paths(i64(f), i64(t), undamaged, threads);
        }
        return py::make_tuple(copy_numpy(pl.first), copy_numpy(pl.node));
      })
      .def("_snap", [](const Roads& r, py::handle lon, py::handle lat, double max_distance_m) {
        const F64 x = array_1d<double>(lon, "lon");
        const F64 y = array_1d<double>(lat, "lat");
        SnapResult s;
        {
          py::gil_scoped_release nogil;
          s = r.net.snap(Span<const double>(x.data(), static_cast<std::size_t>(x.size())),
                         Span<const double>(y.data(), static_cast<std::size_t>(y.size())), max_distance_m);
        }
        return py::make_tuple(copy_numpy(s.node), copy_numpy(s.distance_m));
      })
      .def("_edges_in_polygon", [i64](const Roads& r, py::handle lon, py::handle lat, py::handle starts) {
        const F64 x = array_1d<double>(lon, "lon");
        const F64 y = array_1d<double>(lat, "lat");
        const I64 st = array_1d<std::int64_t>(starts, "ring_start");
        std::vector<std::int64_t> e;
        {
          py::gil_scoped_release nogil;
          std::shared_lock lock(r.mu);
          e = r.net.edges_in_polygon(Span<const double>(x.data(), static_cast<std::size_t>(x.size())),
                                     Span<const double>(y.data(), static_cast<std::size_t>(y.size())), i64(st));
        }
        return copy_numpy(e);
      })
      .def_property_readonly("lon", [](const Roads& r) { return copy_numpy(std::vector<double>(r.net.lon().begin(), r.net.lon().end())); })
      .def_property_readonly("lat", [](const Roads& r) { return copy_numpy(std::vector<double>(r.net.lat().begin(), r.net.lat().end())); })
      .def("_allocate", [i64](const Roads& r, py::handle s_node, py::handle s_qty, py::handle s_tfirst, py::handle s_type,
                              py::handle d_node, py::handle d_type, py::handle d_qty, py::handle d_weight,
                              py::handle d_deadline, py::handle d_group, double penalty, double horizon, bool fairness,
                              double min_share, bool routes, unsigned threads) {
        const I64 sn = array_1d<std::int64_t>(s_node, "supply.node"), sq = array_1d<std::int64_t>(s_qty, "supply.quantity");
        const I64 stf = array_1d<std::int64_t>(s_tfirst, "supply.type_first"), st = array_1d<std::int64_t>(s_type, "supply.type");
        const I64 dn = array_1d<std::int64_t>(d_node, "need.node"), dt = array_1d<std::int64_t>(d_type, "need.type");
        const I64 dq = array_1d<std::int64_t>(d_qty, "need.quantity"), dg = array_1d<std::int64_t>(d_group, "need.group");
        const F64 dw = array_1d<double>(d_weight, "need.weight"), dd = array_1d<double>(d_deadline, "need.deadline_s");
        auto f64 = [](const F64& a) { return Span<const double>(a.data(), static_cast<std::size_t>(a.size())); };
        AllocateOptions opt;
        opt.unmet_penalty_s = penalty;
        opt.horizon_s = horizon;
        opt.fairness = fairness;
        opt.min_share = min_share;
        opt.routes = routes;
        opt.threads = threads;
        MatchResult m;
        {
          py::gil_scoped_release nogil;
          std::shared_lock lock(r.mu);
          m = allocate(r.net, SupplyRows{i64(sn), i64(sq), i64(stf), i64(st)},
                       NeedRows{i64(dn), i64(dt), i64(dq), f64(dw), f64(dd), i64(dg)}, opt);
        }
        std::vector<std::uint8_t> reason(m.reason.size());
        for (std::size_t k = 0; k < reason.size(); ++k) reason[k] = static_cast<std::uint8_t>(m.reason[k]);
        py::dict out;
        out["supply"] = copy_numpy(m.supply);
        out["need"] = copy_numpy(m.need);
        out["quantity"] = copy_numpy(m.quantity);
        out["time_s"] = copy_numpy(m.time_s);
        out["route_first"] = copy_numpy(m.route_first);
        out["route_node"] = copy_numpy(m.route_node);
        out["served"] = copy_numpy(m.served);
        out["unmet"] = copy_numpy(m.unmet);
        out["reason"] = copy_numpy(reason);
        for (auto [k, v] : {std::pair<const char*, double>{"weighted_time", m.weighted_time}, {"total_time", m.total_time},
                            {"worst_time", m.worst_time}, {"objective", m.objective}, {"unmet_penalty_s", m.unmet_penalty_s},
                            {"cost_scale", m.cost_scale}, {"min_share", m.min_share}, {"min_share_unfair", m.min_share_unfair},
                            {"fairness_cost_time", m.fairness_cost_time}, {"fairness_cost_weighted", m.fairness_cost_weighted},
                            {"seconds_search", m.seconds_search}, {"seconds_flow", m.seconds_flow},
                            {"seconds_reasons", m.seconds_reasons}, {"seconds_routes", m.seconds_routes}})
          out[k] = v;
        out["candidate_pairs"] = m.candidate_pairs;
        out["pivots"] = m.pivots;
        return out;
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
  py::list reasons;
  for (int k = 0; k <= static_cast<int>(UnmetReason::OFF_NETWORK); ++k) reasons.append(to_string(static_cast<UnmetReason>(k)));
  m.attr("_UNMET_REASONS") = py::tuple(reasons);

  py::list bases;
  for (int k = 0; k <= static_cast<int>(NeedBasis::VULNERABLE); ++k) bases.append(to_string(static_cast<NeedBasis>(k)));
  m.attr("_NEED_BASES") = py::tuple(bases);
  m.def("_default_need_rules", [] {
    py::list rows;
    for (const NeedRule& r : NeedRule::defaults())
      rows.append(py::make_tuple(r.type, to_string(r.basis), r.rate, r.days, r.deadline_s, r.source));
    return rows;
  });
  // Columns in (empty arrays = absent), the rules as parallel lists (basis
  // as its code); returns the DerivedNeeds columns.
  m.def(
      "_derive_needs",
      [](py::dict places, const std::vector<std::string>& type, const std::vector<int>& basis,
         const std::vector<double>& rate, const std::vector<double>& days, const std::vector<double>& deadline_s,
         double gamma) {
        DictColumns c{places, {}};
        PlaceDamage pd{c.f64("population", "places.population"),
                       c.f64("vulnerable", "places.vulnerable"),
                       c.f64("affected_share", "places.affected_share"),
                       c.f64("displaced_share", "places.displaced_share"),
                       c.f64("water_outage", "places.water_outage"),
                       c.f64("power_outage", "places.power_outage"),
                       c.f64("trapped", "places.trapped")};
        std::vector<NeedRule> rules(type.size());
        for (std::size_t r = 0; r < type.size(); ++r) {
          CRISISKIT_CHECK(basis[r] >= 0 && basis[r] <= static_cast<int>(NeedBasis::VULNERABLE), "rules.basis",
                          static_cast<std::int64_t>(r), basis[r], "is not a basis code");
          rules[r] = {type[r], static_cast<NeedBasis>(basis[r]), rate[r], days[r], deadline_s[r], ""};
        }
        DerivedNeeds d;
        {
          py::gil_scoped_release nogil;
          d = derive_needs(pd, rules, gamma);
        }
        py::dict out;
        out["place"] = copy_numpy(d.place);
        out["rule"] = copy_numpy(d.rule);
        out["quantity"] = copy_numpy(d.quantity);
        out["people"] = copy_numpy(d.people);
        out["weight_factor"] = copy_numpy(d.weight_factor);
        return out;
      },
      py::arg("places"), py::arg("type"), py::arg("basis"), py::arg("rate"), py::arg("days"), py::arg("deadline_s"),
      py::arg("gamma"), "Needs from population and damage; use ck.derive_needs.");
}

}  // namespace crisiskit::python
