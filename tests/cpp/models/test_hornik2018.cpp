// Hornik 2018 IV racemic ketamine in children: the abstract's dosing statement, and no IM route
// because its absorption rate could not be traced.
#include <algorithm>
#include <catch2/catch.hpp>

#include "ketasim/ketasim.hpp"
#include "ketasim/models/catalogue.hpp"
#include "reproductions.hpp"

using namespace ketasim;
using namespace ketasim::models;
using namespace ketasim::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("hornik2018: 2 mg/kg IV keeps plasma ketamine above 750 ng/mL for 20 min",
          "[hornik2018]") {
  // Hornik 2018 abstract: "doses of 2 mg/kg intravenously ... provide adequate sedation (plasma
  // ketamine concentrations > 750 ng/mL) for procedures lasting up to 20 minutes". Median child
  // 14 kg, and the weights of children 1-17 y.
  for (double w : {10.0, 14.0, 30.0, 60.0}) {
    INFO(w << " kg");
    Regimen r;
    r.bolus({.dose_mg = mg_per_kg(2.0, w)});
    const auto t = measure::grid(0.0, 20.0, 0.5);
    const auto cp = simulate(hornik2018(w), r, t).cp_ng_ml();
    CHECK(*std::min_element(cp.begin(), cp.end()) > 750.0);
  }
}

TEST_CASE("hornik2018: the IM route is not offered (ka not traced)", "[hornik2018]") {
  const Model m = hornik2018(14.0);
  CHECK_FALSE(m.has_route("im"));
  Regimen r;
  r.dose("im", {.dose_mg = 10.0});
  const double t[1] = {1.0};
  CHECK_THROWS_WITH(simulate(m, r, t), Contains("route must be one of the model's routes"));
  // The published IM bioavailability is recorded in the metadata (abstract: 41 %).
  bool recorded = false;
  for (const auto& p : hornik2018_info().parameters)
    recorded = recorded || (p.name == "F (IM)" && p.published == 0.41);
  CHECK(recorded);
}

TEST_CASE("hornik2018: allometric scaling (abstract: exponent 1 on V, 0.75 on CL and Q)",
          "[hornik2018]") {
  const Model m = hornik2018(14.0);
  const double w = 14.0 / 70.0;
  CHECK_THAT(m.parameter("v1"), WithinRel(32.8 * w, 1e-12));
  CHECK_THAT(m.parameter("cl"), WithinRel(38.9 / 60.0 * std::pow(w, 0.75), 1e-12));
  CHECK_THROWS_WITH(hornik2018(1.0), Contains("hornik2018: weight_kg must be in [2.4, 176.1] kg"));
}
