#pragma once
/// \file
/// `IncidentLog`: many incidents in one object, each moving through the
/// closed-loop lifecycle of state.hpp (上报-派单-签收-办理-反馈-考核, plus
/// reopen), every step timestamped with its actor and department, with the
/// SLAs of sla.hpp tracked by a deadline index.
///
/// Model.
/// - An incident has a stable string id (dense indices in report order never
///   change), a kind (`"flooding"`), a place id, an alert level (`AlertLevel`,
///   NONE for routine cases), an optional occurrence time, and the department
///   it is dispatched to (the *assignee*, set by DISPATCH).
/// - Every action is an event `{time, incident, action, from, to, actor,
///   department}`; events are appended, never rewritten.
/// - `department` of an event: for REPORT the reporting unit (may be empty);
///   for DISPATCH the department dispatched to (required, it becomes the
///   assignee); for SIGN, HANDLE and FEEDBACK the assignee (empty means the
///   assignee; another name is refused); for ASSESS, REOPEN and the
///   milestones whoever acted (may be empty). `actor` is free text (a person
///   or account), may be empty.
/// - Times are UTC seconds (`Timestamp`), |t| < 2^40. Per incident, time
///   never goes backwards: every event is at or after the incident's last
///   event, and a report is at or after the occurrence time. Different
///   incidents are independent.
/// - ASSESS may carry a satisfaction score: finite, 0 ≤ s ≤ 100, on the
///   caller's scale (stars, percent, 0/1); NaN = none. The incident keeps the
///   latest score given (a reopened incident keeps it until re-assessed).
/// - Per incident and state, `first_at` / `last_at` hold the first and the
///   latest time the incident entered that state (a reopen re-enters
///   REPORTED: `last_at[REPORTED]` becomes the reopen time, `first_at`
///   stays the original report).
///
/// Batch ingestion (`ingest`): finished or partial *linear* histories from
/// columns (one row per incident, the time each stage was reached or
/// `no_time`), e.g. a CAD export (see cad.hpp) or a data warehouse; 1 M
/// rows in well under a second. Reopens go through the live API.
///
/// Overdue index. The log keeps every SLA that applies and is not yet met in
/// an ordered set keyed by due time. `overdue(at)` walks it from the
/// earliest due time: O(log n + k) for k results, independent of the number
/// of incidents; an event costs O(log n) to keep it current. `overdue`
/// answers from the current state ("what is late, if now is `at`"); for
/// past outcomes use `sla_status`.
///
/// Throws. Malformed input — an unknown or malformed id, an id reported
/// twice in a batch, time going backwards or missing, a satisfaction out of
/// range or on another action, a department other than the assignee, a
/// level out of range — is `InvalidInput` naming the field, row and value.
/// An action the state forbids (signing a REPORTED incident, reporting an
/// id twice, assessing twice) is `StateError` naming the incident, its
/// state and the action. Every mutating call validates first: one that
/// throws leaves the log exactly as it was (a batch is all or nothing);
/// only running out of memory can break that.
///
/// `to_bytes()` / `from_bytes()` round-trip the whole log exactly (Python
/// pickling uses them); `from_bytes` replays every event through the same
/// rules, so corrupted data is refused rather than trusted.
///
/// Thread-safety: const members may run concurrently with each other; any
/// mutating member needs exclusive access (no locking inside).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "crisiskit/alert/level.hpp"
#include "crisiskit/core/error.hpp"
#include "crisiskit/core/id_map.hpp"
#include "crisiskit/core/span.hpp"
#include "crisiskit/core/time.hpp"
#include "crisiskit/detail/binary_io.hpp"
#include "crisiskit/incident/sla.hpp"
#include "crisiskit/incident/state.hpp"

namespace crisiskit::incident {

/// Largest |time| accepted, seconds (about 34 800 years): keeps due-time sums exact.
constexpr Timestamp max_abs_time = Timestamp{1} << 40;
/// Satisfaction scores lie in [0, max_satisfaction].
constexpr double max_satisfaction = 100.0;
/// "No index" for kind, place, department, actor.
constexpr std::int32_t no_name = -1;

/// One incident. Name fields are indices into the log's `kinds()`, `places()`,
/// `departments()`; `no_name` when not given.
struct Incident {
  std::int32_t kind = no_name;
  std::int32_t place = no_name;
  std::int32_t department = no_name;  ///< assignee: the department of the latest DISPATCH
  AlertLevel level = AlertLevel::NONE;
  IncidentState state = IncidentState::REPORTED;
  std::int32_t reopen_count = 0;
  Timestamp occurred_at = no_time;   ///< when it happened, if known
  std::array<Timestamp, num_incident_states> first_at{no_time, no_time, no_time, no_time, no_time, no_time};
  std::array<Timestamp, num_incident_states> last_at{no_time, no_time, no_time, no_time, no_time, no_time};
  Timestamp first_info_at = no_time;  ///< first PUBLIC_INFO
  Timestamp on_site_at = no_time;     ///< first ON_SITE
  Timestamp last_time = no_time;      ///< latest event
  double satisfaction = std::numeric_limits<double>::quiet_NaN();  ///< latest ASSESS score, NaN if none

