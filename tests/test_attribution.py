"""Attribution (`alignsim attribute`, experiment type "attribution"): Shapley values that add up,
factors found from two resolved scenarios, variants that reproduce both ends bit for bit,
channels that exist, and the command's outputs and refusals."""

from __future__ import annotations

import csv
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim import scenario
from sim.analysis import shapley
from sim.apps.cli import main
from sim.engine.ensemble import run_ensemble, simulate
from sim.experiments import attribution as att
from sim.experiments.channels import CHANNELS, check_channels
from sim.experiments.factors import find_factors, variant
from sim.model.compile import compile
from sim.scenario.parameters import PARAMETERS

RUNS = 16


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


# ------------------------------------------------------------------ Shapley values, pure


def _game(n, rng):
    """A game with main effects, pairwise and one three-way interaction, indexed by bit mask."""
    main_, pair = rng.normal(size=n), rng.normal(size=(n, n))
    v = np.zeros(2 ** n)
    for m in range(2 ** n):
        s = [i for i in range(n) if m >> i & 1]
        v[m] = sum(main_[i] for i in s) + sum(pair[i, j] for i, j in itertools.combinations(s, 2)) \
            + (2.0 if {0, 1, 2} <= set(s) else 0.0)
    return v, main_, pair


def test_exact_shapley_values_sum_to_the_total_and_split_interactions_evenly():
    rng = np.random.default_rng(3)
    v, main_, pair = _game(6, rng)
    phi = shapley.exact_values(v)
    assert abs(phi.sum() - (v[-1] - v[0])) < 1e-12
    # a pairwise interaction is split half and half, the three-way one in thirds
    expect = main_ + 0.5 * (np.triu(pair, 1).sum(axis=1) + np.triu(pair, 1).sum(axis=0))
    expect[:3] += 2.0 / 3
    assert np.allclose(phi, expect, atol=1e-12)


def test_every_ordering_adds_up_and_all_orderings_give_the_exact_values():
    rng = np.random.default_rng(4)
    v, _, _ = _game(4, rng)
    orders = np.array(list(itertools.permutations(range(4))))
    values = {m: v[m] for m in shapley.ordering_masks(orders)}
    per = shapley.permutation_values(values, orders, 4)
    assert np.allclose(per.sum(axis=1), v[-1] - v[0], atol=1e-12)
    assert np.allclose(per.mean(axis=0), shapley.exact_values(v), atol=1e-12)
    sampled = shapley.sample_orderings(4, 5, np.random.default_rng(0))
    assert len(sampled) == 6 and all(np.array_equal(sampled[k + 1], sampled[k][::-1]) for k in (0, 2, 4))


def test_per_run_interval_is_the_paired_standard_error():
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    m, lo, hi = shapley.mean_interval(x)
    half = 1.959963984540054 * np.std(x, ddof=1) / 2
    assert m[0] == 2.5 and lo[0] == pytest.approx(2.5 - half) and hi[0] == pytest.approx(2.5 + half)


# ------------------------------------------------------------------ factors, variants, channels


@pytest.fixture(scope="module")
def flagship():
    return scenario.load("scenarios/june_war_pivot.toml"), scenario.load("scenarios/baseline_2024.toml")


def test_factors_of_the_flagship_are_its_events_and_the_rail_link(flagship):
    f = find_factors(*flagship)
    assert [x.key for x in f] == ["china_iran_rail", "oct_2024_strikes", "maximum_pressure", "precursor_sanctions",
                                  "june_war", "iran_closes_hormuz", "us_strikes_iran"]
    assert f[0].kind == "corridor added" and {x.kind for x in f[1:5]} == {"shock added"}
    assert {x.kind for x in f[5:]} == {"decision added"}
    deals = find_factors(scenario.load("scenarios/june_war_scripted_deals.toml"), flagship[0])
    assert [(x.key, x.kind) for x in deals] == [("sco_tianjin", "shock added"), ("oil_for_arms", "shock added")]
    from sim.experiments.factors import COVERED
    from sim.scenario.spec import TOP
    assert set(TOP) <= set(COVERED), "a scenario table that is no factor: attribution would miss what it changes"
    rd = find_factors(scenario.load("scenarios/russia_delivers.toml"), flagship[0])
    assert [(x.key, x.kind, x.detail) for x in rd] == [("actor:russia", "actor changed", "resolve, reliability")]


