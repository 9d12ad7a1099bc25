#include "crisiskit/alert/cap.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <expat.h>
#include <fmt/format.h>

#include "crisiskit/core/error.hpp"
#include "crisiskit/core/time.hpp"

namespace crisiskit {
namespace {

static_assert(std::is_same_v<XML_Char, char>, "crisiskit needs expat built for UTF-8 (XML_Char = char)");

constexpr std::string_view cap_namespace = "urn:oasis:names:tc:emergency:cap:1.2";
constexpr std::size_t max_input_bytes = std::size_t{16} << 20;
constexpr auto no_index = InvalidInput::no_index;

// ---- text helpers ------------------------------------------------------------

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_xml_space(s[b])) ++b;
  while (e > b && is_xml_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::vector<std::string_view> split_space(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_xml_space(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !is_xml_space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// Decode the UTF-8 sequence starting at s[i]: its length, or 0 if it is not
// well-formed (overlong, surrogate, beyond U+10FFFF, truncated).
std::size_t utf8_next(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned c0 = b(i);
  if (c0 < 0x80) {
    cp = c0;
    return 1;
  }
  std::size_t n = 0;
  char32_t min = 0;
  if ((c0 & 0xE0) == 0xC0) {
    n = 2, cp = c0 & 0x1F, min = 0x80;
  } else if ((c0 & 0xF0) == 0xE0) {
    n = 3, cp = c0 & 0x0F, min = 0x800;
  } else if ((c0 & 0xF8) == 0xF0) {
    n = 4, cp = c0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// XML 1.0 `Char`: what a document can carry at all, even as a character reference.
bool is_xml_char(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

// Byte offset of the first thing XML 1.0 cannot carry, or npos.
std::size_t first_non_xml_byte(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t cp = 0;
    const std::size_t n = utf8_next(s, i, cp);
    if (n == 0 || !is_xml_char(cp)) return i;
    i += n;
  }
  return std::string_view::npos;
}

// Render text for an error message. Messages reach Python as `str`, so the
// result is always valid UTF-8: bad bytes and control characters are shown
// as \xNN, and long text is cut on a character boundary.
std::string show(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (out.size() >= 80) return fmt::format("'{}…' ({} bytes)", out, s.size());
    char32_t cp = 0;
    const std::size_t n = utf8_next(s, i, cp);
    if (n == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[i]));
      ++i;
    } else if (cp < 0x20 || cp == 0x7F) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(cp));
      i += n;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return "'" + out + "'";
}

[[noreturn]] void fail(const std::string& field, std::int64_t index, std::string shown, const std::string& problem) {
  throw InvalidInput(field, index, std::move(shown), problem);
}

// The problem part of an InvalidInput message, without its "invalid f = v: " head.
std::string problem_of(const InvalidInput& e) {
  const std::string head = e.index() == no_index
                               ? fmt::format("invalid {} = {}: ", e.field(), e.value())
                               : fmt::format("invalid {}[{}] = {}: ", e.field(), e.index(), e.value());
  const std::string_view what = e.what();
  if (what.substr(0, head.size()) == head) return std::string(what.substr(head.size()));
  return std::string(what);
}

// ---- numbers -------------------------------------------------------------------

// Shortest round-trip digits (fmt's `{}`), but always in positional notation:
// CAP consumers expect "0.00001", not "1e-05".
std::string format_number(double x) {
  if (x == 0) return "0";  // also for -0, which compares equal anyway
  const std::string s = fmt::format("{}", x);
  const std::size_t e = s.find('e');
  if (e == std::string::npos) return s;
  const bool neg = s[0] == '-';
  const std::string mantissa = s.substr(neg ? 1 : 0, e - (neg ? 1 : 0));
  std::string_view exp_text = std::string_view(s).substr(e + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  int exp = 0;
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  std::string digits;
  std::size_t int_digits = mantissa.size();
  for (std::size_t i = 0; i < mantissa.size(); ++i) {
    if (mantissa[i] == '.') int_digits = i;
    else digits += mantissa[i];
  }
  const long point = static_cast<long>(int_digits) + exp;
  std::string out = neg ? "-" : "";
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-point), '0');
    out += digits;
  } else if (static_cast<std::size_t>(point) >= digits.size()) {
    out += digits;
    out.append(static_cast<std::size_t>(point) - digits.size(), '0');
  } else {
    out += digits.substr(0, static_cast<std::size_t>(point));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(point));
  }
  return out;
}

