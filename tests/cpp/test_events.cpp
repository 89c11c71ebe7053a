// Tests of events.hpp: NONMEM dosing semantics (steady state, resets, modelled rates and
// durations, time-varying parameters, initial state) against closed forms written here.
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"
#include "ketasim/events.hpp"

using namespace ketasim;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

EventRecord obs(double t) { return {.time_min = t}; }
EventRecord dose(double t, double amt, std::string target = {}, double rate = 0.0) {
  return {.time_min = t,
          .evid = Evid::dose,
          .amount_mg = amt,
          .rate_mg_per_min = rate,
          .target = std::move(target)};
}
EventRecord ss_dose(double t, double amt, double ii, SteadyState ss, std::string target = {},
                    double rate = 0.0) {
  EventRecord r = dose(t, amt, std::move(target), rate);
  r.ii_min = ii;
  r.ss = ss;
  return r;
}

// One compartment: CL = 0.5 L/min, V = 20 L, k = 0.025 /min.
constexpr double kCl = 0.5, kV = 20.0, kK = kCl / kV;
Model one_comp() { return Model::one_compartment({.cl = kCl, .v1 = kV}); }

/// Single zero-order infusion at rate r (mg/min) for T min, concentration (ng/mL) s min after its
/// start, one compartment.
double infusion_once(double r, double T, double s) {
  if (s <= 0.0) return 0.0;
  const double plateau = 1000.0 * r / kCl;
  if (s < T) return plateau * (1.0 - std::exp(-kK * s));
  return plateau * (1.0 - std::exp(-kK * T)) * std::exp(-kK * (s - T));
}

}  // namespace

TEST_CASE("events: SS=1 bolus gives the closed-form peak and trough", "[events]") {
  const double D = 100.0, tau = 12.0;
  const EventRecord recs[] = {ss_dose(0.0, D, tau, SteadyState::reset), obs(tau / 2), obs(tau)};
  const auto res = simulate_events(one_comp(), recs);
  const double e = std::exp(-kK * tau);
  CHECK_THAT(res.cp_ng_ml[0], WithinRel(1000.0 * D / kV / (1.0 - e), 1e-12));
  CHECK_THAT(res.cp_ng_ml[1],
             WithinRel(1000.0 * D / kV * std::exp(-kK * tau / 2) / (1.0 - e), 1e-12));
  CHECK_THAT(res.cp_ng_ml[2], WithinRel(1000.0 * D / kV * e / (1.0 - e), 1e-12));
}

TEST_CASE("events: a constant-rate steady state is the plateau R / CL", "[events]") {
  const Model m = test::reference_model();  // three compartments: the plateau is still R / CL
  EventRecord inf = ss_dose(5.0, 0.0, 0.0, SteadyState::reset, {}, 0.3);
  const EventRecord recs[] = {inf, obs(5.0), obs(500.0)};
  const auto res = simulate_events(m, recs);
  for (int i = 0; i < 3; ++i) CHECK_THAT(res.cp_ng_ml[i], WithinRel(1000.0 * 0.3 / 1.2, 1e-10));
  CHECK_THAT(res.ce_ng_ml[2], WithinRel(1000.0 * 0.3 / 1.2, 1e-10));
  // Then reset: the infusion stops.
  const EventRecord with_reset[] = {inf, {.time_min = 10.0, .evid = Evid::reset}, obs(20.0)};
  CHECK(simulate_events(m, with_reset).cp_ng_ml[2] == 0.0);
}

TEST_CASE("events: SS=1 oral dose with a lag longer than II matches the Bateman sum", "[events]") {
  const double D = 50.0, tau = 30.0, ka = 0.08, f = 0.6, lag = 45.0;
  const Model m = one_comp().with_route("oral", Absorption{.ka = ka, .f = f, .tlag = lag});
  const EventRecord recs[] = {ss_dose(0.0, D, tau, SteadyState::reset, "oral"), obs(0.0), obs(10.0),
                              obs(20.0), obs(29.0)};
  const auto res = simulate_events(m, recs);
  for (int i = 1; i < 5; ++i) {
    const double t = recs[i].time_min;
    // Time since the latest absorption start before t, in [0, tau).
    const double s = std::fmod(t - lag + 10.0 * tau, tau);
    const double c = 1000.0 * f * D * ka / (kV * (ka - kK)) *
                     (std::exp(-kK * s) / (1.0 - std::exp(-kK * tau)) -
                      std::exp(-ka * s) / (1.0 - std::exp(-ka * tau)));
    CHECK_THAT(res.cp_ng_ml[i], WithinRel(c, 1e-11));
  }
}

