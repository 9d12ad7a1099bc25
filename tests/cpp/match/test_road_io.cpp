#include <doctest/doctest.h>

#include <osmium/io/writer.hpp>
#include <osmium/io/xml_output.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "crisiskit/match/osm.hpp"
#include "crisiskit/match/road_io.hpp"

using namespace crisiskit;
using namespace crisiskit::match;
namespace fs = std::filesystem;

namespace {

// Runs f, expects InvalidInput; returns it for inspection.
template <class F>
InvalidInput invalid_from(F&& f) {
  try {
    f();
  } catch (const InvalidInput& e) {
    return e;
  }
  FAIL("expected InvalidInput");
  return InvalidInput("", 0, "", "");
}

// A text that must be refused: the row, the value ("" = not checked) and a part of the message.
struct BadText {
  std::string text;
  std::int64_t row;
  std::string problem;
  std::string value = "";
};

template <class Parse>
void expect_refused(const std::vector<BadText>& cases, const std::string& field, Parse&& parse) {
  for (const BadText& c : cases) {
    CAPTURE(c.text);
    const InvalidInput e = invalid_from([&] { parse(c.text); });
    CHECK(e.field() == field);
    CHECK(e.index() == c.row);
    if (!c.value.empty()) CHECK(e.value() == c.value);
    CHECK(std::string(e.what()).find(c.problem) != std::string::npos);
  }
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("crisiskit_road_io_" + std::to_string(std::random_device{}()) + "_" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = path / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
};

WayRule rule_of(const std::map<std::string, std::string>& tags, const OsmOptions& o = {}) {
  return way_rule(
      [&tags](const char* k) -> const char* {
        const auto it = tags.find(k);
        return it == tags.end() ? nullptr : it->second.c_str();
      },
      o);
}

}  // namespace

// ---------------------------------------------------------------- DIMACS

TEST_CASE("parse_dimacs: arcs are one-way, ids 1-based, weights in seconds (scaled), comments and CRLF skipped") {
  const std::string gr =
      "c 9th DIMACS challenge style\r\n"
      "p sp 4 5\r\n"
      "c arcs\n"
      "a 1 2 10\n"
      "\n"
      "a 2 1 10\n"
      "a 2 3 2.5\n"
      "a\t3  4 0\n"
      "a 4 4 7\n";
  const RoadTable t = parse_dimacs(gr);
  CHECK(t.num_nodes == 4);
  CHECK(t.node_id == std::vector<std::int64_t>{1, 2, 3, 4});
  CHECK(t.from == std::vector<std::int64_t>{0, 1, 1, 2, 3});
  CHECK(t.to == std::vector<std::int64_t>{1, 0, 2, 3, 3});
  CHECK(t.time_s == std::vector<double>{10, 10, 2.5, 0, 7});
  CHECK(t.oneway == std::vector<std::uint8_t>{1, 1, 1, 1, 1});
  CHECK(std::isnan(t.length_m[0]));
  CHECK(std::isnan(t.speed_kmh[0]));
  CHECK(t.lon.empty());
  CHECK(t.dropped_segments == 0);
  const RoadNetwork net = t.to_network();
  CHECK(net.num_arcs() == 5);
  const auto sp = net.shortest_paths(0);
  CHECK(sp.time_s == std::vector<double>{0, 10, 12.5, 12.5});
  CHECK(net.shortest_paths(3).time_s[0] == RoadNetwork::kClosed);  // one-way: no way back

  CHECK(parse_dimacs("p sp 4000 0\n").num_nodes == 4000);  // isolated nodes are fine

  DimacsOptions tenths;
  tenths.seconds_per_unit = 0.1;
  CHECK(parse_dimacs(gr, std::nullopt, tenths).time_s[0] == doctest::Approx(1.0));
  DimacsOptions metres;
  metres.metres_per_unit = 0.1;  // decimetres
  metres.speed_kmh = 36;         // 10 m/s
  const RoadTable d = parse_dimacs(gr, std::nullopt, metres);
  CHECK(d.length_m[0] == doctest::Approx(1.0));
  CHECK(d.time_s[0] == doctest::Approx(0.1));
  CHECK(d.speed_kmh[2] == 36);
}

TEST_CASE("parse_dimacs: the .co file gives lon/lat in millionths of a degree") {
  const std::string gr = "p sp 3 2\na 1 2 5\na 2 3 5\n";
  const std::string co =
      "c coordinates\n"
      "p aux sp co 3\n"
      "v 2 -73987000 40750000\n"
      "v 1 -73530767 41085396\n"
      "v 3 24938000 60169000\n";
  const RoadTable t = parse_dimacs(gr, co);
  REQUIRE(t.lon.size() == 3);
  CHECK(t.lon[0] == doctest::Approx(-73.530767));
  CHECK(t.lat[0] == doctest::Approx(41.085396));
  CHECK(t.lon[1] == doctest::Approx(-73.987));
  CHECK(t.lat[2] == doctest::Approx(60.169));
  CHECK(t.to_network().has_coordinates());
}

TEST_CASE("parse_dimacs: every malformed line is InvalidInput naming field 'line', the line number and the text") {
  // Each case's value is the offending line, quoted.
  expect_refused(
      {
          {"", InvalidInput::no_index, "no problem line", "''"},
          {"c only a comment\n\n", InvalidInput::no_index, "no problem line", "''"},
          {"a 1 2 3\np sp 2 1\n", 1, "before the problem line", "'a 1 2 3'"},
          {"p sp 2 1\np sp 2 1\na 1 2 3\n", 2, "a second problem line", "'p sp 2 1'"},
          {"p tw 2 1\n1 2\n", 1, "p sp <nodes> <edges>", "'p tw 2 1'"},
          {"p sp 2\n", 1, "p sp <nodes> <edges>", "'p sp 2'"},
          {"p sp x 1\n", 1, "node count 'x'", "'p sp x 1'"},
          {"p sp 2 -1\n", 1, "edge count '-1'", "'p sp 2 -1'"},
          {"p sp 3000000000 0\n", 1, "exceeds 2^31", "'p sp 3000000000 0'"},
          {"p sp 2000000000 0\n", 1, "more than max(4096, 16 × the text's 18 bytes)", "'p sp 2000000000 0'"},
          {"p sp 2 1\nx 1 2 3\n", 2, "expected an arc", "'x 1 2 3'"},
          {"p sp 2 1\n1 2 3\n", 2, "expected an arc", "'1 2 3'"},
          {"p sp 2 1\na 1 2\n", 2, "4 fields", "'a 1 2'"},
          {"p sp 2 1\na 1 2 3 4\n", 2, "4 fields", "'a 1 2 3 4'"},
          {"p sp 2 1\na 1 b 3\n", 2, "node id 'b' is not an integer", "'a 1 b 3'"},
          {"p sp 2 1\na 1.5 2 3\n", 2, "node id '1.5'", "'a 1.5 2 3'"},
          {"p sp 2 1\na 0 2 3\n", 2, "node id 0 is out of range 1..2", "'a 0 2 3'"},
          {"p sp 2 1\nc\na 1 3 3\n", 3, "node id 3 is out of range 1..2", "'a 1 3 3'"},
          {"p sp 2 1\na 1 99999999999999999999 3\n", 2, "not an integer", "'a 1 99999999999999999999 3'"},
          {"p sp 2 1\na 1 2 -1\n", 2, "weight '-1'", "'a 1 2 -1'"},
          {"p sp 2 1\na 1 2 nan\n", 2, "weight 'nan'", "'a 1 2 nan'"},
          {"p sp 2 1\na 1 2 inf\n", 2, "weight 'inf'", "'a 1 2 inf'"},
          {"p sp 2 1\na 1 2 ten\n", 2, "weight 'ten'", "'a 1 2 ten'"},
          {"p sp 2 1\na 1 2 3\na 2 1 3\n", 1, "declares 1 arcs, the text has 2", "'p sp 2 1'"},
          {"p sp 2 3\na 1 2 3\n", 1, "declares 3 arcs, the text has 1", "'p sp 2 3'"},
          {"c x\np sp 2 999999999999999\na 1 2 3\n", 2, "declares 999999999999999 arcs", "'p sp 2 999999999999999'"},
      },
      "line", [](const std::string& text) { parse_dimacs(text); });
}

TEST_CASE("parse_dimacs: a malformed .co names field 'coordinates.line'; a node without one 'coordinates'") {
  const std::string gr = "p sp 2 1\na 1 2 3\n";
  expect_refused(
      {
          {"p aux sp co 3\n", 1, "declares 3 nodes, the graph has 2"},
          {"p sp 2 1\n", 1, "p aux sp co <nodes>"},
          {"v 1 2 3\n", 1, "before the problem line"},
          {"p aux sp co 2\nv 1 2\n", 2, "4 fields"},
          {"p aux sp co 2\na 1 2 3\n", 2, "expected a node"},
          {"p aux sp co 2\nv 3 0 0\n", 2, "node id 3 is out of range 1..2"},
          {"p aux sp co 2\nv 1 x 0\n", 2, "must be numbers"},
          {"p aux sp co 2\nv 1 0 0\nv 2 181000000 0\n", 3, "[−180, 180]"},
          {"p aux sp co 2\nv 1 0 -90000001\n", 2, "[−90, 90]"},
          {"p aux sp co 2\nv 1 0 0\nv 1 0 0\n", 3, "node 1 has coordinates already"},
      },
      "coordinates.line", [&gr](const std::string& co) { parse_dimacs(gr, co); });
  const InvalidInput missing = invalid_from([&] { parse_dimacs(gr, "p aux sp co 2\nv 1 0 0\n"); });
  CHECK(missing.field() == "coordinates");
  CHECK(missing.index() == 2);

  DimacsOptions o;
  o.seconds_per_unit = -1;
  CHECK(invalid_from([&] { parse_dimacs(gr, std::nullopt, o); }).field() == "seconds_per_unit");
  o = {};
  o.seconds_per_unit = std::nan("");
  CHECK(invalid_from([&] { parse_dimacs(gr, std::nullopt, o); }).field() == "seconds_per_unit");
  o = {};
  o.metres_per_unit = 1;
  CHECK(invalid_from([&] { parse_dimacs(gr, std::nullopt, o); }).field() == "speed_kmh");
  o = {};
  o.metres_per_unit = -2;
  CHECK(invalid_from([&] { parse_dimacs(gr, std::nullopt, o); }).field() == "metres_per_unit");
}

// ---------------------------------------------------------------- PACE

TEST_CASE("parse_pace: two-way edges, lengths from the documented seeded draw, reproducible") {
  const std::string text = "c PACE 2016\np tw 4 3\n1 2\n2 3\r\n3 4\n";
  PaceOptions o;
  o.seed = 42;
  o.min_length_m = 100;
  o.max_length_m = 300;
  o.speed_kmh = 36;
  const RoadTable t = parse_pace(text, o);
  CHECK(t.num_nodes == 4);
  CHECK(t.from == std::vector<std::int64_t>{0, 1, 2});
  CHECK(t.to == std::vector<std::int64_t>{1, 2, 3});
  CHECK(t.oneway == std::vector<std::uint8_t>{0, 0, 0});
  CHECK(t.node_id == std::vector<std::int64_t>{1, 2, 3, 4});
  std::mt19937_64 rng(42);
  for (std::size_t e = 0; e < 3; ++e) {
    const double len = 100 + 200 * (static_cast<double>(rng() >> 11) * 0x1.0p-53);
    CHECK(t.length_m[e] == len);
    CHECK(t.time_s[e] == doctest::Approx(len / 10));
    CHECK(t.speed_kmh[e] == 36);
  }
  CHECK(parse_pace(text, o).length_m == t.length_m);
  o.seed = 43;
  CHECK(parse_pace(text, o).length_m != t.length_m);
  const RoadNetwork net = t.to_network();
  CHECK(net.num_arcs() == 6);
  CHECK(net.shortest_paths(3).time_s[0] == doctest::Approx((t.length_m[0] + t.length_m[1] + t.length_m[2]) / 10));

  o = {};
  o.min_length_m = o.max_length_m = 120;
  for (double len : parse_pace(text, o).length_m) CHECK(len == 120);
}

TEST_CASE("parse_pace: malformed lines and options") {
  expect_refused(
      {
          {"1 2\n", 1, "before the problem line"},
          {"p sp 2 1\n1 2\n", 1, "p tw <nodes> <edges>"},
          {"p tw 2 1\n1 2 3\n", 2, "2 fields"},
          {"p tw 2 1\na 1 2\n", 2, "2 fields"},
          {"p tw 2 1\n1\n", 2, "2 fields"},
          {"p tw 2 1\n1 x\n", 2, "node id 'x'"},
          {"p tw 2 1\n1 3\n", 2, "node id 3 is out of range 1..2"},
          {"p tw 2 1\n-1 2\n", 2, "node id -1 is out of range"},
          {"p tw 2 2\n1 2\n", 1, "declares 2 edges, the text has 1"},
      },
      "line", [](const std::string& text) { parse_pace(text); });
  PaceOptions o;
  o.min_length_m = 10;
  o.max_length_m = 5;
  CHECK(invalid_from([&] { parse_pace("p tw 1 0\n", o); }).field() == "max_length_m");
  o = {};
  o.min_length_m = -1;
  CHECK(invalid_from([&] { parse_pace("p tw 1 0\n", o); }).field() == "min_length_m");
  o = {};
  o.speed_kmh = 0;
  CHECK(invalid_from([&] { parse_pace("p tw 1 0\n", o); }).field() == "speed_kmh");
}

TEST_CASE("parse_dimacs / parse_pace: randomly damaged texts either parse into a valid network or throw InvalidInput") {
  const std::string gr = "c g\np sp 4 4\na 1 2 10\na 2 3 2.5\na 3 4 7\na 4 1 1\n";
  const std::string co = "p aux sp co 4\nv 1 24938000 60169000\nv 2 24939000 60169000\nv 3 0 0\nv 4 -1 -1\n";
  const std::string pace = "c p\np tw 4 3\n1 2\n2 3\n3 4\n";
  const std::string alphabet = "0123456789 -.\n\rapvc\t+e";
  std::mt19937_64 rng(5);
  std::size_t parsed = 0, refused = 0;
  for (int it = 0; it < 3000; ++it) {
    std::string g = gr, c = co, p = pace;
    for (std::string* s : {&g, &c, &p}) {
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < edits; ++k) {
        const std::size_t at = rng() % (s->size() + 1);
        switch (rng() % 3) {
          case 0: s->insert(at, 1, alphabet[rng() % alphabet.size()]); break;
          case 1: if (at < s->size()) s->erase(at, 1); break;
          default: if (at < s->size()) (*s)[at] = alphabet[rng() % alphabet.size()];
        }
      }
    }
    for (int which = 0; which < 2; ++which) {
      try {
        const RoadTable t = which == 0 ? parse_dimacs(g, c) : parse_pace(p);
        const RoadNetwork net = t.to_network();  // whatever parsed is a valid network
        CHECK(net.num_edges() == t.num_edges());
        ++parsed;
      } catch (const InvalidInput&) {
        ++refused;
      }
    }
  }
  CHECK(parsed > 100);
  CHECK(refused > 100);
}

