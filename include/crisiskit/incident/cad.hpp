#pragma once
/// \file
/// Import of computer-aided dispatch (CAD) exports into the incident
/// lifecycle. A CAD unit history has one row per unit per incident:
///
/// | CAD column (default name) | lifecycle | per incident, over its unit rows |
/// |---|---|---|
/// | `received` (call received) | REPORT (上报) | earliest |
/// | `dispatched` (unit dispatched) | DISPATCH (派单) to the first dispatched unit's `agency` | earliest |
/// | `en_route` (unit acknowledged, rolling) | SIGN (签收) | earliest |
/// | `on_scene` (unit arrived) | ON_SITE milestone (到场) | earliest |
/// | `closed` (unit cleared) | HANDLE (办理完毕) | latest, only when every dispatched unit has one |
/// | — | FEEDBACK (反馈) | at the handle time if `feedback_at_close`, else left to the platform |
/// | — | ASSESS (考核) | never from CAD |
/// | `call_type`, `place`, `incident_id`, `unit_id` | kind, place, id, (units counted) | first non-empty |
///
/// A call closed without any unit dispatched (cancelled, settled by phone)
/// stays REPORTED: the export does not say who handled it. A dispatched
/// incident whose units have no agency is assigned to department "unknown".
///
/// Data as CAD systems write it: rows of one incident anywhere in the file
/// and in any order; a unit without an en-route time (the button was not
/// pressed) or without a dispatch time. A stage that is missing while a
/// later one is recorded is filled with the next later recorded time of the
/// incident (a unit on scene had been en route by then; `filled` counts
/// these cells). Times without an offset are read in the zone
/// `offset_minutes` east of UTC.
///
/// Bad data never stops the import: a row with an unreadable time or an
/// empty or malformed incident id, or whose own times go backwards, is left
/// out and reported as a `CadProblem` (row, field, value, problem); so is an
/// incident whose rows give no received time, or whose combined times go
/// backwards. Every other row is kept. Rows are numbered from 0, the first
/// data row (in a CSV file, line = row + 2).
///
/// Thread-safety: pure functions.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crisiskit/core/span.hpp"
#include "crisiskit/core/time.hpp"
#include "crisiskit/incident/incident_log.hpp"

namespace crisiskit::incident {

/// The five CAD times, in lifecycle order.
enum class CadTime : std::int8_t { RECEIVED = 0, DISPATCHED = 1, EN_ROUTE = 2, ON_SCENE = 3, CLOSED = 4 };
constexpr int num_cad_times = 5;

/// One unit row of a CAD export.
struct CadRow {
  std::string incident;  ///< CAD incident number (required)
  std::string unit;      ///< unit id, may be empty (a call-taker row)
  std::string kind;      ///< call type, may be empty
  std::string place;     ///< beat, zone or address, may be empty
  std::string department;  ///< agency of the unit, may be empty
  std::array<Timestamp, num_cad_times> at{no_time, no_time, no_time, no_time, no_time};  ///< by `CadTime`, UTC seconds
};

/// A row (or incident) left out, and why.
struct CadProblem {
  std::int64_t row = 0;   ///< 0-based data row
  std::string field;      ///< column name
  std::string value;      ///< the cell as written (a time out of order: ISO with the import's offset; empty if missing)
  std::string problem;
  friend bool operator==(const CadProblem& a, const CadProblem& b) {
    return a.row == b.row && a.field == b.field && a.value == b.value && a.problem == b.problem;
  }
};

/// Column names and import choices.
struct CadOptions {
  std::string incident = "incident_id";
  std::string unit = "unit_id";
  std::string kind = "call_type";
  std::string place = "place";
  std::string department = "agency";
  std::array<std::string, num_cad_times> times{"received", "dispatched", "en_route", "on_scene", "closed"};
  int offset_minutes = 0;          ///< zone of times written without an offset, minutes east of UTC
  bool feedback_at_close = false;  ///< also record FEEDBACK at the handle time
};

/// The imported incidents as owning columns (one row per incident, in order
/// of received time, then first row), the problems, and counts.
struct CadImport {
  std::vector<std::string> id, kind, place, department;
  std::array<std::vector<Timestamp>, num_incident_states> stage_at;  ///< by `IncidentState`; `no_time` = not reached
  std::vector<Timestamp> on_site_at;
  std::vector<std::int64_t> units;      ///< unit rows used per incident
  std::vector<std::int64_t> first_row;  ///< first data row of each incident
  std::vector<CadProblem> problems;     ///< sorted by row
  std::int64_t rows = 0;                ///< data rows read
  std::int64_t rows_used = 0;           ///< rows that went into an incident
  std::int64_t filled = 0;              ///< missing stage cells filled from a later time
  std::size_t size() const noexcept { return id.size(); }
};

/// Combine unit rows into incidents (the table above). Rows whose `skip`
/// entry is non-zero (e.g. already reported by the caller's parser) are
/// left out silently; `problems` found by the caller are merged in.
/// \throws InvalidInput if `skip` is neither empty nor as long as `rows`.
CadImport assemble_cad(Span<const CadRow> rows, const CadOptions& opt = {}, std::vector<CadProblem> problems = {},
                       Span<const std::uint8_t> skip = {});

/// Read a CAD export in CSV (RFC 4180: a header row, `,` separated, `"`
/// quoting, CRLF or LF) and assemble it. Times: `YYYY-MM-DD HH:MM[:SS][.f]`
/// (`T` may stand for the space) with an optional offset (`Z`, `±HH:MM`).
/// \throws InvalidInput (field "columns") if the incident or received
///         column is missing from the header; everything else is a problem.
CadImport read_cad_csv(std::string_view csv, const CadOptions& opt = {});

/// Add an import's incidents to `log` (all or nothing, as `IncidentLog::ingest`).
/// \returns the dense index of the first one.
Index ingest_cad(IncidentLog& log, const CadImport& cad);

}  // namespace crisiskit::incident