TEST_CASE("events: SS infusions longer than, and equal to, II match superposition", "[events]") {
  const double tau = 12.0;
  SECTION("duration 2.5 II") {
    const double amt = 60.0, T = 30.0, r = amt / T;
    const EventRecord recs[] = {ss_dose(0.0, amt, tau, SteadyState::reset, {}, r), obs(0.0),
                                obs(5.0), obs(11.0), obs(40.0)};
    const auto res = simulate_events(one_comp(), recs);
    for (int i = 1; i < 5; ++i) {
      const double t = recs[i].time_min;
      double c = infusion_once(r, T, t);  // the dose at 0 (no dose after it)
      for (int j = 1; j < 4000; ++j) c += infusion_once(r, T, t + j * tau);
      CHECK_THAT(res.cp_ng_ml[i], WithinRel(c, 1e-11));
    }
  }
  SECTION("duration == II: a never-ending infusion, Cp = R / CL until the last one ends") {
    const double r = 2.0;
    const EventRecord recs[] = {ss_dose(0.0, r * tau, tau, SteadyState::reset, {}, r), obs(0.0),
                                obs(7.0), obs(tau + 4.0)};
    const auto res = simulate_events(one_comp(), recs);
    CHECK_THAT(res.cp_ng_ml[1], WithinRel(1000.0 * r / kCl, 1e-12));
    CHECK_THAT(res.cp_ng_ml[2], WithinRel(1000.0 * r / kCl, 1e-12));
    CHECK_THAT(res.cp_ng_ml[3], WithinRel(1000.0 * r / kCl * std::exp(-kK * 4.0), 1e-12));
  }
}

TEST_CASE("events: SS=2 equals an SS=1 plus the earlier state propagated", "[events]") {
  const Model m = test::reference_model();
  const EventRecord earlier = dose(0.0, 40.0, "intranasal");
  const EventRecord ss1 = ss_dose(30.0, 20.0, 60.0, SteadyState::reset, {}, 0.5);
  EventRecord ss2 = ss1;
  ss2.ss = SteadyState::add;
  const double t[] = {30.0, 45.0, 100.0, 300.0};
  std::vector<EventRecord> both{earlier, ss2}, alone{ss1}, first{earlier};
  for (double ti : t) {
    both.push_back(obs(ti));
    alone.push_back(obs(ti));
    first.push_back(obs(ti));
  }
  const auto a = simulate_events(m, both), b = simulate_events(m, alone),
             c = simulate_events(m, first);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK_THAT(a.cp_ng_ml[i + 2], WithinRel(b.cp_ng_ml[i + 1] + c.cp_ng_ml[i + 1], 1e-12));
    CHECK_THAT(a.ce_ng_ml[i + 2], WithinRel(b.ce_ng_ml[i + 1] + c.ce_ng_ml[i + 1], 1e-12));
    for (int j = 0; j < 4; ++j)
      CHECK_THAT(a.amounts_mg(i + 2, j),
                 WithinRel(b.amounts_mg(i + 1, j) + c.amounts_mg(i + 1, j), 1e-12));
  }
}

TEST_CASE("events: a steady state is the limit of many repeated doses", "[events]") {
  const Model m = test::reference_model();
  const double tau = 60.0, n = 400;
  Regimen reg;
  reg.dose("intranasal", {.dose_mg = 28.0, .interval_min = tau, .count = static_cast<int>(n)});
  const double last = (n - 1) * tau;
  const double t[] = {last, last + 10.0, last + 59.0};
  const auto reference = simulate(m, reg, t);
  EventRecord ss = ss_dose(0.0, 28.0, tau, SteadyState::reset, "intranasal");
  const EventRecord recs[] = {ss, obs(0.0), obs(10.0), obs(59.0)};
  const auto res = simulate_events(m, recs);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK_THAT(res.cp_ng_ml[i + 1], WithinRel(reference.cp_ng_ml()[i], 1e-9));
    CHECK_THAT(res.ce_ng_ml[i + 1], WithinRel(reference.ce_ng_ml()[i], 1e-9));
  }
}

