// Every way to ask for a population wrongly gives InvalidInput naming the field and the value.
#include <catch2/catch.hpp>
#include <vector>

#include "../helpers.hpp"
#include "ketasim/population.hpp"

using namespace ketasim;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;

namespace {
const std::vector<double> kTimes{0.0, 30.0, 60.0};

Regimen bolus() { return Regimen().bolus({.dose_mg = 20.0}); }

std::string message_of(const PopulationSpec& spec, const PopulationOptions& opt = {},
                       const Model& model = test::reference_model()) {
  try {
    (void)simulate_population(model, bolus(), kTimes, spec, opt);
  } catch (const InvalidInput& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("population errors: subjects, variability and correlation", "[population]") {
  CHECK_THAT(message_of({.n = 0}), Equals("simulate_population: n must be >= 1 subject, got 0"));
  CHECK_THAT(message_of({.n = 3, .variability = {{"cll", 0.3}}}),
             Contains("simulate_population: variability parameter must be one of the model's "
                      "parameters [v1, cl, v2, q2, v3, q3, ke0, intranasal.f, intranasal.tlag, "
                      "intranasal.ka], got \"cll\""));
  CHECK_THAT(message_of({.n = 3, .variability = {{"cl", -0.1}}}),
             Equals("simulate_population: variability[\"cl\"] must be >= 0 (SD of the "
                    "log-parameter), got -0.1"));
  CHECK_THAT(message_of({.n = 3, .variability = {{"cl", 0.1}, {"cl", 0.2}}}),
             Equals("simulate_population: variability parameter must be listed once, got \"cl\""));
  Eigen::MatrixXd r3 = Eigen::MatrixXd::Identity(3, 3);
  CHECK_THAT(message_of({.n = 3, .variability = {{"cl", 0.1}, {"v1", 0.2}}, .correlation = r3}),
             Equals("simulate_population: correlation must be a 2 x 2 matrix (one row per "
                    "variability entry), got \"3 x 3\""));
  Eigen::MatrixXd r(2, 2);
  r << 1.0, 0.5, 0.4, 1.0;
  CHECK_THAT(message_of({.n = 3, .variability = {{"cl", 0.1}, {"v1", 0.2}}, .correlation = r}),
             Equals("simulate_population: correlation[0][1] must be equal to correlation[1][0] "
                    "(symmetric), got 0.5"));
  r << 1.0, 1.0, 1.0, 1.0;
  CHECK_THAT(message_of({.n = 3, .variability = {{"cl", 0.1}, {"v1", 0.2}}, .correlation = r}),
             Equals("simulate_population: correlation must be positive definite, got \"a matrix "
                    "that is not\""));
  r << 2.0, 0.0, 0.0, 1.0;
  CHECK_THAT(message_of({.n = 3, .variability = {{"cl", 0.1}, {"v1", 0.2}}, .correlation = r}),
             Equals("simulate_population: correlation[0][0] must be 1, got 2"));
}

TEST_CASE("population errors: given parameters, covariates and residual error", "[population]") {
  CHECK_THAT(message_of({.n = 3, .parameters = {{"cl", {1.0, 2.0}}}}),
             Equals("simulate_population: parameters[\"cl\"] must be 3 values (one per subject), "
                    "got \"2 values\""));
  CHECK_THAT(message_of({.n = 3, .parameters = {{"cl", {1.0, -2.0, 1.0}}}}),
             Equals("simulate_population: parameters[\"cl\"][1] must be > 0 L/min, got -2 L/min"));
  CHECK_THAT(message_of({.n = 2, .parameters = {{"intranasal.f", {0.5, 0.0}}}}),
             Equals("simulate_population: parameters[\"intranasal.f\"][1] must be > 0, got 0"));
  CHECK_THAT(message_of({.n = 2, .covariates = {{"weight_kg", {70.0, 80.0}}}}),
             Equals("simulate_population: model_for must be given when covariates are (it turns "
                    "them into a model), got \"none\""));
  CHECK_THAT(message_of({.n = 2, .residual = {.proportional = -0.1}}),
             Equals("simulate_population: residual proportional must be >= 0, got -0.1"));
  CHECK_THAT(message_of({.n = 2, .residual = {.proportional = 0.1, .exponential = 0.2}}),
             Equals("simulate_population: residual exponential must be given alone (not with "
                    "proportional or additive), got 0.2"));
}

TEST_CASE("population errors: a builder's bad model names the subject", "[population]") {
  const Model base = test::reference_model();
  PopulationSpec spec{.n = 40,
                      .covariates = {{"weight_kg", std::vector<double>(40, 70.0)}},
                      .model_for = [&](const SubjectCovariates& c) {
                        Model m = base;
                        if (c.subject() == 37) m.set_parameter("cl", -1.0);
                        return m;
                      }};
  spec.covariates[0].values[37] = 71.0;
  CHECK_THAT(message_of(spec, {.threads = 2}),
             Equals("simulate_population: subject 37: Model: cl must be > 0 L/min, got -1 L/min"));
  spec.model_for = [](const SubjectCovariates& c) {
    return Model::one_compartment({.cl = 1.0, .v1 = c["weight_kg"]});
  };
  CHECK_THAT(message_of(spec),
             Contains("simulate_population: subject 0: simulate_population: model_for's model "
                      "must be built like the reference model"));
  spec.model_for = [&](const SubjectCovariates& c) {
    (void)c["age_yr"];
    return base;
  };
  CHECK_THAT(message_of(spec), Equals("simulate_population: subject 0: SubjectCovariates: "
                                      "covariate must be one of [weight_kg], got \"age_yr\""));
}

TEST_CASE("population errors: thresholds, summaries and curves", "[population]") {
  const Model no_ke0 = Model::one_compartment({.cl = 1.0, .v1 = 20.0});
  CHECK_THAT(
      message_of({.n = 2}, {.thresholds_ng_ml = {100.0}, .threshold_series = Output::ce}, no_ke0),
      Contains("simulate_population: ke0 must be set for Ce thresholds"));
  CHECK_THAT(message_of({.n = 2}, {.thresholds_ng_ml = {0.0}}),
             Equals("simulate_population: thresholds_ng_ml[0] must be > 0 ng/mL, got 0 ng/mL"));
  CHECK_THAT(
      message_of({.n = 2}, {.thresholds_ng_ml = {5.0}, .threshold_series = Output::cp_observed}),
      Contains("residual must be given for thresholds on cp_observed"));
  CHECK_THAT(message_of({.n = 2}, {.solver = {.method = Method::ode, .rtol = 0.0}}),
             Equals("simulate: rtol must be in (0, 1), got 0"));

  const Population pop = simulate_population(
      test::reference_model(), bolus(), kTimes, {.n = 3},
      {.keep_individual = false, .thresholds_ng_ml = {10.0}, .threshold_series = Output::ce});
  CHECK_THROWS_WITH(pop.cp_ng_ml(),
                    "Population: cp must be kept (simulate with keep_individual "
                    "= true), got \"summaries only\"");
  CHECK_THROWS_WITH(pop.cp_observed_ng_ml(), Contains("cp_observed must be kept"));
  CHECK_THROWS_WITH(pop.fraction_above(20.0, Output::ce),
                    "Population.fraction_above: threshold_ng_ml must be one of the thresholds "
                    "simulated on ce [10] (only summaries were kept), got 20 ng/mL");
  CHECK_THROWS_WITH(pop.onset_min(20.0),
                    "Population.onset_min: threshold_ng_ml must be one of "
                    "the thresholds simulated [10], got 20 ng/mL");
  const std::vector<double> bad{50.0, 101.0};
  CHECK_THROWS_WITH(pop.percentiles(bad),
                    "Population.percentiles: percentiles[1] must be in [0, 100], got 101");
  const std::vector<double> median{50.0};
  CHECK_THROWS_WITH(pop.percentiles(median, Output::cp_observed),
                    Contains("cp_observed must be available"));
  CHECK_THROWS_WITH(pop.parameter("k10"),
                    Contains("Population: parameter must be one of [v1, cl, "));
  CHECK_THROWS_WITH(parse_output("cq"),
                    "Population: series must be one of [cp, ce, cp_observed], got \"cq\"");

  // A route the model lacks is reported before any subject runs.
  Regimen oral;
  oral.dose("oral", {.dose_mg = 10.0});
  CHECK_THROWS_WITH(simulate_population(test::reference_model(), oral, kTimes, {.n = 2}),
                    Contains("Regimen.dose: route must be one of the model's routes"));
  // Times are checked as by simulate().
  const std::vector<double> unsorted{0.0, 5.0, 2.0};
  CHECK_THROWS_WITH(simulate_population(test::reference_model(), bolus(), unsorted, {.n = 2}),
                    Contains("simulate: times_min[2] must be sorted"));
}

TEST_CASE("population errors: chunks that do not follow each other", "[population]") {
  const Population a = simulate_population(test::reference_model(), bolus(), kTimes, {.n = 3});
  const Population b =
      simulate_population(test::reference_model(), bolus(), kTimes, {.n = 3, .first_subject = 4});
  const std::vector<Population> parts{a, b};
  CHECK_THROWS_WITH(Population::concatenate(parts),
                    "Population.concatenate: parts[1] first_subject must be the end of the "
                    "previous part (3), got 4");
}

TEST_CASE("population errors: a bounded parameter of exactly 1 cannot vary on the logit scale",
          "[population]") {
  const Model f_one =
      test::reference_model().with_route("oral", Absorption{.ka = 0.02, .f = 1.0, .tlag = 0.0});
  CHECK_THAT(message_of({.n = 3, .variability = {{"oral.f", 0.5}}}, {}, f_one),
             Equals("simulate_population: oral.f must be < 1 to vary on the logit scale (it has "
                    "variability), got 1"));
  // No variability, or an SD of 0, keeps F = 1 as it is.
  CHECK(message_of({.n = 3, .variability = {{"oral.f", 0.0}}}, {}, f_one) == "no error");
  CHECK(message_of({.n = 3}, {}, f_one) == "no error");
  // Per-subject typical values replace the model's: each is checked.
  CHECK_THAT(message_of({.n = 2,
                         .variability = {{"intranasal.f", 0.5}},
                         .parameters = {{"intranasal.f", {0.5, 1.0}}}}),
             Equals("simulate_population: parameters[\"intranasal.f\"][1] must be < 1 to vary on "
                    "the logit scale (it has variability), got 1"));
  // A builder's model, subject by subject.
  PopulationSpec spec{.n = 4,
                      .variability = {{"oral.f", 0.3}},
                      .covariates = {{"weight_kg", {70.0, 70.0, 70.0, 80.0}}},
                      .model_for = [](const SubjectCovariates& c) {
                        const double f = c["weight_kg"] > 75.0 ? 1.0 : 0.8;
                        return test::reference_model().with_route(
                            "oral", Absorption{.ka = 0.02, .f = f, .tlag = 0.0});
                      }};
  CHECK_THAT(message_of(spec, {}, f_one),
             Equals("simulate_population: subject 3: model_for: oral.f must be < 1 to vary on the "
                    "logit scale (it has variability), got 1"));
}

TEST_CASE("population errors: results that would not fit in memory, before allocating",
          "[population]") {
  const std::size_t limit = population_memory_limit_bytes();
  CHECK(limit >= (std::size_t{1} << 26));      // at least 64 MiB on any machine this runs on
  const auto t = test::grid(0.0, 720.0, 1.0);  // 721 times
  auto message = [&](const PopulationSpec& spec, const PopulationOptions& opt) -> std::string {
    try {
      (void)simulate_population(test::reference_model(), bolus(), t, spec, opt);
    } catch (const InvalidInput& e) {
      return e.what();
    }
    return "no error";
  };
  // 10^9 subjects x 721 times x (Cp, Ce) = 11.5 TB of curves: more than any machine's memory.
  CHECK_THAT(message({.n = 1'000'000'000}, {}),
             StartsWith("simulate_population: n x times_min must be small enough for the results "
                        "to fit in memory (at most ") &&
                 Contains("got \"1000000000 x 721 (2 curve arrays: 10") && EndsWith(" GiB)\""));
  // Summaries only: the per-subject arrays alone can be too much.
  CHECK_THAT(message({.n = 4'000'000'000}, {.keep_individual = false}),
             Contains("got \"4000000000 x 721 (per-subject results: "));
  // A population that fits runs.
  CHECK(message({.n = 10}, {}) == "no error");
}
