#pragma once
/// \file
/// `SeverityAssessor`: indicators → scope, harm, trend (0–10 each) → overall
/// (0–10) → `AlertLevel`, with the range a score could take while some
/// indicators are missing, an exact explanation and a per-indicator
/// sensitivity. Formulas: see `config.hpp` and the README.
///
/// ## Missing indicators
/// A missing indicator is left out of its dimension's aggregate (its weight
/// too) — never counted as 0. The result lists it in `missing()` and gives
/// the range: `*_lo` with every missing indicator at score 0, `*_hi` at 10.
/// Because every aggregation is monotone, the true score lies in that range
/// whatever the missing values are. A dimension with no indicator present is
/// NaN (range 0–10), and the overall combines the dimensions present.
///
/// Thread-safety: the assessor is immutable after construction; every const
/// member may be called from any number of threads at once.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crisiskit/alert/level.hpp"
#include "crisiskit/detail/parallel.hpp"
#include "crisiskit/severity/config.hpp"

namespace crisiskit::severity {

/// Name → raw value, in any order. Omit an indicator that is unknown.
using Indicators = std::vector<std::pair<std::string, double>>;

/// One assessment. Arrays over the config's indicators are in config order.
struct SeverityResult {
  std::array<double, 3> dimension{};     ///< scope, harm, trend: 0–10; NaN if none of its indicators is present
  std::array<double, 3> dimension_lo{};  ///< with missing indicators at 0
  std::array<double, 3> dimension_hi{};  ///< with missing indicators at 10
  double overall = std::numeric_limits<double>::quiet_NaN();  ///< 0–10; NaN if nothing is known
  double overall_lo = 0, overall_hi = 10;
  AlertLevel level = AlertLevel::NONE;  ///< policy level of `overall` (NONE if NaN)
  AlertLevel level_lo = AlertLevel::NONE, level_hi = AlertLevel::NONE;
  std::vector<double> values;  ///< raw value per indicator; NaN = missing
  std::vector<double> scores;  ///< 0–10 per indicator; NaN = missing

  double scope() const noexcept { return dimension[0]; }
  double harm() const noexcept { return dimension[1]; }
  double trend() const noexcept { return dimension[2]; }
  /// Config positions of the missing indicators.
  std::vector<std::size_t> missing() const {
    std::vector<std::size_t> m;
    for (std::size_t i = 0; i < values.size(); ++i)
      if (std::isnan(values[i])) m.push_back(i);
    return m;
  }
};

/// Contribution of one present indicator: to its dimension's score and to the
/// overall score. Over the present indicators of a dimension the
/// `to_dimension` column sums to the dimension score, and over all present
/// indicators `to_overall` sums to the overall score.
struct Contribution {
  std::size_t indicator = 0;
  Dimension dimension = Dimension::SCOPE;
  double value = 0;         ///< raw
  double score = 0;         ///< 0–10
  double weight = 0;        ///< within the dimension
  double to_dimension = 0;  ///< points of the dimension score
  double to_overall = 0;    ///< points of the overall score
};

/// How far one indicator alone must move (others fixed) to change the level.
/// `up_value` is the smallest raw value that raises the level by at least one
/// step; `down_value` the largest that lowers it. Absent when no value in the
/// indicator's domain can do it (e.g. already at the cap, or other dimensions
/// hold the level).
struct Sensitivity {
  std::size_t indicator = 0;
  double value = 0;
  std::optional<double> up_value;
  AlertLevel up_level = AlertLevel::NONE;  ///< level reached at up_value
  std::optional<double> down_value;
  AlertLevel down_level = AlertLevel::NONE;  ///< level reached at down_value
};

/// Column-wise input for `assess_batch`: one pointer per config indicator
/// (nullptr = column absent, all missing), `rows` values each, NaN = missing.
/// Outputs are caller-allocated arrays of `rows` (any may be nullptr to skip).
struct BatchOutput {
  double* scope = nullptr;
  double* harm = nullptr;
  double* trend = nullptr;
  double* overall = nullptr;
  double* overall_lo = nullptr;
  double* overall_hi = nullptr;
  std::int8_t* level = nullptr;  ///< AlertLevel as 0–4
  std::int8_t* level_lo = nullptr;
  std::int8_t* level_hi = nullptr;
  std::int32_t* n_missing = nullptr;
};

class SeverityAssessor {
 public:
  explicit SeverityAssessor(SeverityConfig config = {}) : cfg_(std::move(config)) { prepare(); }

