// Generates docs/models.md from the catalogue and its test oracle (reproductions.hpp): one table
// of every model with each published number it is checked against (the kind of check, published
// value, ketasim's value, difference), then each model's provenance notes. `models_md` prints
// it; `--write FILE` writes it; `--check FILE` exits 1 when FILE differs from what is generated
// now. `--json` instead of the Markdown gives the same rows as data (the file
// python/ketasim/reproductions.json that `ks.models.reproductions` reads, with no simulation).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "ketasim/models/catalogue.hpp"
#include "reproductions.hpp"

namespace {

using namespace ketasim::models;
using ketasim::test::Check;
using ketasim::test::Reproduction;

std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string ke0_cell(const ModelInfo& i) {
  std::string s(to_string(i.ke0.kind));
  if (i.ke0.ke0_per_min) s += " (" + num(*i.ke0.ke0_per_min) + " /min)";
  return s;
}

std::string citation_cell(const ModelInfo& i) {
  std::string s = i.citation;
  if (!i.doi.empty()) s += ". doi:" + i.doi;
  if (!i.pmid.empty()) s += ", PMID " + i.pmid;
  return s;
}

std::string status(const Reproduction& r) {
  if (r.claimed) {
    if (!r.within()) return "NOT WITHIN ITS INTERVAL";
    return (r.check == Check::reproduction ? "reproduced (" : "consistent (") + r.tolerance + ")";
  }
  if (r.is_context()) return "context only";
  return "documented gap";
}

std::string diff_text(const Reproduction& r) {
  const auto d = r.difference_rel();
  if (!d) return "";
  // Rounded to 0.1 % first, so that a difference of -1e-12 prints as +0.0 %, not -0.0 % (the
  // file must not change with the last bits of the solver).
  const double pct = std::round(1000.0 * *d) / 10.0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f %%", pct == 0.0 ? 0.0 : pct);
  return buf;
}

std::string generate() {
  std::ostringstream o;
  o << "# Published ketamine models in ketasim\n\n"
    << "<!-- Generated from the catalogue (include/ketasim/models/) by "
       "tests/cpp/models/models_md.cpp. Do not edit by hand: run `cmake --build <build> "
       "--target update_models_md`. CTest fails when this file differs from what the catalogue "
       "generates. -->\n\n"
    << "Every model in `include/ketasim/models/` and `ks.models`, with each published number it "
       "is tested against (tests/cpp/models/reproductions.hpp): the value the source prints, "
       "ketasim's value (typical values, no between-subject variability unless the row says "
       "so) and the difference. The *Check* column says what a row shows: a **reproduction** "
       "is a published number (a concentration, an exposure, a bioavailability, a time) "
       "computed by simulating the model; a **consistency check** reads back a published "
       "parameter, or a quantity the parameters fix algebraically (a rate constant, a "
       "clearance as dose / AUC, Vss as a sum of volumes): it shows the model was typed in "
       "right and says nothing about its predictions. The acceptance interval of each row "
       "was set from the source (a tolerance around a point, or a published range) before "
       "computing. Rows marked *documented gap* are numbers the model does not reach, kept "
       "visible with the reason; *context only* rows compare with another study's population "
       "and claim nothing. *Cp site* is where the concentration the model reports as Cp is "
       "(the one `ketasim compare` plots). Intranasal doses of Perez-Ruixo 2021 follow the "
       "Spravato label (28-mg devices 5 minutes apart); the tests also check the "
       "all-devices-at-t = 0 convention.\n\n"
    << "ketasim is for research and teaching, not for dosing a patient.\n\n";

  o << "| Model | Drug | Routes | Population | Citation | ke0 source | Cp site | Number | Check | "
       "Regimen | Source | Published | ketasim | Difference | Status |\n"
    << "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& e : catalogue()) {
    const ModelInfo& i = e.info();
    bool first = true;
    for (const auto& r : ketasim::test::reproductions(i.key)) {
      const std::string unit = r.unit.empty() ? "" : " " + r.unit;
      o << "| "
        << (first ? "**" + i.key + "**" +
                        (i.published_model ? "" : " (composite, not a published model)")
                  : "")
        << " | " << (first ? cell(i.drug) : "") << " | " << (first ? join(i.routes) : "") << " | "
        << (first ? cell(i.population) : "") << " | " << (first ? cell(citation_cell(i)) : "")
        << " | " << (first ? ke0_cell(i) : "") << " | " << (first ? i.cp_site : "") << " | "
        << cell(r.quantity) << " | " << ketasim::test::to_string(r.check) << " | "
        << cell(r.regimen) << " | " << cell(r.source) << " | " << cell(r.published) << unit << " | "
        << num(r.ketasim) << unit << " | " << diff_text(r) << " | " << status(r)
        << (r.note.empty() ? "" : ": " + cell(r.note)) << " |\n";
      first = false;
    }
  }

