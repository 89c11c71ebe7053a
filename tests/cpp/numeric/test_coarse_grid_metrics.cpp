// Peaks and threshold times do not depend on the output grid: randomised models, regimens and
// grids as coarse as 60 min against a dense-grid truth refined by bisection and golden-section
// search on point values of the exact solution (independent of the metric engine).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "helpers.hpp"

using namespace ketasim;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

/// Concentration of a series at one time (a sample there sees the state after its events).
double value_at(const Model& m, const Regimen& r, double t, bool ce) {
  const double ts[1] = {t};
  const Result res = simulate(m, r, ts);
  return ce ? res.ce_ng_ml()[0] : res.cp_ng_ml()[0];
}

struct Truth {
  double cmax = 0.0, tmax = 0.0;
  std::vector<double> up, down;  // crossing times of the threshold
  double time_above = 0.0;
  std::optional<double> onset, offset;
};

/// A series on a dense grid (step 0.005 min, plus every breakpoint): the truth's starting point.
struct Dense {
  std::vector<double> t, y;
};

Dense dense_samples(const Model& m, const Regimen& r, double t0, double t1, bool ce,
                    const std::vector<double>& breakpoints) {
  Dense d;
  for (double x = t0; x < t1; x += 0.005) d.t.push_back(x);
  d.t.push_back(t1);
  for (double b : breakpoints)
    if (b > t0 && b < t1) d.t.push_back(b);
  std::sort(d.t.begin(), d.t.end());
  d.t.erase(std::unique(d.t.begin(), d.t.end()), d.t.end());
  const Result res = simulate(m, r, d.t);
  d.y = ce ? res.ce_ng_ml() : res.cp_ng_ml();
  return d;
}

/// The truth, refined from the dense samples: golden-section search around the best sample,
/// bisection of each sign change of (value - thr), on point values of the exact solution.
Truth dense_truth(const Model& m, const Regimen& r, const Dense& d, bool ce, double thr) {
  const auto& t = d.t;
  const auto& y = d.y;
  Truth tr;
  std::size_t best = 0;
  for (std::size_t i = 1; i < y.size(); ++i)
    if (y[i] > y[best]) best = i;
  tr.cmax = y[best];
  tr.tmax = t[best];
  // Refine by golden section on [t[best-1], t[best+1]] unless the maximum is at a jump or an end.
  if (best > 0 && best + 1 < t.size()) {
    double a = t[best - 1], b = t[best + 1];
    const double g = (std::sqrt(5.0) - 1.0) / 2.0;
    double c = b - g * (b - a), e = a + g * (b - a);
    double fc = value_at(m, r, c, ce), fe = value_at(m, r, e, ce);
    for (int it = 0; it < 80 && b - a > 1e-12 * b; ++it) {
      if (fc > fe) {
        b = e;
        e = c;
        fe = fc;
        c = b - g * (b - a);
        fc = value_at(m, r, c, ce);
      } else {
        a = c;
        c = e;
        fc = fe;
        e = a + g * (b - a);
        fe = value_at(m, r, e, ce);
      }
    }
    const double tm = 0.5 * (a + b), fm = value_at(m, r, tm, ce);
    if (fm > tr.cmax) {
      tr.cmax = fm;
      tr.tmax = tm;
    }
  }
  bool above = y[0] >= thr;
  double since = t.front();
  if (above) {
    tr.onset = t.front();
    tr.up.push_back(t.front());
  }
  for (std::size_t i = 1; i < y.size(); ++i) {
    const bool now = y[i] >= thr;
    if (now == above) continue;
    // Bisection on (t[i-1], t[i]]: the first time the side changes.
    double a = t[i - 1], b = t[i];
    for (int it = 0; it < 200 && b - a > 1e-13 * b; ++it) {
      const double mid = 0.5 * (a + b);
      ((value_at(m, r, mid, ce) >= thr) == now ? b : a) = mid;
    }
    if (now) {
      tr.up.push_back(b);
      since = b;
      if (!tr.onset) tr.onset = b;
    } else {
      tr.down.push_back(b);
      tr.time_above += b - since;
      if (tr.onset && !tr.offset) tr.offset = b;
    }
    above = now;
  }
  if (above) tr.time_above += t.back() - since;
  return tr;
}

struct GridCase {
  Model model;
  Regimen regimen;
  std::vector<double> breakpoints;
};

