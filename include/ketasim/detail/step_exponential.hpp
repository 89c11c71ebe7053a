// Phi = exp(A dt) and Psi = int_0^dt exp(A s) ds for a compiled system's step dt: the Pade
// method when the step is not stiff, the non-negative method (MetzlerExpm) when it is, then a
// mass-balance guard that turns any remaining loss of accuracy into a SolverError.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ketasim/detail/expm.hpp"
#include "ketasim/detail/system.hpp"
#include "ketasim/error.hpp"

namespace ketasim::detail {

/// Largest relative error in the mass balance of a step (the columns of Phi over the mass
/// states summing to 1, those of Psi to dt) that the guard accepts. An accurate step keeps
/// them within (s + 20) n eps: the Pade branch squares at most kPadeMaxSquarings = 4 times,
/// the non-negative branch adds rounding only additively over its s squarings (s <= 1100 even
/// for rates near the largest double), so at most about 2e-12 for n <= 20 states. The losses
/// this guards against were 1e-3 (ka = 1e14) to 1e6 (q2 = 1e17). 1e-10 is 50 times the
/// rounding bound and a millionth of the smallest loss seen.
inline constexpr double kMassBalanceTolerance = 1e-10;

/// The Pade branch serves steps whose 1-norm needs at most this many squarings (|A dt|_1 <=
/// 5.37 x 2^4 = 86): its error grows like 2^s eps, here below 1e-14 a step. Stiffer steps go to the
/// non-negative method, accurate for any ratio of rates and about 3 times slower.
inline constexpr int kPadeMaxSquarings = 4;

/// The mass states are the compartments and the eliminated amount (the first n_mass states).
inline int mass_states(const System& sys) { return sys.layout.eliminated + 1; }

/// The worst relative mass-balance error of (phi, psi) for step dt.
inline double mass_balance_error(const System& sys, const Eigen::MatrixXd& phi,
                                 const Eigen::MatrixXd& psi, double dt) {
  const int nm = mass_states(sys);
  double worst = 0.0;
  for (int j = 0; j < sys.layout.n_compartments; ++j) {
    double sp = 0.0, ss = 0.0;
    for (int i = 0; i < nm; ++i) {
      sp += phi(i, j);
      ss += psi(i, j);
    }
    const double e = std::max(std::abs(sp - 1.0), std::abs(ss - dt) / dt);
    worst = std::isnan(e) ? e : std::max(worst, e);
    if (std::isnan(worst)) break;
  }
  return worst;
}

/// SolverError naming the fastest rates, when (phi, psi) lose more mass than the tolerance.
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_mass_balance(const System& sys,
                                                                     double error, double dt) {
  std::vector<const RateTerm*> r;
  for (const auto& t : sys.rates) r.push_back(&t);
  std::sort(r.begin(), r.end(),
            [](const RateTerm* x, const RateTerm* y) { return x->per_min > y->per_min; });
  std::string fastest;
  for (std::size_t k = 0; k < r.size() && k < 3; ++k)
    fastest += (k ? ", " : "") + std::string(sys.rate_name(*r[k])) + " = " +
               format_value(r[k]->per_min) + " 1/min";
  throw SolverError("simulate: the exact solver lost mass over a step of " + format_value(dt) +
                    " min (relative error " + format_value(error) + " > " +
                    format_value(kMassBalanceTolerance) + "); the fastest rates are " + fastest +
                    "; use method ode_stiff, or merge the compartments they join");
}

/// Throws SolverError unless (phi, psi) conserve mass within kMassBalanceTolerance.
inline void check_mass_balance(const System& sys, const Eigen::MatrixXd& phi,
                               const Eigen::MatrixXd& psi, double dt) {
  const double e = mass_balance_error(sys, phi, psi, dt);
  if (!(e <= kMassBalanceTolerance)) [[unlikely]]
    fail_mass_balance(sys, e, dt);
}

/// Computes (Phi, Psi) for steps of one system; keeps its workspaces between calls.
class StepExponential {
 public:
  /// Allocates the workspaces for n x n systems.
  void resize(Eigen::Index n) {
    pade_.resize(n);
    metzler_.resize(n);
    adt_.resize(n, n);
  }

  /// phi = exp(a dt), psi = int_0^dt exp(a s) ds, checked (sys given) or not (sys null: the
  /// Pade method alone, for a bare matrix).
  void compute(const Eigen::MatrixXd& a, const System* sys, double dt, Eigen::MatrixXd& phi,
               Eigen::MatrixXd& psi) {
    if (sys == nullptr || !stiff(a, dt)) {
      adt_.noalias() = a * dt;
      pade_.compute_with_integral(adt_, dt, phi, psi);
    } else {
      metzler_.compute(a, dt, mass_states(*sys), phi, psi);
    }
    if (sys != nullptr) check_mass_balance(*sys, phi, psi, dt);
  }

 private:
  /// Whether |a dt|_1 needs more than kPadeMaxSquarings squarings in the Pade method.
  static bool stiff(const Eigen::MatrixXd& a, double dt) {
    const double norm = a.cwiseAbs().colwise().sum().maxCoeff() * dt;
    return !(norm <= 5.371920351148152 * std::ldexp(1.0, kPadeMaxSquarings));
  }

  Expm pade_;
  MetzlerExpm<Eigen::MatrixXd> metzler_;
  Eigen::MatrixXd adt_;
};

}  // namespace ketasim::detail
