// Target-controlled infusion: the IV rate, recomputed every update interval, that brings the
// plasma (Cp) or effect-site (Ce) concentration to a target and holds it there; decrement times
// and the context-sensitive half-time.
//
// Plasma targeting: over each update interval h the rate r is the one that makes Cp at the end of
// the interval equal the target: Cp(h) = Cp_free(h) + r Cp_unit(h), where Cp_free is the model
// left alone and Cp_unit the response to 1 mg/min over [0, h) (both exact, by the matrix
// exponential of exact.hpp); r is clamped to [0, max rate].
//
// Effect-site targeting follows Shafer SL, Gregg KM. Algorithms to rapidly achieve and maintain
// stable drug concentrations at the site of drug effect with a computer-controlled infusion
// pump. J Pharmacokinet Biopharm 1992;20(2):147-169 (and Jacobs JR, Williams EA. Algorithm to
// control "effect compartment" drug concentrations in pharmacokinetic model-driven drug
// delivery. IEEE Trans Biomed Eng 1993;40(10):993-999): the rate over the next interval is the
// largest one after which, the pump then stopped, Ce would never exceed the target. By
// superposition Ce(t) = Ce_free(t) + r Ce_unit(t) on a grid of times t after the update (one
// tenth of the interval apart, out to three times the time Ce peaks after one interval's
// infusion), so r = min over the grid of (target - Ce_free(t)) / Ce_unit(t). Cp overshoots and
// the pump pauses while Ce catches up; Ce reaches the target at its peak, in the shortest time
// the maximum rate allows, and never above it. After a step down the rate is 0 until Ce has
// fallen to the new target. Once Ce is within 2 % of the target (kHoldBand) the rate is at most
// the plasma rule's for the same target: holding Cp there holds Ce, where the effect rule alone
// alternates on and off around the target when ke0 is fast (ripple of about 1 % seen with
// Domino 1984 and ke0 1.8 /min). (The papers were not read here: the titles are as cited by
// stanpumpR's TCI code and the project's survey; the algorithm above is derived from the
// superposition principle, not copied.)
//
// The linear algebra per update is one n x n and one K x n matrix-vector product (n states, K
// grid times), into buffers allocated at construction: TciController::next_rate allocates
// nothing.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ketasim/detail/step_exponential.hpp"
#include "ketasim/detail/system.hpp"
#include "ketasim/error.hpp"
#include "ketasim/exact.hpp"
#include "ketasim/model.hpp"
#include "ketasim/regimen.hpp"

