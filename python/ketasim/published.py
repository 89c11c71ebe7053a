"""Published variability of catalogue models, turned into what a population or a fit needs.

Each catalogue model carries what its paper publishes about spread (``ks.models.info(key)
["variability"]``, from include/ketasim/models/<key>.hpp): the SD of eta per parameter on its
scale, correlations, the residual error model, and the studied population's covariates. This
module turns it into the arguments of ``ks.simulate_population`` and ``ks.fit_individual``:
:func:`resolve` gives a :class:`PublishedSpec` for a model built by ``ks.models.get``.

Parameters that are not named parameters of the ketasim model are applied by rebuilding each
subject's model: Perez-Ruixo 2021's FRn (the fraction of each 28-mg device absorbed nasally,
logit-normal) is a fraction of the intranasal route, so each subject gets its own route
fractions. ketasim's rule where the published model leaves the valid range: FRn times the
Japanese factor 1.34 exceeds 1 for a Japanese subject whose eta on logit(FRn) is above 0.92
(about 10 % of them); the nasal fraction is then 1 - 1e-9 (the whole device absorbed nasally:
a route path's fraction must be positive, so the swallowed path keeps 1e-9 of it), since a
fraction above 1 has no meaning. This is documented here and in
docs/models.md, not done silently.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import numpy as np

from . import _core

__all__ = ["PublishedSpec", "resolve", "catalogue_of"]

# A stream of its own for each published draw, so that adding one never moves another.
_STREAM_ROUTE_FRACTION = 0x46524E  # "FRN"
_STREAM_COVARIATES = 0x434F56  # "COV"
_FRACTION_FLOOR = 1e-9


@dataclass
class PublishedSpec:
    """What a model's published variability asks of a population (or a fit).

    Attributes
    ----------
    key : str
        The catalogue key.
    variability : dict[str, float]
        SD of eta by named model parameter (log scale; logit for an "f").
    correlation : ndarray or None
        Correlation of those etas, in the order of ``variability``.
    route_fractions : list of dict
        Published variability of route fractions (FRn): ``target``, ``sd`` (logit scale).
    residual : dict or None
        The published residual error on Cp: ``kind`` and its SD(s).
    covariates : list of dict
        The studied population's covariate distributions.
    omitted : list of str
        What the source leaves blank or ambiguous (left out).
    """

    key: str
    variability: Dict[str, float]
    correlation: Optional[np.ndarray]
    route_fractions: List[Dict[str, Any]] = field(default_factory=list)
    residual: Optional[Dict[str, Any]] = None
    covariates: List[Dict[str, Any]] = field(default_factory=list)
    omitted: List[str] = field(default_factory=list)
    sources: List[str] = field(default_factory=list)

    @property
    def names(self) -> List[str]:
        """Every varied quantity: named parameters, then route fractions (by target)."""
        return list(self.variability) + [r["target"] for r in self.route_fractions]


def catalogue_of(model: Any, where: str) -> Tuple[str, Dict[str, float], Dict[str, Any]]:
    """The (key, covariates, build options) a model was built from by ``ks.models.get``."""
    tag = getattr(model, "catalogue", None) if isinstance(model, _core.Model) else None
    if not isinstance(tag, dict) or "key" not in tag:
        raise ValueError(
            f"{where}: variability must be a dict of parameter name -> SD for a Model that is "
            f"not from ks.models.get(key, ...), got 'published' (this Model names no catalogue "
            f"model; a copy or an edited model loses the link)")
    return tag["key"], dict(tag["covariates"]), dict(tag["options"])


def resolve(key: str, override: Optional[Mapping[str, Any]], where: str) -> PublishedSpec:
    """The published variability of ``key`` with the caller's overrides applied.

    ``override`` maps a parameter (ketasim name, or the paper's name as in
    ``info(key)["variability"]["parameters"][i]["published_name"]``) to the SD of its eta on
    the published scale (log for named parameters, logit for route fractions); 0 removes it. A
    named parameter without published variability may be added (it varies on ketasim's scale for
    its kind).
    """
    info = _core.models_info(key)
    v = info["variability"]
    if not v["parameters"] and not override:
        reasons = "; ".join(v["omitted"]) or "none published"
        raise ValueError(f"{where}: variability must be given as a dict for {key}, which has no "
                         f"published between-subject variability ({reasons}), got 'published'")
    sds: Dict[str, float] = {}
    fractions: List[Dict[str, Any]] = []
    by_name: Dict[str, str] = {}
    for p in v["parameters"]:
        name = p["parameter"] or p["target"]
        by_name[p["published_name"]] = name
        by_name[name] = name
        if p["parameter"]:
            sds[name] = float(p["sd"])
        else:
            fractions.append({"target": p["target"], "sd": float(p["sd"]),
                              "published_name": p["published_name"]})
    if override is not None:
        if not isinstance(override, Mapping):
            raise ValueError(f"{where}: variability_override must be a dict of parameter name "
                             f"-> SD of eta, got {override!r}")
        targets = {f["target"] for f in fractions}
        for name, sd in override.items():
            if isinstance(sd, bool) or not isinstance(sd, numbers.Real) or not (
                    math.isfinite(float(sd)) and float(sd) >= 0.0):
                raise ValueError(f"{where}: variability_override[{name!r}] must be a number "
                                 f">= 0 (SD of eta), got {sd!r}")
            target = by_name.get(name, name)
            if target in targets:
                for f in fractions:
                    if f["target"] == target:
                        f["sd"] = float(sd)
            else:
                sds[target] = float(sd)  # an unknown name is caught by simulate_population
        fractions = [f for f in fractions if f["sd"] > 0.0]
    # Correlations among what is left; removed or zeroed parameters drop out.
    kept = [k for k, s in sds.items() if s > 0.0]
    sds = {k: sds[k] for k in kept}
    corr = None
    if v["correlations"]:
        corr = np.eye(len(kept))
        for c in v["correlations"]:
            if c["a"] in kept and c["b"] in kept:
                i, j = kept.index(c["a"]), kept.index(c["b"])
                corr[i, j] = corr[j, i] = c["correlation"]
        if np.allclose(corr, np.eye(len(kept))):
            corr = None
    residual = None
    for r in v["residuals"]:
        if r["analyte"] == "cp":
            residual = dict(r)
    sources = sorted({p["source"] for p in v["parameters"]})
    return PublishedSpec(key=key, variability=sds, correlation=corr, route_fractions=fractions,
                         residual=residual, covariates=list(v["covariates"]),
                         omitted=list(v["omitted"]), sources=sources)


def residual_arguments(residual: Optional[Mapping[str, Any]]) -> Dict[str, float]:
    """The C++ population's residual arguments for a published residual model."""
    out = {"additive_ng_ml": 0.0, "proportional": 0.0, "exponential": 0.0}
    if residual is None:
        return out
    kind = residual["kind"]
    if kind == "exponential":
        out["exponential"] = float(residual["exponential"])
    else:
        out["proportional"] = float(residual.get("proportional", 0.0))
        out["additive_ng_ml"] = float(residual.get("additive_ng_ml", 0.0))
    return out


