// Binds ketasim::Absorption and ketasim::Model: the keyword mammillary constructor with routes,
// micro constants, the general network builder (each method returns the model, for chaining),
// named parameters, read-only structure, and the model as a JSON-compatible dict (to_dict /
// from_dict, the layout of docs/model_schema.md), through which models also pickle.
#include <pybind11/operators.h>
#include <pybind11/stl.h>

#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "ketasim/model.hpp"

namespace ketasim::python {
namespace {

std::vector<Absorption> paths_from(py::handle value, const std::string& where,
                                   const std::string& field) {
  if (py::isinstance<Absorption>(value)) return {value.cast<Absorption>()};
  if (py::isinstance<py::sequence>(value) && !py::isinstance<py::str>(value)) {
    std::vector<Absorption> out;
    std::size_t k = 0;
    for (auto item : value) {
      if (!py::isinstance<Absorption>(item))
        fail_got(where, field + "[" + std::to_string(k) + "]", "an Absorption", repr_of(item));
      out.push_back(item.cast<Absorption>());
      ++k;
    }
    return out;
  }
  fail_got(where, field, "an Absorption or a list of Absorption paths", repr_of(value));
}

void add_routes(Model& m, const py::object& routes, const char* where) {
  if (routes.is_none()) return;
  if (!py::isinstance<py::dict>(routes))
    fail_got(where, "routes", "a dict {route name: Absorption or [Absorption, ...]}",
             repr_of(routes));
  for (auto [key, value] : routes.cast<py::dict>()) {
    if (!py::isinstance<py::str>(key))
      fail_got(where, "routes key", "a route name (str)", repr_of(key));
    const auto name = key.cast<std::string>();
    m.with_route(name, paths_from(value, where, "routes[\"" + name + "\"]"));
  }
}

Model make_mammillary(Arg<std::optional<double>> cl_arg, Arg<std::optional<double>> v1_arg,
                      Arg<double> q2_arg, Arg<double> v2_arg, Arg<double> q3_arg,
                      Arg<double> v3_arg, Arg<std::optional<double>> ke0_arg,
                      const py::object& routes) {
  const std::optional<double> cl = as_optional_double(cl_arg, "Model", "cl");
  const std::optional<double> v1 = as_optional_double(v1_arg, "Model", "v1");
  const double q2 = as_double(q2_arg, "Model", "q2"), v2 = as_double(v2_arg, "Model", "v2");
  const double q3 = as_double(q3_arg, "Model", "q3"), v3 = as_double(v3_arg, "Model", "v3");
  const std::optional<double> ke0 = as_optional_double(ke0_arg, "Model", "ke0");
  const bool any = cl || v1 || q2 != 0.0 || v2 != 0.0 || q3 != 0.0 || v3 != 0.0 || ke0;
  if (!any) {
    if (!routes.is_none())
      fail_got("Model", "cl", "given (with v1) before routes can be attached", "nothing");
    return Model();  // an empty network for the general builder
  }
  if (!cl) fail_got("Model", "cl", "given (clearance, L/min)", "nothing");
  if (!v1) fail_got("Model", "v1", "given (central volume, L)", "nothing");
  Model m = Model::mammillary(
      Mammillary{.cl = *cl, .v1 = *v1, .q2 = q2, .v2 = v2, .q3 = q3, .v3 = v3}, ke0);
  add_routes(m, routes, "Model");
  return m;
}

std::string join_repr(const std::vector<std::string>& names) {
  std::string s = "[";
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", '" : "'") + names[i] + "'";
  return s + "]";
}

std::string model_repr(const Model& m) {
  std::ostringstream os;
  os.precision(6);
  os << "Model(compartments=" << join_repr(m.compartment_names())
     << ", routes=" << join_repr(m.route_names()) << ", parameters={";
  bool first = true;
  for (const auto& p : m.parameters()) {
    os << (first ? "'" : ", '") << p.name << "': " << p.value;
    first = false;
  }
  os << "})";
  return os.str();
}

std::string absorption_repr(const Absorption& a) {
  std::ostringstream os;
  os.precision(6);
  os << "Absorption(ka=" << a.ka << ", f=" << a.f << ", tlag=" << a.tlag;
  if (a.duration != 0.0) os << ", duration=" << a.duration;
  if (!a.fraction_by_position.empty()) {
    os << ", fraction_by_position=[";
    for (std::size_t i = 0; i < a.fraction_by_position.size(); ++i)
      os << (i ? ", " : "") << a.fraction_by_position[i];
    os << "]";
  } else if (a.fraction != 1.0) {
    os << ", fraction=" << a.fraction;
  }
  if (!a.target.empty()) os << ", target='" << a.target << "'";
  if (!a.name.empty()) os << ", name='" << a.name << "'";
  os << ")";
  return os.str();
}

const Parameter& find_parameter(const Model& m, const std::string& name) {
  (void)m.parameter(name);  // throws naming the known parameters when absent
  for (const auto& p : m.parameters())
    if (p.name == name) return p;
  detail::fail("Model", "parameter", "a parameter name", name);
}

// --- The model as a dict (docs/model_schema.md). ---

constexpr const char* kFromDict = "Model.from_dict";

/// Reads a model dict strictly: unknown and missing keys are ValueErrors, wrong types
/// TypeErrors, each naming the key path (e.g. "routes[0].paths[1].fraction").
struct DictReader {
  static std::string join(const std::string& path, const char* key) {
    return path.empty() ? std::string(key) : path + "." + key;
  }
  static std::string at(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }
  [[noreturn]] static void type_error(const std::string& field, const std::string& condition,
                                      py::handle value) {
    throw py::type_error(std::string(kFromDict) + ": " + field + " must be " + condition +
                         ", got " + repr_of(value));
  }

