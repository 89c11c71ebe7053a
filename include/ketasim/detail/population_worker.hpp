// One subject of a population, start to end: its parameters (typical values, given values,
// variability on each parameter's scale), its compiled system, the solve (the exact propagator
// single runs use, or the ODE solver) recording its curves, its residual error, the counts at
// the output times and its metrics (population_metrics.hpp).
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ketasim/detail/population_metrics.hpp"
#include "ketasim/detail/population_plan.hpp"
#include "ketasim/detail/random.hpp"
#include "ketasim/detail/system.hpp"
#include "ketasim/exact.hpp"
#include "ketasim/ode.hpp"
#include "ketasim/population.hpp"

namespace ketasim::detail {

/// The inputs every worker reads and the results they write (each subject its own rows).
struct PopulationJob {
  const Model& model;
  const Regimen& regimen;
  std::span<const double> times;
  const PopulationSpec& spec;
  const PopulationOptions& opt;
  const PopulationPlan& plan;
  PopulationData& out;
};

/// Where a subject's curves go (rows of the result, or of a block buffer for summaries).
struct CurveRows {
  double* cp = nullptr;
  double* ce = nullptr;        ///< with an effect site
  double* observed = nullptr;  ///< with a residual error
};

/// Per-thread state for simulating subjects one after another (no allocation per subject once
/// warm, builders aside).
class SubjectWorker {
 public:
  explicit SubjectWorker(const PopulationJob& job)
      : job_(job),
        model_(job.model),
        values_(job.plan.names.size()),
        z_(job.plan.var_index.size()),
        eta_(job.plan.var_index.size()),
        cov_(job.plan.cov_names.size()),
        metric_buf_(3 * job.plan.thresholds.size()) {
    sys_.layout = job.plan.layout;
  }

  /// Simulates subject s (0-based in this run) into `rows`, its parameters, metrics and first
  /// indices reached into the result, its counts at the output times into `above` (K x T).
  void simulate(std::size_t s, const CurveRows& rows, CountMatrix& above) {
    const PopulationPlan& plan = job_.plan;
    SubjectRng rng(plan.seed, plan.first + s);
    Model& m = sample_parameters(s, rng);
    for (std::size_t i = 0; i < values_.size(); ++i)
      job_.out.parameters(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(i)) = values_[i];
    fill_matrix(m, sys_.layout, sys_.a);
    fill_inputs(m, job_.regimen, sys_);
    sys_.plasma = m.plasma();
    sys_.plasma_volume_l = m.volume_l(static_cast<std::size_t>(sys_.plasma));
    fill_rate_terms(m, sys_);
    prop_.reset(sys_);
    probe_.reset(sys_);
    SubjectSamples samples = solve(rows);
    if (rows.observed != nullptr) add_residual(rng, rows);
    count_on_grid(samples, s, above);

    const std::size_t nk = plan.thresholds.size();
    SubjectMetrics met{.onset = metric_buf_.data(),
                       .offset = metric_buf_.data() + nk,
                       .time_above = metric_buf_.data() + 2 * nk};
    const OdeOptions ode{.rtol = job_.opt.solver.rtol,
                         .atol = job_.opt.solver.atol,
                         .max_steps = job_.opt.solver.max_steps,
                         .stiff = job_.opt.solver.method == Method::ode_stiff};
    subject_metrics(sys_, prop_, probe_, job_.opt.solver.method == Method::exact ? nullptr : &ode,
                    samples, plan.thresholds, plan.threshold_series, met);
    PopulationData& out = job_.out;
    out.cmax[s] = met.cmax;
    out.tmax[s] = met.tmax;
    out.auc[s] = met.auc;
    if (plan.effect_site) {
      out.ce_max[s] = met.ce_max;
      out.ce_tmax[s] = met.ce_tmax;
    }
    for (std::size_t k = 0; k < nk; ++k) {
      const auto kk = static_cast<Eigen::Index>(k), ss = static_cast<Eigen::Index>(s);
      out.onset(kk, ss) = met.onset[k];
      out.offset(kk, ss) = met.offset[k];
      out.time_above(kk, ss) = met.time_above[k];
    }
  }

