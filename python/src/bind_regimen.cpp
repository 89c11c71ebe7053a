// Binds ketasim::Regimen (bolus, infusion, dose by route, nasal spray; each returns the regimen,
// for chaining), its expanded dose records and mg_per_kg; a regimen pickles as its records.
#include <pybind11/stl.h>

#include <optional>
#include <sstream>
#include <string>

#include "bindings.hpp"
#include "ketasim/regimen.hpp"

namespace ketasim::python {
namespace {

const char* kind_name(DoseRecord::Kind k) {
  switch (k) {
    case DoseRecord::Kind::bolus:
      return "bolus";
    case DoseRecord::Kind::infusion:
      return "infusion";
    case DoseRecord::Kind::route:
      return "route";
  }
  return "?";
}

std::string record_repr(const DoseRecord& r) {
  std::ostringstream os;
  os.precision(6);
  os << "DoseRecord(kind='" << kind_name(r.kind) << "', target='" << r.target
     << "', amount_mg=" << r.amount_mg << ", time_min=" << r.time_min;
  if (r.kind == DoseRecord::Kind::infusion) os << ", duration_min=" << r.duration_min;
  if (r.kind == DoseRecord::Kind::route) os << ", position=" << r.position;
  os << ")";
  return os.str();
}

std::string regimen_repr(const Regimen& r) {
  std::ostringstream os;
  os.precision(6);
  os << "Regimen(" << r.records().size() << " doses, total " << r.total_dose_mg() << " mg)";
  return os.str();
}

/// A regimen's data for pickling: its expanded records as plain dicts.
py::dict regimen_state(const Regimen& r) {
  py::list records;
  for (const auto& d : r.records()) {
    py::dict rec;
    rec["kind"] = kind_name(d.kind);
    rec["target"] = d.target;
    rec["amount_mg"] = d.amount_mg;
    rec["time_min"] = d.time_min;
    rec["duration_min"] = d.duration_min;
    rec["position"] = d.position;
    records.append(rec);
  }
  py::dict s;
  s["records"] = records;
  return s;
}

/// Rebuilds a regimen from regimen_state's records through the builders (same validation).
Regimen regimen_from_state(const py::object& state) {
  constexpr const char* where = "Regimen";
  if (!py::isinstance<py::dict>(state) || !state.contains("records") ||
      !py::isinstance<py::list>(state["records"]))
    fail_got(where, "pickled state", "a dict {'records': [...]}", repr_of(state));
  Regimen r;
  std::size_t i = 0;
  for (auto item : state["records"]) {
    const std::string field = "pickled state records[" + std::to_string(i++) + "]";
    if (!py::isinstance<py::dict>(item)) fail_got(where, field, "a dict", repr_of(item));
    const auto d = py::reinterpret_borrow<py::dict>(item);
    for (const char* key : {"kind", "target", "amount_mg", "time_min", "duration_min", "position"})
      if (!d.contains(key)) fail_got(where, field + "." + key, "given", "nothing");
    const auto kind = d["kind"].cast<std::string>();
    const auto target = d["target"].cast<std::string>();
    const auto amount = d["amount_mg"].cast<double>();
    const auto time = d["time_min"].cast<double>();
    if (kind == "bolus") {
      r.bolus({.dose_mg = amount, .time_min = time, .compartment = target});
    } else if (kind == "infusion") {
      r.infusion({.dose_mg = amount,
                  .start_min = time,
                  .duration_min = d["duration_min"].cast<double>(),
                  .compartment = target});
    } else if (kind == "route") {
      r.dose(target, {.dose_mg = amount, .time_min = time, .position = d["position"].cast<int>()});
    } else {
      fail_got(where, field + ".kind", "one of [bolus, infusion, route]", repr_of(d["kind"]));
    }
  }
  return r;
}

}  // namespace

void bind_regimen(py::module_& m) {
  m.def(
      "mg_per_kg",
      [](Arg<double> dose_mg_per_kg, Arg<double> weight_kg) {
        return mg_per_kg(as_double(dose_mg_per_kg, "mg_per_kg", "dose_mg_per_kg"),
                         as_double(weight_kg, "mg_per_kg", "weight_kg"));
      },
      py::arg("dose_mg_per_kg"), py::arg("weight_kg"),
      R"doc(Dose in mg for a dose in mg/kg and a body weight in kg.

>>> import ketasim as ks
>>> ks.mg_per_kg(0.5, 70.0)
35.0
)doc");

  py::class_<DoseRecord>(m, "DoseRecord",
                         "One expanded dose of a Regimen (repeats unrolled); read-only.")
      .def_property_readonly(
          "kind", [](const DoseRecord& r) { return kind_name(r.kind); },
          "'bolus', 'infusion' or 'route'.")
      .def_readonly("target", &DoseRecord::target,
                    "Compartment (bolus, infusion; '' = plasma) or route name.")
      .def_readonly("amount_mg", &DoseRecord::amount_mg, "Dose as given (before F), mg.")
      .def_readonly("time_min", &DoseRecord::time_min, "Dose (or infusion start) time, min.")
      .def_readonly("duration_min", &DoseRecord::duration_min, "Infusion duration, min.")
      .def_readonly("position", &DoseRecord::position,
                    "Place of a route dose in its session (1 = first device).")
      .def("__repr__", &record_repr);

  py::class_<Regimen>(m, "Regimen",
                      R"doc(A dosing regimen: IV boluses, IV infusions and doses by route.

Every method adds doses and returns the regimen, so calls chain; doses may overlap and all
count. Times in minutes from t = 0, doses in mg.

Examples
--------
>>> import ketasim as ks
>>> r = (ks.Regimen()
...      .infusion(dose_mg=35, start_min=0, duration_min=40)
...      .dose("intranasal", dose_mg=28, time_min=0)
...      .dose("intranasal", dose_mg=28, time_min=5))
>>> len(r), r.total_dose_mg
(3, 91.0)
)doc")
      .def(py::init<>(), "An empty regimen.")
      .def(
          "bolus",
          [](Regimen& self, Arg<double> dose_mg, Arg<double> time_min, Arg<std::string> compartment,
             Arg<double> interval_min, Arg<int> count) -> Regimen& {
            constexpr const char* w = "Regimen.bolus";
            return self.bolus(Bolus{.dose_mg = as_double(dose_mg, w, "dose_mg"),
                                    .time_min = as_double(time_min, w, "time_min"),
                                    .compartment = as_str(compartment, w, "compartment"),
                                    .interval_min = as_double(interval_min, w, "interval_min"),
                                    .count = as_int(count, w, "count")});
          },
          py::arg("dose_mg"), py::arg("time_min") = 0.0, py::kw_only(), py::arg("compartment") = "",
          py::arg("interval_min") = 0.0, py::arg("count") = 1,
          py::return_value_policy::reference_internal,
          R"doc(IV bolus of dose_mg (mg) at time_min (min).

Parameters
----------
dose_mg : float
    Amount, mg (>= 0).
time_min : float
    Time, min (>= 0). A sample at this time sees the state just after the bolus.
compartment : str
    Receiving compartment ('' = the plasma compartment).
interval_min, count : float, int
    Repeat count times, interval_min (min) apart.

Returns
-------
Regimen
    This regimen.
)doc")
      .def(
          "infusion",
          [](Regimen& self, Arg<std::optional<double>> dose_mg,
             Arg<std::optional<double>> rate_mg_per_min, Arg<double> start_min,
             Arg<double> duration_min, Arg<std::string> compartment, Arg<double> interval_min,
             Arg<int> count) -> Regimen& {
            constexpr const char* w = "Regimen.infusion";
            return self.infusion(Infusion{
                .dose_mg = as_optional_double(dose_mg, w, "dose_mg"),
                .rate_mg_per_min = as_optional_double(rate_mg_per_min, w, "rate_mg_per_min"),
                .start_min = as_double(start_min, w, "start_min"),
                .duration_min = as_double(duration_min, w, "duration_min"),
                .compartment = as_str(compartment, w, "compartment"),
                .interval_min = as_double(interval_min, w, "interval_min"),
                .count = as_int(count, w, "count")});
          },
          py::kw_only(), py::arg("dose_mg") = py::none(), py::arg("rate_mg_per_min") = py::none(),
          py::arg("start_min") = 0.0, py::arg("duration_min"), py::arg("compartment") = "",
          py::arg("interval_min") = 0.0, py::arg("count") = 1,
          py::return_value_policy::reference_internal,
          R"doc(IV zero-order infusion, given by its dose or by its rate.

Parameters
----------
dose_mg : float, optional
    Total amount, mg (exactly one of dose_mg and rate_mg_per_min).
rate_mg_per_min : float, optional
    Infusion rate, mg/min.
start_min : float
    Start time, min.
duration_min : float
    Duration, min (> 0).
compartment : str
    Receiving compartment ('' = the plasma compartment).
interval_min, count : float, int
    Repeat count times, interval_min (min) apart.

Returns
-------
Regimen
    This regimen.
)doc")
      .def(
          "dose",
          [](Regimen& self, Arg<std::string> route, Arg<double> dose_mg, Arg<double> time_min,
             Arg<int> position, Arg<double> interval_min, Arg<int> count) -> Regimen& {
            constexpr const char* w = "Regimen.dose";
            const std::string name = as_str(route, w, "route");
            return self.dose(name, Dose{.dose_mg = as_double(dose_mg, w, "dose_mg"),
                                        .time_min = as_double(time_min, w, "time_min"),
                                        .position = as_int(position, w, "position"),
                                        .interval_min = as_double(interval_min, w, "interval_min"),
                                        .count = as_int(count, w, "count")});
          },
          py::arg("route"), py::arg("dose_mg"), py::arg("time_min") = 0.0, py::kw_only(),
          py::arg("position") = 1, py::arg("interval_min") = 0.0, py::arg("count") = 1,
          py::return_value_policy::reference_internal,
          R"doc(A dose by a named route of the model ("intranasal", ... or the built-in "iv").

Parameters
----------
route : str
    Route name; the model must define it when simulated (or it is "iv").
dose_mg : float
    Amount, mg (before bioavailability).
time_min : float
    Time, min.
position : int
    Place of the dose in its session (1 = first device), for fraction_by_position.
interval_min, count : float, int
    Repeat count times, interval_min (min) apart.

Returns
-------
Regimen
    This regimen.
)doc")
      .def(
          "nasal_spray",
          [](Regimen& self, Arg<double> dose_mg, Arg<double> start_min, Arg<double> device_mg,
             Arg<double> interval_min, Arg<std::string> route) -> Regimen& {
            constexpr const char* w = "Regimen.nasal_spray";
            return self.nasal_spray(
                NasalSpray{.dose_mg = as_double(dose_mg, w, "dose_mg"),
                           .start_min = as_double(start_min, w, "start_min"),
                           .device_mg = as_double(device_mg, w, "device_mg"),
                           .interval_min = as_double(interval_min, w, "interval_min"),
                           .route = as_str(route, w, "route")});
          },
          py::arg("dose_mg"), py::arg("start_min") = 0.0, py::kw_only(),
          py::arg("device_mg") = 28.0, py::arg("interval_min") = 5.0,
          py::arg("route") = "intranasal", py::return_value_policy::reference_internal,
          R"doc(A nasal-spray session: dose_mg given as dose_mg / device_mg devices, interval_min apart.

An esketamine device delivers 28 mg (two sprays); 56 mg = 2 devices at 0 and 5 min, 84 mg = 3.
Device k is a dose by ``route`` at position k.

Parameters
----------
dose_mg : float
    Session dose, mg (a whole number of devices).
start_min : float
    First device, min.
device_mg : float
    Dose per device, mg.
interval_min : float
    Time between devices, min.
route : str
    Route name in the model.

Returns
-------
Regimen
    This regimen.
)doc")
      .def_property_readonly(
          "records", [](const Regimen& r) { return std::vector<DoseRecord>(r.records()); },
          "The expanded doses, in the order given (a list of DoseRecord).")
      .def_property_readonly("total_dose_mg", &Regimen::total_dose_mg,
                             "Sum of all doses as given (before bioavailability), mg.")
      .def(
          "__len__", [](const Regimen& r) { return r.records().size(); }, "Number of doses.")
      .def(
          "copy", [](const Regimen& self) { return Regimen(self); }, "An independent copy.")
      .def("__copy__", [](const Regimen& self) { return Regimen(self); })
      .def(
          "__deepcopy__", [](const Regimen& self, py::dict) { return Regimen(self); },
          py::arg("memo"))
      .def(py::pickle([](const Regimen& self) { return regimen_state(self); },
                      [](const py::object& state) { return regimen_from_state(state); }))
      .def("__repr__", &regimen_repr);
}

}  // namespace ketasim::python
