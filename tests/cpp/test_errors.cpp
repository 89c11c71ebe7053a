// Every bad input named in the core issue gets InvalidInput with a message naming the field and
// the value; never a crash, a NaN in the output, or a silent clamp.
#include <bit>
#include <catch2/catch.hpp>
#include <charconv>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "helpers.hpp"

using namespace ketasim;
using Catch::Matchers::Contains;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST_CASE("errors: model parameters", "[errors]") {
  CHECK_THROWS_AS(Model::one_compartment({.cl = -1.2, .v1 = 10.0}), InvalidInput);
  CHECK_THROWS_WITH(Model::one_compartment({.cl = -1.2, .v1 = 10.0}),
                    "Model: cl must be > 0 L/min, got -1.2 L/min");
  CHECK_THROWS_WITH(Model::one_compartment({.cl = 1.0, .v1 = 0.0}),
                    "Model: v1 must be > 0 L, got 0 L");
  CHECK_THROWS_WITH(Model::one_compartment({.cl = kNaN, .v1 = 1.0}),
                    "Model: cl must be > 0 L/min, got nan L/min");
  CHECK_THROWS_WITH(Model::one_compartment({.cl = 1.0, .v1 = kInf}),
                    "Model: v1 must be > 0 L, got inf L");
  CHECK_THROWS_WITH(Model::two_compartment({.cl = 1.0, .v1 = 1.0, .q2 = 1.0, .v2 = -3.0}),
                    Contains("v2"));
  CHECK_THROWS_WITH(Model::one_compartment({.cl = 1.0, .v1 = 1.0}, 0.0),
                    "Model: ke0 must be > 0 1/min, got 0 1/min");
  CHECK_THROWS_WITH(Model::mammillary({.cl = 1.0, .v1 = 1.0, .q3 = 1.0, .v3 = 2.0}),
                    Contains("peripheral 2 needs peripheral 1"));
  CHECK_THROWS_WITH(Model::from_micro({.v1 = 4.0, .k10 = 0.1, .k12 = 0.2}),
                    "Model.from_micro: k21 must be > 0 1/min, got 0 1/min");
}

TEST_CASE("errors: routes", "[errors]") {
  Model m = Model::one_compartment({.cl = 1.0, .v1 = 10.0});
  SECTION("F not > 0 (above 1 is a relative bioavailability, allowed)") {
    CHECK_NOTHROW(m.with_route("intranasal", Absorption{.ka = 0.1, .f = 1.5}));
    CHECK_THROWS_WITH(m.with_route("oral", Absorption{.ka = 0.1, .f = 0.0}),
                      "Model: oral.f must be > 0, got 0");
    CHECK_THROWS_WITH(m.with_route("oral", Absorption{.ka = 0.1, .f = -0.5}),
                      "Model: oral.f must be > 0, got -0.5");
  }
  SECTION("negative lag, ka and fractions") {
    CHECK_THROWS_WITH(m.with_route("im", Absorption{.ka = 0.1, .tlag = -2.0}),
                      "Model: im.tlag must be >= 0 min, got -2 min");
    CHECK_THROWS_WITH(m.with_route("im", Absorption{.ka = -0.1}),
                      "Model.with_route: im.ka must be >= 0 1/min (0: no depot), got -0.1 1/min");
    CHECK_THROWS_WITH(m.with_route("im", Absorption{.ka = 0.1, .fraction = 1.2}),
                      "Model.with_route: im.fraction must be in (0, 1], got 1.2");
  }
  SECTION("unknown compartment as a target") {
    CHECK_THROWS_WITH(m.with_route("im", Absorption{.ka = 0.1, .target = "liver"}),
                      "Model: compartment must be one of [central], got \"liver\"");
  }
}

