"""Virtual populations (ks.simulate_population): the issue's contract, subjects against SciPy,
reproducibility whatever the threads or the Dask chunks, summaries against numpy, every error."""

import pickle
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
            .nasal_spray(dose_mg=56, start_min=0, device_mg=28, interval_min=5))


VARIABILITY = {"cl": 0.3, "v1": 0.3, "intranasal.ka": 0.3}


@pytest.fixture(scope="module")
def pop():
    return ks.simulate_population(contract_model(), contract_regimen(), times_min=T, n=1000,
                                  seed=7, threads=2, variability=VARIABILITY,
                                  thresholds_ng_ml=[100.0])


def scipy_subject(p, i):
    """Subject i by the independent SciPy expm reference, from its parameters."""
    m = ref.RefModel(cl=p["cl"][i], v1=p["v1"][i], q2=p["q2"][i], v2=p["v2"][i], q3=p["q3"][i],
                     v3=p["v3"][i], ke0=p["ke0"][i], ka=p["intranasal.ka"][i],
                     f=p["intranasal.f"][i])
    d = ref.RefDoses().infusion(0.0, 40.0, "central", 35.0)
    d.depot_dose(m, 0.0, 28.0).depot_dose(m, 5.0, 28.0)
    states = ref.exact(m, d, T)
    return ref.cp_ng_ml(m, states), 1000.0 * states[:, m.layout()["ce"]]


def test_the_issue_contract(pop):
    assert pop.cp_ng_ml.shape == (1000, T.size)
    assert pop.ce_ng_ml.shape == (1000, T.size)
    assert set(VARIABILITY) <= set(pop.parameters)
    assert pop.parameters["cl"].shape == (1000,)
    s = pop.summary(percentiles=(5, 50, 95))
    assert s.cp_ng_ml.shape == (3, T.size) and s.ce_ng_ml.shape == (3, T.size)
    assert s.exact
    f = pop.fraction_above(threshold_ng_ml=100)
    assert f.shape == (T.size,) and f[0] == 0.0 and np.all(np.diff(f) >= 0.0)
    fitted = ks.simulate_population(contract_model(), contract_regimen(), times_min=T,
                                    parameters={"cl": pop.parameters["cl"][:20],
                                                "v1": pop.parameters["v1"][:20]})
    assert fitted.n == 20  # n from the arrays
    np.testing.assert_array_equal(fitted.parameters["cl"], pop.parameters["cl"][:20])


