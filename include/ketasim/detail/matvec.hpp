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

/// y = phi x (+ c) for phi stored with an even number of rows R = padded_rows(N) (a zero row
/// under an odd N) and c of length R: every column is whole SIMD packets, so the product is
/// vectorised without a scalar remainder; y gets the N real rows.
template <int N>
void matvec_padded(const double* phi, const double* x, const double* c, double* y, Eigen::Index) {
  constexpr int R = N + (N % 2);
  Eigen::Matrix<double, R, 1> acc;
  acc.noalias() = Eigen::Map<const Eigen::Matrix<double, R, N>>(phi) *
                  Eigen::Map<const Eigen::Matrix<double, N, 1>>(x);
  if (c != nullptr) acc += Eigen::Map<const Eigen::Matrix<double, R, 1>>(c);
  Eigen::Map<Eigen::Matrix<double, N, 1>> out(y);
  out = acc.template head<N>();
}

/// Rows of the padded storage matvec_padded_kernel(n) expects: n rounded up to even up to 16
/// states, n beyond (plain loop).
inline Eigen::Index padded_rows(Eigen::Index n) { return n <= 16 ? n + (n % 2) : n; }

template <int... N>
MatVecKernel matvec_padded_for(Eigen::Index n, std::integer_sequence<int, N...>) {
  MatVecKernel k = matvec_dynamic;
  ((n == N + 1 ? (k = matvec_padded<N + 1>, 0) : 0), ...);
  return k;
}

/// The y = phi x (+ c) kernel for phi stored padded_rows(n) x n (column-major) and c of
/// padded_rows(n) entries.
inline MatVecKernel matvec_padded_kernel(Eigen::Index n) {
  return matvec_padded_for(n, std::make_integer_sequence<int, 16>{});
}

/// The fastest y = phi x (+ c) kernel for an n x n phi.
inline MatVecKernel matvec_kernel(Eigen::Index n) {
  return matvec_kernel_for(n, std::make_integer_sequence<int, 16>{});
}

}  // namespace ketasim::detail
