#pragma once
/// \file
/// After-action review (复盘): four dimensions, each measured from plain
/// arrays, scored 0–100 by a documented formula, and kept with its evidence.
///
/// 1. **Warning accuracy** (`verify_warnings`). An alert at place group g,
///    level L, issued at t (and ended at e, if it ended) *hits* an incident
///    in group g whose occurrence o satisfies t ≤ o ≤ t + window and, when
///    the alert ended, o ≤ e. Counted on the incidents: a *hit* is an
///    incident with at least one matching alert, a *miss* one with none;
///    counted on the alerts: a *false alarm* is an alert matching no
///    incident. With a = hits, b = false alarms, c = misses:
///        POD = a / (a + c),  FAR = b / (a + b),  CSI = a / (a + b + c).
///    (a and b count different objects when alerts and incidents are not
///    one-to-one; `false_alarm_share` = b / alerts is the alert-side ratio.)
///    Lead time of a hit = o − the issue time of its earliest matching
///    alert. "At level L" uses only alerts of level ≥ L (incidents are all
///    counted). Coverage: a place with incidents is *warned* when every
///    incident there is a hit; place coverage = warned / affected places,
///    population coverage = population of warned / of affected places.
/// 2. **Response timeliness** (`measure_slas`). Each item has a kind, a start,
///    a done time (or none) and an allowed duration. Met: done − start ≤
///    limit. Late: done later. Open overdue: not done and `as_of` > start +
///    limit (counted as missed, lateness censored at `as_of`). Pending: not
///    done, not yet due (left out of the shares). Not started (start =
///    `no_time`): left out. Share met = met / (met + late + open overdue).
/// 3. **Coordination** (`measure_coordination`): dispatch → sign latency
///    (an SLA with limit `sign_target`), hand-offs (changes of department
///    between consecutive transitions of an incident, in time order, empty
///    departments skipped), and the share of need left unmet
///    (Σ unmet / Σ quantity, overall and per priority class).
/// 4. **Public communication** (`measure_opinion`). For a release at r:
///    negative share before = over observations in [r − before, r), after =
///    over (r, r + after]; pooled Σ negative / Σ total when counts are given,
///    otherwise the mean of the shares. Drop = before − after, relative drop
///    = drop / before. Heat before = mean heat in [r − before, r), heat at
///    the horizon = mean heat in (r + horizon − after, r + horizon], heat drop
///    = 1 − at horizon / before.
///
/// Scores (`score_review`): each dimension's score is 100 × the weighted mean
/// of its components in [0, 1] (weights in `ScoreWeights`); a component that
/// cannot be computed (NaN) is left out and the weights of the rest are
/// renormalised; with no component left the dimension is *not assessed*
/// (score NaN, with the reason), never 0. Components:
/// - warning: POD; 1 − FAR; share of hits with lead ≥ `lead_target`;
///   population coverage (place coverage when no population is given).
/// - timeliness: share met; share done within `grace` after the deadline.
/// - coordination: share signed within `sign_target`; share of incidents
///   with ≤ `max_handoffs` hand-offs; 1 − unmet share.
/// - communication: share of releases followed by a lower negative share;
///   min(1, max(0, mean relative drop) / `target_negative_drop`);
///   min(1, max(0, mean heat drop) / `target_heat_drop`).
/// Overall = weighted mean of the assessed dimensions' scores.
///
/// Times are UTC seconds (`Timestamp`), `no_time` = not reached; durations
/// are seconds. Every function is pure and thread-safe, validates all of its
/// input first and throws `InvalidInput` naming the field, row and value.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/core/span.hpp"
#include "crisiskit/core/time.hpp"