def test_variants_reproduce_both_scenarios_bit_for_bit(flagship):
    scen, other = flagship
    f = find_factors(scen, other)
    for mask, ref in ((0, other), (2 ** len(f) - 1, scen)):
        v = variant(scen, other, f, mask)
        a = simulate(compile(v, 11, np.arange(6), 30))["alignment"]
        b = simulate(compile(ref, 11, np.arange(6), 30))["alignment"]
        assert np.array_equal(a, b)


def test_channels_name_dynamics_parameters_with_neutral_values_in_range():
    assert check_channels() == []
    assert all(k in PARAMETERS for c in CHANNELS for k in c.off)
    bad = (type(CHANNELS[0])("x", "x", {"no_such_weight": 0.0}),)
    assert check_channels(bad) == ["x: no_such_weight is not a dynamics parameter"]
    out = (type(CHANNELS[0])("y", "y", {"reopening": 2.0}),)
    assert check_channels(out) == ["y: reopening = 2.0 outside [0.0, 1.0]"]


def test_the_decisions_channel_off_means_no_actor_decides_anything(flagship):
    """With the decisions channel off, no support is decided, sanctions stay at their 2024 levels
    (plus what is scheduled) and no declared closure or strike is taken; with it on, they are."""
    scen, _ = flagship
    off = att.with_dynamics(scen, next(c for c in CHANNELS if c.key == "decisions").off)
    rec = ("act", "decided", "sanctions")
    on_, off_ = (simulate(compile(s, 5, np.arange(64), scen.steps), record=rec) for s in (scen, off))
    assert on_["act"].max() == 1.0 and off_["act"].max() == 0.0
    assert off_["decided"].max() == 0.0
    ids = list(scen.actor_ids)
    us, ir, cn = ids.index("us"), ids.index("iran"), ids.index("china")
    # China's sanctions on the US are nobody's script: decided with the channel on, held with it off
    s_on, s_off = on_["sanctions"][:, :, cn, us], off_["sanctions"][:, :, cn, us]
    assert np.abs(s_off - s_off[:, :1]).max() < 1e-6 and np.abs(s_on - s_on[:, :1]).max() > 1e-3
    assert off_["sanctions"][:, -1, us, ir].mean() > off_["sanctions"][:, 0, us, ir].mean()   # scheduled stay


# ------------------------------------------------------------------ the command


@pytest.fixture(scope="module")
def by_factor(tmp_path_factory):
    out = tmp_path_factory.mktemp("attr") / "f"
    assert main(["attribute", "june_war_pivot", "--pair", "iran", "china", "--runs", str(RUNS), "--seed", "9",
                 "--out", str(out), "--quiet"]) == 0
    return out


def test_attribution_rows_sum_to_the_total_at_every_step(by_factor):
    rows = _rows(by_factor / "attribution.csv")
    assert list(rows[0]) == ["factor", "kind", "contribution", "lo", "hi", "share"]
    assert rows[-1]["factor"] == "total" and len(rows) == 8
    total = float(rows[-1]["contribution"])
    assert abs(sum(float(r["contribution"]) for r in rows[:-1]) - total) < 1e-9
    over = _rows(by_factor / "attribution_over_time.csv")
    for step in {r["step"] for r in over}:
        rs = [r for r in over if r["step"] == step]
        t = next(float(r["contribution"]) for r in rs if r["factor"] == "total")
        assert abs(sum(float(r["contribution"]) for r in rs if r["factor"] != "total") - t) < 1e-9
    assert all(float(r["lo"]) <= float(r["contribution"]) <= float(r["hi"]) for r in rows)


