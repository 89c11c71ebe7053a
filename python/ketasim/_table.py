"""A result as named columns (shared by Result.to_pandas and the command line's CSV files), and
the one fixed-width text table formatter (the command line's tables, ``ketasim models``)."""

from __future__ import annotations

import csv
from typing import IO, TYPE_CHECKING, Dict, List, Mapping, Optional, Sequence

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ._core import Result


def columns(result: "Result") -> Dict[str, np.ndarray]:
    """Named 1-D columns of a result, in CSV order.

    time_min, cp_ng_ml, ce_ng_ml (with an effect site), one ``<analyte>_ng_ml`` per reported
    analyte, then one ``<compartment>_mg`` per compartment (views, no copies except analytes).
    """
    out: Dict[str, np.ndarray] = {"time_min": result.time_min, "cp_ng_ml": result.cp_ng_ml}
    if result.has_effect_site:
        out["ce_ng_ml"] = result.ce_ng_ml
    for name in result.analytes:
        out[f"{name}_ng_ml"] = result.concentration_ng_ml(name)
    amounts = result.amounts_mg
    for j, name in enumerate(result.columns):
        out[f"{name}_mg"] = amounts[:, j]
    return out


def to_pandas(result: "Result"):
    """The result as a pandas.DataFrame (see ``columns`` for the column names)."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError(
            "Result.to_pandas needs pandas, which ketasim does not install: pip install pandas"
        ) from exc
    return pd.DataFrame({name: np.array(col) for name, col in columns(result).items()})


def write_csv(table: Mapping[str, np.ndarray], stream: IO[str]) -> int:
    """Writes equal-length columns as CSV with a header row; returns the number of data rows.

    Numbers are written with repr precision (round-trip exact).
    """
    names = list(table)
    cols = [np.asarray(table[n], dtype=float) for n in names]
    n = len(cols[0]) if cols else 0
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(names)
    for i in range(n):
        writer.writerow([repr(float(c[i])) for c in cols])
    return n


def format_table(head: Sequence[str], rows: Sequence[Sequence[str]],
                 units: Optional[Sequence[str]] = None, rule: bool = False,
                 numeric: bool = True) -> str:
    """Rows of text cells as a fixed-width table.

    Parameters
    ----------
    head : sequence of str
        Column titles.
    rows : sequence of sequences of str
        The cells, one sequence per row, as long as ``head``.
    units : sequence of str, optional
        A second header line (units).
    rule : bool
        Underline the header with dashes.
    numeric : bool
        Right-align every column but the first (numbers); otherwise left-align all.
    """
    lines = [list(head)] + ([list(units)] if units is not None else []) + [list(r) for r in rows]
    widths = [max(len(r[i]) for r in lines) for i in range(len(head))]

    def line(cells: List[str]) -> str:
        if not numeric:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]
        return "  ".join([cells[0].ljust(widths[0])] + rest).rstrip()

    out = [line(r) for r in lines]
    if rule:
        out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)
