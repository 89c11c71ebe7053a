// Tests of population.hpp: subjects equal single simulations, reproducibility whatever the
// threads or chunks, the variability, correlation, covariates and residual error asked for.
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <vector>

#include "../helpers.hpp"
#include "ketasim/models/otto2021.hpp"
#include "ketasim/population.hpp"

using namespace ketasim;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

/// The reference problem: 35 mg IV over 40 min plus two 28 mg nasal devices 5 min apart.
/// The model subject s was simulated with: the reference model with the population's values.
Model subject_model(const Model& base, const Population& pop, std::size_t s) {
  Model m = base;
  for (std::size_t i = 0; i < pop.parameter_names().size(); ++i)
    m.set_parameter(pop.parameter_names()[i],
                    pop.parameters()(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(i)));
  return m;
}

double max_rel_diff(const std::vector<double>& a, const double* b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(std::abs(a[i]), 1e-9));
  return worst;
}

struct Moments {
  double mean = 0.0, var = 0.0;
};
Moments moments(const std::vector<double>& x) {
  Moments m;
  for (double v : x) m.mean += v;
  m.mean /= static_cast<double>(x.size());
  for (double v : x) m.var += (v - m.mean) * (v - m.mean);
  m.var /= static_cast<double>(x.size() - 1);
  return m;
}

}  // namespace

TEST_CASE("population: each subject is the single simulation of its parameters", "[population]") {
  const Model model = test::reference_model();
  const Regimen regimen = test::reference_regimen();
  const auto t = test::grid(0.0, 720.0, 1.0);
  const Population pop = simulate_population(
      model, regimen, t,
      {.n = 40, .seed = 11, .variability = {{"cl", 0.3}, {"v1", 0.25}, {"intranasal.ka", 0.4}}},
      {.threads = 2});
  REQUIRE(pop.size() == 40);
  REQUIRE(pop.cp_ng_ml().rows() == 40);
  REQUIRE(pop.cp_ng_ml().cols() == static_cast<Eigen::Index>(t.size()));
  for (std::size_t s = 0; s < pop.size(); s += 7) {
    const Result r = simulate(subject_model(model, pop, s), regimen, t);
    INFO("subject " << s);
    CHECK(max_rel_diff(r.cp_ng_ml(), pop.cp_ng_ml().row(static_cast<Eigen::Index>(s)).data()) <
          1e-11);
    CHECK(max_rel_diff(r.ce_ng_ml(), pop.ce_ng_ml().row(static_cast<Eigen::Index>(s)).data()) <
          1e-11);
    // Cmax/Tmax and the Ce peak are those of peak() on the single result (one metric engine,
    // on the continuous solution: not the highest sample).
    const Peak pc = peak(r, Series::cp), pe = peak(r, Series::ce);
    CHECK_THAT(pop.cmax_ng_ml()[s], Catch::Matchers::WithinRel(pc.c_ng_ml, 1e-11));
    CHECK_THAT(pop.tmax_min()[s], Catch::Matchers::WithinAbs(pc.t_min, 1e-8));
    CHECK_THAT(pop.ce_max_ng_ml()[s], Catch::Matchers::WithinRel(pe.c_ng_ml, 1e-11));
    CHECK_THAT(pop.ce_tmax_min()[s], Catch::Matchers::WithinAbs(pe.t_min, 1e-8));
    const auto& cp = r.cp_ng_ml();
    CHECK(pop.cmax_ng_ml()[s] >= *std::max_element(cp.begin(), cp.end()) * (1.0 - 1e-12));
  }
  // Parameters the variability did not touch keep their typical value.
  for (double q2 : pop.parameter("q2")) CHECK(q2 == 2.0);
  for (double f : pop.parameter("intranasal.f")) CHECK(f == 0.45);
}

