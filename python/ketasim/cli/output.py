"""What the command line writes: one-line errors (CliError), CSV files and figures that are
written whole or reported, finite numbers only, and the paths actually written."""

from __future__ import annotations

import math
import os
from typing import Any, Callable, Mapping, Optional, TextIO

import numpy as np

from .. import _table

__all__ = ["CliError", "write_csv", "write_csv_stream", "check_finite", "check_finite_metrics",
           "figure_path", "with_suffix", "draw"]


class CliError(Exception):
    """An error the command line reports as one line (bad option value, unwritable file)."""


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_finite(table: Mapping[str, Any], what: str) -> None:
    """Raises CliError naming the first column and time with a NaN or an infinity.

    ``table`` maps column names to equal-length arrays, the first of them ``time_min``; ``what``
    names the output in the message (a file, "the table").
    """
    times = np.asarray(next(iter(table.values())), dtype=float)
    for name, column in table.items():
        values = np.asarray(column, dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.argmax(bad))
            raise CliError(f"cannot write {what}: {name} must be finite, got "
                           f"{float(values[i])!r} at time_min {times[i]:g} (an input too large "
                           "or too small for double precision); nothing was written")


def check_finite_metrics(metrics: Any, label: str) -> None:
    """Raises CliError when an onset metric of ``label`` is NaN or infinite."""
    for name, value in metrics.to_dict().items():
        if isinstance(value, float) and not math.isfinite(value):
            raise CliError(f"cannot print the onset table: {name} of {label!r} must be finite, "
                           f"got {value!r}")


def write_csv(path: str, table: Mapping[str, Any]) -> None:
    """Writes equal-length columns as CSV to path (after checking they are all finite).

    Raises
    ------
    CliError
        One line naming the file and the OS error (no such folder, disk full, ...) or the
        first non-finite value; nothing is written in that case.
    """
    check_finite(table, path)
    try:
        with open(path, "w", encoding="utf-8", newline="") as f:
            _table.write_csv(table, f)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {_os_reason(exc)}") from None


def write_csv_stream(stream: TextIO, table: Mapping[str, Any], what: str) -> None:
    """Writes the table as CSV to an open stream (standard output) after the finite check."""
    check_finite(table, what)
    _table.write_csv(table, stream)


def figure_path(path: str, option: str) -> str:
    """The absolute path a figure is written to: ``.png`` appended when path has no suffix.

    Raises
    ------
    CliError
        For a suffix matplotlib cannot write (the message lists those it can).
    """
    path = os.path.abspath(path)
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if not suffix:
        return path + ".png"
    formats = _formats()
    if formats is not None and suffix not in formats:
        raise CliError(f"{option} must end in one of [{', '.join('.' + f for f in formats)}], "
                       f"got {path}")
    return path


def with_suffix(path: str, suffix: str) -> str:
    """path with suffix inserted before its extension (a.png, "_population" -> a_population.png)."""
    stem, ext = os.path.splitext(path)
    return f"{stem}{suffix}{ext}"


def _formats() -> Optional[list]:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError:
        return None
    return sorted(FigureCanvasAgg.get_supported_filetypes())


def draw(path: str, make_figure: Callable[[Any], Any]) -> None:
    """Draws make_figure(ketasim.plot) on the Agg backend and saves it to path, which must
    come from figure_path (one-line errors when matplotlib is missing or the file cannot be
    written)."""
    try:
        import matplotlib
    except ImportError:
        raise CliError("the figure needs matplotlib: pip install 'ketasim[plot]' "
                       "(or use --no-plot)") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .. import plot

    fig = make_figure(plot)
    try:
        fig.savefig(path, dpi=150, format=os.path.splitext(path)[1].lstrip(".").lower())
    except OSError as exc:
        raise CliError(f"cannot write {path}: {_os_reason(exc)}") from None
    finally:
        plt.close(fig)
