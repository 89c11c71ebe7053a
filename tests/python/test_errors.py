"""Every error path from Python: C++ InvalidInput arrives as ValueError (ketasim.InvalidInput)
with the C++ message naming the field and the value; SolverError as RuntimeError; nothing a
Python user can type crashes the interpreter."""

import math

import numpy as np
import pytest

import ketasim as ks

NAN, INF = math.nan, math.inf


def m1(**kw):
    return ks.Model(cl=1.2, v1=15.0, **kw)


def nasal():
    return m1(ke0=0.2, routes={"intranasal": ks.Absorption(ka=0.05, f=0.45)})


def run(model=None, regimen=None, times=(0.0, 1.0), **kw):
    model = nasal() if model is None else model
    regimen = ks.Regimen().bolus(1.0) if regimen is None else regimen
    return ks.simulate(model, regimen, times, **kw)


def res():
    return run()


CASES = [
    # Model: keyword constructor
    ("cl negative", lambda: ks.Model(cl=-1.2, v1=15.0),
     r"^Model: cl must be > 0 L/min, got -1\.2 L/min$"),
    ("cl zero", lambda: ks.Model(cl=0.0, v1=15.0), r"cl must be > 0 L/min, got 0"),
    ("cl nan", lambda: ks.Model(cl=NAN, v1=15.0), r"cl must be > 0 L/min, got nan"),
    ("v1 inf", lambda: ks.Model(cl=1.0, v1=INF), r"v1 must be > 0 L, got inf"),
    ("v1 missing", lambda: ks.Model(cl=1.0), r"^Model: v1 must be given .*got nothing$"),
    ("cl missing", lambda: ks.Model(v1=10.0), r"^Model: cl must be given .*got nothing$"),
    ("ke0 only", lambda: ks.Model(ke0=0.2), r"cl must be given"),
    ("q2 without v2", lambda: m1(q2=2.0), r"v2 must be > 0 L, got 0"),
    ("v3 without v2", lambda: m1(q3=1.0, v3=10.0), r"v2 must be given when q3 and v3 are"),
    ("ke0 negative", lambda: m1(ke0=-0.2), r"ke0 must be > 0 1/min, got -0\.2"),
    ("routes not a dict", lambda: m1(routes=[1, 2]), r"routes must be a dict .*got \[1, 2\]"),
    ("routes key not str", lambda: m1(routes={1: ks.Absorption()}), r"routes key must be a route"),
    ("route value wrong", lambda: m1(routes={"in": 3}),
     r'routes\["in"\] must be an Absorption or a list of Absorption paths, got 3'),
    ("route list item wrong", lambda: m1(routes={"in": [ks.Absorption(), "x"]}),
     r"routes\[\"in\"\]\[1\] must be an Absorption, got 'x'"),
    ("route empty list", lambda: m1(routes={"in": []}), r"paths of route in must be non-empty"),
    ("routes without model", lambda: ks.Model(routes={"in": ks.Absorption()}),
     r"cl must be given .* before routes"),
    ("route ka negative", lambda: m1(routes={"in": ks.Absorption(ka=-0.05)}),
     r"Model\.with_route: in\.ka must be >= 0 1/min \(0: no depot\), got -0\.05 1/min"),
    ("route f negative", lambda: m1(routes={"in": ks.Absorption(f=-1.5)}),
     r"in\.f must be > 0, got -1\.5"),
    ("route f zero", lambda: m1(routes={"in": ks.Absorption(f=0.0)}), r"in\.f must be > 0, got 0"),
    ("route tlag negative", lambda: m1(routes={"in": ks.Absorption(tlag=-1.0)}),
     r"in\.tlag must be >= 0 min, got -1 min"),
    ("route duration negative", lambda: m1(routes={"in": ks.Absorption(duration=-2.0)}),
     r"in\.duration must be >= 0 min"),
    ("route fraction", lambda: m1(routes={"in": ks.Absorption(fraction=0.0)}),
     r"in\.fraction must be in \(0, 1\]"),
    ("route fraction_by_position", lambda: m1(routes={
        "in": ks.Absorption(fraction_by_position=[1.0, 2.0])}),
     r"in\.fraction_by_position must be in \(0, 1\], got 2"),
    ("route target unknown", lambda: m1(routes={"in": ks.Absorption(target="brain")}),
     r'compartment must be one of \[central\], got "brain"'),
    ("route name with dot", lambda: m1(routes={"a.b": ks.Absorption()}),
     r"route name must be free of '\.'"),
    ("route name empty", lambda: m1(routes={"": ks.Absorption()}), r"route name must be non-empty"),
    ("route duplicate", lambda: nasal().with_route("intranasal", ks.Absorption()),
     r'route name must be unique, got "intranasal"'),
    # Model: micro constants
    ("micro k10", lambda: ks.Model.from_micro(v1=4.0, k10=0.0), r"k10 must be > 0 1/min"),
    ("micro k21 missing", lambda: ks.Model.from_micro(v1=4.0, k10=0.4, k12=0.5),
     r"Model\.from_micro: k21 must be > 0 1/min, got 0"),
    ("micro v1", lambda: ks.Model.from_micro(v1=-4.0, k10=0.4), r"v1 must be > 0 L, got -4"),
    # Model: builder
    ("duplicate compartment", lambda: ks.Model().add_compartment("a", 1.0).add_compartment("a", 2.0),
     r'compartment name must be unique, got "a"'),
    ("duplicate parameter", lambda: ks.Model().add_compartment("a", 1.0, "v").add_compartment("b", 2.0, "v"),
     r'parameter name must be unique, got "v"'),
    ("empty compartment name", lambda: ks.Model().add_compartment("", 1.0),
     r"compartment must be a non-empty name"),
    ("volume zero", lambda: ks.Model().add_compartment("a", 0.0), r"v_a must be > 0 L, got 0"),
    ("transfer unknown", lambda: m1().add_transfer("central", "nowhere", 0.1, "k"),
     r'compartment must be one of \[central\], got "nowhere"'),
    ("transfer to itself", lambda: m1().add_transfer("central", "central", 0.1, "k"),
     r"transfer target must be a different compartment"),
    ("transfer rate", lambda: m1().add_compartment("b", 1.0).add_transfer("central", "b", -0.1, "k"),
     r"k must be > 0 1/min, got -0\.1"),
    ("flow from depot", lambda: m1().add_depot("d").add_flow("d", "central", 1.0, "q"),
     r"flow source must be a compartment with a volume"),
    ("exchange with depot", lambda: m1().add_depot("d").add_exchange("central", "d", 1.0, "q"),
     r"exchange compartment must be a compartment with a volume"),
    ("clearance from depot", lambda: m1().add_depot("d").add_clearance("d", 1.0, "c2"),
     r"clearance compartment must be a compartment with a volume"),
    ("elimination unknown", lambda: m1().add_elimination("x", 0.1, "k"), r'got "x"'),
    ("plasma depot", lambda: m1().add_depot("d").set_plasma("d"),
     r"plasma compartment must be a compartment with a volume"),
    ("effect site on empty model", lambda: ks.Model().set_effect_site(0.2),
     r"effect-site driver must be a compartment with a volume"),
    ("effect site ke0", lambda: m1().set_effect_site(0.0), r"ke0 must be > 0 1/min, got 0"),
    ("analyte depot", lambda: m1().add_depot("d").add_analyte("d"),
     r"analyte compartment must be a compartment with a volume"),
    ("with_route wrong type", lambda: m1().with_route("in", 0.5),
     r'paths of route "in" must be an Absorption or a list of Absorption paths, got 0\.5'),
    ("unknown parameter", lambda: m1().parameter("k99"),
     r'parameter must be one of \[v1, cl\], got "k99"'),
    ("unknown parameter unit", lambda: m1().parameter_unit("k99"), r'got "k99"'),
    ("set unknown parameter", lambda: m1().set_parameter("k99", 1.0), r'got "k99"'),
    ("set bad value", lambda: m1().set_parameter("cl", -1.0), r"cl must be > 0 L/min, got -1"),
    ("empty model plasma", lambda: ks.Model().plasma, r"compartments must be at least one"),
    ("validate empty", lambda: ks.Model().validate(), r"compartments must be at least one"),
    # Regimen
    ("bolus dose negative", lambda: ks.Regimen().bolus(-1.0),
     r"^Regimen\.bolus: dose_mg must be >= 0 mg, got -1 mg$"),
    ("bolus time negative", lambda: ks.Regimen().bolus(1.0, -5.0), r"time_min must be >= 0 min"),
    ("bolus time nan", lambda: ks.Regimen().bolus(1.0, NAN), r"time_min must be >= 0 min, got nan"),
    ("bolus count zero", lambda: ks.Regimen().bolus(1.0, count=0),
     r"count must be in \[1, 100000\], got 0"),
    ("bolus count huge", lambda: ks.Regimen().bolus(1.0, interval_min=1.0, count=2_000_000_000),
     r"count must be in \[1, 100000\], got 2000000000"),
    ("bolus repeat needs interval", lambda: ks.Regimen().bolus(1.0, count=2),
     r"interval_min must be > 0 min when count > 1, got 0 min"),
    ("infusion both", lambda: ks.Regimen().infusion(dose_mg=1.0, rate_mg_per_min=1.0, duration_min=1.0),
     r'dose_mg or rate_mg_per_min must be given \(exactly one of them\), got "both"'),
    ("infusion neither", lambda: ks.Regimen().infusion(duration_min=1.0),
     r'got "neither"'),
    ("infusion duration zero", lambda: ks.Regimen().infusion(dose_mg=1.0, duration_min=0.0),
     r"^Regimen\.infusion: duration_min must be > 0 min, got 0 min$"),
    ("infusion rate zero", lambda: ks.Regimen().infusion(rate_mg_per_min=0.0, duration_min=1.0),
     r"rate_mg_per_min must be > 0 mg/min, got 0"),
    ("infusion start", lambda: ks.Regimen().infusion(dose_mg=1.0, duration_min=1.0, start_min=-1.0),
     r"start_min must be >= 0 min"),
    ("dose route empty", lambda: ks.Regimen().dose("", 1.0), r"route must be a route name"),
    ("dose position", lambda: ks.Regimen().dose("in", 1.0, position=0),
     r"position must be >= 1, got 0"),
    ("dose negative", lambda: ks.Regimen().dose("in", -3.0), r"dose_mg must be >= 0 mg, got -3"),
    ("spray not whole devices", lambda: ks.Regimen().nasal_spray(30.0),
     r"dose_mg must be a whole number of 28 mg devices, got 30 mg"),
    ("spray huge", lambda: ks.Regimen().nasal_spray(1e12, device_mg=1.0),
     r"dose_mg must be at most 100000 devices of 1 mg"),
    ("spray device", lambda: ks.Regimen().nasal_spray(28.0, device_mg=0.0),
     r"device_mg must be > 0 mg"),
    ("spray interval", lambda: ks.Regimen().nasal_spray(56.0, interval_min=-1.0),
     r"interval_min must be >= 0 min"),
    ("mg_per_kg weight", lambda: ks.mg_per_kg(0.5, 0.0), r"weight_kg must be > 0 kg, got 0"),
    ("mg_per_kg dose", lambda: ks.mg_per_kg(-0.5, 70.0), r"dose_mg_per_kg must be >= 0 mg/kg"),
    # simulate
    ("times empty", lambda: run(times=[]), r"times_min must be non-empty"),
    ("times unsorted", lambda: run(times=[0.0, 5.0, 3.0]),
     r"^simulate: times_min\[2\] must be sorted \(>= 5\), got 3 min$"),
    ("times negative", lambda: run(times=[-1.0]), r"times_min\[0\] must be finite and >= 0 min"),
    ("times nan", lambda: run(times=[0.0, NAN]), r"times_min\[1\] must be finite and >= 0 min, got nan"),
    ("times 2-D", lambda: run(times=np.zeros((2, 3))),
     r"times_min must be 1-D, got an array of shape \(2, 3\)"),
    ("times scalar", lambda: run(times=5.0), r"times_min must be 1-D, got an array of shape \(\)"),
    ("method", lambda: run(method="rk4"),
     r'^simulate: method must be one of \[exact, ode, ode_stiff\], got "rk4"$'),
    ("rtol", lambda: run(method="ode", rtol=2.0), r"rtol must be in \(0, 1\), got 2"),
    ("atol", lambda: run(method="ode", atol=0.0), r"atol must be > 0, got 0"),
    ("max_steps zero", lambda: run(method="ode", max_steps=0), r"max_steps must be >= 1, got 0"),
    ("max_steps negative", lambda: run(method="ode", max_steps=-5), r"max_steps must be >= 1, got -5"),
    ("route missing in model", lambda: run(model=m1(), regimen=ks.Regimen().dose("intranasal", 28.0)),
     r'Regimen\.dose: route must be one of the model\'s routes \[iv\], got "intranasal"'),
    ("bolus compartment unknown", lambda: run(regimen=ks.Regimen().bolus(1.0, compartment="x")),
     r'compartment must be one of \[central, intranasal\.depot\], got "x"'),
    ("empty model", lambda: run(model=ks.Model()), r"compartments must be at least one"),
    # Result and metrics
    ("ce without effect site", lambda: run(model=m1()).ce_ng_ml,
     r"Result: ce_ng_ml must be available: give the model a ke0"),
    ("onset threshold zero", lambda: ks.onset(res(), 0.0), r"threshold_ng_ml must be > 0 ng/mL, got 0"),
    ("onset threshold nan", lambda: ks.onset(res(), NAN), r"threshold_ng_ml must be > 0 ng/mL, got nan"),
    ("onset series", lambda: ks.onset(res(), 10.0, series="brain"),
     r'^onset: series must be one of \[cp, ce\], got "brain"$'),
    ("onset ce without ke0", lambda: ks.onset(run(model=m1()), 10.0, series="ce"),
     r"onset: ke0 must be set for Ce metrics"),
    ("peak series", lambda: ks.peak(res(), series="x"), r'peak: series must be one of \[cp, ce\]'),
    ("peak ce without ke0", lambda: ks.peak(run(model=m1()), series="ce"), r"ke0 must be set"),
    ("auc t0", lambda: ks.auc_ng_min_ml(res(), -1.0, 2.0), r"t0_min must be >= 0 min, got -1"),
    ("auc t1", lambda: ks.auc_ng_min_ml(res(), 5.0, 2.0), r"t1_min must be >= t0_min \(5\), got 2"),
]


