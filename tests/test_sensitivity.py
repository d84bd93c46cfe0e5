"""Sobol' indices: the Ishigami function's known values, agreement with scipy's estimators, and
a toy scenario in which one parameter obviously dominates."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from scipy import stats

from sim.apps.experiment import run_experiment
from sim.experiments import spec as experiment
from helpers import ishigami
from sim.analysis.sensitivity import estimators, saltelli_design, sobol, split
from test_experiment import make_toy

S1_TRUE = np.array([0.3139, 0.4424, 0.0])
ST_TRUE = np.array([0.5576, 0.4424, 0.2437])


@pytest.fixture(scope="module")
def ishi():
    design = saltelli_design(2048, [-np.pi] * 3, [np.pi] * 3, seed=11)
    return design, ishigami(design.points)


def test_ishigami_known_indices(ishi):
    design, y = ishi
    res = sobol(design, y, bootstrap=200, seed=3)
    np.testing.assert_allclose(res.S1, S1_TRUE, atol=0.04)
    np.testing.assert_allclose(res.ST, ST_TRUE, atol=0.04)
    assert np.all(res.S1_low <= res.S1) and np.all(res.S1 <= res.S1_high)
    assert np.all(res.ST_low <= res.ST) and np.all(res.ST <= res.ST_high)
    # the intervals are informative, and cover the truth
    assert np.all(res.ST_high - res.ST_low < 0.15)
    assert np.all((res.ST_low - 0.02 <= ST_TRUE) & (ST_TRUE <= res.ST_high + 0.02))
    assert res.noise_share == 0.0


def test_estimators_are_scipys(ishi):
    """The bootstrap uses the estimators scipy.stats.sobol_indices uses, on the same rows."""
    design, y = ishi
    fa, fb, fab = split(design, y)
    ref = stats.sobol_indices(func={"f_A": fa[None], "f_B": fb[None], "f_AB": fab[:, None]}, n=design.n)
    c = np.mean(np.concatenate([fa, fb]))           # scipy centres on the mean of f_A and f_B
    s1, st = estimators(fa - c, fb - c, fab - c)
    np.testing.assert_allclose(s1, ref.first_order, rtol=1e-6)   # up to rounding in the cancellation
    np.testing.assert_allclose(st, ref.total_order, rtol=1e-6)
    res = sobol(design, y, bootstrap=0)
    np.testing.assert_allclose(res.S1, ref.first_order, rtol=1e-6)
    np.testing.assert_allclose(res.ST, ref.total_order, rtol=1e-6)


def test_shift_does_not_change_indices(ishi):
    design, y = ishi
    a = sobol(design, y, bootstrap=0)
    b = sobol(design, y + 100.0, bootstrap=0)
    np.testing.assert_allclose(a.S1, b.S1, atol=1e-9)
    np.testing.assert_allclose(a.ST, b.ST, atol=1e-9)


def test_design_and_reproducibility():
    d = saltelli_design(16, [0, 10], [1, 20], seed=5)
    assert d.points.shape == (16 * 4, 2)
    assert np.all(d.points[:, 0] >= 0) and np.all(d.points[:, 0] <= 1)
    assert np.all(d.points[:, 1] >= 10) and np.all(d.points[:, 1] <= 20)
    # AB_i is A with column i from B
    np.testing.assert_array_equal(d.AB[0][:, 0], d.B[:, 0])
    np.testing.assert_array_equal(d.AB[0][:, 1], d.A[:, 1])
    np.testing.assert_array_equal(saltelli_design(16, [0, 10], [1, 20], seed=5).points, d.points)
    with pytest.raises(ValueError, match="power of two"):
        saltelli_design(24, [0], [1], seed=1)
    y = d.points[:, 0] + 0.1 * d.points[:, 1]
    r1 = sobol(d, y, bootstrap=50, seed=9)
    r2 = sobol(d, y, bootstrap=50, seed=9)
    np.testing.assert_array_equal(r1.ST_low, r2.ST_low)   # seeded bootstrap


def test_toy_scenario_one_parameter_dominates(tmp_path):
    """The initial a -> b relation drives a-b alignment at the end; c's resolve (c is not at war
    and its partners are not attacked) barely matters."""
    analyses = """
[[analyses]]
type = "sensitivity"
name = "sens"
title = "Which input drives a-b?"
scenario = "base"
samples = 256
runs = 2
bootstrap = 200
outcomes = ["ab_end"]
parameters = { "relations.a.b" = [-0.6, 0.6], "actors.c.resolve" = [0.1, 0.9] }
"""
    path = make_toy(tmp_path, analyses=analyses)
    (tmp_path / "base.toml").write_text((tmp_path / "base.toml").read_text().replace("hazard = 0.15", "hazard = 0.0"))
    out = tmp_path / "out"
    exp = experiment.load(path)
    run_experiment(exp, out, quiet=True, figures=False)
    with (out / "sobol.csv").open() as fh:
        rows = {r["parameter"]: r for r in csv.DictReader(fh)}
    rel, res = rows["relations.a.b"], rows["actors.c.resolve"]
    assert float(rel["S1"]) > 0.8 and float(rel["ST"]) > 0.8
    assert float(res["ST"]) < 0.1
    assert float(rel["S1_low"]) > float(res["ST_high"])
    assert rel["label"] == "initial alignment a → b"
