// Regression: with samples at 0 and 100000 min only, the Ce slope at the far end underflowed to
// zero and onset()/peak() missed the peak (reported while testing the Python package).
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"

using namespace ketasim;
using Catch::Matchers::WithinAbs;

TEST_CASE("onset: a peak inside a very long gap between samples is found", "[onset]") {
  const double cl = 1.0, v = 20.0, ke0 = 0.3, dose = 40.0, k = cl / v;
  const Model m = Model::one_compartment({.cl = cl, .v1 = v}, ke0);
  Regimen r;
  r.bolus({.dose_mg = dose});
  const double t[] = {0.0, 100000.0};
  const double tpeak = std::log(ke0 / k) / (ke0 - k);
  const Peak p = peak(simulate(m, r, t), Series::ce);
  CHECK_THAT(p.t_min, WithinAbs(tpeak, 1e-6));
  const OnsetMetrics o = onset(simulate(m, r, t), 800.0, Series::ce);
  REQUIRE(o.t_onset_min);
  CHECK(*o.t_onset_min < tpeak);
}
