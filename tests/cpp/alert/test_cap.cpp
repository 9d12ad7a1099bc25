#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "crisiskit/alert/cap.hpp"
#include "crisiskit/core/error.hpp"
#include "crisiskit/core/time.hpp"

using namespace crisiskit;

namespace {

// ---- helpers ---------------------------------------------------------------------

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The message of the InvalidInput `f` throws, or a marker if it throws nothing.
std::string invalid_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const InvalidInput& e) {
    return e.what();
  }
  return "<no InvalidInput thrown>";
}

std::string parse_error(const std::string& xml) {
  return invalid_message([&] { (void)from_cap(xml); });
}

std::string validate_error(const CapAlert& a) {
  return invalid_message([&] { validate_cap(a); });
}

bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

// A small valid alert that each validation test breaks in one place.
CapAlert base_alert() {
  CapAlert a;
  a.identifier = "CN-GD-2026-0042";
  a.sender = "alerts@gd.example.cn";
  a.sent = parse_time("2026-07-20T08:00:00+08:00");
  a.offset_minutes = 480;
  CapInfo info;
  info.language = "zh-CN";
  info.categories = {"Met"};
  info.event = "暴雨";
  info.urgency = "Immediate";
  info.severity = "Severe";
  info.certainty = "Likely";
  info.effective = a.sent;
  info.expires = a.sent + hours(6);
  info.parameters = {{"level", "red"}};
  CapArea area;
  area.area_desc = "广州市";
  area.polygons = {{{23.1, 113.2}, {23.2, 113.3}, {23.0, 113.4}, {23.1, 113.2}}};
  area.circles = {{{23.13, 113.26}, 12.5}};
  area.geocodes = {{"GB/T2260", "440100"}};
  info.areas = {area};
  a.infos = {info};
  return a;
}

// ---- random valid alerts ---------------------------------------------------------

class Gen {
 public:
  explicit Gen(std::uint64_t seed) : rng_(seed) {}

  int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool coin(double p = 0.5) { return std::bernoulli_distribution(p)(rng_); }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(between(0, static_cast<int>(v.size()) - 1))];
  }

  // Free text: ASCII, XML specials, CJK, 4-byte UTF-8, whitespace (also at the ends), CR.
  std::string text(int max_pieces = 8) {
    static const std::vector<std::string> pieces = {
        "a",  "Z",    "0",  " ",    "\t", "\n", "\r",  "\r\n", "&",   "<",     ">",      "\"", "'",
        "]]>", "&amp;", "暴雨", "预警", "广州市", "中文", "🌀",  "é",    "—",  "x y", "<b>", "%", "\\", ";"};
    std::string s;
    const int n = between(1, max_pieces);
    for (int i = 0; i < n; ++i) s += pick(pieces);
    return s;
  }
  std::string optional_text() { return coin(0.4) ? std::string() : text(); }

  // identifier / sender: anything but whitespace, ',', '<' and '&'.
  std::string token() {
    static const std::vector<std::string> pieces = {"a", "B", "7", ".", "@", "-", "_", ":", ">", "\"", "中", "警"};
    std::string s;
    const int n = between(1, 12);
    for (int i = 0; i < n; ++i) s += pick(pieces);
    return s;
  }

  double coord(double limit) {
    switch (between(0, 9)) {
      case 0: return limit;
      case 1: return -limit;
      case 2: return coin() ? 0.0 : -0.0;
      case 3: return std::ldexp(1.0, -between(20, 1070));  // tiny, down to subnormals
      case 4: return std::nextafter(limit, 0.0);
      case 5: return static_cast<double>(between(-static_cast<int>(limit), static_cast<int>(limit)));
      case 6: return between(-900, 900) / 10.0 * (limit / 90.0);
      default: return std::uniform_real_distribution<double>(-limit, limit)(rng_);
    }
  }
  CapPoint point() { return {coord(90), coord(180)}; }

  std::vector<CapPoint> polygon() {
    std::vector<CapPoint> p;
    const int n = between(3, 8);
    for (int i = 0; i < n; ++i) p.push_back(point());
    p.push_back(p.front());
    return p;
  }

  CapCircle circle() {
    double r = 0;
    switch (between(0, 3)) {
      case 0: r = 0; break;
      case 1: r = std::ldexp(1.0, between(-60, 70)); break;
      default: r = std::uniform_real_distribution<double>(0, 500)(rng_);
    }
    return {point(), r};
  }

  CapValue pair() { return {text(3), coin(0.2) ? std::string() : text(4)}; }

  Timestamp time(int offset) {
    // Mostly around now; sometimes at the very ends of four-digit years.
    const Timestamp lo = to_timestamp({1, 1, 1, 0, 0, 0}, offset);
    const Timestamp hi = to_timestamp({9999, 12, 31, 23, 59, 59}, offset);
    switch (between(0, 5)) {
      case 0: return lo;
      case 1: return hi;
      case 2: return std::uniform_int_distribution<Timestamp>(lo, hi)(rng_);
      default: return std::uniform_int_distribution<Timestamp>(0, 4102444800)(rng_);
    }
  }

  CapInfo info(int offset) {
    static const std::vector<std::string> cats = {"Geo",    "Met", "Safety",    "Security", "Rescue", "Fire",
                                                  "Health", "Env", "Transport", "Infra",    "CBRNE",  "Other"};
    static const std::vector<std::string> resp = {"Shelter", "Evacuate", "Prepare",  "Execute", "Avoid",
                                                  "Monitor", "Assess",   "AllClear", "None"};
    static const std::vector<std::string> urg = {"Immediate", "Expected", "Future", "Past", "Unknown"};
    static const std::vector<std::string> sev = {"Extreme", "Severe", "Moderate", "Minor", "Unknown"};
    static const std::vector<std::string> cer = {"Observed", "Likely", "Possible", "Unlikely", "Unknown"};
    static const std::vector<std::string> langs = {"en-US", "zh-CN", "fr", "zh-Hans-CN", "es-419", "x-klingon"};
    CapInfo i;
    i.language = pick(langs);
    for (int k = between(1, 3); k > 0; --k) i.categories.push_back(pick(cats));
    i.event = text();
    for (int k = between(0, 3); k > 0; --k) i.response_types.push_back(pick(resp));
    i.urgency = pick(urg);
    i.severity = pick(sev);
    i.certainty = pick(cer);
    if (coin()) i.effective = time(offset);
    if (coin()) i.expires = time(offset);
    i.sender_name = optional_text();
    i.headline = optional_text();
    i.description = optional_text();
    i.instruction = optional_text();
    for (int k = between(0, 3); k > 0; --k) i.parameters.push_back(pair());
    for (int k = between(0, 3); k > 0; --k) {
      CapArea a;
      a.area_desc = text();
      for (int m = between(0, 2); m > 0; --m) a.polygons.push_back(polygon());
      for (int m = between(0, 2); m > 0; --m) a.circles.push_back(circle());
      for (int m = between(0, 3); m > 0; --m) a.geocodes.push_back(pair());
      i.areas.push_back(std::move(a));
    }
    return i;
  }

  CapAlert alert() {
    static const std::vector<std::string> statuses = {"Actual", "Exercise", "System", "Test", "Draft"};
    static const std::vector<std::string> types = {"Alert", "Update", "Cancel", "Ack", "Error"};
    static const std::vector<std::string> scopes = {"Public", "Restricted", "Private"};
    CapAlert a;
    a.identifier = token();
    a.sender = token();
    a.offset_minutes = coin(0.2) ? 0 : between(-840, 840);
    a.sent = time(a.offset_minutes);
    a.status = pick(statuses);
    a.msg_type = pick(types);
    a.scope = pick(scopes);
    if (a.scope == "Restricted" || coin(0.2)) a.restriction = text();
    if (a.scope == "Private" || coin(0.2)) a.addresses = text();
    a.note = optional_text();
    const bool needs_refs = a.msg_type == "Update" || a.msg_type == "Cancel";
    for (int k = between(needs_refs ? 1 : 0, 3); k > 0; --k) {
      CapAlert earlier;
      earlier.identifier = token();
      earlier.sender = token();
      earlier.offset_minutes = between(-840, 840);
      earlier.sent = time(earlier.offset_minutes);
      a.references.push_back(cap_reference(earlier));
    }
    for (int k = between(0, 3); k > 0; --k) a.infos.push_back(info(a.offset_minutes));
    return a;
  }

 private:
  std::mt19937_64 rng_;
};

