"""Scenario files: a model, a regimen, output times and a method in one JSON document.

The format is documented in the README ("Scenario files") and examples/scenarios/ ships complete
files. Every problem is reported as one ``ScenarioError`` (a ValueError) whose message names the
file, the key (``regimen[1].infusion.duration_min``) and the value at fault.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Union, cast

import numpy as np

from . import _core
from ._core import Absorption, Model, Regimen, Result, SolverError, mg_per_kg, simulate

__all__ = ["Scenario", "ScenarioError", "load", "from_dict", "MAX_TIMES"]

#: Most output times a scenario may ask for: the cap of ``ketasim.simulate`` itself.
MAX_TIMES: int = _core.MAX_TIMES

_TOP_KEYS = ("description", "label", "weight_kg", "model", "regimen", "times_min", "method",
             "rtol", "atol", "max_steps", "threshold_ng_ml", "series")
_MODEL_KEYS = ("source", "cl", "v1", "q2", "v2", "q3", "v3", "micro", "ke0", "ke0_source",
               "routes")
#: The model as data (Model.to_dict(), docs/model_schema.md), chosen by "parameters" or
#: "compartments"; "source" is a label as in the mammillary form.
_MODEL_DATA_KEYS = ("source", "parameters", "compartments", "links", "routes", "plasma",
                    "effect_site", "analytes")
_MICRO_KEYS = ("v1", "k10", "k12", "k21", "k13", "k31")
_PATH_KEYS = ("ka", "f", "tlag", "duration", "fraction", "fraction_by_position", "target", "name")
_DOSE_KEYS: Dict[str, tuple] = {
    "bolus": ("dose_mg", "dose_mg_per_kg", "time_min", "compartment", "interval_min", "count"),
    "infusion": ("dose_mg", "dose_mg_per_kg", "rate_mg_per_min", "start_min", "duration_min",
                 "compartment", "interval_min", "count"),
    "dose": ("route", "dose_mg", "dose_mg_per_kg", "time_min", "position", "interval_min",
             "count"),
    "nasal_spray": ("dose_mg", "start_min", "device_mg", "interval_min", "route"),
    # NONMEM dosing kinds (docs/datasets.md); a regimen with any of them runs as event records.
    "steady_state": ("dose_mg", "dose_mg_per_kg", "time_min", "route", "compartment",
                     "interval_min", "rate_mg_per_min", "mode", "count"),
    "constant_infusion": ("rate_mg_per_min", "time_min", "route", "compartment", "mode"),
    "reset": ("time_min",),
}
_EVENT_KINDS = ("steady_state", "constant_infusion", "reset")
_TIME_GRID_KEYS = ("start", "stop", "step")


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the file, the key and the value."""


class _Object(dict):
    """A JSON object as parsed, with the keys it repeats (a repeated key is an error: the
    reader reports it with its path, instead of keeping the last value as json does)."""

    repeated: List[str]

    @classmethod
    def from_pairs(cls, pairs: List[tuple]) -> "_Object":
        obj = cls()
        obj.repeated = []
        for key, value in pairs:
            if key in obj and key not in obj.repeated:
                obj.repeated.append(key)
            obj[key] = value
        return obj