// A whole token as a double (C locale, no trailing junk; a leading '+' is allowed as in xs:decimal).
bool parse_number(std::string_view s, double& out) {
  if (s.size() >= 2 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// ---- validation pieces, shared by validate_cap and the reader ------------------

constexpr std::string_view statuses[] = {"Actual", "Exercise", "System", "Test", "Draft"};
constexpr std::string_view msg_types[] = {"Alert", "Update", "Cancel", "Ack", "Error"};
constexpr std::string_view scopes[] = {"Public", "Restricted", "Private"};
constexpr std::string_view categories[] = {"Geo",    "Met",       "Safety", "Security", "Rescue", "Fire",
                                           "Health", "Env",       "Transport", "Infra", "CBRNE",  "Other"};
constexpr std::string_view response_types[] = {"Shelter", "Evacuate", "Prepare",  "Execute", "Avoid",
                                               "Monitor", "Assess",   "AllClear", "None"};
constexpr std::string_view urgencies[] = {"Immediate", "Expected", "Future", "Past", "Unknown"};
constexpr std::string_view severities[] = {"Extreme", "Severe", "Moderate", "Minor", "Unknown"};
constexpr std::string_view certainties[] = {"Observed", "Likely", "Possible", "Unlikely", "Unknown"};

template <std::size_t N>
void check_code(const std::string& field, std::int64_t index, const std::string& v,
                const std::string_view (&allowed)[N]) {
  for (const auto& a : allowed)
    if (v == a) return;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  fail(field, index, show(v), fmt::format("must be one of {} (CAP 1.2 code list, exact case)", list));
}

void check_text(const std::string& field, std::int64_t index, const std::string& v) {
  const std::size_t bad = first_non_xml_byte(v);
  if (bad != std::string_view::npos)
    fail(field, index, show(v),
         fmt::format("byte {} is not valid UTF-8 or is a character XML 1.0 cannot carry", bad));
}

void check_required_text(const std::string& field, std::int64_t index, const std::string& v) {
  if (v.empty()) fail(field, index, show(v), "is required and must not be empty");
  check_text(field, index, v);
}

// identifier and sender: CAP forbids spaces, commas and restricted characters.
void check_token(const std::string& field, const std::string& v) {
  check_required_text(field, no_index, v);
  for (char c : v)
    if (is_xml_space(c) || c == ',' || c == '<' || c == '&')
      fail(field, no_index, show(v), "must not contain whitespace, ',', '<' or '&'");
}

// xs:language: [a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*
void check_language(const std::string& field, const std::string& v) {
  bool ok = !v.empty();
  std::size_t run = 0;
  bool first = true;
  for (std::size_t i = 0; ok && i <= v.size(); ++i) {
    if (i == v.size() || v[i] == '-') {
      ok = run >= 1 && run <= 8;
      run = 0;
      first = false;
      continue;
    }
    const char c = v[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    ok = alpha || (!first && c >= '0' && c <= '9');
    ++run;
  }
  if (!ok) fail(field, no_index, show(v), "must be a language tag such as 'en-US' or 'zh-CN'");
}

// Tighter than crisiskit's general ±23:59: CAP times are xs:dateTime, whose
// zone offset may not exceed ±14:00, and schema validators enforce it.
constexpr int max_cap_offset_minutes = 14 * 60;

void check_offset(int offset_minutes) {
  if (offset_minutes < -max_cap_offset_minutes || offset_minutes > max_cap_offset_minutes)
    fail("offset_minutes", no_index, fmt::format("{}", offset_minutes),
         "must be within ±14:00 (±840 minutes east of UTC), the xs:dateTime limit CAP inherits");
}

// CAP's dateTime pattern has exactly four year digits, and xs:dateTime has no year 0.
void check_time(const std::string& field, Timestamp t, int offset_minutes) {
  constexpr Timestamp lo = detail::days_from_civil(1, 1, 1) * 86400;
  constexpr Timestamp hi = detail::days_from_civil(9999, 12, 31) * 86400 + 86399;
  const Timestamp shift = static_cast<Timestamp>(offset_minutes) * 60;
  if (t < lo - shift || t > hi - shift)
    fail(field, no_index, fmt::format("{}", t),
         "must fall within years 0001..9999 in the alert's offset (CAP writes four-digit years)");
}

void check_reference(std::int64_t index, const std::string& r) {
  check_text("references", index, r);
  std::size_t commas = 0;
  for (char c : r) {
    if (is_xml_space(c)) fail("references", index, show(r), "must not contain whitespace");
    if (c == ',') ++commas;
  }
  const std::size_t c1 = r.find(','), c2 = r.rfind(',');
  if (commas != 2 || c1 == 0 || c2 == c1 + 1 || c2 + 1 == r.size())
    fail("references", index, show(r), "must be 'sender,identifier,sent' (three non-empty parts, two commas)");
}

void check_point(const std::string& field, std::int64_t index, const CapPoint& p) {
  const std::string shown = fmt::format("{},{}", p.lat, p.lon);
  if (!std::isfinite(p.lat) || p.lat < -90 || p.lat > 90)
    fail(field, index, shown, "latitude must be finite and within [-90, 90]");
  if (!std::isfinite(p.lon) || p.lon < -180 || p.lon > 180)
    fail(field, index, shown, "longitude must be finite and within [-180, 180]");
}

std::string polygon_text(const std::vector<CapPoint>& poly) {
  std::string s;
  for (const auto& p : poly) {
    if (!s.empty()) s += ' ';
    s += format_number(p.lat);
    s += ',';
    s += format_number(p.lon);
  }
  return s;
}

std::string circle_text(const CapCircle& c) {
  return format_number(c.center.lat) + "," + format_number(c.center.lon) + " " + format_number(c.radius_km);
}

// field e.g. "infos[0].areas[1].polygons", index the polygon's position.
void check_polygon(const std::string& field, std::int64_t index, const std::vector<CapPoint>& poly) {
  const std::string point_field = fmt::format("{}[{}]", field, index);
  for (std::size_t k = 0; k < poly.size(); ++k) check_point(point_field, static_cast<std::int64_t>(k), poly[k]);
  if (poly.size() < 4)
    fail(field, index, show(polygon_text(poly)),
         fmt::format("a polygon needs at least 4 points (the first repeated as the last), got {}", poly.size()));
  if (poly.front() != poly.back())
    fail(field, index, show(polygon_text(poly)), "a polygon must be closed: the last point must equal the first");
}

void check_circle(const std::string& field, std::int64_t index, const CapCircle& c) {
  check_point(field, index, c.center);
  if (!std::isfinite(c.radius_km) || c.radius_km < 0)
    fail(field, index, show(circle_text(c)), "radius must be finite and >= 0 (kilometres)");
}

// field e.g. "infos[0].parameters", index the pair's position.
void check_pair(const std::string& field, std::int64_t index, const CapValue& v) {
  check_required_text(fmt::format("{}[{}].value_name", field, index), no_index, v.value_name);
  check_text(fmt::format("{}[{}].value", field, index), no_index, v.value);
}

void validate_area(const CapArea& area, const std::string& prefix) {
  check_required_text(prefix + ".area_desc", no_index, area.area_desc);
  for (std::size_t k = 0; k < area.polygons.size(); ++k)
    check_polygon(prefix + ".polygons", static_cast<std::int64_t>(k), area.polygons[k]);
  for (std::size_t k = 0; k < area.circles.size(); ++k)
    check_circle(prefix + ".circles", static_cast<std::int64_t>(k), area.circles[k]);
  for (std::size_t k = 0; k < area.geocodes.size(); ++k)
    check_pair(prefix + ".geocodes", static_cast<std::int64_t>(k), area.geocodes[k]);
}

void validate_info(const CapInfo& info, std::size_t i, int offset_minutes) {
  const std::string p = fmt::format("infos[{}]", i);
  check_language(p + ".language", info.language);
  if (info.categories.empty()) fail(p + ".categories", no_index, "[]", "at least one category is required");
  for (std::size_t k = 0; k < info.categories.size(); ++k)
    check_code(p + ".categories", static_cast<std::int64_t>(k), info.categories[k], categories);
  check_required_text(p + ".event", no_index, info.event);
  for (std::size_t k = 0; k < info.response_types.size(); ++k)
    check_code(p + ".response_types", static_cast<std::int64_t>(k), info.response_types[k], response_types);
  check_code(p + ".urgency", no_index, info.urgency, urgencies);
  check_code(p + ".severity", no_index, info.severity, severities);
  check_code(p + ".certainty", no_index, info.certainty, certainties);
  if (info.effective) check_time(p + ".effective", *info.effective, offset_minutes);
  if (info.expires) check_time(p + ".expires", *info.expires, offset_minutes);
  check_text(p + ".sender_name", no_index, info.sender_name);
  check_text(p + ".headline", no_index, info.headline);
  check_text(p + ".description", no_index, info.description);
  check_text(p + ".instruction", no_index, info.instruction);
  for (std::size_t k = 0; k < info.parameters.size(); ++k)
    check_pair(p + ".parameters", static_cast<std::int64_t>(k), info.parameters[k]);
  for (std::size_t k = 0; k < info.areas.size(); ++k)
    validate_area(info.areas[k], fmt::format("{}.areas[{}]", p, k));
}

// Everything outside the infos.
void validate_header(const CapAlert& a) {
  check_offset(a.offset_minutes);
  check_token("identifier", a.identifier);
  check_token("sender", a.sender);
  check_time("sent", a.sent, a.offset_minutes);
  check_code("status", no_index, a.status, statuses);
  check_code("msg_type", no_index, a.msg_type, msg_types);
  check_code("scope", no_index, a.scope, scopes);
  check_text("restriction", no_index, a.restriction);
  if (a.scope == "Restricted" && a.restriction.empty())
    fail("restriction", no_index, show(a.restriction), "is required when scope is 'Restricted'");
  check_text("addresses", no_index, a.addresses);
  if (a.scope == "Private" && a.addresses.empty())
    fail("addresses", no_index, show(a.addresses), "is required when scope is 'Private'");
  check_text("note", no_index, a.note);
  if ((a.msg_type == "Update" || a.msg_type == "Cancel") && a.references.empty())
    fail("references", no_index, "[]",
         fmt::format("msg_type '{}' must reference the earlier alert(s) it replaces", a.msg_type));
  for (std::size_t k = 0; k < a.references.size(); ++k)
    check_reference(static_cast<std::int64_t>(k), a.references[k]);
}

// ---- writer ----------------------------------------------------------------------

void put_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      // A literal CR would be read back as LF (XML end-of-line handling).
      case '\r': out += "&#13;"; break;
      default: out += c;
    }
  }
}

