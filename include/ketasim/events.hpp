// Event records as NONMEM writes them (EVID, AMT, RATE, CMT, ADDL, II, SS and parameters that
// change at record times) and their simulation: steady states by linear algebra, resets,
// modelled rates and durations, an initial state.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ketasim/detail/step_exponential.hpp"
#include "ketasim/detail/system.hpp"
#include "ketasim/error.hpp"
#include "ketasim/exact.hpp"
#include "ketasim/model.hpp"
#include "ketasim/ode.hpp"
#include "ketasim/regimen.hpp"
#include "ketasim/result.hpp"
#include "ketasim/simulate.hpp"

namespace ketasim {

/// NONMEM's event identifier (EVID).
enum class Evid : int { observation = 0, dose = 1, other = 2, reset = 3, reset_and_dose = 4 };

/// NONMEM's steady-state flag (SS). reset (SS=1): every compartment is set to the steady state
/// reached by giving this dose every II forever, then the dose is given. add (SS=2): that steady
/// state is added to the current state (nothing is reset).
enum class SteadyState : int { none = 0, reset = 1, add = 2 };

/// Which record's parameter values apply between two records. nocb (NONMEM's rule, the default):
/// a record's values apply to the interval that ends at it (next observation carried backward).
/// locf (mrgsolve's option): they apply from the record on (last observation carried forward).
enum class ParameterRule { nocb, locf };

/// RATE codes: the rate implied by the route's modelled duration for the nominal amount
/// (AMT / duration; with F the duration shortens to F x duration), and the modelled duration
/// (kept; the amount is scaled by F).
inline constexpr double kModelledRate = -1.0;
inline constexpr double kModelledDuration = -2.0;

/// One record of an event table (one row of a NONMEM dataset, for one subject).
struct EventRecord {
  double time_min = 0.0;
  Evid evid = Evid::observation;
  double amount_mg = 0.0;  ///< AMT
  /// RATE: 0 bolus (or the route's own absorption), > 0 zero-order at this rate (with a route's
  /// F: the rate is kept and the duration is F x AMT / RATE), kModelledRate, kModelledDuration.
  double rate_mg_per_min = 0.0;
  std::string target = {};  ///< CMT: a compartment or a route name; empty: the plasma compartment
  int addl = 0;             ///< ADDL: this many more doses, every ii_min
  double ii_min = 0.0;      ///< II
  SteadyState ss = SteadyState::none;
  /// The dose's place in a session (1 = first nasal device), for a route path's
  /// fraction_by_position (a ketasim column, POSITION; NONMEM has none).
  int position = 1;
  /// Values of EventOptions::parameter_names at this record; empty: those of the record before
  /// (the model's own values for the first record).
  std::vector<double> parameters = {};
};

struct EventOptions {
  std::vector<std::string> parameter_names = {};  ///< model parameters the records set
  ParameterRule rule = ParameterRule::nocb;
  std::vector<double> initial_mg = {};  ///< amount in each compartment at time 0 (empty: none)
  double initial_ce_ng_ml = 0.0;        ///< effect-site concentration at time 0
  Options solver = {};                  ///< method (exact, ode, ode_stiff) and ODE tolerances
};

/// The state at each record, after the record's event (an observation at a dose's time, listed
/// after the dose, sees the dose). One row per record, in record order. Concentrations use the
/// volumes in force at the record.
struct EventResult {
  std::vector<double> time_min;
  std::vector<double> cp_ng_ml;
  std::vector<double> ce_ng_ml;       ///< empty without an effect site
  std::vector<std::string> analytes;  ///< names of the extra analytes
  RowMatrix analyte_ng_ml;            ///< records x analytes
  std::vector<std::string> compartments;
  RowMatrix amounts_mg;  ///< records x compartments
};

/// The regimen's doses as event records (EVID 1, in time order; an infusion as AMT at RATE
/// AMT / duration; a route dose with its position), for simulate_events with observation
/// records added.
inline std::vector<EventRecord> event_records(const Regimen& regimen) {
  std::vector<EventRecord> out;
  out.reserve(regimen.records().size());
  for (const auto& d : regimen.records()) {
    EventRecord r{.time_min = d.time_min,
                  .evid = Evid::dose,
                  .amount_mg = d.amount_mg,
                  .target = d.target,
                  .position = d.position};
    if (d.kind == DoseRecord::Kind::infusion) r.rate_mg_per_min = d.amount_mg / d.duration_min;
    out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const EventRecord& a, const EventRecord& b) {
    return a.time_min < b.time_min;
  });
  return out;
}

