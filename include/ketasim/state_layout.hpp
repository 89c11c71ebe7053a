// Where each quantity lives in a solver's state vector: compartment amounts, the eliminated
// amount, the running AUC and Ce.
#pragma once

#include "ketasim/model.hpp"

namespace ketasim {

/// Where each quantity lives in the solver state. Compartment amounts (mg) come first, in the
/// model's order, then the amount eliminated (mg), the running AUC of the plasma concentration
/// (mg/L x min) and, with an effect site, Ce (mg/L). A nonlinear extension (ode.hpp) uses these.
struct StateLayout {
  int n_compartments = 0;
  int eliminated = 0;
  int auc = 0;
  int effect = -1;  ///< -1 without an effect site
  int size = 0;
};

/// The state layout of a model's solver state.
inline StateLayout state_layout(const Model& m) {
  StateLayout s;
  s.n_compartments = static_cast<int>(m.n_compartments());
  s.eliminated = s.n_compartments;
  s.auc = s.n_compartments + 1;
  s.effect = m.has_effect_site() ? s.n_compartments + 2 : -1;
  s.size = s.n_compartments + (m.has_effect_site() ? 3 : 2);
  return s;
}

}  // namespace ketasim
