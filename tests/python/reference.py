"""Independent reference solutions for the Python tests, written with SciPy only (no ketasim).

A mammillary model (1-3 compartments) with optional first-order depot and effect site is written
as its own rate matrix here; doses are boluses into a state, zero-order infusions into a state.
``exact`` propagates with scipy.linalg.expm of the augmented matrix [[A, b], [0, 0]] between
breakpoints; ``ode`` integrates with scipy.integrate.solve_ivp (Radau, rtol 1e-11) piece by piece.
Concentrations: Cp = 1000 x amount(central) / V1 ng/mL; Ce is a state in mg/L (x 1000 -> ng/mL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy.integrate import solve_ivp
from scipy.linalg import expm


@dataclass
class RefModel:
    """A hand-written mammillary model: L/min, L, 1/min."""

    cl: float
    v1: float
    q2: float = 0.0
    v2: float = 0.0
    q3: float = 0.0
    v3: float = 0.0
    ke0: Optional[float] = None
    ka: Optional[float] = None  # one first-order depot feeding the central compartment
    f: float = 1.0
    tlag: float = 0.0
    auc: bool = False  # add a state holding the integral of Cp (mg/L x min)

    def layout(self) -> Dict[str, int]:
        names = ["central"]
        if self.v2 > 0:
            names.append("p1")
        if self.v3 > 0:
            names.append("p2")
        if self.ka is not None:
            names.append("depot")
        if self.ke0 is not None:
            names.append("ce")
        if self.auc:
            names.append("auc")
        return {n: i for i, n in enumerate(names)}

    def matrix(self) -> np.ndarray:
        ix = self.layout()
        n = len(ix)
        a = np.zeros((n, n))
        c = ix["central"]
        a[c, c] -= self.cl / self.v1
        for key, q, v in (("p1", self.q2, self.v2), ("p2", self.q3, self.v3)):
            if key in ix:
                p = ix[key]
                a[c, c] -= q / self.v1
                a[p, c] += q / self.v1
                a[p, p] -= q / v
                a[c, p] += q / v
        if "depot" in ix:
            d = ix["depot"]
            a[d, d] -= self.ka
            a[c, d] += self.ka
        if "ce" in ix:
            e = ix["ce"]
            a[e, c] += self.ke0 / self.v1
            a[e, e] -= self.ke0
        if "auc" in ix:
            a[ix["auc"], c] += 1.0 / self.v1
        return a


@dataclass
class RefDoses:
    """Boluses (time, state, mg) and infusions (start, end, state, mg/min)."""

    boluses: List[Tuple[float, str, float]] = field(default_factory=list)
    infusions: List[Tuple[float, float, str, float]] = field(default_factory=list)

    def bolus(self, t: float, state: str, mg: float) -> "RefDoses":
        self.boluses.append((t, state, mg))
        return self

    def infusion(self, t0: float, duration: float, state: str, mg: float) -> "RefDoses":
        self.infusions.append((t0, t0 + duration, state, mg / duration))
        return self

    def depot_dose(self, model: RefModel, t: float, mg: float) -> "RefDoses":
        """A dose by the first-order route: F x mg into the depot after the lag."""
        return self.bolus(t + model.tlag, "depot", model.f * mg)


def _rates(model: RefModel, doses: RefDoses, t: float) -> np.ndarray:
    ix = model.layout()
    b = np.zeros(len(ix))
    for t0, t1, state, rate in doses.infusions:
        if t0 <= t < t1:
            b[ix[state]] += rate
    return b


def _breakpoints(doses: RefDoses) -> List[float]:
    pts = {t for t, _, _ in doses.boluses}
    for t0, t1, _, _ in doses.infusions:
        pts.update((t0, t1))
    return sorted(pts)


def exact(model: RefModel, doses: RefDoses, times: Sequence[float]) -> np.ndarray:
    """States (rows) at sorted times by the matrix exponential of the augmented system."""
    times = np.asarray(times, dtype=float)
    ix = model.layout()
    a = model.matrix()
    n = len(ix)
    grid = sorted(set([0.0] + list(times) + _breakpoints(doses)))
    x = np.zeros(n)
    t = 0.0
    at: Dict[float, np.ndarray] = {}
    cache: Dict[Tuple[float, bytes], np.ndarray] = {}
    for tk in grid:
        if tk > t:
            b = _rates(model, doses, t)
            key = (round(tk - t, 12), b.tobytes())
            if key not in cache:
                m = np.zeros((n + 1, n + 1))
                m[:n, :n] = a
                m[:n, n] = b
                cache[key] = expm(m * (tk - t))
            e = cache[key]
            x = e[:n, :n] @ x + e[:n, n]
            t = tk
        for tb, state, mg in doses.boluses:
            if tb == tk:
                x[ix[state]] += mg
        at[tk] = x.copy()
    return np.array([at[float(tt)] for tt in times])


def ode(model: RefModel, doses: RefDoses, times: Sequence[float]) -> np.ndarray:
    """The same states by solve_ivp (Radau, rtol 1e-11, atol 1e-13), piecewise between doses."""
    times = np.asarray(times, dtype=float)
    ix = model.layout()
    a = model.matrix()
    x = np.zeros(len(ix))
    edges = sorted(set([0.0, float(times[-1])] + [b for b in _breakpoints(doses)
                                                  if b <= times[-1]]))
    out = np.zeros((len(times), len(ix)))
    for k, t0 in enumerate(edges):
        for tb, state, mg in doses.boluses:
            if tb == t0:
                x[ix[state]] += mg
        at_t0 = times == t0
        out[at_t0] = x
        if k + 1 == len(edges):
            break
        t1 = edges[k + 1]
        b = _rates(model, doses, t0)
        inside = (times > t0) & (times < t1)
        t_eval = np.append(times[inside], t1)
        sol = solve_ivp(lambda _t, y: a @ y + b, (t0, t1), x, method="Radau", t_eval=t_eval,
                        rtol=1e-11, atol=1e-13, jac=a)
        assert sol.success, sol.message
        out[inside] = sol.y[:, :-1].T
        x = sol.y[:, -1].copy()
    return out


def cp_ng_ml(model: RefModel, states: np.ndarray) -> np.ndarray:
    return 1000.0 * states[:, model.layout()["central"]] / model.v1


def ce_ng_ml(model: RefModel, states: np.ndarray) -> np.ndarray:
    return 1000.0 * states[:, model.layout()["ce"]]


def cp_at(model: RefModel, doses: RefDoses, t: float) -> float:
    return float(cp_ng_ml(model, exact(model, doses, [t]))[0])


def ce_at(model: RefModel, doses: RefDoses, t: float) -> float:
    return float(ce_ng_ml(model, exact(model, doses, [t]))[0])


# Domino 1984 micro constants (1/min) and V1 0.063 L/kg (Clin Pharmacol Ther 36:645-653, as
# shipped by opentiva and stanpumpR), ke0 from Sleigh 2019 (t1/2ke0 23 s): the numbers of
# examples/cpp/onset_compare.cpp, written out again here as clearances.
def domino(weight_kg: float = 70.0, ke0: Optional[float] = np.log(2.0) / (23.0 / 60.0),
           **route) -> RefModel:
    v1 = 0.063 * weight_kg
    k10, k12, k21, k13, k31 = 0.4381, 0.5921, 0.2470, 0.5900, 0.0146
    return RefModel(cl=k10 * v1, v1=v1, q2=k12 * v1, v2=v1 * k12 / k21, q3=k13 * v1,
                    v3=v1 * k13 / k31, ke0=ke0, **route)
