// The compiled part of ketasim: odeint's rosenbrock4 dense-output stepper, built as C++17
// because Boost 1.74's uBLAS (which rosenbrock4 requires) does not compile as C++20.
#include "ketasim/detail/stiff.hpp"

#include <boost/numeric/odeint.hpp>
#include <string>

#include "ketasim/error.hpp"

namespace ketasim::detail {

namespace odeint = boost::numeric::odeint;
using uvec = boost::numeric::ublas::vector<double>;
using umat = boost::numeric::ublas::matrix<double>;
using Dense =
    odeint::rosenbrock4_dense_output<odeint::rosenbrock4_controller<odeint::rosenbrock4<double>>>;

struct StiffDense::Impl {
  Impl(double atol, double rtol, Rhs f_, Jac jac_)
      : dense(odeint::make_dense_output(atol, rtol, odeint::rosenbrock4<double>())),
        f(std::move(f_)),
        jac(std::move(jac_)) {}
  Dense dense;
  Rhs f;
  Jac jac;
  std::vector<double> jbuf;
  mutable std::vector<double> cur;
  mutable uvec tmp;
};

StiffDense::StiffDense(double atol, double rtol, Rhs f, Jac jac)
    : impl_(std::make_unique<Impl>(atol, rtol, std::move(f), std::move(jac))) {}

StiffDense::~StiffDense() = default;

void StiffDense::initialize(const std::vector<double>& x, double t, double dt) {
  uvec u(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) u[i] = x[i];
  impl_->dense.initialize(u, t, dt);
}

std::pair<double, double> StiffDense::step() {
  Impl& m = *impl_;
  auto sys = [&m](const uvec& x, uvec& dxdt, double t) { m.f(&x.data()[0], &dxdt.data()[0], t); };
  auto jac = [&m](const uvec& x, umat& j, double t, uvec& dfdt) {
    const std::size_t n = x.size();
    m.jbuf.assign(n * n, 0.0);
    m.jac(&x.data()[0], m.jbuf.data(), t);
    for (std::size_t r = 0; r < n; ++r) {
      dfdt[r] = 0.0;
      for (std::size_t c = 0; c < n; ++c) j(r, c) = m.jbuf[r * n + c];
    }
  };
  try {
    return m.dense.do_step(std::make_pair(sys, jac));
  } catch (const odeint::step_adjustment_error& e) {
    throw SolverError(std::string("simulate: the stiff ODE solver failed to adjust its step (") +
                      e.what() + ")");
  }
}

void StiffDense::calc_state(double t, std::vector<double>& x) const {
  Impl& m = *impl_;
  m.tmp.resize(x.size());
  m.dense.calc_state(t, m.tmp);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = m.tmp[i];
}

const std::vector<double>& StiffDense::current_state() const {
  const uvec& u = impl_->dense.current_state();
  impl_->cur.assign(u.begin(), u.end());
  return impl_->cur;
}

double StiffDense::current_time() const { return impl_->dense.current_time(); }

double StiffDense::current_time_step() const { return impl_->dense.current_time_step(); }

}  // namespace ketasim::detail
