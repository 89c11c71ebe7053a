// Python exceptions for ketasim's C++ errors: InvalidInput -> ketasim.InvalidInput (a ValueError),
// SolverError -> ketasim.SolverError (a RuntimeError); the C++ message passes through unchanged.
#include "bindings.hpp"
#include "ketasim/error.hpp"

namespace ketasim::python {

void bind_errors(py::module_& m) {
  auto& invalid =
      py::register_exception<ketasim::InvalidInput>(m, "InvalidInput", PyExc_ValueError);
  invalid.attr("__doc__") =
      "Bad input: a model parameter, a dose, a route or output times.\n\n"
      "A subclass of ValueError. The message names the place, the field and the value:\n"
      "``Model: cl must be > 0 L/min, got -1.2 L/min``.";
  auto& solver = py::register_exception<ketasim::SolverError>(m, "SolverError", PyExc_RuntimeError);
  solver.attr("__doc__") =
      "A numerical method failed on valid input (e.g. the ODE step limit ``max_steps`` was "
      "reached).\n\nA subclass of RuntimeError; the message names the limit and the tolerances.";
}

}  // namespace ketasim::python