namespace ketasim {

/// What a TCI targets, and whose concentration a decrement time follows.
enum class TargetSite { plasma, effect };

/// Parses "plasma" or "effect"; throws InvalidInput naming `field` otherwise.
inline TargetSite parse_target_site(std::string_view name, std::string_view field = "mode") {
  if (name == "plasma") return TargetSite::plasma;
  if (name == "effect") return TargetSite::effect;
  detail::fail("tci", field, "one of [plasma, effect]", name);
}

inline std::string_view to_string(TargetSite s) {
  return s == TargetSite::plasma ? "plasma" : "effect";
}

/// A target step: from time_min on, the target concentration is target_ng_ml (ng/mL).
struct TciTarget {
  double time_min = 0.0;
  double target_ng_ml = 0.0;
};

/// How a TCI pump runs.
struct TciOptions {
  TargetSite mode = TargetSite::plasma;
  double update_s = 10.0;  ///< update interval, s (> 0)
  /// Largest rate the pump may give, mg/min; none: unlimited (at most one of this and
  /// max_rate_ml_per_h).
  std::optional<double> max_rate_mg_per_min = std::nullopt;
  /// Largest rate as a volume, mL/h, with the syringe's concentration syringe_mg_per_ml.
  std::optional<double> max_rate_ml_per_h = std::nullopt;
  std::optional<double> syringe_mg_per_ml = std::nullopt;
  /// Body weight for dose_mg_per_kg, kg; none: not reported.
  std::optional<double> weight_kg = std::nullopt;
  /// A target counts as reached when the controlled concentration is within this fraction of it.
  double reach_tolerance = 0.005;
};

namespace detail {

/// The maximum rate in mg/min the options give (infinity when none), checked.
inline double tci_max_rate(const TciOptions& o) {
  constexpr const char* where = "tci";
  KETASIM_CHECK(!(o.max_rate_mg_per_min && o.max_rate_ml_per_h), where,
                "at most one of max_rate_mg_per_min, max_rate_ml_per_h", "given", "both");
  if (o.max_rate_mg_per_min) {
    const double r = *o.max_rate_mg_per_min;
    KETASIM_CHECK(std::isfinite(r) && r > 0.0, where, "max_rate_mg_per_min", "> 0 mg/min", r,
                  "mg/min");
    return r;
  }
  if (o.max_rate_ml_per_h) {
    const double v = *o.max_rate_ml_per_h;
    KETASIM_CHECK(std::isfinite(v) && v > 0.0, where, "max_rate_ml_per_h", "> 0 mL/h", v, "mL/h");
    KETASIM_CHECK(o.syringe_mg_per_ml.has_value(), where, "syringe_mg_per_ml",
                  "given with max_rate_ml_per_h", "none");
    const double c = *o.syringe_mg_per_ml;
    KETASIM_CHECK(std::isfinite(c) && c > 0.0, where, "syringe_mg_per_ml", "> 0 mg/mL", c, "mg/mL");
    return v * c / 60.0;
  }
  KETASIM_CHECK(!o.syringe_mg_per_ml, where, "syringe_mg_per_ml",
                "given only with max_rate_ml_per_h", *o.syringe_mg_per_ml, "mg/mL");
  return std::numeric_limits<double>::infinity();
}

/// The compartment an IV infusion enters: the target of the model's "iv" route when the model
/// defines one (it must put the dose straight into a compartment with a volume), else the plasma
/// compartment. Throws InvalidInput when the model has no such compartment.
inline int iv_compartment(const Model& m) {
  constexpr const char* where = "tci";
  bool has_volume = false;
  for (std::size_t i = 0; i < m.n_compartments(); ++i) has_volume = has_volume || !m.is_depot(i);
  KETASIM_CHECK(
      has_volume, where, "model", "a model with an IV compartment (a compartment with a volume)",
      m.n_compartments() == 0 ? "a model without compartments" : "a model of depots only");
  const int r = m.route_index("iv");
  if (r < 0) {
    m.validate();
    return m.plasma();
  }
  const auto& paths = m.routes()[static_cast<std::size_t>(r)].paths;
  const auto& params = m.parameters();
  auto val = [&](int i, double none) {
    return i < 0 ? none : params[static_cast<std::size_t>(i)].value;
  };
  const bool direct = paths.size() == 1 && paths[0].depot < 0 &&
                      val(paths[0].tlag_param, 0.0) == 0.0 && val(paths[0].f_param, 1.0) == 1.0 &&
                      val(paths[0].duration_param, 0.0) == 0.0 &&
                      !m.is_depot(static_cast<std::size_t>(paths[0].target));
  KETASIM_CHECK(
      direct, where, "model's route \"iv\"",
      "one path straight into a compartment with a volume (no depot, lag, duration, f = 1) "
      "for an IV infusion",
      "a route with absorption");
  return paths[0].target;
}

/// Concentration readout c.x in ng/mL of a state: Cp (plasma compartment) or Ce.
inline Eigen::VectorXd tci_readout(const Model& m, const StateLayout& lay, TargetSite site) {
  Eigen::VectorXd c = Eigen::VectorXd::Zero(lay.size);
  if (site == TargetSite::plasma)
    c[m.plasma()] = 1000.0 / m.volume_l(static_cast<std::size_t>(m.plasma()));
  else
    c[lay.effect] = 1000.0;
  return c;
}

/// The effect-site requirement, checked.
inline void check_effect_site(const Model& m, const char* where, std::string_view field,
                              std::string_view value) {
  KETASIM_CHECK(m.has_effect_site(), where, field,
                "\"plasma\" for a model without an effect site (give the model a ke0: "
                "set_effect_site(ke0_per_min); for a catalogue model ke0_per_min or a "
                "literature value such as ke0_source = sleigh2019)",
                value);
}

/// Steady-state Cp and Ce (ng/mL) under 1 mg/min into compartment `into` (infinite when the
/// model does not eliminate what enters there).
inline std::pair<double, double> steady_state_per_unit_rate(const Model& m, const System& sys,
                                                            int into) {
  const int nc = sys.layout.n_compartments;
  const Eigen::MatrixXd acc = sys.a.topLeftCorner(nc, nc);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(nc);
  b[into] = -1.0;
  Eigen::FullPivLU<Eigen::MatrixXd> lu(acc);
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (!lu.isInvertible()) return {inf, inf};
  const Eigen::VectorXd x = lu.solve(b);
  auto conc = [&](int i) { return 1000.0 * x[i] / m.volume_l(static_cast<std::size_t>(i)); };
  const double cp = conc(m.plasma());
  const double ce = m.has_effect_site() ? conc(m.effect_driver()) : cp;
  if (!(cp >= 0.0) || !std::isfinite(cp)) return {inf, inf};
  return {cp, ce};
}

}  // namespace detail

/// A TCI pump's controller, stepped in real time: each call to next_rate(target_ng_ml) returns
/// the rate (mg/min) to run over the next update interval and advances the model's predicted
/// state by that interval at that rate. Construction precomputes the propagators; the per-update
/// calls allocate nothing.
///
///   ketasim::TciController pump(model, {.mode = ketasim::TargetSite::effect});
///   for (;;) { double rate = pump.next_rate(150.0); /* run the pump at rate for 10 s */ }
class TciController {
 public:
  /// Throws InvalidInput naming the field: an update interval <= 0, a maximum rate <= 0, effect
  /// mode for a model without an effect site, a model without an IV compartment.
  TciController(const Model& model, const TciOptions& options = {}) : model_(model) {
    constexpr const char* where = "tci";
    KETASIM_CHECK(std::isfinite(options.update_s) && options.update_s > 0.0, where, "update_s",
                  "> 0 s", options.update_s, "s");
    KETASIM_CHECK(options.update_s <= 3600.0, where, "update_s", "<= 3600 s", options.update_s,
                  "s");
    mode_ = options.mode;
    if (mode_ == TargetSite::effect) detail::check_effect_site(model_, where, "mode", "effect");
    max_rate_ = detail::tci_max_rate(options);
    into_ = detail::iv_compartment(model_);
    sys_ = detail::compile(model_, Regimen{});
    h_ = options.update_s / 60.0;
    const auto ss = detail::steady_state_per_unit_rate(model_, sys_, into_);
    ss_per_rate_ = mode_ == TargetSite::plasma ? ss.first : ss.second;
    const Eigen::Index n = sys_.layout.size;
    cp_ = detail::tci_readout(model_, sys_.layout, TargetSite::plasma);
    if (model_.has_effect_site())
      ce_ = detail::tci_readout(model_, sys_.layout, TargetSite::effect);
    c_ = mode_ == TargetSite::plasma ? cp_ : ce_;
    Eigen::VectorXd unit = Eigen::VectorXd::Zero(n);
    unit[into_] = 1.0;
    // One interval: Phi(h), and g = Psi(h) e_into (the state after 1 mg/min over [0, h)).
    detail::StepExponential expm;
    expm.resize(n);
    Eigen::MatrixXd psi(n, n);
    expm.compute(sys_.a, &sys_, h_, phi_h_, psi);
    g_ = psi * unit;
    cphi_ = cp_.transpose() * phi_h_;
    cg_ = cp_.dot(g_);
    if (mode_ == TargetSite::effect) build_effect_grid(expm, unit);
    x_.setZero(n);
    tmp_.setZero(n);
  }

