// The catalogue as a whole: keys, metadata, the builder by name, covariate and ke0 handling, the
// reproduction table, and the invariant battery run on every model.
#include <catch2/catch.hpp>

#include "invariants.hpp"
#include "ketasim/models/catalogue.hpp"
#include "reproductions.hpp"

using namespace ketasim;
using Catch::Matchers::Contains;

TEST_CASE("catalogue: lists every model by key", "[models]") {
  const auto k = models::keys();
  const std::vector<std::string> expected = {"perezruixo2021",    "kamp2020",   "domino1984",
                                             "herd2007",          "hornik2018", "otto2021",
                                             "intranasal_racemic"};
  CHECK(k == expected);
}

TEST_CASE("catalogue: every model carries its citation, population, routes and ke0 source",
          "[models]") {
  for (const auto& key : models::keys()) {
    INFO(key);
    const auto& i = models::info(key);
    CHECK(i.key == key);
    CHECK(!i.citation.empty());
    CHECK(!i.population.empty());
    CHECK(!i.drug.empty());
    CHECK(!i.analyte.empty());
    CHECK((i.cp_site == "arterial" || i.cp_site == "venous" || i.cp_site == "not stated"));
    CHECK(!i.routes.empty());
    CHECK(!i.covariates.empty());
    CHECK(!i.ke0.text.empty());
    CHECK(!i.verification.empty());
    CHECK(!i.parameters.empty());
    if (i.published_model) CHECK((!i.doi.empty() || !i.pmid.empty()));
    for (const auto& c : i.covariates) {
      CHECK(!c.range_source.empty());
      CHECK(c.min <= c.max);
    }
    // ke0: none of these sources fits one; none is invented.
    CHECK(i.ke0.kind == models::Ke0Kind::none);
    CHECK(!i.ke0.ke0_per_min.has_value());
  }
}

TEST_CASE("catalogue: the built model offers the routes its info lists", "[models]") {
  for (const auto& key : models::keys()) {
    INFO(key);
    const Model m = models::get(key, test::battery_covariates(key));
    for (const auto& r : models::info(key).routes) CHECK(m.has_route(r));
    for (const auto& a : models::info(key).metabolites) {
      bool found = false;
      for (int i : m.analytes())
        found = found || m.compartment_names()[static_cast<std::size_t>(i)] == a;
      CHECK(found);
    }
    CHECK_FALSE(m.has_effect_site());  // no ke0 unless the caller asks for one
  }
}

TEST_CASE("catalogue: every model passes the invariant battery", "[models][invariants]") {
  const std::string key = GENERATE(from_range(models::keys()));
  test::check_invariants(models::get(key, test::battery_covariates(key)), key);
}

TEST_CASE("catalogue: every claimed reproduction is within its stated interval", "[models]") {
  for (const auto& key : models::keys()) {
    const auto rows = test::reproductions(key);
    CHECK(!rows.empty());
    int claimed = 0;
    for (const auto& r : rows) {
      INFO(key << ": " << r.quantity << ", " << r.regimen << " (" << r.source << "): published "
               << r.published << ", ketasim " << r.ketasim);
      CHECK(!r.source.empty());
      if (r.claimed) {
        ++claimed;
        CHECK(r.within());
      } else {
        CHECK(!r.note.empty());                        // a gap or a context row says why
        if (!r.is_context()) CHECK_FALSE(r.within());  // the gap is real
      }
    }
    CHECK(claimed >= 1);  // at least one published number per model
  }
}