 private:
  /// The subject's model with its parameters set (values_ holds them): typical values (the
  /// builder's model for its covariates, or the reference model's), given values, then
  /// variability, eta = diag(sd) L z, on each parameter's scale (see Variability).
  Model& sample_parameters(std::size_t s, SubjectRng& rng) {
    const PopulationPlan& plan = job_.plan;
    const std::size_t n_par = values_.size(), nk = z_.size();
    built_.reset();
    if (job_.spec.model_for) {
      for (std::size_t c = 0; c < cov_.size(); ++c) cov_[c] = (*plan.cov_values[c])[s];
      built_.emplace(job_.spec.model_for(SubjectCovariates(plan.first + s, plan.cov_names, cov_)));
      const auto& bp = built_->parameters();
      bool same = bp.size() == n_par && built_->n_compartments() == model_.n_compartments() &&
                  built_->has_effect_site() == plan.effect_site;
      for (std::size_t i = 0; same && i < n_par; ++i) same = bp[i].name == plan.names[i];
      if (!same)
        fail(kPopulation, "model_for's model",
             "built like the reference model (parameters [" + join_names(plan.names) + "])",
             "parameters [" + join_names(built_->parameter_names()) + "]");
      for (std::size_t i = 0; i < n_par; ++i) values_[i] = bp[i].value;
    } else {
      std::copy(plan.typical.begin(), plan.typical.end(), values_.begin());
    }
    for (const auto& [i, given] : plan.given) values_[static_cast<std::size_t>(i)] = (*given)[s];

    for (std::size_t j = 0; j < nk; ++j) z_[j] = rng.normal();
    for (std::size_t j = 0; j < nk; ++j) {
      double e = 0.0;
      if (plan.chol.size() > 0) {
        for (std::size_t l = 0; l <= j; ++l)
          e += plan.chol(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(l)) * z_[l];
      } else {
        e = z_[j];
      }
      eta_[j] = plan.var_sd[j] * e;
    }
    for (std::size_t j = 0; j < nk; ++j) {
      const auto i = static_cast<std::size_t>(plan.var_index[j]);
      double& v = values_[i];
      if (plan.kinds[i] == ParameterKind::f) {
        if (plan.var_sd[j] == 0.0) continue;
        check_logit_variable("model_for", plan.names[i], v);  // a builder's F of 1
        v = 1.0 / (1.0 + (1.0 / v - 1.0) * std::exp(-eta_[j]));
      } else {
        v *= std::exp(eta_[j]);
      }
    }
    Model& m = built_ ? *built_ : model_;
    for (std::size_t i = 0; i < n_par; ++i) m.set_parameter(i, values_[i]);
    return m;
  }

  /// Solves the subject's system, writing Cp and Ce into `rows`; returns what the metrics read.
  SubjectSamples solve(const CurveRows& rows) {
    const StateLayout& lay = sys_.layout;
    const int p = sys_.plasma, e = lay.effect, auc = lay.auc;
    const double cp_scale = 1000.0 / sys_.plasma_volume_l;
    const std::size_t last = job_.times.size() - 1;
    SubjectSamples out{
        .times = job_.times, .cp = rows.cp, .ce = rows.ce, .observed = rows.observed};
    auto record = [&](std::size_t i, const Eigen::VectorXd& x) {
      rows.cp[i] = cp_scale * x[p];
      if (e >= 0) rows.ce[i] = 1000.0 * x[e];
      if (i == 0) out.auc_first = x[auc];
      if (i == last) out.auc_last = x[auc];
    };
    if (job_.opt.solver.method == Method::exact) {
      solve_exact(sys_, job_.times, prop_, x_, b_, record);
    } else {
      const OdeOptions ode{.rtol = job_.opt.solver.rtol,
                           .atol = job_.opt.solver.atol,
                           .max_steps = job_.opt.solver.max_steps,
                           .stiff = job_.opt.solver.method == Method::ode_stiff};
      solve_ode(sys_, job_.times, ode, NoExtra{}, x_, b_, record);
    }
    return out;
  }

  /// Simulated measurements: obs = Cp (1 + proportional e1) + additive e2, or Cp exp(sd e).
  void add_residual(SubjectRng& rng, const CurveRows& rows) {
    const double prop = job_.plan.residual.proportional, add = job_.plan.residual.additive_ng_ml;
    if (const double sd = job_.plan.residual.exponential; sd > 0.0) {
      for (std::size_t i = 0; i < job_.times.size(); ++i)
        rows.observed[i] = rows.cp[i] * std::exp(sd * rng.normal());
      return;
    }
    for (std::size_t i = 0; i < job_.times.size(); ++i) {
      const double e1 = rng.normal();
      const double e2 = rng.normal();
      rows.observed[i] = rows.cp[i] * (1.0 + prop * e1) + add * e2;
    }
  }

  /// Counts at the output times (not metrics: what a sampling schedule sees): the subject is
  /// at or above each threshold at time i (above), and first so at index `reached`.
  void count_on_grid(const SubjectSamples& in, std::size_t s, CountMatrix& above) {
    const PopulationPlan& plan = job_.plan;
    const std::size_t nk = plan.thresholds.size(), nt = in.times.size();
    if (nk == 0) return;
    const double* v = plan.threshold_series == Output::ce            ? in.ce
                      : plan.threshold_series == Output::cp_observed ? in.observed
                                                                     : in.cp;
    for (std::size_t k = 0; k < nk; ++k) {
      const double thr = plan.thresholds[k];
      std::uint64_t* row = above.data() + k * nt;
      std::int32_t first = -1;
      for (std::size_t i = 0; i < nt; ++i) {
        if (v[i] < thr) continue;
        ++row[i];
        if (first < 0) first = static_cast<std::int32_t>(i);
      }
      job_.out.reached(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(s)) = first;
    }
  }

  const PopulationJob& job_;
  Model model_;  ///< this thread's working copy of the reference model
  std::optional<Model> built_;
  System sys_;
  ExactPropagator prop_, probe_;  ///< the curves and the metrics' march; the root finders
  Eigen::VectorXd x_, b_;
  std::vector<double> values_, z_, eta_, cov_, metric_buf_;
};

}  // namespace ketasim::detail
