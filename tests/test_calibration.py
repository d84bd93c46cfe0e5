"""Calibration against history: a calibration that recovers known weights from synthetic data, an
interrupted calibration that resumes to the same numbers, the commands end to end at a tiny size,
bad data files (exit 2, one line), a scenario that extends calibrated weights, and the committed
calibration (of the current hindcast file, its hindcast reproduced to the bit)."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from sim import scenario
from sim.analysis import measurement
from sim.apps.cli import main
from sim.calibration import data as vdata
from sim.calibration.calibrate import Options, calibrate
from sim.calibration.simulate import level_changes, target

# the weights the synthetic data are made with, far from their priors' medians (0.8 and 0.12; the
# priors run 0.1 to 6.4 and 0.015 to 0.96)
TRUTH = {"dynamics.w_sanctions": 1.6, "dynamics.inertia": 0.06}
TRUTH_SEED, TRUTH_RUNS = 99, 32   # other dice than the calibration's (seed 7, runs 0-7)

SCENARIO = """
[scenario]
name = "tiny_history"
[time]
start = "2001-01"
steps = 59
[issues]
order = "+1 one way ... -1 the other"
[actors.a]
sanctions_risk_tolerance = 0.5
resolve = 0.5
reliability = 0.5
military = 10
economic = 1
positions = { order = 1.0 }
salience = { order = 1.0 }
[actors.b]
sanctions_risk_tolerance = 0.5
resolve = 0.5
reliability = 0.5
military = 5
economic = 1
positions = { order = -0.5 }
salience = { order = 1.0 }
[actors.c]
sanctions_risk_tolerance = 0.5
resolve = 0.5
reliability = 0.5
military = 5
economic = 1
positions = { order = 0.0 }
salience = { order = 1.0 }
[relations.a]
b = 0.2
c = 0.4
[relations.b]
c = 0.1
[trade.a]
b = 10
c = 10
[trade.b]
c = 5
[shocks.embargo]
type = "sanctions"
sender = "a"
target = "b"
at = "2002-01"
intensity = 0.6
duration = "open"
"""


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A three-actor scenario and UN-style data made from the mean of its runs at the weights TRUTH."""
    folder = tmp_path_factory.mktemp("history")
    path = folder / "tiny_history.toml"
    path.write_text(SCENARIO)
    scen = scenario.load(path)
    ids = list(scen.actor_ids)
    pairs = [(x, y) for k, x in enumerate(ids) for y in ids[k + 1:]]
    start = {p: float(measurement.level_of_alignment(np.array(scen.relations[p]))) for p in pairs}
    # 45 pairs of other countries that never change, so the year effects are near zero and the
    # three pairs' changes stay theirs
    others = [(f"d{i}", f"d{j}") for i in range(10) for j in range(i + 1, 10)]
    rows = [(y, x, z, 0.0) for y in range(2000, 2006) for x, z in others]
    rows += [(2000, x, y, start[(x, y)]) for x, y in pairs]
    # the years the model runs: the true runs' mean change, on top of the start level
    dummy = _write(folder / "start.csv", rows + [(y, x, z, start[(x, z)]) for y in range(2001, 2006)
                                                 for x, z in pairs])
    tgt = target(vdata.panel(vdata.read_votes(dummy), scen), scen)
    truth = level_changes(scen, TRUTH_SEED, np.arange(TRUTH_RUNS),
                          {k: np.full(TRUTH_RUNS, v) for k, v in TRUTH.items()}, tgt)
    mean = truth.mean(axis=0)
    rows += [(y, x, z, start[(x, z)] + mean[p, k]) for k, y in enumerate(tgt.years) for p, (x, z) in enumerate(pairs)]
    return path, _write(folder / "votes.csv", rows), folder