TEST_CASE("events: EVID 3 and 4 reset to a fresh start", "[events]") {
  const Model m = test::reference_model();
  EventRecord redose = dose(200.0, 30.0, "intranasal");
  redose.evid = Evid::reset_and_dose;
  EventRecord inf = dose(0.0, 50.0, {}, 1.0);  // still infusing at 200 min? no: 50 min
  const EventRecord recs[] = {inf,        dose(150.0, 10.0, "intranasal", 0.0),     redose,
                              obs(260.0), {.time_min = 300.0, .evid = Evid::reset}, obs(310.0)};
  const EventRecord fresh[] = {dose(0.0, 30.0, "intranasal"), obs(60.0)};
  const auto res = simulate_events(m, recs);
  const auto ref = simulate_events(m, fresh);
  CHECK_THAT(res.cp_ng_ml[3], WithinRel(ref.cp_ng_ml[1], 1e-13));
  CHECK_THAT(res.ce_ng_ml[3], WithinRel(ref.ce_ng_ml[1], 1e-13));
  CHECK(res.cp_ng_ml[4] == 0.0);
  CHECK(res.cp_ng_ml[5] == 0.0);
}

TEST_CASE("events: a clearance changing at every record, NOCB and LOCF", "[events]") {
  const double D = 100.0;
  const double cl[] = {0.2, 0.4, 0.8, 0.3};
  std::vector<EventRecord> recs{dose(0.0, D)};
  recs[0].parameters = {cl[0]};
  for (int i = 1; i < 4; ++i) {
    recs.push_back(obs(10.0 * i));
    recs.back().parameters = {cl[i]};
  }
  EventOptions opt{.parameter_names = {"cl"}};
  const auto nocb = simulate_events(one_comp(), recs, opt);
  opt.rule = ParameterRule::locf;
  const auto locf = simulate_events(one_comp(), recs, opt);
  double exp_nocb = 0.0, exp_locf = 0.0;
  for (int i = 1; i < 4; ++i) {
    exp_nocb += cl[i] / kV * 10.0;      // (t_{i-1}, t_i] uses record i's value
    exp_locf += cl[i - 1] / kV * 10.0;  // [t_{i-1}, t_i) uses record i-1's value
    CHECK_THAT(nocb.cp_ng_ml[i], WithinRel(1000.0 * D / kV * std::exp(-exp_nocb), 1e-12));
    CHECK_THAT(locf.cp_ng_ml[i], WithinRel(1000.0 * D / kV * std::exp(-exp_locf), 1e-12));
  }
}

TEST_CASE("events: infusions by RATE with F, modelled duration and modelled rate", "[events]") {
  // A route straight into the central compartment with F = 0.5 and a modelled duration of 40 min.
  const Model m = one_comp().with_route("sc", Absorption{.f = 0.5, .duration = 40.0});
  const double amt = 100.0;
  auto cp_at = [&](double rate, double t) {
    const EventRecord recs[] = {dose(0.0, amt, "sc", rate), obs(t)};
    return simulate_events(m, recs).cp_ng_ml[1];
  };
  // RATE 2: rate kept, duration F AMT / RATE = 25 min.
  CHECK_THAT(cp_at(2.0, 25.0), WithinRel(infusion_once(2.0, 25.0, 25.0), 1e-12));
  CHECK_THAT(cp_at(2.0, 60.0), WithinRel(infusion_once(2.0, 25.0, 60.0), 1e-12));
  // RATE -2: duration 40 kept, amount F AMT = 50 mg, rate 1.25.
  CHECK_THAT(cp_at(-2.0, 60.0), WithinRel(infusion_once(1.25, 40.0, 60.0), 1e-12));
  // RATE -1: rate AMT / 40 = 2.5 kept, duration F x 40 = 20 min.
  CHECK_THAT(cp_at(-1.0, 60.0), WithinRel(infusion_once(2.5, 20.0, 60.0), 1e-12));
  // RATE 0: the route's own zero-order absorption (the modelled duration).
  CHECK_THAT(cp_at(0.0, 60.0), WithinRel(infusion_once(1.25, 40.0, 60.0), 1e-12));
}

