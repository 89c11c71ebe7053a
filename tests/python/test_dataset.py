"""simulate_dataset: NONMEM-style event tables (dict, CSV, pandas) against closed forms and the
independent SciPy reference; errors that name the row and the column."""

import math

import numpy as np
import pytest

import ketasim as ks
import reference as ref

CL, V = 0.5, 20.0
K = CL / V


def one_comp(**kw):
    return ks.Model(cl=CL, v1=V, **kw)


def test_ss_bolus_trough_and_peak_closed_form():
    tau, d = 12.0, 100.0
    out = ks.simulate_dataset(one_comp(), {"ID": [1, 1, 1], "TIME": [0, 0, tau],
                                           "AMT": [d, 0, 0], "II": [tau, 0, 0],
                                           "SS": [1, 0, 0]})
    e = math.exp(-K * tau)
    assert out["cp_ng_ml"][0] == pytest.approx(1000 * d / V / (1 - e), rel=1e-12)
    assert out["cp_ng_ml"][2] == pytest.approx(1000 * d / V * e / (1 - e), rel=1e-12)
    assert list(out["EVID"]) == [1, 0, 0]  # defaulted from AMT
    assert list(out["MDV"]) == [1, 0, 0]


def test_ss_oral_two_compartments_equals_many_doses_by_scipy():
    """SS=1 by the route (lag, F, ka) against 300 repeated doses solved by SciPy's expm."""
    tau, d = 60.0, 28.0
    m = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.2,
                 routes={"nasal": ks.Absorption(ka=0.05, f=0.45, tlag=70.0)})
    data = {"ID": [1] * 4, "TIME": [0, 0, 20, 59], "AMT": [d, 0, 0, 0], "CMT": [1, ".", ".", "."],
            "II": [tau, 0, 0, 0], "SS": [1, 0, 0, 0]}
    out = ks.simulate_dataset(m, data, cmt={1: "nasal"})
    rm = ref.RefModel(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.2, ka=0.05, f=0.45, tlag=70.0)
    doses = ref.RefDoses()
    n = 300
    for k in range(n):
        doses.depot_dose(rm, k * tau, d)
    last = (n - 1) * tau
    for row, t in enumerate([0.0, 20.0, 59.0], start=1):
        assert out["cp_ng_ml"][row] == pytest.approx(ref.cp_at(rm, doses, last + t), rel=1e-9)
        assert out["ce_ng_ml"][row] == pytest.approx(ref.ce_at(rm, doses, last + t), rel=1e-9)


def test_csv_round_trip(tmp_path):
    """Read a NONMEM CSV ('.' for missing), simulate, write; the written file simulates again to
    the same values, and the values are the closed forms."""
    src = tmp_path / "doses.csv"
    src.write_text("ID,TIME,EVID,AMT,RATE,CMT,II,ADDL,SS,MDV,DV\n"
                   "1,0,1,10,.,1,20,2,0,1,.\n"
                   "1,50,0,.,.,.,.,.,.,0,1.2\n"
                   "2,0,1,30,1.5,1,.,.,.,1,.\n"
                   "2,25,0,.,.,.,.,.,.,0,.\n")
    out = ks.simulate_dataset(one_comp(), src)
    c1 = sum(1000 * 10 / V * math.exp(-K * (50 - 20 * k)) for k in range(3))
    plateau = 1000 * 1.5 / CL
    c2 = plateau * (1 - math.exp(-K * 20)) * math.exp(-K * 5)
    assert out["cp_ng_ml"][1] == pytest.approx(c1, rel=1e-12)
    assert out["cp_ng_ml"][3] == pytest.approx(c2, rel=1e-12)
    dst = tmp_path / "out.csv"
    assert out.to_csv(dst) == 4
    lines = dst.read_text().splitlines()
    assert lines[0].startswith("ID,TIME,EVID,AMT,RATE,CMT,ADDL,II,SS,MDV,cp_ng_ml")
    assert lines[2].split(",")[5] == "."  # a missing CMT stays missing
    again = ks.simulate_dataset(one_comp(), dst)
    np.testing.assert_array_equal(again["cp_ng_ml"], out["cp_ng_ml"])


