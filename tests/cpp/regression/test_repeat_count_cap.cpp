// Regression: a repeat count typed as 2000000000 allocated tens of GB and killed the process;
// counts and nasal devices are now capped at 100000 per call with a clear error.
#include <catch2/catch.hpp>

#include "ketasim/regimen.hpp"

using namespace ketasim;

TEST_CASE("regression: huge repeat counts are refused, not allocated", "[regression]") {
  Regimen r;
  CHECK_THROWS_WITH(r.bolus({.dose_mg = 1.0, .interval_min = 1.0, .count = 2000000000}),
                    "Regimen.bolus: count must be in [1, 100000], got 2000000000");
  CHECK_THROWS_WITH(r.nasal_spray({.dose_mg = 28.0 * 200000.0}),
                    Catch::Matchers::Contains("at most 100000 devices"));
  CHECK(r.empty());
}
