// The exact solver: the linear state with piecewise-constant input is propagated by the matrix
// exponential of the augmented system, one propagator per distinct step length.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>

#include "ketasim/detail/expm.hpp"
#include "ketasim/detail/matvec.hpp"
#include "ketasim/detail/step_exponential.hpp"
#include "ketasim/detail/system.hpp"
#include "ketasim/model.hpp"
#include "ketasim/regimen.hpp"
#include "ketasim/result.hpp"

namespace ketasim {
namespace detail {

/// x(t + dt) = Phi(dt) x(t) + Psi(dt) b with Phi = exp(A dt), Psi = int_0^dt exp(A s) ds, read
/// as the blocks of exp([[A, I], [0, 0]] dt) (computed blockwise, see BasicExpm::
/// compute_with_integral). Keeps the last few (dt, Phi, Psi) so that a uniform grid
/// computes its propagator once, and, for the input in force, c = Psi(dt) b once per step length,
/// so that a step is one small matrix-vector product and a vector sum. Allocates only when the
/// state size changes.
class ExactPropagator {
 public:
  /// Sets the system (invalidates the cache): steps are computed by the method that suits their
  /// stiffness and checked for mass balance, naming the system's fastest rates on failure
  /// (detail/step_exponential.hpp). sys must outlive the propagator's use.
  void reset(const System& sys) {
    reset(sys.a);
    sys_ = &sys;
  }

  /// Sets a bare system matrix (invalidates the cache): Pade steps, no mass-balance check.
  void reset(const Eigen::MatrixXd& a) {
    sys_ = nullptr;
    const Eigen::Index n = a.rows();
    if (n != n_) {
      n_ = n;
      adt_.resize(n, n);
      phi_.resize(n, n);
      psi_.resize(n, n);
      tmp_.resize(n);
      b_.setZero(n);
      expm_.resize(n);
      kernel_ = matvec_padded_kernel(n);
      const Eigen::Index rows = padded_rows(n);
      for (auto& c : cache_) {
        c.phi.setZero(rows, n);
        c.psi.resize(n, n);
        c.c.setZero(rows);
      }
    }
    a_ = a;
    for (auto& c : cache_) c.dt = -1.0;
    next_ = last_ =
        0;  // slot order matters for near-equal steps: a reset propagator has no history
    expm_count_ = 0;
    b_.setZero();
    b_zero_ = true;
    ++input_;
  }

  /// Sets the input rates in force from now on (b_zero: all zero). Cheap when unchanged.
  void set_input(const Eigen::VectorXd& b, bool b_zero) {
    if (b_zero) {
      b_zero_ = true;
      return;
    }
    if (b_zero_ || b != b_) {
      b_ = b;
      ++input_;
    }
    b_zero_ = false;
  }

  /// Advances x by dt >= 0 under the input set by set_input.
  void advance(Eigen::VectorXd& x, double dt) {
    if (dt <= 0.0) return;
    advance_to(x.data(), tmp_.data(), dt);
    x.swap(tmp_);
  }

  /// y = x advanced by dt >= 0 under the input set by set_input; x and y are distinct arrays of
  /// the state size (lets a caller write each output straight into its row of the result).
  void advance_to(const double* x, double* y, double dt) {
    if (dt <= 0.0) {
      std::copy(x, x + n_, y);
      return;
    }
    Entry& e = lookup(dt);
    const double* c = nullptr;
    if (!b_zero_) {
      if (e.input != input_) {
        e.c.head(n_).noalias() = e.psi * b_;
        e.input = input_;
      }
      c = e.c.data();
    }
    kernel_(e.phi.data(), x, c, y, n_);
  }

  /// Advances x by dt >= 0 under input rates b (b_zero: skip the input term).
  void step(Eigen::VectorXd& x, double dt, const Eigen::VectorXd& b, bool b_zero) {
    if (dt <= 0.0) return;
    set_input(b, b_zero);
    advance(x, dt);
  }

