// The WebAssembly face of the core for the teaching page (web/index.html): embind functions that
// list the catalogue and simulate one arm (catalogue model, regimen, output grid, onset metrics),
// returning the library's own InvalidInput message, and where it was raised, instead of throwing.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <exception>
#include <string>
#include <vector>

#include "ketasim/error.hpp"
#include "ketasim/exact.hpp"
#include "ketasim/models/catalogue.hpp"
#include "ketasim/onset.hpp"
#include "ketasim/regimen.hpp"

namespace {

using emscripten::val;

/// A number from a JavaScript object; a missing or non-numeric property is NaN, which the
/// library's checks then reject with their own message.
double number(const val& o, const char* name) {
  const val v = o[name];
  return v.typeOf().as<std::string>() == "number" ? v.as<double>() : std::nan("");
}

std::string text(const val& o, const char* name) {
  const val v = o[name];
  return v.typeOf().as<std::string>() == "string" ? v.as<std::string>() : std::string();
}

val optional_number(const std::optional<double>& v) { return v ? val(*v) : val::null(); }

val float64_array(const std::vector<double>& v) {
  return val::global("Float64Array")
      .new_(emscripten::typed_memory_view(v.size(), v.data()))
      .call<val>("slice");
}

/// Every catalogue model with what the page shows and asks: covariates and their ranges,
/// routes, drug, citation.
val catalogue() {
  val out = val::array();
  for (const auto& e : ketasim::models::catalogue()) {
    const auto& i = e.info();
    val m = val::object();
    m.set("key", i.key);
    m.set("title", i.title);
    m.set("citation", i.citation);
    m.set("doi", i.doi);
    m.set("pmid", i.pmid);
    m.set("drug", i.drug);
    m.set("analyte", i.analyte);
    m.set("population", i.population);
    m.set("cp_site", i.cp_site);
    m.set("published_model", i.published_model);
    m.set("ke0_kind", std::string(ketasim::models::to_string(i.ke0.kind)));
    val routes = val::array();
    for (const auto& r : i.routes) routes.call<void>("push", r);
    m.set("routes", routes);
    val covs = val::array();
    for (const auto& c : i.covariates) {
      val cv = val::object();
      cv.set("name", c.name);
      cv.set("unit", c.unit);
      cv.set("description", c.description);
      cv.set("min", c.min);
      cv.set("max", c.max);
      cv.set("default_value", optional_number(c.default_value));
      cv.set("flag", c.flag);
      covs.call<void>("push", cv);
    }
    m.set("covariates", covs);
    out.call<void>("push", m);
  }
  return out;
}

/// The named literature ke0 values (ketasim::models::literature_ke0s()).
val literature_ke0() {
  val out = val::array();
  for (const auto& k : ketasim::models::literature_ke0s()) {
    val o = val::object();
    o.set("key", k.key);
    o.set("t_half_s", k.t_half_s);
    o.set("ke0_per_min", k.ke0_per_min);
    o.set("endpoint", k.endpoint);
    o.set("citation", k.citation);
    o.set("caveat", k.caveat);
    out.call<void>("push", o);
  }
  return out;
}

/// The presets of the intranasal racemic composite (F and ka with their sources).
val nasal_presets() {
  val out = val::array();
  for (const auto& p : ketasim::models::nasal_presets()) {
    val o = val::object();
    o.set("key", p.key);
    o.set("f", p.absorption.f);
    o.set("ka_per_min", p.absorption.ka_per_min);
    o.set("tmax_min", p.tmax_min);
    o.set("source", p.source);
    out.call<void>("push", o);
  }
  return out;
}

ketasim::Model build_model(const val& spec) {
  ketasim::models::Covariates cov;
  const val given = spec["covariates"];
  if (!given.isUndefined() && !given.isNull()) {
    const val names = val::global("Object").call<val>("keys", given);
    const int n = names["length"].as<int>();
    for (int k = 0; k < n; ++k) {
      const std::string name = names[k].as<std::string>();
      cov[name] = number(given, name.c_str());
    }
  }
  ketasim::models::BuildOptions options;
  if (!spec["ke0_per_min"].isUndefined() && !spec["ke0_per_min"].isNull())
    options.ke0_per_min = number(spec, "ke0_per_min");
  options.ke0_source = text(spec, "ke0_source");
  return ketasim::models::get(text(spec, "model"), cov, options);
}

/// The regimen of an arm from its dose records: {kind: "infusion", dose_mg_per_kg, weight_kg,
/// start_min, duration_min}, {kind: "nasal_spray", dose_mg, start_min, device_mg, interval_min}
/// or {kind: "dose", route, dose_mg, time_min, position}.
ketasim::Regimen build_regimen(const val& doses) {
  ketasim::Regimen r;
  const int n = doses["length"].as<int>();
  for (int k = 0; k < n; ++k) {
    const val d = doses[k];
    const std::string kind = text(d, "kind");
    if (kind == "infusion") {
      r.infusion(
          {.dose_mg = ketasim::mg_per_kg(number(d, "dose_mg_per_kg"), number(d, "weight_kg")),
           .start_min = number(d, "start_min"),
           .duration_min = number(d, "duration_min")});
    } else if (kind == "nasal_spray") {
      r.nasal_spray({.dose_mg = number(d, "dose_mg"),
                     .start_min = number(d, "start_min"),
                     .device_mg = number(d, "device_mg"),
                     .interval_min = number(d, "interval_min")});
    } else if (kind == "dose") {
      const double position = number(d, "position");
      KETASIM_CHECK(std::isfinite(position) && position >= 1.0 && position <= 100000.0,
                    "Regimen.dose", "position", "in [1, 100000]", position);
      r.dose(text(d, "route"), {.dose_mg = number(d, "dose_mg"),
                                .time_min = number(d, "time_min"),
                                .position = static_cast<int>(position)});
    } else {
      ketasim::detail::fail("web", "dose kind", "one of [infusion, nasal_spray, dose]", kind);
    }
  }
  return r;
}

/// Output times 0, step, 2 step, ... up to end_min, as `ketasim compare` makes them.
std::vector<double> build_times(double end_min, double step_min) {
  KETASIM_CHECK(std::isfinite(end_min) && end_min > 0.0, "web", "end_min", "> 0 min", end_min,
                "min");
  KETASIM_CHECK(std::isfinite(step_min) && step_min > 0.0 && step_min <= end_min, "web", "step_min",
                "in (0, end_min] min", step_min, "min");
  KETASIM_CHECK(end_min / step_min <= 100000.0, "web", "end_min / step_min", "<= 100000 points",
                end_min / step_min);
  std::vector<double> t;
  for (std::size_t i = 0;; ++i) {
    const double ti = static_cast<double>(i) * step_min;
    if (!(ti < end_min + 0.5 * step_min) || ti > end_min) break;
    t.push_back(ti);
  }
  return t;
}

val failure(const char* stage, const std::string& message) {
  val o = val::object();
  o.set("ok", false);
  o.set("stage", std::string(stage));
  o.set("message", message);
  return o;
}

/// Simulates one arm by the exact solver and computes its onset metrics on Ce.
/// spec: {model, covariates: {name: value}, ke0_per_min | ke0_source, doses: [...], end_min,
/// step_min, threshold_ng_ml}. Returns {ok: true, time_min, cp_ng_ml, ce_ng_ml (Float64Array),
/// ke0_per_min, metrics: {...}} or {ok: false, stage: "model" | "regimen" | "times" | "simulate"
/// | "metrics", message} with the library's message.
val simulate_arm(const val& spec) {
  const char* stage = "model";
  try {
    const ketasim::Model model = build_model(spec);
    stage = "regimen";
    const ketasim::Regimen regimen = build_regimen(spec["doses"]);
    stage = "times";
    const std::vector<double> times =
        build_times(number(spec, "end_min"), number(spec, "step_min"));
    stage = "simulate";
    const ketasim::Result r = ketasim::simulate_exact(model, regimen, times);
    stage = "metrics";
    const ketasim::OnsetMetrics m =
        ketasim::onset(r, number(spec, "threshold_ng_ml"), ketasim::Series::ce);
    val metrics = val::object();
    metrics.set("threshold_ng_ml", m.threshold_ng_ml);
    metrics.set("cmax_ng_ml", m.cmax_ng_ml);
    metrics.set("tmax_min", m.tmax_min);
    metrics.set("ce_max_ng_ml", optional_number(m.ce_max_ng_ml));
    metrics.set("ce_tmax_min", optional_number(m.ce_tmax_min));
    metrics.set("auc_ng_min_ml", m.auc_ng_min_ml);
    metrics.set("t_onset_min", optional_number(m.t_onset_min));
    metrics.set("t_offset_min", optional_number(m.t_offset_min));
    metrics.set("time_above_min", m.time_above_min);
    val out = val::object();
    out.set("ok", true);
    out.set("time_min", float64_array(r.time_min()));
    out.set("cp_ng_ml", float64_array(r.cp_ng_ml()));
    out.set("ce_ng_ml", float64_array(r.ce_ng_ml()));
    out.set("ke0_per_min", model.parameter("ke0"));
    out.set("metrics", metrics);
    return out;
  } catch (const ketasim::InvalidInput& e) {
    return failure(stage, e.what());
  } catch (const std::exception& e) {
    return failure(stage, std::string("ketasim could not compute this: ") + e.what());
  }
}

}  // namespace

EMSCRIPTEN_BINDINGS(ketasim_web) {
  emscripten::function("catalogue", &catalogue);
  emscripten::function("literatureKe0", &literature_ke0);
  emscripten::function("nasalPresets", &nasal_presets);
  emscripten::function("simulateArm", &simulate_arm);
}