  /// The rate (mg/min, >= 0, <= the maximum) over the next interval for target_ng_ml, without
  /// advancing. Throws InvalidInput for a target < 0 or one the maximum rate can never reach.
  double rate_for(double target_ng_ml) {
    check_target(target_ng_ml);
    // The rate that makes Cp at the end of the interval the target.
    double r = (target_ng_ml - cphi_.dot(x_)) / cg_;
    if (mode_ == TargetSite::effect) {
      // The largest rate after which Ce, the pump then stopped, stays at or below the target;
      // once Ce is within kHoldBand of the target, no more than the plasma rate (holding Cp at
      // the target holds Ce there without the on-off ripple the effect rule alone gives when
      // ke0 is fast).
      const double plasma_rate = r;
      free_.noalias() = w_ * x_;
      r = std::numeric_limits<double>::infinity();
      for (Eigen::Index k = 0; k < u_.size(); ++k)
        if (u_[k] > 0.0) r = std::min(r, (target_ng_ml - free_[k]) / u_[k]);
      if (ce_.dot(x_) >= (1.0 - kHoldBand) * target_ng_ml) r = std::min(r, plasma_rate);
    }
    if (!(r > 0.0)) return 0.0;  // also NaN-safe: a state at the target exactly
    return std::min(r, max_rate_);
  }

