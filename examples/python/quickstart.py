"""Quick start: one model, one regimen, Cp and Ce over 12 hours and the onset metrics.

The model is illustrative (not a published one); see compare_published.py for sourced numbers.
Run: python examples/python/quickstart.py
"""

import numpy as np

import ketasim as ks

model = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, q3=0.6, v3=150.0, ke0=0.2,   # L/min, L, 1/min
                 routes={"intranasal": ks.Absorption(ka=0.05, f=0.45, tlag=0.0)})
regimen = (ks.Regimen()
           .infusion(dose_mg=35, start_min=0, duration_min=40)
           .dose("intranasal", dose_mg=28, time_min=0)
           .dose("intranasal", dose_mg=28, time_min=5))
res = ks.simulate(model, regimen, times_min=np.arange(0, 721.0), method="exact")  # or "ode"

print("columns:", res.columns)                        # compartments of res.amounts_mg
print("Cp at 0, 10, 40, 60 min (ng/mL):", np.round(res.cp_ng_ml[[0, 10, 40, 60]], 1))
print("Ce at 0, 10, 40, 60 min (ng/mL):", np.round(res.ce_ng_ml[[0, 10, 40, 60]], 1))
print("amounts at 40 min (mg):", {c: round(float(a), 2) for c, a in zip(res.columns, res.amounts_mg[40])})

m = ks.onset(res, threshold_ng_ml=100, series="ce")
print(f"Cmax {m.cmax_ng_ml:.1f} ng/mL at {m.tmax_min:.1f} min; AUC {m.auc:.0f} ng*min/mL")
print(f"Ce reaches 100 ng/mL at {m.t_onset_min:.1f} min, falls back at {m.t_offset_min:.1f} min, "
      f"{m.time_above_min:.1f} min above")

try:
    df = res.to_pandas()  # pandas is optional
    print(df.loc[[0, 40, 120], ["time_min", "cp_ng_ml", "ce_ng_ml"]])
except ImportError as exc:
    print(exc)
