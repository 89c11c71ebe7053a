// Plain-data recipes that rebuild a Model or a Regimen exactly (same compartments, parameters
// and routes, in the same order), so that both can be sent to another process (Python pickling,
// Dask workers) and simulate there to the same bits.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "ketasim/error.hpp"
#include "ketasim/model.hpp"
#include "ketasim/regimen.hpp"

namespace ketasim::detail {

/// One construction step of a model, replayed in order by model_from_recipe.
struct ModelStep {
  enum class Kind {
    compartment,  ///< add_compartment(a, value, param)
    depot,        ///< add_depot(a)
    transfer,     ///< add_transfer(a, b, value, param)
    flow,         ///< add_flow(a, b, value, param)
    exchange,     ///< add_exchange(a, b, value, param)
    elimination,  ///< add_elimination(a, value, param)
    clearance,    ///< add_clearance(a, value, param)
    route,        ///< with_route(a, paths)
    effect,       ///< set_effect_site(value, a)
    plasma,       ///< set_plasma(a)
    analyte,      ///< add_analyte(a)
    zero,         ///< set_parameter(param, 0) (a duration built non-zero to create it)
  };
  Kind kind = Kind::compartment;
  std::string a = {}, b = {}, param = {};
  double value = 0.0;
  std::vector<Absorption> paths = {};
};

/// The steps that rebuild m: its parameters come out in the same order with the same values.
inline std::vector<ModelStep> model_recipe(const Model& m) {
  using K = ModelStep::Kind;
  const auto& params = m.parameters();
  const auto& comps = m.compartments();
  const auto& links = m.links();
  const auto& routes = m.routes();
  auto cname = [&](int i) { return comps[static_cast<std::size_t>(i)].name; };
  auto pval = [&](int i) { return params[static_cast<std::size_t>(i)].value; };

  // Each step that creates parameters sits at its first parameter's index; route depots, user
  // depots and route links are placed by the compartments they create.
  struct Placed {
    std::size_t param_index;
    ModelStep step;
    int first_compartment;  ///< -1: creates none
    int needs = 0;          ///< compartments [0, needs) must exist first
  };
  std::vector<Placed> placed;
  std::vector<int> depot_owner(comps.size(), -1);  ///< route index of a route's depot
  std::vector<int> route_link(links.size(), 0);
  for (std::size_t r = 0; r < routes.size(); ++r) {
    ModelStep s{.kind = K::route, .a = routes[r].name};
    std::size_t first_param = params.size();
    int first_depot = -1, needs = 0;
    std::vector<std::string> zero_params;
    for (const auto& p : routes[r].paths) {
      Absorption ab{.ka_per_min = p.ka_param >= 0 ? pval(p.ka_param) : 0.0,
                    .f = pval(p.f_param),
                    .tlag_min = pval(p.tlag_param),
                    .duration_min = p.duration_param >= 0 ? pval(p.duration_param) : 0.0,
                    .fraction = p.fraction,
                    .fraction_by_position = p.fraction_by_position,
                    .target = cname(p.target),
                    .name = p.name};
      if (p.duration_param >= 0 && ab.duration_min == 0.0) {
        ab.duration_min = 1.0;
        zero_params.push_back(params[static_cast<std::size_t>(p.duration_param)].name);
      }
      s.paths.push_back(std::move(ab));
      needs = std::max(needs, p.target + 1);
      first_param = std::min(first_param, static_cast<std::size_t>(p.f_param));
      if (p.depot >= 0) {
        depot_owner[static_cast<std::size_t>(p.depot)] = static_cast<int>(r);
        if (first_depot < 0) first_depot = p.depot;
        for (std::size_t l = 0; l < links.size(); ++l)
          if (links[l].from == p.depot && links[l].param == p.ka_param) route_link[l] = 1;
      }
    }
    placed.push_back({first_param, std::move(s), first_depot, needs});
    for (auto& z : zero_params)
      placed.push_back({first_param, ModelStep{.kind = K::zero, .param = std::move(z)}, -1});
  }
  for (std::size_t c = 0; c < comps.size(); ++c) {
    const int vp = comps[c].volume_param;
    if (vp >= 0) {
      placed.push_back({static_cast<std::size_t>(vp),
                        ModelStep{.kind = K::compartment,
                                  .a = comps[c].name,
                                  .param = params[static_cast<std::size_t>(vp)].name,
                                  .value = pval(vp)},
                        static_cast<int>(c)});
    }
  }
  for (std::size_t l = 0; l < links.size(); ++l) {
    if (route_link[l]) continue;
    const auto& k = links[l];
    ModelStep s{.a = cname(k.from),
                .param = params[static_cast<std::size_t>(k.param)].name,
                .value = pval(k.param)};
    if (k.to < 0) {
      s.kind = k.clearance ? K::clearance : K::elimination;
    } else if (!k.clearance) {
      s.kind = K::transfer;
      s.b = cname(k.to);
    } else if (l + 1 < links.size() && links[l + 1].param == k.param) {
      s.kind = K::exchange;  // add_exchange adds a -> b and b -> a sharing one parameter
      s.b = cname(k.to);
      ++l;
    } else {
      s.kind = K::flow;
      s.b = cname(k.to);
    }
    placed.push_back(
        {static_cast<std::size_t>(k.param), std::move(s), -1, std::max(k.from, k.to) + 1});
  }
  if (m.has_effect_site()) {
    std::size_t ke0 = 0;
    while (ke0 < params.size() && params[ke0].kind != ParameterKind::ke0) ++ke0;
    placed.push_back(
        {ke0, ModelStep{.kind = K::effect, .a = cname(m.effect_driver()), .value = m.ke0_per_min()},
         -1, m.effect_driver() + 1});
  }
  std::stable_sort(placed.begin(), placed.end(),
                   [](const Placed& x, const Placed& y) { return x.param_index < y.param_index; });

  // Emit in parameter order, inserting user depots where the compartment order needs them.
  std::vector<ModelStep> out;
  std::size_t next_comp = 0;
  auto flush_depots = [&](std::size_t upto) {
    for (; next_comp < upto && next_comp < comps.size(); ++next_comp)
      if (comps[next_comp].volume_param < 0 && depot_owner[next_comp] < 0)
        out.push_back({.kind = K::depot, .a = comps[next_comp].name});
  };
  for (auto& p : placed) {
    flush_depots(static_cast<std::size_t>(p.needs));
    if (p.first_compartment >= 0) {
      flush_depots(static_cast<std::size_t>(p.first_compartment));
      next_comp = std::max(next_comp, static_cast<std::size_t>(p.first_compartment) + 1);
      // A route's depots are consecutive: skip past all of them.
      while (next_comp < comps.size() && depot_owner[next_comp] >= 0 && p.step.kind == K::route)
        ++next_comp;
    }
    out.push_back(std::move(p.step));
  }
  flush_depots(comps.size());
  if (!comps.empty()) out.push_back({.kind = K::plasma, .a = cname(m.plasma())});
  for (int i : m.analytes()) out.push_back({.kind = K::analyte, .a = cname(i)});
  return out;
}

/// Rebuilds the model a recipe describes.
inline Model model_from_recipe(const std::vector<ModelStep>& steps) {
  using K = ModelStep::Kind;
  Model m;
  for (const auto& s : steps) {
    switch (s.kind) {
      case K::compartment:
        m.add_compartment(s.a, s.value, s.param);
        break;
      case K::depot:
        m.add_depot(s.a);
        break;
      case K::transfer:
        m.add_transfer(s.a, s.b, s.value, s.param);
        break;
      case K::flow:
        m.add_flow(s.a, s.b, s.value, s.param);
        break;
      case K::exchange:
        m.add_exchange(s.a, s.b, s.value, s.param);
        break;
      case K::elimination:
        m.add_elimination(s.a, s.value, s.param);
        break;
      case K::clearance:
        m.add_clearance(s.a, s.value, s.param);
        break;
      case K::route:
        m.with_route(s.a, s.paths);
        break;
      case K::effect:
        m.set_effect_site(s.value, s.a);
        break;
      case K::plasma:
        m.set_plasma(s.a);
        break;
      case K::analyte:
        m.add_analyte(s.a);
        break;
      case K::zero:
        m.set_parameter(s.param, 0.0);
        break;
    }
  }
  return m;
}

/// Rebuilds a regimen from its expanded records (the same records, in the same order).
inline Regimen regimen_from_records(const std::vector<DoseRecord>& records) {
  Regimen r;
  for (const auto& d : records) {
    switch (d.kind) {
      case DoseRecord::Kind::bolus:
        r.bolus({.dose_mg = d.amount_mg, .time_min = d.time_min, .compartment = d.target});
        break;
      case DoseRecord::Kind::infusion:
        r.infusion({.dose_mg = d.amount_mg,
                    .start_min = d.time_min,
                    .duration_min = d.duration_min,
                    .compartment = d.target});
        break;
      case DoseRecord::Kind::route:
        r.dose(d.target, {.dose_mg = d.amount_mg, .time_min = d.time_min, .position = d.position});
        break;
    }
  }
  return r;
}

}  // namespace ketasim::detail
