// Binds target-controlled infusion (tci(), TciResult, TciController), decrement times and the
// context-sensitive half-time.
#include <pybind11/stl.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "ketasim/tci.hpp"

namespace ketasim::python {
namespace {

/// Targets as (time_min, target_ng_ml) pairs: an (n, 2) array-like, or one number (a target
/// from time 0).
std::vector<TciTarget> as_targets(py::handle v, const char* where) {
  if (!v.is_none() && !is_bool(v) &&
      (PyFloat_Check(v.ptr()) || PyLong_Check(v.ptr()) ||
       (numpy_kind(v) != 0 && !py::isinstance<py::array>(v))))
    return {{0.0, as_double(v, where, "targets")}};
  const Doubles a = as_doubles(v, where, "targets", 2);
  if (a.shape(1) != 2)
    fail_got(where, "targets", "(time_min, target_ng_ml) pairs",
             "rows of " + std::to_string(a.shape(1)) + " values");
  std::vector<TciTarget> out(static_cast<std::size_t>(a.shape(0)));
  for (py::ssize_t i = 0; i < a.shape(0); ++i)
    out[static_cast<std::size_t>(i)] = {a.at(i, 0), a.at(i, 1)};
  return out;
}

TciOptions options_from(Arg<std::string> mode, Arg<double> update_s,
                        Arg<std::optional<double>> max_rate_mg_per_min,
                        Arg<std::optional<double>> max_rate_ml_per_h,
                        Arg<std::optional<double>> syringe_mg_per_ml,
                        Arg<std::optional<double>> weight_kg, const char* w) {
  return {.mode = parse_target_site(as_str(mode, w, "mode")),
          .update_s = as_double(update_s, w, "update_s"),
          .max_rate_mg_per_min = as_optional_double(max_rate_mg_per_min, w, "max_rate_mg_per_min"),
          .max_rate_ml_per_h = as_optional_double(max_rate_ml_per_h, w, "max_rate_ml_per_h"),
          .syringe_mg_per_ml = as_optional_double(syringe_mg_per_ml, w, "syringe_mg_per_ml"),
          .weight_kg = as_optional_double(weight_kg, w, "weight_kg")};
}

py::object opt(const std::optional<double>& v) {
  return v ? py::object(py::float_(*v)) : py::object(py::none());
}

py::array copy_array(const std::vector<double>& v) { return to_numpy(std::vector<double>(v)); }

constexpr const char* kTciDoc =
    R"doc(Target-controlled infusion: the IV rate, recomputed every update.

Plasma mode: each update's rate makes Cp at the end of the interval equal the target. Effect
mode (Shafer and Gregg 1992): the largest rate after which Ce, the pump then stopped, never
exceeds the target; Cp overshoots and the pump pauses while Ce catches up, so Ce reaches the
target as fast as the maximum rate allows and is held there. Rates are never negative; after a
step down the pump stops until the concentration has fallen. Exact for any linear model with an
IV compartment (the target is the concentration of the model's plasma compartment, the parent
drug's for a metabolite model).

Parameters
----------
model : Model
    The model; effect mode needs its ke0 (catalogue models: ``ke0_per_min=`` or
    ``ke0_source=``, none is invented).
targets : array_like, shape (n, 2), or float
    (time_min, target_ng_ml) steps in time order, the first at 0 min; a number is one target
    from 0 min. A step takes effect at the first update at or after its time.
duration_min : float
    Length of the run, min.
mode : {"plasma", "effect"}
update_s : float
    Update interval, s (pumps: 10 s).
max_rate_mg_per_min : float or None
    The pump's maximum rate, mg/min (None: unlimited).
max_rate_ml_per_h, syringe_mg_per_ml : float or None
    The maximum rate as a volume rate, mL/h, with the syringe's concentration, mg/mL (instead of
    max_rate_mg_per_min).
weight_kg : float or None
    Body weight, for dose_mg_per_kg.

Returns
-------
TciResult

Raises
------
ValueError
    Naming the field: a target below 0, targets out of order, update_s <= 0, a maximum rate too
    low to ever reach a target (the message gives the highest reachable concentration), a model
    without an IV compartment, effect mode without a ke0.

Examples
--------
>>> import ketasim as ks
>>> m = ks.models.get("domino1984", weight_kg=70, ke0_source="sleigh2019")
>>> r = ks.tci(m, [(0, 150), (30, 100)], mode="effect", duration_min=60)
>>> round(float(r.ce_ng_ml[-1]))
100
)doc";

}  // namespace

