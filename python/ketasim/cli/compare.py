"""``ketasim compare``: IV racemic ketamine versus a nasal arm, typical values of published
models from the catalogue; ``--population N`` runs the same arms in N virtual subjects.

One runner for both nasal arms: ``--nasal esketamine`` (default; Perez-Ruixo 2021, doses as the
label gives them) or ``--nasal racemic`` (the catalogue's intranasal racemic composite, not a
published model). The arms are built by ``build_arms``; everything after (table, sources, CSV,
figure, population) is the same code for both.
"""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, TextIO, Tuple

import numpy as np

from .. import models as catalogue
from .._core import Model, Regimen, Result, mg_per_kg, onset, peak, simulate, tci
from .args import DEVICE_MG, devices, positive, whole
from .output import check_finite_metrics, draw, figure_path, with_suffix, write_csv
from .table import format_table, onset_table

__all__ = ["add_parser", "run", "Arm", "CompareModels", "build_arms", "catalogue_model",
           "compare_models", "ka_for_tmax", "DEFAULT_THRESHOLD_NG_ML", "DEFAULT_KE0_SOURCE",
           "DEFAULT_IIV_SD"]

#: Default Ce threshold of ``ketasim compare``, ng/mL: the lower end of the racemic ketamine
#: concentrations associated with analgesia (70-160 ng/mL), Zanos et al. 2018, Pharmacol Rev
#: 70:621-660, Table 1. Illustrative: not a target for treatment.
DEFAULT_THRESHOLD_NG_ML = 70.0
_THRESHOLD_SOURCE = ("lower end of racemic ketamine concentrations with analgesia, 70-160 ng/mL "
                     "(Zanos 2018, Pharmacol Rev 70:621, Table 1); illustrative")
_POTENCY_NOTE = ("racemic ketamine and esketamine concentrations are not the same quantity: "
                 "esketamine is the more potent enantiomer (EEG median-frequency IC50 0.8 vs "
                 "2.0 ug/mL racemic, Schuttler 1987, J Pharmacokinet Biopharm 15:241)")
_CE_NOTE = ("Ce is the brain-plasma equilibration that EEG measures within minutes; the "
            "antidepressant response is not a concentration effect and outlasts the drug. For "
            "research and teaching, not for dosing a patient.")

#: Literature ke0 both arms use unless --ke0 or --ke0-source says otherwise (no catalogue model
#: has a ke0 fitted in its own paper).
DEFAULT_KE0_SOURCE = "sleigh2019"
#: Preset of the intranasal racemic composite used by --nasal racemic unless chosen otherwise.
DEFAULT_NASAL_PRESET = "yanagihara2003"
#: Default inter-individual variability of ``ketasim compare --population``: illustrative, not
#: published. SD 0.3 of the log-parameter (about 30 %CV) on every parameter of both models
#: except bioavailabilities.
DEFAULT_IIV_SD = 0.3
_REACHED_BY_MIN = (15.0, 30.0, 60.0)
_NASAL_MODEL = {"esketamine": "perezruixo2021", "racemic": "intranasal_racemic"}


# --------------------------------------------------------------------------------------------
# Models from the catalogue
# --------------------------------------------------------------------------------------------

def catalogue_model(key: str, *, ke0: Optional[float] = None, ke0_source: Optional[str] = None,
                    **options: Any) -> Model:
    """``ks.models.get(key, ..., ke0=<1/min>, ke0_source=<literature key>)``.

    ``ke0`` is a number (1/min) everywhere in ketasim; ``ke0_source`` names a literature value
    (``ks.models.literature_ke0()``). This is the one place the command line calls the catalogue.
    """
    kw: Dict[str, Any] = {}
    if ke0 is not None:
        kw["ke0"] = ke0
    if ke0_source is not None:
        kw["ke0_source"] = ke0_source
    return catalogue.get(key, **kw, **options)


