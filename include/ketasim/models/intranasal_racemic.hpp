// Intranasal racemic ketamine: a COMPOSITE, not a published model. No population model of nasal
// racemic ketamine could be traced, so ketasim offers the Kamp 2020 IV disposition plus a
// first-order nasal depot whose bioavailability F and absorption rate ka the user sets, or one of
// two named presets that cite where their numbers come from.
//
// Published nasal F of racemic ketamine varies with the device and the volume:
//  - 11-17 %: 10 / 30 / 50 mg IN vs 10 mg IV in adults, Pharmacotherapy 2022;42(4):298-310,
//    doi:10.1002/phar.2669, Table 6 (pmc.ncbi.nlm.nih.gov/articles/PMC9118341/table/T6): F 17 / 13
//    / 11 %, Tmax 23 / 14 / 16 min, Cmax 22.9 / 60.8 / 77.6 ng/mL (geometric means, geometric SD
//    about 2), AUC 19 / 46 / 64 ug.h/L;
//  - about 45 %: 25 mg nasal spray in 3 healthy Japanese adults, Yanagihara 2003, Biopharm Drug
//    Dispos 24(1):37-43, doi:10.1002/bdd.336, PMID 12516077 (abstract; no Tmax in it);
//  - 50 %: 3 and 9 mg/kg IN in children 2-9 y under halothane, Malinovsky 1996, Br J Anaesth
//    77(2):203, doi:10.1093/bja/77.2.203 (abstract: Cmax "within 20 min" after 3 mg/kg).
// Presets (ka is not published anywhere: it is BACK-COMPUTED so that this composite's Tmax at
// 70 kg equals a published Tmax; with Kamp's allometric scaling the disposition's rate constants
// change as (W/70)^-0.25, so at other weights Tmax moves a little):
//  - "pharmacotherapy2022": F 0.13 and Tmax 14 min, both for 30 mg IN (Table 6);
//  - "yanagihara2003": F 0.45 (Yanagihara 2003) with Tmax 20 min (Malinovsky 1996, children:
//    Yanagihara's abstract gives no Tmax).
// The composite reproduces F, Tmax and the AUC by construction or nearly so, not the observed
// nasal Cmax (docs/models.md): a single first-order depot with the arterial Kamp disposition
// spreads the peak more than the data do.
#pragma once

#include <string>
#include <vector>

#include "ketasim/model.hpp"
#include "ketasim/models/info.hpp"
#include "ketasim/models/kamp2020.hpp"
#include "ketasim/regimen.hpp"

