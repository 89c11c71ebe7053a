// Otto 2021: IV S-ketamine (esketamine) with S-norketamine in healthy adults. The S-ketamine
// disposition is Fanta 2015's (fixed in Otto 2021); the S-norketamine part was re-estimated.
//
// Source. Otto ME, Bergmann KR, Jacobs G, van Esdonk MJ. Predictive performance of
// parent-metabolite population pharmacokinetic models of (S)-ketamine in healthy volunteers.
// Eur J Clin Pharmacol 2021;77(8):1181-1192. doi:10.1007/s00228-021-03104-1.
// S-ketamine disposition: Fanta S, Kinnunen M, Backman JT, Kalso E. Population pharmacokinetics
// of S-ketamine and norketamine in healthy volunteers after intravenous and oral dosing. Eur J
// Clin Pharmacol 2015;71(4):441-447. doi:10.1007/s00228-015-1826-y, PMID 25724645.
//
// Verified: every value below against nlmixr2/nlmixr2lib inst/modeldb/specificDrugs/
// Otto_2021_s_ketamine.R (commit 946a2c5), which cites Otto 2021 Table 3 and the supplementary
// NONMEM code (THETA(1)-(6) fixed to Fanta 2015; the unrounded S-norketamine THETA(7)-(10) are
// used here, Table 3 prints them to 3 figures). Fanta 2015's abstract (S-ketamine CL 95 L/h/70 kg)
// read at go.drugbank.com/articles/A31885. The papers themselves could not be read here.
// Structure: S-ketamine 3 compartments; all S-ketamine clearance forms S-norketamine (fraction
// metabolised 1, mass in S-ketamine units, no molecular-weight conversion, as in the supplement);
// S-norketamine 2 compartments. Weight: (W/70)^1 on both central volumes, (W/70)^0.75 on both
// clearances; peripheral volumes and inter-compartmental clearances are not scaled (as run).
// Venous sampling. No ke0.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "ketasim/model.hpp"
#include "ketasim/models/info.hpp"
#include "ketasim/regimen.hpp"

