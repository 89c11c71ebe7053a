"""NONMEM-style event datasets: read one (a pandas DataFrame, a dict of arrays or a CSV file),
simulate every ID (``simulate_dataset``) and write the result as a dataset again.

The dosing semantics are NONMEM's, implemented in C++ (include/ketasim/events.hpp); see
``simulate_dataset`` and docs/datasets.md.
"""

from __future__ import annotations

import csv
import math
import os
import re
from typing import IO, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core

__all__ = ["DatasetResult", "population_dataset", "read_dataset", "simulate_dataset"]

_WHERE = "simulate_dataset"
#: The dosing columns, as NONMEM names them (matched case-insensitively).
STANDARD = ("ID", "TIME", "EVID", "AMT", "RATE", "CMT", "ADDL", "II", "SS", "MDV")
_DOSING = ("AMT", "RATE", "CMT", "ADDL", "II", "SS")
_FIELD_TO_COLUMN = {"time_min": "TIME", "evid": "EVID", "amount_mg": "AMT",
                    "rate_mg_per_min": "RATE", "target": "CMT", "addl": "ADDL", "ii_min": "II",
                    "ss": "SS", "position": "POSITION"}


def _is_missing_text(v: str) -> bool:
    return v.strip() in ("", ".")


def _read_csv(path: str) -> Tuple[Dict[str, np.ndarray], List[int], Dict[str, List[Any]]]:
    """Columns of a NONMEM CSV file ('.' or empty: missing; lines starting with '#' skipped),
    each data row's line number, and the text that is not a number, by column."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    lines = [i + 1 for i, r in enumerate(rows) if r and not r[0].lstrip().startswith("#")]
    if not lines:
        raise ValueError(f"{_WHERE}: data must have a header row, got an empty file {path!r}")
    header = [h.strip() for h in rows[lines[0] - 1]]
    data_lines = lines[1:]
    cols: Dict[str, np.ndarray] = {}
    bad: Dict[str, List[Any]] = {}
    for j, name in enumerate(header):
        values = np.empty(len(data_lines))
        for k, line in enumerate(data_lines):
            row = rows[line - 1]
            text = row[j] if j < len(row) else ""
            if _is_missing_text(text):
                values[k] = math.nan
                continue
            try:
                values[k] = float(text)
            except ValueError:
                values[k] = math.nan
                bad.setdefault(name, []).append((k, text))
        cols[name] = values
    return cols, data_lines, bad


def read_dataset(data: Any) -> Dict[str, np.ndarray]:
    """The dataset as named float columns (NaN for missing), in the given column order.

    ``data``: a pandas DataFrame, a mapping of column name to array, or the path of a CSV file
    (header row, ``.`` or an empty field for missing). Text that is not a number reads as NaN
    here; ``simulate_dataset`` reports it, naming the row and column, when the column is used.
    """
    table, _, _ = _read(data)
    return table


def _read(data: Any) -> Tuple[Dict[str, np.ndarray], Optional[List[int]], Dict[str, List[Any]]]:
    """(numeric columns, CSV line of each row or None, {column: [(row, text), ...]} non-numbers)."""
    bad: Dict[str, List[Any]] = {}
    if isinstance(data, (str, os.PathLike)):
        return _read_csv(os.fspath(data))
    if hasattr(data, "columns") and hasattr(data, "to_dict") and not isinstance(data, Mapping):
        data = {str(c): data[c].to_numpy() for c in data.columns}  # a pandas DataFrame
    if not isinstance(data, Mapping):
        raise TypeError(f"{_WHERE}: data must be a pandas DataFrame, a dict of arrays or a CSV "
                        f"path, got {type(data).__name__}")
    table = {}
    n = None
    for name, col in data.items():
        if not isinstance(name, str):
            raise TypeError(f"{_WHERE}: data's column names must be strings, got {name!r}")
        arr = np.asarray(col)
        if arr.ndim != 1:
            raise ValueError(f"{_WHERE}: column {name} must be 1-D, got shape {arr.shape}")
        if n is None:
            n = len(arr)
        elif len(arr) != n:
            raise ValueError(f"{_WHERE}: column {name} must have {n} rows (as the first "
                             f"column), got {len(arr)}")
        if arr.dtype.kind in "fiu":
            table[name] = arr.astype(float)
            continue
        if arr.dtype.kind == "b":
            table[name] = arr.astype(float)
            continue
        values = np.empty(len(arr))
        for i, v in enumerate(arr):
            if v is None or (isinstance(v, str) and _is_missing_text(v)):
                values[i] = math.nan
                continue
            try:
                values[i] = float(v)
            except (TypeError, ValueError):
                values[i] = math.nan
                bad.setdefault(name, []).append((i, v))
        table[name] = values
    return table, None, bad


class DatasetResult:
    """One row per input record, in input order: the dosing columns (ID, TIME, EVID, AMT, RATE,
    CMT, ADDL, II, SS, MDV, with their defaults filled in), the parameter and covariate columns
    used, then ``cp_ng_ml``, ``ce_ng_ml`` (with an effect site), ``<analyte>_ng_ml`` and
    ``<compartment>_mg`` (the state after the record's event)."""

    def __init__(self, columns: Dict[str, np.ndarray]):
        self.columns = columns

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __repr__(self) -> str:
        return f"DatasetResult({len(self)} rows, columns={list(self.columns)})"

    def to_pandas(self):
        """The table as a pandas.DataFrame."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("DatasetResult.to_pandas needs pandas, which ketasim does not "
                              "install: pip install pandas") from exc
        return pd.DataFrame({k: np.array(v) for k, v in self.columns.items()})

    def to_csv(self, path: Union[str, "os.PathLike[str]"]) -> int:
        """Writes the table as a NONMEM-readable CSV ('.' for missing); returns the row count."""
        with open(path, "w", newline="") as f:
            return self.write(f)

    def write(self, stream: IO[str]) -> int:
        """Writes the table as CSV to an open text stream; returns the row count."""
        names = list(self.columns)
        cols = [np.asarray(self.columns[n], dtype=float) for n in names]
        w = csv.writer(stream, lineterminator="\n")
        w.writerow(names)
        for i in range(len(self)):
            w.writerow(["." if math.isnan(c[i]) else _num(c[i]) for c in cols])
        return len(self)


def _num(v: float) -> str:
    return str(int(v)) if v == int(v) and abs(v) < 1e15 else repr(float(v))


class _Table:
    """The dataset with column lookup by case-insensitive name and row-naming errors."""

    def __init__(self, data: Any):
        self.cols, self.lines, self.bad = _read(data)
        self.n = len(next(iter(self.cols.values()))) if self.cols else 0
        self.by_lower: Dict[str, str] = {}
        for name in self.cols:
            low = name.lower()
            if low in self.by_lower:
                raise ValueError(f"{_WHERE}: column names must be unique ignoring case, got "
                                 f"{self.by_lower[low]!r} and {name!r}")
            self.by_lower[low] = name

    def row(self, i: int) -> str:
        return f"row {i}" + (f" (line {self.lines[i]})" if self.lines is not None else "")

    def fail(self, i: int, column: str, condition: str, got: Any) -> None:
        raise ValueError(f"{_WHERE}: {self.row(i)}, column {column} must be {condition}, "
                         f"got {got}")

    def get(self, name: str) -> Optional[np.ndarray]:
        """The column called name (any case), its text values checked; None when absent."""
        actual = self.by_lower.get(name.lower())
        if actual is None:
            return None
        for i, text in self.bad.get(actual, [])[:1]:
            self.fail(i, actual, "a number (or '.' for missing)", repr(text))
        return self.cols[actual]


def _whole(table: _Table, name: str, col: np.ndarray, rows: np.ndarray, allowed: str) -> None:
    bad = np.flatnonzero(np.isnan(col[rows]) | (col[rows] != np.floor(col[rows])))
    if len(bad):
        i = int(rows[bad[0]])
        table.fail(i, name, allowed, _fmt(col[i]))


def _fmt(v: float) -> str:
    return "." if math.isnan(v) else (_num(v) if math.isfinite(v) else repr(v))


ModelSpec = Union["_core.Model", str, Callable[[Dict[str, float]], "_core.Model"]]


def simulate_dataset(
    model: ModelSpec,
    data: Any,
    cmt: Optional[Mapping[int, str]] = None,
    *,
    rule: str = "nocb",
    model_options: Optional[Mapping[str, Any]] = None,
    initial_mg: Optional[Sequence[float]] = None,
    method: str = "exact",
    rtol: float = 1e-8,
    atol: float = 1e-9,
    max_steps: int = 1_000_000,
) -> DatasetResult:
    """Simulates a NONMEM-style event dataset, every ID on its own.

    Parameters
    ----------
    model : Model, callable or str
        A Model (every ID), a callable taking one ID's first-row values (a dict of the
        non-dosing columns, by their names in ``data``) and returning that ID's Model, or a
        catalogue key (``ks.models.list()``): each ID's model is ``ks.models.get(key,
        **covariates, **model_options)`` with the key's covariates (``weight_kg``, ``age_yr``,
        ...) read from the ID's first row.
    data : pandas.DataFrame, dict of arrays or path
        One row per record, sorted by ID then TIME (rows of an ID together). Columns, matched
        ignoring case: ID (default: one subject), TIME (min, required), EVID (0 observation,
        1 dose, 2 other, 3 reset, 4 reset and dose; default 1 where AMT > 0 or a constant
        steady-state rate is given, else 2 where MDV = 1, else 0), AMT (mg), RATE (mg/min; 0
        bolus; -1 modelled rate; -2 modelled duration), CMT, ADDL, II (min), SS (0, 1, 2), MDV,
        and ketasim's POSITION (a dose's place in a session, 1 = first nasal device, for a
        route's fraction_by_position; default 1).
        A column named as a model parameter (``cl``, ``intranasal.f``, any case) sets that
        parameter at each record (time-varying; ``rule`` says which record's value holds
        between records). Other columns are ignored (DV, comments), except as covariates.
        ``.`` or an empty field (CSV) and NaN mean missing.
    cmt : dict of int to str, optional
        CMT number -> compartment name (a dose into it, IV) or route name (the route's paths,
        F, lag and absorption; its duration is the modelled duration of RATE -1 and -2).
        Default: CMT n is the model's n-th compartment. A dose without CMT goes into the plasma
        compartment.
    rule : {"nocb", "locf"}
        "nocb" (NONMEM): a record's parameter values hold on the interval that ends at it;
        "locf" (mrgsolve's option): from the record on.
    model_options : dict, optional
        Passed to ``ks.models.get`` with a catalogue key (``ke0_source``, ``extrapolate``, ...).
    initial_mg : sequence of float, optional
        Amount in each compartment at time 0 (every ID).
    method, rtol, atol, max_steps
        As for ``ks.simulate``. Steady states are computed by linear algebra with every method.

    Returns
    -------
    DatasetResult
        One row per input record, in input order (``to_pandas()``, ``to_csv(path)``).

    Raises
    ------
    ValueError
        Naming the row and the column: a negative AMT, an unknown CMT, II = 0 with ADDL > 0, SS
        with II = 0 and AMT > 0, times out of order within an ID, a missing parameter value, ...
    TypeError
        A ``data`` or ``model`` of the wrong type.

    Examples
    --------
    >>> import ketasim as ks
    >>> m = ks.Model(cl=1.2, v1=15.0)
    >>> data = {"ID": [1, 1, 1], "TIME": [0, 0, 60], "AMT": [10, 0, 0],
    ...         "II": [60, 0, 0], "SS": [1, 0, 0]}
    >>> out = ks.simulate_dataset(m, data)
    >>> round(float(out["cp_ng_ml"][2]), 3)  # trough at steady state: D/V e^-k tau/(1-e^-k tau)
    5.532
    """
    table = _Table(data)
    n = table.n
    if n == 0:
        raise ValueError(f"{_WHERE}: data must have at least one row, got 0")
    time = table.get("TIME")
    if time is None:
        raise ValueError(f"{_WHERE}: data must have a TIME column, got columns "
                         f"{list(table.cols)}")
    rows_all = np.arange(n)
    ids = table.get("ID")
    if ids is None:
        ids = np.ones(n)
    bad_id = np.flatnonzero(np.isnan(ids))
    if len(bad_id):
        table.fail(int(bad_id[0]), table.by_lower.get("id", "ID"), "given", ".")
    bad_t = np.flatnonzero(~np.isfinite(time) | (time < 0))
    if len(bad_t):
        table.fail(int(bad_t[0]), table.by_lower["time"], "a finite number >= 0 min",
                   _fmt(time[bad_t[0]]))

    def column(name: str, default: float) -> np.ndarray:
        col = table.get(name)
        if col is None:
            return np.full(n, default)
        return np.where(np.isnan(col), default, col)

    amt, rate, addl, ii, ss = (column(c, 0.0) for c in ("AMT", "RATE", "ADDL", "II", "SS"))
    position = column("POSITION", 1.0)
    mdv = column("MDV", 0.0)
    evid_col = table.get("EVID")
    evid = np.where(amt != 0, 1.0, np.where(mdv == 1, 2.0, 0.0))
    evid = np.where((amt == 0) & (rate > 0) & (ss > 0), 1.0, evid)
    if evid_col is not None:
        evid = np.where(np.isnan(evid_col), evid, evid_col)
    name_of = {c: table.by_lower.get(c.lower(), c) for c in STANDARD}
    _whole(table, name_of["EVID"], evid, rows_all, "0, 1, 2, 3 or 4")
    bad = np.flatnonzero((evid < 0) | (evid > 4))
    if len(bad):
        table.fail(int(bad[0]), name_of["EVID"], "0, 1, 2, 3 or 4", _fmt(evid[bad[0]]))
    dose = (evid == 1) | (evid == 4)
    drows = np.flatnonzero(dose)
    for name, col, cond in (("AMT", amt, ">= 0 mg"), ("II", ii, ">= 0 min")):
        b = np.flatnonzero(dose & ~(np.isfinite(col) & (col >= 0)))
        if len(b):
            table.fail(int(b[0]), name_of[name], cond, _fmt(col[b[0]]))
    b = np.flatnonzero(dose & ~(np.isfinite(rate) & ((rate >= 0) | (rate == -1) | (rate == -2))))
    if len(b):
        table.fail(int(b[0]), name_of["RATE"],
                   ">= 0 mg/min, -1 (modelled rate) or -2 (modelled duration)", _fmt(rate[b[0]]))
    _whole(table, name_of["ADDL"], addl, drows, "a whole number >= 0")
    b = np.flatnonzero(dose & (addl < 0))
    if len(b):
        table.fail(int(b[0]), name_of["ADDL"], "a whole number >= 0", _fmt(addl[b[0]]))
    b = np.flatnonzero(dose & (addl > 0) & (ii == 0))
    if len(b):
        table.fail(int(b[0]), name_of["II"], "> 0 min when ADDL > 0", _fmt(ii[b[0]]))
    _whole(table, name_of["SS"], ss, drows, "0, 1 or 2")
    b = np.flatnonzero(dose & ((ss < 0) | (ss > 2)))
    if len(b):
        table.fail(int(b[0]), name_of["SS"], "0, 1 or 2", _fmt(ss[b[0]]))
    pos_name = table.by_lower.get("position", "POSITION")
    _whole(table, pos_name, position, drows, "a whole number >= 1")
    b = np.flatnonzero(dose & (position < 1))
    if len(b):
        table.fail(int(b[0]), pos_name, "a whole number >= 1", _fmt(position[b[0]]))
    b = np.flatnonzero(dose & (ss > 0) & (ii == 0) & (amt > 0))
    if len(b):
        table.fail(int(b[0]), name_of["II"],
                   "> 0 min with SS > 0 and AMT > 0 (AMT = 0 with RATE > 0 and II = 0 is a "
                   "constant infusion at steady state)", _fmt(ii[b[0]]))
    # CMT -> target names.
    cmt_col = table.get("CMT")
    target = np.full(n, -1.0)
    targets: List[str] = []
    if cmt_col is not None:
        present = dose & ~np.isnan(cmt_col)
        _whole(table, name_of["CMT"], cmt_col, np.flatnonzero(present), "a whole number")
        for i in np.flatnonzero(present):
            c = int(cmt_col[i])
            if cmt is not None:
                if c not in cmt:
                    table.fail(int(i), name_of["CMT"],
                               f"one of the numbers in cmt {sorted(cmt)}", c)
                name = cmt[c]
                if not isinstance(name, str):
                    raise TypeError(f"{_WHERE}: cmt[{c}] must be a compartment or route name, "
                                    f"got {name!r}")
            else:
                name = f"\0{c}"  # resolved per model below
            if name not in targets:
                targets.append(name)
            target[i] = targets.index(name)
    # IDs: contiguous blocks, times sorted within each.
    starts = [0] + [int(k) + 1 for k in np.flatnonzero(ids[1:] != ids[:-1])]
    ends = starts[1:] + [n]
    seen = set()
    for s in starts:
        if ids[s] in seen:
            table.fail(s, name_of["ID"], f"a new ID (ID {_fmt(ids[s])} appeared before: sort "
                       "the rows by ID then TIME)", _fmt(ids[s]))
        seen.add(ids[s])
    back = np.flatnonzero((np.diff(time) < 0) & (ids[1:] == ids[:-1]))
    if len(back):
        i = int(back[0]) + 1
        table.fail(i, name_of["TIME"], f"sorted within ID {_fmt(ids[i])} (>= "
                   f"{_fmt(time[i - 1])})", _fmt(time[i]))
    # Models per ID.
    std_lower = {c.lower() for c in STANDARD} | {"dv", "position"}
    extra = [c for c in table.cols if c.lower() not in std_lower]
    options = dict(model_options or {})
    if isinstance(model, _core.Model):
        def model_for(first: int) -> "_core.Model":
            return model
    elif isinstance(model, str):
        from . import models as _models
        info = _models.info(model)
        covariate_names = list(info["covariates"])

        def model_for(first: int) -> "_core.Model":
            covs = {}
            for cname in covariate_names:
                col = table.get(cname)
                if col is None:
                    continue
                if math.isnan(col[first]):
                    table.fail(first, table.by_lower[cname.lower()],
                               f"given on the first row of ID {_fmt(ids[first])} (a covariate "
                               f"of {model})", ".")
                covs[cname] = float(col[first])
            return _models.get(model, **options, **covs)
    elif callable(model):
        def model_for(first: int) -> "_core.Model":
            values = {c: float(table.cols[c][first]) for c in extra}
            built = model(values)
            if not isinstance(built, _core.Model):
                raise TypeError(f"{_WHERE}: model(...) must return a ketasim.Model, got "
                                f"{type(built).__name__}")
            return built
    else:
        raise TypeError(f"{_WHERE}: model must be a ketasim.Model, a callable or a catalogue "
                        f"key, got {type(model).__name__}")
    if model_options and not isinstance(model, str):
        raise ValueError(f"{_WHERE}: model_options must be absent unless model is a catalogue "
                         "key, got a value")

    results: List[Dict[str, Any]] = []
    used_params: List[str] = []
    # Per-record inputs, masked to the dose rows once (sliced per ID below).
    amt_d, rate_d, addl_d, ii_d, ss_d = (np.where(dose, c, 0.0) for c in (amt, rate, addl, ii, ss))
    pos_d = np.where(dose, position, 1.0)
    init = None if initial_mg is None else np.asarray(initial_mg, dtype=float)
    prepared: Dict[Tuple[str, ...], Tuple[Any, Any, List[str]]] = {}

    def prepare(m: "_core.Model") -> Tuple[List[Tuple[str, str]], Optional[np.ndarray],
                                           List[str]]:
        """The parameter columns of this model's parameters (all rows), and the target names."""
        key = tuple(m.parameter_names()) + ("\0",) + tuple(m.compartment_names)
        if key in prepared:
            return prepared[key]
        lower = {p.lower(): p for p in m.parameter_names()}
        pcols = [(c, lower[c.lower()]) for c in extra if c.lower() in lower]
        pfull = None
        if pcols:
            pfull = np.column_stack([table.get(c) for c, _ in pcols])
            miss = np.argwhere(np.isnan(pfull))
            if len(miss):
                table.fail(int(miss[0][0]), pcols[int(miss[0][1])][0],
                           "given on every row (a parameter of the model)", ".")
        tnames = list(targets)
        if cmt is None and targets:
            comps = list(m.compartment_names)
            tnames = []
            for k, t in enumerate(targets):
                c = int(t[1:])
                if not 1 <= c <= len(comps):
                    i = int(np.flatnonzero(target == k)[0])
                    table.fail(i, name_of["CMT"], f"in [1, {len(comps)}] (the model's "
                               f"compartments {comps}; or give cmt=)", c)
                tnames.append(comps[c - 1])
        prepared[key] = (pcols, pfull, tnames)
        return prepared[key]

    if isinstance(model, _core.Model):
        models = [model]
    else:
        models = [model_for(s) for s in starts]
    shapes = {(tuple(m.parameter_names()), tuple(m.compartment_names), m.has_effect_site,
               tuple(m.analytes)) for m in models}
    # One C++ call for all IDs when the models share one structure (the usual case), else one
    # call per ID.
    groups = ([(models, 0, len(starts))] if len(shapes) == 1 else
              [([m], k, k + 1) for k, m in enumerate(models)])
    for group_models, b0, b1 in groups:
        pcols, pfull, tnames = prepare(group_models[0])
        for c, _ in pcols:
            if c not in used_params:
                used_params.append(c)
        s, e = starts[b0], ends[b1 - 1]
        block_starts = np.array([x - s for x in starts[b0:b1]] + [e - s], dtype=float)
        try:
            r = _core.simulate_events(
                list(group_models), time[s:e], evid[s:e], amt_d[s:e], rate_d[s:e], target[s:e],
                tnames, addl_d[s:e], ii_d[s:e], ss_d[s:e], position=pos_d[s:e],
                starts=block_starts, parameter_names=[p for _, p in pcols],
                parameters=None if pfull is None else pfull[s:e], rule=rule, initial_mg=init,
                method=method, rtol=rtol, atol=atol, max_steps=max_steps)
        except ValueError as exc:
            raise ValueError(_translate(str(exc), table, s, pcols)) from None
        results.append(r)
    # Assemble in input order (blocks are contiguous and in order).
    cols: Dict[str, np.ndarray] = {}
    for c in STANDARD:
        if c == "ID":
            cols["ID"] = ids
        elif c == "TIME":
            cols["TIME"] = time
        elif c == "EVID":
            cols["EVID"] = evid
        elif c == "MDV":
            cols["MDV"] = np.where(evid == 0, mdv, 1.0)
        elif c == "CMT":
            cols["CMT"] = cmt_col if cmt_col is not None else np.full(n, math.nan)
        else:
            cols[c] = {"AMT": amt, "RATE": rate, "ADDL": addl, "II": ii, "SS": ss}[c]
    if "position" in table.by_lower:
        cols[table.by_lower["position"]] = position
    for c in used_params:
        cols[c] = table.cols[c]
    if isinstance(model, str):
        for cname in list(_models_info_covariates(model)):
            actual = table.by_lower.get(cname.lower())
            if actual is not None and actual not in cols:
                cols[actual] = table.cols[actual]
    cols["cp_ng_ml"] = np.concatenate([r["cp_ng_ml"] for r in results])
    if all(r["ce_ng_ml"] is not None for r in results):
        cols["ce_ng_ml"] = np.concatenate([r["ce_ng_ml"] for r in results])
    first = results[0]
    for k, a in enumerate(first["analytes"]):
        if all(r["analytes"] == first["analytes"] for r in results):
            cols[f"{a}_ng_ml"] = np.concatenate([r["analyte_ng_ml"][:, k] for r in results])
    if all(r["compartments"] == first["compartments"] for r in results):
        for k, c in enumerate(first["compartments"]):
            cols[f"{c}_mg"] = np.concatenate([r["amounts_mg"][:, k] for r in results])
    return DatasetResult(cols)


def _models_info_covariates(key: str) -> List[str]:
    from . import models as _models
    return list(_models.info(key)["covariates"])


def _translate(message: str, table: _Table, first: int, pcols: List[Tuple[str, str]]) -> str:
    """A C++ message about records[k].field, told as the dataset's row and column."""
    def repl(mt: "re.Match[str]") -> str:
        row = first + int(mt.group(1))
        field = mt.group(2)
        pm = re.match(r"parameters\[(.*)\]", field)
        if pm:
            column = next((c for c, p in pcols if p == pm.group(1)), pm.group(1))
        else:
            column = table.by_lower.get(_FIELD_TO_COLUMN.get(field, field).lower(),
                                        _FIELD_TO_COLUMN.get(field, field))
        return f"{table.row(row)}, column {column}"
    message = re.sub(r"records\[(\d+)\]\.([A-Za-z_]+(?:\[[^\]]*\])?)", repl, message)
    return message.replace("simulate_events:", f"{_WHERE}:", 1)


def population_dataset(pop: Any, regimen: "_core.Regimen",
                       cmt: Optional[Mapping[int, str]] = None) -> DatasetResult:
    """A simulated population as a NONMEM-style dataset (``Population.to_dataset``).

    Per subject (ID 1..n, in subject order): the regimen's doses (EVID 1; an infusion as AMT at
    RATE = AMT / duration; POSITION for a route dose), then one observation per output time with
    DV (Cp with residual error when simulated, else Cp), ``cp_ng_ml`` (IPRED), ``ce_ng_ml``
    (with an effect site), and one column per model parameter holding the subject's value, so
    that ``simulate_dataset(reference_model, table)`` reproduces each subject. Doses come before
    observations at the same time. ``cmt`` maps CMT numbers to the regimen's compartment and route
    names (a dose into the plasma compartment has no CMT).
    """
    if not isinstance(regimen, _core.Regimen):
        raise TypeError(f"Population.to_dataset: regimen must be a ketasim.Regimen, got "
                        f"{type(regimen).__name__}")
    number = {name: k for k, name in (cmt or {}).items()}
    doses = sorted(regimen.records, key=lambda d: d.time_min)
    for d in doses:
        if d.target and d.target not in number:
            raise ValueError(f"Population.to_dataset: cmt must map a CMT number to {d.target!r} "
                             f"(a target of the regimen), got {dict(cmt or {})}")
    t = np.asarray(pop.time_min, dtype=float)
    n, nd, nt = pop.n, len(doses), len(t)
    per = nd + nt
    cp = np.asarray(pop.cp_ng_ml)
    dv = np.asarray(pop.cp_observed_ng_ml) if pop.has_observed else cp
    ce = np.asarray(pop.ce_ng_ml) if pop.has_effect_site else None
    # Rows of one subject: doses and observations merged by time, doses first.
    order = sorted(range(per), key=lambda k: (doses[k].time_min if k < nd else t[k - nd],
                                              0 if k < nd else 1))
    is_obs = np.array([k >= nd for k in order])
    obs_index = np.array([k - nd if k >= nd else 0 for k in order])
    nan = math.nan

    def dose_col(f: Callable[[Any], float]) -> np.ndarray:
        return np.array([nan if k >= nd else f(doses[k]) for k in order])

    time_row = np.array([doses[k].time_min if k < nd else t[k - nd] for k in order])
    amt_row = dose_col(lambda d: d.amount_mg)
    rate_row = dose_col(lambda d: d.amount_mg / d.duration_min if d.kind == "infusion" else 0.0)
    cmt_row = dose_col(lambda d: float(number[d.target]) if d.target else nan)
    pos_row = dose_col(lambda d: float(d.position))
    cols: Dict[str, np.ndarray] = {
        "ID": np.repeat(np.arange(1, n + 1, dtype=float), per),
        "TIME": np.tile(time_row, n),
        "EVID": np.tile(np.where(is_obs, 0.0, 1.0), n),
        "AMT": np.tile(amt_row, n),
        "RATE": np.tile(rate_row, n),
        "CMT": np.tile(cmt_row, n),
        "MDV": np.tile(np.where(is_obs, 0.0, 1.0), n),
        "POSITION": np.tile(pos_row, n),
    }

    def per_obs(values: np.ndarray) -> np.ndarray:
        out = np.full((n, per), nan)
        out[:, is_obs] = values[:, obs_index[is_obs]]
        return out.reshape(-1)

    cols["DV"] = per_obs(dv)
    for name, values in pop.parameters.items():
        cols[name] = np.repeat(np.asarray(values, dtype=float), per)
    cols["cp_ng_ml"] = per_obs(cp)
    if ce is not None:
        cols["ce_ng_ml"] = per_obs(ce)
    return DatasetResult(cols)
