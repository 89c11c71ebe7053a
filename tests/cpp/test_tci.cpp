// Tests of tci.hpp: plasma and effect-site targeting, checked against closed forms and an
// independent TCI written here (Runge-Kutta 4 on the micro-constant equations, not ketasim's
// propagator); decrement times and the context-sensitive half-time against closed forms; the
// errors; and no heap allocation per controller update.
#define EIGEN_RUNTIME_NO_MALLOC  // lets the test forbid Eigen's heap use during the updates
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "helpers.hpp"
#include "ketasim/models/domino1984.hpp"
#include "ketasim/tci.hpp"

using namespace ketasim;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

std::vector<double> grid(double t0, double t1, double dt) {
  std::vector<double> t;
  for (int i = 0; t0 + i * dt <= t1 + 1e-9; ++i) t.push_back(t0 + i * dt);
  return t;
}

// Domino 1984 at 70 kg (micro constants as in models/domino1984.hpp, transcribed from stanpumpR
// and opentiva) with Sleigh 2019's literature ke0, for the independent implementation below.
struct Micro {
  double v1, k10, k12, k21, k13, k31, ke0;
};

Micro domino_micro(double ke0) {
  const models::Domino1984Published p;
  return {p.v1_l_per_kg * 70.0,
          p.k10_per_min,
          p.k12_per_min,
          p.k21_per_min,
          p.k13_per_min,
          p.k31_per_min,
          ke0};
}

// Amounts a1, a2, a3 (mg) and Ce (mg/L) under an infusion rate into the central compartment.
struct State {
  double a1 = 0, a2 = 0, a3 = 0, ce = 0;
};

State deriv(const Micro& k, const State& s, double rate) {
  return {rate - (k.k10 + k.k12 + k.k13) * s.a1 + k.k21 * s.a2 + k.k31 * s.a3,
          k.k12 * s.a1 - k.k21 * s.a2, k.k13 * s.a1 - k.k31 * s.a3, k.ke0 * (s.a1 / k.v1 - s.ce)};
}

State axpy(const State& s, double h, const State& d) {
  return {s.a1 + h * d.a1, s.a2 + h * d.a2, s.a3 + h * d.a3, s.ce + h * d.ce};
}

State rk4(const Micro& k, State s, double rate, double dt, int n) {
  const double h = dt / n;
  for (int i = 0; i < n; ++i) {
    const State d1 = deriv(k, s, rate), d2 = deriv(k, axpy(s, h / 2, d1), rate),
                d3 = deriv(k, axpy(s, h / 2, d2), rate), d4 = deriv(k, axpy(s, h, d3), rate);
    s = {s.a1 + h / 6 * (d1.a1 + 2 * d2.a1 + 2 * d3.a1 + d4.a1),
         s.a2 + h / 6 * (d1.a2 + 2 * d2.a2 + 2 * d3.a2 + d4.a2),
         s.a3 + h / 6 * (d1.a3 + 2 * d2.a3 + 2 * d3.a3 + d4.a3),
         s.ce + h / 6 * (d1.ce + 2 * d2.ce + 2 * d3.ce + d4.ce)};
  }
  return s;
}

// An independent TCI over 60 min with 10-s updates, one target: plasma (rate making Cp at the
// end of the interval the target) or effect (largest rate keeping Ce, the pump then stopped, at
// or below the target over the next 15 min, on a 1-s grid). Returns the total amount, mg.
double independent_tci_amount(const Micro& k, double target_ng_ml, bool effect) {
  const double h = 10.0 / 60.0, target = target_ng_ml / 1000.0, dt = 1.0 / 60.0;
  const int horizon = 15 * 60;
  // Unit response: 1 mg/min over one interval, then nothing.
  std::vector<double> unit(horizon);
  State u;
  for (int j = 0; j < horizon; ++j) {
    u = rk4(k, u, j < 10 ? 1.0 : 0.0, dt, 4);
    unit[j] = u.ce;
  }
  const double cp_unit = rk4(k, State{}, 1.0, h, 40).a1 / k.v1;
  State s;
  double total = 0.0;
  for (int i = 0; i < 360; ++i) {
    double r;
    if (!effect) {
      r = (target - rk4(k, s, 0.0, h, 40).a1 / k.v1) / cp_unit;
    } else {
      r = 1e300;
      State f = s;
      for (int j = 0; j < horizon; ++j) {
        f = rk4(k, f, 0.0, dt, 4);
        r = std::min(r, (target - f.ce) / unit[j]);
      }
    }
    r = std::max(r, 0.0);
    s = rk4(k, s, r, h, 40);
    total += r * h;
  }
  return total;
}