namespace detail {

/// An input of a dose: an instant (amount at `start`) or a zero-order span [start, end) at `rate`.
struct EventInput {
  double start;
  double end;
  int state;
  double rate;
  double amount;
  bool instant;
};

/// Most periods a steady-state dose's input may span (II against duration and lag).
inline constexpr double kMaxSteadyStatePeriods = 100000.0;

inline std::string record_field(std::size_t i, std::string_view field) {
  return "records[" + std::to_string(i) + "]." + std::string(field);
}

/// Propagates x over dt under input rates b: the exact propagator.
class ExactEventStepper {
 public:
  void reset(const System& sys) { prop_.reset(sys); }
  void advance(Eigen::VectorXd& x, double dt, const Eigen::VectorXd& b) {
    prop_.step(x, dt, b, b.isZero(0.0));
  }

 private:
  ExactPropagator prop_;
};

/// Propagates x over dt under input rates b: odeint (Dormand-Prince or Rosenbrock).
class OdeEventStepper {
 public:
  explicit OdeEventStepper(const OdeOptions& o) : opt_(o) {}
  void reset(const System& sys) { integ_.emplace(sys, opt_, NoExtra{}); }
  void advance(Eigen::VectorXd& x, double dt, const Eigen::VectorXd& b) {
    if (dt > 0.0)
      integ_->segment(x, 0.0, dt, b, {}, 0, 0, [](std::size_t, const Eigen::VectorXd&) {});
  }

 private:
  OdeOptions opt_;
  std::optional<OdeIntegrator<NoExtra>> integ_;
};

/// Advances x from t to t1 through the inputs in `pending` (instants applied when reached,
/// spans summed into the rate while active), never stepping across an input's edge. Instants at
/// t1 are applied when apply_end (a record at t1 sees them), else left pending. Consumed inputs
/// are removed.
template <class Stepper>
void advance_inputs(Stepper& st, std::vector<EventInput>& pending, Eigen::VectorXd& x,
                    Eigen::VectorXd& b, double& t, double t1, bool apply_end) {
  auto apply_until = [&](double te) {
    for (const auto& p : pending)
      if (p.instant && p.start <= te) x[p.state] += p.amount;
    std::erase_if(pending,
                  [&](const EventInput& p) { return p.instant ? p.start <= te : p.end <= te; });
  };
  if (pending.empty()) {  // the common case between doses: one step, no input
    if (t1 > t) {
      b.setZero();
      st.advance(x, t1 - t, b);
    }
    t = t1;
    return;
  }
  if (t < t1 || apply_end) apply_until(t);
  while (true) {
    double te = t1;
    for (const auto& p : pending) {
      if (p.start > t)
        te = std::min(te, p.start);
      else if (!p.instant && p.end > t)
        te = std::min(te, p.end);
    }
    b.setZero();
    for (const auto& p : pending)
      if (!p.instant && p.start <= t && p.end > t) b[p.state] += p.rate;
    if (te > t) st.advance(x, te - t, b);
    t = te;
    if (te == t1) {
      if (apply_end) apply_until(te);
      return;
    }
    apply_until(te);
  }
}

/// Runs event records through a stepper; see simulate_events.
template <class Stepper>
class EventEngine {
 public:
  /// model and opt must outlive the engine; run() may be called for several subjects.
  EventEngine(const Model& model, const EventOptions& opt, Stepper st)
      : base_(model), model_(model), opt_(opt), st_(std::move(st)) {}

  /// flat: the parameter values, records x parameter_names row-major (null: the records'
  /// own vectors).
  EventResult run(std::span<const EventRecord> recs, const double* flat = nullptr);

 private:
  static constexpr const char* where = "simulate_events";

  void validate(std::span<const EventRecord> recs) const;
  void set_params(std::span<const double> v);
  std::vector<EventInput> dose_program(const EventRecord& r, std::size_t i) const;
  void give(const EventRecord& r, std::size_t i);
  void steady_state(const EventRecord& r, std::size_t i);
  void reset_state();
  std::vector<int> steady_states() const;

