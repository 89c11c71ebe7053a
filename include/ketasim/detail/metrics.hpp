// The one metric engine: the highest value and every threshold crossing of a concentration over
// a window, found on the continuous solution (never on the output grid) for onset.hpp, the
// populations and the command line alike.
//
// Between two breakpoints (doses, infusion edges, lag-shifted starts) the state of a linear model
// with constant input is a sum of exponentials. Each such piece is cut into brackets at the scale
// of its fastest time constant: with rho = 2 max |a_ii| (a bound on the spectral radius of a
// compartmental rate matrix, from Gershgorin's column discs), the first 1/rho minutes after the
// piece's start are cut into kStepsPerLevel equal steps, then each doubling of the elapsed time
// [2^(k-1), 2^k] / rho likewise, so that no bracket is longer than 1/8 of the time since the
// piece began (or the fastest time constant over 8 near its start). On each bracket the slope y'
// and the curvature y'' are known exactly from the state (y' = c (A x + b), y'' = c A (A x + b)):
// a sign change of y' brackets an extremum; a sign change of y'' with no sign change of y' is
// refined to the slope's own extremum, which splits a possible pair of extrema. Every extremum is
// refined by Newton's method (Boost.Math, bracketed) on the exact solution; the curve is then
// monotone between consecutive nodes and extrema, so every threshold crossing is bracketed, and
// refined the same way. Instantaneous inputs make jumps: the value at a breakpoint is the one after
// its events, as a sample there reports it, and a jump across a threshold is a crossing at that
// instant.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/tools/roots.hpp>
#include <boost/math/tools/toms748_solve.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "ketasim/detail/system.hpp"
#include "ketasim/exact.hpp"
#include "ketasim/metrics.hpp"
#include "ketasim/result.hpp"

namespace ketasim::detail {

/// One concentration to analyse: y = scale * x[index] (ng/mL), against these thresholds (ng/mL).
struct SeriesSpec {
  int index = 0;
  double scale = 1.0;
  std::span<const double> thresholds = {};
};

/// Steps per doubling of the time since a piece began (a bracket is at most 1/8 of that time).
inline constexpr int kStepsPerLevel = 8;

/// rho = 2 max |a_ii|: every eigenvalue of a compartmental rate matrix (column sums <= 0,
/// off-diagonal entries >= 0) and of the effect-site row lies within |lambda| <= rho.
inline double rate_bound(const Eigen::MatrixXd& a) {
  return 2.0 * a.diagonal().cwiseAbs().maxCoeff();
}

/// The analysis of one window of one solution. A Stepper provides:
/// - set_input(b): the input for the coming piece, in force after its start;
/// - advance(x, t0, dt): march x from t0 by dt, no event inside;
/// - probe(x0, t0, dt, x): the same into x, x0 unchanged (one-off evaluations for the roots);
/// - derivative(x, t_piece, b, dx): dx/dt under the piece's input;
/// - linear(): dx/dt = A x + b exactly, so that y'' = c A dx;
/// - closed_form: the solution is A's exact one, so that probes may sum its Taylor series.
template <class Stepper>
class SeriesAnalysis {
 public:
  SeriesAnalysis(const System& sys, Stepper& st, std::span<const SeriesSpec> specs,
                 std::span<SeriesMetrics> out)
      : sys_(sys),
        st_(st),
        specs_(specs),
        out_(out),
        rho_(rate_bound(sys.a)),
        norm1_(sys.a.cwiseAbs().colwise().sum().maxCoeff()) {
    const auto n = sys.layout.size;
    w_.resize(n, kMaxTaylorTerms + 1);
    x_.setZero(n);
    b_.setZero(n);
    rows_.resize(static_cast<Eigen::Index>(specs.size()), n);
    for (std::size_t k = 0; k < specs.size(); ++k)
      rows_.row(static_cast<Eigen::Index>(k)) = sys.a.row(specs[k].index);
    state_.resize(specs.size());
    for (std::size_t k = 0; k < specs.size(); ++k) {
      out_[k] = SeriesMetrics{};
      out_[k].thresholds.resize(specs[k].thresholds.size());
      state_[k].above.assign(specs[k].thresholds.size(), false);
      state_[k].since.assign(specs[k].thresholds.size(), 0.0);
      for (std::size_t j = 0; j < specs[k].thresholds.size(); ++j)
        out_[k].thresholds[j].threshold_ng_ml = specs[k].thresholds[j];
    }
  }