@pytest.mark.parametrize("name,call,match", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_value_error_naming_field_and_value(name, call, match):
    with pytest.raises(ValueError, match=match) as info:
        call()
    assert isinstance(info.value, ks.InvalidInput)


def test_solver_error_is_a_runtime_error_naming_the_limit():
    with pytest.raises(RuntimeError, match="max_steps") as info:
        run(times=np.arange(0.0, 1000.0), method="ode", max_steps=1)
    assert isinstance(info.value, ks.SolverError)
    assert not isinstance(info.value, ValueError)


def test_exception_types():
    assert issubclass(ks.InvalidInput, ValueError)
    assert issubclass(ks.SolverError, RuntimeError)
    assert ks.InvalidInput.__doc__ and ks.SolverError.__doc__


@pytest.mark.parametrize("call", [
    lambda: ks.Result(),
    lambda: ks.OnsetMetrics(),
    lambda: ks.Peak(),
    lambda: ks.simulate("model", ks.Regimen(), [0.0]),
    lambda: ks.simulate(m1(), None, [0.0]),
    lambda: ks.Model(cl="1.2", v1=15.0),
    lambda: ks.Regimen().bolus("ten"),
    lambda: ks.Absorption(ka="fast"),
    lambda: ks.onset(None, 1.0),
], ids=["Result()", "OnsetMetrics()", "Peak()", "model str", "regimen None", "cl str",
        "dose str", "ka str", "onset None"])
def test_wrong_types_raise_type_error_not_a_crash(call):
    with pytest.raises(TypeError):
        call()


def test_large_but_valid_inputs_do_not_crash():
    r = ks.Regimen().bolus(1.0, interval_min=0.01, count=100000)
    assert len(r) == 100000
    out = ks.simulate(m1(), r, [0.0, 2000.0])
    assert np.all(np.isfinite(out.cp_ng_ml))
    tiny = ks.simulate(m1(), ks.Regimen().bolus(1e-300), [0.0, 1e6])
    assert tiny.cp_ng_ml[1] == 0.0
    big = ks.simulate(m1(), ks.Regimen().bolus(1e300), [0.0, 1.0])
    assert np.isfinite(big.cp_ng_ml[0]) or np.isinf(big.cp_ng_ml[0])


# ------------------------------------------------------------------------------------------------
# Types (NumPy's rule): TypeError for a wrong type, ValueError for a value the C++ type cannot
# hold; both name the function and the field. Booleans are not numbers; floats are not ints.
# ------------------------------------------------------------------------------------------------

def pop(times=(0.0, 1.0), **kw):
    return ks.simulate_population(nasal(), ks.Regimen().bolus(1.0), times, **kw)


TYPE_CASES = [
    # simulate
    ("method None", lambda: run(method=None), "simulate: method must be a str, got None"),
    ("rtol str", lambda: run(rtol="1e-6"), "simulate: rtol must be a real number, got '1e-6'"),
    ("atol bool", lambda: run(atol=True), "simulate: atol must be a real number, got True"),
    ("max_steps float", lambda: run(max_steps=10.0), "simulate: max_steps must be an int, got 10.0"),
    ("times strings", lambda: run(times=["a", "b"]),
     "simulate: times_min must be a 1-D array of real numbers, got an array of dtype <U1"),
    ("times str", lambda: run(times="0,1,2"),
     "simulate: times_min must be a 1-D array of real numbers, got '0,1,2'"),
    ("times None", lambda: run(times=None),
     "simulate: times_min must be a 1-D array of real numbers, got None"),
    ("times complex", lambda: run(times=np.array([0, 1j])),
     "simulate: times_min must be a 1-D array of real numbers, got an array of dtype complex128"),
    ("times objects", lambda: run(times=[0.0, object()]),
     "simulate: times_min must be a 1-D array of real numbers, got an array of dtype object"),
    ("times bools", lambda: run(times=[False, True]),
     "simulate: times_min must be a 1-D array of real numbers, got an array of dtype bool"),
    # Regimen
    ("bolus dose bool", lambda: ks.Regimen().bolus(True),
     "Regimen.bolus: dose_mg must be a real number, got True"),
    ("bolus dose numpy bool", lambda: ks.Regimen().bolus(np.True_),
     "Regimen.bolus: dose_mg must be a real number, got " + repr(np.True_)),
    ("bolus count float", lambda: ks.Regimen().bolus(1.0, count=2.0),
     "Regimen.bolus: count must be an int, got 2.0"),
    ("bolus compartment", lambda: ks.Regimen().bolus(1.0, compartment=None),
     "Regimen.bolus: compartment must be a str, got None"),
    ("infusion duration None", lambda: ks.Regimen().infusion(dose_mg=1.0, duration_min=None),
     "Regimen.infusion: duration_min must be a real number, got None"),
    ("infusion rate str", lambda: ks.Regimen().infusion(rate_mg_per_min="1", duration_min=1.0),
     "Regimen.infusion: rate_mg_per_min must be a real number, got '1'"),
    ("dose route int", lambda: ks.Regimen().dose(5, 1.0),
     "Regimen.dose: route must be a str, got 5"),
    ("dose position bool", lambda: ks.Regimen().dose("in", 1.0, position=True),
     "Regimen.dose: position must be an int, got True"),
    ("spray device complex", lambda: ks.Regimen().nasal_spray(28.0, device_mg=28j),
     "Regimen.nasal_spray: device_mg must be a real number, got 28j"),
    ("mg_per_kg weight str", lambda: ks.mg_per_kg(0.5, "70"),
     "mg_per_kg: weight_kg must be a real number, got '70'"),
    # Model and Absorption
    ("Model cl str", lambda: ks.Model(cl="1.2", v1=15.0),
     "Model: cl must be a real number, got '1.2'"),
    ("Model ke0 bool", lambda: m1(ke0=True), "Model: ke0 must be a real number, got True"),
    ("Model q2 list", lambda: m1(q2=[1.0]), "Model: q2 must be a real number, got [1.0]"),
    ("from_micro k10 complex", lambda: ks.Model.from_micro(v1=4.0, k10=1j),
     "Model.from_micro: k10 must be a real number, got 1j"),
    ("set_parameter value str", lambda: m1().set_parameter("cl", "2"),
     "Model.set_parameter: value must be a real number, got '2'"),
    ("set_effect_site ke0 None", lambda: m1().set_effect_site(None),
     "Model.set_effect_site: ke0 must be a real number, got None"),
    ("Absorption ka str", lambda: ks.Absorption(ka="fast"),
     "Absorption: ka must be a real number, got 'fast'"),
    ("Absorption f bool", lambda: ks.Absorption(f=False),
     "Absorption: f must be a real number, got False"),
    ("Absorption fractions str", lambda: ks.Absorption(fraction_by_position="abc"),
     "Absorption: fraction_by_position must be a 1-D array of real numbers, got 'abc'"),
    ("Absorption target int", lambda: ks.Absorption(target=1),
     "Absorption: target must be a str, got 1"),
    ("Absorption.tlag set str", lambda: setattr(ks.Absorption(), "tlag", "1"),
     "Absorption: tlag must be a real number, got '1'"),
    # metrics
    ("onset threshold str", lambda: ks.onset(res(), "70"),
     "onset: threshold_ng_ml must be a real number, got '70'"),
    ("onset series None", lambda: ks.onset(res(), 70.0, series=None),
     "onset: series must be a str, got None"),
    ("peak series int", lambda: ks.peak(res(), series=1), "peak: series must be a str, got 1"),
    ("auc t0 str", lambda: ks.auc_ng_min_ml(res(), "0"),
     "auc: t0_min must be a real number, got '0'"),
    # the population engine's own arguments
    ("sd_from_cv str", lambda: ks.sd_from_cv("30"),
     "sd_from_cv: cv_percent must be a real number, got '30'"),
    ("core threads str", lambda: ks._core.simulate_population(
        nasal(), ks.Regimen(), [0.0], n=1, threads="2"),
     "simulate_population: threads must be an int, got '2'"),
    ("core seed float", lambda: ks._core.simulate_population(
        nasal(), ks.Regimen(), [0.0], n=1, seed=1.5),
     "simulate_population: seed must be an int, got 1.5"),
    ("core keep_individual int", lambda: ks._core.simulate_population(
        nasal(), ks.Regimen(), [0.0], n=1, keep_individual=1),
     "simulate_population: keep_individual must be a bool (True or False), got 1"),
    ("core method None", lambda: ks._core.simulate_population(
        nasal(), ks.Regimen(), [0.0], n=1, method=None),
     "simulate_population: method must be a str, got None"),
    ("Result.concentration_ng_ml", lambda: res().concentration_ng_ml(1),
     "Result.concentration_ng_ml: compartment must be a str, got 1"),
    ("Model.parameter name", lambda: m1().parameter(1), "Model.parameter: name must be a str, got 1"),
    ("Model.parameter_unit name", lambda: m1().parameter_unit(None),
     "Model.parameter_unit: name must be a str, got None"),
    ("Model.has_route name", lambda: m1().has_route(b"iv"),
     "Model.has_route: name must be a str, got b'iv'"),
    # the catalogue
    ("models.get key", lambda: ks.models.get(5), "models.get: key must be a str, got 5"),
    ("models.info key", lambda: ks.models.info(None), "models.info: key must be a str, got None"),
    ("models.out_of_range key", lambda: ks.models.out_of_range(5),
     "models.out_of_range: key must be a str, got 5"),
    ("models.reproductions key", lambda: ks.models.reproductions(["kamp2020"]),
     "models.reproductions: key must be a str, got ['kamp2020']"),
    ("models.get extrapolate", lambda: ks.models.get("kamp2020", weight_kg=70.0,
                                                     extrapolate="yes"),
     "kamp2020: extrapolate must be a bool, got 'yes'"),
]


@pytest.mark.parametrize("name,call,message", TYPE_CASES, ids=[c[0] for c in TYPE_CASES])
def test_wrong_type_is_a_type_error_naming_the_field(name, call, message):
    with pytest.raises(TypeError) as info:
        call()
    assert str(info.value) == message


BIG = 10**400

RANGE_CASES = [
    ("count 2**31", lambda: ks.Regimen().bolus(1.0, interval_min=1.0, count=2**31),
     "Regimen.bolus: count must be <= 2147483647, got 2147483648"),
    ("position below int", lambda: ks.Regimen().dose("in", 1.0, position=-2**31 - 1),
     "Regimen.dose: position must be >= -2147483648, got -2147483649"),
    ("max_steps 2**63", lambda: run(method="ode", max_steps=2**63),
     "simulate: max_steps must be <= 9223372036854775807, got 9223372036854775808"),
    ("dose 10**400", lambda: ks.Regimen().bolus(BIG),
     "Regimen.bolus: dose_mg must be representable as a double (magnitude <= 1.8e308), got "
     + repr(BIG)[:77] + "..."),
    ("threshold -10**400", lambda: ks.onset(res(), -BIG),
     "onset: threshold_ng_ml must be representable as a double (magnitude <= 1.8e308), got "
     + repr(-BIG)[:77] + "..."),
    ("times too many", lambda: run(times=np.zeros(10_000_001)),
     "simulate: times_min must be at most 10000000 times, got 10000001 times"),
    ("route lone surrogate", lambda: ks.Regimen().dose("\ud800", 1.0),
     "Regimen.dose: route must be valid Unicode text (no lone surrogates), got '\\ud800'"),
    ("threads 2**40", lambda: pop(n=1, threads=2**40),
     "simulate_population: threads must be <= 4294967295, got 1099511627776"),
    ("seed 2**64", lambda: pop(n=1, seed=2**64),
     "simulate_population: seed must be <= 18446744073709551615, got 18446744073709551616"),
    ("n 2**64", lambda: pop(n=2**64),
     "simulate_population: n must be <= 18446744073709551615, got 18446744073709551616"),
    ("core seed negative", lambda: ks._core.simulate_population(
        nasal(), ks.Regimen(), [0.0], n=1, seed=-1),
     "simulate_population: seed must be >= 0, got -1"),
    ("population times too many", lambda: pop(np.zeros(10_000_001), n=1),
     "simulate_population: times_min must be at most 10000000 times, got 10000001 times"),
]


@pytest.mark.parametrize("name,call,message", RANGE_CASES, ids=[c[0] for c in RANGE_CASES])
def test_value_a_cpp_type_cannot_hold_is_a_value_error_naming_the_field(name, call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == message
    assert isinstance(info.value, ks.InvalidInput)


def test_negative_seed_is_a_value_error_naming_seed():
    with pytest.raises(ValueError, match=r"seed must be .*, got -1$"):
        pop(n=1, seed=-1)


def test_numbers_of_any_real_kind_are_accepted():
    from fractions import Fraction

    r = ks.Regimen().bolus(np.float32(1.5), np.int64(2), count=np.int16(1))
    r.dose("iv", Fraction(1, 2), time_min=np.array(3.0))
    assert [d.amount_mg for d in r.records] == [1.5, 0.5]
    assert [d.time_min for d in r.records] == [2.0, 3.0]
    out = ks.simulate(m1(), r, np.arange(5, dtype=np.int32), max_steps=np.uint8(10))
    assert len(out) == 5


def test_python_api_caps_output_times_as_the_scenario_loader_does():
    from ketasim import scenario

    assert scenario.MAX_TIMES == ks._core.MAX_TIMES == 10_000_000