// ---- documents -------------------------------------------------------------------

// CAP 1.2 specification, Appendix A.1 (Homeland Security Advisory System alert).
const char* const homeland_security = R"(<?xml version = "1.0" encoding = "UTF-8"?>
<alert xmlns = "urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>43b080713727</identifier>
  <sender>hsas@dhs.gov</sender>
  <sent>2003-04-02T14:39:01-05:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Security</category>
    <event>Homeland Security Advisory System Update</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <senderName>U.S. Government, Department of Homeland Security</senderName>
    <headline>Homeland Security Sets Code ORANGE</headline>
    <description>The Department of Homeland Security has elevated the Homeland Security Advisory System threat level to ORANGE / High in response to intelligence which may indicate a heightened threat of terrorism.</description>
    <instruction> A High Condition is declared when there is a high risk of terrorist attacks. In addition to the Protective Measures taken in the previous Threat Condition, Federal departments and agencies should consider agency-specific Protective Measures in accordance with their existing plans.</instruction>
    <web>http://www.dhs.gov/dhspublic/display?theme=29</web>
    <parameter>
      <valueName>HSAS</valueName>
      <value>ORANGE</value>
    </parameter>
    <resource>
      <resourceDesc>Image file (GIF)</resourceDesc>
      <mimeType>image/gif</mimeType>
      <uri>http://www.dhs.gov/dhspublic/getAdvisoryImage</uri>
    </resource>
    <area>
      <areaDesc>U.S. nationwide and interests worldwide</areaDesc>
    </area>
  </info>
</alert>
)";

// CAP 1.2 specification, Appendix A.2 (severe thunderstorm warning).
const char* const thunderstorm = R"(<?xml version = "1.0" encoding = "UTF-8"?>
<alert xmlns = "urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>KSTO1055887203</identifier>
  <sender>KSTO@NWS.NOAA.GOV</sender>
  <sent>2003-06-17T14:57:00-07:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Met</category>
    <event>SEVERE THUNDERSTORM</event>
    <responseType>Shelter</responseType>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <eventCode>
      <valueName>SAME</valueName>
      <value>SVR</value>
    </eventCode>
    <expires>2003-06-17T16:00:00-07:00</expires>
    <senderName>NATIONAL WEATHER SERVICE SACRAMENTO CA</senderName>
    <headline>SEVERE THUNDERSTORM WARNING</headline>
    <description> AT 254 PM PDT...NATIONAL WEATHER SERVICE DOPPLER RADAR INDICATED A SEVERE THUNDERSTORM OVER SOUTH CENTRAL ALPINE COUNTY...OR ABOUT 18 MILES SOUTHEAST OF KIRKWOOD...MOVING SOUTHWEST AT 5 MPH. HAIL...INTENSE RAIN AND STRONG DAMAGING WINDS ARE LIKELY WITH THIS STORM.</description>
    <instruction>TAKE COVER IN A SUBSTANTIAL SHELTER UNTIL THE STORM PASSES.</instruction>
    <contact>BARUFFALDI/JUSKIE</contact>
    <area>
      <areaDesc>EXTREME NORTH CENTRAL TUOLUMNE COUNTY IN CALIFORNIA, EXTREME NORTHEASTERN CALAVERAS COUNTY IN CALIFORNIA, SOUTHWESTERN ALPINE COUNTY IN CALIFORNIA</areaDesc>
      <polygon>38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14</polygon>
      <geocode>
        <valueName>SAME</valueName>
        <value>006109</value>
      </geocode>
      <geocode>
        <valueName>SAME</valueName>
        <value>006009</value>
      </geocode>
      <geocode>
        <valueName>SAME</valueName>
        <value>006003</value>
      </geocode>
    </area>
  </info>
</alert>
)";

// CAP 1.2 specification, Appendix A.3 (earthquake report update).
const char* const earthquake = R"(<?xml version = "1.0" encoding = "UTF-8"?>
<alert xmlns = "urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>TRI13970876.2</identifier>
  <sender>trinet@caltech.edu</sender>
  <sent>2003-06-11T20:56:00-07:00</sent>
  <status>Actual</status>
  <msgType>Update</msgType>
  <scope>Public</scope>
  <references>trinet@caltech.edu,TRI13970876.1,2003-06-11T20:30:00-07:00</references>
  <info>
    <category>Geo</category>
    <event>Earthquake</event>
    <urgency>Past</urgency>
    <severity>Minor</severity>
    <certainty>Observed</certainty>
    <senderName>Southern California Seismic Network (TriNet) operated by Caltech and USGS</senderName>
    <headline>EQ 3.4 Imperial County CA</headline>
    <description>A minor earthquake measuring 3.4 on the Richter scale occurred near Brawley, California at 8:30 PM Pacific Daylight Time on Wednesday, June 11, 2003. (This event has now been reviewed by a seismologist)</description>
    <web>http://www.trinet.org/scsn/scsn.html</web>
    <parameter>
      <valueName>EventID</valueName>
      <value>13970876</value>
    </parameter>
    <parameter>
      <valueName>Version</valueName>
      <value>1</value>
    </parameter>
    <parameter>
      <valueName>Magnitude</valueName>
      <value>3.4 Ml</value>
    </parameter>
    <area>
      <areaDesc>1 mi. WSW of Brawley, CA; 11 mi. N of El Centro, CA; 30 mi. E of OCOTILLO (quarry); 1 mi. N of the Imperial Fault</areaDesc>
      <circle>32.9525,-115.5527 0</circle>
    </area>
  </info>
</alert>
)";

// A minimal valid document with `body` spliced in after <scope>.
std::string minimal_with(const std::string& body, const std::string& info_body = "") {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>ID-1</identifier>
  <sender>s@example.org</sender>
  <sent>2026-07-20T08:00:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
)" + body +
         R"(  <info>
    <category>Met</category>
    <event>Flood</event>
    <urgency>Expected</urgency>
    <severity>Moderate</severity>
    <certainty>Likely</certainty>
)" + info_body +
         "  </info>\n</alert>\n";
}

