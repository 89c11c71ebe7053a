// Perez-Ruixo 2021 esketamine nasal spray (+ IV, oral, noresketamine): the model reproduces the
// paper's Table 4, its abstract and the Spravato label. Every expected value below is printed in
// the source named beside it; none comes from ketasim's output.
#include <catch2/catch.hpp>

#include "ketasim/ketasim.hpp"
#include "ketasim/models/catalogue.hpp"
#include "reproductions.hpp"

using namespace ketasim;
using namespace ketasim::models;
using namespace ketasim::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
// Perez-Ruixo 2021 Table 4, one copy: tests/cpp/models/reproductions.hpp (transcribed from the
// nlmixr2lib vignette PerezRuixo_2020_esketamine.Rmd, commit 31b692f). "18-60 y" is simulated
// at 45 y and "> 60 y" at 70 y.
const auto& table4 = perezruixo2021_table4();
Model model_for(const PerezRuixo2021Stratum& r) { return perezruixo2021(r.covariates); }
}  // namespace

TEST_CASE("perezruixo2021: Table 4 esketamine Cmax and AUC(0-24 h) within 5 % in every stratum",
          "[perezruixo2021]") {
  // Dosing convention: both are tested. "label": devices 5 minutes apart, as the Spravato label
  // gives them; "t = 0": all devices at once, as the nlmixr2lib reproduction does.
  const double interval = GENERATE(5.0, 0.0);
  INFO("devices " << interval << " min apart");
  for (const auto& row : table4) {
    const Model m = model_for(row);
    for (int k = 0; k < 3; ++k) {
      INFO(row.label << ", " << 28 * (k + 1) << " mg");
      const Regimen r = perezruixo2021_session(k + 1, interval);
      CHECK_THAT(measure::cp_peak(m, r, 1440.0).c_ng_ml, WithinRel(row.esk_cmax[k], 0.05));
      CHECK_THAT(measure::auc_to(m, r, 1440.0) / 60.0, WithinRel(row.esk_auc24[k], 0.05));
    }
  }
}

TEST_CASE("perezruixo2021: Table 4 noresketamine Cmax within 10 % in every stratum",
          "[perezruixo2021]") {
  const double interval = GENERATE(5.0, 0.0);
  for (const auto& row : table4) {
    const Model m = model_for(row);
    for (int k = 0; k < 3; ++k) {
      INFO(row.label << ", " << 28 * (k + 1) << " mg, devices " << interval << " min apart");
      const Regimen r = perezruixo2021_session(k + 1, interval);
      CHECK_THAT(measure::analyte_peak(m, r, "noresketamine", 1440.0).c_ng_ml,
                 WithinRel(row.noresk_cmax[k], 0.10));
    }
  }
}

TEST_CASE("perezruixo2021: the Table 4 noresketamine AUC gap is the known one",
          "[perezruixo2021][gap]") {
  // Not reproducible from Table 3: the nlmixr2lib vignette (Errata) finds the typical-value
  // model 1.38-1.56x above the published noresketamine AUC(0-24 h). ketasim shows the same gap.
  for (const auto& row : table4) {
    const Model m = model_for(row);
    for (int k = 0; k < 3; ++k) {
      INFO(row.label << ", " << 28 * (k + 1) << " mg");
      const double ratio =
          measure::analyte_auc_to(m, perezruixo2021_session(k + 1, 5.0), "noresketamine", 1440.0) /
          60.0 / row.noresk_auc24[k];
      CHECK(ratio > 1.3);
      CHECK(ratio < 1.6);
    }
  }
}

TEST_CASE("perezruixo2021: abstract bioavailability, clearance and volume", "[perezruixo2021]") {
  const Model m = perezruixo2021();
  SECTION("absolute bioavailability of 56 and 84 mg IN: 54 % and 51 % (abstract)") {
    CHECK_THAT(measure::bioavailability(m, perezruixo2021_session(2, 5.0)), WithinAbs(0.54, 0.02));
    CHECK_THAT(measure::bioavailability(m, perezruixo2021_session(3, 5.0)), WithinAbs(0.51, 0.02));
  }
  SECTION(
      "F_nasal = FRn_eff + (1 - FRn_eff) Fgut (1 - E) by hand (project survey: 0.622, "
      "0.538, 0.509 for 28, 56, 84 mg), with all devices at t = 0 and 5 min apart") {
    const double interval = GENERATE(0.0, 5.0);
    CHECK_THAT(measure::bioavailability(m, perezruixo2021_session(1, interval)),
               WithinRel(0.622, 0.002));
    CHECK_THAT(measure::bioavailability(m, perezruixo2021_session(2, interval)),
               WithinRel(0.538, 0.002));
    CHECK_THAT(measure::bioavailability(m, perezruixo2021_session(3, interval)),
               WithinRel(0.509, 0.002));
  }
  SECTION("18.6 % of the swallowed dose reaches the circulation (abstract): oral F") {
    Regimen oral;
    oral.dose("oral", {.dose_mg = 84.0});
    CHECK_THAT(measure::bioavailability(m, oral), WithinRel(0.186, 0.05));
  }
  SECTION("esketamine CL 114 L/h (abstract; Qh E from Table 3 gives 109: within 5 %)") {
    CHECK_THAT(measure::clearance_l_per_h(m), WithinRel(114.0, 0.05));
  }
  SECTION("esketamine Vss 752 L (abstract) = Vc + Vp1 + Vp2") {
    CHECK_THAT(m.parameter("vc") + m.parameter("vp1") + m.parameter("vp2"),
               WithinRel(752.0, 1e-12));
  }
}