  /// Effect mode: the fraction below the target from which Ce counts as held (see rate_for).
  static constexpr double kHoldBand = 0.02;

  /// Advances the predicted state by one update interval at rate_mg_per_min (what the pump
  /// delivered).
  void advance(double rate_mg_per_min) {
    KETASIM_CHECK(std::isfinite(rate_mg_per_min) && rate_mg_per_min >= 0.0, "tci",
                  "rate_mg_per_min", ">= 0 mg/min", rate_mg_per_min, "mg/min");
    tmp_.noalias() = phi_h_ * x_;
    tmp_ += rate_mg_per_min * g_;
    x_.swap(tmp_);
    ++steps_;
    t_ = static_cast<double>(steps_) * h_;
  }

  /// rate_for(target) then advance(rate): the rate to run over the next interval.
  double next_rate(double target_ng_ml) {
    const double r = rate_for(target_ng_ml);
    advance(r);
    return r;
  }

  /// Back to time 0 with an empty body.
  void reset() {
    x_.setZero();
    t_ = 0.0;
    steps_ = 0;
  }

  double time_min() const { return t_; }
  double update_min() const { return h_; }
  double max_rate_mg_per_min() const { return max_rate_; }
  TargetSite mode() const { return mode_; }
  /// Predicted Cp now, ng/mL.
  double cp_ng_ml() const { return cp_.dot(x_); }
  /// Predicted Ce now, ng/mL; throws InvalidInput without an effect site.
  double ce_ng_ml() const {
    detail::check_effect_site(model_, "tci", "ce_ng_ml", "requested");
    return ce_.dot(x_);
  }
  /// The highest concentration (of the targeted site) the maximum rate can reach (infinity
  /// without a maximum rate), ng/mL.
  double reachable_ng_ml() const { return max_rate_ * ss_per_rate_; }
  /// The model's predicted state (compartment amounts mg, eliminated, AUC, Ce: StateLayout).
  const Eigen::VectorXd& state() const { return x_; }
  /// Number of grid times the effect-site search looks at each update (0 in plasma mode).
  Eigen::Index horizon_points() const { return u_.size(); }
  /// How far ahead the effect-site search looks, min (0 in plasma mode).
  double horizon_min() const { return horizon_min_; }
  const Model& model() const { return model_; }
  int infusion_compartment() const { return into_; }

 private:
  void check_target(double target) const {
    if (std::isfinite(target) && target >= 0.0 && target < reachable_ng_ml()) [[likely]]
      return;
    KETASIM_CHECK(std::isfinite(target) && target >= 0.0, "tci", "target_ng_ml", ">= 0 ng/mL",
                  target, "ng/mL");
    detail::fail("tci", "target_ng_ml",
                 "below " + detail::format_value(reachable_ng_ml()) + " ng/mL, the highest " +
                     (mode_ == TargetSite::plasma ? "Cp" : "Ce") + " the maximum rate of " +
                     detail::format_value(max_rate_) +
                     " mg/min can ever reach (raise max_rate_mg_per_min above " +
                     detail::format_value(target / ss_per_rate_) + " mg/min)",
                 target, "ng/mL");
  }

