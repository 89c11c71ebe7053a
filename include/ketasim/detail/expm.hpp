// Matrix exponential by scaling and squaring with Pade approximants (Higham 2005), with a
// reusable workspace so that repeated calls allocate nothing; for dynamic-size matrices (Expm)
// or, unrolled by Eigen, for a fixed size known at compile time (BasicExpm<Matrix<double, N, N>>).
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>

namespace ketasim::detail {

template <class Mat>
class BasicExpm {
 public:
  explicit BasicExpm(Eigen::Index n = Mat::RowsAtCompileTime > 0 ? Mat::RowsAtCompileTime : 0) {
    resize(n);
  }

  void resize(Eigen::Index n) {
    if (n == n_) return;
    if constexpr (Mat::RowsAtCompileTime > 0) {
      n_ = n;
      return;
    }
    n_ = n;
    a_.resize(n, n);
    a2_.resize(n, n);
    a4_.resize(n, n);
    a6_.resize(n, n);
    a8_.resize(n, n);
    u_.resize(n, n);
    v_.resize(n, n);
    tmp_.resize(n, n);
    lu_ = Eigen::PartialPivLU<Mat>(n);
  }

  /// out = exp(m); m and out are n x n (out must not alias m).
  void compute(const Mat& m, Mat& out) {
    resize(m.rows());
    a_ = m;
    const int s = approximate(m.cwiseAbs().colwise().sum().maxCoeff());
    // r = (V - U)^{-1} (V + U)
    tmp_ = v_ - u_;
    lu_.compute(tmp_);
    tmp_ = v_ + u_;
    out = lu_.solve(tmp_);
    for (int k = 0; k < s; ++k) {
      mul(tmp_, out, out);
      out.swap(tmp_);
    }
  }

  /// The blocks of exp([[m, h I], [0, 0]]) (m = A dt, h = dt): phi = exp(A dt) and
  /// psi = int_0^dt exp(A s) ds, with n x n operations only. Every power of the augmented matrix
  /// is block upper triangular, [[m^k, h m^(k-1)], [0, 0]], so the Pade approximant
  /// (V - U)^{-1} (V + U), U = X u(X^2), has blocks phi = P^{-1} (V11 + U11) and
  /// psi = 2 h P^{-1} u(m^2) with P = V11 - U11; squaring maps (phi, psi) to
  /// (phi^2, phi psi + psi). The same degree and scaling as compute() on the augmented matrix
  /// (its 1-norm is max(|m|_1, h)), in an eighth of the work.
  void compute_with_integral(const Mat& m, double h, Mat& phi, Mat& psi) {
    resize(m.rows());
    a_ = m;
    const int s = approximate(std::max(m.cwiseAbs().colwise().sum().maxCoeff(), h));
    const double hs = std::ldexp(h, -s);
    v_ -= u_;
    lu_.compute(v_);
    v_ += 2.0 * u_;  // back to V + U
    phi = lu_.solve(v_);
    psi = lu_.solve(tmp_);  // tmp_ holds u(a^2) after pade()
    psi *= 2.0 * hs;
    for (int k = 0; k < s; ++k) {
      mul(tmp_, phi, psi);
      psi += tmp_;
      mul(tmp_, phi, phi);
      phi.swap(tmp_);
    }
  }

 private:
  /// dst = l r. Below 16 x 16 the coefficient-based product (no packing into blocks): for the
  /// 5-10 states of a compartment model Eigen's general product path costs more than the
  /// arithmetic.
  static void mul(Mat& dst, const Mat& l, const Mat& r) {
    if (l.rows() <= 16)
      dst.noalias() = l.lazyProduct(r);
    else
      dst.noalias() = l * r;
  }

