"""End to end through `alignsim`: run, list, show, plot, --help, --version."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import sim
from helpers import ROOT, SCENARIOS
from sim.apps.cli import build_parser, main

PIVOT = SCENARIOS / "june_war_pivot.toml"
ACTORS = ["iran", "china", "russia", "us", "israel"]
RUNS = 50
QCOLS = ["q05", "q25", "q50", "q75", "q95"]


def cli(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def npz_arrays(folder):
    with np.load(folder / "ensemble.npz") as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("pivot") / "run"
    rc = main(["run", str(PIVOT), "--runs", str(RUNS), "--out", str(out), "--quiet", "--formats", "png,svg",
               "--all-figures"])
    assert rc == 0
    return out


@pytest.fixture(scope="module")
def manifest(result):
    return json.loads((result / "manifest.json").read_text())


def read_csv(path):
    with path.open(newline="") as fh:
        r = csv.reader(fh)
        header = next(r)
        return header, list(r)


def test_manifest(manifest):
    assert manifest["complete"] is True
    assert manifest["seed"] == 20250613
    assert manifest["runs"] == RUNS
    assert manifest["actors"] == ACTORS
    resolved = manifest["scenario"]["resolved"]
    assert resolved["scenario"]["name"] == "june_war_pivot"
    # the resolved scenario includes what the parent file contributes
    assert set(ACTORS) <= set(resolved["actors"])
    assert "june_war" in resolved["shocks"] and "background_clash" in resolved["shocks"]
    assert manifest["versions"]["alignsim"] == sim.__version__
    assert manifest["versions"]["python"] == sys.version.split()[0]
    assert manifest["versions"]["numpy"] == np.__version__


def test_quantiles_csv(result, manifest):
    header, rows = read_csv(result / "quantiles.csv")
    assert header == ["step", "date", "from", "to", "measure", "mean", *QCOLS]
    steps = manifest["steps"]
    n = len(ACTORS)
    assert len(rows) == (steps + 1) * (n * (n - 1) // 2 + n * (n - 1))
    assert {r[4] for r in rows} == {"mutual", "directed"}
    q = np.array([[float(x) for x in r[6:]] for r in rows])
    assert np.all(np.diff(q, axis=1) >= 0), "q05 <= q25 <= q50 <= q75 <= q95"
    assert q.min() >= -1 and q.max() <= 1
    assert rows[0][:5] == ["0", "2024-01", "iran", "china", "mutual"]
    assert rows[-1][0] == str(steps) and rows[-1][1] == manifest["end"]


def test_final_csv(result):
    header, rows = read_csv(result / "final.csv")
    assert header == ["from", "to", "median", "p_above_0.5", "p_between", "p_below_-0.5"]
    assert len(rows) == 10
    for r in rows:
        assert sum(float(x) for x in r[3:]) == pytest.approx(1.0, abs=2e-4)
        assert -1 <= float(r[2]) <= 1


def test_events_csv(result):
    header, rows = read_csv(result / "events.csv")
    assert header[:4] == ["run", "step", "date", "shock"]
    by_shock = {}
    for r in rows:
        by_shock.setdefault(r[3], set()).add(int(r[0]))
    # scheduled with probability 1: every run
    assert by_shock["june_war"] == set(range(RUNS))
    assert all(r[2] == "2025-06" for r in rows if r[3] == "june_war")
    # decisions the actors took carry their author; scheduled shocks carry none
    author = header.index("author")
    how = header.index("how")
    assert all(r[author] == "israel" and r[how] == "scheduled" for r in rows if r[3] == "june_war")
    decided = [r for r in rows if r[how] == "decided"]
    assert decided, "no actor decided anything in 50 runs of the flagship"
    assert all(r[author] for r in decided)


def test_ensemble_npz(result, manifest):
    z = npz_arrays(result)
    steps = manifest["steps"]
    assert z["alignment"].dtype == np.float32
    assert z["alignment"].shape == (RUNS, steps + 1, 5, 5)
    assert list(z["actors"]) == ACTORS
    assert int(z["seed"]) == 20250613
    assert len(z["dates"]) == steps + 1
    for k in ("threat", "trade", "sanctions", "support"):
        assert z[k].shape == (RUNS, steps + 1, 5, 5)
    assert np.isfinite(z["alignment"]).all()
    assert np.abs(z["alignment"]).max() <= 1


def test_figures(result):
    for stem in ("fan_chart", "final_heatmap"):
        png = result / "figures" / f"{stem}.png"
        svg = result / "figures" / f"{stem}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 5000
        assert b"<svg" in svg.read_bytes()[:2000]


def test_manifest_lists_every_file(result, manifest):
    on_disk = {str(p.relative_to(result)) for p in result.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == set(manifest["files"])


def test_same_seed_same_arrays(result, tmp_path):
    again = tmp_path / "again"
    assert main(["run", str(PIVOT), "--runs", str(RUNS), "--out", str(again), "--quiet", "--no-figures"]) == 0
    a, b = npz_arrays(result), npz_arrays(again)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert (result / "quantiles.csv").read_bytes() == (again / "quantiles.csv").read_bytes()


def test_chunk_size_does_not_change_results(result, tmp_path):
    out = tmp_path / "chunked"
    assert main(["run", str(PIVOT), "--runs", str(RUNS), "--out", str(out), "--quiet", "--no-figures",
                 "--chunk-size", "7"]) == 0
    np.testing.assert_array_equal(npz_arrays(result)["alignment"], npz_arrays(out)["alignment"])


def test_set_changes_results(result, tmp_path):
    out = tmp_path / "tolerant"
    assert main(["run", str(PIVOT), "--runs", str(RUNS), "--out", str(out), "--quiet", "--no-figures",
                 "--set", "actors.china.sanctions_risk_tolerance=0.9"]) == 0
    base, changed = npz_arrays(result), npz_arrays(out)
    assert not np.array_equal(base["alignment"], changed["alignment"])
    assert not np.array_equal(base["trade"], changed["trade"])
    # same start: an override changes mechanisms, not the calibrated initial state
    np.testing.assert_array_equal(base["alignment"][:, 0], changed["alignment"][:, 0])
    man = json.loads((out / "manifest.json").read_text())
    assert man["scenario"]["overrides"] == ["actors.china.sanctions_risk_tolerance=0.9"]
    assert man["scenario"]["resolved"]["actors"]["china"]["sanctions_risk_tolerance"] == 0.9


def test_list_prints_every_scenario(capsys):
    rc, out, err = cli(capsys, "list", "--dir", SCENARIOS)
    assert rc == 0
    stems = sorted(p.stem for p in SCENARIOS.glob("*.toml"))
    assert stems and {"baseline_2024", "june_war_pivot"} <= set(stems)
    section = out.split("experiments (", 1)[0].strip().splitlines()[1:]
    assert [ln.split()[0] for ln in section] == stems
    assert all(ln.split()[1] == "built-in" for ln in section)    # --dir is the built-in folder itself
    assert "invalid" not in out


def test_a_local_file_that_shadows_a_built_in_says_so(capsys, tmp_path, monkeypatch):
    """A name finds ./scenarios first; a local copy that differs from the built-in of that name (an
    old checkout's, say) is named on stderr, and an identical copy is not."""
    (tmp_path / "scenarios").mkdir()
    local = tmp_path / "scenarios" / "baseline_2024.toml"
    local.write_bytes((SCENARIOS / "baseline_2024.toml").read_bytes())
    monkeypatch.chdir(tmp_path)
    rc, out, err = cli(capsys, "show", "baseline_2024")
    assert rc == 0 and "note" not in err
    local.write_bytes(local.read_bytes() + b"\n# an older copy\n")
    rc, out, err = cli(capsys, "show", "baseline_2024")
    assert rc == 0 and "file: scenarios/baseline_2024.toml" in out
    assert "note: using scenarios/baseline_2024.toml, which differs from the built-in scenario" in err


def test_show_prints_actors_table(capsys):
    rc, out, err = cli(capsys, "show", PIVOT)
    assert rc == 0
    assert "ACTORS" in out
    table = out.split("ACTORS", 1)[1].split("\n\n", 1)[0]
    for a in ACTORS:
        assert f"\n{a} " in table
    assert "sanctions_risk_tolerance" in table
    assert "SHOCKS" in out and "june_war" in out


def test_show_by_name_with_dir(capsys):
    rc, out, err = cli(capsys, "show", "baseline_2024", "--dir", SCENARIOS)
    assert rc == 0 and "baseline_2024" in out


def test_show_keys(capsys):
    rc, out, err = cli(capsys, "show", PIVOT, "--keys")
    assert rc == 0
    keys = [ln.split()[0] for ln in out.splitlines()[2:]]
    assert "actors.china.resolve" in keys
    assert "dynamics.inertia" in keys            # defaults are listed too
    assert "shocks.june_war.intensity" in keys
    assert "actors.china" not in keys            # tables are not keys


def test_show_with_set(capsys):
    rc, out, err = cli(capsys, "show", PIVOT, "--set", "actors.china.resolve=0.123")
    assert rc == 0 and "0.123" in out


def _redraw(result, capsys, ext):
    before = {p.name: p.read_bytes() for p in sorted((result / "figures").glob(f"*.{ext}"))}
    rc, out, err = cli(capsys, "plot", result)
    assert rc == 0
    redrawn = [p.strip() for p in out.splitlines() if p.strip()]
    assert any(p.endswith(f"fan_chart.{ext}") for p in redrawn)
    assert any(p.endswith(f"final_heatmap.{ext}") for p in redrawn)
    after = {p.name: p.read_bytes() for p in sorted((result / "figures").glob(f"*.{ext}"))}
    assert after.keys() == before.keys()
    return before, after


def test_plot_redraws_identical_png(result, capsys):
    before, after = _redraw(result, capsys, "png")
    for name in before:
        assert after[name] == before[name], name


def test_plot_redraws_identical_svg(result, capsys):
    before, after = _redraw(result, capsys, "svg")
    for name in before:
        assert after[name] == before[name], name


def test_plot_of_a_folder_without_results(tmp_path, capsys):
    rc, out, err = cli(capsys, "plot", tmp_path)
    assert rc == 2 and "not a result folder" in err and len(err.strip().splitlines()) == 1


def subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


@pytest.mark.parametrize("command", [None, *subcommands()])
def test_help_exits_zero(command, capsys):
    argv = ["--help"] if command is None else [command, "--help"]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: alignsim")


def test_expected_subcommands_exist():
    assert {"run", "list", "show", "plot"} <= set(subcommands())


def test_version_subprocess():
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-m", "sim", "--version"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"alignsim {sim.__version__}"