  /// The effect-site search grid: times k delta (delta = h / 10) out to three times the peak time
  /// of Ce after one interval at 1 mg/min (at least 3 intervals, at most 24 h; at most 4000 rows
  /// kept, every stride-th), with w_k = ce . Phi(t_k) and u_k = Ce_unit(t_k).
  void build_effect_grid(detail::StepExponential& expm, const Eigen::VectorXd& unit) {
    constexpr int kSubsteps = 10;
    constexpr double kMaxHorizonMin = 24.0 * 60.0;
    constexpr Eigen::Index kMaxRows = 4000;
    const Eigen::Index n = sys_.layout.size;
    const double delta = h_ / kSubsteps;
    Eigen::MatrixXd phi(n, n), psi(n, n);
    expm.compute(sys_.a, &sys_, delta, phi, psi);
    const Eigen::VectorXd gd = psi * unit;
    // The peak time of the unit response.
    Eigen::VectorXd y = Eigen::VectorXd::Zero(n), t2(n);
    double peak = 0.0, t_peak = delta;
    const auto max_steps = static_cast<long>(kMaxHorizonMin / delta) + 1;
    for (long k = 1; k <= max_steps; ++k) {
      t2.noalias() = phi * y;
      if (k <= kSubsteps) t2 += gd;
      y.swap(t2);
      const double ce = ce_.dot(y);
      if (ce > peak) {
        peak = ce;
        t_peak = static_cast<double>(k) * delta;
      } else if (k > kSubsteps && ce < 0.5 * peak) {
        break;
      }
    }
    horizon_min_ = std::min(kMaxHorizonMin, std::max(3.0 * t_peak, 3.0 * h_));
    const auto total = static_cast<Eigen::Index>(std::ceil(horizon_min_ / delta - 1e-9));
    const Eigen::Index stride = (total + kMaxRows - 1) / kMaxRows;
    const Eigen::Index rows = total / stride;
    w_.resize(rows, n);
    u_.resize(rows);
    free_.resize(rows);
    Eigen::RowVectorXd w = ce_.transpose();
    y.setZero();
    for (Eigen::Index k = 1, row = 0; row < rows; ++k) {
      w = w * phi;  // ce . Phi(k delta)
      t2.noalias() = phi * y;
      if (k <= kSubsteps) t2 += gd;
      y.swap(t2);
      if (k % stride == 0) {
        w_.row(row) = w;
        u_[row] = ce_.dot(y);
        ++row;
      }
    }
  }

  Model model_;
  detail::System sys_;
  TargetSite mode_ = TargetSite::plasma;
  int into_ = 0;
  double h_ = 0.0, max_rate_ = 0.0, ss_per_rate_ = 0.0, t_ = 0.0, horizon_min_ = 0.0;
  double cg_ = 0.0;          ///< Cp at the end of an interval at 1 mg/min from empty
  Eigen::RowVectorXd cphi_;  ///< cp . Phi(h): Cp at the end of an interval without input
  long steps_ = 0;
  Eigen::MatrixXd phi_h_;
  Eigen::VectorXd g_, cp_, ce_, c_, x_, tmp_;
  Eigen::MatrixXd w_;         ///< effect mode: rows ce . Phi(t_k)
  Eigen::VectorXd u_, free_;  ///< effect mode: Ce_unit(t_k); workspace for Ce_free(t_k)
};

/// A whole TCI run: the schedule, what the model predicts, and what it took.
struct TciResult {
  /// The rates as IV infusions (one per run of equal non-zero rates) into the IV compartment:
  /// simulate it like any regimen.
  Regimen regimen;
  std::vector<double> time_min;         ///< update instants 0, h, 2h, ..., duration
  std::vector<double> rate_mg_per_min;  ///< rate over [time_min[i], time_min[i+1])
  std::vector<double> target_ng_ml;     ///< target in force at time_min[i]
  std::vector<double> cp_ng_ml;         ///< predicted Cp at time_min[i]
  std::vector<double> ce_ng_ml;         ///< predicted Ce at time_min[i] (empty without ke0)
  /// When the targeted concentration first comes within reach_tolerance of the first positive
  /// target (searched on a grid of a tenth of the update interval), min; none when it does not.
  std::optional<double> time_to_target_min;
  double total_dose_mg = 0.0;
  std::optional<double> dose_mg_per_kg;  ///< with TciOptions::weight_kg
  TargetSite mode = TargetSite::plasma;
  double update_min = 0.0;
};

namespace detail {

inline void check_targets(std::span<const TciTarget> targets, double duration_min) {
  constexpr const char* where = "tci";
  KETASIM_CHECK(!targets.empty(), where, "targets", "at least one (time_min, target_ng_ml)",
                "an empty list");
  KETASIM_CHECK(std::isfinite(duration_min) && duration_min > 0.0, where, "duration_min", "> 0 min",
                duration_min, "min");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const std::string idx = "targets[" + std::to_string(i) + "]";
    const auto& t = targets[i];
    KETASIM_CHECK(std::isfinite(t.time_min) && t.time_min >= 0.0, where, idx + ".time_min",
                  ">= 0 min", t.time_min, "min");
    if (i == 0)
      KETASIM_CHECK(t.time_min == 0.0, where, idx + ".time_min",
                    "0 (the first target starts the run)", t.time_min, "min");
    else
      KETASIM_CHECK(t.time_min > targets[i - 1].time_min, where, idx + ".time_min",
                    "after targets[" + std::to_string(i - 1) + "].time_min (" +
                        format_value(targets[i - 1].time_min) + " min): targets in time order",
                    t.time_min, "min");
    KETASIM_CHECK(std::isfinite(t.target_ng_ml) && t.target_ng_ml >= 0.0, where,
                  idx + ".target_ng_ml", ">= 0 ng/mL", t.target_ng_ml, "ng/mL");
  }
}

}  // namespace detail

