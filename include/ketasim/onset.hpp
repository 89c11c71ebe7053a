// Onset metrics from a result, on the continuous solution rather than the sample grid: Cmax and
// Tmax, AUC, the time a concentration first reaches a threshold and falls back, time above it.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/tools/toms748_solve.hpp>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "ketasim/error.hpp"
#include "ketasim/result.hpp"

namespace ketasim {

/// Which concentration a metric is about.
enum class Series { cp, ce };

struct Peak {
  double c_ng_ml = 0.0;  ///< the highest concentration over the simulated window
  double t_min = 0.0;    ///< when it is first reached
};

/// What a teacher asks of an onset curve. Cmax/Tmax/AUC are of Cp; the threshold metrics are of
/// the chosen series (Ce by default). Times are absolute (min from t = 0).
struct OnsetMetrics {
  Series series = Series::ce;
  double threshold_ng_ml = 0.0;
  double cmax_ng_ml = 0.0;             ///< Cp peak
  double tmax_min = 0.0;               ///< time of the Cp peak
  std::optional<double> ce_max_ng_ml;  ///< Ce peak (with an effect site)
  std::optional<double> ce_tmax_min;
  double auc_ng_min_ml = 0.0;          ///< AUC of Cp over the window (first to last output time)
  std::optional<double> t_onset_min;   ///< first time the series reaches the threshold
  std::optional<double> t_offset_min;  ///< first time after onset it falls back below it
  double time_above_min = 0.0;         ///< total time at or above the threshold in the window
};

namespace detail {

/// The solution at the sample times and every breakpoint inside the window, with the
/// derivative available on each smooth piece between them.
class Curve {
 public:
  static constexpr double kLongGapMin = 10.0;
  Curve(const Result& r, Series s) : ev_(*r.evaluator()) {
    const auto& sys = ev_.system();
    const auto& lay = sys.layout;
    if (s == Series::cp) {
      idx_ = sys.plasma;
      scale_ = 1000.0 / sys.plasma_volume_l;
    } else {
      KETASIM_CHECK(lay.effect >= 0, "onset", "ke0",
                    "set for Ce metrics: give the model a ke0 (set_effect_site(ke0_per_min); for "
                    "a catalogue model ke0_per_min or a literature value such as ke0 = "
                    "sleigh2019), or use series cp",
                    "none");
      idx_ = lay.effect;
      scale_ = 1000.0;
    }
    const auto& t = r.time_min();
    t0_ = t.front();
    t1_ = t.back();
    pts_.assign(t.begin(), t.end());
    for (double b : sys.breakpoints)
      if (b > t0_ && b < t1_) pts_.push_back(b);
    std::sort(pts_.begin(), pts_.end());
    pts_.erase(std::unique(pts_.begin(), pts_.end()), pts_.end());
    // Sparse grids: a long gap may hold a peak and a decay to a slope that underflows to zero,
    // which no sign test on its two ends can see. Split such gaps geometrically from their start
    // (0.1, 0.2, 0.4, ... min), so each part holds at most one extremum of these sums of
    // exponentials in practice; regular grids are left untouched.
    const std::size_t n0 = pts_.size();
    for (std::size_t k = 0; k + 1 < n0; ++k) {
      const double a = pts_[k], gap = pts_[k + 1] - a;
      if (gap <= kLongGapMin) continue;
      for (double h = 0.1; h < gap * (1.0 - 1e-9); h *= 2.0) pts_.push_back(a + h);
    }
    if (pts_.size() != n0) std::sort(pts_.begin(), pts_.end());
    ev_.states_at(pts_, states_);
  }

