#pragma once
/// \file
/// `CrowdGathering`: a social crisis (群体性事件) — a crowd gathering at a
/// venue while public-opinion heat rises — stepped on an injected clock and
/// emitting signals for the risk map.
///
/// Model (times in hours from `start`; every parameter in `CrowdParams`):
///
///     crowd(t)   = peak · σ((t − rise_h)/τ) · (1 − σ((t − disperse_h)/τ))      σ(x) = 1/(1 + e^(−x)), τ = 1 h
///     incidents  ~ Poisson(rate · crowd/10,000 · (0.5 + heat/100) · Δt)          new reports in a step
///     heat(t)    = heat · 2^(−Δt/h½) + gain · crowd/capacity · Δt + 5 · incidents   (0–100, capped)
///     negative   = base + (top − base) · heat / (heat + 30)                        share of negative posts
///
/// The heat half-life h½ is `heat_half_life_h` (24 h), and `release_half_life_h`
/// (10.3 h) from the first official release in `releases` on: a heat that
/// falls 80 % in 24 hours after transparent updates, as the source documents
/// report (SPEC §5), is a half-life of 24·ln 2 / ln 5 = 10.3 h. With the
/// defaults the negative share peaks near 40 % and returns towards 5 %.
///
/// Before the first step a grievance history is emitted once: `petitions`
/// petition signals at the venue's community spread over the 72 h before
/// `start` (the "assistance + petition" pattern the risk map's latent-cause
/// test looks for).
///
/// Signals at each step: `iot` crowd density at the venue (crowd / capacity,
/// confidence 0.9); `incident` reports at the venue (one per report,
/// confidence 0.7); `opinion` at the venue's community and the city
/// (heat / 20, confidence 0.6) while heat ≥ 1.
///
/// Thread-safety: const members may run concurrently; `step` needs exclusive access.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/core/time.hpp"
#include "crisiskit/scenario/city.hpp"
#include "crisiskit/scenario/random.hpp"
#include "crisiskit/scenario/signals.hpp"

namespace crisiskit::scenario {

struct CrowdParams {
  std::int32_t venue = -1;          ///< site index of a crowded_venue; −1 = the largest
  Timestamp start = 0;              ///< gathering begins (clock time, UTC seconds)
  double peak_share = 0.8;          ///< peak crowd as a share of the venue's capacity (0, 2]
  double rise_h = 4;                ///< hours to half the peak
  double disperse_h = 20;           ///< hours until half has left
  double incident_rate_h = 2;       ///< reports an hour per 10,000 people at heat 50
  double heat_gain_h = 12;          ///< heat points an hour from a crowd at capacity
  double heat_half_life_h = 24;     ///< without official releases
  double release_half_life_h = 10.3;///< after the first release
  double negative_base = 0.05, negative_top = 0.6;
  std::int32_t petitions = 6;       ///< grievance reports in the 72 h before start
  std::vector<Timestamp> releases;  ///< official information releases (信息发布)
  std::uint64_t seed = 0;

  /// \throws InvalidInput naming the field and value.
  void validate() const {
    constexpr auto kNone = InvalidInput::no_index;
    CRISISKIT_CHECK(peak_share > 0 && peak_share <= 2, "peak_share", kNone, peak_share, "must be in (0, 2]");
    for (auto [v, f] : {std::pair{rise_h, "rise_h"}, {disperse_h, "disperse_h"}, {incident_rate_h, "incident_rate_h"},
                        {heat_gain_h, "heat_gain_h"}})
      CRISISKIT_CHECK(std::isfinite(v) && v >= 0, f, kNone, v, "must be finite and ≥ 0");
    CRISISKIT_CHECK(disperse_h >= rise_h, "disperse_h", kNone, disperse_h, "must be ≥ rise_h");
    for (auto [v, f] : {std::pair{heat_half_life_h, "heat_half_life_h"}, {release_half_life_h, "release_half_life_h"}})
      CRISISKIT_CHECK(std::isfinite(v) && v > 0, f, kNone, v, "must be finite and > 0 hours");
    CRISISKIT_CHECK(negative_base >= 0 && negative_base <= negative_top && negative_top <= 1, "negative_top", kNone,
                    negative_top, "need 0 ≤ negative_base ≤ negative_top ≤ 1");
    CRISISKIT_CHECK(petitions >= 0 && petitions <= 100000, "petitions", kNone, petitions, "must be in [0, 100000]");
  }
};

/// The state after one step.
struct CrowdStep {
  Timestamp previous = 0, time = 0;
  double crowd = 0;           ///< people at the venue at `time`
  double heat = 0;            ///< opinion heat, 0–100
  double negative_share = 0;  ///< share of negative posts, 0–1
  std::int64_t new_incidents = 0, total_incidents = 0;
  SignalRows signals;
};

class CrowdGathering {
 public:
  /// \throws InvalidInput: bad params, `params.venue` not a crowded_venue site,
  /// or a city without one.
  CrowdGathering(const City& city, CrowdParams params, Timestamp clock_start)
      : p_(std::move(params)), time_(clock_start), rng_(Xoshiro256ss::stream(p_.seed, 201)) {
    p_.validate();
    std::sort(p_.releases.begin(), p_.releases.end());
    if (p_.venue < 0) {
      double best = -1;
      for (std::int32_t s = 0; s < city.num_sites(); ++s)
        if (city.site_kind(s) == PlaceKind::CROWDED_VENUE && city.site_capacity[s] > best)
          best = city.site_capacity[s], p_.venue = s;
      CRISISKIT_CHECK(p_.venue >= 0, "venue", InvalidInput::no_index, -1, "the city has no crowded_venue site");
    }
    CRISISKIT_CHECK(p_.venue < city.num_sites() && city.site_kind(p_.venue) == PlaceKind::CROWDED_VENUE, "venue",
                    InvalidInput::no_index, p_.venue, "must be the site index of a crowded_venue");
    venue_place_ = city.first_site + p_.venue;
    community_place_ = city.first_community + city.cell_community[city.site_cell[p_.venue]];
    capacity_ = std::max(1.0, city.site_capacity[p_.venue]);
  }

