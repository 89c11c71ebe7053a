// Regression: the cost grew with the square of the number of infusions (100,000 infusions took
// 47 s) because the input rate was recomputed by scanning every infusion at every breakpoint.
// Rates are now tabulated once per breakpoint interval; these check that the tabulation is exact
// (no residue from adding and removing rates), not how long it takes.
#include <catch2/catch.hpp>
#include <cmath>

#include "ketasim/ketasim.hpp"

using namespace ketasim;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("regression: 100,000 back-to-back infusions equal one long infusion", "[regression]") {
  const Model m = Model::one_compartment({.cl = 1.0, .v1 = 10.0});
  Regimen many, one;
  many.infusion(
      {.rate_mg_per_min = 0.3, .duration_min = 1.0, .interval_min = 1.0, .count = 100000});
  one.infusion({.rate_mg_per_min = 0.3, .duration_min = 100000.0});
  const std::vector<double> t = {0.5, 10.0, 99999.5, 100000.0, 100001.0, 100030.0};
  const Result a = simulate(m, many, t), b = simulate(m, one, t);
  for (std::size_t i = 0; i < t.size(); ++i) {
    INFO("t = " << t[i]);
    CHECK_THAT(a.cp_ng_ml()[i], WithinRel(b.cp_ng_ml()[i], 1e-12));
  }
  // After the last infusion the input is exactly zero again: a pure exponential decay.
  CHECK_THAT(a.cp_ng_ml()[5], WithinRel(a.cp_ng_ml()[3] * std::exp(-3.0), 1e-12));
}

TEST_CASE("regression: 100,000 separated infusions against the closed form", "[regression]") {
  const double cl = 1.0, v = 10.0, k = cl / v, rate = 2.0, dur = 0.25;
  const Model m = Model::one_compartment({.cl = cl, .v1 = v});
  Regimen r;
  r.infusion({.rate_mg_per_min = rate, .duration_min = dur, .interval_min = 1.0, .count = 100000});
  const std::vector<double> t = {0.1, 0.6, 50.1, 1000.25, 99999.1, 99999.9, 100010.0};
  const Result res = simulate(m, r, t);
  for (std::size_t i = 0; i < t.size(); ++i) {
    // Sum of the infusions started before t (each one's closed form), newest first.
    double c = 0.0;
    for (long j = static_cast<long>(std::min(99999.0, std::floor(t[i]))); j >= 0; --j) {
      const double s = t[i] - static_cast<double>(j);
      const double term = s < dur
                              ? rate / cl * (1.0 - std::exp(-k * s))
                              : rate / cl * (1.0 - std::exp(-k * dur)) * std::exp(-k * (s - dur));
      c += term;
      if (term < 1e-30) break;
    }
    INFO("t = " << t[i]);
    CHECK_THAT(res.cp_ng_ml()[i], WithinRel(1000.0 * c, 1e-11));
  }
  // The same regimen as 100,000 infusions by the stiff ODE (spot check of the walk).
  const Result ode = simulate(m, r, std::vector<double>{1000.25},
                              {.method = Method::ode_stiff, .rtol = 1e-10, .atol = 1e-12});
  CHECK_THAT(ode.cp_ng_ml()[0], WithinRel(res.cp_ng_ml()[3], 1e-7));
}
