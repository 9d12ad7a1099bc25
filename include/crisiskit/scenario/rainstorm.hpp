#pragma once
/// \file
/// `Rainstorm`: an extreme rainstorm (极端暴雨) over a `City`, stepped on an
/// injected clock. Each `step(t)` moves the rain field, ponds and routes the
/// water over the grid cells, and returns the state at t — depth per cell,
/// closed and slowed road edges, stopped subway lines, trapped residents,
/// power and water outages — and the signals for the risk map.
///
/// ## Rain field
/// Storm cells (`StormCell`) are Gaussian in space and triangular in time,
/// moving on a straight track:
///
///     rate(x, t) = peak · f(t) · exp(−|x − (x₀ + v·(t − start))|² / (2σ²))   mm/h
///     f = (t − start)/(peak − start) rising, (end − t)/(end − peak) falling, 0 outside
///
/// and the rates of several cells add. `extreme_storms` builds the preset
/// of the flagship case: a slow mesoscale rain band plus two convective
/// cores, calibrated to the Henan "7·20" rainstorm of 20 July 2021 — the
/// Zhengzhou national station recorded 624.1 mm in 24 hours and 201.9 mm in
/// one hour (State Council investigation report on the Henan Zhengzhou 7·20
/// extreme rainstorm disaster, January 2022); the preset's wettest cell
/// receives about 600 mm in its wettest 24 hours with a peak hour of
/// 150–200 mm (checked by the tests).
///
/// ## Water on the ground (a cell model, mass balanced)
/// Water depth hᵢ (m) on every cell; each step is cut into sub-steps of at
/// most `max_substep_s` (600 s), and in each sub-step of Δt:
///
/// 1. rain: hᵢ += rate(xᵢ, t_mid) · Δt;
/// 2. drainage: dᵢ = min(hᵢ, capᵢ · Δt) leaves the city (sewers, infiltration;
///    capᵢ = `City::cell_drain_mm_h`);
/// 3. flow: with water surface ηᵢ = zᵢ + hᵢ, cell i sends each of its four
///    neighbours j with ηⱼ < ηᵢ the amount k·(ηᵢ − ηⱼ) (k = `flow_share` =
///    0.2, below the ¼ at which an explicit four-neighbour scheme
///    overshoots), all scaled down together if they exceed hᵢ; all fluxes are
///    computed from the start-of-sub-step state and then applied, so what
///    leaves one cell arrives in another;
/// 4. the river carries away everything that reaches a river cell. It
///    stands at its flood stage, `river_stage_m` (4 m) above its bed (the
///    elevation datum), for the whole run, so in step 3 a river cell's
///    surface is that stage: land water flows into the river only where its
///    surface is higher, and the river never flows onto the land (levees).
///
/// Why a flood stage: the river through the grid drains a catchment far
/// larger than the city, so in a regional extreme storm it rises by metres
/// whatever the city's size, submerges the outfalls and stops the low-lying
/// land behind its levees from draining into it (顶托, backwater: in
/// Zhengzhou on 20 July 2021 the urban rivers ran over their banks while
/// the city ponded). With the river as a sink at
/// its bed, the land within a few cells of it emptied at once; that land is
/// a share ∝ 1/W of a city W wide — nearly all of a 4 km town (46 % of its
/// rain went to the river, against 15 % in a 16 km city), so a town under
/// 600 mm barely flooded (0.5 m at most) while a city of 1 M did (2.1 m).
/// `river_stage_m = 0` restores the sink at the bed.
///
/// The city's edge is closed. Hence, to rounding,
/// rain in = stored on the ground + drained + carried by the river
/// (`RainStep::rain_m3 == stored_m3 + drained_m3 + river_m3`, tested).
/// This is a ponding model for planning, not hydrodynamics: no velocities,
/// no momentum, no sewer surcharge.
///
/// ## Effects (all documented planning assumptions, configurable in `FloodParams`)
/// - **Roads**: an edge takes the depth of the cell of its midpoint. Closed
///   at ≥ 0.3 m (`close_depth_m`; moving water of 30 cm floats most cars —
///   US NWS "Turn Around Don't Drown"); between `slow_from_m` (1 cm) and that,
///   slowed by v(0)/v(w) with Pregnolato et al.'s depth–disruption function
///   v(w) = 0.0009w² − 0.5529w + 86.9448 km/h, w in mm (Transportation
///   Research Part D 55, 2017, 67–81).
/// - **Subway**: a line stops when any of its stations' cells holds
///   ≥ `subway_close_m` (0.15 m, a precautionary closure below the 0.3–0.45 m
///   entrance platforms of GB 50157) and reopens `subway_reopen_h` (12 h)
///   after none does.
/// - **Trapped** residents: (P − V)·g(h; 0.5 m, 0.3) + V·g(h; 0.3 m, 0.6), with
///   g(h; h₀, m) = m · clamp((h − h₀)/(1.5 m − h₀), 0, 1): people who cannot
///   leave their building unaided; vulnerable residents from shallower water.
/// - **Power**: a substation fails at ≥ 0.3 m in its cell and comes back
///   `recovery_h` (12 h) after its cell has drained below 5 cm; its cells lose
///   power. Locally, ground-floor distribution boxes: share clamp((h − 0.3)/0.7, 0, 1).
/// - **Water**: a water plant fails at ≥ 0.5 m or when its own cell loses
///   power (a secondary failure, 次生), with the same recovery; locally,
///   contaminated mains: clamp((h − 0.5)/1.0, 0, 1).
/// - **Affected** share: clamp((h_max − 0.05)/0.45, 0, 1), at least the
///   outage shares; **displaced** share of the affected: 0.25·clamp((h_max −
///   0.3)/0.7, 0, 1) + 0.5·clamp((h_max − 1)/1, 0, 1) (ground floors flooded,
///   then first floors), from the deepest water so far.
///
/// ## Signals (place rows of the city; intensity 1 = the reference level)
/// - `weather` at cells raining ≥ 10 mm/h over the step: intensity =
///   rate / 50 mm/h (a rain gauge's "extremely heavy" hourly rate), confidence 0.9;
/// - `iot` water-level readings at cells and their sites with ≥ 5 cm:
///   depth / 0.15 m (a kerb: water above it enters ground floors), confidence 0.95;
/// - `incident`: trapped residents (trapped / 50, confidence 0.8) at cells;
///   a station whose line stops, a substation or water plant that fails
///   (1, confidence 1);
/// - `assistance` calls from outages: (power + water outage) · P / 10,000,
///   confidence 0.7.
///
/// Times must increase from step to step (`InvalidInput` otherwise); any
/// spacing works, hourly is the flagship's.
///
/// Thread-safety: const members may run concurrently; `step` needs exclusive access.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/core/time.hpp"
#include "crisiskit/detail/binary_io.hpp"
#include "crisiskit/scenario/city.hpp"
#include "crisiskit/scenario/random.hpp"
#include "crisiskit/scenario/signals.hpp"