void put_element(std::string& out, int depth, std::string_view name, std::string_view text) {
  out.append(static_cast<std::size_t>(depth) * 2, ' ');
  out += '<';
  out += name;
  out += '>';
  put_escaped(out, text);
  out += "</";
  out += name;
  out += ">\n";
}

void put_optional(std::string& out, int depth, std::string_view name, const std::string& text) {
  if (!text.empty()) put_element(out, depth, name, text);
}

void put_pair(std::string& out, int depth, std::string_view name, const CapValue& v) {
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  out += indent + "<" + std::string(name) + ">\n";
  put_element(out, depth + 1, "valueName", v.value_name);
  put_element(out, depth + 1, "value", v.value);
  out += indent + "</" + std::string(name) + ">\n";
}

// ---- reader ----------------------------------------------------------------------

enum class Kind { alert, info, area, pair, leaf };

// Elements crisiskit models as text; each has a bit in its parent's `seen` mask.
enum class Leaf : unsigned {
  identifier, sender, sent, status, msg_type, scope, restriction, addresses, note, references,
  language, category, event, response_type, urgency, severity, certainty, effective, expires,
  sender_name, headline, description, instruction,
  area_desc, polygon, circle,
  value_name, value,
};

struct LeafSpec {
  Kind parent;
  std::string_view name;
  Leaf leaf;
  bool repeatable;
};

