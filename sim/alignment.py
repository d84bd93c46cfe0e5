"""Alignment: the directed stance of each actor toward each other, in [-1, 1]."""

from __future__ import annotations

import numpy as np


def mutual(a: np.ndarray) -> np.ndarray:
    """Symmetric mutual alignment (A + A^T) / 2 over the last two axes."""
    return 0.5 * (a + np.swapaxes(a, -1, -2))


def shared_threat(threat: np.ndarray) -> np.ndarray:
    """ST[i, j] = share of i's threat perception that j shares: sum_k T_ik T_jk / sum_k T_ik."""
    total = threat.sum(axis=-1, keepdims=True)
    both = threat @ np.swapaxes(threat, -1, -2)
    return np.where(total > 1e-12, both / np.maximum(total, 1e-12), 0.0)


def balance_pressure(a: np.ndarray) -> np.ndarray:
    """B[i, j] = mean over third parties k of A_ik A_kj (Heider: friend of a friend,
    enemy of an enemy). The zero diagonal drops k = i and k = j from the sum."""
    n = a.shape[-1]
    return (a @ a) / max(n - 2, 1)


def update(a, drive, pulse, noise, inertia):
    """Move A a share `inertia` toward tanh(drive), add event pulses and noise, and clip.

    tanh keeps the target inside (-1, 1) however large the drive; the clip only catches
    pulses and noise at the edges. All arguments broadcast over (R, N, N)."""
    a = a + inertia * (np.tanh(drive) - a) + pulse + noise
    return np.clip(a, -1.0, 1.0)
