// Inline definitions for population.hpp: input validation, the per-thread engine (a reduced
// exact propagator with fixed-size kernels, or the ODE solver), per-subject metrics and the
// summaries of a Population.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>
#include <utility>

#include "ketasim/detail/expm.hpp"
#include "ketasim/detail/huge_pages.hpp"
#include "ketasim/detail/random.hpp"
#include "ketasim/detail/system.hpp"
#include "ketasim/ode.hpp"
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

constexpr const char* kPopulation = "simulate_population";
/// Subjects per work item: small when curves are kept (load balance), larger for summaries only,
/// whose histograms are filled one block at a time (each histogram row's busy bins stay in cache
/// for the whole block). Results do not depend on it.
constexpr std::size_t kBlockSubjects = 32;
constexpr std::size_t kSummaryBlockSubjects = 256;
constexpr std::size_t kFlushTimes = 64;  ///< output times per tile when filling histograms

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
  if (opt.solver.method != Method::exact)
    check_ode_options(OdeOptions{
        .rtol = opt.solver.rtol, .atol = opt.solver.atol, .max_steps = opt.solver.max_steps});
  return p;
}

/// First time between samples (ta, fa) and (tb, fb), fa < thr <= fb, at which the cubic Hermite
/// interpolant with slopes da, db reaches thr (bisection on the cubic).
inline double hermite_crossing(double ta, double tb, double fa, double fb, double da, double db,
                               double thr) {
  const double h = tb - ta;
  if (!(h > 0.0)) return tb;
  auto p = [&](double s) {
    const double s2 = s * s, s3 = s2 * s;
    return (2 * s3 - 3 * s2 + 1) * fa + (s3 - 2 * s2 + s) * h * da + (3 * s2 - 2 * s3) * fb +
           (s3 - s2) * h * db;
  };
  double lo = 0.0, hi = 1.0;
  for (int it = 0; it < 60 && hi - lo > 1e-15; ++it) {
    const double mid = 0.5 * (lo + hi);
    (p(mid) >= thr ? hi : lo) = mid;
  }
  return ta + hi * h;
}

inline double linear_crossing(double ta, double tb, double fa, double fb, double thr) {
  if (!(tb > ta) || !(fb > fa)) return tb;
  return ta + (tb - ta) * (thr - fa) / (fb - fa);
}

/// Records one subject's outputs as the solver produces them (in time order), with its Cmax,
/// Tmax and threshold crossings. V is any vector type holding the state at indices p, e, d.
struct SubjectRecorder {
  std::span<const double> times;
  int p = 0, e = -1, d = 0;  ///< plasma, effect and effect-driver indices in the recorded state
  double cp_scale = 1.0;     ///< ng/mL per mg in the plasma compartment
  double a_ed = 0.0, a_ee = 0.0;  ///< dCe/dt = a_ed x_d + a_ee Ce (state units)
  double* cp = nullptr;
  double* ce = nullptr;
  std::span<const double> thresholds;
  bool thr_on_ce = false, thr_here = false;
  std::uint64_t* above = nullptr;   ///< K x T counts (thread-local)
  std::int32_t* reached = nullptr;  ///< K (this subject)
  double* onset = nullptr;          ///< K (this subject)
  double cmax = 0.0, tmax = 0.0, ce_max = 0.0, ce_tmax = 0.0;
  double prev = 0.0, prev_xd = 0.0, prev_xe = 0.0;
  double min_threshold = 0.0;