constexpr LeafSpec leaf_specs[] = {
    {Kind::alert, "identifier", Leaf::identifier, false},
    {Kind::alert, "sender", Leaf::sender, false},
    {Kind::alert, "sent", Leaf::sent, false},
    {Kind::alert, "status", Leaf::status, false},
    {Kind::alert, "msgType", Leaf::msg_type, false},
    {Kind::alert, "scope", Leaf::scope, false},
    {Kind::alert, "restriction", Leaf::restriction, false},
    {Kind::alert, "addresses", Leaf::addresses, false},
    {Kind::alert, "note", Leaf::note, false},
    {Kind::alert, "references", Leaf::references, false},
    {Kind::info, "language", Leaf::language, false},
    {Kind::info, "category", Leaf::category, true},
    {Kind::info, "event", Leaf::event, false},
    {Kind::info, "responseType", Leaf::response_type, true},
    {Kind::info, "urgency", Leaf::urgency, false},
    {Kind::info, "severity", Leaf::severity, false},
    {Kind::info, "certainty", Leaf::certainty, false},
    {Kind::info, "effective", Leaf::effective, false},
    {Kind::info, "expires", Leaf::expires, false},
    {Kind::info, "senderName", Leaf::sender_name, false},
    {Kind::info, "headline", Leaf::headline, false},
    {Kind::info, "description", Leaf::description, false},
    {Kind::info, "instruction", Leaf::instruction, false},
    {Kind::area, "areaDesc", Leaf::area_desc, false},
    {Kind::area, "polygon", Leaf::polygon, true},
    {Kind::area, "circle", Leaf::circle, true},
    {Kind::pair, "valueName", Leaf::value_name, false},
    {Kind::pair, "value", Leaf::value, false},
};

constexpr std::uint32_t bit(Leaf l) { return std::uint32_t{1} << static_cast<unsigned>(l); }

struct Frame {
  Kind kind;
  std::string name;             // local name, for paths
  std::int64_t index;           // position among its repeated siblings, or no_index
  unsigned long line;           // where the start tag is
  Leaf leaf = Leaf::identifier;  // for Kind::leaf
  bool geocode = false;         // for Kind::pair: geocode (area) or parameter (info)
  std::uint32_t seen = 0;       // leaves met so far, for containers
};

struct ParserDeleter {
  void operator()(XML_Parser p) const noexcept { XML_ParserFree(p); }
};
using ParserPtr = std::unique_ptr<std::remove_pointer_t<XML_Parser>, ParserDeleter>;

class Reader {
 public:
  explicit Reader(XML_Parser p) : parser_(p) {}

  CapAlert& alert() { return alert_; }
  bool done() const { return done_; }
  const std::exception_ptr& error() const { return error_; }
  /// Element path of the innermost open element, for syntax errors.
  std::string path() const {
    std::string s;
    for (const auto& f : stack_) {
      if (!s.empty()) s += '/';
      s += f.name;
      if (f.index != no_index) s += fmt::format("[{}]", f.index);
    }
    return s.empty() ? "document" : s;
  }

