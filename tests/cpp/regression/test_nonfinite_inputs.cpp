// Regression: finite accepted inputs produced NaN or inf (cl = 1e300 with v1 = 1e-300, q2 = 1e19,
// an infusion of duration 5e-324, dose_mg = 1e308, v1 = 5e-324 without a dose, the ODE solver
// with cl >= 1e54). Derived rates, input rates and concentration scales are validated when the
// model and regimen are compiled, and no solver returns a non-finite number.
#include <catch2/catch.hpp>
#include <cmath>

#include "ketasim/ketasim.hpp"

using namespace ketasim;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
const std::vector<double> kTimes = {0.0, 1.0, 5.0, 60.0};
Regimen bolus(double mg) {
  Regimen r;
  r.bolus({.dose_mg = mg});
  return r;
}
}  // namespace

TEST_CASE("regression: a rate that overflows (cl = 1e300, v1 = 1e-300) is refused",
          "[regression]") {
  const Model m = Model::one_compartment({.cl = 1e300, .v1 = 1e-300});
  CHECK_THROWS_WITH(simulate(m, bolus(1.0), kTimes),
                    "Model: cl / v1 must be a finite rate, got inf 1/min (cl = 1e+300 L/min, v1 = "
                    "1e-300 L)");
}

TEST_CASE("regression: v1 = 5e-324 without a dose is refused", "[regression]") {
  const Model m = Model::one_compartment({.cl = 1.0, .v1 = 5e-324});
  CHECK_THROWS_WITH(simulate(m, Regimen{}, kTimes),
                    "Model: cl / v1 must be a finite rate, got inf 1/min (cl = 1 L/min, v1 = "
                    "5e-324 L)");
  // A finite rate but a concentration scale 1000 / v1 that overflows.
  const Model tiny = Model::one_compartment({.cl = 1e-300, .v1 = 1e-306});
  CHECK_THROWS_WITH(simulate(tiny, Regimen{}, kTimes),
                    "Model: 1000 / v1 (ng/mL per mg) must be finite, got inf (v1 = 1e-306 L)");
}

TEST_CASE("regression: q2 = 1e19 gives the merged compartment, not NaN", "[regression]") {
  const Model m = Model::two_compartment({.cl = 1.0, .v1 = 10.0, .q2 = 1e19, .v2 = 30.0});
  const Result res = simulate(m, bolus(100.0), kTimes);
  for (std::size_t i = 1; i < kTimes.size(); ++i)
    CHECK_THAT(res.cp_ng_ml()[i], WithinRel(2500.0 * std::exp(-kTimes[i] / 40.0), 1e-12));
}

TEST_CASE("regression: an infusion rate that overflows (duration 5e-324) is refused",
          "[regression]") {
  Regimen r;
  CHECK_THROWS_WITH(r.infusion({.dose_mg = 10.0, .duration_min = 5e-324}),
                    "Regimen.infusion: dose_mg / duration_min must be a finite rate, got inf "
                    "mg/min (dose_mg = 10 mg, duration_min = 5e-324 min)");
  CHECK_THROWS_WITH(r.infusion({.rate_mg_per_min = 1e300, .duration_min = 1e10}),
                    "Regimen.infusion: rate_mg_per_min x duration_min must be a finite dose, got "
                    "inf mg (rate_mg_per_min = 1e+300 mg/min, duration_min = 1e+10 min)");
  CHECK(r.empty());
}

TEST_CASE("regression: an infusion shorter than the time resolution is not lost", "[regression]") {
  // 100 + 1e-20 == 100: the span is empty in doubles; its dose lands as a bolus.
  const Model m = Model::one_compartment({.cl = 1.0, .v1 = 10.0});
  Regimen r;
  r.infusion({.dose_mg = 10.0, .start_min = 100.0, .duration_min = 1e-20});
  const std::vector<double> t = {100.0, 110.0};
  for (Method method : {Method::exact, Method::ode, Method::ode_stiff}) {
    const Result res = simulate(m, r, t, {.method = method});
    CHECK_THAT(res.cp_ng_ml()[1], WithinRel(1000.0 * std::exp(-1.0), 1e-6));
  }
}

TEST_CASE("regression: dose_mg = 1e308 is refused before it overflows Cp", "[regression]") {
  const Model m = Model::one_compartment({.cl = 1.0, .v1 = 10.0});
  CHECK_THROWS_WITH(simulate(m, bolus(1e308), kTimes),
                    "simulate: total dose_mg x 1000 / v1 must be a finite concentration, got inf "
                    "ng/mL (total dose 1e+308 mg, v1 = 10 L)");
  Regimen two = bolus(1e308);
  two.bolus({.dose_mg = 1e308, .time_min = 1.0});
  CHECK_THROWS_WITH(simulate(m, two, kTimes), "Regimen: total dose must be finite, got inf mg");
}

TEST_CASE("regression: an AUC beyond the range of a double is a SolverError, not inf",
          "[regression]") {
  // Cp stays finite (at most 1e297 ng/mL) but its integral to 1e20 min is 1e310 mg min/L.
  const Model m = Model::one_compartment({.cl = 1e-10, .v1 = 1e6});
  const std::vector<double> t = {0.0, 1e20};
  CHECK_THROWS_MATCHES(
      simulate(m, bolus(1e300), t), SolverError,
      Catch::Matchers::Message("simulate: the exact solver's auc at 1e+20 min is inf, beyond the "
                               "range of double precision (doses, volumes or times too large); no "
                               "result is returned"));
}

TEST_CASE("regression: the ODE solvers on cl >= 1e54 raise or agree, never NaN", "[regression]") {
  const double cl = GENERATE(1e54, 1e60);
  const Model m = Model::one_compartment({.cl = cl, .v1 = 10.0});
  const Regimen r = bolus(100.0);
  // Dormand-Prince cannot take steps this small: a clear error naming the limit or the rate.
  if (cl == 1e54)
    CHECK_THROWS_MATCHES(simulate(m, r, kTimes, {.method = Method::ode}), SolverError,
                         Catch::Matchers::Message(
                             "simulate: the ODE solver reached max_steps = 1000000 (rtol 1e-08, "
                             "atol 1e-09); loosen the tolerances, raise max_steps or use method "
                             "ode_stiff"));
  else
    CHECK_THROWS_MATCHES(
        simulate(m, r, kTimes, {.method = Method::ode}), SolverError,
        Catch::Matchers::Message("simulate: the ODE solver's state became non-finite at 0.01 min "
                                 "(rtol 1e-08, atol 1e-09); the fastest rate is cl / v1 = 1e+59 "
                                 "1/min; use method exact or ode_stiff"));
  // The stiff solver and the exact one: the dose is gone at once (Cp 0 after t = 0).
  const Result ex = simulate(m, r, kTimes);
  const Result st = simulate(m, r, kTimes, {.method = Method::ode_stiff});
  for (std::size_t i = 1; i < kTimes.size(); ++i) {
    CHECK_THAT(ex.cp_ng_ml()[i], WithinAbs(0.0, 1e-300));
    CHECK_THAT(st.cp_ng_ml()[i], WithinAbs(0.0, 1e-6));  // atol 1e-9 mg in 10 L
  }
}
