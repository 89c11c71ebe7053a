// Perez-Ruixo 2021: esketamine nasal spray (Spravato), IV and oral, with noresketamine; a
// three-compartment model with a hepato-portal (liver) compartment for first-pass metabolism.
//
// Source. Perez-Ruixo C, Rossenu S, Zannikos P, Nandy P, Singh J, Drevets WC, Perez-Ruixo JJ.
// Population pharmacokinetics of esketamine nasal spray and its metabolite noresketamine in
// healthy subjects and patients with treatment-resistant depression. Clin Pharmacokinet
// 2021;60(4):501-516. doi:10.1007/s40262-020-00953-4, PMID 33128208.
//
// Verified: the paper itself could not be read here. Every Table 3 value below was checked
// against nlmixr2/nlmixr2lib inst/modeldb/specificDrugs/PerezRuixo_2020_esketamine.R (commit
// 00785fd), which cites the table row by row, and the Table 4 exposures against the same
// project's vignette (commit 31b692f). The abstract (FRn 54 %, 18.6 % of the swallowed dose
// systemic, F 54 % / 51 % at 56 / 84 mg, Vss 752 L, CL 114 L/h) was read directly.
//
// Structure (Section 2.3 and Fig. 1 as traced by nlmixr2lib):
//  - esketamine: central (Vc) + 2 peripherals (Q1/Vp1, Q2/Vp2) + liver (Vh) exchanging with
//    central at hepatic blood flow Qh; elimination only from the liver: kel (other metabolites,
//    out of the body) and kmet (to noresketamine);
//  - intranasal: per device, a fraction FRn is absorbed through the nasal mucosa (first order
//    ka_n into central); the rest, (1 - FRn), is swallowed: Fgut of it enters a gut depot at a
//    zero-order rate over Dsw and then the liver at first order ka_sw. FRn is 0.54 for the first
//    28-mg device of a session and 0.54 x 0.62 for each later device; Japanese x 1.34;
//  - oral solution: Fgut over Dpo into a gut depot, then ka_po into the liver;
//  - IV: into central;
//  - noresketamine: 2-compartment apparent model (Vcn/F, CLn/F, Q3/F, Vpn/F) fed by kmet x A_liver,
//    carried in esketamine mass units (no molecular-weight conversion), reported as an analyte.
// Derived (no simulation): E = Vh(kel + kmet) / (Qh + Vh(kel + kmet)) = 0.722, CL = Qh E =
// 109 L/h (abstract: 114 L/h), F_swallowed = Fgut (1 - E) = 0.178 (abstract: 18.6 %).
//
// Known discrepancies (recorded, not corrected):
//  - Table 3 prints ka_n, ka_sw, ka_po, kel and kmet in "L/h" and Dpo in "h/L": unit typos; they
//    are 1/h and h (nlmixr2lib's reading, adopted here).
//  - The abstract's CL 114 L/h against Qh E = 109 L/h from Table 3 (4.4 %).
//  - Noresketamine AUC(0-24 h) of Table 4 is not reproducible from Table 3 (nlmixr2lib: 1.38-1.56x
//    over; the IIV of kmet is blank in Table 3 and the metabolite volume scaling is ambiguous);
//    the tests reproduce the noresketamine Cmax and show the AUC gap in docs/models.md.
//  - Vss 752 L in the abstract is Vc + Vp1 + Vp2 (the liver volume is not counted).
//
// Covariates: age (Qh falls 2.19 L/h per year above 60), Asian (kel x 0.36, CLn/F x 0.81),
// Japanese (FRn x 1.34). Body weight was screened and not retained. No ke0: the paper is PK only.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "ketasim/model.hpp"
#include "ketasim/models/info.hpp"
#include "ketasim/regimen.hpp"

