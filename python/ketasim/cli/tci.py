"""``ketasim tci``: target-controlled infusion with a catalogue model, printed as a schedule
table, written as CSV (every update) and drawn (Cp, Ce, target and rate)."""

from __future__ import annotations

import argparse
import math
import os
from typing import Any, Dict, List, Optional, TextIO, Tuple

import numpy as np

from .. import models as catalogue
from .._core import TciResult, decrement_time, tci
from .args import positive
from .compare import DEFAULT_NASAL_PRESET, catalogue_model
from .output import CliError, check_finite, draw, figure_path, write_csv
from .table import format_table

__all__ = ["add_parser", "run", "parse_targets", "schedule_table"]


def parse_targets(text: str) -> List[Tuple[float, float]]:
    """``"150"`` or ``"0:150,30:100"`` as (time_min, target_ng_ml) pairs."""
    out: List[Tuple[float, float]] = []
    for part in text.split(","):
        bits = part.split(":")
        try:
            if len(bits) == 1 and not out:
                out.append((0.0, float(bits[0])))
            elif len(bits) == 2:
                out.append((float(bits[0]), float(bits[1])))
            else:
                raise ValueError
        except ValueError:
            raise argparse.ArgumentTypeError(
                "--target must be C (ng/mL from 0 min) or TIME:C,TIME:C,... (min:ng/mL), got "
                f"{text!r}") from None
    return out


def _table_rows(res: TciResult, every_min: float) -> List[List[str]]:
    t = res.time_min
    step = max(1, int(round(every_min / (res.update_s / 60.0))))
    rows = []
    for i in range(0, len(t) - 1, step):
        # The mean rate over the table row's span (updates i .. i+step-1).
        j = min(i + step, len(t) - 1)
        mean_rate = float(np.mean(res.rate_mg_per_min[i:j]))
        cells = [f"{t[i]:.2f}", f"{res.target_ng_ml[i]:.1f}", f"{res.cp_ng_ml[i]:.1f}"]
        if res.ce_ng_ml is not None:
            cells.append(f"{res.ce_ng_ml[i]:.1f}")
        cells += [f"{res.rate_mg_per_min[i]:.3f}", f"{mean_rate:.3f}"]
        rows.append(cells)
    return rows


def schedule_table(res: TciResult, every_min: float = 1.0) -> str:
    """The schedule as text: one row every ``every_min`` (rate at the row's update and mean rate
    until the next row)."""
    head = ["time", "target", "Cp"] + (["Ce"] if res.ce_ng_ml is not None else []) + [
        "rate", "mean rate"]
    units = ["min", "ng/mL", "ng/mL"] + (["ng/mL"] if res.ce_ng_ml is not None else []) + [
        "mg/min", "mg/min"]
    return format_table(head, _table_rows(res, every_min), units=units, rule=True)


def _csv_columns(res: TciResult) -> Dict[str, Any]:
    n = len(res.rate_mg_per_min)
    cols: Dict[str, Any] = {
        "time_min": res.time_min[:n],
        "target_ng_ml": res.target_ng_ml[:n],
        "cp_ng_ml": res.cp_ng_ml[:n],
    }
    if res.ce_ng_ml is not None:
        cols["ce_ng_ml"] = res.ce_ng_ml[:n]
    cols["rate_mg_per_min"] = res.rate_mg_per_min
    return cols


def _model_options(args: argparse.Namespace) -> Dict[str, Any]:
    known = set(catalogue.info(args.model)["covariates"])
    opts: Dict[str, Any] = {}
    for name in ("weight_kg", "age_yr"):
        value = getattr(args, name)
        if value is not None and name in known:
            opts[name] = value
        elif value is not None and name != "weight_kg":
            raise CliError(f"--{name.replace('_', '-')} is not a covariate of {args.model} "
                           f"(its covariates: {', '.join(sorted(known)) or 'none'})")
    if args.model == "intranasal_racemic":
        # Its nasal path (F, ka) plays no part in an IV infusion: the default preset fills it.
        opts["preset"] = DEFAULT_NASAL_PRESET
    return opts


def run(args: argparse.Namespace, out: TextIO) -> int:
    png = None if args.no_plot else figure_path(args.png, "--png")
    model = catalogue_model(args.model, ke0=args.ke0, ke0_source=args.ke0_source,
                            **_model_options(args))
    if args.mode == "effect" and not model.has_effect_site:
        raise CliError(f"--mode effect needs a ke0: --ke0 K (1/min) or --ke0-source "
                       f"{catalogue.literature_ke0()[0]['key']} ({args.model} publishes none)")
    res = tci(model, args.target, args.duration_min, mode=args.mode, update_s=args.update_s,
              max_rate_mg_per_min=args.max_rate_mg_per_min,
              max_rate_ml_per_h=args.max_rate_ml_per_h,
              syringe_mg_per_ml=args.syringe_mg_per_ml, weight_kg=args.weight_kg)
    site = "Ce" if args.mode == "effect" else "Cp"
    print(f"{args.model}: {site} target-controlled infusion, {res.update_s:g}-s updates, "
          f"max rate {_max_rate_text(args)}", file=out)
    print(schedule_table(res, args.table_every_min), file=out)
    reach = (f"{res.time_to_target_min:.2f} min" if res.time_to_target_min is not None
             else "not reached")
    per_kg = f" ({res.dose_mg_per_kg:.3f} mg/kg)" if res.dose_mg_per_kg is not None else ""
    print(f"total dose {res.total_dose_mg:.2f} mg{per_kg} in {args.duration_min:g} min; "
          f"{site} first within 0.5 % of the target at {reach}", file=out)
    last = float(res.target_ng_ml[-1])
    if last > 0:
        site_key = "effect" if args.mode == "effect" else "plasma"
        half = decrement_time(model, res.regimen, args.duration_min, last / 2, site=site_key)
        print(f"stopped at {args.duration_min:g} min, {site} falls to half the last target "
              f"({last / 2:g} ng/mL) in {half:.2f} min", file=out)
    cols = _csv_columns(res)
    check_finite(cols, "the schedule")
    csv_path = os.path.abspath(args.csv)
    write_csv(csv_path, cols)
    print(f"table: {csv_path} ({len(res.rate_mg_per_min)} updates: {', '.join(cols)})", file=out)
    if png is not None:
        title = f"{args.model}: {site} target-controlled infusion"
        draw(png, lambda plot: plot.tci(res, model, title=title))
        print(f"figure: {png}", file=out)
    return 0


