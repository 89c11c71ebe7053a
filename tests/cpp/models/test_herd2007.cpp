// Herd 2007 IV racemic ketamine in children: what the abstract's 10-minute statements say and
// what the typical-value model reproduces of them.
#include <catch2/catch.hpp>

#include "ketasim/ketasim.hpp"
#include "ketasim/models/catalogue.hpp"
#include "reproductions.hpp"

using namespace ketasim;
using namespace ketasim::models;
using namespace ketasim::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("herd2007: above 0.1 mg/L at 10 min after 1 mg/kg", "[herd2007]") {
  // Herd 2007 abstract: "almost all the children will still have a serum concentration above
  // 0.1 mg/L" 10 min after 1 mg/kg IV. Checked over the study's weights (32.5, SD 15.6 kg).
  for (double w : {17.0, 32.5, 48.0}) CHECK(herd2007_c10_mg_l(w) > 0.1);
}

TEST_CASE("herd2007: the median of 0.75 mg/L is not reached, and variability is not why",
          "[herd2007][gap]") {
  // Herd 2007 abstract: "At 10 min half of the children given 1 mg/kg will have a serum
  // concentration below 0.75 mg/L". The typical-value model stays below it; the project survey
  // computed the typical value independently (analytic 2-compartment solution): 0.457, 0.509,
  // 0.560 mg/L at 20, 32.5, 50 kg.
  CHECK_THAT(herd2007_c10_mg_l(20.0), WithinRel(0.457, 0.005));
  CHECK_THAT(herd2007_c10_mg_l(32.5), WithinRel(0.509, 0.005));
  CHECK_THAT(herd2007_c10_mg_l(50.0), WithinRel(0.560, 0.005));
  // Between-subject variability widens the gap rather than closing it: with the abstract's
  // variabilities (V1 64 %, V2 51.7 %, CL 38.1 %, Q 19 %) and the study's weights, the median
  // falls below the typical value and nearly every child is below 0.75 mg/L (the survey's
  // independent Monte Carlo: median 0.46 mg/L, 98 % below 0.75).
  const Herd2007Population pop = herd2007_population_c10(1.0);
  CHECK(pop.median_mg_l < herd2007_c10_mg_l(32.5));
  CHECK_THAT(pop.median_mg_l, WithinAbs(0.46, 0.03));
  CHECK(pop.fraction_below_0_75 > 0.95);
  // At 1.5 mg/kg (the study's upper dose) the typical value is where the statement puts the
  // median (the survey: 0.76 mg/L).
  CHECK_THAT(herd2007_c10_mg_l(32.5, 1.5), WithinRel(0.76, 0.01));
}

TEST_CASE("herd2007: allometric scaling of the published 70-kg values", "[herd2007]") {
  // Abstract: V1 38.7, V2 102 L/70 kg; CL 90, Q 215 L/h/70 kg (exponents 1 and 0.75).
  const Model m = herd2007(35.0);
  CHECK_THAT(m.parameter("v1"), WithinRel(38.7 * 0.5, 1e-12));
  CHECK_THAT(m.parameter("v2"), WithinRel(102.0 * 0.5, 1e-12));
  CHECK_THAT(m.parameter("cl"), WithinRel(90.0 / 60.0 * std::pow(0.5, 0.75), 1e-12));
  CHECK_THAT(m.parameter("q2"), WithinRel(215.0 / 60.0 * std::pow(0.5, 0.75), 1e-12));
  CHECK_THROWS_WITH(herd2007(80.0), Contains("herd2007: weight_kg must be in [10.8, 74.8] kg"));
}
