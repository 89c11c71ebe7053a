"""The command line end to end: scenario in, CSV out with values checked against SciPy; compare's
table, figure and CSV; --help everywhere; malformed scenarios give one line naming the key and
the value, a non-zero exit and no traceback."""

import csv
import io
import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

import reference as ref
from ketasim import cli

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "examples" / "scenarios"


def ketasim(*args, cwd=None):
    """Runs `python -m ketasim ARGS` in a fresh interpreter."""
    env = dict(os.environ, MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "ketasim", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], np.array(rows[1:], dtype=float)


def test_console_script_is_installed():
    candidates = [Path(sysconfig.get_path("scripts")) / "ketasim",
                  Path(sysconfig.get_path("scripts", f"{os.name}_user")) / "ketasim",
                  Path(sys.executable).parent / "ketasim"]
    script = next((p for p in candidates if p.exists()), None)
    assert script is not None, f"no ketasim script in {candidates}"
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("ketasim ")


@pytest.mark.parametrize("args", [["--help"], ["simulate", "--help"], ["compare", "--help"]])
def test_help_everywhere(args):
    out = ketasim(*args)
    assert out.returncode == 0
    assert out.stdout.startswith("usage: ketasim")
    assert out.stderr == ""


def test_no_command_is_a_usage_error():
    out = ketasim()
    assert out.returncode == 2 and "usage: ketasim" in out.stderr and "Traceback" not in out.stderr