  /// The dict at `field` (named "d" at the root), with exactly `keys`.
  static py::dict object(py::handle value, const std::string& field,
                         std::initializer_list<const char*> keys) {
    const std::string name = field.empty() ? "d" : field;
    if (!py::isinstance<py::dict>(value)) type_error(name, "a dict", value);
    auto d = py::reinterpret_borrow<py::dict>(value);
    std::string known;
    for (const char* k : keys) known += (known.empty() ? "" : ", ") + std::string(k);
    for (auto item : d) {
      bool ok = false;
      if (py::isinstance<py::str>(item.first)) {
        const auto k = item.first.cast<std::string>();
        for (const char* key : keys) ok = ok || k == key;
      }
      if (!ok)
        fail_got(kFromDict, name, "a dict with the keys [" + known + "]",
                 "unknown key " + repr_of(item.first));
    }
    for (const char* key : keys)
      if (!d.contains(key))
        fail_got(kFromDict, join(field, key), "given (a dict with the keys [" + known + "])",
                 "nothing");
    return d;
  }
  static std::string str(const py::dict& d, const std::string& path, const char* key) {
    py::handle v = d[key];
    if (!py::isinstance<py::str>(v)) type_error(join(path, key), "a str", v);
    return v.cast<std::string>();
  }
  /// A name or None (""); an empty str is a ValueError (None says "none").
  static std::string optional_name(const py::dict& d, const std::string& path, const char* key) {
    py::handle v = d[key];
    if (v.is_none()) return {};
    if (!py::isinstance<py::str>(v)) type_error(join(path, key), "a str or None", v);
    auto s = v.cast<std::string>();
    if (s.empty()) fail_got(kFromDict, join(path, key), "a non-empty name or None", "''");
    return s;
  }
  static double number(py::handle v, const std::string& field) {
    if (py::isinstance<py::bool_>(v) ||
        !(py::isinstance<py::float_>(v) || py::isinstance<py::int_>(v)))
      type_error(field, "a number", v);
    return v.cast<double>();
  }
  static py::list list(const py::dict& d, const std::string& path, const char* key) {
    py::handle v = d[key];
    if (!py::isinstance<py::list>(v)) type_error(join(path, key), "a list", v);
    return py::reinterpret_borrow<py::list>(v);
  }
};

py::object name_or_none(const std::string& s) {
  return s.empty() ? py::object(py::none()) : py::object(py::str(s));
}

py::dict model_to_dict(const Model& m) {
  const ModelData data = m.data();
  py::list params, comps, links, routes, analytes;
  for (const auto& p : data.parameters) {
    py::dict d;
    d["name"] = p.name;
    d["value"] = p.value;
    d["kind"] = std::string(kind_name(p.kind));
    params.append(d);
  }
  for (const auto& c : data.compartments) {
    py::dict d;
    d["name"] = c.name;
    d["volume"] = name_or_none(c.volume);
    comps.append(d);
  }
  for (const auto& l : data.links) {
    py::dict d;
    d["from"] = l.from;
    d["to"] = name_or_none(l.to);
    d["parameter"] = l.parameter;
    links.append(d);
  }
  for (const auto& r : data.routes) {
    py::list paths;
    for (const auto& p : r.paths) {
      py::dict d;
      d["name"] = p.name;
      d["target"] = p.target;
      d["depot"] = name_or_none(p.depot);
      d["ka"] = name_or_none(p.ka);
      d["f"] = p.f;
      d["tlag"] = p.tlag;
      d["duration"] = name_or_none(p.duration);
      d["fraction"] = p.fraction;
      py::list fbp;
      for (double x : p.fraction_by_position) fbp.append(x);
      d["fraction_by_position"] = fbp;
      paths.append(d);
    }
    py::dict d;
    d["name"] = r.name;
    d["paths"] = paths;
    routes.append(d);
  }
  for (const auto& a : data.analytes) analytes.append(a);
  py::dict d;
  d["parameters"] = params;
  d["compartments"] = comps;
  d["links"] = links;
  d["routes"] = routes;
  d["plasma"] = name_or_none(data.plasma);
  if (data.effect_site) {
    py::dict e;
    e["driver"] = data.effect_site->driver;
    e["ke0"] = data.effect_site->ke0;
    d["effect_site"] = e;
  } else {
    d["effect_site"] = py::none();
  }
  d["analytes"] = analytes;
  return d;
}

Model model_from_dict(py::handle value) {
  using R = DictReader;
  const py::dict top = R::object(
      value, "",
      {"parameters", "compartments", "links", "routes", "plasma", "effect_site", "analytes"});
  ModelData data;
  std::size_t i = 0;
  for (auto item : R::list(top, "", "parameters")) {
    const std::string f = R::at("parameters", i++);
    const py::dict p = R::object(item, f, {"name", "value", "kind"});
    data.parameters.push_back({.name = R::str(p, f, "name"),
                               .value = R::number(p["value"], R::join(f, "value")),
                               .kind = parse_kind(R::str(p, f, "kind"), R::join(f, "kind"))});
  }
  i = 0;
  for (auto item : R::list(top, "", "compartments")) {
    const std::string f = R::at("compartments", i++);
    const py::dict c = R::object(item, f, {"name", "volume"});
    data.compartments.push_back({R::str(c, f, "name"), R::optional_name(c, f, "volume")});
  }
  i = 0;
  for (auto item : R::list(top, "", "links")) {
    const std::string f = R::at("links", i++);
    const py::dict l = R::object(item, f, {"from", "to", "parameter"});
    data.links.push_back(
        {R::str(l, f, "from"), R::optional_name(l, f, "to"), R::str(l, f, "parameter")});
  }
  i = 0;
  for (auto item : R::list(top, "", "routes")) {
    const std::string f = R::at("routes", i++);
    const py::dict r = R::object(item, f, {"name", "paths"});
    ModelData::Route route{R::str(r, f, "name"), {}};
    std::size_t k = 0;
    for (auto path_item : R::list(r, f, "paths")) {
      const std::string pf = R::at(R::join(f, "paths"), k++);
      const py::dict p = R::object(path_item, pf,
                                   {"name", "target", "depot", "ka", "f", "tlag", "duration",
                                    "fraction", "fraction_by_position"});
      ModelData::Path path{.name = R::str(p, pf, "name"),
                           .target = R::str(p, pf, "target"),
                           .depot = R::optional_name(p, pf, "depot"),
                           .ka = R::optional_name(p, pf, "ka"),
                           .f = R::str(p, pf, "f"),
                           .tlag = R::str(p, pf, "tlag"),
                           .duration = R::optional_name(p, pf, "duration"),
                           .fraction = R::number(p["fraction"], R::join(pf, "fraction"))};
      std::size_t j = 0;
      for (auto x : R::list(p, pf, "fraction_by_position"))
        path.fraction_by_position.push_back(
            R::number(x, R::at(R::join(pf, "fraction_by_position"), j++)));
      route.paths.push_back(std::move(path));
    }
    data.routes.push_back(std::move(route));
  }
  data.plasma = R::optional_name(top, "", "plasma");
  if (!top["effect_site"].is_none()) {
    const py::dict e = R::object(top["effect_site"], "effect_site", {"driver", "ke0"});
    data.effect_site =
        ModelData::EffectSite{R::str(e, "effect_site", "driver"), R::str(e, "effect_site", "ke0")};
  }
  i = 0;
  for (auto item : R::list(top, "", "analytes")) {
    const std::string f = R::at("analytes", i++);
    if (!py::isinstance<py::str>(item)) R::type_error(f, "a str", item);
    data.analytes.push_back(item.cast<std::string>());
  }
  return Model(data);
}

constexpr const char* kToDictDoc = R"doc(The model as a JSON-compatible dict (its data).

Everything is referred to by name; ``Model.from_dict`` rebuilds the same model (same parameters
in the same order, same simulations to the bit). Pickling and scenario files use this layout
(docs/model_schema.md)::