/// Runs a TCI pump over [0, duration_min] following the target schedule (sorted steps, the first
/// at 0). A target step falls on the first update at or after its time. Throws InvalidInput
/// naming the field on bad input (see TciController and the targets' checks).
inline TciResult tci(const Model& model, std::span<const TciTarget> targets, double duration_min,
                     const TciOptions& options = {}) {
  detail::check_targets(targets, duration_min);
  if (options.weight_kg)
    KETASIM_CHECK(std::isfinite(*options.weight_kg) && *options.weight_kg > 0.0, "tci", "weight_kg",
                  "> 0 kg", *options.weight_kg, "kg");
  TciController pump(model, options);
  const double h = pump.update_min();
  const auto steps = static_cast<std::size_t>(std::ceil(duration_min / h - 1e-9));
  KETASIM_CHECK(steps <= 10'000'000, "tci", "duration_min / update interval", "<= 1e7 updates",
                static_cast<double>(steps));
  TciResult res;
  res.mode = options.mode;
  res.update_min = h;
  const bool effect = model.has_effect_site();
  for (const auto& t : targets) (void)pump.rate_for(t.target_ng_ml);  // reachability, early
  std::size_t seg = 0;
  auto target_at = [&](double t) {
    while (seg + 1 < targets.size() && targets[seg + 1].time_min <= t + 1e-9 * h) ++seg;
    return targets[seg].target_ng_ml;
  };
  res.time_min.reserve(steps + 1);
  res.rate_mg_per_min.reserve(steps);
  for (std::size_t i = 0; i <= steps; ++i) {
    const double t = static_cast<double>(i) * h;
    res.time_min.push_back(t);
    res.cp_ng_ml.push_back(pump.cp_ng_ml());
    if (effect) res.ce_ng_ml.push_back(pump.ce_ng_ml());
    res.target_ng_ml.push_back(target_at(t));
    if (i < steps) res.rate_mg_per_min.push_back(pump.next_rate(res.target_ng_ml.back()));
  }
  // The regimen: runs of equal non-zero rates as single infusions.
  const int into = pump.infusion_compartment();
  const std::string comp = into == model.plasma() ? std::string{} : model.compartment_names()[into];
  for (std::size_t i = 0; i < steps;) {
    const double r = res.rate_mg_per_min[i];
    std::size_t j = i + 1;
    while (j < steps && res.rate_mg_per_min[j] == r) ++j;
    if (r > 0.0) {
      const double t0 = res.time_min[i], t1 = res.time_min[j];
      res.regimen.infusion(
          {.rate_mg_per_min = r, .start_min = t0, .duration_min = t1 - t0, .compartment = comp});
      res.total_dose_mg += r * (t1 - t0);
    }
    i = j;
  }
  if (options.weight_kg) res.dose_mg_per_kg = res.total_dose_mg / *options.weight_kg;
  // Time to target: the first positive target, on a grid of h / 10 from its start.
  std::size_t first = 0;
  while (first < targets.size() && targets[first].target_ng_ml <= 0.0) ++first;
  if (first < targets.size() && !res.regimen.empty()) {
    const double target = targets[first].target_ng_ml;
    const double end = first + 1 < targets.size()
                           ? std::min(targets[first + 1].time_min, res.time_min.back())
                           : res.time_min.back();
    std::vector<double> grid;
    for (double t = targets[first].time_min; t <= end + 1e-12; t += h / 10.0) grid.push_back(t);
    if (!grid.empty()) {
      const Result sim = simulate_exact(model, res.regimen, grid);
      const auto& c = options.mode == TargetSite::plasma ? sim.cp_ng_ml() : sim.ce_ng_ml();
      for (std::size_t k = 0; k < grid.size(); ++k)
        if (c[k] >= (1.0 - options.reach_tolerance) * target) {
          res.time_to_target_min = grid[k];
          break;
        }
    }
  }
  return res;
}

