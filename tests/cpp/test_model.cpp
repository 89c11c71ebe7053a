// Tests of model.hpp: builders, conversions, parameters and the rate matrix.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "ketasim/detail/system.hpp"

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
  m.with_route("intranasal", std::vector<Absorption>{{.ka_per_min = 2.93 / 60.0, .name = "nasal"},
                                                     {.ka_per_min = 1.45 / 60.0,
                                                      .f = 0.64,
                                                      .duration_min = 0.53 * 60.0,
                                                      .target = "liver",
                                                      .name = "swallowed"}});
  CHECK(m.n_compartments() == 5);
  CHECK(m.has_parameter("intranasal.nasal.ka"));
  CHECK(m.has_parameter("intranasal.swallowed.duration"));
  CHECK(m.analytes() == std::vector<int>{2});
  CHECK(m.routes()[0].paths[1].target == 1);
}
