// The catalogue of published ketamine models: every model by key with its metadata and a builder
// taking covariates by name. (The published numbers each model is tested against are in
// tests/cpp/models/reproductions.hpp and docs/models.md.)
//
//   auto m = ketasim::models::get("perezruixo2021", {{"age_yr", 45}});
//   auto k = ketasim::models::get("kamp2020", {{"weight_kg", 70}}, {.ke0_source = "sleigh2019"});
//   auto j = ketasim::models::get("kamp2020", {{"weight_kg", 70}}, {.ke0_per_min = 0.5});
//
// A covariate outside the model's validity range (the published one where the source gives it)
// throws InvalidInput naming it, unless BuildOptions::extrapolate (then out_of_range() lists what
// is extrapolated).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ketasim/error.hpp"
#include "ketasim/model.hpp"
#include "ketasim/models/domino1984.hpp"
#include "ketasim/models/herd2007.hpp"
#include "ketasim/models/hornik2018.hpp"
#include "ketasim/models/info.hpp"
#include "ketasim/models/intranasal_racemic.hpp"
#include "ketasim/models/kamp2020.hpp"
#include "ketasim/models/otto2021.hpp"
#include "ketasim/models/perezruixo2021.hpp"
#include "ketasim/models/sleigh2019.hpp"

namespace ketasim::models {

/// One catalogue entry: its metadata and its builder.
struct Entry {
  const ModelInfo& (*info)();
  Model (*build)(const Covariates&, const BuildOptions&);
};

/// Every model, in the order the docs list them.
inline const std::vector<Entry>& catalogue() {
  static const std::vector<Entry> all = {
      {perezruixo2021_info, perezruixo2021_from},
      {kamp2020_info, kamp2020_from},
      {domino1984_info, domino1984_from},
      {herd2007_info, herd2007_from},
      {hornik2018_info, hornik2018_from},
      {otto2021_info, otto2021_from},
      {intranasal_racemic_info, intranasal_racemic_from},
  };
  return all;
}

/// The model keys, in catalogue order.
inline std::vector<std::string> keys() {
  std::vector<std::string> out;
  for (const auto& e : catalogue()) out.push_back(e.info().key);
  return out;
}

/// The entry for `key`; throws InvalidInput listing the keys otherwise.
inline const Entry& entry(std::string_view key) {
  std::string known;
  for (const auto& e : catalogue()) {
    if (e.info().key == key) return e;
    known += (known.empty() ? "" : ", ") + e.info().key;
  }
  ketasim::detail::fail("models", "key", "one of [" + known + "]", key);
}

inline const ModelInfo& info(std::string_view key) { return entry(key).info(); }

/// Builds the model `key` for the given covariates (typical values).
inline Model get(std::string_view key, const Covariates& covariates = {},
                 const BuildOptions& options = {}) {
  const Entry& e = entry(key);
  KETASIM_CHECK(options.preset.empty() || e.info().key == "intranasal_racemic", e.info().key,
                "preset", "given only for intranasal_racemic", options.preset);
  return e.build(covariates, options);
}

/// Messages for the covariates outside their validity range (empty when none is).
inline std::vector<std::string> out_of_range(std::string_view key, const Covariates& covariates) {
  return out_of_range(info(key), covariates);
}

}  // namespace ketasim::models
