"""A result as named columns: shared by Result.to_pandas and the command line's CSV files."""

from __future__ import annotations

import csv
from typing import IO, TYPE_CHECKING, Dict, Mapping

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
