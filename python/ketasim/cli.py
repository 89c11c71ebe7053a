"""The ketasim command line: ``ketasim simulate SCENARIO.json``, ``ketasim compare`` and
``ketasim models [KEY]``.

Each subcommand is one ``_add_<name>(subparsers)`` function listed in ``SUBCOMMANDS``; adding a
subcommand is one function and one line there. The models ``ketasim compare`` uses by default are
built in one place, ``compare_models``. Errors are one line on stderr and exit status 1 (2 for a
usage error), never a traceback (set KETASIM_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO, Tuple, cast

import numpy as np

from . import _table
from ._core import (
    Absorption,
    InvalidInput,
    Model,
    OnsetMetrics,
    Regimen,
    Result,
    SolverError,
    mg_per_kg,
    onset,
    peak,
    simulate,
)
from .scenario import ScenarioError
from .scenario import load as load_scenario

__all__ = ["main", "compare_models", "CompareModels", "ka_for_tmax", "onset_table"]


class CliError(Exception):
    """An error the command line reports as one line (bad option value, unwritable file)."""


# --------------------------------------------------------------------------------------------
# Onset table (shared by simulate and compare)
# --------------------------------------------------------------------------------------------

def _cell(v: Optional[float]) -> str:
    return "never" if v is None else f"{v:.1f}"


def onset_table(rows: Sequence[Tuple[str, OnsetMetrics]]) -> str:
    """A fixed-width table of onset metrics, one row per labelled result, with units."""
    if not rows:
        return ""
    series = "Ce" if rows[0][1].series == "ce" else "Cp"
    head = ["regimen", "Cmax", "Tmax", "Ce max", f"{series} onset", f"{series} offset",
            "time above"]
    units = ["", "ng/mL", "min", "ng/mL", "min", "min", "min"]
    body = []
    for label, m in rows:
        body.append([label, f"{m.cmax_ng_ml:.1f}", f"{m.tmax_min:.1f}", _cell(m.ce_max_ng_ml),
                     _cell(m.t_onset_min), _cell(m.t_offset_min), f"{m.time_above_min:.1f}"])
    widths = [max(len(r[i]) for r in [head, units] + body) for i in range(len(head))]

    def line(cells: List[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]
        return "  ".join([first] + rest).rstrip()

    return "\n".join([line(head), line(units)] + [line(r) for r in body])


# --------------------------------------------------------------------------------------------
# ketasim compare: the default models, in one place
# --------------------------------------------------------------------------------------------

@dataclass
class CompareModels:
    """The two models ``ketasim compare`` runs and where their numbers come from."""

    iv: Model
    nasal: Model
    name: str
    sources: List[str] = field(default_factory=list)


#: Domino 1984 micro constants (1/min) as shipped by opentiva and stanpumpR (4-digit values).
_DOMINO_V1_L_PER_KG = 0.063
_DOMINO_MICRO: Dict[str, Any] = {"k10": 0.4381, "k12": 0.5921, "k21": 0.2470, "k13": 0.5900, "k31": 0.0146}
#: Sleigh 2019 EEG slow-wave equilibration half-time, s.
_SLEIGH_T_HALF_KE0_S = 23.0
#: Yanagihara 2003 intranasal bioavailability of racemic ketamine.
_YANAGIHARA_NASAL_F = 0.45
#: Malinovsky 1996 time of the mean peak after intranasal ketamine, min.
_MALINOVSKY_NASAL_TMAX_MIN = 20.0


def ka_for_tmax(make_model: Callable[[float], Model], tmax_min: float,
                route: str = "intranasal") -> float:
    """The absorption rate constant ka (1/min) whose single-dose Cp peak falls at tmax_min.

    Bisection (on a log scale, ka in [0.001, 1] 1/min) on the refined Tmax of a dose by
    ``route`` of ``make_model(ka)``; Tmax does not depend on the dose, so 1 mg is used.

    Raises
    ------
    ValueError
        When no ka in that range gives this Tmax.
    """
    if not (math.isfinite(tmax_min) and tmax_min > 0.0):
        raise ValueError(f"ka_for_tmax: tmax_min must be > 0 min, got {tmax_min!r}")
    t = np.arange(0.0, max(240.0, 4.0 * tmax_min) + 0.5)
    regimen = Regimen().dose(route, dose_mg=1.0, time_min=0.0)

    def tmax(ka: float) -> float:
        return peak(simulate(make_model(ka), regimen, t)).t_min

    lo, hi = 0.001, 1.0
    if not (tmax(hi) <= tmax_min <= tmax(lo)):
        raise ValueError(
            f"ka_for_tmax: tmax_min must be between {tmax(hi):.1f} and {tmax(lo):.1f} min for "
            f"this model, got {tmax_min:g}"
        )
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        if tmax(mid) > tmax_min:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)


def compare_models(weight_kg: float, nasal_f: float = _YANAGIHARA_NASAL_F,
                   nasal_tmax_min: float = _MALINOVSKY_NASAL_TMAX_MIN) -> CompareModels:
    """The IV and intranasal models ``ketasim compare`` uses by default, with their sources.

    Sources of every number (the same as examples/cpp/onset_compare.cpp):

    - IV disposition: Domino 1984 (Clin Pharmacol Ther 36:645-653, PMID 6488686), micro constants
      as shipped by opentiva and stanpumpR: V1 = 0.063 L/kg, k10 0.4381, k12 0.5921, k13 0.5900,
      k21 0.2470, k31 0.0146 /min.
    - ke0: Sleigh 2019 (Br J Anaesth 123:592-600), EEG slow-wave equilibration half-time 23 s,
      ke0 = ln 2 / (23/60 min) = 1.81 /min; fitted with another PK model (caveat).
    - Nasal bioavailability F = 0.45: Yanagihara 2003 (Biopharm Drug Dispos 24:37-43).
    - Nasal ka: no published value; chosen so that the nasal Tmax is 20 min, the time of the
      mean peak after 3 mg/kg intranasal in Malinovsky 1996 (Br J Anaesth 77:203).

    This is the one place to swap in models from the catalogue of published models.
    """
    ke0 = math.log(2.0) / (_SLEIGH_T_HALF_KE0_S / 60.0)
    v1 = _DOMINO_V1_L_PER_KG * weight_kg

    def iv() -> Model:
        return Model.from_micro(v1=v1, ke0=ke0, **_DOMINO_MICRO)

    def nasal(ka: float) -> Model:
        return Model.from_micro(v1=v1, ke0=ke0, **_DOMINO_MICRO, routes={
            "intranasal": Absorption(ka=ka, f=nasal_f, tlag=0.0)})

    ka = ka_for_tmax(nasal, nasal_tmax_min)
    return CompareModels(
        iv=iv(),
        nasal=nasal(ka),
        name="Domino 1984 (IV, 3-compartment) with Sleigh 2019 ke0",
        sources=[
            "IV disposition: Domino 1984, Clin Pharmacol Ther 36:645-653 (micro constants as in "
            "opentiva/stanpumpR), V1 0.063 L/kg",
            f"ke0 {ke0:.2f} /min: Sleigh 2019, Br J Anaesth 123:592-600 (EEG slow-wave "
            "t1/2ke0 23 s; fitted with another PK model)",
            f"nasal F {nasal_f:g}"
            + (": Yanagihara 2003, Biopharm Drug Dispos 24:37-43"
               if nasal_f == _YANAGIHARA_NASAL_F else " (chosen)"),
            f"nasal ka {ka:.4f} /min: chosen so that nasal Tmax = {nasal_tmax_min:g} min"
            + (" (Malinovsky 1996, Br J Anaesth 77:203)"
               if nasal_tmax_min == _MALINOVSKY_NASAL_TMAX_MIN else ""),
        ],
    )


def _positive(name: str, unit: str, allow_zero: bool = False) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number ({unit}), got {text!r}")
        ok = math.isfinite(v) and (v >= 0.0 if allow_zero else v > 0.0)
        if not ok:
            raise argparse.ArgumentTypeError(
                f"{name} must be {'>= 0' if allow_zero else '> 0'} {unit}, got {text}")
        return v
    return parse


def _count(name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}")
        if not 1 <= v <= 1000:
            raise argparse.ArgumentTypeError(f"{name} must be in [1, 1000], got {v}")
        return v
    return parse


def _devices(name: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        v = _positive(name, "mg")(text)
        n = round(v / 28.0)
        if n < 1 or abs(v - 28.0 * n) > 1e-9 or n > 12:
            raise argparse.ArgumentTypeError(
                f"{name} must be a whole number of 28 mg devices (28 to 336 mg), got {text}")
        return v
    return parse


def _nasal_label(total_mg: float, n: int, interval_min: float) -> str:
    if n == 1:
        return f"intranasal {total_mg:g} mg"
    return f"intranasal {n} x {total_mg / n:g} mg, {interval_min:g} min apart"


def _run_compare_racemic(args: argparse.Namespace, out: TextIO) -> int:
    """``ketasim compare --nasal racemic``: the composite IV + nasal racemic ketamine model."""
    weight = args.weight_kg
    models = compare_models(weight, nasal_f=args.nasal_f, nasal_tmax_min=args.nasal_tmax_min)
    iv_mg = mg_per_kg(args.iv_mg_per_kg, weight)
    nasal_total = (args.nasal_mg if args.nasal_mg_per_kg is None
                   else mg_per_kg(args.nasal_mg_per_kg, weight))
    n = args.nasal_doses
    iv = Regimen().infusion(dose_mg=iv_mg, start_min=0.0, duration_min=args.iv_duration_min)
    nasal = Regimen()
    for k in range(n):
        nasal.dose("intranasal", dose_mg=nasal_total / n, time_min=k * args.nasal_interval_min,
                   position=k + 1)
    times = np.arange(0.0, args.end_min + 0.5 * args.step_min, args.step_min)
    if times[-1] > args.end_min:
        times = times[:-1]
    labels = (f"IV {args.iv_mg_per_kg:g} mg/kg over {args.iv_duration_min:g} min",
              _nasal_label(nasal_total, n, args.nasal_interval_min))
    results: Dict[str, Result] = {
        labels[0]: simulate(models.iv, iv, times),
        labels[1]: simulate(models.nasal, nasal, times),
    }
    runs = {labels[0]: (models.iv, iv), labels[1]: (models.nasal, nasal)}  # for --population
    thr = args.threshold_ng_ml
    rows = [(label, onset(res, thr)) for label, res in results.items()]

    print(f"ketasim compare: {weight:g} kg adult, racemic ketamine, Ce threshold {thr:g} ng/mL, "
          f"0-{times[-1]:g} min", file=out)
    print(f"model: {models.name}", file=out)
    print("", file=out)
    print(onset_table(rows), file=out)
    print("", file=out)
    print("sources:", file=out)
    for s in models.sources:
        print(f"  - {s}", file=out)
    print("", file=out)

    table: Dict[str, np.ndarray] = {"time_min": times}
    for prefix, res in zip(("iv", "intranasal"), results.values()):
        table[f"{prefix}_cp_ng_ml"] = res.cp_ng_ml
        table[f"{prefix}_ce_ng_ml"] = res.ce_ng_ml
    csv_path = os.path.abspath(args.csv)
    _write(csv_path, lambda f: _table.write_csv(table, f))

    if args.no_plot:
        png_path = None
    else:
        png_path = os.path.abspath(args.png)
        _save_figure(results, thr, "ce", png_path,
                     title=f"Racemic ketamine, {weight:g} kg adult: IV versus intranasal\n"
                           f"{models.name}")
    if png_path:
        print(f"figure: {png_path}", file=out)
    print(f"table:  {csv_path}", file=out)
    if args.population:
        _compare_population(args, runs, times, thr, out)
    return 0


# --------------------------------------------------------------------------------------------
# ketasim compare (default): published models from the catalogue
# --------------------------------------------------------------------------------------------

#: Default Ce threshold of ``ketasim compare``, ng/mL: the lower end of the racemic ketamine
#: concentrations associated with analgesia (70-160 ng/mL), Zanos et al. 2018, Pharmacol Rev
#: 70:621-660, Table 1. Illustrative: not a target for treatment.
DEFAULT_THRESHOLD_NG_ML = 70.0
_THRESHOLD_SOURCE = ("lower end of racemic ketamine concentrations with analgesia, 70-160 ng/mL "
                     "(Zanos 2018, Pharmacol Rev 70:621, Table 1); illustrative")
_POTENCY_NOTE = ("racemic ketamine and esketamine concentrations are not the same quantity: "
                 "esketamine is the more potent enantiomer (EEG median-frequency IC50 0.8 vs "
                 "2.0 ug/mL racemic, Schuttler 1987, J Pharmacokinet Biopharm 15:241)")


_DEFAULT_KE0 = "sleigh2019"


def _ke0_choice(args: argparse.Namespace) -> Dict[str, Any]:
    if args.ke0_per_min is not None:
        return {"ke0": args.ke0_per_min}
    return {"ke0_source": args.ke0 or _DEFAULT_KE0}


def _ke0_text(model_ke0: float, args: argparse.Namespace) -> str:
    from . import models as catalogue

    if args.ke0_per_min is not None:
        return f"ke0 {model_ke0:.3g} /min: chosen by the user (--ke0-per-min)"
    lit = {e["key"]: e for e in catalogue.literature_ke0()}[args.ke0 or _DEFAULT_KE0]
    return (f"ke0 {model_ke0:.3g} /min: {lit['endpoint']}, {lit['citation']}; caveat: "
            f"{lit['caveat']}")


def _run_compare(args: argparse.Namespace, out: TextIO) -> int:
    if args.nasal == "racemic":
        return _run_compare_racemic(args, out)
    from . import models as catalogue

    weight = args.weight_kg
    ke0 = _ke0_choice(args)
    iv_model = catalogue.get(args.iv_model, weight_kg=weight, **ke0)
    nasal_model = catalogue.get("perezruixo2021", age_yr=args.age_yr, asian=args.asian,
                                japanese=args.japanese, **ke0)
    times = np.arange(0.0, args.end_min + 0.5 * args.step_min, args.step_min)
    if times[-1] > args.end_min:
        times = times[:-1]
    iv_mg = mg_per_kg(args.iv_mg_per_kg, weight)
    iv_label = (f"IV racemic ketamine {args.iv_mg_per_kg:g} mg/kg over "
                f"{args.iv_duration_min:g} min [{args.iv_model}]")
    iv_regimen = Regimen().infusion(dose_mg=iv_mg, start_min=0.0,
                                    duration_min=args.iv_duration_min)
    results: Dict[str, Result] = {iv_label: simulate(iv_model, iv_regimen, times)}
    runs = {iv_label: (iv_model, iv_regimen)}  # for --population
    columns: Dict[str, str] = {iv_label: "iv"}
    for dose in args.esketamine_mg:
        n = int(round(dose / 28.0))
        spray = Regimen().nasal_spray(dose_mg=dose, start_min=0.0, device_mg=28.0,
                                      interval_min=args.device_interval_min)
        label = (f"nasal esketamine {dose:g} mg, {n} device{'s' if n > 1 else ''}"
                 + (f" {args.device_interval_min:g} min apart" if n > 1 else "")
                 + " [perezruixo2021]")
        results[label] = simulate(nasal_model, spray, times)
        runs[label] = (nasal_model, spray)
        columns[label] = f"esketamine_{dose:g}mg"
    thr = args.threshold_ng_ml
    rows = [(label, onset(res, thr)) for label, res in results.items()]

    print(f"ketasim compare: {weight:g} kg adult, age {args.age_yr:g} y, Ce threshold {thr:g} "
          f"ng/mL, 0-{times[-1]:g} min", file=out)
    print("", file=out)
    print(onset_table(rows), file=out)
    print("", file=out)
    print("models (typical values of published population models):", file=out)
    for key in (args.iv_model, "perezruixo2021"):
        info = catalogue.info(key)
        ref = f"doi:{info['doi']}" if info.get("doi") else f"PMID {info.get('pmid')}"
        print(f"  - {key}: {info['drug']}; Cp is {info['analyte']}. {info['citation']} ({ref})",
              file=out)
    print("  neither paper fits a ke0; both curves use "
          f"{_ke0_text(iv_model.parameter('ke0'), args)}", file=out)
    print(f"threshold: {thr:g} ng/mL"
          + (f", {_THRESHOLD_SOURCE}" if thr == DEFAULT_THRESHOLD_NG_ML else " (chosen)"),
          file=out)
    print(f"note: {_POTENCY_NOTE}", file=out)
    print("note: Ce is the brain-plasma equilibration that EEG measures within minutes; the "
          "antidepressant response is not a concentration effect and outlasts the drug. For "
          "research and teaching, not for dosing a patient.", file=out)
    print("", file=out)

    table: Dict[str, np.ndarray] = {"time_min": times}
    for label, res in results.items():
        table[f"{columns[label]}_cp_ng_ml"] = res.cp_ng_ml
        table[f"{columns[label]}_ce_ng_ml"] = res.ce_ng_ml
    csv_path = os.path.abspath(args.csv)
    _write(csv_path, lambda f: _table.write_csv(table, f))
    png_path = None
    if not args.no_plot:
        png_path = os.path.abspath(args.png)
        _save_figure(results, thr, "ce", png_path,
                     title=f"{weight:g} kg adult: IV racemic ketamine ({args.iv_model}) versus "
                           f"nasal esketamine (perezruixo2021)\nke0 for both: "
                           + ("user-chosen" if args.ke0_per_min is not None else (args.ke0 or _DEFAULT_KE0))
                           + "; racemic and esketamine concentrations are not equipotent")
        print(f"figure: {png_path}", file=out)
    print(f"table:  {csv_path}", file=out)
    if args.population:
        _compare_population(args, runs, times, thr, out)
    return 0


# --------------------------------------------------------------------------------------------
# ketasim compare --population N: the same regimens in N virtual subjects
# --------------------------------------------------------------------------------------------

#: Default inter-individual variability of ``ketasim compare --population``: illustrative, not
#: published. SD 0.3 of the log-parameter (about 30 %CV) on every parameter of both models
#: except bioavailabilities.
DEFAULT_IIV_SD = 0.3
_REACHED_BY_MIN = (15.0, 30.0, 60.0)


def _whole(name: str, lo: int, hi: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}")
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{name} must be in [{lo}, {hi}], got {v}")
        return v
    return parse


def _with_suffix(path: str, suffix: str) -> str:
    stem, ext = os.path.splitext(path)
    return f"{stem}{suffix}{ext}"


def _compare_population(args: argparse.Namespace, runs: Dict[str, Tuple[Model, Regimen]],
                        times: np.ndarray, thr: float, out: TextIO) -> None:
    """Prints the population table of ``ketasim compare --population N`` and writes its
    CSV (percentiles of Ce, fraction reached) and figure beside the typical-value ones."""
    from .population import simulate_population

    n, sd = args.population, args.iiv_sd
    pops = {}
    for label, (model, regimen) in runs.items():
        varying = {name: sd for name in model.parameter_names() if not name.endswith(".f")}
        pops[label] = simulate_population(model, regimen, times, n=n, seed=args.seed,
                                          variability=varying, thresholds_ng_ml=[thr],
                                          keep_individual=False)
    marks = [t for t in _REACHED_BY_MIN if t <= times[-1]]
    print("", file=out)
    print(f"population: {n} virtual subjects per regimen (seed {args.seed}); SD {sd:g} of the "
          f"log-parameter on every parameter except bioavailability (illustrative, not "
          f"published variability)", file=out)
    header = (["regimen"] + [f"reached {thr:g} by {t:g} min" for t in marks]
              + ["onset min, median (5-95 %)", "Ce max ng/mL, median (5-95 %)"])
    rows = []
    for label, pop in pops.items():
        reached = pop.fraction_above(thr)
        cells = [label]
        for t in marks:
            i = int(np.searchsorted(times, t, side="right")) - 1
            cells.append(f"{100.0 * reached[i]:.0f} %")
        onset_min = pop.onset_min(thr)
        hit = onset_min[np.isfinite(onset_min)]
        if hit.size * 2 > pop.n:  # the median subject reaches it
            # subjects who never reach it sort last (a time beyond the window stands for never)
            never = 1e300
            q = np.percentile(np.where(np.isfinite(onset_min), onset_min, never), [5, 50, 95])
            hi = "never" if q[2] > times[-1] else f"{q[2]:.1f}"
            cells.append(f"{q[1]:.1f} ({q[0]:.1f}-{hi})")
        else:
            cells.append(f"median never ({100.0 * hit.size / pop.n:.0f} % reach it)")
        q = np.percentile(pop.ce_max_ng_ml, [5, 50, 95])
        cells.append(f"{q[1]:.0f} ({q[0]:.0f}-{q[2]:.0f})")
        rows.append(cells)
    widths = [max(len(r[k]) for r in rows + [header]) for k in range(len(header))]
    for r in [header] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip(), file=out)

    table: Dict[str, np.ndarray] = {"time_min": times}
    for k, (label, pop) in enumerate(pops.items()):
        s = pop.summary(percentiles=(5, 50, 95))
        for j, p in enumerate((5, 50, 95)):
            table[f"regimen{k + 1}_ce_p{p}_ng_ml"] = s.series("ce")[j]
        table[f"regimen{k + 1}_fraction_reached"] = pop.fraction_above(thr)
    csv_path = _with_suffix(os.path.abspath(args.csv), "_population")
    _write(csv_path, lambda f: _table.write_csv(table, f))
    if not args.no_plot:
        png_path = _with_suffix(os.path.abspath(args.png), "_population")
        _draw(png_path, lambda plot: plot.population(
            pops, threshold_ng_ml=thr,
            title=f"{n} virtual subjects per regimen (illustrative variability, "
                  f"SD {sd:g} of log-parameters)"))
        print(f"population figure: {png_path}", file=out)
    print(f"population table:  {csv_path} (regimen1.. in the order above)", file=out)


# --------------------------------------------------------------------------------------------
# ketasim simulate
# --------------------------------------------------------------------------------------------

def _run_simulate(args: argparse.Namespace, out: TextIO) -> int:
    sc = load_scenario(args.scenario)
    if args.threshold_ng_ml is not None:
        sc.threshold_ng_ml = args.threshold_ng_ml
        if sc.series == "ce" and not sc.model.has_effect_site:
            raise CliError(f"{args.scenario}: model.ke0 must be given (1/min) for Ce onset "
                           "metrics; or set \"series\": \"cp\" in the scenario")
    res = sc.simulate()
    to_stdout = args.output in (None, "-")
    info = sys.stderr if to_stdout else out
    table = _table.columns(res)
    if to_stdout:
        _table.write_csv(table, out)
    else:
        path = os.path.abspath(args.output)
        _write(path, lambda f: _table.write_csv(table, f))
        print(f"table: {path} ({len(res)} rows: {', '.join(table)})", file=info)
    if sc.threshold_ng_ml is not None:
        m = onset(res, sc.threshold_ng_ml, cast(Any, sc.series))
        print(f"onset metrics, {'Ce' if sc.series == 'ce' else 'Cp'} threshold "
              f"{sc.threshold_ng_ml:g} ng/mL:", file=info)
        print(onset_table([(sc.label, m)]), file=info)
    if args.plot:
        path = os.path.abspath(args.plot)
        _save_figure({sc.label: res}, sc.threshold_ng_ml, sc.series, path, title=sc.label)
        print(f"figure: {path}", file=info)
    return 0


# --------------------------------------------------------------------------------------------
# Shared output helpers
# --------------------------------------------------------------------------------------------

def _write(path: str, fill: Callable[[TextIO], object]) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="") as f:
            fill(f)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None


def _draw(path: str, make_figure: Callable[[Any], Any]) -> None:
    """Draws make_figure(ketasim.plot) on the Agg backend and saves it to path (one-line errors
    when matplotlib is missing or the file cannot be written)."""
    try:
        import matplotlib
    except ImportError:
        raise CliError("the figure needs matplotlib: pip install 'ketasim[plot]' "
                       "(or use --no-plot)") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plot

    fig = make_figure(plot)
    try:
        fig.savefig(path, dpi=150)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)


def _save_figure(results: Dict[str, Result], threshold: Optional[float], series: str,
                 path: str, title: str) -> None:
    _draw(path, lambda plot: plot.onset(results, threshold, series=series, title=title))


# --------------------------------------------------------------------------------------------
# Parsers
# --------------------------------------------------------------------------------------------

def _add_simulate(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser(
        "simulate",
        help="run a scenario file (model, regimen, times, method) and write a CSV",
        description="Run the model, regimen, output times and method of a JSON scenario file "
                    "and write Cp, Ce and the compartment amounts as CSV (header: time_min, "
                    "cp_ng_ml, ce_ng_ml, <analyte>_ng_ml..., <compartment>_mg...). The format "
                    "is described in the README; examples/scenarios/ has complete files.",
        epilog="example: ketasim simulate examples/scenarios/iv_infusion_domino.json -o out.csv",
    )
    p.add_argument("scenario", metavar="SCENARIO.json", help="scenario file (JSON)")
    p.add_argument("-o", "--output", metavar="OUT.csv",
                   help="CSV file to write (default: standard output)")
    p.add_argument("--threshold-ng-ml", type=_positive("--threshold-ng-ml", "ng/mL"),
                   metavar="C", help="print onset metrics for this threshold, ng/mL (overrides "
                                     "the scenario's threshold_ng_ml)")
    p.add_argument("--plot", metavar="FIG.png",
                   help="also draw Cp and Ce against time into this image (needs matplotlib)")
    p.set_defaults(run=_run_simulate)


def _add_compare(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser(
        "compare",
        help="IV infusion versus intranasal ketamine: onset table, figure and CSV",
        description="Compare, for one adult, racemic ketamine IV over 40 minutes (kamp2020 by "
                    "default) with esketamine nasal spray 56 and 84 mg as the label gives it "
                    "(28-mg devices 5 minutes apart; perezruixo2021): print Cmax, Tmax, the "
                    "time Ce first reaches a threshold, when it falls back and the time above "
                    "it; write a PNG figure and a CSV of Cp and Ce into the current folder "
                    "(paths printed). --nasal racemic compares instead with a composite "
                    "intranasal racemic ketamine model (Domino 1984 disposition, Yanagihara "
                    "2003 F; the --nasal-* options).",
        epilog="examples: ketasim compare --weight-kg 80 --esketamine-mg 28 56 84;  "
               "ketasim compare --nasal racemic --nasal-mg 56 --nasal-doses 2",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--weight-kg", type=_positive("--weight-kg", "kg"), default=70.0,
                   metavar="KG", help="body weight, kg")
    p.add_argument("--nasal", choices=["esketamine", "racemic"], default="esketamine",
                   help="esketamine: published Perez-Ruixo 2021 model; racemic: composite "
                        "(not a published model)")
    p.add_argument("--iv-model", choices=["kamp2020", "domino1984"], default="kamp2020",
                   help="catalogue model of IV racemic ketamine (esketamine mode)")
    p.add_argument("--esketamine-mg", type=_devices("--esketamine-mg"), nargs="+",
                   default=[56.0, 84.0], metavar="MG",
                   help="esketamine nasal doses to compare, mg (multiples of 28)")
    p.add_argument("--device-interval-min", default=5.0, metavar="MIN",
                   type=_positive("--device-interval-min", "min", True),
                   help="time between 28-mg devices, min (0: all at once)")
    p.add_argument("--age-yr", type=_positive("--age-yr", "y"), default=45.0, metavar="Y",
                   help="age, y (perezruixo2021 covariate; 45 is the study median)")
    p.add_argument("--asian", type=int, choices=[0, 1], default=0,
                   help="perezruixo2021 covariate: Asian (1) or not (0)")
    p.add_argument("--japanese", type=int, choices=[0, 1], default=0,
                   help="perezruixo2021 covariate: Japanese (1) or not (0)")
    ke0 = p.add_mutually_exclusive_group()
    ke0.add_argument("--ke0", choices=["sleigh2019", "sleigh2019_theta"], default=None,
                     help="named literature ke0 for both models (default sleigh2019; no "
                          "catalogue model has a fitted ke0)")
    ke0.add_argument("--ke0-per-min", type=_positive("--ke0-per-min", "1/min"), default=None,
                     metavar="K", help="your own ke0, 1/min, instead of --ke0")
    p.add_argument("--iv-mg-per-kg", type=_positive("--iv-mg-per-kg", "mg/kg"), default=0.5,
                   metavar="D", help="IV dose, mg/kg")
    p.add_argument("--iv-duration-min", type=_positive("--iv-duration-min", "min"),
                   default=40.0, metavar="MIN", help="IV infusion duration, min")
    nasal = p.add_mutually_exclusive_group()
    nasal.add_argument("--nasal-mg", type=_positive("--nasal-mg", "mg"), default=50.0,
                       metavar="MG", help="total intranasal dose, mg")
    nasal.add_argument("--nasal-mg-per-kg", type=_positive("--nasal-mg-per-kg", "mg/kg"),
                       default=None, metavar="D",
                       help="total intranasal dose, mg/kg (instead of --nasal-mg)")
    p.add_argument("--nasal-doses", type=_count("--nasal-doses"), default=1, metavar="N",
                   help="split the intranasal dose into N equal doses")
    p.add_argument("--nasal-interval-min", type=_positive("--nasal-interval-min", "min", True),
                   default=5.0, metavar="MIN", help="time between intranasal doses, min")
    p.add_argument("--nasal-f", type=_positive("--nasal-f", ""), default=_YANAGIHARA_NASAL_F,
                   metavar="F", help="intranasal bioavailability, in (0, 1]")
    p.add_argument("--nasal-tmax-min", type=_positive("--nasal-tmax-min", "min"),
                   default=_MALINOVSKY_NASAL_TMAX_MIN, metavar="MIN",
                   help="intranasal Tmax the absorption rate is chosen to give, min")
    p.add_argument("--threshold-ng-ml", type=_positive("--threshold-ng-ml", "ng/mL"),
                   default=DEFAULT_THRESHOLD_NG_ML, metavar="C",
                   help="effect-site threshold, ng/mL (default: " + _THRESHOLD_SOURCE + ")")
    p.add_argument("--end-min", type=_positive("--end-min", "min"), default=240.0,
                   metavar="MIN", help="simulate from 0 to this time, min")
    p.add_argument("--step-min", type=_positive("--step-min", "min"), default=1.0,
                   metavar="MIN", help="output time step, min")
    p.add_argument("--png", default="ketasim_compare.png", metavar="FIG.png",
                   help="figure to write")
    p.add_argument("--csv", default="ketasim_compare.csv", metavar="OUT.csv",
                   help="CSV of Cp and Ce against time to write")
    p.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    p.add_argument("--population", type=_whole("--population", 1, 10_000_000), default=None,
                   metavar="N",
                   help="also simulate each regimen in N virtual subjects (percentile bands, "
                        "fraction reaching the threshold by each time)")
    p.add_argument("--iiv-sd", type=_positive("--iiv-sd", ""), default=DEFAULT_IIV_SD,
                   metavar="SD", help="with --population: SD of the log-parameters "
                                      "(illustrative default 0.3, about 30 %%CV)")
    p.add_argument("--seed", type=_whole("--seed", 0, 2 ** 63 - 1), default=7, metavar="S",
                   help="with --population: random seed")
    p.set_defaults(run=_run_compare)


def _run_models(args: argparse.Namespace, out: TextIO) -> int:
    from . import models as catalogue

    if args.key is None:
        print(catalogue.format_table(), file=out)
    else:
        print(catalogue.describe(args.key), file=out)
    return 0


def _add_models(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser(
        "models",
        help="the catalogue of published ketamine models (one in full with KEY)",
        description="Print the catalogue of published models (key, drug, routes, population, "
                    "citation, ke0 source); with KEY, one model in full: citation, covariates "
                    "with their published ranges, parameters as published beside ketasim's "
                    "values, and each published number it reproduces.",
        epilog="example: ketasim models perezruixo2021",
    )
    p.add_argument("key", nargs="?", metavar="KEY", help="a model key, e.g. perezruixo2021")
    p.set_defaults(run=_run_models)


#: The subcommands, in --help order; each function adds one parser.
SUBCOMMANDS: List[Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]] = [
    _add_simulate,
    _add_compare,
    _add_models,
]


def build_parser() -> argparse.ArgumentParser:
    """The ``ketasim`` argument parser with every subcommand."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="ketasim",
        description="ketasim: ketamine plasma (Cp) and effect-site (Ce) concentrations from "
                    "compartment models. For research and teaching, not for dosing a patient.",
        epilog="run 'ketasim <command> --help' for a command's options",
    )
    parser.add_argument("--version", action="version", version=f"ketasim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    sub.required = True
    for add in SUBCOMMANDS:
        add(sub)
    return parser


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the command line; returns the exit status (0 on success)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "compare" and args.step_min > args.end_min:
        parser.error(f"--step-min must be <= --end-min ({args.end_min:g} min), "
                     f"got {args.step_min:g}")
    if args.command == "compare" and args.nasal_f > 1.0:
        parser.error(f"--nasal-f must be in (0, 1], got {args.nasal_f:g}")
    prefix = f"ketasim {args.command}: error:"
    try:
        return int(args.run(args, sys.stdout))
    except (ScenarioError, CliError, InvalidInput, ValueError, SolverError) as exc:
        print(f"{prefix} {_one_line(exc)}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"{prefix} interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line, the traceback on request
        if os.environ.get("KETASIM_DEBUG"):
            raise
        print(f"{prefix} internal error: {type(exc).__name__}: {_one_line(exc)} "
              "(set KETASIM_DEBUG=1 for the traceback)", file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
