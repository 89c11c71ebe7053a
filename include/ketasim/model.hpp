// The compartment model: a linear network of named compartments, transfers, elimination, routes
// and an optional effect site, with builders for the common mammillary case.
#pragma once

#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ketasim/error.hpp"

namespace ketasim {

/// Mammillary model from clearances and volumes (L/min, L). A peripheral compartment is present
/// when its volume is > 0; q2/v2 and q3/v3 come in pairs, and 3 needs 2.
struct Mammillary {
  double cl = 0.0;  ///< elimination clearance from the central compartment, L/min
  double v1 = 0.0;  ///< central volume, L
  double q2 = 0.0;  ///< inter-compartmental clearance to peripheral 1, L/min
  double v2 = 0.0;  ///< peripheral 1 volume, L
  double q3 = 0.0;  ///< inter-compartmental clearance to peripheral 2, L/min
  double v3 = 0.0;  ///< peripheral 2 volume, L
};

/// The same model as micro rate constants (1/min) with the central volume (L).
struct MicroConstants {
  double v1 = 0.0;
  double k10 = 0.0;
  double k12 = 0.0;
  double k21 = 0.0;
  double k13 = 0.0;
  double k31 = 0.0;
};

/// Converts clearances and volumes to micro constants (k10 = CL/V1, k12 = Q2/V1, k21 = Q2/V2, ...).
MicroConstants to_micro(const Mammillary& p);
/// Converts micro constants back to clearances and volumes (V2 = V1 k12/k21, CL = V1 k10, ...).
Mammillary to_clearances(const MicroConstants& k);

/// One path of an extravascular route: what fraction of each dose goes where, how much of it is
/// bioavailable, after what lag, and how it is absorbed (a builder's input: Model::with_route
/// turns it into named parameters "<route>.ka", "<route>.f", ... and a depot).
///  - ka > 0: the dose enters a depot of its own and leaves it by first-order absorption.
///  - duration > 0: the dose enters (the depot, or the target directly) at a zero-order rate.
///  - neither: the bioavailable dose lands in the target at once (after the lag).
struct Absorption {
  double ka = 0.0;        ///< first-order absorption rate constant, 1/min (0: no depot)
  double f = 1.0;         ///< bioavailability, > 0 (above 1: relative to a reference route)
  double tlag = 0.0;      ///< lag time, min (>= 0)
  double duration = 0.0;  ///< zero-order input duration, min (0: instantaneous)
  double fraction = 1.0;  ///< fraction of each dose sent down this path, in (0, 1]
  /// Fraction by the dose's position in a session (1st, 2nd, ...; the last entry repeats).
  /// When non-empty it replaces `fraction` (e.g. later nasal devices absorbed less nasally).
  std::vector<double> fraction_by_position = {};
  std::string target = {};  ///< receiving compartment; empty: the plasma compartment
  std::string name = {};    ///< path name; used in parameter names when a route has several paths
};

/// Kind of a model parameter; decides its valid range, its unit and what may use it.
enum class ParameterKind { volume, clearance, rate, ka, f, tlag, duration, ke0 };

/// A named model parameter (population variability and covariates act on these by name).
struct Parameter {
  std::string name;
  double value = 0.0;
  ParameterKind kind = ParameterKind::rate;
  bool operator==(const Parameter&) const = default;
};

/// Unit of a parameter kind ("L", "L/min", "1/min", "min", "").
std::string_view unit_of(ParameterKind kind);
/// Name of a parameter kind as written in model data ("volume", "clearance", "rate", "ka", "f",
/// "tlag", "duration", "ke0").
std::string_view kind_name(ParameterKind kind);
/// The kind named `name`; throws InvalidInput naming `field` when there is none.
ParameterKind parse_kind(std::string_view name, std::string_view field = "kind");

/// A model as plain data: what it is, with everything referred to by name. Model::data() writes
/// it, Model(const ModelData&) rebuilds the model from it with the same validation as the
/// builders (a round trip gives the same parameters, in the same order, and the same
/// simulations, bit for bit). Python's Model.to_dict()/from_dict(), pickling and scenario files
/// use the same layout (docs/model_schema.md).
struct ModelData {
  /// A compartment holding an amount (mg). With a volume it has a concentration; without one it
  /// is a depot (an absorption site that holds mass only).
  struct Compartment {
    std::string name;
    std::string volume = {};  ///< name of its volume parameter (kind volume, L); empty: a depot
    bool operator==(const Compartment&) const = default;
  };
  /// A first-order flow of mass. Its parameter's kind says how the rate is read: kind clearance
  /// (L/min) gives rate = value / V(from), kind rate (1/min) the rate itself. A two-way
  /// exchange is two links sharing one clearance parameter.
  struct Link {
    std::string from;
    std::string to = {};  ///< empty: out of the body (elimination)
    std::string parameter;
    bool operator==(const Link&) const = default;
  };
  /// One path of a route. A path with a depot (and a ka) puts the dose into the depot, which
  /// drains into target at rate ka (that link is implied, not listed in links); without one the
  /// dose goes into target directly.
  struct Path {
    std::string name;
    std::string target;         ///< compartment receiving the absorbed dose
    std::string depot = {};     ///< depot compartment of this path; empty: none
    std::string ka = {};        ///< parameter of kind ka (1/min); given exactly with a depot
    std::string f;              ///< parameter of kind f (bioavailability)
    std::string tlag;           ///< parameter of kind tlag (min)
    std::string duration = {};  ///< parameter of kind duration (min); empty: instantaneous
    double fraction = 1.0;      ///< fraction of each dose sent down this path, in (0, 1]
    std::vector<double> fraction_by_position = {};  ///< replaces fraction when non-empty
    bool operator==(const Path&) const = default;
  };
  struct Route {
    std::string name;
    std::vector<Path> paths;
    bool operator==(const Route&) const = default;
  };
  /// An effect site following the driver's concentration at rate ke0 (holds no mass).
  struct EffectSite {
    std::string driver;  ///< compartment with a volume
    std::string ke0;     ///< parameter of kind ke0 (1/min)
    bool operator==(const EffectSite&) const = default;
  };