TEST_CASE("perezruixo2021: Spravato label Tmax and terminal half-life", "[perezruixo2021]") {
  // J&J medical information / label: Tmax 20-40 min after the last nasal spray of a session;
  // mean terminal half-life 7-12 h. Label dosing: devices 5 min apart.
  const Model m = perezruixo2021();
  for (int n : {1, 2, 3}) {
    INFO(28 * n << " mg");
    const double after_last =
        measure::cp_peak(m, perezruixo2021_session(n, 5.0), 1440.0).t_min - 5.0 * (n - 1);
    CHECK(after_last >= 20.0);
    CHECK(after_last <= 40.0);
  }
  const double t_half = measure::half_life_h(m, perezruixo2021_session(2, 5.0), 2880.0, 4320.0);
  CHECK(t_half >= 7.0);
  CHECK(t_half <= 12.0);
}

TEST_CASE("perezruixo2021: each device sees its position in the session", "[perezruixo2021]") {
  // FRn is 0.54 for the first device and 0.54 x 0.62 for later ones (Table 3): two devices given
  // as positions 1 and 2 differ from two first devices.
  const Model m = perezruixo2021();
  Regimen as_session = perezruixo2021_session(2, 5.0);
  Regimen two_firsts;
  two_firsts.dose("intranasal", {.dose_mg = 28.0, .time_min = 0.0, .position = 1});
  two_firsts.dose("intranasal", {.dose_mg = 28.0, .time_min = 5.0, .position = 1});
  const double f_session = measure::bioavailability(m, as_session);
  const double f_firsts = measure::bioavailability(m, two_firsts);
  CHECK_THAT(f_firsts, WithinRel(0.622, 0.002));  // two first devices: the 28-mg F
  CHECK(f_session < f_firsts);
  // interval_min = 0 puts every device at t = 0, positions still 1, 2, 3.
  Regimen r;
  r.nasal_spray({.dose_mg = 84.0, .start_min = 0.0, .device_mg = 28.0, .interval_min = 0.0});
  REQUIRE(r.records().size() == 3);
  for (int k = 0; k < 3; ++k) {
    CHECK(r.records()[static_cast<std::size_t>(k)].time_min == 0.0);
    CHECK(r.records()[static_cast<std::size_t>(k)].position == k + 1);
  }
}

TEST_CASE("perezruixo2021: covariates", "[perezruixo2021][errors]") {
  SECTION("age above 60 lowers hepatic blood flow by 2.19 L/h per year (Table 3)") {
    CHECK_THAT(perezruixo2021({.age_yr = 45.0}).parameter("qh"), WithinRel(151.0 / 60.0, 1e-12));
    CHECK_THAT(perezruixo2021({.age_yr = 70.0}).parameter("qh"),
               WithinRel((151.0 - 2.19 * 10.0) / 60.0, 1e-12));
  }
  SECTION("Asian: kel x 0.36, CLn/F x 0.81 (Table 3)") {
    const Model a = perezruixo2021({.asian = true});
    CHECK_THAT(a.parameter("kel"), WithinRel(1.11 * 0.36 / 60.0, 1e-12));
    CHECK_THAT(a.parameter("cln"), WithinRel(38.0 * 0.81 / 60.0, 1e-12));
  }
  SECTION("age outside 18-86 y is an error naming it, unless extrapolating") {
    CHECK_THROWS_WITH(
        perezruixo2021({.age_yr = 90.0}),
        Contains("perezruixo2021: age_yr must be in [18, 86] y") && Contains("got 90 y"));
    CHECK_NOTHROW(perezruixo2021({.age_yr = 90.0}, {.extrapolate = true}));
  }
  SECTION("Japanese subjects are Asian") {
    CHECK_THROWS_WITH(perezruixo2021({.asian = false, .japanese = true}),
                      Contains("japanese must be 0 unless asian is 1"));
  }
  SECTION("by name through the catalogue map") {
    const Model m = perezruixo2021_from({{"age_yr", 70.0}, {"asian", 1.0}}, {});
    CHECK_THAT(m.parameter("kel"), WithinRel(1.11 * 0.36 / 60.0, 1e-12));
  }
}

TEST_CASE("perezruixo2021: routes and parameters in the paper's units and ketasim's",
          "[perezruixo2021]") {
  const Model m = perezruixo2021();
  CHECK(m.has_route("intranasal"));
  CHECK(m.has_route("oral"));
  CHECK(m.has_route("iv"));
  // Table 3 in h and L/h; ketasim in min and L/min.
  CHECK_THAT(m.parameter("intranasal.nasal.ka"), WithinRel(2.93 / 60.0, 1e-12));
  CHECK_THAT(m.parameter("intranasal.swallowed.duration"), WithinRel(0.53 * 60.0, 1e-12));
  CHECK_THAT(m.parameter("intranasal.swallowed.f"), WithinRel(0.64, 1e-12));
  CHECK_THAT(m.parameter("oral.duration"), WithinRel(0.32 * 60.0, 1e-12));
  CHECK_THAT(m.parameter("q1"), WithinRel(84.3 / 60.0, 1e-12));
  CHECK_THAT(m.parameter("kmet"), WithinRel(2.77 / 60.0, 1e-12));
  for (const auto& p : perezruixo2021_info().parameters)
    if (!p.ketasim_name.empty() && p.ketasim_name.find(',') == std::string::npos)
      CHECK_THAT(m.parameter(p.ketasim_name), WithinRel(p.value, 1e-12));
}
