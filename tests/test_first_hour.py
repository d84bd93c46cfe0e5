"""The first hour of a new user (issue 17): result folders that hold only their own run's files,
default folders that tell variants apart, scenarios found from anywhere, experiment sizes
stated before they start, the small command-line faults, the report's honesty and the README
read from top to bottom."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, SCENARIOS
from sim.apps.cli import build_parser, main
from sim.apps.run_command import default_out

PIVOT = SCENARIOS / "june_war_pivot.toml"
RUNS = 20


def cli(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A small finished run with its figures (PNG)."""
    out = tmp_path_factory.mktemp("first") / "pivot"
    assert main(["run", str(PIVOT), "--runs", str(RUNS), "--out", str(out), "--quiet"]) == 0
    return out


def _copy(folder, dest):
    shutil.copytree(folder, dest)
    return dest


def _listed(out):
    return set(json.loads((out / "manifest.json").read_text())["files"])


# ---------------------------------------------------------------- 1. a folder holds only its run's files


def test_figures_and_report_are_listed_in_the_manifest(folder, tmp_path, capsys):
    out = _copy(folder, tmp_path / "r")
    assert {"figures/fan_chart.png", "figures/final_heatmap.png", "figures/balance_fan.png"} <= _listed(out)
    assert cli(capsys, "report", out)[0] == 0
    assert "report.html" in _listed(out)
    assert cli(capsys, "plot", out, "--formats", "svg")[0] == 0      # redrawn in another format: listed too
    assert "figures/fan_chart.svg" in _listed(out)
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == _listed(out)
    assert cli(capsys, "report", out)[0] == 0                          # its own report is no stranger


def test_report_refuses_a_file_the_manifest_does_not_list(folder, tmp_path, capsys):
    out = _copy(folder, tmp_path / "r")
    (out / "figures" / "fan_chart_old_run.png").write_bytes((out / "figures" / "fan_chart.png").read_bytes())
    rc, _, err = cli(capsys, "report", out)
    assert rc == 2 and len(err.strip().splitlines()) == 1
    assert "figures/fan_chart_old_run.png" in err and "not listed by its manifest" in err
    assert not (out / "report.html").exists()


def test_report_after_overwrite_with_another_scenario(folder, tmp_path, capsys):
    """The issue's case: another scenario run over the folder without figures. Either the old
    figures are gone, or the report refuses them; it never shows them under the new text."""
    out = _copy(folder, tmp_path / "r")
    assert cli(capsys, "run", SCENARIOS / "baseline_2024.toml", "--runs", RUNS, "--out", out, "--overwrite",
               "--no-figures", "--quiet")[0] == 0
    stray = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - _listed(out) - {"manifest.json"}
    rc, _, err = cli(capsys, "report", out)
    if stray:
        assert rc == 2 and sorted(stray)[0] in err
    else:
        assert rc == 0 and "June 2025 Israel-Iran war" not in (out / "report.html").read_text()


# ---------------------------------------------------------------- 2. variants get their own folders


def test_default_folder_tells_variants_apart():
    plain = default_out("june_war_pivot", [], 20250613, 1000, 48, 48)
    assert plain == Path("results/june_war_pivot")
    a = default_out("june_war_pivot", ["actors.china.resolve=0.2"], 20250613, 1000, 48, 48)
    same = default_out("june_war_pivot", ["actors.china.resolve = 0.20"], 20250613, 1000, 48, 48)
    b = default_out("june_war_pivot", ["actors.china.resolve=0.3"], 20250613, 1000, 48, 48)
    seeded = default_out("june_war_pivot", ["actors.china.resolve=0.2"], 7, 1000, 48, 48)
    more = default_out("june_war_pivot", [], 20250613, 5000, 48, 48)
    assert re.fullmatch(r"june_war_pivot-[0-9a-f]{8}", a.name)
    assert a == same and len({plain, a, b, seeded, more}) == 5


