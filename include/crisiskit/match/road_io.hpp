#pragma once
/// \file
/// Road-network importers, part 1: the plain table every importer fills
/// (`RoadTable`) and the text formats of the shortest-path benchmarks.
///
/// - `parse_dimacs`: the 9th DIMACS Implementation Challenge `.gr` file
///   (`p sp n m`, then `a u v w` arcs, 1-based, each arc one-way) and,
///   optionally, its `.co` coordinate file (`p aux sp co n`, then `v id x y`
///   with x = longitude and y = latitude in millionths of a degree).
/// - `parse_pace`: the PACE 2016 conversion of the same graphs (`p tw n m`,
///   then `u v` undirected edges, 1-based, no weights). Travel times are not
///   in the file: they are drawn from a seeded distribution (`PaceOptions`),
///   so any figure measured on such a network must say so.
///
/// Parsers take the text (the caller decompresses) and never crash on bad
/// input: a malformed line throws `InvalidInput` with field "line" (or
/// "coordinates.line" for the `.co` file), the 1-based line number as the
/// row and the line itself as the value; a node id out of range is named in
/// the message. Blank lines and `c` comment lines are skipped anywhere, and a
/// trailing `\r` (Windows line ends) is ignored.
///
/// OpenStreetMap files are read by `read_osm` in `crisiskit/match/osm.hpp`
/// (needs libosmium); its tag rules are in `crisiskit/match/osm_tags.hpp`.
///
/// Thread-safety: pure functions.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/match/road_network.hpp"

namespace crisiskit::match {

/// A road network as columns, before it becomes a `RoadNetwork`. Every
/// per-edge vector has `num_edges()` entries; optional ones may be empty.
struct RoadTable {
  std::int64_t num_nodes = 0;
  // Per edge.
  std::vector<std::int64_t> from, to;  ///< node indices 0..num_nodes−1
  std::vector<double> length_m;        ///< metres; NaN where the source gives none
  std::vector<double> time_s;          ///< base travel time, seconds (finite, ≥ 0)
  std::vector<double> speed_kmh;       ///< km/h; NaN where the source gives none
  std::vector<std::uint8_t> oneway;    ///< 1 = only from → to, 0 = both directions
  // Per node.
  std::vector<double> lon, lat;         ///< degrees (WGS 84), or both empty
  std::vector<std::int64_t> node_id;   ///< the source's node ids, in node order
  // Per edge, where the source has them (OSM); else empty.
  std::vector<std::int64_t> way_id;
  std::vector<std::string> highway, name;
  /// OSM: way segments left out because a node had no location in the file
  /// (clipped extracts). 0 for the other formats.
  std::int64_t dropped_segments = 0;

  std::size_t num_edges() const noexcept { return from.size(); }