  const SeverityConfig& config() const noexcept { return cfg_; }

  /// Assesses named indicators.
  /// \throws InvalidInput for an unknown name, a name given twice, NaN or ±inf,
  ///         a negative count or a share outside [0, 1] — naming the indicator and value.
  SeverityResult assess(const Indicators& indicators) const { return assess_values(values_of(indicators)); }

  /// Named indicators → raw values in config order (NaN = not given), validated as `assess` does.
  std::vector<double> values_of(const Indicators& indicators) const {
    std::vector<double> v(cfg_.size(), std::numeric_limits<double>::quiet_NaN());
    for (const auto& [name, x] : indicators) {
      const std::size_t i = cfg_.index_of(name);
      CRISISKIT_CHECK(std::isnan(v[i]), name, InvalidInput::no_index, x, "is given twice");
      cfg_.check_value(i, x);
      v[i] = x;
    }
    return v;
  }

  /// Assesses raw values in config order (NaN = missing; length = config size).
  /// \throws InvalidInput for a wrong length, ±inf or a value outside the domain.
  SeverityResult assess_values(std::vector<double> values) const {
    CRISISKIT_CHECK(values.size() == cfg_.size(), "values", InvalidInput::no_index, values.size(),
                    fmt::format("must have one value per indicator ({})", cfg_.size()));
    for (std::size_t i = 0; i < values.size(); ++i)
      if (!std::isnan(values[i])) cfg_.check_value(i, values[i]);
    SeverityResult r;
    r.scores.resize(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
      r.scores[i] = std::isnan(values[i]) ? values[i] : cfg_.indicators()[i].transform(values[i]);
    r.values = std::move(values);
    Row row = evaluate(r.scores.data(), 1);
    r.dimension = row.dim;
    r.dimension_lo = row.dim_lo;
    r.dimension_hi = row.dim_hi;
    r.overall = row.overall;
    r.overall_lo = row.overall_lo;
    r.overall_hi = row.overall_hi;
    const auto& pol = cfg_.policy();
    r.level = pol.level_of(row.overall);
    r.level_lo = pol.level_of(row.overall_lo);
    r.level_hi = pol.level_of(row.overall_hi);
    return r;
  }

  /// Every present indicator's contribution (see `Contribution`), in config order.
  /// Shares within a method: ARITHMETIC wᵢsᵢ/Σw; POWER D·wᵢsᵢᵖ/Σwsᵖ;
  /// GEOMETRIC (shift c) ∝ wᵢ ln(1 + sᵢ/c) (c = 0: ∝ wᵢ ln(1 + sᵢ)), which is
  /// exact for c > 0 in the log domain; MAX all to the largest (ties split).
  std::vector<Contribution> explain(const SeverityResult& r) const {
    check_result(r);
    std::vector<Contribution> out;
    // Dimension → overall shares.
    std::array<double, 3> dim_share{};
    {
      std::array<double, 3> w{}, s{};
      std::array<char, 3> on{};
      for (int d = 0; d < 3; ++d) {
        on[d] = !std::isnan(r.dimension[d]) && cfg_.dimension_weights()[d] > 0;
        w[d] = cfg_.dimension_weights()[d];
        s[d] = r.dimension[d];
      }
      shares(cfg_.overall(), 3, w.data(), s.data(), on.data(), r.overall, dim_share.data());
    }
    for (int d = 0; d < 3; ++d) {
      const auto& members = dims_[d];
      std::vector<double> w(members.size()), s(members.size()), c(members.size());
      std::vector<char> on(members.size());
      for (std::size_t k = 0; k < members.size(); ++k) {
        const std::size_t i = members[k];
        w[k] = cfg_.indicators()[i].weight;
        s[k] = r.scores[i];
        on[k] = !std::isnan(r.scores[i]);
      }
      shares(cfg_.within()[d], members.size(), w.data(), s.data(), on.data(), r.dimension[d], c.data());
      const double D = r.dimension[d];
      for (std::size_t k = 0; k < members.size(); ++k) {
        if (!on[k]) continue;
        Contribution x;
        x.indicator = members[k];
        x.dimension = static_cast<Dimension>(d);
        x.value = r.values[members[k]];
        x.score = s[k];
        x.weight = w[k];
        x.to_dimension = c[k];
        x.to_overall = (D > 0 && !std::isnan(dim_share[d])) ? dim_share[d] * c[k] / D : 0.0;
        out.push_back(x);
      }
    }
    std::sort(out.begin(), out.end(), [](const Contribution& a, const Contribution& b) { return a.indicator < b.indicator; });
    return out;
  }

  /// For each present indicator, the values that would move the level up or
  /// down with every other indicator fixed (found by bisection on the raw
  /// value; the overall score is monotone in each indicator).
  std::vector<Sensitivity> sensitivity(const SeverityResult& r) const {
    check_result(r);
    std::vector<Sensitivity> out;
    const auto& pol = cfg_.policy();
    std::vector<double> s = r.scores;
    const AlertLevel L = r.level;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (std::isnan(r.values[i])) continue;
      const auto& spec = cfg_.indicators()[i];
      Sensitivity x;
      x.indicator = i;
      x.value = r.values[i];
      auto overall_at = [&](double raw) {
        s[i] = spec.transform(raw);
        return evaluate(s.data(), 1).overall;
      };
      const double top = std::max(x.value, spec.domain == Domain::SHARE ? std::min(spec.transform.hi, 1.0)
                                                                         : spec.transform.hi);
      if (L != AlertLevel::EMERGENCY && !std::isnan(r.overall)) {
        const double T = pol.threshold(static_cast<AlertLevel>(to_int(L) + 1));
        if (overall_at(top) >= T) {
          // Smallest raw value with overall >= T, in (value, top].
          double lo = x.value, hi = top;
          for (int it = 0; it < 200 && lo < hi; ++it) {
            const double mid = lo + (hi - lo) / 2;
            if (mid <= lo || mid >= hi) break;
            (overall_at(mid) >= T ? hi : lo) = mid;
          }
          x.up_value = hi;
          x.up_level = pol.level_of(overall_at(hi));
        }
      }
      if (L != AlertLevel::NONE) {
        const double T = pol.threshold(L);
        const double bottom = spec.domain == Domain::REAL ? std::min(x.value, spec.transform.lo) : 0.0;
        if (overall_at(bottom) < T) {
          // Largest raw value with overall < T, in [bottom, value).
          double lo = bottom, hi = x.value;
          for (int it = 0; it < 200 && lo < hi; ++it) {
            const double mid = lo + (hi - lo) / 2;
            if (mid <= lo || mid >= hi) break;
            (overall_at(mid) < T ? lo : hi) = mid;
          }
          x.down_value = lo;
          x.down_level = pol.level_of(overall_at(lo));
        }
      }
      s[i] = r.scores[i];
      out.push_back(x);
    }
    return out;
  }

