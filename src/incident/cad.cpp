// CAD export import: CSV parsing and the unit-rows → incidents assembly
// documented in include/crisiskit/incident/cad.hpp.
#include "crisiskit/incident/cad.hpp"

#include <algorithm>
#include <initializer_list>
#include <unordered_map>

namespace crisiskit::incident {

namespace {

std::string show(Timestamp t, int offset) { return t == no_time ? std::string() : format_time(t, offset); }

}  // namespace

CadImport assemble_cad(Span<const CadRow> rows, const CadOptions& opt, std::vector<CadProblem> problems,
                       Span<const std::uint8_t> skip) {
  CRISISKIT_CHECK(skip.empty() || skip.size() == rows.size(), "skip", InvalidInput::no_index, skip.size(),
                  fmt::format("must be empty or have {} rows", rows.size()));
  format_offset(opt.offset_minutes);
  CadImport out;
  out.rows = static_cast<std::int64_t>(rows.size());
  const auto field = [&](int k) -> const std::string& { return opt.times[static_cast<std::size_t>(k)]; };

  // Rows: check each on its own, then group the good ones by incident id.
  std::unordered_map<std::string_view, std::size_t> group_of;
  std::vector<std::vector<std::size_t>> groups;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (!skip.empty() && skip[r]) continue;
    const CadRow& row = rows[r];
    const auto ri = static_cast<std::int64_t>(r);
    try {
      IdMap::validate(row.incident, "incident", ri);
    } catch (const InvalidInput&) {
      problems.push_back({ri, opt.incident, row.incident,
                          row.incident.empty() ? "the incident id is empty" : "the incident id is malformed"});
      continue;
    }
    // Names go into the log's id maps: no control characters, ≤ 1024 bytes.
    bool ok = true;
    const std::pair<const std::string*, const std::string*> names[] = {
        {&row.kind, &opt.kind}, {&row.place, &opt.place}, {&row.department, &opt.department}};
    for (const auto& [value, column] : names) {
      if (value->empty() || !ok) continue;
      try {
        IdMap::validate(*value, column->c_str(), ri);
      } catch (const InvalidInput&) {
        problems.push_back({ri, *column, *value, "must be at most 1024 bytes without control characters"});
        ok = false;
      }
    }
    int prev = -1;
    for (int k = 0; k < num_cad_times && ok; ++k) {
      const Timestamp t = row.at[static_cast<std::size_t>(k)];
      if (t == no_time) continue;
      if (t <= -max_abs_time || t >= max_abs_time) {
        problems.push_back({ri, field(k), std::to_string(t), "is out of range"});
        ok = false;
      } else if (prev >= 0 && t < row.at[static_cast<std::size_t>(prev)]) {
        problems.push_back({ri, field(k), show(t, opt.offset_minutes),
                            fmt::format("is before {} {} in the same row", field(prev),
                                        show(row.at[static_cast<std::size_t>(prev)], opt.offset_minutes))});
        ok = false;
      }
      prev = k;
    }
    if (!ok) continue;
    auto [it, fresh] = group_of.emplace(std::string_view(row.incident), groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(r);
  }

  // Incidents: combine their rows, fill gaps, check the combined order.
  struct Built {
    std::size_t group;
    std::array<Timestamp, num_cad_times> at;
  };
  std::vector<Built> built;
  built.reserve(groups.size());
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const auto& g = groups[gi];
    const auto first = static_cast<std::int64_t>(g.front());
    std::array<Timestamp, num_cad_times> at{no_time, no_time, no_time, no_time, no_time};
    bool all_closed = true;
    for (std::size_t r : g) {
      const CadRow& row = rows[r];
      for (int k = 0; k < 4; ++k) {
        const Timestamp t = row.at[static_cast<std::size_t>(k)];
        auto& a = at[static_cast<std::size_t>(k)];
        if (t != no_time && (a == no_time || t < a)) a = t;
      }
      const Timestamp c = row.at[4];
      const bool dispatched = row.at[1] != no_time || row.at[2] != no_time || row.at[3] != no_time;
      if (c == no_time) all_closed = all_closed && !dispatched;
      else at[4] = at[4] == no_time ? c : std::max(at[4], c);
    }
    if (!all_closed) at[4] = no_time;  // a unit is still out: not handled yet
    if (at[0] == no_time) {
      problems.push_back({first, field(0), "", fmt::format("no row of incident '{}' has a received time",
                                                           rows[g.front()].incident)});
      continue;
    }
    // A missing dispatch or en-route time is filled from the next later
    // recorded one; a close without any dispatch is not a handling.
    const auto fill = [&](std::size_t k, std::initializer_list<std::size_t> later) {
      if (at[k] != no_time) return;
      for (std::size_t q : later)
        if (at[q] != no_time) {
          at[k] = at[q];
          ++out.filled;
          return;
        }
    };
    if (at[1] == no_time && at[2] == no_time && at[3] == no_time) at[4] = no_time;
    fill(2, {3, 4});
    fill(1, {2, 3});
    constexpr int path[] = {0, 1, 2, 4};
    int bad = -1;
    Timestamp prev = at[0];
    for (int p = 1; p < 4 && bad < 0; ++p) {
      const Timestamp t = at[static_cast<std::size_t>(path[p])];
      if (t == no_time) continue;
      if (t < prev) bad = path[p];
      prev = t;
    }
    if (bad < 0 && at[3] != no_time && at[3] < at[0]) bad = 3;
    if (bad >= 0) {
      problems.push_back({first, field(bad), show(at[static_cast<std::size_t>(bad)], opt.offset_minutes),
                          fmt::format("incident '{}': combined over its rows, this time is before an earlier stage "
                                      "(received {})",
                                      rows[g.front()].incident, show(at[0], opt.offset_minutes))});
      continue;
    }
    built.push_back({gi, at});
  }
  std::stable_sort(built.begin(), built.end(), [&](const Built& a, const Built& b) {
    return a.at[0] != b.at[0] ? a.at[0] < b.at[0] : groups[a.group].front() < groups[b.group].front();
  });