  std::size_t n() const { return pts_.size(); }
  double t(std::size_t k) const { return pts_[k]; }
  /// Value just after point k (events at it applied).
  double post(std::size_t k) const { return scale_ * states_(static_cast<Eigen::Index>(k), idx_); }
  /// State just before point k (k >= 1): the post state less the instants at that time.
  void pre_state(std::size_t k, Eigen::VectorXd& x) const {
    x = states_.row(static_cast<Eigen::Index>(k)).transpose();
    for (const auto& in : ev_.system().instants)
      if (in.time == pts_[k]) x[in.state] -= in.amount;
  }
  double value(const Eigen::VectorXd& x) const { return scale_ * x[idx_]; }
  /// d(series)/dt for state x on the piece starting at point k.
  double slope(const Eigen::VectorXd& x, std::size_t k) const {
    ev_.derivative(x, pts_[k], d_);
    return scale_ * d_[idx_];
  }
  /// Value and state at time tt inside piece k.
  double at(std::size_t k, double tt, Eigen::VectorXd& x) const {
    x = states_.row(static_cast<Eigen::Index>(k)).transpose();
    ev_.advance(x, pts_[k], tt);
    return value(x);
  }
  const Eigen::MatrixXd& states() const { return states_; }

  /// Root of fn on [a, b] where fn changes sign (fn(a), fn(b) given).
  template <class F>
  static double root(F&& fn, double a, double b, double fa, double fb) {
    if (fa == 0.0) return a;
    if (fb == 0.0) return b;
    std::uintmax_t iters = 200;
    boost::math::tools::eps_tolerance<double> tol(48);
    auto [lo, hi] = boost::math::tools::toms748_solve(fn, a, b, fa, fb, tol, iters);
    return 0.5 * (lo + hi);
  }

  /// Interior extremum of piece k, if the slope changes sign over it.
  std::optional<double> extremum(std::size_t k, double ga, double gb) const {
    if (!((ga > 0.0 && gb <= 0.0) || (ga < 0.0 && gb >= 0.0))) return std::nullopt;
    Eigen::VectorXd x;
    auto g = [&](double tt) {
      at(k, tt, x);
      return slope(x, k);
    };
    return root(g, pts_[k], pts_[k + 1], ga, gb);
  }

