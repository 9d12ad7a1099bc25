#pragma once
/// \file
/// Parameters of the risk map: signal source kinds (weight, half-life,
/// family), exposure multipliers per place kind, propagation and the 0–100
/// scale, latent-cause detection. Every default is documented here and in the
/// README ("Risk map"); all are configurable.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "crisiskit/alert/grading_policy.hpp"
#include "crisiskit/core/error.hpp"
#include "crisiskit/core/time.hpp"

namespace crisiskit::risk {

/// A source of signals. `weight` scales a signal's pressure; `half_life`
/// (seconds, > 0) is how fast it fades: a signal contributes
/// weight · confidence · intensity · 2^(−age / half_life). Kinds of the same
/// `family` are not independent evidence for latent-cause detection (they
/// count once); by default each kind is its own family.
struct SourceKind {
  std::string name;
  double weight = 1.0;
  Duration half_life = hours(24);
  std::string family;  ///< empty = the kind's own name
  const std::string& family_or_name() const noexcept { return family.empty() ? name : family; }
};

/// The built-in source kinds. Half-lives follow how long each source stays
/// informative about the place (a weather reading hours, a hazard-inspection
/// finding weeks); weights follow how directly a source signals harm (an
/// incident report is harm that happened; a sensor reading is a hint).
/// They are starting points to calibrate against local history, not truths.
///
/// | name       | 中文       | weight | half-life |
/// |------------|-----------|--------|-----------|
/// | assistance | 民生求助   | 1.0    | 72 h      |
/// | petition   | 信访/纠纷  | 1.5    | 7 d       |
/// | hazard     | 隐患排查   | 2.0    | 14 d      |
/// | weather    | 气象       | 1.0    | 6 h       |
/// | geology    | 地质       | 2.0    | 72 h      |
/// | iot        | 物联感知   | 0.5    | 2 h       |
/// | opinion    | 舆情       | 0.8    | 24 h      |
/// | incident   | 事件报告   | 3.0    | 24 h      |
inline std::vector<SourceKind> default_source_kinds() {
  return {{"assistance", 1.0, hours(72), ""}, {"petition", 1.5, days(7), ""}, {"hazard", 2.0, days(14), ""},
          {"weather", 1.0, hours(6), ""},     {"geology", 2.0, hours(72), ""}, {"iot", 0.5, hours(2), ""},
          {"opinion", 0.8, hours(24), ""},    {"incident", 3.0, hours(24), ""}};
}

/// Exposure multipliers per place kind. Administrative and grid units are
/// 1; key sites where the same pressure harms more people or more fragile
/// people are higher. Kinds not listed (the set is open) get 1.
inline std::map<std::string, double> default_place_factors() {
  return {{"grid_cell", 1.0},      {"village", 1.0},        {"community", 1.0}, {"street", 1.0},
          {"district", 1.0},       {"city", 1.0},           {"school", 1.5},    {"nursing_home", 2.0},
          {"hospital", 1.5},       {"crowded_venue", 1.3},  {"subway_station", 1.3},
          {"low_lying_area", 1.5}, {"old_estate", 1.3}};
}

/// How link weights become the propagation operator P (see RiskMap).
enum class Normalization : int {
  RECEIVER = 0,  ///< P_ij = w(j→i) / Σ_k w(k→i): what spreads in is a weighted mean of neighbours
  NONE = 1,      ///< P_ij = w(j→i): raw weights; requires alpha · max_i Σ_j w(j→i) < 1
};

/// Latent-cause (潜在诱因) detection: a kind is elevated at a place when its
/// count of signals in the recent window is improbably high against the
/// place's own baseline (one-sided Poisson test).
struct LatentOptions {
  Duration recent = hours(72);          ///< window (at − recent, at] counted as "now"
  Duration baseline = days(28);         ///< window before the recent one giving the baseline rate
  Duration prior = days(7);             ///< shrinkage of a place's baseline rate toward the all-place mean, in seconds of observation
  double max_p = 1e-3;                  ///< a kind is elevated if P(Poisson(expected) ≥ observed) ≤ max_p …
  int min_count = 2;                    ///< … and at least this many recent signals
  int min_kinds = 2;                    ///< independent families elevated together to call a latent cause

