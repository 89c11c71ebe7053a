"""Virtual populations: ``ks.simulate_population`` and :class:`Population`.

N subjects whose parameters vary between individuals (an SD of eta per parameter, on the log
scale, or the logit scale for bioavailabilities; optionally correlated), whose covariates feed a
model builder, optionally with
residual error on Cp; simulated in C++ on all cores with the GIL released, reproducible from a
seed whatever the number of threads, and, given a Dask client, spread over a cluster with the
same result.

>>> import numpy as np, ketasim as ks
>>> model = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.2)
>>> regimen = ks.Regimen().infusion(dose_mg=35, duration_min=40)
>>> t = np.arange(0, 241.0)
>>> pop = ks.simulate_population(model, regimen, times_min=t, n=500, seed=7,
...                              variability={"cl": 0.3, "v1": 0.3})
>>> pop.cp_ng_ml.shape
(500, 241)
>>> s = pop.summary(percentiles=(5, 50, 95))
>>> bool(np.all(s.cp_ng_ml[0] <= s.cp_ng_ml[2]))
True
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import (Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple,
                    Union, cast)

import numpy as np

from . import _core, published as _published

__all__ = ["simulate_population", "Population", "PopulationSummary", "sd_from_cv"]

sd_from_cv = _core.sd_from_cv

_WHERE = "simulate_population"
_SERIES = ("cp", "ce", "cp_observed")
_RESIDUAL_KEYS = ("additive_ng_ml", "proportional", "exponential")


@dataclass(frozen=True)
class PopulationSummary:
    """Percentiles of the population's concentrations at each output time.

    Attributes
    ----------
    percentiles : tuple of float
        The percentiles (0-100), in the order of the rows below.
    time_min : ndarray, shape (T,)
        Output times, min.
    cp_ng_ml : ndarray, shape (len(percentiles), T)
        Percentiles of Cp, ng/mL.
    ce_ng_ml : ndarray or None
        Percentiles of Ce, ng/mL (None without an effect site).
    cp_observed_ng_ml : ndarray or None
        Percentiles of Cp with residual error (None without one).
    exact : bool
        True when computed from every subject's curve (as numpy.percentile's default);
        False when from the summaries-only histograms (each within 0.78 %).
    """

    percentiles: Tuple[float, ...]
    time_min: np.ndarray
    cp_ng_ml: np.ndarray
    ce_ng_ml: Optional[np.ndarray]
    cp_observed_ng_ml: Optional[np.ndarray]
    exact: bool

    def series(self, name: str = "cp") -> np.ndarray:
        """The (len(percentiles), T) array of ``"cp"``, ``"ce"`` or ``"cp_observed"``."""
        if name not in _SERIES:
            raise ValueError(f"PopulationSummary.series: name must be one of [cp, ce, "
                             f"cp_observed], got {name!r}")
        value = getattr(self, name + "_ng_ml")
        if value is None:
            raise ValueError(f"PopulationSummary.series: {name} must be simulated, got none "
                             f"(the model has no effect site or no residual error was given)")
        return value


class Population:
    """A simulated virtual population (returned by :func:`simulate_population`).

    Curves are read-only ``(n, T)`` NumPy views (one row per subject); per-subject metrics are
    ``(n,)`` arrays; summaries are computed on demand. Pickles (it can come back from a Dask
    worker).

    Attributes
    ----------
    time_min : ndarray, shape (T,)
        Output times, min.
    cp_ng_ml, ce_ng_ml : ndarray, shape (n, T)
        Each subject's Cp and Ce, ng/mL (ValueError when only summaries were kept).
    cp_observed_ng_ml : ndarray, shape (n, T)
        Cp with the residual error (a simulated measurement), ng/mL.
    parameters : dict[str, ndarray]
        The parameters each subject was simulated with, by the model's names.
    cmax_ng_ml, tmax_min : ndarray, shape (n,)
        Each subject's highest Cp and the first time it is reached, on the continuous solution
        between the first and last output time (as :func:`ketasim.peak` on a single result).
    ce_max_ng_ml, ce_tmax_min : ndarray, shape (n,)
        The same for Ce.
    auc_ng_min_ml : ndarray, shape (n,)
        Area under each subject's Cp from the first to the last output time, ng x min/mL.
    """

    __slots__ = ("_core",)

    def __init__(self, core: "_core.Population") -> None:
        if not isinstance(core, _core.Population):
            raise ValueError(f"Population: core must be a ketasim._core.Population, got "
                             f"{type(core).__name__}")
        self._core = core

    # -- shape and curves ------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of subjects."""
        return self._core.size

    def __len__(self) -> int:
        return self._core.size

    @property
    def first_subject(self) -> int:
        """Index of the first subject in the whole population (0 unless a chunk)."""
        return self._core.first_subject

    @property
    def time_min(self) -> np.ndarray:
        """Output times, min, shape (T,)."""
        return self._core.time_min

    @property
    def has_individual(self) -> bool:
        """Whether every subject's curves were kept."""
        return self._core.has_individual

    @property
    def has_effect_site(self) -> bool:
        """Whether Ce was simulated (the model has a ke0)."""
        return self._core.has_effect_site

    @property
    def has_observed(self) -> bool:
        """Whether Cp with residual error was simulated."""
        return self._core.has_observed

    @property
    def cp_ng_ml(self) -> np.ndarray:
        """Each subject's plasma concentration, ng/mL, shape (n, T) (read-only view)."""
        return self._core.cp_ng_ml

    @property
    def ce_ng_ml(self) -> np.ndarray:
        """Each subject's effect-site concentration, ng/mL, shape (n, T) (read-only view)."""
        return self._core.ce_ng_ml

    @property
    def cp_observed_ng_ml(self) -> np.ndarray:
        """Each subject's Cp with residual error (a measurement), ng/mL, shape (n, T)."""
        return self._core.cp_observed_ng_ml

    # -- per subject -----------------------------------------------------------------------
    @property
    def parameters(self) -> Dict[str, np.ndarray]:
        """Each subject's parameters: name -> array of shape (n,) (L, L/min, 1/min, min)."""
        matrix = self._core.parameter_matrix
        return {name: matrix[:, j] for j, name in enumerate(self._core.parameter_names)}

    @property
    def cmax_ng_ml(self) -> np.ndarray:
        """Each subject's highest Cp (as ``ks.peak``, on the continuous solution), ng/mL, (n,)."""
        return self._core.cmax_ng_ml

    @property
    def tmax_min(self) -> np.ndarray:
        """The first time each subject's highest Cp is reached, min, shape (n,)."""
        return self._core.tmax_min

    @property
    def ce_max_ng_ml(self) -> np.ndarray:
        """Each subject's highest Ce (on the continuous solution), ng/mL, shape (n,)."""
        return self._core.ce_max_ng_ml

    @property
    def ce_tmax_min(self) -> np.ndarray:
        """The first time each subject's highest Ce is reached, min, shape (n,)."""
        return self._core.ce_tmax_min

    @property
    def auc_ng_min_ml(self) -> np.ndarray:
        """Area under each subject's Cp from the first to the last output time, ng x min/mL.

        Exact (the solver's running AUC), not a trapezoid over the samples; shape (n,).
        """
        return self._core.auc_ng_min_ml

    @property
    def thresholds_ng_ml(self) -> List[float]:
        """Thresholds given to :func:`simulate_population`, ng/mL."""
        return list(self._core.thresholds_ng_ml)

    @property
    def threshold_series(self) -> str:
        """What the thresholds apply to: ``"cp"`` (default), ``"ce"`` or ``"cp_observed"``."""
        return self._core.threshold_series

    def onset_min(self, threshold_ng_ml: Optional[float] = None) -> np.ndarray:
        """Each subject's onset time for a threshold given to :func:`simulate_population`.

        The first time the concentration reaches the threshold, on the subject's continuous
        solution (as :func:`ketasim.onset`); for ``cp_observed`` (simulated measurements, which
        exist at the output times only) linearly between samples.

        Parameters
        ----------
        threshold_ng_ml : float, optional
            One of ``thresholds_ng_ml``; may be omitted when only one was given.

        Returns
        -------
        ndarray, shape (n,)
            Onset times, min; NaN for subjects that never reach it in the window.
        """
        where = "Population.onset_min"
        return self._core.onset_min(self._threshold(where, threshold_ng_ml))

    def offset_min(self, threshold_ng_ml: Optional[float] = None) -> np.ndarray:
        """Each subject's first time back below a threshold after its onset.

        Located as :meth:`onset_min`; the threshold is one given to
        :func:`simulate_population` (may be omitted when only one was given).

        Returns
        -------
        ndarray, shape (n,)
            Offset times, min; NaN for subjects that never reach the threshold, or never fall
            back below it in the window.
        """
        where = "Population.offset_min"
        return self._core.offset_min(self._threshold(where, threshold_ng_ml))

    def time_above_min(self, threshold_ng_ml: Optional[float] = None) -> np.ndarray:
        """Each subject's total time at or above a threshold, min, shape (n,).

        Between the first and last output time, crossings located as in :meth:`onset_min`;
        0 for subjects that never reach it.
        """
        where = "Population.time_above_min"
        return self._core.time_above_min(self._threshold(where, threshold_ng_ml))

    def _threshold(self, where: str, threshold_ng_ml: Optional[float]) -> float:
        if threshold_ng_ml is None:
            thresholds = self.thresholds_ng_ml
            if len(thresholds) != 1:
                raise ValueError(f"{where}: threshold_ng_ml must be given (one of "
                                 f"{thresholds}), got None")
            threshold_ng_ml = thresholds[0]
        return _positive(where, "threshold_ng_ml", threshold_ng_ml)

    # -- summaries -------------------------------------------------------------------------
    def summary(self, percentiles: Sequence[float] = (5, 50, 95)) -> PopulationSummary:
        """Percentiles of Cp (and Ce, observed Cp) over subjects at each time.

        Parameters
        ----------
        percentiles : sequence of float
            Percentiles in [0, 100] (default 5, 50, 95: the median and a 90 % band).

        Returns
        -------
        PopulationSummary
            Arrays of shape (len(percentiles), T). Exact (numpy.percentile's linear rule) when
            curves were kept; from streaming histograms, within 0.78 %, otherwise.
        """
        pct = _percentiles(percentiles)
        core = self._core
        return PopulationSummary(
            percentiles=tuple(pct),
            time_min=np.array(core.time_min),
            cp_ng_ml=core.percentiles(pct, "cp"),
            ce_ng_ml=core.percentiles(pct, "ce") if core.has_effect_site else None,
            cp_observed_ng_ml=core.percentiles(pct, "cp_observed") if core.has_observed else None,
            exact=core.has_individual,
        )

    def fraction_above(self, threshold_ng_ml: float, series: str = "cp",
                       cumulative: bool = True) -> np.ndarray:
        """Fraction of subjects whose concentration has reached a threshold by each output time.

        Counted at the sampled times: a subject above the threshold only between two output
        times is not counted (:meth:`onset_min` locates crossings between samples).

        Parameters
        ----------
        threshold_ng_ml : float
            Threshold, ng/mL. Any value when curves were kept; one of ``thresholds_ng_ml``
            otherwise.
        series : {"cp", "ce", "cp_observed"}
            Which concentration (default Cp, as everywhere in ketasim).
        cumulative : bool
            True (default): reached at or before each output time (the population's onset
            curve, never decreasing). False: at or above the threshold at that time.

        Returns
        -------
        ndarray, shape (T,)
            Fractions in [0, 1].
        """
        if series not in _SERIES:
            raise ValueError(f"Population.fraction_above: series must be one of [cp, ce, "
                             f"cp_observed], got {series!r}")
        thr = _positive("Population.fraction_above", "threshold_ng_ml", threshold_ng_ml)
        return self._core.fraction_above(thr, cast(Any, series), bool(cumulative))

    def to_dataset(self, regimen: "_core.Regimen", cmt: Optional[Mapping[int, str]] = None):
        """The population as a NONMEM-style dataset (a ``ketasim.DatasetResult``): per subject
        the regimen's doses and one observation per output time with DV, ``cp_ng_ml`` and the
        subject's parameters (``ketasim.dataset.population_dataset`` describes the columns);
        ``to_csv(path)`` writes it for NONMEM or nlmixr2. ``cmt`` maps CMT numbers to the
        regimen's compartment and route names."""
        from .dataset import population_dataset
        return population_dataset(self, regimen, cmt)

    def __repr__(self) -> str:
        return repr(self._core)

    def __getstate__(self) -> Dict[str, Any]:
        return {"core": self._core}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self._core = state["core"]