def test_subjects_match_an_independent_scipy_solution(pop):
    p = pop.parameters
    for i in (0, 123, 999):
        cp, ce = scipy_subject(p, i)
        np.testing.assert_allclose(pop.cp_ng_ml[i], cp, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(pop.ce_ng_ml[i], ce, rtol=1e-9, atol=1e-9)
    # the variability asked for: SD of log(P / P_typical)
    for name, sd in VARIABILITY.items():
        typical = contract_model().parameter(name)
        eta = np.log(p[name] / typical)
        assert abs(eta.std(ddof=1) - sd) < 4 * sd / np.sqrt(2 * 1000)
    np.testing.assert_array_equal(p["q2"], 2.0)


def test_the_same_seed_gives_the_same_population_whatever_the_threads(pop):
    one = ks.simulate_population(contract_model(), contract_regimen(), times_min=T, n=1000,
                                 seed=7, threads=1, variability=VARIABILITY,
                                 thresholds_ng_ml=[100.0])
    np.testing.assert_array_equal(one.cp_ng_ml, pop.cp_ng_ml)
    np.testing.assert_array_equal(one.ce_ng_ml, pop.ce_ng_ml)
    np.testing.assert_array_equal(one.onset_min(), pop.onset_min())
    other = ks.simulate_population(contract_model(), contract_regimen(), times_min=T, n=10,
                                   seed=8, variability=VARIABILITY)
    assert not np.array_equal(other.parameters["cl"], pop.parameters["cl"][:10])


def test_summary_is_numpy_percentile_and_the_onset_curve_is_counted(pop):
    s = pop.summary(percentiles=(2.5, 50, 97.5))
    np.testing.assert_allclose(s.cp_ng_ml, np.percentile(pop.cp_ng_ml, [2.5, 50, 97.5], axis=0),
                               rtol=1e-14, atol=0)
    np.testing.assert_allclose(s.series("ce"), np.percentile(pop.ce_ng_ml, [2.5, 50, 97.5], axis=0),
                               rtol=1e-14, atol=0)
    reached = np.maximum.accumulate(pop.ce_ng_ml >= 100.0, axis=1).mean(axis=0)
    np.testing.assert_array_equal(pop.fraction_above(100.0), reached)
    np.testing.assert_array_equal(pop.fraction_above(100.0, cumulative=False),
                                  (pop.ce_ng_ml >= 100.0).mean(axis=0))
    # a threshold not simulated up front, from the curves
    np.testing.assert_array_equal(pop.fraction_above(55.5, series="cp"),
                                  np.maximum.accumulate(pop.cp_ng_ml >= 55.5, axis=1).mean(axis=0))
    onset = pop.onset_min()
    first = np.argmax(pop.ce_ng_ml >= 100.0, axis=1)
    hit = np.isfinite(onset)
    assert np.all(onset[hit] <= T[first[hit]]) and np.all(onset[hit] > T[first[hit]] - 1.0)
    # Cmax and Tmax are the highest sample and its time
    np.testing.assert_array_equal(pop.cmax_ng_ml, pop.cp_ng_ml.max(axis=1))
    np.testing.assert_array_equal(pop.tmax_min, T[pop.cp_ng_ml.argmax(axis=1)])


def test_summaries_only_keep_no_curves_and_stay_within_a_bin(pop):
    light = ks.simulate_population(contract_model(), contract_regimen(), times_min=T, n=1000,
                                   seed=7, threads=2, variability=VARIABILITY,
                                   thresholds_ng_ml=[100.0], keep_individual=False)
    assert not light.has_individual
    with pytest.raises(ValueError, match="cp must be kept"):
        light.cp_ng_ml
    a, b = pop.summary(), light.summary()
    assert not b.exact
    for name in ("cp", "ce"):
        exact, approx = a.series(name), b.series(name)
        assert np.all(np.abs(approx - exact) <= 2.0 ** -7 * np.abs(exact) + 2.0 ** -20)
    np.testing.assert_array_equal(light.fraction_above(100.0), pop.fraction_above(100.0))
    np.testing.assert_array_equal(light.ce_max_ng_ml, pop.ce_max_ng_ml)
    with pytest.raises(ValueError, match=r"one of the thresholds simulated on ce \[100\]"):
        light.fraction_above(50.0)


def test_covariates_feed_a_catalogue_model():
    weights = np.array([55.0, 70.0, 92.0])
    pop = ks.simulate_population(lambda weight_kg: ks.models.get("otto2021", weight_kg=weight_kg),
                                 ks.Regimen().infusion(dose_mg=10, duration_min=30), times_min=T,
                                 covariates={"weight_kg": weights})
    for i, w in enumerate(weights):
        res = ks.simulate(ks.models.get("otto2021", weight_kg=w),
                          ks.Regimen().infusion(dose_mg=10, duration_min=30), T)
        np.testing.assert_allclose(pop.cp_ng_ml[i], res.cp_ng_ml, rtol=1e-12, atol=1e-12)
    # Otto 2021: central volume 133 L x (W / 70) (Fanta 2015 value, fixed in Otto 2021 Table 3)
    np.testing.assert_allclose(pop.parameters["v1"], 133.0 * weights / 70.0, rtol=1e-12)


def test_correlated_variability_and_residual_error():
    r = 0.6
    pop = ks.simulate_population(contract_model(), contract_regimen(), times_min=T[::60],
                                 n=5000, seed=3, variability={"cl": 0.3, "v1": 0.2},
                                 correlation=[[1.0, r], [r, 1.0]],
                                 residual_error={"proportional": 0.15})
    eta_cl = np.log(pop.parameters["cl"] / 1.2)
    eta_v1 = np.log(pop.parameters["v1"] / 15.0)
    assert abs(np.corrcoef(eta_cl, eta_v1)[0, 1] - r) < 4 * (1 - r * r) / np.sqrt(5000)
    ratio = pop.cp_observed_ng_ml[:, 1:] / pop.cp_ng_ml[:, 1:] - 1.0
    assert abs(ratio.std() - 0.15) < 0.005
    assert pop.summary().cp_observed_ng_ml.shape == (3, T[::60].size)


def test_sd_from_cv():
    # log-normal CV: sqrt(exp(sd^2) - 1); 30 %CV -> sd 0.2936
    assert ks.sd_from_cv(30.0) == pytest.approx(np.sqrt(np.log(1 + 0.3 ** 2)), rel=1e-15)
    with pytest.raises(ValueError, match="cv_percent must be >= 0 %"):
        ks.sd_from_cv(-5.0)


def test_models_regimens_and_populations_pickle(pop):
    m2 = pickle.loads(pickle.dumps(contract_model()))
    r2 = pickle.loads(pickle.dumps(contract_regimen()))
    assert m2.parameter_names() == contract_model().parameter_names()
    np.testing.assert_array_equal(ks.simulate(m2, r2, T).ce_ng_ml,
                                  ks.simulate(contract_model(), contract_regimen(), T).ce_ng_ml)
    p2 = pickle.loads(pickle.dumps(pop))
    np.testing.assert_array_equal(p2.ce_ng_ml, pop.ce_ng_ml)
    np.testing.assert_array_equal(p2.onset_min(100.0), pop.onset_min(100.0))
    np.testing.assert_array_equal(p2.summary().cp_ng_ml, pop.summary().cp_ng_ml)


def test_a_pickled_population_with_truncated_histograms_is_a_value_error():
    light = ks.simulate_population(ks.Model(cl=1.2, v1=15.0, ke0=0.2),
                                   ks.Regimen().bolus(dose_mg=30), times_min=np.arange(0, 11.0),
                                   n=20, seed=1, variability={"cl": 0.3},
                                   thresholds_ng_ml=[100.0], keep_individual=False)
    state = light._core.__getstate__()
    state["hist_cp"]["counts"] = np.asarray(state["hist_cp"]["counts"])[:-3]
    fresh = type(light._core).__new__(type(light._core))
    with pytest.raises(ValueError, match=r"pickled state hist_cp.counts must be 56353 counts "
                                         r"\(n_times x bins\), got 56350 counts"):
        fresh.__setstate__(state)


def test_gil_is_released_while_the_population_runs():
    span = {}

    def work():
        span["start"] = time.perf_counter()
        ks.simulate_population(contract_model(), contract_regimen(), times_min=T, n=3000,
                               threads=1, variability=VARIABILITY)
        span["end"] = time.perf_counter()

    worker = threading.Thread(target=work)
    ticks = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
    worker.join()
    during = [t for t in ticks if span["start"] < t < span["end"]]
    assert span["end"] - span["start"] > 0.02
    assert len(during) > 100


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=10, variability={"cll": 0.3}),
     r"simulate_population: variability parameter must be one of the model's parameters "
     r"\[v1, cl, .*\], got \"cll\""),
    (dict(n=10, variability={"cl": -0.3}), r"variability\[\"cl\"\] must be >= 0"),
    (dict(n=10, variability=[0.3]), "variability must be a dict"),
    (dict(), "n must be given"),
    (dict(n=0), "n must be an integer >= 1, got 0"),
    (dict(n=10, threads=0), "threads must be an integer >= 1, got 0"),
    (dict(n=3, parameters={"cl": [1.0, 2.0]}), r"parameters\[\"cl\"\] must be 3 values"),
    (dict(n=2, parameters={"cl": [1.0, -2.0]}), r"parameters\[\"cl\"\]\[1\] must be > 0 L/min"),
    (dict(n=2, residual_error={"prop": 0.1}), "residual_error keys must be in"),
    (dict(n=2, covariates={"weight_kg": [70, 80]}), "model must be a callable building a Model"),
    (dict(n=2, correlation=[[1.0, 0.5], [0.5, 1.0]], variability={"cl": 0.1}),
     "correlation must be a 1 x 1 matrix"),
    (dict(n=2, thresholds_ng_ml=-1.0), r"thresholds_ng_ml\[0\] must be > 0 ng/mL"),
    (dict(n=2, threshold_series="cq"), "threshold_series must be one of"),
    (dict(n=2, method="rk4"), "method must be one of"),
])
def test_bad_input_names_the_field(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ks.simulate_population(contract_model(), contract_regimen(), T[:5], **kwargs)


def test_wrong_type_of_variability_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match=r'^simulate_population: variability\["cl"\] must be a '
                                        r"real number, got '30%'$"):
        ks.simulate_population(contract_model(), contract_regimen(), T[:5], n=10,
                               variability={"cl": "30%"})


