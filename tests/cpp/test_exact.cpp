// Tests of exact.hpp: event timing, output rules and propagator reuse.
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"

using namespace ketasim;
using Catch::Matchers::WithinRel;

TEST_CASE("exact: a sample at a bolus time sees the state just after it", "[exact]") {
  const Model m = Model::one_compartment({.cl = 1.0, .v1 = 10.0});
  Regimen r;
  r.bolus({.dose_mg = 10.0, .time_min = 5.0});
  const double t[] = {0.0, 5.0, 5.0, 6.0};
  const Result res = simulate(m, r, t);
  CHECK(res.cp_ng_ml()[0] == 0.0);
  CHECK_THAT(res.cp_ng_ml()[1], WithinRel(1000.0, 1e-15));
  CHECK_THAT(res.cp_ng_ml()[2], WithinRel(1000.0, 1e-15));
  CHECK_THAT(res.cp_ng_ml()[3], WithinRel(1000.0 * std::exp(-0.1), 1e-13));
}

TEST_CASE("exact: output at any sorted times, not only a grid", "[exact]") {
  const Model m = Model::one_compartment({.cl = 1.0, .v1 = 10.0});
  Regimen r;
  r.bolus({.dose_mg = 10.0});
  const double t[] = {0.0, 0.001, 3.7, 3.7, 100.25, 1000.0};
  const Result res = simulate(m, r, t);
  for (std::size_t i = 0; i < 6; ++i)
    CHECK_THAT(res.cp_ng_ml()[i], WithinRel(1000.0 * std::exp(-0.1 * t[i]), 1e-12));
}

TEST_CASE("exact: output that starts after the doses", "[exact]") {
  const Model m = Model::one_compartment({.cl = 1.0, .v1 = 10.0});
  Regimen r;
  r.bolus({.dose_mg = 10.0, .time_min = 1.0})
      .infusion({.dose_mg = 5.0, .start_min = 2.0, .duration_min = 3.0});
  const double late[] = {50.0};
  const auto dense = test::grid(0.0, 50.0, 0.5);
  CHECK_THAT(simulate(m, r, late).cp_ng_ml()[0],
             WithinRel(simulate(m, r, dense).cp_ng_ml().back(), 1e-12));
}

TEST_CASE("exact: a uniform grid computes one propagator per distinct step", "[exact]") {
  const Model m = test::reference_model();
  Regimen r;
  r.infusion({.dose_mg = 35.0, .start_min = 0.0, .duration_min = 40.0})
      .dose("intranasal", {.dose_mg = 28.0, .time_min = 0.0})
      .dose("intranasal", {.dose_mg = 28.0, .time_min = 5.0});
  const auto t = test::grid(0.0, 720.0, 1.0);
  const auto sys = detail::compile(m, r);
  detail::ExactPropagator prop;
  prop.reset(sys.a);
  Eigen::VectorXd x, b;
  int recorded = 0;
  detail::solve_exact(sys, t, prop, x, b, [&](std::size_t, const Eigen::VectorXd&) { ++recorded; });
  CHECK(recorded == 721);
  CHECK(prop.expm_count() == 1);  // all breakpoints (0, 5, 40) are on the grid

  SECTION("a dose between samples adds the two partial steps only") {
    Regimen r2 = r;
    r2.bolus({.dose_mg = 1.0, .time_min = 100.25});
    const auto sys2 = detail::compile(m, r2);
    prop.reset(sys2.a);
    detail::solve_exact(sys2, t, prop, x, b, [](std::size_t, const Eigen::VectorXd&) {});
    CHECK(prop.expm_count() == 3);
  }
}

TEST_CASE("exact: an infusion running while a spray is given: both count", "[exact]") {
  const Model m = test::reference_model();
  Regimen both, inf, spray;
  inf.infusion({.dose_mg = 35.0, .start_min = 0.0, .duration_min = 40.0});
  spray.dose("intranasal", {.dose_mg = 28.0, .time_min = 10.0});
  both.infusion({.dose_mg = 35.0, .start_min = 0.0, .duration_min = 40.0})
      .dose("intranasal", {.dose_mg = 28.0, .time_min = 10.0});
  const auto t = test::grid(0.0, 100.0, 1.0);
  const auto a = simulate(m, both, t), b = simulate(m, inf, t), c = simulate(m, spray, t);
  for (std::size_t i = 1; i < t.size(); ++i)
    CHECK_THAT(a.cp_ng_ml()[i], WithinRel(b.cp_ng_ml()[i] + c.cp_ng_ml()[i], 1e-12));
}

TEST_CASE("exact: the built-in iv route is a bolus into the plasma compartment", "[exact]") {
  const Model m = Model::one_compartment({.cl = 1.0, .v1 = 10.0});
  Regimen a, b;
  a.dose("iv", {.dose_mg = 10.0, .time_min = 2.0});
  b.bolus({.dose_mg = 10.0, .time_min = 2.0});
  const auto t = test::grid(0.0, 20.0, 1.0);
  CHECK(simulate(m, a, t).cp_ng_ml() == simulate(m, b, t).cp_ng_ml());
}

TEST_CASE("exact: matrix exponential matches the series on small and large norms", "[exact]") {
  detail::Expm e;
  for (double scale : {1e-3, 0.1, 1.0, 4.0, 50.0, 800.0}) {
    Eigen::MatrixXd a(3, 3);
    a << -1.0, 0.5, 0.0, 1.0, -0.5, 0.2, 0.0, 0.0, -0.2;
    a *= scale;
    Eigen::MatrixXd out;
    e.compute(a, out);
    // Reference: eigen-decomposition of the (diagonalisable) matrix.
    Eigen::EigenSolver<Eigen::MatrixXd> es(a);
    const Eigen::MatrixXcd v = es.eigenvectors();
    const Eigen::VectorXcd l = es.eigenvalues();
    const Eigen::MatrixXcd ref = v * l.array().exp().matrix().asDiagonal() * v.inverse();
    INFO("scale " << scale);
    CHECK((out - ref.real()).norm() <= 1e-12 * std::max(1.0, ref.real().norm()));
  }
}
