"""``ketasim simulate SCENARIO.json``: run a scenario file and write its CSV (and figure)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Dict, TextIO, cast

from .. import _table
from .._core import onset
from ..dataset import simulate_dataset
from ..scenario import load as load_scenario
from .args import positive
from .output import (CliError, check_finite_metrics, draw, figure_path, write_csv,
                     write_csv_stream)
from .table import onset_table

__all__ = ["add_parser", "run"]


def _cmt_map(items: Any) -> Dict[int, str]:
    """--cmt N=NAME, repeated, as {N: NAME}."""
    out: Dict[int, str] = {}
    for item in items or []:
        number, sep, name = item.partition("=")
        try:
            key = int(number)
        except ValueError:
            key = None
        if not sep or key is None or not name:
            raise CliError(f"--cmt must be NUMBER=NAME (a compartment or route), got {item!r}")
        out[key] = name
    return out


def run_dataset(args: argparse.Namespace, out: TextIO) -> int:
    """--data: a NONMEM-style dataset through a catalogue model, one output row per record."""
    if args.scenario is not None:
        raise CliError("give a scenario file or --data, not both")
    if args.model is None:
        raise CliError("--data needs --model (a catalogue key, see `ketasim models`)")
    for flag, value in (("--threshold-ng-ml", args.threshold_ng_ml), ("--plot", args.plot)):
        if value is not None:
            raise CliError(f"{flag} applies to a scenario file, not to --data")
    if not os.path.isfile(args.data):
        raise CliError(f"--data: no such file: {args.data}")
    options: Dict[str, Any] = {}
    if args.ke0_source is not None:
        options["ke0_source"] = args.ke0_source
    if args.extrapolate:
        options["extrapolate"] = True
    cmt = _cmt_map(args.cmt)
    res = simulate_dataset(args.model, args.data, cmt or None, rule=args.rule,
                           model_options=options, method=args.method)
    if args.output in (None, "-"):
        res.write(out)
    else:
        path = os.path.abspath(args.output)
        try:
            res.to_csv(path)
        except OSError as exc:
            raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None
        print(f"table: {path} ({len(res)} rows: {', '.join(res.columns)})", file=out)
    return 0


def run(args: argparse.Namespace, out: TextIO) -> int:
    if args.data is not None:
        return run_dataset(args, out)
    for flag, value in (("--model", args.model), ("--cmt", args.cmt),
                        ("--ke0-source", args.ke0_source)):
        if value is not None:
            raise CliError(f"{flag} applies to --data")
    if args.scenario is None:
        raise CliError("give a scenario file (SCENARIO.json) or --data DOSES.csv")
    sc = load_scenario(args.scenario)
    if args.threshold_ng_ml is not None:
        sc.threshold_ng_ml = args.threshold_ng_ml
        if sc.series == "ce" and not sc.model.has_effect_site:
            raise CliError(f"{args.scenario}: model.ke0 must be given (1/min) for Ce onset "
                           "metrics; or set \"series\": \"cp\" in the scenario")
    png = figure_path(args.plot, "--plot") if args.plot else None
    if sc.events is not None:
        if args.threshold_ng_ml is not None or png is not None:
            raise CliError(f"{args.scenario}: --threshold-ng-ml and --plot need a regimen "
                           "without steady_state, constant_infusion or reset entries")
        table = sc.simulate_events()
        if args.output in (None, "-"):
            write_csv_stream(out, table, "the table")
        else:
            path = os.path.abspath(args.output)
            write_csv(path, table)
            print(f"table: {path} ({len(table['time_min'])} rows: {', '.join(table)})",
                  file=out)
        return 0
    res = sc.simulate()
    metrics = None
    if sc.threshold_ng_ml is not None:
        metrics = onset(res, sc.threshold_ng_ml, series=cast(Any, sc.series))
        check_finite_metrics(metrics, sc.label)
    to_stdout = args.output in (None, "-")
    info = sys.stderr if to_stdout else out
    table = _table.columns(res)
    if to_stdout:
        write_csv_stream(out, table, "the table")
    else:
        path = os.path.abspath(args.output)
        write_csv(path, table)
        print(f"table: {path} ({len(res)} rows: {', '.join(table)})", file=info)
    if metrics is not None:
        print(f"onset metrics, {'Ce' if sc.series == 'ce' else 'Cp'} threshold "
              f"{sc.threshold_ng_ml:g} ng/mL:", file=info)
        print(onset_table([(sc.label, metrics)]), file=info)
    if png is not None:
        draw(png, lambda plot: plot.onset({sc.label: res}, sc.threshold_ng_ml,
                                          series=sc.series, title=sc.label))
        print(f"figure: {png}", file=info)
    return 0


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser(
        "simulate",
        help="run a scenario file (model, regimen, times, method) and write a CSV",
        description="Run the model, regimen, output times and method of a JSON scenario file "
                    "and write Cp, Ce and the compartment amounts as CSV (header: time_min, "
                    "cp_ng_ml, ce_ng_ml, <analyte>_ng_ml..., <compartment>_mg...). The format "
                    "is described in the README; examples/scenarios/ has complete files.",
        epilog="examples: ketasim simulate examples/scenarios/domino_iv_infusion.json -o out.csv; "
               "ketasim simulate --data doses.csv --model perezruixo2021 --cmt 1=intranasal "
               "-o out.csv",
    )
    p.add_argument("scenario", metavar="SCENARIO.json", nargs="?", help="scenario file (JSON)")
    p.add_argument("--data", metavar="DOSES.csv",
                   help="instead of a scenario: a NONMEM-style dataset (ID, TIME, EVID, AMT, "
                        "RATE, CMT, ADDL, II, SS, covariate and parameter columns; '.' for "
                        "missing); writes one row per record")
    p.add_argument("--model", metavar="KEY",
                   help="with --data: the catalogue model (covariates such as weight_kg read "
                        "from each ID's first row)")
    p.add_argument("--cmt", metavar="N=NAME", action="append",
                   help="with --data: CMT number N is compartment or route NAME (repeatable; "
                        "default: CMT n is the model's n-th compartment)")
    p.add_argument("--ke0-source", metavar="KEY",
                   help="with --data: take ke0 from the literature (see `ketasim models`)")
    p.add_argument("--extrapolate", action="store_true",
                   help="with --data: accept covariates outside the published range")
    p.add_argument("--rule", choices=["nocb", "locf"], default="nocb",
                   help="with --data: which record's parameter values hold between records "
                        "(default nocb, as NONMEM)")
    p.add_argument("--method", choices=["exact", "ode", "ode_stiff"], default="exact",
                   help="with --data: the solver (default exact)")
    p.add_argument("-o", "--output", metavar="OUT.csv",
                   help="CSV file to write (default: standard output)")
    p.add_argument("--threshold-ng-ml", type=positive("--threshold-ng-ml", "ng/mL"),
                   metavar="C", help="print onset metrics for this threshold, ng/mL (overrides "
                                     "the scenario's threshold_ng_ml)")
    p.add_argument("--plot", metavar="FIG.png",
                   help="also draw Cp and Ce against time into this image (needs matplotlib; "
                        ".png is added when FIG has no suffix)")
    p.set_defaults(run=run, check=_check)


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A usage error (exit status 2) when there is nothing to run."""
    if args.scenario is None and args.data is None:
        parser.error("the following arguments are required: SCENARIO.json (or --data DOSES.csv)")