def test_time_varying_clearance_column_nocb_and_locf():
    cl = [0.2, 0.4, 0.8, 0.3]
    data = {"ID": [1] * 4, "TIME": [0, 10, 20, 30], "AMT": [100, 0, 0, 0], "CL": cl}
    nocb = ks.simulate_dataset(one_comp(), data)
    locf = ks.simulate_dataset(one_comp(), data, rule="locf")
    for i in range(1, 4):
        e_nocb = sum(cl[j] / V * 10 for j in range(1, i + 1))
        e_locf = sum(cl[j - 1] / V * 10 for j in range(1, i + 1))
        assert nocb["cp_ng_ml"][i] == pytest.approx(1000 * 100 / V * math.exp(-e_nocb), rel=1e-12)
        assert locf["cp_ng_ml"][i] == pytest.approx(1000 * 100 / V * math.exp(-e_locf), rel=1e-12)
    assert "CL" in nocb.columns


def test_model_per_id_from_a_callable_and_from_the_catalogue():
    data = {"ID": [1, 1, 2, 2], "TIME": [0, 30, 0, 30], "AMT": [10, 0, 10, 0],
            "WT": [50, 50, 100, 100]}
    out = ks.simulate_dataset(lambda cov: ks.Model(cl=0.01 * cov["WT"], v1=20.0), data)
    for row, wt in ((1, 50), (3, 100)):
        assert out["cp_ng_ml"][row] == pytest.approx(
            1000 * 10 / 20 * math.exp(-0.01 * wt / 20 * 30), rel=1e-12)
    cat = {"ID": [1, 1, 2, 2], "TIME": [0, 60, 0, 60], "AMT": [20, 0, 20, 0],
           "weight_kg": [60, 60, 90, 90]}
    out = ks.simulate_dataset("kamp2020", cat, model_options={"ke0_source": "sleigh2019"})
    for row, wt in ((1, 60), (3, 90)):
        m = ks.models.get("kamp2020", weight_kg=wt, ke0_source="sleigh2019")
        res = ks.simulate(m, ks.Regimen().bolus(20), [60.0])
        assert out["cp_ng_ml"][row] == pytest.approx(res.cp_ng_ml[0], rel=1e-12)
        assert out["ce_ng_ml"][row] == pytest.approx(res.ce_ng_ml[0], rel=1e-12)


def test_constant_rate_steady_state_and_resets():
    data = {"TIME": [0, 100, 100, 150, 200, 210], "EVID": [1, 0, 3, 0, 4, 0],
            "AMT": [0, 0, 0, 0, 10, 0], "RATE": [2, 0, 0, 0, 0, 0], "SS": [1, 0, 0, 0, 0, 0]}
    out = ks.simulate_dataset(one_comp(), data)
    assert out["cp_ng_ml"][1] == pytest.approx(1000 * 2 / CL, rel=1e-12)
    assert out["cp_ng_ml"][3] == 0.0
    assert out["cp_ng_ml"][5] == pytest.approx(1000 * 10 / V * math.exp(-K * 10), rel=1e-12)


def test_ode_method_matches_exact():
    m = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.2,
                 routes={"nasal": ks.Absorption(ka=0.05, f=0.45, tlag=3.0)})
    data = {"TIME": [0, 0, 30, 60, 90, 120], "AMT": [28, 0, 20, 0, 0, 0],
            "RATE": [0, 0, 0.5, 0, 0, 0], "CMT": [1, 1, 2, 1, 1, 1], "II": [60, 0, 0, 0, 0, 0],
            "ADDL": [3, 0, 0, 0, 0, 0], "SS": [2, 0, 0, 0, 0, 0]}
    cmt = {1: "nasal", 2: "central"}
    exact = ks.simulate_dataset(m, data, cmt)
    ode = ks.simulate_dataset(m, data, cmt, method="ode", rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ode["cp_ng_ml"], exact["cp_ng_ml"], rtol=1e-7)


