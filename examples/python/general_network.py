"""The general network builder: any linear compartment model, routes split into paths, a
metabolite reported as an analyte, named parameters changed in place.

The numbers are illustrative, not a published model. Run: python examples/python/general_network.py
"""

import numpy as np

import ketasim as ks

model = (ks.Model()
         .add_compartment("central", 15.0, "v1")               # L; the first is the plasma one
         .add_compartment("tissue", 40.0, "v2")
         .add_compartment("norketamine", 50.0, "vm")            # a metabolite compartment
         .add_depot("gut")                                       # holds mass, no volume
         .add_exchange("central", "tissue", 2.0, "q2")           # L/min, both ways
         .add_clearance("central", 0.9, "cl")                    # L/min, out of the body
         .add_flow("central", "norketamine", 0.3, "cl_met")      # L/min, one way: metabolism
         .add_elimination("norketamine", 0.01, "k_met")          # 1/min, out of the body
         .add_transfer("gut", "central", 0.02, "ka_gut")         # 1/min
         .add_analyte("norketamine")                             # report its concentration
         .set_plasma("central")
         .set_effect_site(0.2)                                   # ke0, 1/min, driven by plasma
         .with_route("intranasal", [                             # a dose split into two paths
             ks.Absorption(name="nasal", ka=0.05, f=0.5, fraction_by_position=[0.8, 0.6]),
             ks.Absorption(name="swallowed", target="gut", f=0.2,
                           fraction_by_position=[0.2, 0.4])]))

print(model)
print("parameters:", {n: f"{model.parameter(n):g} {model.parameter_unit(n)}".strip()
                      for n in model.parameter_names()})

regimen = ks.Regimen().nasal_spray(dose_mg=56)  # devices 1 and 2, 5 min apart
t = np.arange(0.0, 361.0)
res = ks.simulate(model, regimen, t)
print("analytes:", res.analytes)
nk = res.concentration_ng_ml("norketamine")
print(f"norketamine peak {nk.max():.1f} ng/mL at {t[nk.argmax()]:.0f} min")
print(f"eliminated by 6 h: {res.eliminated_mg[-1]:.1f} mg; AUC of Cp "
      f"{res.auc_cp_ng_min_ml[-1]:.0f} ng*min/mL")

slower = model.copy().set_parameter("intranasal.nasal.ka", 0.02)  # a copy; model unchanged
for label, m in [("ka 0.05 /min", model), ("ka 0.02 /min", slower)]:
    p = ks.peak(ks.simulate(m, regimen, t))
    print(f"{label}: Cmax {p.c_ng_ml:.1f} ng/mL at {p.t_min:.1f} min")