  std::vector<Parameter> parameters;      ///< every one is used by something below
  std::vector<Compartment> compartments;  ///< in state order
  std::vector<Link> links;                ///< in order (route depots' absorption links implied)
  std::vector<Route> routes;
  std::string plasma = {};  ///< compartment reported as Cp; empty only when there are none
  std::optional<EffectSite> effect_site = std::nullopt;
  std::vector<std::string> analytes = {};  ///< compartments reported as analytes of their own
  bool operator==(const ModelData&) const = default;
};

/// A linear compartment model: the state is the amount (mg) in each compartment; Cp is the
/// concentration of the plasma compartment; an optional effect site follows one compartment's
/// concentration with rate ke0 (dCe/dt = ke0 (C - Ce)) and holds no mass.
class Model {
 public:
  Model() = default;
  /// The model `data` describes, validated as the builders validate (messages name the field,
  /// e.g. "Model: links[2].to must be one of the compartments [...], got \"liver\"").
  explicit Model(const ModelData& data);
  /// The model as plain data (what pickling and Model.to_dict() write).
  ModelData data() const;
  /// Same data: same structure and the same parameter values.
  friend bool operator==(const Model& a, const Model& b) { return a.data() == b.data(); }

  /// @name Mammillary builders (compartments "central", "peripheral1", "peripheral2";
  /// parameters "cl", "v1", "q2", "v2", "q3", "v3", and "ke0" when given).
  ///@{
  static Model mammillary(const Mammillary& p, std::optional<double> ke0_per_min = std::nullopt);
  static Model one_compartment(const Mammillary& p,
                               std::optional<double> ke0_per_min = std::nullopt);
  static Model two_compartment(const Mammillary& p,
                               std::optional<double> ke0_per_min = std::nullopt);
  static Model three_compartment(const Mammillary& p,
                                 std::optional<double> ke0_per_min = std::nullopt);
  static Model from_micro(const MicroConstants& k,
                          std::optional<double> ke0_per_min = std::nullopt);
  ///@}

  /// @name General network builder. Names must be unique; every parameter is named.
  ///@{
  /// A compartment with a volume (L); the first one added is the plasma compartment.
  Model& add_compartment(std::string name, double volume_l, std::string parameter_name = {});
  /// An absorption depot: holds mass, has no volume and no concentration.
  Model& add_depot(std::string name);
  /// First-order transfer from -> to at rate_per_min (1/min).
  Model& add_transfer(std::string_view from, std::string_view to, double rate_per_min,
                      std::string parameter_name);
  /// One-way flow from -> to with clearance q (L/min): rate = q / V(from).
  Model& add_flow(std::string_view from, std::string_view to, double q_l_per_min,
                  std::string parameter_name);
  /// Two-way exchange between a and b at clearance q (L/min) (a mammillary Q).
  Model& add_exchange(std::string_view a, std::string_view b, double q_l_per_min,
                      std::string parameter_name);
  /// First-order elimination out of the body from a compartment (1/min).
  Model& add_elimination(std::string_view from, double rate_per_min, std::string parameter_name);
  /// Elimination out of the body at clearance cl (L/min): rate = cl / V(from).
  Model& add_clearance(std::string_view from, double cl_l_per_min, std::string parameter_name);
  /// Chooses the compartment whose concentration is reported as Cp.
  Model& set_plasma(std::string_view compartment);
  /// Attaches an effect site with ke0 (1/min) to a compartment (default: the plasma one).
  Model& set_effect_site(double ke0_per_min, std::string_view driver = {});
  /// Reports a compartment's concentration as an analyte of its own (e.g. a metabolite).
  Model& add_analyte(std::string_view compartment);
  ///@}