def test_two_set_variants_after_the_quick_start_do_not_collide(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    base = ["run", "june_war_pivot", "--runs", "10", "--quiet", "--no-figures", "--no-analysis"]
    folders = []
    for extra in ([], ["--set", "actors.china.sanctions_risk_tolerance=0.2"], ["--set", "actors.china.resolve=0.4"]):
        rc, out, err = cli(capsys, *base, *extra)
        assert rc == 0, err
        folders.append(re.search(r"results in (\S+)/", out).group(1))
    assert len(set(folders)) == 3 and all((tmp_path / f / "manifest.json").exists() for f in folders)


# ---------------------------------------------------------------- 3. built-in scenarios from anywhere


def test_list_from_outside_the_checkout_marks_builtin_and_local(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mine.toml").write_text(
        f'extends = "{(SCENARIOS / "june_war_pivot.toml").as_posix()}"\n[scenario]\nname = "mine"\ntitle = "Mine"\n')
    rc, out, _ = cli(capsys, "list")
    assert rc == 0
    rows = {ln.split()[0]: ln.split()[1] for ln in out.splitlines() if ln.startswith("  ")}
    assert rows["june_war_pivot"] == "built-in" and rows["june_war_vs_baseline"] == "built-in"
    assert rows["mine"] == "local"
    assert cli(capsys, "show", "june_war_pivot")[0] == 0                 # a built-in by name, from here


def test_unknown_name_suggests_the_nearest_and_mentions_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    rc, _, err = cli(capsys, "run", "june_war_pivto", "--runs", "5")
    assert rc == 2 and len(err.strip().splitlines()) == 1
    assert "did you mean june_war_pivot" in err and "--dir" in err and "`alignsim list`" in err


# ---------------------------------------------------------------- 4. experiment size, before it starts


def test_scale_multiplies_each_analysis_own_runs():
    from sim.experiments.spec import load
    full = load(ROOT / "experiments" / "russia_pullback.toml")
    half = load(ROOT / "experiments" / "russia_pullback.toml", scale=0.5)
    for a, b in zip(full.analyses, half.analyses):
        assert b.runs == max(1, round(a.runs * 0.5))
    assert [a.runs for a in full.analyses] != [b.runs for b in half.analyses]


def test_experiment_states_its_size_and_refuses_what_the_machine_cannot_hold(tmp_path, monkeypatch, capsys):
    from sim.experiments import plan
    from sim.experiments.spec import load
    path = ROOT / "experiments" / "iran_china_sensitivity.toml"
    cost = plan.plan(load(path, scale=125), workers=2)       # the issue's --runs 1000 per Sobol' point
    assert cost.runs == 6144 * 1000 + 400 * 1250
    # streamed in chunks: per run only its outcome and parameter values stay (about 50 bytes here)
    assert 0.5e9 < cost.peak_bytes < 3e9 and cost.seconds > 60
    monkeypatch.setattr(plan, "available_memory", lambda: 1e9)
    rc, _, err = cli(capsys, "experiment", path, "--scale", "125", "--out", tmp_path / "x", "--quiet")
    assert rc == 2
    lines = err.strip().splitlines()
    assert lines[0].startswith("iran_china_sensitivity: 6,644,000 runs (") and "GB" in lines[0]
    assert lines[1].startswith("alignsim: error:") and "smaller --scale" in lines[1] and len(lines) == 2
    assert not (tmp_path / "x").exists()


# ---------------------------------------------------------------- 5. small command-line faults


def test_did_you_mean_never_offers_the_typo(capsys):
    rc, _, err = cli(capsys, "show", PIVOT, "--set", "actors.chna.resolve=0.5")
    assert rc == 2 and "unknown key" in err
    assert "did you mean actors.chna.resolve" not in err and "actors.china.resolve" in err


def test_show_keys_into_a_closed_pipe_exits_quietly():
    """`alignsim show X --keys | head`: the reader is gone before the table is written."""
    proc = subprocess.Popen([sys.executable, "-m", "sim", "show", "june_war_pivot", "--keys"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert err == ""


def test_show_keys_gives_values_and_what_is_allowed(capsys):
    rc, out, _ = cli(capsys, "show", PIVOT, "--keys", "--set", "actors.china.resolve=0.35")
    rows = {ln.split()[0]: ln for ln in out.splitlines()[2:]}
    assert rc == 0 and len(rows) > 100
    resolve = rows["actors.china.resolve"]
    assert re.search(r"actors\.china\.resolve\s+0\.35\s+a number in \[0, 1\], or a distribution", resolve)
    assert "uniform(low=" in rows["actors.russia.reliability"]
    assert "[0, 0.5]" in rows["dynamics.noise"] and "an actor id: iran" in rows["shocks.june_war.attacker"]


def test_closing_lines_name_only_what_was_written(tmp_path, capsys):
    rc, out, _ = cli(capsys, "run", PIVOT, "--runs", "10", "--out", tmp_path / "a", "--quiet", "--no-figures")
    assert rc == 0 and "figures/" not in out and "total with tables " in out
    assert f"no figures (`alignsim plot {tmp_path / 'a'}` draws them)" in out
    rc, out, _ = cli(capsys, "run", PIVOT, "--runs", "10", "--out", tmp_path / "b", "--quiet", "--no-analysis")
    assert rc == 0 and "coalitions.csv" not in out and "figures/fan_chart.png" in out


def test_resume_of_another_scenarios_finished_folder_names_the_difference(folder, tmp_path, capsys):
    out = _copy(folder, tmp_path / "r")
    rc, _, err = cli(capsys, "run", SCENARIOS / "baseline_2024.toml", "--runs", RUNS, "--resume", out, "--quiet")
    assert rc == 2 and len(err.strip().splitlines()) == 1
    assert "finished run" in err and "scenario june_war_pivot there, baseline_2024 now" in err
    rc, _, err = cli(capsys, "run", PIVOT, "--runs", 30, "--resume", out, "--quiet")
    assert rc == 2 and "runs 20 there, 30 now" in err


def test_every_command_and_option_has_help():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, sub in commands.items():
        assert sub.description or sub.format_help(), name
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"alignsim {name}: {action.dest} has no help text"


def test_drawing_figures_is_announced(tmp_path, capsys):
    rc, _, err = cli(capsys, "run", PIVOT, "--runs", "10", "--out", tmp_path / "a")
    assert rc == 0 and "drawing figures: fan chart" in err


# ---------------------------------------------------------------- 7. the report


def test_run_report_reproduces_by_name_and_rounds_honestly(folder, tmp_path, capsys):
    out = _copy(folder, tmp_path / "r")
    assert cli(capsys, "report", out)[0] == 0
    page = (out / "report.html").read_text()
    repro = re.search(r"<h2>Reproduce</h2><pre>([^<]*)</pre>", page.replace("\n", "")).group(1)
    assert repro.startswith(f"alignsim run june_war_pivot --runs {RUNS} --seed 20250613")
    assert str(ROOT) not in repro and "/" not in repro.split("--out")[0]
    assert "100%–100%" not in page and "(100–100%)" not in page


def test_numbers_are_rounded_to_what_the_interval_supports():
    from sim.report.experiment import _mean_cell, _points_cell
    assert _mean_cell({"estimate": "26.335", "ci_low": "25.912", "ci_high": "26.758"}) == "26.3 (25.9 to 26.8)"
    assert _points_cell({"difference": "0.1234", "diff_low": "0.101", "diff_high": "0.146"}) == \
        "+12 pts (+10 to +15)"


def test_experiment_data_line_lists_only_files_that_exist():
    from sim.report.experiment import _experiment_reproduce
    man = {"experiment": {"file": str(ROOT / "experiments" / "june_war_vs_baseline.toml"), "text": ""},
           "seed": 1, "files": ["outcomes.csv", "compare.csv", "compare_fan.csv", "samples.npz",
                                "figures/compare_levels.png"], "command": ["alignsim", "experiment", "x"]}
    html = "\n".join(_experiment_reproduce(Path("results/x"), man))
    data = re.search(r"Data in this folder: ([^<]*)", html).group(1)
    assert "compare.csv" in data and "sweep.csv" not in data and "sobol.csv" not in data and "prim" not in data
    assert "as PNG." in data and "alignsim experiment june_war_vs_baseline --out reproduced" in html


# ---------------------------------------------------------------- 8. the README, top to bottom


def _readme_commands():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    return [ln.split("#")[0].strip() for b in blocks for ln in b.splitlines() if ln.strip()]


def test_readme_runs_without_collisions():
    """Every `alignsim run` in the README writes a folder no earlier one wrote, unless it resumes
    or overwrites that folder on purpose."""
    written = set()
    for line in _readme_commands():
        for cmd in line.split("&&"):
            words = shlex.split(cmd)
            if words[:2] != ["alignsim", "run"]:
                continue
            args = build_parser().parse_args(words[1:])
            if args.resume:
                assert str(args.resume) in written, line
                continue
            from sim import scenario
            from sim.apps.catalog import find
            scen = scenario.load(find(args.scenario, "scenarios"), args.overrides)
            out = args.out or default_out(scen.name, args.overrides, args.seed, args.runs,
                                          args.steps or scen.steps, scen.steps)
            assert args.overwrite or str(out) not in written, f"{line}: {out} was written before"
            written.add(str(out))
    assert len(written) >= 6


def test_readme_documents_validate_a_small_many_runs_example_and_skip_reasons():
    text = (ROOT / "README.md").read_text()
    commands = _readme_commands()
    assert any(c.startswith("alignsim validate") for c in commands)
    many = text.split("## Many runs", 1)[1].split("\n## ", 1)[0]
    runs = [int(m.replace(",", "")) for m in re.findall(r"--runs ([\d,]+)", many)]
    assert min(runs) <= 20_000
    test_cmd = next(ln for ln in text.splitlines() if ln.startswith("pip install") and "pytest" in ln)
    assert "-rs" in test_cmd.split()


def test_a_file_anywhere_extends_a_built_in_by_name(tmp_path, capsys):
    """A user's own file outside the checkout extends the flagship by name (or name.toml); a
    name that is neither a file nor a built-in is one line naming both places looked in."""
    from sim import scenario
    for parent in ("june_war_pivot", "june_war_pivot.toml"):
        mine = tmp_path / f"mine_{parent.replace('.', '_')}.toml"
        mine.write_text(f'extends = "{parent}"\n[scenario]\nname = "mine"\n[actors.china]\nresolve = 0.6\n')
        scen = scenario.load(mine)
        assert scen.name == "mine" and [s.name for s in scen.shocks] == \
            [s.name for s in scenario.load(PIVOT).shocks]
        assert next(a for a in scen.actors if a.id == "china").resolve == 0.6
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "no_such_scenario"\n')
    rc, _, err = cli(capsys, "show", bad)
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "no built-in scenario of that name" in err


def test_a_bad_argument_is_one_line_naming_the_command_once(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "june_war_pivot", "--runs", "0"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("alignsim: error: run: argument --runs: must be > 0") and "see alignsim run --help" in err
