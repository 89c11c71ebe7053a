// The ODE solver (Boost.Odeint): adaptive Dormand-Prince with dense output, or Rosenbrock for
// stiff models, integrated between breakpoints; extensible with a nonlinear term.
#pragma once

#include <Eigen/Dense>
#include <boost/numeric/odeint/integrate/integrate_const.hpp>
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <cmath>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "ketasim/detail/matvec.hpp"
#include "ketasim/detail/stiff.hpp"
#include "ketasim/detail/system.hpp"
#include "ketasim/model.hpp"
#include "ketasim/regimen.hpp"
#include "ketasim/result.hpp"

namespace ketasim {

/// Tolerances and limits of the ODE solver. atol is in the state's units (mg for amounts,
/// mg/L for Ce): 1e-9 resolves concentrations far below 1 ng/mL in any physiological volume.
struct OdeOptions {
  double rtol = 1e-8;
  double atol = 1e-9;
  std::size_t max_steps = 1'000'000;  ///< over the whole simulation
  bool stiff = false;                 ///< Rosenbrock (order 4) instead of Dormand-Prince (5)
};

/// The linear model alone. A nonlinear extension is any functor with
///   void operator()(std::span<const double> x, std::span<double> dxdt, double t) const
/// that adds its terms to dxdt (already holding the linear part), x laid out as StateLayout.
/// Example, Michaelis-Menten elimination from compartment c of volume v (L):
///   auto mm = [=](auto x, auto dxdt, double) {
///     const double rate = vmax * (x[c] / v) / (km + x[c] / v);  // mg/min
///     dxdt[c] -= rate; dxdt[layout.eliminated] += rate; };
struct NoExtra {
  static constexpr bool linear = true;
  void operator()(std::span<const double>, std::span<double>, double) const {}
};

namespace detail {

inline void check_ode_options(const OdeOptions& o) {
  KETASIM_CHECK(std::isfinite(o.rtol) && o.rtol > 0.0 && o.rtol < 1.0, "simulate", "rtol",
                "in (0, 1)", o.rtol);
  KETASIM_CHECK(std::isfinite(o.atol) && o.atol > 0.0, "simulate", "atol", "> 0", o.atol);
  KETASIM_CHECK(o.max_steps >= 1, "simulate", "max_steps", ">= 1", o.max_steps);
}

template <class Extra>
constexpr bool is_linear() {
  if constexpr (requires { Extra::linear; })
    return Extra::linear;
  else
    return false;
}

/// Integrates one system with odeint, segment by segment; no step crosses a segment's end.
template <class Extra>
class OdeIntegrator {
 public:
  using vec = std::vector<double>;

  OdeIntegrator(const System& sys, const OdeOptions& opt, const Extra& extra)
      : sys_(sys), opt_(opt), extra_(extra), n_(sys.layout.size), kernel_(matvec_kernel(n_)) {}

  template <class Record>
  void segment(Eigen::VectorXd& x, double t0, double t1, const Eigen::VectorXd& b,
               std::span<const double> times, std::size_t first, std::size_t last,
               Record&& record) {
    b_ = &b;
    if (opt_.stiff)
      run_stiff(x, t0, t1, times, first, last, record);
    else
      run_dopri(x, t0, t1, times, first, last, record);
  }

  void rhs(const double* x, double* dxdt, double t) const {
    kernel_(sys_.a.data(), x, b_->data(), dxdt, n_);  // dxdt = a x + b
    if constexpr (!is_linear<Extra>())
      extra_(std::span<const double>(x, static_cast<std::size_t>(n_)),
             std::span<double>(dxdt, static_cast<std::size_t>(n_)), t);
  }

  const Eigen::VectorXd* b_ = nullptr;

 private:
  void count_step() {
    if (++steps_ > opt_.max_steps)
      throw SolverError(
          "simulate: the ODE solver reached max_steps = " + std::to_string(opt_.max_steps) +
          " (rtol " + format_value(opt_.rtol) + ", atol " + format_value(opt_.atol) +
          "); loosen the tolerances, raise max_steps or use method " +
          (opt_.stiff ? "exact" : "ode_stiff"));
  }

