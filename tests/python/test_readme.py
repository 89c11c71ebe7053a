"""The README's Python, scenario and error examples are the shipped files and real output."""

import json
import re
from pathlib import Path

from ketasim import cli

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def block(lang, after):
    start = README.index(after)
    m = re.compile(r"```" + lang + r"\n(.*?)\n```", re.S).search(README, start)
    assert m, f"no ```{lang} block after {after!r}"
    return m.group(1)


def test_python_block_is_taken_from_the_quickstart_example():
    code = block("python", "## Python")
    assert code in (ROOT / "examples" / "python" / "quickstart.py").read_text()


def test_scenario_block_is_the_shipped_example_file():
    text = block("json", "## Scenario files")
    shipped = (ROOT / "examples" / "scenarios" / "iv_plus_intranasal.json").read_text()
    assert text.strip() == shipped.strip()
    json.loads(text)


def test_error_line_is_what_the_command_prints(tmp_path, monkeypatch, capsys):
    doc = json.loads((ROOT / "examples" / "scenarios" / "iv_plus_intranasal.json").read_text())
    doc["regimen"][0]["infusion"]["duration_min"] = -5
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["simulate", "bad.json"]) == 1
    shown = block("", "## Command line").strip()
    assert capsys.readouterr().err.strip() == shown


def test_population_block_runs_on_the_quickstart_model():
    import numpy as np

    setup = block("python", "## Python")
    code = block("python", "## Populations")
    scope = {}
    exec(setup + "\n" + code, scope)  # noqa: S102 - the README's own example
    pop = scope["pop"]
    assert pop.cp_ng_ml.shape == (2000, 241)
    reached = pop.fraction_above(70, "ce")
    assert np.all(np.diff(reached) >= 0) and 0.0 < reached[-1] <= 1.0
    onset = pop.onset_min(70)
    reached_by_60 = np.mean(np.isfinite(onset) & (onset <= 60.0))
    assert abs(reached[60] - reached_by_60) <= 1.0 / 2000


def test_virtual_trial_block_is_taken_from_the_example():
    code = block("python", "### Virtual trials and individual fits")
    assert code in (ROOT / "examples" / "python" / "virtual_trial.py").read_text()
