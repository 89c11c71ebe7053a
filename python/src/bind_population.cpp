// Binds simulate_population() and ketasim::Population (ketasim._core): arrays are read-only NumPy
// views of the population's memory; the GIL is released while subjects are simulated, on copies
// of the model and regimen (a Python model builder takes it back for each call); populations
// pickle through their raw storage, whose every shape is checked on the way back.
#include <pybind11/stl.h>

#include <sstream>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "ketasim/population.hpp"

namespace ketasim::python {
namespace {

std::vector<NamedValues> named_arrays(const py::object& obj, const char* field) {
  std::vector<NamedValues> out;
  if (obj.is_none()) return out;
  if (!py::isinstance<py::dict>(obj))
    fail_got("simulate_population", field, "a dict of name -> one value per subject", repr_of(obj));
  for (auto [k, v] : obj.cast<py::dict>()) {
    if (!py::isinstance<py::str>(k))
      fail_got("simulate_population", std::string(field) + " key", "a name (str)", repr_of(k));
    const std::string name = k.cast<std::string>();
    out.push_back(
        {name, as_vector(v, "simulate_population", std::string(field) + "[\"" + name + "\"]")});
  }
  return out;
}

const char* kSimulatePopulationDoc =
    R"doc(Simulates a virtual population (the engine behind ketasim.simulate_population).

Use :func:`ketasim.simulate_population`, which validates the Python-side arguments, accepts a
Dask client and returns a :class:`ketasim.Population`.
)doc";

/// A population's raw storage as a dict of plain values and arrays (for pickling).
py::dict population_state(const Population& p) {
  const auto& d = detail::PopulationAccess::data(p);
  auto mat = [](const auto& m) {
    using T = typename std::decay_t<decltype(m)>::Scalar;
    py::array_t<T> a({static_cast<py::ssize_t>(m.rows()), static_cast<py::ssize_t>(m.cols())});
    std::copy(m.data(), m.data() + m.size(), a.mutable_data());
    return a;
  };
  auto hist = [](const detail::TimeHistogram& h) {
    py::dict s;
    s["n_times"] = h.n_times();
    s["signed"] = h.is_signed();
    s["counts"] =
        py::array_t<std::uint32_t>(static_cast<py::ssize_t>(h.counts().size()), h.counts().data());
    s["top"] = h.top();
    s["bottom"] = h.bottom();
    s["totals"] = h.totals();
    return s;
  };
  py::dict s;
  s["version"] = 2;
  s["time_min"] = d.time_min;
  s["n"] = d.n;
  s["first_subject"] = d.first_subject;
  s["individual"] = d.individual;
  s["effect_site"] = d.effect_site;
  s["observed"] = d.observed;
  s["cp"] = mat(d.cp.matrix());
  s["ce"] = mat(d.ce.matrix());
  s["cp_observed"] = mat(d.cp_observed.matrix());
  s["parameter_names"] = d.parameter_names;
  s["parameters"] = mat(d.parameters);
  s["cmax"] = d.cmax;
  s["tmax"] = d.tmax;
  s["ce_max"] = d.ce_max;
  s["ce_tmax"] = d.ce_tmax;
  s["auc"] = d.auc;
  s["thresholds"] = d.thresholds;
  s["threshold_series"] = std::string(output_name(d.threshold_series));
  s["onset"] = mat(d.onset);
  s["offset"] = mat(d.offset);
  s["time_above"] = mat(d.time_above);
  s["reached"] = mat(d.reached);
  s["above"] = mat(d.above);
  s["hist_cp"] = hist(d.hist_cp);
  s["hist_ce"] = hist(d.hist_ce);
  s["hist_observed"] = hist(d.hist_observed);
  return s;
}

/// Reads a pickled state back, checking every field's type and every array's shape against n,
/// the times, the thresholds and the parameter names: a damaged or tampered state gives
/// ValueError naming the field (never a crash in a later call).
class StateReader {
 public:
  explicit StateReader(py::dict s, std::string prefix = {})
      : s_(std::move(s)), prefix_(std::move(prefix)) {}

