// Inline definitions of ketasim::Model (model.hpp): builders, the model from its data and back,
// validation and parameter access.
#pragma once

#include <algorithm>
#include <cmath>

#include "ketasim/model.hpp"

namespace ketasim {

inline std::string_view unit_of(ParameterKind kind) {
  switch (kind) {
    case ParameterKind::volume:
      return "L";
    case ParameterKind::clearance:
      return "L/min";
    case ParameterKind::rate:
    case ParameterKind::ka:
    case ParameterKind::ke0:
      return "1/min";
    case ParameterKind::tlag:
    case ParameterKind::duration:
      return "min";
    case ParameterKind::f:
      return "";
  }
  return "";
}

inline std::string_view kind_name(ParameterKind kind) {
  switch (kind) {
    case ParameterKind::volume:
      return "volume";
    case ParameterKind::clearance:
      return "clearance";
    case ParameterKind::rate:
      return "rate";
    case ParameterKind::ka:
      return "ka";
    case ParameterKind::f:
      return "f";
    case ParameterKind::tlag:
      return "tlag";
    case ParameterKind::duration:
      return "duration";
    case ParameterKind::ke0:
      return "ke0";
  }
  return "";
}

inline ParameterKind parse_kind(std::string_view name, std::string_view field) {
  constexpr ParameterKind all[] = {
      ParameterKind::volume, ParameterKind::clearance, ParameterKind::rate,     ParameterKind::ka,
      ParameterKind::f,      ParameterKind::tlag,      ParameterKind::duration, ParameterKind::ke0};
  for (ParameterKind k : all)
    if (kind_name(k) == name) return k;
  detail::fail("Model", field, "one of [volume, clearance, rate, ka, f, tlag, duration, ke0]",
               name);
}

namespace detail {
inline void check_parameter(std::string_view where, std::string_view name, ParameterKind kind,
                            double v) {
  const auto unit = unit_of(kind);
  switch (kind) {
    case ParameterKind::f:  // relative bioavailability: above 1 allowed, as in NONMEM
      KETASIM_CHECK(std::isfinite(v) && v > 0.0, where, name, "> 0", v);
      return;
    case ParameterKind::tlag:
    case ParameterKind::duration:
      KETASIM_CHECK(std::isfinite(v) && v >= 0.0, where, name, ">= 0 " + std::string(unit), v,
                    unit);
      return;
    default:
      KETASIM_CHECK(std::isfinite(v) && v > 0.0, where, name, "> 0 " + std::string(unit), v, unit);
  }
}
inline void check_fraction(std::string_view where, std::string_view name, double v) {
  KETASIM_CHECK(std::isfinite(v) && v > 0.0 && v <= 1.0, where, name, "in (0, 1]", v);
}
}  // namespace detail

inline MicroConstants to_micro(const Mammillary& p) {
  detail::check_parameter("to_micro", "cl", ParameterKind::clearance, p.cl);
  detail::check_parameter("to_micro", "v1", ParameterKind::volume, p.v1);
  MicroConstants k{.v1 = p.v1, .k10 = p.cl / p.v1};
  if (p.v2 > 0.0) {
    k.k12 = p.q2 / p.v1;
    k.k21 = p.q2 / p.v2;
  }
  if (p.v3 > 0.0) {
    k.k13 = p.q3 / p.v1;
    k.k31 = p.q3 / p.v3;
  }
  return k;
}

inline Mammillary to_clearances(const MicroConstants& k) {
  detail::check_parameter("to_clearances", "v1", ParameterKind::volume, k.v1);
  detail::check_parameter("to_clearances", "k10", ParameterKind::rate, k.k10);
  Mammillary p{.cl = k.k10 * k.v1, .v1 = k.v1};
  if (k.k12 > 0.0 || k.k21 > 0.0) {
    detail::check_parameter("to_clearances", "k21", ParameterKind::rate, k.k21);
    p.q2 = k.k12 * k.v1;
    p.v2 = k.v1 * k.k12 / k.k21;
  }
  if (k.k13 > 0.0 || k.k31 > 0.0) {
    detail::check_parameter("to_clearances", "k31", ParameterKind::rate, k.k31);
    p.q3 = k.k13 * k.v1;
    p.v3 = k.v1 * k.k13 / k.k31;
  }
  return p;
}

inline Model Model::mammillary(const Mammillary& p, std::optional<double> ke0_per_min) {
  constexpr std::string_view where = "Model";
  detail::check_parameter(where, "cl", ParameterKind::clearance, p.cl);
  detail::check_parameter(where, "v1", ParameterKind::volume, p.v1);
  const bool has2 = p.q2 != 0.0 || p.v2 != 0.0;
  const bool has3 = p.q3 != 0.0 || p.v3 != 0.0;
  if (has2) {
    detail::check_parameter(where, "q2", ParameterKind::clearance, p.q2);
    detail::check_parameter(where, "v2", ParameterKind::volume, p.v2);
  }
  if (has3) {
    KETASIM_CHECK(has2, where, "v2", "given when q3 and v3 are (peripheral 2 needs peripheral 1)",
                  p.v2, "L");
    detail::check_parameter(where, "q3", ParameterKind::clearance, p.q3);
    detail::check_parameter(where, "v3", ParameterKind::volume, p.v3);
  }
  Model m;
  m.add_compartment("central", p.v1, "v1");
  m.add_clearance("central", p.cl, "cl");
  if (has2) {
    m.add_compartment("peripheral1", p.v2, "v2");
    m.add_exchange("central", "peripheral1", p.q2, "q2");
  }
  if (has3) {
    m.add_compartment("peripheral2", p.v3, "v3");
    m.add_exchange("central", "peripheral2", p.q3, "q3");
  }
  if (ke0_per_min) m.set_effect_site(*ke0_per_min);
  return m;
}

inline Model Model::one_compartment(const Mammillary& p, std::optional<double> ke0_per_min) {
  KETASIM_CHECK(p.q2 == 0.0 && p.v2 == 0.0 && p.q3 == 0.0 && p.v3 == 0.0, "Model", "v2",
                "0 in a one-compartment model", p.v2, "L");
  return mammillary(p, ke0_per_min);
}

inline Model Model::two_compartment(const Mammillary& p, std::optional<double> ke0_per_min) {
  KETASIM_CHECK(p.q3 == 0.0 && p.v3 == 0.0, "Model", "v3", "0 in a two-compartment model", p.v3,
                "L");
  KETASIM_CHECK(p.v2 > 0.0, "Model", "v2", "> 0 L in a two-compartment model", p.v2, "L");
  return mammillary(p, ke0_per_min);
}

inline Model Model::three_compartment(const Mammillary& p, std::optional<double> ke0_per_min) {
  KETASIM_CHECK(p.v2 > 0.0, "Model", "v2", "> 0 L in a three-compartment model", p.v2, "L");
  KETASIM_CHECK(p.v3 > 0.0, "Model", "v3", "> 0 L in a three-compartment model", p.v3, "L");
  return mammillary(p, ke0_per_min);
}

inline Model Model::from_micro(const MicroConstants& k, std::optional<double> ke0_per_min) {
  constexpr std::string_view where = "Model.from_micro";
  detail::check_parameter(where, "v1", ParameterKind::volume, k.v1);
  detail::check_parameter(where, "k10", ParameterKind::rate, k.k10);
  if (k.k12 != 0.0 || k.k21 != 0.0) {
    detail::check_parameter(where, "k12", ParameterKind::rate, k.k12);
    detail::check_parameter(where, "k21", ParameterKind::rate, k.k21);
  }
  if (k.k13 != 0.0 || k.k31 != 0.0) {
    detail::check_parameter(where, "k13", ParameterKind::rate, k.k13);
    detail::check_parameter(where, "k31", ParameterKind::rate, k.k31);
  }
  return mammillary(to_clearances(k), ke0_per_min);
}

inline int Model::find_param(std::string_view name) const {
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (params_[i].name == name) return static_cast<int>(i);
  return -1;
}

inline int Model::find_comp(std::string_view name) const {
  for (std::size_t i = 0; i < comps_.size(); ++i)
    if (comps_[i].name == name) return static_cast<int>(i);
  return -1;
}

inline void Model::check_new_name(std::string_view what, std::string_view name) const {
  KETASIM_CHECK(!name.empty(), "Model", what, "a non-empty name", name);
  if (what == "parameter")
    KETASIM_CHECK(find_param(name) < 0, "Model", "parameter name", "unique", name);
  else
    KETASIM_CHECK(find_comp(name) < 0, "Model", "compartment name", "unique", name);
}

inline int Model::add_param(std::string name, double value, ParameterKind kind) {
  check_new_name("parameter", name);
  detail::check_parameter("Model", name, kind, value);
  params_.push_back({std::move(name), value, kind});
  return static_cast<int>(params_.size()) - 1;
}

inline Model& Model::add_compartment(std::string name, double volume_l,
                                     std::string parameter_name) {
  check_new_name("compartment", name);
  if (parameter_name.empty()) parameter_name = "v_" + name;
  const int p = add_param(std::move(parameter_name), volume_l, ParameterKind::volume);
  comps_.push_back({std::move(name), p});
  return *this;
}

inline Model& Model::add_depot(std::string name) {
  check_new_name("compartment", name);
  comps_.push_back({std::move(name), -1});
  return *this;
}

inline int Model::compartment_index(std::string_view name) const {
  const int i = find_comp(name);
  if (i < 0) {
    std::string known;
    for (const auto& c : comps_) known += (known.empty() ? "" : ", ") + c.name;
    detail::fail("Model", "compartment", "one of [" + known + "]", name);
  }
  return i;
}

inline void Model::add_link(Link l) {
  // Listed links stay ahead of the route depots' absorption links, as Model(ModelData) orders
  // them, so that a model and its round trip through data() add up the same rates.
  links_.insert(links_.begin() + static_cast<std::ptrdiff_t>(n_links_), l);
  ++n_links_;
}

inline Model& Model::add_transfer(std::string_view from, std::string_view to, double rate_per_min,
                                  std::string parameter_name) {
  const int a = compartment_index(from), b = compartment_index(to);
  KETASIM_CHECK(a != b, "Model", "transfer target", "a different compartment than its source", to);
  const int p = add_param(std::move(parameter_name), rate_per_min, ParameterKind::rate);
  add_link({a, b, p, false});
  return *this;
}

inline Model& Model::add_flow(std::string_view from, std::string_view to, double q_l_per_min,
                              std::string parameter_name) {
  const int a = compartment_index(from), b = compartment_index(to);
  KETASIM_CHECK(a != b, "Model", "flow target", "a different compartment than its source", to);
  KETASIM_CHECK(!is_depot(a), "Model", "flow source", "a compartment with a volume", from);
  const int p = add_param(std::move(parameter_name), q_l_per_min, ParameterKind::clearance);
  add_link({a, b, p, true});
  return *this;
}

inline Model& Model::add_exchange(std::string_view a, std::string_view b, double q_l_per_min,
                                  std::string parameter_name) {
  const int ia = compartment_index(a), ib = compartment_index(b);
  KETASIM_CHECK(ia != ib, "Model", "exchange partner", "a different compartment", b);
  KETASIM_CHECK(!is_depot(ia), "Model", "exchange compartment", "a compartment with a volume", a);
  KETASIM_CHECK(!is_depot(ib), "Model", "exchange compartment", "a compartment with a volume", b);
  const int p = add_param(std::move(parameter_name), q_l_per_min, ParameterKind::clearance);
  add_link({ia, ib, p, true});
  add_link({ib, ia, p, true});
  return *this;
}

inline Model& Model::add_elimination(std::string_view from, double rate_per_min,
                                     std::string parameter_name) {
  const int a = compartment_index(from);
  const int p = add_param(std::move(parameter_name), rate_per_min, ParameterKind::rate);
  add_link({a, -1, p, false});
  return *this;
}

inline Model& Model::add_clearance(std::string_view from, double cl_l_per_min,
                                   std::string parameter_name) {
  const int a = compartment_index(from);
  KETASIM_CHECK(!is_depot(a), "Model", "clearance compartment", "a compartment with a volume",
                from);
  const int p = add_param(std::move(parameter_name), cl_l_per_min, ParameterKind::clearance);
  add_link({a, -1, p, true});
  return *this;
}

inline Model& Model::set_plasma(std::string_view compartment) {
  const int i = compartment_index(compartment);
  KETASIM_CHECK(!is_depot(i), "Model", "plasma compartment", "a compartment with a volume",
                compartment);
  plasma_ = i;
  return *this;
}

inline Model& Model::set_effect_site(double ke0_per_min, std::string_view driver) {
  const int d = driver.empty() ? plasma_ : compartment_index(driver);
  KETASIM_CHECK(d < static_cast<int>(comps_.size()) && !is_depot(d), "Model", "effect-site driver",
                "a compartment with a volume", driver);
  if (ke0_param_ >= 0) {
    set_parameter(static_cast<std::size_t>(ke0_param_), ke0_per_min);
  } else {
    ke0_param_ = add_param("ke0", ke0_per_min, ParameterKind::ke0);
  }
  driver_ = d;
  return *this;
}

inline Model& Model::add_analyte(std::string_view compartment) {
  const int i = compartment_index(compartment);
  KETASIM_CHECK(!is_depot(i), "Model", "analyte compartment", "a compartment with a volume",
                compartment);
  if (std::find(analytes_.begin(), analytes_.end(), i) == analytes_.end()) analytes_.push_back(i);
  return *this;
}

inline double Model::Path::fraction_at(int position) const {
  if (fraction_by_position.empty()) return fraction;
  const std::size_t k = position < 1 ? 0 : static_cast<std::size_t>(position - 1);
  return fraction_by_position[std::min(k, fraction_by_position.size() - 1)];
}

inline void Model::add_route(std::string name, const std::vector<Absorption>& paths) {
  constexpr std::string_view where = "Model.with_route";
  KETASIM_CHECK(!name.empty(), where, "route name", "non-empty", name);
  KETASIM_CHECK(route_index(name) < 0, where, "route name", "unique", name);
  KETASIM_CHECK(name.find('.') == std::string::npos, where, "route name", "free of '.'", name);
  KETASIM_CHECK(!paths.empty(), where, "paths of route " + name, "non-empty", 0);
  KETASIM_CHECK(!comps_.empty(), where, "model", "given compartments before routes", name);
  Route r{name, {}};
  for (std::size_t k = 0; k < paths.size(); ++k) {
    const Absorption& a = paths[k];
    std::string pname = a.name.empty() ? "path" + std::to_string(k + 1) : a.name;
    const std::string prefix = paths.size() == 1 ? name + "." : name + "." + pname + ".";
    const std::string field = paths.size() == 1 ? name : name + "." + pname;
    Path p;
    p.name = pname;
    p.target = a.target.empty() ? plasma_ : compartment_index(a.target);
    KETASIM_CHECK(std::isfinite(a.ka) && a.ka >= 0.0, where, prefix + "ka",
                  ">= 0 1/min (0: no depot)", a.ka, "1/min");
    if (a.fraction_by_position.empty()) {
      detail::check_fraction(where, prefix + "fraction", a.fraction);
    } else {
      for (double fr : a.fraction_by_position)
        detail::check_fraction(where, prefix + "fraction_by_position", fr);
    }
    p.fraction = a.fraction;
    p.fraction_by_position = a.fraction_by_position;
    p.f_param = add_param(prefix + "f", a.f, ParameterKind::f);
    p.tlag_param = add_param(prefix + "tlag", a.tlag, ParameterKind::tlag);
    if (a.duration != 0.0)
      p.duration_param = add_param(prefix + "duration", a.duration, ParameterKind::duration);
    if (a.ka > 0.0) {
      p.ka_param = add_param(prefix + "ka", a.ka, ParameterKind::ka);
      add_depot(prefix + "depot");
      p.depot = static_cast<int>(comps_.size()) - 1;
      links_.push_back({p.depot, p.target, p.ka_param, false});
    }
    r.paths.push_back(std::move(p));
  }
  routes_.push_back(std::move(r));
}

inline Model& Model::with_route(std::string name, const Absorption& path) & {
  add_route(std::move(name), {path});
  return *this;
}
inline Model&& Model::with_route(std::string name, const Absorption& path) && {
  add_route(std::move(name), {path});
  return std::move(*this);
}
inline Model& Model::with_route(std::string name, const std::vector<Absorption>& paths) & {
  add_route(std::move(name), paths);
  return *this;
}
inline Model&& Model::with_route(std::string name, const std::vector<Absorption>& paths) && {
  add_route(std::move(name), paths);
  return std::move(*this);
}

inline std::vector<std::string> Model::parameter_names() const {
  std::vector<std::string> out;
  out.reserve(params_.size());
  for (const auto& p : params_) out.push_back(p.name);
  return out;
}

inline double Model::parameter(std::string_view name) const {
  const int i = find_param(name);
  if (i < 0) {
    std::string known;
    for (const auto& p : params_) known += (known.empty() ? "" : ", ") + p.name;
    detail::fail("Model", "parameter", "one of [" + known + "]", name);
  }
  return params_[static_cast<std::size_t>(i)].value;
}

inline Model& Model::set_parameter(std::string_view name, double value) {
  (void)parameter(name);  // throws with the list of names when unknown
  set_parameter(static_cast<std::size_t>(find_param(name)), value);
  return *this;
}

inline void Model::set_parameter(std::size_t i, double value) {
  KETASIM_CHECK(i < params_.size(), "Model", "parameter index",
                "< " + std::to_string(params_.size()), i);
  detail::check_parameter("Model", params_[i].name, params_[i].kind, value);
  params_[i].value = value;
}

inline std::vector<std::string> Model::compartment_names() const {
  std::vector<std::string> out;
  for (const auto& c : comps_) out.push_back(c.name);
  return out;
}

inline std::vector<std::string> Model::route_names() const {
  std::vector<std::string> out;
  for (const auto& r : routes_) out.push_back(r.name);
  return out;
}

inline int Model::route_index(std::string_view name) const {
  for (std::size_t i = 0; i < routes_.size(); ++i)
    if (routes_[i].name == name) return static_cast<int>(i);
  return -1;
}

inline bool Model::has_route(std::string_view name) const {
  return name == "iv" || route_index(name) >= 0;
}

inline double Model::volume_l(std::size_t i) const {
  const int p = comps_[i].volume_param;
  return p < 0 ? 0.0 : params_[static_cast<std::size_t>(p)].value;
}

inline double Model::ke0_per_min() const {
  KETASIM_CHECK(ke0_param_ >= 0, "Model", "ke0", "set for an effect-site concentration", "none",
                "(set_effect_site(ke0_per_min) or choose a published ke0)");
  return params_[static_cast<std::size_t>(ke0_param_)].value;
}

inline double Model::link_rate(const Link& l) const {
  const double v = params_[static_cast<std::size_t>(l.param)].value;
  return l.clearance ? v / volume_l(static_cast<std::size_t>(l.from)) : v;
}

namespace detail {
/// "[a, b, c]" from names.
template <class T, class Name>
std::string known_names(const std::vector<T>& items, Name name) {
  std::string s = "[";
  for (std::size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + name(items[i]);
  return s + "]";
}
}  // namespace detail

inline Model::Model(const ModelData& d) {
  constexpr std::string_view where = "Model";
  auto at = [](std::string_view list, std::size_t i) {
    return std::string(list) + "[" + std::to_string(i) + "]";
  };
  // Parameters: unique names, valid values; each must then be used in a role of its kind.
  for (std::size_t i = 0; i < d.parameters.size(); ++i) {
    const Parameter& p = d.parameters[i];
    KETASIM_CHECK(!p.name.empty(), where, at("parameters", i) + ".name", "a non-empty name",
                  p.name);
    KETASIM_CHECK(find_param(p.name) < 0, where, at("parameters", i) + ".name", "unique", p.name);
    detail::check_parameter(where, at("parameters", i) + ".value (" + p.name + ")", p.kind,
                            p.value);
    params_.push_back(p);
  }
  std::vector<char> used(params_.size(), 0);
  const std::string known_params =
      detail::known_names(params_, [](const Parameter& p) { return p.name; });
  auto param = [&](const std::string& field, const std::string& name, ParameterKind kind) {
    const int i = find_param(name);
    if (i < 0) detail::fail(where, field, "one of the parameters " + known_params, name);
    const Parameter& p = params_[static_cast<std::size_t>(i)];
    KETASIM_CHECK(p.kind == kind, where, field,
                  "a parameter of kind " + std::string(kind_name(kind)) + " (\"" + p.name +
                      "\" is of kind " + std::string(kind_name(p.kind)) + ")",
                  name);
    used[static_cast<std::size_t>(i)] = 1;
    return i;
  };

  for (std::size_t c = 0; c < d.compartments.size(); ++c) {
    const auto& comp = d.compartments[c];
    const std::string field = at("compartments", c);
    KETASIM_CHECK(!comp.name.empty(), where, field + ".name", "a non-empty name", comp.name);
    KETASIM_CHECK(find_comp(comp.name) < 0, where, field + ".name", "unique", comp.name);
    comps_.push_back(
        {comp.name,
         comp.volume.empty() ? -1 : param(field + ".volume", comp.volume, ParameterKind::volume)});
  }
  const std::string known_comps =
      detail::known_names(comps_, [](const Compartment& c) { return c.name; });
  auto comp = [&](const std::string& field, const std::string& name, bool needs_volume) {
    const int i = find_comp(name);
    if (i < 0) detail::fail(where, field, "one of the compartments " + known_comps, name);
    KETASIM_CHECK(!needs_volume || !is_depot(static_cast<std::size_t>(i)), where, field,
                  "a compartment with a volume (not a depot)", name);
    return i;
  };

  for (std::size_t l = 0; l < d.links.size(); ++l) {
    const auto& link = d.links[l];
    const std::string field = at("links", l);
    const int pi = find_param(link.parameter);
    const ParameterKind kind =
        pi >= 0 ? params_[static_cast<std::size_t>(pi)].kind : ParameterKind::rate;
    KETASIM_CHECK(kind == ParameterKind::clearance || kind == ParameterKind::rate, where,
                  field + ".parameter",
                  "a parameter of kind clearance or rate (\"" + link.parameter + "\" is of kind " +
                      std::string(kind_name(kind)) + ")",
                  link.parameter);
    const bool clearance = kind == ParameterKind::clearance;
    const int from = comp(field + ".from", link.from, clearance);
    const int to = link.to.empty() ? -1 : comp(field + ".to", link.to, false);
    KETASIM_CHECK(to != from, where, field + ".to", "a different compartment than its from",
                  link.to);
    const int p = param(field + ".parameter", link.parameter,
                        clearance ? ParameterKind::clearance : ParameterKind::rate);
    links_.push_back({from, to, p, clearance});
  }
  n_links_ = links_.size();

  std::vector<char> depot_taken(comps_.size(), 0);
  for (std::size_t r = 0; r < d.routes.size(); ++r) {
    const auto& route = d.routes[r];
    const std::string field = at("routes", r);
    KETASIM_CHECK(!route.name.empty(), where, field + ".name", "a non-empty name", route.name);
    KETASIM_CHECK(route_index(route.name) < 0, where, field + ".name", "unique", route.name);
    KETASIM_CHECK(route.name.find('.') == std::string::npos, where, field + ".name", "free of '.'",
                  route.name);
    KETASIM_CHECK(!route.paths.empty(), where, field + ".paths", "non-empty", "an empty list");
    Route out{route.name, {}};
    for (std::size_t k = 0; k < route.paths.size(); ++k) {
      const auto& a = route.paths[k];
      const std::string pf = field + ".paths[" + std::to_string(k) + "]";
      KETASIM_CHECK(!a.name.empty(), where, pf + ".name", "a non-empty name", a.name);
      for (std::size_t j = 0; j < k; ++j)
        KETASIM_CHECK(route.paths[j].name != a.name, where, pf + ".name", "unique in its route",
                      a.name);
      Path p;
      p.name = a.name;
      p.target = comp(pf + ".target", a.target, false);
      if (a.depot.empty() != a.ka.empty()) {
        const std::string given = a.depot.empty() ? ".ka" : ".depot";
        const std::string missing = a.depot.empty() ? ".depot" : ".ka";
        detail::throw_invalid(std::string(where) + ": " + pf + missing + " must be given with " +
                              pf + given + " (a depot drains at rate ka), got nothing");
      }
      if (!a.depot.empty()) {
        p.depot = comp(pf + ".depot", a.depot, false);
        const auto di = static_cast<std::size_t>(p.depot);
        KETASIM_CHECK(is_depot(di), where, pf + ".depot", "a depot (a compartment without volume)",
                      a.depot);
        KETASIM_CHECK(p.depot != p.target, where, pf + ".depot",
                      "a different compartment than its target", a.depot);
        KETASIM_CHECK(!depot_taken[di], where, pf + ".depot", "the depot of one path only",
                      a.depot);
        depot_taken[di] = 1;
        p.ka_param = param(pf + ".ka", a.ka, ParameterKind::ka);
      }
      p.f_param = param(pf + ".f", a.f, ParameterKind::f);
      p.tlag_param = param(pf + ".tlag", a.tlag, ParameterKind::tlag);
      if (!a.duration.empty())
        p.duration_param = param(pf + ".duration", a.duration, ParameterKind::duration);
      if (a.fraction_by_position.empty()) {
        detail::check_fraction(where, pf + ".fraction", a.fraction);
      } else {
        for (double fr : a.fraction_by_position)
          detail::check_fraction(where, pf + ".fraction_by_position", fr);
      }
      p.fraction = a.fraction;
      p.fraction_by_position = a.fraction_by_position;
      if (p.depot >= 0) links_.push_back({p.depot, p.target, p.ka_param, false});
      out.paths.push_back(std::move(p));
    }
    routes_.push_back(std::move(out));
  }

  if (comps_.empty()) {
    KETASIM_CHECK(d.plasma.empty(), where, "plasma", "empty in a model without compartments",
                  d.plasma);
  } else {
    plasma_ = comp("plasma", d.plasma, true);
  }
  if (d.effect_site) {
    driver_ = comp("effect_site.driver", d.effect_site->driver, true);
    ke0_param_ = param("effect_site.ke0", d.effect_site->ke0, ParameterKind::ke0);
  }
  for (std::size_t i = 0; i < d.analytes.size(); ++i) {
    const int c = comp(at("analytes", i), d.analytes[i], true);
    KETASIM_CHECK(std::find(analytes_.begin(), analytes_.end(), c) == analytes_.end(), where,
                  at("analytes", i), "listed once", d.analytes[i]);
    analytes_.push_back(c);
  }
  for (std::size_t i = 0; i < params_.size(); ++i)
    KETASIM_CHECK(used[i], where, at("parameters", i),
                  "used by a compartment, a link, a route or the effect site", params_[i].name);
}

inline ModelData Model::data() const {
  auto pname = [&](int i) {
    return i < 0 ? std::string() : params_[static_cast<std::size_t>(i)].name;
  };
  auto cname = [&](int i) {
    return i < 0 ? std::string() : comps_[static_cast<std::size_t>(i)].name;
  };
  ModelData d;
  d.parameters = params_;
  for (const auto& c : comps_) d.compartments.push_back({c.name, pname(c.volume_param)});
  for (std::size_t l = 0; l < n_links_; ++l)
    d.links.push_back({cname(links_[l].from), cname(links_[l].to), pname(links_[l].param)});
  for (const auto& r : routes_) {
    ModelData::Route out{r.name, {}};
    for (const auto& p : r.paths)
      out.paths.push_back({.name = p.name,
                           .target = cname(p.target),
                           .depot = cname(p.depot),
                           .ka = pname(p.ka_param),
                           .f = pname(p.f_param),
                           .tlag = pname(p.tlag_param),
                           .duration = pname(p.duration_param),
                           .fraction = p.fraction,
                           .fraction_by_position = p.fraction_by_position});
    d.routes.push_back(std::move(out));
  }
  if (!comps_.empty()) d.plasma = cname(plasma_);
  if (ke0_param_ >= 0) d.effect_site = ModelData::EffectSite{cname(driver_), pname(ke0_param_)};
  for (int i : analytes_) d.analytes.push_back(cname(i));
  return d;
}

inline void Model::validate() const {
  KETASIM_CHECK(!comps_.empty(), "Model", "compartments", "at least one", 0);
  KETASIM_CHECK(!is_depot(static_cast<std::size_t>(plasma_)), "Model", "plasma compartment",
                "a compartment with a volume", comps_[static_cast<std::size_t>(plasma_)].name);
}

}  // namespace ketasim