def test_a_sweep_reusing_curve_memory_gives_the_fresh_results():
    def run(dose_mg, **kw):
        regimen = ks.Regimen().infusion(dose_mg=dose_mg, start_min=0, duration_min=40)
        return ks.simulate_population(contract_model(), regimen, times_min=T[:241], n=50,
                                      seed=3, variability=VARIABILITY, thresholds_ng_ml=[50.0],
                                      residual_error={"proportional": 0.1}, **kw)

    first = run(35.0)
    old_cp, old_cmax = first.cp_ng_ml, first.cmax_ng_ml.copy()
    address = old_cp.__array_interface__["data"][0]
    for dose in (50.0, 70.0):
        reused = run(dose, reuse=first)
        fresh = run(dose)
        assert reused.cp_ng_ml.__array_interface__["data"][0] == address
        np.testing.assert_array_equal(reused.cp_ng_ml, fresh.cp_ng_ml)
        np.testing.assert_array_equal(reused.ce_ng_ml, fresh.ce_ng_ml)
        np.testing.assert_array_equal(reused.cp_observed_ng_ml, fresh.cp_observed_ng_ml)
        np.testing.assert_array_equal(reused.onset_min(50.0), fresh.onset_min(50.0))
        # the earlier result's curves show the new run; its metrics stay its own
        np.testing.assert_array_equal(old_cp, fresh.cp_ng_ml)
        np.testing.assert_array_equal(first.cmax_ng_ml, old_cmax)
    del first, old_cp
    np.testing.assert_array_equal(reused.cp_ng_ml, fresh.cp_ng_ml)  # memory still held

    kept = run(35.0)
    with pytest.raises(ValueError, match=r"reuse must be curves of this run's shape "
                                         r"\(50 x 100\), got \"50 x 241\""):
        ks.simulate_population(contract_model(), contract_regimen(), times_min=T[:100], n=50,
                               reuse=kept)
    with pytest.raises(ValueError, match="reuse must be a ketasim.Population"):
        run(35.0, reuse=kept.cp_ng_ml)
    with pytest.raises(ValueError, match="reuse must be None with a Dask client"):
        run(35.0, reuse=kept, client=object())
    summaries = run(35.0, keep_individual=False)
    with pytest.raises(ValueError, match="reuse must be a population that kept its curves"):
        run(35.0, reuse=summaries)


