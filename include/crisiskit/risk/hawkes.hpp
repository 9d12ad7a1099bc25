#pragma once
/// \file
/// Forecasting incidents with a multivariate self-exciting (Hawkes) point
/// process on the link graph.
///
/// Intensity of incidents at place i (events per second):
///
///     λ_i(t) = μ_i · s(h(t)) + Σ_m β_m [ α_self,m · A_i,m(t) + α_nb,m · Σ_j Q_ij A_j,m(t) ]
///     A_j,m(t) = Σ_{events e at j, t_e < t} exp(−β_m (t − t_e))
///
/// - μ_i: background rate of place i; s(h): hour-of-week profile (168 values,
///   hour 0 = Monday 00:00 local time, mean 1 over the fit window).
/// - M exponential kernels (default 2: hours and days) with decay β_m (1/s).
///   α_self,m is the expected number of direct "offspring" an incident has at
///   its own place through kernel m, α_nb,m the expected number at its
///   neighbours, spread by Q (Q_ij = share of j's outgoing link weight going
///   to i; each column with out-links sums to 1).
/// - Branching ratio Σ_m (α_self,m + α_nb,m) < 1 makes the process stationary
///   (the spectral radius of Σ_m α_self,m I + α_nb,m Q is at most that sum,
///   because Q is column-stochastic).
///
/// Fitting is expectation–maximisation over the branching structure (Veen &
/// Schoenberg 2008; Mohler et al. 2011), computed with the exponential-kernel
/// recursions so an iteration costs O(events · (1 + in-degree) · M). The
/// forecast integrates the expected-intensity equations exactly for the
/// self part (a per-place M×M matrix exponential) and to second order for
/// the neighbour coupling (exponential Adams–Bashforth 2), over hourly
/// steps. Thread-safety: functions are pure; a model is a value.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <unsupported/Eigen/MatrixFunctions>

#include "crisiskit/core/error.hpp"
#include "crisiskit/core/span.hpp"
#include "crisiskit/core/time.hpp"
#include "crisiskit/detail/binary_io.hpp"
#include "crisiskit/risk/sparse.hpp"