  /// The original report time (the incident's period in KPIs).
  Timestamp reported_at() const noexcept { return first_at[0]; }
  /// The loop is closed: FEEDBACK or ASSESSED now.
  bool closed() const noexcept { return state == IncidentState::FEEDBACK || state == IncidentState::ASSESSED; }
};

/// One event. `from` is −1 for REPORT (no state before); for milestones from = to.
struct IncidentEvent {
  Timestamp at = no_time;
  std::int32_t incident = 0;
  std::int32_t actor = no_name;       ///< index into `actors()`
  std::int32_t department = no_name;  ///< index into `departments()`
  IncidentAction action = IncidentAction::REPORT;
  std::int8_t from = -1;              ///< `IncidentState` before, −1 for REPORT
  IncidentState to = IncidentState::REPORTED;
};

/// What `report` needs.
struct IncidentReport {
  std::string id;                      ///< required, unique
  std::string kind;                    ///< may be empty
  std::string place;                   ///< may be empty
  AlertLevel level = AlertLevel::NONE;
  Timestamp occurred_at = no_time;     ///< optional; not after `at`
  Timestamp at = no_time;              ///< report time (required)
  std::string actor;                   ///< who reported, may be empty
  std::string department;              ///< reporting unit, may be empty
};

/// Columns for `ingest`, one row per incident (n rows). A `Span` left empty
/// means "column absent". Times: UTC seconds, `no_time` = stage not reached.
struct IncidentColumns {
  Span<const std::string_view> id;          ///< n, required
  Span<const std::string_view> kind;        ///< n or empty; "" = none
  Span<const std::string_view> place;       ///< n or empty
  Span<const std::string_view> department;  ///< n or empty: the assignee (required on dispatched rows)
  Span<const std::string_view> reporter;    ///< n or empty: the reporting unit
  Span<const std::int8_t> level;            ///< n or empty (NONE): `AlertLevel` numbers 0..4
  Span<const Timestamp> occurred_at;        ///< n or empty
  /// Per `IncidentState`: when the stage was reached. [REPORTED] is required;
  /// a row's reached stages must be a prefix of the path, in time order.
  std::array<Span<const Timestamp>, num_incident_states> stage_at{};
  Span<const Timestamp> first_info_at;      ///< n or empty; not before the report
  Span<const Timestamp> on_site_at;         ///< n or empty; not before the report
  Span<const double> satisfaction;          ///< n or empty; NaN = none; only on ASSESSED rows
};

/// One SLA past due and not met.
struct OverdueItem {
  Index incident = 0;
  SlaKind sla = SlaKind::FIRST_REPORT;
  Timestamp due = 0;   ///< UTC seconds
  Duration late = 0;   ///< `at` − due, seconds (> 0)
  friend bool operator==(const OverdueItem& a, const OverdueItem& b) {
    return a.incident == b.incident && a.sla == b.sla && a.due == b.due && a.late == b.late;
  }
};

class IncidentLog {
 public:
  /// \throws InvalidInput if `sla` is invalid (see `SlaConfig::validate`).
  explicit IncidentLog(SlaConfig sla = SlaConfig::defaults()) : sla_(std::move(sla)) { check_config(sla_); }

  // ---- changes ----------------------------------------------------------------

  /// Report a new incident (上报). \returns its dense index.
  /// \throws InvalidInput bad id, level, time, occurrence after the report, names.
  /// \throws StateError if the id is already reported.
  Index report(const IncidentReport& r) {
    IdMap::validate(r.id, "incident");
    if (auto i = ids_.find(r.id))
      throw StateError(fmt::format("cannot report incident '{}': it is already reported (state {})", r.id,
                                   to_string(incidents_[static_cast<std::size_t>(*i)].state)));
    check_time(r.at, "at", InvalidInput::no_index);
    if (r.occurred_at != no_time) {
      check_time(r.occurred_at, "occurred_at", InvalidInput::no_index);
      if (r.occurred_at > r.at)
        throw_invalid("occurred_at", InvalidInput::no_index, format_time(r.occurred_at),
                      fmt::format("is after the report of incident '{}' at {}", r.id, format_time(r.at)));
    }
    alert_level_from_int(to_int(r.level), "level");
    check_name(r.kind, "kind");
    check_name(r.place, "place");
    check_name(r.actor, "actor");
    check_name(r.department, "department");
    check_capacity(1);
    reserve_events(1);
    const auto i = static_cast<std::int32_t>(incidents_.size());
    Incident inc;
    inc.kind = intern(kinds_, r.kind);
    inc.place = intern(places_, r.place);
    inc.level = r.level;
    inc.occurred_at = r.occurred_at;
    incidents_.push_back(inc);
    ids_.insert(r.id);
    commit(i, IncidentAction::REPORT, r.at, intern(actors_, r.actor), intern(departments_, r.department),
           std::numeric_limits<double>::quiet_NaN());
    return i;
  }

