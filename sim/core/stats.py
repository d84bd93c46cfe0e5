"""Interval estimates for Monte Carlo results: proportions (Wilson) and differences, paired or
between independent samples (Newcombe for yes/no outcomes, a normal interval for means)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054   # the standard normal's 97.5% quantile


def wilson_interval(k, n, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (95% by default)."""
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Difference:
    """Scenario minus baseline over paired runs, with a 95% interval and its method."""
    estimate: float
    low: float
    high: float
    n: int
    method: str


def newcombe_paired(e1: np.ndarray, e2: np.ndarray, z: float = Z95) -> Difference:
    """p1 - p2 for paired yes/no outcomes, with Newcombe's method 10 interval.

    a: both yes, b: only the first, c: only the second, d: neither. Wilson intervals of the two
    margins are combined with the phi correlation of the pairs (Newcombe, Stat Med 1998,
    17:2635-2650), so positively correlated pairs (common random numbers) get a narrower
    interval than independent samples would."""
    e1, e2 = np.asarray(e1, bool), np.asarray(e2, bool)
    n = int(e1.size)
    a = int((e1 & e2).sum())
    b = int((e1 & ~e2).sum())
    c = int((~e1 & e2).sum())
    d = n - a - b - c
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson_interval(a + b, n, z)
    l2, u2 = wilson_interval(a + c, n, z)
    den = (a + b) * (c + d) * (a + c) * (b + d)
    phi = (a * d - b * c) / math.sqrt(den) if den > 0 else 0.0
    dl = math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    du = math.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    diff = p1 - p2
    return Difference(diff, max(-1.0, diff - dl), min(1.0, diff + du), n,
                      "difference in proportions, Newcombe paired score 95% CI")


def newcombe_unpaired(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> Difference:
    """k1/n1 - k2/n2 for independent samples, with Newcombe's hybrid score interval (Newcombe,
    Stat Med 1998, 17:873-890, method 10): the paired interval without the pairs' correlation.

    Examples
    --------
    >>> d = newcombe_unpaired(56, 70, 48, 80)      # Newcombe's example: 0.2 (0.0524 to 0.3339)
    >>> round(d.estimate, 4), round(d.low, 4), round(d.high, 4)
    (0.2, 0.0524, 0.3339)
    """
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, z)
    l2, u2 = wilson_interval(k2, n2, z)
    diff = p1 - p2
    return Difference(diff, max(-1.0, diff - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)),
                      min(1.0, diff + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)), n1 + n2,
                      "difference in proportions, Newcombe hybrid score 95% CI (independent samples)")


def mean_interval(x: np.ndarray, z: float = Z95) -> tuple[float, float, int]:
    """Mean, half-width of its 95% normal interval, and count; NaN where undefined."""
    n = int(x.size)
    m = float(x.mean()) if n else math.nan
    half = z * float(x.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    return m, half, n


def mean_difference(d: np.ndarray) -> Difference:
    """The mean of paired differences d (non-finite ones dropped) with a normal 95% interval."""
    d = np.asarray(d, dtype=float)
    m, half, n = mean_interval(d[np.isfinite(d)])
    return Difference(m, m - half, m + half, n, "mean of paired differences, normal 95% CI")


def welch_difference(x: np.ndarray, y: np.ndarray, z: float = Z95) -> Difference:
    """mean(x) - mean(y) for independent samples (non-finite values dropped), with a normal 95%
    interval from the two standard errors (Welch)."""
    x, y = (np.asarray(v, dtype=float) for v in (x, y))
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    m = float(x.mean() - y.mean()) if x.size and y.size else math.nan
    if x.size < 2 or y.size < 2:
        return Difference(m, math.nan, math.nan, int(x.size + y.size), "difference in means")
    half = z * math.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
    return Difference(m, m - half, m + half, int(x.size + y.size),
                      "difference in means, normal 95% CI (independent samples)")