  /// Advances x from time t through the output times [first, last) (sorted, >= t) under the
  /// input set by set_input, calling record(i, x) at each: solve_exact's inner loop. For states
  /// of up to 10 the state is held in a fixed-size vector and each step is inlined.
  template <class Record>
  void advance_through(Eigen::VectorXd& x, double t, std::span<const double> times,
                       std::size_t first, std::size_t last, Record& record) {
    switch (n_) {
      case 2:
        return advance_fixed<2>(x, t, times, first, last, record);
      case 3:
        return advance_fixed<3>(x, t, times, first, last, record);
      case 4:
        return advance_fixed<4>(x, t, times, first, last, record);
      case 5:
        return advance_fixed<5>(x, t, times, first, last, record);
      case 6:
        return advance_fixed<6>(x, t, times, first, last, record);
      case 7:
        return advance_fixed<7>(x, t, times, first, last, record);
      case 8:
        return advance_fixed<8>(x, t, times, first, last, record);
      case 9:
        return advance_fixed<9>(x, t, times, first, last, record);
      case 10:
        return advance_fixed<10>(x, t, times, first, last, record);
      default:
        for (std::size_t i = first; i < last; ++i) {
          advance(x, times[i] - t);
          t = times[i];
          record(i, x);
        }
    }
  }

  /// Number of matrix exponentials computed since the last reset (for tests and benchmarks).
  int expm_count() const { return expm_count_; }

 private:
  struct Entry {
    double dt = -1.0;
    Eigen::MatrixXd phi;  ///< padded_rows(n) x n: Phi over zero rows (matvec_padded)
    Eigen::MatrixXd psi;
    Eigen::VectorXd c;  ///< psi * b for the input numbered `input`, padded like phi
    std::uint64_t input = 0;
  };

  /// advance_through for a state of N, Phi and c read as the cache stores them: R =
  /// padded_rows(N) rows (matvec.hpp).
  template <int N, class Record>
  void advance_fixed(Eigen::VectorXd& x, double t, std::span<const double> times, std::size_t first,
                     std::size_t last, Record& record) {
    constexpr int R = N + (N % 2);
    using Acc = Eigen::Matrix<double, R, 1>;
    using Vec = Eigen::Matrix<double, N, 1>;
    Vec y = Eigen::Map<const Vec>(x.data());
    const double* phi = nullptr;
    const double* c = nullptr;
    double step = -1.0;
    for (std::size_t i = first; i < last; ++i) {
      const double dt = times[i] - t;
      if (dt > 0.0) {
        if (dt != step) {
          Entry& e = lookup(dt);
          if (!b_zero_ && e.input != input_) {
            e.c.head(n_).noalias() = e.psi * b_;
            e.input = input_;
          }
          phi = e.phi.data();
          c = b_zero_ ? nullptr : e.c.data();
          step = dt;
        }
        Acc acc;
        acc.noalias() = Eigen::Map<const Eigen::Matrix<double, R, N>>(phi) * y;
        if (c != nullptr) acc += Eigen::Map<const Acc>(c);
        y = acc.template head<N>();
      }
      t = times[i];
      Eigen::Map<Vec>(x.data()) = y;
      record(i, x);
    }
  }

  Entry& lookup(double dt) {
    if (cache_[last_].dt == dt) return cache_[last_];  // a uniform grid: the same step again
    return find_or_compute(dt);
  }

  /// The cached entry for dt (within 1e-12 relative), else a new one computed in the oldest slot.
  [[gnu::noinline]] Entry& find_or_compute(double dt) {
    for (auto& c : cache_)
      if (std::abs(c.dt - dt) <= 1e-12 * dt) {
        last_ = static_cast<std::size_t>(&c - cache_.data());
        return c;
      }
    const Entry& half = cache_[last_];
    const bool doubled = half.dt > 0.0 && std::abs(2.0 * half.dt - dt) <= 1e-12 * dt;
    if (doubled) {
      // Twice the previous step: Phi(2h) = Phi(h)^2, Psi(2h) = Phi(h) Psi(h) + Psi(h), one
      // squaring of the scaling-and-squaring method instead of a new exponential.
      const auto ph = half.phi.topRows(n_);
      phi_.noalias() = ph.lazyProduct(ph);  // coefficient-based: 5-10 states
      psi_.noalias() = ph.lazyProduct(half.psi);
      psi_ += half.psi;
    }
    last_ = next_;
    Entry& c = cache_[next_];
    next_ = (next_ + 1) % cache_.size();
    if (doubled) {
      c.psi = psi_;
    } else {
      expm_.compute(a_, sys_, dt, phi_, c.psi);  // blocks of exp([[A, I], [0, 0]] dt)
    }
    c.phi.topRows(n_) = phi_;  // the padding rows stay zero
    c.dt = dt;
    c.input = 0;
    if (!doubled) ++expm_count_;
    return c;
  }

