"""The catalogue of published ketamine models: ``ks.models.list()``, ``info(key)``, ``get(key, ...)``.

Each model is tested against numbers its source publishes (``reproductions(key)`` lists them, as
data; docs/models.md shows them all). Covariates are keyword arguments named with their unit
(``weight_kg``, ``age_yr``) or 0/1 flags (``asian``, ``japanese``); a value outside the range the
model was fitted over raises ``ValueError`` naming it, unless ``extrapolate=True``, which warns
instead.

``ke0`` has one meaning everywhere: the effect-site rate constant, a number in 1/min. No model
here has a ke0 fitted in its own paper, and ketasim invents none: ``get`` builds a model without
an effect site unless you pass ``ke0=<number>`` or take one from the literature with
``ke0_source="sleigh2019"`` (EEG slow-wave equilibration half-time 23 s after an IV bolus of
racemic ketamine, fitted with another PK model).

>>> import numpy as np, ketasim as ks
>>> ks.models.list()[:2]
['perezruixo2021', 'kamp2020']
>>> m = ks.models.get("perezruixo2021", age_yr=45)
>>> r = ks.Regimen().nasal_spray(dose_mg=56, start_min=0, device_mg=28, interval_min=5)
>>> res = ks.simulate(m, r, np.arange(0.0, 241.0))
>>> round(float(res.cp_ng_ml.max()), 1)
72.6
"""

from __future__ import annotations

import builtins
import functools
import json
import numbers
import warnings
from importlib import resources
from typing import Any, Dict, List, Optional

from . import _core, _table

__all__ = [
    "list", "info", "get", "out_of_range", "reproductions", "literature_ke0", "presets",
    "format_table", "describe",
]


def list() -> builtins.list:  # noqa: A001 - the catalogue's verb, as the issue names it
    """Keys of the catalogue's models, in catalogue order.

    Returns
    -------
    list of str
        e.g. ``['perezruixo2021', 'kamp2020', 'domino1984', ...]``.
    """
    return _core.models_keys()


def info(key: str) -> Dict[str, Any]:
    """Everything the catalogue says about one model.

    Parameters
    ----------
    key : str
        A key from :func:`list`.

    Returns
    -------
    dict
        ``citation``, ``doi``, ``pmid`` (None when none could be verified), ``drug``,
        ``analyte`` (what Cp is), ``cp_site`` (where Cp is: "arterial", "venous" or
        "not stated"; the concentration ``ketasim compare`` plots), ``metabolites``, ``routes``,
        ``population``, ``sampling``,
        ``covariates`` (name -> unit, description, min, max, default, flag, range_source),
        ``ke0`` (kind: "fitted", "back-computed from an assumed time to peak effect" or "none";
        ke0_per_min; text), ``parameters`` (each as published beside ketasim's value and unit),
        ``verification``, ``notes``, ``published_model`` (False for a composite),
        ``variability``: what the source publishes about spread, as data: ``parameters``
        (each with ``published_name``, ``parameter`` (ketasim's name, or None and a ``target``
        for a route fraction), ``scale`` ("log-normal", "logit-normal", "additive"),
        ``published`` (as printed), ``published_as`` ("%CV", "omega^2", ...), ``sd`` (of eta,
        after ``conversion``), ``source``), ``correlations``, ``residuals`` (per analyte:
        ``kind`` "proportional", "additive", "combined" or "exponential", and its SDs),
        ``covariates`` (the studied population's distributions ketasim can draw from) and
        ``omitted`` (what the source leaves blank or ambiguous, left out).

    Raises
    ------
    ValueError
        For an unknown key (the message lists the keys).
    """
    return _core.models_info(key)


def _covariates(key: str, values: Dict[str, Any]) -> Dict[str, float]:
    out: Dict[str, float] = {}
    for name, v in values.items():
        if isinstance(v, bool):
            out[name] = 1.0 if v else 0.0
        elif isinstance(v, numbers.Real):
            out[name] = float(v)
        else:
            raise TypeError(f"{key}: {name} must be a number, got {v!r}")
    return out


def out_of_range(key: str, **covariates: Any) -> builtins.list:
    """Messages for the covariates outside the range the model was fitted over ([] if none)."""
    return _core.models_out_of_range(key, _covariates(key, covariates))


