// Kamp 2020: IV racemic ketamine in adults, the population model built from 14 pooled raw data
// sets of the ketamine meta-analysis (three compartments, arterial central compartment).
//
// Source. Kamp J, Olofsen E, Henthorn TK, van Velzen M, Niesters M, Dahan A, for the Ketamine
// Pharmacokinetic Study Group. Ketamine pharmacokinetics: a systematic review of the literature,
// meta-analysis, and population analysis. Anesthesiology 2020;133(6):1192-1213.
// doi:10.1097/ALN.0000000000003577, PMID 32997732.
//
// Verified: the abstract (pubs.asahq.org, read here): meta-analysis of 18 studies; weighted mean
// Vd 252 L/70 kg (95 % CI 200-304), weighted mean CL 79 L/h at 70 kg (95 % CI 69-90); the raw-data
// model "consisted of one central arterial compartment with two peripheral compartments linked
// to two venous delay compartments".
// Not verified: the parameter values. V1 25, V2 56, V3 157 L and CL 84, Q2 161, Q3 79 L/h at
// 70 kg, scaled linearly with weight, are those of opentiva/opentiva opentiva/ketamine.py (class
// "Klamp", commit a181499, as recorded in the project's literature survey); the paper's table
// could not be read here, so neither the values nor the weight scaling could be checked.
// The venous delay compartments: in the paper, but their parameters could not be read, so they
// are not built. Cp here is the ARTERIAL concentration of the central compartment; venous
// samples lag and, after an infusion, exceed it (the abstract: venous-sampling models give
// longer context-sensitive half-times).
// ke0: none in the paper. opentiva's 2.791 /min is back-computed from an assumed 1-min time to
// peak effect and is not offered here.
#pragma once

#include <string>
#include <vector>

#include "ketasim/model.hpp"
#include "ketasim/models/info.hpp"
#include "ketasim/models/measure.hpp"
#include "ketasim/regimen.hpp"

