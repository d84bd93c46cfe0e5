"""Experiments: validation with one-line errors, paired comparisons that agree with counts taken
directly from the runs, sweeps that reach the model through per-run values, open-format outputs,
and figures redrawn byte for byte from the saved files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from helpers import ROOT, write_scenario
from sim.apps.experiment import experiment_main
from sim.experiments import runners
from sim.experiments import spec as experiment
from sim import scenario
from sim.core.pairs import mutual
from helpers import same_coalition_probability
from sim.core.stats import wilson_interval
from sim.engine.ensemble import run_ensemble
from sim.core.errors import ScenarioError
from sim.figures.experiment import plot_experiment
from sim.experiments.outcomes import Values
from sim.experiments.summaries import newcombe_paired, paired_difference

SEED = 7
CLASH = """
[shocks.clash]
type = "armed_conflict"
label = "c attacks a"
attacker = "c"
defender = "a"
hazard = 0.15
intensity = { dist = "uniform", low = 0.2, high = 0.8 }
"""
VARIANT = """extends = "base.toml"
[scenario]
name = "variant"
title = "Variant: an a-b summit"
description = "The base story plus a summit between a and b in month 3."
[shocks.summit]
type = "diplomatic_event"
label = "a-b summit"
participants = ["a", "b"]
at = 3
probability = 0.6
intensity = 0.5
"""

OUTCOMES = """
[[outcomes]]
name = "ab_close"
pair = ["a", "b"]
measure = "mutual"
at = "end"
above = 0.25

[[outcomes]]
name = "ab_end"
pair = ["a", "b"]
measure = "mutual"
at = "end"

[[outcomes]]
name = "ab_together"
pair = ["a", "b"]
measure = "same_coalition"
at = "end"

[[outcomes]]
name = "ab_months"
pair = ["a", "b"]
measure = "time_above"
at = "end"
above = 0.25

[[outcomes]]
name = "ab_cross"
pair = ["a", "b"]
measure = "first_crossing"
from = "2024-02"
at = "2024-08"
above = 0.3

[[outcomes]]
name = "ba_directed"
pair = ["b", "a"]
measure = "directed"
at = "2024-05"
below = 0.2
"""

FULL_ANALYSES = """
[[analyses]]
type = "compare"
scenarios = ["base", "variant"]

[[analyses]]
type = "sweep"
name = "grid"
scenario = "base"
method = "grid"
points = 3
runs = 20
parameters = { "relations.a.b" = [-0.2, 0.6], "actors.c.resolve" = [0.2, 0.8] }
outcomes = ["ab_close", "ab_end"]

[[analyses]]
type = "sensitivity"
name = "sens"
scenario = "base"
samples = 32
runs = 2
bootstrap = 100
outcomes = ["ab_end", "ab_close"]
parameters = { "relations.a.b" = [-0.2, 0.6], "actors.c.resolve" = [0.2, 0.8], "shocks.clash.hazard" = [0.0, 0.3] }

[[analyses]]
type = "discovery"
name = "disc"
scenario = "base"
samples = 400
outcome = "ab_close"
parameters = { "relations.a.b" = [-0.2, 0.6], "actors.c.resolve" = [0.2, 0.8] }
"""


def make_toy(folder: Path, analyses: str = FULL_ANALYSES, runs: int = 300, outcomes: str = OUTCOMES,
             head_extra: str = "") -> Path:
    """Two three-actor scenarios (base, variant) and an experiment file over them."""
    folder.mkdir(parents=True, exist_ok=True)
    write_scenario(folder, "base.toml", actors=3, name="base",
                   # both directions of a-b given, so --set relations.a.b and a per-run value of
                   # relations.a.b change the same thing (a one-way entry is mirrored by --set only)
                   relations={("a", "b"): 0.2, ("b", "a"): 0.2, ("a", "c"): -0.3, ("b", "c"): 0.1},
                   trade={("a", "b"): 5.0}, steps=8, shocks=CLASH, dynamics={"noise": 0.05})
    (folder / "variant.toml").write_text(VARIANT)
    path = folder / "exp.toml"
    path.write_text(f"""[experiment]
