// Invariants over randomised models and regimens: exact vs ODE agreement, mass balance,
// superposition, non-negativity, and the effect site's lag.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <random>

#include "helpers.hpp"

using namespace ketasim;

namespace {

struct Case {
  Model model;
  Regimen full;
  std::vector<Regimen> singles;            // one regimen per dose, for superposition
  std::function<double(double)> input_mg;  // bioavailable amount given by time t
};

// A random 1-3 compartment model (with or without a depot route, a split route with a zero-order
// part and a metabolite) and a random regimen whose doses fall on and between output times.
Case random_case(unsigned seed) {
  std::mt19937 rng(seed);
  auto u = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  auto coin = [&] { return std::uniform_int_distribution<int>(0, 1)(rng) == 1; };
  const int periph = std::uniform_int_distribution<int>(0, 2)(rng);
  Mammillary p{.cl = u(0.3, 2.0), .v1 = u(5.0, 40.0)};
  if (periph >= 1) p.q2 = u(0.5, 3.0), p.v2 = u(10.0, 80.0);
  if (periph >= 2) p.q3 = u(0.1, 1.0), p.v3 = u(50.0, 200.0);
  Case c{Model::mammillary(p, u(0.05, 2.0)), {}, {}, {}};
  if (coin()) {
    c.model.add_compartment("metabolite", u(20.0, 100.0), "v_met")
        .add_transfer("central", "metabolite", u(0.01, 0.05), "kmet")
        .add_clearance("metabolite", u(0.2, 1.0), "cl_met")
        .add_analyte("metabolite");
  }
  const double ka = u(0.01, 0.3), f = u(0.2, 1.0), lag = coin() ? u(0.0, 10.0) : 0.0;
  c.model.with_route("intranasal", Absorption{.ka = ka, .f = f, .tlag = lag});
  // A split route: a nasal part (fraction by session position) and a swallowed part entering a
  // depot at a zero-order rate.
  const double fr1 = u(0.3, 0.7), fr2 = fr1 * 0.6, dsw = u(5.0, 40.0), fgut = u(0.3, 0.9);
  const double ka2 = u(0.005, 0.05);
  c.model.with_route("split",
                     std::vector<Absorption>{
                         {.ka = u(0.02, 0.2), .fraction_by_position = {fr1, fr2}, .name = "nasal"},
                         {.ka = ka2,
                          .f = fgut,
                          .duration = dsw,
                          .fraction_by_position = {1.0 - fr1, 1.0 - fr2},
                          .name = "swallowed"}});

  std::vector<std::function<double(double)>> inputs;
  auto add = [&](auto&& build, std::function<double(double)> in) {
    Regimen one;
    build(one);
    build(c.full);
    c.singles.push_back(one);
    inputs.push_back(std::move(in));
  };
  auto when = [&] { return coin() ? std::floor(u(0.0, 200.0)) : u(0.0, 200.0); };
  const int nb = std::uniform_int_distribution<int>(1, 3)(rng);
  for (int i = 0; i < nb; ++i) {
    const double d = u(1.0, 50.0), t0 = when();
    add([=](Regimen& r) { r.bolus({.dose_mg = d, .time_min = t0}); },
        [=](double t) { return t >= t0 ? d : 0.0; });
  }
  if (coin()) {
    const double d = u(10.0, 50.0), t0 = when(), dur = u(5.0, 60.0);
    add([=](Regimen& r) { r.infusion({.dose_mg = d, .start_min = t0, .duration_min = dur}); },
        [=](double t) { return d * std::clamp((t - t0) / dur, 0.0, 1.0); });
  }
  const int nd = std::uniform_int_distribution<int>(0, 2)(rng);
  for (int i = 0; i < nd; ++i) {
    const double d = u(5.0, 60.0), t0 = when();
    add([=](Regimen& r) { r.dose("intranasal", {.dose_mg = d, .time_min = t0}); },
        [=](double t) { return t >= t0 + lag ? f * d : 0.0; });
  }
  if (coin()) {
    const double d = 28.0, t0 = when();
    for (int pos = 1; pos <= 2; ++pos) {
      const double td = t0 + 5.0 * (pos - 1);
      const double frn = pos == 1 ? fr1 : fr2;
      add([=](Regimen& r) { r.dose("split", {.dose_mg = d, .time_min = td, .position = pos}); },
          [=](double t) {
            const double nasal = t >= td ? frn * d : 0.0;
            const double swallowed = fgut * (1.0 - frn) * d * std::clamp((t - td) / dsw, 0.0, 1.0);
            return nasal + swallowed;
          });
    }
  }
  c.input_mg = [inputs](double t) {
    double s = 0.0;
    for (const auto& in : inputs) s += in(t);
    return s;
  };
  return c;
}

double peak_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

}  // namespace

