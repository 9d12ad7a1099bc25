// The severity batch kernel for one instruction-set path; no include guard on
// purpose: `batch_kernel.hpp` includes it once per path inside that path's
// target region, with CRISISKIT_SIMD_NS naming the path. Everything defined
// here lives in `crisiskit::detail::severity_kernel::<path>`.
//
// Rows are processed a vector (2, 4 or 8 rows) at a time and every indicator
// of those rows is read, validated, transformed and folded into its
// dimension's accumulators while it is in registers: each input value is
// read once and nothing but the outputs is written. The formulas are those of
// `config.hpp`; `aggregate` mirrors them one for one.

namespace crisiskit::detail::severity_kernel::CRISISKIT_SIMD_NS {

using namespace crisiskit::simd::CRISISKIT_SIMD_NS;

// Up to `width` rows starting at p; rows past `count` read as NaN (missing).
CRISISKIT_SIMD_INLINE vd load_rows(const double* p, std::size_t count) {
  if (count >= static_cast<std::size_t>(width)) return load(p);
  double buf[width];
  for (int i = 0; i < width; ++i) buf[i] = static_cast<std::size_t>(i) < count ? p[i] : __builtin_nan("");
  return load(buf);
}

CRISISKIT_SIMD_INLINE void store_rows(double* p, vd v, std::size_t count) {
  if (count >= static_cast<std::size_t>(width)) return store(p, v);
  double buf[width];
  store(buf, v);
  for (std::size_t i = 0; i < count; ++i) p[i] = buf[i];
}

CRISISKIT_SIMD_INLINE vd score(const PreparedTransform& t, vd x) {
  vd s;
  if (t.log) {
    s = (vlog(vmax(x, splat(t.lo)) + 1.0) - t.l0) * t.inv;
  } else {
    s = (x - t.lo) * t.inv;
  }
  // Adding (x − x) restores NaN (missing) and adds an exact 0 otherwise.
  return vmin(vmax(s, splat(0.0)), splat(10.0)) + (x - x);
}

// Nonzero lanes: present (not NaN) and outside the domain (±inf included).
CRISISKIT_SIMD_INLINE vd out_of_domain(const PreparedTransform& t, vd x) {
  const vd inside = vmin(vmax(x, splat(t.domain_lo)), splat(t.domain_hi));
  return x == x ? (inside != x ? splat(1.0) : splat(0.0)) : splat(0.0);
}

CRISISKIT_SIMD_INLINE vd cap10(vd v) { return v > 10.0 ? splat(10.0) : v; }

// v^(1/p) for v ≥ 0.
CRISISKIT_SIMD_INLINE vd root(vd v, double p) {
  if (p == 1) return v;
  if (p == 2) return vsqrt(v);
  if (p == 4) return vsqrt(vsqrt(v));
  return vexp(vlog(v) / p);  // log 0 = −inf → exp → 0
}

// Aggregates n items (item k = get(k), NaN = missing) with weights w into
// `point` (NaN when nothing with weight > 0 is present) and, when lo/hi are
// given, the range with the missing items at 0 and at 10. Adds the number of
// missing items to *missing when given.
template <class Get>
CRISISKIT_SIMD_INLINE void aggregate(const Aggregation& a, std::size_t n, const double* w, Get get, vd& point,
                                     vd* lo, vd* hi, vd* missing) {
  const vd zero = splat(0.0), one = splat(1.0);
  const bool is_max = a.method == Method::MAX;
  vd acc = splat(is_max ? -1.0 : 0.0);
  vd wp = zero, nm = zero;              // weight present, count missing
  vd max_present = zero, max_missing = zero;  // MAX counts only weight > 0 items
  double W = 0;
  // Shifted geometric mean with equal positive weights (the default overall):
  // Σ w·ln(yₖ) = w·ln(Π yₖ), one log instead of n. Only where the product
  // can neither overflow nor underflow: yₖ ∈ [c, 10 + c], c ∈ [1e-3, 1e3], n ≤ 16.
  bool product = a.method == Method::GEOMETRIC && n <= 16 && a.shift >= 1e-3 && a.shift <= 1e3 && n > 0 && w[0] > 0;
  for (std::size_t k = 1; product && k < n; ++k) product = w[k] == w[0];
  vd prod = one;
  for (std::size_t k = 0; k < n; ++k) {
    const double wk = w[k];
    W += wk;
    const vd x = get(k);
    const auto present = x == x;
    wp += present ? splat(wk) : zero;
    nm += present ? zero : one;
    if (!(wk > 0)) continue;  // takes no part in the value (only dimension weights may be 0)
    const vd v = present ? x : zero;
    switch (a.method) {
      case Method::ARITHMETIC:
        acc += wk * v;
        break;
      case Method::POWER:
        if (a.p == 1) {
          acc += wk * v;
        } else if (a.p == 2) {
          acc += wk * (v * v);
        } else if (a.p == 4) {
          const vd v2 = v * v;
          acc += wk * (v2 * v2);
        } else {
          acc += wk * vexp(vlog(v) * a.p);  // log 0 = −inf → exp → 0: a missing item adds 0
        }
        break;
      case Method::GEOMETRIC: {
        const vd y = x + a.shift;
        if (product) {
          prod *= y == y ? y : one;
        } else {
          acc += wk * vlog(y == y ? y : one);  // ln 1 = 0 for missing
        }
        break;
      }
      case Method::MAX:
        acc = vmax(acc, present ? x : splat(-1.0));
        max_present += present ? one : zero;
        max_missing += present ? zero : one;
        break;
    }
  }
  if (product) acc = w[0] * vlog(prod);
  if (missing) *missing += nm;
  // Weight of the missing items; exactly 0 when none is missing.
  const vd wm = nm > 0.0 ? vmax(W - wp, zero) : zero;
  const vd nan = splat(__builtin_nan(""));
  switch (a.method) {
    case Method::MAX:
      point = max_present > 0.0 ? acc : nan;
      if (lo) *lo = max_present > 0.0 ? acc : zero;
      if (hi) *hi = max_missing > 0.0 ? splat(10.0) : acc;
      return;
    case Method::ARITHMETIC:
      point = wp > 0.0 ? acc / wp : nan;
      if (lo) *lo = W > 0 ? acc / W : zero;
      if (hi) *hi = W > 0 ? (acc + 10.0 * wm) / W : splat(10.0);
      return;
    case Method::POWER: {
      const double top = std::pow(10.0, a.p);
      point = root(wp > 0.0 ? acc / wp : zero, a.p);
      if (lo) *lo = root(W > 0 ? acc / W : zero, a.p);
      if (hi) *hi = root(W > 0 ? (acc + top * wm) / W : splat(top), a.p);
      point = wp > 0.0 ? point : nan;
      return;
    }
    case Method::GEOMETRIC: {
      // shift c: exp(mean of ln(s + c)) − c.
      const double c = a.shift, lc = std::log(c), l10 = std::log(10.0 + c);
      auto back = [&](vd v) CRISISKIT_SIMD_LAMBDA_INLINE { return vmax(vexp(v) - c, zero); };
      point = back(wp > 0.0 ? acc / wp : zero);
      if (lo) *lo = back(W > 0 ? (acc + (wm > 0.0 ? wm * lc : zero)) / W : splat(lc));
      if (hi) *hi = back(W > 0 ? (acc + wm * l10) / W : splat(l10));
      point = wp > 0.0 ? point : nan;
      return;
    }
  }
}

// Rows [r0, r0 + m) of `columns` (one pointer per indicator, null = absent)
// → `out` at [0, m). Returns {m, 0} or the first bad cell (row relative to
// r0, lowest row first, then lowest column); outputs are then unspecified.
inline BadCell batch(const KernelPlan& plan, const double* const* columns, std::size_t r0, std::size_t m,
                     const KernelOut& out) {
  for (std::size_t r = 0; r < m; r += width) {
    const std::size_t count = std::min<std::size_t>(width, m - r);
    vd bad = splat(0.0);
    vd dim[3]{}, dim_lo[3]{}, dim_hi[3]{}, missing = splat(0.0);
    for (int d = 0; d < 3; ++d) {
      const std::size_t* items = plan.items[d];
      auto get = [&](std::size_t k) CRISISKIT_SIMD_LAMBDA_INLINE {
        const std::size_t i = items[k];
        const double* col = columns[i];
        if (!col) return splat(__builtin_nan(""));
        const vd x = load_rows(col + r0 + r, count);
        bad += out_of_domain(plan.transforms[i], x);
        return score(plan.transforms[i], x);
      };
      aggregate(plan.within[d], plan.n_items[d], plan.weights[d], get, dim[d], &dim_lo[d], &dim_hi[d], &missing);
      dim[d] = cap10(dim[d]);
      dim_lo[d] = cap10(dim_lo[d]);
      dim_hi[d] = cap10(dim_hi[d]);
    }
    double bad_lanes[width];
    store(bad_lanes, bad);
    bool any_bad = false;
    for (int i = 0; i < width; ++i) any_bad |= bad_lanes[i] != 0.0;
    if (any_bad) {
      for (std::size_t i = 0; i < count; ++i)
        for (std::size_t k = 0; k < plan.n_indicators; ++k) {
          if (!columns[k]) continue;
          const double x = columns[k][r0 + r + i];
          const auto& t = plan.transforms[k];
          if (x == x && !(x >= t.domain_lo && x <= t.domain_hi)) return {r + i, k};
        }
    }
    // A NaN dimension is "missing" for the point value; the bounds use every
    // dimension's bound, so none is missing there.
    vd overall{}, overall_lo{}, overall_hi{};
    aggregate(plan.overall, 3, plan.dimension_weights, [&](std::size_t k) CRISISKIT_SIMD_LAMBDA_INLINE { return dim[k]; }, overall, nullptr,
              nullptr, nullptr);
    aggregate(plan.overall, 3, plan.dimension_weights, [&](std::size_t k) CRISISKIT_SIMD_LAMBDA_INLINE { return dim_lo[k]; }, overall_lo,
              nullptr, nullptr, nullptr);
    aggregate(plan.overall, 3, plan.dimension_weights, [&](std::size_t k) CRISISKIT_SIMD_LAMBDA_INLINE { return dim_hi[k]; }, overall_hi,
              nullptr, nullptr, nullptr);
    for (int d = 0; d < 3; ++d) {
      store_rows(out.dim[d] + r, dim[d], count);
      store_rows(out.dim_lo[d] + r, dim_lo[d], count);
      store_rows(out.dim_hi[d] + r, dim_hi[d], count);
    }
    store_rows(out.overall + r, cap10(overall), count);
    store_rows(out.overall_lo + r, cap10(overall_lo), count);
    store_rows(out.overall_hi + r, cap10(overall_hi), count);
    double nm[width];
    store(nm, missing);
    for (std::size_t i = 0; i < count; ++i) out.n_missing[r + i] = static_cast<std::int32_t>(nm[i]);
  }
  return {m, 0};
}

// Scores of m raw values of one indicator (x and s may alias).
inline void transform(const PreparedTransform& t, const double* x, double* s, std::size_t m) {
  for (std::size_t r = 0; r < m; r += width) {
    const std::size_t count = std::min<std::size_t>(width, m - r);
    store_rows(s + r, score(t, load_rows(x + r, count)), count);
  }
}

}  // namespace crisiskit::detail::severity_kernel::CRISISKIT_SIMD_NS