TEST_CASE("population: the same seed gives the same subjects whatever the number of threads",
          "[population]") {
  const Model model = test::reference_model();
  const Regimen regimen = test::reference_regimen();
  const auto t = test::grid(0.0, 240.0, 2.0);
  const PopulationSpec spec{.n = 150,
                            .seed = 2026,
                            .variability = {{"cl", 0.3}, {"ke0", 0.5}, {"intranasal.f", 0.4}},
                            .residual = {.additive_ng_ml = 1.0, .proportional = 0.15}};
  const bool keep = GENERATE(true, false);
  const PopulationOptions one{.threads = 1,
                              .keep_individual = keep,
                              .thresholds_ng_ml = {50.0},
                              .threshold_series = Output::ce};
  PopulationOptions three = one;
  three.threads = 3;
  const Population a = simulate_population(model, regimen, t, spec, one);
  const Population b = simulate_population(model, regimen, t, spec, three);
  CHECK(a.parameters() == b.parameters());
  CHECK(a.cmax_ng_ml() == b.cmax_ng_ml());
  CHECK(a.ce_tmax_min() == b.ce_tmax_min());
  CHECK(a.onset_min(50.0) == b.onset_min(50.0));
  CHECK(a.fraction_above(50.0, Output::ce) == b.fraction_above(50.0, Output::ce));
  const std::vector<double> pct{5.0, 50.0, 95.0};
  CHECK(a.percentiles(pct, Output::cp_observed) == b.percentiles(pct, Output::cp_observed));
  if (keep) {
    CHECK(a.cp_ng_ml() == b.cp_ng_ml());
    CHECK(a.ce_ng_ml() == b.ce_ng_ml());
    CHECK(a.cp_observed_ng_ml() == b.cp_observed_ng_ml());
  }
  SECTION("another seed gives other subjects") {
    PopulationSpec other = spec;
    other.seed = 2027;
    const Population c = simulate_population(model, regimen, t, other, one);
    CHECK(c.parameters() != a.parameters());
  }
}

TEST_CASE("population: a chunk simulates exactly those subjects of the whole population",
          "[population]") {
  const Model model = test::reference_model();
  const Regimen regimen = test::reference_regimen();
  const auto t = test::grid(0.0, 120.0, 1.0);
  PopulationSpec spec{.n = 100, .seed = 5, .variability = {{"cl", 0.3}, {"v2", 0.3}}};
  const bool keep = GENERATE(true, false);
  const PopulationOptions opt{
      .keep_individual = keep, .thresholds_ng_ml = {80.0, 150.0}, .threshold_series = Output::ce};
  const Population whole = simulate_population(model, regimen, t, spec, opt);
  std::vector<Population> parts;
  for (std::size_t first : {0, 33, 70}) {
    PopulationSpec chunk = spec;
    chunk.first_subject = first;
    chunk.n = first == 70 ? 30 : (first == 0 ? 33 : 37);
    parts.push_back(simulate_population(model, regimen, t, chunk, opt));
  }
  CHECK(parts[1].first_subject() == 33);
  CHECK(parts[1].parameters() == whole.parameters().middleRows(33, 37));
  const Population joined = Population::concatenate(parts);
  CHECK(joined.size() == 100);
  CHECK(joined.parameters() == whole.parameters());
  CHECK(joined.tmax_min() == whole.tmax_min());
  CHECK(joined.onset_min(150.0) == whole.onset_min(150.0));
  CHECK(joined.fraction_above(80.0, Output::ce, false) ==
        whole.fraction_above(80.0, Output::ce, false));
  const std::vector<double> pct{10.0, 50.0, 90.0};
  CHECK(joined.percentiles(pct, Output::ce) == whole.percentiles(pct, Output::ce));
  if (keep) CHECK(joined.cp_ng_ml() == whole.cp_ng_ml());
}

TEST_CASE("population: log-normal variability has the SD asked for", "[population]") {
  const Model model = test::reference_model();
  const std::vector<double> t{0.0, 60.0};
  const Population pop = simulate_population(
      model, test::reference_regimen(), t,
      {.n = 20000, .seed = 1, .variability = {{"cl", 0.3}, {"intranasal.ka", 0.5}}},
      {.keep_individual = false});
  for (const auto& [name, sd] : {std::pair{"cl", 0.3}, std::pair{"intranasal.ka", 0.5}}) {
    std::vector<double> eta;
    for (double v : pop.parameter(name)) eta.push_back(std::log(v / model.parameter(name)));
    const Moments m = moments(eta);
    INFO(name);
    // Standard errors: sd / sqrt(n) for the mean, sd^2 sqrt(2 / n) for the variance.
    CHECK_THAT(m.mean, WithinAbs(0.0, 4.0 * sd / std::sqrt(20000.0)));
    CHECK_THAT(m.var, WithinAbs(sd * sd, 4.0 * sd * sd * std::sqrt(2.0 / 20000.0)));
  }
  // Independent etas: the sample correlation is within noise of 0.
  std::vector<double> a, b;
  for (double v : pop.parameter("cl")) a.push_back(std::log(v / 1.2));
  for (double v : pop.parameter("intranasal.ka")) b.push_back(std::log(v / 0.05));
  double cov = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) cov += a[i] * b[i];
  cov /= static_cast<double>(a.size());
  CHECK_THAT(cov / (0.3 * 0.5), WithinAbs(0.0, 4.0 / std::sqrt(20000.0)));
}

