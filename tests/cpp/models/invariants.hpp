// The invariant battery every catalogue model runs, written once: zero dose gives zero, mass
// balance (body + eliminated = sum of dose x F), non-negativity, superposition, and the exact
// solution against the ODE solver at tight tolerance, for every route of the model.
#pragma once

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "ketasim/ketasim.hpp"
#include "ketasim/models/catalogue.hpp"

namespace ketasim::test {

/// Typical covariates to build each catalogue model with in the battery.
inline models::Covariates battery_covariates(const std::string& key) {
  if (key == "perezruixo2021") return {{"age_yr", 70.0}, {"asian", 1.0}, {"japanese", 1.0}};
  if (key == "herd2007") return {{"weight_kg", 32.5}};
  if (key == "hornik2018") return {{"weight_kg", 14.0}};
  if (key == "intranasal_racemic") return {{"weight_kg", 70.0}, {"f", 0.3}, {"ka_per_min", 0.05}};
  return {{"weight_kg", 70.0}};
}

namespace battery {

/// Bioavailable fraction of a dose at a position, from the route's paths (1 for "iv").
inline double expected_f(const Model& m, const std::string& route, int position) {
  if (route == "iv" && m.route_index("iv") < 0) return 1.0;
  double f = 0.0;
  for (const auto& p : m.routes()[static_cast<std::size_t>(m.route_index(route))].paths)
    f += p.fraction_at(position) * m.parameters()[static_cast<std::size_t>(p.f_param)].value;
  return f;
}

/// Two doses by `route` (positions 1 and 2, the second at 7 min) and an IV infusion later.
inline Regimen regimen_a(const std::string& route, double scale = 1.0) {
  Regimen r;
  r.dose(route, {.dose_mg = 20.0 * scale, .time_min = 0.0, .position = 1});
  r.dose(route, {.dose_mg = 10.0 * scale, .time_min = 7.0, .position = 2});
  return r;
}
inline Regimen regimen_b(double scale = 1.0) {
  Regimen r;
  r.infusion({.dose_mg = 15.0 * scale, .start_min = 30.0, .duration_min = 20.0});
  r.bolus({.dose_mg = 5.0 * scale, .time_min = 90.0});
  return r;
}
inline Regimen combined(const std::string& route) {
  Regimen r = regimen_a(route);
  r.infusion({.dose_mg = 15.0, .start_min = 30.0, .duration_min = 20.0});
  r.bolus({.dose_mg = 5.0, .time_min = 90.0});
  return r;
}

inline double body_plus_eliminated(const Result& r, std::size_t i) {
  double s = r.eliminated_mg()[i];
  for (Eigen::Index j = 0; j < r.amounts_mg().cols(); ++j)
    s += r.amounts_mg()(static_cast<Eigen::Index>(i), j);
  return s;
}

}  // namespace battery

/// Runs every invariant on `m` (for each of its routes); `label` names the model in failures.
inline void check_invariants(const Model& m, const std::string& label) {
  using namespace battery;
  INFO("model " << label);
  // Late enough for every input of the catalogue (zero-order spans <= 32 min) to have finished.
  std::vector<double> t = {0.0,  0.5,  3.0,   7.0,   12.0,  31.0,   45.0,
                           60.0, 90.0, 120.0, 240.0, 480.0, 1440.0, 2880.0};
  std::vector<std::string> routes = m.route_names();
  if (!m.has_route("iv") || m.route_index("iv") < 0) routes.push_back("iv");
  for (const auto& route : routes) {
    INFO("route " << route);

    // Zero dose gives zero everywhere.
    Regimen zero;
    zero.dose(route, {.dose_mg = 0.0});
    const Result z = simulate(m, zero, t);
    for (std::size_t i = 0; i < t.size(); ++i) {
      CHECK(z.cp_ng_ml()[i] == 0.0);
      CHECK(body_plus_eliminated(z, i) == 0.0);
    }

    const Regimen ab = combined(route);
    const Result exact = simulate(m, ab, t);

    // Mass balance once every input has entered: body + eliminated = sum of dose x F.
    const double dosed =
        20.0 * expected_f(m, route, 1) + 10.0 * expected_f(m, route, 2) + 15.0 + 5.0;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const double total = body_plus_eliminated(exact, i);
      CHECK(total <= dosed * (1.0 + 1e-12) + 1e-12);  // never more than was given
      if (t[i] >= 120.0) CHECK_THAT(total, Catch::Matchers::WithinRel(dosed, 1e-10));
    }

    // Non-negativity of every amount and concentration.
    const double tiny = 1e-12 * dosed;
    for (std::size_t i = 0; i < t.size(); ++i) {
      CHECK(exact.cp_ng_ml()[i] >= -tiny);
      for (Eigen::Index j = 0; j < exact.amounts_mg().cols(); ++j)
        CHECK(exact.amounts_mg()(static_cast<Eigen::Index>(i), j) >= -tiny);
      for (const auto& a : exact.analytes()) CHECK(exact.concentration_ng_ml(a)[i] >= -tiny);
    }

    // Superposition: the response to A + B is the sum of the responses.
    const Result ra = simulate(m, regimen_a(route), t);
    Regimen b = regimen_b();
    const Result rb = simulate(m, b, t);
    for (std::size_t i = 0; i < t.size(); ++i) {
      const double sum = ra.cp_ng_ml()[i] + rb.cp_ng_ml()[i];
      CHECK_THAT(exact.cp_ng_ml()[i], Catch::Matchers::WithinAbs(sum, 1e-9 * (1.0 + sum)));
      for (const auto& a : exact.analytes()) {
        const double sa = ra.concentration_ng_ml(a)[i] + rb.concentration_ng_ml(a)[i];
        CHECK_THAT(exact.concentration_ng_ml(a)[i],
                   Catch::Matchers::WithinAbs(sa, 1e-9 * (1.0 + sa)));
      }
    }

    // Exact (matrix exponential) against the adaptive ODE solver at tight tolerance.
    const Result ode =
        simulate(m, ab, t, Options{.method = Method::ode, .rtol = 1e-11, .atol = 1e-13});
    double cmax = 0.0;
    for (double c : exact.cp_ng_ml()) cmax = std::max(cmax, c);
    for (std::size_t i = 0; i < t.size(); ++i) {
      CHECK_THAT(ode.cp_ng_ml()[i], Catch::Matchers::WithinAbs(exact.cp_ng_ml()[i], 1e-7 * cmax));
      for (const auto& a : exact.analytes())
        CHECK_THAT(ode.concentration_ng_ml(a)[i],
                   Catch::Matchers::WithinAbs(exact.concentration_ng_ml(a)[i], 1e-7 * cmax));
    }
  }

  // With an effect site (caller-chosen ke0): Ce non-negative and exact = ODE.
  Model me = m;
  me.set_effect_site(0.5);
  const Regimen iv = combined("iv");
  const Result ex = simulate(me, iv, t);
  const Result od =
      simulate(me, iv, t, Options{.method = Method::ode, .rtol = 1e-11, .atol = 1e-13});
  double cemax = 0.0;
  for (double c : ex.ce_ng_ml()) cemax = std::max(cemax, c);
  for (std::size_t i = 0; i < t.size(); ++i) {
    CHECK(ex.ce_ng_ml()[i] >= -1e-12 * cemax);
    CHECK_THAT(od.ce_ng_ml()[i], Catch::Matchers::WithinAbs(ex.ce_ng_ml()[i], 1e-7 * cemax));
  }
}

}  // namespace ketasim::test
