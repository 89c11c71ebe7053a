// Domino 1984 IV racemic ketamine: the published constants, read back from the built model, and a
// code-to-code check against an independent computation.
#include <catch2/catch.hpp>

#include "ketasim/ketasim.hpp"
#include "ketasim/models/catalogue.hpp"
#include "reproductions.hpp"

using namespace ketasim;
using namespace ketasim::models;
using namespace ketasim::test;
using Catch::Matchers::WithinRel;

TEST_CASE("domino1984: the published constants are the built model's rate constants",
          "[domino1984]") {
  // Domino 1984 (Clin Pharmacol Ther 36:645-653) as transcribed by stanpumpR and opentiva:
  // V1 = 0.063 L/kg, k10 0.4381, k12 0.5921, k13 0.5900, k21 0.2470, k31 0.0146 /min.
  const double w = GENERATE(50.0, 70.0, 110.0);
  const Model m = domino1984(w);
  const int c = m.compartment_index("central"), p1 = m.compartment_index("peripheral1"),
            p2 = m.compartment_index("peripheral2");
  CHECK_THAT(m.parameter("v1"), WithinRel(0.063 * w, 1e-12));
  CHECK_THAT(link_rate_per_min(m, "central", -1), WithinRel(0.4381, 1e-12));
  CHECK_THAT(link_rate_per_min(m, "central", p1), WithinRel(0.5921, 1e-12));
  CHECK_THAT(link_rate_per_min(m, "central", p2), WithinRel(0.5900, 1e-12));
  CHECK_THAT(link_rate_per_min(m, "peripheral1", c), WithinRel(0.2470, 1e-12));
  CHECK_THAT(link_rate_per_min(m, "peripheral2", c), WithinRel(0.0146, 1e-12));
}

TEST_CASE("domino1984: code-to-code against the project survey's independent integration",
          "[domino1984]") {
  // NOT published numbers: the literature survey (ketamine_models.md section 8) integrated the
  // same constants independently (Euler) for 70 kg and a 1 mg/kg bolus: Cp 3.55, 0.555, 0.323,
  // 0.119, 0.091 ug/mL at 1, 5, 10, 30, 60 min. Agreement to 1 % (Euler's own error).
  Regimen r;
  r.bolus({.dose_mg = 70.0});
  const double t[5] = {1.0, 5.0, 10.0, 30.0, 60.0};
  const double expected[5] = {3.55, 0.555, 0.323, 0.119, 0.091};
  const auto cp = simulate(domino1984(70.0), r, t).cp_ng_ml();
  for (int i = 0; i < 5; ++i)
    CHECK_THAT(cp[static_cast<std::size_t>(i)] / 1000.0, WithinRel(expected[i], 0.01));
}