// ---------------------------------------------------------------- OSM tag rules

TEST_CASE("parse_maxspeed: numbers, units, country codes, none/walk, lists") {
  CHECK(parse_maxspeed("50") == 50.0);
  CHECK(parse_maxspeed(" 40 ") == 40.0);
  CHECK(parse_maxspeed("50 km/h") == 50.0);
  CHECK(parse_maxspeed("50kmh") == 50.0);
  CHECK(parse_maxspeed("50 kph") == 50.0);
  CHECK(*parse_maxspeed("30 mph") == doctest::Approx(48.28032));
  CHECK(*parse_maxspeed("10 knots") == doctest::Approx(18.52));
  CHECK(parse_maxspeed("FI:urban") == 50.0);
  CHECK(parse_maxspeed("FI:rural") == 80.0);
  CHECK(parse_maxspeed("fi:motorway") == 120.0);
  CHECK(parse_maxspeed("RU:urban") == 60.0);
  CHECK(parse_maxspeed("RU:rural") == 90.0);
  CHECK(parse_maxspeed("RU:living_street") == 20.0);
  CHECK(parse_maxspeed("DE:living_street") == 7.0);
  CHECK(*parse_maxspeed("GB:nsl_single") == doctest::Approx(96.56064));
  CHECK(parse_maxspeed("XX:urban") == 50.0);  // by kind
  CHECK(parse_maxspeed("XX:rural") == 90.0);
  CHECK(parse_maxspeed("DE:zone30") == 30.0);
  CHECK(parse_maxspeed("DE:zone:20") == 20.0);
  CHECK(parse_maxspeed("none") == 130.0);
  CHECK(parse_maxspeed("walk") == 7.0);
  CHECK(parse_maxspeed("60;40") == 40.0);
  CHECK(parse_maxspeed("2.5") == 2.5);
  for (const char* bad : {"", "signals", "variable", "0", "-30", "fast", "50 furlongs", "60;x", "XX:unknown", "1.2.3",
                          "nan", "DE:zone"})
    CHECK_MESSAGE(!parse_maxspeed(bad), bad);
}

