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

#include <Eigen/Core>

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
    for (std::size_t i = 0; i < values.size(); ++i) transform_block(cfg_.indicators()[i].transform, &values[i], &r.scores[i], 1);
    r.values = std::move(values);
    Row row = evaluate(r.scores.data());
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
        transform_block(spec.transform, &raw, &s[i], 1);
        return evaluate(s.data()).overall;
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
    const std::size_t K = cfg_.size();
    const unsigned workers = detail::planned_workers(rows, 1 << 14);
    std::vector<std::pair<std::size_t, std::size_t>> bad(workers, {rows, 0});  // (row, column)
    detail::parallel_for(
        rows, 1 << 14,
        [&](std::size_t b, std::size_t e, unsigned w) {
          std::vector<double> s(K * kBlock);  // indicator-major scores: s[k * kBlock + r]
          Block blk(kBlock);
          for (std::size_t r0 = b; r0 < e; r0 += kBlock) {
            const std::size_t m = std::min(kBlock, e - r0);
            bool block_bad = false;
            for (std::size_t k = 0; k < K; ++k) {
              double* sk = s.data() + k * kBlock;
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
                  if (!valid_block(spec, col + r0 + r, 1)) {
                    if (r0 + r < bad[w].first) bad[w] = {r0 + r, k};
                    break;
                  }
                block_bad = true;
                continue;
              }
              transform_block(spec.transform, col + r0, sk, m);
            }
            if (block_bad) return;
            evaluate_block(s.data(), kBlock, m, blk);
            const auto& pol = cfg_.policy();
            auto put = [&](double* dst, const double* src) {
              if (dst) std::copy(src, src + m, dst + r0);
            };
            put(out.scope, blk.dim[0]);
            put(out.harm, blk.dim[1]);
            put(out.trend, blk.dim[2]);
            put(out.overall, blk.overall);
            put(out.overall_lo, blk.overall_lo);
            put(out.overall_hi, blk.overall_hi);
            auto put_level = [&](std::int8_t* dst, const double* src) {
              if (dst)
                for (std::size_t r = 0; r < m; ++r) dst[r0 + r] = static_cast<std::int8_t>(pol.level_of(src[r]));
            };
            put_level(out.level, blk.overall);
            put_level(out.level_lo, blk.overall_lo);
            put_level(out.level_hi, blk.overall_hi);
            if (out.n_missing) std::copy(blk.miss.begin(), blk.miss.begin() + static_cast<std::ptrdiff_t>(m), out.n_missing + r0);
          }
        });
    auto first = *std::min_element(bad.begin(), bad.end());
    if (first.first < rows) {
      const double v = columns[first.second][first.first];
      cfg_.check_value(first.second, v, static_cast<std::int64_t>(first.first));
    }
  }

 private:
  // Rows are evaluated in blocks so every inner loop runs over contiguous
  // arrays the compiler vectorises, and log/exp go through Eigen's SIMD
  // kernels. A single assessment is a block of one row, so both paths share
  // one implementation.
  static constexpr std::size_t kBlock = 256;

  struct Block {
    explicit Block(std::size_t m) : buf(17 * m), miss(m) {
      double* p = buf.data();
      for (int d = 0; d < 3; ++d) dim[d] = p, p += m, dim_lo[d] = p, p += m, dim_hi[d] = p, p += m;
      overall = p, p += m, overall_lo = p, p += m, overall_hi = p, p += m;
      acc = p, p += m, wp = p, p += m, wm = p, p += m, nm = p, p += m, tmp = p;
    }
    std::vector<double> buf;
    std::vector<std::int32_t> miss;
    std::array<double*, 3> dim{}, dim_lo{}, dim_hi{};
    double *overall, *overall_lo, *overall_hi;
    double *acc, *wp, *wm, *nm, *tmp;  // scratch
  };

  struct Row {
    std::array<double, 3> dim, dim_lo, dim_hi;
    double overall, overall_lo, overall_hi;
    std::int32_t n_missing;
  };

  Row evaluate(const double* s) const {
    Block b(1);
    evaluate_block(s, 1, 1, b);
    Row x{};
    for (int d = 0; d < 3; ++d) x.dim[d] = b.dim[d][0], x.dim_lo[d] = b.dim_lo[d][0], x.dim_hi[d] = b.dim_hi[d][0];
    x.overall = b.overall[0];
    x.overall_lo = b.overall_lo[0];
    x.overall_hi = b.overall_hi[0];
    x.n_missing = b.miss[0];
    return x;
  }

  using ArrayMap = Eigen::Map<Eigen::ArrayXd>;

  static void vlog(double* x, std::size_t m) { ArrayMap(x, static_cast<Eigen::Index>(m)) = ArrayMap(x, static_cast<Eigen::Index>(m)).log(); }
  static void vexp(double* x, std::size_t m) { ArrayMap(x, static_cast<Eigen::Index>(m)) = ArrayMap(x, static_cast<Eigen::Index>(m)).exp(); }

  // v ← v^(1/p) for v ≥ 0.
  static void vroot(double* v, std::size_t m, double p) {
    if (p == 1) return;
    ArrayMap a(v, static_cast<Eigen::Index>(m));  // Eigen's sqrt is one SIMD instruction (no errno path)
    if (p == 2) {
      a = a.sqrt();
    } else if (p == 4) {
      a = a.sqrt().sqrt();
    } else {
      vlog(v, m);  // log 0 = −inf → exp → 0
      for (std::size_t r = 0; r < m; ++r) v[r] /= p;
      vexp(v, m);
    }
  }

  // Eigen's max/min/log are SIMD kernels whatever the compiler flags; plain
  // compare-and-select loops are not vectorised under GCC's default
  // trapping-math. Adding (x − x) restores NaN (missing) and adds an exact 0
  // otherwise (inputs are validated finite first).
  static void transform_block(const Transform& t, const double* x, double* s, std::size_t m) {
    const auto n = static_cast<Eigen::Index>(m);
    Eigen::Map<const Eigen::ArrayXd> X(x, n);
    ArrayMap S(s, n);
    if (t.kind == TransformKind::LOG) {
      const double l0 = std::log1p(t.lo), inv = 10.0 / (std::log1p(t.hi) - l0);
      S = (X.max(t.lo) + 1.0).log();
      S = ((S - l0) * inv).max(0.0).min(10.0) + (X - X);
    } else {
      const double inv = 10.0 / (t.hi - t.lo);
      S = ((X - t.lo) * inv).max(0.0).min(10.0) + (X - X);
    }
  }

  // Aggregates n score arrays (item k at s[k * stride], m rows; NaN = missing)
  // with weights w into point (NaN when nothing with weight > 0 is present)
  // and, when lo/hi are given, the range with missing items at 0 and at 10.
  static void aggregate_block(const Aggregation& a, std::size_t n, const double* w, const double* const* s,
                              std::size_t m, Block& b, double* point, double* lo, double* hi, std::int32_t* miss) {
    double* acc = b.acc;
    double* wp = b.wp;
    double* wm = b.wm;
    double* tmp = b.tmp;
    double* nm = b.nm;  // missing count, as double so the pass vectorises
    const bool is_max = a.method == Method::MAX;
    std::fill(acc, acc + m, is_max ? -1.0 : 0.0);
    std::fill(wp, wp + m, 0.0);
    std::fill(wm, wm + m, 0.0);
    std::fill(nm, nm + m, 0.0);
    double W = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const double wk = w[k];
      const double* x = s[k];
      W += wk;
      // One pass per item: presence, weights present / missing, missing count,
      // and the accumulator when it is a plain polynomial of the score.
      auto pass = [&](auto f) {
        for (std::size_t r = 0; r < m; ++r) {
          const bool p = x[r] == x[r];
          const double present = p ? wk : 0.0, v = p ? x[r] : 0.0;
          wp[r] += present;
          nm[r] += p ? 0.0 : 1.0;
          acc[r] += f(v);
        }
      };
      const bool poly = a.method == Method::ARITHMETIC || (a.method == Method::POWER && (a.p == 1 || a.p == 2 || a.p == 4));
      if (wk > 0 && poly) {
        if (a.method == Method::ARITHMETIC || a.p == 1) {
          pass([wk](double v) { return wk * v; });
        } else if (a.p == 2) {
          pass([wk](double v) { return wk * (v * v); });
        } else {
          pass([wk](double v) {
            const double v2 = v * v;
            return wk * (v2 * v2);
          });
        }
        continue;
      }
      pass([](double) { return 0.0; });
      if (wk <= 0) continue;  // takes no part in the value (only dimension weights may be 0)
      // Loops select a value first and then compute on every lane: a
      // conditional floating-point operation would not be vectorised (it
      // could raise a flag the C++ model says must not be raised).
      switch (a.method) {
        case Method::ARITHMETIC:
          break;
        case Method::POWER:
          for (std::size_t r = 0; r < m; ++r) tmp[r] = x[r] == x[r] ? x[r] : 0.0;
          vlog(tmp, m);  // log 0 = −inf → exp → 0: a missing item adds 0
          for (std::size_t r = 0; r < m; ++r) tmp[r] *= a.p;
          vexp(tmp, m);
          for (std::size_t r = 0; r < m; ++r) acc[r] += wk * tmp[r];
          break;
        case Method::GEOMETRIC:
          for (std::size_t r = 0; r < m; ++r) {
            const double v = x[r] + a.shift;
            tmp[r] = v == v ? v : 1.0;  // ln 1 = 0 for missing
          }
          vlog(tmp, m);
          for (std::size_t r = 0; r < m; ++r) acc[r] += wk * tmp[r];
          break;
        case Method::MAX: {
          for (std::size_t r = 0; r < m; ++r) tmp[r] = x[r] == x[r] ? x[r] : -1.0;
          ArrayMap A(acc, static_cast<Eigen::Index>(m));
          A = A.max(ArrayMap(tmp, static_cast<Eigen::Index>(m)));
          break;
        }
      }
    }
    if (miss)
      for (std::size_t r = 0; r < m; ++r) miss[r] += static_cast<std::int32_t>(nm[r]);
    // Weight of the missing items; exactly 0 when none is missing.
    for (std::size_t r = 0; r < m; ++r) {
      const double d = W - wp[r];
      wm[r] = nm[r] > 0.0 ? (d > 0.0 ? d : 0.0) : 0.0;
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    // MAX counts only weight > 0 items as present.
    if (is_max) {
      std::fill(wp, wp + m, 0.0);
      std::fill(wm, wm + m, 0.0);
      for (std::size_t k = 0; k < n; ++k) {
        if (w[k] <= 0) continue;
        for (std::size_t r = 0; r < m; ++r) (s[k][r] == s[k][r] ? wp[r] : wm[r]) += 1.0;
      }
      for (std::size_t r = 0; r < m; ++r) {
        point[r] = wp[r] > 0 ? acc[r] : nan;
        if (lo) lo[r] = wp[r] > 0 ? acc[r] : 0.0;
        if (hi) hi[r] = wm[r] > 0 ? 10.0 : acc[r];
      }
      return;
    }
    if (a.method == Method::ARITHMETIC) {
      for (std::size_t r = 0; r < m; ++r) {
        point[r] = wp[r] > 0 ? acc[r] / wp[r] : nan;
        if (lo) lo[r] = W > 0 ? acc[r] / W : 0.0;
        if (hi) hi[r] = W > 0 ? (acc[r] + 10.0 * wm[r]) / W : 10.0;
      }
      return;
    }
    if (a.method == Method::POWER) {
      const double top = std::pow(10.0, a.p);
      for (std::size_t r = 0; r < m; ++r) {
        point[r] = wp[r] > 0 ? acc[r] / wp[r] : 0.0;
        if (lo) lo[r] = W > 0 ? acc[r] / W : 0.0;
        if (hi) hi[r] = W > 0 ? (acc[r] + top * wm[r]) / W : top;
      }
      vroot(point, m, a.p);
      if (lo) vroot(lo, m, a.p);
      if (hi) vroot(hi, m, a.p);
      for (std::size_t r = 0; r < m; ++r)
        if (!(wp[r] > 0)) point[r] = nan;
      return;
    }
    // GEOMETRIC, shift c: exp(mean of ln(s + c)) − c.
    const double c = a.shift, lc = std::log(c), l10 = std::log(10.0 + c);
    for (std::size_t r = 0; r < m; ++r) {
      point[r] = wp[r] > 0 ? acc[r] / wp[r] : 0.0;
      if (lo) lo[r] = W > 0 ? (acc[r] + (wm[r] > 0 ? wm[r] * lc : 0.0)) / W : lc;
      if (hi) hi[r] = W > 0 ? (acc[r] + wm[r] * l10) / W : l10;
    }
    auto back = [&](double* v) {
      vexp(v, m);
      for (std::size_t r = 0; r < m; ++r) v[r] = std::max(0.0, v[r] - c);
    };
    back(point);
    if (lo) back(lo);
    if (hi) back(hi);
    for (std::size_t r = 0; r < m; ++r)
      if (!(wp[r] > 0)) point[r] = nan;
  }

  // Rounding in exp/log can land a hair above 10; scores are 0–10 by contract. NaN stays NaN.
  static void cap10(double* v, std::size_t m) {
    if (v)
      for (std::size_t r = 0; r < m; ++r) v[r] = v[r] > 10.0 ? 10.0 : v[r];
  }

  // Scores s[k * stride + r] (k over indicators, r < m) → dimensions, overall, ranges.
  void evaluate_block(const double* s, std::size_t stride, std::size_t m, Block& b) const {
    std::fill(b.miss.begin(), b.miss.begin() + static_cast<std::ptrdiff_t>(m), 0);
    std::vector<const double*> items;
    for (int d = 0; d < 3; ++d) {
      items.clear();
      for (std::size_t k : dims_[d]) items.push_back(s + k * stride);
      aggregate_block(cfg_.within()[d], items.size(), wd_[d].data(), items.data(), m, b, b.dim[d], b.dim_lo[d],
                      b.dim_hi[d], b.miss.data());
      cap10(b.dim[d], m);
      cap10(b.dim_lo[d], m);
      cap10(b.dim_hi[d], m);
    }
    const auto& dw = cfg_.dimension_weights();
    const std::array<const double*, 3> pt{b.dim[0], b.dim[1], b.dim[2]};
    const std::array<const double*, 3> lo{b.dim_lo[0], b.dim_lo[1], b.dim_lo[2]};
    const std::array<const double*, 3> hi{b.dim_hi[0], b.dim_hi[1], b.dim_hi[2]};
    // A NaN dimension is "missing" for the point value; the bounds use every
    // dimension's bound, so none is missing there.
    aggregate_block(cfg_.overall(), 3, dw.data(), pt.data(), m, b, b.overall, nullptr, nullptr, nullptr);
    aggregate_block(cfg_.overall(), 3, dw.data(), lo.data(), m, b, b.overall_lo, nullptr, nullptr, nullptr);
    aggregate_block(cfg_.overall(), 3, dw.data(), hi.data(), m, b, b.overall_hi, nullptr, nullptr, nullptr);
    cap10(b.overall, m);
    cap10(b.overall_lo, m);
    cap10(b.overall_hi, m);
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


  static bool valid_block(const IndicatorSpec& spec, const double* x, std::size_t m) {
    // Distance of each value from [lo, hi] through Eigen's SIMD max/min; ±inf
    // is infinitely far. NaN (missing) yields NaN, which `Zero.max(·)` drops
    // (Eigen's max keeps its left operand when the other is NaN, as std::max does).
    const double big = std::numeric_limits<double>::max();
    const double lo = spec.domain == Domain::REAL ? -big : 0.0;
    const double hi = spec.domain == Domain::SHARE ? 1.0 : big;
    const auto n = static_cast<Eigen::Index>(m);
    Eigen::Map<const Eigen::ArrayXd> X(x, n);
    const double dev = Eigen::ArrayXd::Zero(n).max((X.max(lo).min(hi) - X).abs()).maxCoeff();
    return !(dev > 0);
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