TEST_CASE("invariants: exact and ODE agree on random models and regimens", "[numeric]") {
  const unsigned seed = GENERATE(range(1u, 41u));
  const Case c = random_case(seed);
  const auto t = test::grid(0.0, 400.0, 1.0);
  const Result ex = simulate(c.model, c.full, t);
  const Result od =
      simulate(c.model, c.full, t, {.method = Method::ode, .rtol = 1e-11, .atol = 1e-15});
  INFO("seed " << seed);
  for (auto series : {&Result::cp_ng_ml, &Result::ce_ng_ml}) {
    const auto& a = (ex.*series)();
    const auto& b = (od.*series)();
    const double floor = 1e-9 * peak_abs(a);
    for (std::size_t i = 0; i < t.size(); ++i) {
      INFO("t = " << t[i]);
      CHECK(std::abs(a[i] - b[i]) <= 1e-8 * std::abs(a[i]) + floor);
    }
  }
  for (const auto& name : ex.analytes()) {
    const auto a = ex.concentration_ng_ml(name), b = od.concentration_ng_ml(name);
    const double floor = 1e-9 * peak_abs(a);
    for (std::size_t i = 0; i < t.size(); ++i) CHECK(std::abs(a[i] - b[i]) <= 1e-8 * a[i] + floor);
  }
}

TEST_CASE("invariants: mass balance at every output time", "[numeric]") {
  const unsigned seed = GENERATE(range(1u, 21u));
  const Method method = GENERATE(Method::exact, Method::ode);
  const Case c = random_case(seed);
  const auto t = test::grid(0.0, 400.0, 0.5);
  const Result r = simulate(c.model, c.full, t, {.method = method, .rtol = 1e-10, .atol = 1e-13});
  const auto elim = r.eliminated_mg();
  const auto amounts = r.amounts_mg();
  const double total = c.input_mg(1e9);
  INFO("seed " << seed);
  for (std::size_t i = 0; i < t.size(); ++i) {
    const double body = amounts.row(static_cast<Eigen::Index>(i)).sum();
    CHECK(std::abs(body + elim[i] - c.input_mg(t[i])) <= 1e-9 * total);
    CHECK(amounts.row(static_cast<Eigen::Index>(i)).minCoeff() >= -1e-12 * total);
  }
}

TEST_CASE("invariants: a regimen's Cp is the sum of its single doses' Cp", "[numeric]") {
  const unsigned seed = GENERATE(range(1u, 21u));
  const Case c = random_case(seed);
  const auto t = test::grid(0.0, 300.0, 1.0);
  const Result full = simulate(c.model, c.full, t);
  std::vector<double> sum(t.size(), 0.0);
  for (const auto& one : c.singles) {
    const Result r = simulate(c.model, one, t);
    for (std::size_t i = 0; i < t.size(); ++i) sum[i] += r.cp_ng_ml()[i];
  }
  const double floor = 1e-12 * peak_abs(full.cp_ng_ml());
  for (std::size_t i = 0; i < t.size(); ++i)
    CHECK(std::abs(full.cp_ng_ml()[i] - sum[i]) <= 1e-10 * sum[i] + floor);
}

TEST_CASE("invariants: zero dose gives zero everywhere", "[numeric]") {
  const Case c = random_case(7);
  Regimen zero;
  zero.bolus({.dose_mg = 0.0}).dose("intranasal", {.dose_mg = 0.0, .time_min = 3.0});
  const auto t = test::grid(0.0, 100.0, 1.0);
  const Result r = simulate(c.model, zero, t);
  CHECK(peak_abs(r.cp_ng_ml()) == 0.0);
  CHECK(peak_abs(r.ce_ng_ml()) == 0.0);
}

TEST_CASE("invariants: Ce lags Cp after a bolus and reaches it at infusion steady state",
          "[numeric]") {
  const Model m = test::reference_model();
  SECTION("bolus: Ce below Cp early, Ce peak after Cp peak") {
    Regimen r;
    r.bolus({.dose_mg = 35.0, .time_min = 0.0});
    const auto t = test::grid(0.0, 120.0, 0.5);
    const Result res = simulate(m, r, t);
    for (std::size_t i = 1; i < 10; ++i) CHECK(res.ce_ng_ml()[i] < res.cp_ng_ml()[i]);
    CHECK(peak(res, Series::ce).t_min > peak(res, Series::cp).t_min);
  }
  SECTION("long infusion: Ce equals Cp at steady state") {
    const Model one = Model::one_compartment({.cl = 1.0, .v1 = 10.0}, 0.5);
    Regimen r;
    r.infusion({.rate_mg_per_min = 1.0, .start_min = 0.0, .duration_min = 1000.0});
    const double t_ss[] = {999.0};
    const Result res = simulate(one, r, t_ss);
    CHECK_THAT(res.ce_ng_ml()[0], Catch::Matchers::WithinRel(1000.0, 1e-10));
    CHECK_THAT(res.cp_ng_ml()[0], Catch::Matchers::WithinRel(1000.0, 1e-10));
  }
}
