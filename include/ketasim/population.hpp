// Virtual populations: N subjects whose parameters vary log-normally between individuals (with
// optional correlation), covariates feeding a model builder, optional residual error; simulated on
// all cores, reproducible from a seed whatever the number of threads, with percentiles over time,
// Cmax/Tmax/onset distributions and the fraction of subjects over a threshold by each time.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ketasim/detail/histogram.hpp"
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
/// of eta in P_i = P_typical * exp(eta_i) (about the CV for sd up to 0.3). Bioavailabilities
/// ("<route>.f", kept in (0, 1]) vary on the logit scale instead: logit P_i = logit P + eta_i.
struct Variability {
  std::string parameter = {};
  double sd = 0.0;
};

/// The `sd` of a log-normal parameter whose coefficient of variation is cv_percent:
/// sqrt(ln(1 + CV^2)) (papers give IIV as %CV, or as omega^2 = sd^2).
double sd_from_cv(double cv_percent);

/// Residual error added to Cp to simulate measurements:
/// obs = Cp (1 + proportional eps1) + additive_ng_ml eps2, eps1 and eps2 standard normal.
struct ResidualError {
  double additive_ng_ml = 0.0;  ///< SD of the additive part, ng/mL
  double proportional = 0.0;    ///< SD of the proportional part (0.2 = 20 %)
  bool enabled() const { return additive_ng_ml > 0.0 || proportional > 0.0; }
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
/// or the builder's for its covariates), replaced by `parameters` where given, then multiplied by
/// exp(eta) for the parameters in `variability`.
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
  bool keep_individual = true;
  /// Thresholds (ng/mL) whose onset time each subject gets, and whose fractions of subjects are
  /// counted by each time (needed up front when keep_individual is false).
  std::vector<double> thresholds_ng_ml = {};
  Output threshold_series = Output::ce;  ///< which concentration the thresholds apply to
  Options solver = {};                   ///< exact (default) or an ODE method and tolerances
};

namespace detail {
/// n x T curves (row-major) in memory that Population copies share and that a later run may
/// write again (simulate_population with `reuse`): for sweeps, where fresh memory costs page
/// faults and zeroing by the kernel on every call.
class CurveBuffer {
 public:
  using Scalar = double;
  CurveBuffer() = default;
  /// Fresh, uninitialised storage for rows x cols values (huge pages asked for when large);
  /// other buffers that shared the previous storage keep it.
  void resize(Eigen::Index rows, Eigen::Index cols);
  Eigen::Index rows() const { return rows_; }
  Eigen::Index cols() const { return cols_; }
  Eigen::Index size() const { return rows_ * cols_; }
  double* data() { return data_.get(); }
  const double* data() const { return data_.get(); }
  double* row(Eigen::Index r) { return data_.get() + r * cols_; }
  Eigen::Map<RowMatrix> matrix() { return {data_.get(), rows_, cols_}; }
  Eigen::Map<const RowMatrix> matrix() const { return {data_.get(), rows_, cols_}; }

 private:
  std::shared_ptr<double[]> data_;
  Eigen::Index rows_ = 0, cols_ = 0;
};

using CountMatrix = Eigen::Matrix<std::uint64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using IndexMatrix = Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Everything a Population holds; public for moving a population between processes.
struct PopulationData {
  std::vector<double> time_min;
  std::size_t n = 0;
  std::size_t first_subject = 0;
  bool individual = true;
  bool effect_site = false;
  bool observed = false;
  CurveBuffer cp, ce, cp_observed;  ///< n x T (individual only)
  std::vector<std::string> parameter_names;
  RowMatrix parameters;                             ///< n x P
  std::vector<double> cmax, tmax, ce_max, ce_tmax;  ///< n
  std::vector<double> thresholds;
  Output threshold_series = Output::ce;
  RowMatrix onset;      ///< K x n, NaN when never reached
  IndexMatrix reached;  ///< K x n, first output index at or above the threshold, -1: never
  CountMatrix above;    ///< K x T, subjects at or above the threshold at each time
  TimeHistogram hist_cp, hist_ce, hist_observed;  ///< summaries-only runs
};
}  // namespace detail

/// The simulated population. Per-subject arrays are indexed by subject (0 .. size() - 1, i.e.
/// global index first_subject() + i); curves are n x T, row-major (one row per subject).
class Population {
 public:
  Population() = default;
  explicit Population(detail::PopulationData d) : d_(std::move(d)) {}