def test_simulate_scenario_to_csv_matches_scipy(tmp_path):
    out_csv = tmp_path / "out.csv"
    out = ketasim("simulate", str(SCENARIOS / "domino_iv_infusion.json"), "-o", str(out_csv))
    assert out.returncode == 0, out.stderr
    assert str(out_csv) in out.stdout and "Ce onset" in out.stdout
    header, data = read_csv(out_csv)
    assert header == ["time_min", "cp_ng_ml", "ce_ng_ml", "central_mg", "peripheral1_mg",
                      "peripheral2_mg"]
    t = np.arange(0.0, 241.0)
    np.testing.assert_array_equal(data[:, 0], t)
    # Domino 1984 (70 kg) with the file's ke0, 0.5 mg/kg = 35 mg over 40 min: the SciPy reference.
    m = ref.domino(70.0, ke0=1.80821)
    states = ref.exact(m, ref.RefDoses().infusion(0.0, 40.0, "central", 35.0), t)
    np.testing.assert_allclose(data[:, 1], ref.cp_ng_ml(m, states), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(data[:, 2], ref.ce_ng_ml(m, states), rtol=1e-9, atol=1e-12)
    ix = m.layout()
    np.testing.assert_allclose(data[:, 3:], states[:, [ix["central"], ix["p1"], ix["p2"]]],
                               rtol=1e-10, atol=1e-13)


def test_simulate_to_stdout_with_route_scenario(tmp_path):
    out = ketasim("simulate", str(SCENARIOS / "iv_plus_intranasal.json"))
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == ["time_min", "cp_ng_ml", "ce_ng_ml", "central_mg", "peripheral1_mg",
                       "peripheral2_mg", "intranasal.depot_mg"]
    data = np.array(rows[1:], dtype=float)
    m = ref.RefModel(cl=1.2, v1=15.0, q2=2.0, v2=40.0, q3=0.6, v3=150.0, ke0=0.2, ka=0.05, f=0.45)
    d = ref.RefDoses().infusion(0.0, 40.0, "central", 35.0)
    d.depot_dose(m, 0.0, 28.0).depot_dose(m, 5.0, 28.0)
    states = ref.exact(m, d, data[:, 0])
    np.testing.assert_allclose(data[:, 1], ref.cp_ng_ml(m, states), rtol=1e-10, atol=1e-12)
    assert "onset metrics" in out.stderr  # the summary goes to stderr when CSV goes to stdout


def test_simulate_ode_scenario_with_plot(tmp_path):
    png = tmp_path / "fig.png"
    out_csv = tmp_path / "split.csv"
    out = ketasim("simulate", str(SCENARIOS / "split_absorption_ode.json"), "-o", str(out_csv),
                  "--plot", str(png))
    assert out.returncode == 0, out.stderr
    assert png.stat().st_size > 20_000
    header, data = read_csv(out_csv)
    assert header[-2:] == ["intranasal.nasal.depot_mg", "intranasal.swallowed.depot_mg"]
    # Device k (k = 1, 2, 3 at 0, 5, 10 min): nasal fraction 0.8/0.7/0.6 x F 0.5, lag 1 min;
    # swallowed 0.2/0.3/0.4 x F 0.2, no lag. Superpose the two single-path references.
    nasal = ref.RefModel(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.5, ka=0.08, f=0.5, tlag=1.0)
    gut = ref.RefModel(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.5, ka=0.02, f=0.2)
    dn, dg = ref.RefDoses(), ref.RefDoses()
    for k, (fn, fg) in enumerate([(0.8, 0.2), (0.7, 0.3), (0.6, 0.4)]):
        dn.depot_dose(nasal, 5.0 * k, 28.0 * fn)
        dg.depot_dose(gut, 5.0 * k, 28.0 * fg)
    t = data[:, 0]
    cp = ref.cp_ng_ml(nasal, ref.exact(nasal, dn, t)) + ref.cp_ng_ml(gut, ref.exact(gut, dg, t))
    np.testing.assert_allclose(data[:, 1], cp, rtol=1e-7, atol=1e-8)  # ODE at rtol 1e-10


# The catalogue's intranasal racemic composite, preset yanagihara2003 (include/ketasim/models/
# intranasal_racemic.hpp): F 0.45 (Yanagihara 2003), ka back-computed for Tmax 20 min
# (Malinovsky 1996), on the Kamp 2020 disposition.
YANAGIHARA_F, YANAGIHARA_TMAX_MIN = 0.45, 20.0


def kamp2020_nasal_reference(weight_kg, ka, f):
    m = kamp2020_reference(weight_kg)
    return ref.RefModel(cl=m.cl, v1=m.v1, q2=m.q2, v2=m.v2, q3=m.q3, v3=m.v3, ke0=m.ke0, ka=ka,
                        f=f)


def test_compare_racemic_uses_the_catalogue_composite(tmp_path):
    out = ketasim("compare", "--nasal", "racemic", "--threshold-ng-ml", "100", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    iv_label = "IV racemic ketamine 0.5 mg/kg over 40 min [kamp2020]"
    nasal_label = "nasal racemic ketamine 50 mg [intranasal_racemic]"
    for needle in ["70 kg", iv_label, nasal_label, "Cmax", "Tmax", "Ce onset", "time above",
                   "ng/mL", "Kamp J", "composite, not a published model", "Sleigh",
                   "Yanagihara 2003", "Malinovsky 1996", "preset yanagihara2003"]:
        assert needle in text, needle
    assert "Domino" not in text
    png = tmp_path / "ketasim_compare.png"
    csv_path = tmp_path / "ketasim_compare.csv"
    assert f"figure: {png}" in text and f"table:  {csv_path}" in text
    assert png.stat().st_size > 20_000
    header, data = read_csv(csv_path)
    assert header == ["time_min", "iv_cp_ng_ml", "iv_ce_ng_ml", "intranasal_cp_ng_ml",
                      "intranasal_ce_ng_ml"]
    t = np.arange(0.0, 241.0)
    np.testing.assert_array_equal(data[:, 0], t)
    m = kamp2020_reference(70.0)
    iv = ref.RefDoses().infusion(0.0, 40.0, "central", 35.0)
    states = ref.exact(m, iv, t)
    np.testing.assert_allclose(data[:, 1], ref.cp_ng_ml(m, states), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(data[:, 2], ref.ce_ng_ml(m, states), rtol=1e-9, atol=1e-9)
    # The nasal arm: the printed ka with F 0.45 on the Kamp disposition; its Tmax is 20 min.
    ka = float(re.search(r"nasal ka ([0-9.]+) /min", text).group(1))
    nm = kamp2020_nasal_reference(70.0, ka, YANAGIHARA_F)
    nasal = ref.RefDoses().depot_dose(nm, 0.0, 50.0)
    np.testing.assert_allclose(data[:, 3], ref.cp_ng_ml(nm, ref.exact(nm, nasal, t)),
                               rtol=1e-4, atol=1e-6)  # ka printed to 5 digits
    fine = np.arange(15.0, 25.0, 0.01)
    cp = ref.cp_ng_ml(nm, ref.exact(nm, nasal, fine))
    assert fine[np.argmax(cp)] == pytest.approx(YANAGIHARA_TMAX_MIN, abs=0.2)
    # Table row for IV: onset where the reference Ce crosses 100 ng/mL (between samples).
    row = next(line for line in text.splitlines() if line.startswith(iv_label))
    cells = row[len(iv_label):].split()  # Cmax, Tmax, Ce max, Ce onset, Ce offset, time above
    assert float(cells[0]) == pytest.approx(ref.cp_at(m, iv, 40.0), abs=0.051)  # to 0.1
    assert float(cells[1]) == pytest.approx(40.0, abs=0.051)  # the end of the infusion
    ce = ref.ce_ng_ml(m, states)
    first = int(np.argmax(ce >= 100.0))
    assert t[first - 1] - 0.05 <= float(cells[3]) <= t[first] + 0.05


def test_compare_racemic_options_change_weight_doses_threshold_and_paths(tmp_path):
    out = ketasim("compare", "--nasal", "racemic", "--weight-kg", "80", "--iv-mg-per-kg", "0.25",
                  "--iv-duration-min",
                  "20", "--nasal-mg", "56", "--nasal-doses", "2", "--nasal-interval-min", "5",
                  "--threshold-ng-ml", "50", "--end-min", "120", "--step-min", "0.5",
                  "--png", "a/../fig", "--csv", "curves.csv", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "80 kg" in out.stdout and "IV racemic ketamine 0.25 mg/kg over 20 min" in out.stdout
    assert "nasal racemic ketamine 2 x 28 mg, 5 min apart" in out.stdout
    assert "50 ng/mL" in out.stdout
    # --png without a suffix: the figure is a PNG and the path printed is the one written.
    assert f"figure: {tmp_path / 'fig.png'}" in out.stdout
    assert (tmp_path / "fig.png").stat().st_size > 20_000 and not (tmp_path / "fig").exists()
    header, data = read_csv(tmp_path / "curves.csv")
    assert data[-1, 0] == 120.0 and data[1, 0] == 0.5
    m = kamp2020_reference(80.0)
    states = ref.exact(m, ref.RefDoses().infusion(0.0, 20.0, "central", 20.0), data[:, 0])
    np.testing.assert_allclose(data[:, 1], ref.cp_ng_ml(m, states), rtol=1e-9, atol=1e-9)


def test_compare_racemic_f_and_tmax_options_back_compute_ka(tmp_path):
    out = ketasim("compare", "--nasal", "racemic", "--nasal-f", "0.2", "--nasal-tmax-min", "15",
                  "--no-plot", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "nasal F 0.2: given (--nasal-f)" in out.stdout
    ka = float(re.search(r"nasal ka ([0-9.]+) /min for Tmax 15 min", out.stdout).group(1))
    nm = kamp2020_nasal_reference(70.0, ka, 0.2)
    fine = np.arange(10.0, 20.0, 0.01)
    cp = ref.cp_ng_ml(nm, ref.exact(nm, ref.RefDoses().depot_dose(nm, 0.0, 50.0), fine))
    assert fine[np.argmax(cp)] == pytest.approx(15.0, abs=0.2)


def test_compare_without_plot_and_per_kg_nasal(tmp_path):
    out = ketasim("compare", "--nasal", "racemic", "--no-plot", "--nasal-mg-per-kg", "1",
                  cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "nasal racemic ketamine 70 mg" in out.stdout and "figure:" not in out.stdout
    assert not (tmp_path / "ketasim_compare.png").exists()


@pytest.mark.parametrize("args,needle", [
    (["compare", "--weight-kg", "-70"], "--weight-kg must be > 0 kg, got -70"),
    (["compare", "--weight-kg", "heavy"], "--weight-kg must be a number"),
    (["compare", "--nasal-f", "1.5"], "--nasal-f must be in (0, 1], got 1.5"),
    (["compare", "--nasal-doses", "0"], "--nasal-doses must be in [1, 1000], got 0"),
    (["compare", "--nasal-mg", "50", "--nasal-mg-per-kg", "1"], "not allowed with argument"),
    (["compare", "--step-min", "500"], "--step-min must be <= --end-min"),
    (["compare", "--esketamine-mg", "50"], "--esketamine-mg must be a whole number of 28 mg"),
    (["compare", "--ke0", "guess"], "--ke0 must be a number (1/min), got 'guess'"),
    (["compare", "--ke0", "0"], "--ke0 must be > 0 1/min, got 0"),
    (["compare", "--ke0-source", "guess"], "invalid choice: 'guess'"),
    (["compare", "--ke0-source", "sleigh2019", "--ke0", "1"], "not allowed with argument"),
    (["models", "a", "b"], "unrecognized arguments: b"),
    (["simulate"], "the following arguments are required: SCENARIO.json"),
])
def test_bad_options_are_usage_errors(args, needle, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_compare_impossible_tmax_is_one_line(tmp_path, capsys):
    assert cli.main(["compare", "--nasal", "racemic", "--nasal-tmax-min", "0.01", "--no-plot",
                     "--csv", str(tmp_path / "x.csv")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("ketasim compare: error: ka_for_tmax: tmax_min must be between")


def test_unwritable_output_is_one_line(tmp_path, capsys):
    target = tmp_path / "missing" / "out.csv"
    assert cli.main(["simulate", str(SCENARIOS / "domino_iv_infusion.json"), "-o",
                     str(target)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"ketasim simulate: error: cannot write {target}: No such file or directory"


BASE = json.loads((SCENARIOS / "iv_plus_intranasal.json").read_text())


def variant(path, value):
    """BASE with the value at a dotted path set (None deletes the key)."""
    doc = json.loads(json.dumps(BASE))
    keys = path.split(".")
    node = doc
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node[k]
    last = int(keys[-1]) if isinstance(node, list) else keys[-1]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return json.dumps(doc)


MALFORMED = [
    ("invalid json", '{"model": {"cl": 1.2,, }', ["is not valid JSON", "line 1"]),
    ("empty file", "", ["is not valid JSON"]),
    ("top level list", "[1, 2]", ["scenario must be a JSON object", "[1, 2]"]),
    ("unknown top key", variant("modle", {}), ["modle is not a known key", '"modle"']),
    ("model missing", variant("model", None), ["model must be given"]),
    ("cl negative", variant("model.cl", -1.2), ["model.cl must be > 0 L/min, got -1.2 L/min"]),
    ("cl string", variant("model.cl", "abc"), ["model.cl must be a number, got \"abc\""]),
    ("cl bool", variant("model.cl", True), ["model.cl must be a number, got true"]),
    ("v1 missing", variant("model.v1", None), ["model.v1 must be given"]),
    ("unknown model key", variant("model.clx", 3), ["model.clx is not a known key", '"clx"']),
    ("ke0 zero", variant("model.ke0", 0), ["model.ke0 must be > 0 1/min, got 0"]),
    ("v2 without q2", variant("model.q2", None), ["model.q2 must be > 0 L/min, got 0"]),
    ("micro and cl", variant("model.micro", {"v1": 4.0, "k10": 0.4}),
     ["model.cl must be absent when model.micro is given", "1.2"]),
    ("route ka negative", variant("model.routes.intranasal.ka", -0.05),
     ["model.routes.intranasal.ka must be >= 0 1/min", "-0.05"]),
    ("route f not positive", variant("model.routes.intranasal.f", 0),
     ["model.routes.intranasal.f must be > 0, got 0"]),
    ("route unknown key", variant("model.routes.intranasal.kaa", 1),
     ["model.routes.intranasal.kaa is not a known key"]),
    ("routes not object", variant("model.routes", [1]), ["model.routes must be a JSON object"]),
    ("route path list empty", variant("model.routes.intranasal", []),
     ["model.routes.intranasal must be an absorption path", "[]"]),
    ("regimen not a list", variant("regimen", {"bolus": {}}), ["regimen must be a list"]),
    ("regimen unknown kind", variant("regimen.0", {"infusio": {}}),
     ["regimen[0] key must be one of [bolus, infusion, dose, nasal_spray, steady_state, "
      "constant_infusion, reset], got \"infusio\""]),
    ("regimen two kinds", variant("regimen.0", {"bolus": {}, "dose": {}}),
     ["regimen[0] must be an object with one key"]),
    ("duration zero", variant("regimen.0.infusion.duration_min", 0),
     ["regimen[0].infusion.duration_min must be > 0 min, got 0 min"]),
    ("duration missing", variant("regimen.0.infusion.duration_min", None),
     ["regimen[0].infusion.duration_min must be given"]),
    ("dose and rate", variant("regimen.0.infusion.rate_mg_per_min", 1.0),
     ["regimen[0].infusion.dose_mg or rate_mg_per_min must be given (exactly one of them)"]),
    ("unknown dose key", variant("regimen.0.infusion.dose", 1.0),
     ["regimen[0].infusion.dose is not a known key"]),
    ("spray not whole devices", variant("regimen.1.nasal_spray.dose_mg", 30),
     ["regimen[1].nasal_spray.dose_mg must be a whole number of 28 mg devices, got 30 mg"]),
    ("spray route missing in model", variant("regimen.1.nasal_spray.route", "nose"),
     ["regimen[1].nasal_spray.route must be one of the model's routes [intranasal, iv]",
      '"nose"']),
    ("per kg without weight", variant("regimen.0.infusion",
                                      {"dose_mg_per_kg": 0.5, "duration_min": 40}),
     ["weight_kg must be given", "regimen[0].infusion.dose_mg_per_kg"]),
    ("weight zero", variant("weight_kg", 0), ["weight_kg must be > 0 kg, got 0"]),
    ("count fractional", variant("regimen.0.infusion.count", 2.5),
     ["regimen[0].infusion.count must be a whole number, got 2.5"]),
    ("count too large", variant("regimen.0.infusion.count", 10**12),
     ["regimen[0].infusion.count must be a whole number below 2^31"]),
    ("bolus compartment unknown", variant("regimen.0", {"bolus": {"dose_mg": 1,
                                                                  "compartment": "brain"}}),
     ["regimen[0].bolus.compartment must be one of the model's compartments", '"brain"']),
    ("times unsorted", variant("times_min", [0, 5, 3]),
     ["times_min[2] must be sorted (>= 5), got 3 min"]),
    ("times empty", variant("times_min", []), ["times_min must be a non-empty list"]),
    ("times string item", variant("times_min", [0, "x"]), ["times_min[1] must be a number"]),
    ("step zero", variant("times_min.step", 0), ["times_min.step must be > 0 min, got 0"]),
    ("stop before start", variant("times_min.start", 800),
     ["times_min.stop must be >= times_min.start (800 min), got 720"]),
    ("too many times", variant("times_min.step", 1e-9),
     ["times_min.step must be large enough for at most 10000000 times"]),
    ("method", variant("method", "rk4"), ["method must be one of [exact, ode, ode_stiff], got \"rk4\""]),
    ("rtol", variant("rtol", 2) .replace('"exact"', '"ode"'), ["rtol must be in (0, 1), got 2"]),
    ("threshold negative", variant("threshold_ng_ml", -5),
     ["threshold_ng_ml must be > 0 ng/mL, got -5"]),
    ("series", variant("series", "brain"), ["series must be one of [cp, ce], got \"brain\""]),
    ("ce threshold without ke0", variant("model.ke0", None), ["model.ke0 must be given"]),
    ("nan value", variant("model.cl", 1.0).replace('"cl": 1.0', '"cl": NaN'),
     ["model.cl must be > 0 L/min, got nan"]),
    ("solver step limit", variant("max_steps", 1).replace('"exact"', '"ode"'),
     ["max_steps"]),
]


@pytest.mark.parametrize("name,text,needles", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_scenario_is_one_line_naming_key_and_value(name, text, needles, tmp_path,
                                                             capsys):
    path = tmp_path / "bad.json"
    path.write_text(text)
    assert cli.main(["simulate", str(path), "-o", str(tmp_path / "out.csv")]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"ketasim simulate: error: {path}: ")
    for needle in needles:
        assert needle in err
    assert "Traceback" not in captured.err + captured.out


def test_missing_scenario_file_in_a_fresh_process(tmp_path):
    out = ketasim("simulate", str(tmp_path / "nope.json"))
    assert out.returncode == 1
    assert out.stderr.strip() == (f"ketasim simulate: error: {tmp_path / 'nope.json'}: cannot be "
                                  "read (No such file or directory)")


def test_malformed_scenario_in_a_fresh_process_has_no_traceback(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(variant("regimen.0.infusion.duration_min", -5))
    out = ketasim("simulate", str(path))
    assert out.returncode == 1
    assert out.stdout == ""
    assert out.stderr.strip() == (f"ketasim simulate: error: {path}: regimen[0].infusion."
                                  "duration_min must be > 0 min, got -5 min")


def test_threshold_option_overrides_the_scenario(tmp_path, capsys):
    assert cli.main(["simulate", str(SCENARIOS / "domino_iv_infusion.json"), "-o",
                     str(tmp_path / "o.csv"), "--threshold-ng-ml", "200"]) == 0
    assert "Ce threshold 200 ng/mL" in capsys.readouterr().out


# Perez-Ruixo 2021 Table 4 (typical values, 18-60 y Caucasian): esketamine Cmax after 56 and
# 84 mg intranasal, ng/mL. The label gives devices 5 minutes apart, as compare does.
PEREZ_RUIXO_TABLE4_CMAX = {56: 72.5, 84: 101.0}


def kamp2020_reference(weight_kg):
    """Kamp 2020 three-compartment disposition (V1 25, V2 56, V3 157 L x W/70; CL 84, Q2 161,
    Q3 79 L/h x (W/70)^0.75, the scaling the catalogue settled on, see docs/models.md), ke0 from
    Sleigh 2019, written out here."""
    s, c = weight_kg / 70.0, (weight_kg / 70.0) ** 0.75
    return ref.RefModel(cl=84.0 / 60.0 * c, v1=25.0 * s, q2=161.0 / 60.0 * c, v2=56.0 * s,
                        q3=79.0 / 60.0 * c, v3=157.0 * s, ke0=np.log(2.0) / (23.0 / 60.0))


def test_compare_default_uses_the_catalogue(tmp_path):
    out = ketasim("compare", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for needle in ["70 kg", "Ce threshold 70 ng/mL", "IV racemic ketamine 0.5 mg/kg over 40 min",
                   "[kamp2020]", "nasal esketamine 56 mg, 2 devices 5 min apart [perezruixo2021]",
                   "nasal esketamine 84 mg, 3 devices 5 min apart", "Kamp J", "Perez-Ruixo C",
                   "Cp is esketamine", "Sleigh", "Zanos 2018", "not the same quantity",
                   "not for dosing a patient"]:
        assert needle in text, needle
    header, data = read_csv(tmp_path / "ketasim_compare.csv")
    assert header == ["time_min", "iv_cp_ng_ml", "iv_ce_ng_ml", "esketamine_56mg_cp_ng_ml",
                      "esketamine_56mg_ce_ng_ml", "esketamine_84mg_cp_ng_ml",
                      "esketamine_84mg_ce_ng_ml"]
    assert (tmp_path / "ketasim_compare.png").stat().st_size > 20_000
    # IV curve against SciPy's expm of the published Kamp 2020 disposition.
    m = kamp2020_reference(70.0)
    states = ref.exact(m, ref.RefDoses().infusion(0.0, 40.0, "central", 35.0), data[:, 0])
    np.testing.assert_allclose(data[:, 1], ref.cp_ng_ml(m, states), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(data[:, 2], ref.ce_ng_ml(m, states), rtol=1e-9, atol=1e-9)
    # Nasal rows: Cmax in the table against the published Table 4 values (within 5 %).
    for dose, col in ((56, 3), (84, 5)):
        row = next(line for line in text.splitlines()
                   if line.startswith(f"nasal esketamine {dose} mg"))
        cmax = float(row.split("]")[1].split()[0])
        assert cmax == pytest.approx(PEREZ_RUIXO_TABLE4_CMAX[dose], rel=0.05)
        assert data[:, col].max() <= cmax + 0.05  # the refined Cmax (printed to 0.1) >= grid max
        # Spravato label: Tmax 20-40 min after the last device.
        tmax = float(row.split("]")[1].split()[1])
        last_device = 5.0 * (dose // 28 - 1)
        assert 20.0 <= tmax - last_device <= 40.0


def test_compare_covariates_and_ke0_options(tmp_path):
    out = ketasim("compare", "--no-plot", "--esketamine-mg", "28", "--age-yr", "70",
                  "--japanese", "1", "--asian", "1", "--ke0", "0.5", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "age 70 y" in out.stdout and "chosen by the user" in out.stdout
    row = next(line for line in out.stdout.splitlines()
               if line.startswith("nasal esketamine 28 mg, 1 device [perezruixo2021]"))
    # Perez-Ruixo 2021 Table 4, > 60 y Japanese, 28 mg: esketamine Cmax 58.8 ng/mL.
    assert float(row.split("]")[1].split()[0]) == pytest.approx(58.8, rel=0.05)


def test_compare_out_of_range_covariate_is_one_line(tmp_path):
    out = ketasim("compare", "--no-plot", "--age-yr", "95", cwd=tmp_path)
    assert out.returncode == 1
    assert len(out.stderr.strip().splitlines()) == 1 and "age_yr" in out.stderr
    assert "95" in out.stderr and "Traceback" not in out.stderr


def test_models_lists_the_catalogue_and_one_model(tmp_path):
    from ketasim import models

    out = ketasim("models", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    for key in models.list():
        assert key in out.stdout
    one = ketasim("models", "perezruixo2021", cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    assert "Perez-Ruixo" in one.stdout and "10.1007/s40262-020-00953-4" in one.stdout
    bad = ketasim("models", "nosuch", cwd=tmp_path)
    assert bad.returncode == 1 and "nosuch" in bad.stderr and "Traceback" not in bad.stderr


# ------------------------------------------------------------------------------------------------
# An honest command line: every failure is one line naming what failed, and a non-zero exit.
# ------------------------------------------------------------------------------------------------

def run_scenario(tmp_path, capsys, text, *extra):
    path = tmp_path / "s.json"
    path.write_text(text)
    status = cli.main(["simulate", str(path), "-o", str(tmp_path / "out.csv"), *extra])
    captured = capsys.readouterr()
    return status, path, captured.out, captured.err.strip()


def test_integer_too_large_for_a_double_names_the_file_and_the_key(tmp_path, capsys):
    digits = "1" + "0" * 399
    text = variant("model.cl", 1.0).replace('"cl": 1.0', f'"cl": {digits}')
    status, path, _, err = run_scenario(tmp_path, capsys, text)
    assert status == 1
    assert err == (f"ketasim simulate: error: {path}: model.cl must be a number a double can "
                   f"hold (magnitude <= 1.8e308), got {digits[:77]}...")


def test_time_grid_too_fine_for_a_double_names_the_key(tmp_path, capsys):
    status, path, _, err = run_scenario(
        tmp_path, capsys, variant("times_min", {"start": 0, "stop": 1e300, "step": 1e-300}))
    assert status == 1
    assert err == (f"ketasim simulate: error: {path}: times_min.step must be large enough for "
                   "at most 10000000 times, got 1e-300")


def test_lone_surrogate_in_a_label_fails_early_naming_the_key(tmp_path, capsys):
    status, path, out, err = run_scenario(tmp_path, capsys, variant("label", "\ud800"),
                                          "--plot", str(tmp_path / "f.png"))
    assert status == 1 and out == ""
    assert err == (f"ketasim simulate: error: {path}: label must be valid Unicode text (no lone "
                   'surrogate \\ud800-\\udfff), got "\\ud800"')
    assert not (tmp_path / "out.csv").exists()


def test_lone_surrogate_in_a_route_name_names_the_key(tmp_path, capsys):
    text = json.dumps(BASE).replace('"intranasal"', '"\\udc80"')
    status, path, _, err = run_scenario(tmp_path, capsys, text)
    assert status == 1
    assert err == (f"ketasim simulate: error: {path}: model.routes.\\udc80 must be valid Unicode "
                   'text (no lone surrogate \\ud800-\\udfff), got "\\udc80"')


@pytest.mark.parametrize("text,key", [
    ('{"model": {"cl": 1.2, "v1": 15.0, "cl": 1.3}, "regimen": [], "times_min": [0]}',
     "model.cl"),
    ('{"label": "a", "label": "b", "model": {"cl": 1.2, "v1": 15.0}, "regimen": [], '
     '"times_min": [0]}', "label"),
    ('{"model": {"cl": 1.2, "v1": 15.0}, "regimen": [{"bolus": {"dose_mg": 1, "dose_mg": 2}}], '
     '"times_min": [0]}', "regimen[0].bolus.dose_mg"),
    ('{"model": {"cl": 1.2, "v1": 15.0}, "regimen": [{"bolus": {"dose_mg": 1}, '
     '"bolus": {"dose_mg": 2}}], "times_min": [0]}', "regimen[0].bolus"),
    ('{"model": {"cl": 1.2, "v1": 15.0, "routes": {"in": {"ka": 0.1}, "in": {"ka": 0.2}}}, '
     '"regimen": [], "times_min": [0]}', "model.routes.in"),
], ids=["model key", "top key", "dose key", "regimen kind", "route name"])
def test_duplicate_json_keys_are_an_error_naming_the_key(tmp_path, capsys, text, key):
    status, path, _, err = run_scenario(tmp_path, capsys, text)
    assert status == 1
    assert err == (f"ketasim simulate: error: {path}: {key} must be given once, got it more "
                   "than once in the same object")


def test_ke0_source_in_a_scenario_is_the_literature_value(tmp_path, capsys):
    from ketasim import models, scenario

    doc = json.loads(json.dumps(BASE))
    del doc["model"]["ke0"]
    doc["model"]["ke0_source"] = "sleigh2019"
    sc = scenario.from_dict(doc, "x.json")
    sleigh = {e["key"]: e["ke0_per_min"] for e in models.literature_ke0()}["sleigh2019"]
    assert sc.model.parameter("ke0") == sleigh
    doc["model"]["ke0"] = 0.5
    with pytest.raises(scenario.ScenarioError, match=r"^x\.json: model\.ke0_source must be "
                       r"absent when model\.ke0 is given \(one or the other\), got "
                       r'"sleigh2019"$'):
        scenario.from_dict(doc, "x.json")
    del doc["model"]["ke0"]
    doc["model"]["ke0_source"] = "guess"
    with pytest.raises(scenario.ScenarioError, match=r'^x\.json: model\.ke0_source must be one '
                       r'of \[sleigh2019.*\], got "guess"$'):
        scenario.from_dict(doc, "x.json")


def test_non_finite_results_are_never_written(tmp_path, capsys):
    # A dose at the top of the double range overflows Cp; whichever layer refuses it (the core
    # or the command line's last check), nothing with nan or inf is written and the exit is 1.
    doc = {"model": {"cl": 1.0, "v1": 1.0, "ke0": 0.2}, "regimen": [{"bolus": {"dose_mg": 1e308}}],
           "times_min": [0, 1]}
    status, path, out, err = run_scenario(tmp_path, capsys, json.dumps(doc))
    assert status == 1 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("ketasim simulate: error: ")
    assert "internal error" not in err
    assert not (tmp_path / "out.csv").exists()


def test_finite_check_names_the_column_and_the_time():
    from ketasim.cli.output import CliError, check_finite

    with pytest.raises(CliError) as info:
        check_finite({"time_min": np.array([0.0, 1.0, 2.0]),
                      "cp_ng_ml": np.array([1.0, np.inf, np.nan])}, "out.csv")
    assert str(info.value) == ("cannot write out.csv: cp_ng_ml must be finite, got inf at "
                               "time_min 1 (an input too large or too small for double "
                               "precision); nothing was written")


def test_full_disk_names_the_output_file_and_the_os_error(capsys):
    assert cli.main(["simulate", str(SCENARIOS / "domino_iv_infusion.json"), "-o",
                     "/dev/full"]) == 1
    assert capsys.readouterr().err.strip() == ("ketasim simulate: error: cannot write "
                                               "/dev/full: No space left on device")


def test_full_disk_on_standard_output_is_one_line():
    with open("/dev/full", "w") as full:
        out = subprocess.run([sys.executable, "-m", "ketasim", "simulate",
                              str(SCENARIOS / "iv_plus_intranasal.json")], stdout=full,
                             stderr=subprocess.PIPE, text=True, timeout=120)
    assert out.returncode == 1
    assert out.stderr.strip() == ("ketasim simulate: error: cannot write standard output: No "
                                  "space left on device")


def test_broken_pipe_exits_quietly():
    # 721 CSV rows (about 100 kB) overflow the pipe buffer: the writer meets EPIPE.
    proc = subprocess.Popen([sys.executable, "-m", "ketasim", "simulate",
                             str(SCENARIOS / "iv_plus_intranasal.json")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 1
    assert first.startswith(b"time_min,cp_ng_ml")
    assert err == ""


def test_broken_pipe_in_a_shell_pipeline(tmp_path):
    out = subprocess.run(f"'{sys.executable}' -m ketasim compare --no-plot | head -1",
                         shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.startswith("ketasim compare: 70 kg adult")
    assert out.stderr == ""


def test_plot_path_without_suffix_prints_the_file_written(tmp_path, capsys):
    fig = tmp_path / "fig"
    assert cli.main(["simulate", str(SCENARIOS / "domino_iv_infusion.json"), "-o",
                     str(tmp_path / "o.csv"), "--plot", str(fig)]) == 0
    assert f"figure: {fig}.png\n" in capsys.readouterr().out
    assert (tmp_path / "fig.png").stat().st_size > 20_000 and not fig.exists()


def test_plot_suffix_matplotlib_cannot_write_is_one_line(tmp_path, capsys):
    fig = tmp_path / "fig.xyz"
    assert cli.main(["compare", "--png", str(fig), "--csv", str(tmp_path / "c.csv")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("ketasim compare: error: --png must end in one of [")
    assert ".png" in err and err.endswith(f"], got {fig}")
    assert not (tmp_path / "c.csv").exists()  # checked before anything is written
