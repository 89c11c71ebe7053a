// The compiled module ketasim._core: only the module definition and one bind_<concept>(m) call
// per bound concept, each defined in its own bind_<concept>.cpp.
#include "bindings.hpp"

using namespace ketasim::python;

PYBIND11_MODULE(_core, m) {
  m.doc() = "ketasim's C++ engine (use the ketasim package, which re-exports it).";
  bind_errors(m);
  bind_model(m);
  bind_regimen(m);
  bind_simulate(m);
  bind_onset(m);
  bind_models(m);
  bind_population(m);
  bind_events(m);
  bind_tci(m);
}