  const std::size_t n = built.size();
  for (auto* v : {&out.id, &out.kind, &out.place, &out.department}) v->resize(n);
  for (auto& v : out.stage_at) v.assign(n, no_time);
  out.on_site_at.resize(n);
  out.units.resize(n);
  out.first_row.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const auto& g = groups[built[k].group];
    const auto& at = built[k].at;
    out.id[k] = rows[g.front()].incident;
    Timestamp first_dispatch = no_time;
    for (std::size_t r : g) {
      const CadRow& row = rows[r];
      if (out.kind[k].empty()) out.kind[k] = row.kind;
      if (out.place[k].empty()) out.place[k] = row.place;
      // The unit dispatched first: by its dispatch time, else its first later time.
      Timestamp d = no_time;
      for (std::size_t q = 1; q <= 3 && d == no_time; ++q) d = row.at[q];
      if (d != no_time && !row.department.empty() && (first_dispatch == no_time || d < first_dispatch)) {
        first_dispatch = d;
        out.department[k] = row.department;
      }
    }
    if (at[1] != no_time && out.department[k].empty()) out.department[k] = "unknown";
    out.stage_at[0][k] = at[0];
    out.stage_at[1][k] = at[1];
    out.stage_at[2][k] = at[2];
    out.stage_at[3][k] = at[4];
    if (opt.feedback_at_close) out.stage_at[4][k] = at[4];
    out.on_site_at[k] = at[3];
    out.units[k] = 0;
    for (std::size_t r : g) out.units[k] += !rows[r].unit.empty();
    out.first_row[k] = static_cast<std::int64_t>(g.front());
    out.rows_used += static_cast<std::int64_t>(g.size());
  }
  std::stable_sort(problems.begin(), problems.end(), [](const CadProblem& a, const CadProblem& b) { return a.row < b.row; });
  out.problems = std::move(problems);
  return out;
}

