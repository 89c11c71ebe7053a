// Per-subject metrics of a population, in one place: Cmax/Tmax of Cp and Ce, AUC, and onset,
// offset and time above each threshold. They come from the same engine as onset() and peak()
// (detail/metrics.hpp): found on the subject's continuous solution, whatever the output grid.
// Only thresholds on simulated measurements (cp_observed, which exist at the output times alone)
// are read from the samples, with linear interpolation between them.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>

#include "ketasim/detail/metrics.hpp"
#include "ketasim/exact.hpp"
#include "ketasim/ode.hpp"
#include "ketasim/population.hpp"

namespace ketasim::detail {

/// What the recorder kept of one subject, at the output times.
struct SubjectSamples {
  std::span<const double> times;
  const double* cp = nullptr;        ///< ng/mL
  const double* ce = nullptr;        ///< ng/mL; nullptr without an effect site
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

/// The time between (ta, fa) and (tb, fb) at which the straight line between them reaches thr.
inline double linear_crossing(double ta, double tb, double fa, double fb, double thr) {
  if (!(tb > ta) || fb == fa) return tb;
  return ta + (tb - ta) * (thr - fa) / (fb - fa);
}

/// Onset (first time at or above thr), offset (first time after the onset it falls back below
/// thr, NaN when it never does in the window) and total time at or above thr, from samples v
/// joined by straight lines: for simulated measurements only, which exist at the output times.
inline void sampled_threshold(std::span<const double> times, const double* v, double thr,
                              double& onset, double& offset, double& time_above) {
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
    const double t = linear_crossing(ta, tb, v[i - 1], v[i], thr);
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

/// One subject's metrics: Cmax/Tmax of Cp and Ce and the threshold times on the continuous
/// solution (the exact one through `march` and `probe`, reset to the subject's system, or the
/// ODE solver's with `ode`), AUC from the recorded AUC state.
inline void subject_metrics(const System& sys, ExactPropagator& march, ExactPropagator& probe,
                            const OdeOptions* ode, const SubjectSamples& in,
                            std::span<const double> thresholds, Output threshold_series,
                            SubjectMetrics& out) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  SeriesSpec specs[2];
  SeriesMetrics res[2];
  specs[0] = {sys.plasma, 1000.0 / sys.plasma_volume_l, {}};
  std::size_t n = 1;
  if (sys.layout.effect >= 0) specs[n++] = {sys.layout.effect, 1000.0, {}};
  if (threshold_series == Output::cp) specs[0].thresholds = thresholds;
  if (threshold_series == Output::ce && n == 2) specs[1].thresholds = thresholds;
  const double t0 = in.times.front(), t1 = in.times.back();
  if (ode == nullptr) {
    ExactStepper st{march, probe, sys.a};
    analyse_series(sys, st, t0, t1, std::span(specs, n), std::span(res, n));
  } else {
    const OdeEvaluator<NoExtra> ev(sys, *ode, NoExtra{});
    EvaluatorStepper st{ev};
    analyse_series(sys, st, t0, t1, std::span(specs, n), std::span(res, n));
  }
  out.cmax = res[0].max_ng_ml;
  out.tmax = res[0].t_max_min;
  if (n == 2) {
    out.ce_max = res[1].max_ng_ml;
    out.ce_tmax = res[1].t_max_min;
  }
  out.auc = 1000.0 * (in.auc_last - in.auc_first);
  if (thresholds.empty()) return;
  if (threshold_series == Output::cp_observed) {
    for (std::size_t k = 0; k < thresholds.size(); ++k)
      sampled_threshold(in.times, in.observed, thresholds[k], out.onset[k], out.offset[k],
                        out.time_above[k]);
    return;
  }
  const auto& times = res[threshold_series == Output::cp ? 0 : 1].thresholds;
  for (std::size_t k = 0; k < thresholds.size(); ++k) {
    out.onset[k] = times[k].onset_min.value_or(nan);
    out.offset[k] = times[k].offset_min.value_or(nan);
    out.time_above[k] = times[k].time_above_min;
  }
}

}  // namespace ketasim::detail
