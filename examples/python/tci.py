"""Target-controlled infusion: an effect-site target of 150 ng/mL, then 100 ng/mL from 30 min,
with Domino 1984 (70 kg) and Sleigh 2019's literature ke0; the pump limited to 50 mg/min.

Writes tci.png (Cp, Ce, target and rate) and csht.png (the context-sensitive half-time of the
IV catalogue models) into the current folder and prints the schedule's figures.
"""

import ketasim as ks

model = ks.models.get("domino1984", weight_kg=70, ke0_source="sleigh2019")
res = ks.tci(model, [(0, 150), (30, 100)], mode="effect", duration_min=60, update_s=10,
             max_rate_mg_per_min=50, weight_kg=70)
print(f"Ce first within 0.5 % of 150 ng/mL at {res.time_to_target_min:.2f} min")
print(f"total {res.total_dose_mg:.1f} mg ({res.dose_mg_per_kg:.2f} mg/kg) in 60 min")
half = ks.decrement_time(model, res.regimen, 60.0, 50.0, site="effect")
print(f"stopped at 60 min, Ce falls from 100 to 50 ng/mL in {half:.1f} min")

# The schedule is a Regimen: simulate it on any grid like any other.
import numpy as np

sim = ks.simulate(model, res.regimen, np.arange(0, 60.01, 1 / 60))
print(f"highest Ce on a 1-s grid: {sim.ce_ng_ml.max():.2f} ng/mL")

fig = ks.plot.tci(res, model, title="Domino 1984, 70 kg: effect-site TCI (ke0 Sleigh 2019)")
fig.savefig("tci.png", dpi=100)
iv = {key: ks.models.get(key, weight_kg=70) for key in ("domino1984", "kamp2020")}
ks.plot.context_sensitive_half_time(iv).savefig("csht.png", dpi=100)
print("figures: tci.png, csht.png")
