// Per-subject metrics of a population, in one place: Cmax/Tmax of Cp and Ce, AUC, and onset,
// offset and time above each threshold, computed after a subject's curves are recorded. The body
// reads the recorded samples (crossings located between samples by cubic Hermite for Ce, whose
// slope the state gives, linearly for Cp and observed Cp); it is fed the subject's compiled
// System and the propagator so that the continuous-solution metrics (metrics.hpp) can replace it
// without touching the worker.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>

#include "ketasim/exact.hpp"
#include "ketasim/population.hpp"

namespace ketasim::detail {

/// What the recorder kept of one subject, at the output times.
struct SubjectSamples {
  std::span<const double> times;
  const double* cp = nullptr;        ///< ng/mL
  const double* ce = nullptr;        ///< ng/mL; nullptr without an effect site
  const double* ce_slope = nullptr;  ///< dCe/dt, ng/mL/min; given when thresholds are on Ce
  const double* observed = nullptr;  ///< Cp with residual error; nullptr without one
  double auc_first = 0.0,
         auc_last = 0.0;  ///< the AUC state (mg/L x min) at the first and last time
};

/// Where one subject's metrics go (threshold arrays of K entries).
struct SubjectMetrics {
  double cmax = 0.0, tmax = 0.0, ce_max = 0.0, ce_tmax = 0.0, auc = 0.0;
  double* onset = nullptr;
  double* offset = nullptr;
  double* time_above = nullptr;
};

/// First time in [ta, tb] at which the cubic Hermite interpolant of (ta, fa, da), (tb, fb, db)
/// is at or above thr (rising) or below it (falling), by bisection.
inline double hermite_crossing(double ta, double tb, double fa, double fb, double da, double db,
                               double thr, bool rising) {
  const double h = tb - ta;
  if (!(h > 0.0)) return tb;
  auto p = [&](double s) {
    const double s2 = s * s, s3 = s2 * s;
    return (2 * s3 - 3 * s2 + 1) * fa + (s3 - 2 * s2 + s) * h * da + (3 * s2 - 2 * s3) * fb +
           (s3 - s2) * h * db;
  };
  double lo = 0.0, hi = 1.0;
  for (int it = 0; it < 60 && hi - lo > 1e-15; ++it) {
    const double mid = 0.5 * (lo + hi);
    ((p(mid) >= thr) == rising ? hi : lo) = mid;
  }
  return ta + hi * h;
}

/// The time between (ta, fa) and (tb, fb) at which the straight line between them reaches thr.
inline double linear_crossing(double ta, double tb, double fa, double fb, double thr) {
  if (!(tb > ta) || fb == fa) return tb;
  return ta + (tb - ta) * (thr - fa) / (fb - fa);
}

/// The highest sample and its first time.
inline void sampled_max(std::span<const double> times, const double* v, double& max_value,
                        double& t_max) {
  max_value = -std::numeric_limits<double>::infinity();
  t_max = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < times.size(); ++i)
    if (v[i] > max_value) {
      max_value = v[i];
      t_max = times[i];
    }
}

/// Onset (first time at or above thr), offset (first time after the onset it falls back below
/// thr, NaN when it never does in the window) and total time at or above thr, from samples v
/// (and slopes for cubic Hermite crossings, or linear when null), as OnsetMetrics (onset.hpp).
inline void sampled_threshold(std::span<const double> times, const double* v, const double* slope,
                              double thr, double& onset, double& offset, double& time_above) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  onset = offset = nan;
  time_above = 0.0;
  const std::size_t nt = times.size();
  bool above = v[0] >= thr;
  double up = times[0];
  if (above) onset = up;
  for (std::size_t i = 1; i < nt; ++i) {
    const bool now = v[i] >= thr;
    if (now == above) continue;
    const double ta = times[i - 1], tb = times[i];
    const double t = slope != nullptr ? hermite_crossing(ta, tb, v[i - 1], v[i], slope[i - 1],
                                                         slope[i], thr, now)
                                      : linear_crossing(ta, tb, v[i - 1], v[i], thr);
    if (now) {
      up = t;
      if (std::isnan(onset)) onset = t;
    } else {
      time_above += t - up;
      if (std::isnan(offset)) offset = t;
    }
    above = now;
  }
  if (above) time_above += times[nt - 1] - up;
}

/// One subject's metrics from its recorded samples. `sys` and `prop` (reset to the subject's
/// system) are the continuous solution the metric module will search instead of the samples.
inline void subject_metrics([[maybe_unused]] const System& sys,
                            [[maybe_unused]] ExactPropagator& prop, const SubjectSamples& in,
                            std::span<const double> thresholds, Output threshold_series,
                            SubjectMetrics& out) {
  sampled_max(in.times, in.cp, out.cmax, out.tmax);
  if (in.ce != nullptr) sampled_max(in.times, in.ce, out.ce_max, out.ce_tmax);
  out.auc = 1000.0 * (in.auc_last - in.auc_first);
  if (thresholds.empty()) return;
  const double* v = threshold_series == Output::ce            ? in.ce
                    : threshold_series == Output::cp_observed ? in.observed
                                                              : in.cp;
  const double* slope = threshold_series == Output::ce ? in.ce_slope : nullptr;
  for (std::size_t k = 0; k < thresholds.size(); ++k)
    sampled_threshold(in.times, v, slope, thresholds[k], out.onset[k], out.offset[k],
                      out.time_above[k]);
}

}  // namespace ketasim::detail
