// Tests of model.hpp: builders, conversions, parameters, the rate matrix, and the model as data
// (ModelData): a round trip rebuilds every model to the same bits; bad data names the field.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "ketasim/detail/system.hpp"
#include "ketasim/models/catalogue.hpp"

using namespace ketasim;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("model: micro constants and clearances convert both ways", "[model]") {
  const Mammillary p{.cl = 1.2, .v1 = 15.0, .q2 = 2.0, .v2 = 40.0, .q3 = 0.6, .v3 = 150.0};
  const MicroConstants k = to_micro(p);
  CHECK_THAT(k.k10, WithinRel(1.2 / 15.0, 1e-15));
  CHECK_THAT(k.k12, WithinRel(2.0 / 15.0, 1e-15));
  CHECK_THAT(k.k21, WithinRel(2.0 / 40.0, 1e-15));
  CHECK_THAT(k.k13, WithinRel(0.6 / 15.0, 1e-15));
  CHECK_THAT(k.k31, WithinRel(0.6 / 150.0, 1e-15));
  const Mammillary back = to_clearances(k);
  CHECK_THAT(back.cl, WithinRel(p.cl, 1e-14));
  CHECK_THAT(back.v2, WithinRel(p.v2, 1e-14));
  CHECK_THAT(back.q3, WithinRel(p.q3, 1e-14));
  CHECK_THAT(back.v3, WithinRel(p.v3, 1e-14));
}

TEST_CASE("model: mammillary builders name compartments and parameters", "[model]") {
  SECTION("one compartment") {
    const Model m = Model::one_compartment({.cl = 1.0, .v1 = 10.0});
    CHECK(m.compartment_names() == std::vector<std::string>{"central"});
    CHECK(m.parameter_names() == std::vector<std::string>{"v1", "cl"});
    CHECK_FALSE(m.has_effect_site());
  }
  SECTION("three compartments with effect site and a route") {
    const Model m = test::reference_model();
    CHECK(m.compartment_names() ==
          std::vector<std::string>{"central", "peripheral1", "peripheral2", "intranasal.depot"});
    CHECK(m.has_parameter("intranasal.ka"));
    CHECK(m.parameter("intranasal.f") == 0.45);
    CHECK(m.ke0_per_min() == 0.2);
    CHECK(m.has_route("intranasal"));
    CHECK(m.has_route("iv"));
    CHECK_FALSE(m.has_route("oral"));
  }
  SECTION("from micro constants equals from clearances") {
    const Model a = Model::from_micro(
        {.v1 = 4.41, .k10 = 0.4381, .k12 = 0.5921, .k21 = 0.247, .k13 = 0.59, .k31 = 0.0146});
    CHECK_THAT(a.parameter("cl"), WithinRel(4.41 * 0.4381, 1e-14));
    CHECK_THAT(a.parameter("v3"), WithinRel(4.41 * 0.59 / 0.0146, 1e-14));
  }
}

TEST_CASE("model: rate matrix columns conserve mass", "[model]") {
  const Model m = test::reference_model();
  const StateLayout lay = state_layout(m);
  Eigen::MatrixXd a;
  detail::fill_matrix(m, lay, a);
  // Every compartment's outflow lands in another compartment or in 'eliminated': the mass rows
  // (compartments + eliminated) of each column sum to zero.
  for (int j = 0; j < lay.n_compartments; ++j) {
    double sum = 0.0;
    for (int i = 0; i <= lay.eliminated; ++i) sum += a(i, j);
    CHECK(std::abs(sum) < 1e-15);
  }
  CHECK_THAT(a(0, 0), WithinRel(-(1.2 + 2.0 + 0.6) / 15.0, 1e-14));
  CHECK_THAT(a(lay.effect, 0), WithinRel(0.2 / 15.0, 1e-14));
  CHECK(a(lay.effect, lay.effect) == -0.2);
}

TEST_CASE("model: set_parameter changes the rates and validates", "[model]") {
  Model m = Model::two_compartment({.cl = 1.0, .v1 = 10.0, .q2 = 2.0, .v2 = 20.0}, 0.5);
  m.set_parameter("cl", 2.0);
  CHECK(m.parameter("cl") == 2.0);
  CHECK_THROWS_WITH(m.set_parameter("cl", -1.0), "Model: cl must be > 0 L/min, got -1 L/min");
  CHECK_THROWS_WITH(m.set_parameter("clx", 1.0), Contains("parameter must be one of [v1, cl"));
}

