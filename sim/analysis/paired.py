"""Two ensembles of the same actors and months, compared: run by run when they share their random
numbers (the same seed: run r of each draws the same numbers), as independent samples otherwise.

The standard outcomes of a pair are those of a run folder's final.csv: its mutual alignment
(A_ij + A_ji) / 2 at the horizon above 0.5 (aligned), from -0.5 to 0.5 (between) or below -0.5
(opposed), and its mean. Differences are B minus A throughout: A is the reference.

Pure functions on arrays: the folders are read by `sim.experiments.folder_compare`.
"""

from __future__ import annotations

import numpy as np

from sim.core.stats import (Difference, mean_difference, newcombe_paired, newcombe_unpaired, welch_difference,
                            wilson_interval)

BANDS = ("aligned", "between", "opposed")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def mutual(alignment: np.ndarray, pairs) -> np.ndarray:
    """Mutual alignment of each pair (i, j) of indices: (R, T+1, P) float64, the pair's sum taken
    in float64 as in the run folder's horizon bands."""
    a = alignment
    return np.stack([0.5 * (a[:, :, i, j].astype(np.float64) + a[:, :, j, i]) for i, j in pairs], axis=-1)


def in_band(x: np.ndarray, band: str) -> np.ndarray:
    """Whether each value lies in the band (NaN lies in none).

    Examples
    --------
    >>> in_band(np.array([0.6, 0.5, -0.5, -0.7]), "between")
    array([False,  True,  True, False])
    """
    if band == "aligned":
        return x > 0.5
    if band == "between":
        return (x >= -0.5) & (x <= 0.5)
    return x < -0.5


def band_counts(x: np.ndarray) -> np.ndarray:
    """Runs in each band (3,) of values x (R,)."""
    return np.array([int(in_band(x, b).sum()) for b in BANDS])


def outcome_rows(xa: np.ndarray | None, xb: np.ndarray | None, paired: bool, counts=None) -> list[dict]:
    """The standard outcomes of one pair under A and B, and B minus A, with 95% intervals.

    Parameters
    ----------
    xa, xb : ndarray (R_a,), (R_b,) or None
        The pair's mutual alignment at the horizon in every run; paired means run r of each
        shares its random numbers (then R_a == R_b).
    paired : bool
        Newcombe's paired interval (method 10, with the pairs' correlation) and the mean of the
        per-run differences; otherwise the independent-samples intervals.
    counts : ((k_a (3,), n_a), (k_b (3,), n_b)), optional
        Runs per band when per-run values are missing (a folder run with --keep summary): the
        probabilities alone, unpaired.

    Returns
    -------
    list of dict
        One per outcome ("aligned", "between", "opposed", "mean"): a, a_low, a_high, b, b_low,
        b_high, difference, diff_low, diff_high, method.
    """
    rows = []
    for k, band in enumerate(BANDS):
        if xa is None or xb is None:
            (ka, na), (kb, nb) = ((int(c[k]), int(n)) for c, n in counts)
            d = newcombe_unpaired(kb, nb, ka, na)
        else:
            ea, eb = in_band(xa, band), in_band(xb, band)
            (ka, na), (kb, nb) = (int(ea.sum()), ea.size), (int(eb.sum()), eb.size)
            d = newcombe_paired(eb, ea) if paired else newcombe_unpaired(kb, nb, ka, na)
        rows.append({"outcome": band, **_side("a", ka, na), **_side("b", kb, nb), **_diff(d)})
    if xa is not None and xb is not None:
        d = mean_difference(xb - xa) if paired else welch_difference(xb, xa)
        ma, mb = (_mean(x) for x in (xa, xb))
        rows.append({"outcome": "mean", "a": ma[0], "a_low": ma[1], "a_high": ma[2], "b": mb[0], "b_low": mb[1],
                     "b_high": mb[2], **_diff(d)})
    return rows


def _side(key: str, k: int, n: int) -> dict:
    lo, hi = wilson_interval(k, n)
    return {key: k / n if n else float("nan"), f"{key}_low": lo, f"{key}_high": hi}


def _diff(d: Difference) -> dict:
    return {"difference": d.estimate, "diff_low": d.low, "diff_high": d.high, "method": d.method}


def _mean(x: np.ndarray) -> tuple[float, float, float]:
    d = mean_difference(x)
    return d.estimate, d.low, d.high


def difference_over_time(xa: np.ndarray, xb: np.ndarray, paired: bool) -> dict[str, np.ndarray]:
    """B minus A at every step: the mean difference with its 95% interval and, when paired, the
    quantiles of the per-run differences (the fan); unpaired runs have no per-run difference,
    so their quantile rows are NaN.

    Parameters
    ----------
    xa, xb : ndarray (R, T+1)
        One pair's mutual alignment in every run and step.

    Returns
    -------
    dict
        "mean", "low", "high", "q05", "q25", "q50", "q75", "q95": arrays (T+1,).

    Examples
    --------
    >>> a = np.zeros((4, 2)); b = np.array([[0.0, 0.1], [0.0, 0.2], [0.0, 0.3], [0.0, 0.4]])
    >>> d = difference_over_time(a, b, paired=True)
    >>> d["mean"].round(3).tolist(), d["q50"].round(3).tolist()
    ([0.0, 0.25], [0.0, 0.25])
    """
    steps = xa.shape[1]
    out = {k: np.full(steps, np.nan) for k in ("mean", "low", "high", "q05", "q25", "q50", "q75", "q95")}
    for t in range(steps):
        d = mean_difference(xb[:, t] - xa[:, t]) if paired else welch_difference(xb[:, t], xa[:, t])
        out["mean"][t], out["low"][t], out["high"][t] = d.estimate, d.low, d.high
    if paired:
        q = np.quantile(xb - xa, QUANTILES, axis=0)
        for k, name in enumerate(("q05", "q25", "q50", "q75", "q95")):
            out[name] = q[k]
    return out
