"""Issue interests: salience-weighted similarity of positions."""

from __future__ import annotations

import numpy as np


def normalise_salience(sal: np.ndarray) -> np.ndarray:
    """Rows sum to 1 (an actor that cares about nothing weighs all issues equally)."""
    total = sal.sum(axis=-1, keepdims=True)
    k = sal.shape[-1]
    return np.where(total > 0, sal / np.where(total > 0, total, 1.0), 1.0 / k)


def similarity(pos: np.ndarray, sal: np.ndarray) -> np.ndarray:
    """Directed interest similarity Sim[i, j] in [-1, 1], seen through i's salience.

    pos, sal: (R, N, K) with positions in [-1, 1]. Sim = 1 - sum_k w_ik |p_ik - p_jk|;
    the distance is at most 2, so identical interests give 1 and opposite ones -1.
    """
    w = normalise_salience(sal)
    dist = np.abs(pos[:, :, None, :] - pos[:, None, :, :])  # (R, N, N, K)
    return 1.0 - np.einsum("rik,rijk->rij", w, dist)