Model one_compartment(double ke0) {
  return Model::one_compartment({.cl = 1.5, .v1 = 30.0}, ke0);  // k = 0.05 /min
}

}  // namespace

TEST_CASE("tci: plasma mode holds Cp at the target at every update", "[tci]") {
  const Model m = models::domino1984(70.0);
  const std::vector<TciTarget> targets = {{0, 150}, {20, 300}, {40, 100}};
  const double max_rate = GENERATE(0.0, 60.0);  // 0: unlimited
  TciOptions o{.mode = TargetSite::plasma};
  if (max_rate > 0.0) o.max_rate_mg_per_min = max_rate;
  const TciResult r = tci(m, targets, 60.0, o);
  REQUIRE(r.time_min.size() == 361);
  // The schedule simulated as a regimen, by the ordinary solver, at the update instants.
  const Result sim = simulate_exact(m, r.regimen, r.time_min);
  const double rmax = max_rate > 0.0 ? max_rate : 1e300;
  std::size_t checked = 0;
  for (std::size_t i = 1; i < r.time_min.size(); ++i) {
    const double target = r.target_ng_ml[i], cp = sim.cp_ng_ml()[i],
                 rate = r.rate_mg_per_min[i - 1];
    CHECK_THAT(cp, WithinRel(r.cp_ng_ml[i], 1e-9));
    CHECK(rate >= 0.0);
    CHECK(rate <= rmax);
    if (target != 100.0) CHECK(cp <= target * 1.001);  // never over (except falling after 40 min)
    // Within the target whenever the last interval's rate was neither 0 nor the maximum.
    if (r.target_ng_ml[i - 1] == target && rate > 0.0 && rate < rmax) {
      CHECK_THAT(cp, WithinRel(target, 1e-3));
      ++checked;
    }
  }
  CHECK(checked > 300);
  // After the step down the pump stops until Cp has fallen to 100, then holds it.
  const std::size_t down = 240;
  CHECK(r.rate_mg_per_min[down] == 0.0);
  CHECK_THAT(r.cp_ng_ml.back(), WithinRel(100.0, 1e-3));
  // Unlimited: the first interval already ends at the target.
  if (max_rate == 0.0) CHECK_THAT(r.cp_ng_ml[1], WithinRel(150.0, 1e-9));
  REQUIRE(r.time_to_target_min.has_value());
}

TEST_CASE("tci: plasma mode of a one-compartment model matches the rates computed by hand",
          "[tci]") {
  // Cp(t + h) = Cp(t) e^{-kh} + r (1 - e^{-kh}) / (k V): r = (C - Cp e^{-kh}) k V / (1 - e^{-kh}).
  const double v = 30.0, k = 0.05, h = 10.0 / 60.0, c = 200.0 / 1000.0, e = std::exp(-k * h);
  double cp = 0.0, total = 0.0;
  for (int i = 0; i < 360; ++i) {
    const double r = (c - cp * e) * k * v / (1.0 - e);
    cp = cp * e + r * (1.0 - e) / (k * v);
    total += r * h;
  }
  const std::vector<TciTarget> targets = {{0, 200}};
  const TciResult r = tci(one_compartment(0.5), targets, 60.0, {.weight_kg = 60.0});
  CHECK_THAT(r.total_dose_mg, WithinRel(total, 1e-9));
  CHECK_THAT(*r.dose_mg_per_kg, WithinRel(total / 60.0, 1e-9));
  CHECK_THAT(r.regimen.total_dose_mg(), WithinRel(total, 1e-9));
}