    {"parameters": [{"name": "v1", "value": 15.0, "kind": "volume"}, ...],
     "compartments": [{"name": "central", "volume": "v1"},
                      {"name": "intranasal.depot", "volume": None}],       # None: a depot
     "links": [{"from": "central", "to": None, "parameter": "cl"}, ...],   # None: out
     "routes": [{"name": "intranasal", "paths": [
         {"name": "path1", "target": "central", "depot": "intranasal.depot",
          "ka": "intranasal.ka", "f": "intranasal.f", "tlag": "intranasal.tlag",
          "duration": None, "fraction": 1.0, "fraction_by_position": []}]}],
     "plasma": "central",
     "effect_site": {"driver": "central", "ke0": "ke0"},                  # or None
     "analytes": []}

A link's rate is ``value / V(from)`` when its parameter is of kind "clearance" (L/min) and the
value itself when of kind "rate" (1/min). A path's depot drains into its target at rate ``ka``
(that link is implied, not listed).

Examples
--------
>>> import json
>>> import ketasim as ks
>>> m = ks.Model(cl=1.2, v1=15.0, ke0=0.2)
>>> d = m.to_dict()
>>> d["links"]
[{'from': 'central', 'to': None, 'parameter': 'cl'}]
>>> ks.Model.from_dict(json.loads(json.dumps(d))) == m
True
)doc";

