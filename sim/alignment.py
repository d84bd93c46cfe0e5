"""Alignment: the directed stance of each actor toward each other, in [-1, 1].

Its dynamics are in sim/dynamics.py (_drive, _update); this module holds the derived views."""

from __future__ import annotations

import numpy as np


def mutual(a: np.ndarray) -> np.ndarray:
    """Symmetric mutual alignment (A + A^T) / 2 over the last two axes."""
    return 0.5 * (a + np.swapaxes(a, -1, -2))
