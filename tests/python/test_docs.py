"""Docstrings: every public name has one, units are named, and their examples run (doctest)."""

import doctest
import inspect

import pytest

import ketasim as ks
from ketasim import cli, plot, scenario


def public_objects():
    for name in ks.__all__:
        obj = getattr(ks, name)
        if name.startswith("__") or name == "METHODS":
            continue
        yield f"ketasim.{name}", obj
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_"):
                    yield f"ketasim.{name}.{attr}", member
    for mod, names in ((plot, plot.__all__), (scenario, scenario.__all__), (cli, cli.__all__)):
        yield mod.__name__, mod
        for name in names:
            if not name.isupper():
                yield f"{mod.__name__}.{name}", getattr(mod, name)


OBJECTS = list(public_objects())


@pytest.mark.parametrize("name,obj", OBJECTS, ids=[n for n, _ in OBJECTS])
def test_public_name_has_a_docstring(name, obj):
    doc = obj.__doc__ if not isinstance(obj, property) else obj.fget.__doc__
    assert doc and doc.strip(), f"{name} has no docstring"


@pytest.mark.parametrize("name", ["Model", "Absorption", "Regimen.bolus", "Regimen.infusion",
                                  "simulate", "Result", "OnsetMetrics"])
def test_docstrings_name_units(name):
    obj = ks
    for part in name.split("."):
        obj = getattr(obj, part)
    doc = obj.__doc__
    assert any(unit in doc for unit in ("mg", "min", "ng/mL", "L/min", "1/min"))


def test_docstring_examples_run():
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    parser = doctest.DocTestParser()
    seen = 0
    for name, obj in OBJECTS:
        doc = obj.__doc__ if not isinstance(obj, property) else obj.fget.__doc__
        if not doc or ">>>" not in doc:
            continue
        test = parser.get_doctest(doc, {"ks": ks}, name, None, 0)
        runner.run(test)
        seen += 1
    del finder
    assert seen >= 6
    assert runner.failures == 0, f"{runner.failures} docstring example(s) failed"