  const Model& base_;  ///< the parameter values a record without its own starts from
  Model model_;        ///< base_ with the records' values set
  const EventOptions& opt_;
  Stepper st_;
  System sys_;
  std::vector<int> pidx_;
  std::vector<double> current_;
  bool compiled_ = false;
  Eigen::VectorXd x_, b_;
  double t_ = 0.0;
  std::vector<EventInput> pending_;
};

template <class Stepper>
void EventEngine<Stepper>::validate(std::span<const EventRecord> recs) const {
  KETASIM_CHECK(!recs.empty(), where, "records", "non-empty", "an empty list");
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const auto& r = recs[i];
    KETASIM_CHECK(std::isfinite(r.time_min) && r.time_min >= 0.0, where,
                  record_field(i, "time_min"), "finite and >= 0 min", r.time_min, "min");
    if (i > 0)
      KETASIM_CHECK(r.time_min >= recs[i - 1].time_min, where, record_field(i, "time_min"),
                    "sorted (>= " + format_value(recs[i - 1].time_min) + ")", r.time_min, "min");
    const int ev = static_cast<int>(r.evid);
    KETASIM_CHECK(ev >= 0 && ev <= 4, where, record_field(i, "evid"), "in [0, 4]", ev);
    const int ss = static_cast<int>(r.ss);
    KETASIM_CHECK(ss >= 0 && ss <= 2, where, record_field(i, "ss"), "0, 1 or 2", ss);
    KETASIM_CHECK(r.parameters.empty() || r.parameters.size() == opt_.parameter_names.size(), where,
                  record_field(i, "parameters"),
                  "empty or one value per parameter name (" +
                      std::to_string(opt_.parameter_names.size()) + ")",
                  r.parameters.size());
    const bool dose = r.evid == Evid::dose || r.evid == Evid::reset_and_dose;
    if (!dose) continue;
    KETASIM_CHECK(r.position >= 1, where, record_field(i, "position"), ">= 1", r.position);
    KETASIM_CHECK(std::isfinite(r.amount_mg) && r.amount_mg >= 0.0, where,
                  record_field(i, "amount_mg"), ">= 0 mg", r.amount_mg, "mg");
    const double rate = r.rate_mg_per_min;
    KETASIM_CHECK(
        std::isfinite(rate) && (rate >= 0.0 || rate == kModelledRate || rate == kModelledDuration),
        where, record_field(i, "rate_mg_per_min"),
        ">= 0 mg/min, -1 (modelled rate) or -2 (modelled duration)", rate, "mg/min");
    KETASIM_CHECK(std::isfinite(r.ii_min) && r.ii_min >= 0.0, where, record_field(i, "ii_min"),
                  ">= 0 min", r.ii_min, "min");
    KETASIM_CHECK(r.addl >= 0 && r.addl <= max_repeats, where, record_field(i, "addl"),
                  "in [0, 100000]", r.addl);
    if (r.addl > 0)
      KETASIM_CHECK(r.ii_min > 0.0, where, record_field(i, "ii_min"), "> 0 min when addl > 0",
                    r.ii_min, "min");
    const bool constant = r.amount_mg == 0.0 && rate > 0.0 && r.ii_min == 0.0;
    if (r.ss != SteadyState::none && !constant)
      KETASIM_CHECK(r.ii_min > 0.0, where, record_field(i, "ii_min"),
                    "> 0 min for a steady-state dose (or amount_mg = 0 with rate_mg_per_min > 0 "
                    "for a constant infusion)",
                    r.ii_min, "min");
    if (constant)
      KETASIM_CHECK(r.ss != SteadyState::none, where, record_field(i, "amount_mg"),
                    "> 0 mg with rate_mg_per_min > 0 unless ss is 1 or 2 (a constant infusion "
                    "at steady state)",
                    r.amount_mg, "mg");
    if (r.amount_mg == 0.0 && rate < 0.0)
      KETASIM_CHECK(false, where, record_field(i, "amount_mg"),
                    "> 0 mg with a modelled rate or duration", r.amount_mg, "mg");
  }
}