  /// Apply `action` to incident `id` at `at`. REPORT creates the incident
  /// (no kind, place, level; use `report` for those). `satisfaction`: only
  /// for ASSESS, NaN = none. See the file comment for `department`.
  /// \throws InvalidInput unknown id (for actions other than REPORT), bad
  ///         time, department, actor or satisfaction.
  /// \throws StateError if the table in state.hpp forbids `action` now.
  void apply(std::string_view id, IncidentAction action, Timestamp at, std::string_view actor = {},
             std::string_view department = {}, double satisfaction = std::numeric_limits<double>::quiet_NaN()) {
    CRISISKIT_CHECK(static_cast<int>(action) >= 0 && static_cast<int>(action) < num_incident_actions, "action",
                    InvalidInput::no_index, static_cast<int>(action), "unknown incident action");
    if (action == IncidentAction::REPORT && !ids_.contains(id)) {
      CRISISKIT_CHECK(std::isnan(satisfaction), "satisfaction", InvalidInput::no_index, satisfaction,
                      "only ASSESS takes a satisfaction score");
      IncidentReport r;
      r.id = std::string(id);
      r.at = at;
      r.actor = std::string(actor);
      r.department = std::string(department);
      report(r);
      return;
    }
    const auto i = static_cast<std::int32_t>(ids_.at(id, "incident"));
    const std::string_view dept = check_step(i, action, at, department, satisfaction, InvalidInput::no_index);
    check_name(actor, "actor");
    reserve_events(1);
    commit(i, action, at, intern(actors_, actor), intern(departments_, dept), satisfaction);
  }

  /// 派单: dispatch to `department` (required).
  void dispatch(std::string_view id, Timestamp at, std::string_view department, std::string_view actor = {}) {
    apply(id, IncidentAction::DISPATCH, at, actor, department);
  }
  /// 签收 by the assignee.
  void sign(std::string_view id, Timestamp at, std::string_view actor = {}, std::string_view department = {}) {
    apply(id, IncidentAction::SIGN, at, actor, department);
  }
  /// 办理: handling finished.
  void handle(std::string_view id, Timestamp at, std::string_view actor = {}, std::string_view department = {}) {
    apply(id, IncidentAction::HANDLE, at, actor, department);
  }
  /// 反馈: result reported back; closes the loop.
  void feedback(std::string_view id, Timestamp at, std::string_view actor = {}, std::string_view department = {}) {
    apply(id, IncidentAction::FEEDBACK, at, actor, department);
  }
  /// 考核, with an optional satisfaction score (NaN = none).
  void assess(std::string_view id, Timestamp at, double satisfaction, std::string_view actor = {},
              std::string_view department = {}) {
    apply(id, IncidentAction::ASSESS, at, actor, department, satisfaction);
  }
  /// 重办: back to REPORTED.
  void reopen(std::string_view id, Timestamp at, std::string_view actor = {}, std::string_view department = {}) {
    apply(id, IncidentAction::REOPEN, at, actor, department);
  }
  /// Milestone: public information released (the first one meets FIRST_INFO).
  void public_info(std::string_view id, Timestamp at, std::string_view actor = {}, std::string_view department = {}) {
    apply(id, IncidentAction::PUBLIC_INFO, at, actor, department);
  }
  /// Milestone: expert team / unit on site (the first one meets ON_SITE).
  void on_site(std::string_view id, Timestamp at, std::string_view actor = {}, std::string_view department = {}) {
    apply(id, IncidentAction::ON_SITE, at, actor, department);
  }