  /// A step whose state is not finite: the method cannot resolve the model's fastest rate
  /// (an explicit step on rates near 1e54 /min and beyond overflows its error estimate).
  template <class State>
  void check_step(const State& s, double t) const {
    double sum = 0.0;
    for (double v : s) sum += v * 0.0;  // NaN when any entry is NaN or inf
    if (sum == 0.0) [[likely]]
      return;
    const RateTerm* fastest = nullptr;
    for (const auto& r : sys_.rates)
      if (fastest == nullptr || r.per_min > fastest->per_min) fastest = &r;
    throw SolverError(std::string("simulate: the ") + (opt_.stiff ? "stiff " : "") +
                      "ODE solver's state became non-finite at " + format_value(t) + " min (rtol " +
                      format_value(opt_.rtol) + ", atol " + format_value(opt_.atol) + ")" +
                      (fastest ? "; the fastest rate is " + std::string(sys_.rate_name(*fastest)) +
                                     " = " + format_value(fastest->per_min) + " 1/min"
                               : std::string()) +
                      "; use method exact" + (opt_.stiff ? "" : " or ode_stiff"));
  }

  template <class Stepper, class State, class System, class Record>
  void drive(Stepper& st, State& s, const System& system, Eigen::VectorXd& x, double t0, double t1,
             std::span<const double> times, std::size_t first, std::size_t last, Record& record) {
    const double span = t1 - t0;
    std::size_t io = first;
    const double eps = 1e-13 * std::max(1.0, std::abs(t1));
    if (span > eps) {
      for (Eigen::Index i = 0; i < n_; ++i) s[static_cast<std::size_t>(i)] = x[i];
      double dt0 = dt_ > 0.0 ? std::min(dt_, span) : std::min(span, 1e-2);
      st.initialize(s, t0, dt0);
      try {
        while (t1 - st.current_time() > eps) {
          const double rem = t1 - st.current_time();
          if (st.current_time_step() > rem)
            st.initialize(st.current_state(), st.current_time(), rem);
          const auto [ta, tb] = st.do_step(system);
          (void)ta;
          count_step();
          check_step(st.current_state(), tb);
          const double hi = (t1 - tb > eps) ? tb : t1;
          while (io < last && times[io] <= hi) {
            std::vector<double>& so = out_;
            st.calc_state(std::min(times[io], tb), so);
            x_tmp_.resize(n_);
            for (Eigen::Index i = 0; i < n_; ++i) x_tmp_[i] = so[static_cast<std::size_t>(i)];
            record(io, x_tmp_);
            ++io;
          }
        }
      } catch (const boost::numeric::odeint::step_adjustment_error& e) {
        throw SolverError(std::string("simulate: the ODE solver failed to adjust its step (") +
                          e.what() + "); try method ode_stiff or looser tolerances");
      }
      dt_ = st.current_time_step();
      const auto& cs = st.current_state();
      for (Eigen::Index i = 0; i < n_; ++i) x[i] = cs[static_cast<std::size_t>(i)];
    } else if (span > 0.0 && b_ != nullptr)
      x += span * *b_;  // a step below the time resolution: its input, to O(span^2)
    for (; io < last; ++io) record(io, x);
  }

  template <class Record>
  void run_dopri(Eigen::VectorXd& x, double t0, double t1, std::span<const double> times,
                 std::size_t first, std::size_t last, Record& record) {
    namespace odeint = boost::numeric::odeint;
    if (!dopri_)
      dopri_ = std::make_unique<Dopri>(
          odeint::make_dense_output(opt_.atol, opt_.rtol, odeint::runge_kutta_dopri5<vec>()));
    s_.resize(static_cast<std::size_t>(n_));
    out_.resize(static_cast<std::size_t>(n_));
    auto system = [this](const vec& xx, vec& dd, double t) { rhs(xx.data(), dd.data(), t); };
    drive(*dopri_, s_, system, x, t0, t1, times, first, last, record);
  }

  template <class Record>
  void run_stiff(Eigen::VectorXd& x, double t0, double t1, std::span<const double> times,
                 std::size_t first, std::size_t last, Record& record) {
    if (!ros_)
      ros_ = std::make_unique<StiffDense>(
          opt_.atol, opt_.rtol, [this](const double* xx, double* dd, double t) { rhs(xx, dd, t); },
          [this](const double* xx, double* j, double t) { jacobian(xx, j, t); });
    s_.resize(static_cast<std::size_t>(n_));
    out_.resize(static_cast<std::size_t>(n_));
    drive(*ros_, s_, 0, x, t0, t1, times, first, last, record);
  }