  void start() {
    min_threshold =
        thresholds.empty() ? 0.0 : *std::min_element(thresholds.begin(), thresholds.end());
    cmax = ce_max = -std::numeric_limits<double>::infinity();
    tmax = ce_tmax = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t k = 0; k < thresholds.size(); ++k) {
      reached[k] = -1;
      onset[k] = std::numeric_limits<double>::quiet_NaN();
    }
  }

  template <class V>
  void operator()(std::size_t i, const V& x) {
    const double t = times[i];
    const double c = cp_scale * x[p];
    cp[i] = c;
    if (c > cmax) {
      cmax = c;
      tmax = t;
    }
    double cee = 0.0;
    if (e >= 0) {
      cee = 1000.0 * x[e];
      ce[i] = cee;
      if (cee > ce_max) {
        ce_max = cee;
        ce_tmax = t;
      }
    }
    if (!thr_here) return;
    const double v = thr_on_ce ? cee : c;
    const double xd = thr_on_ce ? x[d] : 0.0, xe = thr_on_ce ? x[e] : 0.0;
    if (v >= min_threshold) {
      const std::size_t nt = times.size();
      for (std::size_t k = 0; k < thresholds.size(); ++k) {
        const double thr = thresholds[k];
        if (v < thr) continue;
        ++above[k * nt + i];
        if (reached[k] >= 0) continue;
        reached[k] = static_cast<std::int32_t>(i);
        if (i == 0) {
          onset[k] = t;
        } else if (thr_on_ce) {
          // Ce's slope from the state: dCe/dt = ke0 (C_driver - Ce), in ng/mL/min.
          const double s0 = 1000.0 * (a_ed * prev_xd + a_ee * prev_xe);
          const double s1 = 1000.0 * (a_ed * xd + a_ee * xe);
          onset[k] = hermite_crossing(times[i - 1], t, prev, v, s0, s1, thr);
        } else {
          onset[k] = linear_crossing(times[i - 1], t, prev, v, thr);
        }
      }
    }
    prev = v;
    prev_xd = xd;
    prev_xe = xe;
  }
};

/// The exact solution of one subject on its compartments and Ce only (the eliminated amount and
/// AUC states are left out): y = [x; 1] advances by y <- E y with E = exp([[A, b], [0, 0]] dt),
/// one matrix exponential per distinct (step, input) pair and subject. M = m + 1 is the size of
/// y (fixed at compile time for small models, Eigen::Dynamic otherwise).
template <int M>
class ReducedExact {
 public:
  using Mat = Eigen::Matrix<double, M, M>;
  using Vec = Eigen::Matrix<double, M, 1>;

  ReducedExact(const StateLayout& lay) : m_(lay.n_compartments + (lay.effect >= 0 ? 1 : 0)) {
    const Eigen::Index s = m_ + 1;
    a_.setZero(s, s);
    aug_.setZero(s, s);
    y_.setZero(s);
    tmp_.setZero(s);
    for (auto& c : cache_) c.e.setZero(s, s);
    expm_.resize(s);
    x_.setZero(m_);
    b_.setZero(m_);
    keep_.clear();
    for (int i = 0; i < lay.n_compartments; ++i) keep_.push_back(i);
    if (lay.effect >= 0) keep_.push_back(lay.effect);
  }

  int size() const { return m_; }
  /// Index of Ce in the reduced state.
  int effect_index() const { return m_ - 1; }