TEST_CASE("model: general network with a liver, a metabolite and split absorption", "[model]") {
  Model m;
  m.add_compartment("central", 192.0)
      .add_compartment("liver", 101.0)
      .add_compartment("metabolite", 70.0)
      .add_exchange("central", "liver", 151.0 / 60.0, "qh")
      .add_elimination("liver", 1.11 / 60.0, "kel")
      .add_transfer("liver", "metabolite", 2.77 / 60.0, "kmet")
      .add_clearance("metabolite", 38.0 / 60.0, "cl_met")
      .add_analyte("metabolite");
  m.with_route("intranasal", std::vector<Absorption>{{.ka = 2.93 / 60.0, .name = "nasal"},
                                                     {.ka = 1.45 / 60.0,
                                                      .f = 0.64,
                                                      .duration = 0.53 * 60.0,
                                                      .target = "liver",
                                                      .name = "swallowed"}});
  CHECK(m.n_compartments() == 5);
  CHECK(m.has_parameter("intranasal.nasal.ka"));
  CHECK(m.has_parameter("intranasal.swallowed.duration"));
  CHECK(m.analytes() == std::vector<int>{2});
  CHECK(m.routes()[0].paths[1].target == 1);
}

// --- The model as data (ModelData): what pickling and scenario files carry. ---

namespace {

/// Same structure by index (what the solvers read) and the same parameter values, bit for bit.
void check_same_structure(const Model& a, const Model& b) {
  REQUIRE(a.parameters() == b.parameters());
  CHECK(a.compartment_names() == b.compartment_names());
  for (std::size_t c = 0; c < a.n_compartments(); ++c)
    CHECK(a.compartments()[c].volume_param == b.compartments()[c].volume_param);
  REQUIRE(a.links().size() == b.links().size());
  for (std::size_t l = 0; l < a.links().size(); ++l) {
    CHECK(a.links()[l].from == b.links()[l].from);
    CHECK(a.links()[l].to == b.links()[l].to);
    CHECK(a.links()[l].param == b.links()[l].param);
    CHECK(a.links()[l].clearance == b.links()[l].clearance);
  }
  REQUIRE(a.route_names() == b.route_names());
  for (std::size_t r = 0; r < a.routes().size(); ++r) {
    const auto &pa = a.routes()[r].paths, &pb = b.routes()[r].paths;
    REQUIRE(pa.size() == pb.size());
    for (std::size_t k = 0; k < pa.size(); ++k) {
      CHECK(pa[k].name == pb[k].name);
      CHECK(pa[k].target == pb[k].target);
      CHECK(pa[k].depot == pb[k].depot);
      CHECK(pa[k].ka_param == pb[k].ka_param);
      CHECK(pa[k].f_param == pb[k].f_param);
      CHECK(pa[k].tlag_param == pb[k].tlag_param);
      CHECK(pa[k].duration_param == pb[k].duration_param);
      CHECK(pa[k].fraction == pb[k].fraction);
      CHECK(pa[k].fraction_by_position == pb[k].fraction_by_position);
    }
  }
  CHECK(a.plasma() == b.plasma());
  CHECK(a.has_effect_site() == b.has_effect_site());
  if (a.has_effect_site()) CHECK(a.effect_driver() == b.effect_driver());
  CHECK(a.analytes() == b.analytes());
}

/// A bolus, an infusion and two doses by every route (positions 1 and 2).
Regimen every_route(const Model& m) {
  Regimen r;
  r.bolus({.dose_mg = 10.0, .time_min = 0.0}).infusion({.dose_mg = 30.0, .duration_min = 20.0});
  for (const auto& name : m.route_names())
    r.dose(name, {.dose_mg = 20.0, .time_min = 3.0})
        .dose(name, {.dose_mg = 20.0, .time_min = 8.0, .position = 2});
  return r;
}

void check_round_trip(const Model& m) {
  const ModelData d = m.data();
  const Model b(d);
  check_same_structure(m, b);
  CHECK(b.data() == d);
  CHECK(b == m);
  const auto t = test::grid(0.0, 240.0, 0.5);
  const Regimen r = every_route(m);
  const Result x = simulate(m, r, t), y = simulate(b, r, t);
  CHECK(x.cp_ng_ml() == y.cp_ng_ml());
  if (m.has_effect_site()) CHECK(x.ce_ng_ml() == y.ce_ng_ml());
  for (const auto& a : x.analytes()) CHECK(x.concentration_ng_ml(a) == y.concentration_ng_ml(a));
}

/// A network with depots, one-way flows, a split route with fraction_by_position and a
/// zero-order path into a user depot, links added after the route, an effect site on a
/// non-plasma driver and an analyte.
Model general_network() {
  Model m;
  m.add_compartment("tissue", 30.0, "vt")
      .add_depot("gut")
      .add_compartment("blood", 5.0, "vb")
      .add_transfer("gut", "blood", 0.02, "k_gut")
      .add_flow("blood", "tissue", 0.7, "q_bt")
      .add_flow("tissue", "blood", 0.5, "q_tb")
      .add_elimination("tissue", 0.01, "k_met")
      .with_route("nasal",
                  std::vector<Absorption>{
                      {.ka = 0.08, .f = 0.5, .fraction_by_position = {0.6, 0.4}, .name = "mucosa"},
                      {.f = 0.3,
                       .duration = 12.0,
                       .fraction_by_position = {0.4, 0.6},
                       .target = "gut",
                       .name = "swallowed"}})
      .add_compartment("metabolite", 50.0)
      .add_exchange("blood", "metabolite", 0.3, "q_m")
      .add_clearance("metabolite", 0.9, "cl_m")
      .add_depot("late_depot")
      .add_transfer("late_depot", "blood", 0.04, "k_late")
      .with_route("im", Absorption{.ka = 0.2, .f = 0.9, .tlag = 1.5, .target = "tissue"})
      .set_plasma("blood")
      .set_effect_site(0.3, "tissue")
      .add_analyte("metabolite");
  return m;
}

}  // namespace

