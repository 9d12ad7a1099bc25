#pragma once
/// \file
/// Needs derived from population and damage (需求测算): how much water,
/// food, shelter, medical and rescue capacity each place needs, by
/// documented per-person rates, so a scenario or a platform without a
/// reported need list can still feed `allocate`.
///
/// Model. For place i with population Pᵢ, vulnerable residents Vᵢ (elderly,
/// disabled, small children) and damage shares in [0, 1], the people each
/// rule counts (its *basis*) are
///
///     affected        Aᵢ = aᵢ · Pᵢ                 (aᵢ: affected share)
///     displaced       Dᵢ = dᵢ · Aᵢ                 (dᵢ: share of the affected who lost their home)
///     without_water   Wᵢ = wᵢ · Pᵢ                 (wᵢ: share cut off from piped water)
///     without_power   Eᵢ = eᵢ · Pᵢ                 (eᵢ: share without electricity)
///     trapped         Tᵢ                            (people, given directly)
///     vulnerable      Uᵢ = aᵢ · Vᵢ                 (affected vulnerable residents)
///
/// and a rule r asks for
///
///     quantityᵢᵣ = ⌈ basisᵢᵣ · rateᵣ · max(daysᵣ, 1) − 10⁻⁹ ⌉   whole units
///
/// (`days` = 0 marks a one-off need such as a tent or a boat seat; the
/// 10⁻⁹ keeps exact products such as 1000 · 0.001 from rounding up). A
/// place's needs carry the weight factor
///
///     fᵢ = 1 + γ · Vᵢ / max(Pᵢ, 1)                 (γ = 1 by default)
///
/// the risk map's exposure rule (README "Risk map"), so that of two places
/// of the same priority class the one with more vulnerable residents is
/// served first; the matcher's weight is the class weight times fᵢ.
///
/// Default rules (`NeedRule::defaults()`): the rates of the first four are
/// published humanitarian minimum standards; the last two are planning
/// defaults chosen for crisiskit, to be replaced by a platform's own.
///
/// | type          | basis          | rate per person | days | deadline | source                                                   |
/// |---------------|----------------|-----------------|------|----------|----------------------------------------------------------|
/// | `water`       | without_water  | 15 litres / day | 3    | 120 min  | Sphere Handbook 2018, water supply standard 2.1          |
/// | `food`        | displaced      | 1 ration / day  | 3    | 120 min  | Sphere 2018, food security and nutrition (2,100 kcal)    |
/// | `tent`        | displaced      | 0.2 (1 per 5)   | 0    | none     | Sphere 2018, shelter standard 3 (3.5 m² a person)        |
/// | `medical_kit` | affected       | 0.001           | 0    | 60 min   | WHO IEHK 2017: a basic unit serves 1,000 people 3 months |
/// | `boat`        | trapped        | 0.125 (8 seats) | 0    | 30 min   | crisiskit planning default                               |
/// | `rescue`      | trapped        | 0.02 (1 per 50) | 0    | 30 min   | crisiskit planning default (a team skill in `allocate`)  |
///
/// Three days is the 72-hour window of household self-reliance in Chinese
/// and international preparedness guidance; deadlines are the longest
/// acceptable travel times `allocate` enforces.
///
/// Throws `InvalidInput` naming the field, row and value: a negative or
/// non-finite population, vulnerable residents above the population, a
/// share outside [0, 1], trapped people above the population, arrays of
/// different lengths, a rule with a negative rate or days, an empty type or
/// a negative deadline. Nothing is returned in part.
///
/// Thread-safety: pure functions.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/core/span.hpp"

namespace crisiskit::match {

/// Which people a rule counts (see the file comment).
enum class NeedBasis : std::uint8_t { AFFECTED = 0, DISPLACED, WITHOUT_WATER, WITHOUT_POWER, TRAPPED, VULNERABLE };

constexpr const char* to_string(NeedBasis b) noexcept {
  switch (b) {
    case NeedBasis::AFFECTED: return "affected";
    case NeedBasis::DISPLACED: return "displaced";
    case NeedBasis::WITHOUT_WATER: return "without_water";
    case NeedBasis::WITHOUT_POWER: return "without_power";
    case NeedBasis::TRAPPED: return "trapped";
    case NeedBasis::VULNERABLE: return "vulnerable";
  }
  return "?";
}

/// One rule: `type` units for each person of `basis`.
struct NeedRule {
  std::string type;                                             ///< resource type asked for, e.g. "water"
  NeedBasis basis = NeedBasis::AFFECTED;                        ///< whom it counts
  double rate = 0;                                              ///< units per person (per day when days > 0), ≥ 0
  double days = 0;                                              ///< days covered; 0 = one-off
  double deadline_s = std::numeric_limits<double>::infinity();  ///< longest travel time, seconds; +inf = none
  std::string source;                                           ///< where the rate comes from