TEST_CASE("oneway_direction and way_rule: the car profile") {
  CHECK(oneway_direction("yes", nullptr, "residential") == 1);
  CHECK(oneway_direction("1", nullptr, "residential") == 1);
  CHECK(oneway_direction("true", nullptr, "residential") == 1);
  CHECK(oneway_direction("-1", nullptr, "residential") == -1);
  CHECK(oneway_direction("no", "roundabout", "motorway") == 0);
  CHECK(oneway_direction(nullptr, "roundabout", "residential") == 1);
  CHECK(oneway_direction(nullptr, "circular", "residential") == 1);
  CHECK(oneway_direction(nullptr, nullptr, "motorway") == 1);
  CHECK(oneway_direction(nullptr, nullptr, "motorway_link") == 0);
  CHECK(oneway_direction("maybe", nullptr, "residential") == 0);
  CHECK(!oneway_direction("reversible", nullptr, "primary"));

  CHECK(rule_of({{"highway", "residential"}}).routable);
  CHECK(rule_of({{"highway", "residential"}}).speed_kmh == 25);
  CHECK(rule_of({{"highway", "primary"}, {"maxspeed", "FI:urban"}}).speed_kmh == 50);
  CHECK(rule_of({{"highway", "primary"}, {"maxspeed", "junk"}}).speed_kmh == 65);
  for (const char* hw : {"footway", "cycleway", "path", "steps", "pedestrian", "track", "construction", "platform"})
    CHECK_MESSAGE(!rule_of({{"highway", hw}}).routable, hw);
  CHECK(!rule_of({{"building", "yes"}}).routable);
  CHECK(!rule_of({{"highway", "service"}, {"area", "yes"}}).routable);
  CHECK(!rule_of({{"highway", "service"}, {"access", "no"}}).routable);
  CHECK(!rule_of({{"highway", "service"}, {"access", "private"}}).routable);
  CHECK(!rule_of({{"highway", "service"}, {"motor_vehicle", "no"}}).routable);
  CHECK(!rule_of({{"highway", "service"}, {"motorcar", "private"}, {"access", "yes"}}).routable);
  CHECK(rule_of({{"highway", "service"}, {"access", "no"}, {"motor_vehicle", "destination"}}).routable);
  CHECK(rule_of({{"highway", "service"}, {"access", "destination"}}).routable);
  CHECK(!rule_of({{"highway", "primary"}, {"oneway", "reversible"}}).routable);

  OsmOptions o;
  o.allow_private = true;
  o.extra_highways = {"track", "busway"};
  o.speed_kmh = {{"residential", 20}};
  CHECK(rule_of({{"highway", "service"}, {"access", "private"}}, o).routable);
  CHECK(!rule_of({{"highway", "service"}, {"access", "no"}}, o).routable);
  CHECK(rule_of({{"highway", "track"}}, o).speed_kmh == 15);
  CHECK(rule_of({{"highway", "busway"}}, o).speed_kmh == kOtherHighwaySpeedKmh);
  CHECK(rule_of({{"highway", "residential"}}, o).speed_kmh == 20);
  CHECK(rule_of({{"highway", "residential"}, {"maxspeed", "30"}}, o).speed_kmh == 30);

  OsmOptions walk;
  walk.profile = OsmProfile::walk;
  CHECK(rule_of({{"highway", "footway"}}, walk).routable);
  CHECK(rule_of({{"highway", "steps"}}, walk).speed_kmh == 5);
  CHECK(rule_of({{"highway", "residential"}, {"oneway", "yes"}}, walk).direction == 0);
  CHECK(!rule_of({{"highway", "motorway"}}, walk).routable);
  CHECK(!rule_of({{"highway", "footway"}, {"foot", "no"}}, walk).routable);
  CHECK(rule_of({{"highway", "footway"}, {"access", "no"}, {"foot", "yes"}}, walk).routable);

  OsmOptions bad;
  bad.walk_speed_kmh = 0;
  CHECK(invalid_from([&] { check_osm_options(bad); }).field() == "walk_speed_kmh");
  bad = {};
  bad.speed_kmh = {{"residential", -5}};
  CHECK(invalid_from([&] { check_osm_options(bad); }).index() == 0);
}

