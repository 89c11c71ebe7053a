"""Type stubs of ketasim._core, the compiled engine (units: mg, L, min; concentrations ng/mL)."""

from typing import Any, Dict, Iterator, List, Literal, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

_FloatArray = npt.NDArray[np.float64]
_Times = Union[Sequence[float], npt.NDArray[np.floating], npt.NDArray[np.integer]]
_Paths = Union["Absorption", Sequence["Absorption"]]
_Method = Literal["exact", "ode", "ode_stiff"]
_Series = Literal["ce", "cp"]

METHODS: Tuple[str, str, str]
MAX_TIMES: int
"""Most output times simulate and simulate_population accept (10,000,000)."""

class InvalidInput(ValueError):
    """Bad input; the message names the place, the field and the value."""

class SolverError(RuntimeError):
    """A numerical method failed on valid input (e.g. the ODE step limit)."""

class Absorption:
    """One absorption path of an extravascular route."""

    ka: float
    """First-order absorption rate constant, 1/min (0: no depot)."""
    f: float
    """Bioavailability, > 0 (above 1: relative to a reference route)."""
    tlag: float
    """Lag time, min."""
    duration: float
    """Zero-order input duration, min (0: instantaneous)."""
    fraction: float
    """Fraction of each dose sent down this path, in (0, 1]."""
    fraction_by_position: List[float]
    """Fraction by the dose's position in a session (a copy; assign a new list)."""
    target: str
    """Receiving compartment ('' = the plasma compartment)."""
    name: str
    """Path name (for routes with several paths)."""
    def __init__(
        self,
        *,
        ka: float = 0.0,
        f: float = 1.0,
        tlag: float = 0.0,
        duration: float = 0.0,
        fraction: float = 1.0,
        fraction_by_position: Sequence[float] = ...,
        target: str = "",
        name: str = "",
    ) -> None: ...

class Model:
    """A linear compartment model (mammillary from keywords, or an empty network to build)."""

    #: Set by ks.models.get: {"key", "covariates", "options"} of the catalogue model (copies and
    #: edited models do not carry it); read by variability="published".
    catalogue: Dict[str, Any]

    def __init__(
        self,
        *,
        cl: Optional[float] = None,
        v1: Optional[float] = None,
        q2: float = 0.0,
        v2: float = 0.0,
        q3: float = 0.0,
        v3: float = 0.0,
        ke0: Optional[float] = None,
        routes: Optional[Mapping[str, _Paths]] = None,
    ) -> None:
        """cl L/min, v1 L, q2/q3 L/min, v2/v3 L, ke0 1/min; routes {name: Absorption(s)}."""
    @staticmethod
    def from_micro(
        *,
        v1: float,
        k10: float,
        k12: float = 0.0,
        k21: float = 0.0,
        k13: float = 0.0,
        k31: float = 0.0,
        ke0: Optional[float] = None,
        routes: Optional[Mapping[str, _Paths]] = None,
    ) -> Model:
        """A mammillary model from micro rate constants (1/min) and v1 (L)."""
    def add_compartment(self, name: str, volume_l: float, parameter_name: str = "") -> Model:
        """Adds a compartment of volume_l (L); the first is the plasma compartment."""
    def add_depot(self, name: str) -> Model:
        """Adds an absorption depot (mass, no volume)."""
    def add_transfer(self, from_: str, to: str, rate_per_min: float, parameter_name: str) -> Model:
        """First-order transfer from_ -> to, 1/min."""
    def add_flow(self, from_: str, to: str, q_l_per_min: float, parameter_name: str) -> Model:
        """One-way flow from_ -> to at clearance q (L/min)."""
    def add_exchange(self, a: str, b: str, q_l_per_min: float, parameter_name: str) -> Model:
        """Two-way exchange between a and b at clearance q (L/min)."""
    def add_elimination(self, from_: str, rate_per_min: float, parameter_name: str) -> Model:
        """First-order elimination out of the body, 1/min."""
    def add_clearance(self, from_: str, cl_l_per_min: float, parameter_name: str) -> Model:
        """Elimination out of the body at clearance cl (L/min)."""
    def set_plasma(self, compartment: str) -> Model:
        """Chooses the compartment reported as Cp."""
    def set_effect_site(self, ke0: float, driver: str = "") -> Model:
        """Attaches an effect site with ke0 (1/min) to driver (default: plasma)."""
    def add_analyte(self, compartment: str) -> Model:
        """Reports a compartment's concentration as an analyte (e.g. a metabolite)."""
    def with_route(self, name: str, paths: _Paths) -> Model:
        """Adds an extravascular route of one or more Absorption paths."""
    def parameter_names(self) -> List[str]:
        """Names of all parameters, in order."""
    def parameter(self, name: str) -> float:
        """Value of a named parameter."""
    def set_parameter(self, name: str, value: float) -> Model:
        """Sets a named parameter (validated)."""
    def parameters(self) -> Dict[str, float]:
        """All parameters {name: value} (a copy)."""
    def parameter_unit(self, name: str) -> str:
        """Unit of a parameter: 'L', 'L/min', '1/min', 'min' or ''."""
    @property
    def compartment_names(self) -> List[str]:
        """Compartment names, in state order."""
    @property
    def route_names(self) -> List[str]:
        """Defined routes (the built-in 'iv' is not listed)."""
    def has_route(self, name: str) -> bool:
        """Whether a dose can be given by this route (including 'iv')."""
    @property
    def has_effect_site(self) -> bool:
        """Whether the model has a ke0."""
    @property
    def plasma(self) -> str:
        """Name of the plasma compartment."""
    @property
    def analytes(self) -> List[str]:
        """Compartments reported as analytes."""
    def __len__(self) -> int: ...
    def validate(self) -> None:
        """Raises ValueError unless the model can be simulated."""
    def copy(self) -> Model:
        """An independent copy."""
    def __copy__(self) -> Model: ...
    def __deepcopy__(self, memo: dict) -> Model: ...
    def to_dict(self) -> Dict[str, Any]:
        """The model as a JSON-compatible dict (docs/model_schema.md)."""
    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> Model:
        """The model a to_dict() dict describes (TypeError/ValueError naming the key)."""
    def __eq__(self, other: object) -> bool: ...
    def __getstate__(self) -> Dict[str, Any]: ...
    def __setstate__(self, state: Dict[str, Any]) -> None: ...

