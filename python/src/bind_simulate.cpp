// Binds simulate() and ketasim::Result. Output arrays are read-only NumPy views of the Result's
// own memory (the Python Result is their base); the GIL is released while the solver runs.
#include <pybind11/stl.h>

#include <span>
#include <sstream>
#include <string>

#include "bindings.hpp"
#include "ketasim/simulate.hpp"

namespace ketasim::python {
namespace {

std::string result_repr(const Result& r) {
  std::ostringstream os;
  os << "Result(" << r.size() << " times";
  if (r.size() > 0)
    os << " from " << r.time_min().front() << " to " << r.time_min().back() << " min";
  os << ", columns=[";
  for (std::size_t i = 0; i < r.columns().size(); ++i)
    os << (i ? ", '" : "'") << r.columns()[i] << "'";
  os << "]" << (r.has_effect_site() ? ", with Ce" : "") << ")";
  return os.str();
}

constexpr const char* kSimulateDoc = R"doc(Simulates a model under a regimen at the requested times.

Parameters
----------
model : Model
    The compartment model (copied: later changes to it do not affect the result).
regimen : Regimen
    The doses.
times_min : array_like of float, shape (n,)
    Output times, min: sorted, finite, >= 0; at most ``MAX_TIMES`` (10,000,000) of them. Any
    real dtype and any strides (list, tuple, NumPy array).
method : {"exact", "ode", "ode_stiff"}
    "exact": matrix exponential of the augmented linear system (default). "ode": Dormand-Prince
    5(4) with dense output. "ode_stiff": Rosenbrock 4.
rtol, atol : float
    ODE tolerances (relative; absolute in mg, and mg/L for Ce). Ignored by "exact".
max_steps : int
    ODE step limit over the whole run.

Returns
-------
Result
    Cp, Ce (ng/mL) and amounts (mg) at each time, as read-only NumPy views.

Raises
------
TypeError
    An argument of the wrong type, naming it (``simulate: rtol must be a real number, got
    '1e-6'``).
ValueError
    Bad input, naming the field and value (e.g. ``simulate: times_min[2] must be sorted``).
SolverError
    (a RuntimeError) when the ODE step limit is reached.

Notes
-----
A sample at the time of a bolus sees the state just after it. The GIL is released while the
solver runs, so threads can simulate in parallel.

Examples
--------
>>> import numpy as np, ketasim as ks
>>> model = ks.Model(cl=1.2, v1=15.0, ke0=0.2)
>>> res = ks.simulate(model, ks.Regimen().bolus(dose_mg=30), np.arange(0, 61.0))
>>> round(float(res.cp_ng_ml[0]), 1)
2000.0
)doc";

}  // namespace

