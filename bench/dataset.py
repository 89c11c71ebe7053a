"""simulate_dataset on a 1,000-subject NONMEM-style dataset, against the same simulation as a
loop of ks.simulate calls and against SciPy, timed in one run, printed per subject.

Problem: the reference model of bench/compare.py (3 compartments, an intranasal depot with ka
0.05 /min and F 0.45, an effect site; illustrative values) with a per-subject clearance
(log-normal, SD 0.3, seed 1) given as a CL column; 8 intranasal doses of 28 mg every 12 h (one
dose record with ADDL 7, II 720 min) and 50 observations per subject, evenly spaced over 0-5880
min (some at dose times, seeing the dose). All three sides compute the same Cp; the largest
relative difference to the SciPy reference is printed.

  - dataset: ks.simulate_dataset(model, table), the table a dict of NumPy columns (58,000 rows);
  - loop: per subject, model.set_parameter("cl", ...) then ks.simulate(model, regimen, times);
  - SciPy: per subject, scipy.linalg.expm of the augmented system per distinct step, propagated
    dose to dose (the speed-minded user's propagator), on the first --scipy-subjects subjects.

Benchmarks are not tests: this prints what it measures and never fails on a time.
Run: python bench/dataset.py [--subjects 1000] [--scipy-subjects 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.linalg import expm

import ketasim as ks

P = dict(cl=1.2, v1=15.0, q2=2.0, v2=40.0, q3=0.6, v3=150.0, ke0=0.2, ka=0.05, f=0.45)
DOSE_MG, II_MIN, N_DOSES, N_OBS = 28.0, 720.0, 8, 50
OBS = np.linspace(0.0, (N_DOSES - 1) * II_MIN + 840.0, N_OBS)


def model():
    return ks.Model(cl=P["cl"], v1=P["v1"], q2=P["q2"], v2=P["v2"], q3=P["q3"], v3=P["v3"],
                    ke0=P["ke0"], routes={"intranasal": ks.Absorption(ka=P["ka"], f=P["f"])})


def table(cls):
    n = len(cls)
    per = 1 + N_OBS
    time_one = np.concatenate([[0.0], OBS])
    amt_one = np.concatenate([[DOSE_MG], np.zeros(N_OBS)])
    return {"ID": np.repeat(np.arange(1, n + 1), per), "TIME": np.tile(time_one, n),
            "AMT": np.tile(amt_one, n), "CMT": np.tile(np.where(amt_one > 0, 1.0, np.nan), n),
            "ADDL": np.tile(np.where(amt_one > 0, N_DOSES - 1.0, 0.0), n),
            "II": np.tile(np.where(amt_one > 0, II_MIN, 0.0), n), "CL": np.repeat(cls, per)}


def scipy_cp(cl):
    """Cp at OBS for one subject: states central, p1, p2, depot; expm per step length."""
    k10, k12, k21 = cl / P["v1"], P["q2"] / P["v1"], P["q2"] / P["v2"]
    k13, k31 = P["q3"] / P["v1"], P["q3"] / P["v3"]
    a = np.array([[-(k10 + k12 + k13), k21, k31, P["ka"]],
                  [k12, -k21, 0.0, 0.0],
                  [k13, 0.0, -k31, 0.0],
                  [0.0, 0.0, 0.0, -P["ka"]]])
    events = sorted({*(k * II_MIN for k in range(N_DOSES)), *OBS})
    cache = {}
    x = np.zeros(4)
    t = 0.0
    out = {}
    for te in events:
        dt = te - t
        if dt > 0:
            if dt not in cache:
                cache[dt] = expm(a * dt)
            x = cache[dt] @ x
        t = te
        if any(abs(te - k * II_MIN) < 1e-12 for k in range(N_DOSES)):
            x[3] += P["f"] * DOSE_MG
        out[te] = 1000.0 * x[0] / P["v1"]
    return np.array([out[o] for o in OBS])


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subjects", type=int, default=1000)
    ap.add_argument("--scipy-subjects", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    cls = P["cl"] * np.exp(0.3 * rng.standard_normal(args.subjects))
    m = model()
    data = table(cls)
    regimen = ks.Regimen().dose("intranasal", dose_mg=DOSE_MG, interval_min=II_MIN,
                                count=N_DOSES)

    def dataset():
        return ks.simulate_dataset(m, data, cmt={1: "intranasal"})["cp_ng_ml"]

    def loop():
        mm = model()
        out = []
        for cl in cls:
            mm.set_parameter("cl", float(cl))
            out.append(ks.simulate(mm, regimen, OBS).cp_ng_ml)
        return np.array(out)

    def scipy_loop():
        return np.array([scipy_cp(cl) for cl in cls[:args.scipy_subjects]])

    t_ds, cp_ds = best(dataset, args.repeat)
    t_loop, cp_loop = best(loop, args.repeat)
    t_sp, cp_sp = best(scipy_loop, 1)
    n, ns = args.subjects, args.scipy_subjects
    obs_rows = np.tile(np.concatenate([[False], np.ones(N_OBS, bool)]), n)
    cp_ds_obs = cp_ds[obs_rows].reshape(n, N_OBS)
    err_ds = np.max(np.abs(cp_ds_obs[:ns] - cp_sp) / np.maximum(np.abs(cp_sp), 1e-300))
    err_loop = np.max(np.abs(cp_loop[:ns] - cp_sp) / np.maximum(np.abs(cp_sp), 1e-300))
    print(f"{n} subjects x ({N_DOSES} doses by ADDL, {N_OBS} observations); best of "
          f"{args.repeat}")
    print(f"  simulate_dataset     {t_ds:8.3f} s  {1e6 * t_ds / n:9.1f} us/subject  "
          f"max rel diff to SciPy {err_ds:.1e}")
    print(f"  loop of simulate     {t_loop:8.3f} s  {1e6 * t_loop / n:9.1f} us/subject  "
          f"max rel diff to SciPy {err_loop:.1e}")
    print(f"  SciPy expm loop      {t_sp:8.3f} s  {1e6 * t_sp / ns:9.1f} us/subject  "
          f"(first {ns} subjects)")
    print(f"  dataset / loop per subject: {t_ds / t_loop:.2f}; SciPy / dataset per subject: "
          f"{(t_sp / ns) / (t_ds / n):.0f}x")


if __name__ == "__main__":
    main()