namespace crisiskit::incident {

constexpr double review_nan = std::numeric_limits<double>::quiet_NaN();

// ---- statistics shared by the dimensions -----------------------------------

/// Summary of a sample of durations, seconds; every field NaN when n = 0.
struct DelayStats {
  std::int64_t n = 0;
  double mean = review_nan;
  double median = review_nan;
  double p90 = review_nan;  ///< linear interpolation between order statistics (pandas' default)
  double max = review_nan;
  double min = review_nan;
};

namespace detail {

/// Quantile q of sorted `x` by linear interpolation (numpy/pandas "linear").
inline double sorted_quantile(const std::vector<double>& x, double q) {
  if (x.empty()) return review_nan;
  const double pos = q * static_cast<double>(x.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (x[hi] - x[lo]) * (pos - static_cast<double>(lo));
}

inline DelayStats delay_stats(std::vector<double> x) {
  DelayStats s;
  s.n = static_cast<std::int64_t>(x.size());
  if (x.empty()) return s;
  std::sort(x.begin(), x.end());
  s.mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  s.median = sorted_quantile(x, 0.5);
  s.p90 = sorted_quantile(x, 0.9);
  s.min = x.front();
  s.max = x.back();
  return s;
}

inline double ratio(double num, double den) { return den > 0 ? num / den : review_nan; }

template <class T>
void check_length(Span<const T> a, std::size_t n, const char* field, const char* other) {
  CRISISKIT_CHECK(a.size() == n, field, InvalidInput::no_index, a.size(),
                  fmt::format("has {} rows but {} has {}: they must match", a.size(), other, n));
}

inline std::string time_text(Timestamp t) { return t == no_time ? std::string("NaT") : format_time(t); }

}  // namespace detail

// ---- 1. warning accuracy ---------------------------------------------------

/// Alerts, one row each (shape (A,)).
struct AlertRows {
  Span<const std::int64_t> group;  ///< place group code ≥ 0 (same code = may match)
  Span<const std::int8_t> level;   ///< alert level 1 (GENERAL) .. 4 (EMERGENCY)
  Span<const Timestamp> issued;    ///< issue time, UTC seconds (required)
  Span<const Timestamp> ended;     ///< end time or `no_time` (still in force); empty = none ended
};

/// Incidents as the warning check sees them (shape (N,)).
struct WarnedIncidentRows {
  Span<const std::int64_t> group;     ///< place group code ≥ 0
  Span<const Timestamp> occurred;     ///< occurrence, or `no_time` (unknown: left out and counted)
  Span<const std::int64_t> place;     ///< place code ≥ 0 for coverage; empty = the group code
  Span<const double> place_population;  ///< population by place code, ≥ 0; empty = no population coverage
};

struct WarningOptions {
  Duration window = hours(72);      ///< longest lead time an alert can claim, seconds, > 0
  Duration lead_target = hours(1);  ///< a hit with lead ≥ this counts as timely, seconds, ≥ 0
};

/// The contingency table and lead times for alerts at or above one level.
struct Contingency {
  std::int64_t incidents = 0;        ///< incidents with a known occurrence (a + c)
  std::int64_t alerts = 0;           ///< alerts considered
  std::int64_t hits = 0;             ///< a: incidents with a matching alert
  std::int64_t misses = 0;           ///< c: incidents without one
  std::int64_t false_alarms = 0;     ///< b: alerts matching no incident
  std::int64_t alerts_verified = 0;  ///< alerts matching at least one incident
  double pod = review_nan;           ///< a / (a + c)
  double far = review_nan;           ///< b / (a + b)
  double csi = review_nan;           ///< a / (a + b + c)
  double false_alarm_share = review_nan;  ///< b / alerts
  DelayStats lead;                   ///< lead times of the hits, seconds
  double lead_timely_share = review_nan;  ///< share of hits with lead ≥ lead_target
};

struct WarningResult {
  Contingency overall;                 ///< all alerts (level ≥ 1)
  std::array<Contingency, 4> by_level;  ///< [k] = alerts of level ≥ k + 1
  std::int64_t incidents_without_time = 0;
  /// Per incident (N): earliest matching alert (row), −1 for a miss or an unknown occurrence.
  std::vector<std::int64_t> first_alert;
  /// Per incident: highest level among matching alerts (0 = miss).
  std::vector<std::int8_t> warned_level;
  /// Per incident: lead time of the earliest matching alert, seconds (NaN for a miss).
  std::vector<double> lead_s;
  /// Per alert (A): number of incidents it matched (0 = false alarm).
  std::vector<std::int64_t> alert_hits;
  // Coverage over the affected places (places with a known-time incident).
  std::int64_t places_affected = 0;
  std::int64_t places_warned = 0;
  double place_coverage = review_nan;
  double population_affected = review_nan;  ///< NaN without place_population
  double population_warned = review_nan;
  double population_coverage = review_nan;
};

/// Match alerts to incidents (see the file comment) and count per level.
/// O((A + N) log A + matched pairs).
/// \throws InvalidInput (field "alerts.place", "alerts.level", "alerts.issued_at",
///         "alerts.ended_at", "incidents.place", "incidents.population", "window",
///         "lead_target") on a negative code, a level outside 1..4, a missing
///         issue time, an end before the issue, a length mismatch, a negative or
///         NaN population, or a non-positive window.
inline WarningResult verify_warnings(const AlertRows& alerts, const WarnedIncidentRows& incidents,
                                     const WarningOptions& opt = {}) {
  const std::size_t na = alerts.group.size(), ni = incidents.group.size();
  CRISISKIT_CHECK(opt.window > 0, "window", InvalidInput::no_index, opt.window, "must be > 0 seconds");
  CRISISKIT_CHECK(opt.lead_target >= 0, "lead_target", InvalidInput::no_index, opt.lead_target, "must be >= 0 seconds");
  detail::check_length(alerts.level, na, "alerts.level", "alerts.place");
  detail::check_length(alerts.issued, na, "alerts.issued_at", "alerts.place");
  if (!alerts.ended.empty()) detail::check_length(alerts.ended, na, "alerts.ended_at", "alerts.place");
  detail::check_length(incidents.occurred, ni, "incidents.occurred_at", "incidents.place");
  if (!incidents.place.empty()) detail::check_length(incidents.place, ni, "incidents.place", "incidents.group");
  for (std::size_t i = 0; i < na; ++i) {
    const auto row = static_cast<std::int64_t>(i);
    CRISISKIT_CHECK(alerts.group[i] >= 0, "alerts.place", row, alerts.group[i], "must be a place code >= 0");
    CRISISKIT_CHECK(alerts.level[i] >= 1 && alerts.level[i] <= 4, "alerts.level", row, int(alerts.level[i]),
                    "an alert's level must be 1 (GENERAL) .. 4 (EMERGENCY)");
    CRISISKIT_CHECK(alerts.issued[i] != no_time, "alerts.issued_at", row, "NaT", "an alert needs an issue time");
    if (!alerts.ended.empty() && alerts.ended[i] != no_time)
      CRISISKIT_CHECK(alerts.ended[i] >= alerts.issued[i], "alerts.ended_at", row, detail::time_text(alerts.ended[i]),
                      fmt::format("is before the alert was issued ({})", detail::time_text(alerts.issued[i])));
  }
  std::int64_t max_place = -1;
  for (std::size_t i = 0; i < ni; ++i) {
    const auto row = static_cast<std::int64_t>(i);
    CRISISKIT_CHECK(incidents.group[i] >= 0, "incidents.place", row, incidents.group[i], "must be a place code >= 0");
    const std::int64_t p = incidents.place.empty() ? incidents.group[i] : incidents.place[i];
    CRISISKIT_CHECK(p >= 0, "incidents.place", row, p, "must be a place code >= 0");
    if (incidents.occurred[i] != no_time) max_place = std::max(max_place, p);
  }
  const bool with_pop = !incidents.place_population.empty();
  if (with_pop) {
    CRISISKIT_CHECK(static_cast<std::int64_t>(incidents.place_population.size()) > max_place, "incidents.population",
                    InvalidInput::no_index, incidents.place_population.size(),
                    fmt::format("must hold a population for every place code up to {}", max_place));
    for (std::size_t i = 0; i < ni; ++i) {
      if (incidents.occurred[i] == no_time) continue;
      const std::int64_t p = incidents.place.empty() ? incidents.group[i] : incidents.place[i];
      const double v = incidents.place_population[static_cast<std::size_t>(p)];
      CRISISKIT_CHECK(std::isfinite(v) && v >= 0, "incidents.population", static_cast<std::int64_t>(i), v,
                      "the population of an affected place must be finite and >= 0");
    }
  }

  WarningResult r;
  r.first_alert.assign(ni, -1);
  r.warned_level.assign(ni, 0);
  r.lead_s.assign(ni, review_nan);
  r.alert_hits.assign(na, 0);
  // Per incident and level k (alerts of level ≥ k+1): earliest matching issue time.
  std::vector<Timestamp> earliest(4 * ni, no_time);

  // Alerts sorted by (group, issue time): an incident's candidates are one
  // contiguous run [o − window, o] found by binary search.
  std::vector<std::size_t> order(na);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return alerts.group[x] != alerts.group[y] ? alerts.group[x] < alerts.group[y]
                                              : (alerts.issued[x] != alerts.issued[y] ? alerts.issued[x] < alerts.issued[y] : x < y);
  });
  auto key_less = [&](std::size_t a, std::pair<std::int64_t, Timestamp> k) {
    return alerts.group[a] != k.first ? alerts.group[a] < k.first : alerts.issued[a] < k.second;
  };
  for (std::size_t i = 0; i < ni; ++i) {
    const Timestamp o = incidents.occurred[i];
    if (o == no_time) {
      ++r.incidents_without_time;
      continue;
    }
    const std::int64_t g = incidents.group[i];
    auto it = std::lower_bound(order.begin(), order.end(), std::make_pair(g, o - opt.window), key_less);
    for (; it != order.end() && alerts.group[*it] == g && alerts.issued[*it] <= o; ++it) {
      const std::size_t a = *it;
      if (!alerts.ended.empty() && alerts.ended[a] != no_time && o > alerts.ended[a]) continue;
      ++r.alert_hits[a];
      const int lv = alerts.level[a];
      if (r.first_alert[i] < 0) {  // sorted by issue time: the first match is the earliest
        r.first_alert[i] = static_cast<std::int64_t>(a);
        r.lead_s[i] = static_cast<double>(o - alerts.issued[a]);
      }
      r.warned_level[i] = static_cast<std::int8_t>(std::max<int>(r.warned_level[i], lv));
      for (int k = 0; k < lv; ++k)
        if (earliest[4 * i + k] == no_time) earliest[4 * i + k] = alerts.issued[a];
    }
  }

