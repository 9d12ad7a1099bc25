// Vector math for one instruction-set path; no include guard on purpose:
// `simd.hpp` includes this file once per path, inside that path's target
// region, with CRISISKIT_SIMD_NS (namespace), CRISISKIT_SIMD_WIDTH (doubles
// per vector) and one CRISISKIT_SIMD_SQRT_* defined.
//
// log and exp follow the classic fdlibm reductions (Sun Microsystems, 1993;
// the algorithm behind most libm implementations): log splits x = 2^e·m with
// m ∈ (√½, √2] and evaluates log(1+f) through s = f/(2+f) and a degree-14
// minimax polynomial in s; exp reduces by k·ln2 in two parts (Cody–Waite)
// and evaluates a rational approximation. Both are within 1 ulp over the
// whole double range (tested against libm), and written once with GNU vector
// extensions so the same source serves SSE2, AVX2 and AVX-512. Special
// values: log(0) = −inf, log(x<0) = NaN, log(+inf) = +inf; exp(−inf) = 0,
// exp(+inf) = +inf, subnormal results are rounded once; NaN propagates.

namespace crisiskit::simd::CRISISKIT_SIMD_NS {

#if CRISISKIT_SIMD_VECTOR_EXT
inline constexpr int width = CRISISKIT_SIMD_WIDTH;
using vd = double __attribute__((vector_size(8 * CRISISKIT_SIMD_WIDTH)));
using vi = long long __attribute__((vector_size(8 * CRISISKIT_SIMD_WIDTH)));
using vu = unsigned long long __attribute__((vector_size(8 * CRISISKIT_SIMD_WIDTH)));
#else
inline constexpr int width = 1;
using vd = double;
using vi = long long;
using vu = unsigned long long;
#endif

CRISISKIT_SIMD_INLINE vd load(const double* p) {
  vd v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
CRISISKIT_SIMD_INLINE void store(double* p, vd v) { std::memcpy(p, &v, sizeof v); }
CRISISKIT_SIMD_INLINE vd splat(double x) { return vd{} + x; }
template <class To, class From>
CRISISKIT_SIMD_INLINE To bits(From f) {
  static_assert(sizeof(To) == sizeof(From));
  To t;
  std::memcpy(&t, &f, sizeof t);
  return t;
}
// max/min return b when either is NaN.
CRISISKIT_SIMD_INLINE vd vmax(vd a, vd b) { return a > b ? a : b; }
CRISISKIT_SIMD_INLINE vd vmin(vd a, vd b) { return a < b ? a : b; }

CRISISKIT_SIMD_INLINE vd vsqrt(vd x) {
#if defined(CRISISKIT_SIMD_SQRT_AVX512) && CRISISKIT_SIMD_X86
  return bits<vd>(_mm512_maskz_sqrt_pd(0xFF, bits<__m512d>(x)));  // maskz: the unmasked form trips -Wmaybe-uninitialized in GCC 12
#elif defined(CRISISKIT_SIMD_SQRT_AVX) && CRISISKIT_SIMD_X86
  return bits<vd>(_mm256_sqrt_pd(bits<__m256d>(x)));
#elif defined(CRISISKIT_SIMD_SQRT_SSE2) && CRISISKIT_SIMD_X86
  return bits<vd>(_mm_sqrt_pd(bits<__m128d>(x)));
#elif CRISISKIT_SIMD_VECTOR_EXT
  for (int i = 0; i < width; ++i) x[i] = std::sqrt(x[i]);
  return x;
#else
  return std::sqrt(x);
#endif
}

CRISISKIT_SIMD_INLINE vd vlog(vd x) {
  // Subnormals are scaled by 2^54 first so the exponent field is exact.
  const vd tiny = splat(2.2250738585072014e-308);
  const vd xs = x < tiny ? x * 18014398509481984.0 : x;
  const vu b = bits<vu>(xs);
  vi e = bits<vi>(b >> 52) - 1023;
  e = x < tiny ? e - 54 : e;
  vd m = bits<vd>((b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  const auto big = m > 1.4142135623730951;
  m = big ? m * 0.5 : m;
  e = big ? e + 1 : e;
  // e → double without a 64-bit integer conversion (AVX2 has none): add the
  // integer into the mantissa of 1.5·2^52 and subtract it back.
  const vd ed = bits<vd>(e + 0x4338000000000000LL) - 6755399441055744.0;
  const vd f = m - 1.0;
  const vd s = f / (2.0 + f);
  const vd z = s * s, w = z * z;
  const vd t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
  const vd t2 =
      z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
  const vd R = t2 + t1;
  const vd hfsq = 0.5 * f * f;
  vd r = ed * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + R) + ed * 1.90821492927058770002e-10)) - f);
  const double inf = __builtin_inf();
  r = x == 0.0 ? splat(-inf) : r;
  r = x < 0.0 ? splat(__builtin_nan("")) : r;
  r = x == inf ? splat(inf) : r;
  return x != x ? x : r;
}

CRISISKIT_SIMD_INLINE vd vexp(vd x) {
  vd xc = x > 710.0 ? splat(710.0) : x;
  xc = xc < -746.0 ? splat(-746.0) : xc;
  // k = round(x / ln 2) by the 1.5·2^52 trick; its low bits are the integer.
  const double magic = 6755399441055744.0;
  const vd t = xc * 1.44269504088896338700e+00 + magic;
  const vi k = bits<vi>(t) - 0x4338000000000000LL;
  const vd kd = t - magic;
  const vd hi = xc - kd * 6.93147180369123816490e-01, lo = kd * 1.90821492927058770002e-10;
  const vd r = hi - lo;
  const vd rr = r * r;
  const vd c =
      r - rr * (1.66666666666666019037e-01 +
                rr * (-2.77777777770155933842e-03 +
                      rr * (6.61375632143793436117e-05 + rr * (-1.65339022054652515390e-06 + rr * 4.13813679705723846039e-08))));
  const vd y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  // 2^k as 2^k1 · 2^k2 with both halves normal, so k from −1075 to 1024
  // (results near overflow and subnormal results) needs no special case;
  // y · 2^k1 is exact and the second product rounds once.
  const vi k1 = bits<vi>(kd * 0.5 + magic) - 0x4338000000000000LL;
  const vi k2 = k - k1;
  vd out = (y * bits<vd>((k1 + 1023) << 52)) * bits<vd>((k2 + 1023) << 52);
  out = x > 709.782712893384 ? splat(__builtin_inf()) : out;
  out = x < -745.1332191019412 ? splat(0.0) : out;
  return x != x ? x : out;
}

}  // namespace crisiskit::simd::CRISISKIT_SIMD_NS

namespace crisiskit::simd::CRISISKIT_SIMD_NS {

// Array forms, not forced inline, so code outside this path's target region
// (tests, benchmarks) can call them. y may alias x.
// (A template flag, not a lambda: GCC does not give lambdas the region's target.)
template <bool Log>
inline void map_array(const double* x, double* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + width <= n; i += width) store(y + i, Log ? vlog(load(x + i)) : vexp(load(x + i)));
  for (; i < n; ++i) {
    double out[width];
    store(out, Log ? vlog(splat(x[i])) : vexp(splat(x[i])));
    y[i] = out[0];
  }
}

inline void log_array(const double* x, double* y, std::size_t n) { map_array<true>(x, y, n); }
inline void exp_array(const double* x, double* y, std::size_t n) { map_array<false>(x, y, n); }

}  // namespace crisiskit::simd::CRISISKIT_SIMD_NS