def get(
    key: str,
    *,
    extrapolate: bool = False,
    ke0: Optional[float] = None,
    ke0_source: Optional[str] = None,
    preset: Optional[str] = None,
    **covariates: Any,
) -> _core.Model:
    """Builds a catalogue model for one subject (typical values), ready for ``ks.simulate``.

    Parameters
    ----------
    key : str
        A key from :func:`list`.
    extrapolate : bool, default False
        Accept covariates outside the published range; each one then raises a ``UserWarning``.
    ke0 : float, optional
        The effect-site rate constant, 1/min, chosen by you.
    ke0_source : str, optional
        Take ke0 from the literature instead: a key of :func:`literature_ke0`, e.g.
        ``"sleigh2019"``. At most one of ``ke0``, ``ke0_source``; with neither, the model has no
        effect site (none of these papers fits a ke0).
    preset : str, optional
        For ``intranasal_racemic`` only: ``"pharmacotherapy2022"`` or ``"yanagihara2003"``
        (see :func:`presets`), instead of ``f`` and ``ka_per_min``.
    **covariates
        The model's covariates by name: ``weight_kg`` for weight-scaled models; ``age_yr``,
        ``asian``, ``japanese`` for perezruixo2021; ``weight_kg``, ``f``, ``ka_per_min`` for
        intranasal_racemic. ``info(key)["covariates"]`` lists them with ranges and defaults.

    Returns
    -------
    ketasim.Model

    Raises
    ------
    ValueError
        Unknown key or covariate, a missing required covariate, a covariate outside its
        published range (without ``extrapolate``), ``ke0`` not > 0, an unknown ``ke0_source``,
        or both ``ke0`` and ``ke0_source``.
    TypeError
        A covariate or ``ke0`` that is not a number, a ``ke0_source`` or ``preset`` that is not
        a string.

    Examples
    --------
    >>> import ketasim as ks
    >>> m = ks.models.get("kamp2020", weight_kg=70, ke0_source="sleigh2019")
    >>> round(m.parameter("ke0"), 3)
    1.808
    >>> ks.models.get("kamp2020", weight_kg=70, ke0=0.5).parameter("ke0")
    0.5
    """
    values = _covariates(key, covariates)
    if ke0 is not None and (isinstance(ke0, bool) or not isinstance(ke0, numbers.Real)):
        raise TypeError(f"{key}: ke0 must be a number (1/min), got {ke0!r}")
    for name, v in (("ke0_source", ke0_source), ("preset", preset)):
        if v is not None and not isinstance(v, str):
            raise TypeError(f"{key}: {name} must be a string, got {v!r}")
    if not isinstance(extrapolate, bool):
        raise TypeError(f"{key}: extrapolate must be a bool, got {extrapolate!r}")
    if ke0 is not None and ke0_source is not None:
        raise ValueError(f'{key}: at most one of ke0, ke0_source must be given, got "both"')
    if extrapolate:
        for message in _core.models_out_of_range(key, values):
            warnings.warn(message, UserWarning, stacklevel=2)
    options = dict(extrapolate=extrapolate, ke0_per_min=None if ke0 is None else float(ke0),
                   ke0_source=ke0_source, preset=preset)
    model = _core.models_get(key, values, **options)
    # Which catalogue model this is, so that ks.simulate_population(..., variability=
    # "published") and ks.fit_individual find its published variability (a copy or an edited
    # model does not carry it).
    model.catalogue = {"key": key, "covariates": values, "options": options}
    return model


@functools.lru_cache(maxsize=1)
def _reproduction_table() -> Dict[str, Any]:
    text = resources.files(__package__).joinpath("reproductions.json").read_text("utf-8")
    return json.loads(text)["models"]


def reproductions(key: str) -> builtins.list:
    """The published numbers ``key`` is checked against, as data (nothing is simulated here).

    The rows are those of docs/models.md: the C++ test oracle (tests/cpp/models/reproductions.hpp)
    computes them, and its generator writes them to ``ketasim/reproductions.json``; a test fails
    when that file is stale.

    Returns
    -------
    list of dict
        Each with ``quantity``, ``regimen``, ``unit``, ``published`` (as printed),
        ``published_value``, ``ketasim`` (ketasim's value when the file was generated),
        ``difference_rel``, ``low``/``high`` (the acceptance interval; None for an open side),
        ``tolerance``, ``source``, ``check`` (``"reproduction"``: a published number computed by
        simulating the model; ``"consistency check"``: a published parameter, or its algebra,
        read back; ``"context"``: shown with no claim), ``claimed`` (False for a documented gap
        or a context row), ``within``,
        ``status`` and ``note``.

    Raises
    ------
    ValueError
        For an unknown key (the message lists the keys).
    """
    if not isinstance(key, str):
        raise TypeError(f"models.reproductions: key must be a str, got {key!r}")
    info(key)  # unknown key: the catalogue's own error
    return [dict(r) for r in _reproduction_table()[key]]


def literature_ke0() -> builtins.list:
    """Literature ke0 values: ``key`` (what ``ke0_source`` takes), ``t_half_s``, ``ke0_per_min``
    (the number), endpoint, citation, caveat."""
    return _core.models_literature_ke0()


def presets() -> builtins.list:
    """Presets of the intranasal racemic composite: F, back-computed ka, Tmax, sources."""
    return _core.models_nasal_presets()


# ------------------------------------------------------------------------------------------------
# Text for the command line (``ketasim models`` and ``ketasim models KEY``)
# ------------------------------------------------------------------------------------------------

def _columns(head: builtins.list, rows: builtins.list) -> str:
    return _table.format_table(head, [[str(c) for c in r] for r in rows], rule=True,
                               numeric=False)


def _num(v: float) -> str:
    return f"{v:.4g}"


