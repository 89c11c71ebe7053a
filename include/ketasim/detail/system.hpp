// Compiles a Model and a Regimen into what both solvers share: the rate matrix of the augmented
// linear state, the instantaneous inputs, the zero-order input spans and the breakpoints.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <span>
#include <string>
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

/// Everything a solver needs, in mg, L and minutes.
struct System {
  StateLayout layout;
  Eigen::MatrixXd a;                ///< d x/dt = a x + b(t)
  std::vector<Instant> instants;    ///< sorted by time
  std::vector<Span> spans;          ///< zero-order inputs
  std::vector<double> breakpoints;  ///< sorted unique times where the input changes
  int plasma = 0;
  double plasma_volume_l = 1.0;
  std::vector<int> analytes;
  std::vector<double> analyte_volumes_l;

  /// Sets b to the input rates in force just after time t (spans are [start, end)).
  void rates_at(double t, Eigen::VectorXd& b) const {
    b.setZero();
    for (const auto& s : spans)
      if (s.start <= t && t < s.end) b[s.state] += s.rate;
  }
};

/// Fills sys.a from the model's current parameter values (size fixed by the layout).
inline void fill_matrix(const Model& m, const StateLayout& lay, Eigen::MatrixXd& a) {
  a.setZero(lay.size, lay.size);
  for (const auto& l : m.links()) {
    const double r = m.link_rate(l);
    a(l.from, l.from) -= r;
    a(l.to >= 0 ? l.to : lay.eliminated, l.from) += r;
  }
  const int p = m.plasma();
  a(lay.auc, p) = 1.0 / m.volume_l(static_cast<std::size_t>(p));
  if (lay.effect >= 0) {
    const double ke0 = m.ke0_per_min();
    const int d = m.effect_driver();
    a(lay.effect, d) = ke0 / m.volume_l(static_cast<std::size_t>(d));
    a(lay.effect, lay.effect) = -ke0;
  }
}

/// Expands the regimen into instants and spans for this model; throws on a route or compartment
/// the model lacks.
inline void fill_inputs(const Model& m, const Regimen& r, System& sys) {
  sys.instants.clear();
  sys.spans.clear();
  const auto& params = m.parameters();
  auto pval = [&](int i) { return i < 0 ? 0.0 : params[static_cast<std::size_t>(i)].value; };
  auto target_of = [&](const std::string& name) {
    return name.empty() ? m.plasma() : m.compartment_index(name);
  };
  for (const auto& d : r.records()) {
    if (d.amount_mg == 0.0) continue;
    switch (d.kind) {
      case DoseRecord::Kind::bolus:
        sys.instants.push_back({d.time_min, target_of(d.target), d.amount_mg});
        break;
      case DoseRecord::Kind::infusion:
        sys.spans.push_back({d.time_min, d.time_min + d.duration_min, target_of(d.target),
                             d.amount_mg / d.duration_min});
        break;
      case DoseRecord::Kind::route: {
        const int ri = m.route_index(d.target);
        if (ri < 0) {
          if (d.target == "iv") {
            sys.instants.push_back({d.time_min, m.plasma(), d.amount_mg});
            break;
          }
          std::string known;
          for (const auto& name : m.route_names()) known += name + ", ";
          known += "iv";
          detail::fail("Regimen.dose", "route", "one of the model's routes [" + known + "]",
                       d.target);
        }
        for (const auto& path : m.routes()[static_cast<std::size_t>(ri)].paths) {
          const double amount = d.amount_mg * path.fraction_at(d.position) * pval(path.f_param);
          const double t0 = d.time_min + pval(path.tlag_param);
          const double dur = pval(path.duration_param);
          const int into = path.depot >= 0 ? path.depot : path.target;
          if (dur > 0.0)
            sys.spans.push_back({t0, t0 + dur, into, amount / dur});
          else
            sys.instants.push_back({t0, into, amount});
        }
        break;
      }
    }
  }
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
    sys.rates_at(tb, b);
    for (; io < nt && times[io] == tb; ++io) record(io, x);
  }
  if (io < nt) seg(x, t, t_end, b, io, nt);
}

}  // namespace detail
}  // namespace ketasim
