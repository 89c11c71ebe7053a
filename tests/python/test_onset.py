"""onset(), peak() and auc_ng_min_ml() against an independent SciPy computation: Cmax/Tmax by
bounded minimisation and threshold crossings by brentq on the expm reference solution."""

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar

import ketasim as ks
import reference as ref

T = np.arange(0.0, 241.0)


def nasal_case():
    model = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.2,
                     routes={"intranasal": ks.Absorption(ka=0.05, f=0.45)})
    reg = ks.Regimen().dose("intranasal", dose_mg=56.0, time_min=0.0)
    r = ref.RefModel(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.2, ka=0.05, f=0.45, auc=True)
    d = ref.RefDoses().depot_dose(r, 0.0, 56.0)
    return ks.simulate(model, reg, T), r, d


def ref_peak(fn, lo, hi):
    opt = minimize_scalar(lambda t: -fn(t), bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-9})
    return -opt.fun, opt.x


def test_onset_metrics_match_scipy():
    res, r, d = nasal_case()
    thr = 60.0
    m = ks.onset(res, threshold_ng_ml=thr, series="ce")
    cmax, tmax = ref_peak(lambda t: ref.cp_at(r, d, t), 1.0, 100.0)
    cemax, cetmax = ref_peak(lambda t: ref.ce_at(r, d, t), 1.0, 100.0)
    assert m.cmax_ng_ml == pytest.approx(cmax, rel=1e-9)
    assert m.tmax_min == pytest.approx(tmax, abs=1e-3)
    assert m.ce_max_ng_ml == pytest.approx(cemax, rel=1e-9)
    assert m.ce_tmax_min == pytest.approx(cetmax, abs=1e-3)
    assert cemax > thr  # the case crosses the threshold twice
    on = brentq(lambda t: ref.ce_at(r, d, t) - thr, 0.0, cetmax, xtol=1e-12)
    off = brentq(lambda t: ref.ce_at(r, d, t) - thr, cetmax, 240.0, xtol=1e-12)
    assert m.t_onset_min == pytest.approx(on, abs=1e-8)
    assert m.t_offset_min == pytest.approx(off, abs=1e-8)
    assert m.time_above_min == pytest.approx(off - on, abs=1e-8)
    auc = 1000.0 * ref.exact(r, d, [240.0])[0, r.layout()["auc"]]
    assert m.auc_ng_min_ml == pytest.approx(auc, rel=1e-10)
    assert m.auc == m.auc_ng_min_ml
    assert m.series == "ce" and m.threshold_ng_ml == thr


def test_onset_on_cp_series():
    res, r, d = nasal_case()
    m = ks.onset(res, 60.0, series="cp")
    _, tmax = ref_peak(lambda t: ref.cp_at(r, d, t), 1.0, 100.0)
    on = brentq(lambda t: ref.cp_at(r, d, t) - 60.0, 0.0, tmax, xtol=1e-12)
    assert m.series == "cp"
    assert m.t_onset_min == pytest.approx(on, abs=1e-8)


def test_never_reached_gives_none_and_zero_time_above():
    res, _, _ = nasal_case()
    m = ks.onset(res, threshold_ng_ml=1e6)
    assert m.t_onset_min is None and m.t_offset_min is None
    assert m.time_above_min == 0.0
    d = m.to_dict()
    assert d["t_onset_min"] is None and d["t_offset_min"] is None
    assert set(d) == {"series", "threshold_ng_ml", "cmax_ng_ml", "tmax_min", "ce_max_ng_ml",
                      "ce_tmax_min", "auc_ng_min_ml", "t_onset_min", "t_offset_min",
                      "time_above_min"}
    assert "t_onset_min=None" in repr(m)


def test_still_above_at_the_end_has_no_offset():
    model = ks.Model(cl=1.2, v1=15.0, ke0=0.2)
    res = ks.simulate(model, ks.Regimen().infusion(rate_mg_per_min=1.0, duration_min=500.0),
                      np.arange(0.0, 61.0))
    m = ks.onset(res, 100.0)
    assert m.t_onset_min is not None and m.t_offset_min is None
    assert m.time_above_min == pytest.approx(60.0 - m.t_onset_min, abs=1e-9)


def test_model_without_effect_site_has_no_ce_metrics():
    res = ks.simulate(ks.Model(cl=1.2, v1=15.0), ks.Regimen().bolus(30.0), T)
    m = ks.onset(res, 100.0, series="cp")
    assert m.ce_max_ng_ml is None and m.ce_tmax_min is None
    assert m.t_onset_min == 0.0