  /// Analyses [t_first, t_last] (0 <= t_first <= t_last) from a zero state at t = 0.
  void run(double t_first, double t_last) {
    const auto& bps = sys_.breakpoints;
    std::size_t ib = 0, ii = 0;
    double t = 0.0;
    bool started = false;
    for (;;) {
      // Events at t: x_ becomes the state after them.
      for (; ii < sys_.instants.size() && sys_.instants[ii].time <= t; ++ii)
        x_[sys_.instants[ii].state] += sys_.instants[ii].amount;
      while (ib < bps.size() && bps[ib] <= t) ++ib;
      const double p1 = ib < bps.size() ? bps[ib] : std::numeric_limits<double>::infinity();
      sys_.rates_at(t, b_);
      st_.set_input(b_);
      if (t >= t_first) {
        node(t, x_, !started);  // the value after the events at t, as a sample there sees it
        started = true;
        if (t >= t_last) break;
      }
      if (p1 <= t_first) {  // before the window: one step to the next breakpoint
        st_.advance(x_, t, p1 - t);
        t = p1;
        continue;
      }
      piece(t, p1, std::max(t, t_first), std::min(p1, t_last), started);
      started = true;
      if (p1 > t_last) break;
      t = p1;  // x_ is the state just before the events at p1
    }
    finish(t_last);
  }

 private:
  struct Running {
    std::vector<bool> above;
    std::vector<double> since;
  };

  /// The piece that starts at p0 (x_ the state after its events) and ends at p1 (the next
  /// breakpoint, or infinity), analysed over [a, e] within it. Leaves x_ at e, before e's events.
  void piece(double p0, double p1, double a, double e, bool started) {
    const double ea = e - p0;
    const double len = std::isfinite(p1) ? p1 - p0 : ea;
    double h0 = rho_ > 0.0 ? 1.0 / rho_ : len;
    if (!(h0 < len)) h0 = len;
    double s = 0.0;
    if (a > p0) {  // the window opens inside this piece
      s = a - p0;
      st_.advance(x_, p0, s);
      node(a, x_, !started);
    }
    prev_x_ = x_;
    prev_s_ = s;
    st_.derivative(prev_x_, p0, b_, prev_d_);
    terms_ = 0;
    // Level 0 is [0, h0]; level k >= 1 is [h0 2^(k-1), h0 2^k]: each in kStepsPerLevel equal
    // steps, so that a level's step is exactly twice the previous one's.
    double level_start = 0.0, level_len = h0;
    while (s < ea) {
      double level_end = level_start + level_len;
      double step = level_len / kStepsPerLevel;
      if (level_end >= ea * (1.0 - 1e-12)) {  // the last level: equal steps ending at ea
        const double n = std::max(1.0, std::ceil((ea - level_start) / step - 1e-9));
        step = (ea - level_start) / n;
        level_end = ea;
      }
      if (s < level_end) {
        double j = std::floor((s - level_start) / step) + 1.0;
        for (;;) {
          double next = level_start + j * step;
          if (next <= s) {
            j += 1.0;
            continue;
          }
          if (next >= level_end * (1.0 - 1e-14)) next = level_end;
          const double dt = next - s;
          // Regular steps are exactly `step` long, so the propagator reuses (or doubles) them.
          st_.advance(x_, p0 + s, std::abs(dt - step) <= 1e-12 * step ? step : dt);
          interval(p0, next);
          s = next;
          if (next >= level_end) break;
          j += 1.0;
        }
      }
      level_start = level_end;
      level_len = level_start;  // the next level doubles the time since p0
    }
  }

  /// Value of series k for state x.
  double value(std::size_t k, const Eigen::VectorXd& x) const {
    return specs_[k].scale * x[specs_[k].index];
  }

