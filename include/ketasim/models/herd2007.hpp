// Herd 2007: IV racemic ketamine in children presenting for procedural sedation in an emergency
// department; two compartments, allometric weight scaling to 70 kg.
//
// Source. Herd D, Anderson BJ. Ketamine disposition in children presenting for procedural
// sedation and analgesia in a children's emergency department. Paediatr Anaesth
// 2007;17(7):622-629. doi:10.1111/j.1460-9592.2006.02145.x, PMID 17564643.
//
// Verified in the PubMed abstract (ncbi.nlm.nih.gov/pubmed/17564643, read here): 54 children,
// age 8.3 (SD 3.5) y, weight 32.5 (SD 15.6) kg, 188 observations, ketamine 1-1.5 mg/kg IV;
// V1 38.7 L/70 kg (BSV 64 %), V2 102 L/70 kg (51.7 %), CL 90 L/h/70 kg (38.1 %), Q 215 L/h/70 kg
// (19 %), "standardized to a 70-kg person using allometric models"; "At 10 min half of the
// children given 1 mg/kg will have a serum concentration below 0.75 mg/L ... almost all the
// children will still have a serum concentration above 0.1 mg/L".
// Not verified: the exponents (0.75 on clearances, 1 on volumes: the standard Anderson-Holford
// choice, as in opentiva's Herd class; the abstract does not print them). The weight range
// 10.8-74.8 kg is opentiva's limit for this model (the abstract gives mean and SD only).
// The "half below 0.75 mg/L at 10 min after 1 mg/kg" statement is NOT reproduced, and
// between-subject variability does not explain it: the typical value for a 32.5-kg child is
// 0.509 mg/L (the project's literature survey computed 0.509 independently), and a simulated
// population with the abstract's variabilities (V1 64 %, V2 51.7 %, CL 38.1 %, Q 19 %) and the
// study's weights has an even lower median, 0.47 mg/L, with about 98 % of children below
// 0.75 mg/L (tests/cpp/models computes both; docs/models.md prints them). At 1.5 mg/kg, the upper
// dose of the study, the typical value is 0.764 mg/L, which matches "half below 0.75": the dose
// or the statement in the abstract is the likely problem. ketasim reproduces the other statement
// (above 0.1 mg/L) and shows the gap.
// ke0: none published; opentiva's 2.995 /min is back-computed from an assumed 1-min time to peak.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "ketasim/model.hpp"
#include "ketasim/models/info.hpp"
#include "ketasim/regimen.hpp"