def test_the_total_is_the_paired_difference_the_engine_gives(by_factor, flagship):
    scen, other = flagship
    a, b = (run_ensemble(s, RUNS, 9).alignment[:, -1].astype(np.float64) for s in flagship)
    i, j = 0, 1                                        # iran, china
    d = 0.5 * (a[:, i, j] + a[:, j, i]) - 0.5 * (b[:, i, j] + b[:, j, i])
    total = float(_rows(by_factor / "attribution.csv")[-1]["contribution"])
    assert total == pytest.approx(d.mean(), abs=1e-9) and total > 0.05
    man = json.loads((by_factor / "manifest.json").read_text())
    assert man["complete"] and man["attribution"]["variants"] == 128
    assert man["attribution"]["levels"]["scenario"][0] - man["attribution"]["levels"]["against"][0] == \
        pytest.approx(total, abs=1e-9)
    for stem in ("attribution_waterfall", "attribution_over_time"):
        assert (by_factor / "figures" / f"{stem}.png").stat().st_size > 10_000


def test_events_that_come_after_the_date_contribute_nothing(by_factor):
    """Before 2025-06 the June war has not happened: in every run its contribution is zero."""
    over = _rows(by_factor / "attribution_over_time.csv")
    early = [float(r["contribution"]) for r in over if r["factor"] == "june_war" and r["date"] < "2025-06"]
    assert early and max(abs(x) for x in early) == 0.0


def test_mechanism_attribution_adds_up_with_its_interaction(by_factor, tmp_path):
    out = tmp_path / "m"
    assert main(["attribute", "june_war_pivot", "--by", "mechanism", "--runs", str(RUNS), "--seed", "9",
                 "--out", str(out), "--quiet", "--no-figures"]) == 0
    rows = _rows(out / "attribution.csv")
    assert [r["factor"] for r in rows] == [c.key for c in CHANNELS] + ["interaction", "total"]
    total = float(rows[-1]["contribution"])
    assert abs(sum(float(r["contribution"]) for r in rows[:-1]) - total) < 1e-9
    # the same runs and seed: the same total difference as by factor
    assert total == pytest.approx(float(_rows(by_factor / "attribution.csv")[-1]["contribution"]), abs=1e-9)
    trust = next(float(r["contribution"]) for r in rows if r["factor"] == "trust")
    assert trust > 0.02          # the pivot runs through trust: switching it off removes a good part


def _error_line(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


def test_bad_input_is_one_line(capsys, tmp_path):
    base = ["attribute", "june_war_pivot", "--runs", "2", "--out", str(tmp_path / "x"), "--quiet"]
    err = _error_line(capsys, base + ["--pair", "iran", "chna"])
    assert "unknown actor" in err and "did you mean china" in err
    assert "outside the horizon" in _error_line(capsys, base + ["--at", "2031-01"])
    assert "extends no file" in _error_line(capsys, ["attribute", "baseline_2024", "--quiet"])
    many = tmp_path / "many.toml"
    shocks = "".join(f'[shocks.summit_{k}]\ntype = "diplomatic_event"\nparticipants = ["iran", "china"]\n'
                     f'at = "2025-{k % 12 + 1:02d}"\nintensity = 0.1\n' for k in range(21))
    many.write_text(f'extends = "{(scenario.chain_root("scenarios/baseline_2024.toml"))}"\n{shocks}')
    assert "--samples" in _error_line(capsys, ["attribute", str(many), "--runs", "2", "--quiet",
                                               "--out", str(tmp_path / "y")])
    other = tmp_path / "other.toml"
    other.write_text(f'extends = "{scenario.chain_root("scenarios/baseline_2024.toml")}"\n'
                     '[actors.saudi]\nname = "Saudi Arabia"\nmilitary = 80\neconomic = 1.1\n'
                     'sanctions_risk_tolerance = 0.3\nresolve = 0.5\nreliability = 0.5\n'
                     'positions = { world_order = 0.3 }\nsalience = { world_order = 1.0 }\n')
    err = _error_line(capsys, base + ["--against", str(other)])
    assert "same actors" in err and str(other) in err


def test_samples_estimate_from_orderings_and_still_add_up(flagship):
    plan = att.plan_factors(*flagship, samples=4, seed=1)
    assert plan.orderings is not None and len(plan.orderings) == 4 and len(plan.variants) < 128
    q = att.question(flagship[0], ("iran", "china"), "directed", "2026-01")
    from sim.engine.executor import InProcess
    res = att.attribute(plan, q, 6, 2, InProcess())
    assert math.isclose(sum(r.contribution for r in res.rows[:-1]), res.rows[-1].contribution, abs_tol=1e-12)


def test_plot_redraws_the_attribution_figures_identically(by_factor, capsys):
    before = (by_factor / "figures" / "attribution_waterfall.png").read_bytes()
    assert main(["plot", str(by_factor)]) == 0
    assert "attribution_over_time.png" in capsys.readouterr().out
    assert (by_factor / "figures" / "attribution_waterfall.png").read_bytes() == before


def test_experiment_type_attribution_is_read_and_checked(tmp_path):
    from sim.core.errors import ScenarioError
    from sim.experiments import spec
    exp = spec.load("experiments/june_war_attribution.toml", runs=3)
    events, mech = exp.analyses[1], exp.analyses[2]
    assert (events.type, events.against, events.pair, events.variants, events.runs) == \
        ("attribution", "baseline", ("iran", "china"), 128, 3)
    assert mech.by == "mechanism" and mech.variants == 2 * (len(CHANNELS) + 1)
    text = open("experiments/june_war_attribution.toml").read().replace("../scenarios", str(Path("scenarios").resolve()))
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('against = "baseline"\npair = ["iran", "china"]\nmeasure = "directed"\nby = "factor"',
                                'against = "basline"\npair = ["iran", "china"]\nmeasure = "directed"\nby = "factor"'))
    with pytest.raises(ScenarioError, match=r"analyses\[1\]\.against = \"basline\".*did you mean baseline"):
        spec.load(bad)
    block = 'pair = ["iran", "china"]\nmeasure = "directed"\nby = "factor"'
    for edit, where in (('pair = ["iran", "chna"]\nmeasure = "directed"\nby = "factor"', r"analyses\[1\]\.pair.*china"),
                        (block + '\nat = "2031-01"', r"analyses\[1\]\.at.*outside the horizon"),
                        (block.replace("factor", "event"), r"analyses\[1\]\.by")):
        bad.write_text(text.replace(block, edit))
        with pytest.raises(ScenarioError, match=where):
            spec.load(bad)