  auto tally = [&](int min_level) {
    Contingency c;
    std::vector<double> leads;
    for (std::size_t i = 0; i < ni; ++i) {
      if (incidents.occurred[i] == no_time) continue;
      ++c.incidents;
      const Timestamp e = earliest[4 * i + static_cast<std::size_t>(min_level - 1)];
      if (e == no_time) {
        ++c.misses;
      } else {
        ++c.hits;
        leads.push_back(static_cast<double>(incidents.occurred[i] - e));
      }
    }
    for (std::size_t a = 0; a < na; ++a) {
      if (alerts.level[a] < min_level) continue;
      ++c.alerts;
      if (r.alert_hits[a] > 0) ++c.alerts_verified;
      else ++c.false_alarms;
    }
    const auto a = static_cast<double>(c.hits), b = static_cast<double>(c.false_alarms),
               m = static_cast<double>(c.misses);
    c.pod = detail::ratio(a, a + m);
    c.far = detail::ratio(b, a + b);
    c.csi = detail::ratio(a, a + b + m);
    c.false_alarm_share = detail::ratio(b, static_cast<double>(c.alerts));
    std::int64_t timely = 0;
    for (double l : leads) timely += l >= static_cast<double>(opt.lead_target);
    c.lead_timely_share = detail::ratio(static_cast<double>(timely), static_cast<double>(leads.size()));
    c.lead = detail::delay_stats(std::move(leads));
    return c;
  };
  r.overall = tally(1);
  for (int k = 0; k < 4; ++k) r.by_level[static_cast<std::size_t>(k)] = tally(k + 1);

  // Coverage: a place is warned when all of its known-time incidents are hits.
  std::vector<std::int8_t> place_state(static_cast<std::size_t>(max_place + 1), -1);  // −1 unaffected, 0 missed, 1 warned
  for (std::size_t i = 0; i < ni; ++i) {
    if (incidents.occurred[i] == no_time) continue;
    const auto p = static_cast<std::size_t>(incidents.place.empty() ? incidents.group[i] : incidents.place[i]);
    const std::int8_t hit = r.first_alert[i] >= 0 ? 1 : 0;
    place_state[p] = place_state[p] < 0 ? hit : std::min(place_state[p], hit);
  }
  double pop_aff = 0, pop_warn = 0;
  for (std::size_t p = 0; p < place_state.size(); ++p) {
    if (place_state[p] < 0) continue;
    ++r.places_affected;
    r.places_warned += place_state[p];
    if (with_pop) {
      pop_aff += incidents.place_population[p];
      if (place_state[p]) pop_warn += incidents.place_population[p];
    }
  }
  r.place_coverage = detail::ratio(static_cast<double>(r.places_warned), static_cast<double>(r.places_affected));
  if (with_pop) {
    r.population_affected = pop_aff;
    r.population_warned = pop_warn;
    r.population_coverage = detail::ratio(pop_warn, pop_aff);
  }
  return r;
}

// ---- 2. response timeliness ------------------------------------------------

/// Items with a deadline (shape (M,)): SLA clocks of incidents, obligations.
struct SlaRows {
  Span<const std::int64_t> kind;  ///< kind code ≥ 0 (the caller keeps the names)
  Span<const Timestamp> start;    ///< clock start, or `no_time` (never started: left out)
  Span<const Timestamp> done;     ///< completion, or `no_time` (not done)
  Span<const Duration> limit;     ///< allowed seconds from start, ≥ 0
};

/// Item outcome codes in `SlaResult::status`.
enum class DeadlineStatus : std::int8_t {
  MET = 0,           ///< done within the limit
  LATE = 1,          ///< done after the deadline
  OPEN_OVERDUE = 2,  ///< not done and past due at `as_of`
  PENDING = 3,       ///< not done, not yet due at `as_of`
  NOT_STARTED = 4,   ///< no start time
};

constexpr const char* to_string(DeadlineStatus s) noexcept {
  constexpr const char* n[] = {"met", "late", "open_overdue", "pending", "not_started"};
  return n[static_cast<int>(s)];
}

struct SlaOptions {
  Timestamp as_of = no_time;  ///< when the review looks; `no_time` = the latest start/done in the rows
  Duration grace = hours(1);  ///< "nearly on time": done ≤ this after the deadline, seconds ≥ 0
  /// Lateness histogram edges, seconds, increasing, first ≥ 0: bin 0 = lateness ≤ edges[0]
  /// (on time when 0), bin k = (edges[k−1], edges[k]], last bin = above the last edge.
  std::vector<Duration> bins{0, minutes(15), hours(1), hours(4), hours(12), hours(24)};
};

/// Outcome counts and delay statistics of one set of items.
struct SlaSummary {
  std::int64_t items = 0, met = 0, late = 0, open_overdue = 0, pending = 0, not_started = 0;
  double met_share = review_nan;           ///< met / (met + late + open_overdue)
  double within_grace_share = review_nan;  ///< (lateness ≤ grace) / (met + late + open_overdue)
  DelayStats elapsed;   ///< done − start of the done items, seconds
  DelayStats lateness;  ///< max(0, done or as_of − deadline) of the decided items, seconds
  std::vector<std::int64_t> histogram;  ///< lateness counts, bins.size() + 1 bins
};

