// Matrix exponential by scaling and squaring with Pade approximants (Higham 2005), with a
// reusable workspace so that repeated calls allocate nothing; for dynamic-size matrices (Expm)
// or, unrolled by Eigen, for a fixed size known at compile time (BasicExpm<Matrix<double, N, N>>).
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

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

/// exp(A dt) and int_0^dt exp(A s) ds for the rate matrix of a compartment model, accurate for
/// any ratio of its rates (1e-3 to 1e300 /min side by side), in non-negative arithmetic only.
///
/// Why Pade scaling and squaring fails there: with a fastest rate k_max the step is halved
/// s = log2(k_max dt) times and the approximant is squared s times. A slow decay e^{-k h} ~ 1 - k h
/// on the scaled step is held only to an absolute error eps (the rounding of numbers near 1, and
/// the subtractions of the Pade formula), and squaring raises that error to the power 2^s: a
/// relative error of about eps k_max dt. With k_max dt = 1e16 the slow part is lost entirely
/// (ka = 1e16 lost the whole dose; q2 = 1e17 multiplied it by 1e6).
///
/// The method here keeps every entry to a small relative error instead:
///  - A is essentially non-negative (off-diagonal rates >= 0), so on the scaled step h
///    exp(A h) = e^{-sigma} exp(B) with B = A h + sigma I >= 0 (sigma = max |a_jj| h <= 1/8),
///    summed by its Taylor series: all terms non-negative, no cancellation (Xue and Ye, "Computing
///    exponentials of essentially non-negative matrices entrywise to high relative accuracy",
///    Math. Comp. 82, 2013). The integral is the upper-right block of exp([[A h, h I], [0, 0]]),
///    whose shifted powers are non-negative too.
///  - The first n_mass states (compartments and the eliminated amount) conserve mass: each of
///    their columns of A sums to zero over them, so each column of exp(A t) sums to one. The
///    diagonal entry of such a column, the one number near 1 whose rounding squaring amplifies,
///    is never formed by rounding near 1: it is set to 1 minus the sum of the column's other mass
///    entries (all non-negative, each held to a relative error). A slow leak of 1e-17 per step
///    then survives all the squarings.
///  - A column with no off-diagonal entry (the eliminated amount, the AUC, the effect site) is
///    exp(a_jj t) e_j exactly, set from std::exp at every level.
///  - Squaring (phi, psi) -> (phi^2, phi psi + psi) adds and multiplies non-negative numbers only.
/// The scaled step is chosen from exponents (no overflow for rates up to the largest double).
template <class Mat>
class MetzlerExpm {
 public:
  /// phi = exp(a dt), psi = int_0^dt exp(a s) ds; a has non-negative off-diagonal entries and
  /// its first n_mass columns sum to zero over its first n_mass rows. Returns the number of
  /// squarings.
  int compute(const Mat& a, double dt, int n_mass, Mat& phi, Mat& psi) {
    const Eigen::Index n = a.rows();
    resize(n);
    double amax = 0.0;
    for (Eigen::Index j = 0; j < n; ++j) amax = std::max(amax, -a(j, j));
    // s: smallest with amax dt 2^-s <= theta, from exponents so that amax dt cannot overflow.
    int s = 0;
    if (amax > 0.0 && dt > 0.0) {
      int ea = 0, ed = 0;
      const double ma = std::frexp(amax, &ea), md = std::frexp(dt, &ed);
      const double x = ma * md;  // in [1/4, 1): amax dt = x 2^(ea + ed)
      s = std::max(0, ea + ed + kThetaExp + (x > 0.5 ? 1 : 0));
      // exact bound: x 2^(ea+ed-s) <= 2^-kThetaExp
    }
    const double h = std::ldexp(dt, -s);
    // Columns with no off-diagonal entry: exp(a_jj t) e_j, set at each level.
    lone_.assign(static_cast<std::size_t>(n), true);
    for (Eigen::Index j = 0; j < n; ++j)
      for (Eigen::Index i = 0; i < n; ++i)
        if (i != j && a(i, j) != 0.0) lone_[static_cast<std::size_t>(j)] = false;
    // B = A h + sigma I >= 0.
    double sigma = 0.0;
    for (Eigen::Index j = 0; j < n; ++j) sigma = std::max(sigma, -a(j, j) * h);
    for (Eigen::Index j = 0; j < n; ++j)
      for (Eigen::Index i = 0; i < n; ++i)
        b_(i, j) = i == j ? std::max(0.0, sigma + a(j, j) * h) : a(i, j) * h;
    // Taylor: T_m = B^m / m!, S_m = (B S_{m-1} + h sigma^{m-1} / (m-1)! I) / m.
    phi.setIdentity(n, n);
    psi.setZero(n, n);
    t_.setIdentity();
    s_.setZero();
    double c = h;  // h sigma^{m-1} / (m-1)!
    for (int m = 1; m <= kMaxTerms; ++m) {
      mul(tmp_, b_, s_);
      tmp_.diagonal().array() += c;
      s_ = tmp_ / m;
      c *= sigma / m;
      mul(tmp_, b_, t_);
      t_ = tmp_ / m;
      phi += t_;
      psi += s_;
      if (m >= 2 && negligible(t_, phi) && negligible(s_, psi)) break;
    }
    const double e = std::exp(-sigma);
    phi *= e;
    psi *= e;
    settle(a, h, n_mass, phi, psi);
    for (int k = 0; k < s; ++k) {
      mul(tmp_, phi, psi);
      psi += tmp_;
      mul(tmp_, phi, phi);
      phi.swap(tmp_);
      settle(a, std::ldexp(h, k + 1), n_mass, phi, psi);
    }
    return s;
  }