constexpr const char* kFromDictDoc = R"doc(The model a dict from ``Model.to_dict()`` describes.

Parameters
----------
d : dict
    The layout of ``Model.to_dict()``; every key is required (None where a name is absent).

Raises
------
TypeError
    A value of the wrong type, naming its key, e.g.
    ``Model.from_dict: links[0].parameter must be a str, got 3``.
ValueError
    An unknown or missing key, or an invalid model, naming the key, e.g.
    ``Model: links[0].to must be one of the compartments [central], got "liver"``.
)doc";

constexpr const char* kModelDoc = R"doc(A linear compartment model of ketamine disposition.

The state is the amount (mg) in each compartment; Cp is the concentration of the plasma
compartment; an optional effect site follows it with rate ``ke0`` and holds no mass.

With keyword parameters it is a mammillary model; peripheral compartments and routes are
optional::

    ks.Model(cl=1.2, v1=15.0, ke0=0.2)                                  # one compartment
    ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, q3=0.6, v3=150.0, ke0=0.2,
             routes={"intranasal": ks.Absorption(ka=0.05, f=0.45)})

With no arguments it is an empty network for the general builder (``add_compartment``,
``add_exchange``, ``add_clearance``, ``with_route``, ...; each returns the model).

Parameters
----------
cl : float
    Elimination clearance from the central compartment, L/min.
v1 : float
    Central (plasma) volume, L.