TEST_CASE("population: correlated variability reproduces Otto 2021's omega matrix",
          "[population]") {
  // Otto 2021 (Eur J Clin Pharmacol 77:1181), Table 3 as coded in nlmixr2lib
  // Otto_2021_s_ketamine.R: S-ketamine omega^2 V1 0.084, CL 0.026, covariance 0.023.
  const double w_v = 0.084, w_cl = 0.026, c = 0.023;
  const double r = c / std::sqrt(w_v * w_cl);
  Eigen::MatrixXd corr(2, 2);
  corr << 1.0, r, r, 1.0;
  const std::size_t n = 20000;
  std::vector<double> weights(n);
  for (std::size_t i = 0; i < n; ++i)
    weights[i] = 50.0 + 40.0 * static_cast<double>(i % 101) / 100.0;
  const Model reference = models::otto2021(70.0);
  const Population pop = simulate_population(
      reference, Regimen().infusion({.dose_mg = 10.0, .duration_min = 30.0}),
      std::vector<double>{0.0, 30.0},
      {.n = n,
       .seed = 21,
       .variability = {{"v1", std::sqrt(w_v)}, {"cl", std::sqrt(w_cl)}},
       .correlation = corr,
       .covariates = {{"weight_kg", weights}},
       .model_for = [](const SubjectCovariates& c) { return models::otto2021(c["weight_kg"]); }},
      {.keep_individual = false});
  // eta = log(P_i / P_typical(weight_i)), typical values from the model's own covariate relations.
  std::vector<double> eta_v(n), eta_cl(n);
  const auto v1 = pop.parameter("v1"), cl = pop.parameter("cl");
  for (std::size_t i = 0; i < n; ++i) {
    const Model typ = models::otto2021(weights[i]);
    eta_v[i] = std::log(v1[i] / typ.parameter("v1"));
    eta_cl[i] = std::log(cl[i] / typ.parameter("cl"));
  }
  const Moments mv = moments(eta_v), mc = moments(eta_cl);
  double cov = 0.0;
  for (std::size_t i = 0; i < n; ++i) cov += (eta_v[i] - mv.mean) * (eta_cl[i] - mc.mean);
  cov /= static_cast<double>(n - 1);
  const double se = 4.0 / std::sqrt(static_cast<double>(n));
  CHECK_THAT(mv.var, WithinAbs(w_v, se * w_v * std::sqrt(2.0)));
  CHECK_THAT(mc.var, WithinAbs(w_cl, se * w_cl * std::sqrt(2.0)));
  CHECK_THAT(cov, WithinAbs(c, se * std::sqrt(w_v * w_cl + c * c)));
  // Untouched parameters follow weight exactly: vn = 98.638 x (W / 70) (Otto 2021 Table 3).
  const auto vn = pop.parameter("vn");
  for (std::size_t i = 0; i < n; i += 997)
    CHECK_THAT(vn[i], WithinRel(98.638 * weights[i] / 70.0, 1e-12));
}

TEST_CASE("population: bioavailability varies on the logit scale and stays within 0 to 1",
          "[population]") {
  const Model model = test::reference_model();  // intranasal.f = 0.45
  const Population pop = simulate_population(
      model, test::reference_regimen(), std::vector<double>{0.0, 10.0},
      {.n = 4000, .seed = 3, .variability = {{"intranasal.f", 1.0}}}, {.keep_individual = false});
  std::vector<double> logit;
  for (double f : pop.parameter("intranasal.f")) {
    REQUIRE(f > 0.0);
    REQUIRE(f <= 1.0);
    logit.push_back(std::log(f / (1.0 - f)));
  }
  const Moments m = moments(logit);
  // 4 standard errors of the mean and of the variance of 4,000 standard normal draws.
  CHECK_THAT(m.mean, WithinAbs(std::log(0.45 / 0.55), 4.0 / std::sqrt(4000.0)));
  CHECK_THAT(m.var, WithinAbs(1.0, 4.0 * std::sqrt(2.0 / 4000.0)));
}