  py::object item(const std::string& key) const {
    if (!s_.contains(key.c_str())) fail(at(key), "present", "nothing");
    return s_[key.c_str()];
  }

  template <class T>
  T value(const std::string& key, const char* kind) const {
    return cast<T>(item(key), at(key), kind);
  }

  /// A 2-D array of rows x cols into m (any Eigen row-major matrix or CurveStore).
  template <class T, class M>
  void matrix(const std::string& key, std::size_t rows, std::size_t cols, M& m) const {
    const auto a = array<T>(item(key), at(key));
    const auto shape = std::to_string(rows) + " x " + std::to_string(cols);
    if (a.ndim() != 2 || static_cast<std::size_t>(a.shape(0)) != rows ||
        static_cast<std::size_t>(a.shape(1)) != cols)
      fail(at(key), "an array of shape " + shape, "shape " + shape_of(a));
    m.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    std::copy(a.data(), a.data() + a.size(), m.data());
  }

  /// A 1-D array of `size` values (of any size when any_size).
  template <class T>
  std::vector<T> vector(const std::string& key, std::size_t size, bool any_size = false) const {
    const auto a = array<T>(item(key), at(key));
    if (a.ndim() != 1 || (!any_size && static_cast<std::size_t>(a.shape(0)) != size))
      fail(at(key), any_size ? std::string("a 1-D array") : std::to_string(size) + " values",
           "shape " + shape_of(a));
    return {a.data(), a.data() + a.size()};
  }

  /// A histogram of n_times rows (none when 0) whose every time counts `total` values.
  detail::TimeHistogram histogram(const std::string& key, std::size_t n_times, bool is_signed,
                                  std::size_t total) const {
    const py::object obj = item(key);
    if (!py::isinstance<py::dict>(obj)) fail(at(key), "a dict", repr_of(obj));
    const StateReader h(obj.cast<py::dict>(), at(key) + ".");
    const auto nt = h.value<std::size_t>("n_times", "an integer >= 0");
    if (nt != n_times) fail(h.at("n_times"), std::to_string(n_times), std::to_string(nt));
    if (nt == 0) return {};
    if (h.value<bool>("signed", "a bool") != is_signed)
      fail(h.at("signed"), is_signed ? "True" : "False", is_signed ? "False" : "True");
    detail::TimeHistogram out(nt, is_signed);
    const auto counts = array<std::uint32_t>(h.item("counts"), h.at("counts"));
    const auto expected = nt * static_cast<std::size_t>(out.width());
    if (counts.ndim() != 1 || static_cast<std::size_t>(counts.size()) != expected)
      fail(h.at("counts"), std::to_string(expected) + " counts (n_times x bins)",
           std::to_string(counts.size()) + " counts");
    auto totals = h.vector<std::uint64_t>("totals", nt);
    for (std::size_t t = 0; t < nt; ++t)
      if (totals[t] != total)
        fail(h.at("totals[" + std::to_string(t) + "]"), std::to_string(total) + " (n)",
             std::to_string(totals[t]));
    out.assign({counts.data(), counts.data() + counts.size()}, h.vector<double>("top", nt),
               h.vector<double>("bottom", nt), std::move(totals));
    return out;
  }

  [[noreturn]] static void fail(const std::string& field, const std::string& condition,
                                const std::string& got) {
    fail_got("Population", "pickled state " + field, condition, got);
  }

 private:
  std::string at(const std::string& key) const { return prefix_ + key; }

  template <class T>
  static T cast(const py::object& obj, const std::string& field, const char* kind) {
    try {
      return obj.cast<T>();
    } catch (const py::cast_error&) {
      fail(field, kind, repr_of(obj));
    }
  }

  template <class T>
  static py::array_t<T, py::array::c_style | py::array::forcecast> array(const py::object& obj,
                                                                         const std::string& field) {
    try {
      auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(obj);
      if (a) return a;
    } catch (const py::error_already_set&) {
    }
    PyErr_Clear();
    fail(field, "an array of numbers", repr_of(obj));
  }

  template <class A>
  static std::string shape_of(const A& a) {
    std::string out = "(";
    for (py::ssize_t i = 0; i < a.ndim(); ++i)
      out += (i > 0 ? ", " : "") + std::to_string(a.shape(i));
    return out + (a.ndim() == 1 ? ",)" : ")");
  }

