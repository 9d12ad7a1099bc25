#pragma once
/// \file
/// KPIs of the incident lifecycle per period and group (department, kind,
/// place or level), computed in one pass over an `IncidentLog`.
///
/// Definitions (every count is of incidents, not events):
/// - **Period.** An incident belongs to the period containing its original
///   report time (`Incident::reported_at()`, the first REPORT; a reopen does
///   not move it). Fixed-width periods of `width` seconds are aligned to
///   Monday 1970-01-05 00:00 in the zone `offset_minutes` east of UTC (so
///   1-day bins are local days and 7-day bins Monday-to-Sunday weeks);
///   custom periods are `[edges[b], edges[b+1])` and incidents reported
///   outside them are left out. Only non-empty (period, group) rows appear,
///   sorted by period, then group index.
/// - **Group.** DEPARTMENT: the assignee (the department of the latest
///   DISPATCH; `no_name` for an incident never dispatched); KIND, PLACE:
///   as reported; LEVEL: the alert level; NONE: one group.
/// - `reported`: incidents in the row (the denominator of the rates below
///   unless said otherwise). Open incidents count here.
/// - `dispatched`, `signed`: incidents ever dispatched / signed.
/// - `dispatch_median_s`, `dispatch_p90_s`: median and 90th percentile of
///   first DISPATCH − reported_at, seconds, over the row's dispatched
///   incidents (never-dispatched ones are left out: censored, visible as
///   `reported − dispatched`); `sign_*` the same for the first SIGN.
///   Percentiles interpolate linearly between order statistics, exactly as
///   numpy's default (`method="linear"`): position q·(n−1). NaN when empty.
/// - `closed`: incidents in FEEDBACK or ASSESSED at the end of the log;
///   `closure_rate` = closed / reported (so open ones lower it).
/// - `fed_back`: incidents that reached FEEDBACK at least once;
///   `reopened`: incidents reopened at least once; `reopen_rate` =
///   reopened / fed_back (only a fed-back incident can be reopened); NaN if 0.
/// - `assessed`: incidents with a satisfaction score; `satisfaction_mean`:
///   the mean of their latest scores; NaN if none.
/// - Per SLA k (sla.hpp): `on_time[k]`, `late[k]`: incidents whose SLA k is
///   ON_TIME / LATE at the evaluation time `at` (an unmet SLA past due is
///   LATE; PENDING and not-applicable ones are in neither);
///   `on_time_rate[k]` = on_time / (on_time + late), NaN if 0.
///
/// Cost: two sequential passes over the n incidents plus a selection
/// (nth_element, O(n_g) expected) per group for the percentiles; memory
/// O(n). A sort of the distinct (period, group) codes is added only when
/// their grid is larger than n (e.g. 1-second periods).
///
/// Thread-safety: reads the log only; run it concurrently with other const
/// calls, not with a mutation.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/core/time.hpp"
#include "crisiskit/incident/incident_log.hpp"

