// Tests of onset.hpp: peaks refined between samples, threshold crossings by root finding, time
// above threshold and AUC, each against a closed form computed here.
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"

using namespace ketasim;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("onset: Tmax and Cmax of first-order absorption are refined between samples", "[onset]") {
  const double v = 40.0, kel = 0.025, ka = 0.08, dose = 50.0;
  const Model m =
      Model::one_compartment({.cl = kel * v, .v1 = v}).with_route("oral", Absorption{.ka = ka});
  Regimen r;
  r.dose("oral", {.dose_mg = dose});
  const auto t = test::grid(0.0, 600.0, 15.0);  // coarse: Tmax (21.5 min) is between samples
  const Result res = simulate(m, r, t);
  const double tmax = std::log(ka / kel) / (ka - kel);
  const double cmax =
      1000.0 * dose / v * ka / (ka - kel) * (std::exp(-kel * tmax) - std::exp(-ka * tmax));
  const Peak p = peak(res);
  CHECK_THAT(p.t_min, WithinAbs(tmax, 1e-6));
  CHECK_THAT(p.c_ng_ml, WithinRel(cmax, 1e-12));
  SECTION("the ODE result gives the same refined peak") {
    const Result od = simulate(m, r, t, {.method = Method::ode, .rtol = 1e-10, .atol = 1e-14});
    CHECK_THAT(peak(od).t_min, WithinAbs(tmax, 1e-5));
  }
}

TEST_CASE("onset: a bolus between samples is the peak", "[onset]") {
  const Model m = Model::one_compartment({.cl = 1.0, .v1 = 10.0});
  Regimen r;
  r.bolus({.dose_mg = 10.0, .time_min = 7.5});
  const auto t = test::grid(0.0, 60.0, 10.0);
  const Peak p = peak(simulate(m, r, t));
  CHECK(p.t_min == 7.5);
  CHECK_THAT(p.c_ng_ml, WithinRel(1000.0, 1e-14));
}

TEST_CASE("onset: Ce threshold crossings against the closed form", "[onset]") {
  const double cl = 1.0, v = 20.0, ke0 = 0.3, dose = 40.0, k = cl / v, thr = 800.0;
  const Model m = Model::one_compartment({.cl = cl, .v1 = v}, ke0);
  Regimen r;
  r.bolus({.dose_mg = dose});
  auto ce = [&](double x) {
    return 1000.0 * dose / v * ke0 / (ke0 - k) * (std::exp(-k * x) - std::exp(-ke0 * x));
  };
  const double tpeak = std::log(ke0 / k) / (ke0 - k);
  const double up = test::bisect([&](double x) { return ce(x) - thr; }, 0.0, tpeak);
  const double down = test::bisect([&](double x) { return ce(x) - thr; }, tpeak, 500.0);
  const auto t = test::grid(0.0, 240.0, 5.0);
  const OnsetMetrics o = onset(simulate(m, r, t), thr, Series::ce);
  REQUIRE(o.t_onset_min);
  REQUIRE(o.t_offset_min);
  CHECK_THAT(*o.t_onset_min, WithinAbs(up, 1e-9));
  CHECK_THAT(*o.t_offset_min, WithinAbs(down, 1e-9));
  CHECK_THAT(o.time_above_min, WithinAbs(down - up, 1e-9));
  CHECK_THAT(*o.ce_tmax_min, WithinAbs(tpeak, 1e-6));
  CHECK_THAT(*o.ce_max_ng_ml, WithinRel(ce(tpeak), 1e-12));
  CHECK(o.cmax_ng_ml == 2000.0);
  CHECK(o.tmax_min == 0.0);
  CHECK_THAT(o.auc_ng_min_ml, WithinRel(1000.0 * dose / cl * (1.0 - std::exp(-k * 240.0)), 1e-12));
}

TEST_CASE("onset: time above a Cp threshold over two episodes", "[onset]") {
  const double cl = 1.0, v = 10.0, k = cl / v, c0 = 1000.0, thr = 100.0;
  const Model m = Model::one_compartment({.cl = cl, .v1 = v});
  Regimen r;
  r.bolus({.dose_mg = 10.0, .time_min = 0.0, .interval_min = 100.0, .count = 2});
  const auto t = test::grid(0.0, 300.0, 3.0);
  const OnsetMetrics o = onset(simulate(m, r, t), thr, Series::cp);
  const double first = std::log(c0 / thr) / k;
  const double second = std::log(c0 * (1.0 + std::exp(-100.0 * k)) / thr) / k;
  CHECK(*o.t_onset_min == 0.0);
  CHECK_THAT(*o.t_offset_min, WithinAbs(first, 1e-9));
  CHECK_THAT(o.time_above_min, WithinAbs(first + second, 1e-9));
  CHECK_FALSE(o.ce_max_ng_ml.has_value());
}

TEST_CASE("onset: a threshold never reached, and one still exceeded at the end", "[onset]") {
  const Model m = Model::one_compartment({.cl = 1.0, .v1 = 10.0}, 0.5);
  Regimen r;
  r.infusion({.rate_mg_per_min = 1.0, .start_min = 0.0, .duration_min = 1000.0});
  const auto t = test::grid(0.0, 100.0, 1.0);
  const Result res = simulate(m, r, t);
  const OnsetMetrics never = onset(res, 5000.0);
  CHECK_FALSE(never.t_onset_min.has_value());
  CHECK_FALSE(never.t_offset_min.has_value());
  CHECK(never.time_above_min == 0.0);
  const OnsetMetrics still = onset(res, 100.0);
  REQUIRE(still.t_onset_min);
  CHECK_FALSE(still.t_offset_min.has_value());
  CHECK_THAT(still.time_above_min, WithinAbs(100.0 - *still.t_onset_min, 1e-9));
}

TEST_CASE("onset: Ce metrics need an effect site", "[onset]") {
  const Model m = Model::one_compartment({.cl = 1.0, .v1 = 10.0});
  Regimen r;
  r.bolus({.dose_mg = 10.0});
  const auto t = test::grid(0.0, 10.0, 1.0);
  const Result res = simulate(m, r, t);
  CHECK_THROWS_WITH(onset(res, 100.0, Series::ce), Contains("ke0"));
  CHECK_THROWS_WITH(res.ce_ng_ml(), Contains("ke0"));
  CHECK_THROWS_WITH(onset(res, -1.0, Series::cp),
                    "onset: threshold_ng_ml must be > 0 ng/mL, got -1 ng/mL");
}