  const CrowdParams& params() const noexcept { return p_; }
  Timestamp time() const noexcept { return time_; }
  double heat() const noexcept { return heat_; }
  std::int32_t venue_place() const noexcept { return venue_place_; }
  std::int32_t community_place() const noexcept { return community_place_; }

  /// People at the venue at time t (the closed form above).
  double crowd(double t) const noexcept {
    const double h = (t - static_cast<double>(p_.start)) / 3600.0;
    auto sig = [](double x) { return 1.0 / (1.0 + det_exp(-x)); };
    return p_.peak_share * capacity_ * sig(h - p_.rise_h) * (1.0 - sig(h - p_.disperse_h));
  }

  /// Advances to `t`. \throws InvalidInput if t ≤ the current time.
  CrowdStep step(Timestamp t) {
    CRISISKIT_CHECK(t > time_, "time", InvalidInput::no_index, format_time(t),
                    "must be after the gathering's current time " + format_time(time_));
    CrowdStep out;
    out.previous = time_, out.time = t;
    if (!history_done_) {
      for (std::int32_t k = 0; k < p_.petitions; ++k)
        out.signals.add(community_place_, p_.start - hours(72) + static_cast<Duration>(rng_.below(72 * 3600)),
                        SignalKind::PETITION, 1.0, 0.8);
      history_done_ = true;
    }
    const double dt_h = static_cast<double>(t - time_) / 3600.0;
    const double crowd = this->crowd(static_cast<double>(t));
    const double mean = p_.incident_rate_h * crowd / 10000.0 * (0.5 + heat_ / 100.0) * dt_h;
    out.new_incidents = poisson(rng_, mean);
    total_ += out.new_incidents;
    const bool released = !p_.releases.empty() && p_.releases.front() <= t;
    const double half = released ? p_.release_half_life_h : p_.heat_half_life_h;
    heat_ = heat_ * det_exp(-0.6931471805599453 * dt_h / half) + p_.heat_gain_h * crowd / capacity_ * dt_h +
            5.0 * static_cast<double>(out.new_incidents);
    heat_ = std::min(100.0, heat_);
    time_ = t;
    out.crowd = crowd, out.heat = heat_, out.total_incidents = total_;
    out.negative_share = p_.negative_base + (p_.negative_top - p_.negative_base) * heat_ / (heat_ + 30.0);
    if (crowd >= 1) out.signals.add(venue_place_, t, SignalKind::IOT, crowd / capacity_, 0.9);
    for (std::int64_t k = 0; k < out.new_incidents; ++k) out.signals.add(venue_place_, t, SignalKind::INCIDENT, 1.0, 0.7);
    if (heat_ >= 1) {
      out.signals.add(community_place_, t, SignalKind::OPINION, heat_ / 20.0, 0.6);
      out.signals.add(0, t, SignalKind::OPINION, heat_ / 20.0, 0.6);
    }
    return out;
  }

 private:
  CrowdParams p_;
  Timestamp time_;
  Xoshiro256ss rng_;
  std::int32_t venue_place_ = 0, community_place_ = 0;
  double capacity_ = 1, heat_ = 0;
  std::int64_t total_ = 0;
  bool history_done_ = false;
};

}  // namespace crisiskit::scenario
