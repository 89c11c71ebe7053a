// The result of a simulation: Cp, Ce, analyte concentrations and compartment amounts at the
// requested times, and a handle on the continuous solution for onset metrics between samples.
#pragma once

#include <Eigen/Dense>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ketasim/detail/system.hpp"
#include "ketasim/error.hpp"
#include "ketasim/state_layout.hpp"

namespace ketasim {

/// Row-major matrix of doubles: the tables ketasim returns (times x columns for a Result's
/// states, subjects x times for a Population's curves, percentiles x times for its summaries),
/// laid out as NumPy's C order.
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace detail {
/// The continuous solution behind a Result: re-solves the same system at other times.
class Evaluator {
 public:
  explicit Evaluator(System sys) : sys_(std::move(sys)) {}
  virtual ~Evaluator() = default;
  const System& system() const { return sys_; }
  /// States (rows) at sorted times >= 0, from the start.
  virtual void states_at(std::span<const double> times, Eigen::MatrixXd& out) const = 0;
  /// Advances x from t0 to t1 under the input in force after t0, applying no event:
  /// valid only when no breakpoint lies in (t0, t1).
  virtual void advance(Eigen::VectorXd& x, double t0, double t1) const = 0;
  /// dx/dt at time t (input in force just after t).
  virtual void derivative(const Eigen::VectorXd& x, double t, Eigen::VectorXd& dxdt) const = 0;
  /// True when dx/dt = A x + b exactly (no nonlinear term).
  virtual bool linear() const { return true; }

 protected:
  System sys_;
};

using ketasim::RowMatrix;  ///< the public type, under its older name
}  // namespace detail

/// Concentrations (ng/mL) and amounts (mg) at each requested time (min).
class Result {
 public:
  Result() = default;

  std::size_t size() const { return time_.size(); }
  const std::vector<double>& time_min() const { return time_; }
  /// Plasma concentration, ng/mL.
  const std::vector<double>& cp_ng_ml() const { return cp_; }
  bool has_effect_site() const { return layout_.effect >= 0; }
  /// Effect-site concentration, ng/mL; throws InvalidInput when the model has no effect site.
  const std::vector<double>& ce_ng_ml() const {
    KETASIM_CHECK(has_effect_site(), "Result", "ce_ng_ml",
                  "available: give the model a ke0 (set_effect_site(ke0_per_min); for a "
                  "catalogue model ke0_per_min or a literature value such as ke0 = sleigh2019)",
                  "no effect site");
    return ce_;
  }
  /// Amount in every compartment, mg: row-major (times x compartments), named by columns().
  const detail::RowMatrix& states() const { return states_; }
  Eigen::Map<const detail::RowMatrix, 0, Eigen::OuterStride<>> amounts_mg() const {
    return {states_.data(), states_.rows(), layout_.n_compartments,
            Eigen::OuterStride<>(states_.cols())};
  }
  double amount_mg(std::size_t i_time, std::size_t i_compartment) const {
    return states_(static_cast<Eigen::Index>(i_time), static_cast<Eigen::Index>(i_compartment));
  }
  /// Compartment names, in the order of amounts_mg()'s columns.
  const std::vector<std::string>& columns() const { return columns_; }
  /// Amount eliminated from the body so far, mg.
  std::vector<double> eliminated_mg() const { return column(layout_.eliminated, 1.0); }
  /// Area under Cp from t = 0 to each time, ng x min/mL.
  std::vector<double> auc_cp_ng_min_ml() const { return column(layout_.auc, 1000.0); }
  /// Names of the extra analytes (e.g. a metabolite compartment), in concentration order.
  const std::vector<std::string>& analytes() const { return analytes_; }
  /// Concentration of a reported analyte (or of any compartment with a volume), ng/mL.
  std::vector<double> concentration_ng_ml(std::string_view compartment) const;
  const StateLayout& layout() const { return layout_; }
  /// The continuous solution (for onset metrics); shared, never null for a simulated result.
  const std::shared_ptr<const detail::Evaluator>& evaluator() const { return eval_; }

  /// Builds a result from recorded states (used by the solvers).
  static Result from_states(std::span<const double> times, detail::RowMatrix states,
                            std::shared_ptr<const detail::Evaluator> eval,
                            const std::vector<std::string>& compartment_names);

 private:
  std::vector<double> column(int j, double scale) const {
    std::vector<double> out(time_.size());
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = scale * states_(static_cast<Eigen::Index>(i), j);
    return out;
  }

  std::vector<double> time_, cp_, ce_;
  detail::RowMatrix states_;
  std::vector<std::string> columns_, analytes_;
  StateLayout layout_;
  std::shared_ptr<const detail::Evaluator> eval_;
};

inline Result Result::from_states(std::span<const double> times, detail::RowMatrix states,
                                  std::shared_ptr<const detail::Evaluator> eval,
                                  const std::vector<std::string>& compartment_names) {
  Result r;
  const auto& sys = eval->system();
  r.layout_ = sys.layout;
  r.time_.assign(times.begin(), times.end());
  r.states_ = std::move(states);
  r.columns_ = compartment_names;
  const double to_ng = 1000.0 / sys.plasma_volume_l;
  r.cp_.resize(r.time_.size());
  for (std::size_t i = 0; i < r.time_.size(); ++i)
    r.cp_[i] = to_ng * r.states_(static_cast<Eigen::Index>(i), sys.plasma);
  if (r.layout_.effect >= 0) r.ce_ = r.column(r.layout_.effect, 1000.0);
  for (int a : sys.analytes) r.analytes_.push_back(compartment_names[static_cast<std::size_t>(a)]);
  r.eval_ = std::move(eval);
  return r;
}

inline std::vector<double> Result::concentration_ng_ml(std::string_view compartment) const {
  KETASIM_CHECK(eval_ != nullptr, "Result", "result", "simulated", "empty");
  const auto& sys = eval_->system();
  for (std::size_t j = 0; j < columns_.size(); ++j) {
    if (columns_[j] != compartment) continue;
    double v = 0.0;
    if (static_cast<int>(j) == sys.plasma) v = sys.plasma_volume_l;
    for (std::size_t k = 0; k < sys.analytes.size(); ++k)
      if (sys.analytes[k] == static_cast<int>(j)) v = sys.analyte_volumes_l[k];
    KETASIM_CHECK(v > 0.0, "Result.concentration_ng_ml", "compartment",
                  "the plasma compartment or a reported analyte", compartment);
    return column(static_cast<int>(j), 1000.0 / v);
  }
  std::string known;
  for (const auto& c : columns_) known += (known.empty() ? "" : ", ") + c;
  detail::fail("Result.concentration_ng_ml", "compartment", "one of [" + known + "]", compartment);
}

}  // namespace ketasim