TEST_CASE("errors: doses", "[errors]") {
  Regimen r;
  CHECK_THROWS_WITH(r.bolus({.dose_mg = -5.0}),
                    "Regimen.bolus: dose_mg must be >= 0 mg, got -5 mg");
  CHECK_THROWS_WITH(r.bolus({.dose_mg = 5.0, .time_min = kNaN}),
                    "Regimen.bolus: time_min must be >= 0 min, got nan min");
  CHECK_THROWS_WITH(r.infusion({.dose_mg = 35.0, .duration_min = 0.0}),
                    "Regimen.infusion: duration_min must be > 0 min, got 0 min");
  CHECK_THROWS_WITH(r.infusion({.rate_mg_per_min = -1.0, .duration_min = 10.0}),
                    "Regimen.infusion: rate_mg_per_min must be > 0 mg/min, got -1 mg/min");
  CHECK_THROWS_WITH(r.infusion({.duration_min = 10.0}),
                    Contains("dose_mg or rate_mg_per_min must be given"));
  CHECK_THROWS_WITH(r.dose("intranasal", {.dose_mg = 28.0, .count = 2}),
                    "Regimen.dose: interval_min must be > 0 min when count > 1, got 0 min");
  CHECK(r.empty());  // nothing half-added
}

TEST_CASE("errors: a dose to a route the model lacks", "[errors]") {
  const Model m = test::reference_model();
  Regimen r;
  r.dose("oral", {.dose_mg = 10.0});
  const double t[] = {0.0, 1.0};
  CHECK_THROWS_WITH(simulate(m, r, t),
                    "Regimen.dose: route must be one of the model's routes [intranasal, iv], got "
                    "\"oral\"");
}

TEST_CASE("errors: output times", "[errors]") {
  const Model m = test::reference_model();
  Regimen r;
  r.bolus({.dose_mg = 10.0});
  const std::vector<double> empty;
  CHECK_THROWS_WITH(simulate(m, r, empty),
                    "simulate: times_min must be non-empty, got \"an empty list\"");
  const double unsorted[] = {0.0, 5.0, 3.0};
  CHECK_THROWS_WITH(simulate(m, r, unsorted),
                    "simulate: times_min[2] must be sorted (>= 5), got 3 min");
  const double negative[] = {-1.0, 5.0};
  CHECK_THROWS_WITH(simulate(m, r, negative),
                    "simulate: times_min[0] must be finite and >= 0 min, got -1 min");
  const double nan[] = {0.0, kNaN};
  CHECK_THROWS_WITH(simulate(m, r, nan),
                    "simulate: times_min[1] must be finite and >= 0 min, got nan min");
  const double ok[] = {0.0, 1.0};
  CHECK_THROWS_WITH(simulate(m, r, ok, {.method = Method::ode, .rtol = 0.0}),
                    "simulate: rtol must be in (0, 1), got 0");
  CHECK_THROWS_WITH(parse_method("rk4"),
                    "simulate: method must be one of [exact, ode, ode_stiff], got \"rk4\"");
}

// The printf fallback of format_value (used where the standard library has no floating-point
// to_chars, as in the WebAssembly build of web/) against libstdc++'s std::to_chars.
TEST_CASE("errors: the printf value format equals std::to_chars", "[errors]") {
  auto to_chars = [](double v) {
    char buf[64];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  };
  for (double v : {0.0, -0.0, 1.0, -1.2, 0.1, 30.0, 100.0, 150.0, 0.0001, 1e-5, 1.5e15, 1e16, 1e23,
                   123456.7, 5e-324, std::numeric_limits<double>::max(), kInf, -kInf})
    CHECK(detail::format_value_printf(v) == to_chars(v));
  CHECK(detail::format_value_printf(kNaN) == "nan");
  std::mt19937_64 rng(14);
  std::uniform_int_distribution<int> exponent(-12, 12), mantissa(1, 99999);
  for (int i = 0; i < 4000; ++i) {
    // any bit pattern (every exponent, subnormals), and short decimals like the inputs users type
    const double bits = std::bit_cast<double>(rng());
    const double decimal = mantissa(rng) * std::pow(10.0, exponent(rng));
    for (double v : {bits, decimal})
      if (!std::isnan(v)) REQUIRE(detail::format_value_printf(v) == to_chars(v));
  }
}