namespace detail {

/// From state x (StateLayout), the model left alone: the time (min) after which the site's
/// concentration is at `level_ng_ml` and stays below it. 0 when it is already below and falling.
/// Exact steps of the system, then bisection on the step.
inline double time_to_fall(const System& sys, const Eigen::VectorXd& x0, const Eigen::VectorXd& c,
                           double level_ng_ml, const char* where) {
  ExactPropagator prop;
  prop.reset(sys);
  Eigen::VectorXd x = x0, prev(x0.size()), z(x0.size());
  double t = 0.0, c_prev = c.dot(x), dt = 1.0 / 60.0;
  bool above = c_prev > level_ng_ml;
  constexpr double kMaxMin = 1e6;
  for (int k = 0; t < kMaxMin; ++k) {
    prev = x;
    prop.advance(x, dt);
    t += dt;
    const double cx = c.dot(x);
    above = above || cx > level_ng_ml;
    if (cx <= level_ng_ml && cx < c_prev) {
      if (!above) return 0.0;  // never above the level
      // Bracketed in (t - dt, t]: bisection on the step from prev.
      double lo = 0.0, hi = dt;
      for (int it = 0; it < 60 && hi - lo > 1e-12 * (t + 1.0); ++it) {
        const double mid = 0.5 * (lo + hi);
        prop.advance_to(prev.data(), z.data(), mid);
        (c.dot(z) <= level_ng_ml ? hi : lo) = mid;
      }
      return t - dt + hi;
    }
    c_prev = cx;
    if (k >= 60) dt *= 1.05;  // fine first, then geometric
  }
  fail(where, "level_ng_ml", "a concentration reached within 1e6 min after stopping", level_ng_ml,
       "ng/mL (the model does not eliminate the drug fast enough)");
}

/// The regimen with every input stopped at stop_min (infusions cut, later doses dropped).
inline Regimen truncated(const Regimen& r, double stop_min) {
  Regimen out;
  for (const auto& d : r.records()) {
    if (d.time_min > stop_min) continue;
    switch (d.kind) {
      case DoseRecord::Kind::bolus:
        out.bolus({.dose_mg = d.amount_mg, .time_min = d.time_min, .compartment = d.target});
        break;
      case DoseRecord::Kind::infusion: {
        const double end = std::min(d.time_min + d.duration_min, stop_min);
        if (end > d.time_min && d.amount_mg > 0.0)
          out.infusion({.dose_mg = d.amount_mg * (end - d.time_min) / d.duration_min,
                        .start_min = d.time_min,
                        .duration_min = end - d.time_min,
                        .compartment = d.target});
        break;
      }
      case DoseRecord::Kind::route:
        out.dose(d.target,
                 {.dose_mg = d.amount_mg, .time_min = d.time_min, .position = d.position});
        break;
    }
  }
  return out;
}

}  // namespace detail