template <class Stepper>
void EventEngine<Stepper>::set_params(std::span<const double> v) {
  if (compiled_ && std::equal(v.begin(), v.end(), current_.begin(), current_.end())) return;
  for (std::size_t k = 0; k < v.size(); ++k)
    model_.set_parameter(static_cast<std::size_t>(pidx_[k]), v[k]);
  current_.assign(v.begin(), v.end());
  if (!compiled_) {
    sys_ = compile(model_, Regimen{});
    compiled_ = true;
  } else {  // same structure: refresh the rates and volumes only (as populations do)
    fill_matrix(model_, sys_.layout, sys_.a);
    fill_rate_terms(model_, sys_);
    sys_.plasma_volume_l = model_.volume_l(static_cast<std::size_t>(sys_.plasma));
    for (std::size_t j = 0; j < sys_.analytes.size(); ++j)
      sys_.analyte_volumes_l[j] = model_.volume_l(static_cast<std::size_t>(sys_.analytes[j]));
  }
  st_.reset(sys_);
}

template <class Stepper>
std::vector<EventInput> EventEngine<Stepper>::dose_program(const EventRecord& r,
                                                           std::size_t i) const {
  std::vector<EventInput> out;
  const double amt = r.amount_mg, rate = r.rate_mg_per_min;
  auto span_or_instant = [&](double start, double duration, int state, double amount) {
    if (start + duration > start)
      out.push_back({start, start + duration, state, amount / duration, 0.0, false});
    else
      out.push_back({start, start, state, 0.0, amount, true});
  };
  const int ri = r.target.empty() ? -1 : model_.route_index(r.target);
  if (ri < 0) {
    int into = model_.plasma();
    if (!r.target.empty() && r.target != "iv") {
      const auto names = model_.compartment_names();
      const auto it = std::find(names.begin(), names.end(), r.target);
      if (it == names.end()) {
        std::string known;
        for (const auto& n : names) known += n + ", ";
        for (const auto& n : model_.route_names()) known += n + ", ";
        fail(where, record_field(i, "target"),
             "a compartment or route of the model [" + known + "iv]", r.target);
      }
      into = static_cast<int>(it - names.begin());
    }
    KETASIM_CHECK(rate >= 0.0, where, record_field(i, "rate_mg_per_min"),
                  ">= 0 mg/min for a dose into a compartment (-1 and -2 need a route with a "
                  "modelled duration)",
                  rate, "mg/min");
    if (amt == 0.0) return out;
    span_or_instant(0.0, rate > 0.0 ? amt / rate : 0.0, into, amt);
    return out;
  }
  const auto& params = model_.parameters();
  auto pval = [&](int k) { return k < 0 ? 0.0 : params[static_cast<std::size_t>(k)].value; };
  for (const auto& path : model_.routes()[static_cast<std::size_t>(ri)].paths) {
    const double frac = path.fraction_at(r.position), f = pval(path.f_param),
                 lag = pval(path.tlag_param);
    const double mdur = pval(path.duration_param);
    const int into = path.depot >= 0 ? path.depot : path.target;
    const double amount = amt * frac * f;
    if (rate < 0.0)
      KETASIM_CHECK(
          mdur > 0.0, where, record_field(i, "rate_mg_per_min"),
          "-1 or -2 only for a route with a modelled duration (route " + r.target + " has none)",
          rate, "mg/min");
    if (amount == 0.0) continue;
    if (rate == 0.0) {
      span_or_instant(lag, mdur, into, amount);
    } else if (rate > 0.0) {
      span_or_instant(lag, amount / (rate * frac), into, amount);  // F x AMT / RATE
    } else if (rate == kModelledDuration) {
      span_or_instant(lag, mdur, into, amount);
    } else {
      span_or_instant(lag, f * mdur, into, amount);  // rate AMT / D kept, duration F x D
    }
  }
  return out;
}

template <class Stepper>
void EventEngine<Stepper>::give(const EventRecord& r, std::size_t i) {
  for (auto p : dose_program(r, i)) {
    p.start += t_;
    p.end += t_;
    if (p.instant && p.start <= t_)
      x_[p.state] += p.amount;
    else
      pending_.push_back(p);
  }
}

template <class Stepper>
std::vector<int> EventEngine<Stepper>::steady_states() const {
  std::vector<int> s;
  for (int j = 0; j < sys_.layout.n_compartments; ++j) s.push_back(j);
  if (sys_.layout.effect >= 0) s.push_back(sys_.layout.effect);
  return s;
}

template <class Stepper>
void EventEngine<Stepper>::reset_state() {
  x_.setZero();
  pending_.clear();
}