void bind_simulate(py::module_& m) {
  py::class_<Result>(m, "Result", R"doc(Concentrations and amounts at the simulated times.

Arrays are read-only NumPy views of the result's memory (no copy); they stay valid while any
of them is alive. Create with ``ketasim.simulate``.

Attributes
----------
time_min : ndarray, shape (n,)
    Output times, min.
cp_ng_ml : ndarray, shape (n,)
    Plasma concentration, ng/mL.
ce_ng_ml : ndarray, shape (n,)
    Effect-site concentration, ng/mL (ValueError when the model has no ke0).
amounts_mg : ndarray, shape (n, len(columns))
    Amount in each compartment, mg.
columns : list of str
    Compartment names of the columns of amounts_mg.
)doc")
      .def_property_readonly(
          "time_min",
          [](py::object self) {
            const auto& r = self.cast<const Result&>();
            return view(r.time_min().data(), static_cast<py::ssize_t>(r.size()), sizeof(double),
                        self);
          },
          "Output times, min (1-D float64, read-only view).")
      .def_property_readonly(
          "cp_ng_ml",
          [](py::object self) {
            const auto& r = self.cast<const Result&>();
            return view(r.cp_ng_ml().data(), static_cast<py::ssize_t>(r.size()), sizeof(double),
                        self);
          },
          "Plasma concentration, ng/mL (1-D float64, read-only view).")
      .def_property_readonly(
          "ce_ng_ml",
          [](py::object self) {
            const auto& r = self.cast<const Result&>();
            const auto& ce = r.ce_ng_ml();  // throws ValueError naming ke0 without an effect site
            return view(ce.data(), static_cast<py::ssize_t>(r.size()), sizeof(double), self);
          },
          "Effect-site concentration, ng/mL (1-D float64, read-only view); ValueError when the "
          "model has no effect site.")
      .def_property_readonly(
          "amounts_mg",
          [](py::object self) {
            const auto& r = self.cast<const Result&>();
            const auto& s = r.states();
            constexpr auto d = static_cast<py::ssize_t>(sizeof(double));
            return view(s.data(), static_cast<py::ssize_t>(s.rows()),
                        static_cast<py::ssize_t>(r.layout().n_compartments),
                        static_cast<py::ssize_t>(s.cols()) * d, d, self);
          },
          "Amount in every compartment, mg: 2-D (times x compartments), a strided read-only view "
          "of the state matrix; columns named by `columns`.")
      .def_property_readonly("columns", &Result::columns,
                             "Compartment names, in the order of amounts_mg's columns.")
      .def_property_readonly("has_effect_site", &Result::has_effect_site,
                             "Whether ce_ng_ml is available.")
      .def_property_readonly(
          "eliminated_mg",
          [](py::object self) {
            const auto& r = self.cast<const Result&>();
            const auto& s = r.states();
            constexpr auto d = static_cast<py::ssize_t>(sizeof(double));
            return view(s.data() + r.layout().eliminated, static_cast<py::ssize_t>(s.rows()),
                        static_cast<py::ssize_t>(s.cols()) * d, self);
          },
          "Amount eliminated from the body by each time, mg (1-D, read-only view).")
      .def_property_readonly(
          "auc_cp_ng_min_ml", [](const Result& r) { return to_numpy(r.auc_cp_ng_min_ml()); },
          "Area under Cp from t = 0 to each time, ng*min/mL (1-D).")
      .def_property_readonly("analytes", &Result::analytes,
                             "Names of the extra analytes (e.g. a metabolite).")
      .def(
          "concentration_ng_ml",
          [](const Result& r, Arg<std::string> compartment) {
            return to_numpy(r.concentration_ng_ml(
                as_str(compartment, "Result.concentration_ng_ml", "compartment")));
          },
          py::arg("compartment"),
          "Concentration of the plasma compartment or a reported analyte, ng/mL (1-D).")
      .def(
          "to_pandas",
          [](py::object self) {
            return py::module_::import("ketasim._table").attr("to_pandas")(self);
          },
          R"doc(The result as a pandas.DataFrame (needs pandas, which ketasim does not require).

Columns: time_min, cp_ng_ml, ce_ng_ml (with an effect site), one <analyte>_ng_ml per analyte,
then one <compartment>_mg per compartment. ImportError when pandas is not installed.
)doc")
      .def("__len__", &Result::size, "Number of output times.")
      .def("__repr__", &result_repr);

  m.def(
      "simulate",
      [](const Model& model, const Regimen& regimen, Arg<Doubles> times_min,
         Arg<std::string> method, Arg<double> rtol, Arg<double> atol, Arg<long long> max_steps) {
        constexpr const char* w = "simulate";
        const Doubles t = as_times(times_min, w);
        const Method parsed = parse_method(as_str(method, w, "method"));
        const long long steps = as_int(max_steps, w, "max_steps");
        if (steps < 1) detail::fail(w, "max_steps", ">= 1", steps);
        const Options options{.method = parsed,
                              .rtol = as_double(rtol, w, "rtol"),
                              .atol = as_double(atol, w, "atol"),
                              .max_steps = static_cast<std::size_t>(steps)};
        // Copies, so that another Python thread cannot change them while the GIL is released.
        const Model model_copy = model;
        const Regimen regimen_copy = regimen;
        const std::span<const double> times(t.data(), static_cast<std::size_t>(t.size()));
        py::gil_scoped_release release;
        return simulate(model_copy, regimen_copy, times, options);
      },
      py::arg("model"), py::arg("regimen"), py::arg("times_min"), py::arg("method") = "exact",
      py::kw_only(), py::arg("rtol") = 1e-8, py::arg("atol") = 1e-9,
      py::arg("max_steps") = 1'000'000, kSimulateDoc);

  m.attr("METHODS") = py::make_tuple("exact", "ode", "ode_stiff");
  m.attr("MAX_TIMES") = kMaxTimes;
}

}  // namespace ketasim::python