  /// Add n incidents from columns, all or nothing (see `IncidentColumns`).
  /// \returns the dense index of the first one (the rest follow in row order).
  /// \throws InvalidInput naming the column and row: a column of the wrong
  ///         length, a malformed, repeated or already reported id, a missing
  ///         report time, a stage reached without the one before, stages out
  ///         of time order, occurrence after the report, a milestone before
  ///         the report, a dispatched row without department, a level not
  ///         0..4, a satisfaction out of range or on a row not ASSESSED.
  Index ingest(const IncidentColumns& c) {
    const std::size_t n = c.id.size();
    check_columns(c, n);
    check_capacity(n);
    for (std::size_t r = 0; r < n; ++r) check_row(c, r);
    // Ids last: inserting them is the uniqueness check (one hash lookup per
    // row); a repeat rolls the id map back to what it was.
    const auto first = static_cast<Index>(incidents_.size());
    ids_.reserve(static_cast<std::size_t>(ids_.size()) + n);
    for (std::size_t r = 0; r < n; ++r) {
      const Index got = ids_.insert(c.id[r]);
      if (got == first + static_cast<Index>(r)) continue;
      const std::string id(c.id[r]);
      IdMap keep;
      keep.reserve(static_cast<std::size_t>(first));
      for (Index i = 0; i < first; ++i) keep.insert(ids_.ids()[static_cast<std::size_t>(i)]);
      ids_ = std::move(keep);
      throw_invalid("id", static_cast<std::int64_t>(r), id,
                    got < first ? "is already reported in this log" : "appears more than once in the batch");
    }
    // Commit: cannot fail but for memory.
    incidents_.reserve(incidents_.size() + n);
    std::size_t ev = 0;
    for (std::size_t r = 0; r < n; ++r) {
      for (int s = 0; s < num_incident_states; ++s) ev += !c.stage_at[s].empty() && c.stage_at[s][r] != no_time;
      ev += !c.first_info_at.empty() && c.first_info_at[r] != no_time;
      ev += !c.on_site_at.empty() && c.on_site_at[r] != no_time;
    }
    reserve_events(ev);
    auto name = [](Span<const std::string_view> col, std::size_t r) {
      return col.empty() ? std::string_view() : col[r];
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<std::pair<Timestamp, std::int64_t>> pending;
    for (std::size_t r = 0; r < n; ++r) {
      const auto i = static_cast<std::int32_t>(incidents_.size());
      Incident inc;
      inc.kind = intern(kinds_, name(c.kind, r));
      inc.place = intern(places_, name(c.place, r));
      inc.level = c.level.empty() ? AlertLevel::NONE : static_cast<AlertLevel>(c.level[r]);
      inc.occurred_at = c.occurred_at.empty() ? no_time : c.occurred_at[r];
      incidents_.push_back(inc);
      const std::int32_t dept = intern(departments_, name(c.department, r));
      // The row's events in time order; at equal times the path order, milestones last.
      std::array<std::pair<Timestamp, int>, num_incident_actions> evs{};
      int k = 0;
      for (int s = 0; s < num_incident_states; ++s)
        if (!c.stage_at[s].empty() && c.stage_at[s][r] != no_time) evs[k++] = {c.stage_at[s][r], s};
      if (!c.first_info_at.empty() && c.first_info_at[r] != no_time)
        evs[k++] = {c.first_info_at[r], static_cast<int>(IncidentAction::PUBLIC_INFO)};
      if (!c.on_site_at.empty() && c.on_site_at[r] != no_time)
        evs[k++] = {c.on_site_at[r], static_cast<int>(IncidentAction::ON_SITE)};
      std::sort(evs.begin(), evs.begin() + k);
      for (int e = 0; e < k; ++e) {
        const auto a = static_cast<IncidentAction>(evs[e].second);
        std::int32_t d = no_name;
        if (a == IncidentAction::REPORT) d = intern(departments_, name(c.reporter, r));
        else if (a >= IncidentAction::DISPATCH && a <= IncidentAction::FEEDBACK) d = dept;
        const double sat = a == IncidentAction::ASSESS && !c.satisfaction.empty() ? c.satisfaction[r] : nan;
        commit(i, a, evs[e].first, no_name, d, sat, false);
      }
      collect_open(i, pending);  // only what is still unmet after the row's history
    }
    insert_open(pending);
    return first;
  }

  // ---- queries ----------------------------------------------------------------

  Index size() const noexcept { return static_cast<Index>(incidents_.size()); }
  const std::vector<Incident>& incidents() const noexcept { return incidents_; }
  /// Every event, oldest first (per incident in time order).
  const std::vector<IncidentEvent>& events() const noexcept { return events_; }
  /// Satisfaction of the ASSESS event `e` (index into `events()`), NaN if none.
  double event_satisfaction(std::size_t e) const {
    auto it = std::lower_bound(scores_.begin(), scores_.end(), std::make_pair(static_cast<std::int64_t>(e), -1.0));
    return it != scores_.end() && it->first == static_cast<std::int64_t>(e) ? it->second
                                                                          : std::numeric_limits<double>::quiet_NaN();
  }
  const Incident& incident(std::string_view id) const { return incidents_[static_cast<std::size_t>(index(id))]; }
  /// Dense index of `id`. \throws InvalidInput if unknown.
  Index index(std::string_view id) const { return ids_.at(id, "incident"); }
  const std::string& id(Index i) const { return ids_.id(i); }
  IncidentState state(std::string_view id) const { return incident(id).state; }

  const IdMap& ids() const noexcept { return ids_; }
  const IdMap& kinds() const noexcept { return kinds_; }
  const IdMap& places() const noexcept { return places_; }
  const IdMap& departments() const noexcept { return departments_; }
  const IdMap& actors() const noexcept { return actors_; }
  const SlaConfig& sla() const noexcept { return sla_; }
  /// Latest event time in the log, `no_time` if empty.
  Timestamp last_time() const noexcept { return last_time_; }

  /// Due time of SLA `k` for `inc`, or `no_time` if it does not apply.
  Timestamp sla_due(const Incident& inc, SlaKind k) const {
    switch (k) {
      case SlaKind::FIRST_REPORT:
        if (sla_.first_report == sla_off || inc.occurred_at == no_time) return no_time;
        return inc.occurred_at + sla_.first_report;
      case SlaKind::FIRST_INFO:
        if (sla_.first_info == sla_off || inc.level < sla_.info_min_level) return no_time;
        return (inc.occurred_at != no_time ? inc.occurred_at : inc.reported_at()) + sla_.first_info;
      case SlaKind::ON_SITE:
        if (sla_.on_site == sla_off || inc.level < sla_.on_site_min_level) return no_time;
        return inc.reported_at() + sla_.on_site;
      case SlaKind::RESPONSE: {
        const Duration w = response_within_[static_cast<std::size_t>(to_int(inc.level))];
        return w == sla_off ? no_time : inc.reported_at() + w;
      }
    }
    return no_time;
  }

  /// When SLA `k`'s target was first reached by `inc`, `no_time` if not yet.
  static Timestamp sla_met(const Incident& inc, SlaKind k) noexcept {
    switch (k) {
      case SlaKind::FIRST_REPORT: return inc.reported_at();
      case SlaKind::FIRST_INFO: return inc.first_info_at;
      case SlaKind::ON_SITE: return inc.on_site_at;
      case SlaKind::RESPONSE: return inc.first_at[static_cast<std::size_t>(IncidentState::SIGNED)];
    }
    return no_time;
  }

  /// Outcome of SLA `k` of `inc` evaluated at `at` (see sla.hpp).
  SlaStatus sla_status(const Incident& inc, SlaKind k, Timestamp at) const {
    const Timestamp due = sla_due(inc, k);
    if (due == no_time) return SlaStatus::NOT_APPLICABLE;
    const Timestamp met = sla_met(inc, k);
    if (met != no_time) return met <= due ? SlaStatus::ON_TIME : SlaStatus::LATE;
    return at > due ? SlaStatus::LATE : SlaStatus::PENDING;
  }

  /// SLAs not met and past due at `at` (`at` > due), earliest due first
  /// (ties: incident, then SLA order). O(log n + k). See the file comment.
  std::vector<OverdueItem> overdue(Timestamp at) const {
    std::vector<OverdueItem> out;
    for (const auto& [due, key] : open_) {
      if (due >= at) break;
      out.push_back({key >> 2, static_cast<SlaKind>(key & 3), due, at - due});
    }
    return out;
  }

  /// Number of SLAs that apply and are not met yet (the overdue index's size).
  std::size_t num_open_slas() const noexcept { return open_.size(); }

  // ---- persistence ------------------------------------------------------------

  /// The whole log as bytes (little-endian, versioned).
  std::string to_bytes() const {
    ::crisiskit::detail::BinaryWriter w;
    w.raw(magic);
    w.pod<std::uint32_t>(format_version);
    w.pod(sla_.first_report);
    w.pod(sla_.first_info);
    w.pod(sla_.on_site);
    w.pod(sla_.info_min_level);
    w.pod(sla_.on_site_min_level);
    w.pod<std::uint8_t>(sla_.response_plan.cumulative());
    for (AlertLevel l : all_alert_levels) {
      const auto& ob = sla_.response_plan.obligations(l);
      w.pod<std::uint64_t>(ob.size());
      for (const auto& o : ob) {
        w.str(o.name);
        w.str(o.name_zh);
        w.pod(o.within);
      }
    }
    for (const IdMap* m : {&ids_, &kinds_, &places_, &departments_, &actors_}) {
      w.pod<std::uint64_t>(static_cast<std::uint64_t>(m->size()));
      for (const auto& s : m->ids()) w.str(s);
    }
    const std::size_t n = incidents_.size();
    std::vector<std::int32_t> kind(n), place(n);
    std::vector<std::int8_t> level(n);
    std::vector<Timestamp> occurred(n);
    for (std::size_t i = 0; i < n; ++i) {
      kind[i] = incidents_[i].kind;
      place[i] = incidents_[i].place;
      level[i] = static_cast<std::int8_t>(incidents_[i].level);
      occurred[i] = incidents_[i].occurred_at;
    }
    w.array(kind);
    w.array(place);
    w.array(level);
    w.array(occurred);
    const std::size_t m = events_.size();
    std::vector<Timestamp> at(m);
    std::vector<std::int32_t> inc(m), actor(m), dept(m);
    std::vector<std::int8_t> action(m);
    for (std::size_t e = 0; e < m; ++e) {
      at[e] = events_[e].at;
      inc[e] = events_[e].incident;
      actor[e] = events_[e].actor;
      dept[e] = events_[e].department;
      action[e] = static_cast<std::int8_t>(events_[e].action);
    }
    w.array(at);
    w.array(inc);
    w.array(actor);
    w.array(dept);
    w.array(action);
    std::vector<std::int64_t> score_event(scores_.size());
    std::vector<double> score(scores_.size());
    for (std::size_t k = 0; k < scores_.size(); ++k) std::tie(score_event[k], score[k]) = scores_[k];
    w.array(score_event);
    w.array(score);
    return std::move(w.buffer());
  }

  /// Rebuild a log from `to_bytes()`: the events are replayed through the
  /// lifecycle rules. \throws InvalidInput (field "state", index = byte
  /// offset or event number) on truncated, corrupted or foreign data.
  static IncidentLog from_bytes(std::string_view bytes) {
    ::crisiskit::detail::BinaryReader r(bytes, "state");
    r.expect(magic);
    const auto version = r.pod<std::uint32_t>();
    if (version != format_version)
      r.fail(fmt::format("unsupported incident log version {} (this build reads {})", version, format_version));
    SlaConfig cfg;
    cfg.first_report = r.pod<Duration>();
    cfg.first_info = r.pod<Duration>();
    cfg.on_site = r.pod<Duration>();
    cfg.info_min_level = r.pod<AlertLevel>();
    cfg.on_site_min_level = r.pod<AlertLevel>();
    const auto cumulative = r.pod<std::uint8_t>();
    ResponsePlan plan;
    plan.set_cumulative(cumulative != 0);
    try {
      for (AlertLevel l : all_alert_levels) {
        const auto k = r.count(8 + 8 + 8);
        std::vector<ObligationSpec> ob(k);
        for (auto& o : ob) {
          o.name = r.str();
          o.name_zh = r.str();
          o.within = r.pod<Duration>();
        }
        if (l != AlertLevel::NONE) plan.set(l, std::move(ob));
        else if (k != 0) r.fail("the NONE level cannot have obligations");
      }
      cfg.response_plan = std::move(plan);
      alert_level_from_int(to_int(cfg.info_min_level), "info_min_level");
      alert_level_from_int(to_int(cfg.on_site_min_level), "on_site_min_level");
      IncidentLog log(std::move(cfg));
      for (IdMap* m : {&log.ids_, &log.kinds_, &log.places_, &log.departments_, &log.actors_}) {
        const auto k = r.count(8);
        for (std::size_t i = 0; i < k; ++i)
          if (m->insert(r.str()) != static_cast<Index>(i)) r.fail("an id appears twice");
      }
      const auto kind = r.array<std::int32_t>();
      const auto place = r.array<std::int32_t>();
      const auto level = r.array<std::int8_t>();
      const auto occurred = r.array<Timestamp>();
      const auto at = r.array<Timestamp>();
      const auto inc = r.array<std::int32_t>();
      const auto actor = r.array<std::int32_t>();
      const auto dept = r.array<std::int32_t>();
      const auto action = r.array<std::int8_t>();
      const auto score_event = r.array<std::int64_t>();
      const auto score = r.array<double>();
      if (!r.done()) r.fail("trailing bytes after the incident log");
      const std::size_t n = static_cast<std::size_t>(log.ids_.size());
      if (kind.size() != n || place.size() != n || level.size() != n || occurred.size() != n)
        r.fail("incident columns do not match the number of ids");
      const std::size_t m = at.size();
      if (inc.size() != m || actor.size() != m || dept.size() != m || action.size() != m ||
          score.size() != score_event.size())
        r.fail("event columns differ in length");
      auto in_map = [](std::int32_t v, const IdMap& map) { return v == no_name || (v >= 0 && v < map.size()); };
      log.incidents_.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        if (!in_map(kind[i], log.kinds_) || !in_map(place[i], log.places_) || level[i] < 0 || level[i] > 4 ||
            (occurred[i] != no_time && (occurred[i] <= -max_abs_time || occurred[i] >= max_abs_time)))
          r.fail(fmt::format("incident {} is inconsistent", i));
        Incident& x = log.incidents_[i];
        x.kind = kind[i];
        x.place = place[i];
        x.level = static_cast<AlertLevel>(level[i]);
        x.occurred_at = occurred[i];
      }
      log.events_.reserve(m);
      std::vector<char> reported(n, 0);
      std::size_t next_score = 0;
      const double nan = std::numeric_limits<double>::quiet_NaN();
      for (std::size_t e = 0; e < m; ++e) {
        const auto fail = [&](const std::string& why) { r.fail(fmt::format("event {}: {}", e, why)); };
        if (inc[e] < 0 || static_cast<std::size_t>(inc[e]) >= n || !in_map(actor[e], log.actors_) ||
            !in_map(dept[e], log.departments_) || action[e] < 0 || action[e] >= num_incident_actions)
          fail("an index is out of range");
        const auto a = static_cast<IncidentAction>(action[e]);
        double sat = nan;
        if (next_score < score_event.size() && score_event[next_score] == static_cast<std::int64_t>(e))
          sat = score[next_score++];
        const auto i = static_cast<std::size_t>(inc[e]);
        const std::string_view dname = dept[e] == no_name ? std::string_view() : log.departments_.ids()[static_cast<std::size_t>(dept[e])];
        std::string problem;
        try {
          if (a == IncidentAction::REPORT) {
            const Incident& x = log.incidents_[i];
            check_time(at[e], "at", InvalidInput::no_index);
            if (reported[i]) problem = "a second report";
            else if (x.occurred_at != no_time && x.occurred_at > at[e]) problem = "the occurrence is after the report";
            else if (!std::isnan(sat)) problem = "a score on a report";
            reported[i] = 1;
          } else if (!reported[i]) {
            problem = "an event before the report";
          } else {
            log.check_step(static_cast<std::int32_t>(i), a, at[e], dname, sat, InvalidInput::no_index);
          }
        } catch (const InvalidInput& ex) {
          problem = ex.what();
        } catch (const StateError& ex) {
          problem = ex.what();
        }
        if (!problem.empty()) fail(problem);
        log.commit(static_cast<std::int32_t>(i), a, at[e], actor[e], dept[e], sat, false);
      }
      if (next_score != score_event.size()) r.fail("scores do not match ASSESS events");
      for (std::size_t i = 0; i < n; ++i)
        if (!reported[i]) r.fail(fmt::format("incident {} has no report", i));
      std::vector<std::pair<Timestamp, std::int64_t>> pending;
      for (std::size_t i = 0; i < n; ++i) log.collect_open(static_cast<std::int32_t>(i), pending);
      log.insert_open(pending);
      return log;
    } catch (const InvalidInput& e) {
      if (e.field() == "state") throw;
      r.fail(e.what());
    }
  }