@pytest.mark.parametrize("change, message", [
    ({"AMT": [-5, 0]}, "row 0, column AMT must be >= 0 mg, got -5"),
    ({"CMT": [7, 1]}, "row 0, column CMT must be one of the numbers in cmt [1, 2], got 7"),
    ({"ADDL": [2, 0]}, "row 0, column II must be > 0 min when ADDL > 0, got 0"),
    ({"SS": [1, 0]}, "row 0, column II must be > 0 min with SS > 0 and AMT > 0"),
    ({"TIME": [10, 5]}, "row 1, column TIME must be sorted within ID 1 (>= 10), got 5"),
    ({"cl": [1.0, float("nan")]}, "row 1, column cl must be given on every row"),
    ({"cl": [1.0, -1.0]}, "row 1, column cl: Model: cl must be > 0 L/min, got -1"),
    ({"RATE": [-2, 0]}, "row 0, column RATE must be -1 or -2 only for a route with a modelled "
                        "duration"),
])
def test_errors_name_the_row_and_the_column(change, message):
    data = {"ID": [1, 1], "TIME": [0, 10], "AMT": [10, 0], "CMT": [1, 1]}
    data.update(change)
    m = one_comp(routes={"nasal": ks.Absorption(ka=0.1)})
    with pytest.raises(ValueError) as e:
        ks.simulate_dataset(m, data, cmt={1: "nasal", 2: "central"})
    assert message in str(e.value)


def test_csv_errors_give_the_line(tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("ID,TIME,AMT\n1,0,ten\n")
    with pytest.raises(ValueError, match=r"row 0 \(line 2\), column AMT must be a number"):
        ks.simulate_dataset(one_comp(), src)


def test_pandas_in_and_out():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"id": [1, 1], "time": [0.0, 10.0], "amt": [10.0, np.nan]})
    out = ks.simulate_dataset(one_comp(), df)
    table = out.to_pandas()
    assert list(table["EVID"]) == [1, 0]
    assert table["cp_ng_ml"][1] == pytest.approx(1000 * 10 / V * math.exp(-K * 10), rel=1e-12)


def test_cli_data_with_a_catalogue_model(tmp_path, capsys):
    """`ketasim simulate --data` with perezruixo2021: two 28 mg devices (POSITION 1, 2) give what
    the regimen path gives for nasal_spray(56)."""
    from ketasim import cli
    src = tmp_path / "doses.csv"
    src.write_text("ID,TIME,AMT,CMT,POSITION,age_yr\n"
                   "1,0,28,1,1,40\n1,5,28,1,2,40\n1,30,.,.,.,40\n1,120,.,.,.,40\n"
                   "2,0,28,1,1,70\n2,60,.,.,.,70\n")
    dst = tmp_path / "out.csv"
    assert cli.main(["simulate", "--data", str(src), "--model", "perezruixo2021",
                     "--cmt", "1=intranasal", "-o", str(dst)]) == 0
    rows = [line.split(",") for line in dst.read_text().splitlines()]
    head = rows[0]
    cp = [float(r[head.index("cp_ng_ml")]) for r in rows[1:]]
    for age, idx, times in ((40, [2, 3], [30.0, 120.0]), (70, [5], [60.0])):
        m = ks.models.get("perezruixo2021", age_yr=age)
        reg = ks.Regimen().nasal_spray(dose_mg=56 if age == 40 else 28)
        res = ks.simulate(m, reg, times)
        for i, c in zip(idx, res.cp_ng_ml):
            assert cp[i] == pytest.approx(c, rel=1e-12)
    assert cli.main(["simulate", "--data", str(src), "--model", "perezruixo2021",
                     "--cmt", "one=intranasal"]) == 1
    assert "--cmt must be NUMBER=NAME" in capsys.readouterr().err


