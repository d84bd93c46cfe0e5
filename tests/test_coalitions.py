"""Coalitions per run (landscape theory on simulated alignment) and balance metrics per step."""

from __future__ import annotations


import numpy as np
import pytest

from helpers import same_coalition_probability
from sim import scenario
from sim.core.pairs import mutual
from sim.analysis import balance, landscape
from sim.analysis import coalitions as co
from sim.engine.ensemble import run_ensemble


@pytest.fixture(scope="module")
def ens():
    return run_ensemble(scenario.load("scenarios/june_war_pivot.toml"), runs=40, seed=3)


def brute(sizes, prop):
    land = landscape.enumerate_configurations(sizes, prop)
    k = int(np.argmin(land.energies))  # first (lowest) code on ties
    return k, land.energies[k]


def test_global_minima_match_brute_force_on_random_matrices():
    rng = np.random.default_rng(0)
    for n in (3, 5, 7, 9):
        s = rng.uniform(0.1, 1, (6, n))
        p = rng.uniform(-1, 1, (6, n, n))
        p = (p + np.swapaxes(p, 1, 2)) / 2
        codes, energies = co.global_minima(s, p, block=37)  # odd block: exercises block edges
        for r in range(6):
            k, e = brute(s[r], p[r])
            assert codes[r] == k
            assert energies[r] == pytest.approx(e, abs=1e-12)


def test_coalition_per_run_matches_brute_force(ens):
    steps = [0, 18, ens.steps]
    c = co.coalition_structure(ens, steps)
    assert c.codes.shape == (ens.runs, 3) and c.sides.shape == (ens.runs, 3, 5)
    for r in (0, 7, 21, 39):
        for k, t in enumerate(steps):
            m = ens.arrays["military"][r, t].astype(float)
            p = mutual(ens.alignment[r, t].astype(float))
            code, e = brute(m / m.sum(), p)
            assert c.codes[r, k] == code
            assert c.energies[r, k] == pytest.approx(e, abs=1e-9)


def test_all_positive_propensity_gives_grand_coalition():
    codes, energies = co.global_minima(np.ones((1, 4)), np.full((1, 4, 4), 0.5))
    assert codes[0] == 0 and energies[0] == 0
    assert co.structure_label(("a", "b", "c", "d"), 0).endswith("(one coalition)")


def test_wilson_interval():
    lo, hi = co.wilson_interval(0, 400)
    assert lo == pytest.approx(0, abs=1e-12) and hi == pytest.approx(1.959964**2 / (400 + 1.959964**2), rel=1e-6)
    lo, hi = co.wilson_interval(30, 100)
    assert lo < 0.3 < hi and lo == pytest.approx(0.2189, abs=1e-4) and hi == pytest.approx(0.3958, abs=1e-4)


def test_same_coalition_probability_agrees_with_direct_counts(ens):
    ids = list(ens.scenario.actor_ids)
    c = co.coalition_structure(ens)
    for a, b in [("iran", "china"), ("iran", "russia"), ("us", "israel"), ("iran", "us")]:
        for when in (18, "2025-12", -1):
            pr = same_coalition_probability(ens, a, b, when)
            t = co.step_of(ens, when)
            sides = c.sides[:, t]
            k = int((sides[:, ids.index(a)] == sides[:, ids.index(b)]).sum())
            assert (pr.k, pr.n) == (k, ens.runs)
            assert pr.p == pytest.approx(k / ens.runs)
            assert (pr.low, pr.high) == pytest.approx(co.wilson_interval(k, ens.runs))
            assert pr.low <= pr.p <= pr.high
            assert pr == same_coalition_probability(ens, a, b, when, coalitions=c)


def test_frequent_structures_shares_sum_to_one(ens):
    ranked = co.frequent_structures(ens, -1, top=None)
    assert sum(pr.k for _, _, pr in ranked) == ens.runs
    assert [pr.k for _, _, pr in ranked] == sorted((pr.k for _, _, pr in ranked), reverse=True)


def test_balance_metrics_shapes_and_ranges(ens):
    m = co.balance_metrics(ens, [0, 5, 18, -1])
    assert set(m) == set(co.METRICS)
    n = len(ens.scenario.actor_ids)
    for v in m.values():
        assert v.shape == (ens.runs, 4)
    for key in ("balanced_triad_share", "weighted_balanced_triad_share"):
        v = m[key][~np.isnan(m[key])]
        assert np.all((v >= 0) & (v <= 1))
    assert np.all(m["frustration_index"] >= 0)
    assert np.all((m["polarization"] >= 1 / n - 1e-9) & (m["polarization"] <= 1 + 1e-9))
    # same numbers as balance.py on the mutual alignment of one run
    a = mutual(ens.alignment[4, 18].astype(float))
    assert m["frustration_index"][4, 2] == pytest.approx(float(balance.frustration_index(a)))
    assert m["polarization"][4, 2] == pytest.approx(float(balance.polarization(a)))
    q = co.metric_quantiles(m)
    assert q["polarization"]["q50"].shape == (4,)
    assert np.all(q["polarization"]["q05"] <= q["polarization"]["q95"])
