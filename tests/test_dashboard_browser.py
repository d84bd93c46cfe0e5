"""The dashboard in a real browser: Debian's chromium driven by playwright, against
`python -m sim.apps.dashboard` (what `alignsim dashboard` runs) on a free localhost port.

The server test needs Solara (the `dashboard` extra); the browser test also needs
playwright and /usr/bin/chromium (.ci/run installs both) and is skipped without them.
Set ALIGNSIM_SCREENSHOTS=DIR to keep screenshots of the page.
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sim.apps.cli import main

pytest.importorskip("solara")
pytest.importorskip("mesa.visualization")

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("ALIGNSIM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SEED = 20250613   # the page's default seed
RUNS = 200        # the page's default runs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> list[str]:
    """Local addresses of the sockets listening on `port` (Linux /proc/net/tcp{,6})."""
    out = []
    for name in ("tcp", "tcp6"):
        p = Path("/proc/net") / name
        if not p.exists():
            continue
        for line in p.read_text().splitlines()[1:]:
            f = line.split()
            addr, hexport = f[1].rsplit(":", 1)
            if int(hexport, 16) != port or f[3] != "0A":   # 0A = LISTEN
                continue
            raw = bytes.fromhex(addr)
            if name == "tcp":
                out.append(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:   # four little-endian 32-bit words
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                out.append(socket.inet_ntop(socket.AF_INET6, words))
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python -m sim.apps.dashboard june_war_pivot --port P --dir COPY` with the default host."""
    work = tmp_path_factory.mktemp("dashboard")
    folder = work / "scenarios"
    shutil.copytree(ROOT / "scenarios", folder)
    port = free_port()
    log = (work / "server.log").open("w")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "MPLBACKEND": "Agg"}
    proc = subprocess.Popen([sys.executable, "-m", "sim.apps.dashboard", "june_war_pivot", "--port", str(port),
                             "--dir", str(folder)], cwd=work, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}:\n{(work / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                pytest.fail("server did not answer within 90 s:\n" + (work / "server.log").read_text())
            time.sleep(0.3)
        yield {"url": url, "port": port, "folder": folder, "work": work, "proc": proc}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def test_binds_loopback_only_by_default(server):
    addrs = listening(server["port"])
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp to read listening sockets from")
    assert addrs and set(addrs) == {"127.0.0.1"}, addrs
    with urllib.request.urlopen(server["url"], timeout=10) as r:
        assert r.status == 200 and b"solara" in r.read().lower()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"no {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _shot(page, name):
    folder = os.environ.get("ALIGNSIM_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_page_slider_export_and_single_run(server, browser, tmp_path):
    outside: list[str] = []
    ctx = browser.new_context(viewport={"width": 1500, "height": 1300}, accept_downloads=True)
    page = ctx.new_page()

    def only_local(route):   # the page must work offline and never call out
        if route.request.url.startswith(server["url"][:-1]):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()
    page.route("**/*", only_local)
    try:
        page.goto(server["url"])
        page.wait_for_selector(".alignsim-status.ready", timeout=60_000)
        page.wait_for_selector(".alignsim-fan", timeout=30_000)
        page.wait_for_selector(".alignsim-network", timeout=30_000)
        median = ".alignsim-summary td.median[data-pair='iran-china']"
        fan0, med0 = page.get_attribute(".alignsim-fan", "src"), page.inner_text(median)
        assert page.get_attribute(".alignsim-summary table", "data-date") == "2028-01"
        _shot(page, "1-loaded")

        # move a slider: China's tolerance of sanctions risk (a range: its upper handle)
        page.click(".alignsim-actor-china .v-expansion-panel-header")
        slider = page.locator(".key-actors-china-sanctions_risk_tolerance-slider .v-slider")
        slider.wait_for()
        box = slider.bounding_box()
        t0 = time.perf_counter()
        slider.click(position={"x": box["width"] * 0.95, "y": box["height"] / 2})
        page.wait_for_function("src => { const e = document.querySelector('.alignsim-fan');"
                               " return e && e.src !== src; }", arg=fan0, timeout=20_000)
        t_fan = time.perf_counter() - t0
        page.wait_for_selector(".alignsim-status.ready", timeout=20_000)
        page.wait_for_selector(".alignsim-summary td.base", timeout=20_000)
        t_all = time.perf_counter() - t0
        med1 = page.inner_text(median)
        assert med1 != med0, "Iran-China median did not move"
        assert "\u2022" in page.inner_text(".alignsim-actor-china .v-expansion-panel-header")
        print(f"\npage update after a slider move: fan chart {t_fan:.2f} s, all figures {t_all:.2f} s")
        assert t_fan < 8, f"fan chart took {t_fan:.1f} s to update"

        # invalid inputs: inline messages, the server keeps serving
        runs = page.locator(".alignsim-runs input")
        runs.fill("")
        runs.press("Enter")
        page.wait_for_selector(".alignsim-runs >> text=enter the number of runs", timeout=10_000)
        runs.fill("-5")
        runs.press("Enter")
        page.wait_for_selector(".alignsim-runs >> text=must be from 1", timeout=10_000)
        page.wait_for_selector(".alignsim-input-warning", timeout=10_000)
        mil = page.locator(".key-actors-china-military input")
        mil.fill("lots")
        mil.press("Enter")
        page.wait_for_selector(".key-actors-china-military >> text=is not a number", timeout=10_000)
        _shot(page, "2-invalid")
        assert page.inner_text(median) == med1          # last valid result still shown
        runs.fill(str(RUNS))
        runs.press("Enter")
        mil.fill("314")                                  # the file's value: no change
        mil.press("Enter")
        page.wait_for_selector(".alignsim-input-warning", state="detached", timeout=10_000)
        with urllib.request.urlopen(server["url"], timeout=10) as r:
            assert r.status == 200

        # a shock off (a key --set does not accept on this file: the stand-in path)
        page.click(".alignsim-shocks .v-expansion-panel-header")
        toggle = ".key-shocks-precursor_sanctions-enabled .alignsim-shock-toggle"
        fan1 = page.get_attribute(".alignsim-fan", "src")
        page.click(f"{toggle} label")   # waits until the panel has opened and the label is still
        page.wait_for_selector(f"{toggle} input[aria-checked='false']", state="attached", timeout=10_000)
        page.wait_for_function("src => { const e = document.querySelector('.alignsim-fan');"
                               " return e && e.src !== src; }", arg=fan1, timeout=20_000)
        page.wait_for_selector(".alignsim-status.ready", timeout=20_000)
        shown = page.inner_text(median)
        status = page.inner_text(".alignsim-status")
        assert "2 change(s)" in status and f"{RUNS} runs" in status
        _shot(page, "3-changed")

        # save as scenario; download the page's CSV
        name = page.locator(".alignsim-save-name input")
        name.fill("browser_export")
        page.click(".alignsim-save")
        page.wait_for_selector(".alignsim-save-msg >> text=Saved", timeout=20_000)
        saved = server["folder"] / "browser_export.toml"
        assert saved.exists()
        with page.expect_download(timeout=30_000) as dl:
            page.click("text=quantiles.csv")
        downloaded = Path(dl.value.path()).read_bytes()

        # `alignsim run` on the saved file reproduces the page
        out = tmp_path / "cli"
        assert main(["run", str(saved), "--runs", str(RUNS), "--seed", str(SEED), "--out", str(out),
                     "--quiet", "--no-figures"]) == 0
        assert (out / "quantiles.csv").read_bytes() == downloaded
        rows = list(csv.DictReader((out / "quantiles.csv").open()))
        q50 = next(float(r["q50"]) for r in rows if r["date"] == "2028-01" and r["from"] == "iran"
                   and r["to"] == "china" and r["measure"] == "mutual")
        assert f"{q50:+.3f}" == shown, (q50, shown)

        # single run: Mesa's SolaraViz on the same settings, stepped to the first scheduled shock
        page.click(".alignsim-nav:has-text('Single run')")
        page.wait_for_selector(".alignsim-run-matrix", timeout=30_000)
        assert "2 change(s)" in page.inner_text(".alignsim-run-intro")
        for month in range(1, 10):   # 2024-02 .. 2024-10
            page.click("button:has-text('Step')")
            want = f"2024-{month + 1:02d}"
            page.wait_for_function("w => { const e = document.querySelector('.alignsim-run-date');"
                                   " return e && e.innerText.startsWith(w); }", arg=want, timeout=15_000)
        assert "Israeli strikes on Iranian military sites" in page.inner_text(".alignsim-run-fired")
        assert "sanctions" in page.inner_text(".alignsim-actions")
        page.click("button:has-text('Reset')")   # Mesa rebuilds the model from its parameters
        page.wait_for_function("() => { const e = document.querySelector('.alignsim-run-date');"
                               " return e && e.innerText.startsWith('2024-01'); }", timeout=15_000)
        _shot(page, "4-single-run")
    finally:
        ctx.close()
    assert not outside, f"the page requested outside addresses: {outside[:5]}"


HOSTILE = '"><img src=x onerror="window.__alignsim_xss = 1"><b>'


def test_hostile_names_and_ids_never_run_in_the_page(server, browser):
    """Issue 16: an actor id of the form x"><img onerror=...> used to reach a data-pair attribute
    unescaped and run. Ids are now refused when the file is read (the page lists that file as
    broken), and display names and titles, which are free text, are shown as text."""
    import json
    folder, text = server["folder"], json.dumps   # a JSON string is a TOML basic string
    (folder / "hostile_names.toml").write_text(
        f'extends = "june_war_pivot.toml"\n[scenario]\nname = "hostile_names"\ntitle = {text("T " + HOSTILE)}\n'
        f'[actors.iran]\nname = {text("Iran " + HOSTILE)}\n[actors.china]\nname = {text("China " + HOSTILE)}\n')
    (folder / "hostile_id.toml").write_text(
        f'extends = "june_war_pivot.toml"\n[actors.{text("x" + HOSTILE)}]\n'
        "military = 1\neconomic = 1\nsanctions_risk_tolerance = 0.5\nresolve = 0.5\nreliability = 0.5\n")
    ctx = browser.new_context(viewport={"width": 1500, "height": 1300})
    ctx.add_init_script("window.__alignsim_xss = 0")
    page = ctx.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(server["url"])
        page.click(".alignsim-scenario", timeout=60_000)
        page.click("text=hostile_names \u2014 T")
        page.wait_for_function("() => { const e = document.querySelector('.alignsim-summary');"
                               " return window.__alignsim_xss !== 0 || (e && e.innerText.includes('onerror')); }",
                               timeout=30_000)
        assert f"Iran {HOSTILE}" in page.inner_text(".alignsim-summary")   # shown as text
        page.click("text=could not be loaded")                              # the broken files, with why
        page.wait_for_selector("text=hostile_id", timeout=10_000)
        assert "not a valid actor id" in page.inner_text("body")
        assert page.locator("img[src='x']").count() == 0
        assert page.evaluate("window.__alignsim_xss") == 0 and not dialogs
        _shot(page, "5-hostile-names")
    finally:
        ctx.close()