// The minimal document with a single area holding `area_body` after areaDesc.
std::string with_area(const std::string& area_body) {
  return minimal_with("", "    <area>\n      <areaDesc>Zone</areaDesc>\n" + area_body + "    </area>\n");
}

}  // namespace

// ---- round trip ---------------------------------------------------------------------

TEST_CASE("cap: to_cap then from_cap returns an equal alert (300 seeded random alerts)") {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    Gen gen(seed);
    const CapAlert a = gen.alert();
    INFO("seed " << seed);
    REQUIRE_NOTHROW(validate_cap(a));
    const std::string xml = to_cap(a);
    CapAlert b;
    const std::string err = invalid_message([&] { b = from_cap(xml); });
    REQUIRE_MESSAGE(err == "<no InvalidInput thrown>", err << "\n" << xml);
    CHECK_MESSAGE(b == a, xml);
    CHECK(to_cap(b) == xml);
  }
}

TEST_CASE("cap: round trip keeps the awkward values exactly") {
  CapAlert a = base_alert();
  a.note = "  lead & trail\r\n<x>\t\"q\" ]]> 中文  ";
  a.infos[0].headline = "\r";
  a.infos[0].description = "\n\n";
  a.infos[0].areas[0].polygons[0] = {{0.1, 0.2}, {1e-300, -5e-324}, {90, -180}, {-90, 180}, {0.1, 0.2}};
  a.infos[0].areas[0].circles = {{{0, 0}, 1e300}, {{0.30000000000000004, -0.0}, 0}};
  a.offset_minutes = -570;
  const CapAlert b = from_cap(to_cap(a));
  CHECK(b == a);
  CHECK(b.infos[0].areas[0].polygons[0][1].lon == -5e-324);
  CHECK(b.infos[0].areas[0].circles[1].center.lat == 0.30000000000000004);
}

// ---- writer -------------------------------------------------------------------------

TEST_CASE("cap: to_cap writes the CAP 1.2 schema order, escapes text and uses explicit offsets") {
  CapAlert a;
  a.identifier = "X1";
  a.sender = "s@x";
  a.sent = parse_time("2026-01-02T03:04:05Z");
  a.msg_type = "Cancel";
  a.scope = "Restricted";
  a.restriction = "staff";
  a.addresses = "ops";
  a.note = "a<b & c>\"d\"";
  a.references = {"s@x,X0,2026-01-01T00:00:00+00:00", "s@x,X00,2025-12-31T00:00:00+00:00"};
  CapInfo i;
  i.categories = {"Fire", "Safety"};
  i.event = "Wildfire";
  i.response_types = {"Evacuate", "Monitor"};
  i.urgency = "Immediate";
  i.severity = "Extreme";
  i.certainty = "Observed";
  i.effective = a.sent;
  i.expires = a.sent + 60;
  i.sender_name = "Fire Service";
  i.headline = "H";
  i.description = "D";
  i.instruction = "I";
  i.parameters = {{"p", "1"}};
  CapArea ar;
  ar.area_desc = "Hills";
  ar.polygons = {{{1, 2}, {3, 4.5}, {0.00001, -6}, {1, 2}}};
  ar.circles = {{{-1.5, 2}, 10}};
  ar.geocodes = {{"G", "42"}};
  i.areas = {ar};
  a.infos = {i};
  const std::string expected = R"(<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>X1</identifier>
  <sender>s@x</sender>
  <sent>2026-01-02T03:04:05+00:00</sent>
  <status>Actual</status>
  <msgType>Cancel</msgType>
  <scope>Restricted</scope>
  <restriction>staff</restriction>
  <addresses>ops</addresses>
  <note>a&lt;b &amp; c&gt;&quot;d&quot;</note>
  <references>s@x,X0,2026-01-01T00:00:00+00:00 s@x,X00,2025-12-31T00:00:00+00:00</references>
  <info>
    <language>en-US</language>
    <category>Fire</category>
    <category>Safety</category>
    <event>Wildfire</event>
    <responseType>Evacuate</responseType>
    <responseType>Monitor</responseType>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <effective>2026-01-02T03:04:05+00:00</effective>
    <expires>2026-01-02T03:05:05+00:00</expires>
    <senderName>Fire Service</senderName>
    <headline>H</headline>
    <description>D</description>
    <instruction>I</instruction>
    <parameter>
      <valueName>p</valueName>
      <value>1</value>
    </parameter>
    <area>
      <areaDesc>Hills</areaDesc>
      <polygon>1,2 3,4.5 0.00001,-6 1,2</polygon>
      <circle>-1.5,2 10</circle>
      <geocode>
        <valueName>G</valueName>
        <value>42</value>
      </geocode>
    </area>
  </info>
</alert>
)";
  CHECK(to_cap(a) == expected);
}

TEST_CASE("cap: to_cap writes times in the alert's offset and omits empty optional elements") {
  CapAlert a = base_alert();
  a.infos[0].effective.reset();
  a.infos[0].headline.clear();
  const std::string xml = to_cap(a);
  CHECK(contains(xml, "<sent>2026-07-20T08:00:00+08:00</sent>"));
  CHECK(contains(xml, "<expires>2026-07-20T14:00:00+08:00</expires>"));
  CHECK_FALSE(contains(xml, "<effective>"));
  CHECK_FALSE(contains(xml, "<headline>"));
  CHECK_FALSE(contains(xml, "<note>"));
  CHECK_FALSE(contains(xml, "<references>"));
  CHECK_FALSE(contains(xml, "Z<"));
}

TEST_CASE("cap: to_cap refuses an invalid alert with the same error as validate_cap") {
  CapAlert a = base_alert();
  a.infos[0].urgency = "Now";
  const std::string v = validate_error(a);
  CHECK(contains(v, "infos[0].urgency"));
  CHECK(invalid_message([&] { (void)to_cap(a); }) == v);
}

TEST_CASE("cap: cap_reference is sender,identifier,sent") {
  const CapAlert a = base_alert();
  CHECK(cap_reference(a) == "alerts@gd.example.cn,CN-GD-2026-0042,2026-07-20T08:00:00+08:00");
  CapAlert u = base_alert();
  u.identifier = "CN-GD-2026-0043";
  u.msg_type = "Update";
  u.references = {cap_reference(a)};
  CHECK_NOTHROW(validate_cap(u));
  CHECK(from_cap(to_cap(u)).references == u.references);
  CapAlert bad = a;
  bad.identifier = "a,b";
  CHECK(contains(invalid_message([&] { (void)cap_reference(bad); }), "identifier"));
}

// ---- validate_cap -------------------------------------------------------------------

TEST_CASE("cap: validate_cap accepts the base alert") { CHECK_NOTHROW(validate_cap(base_alert())); }