/// The periodic steady state just before the dose, with y(s) the state s after one dose given
/// to an empty system: x_ss = sum_{k >= 1} y(k II). Once the dose's inputs are over (by m II),
/// y((m + j) II) = Phi(II)^j y(m II), so x_ss = sum_{k < m} y(k II) + (I - Phi(II))^-1 y(m II),
/// over the compartments and Ce (the eliminated amount and the AUC have no steady state; an SS=1
/// record restarts them from 0). The earlier doses' inputs still running at the dose (an
/// infusion longer than II, a lag longer than II) continue after it.
template <class Stepper>
void EventEngine<Stepper>::steady_state(const EventRecord& r, std::size_t i) {
  const auto s = steady_states();
  const Eigen::Index ns = static_cast<Eigen::Index>(s.size());
  const Eigen::Index n = sys_.layout.size;
  Eigen::VectorXd xss = Eigen::VectorXd::Zero(ns);
  auto no_steady_state = [&] {
    fail(where, record_field(i, "ss"),
         "0 for this model: it has no steady state (some compartment does not eliminate)",
         static_cast<int>(r.ss));
  };
  std::vector<EventInput> tails;
  const bool constant = r.amount_mg == 0.0 && r.rate_mg_per_min > 0.0 && r.ii_min == 0.0;
  if (constant) {
    // Rates into each state: a dose of rate x 1 min, given as that rate for good.
    EventRecord unit = r;
    unit.amount_mg = r.rate_mg_per_min;
    unit.rate_mg_per_min = 0.0;
    Eigen::VectorXd b = Eigen::VectorXd::Zero(n);
    for (const auto& p : dose_program(unit, i)) {
      const double rate = p.instant ? p.amount : p.rate * (p.end - p.start);
      b[p.state] += rate;
      tails.push_back({t_, std::numeric_limits<double>::infinity(), p.state, rate, 0.0, false});
    }
    Eigen::MatrixXd as(ns, ns);
    Eigen::VectorXd bs(ns);
    for (Eigen::Index a = 0; a < ns; ++a) {
      bs[a] = b[s[a]];
      for (Eigen::Index c = 0; c < ns; ++c) as(a, c) = sys_.a(s[a], s[c]);
    }
    Eigen::FullPivLU<Eigen::MatrixXd> lu(as);
    if (!lu.isInvertible()) no_steady_state();
    xss = lu.solve(-bs);
  } else {
    const auto program = dose_program(r, i);
    const double ii = r.ii_min;
    double m = 1.0;
    for (const auto& p : program)
      m = std::max(m, p.instant ? std::floor(p.start / ii) + 1.0 : std::ceil(p.end / ii));
    KETASIM_CHECK(m <= kMaxSteadyStatePeriods, where, record_field(i, "ii_min"),
                  "at least 1/100000 of the dose's input time (duration and lag)", ii, "min");
    const int periods = static_cast<int>(m);
    std::vector<EventInput> p = program;
    Eigen::VectorXd y = Eigen::VectorXd::Zero(n), b(n);
    double t = 0.0;
    for (int k = 1; k <= periods; ++k) {
      advance_inputs(st_, p, y, b, t, k * ii, false);
      if (k < periods)
        for (Eigen::Index a = 0; a < ns; ++a) xss[a] += y[s[a]];
    }
    StepExponential se;
    se.resize(n);
    Eigen::MatrixXd phi(n, n), psi(n, n);
    se.compute(sys_.a, &sys_, ii, phi, psi);
    Eigen::MatrixXd ims(ns, ns);
    Eigen::VectorXd ym(ns);
    for (Eigen::Index a = 0; a < ns; ++a) {
      ym[a] = y[s[a]];
      for (Eigen::Index c = 0; c < ns; ++c) ims(a, c) = (a == c ? 1.0 : 0.0) - phi(s[a], s[c]);
    }
    Eigen::FullPivLU<Eigen::MatrixXd> lu(ims);
    if (!lu.isInvertible()) no_steady_state();
    xss += lu.solve(ym);
    // Inputs of the doses at t - k II still to come at or after t.
    for (int k = 1; k < periods; ++k) {
      const double back = k * ii;
      for (const auto& q : program) {
        if (q.instant) {
          if (q.start >= back)
            tails.push_back({t_ + q.start - back, 0.0, q.state, 0.0, q.amount, true});
        } else if (q.end > back) {
          tails.push_back({t_ + std::max(q.start, back) - back, t_ + q.end - back, q.state, q.rate,
                           0.0, false});
        }
      }
    }
  }
  if (r.ss == SteadyState::reset) reset_state();
  for (Eigen::Index a = 0; a < ns; ++a) x_[s[a]] += xss[a];
  for (const auto& q : tails) {
    if (q.instant && q.start <= t_)
      x_[q.state] += q.amount;
    else
      pending_.push_back(q);
  }
  if (!constant) give(r, i);
}

