// Compiles a Model and a Regimen into what both solvers share: the rate matrix of the augmented
// linear state, the instantaneous inputs, the zero-order input spans and the breakpoints.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ketasim/error.hpp"
#include "ketasim/model.hpp"
#include "ketasim/regimen.hpp"
#include "ketasim/state_layout.hpp"

namespace ketasim {

namespace detail {

struct Instant {
  double time;
  int state;
  double amount;
};

struct Span {
  double start;
  double end;
  int state;
  double rate;
};

/// A first-order rate of the matrix; its name (the parameters that make it, "q2 / v1",
/// "oral.ka") is System::names[begin, end), kept to name the fastest rates when a solver cannot
/// resolve them.
struct RateTerm {
  int from;
  double per_min;
  std::uint32_t begin, end;
};

/// Everything a solver needs, in mg, L and minutes.
struct System {
  StateLayout layout;
  Eigen::MatrixXd a;                ///< d x/dt = a x + b(t)
  std::vector<Instant> instants;    ///< sorted by time
  std::vector<Span> spans;          ///< zero-order inputs
  std::vector<double> breakpoints;  ///< sorted unique times where the input changes
  /// The states that receive a zero-order input, and the rate each receives on every interval
  /// between breakpoints: row k (k = 0..breakpoints.size()) holds the rates in force on
  /// [breakpoints[k-1], breakpoints[k]), row-major, one column per entry of input_states.
  std::vector<int> input_states;
  std::vector<double> interval_rates;
  int plasma = 0;
  double plasma_volume_l = 1.0;
  std::vector<int> analytes;
  std::vector<double> analyte_volumes_l;
  /// For messages, filled by compile() (not by fill_matrix): the rates, and one buffer holding
  /// their names and the states' names (state j is names[state_ends[j-1], state_ends[j])).
  std::vector<RateTerm> rates;
  std::string names;
  std::vector<std::uint32_t> state_ends;

  std::string_view rate_name(const RateTerm& r) const {
    return std::string_view(names).substr(r.begin, r.end - r.begin);
  }
  std::string state_name(std::size_t j) const {
    if (j >= state_ends.size()) return "state " + std::to_string(j);
    const std::uint32_t b = j == 0 ? 0 : state_ends[j - 1];
    return names.substr(b, state_ends[j] - b);
  }

  /// Sets b to the input rates in force on breakpoint interval k (see interval_rates).
  void rates_on_interval(std::size_t k, Eigen::VectorXd& b) const {
    b.setZero();
    const std::size_t m = input_states.size();
    if (m == 0) return;
    const double* r = interval_rates.data() + k * m;
    for (std::size_t j = 0; j < m; ++j) b[input_states[j]] = r[j];
  }