def test_scenario_steady_state_and_reset_entries():
    from ketasim import scenario
    tau, d = 12.0, 100.0
    sc = scenario.from_dict({
        "model": {"cl": CL, "v1": V},
        "regimen": [{"steady_state": {"dose_mg": d, "interval_min": tau, "count": 2}},
                    {"reset": {"time_min": 30}},
                    {"bolus": {"dose_mg": 10, "time_min": 40}}],
        "times_min": [0, 12, 24, 30, 35, 50]})
    table = sc.simulate_events()
    e = math.exp(-K * tau)
    peak = 1000 * d / V / (1 - e)
    trough = 1000 * d / V * e / (1 - e)  # at 24 min: count 2 gives no third dose
    np.testing.assert_allclose(table["cp_ng_ml"][:3], [peak, peak, trough], rtol=1e-12)
    assert table["cp_ng_ml"][3] == 0.0 and table["cp_ng_ml"][4] == 0.0
    assert table["cp_ng_ml"][5] == pytest.approx(1000 * 10 / V * math.exp(-K * 10), rel=1e-12)
    with pytest.raises(scenario.ScenarioError, match="use Scenario.simulate_events"):
        sc.simulate()


def test_readme_dataset_block_is_taken_from_the_example():
    from pathlib import Path
    import re
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    start = readme.index("## Event datasets")
    code = re.compile(r"```python\n(.*?)\n```", re.S).search(readme, start).group(1)
    assert code in (root / "examples" / "python" / "datasets.py").read_text()


def test_population_to_dataset_round_trips_every_subject(tmp_path):
    model = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.2,
                     routes={"intranasal": ks.Absorption(ka=0.05, f=0.45, tlag=1.0)})
    regimen = (ks.Regimen().infusion(dose_mg=35, duration_min=40)
               .nasal_spray(dose_mg=56, start_min=10))
    t = np.arange(0.0, 181.0, 15.0)
    pop = ks.simulate_population(model, regimen, t, n=4, seed=3,
                                 variability={"cl": 0.3, "v1": 0.2, "intranasal.ka": 0.3},
                                 residual_error={"proportional": 0.1})
    table = pop.to_dataset(regimen, cmt={1: "intranasal"})
    assert len(table) == 4 * (3 + len(t))
    obs = table["EVID"] == 0
    np.testing.assert_array_equal(table["DV"][obs], np.asarray(pop.cp_observed_ng_ml).reshape(-1))
    table.to_csv(tmp_path / "pop.csv")
    again = ks.simulate_dataset(model, tmp_path / "pop.csv", cmt={1: "intranasal"})
    np.testing.assert_allclose(again["cp_ng_ml"][obs], np.asarray(pop.cp_ng_ml).reshape(-1),
                               rtol=1e-9)
    np.testing.assert_allclose(again["ce_ng_ml"][obs], np.asarray(pop.ce_ng_ml).reshape(-1),
                               rtol=1e-9)
    with pytest.raises(ValueError, match="cmt must map a CMT number to 'intranasal'"):
        pop.to_dataset(regimen)


def test_scenario_constant_infusion_and_its_limits(tmp_path, capsys):
    from ketasim import cli, scenario
    doc = {"model": {"cl": CL, "v1": V, "ke0": 0.3},
           "regimen": [{"constant_infusion": {"rate_mg_per_min": 2.0}}],
           "times_min": [0, 500]}
    table = scenario.from_dict(doc).simulate_events()
    np.testing.assert_allclose(table["cp_ng_ml"], 1000 * 2.0 / CL, rtol=1e-12)
    np.testing.assert_allclose(table["ce_ng_ml"], 1000 * 2.0 / CL, rtol=1e-12)
    with pytest.raises(scenario.ScenarioError, match="threshold_ng_ml must be absent"):
        scenario.from_dict(dict(doc, threshold_ng_ml=100))
    path = tmp_path / "ss.json"
    import json
    path.write_text(json.dumps(doc))
    assert cli.main(["simulate", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("time_min,cp_ng_ml,ce_ng_ml") and len(lines) == 3