template <class Stepper>
EventResult EventEngine<Stepper>::run(std::span<const EventRecord> recs, const double* flat) {
  validate(recs);
  if (!compiled_) model_.validate();
  pidx_.clear();
  pending_.clear();
  const std::size_t nr = recs.size();
  // Parameters: resolve names, fill each record's values (carried from the record before).
  const auto& params = model_.parameters();
  for (const auto& name : opt_.parameter_names) {
    const auto it = std::find_if(params.begin(), params.end(),
                                 [&](const Parameter& p) { return p.name == name; });
    if (it == params.end()) {
      std::string known;
      for (const auto& k : params) known += (known.empty() ? "" : ", ") + k.name;
      fail(where, "parameter_names", "names of the model's parameters [" + known + "]", name);
    }
    pidx_.push_back(static_cast<int>(it - params.begin()));
  }
  // values: row i (np entries) holds the parameters in force at record i; from the records'
  // own vectors, or from flat (row-major, records x names) when given (the bindings).
  const std::size_t np = pidx_.size();
  std::vector<double> values(nr * np);
  {
    std::vector<double> v;
    for (int k : pidx_) v.push_back(base_.parameters()[static_cast<std::size_t>(k)].value);
    for (std::size_t i = 0; i < nr; ++i) {
      const double* given =
          flat != nullptr ? flat + i * np
                          : (recs[i].parameters.empty() ? nullptr : recs[i].parameters.data());
      if (given != nullptr) {
        for (std::size_t k = 0; k < np; ++k) {
          const auto& p = model_.parameters()[static_cast<std::size_t>(pidx_[k])];
          try {
            check_parameter("Model", p.name, p.kind, given[k]);  // as Model::set_parameter
          } catch (const InvalidInput& e) {
            throw_invalid(std::string(where) + ": " +
                          record_field(i, "parameters[" + opt_.parameter_names[k] + "]: ") +
                          e.what());
          }
          v[k] = given[k];
        }
      }
      std::copy(v.begin(), v.end(), values.begin() + static_cast<std::ptrdiff_t>(i * np));
    }
  }
  auto row = [&](std::size_t i) { return std::span<const double>(values.data() + i * np, np); };
  // Actions: the records, and the additional doses (ADDL) at their times, an additional dose
  // before a record at the same time.
  struct Action {
    double time;
    std::size_t record;
    bool additional;
  };
  std::vector<Action> actions;
  actions.reserve(nr);
  for (std::size_t i = 0; i < nr; ++i) {
    actions.push_back({recs[i].time_min, i, false});
    const bool dose = recs[i].evid == Evid::dose || recs[i].evid == Evid::reset_and_dose;
    if (dose)
      for (int k = 1; k <= recs[i].addl; ++k)
        actions.push_back({recs[i].time_min + k * recs[i].ii_min, i, true});
  }
  std::stable_sort(actions.begin(), actions.end(), [](const Action& a, const Action& b) {
    return a.time < b.time || (a.time == b.time && a.additional && !b.additional);
  });
  // The record whose values hold on the interval that ends at each action.
  std::vector<std::size_t> in_force(actions.size());
  if (opt_.rule == ParameterRule::nocb) {
    std::size_t next = nr - 1;
    for (std::size_t k = actions.size(); k-- > 0;) {
      if (!actions[k].additional) next = actions[k].record;
      in_force[k] = next;
    }
  } else {
    std::size_t last = 0;
    for (std::size_t k = 0; k < actions.size(); ++k) {
      in_force[k] = last;
      if (!actions[k].additional) last = actions[k].record;
    }
  }

  set_params(row(in_force.empty() ? 0 : in_force[0]));
  const Eigen::Index n = sys_.layout.size;
  const int nc = sys_.layout.n_compartments;
  x_ = Eigen::VectorXd::Zero(n);
  b_ = Eigen::VectorXd::Zero(n);
  if (!opt_.initial_mg.empty()) {
    KETASIM_CHECK(opt_.initial_mg.size() == static_cast<std::size_t>(nc), where, "initial_mg",
                  "one amount per compartment (" + std::to_string(nc) + ")",
                  opt_.initial_mg.size());
    for (int j = 0; j < nc; ++j) {
      const double a = opt_.initial_mg[static_cast<std::size_t>(j)];
      KETASIM_CHECK(std::isfinite(a) && a >= 0.0, where, "initial_mg[" + std::to_string(j) + "]",
                    ">= 0 mg", a, "mg");
      x_[j] = a;
    }
  }
  KETASIM_CHECK(std::isfinite(opt_.initial_ce_ng_ml) && opt_.initial_ce_ng_ml >= 0.0, where,
                "initial_ce_ng_ml", ">= 0 ng/mL", opt_.initial_ce_ng_ml, "ng/mL");
  if (opt_.initial_ce_ng_ml != 0.0) {
    KETASIM_CHECK(sys_.layout.effect >= 0, where, "initial_ce_ng_ml",
                  "0 for a model without an effect site", opt_.initial_ce_ng_ml, "ng/mL");
    x_[sys_.layout.effect] = opt_.initial_ce_ng_ml / 1000.0;
  }
  t_ = 0.0;

  EventResult out;
  out.compartments = model_.compartment_names();
  for (int a : model_.analytes())
    out.analytes.push_back(out.compartments[static_cast<std::size_t>(a)]);
  out.time_min.resize(nr);
  out.cp_ng_ml.resize(nr);
  if (sys_.layout.effect >= 0) out.ce_ng_ml.resize(nr);
  out.analyte_ng_ml.resize(static_cast<Eigen::Index>(nr),
                           static_cast<Eigen::Index>(out.analytes.size()));
  out.amounts_mg.resize(static_cast<Eigen::Index>(nr), nc);

  for (std::size_t k = 0; k < actions.size(); ++k) {
    const Action& a = actions[k];
    set_params(row(in_force[k]));
    advance_inputs(st_, pending_, x_, b_, t_, a.time, true);
    const EventRecord& r = recs[a.record];
    if (a.additional) {
      give(r, a.record);
      continue;
    }
    set_params(row(a.record));
    if (r.evid == Evid::reset || r.evid == Evid::reset_and_dose) reset_state();
    if (r.evid == Evid::dose || r.evid == Evid::reset_and_dose) {
      if (r.ss != SteadyState::none)
        steady_state(r, a.record);
      else
        give(r, a.record);
    }
    const auto i = static_cast<Eigen::Index>(a.record);
    out.time_min[a.record] = r.time_min;
    out.cp_ng_ml[a.record] = 1000.0 * x_[sys_.plasma] / sys_.plasma_volume_l;
    if (sys_.layout.effect >= 0) out.ce_ng_ml[a.record] = 1000.0 * x_[sys_.layout.effect];
    for (std::size_t j = 0; j < sys_.analytes.size(); ++j)
      out.analyte_ng_ml(i, static_cast<Eigen::Index>(j)) =
          1000.0 * x_[sys_.analytes[j]] / sys_.analyte_volumes_l[j];
    for (int j = 0; j < nc; ++j) out.amounts_mg(i, j) = x_[j];
    for (Eigen::Index j = 0; j < n; ++j)
      if (!std::isfinite(x_[j])) [[unlikely]]
        throw SolverError("simulate_events: the " + sys_.state_name(static_cast<std::size_t>(j)) +
                          " at record " + std::to_string(a.record) + " (" +
                          format_value(r.time_min) + " min) is " + format_value(x_[j]) +
                          ", beyond the range of double precision; no result is returned");
  }
  return out;
}

}  // namespace detail