TEST_CASE("cap: validate_cap names the field of every rule it enforces") {
  struct Case {
    const char* what;
    std::function<void(CapAlert&)> breakit;
    const char* field;
  };
  static const double nan = std::numeric_limits<double>::quiet_NaN();
  static const double inf = std::numeric_limits<double>::infinity();
  const std::vector<Case> cases = {
      {"empty identifier", [](CapAlert& a) { a.identifier = ""; }, "invalid identifier"},
      {"identifier with space", [](CapAlert& a) { a.identifier = "a b"; }, "invalid identifier"},
      {"identifier with tab", [](CapAlert& a) { a.identifier = "a\tb"; }, "invalid identifier"},
      {"identifier with comma", [](CapAlert& a) { a.identifier = "a,b"; }, "invalid identifier"},
      {"identifier with <", [](CapAlert& a) { a.identifier = "a<b"; }, "invalid identifier"},
      {"identifier with &", [](CapAlert& a) { a.identifier = "a&b"; }, "invalid identifier"},
      {"empty sender", [](CapAlert& a) { a.sender = ""; }, "invalid sender"},
      {"sender with comma", [](CapAlert& a) { a.sender = "x,y"; }, "invalid sender"},
      {"sender with space", [](CapAlert& a) { a.sender = "x y"; }, "invalid sender"},
      {"offset too east", [](CapAlert& a) { a.offset_minutes = 14 * 60 + 1; }, "invalid offset_minutes"},
      {"offset too west", [](CapAlert& a) { a.offset_minutes = -(14 * 60 + 1); }, "invalid offset_minutes"},
      {"sent before year 1", [](CapAlert& a) { a.sent = to_timestamp({1, 1, 1, 0, 0, 0}, 480) - 1; }, "invalid sent"},
      {"sent after year 9999", [](CapAlert& a) { a.sent = to_timestamp({10000, 1, 1, 0, 0, 0}, 480); }, "invalid sent"},
      {"sent far out", [](CapAlert& a) { a.sent = std::numeric_limits<Timestamp>::max(); }, "invalid sent"},
      {"status case", [](CapAlert& a) { a.status = "actual"; }, "invalid status"},
      {"msg_type", [](CapAlert& a) { a.msg_type = "Alarm"; }, "invalid msg_type"},
      {"scope", [](CapAlert& a) { a.scope = ""; }, "invalid scope"},
      {"restricted without restriction", [](CapAlert& a) { a.scope = "Restricted"; }, "invalid restriction"},
      {"private without addresses", [](CapAlert& a) { a.scope = "Private"; }, "invalid addresses"},
      {"update without references", [](CapAlert& a) { a.msg_type = "Update"; }, "invalid references"},
      {"cancel without references", [](CapAlert& a) { a.msg_type = "Cancel"; }, "invalid references"},
      {"reference with one comma", [](CapAlert& a) { a.references = {"s,id"}; }, "invalid references[0]"},
      {"reference with three commas", [](CapAlert& a) { a.references = {"s,i,d,x"}; }, "invalid references[0]"},
      {"reference with empty part", [](CapAlert& a) { a.references = {"s,,t"}; }, "invalid references[0]"},
      {"reference with space",
       [](CapAlert& a) { a.references = {"s,i,t", "s,i,2026-01-01 00:00:00"}; }, "invalid references[1]"},
      {"note not UTF-8", [](CapAlert& a) { a.note = "bad \xff byte"; }, "invalid note"},
      {"note with a control character", [](CapAlert& a) { a.note = "bell \x07"; }, "invalid note"},
      {"restriction with NUL", [](CapAlert& a) { a.restriction = std::string("a\0b", 3); }, "invalid restriction"},
      {"addresses overlong UTF-8", [](CapAlert& a) { a.addresses = "\xc0\xaf"; }, "invalid addresses"},
      {"language empty", [](CapAlert& a) { a.infos[0].language = ""; }, "invalid infos[0].language"},
      {"language underscore", [](CapAlert& a) { a.infos[0].language = "en_US"; }, "invalid infos[0].language"},
      {"language too long", [](CapAlert& a) { a.infos[0].language = "englishes"; }, "invalid infos[0].language"},
      {"no category", [](CapAlert& a) { a.infos[0].categories.clear(); }, "invalid infos[0].categories"},
      {"bad category",
       [](CapAlert& a) { a.infos[0].categories = {"Met", "Weather"}; }, "invalid infos[0].categories[1]"},
      {"empty event", [](CapAlert& a) { a.infos[0].event = ""; }, "invalid infos[0].event"},
      {"bad response type",
       [](CapAlert& a) { a.infos[0].response_types = {"Run"}; }, "invalid infos[0].response_types[0]"},
      {"empty urgency", [](CapAlert& a) { a.infos[0].urgency = ""; }, "invalid infos[0].urgency"},
      {"bad severity", [](CapAlert& a) { a.infos[0].severity = "severe"; }, "invalid infos[0].severity"},
      {"bad certainty", [](CapAlert& a) { a.infos[0].certainty = "VeryLikely"; }, "invalid infos[0].certainty"},
      {"effective out of range",
       [](CapAlert& a) { a.infos[0].effective = to_timestamp({12000, 1, 1, 0, 0, 0}); }, "invalid infos[0].effective"},
      {"expires out of range",
       [](CapAlert& a) { a.infos[0].expires = std::numeric_limits<Timestamp>::min(); }, "invalid infos[0].expires"},
      {"sender_name not UTF-8", [](CapAlert& a) { a.infos[0].sender_name = "\xe6\x9a"; }, "invalid infos[0].sender_name"},
      {"headline surrogate", [](CapAlert& a) { a.infos[0].headline = "\xed\xa0\x80"; }, "invalid infos[0].headline"},
      {"description U+FFFF", [](CapAlert& a) { a.infos[0].description = "\xef\xbf\xbf"; }, "invalid infos[0].description"},
      {"instruction control", [](CapAlert& a) { a.infos[0].instruction = "\x1b[0m"; }, "invalid infos[0].instruction"},
      {"parameter without name",
       [](CapAlert& a) { a.infos[0].parameters.push_back({"", "v"}); }, "invalid infos[0].parameters[1].value_name"},
      {"parameter value not UTF-8",
       [](CapAlert& a) { a.infos[0].parameters[0].value = "\x80"; }, "invalid infos[0].parameters[0].value"},
      {"empty area_desc", [](CapAlert& a) { a.infos[0].areas[0].area_desc = ""; }, "invalid infos[0].areas[0].area_desc"},
      {"polygon with 3 points",
       [](CapAlert& a) { a.infos[0].areas[0].polygons[0] = {{1, 1}, {2, 2}, {1, 1}}; },
       "invalid infos[0].areas[0].polygons[0]"},
      {"empty polygon", [](CapAlert& a) { a.infos[0].areas[0].polygons.push_back({}); },
       "invalid infos[0].areas[0].polygons[1]"},
      {"open polygon",
       [](CapAlert& a) { a.infos[0].areas[0].polygons[0] = {{1, 1}, {2, 2}, {3, 1}, {1, 1.5}}; },
       "invalid infos[0].areas[0].polygons[0]"},
      {"polygon latitude 91",
       [](CapAlert& a) { a.infos[0].areas[0].polygons[0][1].lat = 91; }, "invalid infos[0].areas[0].polygons[0][1]"},
      {"polygon longitude -180.5",
       [](CapAlert& a) { a.infos[0].areas[0].polygons[0][2].lon = -180.5; },
       "invalid infos[0].areas[0].polygons[0][2]"},
      {"polygon NaN", [](CapAlert& a) { a.infos[0].areas[0].polygons[0][2].lat = nan; },
       "invalid infos[0].areas[0].polygons[0][2]"},
      {"circle radius negative",
       [](CapAlert& a) { a.infos[0].areas[0].circles[0].radius_km = -1; }, "invalid infos[0].areas[0].circles[0]"},
      {"circle radius infinite",
       [](CapAlert& a) { a.infos[0].areas[0].circles[0].radius_km = inf; }, "invalid infos[0].areas[0].circles[0]"},
      {"circle centre latitude",
       [](CapAlert& a) { a.infos[0].areas[0].circles[0].center.lat = -90.0001; },
       "invalid infos[0].areas[0].circles[0]"},
      {"circle centre longitude NaN",
       [](CapAlert& a) { a.infos[0].areas[0].circles[0].center.lon = nan; }, "invalid infos[0].areas[0].circles[0]"},
      {"geocode without name",
       [](CapAlert& a) { a.infos[0].areas[0].geocodes[0].value_name = ""; },
       "invalid infos[0].areas[0].geocodes[0].value_name"},
      {"second info, second area",
       [](CapAlert& a) {
         a.infos.push_back(a.infos[0]);
         a.infos[1].areas.push_back(a.infos[1].areas[0]);
         a.infos[1].areas[1].polygons[0].pop_back();
       },
       "invalid infos[1].areas[1].polygons[0]"},
  };
  for (const auto& c : cases) {
    CapAlert a = base_alert();
    c.breakit(a);
    const std::string msg = validate_error(a);
    INFO(c.what);
    CHECK_MESSAGE(contains(msg, c.field), msg);
    CHECK_MESSAGE(valid_utf8(msg), msg);
  }
}

