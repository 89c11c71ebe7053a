// Otto 2021 IV S-ketamine with S-norketamine (Fanta 2015 disposition): Fanta's clearance, the
// observed medians of Otto's Figures 3b and 4b, and the metabolite mass balance.
#include <catch2/catch.hpp>

#include "ketasim/ketasim.hpp"
#include "ketasim/models/catalogue.hpp"
#include "reproductions.hpp"

using namespace ketasim;
using namespace ketasim::models;
using namespace ketasim::test;
using Catch::Matchers::WithinRel;

TEST_CASE("otto2021: S-ketamine clearance 95 L/h/70 kg (Fanta 2015 abstract)", "[otto2021]") {
  CHECK_THAT(measure::clearance_l_per_h(otto2021(70.0)), WithinRel(95.0, 0.01));
}

TEST_CASE("otto2021: CHDR1311 observed medians, 10 mg IV over 30 min", "[otto2021]") {
  // Otto 2021 Fig. 3b (S-ketamine) and 4b (S-norketamine): observed medians of the 17 CHDR1311
  // volunteers (mean weight 68 kg), digitised from the figures by the nlmixr2lib maintainers
  // (vignette Otto_2021_s_ketamine, +-10 % reading precision). Typical values within 20 %.
  Regimen r;
  r.infusion({.dose_mg = 10.0, .start_min = 0.0, .duration_min = 30.0});
  const double t[5] = {30.0, 60.0, 120.0, 180.0, 300.0};
  const Result res = simulate(otto2021(68.0), r, t);
  const auto& sk = res.cp_ng_ml();
  const auto nk = res.concentration_ng_ml("s_norketamine");
  CHECK_THAT(sk[0], WithinRel(56.0, 0.20));
  CHECK_THAT(sk[1], WithinRel(27.0, 0.20));
  CHECK_THAT(sk[2], WithinRel(15.5, 0.20));
  CHECK_THAT(sk[3], WithinRel(11.5, 0.20));
  CHECK_THAT(nk[1], WithinRel(23.0, 0.20));
  CHECK_THAT(nk[2], WithinRel(20.0, 0.20));
  CHECK_THAT(nk[3], WithinRel(16.0, 0.20));
  CHECK_THAT(nk[4], WithinRel(12.0, 0.20));
}

TEST_CASE("otto2021: all S-ketamine cleared becomes S-norketamine", "[otto2021]") {
  // Fraction metabolised 1 (Otto 2021 Methods): CL_snk x AUC_snk(0-inf) = dose.
  const Model m = otto2021(70.0);
  Regimen r;
  r.bolus({.dose_mg = 10.0});
  const double auc_ng_min_ml = measure::analyte_auc_to(m, r, "s_norketamine", 6000.0, 0.5);
  CHECK_THAT(m.parameter("cln") * auc_ng_min_ml / 1000.0, WithinRel(10.0, 1e-3));
}