def _max_rate_text(args: argparse.Namespace) -> str:
    if args.max_rate_mg_per_min is not None:
        return f"{args.max_rate_mg_per_min:g} mg/min"
    if args.max_rate_ml_per_h is not None:
        mg = args.max_rate_ml_per_h * (args.syringe_mg_per_ml or math.nan) / 60
        return (f"{args.max_rate_ml_per_h:g} mL/h of {args.syringe_mg_per_ml:g} mg/mL "
                f"({mg:g} mg/min)")
    return "unlimited"


def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Usage errors argparse cannot express."""
    if (args.max_rate_ml_per_h is None) != (args.syringe_mg_per_ml is None):
        parser.error("--max-rate-ml-per-h and --syringe-mg-per-ml go together")


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    keys = catalogue.list()
    p = sub.add_parser(
        "tci",
        help="target-controlled infusion: the IV rate every few seconds for a Cp or Ce target",
        description="Target-controlled infusion with a catalogue model: every update (10 s) the "
                    "rate that brings Cp (--mode plasma) or Ce (--mode effect, Shafer and Gregg "
                    "1992: Cp overshoots, the pump pauses, Ce reaches the target as fast as the "
                    "maximum rate allows without overshoot) to the target. Prints the schedule, "
                    "writes every update as CSV and draws Cp, Ce and the rate. For research and "
                    "teaching, not for dosing a patient.",
        epilog="example: ketasim tci --model domino1984 --mode effect --ke0-source sleigh2019 "
               "--target 0:150,30:100 --max-rate-mg-per-min 50",
    )
    p.add_argument("--model", choices=keys, default="domino1984",
                   help="catalogue model (default domino1984); must have an IV route")
    p.add_argument("--target", type=parse_targets, default=[(0.0, 150.0)], metavar="C|T:C,...",
                   help="target, ng/mL: one value from 0 min, or time_min:ng_ml steps "
                        "(default 150)")
    p.add_argument("--mode", choices=["plasma", "effect"], default="plasma",
                   help="what to target (default plasma; effect needs --ke0 or --ke0-source)")
    p.add_argument("--duration-min", type=positive("--duration-min", "min"), default=60.0,
                   metavar="MIN", help="length of the run, min (default 60)")
    p.add_argument("--update-s", type=positive("--update-s", "s"), default=10.0, metavar="S",
                   help="update interval, s (default 10)")
    rate = p.add_mutually_exclusive_group()
    rate.add_argument("--max-rate-mg-per-min", type=positive("--max-rate-mg-per-min", "mg/min"),
                      default=None, metavar="R", help="pump's maximum rate, mg/min "
                                                      "(default unlimited)")
    rate.add_argument("--max-rate-ml-per-h", type=positive("--max-rate-ml-per-h", "mL/h"),
                      default=None, metavar="V", help="pump's maximum rate, mL/h (with "
                                                      "--syringe-mg-per-ml)")
    p.add_argument("--syringe-mg-per-ml", type=positive("--syringe-mg-per-ml", "mg/mL"),
                   default=None, metavar="C", help="syringe concentration, mg/mL")
    p.add_argument("--weight-kg", type=positive("--weight-kg", "kg"), default=70.0,
                   metavar="KG", help="body weight, kg (default 70): the model's covariate "
                                      "when it has one, and for the dose per kg")
    p.add_argument("--age-yr", type=positive("--age-yr", "y"), default=None, metavar="Y",
                   help="age, years (models with an age covariate)")
    ke0 = p.add_mutually_exclusive_group()
    ke0.add_argument("--ke0", type=positive("--ke0", "1/min"), default=None, metavar="K",
                     help="effect-site rate constant, 1/min, chosen by you")
    ke0.add_argument("--ke0-source", choices=[e["key"] for e in catalogue.literature_ke0()],
                     default=None, help="take ke0 from the literature")
    p.add_argument("--table-every-min", type=positive("--table-every-min", "min"), default=1.0,
                   metavar="MIN", help="one printed row every MIN minutes (default 1); the CSV "
                                       "has every update")
    p.add_argument("--csv", default="ketasim_tci.csv", metavar="OUT.csv",
                   help="CSV of every update (default ketasim_tci.csv)")
    p.add_argument("--png", default="ketasim_tci.png", metavar="FIG.png",
                   help="figure of Cp, Ce, target and rate (default ketasim_tci.png)")
    p.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    p.set_defaults(run=run, check=check)
