// Model and regimen recipes (detail/model_state.hpp), which let populations travel to other
// processes: a rebuilt model has the same structure and parameters and simulates to the same bits.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "../helpers.hpp"
#include "ketasim/detail/model_state.hpp"
#include "ketasim/models/catalogue.hpp"

using namespace ketasim;

namespace {

void check_same(const Model& a, const Model& b) {
  REQUIRE(a.parameter_names() == b.parameter_names());
  for (std::size_t i = 0; i < a.parameters().size(); ++i) {
    CHECK(a.parameters()[i].value == b.parameters()[i].value);
    CHECK(a.parameters()[i].kind == b.parameters()[i].kind);
  }
  CHECK(a.compartment_names() == b.compartment_names());
  CHECK(a.route_names() == b.route_names());
  REQUIRE(a.links().size() == b.links().size());
  for (std::size_t l = 0; l < a.links().size(); ++l) {
    CHECK(a.links()[l].from == b.links()[l].from);
    CHECK(a.links()[l].to == b.links()[l].to);
    CHECK(a.links()[l].param == b.links()[l].param);
    CHECK(a.links()[l].clearance == b.links()[l].clearance);
  }
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

Model round_trip(const Model& m) { return detail::model_from_recipe(detail::model_recipe(m)); }

}  // namespace

TEST_CASE("model state: the reference model rebuilds identically and simulates to the same bits",
          "[model_state]") {
  const Model m = test::reference_model();
  const Model b = round_trip(m);
  check_same(m, b);
  Regimen r;
  r.infusion({.dose_mg = 35.0, .duration_min = 40.0}).nasal_spray({.dose_mg = 56.0});
  const auto t = test::grid(0.0, 300.0, 1.0);
  CHECK(simulate(m, r, t).cp_ng_ml() == simulate(b, r, t).cp_ng_ml());
  CHECK(simulate(m, r, t).ce_ng_ml() == simulate(b, r, t).ce_ng_ml());
}

TEST_CASE("model state: every catalogue model rebuilds identically", "[model_state]") {
  for (const auto& key : models::keys()) {
    INFO(key);
    models::Covariates cov;  // mid-range (or the default) of each covariate
    for (const auto& c : models::info(key).covariates)
      cov[c.name] = c.default_value ? *c.default_value : (c.flag ? 1.0 : 0.5 * (c.min + c.max));
    const Model m = models::get(key, cov);
    check_same(m, round_trip(m));
  }
}

TEST_CASE("model state: a general network with depots, flows and split routes", "[model_state]") {
  Model m;
  m.add_compartment("tissue", 30.0, "vt")
      .add_depot("gut")
      .add_compartment("blood", 5.0, "vb")
      .add_transfer("gut", "blood", 0.02, "k_gut")
      .add_flow("blood", "tissue", 0.7, "q_bt")
      .add_flow("tissue", "blood", 0.5, "q_tb")
      .add_elimination("tissue", 0.01, "k_met")
      .with_route(
          "nasal",
          std::vector<Absorption>{
              {.ka_per_min = 0.08, .f = 0.5, .fraction_by_position = {0.6, 0.4}, .name = "mucosa"},
              {.f = 0.3,
               .duration_min = 12.0,
               .fraction = 0.4,
               .target = "gut",
               .name = "swallowed"}})
      .add_compartment("metabolite", 50.0)
      .add_exchange("blood", "metabolite", 0.3, "q_m")
      .add_clearance("metabolite", 0.9, "cl_m")
      .add_depot("late_depot")
      .add_transfer("late_depot", "blood", 0.04, "k_late")
      .set_plasma("blood")
      .set_effect_site(0.3, "tissue")
      .add_analyte("metabolite");
  m.set_parameter("nasal.swallowed.duration", 0.0);  // a duration parameter that is now 0
  const Model b = round_trip(m);
  check_same(m, b);
  Regimen r;
  r.dose("nasal", {.dose_mg = 20.0, .time_min = 1.0})
      .dose("nasal", {.dose_mg = 20.0, .time_min = 6.0, .position = 2})
      .bolus({.dose_mg = 3.0, .time_min = 2.0, .compartment = "late_depot"});
  const auto t = test::grid(0.0, 120.0, 0.5);
  CHECK(simulate(m, r, t).cp_ng_ml() == simulate(b, r, t).cp_ng_ml());
  CHECK(simulate(m, r, t).concentration_ng_ml("metabolite") ==
        simulate(b, r, t).concentration_ng_ml("metabolite"));
}

TEST_CASE("model state: a regimen rebuilds from its records", "[model_state]") {
  Regimen r;
  r.bolus({.dose_mg = 10.0, .time_min = 0.0, .interval_min = 60.0, .count = 3})
      .infusion({.rate_mg_per_min = 0.5,
                 .start_min = 5.0,
                 .duration_min = 20.0,
                 .compartment = "central"})
      .nasal_spray({.dose_mg = 84.0, .start_min = 30.0})
      .dose("iv", {.dose_mg = 0.0, .time_min = 7.0});
  const Regimen b = detail::regimen_from_records(r.records());
  REQUIRE(b.records().size() == r.records().size());
  for (std::size_t i = 0; i < r.records().size(); ++i) {
    const auto &x = r.records()[i], &y = b.records()[i];
    CHECK(x.kind == y.kind);
    CHECK(x.target == y.target);
    CHECK(x.amount_mg == y.amount_mg);
    CHECK(x.time_min == y.time_min);
    CHECK(x.duration_min == y.duration_min);
    CHECK(x.position == y.position);
  }
}
