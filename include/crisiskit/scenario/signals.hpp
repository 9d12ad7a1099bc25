#pragma once
/// \file
/// `SignalRows`: what a hazard emits each step for the risk map — one row per
/// signal with the place (row of `City::place_id`), time (UTC seconds),
/// source kind (the RiskMap's built-in kinds, README "Risk map"), intensity
/// (≥ 0, dimensionless: 1 = the kind's reference level, stated where a hazard
/// emits it) and confidence in [0, 1]. `RiskMap::add_signals` takes the
/// columns as they are (kind through `kind_code(to_string(kind))`).
///
/// Thread-safety: a plain value.

#include <cstdint>
#include <vector>

#include "crisiskit/core/time.hpp"

namespace crisiskit::scenario {

/// Source kinds a scenario emits: a subset of the RiskMap's defaults.
enum class SignalKind : std::uint8_t { WEATHER = 0, IOT, INCIDENT, ASSISTANCE, OPINION, PETITION, HAZARD };
constexpr int kNumSignalKinds = 7;

constexpr const char* to_string(SignalKind k) noexcept {
  constexpr const char* names[kNumSignalKinds] = {"weather", "iot", "incident", "assistance", "opinion", "petition", "hazard"};
  const auto i = static_cast<int>(k);
  return i >= 0 && i < kNumSignalKinds ? names[i] : "?";
}

/// Signal columns, (#signals,) each.
struct SignalRows {
  std::vector<std::int32_t> place;   ///< row of City::place_id
  std::vector<Timestamp> time;       ///< UTC seconds
  std::vector<SignalKind> kind;
  std::vector<double> intensity;     ///< ≥ 0
  std::vector<double> confidence;    ///< [0, 1]

  std::size_t size() const noexcept { return place.size(); }
  void add(std::int32_t where, Timestamp when, SignalKind what, double x, double c) {
    place.push_back(where), time.push_back(when), kind.push_back(what), intensity.push_back(x), confidence.push_back(c);
  }
  void append(const SignalRows& o) {
    place.insert(place.end(), o.place.begin(), o.place.end());
    time.insert(time.end(), o.time.begin(), o.time.end());
    kind.insert(kind.end(), o.kind.begin(), o.kind.end());
    intensity.insert(intensity.end(), o.intensity.begin(), o.intensity.end());
    confidence.insert(confidence.end(), o.confidence.begin(), o.confidence.end());
  }
};

}  // namespace crisiskit::scenario