  std::size_t size() const { return d_.n; }
  std::size_t first_subject() const { return d_.first_subject; }
  const std::vector<double>& time_min() const { return d_.time_min; }
  bool has_individual() const { return d_.individual; }
  bool has_effect_site() const { return d_.effect_site; }
  bool has_observed() const { return d_.observed; }

  /// @name Individual curves, ng/mL (n x T); InvalidInput when only summaries were kept.
  /// Views of memory that copies of this Population share (and that a run given this
  /// Population as `reuse` overwrites).
  ///@{
  using CurveView = Eigen::Map<const detail::RowMatrix>;
  CurveView cp_ng_ml() const { return curves(Output::cp); }
  CurveView ce_ng_ml() const { return curves(Output::ce); }
  CurveView cp_observed_ng_ml() const { return curves(Output::cp_observed); }
  CurveView curves(Output o) const;
  ///@}

  /// @name The parameters each subject was simulated with (n x P, columns named as the model's)
  ///@{
  const std::vector<std::string>& parameter_names() const { return d_.parameter_names; }
  const detail::RowMatrix& parameters() const { return d_.parameters; }
  std::vector<double> parameter(std::string_view name) const;
  ///@}

  /// @name Per-subject metrics on the output grid (as a sampling schedule reads them)
  ///@{
  const std::vector<double>& cmax_ng_ml() const { return d_.cmax; }  ///< highest Cp sample
  const std::vector<double>& tmax_min() const { return d_.tmax; }    ///< its (first) time
  const std::vector<double>& ce_max_ng_ml() const;                   ///< highest Ce sample
  const std::vector<double>& ce_tmax_min() const;
  const std::vector<double>& thresholds_ng_ml() const { return d_.thresholds; }
  Output threshold_series() const { return d_.threshold_series; }
  /// Each subject's onset time for a threshold given in PopulationOptions: the first time the
  /// concentration reaches it, located between samples (cubic Hermite for Ce, whose slope the
  /// state gives; linear for Cp); NaN when never reached in the window.
  std::vector<double> onset_min(double threshold_ng_ml) const;
  ///@}

  /// @name Summaries over subjects, per output time
  ///@{
  /// Percentiles (0..100, linear interpolation between order statistics as numpy.percentile)
  /// of a concentration at each time: rows = percentiles, columns = times. Exact from the
  /// curves when kept, from the histograms (within 0.78 %) otherwise.
  detail::RowMatrix percentiles(std::span<const double> percentiles,
                                Output output = Output::cp) const;
  /// Fraction of subjects whose concentration has reached threshold_ng_ml by each time
  /// (cumulative: the population's onset curve), or is at or above it at that time
  /// (cumulative = false). Any threshold with curves kept; a threshold given in
  /// PopulationOptions otherwise.
  std::vector<double> fraction_above(double threshold_ng_ml, Output output = Output::ce,
                                     bool cumulative = true) const;
  ///@}

  /// Joins consecutive chunks of one population (first_subject of each = end of the previous)
  /// into the population a single run would give.
  static Population concatenate(std::span<const Population> parts);

  /// The raw storage (for serialisation).
  const detail::PopulationData& data() const { return d_; }

 private:
  int threshold_index(double thr, Output o) const;
  detail::PopulationData d_;
};

/// Simulates a population of spec.n subjects of `model` under `regimen` at times_min.
/// Throws InvalidInput on bad input (naming the field, and the subject for a builder's model),
/// SolverError when an ODE method fails for a subject.
Population simulate_population(const Model& model, const Regimen& regimen,
                               std::span<const double> times_min, const PopulationSpec& spec,
                               const PopulationOptions& options = {});

/// The same, writing the curves into the memory of `reuse`, an earlier result with curves of
/// the same shape (n x T, and Ce / observed Cp wherever this run keeps them), instead of
/// allocating: a sweep over doses or regimens then pays no page faults. The curves of `reuse`
/// (and of its copies) then show the new result (partly overwritten if the run fails); its other
/// arrays keep the old one. Throws InvalidInput naming `reuse`, before writing anything, when
/// the shapes differ or it kept no curves.
Population simulate_population(const Model& model, const Regimen& regimen,
                               std::span<const double> times_min, const PopulationSpec& spec,
                               const PopulationOptions& options, Population& reuse);

}  // namespace ketasim

#include "ketasim/detail/population_impl.hpp"