class DoseRecord:
    """One expanded dose of a Regimen."""

    @property
    def kind(self) -> Literal["bolus", "infusion", "route"]: ...
    @property
    def target(self) -> str: ...
    @property
    def amount_mg(self) -> float: ...
    @property
    def time_min(self) -> float: ...
    @property
    def duration_min(self) -> float: ...
    @property
    def position(self) -> int: ...

class Regimen:
    """A dosing regimen; every method returns the regimen, for chaining."""

    def __init__(self) -> None: ...
    def bolus(
        self,
        dose_mg: float,
        time_min: float = 0.0,
        *,
        compartment: str = "",
        interval_min: float = 0.0,
        count: int = 1,
    ) -> Regimen:
        """IV bolus, mg at min; repeated count times interval_min apart."""
    def infusion(
        self,
        *,
        dose_mg: Optional[float] = None,
        rate_mg_per_min: Optional[float] = None,
        start_min: float = 0.0,
        duration_min: float,
        compartment: str = "",
        interval_min: float = 0.0,
        count: int = 1,
    ) -> Regimen:
        """IV zero-order infusion by dose (mg) or rate (mg/min) over duration_min."""
    def dose(
        self,
        route: str,
        dose_mg: float,
        time_min: float = 0.0,
        *,
        position: int = 1,
        interval_min: float = 0.0,
        count: int = 1,
    ) -> Regimen:
        """A dose by a named route of the model (or 'iv')."""
    def nasal_spray(
        self,
        dose_mg: float,
        start_min: float = 0.0,
        *,
        device_mg: float = 28.0,
        interval_min: float = 5.0,
        route: str = "intranasal",
    ) -> Regimen:
        """A nasal-spray session of dose_mg / device_mg devices, interval_min apart."""
    @property
    def records(self) -> List[DoseRecord]:
        """The expanded doses (a copy)."""
    @property
    def total_dose_mg(self) -> float:
        """Sum of all doses as given, mg."""
    def __len__(self) -> int: ...
    def copy(self) -> Regimen: ...
    def __copy__(self) -> Regimen: ...
    def __deepcopy__(self, memo: dict) -> Regimen: ...
    def __getstate__(self) -> Dict[str, Any]: ...
    def __setstate__(self, state: Dict[str, Any]) -> None: ...

