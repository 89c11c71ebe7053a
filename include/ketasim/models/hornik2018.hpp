// Hornik 2018: IV (and, in the paper, IM) racemic ketamine in children; two compartments,
// allometric weight scaling to 70 kg.
//
// Source. Hornik CP, et al., for the Pediatric Trials Network Steering Committee. Population
// pharmacokinetics of intramuscular and intravenous ketamine in children. J Clin Pharmacol 2018.
// doi:10.1002/jcph.1116, PMID 29677389 (DOI and PMID as cited by opentiva; title and authorship
// verified in the abstract at scholars.northwestern.edu; co-authors, volume and pages not).
//
// Verified in the abstract: 113 children (50 IM, 63 IV), median age 3.3 y (0.02-17.6), median
// weight 14 kg (2.4-176.1), 275 samples; 2-compartment model with first-order IM absorption;
// allometric weight on volumes (exponent 1) and on CL and Q (exponent 0.75); IM bioavailability
// 41 %; "doses of 2 mg/kg intravenously ... provide adequate sedation (plasma ketamine
// concentrations > 750 ng/mL) for procedures lasting up to 20 minutes".
// Not verified: the typical values V1 32.8, V2 152 L/70 kg, CL 38.9, Q 54.9 L/h/70 kg are
// opentiva's (opentiva/ketamine.py, class Hornik, commit 4c6b38c), not read in the paper.
// Not built: the IM route. Its bioavailability (41 %) is in the abstract but its absorption rate
// constant could not be traced, and ketasim invents no parameter.
// ke0: none published; opentiva's 4.212 /min is back-computed from an assumed 1-min time to peak.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "ketasim/model.hpp"
#include "ketasim/models/info.hpp"
#include "ketasim/regimen.hpp"

namespace ketasim::models {

/// Hornik 2018 typical values standardised to 70 kg (opentiva's transcription).
struct Hornik2018Published {
  double v1_l = 32.8;
  double v2_l = 152.0;
  double cl_l_per_h = 38.9;
  double q_l_per_h = 54.9;
  double reference_weight_kg = 70.0;
  double exponent_cl = 0.75;  ///< abstract
  double exponent_v = 1.0;    ///< abstract
  double f_im = 0.41;         ///< abstract; the IM route is not built (ka not traced)
};

inline const ModelInfo& hornik2018_info() {
  static const ModelInfo info = [] {
    const Hornik2018Published p;
    ModelInfo i;
    i.key = "hornik2018";
    i.title = "Hornik 2018";
    i.citation =
        "Hornik CP, et al., for the Pediatric Trials Network Steering Committee. Population "
        "pharmacokinetics of intramuscular and intravenous ketamine in children. J Clin "
        "Pharmacol 2018";
    i.doi = "10.1002/jcph.1116";
    i.pmid = "29677389";
    i.drug = "racemic ketamine";
    i.analyte = "ketamine (plasma)";
    i.routes = {"iv"};
    i.population =
        "113 children (50 IM, 63 IV), median age 3.3 y (0.02-17.6), median weight "
        "14 kg (2.4-176.1), 275 plasma samples";
    i.sampling = "plasma (site not verified)";
    i.cp_site = "not stated";
    i.covariates = {{.name = "weight_kg",
                     .unit = "kg",
                     .description = "total body weight",
                     .min = 2.4,
                     .max = 176.1,
                     .range_source = "Hornik 2018 abstract, weight range of the 113 children"}};
    i.ke0 = {
        Ke0Kind::none, std::nullopt,
        "none published (opentiva's 4.212 /min is back-computed from an assumed 1-min time "
        "to peak, not offered); for Ce pass a ke0 (1/min) or ke0_source=\"sleigh2019\" (adults)"};
    using P = PublishedParameter;
    i.parameters = {
        P{"V1", p.v1_l, "L/70 kg", "v1", p.v1_l, "L", "x (weight/70)^1; value opentiva's"},
        P{"V2", p.v2_l, "L/70 kg", "v2", p.v2_l, "L", "x (weight/70)^1; value opentiva's"},
        P{"CL", p.cl_l_per_h, "L/h/70 kg", "cl", p.cl_l_per_h * per_hour, "L/min",
          "x (weight/70)^0.75; value opentiva's"},
        P{"Q", p.q_l_per_h, "L/h/70 kg", "q2", p.q_l_per_h * per_hour, "L/min",
          "x (weight/70)^0.75; value opentiva's"},
        P{"F (IM)", p.f_im, "", "", p.f_im, "", "abstract; IM route not built (ka not traced)"},
    };
    i.verification =
        "Structure, exponents, IM F and the dosing statement verified in the "
        "abstract; typical values from opentiva (not checked against the paper); "
        "IM absorption rate not found, so no IM route.";
    i.variability.omitted = {
        "between-subject variability and residual error: not in the abstract, and the paper's "
        "table could not be read here (opentiva carries typical values only); none is given rather "
        "than one invented"};
    return i;
  }();
  return info;
}

/// Hornik 2018 for a child's weight (kg); route "iv" only.
inline Model hornik2018(double weight_kg, const BuildOptions& o = {}) {
  const ModelInfo& info = hornik2018_info();
  resolve(info, {{"weight_kg", weight_kg}}, o.extrapolate);
  KETASIM_CHECK(weight_kg > 0.0, info.key, "weight_kg", "> 0 kg", weight_kg, "kg");
  const Hornik2018Published p;
  const double w = weight_kg / p.reference_weight_kg;
  const double sv = std::pow(w, p.exponent_v), scl = std::pow(w, p.exponent_cl);
  Model m = Model::two_compartment({.cl = p.cl_l_per_h * per_hour * scl,
                                    .v1 = p.v1_l * sv,
                                    .q2 = p.q_l_per_h * per_hour * scl,
                                    .v2 = p.v2_l * sv});
  apply_ke0(m, info, o);
  return m;
}

inline Model hornik2018_from(const Covariates& given, const BuildOptions& o) {
  return hornik2018(resolve(hornik2018_info(), given, o.extrapolate).at("weight_kg"), o);
}

}  // namespace ketasim::models