def _got(value: Any) -> str:
    """A JSON value as written in a message ("got ...")."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass
class Scenario:
    """A parsed scenario: what ``ketasim simulate`` runs.

    Attributes
    ----------
    model : Model
    regimen : Regimen
    times_min : numpy.ndarray
        Output times, min.
    method : str
        "exact", "ode" or "ode_stiff".
    rtol, atol : float
        ODE tolerances.
    max_steps : int
        ODE step limit.
    threshold_ng_ml : float or None
        Threshold for onset metrics, ng/mL.
    series : str
        "cp" (default, as in ``ketasim.onset``) or "ce": what the threshold is about.
    label : str
        Name of the scenario (legend, table).
    source : str
        Where it came from (the file name), used in messages.
    """

    model: Model
    regimen: Regimen
    times_min: np.ndarray
    method: str = "exact"
    rtol: float = 1e-8
    atol: float = 1e-9
    max_steps: int = 1_000_000
    threshold_ng_ml: Optional[float] = None
    series: str = "cp"
    label: str = "scenario"
    source: str = "scenario"
    #: With a steady_state, constant_infusion or reset entry: the whole regimen as event
    #: records (time_min, evid, amount_mg, rate_mg_per_min, target, addl, ii_min, ss), run by
    #: simulate_events() instead of simulate(); None otherwise.
    events: Optional[List[tuple]] = None

    def simulate_events(self) -> Dict[str, np.ndarray]:
        """Runs a regimen of event records (``events``): the state at each output time, as
        columns (time_min, cp_ng_ml, ce_ng_ml, <analyte>_ng_ml, <compartment>_mg). An output
        at a dose's time sees the dose."""
        assert self.events is not None
        recs = sorted(self.events, key=lambda r: r[0])
        obs = [(float(t), 0, 0.0, 0.0, "", 0, 0.0, 0) for t in self.times_min]
        # Doses before observations at the same time (stable merge by time).
        merged = sorted([(r, 0) for r in recs] + [(o, 1) for o in obs],
                        key=lambda x: (x[0][0], x[1]))
        rows = [r for r, _ in merged]
        names = sorted({r[4] for r in rows if r[4]})
        target = [names.index(r[4]) if r[4] else -1 for r in rows]
        col = lambda k: np.array([float(r[k]) for r in rows])  # noqa: E731
        try:
            out = _core.simulate_events(
                self.model, col(0), col(1), col(2), col(3), np.array(target, dtype=float),
                names, col(5), col(6), col(7), method=self.method, rtol=self.rtol,
                atol=self.atol, max_steps=self.max_steps)
        except ValueError as exc:
            raise ScenarioError(f"{self.source}: {exc}") from None
        except SolverError as exc:
            raise ScenarioError(f"{self.source}: {exc}") from None
        keep = np.array([k for k, (_, is_obs) in enumerate(merged) if is_obs])
        table: Dict[str, np.ndarray] = {"time_min": np.asarray(self.times_min, dtype=float),
                                        "cp_ng_ml": out["cp_ng_ml"][keep]}
        if out["ce_ng_ml"] is not None:
            table["ce_ng_ml"] = out["ce_ng_ml"][keep]
        for k, a in enumerate(out["analytes"]):
            table[f"{a}_ng_ml"] = out["analyte_ng_ml"][keep, k]
        for k, c in enumerate(out["compartments"]):
            table[f"{c}_mg"] = out["amounts_mg"][keep, k]
        return table

    def simulate(self) -> Result:
        """Runs the scenario; C++ errors come back as ScenarioError naming the key."""
        if self.events is not None:
            raise ScenarioError(f"{self.source}: regimen has steady_state, constant_infusion or "
                                "reset entries: use Scenario.simulate_events()")
        try:
            return simulate(self.model, self.regimen, self.times_min, cast(Any, self.method),
                            rtol=self.rtol, atol=self.atol, max_steps=self.max_steps)
        except ValueError as exc:
            raise _rekey(self.source, "", exc) from None
        except SolverError as exc:
            raise ScenarioError(f"{self.source}: {exc}") from None