name = "toy"
title = "Toy experiment"
question = "Does a summit bring a and b together?"
seed = {SEED}
runs = {runs}
{head_extra}
[scenarios]
base = "base.toml"
variant = "variant.toml"
{outcomes}
{analyses}
""")
    return path


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toy")
    path = make_toy(folder)
    out = folder / "out"
    assert experiment_main(path, out, quiet=True, formats=("png", "svg")) == 0
    return path, out


# ------------------------------------------------------------------ comparisons


def test_compare_probabilities_equal_direct_counts(toy):
    path, out = toy
    exp = experiment.load(path)
    rows = {(r["outcome"], r["scenario"]): r for r in read_csv(out / "compare.csv")}
    direct = {}
    for label in ("base", "variant"):
        e = run_ensemble(exp.scenarios[label], 300, SEED)
        m = mutual(e.alignment.astype(np.float64))
        ab = m[:, -1, 0, 1]
        close = ab > 0.25
        direct[label] = close
        r = rows[("ab_close", label)]
        assert int(r["count"]) == int(close.sum())
        assert int(r["runs"]) == 300
        assert float(r["estimate"]) == pytest.approx(close.mean())
        lo, hi = wilson_interval(int(close.sum()), 300)
        assert float(r["ci_low"]) == pytest.approx(lo, abs=1e-6)
        assert float(r["ci_high"]) == pytest.approx(hi, abs=1e-6)
        # numeric outcome: the mean over runs
        assert float(rows[("ab_end", label)]["estimate"]) == pytest.approx(ab.mean(), abs=1e-5)
        # same coalition: the landscape-theory count from sim/analysis/coalitions.py
        pr = same_coalition_probability(e, "a", "b", -1)
        assert int(rows[("ab_together", label)]["count"]) == pr.k
        # months above 0.25 in steps 1..8
        months = (m[:, 1:, 0, 1] > 0.25).sum(axis=1)
        assert float(rows[("ab_months", label)]["estimate"]) == pytest.approx(months.mean(), abs=1e-4)
        # directed b -> a below 0.2 in 2024-05 (step 4)
        assert int(rows[("ba_directed", label)]["count"]) == int((e.alignment[:, 4, 1, 0] < 0.2).sum())
        # first crossing above 0.3 in steps 1..7 (2024-02 .. 2024-08)
        x = m[:, :8, 0, 1] > 0.3
        crossed = (x[:, 1:] & ~x[:, :-1]).any(axis=1)
        assert int(rows[("ab_cross", label)]["count"]) == int(crossed.sum())
    # the paired difference is the difference in proportions over the same runs
    d = rows[("ab_close", "variant")]
    assert float(d["difference"]) == pytest.approx(direct["variant"].mean() - direct["base"].mean(), abs=1e-5)
    assert float(d["diff_low"]) <= float(d["difference"]) <= float(d["diff_high"])
    # and samples.npz holds the per-run values
    with np.load(out / "samples.npz") as z:
        np.testing.assert_array_equal(z["compare__variant__ab_close__event"].astype(bool), direct["variant"])


def test_common_random_numbers_make_the_difference_paired(toy):
    """Run r of base and variant shares its random numbers: runs where the summit did not
    happen (probability 0.6) end with identical alignment."""
    _, out = toy
    with np.load(out / "samples.npz") as z:
        a, b = z["compare__base__ab_end__value"], z["compare__variant__ab_end__value"]
    same = np.isclose(a, b, atol=0, rtol=0)
    assert 0.2 < same.mean() < 0.6       # about the 40% of runs without the summit
    assert np.all(b[~same] > a[~same])   # a summit only ever helps


def test_newcombe_paired_interval():
    rng = np.random.default_rng(1)
    base = rng.uniform(size=2000) < 0.4
    more = base | (rng.uniform(size=2000) < 0.1)
    d = newcombe_paired(more, base)
    assert d.estimate == pytest.approx(more.mean() - base.mean())
    assert d.low < d.estimate < d.high
    # positively correlated pairs: narrower than the unpaired (independent) interval
    se = np.sqrt(more.mean() * (1 - more.mean()) / 2000 + base.mean() * (1 - base.mean()) / 2000)
    assert d.high - d.low < 2 * 1.96 * se
    same = newcombe_paired(base, base)
    assert same.estimate == 0 and same.low <= 0 <= same.high
    numeric = paired_difference(Values(np.arange(5.0) + 1, None), Values(np.arange(5.0), None))
    assert numeric.estimate == pytest.approx(1.0) and numeric.high - numeric.low == pytest.approx(0.0)


# -------------------------------------------------------------------------- sweeps


def test_sweep_point_zero_equals_a_set_override(toy):
    """Point 0 of the grid is runs 0..19 with the lowest values: the same numbers as a plain
    ensemble of 20 runs with those values set in the file (same calibration, same dice)."""
    path, out = toy
    rows = [r for r in read_csv(out / "sweep.csv") if r["analysis"] == "grid" and r["outcome"] == "ab_end"]
    assert len(rows) == 9
    assert float(rows[0]["relations.a.b"]) == -0.2 and float(rows[0]["actors.c.resolve"]) == 0.2
    scen = scenario.load(path.parent / "base.toml", ["relations.a.b=-0.2", "actors.c.resolve=0.2"])
    e = run_ensemble(scen, 20, SEED)
    ab = mutual(e.alignment[:, -1].astype(np.float64))[:, 0, 1]
    assert float(rows[0]["estimate"]) == pytest.approx(ab.mean(), abs=1e-5)
    with np.load(out / "samples.npz") as z:
        np.testing.assert_allclose(z["grid__ab_end__value"][:20], ab, atol=1e-6)
        assert z["grid__params"].shape == (9, 2)
    # a higher initial a-b relation gives a higher a-b alignment at the end
    est = {(float(r["relations.a.b"]), float(r["actors.c.resolve"])): float(r["estimate"]) for r in rows}
    assert est[(0.6, 0.5)] > est[(0.2, 0.5)] > est[(-0.2, 0.5)]


def test_outputs_are_open_formats(toy):
    _, out = toy
    man = json.loads((out / "manifest.json").read_text())
    assert man["kind"] == "experiment" and man["complete"] is True
    assert man["seed"] == SEED and Path(man["experiment"]["file"]).is_absolute()
    assert {"numpy", "scipy", "matplotlib", "alignsim"} <= set(man["versions"])
    assert "total_seconds" in man["timings"]
    for name in ("outcomes.csv", "compare.csv", "compare_fan.csv", "sweep.csv", "sobol.csv", "prim.csv",
                 "prim_box.csv", "rules.txt", "samples.npz"):
        assert (out / name).exists(), name
        assert name in man["files"]
    outcomes = read_csv(out / "outcomes.csv")
    assert {r["analysis"] for r in outcomes} == {"compare", "grid", "sens", "disc"}
    sobol = read_csv(out / "sobol.csv")
    assert {r["parameter"] for r in sobol} == {"relations.a.b", "actors.c.resolve", "shocks.clash.hazard"}
    assert "IF" in (out / "rules.txt").read_text()
    for p in man["files"]:
        assert (out / p).exists(), p


def test_plot_experiment_redraws_identical_figures(toy):
    _, out = toy
    figs = sorted((out / "figures").iterdir())
    assert len(figs) >= 12 and {p.suffix for p in figs} == {".png", ".svg"}
    before = {p.name: p.read_bytes() for p in figs}
    for p in figs:
        p.unlink()
    paths = plot_experiment(out, ("png", "svg"))
    assert sorted(p.name for p in paths) == sorted(before)
    for p in paths:
        assert p.read_bytes() == before[p.name], f"{p.name} differs after redrawing"


def test_existing_folder_needs_overwrite(toy, tmp_path):
    path, out = toy
    with pytest.raises(ScenarioError, match="--overwrite"):
        experiment_main(path, out, quiet=True)


def test_runs_override_and_chunk_invariance(tmp_path):
    """--runs replaces per-point runs; results do not depend on the chunk size."""
    path = make_toy(tmp_path, analyses='[[analyses]]\ntype = "compare"\n', runs=50)
    exp = experiment.load(path, runs=2500)
    assert exp.analyses[0].runs == 2500
    ctx = runners.RunContext(__import__("sim.engine.executor", fromlist=["InProcess"]).InProcess())
    outs = [exp.outcomes["ab_end"]]
    v1, s1 = runners.evaluate(exp.scenarios["base"], 2500, SEED, outs, ctx, None, (("a", "b"),))
    old = runners.CHUNK
    try:
        runners.CHUNK = 700
        v2, s2 = runners.evaluate(exp.scenarios["base"], 2500, SEED, outs, ctx, None, (("a", "b"),))
    finally:
        runners.CHUNK = old
    np.testing.assert_array_equal(v1["ab_end"].value, v2["ab_end"].value)
    np.testing.assert_array_equal(s1, s2)


# ---------------------------------------------------------------------- validation


def _bad(tmp_path, analyses=FULL_ANALYSES, outcomes=OUTCOMES, head_extra="", edit=None):
    path = make_toy(tmp_path, analyses=analyses, outcomes=outcomes, head_extra=head_extra)
    if edit is not None:
        path.write_text(edit(path.read_text()))
    with pytest.raises(ScenarioError) as info:
        experiment.load(path)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(str(path)), msg
    return msg


COMPARE = '[[analyses]]\ntype = "compare"\n'
SWEEP = ('[[analyses]]\ntype = "sweep"\nscenario = "base"\npoints = 3\n'
         'parameters = {{ {params} }}\n')


@pytest.mark.parametrize("case, kwargs, needles", [
    ("unknown top-level key", dict(analyses=COMPARE, edit=lambda t: t + '\n[analysis]\ntype = "x"\n'),
     ["analysis", "unknown key", "did you mean analyses"]),
    ("unknown experiment key", dict(analyses=COMPARE, head_extra="sed = 3"),
     ["experiment.sed", "did you mean seed"]),
    ("unknown analysis key", dict(analyses=SWEEP.format(params='"relations.a.b" = [0.1, 0.5]') + "paramaters = 3\n"),
     ["analyses[0].paramaters", "did you mean parameters"]),
    ("unknown parameter key", dict(analyses=SWEEP.format(params='"actors.c.resolv" = [0.1, 0.5]')),
     ['parameters."actors.c.resolv"', "not a numeric parameter of base.toml", "actors.c.resolve"]),
    ("range outside what the scenario allows", dict(analyses=SWEEP.format(params='"actors.c.resolve" = [0.5, 1.5]')),
     ['parameters."actors.c.resolve"', "1.5 is not allowed"]),
    ("reversed range", dict(analyses=SWEEP.format(params='"actors.c.resolve" = [0.8, 0.2]')),
     ["low must be below high"]),
    ("unknown actor in an outcome", dict(analyses=COMPARE, outcomes=OUTCOMES.replace('pair = ["a", "b"]\nmeasure = "mutual"\nat = "end"\nabove', 'pair = ["a", "x"]\nmeasure = "mutual"\nat = "end"\nabove', 1)),
     ["outcomes[0].pair[1]", '"x"', "unknown actor"]),
    ("date outside the scenarios", dict(analyses=COMPARE, outcomes=OUTCOMES.replace('at = "2024-05"', 'at = "2030-01"')),
     ["outcomes[5].at", "2030-01", "must lie within"]),
    ("unknown measure", dict(analyses=COMPARE, outcomes=OUTCOMES.replace('measure = "directed"', 'measure = "direct"')),
     ["outcomes[5].measure", "one of mutual"]),
    ("threshold both ways", dict(analyses=COMPARE, outcomes=OUTCOMES.replace("below = 0.2", "below = 0.2\nabove = 0.1")),
     ["outcomes[5].below", "not both"]),
    ("time_above needs a threshold", dict(analyses=COMPARE, outcomes=OUTCOMES.replace('measure = "time_above"\nat = "end"\nabove = 0.25', 'measure = "time_above"\nat = "end"')),
     ["outcomes[3]", "needs a threshold"]),
    ("samples not a power of two", dict(analyses=FULL_ANALYSES.replace("samples = 32", "samples = 30")),
     ["analyses[2].samples", "power of two"]),
    ("unknown analysis type", dict(analyses='[[analyses]]\ntype = "sobol"\n'),
     ["analyses[0].type", '"sobol"', "one of compare, sweep, sensitivity, discovery"]),
    ("unknown outcome name", dict(analyses=COMPARE + 'outcomes = ["ab_clos"]\n'),
     ["analyses[0].outcomes", "unknown outcome", "did you mean ab_close"]),
    ("discovery needs a yes/no outcome", dict(analyses=FULL_ANALYSES.replace('outcome = "ab_close"', 'outcome = "ab_end"')),
     ["analyses[3].outcome", "yes/no outcome"]),
    ("unknown scenario label", dict(analyses=SWEEP.format(params='"actors.c.resolve" = [0.1, 0.5]').replace('"base"', '"bas"')),
     ["analyses[0].scenario", "did you mean base"]),
    ("missing scenario file", dict(analyses=COMPARE, edit=lambda t: t.replace('"variant.toml"', '"nope.toml"')),
     ["scenarios.variant", "no such file"]),
    ("malformed TOML", dict(analyses=COMPARE, edit=lambda t: t.replace("[scenarios]", "[scenarios")),
     ["not valid TOML"]),
])
def test_bad_experiment_files(tmp_path, case, kwargs, needles):
    msg = _bad(tmp_path, **kwargs)
    for n in needles:
        assert n in msg, f"{case}: {n!r} not in {msg!r}"


def test_shipped_experiments_validate():
    files = sorted((ROOT / "experiments").glob("*.toml"))
    assert {p.stem for p in files} >= {"june_war_vs_baseline", "russia_pullback", "hormuz_vs_malacca",
                                       "iran_china_sensitivity"}
    for p in files:
        exp = experiment.load(p)
        assert exp.question and exp.analyses
        for an in exp.analyses:
            assert an.title, f"{p.name}: {an.name} has no title"


def test_cli_experiment_errors_are_one_line(tmp_path, capsys):
    """Through `alignsim experiment` once the command is wired into sim/apps/cli.py."""
    from sim.apps.cli import build_parser, main
    try:
        build_parser().parse_args(["experiment", "x.toml"])
    except SystemExit:
        capsys.readouterr()
        pytest.skip("`alignsim experiment` is not wired into sim/apps/cli.py yet")
    path = make_toy(tmp_path, analyses=SWEEP.format(params='"actors.c.resolv" = [0.1, 0.5]'))
    rc = main(["experiment", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("alignsim: error: ") and "actors.c.resolve" in lines[0]
    assert not (tmp_path / "out").exists()


def test_labels_must_name_parameters(tmp_path):
    msg = _bad(tmp_path, analyses=COMPARE, head_extra="", edit=lambda t: t.replace(
        "[scenarios]", '[labels]\n"actors.c.resolv" = "c\'s resolve"\n\n[scenarios]'))
    assert 'labels."actors.c.resolv"' in msg and "actors.c.resolve" in msg


def test_cli_plot_and_report_on_an_experiment_folder(toy, capsys):
    """`alignsim plot DIR` and `alignsim report DIR` on an experiment folder, once wired."""
    from sim.apps.cli import build_parser, main
    try:
        build_parser().parse_args(["report", "x"])
    except SystemExit:
        capsys.readouterr()
        pytest.skip("`alignsim report` is not wired into sim/apps/cli.py yet")
    _, out = toy
    before = {p.name: p.read_bytes() for p in (out / "figures").iterdir()}
    assert main(["plot", str(out)]) == 0
    assert {p.name: p.read_bytes() for p in (out / "figures").iterdir()} == before
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").exists()
