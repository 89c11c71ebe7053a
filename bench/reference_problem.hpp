// The reference problem every benchmark (and bench/compare.py) times: a 3-compartment model with
// an intranasal depot and an effect site, a 35 mg / 40 min IV infusion plus two 28 mg nasal
// devices 5 min apart, output every minute from 0 to 720 min.
#pragma once

#include <cstddef>
#include <vector>

#include "ketasim/ketasim.hpp"

namespace ketasim::bench {

/// Illustrative disposition (the same values as tests/cpp/helpers.hpp and bench/compare.py; not
/// a published model): CL 1.2 L/min, V1 15 L, Q2 2 L/min, V2 40 L, Q3 0.6 L/min, V3 150 L,
/// ke0 0.2 /min; intranasal ka 0.05 /min, F 0.45, no lag.
inline Model reference_model() {
  return Model::three_compartment(
             {.cl = 1.2, .v1 = 15.0, .q2 = 2.0, .v2 = 40.0, .q3 = 0.6, .v3 = 150.0}, 0.2)
      .with_route("intranasal", Absorption{.ka = 0.05, .f = 0.45, .tlag = 0.0});
}

/// 35 mg IV over 40 min from t = 0, and 56 mg intranasal as two 28 mg devices at 0 and 5 min.
inline Regimen reference_regimen() {
  Regimen r;
  r.infusion({.dose_mg = 35.0, .start_min = 0.0, .duration_min = 40.0});
  r.nasal_spray({.dose_mg = 56.0, .start_min = 0.0, .device_mg = 28.0, .interval_min = 5.0});
  return r;
}

/// n_points output times evenly spread over [0, t_end_min] (n_points = 721: every minute).
inline std::vector<double> reference_times(std::size_t n_points = 721, double t_end_min = 720.0) {
  std::vector<double> t(n_points);
  for (std::size_t i = 0; i < n_points; ++i)
    t[i] = n_points == 1 ? 0.0
                         : t_end_min * static_cast<double>(i) / static_cast<double>(n_points - 1);
  return t;
}

}  // namespace ketasim::bench