  /// Sets b to the input rates in force just after time t (spans are [start, end)).
  void rates_at(double t, Eigen::VectorXd& b) const {
    const auto k =
        std::upper_bound(breakpoints.begin(), breakpoints.end(), t) - breakpoints.begin();
    rates_on_interval(static_cast<std::size_t>(k), b);
  }
};

/// The names of a link's rate: "cl / v1" for a clearance, the parameter's own name otherwise.
inline std::string rate_name(const Model& m, const Model::Link& l) {
  const auto& params = m.parameters();
  std::string name = params[static_cast<std::size_t>(l.param)].name;
  if (l.clearance) {
    const int vp = m.compartments()[static_cast<std::size_t>(l.from)].volume_param;
    name += " / " + params[static_cast<std::size_t>(vp)].name;
  }
  return name;
}

/// The name of compartment i's volume parameter (compartments with a volume only).
inline const std::string& volume_name(const Model& m, int i) {
  const int vp = m.compartments()[static_cast<std::size_t>(i)].volume_param;
  return m.parameters()[static_cast<std::size_t>(vp)].name;
}

inline std::string value_with_unit(double v, std::string_view unit) {
  std::string s = format_value(v);
  if (!unit.empty()) s.append(" ").append(unit);
  return s;
}

[[noreturn, gnu::cold, gnu::noinline]] inline void fail_rate(const Model& m, const Model::Link& l,
                                                             double rate) {
  const auto& p = m.parameters()[static_cast<std::size_t>(l.param)];
  std::string given = "(" + p.name + " = " + value_with_unit(p.value, unit_of(p.kind));
  if (l.clearance)
    given += ", " + volume_name(m, l.from) + " = " +
             value_with_unit(m.volume_l(static_cast<std::size_t>(l.from)), "L");
  fail("Model", rate_name(m, l), "a finite rate", rate, "1/min " + given + ")");
}

/// 1000 / V of compartment i (ng/mL per mg), checked finite (V = 5e-324 L overflows it).
inline double concentration_scale(const Model& m, int i) {
  const double v = m.volume_l(static_cast<std::size_t>(i));
  const double scale = 1000.0 / v;
  if (!std::isfinite(scale)) [[unlikely]]
    fail("Model", "1000 / " + volume_name(m, i) + " (ng/mL per mg)", "finite", scale,
         "(" + volume_name(m, i) + " = " + value_with_unit(v, "L") + ")");
  return scale;
}

/// Fills sys.a from the model's current parameter values (size fixed by the layout). Throws
/// InvalidInput naming the parameters when a derived rate or concentration scale overflows.
inline void fill_matrix(const Model& m, const StateLayout& lay, Eigen::MatrixXd& a) {
  a.setZero(lay.size, lay.size);
  for (const auto& l : m.links()) {
    const double r = m.link_rate(l);
    if (!std::isfinite(r)) [[unlikely]]
      fail_rate(m, l, r);
    a(l.from, l.from) -= r;
    a(l.to >= 0 ? l.to : lay.eliminated, l.from) += r;
  }
  const int p = m.plasma();
  a(lay.auc, p) = concentration_scale(m, p) / 1000.0;
  if (lay.effect >= 0) {
    const double ke0 = m.ke0_per_min();
    const int d = m.effect_driver();
    const double r = ke0 * (concentration_scale(m, d) / 1000.0);
    if (!std::isfinite(r)) [[unlikely]]
      fail("Model", "ke0 / " + volume_name(m, d), "finite", r,
           "1/(L min) (ke0 = " + value_with_unit(ke0, "1/min") + ", " + volume_name(m, d) + " = " +
               value_with_unit(m.volume_l(static_cast<std::size_t>(d)), "L") + ")");
    a(lay.effect, d) = r;
    a(lay.effect, lay.effect) = -ke0;
  }
}

/// A zero-order input of amount mg over [start, start + duration), or an instant when the
/// duration is below the resolution of the time axis (start + duration == start), so that no
/// dose is lost to rounding.
inline void add_span(System& sys, double start, double duration, int state, double amount) {
  const double end = start + duration;
  if (end > start)
    sys.spans.push_back({start, end, state, amount / duration});
  else
    sys.instants.push_back({start, state, amount});
}

namespace input_detail {
inline std::string known_routes(const Model& m) {
  std::string known;
  for (const auto& name : m.route_names()) known += name + ", ";
  return known + "iv";
}

[[noreturn, gnu::cold, gnu::noinline]] inline void fail_route_rate(const Model& m,
                                                                   const DoseRecord& d,
                                                                   const Model::Path& path,
                                                                   double rate) {
  const auto& dur = m.parameters()[static_cast<std::size_t>(path.duration_param)];
  fail("Regimen.dose", "input rate of route " + d.target + " (dose_mg / " + dur.name + ")",
       "finite", rate,
       "mg/min (dose_mg = " + value_with_unit(d.amount_mg, "mg") + ", " + dur.name + " = " +
           value_with_unit(dur.value, "min") + ")");
}
}  // namespace input_detail

/// Fills sys.input_states and sys.interval_rates from sys.spans and sys.breakpoints in
/// O(E log E) for E spans: the spans' starts and ends are swept in time order, each state's rate
/// kept as a compensated (Neumaier) running sum, and set to exactly 0 whenever no span of that
/// state is active, so that +r / -r leaves no residue and an interval's rate is within a few
/// ulps of the exact sum of its active spans.
inline void tabulate_rates(System& sys) {
  sys.input_states.clear();
  for (const auto& s : sys.spans)
    if (std::find(sys.input_states.begin(), sys.input_states.end(), s.state) ==
        sys.input_states.end())
      sys.input_states.push_back(s.state);
  const std::size_t m = sys.input_states.size();
  const std::size_t n_int = sys.breakpoints.size() + 1;
  sys.interval_rates.assign(m == 0 ? 0 : n_int * m, 0.0);
  if (m == 0) return;
  struct Edge {
    double time;
    std::size_t col;
    double rate;  ///< +rate at a start, -rate at an end
  };
  std::vector<Edge> edges;
  edges.reserve(2 * sys.spans.size());
  auto col_of = [&](int state) {
    return static_cast<std::size_t>(
        std::find(sys.input_states.begin(), sys.input_states.end(), state) -
        sys.input_states.begin());
  };
  for (const auto& s : sys.spans) {
    if (!(s.end > s.start)) continue;  // empty after rounding (start + duration == start)
    const std::size_t c = col_of(s.state);
    edges.push_back({s.start, c, s.rate});
    edges.push_back({s.end, c, -s.rate});
  }
  // By time, ends before starts at the same time (so that a span ending where the next begins
  // takes the count through zero and leaves no residue).
  std::sort(edges.begin(), edges.end(), [](const Edge& x, const Edge& y) {
    return x.time < y.time || (x.time == y.time && x.rate < 0.0 && y.rate > 0.0);
  });
  std::vector<double> sum(m, 0.0), comp(m, 0.0);
  std::vector<std::size_t> active(m, 0);
  std::size_t e = 0;
  // Interval k >= 1 starts at breakpoints[k - 1]: apply every edge at that time, then record.
  for (std::size_t k = 1; k < n_int; ++k) {
    const double tb = sys.breakpoints[k - 1];
    for (; e < edges.size() && edges[e].time == tb; ++e) {
      const Edge& ed = edges[e];
      const std::size_t c = ed.col;
      if (ed.rate > 0.0) {
        ++active[c];
      } else {
        --active[c];
      }
      if (active[c] == 0) {
        sum[c] = 0.0;
        comp[c] = 0.0;
        continue;
      }
      const double t = sum[c] + ed.rate;  // Neumaier's compensated sum
      if (std::abs(sum[c]) >= std::abs(ed.rate))
        comp[c] += (sum[c] - t) + ed.rate;
      else
        comp[c] += (ed.rate - t) + sum[c];
      sum[c] = t;
    }
    for (std::size_t c = 0; c < m; ++c) sys.interval_rates[k * m + c] = sum[c] + comp[c];
  }
}

/// Expands the regimen into instants and spans for this model and tabulates the input rates per
/// breakpoint interval; throws on a route or compartment the model lacks (for every record, zero
/// doses included) and on input rates or a total dose that overflow.
inline void fill_inputs(const Model& m, const Regimen& r, System& sys) {
  sys.instants.clear();
  sys.spans.clear();
  const auto& params = m.parameters();
  auto pval = [&](int i) { return i < 0 ? 0.0 : params[static_cast<std::size_t>(i)].value; };
  auto target_of = [&](const std::string& name) {
    return name.empty() ? m.plasma() : m.compartment_index(name);
  };
  double total_mg = 0.0;
  for (const auto& d : r.records()) {
    switch (d.kind) {
      case DoseRecord::Kind::bolus: {
        const int into = target_of(d.target);
        if (d.amount_mg != 0.0) sys.instants.push_back({d.time_min, into, d.amount_mg});
        break;
      }
      case DoseRecord::Kind::infusion: {
        const int into = target_of(d.target);
        if (d.amount_mg != 0.0) add_span(sys, d.time_min, d.duration_min, into, d.amount_mg);
        break;
      }
      case DoseRecord::Kind::route: {
        const int ri = m.route_index(d.target);
        if (ri < 0) {
          if (d.target == "iv") {
            if (d.amount_mg != 0.0) sys.instants.push_back({d.time_min, m.plasma(), d.amount_mg});
            break;
          }
          detail::fail("Regimen.dose", "route",
                       "one of the model's routes [" + input_detail::known_routes(m) + "]",
                       d.target);
        }
        if (d.amount_mg == 0.0) break;
        for (const auto& path : m.routes()[static_cast<std::size_t>(ri)].paths) {
          const double amount = d.amount_mg * path.fraction_at(d.position) * pval(path.f_param);
          const double t0 = d.time_min + pval(path.tlag_param);
          const double dur = pval(path.duration_param);
          const int into = path.depot >= 0 ? path.depot : path.target;
          if (dur > 0.0) {
            const double rate = amount / dur;
            if (!std::isfinite(rate)) [[unlikely]]
              input_detail::fail_route_rate(m, d, path, rate);
            add_span(sys, t0, dur, into, amount);
          } else {
            sys.instants.push_back({t0, into, amount});
          }
        }
        break;
      }
    }
    total_mg += d.amount_mg;
  }
  KETASIM_CHECK(std::isfinite(total_mg), "Regimen", "total dose", "finite", total_mg, "mg");
  std::stable_sort(sys.instants.begin(), sys.instants.end(),
                   [](const Instant& x, const Instant& y) { return x.time < y.time; });
  sys.breakpoints.clear();
  for (const auto& i : sys.instants) sys.breakpoints.push_back(i.time);
  for (const auto& s : sys.spans) {
    sys.breakpoints.push_back(s.start);
    sys.breakpoints.push_back(s.end);
  }
  std::sort(sys.breakpoints.begin(), sys.breakpoints.end());
  sys.breakpoints.erase(std::unique(sys.breakpoints.begin(), sys.breakpoints.end()),
                        sys.breakpoints.end());
  tabulate_rates(sys);
}

/// Throws InvalidInput when the largest concentration the doses could give in compartment i
/// (all the mass given, in its volume) is not a finite number of ng/mL.
inline void check_concentration_bound(const Model& m, const Regimen& r, int i) {
  double total = 0.0;
  for (const auto& d : r.records()) total += d.amount_mg;
  const double scale = concentration_scale(m, i);
  const double bound = total * scale;
  if (!std::isfinite(bound)) [[unlikely]]
    fail("simulate", "total dose_mg x 1000 / " + volume_name(m, i), "a finite concentration", bound,
         "ng/mL (total dose " + value_with_unit(total, "mg") + ", " + volume_name(m, i) + " = " +
             value_with_unit(m.volume_l(static_cast<std::size_t>(i)), "L") + ")");
}

/// Fills the names and rate terms of sys for the solvers' messages (sys.names, state_ends,
/// rates); when they are already filled for a model of the same structure (a population's
/// subjects), updates the rate values only.
inline void fill_rate_terms(const Model& m, System& sys) {
  const std::size_t n_rates = m.links().size() + (sys.layout.effect >= 0 ? 1 : 0);
  if (sys.rates.size() == n_rates && !sys.names.empty()) {
    std::size_t k = 0;
    for (const auto& l : m.links()) sys.rates[k++].per_min = m.link_rate(l);
    if (sys.layout.effect >= 0) sys.rates[k].per_min = m.ke0_per_min();
    return;
  }
  sys.names.clear();
  sys.state_ends.clear();
  sys.rates.clear();
  // Names for messages, in one buffer: the states first, then the rates.
  auto end = [&] { return static_cast<std::uint32_t>(sys.names.size()); };
  sys.names.reserve(256);
  for (const auto& c : m.compartments()) {
    sys.names += c.name;
    sys.state_ends.push_back(end());
  }
  for (const char* extra : {"eliminated", "auc", "ce"}) {
    if (extra[0] == 'c' && sys.layout.effect < 0) break;
    sys.names += extra;
    sys.state_ends.push_back(end());
  }
  sys.rates.reserve(m.links().size() + 1);
  for (const auto& l : m.links()) {
    const std::uint32_t b = end();
    sys.names += m.parameters()[static_cast<std::size_t>(l.param)].name;
    if (l.clearance) {
      sys.names += " / ";
      sys.names += volume_name(m, l.from);
    }
    sys.rates.push_back({l.from, m.link_rate(l), b, end()});
  }
  if (sys.layout.effect >= 0) {
    const std::uint32_t b = end();
    sys.names += "ke0";
    sys.rates.push_back({sys.layout.effect, m.ke0_per_min(), b, end()});
  }
}

inline System compile(const Model& m, const Regimen& r) {
  m.validate();
  System sys;
  sys.layout = state_layout(m);
  fill_matrix(m, sys.layout, sys.a);
  fill_inputs(m, r, sys);
  sys.plasma = m.plasma();
  sys.plasma_volume_l = m.volume_l(static_cast<std::size_t>(sys.plasma));
  for (int i : m.analytes()) {
    sys.analytes.push_back(i);
    sys.analyte_volumes_l.push_back(m.volume_l(static_cast<std::size_t>(i)));
  }
  check_concentration_bound(m, r, sys.plasma);
  for (int i : sys.analytes) check_concentration_bound(m, r, i);
  if (sys.layout.effect >= 0) check_concentration_bound(m, r, m.effect_driver());
  fill_rate_terms(m, sys);
  return sys;
}

/// Validates output times: non-empty, finite, >= 0, sorted (non-decreasing).
inline void check_times(std::span<const double> t) {
  constexpr const char* where = "simulate";
  KETASIM_CHECK(!t.empty(), where, "times_min", "non-empty", "an empty list");
  for (std::size_t i = 0; i < t.size(); ++i) {
    KETASIM_CHECK(std::isfinite(t[i]) && t[i] >= 0.0, where, "times_min[" + std::to_string(i) + "]",
                  "finite and >= 0 min", t[i], "min");
    if (i > 0)
      KETASIM_CHECK(t[i] >= t[i - 1], where, "times_min[" + std::to_string(i) + "]",
                    "sorted (>= " + format_value(t[i - 1]) + ")", t[i], "min");
  }
}

/// The solvers' last check: every state at every output time is finite. Validation at compile
/// time bounds rates, input rates and concentrations; what it cannot bound (an AUC over a very
/// long time, an amount beyond the range of a double) ends here as SolverError, never as a NaN
/// or an inf handed back. states is row-major, times x states.
inline void check_finite_states(const System& sys, std::span<const double> times,
                                const double* states, std::string_view solver) {
  const std::size_t n = static_cast<std::size_t>(sys.layout.size);
  const std::size_t total = times.size() * n;
  if (total == 0) return;
  // A non-finite entry anywhere reaches the last row: each row is the previous one propagated by
  // a dense step (0 x inf and 0 x NaN are NaN), or its copy, or (ODE) the interpolant of a step
  // whose state check_step found finite. So the last row is checked, the rest only on failure.
  const double* last = states + total - n;
  double probe = 0.0;
  for (std::size_t j = 0; j < n; ++j) probe += last[j] * 0.0;
  if (probe == 0.0) [[likely]]
    return;
  for (std::size_t k = 0; k < total; ++k) {
    if (std::isfinite(states[k])) continue;
    const std::size_t i = k / n, j = k % n;
    const std::string what = sys.state_name(j);
    throw SolverError("simulate: the " + std::string(solver) + " solver's " + what + " at " +
                      format_value(times[i]) + " min is " + format_value(states[k]) +
                      ", beyond the range of double precision (doses, volumes or times too "
                      "large); no result is returned");
  }
}

/// Walks the time axis: applies instants at breakpoints (before recording a sample at the same
/// time), and calls seg(x, t0, t1, b, first_output, last_output) for each stretch between
/// breakpoints; seg must advance x to t1 and record outputs [first, last) on the way (all in
/// [t0, t1]). record(i, x) stores output i. Starts from state x at time t_start (events at
/// t_start are taken as already applied when skip_start_events).
template <class Segment, class Record>
void walk(const System& sys, std::span<const double> times, Eigen::VectorXd& x, double t_start,
          bool skip_start_events, Eigen::VectorXd& b, Segment&& seg, Record&& record) {
  const std::size_t nt = times.size();
  const auto& bps = sys.breakpoints;
  std::size_t ib = 0, ii = 0, io = 0;
  while (ib < bps.size() && (bps[ib] < t_start || (skip_start_events && bps[ib] == t_start))) ++ib;
  while (ii < sys.instants.size() && (sys.instants[ii].time < t_start ||
                                      (skip_start_events && sys.instants[ii].time == t_start)))
    ++ii;
  sys.rates_at(t_start, b);
  double t = t_start;
  const double t_end = times[nt - 1];
  for (; ib < bps.size() && bps[ib] <= t_end; ++ib) {
    const double tb = bps[ib];
    std::size_t last = io;
    while (last < nt && times[last] < tb) ++last;
    if (tb > t || last > io) seg(x, t, tb, b, io, last);
    io = last;
    t = tb;
    for (; ii < sys.instants.size() && sys.instants[ii].time == tb; ++ii)
      x[sys.instants[ii].state] += sys.instants[ii].amount;
    sys.rates_on_interval(ib + 1, b);
    for (; io < nt && times[io] == tb; ++io) record(io, x);
  }
  if (io < nt) seg(x, t, t_end, b, io, nt);
}

}  // namespace detail
}  // namespace ketasim