  /// The routable graph (time_s, oneway, lon/lat). \throws InvalidInput as
  /// `RoadNetwork`'s constructor does.
  RoadNetwork to_network() const { return RoadNetwork(num_nodes, from, to, time_s, oneway, lon, lat); }
};

/// How to read the weight `w` of a DIMACS arc.
struct DimacsOptions {
  /// `time_s = w × seconds_per_unit` (the default reads w as seconds). The
  /// challenge's own files use other units; check the source.
  double seconds_per_unit = 1.0;
  /// When > 0, w is a length instead: `length_m = w × metres_per_unit` and
  /// `time_s = length_m / (speed_kmh / 3.6)` (`seconds_per_unit` unused).
  double metres_per_unit = 0.0;
  double speed_kmh = 0.0;  ///< needed (> 0) with metres_per_unit
};

/// Travel times for a PACE `p tw` graph, which has none: each edge, in file
/// order, gets `length_m = min_length_m + (max_length_m − min_length_m) · u`
/// with u uniform in [0, 1) from `std::mt19937_64(seed)` as `(x >> 11) · 2⁻⁵³`
/// (the same numbers on every platform), and `time_s = length_m / (speed_kmh / 3.6)`.
/// The defaults (50–500 m at 30 km/h) are city-block-like, not measured.
struct PaceOptions {
  std::uint64_t seed = 0;
  double min_length_m = 50.0;
  double max_length_m = 500.0;
  double speed_kmh = 30.0;
};

namespace detail {

// Lines of a text with 1-based numbers; a trailing '\r' is dropped.
class TextLines {
 public:
  explicit TextLines(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    std::size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    line = text_.substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = end + 1;
    ++number_;
    return true;
  }
  std::int64_t number() const noexcept { return number_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::int64_t number_ = 0;
};

// Up to 6 whitespace-separated tokens; `count` is the real number (may exceed 6).
struct Tokens {
  std::string_view t[6];
  std::size_t count = 0;
};

inline Tokens split_tokens(std::string_view line) {
  Tokens out;
  std::size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; };
  while (i < line.size()) {
    while (i < line.size() && space(line[i])) ++i;
    if (i == line.size()) break;
    const std::size_t b = i;
    while (i < line.size() && !space(line[i])) ++i;
    if (out.count < 6) out.t[out.count] = line.substr(b, i - b);
    ++out.count;
  }
  return out;
}

inline bool parse_integer(std::string_view s, std::int64_t& v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

inline bool parse_real(std::string_view s, double& v) {
  if (s.empty() || s.size() > 64) return false;
#if defined(__cpp_lib_to_chars)
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(v);
#else
  char buf[65];
  std::copy(s.begin(), s.end(), buf);
  buf[s.size()] = '\0';
  char* end = nullptr;
  v = std::strtod(buf, &end);
  return end == buf + s.size() && std::isfinite(v);
#endif
}

// Reads one `c`/`p`/record text: calls on_problem(tokens) for the one `p`
// line and on_record(tokens) for every other non-comment line, and reports
// errors through `fail(problem)` with the current line.
class LineReader {
 public:
  LineReader(std::string_view text, const char* field) : lines_(text), field_(field) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw InvalidInput(field_, lines_.number(), crisiskit::detail::render(line_), problem);
  }

  template <class OnProblem, class OnRecord>
  void run(OnProblem&& on_problem, OnRecord&& on_record) {
    bool seen_problem = false;
    while (lines_.next(line_)) {
      const Tokens tk = split_tokens(line_);
      if (tk.count == 0 || tk.t[0] == "c") continue;
      if (tk.t[0] == "p") {
        if (seen_problem) fail("a second problem line");
        seen_problem = true;
        problem_line_ = lines_.number();
        problem_text_ = std::string(line_);
        on_problem(tk);
        continue;
      }
      if (!seen_problem) fail("comes before the problem line `p ...`");
      on_record(tk);
    }
    if (!seen_problem)
      throw InvalidInput(field_, InvalidInput::no_index, "''", "the text has no problem line `p ...`");
  }

  // A 1-based node id in 1..n, as a 0-based index.
  std::int64_t node(std::string_view s, std::int64_t n) const {
    std::int64_t v = 0;
    if (!parse_integer(s, v)) fail("node id '" + std::string(s) + "' is not an integer");
    if (v < 1 || v > n) fail("node id " + std::to_string(v) + " is out of range 1.." + std::to_string(n));
    return v - 1;
  }

  std::int64_t count(std::string_view s, const char* what) const {
    std::int64_t v = 0;
    if (!parse_integer(s, v) || v < 0) fail(std::string(what) + " '" + std::string(s) + "' is not an integer ≥ 0");
    return v;
  }

  // After run(): the declared number of records must match.
  void check_count(std::int64_t declared, std::int64_t seen, const char* what) const {
    if (declared != seen)
      throw InvalidInput(field_, problem_line_, crisiskit::detail::render(problem_text_),
                         "declares " + std::to_string(declared) + " " + what + ", the text has " +
                             std::to_string(seen));
  }

 private:
  TextLines lines_;
  const char* field_;
  std::string_view line_;
  std::int64_t problem_line_ = InvalidInput::no_index;
  std::string problem_text_;
};

constexpr std::int64_t kMaxNodes = (std::int64_t{1} << 31) - 2;

inline void start_table(RoadTable& t, std::int64_t n, std::int64_t m, std::size_t text_size) {
  t.num_nodes = n;
  t.node_id.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) t.node_id[static_cast<std::size_t>(i)] = i + 1;
  // A header may lie: reserve no more than the text could hold.
  const auto reserve = std::min(static_cast<std::size_t>(m), text_size / 4 + 1);
  for (auto* v : {&t.from, &t.to}) v->reserve(reserve);
  for (auto* v : {&t.length_m, &t.time_s, &t.speed_kmh}) v->reserve(reserve);
  t.oneway.reserve(reserve);
}

inline void add_edge(RoadTable& t, std::int64_t u, std::int64_t v, double length_m, double time_s, double speed_kmh,
                     bool oneway) {
  t.from.push_back(u);
  t.to.push_back(v);
  t.length_m.push_back(length_m);
  t.time_s.push_back(time_s);
  t.speed_kmh.push_back(speed_kmh);
  t.oneway.push_back(oneway ? 1 : 0);
}

inline void check_positive(double v, const char* field, bool zero_ok = false) {
  CRISISKIT_CHECK(std::isfinite(v) && (v > 0 || (zero_ok && v == 0)), field, InvalidInput::no_index, v,
                  zero_ok ? "must be a finite number ≥ 0" : "must be a finite number > 0");
}

// Reads a `p <kind> n m` header (DIMACS `p sp`, PACE `p tw`) into n and m.
// A node count far beyond what the text could connect is refused before
// anything is allocated for it (a lying header must not exhaust memory).
inline void problem_header(const LineReader& r, const Tokens& tk, const char* kind, std::int64_t& n,
                           std::int64_t& m, std::size_t text_size) {
  if (tk.count != 4 || tk.t[1] != kind)
    r.fail(std::string("expected the problem line `p ") + kind + " <nodes> <edges>`");
  n = r.count(tk.t[2], "node count");
  m = r.count(tk.t[3], "edge count");
  if (n > kMaxNodes) r.fail("node count " + std::to_string(n) + " exceeds 2^31 − 2");
  const auto most = static_cast<std::int64_t>(std::max<std::size_t>(4096, 16 * text_size));
  if (n > most)
    r.fail("node count " + std::to_string(n) + " is more than max(4096, 16 × the text's " + std::to_string(text_size) +
           " bytes)");
}

// The `p <kind> n m` + one-record-a-line skeleton shared by DIMACS `.gr` and
// PACE: on_record(reader, tokens, n, table) adds an edge per record line.
template <class OnRecord>
RoadTable read_edge_list(std::string_view text, const char* kind, const char* records, OnRecord&& on_record) {
  RoadTable t;
  std::int64_t n = 0, m = 0;
  LineReader r(text, "line");
  r.run([&](const Tokens& tk) {
        problem_header(r, tk, kind, n, m, text.size());
        start_table(t, n, m, text.size());
      },
      [&](const Tokens& tk) { on_record(r, tk, n, t); });
  r.check_count(m, static_cast<std::int64_t>(t.num_edges()), records);
  return t;
}

}  // namespace detail

