// Binds simulate_population() and ketasim::Population (ketasim._core): arrays are read-only NumPy
// views of the population's memory; the GIL is released while subjects are simulated (a Python
// model builder takes it back for each call); populations pickle through their raw storage.
#include <pybind11/stl.h>

#include <sstream>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "ketasim/detail/model_state.hpp"
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
  const auto& d = p.data();
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
  s["version"] = 1;
  s["time_min"] = d.time_min;
  s["n"] = d.n;
  s["first_subject"] = d.first_subject;
  s["individual"] = d.individual;
  s["effect_site"] = d.effect_site;
  s["observed"] = d.observed;
  s["cp"] = mat(d.cp);
  s["ce"] = mat(d.ce);
  s["cp_observed"] = mat(d.cp_observed);
  s["parameter_names"] = d.parameter_names;
  s["parameters"] = mat(d.parameters);
  s["cmax"] = d.cmax;
  s["tmax"] = d.tmax;
  s["ce_max"] = d.ce_max;
  s["ce_tmax"] = d.ce_tmax;
  s["thresholds"] = d.thresholds;
  s["threshold_series"] = std::string(output_name(d.threshold_series));
  s["onset"] = mat(d.onset);
  s["reached"] = mat(d.reached);
  s["above"] = mat(d.above);
  s["hist_cp"] = hist(d.hist_cp);
  s["hist_ce"] = hist(d.hist_ce);
  s["hist_observed"] = hist(d.hist_observed);
  return s;
}

Population population_from_state(const py::dict& s) {
  if (!s.contains("version") || s["version"].cast<int>() != 1)
    fail_got("Population", "pickled state", "version 1", repr_of(s.attr("get")("version")));
  detail::PopulationData d;
  auto mat = [&](const char* key, auto& m) {
    using M = std::decay_t<decltype(m)>;
    using T = typename M::Scalar;
    auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(s[key]);
    m.resize(a.shape(0), a.shape(1));
    std::copy(a.data(), a.data() + a.size(), m.data());
  };
  auto hist = [&](const char* key) {
    const py::dict h = s[key].cast<py::dict>();
    detail::TimeHistogram out(h["n_times"].cast<std::size_t>(), h["signed"].cast<bool>());
    auto counts =
        py::array_t<std::uint32_t, py::array::c_style | py::array::forcecast>::ensure(h["counts"]);
    const auto expected = out.n_times() * static_cast<std::size_t>(out.width());
    if (!counts || static_cast<std::size_t>(counts.size()) != expected)
      fail_got("Population", std::string("pickled state ") + key + ".counts",
               std::to_string(expected) + " counts (n_times x bins)",
               counts ? std::to_string(counts.size()) + " counts" : repr_of(h["counts"]));
    out.assign({counts.data(), counts.data() + counts.size()}, h["top"].cast<std::vector<double>>(),
               h["bottom"].cast<std::vector<double>>(),
               h["totals"].cast<std::vector<std::uint64_t>>());
    return out;
  };
  d.time_min = s["time_min"].cast<std::vector<double>>();
  d.n = s["n"].cast<std::size_t>();
  d.first_subject = s["first_subject"].cast<std::size_t>();
  d.individual = s["individual"].cast<bool>();
  d.effect_site = s["effect_site"].cast<bool>();
  d.observed = s["observed"].cast<bool>();
  mat("cp", d.cp);
  mat("ce", d.ce);
  mat("cp_observed", d.cp_observed);
  d.parameter_names = s["parameter_names"].cast<std::vector<std::string>>();
  mat("parameters", d.parameters);
  d.cmax = s["cmax"].cast<std::vector<double>>();
  d.tmax = s["tmax"].cast<std::vector<double>>();
  d.ce_max = s["ce_max"].cast<std::vector<double>>();
  d.ce_tmax = s["ce_tmax"].cast<std::vector<double>>();
  d.thresholds = s["thresholds"].cast<std::vector<double>>();
  d.threshold_series = parse_output(s["threshold_series"].cast<std::string>());
  mat("onset", d.onset);
  mat("reached", d.reached);
  mat("above", d.above);
  d.hist_cp = hist("hist_cp");
  d.hist_ce = hist("hist_ce");
  d.hist_observed = hist("hist_observed");
  return Population(std::move(d));
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

py::array matrix_copy(const detail::RowMatrix& m) {
  py::array_t<double> a({static_cast<py::ssize_t>(m.rows()), static_cast<py::ssize_t>(m.cols())});
  std::copy(m.data(), m.data() + m.size(), a.mutable_data());
  return a;
}

py::list model_recipe_list(const Model& model) {
  py::list steps;
  for (const auto& st : detail::model_recipe(model)) {
    py::list paths;
    for (const auto& p : st.paths) {
      py::dict d;
      d["ka"] = p.ka_per_min;
      d["f"] = p.f;
      d["tlag"] = p.tlag_min;
      d["duration"] = p.duration_min;
      d["fraction"] = p.fraction;
      d["fraction_by_position"] = p.fraction_by_position;
      d["target"] = p.target;
      d["name"] = p.name;
      paths.append(d);
    }
    steps.append(py::make_tuple(static_cast<int>(st.kind), st.a, st.b, st.param, st.value, paths));
  }
  return steps;
}

Model model_from_recipe_list(const py::list& steps) {
  std::vector<detail::ModelStep> out;
  for (const auto& item : steps) {
    const auto t = item.cast<py::tuple>();
    detail::ModelStep st;
    st.kind = static_cast<detail::ModelStep::Kind>(t[0].cast<int>());
    st.a = t[1].cast<std::string>();
    st.b = t[2].cast<std::string>();
    st.param = t[3].cast<std::string>();
    st.value = t[4].cast<double>();
    for (const auto& pd : t[5].cast<py::list>()) {
      const auto d = pd.cast<py::dict>();
      st.paths.push_back(
          {.ka_per_min = d["ka"].cast<double>(),
           .f = d["f"].cast<double>(),
           .tlag_min = d["tlag"].cast<double>(),
           .duration_min = d["duration"].cast<double>(),
           .fraction = d["fraction"].cast<double>(),
           .fraction_by_position = d["fraction_by_position"].cast<std::vector<double>>(),
           .target = d["target"].cast<std::string>(),
           .name = d["name"].cast<std::string>()});
    }
    out.push_back(std::move(st));
  }
  return detail::model_from_recipe(out);
}

py::list regimen_record_list(const Regimen& r) {
  py::list out;
  for (const auto& d : r.records())
    out.append(py::make_tuple(static_cast<int>(d.kind), d.target, d.amount_mg, d.time_min,
                              d.duration_min, d.position));
  return out;
}

Regimen regimen_from_record_list(const py::list& records) {
  std::vector<DoseRecord> out;
  for (const auto& item : records) {
    const auto t = item.cast<py::tuple>();
    out.push_back({.kind = static_cast<DoseRecord::Kind>(t[0].cast<int>()),
                   .target = t[1].cast<std::string>(),
                   .amount_mg = t[2].cast<double>(),
                   .time_min = t[3].cast<double>(),
                   .duration_min = t[4].cast<double>(),
                   .position = t[5].cast<int>()});
  }
  return detail::regimen_from_records(out);
}

}  // namespace

