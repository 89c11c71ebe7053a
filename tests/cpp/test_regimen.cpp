// Tests of regimen.hpp: dose records, repeats, infusions, nasal devices, mg/kg.
#include <catch2/catch.hpp>

#include "ketasim/regimen.hpp"

using namespace ketasim;
using Catch::Matchers::WithinRel;

TEST_CASE("regimen: mg/kg helper", "[regimen]") {
  CHECK(mg_per_kg(0.5, 70.0) == 35.0);
  CHECK_THROWS_WITH(mg_per_kg(0.5, 0.0), "mg_per_kg: weight_kg must be > 0 kg, got 0 kg");
}

TEST_CASE("regimen: repeats unroll into one record per dose", "[regimen]") {
  Regimen r;
  r.bolus({.dose_mg = 10.0, .time_min = 5.0, .interval_min = 60.0, .count = 3});
  REQUIRE(r.records().size() == 3);
  CHECK(r.records()[2].time_min == 125.0);
  CHECK(r.total_dose_mg() == 30.0);
}

TEST_CASE("regimen: an infusion by rate equals one by dose", "[regimen]") {
  Regimen a, b;
  a.infusion({.dose_mg = 35.0, .start_min = 0.0, .duration_min = 40.0});
  b.infusion({.rate_mg_per_min = 0.875, .start_min = 0.0, .duration_min = 40.0});
  CHECK_THAT(a.records()[0].amount_mg, WithinRel(b.records()[0].amount_mg, 1e-15));
}

TEST_CASE("regimen: nasal spray devices carry their session position", "[regimen]") {
  SECTION("84 mg is three 28 mg devices 5 minutes apart (Spravato label)") {
    Regimen r;
    r.nasal_spray({.dose_mg = 84.0, .start_min = 10.0});
    REQUIRE(r.records().size() == 3);
    for (int k = 0; k < 3; ++k) {
      CHECK(r.records()[k].amount_mg == 28.0);
      CHECK(r.records()[k].time_min == 10.0 + 5.0 * k);
      CHECK(r.records()[k].position == k + 1);
      CHECK(r.records()[k].target == "intranasal");
    }
  }
  SECTION("interval 0 puts all devices at the start") {
    Regimen r;
    r.nasal_spray({.dose_mg = 56.0, .start_min = 0.0, .interval_min = 0.0});
    CHECK(r.records()[1].time_min == 0.0);
    CHECK(r.records()[1].position == 2);
  }
  SECTION("a dose that is not a whole number of devices") {
    Regimen r;
    CHECK_THROWS_WITH(r.nasal_spray({.dose_mg = 50.0}),
                      "Regimen.nasal_spray: dose_mg must be a whole number of 28 mg devices, "
                      "got 50 mg");
  }
}
