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
                                  thresholds_ng_ml=[100.0], threshold_series="ce")


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
    f = pop.fraction_above(threshold_ng_ml=100, series="ce")
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
                                 thresholds_ng_ml=[100.0], threshold_series="ce")
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
    np.testing.assert_array_equal(pop.fraction_above(100.0, "ce"), reached)
    np.testing.assert_array_equal(pop.fraction_above(100.0, "ce", cumulative=False),
                                  (pop.ce_ng_ml >= 100.0).mean(axis=0))
    # a threshold not simulated up front, from the curves
    np.testing.assert_array_equal(pop.fraction_above(55.5, series="cp"),
                                  np.maximum.accumulate(pop.cp_ng_ml >= 55.5, axis=1).mean(axis=0))
    onset = pop.onset_min()
    first = np.argmax(pop.ce_ng_ml >= 100.0, axis=1)
    hit = np.isfinite(onset)
    assert np.all(onset[hit] <= T[first[hit]]) and np.all(onset[hit] > T[first[hit]] - 1.0)
    # Cmax is on the continuous solution: never below the highest sample, and the same as
    # ks.peak on the subject's single simulation (checked in test_population_metrics_are_peak)
    assert np.all(pop.cmax_ng_ml >= pop.cp_ng_ml.max(axis=1) * (1 - 1e-12))
    assert np.all(np.abs(pop.tmax_min - T[pop.cp_ng_ml.argmax(axis=1)]) <= 1.0)


def test_summaries_only_keep_no_curves_and_stay_within_a_bin(pop):
    light = ks.simulate_population(contract_model(), contract_regimen(), times_min=T, n=1000,
                                   seed=7, threads=2, variability=VARIABILITY,
                                   thresholds_ng_ml=[100.0], threshold_series="ce",
                                   keep_individual=False)
    assert not light.has_individual
    with pytest.raises(ValueError, match="cp must be kept"):
        light.cp_ng_ml
    a, b = pop.summary(), light.summary()
    assert not b.exact
    for name in ("cp", "ce"):
        exact, approx = a.series(name), b.series(name)
        assert np.all(np.abs(approx - exact) <= 2.0 ** -7 * np.abs(exact) + 2.0 ** -20)
    np.testing.assert_array_equal(light.fraction_above(100.0, "ce"),
                                  pop.fraction_above(100.0, "ce"))
    np.testing.assert_array_equal(light.ce_max_ng_ml, pop.ce_max_ng_ml)
    with pytest.raises(ValueError, match=r"one of the thresholds simulated on ce \[100\]"):
        light.fraction_above(50.0, "ce")


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
                                   thresholds_ng_ml=[100.0], threshold_series="ce",
                                   keep_individual=False)
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
    (dict(n=10, threads=-1), "threads must be an integer >= 0, got -1"),
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
                                        thresholds_ng_ml=[100.0], threshold_series="ce",
                                        client=client, chunk_size=300)
        light = ks.simulate_population(contract_model(), contract_regimen(), times_min=T,
                                       n=1000, seed=7, variability=VARIABILITY,
                                       thresholds_ng_ml=[100.0], threshold_series="ce",
                                       keep_individual=False,
                                       client=client, chunk_size=250)
    np.testing.assert_array_equal(spread.cp_ng_ml, pop.cp_ng_ml)
    np.testing.assert_array_equal(spread.ce_ng_ml, pop.ce_ng_ml)
    np.testing.assert_array_equal(spread.onset_min(), pop.onset_min())
    single_light = ks.simulate_population(contract_model(), contract_regimen(), times_min=T,
                                          n=1000, seed=7, variability=VARIABILITY,
                                          thresholds_ng_ml=[100.0], threshold_series="ce",
                                          keep_individual=False)
    np.testing.assert_array_equal(light.summary().ce_ng_ml, single_light.summary().ce_ng_ml)
    np.testing.assert_array_equal(light.fraction_above(100.0, "ce"),
                                  pop.fraction_above(100.0, "ce"))


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
    # Each arm says where its variability comes from: Perez-Ruixo's published Table 3; Kamp
    # 2020's is not traced, so the illustrative SD, said so.
    assert ("published between-subject variability of perezruixo2021 (Perez-Ruixo 2021 "
            "Table 3") in out
    assert "kamp2020 publishes no between-subject variability ketasim could trace, so " \
           "illustrative SD 0.3" in out
    assert "reached 70 by 30 min" in out
    table = (tmp_path / "cmp_population.csv").read_text().splitlines()
    header = table[0].split(",")
    assert header[0] == "time_min" and "regimen1_ce_p50_ng_ml" in header
    assert "regimen2_fraction_reached" in header and len(table) == 1 + 241  # 0..240 min
    with pytest.raises(SystemExit):
        cli.main(["compare", "--population", "0"])


