// Small matrix-vector products for the solvers' inner loops: a kernel unrolled by Eigen for each
// state size up to 16, chosen once per system, and a plain loop beyond.
#pragma once

#include <Eigen/Dense>
#include <utility>

namespace ketasim::detail {

/// y = phi x (+ c): phi n x n column-major. A fixed-size kernel per state size up to 16 (unrolled
/// and vectorised by Eigen), a plain loop beyond.
using MatVecKernel = void (*)(const double* phi, const double* x, const double* c, double* y,
                              Eigen::Index n);

template <int N>
void matvec_fixed(const double* phi, const double* x, const double* c, double* y, Eigen::Index) {
  using Mat = Eigen::Matrix<double, N, N>;
  using Vec = Eigen::Matrix<double, N, 1>;
  Eigen::Map<Vec> out(y);
  out.noalias() = Eigen::Map<const Mat>(phi) * Eigen::Map<const Vec>(x);
  if (c != nullptr) out += Eigen::Map<const Vec>(c);
}

inline void matvec_dynamic(const double* phi, const double* x, const double* c, double* y,
                           Eigen::Index n) {
  for (Eigen::Index i = 0; i < n; ++i) y[i] = c != nullptr ? c[i] : 0.0;
  for (Eigen::Index j = 0; j < n; ++j) {
    const double xj = x[j];
    const double* col = phi + j * n;
    for (Eigen::Index i = 0; i < n; ++i) y[i] += col[i] * xj;
  }
}

template <int... N>
MatVecKernel matvec_kernel_for(Eigen::Index n, std::integer_sequence<int, N...>) {
  MatVecKernel k = matvec_dynamic;
  ((n == N + 1 ? (k = matvec_fixed<N + 1>, 0) : 0), ...);
  return k;
}

/// The fastest y = phi x (+ c) kernel for an n x n phi.
inline MatVecKernel matvec_kernel(Eigen::Index n) {
  return matvec_kernel_for(n, std::make_integer_sequence<int, 16>{});
}

}  // namespace ketasim::detail