def mg_per_kg(dose_mg_per_kg: float, weight_kg: float) -> float:
    """Dose in mg for mg/kg and kg."""

class Result:
    """Concentrations (ng/mL) and amounts (mg) at the simulated times; read-only array views."""

    @property
    def time_min(self) -> _FloatArray:
        """Output times, min, shape (n,)."""
    @property
    def cp_ng_ml(self) -> _FloatArray:
        """Plasma concentration, ng/mL, shape (n,)."""
    @property
    def ce_ng_ml(self) -> _FloatArray:
        """Effect-site concentration, ng/mL, shape (n,); ValueError without an effect site."""
    @property
    def amounts_mg(self) -> _FloatArray:
        """Amount in every compartment, mg, shape (n, len(columns))."""
    @property
    def columns(self) -> List[str]:
        """Compartment names of amounts_mg's columns."""
    @property
    def has_effect_site(self) -> bool: ...
    @property
    def eliminated_mg(self) -> _FloatArray:
        """Amount eliminated by each time, mg."""
    @property
    def auc_cp_ng_min_ml(self) -> _FloatArray:
        """AUC of Cp from 0 to each time, ng*min/mL."""
    @property
    def analytes(self) -> List[str]: ...
    def concentration_ng_ml(self, compartment: str) -> _FloatArray:
        """Concentration of the plasma compartment or an analyte, ng/mL."""
    def to_pandas(self) -> Any:
        """The result as a DataFrame (needs pandas)."""
    def __len__(self) -> int: ...

def simulate(
    model: Model,
    regimen: Regimen,
    times_min: _Times,
    method: _Method = "exact",
    *,
    rtol: float = 1e-8,
    atol: float = 1e-9,
    max_steps: int = 1000000,
) -> Result:
    """Simulates model under regimen at times_min (min); the GIL is released meanwhile."""

def simulate_events(
    model: Union[Model, List[Model]],
    time_min: _Times,
    evid: _Times,
    amount_mg: _Times,
    rate_mg_per_min: _Times,
    target: _Times,
    targets: List[str],
    addl: _Times,
    ii_min: _Times,
    ss: _Times,
    *,
    position: Optional[_Times] = None,
    starts: Optional[_Times] = None,
    parameter_names: List[str] = ...,
    parameters: Optional[_Times] = None,
    rule: str = "nocb",
    initial_mg: Optional[_Times] = None,
    initial_ce_ng_ml: float = 0.0,
    method: _Method = "exact",
    rtol: float = 1e-8,
    atol: float = 1e-9,
    max_steps: int = 1000000,
) -> Dict[str, Any]:
    """One subject's NONMEM-style event records (columns) simulated; one output row per record
    (ketasim.simulate_dataset calls this once per ID)."""

class Peak:
    """Peak concentration (ng/mL) and its time (min); unpacks as (c_ng_ml, t_min)."""

    @property
    def c_ng_ml(self) -> float: ...
    @property
    def t_min(self) -> float: ...
    def __iter__(self) -> Iterator[float]: ...

class OnsetMetrics:
    """Cmax/Tmax/AUC of Cp and threshold metrics of the chosen series (None = never)."""

    @property
    def series(self) -> _Series: ...
    @property
    def threshold_ng_ml(self) -> float: ...
    @property
    def cmax_ng_ml(self) -> float: ...
    @property
    def tmax_min(self) -> float: ...
    @property
    def ce_max_ng_ml(self) -> Optional[float]: ...
    @property
    def ce_tmax_min(self) -> Optional[float]: ...
    @property
    def auc_ng_min_ml(self) -> float: ...
    @property
    def auc(self) -> float: ...
    @property
    def t_onset_min(self) -> Optional[float]: ...
    @property
    def t_offset_min(self) -> Optional[float]: ...
    @property
    def time_above_min(self) -> float: ...
    def to_dict(self) -> Dict[str, Union[str, float, None]]: ...