namespace crisiskit::scenario {

/// One moving storm cell (see the file comment).
struct StormCell {
  double x_m = 0, y_m = 0;    ///< centre at `start`, metres east / north of the city centre
  double vx_ms = 0, vy_ms = 0;///< track velocity, m/s
  double radius_m = 5000;     ///< Gaussian σ, metres (> 0)
  double peak_mm_h = 50;      ///< rate at the centre at `peak`, mm/h (≥ 0)
  Timestamp start = 0, peak = 0, end = 0;  ///< start ≤ peak ≤ end, start < end

  bool operator==(const StormCell& o) const noexcept {
    return x_m == o.x_m && y_m == o.y_m && vx_ms == o.vx_ms && vy_ms == o.vy_ms && radius_m == o.radius_m &&
           peak_mm_h == o.peak_mm_h && start == o.start && peak == o.peak && end == o.end;
  }

  /// Rain rate at planar point (x, y) at time t (seconds, may be fractional), mm/h.
  double rate(double x, double y, double t) const noexcept {
    if (t <= static_cast<double>(start) || t >= static_cast<double>(end)) return 0.0;
    const double f = t <= static_cast<double>(peak)
                         ? (peak == start ? 1.0 : (t - static_cast<double>(start)) / static_cast<double>(peak - start))
                         : (static_cast<double>(end) - t) / static_cast<double>(end - peak);
    const double dt = t - static_cast<double>(start);
    const double dx = x - (x_m + vx_ms * dt), dy = y - (y_m + vy_ms * dt);
    const double q = (dx * dx + dy * dy) / (2 * radius_m * radius_m);
    if (q > 18) return 0.0;  // below e⁻¹⁸ ≈ 1.5e−8 of the peak: nothing
    return peak_mm_h * f * det_exp(-q);
  }
};

/// Thresholds and rates of the flood and its effects (file comment).
struct FloodParams {
  double max_substep_s = 600;     ///< longest routing sub-step, seconds (1 … 3600)
  double flow_share = 0.2;        ///< k, share of a surface difference moved per sub-step (0, 0.25]
  double river_stage_m = 4;       ///< the river's flood stage above its bed, m: land drains into it only above this [0, 30]
  double close_depth_m = 0.3;     ///< road closed at this depth
  double slow_from_m = 0.01;      ///< road slowed from this depth
  double subway_close_m = 0.15;   ///< a station's cell depth that stops its line
  double subway_reopen_h = 12;    ///< hours without a flooded station before a line reopens
  double substation_fail_m = 0.3; ///< depth that trips a substation
  double water_plant_fail_m = 0.5;///< depth that stops a water plant
  double recovery_h = 12;         ///< hours after its cell drains below 5 cm until a site is back
  double weather_min_mm_h = 10;   ///< weather signals from this rain rate
  double iot_min_m = 0.05;        ///< water-level signals from this depth

