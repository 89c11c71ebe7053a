// Regression: a zero dose skipped the route and compartment checks (dose("intranasl",
// dose_mg = 0) was accepted): every record is validated against the model, zero or not.
#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace ketasim;

TEST_CASE("regression: a zero dose by an unknown route or into an unknown compartment is refused",
          "[regression]") {
  const Model m = test::reference_model();
  const std::vector<double> t = {0.0, 10.0};
  Regimen by_route;
  by_route.dose("intranasl", {.dose_mg = 0.0});
  CHECK_THROWS_WITH(simulate(m, by_route, t),
                    "Regimen.dose: route must be one of the model's routes [intranasal, iv], got "
                    "\"intranasl\"");
  Regimen bolus;
  bolus.bolus({.dose_mg = 0.0, .compartment = "centrl"});
  CHECK_THROWS_WITH(simulate(m, bolus, t),
                    "Model: compartment must be one of [central, peripheral1, peripheral2, "
                    "intranasal.depot], got \"centrl\"");
  Regimen infusion;
  infusion.infusion({.dose_mg = 0.0, .duration_min = 5.0, .compartment = "centrl"});
  CHECK_THROWS_WITH(simulate(m, infusion, t),
                    "Model: compartment must be one of [central, peripheral1, peripheral2, "
                    "intranasal.depot], got \"centrl\"");
  // Zero doses by known routes still simulate to zero.
  Regimen ok;
  ok.dose("intranasal", {.dose_mg = 0.0}).bolus({.dose_mg = 0.0, .compartment = "central"});
  CHECK(simulate(m, ok, t).cp_ng_ml() == std::vector<double>{0.0, 0.0});
}