TEST_CASE("catalogue: a parameter read back is a consistency check, not a reproduction",
          "[models]") {
  auto check_of = [](const std::string& key, const std::string& quantity) {
    for (const auto& r : test::reproductions(key))
      if (r.quantity == quantity) return r.check;
    FAIL(key << " has no row " << quantity);
    return test::Check::reproduction;
  };
  // Domino: the published constants read back; the paper's own numbers could not be read.
  for (const auto& r : test::reproductions("domino1984"))
    if (r.claimed) CHECK(r.check == test::Check::consistency);
  CHECK(check_of("kamp2020", "clearance vs the meta-analytic weighted mean") ==
        test::Check::consistency);
  CHECK(check_of("kamp2020", "volume of distribution vs the meta-analytic weighted mean") ==
        test::Check::consistency);
  CHECK(check_of("otto2021", "S-ketamine clearance") == test::Check::consistency);
  CHECK(check_of("perezruixo2021", "esketamine Vss") == test::Check::consistency);
  // Concentrations and exposures computed by simulation are reproductions.
  CHECK(check_of("perezruixo2021", "esketamine Cmax") == test::Check::reproduction);
  CHECK(check_of("otto2021", "S-norketamine") == test::Check::reproduction);
  // Every model but Domino (and Kamp: its paper's figures could not be read) reproduces at least
  // one published number by simulation.
  for (const auto& key : models::keys()) {
    int n = 0;
    for (const auto& r : test::reproductions(key))
      n += (r.claimed && r.check == test::Check::reproduction) ? 1 : 0;
    INFO(key);
    if (key == "domino1984" || key == "kamp2020")
      CHECK(n == 0);
    else
      CHECK(n >= 1);
  }
}

TEST_CASE("catalogue: an unknown key is an error listing the keys", "[models][errors]") {
  CHECK_THROWS_AS(models::get("kamp"), InvalidInput);
  CHECK_THROWS_WITH(models::info("kamp"), Contains("key must be one of [perezruixo2021, kamp2020"));
}

TEST_CASE("catalogue: covariates are checked against the validity range", "[models][errors]") {
  SECTION("missing required covariate") {
    CHECK_THROWS_WITH(models::get("kamp2020"),
                      Contains("kamp2020: weight_kg must be given") && Contains("got \"missing\""));
  }
  SECTION("unknown covariate") {
    CHECK_THROWS_WITH(models::get("kamp2020", {{"weight_kg", 70.0}, {"height_cm", 170.0}}),
                      Contains("covariate must be one of [weight_kg]"));
  }
  SECTION("outside the range: error naming it, unless extrapolate") {
    CHECK_THROWS_WITH(
        models::get("hornik2018", {{"weight_kg", 200.0}}),
        Contains("hornik2018: weight_kg must be in [2.4, 176.1] kg") && Contains("got 200 kg"));
    const auto msgs = models::out_of_range("hornik2018", {{"weight_kg", 200.0}});
    REQUIRE(msgs.size() == 1);
    CHECK_THAT(msgs[0], Contains("weight_kg = 200 kg is outside the model's validity range"));
    CHECK_NOTHROW(models::get("hornik2018", {{"weight_kg", 200.0}}, {.extrapolate = true}));
    CHECK(models::out_of_range("hornik2018", {{"weight_kg", 20.0}}).empty());
  }
  SECTION("non-finite and non-flag values are errors even when extrapolating") {
    CHECK_THROWS_AS(models::get("kamp2020", {{"weight_kg", NAN}}, {.extrapolate = true}),
                    InvalidInput);
    CHECK_THROWS_WITH(models::get("perezruixo2021", {{"asian", 0.5}}, {.extrapolate = true}),
                      Contains("asian must be 0 or 1"));
    CHECK_THROWS_WITH(models::get("kamp2020", {{"weight_kg", -3.0}}, {.extrapolate = true}),
                      Contains("weight_kg must be > 0 kg"));
  }
}