/// Decrement time: every input of `regimen` stopped at stop_min (an infusion is cut there, later
/// doses are dropped; drug already in a depot keeps being absorbed), the time (min after
/// stop_min) for the site's concentration to fall to level_ng_ml and stay below it. 0 when it is
/// already below and falling. Throws InvalidInput naming the field.
inline double decrement_time_min(const Model& model, const Regimen& regimen, double stop_min,
                                 double level_ng_ml, TargetSite site = TargetSite::plasma) {
  constexpr const char* where = "decrement_time";
  KETASIM_CHECK(std::isfinite(stop_min) && stop_min >= 0.0, where, "stop_min", ">= 0 min", stop_min,
                "min");
  KETASIM_CHECK(std::isfinite(level_ng_ml) && level_ng_ml > 0.0, where, "level_ng_ml", "> 0 ng/mL",
                level_ng_ml, "ng/mL");
  if (site == TargetSite::effect) detail::check_effect_site(model, where, "site", "effect");
  const Regimen cut = detail::truncated(regimen, stop_min);
  const double times[] = {stop_min};
  const Result at_stop = simulate_exact(model, cut, times);
  const detail::System sys = detail::compile(model, Regimen{});
  const Eigen::VectorXd x = at_stop.states().row(0).transpose();
  return detail::time_to_fall(sys, x, detail::tci_readout(model, sys.layout, site), level_ng_ml,
                              where);
}

/// Context-sensitive half-time (Hughes MA, Glass PSA, Jacobs JR. Anesthesiology
/// 1992;76(3):334-341; citation as commonly given, the paper not read here): for each duration, Cp
/// held constant by an IV infusion for that long from time 0 (the body empty before), then stopped:
/// the time (min) for the site's concentration to fall to half its value at the stop. Holding Cp
/// constant clamps the infusion compartment's concentration; the rest of the system is driven by it
/// exactly (matrix exponential).
inline std::vector<double> context_sensitive_half_time_min(const Model& model,
                                                           std::span<const double> durations_min,
                                                           TargetSite site = TargetSite::plasma) {
  constexpr const char* where = "context_sensitive_half_time";
  if (site == TargetSite::effect) detail::check_effect_site(model, where, "site", "effect");
  const int into = detail::iv_compartment(model);
  KETASIM_CHECK(into == model.plasma(), where, "model",
                "one whose IV route enters the plasma compartment", "another compartment");
  const detail::System sys = detail::compile(model, Regimen{});
  const Eigen::Index n = sys.layout.size;
  const int p = model.plasma();
  // The clamped system: every state but p, driven by the constant amount in p.
  std::vector<Eigen::Index> rest;
  for (Eigen::Index i = 0; i < n; ++i)
    if (i != p) rest.push_back(i);
  const auto m = static_cast<Eigen::Index>(rest.size());
  Eigen::MatrixXd ar(m, m);
  Eigen::VectorXd br(m);
  const double amount_p = model.volume_l(static_cast<std::size_t>(p));  // Cp = 1000 ng/mL
  for (Eigen::Index i = 0; i < m; ++i) {
    for (Eigen::Index j = 0; j < m; ++j) ar(i, j) = sys.a(rest[i], rest[j]);
    br[i] = sys.a(rest[i], p) * amount_p;
  }
  const Eigen::VectorXd c = detail::tci_readout(model, sys.layout, site);
  detail::ExactPropagator clamp;
  clamp.reset(ar);
  std::vector<double> out;
  out.reserve(durations_min.size());
  for (std::size_t k = 0; k < durations_min.size(); ++k) {
    const double d = durations_min[k];
    KETASIM_CHECK(std::isfinite(d) && d > 0.0 && d <= 1e6, where,
                  "durations_min[" + std::to_string(k) + "]", "in (0, 1e6] min", d, "min");
    Eigen::VectorXd xr = Eigen::VectorXd::Zero(m);
    clamp.step(xr, d, br, false);
    Eigen::VectorXd x(n);
    x[p] = amount_p;
    for (Eigen::Index i = 0; i < m; ++i) x[rest[i]] = xr[i];
    out.push_back(detail::time_to_fall(sys, x, c, 0.5 * c.dot(x), where));
  }
  return out;
}

}  // namespace ketasim