namespace ketasim::models {

/// Herd 2007 typical values standardised to 70 kg, as published.
struct Herd2007Published {
  double v1_l = 38.7;
  double v2_l = 102.0;
  double cl_l_per_h = 90.0;
  double q_l_per_h = 215.0;
  double reference_weight_kg = 70.0;
  double exponent_cl = 0.75;  ///< not printed in the abstract (standard allometry)
  double exponent_v = 1.0;
};

/// Herd 2007 between-subject variability and the study's weights, from the abstract (PubMed
/// 17564643).
inline PublishedVariability herd2007_variability() {
  const std::string src = "Herd 2007 abstract (PubMed 17564643)";
  const std::string conv =
      "read as a CV: sd = sqrt(ln(1 + CV^2)); the abstract does not say whether its BSV % is a "
      "CV or sqrt(omega^2) x 100 (then sd would be the % itself: 0.64, 0.517, 0.381, 0.19)";
  auto bsv = [&](std::string name, std::string parameter, double percent) {
    return ParameterVariability{.published_name = std::move(name),
                                .parameter = std::move(parameter),
                                .scale = VariabilityScale::log_normal,
                                .published = percent,
                                .published_as = "BSV %",
                                .sd = log_sd_from_cv(percent),
                                .conversion = conv,
                                .source = src};
  };
  PublishedVariability v;
  v.parameters = {bsv("V1", "v1", 64.0), bsv("V2", "v2", 51.7), bsv("CL", "cl", 38.1),
                  bsv("Q", "q2", 19.0)};
  v.covariates = {{.covariate = "weight_kg",
                   .kind = "normal",
                   .mean = 32.5,
                   .sd = 15.6,
                   .min = 10.8,
                   .max = 74.8,
                   .published = "weight 32.5 (SD 15.6) kg; drawn as a normal, redrawn outside "
                                "the model's 10.8-74.8 kg (ketasim's choice: the abstract gives "
                                "no range)",
                   .source = src}};
  v.omitted = {
      "residual error: not in the abstract (the paper's table could not be read); a fit needs "
      "residual_error= from the caller",
      "correlations: none reported in the abstract",
  };
  return v;
}

inline const ModelInfo& herd2007_info() {
  static const ModelInfo info = [] {
    const Herd2007Published p;
    ModelInfo i;
    i.key = "herd2007";
    i.title = "Herd 2007";
    i.citation =
        "Herd D, Anderson BJ. Ketamine disposition in children presenting for procedural "
        "sedation and analgesia in a children's emergency department. Paediatr Anaesth "
        "2007;17(7):622-629";
    i.doi = "10.1111/j.1460-9592.2006.02145.x";
    i.pmid = "17564643";
    i.drug = "racemic ketamine";
    i.analyte = "ketamine (serum)";
    i.routes = {"iv"};
    i.population =
        "54 children in an emergency department, age 8.3 (SD 3.5) y, weight 32.5 "
        "(SD 15.6) kg; ketamine 1-1.5 mg/kg IV; 188 observations over 14-152 min";
    i.sampling = "venous serum";
    i.cp_site = "venous";
    i.covariates = {{.name = "weight_kg",
                     .unit = "kg",
                     .description = "total body weight",
                     .min = 10.8,
                     .max = 74.8,
                     .range_source = "opentiva's limits for this model (the abstract gives "
                                     "32.5, SD 15.6 kg)"}};
    i.ke0 = {
        Ke0Kind::none, std::nullopt,
        "none published (opentiva's 2.995 /min is back-computed from an assumed 1-min time "
        "to peak, not offered); for Ce pass a ke0 (1/min) or ke0_source=\"sleigh2019\" (adults)"};
    using P = PublishedParameter;
    i.parameters = {
        P{"V1", p.v1_l, "L/70 kg", "v1", p.v1_l, "L", "x (weight/70)^1"},
        P{"V2", p.v2_l, "L/70 kg", "v2", p.v2_l, "L", "x (weight/70)^1"},
        P{"CL", p.cl_l_per_h, "L/h/70 kg", "cl", p.cl_l_per_h * per_hour, "L/min",
          "x (weight/70)^0.75"},
        P{"Q", p.q_l_per_h, "L/h/70 kg", "q2", p.q_l_per_h * per_hour, "L/min",
          "x (weight/70)^0.75"},
    };
    i.verification =
        "Parameters and the 10-min statements verified in the PubMed abstract; "
        "allometric exponents (0.75 / 1) and the weight range are opentiva's, not "
        "printed in the abstract.";
    i.variability = herd2007_variability();
    i.notes =
        "The abstract's 'half below 0.75 mg/L at 10 min after 1 mg/kg' is not reproduced: the "
        "typical value is 0.51 mg/L (32.5 kg), and between-subject variability does not close the "
        "gap (a simulated population with the abstract's variabilities and the study's weights "
        "has a median of 0.47 mg/L, about 98 % below 0.75). At 1.5 mg/kg the typical value is "
        "0.76 mg/L, which matches the statement: the abstract's dose or statement is the likely "
        "problem (docs/models.md).";
    return i;
  }();
  return info;
}

/// Herd 2007 for a child's weight (kg); route "iv" only.
inline Model herd2007(double weight_kg, const BuildOptions& o = {}) {
  const ModelInfo& info = herd2007_info();
  resolve(info, {{"weight_kg", weight_kg}}, o.extrapolate);
  KETASIM_CHECK(weight_kg > 0.0, info.key, "weight_kg", "> 0 kg", weight_kg, "kg");
  const Herd2007Published p;
  const double w = weight_kg / p.reference_weight_kg;
  const double sv = std::pow(w, p.exponent_v), scl = std::pow(w, p.exponent_cl);
  Model m = Model::two_compartment({.cl = p.cl_l_per_h * per_hour * scl,
                                    .v1 = p.v1_l * sv,
                                    .q2 = p.q_l_per_h * per_hour * scl,
                                    .v2 = p.v2_l * sv});
  apply_ke0(m, info, o);
  return m;
}

inline Model herd2007_from(const Covariates& given, const BuildOptions& o) {
  return herd2007(resolve(herd2007_info(), given, o.extrapolate).at("weight_kg"), o);
}

}  // namespace ketasim::models
