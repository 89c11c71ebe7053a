// Binds the catalogue of published models (ketasim/models/catalogue.hpp) as plain functions that
// return Python dicts and lists; python/ketasim/models.py wraps them as ks.models.list / info /
// get. (The published numbers each model is checked against are test data, not bound here:
// ks.models.reproductions reads the generated python/ketasim/reproductions.json.)
#include <pybind11/stl.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "ketasim/models/catalogue.hpp"

namespace ketasim::python {
namespace {

py::object str_or_none(const std::string& s) {
  return s.empty() ? py::object(py::none()) : py::object(py::str(s));
}

py::dict covariate_dict(const models::CovariateSpec& c) {
  py::dict d;
  d["unit"] = c.unit;
  d["description"] = c.description;
  d["min"] = c.min;
  d["max"] = c.max;
  d["default"] = float_or_none(c.default_value);
  d["flag"] = c.flag;
  d["range_source"] = c.range_source;
  return d;
}

/// The published variability as plain data (ks.models.info(key)["variability"]).
py::dict variability_dict(const models::PublishedVariability& v) {
  py::list params;
  for (const auto& p : v.parameters) {
    py::dict q;
    q["published_name"] = p.published_name;
    q["parameter"] = str_or_none(p.parameter);
    q["target"] = str_or_none(p.target);
    q["scale"] = std::string(models::to_string(p.scale));
    q["published"] = p.published;
    q["published_as"] = p.published_as;
    q["sd"] = p.sd;
    q["conversion"] = p.conversion;
    q["source"] = p.source;
    params.append(q);
  }
  py::list corr;
  for (const auto& c : v.correlations) {
    py::dict q;
    q["a"] = c.a;
    q["b"] = c.b;
    q["published"] = c.published;
    q["published_as"] = c.published_as;
    q["correlation"] = c.correlation;
    q["source"] = c.source;
    corr.append(q);
  }
  py::list res;
  for (const auto& r : v.residuals) {
    py::dict q;
    q["analyte"] = r.analyte;
    q["kind"] = r.kind == models::ResidualKind::exponential
                    ? std::string("exponential")
                    : std::string(models::to_string(r.kind));
    q["proportional"] = r.proportional;
    q["additive_ng_ml"] = r.additive_ng_ml;
    q["exponential"] = r.exponential;
    q["published"] = r.published;
    q["source"] = r.source;
    res.append(q);
  }
  py::list cov;
  for (const auto& c : v.covariates) {
    py::dict q;
    q["covariate"] = c.covariate;
    q["kind"] = c.kind;
    q["mean"] = c.mean;
    q["sd"] = c.sd;
    q["min"] = c.min;
    q["max"] = c.max;
    q["given_flag"] = str_or_none(c.given_flag);
    q["published"] = c.published;
    q["source"] = c.source;
    cov.append(q);
  }
  py::dict d;
  d["parameters"] = params;
  d["correlations"] = corr;
  d["residuals"] = res;
  d["covariates"] = cov;
  d["omitted"] = v.omitted;
  return d;
}

py::dict info_dict(const models::ModelInfo& i) {
  py::dict d;
  d["key"] = i.key;
  d["title"] = i.title;
  d["citation"] = i.citation;
  d["doi"] = str_or_none(i.doi);
  d["pmid"] = str_or_none(i.pmid);
  d["drug"] = i.drug;
  d["analyte"] = i.analyte;
  d["metabolites"] = i.metabolites;
  d["routes"] = i.routes;
  d["population"] = i.population;
  d["sampling"] = i.sampling;
  d["cp_site"] = i.cp_site;
  py::dict cov;
  for (const auto& c : i.covariates) cov[py::str(c.name)] = covariate_dict(c);
  d["covariates"] = cov;
  py::dict ke0;
  ke0["kind"] = std::string(models::to_string(i.ke0.kind));
  ke0["ke0_per_min"] = float_or_none(i.ke0.ke0_per_min);
  ke0["text"] = i.ke0.text;
  d["ke0"] = ke0;
  py::list params;
  for (const auto& p : i.parameters) {
    py::dict q;
    q["name"] = p.name;
    q["published"] = p.published;
    q["published_unit"] = p.published_unit;
    q["ketasim_name"] = str_or_none(p.ketasim_name);
    q["value"] = p.value;
    q["unit"] = p.unit;
    q["note"] = p.note;
    params.append(q);
  }
  d["parameters"] = params;
  d["verification"] = i.verification;
  d["notes"] = i.notes;
  d["published_model"] = i.published_model;
  d["variability"] = variability_dict(i.variability);
  return d;
}

}  // namespace

void bind_models(py::module_& m) {
  m.def("models_keys", &models::keys, "Keys of the catalogue's models, in catalogue order.");

  m.def(
      "models_info",
      [](Arg<std::string> key) {
        return info_dict(models::info(as_str(key, "models.info", "key")));
      },
      py::arg("key"),
      "Metadata of one catalogue model as a dict (citation, doi, pmid, drug, analyte, routes, "
      "population, covariates with ranges, ke0 source, parameters as published).");

  m.def(
      "models_get",
      [](Arg<std::string> key_arg, const py::dict& covariate_dict, Arg<bool> extrapolate,
         Arg<std::optional<double>> ke0_per_min, Arg<std::optional<std::string>> ke0_source,
         Arg<std::optional<std::string>> preset) {
        constexpr const char* w = "models.get";
        const std::string key = as_str(key_arg, w, "key");
        models::Covariates covariates;
        for (auto [name, value] : covariate_dict) {
          const std::string n = as_str(name, w, "covariate name");
          covariates[n] = as_double(value, w, n);
        }
        models::BuildOptions o;
        o.extrapolate = as_bool(extrapolate, w, "extrapolate");
        o.ke0_per_min = as_optional_double(ke0_per_min, w, "ke0");
        if (auto k = as_optional_str(ke0_source, w, "ke0_source")) o.ke0_source = *k;
        if (auto p = as_optional_str(preset, w, "preset")) o.preset = *p;
        return models::get(key, covariates, o);
      },
      py::arg("key"), py::arg("covariates"), py::arg("extrapolate") = false,
      py::arg("ke0_per_min") = py::none(), py::arg("ke0_source") = py::none(),
      py::arg("preset") = py::none(),
      "Builds a catalogue model (typical values) from covariates by name; ke0_per_min is the "
      "effect-site rate constant (1/min), ke0_source a literature key (at most one of the two).");

  m.def(
      "models_out_of_range",
      [](Arg<std::string> key, const py::dict& covariate_dict) {
        constexpr const char* w = "models.out_of_range";
        models::Covariates covariates;
        for (auto [name, value] : covariate_dict) {
          const std::string n = as_str(name, w, "covariate name");
          covariates[n] = as_double(value, w, n);
        }
        return models::out_of_range(as_str(key, w, "key"), covariates);
      },
      py::arg("key"), py::arg("covariates"),
      "Messages for covariates outside the published range (empty list when none is).");

  m.def(
      "models_literature_ke0",
      [] {
        py::list out;
        for (const auto& k : models::literature_ke0s()) {
          py::dict d;
          d["key"] = k.key;  // the ke0_source name
          d["t_half_s"] = k.t_half_s;
          d["ke0_per_min"] = k.ke0_per_min;
          d["endpoint"] = k.endpoint;
          d["citation"] = k.citation;
          d["caveat"] = k.caveat;
          out.append(d);
        }
        return out;
      },
      "Named literature ke0 values (Sleigh 2019) with their caveats.");

  m.def(
      "models_nasal_presets",
      [] {
        py::list out;
        for (const auto& p : models::nasal_presets()) {
          py::dict d;
          d["key"] = p.key;
          d["f"] = p.absorption.f;
          d["ka_per_min"] = p.absorption.ka_per_min;
          d["tmax_min"] = p.tmax_min;
          d["source"] = p.source;
          out.append(d);
        }
        return out;
      },
      "Presets of the intranasal racemic composite (F and back-computed ka) with sources.");
}

}  // namespace ketasim::python