  /// Vectorised assessment of `rows` events (see `BatchOutput`). Runs on all
  /// cores; pure (no state). \throws InvalidInput naming the indicator, the
  /// first bad row and its value (±inf, negative count, share outside [0, 1]);
  /// outputs are then unspecified.
  void assess_batch(std::size_t rows, const std::vector<const double*>& columns, const BatchOutput& out) const {
    CRISISKIT_CHECK(columns.size() == cfg_.size(), "columns", InvalidInput::no_index, columns.size(),
                    fmt::format("must have one column pointer per indicator ({})", cfg_.size()));
    constexpr std::size_t block = 256;
    const std::size_t K = cfg_.size();
    const unsigned workers = detail::planned_workers(rows, 1 << 14);
    std::vector<std::pair<std::size_t, std::size_t>> bad(workers, {rows, 0});  // (row, column)
    detail::parallel_for(
        rows, 1 << 14,
        [&](std::size_t b, std::size_t e, unsigned w) {
          std::vector<double> s(K * block);  // indicator-major scratch: s[k * block + r]
          std::vector<double> row(K);
          for (std::size_t r0 = b; r0 < e; r0 += block) {
            const std::size_t m = std::min(block, e - r0);
            bool block_bad = false;
            for (std::size_t k = 0; k < K; ++k) {
              double* sk = s.data() + k * block;
              const double* col = columns[k];
              if (!col) {
                std::fill(sk, sk + m, std::numeric_limits<double>::quiet_NaN());
                continue;
              }
              const auto& spec = cfg_.indicators()[k];
              if (!valid_block(spec, col + r0, m)) {
                // Keep scanning the other columns of this block: an earlier
                // row may be bad in a later column. Later blocks cannot be earlier.
                for (std::size_t r = 0; r < m; ++r)
                  if (!valid(spec, col[r0 + r])) {
                    if (r0 + r < bad[w].first) bad[w] = {r0 + r, k};
                    break;
                  }
                block_bad = true;
                continue;
              }
              transform_block(spec.transform, col + r0, sk, m);
            }
            if (block_bad) return;
            for (std::size_t r = 0; r < m; ++r) {
              for (std::size_t k = 0; k < K; ++k) row[k] = s[k * block + r];
              const Row x = evaluate(row.data(), 1);
              const std::size_t o = r0 + r;
              if (out.scope) out.scope[o] = x.dim[0];
              if (out.harm) out.harm[o] = x.dim[1];
              if (out.trend) out.trend[o] = x.dim[2];
              if (out.overall) out.overall[o] = x.overall;
              if (out.overall_lo) out.overall_lo[o] = x.overall_lo;
              if (out.overall_hi) out.overall_hi[o] = x.overall_hi;
              const auto& pol = cfg_.policy();
              if (out.level) out.level[o] = static_cast<std::int8_t>(pol.level_of(x.overall));
              if (out.level_lo) out.level_lo[o] = static_cast<std::int8_t>(pol.level_of(x.overall_lo));
              if (out.level_hi) out.level_hi[o] = static_cast<std::int8_t>(pol.level_of(x.overall_hi));
              if (out.n_missing) out.n_missing[o] = x.n_missing;
            }
          }
        });
    auto first = *std::min_element(bad.begin(), bad.end());
    if (first.first < rows) {
      const double v = columns[first.second][first.first];
      cfg_.check_value(first.second, v, static_cast<std::int64_t>(first.first));
    }
  }

