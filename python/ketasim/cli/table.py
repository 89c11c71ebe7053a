"""The command line's tables: the onset table, on the one fixed-width formatter
(ketasim._table.format_table, also used by ``ketasim models``)."""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from .._core import OnsetMetrics
from .._table import format_table

__all__ = ["format_table", "onset_table"]


def _cell(v: Optional[float]) -> str:
    return "never" if v is None else f"{v:.1f}"


def onset_table(rows: Sequence[Tuple[str, OnsetMetrics]]) -> str:
    """A fixed-width table of onset metrics, one row per labelled result, with units.

    Columns: Cmax and Tmax of Cp, the Ce peak, then onset, offset and time above the threshold
    of the series the metrics are about (Ce or Cp, from the metrics themselves).
    """
    if not rows:
        return ""
    series = "Ce" if rows[0][1].series == "ce" else "Cp"
    head = ["regimen", "Cmax", "Tmax", "Ce max", f"{series} onset", f"{series} offset",
            "time above"]
    units = ["", "ng/mL", "min", "ng/mL", "min", "min", "min"]
    body = [[label, f"{m.cmax_ng_ml:.1f}", f"{m.tmax_min:.1f}", _cell(m.ce_max_ng_ml),
             _cell(m.t_onset_min), _cell(m.t_offset_min), f"{m.time_above_min:.1f}"]
            for label, m in rows]
    return format_table(head, body, units=units)