  /// Row-major Jacobian: the rate matrix, plus forward differences of a nonlinear term.
  void jacobian(const double* xx, double* j, double t) const {
    const std::size_t n = static_cast<std::size_t>(n_);
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t c = 0; c < n; ++c)
        j[r * n + c] = sys_.a(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c));
    if constexpr (!is_linear<Extra>()) {
      std::vector<double> x0(xx, xx + n), f0(n, 0.0), f1(n, 0.0);
      extra_(x0, f0, t);
      for (std::size_t c = 0; c < n; ++c) {
        const double h = 1e-7 * std::max(1e-6, std::abs(x0[c]));
        const double keep = x0[c];
        x0[c] += h;
        std::fill(f1.begin(), f1.end(), 0.0);
        extra_(x0, f1, t);
        x0[c] = keep;
        for (std::size_t r = 0; r < n; ++r) j[r * n + c] += (f1[r] - f0[r]) / h;
      }
    }
  }

  using Dopri = decltype(boost::numeric::odeint::make_dense_output(
      1.0, 1.0, boost::numeric::odeint::runge_kutta_dopri5<vec>()));

  const System& sys_;
  OdeOptions opt_;
  Extra extra_;
  Eigen::Index n_;
  MatVecKernel kernel_;  ///< small fixed-size product for the state size (detail/matvec.hpp)
  std::unique_ptr<Dopri> dopri_;
  std::unique_ptr<StiffDense> ros_;
  vec s_, out_;
  Eigen::VectorXd x_tmp_;
  double dt_ = 0.0;
  std::size_t steps_ = 0;
};

template <class Extra>
void solve_ode(const System& sys, std::span<const double> times, const OdeOptions& opt,
               const Extra& extra, Eigen::VectorXd& x, Eigen::VectorXd& b, auto&& record) {
  x.setZero(sys.layout.size);
  b.setZero(sys.layout.size);
  OdeIntegrator<Extra> integ(sys, opt, extra);
  auto seg = [&](Eigen::VectorXd& s, double t0, double t1, const Eigen::VectorXd& in,
                 std::size_t first,
                 std::size_t last) { integ.segment(s, t0, t1, in, times, first, last, record); };
  walk(sys, times, x, 0.0, false, b, seg, record);
}

template <class Extra>
class OdeEvaluator final : public Evaluator {
 public:
  OdeEvaluator(System sys, const OdeOptions& opt, const Extra& extra)
      : Evaluator(std::move(sys)), opt_(opt), extra_(extra) {}
  void states_at(std::span<const double> times, Eigen::MatrixXd& out) const override {
    Eigen::VectorXd x, b;
    out.resize(static_cast<Eigen::Index>(times.size()), sys_.layout.size);
    solve_ode(sys_, times, opt_, extra_, x, b, [&](std::size_t i, const Eigen::VectorXd& s) {
      out.row(static_cast<Eigen::Index>(i)) = s.transpose();
    });
  }
  void advance(Eigen::VectorXd& x, double t0, double t1) const override {
    Eigen::VectorXd b(sys_.layout.size);
    sys_.rates_at(t0, b);
    OdeIntegrator<Extra> integ(sys_, opt_, extra_);
    integ.segment(x, t0, t1, b, {}, 0, 0, [](std::size_t, const Eigen::VectorXd&) {});
  }
  void derivative(const Eigen::VectorXd& x, double t, Eigen::VectorXd& dxdt) const override {
    Eigen::VectorXd b(sys_.layout.size);
    sys_.rates_at(t, b);
    OdeIntegrator<Extra> integ(sys_, opt_, extra_);
    integ.b_ = &b;
    dxdt.resize(x.size());
    integ.rhs(x.data(), dxdt.data(), t);
  }
  bool linear() const override { return is_linear<Extra>(); }

 private:
  OdeOptions opt_;
  Extra extra_;
};

}  // namespace detail

/// Simulates by the ODE solver, optionally with a nonlinear term added to the linear model.
template <class Extra = NoExtra>
Result simulate_ode(const Model& model, const Regimen& regimen, std::span<const double> times_min,
                    const OdeOptions& options = {}, const Extra& extra = {}) {
  detail::check_times(times_min);
  detail::check_ode_options(options);
  auto eval = std::make_shared<detail::OdeEvaluator<Extra>>(detail::compile(model, regimen),
                                                            options, extra);
  const auto& sys = eval->system();
  detail::RowMatrix states(static_cast<Eigen::Index>(times_min.size()), sys.layout.size);
  Eigen::VectorXd x, b;
  detail::solve_ode(sys, times_min, options, extra, x, b,
                    [&](std::size_t i, const Eigen::VectorXd& s) {
                      states.row(static_cast<Eigen::Index>(i)) = s.transpose();
                    });
  detail::check_finite_states(sys, times_min, states.data(), options.stiff ? "ode_stiff" : "ode");
  return Result::from_states(times_min, std::move(states), std::move(eval),
                             model.compartment_names());
}

}  // namespace ketasim