GridCase random_grid_case(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto log_uniform = [&](double lo, double hi) { return lo * std::pow(hi / lo, u(rng)); };
  const double v1 = log_uniform(3.0, 40.0);
  Mammillary p{.cl = log_uniform(0.2, 3.0), .v1 = v1};
  if (u(rng) < 0.7) {
    p.q2 = log_uniform(0.2, 20.0);
    p.v2 = log_uniform(5.0, 100.0);
  }
  if (p.v2 > 0.0 && u(rng) < 0.5) {
    p.q3 = log_uniform(0.05, 2.0);
    p.v3 = log_uniform(20.0, 300.0);
  }
  Model m = Model::mammillary(p, log_uniform(0.05, 2.0));
  m.with_route("oral", Absorption{.ka = log_uniform(0.01, 2.0),
                                  .f = log_uniform(0.3, 1.0),
                                  .tlag = u(rng) < 0.5 ? log_uniform(0.5, 20.0) : 0.0});
  GridCase c{std::move(m), {}, {}};
  const int n_doses = 1 + static_cast<int>(u(rng) * 4);
  for (int k = 0; k < n_doses; ++k) {
    const double t = k == 0 && u(rng) < 0.5 ? 0.0 : std::round(u(rng) * 240.0 * 100) / 100;
    const double kind = u(rng);
    if (kind < 0.35) {
      c.regimen.bolus({.dose_mg = log_uniform(5.0, 50.0), .time_min = t});
      c.breakpoints.push_back(t);
    } else if (kind < 0.7) {
      const double d = log_uniform(1.0, 60.0);
      c.regimen.infusion({.dose_mg = log_uniform(5.0, 80.0), .start_min = t, .duration_min = d});
      c.breakpoints.push_back(t);
      c.breakpoints.push_back(t + d);
    } else {
      c.regimen.dose("oral", {.dose_mg = log_uniform(10.0, 200.0), .time_min = t});
      c.breakpoints.push_back(t);
      c.breakpoints.push_back(t + c.model.parameter("oral.tlag"));
    }
  }
  return c;
}

}  // namespace

TEST_CASE("metrics: peak and threshold times are independent of the output grid (randomised)",
          "[onset][numeric]") {
  std::mt19937_64 rng(20261207);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  int checked_crossings = 0;
  for (int trial = 0; trial < 24; ++trial) {
    GridCase c = random_grid_case(rng);
    const bool ce = trial % 2 == 1;
    // A coarse grid: a step of 7 to 60 min, from an offset start.
    const double step = 7.0 + u(rng) * 53.0;
    const double t0 = u(rng) < 0.5 ? 0.0 : u(rng) * 10.0;
    const double t1 = t0 + step * std::ceil(360.0 / step);
    const std::vector<double> grid = test::grid(t0, t1, step);
    const Result res = simulate(c.model, c.regimen, grid);
    const Series s = ce ? Series::ce : Series::cp;
    const Peak p = peak(res, s);
    // Thresholds at several fractions of the true peak: several crossings, or none.
    const Dense dense = dense_samples(c.model, c.regimen, t0, grid.back(), ce, c.breakpoints);
    const Truth base = dense_truth(c.model, c.regimen, dense, ce, 1e300);
    INFO("trial " << trial << " step " << step << " t0 " << t0 << (ce ? " ce" : " cp"));
    CHECK_THAT(p.c_ng_ml, WithinRel(base.cmax, 1e-6));
    CHECK_THAT(p.t_min, WithinAbs(base.tmax, 1e-6 * std::max(1.0, base.tmax)));
    for (double frac : {0.25, 0.6, 0.9, 1.01}) {
      const double thr = frac * base.cmax;
      if (thr <= 0.0) continue;
      const Truth tr = dense_truth(c.model, c.regimen, dense, ce, thr);
      const OnsetMetrics o = onset(res, thr, s);
      INFO("threshold " << thr << " (" << frac << " of the peak)");
      REQUIRE(o.t_onset_min.has_value() == tr.onset.has_value());
      if (tr.onset)
        CHECK_THAT(*o.t_onset_min, WithinAbs(*tr.onset, 1e-6 * std::max(1.0, *tr.onset)));
      REQUIRE(o.t_offset_min.has_value() == tr.offset.has_value());
      if (tr.offset)
        CHECK_THAT(*o.t_offset_min, WithinAbs(*tr.offset, 1e-6 * std::max(1.0, *tr.offset)));
      CHECK_THAT(o.time_above_min, WithinAbs(tr.time_above, 1e-6 * std::max(1.0, tr.time_above)));
      const ThresholdTimes tt = threshold_times(res, thr, ce ? "ce" : "cp");
      CHECK(tt.episodes == static_cast<int>(tr.up.size()));
      checked_crossings += static_cast<int>(tr.up.size() + tr.down.size());
    }
  }
  CHECK(checked_crossings > 60);
}