  // Expat callbacks: C frames must not be unwound, so every exception is
  // parked in `error_` and the parser stopped; later callbacks are ignored.
  static void XMLCALL on_start(void* ud, const XML_Char* name, const XML_Char** /*atts*/) {
    auto* r = static_cast<Reader*>(ud);
    if (r->error_) return;
    try {
      r->start(name);
    } catch (...) {
      r->stop(std::current_exception());
    }
  }
  static void XMLCALL on_end(void* ud, const XML_Char* /*name*/) {
    auto* r = static_cast<Reader*>(ud);
    if (r->error_) return;
    try {
      r->end();
    } catch (...) {
      r->stop(std::current_exception());
    }
  }
  static void XMLCALL on_text(void* ud, const XML_Char* s, int len) {
    auto* r = static_cast<Reader*>(ud);
    if (r->error_ || r->skip_ > 0 || r->stack_.empty() || r->stack_.back().kind != Kind::leaf) return;
    try {
      r->text_.append(s, static_cast<std::size_t>(len));
    } catch (...) {
      r->stop(std::current_exception());
    }
  }
  static void XMLCALL on_doctype(void* ud, const XML_Char* name, const XML_Char*, const XML_Char*, int) {
    auto* r = static_cast<Reader*>(ud);
    if (r->error_) return;
    try {
      r->fail_here("document", show(name ? name : ""),
                   "a DOCTYPE is not allowed: CAP needs none, and refusing it keeps entity expansion out");
    } catch (...) {
      r->stop(std::current_exception());
    }
  }
  static void XMLCALL on_entity_decl(void* ud, const XML_Char* name, int, const XML_Char*, int, const XML_Char*,
                                     const XML_Char*, const XML_Char*, const XML_Char*) {
    auto* r = static_cast<Reader*>(ud);
    if (r->error_) return;
    try {
      r->fail_here("document", show(name ? name : ""), "entity declarations are not allowed");
    } catch (...) {
      r->stop(std::current_exception());
    }
  }
  static int XMLCALL on_external_entity(XML_Parser, const XML_Char*, const XML_Char*, const XML_Char*,
                                        const XML_Char*) {
    return XML_STATUS_ERROR;  // never load anything from outside the document
  }

 private:
  void stop(std::exception_ptr e) {
    error_ = std::move(e);
    XML_StopParser(parser_, XML_FALSE);
  }

  unsigned long line() const { return static_cast<unsigned long>(XML_GetCurrentLineNumber(parser_)); }

  [[noreturn]] void fail_here(const std::string& field, std::string shown, const std::string& problem) const {
    fail(field, no_index, std::move(shown), fmt::format("{} (line {})", problem, line()));
  }

  // Run a check; a failure gets the line and element path of `f` appended.
  template <class F>
  void located(const Frame& f, F&& check) const {
    try {
      check();
    } catch (const InvalidInput& e) {
      throw InvalidInput(e.field(), e.index(), e.value(),
                         fmt::format("{} (line {}, element {})", problem_of(e), f.line, path()));
    }
  }

  CapInfo& info() { return alert_.infos.back(); }
  CapArea& area() { return info().areas.back(); }
  std::size_t info_i() const { return alert_.infos.size() - 1; }
  std::size_t area_i() { return info().areas.size() - 1; }
  std::string info_field() const { return fmt::format("infos[{}]", info_i()); }
  std::string area_field() { return fmt::format("infos[{}].areas[{}]", info_i(), area_i()); }