def test_experiment_writes_each_attribution_and_its_figures(tmp_path, capsys):
    out = tmp_path / "e"
    assert main(["experiment", "experiments/june_war_attribution.toml", "--scale", "0.004", "--out", str(out),
                 "--quiet"]) == 0
    rows = _rows(out / "attribution.csv")
    printed = capsys.readouterr().out
    total = next(float(r["contribution"]) for r in rows if r["analysis"] == "events" and r["factor"] == "total")
    assert f"events: total {total:+.3f}" in printed and "mechanisms: total" in printed
    assert list(rows[0])[:2] == ["analysis", "factor"] and {r["analysis"] for r in rows} == {"events", "mechanisms"}
    for name in ("events", "mechanisms"):
        mine = [r for r in rows if r["analysis"] == name]
        assert mine[-1]["factor"] == "total"
        assert abs(sum(float(r["contribution"]) for r in mine[:-1]) - float(mine[-1]["contribution"])) < 1e-9
    man = json.loads((out / "manifest.json").read_text())
    events = next(a for a in man["analyses"] if a["name"] == "events")
    assert events["attribution"]["measure"] == "directed" and events["total_runs"] == 128 * 4
    for stem in ("events_waterfall", "events_over_time", "mechanisms_waterfall", "mechanisms_over_time"):
        assert (out / "figures" / f"{stem}.png").exists()


def test_waterfall_names_pair_month_and_scale_and_prints_each_interval(by_factor):
    from sim.figures.attribution import load, signed, waterfall_figure
    info, rows, _ = load(by_factor)
    fig = waterfall_figure(info, rows)
    texts = [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]
    assert any("What moved Iran–China mutual alignment by January 2028?" in t for t in texts)
    assert any("scale −1 hostile, 0 indifferent, +1 allied" in t for t in texts)
    top = max(rows[:-1], key=lambda r: abs(float(r["contribution"])))
    c, lo, hi = (float(top[k]) for k in ("contribution", "lo", "hi"))
    assert any(t.startswith(f"{signed(c)} [{signed(lo)}, {signed(hi)}]") and "of the total" in t for t in texts)
    assert signed(-0.0001) == "0.000" and signed(0.0125) == "+0.013"
