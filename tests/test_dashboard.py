"""Dashboard logic without a browser: input checks, overrides, export, server options.

The page itself is driven in a real browser in test_dashboard_browser.py.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from sim import scenario
from sim.apps.cli import main
from sim.apps.dashboard import DEFAULT_HOST, dashboard_main, downloads, export, params, serve, state
from sim.scenario.toml_out import toml_key, toml_literal
from sim.engine.ensemble import run_ensemble

ROOT = Path(__file__).resolve().parents[1]
PIVOT = ROOT / "scenarios" / "june_war_pivot.toml"
SEED = 11


@pytest.fixture
def folder(tmp_path):
    """A copy of the scenario library to save into."""
    dst = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios", dst)
    return dst


@pytest.fixture(scope="module")
def base():
    return state.Base.load(PIVOT)


def edit_all(b: state.Base) -> dict:
    """One edit of every kind the page makes."""
    e = {}
    e = params.set_edit(e, b.control("actors.china.sanctions_risk_tolerance"), 0.8)              # dist -> number
    e = params.set_edit(e, b.control("actors.russia.reliability"),
                        {"dist": "uniform", "low": 0.6, "high": 0.9})                             # range slider
    e = params.set_edit(e, b.control("actors.us.military"), 500.0)                                # typed amount
    e = params.set_edit(e, b.control("actors.iran.salience.world_order"), 0.4)                    # salience
    e = params.set_edit(e, b.control("shocks.june_war.intensity"), 0.5)                           # intensity
    e = params.set_edit(e, b.control("shocks.oct_2024_strikes.enabled"), False)                   # toggle (absent key)
    return e


# ------------------------------------------------------------------ controls and edits


def test_controls_cover_the_issue(base):
    keys = {c.key for c in base.controls}
    for aid in base.scen.actor_ids:
        for f in ("military", "economic", "sanctions_risk_tolerance", "reliability", "resolve"):
            assert f"actors.{aid}.{f}" in keys
        for issue in base.scen.issues:
            assert f"actors.{aid}.salience.{issue}" in keys
    for s in base.scen.shocks:
        assert {f"shocks.{s.name}.enabled", f"shocks.{s.name}.intensity"} <= keys
    china = base.control("actors.china.sanctions_risk_tolerance")
    assert china.uniform and china.base == {"dist": "uniform", "low": 0.25, "high": 0.5}
    assert base.control("shocks.june_war.enabled").base is True
    assert all(c.slug.startswith("key-") and "." not in c.slug for c in base.controls)


def test_edit_back_to_base_removes_it(base):
    c = base.control("actors.china.resolve")
    e = params.set_edit({}, c, 0.6)
    assert e == {"actors.china.resolve": 0.6}
    assert params.set_edit(e, c, 0.35) == {}
    assert params.set_edit({}, base.control("shocks.june_war.enabled"), True) == {}


def test_override_lines_are_set_syntax(base):
    lines = params.override_lines(base.controls, edit_all(base))
    assert 'actors.russia.reliability={ dist = "uniform", low = 0.6, high = 0.9 }' in lines
    assert "shocks.oct_2024_strikes.enabled=false" in lines
    for line in lines:   # each parses as --set does
        key, value = scenario.parse_override(line)
        assert key in {c.key for c in base.controls}
    cmd = downloads.command("june_war_pivot", 200, 7, lines)
    assert cmd.startswith("alignsim run june_war_pivot --runs 200 --seed 7 --set ")
    assert "'actors.russia.reliability={ dist" in cmd


def test_page_load_is_set_load_where_set_accepts_the_keys(base):
    ov = ["actors.china.resolve=0.6", 'actors.russia.reliability={dist="uniform",low=0.6,high=0.9}']
    a, b = state.load(PIVOT, ov), scenario.load(PIVOT, ov)
    assert export._params(a) == export._params(b)
    assert export._params(a.reference) == export._params(b.reference)


def test_optional_keys_absent_from_the_file_can_be_set():
    """Overriding an absent optional key with its default must give the file's numbers."""
    same = ["shocks.oct_2024_strikes.enabled=true", "shocks.oct_2024_strikes.intensity=0.5"]
    e1 = run_ensemble(state.load(PIVOT, same), 12, SEED)
    e0 = run_ensemble(scenario.load(PIVOT), 12, SEED)
    assert np.array_equal(e0.alignment, e1.alignment)
    off = run_ensemble(state.load(PIVOT, ["shocks.oct_2024_strikes.enabled=false"]), 12, SEED)
    assert not np.array_equal(e0.alignment, off.alignment)
    assert state.load(PIVOT, same).path == PIVOT


