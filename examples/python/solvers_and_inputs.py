"""Solvers, inputs and errors: exact versus ODE, tolerances, any kind of time array, refined peaks
and AUCs, and the errors a script can catch.

The model is illustrative (not a published one). Run: python examples/python/solvers_and_inputs.py
"""

import numpy as np

import ketasim as ks

model = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.2,
                 routes={"im": ks.Absorption(ka=0.1, f=0.9, tlag=1.0)})
regimen = ks.Regimen().dose("im", dose_mg=50.0).bolus(dose_mg=10.0, time_min=30.0,
                                                       interval_min=30.0, count=3)
t = np.arange(0.0, 181.0)

exact = ks.simulate(model, regimen, t)  # method="exact" is the default
for method in ks.METHODS[1:]:
    ode = ks.simulate(model, regimen, t, method, rtol=1e-10, atol=1e-12)
    print(f"{method:9s} max |Cp - exact| = {np.max(np.abs(ode.cp_ng_ml - exact.cp_ng_ml)):.2e} ng/mL")

# Times may be a list, a tuple, or a NumPy array of any real dtype and strides.
for times in ([0, 15, 30, 60], (0.0, 15.0, 30.0, 60.0), np.array([0, 15, 30, 60], np.float32),
              np.repeat([0.0, 15.0, 30.0, 60.0], 2)[::2]):  # a strided view
    print(type(times).__name__, ks.simulate(model, regimen, times).cp_ng_ml.round(1))

# Peaks and AUCs come from the continuous solution, not the samples.
coarse = ks.simulate(model, regimen, np.arange(0.0, 181.0, 20.0))
print("peak Cp, 20-min samples:", ks.peak(coarse))
print("peak Ce, 20-min samples:", ks.peak(coarse, series="ce"))
print(f"AUC 0-30 min {ks.auc_ng_min_ml(coarse, 0.0, 30.0):.1f} ng*min/mL (exact)")
print(ks.onset(coarse, threshold_ng_ml=150.0, series="cp").to_dict())

# Bad input is a ValueError naming the field and the value; a failed solver a RuntimeError.
for bad in (lambda: ks.Model(cl=-1.2, v1=15.0),
            lambda: ks.simulate(model, regimen, [0.0, 5.0, 3.0]),
            lambda: ks.simulate(model, ks.Regimen().dose("oral", 10.0), t),
            lambda: ks.simulate(model, regimen, t, "ode", max_steps=5)):
    try:
        bad()
    except (ValueError, RuntimeError) as exc:
        print(f"{type(exc).__name__}: {exc}")