namespace ketasim::models {

/// Perez-Ruixo 2021 Table 3 typical values, in the paper's units (time h, volume L).
struct PerezRuixo2021Table3 {
  double frn = 0.54;           ///< fraction of a 28-mg device absorbed nasally
  double frn_later = 0.62;     ///< factor on FRn for the 2nd and later devices of a session
  double frn_japanese = 1.34;  ///< factor on FRn, Japanese
  double ka_n_per_h = 2.93;    ///< nasal absorption (printed "L/h": typo)
  double dsw_h = 0.53;         ///< zero-order duration, swallowed part
  double ka_sw_per_h = 1.45;   ///< swallowed part, gut -> liver (printed "L/h")
  double dpo_h = 0.32;         ///< zero-order duration, oral solution (printed "h/L")
  double ka_po_per_h = 0.97;   ///< oral solution, gut -> liver (printed "L/h")
  double fgut = 0.64;          ///< fraction of a swallowed dose escaping gut metabolism
  double vc_l = 192.0;
  double q1_l_per_h = 84.3;
  double vp1_l = 143.0;
  double q2_l_per_h = 37.6;
  double vp2_l = 417.0;
  double qh_l_per_h = 151.0;            ///< hepatic blood flow
  double qh_age_l_per_h_per_yr = 2.19;  ///< decrease per year of age above 60
  double vh_l = 101.0;
  double kel_per_h = 1.11;  ///< liver -> other metabolites (printed "L/h")
  double kel_asian = 0.36;
  double kmet_per_h = 2.77;   ///< liver -> noresketamine (printed "L/h")
  double vcn_l = 70.0;        ///< noresketamine Vcn/F
  double cln_l_per_h = 38.0;  ///< noresketamine CLn/F
  double cln_asian = 0.81;
  double vpn_l = 115.0;      ///< noresketamine Vpn/F
  double q3_l_per_h = 26.1;  ///< noresketamine Q3/F
};

struct PerezRuixo2021Covariates {
  double age_yr = 45.0;  ///< 18-86 y in the data; default: the population median
  bool asian = false;
  bool japanese = false;  ///< Japanese subjects are Asian: needs asian = true
};

/// Perez-Ruixo 2021 Table 3 between-subject variability and residual error (the paper's own
/// table could not be read here: every number as transcribed row by row in nlmixr2lib
/// PerezRuixo_2020_esketamine.R, commit 00785fd, which cites Table 3 and Section 2.4), and the
/// studied population's Asian and Japanese shares (Table 2 via the same file; abstract).
inline PublishedVariability perezruixo2021_variability() {
  const std::string t3 =
      "Perez-Ruixo 2021 Table 3 (as transcribed in nlmixr2lib PerezRuixo_2020_esketamine.R, "
      "00785fd; page not traced)";
  const std::string cv = "sd = sqrt(ln(1 + CV^2)) (exponential IIV, Section 2.4)";
  auto lognormal = [&](std::string name, std::string parameter, double cv_percent) {
    return ParameterVariability{.published_name = std::move(name),
                                .parameter = std::move(parameter),
                                .scale = VariabilityScale::log_normal,
                                .published = cv_percent,
                                .published_as = "%CV",
                                .sd = log_sd_from_cv(cv_percent),
                                .conversion = cv,
                                .source = t3};
  };
  PublishedVariability v;
  v.parameters = {
      {.published_name = "FRn",
       .parameter = "",
       .target = "intranasal.nasal.fraction",
       .scale = VariabilityScale::logit_normal,
       .published = 70.8,
       .published_as = "omega printed as 70.8 in the %CV column; the IIV is additive on the logit "
                       "scale (Section 2.4)",
       .sd = 0.708,
       .conversion = "read as SD 0.708 of eta on logit(FRn) (nlmixr2lib's reading: a %CV has no "
                     "meaning for a logit-additive eta); the Japanese factor 1.34 and the 0.62 "
                     "of later devices multiply the varied FRn",
       .source = t3},
      lognormal("ka,n", "intranasal.nasal.ka", 61.5),
      lognormal("ka,sw", "intranasal.swallowed.ka", 132.0),
      lognormal("ka,po", "oral.ka", 132.0),
      lognormal("Vc", "vc", 27.5),
      lognormal("Vp1", "vp1", 49.3),
      lognormal("Qh", "qh", 23.2),
      lognormal("Vh", "vh", 34.6),
      lognormal("kel", "kel", 120.0),
      lognormal("Vcn/F", "vcn", 31.6),
      lognormal("CLn/F", "cln", 25.4),
  };
  v.residuals = {
      {.analyte = "cp",
       .kind = ResidualKind::exponential,
       .exponential = 0.276,
       .published = "27.6 % (phase I/II), additive error on log-transformed data: SD 0.276 on "
                    "the log scale",
       .source = t3},
      {.analyte = "noresketamine",
       .kind = ResidualKind::exponential,
       .exponential = 0.422,
       .published = "42.2 % (phase I/II), additive error on log-transformed data: SD 0.422 on "
                    "the log scale",
       .source = t3},
  };
  v.covariates = {
      {.covariate = "asian",
       .kind = "bernoulli",
       .mean = 112.0 / 820.0,
       .published = "112 of 820 subjects Asian (13.7 %)",
       .source = "Perez-Ruixo 2021 Table 2 and abstract"},
      {.covariate = "japanese",
       .kind = "bernoulli",
       .mean = 72.0 / 112.0,
       .given_flag = "asian",
       .published = "72 of the 112 Asian subjects Japanese",
       .source = "Perez-Ruixo 2021 Table 2 and abstract"},
  };
  v.omitted = {
      "kmet: Section 2.4 says it has IIV, but its value is blank in Table 3; ketasim leaves it "
      "out (nlmixr2lib substitutes a 30 % placeholder; ketasim invents none)",
      "no correlations between etas are reported (independent etas)",
      "residual error of the phase III studies: reported separately in Table 3, not traced "
      "here; the phase I/II values are used",
      "age: only the median (45 y) and the range (18-86 y) are published, not a distribution; "
      "covariates=\"published\" keeps the age you give (default 45)",
      "Dsw, Dpo, Fgut, Q1, Q2, Vp2, Vpn/F, Q3/F: no IIV in the model",
  };
  return v;
}

inline const ModelInfo& perezruixo2021_info() {
  static const ModelInfo info = [] {
    const PerezRuixo2021Table3 t;
    ModelInfo i;
    i.key = "perezruixo2021";
    i.title = "Perez-Ruixo 2021";
    i.citation =
        "Perez-Ruixo C, Rossenu S, Zannikos P, Nandy P, Singh J, Drevets WC, Perez-Ruixo JJ. "
        "Population pharmacokinetics of esketamine nasal spray and its metabolite noresketamine "
        "in healthy subjects and patients with treatment-resistant depression. Clin "
        "Pharmacokinet 2021;60(4):501-516";
    i.doi = "10.1007/s40262-020-00953-4";
    i.pmid = "33128208";
    i.drug = "esketamine";
    i.analyte = "esketamine (plasma)";
    i.metabolites = {"noresketamine"};
    i.routes = {"intranasal", "iv", "oral"};
    i.population =
        "820 subjects, 13 studies: 256 healthy volunteers (phase I) and 564 patients with "
        "treatment-resistant depression (phase II/III); age 18-86 y (median 45), weight 39-170 kg "
        "(median 74), 58.4 % female, 13.7 % Asian (72 Japanese); nasal 14-112 mg (28-mg "
        "devices), IV 28 mg, oral 84 mg";
    i.sampling = "venous plasma";
    i.cp_site = "venous";
    i.covariates = {
        {.name = "age_yr",
         .unit = "y",
         .description = "age (hepatic blood flow falls 2.19 L/h per year above 60)",
         .min = 18.0,
         .max = 86.0,
         .default_value = 45.0,
         .range_source = "Perez-Ruixo 2021 Table 2, age range of the 820 subjects; default 45 y, "
                         "the median"},
        {.name = "asian",
         .unit = "",
         .description = "Asian (kel x 0.36, noresketamine CLn/F x 0.81)",
         .min = 0.0,
         .max = 1.0,
         .default_value = 0.0,
         .flag = true,
         .range_source = "flag"},
        {.name = "japanese",
         .unit = "",
         .description = "Japanese, implies asian (nasal FRn x 1.34)",
         .min = 0.0,
         .max = 1.0,
         .default_value = 0.0,
         .flag = true,
         .range_source = "flag"},
    };
    i.ke0 = {Ke0Kind::none, std::nullopt,
             "none: the paper is a PK model only; for Ce pass a ke0 (1/min) or a literature "
             "ke0_source (sleigh2019 was fitted for racemic ketamine with another PK model)"};
    using P = PublishedParameter;
    i.parameters = {
        P{"FRn", t.frn, "", "", t.frn, "",
          "per 28-mg device; route fraction, not a named parameter"},
        P{"dose effect on FRn", t.frn_later, "", "", t.frn_later, "",
          "x FRn for the 2nd and later devices of a session"},
        P{"Japanese on FRn", t.frn_japanese, "", "", t.frn_japanese, "", "x FRn"},
        P{"ka,n", t.ka_n_per_h, "1/h (printed L/h)", "intranasal.nasal.ka", t.ka_n_per_h * per_hour,
          "1/min", ""},
        P{"Dsw", t.dsw_h, "h", "intranasal.swallowed.duration", t.dsw_h * hours, "min", ""},
        P{"ka,sw", t.ka_sw_per_h, "1/h (printed L/h)", "intranasal.swallowed.ka",
          t.ka_sw_per_h * per_hour, "1/min", ""},
        P{"Dpo", t.dpo_h, "h (printed h/L)", "oral.duration", t.dpo_h * hours, "min", ""},
        P{"ka,po", t.ka_po_per_h, "1/h (printed L/h)", "oral.ka", t.ka_po_per_h * per_hour, "1/min",
          ""},
        P{"Fgut", t.fgut, "", "intranasal.swallowed.f, oral.f", t.fgut, "", ""},
        P{"Vc", t.vc_l, "L", "vc", t.vc_l, "L", ""},
        P{"Q1", t.q1_l_per_h, "L/h", "q1", t.q1_l_per_h * per_hour, "L/min", ""},
        P{"Vp1", t.vp1_l, "L", "vp1", t.vp1_l, "L", ""},
        P{"Q2", t.q2_l_per_h, "L/h", "q2", t.q2_l_per_h * per_hour, "L/min", ""},
        P{"Vp2", t.vp2_l, "L", "vp2", t.vp2_l, "L", ""},
        P{"Qh", t.qh_l_per_h, "L/h", "qh", t.qh_l_per_h * per_hour, "L/min",
          "- 2.19 L/h per year of age above 60"},
        P{"Vh", t.vh_l, "L", "vh", t.vh_l, "L", ""},
        P{"kel", t.kel_per_h, "1/h (printed L/h)", "kel", t.kel_per_h * per_hour, "1/min",
          "x 0.36 Asian"},
        P{"kmet", t.kmet_per_h, "1/h (printed L/h)", "kmet", t.kmet_per_h * per_hour, "1/min", ""},
        P{"Vcn/F", t.vcn_l, "L", "vcn", t.vcn_l, "L", "noresketamine"},
        P{"CLn/F", t.cln_l_per_h, "L/h", "cln", t.cln_l_per_h * per_hour, "L/min",
          "noresketamine; x 0.81 Asian"},
        P{"Vpn/F", t.vpn_l, "L", "vpn", t.vpn_l, "L", "noresketamine"},
        P{"Q3/F", t.q3_l_per_h, "L/h", "q3", t.q3_l_per_h * per_hour, "L/min", "noresketamine"},
    };
    i.verification =
        "Table 3 values checked against nlmixr2lib PerezRuixo_2020_esketamine.R (commit 00785fd), "
        "which cites each table row; Table 4 values against the nlmixr2lib vignette (commit "
        "31b692f); abstract numbers read directly. The paper's own tables could not be read here. "
        "Rate-constant units printed as L/h and Dpo as h/L in Table 3 are read as 1/h and h.";
    i.variability = perezruixo2021_variability();
    i.notes =
        "Nasal devices: each 28-mg device is a dose at its own position in the session "
        "(Regimen.nasal_spray); FRn applies per device. Noresketamine is in esketamine mass "
        "units with apparent volumes (V/F), as in the paper. Noresketamine AUC(0-24 h) of Table 4 "
        "is not reproducible from Table 3 (see the table).";
    return i;
  }();
  return info;
}

/// Builds the Perez-Ruixo 2021 model for one subject's covariates (typical values). Routes
/// "intranasal" (dose each 28-mg device separately: Regimen::nasal_spray), "iv", "oral".
inline Model perezruixo2021(const PerezRuixo2021Covariates& c = {}, const BuildOptions& o = {}) {
  const ModelInfo& info = perezruixo2021_info();
  const Covariates cov = resolve(
      info,
      {{"age_yr", c.age_yr}, {"asian", c.asian ? 1.0 : 0.0}, {"japanese", c.japanese ? 1.0 : 0.0}},
      o.extrapolate);
  KETASIM_CHECK(!c.japanese || c.asian, info.key, "japanese",
                "0 unless asian is 1 (the paper's Japanese subjects are Asian)", 1);
  const PerezRuixo2021Table3 t;
  const double age = cov.at("age_yr");
  const double qh_l_per_h = t.qh_l_per_h - t.qh_age_l_per_h_per_yr * std::max(0.0, age - 60.0);
  const double kel = t.kel_per_h * (c.asian ? t.kel_asian : 1.0);
  const double cln = t.cln_l_per_h * (c.asian ? t.cln_asian : 1.0);
  const double frn1 = t.frn * (c.japanese ? t.frn_japanese : 1.0);
  const double frn2 = frn1 * t.frn_later;

  Model m;
  m.add_compartment("central", t.vc_l, "vc")
      .add_compartment("peripheral1", t.vp1_l, "vp1")
      .add_compartment("peripheral2", t.vp2_l, "vp2")
      .add_compartment("liver", t.vh_l, "vh")
      .add_compartment("noresketamine", t.vcn_l, "vcn")
      .add_compartment("noresketamine_peripheral", t.vpn_l, "vpn")
      .add_exchange("central", "peripheral1", t.q1_l_per_h * per_hour, "q1")
      .add_exchange("central", "peripheral2", t.q2_l_per_h * per_hour, "q2")
      .add_exchange("central", "liver", qh_l_per_h * per_hour, "qh")
      .add_elimination("liver", kel * per_hour, "kel")
      .add_transfer("liver", "noresketamine", t.kmet_per_h * per_hour, "kmet")
      .add_clearance("noresketamine", cln * per_hour, "cln")
      .add_exchange("noresketamine", "noresketamine_peripheral", t.q3_l_per_h * per_hour, "q3")
      .set_plasma("central")
      .add_analyte("noresketamine");
  m.with_route("intranasal",
               std::vector<Absorption>{{.ka = t.ka_n_per_h * per_hour,
                                        .f = 1.0,
                                        .fraction_by_position = {frn1, frn2},
                                        .target = "central",
                                        .name = "nasal"},
                                       {.ka = t.ka_sw_per_h * per_hour,
                                        .f = t.fgut,
                                        .duration = t.dsw_h * hours,
                                        .fraction_by_position = {1.0 - frn1, 1.0 - frn2},
                                        .target = "liver",
                                        .name = "swallowed"}});
  m.with_route("oral", Absorption{.ka = t.ka_po_per_h * per_hour,
                                  .f = t.fgut,
                                  .duration = t.dpo_h * hours,
                                  .target = "liver"});
  apply_ke0(m, info, o);
  return m;
}

/// Builds from a covariate map (age_yr, asian, japanese), as the catalogue does.
inline Model perezruixo2021_from(const Covariates& given, const BuildOptions& o) {
  const Covariates c = resolve(perezruixo2021_info(), given, o.extrapolate);
  return perezruixo2021({.age_yr = c.at("age_yr"),
                         .asian = c.at("asian") == 1.0,
                         .japanese = c.at("japanese") == 1.0},
                        o);
}

}  // namespace ketasim::models