  /// \throws InvalidInput naming the field and value.
  void validate() const {
    constexpr auto kNone = InvalidInput::no_index;
    auto nonneg = [](double v, const char* f) {
      CRISISKIT_CHECK(std::isfinite(v) && v >= 0, f, kNone, v, "must be finite and ≥ 0");
    };
    CRISISKIT_CHECK(max_substep_s >= 1 && max_substep_s <= 3600, "max_substep_s", kNone, max_substep_s,
                    "must be in [1, 3600] seconds");
    CRISISKIT_CHECK(flow_share > 0 && flow_share <= 0.25, "flow_share", kNone, flow_share, "must be in (0, 0.25]");
    CRISISKIT_CHECK(river_stage_m >= 0 && river_stage_m <= 30, "river_stage_m", kNone, river_stage_m,
                    "must be in [0, 30] metres");
    nonneg(close_depth_m, "close_depth_m"), nonneg(slow_from_m, "slow_from_m"), nonneg(subway_close_m, "subway_close_m");
    nonneg(subway_reopen_h, "subway_reopen_h"), nonneg(substation_fail_m, "substation_fail_m");
    nonneg(water_plant_fail_m, "water_plant_fail_m"), nonneg(recovery_h, "recovery_h");
    nonneg(weather_min_mm_h, "weather_min_mm_h"), nonneg(iot_min_m, "iot_min_m");
    CRISISKIT_CHECK(slow_from_m <= close_depth_m, "slow_from_m", kNone, slow_from_m, "must be ≤ close_depth_m");
  }
};

/// The state after one step; per-cell arrays have shape (#cells,).
struct RainStep {
  Timestamp previous = 0, time = 0;          ///< the step covers (previous, time]
  std::vector<double> rain_mm;               ///< rain that fell in the step, mm
  std::vector<double> depth_m;               ///< water on the ground at `time`, m
  std::vector<double> max_depth_m;           ///< deepest so far, m
  std::vector<std::int64_t> closed_edges;    ///< road edge ids closed at `time`, ascending
  std::vector<std::int64_t> slowed_edges;    ///< open edges slowed at `time`, ascending
  std::vector<double> slow_factor;           ///< travel-time factor (> 1) of each slowed edge
  std::vector<double> trapped;               ///< people who cannot leave unaided
  std::vector<double> affected_share;        ///< 0–1 of the residents
  std::vector<double> displaced_share;       ///< 0–1 of the affected
  std::vector<double> power_outage;          ///< 0–1 of the residents without power
  std::vector<double> water_outage;          ///< 0–1 of the residents without piped water
  std::vector<std::int32_t> stopped_stations;///< site indices of stations on stopped lines
  std::vector<std::int32_t> stopped_lines;   ///< subway lines stopped
  std::vector<std::int32_t> failed_sites;    ///< site indices of substations and water plants down
  SignalRows signals;                        ///< emitted at `time`
  double rain_m3 = 0, stored_m3 = 0, drained_m3 = 0, river_m3 = 0;  ///< cumulative since the start, m³
};

class Rainstorm {
 public:
  /// \param city    the city (its arrays are copied: the storm does not keep a reference)
  /// \param storms  storm cells (see `extreme_storms` for the preset)
  /// \param start   clock time of the initial, dry state (UTC seconds)
  /// \throws InvalidInput naming `storms.<field>`, the row and value, or a FloodParams field.
  Rainstorm(const City& city, std::vector<StormCell> storms, Timestamp start, FloodParams params = {})
      : storms_(std::move(storms)), params_(params), time_(start), start_(start) {
    params_.validate();
    check_storms(storms_);
    rows_ = city.rows, cols_ = city.cols;
    area_m2_ = city.params.cell_m * city.params.cell_m;
    x_ = city.cell_x_m, y_ = city.cell_y_m, z_ = city.cell_elevation_m, drain_ = city.cell_drain_mm_h;
    river_ = city.cell_river, edge_cell_ = city.edge_cell;
    pop_.assign(city.cell_population.begin(), city.cell_population.end());
    vul_.assign(city.cell_vulnerable.begin(), city.cell_vulnerable.end());
    substation_ = city.cell_substation, water_plant_ = city.cell_water_plant;
    site_cell_ = city.site_cell, site_line_ = city.site_line;
    first_cell_ = city.first_cell, first_site_ = city.first_site;
    site_kind_.resize(site_cell_.size());
    for (std::size_t s = 0; s < site_cell_.size(); ++s) site_kind_[s] = city.site_kind(static_cast<std::int32_t>(s));
    std::int32_t lines = 0;
    for (auto l : site_line_) lines = std::max(lines, l + 1);
    line_stopped_.assign(lines, 0), line_dry_since_.assign(lines, start);
    site_failed_.assign(site_cell_.size(), 0), site_dry_since_.assign(site_cell_.size(), start);
    const auto n = z_.size();
    h_.assign(n, 0.0), hmax_.assign(n, 0.0);
    // Sites by cell (CSR), for site-level water readings.
    cell_sites_first_.assign(n + 1, 0);
    for (auto c : site_cell_) ++cell_sites_first_[c + 1];
    for (std::size_t i = 1; i <= n; ++i) cell_sites_first_[i] += cell_sites_first_[i - 1];
    cell_sites_.resize(site_cell_.size());
    std::vector<std::int32_t> fill(cell_sites_first_.begin(), cell_sites_first_.end() - 1);
    for (std::size_t s = 0; s < site_cell_.size(); ++s) cell_sites_[fill[site_cell_[s]]++] = static_cast<std::int32_t>(s);
  }

