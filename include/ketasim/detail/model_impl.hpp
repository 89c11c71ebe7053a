// Inline definitions of ketasim::Model (model.hpp): builders, validation and parameter access.
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

namespace detail {
inline void check_parameter(std::string_view where, std::string_view name, ParameterKind kind,
                            double v) {
  const auto unit = unit_of(kind);
  switch (kind) {
    case ParameterKind::f:
      KETASIM_CHECK(std::isfinite(v) && v > 0.0 && v <= 1.0, where, name, "in (0, 1]", v);
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

inline Model& Model::add_transfer(std::string_view from, std::string_view to, double rate_per_min,
                                  std::string parameter_name) {
  const int a = compartment_index(from), b = compartment_index(to);
  KETASIM_CHECK(a != b, "Model", "transfer target", "a different compartment than its source", to);
  const int p = add_param(std::move(parameter_name), rate_per_min, ParameterKind::rate);
  links_.push_back({a, b, p, false});
  return *this;
}

inline Model& Model::add_flow(std::string_view from, std::string_view to, double q_l_per_min,
                              std::string parameter_name) {
  const int a = compartment_index(from), b = compartment_index(to);
  KETASIM_CHECK(a != b, "Model", "flow target", "a different compartment than its source", to);
  KETASIM_CHECK(!is_depot(a), "Model", "flow source", "a compartment with a volume", from);
  const int p = add_param(std::move(parameter_name), q_l_per_min, ParameterKind::clearance);
  links_.push_back({a, b, p, true});
  return *this;
}

inline Model& Model::add_exchange(std::string_view a, std::string_view b, double q_l_per_min,
                                  std::string parameter_name) {
  const int ia = compartment_index(a), ib = compartment_index(b);
  KETASIM_CHECK(ia != ib, "Model", "exchange partner", "a different compartment", b);
  KETASIM_CHECK(!is_depot(ia), "Model", "exchange compartment", "a compartment with a volume", a);
  KETASIM_CHECK(!is_depot(ib), "Model", "exchange compartment", "a compartment with a volume", b);
  const int p = add_param(std::move(parameter_name), q_l_per_min, ParameterKind::clearance);
  links_.push_back({ia, ib, p, true});
  links_.push_back({ib, ia, p, true});
  return *this;
}

inline Model& Model::add_elimination(std::string_view from, double rate_per_min,
                                     std::string parameter_name) {
  const int a = compartment_index(from);
  const int p = add_param(std::move(parameter_name), rate_per_min, ParameterKind::rate);
  links_.push_back({a, -1, p, false});
  return *this;
}

inline Model& Model::add_clearance(std::string_view from, double cl_l_per_min,
                                   std::string parameter_name) {
  const int a = compartment_index(from);
  KETASIM_CHECK(!is_depot(a), "Model", "clearance compartment", "a compartment with a volume",
                from);
  const int p = add_param(std::move(parameter_name), cl_l_per_min, ParameterKind::clearance);
  links_.push_back({a, -1, p, true});
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
    KETASIM_CHECK(std::isfinite(a.ka_per_min) && a.ka_per_min >= 0.0, where, prefix + "ka",
                  ">= 0 1/min (0: no depot)", a.ka_per_min, "1/min");
    if (a.fraction_by_position.empty()) {
      detail::check_fraction(where, prefix + "fraction", a.fraction);
    } else {
      for (double fr : a.fraction_by_position)
        detail::check_fraction(where, prefix + "fraction_by_position", fr);
    }
    p.fraction = a.fraction;
    p.fraction_by_position = a.fraction_by_position;
    p.f_param = add_param(prefix + "f", a.f, ParameterKind::f);
    p.tlag_param = add_param(prefix + "tlag", a.tlag_min, ParameterKind::tlag);
    if (a.duration_min != 0.0)
      p.duration_param = add_param(prefix + "duration", a.duration_min, ParameterKind::duration);
    if (a.ka_per_min > 0.0) {
      p.ka_param = add_param(prefix + "ka", a.ka_per_min, ParameterKind::ka);
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

inline void Model::validate() const {
  KETASIM_CHECK(!comps_.empty(), "Model", "compartments", "at least one", 0);
  KETASIM_CHECK(!is_depot(static_cast<std::size_t>(plasma_)), "Model", "plasma compartment",
                "a compartment with a volume", comps_[static_cast<std::size_t>(plasma_)].name);
}

}  // namespace ketasim