TEST_CASE("catalogue: ke0 comes from the caller or a named literature value, never invented",
          "[models][ke0]") {
  const models::Covariates w70 = {{"weight_kg", 70.0}};
  SECTION("no ke0: no effect site, and Ce asks for one") {
    const Model m = models::get("kamp2020", w70);
    CHECK_FALSE(m.has_effect_site());
    Regimen r;
    r.bolus({.dose_mg = 35.0});
    const double t[2] = {0.0, 1.0};
    CHECK_THROWS_WITH(simulate(m, r, t).ce_ng_ml(), Contains("ke0"));
  }
  SECTION("a caller's ke0") {
    const Model m = models::get("kamp2020", w70, {.ke0_per_min = 0.7});
    CHECK(m.ke0_per_min() == 0.7);
    CHECK_THROWS_WITH(models::get("kamp2020", w70, {.ke0_per_min = -1.0}),
                      Contains("kamp2020: ke0 must be > 0 1/min, got -1 1/min"));
  }
  SECTION("Sleigh 2019: t1/2 ke0 23 s for EEG slow waves -> ln 2 / (23/60) per min") {
    const Model m = models::get("kamp2020", w70, {.ke0_source = "sleigh2019"});
    // Sleigh 2019 abstract: slow-wave equilibration half-time 23 (SD 4) s.
    CHECK_THAT(m.ke0_per_min(), Catch::Matchers::WithinRel(std::log(2.0) / (23.0 / 60.0), 1e-12));
    const auto& k = models::literature_ke0("sleigh2019");
    CHECK(k.t_half_s == 23.0);
    CHECK_THAT(k.caveat, Contains("another PK model"));
    CHECK_THAT(k.caveat, Contains("racemic"));
    // Theta: 47 (22) s.
    CHECK(models::literature_ke0("sleigh2019_theta").t_half_s == 47.0);
  }
  SECTION("both at once, or an unknown source, is an error") {
    CHECK_THROWS_WITH(
        models::get("kamp2020", w70, {.ke0_per_min = 1.0, .ke0_source = "sleigh2019"}),
        Contains("kamp2020: at most one of ke0_per_min, ke0_source must be given, got \"both\""));
    CHECK_THROWS_WITH(
        models::get("kamp2020", w70, {.ke0_source = "opentiva"}),
        Contains("ke0_source must be one of the named literature values [sleigh2019"));
  }
}

TEST_CASE("catalogue: a preset is for the intranasal composite only", "[models][errors]") {
  CHECK_THROWS_WITH(models::get("kamp2020", {{"weight_kg", 70.0}}, {.preset = "yanagihara2003"}),
                    Contains("preset must be given only for intranasal_racemic"));
}

TEST_CASE("catalogue: published variability names real parameters and converts as stated",
          "[models][variability]") {
  for (const auto& key : models::keys()) {
    INFO(key);
    const auto& v = models::info(key).variability;
    const Model m = models::get(key, test::battery_covariates(key));
    // A model without variability says why.
    if (v.parameters.empty()) CHECK(!v.omitted.empty());
    for (const auto& p : v.parameters) {
      INFO(p.published_name);
      CHECK(!p.source.empty());
      CHECK(!p.conversion.empty());
      CHECK((p.parameter.empty() ? !p.target.empty() : m.has_parameter(p.parameter)));
      CHECK((std::isfinite(p.sd) && p.sd > 0.0));
      if (p.published_as == "%CV")  // omega^2 = ln(1 + CV^2), computed here
        CHECK_THAT(p.sd * p.sd,
                   Catch::WithinRel(std::log(1.0 + std::pow(p.published / 100.0, 2)), 1e-12));
    }
    for (const auto& c : v.correlations) {
      CHECK(m.has_parameter(c.a));
      CHECK(m.has_parameter(c.b));
      CHECK((c.correlation > -1.0 && c.correlation < 1.0));
    }
    for (const auto& r : v.residuals) CHECK((r.analyte == "cp" || m.has_parameter("cln")));
  }
  // Perez-Ruixo 2021 Table 3: kmet's IIV is blank, so it is left out, and said so.
  const auto& pr = models::info("perezruixo2021").variability;
  for (const auto& p : pr.parameters) CHECK(p.parameter != "kmet");
  CHECK_THAT(pr.omitted.front(), Contains("kmet"));
  CHECK(pr.parameters.size() == 11);
  // Otto 2021 supplement: covariance 0.02261 between Vd (0.084177) and CL (0.026048).
  const auto& ot = models::info("otto2021").variability;
  CHECK_THAT(ot.correlations.at(0).correlation, Catch::WithinAbs(0.4829, 1e-4));
  CHECK_THAT(ot.residuals.at(0).proportional, Catch::WithinAbs(0.2361, 1e-4));
}
