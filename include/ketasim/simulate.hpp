// simulate(): one entry point that runs a model and a regimen through the chosen solver.
#pragma once

#include <span>
#include <string_view>

#include "ketasim/exact.hpp"
#include "ketasim/ode.hpp"
#include "ketasim/result.hpp"

namespace ketasim {

/// exact: matrix exponential (default). ode: Dormand-Prince 5(4) with dense output.
/// ode_stiff: Rosenbrock 4 with dense output.
enum class Method { exact, ode, ode_stiff };

/// Parses "exact", "ode" or "ode_stiff"; throws InvalidInput naming the value otherwise.
inline Method parse_method(std::string_view name) {
  if (name == "exact") return Method::exact;
  if (name == "ode") return Method::ode;
  if (name == "ode_stiff") return Method::ode_stiff;
  detail::fail("simulate", "method", "one of [exact, ode, ode_stiff]", name);
}

struct Options {
  Method method = Method::exact;
  double rtol = 1e-8;                 ///< ODE relative tolerance
  double atol = 1e-9;                 ///< ODE absolute tolerance (mg; mg/L for Ce)
  std::size_t max_steps = 1'000'000;  ///< ODE step limit over the whole run
};

/// Cp, Ce and amounts at each of times_min (sorted, >= 0). A sample at the time of an IV bolus
/// sees the state just after it.
inline Result simulate(const Model& model, const Regimen& regimen,
                       std::span<const double> times_min, const Options& options = {}) {
  if (options.method == Method::exact) return simulate_exact(model, regimen, times_min);
  return simulate_ode(model, regimen, times_min,
                      OdeOptions{.rtol = options.rtol,
                                 .atol = options.atol,
                                 .max_steps = options.max_steps,
                                 .stiff = options.method == Method::ode_stiff});
}

}  // namespace ketasim
