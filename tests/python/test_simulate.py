"""simulate() and Result: values against independent SciPy solutions, inputs of every shape, and
outputs that are read-only zero-copy NumPy views; the GIL is released while C++ computes."""

import threading
import time

import numpy as np
import pytest

import ketasim as ks
import reference as ref

T = np.arange(0.0, 721.0)


def contract_model():
    return ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, q3=0.6, v3=150.0, ke0=0.2,
                    routes={"intranasal": ks.Absorption(ka=0.05, f=0.45, tlag=0.0)})


def contract_regimen():
    return (ks.Regimen()
            .infusion(dose_mg=35, start_min=0, duration_min=40)
            .dose("intranasal", dose_mg=28, time_min=0)
            .dose("intranasal", dose_mg=28, time_min=5))


def contract_reference():
    m = ref.RefModel(cl=1.2, v1=15.0, q2=2.0, v2=40.0, q3=0.6, v3=150.0, ke0=0.2, ka=0.05,
                     f=0.45)
    d = ref.RefDoses().infusion(0.0, 40.0, "central", 35.0)
    d.depot_dose(m, 0.0, 28.0).depot_dose(m, 5.0, 28.0)
    return m, d


@pytest.mark.parametrize("method", ["exact", "ode", "ode_stiff"])
def test_contract_example_matches_scipy_expm(method):
    res = ks.simulate(contract_model(), contract_regimen(), times_min=T, method=method)
    m, d = contract_reference()
    states = ref.exact(m, d, T)
    tol = 1e-10 if method == "exact" else 1e-6
    atol_mg = 1e-12 if method == "exact" else 1e-8  # the ODE's atol is 1e-9 mg
    np.testing.assert_allclose(res.cp_ng_ml, ref.cp_ng_ml(m, states), rtol=tol, atol=1e-9)
    np.testing.assert_allclose(res.ce_ng_ml, ref.ce_ng_ml(m, states), rtol=tol, atol=1e-9)
    ix = m.layout()
    assert res.columns == ["central", "peripheral1", "peripheral2", "intranasal.depot"]
    for j, key in enumerate(["central", "p1", "p2", "depot"]):
        np.testing.assert_allclose(res.amounts_mg[:, j], states[:, ix[key]], rtol=tol,
                                   atol=atol_mg)


def test_exact_matches_scipy_solve_ivp_at_tight_tolerance():
    res = ks.simulate(contract_model(), contract_regimen(), T)
    m, d = contract_reference()
    states = ref.ode(m, d, T)
    np.testing.assert_allclose(res.cp_ng_ml, ref.cp_ng_ml(m, states), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(res.ce_ng_ml, ref.ce_ng_ml(m, states), rtol=1e-7, atol=1e-7)


def test_ode_method_honours_rtol_and_atol():
    m, d = contract_reference()
    expected = ref.cp_ng_ml(m, ref.exact(m, d, T))
    loose = ks.simulate(contract_model(), contract_regimen(), T, "ode", rtol=1e-4, atol=1e-6)
    tight = ks.simulate(contract_model(), contract_regimen(), T, "ode", rtol=1e-11, atol=1e-13)
    err_loose = np.max(np.abs(loose.cp_ng_ml - expected))
    err_tight = np.max(np.abs(tight.cp_ng_ml - expected))
    assert err_tight < 1e-6
    assert err_tight < err_loose


def test_one_compartment_model_matches_closed_form():
    # Bolus into one compartment: Cp = D/V exp(-CL/V t); Ce = D/V ke0/(ke0-k)(e^-kt - e^-ke0 t).
    model = ks.Model(cl=1.2, v1=15.0, ke0=0.2)
    res = ks.simulate(model, ks.Regimen().bolus(dose_mg=30.0), T)
    k = 1.2 / 15.0
    c0 = 1000.0 * 30.0 / 15.0
    np.testing.assert_allclose(res.cp_ng_ml, c0 * np.exp(-k * T), rtol=1e-12)
    ce = c0 * 0.2 / (0.2 - k) * (np.exp(-k * T) - np.exp(-0.2 * T))
    np.testing.assert_allclose(res.ce_ng_ml, ce, rtol=1e-10, atol=1e-10)
    assert res.columns == ["central"]


def test_two_compartment_model_and_rate_infusion_match_scipy():
    model = ks.Model(cl=1.0, v1=10.0, q2=3.0, v2=30.0)
    reg = ks.Regimen().infusion(rate_mg_per_min=2.0, start_min=10.0, duration_min=20.0)
    res = ks.simulate(model, reg, T[:121])
    m = ref.RefModel(cl=1.0, v1=10.0, q2=3.0, v2=30.0)
    d = ref.RefDoses().infusion(10.0, 20.0, "central", 40.0)
    np.testing.assert_allclose(res.cp_ng_ml, ref.cp_ng_ml(m, ref.exact(m, d, T[:121])),
                               rtol=1e-10, atol=1e-12)
    assert not res.has_effect_site


def test_bolus_repeats_and_sample_at_bolus_time_sees_the_dose():
    model = ks.Model(cl=1.2, v1=15.0)
    res = ks.simulate(model, ks.Regimen().bolus(10.0, 0.0, interval_min=30.0, count=3),
                      [0.0, 29.999, 30.0, 60.0, 90.0])
    m = ref.RefModel(cl=1.2, v1=15.0)
    d = ref.RefDoses().bolus(0.0, "central", 10.0).bolus(30.0, "central", 10.0)
    d.bolus(60.0, "central", 10.0)
    np.testing.assert_allclose(res.cp_ng_ml,
                               ref.cp_ng_ml(m, ref.exact(m, d, [0.0, 29.999, 30.0, 60.0, 90.0])),
                               rtol=1e-12)
    assert res.cp_ng_ml[2] - res.cp_ng_ml[1] == pytest.approx(1000.0 * 10.0 / 15.0, rel=1e-3)


def test_nasal_spray_with_lag_matches_scipy():
    model = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.5,
                     routes={"intranasal": ks.Absorption(ka=0.08, f=0.5, tlag=2.0)})
    res = ks.simulate(model, ks.Regimen().nasal_spray(dose_mg=84), T[:181])
    m = ref.RefModel(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.5, ka=0.08, f=0.5, tlag=2.0)
    d = ref.RefDoses()
    for k in range(3):  # three 28 mg devices, 5 min apart
        d.depot_dose(m, 5.0 * k, 28.0)
    states = ref.exact(m, d, T[:181])
    np.testing.assert_allclose(res.cp_ng_ml, ref.cp_ng_ml(m, states), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.ce_ng_ml, ref.ce_ng_ml(m, states), rtol=1e-10, atol=1e-12)