TEST_CASE("metrics: the issue's example, 2377.33 ng/mL at 7.94 min on a 10-min grid",
          "[onset][regression]") {
  const Model m = Model::two_compartment({.cl = 1, .v1 = 10, .q2 = 50, .v2 = 30})
                      .with_route("oral", Absorption{.ka = 0.3});
  Regimen r;
  r.bolus({.dose_mg = 20, .time_min = 0}).dose("oral", {.dose_mg = 100, .time_min = 0});
  const Result res = simulate(m, r, test::grid(0.0, 120.0, 10.0));
  const Truth tr = dense_truth(m, r, dense_samples(m, r, 0.0, 120.0, false, {0.0}), false, 2360.0);
  const Peak p = peak(res);
  CHECK_THAT(p.c_ng_ml, WithinRel(tr.cmax, 1e-9));
  CHECK_THAT(p.t_min, WithinAbs(tr.tmax, 1e-6));
  CHECK_THAT(p.c_ng_ml, WithinAbs(2377.33, 0.005));
  CHECK_THAT(p.t_min, WithinAbs(7.94, 0.005));
  const OnsetMetrics o = onset(res, 2360.0, Series::cp);
  REQUIRE(o.t_onset_min);
  REQUIRE(o.t_offset_min);
  CHECK_THAT(*o.t_onset_min, WithinAbs(tr.up.at(0), 1e-7));
  CHECK_THAT(*o.t_offset_min, WithinAbs(tr.down.at(0), 1e-7));
}

TEST_CASE("metrics: special cases of the window and the threshold", "[onset]") {
  const Model m = Model::one_compartment({.cl = 0.5, .v1 = 10.0}, 0.3)
                      .with_route("oral", Absorption{.ka = 0.1});
  Regimen r;
  r.dose("oral", {.dose_mg = 100.0});
  SECTION("a peak inside the first interval of a 60-min grid") {
    const Result res = simulate(m, r, test::grid(0.0, 240.0, 60.0));
    const double ka = 0.1, k = 0.05;
    const double tmax = std::log(ka / k) / (ka - k);
    CHECK_THAT(peak(res).t_min, WithinAbs(tmax, 1e-8));
  }
  SECTION("a crossing exactly on a sample is that sample's time") {
    const std::vector<double> t = {0.0, 5.0, 60.0};
    const Result res = simulate(m, r, t);
    const double thr = res.cp_ng_ml()[1];
    const OnsetMetrics o = onset(res, thr, Series::cp);
    REQUIRE(o.t_onset_min);
    CHECK_THAT(*o.t_onset_min, WithinAbs(5.0, 1e-9));
  }
  SECTION("a threshold never reached") {
    const Result res = simulate(m, r, test::grid(0.0, 240.0, 60.0));
    const OnsetMetrics o = onset(res, 1e6, Series::ce);
    CHECK_FALSE(o.t_onset_min);
    CHECK_FALSE(o.t_offset_min);
    CHECK(o.time_above_min == 0.0);
  }
  SECTION("a plateau: a long infusion reaches Css = R / CL and the peak is on it") {
    Regimen inf;
    inf.infusion({.rate_mg_per_min = 1.0, .duration_min = 2000.0});
    const Result res = simulate(Model::one_compartment({.cl = 0.5, .v1 = 10.0}), inf,
                                std::vector<double>{0.0, 1000.0, 1500.0});
    const Peak p = peak(res);
    CHECK_THAT(p.c_ng_ml, WithinRel(2000.0, 1e-12));
    CHECK(p.t_min >= 500.0);
    const OnsetMetrics o = onset(res, 1000.0, Series::cp);
    REQUIRE(o.t_onset_min);
    CHECK_THAT(*o.t_onset_min, WithinRel(std::log(2.0) / 0.05, 1e-9));
  }
  SECTION("a window that starts after the doses") {
    const std::vector<double> t = {100.0, 160.0};
    const Result res = simulate(m, r, t);
    const Peak p = peak(res);
    CHECK(p.t_min == 100.0);  // falling over the whole window
  }
  SECTION("several crossings: three boluses two hours apart") {
    Regimen rb;
    rb.bolus({.dose_mg = 10.0, .time_min = 0.0, .interval_min = 120.0, .count = 3});
    const Result res =
        simulate(Model::one_compartment({.cl = 0.5, .v1 = 10.0}), rb, test::grid(0.0, 360.0, 60.0));
    // Cp = 1000 exp(-0.05 t) after each dose (no accumulation worth noting above 500).
    const ThresholdTimes tt = threshold_times(res, 500.0, "cp");
    CHECK(tt.episodes == 3);
    REQUIRE(tt.offset_min);
    const double below = std::log(2.0) / 0.05 * (1.0);
    CHECK_THAT(*tt.offset_min, WithinRel(below, 1e-9));
  }
}