def small_population(**kw):
    settings = dict(times_min=T[:61], n=30, seed=5, variability=VARIABILITY,
                    thresholds_ng_ml=[50.0, 100.0], residual_error={"proportional": 0.1})
    settings.update(kw)
    return ks.simulate_population(contract_model(), contract_regimen(), **settings)


def restore(state):
    fresh = ks._core.Population.__new__(ks._core.Population)
    fresh.__setstate__(state)
    return fresh


@pytest.mark.parametrize("keep", [True, False])
def test_a_pickled_population_round_trips_every_field(keep):
    p = small_population(keep_individual=keep)
    q = ks.Population(restore(p._core.__getstate__()))
    for name in ("cmax_ng_ml", "tmax_min", "ce_max_ng_ml", "ce_tmax_min", "auc_ng_min_ml"):
        np.testing.assert_array_equal(getattr(q, name), getattr(p, name))
    for thr in (50.0, 100.0):
        for name in ("onset_min", "offset_min", "time_above_min"):
            np.testing.assert_array_equal(getattr(q, name)(thr), getattr(p, name)(thr))
        np.testing.assert_array_equal(q.fraction_above(thr), p.fraction_above(thr))
    np.testing.assert_array_equal(q.summary().cp_observed_ng_ml, p.summary().cp_observed_ng_ml)


def _tamper_2d(key, fix):
    def tamper(state):
        state[key] = fix(np.asarray(state[key]))
    return tamper


@pytest.mark.parametrize("tamper, match", [
    (_tamper_2d("cp", lambda a: a[:-1]),
     r"pickled state cp must be an array of shape 30 x 61, got shape \(29, 61\)"),
    (_tamper_2d("ce", lambda a: a[:, :-1]),
     r"pickled state ce must be an array of shape 30 x 61, got shape \(30, 60\)"),
    (_tamper_2d("cp_observed", lambda a: a.ravel()),
     r"pickled state cp_observed must be an array of shape 30 x 61, got shape \(1830,\)"),
    (_tamper_2d("parameters", lambda a: a[:, :3]),
     r"pickled state parameters must be an array of shape 30 x 10, got shape \(30, 3\)"),
    (_tamper_2d("cmax", lambda a: a[:5]), r"pickled state cmax must be 30 values, got shape"),
    (_tamper_2d("auc", lambda a: a[:0]), r"pickled state auc must be 30 values"),
    (_tamper_2d("onset", lambda a: a[:1]), r"pickled state onset must be an array of shape 2 x 30"),
    (_tamper_2d("offset", lambda a: a.T), r"pickled state offset must be an array of shape 2 x 30"),
    (_tamper_2d("time_above", lambda a: a[:, :2]), r"pickled state time_above must be"),
    (_tamper_2d("above", lambda a: a[:, :-1]), r"pickled state above must be an array of shape "
                                               r"2 x 61"),
    (_tamper_2d("reached", lambda a: a + 10 ** 6),
     r"pickled state reached\[0\]\[0\] must be an output index in \[-1, 61\), got \d+"),
    (_tamper_2d("reached", lambda a: a[:, :-1]), r"pickled state reached must be an array"),
    (lambda s: s.update(n=31), r"pickled state cp must be an array of shape 31 x 61"),
    (lambda s: s.update(n=0), r"pickled state n must be >= 1, got 0"),
    (lambda s: s.update(n="thirty"), r"pickled state n must be an integer >= 1, got 'thirty'"),
    (lambda s: s.update(time_min=s["time_min"][:-1]),
     r"pickled state cp must be an array of shape 30 x 60"),
    (lambda s: s.update(time_min=[]), r"pickled state time_min must be non-empty"),
    (lambda s: s.update(thresholds=[50.0]), r"pickled state onset must be an array of shape "
                                            r"1 x 30"),
    (lambda s: s.update(parameter_names=["cl"]), r"pickled state parameters must be an array of "
                                                 r"shape 30 x 1"),
    (lambda s: s.update(effect_site=False), r"pickled state ce must be an array of shape 0 x 0"),
    (lambda s: s.update(individual="yes"), r"pickled state individual must be a bool"),
    (lambda s: s.pop("auc"), r"pickled state auc must be present, got nothing"),
    (lambda s: s.update(cp="not an array"), r"pickled state cp must be an array of numbers"),
    (lambda s: s.update(threshold_series="cq"), r"series must be one of"),
    (lambda s: s.update(version=1), r"pickled state must be version 2, got 1"),
])
def test_a_tampered_pickled_population_is_a_value_error_naming_the_field(tamper, match):
    state = small_population()._core.__getstate__()
    tamper(state)
    with pytest.raises(ValueError, match=match):
        restore(state)