struct SlaResult {
  Timestamp as_of = no_time;       ///< the review time used
  SlaSummary overall;
  std::vector<SlaSummary> by_kind;  ///< index = kind code (0 .. max kind)
  std::vector<DeadlineStatus> status;    ///< per item
  std::vector<double> elapsed_s;    ///< per item: done − start, NaN if not done
  std::vector<double> lateness_s;   ///< per item: ≥ 0 for decided items, NaN otherwise
};

/// Classify every item and summarise overall and per kind.
/// \param fields names for messages: {kind, start, done, limit} (the caller's columns).
/// \throws InvalidInput on a length mismatch, a negative kind or limit, a done time
///         before the start, bad bins.
inline SlaResult measure_slas(const SlaRows& rows, const SlaOptions& opt = {},
                              const std::array<const char*, 4>& fields = {"kind", "start", "done", "limit"}) {
  const std::size_t n = rows.kind.size();
  detail::check_length(rows.start, n, fields[1], fields[0]);
  detail::check_length(rows.done, n, fields[2], fields[0]);
  detail::check_length(rows.limit, n, fields[3], fields[0]);
  CRISISKIT_CHECK(opt.grace >= 0, "grace", InvalidInput::no_index, opt.grace, "must be >= 0 seconds");
  for (std::size_t k = 0; k < opt.bins.size(); ++k)
    CRISISKIT_CHECK(k == 0 ? opt.bins[k] >= 0 : opt.bins[k] > opt.bins[k - 1], "bins", static_cast<std::int64_t>(k),
                    opt.bins[k], "bin edges must be >= 0 and increasing");
  std::int64_t max_kind = -1;
  Timestamp latest = no_time;
  for (std::size_t i = 0; i < n; ++i) {
    const auto row = static_cast<std::int64_t>(i);
    CRISISKIT_CHECK(rows.kind[i] >= 0, fields[0], row, rows.kind[i], "must be a kind code >= 0");
    CRISISKIT_CHECK(rows.limit[i] >= 0, fields[3], row, rows.limit[i], "an allowed duration must be >= 0 seconds");
    if (rows.start[i] != no_time && rows.done[i] != no_time)
      CRISISKIT_CHECK(rows.done[i] >= rows.start[i], fields[2], row, detail::time_text(rows.done[i]),
                      fmt::format("is before its start {}", detail::time_text(rows.start[i])));
    max_kind = std::max(max_kind, rows.kind[i]);
    latest = std::max(latest, std::max(rows.start[i], rows.done[i]));
  }
  SlaResult r;
  r.as_of = opt.as_of != no_time ? opt.as_of : latest;
  r.status.resize(n);
  r.elapsed_s.assign(n, review_nan);
  r.lateness_s.assign(n, review_nan);
  for (std::size_t i = 0; i < n; ++i) {
    const Timestamp s = rows.start[i], d = rows.done[i];
    if (s == no_time) {
      r.status[i] = DeadlineStatus::NOT_STARTED;
      continue;
    }
    const Timestamp due = s + rows.limit[i];
    if (d != no_time) {
      r.elapsed_s[i] = static_cast<double>(d - s);
      r.lateness_s[i] = static_cast<double>(std::max<Timestamp>(0, d - due));
      r.status[i] = d <= due ? DeadlineStatus::MET : DeadlineStatus::LATE;
    } else if (r.as_of != no_time && r.as_of > due) {
      r.lateness_s[i] = static_cast<double>(r.as_of - due);
      r.status[i] = DeadlineStatus::OPEN_OVERDUE;
    } else {
      r.status[i] = DeadlineStatus::PENDING;
    }
  }
  auto summarise = [&](std::int64_t kind) {
    SlaSummary s;
    s.histogram.assign(opt.bins.size() + 1, 0);
    std::vector<double> el, late;
    std::int64_t grace_ok = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (kind >= 0 && rows.kind[i] != kind) continue;
      ++s.items;
      switch (r.status[i]) {
        case DeadlineStatus::MET: ++s.met; break;
        case DeadlineStatus::LATE: ++s.late; break;
        case DeadlineStatus::OPEN_OVERDUE: ++s.open_overdue; break;
        case DeadlineStatus::PENDING: ++s.pending; break;
        case DeadlineStatus::NOT_STARTED: ++s.not_started; break;
      }
      if (!std::isnan(r.elapsed_s[i])) el.push_back(r.elapsed_s[i]);
      const double l = r.lateness_s[i];
      if (std::isnan(l)) continue;
      late.push_back(l);
      grace_ok += l <= static_cast<double>(opt.grace);
      const auto b = std::lower_bound(opt.bins.begin(), opt.bins.end(), l,
                                      [](Duration e, double v) { return static_cast<double>(e) < v; });
      ++s.histogram[static_cast<std::size_t>(b - opt.bins.begin())];
    }
    const auto decided = static_cast<double>(s.met + s.late + s.open_overdue);
    s.met_share = detail::ratio(static_cast<double>(s.met), decided);
    s.within_grace_share = detail::ratio(static_cast<double>(grace_ok), decided);
    s.elapsed = detail::delay_stats(std::move(el));
    s.lateness = detail::delay_stats(std::move(late));
    return s;
  };
  r.overall = summarise(-1);
  for (std::int64_t k = 0; k <= max_kind; ++k) r.by_kind.push_back(summarise(k));
  return r;
}

// ---- 3. coordination -------------------------------------------------------

/// What coordination is measured from. Every part may be empty.
struct CoordinationRows {
  /// Per incident (shape (N,)): dispatch and sign-for times, `no_time` if not reached.
  Span<const Timestamp> dispatched;
  Span<const Timestamp> signed_at;
  /// Transitions (shape (T,)): incident code ≥ 0, time, department code (−1 = none).
  Span<const std::int64_t> transition_incident;
  Span<const Timestamp> transition_at;
  Span<const std::int64_t> transition_department;
  /// Needs of a matching (shape (D,)): quantity = served + unmet, all ≥ 0;
  /// priority class code ≥ 0 or empty.
  Span<const std::int64_t> need_quantity;
  Span<const std::int64_t> need_served;
  Span<const std::int64_t> need_unmet;
  Span<const std::int64_t> need_class;
};

