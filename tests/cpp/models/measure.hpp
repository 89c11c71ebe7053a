// Test helpers (not installed): the measurements the catalogue's reproductions share, each
// computed from ketasim simulations: Cmax/Tmax of Cp or of a reported analyte, AUC to a time or
// to infinity, clearance and bioavailability from AUCs, and a terminal half-life from the
// log-linear slope. Used by tests/cpp/models and the docs generator models_md.
#pragma once

#include <cmath>
#include <span>
#include <string_view>
#include <vector>

#include "ketasim/error.hpp"
#include "ketasim/model.hpp"
#include "ketasim/onset.hpp"
#include "ketasim/regimen.hpp"
#include "ketasim/simulate.hpp"

namespace ketasim::test::measure {

/// t0, t0 + dt, ..., t1 (t1 included when on the grid).
inline std::vector<double> grid(double t0, double t1, double dt) {
  std::vector<double> t;
  for (long i = 0; t0 + static_cast<double>(i) * dt <= t1 + 1e-9 * dt; ++i)
    t.push_back(t0 + static_cast<double>(i) * dt);
  return t;
}

/// Cmax and Tmax of Cp over [0, t_end_min], refined between samples on the continuous solution.
inline Peak cp_peak(const Model& m, const Regimen& r, double t_end_min) {
  const auto t = grid(0.0, t_end_min, 1.0);
  return peak(simulate(m, r, t), Series::cp);
}

/// Cmax and Tmax of a reported analyte (a metabolite compartment) over [0, t_end_min], on a
/// grid of step dt_min (metabolite peaks are broad: a 0.25-min grid is exact to well below 0.1 %).
inline Peak analyte_peak(const Model& m, const Regimen& r, std::string_view compartment,
                         double t_end_min, double dt_min = 0.25) {
  const auto t = grid(0.0, t_end_min, dt_min);
  const auto c = simulate(m, r, t).concentration_ng_ml(compartment);
  Peak p{c[0], t[0]};
  for (std::size_t i = 1; i < c.size(); ++i)
    if (c[i] > p.c_ng_ml) p = {c[i], t[i]};
  return p;
}

/// AUC of Cp over [0, t_min], ng x min/mL (exact).
inline double auc_to(const Model& m, const Regimen& r, double t_min) {
  const double t[2] = {0.0, t_min};
  return auc_ng_min_ml(simulate(m, r, t), 0.0, t_min);
}

/// AUC of a reported analyte over [0, t_end_min], ng x min/mL, by the trapezoid rule on a fine
/// grid (dt_min); the analyte curves of the catalogue are smooth over hours.
inline double analyte_auc_to(const Model& m, const Regimen& r, std::string_view compartment,
                             double t_end_min, double dt_min = 0.25) {
  const auto t = grid(0.0, t_end_min, dt_min);
  const auto c = simulate(m, r, t).concentration_ng_ml(compartment);
  double auc = 0.0;
  for (std::size_t i = 1; i < c.size(); ++i) auc += 0.5 * (c[i] + c[i - 1]) * (t[i] - t[i - 1]);
  return auc;
}

/// AUC of Cp from 0 to infinity, ng x min/mL: the exact AUC to a horizon T long enough that the
/// tail is negligible. The tail after T is C(T) t_half / ln 2, below C(T) T once T exceeds the
/// terminal half-life; T doubles until C(T) T < 1e-9 of the AUC.
inline double auc_inf(const Model& m, const Regimen& r, double horizon_min = 20000.0) {
  for (int k = 0; k < 8; ++k, horizon_min *= 2.0) {
    const double t[2] = {0.0, horizon_min};
    const Result res = simulate(m, r, t);
    const double total = auc_ng_min_ml(res, 0.0, horizon_min);
    const double c_end = res.cp_ng_ml().back();
    if (c_end * horizon_min <= 1e-9 * total) return total;
  }
  ketasim::detail::fail("measure.auc_inf", "horizon_min", "long enough for the tail to vanish",
                        horizon_min, "min");
}

/// Total clearance seen from Cp, L/h: IV bolus dose / AUC(0-inf).
inline double clearance_l_per_h(const Model& m, double dose_mg = 10.0) {
  Regimen r;
  r.dose("iv", {.dose_mg = dose_mg});
  const double auc_mg_min_l = auc_inf(m, r) / 1000.0;
  return dose_mg / auc_mg_min_l * 60.0;
}

/// Absolute bioavailability of a regimen against an IV bolus: (AUC / dose) / (AUC_iv / dose_iv).
inline double bioavailability(const Model& m, const Regimen& r) {
  Regimen iv;
  iv.dose("iv", {.dose_mg = r.total_dose_mg()});
  return auc_inf(m, r) / auc_inf(m, iv);
}

/// Half-life of Cp (h) from the log-linear slope between t1_min and t2_min.
inline double half_life_h(const Model& m, const Regimen& r, double t1_min, double t2_min) {
  const double t[2] = {t1_min, t2_min};
  const auto c = simulate(m, r, t).cp_ng_ml();
  return std::log(2.0) * (t2_min - t1_min) / std::log(c[0] / c[1]) / 60.0;
}

}  // namespace ketasim::test::measure
