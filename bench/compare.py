"""ketasim against SciPy on the reference problem, timed in one run, printed as ratios.

The reference problem (the same as bench/reference_problem.hpp): a 3-compartment model with an
intranasal depot and an effect site (CL 1.2 L/min, V1 15 L, Q2 2 L/min, V2 40 L, Q3 0.6 L/min,
V3 150 L, ke0 0.2 /min; nasal ka 0.05 /min, F 0.45; illustrative values), a 35 mg IV infusion over
40 min plus two 28 mg nasal devices 5 min apart, output every minute from 0 to 720 min.

SciPy's side, written as a careful user would:
  - solve_ivp(method="LSODA", rtol=1e-8, atol=1e-12), integrated piecewise between the doses
    (0-5, 5-40, 40-720 min) with the constant Jacobian given: its best accurate use;
  - the matrix-exponential propagator a speed-minded user writes: scipy.linalg.expm of the
    augmented matrix once per input (infusion on / off), then x <- Phi x + c every minute.
ketasim's side: ks.simulate (exact and ode), ks.simulate_population.

Targets (from the issue): one subject, exact >= 500x faster than LSODA and ode >= 200x, exact and
ode agreeing better than 1e-7; a 10,000-subject population >= 100x faster per subject than the
SciPy propagator loop; 2 threads >= 1.8x faster than 1; time linear in grid points and subjects.
Benchmarks are not tests: this prints what it measures and never fails on a time.

Run: python bench/compare.py [--quick] [--json out.json]
For the figures in bench/README.md the command was
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/compare.py --json bench/results.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import timeit
from typing import Callable, Dict, List, Tuple

import numpy as np
import scipy
from scipy.integrate import solve_ivp
from scipy.linalg import expm

import ketasim as ks

# ---- the reference problem ----------------------------------------------------------------

PARAMS = dict(cl=1.2, v1=15.0, q2=2.0, v2=40.0, q3=0.6, v3=150.0, ke0=0.2, ka=0.05, f=0.45)
T = np.arange(0.0, 721.0)
INFUSION_MG, INFUSION_MIN = 35.0, 40.0
DEVICE_MG, DEVICE_TIMES = 28.0, (0.0, 5.0)
VARIABILITY = {"cl": 0.3, "v1": 0.3, "ke0": 0.3, "intranasal.ka": 0.3}


def ks_model(p=PARAMS) -> "ks.Model":
    return ks.Model(cl=p["cl"], v1=p["v1"], q2=p["q2"], v2=p["v2"], q3=p["q3"], v3=p["v3"],
                    ke0=p["ke0"], routes={"intranasal": ks.Absorption(ka=p["ka"], f=p["f"])})


def ks_regimen() -> "ks.Regimen":
    return (ks.Regimen().infusion(dose_mg=INFUSION_MG, start_min=0.0, duration_min=INFUSION_MIN)
            .nasal_spray(dose_mg=DEVICE_MG * len(DEVICE_TIMES), start_min=0.0,
                         device_mg=DEVICE_MG, interval_min=DEVICE_TIMES[1] - DEVICE_TIMES[0]))


# State: central, peripheral 1, peripheral 2, nasal depot (mg), Ce (mg/L).
def rate_matrix(p) -> np.ndarray:
    a = np.zeros((5, 5))
    a[0, 0] = -(p["cl"] + p["q2"] + p["q3"]) / p["v1"]
    a[0, 1], a[0, 2], a[0, 3] = p["q2"] / p["v2"], p["q3"] / p["v3"], p["ka"]
    a[1, 0], a[1, 1] = p["q2"] / p["v1"], -p["q2"] / p["v2"]
    a[2, 0], a[2, 2] = p["q3"] / p["v1"], -p["q3"] / p["v3"]
    a[3, 3] = -p["ka"]
    a[4, 0], a[4, 4] = p["ke0"] / p["v1"], -p["ke0"]
    return a


def infusion_input() -> np.ndarray:
    b = np.zeros(5)
    b[0] = INFUSION_MG / INFUSION_MIN
    return b


def concentrations(x: np.ndarray, p) -> Tuple[np.ndarray, np.ndarray]:
    return 1000.0 * x[:, 0] / p["v1"], 1000.0 * x[:, 4]


def scipy_lsoda(p=PARAMS) -> np.ndarray:
    """solve_ivp LSODA, piecewise between doses, rtol 1e-8, atol 1e-12, constant Jacobian."""
    a = rate_matrix(p)
    b_on, b_off = infusion_input(), np.zeros(5)
    out = np.empty((T.size, 5))
    x = np.zeros(5)
    pieces = sorted(set(DEVICE_TIMES) | {INFUSION_MIN, float(T[-1])})
    for t0, t1 in zip(pieces[:-1], pieces[1:]):
        if t0 in DEVICE_TIMES:
            x[3] += p["f"] * DEVICE_MG
        b = b_on if t0 < INFUSION_MIN else b_off
        sel = (T >= t0) & (T <= t1)
        sol = solve_ivp(lambda t, y: a @ y + b, (t0, t1), x, method="LSODA", t_eval=T[sel],
                        rtol=1e-8, atol=1e-12, jac=lambda t, y: a)
        out[sel] = sol.y.T
        x = sol.y[:, -1].copy()
    return out


def scipy_propagator(p=PARAMS) -> np.ndarray:
    """expm of [[A, b], [0, 0]] once per input, then x <- Phi x + c every minute."""
    a = rate_matrix(p)
    aug = np.zeros((6, 6))
    aug[:5, :5] = a
    aug[:5, 5] = infusion_input()
    e_on = expm(aug)  # dt = 1 min
    phi_on, c_on = e_on[:5, :5], e_on[:5, 5]
    phi_off = expm(a)
    out = np.empty((T.size, 5))
    x = np.zeros(5)
    x[3] += p["f"] * DEVICE_MG
    out[0] = x
    for i in range(1, T.size):
        x = phi_on @ x + c_on if T[i] <= INFUSION_MIN else phi_off @ x
        if T[i] in DEVICE_TIMES:
            x[3] += p["f"] * DEVICE_MG
        out[i] = x
    return out


# ---- timing --------------------------------------------------------------------------------

def best_time(fn: Callable[[], object], min_total: float, repeats: int = 5) -> float:
    """Seconds per call: the best of `repeats` runs, each long enough to time reliably."""
    fn()
    number = 1
    while True:
        t = timeit.timeit(fn, number=number)
        if t >= min_total / repeats or number >= 1 << 20:
            break
        number *= 2
    return min(timeit.repeat(fn, number=number, repeat=repeats)) / number


def best_times_interleaved(fns: List[Callable[[], object]], min_total: float,
                           repeats: int = 7) -> List[float]:
    """Seconds per call of each function, best of `repeats` rounds that time every function in
    turn, so that a shared machine's slow drifts weigh on all of them alike (for ratios)."""
    numbers = []
    for fn in fns:
        fn()
        number = 1
        while timeit.timeit(fn, number=number) < min_total / repeats and number < 1 << 20:
            number *= 2
        numbers.append(number)
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], timeit.timeit(fn, number=numbers[i]) / numbers[i])
    return best


