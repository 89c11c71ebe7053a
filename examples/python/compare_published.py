"""IV versus intranasal racemic ketamine with sourced numbers, from Python and from a scenario
file: what `ketasim compare` does, step by step.

Sources (the same as examples/cpp/onset_compare.cpp):
 - IV disposition: Domino 1984 (Clin Pharmacol Ther 36:645-653, PMID 6488686), micro constants as
   shipped by opentiva and stanpumpR: V1 = 0.063 L/kg, k10 0.4381, k12 0.5921, k13 0.5900,
   k21 0.2470, k31 0.0146 /min.
 - ke0: Sleigh 2019 (Br J Anaesth 123:592-600), EEG slow-wave t1/2ke0 23 s, ke0 = 1.81 /min;
   fitted with another PK model (caveat).
 - Nasal F = 0.45: Yanagihara 2003 (Biopharm Drug Dispos 24:37-43).
 - Nasal ka: no published value; chosen so that the nasal Tmax is 20 min, the time of the mean
   peak after intranasal ketamine in Malinovsky 1996 (Br J Anaesth 77:203).
Run: python examples/python/compare_published.py
"""

import math
from pathlib import Path

import numpy as np

import ketasim as ks
from ketasim.cli import compare_models, ka_for_tmax, onset_table
from ketasim.scenario import load

weight_kg = 70.0
v1 = 0.063 * weight_kg
ke0 = math.log(2.0) / (23.0 / 60.0)
domino = dict(v1=v1, k10=0.4381, k12=0.5921, k21=0.2470, k13=0.5900, k31=0.0146, ke0=ke0)


def nasal_model(ka):
    return ks.Model.from_micro(**domino, routes={"intranasal": ks.Absorption(ka=ka, f=0.45)})


ka = ka_for_tmax(nasal_model, tmax_min=20.0)
t = np.arange(0.0, 241.0)
iv = ks.simulate(ks.Model.from_micro(**domino),
                 ks.Regimen().infusion(dose_mg=ks.mg_per_kg(0.5, weight_kg), duration_min=40), t)
nasal = ks.simulate(nasal_model(ka), ks.Regimen().dose("intranasal", dose_mg=50.0), t)
print(f"nasal ka {ka:.4f} /min")
print(onset_table([("IV 0.5 mg/kg over 40 min", ks.onset(iv, 100.0, series="ce")),
                   ("intranasal 50 mg", ks.onset(nasal, 100.0, series="ce"))]))

# The same models as `ketasim compare` builds them (one place to swap in catalogue models).
models = compare_models(weight_kg)
print(models.name)

# The IV arm again from a scenario file shipped in examples/scenarios.
scenario = load(Path(__file__).resolve().parents[1] / "scenarios" / "domino_iv_infusion.json")
from_file = scenario.simulate()
print(f"scenario '{scenario.label}': max |Cp - Python| = "
      f"{np.max(np.abs(from_file.cp_ng_ml - iv.cp_ng_ml)):.2e} ng/mL")