  void resize(Eigen::Index n) {
    if (b_.rows() == n) return;
    b_.resize(n, n);
    t_.resize(n, n);
    s_.resize(n, n);
    tmp_.resize(n, n);
  }

 private:
  static constexpr int kThetaExp = 3;  ///< the scaled step has max |a_jj| h <= 2^-3
  static constexpr int kMaxTerms = 40;

  static void mul(Mat& dst, const Mat& l, const Mat& r) {
    if (l.rows() <= 16)
      dst.noalias() = l.lazyProduct(r);
    else
      dst.noalias() = l * r;
  }

  /// term <= eps/4 sum entrywise (and zero where sum is zero).
  static bool negligible(const Mat& term, const Mat& sum) {
    constexpr double tol = 0.25 * std::numeric_limits<double>::epsilon();
    return (term.array() <= tol * sum.array()).all();
  }

  /// Exact columns and conserving diagonals at step length t (see the class comment).
  void settle(const Mat& a, double t, int n_mass, Mat& phi, Mat& psi) const {
    const Eigen::Index n = a.rows();
    for (Eigen::Index j = 0; j < n; ++j) {
      if (lone_[static_cast<std::size_t>(j)]) {
        const double ajj = a(j, j);
        phi.col(j).setZero();
        psi.col(j).setZero();
        phi(j, j) = std::exp(ajj * t);
        psi(j, j) = ajj == 0.0 ? t : -std::expm1(ajj * t) / -ajj;
        continue;
      }
      // Below 1e-3 the diagonal entry (a compartment draining fast) is far from 1: the product
      // holds it to a small relative error, which 1 - (the rest) would lose (measured against
      // 80-digit references: 1e-12 worst relative error on such entries, 1e-13 elsewhere).
      if (j >= n_mass || phi(j, j) < 1e-3) continue;
      double out = 0.0;
      for (Eigen::Index i = 0; i < n_mass; ++i)
        if (i != j) out += phi(i, j);
      phi(j, j) = std::max(0.0, 1.0 - out);
    }
  }

  Mat b_, t_, s_, tmp_;
  std::vector<bool> lone_;
};

}  // namespace ketasim::detail