TEST_CASE("cap: validate_cap accepts the edges of every range") {
  CapAlert a = base_alert();
  a.offset_minutes = -840;
  a.sent = to_timestamp({1, 1, 1, 0, 0, 0}, -840);
  a.infos[0].expires = to_timestamp({9999, 12, 31, 23, 59, 59}, -840);
  a.infos[0].areas[0].polygons[0] = {{-90, -180}, {90, 180}, {90, -180}, {-90, -180}};
  a.infos[0].areas[0].circles[0] = {{90, 180}, 0};
  a.scope = "Restricted";
  a.restriction = "r";
  a.msg_type = "Ack";
  CHECK_NOTHROW(validate_cap(a));
  CHECK(from_cap(to_cap(a)) == a);
  a.offset_minutes = 840;
  a.sent = to_timestamp({9999, 12, 31, 23, 59, 59}, 840);
  a.infos[0].expires.reset();
  CHECK_NOTHROW(validate_cap(a));
  CHECK(from_cap(to_cap(a)) == a);
}

TEST_CASE("cap: validation error messages stay valid UTF-8 and short") {
  CapAlert a = base_alert();
  a.infos[0].headline = std::string(200, 'x') + "\xff" + std::string(300, 'y');
  std::string msg = validate_error(a);
  CHECK(contains(msg, "infos[0].headline"));
  CHECK(valid_utf8(msg));
  CHECK(msg.size() < 400);
  // A long run of 3-byte characters must not be cut in the middle of one.
  a.infos[0].headline = "\x01";
  a.infos[0].description.clear();
  for (int i = 0; i < 100; ++i) a.infos[0].headline += "暴";
  msg = validate_error(a);
  CHECK(valid_utf8(msg));
}

// ---- from_cap: the specification's examples --------------------------------------------

TEST_CASE("cap: from_cap reads the CAP 1.2 thunderstorm example") {
  const CapAlert a = from_cap(thunderstorm);
  CHECK(a.identifier == "KSTO1055887203");
  CHECK(a.sender == "KSTO@NWS.NOAA.GOV");
  CHECK(a.sent == parse_time("2003-06-17T21:57:00Z"));
  CHECK(a.offset_minutes == -7 * 60);
  CHECK(a.status == "Actual");
  CHECK(a.msg_type == "Alert");
  CHECK(a.scope == "Public");
  REQUIRE(a.infos.size() == 1);
  const CapInfo& i = a.infos[0];
  CHECK(i.language == "en-US");  // absent: CAP's default
  CHECK(i.categories == std::vector<std::string>{"Met"});
  CHECK(i.event == "SEVERE THUNDERSTORM");
  CHECK(i.response_types == std::vector<std::string>{"Shelter"});
  CHECK(i.urgency == "Immediate");
  CHECK(i.severity == "Severe");
  CHECK(i.certainty == "Observed");
  CHECK_FALSE(i.effective.has_value());
  CHECK(i.expires == parse_time("2003-06-17T16:00:00-07:00"));
  CHECK(i.sender_name == "NATIONAL WEATHER SERVICE SACRAMENTO CA");
  CHECK(i.headline == "SEVERE THUNDERSTORM WARNING");
  CHECK(i.description.substr(0, 12) == " AT 254 PM P");  // free text kept as written
  CHECK(i.instruction == "TAKE COVER IN A SUBSTANTIAL SHELTER UNTIL THE STORM PASSES.");
  CHECK(i.parameters.empty());  // eventCode is not modelled
  REQUIRE(i.areas.size() == 1);
  const CapArea& ar = i.areas[0];
  CHECK(ar.area_desc.substr(0, 37) == "EXTREME NORTH CENTRAL TUOLUMNE COUNTY");
  REQUIRE(ar.polygons.size() == 1);
  CHECK(ar.polygons[0] == std::vector<CapPoint>{{38.47, -120.14}, {38.34, -119.95}, {38.52, -119.74},
                                                {38.62, -119.89}, {38.47, -120.14}});
  CHECK(ar.circles.empty());
  CHECK(ar.geocodes ==
        std::vector<CapValue>{{"SAME", "006109"}, {"SAME", "006009"}, {"SAME", "006003"}});
  CHECK(from_cap(to_cap(a)) == a);
}

TEST_CASE("cap: from_cap reads the CAP 1.2 homeland security example") {
  const CapAlert a = from_cap(homeland_security);
  CHECK(a.identifier == "43b080713727");
  CHECK(a.sender == "hsas@dhs.gov");
  CHECK(a.sent == parse_time("2003-04-02T19:39:01Z"));
  CHECK(a.offset_minutes == -300);
  REQUIRE(a.infos.size() == 1);
  const CapInfo& i = a.infos[0];
  CHECK(i.categories == std::vector<std::string>{"Security"});
  CHECK(i.event == "Homeland Security Advisory System Update");
  CHECK(i.certainty == "Likely");
  CHECK(i.headline == "Homeland Security Sets Code ORANGE");
  CHECK(i.instruction.substr(0, 21) == " A High Condition is ");
  CHECK(i.parameters == std::vector<CapValue>{{"HSAS", "ORANGE"}});
  REQUIRE(i.areas.size() == 1);
  CHECK(i.areas[0].area_desc == "U.S. nationwide and interests worldwide");
  CHECK(i.areas[0].polygons.empty());
  CHECK(from_cap(to_cap(a)) == a);
}