def ka_for_tmax(make_model: Callable[[float], Model], tmax_min: float,
                route: str = "intranasal", ka_range: Tuple[float, float] = (0.001, 1.0)) -> float:
    """The absorption rate constant ka (1/min) whose single-dose Cp peak falls at tmax_min.

    Bisection (on a log scale, ka in ``ka_range``) on the refined Tmax of a dose by ``route`` of
    ``make_model(ka)``; Tmax does not depend on the dose, so 1 mg is used.

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
        return peak(simulate(make_model(ka), regimen, t), series="cp").t_min

    lo, hi = ka_range
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


@dataclass
class CompareModels:
    """The models ``ketasim compare`` runs, and where their numbers come from."""

    iv: Model
    nasal: Model
    name: str
    sources: List[str] = field(default_factory=list)


def _ke0_text(ke0: Optional[float], ke0_source: Optional[str], model: Model) -> str:
    if ke0 is not None:
        return f"ke0 {ke0:.3g} /min: chosen by the user (--ke0)"
    key = ke0_source or DEFAULT_KE0_SOURCE
    lit = {e["key"]: e for e in catalogue.literature_ke0()}[key]
    return (f"ke0 {model.parameter('ke0'):.3g} /min ({key}): {lit['endpoint']}, "
            f"{lit['citation']}; caveat: {lit['caveat']}")


def _reference(key: str) -> str:
    info = catalogue.info(key)
    ref = (f" (doi:{info['doi']})" if info.get("doi")
           else f" (PMID {info['pmid']})" if info.get("pmid") else "")
    return f"{key}: {info['drug']}; Cp is {info['analyte']}. {info['citation']}{ref}"


def compare_models(weight_kg: float, *, nasal: str = "racemic", iv_model: str = "kamp2020",
                   ke0: Optional[float] = None, ke0_source: Optional[str] = None,
                   age_yr: float = 45.0, asian: int = 0, japanese: int = 0,
                   nasal_preset: str = DEFAULT_NASAL_PRESET, nasal_f: Optional[float] = None,
                   nasal_tmax_min: Optional[float] = None) -> CompareModels:
    """The IV and nasal models ``ketasim compare`` uses, all from the catalogue, with sources.

    Parameters
    ----------
    weight_kg : float
        Body weight, kg.
    nasal : {"racemic", "esketamine"}
        "racemic": the intranasal racemic composite (``intranasal_racemic``: the Kamp 2020
        disposition plus a nasal depot, not a published model); "esketamine": Perez-Ruixo 2021.
    iv_model : str
        Catalogue key of the IV racemic ketamine model ("kamp2020" or "domino1984").
    ke0, ke0_source : float (1/min) or str, optional
        The effect-site rate of both models: a number, or a literature key (default
        ``"sleigh2019"``). At most one.
    age_yr, asian, japanese
        Perez-Ruixo 2021 covariates (esketamine).
    nasal_preset : str
        Preset of the composite (``ks.models.presets()``) giving F and ka (racemic).
    nasal_f, nasal_tmax_min : float, optional
        Override the preset's F, and its Tmax (ka is then back-computed for this Tmax).
    """
    if ke0 is None and ke0_source is None:
        ke0_source = DEFAULT_KE0_SOURCE
    ke = {"ke0": ke0, "ke0_source": ke0_source}
    iv = catalogue_model(iv_model, weight_kg=weight_kg, **ke)
    keys = [iv_model, _NASAL_MODEL[nasal]]
    if nasal == "esketamine":
        model = catalogue_model("perezruixo2021", age_yr=age_yr, asian=asian, japanese=japanese,
                                **ke)
        sources = [_reference(k) for k in keys]
        name = f"{iv_model} (IV racemic ketamine) and perezruixo2021 (nasal esketamine)"
    else:
        preset = {p["key"]: p for p in catalogue.presets()}[nasal_preset]
        f = preset["f"] if nasal_f is None else nasal_f

        def nasal_model(ka: float) -> Model:
            return catalogue_model("intranasal_racemic", weight_kg=weight_kg, f=f,
                                   ka_per_min=ka, **ke)

        if nasal_tmax_min is None:
            ka, tmax = preset["ka_per_min"], preset["tmax_min"]
            ka_text = f"ka of preset {nasal_preset}: {preset['source']}"
        else:
            cov = catalogue.info("intranasal_racemic")["covariates"]["ka_per_min"]
            ka = ka_for_tmax(nasal_model, nasal_tmax_min, ka_range=(cov["min"], cov["max"]))
            tmax = nasal_tmax_min
            ka_text = "back-computed for the Tmax given (--nasal-tmax-min)"
        model = nasal_model(ka)
        f_text = (f"preset {nasal_preset}" if nasal_f is None else "given (--nasal-f)")
        sources = [_reference(k) for k in keys] + [
            f"nasal F {f:g}: {f_text}; nasal ka {ka:.5g} /min for Tmax {tmax:g} min: {ka_text}"]
        name = f"{iv_model} (IV) and intranasal_racemic (composite, not a published model)"
    sources.append("both arms use " + _ke0_text(ke0, ke0_source, iv))
    sites = ", ".join(f"{k}: {catalogue.info(k).get('cp_site', 'not stated')}" for k in keys)
    sources.append(f"Cp plotted is each model's own sampling site ({sites})")
    return CompareModels(iv=iv, nasal=model, name=name, sources=sources)


# --------------------------------------------------------------------------------------------
# The arms: one IV infusion and the nasal regimens
# --------------------------------------------------------------------------------------------

@dataclass
class Arm:
    """One regimen of the comparison: its label, CSV column prefix, model and doses."""

    label: str
    column: str
    model: Model
    regimen: Regimen


def build_arms(args: argparse.Namespace, models: CompareModels) -> List[Arm]:
    """The IV arm and the nasal arms the options ask for, in table order."""
    w = args.weight_kg
    iv = Regimen().infusion(dose_mg=mg_per_kg(args.iv_mg_per_kg, w), start_min=0.0,
                            duration_min=args.iv_duration_min)
    arms = [Arm(f"IV racemic ketamine {args.iv_mg_per_kg:g} mg/kg over "
                f"{args.iv_duration_min:g} min [{args.iv_model}]", "iv", models.iv, iv)]
    if args.nasal == "esketamine":
        for dose in args.esketamine_mg:
            n = int(round(dose / DEVICE_MG))
            spray = Regimen().nasal_spray(dose_mg=dose, start_min=0.0, device_mg=DEVICE_MG,
                                          interval_min=args.device_interval_min)
            label = (f"nasal esketamine {dose:g} mg, {n} device{'s' if n > 1 else ''}"
                     + (f" {args.device_interval_min:g} min apart" if n > 1 else "")
                     + " [perezruixo2021]")
            arms.append(Arm(label, f"esketamine_{dose:g}mg", models.nasal, spray))
    else:
        total = (args.nasal_mg if args.nasal_mg_per_kg is None
                 else mg_per_kg(args.nasal_mg_per_kg, w))
        n, gap = args.nasal_doses, args.nasal_interval_min
        nasal = Regimen()
        for k in range(n):
            nasal.dose("intranasal", dose_mg=total / n, time_min=k * gap, position=k + 1)
        doses = f"{total:g} mg" if n == 1 else f"{n} x {total / n:g} mg, {gap:g} min apart"
        arms.append(Arm(f"nasal racemic ketamine {doses} [intranasal_racemic]", "intranasal",
                        models.nasal, nasal))
    if getattr(args, "tci_ce", None) is not None:
        # The fastest IV onset: effect-site TCI (10-s updates, unlimited rate) over the window.
        res = tci(models.iv, args.tci_ce, duration_min=args.end_min, mode="effect")
        arms.append(Arm(f"IV racemic ketamine, effect-site TCI to Ce {args.tci_ce:g} ng/mL "
                        f"({res.total_dose_mg:.0f} mg) [{args.iv_model}]", "iv_tci", models.iv,
                        res.regimen))
    return arms


def _times(args: argparse.Namespace) -> np.ndarray:
    times = np.arange(0.0, args.end_min + 0.5 * args.step_min, args.step_min)
    return times[:-1] if times[-1] > args.end_min else times


# --------------------------------------------------------------------------------------------
# The runner
# --------------------------------------------------------------------------------------------

def run(args: argparse.Namespace, out: TextIO) -> int:
    models = compare_models(args.weight_kg, nasal=args.nasal, iv_model=args.iv_model,
                            ke0=args.ke0, ke0_source=args.ke0_source, age_yr=args.age_yr,
                            asian=args.asian, japanese=args.japanese,
                            nasal_preset=args.nasal_preset, nasal_f=args.nasal_f,
                            nasal_tmax_min=args.nasal_tmax_min)
    arms = build_arms(args, models)
    times = _times(args)
    thr = args.threshold_ng_ml
    png = None if args.no_plot else figure_path(args.png, "--png")
    csv_path = os.path.abspath(args.csv)
    results: Dict[str, Result] = {a.label: simulate(a.model, a.regimen, times) for a in arms}
    rows = [(label, onset(res, thr, series="ce")) for label, res in results.items()]
    for label, m in rows:
        check_finite_metrics(m, label)

    age = f", age {args.age_yr:g} y" if args.nasal == "esketamine" else ""
    print(f"ketasim compare: {args.weight_kg:g} kg adult{age}, Ce threshold {thr:g} ng/mL, "
          f"0-{times[-1]:g} min", file=out)
    print("", file=out)
    print(onset_table(rows), file=out)
    print("", file=out)
    print(f"models (typical values): {models.name}", file=out)
    for s in models.sources:
        print(f"  - {s}", file=out)
    print(f"threshold: {thr:g} ng/mL"
          + (f", {_THRESHOLD_SOURCE}" if thr == DEFAULT_THRESHOLD_NG_ML else " (chosen)"),
          file=out)
    if args.nasal == "esketamine":
        print(f"note: {_POTENCY_NOTE}", file=out)
    print(f"note: {_CE_NOTE}", file=out)
    print("", file=out)

    table: Dict[str, np.ndarray] = {"time_min": times}
    for arm in arms:
        table[f"{arm.column}_cp_ng_ml"] = results[arm.label].cp_ng_ml
        table[f"{arm.column}_ce_ng_ml"] = results[arm.label].ce_ng_ml
    write_csv(csv_path, table)
    if png is not None:
        ke0 = "user-chosen" if args.ke0 is not None else (args.ke0_source or DEFAULT_KE0_SOURCE)
        draw(png, lambda plot: plot.onset(
            results, thr, series="ce",
            title=f"{args.weight_kg:g} kg adult: {models.name}\nke0 for both: {ke0}"
                  + ("; racemic and esketamine concentrations are not equipotent"
                     if args.nasal == "esketamine" else "")))
        print(f"figure: {png}", file=out)
    print(f"table:  {csv_path}", file=out)
    if args.population:
        _population(args, arms, times, out)
    return 0


def _population(args: argparse.Namespace, arms: List[Arm], times: np.ndarray,
                out: TextIO) -> None:
    """``--population N``: the same arms in N virtual subjects; prints the table and writes the
    CSV (Ce percentiles, fraction reached) and figure beside the typical-value ones."""
    from ..population import simulate_population

    n, sd, thr = args.population, args.iiv_sd, args.threshold_ng_ml
    pops = {}
    sources = []
    for arm in arms:
        variability: Any = {name: sd for name in arm.model.parameter_names()
                            if not name.endswith(".f")}
        said = (f"illustrative SD {sd:g} of the log-parameter on every parameter except "
                f"bioavailability (not published)")
        key = (getattr(arm.model, "catalogue", None) or {}).get("key")
        if args.variability == "published" and key is not None:
            published = catalogue.info(key)["variability"]
            if published["parameters"]:
                variability = "published"
                said = (f"published between-subject variability of {key} ("
                        + "; ".join(sorted({p["source"] for p in published["parameters"]}))
                        + ")")
            else:
                said = (f"{key} publishes no between-subject variability ketasim could trace, "
                        f"so {said}")
        sources.append(f"  {arm.label}: {said}")
        pops[arm.label] = simulate_population(arm.model, arm.regimen, times, n=n, seed=args.seed,
                                              variability=variability, thresholds_ng_ml=[thr],
                                              threshold_series="ce", keep_individual=False)
    marks = [t for t in _REACHED_BY_MIN if t <= times[-1]]
    head = (["regimen"] + [f"reached {thr:g} by {t:g} min" for t in marks]
            + ["onset min, median (5-95 %)", "Ce max ng/mL, median (5-95 %)"])
    rows = []
    for label, pop in pops.items():
        reached = pop.fraction_above(thr, series="ce")
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
    print("", file=out)
    print(f"population: {n} virtual subjects per regimen (seed {args.seed}); variability:",
          file=out)
    for line in sources:
        print(line, file=out)
    print(format_table(head, rows, numeric=False), file=out)

    table: Dict[str, np.ndarray] = {"time_min": times}
    for k, pop in enumerate(pops.values()):
        s = pop.summary(percentiles=(5, 50, 95))
        for j, p in enumerate((5, 50, 95)):
            table[f"regimen{k + 1}_ce_p{p}_ng_ml"] = s.series("ce")[j]
        table[f"regimen{k + 1}_fraction_reached"] = pop.fraction_above(thr, series="ce")
    csv_path = with_suffix(os.path.abspath(args.csv), "_population")
    write_csv(csv_path, table)
    if not args.no_plot:
        png = with_suffix(figure_path(args.png, "--png"), "_population")
        draw(png, lambda plot: plot.population(
            pops, threshold_ng_ml=thr, series="ce",
            title=f"{n} virtual subjects per regimen ("
                  + ("published variability where the source gives it, else illustrative "
                     f"SD {sd:g}" if args.variability == "published"
                     else f"illustrative variability, SD {sd:g} of log-parameters") + ")"))
        print(f"population figure: {png}", file=out)
    print(f"population table:  {csv_path} (regimen1.. in the order above)", file=out)


# --------------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------------

def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Checks between options (argparse's usage errors, exit status 2)."""
    if args.step_min > args.end_min:
        parser.error(f"--step-min must be <= --end-min ({args.end_min:g} min), "
                     f"got {args.step_min:g}")
    if args.nasal_f is not None and args.nasal_f > 1.0:
        parser.error(f"--nasal-f must be in (0, 1], got {args.nasal_f:g}")


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser(
        "compare",
        help="IV infusion versus intranasal ketamine: onset table, figure and CSV",
        description="Compare, for one adult, racemic ketamine IV over 40 minutes (kamp2020 by "
                    "default) with esketamine nasal spray 56 and 84 mg as the label gives it "
                    "(28-mg devices 5 minutes apart; perezruixo2021): print Cmax, Tmax, the "
                    "time Ce first reaches a threshold, when it falls back and the time above "
                    "it; write a PNG figure and a CSV of Cp and Ce into the current folder "
                    "(paths printed). --nasal racemic compares instead with the catalogue's "
                    "intranasal racemic composite (intranasal_racemic: the Kamp 2020 "
                    "disposition with a nasal depot; not a published model; the --nasal-* "
                    "options).",
        epilog="examples: ketasim compare --weight-kg 80 --esketamine-mg 28 56 84;  "
               "ketasim compare --nasal racemic --nasal-mg 56 --nasal-doses 2",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--weight-kg", type=positive("--weight-kg", "kg"), default=70.0,
                   metavar="KG", help="body weight, kg")
    p.add_argument("--nasal", choices=["esketamine", "racemic"], default="esketamine",
                   help="esketamine: published Perez-Ruixo 2021 model; racemic: the catalogue's "
                        "composite intranasal_racemic (not a published model)")
    p.add_argument("--iv-model", choices=["kamp2020", "domino1984"], default="kamp2020",
                   help="catalogue model of IV racemic ketamine")
    p.add_argument("--esketamine-mg", type=devices("--esketamine-mg"), nargs="+",
                   default=[56.0, 84.0], metavar="MG",
                   help="esketamine nasal doses to compare, mg (multiples of 28)")
    p.add_argument("--device-interval-min", default=5.0, metavar="MIN",
                   type=positive("--device-interval-min", "min", True),
                   help="time between 28-mg devices, min (0: all at once)")
    p.add_argument("--age-yr", type=positive("--age-yr", "y"), default=45.0, metavar="Y",
                   help="age, y (perezruixo2021 covariate; 45 is the study median)")
    p.add_argument("--asian", type=int, choices=[0, 1], default=0,
                   help="perezruixo2021 covariate: Asian (1) or not (0)")
    p.add_argument("--japanese", type=int, choices=[0, 1], default=0,
                   help="perezruixo2021 covariate: Japanese (1) or not (0)")
    ke0 = p.add_mutually_exclusive_group()
    ke0.add_argument("--ke0", type=positive("--ke0", "1/min"), default=None, metavar="K",
                     help="effect-site rate constant of both models, 1/min (default: the "
                          "literature value --ke0-source)")
    ke0.add_argument("--ke0-source", choices=[e["key"] for e in catalogue.literature_ke0()],
                     default=None,
                     help=f"named literature ke0 for both models (default {DEFAULT_KE0_SOURCE}; "
                          "no catalogue model has a fitted ke0)")
    p.add_argument("--tci-ce", type=positive("--tci-ce", "ng/mL"), default=None, metavar="C",
                   help="add an IV arm: effect-site target-controlled infusion to Ce = C ng/mL "
                        "(10-s updates, unlimited rate), the fastest onset an IV infusion gives")
    p.add_argument("--iv-mg-per-kg", type=positive("--iv-mg-per-kg", "mg/kg"), default=0.5,
                   metavar="D", help="IV dose, mg/kg")
    p.add_argument("--iv-duration-min", type=positive("--iv-duration-min", "min"),
                   default=40.0, metavar="MIN", help="IV infusion duration, min")
    nasal = p.add_mutually_exclusive_group()
    nasal.add_argument("--nasal-mg", type=positive("--nasal-mg", "mg"), default=50.0,
                       metavar="MG", help="racemic: total intranasal dose, mg")
    nasal.add_argument("--nasal-mg-per-kg", type=positive("--nasal-mg-per-kg", "mg/kg"),
                       default=None, metavar="D",
                       help="racemic: total intranasal dose, mg/kg (instead of --nasal-mg)")
    p.add_argument("--nasal-doses", type=whole("--nasal-doses", 1, 1000), default=1,
                   metavar="N", help="racemic: split the intranasal dose into N equal doses")
    p.add_argument("--nasal-interval-min", type=positive("--nasal-interval-min", "min", True),
                   default=5.0, metavar="MIN", help="racemic: time between intranasal doses, min")
    p.add_argument("--nasal-preset", choices=[q["key"] for q in catalogue.presets()],
                   default=DEFAULT_NASAL_PRESET,
                   help="racemic: the composite's preset giving nasal F and ka (ks.models."
                        "presets())")
    p.add_argument("--nasal-f", type=positive("--nasal-f", ""), default=None, metavar="F",
                   help="racemic: nasal bioavailability in (0, 1], instead of the preset's")
    p.add_argument("--nasal-tmax-min", type=positive("--nasal-tmax-min", "min"), default=None,
                   metavar="MIN", help="racemic: nasal Tmax the absorption rate is back-computed "
                                       "to give, min, instead of the preset's")
    p.add_argument("--threshold-ng-ml", type=positive("--threshold-ng-ml", "ng/mL"),
                   default=DEFAULT_THRESHOLD_NG_ML, metavar="C",
                   help="effect-site threshold, ng/mL (default: " + _THRESHOLD_SOURCE + ")")
    p.add_argument("--end-min", type=positive("--end-min", "min"), default=240.0,
                   metavar="MIN", help="simulate from 0 to this time, min")
    p.add_argument("--step-min", type=positive("--step-min", "min"), default=1.0,
                   metavar="MIN", help="output time step, min")
    p.add_argument("--png", default="ketasim_compare.png", metavar="FIG.png",
                   help="figure to write (.png is added when FIG has no suffix)")
    p.add_argument("--csv", default="ketasim_compare.csv", metavar="OUT.csv",
                   help="CSV of Cp and Ce against time to write")
    p.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    p.add_argument("--population", type=whole("--population", 1, 10_000_000), default=None,
                   metavar="N",
                   help="also simulate each regimen in N virtual subjects (percentile bands, "
                        "fraction reaching the threshold by each time)")
    p.add_argument("--variability", choices=["published", "illustrative"], default="published",
                   help="with --population: each model's published between-subject variability "
                        "(default; a model whose source publishes none gets --iiv-sd, and the "
                        "output says which), or --iiv-sd on every model")
    p.add_argument("--iiv-sd", type=positive("--iiv-sd", ""), default=DEFAULT_IIV_SD,
                   metavar="SD", help="with --population: SD of the log-parameters where no "
                                      "published variability is used (illustrative default "
                                      "0.3, about 30 %%CV)")
    p.add_argument("--seed", type=whole("--seed", 0, 2 ** 63 - 1), default=7, metavar="S",
                   help="with --population: random seed")
    p.set_defaults(run=run, check=check)