  /// The flagship preset (file comment): a rain band (σ = 0.35·W) drifting
  /// east over the city from `start` + 6 h to + 42 h, peaking at + 22 h, and
  /// four convective cores (σ ≈ 0.08·W, one hour up and two down, peaks in
  /// the ratio 160 : 120 : 100 : 80 at + 22, + 26, + 19 and + 30 h), the
  /// strongest within ±0.12·W of the centre, the others within ±0.3·W,
  /// placed by `seed`; W is the city's extent, so a town and a metropolis
  /// both see many districts flooded. All peaks are then scaled so that the
  /// wettest cell's wettest 24 hours (10-minute sums, the routing sub-step)
  /// hold `total_24h_mm` — 600 mm by default, near Zhengzhou's 624.1 mm.
  /// \throws InvalidInput if total_24h_mm is not in (0, 5000].
  static std::vector<StormCell> extreme_storms(const City& city, Timestamp start, std::uint64_t seed = 0,
                                               double total_24h_mm = 600) {
    CRISISKIT_CHECK(total_24h_mm > 0 && total_24h_mm <= 5000, "total_24h_mm", InvalidInput::no_index, total_24h_mm,
                    "must be in (0, 5000] mm");
    Xoshiro256ss rng = Xoshiro256ss::stream(seed, 101);
    const double W = city.cols * city.params.cell_m;
    std::vector<StormCell> s(5);
    s[0].x_m = -0.3 * W, s[0].y_m = rng.uniform(-0.1, 0.1) * W;
    s[0].vx_ms = 0.6 * W / (48 * 3600.0), s[0].vy_ms = 0;
    s[0].radius_m = std::max(0.35 * W, 6000.0), s[0].peak_mm_h = 22;
    s[0].start = start + hours(6), s[0].peak = start + hours(22), s[0].end = start + hours(42);
    // Convective cores: (peak mm/h, peak hour, spread of the position as a share of W).
    const double cores[4][3] = {{160, 22, 0.12}, {120, 26, 0.3}, {100, 19, 0.3}, {80, 30, 0.3}};
    const double core_r = std::max(0.08 * W, 2500.0);
    for (int k = 0; k < 4; ++k) {
      StormCell& c = s[k + 1];
      c.x_m = rng.uniform(-cores[k][2], cores[k][2]) * W, c.y_m = rng.uniform(-cores[k][2], cores[k][2]) * W;
      c.vx_ms = rng.uniform(0.0, 0.1) * W / (6 * 3600.0), c.vy_ms = rng.uniform(-0.05, 0.05) * W / (6 * 3600.0);
      c.radius_m = core_r * rng.uniform(0.8, 1.3), c.peak_mm_h = cores[k][0];
      const Timestamp peak = start + static_cast<Timestamp>(cores[k][1] * 3600);
      c.start = peak - hours(1), c.peak = peak, c.end = peak + hours(2);
    }
    const double wettest = max_24h_mm(city, s, start, start + hours(48));
    if (wettest > 0)
      for (auto& c : s) c.peak_mm_h *= total_24h_mm / wettest;
    return s;
  }