TEST_CASE("cap: from_cap reads the CAP 1.2 earthquake update with references and a circle") {
  const CapAlert a = from_cap(earthquake);
  CHECK(a.msg_type == "Update");
  CHECK(a.references == std::vector<std::string>{"trinet@caltech.edu,TRI13970876.1,2003-06-11T20:30:00-07:00"});
  REQUIRE(a.infos.size() == 1);
  CHECK(a.infos[0].parameters.size() == 3);
  CHECK(a.infos[0].parameters[2] == CapValue{"Magnitude", "3.4 Ml"});
  REQUIRE(a.infos[0].areas.size() == 1);
  CHECK(a.infos[0].areas[0].circles == std::vector<CapCircle>{{{32.9525, -115.5527}, 0}});
  CHECK(from_cap(to_cap(a)) == a);
}

// ---- from_cap: accepted variations ---------------------------------------------------

TEST_CASE("cap: from_cap accepts a prefixed CAP namespace") {
  const std::string xml = R"(<?xml version="1.0"?>
<cap:alert xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">
  <cap:identifier>P-1</cap:identifier>
  <cap:sender>p@example.org</cap:sender>
  <cap:sent>2026-03-01T12:00:00-05:00</cap:sent>
  <cap:status>Test</cap:status>
  <cap:msgType>Alert</cap:msgType>
  <cap:scope>Public</cap:scope>
  <cap:info>
    <cap:category>Env</cap:category>
    <cap:event>Smoke</cap:event>
    <cap:urgency>Future</cap:urgency>
    <cap:severity>Minor</cap:severity>
    <cap:certainty>Possible</cap:certainty>
    <cap:area><cap:areaDesc>Town</cap:areaDesc><cap:circle>10,20 5</cap:circle></cap:area>
  </cap:info>
</cap:alert>)";
  const CapAlert a = from_cap(xml);
  CHECK(a.identifier == "P-1");
  CHECK(a.status == "Test");
  CHECK(a.offset_minutes == -300);
  REQUIRE(a.infos.size() == 1);
  CHECK(a.infos[0].areas[0].circles == std::vector<CapCircle>{{{10, 20}, 5}});
}

TEST_CASE("cap: from_cap skips CAP elements and extensions it does not model") {
  const std::string xml = minimal_with(
      R"(  <source>ops desk</source>
  <code>IPAWSv1.0</code>
  <code>X</code>
  <incidents>inc-1 inc-2</incidents>
)",
      R"(    <audience>everyone</audience>
    <eventCode><valueName>SAME</valueName><value>FLW</value></eventCode>
    <onset>2026-07-20T09:00:00+08:00</onset>
    <web>https://example.org/a</web>
    <contact>desk</contact>
    <parameter><valueName>p</valueName><value>v</value></parameter>
    <resource>
      <resourceDesc>map</resourceDesc><mimeType>image/png</mimeType><size>12</size>
      <uri>https://example.org/m.png</uri><derefUri>AAAA</derefUri><digest>00</digest>
    </resource>
    <area>
      <areaDesc>Delta</areaDesc>
      <altitude>100</altitude>
      <ceiling>200</ceiling>
      <x:extra xmlns:x="urn:example:ext"><x:deep><category>NotACategory</category></x:deep></x:extra>
    </area>
    <somethingNew>with <nested>children</nested> and text</somethingNew>
)") ;
  // An XML Signature after the infos, as CAP 1.2 allows.
  std::string signed_xml = xml;
  signed_xml.insert(signed_xml.rfind("</alert>"),
                    "  <Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo><identifier>no</identifier>"
                    "</SignedInfo><SignatureValue>AAAA</SignatureValue></Signature>\n");
  for (const auto& doc : {xml, signed_xml}) {
    CapAlert a;
    const std::string err = invalid_message([&] { a = from_cap(doc); });
    REQUIRE_MESSAGE(err == "<no InvalidInput thrown>", err);
    CHECK(a.identifier == "ID-1");
    REQUIRE(a.infos.size() == 1);
    CHECK(a.infos[0].parameters == std::vector<CapValue>{{"p", "v"}});
    REQUIRE(a.infos[0].areas.size() == 1);
    CHECK(a.infos[0].areas[0].area_desc == "Delta");
    CHECK(a.infos[0].categories == std::vector<std::string>{"Met"});
  }
}

TEST_CASE("cap: from_cap trims code values, times and numbers but keeps free text exactly") {
  const std::string xml = minimal_with(
      "  <note>  spaced\n note  </note>\n  <references>\n a,b,c \t d,e,f\n </references>\n",
      R"(    <responseType>  Monitor
    </responseType>
    <effective>
      2026-07-20T08:30:00+08:00 </effective>
    <headline>  标题 </headline>
    <description><![CDATA[<b>bold</b> & raw]]></description>
    <area>
      <areaDesc> Zone </areaDesc>
      <polygon>
        1,2   3,4
        5,6 1,2
      </polygon>
      <circle> +1.5,-2 0.5 </circle>
    </area>
)");
  const CapAlert a = from_cap(xml);
  CHECK(a.note == "  spaced\n note  ");
  CHECK(a.references == std::vector<std::string>{"a,b,c", "d,e,f"});
  REQUIRE(a.infos.size() == 1);
  CHECK(a.infos[0].response_types == std::vector<std::string>{"Monitor"});
  CHECK(a.infos[0].effective == parse_time("2026-07-20T00:30:00Z"));
  CHECK(a.infos[0].headline == "  标题 ");
  CHECK(a.infos[0].description == "<b>bold</b> & raw");
  CHECK(a.infos[0].areas[0].area_desc == " Zone ");
  CHECK(a.infos[0].areas[0].polygons[0] == std::vector<CapPoint>{{1, 2}, {3, 4}, {5, 6}, {1, 2}});
  CHECK(a.infos[0].areas[0].circles[0] == CapCircle{{1.5, -2}, 0.5});
}

TEST_CASE("cap: from_cap takes offset_minutes from <sent>, and reads Z and fractions") {
  std::string xml = minimal_with("", "    <expires>2026-07-20T10:00:00.999Z</expires>\n");
  xml.replace(xml.find("2026-07-20T08:00:00+08:00"), 25, "2026-07-20T00:00:00Z");
  const CapAlert a = from_cap(xml);
  CHECK(a.offset_minutes == 0);
  CHECK(a.sent == parse_time("2026-07-20T00:00:00Z"));
  CHECK(a.infos[0].expires == parse_time("2026-07-20T10:00:00Z"));
  CHECK(contains(to_cap(a), "<expires>2026-07-20T10:00:00+00:00</expires>"));
}