TEST_CASE("model data: every catalogue model rebuilds from its data to the same bits",
          "[model][data]") {
  for (const auto& key : models::keys()) {
    INFO(key);
    models::Covariates cov;  // mid-range (or the default) of each covariate
    for (const auto& c : models::info(key).covariates)
      cov[c.name] = c.default_value ? *c.default_value : (c.flag ? 1.0 : 0.5 * (c.min + c.max));
    check_round_trip(models::get(key, cov));
  }
}

TEST_CASE("model data: general networks rebuild from their data to the same bits",
          "[model][data]") {
  SECTION("the reference model") { check_round_trip(test::reference_model()); }
  SECTION("depots, one-way flows, split routes, effect site off the plasma compartment") {
    check_round_trip(general_network());
  }
  SECTION("a duration parameter set to 0 stays a parameter") {
    Model m = general_network();
    m.set_parameter("nasal.swallowed.duration", 0.0);
    check_round_trip(m);
    CHECK(Model(m.data()).has_parameter("nasal.swallowed.duration"));
  }
  SECTION("an empty model") {
    CHECK(Model(Model().data()).n_compartments() == 0);
    CHECK(Model().data() == ModelData{});
  }
}

TEST_CASE("model data: the layout of a mammillary model with a route", "[model][data]") {
  const Model m = Model::two_compartment({.cl = 1.2, .v1 = 15.0, .q2 = 2.0, .v2 = 40.0}, 0.2)
                      .with_route("intranasal", Absorption{.ka = 0.05, .f = 0.45});
  using K = ParameterKind;
  const ModelData expected{
      .parameters = {{"v1", 15.0, K::volume},
                     {"cl", 1.2, K::clearance},
                     {"v2", 40.0, K::volume},
                     {"q2", 2.0, K::clearance},
                     {"ke0", 0.2, K::ke0},
                     {"intranasal.f", 0.45, K::f},
                     {"intranasal.tlag", 0.0, K::tlag},
                     {"intranasal.ka", 0.05, K::ka}},
      .compartments = {{"central", "v1"}, {"peripheral1", "v2"}, {"intranasal.depot", ""}},
      .links = {{"central", "", "cl"},
                {"central", "peripheral1", "q2"},
                {"peripheral1", "central", "q2"}},
      .routes = {{"intranasal",
                  {{.name = "path1",
                    .target = "central",
                    .depot = "intranasal.depot",
                    .ka = "intranasal.ka",
                    .f = "intranasal.f",
                    .tlag = "intranasal.tlag"}}}},
      .plasma = "central",
      .effect_site = ModelData::EffectSite{"central", "ke0"},
  };
  CHECK(m.data() == expected);
  // The absorption link is implied by the path: depot -> target at rate ka, last.
  const Model rebuilt(expected);
  const auto& last = rebuilt.links().back();
  CHECK(last.from == 2);
  CHECK(last.to == 0);
  CHECK(last.param == 7);
  CHECK_FALSE(last.clearance);
}