 private:
  struct Row {
    std::array<double, 3> dim, dim_lo, dim_hi;
    double overall, overall_lo, overall_hi;
    std::int32_t n_missing;
  };

  void prepare() {
    for (std::size_t i = 0; i < cfg_.size(); ++i)
      dims_[static_cast<int>(cfg_.indicators()[i].dimension)].push_back(i);
    for (int d = 0; d < 3; ++d) {
      wd_[d].clear();
      for (std::size_t i : dims_[d]) wd_[d].push_back(cfg_.indicators()[i].weight);
    }
  }

  void check_result(const SeverityResult& r) const {
    CRISISKIT_CHECK(r.values.size() == cfg_.size() && r.scores.size() == cfg_.size(), "result",
                    InvalidInput::no_index, r.values.size(), "was not produced by an assessor with this configuration");
  }

  static bool valid(const IndicatorSpec& spec, double x) noexcept {
    if (std::isnan(x)) return true;  // missing
    if (!std::isfinite(x)) return false;
    if (spec.domain == Domain::NON_NEGATIVE) return x >= 0;
    if (spec.domain == Domain::SHARE) return x >= 0 && x <= 1;
    return true;
  }
  static bool valid_block(const IndicatorSpec& spec, const double* x, std::size_t m) noexcept {
    // Branch-free scan; NaN (missing) passes because every comparison is false.
    bool badv = false;
    if (spec.domain == Domain::NON_NEGATIVE) {
      for (std::size_t r = 0; r < m; ++r) badv |= (x[r] < 0) | (std::fabs(x[r]) == INFINITY);
    } else if (spec.domain == Domain::SHARE) {
      for (std::size_t r = 0; r < m; ++r) badv |= (x[r] < 0) | (x[r] > 1);
    } else {
      for (std::size_t r = 0; r < m; ++r) badv |= (std::fabs(x[r]) == INFINITY);
    }
    return !badv;
  }
  static void transform_block(const Transform& t, const double* x, double* s, std::size_t m) noexcept {
    if (t.kind == TransformKind::LOG) {
      const double l0 = std::log1p(t.lo), inv = 10.0 / (std::log1p(t.hi) - l0);
      for (std::size_t r = 0; r < m; ++r) {
        const double v = x[r];
        const double u = v <= t.lo ? 0.0 : (std::log1p(v) - l0) * inv;
        s[r] = std::isnan(v) ? v : std::min(u, 10.0);
      }
    } else {
      const double inv = 10.0 / (t.hi - t.lo);
      for (std::size_t r = 0; r < m; ++r) {
        const double u = (x[r] - t.lo) * inv;  // NaN stays NaN through the clamps below
        s[r] = u <= 0 ? 0.0 : u >= 10 ? 10.0 : u;
      }
    }
  }

