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
#include "crisiskit/severity/detail/batch_kernel.hpp"

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
    const auto& k = detail::severity_kernel::kernel();
    for (std::size_t i = 0; i < values.size(); ++i) k.transform(transforms_[i], &values[i], &r.scores[i], 1);
    Row row = evaluate(values.data(), k);
    r.values = std::move(values);
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
    std::vector<double> raw_values = r.values;
    const auto& k = detail::severity_kernel::kernel();
    const AlertLevel L = r.level;
    for (std::size_t i = 0; i < raw_values.size(); ++i) {
      if (std::isnan(r.values[i])) continue;
      const auto& spec = cfg_.indicators()[i];
      Sensitivity x;
      x.indicator = i;
      x.value = r.values[i];
      auto overall_at = [&](double raw) {
        raw_values[i] = raw;
        return evaluate(raw_values.data(), k).overall;
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
      raw_values[i] = r.values[i];
      out.push_back(x);
    }
    return out;
  }

  /// Vectorised assessment of `rows` events (see `BatchOutput`). Runs on all
  /// cores with the widest SIMD path this CPU supports (see
  /// `crisiskit/detail/simd.hpp`); pure (no state). `columns` has one
  /// pointer per indicator in config order, each to `rows` values (NaN =
  /// missing), or null for an indicator missing in every row.
  /// \throws InvalidInput naming the indicator, the first bad row and its
  /// value (±inf, negative count, share outside [0, 1]); outputs are then unspecified.
  void assess_batch(std::size_t rows, const std::vector<const double*>& columns, const BatchOutput& out) const {
    assess_batch(rows, columns, out, detail::severity_kernel::kernel());
  }

  /// As above on a chosen SIMD path (for tests and benchmarks that compare
  /// paths). \throws InvalidInput also when this CPU lacks `path`.
  void assess_batch(std::size_t rows, const std::vector<const double*>& columns, const BatchOutput& out,
                    simd::Path path) const {
    assess_batch(rows, columns, out, detail::severity_kernel::kernel_for(path));
  }

 private:
  // Rows per kernel call: the outputs of one block stay in L1.
  static constexpr std::size_t kBlock = 256;

  void assess_batch(std::size_t rows, const std::vector<const double*>& columns, const BatchOutput& out,
                    const detail::severity_kernel::Kernel& kern) const {
    CRISISKIT_CHECK(columns.size() == cfg_.size(), "columns", InvalidInput::no_index, columns.size(),
                    fmt::format("must have one column pointer per indicator ({})", cfg_.size()));
    const detail::severity_kernel::KernelPlan plan = make_plan();
    const unsigned workers = detail::planned_workers(rows, 1 << 14);
    std::vector<std::pair<std::size_t, std::size_t>> bad(workers, {rows, 0});  // (row, column)
    detail::parallel_for(
        rows, 1 << 14,
        [&](std::size_t b, std::size_t e, unsigned w) {
          Scratch blk(kBlock);
          const detail::severity_kernel::KernelOut ko = blk.out();
          for (std::size_t r0 = b; r0 < e; r0 += kBlock) {
            const std::size_t m = std::min(kBlock, e - r0);
            const detail::severity_kernel::BadCell cell = kern.batch(plan, columns.data(), r0, m, ko);
            if (cell.row < m) {
              // Later blocks of this worker cannot hold an earlier row.
              bad[w] = {r0 + cell.row, cell.column};
              return;
            }
            const auto& pol = cfg_.policy();
            auto put = [&](double* dst, const double* src) {
              if (dst) std::copy(src, src + m, dst + r0);
            };
            put(out.scope, ko.dim[0]);
            put(out.harm, ko.dim[1]);
            put(out.trend, ko.dim[2]);
            put(out.overall, ko.overall);
            put(out.overall_lo, ko.overall_lo);
            put(out.overall_hi, ko.overall_hi);
            auto put_level = [&](std::int8_t* dst, const double* src) {
              if (dst)
                for (std::size_t r = 0; r < m; ++r) dst[r0 + r] = static_cast<std::int8_t>(pol.level_of(src[r]));
            };
            put_level(out.level, ko.overall);
            put_level(out.level_lo, ko.overall_lo);
            put_level(out.level_hi, ko.overall_hi);
            if (out.n_missing) std::copy(ko.n_missing, ko.n_missing + m, out.n_missing + r0);
          }
        });
    auto first = *std::min_element(bad.begin(), bad.end());
    if (first.first < rows) {
      const double v = columns[first.second][first.first];
      cfg_.check_value(first.second, v, static_cast<std::int64_t>(first.first));
    }
  }

  // Output rows of one kernel call.
  struct Scratch {
    explicit Scratch(std::size_t m) : buf(15 * m), miss(m), m_(m) {}
    detail::severity_kernel::KernelOut out() {
      detail::severity_kernel::KernelOut o{};
      double* p = buf.data();
      for (int d = 0; d < 3; ++d) o.dim[d] = p, p += m_, o.dim_lo[d] = p, p += m_, o.dim_hi[d] = p, p += m_;
      o.overall = p, p += m_, o.overall_lo = p, p += m_, o.overall_hi = p;
      o.n_missing = miss.data();
      return o;
    }
    std::vector<double> buf;
    std::vector<std::int32_t> miss;
    std::size_t m_;
  };

  struct Row {
    std::array<double, 3> dim, dim_lo, dim_hi;
    double overall, overall_lo, overall_hi;
    std::int32_t n_missing;
  };

  // One event from raw values in config order (validated by the caller).
  Row evaluate(const double* values, const detail::severity_kernel::Kernel& kern) const {
    std::vector<const double*> cols(cfg_.size());
    for (std::size_t i = 0; i < cols.size(); ++i) cols[i] = values + i;
    Scratch blk(1);
    const detail::severity_kernel::KernelOut ko = blk.out();
    kern.batch(make_plan(), cols.data(), 0, 1, ko);
    Row x{};
    for (int d = 0; d < 3; ++d) x.dim[d] = ko.dim[d][0], x.dim_lo[d] = ko.dim_lo[d][0], x.dim_hi[d] = ko.dim_hi[d][0];
    x.overall = ko.overall[0];
    x.overall_lo = ko.overall_lo[0];
    x.overall_hi = ko.overall_hi[0];
    x.n_missing = ko.n_missing[0];
    return x;
  }

  // Pointers into this assessor; built per call so copies of the assessor stay valid.
  detail::severity_kernel::KernelPlan make_plan() const {
    detail::severity_kernel::KernelPlan p;
    p.n_indicators = cfg_.size();
    p.transforms = transforms_.data();
    for (int d = 0; d < 3; ++d) {
      p.items[d] = dims_[d].data();
      p.n_items[d] = dims_[d].size();
      p.weights[d] = wd_[d].data();
      p.within[d] = cfg_.within()[d];
      p.dimension_weights[d] = cfg_.dimension_weights()[d];
    }
    p.overall = cfg_.overall();
    return p;
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

  void prepare() {
    for (std::size_t i = 0; i < cfg_.size(); ++i) {
      dims_[static_cast<int>(cfg_.indicators()[i].dimension)].push_back(i);
      transforms_.push_back(detail::severity_kernel::PreparedTransform::of(cfg_.indicators()[i]));
    }
    for (int d = 0; d < 3; ++d) {
      wd_[d].clear();
      for (std::size_t i : dims_[d]) wd_[d].push_back(cfg_.indicators()[i].weight);
    }
  }

  void check_result(const SeverityResult& r) const {
    CRISISKIT_CHECK(r.values.size() == cfg_.size() && r.scores.size() == cfg_.size(), "result",
                    InvalidInput::no_index, r.values.size(), "was not produced by an assessor with this configuration");
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
  std::vector<detail::severity_kernel::PreparedTransform> transforms_;
};

}  // namespace crisiskit::severity
