"""Fixtures of the browser tests: the built page (``make web``), one headless Chromium for the
session (Debian's chromium and chromedriver, driven by selenium), a download folder, and
``ketasim compare`` run in a subprocess as the reference."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = Path(os.environ.get("KETASIM_WEB_PAGE", ROOT / "build-web" / "ketasim.html")).resolve()


@pytest.fixture(scope="session")
def page_url() -> str:
    if not PAGE.is_file():
        pytest.fail(f"{PAGE} is missing: build it with `make web`")
    return PAGE.as_uri()


@pytest.fixture(scope="session")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="session")
def browser(downloads: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("KETASIM_CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1100", "--lang=en-GB"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
    })
    service = Service(os.environ.get("KETASIM_CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    yield driver
    driver.quit()


def open_page(driver, url: str) -> None:
    """Loads the page fresh (also when only the fragment differs) and waits for the core."""
    driver.get("about:blank")
    driver.get(url)
    deadline = time.monotonic() + 30.0
    while not driver.execute_script("return !!(window.ketasimPage && window.ketasimPage.ready)"):
        if time.monotonic() > deadline:
            raise AssertionError("the page did not start within 30 s: "
                                 + driver.find_element("id", "err-general").text)
        time.sleep(0.05)


def console_errors(driver) -> List[str]:
    """Messages the page logged at error level since the last call (uncaught exceptions too)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def page_table(driver) -> List[List[str]]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#onset-table tbody tr'))"
        ".map(tr => Array.from(tr.cells).map(c => c.textContent.trim()))")


def page_list(driver, list_id: str) -> List[str]:
    return driver.execute_script(
        f"return Array.from(document.querySelectorAll('#{list_id} li')).map(li => li.textContent)")


def errors(driver) -> Dict[str, str]:
    return driver.execute_script(
        "const o = {}; for (const e of document.querySelectorAll('.error'))"
        " if (e.textContent) o[e.id] = e.textContent; return o;")


def paste_value(driver, control_id: str, text: str) -> None:
    """Puts text into a control at once, as a paste does (one input event)."""
    driver.execute_script(
        "const el = document.getElementById(arguments[0]); el.value = arguments[1];"
        " el.dispatchEvent(new Event('input', {bubbles: true}));", control_id, text)


def set_value(driver, control_id: str, text: str) -> None:
    """Types into a control as a user does: select all, type, leave the field (Tab)."""
    from selenium.webdriver.common.keys import Keys

    el = driver.find_element("id", control_id)
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(Keys.DELETE)
    el.send_keys(text + Keys.TAB)


class Cli:
    """One run of ``ketasim compare``: its printed table, its source lines and its CSV."""

    def __init__(self, args: List[str], workdir: Path):
        csv_path = workdir / "cli.csv"
        done = subprocess.run([sys.executable, "-m", "ketasim", "compare", "--no-plot", "--csv",
                               str(csv_path), *args], capture_output=True, text=True,
                              cwd=workdir, check=True)
        self.lines = done.stdout.splitlines()
        self.csv_text = csv_path.read_text(encoding="utf-8")

    @property
    def header(self) -> str:
        return self.lines[0]

    @property
    def table(self) -> List[List[str]]:
        rows = []
        for line in self.lines[4:]:
            if not line.strip():
                break
            rows.append(re.split(r"\s{2,}", line.strip()))
        return rows

    def printed(self, prefix: str) -> List[str]:
        return [ln[len(prefix):] for ln in self.lines if ln.startswith(prefix)]

    def csv(self) -> Tuple[List[str], List[List[float]]]:
        return parse_csv(self.csv_text)


def parse_csv(text: str) -> Tuple[List[str], List[List[float]]]:
    lines = text.strip().splitlines()
    return lines[0].split(","), [[float(x) for x in ln.split(",")] for ln in lines[1:]]


@pytest.fixture
def cli(tmp_path: Path):
    return lambda *args: Cli(list(args), tmp_path)