// ---------------------------------------------------------------- OSM files

namespace {

// A tiny town: nodes 1..12 on a grid near Helsinki; node 99 is referenced but absent.
const char* kTinyOsm = R"(<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="crisiskit test">
  <node id="1" lat="60.1700" lon="24.9400"/>
  <node id="2" lat="60.1700" lon="24.9410"/>
  <node id="3" lat="60.1700" lon="24.9420"/>
  <node id="4" lat="60.1710" lon="24.9420"/>
  <node id="5" lat="60.1715" lon="24.9425"/>
  <node id="6" lat="60.1710" lon="24.9430"/>
  <node id="7" lat="60.1690" lon="24.9410"/>
  <node id="8" lat="60.1710" lon="24.9500"/>
  <node id="9" lat="60.1710" lon="24.9600"/>
  <node id="10" lat="60.1720" lon="24.9600"/>
  <node id="11" lat="60.1730" lon="24.9600"/>
  <node id="12" lat="60.1740" lon="24.9600"/>
  <way id="101"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="maxspeed" v="30"/><tag k="name" v="Aleksanterinkatu"/></way>
  <way id="102"><nd ref="3"/><nd ref="4"/><tag k="highway" v="secondary"/><tag k="oneway" v="-1"/><tag k="maxspeed" v="FI:urban"/></way>
  <way id="103"><nd ref="4"/><nd ref="5"/><nd ref="6"/><nd ref="4"/><tag k="highway" v="tertiary"/><tag k="junction" v="roundabout"/><tag k="maxspeed" v="20 mph"/></way>
  <way id="104"><nd ref="2"/><nd ref="7"/><tag k="highway" v="footway"/></way>
  <way id="105"><nd ref="6"/><nd ref="8"/><tag k="highway" v="motorway"/></way>
  <way id="106"><nd ref="8"/><nd ref="9"/><tag k="highway" v="motorway"/><tag k="oneway" v="no"/><tag k="maxspeed" v="none"/></way>
  <way id="107"><nd ref="9"/><nd ref="10"/><tag k="highway" v="residential"/><tag k="access" v="private"/></way>
  <way id="108"><nd ref="9"/><nd ref="12"/><tag k="highway" v="service"/><tag k="area" v="yes"/></way>
  <way id="109"><nd ref="8"/><nd ref="12"/><tag k="highway" v="primary"/><tag k="motor_vehicle" v="no"/></way>
  <way id="110"><nd ref="10"/><nd ref="11"/><tag k="highway" v="tertiary"/><tag k="access" v="no"/><tag k="motor_vehicle" v="destination"/><tag k="maxspeed" v="RU:urban"/></way>
  <way id="111"><nd ref="11"/><nd ref="12"/><tag k="highway" v="unclassified"/><tag k="oneway" v="reversible"/></way>
  <way id="112"><nd ref="7"/><nd ref="12"/><tag k="highway" v="track"/></way>
  <way id="113"><nd ref="11"/><nd ref="11"/><nd ref="12"/><nd ref="99"/><tag k="highway" v="living_street"/><tag k="oneway" v="yes"/></way>
  <way id="114"><nd ref="1"/><nd ref="7"/><tag k="highway" v="cycleway"/></way>
  <way id="115"><nd ref="1"/><nd ref="7"/><tag k="highway" v="steps"/></way>
  <way id="116"><nd ref="3"/><nd ref="7"/><tag k="highway" v="path"/></way>
  <way id="117"><nd ref="1"/><nd ref="12"/><tag k="highway" v="pedestrian"/></way>
  <way id="118"><nd ref="1"/><nd ref="3"/><tag k="building" v="yes"/></way>
</osm>
)";