  o << "\n## Provenance, model by model\n";
  for (const auto& e : catalogue()) {
    const ModelInfo& i = e.info();
    o << "\n### " << i.key << " - " << i.title << "\n\n"
      << "- Citation: " << citation_cell(i) << ".\n"
      << "- Drug and analyte: " << i.drug << "; Cp is " << i.analyte;
    if (!i.metabolites.empty()) o << "; also reported: " << join(i.metabolites);
    o << ". Sampling: " << i.sampling << ". Cp site: " << i.cp_site << ".\n"
      << "- Routes: " << join(i.routes) << ".\n"
      << "- Population: " << i.population << ".\n"
      << "- Covariates:";
    for (const auto& c : i.covariates) {
      o << " `" << c.name << "` ";
      if (c.flag)
        o << "(0 or 1";
      else
        o << "(" << num(c.min) << "-" << num(c.max) << (c.unit.empty() ? "" : " " + c.unit);
      if (c.default_value) o << ", default " << num(*c.default_value);
      o << "; " << c.range_source << ");";
    }
    o << "\n- ke0: " << ke0_cell(i) << ". " << i.ke0.text << ".\n"
      << "- Verified: " << i.verification << "\n";
    if (!i.notes.empty()) o << "- Notes: " << i.notes << "\n";
    o << "\n| Parameter | Published | Unit as published | ketasim name | ketasim value | Unit | "
         "Note |\n|---|---|---|---|---|---|---|\n";
    for (const auto& p : i.parameters)
      o << "| " << cell(p.name) << " | " << num(p.published) << " | " << cell(p.published_unit)
        << " | " << cell(p.ketasim_name) << " | " << num(p.value) << " | " << p.unit << " | "
        << cell(p.note) << " |\n";
  }

  o << "\n## Between-subject variability and residual error, model by model\n\n"
    << "What each source publishes about spread, as ketasim carries it "
       "(include/ketasim/models/<key>.hpp, `ks.models.info(key)[\"variability\"]`) and as "
       "`ks.simulate_population(..., variability=\"published\")` and `ks.fit_individual` use "
       "it: the value as printed, the scale, the SD of eta after the stated conversion, "
       "correlations, residual error and the studied population's covariates. What a source "
       "leaves blank or ambiguous is listed and left out.\n";
  for (const auto& e : catalogue()) {
    const ModelInfo& i = e.info();
    const PublishedVariability& v = i.variability;
    o << "\n### " << i.key << " variability\n\n";
    if (!v.parameters.empty()) {
      o << "| Parameter (published) | ketasim parameter | Scale | Published | As | SD of eta | "
           "Conversion | Source |\n|---|---|---|---|---|---|---|---|\n";
      for (const auto& p : v.parameters)
        o << "| " << cell(p.published_name) << " | "
          << cell(p.parameter.empty() ? p.target + " (route fraction)" : p.parameter) << " | "
          << to_string(p.scale) << " | " << num(p.published) << " | " << cell(p.published_as)
          << " | " << num(p.sd) << " | " << cell(p.conversion) << " | " << cell(p.source) << " |\n";
    }
    for (const auto& c : v.correlations)
      o << "\n- Correlation " << c.a << " - " << c.b << ": " << num(c.correlation) << " ("
        << c.published_as << " " << num(c.published) << "; " << c.source << ").\n";
    for (const auto& r : v.residuals)
      o << "- Residual error on " << r.analyte << ": " << to_string(r.kind) << ", " << r.published
        << " (" << r.source << ").";
    for (const auto& c : v.covariates)
      o << "\n- Covariate `" << c.covariate << "` of the studied population: " << c.kind << ", "
        << c.published << " (" << c.source << ").\n";
    for (const auto& m : v.omitted) o << "- Left out: " << m << ".\n";
  }

  o << "\n### What the simulated spread is checked against\n\n"
    << "tests/python/test_variability.py and tests/python/test_fit.py, each comparison with its "
       "tolerance:\n\n"
    << "- otto2021: SD of log V1 and log CL over 4,000 subjects = sqrt(omega^2) of the "
       "supplement (0.290, 0.161), within 4 standard errors of a sample SD; their correlation "
       "0.483 +- 0.05.\n"
    << "- perezruixo2021: SD of log Vc over 2,000 subjects = sqrt(ln(1 + 0.275^2)) within 4 "
       "standard errors; each subject's FRn = expit(logit(0.54) + eta) (later devices x 0.62) "
       "exactly, eta's SD 0.708 within 4 standard errors; the exponential residual: SD of "
       "log(observed / Cp) = 0.276 within 4 standard errors. Median Cmax and AUC(0-24 h) of "
       "1,000 patients after 56 mg (72 ng/mL, 257 ng h/mL, examples/python/virtual_trial.py) "
       "sit at Table 4's typical values (72.5, 254.7).\n"
    << "- herd2007: the abstract's \"almost all the children will still have a serum "
       "concentration above 0.1 mg/L\" at 10 min after 1 mg/kg: at least 95 % of 4,000 "
       "children with the published variability and weights (reproduced); its \"half below "
       "0.75 mg/L\": not reproduced (documented gap above): the median is 0.46 +- 0.03 mg/L, "
       "the survey's independent Monte Carlo.\n"
    << "- Individual fits (otto2021, 20 mg IV bolus): the optimum and objective of an "
       "independent SciPy implementation of the same objective agree to 1e-6; 200 individuals "
       "drawn from the published prior with four samples each are within 1.96 standard errors "
       "of the truth in at least 90 % (V1 and CL separately).\n"
    << "- Not compared: percentiles or CVs of Cmax and AUC as published. Perez-Ruixo 2021 "
       "Table 4 gives typical values only; no visual predictive check or label Cmax/AUC "
       "variability (Spravato section 12.3) could be read here.\n";