  friend bool operator==(const IncidentLog& a, const IncidentLog& b) { return a.to_bytes() == b.to_bytes(); }
  friend bool operator!=(const IncidentLog& a, const IncidentLog& b) { return !(a == b); }

 private:
  static constexpr std::string_view magic = "CKIL";
  static constexpr std::uint32_t format_version = 1;

  void check_config(const SlaConfig& s) {
    s.validate();
    alert_level_from_int(to_int(s.info_min_level), "info_min_level");
    alert_level_from_int(to_int(s.on_site_min_level), "on_site_min_level");
    for (AlertLevel l : all_alert_levels) {
      const Duration w = s.response_within(l);
      CRISISKIT_CHECK(w <= max_abs_time, "response_plan.within", to_int(l), w, "must be at most 2^40 seconds");
      response_within_[static_cast<std::size_t>(to_int(l))] = w;
    }
    for (Duration d : {s.first_report, s.first_info, s.on_site})
      CRISISKIT_CHECK(d <= max_abs_time, "sla", InvalidInput::no_index, d, "must be at most 2^40 seconds");
  }

  static void check_time(Timestamp t, const char* field, std::int64_t row) {
    CRISISKIT_CHECK(t != no_time, field, row, "none", "a time is required");
    CRISISKIT_CHECK(t > -max_abs_time && t < max_abs_time, field, row, t, "is out of range (|t| < 2^40 seconds)");
  }

