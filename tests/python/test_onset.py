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
    m = ks.onset(res, threshold_ng_ml=thr)
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
