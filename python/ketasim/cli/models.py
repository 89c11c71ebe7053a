"""``ketasim models [KEY]``: the catalogue of published models, or one model in full."""

from __future__ import annotations

import argparse
from typing import TextIO

from .. import models as catalogue

__all__ = ["add_parser", "run"]


def run(args: argparse.Namespace, out: TextIO) -> int:
    print(catalogue.format_table() if args.key is None else catalogue.describe(args.key),
          file=out)
    return 0


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
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
    p.set_defaults(run=run)