  /// @name Routes. "iv" is built in (IV bolus into the plasma compartment) unless redefined.
  ///@{
  Model& with_route(std::string name, const Absorption& path) &;
  Model&& with_route(std::string name, const Absorption& path) &&;
  Model& with_route(std::string name, const std::vector<Absorption>& paths) &;
  Model&& with_route(std::string name, const std::vector<Absorption>& paths) &&;
  ///@}

  /// @name Named parameters
  ///@{
  const std::vector<Parameter>& parameters() const { return params_; }
  std::vector<std::string> parameter_names() const;
  bool has_parameter(std::string_view name) const { return find_param(name) >= 0; }
  double parameter(std::string_view name) const;
  /// Sets a parameter, validated as at construction.
  Model& set_parameter(std::string_view name, double value);
  /// Sets the parameter at index i (no lookup; for hot loops), validated.
  void set_parameter(std::size_t i, double value);
  ///@}

  /// @name Structure (read-only)
  ///@{
  struct Compartment {
    std::string name;
    int volume_param = -1;  ///< -1 for a depot
  };
  /// A link by index (route depots' absorption links come after all others).
  struct Link {
    int from = 0;
    int to = -1;  ///< -1: out of the body
    int param = 0;
    bool clearance = false;  ///< rate = param / V(from)
  };
  struct Path {
    std::string name;
    int target = 0;
    int depot = -1;
    int ka_param = -1;
    int f_param = -1;
    int tlag_param = -1;
    int duration_param = -1;
    double fraction = 1.0;
    std::vector<double> fraction_by_position;
    double fraction_at(int position) const;
  };
  struct Route {
    std::string name;
    std::vector<Path> paths;
  };
  std::size_t n_compartments() const { return comps_.size(); }
  const std::vector<Compartment>& compartments() const { return comps_; }
  const std::vector<Link>& links() const { return links_; }
  const std::vector<Route>& routes() const { return routes_; }
  std::vector<std::string> compartment_names() const;
  std::vector<std::string> route_names() const;
  /// Index of a compartment by name; throws InvalidInput naming it when absent.
  int compartment_index(std::string_view name) const;
  /// Index of a route by name, -1 when absent (the built-in "iv" is -1 unless defined).
  int route_index(std::string_view name) const;
  bool has_route(std::string_view name) const;
  bool is_depot(std::size_t i) const { return comps_[i].volume_param < 0; }
  double volume_l(std::size_t i) const;
  int plasma() const { return plasma_; }
  bool has_effect_site() const { return ke0_param_ >= 0; }
  double ke0_per_min() const;
  int effect_driver() const { return driver_; }
  const std::vector<int>& analytes() const { return analytes_; }
  /// First-order rate constant (1/min) of a link at the current parameter values.
  double link_rate(const Link& l) const;
  ///@}

  /// Throws InvalidInput unless the model can be simulated (a plasma compartment exists).
  void validate() const;

 private:
  int find_param(std::string_view name) const;
  int find_comp(std::string_view name) const;
  int add_param(std::string name, double value, ParameterKind kind);
  void check_new_name(std::string_view what, std::string_view name) const;
  void add_route(std::string name, const std::vector<Absorption>& paths);
  void add_link(Link l);

  std::vector<Parameter> params_;
  std::vector<Compartment> comps_;
  std::vector<Link> links_;  ///< [0, n_links_): listed links; then route absorption links
  std::size_t n_links_ = 0;
  std::vector<Route> routes_;
  std::vector<int> analytes_;
  int plasma_ = 0;
  int ke0_param_ = -1;
  int driver_ = -1;
};

}  // namespace ketasim

#include "ketasim/detail/model_impl.hpp"