namespace crisiskit::incident {

enum class KpiGroup : std::int8_t { NONE = 0, DEPARTMENT = 1, KIND = 2, PLACE = 3, LEVEL = 4 };

constexpr std::string_view to_string(KpiGroup g) noexcept {
  constexpr std::string_view n[] = {"none", "department", "kind", "place", "level"};
  return n[static_cast<int>(g)];
}

struct KpiOptions {
  Duration width = days(1);       ///< period width, seconds (> 0); unused when `edges` is given
  int offset_minutes = 0;         ///< zone of the period boundaries, minutes east of UTC
  std::vector<Timestamp> edges;   ///< custom periods, strictly increasing UTC seconds (≥ 2 edges)
  KpiGroup by = KpiGroup::DEPARTMENT;
  Timestamp at = no_time;         ///< evaluation time for SLAs; default the log's last event; not before it
};

/// One row per non-empty (period, group); see the file comment for each column.
struct KpiTable {
  Timestamp at = no_time;  ///< the evaluation time used
  std::vector<Timestamp> period_start, period_end;
  std::vector<std::int32_t> group;  ///< index into the grouped IdMap (`no_name` = none), the level number, or 0
  std::vector<std::int64_t> reported, dispatched, signed_, closed, fed_back, reopened, assessed;
  std::vector<double> closure_rate, reopen_rate, dispatch_median_s, dispatch_p90_s, sign_median_s, sign_p90_s,
      satisfaction_mean;
  std::array<std::vector<std::int64_t>, num_sla_kinds> on_time, late;
  std::array<std::vector<double>, num_sla_kinds> on_time_rate;
  std::size_t size() const noexcept { return period_start.size(); }
};

namespace detail {

// numpy's linear-interpolation quantile (its `_lerp`, including the
// t ≥ 0.5 branch) of v, which is reordered. NaN if v is empty.
inline double quantile_linear(std::vector<double>& v, double q) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
  const double a = v[lo];
  const double b = hi == lo ? a : *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end());
  const double t = pos - static_cast<double>(lo);
  const double d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

inline double ratio(std::int64_t num, std::int64_t den) {
  return den == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace detail

/// KPIs of `log` (see the file comment).
/// \throws InvalidInput `width` ≤ 0, `edges` not strictly increasing or
///         fewer than 2, `offset_minutes` beyond ±23:59, `at` before the
///         log's last event, an unknown `by`.
inline KpiTable compute_kpis(const IncidentLog& log, const KpiOptions& opt = {}) {
  const bool custom = !opt.edges.empty();
  if (custom) {
    CRISISKIT_CHECK(opt.edges.size() >= 2, "edges", InvalidInput::no_index, opt.edges.size(),
                    "custom periods need at least 2 edges");
    for (std::size_t b = 1; b < opt.edges.size(); ++b)
      CRISISKIT_CHECK(opt.edges[b] > opt.edges[b - 1], "edges", static_cast<std::int64_t>(b), opt.edges[b],
                      "edges must be strictly increasing");
  } else {
    CRISISKIT_CHECK(opt.width > 0 && opt.width <= max_abs_time, "width", InvalidInput::no_index, opt.width,
                    "a period must be 1 s .. 2^40 s");
  }
  format_offset(opt.offset_minutes);  // validates the offset
  const int by = static_cast<int>(opt.by);
  CRISISKIT_CHECK(by >= 0 && by <= 4, "by", InvalidInput::no_index, by, "unknown KPI grouping");
  KpiTable out;
  out.at = opt.at == no_time ? (log.last_time() == no_time ? 0 : log.last_time()) : opt.at;
  if (opt.at != no_time && log.last_time() != no_time && opt.at < log.last_time())
    throw_invalid("at", InvalidInput::no_index, format_time(opt.at),
                  fmt::format("is before the log's last event at {}: KPIs are evaluated at or after it",
                              format_time(log.last_time())));

  const auto& inc = log.incidents();
  const std::size_t n = inc.size();
  std::int64_t keys = 1;
  if (opt.by == KpiGroup::DEPARTMENT) keys = log.departments().size() + 1;
  else if (opt.by == KpiGroup::KIND) keys = log.kinds().size() + 1;
  else if (opt.by == KpiGroup::PLACE) keys = log.places().size() + 1;
  else if (opt.by == KpiGroup::LEVEL) keys = num_alert_levels;
  auto key_of = [&](const Incident& x) -> std::int64_t {
    switch (opt.by) {
      case KpiGroup::DEPARTMENT: return x.department + 1;
      case KpiGroup::KIND: return x.kind + 1;
      case KpiGroup::PLACE: return x.place + 1;
      case KpiGroup::LEVEL: return to_int(x.level);
      default: return 0;
    }
  };
  const Timestamp origin = days(4) - static_cast<Timestamp>(opt.offset_minutes) * 60;  // a Monday, local midnight
  auto bin_of = [&](Timestamp t) -> std::int64_t {
    if (!custom) return ::crisiskit::detail::floor_div(t - origin, opt.width);
    const auto it = std::upper_bound(opt.edges.begin(), opt.edges.end(), t);
    const auto b = static_cast<std::int64_t>(it - opt.edges.begin()) - 1;
    return b >= 0 && b + 1 < static_cast<std::int64_t>(opt.edges.size()) ? b : std::numeric_limits<std::int64_t>::min();
  };

  // Group index of every incident: codes (bin, key) on a dense grid when it
  // is small, else compressed by sorting the distinct codes. Then two
  // sequential passes: additive counts into per-group accumulators, and the
  // delays bucketed by group for the percentiles. Incidents are read in
  // memory order; only the small accumulators are written at random.
  constexpr auto none = std::numeric_limits<std::int64_t>::min();
  std::vector<std::int64_t> code(n, -1);
  std::int64_t bmin = std::numeric_limits<std::int64_t>::max(), bmax = none;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t b = bin_of(inc[i].reported_at());
    code[i] = b;
    if (b == none) continue;
    bmin = std::min(bmin, b);
    bmax = std::max(bmax, b);
  }
  std::vector<std::int64_t> codes;  // the code of each group, ascending
  std::vector<std::int32_t> gi(n, -1);
  if (bmin <= bmax) {
    const auto span = static_cast<std::uint64_t>(bmax - bmin) + 1;
    const bool dense = span <= (std::uint64_t{1} << 40) / static_cast<std::uint64_t>(keys) &&
                       span * static_cast<std::uint64_t>(keys) <= std::max<std::uint64_t>(n, 1u << 16);
    for (std::size_t i = 0; i < n; ++i)
      if (code[i] != none) code[i] = (code[i] - bmin) * keys + key_of(inc[i]);
    if (dense) {
      std::vector<std::int32_t> slot(static_cast<std::size_t>(span * static_cast<std::uint64_t>(keys)), -1);
      for (std::size_t i = 0; i < n; ++i)
        if (code[i] != none) slot[static_cast<std::size_t>(code[i])] = 0;
      for (std::size_t c = 0; c < slot.size(); ++c)
        if (slot[c] == 0) {
          slot[c] = static_cast<std::int32_t>(codes.size());
          codes.push_back(static_cast<std::int64_t>(c));
        }
      for (std::size_t i = 0; i < n; ++i)
        if (code[i] != none) gi[i] = slot[static_cast<std::size_t>(code[i])];
    } else {
      for (std::size_t i = 0; i < n; ++i)
        if (code[i] != none) codes.push_back(code[i]);
      std::sort(codes.begin(), codes.end());
      codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
      for (std::size_t i = 0; i < n; ++i)
        if (code[i] != none)
          gi[i] = static_cast<std::int32_t>(std::lower_bound(codes.begin(), codes.end(), code[i]) - codes.begin());
    }
  }

  const std::size_t g = codes.size();
  for (auto* v : {&out.period_start, &out.period_end}) v->resize(g);
  out.group.resize(g);
  for (auto* v : {&out.reported, &out.dispatched, &out.signed_, &out.closed, &out.fed_back, &out.reopened, &out.assessed})
    v->assign(g, 0);
  for (auto* v : {&out.closure_rate, &out.reopen_rate, &out.dispatch_median_s, &out.dispatch_p90_s, &out.sign_median_s,
                  &out.sign_p90_s, &out.satisfaction_mean})
    v->resize(g);
  for (int k = 0; k < num_sla_kinds; ++k) {
    out.on_time[static_cast<std::size_t>(k)].assign(g, 0);
    out.late[static_cast<std::size_t>(k)].assign(g, 0);
    out.on_time_rate[static_cast<std::size_t>(k)].resize(g);
  }
  constexpr auto D = static_cast<std::size_t>(IncidentState::DISPATCHED);
  constexpr auto S = static_cast<std::size_t>(IncidentState::SIGNED);
  constexpr auto F = static_cast<std::size_t>(IncidentState::FEEDBACK);
  std::vector<double> sat(g, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    if (gi[i] < 0) continue;
    const auto r = static_cast<std::size_t>(gi[i]);
    const Incident& x = inc[i];
    ++out.reported[r];
    out.dispatched[r] += x.first_at[D] != no_time;
    out.signed_[r] += x.first_at[S] != no_time;
    out.closed[r] += x.closed();
    out.fed_back[r] += x.first_at[F] != no_time;
    out.reopened[r] += x.reopen_count > 0;
    if (!std::isnan(x.satisfaction)) {
      ++out.assessed[r];
      sat[r] += x.satisfaction;
    }
    for (SlaKind s : all_sla_kinds) {
      const SlaStatus st = log.sla_status(x, s, out.at);
      out.on_time[static_cast<std::size_t>(s)][r] += st == SlaStatus::ON_TIME;
      out.late[static_cast<std::size_t>(s)][r] += st == SlaStatus::LATE;
    }
  }
  // Delays bucketed by group (offsets from the counts just made).
  std::vector<std::size_t> dpos(g + 1, 0), spos(g + 1, 0);
  for (std::size_t r = 0; r < g; ++r) {
    dpos[r + 1] = dpos[r] + static_cast<std::size_t>(out.dispatched[r]);
    spos[r + 1] = spos[r] + static_cast<std::size_t>(out.signed_[r]);
  }
  std::vector<double> disp(dpos[g]), sign(spos[g]);
  {
    std::vector<std::size_t> df(dpos.begin(), dpos.end() - 1), sf(spos.begin(), spos.end() - 1);
    for (std::size_t i = 0; i < n; ++i) {
      if (gi[i] < 0) continue;
      const auto r = static_cast<std::size_t>(gi[i]);
      const Incident& x = inc[i];
      if (x.first_at[D] != no_time) disp[df[r]++] = static_cast<double>(x.first_at[D] - x.reported_at());
      if (x.first_at[S] != no_time) sign[sf[r]++] = static_cast<double>(x.first_at[S] - x.reported_at());
    }
  }
  std::vector<double> scratch;
  auto quantiles = [&scratch](const std::vector<double>& v, std::size_t b, std::size_t e, double& med, double& p90) {
    scratch.assign(v.begin() + static_cast<std::ptrdiff_t>(b), v.begin() + static_cast<std::ptrdiff_t>(e));
    med = detail::quantile_linear(scratch, 0.5);
    p90 = detail::quantile_linear(scratch, 0.9);
  };
  for (std::size_t r = 0; r < g; ++r) {
    const std::int64_t b = codes[r] / keys + bmin, key = codes[r] % keys;
    if (custom) {
      out.period_start[r] = opt.edges[static_cast<std::size_t>(b)];
      out.period_end[r] = opt.edges[static_cast<std::size_t>(b) + 1];
    } else {
      out.period_start[r] = origin + b * opt.width;
      out.period_end[r] = out.period_start[r] + opt.width;
    }
    out.group[r] = static_cast<std::int32_t>(opt.by == KpiGroup::LEVEL || opt.by == KpiGroup::NONE ? key : key - 1);
    quantiles(disp, dpos[r], dpos[r + 1], out.dispatch_median_s[r], out.dispatch_p90_s[r]);
    quantiles(sign, spos[r], spos[r + 1], out.sign_median_s[r], out.sign_p90_s[r]);
    out.closure_rate[r] = detail::ratio(out.closed[r], out.reported[r]);
    out.reopen_rate[r] = detail::ratio(out.reopened[r], out.fed_back[r]);
    out.satisfaction_mean[r] =
        out.assessed[r] ? sat[r] / static_cast<double>(out.assessed[r]) : std::numeric_limits<double>::quiet_NaN();
    for (int s = 0; s < num_sla_kinds; ++s) {
      const auto k = static_cast<std::size_t>(s);
      out.on_time_rate[k][r] = detail::ratio(out.on_time[k][r], out.on_time[k][r] + out.late[k][r]);
    }
  }
  return out;
}

}  // namespace crisiskit::incident
