#pragma once
/// \file
/// `ResponsePlan` (预案): what entering each alert level obliges the
/// responsible unit to do, and by when. Defaults are the source texts':
///
/// | level | obligation | due |
/// |---|---|---|
/// | GENERAL 1   | information report (信息报送)     | within 2 h |
/// | ATTENTION 2 | special assessment (专项研判)     | within 4 h |
/// | WARNING 3   | emergency preparation (应急准备)  | within 12 h |
/// | EMERGENCY 4 | full response (全员响应)          | immediately (due when opened) |
///
/// Entering a level by escalation opens that level's obligations. When
/// `cumulative` is true, skipping levels (0 → 3) also opens the obligations of
/// every level skipped over (GENERAL's report and ATTENTION's assessment);
/// by default it is false, because the source texts attach one response to
/// one level and a higher response subsumes the lower ones.
///
/// Thread-safety: a value type; const members are safe to share.

#include <array>
#include <string>
#include <vector>

#include "crisiskit/alert/level.hpp"
#include "crisiskit/core/time.hpp"

namespace crisiskit {

/// One obligation a level opens.
struct ObligationSpec {
  std::string name;     ///< short English name, e.g. "information report"
  std::string name_zh;  ///< Chinese name, e.g. "信息报送" (may be empty)
  Duration within = 0;  ///< seconds from opening to due; 0 = due immediately
  friend bool operator==(const ObligationSpec& a, const ObligationSpec& b) {
    return a.name == b.name && a.name_zh == b.name_zh && a.within == b.within;
  }
  friend bool operator!=(const ObligationSpec& a, const ObligationSpec& b) { return !(a == b); }
};

class ResponsePlan {
 public:
  /// An empty plan: no level opens anything.
  ResponsePlan() = default;

  /// The source texts' plan (table above).
  static ResponsePlan defaults() {
    ResponsePlan p;
    p.set(AlertLevel::GENERAL, {{"information report", "信息报送", hours(2)}});
    p.set(AlertLevel::ATTENTION, {{"special assessment", "专项研判", hours(4)}});
    p.set(AlertLevel::WARNING, {{"emergency preparation", "应急准备", hours(12)}});
    p.set(AlertLevel::EMERGENCY, {{"full response", "全员响应", 0}});
    return p;
  }

  /// Replace the obligations of `level`.
  /// \throws InvalidInput if `level` is NONE, a name is empty or a `within` is negative.
  void set(AlertLevel level, std::vector<ObligationSpec> specs) {
    CRISISKIT_CHECK(level != AlertLevel::NONE, "level", InvalidInput::no_index, to_string(level),
                    "NONE opens no obligations");
    for (std::size_t i = 0; i < specs.size(); ++i) {
      CRISISKIT_CHECK(!specs[i].name.empty(), "obligations.name", static_cast<std::int64_t>(i), specs[i].name,
                      "an obligation needs a name");
      CRISISKIT_CHECK(specs[i].within >= 0, "obligations.within", static_cast<std::int64_t>(i), specs[i].within,
                      "must be >= 0 seconds");
    }
    levels_[to_int(level)] = std::move(specs);
  }

  /// Obligations of `level` (empty for NONE).
  const std::vector<ObligationSpec>& obligations(AlertLevel level) const { return levels_[to_int(level)]; }

  /// Open skipped levels' obligations too (see file comment).
  bool cumulative() const noexcept { return cumulative_; }
  void set_cumulative(bool c) noexcept { cumulative_ = c; }

  friend bool operator==(const ResponsePlan& a, const ResponsePlan& b) {
    return a.levels_ == b.levels_ && a.cumulative_ == b.cumulative_;
  }
  friend bool operator!=(const ResponsePlan& a, const ResponsePlan& b) { return !(a == b); }

 private:
  std::array<std::vector<ObligationSpec>, num_alert_levels> levels_{};
  bool cumulative_ = false;
};

}  // namespace crisiskit
