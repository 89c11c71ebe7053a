// Tests of a Population's summaries: percentiles (exact from curves, bounded from histograms),
// onset times against ketasim::onset, and the fraction of subjects over a threshold by each time.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "../helpers.hpp"
#include "ketasim/population.hpp"

using namespace ketasim;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

/// numpy.percentile's default ("linear"): sorted x, h = p / 100 (n - 1), interpolated from the
/// nearer order statistic (numpy's _lerp).
double numpy_percentile(std::vector<double> x, double p) {
  std::sort(x.begin(), x.end());
  const double h = p / 100.0 * static_cast<double>(x.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  const double g = h - static_cast<double>(lo), a = x[lo], b = x[hi];
  return g >= 0.5 ? b - (b - a) * (1.0 - g) : a + (b - a) * g;
}

const PopulationSpec kSpec{
    .n = 501,
    .seed = 77,
    .variability = {{"cl", 0.3}, {"v1", 0.3}, {"ke0", 0.4}, {"intranasal.ka", 0.5}}};

}  // namespace

TEST_CASE("population summaries: percentiles follow numpy's linear definition", "[population]") {
  const auto t = test::grid(0.0, 360.0, 3.0);
  const Population pop =
      simulate_population(test::reference_model(), test::reference_regimen(), t, kSpec);
  const std::vector<double> pct{0.0, 2.5, 5.0, 33.3, 50.0, 95.0, 100.0};
  for (Output o : {Output::cp, Output::ce}) {
    const auto q = pop.percentiles(pct, o);
    REQUIRE(q.rows() == static_cast<Eigen::Index>(pct.size()));
    REQUIRE(q.cols() == static_cast<Eigen::Index>(t.size()));
    for (std::size_t i = 0; i < t.size(); i += 11) {
      std::vector<double> col(pop.size());
      for (std::size_t s = 0; s < pop.size(); ++s)
        col[s] = pop.curves(o)(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(i));
      for (std::size_t j = 0; j < pct.size(); ++j)
        CHECK(q(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)) ==
              numpy_percentile(col, pct[j]));
    }
  }
}

TEST_CASE("population summaries: without curves, percentiles stay within a bin of the exact ones",
          "[population]") {
  const auto t = test::grid(0.0, 720.0, 1.0);
  const PopulationOptions keep{
      .threads = 2, .thresholds_ng_ml = {100.0}, .threshold_series = Output::ce};
  PopulationOptions summaries = keep;
  summaries.keep_individual = false;
  PopulationSpec spec = kSpec;
  spec.residual = {.additive_ng_ml = 2.0, .proportional = 0.1};
  const Population a =
      simulate_population(test::reference_model(), test::reference_regimen(), t, spec, keep);
  const Population b =
      simulate_population(test::reference_model(), test::reference_regimen(), t, spec, summaries);
  CHECK_FALSE(b.has_individual());
  const std::vector<double> pct{5.0, 25.0, 50.0, 75.0, 95.0};
  for (Output o : {Output::cp, Output::ce, Output::cp_observed}) {
    const auto exact = a.percentiles(pct, o), approx = b.percentiles(pct, o);
    double worst = 0.0;
    for (Eigen::Index j = 0; j < exact.rows(); ++j)
      for (Eigen::Index i = 0; i < exact.cols(); ++i) {
        const double e = exact(j, i), x = approx(j, i);
        // Each order statistic is placed inside its own bin (relative width <= 2^-7), so the
        // interpolated percentile is off by at most that much of the larger one.
        // (plus the underflow bin's width for values below 2^-20 ng/mL).
        const double bound =
            detail::TimeHistogram::relative_bin_width * std::max(std::abs(e), std::abs(x)) +
            std::ldexp(1.0, detail::TimeHistogram::e_min);
        worst = std::max(worst, std::abs(x - e) / bound);
        if (e == 0.0) CHECK(x == 0.0);
      }
    INFO("series " << output_name(o));
    CHECK(worst <= 1.0);
  }
  // Everything else is per subject or counted, hence identical.
  CHECK(a.cmax_ng_ml() == b.cmax_ng_ml());
  CHECK(a.ce_tmax_min() == b.ce_tmax_min());
  CHECK(a.onset_min(100.0) == b.onset_min(100.0));
  CHECK(a.fraction_above(100.0, Output::ce) == b.fraction_above(100.0, Output::ce));
  CHECK(a.fraction_above(100.0, Output::ce, false) == b.fraction_above(100.0, Output::ce, false));
}

