#pragma once
/// \file
/// Runtime choice of the instruction set for the few kernels that are bound
/// by floating-point throughput (the severity batch kernel today).
///
/// Why: a header-only library cannot know the CPU it will run on, and
/// building everything with `-march=native` would make a binary crash on an
/// older machine. Instead each such kernel is compiled several times in one
/// translation unit — once for the build's baseline ("generic": SSE2 on
/// x86-64), once for AVX2+FMA and once for AVX-512 — through GCC/Clang target
/// regions, and the widest one the CPU (and OS) supports is picked on first
/// use. Every specialised copy lives in its own namespace
/// (`…::generic`, `…::avx2`, `…::avx512`), so copies compiled for different
/// instruction sets never share a mangled name and the linker cannot swap
/// one for another. Code in a region calls only functions defined in the
/// same region or baseline code, never the reverse.
///
/// The environment variable `CRISISKIT_SIMD` (`generic`, `avx2`, `avx512`)
/// caps the choice — for tests and benchmarks that compare paths; it can
/// lower the path, never raise it above what the CPU supports. It is read
/// once, on first use.
///
/// Results agree across paths to a few units in the last place: the vector
/// log and exp (`vecmath.inl`) are the same code on every path, but the
/// AVX paths may fuse a multiply and an add into one rounding.
///
/// Thread-safety: `active_simd()` is initialised once (C++ static init) and
/// safe from any thread.

#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string_view>

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define CRISISKIT_SIMD_X86 1
#include <immintrin.h>
#else
#define CRISISKIT_SIMD_X86 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define CRISISKIT_SIMD_VECTOR_EXT 1
#define CRISISKIT_SIMD_INLINE inline __attribute__((always_inline))
#define CRISISKIT_SIMD_LAMBDA_INLINE __attribute__((always_inline))
#else
#define CRISISKIT_SIMD_VECTOR_EXT 0
#define CRISISKIT_SIMD_INLINE inline
#define CRISISKIT_SIMD_LAMBDA_INLINE
#endif

// Target regions: every function defined between BEGIN and END is compiled
// for the named instruction set. GCC does not extend this to lambdas: a
// lambda in a region must be CRISISKIT_SIMD_LAMBDA_INLINE, so it is compiled
// as part of (inlined into) its region's caller.
#if CRISISKIT_SIMD_X86 && defined(__clang__)
#define CRISISKIT_SIMD_BEGIN_AVX2 \
  _Pragma("clang attribute push(__attribute__((target(\"avx2,fma\"))), apply_to = function)")
#define CRISISKIT_SIMD_BEGIN_AVX512 \
  _Pragma("clang attribute push(__attribute__((target(\"avx512f,avx512dq,avx2,fma\"))), apply_to = function)")
#define CRISISKIT_SIMD_END _Pragma("clang attribute pop")
#elif CRISISKIT_SIMD_X86
#define CRISISKIT_SIMD_BEGIN_AVX2 _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,fma\")")
#define CRISISKIT_SIMD_BEGIN_AVX512 _Pragma("GCC push_options") _Pragma("GCC target(\"avx512f,avx512dq,avx2,fma\")")
#define CRISISKIT_SIMD_END _Pragma("GCC pop_options")
#endif

namespace crisiskit::simd {

enum class Path { GENERIC = 0, AVX2 = 1, AVX512 = 2 };

constexpr std::string_view to_string(Path p) noexcept {
  constexpr std::string_view n[] = {"generic", "avx2", "avx512"};
  return n[static_cast<int>(p)];
}

/// The widest path this CPU and OS support (ignores `CRISISKIT_SIMD`).
inline Path supported_simd() noexcept {
#if CRISISKIT_SIMD_X86
  // __builtin_cpu_supports also checks (XGETBV) that the OS saves the wide registers.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) return Path::AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Path::AVX2;
#endif
  return Path::GENERIC;
}

/// The path in use: `supported_simd()`, capped by `CRISISKIT_SIMD` when set to a known name.
inline Path active_simd() noexcept {
  static const Path path = [] {
    Path p = supported_simd();
    if (const char* env = std::getenv("CRISISKIT_SIMD")) {
      for (Path q : {Path::GENERIC, Path::AVX2, Path::AVX512})
        if (to_string(q) == env && static_cast<int>(q) < static_cast<int>(p)) p = q;
    }
    return p;
  }();
  return path;
}

}  // namespace crisiskit::simd

// The vector math, once per path.
#define CRISISKIT_SIMD_NS generic
#define CRISISKIT_SIMD_WIDTH 2
#define CRISISKIT_SIMD_SQRT_SSE2 1
#include "crisiskit/detail/vecmath.inl"
#undef CRISISKIT_SIMD_SQRT_SSE2
#undef CRISISKIT_SIMD_WIDTH
#undef CRISISKIT_SIMD_NS
#if CRISISKIT_SIMD_X86
CRISISKIT_SIMD_BEGIN_AVX2
#define CRISISKIT_SIMD_NS avx2
#define CRISISKIT_SIMD_WIDTH 4
#define CRISISKIT_SIMD_SQRT_AVX 1
#include "crisiskit/detail/vecmath.inl"
#undef CRISISKIT_SIMD_SQRT_AVX
#undef CRISISKIT_SIMD_WIDTH
#undef CRISISKIT_SIMD_NS
CRISISKIT_SIMD_END
CRISISKIT_SIMD_BEGIN_AVX512
#define CRISISKIT_SIMD_NS avx512
#define CRISISKIT_SIMD_WIDTH 8
#define CRISISKIT_SIMD_SQRT_AVX512 1
#include "crisiskit/detail/vecmath.inl"
#undef CRISISKIT_SIMD_SQRT_AVX512
#undef CRISISKIT_SIMD_WIDTH
#undef CRISISKIT_SIMD_NS
CRISISKIT_SIMD_END
#endif
