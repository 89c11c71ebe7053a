// Definitions for population.hpp: names of outputs, sd_from_cv, simulate_population (which
// hands over to the runner) and the accessors of Population, concatenate included. The engine
// itself is split by job: population_plan.hpp (validation), population_worker.hpp (one subject),
// population_metrics.hpp (per-subject metrics), population_runner.hpp (threads) and
// population_summaries.hpp (histograms, percentiles, fractions).
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "ketasim/detail/population_data.hpp"
#include "ketasim/detail/population_plan.hpp"
#include "ketasim/detail/population_runner.hpp"
#include "ketasim/detail/population_summaries.hpp"
#include "ketasim/population.hpp"

namespace ketasim {

inline std::string_view output_name(Output o) {
  switch (o) {
    case Output::cp:
      return "cp";
    case Output::ce:
      return "ce";
    case Output::cp_observed:
      return "cp_observed";
  }
  return "cp";
}

inline Output parse_output(std::string_view name) {
  if (name == "cp") return Output::cp;
  if (name == "ce") return Output::ce;
  if (name == "cp_observed") return Output::cp_observed;
  detail::fail("Population", "series", "one of [cp, ce, cp_observed]", name);
}

inline double sd_from_cv(double cv_percent) {
  KETASIM_CHECK(std::isfinite(cv_percent) && cv_percent >= 0.0, "sd_from_cv", "cv_percent",
                ">= 0 %", cv_percent, "%");
  const double cv = cv_percent / 100.0;
  return std::sqrt(std::log1p(cv * cv));
}

inline double SubjectCovariates::operator[](std::string_view name) const {
  for (std::size_t k = 0; k < names_.size(); ++k)
    if (names_[k] == name) return values_[k];
  std::string known;
  for (const auto& n : names_) {
    if (!known.empty()) known += ", ";
    known += n;
  }
  detail::fail("SubjectCovariates", "covariate", "one of [" + known + "]", name);
}

namespace detail {
inline Population PopulationAccess::make(PopulationData d) { return Population(std::move(d)); }
inline const PopulationData& PopulationAccess::data(const Population& p) { return p.d_; }
}  // namespace detail

inline Population simulate_population(const Model& model, const Regimen& regimen,
                                      std::span<const double> times_min, const PopulationSpec& spec,
                                      const PopulationOptions& options) {
  return detail::run_population(model, regimen, times_min, spec, options);
}

// ---- Population ------------------------------------------------------------------------------

inline Population::CurveView Population::curves(Output o) const {
  KETASIM_CHECK(d_.individual, "Population", output_name(o),
                "kept (simulate with keep_individual = true)", "summaries only");
  switch (o) {
    case Output::cp:
      return d_.cp.matrix();
    case Output::ce:
      KETASIM_CHECK(d_.effect_site, "Population", "ce", "available (the model needs a ke0)",
                    "no effect site");
      return d_.ce.matrix();
    case Output::cp_observed:
      KETASIM_CHECK(d_.observed, "Population", "cp_observed",
                    "available (simulate with a residual error)", "no residual error");
      return d_.cp_observed.matrix();
  }
  return d_.cp.matrix();
}

inline std::vector<double> Population::parameter(std::string_view name) const {
  const int j = detail::find_parameter(d_.parameter_names, name);
  if (j < 0)
    detail::fail("Population", "parameter",
                 "one of [" + detail::join_names(d_.parameter_names) + "]", name);
  std::vector<double> out(d_.n);
  for (std::size_t s = 0; s < d_.n; ++s) out[s] = d_.parameters(static_cast<Eigen::Index>(s), j);
  return out;
}

inline const std::vector<double>& Population::ce_max_ng_ml() const {
  KETASIM_CHECK(d_.effect_site, "Population", "ce_max_ng_ml", "available (the model needs a ke0)",
                "no effect site");
  return d_.ce_max;
}

inline const std::vector<double>& Population::ce_tmax_min() const {
  KETASIM_CHECK(d_.effect_site, "Population", "ce_tmax_min", "available (the model needs a ke0)",
                "no effect site");
  return d_.ce_tmax;
}

inline int Population::threshold_index(double thr, Output o) const {
  if (o != d_.threshold_series) return -1;
  for (std::size_t k = 0; k < d_.thresholds.size(); ++k)
    if (std::abs(d_.thresholds[k] - thr) <= 1e-12 * d_.thresholds[k]) return static_cast<int>(k);
  return -1;
}

inline std::vector<double> Population::per_threshold(const RowMatrix& m, double thr,
                                                     const char* where) const {
  const int k = threshold_index(thr, d_.threshold_series);
  if (k < 0) {
    detail::fail(where, "threshold_ng_ml",
                 "one of the thresholds simulated [" + detail::join_values(d_.thresholds) + "]",
                 thr, "ng/mL");
  }
  return {m.row(k).data(), m.row(k).data() + m.cols()};
}

inline std::vector<double> Population::onset_min(double threshold_ng_ml) const {
  return per_threshold(d_.onset, threshold_ng_ml, "Population.onset_min");
}

inline std::vector<double> Population::offset_min(double threshold_ng_ml) const {
  return per_threshold(d_.offset, threshold_ng_ml, "Population.offset_min");
}

inline std::vector<double> Population::time_above_min(double threshold_ng_ml) const {
  return per_threshold(d_.time_above, threshold_ng_ml, "Population.time_above_min");
}

inline Population Population::concatenate(std::span<const Population> parts) {
  constexpr const char* where = "Population.concatenate";
  KETASIM_CHECK(!parts.empty(), where, "parts", "non-empty", "an empty list");
  const auto& a = parts[0].d_;
  std::size_t n = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& p = parts[i].d_;
    const std::string field = "parts[" + std::to_string(i) + "]";
    KETASIM_CHECK(p.time_min == a.time_min, where, field, "simulated at the same times",
                  "other times");
    KETASIM_CHECK(p.individual == a.individual && p.effect_site == a.effect_site &&
                      p.observed == a.observed && p.parameter_names == a.parameter_names &&
                      p.thresholds == a.thresholds && p.threshold_series == a.threshold_series,
                  where, field, "simulated with the same model and options", "different ones");
    KETASIM_CHECK(p.first_subject == a.first_subject + n, where, field + " first_subject",
                  "the end of the previous part (" + std::to_string(a.first_subject + n) + ")",
                  p.first_subject);
    n += p.n;
  }
  detail::PopulationData d;
  d.time_min = a.time_min;
  d.n = n;
  d.first_subject = a.first_subject;
  d.individual = a.individual;
  d.effect_site = a.effect_site;
  d.observed = a.observed;
  d.parameter_names = a.parameter_names;
  d.thresholds = a.thresholds;
  d.threshold_series = a.threshold_series;
  const auto nt = static_cast<Eigen::Index>(a.time_min.size());
  const auto np = static_cast<Eigen::Index>(a.parameter_names.size());
  const auto nk = static_cast<Eigen::Index>(a.thresholds.size());
  const auto nn = static_cast<Eigen::Index>(n);
  if (d.individual) {
    d.cp.resize(nn, nt);
    if (d.effect_site) d.ce.resize(nn, nt);
    if (d.observed) d.cp_observed.resize(nn, nt);
  } else {
    d.hist_cp = a.hist_cp;
    d.hist_ce = a.hist_ce;
    d.hist_observed = a.hist_observed;
  }
  d.parameters.resize(nn, np);
  d.onset.resize(nk, nn);
  d.offset.resize(nk, nn);
  d.time_above.resize(nk, nn);
  d.reached.resize(nk, nn);
  d.above.setZero(nk, nt);
  Eigen::Index at = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& p = parts[i].d_;
    const auto m = static_cast<Eigen::Index>(p.n);
    if (d.individual) {
      d.cp.matrix().middleRows(at, m) = p.cp.matrix();
      if (d.effect_site) d.ce.matrix().middleRows(at, m) = p.ce.matrix();
      if (d.observed) d.cp_observed.matrix().middleRows(at, m) = p.cp_observed.matrix();
    } else if (i > 0) {
      d.hist_cp.merge(p.hist_cp);
      if (d.effect_site) d.hist_ce.merge(p.hist_ce);
      if (d.observed) d.hist_observed.merge(p.hist_observed);
    }
    d.parameters.middleRows(at, m) = p.parameters;
    d.onset.middleCols(at, m) = p.onset;
    d.offset.middleCols(at, m) = p.offset;
    d.time_above.middleCols(at, m) = p.time_above;
    d.reached.middleCols(at, m) = p.reached;
    d.above += p.above;
    d.cmax.insert(d.cmax.end(), p.cmax.begin(), p.cmax.end());
    d.tmax.insert(d.tmax.end(), p.tmax.begin(), p.tmax.end());
    d.ce_max.insert(d.ce_max.end(), p.ce_max.begin(), p.ce_max.end());
    d.ce_tmax.insert(d.ce_tmax.end(), p.ce_tmax.begin(), p.ce_tmax.end());
    d.auc.insert(d.auc.end(), p.auc.begin(), p.auc.end());
    at += m;
  }
  return Population(std::move(d));
}

}  // namespace ketasim
