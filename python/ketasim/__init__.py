"""ketasim: ketamine pharmacokinetics in Python.

Plasma (Cp) and effect-site (Ce) concentrations over time for IV, intranasal and other routes,
from linear compartment models solved exactly (matrix exponential) or by ODE. Units: mg, L,
minutes inside; concentrations in ng/mL.

>>> import numpy as np, ketasim as ks
>>> model = ks.Model(cl=1.2, v1=15.0, ke0=0.2)
>>> res = ks.simulate(model, ks.Regimen().infusion(dose_mg=35, duration_min=40), np.arange(0, 121.0))
>>> res.cp_ng_ml.shape
(121,)
"""

from importlib.metadata import PackageNotFoundError, version

from ._core import (
    METHODS,
    Absorption,
    DoseRecord,
    InvalidInput,
    Model,
    OnsetMetrics,
    Peak,
    Regimen,
    Result,
    SolverError,
    TciController,
    TciResult,
    ThresholdTimes,
    auc_ng_min_ml,
    context_sensitive_half_time,
    decrement_time,
    mg_per_kg,
    onset,
    peak,
    simulate,
    simulate_events,
    tci,
    threshold_times,
)
from . import plot
from . import models
from .population import Population, PopulationSummary, sd_from_cv, simulate_population
from .dataset import DatasetResult, read_dataset, simulate_dataset
from .fit import IndividualFit, fit_individual

try:
    __version__ = version("ketasim")
except PackageNotFoundError:  # pragma: no cover - only when run from an uninstalled tree
    __version__ = "0+unknown"

__all__ = [
    "METHODS",
    "Absorption",
    "DatasetResult",
    "DoseRecord",
    "IndividualFit",
    "InvalidInput",
    "Model",
    "OnsetMetrics",
    "Peak",
    "Population",
    "PopulationSummary",
    "Regimen",
    "Result",
    "SolverError",
    "TciController",
    "TciResult",
    "ThresholdTimes",
    "__version__",
    "auc_ng_min_ml",
    "context_sensitive_half_time",
    "decrement_time",
    "fit_individual",
    "mg_per_kg",
    "models",
    "onset",
    "peak",
    "read_dataset",
    "plot",
    "sd_from_cv",
    "simulate",
    "simulate_dataset",
    "simulate_events",
    "simulate_population",
    "tci",
    "threshold_times",
]
