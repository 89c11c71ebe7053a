// Accuracy against textbook closed forms: every solver, on a dense grid, against the formula.
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"

using namespace ketasim;

namespace {

const Method kMethods[] = {Method::exact, Method::ode, Method::ode_stiff};
const char* const kNames[] = {"exact", "ode", "ode_stiff"};
constexpr double kTol[] = {1e-12, 1e-8, 1e-7};

Options tight(Method m) { return {.method = m, .rtol = 1e-10, .atol = 1e-14}; }

}  // namespace

TEST_CASE("closed form: one-compartment IV bolus", "[numeric]") {
  const int k = GENERATE(0, 1, 2);
  const double cl = 0.9, v = 30.0, dose = 100.0, kel = cl / v;
  const Model m = Model::one_compartment({.cl = cl, .v1 = v});
  Regimen r;
  r.bolus({.dose_mg = dose, .time_min = 0.0});
  const auto t = test::grid(0.0, 300.0, 0.5);
  const Result res = simulate(m, r, t, tight(kMethods[k]));
  INFO(kNames[k]);
  CHECK(test::worst_error(t, res.cp_ng_ml(), [&](double x) {
          return 1000.0 * dose / v * std::exp(-kel * x);
        }) < kTol[k]);
}

TEST_CASE("closed form: one-compartment infusion, during and after", "[numeric]") {
  const int k = GENERATE(0, 1, 2);
  const double cl = 1.3, v = 25.0, rate = 2.0, dur = 60.0, kel = cl / v;
  const Model m = Model::one_compartment({.cl = cl, .v1 = v});
  Regimen r;
  r.infusion({.rate_mg_per_min = rate, .start_min = 10.0, .duration_min = dur});
  const auto t = test::grid(0.0, 240.0, 0.7);  // end of infusion (70 min) falls between samples
  const Result res = simulate(m, r, t, tight(kMethods[k]));
  auto c = [&](double x) {
    if (x <= 10.0) return 0.0;
    const double during = std::min(x - 10.0, dur);
    double mg_l = rate / cl * (1.0 - std::exp(-kel * during));
    if (x > 10.0 + dur) mg_l *= std::exp(-kel * (x - 10.0 - dur));
    return 1000.0 * mg_l;
  };
  INFO(kNames[k]);
  CHECK(test::worst_error(t, res.cp_ng_ml(), c) < kTol[k]);
}

TEST_CASE("closed form: first-order absorption with lag (Bateman)", "[numeric]") {
  const int k = GENERATE(0, 1, 2);
  const double cl = 1.0, v = 40.0, ka = 0.07, f = 0.45, lag = 7.3, dose = 50.0, kel = cl / v;
  const Model m = Model::one_compartment({.cl = cl, .v1 = v})
                      .with_route("oral", Absorption{.ka = ka, .f = f, .tlag = lag});
  Regimen r;
  r.dose("oral", {.dose_mg = dose, .time_min = 2.0});
  const auto t = test::grid(0.0, 600.0, 1.0);
  const Result res = simulate(m, r, t, tight(kMethods[k]));
  auto c = [&](double x) {
    const double s = x - 2.0 - lag;
    if (s <= 0.0) return 0.0;
    return 1000.0 * f * dose * ka / (v * (ka - kel)) * (std::exp(-kel * s) - std::exp(-ka * s));
  };
  INFO(kNames[k]);
  CHECK(test::worst_error(t, res.cp_ng_ml(), c) < kTol[k]);
}

TEST_CASE("closed form: absorption rate equal to elimination rate (degenerate Bateman)",
          "[numeric]") {
  const double v = 40.0, kel = 0.025, dose = 50.0;
  const Model m =
      Model::one_compartment({.cl = kel * v, .v1 = v}).with_route("im", Absorption{.ka = kel});
  Regimen r;
  r.dose("im", {.dose_mg = dose});
  const auto t = test::grid(0.0, 600.0, 2.0);
  const Result res = simulate(m, r, t);
  CHECK(test::worst_error(t, res.cp_ng_ml(), [&](double x) {
          return 1000.0 * dose / v * kel * x * std::exp(-kel * x);
        }) < 1e-12);
}

TEST_CASE("closed form: two-compartment bolus is biexponential in the macro constants",
          "[numeric]") {
  const int k = GENERATE(0, 1, 2);
  const double v1 = 15.0, cl = 1.2, q = 2.0, v2 = 40.0, dose = 35.0;
  const double k10 = cl / v1, k12 = q / v1, k21 = q / v2;
  const double sum = k10 + k12 + k21, disc = std::sqrt(sum * sum - 4.0 * k10 * k21);
  const double alpha = 0.5 * (sum + disc), beta = 0.5 * (sum - disc);
  const double a = dose / v1 * (alpha - k21) / (alpha - beta);
  const double b = dose / v1 * (k21 - beta) / (alpha - beta);
  const Model m = Model::two_compartment({.cl = cl, .v1 = v1, .q2 = q, .v2 = v2});
  Regimen r;
  r.bolus({.dose_mg = dose});
  const auto t = test::grid(0.0, 720.0, 1.0);
  const Result res = simulate(m, r, t, tight(kMethods[k]));
  INFO(kNames[k]);
  CHECK(test::worst_error(t, res.cp_ng_ml(), [&](double x) {
          return 1000.0 * (a * std::exp(-alpha * x) + b * std::exp(-beta * x));
        }) < kTol[k]);
}

TEST_CASE("closed form: effect site after a one-compartment bolus", "[numeric]") {
  const int k = GENERATE(0, 1, 2);
  const double cl = 1.0, v = 20.0, ke0 = 0.3, dose = 40.0, kel = cl / v;
  const Model m = Model::one_compartment({.cl = cl, .v1 = v}, ke0);
  Regimen r;
  r.bolus({.dose_mg = dose});
  const auto t = test::grid(0.0, 240.0, 0.25);
  const Result res = simulate(m, r, t, tight(kMethods[k]));
  INFO(kNames[k]);
  CHECK(test::worst_error(t, res.ce_ng_ml(), [&](double x) {
          return 1000.0 * dose / v * ke0 / (ke0 - kel) * (std::exp(-kel * x) - std::exp(-ke0 * x));
        }) < kTol[k]);
}

TEST_CASE("closed form: AUC of a bolus is dose / CL", "[numeric]") {
  const double cl = 0.9, v = 30.0, dose = 100.0, kel = cl / v;
  const Model m = Model::one_compartment({.cl = cl, .v1 = v});
  Regimen r;
  r.bolus({.dose_mg = dose});
  const auto t = test::grid(0.0, 120.0, 10.0);
  const Result res = simulate(m, r, t);
  // AUC(0, T) = D / CL (1 - exp(-k T)), ng x min / mL.
  const double expected = 1000.0 * dose / cl * (1.0 - std::exp(-kel * 120.0));
  CHECK_THAT(res.auc_cp_ng_min_ml().back(), Catch::Matchers::WithinRel(expected, 1e-12));
  CHECK_THAT(
      auc_ng_min_ml(res, 0.0, 5000.0),
      Catch::Matchers::WithinRel(1000.0 * dose / cl * (1.0 - std::exp(-kel * 5000.0)), 1e-10));
}
