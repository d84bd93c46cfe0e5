"""Runs of a scenario at given parameter values, reduced to what the measurement model compares:
each pair's yearly change of level (2 atanh of the mutual alignment) since the start month.

Every parameter set is run on the same runs 0..R-1 of the same seed, so two sets differ by their
values only, never by the dice (common random numbers): the likelihood is then a smooth,
deterministic function of the parameters, which the sampler needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.analysis import measurement
from sim.model.compile import compile
from sim.model.simulate import simulate_runs


@dataclass(frozen=True)
class Target:
    """What runs are compared with.

    Attributes
    ----------
    years : (Y,) the years scored.
    pair_index : (P, 2) actor indices of the pairs.
    observed : (P, Y) observed change of level since the start: z - delta - level0 (NaN: no data).
    steps : months to simulate (through the last month of the last year).
    step_years : (steps + 1,) calendar year of each step.
    """
    years: np.ndarray
    pair_index: np.ndarray
    observed: np.ndarray
    steps: int
    step_years: np.ndarray


def step_years(scen, steps: int) -> np.ndarray:
    """Calendar year of each step 0..steps."""
    return np.array([int(scen.date(t)[:4]) for t in range(steps + 1)])


def target(panel, scen) -> Target:
    """The Target of a data Panel (sim.calibration.data): the years from the scenario's start to
    the panel's last year used."""
    used = panel.used
    years = panel.years[used]
    all_years = step_years(scen, scen.steps)
    steps = int(np.flatnonzero(all_years <= years[-1])[-1])
    observed = panel.z[:, used] - panel.delta[used][None, :] - panel.level0[:, None]
    return Target(years, panel.pair_index, observed, steps, all_years[:steps + 1])


def level_changes(scen, seed: int, runs, run_values: dict, tgt: Target, steps: int | None = None) -> np.ndarray:
    """(R, P, Y) each run's change of each pair's level from the start month to each year's mean,
    at the parameter values run_values (key path -> (R,) values indexed by run)."""
    steps = tgt.steps if steps is None else steps
    c = compile(scen, seed, runs, steps=steps, run_values=run_values)
    rows, val = c.forcing_table()
    a = simulate_runs(c.initial, c.static, rows, val, c.noise_keys, steps, ("alignment",))["alignment"]
    sy = step_years(scen, steps)
    years = tgt.years if steps == tgt.steps else np.unique(sy)
    m = measurement.yearly_mutual(a, sy, years, tgt.pair_index)
    i, j = tgt.pair_index.T
    m0 = 0.5 * (a[:, 0, i, j].astype(np.float64) + a[:, 0, j, i])
    return measurement.level_of_alignment(m) - measurement.level_of_alignment(m0)[:, :, None]


def loglik(changes: np.ndarray, observed: np.ndarray, sigma: float, rho: float) -> float:
    """Synthetic log-likelihood (Wood 2010) of the observed changes: Gaussian around the runs' mean
    change, with variance sigma^2 (the pair's yearly deviation) plus the runs' own variance,
    AR(1) over years with correlation rho."""
    mean = changes.mean(axis=0)
    var = changes.var(axis=0, ddof=1) if changes.shape[0] > 1 else np.zeros_like(mean)
    return measurement.ar1_loglik(observed - mean, np.sqrt(sigma * sigma + var), rho)


@dataclass(frozen=True)
class Batch:
    """Parameter sets to score, with what scoring them needs (sent to worker processes)."""
    scenario: object
    seed: int
    replicates: int
    keys: tuple[str, ...]            # run-value key paths, the first columns of values
    values: np.ndarray               # (M, len(keys) + 2): the keys' values, then sigma and rho
    target: Target
    start: int                       # position of the first set in the caller's list


def score_batch(batch: Batch) -> tuple[int, np.ndarray]:
    """(batch.start, (M,) log-likelihoods); -inf where a run fails to give a finite change."""
    runs = np.arange(batch.replicates)
    out = np.empty(len(batch.values))
    for m, row in enumerate(batch.values):
        rv = {k: np.full(batch.replicates, row[q]) for q, k in enumerate(batch.keys)}
        x = level_changes(batch.scenario, batch.seed, runs, rv, batch.target)
        ll = loglik(x, batch.target.observed, row[-2], row[-1]) if np.isfinite(x).all() else -np.inf
        out[m] = ll if np.isfinite(ll) else -np.inf
    return batch.start, out