def onset(result: Result, threshold_ng_ml: float, series: _Series = "cp") -> OnsetMetrics:
    """Onset metrics for a threshold (ng/mL), on Cp by default."""

def peak(result: Result, series: str = "cp") -> Peak:
    """Highest value of a series ('cp', 'ce' or an analyte) over the window, and when."""

class ThresholdTimes:
    """When a series is at or above a threshold over the window (None = never)."""

    @property
    def threshold_ng_ml(self) -> float: ...
    @property
    def onset_min(self) -> Optional[float]: ...
    @property
    def offset_min(self) -> Optional[float]: ...
    @property
    def time_above_min(self) -> float: ...
    @property
    def episodes(self) -> int: ...

def threshold_times(result: Result, threshold_ng_ml: float, series: str = "cp") -> ThresholdTimes:
    """Onset, offset and time above a threshold of a series ('cp', 'ce' or an analyte)."""

def auc_ng_min_ml(
    result: Result, t0_min: Optional[float] = None, t1_min: Optional[float] = None
) -> float:
    """Exact AUC of Cp between two times, ng*min/mL."""

# The catalogue of published models (used through ketasim.models).

def models_keys() -> List[str]:
    """Keys of the catalogue's models, in catalogue order."""

def models_info(key: str) -> Dict[str, Any]:
    """Metadata of one catalogue model (citation, doi, pmid, drug, analyte, cp_site, routes, ...)."""

def models_get(
    key: str,
    covariates: Mapping[str, float],
    extrapolate: bool = False,
    ke0_per_min: Optional[float] = None,
    ke0_source: Optional[str] = None,
    preset: Optional[str] = None,
) -> Model:
    """Builds a catalogue model (typical values) from covariates by name; ke0_per_min (1/min) or
    ke0_source (a literature key), at most one."""

def models_out_of_range(key: str, covariates: Mapping[str, float]) -> List[str]:
    """Messages for covariates outside the published range (empty when none is)."""

def models_literature_ke0() -> List[Dict[str, Any]]:
    """Named literature ke0 values (Sleigh 2019) with their caveats."""

def models_nasal_presets() -> List[Dict[str, Any]]:
    """Named intranasal racemic ketamine presets (F, ka, Tmax, source)."""

# ---- populations (bind_population.cpp) -------------------------------------------------------

_PopSeries = Literal["cp", "ce", "cp_observed"]

def sd_from_cv(cv_percent: float) -> float:
    """SD of the log-parameter for a log-normal parameter with this %CV."""

class Population:
    """A simulated virtual population (wrapped by ketasim.Population)."""

    @property
    def size(self) -> int: ...
    @property
    def first_subject(self) -> int: ...
    @property
    def time_min(self) -> _FloatArray: ...
    @property
    def has_individual(self) -> bool: ...
    @property
    def has_effect_site(self) -> bool: ...
    @property
    def has_observed(self) -> bool: ...
    @property
    def cp_ng_ml(self) -> _FloatArray: ...
    @property
    def ce_ng_ml(self) -> _FloatArray: ...
    @property
    def cp_observed_ng_ml(self) -> _FloatArray: ...
    @property
    def parameter_names(self) -> List[str]: ...
    @property
    def parameter_matrix(self) -> _FloatArray: ...
    @property
    def cmax_ng_ml(self) -> _FloatArray: ...
    @property
    def tmax_min(self) -> _FloatArray: ...
    @property
    def ce_max_ng_ml(self) -> _FloatArray: ...
    @property
    def ce_tmax_min(self) -> _FloatArray: ...
    @property
    def auc_ng_min_ml(self) -> _FloatArray: ...
    @property
    def thresholds_ng_ml(self) -> List[float]: ...
    @property
    def threshold_series(self) -> str: ...
    def onset_min(self, threshold_ng_ml: float) -> _FloatArray: ...
    def offset_min(self, threshold_ng_ml: float) -> _FloatArray: ...
    def time_above_min(self, threshold_ng_ml: float) -> _FloatArray: ...
    def percentiles(self, percentiles: Sequence[float],
                    series: _PopSeries = "cp") -> _FloatArray: ...
    def fraction_above(self, threshold_ng_ml: float, series: _PopSeries = "cp",
                       cumulative: bool = True) -> _FloatArray: ...
    @staticmethod
    def concatenate(parts: Sequence["Population"]) -> "Population": ...
    def __len__(self) -> int: ...