TEST_CASE("model data: invalid data is an InvalidInput naming the field", "[model][data]") {
  const ModelData good = general_network().data();
  auto fails = [&](auto&& edit) {
    ModelData d = good;
    edit(d);
    return [d] { return Model(d); };
  };
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.parameters[0].value = -1.0; })(),
                    "Model: parameters[0].value (vt) must be > 0 L, got -1 L");
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.parameters[1].name = "vt"; })(),
                    "Model: parameters[1].name must be unique, got \"vt\"");
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.compartments[1].name = "tissue"; })(),
                    "Model: compartments[1].name must be unique, got \"tissue\"");
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.compartments[0].volume = "k_gut"; })(),
                    "Model: compartments[0].volume must be a parameter of kind volume "
                    "(\"k_gut\" is of kind rate), got \"k_gut\"");
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.compartments[0].volume = "v"; })(),
                    Contains("Model: compartments[0].volume must be one of the parameters [vt, "
                             "vb, k_gut, q_bt,"));
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.links[0].to = "liver"; })(),
                    "Model: links[0].to must be one of the compartments [tissue, gut, blood, "
                    "nasal.mucosa.depot, metabolite, late_depot, im.depot], got \"liver\"");
  CHECK_THROWS_WITH(
      fails([](ModelData& d) { d.links[0].to = "gut"; })(),
      "Model: links[0].to must be a different compartment than its from, got \"gut\"");
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.links[1].from = "gut"; })(),
                    "Model: links[1].from must be a compartment with a volume (not a depot), got "
                    "\"gut\"");
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.links[0].parameter = "vb"; })(),
                    "Model: links[0].parameter must be a parameter of kind clearance or rate "
                    "(\"vb\" is of kind volume), got \"vb\"");
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.routes[1].name = "nasal"; })(),
                    "Model: routes[1].name must be unique, got \"nasal\"");
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.routes[0].paths.clear(); })(),
                    "Model: routes[0].paths must be non-empty, got \"an empty list\"");
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.routes[0].paths[0].depot = "blood"; })(),
                    "Model: routes[0].paths[0].depot must be a depot (a compartment without "
                    "volume), got \"blood\"");
  CHECK_THROWS_WITH(
      fails([](ModelData& d) { d.routes[1].paths[0].depot = "nasal.mucosa.depot"; })(),
      "Model: routes[1].paths[0].depot must be the depot of one path only, got "
      "\"nasal.mucosa.depot\"");
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.routes[0].paths[0].ka.clear(); })(),
                    "Model: routes[0].paths[0].ka must be given with routes[0].paths[0].depot (a "
                    "depot drains at rate ka), got nothing");
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.routes[0].paths[0].f = "nasal.swallowed.f"; })(),
                    "Model: parameters[6] must be used by a compartment, a link, a route or the "
                    "effect site, got \"nasal.mucosa.f\"");
  CHECK_THROWS_WITH(fails([](ModelData& d) {
                      d.routes[0].paths[1].fraction_by_position = {0.4, 1.5};
                    })(),
                    "Model: routes[0].paths[1].fraction_by_position must be in (0, 1], got 1.5");
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.plasma = "gut"; })(),
                    "Model: plasma must be a compartment with a volume (not a depot), got \"gut\"");
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.effect_site->ke0 = "vb"; })(),
                    "Model: effect_site.ke0 must be a parameter of kind ke0 (\"vb\" is of kind "
                    "volume), got \"vb\"");
  CHECK_THROWS_WITH(fails([](ModelData& d) { d.analytes.push_back("metabolite"); })(),
                    "Model: analytes[1] must be listed once, got \"metabolite\"");
  CHECK_THROWS_WITH(parse_kind("speed"),
                    "Model: kind must be one of [volume, clearance, rate, ka, f, tlag, duration, "
                    "ke0], got \"speed\"");
}
