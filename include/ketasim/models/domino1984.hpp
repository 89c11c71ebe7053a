// Domino 1984: IV racemic ketamine in adults, three compartments, central volume scaled by weight;
// the classic ketamine TCI model shipped by opentiva and stanpumpR.
//
// Source. Domino EF, et al. Clin Pharmacol Ther 1984;36(5):645-653. PMID 6488686. (Author,
// journal, volume, pages and PMID as cited by StevenLShafer/stanpumpR R/drugs_ketamine.R; the
// title "Ketamine kinetics in unmedicated and diazepam-premedicated subjects" is from the
// project's survey and not verified; opentiva cites PMID 7198883, probably another Domino paper.
// No DOI could be verified.)
//
// Verified: the micro constants and V1 per kg, identical in two independent transcriptions:
// stanpumpR R/drugs_ketamine.R (commit 03ef468; 3 decimals) and opentiva opentiva/ketamine.py
// (commit 4c6b38c; 4 decimals, used here). Differences < 0.1 %.
// Not verified: the paper itself, its population and its numbers (no abstract readable here).
// ke0: none published. opentiva's 0.652 /min is back-computed from an assumed 1-min time to
// peak; stanpumpR's time to peak of 3 min is commented "just a guess". Neither is offered.
#pragma once

#include <string>
#include <vector>

#include "ketasim/model.hpp"
#include "ketasim/models/info.hpp"

namespace ketasim::models {

/// Domino 1984 as published: V1 per kg and micro constants (1/min).
struct Domino1984Published {
  double v1_l_per_kg = 0.063;
  double k10_per_min = 0.4381;
  double k12_per_min = 0.5921;
  double k13_per_min = 0.5900;
  double k21_per_min = 0.2470;
  double k31_per_min = 0.0146;
};

inline const ModelInfo& domino1984_info() {
  static const ModelInfo info = [] {
    const Domino1984Published p;
    ModelInfo i;
    i.key = "domino1984";
    i.title = "Domino 1984";
    i.citation =
        "Domino EF, et al. Ketamine kinetics in unmedicated and diazepam-premedicated subjects "
        "(title not verified). Clin Pharmacol Ther 1984;36(5):645-653";
    i.pmid = "6488686";
    i.drug = "racemic ketamine";
    i.analyte = "ketamine (plasma)";
    i.routes = {"iv"};
    i.population =
        "adult subjects, unmedicated and diazepam-premedicated (numbers not readable "
        "here)";
    i.sampling = "not verified";
    i.cp_site = "not stated";
    i.covariates = {detail::adult_weight(
        "ketasim's choice for adults: the paper's weight range could not be read")};
    i.ke0 = {Ke0Kind::none, std::nullopt,
             "none published (opentiva 0.652 /min is back-computed from an assumed 1-min time "
             "to peak, stanpumpR's 3-min time to peak is \"just a guess\"; neither offered); for "
             "Ce pass a ke0 (1/min) or ke0_source=\"sleigh2019\""};
    using P = PublishedParameter;
    i.parameters = {
        P{"V1", p.v1_l_per_kg, "L/kg", "v1", p.v1_l_per_kg * 70.0, "L", "x weight (70 kg shown)"},
        P{"k10", p.k10_per_min, "1/min", "cl", p.k10_per_min * p.v1_l_per_kg * 70.0, "L/min",
          "CL = k10 V1 (70 kg shown)"},
        P{"k12", p.k12_per_min, "1/min", "q2", p.k12_per_min * p.v1_l_per_kg * 70.0, "L/min",
          "Q2 = k12 V1"},
        P{"k21", p.k21_per_min, "1/min", "v2", p.v1_l_per_kg * 70.0 * p.k12_per_min / p.k21_per_min,
          "L", "V2 = V1 k12 / k21"},
        P{"k13", p.k13_per_min, "1/min", "q3", p.k13_per_min * p.v1_l_per_kg * 70.0, "L/min",
          "Q3 = k13 V1"},
        P{"k31", p.k31_per_min, "1/min", "v3", p.v1_l_per_kg * 70.0 * p.k13_per_min / p.k31_per_min,
          "L", "V3 = V1 k13 / k31"},
    };
    i.verification =
        "Constants identical in stanpumpR R/drugs_ketamine.R (03ef468) and opentiva ketamine.py "
        "(4c6b38c); the paper could not be read, so no concentration it publishes is reproduced "
        "here: the table shows the published constants read back from the built model.";
    i.variability.omitted = {
        "Domino 1984's constants are known here only as opentiva and stanpumpR carry them "
        "(typical values); the paper could not be read, so no between-subject variability or "
        "residual error is traced and none is given rather than one invented"};
    return i;
  }();
  return info;
}

/// Domino 1984 for a body weight (kg); route "iv" only.
inline Model domino1984(double weight_kg, const BuildOptions& o = {}) {
  const ModelInfo& info = domino1984_info();
  resolve(info, {{"weight_kg", weight_kg}}, o.extrapolate);
  KETASIM_CHECK(weight_kg > 0.0, info.key, "weight_kg", "> 0 kg", weight_kg, "kg");
  const Domino1984Published p;
  Model m = Model::from_micro({.v1 = p.v1_l_per_kg * weight_kg,
                               .k10 = p.k10_per_min,
                               .k12 = p.k12_per_min,
                               .k21 = p.k21_per_min,
                               .k13 = p.k13_per_min,
                               .k31 = p.k31_per_min});
  apply_ke0(m, info, o);
  return m;
}

inline Model domino1984_from(const Covariates& given, const BuildOptions& o) {
  return domino1984(resolve(domino1984_info(), given, o.extrapolate).at("weight_kg"), o);
}

}  // namespace ketasim::models