class _Reader:
    """Walks the JSON document, keeping the key path for messages."""

    def __init__(self, source: str):
        self.source = source

    def error(self, path: str, condition: str, value: Any) -> ScenarioError:
        return ScenarioError(f"{self.source}: {path} must be {condition}, got {_got(value)}")

    def missing(self, path: str, what: str) -> ScenarioError:
        return ScenarioError(f"{self.source}: {path} must be given ({what}), got nothing")

    def unique(self, value: Dict[str, Any], path: str) -> None:
        """Rejects a key given twice in one JSON object (json would keep the last silently)."""
        repeated = getattr(value, "repeated", [])
        if repeated:
            key = repeated[0]
            where = f"{path}.{key}" if path and path != "scenario" else key
            raise ScenarioError(f"{self.source}: {where} must be given once, got it more than "
                                "once in the same object")

    def obj(self, value: Any, path: str, keys: Sequence[str]) -> Dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(path, "a JSON object {...}", value)
        self.unique(value, path)
        for key in value:
            if key not in keys:
                where = f"{path}.{key}" if path else key
                raise ScenarioError(
                    f"{self.source}: {where} is not a known key (known: {', '.join(keys)}), "
                    f"got {_got(key)}"
                )
        return value

    def number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(path, "a number", value)
        try:
            return float(value)
        except OverflowError:  # an integer of more than 308 digits
            raise self.error(path, "a number a double can hold (magnitude <= 1.8e308)",
                             value) from None

    def integer(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(path, "a whole number", value)
        if isinstance(value, float) and not value.is_integer():
            raise self.error(path, "a whole number", value)
        if abs(value) > 2**31 - 1:
            raise self.error(path, "a whole number below 2^31", value)
        return int(value)

    def string(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.error(path, "a string", value)
        return self.text(value, path)

    def text(self, value: str, path: str) -> str:
        """value, unless it holds a lone surrogate ("\\ud800" in JSON), which no file or
        terminal can show: rejected here, naming the key, rather than when first printed."""
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise self.error(path, "valid Unicode text (no lone surrogate \\ud800-\\udfff)",
                             value) from None
        return value

    def numbers(self, value: Any, path: str) -> List[float]:
        if not isinstance(value, list):
            raise self.error(path, "a list of numbers", value)
        return [self.number(v, f"{path}[{i}]") for i, v in enumerate(value)]


def _rekey(source: str, path: str, exc: Exception) -> ScenarioError:
    """A C++ message "<where>: <field> must be ..." re-addressed to a scenario key path."""
    text = str(exc)
    rest = text.split(": ", 1)[1] if ": " in text else text
    return ScenarioError(f"{source}: {path}.{rest}" if path else f"{source}: {rest}")


def _build(source: str, path: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except ValueError as exc:
        raise _rekey(source, path, exc) from None


def _paths(rd: _Reader, value: Any, path: str) -> List[Absorption]:
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) and not value:
        raise rd.error(path, "an absorption path {...} or a non-empty list of them", value)
    out = []
    for i, item in enumerate(items):
        p = f"{path}[{i}]" if isinstance(value, list) else path
        spec = rd.obj(item, p, _PATH_KEYS)
        kwargs: Dict[str, Any] = {}
        for key in ("ka", "f", "tlag", "duration", "fraction"):
            if key in spec:
                kwargs[key] = rd.number(spec[key], f"{p}.{key}")
        if "fraction_by_position" in spec:
            kwargs["fraction_by_position"] = rd.numbers(spec["fraction_by_position"],
                                                        f"{p}.fraction_by_position")
        for key in ("target", "name"):
            if key in spec:
                kwargs[key] = rd.string(spec[key], f"{p}.{key}")
        out.append(Absorption(**kwargs))
    return out


def _model_data(rd: _Reader, value: Dict[str, Any]) -> Model:
    """A model written as its data (the layout of Model.to_dict()); errors name model.<key>."""
    spec = rd.obj(value, "model", _MODEL_DATA_KEYS)
    if "source" in spec:
        rd.string(spec["source"], "model.source")
    data = {key: val for key, val in spec.items() if key != "source"}
    try:
        return Model.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise _rekey(rd.source, "model", exc) from None


def _model(rd: _Reader, value: Any) -> Model:
    if isinstance(value, dict) and ("parameters" in value or "compartments" in value):
        return _model_data(rd, value)
    spec = rd.obj(value, "model", _MODEL_KEYS)
    if "source" in spec:
        rd.string(spec["source"], "model.source")
    ke0 = rd.number(spec["ke0"], "model.ke0") if "ke0" in spec else None
    if ke0 is not None and not (math.isfinite(ke0) and ke0 > 0.0):
        raise rd.error("model.ke0", "> 0 1/min", ke0)
    if "ke0_source" in spec:
        ke0 = _literature_ke0(rd, spec)
    clearance_keys = [k for k in ("cl", "v1", "q2", "v2", "q3", "v3") if k in spec]
    if "micro" in spec:
        if clearance_keys:
            raise rd.error(f"model.{clearance_keys[0]}",
                           "absent when model.micro is given (one form or the other)",
                           spec[clearance_keys[0]])
        micro = rd.obj(spec["micro"], "model.micro", _MICRO_KEYS)
        for key in ("v1", "k10"):
            if key not in micro:
                raise rd.missing(f"model.micro.{key}", "1/min" if key == "k10" else "L")
        k: Dict[str, Any] = {key: rd.number(micro[key], f"model.micro.{key}") for key in micro}
        model = _build(rd.source, "model.micro", lambda: Model.from_micro(ke0=ke0, **k))
    else:
        for key, unit in (("cl", "clearance, L/min"), ("v1", "central volume, L")):
            if key not in spec:
                raise rd.missing(f"model.{key}", unit)
        p: Dict[str, Any] = {key: rd.number(spec[key], f"model.{key}") for key in clearance_keys}
        model = _build(rd.source, "model", lambda: Model(ke0=ke0, **p))
    routes = spec.get("routes", {})
    if not isinstance(routes, dict):
        raise rd.error("model.routes", "a JSON object {route name: absorption}", routes)
    rd.unique(routes, "model.routes")
    for name, route in routes.items():
        rd.text(name, "model.routes." + name.encode("utf-8", "backslashreplace").decode())
        paths = _paths(rd, route, f"model.routes.{name}")
        _build(rd.source, "model.routes", lambda: model.with_route(name, paths))
    return model


def _literature_ke0(rd: _Reader, spec: Dict[str, Any]) -> float:
    """model.ke0_source: a named literature ke0 (``ketasim.models.literature_ke0()``), 1/min."""
    from . import models

    if "ke0" in spec:
        raise rd.error("model.ke0_source", "absent when model.ke0 is given (one or the other)",
                       spec["ke0_source"])
    key = rd.string(spec["ke0_source"], "model.ke0_source")
    known = {e["key"]: e["ke0_per_min"] for e in models.literature_ke0()}
    if key not in known:
        raise rd.error("model.ke0_source", "one of [" + ", ".join(known) + "]", key)
    return float(known[key])


def _regimen(rd: _Reader, value: Any, model: Model, weight_kg: Optional[float]) -> Regimen:
    return _regimen_and_events(rd, value, model, weight_kg)[0]


def _event_records(rd: _Reader, kind: str, path: str, kw: Dict[str, Any]) -> List[tuple]:
    """One regimen entry as event records (time, evid, amt, rate, target, addl, ii, ss)."""
    if kind == "reset":
        return [(kw.get("time_min", 0.0), 3, 0.0, 0.0, "", 0, 0.0, 0)]
    target = kw.get("route") or kw.get("compartment") or ""
    if "route" in kw and "compartment" in kw:
        raise rd.error(f"{path}.compartment", "absent when route is given", kw["compartment"])
    count = kw.get("count", 1)
    if count < 1:
        raise rd.error(f"{path}.count", ">= 1", count)
    interval = kw.get("interval_min", 0.0)
    mode = kw.get("mode", "reset")
    if mode not in ("reset", "add"):
        raise rd.error(f"{path}.mode", "one of [reset, add]", mode)
    ss = 1 if mode == "reset" else 2
    if kind == "constant_infusion":
        if "rate_mg_per_min" not in kw:
            raise rd.missing(f"{path}.rate_mg_per_min", "mg/min")
        return [(kw.get("time_min", 0.0), 1, 0.0, kw["rate_mg_per_min"], target, 0, 0.0, ss)]
    if kind == "steady_state":
        if "dose_mg" not in kw:
            raise rd.missing(f"{path}.dose_mg", "mg")
        if "interval_min" not in kw:
            raise rd.missing(f"{path}.interval_min", "min, the dosing interval")
        return [(kw.get("time_min", 0.0), 1, kw["dose_mg"], kw.get("rate_mg_per_min", 0.0),
                 target, count - 1, interval, ss)]
    if kind == "nasal_spray" or kw.get("position", 1) != 1:
        raise rd.error(path, "a bolus, infusion or dose at position 1 when the regimen has "
                       "steady_state, constant_infusion or reset entries", kind)
    if kind == "infusion":
        duration = kw["duration_min"]
        if "rate_mg_per_min" in kw:
            rate = kw["rate_mg_per_min"]
            amount = rate * duration
        else:
            amount = kw.get("dose_mg", 0.0)
            rate = amount / duration if duration > 0 else 0.0
        return [(kw.get("start_min", 0.0), 1, amount, rate, target, count - 1, interval, 0)]
    return [(kw.get("time_min", 0.0), 1, kw["dose_mg"], 0.0, target, count - 1, interval, 0)]


def _regimen_and_events(rd: _Reader, value: Any, model: Model,
                        weight_kg: Optional[float]) -> tuple:
    """The regimen, and its entries as event records (None unless an event kind is present)."""
    entries: List[tuple] = []
    has_event_kind = False
    if not isinstance(value, list):
        raise rd.error("regimen", "a list of doses [{\"infusion\": {...}}, ...]", value)
    regimen = Regimen()
    routes = list(model.route_names) + ["iv"]
    compartments = list(model.compartment_names)
    for i, entry in enumerate(value):
        if isinstance(entry, dict):
            rd.unique(entry, f"regimen[{i}]")
        if not isinstance(entry, dict) or len(entry) != 1:
            raise rd.error(f"regimen[{i}]",
                           "an object with one key, one of [" + ", ".join(_DOSE_KEYS) + "]",
                           entry)
        kind, args = next(iter(entry.items()))
        if kind not in _DOSE_KEYS:
            raise rd.error(f"regimen[{i}] key", "one of [" + ", ".join(_DOSE_KEYS) + "]", kind)
        path = f"regimen[{i}].{kind}"
        spec = rd.obj(args, path, _DOSE_KEYS[kind])
        kw: Dict[str, Any] = {}
        for key, val in spec.items():
            if key in ("count", "position"):
                kw[key] = rd.integer(val, f"{path}.{key}")
            elif key in ("compartment", "route", "mode"):
                kw[key] = rd.string(val, f"{path}.{key}")
            else:
                kw[key] = rd.number(val, f"{path}.{key}")
        if "dose_mg_per_kg" in kw:
            if "dose_mg" in kw:
                raise rd.error(f"{path}.dose_mg_per_kg", "absent when dose_mg is given",
                               kw["dose_mg_per_kg"])
            if weight_kg is None:
                raise rd.missing("weight_kg", f"kg, for {path}.dose_mg_per_kg")
            per_kg = kw.pop("dose_mg_per_kg")
            kw["dose_mg"] = _build(rd.source, path, lambda: mg_per_kg(per_kg, weight_kg))
        if "compartment" in kw and kw["compartment"] and kw["compartment"] not in compartments:
            raise rd.error(f"{path}.compartment",
                           "one of the model's compartments [" + ", ".join(compartments) + "]",
                           kw["compartment"])
        if kind == "dose":
            if "route" not in kw:
                raise rd.missing(f"{path}.route", "one of [" + ", ".join(routes) + "]")
            if "dose_mg" not in kw:
                raise rd.missing(f"{path}.dose_mg", "mg")
        if kind in ("dose", "nasal_spray"):
            route = kw.get("route", "intranasal")
            if route not in routes:
                raise rd.error(f"{path}.route",
                               "one of the model's routes [" + ", ".join(routes) + "]", route)
        if kind == "bolus" and "dose_mg" not in kw:
            raise rd.missing(f"{path}.dose_mg", "mg")
        if kind == "nasal_spray" and "dose_mg" not in kw:
            raise rd.missing(f"{path}.dose_mg", "mg, a whole number of devices")
        if kind == "infusion" and "duration_min" not in kw:
            raise rd.missing(f"{path}.duration_min", "min")
        if kind in ("steady_state", "constant_infusion") and kw.get("route") is not None \
                and kw["route"] not in routes:
            raise rd.error(f"{path}.route",
                           "one of the model's routes [" + ", ".join(routes) + "]", kw["route"])
        entries.append((kind, path, dict(kw)))
        if kind in _EVENT_KINDS:
            has_event_kind = True
            continue
        method = getattr(regimen, kind)
        if kind == "dose":
            route = kw.pop("route")
            _build(rd.source, path, lambda: method(route, **kw))
        else:
            _build(rd.source, path, lambda: method(**kw))
    if not has_event_kind:
        return regimen, None
    events: List[tuple] = []
    for kind, path, kw in entries:
        events.extend(_event_records(rd, kind, path, kw))
    return regimen, events


def _times(rd: _Reader, value: Any) -> np.ndarray:
    if isinstance(value, list):
        if not value:
            raise rd.error("times_min", "a non-empty list of times (min)", value)
        return np.array(rd.numbers(value, "times_min"), dtype=float)
    spec = rd.obj(value, "times_min", _TIME_GRID_KEYS)
    start = rd.number(spec.get("start", 0.0), "times_min.start")
    if "stop" not in spec:
        raise rd.missing("times_min.stop", "min, the last output time")
    stop = rd.number(spec["stop"], "times_min.stop")
    step = rd.number(spec.get("step", 1.0), "times_min.step")
    if not (math.isfinite(start) and start >= 0.0):
        raise rd.error("times_min.start", ">= 0 min", start)
    if not (math.isfinite(stop) and stop >= start):
        raise rd.error("times_min.stop", f">= times_min.start ({start:g} min)", stop)
    if not (math.isfinite(step) and step > 0.0):
        raise rd.error("times_min.step", "> 0 min", step)
    span = (stop - start) / step  # inf for stop 1e300, step 1e-300
    if not span < MAX_TIMES:
        raise rd.error("times_min.step", f"large enough for at most {MAX_TIMES} times", step)
    return start + step * np.arange(math.floor(span + 1e-9) + 1, dtype=float)


def from_dict(data: Any, source: str = "scenario") -> Scenario:
    """A Scenario from a parsed JSON document; ScenarioError names ``source`` and the key."""
    rd = _Reader(source)
    spec = rd.obj(data, "scenario", _TOP_KEYS)
    for key in ("description", "label"):
        if key in spec:
            rd.string(spec[key], key)
    weight = None
    if "weight_kg" in spec:
        weight = rd.number(spec["weight_kg"], "weight_kg")
        if not (math.isfinite(weight) and weight > 0.0):
            raise rd.error("weight_kg", "> 0 kg", weight)
    if "model" not in spec:
        raise rd.missing("model", "a JSON object with cl, v1, ... or micro")
    model = _model(rd, spec["model"])
    if "regimen" not in spec:
        raise rd.missing("regimen", "a list of doses")
    regimen, events = _regimen_and_events(rd, spec["regimen"], model, weight)
    if "times_min" not in spec:
        raise rd.missing("times_min", "a list of times or {\"start\", \"stop\", \"step\"}")
    times = _times(rd, spec["times_min"])
    method = rd.string(spec.get("method", "exact"), "method")
    if method not in ("exact", "ode", "ode_stiff"):
        raise rd.error("method", "one of [exact, ode, ode_stiff]", method)
    sc = Scenario(model=model, regimen=regimen, times_min=times, method=method, source=source,
                  label=spec.get("label", os.path.splitext(os.path.basename(source))[0]))
    if "rtol" in spec:
        sc.rtol = rd.number(spec["rtol"], "rtol")
    if "atol" in spec:
        sc.atol = rd.number(spec["atol"], "atol")
    if "max_steps" in spec:
        sc.max_steps = rd.integer(spec["max_steps"], "max_steps")
    if "threshold_ng_ml" in spec:
        thr = rd.number(spec["threshold_ng_ml"], "threshold_ng_ml")
        if not (math.isfinite(thr) and thr > 0.0):
            raise rd.error("threshold_ng_ml", "> 0 ng/mL", thr)
        sc.threshold_ng_ml = thr
    if "series" in spec:
        series = rd.string(spec["series"], "series")
        if series not in ("cp", "ce"):
            raise rd.error("series", "one of [cp, ce]", series)
        sc.series = series
    sc.events = events
    if events is not None and sc.threshold_ng_ml is not None:
        raise rd.error("threshold_ng_ml", "absent when the regimen has steady_state, "
                       "constant_infusion or reset entries (onset metrics need a regimen "
                       "without them)", sc.threshold_ng_ml)
    if sc.series == "ce" and sc.threshold_ng_ml is not None and not model.has_effect_site:
        raise rd.missing("model.ke0", "1/min, for Ce onset metrics; or set \"series\": \"cp\"")
    return sc


def load(path: Union[str, "os.PathLike[str]"]) -> Scenario:
    """Reads and checks a scenario file (JSON); see the README for the format.

    Raises
    ------
    ScenarioError
        One line naming the file, the key and the value at fault (also for unreadable files and
        invalid JSON).
    """
    source = os.fspath(path)
    try:
        with open(source, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise ScenarioError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{source}: is not UTF-8 text ({exc.reason})") from None
    try:
        data = json.loads(text, object_pairs_hook=_Object.from_pairs)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"{source}: is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise ScenarioError(f"{source}: is not valid JSON: nested too deeply") from None
    return from_dict(data, source)