/// Parses a DIMACS shortest-path graph (`.gr`) and, when `coordinates` is
/// given, its `.co` file. Nodes keep their order (node i has id i + 1).
/// Every arc is a one-way edge; parallel arcs and self-loops are kept.
/// Without coordinates `lon`/`lat` stay empty; `length_m`/`speed_kmh` are NaN
/// unless `options.metres_per_unit` is set.
///
/// \throws InvalidInput field "line" (or "coordinates.line"), row = 1-based
/// line number, value = the line: no or a second problem line, a record
/// before it, an unknown line type, a wrong number of fields, a non-integer
/// or out-of-range node id, a negative or non-numeric weight, coordinates out
/// of range or given twice, arc/node counts that differ from the header, a
/// node count above max(4096, 16 × the text's bytes) (a header that cannot be
/// true, refused before allocating for it).
/// A node without coordinates: field "coordinates", row = its id.
/// Options out of range: field named after the option.
inline RoadTable parse_dimacs(std::string_view gr, std::optional<std::string_view> coordinates = std::nullopt,
                              const DimacsOptions& options = {}) {
  const bool by_length = options.metres_per_unit > 0;
  if (by_length) {
    detail::check_positive(options.metres_per_unit, "metres_per_unit");
    detail::check_positive(options.speed_kmh, "speed_kmh");
  } else {
    detail::check_positive(options.seconds_per_unit, "seconds_per_unit", /*zero_ok=*/true);
    CRISISKIT_CHECK(options.metres_per_unit == 0, "metres_per_unit", InvalidInput::no_index,
                    options.metres_per_unit, "must be > 0 (weights are lengths) or 0 (weights are times)");
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  RoadTable t = detail::read_edge_list(
      gr, "sp", "arcs", [&](const detail::LineReader& r, const detail::Tokens& tk, std::int64_t n, RoadTable& out) {
        if (tk.t[0] != "a") r.fail("expected an arc `a <from> <to> <weight>` (or `c`, `p`)");
        if (tk.count != 4) r.fail("an arc has 4 fields: a <from> <to> <weight>");
        const std::int64_t u = r.node(tk.t[1], n), v = r.node(tk.t[2], n);
        double w = 0;
        if (!detail::parse_real(tk.t[3], w) || w < 0)
          r.fail("weight '" + std::string(tk.t[3]) + "' is not a finite number ≥ 0");
        if (by_length) {
          const double len = w * options.metres_per_unit;
          detail::add_edge(out, u, v, len, len / (options.speed_kmh / 3.6), options.speed_kmh, true);
        } else {
          detail::add_edge(out, u, v, nan, w * options.seconds_per_unit, nan, true);
        }
      });
  const std::int64_t n = t.num_nodes;
  if (!coordinates) return t;

  t.lon.assign(static_cast<std::size_t>(n), nan);  // NaN = no `v` line yet
  t.lat.assign(static_cast<std::size_t>(n), nan);
  std::int64_t seen = 0, declared = 0;
  detail::LineReader c(*coordinates, "coordinates.line");
  c.run([&](const detail::Tokens& tk) {
        if (tk.count != 5 || tk.t[1] != "aux" || tk.t[2] != "sp" || tk.t[3] != "co")
          c.fail("expected the problem line `p aux sp co <nodes>`");
        declared = c.count(tk.t[4], "node count");
        if (declared != n) c.fail("declares " + std::to_string(declared) + " nodes, the graph has " + std::to_string(n));
      },
      [&](const detail::Tokens& tk) {
        if (tk.t[0] != "v") c.fail("expected a node `v <id> <x> <y>` (or `c`, `p`)");
        if (tk.count != 4) c.fail("a node has 4 fields: v <id> <x> <y>");
        const auto i = static_cast<std::size_t>(c.node(tk.t[1], n));
        double x = 0, y = 0;
        if (!detail::parse_real(tk.t[2], x) || !detail::parse_real(tk.t[3], y))
          c.fail("x and y must be numbers (millionths of a degree)");
        x /= 1e6;
        y /= 1e6;
        if (!(x >= -180 && x <= 180 && y >= -90 && y <= 90))
          c.fail("longitude must be in [−180, 180] and latitude in [−90, 90] degrees (x, y in millionths)");
        if (!std::isnan(t.lon[i])) c.fail("node " + std::to_string(i + 1) + " has coordinates already");
        t.lon[i] = x;
        t.lat[i] = y;
        ++seen;
      });
  if (seen != n) {
    const auto it = std::find_if(t.lon.begin(), t.lon.end(), [](double x) { return std::isnan(x); });
    const auto id = static_cast<std::int64_t>(it - t.lon.begin()) + 1;
    throw_invalid("coordinates", id, id, "this node has no `v` line in the coordinate file");
  }
  return t;
}

/// Parses a PACE 2016 treewidth graph (`p tw n m`, then `u v` lines) as a
/// road network of two-way edges with seeded travel times (`PaceOptions`).
/// Node i has id i + 1; no coordinates.
///
/// \throws InvalidInput field "line", row = 1-based line number, value = the
/// line (as `parse_dimacs`); options out of range: field named after the option.
inline RoadTable parse_pace(std::string_view text, const PaceOptions& options = {}) {
  detail::check_positive(options.min_length_m, "min_length_m", /*zero_ok=*/true);
  detail::check_positive(options.max_length_m, "max_length_m", /*zero_ok=*/true);
  CRISISKIT_CHECK(options.max_length_m >= options.min_length_m, "max_length_m", InvalidInput::no_index,
                  options.max_length_m, "must be ≥ min_length_m (" + crisiskit::detail::render(options.min_length_m) + ")");
  detail::check_positive(options.speed_kmh, "speed_kmh");
  std::mt19937_64 rng(options.seed);
  const double span = options.max_length_m - options.min_length_m, mps = options.speed_kmh / 3.6;
  return detail::read_edge_list(
      text, "tw", "edges", [&](const detail::LineReader& r, const detail::Tokens& tk, std::int64_t n, RoadTable& out) {
        if (tk.count != 2) r.fail("an edge has 2 fields: <u> <v>");
        const std::int64_t u = r.node(tk.t[0], n), v = r.node(tk.t[1], n);
        const double len = options.min_length_m + span * (static_cast<double>(rng() >> 11) * 0x1.0p-53);
        detail::add_edge(out, u, v, len, len / mps, options.speed_kmh, false);
      });
}

}  // namespace crisiskit::match