def test_a_builders_bad_model_names_the_subject():
    def build(weight_kg):
        return ks.Model(cl=1.0 if weight_kg < 100 else -1.0, v1=weight_kg / 4)

    with pytest.raises(ValueError, match="Model: cl must be > 0"):
        ks.simulate_population(build, ks.Regimen().bolus(dose_mg=10), T[:5],
                               covariates={"weight_kg": [60.0, 150.0]})
    with pytest.raises(ValueError, match="subject 1: "):
        ks.simulate_population(lambda weight_kg: build(min(weight_kg, 99)) if weight_kg < 100
                               else ks.Model(cl=1.0, v1=10.0, ke0=0.3),
                               ks.Regimen().bolus(dose_mg=10), T[:5],
                               covariates={"weight_kg": [60.0, 150.0]})


def test_a_dask_cluster_gives_the_single_machine_result(pop):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        spread = ks.simulate_population(contract_model(), contract_regimen(), times_min=T,
                                        n=1000, seed=7, variability=VARIABILITY,
                                        thresholds_ng_ml=[100.0], client=client, chunk_size=300)
        light = ks.simulate_population(contract_model(), contract_regimen(), times_min=T,
                                       n=1000, seed=7, variability=VARIABILITY,
                                       thresholds_ng_ml=[100.0], keep_individual=False,
                                       client=client, chunk_size=250)
    np.testing.assert_array_equal(spread.cp_ng_ml, pop.cp_ng_ml)
    np.testing.assert_array_equal(spread.ce_ng_ml, pop.ce_ng_ml)
    np.testing.assert_array_equal(spread.onset_min(), pop.onset_min())
    single_light = ks.simulate_population(contract_model(), contract_regimen(), times_min=T,
                                          n=1000, seed=7, variability=VARIABILITY,
                                          thresholds_ng_ml=[100.0], keep_individual=False)
    np.testing.assert_array_equal(light.summary().ce_ng_ml, single_light.summary().ce_ng_ml)
    np.testing.assert_array_equal(light.fraction_above(100.0), pop.fraction_above(100.0))


def test_plot_population_draws_bands_and_the_onset_curve(pop):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = ks.plot.population({"reference": pop}, threshold_ng_ml=100, series="ce")
    try:
        cp_ax, ce_ax, frac_ax = fig.axes
        assert frac_ax.get_ylabel() == "Subjects reached (%)"
        (median,) = [ln for ln in cp_ax.get_lines() if ln.get_label().startswith("reference")]
        np.testing.assert_array_equal(median.get_ydata(), np.percentile(pop.cp_ng_ml, 50, axis=0))
        (curve,) = frac_ax.get_lines()
        np.testing.assert_array_equal(curve.get_ydata(),
                                      100.0 * pop.fraction_above(100.0, series="ce"))
        assert len(ce_ax.collections) >= 1  # the 5-95 % band
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="percentiles must be three increasing numbers"):
        ks.plot.population({"reference": pop}, percentiles=(50, 5, 95))
    with pytest.raises(ValueError, match="must be a ketasim.Population"):
        ks.plot.population({"reference": 3})


def test_compare_population_prints_fractions_and_writes_bands(tmp_path, capsys):
    from ketasim import cli

    csv_path = tmp_path / "cmp.csv"
    assert cli.main(["compare", "--population", "200", "--no-plot", "--csv", str(csv_path)]) == 0
    out = capsys.readouterr().out
    assert "population: 200 virtual subjects per regimen (seed 7)" in out
    assert "reached 70 by 30 min" in out
    table = (tmp_path / "cmp_population.csv").read_text().splitlines()
    header = table[0].split(",")
    assert header[0] == "time_min" and "regimen1_ce_p50_ng_ml" in header
    assert "regimen2_fraction_reached" in header and len(table) == 1 + 241  # 0..240 min
    with pytest.raises(SystemExit):
        cli.main(["compare", "--population", "0"])