# -- argument checks -----------------------------------------------------------------------

def _positive(where: str, field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{where}: {field} must be a number > 0 ng/mL, got {value!r}")
    v = float(value)
    if not (v > 0.0 and math.isfinite(v)):
        raise ValueError(f"{where}: {field} must be > 0 ng/mL, got {value!r}")
    return v


def _percentiles(percentiles: Any) -> List[float]:
    if isinstance(percentiles, (str, bytes)) or not isinstance(percentiles, Iterable):
        raise ValueError(f"Population.summary: percentiles must be a sequence of numbers in "
                         f"[0, 100], got {percentiles!r}")
    out = []
    for p in percentiles:
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= float(p) <= 100:
            raise ValueError(f"Population.summary: percentiles must be numbers in [0, 100], "
                             f"got {p!r}")
        out.append(float(p))
    if not out:
        raise ValueError("Population.summary: percentiles must be non-empty, got []")
    return out


def _per_subject(values: Optional[Mapping[str, Any]], field: str) -> Dict[str, np.ndarray]:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise ValueError(f"{_WHERE}: {field} must be a dict of name -> one value per subject, "
                         f"got {values!r}")
    out = {}
    for name, v in values.items():
        if not isinstance(name, str):
            raise ValueError(f"{_WHERE}: {field} keys must be names (str), got {name!r}")
        a = np.asarray(v, dtype=float) if not isinstance(v, (str, bytes)) else None
        if a is None or a.ndim != 1:
            raise ValueError(f"{_WHERE}: {field}[{name!r}] must be a 1-D sequence of numbers "
                             f"(one per subject), got {v!r}")
        out[name] = np.ascontiguousarray(a)
    return out


def _residual(residual_error: Any) -> Tuple[float, float, float]:
    if residual_error is None:
        return 0.0, 0.0, 0.0
    if not isinstance(residual_error, Mapping):
        raise ValueError(f"{_WHERE}: residual_error must be a dict with additive_ng_ml, "
                         f"proportional or exponential, or 'published', got {residual_error!r}")
    unknown = [k for k in residual_error if k not in _RESIDUAL_KEYS]
    if unknown:
        raise ValueError(f"{_WHERE}: residual_error keys must be in [additive_ng_ml, "
                         f"proportional, exponential], got {unknown[0]!r}")
    values = []
    for key in _RESIDUAL_KEYS:
        v = residual_error.get(key, 0.0)
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise ValueError(f"{_WHERE}: residual_error[{key!r}] must be a number >= 0, "
                             f"got {v!r}")
        values.append(float(v))
    return values[0], values[1], values[2]


def _thresholds(thresholds_ng_ml: Any) -> List[float]:
    if thresholds_ng_ml is None:
        return []
    if isinstance(thresholds_ng_ml, numbers.Real) and not isinstance(thresholds_ng_ml, bool):
        return [float(thresholds_ng_ml)]
    if isinstance(thresholds_ng_ml, (str, bytes)) or not isinstance(thresholds_ng_ml, Iterable):
        raise ValueError(f"{_WHERE}: thresholds_ng_ml must be a number or a sequence of numbers "
                         f"(ng/mL), got {thresholds_ng_ml!r}")
    out = []
    for v in thresholds_ng_ml:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise ValueError(f"{_WHERE}: thresholds_ng_ml must be numbers (ng/mL), got {v!r}")
        out.append(float(v))
    return out


def _count(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < minimum:
        raise ValueError(f"{_WHERE}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


# -- the entry point -----------------------------------------------------------------------

def simulate_population(
    model: Union["_core.Model", Callable[..., "_core.Model"]],
    regimen: "_core.Regimen",
    times_min: Any,
    *,
    n: Optional[int] = None,
    seed: int = 0,
    threads: Optional[int] = None,
    variability: Union[None, str, Mapping[str, float]] = None,
    correlation: Any = None,
    parameters: Optional[Mapping[str, Any]] = None,
    covariates: Union[None, str, Mapping[str, Any]] = None,
    residual_error: Union[None, str, Mapping[str, float]] = None,
    variability_override: Optional[Mapping[str, float]] = None,
    thresholds_ng_ml: Any = (),
    threshold_series: str = "cp",
    keep_individual: bool = True,
    method: str = "exact",
    rtol: float = 1e-8,
    atol: float = 1e-9,
    max_steps: int = 1_000_000,
    client: Any = None,
    chunk_size: Optional[int] = None,
) -> Population:
    """Simulates a virtual population of a model under a regimen.

    Subject i's parameters are its typical values (the model's, or those of the model built
    from its covariates), replaced by ``parameters`` where given, then varied by eta_i (normal,
    SD from ``variability``) on each parameter's scale:

    - log scale, P_i = P exp(eta_i), for volumes, clearances, rates, ka, ke0, lag times and
      durations (positive values stay positive);
    - logit scale, logit P_i = logit P + eta_i, for bioavailabilities ("<route>.f"), which stay
      in (0, 1) as in published models (Perez-Ruixo's FRn); a typical F of exactly 1 has no
      logit, so varying it is a ValueError ("must be < 1 to vary on the logit scale").

    Subject i's random numbers depend only on ``seed`` and i: the result is the same whatever
    ``threads``, and with a Dask ``client`` whatever the chunks.

    Parameters
    ----------
    model : Model or callable
        The model (parameter names from ``model.parameter_names()``: "cl", "v1", ...,
        "intranasal.ka"). With ``covariates``, a callable taking them as keyword arguments and
        returning the subject's typical Model, e.g.
        ``lambda weight_kg, age_yr: ks.models.get("perezruixo2021", weight_kg=..., ...)``.
    regimen : Regimen
        The doses, the same for every subject.
    times_min : array_like of float, shape (T,)
        Output times, min (sorted, >= 0).
    n : int, optional
        Number of subjects; may be omitted when ``parameters`` or ``covariates`` give one value
        per subject.
    seed : int
        Seed of the random streams (>= 0).
    threads : int, optional
        Worker threads; None (default) or 0: all cores, as in C++. The GIL is released while
        subjects run (on copies of ``model`` and ``regimen``).
    variability : dict[str, float] or "published", optional
        SD of eta by parameter name, e.g. ``{"cl": 0.3}`` (on the log scale about 30 %CV;
        ``ks.sd_from_cv(cv_percent)`` converts a %CV, sqrt(omega^2) a variance); on the logit
        scale for bioavailabilities (see above). ``"published"``: the between-subject
        variability the model's paper publishes (``ks.models.info(key)["variability"]``), for a
        model from ``ks.models.get(key, ...)``: the SDs, their correlations, and route
        fractions such as Perez-Ruixo's FRn (logit-normal; each subject gets its own route).
        None (the default) simulates typical values only, catalogue model or not; a model
        whose source publishes no variability raises ValueError with ``"published"``.
    variability_override : dict[str, float], optional
        With ``variability="published"``: the SD of eta of a parameter by name (ketasim's, or
        the paper's such as ``"FRn"``), on its published scale; 0 removes its variability.
    correlation : array_like, shape (k, k), optional
        Correlation of the etas, rows and columns in the order of ``variability``.
    parameters : dict[str, array_like], optional
        One typical value per subject by parameter name (e.g. individual estimates of a fit).
    covariates : dict[str, array_like] or "published", optional
        One value per subject by covariate name, passed to ``model`` (a callable).
        ``"published"`` (a catalogue model with ``variability="published"``): draws each
        subject's covariates from the studied population as its paper reports it (e.g.
        Perez-Ruixo's 13.7 % Asian, 72 of them Japanese; Herd's weight 32.5, SD 15.6 kg);
        covariates without a published distribution keep the model's own values.
    residual_error : dict or "published", optional
        ``{"proportional": 0.2, "additive_ng_ml": 1.0}``: observed Cp = Cp (1 + 0.2 e1)
        + 1.0 e2, e1 and e2 standard normal (``Population.cp_observed_ng_ml``);
        ``{"exponential": 0.276}``: Cp exp(0.276 e) (error additive on log-transformed data).
        ``"published"``: the model's published residual error on Cp.
    thresholds_ng_ml : float or sequence of float
        Thresholds whose onset, offset and time above each subject gets
        (``Population.onset_min``, ``offset_min``, ``time_above_min``) and whose fractions at
        the output times are counted (``Population.fraction_above``; needed up front when
        ``keep_individual`` is False).
    threshold_series : {"cp", "ce", "cp_observed"}
        What the thresholds apply to (default Cp, as everywhere in ketasim).
    keep_individual : bool
        Keep every subject's curves (default). False keeps only per-subject metrics,
        threshold counts and streaming histograms for percentiles: memory no longer grows with
        n x T. Results that would not fit in memory (more than half the physical memory) are
        refused before anything is allocated, with a ValueError naming n and the number of
        times.
    method : {"exact", "ode", "ode_stiff"}
        Solver (exact: matrix exponential, the fast path).
    rtol, atol, max_steps
        ODE tolerances and step limit (as ``ks.simulate``).
    client : dask.distributed.Client, optional
        Spread chunks of subjects over the cluster's workers (needs ``pip install
        'ketasim[dask]'``); the result equals the single-machine run.
    chunk_size : int, optional
        Subjects per Dask task (default: n split into 4 tasks per worker, at least 1000).
    Returns
    -------
    Population

    Raises
    ------
    ValueError
        Bad input, naming the field and value (e.g. an unknown parameter in ``variability``).

    Examples
    --------
    >>> import numpy as np, ketasim as ks
    >>> model = ks.Model(cl=1.2, v1=15.0, ke0=0.2,
    ...                  routes={"intranasal": ks.Absorption(ka=0.05, f=0.45)})
    >>> spray = ks.Regimen().nasal_spray(dose_mg=56)
    >>> pop = ks.simulate_population(model, spray, times_min=np.arange(0, 121.0), n=200,
    ...                              seed=1, variability={"intranasal.ka": 0.4},
    ...                              thresholds_ng_ml=100, threshold_series="ce")
    >>> onset_by_30_min = pop.fraction_above(100, "ce")[30]
    >>> bool(0.0 <= onset_by_30_min <= 1.0)
    True
    """
    if not isinstance(regimen, _core.Regimen):
        raise ValueError(f"{_WHERE}: regimen must be a ketasim.Regimen, got "
                         f"{type(regimen).__name__}")
    given = _per_subject(parameters, "parameters")
    covs = _per_subject(None if isinstance(covariates, str) else covariates, "covariates")
    sizes = {len(v) for v in list(given.values()) + list(covs.values())}
    if n is None:
        if not sizes:
            raise ValueError(f"{_WHERE}: n must be given (no per-subject parameters or "
                             f"covariates to count), got None")
        n = max(sizes)
    n = _count("n", n, 1)
    seed = _count("seed", seed, 0)
    threads = 0 if threads is None else _count("threads", threads, 0)
    spec = None
    if isinstance(variability, str) or isinstance(covariates, str) or isinstance(
            residual_error, str):
        model, variability, correlation, covs, residual_error, spec = _use_published(
            model, variability, correlation, covariates, residual_error, variability_override,
            covs, n, seed)
    elif variability_override is not None:
        raise ValueError(f"{_WHERE}: variability_override must be given only with "
                         f"variability='published', got {variability_override!r}")
    if variability is not None and not isinstance(variability, Mapping):
        raise ValueError(f"{_WHERE}: variability must be a dict of parameter name -> SD of the "
                         f"log-parameter, or 'published', got {variability!r}")
    corr = None if correlation is None else np.asarray(correlation, dtype=float)
    additive, proportional, exponential = _residual(residual_error)
    thresholds = _thresholds(thresholds_ng_ml)
    if threshold_series not in _SERIES:
        raise ValueError(f"{_WHERE}: threshold_series must be one of [cp, ce, cp_observed], got "
                         f"{threshold_series!r}")

    model_for = None
    if isinstance(model, _core.Model):
        if covs:
            raise ValueError(f"{_WHERE}: model must be a callable building a Model from the "
                             f"covariates ({', '.join(covs)}) when covariates are given, got a "
                             f"Model")
        reference = model
    elif callable(model):
        if not covs:
            raise ValueError(f"{_WHERE}: covariates must be given when model is a callable, "
                             f"got none")
        first = {k: float(v[0]) for k, v in covs.items() if len(v) > 0}
        reference = model(**first)
        if not isinstance(reference, _core.Model):
            raise ValueError(f"{_WHERE}: model(...) must return a ketasim.Model, got "
                             f"{type(reference).__name__}")
        model_for = model
    else:
        raise ValueError(f"{_WHERE}: model must be a ketasim.Model or a callable returning one, "
                         f"got {type(model).__name__}")

    options: Dict[str, Any] = dict(variability=None if variability is None else dict(variability),
                   correlation=corr, model_for=model_for, additive_ng_ml=additive,
                   proportional=proportional, exponential=exponential,
                   keep_individual=bool(keep_individual),
                   thresholds_ng_ml=thresholds, threshold_series=threshold_series,
                   method=method, rtol=float(rtol), atol=float(atol), max_steps=int(max_steps))
    if client is None:
        core = _core.simulate_population(reference, regimen, times_min, n=n, seed=seed,
                                         threads=threads, parameters=given or None,
                                         covariates=covs or None, **options)
        return Population(core)
    return Population(_simulate_on_dask(client, reference, regimen, times_min, n, seed, threads,
                                        given, covs, options, chunk_size))


# -- published variability -----------------------------------------------------------------

def _use_published(model: Any, variability: Any, correlation: Any, covariates: Any,
                   residual_error: Any, override: Any, covs: Dict[str, np.ndarray],
                   n: Optional[int], seed: Any) -> Tuple[Any, ...]:
    """The arguments a published population runs with (see simulate_population)."""
    for name, value in (("variability", variability), ("covariates", covariates),
                        ("residual_error", residual_error)):
        if isinstance(value, str) and value != "published":
            raise ValueError(f"{_WHERE}: {name} must be 'published' or a dict, got {value!r}")
    key, base_covs, options = _published.catalogue_of(model, _WHERE)
    if variability == "published":
        if correlation is not None:
            raise ValueError(f"{_WHERE}: correlation must be None with variability='published' "
                             f"(the published correlations are used), got {correlation!r}")
        spec = _published.resolve(key, override, _WHERE)
        variability, correlation = spec.variability, spec.correlation
    else:
        if override is not None:
            raise ValueError(f"{_WHERE}: variability_override must be given only with "
                             f"variability='published', got {override!r}")
        spec = _published.resolve(key, {}, _WHERE) if _core.models_info(key)["variability"][
            "parameters"] else _published.PublishedSpec(
                key, {}, None, residual=None, covariates=list(
                    _core.models_info(key)["variability"]["covariates"]))
        spec.route_fractions = []
    if residual_error == "published":
        if spec.residual is None:
            raise ValueError(f"{_WHERE}: residual_error must be a dict for {key}, whose source "
                             f"publishes no residual error on Cp, got 'published'")
        residual_error = {k: v for k, v in _published.residual_arguments(spec.residual).items()
                          if v > 0.0}
    if n is None:
        sizes = {len(v) for v in covs.values()}
        if not sizes:
            raise ValueError(f"{_WHERE}: n must be given with published variability, got None")
        n = max(sizes)
    n = _count("n", n, 1)
    seed_value = _count("seed", seed, 0)
    per_subject: Dict[str, np.ndarray] = dict(covs)
    if covariates == "published":
        drawn = _published.draw_covariates(spec, n, seed_value, base_covs, _WHERE)
        for k, v in drawn.items():
            per_subject.setdefault(k, v)
    if spec.route_fractions or per_subject:
        for k, v in base_covs.items():
            per_subject.setdefault(k, np.full(n, float(v)))
        etas = _published.draw_route_etas(spec, n, seed_value)
        for i, f in enumerate(spec.route_fractions):
            per_subject[f"eta_{i}"] = etas[f["target"]]
        model = _published.route_fraction_builder(key, options, spec)
    return model, variability, correlation, per_subject, residual_error, spec


# -- Dask ----------------------------------------------------------------------------------

def _run_chunk(model: "_core.Model", regimen: "_core.Regimen", times_min: np.ndarray, first: int,
               count: int, seed: int, threads: int, given: Dict[str, np.ndarray],
               covs: Dict[str, np.ndarray], options: Dict[str, Any]) -> "_core.Population":
    """One Dask task: subjects [first, first + count) of the population."""
    return _core.simulate_population(model, regimen, times_min, n=count, seed=seed,
                                     first_subject=first, threads=threads,
                                     parameters=given or None, covariates=covs or None, **options)


def _simulate_on_dask(client: Any, model: "_core.Model", regimen: "_core.Regimen",
                      times_min: Any, n: int, seed: int, threads: int,
                      given: Dict[str, np.ndarray], covs: Dict[str, np.ndarray],
                      options: Dict[str, Any], chunk_size: Optional[int]) -> "_core.Population":
    if not (hasattr(client, "submit") and hasattr(client, "gather")):
        raise ValueError(f"{_WHERE}: client must be a dask.distributed.Client, got "
                         f"{type(client).__name__}")
    if chunk_size is None:
        try:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
        except Exception:  # pragma: no cover - a client without scheduler_info
            workers = 1
        chunk_size = max(1000, -(-n // (4 * workers)))
    chunk_size = _count("chunk_size", chunk_size, 1)
    times = np.ascontiguousarray(np.asarray(times_min, dtype=float))
    # Each task simulates its slice on one thread unless told otherwise: Dask's workers give
    # the parallelism. Subject i's random stream depends on (seed, i) only, so the joined result
    # equals the single-machine run.
    task_threads = threads if threads > 0 else 1
    futures = []
    for first in range(0, n, chunk_size):
        count = min(chunk_size, n - first)
        part_given = {k: v[first:first + count] for k, v in given.items()}
        part_covs = {k: v[first:first + count] for k, v in covs.items()}
        futures.append(client.submit(_run_chunk, model, regimen, times, first, count, seed,
                                     task_threads, part_given, part_covs, options, pure=False))
    parts = client.gather(futures)
    return _core.Population.concatenate(parts)