def test_peak_refines_between_samples_and_unpacks():
    res, r, d = nasal_case()
    coarse = ks.simulate(ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.2,
                                  routes={"intranasal": ks.Absorption(ka=0.05, f=0.45)}),
                         ks.Regimen().dose("intranasal", dose_mg=56.0), np.arange(0.0, 241.0, 10.0))
    cmax, tmax = ref_peak(lambda t: ref.cp_at(r, d, t), 1.0, 100.0)
    c, t = ks.peak(coarse)
    assert c == pytest.approx(cmax, rel=1e-9) and t == pytest.approx(tmax, abs=1e-3)
    p = ks.peak(res, series="ce")
    cemax, _ = ref_peak(lambda t: ref.ce_at(r, d, t), 1.0, 100.0)
    assert p.c_ng_ml == pytest.approx(cemax, rel=1e-9)
    assert repr(p).startswith("Peak(c_ng_ml=")


def test_auc_between_any_two_times():
    res, r, d = nasal_case()
    states = ref.exact(r, d, [10.0, 30.0, 400.0])
    auc = 1000.0 * states[:, r.layout()["auc"]]
    assert ks.auc_ng_min_ml(res, 10.0, 30.0) == pytest.approx(auc[1] - auc[0], rel=1e-10)
    assert ks.auc_ng_min_ml(res, 10.0, 400.0) == pytest.approx(auc[2] - auc[0], rel=1e-10)
    whole = 1000.0 * ref.exact(r, d, [240.0])[0, r.layout()["auc"]]
    assert ks.auc_ng_min_ml(res) == pytest.approx(whole, rel=1e-10)


def test_onset_on_ode_result_agrees_with_exact():
    res, _, _ = nasal_case()
    model = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.2,
                     routes={"intranasal": ks.Absorption(ka=0.05, f=0.45)})
    ode = ks.simulate(model, ks.Regimen().dose("intranasal", dose_mg=56.0), T, "ode",
                      rtol=1e-10, atol=1e-12)
    a, b = ks.onset(res, 60.0), ks.onset(ode, 60.0)
    assert b.t_onset_min == pytest.approx(a.t_onset_min, abs=1e-5)
    assert b.cmax_ng_ml == pytest.approx(a.cmax_ng_ml, rel=1e-7)


def _random_case(rng):
    """A random mammillary model with a depot and an effect site, and a random regimen."""
    lu = lambda lo, hi: float(lo * (hi / lo) ** rng.random())  # noqa: E731
    kw = dict(cl=lu(0.2, 3.0), v1=lu(3.0, 40.0))
    if rng.random() < 0.7:
        kw.update(q2=lu(0.2, 20.0), v2=lu(5.0, 100.0))
        if rng.random() < 0.5:
            kw.update(q3=lu(0.05, 2.0), v3=lu(20.0, 300.0))
    ka, f, tlag, ke0 = lu(0.01, 2.0), lu(0.3, 1.0), (lu(0.5, 20.0) if rng.random() < 0.5 else 0.0), lu(0.05, 2.0)
    r = ref.RefModel(ke0=ke0, ka=ka, f=f, tlag=tlag, **kw)
    model = ks.Model(ke0=ke0, routes={"oral": ks.Absorption(ka=ka, f=f, tlag=tlag)}, **kw)
    reg, d = ks.Regimen(), ref.RefDoses()
    for k in range(int(rng.integers(1, 5))):
        t = 0.0 if k == 0 and rng.random() < 0.5 else round(float(rng.random()) * 240.0, 2)
        kind, mg = rng.random(), lu(5.0, 80.0)
        if kind < 0.35:
            reg.bolus(dose_mg=mg, time_min=t)
            d.bolus(t, "central", mg)
        elif kind < 0.7:
            dur = lu(1.0, 60.0)
            reg.infusion(dose_mg=mg, start_min=t, duration_min=dur)
            d.infusion(t, dur, "central", mg)
        else:
            reg.dose("oral", dose_mg=mg, time_min=t)
            d.depot_dose(r, t, mg)
    return model, reg, r, d


def _dense(r, d, t0, t1, series):
    """A series on a 0.02-min grid (plus every breakpoint) of SciPy's expm solution."""
    grid = np.unique(np.concatenate([np.arange(t0, t1, 0.02), [t1],
                                     [b for b in ref._breakpoints(d) if t0 < b < t1]]))
    conv = ref.cp_ng_ml if series == "cp" else ref.ce_ng_ml
    return grid, conv(r, ref.exact(r, d, grid))