  /// Chooses the Pade degree for a matrix of 1-norm norm1 held in a_ (scaling a_ by 2^-s when
  /// needed), fills u_, v_ and tmp_ = u(a_^2); returns s.
  int approximate(double norm1) {
    // theta_m from Higham (2005), Table 2.3, for double precision.
    constexpr std::array<double, 5> theta = {1.495585217958292e-2, 2.539398330063230e-1,
                                             9.504178996162932e-1, 2.097847961257068e0,
                                             5.371920351148152e0};
    int s = 0;
    if (norm1 <= theta[0]) {
      pade(3);
    } else if (norm1 <= theta[1]) {
      pade(5);
    } else if (norm1 <= theta[2]) {
      pade(7);
    } else if (norm1 <= theta[3]) {
      pade(9);
    } else {
      s = std::max(0, static_cast<int>(std::ceil(std::log2(norm1 / theta[4]))));
      if (s > 0) a_ *= std::ldexp(1.0, -s);
      pade(13);
    }
    return s;
  }

  void pade(int m) {
    const Eigen::Index n = n_;
    const auto id = Mat::Identity(n, n);
    mul(a2_, a_, a_);
    switch (m) {
      case 3: {
        constexpr double b[] = {120.0, 60.0, 12.0, 1.0};
        tmp_ = b[3] * a2_ + b[1] * id;
        mul(u_, a_, tmp_);
        v_ = b[2] * a2_ + b[0] * id;
        break;
      }
      case 5: {
        constexpr double b[] = {30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0};
        mul(a4_, a2_, a2_);
        tmp_ = b[5] * a4_ + b[3] * a2_ + b[1] * id;
        mul(u_, a_, tmp_);
        v_ = b[4] * a4_ + b[2] * a2_ + b[0] * id;
        break;
      }
      case 7: {
        constexpr double b[] = {17297280.0, 8648640.0, 1995840.0, 277200.0,
                                25200.0,    1512.0,    56.0,      1.0};
        mul(a4_, a2_, a2_);
        mul(a6_, a4_, a2_);
        tmp_ = b[7] * a6_ + b[5] * a4_ + b[3] * a2_ + b[1] * id;
        mul(u_, a_, tmp_);
        v_ = b[6] * a6_ + b[4] * a4_ + b[2] * a2_ + b[0] * id;
        break;
      }
      case 9: {
        constexpr double b[] = {17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0,
                                2162160.0,     110880.0,     3960.0,       90.0,        1.0};
        mul(a4_, a2_, a2_);
        mul(a6_, a4_, a2_);
        mul(a8_, a6_, a2_);
        tmp_ = b[9] * a8_ + b[7] * a6_ + b[5] * a4_ + b[3] * a2_ + b[1] * id;
        mul(u_, a_, tmp_);
        v_ = b[8] * a8_ + b[6] * a6_ + b[4] * a4_ + b[2] * a2_ + b[0] * id;
        break;
      }
      default: {
        constexpr double b[] = {64764752532480000.0,
                                32382376266240000.0,
                                7771770303897600.0,
                                1187353796428800.0,
                                129060195264000.0,
                                10559470521600.0,
                                670442572800.0,
                                33522128640.0,
                                1323241920.0,
                                40840800.0,
                                960960.0,
                                16380.0,
                                182.0,
                                1.0};
        mul(a4_, a2_, a2_);
        mul(a6_, a4_, a2_);
        // U = A [A6 (b13 A6 + b11 A4 + b9 A2) + b7 A6 + b5 A4 + b3 A2 + b1 I]
        a8_ = b[13] * a6_ + b[11] * a4_ + b[9] * a2_;
        mul(tmp_, a6_, a8_);
        tmp_ += b[7] * a6_ + b[5] * a4_ + b[3] * a2_ + b[1] * id;
        mul(u_, a_, tmp_);
        // V = A6 (b12 A6 + b10 A4 + b8 A2) + b6 A6 + b4 A4 + b2 A2 + b0 I
        a8_ = b[12] * a6_ + b[10] * a4_ + b[8] * a2_;
        mul(v_, a6_, a8_);
        v_ += b[6] * a6_ + b[4] * a4_ + b[2] * a2_ + b[0] * id;
        break;
      }
    }
  }

  Eigen::Index n_ = -1;
  Mat a_, a2_, a4_, a6_, a8_, u_, v_, tmp_;
  Eigen::PartialPivLU<Mat> lu_;
};

/// The matrix exponential of dynamic-size matrices.
using Expm = BasicExpm<Eigen::MatrixXd>;

}  // namespace ketasim::detail
