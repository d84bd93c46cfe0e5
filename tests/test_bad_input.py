"""Bad input: one line naming file, key path and value; exit 2; nothing written is lost."""

import subprocess
import sys
from pathlib import Path

import pytest

from sim.apps.cli import main

PIVOT = "scenarios/june_war_pivot.toml"
BASE = Path("scenarios/baseline_2024.toml").read_text()


def _child(tmp_path, body, name="bad.toml"):
    p = tmp_path / name
    p.write_text(f'extends = "{Path(PIVOT).resolve()}"\n' + body)
    return p


def _fails(capsys, argv, *needles):
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert len(err.splitlines()) == 1, err
    for n in needles:
        assert n in err, err
    return err


def test_missing_file(capsys, tmp_path):
    _fails(capsys, ["run", str(tmp_path / "nope.toml"), "--quiet"], "nope.toml", "no such file")


def test_malformed_toml(capsys, tmp_path):
    p = tmp_path / "broken.toml"
    p.write_text("[time\nstart = 2024-01")
    _fails(capsys, ["run", str(p), "--quiet"], "broken.toml", "not valid TOML")


def test_unknown_actor_in_shock(capsys, tmp_path):
    p = _child(tmp_path, '[shocks.x]\ntype = "armed_conflict"\nattacker = "france"\ndefender = "iran"\nat = "2025-01"\n')
    _fails(capsys, ["run", str(p), "--quiet"], "shocks.x.attacker", "france", "unknown actor")


def test_probability_outside_unit_interval(capsys, tmp_path):
    p = _child(tmp_path, "[shocks.june_war]\nprobability = 1.5\n")
    _fails(capsys, ["run", str(p), "--quiet"], "shocks.june_war.probability", "1.5", "[0, 1]")


def test_negative_duration(capsys, tmp_path):
    p = _child(tmp_path, "[shocks.june_war]\nduration = -2\n")
    _fails(capsys, ["run", str(p), "--quiet"], "shocks.june_war.duration", "-2")


def test_unknown_set_key_lists_nearest(capsys):
    _fails(capsys, ["run", PIVOT, "--quiet", "--set", "actors.china.sanction_risk_tolerance=0.2"],
           "actors.china.sanction_risk_tolerance", "actors.china.sanctions_risk_tolerance")


def test_distribution_low_above_high(capsys):
    _fails(capsys, ["run", PIVOT, "--quiet", "--set", 'actors.china.resolve={dist="uniform",low=0.6,high=0.2}'],
           "actors.china.resolve", "low must not exceed high")


def test_asymmetric_trade(capsys, tmp_path):
    p = _child(tmp_path, "[trade.us]\nchina = 100\n")
    _fails(capsys, ["run", str(p), "--quiet"], "trade.us.china", "symmetric")


def test_typo_in_actor_table(capsys, tmp_path):
    p = _child(tmp_path, "[actors.iran]\nreliabilty = 0.3\n")
    _fails(capsys, ["run", str(p), "--quiet"], "actors.iran.reliabilty", "reliability")


def test_no_traceback_from_the_console(tmp_path):
    p = tmp_path / "broken.toml"
    p.write_text("not = [valid")
    r = subprocess.run([sys.executable, "-m", "sim", "run", str(p)], capture_output=True, text=True)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_failed_run_keeps_existing_results(capsys, tmp_path):
    out = tmp_path / "res"
    out.mkdir()
    earlier = '{"complete": true, "versions": {"alignsim": "0.1.0"}, "files": []}'
    (out / "manifest.json").write_text(earlier)
    _fails(capsys, ["run", PIVOT, "--quiet", "--out", str(out), "--overwrite", "--set", "actors.iran.resolve=7"],
           "actors.iran.resolve")
    assert (out / "manifest.json").read_text() == earlier
    # and without --overwrite an existing result folder is refused
    _fails(capsys, ["run", PIVOT, "--quiet", "--out", str(out)], "already holds results")


@pytest.mark.parametrize("text", ["[time]\nstart = \"2024-13\"\nsteps = 4\n"])
def test_bad_date(capsys, tmp_path, text):
    p = tmp_path / "d.toml"
    p.write_text(BASE.replace('[time]\nstart = "2024-01"\nsteps = 48          # monthly, to 2028-01\n', text))
    _fails(capsys, ["run", str(p), "--quiet"], "time.start", "YYYY-MM")