  /// The bracket [prev_s_, s] of the piece starting at p0, state x_ at its end.
  void interval(double p0, double s) {
    st_.derivative(x_, p0, b_, cur_d_);
    for (std::size_t k = 0; k < specs_.size(); ++k) {
      const double sc = specs_[k].scale;
      const int idx = specs_[k].index;
      const double ya = value(k, prev_x_), yb = value(k, x_);
      const double ga = sc * prev_d_[idx], gb = sc * cur_d_[idx];
      double ext[2];
      int n_ext = 0;
      if ((ga > 0.0 && gb < 0.0) || (ga < 0.0 && gb > 0.0)) {
        ext[n_ext++] = slope_root(k, p0, prev_s_, s, ga, gb);
      } else if (st_.linear() && ga * gb > 0.0) {
        const double ca = sc * rows_.row(static_cast<Eigen::Index>(k)).dot(prev_d_);
        const double cb = sc * rows_.row(static_cast<Eigen::Index>(k)).dot(cur_d_);
        // The slope has an extremum inside when the curvature changes sign. Only a minimum of a
        // positive slope (curvature - to +) or a maximum of a negative one (+ to -) can cross
        // zero: then the slope changes sign twice, two extrema. The other way round the slope's
        // extremum lies beyond its values at both ends, which have the same sign.
        if ((ga > 0.0 && ca < 0.0 && cb > 0.0) || (ga < 0.0 && ca > 0.0 && cb < 0.0)) {
          const double c = curvature_root(k, p0, prev_s_, s, ca, cb);
          const double gc = slope_at(k, p0, c);
          if ((gc > 0.0) != (ga > 0.0) && gc != 0.0) {
            ext[n_ext++] = slope_root(k, p0, prev_s_, c, ga, gc);
            ext[n_ext++] = slope_root(k, p0, c, s, gc, gb);
          }
        }
      }
      // Monotone parts between the ends and the extrema.
      double us[4], fs[4];
      int np = 0;
      us[np] = prev_s_;
      fs[np++] = ya;
      for (int j = 0; j < n_ext; ++j) {
        if (!(ext[j] > us[np - 1] && ext[j] < s)) continue;
        us[np] = ext[j];
        fs[np++] = value_at(k, p0, ext[j]);
        consider_max(k, fs[np - 1], p0 + ext[j]);
      }
      us[np] = s;
      fs[np++] = yb;
      for (std::size_t j = 0; j < specs_[k].thresholds.size(); ++j) {
        const double thr = specs_[k].thresholds[j];
        for (int q = 0; q + 1 < np; ++q) {
          const bool up = fs[q + 1] >= thr;
          if (state_[k].above[j] == up) continue;
          cross(k, j, p0 + level_root(k, p0, us[q], us[q + 1], fs[q] - thr, fs[q + 1] - thr, thr),
                up);
        }
      }
      consider_max(k, yb, p0 + s);
    }
    prev_x_ = x_;
    prev_s_ = s;
    prev_d_ = cur_d_;
    terms_ = 0;
  }

  /// A node at time t (x after the events at t): a jump from the value just before t is a
  /// crossing at t; the first node opens the window.
  void node(double t, const Eigen::VectorXd& x, bool first) {
    for (std::size_t k = 0; k < specs_.size(); ++k) {
      const double y = value(k, x);
      consider_max(k, y, t);
      for (std::size_t j = 0; j < specs_[k].thresholds.size(); ++j) {
        const bool up = y >= specs_[k].thresholds[j];
        if (first) {
          state_[k].above[j] = false;
          if (up) cross(k, j, t, true);
        } else if (state_[k].above[j] != up) {
          cross(k, j, t, up);
        }
      }
    }
  }

  void consider_max(std::size_t k, double y, double t) {
    auto& m = out_[k];
    if (y > m.max_ng_ml) {
      m.max_ng_ml = y;
      m.t_max_min = t;
    }
  }

  void cross(std::size_t k, std::size_t j, double t, bool up) {
    auto& th = out_[k].thresholds[j];
    auto& run = state_[k];
    if (up) {
      run.since[j] = t;
      if (!th.onset_min) th.onset_min = t;
      ++th.episodes;
    } else {
      th.time_above_min += t - run.since[j];
      if (th.onset_min && !th.offset_min) th.offset_min = t;
    }
    run.above[j] = up;
  }

