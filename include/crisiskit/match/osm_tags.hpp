#pragma once
/// \file
/// OpenStreetMap tag rules for road importers: which ways are routable, in
/// which direction, and at what speed. Used by `read_osm`
/// (`crisiskit/match/osm.hpp`) and by the GeoJSON importer in Python; no
/// libosmium needed here.
///
/// Car profile (the default):
/// - routable `highway=*`: motorway, trunk, primary, secondary, tertiary (and
///   their `_link`s), unclassified, residential, living_street, service,
///   road; anything else (footway, cycleway, path, steps, pedestrian, track,
///   construction, …) only when listed in `OsmOptions::extra_highways`;
/// - skipped: `area=yes`; access denied by the most specific of
///   `motorcar`, `motor_vehicle`, `vehicle`, `access` that is present, when it
///   is `no` or `private` (`private` is allowed with `allow_private`, e.g.
///   for emergency vehicles); `oneway=reversible|alternating` (direction
///   changes over the day);
/// - one-way: `oneway=yes|1|true` forward, `oneway=-1|reverse` backward,
///   `oneway=no|0|false` two-way; without one of these, `junction=roundabout|
///   circular` and `highway=motorway` are one-way; other values count as absent;
/// - speed: `maxspeed` (`parse_maxspeed`), else the per-class speed in
///   `OsmOptions::speed_kmh`, else `highway_speed_kmh`, else 25 km/h.
///
/// Walk profile: the car classes except motorway and motorway_link, plus
/// footway, path, pedestrian, steps, track, cycleway and bridleway (and
/// `extra_highways`); skipped: `area=yes` and access denied by `foot`, else
/// `access`; every way two-way at `walk_speed_kmh`.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crisiskit/core/error.hpp"