  static void check_name(std::string_view s, const char* field, std::int64_t row = InvalidInput::no_index) {
    if (!s.empty()) IdMap::validate(s, field, row);
  }

  void check_capacity(std::size_t extra) const {
    CRISISKIT_CHECK(incidents_.size() + extra <= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()),
                    "incidents", InvalidInput::no_index, incidents_.size() + extra, "a log holds at most 2^31-1 incidents");
  }

  void reserve_events(std::size_t extra) {
    if (events_.capacity() - events_.size() < extra) events_.reserve(std::max(events_.size() + extra, 2 * events_.capacity()));
  }

  static std::int32_t intern(IdMap& m, std::string_view s) {
    return s.empty() ? no_name : static_cast<std::int32_t>(m.insert(s));
  }

  std::string_view department_name(std::int32_t d) const {
    return d == no_name ? std::string_view() : std::string_view(departments_.ids()[static_cast<std::size_t>(d)]);
  }

  // Validate `action` on incident i (already reported); returns the department to record.
  std::string_view check_step(std::int32_t i, IncidentAction a, Timestamp at, std::string_view department,
                              double satisfaction, std::int64_t row) const {
    const Incident& inc = incidents_[static_cast<std::size_t>(i)];
    if (!next_state(inc.state, a))
      throw StateError(fmt::format("cannot {} incident '{}': it is {}", to_string(a), ids_.id(i), to_string(inc.state)));
    check_time(at, "at", row);
    if (at < inc.last_time)
      throw_invalid("at", row, format_time(at),
                    fmt::format("is before the last event of incident '{}' at {}: time must not go backwards", ids_.id(i),
                                format_time(inc.last_time)));
    check_name(department, "department", row);
    if (a == IncidentAction::DISPATCH) {
      CRISISKIT_CHECK(!department.empty(), "department", row, department,
                      fmt::format("dispatching incident '{}' needs the department it goes to", ids_.id(i)));
    } else if (a == IncidentAction::SIGN || a == IncidentAction::HANDLE || a == IncidentAction::FEEDBACK) {
      const std::string_view assignee = department_name(inc.department);
      if (!department.empty() && department != assignee)
        throw_invalid("department", row, department,
                      fmt::format("incident '{}' is dispatched to '{}'", ids_.id(i), assignee));
      department = assignee;
    }
    if (a == IncidentAction::ASSESS) {
      if (!std::isnan(satisfaction))
        CRISISKIT_CHECK(satisfaction >= 0 && satisfaction <= max_satisfaction, "satisfaction", row, satisfaction,
                        "must be finite, 0..100 (NaN = none)");
    } else {
      CRISISKIT_CHECK(std::isnan(satisfaction), "satisfaction", row, satisfaction, "only ASSESS takes a satisfaction score");
    }
    return department;
  }

