// Virtual populations: N subjects whose parameters vary between individuals (log-normally, or on
// the logit scale for bioavailabilities; optionally correlated), covariates feeding a model
// builder, optional residual error; simulated on all cores, reproducible from a seed whatever the
// number of threads, with percentiles over time, per-subject Cmax/Tmax/AUC/onset distributions and
// the fraction of subjects over a threshold at each output time.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ketasim/detail/population_data.hpp"
#include "ketasim/error.hpp"
#include "ketasim/model.hpp"
#include "ketasim/regimen.hpp"
#include "ketasim/result.hpp"
#include "ketasim/simulate.hpp"

namespace ketasim {

/// A concentration a population reports per subject and time.
enum class Output {
  cp,           ///< plasma concentration, ng/mL
  ce,           ///< effect-site concentration, ng/mL (the model needs a ke0)
  cp_observed,  ///< Cp with residual error (a simulated measurement), ng/mL
};

/// "cp", "ce" or "cp_observed".
std::string_view output_name(Output o);
/// Parses "cp", "ce" or "cp_observed"; throws InvalidInput naming the value otherwise.
Output parse_output(std::string_view name);

/// Inter-individual variability of one model parameter, by its name in the model
/// (model.parameter_names(): "cl", "v1", "intranasal.ka", ...). `sd` is the standard deviation
/// of eta_i, a standard normal deviate times sd, applied on the parameter's own scale:
/// - log scale, P_i = P exp(eta_i) (about sd as a CV up to 0.3), for the unbounded kinds:
///   ParameterKind::volume, clearance, rate, ka, ke0, tlag and duration (P > 0 stays > 0;
///   a typical lag or duration of 0 stays 0);
/// - logit scale, logit P_i = logit P + eta_i, for the bounded kind ParameterKind::f
///   (bioavailability, in (0, 1]), as published models vary fractions (Perez-Ruixo's FRn).
///   A typical value of exactly 1 has no logit: InvalidInput naming the parameter ("must be
///   < 1 to vary on the logit scale"); give the typical F below 1 or no variability on it.
struct Variability {
  std::string parameter = {};
  double sd = 0.0;
};

/// The `sd` of a log-normal parameter whose coefficient of variation is cv_percent:
/// sqrt(ln(1 + CV^2)) (papers give IIV as %CV, or as omega^2 = sd^2).
double sd_from_cv(double cv_percent);

/// Residual error added to Cp to simulate measurements:
/// obs = Cp (1 + proportional eps1) + additive_ng_ml eps2, eps1 and eps2 standard normal; or,
/// with `exponential` (error additive on log-transformed data, as Perez-Ruixo 2021 fits),
/// obs = Cp exp(exponential eps3), and then neither of the others.
struct ResidualError {
  double additive_ng_ml = 0.0;  ///< SD of the additive part, ng/mL
  double proportional = 0.0;    ///< SD of the proportional part (0.2 = 20 %)
  double exponential = 0.0;     ///< SD on the log scale (0.276 = Perez-Ruixo's 27.6 %)
  bool enabled() const { return additive_ng_ml > 0.0 || proportional > 0.0 || exponential > 0.0; }
};

/// One value per subject for a named quantity (a model parameter or a covariate).
struct NamedValues {
  std::string name = {};
  std::vector<double> values = {};
};

/// The covariates of one subject, handed to a ModelBuilder.
class SubjectCovariates {
 public:
  SubjectCovariates(std::size_t subject, std::span<const std::string> names,
                    std::span<const double> values)
      : subject_(subject), names_(names), values_(values) {}
  /// The subject's index in the whole population (0-based).
  std::size_t subject() const { return subject_; }
  std::span<const std::string> names() const { return names_; }
  std::span<const double> values() const { return values_; }
  /// The value of a covariate by name ("weight_kg", ...); throws InvalidInput naming the known
  /// ones.
  double operator[](std::string_view name) const;

 private:
  std::size_t subject_;
  std::span<const std::string> names_;
  std::span<const double> values_;
};

/// Builds a subject's typical model from its covariates (e.g. a catalogue model with weight and
/// age relations). Called from several threads at once: it must not modify shared state. Every
/// model it returns must have the same parameter names as the population's reference model.
using ModelBuilder = std::function<Model(const SubjectCovariates&)>;

/// Who the subjects are. A subject's parameters are: its typical values (the reference model's,
/// or the builder's for its covariates), replaced by `parameters` where given, then varied by eta
/// on each parameter's scale (log or logit, see Variability) for the parameters in `variability`.
struct PopulationSpec {
  std::size_t n = 0;       ///< number of subjects
  std::uint64_t seed = 0;  ///< subject i's random stream depends on (seed, first_subject + i) only
  /// Global index of the first subject: a chunk [first, first + n) of a larger population
  /// simulates exactly those subjects of it (same random streams).
  std::size_t first_subject = 0;
  std::vector<Variability> variability = {};
  /// Correlation matrix of the etas (k x k for k = variability.size(), symmetric, unit diagonal,
  /// positive definite); empty: independent.
  Eigen::MatrixXd correlation = {};
  std::vector<NamedValues> parameters = {};  ///< per-subject typical values (n each)
  std::vector<NamedValues> covariates = {};  ///< per-subject covariates (n each), for model_for
  ModelBuilder model_for = {};               ///< optional: the typical model of each subject
  ResidualError residual = {};  ///< optional: Cp measurement error (Output::cp_observed)
};

/// How to run a population and what to keep.
struct PopulationOptions {
  unsigned threads = 0;  ///< worker threads; 0: all cores
  /// Keep every subject's curves (n x T arrays); false keeps summaries only: percentiles from
  /// streaming histograms (at most 0.78 % off), per-subject metrics, threshold fractions.
  /// The curves (and per-subject arrays) must fit in memory: see population_memory_limit_bytes.
  bool keep_individual = true;
  /// Thresholds (ng/mL) whose onset, offset and time above each subject gets, and whose
  /// fractions of subjects are counted at each output time (needed up front when keep_individual
  /// is false).
  std::vector<double> thresholds_ng_ml = {};
  Output threshold_series = Output::cp;  ///< which concentration the thresholds apply to
  Options solver = {};                   ///< exact (default) or an ODE method and tolerances
};

/// The most memory a population's results may take, in bytes: half of the physical memory on
/// POSIX systems (sysconf), 2^34 bytes (16 GiB) where it cannot be read. simulate_population
/// estimates its results' size (kept curves, 8 bytes per subject and time and series, plus the
/// per-subject arrays) before allocating and throws InvalidInput naming n and the number of
/// output times when it exceeds this.
std::size_t population_memory_limit_bytes();

/// The simulated population. Per-subject arrays are indexed by subject (0 .. size() - 1, i.e.
/// global index first_subject() + i); curves are n x T, row-major (one row per subject). A plain
/// value: copies are independent.
class Population {
 public:
  Population() = default;