  /// Takes the subject's rate matrix; forgets the previous subject's propagators.
  void set_system(const System& sys) {
    for (std::size_t r = 0; r < keep_.size(); ++r)
      for (std::size_t c = 0; c < keep_.size(); ++c)
        a_(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = sys.a(keep_[r], keep_[c]);
    for (auto& c : cache_) c.dt = -1.0;
    cur_dt_ = -1.0;
    n_inputs_ = 0;
    inputs_.clear();
  }

  template <class Record>
  void run(const System& sys, std::span<const double> times, Record& record) {
    x_.setZero();
    auto seg = [&](Eigen::VectorXd& x, double t0, double t1, const Eigen::VectorXd& b,
                   std::size_t first, std::size_t last) {
      const int in = input_id(b);
      y_.head(m_) = x;
      y_[m_] = 1.0;
      double t = t0;
      for (std::size_t i = first; i < last; ++i) {
        advance(times[i] - t, in);
        t = times[i];
        record(i, y_);
      }
      advance(t1 - t, in);
      x = y_.head(m_);
    };
    walk(sys, times, x_, 0.0, false, b_, seg, record);
  }

 private:
  struct Entry {
    double dt = -1.0;
    int input = -1;
    Mat e;
  };

  int input_id(const Eigen::VectorXd& b) {
    for (int j = 0; j < n_inputs_; ++j)
      if (std::equal(b.data(), b.data() + m_, inputs_.data() + j * m_)) return j;
    inputs_.insert(inputs_.end(), b.data(), b.data() + m_);
    return n_inputs_++;
  }

  void advance(double dt, int in) {
    if (dt <= 0.0) return;
    if (dt != cur_dt_ || in != cur_in_) {  // exact repeat of the last step: no lookup
      cur_ = &lookup(dt, in);
      cur_dt_ = dt;
      cur_in_ = in;
    }
    const Mat& e = *cur_;
    tmp_.noalias() = e * y_;  // the last row of e is (0, ..., 0, 1): y[m] stays 1
    y_.swap(tmp_);
  }

  const Mat& lookup(double dt, int in) {
    const Entry& last = cache_[last_];
    if (last.input == in && std::abs(last.dt - dt) <= 1e-12 * dt) return last.e;
    for (std::size_t j = 0; j < cache_.size(); ++j) {
      const auto& c = cache_[j];
      if (c.input == in && std::abs(c.dt - dt) <= 1e-12 * dt) {
        last_ = j;
        return c.e;
      }
    }
    last_ = next_;
    Entry& c = cache_[next_];
    next_ = (next_ + 1) % cache_.size();
    aug_ = a_ * dt;
    aug_.col(m_).head(m_) = Eigen::Map<const Eigen::VectorXd>(inputs_.data() + in * m_, m_) * dt;
    expm_.compute(aug_, c.e);
    c.e.row(m_).setZero();
    c.e(m_, m_) = 1.0;
    c.dt = dt;
    c.input = in;
    return c.e;
  }

  int m_;
  std::vector<int> keep_;
  Mat a_, aug_;
  Vec y_, tmp_;
  Eigen::VectorXd x_, b_;
  std::array<Entry, 8> cache_;
  std::size_t next_ = 0, last_ = 0;
  const Mat* cur_ = nullptr;  ///< propagator of the last step (cur_dt_, cur_in_)
  double cur_dt_ = -1.0;
  int cur_in_ = -1;
  std::vector<double> inputs_;
  int n_inputs_ = 0;
  BasicExpm<Mat> expm_;
};

/// What all workers share: the plan, the outputs, the work counter and the first error.
struct PopulationRun {
  PopulationRun(const Model& m, const Regimen& r, std::span<const double> t,
                const PopulationSpec& s, const PopulationOptions& o, const PopulationPlan& p,
                PopulationData& d)
      : model(m), regimen(r), times(t), spec(s), opt(o), plan(p), out(d) {}
  const Model& model;
  const Regimen& regimen;
  std::span<const double> times;
  const PopulationSpec& spec;
  const PopulationOptions& opt;
  const PopulationPlan& plan;
  PopulationData& out;
  std::size_t block = kBlockSubjects;  ///< subjects per work item
  std::atomic<std::size_t> next_block{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::size_t error_subject = std::numeric_limits<std::size_t>::max();
  std::exception_ptr error;
  std::vector<CountMatrix> above;                         ///< per thread
  std::vector<TimeHistogram> hist_cp, hist_ce, hist_obs;  ///< per thread (summaries only)

  void fail_at(std::size_t subject, std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(mutex);
    if (subject < error_subject) {
      error_subject = subject;
      error = std::move(e);
    }
    stop = true;
  }
};

/// One worker thread: takes blocks of subjects until none is left.
template <int M>
void population_worker(PopulationRun& run, std::size_t thread) {
  const PopulationPlan& plan = run.plan;
  const PopulationSpec& spec = run.spec;
  const std::size_t nt = plan.n_times, n_par = plan.names.size(), nk = plan.var_index.size();
  const std::size_t n_thr = plan.thresholds.size();
  const bool exact = run.opt.solver.method == Method::exact;
  const bool observed = plan.residual.enabled();

  Model model = run.model;  // this thread's working copy (no builder)
  System sys;
  sys.layout = plan.layout;
  ReducedExact<M> reduced(plan.layout);
  const OdeOptions ode{.rtol = run.opt.solver.rtol,
                       .atol = run.opt.solver.atol,
                       .max_steps = run.opt.solver.max_steps,
                       .stiff = run.opt.solver.method == Method::ode_stiff};
  Eigen::VectorXd x, b;
  std::vector<double> values(n_par), z(nk), eta(nk), cov(plan.cov_names.size());
  std::vector<std::int32_t> reached(n_thr);
  std::vector<double> onset(n_thr);
  CountMatrix& above = run.above[thread];
  if (n_thr > 0) above.setZero(static_cast<Eigen::Index>(n_thr), static_cast<Eigen::Index>(nt));

  // Summaries only: curves of a block of subjects, flushed tile by tile into the histograms
  // (allocated when this thread gets its first block).
  RowMatrix buf_cp, buf_ce, buf_obs;
  auto allocate_summaries = [&] {
    const auto bn = static_cast<Eigen::Index>(run.block);
    const auto bt = static_cast<Eigen::Index>(nt);
    buf_cp.resize(bn, bt);
    run.hist_cp[thread] = TimeHistogram(nt, false);
    if (plan.effect_site) {
      buf_ce.resize(bn, bt);
      run.hist_ce[thread] = TimeHistogram(nt, false);
    }
    if (observed) {
      buf_obs.resize(bn, bt);
      run.hist_obs[thread] = TimeHistogram(nt, true);
    }
  };
  auto flush = [&](const RowMatrix& buf, TimeHistogram& hist, std::size_t nb) {
    for (std::size_t t0 = 0; t0 < nt; t0 += kFlushTimes) {
      const std::size_t t1 = std::min(nt, t0 + kFlushTimes);
      for (std::size_t r = 0; r < nb; ++r) {
        const double* row = buf.row(static_cast<Eigen::Index>(r)).data();
        for (std::size_t t = t0; t < t1; ++t) hist.add(t, row[t]);
      }
    }
  };

  PopulationData& out = run.out;
  std::size_t subject = 0;
  try {
    for (;;) {
      if (run.stop) return;
      const std::size_t block = run.next_block.fetch_add(1);
      const std::size_t s0 = block * run.block;
      if (s0 >= plan.n) break;
      const std::size_t s1 = std::min(plan.n, s0 + run.block);
      if (!plan.individual && buf_cp.size() == 0) allocate_summaries();
      for (std::size_t s = s0; s < s1; ++s) {
        subject = s;
        const std::size_t g = plan.first + s;
        SubjectRng rng(plan.seed, g);

        // Typical values: the builder's model for the covariates, or the reference model.
        std::optional<Model> built;
        if (spec.model_for) {
          for (std::size_t c = 0; c < cov.size(); ++c) cov[c] = (*plan.cov_values[c])[s];
          built.emplace(spec.model_for(SubjectCovariates(g, plan.cov_names, cov)));
          const auto& bp = built->parameters();
          bool same = bp.size() == n_par && built->n_compartments() == model.n_compartments() &&
                      built->has_effect_site() == plan.effect_site;
          for (std::size_t i = 0; same && i < n_par; ++i) same = bp[i].name == plan.names[i];
          if (!same)
            fail(kPopulation, "model_for's model",
                 "built like the reference model (parameters [" + join_names(plan.names) + "])",
                 "parameters [" + join_names(built->parameter_names()) + "]");
          for (std::size_t i = 0; i < n_par; ++i) values[i] = bp[i].value;
        } else {
          std::copy(plan.typical.begin(), plan.typical.end(), values.begin());
        }
        for (const auto& [i, given] : plan.given) values[static_cast<std::size_t>(i)] = (*given)[s];

        // Inter-individual variability: eta = diag(sd) L z.
        for (std::size_t j = 0; j < nk; ++j) z[j] = rng.normal();
        for (std::size_t j = 0; j < nk; ++j) {
          double e = 0.0;
          if (plan.chol.size() > 0) {
            for (std::size_t l = 0; l <= j; ++l)
              e += plan.chol(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(l)) * z[l];
          } else {
            e = z[j];
          }
          eta[j] = plan.var_sd[j] * e;
        }
        for (std::size_t j = 0; j < nk; ++j) {
          const auto i = static_cast<std::size_t>(plan.var_index[j]);
          double& v = values[i];
          if (plan.kinds[i] == ParameterKind::f) {
            if (v < 1.0) v = 1.0 / (1.0 + (1.0 / v - 1.0) * std::exp(-eta[j]));
          } else {
            v *= std::exp(eta[j]);
          }
        }
        Model& m = built ? *built : model;
        for (std::size_t i = 0; i < n_par; ++i) {
          m.set_parameter(i, values[i]);
          out.parameters(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(i)) = values[i];
        }

        // Compile and solve.
        fill_matrix(m, sys.layout, sys.a);
        fill_inputs(m, run.regimen, sys);
        sys.plasma = m.plasma();
        sys.plasma_volume_l = m.volume_l(static_cast<std::size_t>(sys.plasma));

        const std::size_t row = plan.individual ? s : s - s0;
        SubjectRecorder rec;
        rec.times = run.times;
        rec.p = sys.plasma;
        rec.cp_scale = 1000.0 / sys.plasma_volume_l;
        rec.cp = plan.individual ? out.cp.row(static_cast<Eigen::Index>(row))
                                 : buf_cp.row(static_cast<Eigen::Index>(row)).data();
        if (plan.effect_site) {
          rec.ce = plan.individual ? out.ce.row(static_cast<Eigen::Index>(row))
                                   : buf_ce.row(static_cast<Eigen::Index>(row)).data();
          rec.d = plan.driver;
          rec.a_ed = sys.a(sys.layout.effect, plan.driver);
          rec.a_ee = sys.a(sys.layout.effect, sys.layout.effect);
        }
        rec.thresholds = plan.thresholds;
        rec.thr_on_ce = plan.threshold_series == Output::ce;
        rec.thr_here = n_thr > 0 && plan.threshold_series != Output::cp_observed;
        rec.above = n_thr > 0 ? above.data() : nullptr;
        rec.reached = reached.data();
        rec.onset = onset.data();
        rec.start();
        if (exact) {
          rec.e = plan.effect_site ? reduced.effect_index() : -1;
          reduced.set_system(sys);
          reduced.run(sys, run.times, rec);
        } else {
          rec.e = sys.layout.effect;
          solve_ode(sys, run.times, ode, NoExtra{}, x, b, rec);
        }

        // Residual error, and thresholds on the simulated measurements.
        if (observed) {
          double* obs = plan.individual ? out.cp_observed.row(static_cast<Eigen::Index>(row))
                                        : buf_obs.row(static_cast<Eigen::Index>(row)).data();
          const double prop = plan.residual.proportional, add = plan.residual.additive_ng_ml;
          for (std::size_t i = 0; i < nt; ++i) {
            const double e1 = rng.normal();
            const double e2 = rng.normal();
            obs[i] = rec.cp[i] * (1.0 + prop * e1) + add * e2;
          }
          if (n_thr > 0 && plan.threshold_series == Output::cp_observed) {
            for (std::size_t i = 0; i < nt; ++i) {
              for (std::size_t k = 0; k < n_thr; ++k) {
                const double thr = plan.thresholds[k];
                if (obs[i] < thr) continue;
                ++above(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(i));
                if (reached[k] >= 0) continue;
                reached[k] = static_cast<std::int32_t>(i);
                onset[k] = i == 0 ? run.times[0]
                                  : linear_crossing(run.times[i - 1], run.times[i], obs[i - 1],
                                                    obs[i], thr);
              }
            }
          }
        }

        out.cmax[s] = rec.cmax;
        out.tmax[s] = rec.tmax;
        if (plan.effect_site) {
          out.ce_max[s] = rec.ce_max;
          out.ce_tmax[s] = rec.ce_tmax;
        }
        for (std::size_t k = 0; k < n_thr; ++k) {
          out.reached(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(s)) = reached[k];
          out.onset(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(s)) = onset[k];
        }
      }
      if (!plan.individual) {
        const std::size_t nb = s1 - s0;
        flush(buf_cp, run.hist_cp[thread], nb);
        if (plan.effect_site) flush(buf_ce, run.hist_ce[thread], nb);
        if (observed) flush(buf_obs, run.hist_obs[thread], nb);
      }
    }
  } catch (const InvalidInput& e) {
    run.fail_at(subject, std::make_exception_ptr(
                             InvalidInput(std::string(kPopulation) + ": subject " +
                                          std::to_string(plan.first + subject) + ": " + e.what())));
  } catch (const SolverError& e) {
    run.fail_at(subject, std::make_exception_ptr(
                             SolverError(std::string(kPopulation) + ": subject " +
                                         std::to_string(plan.first + subject) + ": " + e.what())));
  } catch (...) {
    run.fail_at(subject, std::current_exception());
  }
}

using WorkerFn = void (*)(PopulationRun&, std::size_t);

template <int... S>
WorkerFn population_worker_for(int size, std::integer_sequence<int, S...>) {
  WorkerFn f = population_worker<Eigen::Dynamic>;
  ((size == S + 2 ? (f = population_worker<S + 2>, 0) : 0), ...);
  return f;
}

/// The worker specialised for the augmented reduced state size (compartments + Ce + 1): fixed
/// sizes 2 to 9 cover models of up to 8 compartments with an effect site.
inline WorkerFn population_worker_fn(const StateLayout& lay) {
  const int size = lay.n_compartments + (lay.effect >= 0 ? 1 : 0) + 1;
  return population_worker_for(size, std::make_integer_sequence<int, 8>{});
}

}  // namespace detail

namespace detail {

inline void CurveBuffer::resize(Eigen::Index rows, Eigen::Index cols) {
  data_.reset();
  rows_ = rows;
  cols_ = cols;
  const std::size_t count = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
  if (count == 0) return;
  data_ = std::shared_ptr<double[]>(
      static_cast<double*>(allocate_for_huge_pages(count * sizeof(double))),
      [](double* q) { std::free(q); });
}

/// The curves of `reuse` for a run of `plan`, or InvalidInput naming what does not fit.
inline void take_curves(const PopulationPlan& plan, bool observed, const Population& reuse,
                        PopulationData& d) {
  constexpr const char* where = "simulate_population";
  KETASIM_CHECK(plan.individual, where, "reuse",
                "given only when curves are kept (keep_individual = true)",
                "a run keeping summaries only");
  KETASIM_CHECK(reuse.has_individual(), where, "reuse", "a population that kept its curves",
                "summaries only");
  const auto shape = [](std::size_t n, std::size_t t) {
    return std::to_string(n) + " x " + std::to_string(t);
  };
  KETASIM_CHECK(reuse.size() == plan.n && reuse.time_min().size() == plan.n_times, where, "reuse",
                "curves of this run's shape (" + shape(plan.n, plan.n_times) + ")",
                shape(reuse.size(), reuse.time_min().size()));
  KETASIM_CHECK(!plan.effect_site || reuse.has_effect_site(), where, "reuse",
                "Ce curves (this run has an effect site)", "none");
  KETASIM_CHECK(!observed || reuse.has_observed(), where, "reuse",
                "observed Cp curves (this run has a residual error)", "none");
  d.cp = reuse.data().cp;
  if (plan.effect_site) d.ce = reuse.data().ce;
  if (observed) d.cp_observed = reuse.data().cp_observed;
}

inline Population run_population(const Model& model, const Regimen& regimen,
                                 std::span<const double> times_min, const PopulationSpec& spec,
                                 const PopulationOptions& options, const Population* reuse) {
  const detail::PopulationPlan plan = detail::plan_population(model, times_min, spec, options);
  // Regimen against the model (unknown route or compartment), once, before any thread starts.
  (void)detail::compile(model, regimen);

  detail::PopulationData d;
  const auto n = static_cast<Eigen::Index>(plan.n);
  const auto nt = static_cast<Eigen::Index>(plan.n_times);
  const auto n_thr = static_cast<Eigen::Index>(plan.thresholds.size());
  d.time_min.assign(times_min.begin(), times_min.end());
  d.n = plan.n;
  d.first_subject = plan.first;
  d.individual = plan.individual;
  d.effect_site = plan.effect_site;
  d.observed = plan.residual.enabled();
  if (reuse != nullptr) {
    detail::take_curves(plan, d.observed, *reuse, d);
  } else if (plan.individual) {
    d.cp.resize(n, nt);
    if (d.effect_site) d.ce.resize(n, nt);
    if (d.observed) d.cp_observed.resize(n, nt);
  }
  d.parameter_names = plan.names;
  d.parameters.resize(n, static_cast<Eigen::Index>(plan.names.size()));
  d.cmax.assign(plan.n, 0.0);
  d.tmax.assign(plan.n, 0.0);
  if (d.effect_site) {
    d.ce_max.assign(plan.n, 0.0);
    d.ce_tmax.assign(plan.n, 0.0);
  }
  d.thresholds = plan.thresholds;
  d.threshold_series = plan.threshold_series;
  d.onset.resize(n_thr, n);
  d.reached.resize(n_thr, n);
  d.above.setZero(n_thr, nt);

  const std::size_t block =
      plan.individual ? detail::kBlockSubjects : detail::kSummaryBlockSubjects;
  const std::size_t blocks = (plan.n + block - 1) / block;
  std::size_t threads =
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = std::max<std::size_t>(1, std::min(threads, blocks));

  detail::PopulationRun run(model, regimen, times_min, spec, options, plan, d);
  run.block = block;
  run.above.resize(threads);
  run.hist_cp.resize(threads);
  run.hist_ce.resize(threads);
  run.hist_obs.resize(threads);
  const detail::WorkerFn worker = detail::population_worker_fn(plan.layout);
  if (threads == 1) {
    worker(run, 0);
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    try {
      for (std::size_t i = 0; i < threads; ++i) pool.emplace_back(worker, std::ref(run), i);
    } catch (...) {
      run.stop = true;
      for (auto& th : pool) th.join();
      throw;
    }
    for (auto& th : pool) th.join();
  }
  if (run.error) std::rethrow_exception(run.error);

  for (std::size_t i = 0; i < threads; ++i)
    if (n_thr > 0) d.above += run.above[i];
  if (!plan.individual) {
    // Sum the threads' histograms (a thread that got no block has none).
    auto merged = [&](std::vector<detail::TimeHistogram>& parts, bool is_signed) {
      detail::TimeHistogram out;
      for (auto& h : parts) {
        if (h.empty()) continue;
        if (out.empty())
          out = std::move(h);
        else
          out.merge(h);
      }
      // Not `cond ? TimeHistogram(...) : out`: the conditional would copy the 15 MB of counts.
      if (out.empty()) return detail::TimeHistogram(plan.n_times, is_signed);
      return out;
    };
    d.hist_cp = merged(run.hist_cp, false);
    if (d.effect_site) d.hist_ce = merged(run.hist_ce, false);
    if (d.observed) d.hist_observed = merged(run.hist_obs, true);
  }
  return Population(std::move(d));
}

}  // namespace detail

inline Population simulate_population(const Model& model, const Regimen& regimen,
                                      std::span<const double> times_min, const PopulationSpec& spec,
                                      const PopulationOptions& options) {
  return detail::run_population(model, regimen, times_min, spec, options, nullptr);
}

inline Population simulate_population(const Model& model, const Regimen& regimen,
                                      std::span<const double> times_min, const PopulationSpec& spec,
                                      const PopulationOptions& options, Population& reuse) {
  return detail::run_population(model, regimen, times_min, spec, options, &reuse);
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

inline std::vector<double> Population::onset_min(double threshold_ng_ml) const {
  const int k = threshold_index(threshold_ng_ml, d_.threshold_series);
  if (k < 0) {
    detail::fail("Population.onset_min", "threshold_ng_ml",
                 "one of the thresholds simulated [" + detail::join_values(d_.thresholds) + "]",
                 threshold_ng_ml, "ng/mL");
  }
  std::vector<double> out(d_.n);
  for (std::size_t s = 0; s < d_.n; ++s) out[s] = d_.onset(k, static_cast<Eigen::Index>(s));
  return out;
}

inline detail::RowMatrix Population::percentiles(std::span<const double> pct, Output o) const {
  constexpr const char* where = "Population.percentiles";
  KETASIM_CHECK(!pct.empty(), where, "percentiles", "non-empty", "an empty list");
  for (std::size_t j = 0; j < pct.size(); ++j)
    KETASIM_CHECK(std::isfinite(pct[j]) && pct[j] >= 0.0 && pct[j] <= 100.0, where,
                  "percentiles[" + std::to_string(j) + "]", "in [0, 100]", pct[j]);
  if (o == Output::ce)
    KETASIM_CHECK(d_.effect_site, where, "ce", "available (the model needs a ke0)",
                  "no effect site");
  if (o == Output::cp_observed)
    KETASIM_CHECK(d_.observed, where, "cp_observed", "available (simulate with a residual error)",
                  "no residual error");
  const std::size_t nt = d_.time_min.size(), n = d_.n, np = pct.size();
  // Order statistics needed: floor and ceil of (n - 1) p / 100 for each p, sorted and unique.
  std::vector<std::uint64_t> ranks;
  std::vector<double> h(np);
  for (std::size_t j = 0; j < np; ++j) {
    h[j] = pct[j] / 100.0 * static_cast<double>(n - 1);  // as numpy: quantile x (n - 1)
    const auto lo = static_cast<std::uint64_t>(std::floor(h[j]));
    ranks.push_back(lo);
    ranks.push_back(std::min<std::uint64_t>(lo + 1, n - 1));
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  std::vector<double> stats(ranks.size()), column(d_.individual ? n : 0);
  detail::RowMatrix out(static_cast<Eigen::Index>(np), static_cast<Eigen::Index>(nt));
  const detail::TimeHistogram* hist = o == Output::cp   ? &d_.hist_cp
                                      : o == Output::ce ? &d_.hist_ce
                                                        : &d_.hist_observed;
  const double* curve = d_.individual ? curves(o).data() : nullptr;
  for (std::size_t t = 0; t < nt; ++t) {
    if (curve != nullptr) {
      for (std::size_t s = 0; s < n; ++s) column[s] = curve[s * nt + t];
      auto begin = column.begin();
      for (std::size_t r = 0; r < ranks.size(); ++r) {
        auto nth = column.begin() + static_cast<std::ptrdiff_t>(ranks[r]);
        std::nth_element(begin, nth, column.end());
        stats[r] = *nth;
        begin = nth;
      }
    } else {
      hist->order_statistics(t, ranks, stats);
    }
    auto stat = [&](std::uint64_t k) {
      return stats[static_cast<std::size_t>(std::lower_bound(ranks.begin(), ranks.end(), k) -
                                            ranks.begin())];
    };
    for (std::size_t j = 0; j < np; ++j) {
      const auto lo = static_cast<std::uint64_t>(std::floor(h[j]));
      const auto hi = std::min<std::uint64_t>(lo + 1, n - 1);
      const double g = h[j] - static_cast<double>(lo);
      const double a = stat(lo), b = stat(hi);
      // numpy's lerp: from the nearer end, so that g = 1 gives b exactly
      out(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(t)) =
          g == 0.0 ? a : (g >= 0.5 ? b - (b - a) * (1.0 - g) : a + (b - a) * g);
    }
  }
  return out;
}

inline std::vector<double> Population::fraction_above(double thr, Output o, bool cumulative) const {
  constexpr const char* where = "Population.fraction_above";
  KETASIM_CHECK(std::isfinite(thr) && thr > 0.0, where, "threshold_ng_ml", "> 0 ng/mL", thr,
                "ng/mL");
  const std::size_t nt = d_.time_min.size(), n = d_.n;
  std::vector<double> counts(nt, 0.0);
  const int k = threshold_index(thr, o);
  if (k >= 0) {
    if (cumulative) {
      for (std::size_t s = 0; s < n; ++s) {
        const std::int32_t i = d_.reached(k, static_cast<Eigen::Index>(s));
        if (i >= 0) counts[static_cast<std::size_t>(i)] += 1.0;
      }
    } else {
      for (std::size_t t = 0; t < nt; ++t)
        counts[t] = static_cast<double>(d_.above(k, static_cast<Eigen::Index>(t)));
    }
  } else {
    if (!d_.individual) {
      detail::fail(where, "threshold_ng_ml",
                   "one of the thresholds simulated on " +
                       std::string(output_name(d_.threshold_series)) + " [" +
                       detail::join_values(d_.thresholds) + "] (only summaries were kept)",
                   thr, "ng/mL");
    }
    const double* c = curves(o).data();
    for (std::size_t s = 0; s < n; ++s) {
      const double* row = c + s * nt;
      bool reached = false;
      for (std::size_t t = 0; t < nt; ++t) {
        if (row[t] < thr) continue;
        if (!cumulative) {
          counts[t] += 1.0;
        } else if (!reached) {
          counts[t] += 1.0;
          reached = true;
          break;
        }
      }
    }
  }
  if (cumulative) std::partial_sum(counts.begin(), counts.end(), counts.begin());
  for (double& c : counts) c /= static_cast<double>(n);
  return counts;
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
    d.reached.middleCols(at, m) = p.reached;
    d.above += p.above;
    d.cmax.insert(d.cmax.end(), p.cmax.begin(), p.cmax.end());
    d.tmax.insert(d.tmax.end(), p.tmax.begin(), p.tmax.end());
    d.ce_max.insert(d.ce_max.end(), p.ce_max.begin(), p.ce_max.end());
    d.ce_tmax.insert(d.ce_tmax.end(), p.ce_tmax.begin(), p.ce_tmax.end());
    at += m;
  }
  return Population(std::move(d));
}

}  // namespace ketasim
