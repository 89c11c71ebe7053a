"""Figures of ketasim results with matplotlib (an optional extra: ``pip install ketasim[plot]``).

Each public function draws one kind of figure and returns the ``matplotlib.figure.Figure``; the
helpers below (panels, threshold band, units) are shared so that a new kind of figure is one more
function. matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, cast

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ._core import Model, OnsetMetrics, Result, TciResult

__all__ = ["context_sensitive_half_time", "onset", "population", "tci"]

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
    series: str = "cp",
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
    series : {"cp", "ce"}
        Which concentration the threshold is about (default Cp, as in ``ketasim.onset``; Cp
        also when there is no Ce).
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


# -- populations (ks.simulate_population) ----------------------------------------------------

def population(
    populations: Mapping[str, Any],
    threshold_ng_ml: Optional[float] = None,
    *,
    series: str = "cp",
    percentiles: Sequence[float] = (5, 50, 95),
    title: Optional[str] = None,
    time_unit: str = "min",
    figsize: Sequence[float] = (9.0, 9.0),
) -> "Figure":
    """Population Cp and Ce bands per regimen, and the fraction of subjects over a threshold.

    One colour per regimen: the middle percentile (the median by default) as a line, the band
    between the outer percentiles (5-95 % by default) shaded, on a Cp panel and a Ce panel (Cp
    only when no population has an effect site). With a threshold, a last panel shows the
    fraction of subjects whose ``series`` has reached it by each time (the population's onset
    curve); the legend gives when half of the subjects have.

    Parameters
    ----------
    populations : dict[str, Population]
        Populations by legend label, e.g. ``{"IV 35 mg / 40 min": pop_iv, ...}``.
    threshold_ng_ml : float, optional
        Concentration threshold, ng/mL (> 0). Any value when the populations kept their
        curves; one simulated up front (``thresholds_ng_ml``) otherwise.
    series : {"cp", "ce"}
        Which concentration the threshold is about (default Cp, as in ``ketasim.onset``; Cp
        also when there is no Ce).
    percentiles : (float, float, float)
        Lower band edge, line, upper band edge (0-100, increasing).
    title : str, optional
        Figure title.
    time_unit : {"min", "h"}
        Unit of the time axis.
    figsize : (float, float)
        Figure size, inches.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        On an empty or non-Population input, bad percentiles, threshold, series or time unit.
    ImportError
        When matplotlib is not installed.

    Examples
    --------
    >>> import numpy as np, ketasim as ks, matplotlib
    >>> matplotlib.use("Agg")
    >>> model = ks.Model(cl=1.2, v1=15.0, ke0=0.2)
    >>> iv = ks.simulate_population(model, ks.Regimen().infusion(dose_mg=35, duration_min=40),
    ...                             times_min=np.arange(0, 121.0), n=200, seed=1,
    ...                             variability={"cl": 0.3, "v1": 0.3})
    >>> fig = ks.plot.population({"IV 35 mg over 40 min": iv}, threshold_ng_ml=100)
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['Plasma Cp (ng/mL)', 'Effect site Ce (ng/mL)', 'Subjects reached (%)']
    """
    from .population import Population
    from . import _core

    where = "plot.population"
    if not isinstance(populations, Mapping) or len(populations) == 0:
        raise ValueError(f"{where}: populations must be a non-empty dict {{label: Population}}, "
                         f"got {populations!r}")
    items: List[Tuple[str, Population]] = []
    for label, pop in populations.items():
        if isinstance(pop, _core.Population):
            pop = Population(pop)
        if not isinstance(pop, Population):
            raise ValueError(f"{where}: populations[{label!r}] must be a ketasim.Population, got "
                             f"{type(pop).__name__}")
        items.append((str(label), pop))
    scale = _check_time_unit(time_unit)
    if series not in SERIES_LABELS:
        raise ValueError(f"{where}: series must be one of [cp, ce], got {series!r}")
    pct = [float(p) for p in percentiles] if not isinstance(percentiles, (str, bytes)) else []
    if len(pct) != 3 or not all(0.0 <= p <= 100.0 for p in pct) or not pct[0] < pct[1] < pct[2]:
        raise ValueError(f"{where}: percentiles must be three increasing numbers in [0, 100] "
                         f"(band low, line, band high), got {percentiles!r}")
    thr = None
    if threshold_ng_ml is not None:
        thr = float(threshold_ng_ml)
        if not (thr > 0.0 and thr < float("inf")):
            raise ValueError(f"{where}: threshold_ng_ml must be > 0 ng/mL, got "
                             f"{threshold_ng_ml!r}")
    with_ce = any(pop.has_effect_site for _, pop in items)
    if series == "ce" and not with_ce:
        series = "cp"
    panels = ["cp", "ce"] if with_ce else ["cp"]
    if thr is not None:
        panels.append("fraction")

    plt = _pyplot()
    heights = [3.0] * (len(panels) - (1 if thr is not None else 0)) + ([2.0] if thr else [])
    fig, axes_arr = plt.subplots(len(panels), 1, sharex=True, figsize=tuple(figsize),
                                 squeeze=False, layout="constrained",
                                 gridspec_kw={"height_ratios": heights})
    axes: Dict[str, "Axes"] = {name: axes_arr[i][0] for i, name in enumerate(panels)}
    colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    band_text = f"{pct[0]:g}-{pct[2]:g} %"
    line_text = "median" if pct[1] == 50.0 else f"{pct[1]:g}th percentile"

    handles: List[Any] = []
    for k, (label, pop) in enumerate(items):
        color = colors[k % len(colors)]
        summary = pop.summary(percentiles=pct)
        t = summary.time_min / scale
        legend_label = f"{label} (n = {pop.n})"
        for name in ("cp", "ce"):
            if name not in axes or (name == "ce" and not pop.has_effect_site):
                continue
            q = summary.series(name)
            axes[name].fill_between(t, q[0], q[2], color=color, alpha=0.18, lw=0)
            (line,) = axes[name].plot(t, q[1], color=color, lw=1.8, label=legend_label)
            if name == "cp":
                handles.append(line)
        if thr is not None and (series == "cp" or pop.has_effect_site):
            frac = pop.fraction_above(thr, series=series)
            axes["fraction"].plot(t, 100.0 * frac, color=color, lw=1.8)
            half = np.flatnonzero(frac >= 0.5)
            note = (f"half by {summary.time_min[half[0]]:g} min" if half.size else
                    f"{100.0 * frac[-1]:.0f} % by {summary.time_min[-1]:g} min")
            handles[-1].set_label(legend_label + f"; {note}")

    for name, ax in axes.items():
        ax.set_ylabel(SERIES_LABELS[name] if name != "fraction" else "Subjects reached (%)")
        ax.set_xlim(left=min(float(p.time_min[0]) for _, p in items) / scale,
                    right=max(float(p.time_min[-1]) for _, p in items) / scale)
        ax.set_ylim(bottom=0.0)
        ax.grid(True, color="0.9", lw=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[panels[-1]].set_xlabel(_time_label(time_unit))
    band_handle = plt.Rectangle((0, 0), 1, 1, color="0.5", alpha=0.25, lw=0,
                                label=f"line: {line_text}; band: {band_text} of subjects")
    handles.append(band_handle)
    if thr is not None:
        which = "Ce" if series == "ce" else "Cp"
        axes["fraction"].set_ylim(0.0, 100.0)
        axes["fraction"].set_title(f"Subjects whose {which} has reached {thr:g} ng/mL",
                                   fontsize=9, loc="left")
        _threshold_band(axes[series], thr, f"{which} ≥ {thr:g} ng/mL")
        handles.extend(h for h in axes[series].get_legend_handles_labels()[0]
                       if getattr(h, "get_label", lambda: "")().startswith(which + " ≥"))
    if title:
        fig.suptitle(title, fontsize=11)
    fig.legend(handles=handles, loc="outside lower center", ncol=1 if len(handles) <= 3 else 2,
               frameon=False, fontsize=9)
    return fig



def _style(ax: "Axes") -> None:
    ax.grid(True, color="0.9", lw=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def tci(
    result: "TciResult",
    model: Optional["Model"] = None,
    *,
    title: Optional[str] = None,
    figsize: Sequence[float] = (9.0, 6.5),
) -> "Figure":
    """A target-controlled infusion: Cp, Ce and the target above, the pump's rate below.

    Parameters
    ----------
    result : TciResult
        From ``ketasim.tci``.
    model : Model, optional
        The model the schedule was computed for: Cp and Ce are then drawn every second (the
        schedule's regimen simulated), not only at the updates.
    title : str, optional
        Figure title.
    figsize : (float, float)
        Figure size, inches.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import ketasim as ks, matplotlib
    >>> matplotlib.use("Agg")
    >>> m = ks.models.get("domino1984", weight_kg=70, ke0_source="sleigh2019")
    >>> fig = ks.plot.tci(ks.tci(m, [(0, 150), (30, 100)], mode="effect"), m)
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['Concentration (ng/mL)', 'Rate (mg/min)']
    """
    from ._core import TciResult

    if not isinstance(result, TciResult):
        raise ValueError(f"plot.tci: result must be a ketasim.TciResult, got "
                         f"{type(result).__name__}")
    plt = _pyplot()
    fig, (ax_c, ax_r) = plt.subplots(2, 1, sharex=True, figsize=tuple(figsize),
                                     height_ratios=(2.0, 1.0), layout="constrained")
    t = result.time_min
    tc, cp, ce = t, result.cp_ng_ml, result.ce_ng_ml
    if model is not None:
        from ._core import simulate

        tc = np.linspace(float(t[0]), float(t[-1]), int(round(float(t[-1]) * 60.0)) + 1)
        sim = simulate(model, result.regimen, tc)
        cp = sim.cp_ng_ml
        ce = sim.ce_ng_ml if sim.has_effect_site else None
    ax_c.plot(tc, cp, color="C0", lw=1.8, label="Cp (plasma)")
    if ce is not None:
        ax_c.plot(tc, ce, color="C1", lw=1.8, label="Ce (effect site)")
    ax_c.step(t, result.target_ng_ml, where="post", color="0.3", lw=1.0, ls="--",
              label=f"{'Ce' if result.mode == 'effect' else 'Cp'} target")
    if result.time_to_target_min is not None:
        ax_c.axvline(result.time_to_target_min, color="0.5", lw=0.8, ls=":",
                     label=f"target reached at {result.time_to_target_min:.2f} min")
    rate = np.append(result.rate_mg_per_min, result.rate_mg_per_min[-1:])
    ax_r.step(t, rate, where="post", color="C2", lw=1.4)
    ax_r.fill_between(t, rate, step="post", color="C2", alpha=0.2, lw=0)
    ax_c.set_ylabel("Concentration (ng/mL)")
    ax_r.set_ylabel("Rate (mg/min)")
    ax_r.set_xlabel(_time_label("min"))
    ax_r.set_title(f"{result.total_dose_mg:.1f} mg in {float(t[-1]):g} min "
                   f"({result.update_s:g}-s updates)", fontsize=9, loc="left")
    for ax in (ax_c, ax_r):
        ax.set_xlim(float(t[0]), float(t[-1]))
        ax.set_ylim(bottom=0.0)
        _style(ax)
    ax_c.legend(frameon=False, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def context_sensitive_half_time(
    models: Mapping[str, "Model"],
    durations_min: Optional[Sequence[float]] = None,
    *,
    site: str = "plasma",
    title: Optional[str] = None,
    figsize: Sequence[float] = (8.0, 5.0),
) -> "Figure":
    """The context-sensitive half-time of several models against the infusion's duration.

    For each duration Cp is held constant by an infusion for that long, then stopped; the curve
    is the time for Cp (or Ce) to fall by half (``ketasim.context_sensitive_half_time``).

    Parameters
    ----------
    models : dict[str, Model]
        Models by legend label.
    durations_min : sequence of float, optional
        Infusion durations, min (default 1 min to 8 h).
    site : {"plasma", "effect"}
        Whose concentration falls by half.
    title : str, optional
        Figure title.
    figsize : (float, float)
        Figure size, inches.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import ketasim as ks, matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = ks.plot.context_sensitive_half_time(
    ...     {"Domino 1984": ks.models.get("domino1984", weight_kg=70)})
    >>> fig.axes[0].get_xlabel()
    'Infusion duration (h)'
    """
    from ._core import Model
    from ._core import context_sensitive_half_time as csht

    if not isinstance(models, Mapping) or len(models) == 0:
        raise ValueError(f"plot.context_sensitive_half_time: models must be a non-empty dict "
                         f"{{label: Model}}, got {models!r}")
    for label, m in models.items():
        if not isinstance(m, Model):
            raise ValueError(f"plot.context_sensitive_half_time: models[{label!r}] must be a "
                             f"ketasim.Model, got {type(m).__name__}")
    d = (np.concatenate([np.arange(1.0, 60.0, 1.0), np.arange(60.0, 480.0 + 1e-9, 5.0)])
         if durations_min is None else np.asarray(durations_min, dtype=float))
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=tuple(figsize), layout="constrained")
    for label, m in models.items():
        ax.plot(d / 60.0, csht(m, d, site=site), lw=1.8, label=str(label))
    ax.set_xlabel("Infusion duration (h)")
    which = "Ce" if site == "effect" else "Cp"
    ax.set_ylabel(f"Time for {which} to fall 50 % (min)")
    ax.set_xlim(0.0, float(d[-1]) / 60.0)
    ax.set_ylim(bottom=0.0)
    _style(ax)
    ax.legend(frameon=False, fontsize=9)
    ax.set_title(title or f"Context-sensitive half-time ({which} held constant, then stopped)",
                 fontsize=11)
    return fig
