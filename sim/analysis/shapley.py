"""Shapley values of an outcome over factors, from the outcome of every factor subset run by run.

A *game* here is v(S): the outcome when the factors in S take the scenario's values and the
others the reference's. Subsets are bit masks (factor k is bit k), so `values[mask]` is v of
that subset, with any trailing axes (runs, steps). The Shapley value of factor i is

    phi_i = sum over S not holding i of |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S))

and the phi_i add up to v(all) - v(none). Because the Shapley value is linear in v, applying it
to each run's outcomes gives per-run contributions whose mean is the Shapley value of the mean
outcome, and whose spread over runs gives its interval (the runs are paired: run r of every
subset shares its random numbers).

Beyond a dozen factors the 2^n subsets are too many; `permutation_values` averages the marginal
contributions along sampled orderings instead (Castro, Gomez and Tejada 2009), each ordering
paired with its reverse to cancel much of the sampling error. Each ordering's contributions
still add up to v(all) - v(none).
"""

from __future__ import annotations

import math

import numpy as np

from sim.core.stats import Z95

EXACT_MAX = 12     # 4,096 subsets: beyond this, sampled orderings


def subset_weights(n: int) -> np.ndarray:
    """The matrix W (n, 2^n) with phi = W @ v for a game v indexed by bit mask.

    Parameters
    ----------
    n : int
        Number of factors, 1 to `EXACT_MAX`.

    Returns
    -------
    ndarray of float64, shape (n, 2**n)

    Examples
    --------
    >>> subset_weights(2)
    array([[-0.5,  0.5, -0.5,  0.5],
           [-0.5, -0.5,  0.5,  0.5]])
    """
    if not 1 <= n <= EXACT_MAX:
        raise ValueError(f"exact Shapley values for 1 to {EXACT_MAX} factors, not {n}")
    masks = np.arange(2 ** n)
    size = np.array([bin(m).count("1") for m in masks])
    # weight of the marginal step from S (without i) to S + i, by |S|
    step = np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)])
    w = np.zeros((n, 2 ** n))
    for i in range(n):
        has = (masks >> i) & 1 == 1
        w[i, has] = step[size[has] - 1]
        w[i, ~has] = -step[size[~has]]
    return w


def exact_values(values: np.ndarray) -> np.ndarray:
    """Exact Shapley values of the game `values` (2^n, ...): (n, ...), one row per factor.

    Examples
    --------
    >>> v = np.array([0.0, 1.0, 2.0, 5.0])     # factors 0 and 1 add 1 and 2, and 2 together
    >>> exact_values(v)
    array([2., 3.])
    """
    values = np.asarray(values, dtype=np.float64)
    n = int(round(math.log2(values.shape[0])))
    if 2 ** n != values.shape[0]:
        raise ValueError(f"one value per subset: 2^n rows, not {values.shape[0]}")
    w = subset_weights(n)
    return np.tensordot(w, values, axes=(1, 0))


def sample_orderings(n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` orderings of n factors (count rounded up to even): each random one followed by its
    reverse (antithetic pairs).

    Returns
    -------
    ndarray of int64, shape (count, n)
    """
    half = [rng.permutation(n) for _ in range((count + 1) // 2)]
    return np.array([p for h in half for p in (h, h[::-1])], dtype=np.int64)


def ordering_masks(orderings: np.ndarray) -> list[int]:
    """Every subset the orderings pass through (each prefix), as sorted bit masks."""
    seen = {0}
    for order in orderings:
        m = 0
        for i in order:
            m |= 1 << int(i)
            seen.add(m)
    return sorted(seen)


def permutation_values(values: dict, orderings: np.ndarray, n: int) -> np.ndarray:
    """Shapley values estimated along orderings: (K, n, ...), factor contributions per ordering.

    Parameters
    ----------
    values : dict
        Bit mask -> outcome array (...), for every mask of `ordering_masks(orderings)`.
    orderings : ndarray (K, n)
    n : int

    Returns
    -------
    ndarray (K, n, ...): in ordering k, the marginal contribution of each factor as it joins.
    The mean over k estimates the Shapley values; every row sums to v(all) - v(none).
    """
    first = np.asarray(values[0], dtype=np.float64)
    out = np.empty((len(orderings), n, *first.shape))
    for k, order in enumerate(orderings):
        m, prev = 0, first
        for i in order:
            m |= 1 << int(i)
            cur = np.asarray(values[m], dtype=np.float64)
            out[k, i] = cur - prev
            prev = cur
    return out


def mean_interval(per_run: np.ndarray, axis: int = -1, z: float = Z95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over runs and its normal 95% interval (paired-difference standard error).

    Parameters
    ----------
    per_run : ndarray
        Per-run contributions, runs along `axis`.

    Returns
    -------
    (mean, low, high), each with `axis` removed; the interval is the mean alone with one run.
    """
    x = np.asarray(per_run, dtype=np.float64)
    r = x.shape[axis]
    m = x.mean(axis=axis)
    half = z * x.std(axis=axis, ddof=1) / math.sqrt(r) if r > 1 else np.zeros_like(m)
    return m, m - half, m + half


def ordering_interval(per_order_run: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% interval of sampled-ordering contributions (K orderings, ..., R runs last).

    Both the runs and the orderings are samples, so the variance adds the runs' part (the spread
    over runs of each run's mean over orderings) and the orderings' part (the spread over
    orderings of each ordering's mean over runs); this counts their interaction twice, a slight
    overstatement that keeps the interval on the safe side.
    """
    x = np.asarray(per_order_run, dtype=np.float64)
    k, r = x.shape[0], x.shape[-1]
    m = x.mean(axis=(0, -1))
    var = np.zeros_like(m)
    if r > 1:
        var += x.mean(axis=0).var(axis=-1, ddof=1) / r
    if k > 1:
        var += x.mean(axis=-1).var(axis=0, ddof=1) / k
    half = z * np.sqrt(var)
    return m, m - half, m + half
