// A Rosenbrock (order 4) dense-output stepper from Boost.Odeint behind a compiled boundary:
// Boost 1.74's uBLAS, which odeint's rosenbrock4 needs, does not compile as C++20, so the
// stepper lives in src/stiff.cpp (built as C++17) and is driven through this small interface.
#pragma once

#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace ketasim::detail {

class StiffDense {
 public:
  /// f(x, dxdt, t); jac(x, j_row_major, t) fills the n x n Jacobian.
  using Rhs = std::function<void(const double*, double*, double)>;
  using Jac = std::function<void(const double*, double*, double)>;

  StiffDense(double atol, double rtol, Rhs f, Jac jac);
  ~StiffDense();
  StiffDense(const StiffDense&) = delete;
  StiffDense& operator=(const StiffDense&) = delete;

  void initialize(const std::vector<double>& x, double t, double dt);
  /// One adaptive step; returns (t_old, t_new). Throws SolverError when the step cannot adjust.
  std::pair<double, double> step();
  template <class Ignored>
  std::pair<double, double> do_step(const Ignored&) {
    return step();
  }
  void calc_state(double t, std::vector<double>& x) const;
  const std::vector<double>& current_state() const;
  double current_time() const;
  double current_time_step() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ketasim::detail