  /// The largest rain total any cell receives in 24 consecutive hours
  /// within [from, to], from 10-minute midpoint sums (mm).
  static double max_24h_mm(const City& city, const std::vector<StormCell>& storms, Timestamp from, Timestamp to) {
    constexpr double dt = 600;
    const auto k = static_cast<std::size_t>(std::max<Timestamp>(1, (to - from) / 600));
    constexpr std::size_t window = 24 * 6;
    std::vector<double> mm(k);
    double best = 0;
    for (std::int32_t i = 0; i < city.num_cells(); ++i) {
      for (std::size_t q = 0; q < k; ++q) {
        double rate = 0;
        for (const auto& st : storms)
          rate += st.rate(city.cell_x_m[i], city.cell_y_m[i], static_cast<double>(from) + (static_cast<double>(q) + 0.5) * dt);
        mm[q] = rate * dt / 3600;
      }
      double run = 0;
      for (std::size_t q = 0; q < k; ++q) {
        run += mm[q];
        if (q >= window) run -= mm[q - window];
        best = std::max(best, run);
      }
    }
    return best;
  }

  Timestamp time() const noexcept { return time_; }
  Timestamp start() const noexcept { return start_; }
  const std::vector<StormCell>& storms() const noexcept { return storms_; }
  const FloodParams& params() const noexcept { return params_; }
  const std::vector<double>& depth_m() const noexcept { return h_; }
  const std::vector<double>& max_depth_m() const noexcept { return hmax_; }
  std::int32_t num_cells() const noexcept { return static_cast<std::int32_t>(h_.size()); }

  /// Rain rate per cell at time t (not necessarily a step time), mm/h, shape (#cells,).
  std::vector<double> rain_field(double t) const {
    std::vector<double> r(h_.size(), 0.0);
    for (std::size_t i = 0; i < r.size(); ++i)
      for (const auto& s : storms_) r[i] += s.rate(x_[i], y_[i], t);
    return r;
  }

  /// Advances to `t` and returns the state there.
  /// \throws InvalidInput if `t` ≤ the current time (nothing changes then).
  RainStep step(Timestamp t) {
    CRISISKIT_CHECK(t > time_, "time", InvalidInput::no_index, format_time(t),
                    "must be after the storm's current time " + format_time(time_));
    const auto n = h_.size();
    RainStep out;
    out.previous = time_, out.time = t;
    out.rain_mm.assign(n, 0.0);
    const Duration span = t - time_;
    const auto subs = static_cast<std::int64_t>(std::ceil(static_cast<double>(span) / params_.max_substep_s));
    const double dt = static_cast<double>(span) / static_cast<double>(subs);
    std::vector<double> delta(n);
    for (std::int64_t k = 0; k < subs; ++k) {
      const double mid = static_cast<double>(time_) + (static_cast<double>(k) + 0.5) * dt;
      std::fill(delta.begin(), delta.end(), 0.0);
      for (std::size_t i = 0; i < n; ++i) {
        double rate = 0;
        for (const auto& s : storms_) rate += s.rate(x_[i], y_[i], mid);
        const double rain = rate * dt / 3.6e6;  // mm/h × s → m
        out.rain_mm[i] += rain * 1000;
        rain_m3_ += rain * area_m2_;
        double h = h_[i] + rain;
        if (river_[i]) {
          river_m3_ += h * area_m2_;
          h_[i] = 0;
          continue;
        }
        const double d = std::min(h, drain_[i] * dt / 3.6e6);
        drained_m3_ += d * area_m2_;
        h_[i] = h - d;
      }
      route(delta);
      for (std::size_t i = 0; i < n; ++i) {
        h_[i] = std::max(0.0, h_[i] + delta[i]);
        if (river_[i]) river_m3_ += h_[i] * area_m2_, h_[i] = 0;
      }
    }
    time_ = t;
    for (std::size_t i = 0; i < n; ++i) hmax_[i] = std::max(hmax_[i], h_[i]);
    effects(out);
    return out;
  }

  /// State (storms, parameters, water, outages, clock) in crisiskit's snapshot format.
  std::string to_bytes() const {
    crisiskit::detail::BinaryWriter w;
    w.raw("CKRAIN2\n");
    w.pod<std::uint64_t>(storms_.size());
    for (const auto& s : storms_) {
      for (double v : {s.x_m, s.y_m, s.vx_ms, s.vy_ms, s.radius_m, s.peak_mm_h}) w.pod(v);
      w.pod(s.start), w.pod(s.peak), w.pod(s.end);
    }
    for (double v : param_values(params_)) w.pod(v);
    w.pod(start_), w.pod(time_), w.pod(rain_m3_), w.pod(drained_m3_), w.pod(river_m3_);
    w.array(h_), w.array(hmax_), w.array(line_stopped_), w.array(line_dry_since_), w.array(site_failed_);
    w.array(site_dry_since_);
    return std::move(w.buffer());
  }

