// Shared helpers for the C++ tests: grids and the reference problem (model and regimen).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "ketasim/ketasim.hpp"

namespace ketasim::test {

inline std::vector<double> grid(double t0, double t1, double dt) {
  std::vector<double> t;
  for (int i = 0; t0 + i * dt <= t1 + 1e-9; ++i) t.push_back(t0 + i * dt);
  return t;
}

/// The reference problem of the issues: a 3-compartment model with an effect site and a nasal
/// depot (illustrative values, not a published model).
inline Model reference_model() {
  return Model::three_compartment(
             {.cl = 1.2, .v1 = 15.0, .q2 = 2.0, .v2 = 40.0, .q3 = 0.6, .v3 = 150.0}, 0.2)
      .with_route("intranasal", Absorption{.ka = 0.05, .f = 0.45, .tlag = 0.0});
}

/// The reference regimen: 35 mg IV over 40 min and 56 mg intranasal (two 28 mg devices).
inline Regimen reference_regimen() {
  Regimen r;
  r.infusion({.dose_mg = 35.0, .start_min = 0.0, .duration_min = 40.0});
  r.nasal_spray({.dose_mg = 56.0, .start_min = 0.0});
  return r;
}

/// Worst error of got (at times t) against expected(t), relative to the largest |expected|.
template <class F>
double worst_error(const std::vector<double>& t, const std::vector<double>& got, F&& expected) {
  double peak = 0.0, worst = 0.0;
  for (double ti : t) peak = std::max(peak, std::abs(expected(ti)));
  for (std::size_t i = 0; i < t.size(); ++i)
    worst = std::max(worst, std::abs(got[i] - expected(t[i])) / peak);
  return worst;
}

/// A root of f in [a, b] (f(a), f(b) of opposite signs) by 200 bisections: independent of
/// ketasim's root finders.
template <class F>
double bisect(F&& f, double a, double b) {
  for (int i = 0; i < 200; ++i) {
    const double m = 0.5 * (a + b);
    ((f(a) < 0.0) == (f(m) < 0.0) ? a : b) = m;
  }
  return 0.5 * (a + b);
}

}  // namespace ketasim::test