struct Edge {
  std::int64_t from, to;  // OSM node ids
  bool oneway;
  double speed_kmh;
  std::int64_t way;
  bool operator==(const Edge& o) const {
    return from == o.from && to == o.to && oneway == o.oneway && std::abs(speed_kmh - o.speed_kmh) < 1e-9 &&
           way == o.way;
  }
};

std::vector<Edge> edges_by_osm_id(const RoadTable& t) {
  std::vector<Edge> out;
  for (std::size_t e = 0; e < t.num_edges(); ++e)
    out.push_back({t.node_id[static_cast<std::size_t>(t.from[e])], t.node_id[static_cast<std::size_t>(t.to[e])],
                   t.oneway[e] != 0, t.speed_kmh[e], t.way_id[e]});
  return out;
}

}  // namespace

TEST_CASE("read_osm: a tiny XML town — one-way forms, roundabout, maxspeed forms, excluded ways") {
  TempDir dir;
  const std::string path = dir.write("tiny.osm", kTinyOsm);
  const RoadTable t = read_osm(path);
  const double mph20 = 20 * 1.609344;
  const std::vector<Edge> expect = {
      {1, 2, false, 30, 101},   {2, 3, false, 30, 101},   {4, 3, true, 50, 102},  // oneway=-1: reversed
      {4, 5, true, mph20, 103}, {5, 6, true, mph20, 103}, {6, 4, true, mph20, 103},
      {6, 8, true, 90, 105},                                                       // motorway: one-way, class speed
      {8, 9, false, 130, 106},                                                     // oneway=no wins; none = 130
      {10, 11, false, 60, 110},  // motor_vehicle beats access
      {11, 12, true, 10, 113}};  // 11 11 makes no edge; 12–99 dropped (no node 99)
  CHECK(edges_by_osm_id(t) == expect);
  CHECK(t.node_id == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12});
  CHECK(t.num_nodes == 11);
  CHECK(t.dropped_segments == 1);
  CHECK(t.name[0] == "Aleksanterinkatu");
  CHECK(t.name[2].empty());
  CHECK(t.highway[6] == "motorway");
  for (std::size_t e = 0; e < t.num_edges(); ++e) {
    const auto a = static_cast<std::size_t>(t.from[e]), b = static_cast<std::size_t>(t.to[e]);
    CHECK(t.length_m[e] == risk::haversine_m(t.lon[a], t.lat[a], t.lon[b], t.lat[b]));
    CHECK(t.time_s[e] == doctest::Approx(t.length_m[e] / (t.speed_kmh[e] / 3.6)));
  }
  CHECK(t.lon[0] == doctest::Approx(24.94));
  CHECK(t.lat[0] == doctest::Approx(60.17));
  // Way 102 runs 4 → 3 only, and the roundabout is entered from 4: node 4 cannot be reached from node 1.
  const RoadNetwork net = t.to_network();
  const auto sp = net.shortest_paths(0);
  CHECK(sp.time_s[3] == RoadNetwork::kClosed);  // node 4 only leads into 3
  CHECK(std::isfinite(net.shortest_paths(3).time_s[0]));

  OsmOptions more;
  more.allow_private = true;
  more.extra_highways = {"track", "footway"};
  const RoadTable u = read_osm(path, more);
  CHECK(u.num_edges() == t.num_edges() + 3);  // 9–10 private, 7–12 track, 2–7 footway
  CHECK(std::find(u.node_id.begin(), u.node_id.end(), 7) != u.node_id.end());

  OsmOptions walk;
  walk.profile = OsmProfile::walk;
  const RoadTable w = read_osm(path, walk);
  for (std::size_t e = 0; e < w.num_edges(); ++e) {
    CHECK(w.oneway[e] == 0);
    CHECK(w.speed_kmh[e] == 5);
    CHECK(w.highway[e] != "motorway");
  }
  CHECK(std::count(w.highway.begin(), w.highway.end(), "footway") == 1);
  CHECK(std::count(w.highway.begin(), w.highway.end(), "steps") == 1);
}