def _dense_truth(r, d, dense, series, thr):
    """Peak and crossings from the dense samples, refined by bounded minimisation and brentq on
    SciPy's solution (independent of ketasim)."""
    grid, y = dense
    t1 = grid[-1]
    at = ref.cp_at if series == "cp" else ref.ce_at
    i = int(np.argmax(y))
    cmax, tmax = float(y[i]), float(grid[i])
    if 0 < i < len(grid) - 1:
        c, t = ref_peak(lambda t: at(r, d, t), grid[i - 1], grid[i + 1])
        if c > cmax:
            cmax, tmax = c, t
    up, down, above_time = [], [], 0.0
    above = y[0] >= thr
    since = grid[0]
    if above:
        up.append(grid[0])
    for k in np.nonzero((y[1:] >= thr) != (y[:-1] >= thr))[0]:
        a, b = grid[k], grid[k + 1]
        tc = brentq(lambda t: at(r, d, t) - thr, a, b, xtol=1e-13)
        if y[k + 1] >= thr:
            up.append(tc)
            since = tc
        else:
            down.append(tc)
            above_time += tc - since
    if y[-1] >= thr:
        above_time += t1 - since
    return cmax, tmax, up, down, above_time


@pytest.mark.parametrize("seed", range(6))
def test_metrics_on_coarse_grids_match_a_dense_scipy_truth(seed):
    """Cmax, Tmax, onset, offset and time above on grids of 7 to 60 min equal the dense truth to
    1e-6 (the metrics never look at the grid except for the window's ends)."""
    rng = np.random.default_rng(1000 + seed)
    model, reg, r, d = _random_case(rng)
    step = 7.0 + 53.0 * float(rng.random())
    t0 = 0.0 if rng.random() < 0.5 else 10.0 * float(rng.random())
    times = t0 + step * np.arange(int(np.ceil(360.0 / step)) + 1)
    res = ks.simulate(model, reg, times)
    for series in ("cp", "ce"):
        dense = _dense(r, d, t0, times[-1], series)
        cmax, tmax, _, _, _ = _dense_truth(r, d, dense, series, np.inf)
        p = ks.peak(res, series=series)
        assert p.c_ng_ml == pytest.approx(cmax, rel=1e-6)
        assert p.t_min == pytest.approx(tmax, abs=1e-6 * max(1.0, tmax))
        for frac in (0.3, 0.8, 1.01):
            thr = frac * cmax
            _, _, up, down, above = _dense_truth(r, d, dense, series, thr)
            m = ks.onset(res, thr, series=series)
            tt = ks.threshold_times(res, thr, series=series)
            assert (m.t_onset_min is None) == (not up)
            if up:
                assert m.t_onset_min == pytest.approx(up[0], abs=1e-6 * max(1.0, up[0]))
            assert (m.t_offset_min is None) == (not down)
            if down:
                assert m.t_offset_min == pytest.approx(down[0], abs=1e-6 * max(1.0, down[0]))
            assert m.time_above_min == pytest.approx(above, abs=1e-6 * max(1.0, above))
            assert tt.episodes == len(up)


def test_issue_example_peak_on_a_10_min_grid():
    """The example of issue 10: 2377.33 ng/mL at 7.94 min, and Cp above 2360 for minutes."""
    m = ks.Model(cl=1, v1=10, q2=50, v2=30, routes={"oral": ks.Absorption(ka=0.3)})
    reg = ks.Regimen().bolus(dose_mg=20, time_min=0).dose("oral", dose_mg=100, time_min=0)
    res = ks.simulate(m, reg, times_min=np.arange(0, 121, 10.0))
    c, t = ks.peak(res)
    assert round(c, 2) == 2377.33 and round(t, 2) == 7.94
    o = ks.onset(res, threshold_ng_ml=2360, series="cp")
    assert o.t_onset_min is not None and o.t_offset_min - o.t_onset_min > 2.0


def test_threshold_times_on_an_analyte_and_errors():
    m = (ks.Model().add_compartment("central", 10.0, "v1").add_compartment("metabolite", 20.0, "vm")
         .add_flow("central", "metabolite", 1.0, "clm").add_clearance("metabolite", 0.5, "clme")
         .add_analyte("metabolite"))
    res = ks.simulate(m, ks.Regimen().bolus(dose_mg=10.0), np.array([0.0, 60.0, 600.0]))
    p = ks.peak(res, series="metabolite")
    # closed form: a = 10 mg, k1 = 0.1, k2 = 0.025; Cm = 1000 a k1 / (20 (k1 - k2)) (e^-k2 t - e^-k1 t)
    k1, k2 = 0.1, 0.025
    tmax = np.log(k1 / k2) / (k1 - k2)
    assert p.t_min == pytest.approx(tmax, abs=1e-7)
    assert p.c_ng_ml == pytest.approx(
        1000 * 10 * k1 / (20 * (k1 - k2)) * (np.exp(-k2 * tmax) - np.exp(-k1 * tmax)), rel=1e-10)
    with pytest.raises(ValueError, match=r"series must be one of \[cp, ce, metabolite\], got \"x\""):
        ks.peak(res, series="x")