def test_unknown_key_still_named():
    with pytest.raises(scenario.ScenarioError, match="unknown key"):
        state.load(PIVOT, ["actors.china.resolv=0.5"])


# ------------------------------------------------------------------ input checks


@pytest.mark.parametrize("text, ok", [
    ("200", 200), (" 1_000 ", 1000), ("1e3", 1000), ("5000", 5000),
    ("", None), ("   ", None), ("abc", None), ("2.5", None), ("0", None), ("-3", None), ("5001", None),
    ("nan", None), ("inf", None), (None, None)])
def test_parse_int_runs(text, ok):
    v, msg = params.parse_int(text, 1, state.MAX_RUNS, "number of runs")
    assert v == ok
    assert (msg is None) == (ok is not None)
    if msg:
        assert "number of runs" in msg or "not a number" in msg


def test_parse_int_seed_range():
    assert params.parse_int("0", 0, state.MAX_SEED, "seed") == (0, None)
    v, msg = params.parse_int(str(2**63), 0, state.MAX_SEED, "seed")
    assert v is None and "seed" in msg


@pytest.mark.parametrize("text, ok", [
    ("314", 314.0), ("0", 0.0), (" 12.5 ", 12.5), ('{dist="uniform", low=250, high=400}', None),
    ("", False), ("-1", False), ("abc", False), ("1,5", False), ("true", False), ('"12"', False),
    ('{dist="uniform", low=400, high=250}', False), ('{dist="uniform", low=-5, high=2}', False), ("inf", False)])
def test_parse_amount(base, text, ok):
    c = base.control("actors.china.military")
    v, msg = params.parse_amount(c, text)
    if ok is False:
        assert v is None and msg
    elif ok is None:
        assert msg is None and v == {"dist": "uniform", "low": 250.0, "high": 400.0}
    else:
        assert msg is None and v == ok


def test_check_edit_ranges(base):
    share = base.control("actors.china.resolve")
    assert params.check_edit(share, 0.5) is None
    assert "[0, 1]" in params.check_edit(share, 1.5)
    assert params.check_edit(share, {"dist": "uniform", "low": 0.2, "high": 1.2})
    sal = base.control("actors.china.salience.energy_flows")
    assert params.check_edit(sal, 2.0) is None and params.check_edit(sal, -0.1)
    sw = base.control("shocks.june_war.enabled")
    assert params.check_edit(sw, False) is None and params.check_edit(sw, 0.3)


def test_a_run_that_fails_is_a_message_not_a_crash():
    with pytest.raises(scenario.ScenarioError):
        state.compute(PIVOT, ("actors.china.resolve=2",), 5, 1)


# ------------------------------------------------------------------ export


def test_export_text_has_only_changes_and_parses(base, folder):
    e = edit_all(base)
    text = export.scenario_text(base, e, name="x_test", title="X", extends="june_war_pivot.toml",
                                runs=200, seed=7, run_path="x_test")
    data = tomllib.loads(text)
    assert data["extends"] == "june_war_pivot.toml"
    assert data["scenario"]["name"] == "x_test"
    assert data["actors"]["china"] == {"sanctions_risk_tolerance": 0.8}
    assert data["actors"]["iran"] == {"salience": {"world_order": 0.4}}
    assert data["actors"]["russia"]["reliability"] == {"dist": "uniform", "low": 0.6, "high": 0.9}
    assert data["shocks"] == {"june_war": {"intensity": 0.5}, "oct_2024_strikes": {"enabled": False}}
    assert set(data) == {"extends", "scenario", "actors", "shocks"}
    assert "alignsim run x_test --runs 200 --seed 7" in text