  /// Rebuilds a storm on `city` (the same city it was made for) from `to_bytes`.
  /// \throws InvalidInput naming the byte offset (field "rainstorm") if the
  /// bytes are corrupted or do not fit the city.
  static Rainstorm from_bytes(const City& city, std::string_view bytes) {
    crisiskit::detail::BinaryReader r(bytes, "rainstorm");
    r.expect("CKRAIN2\n");
    std::vector<StormCell> storms(r.count(6 * 8 + 3 * 8));
    for (auto& s : storms) {
      for (double* v : {&s.x_m, &s.y_m, &s.vx_ms, &s.vy_ms, &s.radius_m, &s.peak_mm_h}) *v = r.pod<double>();
      s.start = r.pod<Timestamp>(), s.peak = r.pod<Timestamp>(), s.end = r.pod<Timestamp>();
    }
    FloodParams fp;
    auto vals = param_values(fp);
    for (double& v : vals) v = r.pod<double>();
    set_param_values(fp, vals);
    const auto start = r.pod<Timestamp>();
    try {
      Rainstorm rs(city, std::move(storms), start, fp);
      rs.time_ = r.pod<Timestamp>(), rs.rain_m3_ = r.pod<double>(), rs.drained_m3_ = r.pod<double>();
      rs.river_m3_ = r.pod<double>();
      rs.h_ = r.array<double>(), rs.hmax_ = r.array<double>(), rs.line_stopped_ = r.array<std::uint8_t>();
      rs.line_dry_since_ = r.array<Timestamp>(), rs.site_failed_ = r.array<std::uint8_t>();
      rs.site_dry_since_ = r.array<Timestamp>();
      if (!r.done()) r.fail("trailing bytes after the rainstorm");
      if (rs.h_.size() != rs.z_.size() || rs.hmax_.size() != rs.z_.size() ||
          rs.line_stopped_.size() != rs.line_dry_since_.size() || rs.site_failed_.size() != rs.site_cell_.size() ||
          rs.site_dry_since_.size() != rs.site_cell_.size())
        r.fail("the snapshot does not fit this city (array lengths differ)");
      for (double h : rs.h_)
        if (!(h >= 0 && std::isfinite(h))) r.fail("a water depth is negative or not finite");
      return rs;
    } catch (const InvalidInput& e) {
      if (e.field() == "rainstorm") throw;
      throw InvalidInput("rainstorm", static_cast<std::int64_t>(r.offset()), "snapshot", e.what());
    }
  }

 private:
  static void check_storms(const std::vector<StormCell>& storms) {
    for (std::size_t k = 0; k < storms.size(); ++k) {
      const auto row = static_cast<std::int64_t>(k);
      const StormCell& s = storms[k];
      for (double v : {s.x_m, s.y_m, s.vx_ms, s.vy_ms})
        CRISISKIT_CHECK(std::isfinite(v), "storms.x_m/y_m/vx_ms/vy_ms", row, v, "must be finite");
      CRISISKIT_CHECK(std::isfinite(s.radius_m) && s.radius_m > 0, "storms.radius_m", row, s.radius_m,
                      "must be finite and > 0 metres");
      CRISISKIT_CHECK(std::isfinite(s.peak_mm_h) && s.peak_mm_h >= 0 && s.peak_mm_h <= 1000, "storms.peak_mm_h", row,
                      s.peak_mm_h, "must be in [0, 1000] mm/h");
      CRISISKIT_CHECK(s.start < s.end, "storms.end", row, format_time(s.end), "must be after start");
      CRISISKIT_CHECK(s.start <= s.peak && s.peak <= s.end, "storms.peak", row, format_time(s.peak),
                      "must be within [start, end]");
    }
  }

  static std::vector<double> param_values(const FloodParams& p) {
    return {p.max_substep_s, p.flow_share, p.close_depth_m, p.slow_from_m, p.subway_close_m, p.subway_reopen_h,
            p.substation_fail_m, p.water_plant_fail_m, p.recovery_h, p.weather_min_mm_h, p.iot_min_m, p.river_stage_m};
  }
  static void set_param_values(FloodParams& p, const std::vector<double>& v) {
    p.max_substep_s = v[0], p.flow_share = v[1], p.close_depth_m = v[2], p.slow_from_m = v[3];
    p.subway_close_m = v[4], p.subway_reopen_h = v[5], p.substation_fail_m = v[6], p.water_plant_fail_m = v[7];
    p.recovery_h = v[8], p.weather_min_mm_h = v[9], p.iot_min_m = v[10], p.river_stage_m = v[11];
  }

