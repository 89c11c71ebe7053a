"""Figures of ketasim results with matplotlib (an optional extra: ``pip install ketasim[plot]``).

Each public function draws one kind of figure and returns the ``matplotlib.figure.Figure``; the
helpers below (panels, threshold band, units) are shared so that a new kind of figure is one more
function. matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, cast

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ._core import OnsetMetrics, Result

__all__ = ["onset"]

#: Axis labels of the two concentration series, with units.
SERIES_LABELS = {
    "cp": "Plasma Cp (ng/mL)",
    "ce": "Effect site Ce (ng/mL)",
}
_TIME_UNITS = {"min": 1.0, "h": 60.0}
_THRESHOLD_COLOR = "#2e7d32"


def _pyplot():
    """matplotlib.pyplot, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "ketasim.plot needs matplotlib, an optional extra: pip install 'ketasim[plot]' "
            "(or pip install matplotlib)"
        ) from exc
    return plt


def _check_time_unit(time_unit: str) -> float:
    if time_unit not in _TIME_UNITS:
        raise ValueError(
            f"plot: time_unit must be one of [min, h], got {time_unit!r}"
        )
    return _TIME_UNITS[time_unit]


def _time_label(time_unit: str) -> str:
    return "Time since first dose (" + ("min" if time_unit == "min" else "h") + ")"


def _threshold_band(ax: "Axes", threshold_ng_ml: float, label: str) -> None:
    """Shades the region at or above a threshold and draws its line."""
    ax.axhspan(threshold_ng_ml, ax.get_ylim()[1], color=_THRESHOLD_COLOR, alpha=0.10, lw=0,
               zorder=0, label=label)
    ax.axhline(threshold_ng_ml, color=_THRESHOLD_COLOR, lw=1.0, ls="--", zorder=1)


def _check_results(results: Mapping[str, "Result"], where: str) -> List[Tuple[str, "Result"]]:
    from ._core import Result

    if not isinstance(results, Mapping) or len(results) == 0:
        raise ValueError(f"{where}: results must be a non-empty dict {{label: Result}}, "
                         f"got {results!r}")
    items = []
    for label, res in results.items():
        if not isinstance(res, Result):
            raise ValueError(f"{where}: results[{label!r}] must be a ketasim.Result, got "
                             f"{type(res).__name__}")
        items.append((str(label), res))
    return items