  void check_columns(const IncidentColumns& c, std::size_t n) const {
    auto len = [n](std::size_t got, const char* field, bool required = false) {
      if (got == 0 && !required && n != 0) return;
      CRISISKIT_CHECK(got == n, field, InvalidInput::no_index, got, fmt::format("must have {} rows, like id", n));
    };
    len(c.kind.size(), "kind");
    len(c.place.size(), "place");
    len(c.department.size(), "department");
    len(c.reporter.size(), "reporter");
    len(c.level.size(), "level");
    len(c.occurred_at.size(), "occurred_at");
    static constexpr const char* stage_field[] = {"reported_at", "dispatched_at", "signed_at",
                                                  "handled_at",  "feedback_at",   "assessed_at"};
    len(c.stage_at[0].size(), stage_field[0], true);
    for (int s = 1; s < num_incident_states; ++s) len(c.stage_at[s].size(), stage_field[s]);
    len(c.first_info_at.size(), "first_info_at");
    len(c.on_site_at.size(), "on_site_at");
    len(c.satisfaction.size(), "satisfaction");
  }

  void check_row(const IncidentColumns& c, std::size_t r) const {
    static constexpr const char* stage_field[] = {"reported_at", "dispatched_at", "signed_at",
                                                  "handled_at",  "feedback_at",   "assessed_at"};
    const auto row = static_cast<std::int64_t>(r);
    const std::string_view id = c.id[r];
    IdMap::validate(id, "id", row);
    if (!c.kind.empty()) check_name(c.kind[r], "kind", row);
    if (!c.place.empty()) check_name(c.place[r], "place", row);
    if (!c.department.empty()) check_name(c.department[r], "department", row);
    if (!c.reporter.empty()) check_name(c.reporter[r], "reporter", row);
    if (!c.level.empty()) alert_level_from_int(c.level[r], "level", row);
    const Timestamp rep = c.stage_at[0][r];
    check_time(rep, "reported_at", row);
    if (!c.occurred_at.empty() && c.occurred_at[r] != no_time) {
      check_time(c.occurred_at[r], "occurred_at", row);
      if (c.occurred_at[r] > rep)
        throw_invalid("occurred_at", row, format_time(c.occurred_at[r]),
                      fmt::format("is after reported_at {}", format_time(rep)));
    }
    Timestamp prev = rep;
    int reached = 0;
    for (int s = 1; s < num_incident_states; ++s) {
      if (c.stage_at[s].empty() || c.stage_at[s][r] == no_time) continue;
      const Timestamp t = c.stage_at[s][r];
      check_time(t, stage_field[s], row);
      if (reached != s - 1)
        throw_invalid(stage_field[s], row, format_time(t),
                      fmt::format("is set but {} is missing: stages are reached in order", stage_field[s - 1]));
      if (t < prev)
        throw_invalid(stage_field[s], row, format_time(t),
                      fmt::format("is before {} {}: time must not go backwards", stage_field[s - 1], format_time(prev)));
      prev = t;
      reached = s;
    }
    if (reached >= 1) {
      const std::string_view d = c.department.empty() ? std::string_view() : c.department[r];
      CRISISKIT_CHECK(!d.empty(), "department", row, d, "a dispatched incident needs the department it went to");
    }
    for (const auto& [col, field] : {std::pair{c.first_info_at, "first_info_at"}, std::pair{c.on_site_at, "on_site_at"}}) {
      if (col.empty() || col[r] == no_time) continue;
      check_time(col[r], field, row);
      if (col[r] < rep)
        throw_invalid(field, row, format_time(col[r]), fmt::format("is before reported_at {}", format_time(rep)));
    }
    if (!c.satisfaction.empty() && !std::isnan(c.satisfaction[r])) {
      const double s = c.satisfaction[r];
      CRISISKIT_CHECK(reached == 5, "satisfaction", row, s, "is given but the row has no assessed_at");
      CRISISKIT_CHECK(s >= 0 && s <= max_satisfaction, "satisfaction", row, s, "must be finite, 0..100 (NaN = none)");
    }
  }

