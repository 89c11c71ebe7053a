"""Python equals C++: `ketasim compare` prints the same onset table as the C++ example
examples/cpp/onset_compare (same sourced models, same regimens), to the printed precision.

The C++ program is taken from the C++ build (`make build`; folder $KETASIM_CPP_BUILD, default
build/), which `make test` runs before these tests.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

from ketasim import cli

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("KETASIM_CPP_BUILD", ROOT / "build"))
PROGRAM = BUILD / "examples" / "cpp" / "onset_compare"


def rows(text, labels):
    out = {}
    for line in text.splitlines():
        for label in labels:
            if line.startswith(label):
                out[label] = line[len(label):].split()
    return out


@pytest.mark.skipif(not PROGRAM.exists(), reason=f"C++ example not built ({PROGRAM}); run make build")
def test_compare_matches_the_cpp_example(tmp_path, capsys):
    cpp = subprocess.run([str(PROGRAM)], capture_output=True, text=True, timeout=60, check=True)
    assert cli.main(["compare", "--nasal", "racemic", "--threshold-ng-ml", "100", "--no-plot",
                     "--csv", str(tmp_path / "c.csv")]) == 0
    py = capsys.readouterr().out
    labels = ["IV racemic ketamine 0.5 mg/kg over 40 min [kamp2020]",
              "nasal racemic ketamine 50 mg [intranasal_racemic]"]
    c, p = rows(cpp.stdout, labels), rows(py, labels)
    assert set(c) == set(p) == set(labels)
    for label in labels:
        # C++: Cmax Tmax onset offset above; Python: Cmax Tmax Ce-max onset offset above.
        assert c[label] == [p[label][0], p[label][1]] + p[label][3:], label
    ka_cpp = re.search(r"ka nasal ([0-9.]+) /min", cpp.stdout).group(1)
    ka_py = re.search(r"nasal ka ([0-9.]+) /min", py).group(1)
    assert ka_cpp == ka_py
