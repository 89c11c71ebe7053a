// Tests of ode.hpp: the nonlinear extension point, the stiff stepper, and the step guard.
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"

using namespace ketasim;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("ode: Michaelis-Menten elimination in a few lines matches its implicit solution",
          "[ode]") {
  // dC/dt = -Vmax C / (V (Km + C)) with C in mg/L; its solution satisfies
  // t = V/Vmax [Km ln(C0/C) + (C0 - C)].
  const double v = 20.0, vmax = 2.0, km = 1.5, dose = 100.0, c0 = dose / v;
  // Linear elimination set to a negligible clearance: the nonlinear term does the work.
  const Model m = Model::one_compartment({.cl = 1e-300, .v1 = v});
  const StateLayout lay = state_layout(m);
  auto mm = [=](std::span<const double> x, std::span<double> dxdt, double) {
    const double c = x[0] / v;
    const double rate = vmax * c / (km + c);  // mg/min
    dxdt[0] -= rate;
    dxdt[static_cast<std::size_t>(lay.eliminated)] += rate;
  };
  Regimen r;
  r.bolus({.dose_mg = dose});
  const auto t = test::grid(0.0, 200.0, 5.0);
  for (bool stiff : {false, true}) {
    const Result res = simulate_ode(m, r, t, {.rtol = 1e-10, .atol = 1e-13, .stiff = stiff}, mm);
    INFO("stiff " << stiff);
    for (std::size_t i = 1; i < t.size(); ++i) {
      const double c = res.cp_ng_ml()[i] / 1000.0;
      const double t_implied = v / vmax * (km * std::log(c0 / c) + (c0 - c));
      CHECK(std::abs(t_implied - t[i]) < 1e-6);
    }
    // Mass still balances with the extension's transfer to 'eliminated'.
    CHECK_THAT(
        res.amounts_mg()(static_cast<Eigen::Index>(t.size() - 1), 0) + res.eliminated_mg().back(),
        WithinRel(dose, 1e-9));
  }
}

TEST_CASE("ode: the stiff stepper handles a fast and a slow process", "[ode]") {
  // A fast equilibrating compartment (Q/V ~ 50 /min) beside a slow one: stiff ratio ~ 1e5.
  const Model m = Model::three_compartment(
      {.cl = 0.05, .v1 = 10.0, .q2 = 500.0, .v2 = 10.0, .q3 = 0.01, .v3 = 100.0}, 0.1);
  Regimen r;
  r.infusion({.dose_mg = 50.0, .start_min = 0.0, .duration_min = 30.0});
  const auto t = test::grid(0.0, 600.0, 10.0);
  const Result ex = simulate(m, r, t);
  const Result st = simulate(m, r, t, {.method = Method::ode_stiff, .rtol = 1e-9, .atol = 1e-12});
  for (std::size_t i = 1; i < t.size(); ++i)
    CHECK_THAT(st.cp_ng_ml()[i], WithinRel(ex.cp_ng_ml()[i], 1e-6));
}

TEST_CASE("ode: the step guard names the limit and the tolerances", "[ode]") {
  const Model m = test::reference_model();
  Regimen r;
  r.bolus({.dose_mg = 10.0});
  const auto t = test::grid(0.0, 720.0, 1.0);
  CHECK_THROWS_AS(simulate(m, r, t, {.method = Method::ode, .max_steps = 10}), SolverError);
  CHECK_THROWS_WITH(simulate(m, r, t, {.method = Method::ode, .max_steps = 10}),
                    Contains("max_steps = 10") && Contains("rtol 1e-08"));
}

TEST_CASE("ode: a dose between samples is not stepped over", "[ode]") {
  // Samples every 60 min; a bolus at 30 min and an infusion 70-75 min would be missed or smeared
  // by a solver that stepped across them.
  const Model m = Model::one_compartment({.cl = 1.0, .v1 = 10.0});
  Regimen r;
  r.bolus({.dose_mg = 10.0, .time_min = 30.0})
      .infusion({.dose_mg = 5.0, .start_min = 70.0, .duration_min = 5.0});
  const double t[] = {0.0, 60.0, 120.0};
  const Result od = simulate(m, r, t, {.method = Method::ode, .rtol = 1e-10, .atol = 1e-14});
  const Result ex = simulate(m, r, t);
  CHECK(od.cp_ng_ml()[0] == 0.0);
  CHECK_THAT(od.cp_ng_ml()[1], WithinRel(1000.0 * std::exp(-0.1 * 30.0), 1e-8));
  CHECK_THAT(od.cp_ng_ml()[2], WithinRel(ex.cp_ng_ml()[2], 1e-8));
}
