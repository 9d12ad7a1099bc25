#pragma once
/// \file
/// `GradingPolicy`: how a risk score becomes an alert level, with hysteresis.
///
/// Score scale: crisiskit scores run 0–100 (the risk map lands there: 0 = no
/// pressure, 100 = the worst the model can express), but the policy works on
/// any real line; only NaN is refused.
///
/// - **Escalation is immediate.** The raw level of a score s is the number of
///   thresholds T1 < T2 < T3 < T4 with s ≥ Tk. When the raw level exceeds the
///   current level the subject moves straight to it (levels may be skipped).
/// - **De-escalation waits.** Level k is *released* once the score has stayed
///   below Tk − Mk (margin) at every observation for at least Dk seconds
///   (dwell). A subject at level L steps down while its level is released and
///   above the raw level, possibly through several levels in one update.
///   A score between Tk − Mk and Tk holds level k indefinitely. This is
///   classic hysteresis (a Schmitt trigger) plus a minimum hold time: a score
///   oscillating around a threshold cannot make the level flap.
///
/// Defaults (documented in the README): T = 25 / 50 / 75 / 90, M = 5 points
/// each, D = 2 h / 4 h / 12 h / 12 h. A level is held at least as long as the
/// deadline of the response it started, so that response comes due while
/// the level is in force; EMERGENCY's response is immediate, so it keeps
/// WARNING's 12 h.
///
/// Thread-safety: a value type; const members are safe to share.

#include <array>
#include <cmath>

#include "crisiskit/alert/level.hpp"
#include "crisiskit/core/time.hpp"

namespace crisiskit {

class GradingPolicy {
 public:
  /// Per-level quantities, index 0 = GENERAL … 3 = EMERGENCY.
  using Thresholds = std::array<double, 4>;
  using Margins = std::array<double, 4>;
  using Dwells = std::array<Duration, 4>;

  /// The defaults above.
  GradingPolicy() : GradingPolicy({25, 50, 75, 90}, {5, 5, 5, 5}, {hours(2), hours(4), hours(12), hours(12)}) {}

  /// \param thresholds score at which GENERAL..EMERGENCY start; strictly increasing, finite
  /// \param margins    score points below the threshold to count as "below"; finite, >= 0
  /// \param dwells     seconds the score must stay below before release; >= 0
  /// \throws InvalidInput naming the field, the level index (0 = GENERAL) and the value.
  GradingPolicy(const Thresholds& thresholds, const Margins& margins, const Dwells& dwells)
      : t_(thresholds), m_(margins), d_(dwells) {
    for (int k = 0; k < 4; ++k) {
      CRISISKIT_CHECK(std::isfinite(t_[k]), "thresholds", k, t_[k], "must be a finite number");
      CRISISKIT_CHECK(k == 0 || t_[k] > t_[k - 1], "thresholds", k, t_[k],
                      fmt::format("must be greater than thresholds[{}] = {} (strictly increasing)", k - 1,
                                  t_[k == 0 ? 0 : k - 1]));
      CRISISKIT_CHECK(std::isfinite(m_[k]) && m_[k] >= 0, "margins", k, m_[k], "must be a finite number >= 0");
      CRISISKIT_CHECK(d_[k] >= 0, "dwells", k, d_[k], "must be >= 0 seconds");
      release_[k] = t_[k] - m_[k];
    }
  }

  /// Raw (stateless) level of `score`; NaN compares false everywhere and gives NONE,
  /// so callers that must refuse NaN check it themselves (see `grade`).
  AlertLevel level_of(double score) const noexcept {
    return static_cast<AlertLevel>((score >= t_[0]) + (score >= t_[1]) + (score >= t_[2]) + (score >= t_[3]));
  }

  /// Threshold of `level` (GENERAL..EMERGENCY). \throws InvalidInput for NONE.
  double threshold(AlertLevel level) const { return t_[slot(level)]; }
  double margin(AlertLevel level) const { return m_[slot(level)]; }
  Duration dwell(AlertLevel level) const { return d_[slot(level)]; }
  /// `threshold − margin`: the score must be below this to start the dwell.
  double release_below(AlertLevel level) const { return release_[slot(level)]; }

  const Thresholds& thresholds() const noexcept { return t_; }
  /// `threshold − margin` per level, index 0 = GENERAL … 3 = EMERGENCY.
  const std::array<double, 4>& release_points() const noexcept { return release_; }
  const Margins& margins() const noexcept { return m_; }
  const Dwells& dwells() const noexcept { return d_; }

  friend bool operator==(const GradingPolicy& a, const GradingPolicy& b) {
    return a.t_ == b.t_ && a.m_ == b.m_ && a.d_ == b.d_;
  }
  friend bool operator!=(const GradingPolicy& a, const GradingPolicy& b) { return !(a == b); }

 private:
  static int slot(AlertLevel level) {
    CRISISKIT_CHECK(level != AlertLevel::NONE, "level", InvalidInput::no_index, to_string(level),
                    "NONE has no threshold");
    return to_int(level) - 1;
  }

  Thresholds t_;
  Margins m_;
  Dwells d_;
  std::array<double, 4> release_{};
};

}  // namespace crisiskit