def test_mass_balance_and_auc_columns():
    res = ks.simulate(contract_model(), contract_regimen(), T)
    total_in = 35.0 + 0.45 * 56.0  # mg that entered the body or the depot by the end
    assert res.amounts_mg[-1].sum() + res.eliminated_mg[-1] == pytest.approx(total_in, rel=1e-9)
    m, d = contract_reference()
    m.auc = True
    states = ref.exact(m, d, T)
    np.testing.assert_allclose(res.auc_cp_ng_min_ml, 1000.0 * states[:, m.layout()["auc"]],
                               rtol=1e-10)
    np.testing.assert_allclose(np.diff(res.eliminated_mg),
                               np.diff(1.2 * states[:, m.layout()["auc"]]), rtol=1e-8)


SEQUENCES = [
    ("list", lambda t: list(t)),
    ("tuple", lambda t: tuple(t)),
    ("list of ints", lambda t: [int(x) for x in t]),
    ("float64", lambda t: np.asarray(t, dtype=np.float64)),
    ("float32", lambda t: np.asarray(t, dtype=np.float32)),
    ("float16", lambda t: np.asarray(t, dtype=np.float16)),
    ("int64", lambda t: np.asarray(t, dtype=np.int64)),
    ("uint8", lambda t: np.asarray(t, dtype=np.uint8)),
    ("strided", lambda t: np.repeat(np.asarray(t, dtype=float), 3)[::3]),
    ("reversed view", lambda t: np.asarray(t, dtype=float)[::-1][::-1]),
    ("fortran row", lambda t: np.asfortranarray(np.stack([t, t]))[0]),
    ("big-endian", lambda t: np.asarray(t, dtype=">f8")),
]


@pytest.mark.parametrize("name,make", SEQUENCES, ids=[s[0] for s in SEQUENCES])
def test_times_of_any_sequence_type_give_the_same_result(name, make):
    t = np.arange(0.0, 121.0, 2.0)
    expected = ks.simulate(contract_model(), contract_regimen(), t)
    times = make(t)
    if name == "strided":
        assert not times.flags.c_contiguous
    res = ks.simulate(contract_model(), contract_regimen(), times)
    np.testing.assert_array_equal(res.time_min, t)
    np.testing.assert_array_equal(res.cp_ng_ml, expected.cp_ng_ml)
    np.testing.assert_array_equal(res.ce_ng_ml, expected.ce_ng_ml)