namespace crisiskit::match {

namespace detail {

template <std::size_t N>
std::optional<double> lookup(const std::pair<std::string_view, double> (&table)[N], std::string_view key) {
  for (const auto& [k, v] : table)
    if (k == key) return v;
  return std::nullopt;
}

}  // namespace detail

enum class OsmProfile { car, walk };

struct OsmOptions {
  OsmProfile profile = OsmProfile::car;
  /// More `highway=*` classes to route on, e.g. {"track"}.
  std::vector<std::string> extra_highways;
  /// Per-class speeds (km/h) used where a way has no readable `maxspeed`;
  /// they replace `highway_speed_kmh` for the classes named. Car profile only.
  std::vector<std::pair<std::string, double>> speed_kmh;
  /// Route on `access=private` ways too (their owners, emergency services).
  bool allow_private = false;
  /// Walk profile: the speed on every way.
  double walk_speed_kmh = 5.0;
  /// libosmium format ("pbf", "osm", "osm.bz2", "opl", …); empty = from the file name.
  std::string format;
  /// libosmium worker threads; 0 = its default (cores − 2, at least 1).
  int threads = 0;
};

/// Speed for a way of this class without a readable `maxspeed`, km/h (car):
/// motorway 90, motorway_link 45, trunk 85, trunk_link 40, primary 65,
/// primary_link 30, secondary 55, secondary_link 25, tertiary 40,
/// tertiary_link 20, unclassified 25, residential 25, road 25,
/// living_street 10, service 15, track 15; footway, path, pedestrian, steps,
/// cycleway and bridleway 5. Typical free-flow speeds (the values of OSRM's
/// long-standing car profile), not limits. nullopt for other classes.
inline std::optional<double> highway_speed_kmh(std::string_view highway) {
  static constexpr std::pair<std::string_view, double> table[] = {
      {"motorway", 90},       {"motorway_link", 45}, {"trunk", 85},       {"trunk_link", 40},
      {"primary", 65},        {"primary_link", 30},  {"secondary", 55},   {"secondary_link", 25},
      {"tertiary", 40},       {"tertiary_link", 20}, {"unclassified", 25}, {"residential", 25},
      {"road", 25},           {"living_street", 10}, {"service", 15},     {"track", 15},
      {"footway", 5},         {"path", 5},           {"pedestrian", 5},   {"steps", 5},
      {"cycleway", 5},        {"bridleway", 5}};
  return detail::lookup(table, highway);
}

/// Speed used for a class missing from every table, km/h.
inline constexpr double kOtherHighwaySpeedKmh = 25.0;

/// km/h from an OSM `maxspeed` value, or nullopt when it cannot be read
/// (then the class speed applies). Accepted forms:
/// - a number of km/h: "50", "50 km/h", "50 kmh", "50 kph"; "30 mph" (× 1.609344),
///   "10 knots" (× 1.852);
/// - "none" (no limit): 130, the German motorway advisory speed; "walk": 7;
/// - country implicit limits "CC:kind", case-insensitive: exact entries for
///   FI, RU, DE, AT, CH, FR, IT, DK, SE, NO, PL, CZ, EE and GB/UK (e.g.
///   FI:urban 50, FI:rural 80, FI:motorway 120, RU:urban 60, RU:rural 90,
///   RU:motorway 110, RU:living_street 20, DE:rural 100, DE:living_street 7,
///   GB:nsl_single 60 mph, GB:nsl_dual and GB:motorway 70 mph), otherwise by
///   kind: urban 50, rural 90, trunk 100, motorway 120, living_street 20,
///   bicycle_road 30; "CC:zone30" / "CC:zone:30" → 30;
/// - a list "a;b": the smallest value (every part must be readable).
/// Values must be > 0; "signals", "variable" and the like are nullopt.
inline std::optional<double> parse_maxspeed(std::string_view s) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
  };
  s = trim(s);
  if (s.empty() || s.size() > 64) return std::nullopt;
  if (const auto semi = s.find(';'); semi != std::string_view::npos) {
    const auto a = parse_maxspeed(s.substr(0, semi)), b = parse_maxspeed(s.substr(semi + 1));
    if (!a || !b) return std::nullopt;
    return std::min(*a, *b);
  }
  std::string t(s);
  for (char& c : t) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  // A leading number with an optional unit.
  auto number = [&](std::string_view v) -> std::optional<double> {
    std::size_t i = 0;
    while (i < v.size() && ((v[i] >= '0' && v[i] <= '9') || v[i] == '.')) ++i;
    if (i == 0) return std::nullopt;
    const std::string digits(v.substr(0, i));
    char* end = nullptr;
    const double x = std::strtod(digits.c_str(), &end);
    if (end != digits.c_str() + digits.size() || !(x > 0) || !std::isfinite(x)) return std::nullopt;
    const std::string_view unit = trim(v.substr(i));
    if (unit.empty() || unit == "km/h" || unit == "kmh" || unit == "kph") return x;
    if (unit == "mph") return x * 1.609344;
    if (unit == "knots") return x * 1.852;
    return std::nullopt;
  };
  if (t == "none") return 130.0;
  if (t == "walk") return 7.0;
  const auto colon = t.find(':');
  if (colon == std::string::npos) return number(t);
  const std::string_view kind = std::string_view(t).substr(colon + 1);
  if (kind.substr(0, 4) == "zone") {
    std::string_view rest = kind.substr(4);
    if (!rest.empty() && rest.front() == ':') rest.remove_prefix(1);
    return number(rest);
  }
  constexpr double mph = 1.609344;
  static constexpr std::pair<std::string_view, double> exact[] = {
      {"fi:urban", 50},          {"fi:rural", 80},          {"fi:motorway", 120},         {"fi:living_street", 20},
      {"ru:urban", 60},          {"ru:rural", 90},          {"ru:motorway", 110},         {"ru:living_street", 20},
      {"de:urban", 50},          {"de:rural", 100},         {"de:motorway", 130},         {"de:living_street", 7},
      {"de:bicycle_road", 30},   {"at:urban", 50},          {"at:rural", 100},            {"at:motorway", 130},
      {"ch:urban", 50},          {"ch:rural", 80},          {"ch:trunk", 100},            {"ch:motorway", 120},
      {"fr:urban", 50},          {"fr:rural", 80},          {"fr:motorway", 130},         {"it:urban", 50},
      {"it:rural", 90},          {"it:motorway", 130},      {"dk:urban", 50},             {"dk:rural", 80},
      {"dk:motorway", 130},      {"se:urban", 50},          {"se:rural", 70},             {"se:motorway", 110},
      {"no:urban", 50},          {"no:rural", 80},          {"no:motorway", 110},         {"pl:urban", 50},
      {"pl:rural", 90},          {"pl:motorway", 140},      {"cz:urban", 50},             {"cz:rural", 90},
      {"cz:motorway", 130},      {"ee:urban", 50},          {"ee:rural", 90},             {"gb:nsl_single", 60 * mph},
      {"gb:nsl_dual", 70 * mph}, {"gb:motorway", 70 * mph}, {"uk:nsl_single", 60 * mph}, {"uk:nsl_dual", 70 * mph},
      {"uk:motorway", 70 * mph}};
  static constexpr std::pair<std::string_view, double> by_kind[] = {
      {"urban", 50}, {"rural", 90}, {"trunk", 100}, {"motorway", 120}, {"living_street", 20}, {"bicycle_road", 30}};
  if (const auto v = detail::lookup(exact, t)) return v;
  return detail::lookup(by_kind, kind);
}

