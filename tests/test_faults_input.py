"""Fault injection on input (issue 16): hostile names, deep TOML, dates, seeds, steps and
numbers out of range get one line and exit 2 before anything is written; shocks after the
horizon get a warning (an error with --strict); an explicit --workers is honoured or the
run says why not."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from sim import scenario
from sim.apps.cli import main
from sim.engine import checks
from sim.engine import executor as ex
from sim.engine.ensemble import run_ensemble
from sim.scenario import schema

PIVOT = Path("scenarios/june_war_pivot.toml").resolve()
QUICK = ["--runs", "8", "--steps", "4", "--quiet", "--no-figures"]


def child(tmp_path, body: str, name: str = "child.toml") -> Path:
    p = tmp_path / name
    p.write_text(f'extends = "{PIVOT}"\n{body}')
    return p


def fails(capsys, argv, *needles) -> str:
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("alignsim: error: ") and "Traceback" not in err, err
    for n in needles:
        assert n in err, err
    return err


def q(key: str) -> str:
    """A TOML key, quoted (JSON string escapes are TOML basic-string escapes)."""
    return json.dumps(key)


HOSTILE = ['x"><img src=x onerror=alert(1)>', "", "Iran", "1st", "a" * 65, "../x", "a b", "é"]
ACTOR = "military = 1\neconomic = 1\nsanctions_risk_tolerance = 0.5\nresolve = 0.5\nreliability = 0.5\n"


# ----------------------------------------------------------------- names and ids


@pytest.mark.parametrize("bad", HOSTILE)
@pytest.mark.parametrize("kind", ["actor", "issue", "shock", "corridor"])
def test_hostile_ids_are_refused(tmp_path, capsys, kind, bad):
    body = {"actor": f"[actors.{q(bad)}]\n{ACTOR}",
            "issue": f"[issues]\n{q(bad)} = \"text\"\n",
            "shock": f"[shocks.{q(bad)}]\ntype = \"diplomatic_event\"\nparticipants = [\"iran\", \"china\"]\nat = \"2025-01\"\n",
            "corridor": f"[corridors.{q(bad)}]\npairs = [[\"iran\", \"china\"]]\ncapacity = 1\ntransit_days = 9\n"}[kind]
    fails(capsys, ["run", str(child(tmp_path, body)), *QUICK, "--out", str(tmp_path / "o")],
          f"not a valid {kind} id", "^[a-z][a-z0-9_]{0,63}$")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("bad", ["../../x", "/tmp/alignsim_abs", "", "X"])
def test_a_scenario_name_is_never_a_path(tmp_path, capsys, monkeypatch, bad):
    monkeypatch.chdir(tmp_path)
    p = child(tmp_path, f"[scenario]\nname = {q(bad)}\n")
    fails(capsys, ["run", str(p), *QUICK], "scenario.name", "not a valid scenario id")
    assert sorted(x.name for x in tmp_path.iterdir()) == ["child.toml"]


def test_a_file_name_becomes_an_id_and_the_default_folder_stays_under_results(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "My War (2).toml"
    p.write_text(PIVOT.parent.joinpath("baseline_2024.toml").read_text().replace('name = "baseline_2024"\n', ""))
    assert scenario.load(p).name == "my_war__2_"
    assert main(["run", str(p), *QUICK]) == 0
    # QUICK differs from the defaults, so the folder is a variant's: results/my_war__2_-HASH
    made = list((tmp_path / "results").iterdir())
    assert len(made) == 1 and made[0].name.startswith("my_war__2_-") and (made[0] / "manifest.json").exists()
    assert scenario.load(child(tmp_path, "[actors.qatar]\n" + ACTOR, name="w.toml")).actor_ids[-1] == "qatar"


def test_a_numeric_issue_label_is_refused(tmp_path, capsys):
    fails(capsys, ["run", str(child(tmp_path, "[issues]\nworld_order = 3\n")), *QUICK], "issues.world_order",
          "a string")


# ------------------------------------------------------------ nesting, dates, numbers


def test_toml_nested_900_deep_is_one_line_and_list_goes_on(tmp_path, capsys):
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 900 + "]" * 900 + "\n")
    fails(capsys, ["run", str(deep), *QUICK], "deep.toml", "nested more than 64 deep")
    (tmp_path / "fine.toml").write_text(PIVOT.read_text())
    assert main(["list", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"deep\s+local\s+\(invalid:", out) and "nested more than 64 deep" in out
    assert re.search(r"\n  fine\s+local", out)


def test_toml_and_set_nested_beyond_64_are_refused(tmp_path, capsys):
    p = tmp_path / "d.toml"
    p.write_text("x = " + "[" * 65 + "]" * 65 + "\n")
    fails(capsys, ["run", str(p), *QUICK], "nested more than 64 deep")
    fails(capsys, ["run", str(PIVOT), *QUICK, "--set", "dynamics.inertia=" + "[" * 900 + "]" * 900],
          "dynamics.inertia", "nested more than 64 deep")


@pytest.mark.parametrize("start", ["9999-12", "1899-12", "2201-01"])
def test_dates_outside_1900_2200_are_refused(tmp_path, capsys, start):
    fails(capsys, ["run", str(child(tmp_path, f'[time]\nstart = "{start}"\n')), *QUICK], "time.start",
          "from 1900-01 to 2200-12")


def test_a_step_beyond_the_cap_is_refused(tmp_path, capsys):
    fails(capsys, ["run", str(child(tmp_path, "[shocks.june_war]\nat = 99999999999999999\n")), *QUICK],
          "shocks.june_war.at", "a step must be in [0, 1200]")


@pytest.mark.parametrize("value", ["1e308", "-1e308", "1e13", str(10 ** 400), "nan", "inf"])
def test_numbers_whose_use_overflows_are_refused(tmp_path, capsys, value):
    body = f"[actors.iran]\nmilitary = {value}\n"
    fails(capsys, ["run", str(child(tmp_path, body)), *QUICK], "actors.iran.military")


def test_numbers_at_the_limit_keep_every_array_finite(tmp_path):
    # the largest amounts a scenario may give (sim/scenario/actors.py, spec.py), and 1e12 where
    # no bound is set beyond the global one
    big, gdp, huge = "1e6", "1e4", "1e12"
    body = (f"[actors.iran]\nmilitary = {big}\neconomic = {gdp}\ntrade_total = {big}\n"
            f"[actors.china]\nmilitary = {big}\neconomic = {gdp}\ntrade_total = {big}\n[world]\ntrade = 1e7\n"
            f"[actors.china.salience]\nworld_order = {huge}\n[trade.china]\niran = 9e5\n"
            f"[corridors.china_iran_rail]\ncapacity = {huge}\n")
    scen = scenario.load(child(tmp_path, body))
    arrays = run_ensemble(scen, 16, 3, steps=24).arrays
    for name, a in arrays.items():
        assert np.isfinite(a).all(), name


def test_actors_without_military_capability_run(tmp_path):
    """military = 0 is a valid input (the model takes it); the coalition analysis used to stop
    the run with a ValueError after the simulation: such an actor now weighs nothing."""
    zero = [x for a in ("iran", "china", "russia", "us", "israel") for x in ("--set", f"actors.{a}.military=0")]
    for name, sets in (("one", zero[:2]), ("all", zero)):
        out = tmp_path / name
        assert main(["run", str(PIVOT), *QUICK, *sets, "--out", str(out)]) == 0
        with np.load(out / "ensemble.npz") as z:
            assert all(np.isfinite(z[k]).all() for k in z.files if z[k].dtype.kind == "f")
        assert (out / "coalitions.csv").read_text().count("\n") > 1


# ------------------------------------------------------------------ markup is text


def test_the_dashboard_summary_escapes_every_name_and_id():
    """Defence in depth behind the id check: markup in an id or a name stays text."""
    pytest.importorskip("solara")
    from sim.apps.dashboard.results import summary_html
    from sim.apps.dashboard.state import PairRow
    evil = '"><img src=x onerror=alert(1)>'
    html = summary_html([PairRow(evil, "b", evil, 0, 0, 0.1, 0, 0, 0.5, 0.1, 0.0)], "2025-01", changed=True)
    assert "<img" not in html and html.count("&quot;&gt;&lt;img") == 4   # the label and three data-pair attributes


def test_the_report_shows_hostile_names_as_text(tmp_path):
    """Display names and titles are free text: in report.html they are text, never markup."""
    evil = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    body = (f"[scenario]\ntitle = {q('T ' + evil)}\ndescription = {q(evil)}\n[actors.iran]\nname = {q('Iran ' + evil)}\n"
            f"[shocks.june_war]\nlabel = {q(evil)}\n")
    out = tmp_path / "o"
    assert main(["run", str(child(tmp_path, body)), "--runs", "8", "--quiet", "--no-figures", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "<img src=x" not in page and "<script>alert" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") >= 3   # title, an actor's pairs, the shock label


# --------------------------------------------------------------- the command line


@pytest.mark.parametrize("argv", [["run", "x", "--runs", "0"], ["run", "x", "--keep", "all"], ["fly"], []])
def test_bad_arguments_get_one_line(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2 and len(err.splitlines()) == 1 and err.startswith("alignsim: error: "), err
    assert "--help" in err


def test_an_explicit_worker_count_is_honoured_or_the_run_says_why_not(tmp_path, capsys):
    assert ex.plan("auto", 2, None, 10) == ("processes", 2, None)        # however small the job
    assert ex.plan("auto", None, None, 10)[:2] == ("inprocess", 1)
    assert ex.plan("auto", 1, None, 10 ** 9)[:2] == ("inprocess", 1)
    assert "ignored" in ex.plan("inprocess", 2, None, 10)[2]
    assert main(["run", str(PIVOT), *QUICK, "--backend", "inprocess", "--workers", "2", "--out",
                 str(tmp_path / "o")]) == 0
    assert "--workers 2 is ignored: --backend inprocess computes in this process" in capsys.readouterr().err


@pytest.mark.parametrize("argv, needle", [
    (["--seed", "99999999999999999999999"], "--seed"), (["--seed", "-1"], "--seed"),
    (["--steps", "5000"], "--steps"), (["--steps", "1201"], "--steps")])
def test_options_out_of_range_are_refused_before_anything_is_written(tmp_path, capsys, argv, needle):
    out = tmp_path / "o"
    fails(capsys, ["run", str(PIVOT), "--runs", "8", "--quiet", "--no-figures", "--out", str(out), *argv],
          needle, "must be an integer in")
    assert not out.exists()


def test_the_largest_seed_runs_and_the_step_caps_agree(tmp_path):
    assert checks.MAX_STEPS == schema.MAX_STEP == 1200
    out = tmp_path / "o"
    assert main(["run", str(PIVOT), "--runs", "4", "--steps", "4", "--seed", str(2 ** 63 - 1), "--quiet",
                 "--no-figures", "--no-analysis", "--keep", "summary", "--out", str(out)]) == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2 ** 63 - 1


def test_shocks_after_the_horizon_warn_and_strict_refuses(tmp_path, capsys):
    body = ('[shocks.late]\ntype = "diplomatic_event"\nparticipants = ["iran", "china"]\nat = "2031-01"\n'
            '[shocks.never]\ntype = "sanctions"\nsender = "us"\ntarget = "iran"\nhazard = 0.1\n'
            'window = ["2030-01", "2030-06"]\n')
    p = child(tmp_path, body)
    assert main(["run", str(p), "--runs", "8", "--quiet", "--no-figures", "--out", str(tmp_path / "a")]) == 0
    warnings = [w for w in capsys.readouterr().err.splitlines() if w.startswith("alignsim: warning:")]
    assert len(warnings) == 2
    assert "shocks.late.at" in warnings[0] and "never fires" in warnings[0]
    assert "shocks.never.window" in warnings[1] and "2030-01" in warnings[1]
    fails(capsys, ["run", str(p), "--runs", "8", "--quiet", "--no-figures", "--strict", "--out",
                   str(tmp_path / "b")], "shocks.late.at", "never fires")
    assert not (tmp_path / "b").exists()
    assert main(["run", str(PIVOT), *QUICK, "--out", str(tmp_path / "c")]) == 0   # a shorter run: one line
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--steps = 4: ends the run in 2024-05, before 5 events" in err[0], err
    assert "june_war" in err[0]
