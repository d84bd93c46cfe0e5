"""An experiment folder as its figures read it: manifest.json, the CSV tables and samples.npz.

The figures read nothing else, so `alignsim plot DIR` redraws them from the folder alone.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from sim.figures import style as plot


def read_rows(path: Path) -> list[dict]:
    """The rows of a CSV table as dicts; none when the experiment did not write the table."""
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def num(x: str) -> float:
    """A table cell as a number; NaN for an empty cell."""
    return float(x) if x not in ("", None) else float("nan")


class Saved:
    """What the figures need, read from an experiment folder: the manifest and every table.

    samples.npz, large for big experiments, is read only when a figure asks for `arrays`.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.man = json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
        self.actors = self.man["actors"]
        self.names = self.man["names"]
        self.outcomes = {o["name"]: o for o in self.man["outcomes"]}
        self.scen = self.man["scenarios"]
        self.compare = read_rows(self.folder / "compare.csv")
        self.fan = read_rows(self.folder / "compare_fan.csv")
        self.sweep = read_rows(self.folder / "sweep.csv")
        self.sobol = read_rows(self.folder / "sobol.csv")
        self.prim = read_rows(self.folder / "prim.csv")
        self.prim_box = read_rows(self.folder / "prim_box.csv")
        self._npz = None

    def arrays(self) -> dict:
        """samples.npz as name -> array, read on first use."""
        if self._npz is None:
            with np.load(self.folder / "samples.npz") as z:
                self._npz = {k: z[k] for k in z.files}
        return self._npz

    def colour(self, outcome: str) -> str:
        """The colour of an outcome: that of its first two actors' pair."""
        a, b = self.outcomes[outcome]["actors"][:2]
        return plot.pair_colour(self.actors, a, b)

    def desc(self, outcome: str) -> str:
        """The outcome in plain words, as the manifest records it."""
        return self.outcomes[outcome]["description"]

    def title_of(self, label: str) -> str:
        """The title of the scenario with this label."""
        return self.scen[label]["title"]

    def short(self, label: str) -> str:
        """The scenario title up to a colon ('Malacca disrupted'), for running text."""
        return self.title_of(label).split(":")[0].strip()
