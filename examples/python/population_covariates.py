"""A virtual clinical study: covariates (body weight) feeding a published model, correlated
inter-individual variability and residual error, giving simulated measurements at the study's
sampling times.

Sources of every number:
  - Model: Otto 2021 (Eur J Clin Pharmacol 77:1181-1192, doi:10.1007/s00228-021-03104-1),
    S-ketamine disposition of Fanta 2015 with weight scaling (V1 x W/70, CL x (W/70)^0.75), as
    shipped in ks.models ("otto2021").
  - Variability: Otto 2021 Table 3 as coded in nlmixr2lib (Otto_2021_s_ketamine.R): omega^2 of
    S-ketamine V1 0.084, CL 0.026, covariance 0.023; proportional residual error SD 0.236.
  - Study: CHDR1311 as described in Otto 2021: 10 mg S-ketamine IV over 30 min, weight 68.0
    (SD 7.2) kg; the sampling times below are illustrative.
Run: python examples/python/population_covariates.py
"""

import numpy as np

import ketasim as ks

omega2_v1, omega2_cl, cov = 0.084, 0.026, 0.023
r = cov / np.sqrt(omega2_v1 * omega2_cl)

rng = np.random.default_rng(1311)
weights = np.clip(rng.normal(68.0, 7.2, size=1000), 45.0, 100.0)  # kg, in the model's range
sampling_min = np.array([0, 5, 15, 30, 35, 45, 60, 90, 120, 180, 240], dtype=float)

pop = ks.simulate_population(
    lambda weight_kg: ks.models.get("otto2021", weight_kg=weight_kg),  # a model per subject
    ks.Regimen().infusion(dose_mg=10.0, start_min=0, duration_min=30),
    times_min=sampling_min,
    covariates={"weight_kg": weights},
    variability={"v1": np.sqrt(omega2_v1), "cl": np.sqrt(omega2_cl)},
    correlation=[[1.0, r], [r, 1.0]],
    residual_error={"proportional": 0.236},
    seed=2021,
)

eta_v1 = np.log(pop.parameters["v1"] / (133.0 * weights / 70.0))  # Fanta 2015 V1 133 L/70 kg
eta_cl = np.log(pop.parameters["cl"] / (95.2 / 60.0 * (weights / 70.0) ** 0.75))  # 95.2 L/h
print(f"{pop.n} subjects, weight {weights.mean():.1f} (SD {weights.std():.1f}) kg")
print(f"eta variances V1 {eta_v1.var():.3f} (0.084), CL {eta_cl.var():.3f} (0.026); "
      f"covariance {np.cov(eta_v1, eta_cl)[0, 1]:.3f} (0.023)")

pred = pop.summary(percentiles=(5, 50, 95))
print("\ntime (min)   Cp predicted: median (5-95 %)   measured (with residual error)")
for i, t in enumerate(sampling_min):
    p, o = pred.cp_ng_ml[:, i], pred.cp_observed_ng_ml[:, i]
    print(f"{t:9.0f}   {p[1]:6.1f} ({p[0]:5.1f}-{p[2]:5.1f})          "
          f"{o[1]:6.1f} ({o[0]:5.1f}-{o[2]:5.1f})")

heavy = weights > 75.0
print(f"\nCmax, subjects over 75 kg: median {np.median(pop.cmax_ng_ml[heavy]):.1f} ng/mL; "
      f"the others: {np.median(pop.cmax_ng_ml[~heavy]):.1f} ng/mL (larger V1 when heavier)")
