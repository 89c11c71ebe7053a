"""How long the teaching page (build-web/ketasim.html, ``make web``) takes to recompute and
redraw after a control moves, for the default comparison (three arms, 0-240 min every minute),
measured in headless Chromium with performance.now(). Not a test: prints the figures.

    python bench/web_recompute.py [--repeats 200] [PAGE]

Per control change, three figures, each the median and 95th percentile over the repeats:
- core: the three ``simulateArm`` calls of the WebAssembly core alone (simulate + onset metrics);
- recompute: the page's whole handler (read controls, core, table, SVG, sources, URL);
- with layout: the handler plus the style and layout it triggers (forced by reading a size).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parents[1]

MEASURE = """
const n = arguments[0], el = document.getElementById('weight');
const recompute = [], layout = [];
for (let i = 0; i < n; ++i) {
  el.value = String(70 + (i % 2));            // 70 kg and 71 kg in turn: every change recomputes
  const t0 = performance.now();
  el.dispatchEvent(new Event('input', {bubbles: true}));
  const t1 = performance.now();
  void document.getElementById('results').getBoundingClientRect().height;  // style + layout
  const t2 = performance.now();
  recompute.push(t1 - t0);
  layout.push(t2 - t0);
}
return {recompute, layout};
"""

CORE = """
const n = arguments[0], core = await createKetasim();
const spec = (model, covariates, doses) => ({model, covariates, doses, ke0_source: 'sleigh2019',
  end_min: 240, step_min: 1, threshold_ng_ml: 70});
const arms = [spec('kamp2020', {weight_kg: 70}, [{kind: 'infusion', dose_mg_per_kg: 0.5,
  weight_kg: 70, start_min: 0, duration_min: 40}])];
for (const dose of [56, 84])
  arms.push(spec('perezruixo2021', {age_yr: 45}, [{kind: 'nasal_spray', dose_mg: dose,
    start_min: 0, device_mg: 28, interval_min: 5}]));
const out = [];
for (let i = 0; i < n; ++i) {
  const t0 = performance.now();
  for (const a of arms) if (!core.simulateArm(a).ok) throw new Error('arm failed');
  out.push(performance.now() - t0);
}
return out;
"""


def summary(ms: list) -> str:
    q = statistics.quantiles(ms, n=20)
    return f"median {statistics.median(ms):.2f} ms, 95th percentile {q[18]:.2f} ms"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("page", nargs="?", default=str(ROOT / "build-web" / "ketasim.html"))
    p.add_argument("--repeats", type=int, default=200)
    args = p.parse_args()
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("KETASIM_CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1100"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(os.environ.get("KETASIM_CHROMEDRIVER",
                                                             "/usr/bin/chromedriver")),
                              options=options)
    try:
        driver.get(Path(args.page).resolve().as_uri())
        ready = "return !!(window.ketasimPage && window.ketasimPage.ready)"
        while not driver.execute_script(ready):
            time.sleep(0.05)
        driver.execute_script(MEASURE, 20)  # warm-up (JIT, wasm tier-up)
        page = driver.execute_script(MEASURE, args.repeats)
        core = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"(async () => {{ {CORE} }})().then(done, e => done(String(e)));", args.repeats)
        if not isinstance(core, list):
            raise SystemExit(f"web_recompute.py: timing the core failed: {core}")
        version = driver.capabilities.get("browserVersion", "?")
    finally:
        driver.quit()
    print(f"Chromium {version} (headless), {args.repeats} control changes, default comparison "
          "(IV kamp2020 + esketamine 56 and 84 mg, 241 output times per arm):")
    print(f"  core (3 x simulateArm):  {summary(core)}")
    print(f"  recompute (handler):     {summary(page['recompute'])}")
    print(f"  recompute + layout:      {summary(page['layout'])}")


if __name__ == "__main__":
    main()
