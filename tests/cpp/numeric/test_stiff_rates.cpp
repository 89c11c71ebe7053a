// Accuracy of the exact solver for stiff rate ratios: sweeps of ka and q2 up to 1e17 /min against
// closed forms evaluated stably, the limits (ka -> infinity is an IV bolus, q2 -> infinity merges
// central and peripheral into one compartment of volume v1 + v2) and the stiff ODE solver.
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"

using namespace ketasim;

namespace {

double worst_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double peak = 0.0, worst = 0.0;
  for (double x : b) peak = std::max(peak, std::abs(x));
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]) / peak);
  return worst;
}

// Total mass (compartments + eliminated) at every time, against the dose.
double worst_mass_error(const Result& r, double dose) {
  double worst = 0.0;
  const auto elim = r.eliminated_mg();
  for (std::size_t i = 0; i < r.size(); ++i) {
    double m = elim[i];
    for (int c = 0; c < r.layout().n_compartments; ++c)
      m += r.amount_mg(i, static_cast<std::size_t>(c));
    worst = std::max(worst, std::abs(m - dose) / dose);
  }
  return worst;
}

constexpr double kCl = 1.0, kV1 = 10.0, kV2 = 30.0, kDose = 100.0;

}  // namespace

TEST_CASE("stiff rates: absorption ka from 1e-1 to 1e17 /min, against Bateman and the IV limit",
          "[numeric]") {
  const double ka = GENERATE(3e-1, 1e1, 1e3, 1e6, 1e8, 1e10, 1e12, 1e14, 1e16, 1e17);
  const double k = kCl / kV1;
  const Model m =
      Model::one_compartment({.cl = kCl, .v1 = kV1}).with_route("oral", Absorption{.ka = ka});
  Regimen r;
  r.dose("oral", {.dose_mg = kDose, .time_min = 0.0});
  const auto t = test::grid(0.0, 120.0, 0.5);
  const Result res = simulate(m, r, t);
  INFO("ka = " << ka);
  // Bateman, stable for ka >> k: ka / (ka - k) and the difference of exponentials both are.
  auto bateman = [&](double x) {
    return 1000.0 * kDose / kV1 * ka / (ka - k) * (std::exp(-k * x) - std::exp(-ka * x));
  };
  const double e_closed = test::worst_error(t, res.cp_ng_ml(), bateman);
  CHECK(e_closed < 1e-12);
  CHECK(worst_mass_error(res, kDose) < 1e-12);
  if (ka >= 1e8) {  // the IV bolus differs from the absorption by O(k / ka)
    std::vector<double> tt(t.begin() + 1, t.end()),
        got(res.cp_ng_ml().begin() + 1, res.cp_ng_ml().end());
    CHECK(test::worst_error(tt, got, [&](double x) {
            return 1000.0 * kDose / kV1 * std::exp(-k * x);
          }) < 1e-12 + 2.0 * k / ka);
  }
  if (ka <= 1e10) {
    const Result ode =
        simulate(m, r, t, {.method = Method::ode_stiff, .rtol = 1e-10, .atol = 1e-12});
    CHECK(worst_difference(ode.cp_ng_ml(), res.cp_ng_ml()) < 1e-6);
  }
}

TEST_CASE(
    "stiff rates: exchange q2 from 1e-1 to 1e19 L/min, against the biexponential and the "
    "merged compartment",
    "[numeric]") {
  const double q2 = GENERATE(1e-1, 1e1, 1e3, 1e6, 1e8, 1e10, 1e12, 1e14, 1e16, 1e17, 1e19);
  const Model m = Model::two_compartment({.cl = kCl, .v1 = kV1, .q2 = q2, .v2 = kV2});
  Regimen r;
  r.bolus({.dose_mg = kDose, .time_min = 0.0});
  const auto t = test::grid(0.0, 240.0, 1.0);
  const Result res = simulate(m, r, t);
  INFO("q2 = " << q2);
  // The biexponential with the slow root as product / fast root (no cancellation).
  const double k10 = kCl / kV1, k12 = q2 / kV1, k21 = q2 / kV2, s = k10 + k12 + k21;
  const double alpha = 0.5 * (s + std::sqrt(s * s - 4.0 * k10 * k21)), beta = k10 * k21 / alpha;
  auto biexp = [&](double x) {
    return 1000.0 * kDose / kV1 *
           ((alpha - k21) * std::exp(-alpha * x) + (k21 - beta) * std::exp(-beta * x)) /
           (alpha - beta);
  };
  CHECK(test::worst_error(t, res.cp_ng_ml(), biexp) < 1e-12);
  CHECK(worst_mass_error(res, kDose) < 1e-12);
  if (q2 >= 1e12) {  // one compartment of v1 + v2, to O(k10 / k12)
    std::vector<double> tt(t.begin() + 1, t.end()),
        got(res.cp_ng_ml().begin() + 1, res.cp_ng_ml().end());
    const double v = kV1 + kV2;
    CHECK(test::worst_error(tt, got, [&](double x) {
            return 1000.0 * kDose / v * std::exp(-kCl / v * x);
          }) < 1e-12 + 10.0 * k10 / k12);
  }
  if (q2 <= 1e8) {
    const Result ode =
        simulate(m, r, t, {.method = Method::ode_stiff, .rtol = 1e-10, .atol = 1e-12});
    CHECK(worst_difference(ode.cp_ng_ml(), res.cp_ng_ml()) < 1e-6);
  }
}

TEST_CASE(
    "stiff rates: fast and slow paths together, with an effect site and an infusion, "
    "against the stiff ODE",
    "[numeric]") {
  // Rates 1e-3 to 1e6 /min side by side: exact takes the non-negative method, the stiff ODE
  // resolves them at tight tolerances.
  const double q3 = GENERATE(1e2, 1e5, 1e7);
  const Model m = Model::three_compartment(
                      {.cl = 1.2, .v1 = 15.0, .q2 = 2.0, .v2 = 40.0, .q3 = q3, .v3 = 150.0}, 0.2)
                      .with_route("oral", Absorption{.ka = 1e5, .f = 0.5});
  Regimen r;
  r.dose("oral", {.dose_mg = 50.0, .time_min = 3.0});
  r.infusion({.dose_mg = 35.0, .start_min = 10.0, .duration_min = 40.0});
  const auto t = test::grid(0.0, 360.0, 2.0);
  const Result ex = simulate(m, r, t);
  const Result ode = simulate(m, r, t, {.method = Method::ode_stiff, .rtol = 1e-10, .atol = 1e-12});
  INFO("q3 = " << q3);
  CHECK(worst_difference(ex.cp_ng_ml(), ode.cp_ng_ml()) < 1e-6);
  CHECK(worst_difference(ex.ce_ng_ml(), ode.ce_ng_ml()) < 1e-6);
}