TEST_CASE("cap: from_cap handles line ends, character references and other encodings") {
  std::string xml = minimal_with("  <note>a\r\nb\rc&#13;d&#x4E2D;&lt;</note>\n");
  CHECK(from_cap(xml).note == "a\nb\nc\rd中<");
  const std::string utf8_decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
  const std::string latin1 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" +
                             minimal_with("  <note>caf\xe9</note>\n").substr(utf8_decl.size());
  CHECK(from_cap(latin1).note == "caf\xc3\xa9");
  // UTF-8 with a byte order mark.
  CHECK(from_cap("\xef\xbb\xbf" + minimal_with("")).identifier == "ID-1");
}

TEST_CASE("cap: from_cap accepts elements in any order and no infos") {
  const std::string xml = R"(<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><scope>Public</scope>
<msgType>Ack</msgType><status>System</status><sent>2026-01-01T00:00:00+01:00</sent><sender>s</sender>
<identifier>i</identifier></alert>)";
  const CapAlert a = from_cap(xml);
  CHECK(a.msg_type == "Ack");
  CHECK(a.infos.empty());
  CHECK(a.offset_minutes == 60);
}

// ---- from_cap: rejected input ---------------------------------------------------------

TEST_CASE("cap: from_cap rejects malformed XML with the line and element") {
  const std::string good = minimal_with("");
  struct Case {
    std::string what, xml, expect;
  };
  const std::vector<Case> cases = {
      {"empty", "", "malformed XML"},
      {"whitespace", "   \n", "malformed XML"},
      {"not XML", "hello", "malformed XML"},
      {"truncated", good.substr(0, good.size() / 2), "malformed XML"},
      {"truncated in a tag", good.substr(0, good.find("<status>") + 4), "malformed XML"},
      {"mismatched tag", minimal_with("  <note>x</nota>\n"), "alert/note"},
      {"two roots", good + "<alert/>", "malformed XML"},
      {"junk after root", good + "junk", "malformed XML"},
      {"bad byte", minimal_with("  <note>\xff</note>\n"), "line 9"},
      {"unbound prefix", minimal_with("  <x:note>y</x:note>\n"), "malformed XML"},
      {"undefined entity", minimal_with("  <note>&nbsp;</note>\n"), "alert/note"},
      {"control character reference", minimal_with("  <note>&#1;</note>\n"), "malformed XML"},
      {"NUL", std::string("<alert\0>", 8), "malformed XML"},
      {"unknown encoding", "<?xml version=\"1.0\" encoding=\"x-nope\"?><a/>", "malformed XML"},
  };
  for (const auto& c : cases) {
    const std::string msg = parse_error(c.xml);
    INFO(c.what);
    CHECK_MESSAGE(contains(msg, c.expect), msg);
    CHECK_MESSAGE(contains(msg, "line "), msg);
    CHECK(valid_utf8(msg));
  }
}

TEST_CASE("cap: from_cap rejects any DOCTYPE, so the billion laughs cannot start") {
  std::string lol = "<?xml version=\"1.0\"?>\n<!DOCTYPE alert [\n <!ENTITY lol \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    lol += " <!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) lol += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    lol += "\">\n";
  }
  lol += "]>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>&lol9;</identifier></alert>\n";
  const auto t0 = std::chrono::steady_clock::now();
  const std::string msg = parse_error(lol);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  CHECK_MESSAGE(contains(msg, "DOCTYPE"), msg);
  CHECK(contains(msg, "line 2"));
  CHECK(ms.count() < 500);
  // Even a harmless internal subset is refused.
  CHECK(contains(parse_error("<!DOCTYPE alert>" + minimal_with("").substr(38)), "DOCTYPE"));
}

TEST_CASE("cap: from_cap never loads an external entity") {
  const std::string xxe = R"(<?xml version="1.0"?>
<!DOCTYPE alert [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>)";
  std::string msg = parse_error(xxe);
  CHECK_MESSAGE(contains(msg, "DOCTYPE"), msg);
  CHECK_FALSE(contains(msg, "root:"));
  const std::string external_dtd = R"(<?xml version="1.0"?>
<!DOCTYPE alert SYSTEM "http://example.invalid/cap.dtd">
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>)";
  msg = parse_error(external_dtd);
  CHECK_MESSAGE(contains(msg, "DOCTYPE"), msg);
  // Without a DOCTYPE an entity reference is simply undefined.
  msg = parse_error(minimal_with("  <note>&xxe;</note>\n"));
  CHECK_MESSAGE(contains(msg, "malformed XML"), msg);
}