def test_strings_and_keys_round_trip():
    for s in ['plain', 'quote " and \\ backslash', "tab\tnew\nline", "ünïcødé ☀ 🚀", ""]:
        assert tomllib.loads(f"v = {toml_literal(s)}")["v"] == s
    assert tomllib.loads(f'{toml_key("a b.c")} = 1') == {"a b.c": 1}
    with pytest.raises(ValueError):
        toml_literal(float("nan"))


def test_saved_scenario_reproduces_the_page(folder, tmp_path):
    """The exported file, run by `alignsim run` with the page's seed, gives the page's CSV."""
    b = state.Base.load(folder / "june_war_pivot.toml")
    e = edit_all(b)
    runs, seed = 30, 20250613
    page = state.compute(b.path, params.override_lines(b.controls, e), runs, seed)
    path = export.save(b, e, folder, "page_export", "Page export", runs, seed)
    assert path == folder / "page_export.toml" and not list(folder.glob(".*.tmp"))
    out = tmp_path / "run"
    assert main(["run", str(path), "--runs", str(runs), "--seed", str(seed), "--out", str(out),
                 "--quiet", "--no-figures"]) == 0
    assert (out / "quantiles.csv").read_bytes() == downloads.quantiles_csv(page)   # the page's download
    assert (out / "final.csv").read_bytes() == downloads.final_csv(page)
    # the page's own numbers (run_ensemble in memory) are the file's
    med = {(r[0], r[1]): r[2] for r in csv.reader((out / "final.csv").open()) if r[0] != "from"}
    for row in state.pair_rows(page, state.all_pairs(page.scen), page.ens.steps):
        assert f"{row.q50:.4f}" == med[(row.a, row.b)]
    # and the figures' numbers: the median shown for Iran-China at the horizon
    row = state.pair_rows(page, [("iran", "china")], page.ens.steps)[0]
    with np.load(out / "ensemble.npz") as z:
        assert np.array_equal(z["alignment"], page.ens.alignment)
    assert row.base_q50 is not None and row.q50 != row.base_q50


def test_save_refuses_bad_names_and_existing_files(base, folder):
    for bad in ("", "Bad Name", "../escape", "x/y", "1abc", "a" * 80):
        assert export.check_name(bad, folder)
        with pytest.raises(scenario.ScenarioError):
            export.save(base, {}, folder, bad, "", 10, 1)
    assert "already exists" in export.check_name("june_war_pivot", folder)
    assert export.check_name("fresh_name", folder) is None
    assert export.check_name("fresh_name", folder / "missing")
    before = (folder / "june_war_pivot.toml").read_bytes()
    with pytest.raises(scenario.ScenarioError, match="already exists"):
        export.save(base, {}, folder, "june_war_pivot", "", 10, 1)
    assert (folder / "june_war_pivot.toml").read_bytes() == before


def test_unchanged_export_is_the_base(folder):
    b = state.Base.load(folder / "baseline_2024.toml")
    p = export.save(b, {}, folder, "same_as_base", "", 10, 1)
    e0 = run_ensemble(scenario.load(folder / "baseline_2024.toml"), 10, 3)
    e1 = run_ensemble(scenario.load(p), 10, 3)
    assert np.array_equal(e0.alignment, e1.alignment)


# ------------------------------------------------------------------ page numbers and figures


def test_pair_rows_match_quantiles_csv(base):
    r = state.compute(PIVOT, (), 25, 5)
    rows = state.pair_rows(r, [("iran", "china"), ("us", "israel")], 48)
    text = downloads.quantiles_csv(r).decode().splitlines()
    want = next(ln for ln in text if ln.startswith("48,2028-01,iran,china,mutual,"))
    assert f"{rows[0].q50:.5f}" == want.split(",")[8]     # the page shows the file's median
    names = __import__("zipfile").ZipFile(__import__("io").BytesIO(downloads.tables_zip(r))).namelist()
    assert {"quantiles.csv", "final.csv", "manifest.json"} <= set(names)
    assert rows[0].base_q50 is None and rows[0].label == "Iran \u2013 China"


