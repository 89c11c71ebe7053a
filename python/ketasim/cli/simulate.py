"""``ketasim simulate SCENARIO.json``: run a scenario file and write its CSV (and figure)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, TextIO, cast

from .. import _table
from .._core import onset
from ..scenario import load as load_scenario
from .args import positive
from .output import (CliError, check_finite_metrics, draw, figure_path, write_csv,
                     write_csv_stream)
from .table import onset_table

__all__ = ["add_parser", "run"]


def run(args: argparse.Namespace, out: TextIO) -> int:
    sc = load_scenario(args.scenario)
    if args.threshold_ng_ml is not None:
        sc.threshold_ng_ml = args.threshold_ng_ml
        if sc.series == "ce" and not sc.model.has_effect_site:
            raise CliError(f"{args.scenario}: model.ke0 must be given (1/min) for Ce onset "
                           "metrics; or set \"series\": \"cp\" in the scenario")
    png = figure_path(args.plot, "--plot") if args.plot else None
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
        epilog="example: ketasim simulate examples/scenarios/domino_iv_infusion.json -o out.csv",
    )
    p.add_argument("scenario", metavar="SCENARIO.json", help="scenario file (JSON)")
    p.add_argument("-o", "--output", metavar="OUT.csv",
                   help="CSV file to write (default: standard output)")
    p.add_argument("--threshold-ng-ml", type=positive("--threshold-ng-ml", "ng/mL"),
                   metavar="C", help="print onset metrics for this threshold, ng/mL (overrides "
                                     "the scenario's threshold_ng_ml)")
    p.add_argument("--plot", metavar="FIG.png",
                   help="also draw Cp and Ce against time into this image (needs matplotlib; "
                        ".png is added when FIG has no suffix)")
    p.set_defaults(run=run)