  py::dict s_;
  std::string prefix_;
};

Population population_from_state(const py::dict& s) {
  const StateReader r(s);
  if (!s.contains("version") || !py::isinstance<py::int_>(s["version"]) ||
      s["version"].cast<long long>() != 2)
    fail_got("Population", "pickled state", "version 2", repr_of(s.attr("get")("version")));
  detail::PopulationData d;
  d.n = r.value<std::size_t>("n", "an integer >= 1");
  if (d.n == 0) StateReader::fail("n", ">= 1", "0");
  d.time_min = r.vector<double>("time_min", 0, true);
  if (d.time_min.empty()) StateReader::fail("time_min", "non-empty", "[]");
  d.first_subject = r.value<std::size_t>("first_subject", "an integer >= 0");
  d.individual = r.value<bool>("individual", "a bool");
  d.effect_site = r.value<bool>("effect_site", "a bool");
  d.observed = r.value<bool>("observed", "a bool");
  d.parameter_names = r.value<std::vector<std::string>>("parameter_names", "a list of names");
  d.thresholds = r.value<std::vector<double>>("thresholds", "a list of numbers");
  d.threshold_series =
      parse_output(r.value<std::string>("threshold_series", "'cp', 'ce' or 'cp_observed'"));
  const std::size_t n = d.n, nt = d.time_min.size(), nk = d.thresholds.size();
  const std::size_t np = d.parameter_names.size();
  const std::size_t ncurve = d.individual ? n : 0, tcurve = d.individual ? nt : 0;
  r.matrix<double>("cp", ncurve, tcurve, d.cp);
  r.matrix<double>("ce", d.effect_site ? ncurve : 0, d.effect_site ? tcurve : 0, d.ce);
  r.matrix<double>("cp_observed", d.observed ? ncurve : 0, d.observed ? tcurve : 0, d.cp_observed);
  r.matrix<double>("parameters", n, np, d.parameters);
  d.cmax = r.vector<double>("cmax", n);
  d.tmax = r.vector<double>("tmax", n);
  d.ce_max = r.vector<double>("ce_max", d.effect_site ? n : 0);
  d.ce_tmax = r.vector<double>("ce_tmax", d.effect_site ? n : 0);
  d.auc = r.vector<double>("auc", n);
  r.matrix<double>("onset", nk, n, d.onset);
  r.matrix<double>("offset", nk, n, d.offset);
  r.matrix<double>("time_above", nk, n, d.time_above);
  r.matrix<std::int32_t>("reached", nk, n, d.reached);
  for (Eigen::Index k = 0; k < d.reached.rows(); ++k)
    for (Eigen::Index j = 0; j < d.reached.cols(); ++j) {
      const std::int32_t i = d.reached(k, j);
      if (i < -1 || i >= static_cast<std::int64_t>(nt))
        StateReader::fail("reached[" + std::to_string(k) + "][" + std::to_string(j) + "]",
                          "an output index in [-1, " + std::to_string(nt) + ")", std::to_string(i));
    }
  r.matrix<std::uint64_t>("above", nk, nt, d.above);
  const std::size_t nh = d.individual ? 0 : nt;
  d.hist_cp = r.histogram("hist_cp", nh, false, n);
  d.hist_ce = r.histogram("hist_ce", d.effect_site ? nh : 0, false, n);
  d.hist_observed = r.histogram("hist_observed", d.observed ? nh : 0, true, n);
  return detail::PopulationAccess::make(std::move(d));
}

std::string population_repr(const Population& p) {
  std::ostringstream os;
  os << "Population(" << p.size() << " subjects";
  if (p.first_subject() > 0) os << " from #" << p.first_subject();
  os << ", " << p.time_min().size() << " times";
  if (!p.time_min().empty())
    os << " from " << p.time_min().front() << " to " << p.time_min().back() << " min";
  os << (p.has_individual() ? ", curves kept" : ", summaries only");
  if (p.has_effect_site()) os << ", with Ce";
  if (p.has_observed()) os << ", with cp_observed";
  os << ")";
  return os.str();
}

py::array curve_view(py::object self, Output o) {
  const auto& p = self.cast<const Population&>();
  const auto& c = p.curves(o);
  constexpr auto d = static_cast<py::ssize_t>(sizeof(double));
  return view(c.data(), static_cast<py::ssize_t>(c.rows()), static_cast<py::ssize_t>(c.cols()),
              static_cast<py::ssize_t>(c.cols()) * d, d, self);
}

py::array vector_view(py::object self, const std::vector<double>& v) {
  return view(v.data(), static_cast<py::ssize_t>(v.size()), sizeof(double), self);
}

py::array matrix_copy(const RowMatrix& m) {
  py::array_t<double> a({static_cast<py::ssize_t>(m.rows()), static_cast<py::ssize_t>(m.cols())});
  std::copy(m.data(), m.data() + m.size(), a.mutable_data());
  return a;
}

}  // namespace