  void finish(double t_last) {
    for (std::size_t k = 0; k < specs_.size(); ++k)
      for (std::size_t j = 0; j < specs_[k].thresholds.size(); ++j)
        if (state_[k].above[j]) out_[k].thresholds[j].time_above_min += t_last - state_[k].since[j];
  }

  // ---- evaluations inside the current bracket, from its start state (prev_x_ at prev_s_) ----

  /// px_, pd_: the state and its derivative at s. On the exact solution, a point within
  /// 1 / |A|_1 of the bracket's start is summed from the Taylor series there (below); beyond,
  /// or on another solution, the stepper steps to it.
  void probe(double p0, double s) {
    const double d = s - prev_s_;
    if constexpr (Stepper::closed_form) {
      if (norm1_ * d <= 1.0) {
        taylor(d);
        return;
      }
    }
    st_.probe(prev_x_, p0 + prev_s_, d, px_);
    st_.derivative(px_, p0, b_, pd_);
  }
  double value_at(std::size_t k, double p0, double s) {
    if (s == prev_s_) return value(k, prev_x_);
    probe(p0, s);
    return value(k, px_);
  }

  /// The exact solution d after the bracket's start x0 under constant input b:
  ///   x(d) = x0 + sum_{k>=1} d^k / k! w_{k-1},  x'(d) = sum_{k>=0} d^k / k! w_k,
  /// with w_0 = A x0 + b (prev_d_) and w_k = A w_{k-1}, built once per bracket as probes need
  /// them. With |A|_1 d <= 1 the k-th term is at most |w_0|_1 d^k |A|_1^k / k! <= |w_0|_1 / k!:
  /// the sum stops once that bound, relative to |w_0|_1 d (the scale of the increment), is below
  /// 1e-17, and no term is larger than the first (no cancellation beyond a factor e).
  void taylor(double d) {
    px_ = prev_x_;
    pd_ = prev_d_;
    const double r = norm1_ * d;
    double c = 1.0, bound = 1.0;  // c = d^k / k!, bound = r^k / k!
    for (int k = 1; k <= kMaxTaylorTerms; ++k) {
      c *= d / k;
      bound *= r / k;
      while (terms_ < k + 1) {  // w_k
        if (terms_ == 0) {
          w_.col(0) = prev_d_;
        } else {
          w_.col(terms_).noalias() = sys_.a * w_.col(terms_ - 1);
        }
        ++terms_;
      }
      px_.noalias() += c * w_.col(k - 1);
      pd_.noalias() += c * w_.col(k);
      if (bound <= 1e-17) break;
    }
  }
  double slope_at(std::size_t k, double p0, double s) {
    probe(p0, s);
    return specs_[k].scale * pd_[specs_[k].index];
  }

  /// Root in [u, v] of a function with values fu, fv of opposite signs, by Newton's method
  /// (Boost.Math, bracketed) when fd gives the derivative, else TOMS 748.
  template <class F>
  static double bracketed_root(F&& f_and_df, double u, double v, double fu, double fv,
                               bool newton) {
    if (fu == 0.0) return u;
    if (fv == 0.0) return v;
    if (newton) {
      const double guess = u + (v - u) * fu / (fu - fv);
      std::uintmax_t iters = 100;
      return boost::math::tools::newton_raphson_iterate(
          [&](double s) {
            auto [f, df] = f_and_df(s);
            return std::make_tuple(f, df);
          },
          std::clamp(guess, u, v), u, v, 50, iters);
    }
    std::uintmax_t iters = 200;
    boost::math::tools::eps_tolerance<double> tol(50);
    auto [lo, hi] = boost::math::tools::toms748_solve(
        [&](double s) { return std::get<0>(f_and_df(s)); }, u, v, fu, fv, tol, iters);
    return 0.5 * (lo + hi);
  }

  /// Zero of the slope (an extremum) in [u, v].
  double slope_root(std::size_t k, double p0, double u, double v, double gu, double gv) {
    const double sc = specs_[k].scale;
    const int idx = specs_[k].index;
    const auto row = rows_.row(static_cast<Eigen::Index>(k));
    return bracketed_root(
        [&](double s) {
          probe(p0, s);
          return std::pair<double, double>(sc * pd_[idx], sc * row.dot(pd_));
        },
        u, v, gu, gv, st_.linear());
  }

