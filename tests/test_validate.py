"""Validation (docs/VALIDATION.md): the checks and the counterfactual table compute what they say,
on a small ensemble. Whether the model passes them at full size is reported in VALIDATION.md,
measured with `alignsim validate`."""

from __future__ import annotations

import numpy as np
import pytest

from sim.apps import checks as ck
from sim.apps import counterfactuals as cf
from sim.apps import validate

RUNS = 60


@pytest.fixture(scope="module")
def flagships():
    return validate.run_flagships(seed=validate.DEFAULT_SEED, runs=RUNS)


def test_check_a_measures_the_paired_share_and_mean(flagships):
    base, pivot = flagships
    c = ck.check_a(base, pivot, "2028-01", "a")
    i, j = ck.index(pivot, "iran", "china")
    d = pivot.alignment[:, -1, i, j].astype(float) - base.alignment[:, -1, i, j].astype(float)
    assert c.figures["p_higher"] == pytest.approx((d > 0).mean())
    assert c.figures["mean_diff"] == pytest.approx(d.mean())
    assert c.passed == ((d > 0).mean() >= ck.A_MIN_SHARE and d.mean() > 0)


def test_check_c_reads_the_decided_military_support(flagships):
    base, pivot = flagships
    c = ck.check_c(base, pivot)
    ci, ii = ck.index(pivot, "china", "iran")
    peak = pivot.arrays["military_support"][:, :, ci, ii].max(axis=1)
    assert c.figures["max"]["june_war_pivot"] == pytest.approx(peak.max())
    assert c.figures["share"]["june_war_pivot"] == pytest.approx((peak < ck.C_MAX_MILITARY).mean())


def test_interest_check_shifts_iran_toward_the_us_and_alignment_follows():
    shifted, change = validate.shifted_baseline()
    assert change["us"] > 0.5 and change["israel"] > 0.5        # halfway toward the US's positions
    shock = next(s for s in shifted.shocks if s.type_name == "position_change")
    assert shock.spec["actor"] == "iran" and shifted.reference is not None
    from sim.engine.ensemble import run_ensemble
    base = run_ensemble(shifted.reference, runs=20, seed=3)
    moved = run_ensemble(shifted, runs=20, seed=3)
    c = ck.check_e(base, moved, change)
    assert c.figures["share_same_sign"]["us"] == 1.0
    i, u = ck.index(base, "iran", "us")
    t = ck.step_of(base, "2025-01")
    # nothing moves before the shift; after it Iran warms to the US
    np.testing.assert_array_equal(moved.alignment[:, :t, i, u], base.alignment[:, :t, i, u])
    assert (moved.alignment[:, -1, i, u] > base.alignment[:, -1, i, u]).all()


@pytest.mark.parametrize("direction, low, high, estimate, expected", [
    ("up", 0.01, 0.03, 0.02, True), ("up", -0.01, 0.03, 0.01, False),
    ("down", -0.03, -0.01, -0.02, True), ("down", -0.03, 0.001, -0.01, False),
    ("not up", 0.005, 0.015, 0.01, True), ("not up", 0.01, 0.03, 0.02, False)])
def test_directions_are_judged_by_the_interval(direction, low, high, estimate, expected):
    assert cf.judge(direction, low, high, estimate) is expected


def test_a_row_is_the_paired_difference_against_the_pivot(flagships):
    base, pivot = flagships
    row = cf.Row("baseline_2024", (), "baseline", ("iran", "china"), "down", "test")
    res = cf.measure(row, base, pivot, pivot.steps)
    i, j = ck.index(pivot, "iran", "china")
    d = base.alignment[:, -1, i, j].astype(float) - pivot.alignment[:, -1, i, j].astype(float)
    assert res.estimate == pytest.approx(d.mean()) and res.low < res.estimate < res.high


def test_a_trade_row_measures_total_trade_with_the_world():
    """The trade measure adds the actor's trade with every modelled actor and with the world; an
    Iran-authored Hormuz closure cuts Iran's in force (2025-09) and the row says so."""
    from sim import scenario
    scen_dir = validate.SCENARIOS
    row = next(r for r in cf.ROWS if r.measure == "trade")
    closed = cf._ensemble(scenario.load(scen_dir / f"{row.scenario}.toml"), 24, 7)
    pivot = cf._ensemble(scenario.load(scen_dir / f"{row.against}.toml"), 24, 7)
    t = [pivot.scenario.date(s) for s in range(pivot.steps + 1)].index(row.date)
    i = ck.index(pivot, "iran")[0]
    by_hand = (pivot.arrays["trade"][:, t, i, :].astype(float).sum(axis=1)
               + pivot.arrays["trade_row"][:, t, i].astype(float))
    assert np.allclose(cf.total_trade(pivot, i, t), by_hand)
    assert by_hand.min() > 10          # Iran trades some US$ 100 bn a year; not a zero array
    res = cf.measure(row, closed, pivot, t)
    assert res.passed and res.high < -1.0, res   # US$ bn/yr: a closure of the strait is no rounding error