namespace detail {
/// simulate_events with the parameter values given flat (records x parameter_names, row-major;
/// null: the records' own vectors), for the bindings.
inline EventResult simulate_events_with(const Model& model, std::span<const EventRecord> records,
                                        const EventOptions& options, const double* flat) {
  if (options.solver.method == Method::exact)
    return EventEngine<ExactEventStepper>(model, options, {}).run(records, flat);
  const OdeOptions ode{.rtol = options.solver.rtol,
                       .atol = options.solver.atol,
                       .max_steps = options.solver.max_steps,
                       .stiff = options.solver.method == Method::ode_stiff};
  check_ode_options(ode);
  return EventEngine<OdeEventStepper>(model, options, OdeEventStepper(ode)).run(records, flat);
}

/// Runs blocks [starts[b], starts[b + 1]) of records (one subject each) through
/// simulate_events, block b with models[b] (or models[0] for all, reusing one engine), and calls
/// done(b, result) for each; messages name records[] by their index in `records`. flat as for
/// simulate_events_with.
template <class Done>
void simulate_event_blocks(std::span<const Model> models, std::span<const EventRecord> records,
                           std::span<const std::size_t> starts, const EventOptions& options,
                           const double* flat, Done&& done) {
  const std::size_t np = options.parameter_names.size();
  auto blocks = [&](auto& make) {
    decltype(make(models[0])) shared = make(models[0]);
    for (std::size_t b = 0; b + 1 < starts.size(); ++b) {
      const std::size_t s0 = starts[b], s1 = starts[b + 1];
      if (s1 == s0) continue;
      try {
        const auto recs = records.subspan(s0, s1 - s0);
        const double* f = flat != nullptr ? flat + s0 * np : nullptr;
        if (models.size() == 1) {
          done(b, shared.run(recs, f));
        } else {
          auto engine = make(models[b]);
          done(b, engine.run(recs, f));
        }
      } catch (const InvalidInput& e) {
        // records[k] of the block is records[s0 + k] of the batch.
        std::string msg = e.what();
        const std::string key = "records[";
        const auto at = msg.find(key);
        if (at != std::string::npos) {
          const auto a = at + key.size(), z = msg.find(']', a);
          msg = msg.substr(0, a) + std::to_string(std::stoul(msg.substr(a, z - a)) + s0) +
                msg.substr(z);
        }
        throw_invalid(msg);
      }
    }
  };
  if (options.solver.method == Method::exact) {
    auto make = [&](const Model& m) { return EventEngine<ExactEventStepper>(m, options, {}); };
    blocks(make);
  } else {
    const OdeOptions ode{.rtol = options.solver.rtol,
                         .atol = options.solver.atol,
                         .max_steps = options.solver.max_steps,
                         .stiff = options.solver.method == Method::ode_stiff};
    check_ode_options(ode);
    auto make = [&](const Model& m) {
      return EventEngine<OdeEventStepper>(m, options, OdeEventStepper(ode));
    };
    blocks(make);
  }
}
}  // namespace detail