def test_tampered_histograms_of_a_summaries_only_population_are_value_errors():
    light = small_population(keep_individual=False)
    for key, value, match in [
        ("n_times", 60, r"pickled state hist_cp.n_times must be 61, got 60"),
        ("signed", True, r"pickled state hist_cp.signed must be False, got True"),
        ("totals", [30] * 60, r"pickled state hist_cp.totals must be 61 values"),
        ("totals", [31] * 61, r"pickled state hist_cp.totals\[0\] must be 30 \(n\), got 31"),
        ("top", [0.0] * 62, r"pickled state hist_cp.top must be 61 values"),
    ]:
        state = light._core.__getstate__()
        state["hist_cp"][key] = value
        with pytest.raises(ValueError, match=match):
            restore(state)
    state = light._core.__getstate__()
    state["hist_observed"] = {"n_times": 0}
    with pytest.raises(ValueError, match=r"pickled state hist_observed.n_times must be 61, got 0"):
        restore(state)


def test_per_subject_auc_offset_and_time_above_agree_with_onset_metrics(pop):
    for i in range(0, pop.n, 97):
        p = {k: v[i] for k, v in pop.parameters.items()}
        m = ks.Model(cl=p["cl"], v1=p["v1"], q2=p["q2"], v2=p["v2"], q3=p["q3"], v3=p["v3"],
                     ke0=p["ke0"], routes={"intranasal": ks.Absorption(
                         ka=p["intranasal.ka"], f=p["intranasal.f"], tlag=0.0)})
        metrics = ks.onset(ks.simulate(m, contract_regimen(), T), 100.0, series="ce")
        # AUC from the solver's AUC state, as onset()'s
        assert pop.auc_ng_min_ml[i] == pytest.approx(metrics.auc_ng_min_ml, rel=1e-10)
        if metrics.t_onset_min is None:
            assert np.isnan(pop.offset_min(100.0)[i]) and pop.time_above_min(100.0)[i] == 0.0
        elif metrics.ce_max_ng_ml > 100.1:  # not grazing the threshold between two samples
            # Ce crossings by cubic Hermite on the 1-min grid
            assert pop.offset_min(100.0)[i] == pytest.approx(metrics.t_offset_min, abs=1e-3)
            assert pop.time_above_min(100.0)[i] == pytest.approx(metrics.time_above_min,
                                                                 abs=2e-3)


