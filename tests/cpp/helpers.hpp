// Shared helpers for the C++ tests: grids and a reference model.
#pragma once

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

}  // namespace ketasim::test