/// Simulates one subject's event records (sorted by time; same-time records in their order) and
/// returns the state after each record, in record order. The dosing semantics are NONMEM's:
///  - evid reset (EVID 3) empties every compartment (and the eliminated amount and AUC) and
///    cancels infusions in progress and lagged doses not yet absorbed; reset_and_dose (EVID 4)
///    does so, then doses. Additional doses (ADDL) of earlier records are still given.
///  - a dose into a compartment (or "iv", or an empty target: the plasma compartment) is a bolus
///    (RATE 0) or a zero-order infusion of AMT at RATE; into a route it follows the route's
///    paths, each with its fraction, F, lag and absorption (RATE > 0: rate kept, duration
///    F x AMT / RATE; -2: the path's modelled duration kept, amount F x AMT; -1: the modelled
///    rate AMT / duration kept, duration F x duration).
///  - ss reset (SS=1) / add (SS=2): the periodic steady state of the dose every II, by linear
///    algebra (see detail::EventEngine::steady_state); amount 0 with a rate and II = 0: the
///    plateau of a never-ending infusion (rate x F into each path), which then runs on until a
///    reset.
///  - parameters change at records by options.rule (nocb by default); a dose uses the values in
///    force at its time (the record's own for a record).
///  - options.solver.method ode and ode_stiff integrate between events with odeint; steady
///    states are the same linear solve.
/// Throws InvalidInput naming records[i] and the field on bad input.
inline EventResult simulate_events(const Model& model, std::span<const EventRecord> records,
                                   const EventOptions& options = {}) {
  return detail::simulate_events_with(model, records, options, nullptr);
}

}  // namespace ketasim