TEST_CASE("tci: total amount over 60 min agrees with an independent implementation", "[tci]") {
  const double ke0 = models::literature_ke0("sleigh2019").ke0_per_min;
  const Model m = models::domino1984(70.0, {.ke0_source = "sleigh2019"});
  const std::vector<TciTarget> targets = {{0, 150}};
  for (bool effect : {false, true}) {
    INFO((effect ? "effect" : "plasma"));
    const TciResult r =
        tci(m, targets, 60.0, {.mode = effect ? TargetSite::effect : TargetSite::plasma});
    const double ref = independent_tci_amount(domino_micro(ke0), 150.0, effect);
    CHECK_THAT(r.total_dose_mg, WithinRel(ref, 0.02));
  }
}

TEST_CASE("tci: effect mode reaches Ce in the shortest time the maximum rate allows, never above",
          "[tci]") {
  // One compartment (V = 30 L, k = 0.05 /min) and ke0 = 0.3 /min, closed forms: at rate R from
  // 0, Cp = R/(kV) (1 - e^{-kt}), Ce = R/(kV) [1 - (ke0 e^{-kt} - k e^{-ke0 t}) / (ke0 - k)];
  // stopped at T, Ce(T + s) = Ce(T) e^{-ke0 s} + Cp(T) ke0 / (ke0 - k) (e^{-ks} - e^{-ke0 s}).
  const double v = 30.0, k = 0.05, ke0 = 0.3, rmax = 20.0, target = 300.0;
  const double css = 1000.0 * rmax / (k * v);
  auto cp_at = [&](double t) { return css * (1.0 - std::exp(-k * t)); };
  auto ce_at = [&](double t) {
    return css * (1.0 - (ke0 * std::exp(-k * t) - k * std::exp(-ke0 * t)) / (ke0 - k));
  };
  auto after = [&](double tstop, double s) {
    return ce_at(tstop) * std::exp(-ke0 * s) +
           cp_at(tstop) * ke0 / (ke0 - k) * (std::exp(-k * s) - std::exp(-ke0 * s));
  };
  auto peak_after = [&](double tstop) {  // time of the peak after stopping (dCe/ds = 0)
    auto slope = [&](double s) { return (after(tstop, s + 1e-7) - after(tstop, s - 1e-7)); };
    return slope(0.0) <= 0.0 ? 0.0 : test::bisect(slope, 0.0, 60.0);
  };
  const double t_stop =
      test::bisect([&](double ts) { return after(ts, peak_after(ts)) - target; }, 0.01, 30.0);
  const double t_min = t_stop + peak_after(t_stop);  // Ce peaks at the target
  // Along that fastest course, Ce first comes within 0.5 % of the target at t_reach.
  auto course = [&](double t) { return t <= t_stop ? ce_at(t) : after(t_stop, t - t_stop); };
  const double t_reach =
      test::bisect([&](double t) { return course(t) - 0.995 * target; }, 0.0, t_min);

  const std::vector<TciTarget> targets = {{0, target}};
  const TciResult r = tci(one_compartment(ke0), targets, 30.0,
                          {.mode = TargetSite::effect, .max_rate_mg_per_min = rmax});
  REQUIRE(r.time_to_target_min.has_value());
  CHECK(std::abs(*r.time_to_target_min - t_reach) <= r.update_min);
  const auto t = grid(0.0, 30.0, 1.0 / 120.0);
  const Result sim = simulate_exact(one_compartment(ke0), r.regimen, t);
  double worst = 0.0, first_peak = 0.0, t_peak = 0.0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const double ce = sim.ce_ng_ml()[i];
    worst = std::max(worst, ce);
    if (t[i] < 15.0 && ce > first_peak) std::tie(first_peak, t_peak) = std::make_tuple(ce, t[i]);
  }
  CHECK(std::abs(t_peak - t_min) <= r.update_min);
  CHECK(worst <= target * 1.005);
  CHECK(worst >= target * 0.995);
  CHECK_THAT(sim.ce_ng_ml().back(), WithinRel(target, 0.005));
  CHECK(r.rate_mg_per_min.front() == rmax);
}