def format_table() -> str:
    """The catalogue as a text table: key, drug, routes, source, ke0 source, Cp site, and the
    published numbers each model is checked against.

    The last column, "reproduced", counts the published numbers each model reproduces by
    simulation (within their interval / claimed), then its consistency checks (parameters read
    back) and documented gaps, e.g. ``9/9 (+2 checks, +1 gap)``; from :func:`reproductions`.
    """
    rows = []
    for key in list():
        i = info(key)
        reps = reproductions(key)
        claimed = [r for r in reps if r["claimed"] and r["check"] == "reproduction"]
        checks = [r for r in reps if r["claimed"] and r["check"] == "consistency check"]
        gaps = [r for r in reps if not r["claimed"] and r["tolerance"] != "none (context)"]
        ok = sum(1 for r in claimed if r["within"])
        source = i["title"] if i["published_model"] else "composite, not a published model"
        extra = [f"+{len(checks)} check" + ("s" if len(checks) != 1 else "")] if checks else []
        extra += [f"+{len(gaps)} gap" + ("s" if len(gaps) != 1 else "")] if gaps else []
        repro = f"{ok}/{len(claimed)}" + (f" ({', '.join(extra)})" if extra else "")
        rows.append([key, i["drug"], ", ".join(i["routes"]), source, i["ke0"]["kind"],
                     i["cp_site"], repro])
    return _columns(["model", "drug", "routes", "source", "ke0", "Cp site", "reproduced"], rows)


def describe(key: str) -> str:
    """One model in full, as text: citation, population, covariates, ke0 source, parameters as
    published beside ketasim's values, published variability, and every published number with
    ketasim's value."""
    i = info(key)
    out = [f"{i['key']}: {i['title']}"]
    if not i["published_model"]:
        out.append("COMPOSITE: not a published model.")
    ref = i["citation"]
    if i["doi"]:
        ref += f". doi:{i['doi']}"
    if i["pmid"]:
        ref += f", PMID {i['pmid']}"
    out += [
        f"Citation:   {ref}",
        f"Drug:       {i['drug']}; Cp is {i['analyte']}"
        + (f"; also reported: {', '.join(i['metabolites'])}" if i["metabolites"] else ""),
        f"Routes:     {', '.join(i['routes'])}",
        f"Population: {i['population']}",
        f"Sampling:   {i['sampling']}",
        f"Cp site:    {i['cp_site']} (the concentration reported as Cp)",
        f"ke0:        [{i['ke0']['kind']}] {i['ke0']['text']}",
        "Covariates:",
    ]
    for name, c in i["covariates"].items():
        rng = "0 or 1" if c["flag"] else f"{_num(c['min'])}-{_num(c['max'])} {c['unit']}".rstrip()
        default = "" if c["default"] is None else f", default {_num(c['default'])}"
        out.append(f"  {name}: {c['description']} ({rng}{default}; {c['range_source']})")
    out += ["", "Parameters (as published, and as ketasim uses them):"]
    out.append(_columns(
        ["parameter", "published", "unit", "ketasim name", "value", "unit", "note"],
        [[p["name"], _num(p["published"]), p["published_unit"], p["ketasim_name"] or "",
          _num(p["value"]), p["unit"], p["note"]] for p in i["parameters"]]))
    v = i["variability"]
    out += ["", "Between-subject variability as published (variability=\"published\"):"]
    if v["parameters"]:
        out.append(_columns(
            ["parameter", "ketasim", "scale", "published", "as", "SD of eta"],
            [[p["published_name"], p["parameter"] or p["target"], p["scale"],
              _num(p["published"]), p["published_as"], _num(p["sd"])]
             for p in v["parameters"]]))
    for c in v["correlations"]:
        out.append(f"  correlation {c['a']}-{c['b']}: {_num(c['correlation'])} "
                   f"({c['published_as']} {_num(c['published'])})")
    for r in v["residuals"]:
        out.append(f"  residual error on {r['analyte']}: {r['kind']}, {r['published']}")
    for c in v["covariates"]:
        out.append(f"  studied population, {c['covariate']}: {c['published']}")
    for m in v["omitted"]:
        out.append(f"  left out: {m}")
    out += ["", "Published numbers checked (reproduction: computed by simulation; consistency "
                "check: a parameter read back):"]
    rows = []
    for r in reproductions(key):
        unit = f" {r['unit']}" if r["unit"] else ""
        diff = "" if r["difference_rel"] is None else f"{100 * r['difference_rel']:+.1f} %"
        if r["claimed"]:
            status = "ok" if r["within"] else "NOT WITHIN ITS INTERVAL"
        else:
            status = "context" if r["tolerance"] == "none (context)" else "documented gap"
        rows.append([r["quantity"], r["check"], r["regimen"], r["published"] + unit,
                     _num(r["ketasim"]) + unit, diff, status, r["source"]])
    out.append(_columns(["quantity", "check", "regimen", "published", "ketasim", "diff",
                         "status", "source"], rows))
    out += ["", f"Verified: {i['verification']}"]
    if i["notes"]:
        out.append(f"Notes: {i['notes']}")
    return "\n".join(out)
