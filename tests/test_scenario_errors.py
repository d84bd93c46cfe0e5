"""Bad input through the command line: exit 2, one line on stderr naming the file, the key
path and the bad value; no traceback; an existing result folder is left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from helpers import ROOT, write_scenario
from sim.apps.cli import main

SHOCK = """
[shocks.strike]
type = "armed_conflict"
attacker = "{attacker}"
defender = "b"
at = 2
probability = {probability}
duration = {duration}
"""


def shock(attacker="a", probability=1.0, duration=1):
    return SHOCK.format(attacker=attacker, probability=probability, duration=duration)


def good(tmp_path, **kw):
    args = dict(actors=2, relations={("a", "b"): 0.2}, trade={("a", "b"): 5.0}, shocks=shock(), steps=4)
    args.update(kw)
    return write_scenario(tmp_path, **args)


def run_cli(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def run_bad(capsys, tmp_path, path, *extra):
    return run_cli(capsys, "run", str(path), "--runs", "2", "--out", str(tmp_path / "out"), "--quiet",
                   "--no-figures", *extra)


def assert_one_line_error(rc, err, *needles):
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("alignsim: error: "), line
    assert "Traceback" not in err
    for n in needles:
        assert str(n) in line, f"{n!r} not in {line!r}"
    return line


def test_good_scenario_runs(tmp_path, capsys):
    rc, out, err = run_bad(capsys, tmp_path, good(tmp_path))
    assert rc == 0, err
    assert (tmp_path / "out" / "manifest.json").exists()


def test_missing_file(tmp_path, capsys):
    path = tmp_path / "no_such_scenario.toml"
    rc, out, err = run_bad(capsys, tmp_path, path)
    assert_one_line_error(rc, err, path, "no such file")
    assert not (tmp_path / "out").exists()


def test_missing_scenario_name(tmp_path, capsys):
    rc, out, err = run_cli(capsys, "run", "no_such_name", "--dir", str(tmp_path), "--quiet")
    assert_one_line_error(rc, err, "no_such_name", "alignsim list")


def test_malformed_toml(tmp_path, capsys):
    path = tmp_path / "broken.toml"
    path.write_text('[scenario]\nname = "x"\n[time\nstart = "2024-01"\n')
    rc, out, err = run_bad(capsys, tmp_path, path)
    assert_one_line_error(rc, err, path, "not valid TOML", "line 3")


def test_unknown_actor_in_shock(tmp_path, capsys):
    path = good(tmp_path, shocks=shock(attacker="atlantis"))
    rc, out, err = run_bad(capsys, tmp_path, path)
    assert_one_line_error(rc, err, path, "shocks.strike.attacker", '"atlantis"', "unknown actor", "a, b")


def test_probability_outside_unit_interval(tmp_path, capsys):
    path = good(tmp_path, shocks=shock(probability=1.5))
    rc, out, err = run_bad(capsys, tmp_path, path)
    assert_one_line_error(rc, err, path, "shocks.strike.probability", "1.5", "[0, 1]")


def test_negative_probability(tmp_path, capsys):
    path = good(tmp_path, shocks=shock(probability=-0.1))
    rc, out, err = run_bad(capsys, tmp_path, path)
    assert_one_line_error(rc, err, path, "shocks.strike.probability", "-0.1")


def test_negative_duration(tmp_path, capsys):
    path = good(tmp_path, shocks=shock(duration=-3))
    rc, out, err = run_bad(capsys, tmp_path, path)
    assert_one_line_error(rc, err, path, "shocks.strike.duration", "-3")


def test_unknown_set_key_lists_nearest_keys(tmp_path, capsys):
    rc, out, err = run_bad(capsys, tmp_path, good(tmp_path), "--set", "actors.a.resolv=0.4")
    line = assert_one_line_error(rc, err, "actors.a.resolv", "0.4", "unknown key", "did you mean")
    assert "actors.a.resolve" in line


def test_unknown_set_key_in_dynamics(tmp_path, capsys):
    rc, out, err = run_bad(capsys, tmp_path, good(tmp_path), "--set", "dynamics.inertial=0.3")
    line = assert_one_line_error(rc, err, "dynamics.inertial", "0.3", "did you mean")
    assert "dynamics.inertia" in line


def test_unknown_set_key_names_the_scenario_file(tmp_path, capsys):
    path = good(tmp_path)
    rc, out, err = run_bad(capsys, tmp_path, path, "--set", "actors.a.resolv=0.4")
    assert_one_line_error(rc, err, path)


def test_bad_set_value_names_key_and_value(tmp_path, capsys):
    path = good(tmp_path)
    rc, out, err = run_bad(capsys, tmp_path, path, "--set", "actors.a.resolve=1.7")
    assert_one_line_error(rc, err, path, "actors.a.resolve", "1.7", "[0, 1]")


def test_distribution_low_above_high(tmp_path, capsys):
    path = good(tmp_path, actors={"a": {"reliability": {"dist": "uniform", "low": 0.8, "high": 0.2}}, "b": {}})
    rc, out, err = run_bad(capsys, tmp_path, path)
    assert_one_line_error(rc, err, path, "actors.a.reliability", "0.8", "0.2", "low must not exceed high")


def test_triangular_mode_outside_range(tmp_path, capsys):
    path = good(tmp_path, actors={"a": {"resolve": {"dist": "triangular", "low": 0.2, "mode": 0.9,
                                                    "high": 0.5}}, "b": {}})
    rc, out, err = run_bad(capsys, tmp_path, path)
    assert_one_line_error(rc, err, path, "actors.a.resolve.mode", "0.9")


def test_unknown_key_in_actor_table(tmp_path, capsys):
    path = good(tmp_path, actors={"a": {"colour": "red"}, "b": {}})
    rc, out, err = run_bad(capsys, tmp_path, path)
    assert_one_line_error(rc, err, path, "actors.a.colour", '"red"', "unknown key")


def test_extends_missing_file(tmp_path, capsys):
    path = good(tmp_path, extends="missing_parent.toml")
    rc, out, err = run_bad(capsys, tmp_path, path)
    assert_one_line_error(rc, err, path, "extends", "missing_parent.toml", "no such file")


def test_asymmetric_trade(tmp_path, capsys):
    path = good(tmp_path, trade={("a", "b"): 10.0, ("b", "a"): 20.0})
    rc, out, err = run_bad(capsys, tmp_path, path)
    assert_one_line_error(rc, err, path, "trade.b.a", "20", "symmetric")


def test_show_reports_errors_the_same_way(tmp_path, capsys):
    path = good(tmp_path, shocks=shock(probability=2))
    rc, out, err = run_cli(capsys, "show", str(path))
    assert_one_line_error(rc, err, path, "shocks.strike.probability", "2")


def test_subprocess_prints_one_line_and_no_traceback(tmp_path):
    path = good(tmp_path, shocks=shock(attacker="atlantis"))
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--quiet", "--no-figures",
                           "--out", str(tmp_path / "out")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert_one_line_error(proc.returncode, proc.stderr, path, "shocks.strike.attacker", "atlantis")
    assert proc.stdout == ""


# ------------------------------------------------------------ existing results are kept


def _existing_results(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    manifest = {"complete": True, "seed": 1, "note": "earlier results"}
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "keep.txt").write_text("precious")
    return out, {p.name: p.read_bytes() for p in out.iterdir()}


@pytest.mark.parametrize("overwrite", [False, True])
def test_failed_run_keeps_existing_result_folder(tmp_path, capsys, overwrite):
    out, before = _existing_results(tmp_path)
    extra = ["--overwrite"] if overwrite else []
    rc, _, err = run_cli(capsys, "run", str(good(tmp_path)), "--runs", "2", "--out", str(out), "--quiet",
                         "--set", "actors.a.no_such_key=1", *extra)
    assert_one_line_error(rc, err, "actors.a.no_such_key")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_run_refuses_to_overwrite_without_flag(tmp_path, capsys):
    out, before = _existing_results(tmp_path)
    rc, _, err = run_cli(capsys, "run", str(good(tmp_path)), "--runs", "2", "--out", str(out), "--quiet")
    assert_one_line_error(rc, err, str(out), "--overwrite")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_zero_width_truncated_normal_is_rejected(tmp_path, capsys):
    dist = {"dist": "normal", "mean": 0.5, "sd": 0.1, "low": 0.4, "high": 0.4}
    path = good(tmp_path, actors={"a": {"resolve": dist}, "b": {}})
    rc, out, err = run_bad(capsys, tmp_path, path)
    assert_one_line_error(rc, err, path, "actors.a.resolve")