TEST_CASE("tci: effect mode follows steps up and down on a catalogue model", "[tci]") {
  const Model m = models::domino1984(70.0, {.ke0_source = "sleigh2019"});
  const std::vector<TciTarget> targets = {{0, 150}, {30, 300}, {45, 100}};
  const TciResult r = tci(m, targets, 60.0, {.mode = TargetSite::effect});
  const auto t = grid(0.0, 60.0, 1.0 / 60.0);
  const Result sim = simulate_exact(m, r.regimen, t);
  const auto& ce = sim.ce_ng_ml();
  const auto& cp = sim.cp_ng_ml();
  bool cp_over = false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const double target = t[i] < 30.0 ? 150.0 : t[i] < 45.0 ? 300.0 : 100.0;
    if (t[i] < 45.0) CHECK(ce[i] <= target * 1.005);
    cp_over = cp_over || cp[i] > 1.2 * target;  // Cp overshoots while Ce catches up
    // Held: within 0.5 % from 15 min after each step (3 min after the step down).
    if ((t[i] > 15.0 && t[i] < 30.0) || (t[i] > 40.0 && t[i] < 45.0) || t[i] > 55.0)
      CHECK_THAT(ce[i], WithinRel(target, 0.005));
  }
  CHECK(cp_over);
  // Down: the pump is stopped until Ce has fallen to 100, and Ce never comes back above it.
  const std::size_t down = 270;
  CHECK(r.rate_mg_per_min[down] == 0.0);
  for (std::size_t i = 0; i < t.size(); ++i)
    if (t[i] > 45.0 && ce[i] <= 100.0)
      for (std::size_t j = i; j < t.size(); ++j) CHECK(ce[j] <= 100.0 * 1.005);
}

TEST_CASE("tci: the controller allocates nothing per update", "[tci]") {
  const Model m = models::domino1984(70.0, {.ke0_source = "sleigh2019"});
  for (TargetSite mode : {TargetSite::plasma, TargetSite::effect}) {
    TciController pump(m, {.mode = mode, .max_rate_mg_per_min = 100.0});
    Eigen::internal::set_is_malloc_allowed(false);
    double total = 0.0;
    for (int i = 0; i < 100; ++i) total += pump.next_rate(i < 50 ? 200.0 : 100.0);
    Eigen::internal::set_is_malloc_allowed(true);
    CHECK(total > 0.0);
    CHECK_THAT(pump.time_min(), WithinRel(100.0 / 6.0, 1e-12));
  }
}

TEST_CASE("tci: mL/h with the syringe concentration is a maximum rate in mg/min", "[tci]") {
  const Model m = models::domino1984(70.0);
  const TciController a(m, {.max_rate_ml_per_h = 600.0, .syringe_mg_per_ml = 10.0});
  CHECK_THAT(a.max_rate_mg_per_min(), WithinRel(100.0, 1e-15));
}