def max_rel(a: np.ndarray, b: np.ndarray, floor: float = 1e-6) -> float:
    """Largest |a - b| / |b| over samples where |b| > floor (ng/mL)."""
    sel = np.abs(b) > floor
    return float(np.max(np.abs(a[sel] - b[sel]) / np.abs(b[sel])))


def subject_params(pop: "ks.Population", i: int):
    q = pop.parameters
    return dict(cl=q["cl"][i], v1=q["v1"][i], q2=q["q2"][i], v2=q["v2"][i], q3=q["q3"][i],
                v3=q["v3"][i], ke0=q["ke0"][i], ka=q["intranasal.ka"][i], f=q["intranasal.f"][i])


def machine() -> Dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__, "ketasim": ks.__version__,
            "platform": platform.platform(),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
            "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def tci_figures(min_total: float, quick: bool) -> Dict[str, object]:
    """A 60-min effect-site TCI (Domino 1984, 70 kg, target 150 ng/mL, 10-s updates) by
    ks.tci, and the same schedule by PyTCI (Three with Domino's constants, exact integrator)
    and opentiva (Pump with 10-s targets) when they are installed: seconds per schedule and the
    total amount each gives."""
    ke0 = 0.652  # opentiva's back-computed Domino ke0, given as the user's value on every side
    model = ks.models.get("domino1984", weight_kg=70, ke0=ke0)
    out: Dict[str, object] = {}
    ours = ks.tci(model, 150.0, duration_min=60, mode="effect")
    out["ketasim_s"] = best_time(lambda: ks.tci(model, 150.0, duration_min=60, mode="effect"),
                                 min_total)
    out["ketasim_total_mg"] = ours.total_dose_mg
    try:
        from opentiva.ketamine import Domino as OtDomino
        from opentiva.pump import Pump
    except ImportError:
        out["opentiva"] = "not installed"
    else:
        def opentiva_run() -> float:
            pump = Pump(OtDomino(0, 40, 70, 170), 10, 3600, maintenance_infusion_duration=10,
                        maintenance_infusion_multiplier=1)
            pump.add_target(0, 0.15, 10, True)
            pump.generate_infusions()
            inf = pump.infusion_list
            return float(np.sum(inf[:, 1] * inf[:, 2]))

        out["opentiva_total_mg"] = opentiva_run()
        out["opentiva_s"] = best_time(opentiva_run, min_total, repeats=3)
    try:
        from PyTCI.models.base import Three
    except ImportError:
        out["pytci"] = "not installed"
    else:
        class PyTciDomino(Three):
            def __init__(self) -> None:
                self.v1, self.k10, self.k12, self.k13 = 0.063 * 70, 0.4381, 0.5921, 0.5900
                self.k21, self.k31, self.keo = 0.2470, 0.0146, ke0
                self.setup()
                self.set_integrator("exact")

        minutes = 10 if quick else 60  # PyTCI's planner takes seconds per simulated minute
        start = time.perf_counter()
        rates = PyTciDomino().effect_target(0.150, 60 * minutes, 10, max_time=600)
        out["pytci_s"] = time.perf_counter() - start
        out["pytci_minutes"] = minutes
        out["pytci_total_mg"] = float(sum(rates) * 10)
        if minutes != 60:
            out["ketasim_total_mg_same_minutes"] = ks.tci(
                model, 150.0, duration_min=minutes, mode="effect").total_dose_mg
    return out


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes and short timings")
    ap.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = ap.parse_args(argv)
    quick = args.quick
    min_total = 0.2 if quick else 2.0
    n_pop = 1000 if quick else 10_000
    n_scipy_pop = 20 if quick else 200

    model, regimen = ks_model(), ks_regimen()
    res: Dict[str, object] = {"machine": machine(), "quick": quick}
    print("machine:", ", ".join(f"{k} {v}" for k, v in res["machine"].items()))

    # -- accuracy on the reference subject --
    exact = ks.simulate(model, regimen, T)
    ode = ks.simulate(model, regimen, T, method="ode")
    cp_l, ce_l = concentrations(scipy_lsoda(), PARAMS)
    cp_p, ce_p = concentrations(scipy_propagator(), PARAMS)
    acc = {
        "exact_vs_ode": max(max_rel(ode.cp_ng_ml, exact.cp_ng_ml),
                            max_rel(ode.ce_ng_ml, exact.ce_ng_ml)),
        "exact_vs_scipy_lsoda": max(max_rel(cp_l, exact.cp_ng_ml),
                                    max_rel(ce_l, exact.ce_ng_ml)),
        "exact_vs_scipy_expm": max(max_rel(cp_p, exact.cp_ng_ml), max_rel(ce_p, exact.ce_ng_ml)),
    }
    res["accuracy_max_relative"] = acc

    # -- one subject --
    t_lsoda = best_time(scipy_lsoda, min_total)
    t_prop = best_time(scipy_propagator, min_total)
    t_exact = best_time(lambda: ks.simulate(model, regimen, T), min_total)
    t_ode = best_time(lambda: ks.simulate(model, regimen, T, method="ode"), min_total)
    one = {"scipy_lsoda_s": t_lsoda, "scipy_expm_loop_s": t_prop, "ketasim_exact_s": t_exact,
           "ketasim_ode_s": t_ode}
    res["one_subject"] = one

    # -- a population: ketasim on 1 and 2 threads, SciPy's propagator loop per subject --
    def run_pop(threads: int, n: int = n_pop, keep: bool = True, points: np.ndarray = T):
        return ks.simulate_population(model, regimen, times_min=points, n=n, seed=7,
                                      threads=threads, variability=VARIABILITY,
                                      keep_individual=keep)

    ref_pop = run_pop(1, n=n_scipy_pop)
    subjects = [subject_params(ref_pop, i) for i in range(n_scipy_pop)]
    t_scipy_pop = best_time(lambda: [scipy_propagator(p) for p in subjects], min_total,
                            repeats=3) / n_scipy_pop
    # 1 and 2 threads timed in alternation.
    t_pop1, t_pop2 = (
        t / n_pop for t in best_times_interleaved(
            [lambda: run_pop(1), lambda: run_pop(2)], 2 * min_total))
    t_pop2_light = best_time(lambda: run_pop(2, keep=False), min_total, repeats=3) / n_pop
    worst = 0.0
    for i in (0, n_scipy_pop // 2, n_scipy_pop - 1):
        cp, ce = concentrations(scipy_propagator(subjects[i]), subjects[i])
        worst = max(worst, max_rel(ref_pop.cp_ng_ml[i], cp), max_rel(ref_pop.ce_ng_ml[i], ce))
    acc["population_vs_scipy_expm"] = worst
    pop = {"subjects": n_pop, "scipy_expm_loop_per_subject_s": t_scipy_pop,
           "scipy_subjects_timed": n_scipy_pop, "ketasim_1_thread_per_subject_s": t_pop1,
           "ketasim_2_threads_per_subject_s": t_pop2,
           "ketasim_2_threads_summaries_only_per_subject_s": t_pop2_light}
    res["population"] = pop

    # -- linearity: one subject over 10^2..10^5 points; populations of 10^2..10^5 subjects --
    grid = {}
    for k in (2, 3, 4) if quick else (2, 3, 4, 5):
        pts = np.linspace(0.0, 720.0, 10 ** k)
        grid[10 ** k] = best_time(lambda: ks.simulate(model, regimen, pts), min_total / 4)
    sizes = {}
    for k in (2, 3) if quick else (2, 3, 4, 5):
        n = 10 ** k
        sizes[n] = best_time(lambda: run_pop(2, n=n, keep=False), min_total / 4, repeats=3)
    res["grid_points_s"] = grid
    res["subjects_s"] = sizes
    res["tci_effect_60min"] = tci = tci_figures(min_total, quick)

    # -- report --
    def ratio(a: float, b: float) -> float:
        return a / b if b > 0 else float("inf")

    rows = [
        ("one subject: ketasim exact vs SciPy LSODA", ratio(t_lsoda, t_exact), 500.0),
        ("one subject: ketasim ode vs SciPy LSODA", ratio(t_lsoda, t_ode), 200.0),
        ("one subject: ketasim exact vs SciPy expm loop", ratio(t_prop, t_exact), None),
        (f"population of {n_pop}: ketasim 2 threads vs SciPy expm loop, per subject",
         ratio(t_scipy_pop, t_pop2), 100.0),
        (f"population of {n_pop}: ketasim 1 thread vs SciPy expm loop, per subject",
         ratio(t_scipy_pop, t_pop1), None),
        (f"population of {n_pop}: 2 threads vs 1 thread", ratio(t_pop1, t_pop2), 1.8),
    ]
    print("\ntimes")
    print(f"  SciPy LSODA, one subject           {1e3 * t_lsoda:10.3f} ms")
    print(f"  SciPy expm loop, one subject       {1e3 * t_prop:10.3f} ms")
    print(f"  ketasim exact, one subject         {1e3 * t_exact:10.4f} ms")
    print(f"  ketasim ode, one subject           {1e3 * t_ode:10.4f} ms")
    print(f"  SciPy expm loop, per subject       {1e6 * t_scipy_pop:10.1f} us "
          f"(timed on {n_scipy_pop} subjects)")
    print(f"  ketasim population, 1 thread       {1e6 * t_pop1:10.2f} us per subject")
    print(f"  ketasim population, 2 threads      {1e6 * t_pop2:10.2f} us per subject")
    print(f"  ... summaries only, 2 threads      {1e6 * t_pop2_light:10.2f} us per subject")
    print("\nratios (target)")
    met = {}
    for label, r, target in rows:
        verdict = "" if target is None else (
            f"  target >= {target:g}x: {'met' if r >= target else 'MISSED'}")
        met[label] = None if target is None else bool(r >= target)
        shown = f"{r:9.2f}" if r < 10 else f"{r:9.1f}"
        print(f"  {label:<72} {shown}x{verdict}")
    print("\naccuracy (largest relative difference, samples above 1e-6 ng/mL)")
    for k, v in acc.items():
        extra = "  target < 1e-7: " + ("met" if v < 1e-7 else "MISSED") if k == "exact_vs_ode" else ""
        print(f"  {k:<28} {v:.2e}{extra}")
    print("\nlinearity (time per point / per subject should stay flat)")
    for n, t in grid.items():
        print(f"  one subject, {n:>7} points      {1e3 * t:9.3f} ms   {1e9 * t / n:8.1f} ns/point")
    for n, t in sizes.items():
        print(f"  {n:>7} subjects x 721 points, 2 threads, summaries only {1e3 * t:9.2f} ms   "
              f"{1e6 * t / n:7.2f} us/subject")
    print("\neffect-site TCI, Domino 1984 70 kg, 150 ng/mL, 10-s updates, one schedule")
    for k, v in tci.items():
        print(f"  {k:<34} {v:.6g}" if isinstance(v, float) else f"  {k:<34} {v}")
    res["ratios"] = {label: r for label, r, _ in rows}
    res["targets_met"] = met
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(res, f, indent=2, default=str)
        print(f"\nwritten: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