  void validate() const {
    CRISISKIT_CHECK(recent > 0, "latent.recent", InvalidInput::no_index, recent, "must be positive (seconds)");
    CRISISKIT_CHECK(baseline > 0, "latent.baseline", InvalidInput::no_index, baseline, "must be positive (seconds)");
    CRISISKIT_CHECK(prior >= 0, "latent.prior", InvalidInput::no_index, prior, "must be non-negative (seconds)");
    CRISISKIT_CHECK(max_p > 0 && max_p < 1, "latent.max_p", InvalidInput::no_index, max_p, "must be in (0, 1)");
    CRISISKIT_CHECK(min_count >= 1, "latent.min_count", InvalidInput::no_index, min_count, "must be at least 1");
    CRISISKIT_CHECK(min_kinds >= 2, "latent.min_kinds", InvalidInput::no_index, min_kinds,
                    "a co-occurrence needs at least 2 kinds");
  }
};

/// Everything that shapes scores. See RiskMap for the equation.
struct RiskConfig {
  std::vector<SourceKind> source_kinds = default_source_kinds();
  std::map<std::string, double> place_factors = default_place_factors();
  /// Multiplier per link type applied to link weights (types not listed: 1).
  std::map<std::string, double> link_type_factors;
  double vulnerability_gain = 1.0;  ///< γ in e_i = m(kind_i) · (1 + γ · vulnerable_i / population_i)
  double alpha = 0.3;               ///< propagation damping, 0 ≤ alpha < 1
  Normalization normalization = Normalization::RECEIVER;
  double scale = 10.0;              ///< pressure units at which the score is 100 · (1 − 1/e) ≈ 63.2
  double tolerance = 1e-13;         ///< propagation stops when every |Δr_i| ≤ tolerance · (|r_i| + 1e-6 · max r)
  int max_iterations = 10000;
  LatentOptions latent;
  GradingPolicy policy;             ///< score → AlertLevel for to_frame / forecast levels

  void validate() const {
    std::map<std::string, int> seen;
    for (std::size_t k = 0; k < source_kinds.size(); ++k) {
      const auto& s = source_kinds[k];
      const auto row = static_cast<std::int64_t>(k);
      CRISISKIT_CHECK(!s.name.empty(), "source_kinds.name", row, s.name, "must not be empty");
      CRISISKIT_CHECK(seen.emplace(s.name, 0).second, "source_kinds.name", row, s.name, "duplicate source kind");
      CRISISKIT_CHECK(s.weight >= 0 && s.weight <= 1e6, "source_kinds.weight", row, s.weight,
                      "must be within [0, 1e6]");
      CRISISKIT_CHECK(s.half_life > 0, "source_kinds.half_life", row, s.half_life, "must be positive (seconds)");
    }
    CRISISKIT_CHECK(source_kinds.size() < 65535, "source_kinds", InvalidInput::no_index, source_kinds.size(),
                    "at most 65534 kinds");
    for (const auto& [k, v] : place_factors)
      CRISISKIT_CHECK(v >= 0 && v <= 1e6, "place_factors", InvalidInput::no_index, k,
                      fmt::format("factor {} must be within [0, 1e6]", v));
    for (const auto& [k, v] : link_type_factors)
      CRISISKIT_CHECK(v >= 0 && v <= 1e6, "link_type_factors", InvalidInput::no_index, k,
                      fmt::format("factor {} must be within [0, 1e6]", v));
    CRISISKIT_CHECK(vulnerability_gain >= 0 && vulnerability_gain <= 1e6, "vulnerability_gain",
                    InvalidInput::no_index, vulnerability_gain, "must be within [0, 1e6]");
    CRISISKIT_CHECK(alpha >= 0 && alpha < 1, "alpha", InvalidInput::no_index, alpha,
                    "must be in [0, 1): propagation converges only for a damping below 1");
    CRISISKIT_CHECK(std::isfinite(scale) && scale > 0, "scale", InvalidInput::no_index, scale, "must be positive");
    CRISISKIT_CHECK(tolerance > 0 && tolerance < 1, "tolerance", InvalidInput::no_index, tolerance, "must be in (0, 1)");
    CRISISKIT_CHECK(max_iterations >= 1, "max_iterations", InvalidInput::no_index, max_iterations, "must be ≥ 1");
    latent.validate();
  }
};

}  // namespace crisiskit::risk