namespace ketasim::models {

/// Kamp 2020 raw-data model typical values at 70 kg, as published (L, L/h).
struct Kamp2020Published {
  double v1_l = 25.0;
  double v2_l = 56.0;
  double v3_l = 157.0;
  double cl_l_per_h = 84.0;
  double q2_l_per_h = 161.0;
  double q3_l_per_h = 79.0;
  double reference_weight_kg = 70.0;
};

namespace detail {
inline CovariateSpec adult_weight(std::string range_source) {
  return {.name = "weight_kg",
          .unit = "kg",
          .description = "total body weight",
          .min = 40.0,
          .max = 150.0,
          .range_source = std::move(range_source)};
}
}  // namespace detail

inline const ModelInfo& kamp2020_info() {
  static const ModelInfo info = [] {
    const Kamp2020Published p;
    ModelInfo i;
    i.key = "kamp2020";
    i.title = "Kamp 2020";
    i.citation =
        "Kamp J, Olofsen E, Henthorn TK, van Velzen M, Niesters M, Dahan A, for the Ketamine "
        "Pharmacokinetic Study Group. Ketamine pharmacokinetics: a systematic review of the "
        "literature, meta-analysis, and population analysis. Anesthesiology "
        "2020;133(6):1192-1213";
    i.doi = "10.1097/ALN.0000000000003577";
    i.pmid = "32997732";
    i.drug = "racemic ketamine";
    i.analyte = "ketamine (arterial plasma)";
    i.routes = {"iv"};
    i.population =
        "14 pooled raw data sets from the meta-analysis (healthy adults and patients); the "
        "meta-analysis covered 18 studies (11 healthy adults, 3 adult patients, 5 paediatric)";
    i.sampling = "arterial (central compartment); the venous delay compartments are not built";
    i.covariates = {detail::adult_weight(
        "ketasim's choice for adults: the data sets' weight range could not be read")};
    i.ke0 = {Ke0Kind::none, std::nullopt,
             "none: the paper is PK only (opentiva's 2.791 /min is back-computed from an assumed "
             "1-min time to peak and is not offered); for Ce pass ke0_per_min or "
             "ke0=\"sleigh2019\" (EEG slow wave, racemic IV bolus, another PK model)"};
    using P = PublishedParameter;
    const std::string lin = "x weight/70 (linear, as opentiva; unverified)";
    i.parameters = {
        P{"V1", p.v1_l, "L/70 kg", "v1", p.v1_l, "L", lin},
        P{"V2", p.v2_l, "L/70 kg", "v2", p.v2_l, "L", lin},
        P{"V3", p.v3_l, "L/70 kg", "v3", p.v3_l, "L", lin},
        P{"CL", p.cl_l_per_h, "L/h/70 kg", "cl", p.cl_l_per_h * per_hour, "L/min", lin},
        P{"Q2", p.q2_l_per_h, "L/h/70 kg", "q2", p.q2_l_per_h * per_hour, "L/min", lin},
        P{"Q3", p.q3_l_per_h, "L/h/70 kg", "q3", p.q3_l_per_h * per_hour, "L/min", lin},
    };
    i.verification =
        "Abstract read (meta-analytic Vd and CL, model structure). Parameter values and weight "
        "scaling from opentiva ketamine.py class Klamp (commit a181499, misspelt author), not "
        "checked against the paper's table. Venous delay compartments not built (parameters not "
        "readable).";
    i.notes =
        "Cp is arterial. Venous concentrations after an infusion are higher than arterial ones "
        "(Kamp 2020; Henthorn 2018).";
    return i;
  }();
  return info;
}

/// Kamp 2020 for a body weight (kg); route "iv" only.
inline Model kamp2020(double weight_kg, const BuildOptions& o = {}) {
  const ModelInfo& info = kamp2020_info();
  resolve(info, {{"weight_kg", weight_kg}}, o.extrapolate);
  KETASIM_CHECK(weight_kg > 0.0, info.key, "weight_kg", "> 0 kg", weight_kg, "kg");
  const Kamp2020Published p;
  const double s = weight_kg / p.reference_weight_kg;
  Model m = Model::three_compartment({.cl = p.cl_l_per_h * per_hour * s,
                                      .v1 = p.v1_l * s,
                                      .q2 = p.q2_l_per_h * per_hour * s,
                                      .v2 = p.v2_l * s,
                                      .q3 = p.q3_l_per_h * per_hour * s,
                                      .v3 = p.v3_l * s});
  apply_ke0(m, info, o);
  return m;
}

inline Model kamp2020_from(const Covariates& given, const BuildOptions& o) {
  return kamp2020(resolve(kamp2020_info(), given, o.extrapolate).at("weight_kg"), o);
}

/// The antidepressant reference regimen of the literature: 0.5 mg/kg IV over 40 minutes.
inline Regimen antidepressant_infusion(double weight_kg) {
  Regimen r;
  r.infusion({.dose_mg = mg_per_kg(0.5, weight_kg), .start_min = 0.0, .duration_min = 40.0});
  return r;
}

inline std::vector<Reproduction> kamp2020_reproductions() {
  std::vector<Reproduction> out;
  const Model m = kamp2020(70.0);
  const std::string abs = "Kamp 2020 abstract (meta-analysis, weighted mean and 95 % CI)";
  out.push_back(in_range("clearance vs the meta-analytic weighted mean",
                         "70 kg, IV bolus, dose / AUC(0-inf)", "L/h", 69.0, 90.0,
                         "79 (95 % CI 69-90)", abs, measure::clearance_l_per_h(m)));
  out.push_back(in_range("volume of distribution vs the meta-analytic weighted mean",
                         "70 kg, V1 + V2 + V3", "L", 200.0, 304.0, "252 (95 % CI 200-304)", abs,
                         m.parameter("v1") + m.parameter("v2") + m.parameter("v3")));
  out.push_back(context("ketamine Cmax (end of infusion)", "0.5 mg/kg IV over 40 min, 70 kg",
                        "ng/mL", 185.0,
                        "Zanos 2018 Pharmacol Rev Table 1 (Zarate 2006, venous, patients)",
                        measure::cp_peak(m, antidepressant_infusion(70.0), 240.0).c_ng_ml,
                        "context, not a reproduction: a population mean of venous samples in "
                        "patients against the typical ARTERIAL concentration of this model, which "
                        "runs higher during an infusion"));
  return out;
}

}  // namespace ketasim::models
