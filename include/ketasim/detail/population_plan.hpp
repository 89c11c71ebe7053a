// Validation of a population run, once, before any thread starts: the spec and options against
// the reference model, turned into the plan the workers read (indices instead of names), with the
// memory the results will take checked against population_memory_limit_bytes().
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

#include "ketasim/detail/system.hpp"
#include "ketasim/ode.hpp"
#include "ketasim/population.hpp"

namespace ketasim {

inline std::size_t population_memory_limit_bytes() {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGE_SIZE)
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0)
    return static_cast<std::size_t>(pages) / 2 * static_cast<std::size_t>(page);
#endif
  return std::size_t{1} << 34;
}

namespace detail {

constexpr const char* kPopulation = "simulate_population";
inline std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

inline std::string join_values(const std::vector<double>& values) {
  std::string out;
  for (double v : values) {
    if (!out.empty()) out += ", ";
    out += format_value(v);
  }
  return out;
}

/// The inputs of a run, validated once, in the form the workers use.
struct PopulationPlan {
  std::size_t n = 0, first = 0, n_times = 0;
  std::uint64_t seed = 0;
  std::vector<std::string> names;  ///< parameter names of the reference model
  std::vector<ParameterKind> kinds;
  std::vector<double> typical;  ///< reference model's values
  std::vector<int> var_index;   ///< parameter index of each variability entry
  std::vector<double> var_sd;
  Eigen::MatrixXd chol;  ///< lower Cholesky factor of the correlation (empty: independent)
  std::vector<std::pair<int, const std::vector<double>*>> given;  ///< parameter index, values
  std::vector<std::string> cov_names;
  std::vector<const std::vector<double>*> cov_values;
  ResidualError residual;
  std::vector<double> thresholds;
  Output threshold_series = Output::ce;
  bool individual = true;
  bool effect_site = false;
  StateLayout layout;
  int driver = 0;
};

inline int find_parameter(const std::vector<std::string>& names, std::string_view name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

/// A bounded parameter (in (0, 1]) given variability must be below 1: its logit is finite.
inline void check_logit_variable(std::string_view where, const std::string& field, double v) {
  KETASIM_CHECK(v < 1.0, where, field, "< 1 to vary on the logit scale (it has variability)", v);
}

/// Bytes of a run's results: the kept curves (8 bytes per subject, time and series) and the
/// per-subject arrays (parameters, metrics and, per threshold, onset, offset, time above and
/// the first index reached). Saturates instead of overflowing.
inline double population_result_bytes(std::size_t n, std::size_t n_times, std::size_t n_series,
                                      std::size_t n_parameters, std::size_t n_thresholds) {
  const double per_subject = static_cast<double>(n_series) * static_cast<double>(n_times) +
                             static_cast<double>(n_parameters) + 5.0 +
                             3.5 * static_cast<double>(n_thresholds);
  return 8.0 * static_cast<double>(n) * per_subject;
}

inline std::string gib(double bytes) {
  return format_value(std::round(bytes / double(1 << 30) * 10.0) / 10.0) + " GiB";
}

inline PopulationPlan plan_population(const Model& model, std::span<const double> times,
                                      const PopulationSpec& spec, const PopulationOptions& opt) {
  constexpr const char* where = kPopulation;
  check_times(times);
  model.validate();
  PopulationPlan p;
  KETASIM_CHECK(spec.n >= 1, where, "n", ">= 1 subject", spec.n);
  KETASIM_CHECK(
      spec.n <= std::numeric_limits<std::uint32_t>::max() &&
          times.size() <= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()),
      where, "n", "< 2^32 subjects", spec.n);
  p.n = spec.n;
  p.first = spec.first_subject;
  p.seed = spec.seed;
  p.n_times = times.size();
  p.layout = state_layout(model);
  p.effect_site = model.has_effect_site();
  p.driver = model.has_effect_site() ? model.effect_driver() : model.plasma();
  for (const auto& par : model.parameters()) {
    p.names.push_back(par.name);
    p.kinds.push_back(par.kind);
    p.typical.push_back(par.value);
  }
  const std::string known = "one of the model's parameters [" + join_names(p.names) + "]";

  for (std::size_t j = 0; j < spec.variability.size(); ++j) {
    const auto& v = spec.variability[j];
    const int i = find_parameter(p.names, v.parameter);
    if (i < 0) fail(where, "variability parameter", known, v.parameter);
    KETASIM_CHECK(std::find(p.var_index.begin(), p.var_index.end(), i) == p.var_index.end(), where,
                  "variability parameter", "listed once", v.parameter);
    KETASIM_CHECK(std::isfinite(v.sd) && v.sd >= 0.0, where, "variability[\"" + v.parameter + "\"]",
                  ">= 0 (SD of the log-parameter)", v.sd);
    p.var_index.push_back(i);
    p.var_sd.push_back(v.sd);
  }

  const auto k = static_cast<Eigen::Index>(spec.variability.size());
  if (spec.correlation.size() > 0) {
    const auto& r = spec.correlation;
    KETASIM_CHECK(r.rows() == k && r.cols() == k, where, "correlation",
                  "a " + std::to_string(k) + " x " + std::to_string(k) +
                      " matrix (one row per variability entry)",
                  std::to_string(r.rows()) + " x " + std::to_string(r.cols()));
    for (Eigen::Index a = 0; a < k; ++a) {
      KETASIM_CHECK(r(a, a) == 1.0, where,
                    "correlation[" + std::to_string(a) + "][" + std::to_string(a) + "]", "1",
                    r(a, a));
      for (Eigen::Index b = 0; b < k; ++b) {
        const std::string field =
            "correlation[" + std::to_string(a) + "][" + std::to_string(b) + "]";
        KETASIM_CHECK(std::isfinite(r(a, b)) && std::abs(r(a, b)) <= 1.0, where, field,
                      "in [-1, 1]", r(a, b));
        KETASIM_CHECK(std::abs(r(a, b) - r(b, a)) <= 1e-12, where, field,
                      "equal to correlation[" + std::to_string(b) + "][" + std::to_string(a) +
                          "] (symmetric)",
                      r(a, b));
      }
    }
    Eigen::LLT<Eigen::MatrixXd> llt(r);
    KETASIM_CHECK(llt.info() == Eigen::Success, where, "correlation", "positive definite",
                  "a matrix that is not");
    p.chol = llt.matrixL();
  }

  for (const auto& g : spec.parameters) {
    const int i = find_parameter(p.names, g.name);
    if (i < 0) fail(where, "parameters key", known, g.name);
    for (const auto& [j, values] : p.given)
      KETASIM_CHECK(j != i, where, "parameters key", "given once", g.name);
    KETASIM_CHECK(g.values.size() == p.n, where, "parameters[\"" + g.name + "\"]",
                  std::to_string(p.n) + " values (one per subject)",
                  std::to_string(g.values.size()) + " values");
    for (std::size_t s = 0; s < g.values.size(); ++s)
      check_parameter(where, "parameters[\"" + g.name + "\"][" + std::to_string(s) + "]",
                      p.kinds[static_cast<std::size_t>(i)], g.values[s]);
    p.given.emplace_back(i, &g.values);
  }

  // Bounded parameters vary on the logit scale, which has no room for a value of exactly 1:
  // the reference model's typical value (unless per-subject values or a builder replace it) and
  // per-subject values are checked here, a builder's models subject by subject.
  for (std::size_t j = 0; j < p.var_index.size(); ++j) {
    const auto i = static_cast<std::size_t>(p.var_index[j]);
    if (p.kinds[i] != ParameterKind::f || p.var_sd[j] == 0.0) continue;
    const auto given = std::find_if(p.given.begin(), p.given.end(),
                                    [&](const auto& g) { return g.first == p.var_index[j]; });
    if (given != p.given.end()) {
      const auto& values = *given->second;
      for (std::size_t s = 0; s < values.size(); ++s)
        check_logit_variable(where, "parameters[\"" + p.names[i] + "\"][" + std::to_string(s) + "]",
                             values[s]);
    } else if (!spec.model_for) {
      check_logit_variable(where, p.names[i], p.typical[i]);
    }
  }

  for (const auto& c : spec.covariates) {
    KETASIM_CHECK(!c.name.empty(), where, "covariate name", "non-empty", c.name);
    KETASIM_CHECK(std::find(p.cov_names.begin(), p.cov_names.end(), c.name) == p.cov_names.end(),
                  where, "covariate name", "given once", c.name);
    KETASIM_CHECK(c.values.size() == p.n, where, "covariates[\"" + c.name + "\"]",
                  std::to_string(p.n) + " values (one per subject)",
                  std::to_string(c.values.size()) + " values");
    for (std::size_t s = 0; s < c.values.size(); ++s)
      KETASIM_CHECK(std::isfinite(c.values[s]), where,
                    "covariates[\"" + c.name + "\"][" + std::to_string(s) + "]", "finite",
                    c.values[s]);
    p.cov_names.push_back(c.name);
    p.cov_values.push_back(&c.values);
  }
  KETASIM_CHECK(spec.covariates.empty() || static_cast<bool>(spec.model_for), where, "model_for",
                "given when covariates are (it turns them into a model)", "none");

  p.residual = spec.residual;
  KETASIM_CHECK(std::isfinite(p.residual.additive_ng_ml) && p.residual.additive_ng_ml >= 0.0, where,
                "residual additive_ng_ml", ">= 0 ng/mL", p.residual.additive_ng_ml, "ng/mL");
  KETASIM_CHECK(std::isfinite(p.residual.proportional) && p.residual.proportional >= 0.0, where,
                "residual proportional", ">= 0", p.residual.proportional);
  KETASIM_CHECK(std::isfinite(p.residual.exponential) && p.residual.exponential >= 0.0, where,
                "residual exponential", ">= 0", p.residual.exponential);
  KETASIM_CHECK(p.residual.exponential == 0.0 ||
                    (p.residual.proportional == 0.0 && p.residual.additive_ng_ml == 0.0),
                where, "residual exponential", "given alone (not with proportional or additive)",
                p.residual.exponential);

  p.individual = opt.keep_individual;
  p.threshold_series = opt.threshold_series;
  for (std::size_t j = 0; j < opt.thresholds_ng_ml.size(); ++j) {
    const double thr = opt.thresholds_ng_ml[j];
    KETASIM_CHECK(std::isfinite(thr) && thr > 0.0, where,
                  "thresholds_ng_ml[" + std::to_string(j) + "]", "> 0 ng/mL", thr, "ng/mL");
    p.thresholds.push_back(thr);
  }
  if (!p.thresholds.empty()) {
    if (p.threshold_series == Output::ce)
      KETASIM_CHECK(p.effect_site, where, "ke0",
                    "set for Ce thresholds (the model has no effect site; use threshold_series cp)",
                    "none");
    if (p.threshold_series == Output::cp_observed)
      KETASIM_CHECK(p.residual.enabled(), where, "residual", "given for thresholds on cp_observed",
                    "no residual error");
  }
  // Memory, before anything is allocated.
  const std::size_t n_series =
      p.individual ? 1 + (p.effect_site ? 1 : 0) + (p.residual.enabled() ? 1 : 0) : 0;
  const double bytes =
      population_result_bytes(p.n, p.n_times, n_series, p.names.size(), p.thresholds.size());
  const auto limit = static_cast<double>(population_memory_limit_bytes());
  if (bytes > limit) {
    const std::string what =
        p.individual ? std::to_string(n_series) + " curve array" + (n_series > 1 ? "s" : "")
                     : "per-subject results";
    fail(where, "n x times_min",
         "small enough for the results to fit in memory (at most " + gib(limit) + ")",
         std::to_string(p.n) + " x " + std::to_string(p.n_times) + " (" + what + ": " + gib(bytes) +
             ")");
  }
  if (opt.solver.method != Method::exact)
    check_ode_options(OdeOptions{
        .rtol = opt.solver.rtol, .atol = opt.solver.atol, .max_steps = opt.solver.max_steps});
  return p;
}

}  // namespace detail
}  // namespace ketasim