q2, v2 : float, optional
    Inter-compartmental clearance (L/min) and volume (L) of peripheral 1 ("peripheral1").
q3, v3 : float, optional
    The same for peripheral 2 ("peripheral2"); needs peripheral 1.
ke0 : float, optional
    Effect-site equilibration rate constant, 1/min (without it there is no Ce).
routes : dict[str, Absorption | list[Absorption]], optional
    Extravascular routes by name; "iv" (a bolus into the plasma compartment) is built in.

Raises
------
ValueError
    Naming the parameter and its value, e.g. ``Model: cl must be > 0 L/min, got -1 L/min``.

Notes
-----
Every number is a named parameter: "cl", "v1", "q2", "v2", "q3", "v3", "ke0", and per route
"<route>.ka", "<route>.f", "<route>.tlag" (several paths: "<route>.<path>.ka").

A model is its data: ``to_dict()`` writes it as a JSON-compatible dict, ``Model.from_dict(d)``
rebuilds it (any network, validated as the builders validate); models pickle through it and
compare equal (``==``) when their data are equal.
)doc";

}  // namespace

void bind_model(py::module_& m) {
  py::class_<Absorption>(m, "Absorption", R"doc(One absorption path of an extravascular route.

A dose given by the route sends ``fraction`` of itself down this path; ``f`` of that is
bioavailable and arrives after ``tlag`` minutes:

- ``ka > 0``: into a depot of its own, absorbed by first order at rate ``ka``;
- ``duration > 0``: at a constant rate over ``duration`` minutes;
- neither: all at once into the target compartment.

Parameters
----------
ka : float
    First-order absorption rate constant, 1/min (0: no depot).
f : float
    Bioavailability, > 0 (above 1: relative to a reference route).
tlag : float
    Lag time, min.
duration : float
    Zero-order input duration, min (0: instantaneous).
fraction : float
    Fraction of each dose sent down this path, in (0, 1].
fraction_by_position : list[float]
    Fraction by the dose's position in a session (1st, 2nd, ...; the last one repeats);
    replaces ``fraction`` when given.
target : str
    Receiving compartment ("" = the plasma compartment).
name : str
    Path name, used in parameter names when a route has several paths.

Examples
--------
>>> import ketasim as ks
>>> ks.Absorption(ka=0.05, f=0.45)
Absorption(ka=0.05, f=0.45, tlag=0)
)doc")
      .def(py::init([](Arg<double> ka, Arg<double> f, Arg<double> tlag, Arg<double> duration,
                       Arg<double> fraction, Arg<Doubles> fraction_by_position,
                       Arg<std::string> target, Arg<std::string> name) {
             constexpr const char* w = "Absorption";
             return Absorption{
                 .ka = as_double(ka, w, "ka"),
                 .f = as_double(f, w, "f"),
                 .tlag = as_double(tlag, w, "tlag"),
                 .duration = as_double(duration, w, "duration"),
                 .fraction = as_double(fraction, w, "fraction"),
                 .fraction_by_position = as_vector(fraction_by_position, w, "fraction_by_position"),
                 .target = as_str(target, w, "target"),
                 .name = as_str(name, w, "name")};
           }),
           py::kw_only(), py::arg("ka") = 0.0, py::arg("f") = 1.0, py::arg("tlag") = 0.0,
           py::arg("duration") = 0.0, py::arg("fraction") = 1.0,
           py::arg("fraction_by_position") = std::vector<double>{}, py::arg("target") = "",
           py::arg("name") = "")
      .def_property(
          "ka", [](const Absorption& a) { return a.ka; },
          [](Absorption& a, Arg<double> v) { a.ka = as_double(v, "Absorption", "ka"); },
          "First-order absorption rate constant, 1/min.")
      .def_property(
          "f", [](const Absorption& a) { return a.f; },
          [](Absorption& a, Arg<double> v) { a.f = as_double(v, "Absorption", "f"); },
          "Bioavailability, > 0 (above 1: relative to a reference route).")
      .def_property(
          "tlag", [](const Absorption& a) { return a.tlag; },
          [](Absorption& a, Arg<double> v) { a.tlag = as_double(v, "Absorption", "tlag"); },
          "Lag time, min.")
      .def_property(
          "duration", [](const Absorption& a) { return a.duration; },
          [](Absorption& a, Arg<double> v) { a.duration = as_double(v, "Absorption", "duration"); },
          "Zero-order input duration, min (0: instantaneous).")
      .def_property(
          "fraction", [](const Absorption& a) { return a.fraction; },
          [](Absorption& a, Arg<double> v) { a.fraction = as_double(v, "Absorption", "fraction"); },
          "Fraction of each dose sent down this path, in (0, 1].")
      .def_readwrite("fraction_by_position", &Absorption::fraction_by_position,
                     "Fraction by the dose's position in a session (a copy; assign a new list).")
      .def_readwrite("target", &Absorption::target,
                     "Receiving compartment ('' = the plasma compartment).")
      .def_readwrite("name", &Absorption::name, "Path name (for routes with several paths).")
      .def("__repr__", &absorption_repr);

  py::class_<Model> model(m, "Model", py::dynamic_attr(), kModelDoc);
  model
      .def(py::init(&make_mammillary), py::kw_only(), py::arg("cl") = py::none(),
           py::arg("v1") = py::none(), py::arg("q2") = 0.0, py::arg("v2") = 0.0,
           py::arg("q3") = 0.0, py::arg("v3") = 0.0, py::arg("ke0") = py::none(),
           py::arg("routes") = py::none())
      .def_static(
          "from_micro",
          [](Arg<double> v1, Arg<double> k10, Arg<double> k12, Arg<double> k21, Arg<double> k13,
             Arg<double> k31, Arg<std::optional<double>> ke0, const py::object& routes) {
            constexpr const char* w = "Model.from_micro";
            Model mm = Model::from_micro(MicroConstants{.v1 = as_double(v1, w, "v1"),
                                                        .k10 = as_double(k10, w, "k10"),
                                                        .k12 = as_double(k12, w, "k12"),
                                                        .k21 = as_double(k21, w, "k21"),
                                                        .k13 = as_double(k13, w, "k13"),
                                                        .k31 = as_double(k31, w, "k31")},
                                         as_optional_double(ke0, w, "ke0"));
            add_routes(mm, routes, "Model.from_micro");
            return mm;
          },
          py::kw_only(), py::arg("v1"), py::arg("k10"), py::arg("k12") = 0.0, py::arg("k21") = 0.0,
          py::arg("k13") = 0.0, py::arg("k31") = 0.0, py::arg("ke0") = py::none(),
          py::arg("routes") = py::none(),
          R"doc(A mammillary model from micro rate constants.

Parameters
----------
v1 : float
    Central volume, L.
k10, k12, k21, k13, k31 : float
    Micro rate constants, 1/min (k12/k21 and k13/k31 in pairs; 0 = compartment absent).
ke0 : float, optional
    Effect-site rate constant, 1/min.
routes : dict, optional
    As for ``Model(...)``.

Returns
-------
Model
    The same model in clearances and volumes (parameters "cl", "v1", "q2", "v2", ...).

Examples
--------
>>> import ketasim as ks
>>> m = ks.Model.from_micro(v1=4.41, k10=0.4381, k12=0.5921, k21=0.2470, k13=0.59, k31=0.0146)
>>> round(m.parameter("cl"), 4)
1.932
)doc")
      // General network builder: each returns the model itself.
      .def(
          "add_compartment",
          [](Model& self, std::string name, Arg<double> volume_l,
             std::string parameter_name) -> Model& {
            return self.add_compartment(std::move(name),
                                        as_double(volume_l, "Model.add_compartment", "volume_l"),
                                        std::move(parameter_name));
          },
          py::arg("name"), py::arg("volume_l"), py::arg("parameter_name") = "",
          py::return_value_policy::reference_internal,
          "Adds a compartment of volume_l (L); the first one is the plasma compartment.\n\n"
          "Its volume is the parameter parameter_name (default 'v_<name>'). Returns the model.")
      .def(
          "add_depot",
          [](Model& self, std::string name) -> Model& { return self.add_depot(std::move(name)); },
          py::arg("name"), py::return_value_policy::reference_internal,
          "Adds an absorption depot: it holds mass (mg), has no volume. Returns the model.")
      .def(
          "add_transfer",
          [](Model& self, const std::string& from, const std::string& to, Arg<double> rate_per_min,
             std::string parameter_name) -> Model& {
            return self.add_transfer(from, to,
                                     as_double(rate_per_min, "Model.add_transfer", "rate_per_min"),
                                     std::move(parameter_name));
          },
          py::arg("from_"), py::arg("to"), py::arg("rate_per_min"), py::arg("parameter_name"),
          py::return_value_policy::reference_internal,
          "First-order transfer from_ -> to at rate_per_min (1/min). Returns the model.")
      .def(
          "add_flow",
          [](Model& self, const std::string& from, const std::string& to, Arg<double> q_l_per_min,
             std::string parameter_name) -> Model& {
            return self.add_flow(from, to, as_double(q_l_per_min, "Model.add_flow", "q_l_per_min"),
                                 std::move(parameter_name));
          },
          py::arg("from_"), py::arg("to"), py::arg("q_l_per_min"), py::arg("parameter_name"),
          py::return_value_policy::reference_internal,
          "One-way flow from_ -> to at clearance q_l_per_min (L/min): rate = q / V(from_). "
          "Returns the model.")
      .def(
          "add_exchange",
          [](Model& self, const std::string& a, const std::string& b, Arg<double> q_l_per_min,
             std::string parameter_name) -> Model& {
            return self.add_exchange(a, b,
                                     as_double(q_l_per_min, "Model.add_exchange", "q_l_per_min"),
                                     std::move(parameter_name));
          },
          py::arg("a"), py::arg("b"), py::arg("q_l_per_min"), py::arg("parameter_name"),
          py::return_value_policy::reference_internal,
          "Two-way exchange between a and b at clearance q_l_per_min (L/min), a mammillary Q. "
          "Returns the model.")
      .def(
          "add_elimination",
          [](Model& self, const std::string& from, Arg<double> rate_per_min,
             std::string parameter_name) -> Model& {
            return self.add_elimination(
                from, as_double(rate_per_min, "Model.add_elimination", "rate_per_min"),
                std::move(parameter_name));
          },
          py::arg("from_"), py::arg("rate_per_min"), py::arg("parameter_name"),
          py::return_value_policy::reference_internal,
          "First-order elimination out of the body from from_ at rate_per_min (1/min). "
          "Returns the model.")
      .def(
          "add_clearance",
          [](Model& self, const std::string& from, Arg<double> cl_l_per_min,
             std::string parameter_name) -> Model& {
            return self.add_clearance(
                from, as_double(cl_l_per_min, "Model.add_clearance", "cl_l_per_min"),
                std::move(parameter_name));
          },
          py::arg("from_"), py::arg("cl_l_per_min"), py::arg("parameter_name"),
          py::return_value_policy::reference_internal,
          "Elimination out of the body at clearance cl_l_per_min (L/min): rate = cl / V(from_). "
          "Returns the model.")
      .def(
          "set_plasma",
          [](Model& self, const std::string& compartment) -> Model& {
            return self.set_plasma(compartment);
          },
          py::arg("compartment"), py::return_value_policy::reference_internal,
          "Chooses the compartment whose concentration is reported as Cp. Returns the model.")
      .def(
          "set_effect_site",
          [](Model& self, Arg<double> ke0, const std::string& driver) -> Model& {
            return self.set_effect_site(as_double(ke0, "Model.set_effect_site", "ke0"), driver);
          },
          py::arg("ke0"), py::arg("driver") = "", py::return_value_policy::reference_internal,
          "Attaches an effect site with ke0 (1/min) to driver (default: the plasma "
          "compartment); sets ke0 again when there is one. Returns the model.")
      .def(
          "add_analyte",
          [](Model& self, const std::string& compartment) -> Model& {
            return self.add_analyte(compartment);
          },
          py::arg("compartment"), py::return_value_policy::reference_internal,
          "Reports a compartment's concentration as an analyte of its own (e.g. a metabolite); "
          "read it with Result.concentration_ng_ml(name). Returns the model.")
      .def(
          "with_route",
          [](Model& self, std::string name, const py::object& paths) -> Model& {
            const std::string field = "paths of route \"" + name + "\"";
            return self.with_route(std::move(name), paths_from(paths, "Model.with_route", field));
          },
          py::arg("name"), py::arg("paths"), py::return_value_policy::reference_internal,
          R"doc(Adds an extravascular route made of one Absorption path or a list of them.

A dose by the route is split between the paths by their ``fraction`` (or
``fraction_by_position``). Parameter names: "<name>.ka", "<name>.f", "<name>.tlag" for one path,
"<name>.<path>.ka", ... for several. Returns the model.
)doc")
      // Named parameters.
      .def("parameter_names", &Model::parameter_names, "Names of all parameters, in order.")
      .def(
          "parameter",
          [](const Model& self, Arg<std::string> name) {
            return self.parameter(as_str(name, "Model.parameter", "name"));
          },
          py::arg("name"), "Value of a named parameter (its unit: parameter_unit(name)).")
      .def(
          "set_parameter",
          [](Model& self, Arg<std::string> name, Arg<double> value) -> Model& {
            constexpr const char* w = "Model.set_parameter";
            return self.set_parameter(as_str(name, w, "name"), as_double(value, w, "value"));
          },
          py::arg("name"), py::arg("value"), py::return_value_policy::reference_internal,
          "Sets a named parameter, validated as at construction. Returns the model.")
      .def(
          "parameters",
          [](const Model& self) {
            py::dict d;
            for (const auto& p : self.parameters()) d[py::str(p.name)] = p.value;
            return d;
          },
          "All parameters as a dict {name: value} (a copy; units from parameter_unit).")
      .def(
          "parameter_unit",
          [](const Model& self, Arg<std::string> name) {
            const std::string n = as_str(name, "Model.parameter_unit", "name");
            return std::string(unit_of(find_parameter(self, n).kind));
          },
          py::arg("name"), "Unit of a parameter: 'L', 'L/min', '1/min', 'min' or '' (f).")
      // Structure.
      .def_property_readonly("compartment_names", &Model::compartment_names,
                             "Compartment names, in state order (the columns of amounts_mg).")
      .def_property_readonly("route_names", &Model::route_names,
                             "Names of the defined routes (the built-in 'iv' is not listed).")
      .def(
          "has_route",
          [](const Model& self, Arg<std::string> name) {
            return self.has_route(as_str(name, "Model.has_route", "name"));
          },
          py::arg("name"), "Whether a dose can be given by this route (including 'iv').")
      .def_property_readonly("has_effect_site", &Model::has_effect_site,
                             "Whether the model has an effect site (a ke0).")
      .def_property_readonly(
          "plasma",
          [](const Model& self) {
            self.validate();
            return self.compartment_names()[static_cast<std::size_t>(self.plasma())];
          },
          "Name of the plasma compartment (Cp).")
      .def_property_readonly(
          "analytes",
          [](const Model& self) {
            std::vector<std::string> out;
            for (int i : self.analytes())
              out.push_back(self.compartments()[static_cast<std::size_t>(i)].name);
            return out;
          },
          "Compartments reported as analytes of their own.")
      .def("__len__", &Model::n_compartments, "Number of compartments (depots included).")
      .def("validate", &Model::validate, "Raises ValueError unless the model can be simulated.")
      .def(
          "copy", [](const Model& self) { return Model(self); }, "An independent copy.")
      .def("__copy__", [](const Model& self) { return Model(self); })
      .def(
          "__deepcopy__", [](const Model& self, py::dict) { return Model(self); }, py::arg("memo"))
      .def("to_dict", &model_to_dict, kToDictDoc)
      .def_static(
          "from_dict", [](const py::object& d) { return model_from_dict(d); }, py::arg("d"),
          kFromDictDoc)
      .def(py::self == py::self,  // NOLINT(misc-redundant-expression)
           "Whether two models have the same data (structure and parameter values).")
      .def(py::pickle([](const Model& self) { return model_to_dict(self); },
                      [](const py::object& d) { return model_from_dict(d); }))
      .def("__repr__", &model_repr);
}

}  // namespace ketasim::python