  static double ipow(double x, double p) noexcept {
    if (p == 1) return x;
    if (p == 2) return x * x;
    if (p == 4) {
      const double x2 = x * x;
      return x2 * x2;
    }
    return std::pow(x, p);
  }

  // Point value and range of one aggregation. `s[k]` NaN = missing.
  // Returns {point (NaN if nothing present), lo, hi}.
  static std::array<double, 3> aggregate(const Aggregation& a, std::size_t n, const double* w, const double* s,
                                         std::int32_t* n_missing) noexcept {
    double wp = 0, wm = 0, acc = 0, mx = -1;
    std::int32_t miss = 0;
    switch (a.method) {
      case Method::ARITHMETIC:
        for (std::size_t k = 0; k < n; ++k) {
          if (std::isnan(s[k])) { wm += w[k]; ++miss; continue; }
          wp += w[k];
          acc += w[k] * s[k];
        }
        break;
      case Method::POWER:
        for (std::size_t k = 0; k < n; ++k) {
          if (std::isnan(s[k])) { wm += w[k]; ++miss; continue; }
          wp += w[k];
          acc += w[k] * ipow(s[k], a.p);
        }
        break;
      case Method::GEOMETRIC:
        for (std::size_t k = 0; k < n; ++k) {
          if (std::isnan(s[k])) { wm += w[k]; ++miss; continue; }
          wp += w[k];
          if (w[k] > 0) acc += w[k] * std::log(s[k] + a.shift);
        }
        break;
      case Method::MAX:
        // Weights are ignored, except that a weight-0 item takes no part.
        for (std::size_t k = 0; k < n; ++k) {
          if (std::isnan(s[k])) { wm += w[k]; miss += w[k] > 0; continue; }
          if (w[k] <= 0) continue;
          wp += w[k];
          mx = std::max(mx, s[k]);
        }
        break;
    }
    if (n_missing) *n_missing += miss;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double W = wp + wm;
    switch (a.method) {
      case Method::ARITHMETIC:
        return {wp > 0 ? acc / wp : nan, W > 0 ? acc / W : 0.0, W > 0 ? (acc + 10 * wm) / W : 10.0};
      case Method::POWER: {
        const double ip = 1.0 / a.p, top = ipow(10.0, a.p);
        auto root = [&](double v) { return a.p == 1 ? v : std::pow(v, ip); };
        return {wp > 0 ? root(acc / wp) : nan, W > 0 ? root(acc / W) : 0.0, W > 0 ? root((acc + top * wm) / W) : 10.0};
      }
      case Method::GEOMETRIC: {
        auto back = [&](double l) { return std::max(0.0, std::exp(l) - a.shift); };
        const double l0 = wm > 0 ? wm * std::log(a.shift) : 0.0, l10 = wm * std::log(10.0 + a.shift);
        return {wp > 0 ? back(acc / wp) : nan, W > 0 ? back((acc + l0) / W) : 0.0,
                W > 0 ? back((acc + l10) / W) : 10.0};
      }
      case Method::MAX:
        return {wp > 0 ? mx : nan, wp > 0 ? mx : 0.0, wm > 0 ? 10.0 : mx};
    }
    return {nan, 0.0, 10.0};
  }