  std::size_t size() const { return d_.n; }
  std::size_t first_subject() const { return d_.first_subject; }
  const std::vector<double>& time_min() const { return d_.time_min; }
  bool has_individual() const { return d_.individual; }
  bool has_effect_site() const { return d_.effect_site; }
  bool has_observed() const { return d_.observed; }

  /// @name Individual curves, ng/mL (n x T); InvalidInput when only summaries were kept.
  ///@{
  using CurveView = Eigen::Map<const RowMatrix>;
  CurveView cp_ng_ml() const { return curves(Output::cp); }
  CurveView ce_ng_ml() const { return curves(Output::ce); }
  CurveView cp_observed_ng_ml() const { return curves(Output::cp_observed); }
  CurveView curves(Output o) const;
  ///@}

  /// @name The parameters each subject was simulated with (n x P, columns named as the model's)
  ///@{
  const std::vector<std::string>& parameter_names() const { return d_.parameter_names; }
  const RowMatrix& parameters() const { return d_.parameters; }
  std::vector<double> parameter(std::string_view name) const;
  ///@}

  /// @name Per-subject metrics (one value per subject)
  /// The same metrics as peak() and onset() on a single result (one engine, metrics.hpp): found
  /// on each subject's continuous solution between the first and last output time, whatever
  /// the output grid.
  ///@{
  const std::vector<double>& cmax_ng_ml() const { return d_.cmax; }  ///< highest Cp
  const std::vector<double>& tmax_min() const { return d_.tmax; }    ///< its (first) time
  const std::vector<double>& ce_max_ng_ml() const;                   ///< highest Ce
  const std::vector<double>& ce_tmax_min() const;                    ///< its (first) time
  /// Area under Cp from the first to the last output time, ng x min/mL (exact: the AUC state
  /// of the solver, not a trapezoid over the samples).
  const std::vector<double>& auc_ng_min_ml() const { return d_.auc; }
  const std::vector<double>& thresholds_ng_ml() const { return d_.thresholds; }
  Output threshold_series() const { return d_.threshold_series; }
  /// Each subject's onset time for a threshold given in PopulationOptions: the first time the
  /// concentration reaches it, on the continuous solution (for observed Cp, simulated
  /// measurements that exist at the output times only, linearly between them); NaN when never
  /// reached in the window.
  std::vector<double> onset_min(double threshold_ng_ml) const;
  /// The first time after the onset that the concentration falls back below the threshold
  /// (located as the onset); NaN when never reached, or never falling back in the window.
  std::vector<double> offset_min(double threshold_ng_ml) const;
  /// Total time at or above the threshold between the first and the last output time, min
  /// (0 when never reached).
  std::vector<double> time_above_min(double threshold_ng_ml) const;
  ///@}

  /// @name Summaries over subjects, at the output times
  ///@{
  /// Percentiles (0..100, linear interpolation between order statistics as numpy.percentile)
  /// of a concentration at each time: rows = percentiles, columns = times. Exact from the
  /// curves when kept, from the histograms (within 0.78 %) otherwise.
  RowMatrix percentiles(std::span<const double> percentiles, Output output = Output::cp) const;
  /// Fraction of subjects whose concentration has reached threshold_ng_ml at or before each
  /// output time (cumulative: the population's onset curve), or is at or above it at that time
  /// (cumulative = false). Counts at the sampled times: a subject above the threshold only
  /// between two samples is not counted (onset_min finds every crossing). Any
  /// threshold with curves kept; a threshold given in PopulationOptions otherwise.
  std::vector<double> fraction_above(double threshold_ng_ml, Output output = Output::cp,
                                     bool cumulative = true) const;
  ///@}

  /// Joins consecutive chunks of one population (first_subject of each = end of the previous)
  /// into the population a single run would give.
  static Population concatenate(std::span<const Population> parts);

 private:
  friend struct detail::PopulationAccess;
  explicit Population(detail::PopulationData d) : d_(std::move(d)) {}
  int threshold_index(double thr, Output o) const;
  std::vector<double> per_threshold(const RowMatrix& m, double thr, const char* where) const;
  detail::PopulationData d_;
};

/// Simulates a population of spec.n subjects of `model` under `regimen` at times_min.
/// Throws InvalidInput on bad input (naming the field, and the subject for a builder's model),
/// SolverError when an ODE method fails for a subject.
Population simulate_population(const Model& model, const Regimen& regimen,
                               std::span<const double> times_min, const PopulationSpec& spec,
                               const PopulationOptions& options = {});

}  // namespace ketasim

#include "ketasim/detail/population_methods.hpp"
