"""The ketasim command line: ``ketasim simulate SCENARIO.json``, ``ketasim compare``,
``ketasim tci`` and ``ketasim models [KEY]``, one module per command.

Map of the package:

- ``__init__`` (this file): the parser with every subcommand (``SUBCOMMANDS``) and ``main``,
  which turns every error into one line on stderr;
- ``simulate``: ``ketasim simulate``, a scenario file (``ketasim.scenario``) to CSV and figure;
- ``compare``: ``ketasim compare``, IV versus nasal with catalogue models; ``--population N``
  runs the same arms in N virtual subjects;
- ``tci``: ``ketasim tci``, target-controlled infusion (plasma or effect site) with a
  catalogue model: schedule table, CSV and figure;
- ``models``: ``ketasim models [KEY]``, the catalogue of published models;
- ``table``: the onset table, on the one text-table formatter (``ketasim._table``);
- ``output``: CSV files and figures (written whole or reported; finite numbers only; the path
  actually written), ``CliError``;
- ``args``: option types (positive numbers with units, whole numbers, 28 mg devices).

Adding a subcommand is one module with ``add_parser(sub)`` and ``run(args, out)`` and one line in
``SUBCOMMANDS``.

Exit status: 0 on success; 1 after an error, printed as one line on stderr ("ketasim <command>:
error: ..."; set KETASIM_DEBUG=1 for a traceback of an internal error); 2 for a usage error;
130 when interrupted. When the reader of standard output goes away (``ketasim compare | head
-1``) the command stops quietly with status 1, as Python's own tools do.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Callable, List, Optional, Sequence, TextIO

from .._core import InvalidInput, SolverError
from ..scenario import ScenarioError
from . import compare, models, simulate, tci
from .compare import CompareModels, compare_models, ka_for_tmax
from .output import CliError
from .table import onset_table

__all__ = ["main", "build_parser", "compare_models", "CompareModels", "ka_for_tmax",
           "onset_table", "CliError", "SUBCOMMANDS"]

#: The subcommands, in --help order; each module's add_parser adds one parser.
SUBCOMMANDS: List[Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]] = [
    simulate.add_parser,
    compare.add_parser,
    tci.add_parser,
    models.add_parser,
]


def build_parser() -> argparse.ArgumentParser:
    """The ``ketasim`` argument parser with every subcommand."""
    from .. import __version__

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


class _StdoutError(Exception):
    """Writing standard output failed with an OS error other than a broken pipe."""

    def __init__(self, exc: OSError):
        super().__init__(f"cannot write standard output: {exc.strerror or exc}")


class _Stdout:
    """Standard output for the commands: OS errors other than a broken pipe (a full disk)
    become _StdoutError, so that they are reported as such and not as a bug."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _StdoutError(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _StdoutError(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _drop_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so that the interpreter's last flush does
    not print an error (the recipe of Python's documentation, signal module, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture stdout)
        pass


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the command line; returns the exit status (0 on success)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "check", None) is not None:
        args.check(parser, args)
    prefix = f"ketasim {args.command}: error:"
    try:
        out = _Stdout(sys.stdout)
        status = int(args.run(args, out))
        out.flush()
        return status
    except BrokenPipeError:
        _drop_stdout()
        return 1
    except _StdoutError as exc:
        print(f"{prefix} {_one_line(exc)}", file=sys.stderr)
        _drop_stdout()  # what is still buffered cannot be written either
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