  // Fluxes to lower neighbours from the current state into `delta` (step 3).
  void route(std::vector<double>& delta) const {
    const double k = params_.flow_share;
    for (std::int32_t r = 0; r < rows_; ++r)
      for (std::int32_t c = 0; c < cols_; ++c) {
        const std::int32_t i = r * cols_ + c;
        const double h = h_[i];
        if (h <= 0 || river_[i]) continue;
        const double eta = z_[i] + h;
        std::int32_t nb[4];
        double want[4];
        int m = 0;
        double total = 0;
        auto consider = [&](std::int32_t j) {
          // A river cell's surface is the flood stage (file comment): the river is fed from far
          // upstream, so low land beside it cannot drain into it however small the city.
          const double eta_j = river_[j] ? std::max(params_.river_stage_m, z_[j] + h_[j]) : z_[j] + h_[j];
          const double diff = eta - eta_j;
          if (diff > 0) nb[m] = j, want[m] = k * diff, total += want[m], ++m;
        };
        if (c > 0) consider(i - 1);
        if (c + 1 < cols_) consider(i + 1);
        if (r > 0) consider(i - cols_);
        if (r + 1 < rows_) consider(i + cols_);
        if (m == 0) continue;
        const double scale = total > h ? h / total : 1.0;
        for (int q = 0; q < m; ++q) {
          const double f = want[q] * scale;
          delta[i] -= f, delta[nb[q]] += f;
        }
      }
  }

  static double clamp01(double v) noexcept { return std::clamp(v, 0.0, 1.0); }

  void effects(RainStep& out) {
    const auto n = h_.size();
    const FloodParams& p = params_;
    const Timestamp t = time_;
    out.depth_m = h_, out.max_depth_m = hmax_;
    double stored = 0;
    for (double h : h_) stored += h * area_m2_;
    out.rain_m3 = rain_m3_, out.stored_m3 = stored, out.drained_m3 = drained_m3_, out.river_m3 = river_m3_;

    // Roads.
    for (std::size_t e = 0; e < edge_cell_.size(); ++e) {
      const double h = h_[edge_cell_[e]];
      if (h >= p.close_depth_m) {
        out.closed_edges.push_back(static_cast<std::int64_t>(e));
      } else if (h >= p.slow_from_m && h > 0) {
        const double w = h * 1000, v = 0.0009 * w * w - 0.5529 * w + 86.9448;
        out.slowed_edges.push_back(static_cast<std::int64_t>(e));
        out.slow_factor.push_back(std::max(1.0, 86.9448 / std::max(v, 1.0)));
      }
    }
    // Infrastructure: substations first (water plants depend on power).
    const Duration recovery = static_cast<Duration>(p.recovery_h * 3600);
    std::vector<std::int32_t> newly_failed;
    auto update_site = [&](std::size_t s, bool failing) {
      const double h = h_[site_cell_[s]];
      if (failing) {
        if (!site_failed_[s]) newly_failed.push_back(static_cast<std::int32_t>(s));
        site_failed_[s] = 1, site_dry_since_[s] = t;
      } else if (site_failed_[s]) {
        if (h >= 0.05) site_dry_since_[s] = t;
        else if (t - site_dry_since_[s] >= recovery) site_failed_[s] = 0;
      }
    };
    for (std::size_t s = 0; s < site_cell_.size(); ++s)
      if (site_kind_[s] == PlaceKind::SUBSTATION) update_site(s, h_[site_cell_[s]] >= p.substation_fail_m);
    out.power_outage.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
      out.power_outage[i] = site_failed_[substation_[i]] ? 1.0 : clamp01((h_[i] - 0.3) / 0.7);
    for (std::size_t s = 0; s < site_cell_.size(); ++s)
      if (site_kind_[s] == PlaceKind::WATER_PLANT)
        update_site(s, h_[site_cell_[s]] >= p.water_plant_fail_m || out.power_outage[site_cell_[s]] >= 0.5);
    out.water_outage.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
      out.water_outage[i] = site_failed_[water_plant_[i]] ? 1.0 : clamp01((h_[i] - 0.5) / 1.0);
    for (std::size_t s = 0; s < site_cell_.size(); ++s)
      if (site_failed_[s]) out.failed_sites.push_back(static_cast<std::int32_t>(s));

    // People.
    out.trapped.assign(n, 0.0), out.affected_share.assign(n, 0.0), out.displaced_share.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      const double h = h_[i], hm = hmax_[i];
      const double general = 0.3 * clamp01((h - 0.5) / 1.0), vulnerable = 0.6 * clamp01((h - 0.3) / 1.2);
      out.trapped[i] = (pop_[i] - vul_[i]) * general + vul_[i] * vulnerable;
      out.affected_share[i] =
          std::max({clamp01((hm - 0.05) / 0.45), out.power_outage[i], out.water_outage[i]});
      out.displaced_share[i] = 0.25 * clamp01((hm - 0.3) / 0.7) + 0.5 * clamp01((hm - 1.0) / 1.0);
      if (pop_[i] <= 0) out.affected_share[i] = out.displaced_share[i] = 0;
    }

