#pragma once
/// \file
/// The trend indicator `secondary_likelihood` from a fitted `RiskMap`: the
/// probability that at least one further incident starts among the affected
/// places within the horizon, from the map's Hawkes forecast.
///
/// P = 1 − Πᵢ (1 − p_anyᵢ) over the affected places. Taking the places as
/// independent is an approximation: the exact value lies between maxᵢ p_anyᵢ
/// and min(1, Σᵢ p_anyᵢ), and the forecast's own coupling along links is
/// already inside each p_anyᵢ.
///
/// Thread-safety: as `RiskMap::forecast` (const; safe alongside other const calls).

#include <algorithm>
#include <string>
#include <vector>

#include "crisiskit/risk/risk_map.hpp"

namespace crisiskit::severity {

/// \param places  affected place ids; empty = every place of the map
/// \param at      forecast origin (UTC seconds)
/// \param horizon seconds ahead (default 24 h)
/// \throws StateError if the map has no fitted model; InvalidInput naming
///         `places`, the row and the id for an unknown place.
inline double secondary_likelihood(const risk::RiskMap& map, const std::vector<std::string>& places, Timestamp at,
                                   Duration horizon = hours(24)) {
  std::vector<Index> rows;
  rows.reserve(places.size());
  for (std::size_t i = 0; i < places.size(); ++i) {
    auto f = map.places().find(places[i]);
    CRISISKIT_CHECK(f.has_value(), "places", static_cast<std::int64_t>(i), places[i], "is not a place of the risk map");
    rows.push_back(*f);
  }
  std::sort(rows.begin(), rows.end());  // a place listed twice counts once
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  const auto fc = map.forecast(at, horizon);
  double log_none = 0;  // Σ log(1 − p), summed in logs so many small p do not underflow
  auto add = [&](double p) { log_none += std::log1p(-std::min(p, 1.0)); };
  if (rows.empty()) {
    for (double p : fc.p_any) add(p);
  } else {
    for (Index r : rows) add(fc.p_any[static_cast<std::size_t>(r)]);
  }
  return -std::expm1(log_none);
}

}  // namespace crisiskit::severity