  // Apply a validated event: the state, the times, the log and the overdue index.
  void commit(std::int32_t i, IncidentAction a, Timestamp at, std::int32_t actor, std::int32_t dept, double sat,
              bool index = true) {
    Incident& inc = incidents_[static_cast<std::size_t>(i)];
    const bool first = a == IncidentAction::REPORT;
    const std::int8_t from = first ? std::int8_t{-1} : static_cast<std::int8_t>(inc.state);
    const IncidentState to = first ? IncidentState::REPORTED : *next_state(inc.state, a);
    events_.push_back({at, i, actor, dept, a, from, to});
    if (!std::isnan(sat)) scores_.emplace_back(static_cast<std::int64_t>(events_.size() - 1), sat);
    inc.last_time = at;
    last_time_ = last_time_ == no_time ? at : std::max(last_time_, at);
    if (a == IncidentAction::PUBLIC_INFO) {
      if (inc.first_info_at == no_time) inc.first_info_at = at;
    } else if (a == IncidentAction::ON_SITE) {
      if (inc.on_site_at == no_time) inc.on_site_at = at;
    } else {
      const auto s = static_cast<std::size_t>(to);
      if (inc.first_at[s] == no_time) inc.first_at[s] = at;
      inc.last_at[s] = at;
      inc.state = to;
      if (a == IncidentAction::DISPATCH) inc.department = dept;
      if (a == IncidentAction::REOPEN) ++inc.reopen_count;
      if (a == IncidentAction::ASSESS && !std::isnan(sat)) inc.satisfaction = sat;
    }
    // Keep the overdue index: an SLA is in it while it applies and is unmet.
    if (!index) return;
    for (SlaKind k : all_sla_kinds) {
      const Timestamp due = sla_due(inc, k);
      if (due == no_time) continue;
      const std::int64_t key = static_cast<std::int64_t>(i) * 4 + static_cast<int>(k);
      if (first && sla_met(inc, k) == no_time) open_.emplace(due, key);
      else if (!first && sla_met(inc, k) == at) open_.erase({due, key});
    }
  }

  // Incident i's applicable, unmet SLAs, for the overdue index (batch paths).
  void collect_open(std::int32_t i, std::vector<std::pair<Timestamp, std::int64_t>>& out) const {
    const Incident& inc = incidents_[static_cast<std::size_t>(i)];
    for (SlaKind k : all_sla_kinds) {
      const Timestamp due = sla_due(inc, k);
      if (due != no_time && sla_met(inc, k) == no_time)
        out.emplace_back(due, static_cast<std::int64_t>(i) * 4 + static_cast<int>(k));
    }
  }

  // Sorted keys go in with an end hint: linear when they follow what is there.
  void insert_open(std::vector<std::pair<Timestamp, std::int64_t>>& keys) {
    std::sort(keys.begin(), keys.end());
    for (const auto& k : keys) {
      if (open_.empty() || *open_.rbegin() < k) open_.emplace_hint(open_.end(), k);
      else open_.insert(k);
    }
  }

  SlaConfig sla_;
  std::array<Duration, num_alert_levels> response_within_{};
  IdMap ids_, kinds_, places_, departments_, actors_;
  std::vector<Incident> incidents_;
  std::vector<IncidentEvent> events_;
  std::vector<std::pair<std::int64_t, double>> scores_;  // (event index, satisfaction), ASSESS events with a score
  std::set<std::pair<Timestamp, std::int64_t>> open_;    // (due, incident·4 + SLA) of unmet SLAs
  Timestamp last_time_ = no_time;
};

}  // namespace crisiskit::incident