TEST_CASE("population summaries: onset times agree with ketasim::onset on the continuous curve",
          "[population]") {
  const Model model = test::reference_model();
  const Regimen regimen = test::reference_regimen();
  const auto t = test::grid(0.0, 720.0, 1.0);
  const double thr = GENERATE(40.0, 100.0, 160.0);
  const Population pop = simulate_population(
      model, regimen, t, kSpec, {.thresholds_ng_ml = {thr}, .threshold_series = Output::ce});
  const auto on = pop.onset_min(thr);
  const auto off = pop.offset_min(thr);
  const auto above = pop.time_above_min(thr);
  int reached = 0;
  for (std::size_t s = 0; s < pop.size(); s += 10) {
    Model m = model;
    for (std::size_t i = 0; i < pop.parameter_names().size(); ++i)
      m.set_parameter(pop.parameter_names()[i],
                      pop.parameters()(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(i)));
    const OnsetMetrics ref = onset(simulate(m, regimen, t), thr, Series::ce);
    INFO("subject " << s << " threshold " << thr);
    // A crossing and recrossing between two samples is invisible on the grid: skip subjects
    // whose Ce peak barely grazes the threshold.
    if (ref.t_onset_min && *ref.ce_max_ng_ml > thr * 1.001) {
      ++reached;
      // Cubic Hermite on 1-min steps, with Ce's slope from the state: within 0.06 s.
      CHECK_THAT(on[s], WithinAbs(*ref.t_onset_min, 1e-3));
      // The offset (first fall back below after the onset) and the time above, located the same
      // way (one crossing down in the window here; the reference model's Ce rises then decays).
      REQUIRE(ref.t_offset_min);
      CHECK_THAT(off[s], WithinAbs(*ref.t_offset_min, 1e-3));
      CHECK_THAT(above[s], WithinAbs(ref.time_above_min, 2e-3));
    } else if (!ref.t_onset_min) {
      CHECK(std::isnan(on[s]));
      CHECK(std::isnan(off[s]));
      CHECK(above[s] == 0.0);
    }
    // AUC of Cp from the first to the last output time: the solver's AUC state, as onset()'s.
    CHECK_THAT(pop.auc_ng_min_ml()[s], WithinRel(ref.auc_ng_min_ml, 1e-10));
  }
  CHECK(reached > 0);
}

TEST_CASE("population summaries: the fraction over a threshold by each time is the onset curve",
          "[population]") {
  const auto t = test::grid(0.0, 240.0, 1.0);
  const double thr = 100.0;
  const Population pop =
      simulate_population(test::reference_model(), test::reference_regimen(), t, kSpec,
                          {.thresholds_ng_ml = {thr}, .threshold_series = Output::ce});
  const auto reached = pop.fraction_above(thr, Output::ce);
  const auto now = pop.fraction_above(thr, Output::ce, false);
  const auto on = pop.onset_min(thr);
  REQUIRE(reached.size() == t.size());
  for (std::size_t i = 0; i < t.size(); ++i) {
    // reached by t_i <=> onset <= t_i (onset lies in (t_{i-1}, t_i] of the first sample over)
    double n_on = 0.0, n_now = 0.0;
    for (std::size_t s = 0; s < pop.size(); ++s) {
      if (!std::isnan(on[s]) && on[s] <= t[i]) n_on += 1.0;
      if (pop.ce_ng_ml()(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(i)) >= thr)
        n_now += 1.0;
    }
    CHECK(reached[i] == n_on / static_cast<double>(pop.size()));
    CHECK(now[i] == n_now / static_cast<double>(pop.size()));
    CHECK(now[i] <= reached[i]);
    if (i > 0) CHECK(reached[i] >= reached[i - 1]);
  }
  CHECK(reached.front() == 0.0);
  CHECK(reached.back() > 0.5);
  SECTION("a threshold not given up front is computed from the curves, identically") {
    const Population plain =
        simulate_population(test::reference_model(), test::reference_regimen(), t, kSpec);
    CHECK(plain.fraction_above(thr, Output::ce) == reached);
    CHECK(plain.fraction_above(thr, Output::ce, false) == now);
  }
}

TEST_CASE("population summaries: Cp thresholds and models without an effect site", "[population]") {
  const Model model = Model::two_compartment({.cl = 1.0, .v1 = 20.0, .q2 = 1.5, .v2 = 60.0});
  Regimen r;
  r.infusion({.dose_mg = 50.0, .duration_min = 30.0});
  const auto t = test::grid(0.0, 120.0, 0.5);
  const Population pop =
      simulate_population(model, r, t, {.n = 30, .seed = 2, .variability = {{"v1", 0.3}}},
                          {.thresholds_ng_ml = {500.0}, .threshold_series = Output::cp});
  CHECK_FALSE(pop.has_effect_site());
  const auto on = pop.onset_min(500.0);
  for (std::size_t s = 0; s < pop.size(); ++s) {
    Model m = model;
    m.set_parameter("v1", pop.parameter("v1")[s]);
    const OnsetMetrics ref = onset(simulate(m, r, t), 500.0, Series::cp);
    if (ref.t_onset_min && ref.cmax_ng_ml > 500.5)
      // Linear between 0.5-min samples: within h^2 / 8 max|Cp''| / Cp' (0.6 s here).
      CHECK_THAT(on[s], WithinAbs(*ref.t_onset_min, 1e-2));
  }
}