struct CoordinationOptions {
  Duration sign_target = minutes(15);  ///< dispatch → sign within this, seconds ≥ 0
  std::int64_t max_handoffs = 1;       ///< an incident with at most this many hand-offs is "smooth"
  Timestamp as_of = no_time;           ///< as in `SlaOptions` (unsigned dispatches past target count as missed)
};

/// Need served and unmet, for all needs or one priority class.
struct NeedShare {
  std::int64_t needs = 0, quantity = 0, served = 0, unmet = 0;
  double unmet_share = review_nan;  ///< unmet / quantity
};

struct CoordinationResult {
  SlaResult sign;  ///< dispatch → sign latency as an SLA (kind 0 only)
  std::int64_t incidents_with_departments = 0;  ///< incidents having a transition with a department
  DelayStats handoffs;                          ///< hand-offs per such incident (counts)
  double smooth_share = review_nan;             ///< share with ≤ max_handoffs hand-offs
  std::vector<std::int64_t> handoffs_per_incident;  ///< by incident code (−1 = no department seen)
  NeedShare need;                               ///< all needs (needs = 0: no matching given)
  std::vector<NeedShare> need_by_class;         ///< index = class code
};

/// Dispatch-to-sign latency, hand-offs and unmet need.
/// \throws InvalidInput on length mismatches, a sign time before dispatch, a
///         negative incident code or missing transition time, negative or
///         inconsistent need quantities (quantity ≠ served + unmet).
inline CoordinationResult measure_coordination(const CoordinationRows& rows, const CoordinationOptions& opt = {}) {
  CoordinationResult r;
  const std::size_t ni = rows.dispatched.size();
  detail::check_length(rows.signed_at, ni, "incidents.signed_at", "incidents.dispatched_at");
  CRISISKIT_CHECK(opt.sign_target >= 0, "sign_target", InvalidInput::no_index, opt.sign_target, "must be >= 0 seconds");
  CRISISKIT_CHECK(opt.max_handoffs >= 0, "max_handoffs", InvalidInput::no_index, opt.max_handoffs, "must be >= 0");
  const std::size_t nt = rows.transition_incident.size();
  detail::check_length(rows.transition_at, nt, "transitions.at", "transitions.incident");
  detail::check_length(rows.transition_department, nt, "transitions.department", "transitions.incident");
  const std::size_t nd = rows.need_quantity.size();
  detail::check_length(rows.need_served, nd, "needs.served", "needs.quantity");
  detail::check_length(rows.need_unmet, nd, "needs.unmet", "needs.quantity");
  if (!rows.need_class.empty()) detail::check_length(rows.need_class, nd, "needs.priority", "needs.quantity");
  std::int64_t n_codes = 0;
  for (std::size_t t = 0; t < nt; ++t) {
    const auto row = static_cast<std::int64_t>(t);
    CRISISKIT_CHECK(rows.transition_incident[t] >= 0, "transitions.incident", row, rows.transition_incident[t],
                    "must be an incident code >= 0");
    CRISISKIT_CHECK(rows.transition_at[t] != no_time, "transitions.at", row, "NaT", "a transition needs a time");
    n_codes = std::max(n_codes, rows.transition_incident[t] + 1);
  }
  std::int64_t n_classes = 0;
  for (std::size_t d = 0; d < nd; ++d) {
    const auto row = static_cast<std::int64_t>(d);
    CRISISKIT_CHECK(rows.need_quantity[d] >= 0, "needs.quantity", row, rows.need_quantity[d], "must be >= 0");
    CRISISKIT_CHECK(rows.need_served[d] >= 0, "needs.served", row, rows.need_served[d], "must be >= 0");
    CRISISKIT_CHECK(rows.need_unmet[d] >= 0, "needs.unmet", row, rows.need_unmet[d], "must be >= 0");
    CRISISKIT_CHECK(rows.need_served[d] + rows.need_unmet[d] == rows.need_quantity[d], "needs.unmet", row,
                    rows.need_unmet[d],
                    fmt::format("served {} + unmet must equal quantity {}", rows.need_served[d], rows.need_quantity[d]));
    if (!rows.need_class.empty()) {
      CRISISKIT_CHECK(rows.need_class[d] >= 0, "needs.priority", row, rows.need_class[d], "must be a class code >= 0");
      n_classes = std::max(n_classes, rows.need_class[d] + 1);
    }
  }
  // Dispatch → sign is an SLA of one kind; a sign time before dispatch is the caller's error.
  std::vector<std::int64_t> kind(ni, 0);
  std::vector<Duration> limit(ni, opt.sign_target);
  SlaOptions so;
  so.as_of = opt.as_of;
  r.sign = measure_slas({kind, rows.dispatched, rows.signed_at, limit}, so,
                        {"incidents", "incidents.dispatched_at", "incidents.signed_at", "sign_target"});

  // Hand-offs: each incident's transitions in time order (ties: input order).
  std::vector<std::size_t> order(nt);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return rows.transition_incident[a] != rows.transition_incident[b]
               ? rows.transition_incident[a] < rows.transition_incident[b]
               : rows.transition_at[a] < rows.transition_at[b];
  });
  r.handoffs_per_incident.assign(static_cast<std::size_t>(n_codes), -1);
  std::vector<std::int64_t> last_dept(static_cast<std::size_t>(n_codes), -1);
  for (std::size_t t : order) {
    const auto i = static_cast<std::size_t>(rows.transition_incident[t]);
    const std::int64_t dep = rows.transition_department[t];
    if (dep < 0) continue;
    if (r.handoffs_per_incident[i] < 0) r.handoffs_per_incident[i] = 0;
    else if (dep != last_dept[i]) ++r.handoffs_per_incident[i];
    last_dept[i] = dep;
  }
  std::vector<double> counts;
  std::int64_t smooth = 0;
  for (std::int64_t h : r.handoffs_per_incident) {
    if (h < 0) continue;
    counts.push_back(static_cast<double>(h));
    smooth += h <= opt.max_handoffs;
  }
  r.incidents_with_departments = static_cast<std::int64_t>(counts.size());
  r.smooth_share = detail::ratio(static_cast<double>(smooth), static_cast<double>(counts.size()));
  r.handoffs = detail::delay_stats(std::move(counts));

  r.need_by_class.assign(static_cast<std::size_t>(n_classes), NeedShare{});
  auto add = [](NeedShare& s, std::int64_t q, std::int64_t sv, std::int64_t u) {
    ++s.needs;
    s.quantity += q;
    s.served += sv;
    s.unmet += u;
  };
  for (std::size_t d = 0; d < nd; ++d) {
    add(r.need, rows.need_quantity[d], rows.need_served[d], rows.need_unmet[d]);
    if (!rows.need_class.empty())
      add(r.need_by_class[static_cast<std::size_t>(rows.need_class[d])], rows.need_quantity[d], rows.need_served[d],
          rows.need_unmet[d]);
  }
  auto share = [](NeedShare& s) { s.unmet_share = detail::ratio(static_cast<double>(s.unmet), static_cast<double>(s.quantity)); };
  share(r.need);
  for (auto& s : r.need_by_class) share(s);
  return r;
}