def test_thresholds_and_fractions_default_to_cp_as_everywhere():
    p = small_population()
    assert p.threshold_series == "cp"
    first = np.argmax(p.cp_ng_ml >= 50.0, axis=1)
    hit = np.any(p.cp_ng_ml >= 50.0, axis=1)
    onset = p.onset_min(50.0)
    assert np.all(np.isnan(onset[~hit]))
    assert np.all(onset[hit] <= T[first[hit]])
    np.testing.assert_array_equal(p.fraction_above(50.0),
                                  np.maximum.accumulate(p.cp_ng_ml >= 50.0, axis=1).mean(axis=0))
    np.testing.assert_array_equal(p.summary().series(), p.summary().cp_ng_ml)


def test_threads_zero_means_all_cores_as_none_does():
    a = small_population(threads=0)
    b = small_population(threads=None)
    c = small_population(threads=1)
    np.testing.assert_array_equal(a.cp_ng_ml, b.cp_ng_ml)
    np.testing.assert_array_equal(a.cp_ng_ml, c.cp_ng_ml)


def test_bioavailability_of_one_cannot_vary_on_the_logit_scale():
    model = ks.Model(cl=1.2, v1=15.0, routes={"oral": ks.Absorption(ka=0.02, f=1.0)})
    oral = ks.Regimen().dose("oral", dose_mg=100, time_min=0)
    with pytest.raises(ValueError, match=r"simulate_population: oral.f must be < 1 to vary on "
                                         r"the logit scale \(it has variability\), got 1"):
        ks.simulate_population(model, oral, T[:5], n=10, variability={"oral.f": 0.5})
    # below 1 it varies on the logit scale and stays within (0, 1)
    model.set_parameter("oral.f", 0.9)
    p = ks.simulate_population(model, oral, T[:5], n=4000, seed=2, variability={"oral.f": 0.5},
                               keep_individual=False)
    f = p.parameters["oral.f"]
    assert np.all((f > 0.0) & (f < 1.0))
    logit = np.log(f / (1.0 - f))
    assert abs(logit.mean() - np.log(0.9 / 0.1)) < 4 * 0.5 / np.sqrt(4000)
    assert abs(logit.std(ddof=1) - 0.5) < 4 * 0.5 / np.sqrt(2 * 4000)


def test_a_population_too_large_for_memory_is_refused_before_allocating():
    with pytest.raises(ValueError, match=r"simulate_population: n x times_min must be small "
                                         r"enough for the results to fit in memory \(at most "
                                         r"[0-9.]+ GiB\), got \"1000000000 x 721 \(2 curve "
                                         r"arrays: [0-9.]+ GiB\)\""):
        ks.simulate_population(contract_model(), contract_regimen(), T, n=10 ** 9)


def test_the_model_and_regimen_are_copied_before_the_gil_is_released():
    """Growing the model and the regimen from another thread while the subjects run (which
    reallocates their storage) leaves the run as it was: the engine works on copies. The
    changes (a route never dosed, doses after the window) would not change the result if they
    landed before the copy, so the comparison holds either way."""
    model, regimen = contract_model(), contract_regimen()
    expected = ks.simulate_population(model, regimen, times_min=T[:241], n=2000, seed=1,
                                      threads=1, variability=VARIABILITY)
    result = {}

    def work():
        result["pop"] = ks.simulate_population(model, regimen, times_min=T[:241], n=2000, seed=1,
                                               threads=1, variability=VARIABILITY)

    worker = threading.Thread(target=work)
    worker.start()
    k = 0
    while worker.is_alive():
        regimen.bolus(dose_mg=1.0, time_min=10_000.0)
        model.with_route(f"extra{k}", ks.Absorption(ka=0.1, f=0.5))
        k += 1
    worker.join()
    assert k > 0
    np.testing.assert_array_equal(result["pop"].cp_ng_ml, expected.cp_ng_ml)
    np.testing.assert_array_equal(result["pop"].parameters["cl"], expected.parameters["cl"])