TEST_CASE("read_osm: missing, directory, garbage and unknown-format files are InvalidInput naming the path") {
  TempDir dir;
  const std::string missing = (dir.path / "nope.osm.pbf").string();
  InvalidInput e = invalid_from([&] { read_osm(missing); });
  CHECK(e.field() == "path");
  CHECK(e.value().find("nope.osm.pbf") != std::string::npos);
  CHECK(std::string(e.what()).find("no such file") != std::string::npos);
  CHECK(std::string(invalid_from([&] { read_osm(dir.path.string()); }).what()).find("directory") != std::string::npos);
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"garbage.osm.pbf", std::string("\x00\x00\x00\x0dnot a pbf at all, sorry", 28)},
           {"truncated.osm.pbf", std::string("\x00\x00\x00\x0d\x0a\x09OSMHeader", 15)},
           {"broken.osm", "<osm version=\"0.6\"><node id=\"1\" lat=\"1\" lon=\"2\"><way"},
           {"notxml.osm", "hello, world"},
           {"bad.osm.gz", "not gzip data"},
           {"roads.txt", "p sp 1 0\n"},
       }) {
    CAPTURE(name);
    const std::string p = dir.write(name, text);
    e = invalid_from([&] { read_osm(p); });
    CHECK(e.field() == "path");
    CHECK(std::string(e.what()).find("not a readable OSM file") != std::string::npos);
  }
  OsmOptions bad;
  bad.walk_speed_kmh = -1;
  CHECK(invalid_from([&] { read_osm(missing, bad); }).field() == "walk_speed_kmh");
}