TEST_CASE("events: an initial state decays as a bolus would", "[events]") {
  const EventRecord recs[] = {obs(0.0), obs(30.0)};
  const auto res = simulate_events(one_comp(), recs, {.initial_mg = {80.0}});
  CHECK_THAT(res.cp_ng_ml[0], WithinRel(1000.0 * 80.0 / kV, 1e-15));
  CHECK_THAT(res.cp_ng_ml[1], WithinRel(1000.0 * 80.0 / kV * std::exp(-kK * 30.0), 1e-12));
}

TEST_CASE("events: ADDL repeats a dose every II", "[events]") {
  EventRecord d = dose(0.0, 10.0);
  d.addl = 3;
  d.ii_min = 20.0;
  const EventRecord recs[] = {d, obs(60.0), obs(70.0)};
  const auto res = simulate_events(one_comp(), recs);
  double c = 0.0;
  for (int k = 0; k < 4; ++k) c += 1000.0 * 10.0 / kV * std::exp(-kK * (70.0 - 20.0 * k));
  CHECK_THAT(res.cp_ng_ml[2], WithinRel(c, 1e-12));
  CHECK_THAT(res.cp_ng_ml[1], WithinRel(c * std::exp(kK * 10.0), 1e-12));  // sees the dose at 60
}

TEST_CASE("events: the ODE path gives the exact path's answers", "[events]") {
  const Model m = test::reference_model();
  EventRecord ss = ss_dose(0.0, 28.0, 60.0, SteadyState::reset, "intranasal");
  ss.addl = 2;
  std::vector<EventRecord> recs{ss, dose(30.0, 20.0, {}, 0.25)};
  for (int i = 1; i <= 8; ++i) {
    recs.push_back(obs(30.0 + 25.0 * i));
    recs.back().parameters = {1.2 + 0.1 * i};
  }
  recs[1].parameters = {1.2};
  recs[0].parameters = {1.2};
  EventOptions opt{.parameter_names = {"cl"}};
  const auto exact = simulate_events(m, recs, opt);
  for (Method method : {Method::ode, Method::ode_stiff}) {
    opt.solver = {.method = method, .rtol = 1e-10, .atol = 1e-12};
    const auto ode = simulate_events(m, recs, opt);
    for (std::size_t i = 0; i < recs.size(); ++i) {
      CHECK_THAT(ode.cp_ng_ml[i], WithinRel(exact.cp_ng_ml[i], 1e-7));
      CHECK_THAT(ode.ce_ng_ml[i], WithinRel(exact.ce_ng_ml[i], 1e-7));
    }
  }
}

