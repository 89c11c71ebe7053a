// Onset metrics from a result, on the continuous solution rather than the sample grid: Cmax and
// Tmax, AUC, the time a concentration first reaches a threshold and falls back, time above it.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ketasim/detail/metrics.hpp"
#include "ketasim/error.hpp"
#include "ketasim/exact.hpp"
#include "ketasim/metrics.hpp"
#include "ketasim/result.hpp"

namespace ketasim {

/// What a teacher asks of an onset curve. Cmax/Tmax/AUC are of Cp; the threshold metrics are of
/// the chosen series (Cp by default). Times are absolute (min from t = 0).
struct OnsetMetrics {
  Series series = Series::cp;
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

/// What series `s` of a result is: its state index and scale to ng/mL (throws naming ke0 for Ce
/// without an effect site).
inline SeriesSpec series_spec(const Result& r, Series s, const char* where) {
  KETASIM_CHECK(r.evaluator() != nullptr, where, "result", "simulated", "empty");
  const auto& sys = r.evaluator()->system();
  if (s == Series::cp) return {sys.plasma, 1000.0 / sys.plasma_volume_l, {}};
  KETASIM_CHECK(sys.layout.effect >= 0, where, "ke0",
                "set for Ce metrics: give the model a ke0 (set_effect_site(ke0_per_min); for a "
                "catalogue model ke0 or a literature value such as ke0_source = sleigh2019), or "
                "use series cp",
                "none");
  return {sys.layout.effect, 1000.0, {}};
}

/// The series named "cp", "ce" or a reported analyte (a compartment name) of a result.
inline SeriesSpec series_spec(const Result& r, std::string_view name, const char* where) {
  if (name == "cp") return series_spec(r, Series::cp, where);
  if (name == "ce") return series_spec(r, Series::ce, where);
  KETASIM_CHECK(r.evaluator() != nullptr, where, "result", "simulated", "empty");
  const auto& sys = r.evaluator()->system();
  const auto& cols = r.columns();
  std::string known = "cp, ce";
  for (std::size_t k = 0; k < sys.analytes.size(); ++k) {
    const auto& col = cols[static_cast<std::size_t>(sys.analytes[k])];
    if (col == name) return {sys.analytes[k], 1000.0 / sys.analyte_volumes_l[k], {}};
    known += ", " + col;
  }
  fail(where, "series", "one of [" + known + "]", name);
}

/// Analyses series of a result over its window (first to last output time) on the continuous
/// solution: the exact one for the exact solver, the ODE's own for the ODE solvers.
inline void analyse_result(const Result& r, std::span<const SeriesSpec> specs,
                           std::span<SeriesMetrics> out) {
  const Evaluator& ev = *r.evaluator();
  const System& sys = ev.system();
  const double t0 = r.time_min().front(), t1 = r.time_min().back();
  if (dynamic_cast<const ExactEvaluator*>(&ev) != nullptr) {
    ExactPropagator march, probe;
    march.reset(sys);
    probe.reset(sys);
    ExactStepper st{march, probe, sys.a};
    analyse_series(sys, st, t0, t1, specs, out);
  } else {
    EvaluatorStepper st{ev};
    analyse_series(sys, st, t0, t1, specs, out);
  }
}

inline Peak peak_of(const Result& r, const SeriesSpec& spec) {
  SeriesMetrics m;
  analyse_result(r, std::span(&spec, 1), std::span(&m, 1));
  return {m.max_ng_ml, m.t_max_min};
}

}  // namespace detail

/// The highest Cp (or Ce) over the simulated window (first to last output time) and the first
/// time it is reached, on the continuous solution whatever the output grid.
inline Peak peak(const Result& r, Series series = Series::cp) {
  return detail::peak_of(r, detail::series_spec(r, series, "peak"));
}

/// The same for a series by name: "cp", "ce" or a reported analyte (e.g. "norketamine").
inline Peak peak(const Result& r, std::string_view series) {
  return detail::peak_of(r, detail::series_spec(r, series, "peak"));
}

/// When a series is at or above a threshold over the simulated window, on the continuous
/// solution: first time reached, first time it falls back, total time at or above it.
inline ThresholdTimes threshold_times(const Result& r, double threshold_ng_ml,
                                      std::string_view series = "cp") {
  KETASIM_CHECK(std::isfinite(threshold_ng_ml) && threshold_ng_ml > 0.0, "threshold_times",
                "threshold_ng_ml", "> 0 ng/mL", threshold_ng_ml, "ng/mL");
  detail::SeriesSpec spec = detail::series_spec(r, series, "threshold_times");
  spec.thresholds = std::span(&threshold_ng_ml, 1);
  SeriesMetrics m;
  detail::analyse_result(r, std::span(&spec, 1), std::span(&m, 1));
  return m.thresholds[0];
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

/// Onset metrics of a result for a concentration threshold (ng/mL): Cmax, Tmax and AUC of Cp,
/// the Ce peak (with an effect site), and the threshold times of the chosen series (Cp by
/// default; Series::ce needs an effect site), all on the continuous solution.
inline OnsetMetrics onset(const Result& r, double threshold_ng_ml, Series series = Series::cp) {
  KETASIM_CHECK(r.evaluator() != nullptr, "onset", "result", "simulated", "empty");
  KETASIM_CHECK(std::isfinite(threshold_ng_ml) && threshold_ng_ml > 0.0, "onset", "threshold_ng_ml",
                "> 0 ng/mL", threshold_ng_ml, "ng/mL");
  OnsetMetrics m;
  m.series = series;
  m.threshold_ng_ml = threshold_ng_ml;
  detail::SeriesSpec specs[2];
  SeriesMetrics out[2];
  specs[0] = detail::series_spec(r, Series::cp, "onset");
  std::size_t n = 1;
  if (series == Series::ce || r.has_effect_site())
    specs[n++] = detail::series_spec(r, Series::ce, "onset");
  specs[series == Series::cp ? 0 : 1].thresholds = std::span(&threshold_ng_ml, 1);
  detail::analyse_result(r, std::span(specs, n), std::span(out, n));
  m.cmax_ng_ml = out[0].max_ng_ml;
  m.tmax_min = out[0].t_max_min;
  if (n == 2) {
    m.ce_max_ng_ml = out[1].max_ng_ml;
    m.ce_tmax_min = out[1].t_max_min;
  }
  const auto& th = out[series == Series::cp ? 0 : 1].thresholds[0];
  m.t_onset_min = th.onset_min;
  m.t_offset_min = th.offset_min;
  m.time_above_min = th.time_above_min;
  m.auc_ng_min_ml = auc_ng_min_ml(r, r.time_min().front(), r.time_min().back());
  return m;
}

}  // namespace ketasim