  /// Zero of the curvature (the slope's extremum) in [u, v], by TOMS 748.
  double curvature_root(std::size_t k, double p0, double u, double v, double cu, double cv) {
    const double sc = specs_[k].scale;
    const auto row = rows_.row(static_cast<Eigen::Index>(k));
    return bracketed_root(
        [&](double s) {
          probe(p0, s);
          return std::pair<double, double>(sc * row.dot(pd_), 0.0);
        },
        u, v, cu, cv, false);
  }

  /// Time in [u, v] at which series k equals thr (fu, fv: values less thr at the ends).
  double level_root(std::size_t k, double p0, double u, double v, double fu, double fv,
                    double thr) {
    if ((fu < 0.0) == (fv < 0.0)) return u;  // already on the far side at u (rounding)
    const double sc = specs_[k].scale;
    const int idx = specs_[k].index;
    return bracketed_root(
        [&](double s) {
          probe(p0, s);
          return std::pair<double, double>(sc * px_[idx] - thr, sc * pd_[idx]);
        },
        u, v, fu, fv, true);
  }

  const System& sys_;
  Stepper& st_;
  std::span<const SeriesSpec> specs_;
  std::span<SeriesMetrics> out_;
  double rho_;
  double norm1_;          ///< |A|_1: Taylor probes reach 1 / norm1_ from a bracket's start
  Eigen::MatrixXd rows_;  ///< row `index` of A for each series
  static constexpr int kMaxTaylorTerms = 24;  ///< 1 / 24! < 1e-23: never reached
  Eigen::MatrixXd w_;  ///< w_k = A^k (A x0 + b) for the current bracket, k < terms_
  int terms_ = 0;
  std::vector<Running> state_;
  Eigen::VectorXd x_, b_, prev_x_, prev_d_, cur_d_, px_, pd_;
  double prev_s_ = 0.0;
};

/// Steps the exact solution: one propagator marches along the brackets (their regular lengths
/// hit its cache, or are doubled from it by one squaring), another serves the root finders.
struct ExactStepper {
  ExactPropagator& march;
  ExactPropagator& probe_prop;
  const Eigen::MatrixXd& a;
  void set_input(const Eigen::VectorXd& b) {
    const bool zero = b.isZero(0.0);
    march.set_input(b, zero);
    probe_prop.set_input(b, zero);
  }
  void advance(Eigen::VectorXd& x, double, double dt) { march.advance(x, dt); }
  void probe(const Eigen::VectorXd& x0, double, double dt, Eigen::VectorXd& x) {
    x = x0;
    probe_prop.advance(x, dt);
  }
  void derivative(const Eigen::VectorXd& x, double, const Eigen::VectorXd& b,
                  Eigen::VectorXd& d) const {
    d.noalias() = a * x;
    d += b;
  }
  static constexpr bool linear() { return true; }
  static constexpr bool closed_form = true;  ///< dx/dt = A x + b solved exactly: Taylor probes
};

/// Steps any continuous solution through its Evaluator (the ODE solver's, nonlinear or not).
struct EvaluatorStepper {
  const Evaluator& ev;
  void set_input(const Eigen::VectorXd&) {}
  void advance(Eigen::VectorXd& x, double t0, double dt) const { ev.advance(x, t0, t0 + dt); }
  void probe(const Eigen::VectorXd& x0, double t0, double dt, Eigen::VectorXd& x) const {
    x = x0;
    ev.advance(x, t0, t0 + dt);
  }
  void derivative(const Eigen::VectorXd& x, double t_piece, const Eigen::VectorXd&,
                  Eigen::VectorXd& d) const {
    ev.derivative(x, t_piece, d);
  }
  bool linear() const { return ev.linear(); }
  static constexpr bool closed_form = false;  ///< the solver's own solution, stepped to
};

/// Runs the analysis of specs over [t_first, t_last] of sys with the given stepper.
template <class Stepper>
void analyse_series(const System& sys, Stepper& st, double t_first, double t_last,
                    std::span<const SeriesSpec> specs, std::span<SeriesMetrics> out) {
  SeriesAnalysis<Stepper> a(sys, st, specs, out);
  a.run(t_first, t_last);
}

}  // namespace ketasim::detail