TEST_CASE("events: bad records are named with their field", "[events]") {
  const Model m = one_comp();
  auto message = [&](std::vector<EventRecord> recs) {
    try {
      simulate_events(m, recs);
    } catch (const InvalidInput& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EventRecord addl = dose(0.0, 1.0);
  addl.addl = 2;
  CHECK_THAT(message({addl}),
             Contains("simulate_events: records[0].ii_min must be > 0 min when addl > 0, got 0"));
  CHECK_THAT(message({ss_dose(0.0, 1.0, 0.0, SteadyState::reset)}),
             Contains("records[0].ii_min must be > 0 min for a steady-state dose"));
  CHECK_THAT(message({obs(5.0), obs(1.0)}),
             Contains("records[1].time_min must be sorted (>= 5), got 1 min"));
  CHECK_THAT(message({dose(0.0, -1.0)}), Contains("records[0].amount_mg must be >= 0 mg, got -1"));
  CHECK_THAT(message({dose(0.0, 1.0, "liver")}),
             Contains("records[0].target must be a compartment or route of the model"));
  CHECK_THAT(message({dose(0.0, 1.0, {}, -2.0)}),
             Contains("records[0].rate_mg_per_min must be >= 0 mg/min for a dose into a "
                      "compartment"));
  const Model no_elim = Model().add_compartment("central", 10.0).set_effect_site(0.1);
  try {
    const EventRecord r[] = {ss_dose(0.0, 1.0, 10.0, SteadyState::reset)};
    simulate_events(no_elim, r);
    FAIL("no error");
  } catch (const InvalidInput& e) {
    CHECK_THAT(e.what(), Contains("it has no steady state"));
  }
}

TEST_CASE("events: F above 1 is a relative bioavailability", "[events]") {
  const Model m = one_comp().with_route("oral", Absorption{.f = 1.5});
  const EventRecord recs[] = {dose(0.0, 10.0, "oral"), obs(20.0)};
  const auto res = simulate_events(m, recs);
  CHECK_THAT(res.amounts_mg(0, 0), WithinRel(15.0, 1e-15));
  CHECK_THAT(res.cp_ng_ml[1], WithinRel(1000.0 * 15.0 / kV * std::exp(-kK * 20.0), 1e-12));
}

TEST_CASE("events: a dose's position selects the route's fraction_by_position", "[events]") {
  const Model m = one_comp().with_route("nasal", Absorption{.fraction_by_position = {0.5, 0.25}});
  EventRecord second = dose(5.0, 10.0, "nasal");
  second.position = 2;
  const EventRecord recs[] = {dose(0.0, 10.0, "nasal"), second};
  const auto res = simulate_events(m, recs);
  CHECK_THAT(res.amounts_mg(1, 0), WithinRel(5.0 * std::exp(-kK * 5.0) + 2.5, 1e-14));
}

TEST_CASE("events: a regimen as event records simulates as the regimen does", "[events]") {
  const Model m = test::reference_model();
  Regimen reg;
  reg.infusion({.dose_mg = 35.0, .duration_min = 40.0})
      .nasal_spray({.dose_mg = 56.0, .start_min = 10.0})
      .bolus({.dose_mg = 5.0, .time_min = 60.0, .interval_min = 30.0, .count = 3});
  const auto t = test::grid(0.0, 300.0, 7.5);
  std::vector<EventRecord> recs = event_records(reg);
  for (double ti : t) recs.push_back(obs(ti));
  std::stable_sort(recs.begin(), recs.end(), [](const EventRecord& a, const EventRecord& b) {
    return a.time_min < b.time_min;
  });
  const auto res = simulate_events(m, recs);
  const auto ref = simulate(m, reg, t);
  std::size_t k = 0;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    if (recs[i].evid != Evid::observation) continue;
    CHECK_THAT(res.cp_ng_ml[i], WithinRel(ref.cp_ng_ml()[k], 1e-12) || WithinAbs(0.0, 1e-12));
    CHECK_THAT(res.ce_ng_ml[i], WithinRel(ref.ce_ng_ml()[k], 1e-12) || WithinAbs(0.0, 1e-12));
    ++k;
  }
  CHECK(k == t.size());
}

TEST_CASE("events: blocks of subjects share an engine and match one call each", "[events]") {
  const Model m = one_comp();
  std::vector<EventRecord> recs;
  for (int s = 0; s < 3; ++s) {
    recs.push_back(dose(0.0, 10.0 * (s + 1)));
    recs.push_back(obs(10.0));
    if (s != 1) recs.back().parameters = {0.2 * (s + 1)};  // subject 1 keeps the model's cl
    if (s != 1) recs[recs.size() - 2].parameters = {0.2 * (s + 1)};
  }
  const EventOptions opt{.parameter_names = {"cl"}};
  const std::size_t starts[] = {0, 2, 4, 6};
  std::vector<double> cp(6);
  const Model models[] = {m};
  detail::simulate_event_blocks(models, recs, starts, opt, nullptr,
                                [&](std::size_t b, const EventResult& r) {
                                  cp[2 * b] = r.cp_ng_ml[0];
                                  cp[2 * b + 1] = r.cp_ng_ml[1];
                                });
  for (int s = 0; s < 3; ++s) {
    const double cl = s == 1 ? kCl : 0.2 * (s + 1);
    CHECK_THAT(cp[2 * s + 1],
               WithinRel(1000.0 * 10.0 * (s + 1) / kV * std::exp(-cl / kV * 10.0), 1e-12));
  }
  recs[3].time_min = 5.0;  // subject 1: its observation before its dose
  recs[2].time_min = 7.0;
  try {
    detail::simulate_event_blocks(models, recs, starts, opt, nullptr,
                                  [](std::size_t, const EventResult&) {});
    FAIL("no error");
  } catch (const InvalidInput& e) {
    CHECK_THAT(e.what(), Contains("records[3].time_min must be sorted (>= 7), got 5"));
  }
}