// ---- 4. public communication -----------------------------------------------

/// An opinion time series (shape (K,)), possibly several (per place or topic).
struct OpinionRows {
  Span<const std::int64_t> series;  ///< series code ≥ 0, or empty = one series
  Span<const Timestamp> at;         ///< observation time (required)
  /// Negative posts (with `total`) or the negative share in [0, 1] (without).
  Span<const double> negative;
  Span<const double> total;  ///< posts observed ≥ 0, or empty
  Span<const double> heat;   ///< discussion heat ≥ 0; empty = `total` (no heat without either)
};

/// Public information releases (shape (R,)).
struct ReleaseRows {
  Span<const Timestamp> at;         ///< release time (required)
  Span<const std::int64_t> series;  ///< series it addresses, −1 = all; empty = all
};

struct OpinionOptions {
  Duration before = hours(6);         ///< window before a release, seconds > 0
  Duration after = hours(6);          ///< window after a release (and heat window width), seconds > 0
  Duration heat_horizon = hours(24);  ///< heat measured this long after a release, seconds ≥ after
};

/// One release's effect. NaN where a window holds no observation.
struct ReleaseEffect {
  std::int64_t n_before = 0, n_after = 0;  ///< observations in the two share windows
  double share_before = review_nan, share_after = review_nan;
  double drop = review_nan;           ///< share_before − share_after
  double relative_drop = review_nan;  ///< drop / share_before
  double heat_before = review_nan, heat_at_horizon = review_nan;
  double heat_drop = review_nan;      ///< 1 − heat_at_horizon / heat_before
};

struct OpinionResult {
  std::vector<ReleaseEffect> releases;  ///< per release, input order
  std::int64_t assessed = 0;            ///< releases with both share windows observed
  double mean_share_before = review_nan, mean_share_after = review_nan;
  double mean_drop = review_nan, mean_relative_drop = review_nan;
  double dropped_share = review_nan;    ///< share of assessed releases followed by a lower share
  std::int64_t heat_assessed = 0;
  double mean_heat_drop = review_nan;
  double share_first = review_nan;  ///< before the earliest assessed release
  double share_last = review_nan;   ///< after the latest assessed release
};

/// Negative share and heat around each release (see the file comment).
/// \throws InvalidInput on length mismatches, a missing time, a share outside
///         [0, 1], negative or NaN counts, negative > total, bad windows.
inline OpinionResult measure_opinion(const OpinionRows& op, const ReleaseRows& rel, const OpinionOptions& opt = {}) {
  const std::size_t k = op.at.size();
  CRISISKIT_CHECK(opt.before > 0, "before", InvalidInput::no_index, opt.before, "must be > 0 seconds");
  CRISISKIT_CHECK(opt.after > 0, "after", InvalidInput::no_index, opt.after, "must be > 0 seconds");
  CRISISKIT_CHECK(opt.heat_horizon >= opt.after, "heat_horizon", InvalidInput::no_index, opt.heat_horizon,
                  fmt::format("must be >= after ({} s)", opt.after));
  if (!op.series.empty()) detail::check_length(op.series, k, "opinion.series", "opinion.at");
  detail::check_length(op.negative, k, op.total.empty() ? "opinion.negative_share" : "opinion.n_negative", "opinion.at");
  if (!op.total.empty()) detail::check_length(op.total, k, "opinion.n_total", "opinion.at");
  if (!op.heat.empty()) detail::check_length(op.heat, k, "opinion.heat", "opinion.at");
  if (!rel.series.empty()) detail::check_length(rel.series, rel.at.size(), "releases.series", "releases.at");
  for (std::size_t i = 0; i < k; ++i) {
    const auto row = static_cast<std::int64_t>(i);
    CRISISKIT_CHECK(op.at[i] != no_time, "opinion.at", row, "NaT", "an observation needs a time");
    if (!op.series.empty()) CRISISKIT_CHECK(op.series[i] >= 0, "opinion.series", row, op.series[i], "must be a code >= 0");
    const double v = op.negative[i];
    if (op.total.empty()) {
      CRISISKIT_CHECK(v >= 0 && v <= 1, "opinion.negative_share", row, v, "a share must be within [0, 1]");
    } else {
      const double t = op.total[i];
      CRISISKIT_CHECK(std::isfinite(t) && t >= 0, "opinion.n_total", row, t, "must be finite and >= 0");
      CRISISKIT_CHECK(v >= 0 && v <= t, "opinion.n_negative", row, v, fmt::format("must be within [0, n_total = {}]", t));
    }
    if (!op.heat.empty())
      CRISISKIT_CHECK(std::isfinite(op.heat[i]) && op.heat[i] >= 0, "opinion.heat", row, op.heat[i], "must be finite and >= 0");
  }
  for (std::size_t j = 0; j < rel.at.size(); ++j) {
    CRISISKIT_CHECK(rel.at[j] != no_time, "releases.at", static_cast<std::int64_t>(j), "NaT", "a release needs a time");
    if (!rel.series.empty())
      CRISISKIT_CHECK(rel.series[j] >= -1, "releases.series", static_cast<std::int64_t>(j), rel.series[j],
                      "must be a series code >= 0, or -1 for all");
  }
  const Span<const double> heat = !op.heat.empty() ? op.heat : op.total;

  // Observations sorted by time: each window is a binary-searched run.
  std::vector<std::size_t> order(k);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return op.at[a] < op.at[b]; });
  // Observations with time in [lo, hi] (inclusive bounds; callers shift by one second for open ends).
  auto window = [&](Timestamp lo, Timestamp hi, std::int64_t series, auto&& visit) {
    auto it = std::lower_bound(order.begin(), order.end(), lo, [&](std::size_t a, Timestamp t) { return op.at[a] < t; });
    for (; it != order.end() && op.at[*it] <= hi; ++it)
      if (series < 0 || op.series.empty() || op.series[*it] == series) visit(*it);
  };
  OpinionResult r;
  std::vector<double> before, after, drops, rel_drops, heat_drops;
  std::int64_t dropped = 0;
  Timestamp first_t = no_time, last_t = no_time;
  for (std::size_t j = 0; j < rel.at.size(); ++j) {
    const Timestamp t = rel.at[j];
    const std::int64_t s = rel.series.empty() ? -1 : rel.series[j];
    ReleaseEffect e;
    auto share_in = [&](Timestamp lo, Timestamp hi, std::int64_t& n) {
      double num = 0, den = 0;
      window(lo, hi, s, [&](std::size_t i) {
        ++n;
        num += op.negative[i];
        den += op.total.empty() ? 1.0 : op.total[i];
      });
      return n > 0 ? detail::ratio(num, den) : review_nan;
    };
    auto heat_in = [&](Timestamp lo, Timestamp hi) {
      if (heat.empty()) return review_nan;
      double sum = 0;
      std::int64_t n = 0;
      window(lo, hi, s, [&](std::size_t i) {
        sum += heat[i];
        ++n;
      });
      return n > 0 ? sum / static_cast<double>(n) : review_nan;
    };
    e.share_before = share_in(t - opt.before, t - 1, e.n_before);
    e.share_after = share_in(t + 1, t + opt.after, e.n_after);
    e.drop = e.share_before - e.share_after;
    e.relative_drop = detail::ratio(e.drop, e.share_before);
    if (e.share_before == 0 && e.share_after == 0) e.relative_drop = 0;  // nothing negative to reduce
    e.heat_before = heat_in(t - opt.before, t - 1);
    e.heat_at_horizon = heat_in(t + opt.heat_horizon - opt.after + 1, t + opt.heat_horizon);
    e.heat_drop = e.heat_before > 0 ? 1 - e.heat_at_horizon / e.heat_before : review_nan;
    if (!std::isnan(e.drop)) {
      ++r.assessed;
      before.push_back(e.share_before);
      after.push_back(e.share_after);
      drops.push_back(e.drop);
      if (!std::isnan(e.relative_drop)) rel_drops.push_back(e.relative_drop);
      dropped += e.drop > 0;
      if (first_t == no_time || t < first_t) {
        first_t = t;
        r.share_first = e.share_before;
      }
      if (last_t == no_time || t >= last_t) {
        last_t = t;
        r.share_last = e.share_after;
      }
    }
    if (!std::isnan(e.heat_drop)) heat_drops.push_back(e.heat_drop);
    r.releases.push_back(e);
  }
  auto mean = [](const std::vector<double>& v) {
    return v.empty() ? review_nan : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  };
  r.mean_share_before = mean(before);
  r.mean_share_after = mean(after);
  r.mean_drop = mean(drops);
  r.mean_relative_drop = mean(rel_drops);
  r.dropped_share = detail::ratio(static_cast<double>(dropped), static_cast<double>(r.assessed));
  r.heat_assessed = static_cast<std::int64_t>(heat_drops.size());
  r.mean_heat_drop = mean(heat_drops);
  return r;
}