void bind_tci(py::module_& m) {
  py::class_<TciResult>(m, "TciResult", R"doc(A TCI run: the schedule and what the model predicts.

Arrays are at the update instants ``time_min`` (0, h, 2h, ... duration); ``rate_mg_per_min[i]``
runs over [time_min[i], time_min[i+1]). ``regimen`` holds the rates as IV infusions: simulate it
on any grid, or give it to a population, like any regimen.)doc")
      .def_property_readonly(
          "regimen", [](const TciResult& r) { return r.regimen; }, "The rates as a Regimen.")
      .def_property_readonly(
          "time_min", [](const TciResult& r) { return copy_array(r.time_min); },
          "Update instants, min.")
      .def_property_readonly(
          "rate_mg_per_min", [](const TciResult& r) { return copy_array(r.rate_mg_per_min); },
          "Rate over each update interval, mg/min (one fewer than time_min).")
      .def_property_readonly(
          "target_ng_ml", [](const TciResult& r) { return copy_array(r.target_ng_ml); },
          "Target in force at each update instant, ng/mL.")
      .def_property_readonly(
          "cp_ng_ml", [](const TciResult& r) { return copy_array(r.cp_ng_ml); },
          "Predicted Cp at each update instant, ng/mL.")
      .def_property_readonly(
          "ce_ng_ml",
          [](const TciResult& r) {
            return r.ce_ng_ml.empty() ? py::object(py::none()) : py::object(copy_array(r.ce_ng_ml));
          },
          "Predicted Ce at each update instant, ng/mL (None without ke0).")
      .def_property_readonly(
          "time_to_target_min", [](const TciResult& r) { return opt(r.time_to_target_min); },
          "When the targeted concentration first comes within 0.5 % of the first positive target "
          "(on a grid of a tenth of the update interval), min; None if it does not.")
      .def_readonly("total_dose_mg", &TciResult::total_dose_mg, "Total amount infused, mg.")
      .def_property_readonly(
          "dose_mg_per_kg", [](const TciResult& r) { return opt(r.dose_mg_per_kg); },
          "Total amount per kg of weight_kg (None without weight_kg).")
      .def_property_readonly(
          "mode", [](const TciResult& r) { return std::string(to_string(r.mode)); },
          "\"plasma\" or \"effect\".")
      .def_property_readonly(
          "update_s", [](const TciResult& r) { return r.update_min * 60.0; }, "Update interval, s.")
      .def("__repr__", [](const TciResult& r) {
        std::ostringstream os;
        os.precision(6);
        os << "TciResult(mode='" << to_string(r.mode) << "', " << r.rate_mg_per_min.size()
           << " updates of " << r.update_min * 60.0 << " s, total_dose_mg=" << r.total_dose_mg
           << ", time_to_target_min=";
        if (r.time_to_target_min)
          os << *r.time_to_target_min;
        else
          os << "None";
        os << ")";
        return os.str();
      });

  m.def(
      "tci",
      [](const Model& model, py::object targets, Arg<double> duration_min, Arg<std::string> mode,
         Arg<double> update_s, Arg<std::optional<double>> max_rate_mg_per_min,
         Arg<std::optional<double>> max_rate_ml_per_h, Arg<std::optional<double>> syringe_mg_per_ml,
         Arg<std::optional<double>> weight_kg) {
        constexpr const char* w = "tci";
        const auto t = as_targets(targets, w);
        const double duration = as_double(duration_min, w, "duration_min");
        const TciOptions o = options_from(mode, update_s, max_rate_mg_per_min, max_rate_ml_per_h,
                                          syringe_mg_per_ml, weight_kg, w);
        const Model copy = model;
        py::gil_scoped_release release;
        return tci(copy, t, duration, o);
      },
      py::arg("model"), py::arg("targets"), py::arg("duration_min") = 60.0, py::kw_only(),
      py::arg("mode") = "plasma", py::arg("update_s") = 10.0,
      py::arg("max_rate_mg_per_min") = py::none(), py::arg("max_rate_ml_per_h") = py::none(),
      py::arg("syringe_mg_per_ml") = py::none(), py::arg("weight_kg") = py::none(), kTciDoc);

  py::class_<TciController>(m, "TciController", R"doc(A TCI pump's controller, stepped in real time.

Each ``next_rate(target_ng_ml)`` returns the rate (mg/min) for the next update interval and
advances the model's prediction by it; ``rate_for`` only computes it and ``advance(rate)``
records what the pump actually gave. The C++ object allocates nothing per update.

>>> import ketasim as ks
>>> pump = ks.TciController(ks.models.get("domino1984", weight_kg=70), mode="plasma")
>>> rate = pump.next_rate(150.0)
>>> round(pump.cp_ng_ml, 6)
150.0
)doc")
      .def(py::init([](const Model& model, Arg<std::string> mode, Arg<double> update_s,
                       Arg<std::optional<double>> max_rate_mg_per_min,
                       Arg<std::optional<double>> max_rate_ml_per_h,
                       Arg<std::optional<double>> syringe_mg_per_ml) {
             return TciController(
                 model, options_from(mode, update_s, max_rate_mg_per_min, max_rate_ml_per_h,
                                     syringe_mg_per_ml, Arg<std::optional<double>>{py::none()},
                                     "TciController"));
           }),
           py::arg("model"), py::kw_only(), py::arg("mode") = "plasma", py::arg("update_s") = 10.0,
           py::arg("max_rate_mg_per_min") = py::none(), py::arg("max_rate_ml_per_h") = py::none(),
           py::arg("syringe_mg_per_ml") = py::none())
      .def(
          "next_rate",
          [](TciController& c, Arg<double> target) {
            return c.next_rate(as_double(target, "tci", "target_ng_ml"));
          },
          py::arg("target_ng_ml"), "The rate (mg/min) for the next interval; advances by it.")
      .def(
          "rate_for",
          [](TciController& c, Arg<double> target) {
            return c.rate_for(as_double(target, "tci", "target_ng_ml"));
          },
          py::arg("target_ng_ml"), "The rate (mg/min) for the next interval, without advancing.")
      .def(
          "advance",
          [](TciController& c, Arg<double> rate) {
            c.advance(as_double(rate, "tci", "rate_mg_per_min"));
          },
          py::arg("rate_mg_per_min"), "Advances the prediction by one interval at this rate.")
      .def("reset", &TciController::reset, "Back to time 0 with an empty body.")
      .def_property_readonly("time_min", &TciController::time_min, "Time now, min.")
      .def_property_readonly("cp_ng_ml", &TciController::cp_ng_ml, "Predicted Cp now, ng/mL.")
      .def_property_readonly("ce_ng_ml", &TciController::ce_ng_ml,
                             "Predicted Ce now, ng/mL (ValueError without ke0).")
      .def_property_readonly(
          "update_s", [](const TciController& c) { return c.update_min() * 60.0; },
          "Update interval, s.")
      .def_property_readonly("reachable_ng_ml", &TciController::reachable_ng_ml,
                             "Highest concentration the maximum rate can reach (inf: unlimited).");

  m.def(
      "decrement_time",
      [](const Model& model, const Regimen& regimen, Arg<double> stop_min, Arg<double> level_ng_ml,
         Arg<std::string> site) {
        constexpr const char* w = "decrement_time";
        return decrement_time_min(model, regimen, as_double(stop_min, w, "stop_min"),
                                  as_double(level_ng_ml, w, "level_ng_ml"),
                                  parse_target_site(as_str(site, w, "site"), "site"));
      },
      py::arg("model"), py::arg("regimen"), py::arg("stop_min"), py::arg("level_ng_ml"),
      py::kw_only(), py::arg("site") = "plasma",
      R"doc(Time (min after stop_min) for Cp or Ce to fall to a level once every input stops.

Infusions are cut at ``stop_min`` and later doses dropped (drug already in a depot keeps being
absorbed); the result is when the concentration reaches ``level_ng_ml`` and stays below it
(0 when it is already below and falling). ``site``: "plasma" or "effect".
Pass a TciResult's ``regimen`` for the decrement time after a TCI.)doc");

  m.def(
      "context_sensitive_half_time",
      [](const Model& model, py::object durations_min, Arg<std::string> site) {
        constexpr const char* w = "context_sensitive_half_time";
        const std::vector<double> d = as_vector(durations_min, w, "durations_min");
        return to_numpy(context_sensitive_half_time_min(
            model, d, parse_target_site(as_str(site, w, "site"), "site")));
      },
      py::arg("model"), py::arg("durations_min"), py::kw_only(), py::arg("site") = "plasma",
      R"doc(Context-sensitive half-time (Hughes, Glass and Jacobs 1992), min, per duration.

For each duration Cp is held constant by an IV infusion for that long (the body empty
before), then the infusion stops: the time for Cp (site="plasma") or Ce (site="effect") to fall
to half its value at the stop. Exact (matrix exponential of the clamped system).)doc");
}

}  // namespace ketasim::python
