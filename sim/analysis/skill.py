"""Scoring a forecast of yearly values per pair against what was observed, and against the two
baselines any forecast must beat: persistence (the last observed year carried forward) and the
pair's mean over the years the forecaster saw.

Arrays are (P, Y): pairs by years, NaN where a pair has no observation.
"""

from __future__ import annotations

import numpy as np


def persistence(observed: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Each pair's last observed value among the years marked `seen` (Y,), carried to every year
    (NaN for a pair never observed then)."""
    out = np.full(observed.shape, np.nan)
    for p in range(observed.shape[0]):
        known = np.flatnonzero(seen & np.isfinite(observed[p]))
        if known.size:
            out[p] = observed[p, known[-1]]
    return out


def pair_mean(observed: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Each pair's mean over the years marked `seen`, carried to every year."""
    x = np.where(seen[None, :], observed, np.nan)
    with np.errstate(invalid="ignore"):
        count = np.isfinite(x).sum(axis=1)
        mean = np.where(count > 0, np.nansum(x, axis=1) / np.maximum(count, 1), np.nan)
    return np.repeat(mean[:, None], observed.shape[1], axis=1)


def mae(predicted: np.ndarray, observed: np.ndarray, mask: np.ndarray) -> float:
    """Mean absolute error over the cells of mask (and of data)."""
    ok = mask & np.isfinite(observed) & np.isfinite(predicted)
    return float(np.abs(predicted - observed)[ok].mean()) if ok.any() else float("nan")


def coverage(low: np.ndarray, high: np.ndarray, observed: np.ndarray, mask: np.ndarray) -> float:
    """Share of observed cells of mask that fall inside [low, high]."""
    ok = mask & np.isfinite(observed)
    inside = (observed >= low) & (observed <= high)
    return float(inside[ok].mean()) if ok.any() else float("nan")


def skill_score(mae_model: float, mae_reference: float) -> float:
    """1 - MAE_model / MAE_reference: 1 is perfect, 0 no better than the reference, below 0 worse."""
    return 1.0 - mae_model / mae_reference if mae_reference > 0 else float("nan")


def score(median: np.ndarray, low: np.ndarray, high: np.ndarray, observed: np.ndarray, scored: np.ndarray,
          baselines: dict[str, np.ndarray]) -> dict[str, float]:
    """One row of the skill table: the years `scored` (Y,), against each named baseline (P, Y).

    Returns
    -------
    cells, mae_model, coverage90, and for each baseline NAME: mae_NAME and skill_NAME
    (1 - MAE_model / MAE_NAME).
    """
    mask = np.broadcast_to(scored[None, :], observed.shape)
    m = mae(median, observed, mask)
    row = {"cells": int((mask & np.isfinite(observed)).sum()), "mae_model": m,
           "coverage90": coverage(low, high, observed, mask)}
    for name, values in baselines.items():
        ref = mae(values, observed, mask)
        row[f"mae_{name}"] = ref
        row[f"skill_{name}"] = skill_score(m, ref)
    return row