namespace {

// RFC 4180 records: fields of one record at a time, quotes undone.
class CsvReader {
 public:
  explicit CsvReader(std::string_view s) : s_(s) {}
  bool next(std::vector<std::string>& fields) {
    fields.clear();
    if (pos_ >= s_.size()) return false;
    std::string cur;
    bool quoted = false;
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (quoted) {
        if (c == '"') {
          if (pos_ < s_.size() && s_[pos_] == '"') {
            cur.push_back('"');
            ++pos_;
          } else {
            quoted = false;
          }
        } else {
          cur.push_back(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.push_back(std::move(cur));
        cur.clear();
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && pos_ < s_.size() && s_[pos_] == '\n') ++pos_;
        break;
      } else {
        cur.push_back(c);
      }
    }
    fields.push_back(std::move(cur));
    return true;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// A CAD time: ISO date and time to the minute or second, optional fraction
// and offset; without an offset it is local time at `offset`.
Timestamp parse_cad_time(std::string_view v, int offset, const std::string& field) {
  std::string s(v);
  if (s.size() == 16) s += ":00";  // minute resolution
  if (s.size() >= 19) {
    std::size_t p = 19;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
      ++p;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
    }
    if (p == s.size()) s += format_offset(offset);
  }
  return parse_time(s, field.c_str());
}

}  // namespace

CadImport read_cad_csv(std::string_view csv, const CadOptions& opt) {
  if (csv.size() >= 3 && csv.substr(0, 3) == "\xEF\xBB\xBF") csv.remove_prefix(3);  // a spreadsheet's BOM
  CsvReader in(csv);
  std::vector<std::string> header, f;
  CRISISKIT_CHECK(in.next(header), "columns", InvalidInput::no_index, "", "the CSV has no header row");
  auto col = [&](const std::string& name, bool required) -> int {
    for (std::size_t k = 0; k < header.size(); ++k)
      if (trim(header[k]) == name) return static_cast<int>(k);
    if (required) throw_invalid("columns", InvalidInput::no_index, name, "a required column is missing from the header");
    return -1;
  };
  const int c_inc = col(opt.incident, true), c_unit = col(opt.unit, false), c_kind = col(opt.kind, false),
            c_place = col(opt.place, false), c_dept = col(opt.department, false);
  std::array<int, num_cad_times> c_t{};
  for (int k = 0; k < num_cad_times; ++k) c_t[static_cast<std::size_t>(k)] = col(opt.times[static_cast<std::size_t>(k)], k == 0);
  std::vector<CadRow> rows;
  std::vector<std::uint8_t> skip;
  std::vector<CadProblem> problems;
  while (in.next(f)) {
    if (f.size() == 1 && trim(f[0]).empty()) continue;  // blank line
    const auto r = static_cast<std::int64_t>(rows.size());
    rows.emplace_back();
    skip.push_back(0);
    CadRow& row = rows.back();
    if (f.size() != header.size()) {
      problems.push_back({r, "", fmt::format("{} fields", f.size()),
                          fmt::format("the row has {} fields, the header {}", f.size(), header.size())});
      skip.back() = 1;
      continue;
    }
    auto cell = [&](int c) { return c < 0 ? std::string() : std::string(trim(f[static_cast<std::size_t>(c)])); };
    row.incident = cell(c_inc);
    row.unit = cell(c_unit);
    row.kind = cell(c_kind);
    row.place = cell(c_place);
    row.department = cell(c_dept);
    for (int k = 0; k < num_cad_times && !skip.back(); ++k) {
      const std::string v = cell(c_t[static_cast<std::size_t>(k)]);
      if (v.empty()) continue;
      try {
        row.at[static_cast<std::size_t>(k)] = parse_cad_time(v, opt.offset_minutes, opt.times[static_cast<std::size_t>(k)]);
      } catch (const InvalidInput&) {
        problems.push_back({r, opt.times[static_cast<std::size_t>(k)], v,
                            "is not a time (expected YYYY-MM-DD HH:MM[:SS] with an optional offset)"});
        skip.back() = 1;
      }
    }
  }
  return assemble_cad(rows, opt, std::move(problems), skip);
}

Index ingest_cad(IncidentLog& log, const CadImport& cad) {
  const std::size_t n = cad.size();
  std::array<std::vector<std::string_view>, 4> views;
  const std::vector<std::string>* cols[] = {&cad.id, &cad.kind, &cad.place, &cad.department};
  for (int k = 0; k < 4; ++k) views[static_cast<std::size_t>(k)].assign(cols[k]->begin(), cols[k]->end());
  IncidentColumns c;
  c.id = Span<const std::string_view>(views[0].data(), n);
  c.kind = Span<const std::string_view>(views[1].data(), n);
  c.place = Span<const std::string_view>(views[2].data(), n);
  c.department = Span<const std::string_view>(views[3].data(), n);
  for (int s = 0; s < num_incident_states; ++s)
    c.stage_at[static_cast<std::size_t>(s)] = Span<const Timestamp>(cad.stage_at[static_cast<std::size_t>(s)].data(), n);
  c.on_site_at = Span<const Timestamp>(cad.on_site_at.data(), n);
  return log.ingest(c);
}

}  // namespace crisiskit::incident