TEST_CASE("population: per-subject parameters replace the typical values", "[population]") {
  const Model model = test::reference_model();
  const Regimen regimen = test::reference_regimen();
  const auto t = test::grid(0.0, 180.0, 5.0);
  const std::vector<double> cl{0.6, 1.2, 2.4}, v1{10.0, 15.0, 30.0};
  const Population pop =
      simulate_population(model, regimen, t, {.n = 3, .parameters = {{"cl", cl}, {"v1", v1}}});
  CHECK(pop.parameter("cl") == cl);
  CHECK(pop.parameter("v1") == v1);
  for (std::size_t s = 0; s < 3; ++s) {
    Model m = model;
    m.set_parameter("cl", cl[s]).set_parameter("v1", v1[s]);
    CHECK(max_rel_diff(simulate(m, regimen, t).cp_ng_ml(),
                       pop.cp_ng_ml().row(static_cast<Eigen::Index>(s)).data()) < 1e-11);
  }
  SECTION("and variability multiplies them") {
    const Population p2 = simulate_population(
        model, regimen, t,
        {.n = 3, .seed = 9, .variability = {{"cl", 0.2}}, .parameters = {{"cl", cl}}});
    const auto got = p2.parameter("cl");
    // Subject s's eta is the same draw as without the given values (same stream).
    const Population p3 =
        simulate_population(model, regimen, t, {.n = 3, .seed = 9, .variability = {{"cl", 0.2}}});
    const auto ref = p3.parameter("cl");
    for (std::size_t s = 0; s < 3; ++s) CHECK_THAT(got[s] / cl[s], WithinRel(ref[s] / 1.2, 1e-14));
  }
}

TEST_CASE("population: covariates feed the model builder", "[population]") {
  // A weight-scaled model (allometric 0.75 on clearance, 1 on volume; illustrative).
  const Model base = test::reference_model();
  auto build = [base](double w) {
    Model m = base;
    m.set_parameter("cl", 1.2 * std::pow(w / 70.0, 0.75)).set_parameter("v1", 15.0 * w / 70.0);
    return m;
  };
  const std::vector<double> weights{50.0, 70.0, 95.0, 120.0};
  const Regimen regimen = test::reference_regimen();
  const auto t = test::grid(0.0, 240.0, 1.0);
  const Population pop = simulate_population(
      base, regimen, t,
      {.n = 4,
       .covariates = {{"weight_kg", weights}},
       .model_for = [&](const SubjectCovariates& c) { return build(c["weight_kg"]); }},
      {.threads = 2});
  for (std::size_t s = 0; s < 4; ++s) {
    const Result r = simulate(build(weights[s]), regimen, t);
    CHECK(max_rel_diff(r.cp_ng_ml(), pop.cp_ng_ml().row(static_cast<Eigen::Index>(s)).data()) <
          1e-11);
    CHECK_THAT(pop.parameter("v1")[s], WithinRel(15.0 * weights[s] / 70.0, 1e-15));
  }
  // A heavier subject has a larger V1, hence a lower Cp at the end of the infusion.
  CHECK(pop.cp_ng_ml()(0, 40) > pop.cp_ng_ml()(3, 40));
}