TEST_CASE("tci: decrement times and the context-sensitive half-time against closed forms",
          "[tci]") {
  SECTION("one compartment: Cp falls as e^{-kt}, the half-time is ln 2 / k at any duration") {
    const double k = 0.05;
    Regimen reg;
    reg.infusion({.rate_mg_per_min = 3.0, .duration_min = 60.0});
    const double cp_stop = 1000.0 * 3.0 / 1.5 * (1.0 - std::exp(-k * 40.0));
    CHECK_THAT(decrement_time_min(one_compartment(0.3), reg, 40.0, 100.0),
               WithinRel(std::log(cp_stop / 100.0) / k, 1e-9));
    const std::vector<double> d = {1.0, 60.0, 480.0};
    for (double h : context_sensitive_half_time_min(one_compartment(0.3), d))
      CHECK_THAT(h, WithinRel(std::log(2.0) / k, 1e-9));
    // Ce keeps rising after the stop, then falls: below its level only after its peak.
    const double t_ce =
        decrement_time_min(one_compartment(0.3), reg, 5.0, 50.0, TargetSite::effect);
    const Result s = simulate_exact(one_compartment(0.3), detail::truncated(reg, 5.0),
                                    std::vector<double>{5.0 + t_ce});
    CHECK_THAT(s.ce_ng_ml()[0], WithinRel(50.0, 1e-9));
    CHECK(decrement_time_min(one_compartment(0.3), reg, 40.0, 1e6) == 0.0);
  }
  SECTION("two compartments: the half-time grows with the duration as the closed form says") {
    // Cp held at C for T: A1 = C V1, A2 = (k12 A1 / k21)(1 - e^{-k21 T}); then the free
    // biexponential decay from (A1, A2), its eigenvalues from the 2 x 2 characteristic equation.
    const double v1 = 10.0, cl = 1.0, q = 2.0, v2 = 40.0;
    const double k10 = cl / v1, k12 = q / v1, k21 = q / v2;
    const Model m = Model::two_compartment({.cl = cl, .v1 = v1, .q2 = q, .v2 = v2});
    const std::vector<double> d = {1.0, 30.0, 120.0, 480.0};
    const auto got = context_sensitive_half_time_min(m, d);
    const double s = k10 + k12 + k21, p = k10 * k21, disc = std::sqrt(s * s - 4 * p);
    const double l1 = (s + disc) / 2, l2 = (s - disc) / 2;
    for (std::size_t i = 0; i < d.size(); ++i) {
      const double a1 = v1, a2 = k12 * a1 / k21 * (1 - std::exp(-k21 * d[i]));
      // a1(t) = c1 e^{-l1 t} + c2 e^{-l2 t}, c1 + c2 = a1, -l1 c1 - l2 c2 = -(k10 + k12) a1 + k21
      // a2.
      const double da = -(k10 + k12) * a1 + k21 * a2;
      const double c1 = (da + l2 * a1) / (l2 - l1), c2 = a1 - c1;
      const double half = test::bisect(
          [&](double t) { return c1 * std::exp(-l1 * t) + c2 * std::exp(-l2 * t) - a1 / 2; }, 0.0,
          1000.0);
      CHECK_THAT(got[i], WithinRel(half, 1e-8));
    }
    CHECK(got[0] < got[1]);
    CHECK(got[2] < got[3]);
  }
}

TEST_CASE("tci: bad input names the field", "[tci]") {
  const Model m = models::domino1984(70.0);
  const std::vector<TciTarget> ok = {{0, 150}};
  auto throws = [&](auto&& f, const std::string& text) {
    CHECK_THROWS_WITH(f(), Contains(text));
    CHECK_THROWS_AS(f(), InvalidInput);
  };
  throws([&] { tci(m, std::vector<TciTarget>{{0, -1}}, 60.0); }, "targets[0].target_ng_ml");
  throws(
      [&] {
        tci(m, std::vector<TciTarget>{{0, 100}, {30, 150}, {20, 100}}, 60.0);
      },
      "targets[2].time_min must be after targets[1].time_min");
  throws([&] { tci(m, std::vector<TciTarget>{{5, 100}}, 60.0); }, "targets[0].time_min");
  throws([&] { tci(m, ok, 60.0, {.update_s = 0.0}); }, "update_s must be > 0 s, got 0");
  throws([&] { tci(m, ok, 0.0); }, "duration_min");
  throws([&] { tci(m, ok, 60.0, {.max_rate_mg_per_min = -1.0}); }, "max_rate_mg_per_min");
  throws([&] { tci(m, ok, 60.0, {.max_rate_ml_per_h = 10.0}); }, "syringe_mg_per_ml");
  // Domino at 70 kg: Css per mg/min = 1000 / (k10 V1) = 1000 / (0.4381 x 4.41) = 517.6 ng/mL.
  const double css = 1000.0 / (0.4381 * 0.063 * 70.0);
  try {
    tci(m, ok, 60.0, {.max_rate_mg_per_min = 0.1});
    FAIL("no error");
  } catch (const InvalidInput& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Contains("target_ng_ml must be below"));
    CHECK_THAT(msg, Contains(detail::format_value(0.1 * css).substr(0, 6)));
  }
  throws([&] { tci(m, ok, 60.0, {.mode = TargetSite::effect}); }, "mode must be \"plasma\"");
  throws([&] { decrement_time_min(m, Regimen{}, 0.0, 1.0, TargetSite::effect); }, "site");
  throws([&] { decrement_time_min(m, Regimen{}, 0.0, 0.0); }, "level_ng_ml must be > 0");
  Model depot_only;
  depot_only.add_depot("gut");
  throws([&] { TciController c(depot_only); }, "model must be a model with an IV compartment");
  Model no_iv =
      Model::one_compartment({.cl = 1.0, .v1 = 10.0}).with_route("iv", Absorption{.ka = 1.0});
  throws([&] { TciController c(no_iv); }, "route \"iv\"");
  throws([] { parse_target_site("brain"); }, "mode must be one of [plasma, effect]");
}

