// alert/cap.hpp: CAP 1.2 value types, writer and safe reader.
#include "common.hpp"

#include "crisiskit/alert/cap.hpp"

namespace crisiskit::python {

namespace {

py::object opt_time_out(const std::optional<Timestamp>& t) { return t ? time_out(*t) : py::none(); }
std::optional<Timestamp> opt_time_arg(py::handle v, const char* field) {
  if (v.is_none()) return std::nullopt;
  return time_arg(v, field);
}

std::string quote(const std::string& s) { return std::string(py::repr(py::str(s))); }

CapPoint point_arg(py::handle v, const char* field, std::size_t i) {
  if (py::isinstance<CapPoint>(v)) return v.cast<CapPoint>();
  try {
    const auto t = v.cast<std::pair<double, double>>();
    return {t.first, t.second};
  } catch (const py::cast_error&) {
    throw_repr(field, static_cast<std::int64_t>(i), v, "expected a CapPoint or a (lat, lon) pair");
  }
}

}  // namespace

void bind_cap(py::module_& m) {
  py::class_<CapPoint>(m, "CapPoint", "A WGS-84 point in degrees; CAP writes it 'lat,lon'.")
      .def(py::init([](double lat, double lon) { return CapPoint{lat, lon}; }), py::arg("lat"), py::arg("lon"))
      .def_readwrite("lat", &CapPoint::lat)
      .def_readwrite("lon", &CapPoint::lon)
      .def("__eq__", [](const CapPoint& a, const CapPoint& b) { return a == b; })
      .def("__repr__", [](const CapPoint& p) { return fmt::format("CapPoint(lat={}, lon={})", p.lat, p.lon); })
      .def(py::pickle([](const CapPoint& p) { return py::make_tuple(p.lat, p.lon); },
                      [](const py::tuple& t) { return CapPoint{t[0].cast<double>(), t[1].cast<double>()}; }));

  py::class_<CapCircle>(m, "CapCircle", "A circle: centre (lat, lon degrees) and radius in km.")
      .def(py::init([](double lat, double lon, double radius_km) { return CapCircle{{lat, lon}, radius_km}; }),
           py::arg("lat"), py::arg("lon"), py::arg("radius_km"))
      .def_readwrite("center", &CapCircle::center)
      .def_readwrite("radius_km", &CapCircle::radius_km)
      .def("__eq__", [](const CapCircle& a, const CapCircle& b) { return a == b; })
      .def("__repr__", [](const CapCircle& c) {
        return fmt::format("CapCircle(lat={}, lon={}, radius_km={})", c.center.lat, c.center.lon, c.radius_km);
      })
      .def(py::pickle([](const CapCircle& c) { return py::make_tuple(c.center.lat, c.center.lon, c.radius_km); },
                      [](const py::tuple& t) {
                        return CapCircle{{t[0].cast<double>(), t[1].cast<double>()}, t[2].cast<double>()};
                      }));

  py::class_<CapValue>(m, "CapValue", "A valueName/value pair (geocode, parameter).")
      .def(py::init([](std::string n, std::string v) { return CapValue{std::move(n), std::move(v)}; }),
           py::arg("value_name"), py::arg("value"))
      .def_readwrite("value_name", &CapValue::value_name)
      .def_readwrite("value", &CapValue::value)
      .def("__eq__", [](const CapValue& a, const CapValue& b) { return a == b; })
      .def("__repr__", [](const CapValue& v) { return fmt::format("CapValue({}, {})", quote(v.value_name), quote(v.value)); })
      .def(py::pickle([](const CapValue& v) { return py::make_tuple(v.value_name, v.value); },
                      [](const py::tuple& t) { return CapValue{t[0].cast<std::string>(), t[1].cast<std::string>()}; }));

  py::class_<CapArea>(m, "CapArea", R"doc(A CAP <area>.

Parameters
----------
area_desc : str
    Required description.
polygons : list of list of CapPoint or (lat, lon)
    Each closed: at least 4 points, first == last.
circles : list of CapCircle
geocodes : list of CapValue)doc")
      .def(py::init([](std::string desc, py::handle polygons, std::vector<CapCircle> circles, std::vector<CapValue> geocodes) {
             CapArea a;
             a.area_desc = std::move(desc);
             if (!polygons.is_none()) {
               for (auto poly : polygons) {
                 std::vector<CapPoint> pts;
                 std::size_t i = 0;
                 for (auto p : poly) pts.push_back(point_arg(p, "polygons", i++));
                 a.polygons.push_back(std::move(pts));
               }
             }
             a.circles = std::move(circles);
             a.geocodes = std::move(geocodes);
             return a;
           }),
           py::arg("area_desc"), py::arg("polygons") = py::none(), py::arg("circles") = std::vector<CapCircle>{},
           py::arg("geocodes") = std::vector<CapValue>{})
      .def_readwrite("area_desc", &CapArea::area_desc)
      .def_readwrite("polygons", &CapArea::polygons)
      .def_readwrite("circles", &CapArea::circles)
      .def_readwrite("geocodes", &CapArea::geocodes)
      .def("__eq__", [](const CapArea& a, const CapArea& b) { return a == b; })
      .def("__repr__", [](const CapArea& a) {
        return fmt::format("CapArea({}, {} polygons, {} circles, {} geocodes)", quote(a.area_desc), a.polygons.size(),
                           a.circles.size(), a.geocodes.size());
      })
      .def(py::pickle(
          [](const CapArea& a) { return py::make_tuple(a.area_desc, a.polygons, a.circles, a.geocodes); },
          [](const py::tuple& t) {
            return CapArea{t[0].cast<std::string>(), t[1].cast<std::vector<std::vector<CapPoint>>>(),
                           t[2].cast<std::vector<CapCircle>>(), t[3].cast<std::vector<CapValue>>()};
          }));

  py::class_<CapInfo>(m, "CapInfo", R"doc(A CAP <info>. Code fields hold CAP's exact words.

Times (effective, expires) are UTC pandas.Timestamps (or None); assign any
crisiskit time (aware datetime, datetime64, int seconds).)doc")
      .def(py::init([](std::vector<std::string> categories, std::string event, std::string urgency, std::string severity,
                       std::string certainty, std::vector<std::string> response_types, std::string language,
                       std::string headline, std::string description, std::string instruction, std::string sender_name,
                       py::handle effective, py::handle expires, std::vector<CapValue> parameters,
                       std::vector<CapArea> areas) {
             CapInfo i;
             i.categories = std::move(categories);
             i.event = std::move(event);
             i.urgency = std::move(urgency);
             i.severity = std::move(severity);
             i.certainty = std::move(certainty);
             i.response_types = std::move(response_types);
             i.language = std::move(language);
             i.headline = std::move(headline);
             i.description = std::move(description);
             i.instruction = std::move(instruction);
             i.sender_name = std::move(sender_name);
             i.effective = opt_time_arg(effective, "effective");
             i.expires = opt_time_arg(expires, "expires");
             i.parameters = std::move(parameters);
             i.areas = std::move(areas);
             return i;
           }),
           py::kw_only(), py::arg("categories"), py::arg("event"), py::arg("urgency"), py::arg("severity"),
           py::arg("certainty"), py::arg("response_types") = std::vector<std::string>{}, py::arg("language") = "en-US",
           py::arg("headline") = "", py::arg("description") = "", py::arg("instruction") = "",
           py::arg("sender_name") = "", py::arg("effective") = py::none(), py::arg("expires") = py::none(),
           py::arg("parameters") = std::vector<CapValue>{}, py::arg("areas") = std::vector<CapArea>{})
      .def_readwrite("language", &CapInfo::language)
      .def_readwrite("categories", &CapInfo::categories)
      .def_readwrite("event", &CapInfo::event)
      .def_readwrite("response_types", &CapInfo::response_types)
      .def_readwrite("urgency", &CapInfo::urgency)
      .def_readwrite("severity", &CapInfo::severity)
      .def_readwrite("certainty", &CapInfo::certainty)
      .def_property("effective", [](const CapInfo& i) { return opt_time_out(i.effective); },
                    [](CapInfo& i, py::handle v) { i.effective = opt_time_arg(v, "effective"); })
      .def_property("expires", [](const CapInfo& i) { return opt_time_out(i.expires); },
                    [](CapInfo& i, py::handle v) { i.expires = opt_time_arg(v, "expires"); })
      .def_readwrite("sender_name", &CapInfo::sender_name)
      .def_readwrite("headline", &CapInfo::headline)
      .def_readwrite("description", &CapInfo::description)
      .def_readwrite("instruction", &CapInfo::instruction)
      .def_readwrite("parameters", &CapInfo::parameters)
      .def_readwrite("areas", &CapInfo::areas)
      .def("__eq__", [](const CapInfo& a, const CapInfo& b) { return a == b; })
      .def("__repr__", [](const CapInfo& i) {
        return fmt::format("CapInfo(event={}, urgency={}, severity={}, certainty={}, {} areas)", quote(i.event), i.urgency,
                           i.severity, i.certainty, i.areas.size());
      })
      .def(py::pickle(
          [](const CapInfo& i) {
            return py::make_tuple(i.language, i.categories, i.event, i.response_types, i.urgency, i.severity,
                                  i.certainty, i.effective, i.expires, i.sender_name, i.headline, i.description,
                                  i.instruction, i.parameters, i.areas);
          },
          [](const py::tuple& t) {
            CapInfo i;
            i.language = t[0].cast<std::string>();
            i.categories = t[1].cast<std::vector<std::string>>();
            i.event = t[2].cast<std::string>();
            i.response_types = t[3].cast<std::vector<std::string>>();
            i.urgency = t[4].cast<std::string>();
            i.severity = t[5].cast<std::string>();
            i.certainty = t[6].cast<std::string>();
            i.effective = t[7].cast<std::optional<Timestamp>>();
            i.expires = t[8].cast<std::optional<Timestamp>>();
            i.sender_name = t[9].cast<std::string>();
            i.headline = t[10].cast<std::string>();
            i.description = t[11].cast<std::string>();
            i.instruction = t[12].cast<std::string>();
            i.parameters = t[13].cast<std::vector<CapValue>>();
            i.areas = t[14].cast<std::vector<CapArea>>();
            return i;
          }));

  py::class_<CapAlert>(m, "CapAlert", R"doc(A CAP 1.2 <alert>.

``sent`` is a UTC pandas.Timestamp (assign any crisiskit time);
``offset_minutes`` is the zone every time is written in (+480 = +08:00).
Write with ``to_cap(alert)``, read with ``from_cap(xml)``.)doc")
      .def(py::init([](std::string identifier, std::string sender, py::handle sent, py::handle offset, std::string status,
                       std::string msg_type, std::string scope, std::string restriction, std::string addresses,
                       std::string note, std::vector<std::string> references, std::vector<CapInfo> infos) {
             CapAlert a;
             a.identifier = std::move(identifier);
             a.sender = std::move(sender);
             a.sent = time_arg(sent, "sent");
             a.offset_minutes = offset_arg(offset);
             a.status = std::move(status);
             a.msg_type = std::move(msg_type);
             a.scope = std::move(scope);
             a.restriction = std::move(restriction);
             a.addresses = std::move(addresses);
             a.note = std::move(note);
             a.references = std::move(references);
             a.infos = std::move(infos);
             return a;
           }),
           py::kw_only(), py::arg("identifier"), py::arg("sender"), py::arg("sent"), py::arg("offset") = "+00:00",
           py::arg("status") = "Actual", py::arg("msg_type") = "Alert", py::arg("scope") = "Public",
           py::arg("restriction") = "", py::arg("addresses") = "", py::arg("note") = "",
           py::arg("references") = std::vector<std::string>{}, py::arg("infos") = std::vector<CapInfo>{})
      .def_readwrite("identifier", &CapAlert::identifier)
      .def_readwrite("sender", &CapAlert::sender)
      .def_property("sent", [](const CapAlert& a) { return time_out(a.sent); },
                    [](CapAlert& a, py::handle v) { a.sent = time_arg(v, "sent"); })
      .def_readwrite("offset_minutes", &CapAlert::offset_minutes)
      .def_readwrite("status", &CapAlert::status)
      .def_readwrite("msg_type", &CapAlert::msg_type)
      .def_readwrite("scope", &CapAlert::scope)
      .def_readwrite("restriction", &CapAlert::restriction)
      .def_readwrite("addresses", &CapAlert::addresses)
      .def_readwrite("note", &CapAlert::note)
      .def_readwrite("references", &CapAlert::references)
      .def_readwrite("infos", &CapAlert::infos)
      .def("__eq__", [](const CapAlert& a, const CapAlert& b) { return a == b; })
      .def("__repr__", [](const CapAlert& a) {
        return fmt::format("CapAlert(identifier={}, msg_type={}, sent={}, {} infos)", quote(a.identifier), a.msg_type,
                           format_time(a.sent, a.offset_minutes), a.infos.size());
      })
      .def(py::pickle([](const CapAlert& a) { return py::make_tuple(py::bytes(to_cap(a))); },
                      [](const py::tuple& t) { return from_cap(t[0].cast<std::string>()); }));

  m.def("to_cap", &to_cap, py::arg("alert"), R"doc(Write a CAP 1.2 XML document (str, UTF-8 declared).

Raises
------
ValueError
    Naming the field (e.g. ``infos[0].areas[0].polygons[0]``) if the alert
    breaks a CAP rule.)doc");
  m.def(
      "from_cap",
      [](py::handle xml) {
        std::string text;
        if (py::isinstance<py::bytes>(xml)) text = xml.cast<std::string>();
        else if (py::isinstance<py::str>(xml)) text = xml.cast<std::string>();
        else throw_repr("xml", InvalidInput::no_index, py::type::of(xml), "expected str or bytes");
        py::gil_scoped_release nogil;
        return from_cap(text);
      },
      py::arg("xml"), R"doc(Read a CAP 1.2 XML document (str or bytes).

Untrusted input is safe: DOCTYPEs (and so entities) are refused, nothing is
fetched, size is limited to 16 MiB.

Raises
------
ValueError
    Naming the element, line and problem.)doc");
  m.def("validate_cap", &validate_cap, py::arg("alert"), "Check CAP 1.2 rules; ValueError naming the field if broken.");
  m.def("cap_reference", &cap_reference, py::arg("alert"), "The 'sender,identifier,sent' reference to an alert.");
}

}  // namespace crisiskit::python