TEST_CASE("cap: from_cap requires the CAP 1.2 namespace and the alert root") {
  const std::string body = minimal_with("").substr(std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n").size());
  auto with_root = [&](const std::string& open, const std::string& close) {
    std::string x = body;
    x.replace(0, x.find('>') + 1, open);
    x.replace(x.rfind("</alert>"), 8, close);
    return x;
  };
  const std::vector<std::string> docs = {
      with_root("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.1\">", "</alert>"),
      with_root("<alert>", "</alert>"),
      with_root("<alert xmlns=\"urn:oasis:names:tc:emergency:CAP:1.2\">", "</alert>"),
      with_root("<c:alert xmlns:c=\"urn:oasis:names:tc:emergency:cap:1.1\" xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">",
                "</c:alert>"),
      with_root("<alerts xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">", "</alerts>"),
  };
  for (const auto& d : docs) {
    const std::string msg = parse_error(d);
    CHECK_MESSAGE(contains(msg, "root element"), msg);
    CHECK(contains(msg, "line 1"));
  }
  // expat refuses a namespace holding the separator, whatever it is.
  CHECK(contains(parse_error(with_root("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2 \">", "</alert>")),
                 "line 1"));
  // CAP elements in a foreign namespace are not CAP elements: <identifier> goes missing.
  std::string foreign = minimal_with("");
  foreign.replace(foreign.find("<identifier>"), 12, "<identifier xmlns=\"urn:other\">");
  CHECK(contains(parse_error(foreign), "<identifier> is missing"));
}

TEST_CASE("cap: from_cap rejects bad content with the field, the line and the element") {
  struct Case {
    std::string what, xml;
    std::vector<std::string> expect;
  };
  std::string no_sent = minimal_with("");
  no_sent.erase(no_sent.find("  <sent>"), std::string("  <sent>2026-07-20T08:00:00+08:00</sent>\n").size());
  std::string bad_sent = minimal_with("");
  bad_sent.replace(bad_sent.find("2026-07-20T08:00:00+08:00"), 25, "2026-13-20T08:00:00+08:00");
  std::string no_offset = minimal_with("");
  no_offset.replace(no_offset.find("2026-07-20T08:00:00+08:00"), 25, "2026-07-20T08:00:00");
  std::string far_offset = minimal_with("");
  far_offset.replace(far_offset.find("+08:00"), 6, "+20:00");
  std::string bad_urgency = minimal_with("");
  bad_urgency.replace(bad_urgency.find("Expected"), 8, "Soon");
  std::string bad_id = minimal_with("");
  bad_id.replace(bad_id.find("ID-1"), 4, "ID 1");
  std::string no_event = minimal_with("");
  no_event.erase(no_event.find("    <event>"), std::string("    <event>Flood</event>\n").size());
  const std::vector<Case> cases = {
      {"missing sent", no_sent, {"alert", "<sent> is missing", "line 2"}},
      {"bad date", bad_sent, {"invalid sent", "month", "line 5", "alert/sent"}},
      {"date without offset", no_offset, {"invalid sent", "offset", "line 5"}},
      {"offset beyond 14:00", far_offset, {"invalid offset_minutes", "line 2"}},
      {"bad urgency", bad_urgency, {"invalid infos[0].urgency", "'Soon'", "line 12", "alert/info[0]/urgency"}},
      {"identifier with space", bad_id, {"invalid identifier", "line 3"}},
      {"missing event", no_event, {"alert/info[0]", "<event> is missing"}},
      {"duplicate status", minimal_with("  <status>Test</status>\n"), {"alert/status", "more than once", "line 9"}},
      {"duplicate event", minimal_with("", "    <event>Again</event>\n"), {"alert/info[0]/event", "more than once"}},
      {"child in text element", minimal_with("  <note>a<b>c</b></note>\n"), {"alert/note", "text only"}},
      {"restricted without restriction", minimal_with("").replace(minimal_with("").find(">Public<"), 8, ">Restricted<"),
       {"invalid restriction", "Restricted"}},
      {"update without references", minimal_with("").replace(minimal_with("").find(">Alert<"), 7, ">Update<"),
       {"invalid references", "Update"}},
      {"bad reference", minimal_with("  <references>a,b</references>\n"), {"invalid references[0]", "line 9"}},
      {"bad category", minimal_with("", "    <category>Weather</category>\n"), {"invalid infos[0].categories[1]", "'Weather'"}},
      {"bad responseType", minimal_with("", "    <responseType>run</responseType>\n"), {"infos[0].response_types[0]"}},
      {"bad language", minimal_with("", "    <language>en US</language>\n"), {"infos[0].language"}},
      {"empty effective", minimal_with("", "    <effective/>\n"), {"infos[0].effective", "line 15"}},
      {"bad expires", minimal_with("", "    <expires>tomorrow</expires>\n"), {"infos[0].expires"}},
      {"unclosed polygon", with_area("      <polygon>1,1 2,2 3,1 1,2</polygon>\n"),
       {"invalid infos[0].areas[0].polygons[0]", "closed", "line 17", "alert/info[0]/area[0]/polygon[0]"}},
      {"short polygon", with_area("      <polygon>1,1 2,2 1,1</polygon>\n"), {"polygons[0]", "at least 4"}},
      {"polygon junk", with_area("      <polygon>1,1 2,2x 3,3 1,1</polygon>\n"), {"polygons[0]", "'2,2x'"}},
      {"polygon semicolons", with_area("      <polygon>1,1;2,2;3,3;1,1</polygon>\n"), {"polygons[0]"}},
      {"polygon missing lon", with_area("      <polygon>1,1 2 3,3 1,1</polygon>\n"), {"polygons[0]", "'2'"}},
      {"polygon lat 95", with_area("      <polygon>1,1 95,2 3,3 1,1</polygon>\n"), {"polygons[0][1]", "latitude"}},
      {"polygon nan", with_area("      <polygon>1,1 nan,2 3,3 1,1</polygon>\n"), {"polygons[0][1]", "latitude"}},
      {"polygon overflow", with_area("      <polygon>1,1 1e999,2 3,3 1,1</polygon>\n"), {"polygons[0]"}},
      {"second polygon", with_area("      <polygon>1,1 2,2 3,3 1,1</polygon>\n      <polygon>1,1</polygon>\n"),
       {"polygons[1]", "line 18", "polygon[1]"}},
      {"circle without radius", with_area("      <circle>1,2</circle>\n"), {"circles[0]", "lat,lon radius"}},
      {"circle negative radius", with_area("      <circle>1,2 -3</circle>\n"), {"circles[0]", "radius"}},
      {"circle bad radius", with_area("      <circle>1,2 3km</circle>\n"), {"circles[0]", "radius"}},
      {"circle lon 200", with_area("      <circle>1,200 3</circle>\n"), {"circles[0]", "longitude"}},
      {"geocode without value", with_area("      <geocode><valueName>X</valueName></geocode>\n"),
       {"alert/info[0]/area[0]/geocode[0]", "<value> is missing"}},
      {"area without areaDesc", minimal_with("", "    <area><polygon>1,1 2,2 3,3 1,1</polygon></area>\n"),
       {"alert/info[0]/area[0]", "<areaDesc> is missing"}},
      {"empty areaDesc", minimal_with("", "    <area><areaDesc></areaDesc></area>\n"),
       {"infos[0].areas[0].area_desc"}},
      {"parameter without name", minimal_with("", "    <parameter><valueName/><value>v</value></parameter>\n"),
       {"infos[0].parameters[0].value_name"}},
  };
  for (const auto& c : cases) {
    const std::string msg = parse_error(c.xml);
    INFO(c.what);
    for (const auto& e : c.expect) CHECK_MESSAGE(contains(msg, e), msg);
    CHECK_MESSAGE(contains(msg, "line "), msg);
  }
}

TEST_CASE("cap: from_cap rejects oversize input before parsing it") {
  const std::string doc = minimal_with("");
  std::string big = doc;
  big.insert(big.find("</alert>"), std::string((std::size_t{16} << 20) + 1 - doc.size(), ' '));
  REQUIRE(big.size() == (std::size_t{16} << 20) + 1);
  const std::string msg = parse_error(big);
  CHECK_MESSAGE(contains(msg, "16 MiB"), msg);
  // Exactly at the limit is fine.
  big.erase(big.find("</alert>") - 1, 1);
  CHECK(from_cap(big).identifier == "ID-1");
}

TEST_CASE("cap: from_cap error messages are valid UTF-8 even for garbage input") {
  std::mt19937 rng(7);
  const std::string doc = with_area("      <polygon>1,1 2,2 3,3 1,1</polygon>\n");
  for (int i = 0; i < 300; ++i) {
    std::string x = doc;
    for (int k = 0; k < 3; ++k) x[rng() % x.size()] = static_cast<char>(rng() % 256);
    const std::string msg = invalid_message([&] {
      const CapAlert a = from_cap(x);
      REQUIRE(from_cap(to_cap(a)) == a);
      throw InvalidInput("ok", InvalidInput::no_index, "", "parsed");
    });
    CHECK_MESSAGE(valid_utf8(msg), msg);
  }
}

#ifdef CRISISKIT_FUZZ_CORPUS
TEST_CASE("cap: the fuzz corpus parses as its file names say and round-trips") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(CRISISKIT_FUZZ_CORPUS) / "cap";
  REQUIRE(fs::is_directory(dir));
  int valid = 0, invalid = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    CapAlert a;
    const std::string msg = invalid_message([&] { a = from_cap(ss.str()); });
    INFO(name << ": " << msg);
    if (msg == "<no InvalidInput thrown>") CHECK(from_cap(to_cap(a)) == a);
    if (name.rfind("valid_", 0) == 0) {
      CHECK(msg == "<no InvalidInput thrown>");
      ++valid;
    } else if (name.rfind("bad_", 0) == 0) {
      CHECK(msg != "<no InvalidInput thrown>");
      ++invalid;
    }
  }
  CHECK(valid >= 8);
  CHECK(invalid >= 8);
}
#endif