  Eigen::Index n_ = -1;
  Eigen::MatrixXd a_, adt_, phi_, psi_;
  Eigen::VectorXd tmp_, b_;
  MatVecKernel kernel_ = matvec_dynamic;
  bool b_zero_ = true;
  std::uint64_t input_ = 1;  ///< numbers the distinct inputs seen (0 marks "no c cached")
  std::array<Entry, 4> cache_;
  std::size_t next_ = 0;
  std::size_t last_ = 0;  ///< the entry found by the previous lookup
  int expm_count_ = 0;
  StepExponential expm_;
  const System* sys_ = nullptr;
};

/// Runs the exact solver over a compiled system, recording each output through record(i, x).
template <class Record>
void solve_exact(const System& sys, std::span<const double> times, ExactPropagator& prop,
                 Eigen::VectorXd& x, Eigen::VectorXd& b, Record&& record) {
  x.setZero(sys.layout.size);
  b.setZero(sys.layout.size);
  auto seg = [&](Eigen::VectorXd& s, double t0, double t1, const Eigen::VectorXd& in,
                 std::size_t first, std::size_t last) {
    prop.set_input(in, in.isZero(0.0));
    prop.advance_through(s, t0, times, first, last, record);
    prop.advance(s, t1 - (last > first ? times[last - 1] : t0));
  };
  walk(sys, times, x, 0.0, false, b, seg, record);
}

class ExactEvaluator final : public Evaluator {
 public:
  using Evaluator::Evaluator;
  void states_at(std::span<const double> times, Eigen::MatrixXd& out) const override {
    ExactPropagator prop;
    prop.reset(sys_);
    Eigen::VectorXd x, b;
    out.resize(static_cast<Eigen::Index>(times.size()), sys_.layout.size);
    solve_exact(sys_, times, prop, x, b, [&](std::size_t i, const Eigen::VectorXd& s) {
      out.row(static_cast<Eigen::Index>(i)) = s.transpose();
    });
  }
  void advance(Eigen::VectorXd& x, double t0, double t1) const override {
    ExactPropagator prop;
    prop.reset(sys_);
    Eigen::VectorXd b(sys_.layout.size);
    sys_.rates_at(t0, b);
    prop.step(x, t1 - t0, b, b.isZero(0.0));
  }
  void derivative(const Eigen::VectorXd& x, double t, Eigen::VectorXd& dxdt) const override {
    Eigen::VectorXd b(sys_.layout.size);
    sys_.rates_at(t, b);
    dxdt.noalias() = sys_.a * x;
    dxdt += b;
  }
};

}  // namespace detail

/// Simulates by the exact (matrix-exponential) solver. Throws InvalidInput on bad input.
inline Result simulate_exact(const Model& model, const Regimen& regimen,
                             std::span<const double> times_min) {
  detail::check_times(times_min);
  auto eval = std::make_shared<detail::ExactEvaluator>(detail::compile(model, regimen));
  const auto& sys = eval->system();
  detail::RowMatrix states(static_cast<Eigen::Index>(times_min.size()), sys.layout.size);
  detail::ExactPropagator prop;
  prop.reset(sys);
  const Eigen::Index n = sys.layout.size;
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n), b = Eigen::VectorXd::Zero(n);
  auto row = [&](std::size_t i) { return states.data() + static_cast<Eigen::Index>(i) * n; };
  // Each output is computed straight into its row of the result, from the previous row.
  auto seg = [&](Eigen::VectorXd& s, double t0, double t1, const Eigen::VectorXd& in,
                 std::size_t first, std::size_t last) {
    prop.set_input(in, in.isZero(0.0));
    double t = t0;
    const double* prev = s.data();
    for (std::size_t i = first; i < last; ++i) {
      prop.advance_to(prev, row(i), times_min[i] - t);
      prev = row(i);
      t = times_min[i];
    }
    if (last > first) s = Eigen::Map<const Eigen::VectorXd>(prev, n);
    prop.advance(s, t1 - t);
  };
  detail::walk(sys, times_min, x, 0.0, false, b, seg, [&](std::size_t i, const Eigen::VectorXd& s) {
    std::copy(s.data(), s.data() + n, row(i));
  });
  detail::check_finite_states(sys, times_min, states.data(), "exact");
  return Result::from_states(times_min, std::move(states), std::move(eval),
                             model.compartment_names());
}

}  // namespace ketasim
