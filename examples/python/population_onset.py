"""What fraction of patients reach an effective effect-site level within 30 minutes with a nasal
spray, compared with an IV infusion? A virtual population answers it.

Sources of every number:
  - Model: Perez-Ruixo 2021 esketamine population PK (Clin Pharmacokinet 60:501-516,
    doi:10.1007/s40262-020-00953-4), typical values of its Table 3 as shipped in ks.models, for a
    45-year-old non-Asian adult. It was fitted to nasal, IV and oral esketamine.
  - Inter-individual variability: the same Table 3 (%CV): Vc 27.5, Vp1 49.3, Qh 23.2, Vh 34.6,
    kel 120, nasal ka 61.5, swallowed ka 132. Converted with sd = sqrt(ln(1 + CV^2)), i.e. read as
    log-normal CVs (the paper's convention is not stated in the sources we could read).
  - ke0: none was fitted with this model; Sleigh 2019 (Br J Anaesth 123:592-600, EEG slow-wave
    equilibration half-time 23 s, racemic ketamine, another PK model) is borrowed: a caveat.
  - Threshold 70 ng/mL: lower end of the racemic ketamine concentrations associated with
    analgesia, 70-160 ng/mL (Zanos 2018, Pharmacol Rev 70:621, Table 1). Illustrative only:
    esketamine is about twice as potent as racemic ketamine (Schuttler 1987).
  - Regimens: 56 mg nasal esketamine (two 28 mg devices 5 min apart, the label's schedule) versus
    an illustrative IV esketamine infusion of 0.25 mg/kg over 40 min in a 70 kg adult.
Run: python examples/python/population_onset.py  (writes population_onset.png)
"""

import numpy as np

import ketasim as ks

model = ks.models.get("perezruixo2021", age_yr=45, ke0_source="sleigh2019")
table3_cv_percent = {"vc": 27.5, "vp1": 49.3, "qh": 23.2, "vh": 34.6, "kel": 120.0,
                     "intranasal.nasal.ka": 61.5, "intranasal.swallowed.ka": 132.0}
variability = {name: ks.sd_from_cv(cv) for name, cv in table3_cv_percent.items()}

t = np.arange(0.0, 241.0)  # every minute for 4 h
threshold = 70.0           # ng/mL, illustrative (see above)
regimens = {
    "nasal esketamine 56 mg (2 devices, 5 min apart)":
        ks.Regimen().nasal_spray(dose_mg=56, start_min=0, device_mg=28, interval_min=5),
    "IV esketamine 0.25 mg/kg over 40 min (70 kg)":
        ks.Regimen().infusion(dose_mg=ks.mg_per_kg(0.25, 70.0), start_min=0, duration_min=40),
}
populations = {
    label: ks.simulate_population(model, regimen, times_min=t, n=2000, seed=2021,
                                  variability=variability, thresholds_ng_ml=[threshold],
                                  threshold_series="ce")
    for label, regimen in regimens.items()
}

print(f"2000 virtual subjects per regimen; Ce threshold {threshold:g} ng/mL")
for label, pop in populations.items():
    reached = pop.fraction_above(threshold, "ce")  # reached by each time (the onset curve)
    onset = pop.onset_min(threshold)
    ever = np.isfinite(onset)
    q_onset = np.percentile(onset[ever], [5, 50, 95]) if ever.any() else [np.nan] * 3
    q_cmax = np.percentile(pop.cmax_ng_ml, [5, 50, 95])
    print(f"\n{label}")
    print(f"  reached by 15 / 30 / 60 min: {100 * reached[15]:.0f} % / {100 * reached[30]:.0f} % "
          f"/ {100 * reached[60]:.0f} %  (ever, within 4 h: {100 * ever.mean():.0f} %)")
    print(f"  onset among those who reach it, min: median {q_onset[1]:.1f} "
          f"(5-95 %: {q_onset[0]:.1f}-{q_onset[2]:.1f})")
    print(f"  Cp max, ng/mL: median {q_cmax[1]:.0f} (5-95 %: {q_cmax[0]:.0f}-{q_cmax[2]:.0f})")
    band = pop.summary(percentiles=(5, 50, 95)).series("ce")
    print(f"  Ce at 30 min, ng/mL: median {band[1, 30]:.0f} (5-95 %: {band[0, 30]:.0f}-"
          f"{band[2, 30]:.0f})")

try:
    import matplotlib
    matplotlib.use("Agg")
    fig = ks.plot.population(populations, threshold_ng_ml=threshold, series="ce",
                             title="Esketamine, Perez-Ruixo 2021 model with its Table 3 "
                                   "variability; ke0 borrowed (Sleigh 2019)")
    fig.savefig("population_onset.png", dpi=120)
    print("\nfigure: population_onset.png")
except ImportError as exc:  # matplotlib is optional
    print(exc)