def onset(
    results: Mapping[str, "Result"],
    threshold_ng_ml: Optional[float] = None,
    *,
    series: str = "ce",
    title: Optional[str] = None,
    time_unit: str = "min",
    figsize: Sequence[float] = (9.0, 7.5),
) -> "Figure":
    """Cp and Ce against time for several regimens on one figure, with onset times marked.

    Two panels share the time axis: plasma Cp above, effect-site Ce below (Cp only when no
    result has an effect site). Each regimen keeps one colour in both panels. With a threshold,
    the region at or above it is shaded on the panel of ``series`` and each regimen's onset (the
    first time that series reaches the threshold) is marked with a dot and a dotted drop line;
    the legend gives each regimen's onset time.

    Parameters
    ----------
    results : dict[str, Result]
        Results by legend label, e.g. ``{"IV 0.5 mg/kg over 40 min": res_iv, ...}``.
    threshold_ng_ml : float, optional
        Concentration threshold, ng/mL (> 0).
    series : {"ce", "cp"}
        Which concentration the threshold is about (default Ce; Cp when there is no Ce).
    title : str, optional
        Figure title.
    time_unit : {"min", "h"}
        Unit of the time axis.
    figsize : (float, float)
        Figure size, inches.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (save it with ``fig.savefig("onset.png", dpi=150)``).

    Raises
    ------
    ValueError
        On an empty or non-Result input, a bad threshold, series or time unit.
    ImportError
        When matplotlib is not installed.

    Examples
    --------
    >>> import numpy as np, ketasim as ks, matplotlib
    >>> matplotlib.use("Agg")
    >>> model = ks.Model(cl=1.2, v1=15.0, ke0=0.2)
    >>> t = np.arange(0, 121.0)
    >>> res = ks.simulate(model, ks.Regimen().infusion(dose_mg=35, duration_min=40), t)
    >>> fig = ks.plot.onset({"IV 35 mg over 40 min": res}, threshold_ng_ml=100)
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['Plasma Cp (ng/mL)', 'Effect site Ce (ng/mL)']
    """
    from ._core import onset as onset_metrics

    items = _check_results(results, "plot.onset")
    scale = _check_time_unit(time_unit)
    if series not in SERIES_LABELS:
        raise ValueError(f"plot.onset: series must be one of [cp, ce], got {series!r}")
    if threshold_ng_ml is not None:
        thr = float(threshold_ng_ml)
        if not (thr > 0.0 and thr < float("inf")):
            raise ValueError(
                f"plot.onset: threshold_ng_ml must be > 0 ng/mL, got {threshold_ng_ml!r}"
            )
    with_ce = any(res.has_effect_site for _, res in items)
    if series == "ce" and not with_ce:
        series = "cp"
    panels = ["cp", "ce"] if with_ce else ["cp"]

    plt = _pyplot()
    fig, axes_arr = plt.subplots(len(panels), 1, sharex=True, figsize=tuple(figsize),
                                 squeeze=False, layout="constrained")
    axes: Dict[str, "Axes"] = {name: axes_arr[i][0] for i, name in enumerate(panels)}
    colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])

    metrics: Dict[str, Optional["OnsetMetrics"]] = {}
    handles: List[Any] = []
    for k, (label, res) in enumerate(items):
        color = colors[k % len(colors)]
        t = res.time_min / scale
        m = None
        if threshold_ng_ml is not None and (series == "cp" or res.has_effect_site):
            m = onset_metrics(res, float(threshold_ng_ml), cast(Any, series))
        metrics[label] = m
        legend_label = label
        if m is not None and m.t_onset_min is None:
            legend_label += (f"  ({'Ce' if series == 'ce' else 'Cp'} never reaches "
                             f"{m.threshold_ng_ml:g} ng/mL)")
        elif m is not None:
            legend_label += f"  (onset {m.t_onset_min:.1f} min)"
        (line,) = axes["cp"].plot(t, res.cp_ng_ml, color=color, lw=1.8, label=legend_label)
        handles.append(line)
        if with_ce and res.has_effect_site:
            axes["ce"].plot(t, res.ce_ng_ml, color=color, lw=1.8)

    for name, ax in axes.items():
        ax.set_ylabel(SERIES_LABELS[name])
        ax.set_ylim(bottom=0.0)
        ax.set_xlim(left=min(float(res.time_min[0]) for _, res in items) / scale,
                    right=max(float(res.time_min[-1]) for _, res in items) / scale)
        ax.grid(True, color="0.9", lw=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[panels[-1]].set_xlabel(_time_label(time_unit))

    if threshold_ng_ml is not None:
        ax = axes[series]
        top = max(ax.get_ylim()[1], 1.15 * float(threshold_ng_ml))
        ax.set_ylim(0.0, top)
        band_label = f"{'Ce' if series == 'ce' else 'Cp'} \u2265 {float(threshold_ng_ml):g} ng/mL"
        _threshold_band(ax, float(threshold_ng_ml), band_label)
        for k, (label, _res) in enumerate(items):
            m = metrics[label]
            if m is None or m.t_onset_min is None:
                continue
            color = colors[k % len(colors)]
            x = m.t_onset_min / scale
            ax.plot([x, x], [0.0, float(threshold_ng_ml)], color=color, lw=1.0, ls=":",
                    zorder=2)
            ax.plot([x], [float(threshold_ng_ml)], marker="o", ms=7, color=color,
                    markeredgecolor="black", markeredgewidth=0.8, zorder=4, ls="none",
                    clip_on=False)
        band_handle = [h for h in ax.get_legend_handles_labels()[0]
                       if getattr(h, "get_label", lambda: "")() == band_label]
        onset_handle = plt.Line2D([], [], marker="o", ms=7, color="0.5", markeredgecolor="black",
                                  markeredgewidth=0.8, ls="none",
                                  label=f"onset: {'Ce' if series == 'ce' else 'Cp'} first reaches "
                                        f"{float(threshold_ng_ml):g} ng/mL")
        handles.extend(band_handle + [onset_handle])

    if title:
        fig.suptitle(title, fontsize=11)
    fig.legend(handles=handles, loc="outside lower center", ncol=1 if len(handles) <= 3 else 2,
               frameon=False, fontsize=9)
    return fig