TEST_CASE("tci: effect mode never overshoots on random models, targets and maximum rates",
          "[tci]") {
  // 8 models, log-uniform parameters over wide ranges (ke0 0.05 to 5 /min), a step up and down,
  // with and without a maximum rate; Ce checked on a 2-s grid of the simulated regimen.
  std::mt19937 rng(12);
  auto lu = [&](double lo, double hi) {
    return lo * std::pow(hi / lo, std::uniform_real_distribution<double>(0.0, 1.0)(rng));
  };
  for (int k = 0; k < 8; ++k) {
    const Model m = Model::three_compartment({.cl = lu(0.2, 3.0),
                                              .v1 = lu(3.0, 40.0),
                                              .q2 = lu(0.2, 5.0),
                                              .v2 = lu(5.0, 100.0),
                                              .q3 = lu(0.05, 1.0),
                                              .v3 = lu(20.0, 300.0)},
                                             lu(0.05, 5.0));
    const double c1 = lu(20.0, 300.0), c2 = c1 * lu(0.3, 0.9);
    const std::vector<TciTarget> targets = {{0, c1}, {40, c2}};
    TciOptions o{.mode = TargetSite::effect, .update_s = k == 0 ? 5.0 : 10.0};
    if (k % 2 == 1) {
      // 20 times the rate that holds c1 at steady state (CL c1).
      o.max_rate_mg_per_min = 20.0 * c1 / 1000.0 * m.parameter("cl");
    }
    INFO("case " << k << ": ke0 " << m.ke0_per_min() << ", targets " << c1 << ", " << c2);
    const TciResult r = tci(m, targets, 70.0, o);
    const auto t = grid(0.0, 70.0, 4.0 / 60.0);
    const Result sim = simulate_exact(m, r.regimen, t);
    // Before 40 min: never above c1, and up to it. After: Ce falls to c2 (the pump off until
    // then) and never comes back above it.
    double worst = 0.0;
    bool fallen = false;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const double ce = sim.ce_ng_ml()[i];
      if (t[i] < 40.0) worst = std::max(worst, ce / c1);
      if (t[i] >= 40.0 && fallen) CHECK(ce <= c2 * 1.005);
      fallen = fallen || (t[i] >= 40.0 && ce <= c2);
    }
    CHECK(worst <= 1.005);
    CHECK(worst >= 0.995);
    const auto down = static_cast<std::size_t>(std::lround(40.0 / r.update_min));
    for (std::size_t i = down; i < r.rate_mg_per_min.size() && r.ce_ng_ml[i] > c2 * 1.001; ++i)
      CHECK(r.rate_mg_per_min[i] == 0.0);
    REQUIRE(r.time_to_target_min.has_value());
  }
}
