"""ks.plot.onset with the Agg backend: axes with units, a legend, the shaded threshold band,
each regimen's onset marked at the right place, nothing overlapping, and a PNG written."""

import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import ketasim as ks  # noqa: E402

T = np.arange(0.0, 241.0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def two_regimens():
    model = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.2,
                     routes={"intranasal": ks.Absorption(ka=0.05, f=0.45)})
    return {
        "IV 35 mg over 40 min": ks.simulate(model, ks.Regimen().infusion(dose_mg=35,
                                                                         duration_min=40), T),
        "intranasal 56 mg": ks.simulate(model, ks.Regimen().nasal_spray(dose_mg=56), T),
        "intranasal 10 mg": ks.simulate(model, ks.Regimen().dose("intranasal", 10.0), T),
    }


def boxes_overlap(a, b):
    return not (a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0)


def test_onset_figure_has_units_legend_band_and_onset_marks(tmp_path):
    results = two_regimens()
    fig = ks.plot.onset(results, threshold_ng_ml=100, series="ce", title="IV versus intranasal")
    assert isinstance(fig, matplotlib.figure.Figure)
    cp_ax, ce_ax = fig.axes
    assert cp_ax.get_ylabel() == "Plasma Cp (ng/mL)"
    assert ce_ax.get_ylabel() == "Effect site Ce (ng/mL)"
    assert ce_ax.get_xlabel() == "Time since first dose (min)"
    # One Cp and one Ce line per regimen, the Ce data being the result's.
    assert len([ln for ln in cp_ax.get_lines() if len(ln.get_xdata()) == len(T)]) == 3
    ce_lines = [ln for ln in ce_ax.get_lines() if len(ln.get_xdata()) == len(T)]
    np.testing.assert_array_equal(ce_lines[0].get_ydata(), results["IV 35 mg over 40 min"].ce_ng_ml)
    # Threshold band: a shaded patch from the threshold up, on the Ce panel only.
    band = [p for p in ce_ax.patches if p.get_label().startswith("Ce \u2265 100")]
    assert len(band) == 1 and not cp_ax.patches
    if isinstance(band[0], matplotlib.patches.Rectangle):  # matplotlib >= 3.9
        bottom = band[0].get_y()
    else:
        bottom = min(np.asarray(band[0].get_xy())[:, 1])
    assert bottom == pytest.approx(100.0)
    # Onset marks: a dot at (t_onset, threshold) for each regimen that reaches it.
    dots = [ln for ln in ce_ax.get_lines() if ln.get_marker() == "o"]
    expected = [ks.onset(r, 100, series="ce").t_onset_min for r in results.values()]
    reached = [t for t in expected if t is not None]
    assert len(dots) == len(reached) == 2
    for dot, t in zip(dots, reached):
        assert dot.get_xdata()[0] == pytest.approx(t)
        assert dot.get_ydata()[0] == 100.0
    # Legend: labels with onset times, "never" for the regimen that does not reach it.
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts[0] == f"IV 35 mg over 40 min  (onset {expected[0]:.1f} min)"
    assert texts[2] == "intranasal 10 mg  (Ce never reaches 100 ng/mL)"
    assert "Ce \u2265 100 ng/mL" in texts
    # Nothing overlapping: the legend, the title and the two panels are apart.
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(r)
    title = fig._suptitle.get_window_extent(r)
    panels = [ax.get_tightbbox(r) for ax in fig.axes]
    assert not boxes_overlap(legend, panels[0]) and not boxes_overlap(legend, panels[1])
    assert not boxes_overlap(title, panels[0])
    assert not boxes_overlap(fig.axes[0].get_window_extent(r), fig.axes[1].get_window_extent(r))
    fig_box = fig.bbox
    for box in [legend, title] + panels:
        assert box.x0 >= fig_box.x0 - 1 and box.x1 <= fig_box.x1 + 1
        assert box.y0 >= fig_box.y0 - 1 and box.y1 <= fig_box.y1 + 1
    out = tmp_path / "onset.png"
    fig.savefig(out, dpi=100)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


def test_cp_series_threshold_and_hours_axis():
    fig = ks.plot.onset(two_regimens(), 150.0, series="cp", time_unit="h")
    cp_ax, ce_ax = fig.axes
    assert cp_ax.patches and not ce_ax.patches
    assert ce_ax.get_xlabel() == "Time since first dose (h)"
    assert cp_ax.get_xlim()[1] == pytest.approx(4.0)


def test_without_threshold_or_effect_site():
    res = ks.simulate(ks.Model(cl=1.2, v1=15.0), ks.Regimen().bolus(30.0), T)
    fig = ks.plot.onset({"bolus": res})
    assert len(fig.axes) == 1 and fig.axes[0].get_ylabel() == "Plasma Cp (ng/mL)"
    fig = ks.plot.onset({"bolus": res}, threshold_ng_ml=100)  # falls back to Cp
    assert fig.axes[0].patches


@pytest.mark.parametrize("call,match", [
    (lambda r: ks.plot.onset({}), "results must be a non-empty dict"),
    (lambda r: ks.plot.onset([r]), "results must be a non-empty dict"),
    (lambda r: ks.plot.onset({"a": 3}), r"results\['a'\] must be a ketasim.Result, got int"),
    (lambda r: ks.plot.onset({"a": r}, threshold_ng_ml=-1), "threshold_ng_ml must be > 0"),
    (lambda r: ks.plot.onset({"a": r}, series="x"), "series must be one of"),
    (lambda r: ks.plot.onset({"a": r}, time_unit="s"), r"time_unit must be one of \[min, h\]"),
])
def test_bad_arguments(call, match):
    res = ks.simulate(ks.Model(cl=1.2, v1=15.0), ks.Regimen().bolus(30.0), T)
    with pytest.raises(ValueError, match=match):
        call(res)


def test_without_matplotlib_the_error_says_how_to_install(monkeypatch):
    res = ks.simulate(ks.Model(cl=1.2, v1=15.0), ks.Regimen().bolus(30.0), T)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'ketasim\[plot\]'"):
        ks.plot.onset({"a": res})