  void start(std::string_view qname) {
    if (skip_ > 0) {
      ++skip_;
      return;
    }
    const std::size_t sep = qname.rfind(' ');
    const std::string_view ns = sep == std::string_view::npos ? std::string_view() : qname.substr(0, sep);
    const std::string_view name = sep == std::string_view::npos ? qname : qname.substr(sep + 1);
    const std::string shown_name =
        ns.empty() || ns == cap_namespace ? show(name) : show(fmt::format("{{{}}}{}", ns, name));

    if (stack_.empty()) {
      if (done_) fail_here("document", shown_name, "only one root element is allowed");
      if (ns != cap_namespace || name != "alert")
        fail_here("document", shown_name,
                  fmt::format("the root element must be 'alert' in namespace '{}'", cap_namespace));
      stack_.push_back(Frame{Kind::alert, "alert", no_index, line()});
      return;
    }
    Frame& parent = stack_.back();
    if (parent.kind == Kind::leaf)
      fail_here(path(), shown_name, "this CAP element holds text only, not child elements");
    // Signature (xmldsig) and any extension from another namespace is not ours to read.
    if (ns != cap_namespace) {
      skip_ = 1;
      return;
    }
    for (const auto& spec : leaf_specs) {
      if (spec.parent != parent.kind || spec.name != name) continue;
      if (!spec.repeatable && (parent.seen & bit(spec.leaf)))
        fail_here(path() + "/" + std::string(name), shown_name, "appears more than once; CAP allows one");
      parent.seen |= bit(spec.leaf);
      std::int64_t index = no_index;
      if (spec.leaf == Leaf::category) index = static_cast<std::int64_t>(info().categories.size());
      if (spec.leaf == Leaf::response_type) index = static_cast<std::int64_t>(info().response_types.size());
      if (spec.leaf == Leaf::polygon) index = static_cast<std::int64_t>(area().polygons.size());
      if (spec.leaf == Leaf::circle) index = static_cast<std::int64_t>(area().circles.size());
      Frame f{Kind::leaf, std::string(name), index, line()};
      f.leaf = spec.leaf;
      stack_.push_back(std::move(f));
      text_.clear();
      return;
    }
    if (parent.kind == Kind::alert && name == "info") {
      alert_.infos.emplace_back();
      stack_.push_back(Frame{Kind::info, "info", static_cast<std::int64_t>(info_i()), line()});
    } else if (parent.kind == Kind::info && name == "area") {
      info().areas.emplace_back();
      stack_.push_back(Frame{Kind::area, "area", static_cast<std::int64_t>(area_i()), line()});
    } else if (parent.kind == Kind::info && name == "parameter") {
      info().parameters.emplace_back();
      stack_.push_back(
          Frame{Kind::pair, "parameter", static_cast<std::int64_t>(info().parameters.size() - 1), line()});
    } else if (parent.kind == Kind::area && name == "geocode") {
      area().geocodes.emplace_back();
      Frame f{Kind::pair, "geocode", static_cast<std::int64_t>(area().geocodes.size() - 1), line()};
      f.geocode = true;
      stack_.push_back(std::move(f));
    } else {
      skip_ = 1;  // a CAP element crisiskit does not model (resource, eventCode, onset, …)
    }
  }

  void require(const Frame& f, Leaf leaf, std::string_view name) const {
    if (!(f.seen & bit(leaf)))
      fail(path(), no_index, show(fmt::format("<{}>", f.name)),
           fmt::format("the required element <{}> is missing (line {})", name, f.line));
  }

  void end() {
    if (skip_ > 0) {
      --skip_;
      return;
    }
    const Frame& f = stack_.back();
    switch (f.kind) {
      case Kind::leaf:
        end_leaf(f);
        text_.clear();
        break;
      case Kind::pair: {
        require(f, Leaf::value_name, "valueName");
        require(f, Leaf::value, "value");
        const std::string field = f.geocode ? area_field() + ".geocodes" : info_field() + ".parameters";
        const CapValue& v = f.geocode ? area().geocodes.back() : info().parameters.back();
        located(f, [&] { check_pair(field, f.index, v); });
        break;
      }
      case Kind::area:
        require(f, Leaf::area_desc, "areaDesc");
        located(f, [&] { validate_area(area(), area_field()); });
        break;
      case Kind::info:
        require(f, Leaf::category, "category");
        require(f, Leaf::event, "event");
        require(f, Leaf::urgency, "urgency");
        require(f, Leaf::severity, "severity");
        require(f, Leaf::certainty, "certainty");
        info_lines_.push_back(f.line);
        break;
      case Kind::alert:
        for (auto [leaf, name] : {std::pair{Leaf::identifier, "identifier"}, std::pair{Leaf::sender, "sender"},
                                  std::pair{Leaf::sent, "sent"}, std::pair{Leaf::status, "status"},
                                  std::pair{Leaf::msg_type, "msgType"}, std::pair{Leaf::scope, "scope"}})
          require(f, leaf, name);
        // The whole message once the offset (from <sent>) is known: this is
        // validate_cap, piece by piece so that each error carries a line.
        located(f, [&] { validate_header(alert_); });
        for (std::size_t i = 0; i < alert_.infos.size(); ++i) {
          Frame at = f;
          at.line = info_lines_[i];
          located(at, [&] { validate_info(alert_.infos[i], i, alert_.offset_minutes); });
        }
        done_ = true;
        break;
    }
    stack_.pop_back();
  }

  Timestamp parse_when(const Frame& f, const std::string& field, int* offset) {
    const std::string v(trim(text_));
    try {
      const ParsedTime t = parse_time_with_offset(v, field.c_str());
      if (offset) *offset = t.offset_minutes;
      return t.time;
    } catch (const InvalidInput& e) {
      throw InvalidInput(field, no_index, show(v),
                         fmt::format("{} (line {}, element {})", problem_of(e), f.line, path()));
    }
  }