  /// The documented default rules (file comment), in that order.
  static std::vector<NeedRule> defaults() {
    constexpr double inf = std::numeric_limits<double>::infinity();
    return {
        {"water", NeedBasis::WITHOUT_WATER, 15, 3, 7200, "Sphere Handbook 2018, water supply standard 2.1: 15 L a person a day"},
        {"food", NeedBasis::DISPLACED, 1, 3, 7200, "Sphere Handbook 2018, food security and nutrition: 2,100 kcal a person a day (planning figure)"},
        {"tent", NeedBasis::DISPLACED, 0.2, 0, inf, "Sphere Handbook 2018, shelter standard 3: 3.5 m2 a person, family tents of 5"},
        {"medical_kit", NeedBasis::AFFECTED, 0.001, 0, 3600, "WHO IEHK 2017: one basic unit serves 1,000 people for 3 months"},
        {"boat", NeedBasis::TRAPPED, 0.125, 0, 1800, "crisiskit planning default: 8 seats a rescue boat"},
        {"rescue", NeedBasis::TRAPPED, 0.02, 0, 1800, "crisiskit planning default: one squad per 50 trapped people"},
    };
  }
};

/// Population and damage per place; every array has shape (#places,).
/// Empty optional arrays mean 0 everywhere.
struct PlaceDamage {
  Span<const double> population;       ///< people, finite ≥ 0
  Span<const double> vulnerable;       ///< people, 0 ≤ V ≤ P (optional)
  Span<const double> affected_share;   ///< a ∈ [0, 1]
  Span<const double> displaced_share;  ///< d ∈ [0, 1], share of the affected (optional)
  Span<const double> water_outage;     ///< w ∈ [0, 1], share of the population (optional)
  Span<const double> power_outage;     ///< e ∈ [0, 1], share of the population (optional)
  Span<const double> trapped;          ///< people, 0 ≤ T ≤ P (optional)
};

/// One row per (place, rule) with a positive quantity, places in order and
/// rules in order within a place.
struct DerivedNeeds {
  std::vector<std::int32_t> place;     ///< row of PlaceDamage
  std::vector<std::int32_t> rule;      ///< index into the rules
  std::vector<std::int64_t> quantity;  ///< whole units > 0
  std::vector<double> people;          ///< the basis: people counted
  std::vector<double> weight_factor;   ///< fᵢ = 1 + γ · V / max(P, 1)
};

namespace detail {

inline void check_rules(const std::vector<NeedRule>& rules) {
  for (std::size_t r = 0; r < rules.size(); ++r) {
    const auto row = static_cast<std::int64_t>(r);
    const NeedRule& x = rules[r];
    CRISISKIT_CHECK(!x.type.empty(), "rules.type", row, x.type, "must not be empty");
    CRISISKIT_CHECK(std::isfinite(x.rate) && x.rate >= 0, "rules.rate", row, x.rate, "must be finite and ≥ 0");
    CRISISKIT_CHECK(std::isfinite(x.days) && x.days >= 0, "rules.days", row, x.days, "must be finite and ≥ 0");
    CRISISKIT_CHECK(!std::isnan(x.deadline_s) && x.deadline_s >= 0, "rules.deadline_s", row, x.deadline_s,
                    "must be ≥ 0 (+inf for none)");
    CRISISKIT_CHECK(static_cast<int>(x.basis) <= static_cast<int>(NeedBasis::VULNERABLE), "rules.basis", row,
                    static_cast<int>(x.basis), "is not a NeedBasis");
  }
}

inline double optional_at(Span<const double> a, std::size_t i) { return a.empty() ? 0.0 : a[i]; }

}  // namespace detail

/// Needs of every place under `rules` (see the file comment for the model).
/// \param gamma  weight of the vulnerable share in the weight factor, finite ≥ 0
/// \throws InvalidInput naming the field (`places.<column>` or `rules.<field>`), row and value.
inline DerivedNeeds derive_needs(const PlaceDamage& places, const std::vector<NeedRule>& rules, double gamma = 1.0) {
  CRISISKIT_CHECK(std::isfinite(gamma) && gamma >= 0, "gamma", InvalidInput::no_index, gamma, "must be finite and ≥ 0");
  detail::check_rules(rules);
  const std::size_t n = places.population.size();
  auto same_length = [n](Span<const double> a, const char* field, bool optional) {
    CRISISKIT_CHECK(a.size() == n || (optional && a.empty()), field, InvalidInput::no_index, a.size(),
                    "must have one entry per place (len(population) = " + std::to_string(n) + ")");
  };
  same_length(places.vulnerable, "places.vulnerable", true);
  same_length(places.affected_share, "places.affected_share", false);
  same_length(places.displaced_share, "places.displaced_share", true);
  same_length(places.water_outage, "places.water_outage", true);
  same_length(places.power_outage, "places.power_outage", true);
  same_length(places.trapped, "places.trapped", true);
  auto share = [](Span<const double> a, const char* field) {
    for (std::size_t i = 0; i < a.size(); ++i)
      CRISISKIT_CHECK(a[i] >= 0 && a[i] <= 1, field, static_cast<std::int64_t>(i), a[i], "must be a share in [0, 1]");
  };
  share(places.affected_share, "places.affected_share");
  share(places.displaced_share, "places.displaced_share");
  share(places.water_outage, "places.water_outage");
  share(places.power_outage, "places.power_outage");
  for (std::size_t i = 0; i < n; ++i) {
    const auto row = static_cast<std::int64_t>(i);
    const double p = places.population[i];
    CRISISKIT_CHECK(std::isfinite(p) && p >= 0, "places.population", row, p, "must be finite and ≥ 0");
    const double v = detail::optional_at(places.vulnerable, i), t = detail::optional_at(places.trapped, i);
    CRISISKIT_CHECK(v >= 0 && v <= p, "places.vulnerable", row, v, "must be in [0, population]");
    CRISISKIT_CHECK(t >= 0 && t <= p, "places.trapped", row, t, "must be in [0, population]");
  }
  DerivedNeeds out;
  for (std::size_t i = 0; i < n; ++i) {
    const double p = places.population[i], a = places.affected_share[i];
    const double v = detail::optional_at(places.vulnerable, i);
    double basis[6];
    basis[static_cast<int>(NeedBasis::AFFECTED)] = a * p;
    basis[static_cast<int>(NeedBasis::DISPLACED)] = detail::optional_at(places.displaced_share, i) * a * p;
    basis[static_cast<int>(NeedBasis::WITHOUT_WATER)] = detail::optional_at(places.water_outage, i) * p;
    basis[static_cast<int>(NeedBasis::WITHOUT_POWER)] = detail::optional_at(places.power_outage, i) * p;
    basis[static_cast<int>(NeedBasis::TRAPPED)] = detail::optional_at(places.trapped, i);
    basis[static_cast<int>(NeedBasis::VULNERABLE)] = a * v;
    const double factor = 1 + gamma * v / std::max(p, 1.0);
    for (std::size_t r = 0; r < rules.size(); ++r) {
      const NeedRule& rule = rules[r];
      const double people = basis[static_cast<int>(rule.basis)];
      const double units = std::ceil(people * rule.rate * std::max(rule.days, 1.0) - 1e-9);
      // A quantity past 2^50 units means a rate or population typo, and the
      // matcher refuses it anyway: say which place and rule produced it.
      CRISISKIT_CHECK(units <= 0x1p50, "rules.rate", static_cast<std::int64_t>(r), rule.rate,
                      "gives more than 2^50 units at place row " + std::to_string(i));
      if (units < 1) continue;
      out.place.push_back(static_cast<std::int32_t>(i));
      out.rule.push_back(static_cast<std::int32_t>(r));
      out.quantity.push_back(static_cast<std::int64_t>(units));
      out.people.push_back(people);
      out.weight_factor.push_back(factor);
    }
  }
  return out;
}

}  // namespace crisiskit::match