def draw_route_etas(spec: PublishedSpec, n: int, seed: int) -> Dict[str, np.ndarray]:
    """Per-subject etas of the route fractions, one independent stream per seed."""
    out = {}
    rng = np.random.default_rng([seed, _STREAM_ROUTE_FRACTION])
    for f in spec.route_fractions:
        out[f["target"]] = f["sd"] * rng.standard_normal(n)
    return out


def draw_covariates(spec: PublishedSpec, n: int, seed: int, given: Mapping[str, float],
                    where: str) -> Dict[str, np.ndarray]:
    """Per-subject covariates from the studied population's published distributions.

    Covariates without a published distribution take the caller's value (or the model's
    default). A normal is redrawn outside its [min, max]; a Bernoulli with ``given_flag`` is
    drawn only for subjects whose flag is 1 (Japanese among Asian subjects).
    """
    if not spec.covariates:
        raise ValueError(f"{where}: covariates must be per-subject values for {spec.key}, whose "
                         f"source publishes no covariate distribution ketasim can draw from, "
                         f"got 'published'")
    rng = np.random.default_rng([seed, _STREAM_COVARIATES])
    out: Dict[str, np.ndarray] = {}
    for c in spec.covariates:
        name = c["covariate"]
        if c["kind"] == "normal":
            x = c["mean"] + c["sd"] * rng.standard_normal(n)
            bad = (x < c["min"]) | (x > c["max"])
            while bad.any():
                x[bad] = c["mean"] + c["sd"] * rng.standard_normal(int(bad.sum()))
                bad = (x < c["min"]) | (x > c["max"])
            out[name] = x
        else:  # bernoulli
            x = (rng.random(n) < c["mean"]).astype(float)
            if c["given_flag"]:
                x = x * out[c["given_flag"]]
            out[name] = x
    for name, value in given.items():
        if name not in out:
            out[name] = np.full(n, float(value))
    return out


def route_fraction_builder(key: str, options: Mapping[str, Any],
                           spec: PublishedSpec) -> Callable[..., "_core.Model"]:
    """A model builder taking covariates and the route-fraction etas (keyword ``eta_<i>``)."""
    info = _core.models_info(key)
    base = {p["name"]: p["published"] for p in info["parameters"]}
    targets = [f["target"] for f in spec.route_fractions]

    def build(**kw: float) -> "_core.Model":
        etas = {t: kw.pop(f"eta_{i}") for i, t in enumerate(targets)}
        m = _core.models_get(key, kw, **options)
        if not etas:
            return m
        d = m.to_dict()
        for target, eta in etas.items():
            route, path = target.split(".")[:2]
            apply_fraction_eta(d, route, path, eta, base)
        return _core.Model.from_dict(d)

    return build


def apply_fraction_eta(d: Dict[str, Any], route: str, path: str, eta: float,
                       base: Mapping[str, float]) -> None:
    """Varies the nasal fraction of a Perez-Ruixo route on the logit scale, in place.

    The typical first-device fraction is FRn (times the Japanese factor where it applies), the
    later devices' FRn x 0.62; the swallowed path takes the rest. The varied FRn is
    expit(logit(FRn) + eta) times the same factors, at most 1 (see the module docstring).
    """
    frn = float(base["FRn"])
    for r in d["routes"]:
        if r["name"] != route:
            continue
        nasal = next(p for p in r["paths"] if p["name"] == path)
        rest = [p for p in r["paths"] if p["name"] != path]
        typical = list(nasal["fraction_by_position"])
        factors = [t / frn for t in typical]  # Japanese x later-device factors, as built
        varied = 1.0 / (1.0 + math.exp(-(math.log(frn / (1.0 - frn)) + eta)))
        # At most 1: a path's fraction must be positive, so the swallowed path keeps 1e-9 of
        # the device (28 pg of 28 mg) where the published factors would push FRn above 1.
        new = [min(1.0 - _FRACTION_FLOOR, varied * f) for f in factors]
        nasal["fraction_by_position"] = new
        for p in rest:
            p["fraction_by_position"] = [1.0 - x for x in new]
        return