  void end_leaf(const Frame& f) {
    const std::string_view t = text_;
    const std::string trimmed(trim(t));
    switch (f.leaf) {
      case Leaf::identifier:
        alert_.identifier = trimmed;
        located(f, [&] { check_token("identifier", alert_.identifier); });
        break;
      case Leaf::sender:
        alert_.sender = trimmed;
        located(f, [&] { check_token("sender", alert_.sender); });
        break;
      case Leaf::sent:
        alert_.sent = parse_when(f, "sent", &alert_.offset_minutes);
        break;
      case Leaf::status:
        alert_.status = trimmed;
        located(f, [&] { check_code("status", no_index, alert_.status, statuses); });
        break;
      case Leaf::msg_type:
        alert_.msg_type = trimmed;
        located(f, [&] { check_code("msg_type", no_index, alert_.msg_type, msg_types); });
        break;
      case Leaf::scope:
        alert_.scope = trimmed;
        located(f, [&] { check_code("scope", no_index, alert_.scope, scopes); });
        break;
      case Leaf::restriction: alert_.restriction = text_; break;
      case Leaf::addresses: alert_.addresses = text_; break;
      case Leaf::note: alert_.note = text_; break;
      case Leaf::references:
        for (const auto& r : split_space(t)) {
          alert_.references.emplace_back(r);
          const auto k = static_cast<std::int64_t>(alert_.references.size() - 1);
          located(f, [&] { check_reference(k, alert_.references.back()); });
        }
        break;
      case Leaf::language:
        info().language = trimmed;
        located(f, [&] { check_language(info_field() + ".language", info().language); });
        break;
      case Leaf::category:
        info().categories.push_back(trimmed);
        located(f, [&] { check_code(info_field() + ".categories", f.index, trimmed, categories); });
        break;
      case Leaf::event: info().event = text_; break;
      case Leaf::response_type:
        info().response_types.push_back(trimmed);
        located(f, [&] { check_code(info_field() + ".response_types", f.index, trimmed, response_types); });
        break;
      case Leaf::urgency:
        info().urgency = trimmed;
        located(f, [&] { check_code(info_field() + ".urgency", no_index, trimmed, urgencies); });
        break;
      case Leaf::severity:
        info().severity = trimmed;
        located(f, [&] { check_code(info_field() + ".severity", no_index, trimmed, severities); });
        break;
      case Leaf::certainty:
        info().certainty = trimmed;
        located(f, [&] { check_code(info_field() + ".certainty", no_index, trimmed, certainties); });
        break;
      case Leaf::effective: info().effective = parse_when(f, info_field() + ".effective", nullptr); break;
      case Leaf::expires: info().expires = parse_when(f, info_field() + ".expires", nullptr); break;
      case Leaf::sender_name: info().sender_name = text_; break;
      case Leaf::headline: info().headline = text_; break;
      case Leaf::description: info().description = text_; break;
      case Leaf::instruction: info().instruction = text_; break;
      case Leaf::area_desc: area().area_desc = text_; break;
      case Leaf::polygon: {
        const std::string field = area_field() + ".polygons";
        std::vector<CapPoint> poly;
        located(f, [&] {
          for (const auto& tok : split_space(t)) poly.push_back(parse_point(field, f.index, tok));
          check_polygon(field, f.index, poly);
        });
        area().polygons.push_back(std::move(poly));
        break;
      }
      case Leaf::circle: {
        const std::string field = area_field() + ".circles";
        CapCircle c;
        located(f, [&] {
          const auto parts = split_space(t);
          if (parts.size() != 2) fail(field, f.index, show(t), "expected 'lat,lon radius'");
          c.center = parse_point(field, f.index, parts[0]);
          if (!parse_number(parts[1], c.radius_km))
            fail(field, f.index, show(t), fmt::format("radius {} is not a number", show(parts[1])));
          check_circle(field, f.index, c);
        });
        area().circles.push_back(c);
        break;
      }
      case Leaf::value_name:
      case Leaf::value: {
        const Frame& parent = stack_[stack_.size() - 2];
        CapValue& v = parent.geocode ? area().geocodes.back() : info().parameters.back();
        (f.leaf == Leaf::value_name ? v.value_name : v.value) = text_;
        break;
      }
    }
  }

  static CapPoint parse_point(const std::string& field, std::int64_t index, std::string_view tok) {
    const std::size_t comma = tok.find(',');
    CapPoint p;
    if (comma == std::string_view::npos || tok.find(',', comma + 1) != std::string_view::npos ||
        !parse_number(tok.substr(0, comma), p.lat) || !parse_number(tok.substr(comma + 1), p.lon))
      fail(field, index, show(tok), "expected a point 'lat,lon' (decimal degrees; points separated by spaces)");
    return p;
  }

  XML_Parser parser_;
  CapAlert alert_;
  std::vector<Frame> stack_;
  std::vector<unsigned long> info_lines_;
  std::string text_;
  std::size_t skip_ = 0;  // depth inside an element we skip
  bool done_ = false;
  std::exception_ptr error_;
};

}  // namespace

