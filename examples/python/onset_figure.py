"""Onset figure: Cp and Ce of several regimens on one figure, threshold band, onset times.

Writes onset_figure.png into the current folder. The model is illustrative (not a published one).
Run: python examples/python/onset_figure.py
"""

import matplotlib

matplotlib.use("Agg")  # write a file, open no window

import numpy as np  # noqa: E402

import ketasim as ks  # noqa: E402

model = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, q3=0.6, v3=150.0, ke0=0.2,
                 routes={"intranasal": ks.Absorption(ka=0.05, f=0.45)})
t = np.arange(0.0, 241.0)
results = {
    "IV 35 mg over 40 min": ks.simulate(model, ks.Regimen().infusion(dose_mg=35, duration_min=40), t),
    "IV 20 mg bolus": ks.simulate(model, ks.Regimen().bolus(dose_mg=20), t),
    "intranasal 28 mg (1 device)": ks.simulate(model, ks.Regimen().nasal_spray(dose_mg=28), t),
    "intranasal 56 mg (2 devices)": ks.simulate(model, ks.Regimen().nasal_spray(dose_mg=56), t),
}
fig = ks.plot.onset(results, threshold_ng_ml=100, series="ce",
                    title="Illustrative model: IV versus intranasal")
fig.savefig("onset_figure.png", dpi=150)
for label, res in results.items():
    m = ks.onset(res, 100, series="ce")
    onset = "never" if m.t_onset_min is None else f"{m.t_onset_min:.1f} min"
    print(f"{label:30s} Ce onset {onset}")
print("figure: onset_figure.png")