    // Subway lines.
    const Duration reopen = static_cast<Duration>(p.subway_reopen_h * 3600);
    std::vector<std::uint8_t> flooded(line_stopped_.size(), 0), was = line_stopped_;
    for (std::size_t s = 0; s < site_cell_.size(); ++s)
      if (site_line_[s] >= 0 && h_[site_cell_[s]] >= p.subway_close_m) flooded[site_line_[s]] = 1;
    for (std::size_t l = 0; l < line_stopped_.size(); ++l) {
      if (flooded[l]) line_stopped_[l] = 1, line_dry_since_[l] = t;
      else if (line_stopped_[l] && t - line_dry_since_[l] >= reopen) line_stopped_[l] = 0;
      if (line_stopped_[l]) out.stopped_lines.push_back(static_cast<std::int32_t>(l));
    }
    for (std::size_t s = 0; s < site_cell_.size(); ++s)
      if (site_line_[s] >= 0 && line_stopped_[site_line_[s]]) out.stopped_stations.push_back(static_cast<std::int32_t>(s));

    // Signals, by kind then place.
    SignalRows& sig = out.signals;
    const double hours_in_step = static_cast<double>(t - out.previous) / 3600.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double rate = out.rain_mm[i] / hours_in_step;
      if (rate >= p.weather_min_mm_h && rate > 0)
        sig.add(first_cell_ + static_cast<std::int32_t>(i), t, SignalKind::WEATHER, rate / 50.0, 0.9);
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!(h_[i] >= p.iot_min_m) || river_[i]) continue;
      sig.add(first_cell_ + static_cast<std::int32_t>(i), t, SignalKind::IOT, h_[i] / 0.15, 0.95);
      for (auto q = cell_sites_first_[i]; q < cell_sites_first_[i + 1]; ++q)
        sig.add(first_site_ + cell_sites_[q], t, SignalKind::IOT, h_[i] / 0.15, 0.95);
    }
    for (std::size_t i = 0; i < n; ++i)
      if (out.trapped[i] >= 1)
        sig.add(first_cell_ + static_cast<std::int32_t>(i), t, SignalKind::INCIDENT, out.trapped[i] / 50.0, 0.8);
    for (std::size_t s = 0; s < site_cell_.size(); ++s)
      if (site_line_[s] >= 0 && line_stopped_[site_line_[s]] && !was[site_line_[s]])
        sig.add(first_site_ + static_cast<std::int32_t>(s), t, SignalKind::INCIDENT, 1.0, 1.0);
    for (auto s : newly_failed) sig.add(first_site_ + s, t, SignalKind::INCIDENT, 1.0, 1.0);
    for (std::size_t i = 0; i < n; ++i) {
      const double calls = (out.power_outage[i] + out.water_outage[i]) * pop_[i] / 10000.0;
      if (calls >= 0.01) sig.add(first_cell_ + static_cast<std::int32_t>(i), t, SignalKind::ASSISTANCE, calls, 0.7);
    }
  }

  std::vector<StormCell> storms_;
  FloodParams params_;
  Timestamp time_, start_;
  std::int32_t rows_ = 0, cols_ = 0, first_cell_ = 0, first_site_ = 0;
  double area_m2_ = 0;
  std::vector<double> x_, y_, z_, drain_, pop_, vul_;
  std::vector<std::uint8_t> river_;
  std::vector<std::int32_t> edge_cell_, substation_, water_plant_, site_cell_, site_line_;
  std::vector<PlaceKind> site_kind_;
  std::vector<std::int32_t> cell_sites_first_, cell_sites_;
  std::vector<double> h_, hmax_;
  double rain_m3_ = 0, drained_m3_ = 0, river_m3_ = 0;
  std::vector<std::uint8_t> line_stopped_, site_failed_;
  std::vector<Timestamp> line_dry_since_, site_dry_since_;
};

}  // namespace crisiskit::scenario