namespace ketasim::models {

/// Otto 2021 Table 3 / supplement typical values at 70 kg (L, L/h).
struct Otto2021Published {
  // S-ketamine (Fanta 2015, fixed)
  double v1_l = 133.0;
  double cl_l_per_h = 95.2;
  double vp1_l = 187.0;
  double q1_l_per_h = 23.2;
  double vp2_l = 98.8;
  double q2_l_per_h = 157.0;
  // S-norketamine (Otto 2021; Table 3: 98.6, 57.7, 160, 42.8)
  double vn_l = 98.638;
  double cln_l_per_h = 57.72;
  double vpn_l = 160.04;
  double qn_l_per_h = 42.778;
  double reference_weight_kg = 70.0;
};

/// Otto 2021 Table 3 between-subject variability (omega^2 blocks) and residual error, with the
/// unrounded supplementary NONMEM values ($OMEGA BLOCK(2), $SIGMA) as transcribed in nlmixr2lib
/// Otto_2021_s_ketamine.R (commit 946a2c5).
inline PublishedVariability otto2021_variability() {
  const std::string src =
      "Otto 2021 Table 3 and supplementary NONMEM code (as transcribed in nlmixr2lib "
      "Otto_2021_s_ketamine.R, 946a2c5)";
  const std::string conv = "sd = sqrt(omega^2), supplement's unrounded omega^2";
  auto omega2 = [&](std::string name, std::string parameter, double printed, double unrounded) {
    return ParameterVariability{
        .published_name = std::move(name),
        .parameter = std::move(parameter),
        .scale = VariabilityScale::log_normal,
        .published = printed,
        .published_as = "omega^2 (supplement " + detail::fmt_number(unrounded, 6) + ")",
        .sd = std::sqrt(unrounded),
        .conversion = conv,
        .source = src};
  };
  PublishedVariability v;
  v.parameters = {
      omega2("Vd (S-ketamine)", "v1", 0.084, 0.084177),
      omega2("CL (S-ketamine)", "cl", 0.026, 0.026048),
      omega2("Vd (S-norketamine)", "vn", 0.040, 0.040426),
      omega2("CL (S-norketamine)", "cln", 0.103, 0.10319),
  };
  v.correlations = {
      {.a = "v1",
       .b = "cl",
       .published = 0.023,
       .published_as = "covariance omega(Vd, CL) (supplement 0.02261)",
       .correlation = 0.02261 / std::sqrt(0.084177 * 0.026048),
       .source = src},
      {.a = "vn",
       .b = "cln",
       .published = 0.044,
       .published_as = "covariance omega(Vd, CL) (supplement 0.04456)",
       .correlation = 0.04456 / std::sqrt(0.040426 * 0.10319),
       .source = src},
  };
  v.residuals = {
      {.analyte = "cp",
       .kind = ResidualKind::proportional,
       .proportional = std::sqrt(0.055736),
       .published = "sigma^2 0.056 (supplement 0.055736): proportional SD 0.236",
       .source = src},
      {.analyte = "s_norketamine",
       .kind = ResidualKind::proportional,
       .proportional = std::sqrt(0.020338),
       .published = "sigma^2 0.020 (supplement 0.020338): proportional SD 0.143",
       .source = src},
  };
  v.omitted = {
      "Vp1, Q1, Vp2, Q2 (S-ketamine) and Vp, Q (S-norketamine): no IIV in the model",
      "body weight: published per study as mean (SD) (68.0 (7.2) and 71.3 (8.5) kg), not as "
      "one distribution, so none is drawn: covariates=\"published\" is refused for otto2021 "
      "(give per-subject weights)",
      "Fanta 2015's own IIV (CL 13 %, oral F 11 %) is not used: Otto 2021 re-estimated the "
      "S-ketamine IIV on its own data",
  };
  return v;
}

inline const ModelInfo& otto2021_info() {
  static const ModelInfo info = [] {
    const Otto2021Published p;
    ModelInfo i;
    i.key = "otto2021";
    i.title = "Otto 2021 (Fanta 2015 S-ketamine)";
    i.citation =
        "Otto ME, Bergmann KR, Jacobs G, van Esdonk MJ. Predictive performance of "
        "parent-metabolite population pharmacokinetic models of (S)-ketamine in healthy "
        "volunteers. Eur J Clin Pharmacol 2021;77(8):1181-1192; S-ketamine disposition from "
        "Fanta S, Kinnunen M, Backman JT, Kalso E. Eur J Clin Pharmacol 2015;71(4):441-447 "
        "(doi:10.1007/s00228-015-1826-y, PMID 25724645)";
    i.doi = "10.1007/s00228-021-03104-1";
    i.drug = "S-ketamine (esketamine)";
    i.analyte = "S-ketamine (venous plasma)";
    i.metabolites = {"s_norketamine"};
    i.routes = {"iv"};
    i.population =
        "48 healthy adults from two studies (17: 10 mg S-ketamine IV over 30 min, weight 68.0 "
        "(SD 7.2) kg; 31: 2-h stepped infusions, 71.3 (SD 8.5) kg); S-ketamine parameters from "
        "Fanta 2015 (11 healthy men, 77 (SD 7.5) kg, IV bolus and oral)";
    i.sampling = "venous plasma";
    i.cp_site = "venous";
    i.covariates = {{.name = "weight_kg",
                     .unit = "kg",
                     .description = "total body weight",
                     .min = 45.0,
                     .max = 100.0,
                     .range_source = "ketasim's choice, about the studies' means +- 3 SD (the "
                                     "papers give mean and SD, not ranges)"}};
    i.ke0 = {
        Ke0Kind::none, std::nullopt,
        "none: PK only; for Ce pass a ke0 (1/min) (ke0_source sleigh2019 was fitted for racemic "
        "ketamine with another PK model)"};
    using P = PublishedParameter;
    i.parameters = {
        P{"V1 (S-ketamine)", p.v1_l, "L/70 kg", "v1", p.v1_l, "L", "x (weight/70); Fanta 2015"},
        P{"CL (S-ketamine)", p.cl_l_per_h, "L/h/70 kg", "cl", p.cl_l_per_h * per_hour, "L/min",
          "x (weight/70)^0.75; Fanta 2015"},
        P{"Vp1", p.vp1_l, "L", "vp1", p.vp1_l, "L", "Fanta 2015"},
        P{"Q1", p.q1_l_per_h, "L/h", "q1", p.q1_l_per_h * per_hour, "L/min", "Fanta 2015"},
        P{"Vp2", p.vp2_l, "L", "vp2", p.vp2_l, "L", "Fanta 2015"},
        P{"Q2", p.q2_l_per_h, "L/h", "q2", p.q2_l_per_h * per_hour, "L/min", "Fanta 2015"},
        P{"V (S-norketamine)", p.vn_l, "L/70 kg", "vn", p.vn_l, "L",
          "x (weight/70); Table 3 prints 98.6"},
        P{"CL (S-norketamine)", p.cln_l_per_h, "L/h/70 kg", "cln", p.cln_l_per_h * per_hour,
          "L/min", "x (weight/70)^0.75; Table 3 prints 57.7"},
        P{"Vp (S-norketamine)", p.vpn_l, "L", "vpn", p.vpn_l, "L", "Table 3 prints 160"},
        P{"Q (S-norketamine)", p.qn_l_per_h, "L/h", "qn", p.qn_l_per_h * per_hour, "L/min",
          "Table 3 prints 42.8"},
    };
    i.verification =
        "All values checked against nlmixr2lib Otto_2021_s_ketamine.R (946a2c5; Table 3 and the "
        "supplementary NONMEM code); Fanta 2015 CL in its abstract. Papers not readable here.";
    i.variability = otto2021_variability();
    i.notes =
        "S-norketamine is carried in S-ketamine mass units (fraction metabolised 1), as in "
        "the paper's code.";
    return i;
  }();
  return info;
}

/// Otto 2021 for a body weight (kg); route "iv"; analyte "s_norketamine".
inline Model otto2021(double weight_kg, const BuildOptions& o = {}) {
  const ModelInfo& info = otto2021_info();
  resolve(info, {{"weight_kg", weight_kg}}, o.extrapolate);
  KETASIM_CHECK(weight_kg > 0.0, info.key, "weight_kg", "> 0 kg", weight_kg, "kg");
  const Otto2021Published p;
  const double w = weight_kg / p.reference_weight_kg, w34 = std::pow(w, 0.75);
  Model m;
  m.add_compartment("central", p.v1_l * w, "v1")
      .add_compartment("peripheral1", p.vp1_l, "vp1")
      .add_compartment("peripheral2", p.vp2_l, "vp2")
      .add_compartment("s_norketamine", p.vn_l * w, "vn")
      .add_compartment("s_norketamine_peripheral", p.vpn_l, "vpn")
      .add_flow("central", "s_norketamine", p.cl_l_per_h * per_hour * w34, "cl")
      .add_exchange("central", "peripheral1", p.q1_l_per_h * per_hour, "q1")
      .add_exchange("central", "peripheral2", p.q2_l_per_h * per_hour, "q2")
      .add_clearance("s_norketamine", p.cln_l_per_h * per_hour * w34, "cln")
      .add_exchange("s_norketamine", "s_norketamine_peripheral", p.qn_l_per_h * per_hour, "qn")
      .set_plasma("central")
      .add_analyte("s_norketamine");
  apply_ke0(m, info, o);
  return m;
}

inline Model otto2021_from(const Covariates& given, const BuildOptions& o) {
  return otto2021(resolve(otto2021_info(), given, o.extrapolate).at("weight_kg"), o);
}

}  // namespace ketasim::models
