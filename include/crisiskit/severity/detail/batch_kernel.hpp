#pragma once
/// \file
/// The severity assessment's numeric kernel, compiled once per instruction
/// set (see `crisiskit/detail/simd.hpp`) and chosen at run time. Internal:
/// `SeverityAssessor` builds the `KernelPlan` and calls `kernel()`.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "crisiskit/core/error.hpp"
#include "crisiskit/detail/simd.hpp"
#include "crisiskit/severity/config.hpp"

namespace crisiskit::detail::severity_kernel {

using severity::Aggregation;
using severity::Domain;
using severity::IndicatorSpec;
using severity::Method;
using severity::TransformKind;

/// One indicator's transform with its constants folded, and its domain.
struct PreparedTransform {
  bool log = false;
  double lo = 0, l0 = 0, inv = 1;  ///< LOG: 10·(ln(1+max(x,lo)) − l0)·inv/10; LINEAR: (x − lo)·inv
  double domain_lo = 0, domain_hi = 0;

  static PreparedTransform of(const IndicatorSpec& spec) {
    PreparedTransform t;
    t.log = spec.transform.kind == TransformKind::LOG;
    t.lo = spec.transform.lo;
    if (t.log) {
      t.l0 = std::log1p(spec.transform.lo);
      t.inv = 10.0 / (std::log1p(spec.transform.hi) - t.l0);
    } else {
      t.inv = 10.0 / (spec.transform.hi - spec.transform.lo);
    }
    const double big = std::numeric_limits<double>::max();
    t.domain_lo = spec.domain == Domain::REAL ? -big : 0.0;
    t.domain_hi = spec.domain == Domain::SHARE ? 1.0 : big;
    return t;
  }
};

/// Everything the kernel needs, as plain pointers into the assessor.
struct KernelPlan {
  std::size_t n_indicators = 0;
  const PreparedTransform* transforms = nullptr;  ///< per indicator, config order
  const std::size_t* items[3] = {};               ///< indicator indices of each dimension
  std::size_t n_items[3] = {};
  const double* weights[3] = {};                  ///< their weights
  Aggregation within[3];
  Aggregation overall;
  double dimension_weights[3] = {};
};

/// Output rows [0, m) of one call.
struct KernelOut {
  double* dim[3];
  double* dim_lo[3];
  double* dim_hi[3];
  double* overall;
  double* overall_lo;
  double* overall_hi;
  std::int32_t* n_missing;
};

struct BadCell {
  std::size_t row, column;
};

}  // namespace crisiskit::detail::severity_kernel

#define CRISISKIT_SIMD_NS generic
#include "crisiskit/severity/detail/batch_kernel.inl"
#undef CRISISKIT_SIMD_NS
#if CRISISKIT_SIMD_X86
CRISISKIT_SIMD_BEGIN_AVX2
#define CRISISKIT_SIMD_NS avx2
#include "crisiskit/severity/detail/batch_kernel.inl"
#undef CRISISKIT_SIMD_NS
CRISISKIT_SIMD_END
CRISISKIT_SIMD_BEGIN_AVX512
#define CRISISKIT_SIMD_NS avx512
#include "crisiskit/severity/detail/batch_kernel.inl"
#undef CRISISKIT_SIMD_NS
CRISISKIT_SIMD_END
#endif

namespace crisiskit::detail::severity_kernel {

struct Kernel {
  simd::Path path;
  BadCell (*batch)(const KernelPlan&, const double* const*, std::size_t, std::size_t, const KernelOut&);
  void (*transform)(const PreparedTransform&, const double*, double*, std::size_t);
};

/// The kernel compiled for `path`. \throws InvalidInput when this CPU lacks it.
inline Kernel kernel_for(simd::Path path) {
  CRISISKIT_CHECK(static_cast<int>(path) <= static_cast<int>(simd::supported_simd()), "simd",
                  InvalidInput::no_index, std::string(simd::to_string(path)), "is not supported by this CPU");
  switch (path) {
#if CRISISKIT_SIMD_X86
    case simd::Path::AVX512: return {path, &avx512::batch, &avx512::transform};
    case simd::Path::AVX2: return {path, &avx2::batch, &avx2::transform};
#endif
    default: return {simd::Path::GENERIC, &generic::batch, &generic::transform};
  }
}

/// The kernel for `simd::active_simd()`, chosen once.
inline const Kernel& kernel() {
  static const Kernel k = kernel_for(simd::active_simd());
  return k;
}

}  // namespace crisiskit::detail::severity_kernel
