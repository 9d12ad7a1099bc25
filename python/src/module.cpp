// crisiskit._core: creates the module, the exception types, and calls one
// bind_<area> per folder of include/crisiskit/.
#include "common.hpp"

namespace py = pybind11;
using namespace crisiskit;
using namespace crisiskit::python;

PYBIND11_MODULE(_core, m) {
  m.doc() = "crisiskit's compiled core; use the `crisiskit` package instead of importing this directly.";

  // InvalidInput → ValueError subclass carrying field/index/value;
  // Error → RuntimeError subclass; StateError → Error subclass.
  // Leaked on purpose: they must outlive interpreter finalisation.
  static auto& invalid = *new py::exception<InvalidInput>(m, "InvalidInput", PyExc_ValueError);
  static auto& error = *new py::exception<Error>(m, "Error", PyExc_RuntimeError);
  static auto& state_error = *new py::exception<StateError>(m, "StateError", error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InvalidInput& e) {
      py::object exc = py::handle(invalid.ptr())(e.what());
      exc.attr("field") = e.field();
      exc.attr("index") = e.index() == InvalidInput::no_index ? py::none() : py::cast(e.index());
      exc.attr("value") = e.value();
      PyErr_SetObject(invalid.ptr(), exc.ptr());
    } catch (const StateError& e) {
      PyErr_SetString(state_error.ptr(), e.what());
    } catch (const Error& e) {
      PyErr_SetString(error.ptr(), e.what());
    }
  });

  bind_core(m);
  bind_cap(m);  // before alert: AlertBoard.cap_messages returns CapAlert
  bind_alert(m);
  bind_risk(m);  // after alert: RiskConfig holds a GradingPolicy
  bind_severity(m);
  bind_match(m);
  bind_need_board(m);
  bind_road_io(m);
  bind_incident(m);
  bind_review(m);
  bind_scenario(m);
  bind_ledger(m);
}
