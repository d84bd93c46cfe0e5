"""The measurement model: how a pair's yearly UN General Assembly agreement relates to the model's
mutual alignment during that year (docs/VALIDATION.md, Calibration).

    z[p, y] = logit of the agreement index of pair p in year y (smoothed by its roll calls)
    z[p, y] = 2 atanh(m[p, y]) + delta[y] + e[p, y]

m is the mutual alignment (A_ab + A_ba) / 2 averaged over the year's months; delta[y] is the
Assembly's agenda, a year effect common to every pair, estimated across all pairs in the data;
e is the pair's yearly deviation, AR(1) over years with standard deviation sigma and correlation
rho. With delta = 0 the link reads index = (1 + m) / 2: agreement on every vote is alignment 1,
on none -1, which is the convention the flagship files use for US State Department coincidence.
The model explains changes, not levels (its start state is calibrated to be at rest), so a
pair's start level comes from the data and the model moves it: the alignment of a pair at the
start is tanh(level / 2), its level the mean of z - delta over the start years.
"""

from __future__ import annotations

import numpy as np

EDGE = 0.999   # |m| is held below this before atanh: a run at the clip edge must not give infinity


def smoothed_logit(index: np.ndarray, votes: np.ndarray) -> np.ndarray:
    """logit((index x votes + 1/2) / (votes + 1)): the log-odds of agreement with half a vote added
    to each side, so a pair that agreed on every roll call of a year gets a finite value that
    grows with the number of roll calls (25 pair-years in the data agree on all of them)."""
    index, votes = np.asarray(index, float), np.asarray(votes, float)
    p = (index * votes + 0.5) / (votes + 1.0)
    return np.log(p) - np.log1p(-p)


def logistic(x: np.ndarray) -> np.ndarray:
    """The agreement index of a level on the logit scale."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, float)))


def level_of_alignment(m: np.ndarray) -> np.ndarray:
    """2 atanh(m): the logit-scale level of a mutual alignment (m held inside +-EDGE)."""
    return 2.0 * np.arctanh(np.clip(m, -EDGE, EDGE))


def alignment_of_level(level: np.ndarray) -> np.ndarray:
    """tanh(level / 2): the mutual alignment of a logit-scale level (the inverse link)."""
    return np.tanh(0.5 * np.asarray(level, float))


def year_effects(z: np.ndarray, pair: np.ndarray, year: np.ndarray, base_years) -> tuple[np.ndarray, np.ndarray]:
    """The Assembly's agenda: z = level[pair] + delta[year] + residual, by least squares over every
    pair-year given (a two-way fixed-effects fit; pairs may miss years).

    Parameters
    ----------
    z : (n,) logit agreement of each pair-year.
    pair : (n,) integer pair codes.
    year : (n,) calendar years.
    base_years : years whose effects average to zero (the start years), so the pair levels are
        the pairs' own at the start and later effects are measured against it.

    Returns
    -------
    years : (Y,) the sorted distinct years.
    delta : (Y,) their effects.
    """
    years, yi = np.unique(year, return_inverse=True)
    pairs, pi = np.unique(pair, return_inverse=True)
    base = np.isin(years, list(base_years))
    if not base.any():
        raise ValueError(f"none of the base years {list(base_years)} is in the data")
    x = np.zeros((len(z), len(pairs) + len(years) - 1))
    x[np.arange(len(z)), pi] = 1.0
    rest = yi > 0                     # the first year's effect is the reference, renormalised below
    x[np.flatnonzero(rest), len(pairs) + yi[rest] - 1] = 1.0
    coef, *_ = np.linalg.lstsq(x, np.asarray(z, float), rcond=None)
    delta = np.concatenate([[0.0], coef[len(pairs):]])
    return years, delta - delta[base].mean()


def yearly_mutual(alignment: np.ndarray, step_years: np.ndarray, years: np.ndarray, pairs) -> np.ndarray:
    """The model's mutual alignment of each pair averaged over each year's months.

    Parameters
    ----------
    alignment : (R, T+1, N, N) directed alignment of R runs.
    step_years : (T+1,) calendar year of each step.
    years : (Y,) the years wanted (each must have a step).
    pairs : P pairs of actor indices (i, j).

    Returns
    -------
    (R, P, Y) float64.
    """
    i, j = np.array(pairs, dtype=int).T
    mutual = 0.5 * (alignment[:, :, i, j].astype(np.float64) + alignment[:, :, j, i])   # (R, T+1, P)
    out = np.empty((alignment.shape[0], len(i), len(years)))
    for k, y in enumerate(years):
        out[:, :, k] = mutual[:, step_years == y].mean(axis=1)
    return out


def ar1_loglik(resid: np.ndarray, scale: np.ndarray, rho: float) -> float:
    """Gaussian log-likelihood of residuals that are AR(1) along the last axis (years) with
    correlation rho, each with its own standard deviation: u = resid / scale is a stationary
    AR(1) of unit variance, so log L = -sum log scale + log N(u_1; 0, 1)
    + sum_t log N(u_t - rho u_{t-1}; 0, 1 - rho^2). NaN residuals (years without data) end a
    series and restart it."""
    u = resid / scale
    ok = np.isfinite(u)
    prev_ok = np.zeros_like(ok)
    prev_ok[..., 1:] = ok[..., :-1]
    prev = np.zeros_like(u)
    prev[..., 1:] = np.where(prev_ok[..., 1:], u[..., :-1], 0.0)
    var = np.where(prev_ok, 1.0 - rho * rho, 1.0)
    innov = np.where(ok, u - np.where(prev_ok, rho * prev, 0.0), 0.0)
    terms = -0.5 * (np.log(2.0 * np.pi * var) + innov * innov / var) - np.log(scale)
    return float(np.where(ok, terms, 0.0).sum())