def _write(path, rows):
    """A data file: the level z of each pair-year written as an agreement index over 100 roll calls."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["year", "a", "b", "votes", "agreement_index"])
        for y, a, b, z in rows:
            p = float(measurement.logistic(z))
            w.writerow([y, a, b, 100, f"{(p * 101 - 0.5) / 100:.8f}"])   # undo the half-vote smoothing
    return path


def _tiny(history, **kw):
    votes = history[1]
    return Options(data=votes, keys=kw.pop("keys", ("w_sanctions",)), particles=kw.pop("particles", 48),
                   replicates=8, moves=2, seed=7, workers=1, **kw)


def test_calibration_recovers_known_weights(history, tmp_path):
    scen = scenario.load(history[0])
    man = calibrate(scen, tmp_path / "cal", _tiny(history, keys=("w_sanctions", "inertia")))
    with (tmp_path / "cal" / "parameters.csv").open() as fh:
        rows = {r["key"]: r for r in csv.DictReader(fh)}
    for key, true in TRUTH.items():
        row = rows[key]
        assert float(row["q05"]) < true < float(row["q95"]), key
        assert abs(float(row["q50"]) - true) < 0.15 * true, key     # the priors' medians are 0.5x and 2x off
        assert float(row["width_ratio"]) < 0.2, key                 # the data pin it down
    assert man["sampler"]["stages"] >= 2 and man["complete"]
    toml = (tmp_path / "cal" / "calibrated.toml").read_text()
    assert 'w_sanctions = { dist = "beta"' in toml and 'inertia = { dist = "beta"' in toml


def test_an_interrupted_calibration_resumes_to_the_same_numbers(history, tmp_path):
    scen = scenario.load(history[0])
    opts = _tiny(history, particles=16)
    calibrate(scen, tmp_path / "whole", opts)

    class Stop:
        calls = 0

        def __call__(self, state):
            self.calls += 1
            if self.calls == 3:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        calibrate(scen, tmp_path / "cut", opts, progress=Stop())
    assert (tmp_path / "cut" / "checkpoint.npz").exists()
    calibrate(scen, tmp_path / "cut", opts, resume=True)
    assert (tmp_path / "cut" / "posterior.csv").read_text() == (tmp_path / "whole" / "posterior.csv").read_text()
    assert not (tmp_path / "cut" / "checkpoint.npz").exists()


def test_calibrate_and_hindcast_commands_end_to_end(history, tmp_path, capsys):
    path, votes, _ = history
    cal, out = tmp_path / "cal", tmp_path / "hind"
    assert main(["calibrate", str(path), "--out", str(cal), "--data", str(votes), "--until", "2003",
                 "--parameters", "w_sanctions,inertia", "--particles", "8", "--replicates", "4", "--moves", "1",
                 "--workers", "1", "--quiet"]) == 0
    assert {"posteriors.png", "fit.png"} <= {p.name for p in (cal / "figures").iterdir()}
    assert main(["hindcast", str(path), "--calibration", str(cal), "--out", str(out), "--runs", "12"]) == 0
    with (out / "forecast.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["year", "a", "b", "median", "q05", "q95"]
    assert len(rows) == 3 * 5 and {r["year"] for r in rows} == {str(y) for y in range(2001, 2006)}
    assert all(0 <= float(r["q05"]) <= float(r["median"]) <= float(r["q95"]) <= 1 for r in rows)
    with (out / "skill.csv").open() as fh:
        periods = [r["period"] for r in csv.DictReader(fh)]
    assert periods == ["in-sample", "out-of-sample"]   # calibrated to 2003, data to 2005
    assert json.loads((out / "manifest.json").read_text())["until"] == 2003
    assert (out / "figures" / "hindcast.png").exists()
    # a finished calibration is not overwritten by accident
    assert main(["calibrate", str(path), "--out", str(cal), "--data", str(votes), "--quiet"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    # the hindcast checks its data file as calibrate does
    bad = tmp_path / "bad.csv"
    bad.write_text("year,a,b,agreement_index\n2001,a,b,0.5\n")
    assert main(["hindcast", str(path), "--calibration", str(cal), "--out", str(tmp_path / "h2"), "--data",
                 str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "missing column votes" in err and "\n" not in err


def test_a_scenario_extends_the_calibrated_weights(history, tmp_path):
    cal = tmp_path / "cal"
    calibrate(scenario.load(history[0]), cal, _tiny(history, keys=("w_sanctions", "inertia"), particles=16))
    child = tmp_path / "child.toml"
    child.write_text('extends = "cal/calibrated.toml"\n' + SCENARIO.replace('name = "tiny_history"', 'name = "child"'))
    scen = scenario.load(child)
    with (cal / "parameters.csv").open() as fh:
        rows = {r["key"]: r for r in csv.DictReader(fh)}
    for name in ("w_sanctions", "inertia"):
        dist = scen.dynamics[name]
        assert dist.kind == "beta"
        # the beta carries the posterior's mean and sd
        draws = np.asarray(dist.ppf((np.arange(2000) + 0.5) / 2000))
        assert draws.mean() == pytest.approx(float(rows[f"dynamics.{name}"]["mean"]), rel=0.02)
        assert draws.std() == pytest.approx(float(rows[f"dynamics.{name}"]["sd"]), rel=0.05)
    assert scen.dynamics.get("w_trust", 1.0) == 1.0    # a weight not calibrated keeps its default
    assert scen.reference is None                      # the weights file is no reference: the child is
    # a counterfactual of the child takes the child, weights and all, as its reference, as if the
    # child had no `extends`
    what_if = tmp_path / "what_if.toml"
    what_if.write_text('extends = "child.toml"\n[relations.a]\nb = -0.5\n')
    other = scenario.load(what_if)
    assert other.reference is not None and other.reference.relations[("a", "b")] == pytest.approx(0.2)
    assert other.relations[("a", "b")] == pytest.approx(-0.5)
    assert other.reference.dynamics["inertia"].kind == "beta"


@pytest.mark.parametrize("rows, header, message", [
    ([(2001, "a", "b", 0.5)], ["year", "a", "b", "agreement_index"], "missing column votes"),
    ([(2001, "usa", "b", 0.5), (2001, "b", "c", 0.5)], None, "unknown actor id"),
    ([(1995, "a", "b", 0.5), (1995, "b", "c", 0.5), (1995, "a", "c", 0.5)], None, "years outside the scenario"),
    ([(2001, "a", "x", 0.5), (2001, "b", "x", 0.5), (2001, "c", "x", 0.5)], None, "empty overlap"),
])
def test_bad_data_files_exit_2_with_one_line(history, tmp_path, capsys, rows, header, message):
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header or ["year", "a", "b", "votes", "agreement_index"])
        for y, a, b, v in rows:
            w.writerow([y, a, b, v] if header else [y, a, b, 90, v])
    assert main(["calibrate", str(history[0]), "--out", str(tmp_path / "c"), "--data", str(bad), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_sampler_finds_a_known_gaussian_posterior():
    from sim.calibration import smc
    # prior N(0, 1) and likelihood N(1, 0.3^2) in each coordinate: posterior N(0.917, 0.287^2)
    precision = 1.0 + 1.0 / 0.09

    def score(x):
        return -0.5 * (((x - 1.0) / 0.3) ** 2).sum(axis=1)

    state = smc.start(600, 2, 1, score, moves=3)
    while not state.done(3):
        state = smc.advance(state, score, moves=3)
    assert state.phi == 1.0 and 2 <= state.stage <= 8
    assert state.x.mean(axis=0) == pytest.approx([1.0 / 0.09 / precision] * 2, abs=0.05)
    assert state.x.std(axis=0) == pytest.approx([precision ** -0.5] * 2, rel=0.2)
    assert state.fresh.mean() >= 0.9 or state.moved >= 12   # the last stage spread its copies


def test_hindcast_file_starts_where_the_votes_put_it():
    """scenarios/hindcast_2005.toml's initial alignments are the 2004-2005 agreement through the
    measurement model (to the two decimals the file writes), in both directions."""
    scen = scenario.load("scenarios/hindcast_2005.toml")
    pan = vdata.panel(vdata.read_votes(vdata.DEFAULT_DATA), scen)
    assert len(pan.pairs) == 10 and pan.until == 2015
    for (a, b), m in zip(pan.pairs, pan.start_alignment):
        assert scen.relations[(a, b)] == pytest.approx(m, abs=0.006)
        assert scen.relations[(b, a)] == pytest.approx(m, abs=0.006)



def test_width_ratio_is_measured_in_prior_probability():
    from sim.calibration.priors import Prior
    from sim.calibration.summary import parameter_table
    prior = [Prior("dynamics.inertia", "log-uniform", 0.015, 0.96)]
    gen = np.random.default_rng(5)
    x = gen.standard_normal((20000, 1))
    same = parameter_table(prior, prior[0].value(x), x)[0]
    assert same["width_ratio"] == pytest.approx(1.0, abs=0.02)     # the data said nothing
    # a posterior uniform over the prior's lowest tenth of probability: 0.09 of it inside its 90%
    u = gen.uniform(0.0, 0.1, (20000, 1))
    from scipy import special
    low = parameter_table(prior, prior[0].ppf(u), special.ndtri(u))[0]
    assert low["width_ratio"] == pytest.approx(0.1, abs=0.005)
    assert low["q95"] == pytest.approx(0.015 * 64 ** 0.095, rel=0.01)


COMMITTED = Path("data/calibration/hindcast_2005")


def test_the_committed_calibration_is_of_the_current_hindcast_file():
    """data/calibration/hindcast_2005 was made from scenarios/hindcast_2005.toml as it is now: an edit
    of the file (or of the defaults it resolves to) makes the committed calibration stale."""
    man = json.loads((COMMITTED / "manifest.json").read_text())
    resolved = json.loads(json.dumps(scenario.load("scenarios/hindcast_2005.toml").resolved))
    assert man["scenario"]["resolved"] == resolved
    assert man["complete"] and man["data"]["until"] == 2015
    assert len([p for p in man["parameters"] if p["key"].startswith("dynamics.")]) >= 8


def test_the_committed_hindcast_is_reproduced_to_the_bit(tmp_path):
    out = tmp_path / "h"
    assert main(["hindcast", "hindcast_2005", "--out", str(out), "--no-figures"]) == 0   # 1,000 runs
    with (out / "forecast.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["a"], r["b"]) for r in rows} == {tuple(p) for p in [
        ("iran", "china"), ("iran", "russia"), ("iran", "us"), ("iran", "israel"), ("china", "russia"),
        ("china", "us"), ("china", "israel"), ("russia", "us"), ("russia", "israel"), ("us", "israel")]}
    assert sorted({int(r["year"]) for r in rows}) == list(range(2005, 2020)) and len(rows) == 150
    assert (out / "forecast.csv").read_bytes() == (COMMITTED / "hindcast" / "forecast.csv").read_bytes()
    assert (out / "skill.csv").read_bytes() == (COMMITTED / "hindcast" / "skill.csv").read_bytes()
