#pragma once
/// \file
/// Compressed sparse rows for the risk map's link operators. Values are
/// stored as float (4 bytes) and every product accumulates in double: the
/// operators are memory-bound, and a weight needs no more than 7 significant
/// digits. Rows are receivers, columns are sources: (A x)_i = Σ_j A_ij x_j.
/// Thread-safety: const methods may run concurrently.
#include <cmath>
#include <cstdint>
#include <vector>

#include "crisiskit/detail/parallel.hpp"

namespace crisiskit::risk {

struct CsrMatrix {
  std::int32_t rows = 0;
  std::vector<std::int64_t> ptr{0};  ///< rows + 1 offsets
  std::vector<std::int32_t> col;
  std::vector<float> val;

  std::size_t nnz() const noexcept { return col.size(); }

  /// y = b + a · A x (b may be null). Parallel over rows; x, y, b of length rows.
  /// For a square A used as a fixed-point map, returns the largest relative
  /// change max_i |y_i − x_i| / (|y_i| + floor) and stores max_i |y_i| in *y_max;
  /// otherwise pass floor < 0 and the return value is 0.
  double multiply(const double* x, double* y, double a, const double* b = nullptr, double floor = -1,
                  double* y_max = nullptr) const {
    const unsigned workers = crisiskit::detail::planned_workers(static_cast<std::size_t>(rows), grain(), threads);
    std::vector<double> change(workers, 0.0), ymax(workers, 0.0);
    const bool track = floor >= 0;
    crisiskit::detail::parallel_for(
        static_cast<std::size_t>(rows), grain(),
        [&](std::size_t lo, std::size_t hi, unsigned w) {
          double c = 0, m = 0;
          const std::int32_t* cp = col.data();
          const float* vp = val.data();
          const std::int64_t* pp = ptr.data();
          for (std::size_t i = lo; i < hi; ++i) {
            double s = 0;
            for (std::int64_t k = pp[i]; k < pp[i + 1]; ++k) s += static_cast<double>(vp[k]) * x[cp[k]];
            const double v = (b ? b[i] : 0.0) + a * s;
            if (track) {
              const double d = std::abs(v - x[i]);
              if (d > 0) c = std::max(c, d / (std::abs(v) + floor));
              m = std::max(m, std::abs(v));
            }
            y[i] = v;
          }
          change[w] = c;
          ymax[w] = m;
        },
        threads);
    double c = 0, m = 0;
    for (unsigned w = 0; w < workers; ++w) c = std::max(c, change[w]), m = std::max(m, ymax[w]);
    if (y_max) *y_max = m;
    return c;
  }

  /// y += a · Aᵀ x (sequential scatter; used for one-off adjoint solves).
  void multiply_transposed_add(const double* x, double* y, double a) const {
    for (std::int32_t i = 0; i < rows; ++i) {
      const double xi = a * x[i];
      if (xi == 0) continue;
      for (std::int64_t k = ptr[i]; k < ptr[i + 1]; ++k) y[col[k]] += static_cast<double>(val[k]) * xi;
    }
  }

  std::size_t memory_bytes() const noexcept {
    return ptr.capacity() * sizeof(std::int64_t) + col.capacity() * sizeof(std::int32_t) + val.capacity() * sizeof(float);
  }

  unsigned threads = crisiskit::detail::default_threads();

 private:
  std::size_t grain() const noexcept {
    // ~64k non-zeros per worker before a second thread pays off.
    const std::size_t per_row = rows > 0 ? std::max<std::size_t>(1, nnz() / static_cast<std::size_t>(rows)) : 1;
    return std::max<std::size_t>(1, 65536 / per_row);
  }
};

}  // namespace crisiskit::risk
