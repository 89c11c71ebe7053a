// Binds the onset metrics (ketasim::onset, OnsetMetrics), the refined peak and the exact AUC.
#include <pybind11/stl.h>

#include <optional>
#include <sstream>
#include <string>

#include "bindings.hpp"
#include "ketasim/onset.hpp"

namespace ketasim::python {
namespace {

Series parse_series(const std::string& name, const char* where) {
  if (name == "ce") return Series::ce;
  if (name == "cp") return Series::cp;
  detail::fail(where, "series", "one of [cp, ce]", name);
}

const char* series_name(Series s) { return s == Series::cp ? "cp" : "ce"; }

std::string fmt(const std::optional<double>& v) {
  if (!v) return "None";
  std::ostringstream os;
  os.precision(6);
  os << *v;
  return os.str();
}

py::dict metrics_dict(const OnsetMetrics& m) {
  py::dict d;
  d["series"] = series_name(m.series);
  d["threshold_ng_ml"] = m.threshold_ng_ml;
  d["cmax_ng_ml"] = m.cmax_ng_ml;
  d["tmax_min"] = m.tmax_min;
  d["ce_max_ng_ml"] = float_or_none(m.ce_max_ng_ml);
  d["ce_tmax_min"] = float_or_none(m.ce_tmax_min);
  d["auc_ng_min_ml"] = m.auc_ng_min_ml;
  d["t_onset_min"] = float_or_none(m.t_onset_min);
  d["t_offset_min"] = float_or_none(m.t_offset_min);
  d["time_above_min"] = m.time_above_min;
  return d;
}

std::string metrics_repr(const OnsetMetrics& m) {
  std::ostringstream os;
  os.precision(6);
  os << "OnsetMetrics(series='" << series_name(m.series)
     << "', threshold_ng_ml=" << m.threshold_ng_ml << ", cmax_ng_ml=" << m.cmax_ng_ml
     << ", tmax_min=" << m.tmax_min << ", ce_max_ng_ml=" << fmt(m.ce_max_ng_ml)
     << ", ce_tmax_min=" << fmt(m.ce_tmax_min) << ", auc_ng_min_ml=" << m.auc_ng_min_ml
     << ", t_onset_min=" << fmt(m.t_onset_min) << ", t_offset_min=" << fmt(m.t_offset_min)
     << ", time_above_min=" << m.time_above_min << ")";
  return os.str();
}

}  // namespace

void bind_onset(py::module_& m) {
  py::class_<Peak>(m, "Peak",
                   "The highest concentration over a result's window and when it is "
                   "first reached; unpacks as (c_ng_ml, t_min).")
      .def_readonly("c_ng_ml", &Peak::c_ng_ml, "Peak concentration, ng/mL.")
      .def_readonly("t_min", &Peak::t_min, "Time of the peak, min.")
      .def("__iter__", [](const Peak& p) { return py::iter(py::make_tuple(p.c_ng_ml, p.t_min)); })
      .def("__repr__", [](const Peak& p) {
        std::ostringstream os;
        os.precision(6);
        os << "Peak(c_ng_ml=" << p.c_ng_ml << ", t_min=" << p.t_min << ")";
        return os.str();
      });

  py::class_<OnsetMetrics>(m, "OnsetMetrics", R"doc(What a teacher asks of an onset curve.

Cmax, Tmax and AUC are of Cp; the threshold metrics are of ``series`` (Cp by default). Times
are absolute (min from t = 0) and found on the continuous solution, not the sample grid.
``None`` means "never" (e.g. t_onset_min when the threshold is never reached).

Attributes
----------
cmax_ng_ml, tmax_min : float
    Cp peak (ng/mL) and its time (min).
ce_max_ng_ml, ce_tmax_min : float or None
    Ce peak (ng/mL) and its time (min); None without an effect site.
auc_ng_min_ml : float
    AUC of Cp over the window (first to last output time), ng*min/mL; ``auc`` is an alias.
t_onset_min : float or None
    First time the series reaches the threshold, min.
t_offset_min : float or None
    First time after onset that it falls back below it, min.
time_above_min : float
    Total time at or above the threshold within the window, min.
)doc")
      .def_property_readonly(
          "series", [](const OnsetMetrics& x) { return series_name(x.series); },
          "'ce' or 'cp': the series the threshold metrics are about.")
      .def_readonly("threshold_ng_ml", &OnsetMetrics::threshold_ng_ml, "Threshold, ng/mL.")
      .def_readonly("cmax_ng_ml", &OnsetMetrics::cmax_ng_ml, "Cp peak, ng/mL.")
      .def_readonly("tmax_min", &OnsetMetrics::tmax_min, "Time of the Cp peak, min.")
      .def_readonly("ce_max_ng_ml", &OnsetMetrics::ce_max_ng_ml,
                    "Ce peak, ng/mL (None without an effect site).")
      .def_readonly("ce_tmax_min", &OnsetMetrics::ce_tmax_min,
                    "Time of the Ce peak, min (None without an effect site).")
      .def_readonly("auc_ng_min_ml", &OnsetMetrics::auc_ng_min_ml,
                    "AUC of Cp over the window, ng*min/mL.")
      .def_readonly("auc", &OnsetMetrics::auc_ng_min_ml, "Alias of auc_ng_min_ml (ng*min/mL).")
      .def_readonly("t_onset_min", &OnsetMetrics::t_onset_min,
                    "First time the series reaches the threshold, min (None: never).")
      .def_readonly("t_offset_min", &OnsetMetrics::t_offset_min,
                    "First time after onset it falls back below the threshold, min (None: "
                    "never).")
      .def_readonly("time_above_min", &OnsetMetrics::time_above_min,
                    "Total time at or above the threshold in the window, min.")
      .def("to_dict", &metrics_dict, "The metrics as a dict (None for 'never').")
      .def("__repr__", &metrics_repr);

  m.def(
      "onset",
      [](const Result& result, Arg<double> threshold_ng_ml, Arg<std::string> series) {
        const double threshold = as_double(threshold_ng_ml, "onset", "threshold_ng_ml");
        const Series s = parse_series(as_str(series, "onset", "series"), "onset");
        py::gil_scoped_release release;
        return onset(result, threshold, s);
      },
      py::arg("result"), py::arg("threshold_ng_ml"), py::arg("series") = "cp",
      R"doc(Onset metrics of a result for a concentration threshold.

Parameters
----------
result : Result
    A simulation result.
threshold_ng_ml : float
    Concentration threshold, ng/mL (> 0).
series : {"cp", "ce"}
    Which concentration the threshold metrics are about (default Cp; Ce needs a model with
    ke0).

Returns
-------
OnsetMetrics
    cmax_ng_ml, tmax_min, ce_max_ng_ml, ce_tmax_min, auc_ng_min_ml (alias auc), t_onset_min,
    t_offset_min, time_above_min.

Examples
--------
>>> import numpy as np, ketasim as ks
>>> res = ks.simulate(ks.Model(cl=1.2, v1=15.0, ke0=0.2),
...                   ks.Regimen().infusion(dose_mg=35, duration_min=40), np.arange(0, 121.0))
>>> m = ks.onset(res, threshold_ng_ml=100, series="ce")
>>> round(m.t_onset_min, 2)
5.22
)doc");

  m.def(
      "peak",
      [](const Result& result, Arg<std::string> series) {
        const std::string name = as_str(series, "peak", "series");
        py::gil_scoped_release release;
        return peak(result, std::string_view(name));
      },
      py::arg("result"), py::arg("series") = "cp",
      "The highest value of a series over the result's window (first to last output time) and "
      "the first time it is reached, on the continuous solution whatever the output grid "
      "(ng/mL, min). series: 'cp' (default), 'ce', or a reported analyte's name.");

  py::class_<ThresholdTimes>(m, "ThresholdTimes",
                             "When a series is at or above a threshold over a result's window, "
                             "on the continuous solution (times in min; None: never).")
      .def_readonly("threshold_ng_ml", &ThresholdTimes::threshold_ng_ml, "Threshold, ng/mL.")
      .def_readonly("onset_min", &ThresholdTimes::onset_min,
                    "First time the series is at or above the threshold, min (None: never).")
      .def_readonly("offset_min", &ThresholdTimes::offset_min,
                    "First time after the onset that it is below it again, min (None: never).")
      .def_readonly("time_above_min", &ThresholdTimes::time_above_min,
                    "Total time at or above the threshold in the window, min.")
      .def_readonly("episodes", &ThresholdTimes::episodes,
                    "How many separate times the threshold is reached.")
      .def("__repr__", [](const ThresholdTimes& x) {
        std::ostringstream os;
        os.precision(6);
        os << "ThresholdTimes(threshold_ng_ml=" << x.threshold_ng_ml
           << ", onset_min=" << fmt(x.onset_min) << ", offset_min=" << fmt(x.offset_min)
           << ", time_above_min=" << x.time_above_min << ", episodes=" << x.episodes << ")";
        return os.str();
      });

  m.def(
      "threshold_times",
      [](const Result& result, Arg<double> threshold_ng_ml, Arg<std::string> series) {
        const double threshold = as_double(threshold_ng_ml, "threshold_times", "threshold_ng_ml");
        const std::string name = as_str(series, "threshold_times", "series");
        py::gil_scoped_release release;
        return threshold_times(result, threshold, name);
      },
      py::arg("result"), py::arg("threshold_ng_ml"), py::arg("series") = "cp",
      "When a series ('cp' by default, 'ce', or a reported analyte) is at or above "
      "threshold_ng_ml over the result's window: onset_min, offset_min, time_above_min, "
      "episodes.");

  m.def(
      "auc_ng_min_ml",
      [](const Result& result, Arg<std::optional<double>> t0, Arg<std::optional<double>> t1) {
        const std::optional<double> t0_min = as_optional_double(t0, "auc", "t0_min");
        const std::optional<double> t1_min = as_optional_double(t1, "auc", "t1_min");
        const auto& t = result.time_min();
        KETASIM_CHECK(!t.empty(), "auc", "result", "simulated", "empty");
        const double a = t0_min.value_or(t.front()), b = t1_min.value_or(t.back());
        py::gil_scoped_release release;
        return auc_ng_min_ml(result, a, b);
      },
      py::arg("result"), py::arg("t0_min") = py::none(), py::arg("t1_min") = py::none(),
      "Exact AUC of Cp between t0_min and t1_min (default: the result's first and last "
      "times), ng*min/mL; the interval may extend beyond the sampled times.");
}

}  // namespace ketasim::python