namespace crisiskit::risk {

inline constexpr int hours_per_week = 168;

/// Hour of week in local time: 0 = Monday 00:00–00:59 … 167 = Sunday 23:00.
inline int hour_of_week(Timestamp t, int utc_offset_minutes) noexcept {
  const std::int64_t local = t + std::int64_t{utc_offset_minutes} * 60;
  const std::int64_t day = crisiskit::detail::floor_div(local, 86400);
  const std::int64_t weekday = ((day + 3) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
  return static_cast<int>(weekday * 24 + crisiskit::detail::floor_div(local - day * 86400, 3600));
}

struct HawkesKernel {
  double beta = 1.0 / 7200;     ///< decay rate, 1/seconds (mean lag 1/β)
  double alpha_self = 0.0;      ///< expected direct offspring at the same place
  double alpha_neighbour = 0.0; ///< expected direct offspring at linked places
};

/// Fitted parameters plus fit diagnostics. A value type: copy, compare, save.
struct HawkesModel {
  std::vector<double> mu;  ///< background rate per place, events per second (before s(h))
  std::array<double, hours_per_week> seasonal{};  ///< hour-of-week multipliers, mean 1
  int utc_offset_minutes = 0;                     ///< local time used for the hour of week
  std::vector<HawkesKernel> kernels;
  std::vector<std::string> kinds;                 ///< signal kinds counted as incidents (RiskMap)
  // Diagnostics of the fit that produced the model.
  double log_likelihood = std::numeric_limits<double>::quiet_NaN();  ///< at the final parameters
  int iterations = 0;
  bool converged = false;
  Timestamp fit_start = 0, fit_end = 0;
  std::int64_t events = 0;

  HawkesModel() { seasonal.fill(1.0); }

  double branching_ratio() const noexcept {
    double r = 0;
    for (const auto& k : kernels) r += k.alpha_self + k.alpha_neighbour;
    return r;
  }

  /// \throws InvalidInput naming the offending parameter.
  void validate(std::int64_t num_places) const {
    CRISISKIT_CHECK(static_cast<std::int64_t>(mu.size()) == num_places, "mu", InvalidInput::no_index, mu.size(),
                    fmt::format("must have one rate per place ({})", num_places));
    for (std::size_t i = 0; i < mu.size(); ++i)
      CRISISKIT_CHECK(std::isfinite(mu[i]) && mu[i] >= 0, "mu", static_cast<std::int64_t>(i), mu[i],
                      "must be finite and ≥ 0 (events per second)");
    for (int h = 0; h < hours_per_week; ++h)
      CRISISKIT_CHECK(std::isfinite(seasonal[h]) && seasonal[h] >= 0, "seasonal", h, seasonal[h],
                      "must be finite and ≥ 0");
    CRISISKIT_CHECK(utc_offset_minutes >= -max_offset_minutes && utc_offset_minutes <= max_offset_minutes,
                    "utc_offset_minutes", InvalidInput::no_index, utc_offset_minutes, "must be within ±23:59");
    CRISISKIT_CHECK(!kernels.empty() && kernels.size() <= 8, "kernels", InvalidInput::no_index, kernels.size(),
                    "between 1 and 8 kernels");
    for (std::size_t m = 0; m < kernels.size(); ++m) {
      const auto& k = kernels[m];
      const auto row = static_cast<std::int64_t>(m);
      CRISISKIT_CHECK(std::isfinite(k.beta) && k.beta > 0, "kernels.beta", row, k.beta, "must be positive (1/s)");
      CRISISKIT_CHECK(std::isfinite(k.alpha_self) && k.alpha_self >= 0, "kernels.alpha_self", row, k.alpha_self,
                      "must be finite and ≥ 0");
      CRISISKIT_CHECK(std::isfinite(k.alpha_neighbour) && k.alpha_neighbour >= 0, "kernels.alpha_neighbour", row,
                      k.alpha_neighbour, "must be finite and ≥ 0");
    }
  }

  void write(crisiskit::detail::BinaryWriter& w) const {
    w.raw("CKHAWK1");
    w.array(mu);
    for (double s : seasonal) w.pod(s);
    w.pod<std::int32_t>(utc_offset_minutes);
    w.pod<std::uint64_t>(kernels.size());
    for (const auto& k : kernels) w.pod(k.beta), w.pod(k.alpha_self), w.pod(k.alpha_neighbour);
    w.pod<std::uint64_t>(kinds.size());
    for (const auto& k : kinds) w.str(k);
    w.pod(log_likelihood);
    w.pod<std::int32_t>(iterations);
    w.pod<std::uint8_t>(converged);
    w.pod(fit_start), w.pod(fit_end), w.pod(events);
  }
  static HawkesModel read(crisiskit::detail::BinaryReader& r) {
    HawkesModel m;
    r.expect("CKHAWK1");
    m.mu = r.array<double>();
    for (double& s : m.seasonal) s = r.pod<double>();
    m.utc_offset_minutes = r.pod<std::int32_t>();
    const auto nk = r.count(24);
    m.kernels.resize(nk);
    for (auto& k : m.kernels) k.beta = r.pod<double>(), k.alpha_self = r.pod<double>(), k.alpha_neighbour = r.pod<double>();
    m.kinds.resize(r.count(8));
    for (auto& k : m.kinds) k = r.str();
    m.log_likelihood = r.pod<double>();
    m.iterations = r.pod<std::int32_t>();
    m.converged = r.pod<std::uint8_t>() != 0;
    m.fit_start = r.pod<Timestamp>(), m.fit_end = r.pod<Timestamp>(), m.events = r.pod<std::int64_t>();
    return m;
  }
  std::string to_bytes() const {
    crisiskit::detail::BinaryWriter w;
    write(w);
    return std::move(w.buffer());
  }
  /// \throws InvalidInput naming the byte offset of a corrupt or truncated snapshot.
  static HawkesModel from_bytes(std::string_view bytes) {
    crisiskit::detail::BinaryReader r(bytes, "model");
    HawkesModel m = read(r);
    if (!r.done()) r.fail("trailing bytes after the model");
    m.validate(static_cast<std::int64_t>(m.mu.size()));
    return m;
  }
  friend bool operator==(const HawkesModel& a, const HawkesModel& b) { return a.to_bytes() == b.to_bytes(); }
};

/// Shape of the fitted hour-of-week profile s(h).
enum class Seasonal : int {
  NONE = 0,          ///< s ≡ 1
  DAY_WEEK = 1,      ///< s = hour-of-day factor × day-of-week factor (24 + 7 parameters): the default;
                     ///< 168 free bins overfit noise and absorb slow self-excitation on months of data
  HOUR_OF_WEEK = 2,  ///< 168 free bins (for years of data)
};

struct HawkesFitOptions {
  /// Initial kernel time scales (1/β) in seconds; their count is the number of kernels.
  std::vector<double> timescales = {3600.0 * 2, 86400.0 * 3};
  Seasonal seasonal = Seasonal::DAY_WEEK;
  bool neighbours = true;    ///< fit α_nb (else 0: places excite only themselves)
  bool fit_decays = true;    ///< update β by EM (else keep the initial time scales)
  /// Lower bound on a fitted kernel time scale 1/β, seconds. Keeps EM from
  /// collapsing a kernel onto records that share a timestamp (several calls
  /// logged for one incident in the same minute).
  double min_timescale = 60.0;
  int utc_offset_minutes = 0;
  int max_iterations = 200;
  double tolerance = 1e-7;   ///< stop when the log-likelihood gains less than tolerance · |ll|
  /// Shrinks each μ_i toward the mean over places, as if every place had been
  /// watched for `mu_prior` extra seconds at the mean rate. Keeps places with
  /// no history from forecasting exactly zero.
  double mu_prior = 86400.0;
  /// Called once per iteration; may throw to abort the fit (e.g. Ctrl-C).
  std::function<void()> check_interrupt;

  void validate() const {
    CRISISKIT_CHECK(!timescales.empty() && timescales.size() <= 8, "timescales", InvalidInput::no_index,
                    timescales.size(), "between 1 and 8 kernel time scales");
    for (std::size_t m = 0; m < timescales.size(); ++m)
      CRISISKIT_CHECK(std::isfinite(timescales[m]) && timescales[m] > 0, "timescales", static_cast<std::int64_t>(m),
                      timescales[m], "must be positive seconds");
    CRISISKIT_CHECK(std::isfinite(min_timescale) && min_timescale > 0, "min_timescale", InvalidInput::no_index,
                    min_timescale, "must be positive seconds");
    for (std::size_t m = 0; m < timescales.size(); ++m)
      CRISISKIT_CHECK(timescales[m] >= min_timescale, "timescales", static_cast<std::int64_t>(m), timescales[m],
                      fmt::format("below min_timescale ({} s)", min_timescale));
    CRISISKIT_CHECK(max_iterations >= 1, "max_iterations", InvalidInput::no_index, max_iterations, "must be ≥ 1");
    CRISISKIT_CHECK(tolerance > 0, "tolerance", InvalidInput::no_index, tolerance, "must be positive");
    CRISISKIT_CHECK(std::isfinite(mu_prior) && mu_prior >= 0, "mu_prior", InvalidInput::no_index, mu_prior,
                    "must be ≥ 0 seconds");
    CRISISKIT_CHECK(utc_offset_minutes >= -max_offset_minutes && utc_offset_minutes <= max_offset_minutes,
                    "utc_offset_minutes", InvalidInput::no_index, utc_offset_minutes, "must be within ±23:59");
  }
};

/// A time-sorted view of events: place index and time, same length.
struct EventView {
  Span<const std::int32_t> place;
  Span<const Timestamp> time;
  std::size_t size() const noexcept { return place.size(); }
};

namespace internal {

/// Seconds of [start, end) falling in each hour-of-week bin.
inline std::array<double, hours_per_week> hour_bin_seconds(Timestamp start, Timestamp end, int offset_min) {
  std::array<double, hours_per_week> d{};
  Timestamp t = start;
  while (t < end) {
    const Timestamp next = std::min(end, (crisiskit::detail::floor_div(t, 3600) + 1) * 3600);
    d[hour_of_week(t, offset_min)] += static_cast<double>(next - t);
    t = next;
  }
  return d;
}

/// Per-place exponential-kernel state: A = Σ e^{−βΔ}, B = Σ e^{−βΔ}Δ, advanced lazily.
struct KernelState {
  int M;
  std::vector<double> beta, A, B;
  std::vector<Timestamp> last;
  KernelState(std::size_t n, const std::vector<double>& b)
      : M(static_cast<int>(b.size())), beta(b), A(n * b.size(), 0.0), B(n * b.size(), 0.0), last(n, 0) {}
  void advance(std::size_t j, Timestamp t) {
    const Timestamp d = t - last[j];
    if (d == 0) return;
    const double dd = static_cast<double>(d);
    for (int m = 0; m < M; ++m) {
      const std::size_t k = j * M + m;
      if (A[k] == 0) continue;
      const double e = std::exp(-beta[m] * dd);
      B[k] = e * (B[k] + dd * A[k]);
      A[k] *= e;
    }
    last[j] = t;
  }
};

}  // namespace internal

/// Fits the model by EM to events in [start, end). `Q` is the excitation
/// operator (rows = receivers, see header), `has_out[j]` whether place j has
/// out-links (only those can excite neighbours). Events must be sorted by time.
/// \throws InvalidInput for bad options or an empty/invalid window; whatever
/// `check_interrupt` throws.
inline HawkesModel fit_hawkes(std::int32_t num_places, const CsrMatrix& Q, const std::vector<char>& has_out,
                              EventView ev, Timestamp start, Timestamp end, const HawkesFitOptions& opt) {
  opt.validate();
  CRISISKIT_CHECK(end > start, "end", InvalidInput::no_index, end, "fit window must have end > start");
  // Events in the window.
  const auto* lo = std::lower_bound(ev.time.begin(), ev.time.end(), start);
  const auto* hi = std::lower_bound(ev.time.begin(), ev.time.end(), end);
  const std::size_t first = static_cast<std::size_t>(lo - ev.time.begin());
  const std::size_t n_ev = static_cast<std::size_t>(hi - lo);
  CRISISKIT_CHECK(n_ev >= 2, "events", InvalidInput::no_index, n_ev, "the fit window holds fewer than 2 events");
  const auto N = static_cast<std::size_t>(num_places);
  const int M = static_cast<int>(opt.timescales.size());
  const double T = static_cast<double>(end - start);
  const auto D = internal::hour_bin_seconds(start, end, opt.utc_offset_minutes);

  std::vector<int> how(n_ev);
  for (std::size_t e = 0; e < n_ev; ++e) how[e] = hour_of_week(ev.time[first + e], opt.utc_offset_minutes);

  HawkesModel model;
  model.utc_offset_minutes = opt.utc_offset_minutes;
  model.kernels.resize(M);
  for (int m = 0; m < M; ++m) {
    model.kernels[m].beta = 1.0 / opt.timescales[m];
    model.kernels[m].alpha_self = 0.2 / M;
    model.kernels[m].alpha_neighbour = opt.neighbours ? 0.1 / M : 0.0;
  }
  {
    std::vector<double> count(N, 0.0);
    for (std::size_t e = 0; e < n_ev; ++e) count[ev.place[first + e]] += 1;
    model.mu.resize(N);
    const double mean = static_cast<double>(n_ev) / static_cast<double>(N) / T;
    for (std::size_t i = 0; i < N; ++i) model.mu[i] = 0.6 * (count[i] + opt.mu_prior * mean) / (T + opt.mu_prior);
  }

  std::vector<double> bg_place(N), beta(M);
  std::array<double, hours_per_week> bg_how{};
  std::vector<double> p_self(M), p_nb(M), lag_self(M), lag_nb(M);
  std::vector<double> QA(M), QB(M);
  double prev_ll = -std::numeric_limits<double>::infinity();

  for (int it = 1; it <= opt.max_iterations; ++it) {
    if (opt.check_interrupt) opt.check_interrupt();
    for (int m = 0; m < M; ++m) beta[m] = model.kernels[m].beta;
    internal::KernelState st(N, beta);
    std::fill(st.last.begin(), st.last.end(), start);
    std::fill(bg_place.begin(), bg_place.end(), 0.0);
    bg_how.fill(0.0);
    std::fill(p_self.begin(), p_self.end(), 0.0), std::fill(p_nb.begin(), p_nb.end(), 0.0);
    std::fill(lag_self.begin(), lag_self.end(), 0.0), std::fill(lag_nb.begin(), lag_nb.end(), 0.0);
    double ll = 0;
    // E-step in time order; events sharing a time are evaluated before any of
    // them enters the state (a parent must come strictly earlier).
    std::size_t g0 = 0;
    while (g0 < n_ev) {
      const Timestamp t = ev.time[first + g0];
      std::size_t g1 = g0;
      while (g1 < n_ev && ev.time[first + g1] == t) ++g1;
      for (std::size_t e = g0; e < g1; ++e) {
        const auto i = static_cast<std::size_t>(ev.place[first + e]);
        st.advance(i, t);
        std::fill(QA.begin(), QA.end(), 0.0), std::fill(QB.begin(), QB.end(), 0.0);
        for (std::int64_t k = Q.ptr[i]; k < Q.ptr[i + 1]; ++k) {
          const auto j = static_cast<std::size_t>(Q.col[k]);
          st.advance(j, t);
          const double q = Q.val[k];
          for (int m = 0; m < M; ++m) QA[m] += q * st.A[j * M + m], QB[m] += q * st.B[j * M + m];
        }
        const double bg = model.mu[i] * model.seasonal[how[e]];
        double lam = bg;
        for (int m = 0; m < M; ++m) {
          const auto& kk = model.kernels[m];
          lam += kk.beta * (kk.alpha_self * st.A[i * M + m] + kk.alpha_neighbour * QA[m]);
        }
        if (!(lam > 0)) lam = std::numeric_limits<double>::min();
        ll += std::log(lam);
        const double inv = 1.0 / lam;
        bg_place[i] += bg * inv;
        bg_how[how[e]] += bg * inv;
        for (int m = 0; m < M; ++m) {
          const auto& kk = model.kernels[m];
          p_self[m] += kk.beta * kk.alpha_self * st.A[i * M + m] * inv;
          lag_self[m] += kk.beta * kk.alpha_self * st.B[i * M + m] * inv;
          p_nb[m] += kk.beta * kk.alpha_neighbour * QA[m] * inv;
          lag_nb[m] += kk.beta * kk.alpha_neighbour * QB[m] * inv;
        }
      }
      for (std::size_t e = g0; e < g1; ++e) {
        const auto i = static_cast<std::size_t>(ev.place[first + e]);
        for (int m = 0; m < M; ++m) st.A[i * M + m] += 1.0;
      }
      g0 = g1;
    }
    // Compensator terms.
    std::vector<double> K(M, 0.0), Kout(M, 0.0), L(M, 0.0), Lout(M, 0.0);
    for (std::size_t e = 0; e < n_ev; ++e) {
      const double rem = static_cast<double>(end - ev.time[first + e]);
      const bool out = has_out[ev.place[first + e]] != 0;
      for (int m = 0; m < M; ++m) {
        const double x = std::exp(-beta[m] * rem);
        K[m] += 1 - x, L[m] += rem * x;
        if (out) Kout[m] += 1 - x, Lout[m] += rem * x;
      }
    }
    double S = 0;
    for (int h = 0; h < hours_per_week; ++h) S += model.seasonal[h] * D[h];
    double comp = S * std::accumulate(model.mu.begin(), model.mu.end(), 0.0);
    for (int m = 0; m < M; ++m) comp += model.kernels[m].alpha_self * K[m] + model.kernels[m].alpha_neighbour * Kout[m];
    ll -= comp;
    model.log_likelihood = ll;
    model.iterations = it;
    if (std::abs(ll - prev_ll) <= opt.tolerance * std::abs(ll)) {
      model.converged = true;
      break;
    }
    prev_ll = ll;
    if (it == opt.max_iterations) break;

    // M-step.
    const double bg_total = std::accumulate(bg_place.begin(), bg_place.end(), 0.0);
    const double mean_mu = bg_total / (static_cast<double>(N) * S);
    for (std::size_t i = 0; i < N; ++i) model.mu[i] = (bg_place[i] + opt.mu_prior * mean_mu) / (S + opt.mu_prior);
    if (opt.seasonal != Seasonal::NONE) {
      // One pseudo-event per parameter pulls a sparse bin toward 1.
      const double mu_sum = std::accumulate(model.mu.begin(), model.mu.end(), 0.0);
      if (opt.seasonal == Seasonal::HOUR_OF_WEEK) {
        for (int h = 0; h < hours_per_week; ++h)
          if (D[h] > 0) model.seasonal[h] = (bg_how[h] + 1.0) / (D[h] * mu_sum + 1.0);
      } else {
        // s_h = d[hour of day] · w[day of week], by a few alternating updates.
        std::array<double, 24> d{};
        std::array<double, 7> wk{};
        for (int h = 0; h < hours_per_week; ++h) d[h % 24] = 1.0, wk[h / 24] = 1.0;
        for (int inner = 0; inner < 5; ++inner) {
          std::array<double, 24> num{}, den{};
          for (int h = 0; h < hours_per_week; ++h) num[h % 24] += bg_how[h], den[h % 24] += D[h] * wk[h / 24] * mu_sum;
          for (int q = 0; q < 24; ++q) d[q] = (num[q] + 1.0) / (den[q] + 1.0);
          std::array<double, 7> wn{}, wd{};
          for (int h = 0; h < hours_per_week; ++h) wn[h / 24] += bg_how[h], wd[h / 24] += D[h] * d[h % 24] * mu_sum;
          for (int q = 0; q < 7; ++q) wk[q] = (wn[q] + 1.0) / (wd[q] + 1.0);
        }
        for (int h = 0; h < hours_per_week; ++h) model.seasonal[h] = d[h % 24] * wk[h / 24];
      }
      double Sn = 0;
      for (int h = 0; h < hours_per_week; ++h) Sn += model.seasonal[h] * D[h];
      const double c = T / Sn;
      for (auto& v : model.seasonal) v *= c;
      for (auto& u : model.mu) u /= c;
    }
    for (int m = 0; m < M; ++m) {
      auto& kk = model.kernels[m];
      const double as = K[m] > 0 ? p_self[m] / K[m] : 0.0;
      const double an = (opt.neighbours && Kout[m] > 0) ? p_nb[m] / Kout[m] : 0.0;
      if (opt.fit_decays) {
        const double num = p_self[m] + p_nb[m];
        const double den = lag_self[m] + lag_nb[m] + kk.alpha_self * L[m] + kk.alpha_neighbour * Lout[m];
        if (num > 1e-9 && den > 0) kk.beta = std::min(num / den, 1.0 / opt.min_timescale);
      }
      kk.alpha_self = as;
      kk.alpha_neighbour = an;
    }
  }
  model.fit_start = start;
  model.fit_end = end;
  model.events = static_cast<std::int64_t>(n_ev);
  return model;
}

/// Expected incident count and probability of at least one incident per
/// place over (at, at + horizon].
struct HawkesForecast {
  std::vector<double> expected;  ///< E[N_i]
  std::vector<double> p_any;     ///< P(N_i ≥ 1)
};

/// Kernel charges A_i,m(at) = Σ exp(−β_m (at − t_e)) over events with time ≤ at,
/// in any order, as N × M (place-major). With `kind` given, only events whose
/// kind code k has counted[k] != 0 take part. Parallel over events.
inline std::vector<double> hawkes_state(const HawkesModel& model, std::size_t num_places, Span<const std::int32_t> place,
                                        Span<const Timestamp> time, Timestamp at, Span<const std::uint16_t> kind = {},
                                        const std::vector<char>& counted = {}) {
  const int M = static_cast<int>(model.kernels.size());
  const std::size_t n = place.size(), grain = 1 << 18;
  std::vector<std::vector<double>> part(crisiskit::detail::planned_workers(n, grain));
  crisiskit::detail::parallel_for(n, grain, [&](std::size_t lo, std::size_t hi, unsigned w) {
    auto& c = part[w];
    c.assign(num_places * M, 0.0);
    for (std::size_t e = lo; e < hi; ++e) {
      if (time[e] > at || (!kind.empty() && !counted[kind[e]])) continue;
      const double age = static_cast<double>(at - time[e]);
      for (int m = 0; m < M; ++m) {
        const double x = model.kernels[m].beta * age;
        if (x < 745) c[static_cast<std::size_t>(place[e]) * M + m] += std::exp(-x);  // e^−745 underflows
      }
    }
  });
  std::vector<double> c = std::move(part[0]);
  if (c.empty()) c.assign(num_places * M, 0.0);
  for (std::size_t w = 1; w < part.size(); ++w)
    for (std::size_t k = 0; k < c.size(); ++k) c[k] += part[w][k];
  return c;
}

/// Forecast from kernel charges `c0` (see hawkes_state) at time `at`.
///
/// Expected counts: the charges obey dc_i/du = A c_i + 1·f_i(u) with
/// A = −diag(β) + 1 (β∘α_self)ᵀ (the same M×M matrix for every place) and
/// f_i = μ_i s(u) + Σ_m β_m α_nb,m (Q c_m)_i. The A part is integrated exactly
/// (Van Loan's block exponential); f is taken linear within a step, its slope
/// extrapolated from the previous step (exponential Adams–Bashforth 2). Steps end on hour boundaries (s is constant in an
/// hour) and are short enough that Δ · max_m β_m α_nb,m ≤ 0.25.
/// P(N_i ≥ 1) = 1 − exp(−Λ_i), Λ_i the compensator of place i given that i
/// itself has no further incidents (its own past still decays) and its
/// neighbours behave as expected — exact when neighbours do not depend on i.
/// \throws InvalidInput if horizon ≤ 0.
inline HawkesForecast forecast_hawkes(const HawkesModel& model, const CsrMatrix& Q, const std::vector<double>& c0,
                                      Timestamp at, Duration horizon) {
  CRISISKIT_CHECK(horizon > 0, "horizon", InvalidInput::no_index, horizon, "must be positive seconds");
  const int M = static_cast<int>(model.kernels.size());
  const std::size_t N = model.mu.size();
  CRISISKIT_CHECK(M >= 1 && M <= 8, "kernels", InvalidInput::no_index, M, "between 1 and 8 kernels");
  CRISISKIT_CHECK(c0.size() == N * static_cast<std::size_t>(M), "c0", InvalidInput::no_index, c0.size(),
                  "one charge per place and kernel");
  using Mat = Eigen::MatrixXd;
  Mat A = Mat::Zero(M, M);
  double coupling = 0;
  for (int m = 0; m < M; ++m) {
    const auto& k = model.kernels[m];
    A(m, m) -= k.beta;
    for (int r = 0; r < M; ++r) A(r, m) += k.beta * k.alpha_self;
    coupling = std::max(coupling, k.beta * k.alpha_neighbour);
  }
  const double max_step = std::min(3600.0, coupling > 0 ? 0.25 / coupling : 3600.0);

  struct StepOps {
    Mat E, P1;
    Eigen::VectorXd v1, v13, v14;
  };
  auto ops_for = [&](double dt) {
    // Time measured in units of dt keeps every block of Z of order one; the
    // blocks of exp(Z) are then rescaled by dt^b (b = 1, 2, 3) to seconds.
    Mat Z = Mat::Zero(4 * M, 4 * M);
    Z.block(0, 0, M, M) = A * dt;
    for (int b = 0; b < 3; ++b) Z.block(b * M, (b + 1) * M, M, M) = Mat::Identity(M, M);
    const Mat X = Z.exp();
    StepOps o;
    o.E = X.block(0, 0, M, M);
    o.P1 = X.block(0, M, M, M) * dt;
    o.v1 = o.P1.rowwise().sum();
    o.v13 = (X.block(0, 2 * M, M, M) * dt * dt).rowwise().sum();
    o.v14 = (X.block(0, 3 * M, M, M) * dt * dt * dt).rowwise().sum();
    return o;
  };

  std::vector<double> c = c0, Cint(N * M, 0.0), z(N), y(N, 0.0), yp(N, 0.0), y_prev(N, 0.0);
  bool have_prev = false;
  double dt_prev = 1.0;
  std::vector<double> nb_w(M);
  for (int m = 0; m < M; ++m) nb_w[m] = model.kernels[m].beta * model.kernels[m].alpha_neighbour;
  const bool has_nb = coupling > 0;
  auto neighbour_input = [&](const std::vector<double>& state, std::vector<double>& out) {
    if (!has_nb) {
      std::fill(out.begin(), out.end(), 0.0);
      return;
    }
    for (std::size_t j = 0; j < N; ++j) {
      double s = 0;
      for (int m = 0; m < M; ++m) s += nb_w[m] * state[j * M + m];
      z[j] = s;
    }
    Q.multiply(z.data(), out.data(), 1.0);
  };

  double S_H = 0;  // ∫ s over the horizon, per unit μ
  std::vector<std::pair<double, StepOps>> cache;
  auto ops = [&](double dt) -> const StepOps& {
    for (auto& [d, o] : cache)
      if (d == dt) return o;
    cache.emplace_back(dt, ops_for(dt));
    return cache.back().second;
  };
  neighbour_input(c, y);
  Timestamp t = at;
  const Timestamp end = at + horizon;
  while (t < end) {
    const Timestamp hour_end = std::min(end, (crisiskit::detail::floor_div(t, 3600) + 1) * 3600);
    const double s = model.seasonal[hour_of_week(t, model.utc_offset_minutes)];
    const double span = static_cast<double>(hour_end - t);
    // At most one step a minute: kernels are at least a minute long (min_timescale).
    const int sub = std::min(60, static_cast<int>(std::ceil(span / max_step - 1e-9)));
    const double dt = span / std::max(1, sub);
    const StepOps& o = ops(dt);
    for (int k = 0; k < std::max(1, sub); ++k) {
      S_H += s * dt;
      // Plain copies of the small matrices for the inner loops.
      double E[8][8], P1[8][8], v1[8], v13[8], v14[8];
      for (int r = 0; r < M; ++r) {
        v1[r] = o.v1[r], v13[r] = o.v13[r], v14[r] = o.v14[r];
        for (int q = 0; q < M; ++q) E[r][q] = o.E(r, q), P1[r][q] = o.P1(r, q);
      }
      const std::size_t grain = 1 << 15;
      // The neighbour input y is taken linear within the step. Its slope comes
      // from the previous step (exponential Adams–Bashforth 2: one sparse
      // product per step); the first step has no past and uses a predictor.
      const bool predict = has_nb && !have_prev;
      if (predict) {
        crisiskit::detail::parallel_for(N, grain, [&](std::size_t lo, std::size_t hi, unsigned) {
          for (std::size_t i = lo; i < hi; ++i) {
            const double f = model.mu[i] * s + y[i];
            double zi = 0;
            for (int r = 0; r < M; ++r) {
              double v = v1[r] * f;
              for (int q = 0; q < M; ++q) v += E[r][q] * c[i * M + q];
              zi += nb_w[r] * v;
            }
            z[i] = zi;
          }
        });
        Q.multiply(z.data(), yp.data(), 1.0);
      }
      crisiskit::detail::parallel_for(N, grain, [&](std::size_t lo, std::size_t hi, unsigned) {
        double next[8];
        for (std::size_t i = lo; i < hi; ++i) {
          const double f = model.mu[i] * s + y[i];
          const double g = !has_nb ? 0.0 : predict ? (yp[i] - y[i]) / dt : (y[i] - y_prev[i]) / dt_prev;
          double zi = 0;
          for (int r = 0; r < M; ++r) {
            double v = v1[r] * f + v13[r] * g, w = v13[r] * f + v14[r] * g;
            for (int q = 0; q < M; ++q) v += E[r][q] * c[i * M + q], w += P1[r][q] * c[i * M + q];
            next[r] = v;
            Cint[i * M + r] += w;
            zi += nb_w[r] * v;
          }
          for (int r = 0; r < M; ++r) c[i * M + r] = next[r];
          z[i] = zi;
        }
      });
      if (has_nb) {
        y_prev.swap(y);
        Q.multiply(z.data(), y.data(), 1.0);
        have_prev = true;
        dt_prev = dt;
      }
    }
    t = hour_end;
  }
  // Expected counts: ∫ m_i = μ_i S_H + Σ_m β_m α_self,m ∫c_i,m + (Q w)_i, w_j = Σ_m β_m α_nb,m ∫c_j,m.
  HawkesForecast out;
  out.expected.resize(N);
  out.p_any.resize(N);
  neighbour_input(Cint, y);
  const double H = static_cast<double>(horizon);
  for (std::size_t i = 0; i < N; ++i) {
    double self = 0, own_past = 0;
    for (int m = 0; m < M; ++m) {
      const auto& k = model.kernels[m];
      self += k.beta * k.alpha_self * Cint[i * M + m];
      own_past += k.alpha_self * c0[i * M + m] * -std::expm1(-k.beta * H);
    }
    const double base = model.mu[i] * S_H + y[i];
    out.expected[i] = base + self;
    out.p_any[i] = -std::expm1(-(base + own_past));
  }
  return out;
}

/// Simulates the process on [start, end) by its branching structure, given
/// the events before `start` (sorted) whose offspring may fall inside.
/// Returns (place, time) pairs sorted by time. Deterministic for a seed on
/// one standard library. Used for Monte Carlo checks and scenarios.
/// \throws InvalidInput if end ≤ start or the model is explosive (branching ≥ 1).
inline std::pair<std::vector<std::int32_t>, std::vector<Timestamp>> simulate_hawkes(
    const HawkesModel& model, const CsrMatrix& Q, EventView history, Timestamp start, Timestamp end,
    std::uint64_t seed) {
  CRISISKIT_CHECK(end > start, "end", InvalidInput::no_index, end, "must be after start");
  CRISISKIT_CHECK(model.branching_ratio() < 1, "kernels", InvalidInput::no_index, model.branching_ratio(),
                  "branching ratio must be < 1 to simulate (the process would explode)");
  const std::size_t N = model.mu.size();
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> U(0.0, 1.0);
  // Column access to Q: for a source j, its receivers and shares.
  std::vector<std::int64_t> cptr(N + 1, 0);
  for (std::size_t k = 0; k < Q.nnz(); ++k) ++cptr[Q.col[k] + 1];
  for (std::size_t j = 0; j < N; ++j) cptr[j + 1] += cptr[j];
  std::vector<std::int32_t> crow(Q.nnz());
  std::vector<double> cval(Q.nnz());
  {
    std::vector<std::int64_t> fill(cptr.begin(), cptr.end() - 1);
    for (std::int32_t i = 0; i < Q.rows; ++i)
      for (std::int64_t k = Q.ptr[i]; k < Q.ptr[i + 1]; ++k) {
        const auto p = fill[Q.col[k]]++;
        crow[p] = i;
        cval[p] = Q.val[k];
      }
  }
  auto pick_neighbour = [&](std::int32_t j) -> std::int32_t {
    const auto b = cptr[j], e = cptr[j + 1];
    if (b == e) return -1;
    double total = 0;
    for (auto k = b; k < e; ++k) total += cval[k];
    double u = U(rng) * total;
    for (auto k = b; k < e; ++k) {
      u -= cval[k];
      if (u <= 0) return crow[k];
    }
    return crow[e - 1];
  };
  std::vector<std::pair<Timestamp, std::int32_t>> out, queue;
  // Background: per hour, a Poisson total split across places ∝ μ.
  std::vector<double> cum(N);
  std::partial_sum(model.mu.begin(), model.mu.end(), cum.begin());
  const double mu_sum = N ? cum.back() : 0.0;
  for (Timestamp t = start; t < end;) {
    const Timestamp next = std::min(end, (crisiskit::detail::floor_div(t, 3600) + 1) * 3600);
    const double rate = mu_sum * model.seasonal[hour_of_week(t, model.utc_offset_minutes)] * static_cast<double>(next - t);
    if (rate > 0) {
      const auto n = std::poisson_distribution<std::int64_t>(rate)(rng);
      for (std::int64_t e = 0; e < n; ++e) {
        const auto it = std::upper_bound(cum.begin(), cum.end(), U(rng) * mu_sum);
        const auto i = static_cast<std::int32_t>(std::min<std::size_t>(it - cum.begin(), N - 1));
        const auto te = t + static_cast<Timestamp>(std::floor(U(rng) * static_cast<double>(next - t)));
        queue.emplace_back(te, i);
      }
    }
    t = next;
  }
  // Offspring of history inside [start, end): truncated-exponential lags.
  auto offspring_in = [&](Timestamp te, std::int32_t i, Timestamp from) {
    for (const auto& k : model.kernels) {
      const double a = static_cast<double>(from - te), b = static_cast<double>(end - te);
      const double ea = std::exp(-k.beta * a), eb = std::exp(-k.beta * b);
      for (int which = 0; which < 2; ++which) {
        const double alpha = which == 0 ? k.alpha_self : k.alpha_neighbour;
        if (alpha <= 0) continue;
        const auto n = std::poisson_distribution<std::int64_t>(alpha * (ea - eb))(rng);
        for (std::int64_t e = 0; e < n; ++e) {
          const double lag = -std::log(ea - U(rng) * (ea - eb)) / k.beta;
          const auto tc = te + static_cast<Timestamp>(std::floor(lag));
          const std::int32_t target = which == 0 ? i : pick_neighbour(i);
          if (target >= 0 && tc >= from && tc < end && tc > te) queue.emplace_back(tc, target);
        }
      }
    }
  };
  for (std::size_t e = 0; e < history.size(); ++e)
    if (history.time[e] < start) offspring_in(history.time[e], history.place[e], start);
  while (!queue.empty()) {
    const auto [te, i] = queue.back();
    queue.pop_back();
    out.emplace_back(te, i);
    offspring_in(te, i, te + 1);
  }
  std::sort(out.begin(), out.end());
  std::pair<std::vector<std::int32_t>, std::vector<Timestamp>> res;
  res.first.reserve(out.size());
  res.second.reserve(out.size());
  for (const auto& [te, i] : out) res.first.push_back(i), res.second.push_back(te);
  return res;
}

}  // namespace crisiskit::risk
