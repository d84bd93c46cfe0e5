"""Where sweeps, sensitivity and discovery put their points in parameter space.

    sweep, method "grid"   every combination of `points` evenly spaced values per parameter,
                           both ends included
    sweep, method "lhs"    a Latin hypercube of `points` points (scipy.stats.qmc)
    sensitivity            Saltelli's design of ``samples (d + 2)`` points
                           (sim.analysis.sensitivity.saltelli_design)
    discovery              a Latin hypercube of `samples` points

The generator of analysis k is a function of the experiment's seed and k only, so an
analysis's points do not depend on what the analyses before it drew.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import qmc

from sim.analysis.sensitivity import Design, saltelli_design
from sim.experiments.analyses import Analysis, Sensitivity, Sweep


def analysis_rng(seed: int, k: int) -> np.random.Generator:
    """The random generator of analysis `k` of an experiment seeded with `seed`.

    Parameters
    ----------
    seed : int
        The experiment's seed.
    k : int
        The analysis's position in the file; runners derive further streams (e.g. the
        bootstrap of each outcome) from other values of `k`.

    Returns
    -------
    numpy.random.Generator
    """
    return np.random.default_rng([seed, 7919, k])


def sample_points(an: Analysis, seed: int, k: int) -> tuple[np.ndarray, Design | None]:
    """The parameter values of a sweep, sensitivity or discovery analysis.

    Parameters
    ----------
    an : Sweep, Sensitivity or Discovery
        The analysis; its parameters give the ranges.
    seed : int
        The experiment's seed.
    k : int
        The analysis's position in the file.

    Returns
    -------
    values : ndarray, shape (P, d)
        One row per point, one column per parameter, in ``an.parameters`` order.
    design : sim.analysis.sensitivity.Design or None
        For a sensitivity analysis, the design the Sobol' estimators need; else None.

    Examples
    --------
    >>> from sim.experiments.analyses import Sweep
    >>> from sim.experiments.parameters import Parameter
    >>> an = Sweep("s", "", "base", "grid", (Parameter("x", 0.0, 1.0, "x"), Parameter("y", 2.0, 3.0, "y")), 2)
    >>> sample_points(an, seed=1, k=0)[0]
    array([[0., 2.],
           [0., 3.],
           [1., 2.],
           [1., 3.]])
    """
    lows = np.array([p.low for p in an.parameters])
    highs = np.array([p.high for p in an.parameters])
    d = len(lows)
    if isinstance(an, Sweep) and an.method == "grid":
        axes = [np.linspace(lo, hi, an.points) for lo, hi in zip(lows, highs)]
        mesh = np.meshgrid(*axes, indexing="ij")
        return np.column_stack([m.ravel() for m in mesh]), None
    if isinstance(an, Sensitivity):
        design = saltelli_design(an.samples, lows, highs, analysis_rng(seed, k))
        return design.points, design
    u = qmc.LatinHypercube(d=d, seed=analysis_rng(seed, k)).random(an.n_points)
    return qmc.scale(u, lows, highs), None


def run_values(an: Analysis, values: np.ndarray) -> dict[str, np.ndarray]:
    """Per-run parameter values for an ensemble of ``P * an.runs`` runs.

    Point p's replicate j is run ``p * an.runs + j``, the layout
    `sim.experiments.outcomes.summarize_points` reads back.

    Parameters
    ----------
    an : Sweep, Sensitivity or Discovery
    values : ndarray, shape (P, d)
        From `sample_points`.

    Returns
    -------
    dict
        Key path -> values of shape ``(P * an.runs,)``, as the engine's ``run_values`` take them.
    """
    return {p.key: np.repeat(values[:, j], an.runs) for j, p in enumerate(an.parameters)}