std::string cap_reference(const CapAlert& a) {
  check_offset(a.offset_minutes);
  check_token("identifier", a.identifier);
  check_token("sender", a.sender);
  check_time("sent", a.sent, a.offset_minutes);
  return fmt::format("{},{},{}", a.sender, a.identifier, format_time(a.sent, a.offset_minutes));
}

void validate_cap(const CapAlert& a) {
  validate_header(a);
  for (std::size_t i = 0; i < a.infos.size(); ++i) validate_info(a.infos[i], i, a.offset_minutes);
}

std::string to_cap(const CapAlert& a) {
  validate_cap(a);
  const int off = a.offset_minutes;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<alert xmlns=\"{}\">\n", cap_namespace);
  // Order is the xs:sequence of the CAP 1.2 schema.
  put_element(out, 1, "identifier", a.identifier);
  put_element(out, 1, "sender", a.sender);
  put_element(out, 1, "sent", format_time(a.sent, off));
  put_element(out, 1, "status", a.status);
  put_element(out, 1, "msgType", a.msg_type);
  put_element(out, 1, "scope", a.scope);
  put_optional(out, 1, "restriction", a.restriction);
  put_optional(out, 1, "addresses", a.addresses);
  put_optional(out, 1, "note", a.note);
  if (!a.references.empty()) {
    std::string refs;
    for (const auto& r : a.references) refs += (refs.empty() ? "" : " ") + r;
    put_element(out, 1, "references", refs);
  }
  for (const auto& info : a.infos) {
    out += "  <info>\n";
    put_element(out, 2, "language", info.language);
    for (const auto& c : info.categories) put_element(out, 2, "category", c);
    put_element(out, 2, "event", info.event);
    for (const auto& r : info.response_types) put_element(out, 2, "responseType", r);
    put_element(out, 2, "urgency", info.urgency);
    put_element(out, 2, "severity", info.severity);
    put_element(out, 2, "certainty", info.certainty);
    if (info.effective) put_element(out, 2, "effective", format_time(*info.effective, off));
    if (info.expires) put_element(out, 2, "expires", format_time(*info.expires, off));
    put_optional(out, 2, "senderName", info.sender_name);
    put_optional(out, 2, "headline", info.headline);
    put_optional(out, 2, "description", info.description);
    put_optional(out, 2, "instruction", info.instruction);
    for (const auto& p : info.parameters) put_pair(out, 2, "parameter", p);
    for (const auto& area : info.areas) {
      out += "    <area>\n";
      put_element(out, 3, "areaDesc", area.area_desc);
      for (const auto& poly : area.polygons) put_element(out, 3, "polygon", polygon_text(poly));
      for (const auto& c : area.circles) put_element(out, 3, "circle", circle_text(c));
      for (const auto& g : area.geocodes) put_pair(out, 3, "geocode", g);
      out += "    </area>\n";
    }
    out += "  </info>\n";
  }
  out += "</alert>\n";
  return out;
}

CapAlert from_cap(std::string_view xml) {
  if (xml.size() > max_input_bytes)
    fail("document", no_index, fmt::format("{} bytes", xml.size()),
         fmt::format("a CAP document may be at most {} bytes (16 MiB)", max_input_bytes));
  ParserPtr parser(XML_ParserCreateNS(nullptr, ' '));
  if (!parser) throw std::bad_alloc();
  XML_Parser p = parser.get();
  Reader reader(p);
  XML_SetUserData(p, &reader);
  XML_SetElementHandler(p, &Reader::on_start, &Reader::on_end);
  XML_SetCharacterDataHandler(p, &Reader::on_text);
  XML_SetStartDoctypeDeclHandler(p, &Reader::on_doctype);
  XML_SetEntityDeclHandler(p, &Reader::on_entity_decl);
  XML_SetExternalEntityRefHandler(p, &Reader::on_external_entity);
  XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);

  const XML_Status status = XML_Parse(p, xml.data(), static_cast<int>(xml.size()), XML_TRUE);
  if (reader.error()) std::rethrow_exception(reader.error());
  if (status != XML_STATUS_OK) {
    const XML_Error code = XML_GetErrorCode(p);
    const auto line = static_cast<unsigned long>(XML_GetCurrentLineNumber(p));
    const auto column = static_cast<unsigned long>(XML_GetCurrentColumnNumber(p));
    const XML_Index at = XML_GetCurrentByteIndex(p);
    std::string_view near;
    if (at >= 0 && static_cast<std::size_t>(at) <= xml.size())
      near = xml.substr(static_cast<std::size_t>(at), 40);
    const char* what = XML_ErrorString(code);
    fail(reader.path(), no_index, show(near),
         fmt::format("malformed XML: {} (line {}, column {})", what ? what : "unknown error", line, column));
  }
  if (!reader.done()) fail("document", no_index, "''", "no complete <alert> element");
  return std::move(reader.alert());
}

}  // namespace crisiskit