TEST_CASE("population: residual error has the SDs asked for", "[population]") {
  const Model model = test::reference_model();
  const Regimen regimen = test::reference_regimen();
  const auto t = test::grid(10.0, 600.0, 10.0);
  SECTION("proportional") {
    const Population pop = simulate_population(
        model, regimen, t, {.n = 400, .seed = 4, .residual = {.proportional = 0.2}});
    std::vector<double> rel;
    for (Eigen::Index s = 0; s < 400; ++s)
      for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(t.size()); ++i)
        rel.push_back(pop.cp_observed_ng_ml()(s, i) / pop.cp_ng_ml()(s, i) - 1.0);
    const Moments m = moments(rel);
    const double k = static_cast<double>(rel.size());
    CHECK_THAT(m.mean, WithinAbs(0.0, 4.0 * 0.2 / std::sqrt(k)));
    CHECK_THAT(std::sqrt(m.var), WithinAbs(0.2, 4.0 * 0.2 / std::sqrt(2.0 * k)));
  }
  SECTION("additive") {
    const Population pop = simulate_population(
        model, regimen, t, {.n = 400, .seed = 4, .residual = {.additive_ng_ml = 3.0}});
    std::vector<double> diff;
    for (Eigen::Index s = 0; s < 400; ++s)
      for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(t.size()); ++i)
        diff.push_back(pop.cp_observed_ng_ml()(s, i) - pop.cp_ng_ml()(s, i));
    const Moments m = moments(diff);
    const double k = static_cast<double>(diff.size());
    CHECK_THAT(m.mean, WithinAbs(0.0, 4.0 * 3.0 / std::sqrt(k)));
    CHECK_THAT(std::sqrt(m.var), WithinAbs(3.0, 4.0 * 3.0 / std::sqrt(2.0 * k)));
  }
  SECTION("exponential (additive on log-transformed data)") {
    const Population pop = simulate_population(
        model, regimen, t, {.n = 400, .seed = 4, .residual = {.exponential = 0.276}});
    std::vector<double> log_ratio;
    for (Eigen::Index s = 0; s < 400; ++s)
      for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(t.size()); ++i)
        log_ratio.push_back(std::log(pop.cp_observed_ng_ml()(s, i) / pop.cp_ng_ml()(s, i)));
    const Moments m = moments(log_ratio);
    const double k = static_cast<double>(log_ratio.size());
    CHECK_THAT(m.mean, WithinAbs(0.0, 4.0 * 0.276 / std::sqrt(k)));
    CHECK_THAT(std::sqrt(m.var), WithinAbs(0.276, 4.0 * 0.276 / std::sqrt(2.0 * k)));
  }
  SECTION("the predictions themselves carry no error") {
    const Population pop = simulate_population(
        model, regimen, t, {.n = 5, .seed = 4, .residual = {.additive_ng_ml = 3.0}});
    CHECK(max_rel_diff(simulate(model, regimen, t).cp_ng_ml(), pop.cp_ng_ml().row(2).data()) <
          1e-11);
  }
}

TEST_CASE("population: exact and ODE populations agree", "[population]") {
  const Model model = test::reference_model();
  const Regimen regimen = test::reference_regimen();
  const auto t = test::grid(0.0, 720.0, 1.0);
  const PopulationSpec spec{.n = 12, .seed = 8, .variability = {{"cl", 0.3}, {"ke0", 0.3}}};
  const Population ex = simulate_population(
      model, regimen, t, spec, {.thresholds_ng_ml = {60.0}, .threshold_series = Output::ce});
  const Method method = GENERATE(Method::ode, Method::ode_stiff);
  const Population od =
      simulate_population(model, regimen, t, spec,
                          {.thresholds_ng_ml = {60.0},
                           .threshold_series = Output::ce,
                           .solver = {.method = method, .rtol = 1e-10, .atol = 1e-12}});
  CHECK(ex.parameters() == od.parameters());
  for (Eigen::Index s = 0; s < 12; ++s)
    for (Eigen::Index i = 1; i < static_cast<Eigen::Index>(t.size()); ++i) {
      REQUIRE_THAT(od.cp_ng_ml()(s, i), WithinRel(ex.cp_ng_ml()(s, i), 1e-6));
      REQUIRE_THAT(od.ce_ng_ml()(s, i), WithinRel(ex.ce_ng_ml()(s, i), 1e-6));
    }
  const auto a = ex.onset_min(60.0), b = od.onset_min(60.0);
  for (std::size_t s = 0; s < a.size(); ++s)
    if (!std::isnan(a[s])) CHECK_THAT(b[s], WithinAbs(a[s], 1e-6));
}

TEST_CASE("population: a copy is an independent value with its own curves", "[population]") {
  const auto t = test::grid(0.0, 240.0, 2.0);
  const PopulationSpec spec{.n = 60, .seed = 11, .variability = {{"cl", 0.3}}};
  Population first = simulate_population(test::reference_model(), test::reference_regimen(), t,
                                         spec, {.threads = 2});
  const Population copy = first;
  CHECK(copy.cp_ng_ml().data() != first.cp_ng_ml().data());
  CHECK(copy.cp_ng_ml() == first.cp_ng_ml());
  CHECK(copy.ce_ng_ml() == first.ce_ng_ml());
  // Assigning a new result leaves the copy as it was.
  Regimen doubled;
  doubled.infusion({.dose_mg = 70.0, .start_min = 0.0, .duration_min = 40.0});
  const RowMatrix before = copy.cp_ng_ml();
  first = simulate_population(test::reference_model(), doubled, t, spec, {.threads = 2});
  CHECK(copy.cp_ng_ml() == before);
  CHECK(first.cp_ng_ml() != before);
}