void bind_population(py::module_& m) {
  m.def(
      "sd_from_cv",
      [](Arg<double> cv_percent) {
        return sd_from_cv(as_double(cv_percent, "sd_from_cv", "cv_percent"));
      },
      py::arg("cv_percent"),
      R"doc(SD of the log-parameter for a log-normal parameter with this %CV: sqrt(ln(1 + CV^2)).

Papers give inter-individual variability as %CV or as omega^2 (then sd = sqrt(omega^2)).

>>> import ketasim as ks
>>> round(ks.sd_from_cv(30.0), 4)
0.2936
)doc");

  py::class_<Population>(m, "Population",
                         R"doc(A simulated virtual population (see ketasim.Population).

Curves are (n, T) read-only NumPy views of the population's memory; per-subject arrays have one
value per subject.
)doc")
      .def_property_readonly("size", &Population::size, "Number of subjects.")
      .def_property_readonly("first_subject", &Population::first_subject,
                             "Index of the first subject in the whole population.")
      .def_property_readonly(
          "time_min",
          [](py::object self) {
            return vector_view(self, self.cast<const Population&>().time_min());
          },
          "Output times, min.")
      .def_property_readonly("has_individual", &Population::has_individual,
                             "Whether the (n, T) curves were kept.")
      .def_property_readonly("has_effect_site", &Population::has_effect_site,
                             "Whether Ce was simulated.")
      .def_property_readonly("has_observed", &Population::has_observed,
                             "Whether Cp with residual error was simulated.")
      .def_property_readonly(
          "cp_ng_ml", [](py::object self) { return curve_view(self, Output::cp); },
          "Plasma concentration, ng/mL, (n, T).")
      .def_property_readonly(
          "ce_ng_ml", [](py::object self) { return curve_view(self, Output::ce); },
          "Effect-site concentration, ng/mL, (n, T).")
      .def_property_readonly(
          "cp_observed_ng_ml",
          [](py::object self) { return curve_view(self, Output::cp_observed); },
          "Cp with residual error, ng/mL, (n, T).")
      .def_property_readonly("parameter_names", &Population::parameter_names,
                             "Names of the parameters' columns.")
      .def_property_readonly(
          "parameter_matrix",
          [](py::object self) {
            const auto& p = self.cast<const Population&>().parameters();
            constexpr auto d = static_cast<py::ssize_t>(sizeof(double));
            return view(p.data(), static_cast<py::ssize_t>(p.rows()),
                        static_cast<py::ssize_t>(p.cols()), static_cast<py::ssize_t>(p.cols()) * d,
                        d, self);
          },
          "Each subject's parameters, (n, P), columns named by parameter_names.")
      .def_property_readonly(
          "cmax_ng_ml",
          [](py::object self) {
            return vector_view(self, self.cast<const Population&>().cmax_ng_ml());
          },
          "Highest Cp sample of each subject, ng/mL.")
      .def_property_readonly(
          "tmax_min",
          [](py::object self) {
            return vector_view(self, self.cast<const Population&>().tmax_min());
          },
          "Time of each subject's highest Cp sample, min.")
      .def_property_readonly(
          "ce_max_ng_ml",
          [](py::object self) {
            return vector_view(self, self.cast<const Population&>().ce_max_ng_ml());
          },
          "Highest Ce sample of each subject, ng/mL.")
      .def_property_readonly(
          "ce_tmax_min",
          [](py::object self) {
            return vector_view(self, self.cast<const Population&>().ce_tmax_min());
          },
          "Time of each subject's highest Ce sample, min.")
      .def_property_readonly(
          "auc_ng_min_ml",
          [](py::object self) {
            return vector_view(self, self.cast<const Population&>().auc_ng_min_ml());
          },
          "Area under each subject's Cp from the first to the last output time, ng x min/mL.")
      .def_property_readonly("thresholds_ng_ml", &Population::thresholds_ng_ml,
                             "Thresholds simulated up front, ng/mL.")
      .def_property_readonly(
          "threshold_series",
          [](const Population& p) { return std::string(output_name(p.threshold_series())); },
          "Concentration the thresholds apply to: 'cp', 'ce' or 'cp_observed'.")
      .def(
          "onset_min",
          [](const Population& p, Arg<double> thr) {
            return to_numpy(p.onset_min(as_double(thr, "Population.onset_min", "threshold_ng_ml")));
          },
          py::arg("threshold_ng_ml"),
          "Each subject's onset time for a simulated threshold, min (NaN: never).")
      .def(
          "offset_min", [](const Population& p, double thr) { return to_numpy(p.offset_min(thr)); },
          py::arg("threshold_ng_ml"),
          "Each subject's first time back below a simulated threshold after its onset, min "
          "(NaN: never).")
      .def(
          "time_above_min",
          [](const Population& p, double thr) { return to_numpy(p.time_above_min(thr)); },
          py::arg("threshold_ng_ml"),
          "Each subject's total time at or above a simulated threshold, min.")
      .def(
          "percentiles",
          [](const Population& p, Arg<Doubles> pct, Arg<std::string> series) {
            constexpr const char* w = "Population.percentiles";
            return matrix_copy(p.percentiles(as_vector(pct, w, "percentiles"),
                                             parse_output(as_str(series, w, "series"))));
          },
          py::arg("percentiles"), py::arg("series") = "cp",
          "Percentiles of a concentration at each time, (len(percentiles), T).")
      .def(
          "fraction_above",
          [](const Population& p, Arg<double> thr, Arg<std::string> series, Arg<bool> cumulative) {
            constexpr const char* w = "Population.fraction_above";
            return to_numpy(p.fraction_above(as_double(thr, w, "threshold_ng_ml"),
                                             parse_output(as_str(series, w, "series")),
                                             as_bool(cumulative, w, "cumulative")));
          },
          py::arg("threshold_ng_ml"), py::arg("series") = "cp", py::arg("cumulative") = true,
          "Fraction of subjects that reached the threshold by each time (or are above it).")
      .def_static(
          "concatenate",
          [](const std::vector<Population>& parts) { return Population::concatenate(parts); },
          py::arg("parts"), "Joins consecutive chunks of one population.")
      .def("__len__", &Population::size)
      .def("__repr__", &population_repr)
      .def(py::pickle([](const Population& p) { return population_state(p); },
                      [](const py::dict& s) { return population_from_state(s); }));

  m.def(
      "simulate_population",
      [](const Model& model, const Regimen& regimen, Arg<Doubles> times_min, Arg<std::size_t> n,
         Arg<std::uint64_t> seed, Arg<std::size_t> first_subject, const py::object& variability,
         const py::object& correlation, const py::object& parameters, const py::object& covariates,
         const py::object& model_for, Arg<double> additive_ng_ml, Arg<double> proportional,
         Arg<double> exponential, Arg<unsigned> threads, Arg<bool> keep_individual,
         Arg<Doubles> thresholds_ng_ml, Arg<std::string> threshold_series, Arg<std::string> method,
         Arg<double> rtol, Arg<double> atol, Arg<std::size_t> max_steps) {
        constexpr const char* w = "simulate_population";
        const Doubles times_array = as_times(times_min, w);
        const std::vector<double> times(times_array.data(),
                                        times_array.data() + times_array.size());
        PopulationSpec spec;
        spec.n = as_int(n, w, "n");
        spec.seed = as_int(seed, w, "seed");
        spec.first_subject = as_int(first_subject, w, "first_subject");
        if (!variability.is_none()) {
          if (!py::isinstance<py::dict>(variability))
            fail_got("simulate_population", "variability",
                     "a dict of parameter name -> SD of the log-parameter", repr_of(variability));
          for (auto [k, v] : variability.cast<py::dict>()) {
            if (!py::isinstance<py::str>(k))
              fail_got("simulate_population", "variability key", "a parameter name (str)",
                       repr_of(k));
            const std::string name = k.cast<std::string>();
            spec.variability.push_back({name, as_double(v, w, "variability[\"" + name + "\"]")});
          }
        }
        if (!correlation.is_none()) {
          const Doubles c = as_doubles(correlation, w, "correlation", 2);
          spec.correlation.resize(c.shape(0), c.shape(1));
          for (py::ssize_t i = 0; i < c.shape(0); ++i)
            for (py::ssize_t j = 0; j < c.shape(1); ++j) spec.correlation(i, j) = c.at(i, j);
        }
        spec.parameters = named_arrays(parameters, "parameters");
        spec.covariates = named_arrays(covariates, "covariates");
        if (!model_for.is_none()) {
          if (!PyCallable_Check(model_for.ptr()))
            fail_got("simulate_population", "model_for", "a callable returning a Model",
                     repr_of(model_for));
          // A borrowed handle: the caller keeps the callable alive for the whole call, and no
          // reference count changes without the GIL.
          py::handle fn = model_for;
          spec.model_for = [fn](const SubjectCovariates& c) {
            py::gil_scoped_acquire gil;
            py::dict kw;
            for (std::size_t k = 0; k < c.names().size(); ++k)
              kw[py::str(c.names()[k])] = c.values()[k];
            py::object built = fn(**kw);
            if (!py::isinstance<Model>(built))
              fail_got("simulate_population", "model_for(...)", "a ketasim.Model", repr_of(built));
            return built.cast<Model>();
          };
        }
        spec.residual = {.additive_ng_ml = as_double(additive_ng_ml, w, "additive_ng_ml"),
                         .proportional = as_double(proportional, w, "proportional"),
                         .exponential = as_double(exponential, w, "exponential")};
        PopulationOptions opt;
        opt.threads = as_int(threads, w, "threads");
        opt.keep_individual = as_bool(keep_individual, w, "keep_individual");
        opt.thresholds_ng_ml = as_vector(thresholds_ng_ml, w, "thresholds_ng_ml");
        opt.threshold_series = parse_output(as_str(threshold_series, w, "threshold_series"));
        opt.solver = {.method = parse_method(as_str(method, w, "method")),
                      .rtol = as_double(rtol, w, "rtol"),
                      .atol = as_double(atol, w, "atol"),
                      .max_steps = as_int(max_steps, w, "max_steps")};
        // The workers read the model and the regimen while the GIL is released: our own copies,
        // which no other Python thread can change meanwhile (times and per-subject values are
        // copies already).
        const Model own_model = model;
        const Regimen own_regimen = regimen;
        py::gil_scoped_release release;
        return simulate_population(own_model, own_regimen, times, spec, opt);
      },
      py::arg("model"), py::arg("regimen"), py::arg("times_min"), py::kw_only(), py::arg("n"),
      py::arg("seed") = 0, py::arg("first_subject") = 0, py::arg("variability") = py::none(),
      py::arg("correlation") = py::none(), py::arg("parameters") = py::none(),
      py::arg("covariates") = py::none(), py::arg("model_for") = py::none(),
      py::arg("additive_ng_ml") = 0.0, py::arg("proportional") = 0.0, py::arg("exponential") = 0.0,
      py::arg("threads") = 0, py::arg("keep_individual") = true,
      py::arg("thresholds_ng_ml") = py::tuple(), py::arg("threshold_series") = "cp",
      py::arg("method") = "exact", py::arg("rtol") = 1e-8, py::arg("atol") = 1e-9,
      py::arg("max_steps") = 1'000'000, kSimulatePopulationDoc);
}

}  // namespace ketasim::python