TEST_CASE("read_osm: Helsinki (real data, if present) — a sane graph, and PBF and XML give the same table") {
  const fs::path pbf = fs::path(CRISISKIT_SHARED_DATA) / "roads" / "helsinki.osm.pbf";
  if (!fs::exists(pbf)) {
    MESSAGE("skipped: " << pbf << " not found");
    return;
  }
  const RoadTable t = read_osm(pbf.string());
  CHECK(t.num_nodes > 1000);
  CHECK(t.num_edges() > 1000);
  CHECK(std::is_sorted(t.node_id.begin(), t.node_id.end()));
  CHECK(std::adjacent_find(t.node_id.begin(), t.node_id.end()) == t.node_id.end());
  for (std::size_t v = 0; v < t.lon.size(); ++v) {
    CHECK(t.lon[v] > 24.7);
    CHECK(t.lon[v] < 25.3);
    CHECK(t.lat[v] > 60.0);
    CHECK(t.lat[v] < 60.4);
  }
  std::size_t oneway = 0;
  for (std::size_t e = 0; e < t.num_edges(); ++e) {
    CHECK(t.length_m[e] > 0);
    CHECK(t.length_m[e] < 5000);
    CHECK(t.speed_kmh[e] >= 5);
    oneway += t.oneway[e];
  }
  CHECK(oneway > 0);
  CHECK(oneway < t.num_edges());
  const RoadNetwork net = t.to_network();
  std::size_t reached = 0;
  for (double x : net.shortest_paths(0).time_s) reached += std::isfinite(x);
  CHECK(reached > 1);

  // The same data as OSM XML, written by libosmium, read back.
  TempDir dir;
  const std::string xml = (dir.path / "helsinki.osm").string();
  {
    osmium::io::Reader reader(pbf.string());
    osmium::io::Writer writer(xml);
    while (osmium::memory::Buffer buffer = reader.read()) writer(std::move(buffer));
    writer.close();
    reader.close();
  }
  const RoadTable x = read_osm(xml);
  CHECK(x.node_id == t.node_id);
  CHECK(x.from == t.from);
  CHECK(x.to == t.to);
  CHECK(x.oneway == t.oneway);
  CHECK(x.speed_kmh == t.speed_kmh);
  CHECK(x.name == t.name);
  CHECK(x.dropped_segments == t.dropped_segments);
  for (std::size_t e = 0; e < t.num_edges(); ++e) CHECK(x.length_m[e] == doctest::Approx(t.length_m[e]).epsilon(1e-9));
}