// ---- scores ----------------------------------------------------------------

/// Review dimensions, in report order.
enum class Dimension : std::int8_t { WARNING = 0, TIMELINESS = 1, COORDINATION = 2, COMMUNICATION = 3 };

constexpr const char* to_string(Dimension d) noexcept {
  constexpr const char* n[] = {"warning_accuracy", "response_timeliness", "coordination", "public_communication"};
  return n[static_cast<int>(d)];
}

/// Weights and targets of the scoring formulas (file comment). Weights ≥ 0.
struct ScoreWeights {
  double pod = 0.35, one_minus_far = 0.25, lead = 0.15, coverage = 0.25;
  double met = 0.7, grace = 0.3;
  double signed_in_time = 0.35, smooth = 0.25, need_met = 0.4;
  double dropped = 0.3, negative_drop = 0.4, heat_drop = 0.3;
  double target_negative_drop = 1.0 - 5.0 / 40.0;  ///< SPEC §5: negative share 40 % → 5 %
  double target_heat_drop = 0.8;                   ///< SPEC §5: heat −80 % in 24 h
  /// Overall weights per dimension (WARNING, TIMELINESS, COORDINATION, COMMUNICATION).
  std::array<double, 4> dimension{1, 1, 1, 1};
};

/// One term of a dimension's score.
struct ScoreComponent {
  std::string name;      ///< e.g. "pod"
  double value = review_nan;  ///< in [0, 1]; NaN = not available (left out)
  double weight = 0;
};

struct DimensionScore {
  Dimension dimension = Dimension::WARNING;
  double score = review_nan;  ///< 0–100, NaN = not assessed
  std::string reason;         ///< why not assessed (empty when assessed)
  std::vector<ScoreComponent> components;
  bool assessed() const noexcept { return !std::isnan(score); }
};

namespace detail {

inline double clamp01(double x) { return std::isnan(x) ? x : std::min(1.0, std::max(0.0, x)); }

inline DimensionScore combine(Dimension d, std::vector<ScoreComponent> comps, const std::string& reason) {
  DimensionScore s;
  s.dimension = d;
  double num = 0, den = 0;
  for (const auto& c : comps)
    if (!std::isnan(c.value) && c.weight > 0) {
      num += c.weight * c.value;
      den += c.weight;
    }
  s.components = std::move(comps);
  if (den > 0) s.score = 100 * num / den;
  else s.reason = reason;
  return s;
}

inline void check_weights(const ScoreWeights& w) {
  const double v[] = {w.pod, w.one_minus_far, w.lead, w.coverage, w.met, w.grace, w.signed_in_time, w.smooth,
                      w.need_met, w.dropped, w.negative_drop, w.heat_drop, w.dimension[0], w.dimension[1],
                      w.dimension[2], w.dimension[3]};
  for (std::size_t i = 0; i < std::size(v); ++i)
    CRISISKIT_CHECK(std::isfinite(v[i]) && v[i] >= 0, "weights", static_cast<std::int64_t>(i), v[i],
                    "weights must be finite and >= 0");
  CRISISKIT_CHECK(w.target_negative_drop > 0 && w.target_negative_drop <= 1, "target_negative_drop",
                  InvalidInput::no_index, w.target_negative_drop, "must be in (0, 1]");
  CRISISKIT_CHECK(w.target_heat_drop > 0 && w.target_heat_drop <= 1, "target_heat_drop", InvalidInput::no_index,
                  w.target_heat_drop, "must be in (0, 1]");
}

}  // namespace detail

