#pragma once
/// \file
/// Service-level agreements (SLAs) of the incident lifecycle, with the
/// source texts' defaults. Every SLA is "from an anchor event to a target
/// event within a duration", for the incidents it applies to:
///
/// | SLA | 中文 | anchor | target (first time reached) | default | applies to |
/// |---|---|---|---|---|---|
/// | FIRST_REPORT | 首报负责制 | occurred_at | report | 1 h | incidents with a known occurrence time |
/// | FIRST_INFO | 黄金4小时 | occurred_at, else reported_at | first PUBLIC_INFO | 4 h | level ≥ `info_min_level` (GENERAL) |
/// | ON_SITE | 专家30分钟到场 | reported_at | first ON_SITE | 30 min | level ≥ `on_site_min_level` (GENERAL) |
/// | RESPONSE | 分级响应时限 | reported_at | first SIGN | the level's deadline in the `ResponsePlan`: GENERAL 2 h, ATTENTION 4 h, WARNING 12 h, EMERGENCY 0 (immediately) | levels whose plan has obligations (not NONE) |
///
/// The RESPONSE deadlines are not repeated here: they are read from
/// `alert/response_plan.hpp` (`ResponsePlan::defaults()`), the shortest
/// `within` among a level's obligations. "Response started" is the
/// department signing for the incident (签收).
///
/// Due time = anchor + duration. At an evaluation time `at`, an SLA that
/// applies is ON_TIME if its target was reached at or before the due time,
/// LATE if reached after it, or not reached and `at` > due (overdue), and
/// PENDING otherwise (not reached, not yet due). A reopened incident keeps
/// its SLAs: they measure the first time each target was reached.
///
/// Thread-safety: a value type; const members are safe to share.

#include <array>
#include <cstdint>
#include <string_view>

#include "crisiskit/alert/level.hpp"
#include "crisiskit/alert/response_plan.hpp"
#include "crisiskit/core/error.hpp"
#include "crisiskit/core/time.hpp"

namespace crisiskit::incident {

enum class SlaKind : std::int8_t { FIRST_REPORT = 0, FIRST_INFO = 1, ON_SITE = 2, RESPONSE = 3 };
constexpr int num_sla_kinds = 4;
constexpr std::array<SlaKind, 4> all_sla_kinds{SlaKind::FIRST_REPORT, SlaKind::FIRST_INFO, SlaKind::ON_SITE,
                                               SlaKind::RESPONSE};

constexpr std::string_view to_string(SlaKind k) noexcept {
  constexpr std::string_view n[] = {"FIRST_REPORT", "FIRST_INFO", "ON_SITE", "RESPONSE"};
  return n[static_cast<int>(k)];
}
constexpr std::string_view name_zh(SlaKind k) noexcept {
  constexpr std::string_view n[] = {"首报", "首次信息发布", "专家到场", "分级响应"};
  return n[static_cast<int>(k)];
}

/// Outcome of one SLA of one incident at an evaluation time.
enum class SlaStatus : std::int8_t { NOT_APPLICABLE = 0, PENDING = 1, ON_TIME = 2, LATE = 3 };

constexpr std::string_view to_string(SlaStatus s) noexcept {
  constexpr std::string_view n[] = {"NOT_APPLICABLE", "PENDING", "ON_TIME", "LATE"};
  return n[static_cast<int>(s)];
}

/// A duration meaning "this SLA is switched off".
constexpr Duration sla_off = -1;

struct SlaConfig {
  Duration first_report = hours(1);   ///< seconds, occurred → report; `sla_off` to disable
  Duration first_info = hours(4);     ///< seconds, occurred (else reported) → first public information
  Duration on_site = minutes(30);     ///< seconds, reported → first on site
  /// Per-level response deadlines (reported → signed): the shortest `within`
  /// of the level's obligations; a level without obligations has no RESPONSE SLA.
  ResponsePlan response_plan = ResponsePlan::defaults();
  AlertLevel info_min_level = AlertLevel::GENERAL;     ///< FIRST_INFO applies at or above this level
  AlertLevel on_site_min_level = AlertLevel::GENERAL;  ///< ON_SITE applies at or above this level

  /// The source texts' defaults (the table in this file).
  static SlaConfig defaults() { return SlaConfig{}; }

  /// The RESPONSE duration of `level`, or `sla_off` if its plan opens nothing.
  Duration response_within(AlertLevel level) const {
    const auto& ob = response_plan.obligations(level);
    if (ob.empty()) return sla_off;
    Duration w = ob.front().within;
    for (const auto& o : ob) w = o.within < w ? o.within : w;
    return w;
  }

  /// \throws InvalidInput naming the field if a duration is < 0 and not `sla_off`.
  void validate() const {
    const std::pair<const char*, Duration> d[] = {
        {"first_report", first_report}, {"first_info", first_info}, {"on_site", on_site}};
    for (const auto& [name, v] : d)
      CRISISKIT_CHECK(v >= 0 || v == sla_off, name, InvalidInput::no_index, v,
                      "an SLA duration must be >= 0 seconds, or -1 (off)");
  }

  friend bool operator==(const SlaConfig& a, const SlaConfig& b) {
    return a.first_report == b.first_report && a.first_info == b.first_info && a.on_site == b.on_site &&
           a.response_plan == b.response_plan && a.info_min_level == b.info_min_level &&
           a.on_site_min_level == b.on_site_min_level;
  }
  friend bool operator!=(const SlaConfig& a, const SlaConfig& b) { return !(a == b); }
};

}  // namespace crisiskit::incident