def simulate_population(
    model: Model,
    regimen: Regimen,
    times_min: _Times,
    *,
    n: int,
    seed: int = 0,
    first_subject: int = 0,
    variability: Optional[Mapping[str, float]] = None,
    correlation: Optional[Any] = None,
    parameters: Optional[Mapping[str, Any]] = None,
    covariates: Optional[Mapping[str, Any]] = None,
    model_for: Optional[Any] = None,
    additive_ng_ml: float = 0.0,
    proportional: float = 0.0,
    exponential: float = 0.0,
    threads: int = 0,
    keep_individual: bool = True,
    thresholds_ng_ml: Sequence[float] = ...,
    threshold_series: str = "cp",
    method: str = "exact",
    rtol: float = 1e-8,
    atol: float = 1e-9,
    max_steps: int = 1000000,
) -> Population: ...

_Site = Literal["plasma", "effect"]

class TciResult:
    """A TCI run: the schedule as a Regimen and what the model predicts at each update."""
    @property
    def regimen(self) -> Regimen: ...
    @property
    def time_min(self) -> npt.NDArray[np.float64]: ...
    @property
    def rate_mg_per_min(self) -> npt.NDArray[np.float64]: ...
    @property
    def target_ng_ml(self) -> npt.NDArray[np.float64]: ...
    @property
    def cp_ng_ml(self) -> npt.NDArray[np.float64]: ...
    @property
    def ce_ng_ml(self) -> Optional[npt.NDArray[np.float64]]: ...
    @property
    def time_to_target_min(self) -> Optional[float]: ...
    @property
    def total_dose_mg(self) -> float: ...
    @property
    def dose_mg_per_kg(self) -> Optional[float]: ...
    @property
    def mode(self) -> str: ...
    @property
    def update_s(self) -> float: ...

def tci(
    model: Model,
    targets: Union[float, Sequence[Tuple[float, float]], npt.ArrayLike],
    duration_min: float = 60.0,
    *,
    mode: _Site = "plasma",
    update_s: float = 10.0,
    max_rate_mg_per_min: Optional[float] = None,
    max_rate_ml_per_h: Optional[float] = None,
    syringe_mg_per_ml: Optional[float] = None,
    weight_kg: Optional[float] = None,
) -> TciResult:
    """Target-controlled infusion to a plasma or effect-site target schedule (ng/mL)."""

class TciController:
    """A TCI pump's controller stepped in real time (no allocation per update in C++)."""
    def __init__(
        self,
        model: Model,
        *,
        mode: _Site = "plasma",
        update_s: float = 10.0,
        max_rate_mg_per_min: Optional[float] = None,
        max_rate_ml_per_h: Optional[float] = None,
        syringe_mg_per_ml: Optional[float] = None,
    ) -> None: ...
    def next_rate(self, target_ng_ml: float) -> float: ...
    def rate_for(self, target_ng_ml: float) -> float: ...
    def advance(self, rate_mg_per_min: float) -> None: ...
    def reset(self) -> None: ...
    @property
    def time_min(self) -> float: ...
    @property
    def cp_ng_ml(self) -> float: ...
    @property
    def ce_ng_ml(self) -> float: ...
    @property
    def update_s(self) -> float: ...
    @property
    def reachable_ng_ml(self) -> float: ...

def decrement_time(
    model: Model, regimen: Regimen, stop_min: float, level_ng_ml: float, *, site: _Site = "plasma"
) -> float:
    """Minutes after stop_min for Cp or Ce to fall to level_ng_ml once every input stops."""

def context_sensitive_half_time(
    model: Model, durations_min: npt.ArrayLike, *, site: _Site = "plasma"
) -> npt.NDArray[np.float64]:
    """Time (min) to fall 50 % after Cp held constant for each duration, then stopped."""
