// What the catalogue records about each model (citation, population, covariates with their
// published ranges, where its ke0 comes from, parameters as published) and the checks every
// catalogue model shares: covariates and the ke0 choice. The published numbers each model is
// tested against live in tests/cpp/models/reproductions.hpp (and docs/models.md), not here.
#pragma once

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ketasim/error.hpp"
#include "ketasim/model.hpp"
#include "ketasim/models/sleigh2019.hpp"
#include "ketasim/models/variability.hpp"

namespace ketasim::models {

/// Where a model's effect-site rate constant comes from.
enum class Ke0Kind {
  fitted,               ///< estimated from effect data in the model's own paper
  back_computed_tpeak,  ///< back-computed from an assumed time to peak effect (not a PD fit)
  none,                 ///< the source has none: Ce needs a ke0 from the caller
};

inline std::string_view to_string(Ke0Kind k) {
  switch (k) {
    case Ke0Kind::fitted:
      return "fitted";
    case Ke0Kind::back_computed_tpeak:
      return "back-computed from an assumed time to peak effect";
    case Ke0Kind::none:
      return "none";
  }
  return "none";
}

struct Ke0Source {
  Ke0Kind kind = Ke0Kind::none;
  std::optional<double> ke0_per_min;  ///< the value, when the model has one
  std::string text;                   ///< provenance in words
};

/// A covariate a model takes, with the range it was fitted over.
struct CovariateSpec {
  std::string name;  ///< argument name, unit in the name ("weight_kg", "age_yr", "asian")
  std::string unit;  ///< "kg", "y", "" for a 0/1 flag
  std::string description;
  double min = 0.0;  ///< validity range, inclusive
  double max = 0.0;
  std::optional<double> default_value = std::nullopt;  ///< none: the caller must give it
  bool flag = false;                                   ///< 0 or 1
  std::string range_source;                            ///< where the range comes from
};

/// One model parameter as the paper prints it, beside the value ketasim uses (mg, L, min).
struct PublishedParameter {
  std::string name;            ///< as in the paper ("Qh", "ka,n")
  double published = 0.0;      ///< as printed (typical value, reference covariates)
  std::string published_unit;  ///< as printed ("L/h", "1/h", "L/70 kg")
  std::string ketasim_name;    ///< model parameter name, or "" when not a named parameter
  double value = 0.0;          ///< converted, at the reference covariates
  std::string unit;            ///< "L", "L/min", "1/min", "min", ""
  std::string note;            ///< scaling, covariates, source location
};

namespace detail {
inline std::string fmt_number(double v, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}
}  // namespace detail

/// Everything the catalogue says about one model.
struct ModelInfo {
  std::string key;
  std::string title;                     ///< short label, "Perez-Ruixo 2021"
  std::string citation;                  ///< authors, title, journal, year;volume(issue):pages
  std::string doi;                       ///< "" when none could be verified
  std::string pmid;                      ///< "" when none could be verified
  std::string drug;                      ///< "esketamine", "racemic ketamine", "S-ketamine"
  std::string analyte;                   ///< what Cp is the concentration of
  std::vector<std::string> metabolites;  ///< reported analytes besides Cp (add_analyte names)
  std::vector<std::string> routes;
  std::string population;
  std::string sampling;  ///< sampling of the data the model was fitted to, in words
  /// Where the concentration this model reports as Cp is: "arterial", "venous" or "not stated"
  /// (the site of the samples it was fitted to; for kamp2020 the arterial central compartment).
  /// `ketasim compare` plots Cp (and Ce driven by it), so this is the site it plots.
  std::string cp_site;
  std::vector<CovariateSpec> covariates;
  Ke0Source ke0;
  std::vector<PublishedParameter> parameters;
  std::string verification;  ///< what was checked against what, and what could not be
  std::string notes;
  bool published_model = true;  ///< false for a composite that no paper published as one model
  /// Between-subject variability, residual error and covariate distribution as published
  /// (empty, with the reason in `omitted`, when the source gives none that can be traced).
  PublishedVariability variability;
};

/// Covariate values by name (weight_kg, age_yr, asian, ...).
using Covariates = std::map<std::string, double, std::less<>>;

/// How to build a catalogue model beyond its covariates.
struct BuildOptions {
  /// The effect-site rate constant ke0, a number in 1/min, chosen by the caller (at most one of
  /// ke0_per_min and ke0_source).
  std::optional<double> ke0_per_min = std::nullopt;
  /// Where to take ke0 from in the literature: a key of literature_ke0s() ("sleigh2019"); empty:
  /// none (at most one of ke0_per_min and ke0_source).
  std::string ke0_source = {};
  /// Accept covariates outside the published range (the caller takes responsibility).
  bool extrapolate = false;
  /// Named preset of a composite model (intranasal_racemic); empty: none.
  std::string preset = {};
};

namespace detail {

inline std::string range_text(const CovariateSpec& c) {
  if (c.flag) return "0 or 1";
  return "in [" + fmt_number(c.min, 6) + ", " + fmt_number(c.max, 6) + "]" +
         (c.unit.empty() ? "" : " " + c.unit);
}

inline void check_known(std::string_view where, const std::vector<CovariateSpec>& specs,
                        const Covariates& given) {
  for (const auto& [name, v] : given) {
    bool known = false;
    std::string names;
    for (const auto& s : specs) {
      known = known || s.name == name;
      names += (names.empty() ? "" : ", ") + s.name;
    }
    KETASIM_CHECK(known, where, "covariate", "one of [" + names + "]", name);
  }
}

}  // namespace detail

/// Messages for the covariates outside their published range (empty when all are inside).
/// Non-finite values and flags other than 0/1 are errors, not extrapolation: they throw.
inline std::vector<std::string> out_of_range(const ModelInfo& info, const Covariates& given) {
  const std::string where = info.key;
  detail::check_known(where, info.covariates, given);
  std::vector<std::string> out;
  for (const auto& s : info.covariates) {
    const auto it = given.find(s.name);
    if (it == given.end()) continue;
    const double v = it->second;
    KETASIM_CHECK(std::isfinite(v), where, s.name, "finite", v, s.unit);
    if (s.flag) {
      KETASIM_CHECK(v == 0.0 || v == 1.0, where, s.name, "0 or 1", v);
      continue;
    }
    if (v < s.min || v > s.max)
      out.push_back(where + ": " + s.name + " = " + ketasim::detail::format_value(v) +
                    (s.unit.empty() ? "" : " " + s.unit) +
                    " is outside the model's validity range " + detail::range_text(s) + " (" +
                    s.range_source + "); extrapolating");
  }
  return out;
}

/// The full covariate set for a build: defaults filled in, required ones present, each value in
/// its published range unless `extrapolate` (then only finite and, for flags, 0 or 1).
inline Covariates resolve(const ModelInfo& info, const Covariates& given, bool extrapolate) {
  const std::string where = info.key;
  (void)out_of_range(info, given);  // unknown names, non-finite values, bad flags
  Covariates out;
  for (const auto& s : info.covariates) {
    const auto it = given.find(s.name);
    if (it == given.end()) {
      KETASIM_CHECK(s.default_value.has_value(), where, s.name,
                    "given (" + s.description + ", " + detail::range_text(s) + ")", "missing");
      out[s.name] = *s.default_value;
      continue;
    }
    const double v = it->second;
    if (!s.flag && !extrapolate)
      KETASIM_CHECK(v >= s.min && v <= s.max, where, s.name,
                    detail::range_text(s) + ", the model's validity range (" + s.range_source +
                        "; extrapolate=true to go beyond)",
                    v, s.unit);
    out[s.name] = v;
  }
  return out;
}

/// Attaches the effect site the caller asked for: a ke0 of their own (ke0_per_min), one from the
/// literature (ke0_source), or (neither) the model's own fitted or back-computed ke0 when it has
/// one. A model without a ke0 gets no effect site: simulating Ce then asks for one.
inline void apply_ke0(Model& m, const ModelInfo& info, const BuildOptions& o) {
  const std::string where = info.key;
  KETASIM_CHECK(!(o.ke0_per_min && !o.ke0_source.empty()), where,
                "at most one of ke0_per_min, ke0_source", "given", "both");
  if (o.ke0_per_min) {
    const double k = *o.ke0_per_min;
    KETASIM_CHECK(std::isfinite(k) && k > 0.0, where, "ke0", "> 0 1/min", k, "1/min");
    m.set_effect_site(k);
  } else if (!o.ke0_source.empty()) {
    m.set_effect_site(literature_ke0(o.ke0_source).ke0_per_min);
  } else if (info.ke0.ke0_per_min) {
    m.set_effect_site(*info.ke0.ke0_per_min);
  }
}

namespace detail {
/// The adult body-weight covariate the IV adult models share (ketasim's 40-150 kg).
inline CovariateSpec adult_weight(std::string range_source) {
  return {.name = "weight_kg",
          .unit = "kg",
          .description = "total body weight",
          .min = 40.0,
          .max = 150.0,
          .range_source = std::move(range_source)};
}
}  // namespace detail

/// Unit conversions done once per model file: published hours to ketasim minutes.
inline constexpr double per_hour = 1.0 / 60.0;  ///< L/h -> L/min, 1/h -> 1/min
inline constexpr double hours = 60.0;           ///< h -> min

}  // namespace ketasim::models
