// Generates docs/models.md from the catalogue itself: one table of every model with each
// published number it reproduces (published value, ketasim's value, difference), then each
// model's provenance notes. `models_md` prints it; `--write FILE` writes it; `--check FILE`
// exits 1 when FILE differs from what the catalogue generates now.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "ketasim/models/catalogue.hpp"

namespace {

using namespace ketasim::models;

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
  if (r.claimed) return r.within() ? "reproduced (" + r.tolerance + ")" : "NOT REPRODUCED";
  if (r.tolerance == "none (context)") return "context only";
  return "documented gap";
}

std::string generate() {
  std::ostringstream o;
  o << "# Published ketamine models in ketasim\n\n"
    << "<!-- Generated from the catalogue (include/ketasim/models/) by "
       "tests/cpp/models/models_md.cpp. Do not edit by hand: run `cmake --build <build> "
       "--target update_models_md`. CTest fails when this file differs from what the catalogue "
       "generates. -->\n\n"
    << "Every model in `include/ketasim/models/` and `ks.models`, with each published number it "
       "is tested against: the value the source prints, ketasim's value (typical values, no "
       "between-subject variability) and the difference. The acceptance interval of each row "
       "was set from the source (a tolerance around a point, or a published range) before "
       "computing. Rows marked *documented gap* are numbers the model does not reach, kept "
       "visible with the reason; *context only* rows compare with another study's population "
       "and claim nothing. Intranasal doses of Perez-Ruixo 2021 follow the Spravato label "
       "(28-mg devices 5 minutes apart); the tests also check the all-devices-at-t = 0 "
       "convention.\n\n"
    << "ketasim is for research and teaching, not for dosing a patient.\n\n";

  o << "| Model | Drug | Routes | Population | Citation | ke0 source | Reproduced number | "
       "Regimen | Source | Published | ketasim | Difference | Status |\n"
    << "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& e : catalogue()) {
    const ModelInfo& i = e.info();
    bool first = true;
    for (const auto& r : e.reproduce()) {
      const std::string unit = r.unit.empty() ? "" : " " + r.unit;
      const auto d = r.difference_rel();
      char diff[32] = "";
      if (d) {
        // Rounded to 0.1 % first, so that a difference of -1e-12 prints as +0.0 %, not -0.0 %
        // (the file must not change with the last bits of the solver).
        const double pct = std::round(1000.0 * *d) / 10.0;
        std::snprintf(diff, sizeof diff, "%+.1f %%", pct == 0.0 ? 0.0 : pct);
      }
      o << "| "
        << (first ? "**" + i.key + "**" +
                        (i.published_model ? "" : " (composite, not a published model)")
                  : "")
        << " | " << (first ? cell(i.drug) : "") << " | " << (first ? join(i.routes) : "") << " | "
        << (first ? cell(i.population) : "") << " | " << (first ? cell(citation_cell(i)) : "")
        << " | " << (first ? ke0_cell(i) : "") << " | " << cell(r.quantity) << " | "
        << cell(r.regimen) << " | " << cell(r.source) << " | " << cell(r.published) << unit << " | "
        << num(r.ketasim) << unit << " | " << diff << " | " << status(r)
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
    o << ". Sampling: " << i.sampling << ".\n"
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

  o << "\n## Effect site\n\n"
    << "No model in the catalogue has a ke0 fitted in its own paper, and ketasim invents none: "
       "a model is built without an effect site unless the caller passes `ke0_per_min` or a "
       "named literature value. The values opentiva ships (ke0 back-computed from an assumed "
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

}  // namespace

int main(int argc, char** argv) {
  const std::string text = generate();
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode.empty()) {
    std::cout << text;
    return 0;
  }
  if (argc != 3 || (mode != "--write" && mode != "--check")) {
    std::cerr << "usage: models_md [--write FILE | --check FILE]\n";
    return 2;
  }
  if (mode == "--write") {
    std::ofstream(argv[2], std::ios::binary) << text;
    return 0;
  }
  std::ifstream in(argv[2], std::ios::binary);
  std::stringstream committed;
  committed << in.rdbuf();
  if (committed.str() == text) return 0;
  std::cerr << argv[2] << " differs from what the catalogue generates; run "
            << "`cmake --build <build> --target update_models_md` and commit the result\n";
  return 1;
}