/// Warning score; not assessed without alerts and incidents.
inline DimensionScore score_warning(const WarningResult* r, const ScoreWeights& w = {}) {
  if (!r) return detail::combine(Dimension::WARNING, {}, "no alerts or incidents given");
  const Contingency& c = r->overall;
  const double cov = !std::isnan(r->population_coverage) ? r->population_coverage : r->place_coverage;
  return detail::combine(Dimension::WARNING,
                         {{"pod", c.pod, w.pod},
                          {"one_minus_far", std::isnan(c.far) ? c.far : 1 - c.far, w.one_minus_far},
                          {"lead_timely_share", c.lead_timely_share, w.lead},
                          {"coverage", cov, w.coverage}},
                         c.incidents == 0 && c.alerts == 0 ? "no alerts and no incidents with a known occurrence"
                                                           : "no component could be computed");
}

/// Timeliness score; not assessed when no item was decided (met, late or overdue).
inline DimensionScore score_timeliness(const SlaResult* r, const ScoreWeights& w = {}) {
  if (!r) return detail::combine(Dimension::TIMELINESS, {}, "no deadlines given (no incidents or obligations)");
  return detail::combine(Dimension::TIMELINESS,
                         {{"met_share", r->overall.met_share, w.met},
                          {"within_grace_share", r->overall.within_grace_share, w.grace}},
                         r->overall.items == 0 ? "no items with a deadline"
                                               : "no item has started and reached its deadline or completion");
}

/// Coordination score; not assessed without dispatches, departments or needs.
inline DimensionScore score_coordination(const CoordinationResult* r, const ScoreWeights& w = {}) {
  if (!r) return detail::combine(Dimension::COORDINATION, {}, "no incidents, transitions or needs given");
  return detail::combine(
      Dimension::COORDINATION,
      {{"signed_in_time_share", r->sign.overall.met_share, w.signed_in_time},
       {"smooth_share", r->smooth_share, w.smooth},
       {"need_met_share", std::isnan(r->need.unmet_share) ? review_nan : 1 - r->need.unmet_share, w.need_met}},
      "no dispatch was signed or overdue, no transition names a department, and no need has a quantity");
}

/// Communication score; not assessed without a release with observations on both sides.
inline DimensionScore score_communication(const OpinionResult* r, const ScoreWeights& w = {}) {
  if (!r) return detail::combine(Dimension::COMMUNICATION, {}, "no opinion series or releases given");
  return detail::combine(
      Dimension::COMMUNICATION,
      {{"dropped_share", r->dropped_share, w.dropped},
       {"negative_drop_vs_target", detail::clamp01(r->mean_relative_drop / w.target_negative_drop), w.negative_drop},
       {"heat_drop_vs_target", detail::clamp01(r->mean_heat_drop / w.target_heat_drop), w.heat_drop}},
      r->releases.empty() ? "no releases given" : "no release has opinion observations on both sides");
}

/// Inputs of a whole review; a null part is "not given".
struct ReviewInputs {
  const AlertRows* alerts = nullptr;  ///< with `incidents`: warning accuracy
  const WarnedIncidentRows* incidents = nullptr;
  const SlaRows* slas = nullptr;                 ///< timeliness
  const CoordinationRows* coordination = nullptr;
  const OpinionRows* opinion = nullptr;          ///< with `releases`: communication
  const ReleaseRows* releases = nullptr;
};

struct ReviewOptions {
  WarningOptions warning;
  SlaOptions timeliness;
  CoordinationOptions coordination;
  OpinionOptions opinion;
  ScoreWeights weights;
  /// Review time for open items; `no_time` = the latest time in the SLA and
  /// coordination inputs (overrides the per-dimension `as_of`s when set).
  Timestamp as_of = no_time;
};

/// The measured dimensions, their scores and the overall score.
struct Review {
  std::optional<WarningResult> warning;
  std::optional<SlaResult> timeliness;
  std::optional<CoordinationResult> coordination;
  std::optional<OpinionResult> communication;
  std::array<DimensionScore, 4> scores;
  double overall = review_nan;  ///< weighted mean of assessed scores; NaN if none
  Timestamp as_of = no_time;
};

/// Overall score from dimension scores (assessed ones only).
inline double overall_score(const std::array<DimensionScore, 4>& s, const ScoreWeights& w = {}) {
  double num = 0, den = 0;
  for (std::size_t d = 0; d < 4; ++d)
    if (s[d].assessed() && w.dimension[d] > 0) {
      num += w.dimension[d] * s[d].score;
      den += w.dimension[d];
    }
  return den > 0 ? num / den : review_nan;
}

/// Measure and score everything given.
/// \throws InvalidInput from the dimension functions or for bad weights.
inline Review review(const ReviewInputs& in, const ReviewOptions& opt = {}) {
  detail::check_weights(opt.weights);
  Review r;
  Timestamp as_of = opt.as_of;
  if (as_of == no_time) {
    auto see = [&](Span<const Timestamp> ts) {
      for (Timestamp t : ts) as_of = std::max(as_of, t);
    };
    if (in.slas) {
      see(in.slas->start);
      see(in.slas->done);
    }
    if (in.coordination) {
      see(in.coordination->dispatched);
      see(in.coordination->signed_at);
      see(in.coordination->transition_at);
    }
  }
  r.as_of = as_of;
  if (in.alerts && in.incidents) r.warning = verify_warnings(*in.alerts, *in.incidents, opt.warning);
  if (in.slas) {
    SlaOptions so = opt.timeliness;
    so.as_of = as_of;
    r.timeliness = measure_slas(*in.slas, so);
  }
  if (in.coordination) {
    CoordinationOptions co = opt.coordination;
    co.as_of = as_of;
    r.coordination = measure_coordination(*in.coordination, co);
  }
  if (in.opinion && in.releases) r.communication = measure_opinion(*in.opinion, *in.releases, opt.opinion);
  r.scores[0] = score_warning(r.warning ? &*r.warning : nullptr, opt.weights);
  r.scores[1] = score_timeliness(r.timeliness ? &*r.timeliness : nullptr, opt.weights);
  r.scores[2] = score_coordination(r.coordination ? &*r.coordination : nullptr, opt.weights);
  r.scores[3] = score_communication(r.communication ? &*r.communication : nullptr, opt.weights);
  r.overall = overall_score(r.scores, opt.weights);
  return r;
}

}  // namespace crisiskit::incident