/// Direction of a way from its `oneway`, `junction` and `highway` tags
/// (nullptr = absent): +1 forward only, −1 backward only, 0 both ways;
/// nullopt for `oneway=reversible|alternating` (not routable). Car rules, see
/// the file comment.
inline std::optional<int> oneway_direction(const char* oneway, const char* junction, const char* highway) {
  auto is = [](const char* v, std::initializer_list<const char*> values) {
    if (!v) return false;
    for (const char* x : values)
      if (std::strcmp(v, x) == 0) return true;
    return false;
  };
  if (is(oneway, {"yes", "1", "true"})) return 1;
  if (is(oneway, {"-1", "reverse"})) return -1;
  if (is(oneway, {"no", "0", "false"})) return 0;
  if (is(oneway, {"reversible", "alternating"})) return std::nullopt;
  if (is(junction, {"roundabout", "circular"}) || is(highway, {"motorway"})) return 1;
  return 0;
}

/// What a way is for routing.
struct WayRule {
  bool routable = false;
  int direction = 0;  ///< +1 forward only, −1 backward only, 0 both
  double speed_kmh = 0;
};

namespace detail {

inline bool in_list(std::string_view v, std::initializer_list<std::string_view> values) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

// The most specific access tag present decides; denied = no, private (unless allowed).
template <class Tag>
bool access_denied(Tag&& tag, std::initializer_list<const char*> hierarchy, bool allow_private) {
  for (const char* key : hierarchy)
    if (const char* v = tag(key)) return std::strcmp(v, "no") == 0 || (!allow_private && std::strcmp(v, "private") == 0);
  return false;
}

}  // namespace detail

/// Validates the numbers in `OsmOptions`. \throws InvalidInput naming the option.
inline void check_osm_options(const OsmOptions& o) {
  CRISISKIT_CHECK(std::isfinite(o.walk_speed_kmh) && o.walk_speed_kmh > 0, "walk_speed_kmh", InvalidInput::no_index,
                  o.walk_speed_kmh, "must be a finite number of km/h > 0");
  for (std::size_t i = 0; i < o.speed_kmh.size(); ++i)
    CRISISKIT_CHECK(std::isfinite(o.speed_kmh[i].second) && o.speed_kmh[i].second > 0, "speed_kmh",
                    static_cast<std::int64_t>(i), o.speed_kmh[i].second,
                    "the speed of '" + o.speed_kmh[i].first + "' must be a finite number of km/h > 0");
}

/// Applies the profile's rules to one way. `tag(key)` returns the value of
/// `key` as a NUL-terminated string, or nullptr when the way has no such tag.
template <class Tag>
WayRule way_rule(Tag&& tag, const OsmOptions& o) {
  WayRule r;
  const char* hw = tag("highway");
  if (!hw) return r;
  const std::string_view h(hw);
  const bool extra = std::find(o.extra_highways.begin(), o.extra_highways.end(), h) != o.extra_highways.end();
  const bool car = o.profile == OsmProfile::car;
  const bool common = detail::in_list(h, {"trunk", "trunk_link", "primary", "primary_link", "secondary",
                                          "secondary_link", "tertiary", "tertiary_link", "unclassified",
                                          "residential", "living_street", "service", "road"});
  const bool own = car ? detail::in_list(h, {"motorway", "motorway_link"})
                       : detail::in_list(h, {"footway", "path", "pedestrian", "steps", "track", "cycleway", "bridleway"});
  if (!(common || own || extra)) return r;
  const char* area = tag("area");
  if (area && std::strcmp(area, "yes") == 0) return r;
  if (car ? detail::access_denied(tag, {"motorcar", "motor_vehicle", "vehicle", "access"}, o.allow_private)
          : detail::access_denied(tag, {"foot", "access"}, o.allow_private))
    return r;
  if (!car) {
    r.routable = true;
    r.speed_kmh = o.walk_speed_kmh;
    return r;
  }
  const auto dir = oneway_direction(tag("oneway"), tag("junction"), hw);
  if (!dir) return r;
  r.routable = true;
  r.direction = *dir;
  std::optional<double> v;
  if (const char* ms = tag("maxspeed")) v = parse_maxspeed(ms);
  if (!v)
    for (const auto& [cls, speed] : o.speed_kmh)
      if (cls == h) v = speed;
  if (!v) v = highway_speed_kmh(h);
  r.speed_kmh = v.value_or(kOtherHighwaySpeedKmh);
  return r;
}

}  // namespace crisiskit::match
