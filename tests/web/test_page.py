"""The teaching page (web/, built by ``make web``) in headless Chromium from file://: its numbers
against ``ketasim compare`` (same core, run here as a subprocess), controls and the URL, shared
links, the downloads, bad input, and a screenshot kept as an artifact."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import ketasim as ks
from conftest import (PAGE, console_errors, errors, open_page, page_list, page_table, parse_csv,
                      paste_value, set_value)


def assert_same_as_cli(driver, ref) -> None:
    """Table cells equal to the printed digits; header, sources and caveats word for word."""
    assert page_table(driver) == ref.table
    assert "ketasim compare: " + driver.find_element("id", "scenario").text == ref.header
    sources = page_list(driver, "sources")
    assert sources[0] == ref.printed("models (typical values): ")[0].join(
        ["models (typical values): ", ""])
    # the page names no command-line option where the CLI says which one it was given by
    assert sources[1:-1] == [re.sub(r" \(--[a-z0-9-]+\)", "", x) for x in ref.printed("  - ")]
    assert sources[-1] == "threshold: " + ref.printed("threshold: ")[0]
    assert page_list(driver, "notes") == ref.printed("note: ")


def url_state(driver) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(driver.current_url).fragment).items()}


def wait_for_file(folder: Path, name: str, timeout_s: float = 15.0) -> Path:
    path = folder / name
    deadline = time.monotonic() + timeout_s
    while not (path.is_file() and path.stat().st_size > 0):
        assert time.monotonic() < deadline, f"{name} was not downloaded into {folder}"
        time.sleep(0.05)
    time.sleep(0.2)  # Chromium renames the finished file into place; let it settle
    return path


def test_default_scenario_equals_ketasim_compare(browser, page_url, cli):
    open_page(browser, page_url)
    ref = cli()
    assert len(ref.table) == 3
    assert_same_as_cli(browser, ref)
    assert errors(browser) == {}
    assert url_state(browser)["w"] == "70" and url_state(browser)["ke0"] == "sleigh2019"
    assert console_errors(browser) == []


def test_controls_change_table_and_url(browser, page_url, cli):
    from selenium.webdriver.common.keys import Keys

    open_page(browser, page_url)
    before = page_table(browser)
    set_value(browser, "weight", "82")
    set_value(browser, "iv-dose", "0.7")
    set_value(browser, "esk-doses", "28, 56, 84")
    browser.find_element("id", "ke0-choice").send_keys(Keys.ARROW_DOWN)  # keyboard only
    after = page_table(browser)
    assert after != before and len(after) == 4
    state = url_state(browser)
    assert (state["w"], state["ivdose"], state["esk"], state["ke0"]) == (
        "82", "0.7", "28, 56, 84", "sleigh2019_theta")
    assert_same_as_cli(browser, cli("--weight-kg", "82", "--iv-mg-per-kg", "0.7",
                                    "--esketamine-mg", "28", "56", "84",
                                    "--ke0-source", "sleigh2019_theta"))
    paste_value(browser, "iv-duration-range", "15")  # dragging the slider moves its number box
    assert browser.find_element("id", "iv-duration").get_attribute("value") == "15"
    assert page_table(browser)[0][0] == "IV racemic ketamine 0.7 mg/kg over 15 min [kamp2020]"
    assert url_state(browser)["ivdur"] == "15"


def test_shared_link_restores_the_scenario(browser, page_url, cli):
    link = ("#w=64&ivmodel=domino1984&ivdose=0.35&ivdur=20&nasal=racemic&nmg=60&ndoses=2"
            "&nint=10&preset=pharmacotherapy2022&nf=0.3&ke0=0.9&thr=90&end=180&step=0.5")
    open_page(browser, page_url + link)
    values = browser.execute_script(
        "return ['weight', 'iv-model', 'iv-dose', 'iv-duration', 'nasal', 'nasal-mg',"
        " 'nasal-doses', 'nasal-interval', 'nasal-preset', 'nasal-f', 'ke0-choice', 'ke0-value',"
        " 'threshold', 'end', 'step'].map(id => document.getElementById(id).value)")
    assert values == ["64", "domino1984", "0.35", "20", "racemic", "60", "2", "10",
                      "pharmacotherapy2022", "0.3", "number", "0.9", "90", "180", "0.5"]
    assert_same_as_cli(browser, cli(
        "--weight-kg", "64", "--iv-model", "domino1984", "--iv-mg-per-kg", "0.35",
        "--iv-duration-min", "20", "--nasal", "racemic", "--nasal-mg", "60", "--nasal-doses", "2",
        "--nasal-interval-min", "10", "--nasal-preset", "pharmacotherapy2022", "--nasal-f", "0.3",
        "--ke0", "0.9",
        "--threshold-ng-ml", "90", "--end-min", "180", "--step-min", "0.5"))
    assert url_state(browser)["ke0"] == "0.9"
    # the same link typed into the address bar of an open page (only the fragment changes)
    browser.execute_script("location.hash = arguments[0]", "w=90&thr=120")
    time.sleep(0.3)
    assert browser.find_element("id", "weight").get_attribute("value") == "90"
    assert_same_as_cli(browser, cli("--weight-kg", "90", "--threshold-ng-ml", "120"))


def test_halfway_values_round_as_python_prints_them(browser, page_url, cli):
    # Tmax of the IV arm is the end of the infusion, 12.25 min exactly: Python prints 12.2
    open_page(browser, page_url + "#ivdur=12.25&thr=150")
    assert page_table(browser)[0][2] == "12.2"
    assert_same_as_cli(browser, cli("--iv-duration-min", "12.25", "--threshold-ng-ml", "150"))


def test_link_with_an_unknown_model_says_so(browser, page_url):
    open_page(browser, page_url + "#ivmodel=kamp2021&w=75")
    assert errors(browser) == {"err-iv-model": (
        'link: ivmodel must be one of [kamp2020, domino1984, herd2007, hornik2018], got '
        '"kamp2021"; showing kamp2020 instead')}
    assert page_table(browser)[0][0] == "IV racemic ketamine 0.5 mg/kg over 40 min [kamp2020]"


def test_downloads_csv_svg_png(browser, page_url, downloads, cli):
    open_page(browser, page_url)
    browser.find_element("id", "download-csv").click()
    names, rows = parse_csv(wait_for_file(downloads, "ketasim_compare.csv").read_text())
    ref_names, ref_rows = cli().csv()
    assert names == ref_names
    assert len(rows) == len(ref_rows) == 241
    # the same core compiled by em++ (clang) and g++: equal to rounding
    worst = max(abs(a - b) / max(abs(b), 1.0) for r, q in zip(rows, ref_rows) for a, b in zip(r, q))
    assert worst < 1e-12  # measured: 1e-15
    browser.find_element("id", "download-svg").click()
    svg = wait_for_file(downloads, "ketasim_compare.svg").read_text()
    assert svg.startswith("<svg xmlns=\"http://www.w3.org/2000/svg\"") and "Ce threshold 70" in svg
    browser.find_element("id", "download-png").click()
    png = wait_for_file(downloads, "ketasim_compare.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert console_errors(browser) == []


def test_chart_and_screenshot_artifact(browser, page_url):
    open_page(browser, page_url)
    chart = browser.execute_script(
        "const s = document.querySelector('#chart svg');"
        "return {ce: s.querySelectorAll('path[stroke-width=\"3\"]').length,"
        " cp: s.querySelectorAll('path[stroke-dasharray=\"7 5\"][stroke-opacity]').length,"
        " markers: s.querySelectorAll('path > title').length,"
        " desc: s.querySelector('desc').textContent}")
    assert (chart["ce"], chart["cp"], chart["markers"]) == (3, 3, 3)
    assert "IV racemic ketamine 0.5 mg/kg over 40 min [kamp2020]: Ce reaches 70 ng/mL at 3.2 min" \
        in chart["desc"]
    shot = PAGE.parent / "screenshot.png"
    browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("control, text, library_call", [
    ("weight", "30", lambda: ks.models.get("kamp2020", weight_kg=30, ke0_source="sleigh2019")),
    ("weight", "", lambda: ks.models.get("kamp2020", weight_kg=float("nan"),
                                         ke0_source="sleigh2019")),
    ("age", "5", lambda: ks.models.get("perezruixo2021", age_yr=5, ke0_source="sleigh2019")),
    ("iv-dose", "-1", lambda: ks.mg_per_kg(-1.0, 70.0)),
    ("iv-duration", "0", lambda: ks.Regimen().infusion(dose_mg=35.0, duration_min=0.0)),
    ("esk-doses", "56, 50", lambda: ks.Regimen().nasal_spray(dose_mg=50.0)),
    ("ke0-value", "-1", (lambda: ks.models.get("kamp2020", weight_kg=70, ke0=-1.0),
                         lambda: ks.models.get("perezruixo2021", ke0=-1.0))),  # both arms say so
    ("threshold", "0", lambda: ks.onset(ks.simulate(
        ks.models.get("kamp2020", weight_kg=70, ke0_source="sleigh2019"),
        ks.Regimen().infusion(dose_mg=35.0, duration_min=40.0), [0.0, 1.0]), 0.0, series="ce")),
    ("nasal-mg", "-5", lambda: ks.Regimen().dose("intranasal", dose_mg=-5.0, time_min=0.0)),
    ("nasal-f", "0.9", lambda: ks.models.get("intranasal_racemic", weight_kg=70, f=0.9,
                                             ka_per_min=0.0231648, ke0_source="sleigh2019")),
])
def test_bad_input_shows_the_library_message_and_keeps_the_last_figure(
        browser, page_url, control, text, library_call):
    open_page(browser, page_url + ("#nasal=racemic" if control.startswith("nasal") else
                                   "#ke0=1.5" if control.startswith("ke0") else ""))
    table, svg, url = page_table(browser), browser.find_element("id", "chart").get_attribute(
        "innerHTML"), browser.current_url
    expected = []
    for call in library_call if isinstance(library_call, tuple) else (library_call,):
        with pytest.raises(ValueError) as raised:
            call()
        expected.append(str(raised.value))
    paste_value(browser, control, text)  # at once: typing would pass through valid prefixes
    box = "err-ke0" if control == "ke0-value" else "err-" + control
    assert errors(browser) == {box: " ".join(expected)}
    assert browser.find_element("id", control).get_attribute("aria-invalid") == "true"
    assert page_table(browser) == table
    assert browser.find_element("id", "chart").get_attribute("innerHTML") == svg
    assert browser.current_url == url
    assert "nan" not in " ".join(sum(page_table(browser), [])).lower()
    assert "last valid scenario" in browser.find_element("id", "status").text
