"""PRIM scenario discovery: a planted box is recovered, with readable rules."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.discovery import choose, peel, prim, rules

BOUNDS = np.array([[0.0, 1.0]] * 4)


def planted(seed: int, n: int = 3000, inside: float = 0.9, outside: float = 0.05):
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, 4))
    box = (x[:, 0] > 0.2) & (x[:, 0] < 0.6) & (x[:, 1] > 0.5)
    y = np.where(box, rng.uniform(size=n) < inside, rng.uniform(size=n) < outside)
    return x, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_planted_box(seed):
    x, y = planted(seed)
    res = prim(x, y, names=["p", "q", "r", "s"], bounds=BOUNDS)
    br = res.boxes[0]
    lo, hi = br.box.limits[:, 0], br.box.limits[:, 1]
    assert abs(lo[0] - 0.2) < 0.07 and abs(hi[0] - 0.6) < 0.07
    assert abs(lo[1] - 0.5) < 0.07 and hi[1] == 1.0
    assert list(br.restricted) == [True, True, False, False]     # the noise dimensions are left alone
    assert br.box.density > 0.85 and br.box.coverage > 0.65
    assert br.qp[0] < 1e-6 and br.qp[1] < 1e-6 and np.isnan(br.qp[2])
    assert br.outside_density < 0.1


def test_rules_are_readable():
    x, y = planted(0)
    res = prim(x, y, names=["p", "q", "r", "s"], bounds=BOUNDS)
    text = rules(res, {"p": "Russia's reliability", "q": "deal relief"}, "Iran back with Russia")
    assert "Iran back with Russia" in text
    assert "IF   " in text and "AND  " in text
    assert "<= Russia's reliability <=" in text and "deal relief >=" in text
    assert "coverage" in text and "density" in text
    assert "r " not in text.split("Box 1")[1].split("Outside")[0].replace("reliability", "")


def test_trajectory_trades_coverage_for_density():
    x, y = planted(3)
    traj = peel(x, y.astype(float), BOUNDS)
    cov = np.array([b.coverage for b in traj])
    dens = np.array([b.density for b in traj])
    assert cov[0] == 1.0 and dens[0] == pytest.approx(y.mean())
    assert np.all(np.diff(cov) <= 1e-12)          # peeling only ever loses coverage
    assert dens[-1] > dens[0] + 0.5
    assert traj[-1].mass >= 0.05 - 1e-9
    # a density threshold picks the largest box that reaches it
    k = choose(traj, threshold=0.8)
    assert dens[k] >= 0.8 and all(cov[j] <= cov[k] for j in range(len(traj)) if dens[j] >= 0.8)


def test_covering_finds_a_second_box():
    """After the first box, its cases are set aside and PRIM looks again among the rest."""
    rng = np.random.default_rng(5)
    x = rng.uniform(size=(4000, 3))
    y = ((x[:, 0] < 0.3) | (x[:, 1] > 0.8)) & (rng.uniform(size=4000) < 0.9)
    res = prim(x, y, bounds=np.array([[0.0, 1.0]] * 3), boxes=2)
    assert len(res.boxes) == 2
    first, second = res.boxes
    assert list(np.flatnonzero(first.restricted)) == [0] and first.box.limits[0, 1] == pytest.approx(0.3, abs=0.05)
    assert list(np.flatnonzero(second.restricted)) == [1] and second.box.limits[1, 0] == pytest.approx(0.8, abs=0.05)
    assert second.outside_density < 0.05
    assert "Box 2" in rules(res)


def test_no_cases_of_interest():
    x = np.random.default_rng(0).uniform(size=(100, 2))
    res = prim(x, np.zeros(100, bool))
    assert res.boxes == [] and "No case" in rules(res)