def test_outputs_are_float64_read_only_views_of_the_result():
    res = ks.simulate(contract_model(), contract_regimen(), T)
    arrays = [res.time_min, res.cp_ng_ml, res.ce_ng_ml, res.amounts_mg, res.eliminated_mg]
    for a in arrays:
        assert isinstance(a, np.ndarray)
        assert a.dtype == np.float64
        assert not a.flags.writeable
        assert not a.flags.owndata  # a view of the C++ Result's memory: no copy
        assert a.base is res
    assert res.time_min.ndim == res.cp_ng_ml.ndim == res.ce_ng_ml.ndim == 1
    assert res.amounts_mg.shape == (len(T), 4)
    # amounts_mg is a strided view of the row-major state matrix (amounts, eliminated, AUC, Ce).
    assert res.amounts_mg.strides == (7 * 8, 8)
    start = res.amounts_mg.__array_interface__["data"][0]
    assert res.eliminated_mg.__array_interface__["data"][0] == start + 4 * 8
    assert res.eliminated_mg.strides == (7 * 8,)
    with pytest.raises(ValueError, match="read-only"):
        res.cp_ng_ml[0] = 1.0
    assert len(res) == len(T)


def test_views_outlive_the_python_name_of_the_result():
    cp = ks.simulate(contract_model(), contract_regimen(), T).cp_ng_ml
    m, d = contract_reference()
    np.testing.assert_allclose(cp, ref.cp_ng_ml(m, ref.exact(m, d, T)), rtol=1e-10, atol=1e-9)


def test_input_times_are_not_copied_when_already_float64_contiguous():
    t = np.arange(0.0, 11.0)
    res = ks.simulate(contract_model(), contract_regimen(), t)
    np.testing.assert_array_equal(res.time_min, t)
    assert not np.shares_memory(res.time_min, t)  # the Result owns its copy of the times


def test_model_and_regimen_are_copied_into_the_simulation():
    model, reg = contract_model(), contract_regimen()
    res = ks.simulate(model, reg, T)
    before = np.array(res.cp_ng_ml)
    model.set_parameter("cl", 5.0)
    reg.bolus(100.0)
    np.testing.assert_array_equal(res.cp_ng_ml, before)


def test_analyte_concentration_and_to_pandas():
    model = (ks.Model().add_compartment("central", 15.0, "v1").add_clearance("central", 1.2, "cl")
             .add_compartment("norketamine", 50.0, "vm")
             .add_transfer("central", "norketamine", 0.02, "kf")
             .add_elimination("norketamine", 0.01, "kem").add_analyte("norketamine"))
    res = ks.simulate(model, ks.Regimen().bolus(dose_mg=30.0), T[:61])
    assert res.analytes == ["norketamine"]
    nk = res.concentration_ng_ml("norketamine")
    np.testing.assert_allclose(nk, 1000.0 * res.amounts_mg[:, 1] / 50.0, rtol=1e-14)
    # Closed form (Bateman): parent k = (1.2 + 0.3)/15, metabolite kem.
    k = (1.2 + 0.3) / 15.0
    expected = 1000.0 * 30.0 * 0.02 / (0.01 - k) * (np.exp(-k * T[:61]) - np.exp(-0.01 * T[:61])) / 50.0
    np.testing.assert_allclose(nk, expected, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="compartment"):
        res.concentration_ng_ml("nope")


def test_to_pandas_columns_when_pandas_is_installed():
    pd = pytest.importorskip("pandas")
    res = ks.simulate(contract_model(), contract_regimen(), T[:11])
    df = res.to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["time_min", "cp_ng_ml", "ce_ng_ml", "central_mg",
                                "peripheral1_mg", "peripheral2_mg", "intranasal.depot_mg"]
    np.testing.assert_array_equal(df["cp_ng_ml"].to_numpy(), res.cp_ng_ml)


def test_to_pandas_without_pandas_says_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)
    res = ks.simulate(contract_model(), contract_regimen(), T[:11])
    with pytest.raises(ImportError, match="pip install pandas"):
        res.to_pandas()


def test_gil_is_released_while_simulating():
    rng = np.random.default_rng(7)
    times = np.sort(rng.uniform(0.0, 720.0, 40_000))  # distinct steps: one expm each
    span = {}

    def work():
        span["start"] = time.perf_counter()
        ks.simulate(contract_model(), contract_regimen(), times)
        span["end"] = time.perf_counter()

    worker = threading.Thread(target=work)
    ticks = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
    worker.join()
    during = [t for t in ticks if span["start"] < t < span["end"]]
    assert span["end"] - span["start"] > 0.02
    # With the GIL held for the whole call, this thread could not run at all meanwhile.
    assert len(during) > 100


def test_threads_simulating_at_once_get_correct_results():
    m, d = contract_reference()
    expected = ref.cp_ng_ml(m, ref.exact(m, d, T))
    model, reg = contract_model(), contract_regimen()
    out = [None] * 8

    def work(i):
        out[i] = ks.simulate(model, reg, T, "exact" if i % 2 else "ode").cp_ng_ml

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for i, cp in enumerate(out):
        np.testing.assert_allclose(cp, expected, rtol=1e-10 if i % 2 else 1e-6, atol=1e-6)