 private:
  const Evaluator& ev_;
  int idx_ = 0;
  double scale_ = 1.0, t0_ = 0.0, t1_ = 0.0;
  std::vector<double> pts_;
  Eigen::MatrixXd states_;
  mutable Eigen::VectorXd d_;
};

inline Peak peak_of(const Curve& c) {
  Peak p{c.post(0), c.t(0)};
  Eigen::VectorXd xb, xe;
  for (std::size_t k = 0; k + 1 < c.n(); ++k) {
    const Eigen::VectorXd xa = c.states().row(static_cast<Eigen::Index>(k)).transpose();
    c.pre_state(k + 1, xb);
    const double ga = c.slope(xa, k), gb = c.slope(xb, k);
    if (auto e = c.extremum(k, ga, gb); e && ga > 0.0) {
      const double v = c.at(k, *e, xe);
      if (v > p.c_ng_ml) p = {v, *e};
    }
    const double vb = c.post(k + 1);
    if (vb > p.c_ng_ml) p = {vb, c.t(k + 1)};
  }
  return p;
}

}  // namespace detail

/// The highest Cp (or Ce) over the simulated window and when it is reached, refined between
/// samples by root finding on the derivative.
inline Peak peak(const Result& r, Series series = Series::cp) {
  KETASIM_CHECK(r.evaluator() != nullptr, "peak", "result", "simulated", "empty");
  return detail::peak_of(detail::Curve(r, series));
}

/// Exact AUC of Cp between t0_min and t1_min (within or beyond the sampled times), ng x min/mL.
inline double auc_ng_min_ml(const Result& r, double t0_min, double t1_min) {
  KETASIM_CHECK(r.evaluator() != nullptr, "auc", "result", "simulated", "empty");
  KETASIM_CHECK(std::isfinite(t0_min) && t0_min >= 0.0, "auc", "t0_min", ">= 0 min", t0_min, "min");
  KETASIM_CHECK(std::isfinite(t1_min) && t1_min >= t0_min, "auc", "t1_min",
                ">= t0_min (" + detail::format_value(t0_min) + ")", t1_min, "min");
  const double ts[2] = {t0_min, t1_min};
  Eigen::MatrixXd s;
  r.evaluator()->states_at(ts, s);
  const int j = r.layout().auc;
  return 1000.0 * (s(1, j) - s(0, j));
}

/// Onset metrics of a result for a concentration threshold (ng/mL); threshold metrics on Ce by
/// default (the model needs an effect site), or on Cp with series = Series::cp.
inline OnsetMetrics onset(const Result& r, double threshold_ng_ml, Series series = Series::ce) {
  KETASIM_CHECK(r.evaluator() != nullptr, "onset", "result", "simulated", "empty");
  KETASIM_CHECK(std::isfinite(threshold_ng_ml) && threshold_ng_ml > 0.0, "onset", "threshold_ng_ml",
                "> 0 ng/mL", threshold_ng_ml, "ng/mL");
  OnsetMetrics m;
  m.series = series;
  m.threshold_ng_ml = threshold_ng_ml;
  const detail::Curve cp(r, Series::cp);
  const Peak pc = detail::peak_of(cp);
  m.cmax_ng_ml = pc.c_ng_ml;
  m.tmax_min = pc.t_min;
  const int ja = r.layout().auc;
  m.auc_ng_min_ml =
      1000.0 * (cp.states()(static_cast<Eigen::Index>(cp.n() - 1), ja) - cp.states()(0, ja));
  std::optional<detail::Curve> ce_curve;
  if (r.has_effect_site()) {
    ce_curve.emplace(r, Series::ce);
    const Peak pe = detail::peak_of(*ce_curve);
    m.ce_max_ng_ml = pe.c_ng_ml;
    m.ce_tmax_min = pe.t_min;
  }
  if (series == Series::ce && !ce_curve) detail::Curve(r, Series::ce);  // throws naming ke0
  const detail::Curve& c = series == Series::cp ? cp : *ce_curve;

  const double thr = threshold_ng_ml;
  bool above = c.post(0) >= thr;
  double since = c.t(0);
  if (above) m.t_onset_min = c.t(0);
  auto cross = [&](double tt, bool up) {
    if (up) {
      since = tt;
      if (!m.t_onset_min) m.t_onset_min = tt;
    } else {
      m.time_above_min += tt - since;
      if (m.t_onset_min && !m.t_offset_min) m.t_offset_min = tt;
    }
    above = up;
  };
  Eigen::VectorXd xb, xe;
  for (std::size_t k = 0; k + 1 < c.n(); ++k) {
    const Eigen::VectorXd xa = c.states().row(static_cast<Eigen::Index>(k)).transpose();
    c.pre_state(k + 1, xb);
    const double ga = c.slope(xa, k), gb = c.slope(xb, k);
    // Split the piece at its extremum into monotone parts.
    double us[3] = {c.t(k), 0.0, c.t(k + 1)};
    double fs[3] = {c.value(xa), 0.0, c.value(xb)};
    int np = 2;
    if (auto e = c.extremum(k, ga, gb)) {
      us[1] = *e;
      fs[1] = c.at(k, *e, xe);
      np = 3;
    } else {
      us[1] = us[2];
      fs[1] = fs[2];
    }
    for (int j = 0; j + 1 < np; ++j) {
      const double fu = fs[j], fv = fs[j + 1];
      if (above == (fv >= thr)) continue;
      Eigen::VectorXd x;
      auto g = [&](double tt) { return c.at(k, tt, x) - thr; };
      cross(detail::Curve::root(g, us[j], us[j + 1], fu - thr, fv - thr), !above);
    }
    const double post = c.post(k + 1);
    if (above != (post >= thr)) cross(c.t(k + 1), !above);
  }
  if (above) m.time_above_min += c.t(c.n() - 1) - since;
  return m;
}

}  // namespace ketasim
