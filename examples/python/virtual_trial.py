"""A virtual trial from the catalogue's published variability, and one participant's MAP fit.

1,000 virtual patients given esketamine 56 mg (two 28-mg devices 5 min apart) with Perez-Ruixo
2021's between-subject variability (Table 3) and its studied population's Asian and Japanese
shares; then one participant's curve from three measured concentrations (Bayesian MAP estimate,
the published model as prior, its residual error as likelihood). For research and teaching, not
for dosing a patient.
"""

import numpy as np

import ketasim as ks

model = ks.models.get("perezruixo2021", age_yr=45)
spray = ks.Regimen().nasal_spray(dose_mg=56, start_min=0, device_mg=28, interval_min=5)
t = np.arange(0, 1441.0, 5.0)
pop = ks.simulate_population(model, spray, times_min=t, n=1000, seed=1,
                             variability="published", covariates="published")
p5, p50, p95 = np.percentile(pop.cmax_ng_ml, [5, 50, 95])
print(f"Cmax median {p50:.0f} ng/mL (90 % of patients {p5:.0f}-{p95:.0f})")
print(f"AUC(0-24 h) median {np.median(pop.auc_ng_min_ml) / 60:.0f} ng h/mL")
print(f"reach 100 ng/mL: {100 * np.mean(pop.cmax_ng_ml >= 100):.0f} % of patients")

fit = ks.fit_individual(model, spray, observations={"time_min": [40, 120, 480],
                                                    "cp_ng_ml": [95.0, 48.0, 14.0]},
                        variability="published", times_min=t)
print(f"nasal fraction FRn {fit.parameters['intranasal.nasal.fraction']:.2f} "
      f"(typical {fit.typical['intranasal.nasal.fraction']:.2f}), "
      f"Vc {fit.parameters['vc']:.0f} L (SE {fit.parameter_se['vc']:.0f}); "
      f"objective {fit.objective:.2f}")
i = int(np.searchsorted(t, 60.0))
print(f"Cp at 60 min {fit.cp_ng_ml[i]:.0f} ng/mL "
      f"(5-95 % band {fit.cp_lower_ng_ml[i]:.0f}-{fit.cp_upper_ng_ml[i]:.0f})")