void bind_population(py::module_& m) {
  // Models and regimens pickle through a rebuild recipe (same parameters, same order, same
  // bits), so that they can be sent to Dask workers and other processes.
  m.def("_model_from_recipe", &model_from_recipe_list, py::arg("steps"),
        "Rebuilds a Model from Model.__reduce__'s recipe (for pickling).");
  m.def("_regimen_from_records", &regimen_from_record_list, py::arg("records"),
        "Rebuilds a Regimen from Regimen.__reduce__'s records (for pickling).");
  {
    py::object rebuild = m.attr("_model_from_recipe");
    py::object cls = py::type::of<Model>();
    py::setattr(cls, "__reduce__",
                py::cpp_function(
                    [rebuild](const Model& self) {
                      return py::make_tuple(rebuild, py::make_tuple(model_recipe_list(self)));
                    },
                    py::is_method(cls), py::name("__reduce__"),
                    "Pickles the model as the steps that rebuild it."));
  }
  {
    py::object rebuild = m.attr("_regimen_from_records");
    py::object cls = py::type::of<Regimen>();
    py::setattr(cls, "__reduce__",
                py::cpp_function(
                    [rebuild](const Regimen& self) {
                      return py::make_tuple(rebuild, py::make_tuple(regimen_record_list(self)));
                    },
                    py::is_method(cls), py::name("__reduce__"),
                    "Pickles the regimen as its dose records."));
  }

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
          py::arg("threshold_ng_ml"), py::arg("series") = "ce", py::arg("cumulative") = true,
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
         Arg<unsigned> threads, Arg<bool> keep_individual, Arg<Doubles> thresholds_ng_ml,
         Arg<std::string> threshold_series, Arg<std::string> method, Arg<double> rtol,
         Arg<double> atol, Arg<std::size_t> max_steps, Population* reuse) {
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
                         .proportional = as_double(proportional, w, "proportional")};
        PopulationOptions opt;
        opt.threads = as_int(threads, w, "threads");
        opt.keep_individual = as_bool(keep_individual, w, "keep_individual");
        opt.thresholds_ng_ml = as_vector(thresholds_ng_ml, w, "thresholds_ng_ml");
        opt.threshold_series = parse_output(as_str(threshold_series, w, "threshold_series"));
        opt.solver = {.method = parse_method(as_str(method, w, "method")),
                      .rtol = as_double(rtol, w, "rtol"),
                      .atol = as_double(atol, w, "atol"),
                      .max_steps = as_int(max_steps, w, "max_steps")};
        py::gil_scoped_release release;
        if (reuse != nullptr) return simulate_population(model, regimen, times, spec, opt, *reuse);
        return simulate_population(model, regimen, times, spec, opt);
      },
      py::arg("model"), py::arg("regimen"), py::arg("times_min"), py::kw_only(), py::arg("n"),
      py::arg("seed") = 0, py::arg("first_subject") = 0, py::arg("variability") = py::none(),
      py::arg("correlation") = py::none(), py::arg("parameters") = py::none(),
      py::arg("covariates") = py::none(), py::arg("model_for") = py::none(),
      py::arg("additive_ng_ml") = 0.0, py::arg("proportional") = 0.0, py::arg("threads") = 0,
      py::arg("keep_individual") = true, py::arg("thresholds_ng_ml") = py::tuple(),
      py::arg("threshold_series") = "ce", py::arg("method") = "exact", py::arg("rtol") = 1e-8,
      py::arg("atol") = 1e-9, py::arg("max_steps") = 1'000'000,
      py::arg("reuse") = static_cast<Population*>(nullptr), kSimulatePopulationDoc);
}

}  // namespace ketasim::python
