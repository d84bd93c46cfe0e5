"""`alignsim compare DIR_A DIR_B`: paired run by run when the seeds match, unpaired otherwise, the
numbers recomputed from the folders' own arrays, and one-line refusals."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from sim.apps.cli import main
from sim.core.stats import newcombe_paired, newcombe_unpaired, welch_difference

RUNS = 40


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _run(out, scen, seed, runs=RUNS, *extra):
    assert main(["run", scen, "--runs", str(runs), "--seed", str(seed), "--out", str(out), "--quiet",
                 "--no-figures", "--no-analysis", *extra]) == 0
    return out


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    d = tmp_path_factory.mktemp("cmp")
    return {"base": _run(d / "base", "baseline_2024", 5), "war": _run(d / "war", "june_war_pivot", 5),
            "war6": _run(d / "war6", "june_war_pivot", 6, 30), "root": d}


def _mutual_end(folder, i=0, j=1):
    with np.load(folder / "ensemble.npz") as z:
        a = z["alignment"]
    return 0.5 * (a[:, -1, i, j].astype(np.float64) + a[:, -1, j, i])


def _compare(capsys, a, b, out, *extra):
    assert main(["compare", str(a), str(b), "--out", str(out), *extra]) == 0
    text = capsys.readouterr().out
    rows = {(r["from"], r["to"], r["outcome"]): r for r in _rows(out / "compare.csv")}
    return text, rows, json.loads((out / "manifest.json").read_text())


def test_same_seed_is_paired_and_says_so(folders, capsys):
    text, rows, man = _compare(capsys, folders["base"], folders["war"], folders["root"] / "p")
    assert man["paired"] and man["runs_compared"] == RUNS and man["complete"]
    assert "paired: both folders use seed 5" in text.splitlines()[1]
    xa, xb = _mutual_end(folders["base"]), _mutual_end(folders["war"])
    mean = rows[("iran", "china", "mean")]
    assert float(mean["difference"]) == pytest.approx((xb - xa).mean(), abs=1e-6)
    d = newcombe_paired(xb > 0.5, xa > 0.5)
    al = rows[("iran", "china", "aligned")]
    assert (float(al["difference"]), float(al["diff_low"]), float(al["diff_high"])) == \
        pytest.approx((d.estimate, d.low, d.high), abs=1e-6)
    assert float(al["a"]) == pytest.approx((xa > 0.5).mean()) and "Newcombe paired" in al["method"]
    # common random numbers pay: the paired interval of the mean is narrower than the unpaired one
    w = welch_difference(xb, xa)
    assert float(mean["diff_high"]) - float(mean["diff_low"]) < 0.8 * (w.high - w.low)
    over = [r for r in _rows(folders["root"] / "p" / "compare_over_time.csv") if (r["from"], r["to"]) == ("iran", "china")]
    assert float(over[0]["q95"]) == 0.0 and float(over[-1]["mean"]) == pytest.approx((xb - xa).mean(), abs=1e-6)
    assert (folders["root"] / "p" / "figures" / "compare_difference.png").stat().st_size > 10_000


def test_other_seeds_are_unpaired_and_say_so(folders, capsys):
    text, rows, man = _compare(capsys, folders["base"], folders["war6"], folders["root"] / "u", "--no-figures")
    assert not man["paired"] and "unpaired: the seeds differ (5 and 6)" in text
    xa, xb = _mutual_end(folders["base"]), _mutual_end(folders["war6"])
    assert len(xb) == 30
    d = newcombe_unpaired(int((xb > 0.5).sum()), 30, int((xa > 0.5).sum()), RUNS)
    al = rows[("iran", "china", "aligned")]
    assert (float(al["diff_low"]), float(al["diff_high"])) == pytest.approx((d.low, d.high), abs=1e-6)
    w = welch_difference(xb, xa)
    assert float(rows[("iran", "china", "mean")]["diff_low"]) == pytest.approx(w.low, abs=1e-6)
    over = _rows(folders["root"] / "u" / "compare_over_time.csv")
    assert over[0]["q50"] == "" and over[0]["low"] != ""     # no per-run difference unpaired


def test_a_summary_only_folder_is_unpaired_from_its_counts(folders, capsys):
    summ = _run(folders["root"] / "summ", "june_war_pivot", 5, RUNS, "--keep", "summary")
    text, rows, man = _compare(capsys, folders["base"], summ, folders["root"] / "s", "--no-figures")
    assert not man["paired"] and "kept no per-run arrays" in text
    final = {(r["from"], r["to"]): r for r in _rows(summ / "final.csv")}
    assert float(rows[("iran", "china", "aligned")]["b"]) == pytest.approx(float(final[("iran", "china")]["p_above_0.5"]))
    assert ("iran", "china", "mean") not in rows


def _error_line(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


def test_other_actors_or_months_or_folders_are_refused_in_one_line(folders, capsys, tmp_path):
    other = _run(tmp_path / "wide", "wider_region_2024", 5, 2, "--steps", "2")
    capsys.readouterr()                  # what the run printed
    err = _error_line(capsys, ["compare", str(folders["base"]), str(other), "--out", str(tmp_path / "x")])
    assert "same actors" in err and str(other) in err
    short = _run(tmp_path / "short", "june_war_pivot", 5, 4, "--steps", "12")
    capsys.readouterr()                  # what the runs printed
    err = _error_line(capsys, ["compare", str(folders["base"]), str(short), "--out", str(tmp_path / "y")])
    assert "same months" in err and "2024-01 to 2028-01" in err
    assert "not a result folder" in _error_line(capsys, ["compare", str(tmp_path), str(short)])
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_report_on_a_comparison_folder_is_refused_in_one_line(folders, capsys):
    out = folders["root"] / "p2"
    _compare(capsys, folders["base"], folders["war"], out, "--no-figures")
    assert "has no report" in _error_line(capsys, ["report", str(out)])
