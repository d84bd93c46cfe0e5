"""From an outcome's per-run values to the numbers in the tables.

A yes/no outcome becomes a probability with a 95% Wilson interval; a numeric one a mean with a
95% normal interval. Comparisons add each scenario's paired difference from the baseline:
every scenario runs with the same seed, so run r of each shares its random numbers and the
difference is taken run by run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.stats import Difference, mean_difference, mean_interval, newcombe_paired, wilson_interval
from sim.experiments.outcomes import Values


@dataclass(frozen=True)
class Summary:
    """A probability (yes/no outcome) or a mean (numeric outcome) with a 95% interval.

    Parameters
    ----------
    kind : {"probability", "mean"}
    estimate, low, high : float
        The estimate and its interval; NaN without runs (or, for a mean's interval, with one).
    n : int
        Runs counted: all runs for a probability, runs with a finite value for a mean.
    count : int, optional
        Runs with the event (probabilities only).
    median : float, optional
        Median value over runs; for ``first_crossing``, the median month among the runs that
        crossed.
    """

    kind: str
    estimate: float
    low: float
    high: float
    n: int
    count: int | None = None
    median: float | None = None


def summarize(v: Values) -> Summary:
    """Summarize an outcome over runs.

    Parameters
    ----------
    v : Values

    Returns
    -------
    Summary
        A probability with a Wilson interval when `v` has events, else the mean of the finite
        values with a normal interval.

    Examples
    --------
    >>> import numpy as np
    >>> s = summarize(Values(np.zeros(100), np.arange(100) < 30))
    >>> s.kind, s.estimate, s.count, round(s.low, 3), round(s.high, 3)
    ('probability', 0.3, 30, 0.219, 0.396)
    """
    if v.event is not None:
        n, k = int(v.event.size), int(v.event.sum())
        lo, hi = wilson_interval(k, n)
        med = float(np.nanmedian(v.value)) if np.isfinite(v.value).any() else None
        return Summary("probability", k / n if n else math.nan, lo, hi, n, k, med)
    x = v.value[np.isfinite(v.value)]
    m, half, n = mean_interval(x)
    return Summary("mean", m, m - half, m + half, n, None, float(np.median(x)) if n else None)


def summarize_points(v: Values, points: int) -> list[Summary]:
    """Summarize an outcome per point of a sweep, sensitivity or discovery ensemble.

    Parameters
    ----------
    v : Values
        Over all runs, ordered ``r = p * runs_per_point + j`` (point p, replicate j), as
        `sim.experiments.sampling.run_values` lays them out.
    points : int

    Returns
    -------
    list of Summary
        One per point, in order.
    """
    per = v.value.size // points
    out = []
    for p in range(points):
        sl = slice(p * per, (p + 1) * per)
        out.append(summarize(Values(v.value[sl], None if v.event is None else v.event[sl])))
    return out


def paired_difference(x: Values, base: Values) -> Difference:
    """A scenario's difference from the baseline, paired by run.

    Parameters
    ----------
    x, base : Values
        The same outcome under the scenario and the baseline, run r of each sharing its random
        numbers.

    Returns
    -------
    sim.core.stats.Difference
        Yes/no outcomes: the difference in proportions with Newcombe's (1998) hybrid score
        interval for paired data (method 10). Numeric outcomes: the mean of the per-run
        differences, over runs where both are finite, with a normal interval.
    """
    if x.event is not None and base.event is not None:
        return newcombe_paired(x.event, base.event)
    return mean_difference(x.value - base.value)