def test_downloads_manifest_records_the_page_not_a_command_line(monkeypatch):
    """The folder behind the page's downloads comes from the library's run function, not
    from the command line: its manifest names the page and its changes as the request and
    carries no `command`, whatever the server process was started with."""
    monkeypatch.setattr(sys, "argv", ["alignsim", "run", "argv_sentinel", "--runs", "3", "--set", "argv.sentinel=1"])
    changes = ("actors.china.resolve=0.9", "shocks.oct_2024_strikes.enabled=false")
    r = state.compute(PIVOT, changes, 14, 23)
    with zipfile.ZipFile(io.BytesIO(downloads.tables_zip(r))) as z:
        manifest = json.loads(z.read("manifest.json"))
    assert "command" not in manifest
    assert manifest["request"]["from"] == "alignsim dashboard"
    assert manifest["request"]["scenario"] == str(PIVOT)
    assert manifest["request"]["changes"] == list(changes)
    assert manifest["scenario"]["overrides"] == list(changes)
    assert (manifest["runs"], manifest["seed"]) == (14, 23)
    text = json.dumps(manifest)
    assert "argv_sentinel" not in text and "argv.sentinel" not in text


def test_figures_render(base):
    from sim.figures import dashboard as charts
    r = state.compute(PIVOT, ("actors.china.resolve=0.9",), 20, 5)
    for png in (charts.fan_png(r, state.default_pairs(r.scen), 30), charts.fan_png(r, [("iran", "china")]),
                charts.heatmap_png(r, 10), charts.network_png(r, 48)):
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


# ------------------------------------------------------------------ server options


def test_host_default_and_warning(capsys, folder):
    assert DEFAULT_HOST == "127.0.0.1"
    for h in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert serve.host_warning(h) is None
    for h in ("0.0.0.0", "192.168.1.5", "example.org", "::"):
        assert "no login" in serve.host_warning(h)
    # another host: the warning is printed before anything else (this address is not
    # on this machine, so binding fails and nothing is served)
    rc = dashboard_main(None, 8765, "192.0.2.1", str(folder))
    err = capsys.readouterr().err
    assert rc == 2 and "warning: serving on 192.0.2.1" in err and "cannot listen" in err


def test_bad_command_line_input_exits_2(capsys, folder):
    assert dashboard_main("no_such_scenario", 0, DEFAULT_HOST, str(folder)) == 2
    assert "no such scenario" in capsys.readouterr().err
    assert dashboard_main(None, 70000, DEFAULT_HOST, str(folder)) == 2
    assert "--port" in capsys.readouterr().err
    assert dashboard_main(None, 0, DEFAULT_HOST, str(folder / "nowhere")) == 2
    assert "no scenario folder" in capsys.readouterr().err
    broken = folder / "broken.toml"
    broken.write_text("extends = 3\n")
    assert dashboard_main(str(broken), 0, DEFAULT_HOST, str(folder)) == 2
    assert "extends" in capsys.readouterr().err


def test_catalog_lists_broken_files_without_failing(folder):
    (folder / "zz_broken.toml").write_text("this is not toml")
    cat = state.catalog(folder)
    names = {e.name: e for e in cat}
    assert names["zz_broken"].error and "TOML" in names["zz_broken"].error
    assert names["june_war_pivot"].error is None and names["june_war_pivot"].title


def test_cli_subcommand_when_wired():
    """`alignsim dashboard` (sim/apps/cli.py) uses these defaults: 127.0.0.1, port 8765."""
    from sim.apps.cli import build_parser
    p = build_parser()
    try:
        args = p.parse_args(["dashboard"])
    except SystemExit:
        pytest.skip("sim.apps.cli has no `dashboard` subcommand yet")
    assert args.host == "127.0.0.1" and args.port == 8765 and args.scenario is None and args.dir is None
    args = p.parse_args(["dashboard", "hormuz_closure", "--port", "0", "--host", "::1", "--dir", "x"])
    assert (args.scenario, args.port, args.host, args.dir) == ("hormuz_closure", 0, "::1", "x")
    assert main(["dashboard", "no_such_scenario", "--port", "0"]) == 2