namespace ketasim::models {

/// The nasal absorption path of the composite.
struct NasalAbsorption {
  double f = 0.0;           ///< bioavailability, in (0, 1]
  double ka_per_min = 0.0;  ///< first-order absorption rate constant, 1/min
};

/// A named nasal preset and where its numbers come from.
struct NasalPreset {
  std::string key;
  NasalAbsorption absorption;
  double tmax_min = 0.0;  ///< the published Tmax ka was back-computed from
  std::string source;
};

/// Both presets. ka values: the root of Tmax(ka) = tmax_min for kamp2020 at 70 kg, found by
/// bisection on ketasim's refined Tmax; tests/cpp/models checks they give the published Tmax.
inline const std::vector<NasalPreset>& nasal_presets() {
  static const std::vector<NasalPreset> all = {
      {"pharmacotherapy2022",
       {0.13, 0.0347026},
       14.0,
       "F 0.13 and Tmax 14 min after 30 mg IN in adults: Pharmacotherapy 2022;42(4):298-310, "
       "doi:10.1002/phar.2669, Table 6; ka back-computed from that Tmax"},
      {"yanagihara2003",
       {0.45, 0.0231648},
       20.0,
       "F 0.45 after a 25 mg nasal spray in adults: Yanagihara 2003, Biopharm Drug Dispos "
       "24(1):37-43, doi:10.1002/bdd.336 (abstract); ka back-computed from Tmax 20 min, the "
       "'Cmax within 20 min' after 3 mg/kg IN in children of Malinovsky 1996, Br J Anaesth "
       "77(2):203 (Yanagihara's abstract gives no Tmax)"},
  };
  return all;
}

inline const NasalPreset& nasal_preset(std::string_view key) {
  std::string known;
  for (const auto& p : nasal_presets()) {
    if (p.key == key) return p;
    known += (known.empty() ? "" : ", ") + p.key;
  }
  ketasim::detail::fail("intranasal_racemic", "preset", "one of [" + known + "]", key);
}

inline const ModelInfo& intranasal_racemic_info() {
  static const ModelInfo info = [] {
    ModelInfo i;
    i.key = "intranasal_racemic";
    i.title = "Intranasal racemic ketamine (composite, not a published model)";
    i.citation =
        "COMPOSITE, not a published model: disposition of Kamp 2020 (Anesthesiology "
        "133(6):1192-1213) + a first-order nasal depot with user-set F and ka; presets "
        "cite Pharmacotherapy 2022 Table 6, Yanagihara 2003 and Malinovsky 1996";
    i.drug = "racemic ketamine";
    i.analyte = "ketamine (arterial plasma, Kamp 2020 disposition)";
    i.routes = {"intranasal", "iv"};
    i.population = "adults (the Kamp 2020 disposition); nasal F and ka from the user or a preset";
    i.sampling = "arterial (Kamp 2020 central compartment)";
    i.cp_site = "arterial";
    i.covariates = {
        detail::adult_weight("as kamp2020: ketasim's choice for adults"),
        {.name = "f",
         .unit = "",
         .description = "nasal bioavailability",
         .min = 0.11,
         .max = 0.50,
         .range_source = "published nasal F of racemic ketamine: 11-17 % (Pharmacotherapy 2022 "
                         "Table 6) to 45-50 % (Yanagihara 2003, Malinovsky 1996)"},
        {.name = "ka_per_min",
         .unit = "1/min",
         .description = "nasal absorption rate constant",
         .min = 0.01,
         .max = 0.5,
         .range_source = "ketasim's choice (absorption half-time 1.4-69 min); no published "
                         "value"},
    };
    i.ke0 = {Ke0Kind::none, std::nullopt,
             "none (Kamp 2020 has none); for Ce pass a ke0 (1/min) or ke0_source=\"sleigh2019\""};
    i.parameters = kamp2020_info().parameters;
    i.verification =
        "Not a published model. Disposition as kamp2020; F values from the cited "
        "abstracts and table; ka back-computed from published Tmax values.";
    i.notes = "Presets: " + std::string(
                                "pharmacotherapy2022 (F 0.13, Tmax 14 min), "
                                "yanagihara2003 (F 0.45, Tmax 20 min).");
    i.published_model = false;
    i.variability.omitted = {
        "a composite of an IV model and a nasal depot, not a published population model: no "
        "published variability exists for it as a whole"};
    return i;
  }();
  return info;
}

/// The composite for a body weight (kg) and a nasal path (F, ka); routes "intranasal", "iv".
inline Model intranasal_racemic(double weight_kg, const NasalAbsorption& nasal,
                                const BuildOptions& o = {}) {
  const ModelInfo& info = intranasal_racemic_info();
  resolve(info, {{"weight_kg", weight_kg}, {"f", nasal.f}, {"ka_per_min", nasal.ka_per_min}},
          o.extrapolate);
  KETASIM_CHECK(nasal.f > 0.0 && nasal.f <= 1.0, info.key, "f", "in (0, 1]", nasal.f);
  KETASIM_CHECK(nasal.ka_per_min > 0.0, info.key, "ka_per_min", "> 0 1/min", nasal.ka_per_min,
                "1/min");
  BuildOptions disposition = o;
  disposition.ke0_source.clear();
  disposition.ke0_per_min.reset();
  Model m = kamp2020(weight_kg, disposition);
  m.with_route("intranasal", Absorption{.ka = nasal.ka_per_min, .f = nasal.f});
  apply_ke0(m, info, o);
  return m;
}

/// The composite with a named preset ("pharmacotherapy2022", "yanagihara2003").
inline Model intranasal_racemic(double weight_kg, std::string_view preset,
                                const BuildOptions& o = {}) {
  return intranasal_racemic(weight_kg, nasal_preset(preset).absorption, o);
}

/// From a covariate map: weight_kg, and f with ka_per_min unless o.preset names a preset.
inline Model intranasal_racemic_from(const Covariates& given, const BuildOptions& o) {
  const ModelInfo& info = intranasal_racemic_info();
  Covariates c = given;
  if (!o.preset.empty()) {
    const NasalPreset& p = nasal_preset(o.preset);
    KETASIM_CHECK(!given.contains("f") && !given.contains("ka_per_min"), info.key, "f, ka_per_min",
                  "left out when a preset is given", o.preset);
    c["f"] = p.absorption.f;
    c["ka_per_min"] = p.absorption.ka_per_min;
  }
  const Covariates r = resolve(info, c, o.extrapolate);
  return intranasal_racemic(r.at("weight_kg"), {r.at("f"), r.at("ka_per_min")}, o);
}

}  // namespace ketasim::models