  o << "\n## Effect site\n\n"
    << "No model in the catalogue has a ke0 fitted in its own paper, and ketasim invents none: "
       "a model is built without an effect site unless the caller passes a ke0 (a number, "
       "1/min: `ke0=` in Python, `ke0_per_min` in C++) or a literature `ke0_source`. The values "
       "opentiva ships (ke0 back-computed from an assumed "
       "1-minute time to peak) and stanpumpR's \"just a guess\" time to peak are not offered. "
       "Named literature values:\n\n";
  for (const auto& k : literature_ke0s())
    o << "- `" << k.key << "`: t1/2 ke0 " << num(k.t_half_s)
      << " s, ke0 = ln 2 / t1/2 = " << num(k.ke0_per_min) << " /min; " << k.endpoint << ". "
      << k.citation << ". Caveat: " << k.caveat << ".\n";
  o << "\nThe effect-site concentration is the equilibration of the brain with plasma that the "
       "EEG follows within minutes. The antidepressant response to ketamine or esketamine is "
       "not a concentration effect: it appears hours later and lasts days after the drug is "
       "gone.\n";
  return o.str();
}

std::string json_string(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\')
      out += std::string("\\") + c;
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out + "\"";
}

// 6 significant digits: enough for every row, and the file does not change with the last bits of
// the solver. Infinite bounds (an open side) are null.
std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string generate_json() {
  std::ostringstream o;
  o << "{\n  \"generated_by\": \"tests/cpp/models/models_md.cpp --json from "
       "tests/cpp/models/reproductions.hpp; do not edit by hand\",\n  \"models\": {";
  bool first_model = true;
  for (const auto& e : catalogue()) {
    const ModelInfo& i = e.info();
    o << (first_model ? "" : ",") << "\n    " << json_string(i.key) << ": [";
    first_model = false;
    bool first = true;
    for (const auto& r : ketasim::test::reproductions(i.key)) {
      const auto d = r.difference_rel();
      o << (first ? "" : ",") << "\n      {\"quantity\": " << json_string(r.quantity)
        << ", \"regimen\": " << json_string(r.regimen) << ", \"unit\": " << json_string(r.unit)
        << ", \"published\": " << json_string(r.published) << ", \"published_value\": "
        << (r.published_value ? json_number(*r.published_value) : "null")
        << ", \"low\": " << json_number(r.low) << ", \"high\": " << json_number(r.high)
        << ", \"tolerance\": " << json_string(r.tolerance)
        << ", \"source\": " << json_string(r.source) << ", \"ketasim\": " << json_number(r.ketasim)
        << ", \"difference_rel\": " << (d ? json_number(*d) : "null")
        << ", \"check\": " << json_string(std::string(ketasim::test::to_string(r.check)))
        << ", \"claimed\": " << (r.claimed ? "true" : "false")
        << ", \"within\": " << (r.within() ? "true" : "false")
        << ", \"status\": " << json_string(status(r)) << ", \"note\": " << json_string(r.note)
        << "}";
      first = false;
    }
    o << "\n    ]";
  }
  o << "\n  }\n}\n";
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool json = !args.empty() && args[0] == "--json";
  if (json) args.erase(args.begin());
  const std::string text = json ? generate_json() : generate();
  const std::string mode = args.empty() ? "" : args[0];
  if (mode.empty()) {
    std::cout << text;
    return 0;
  }
  if (args.size() != 2 || (mode != "--write" && mode != "--check")) {
    std::cerr << "usage: models_md [--json] [--write FILE | --check FILE]\n";
    return 2;
  }
  if (mode == "--write") {
    std::ofstream(args[1], std::ios::binary) << text;
    return 0;
  }
  std::ifstream in(args[1], std::ios::binary);
  std::stringstream committed;
  committed << in.rdbuf();
  if (committed.str() == text) return 0;
  std::cerr << args[1] << " differs from what the catalogue generates; run "
            << "`cmake --build <build> --target update_models_md` and commit the result\n";
  return 1;
}