  Row evaluate(const double* s, std::size_t stride) const noexcept {
    Row x{};
    x.n_missing = 0;
    double buf[64];
    std::vector<double> heap;
    for (int d = 0; d < 3; ++d) {
      const auto& m = dims_[d];
      double* sd = buf;
      if (m.size() > 64) {
        heap.resize(m.size());
        sd = heap.data();
      }
      for (std::size_t k = 0; k < m.size(); ++k) sd[k] = s[m[k] * stride];
      const auto a = aggregate(cfg_.within()[d], m.size(), wd_[d].data(), sd, &x.n_missing);
      x.dim[d] = a[0];
      x.dim_lo[d] = a[1];
      x.dim_hi[d] = a[2];
    }
    const auto& dw = cfg_.dimension_weights();
    // Dimensions with weight 0 take no part; a NaN dimension is "missing" for the point value.
    const auto point = aggregate(cfg_.overall(), 3, dw.data(), x.dim.data(), nullptr);
    x.overall = point[0];
    x.overall_lo = aggregate(cfg_.overall(), 3, dw.data(), x.dim_lo.data(), nullptr)[0];
    x.overall_hi = aggregate(cfg_.overall(), 3, dw.data(), x.dim_hi.data(), nullptr)[0];
    if (std::isnan(x.overall_lo)) x.overall_lo = 0;
    if (std::isnan(x.overall_hi)) x.overall_hi = 10;
    // Only dimensions with weight > 0 can make the point value known.
    bool known = false;
    for (int d = 0; d < 3; ++d) known |= dw[d] > 0 && !std::isnan(x.dim[d]);
    if (!known) x.overall = std::numeric_limits<double>::quiet_NaN();
    return x;
  }

  // Contribution shares of `n` items whose aggregate is `total`.
  static void shares(const Aggregation& a, std::size_t n, const double* w, const double* s, const char* on,
                     double total, double* out) {
    std::fill(out, out + n, 0.0);
    if (!(total > 0)) return;
    double sum = 0;
    std::vector<double> raw(n, 0.0);
    if (a.method == Method::MAX) {
      double mx = -1;
      for (std::size_t k = 0; k < n; ++k)
        if (on[k] && w[k] > 0) mx = std::max(mx, s[k]);
      for (std::size_t k = 0; k < n; ++k)
        if (on[k] && w[k] > 0 && s[k] == mx) raw[k] = 1;
    } else {
      for (std::size_t k = 0; k < n; ++k) {
        if (!on[k]) continue;
        switch (a.method) {
          case Method::ARITHMETIC: raw[k] = w[k] * s[k]; break;
          case Method::POWER: raw[k] = w[k] * ipow(s[k], a.p); break;
          case Method::GEOMETRIC:
            raw[k] = w[k] * (a.shift > 0 ? std::log1p(s[k] / a.shift) : std::log1p(s[k]));
            break;
          case Method::MAX: break;
        }
      }
    }
    for (std::size_t k = 0; k < n; ++k) sum += raw[k];
    if (!(sum > 0)) return;
    for (std::size_t k = 0; k < n; ++k) out[k] = total * raw[k] / sum;
  }

  SeverityConfig cfg_;
  std::array<std::vector<std::size_t>, 3> dims_;
  std::array<std::vector<double>, 3> wd_;
};

}  // namespace crisiskit::severity
