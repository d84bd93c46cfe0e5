"""The page's base scenario and its ensemble, in plain Python (no Solara), so it is unit-tested.

The page's edits (params.py) go through `scenario.load(path, overrides)`, the same path as
`alignsim run SCENARIO --set ...`, so the page, the command line and an exported scenario
file (export.py) resolve to the same parameters and, with the same seed, the same numbers.
`compute` raises ScenarioError for settings that cannot be run; the page shows it as a
message, so a bad value never takes the server down.
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim import scenario
from sim.apps.dashboard.params import Control, controls
from sim.core.errors import ScenarioError
from sim.core.pairs import mutual
from sim.engine import tables
from sim.engine.ensemble import Ensemble, run_ensemble
from sim.engine.run import DEFAULT_SEED as CLI_SEED
from sim.figures.style import DASH

DEFAULT_RUNS = 200
DEFAULT_SEED = CLI_SEED          # the command line's default, so a page and `alignsim run` agree unless told
MAX_RUNS = 5000                  # keeps one ensemble under ~250 MB and a page update within seconds
MAX_SEED = 2**63 - 1


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Entry:
    """A scenario file of the catalog: its name (the file's stem), title, or why it cannot be loaded."""
    name: str
    path: Path
    title: str
    error: str | None = None


def catalog(folder, extra=()) -> list[Entry]:
    """Scenario files in `folder` (and any extra paths), each with its title or its error."""
    paths = sorted(Path(folder).glob("*.toml")) if folder and Path(folder).is_dir() else []
    seen = {p.resolve() for p in paths}
    for p in extra:
        p = Path(p)
        if p.resolve() not in seen:
            paths.append(p)
            seen.add(p.resolve())
    out = []
    for p in paths:
        try:
            s = scenario.load(p)
            out.append(Entry(p.stem, p, s.title))
        except ScenarioError as exc:
            out.append(Entry(p.stem, p, p.stem, str(exc)))
        except Exception as exc:   # noqa: BLE001 - a broken file must not hide the others
            out.append(Entry(p.stem, p, p.stem, f"{type(exc).__name__}: {exc}"))
    return out


def chain(path) -> list[Path]:
    """The file and the files it extends, child first."""
    out, p = [], Path(path).resolve()
    while p not in out and p.is_file():
        out.append(p)
        try:
            parent = scenario.read_toml(p).get("extends")
        except ScenarioError:
            break
        if not isinstance(parent, str):
            break
        p = (p.parent / parent).resolve()
    return out


def stamp(path) -> tuple:
    """Changes whenever a file of the extends chain changes (for caches)."""
    return tuple((str(p), p.stat().st_mtime_ns) for p in chain(path))


@dataclass
class Base:
    """A base scenario file as the page shows it."""
    path: Path
    data: dict                      # the resolved file (extends merged)
    scen: scenario.Scenario         # loaded without overrides
    controls: list[Control]

    @classmethod
    def load(cls, path) -> "Base":
        """Resolve and load the file at `path` (without overrides) and derive its controls."""
        path = Path(path)
        data = scenario.resolve_file(path)
        scen = scenario.load(path)
        return cls(path, data, scen, controls(data))

    def control(self, key: str) -> Control:
        """The control of a --set key path; KeyError if the page has none."""
        for c in self.controls:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def actor_groups(self) -> list[tuple[str, str, list[Control]]]:
        """(actor id, display name, its controls) per actor, in the scenario's order."""
        names = self.scen.display
        return [(aid, names[aid], [c for c in self.controls if c.group == aid]) for aid in self.scen.actor_ids]

    @property
    def shock_controls(self) -> list[tuple[Control, Control]]:
        """(switch, intensity) per shock."""
        sw = [c for c in self.controls if c.kind == "switch"]
        return [(s, self.control(s.key.rsplit(".", 1)[0] + ".intensity")) for s in sw]


# ---- the one load path: scenario.load(path, overrides), as `alignsim run --set`

def load(path, overrides=()) -> scenario.Scenario:
    """scenario.load(path, overrides): exactly what `alignsim run PATH --set ...` loads."""
    return scenario.load(Path(path), tuple(overrides))


# --------------------------------------------------------------------------- results


@dataclass
class Result:
    """One ensemble as the page shows it, with the base scenario's for comparison."""
    scen: scenario.Scenario
    ens: Ensemble
    overrides: tuple[str, ...]
    q: np.ndarray                     # (5, T+1, N, N) quantiles of mutual alignment (as quantiles.csv)
    base_q: np.ndarray | None         # the same for the base scenario (None when nothing changed)
    seconds: float
    _mut: dict = field(default_factory=dict, repr=False)

    @property
    def runs(self) -> int:
        """Number of runs of the ensemble."""
        return self.ens.runs

    @property
    def seed(self) -> int:
        """Root seed of the ensemble."""
        return self.ens.seed

    @property
    def dates(self) -> list[str]:
        """The date ("YYYY-MM") of every step, 0 to the horizon."""
        return [self.scen.date(t) for t in range(self.ens.steps + 1)]

    def mutual_at(self, t: int) -> np.ndarray:
        """Mutual alignment of every run at step t, (runs, N, N) float64, computed once per step."""
        if t not in self._mut:
            self._mut[t] = mutual(self.ens.alignment[:, t].astype(np.float64))
        return self._mut[t]


def mutual_quantiles(e: Ensemble) -> np.ndarray:
    """Quantiles over runs of mutual alignment, (5, T+1, N, N), computed as `alignsim run`
    computes quantiles.csv (sim.engine.folder: float64 mutual alignment of the stored float32
    directed alignment, numpy's default quantile), so the page shows the file's numbers."""
    return np.quantile(mutual(e.alignment.astype(np.float64)), tables.QUANTILES, axis=0)


@functools.lru_cache(maxsize=4)
def _ensemble(path: str, st: tuple, overrides: tuple, runs: int, seed: int):
    scen = load(path, overrides)
    e = run_ensemble(scen, runs, seed)
    return scen, e, mutual_quantiles(e)


_COMPUTE_LOCK = threading.Lock()


def compute(path, overrides, runs: int, seed: int) -> Result:
    """The page's ensemble, with the base scenario's quantiles when there are overrides.

    Parameters
    ----------
    path : the base scenario file.
    overrides : the page's changes as --set strings (params.override_lines).
    runs, seed : the ensemble's size and root seed.

    Cached by the contents of the file and of the files it extends, the overrides, runs and
    seed. Raises ScenarioError if the overrides do not load.
    """
    t0 = time.perf_counter()
    path = str(Path(path))
    st = stamp(path)
    overrides = tuple(overrides)
    with _COMPUTE_LOCK:
        scen, e, q = _ensemble(path, st, overrides, runs, seed)
        base_q = _ensemble(path, st, (), runs, seed)[2] if overrides else None
    return Result(scen, e, overrides, q, base_q, time.perf_counter() - t0)


@dataclass(frozen=True)
class PairRow:
    """One pair's row of the page's summary table at one date."""
    a: str
    b: str
    label: str
    q05: float
    q25: float
    q50: float
    q75: float
    q95: float
    above: float                  # share of runs with mutual alignment > 0.5
    below: float                  # share of runs < -0.5
    base_q50: float | None


def pair_rows(r: Result, pairs, t: int) -> list[PairRow]:
    """The summary table's rows.

    Parameters
    ----------
    r : the page's result.
    pairs : (actor id, actor id) per row; each row names its pair in the scenario's actor order.
    t : the step of the table's date.
    """
    ids = list(r.scen.actor_ids)
    names = r.scen.display
    m = r.mutual_at(t)
    out = []
    for a, b in pairs:
        i, j = sorted((ids.index(a), ids.index(b)))
        v = m[:, i, j]
        qs = r.q[:, t, i, j]
        out.append(PairRow(ids[i], ids[j], f"{names[ids[i]]} {DASH} {names[ids[j]]}",
                           *(float(x) for x in qs), float((v > 0.5).mean()), float((v < -0.5).mean()),
                           None if r.base_q is None else float(r.base_q[2, t, i, j])))
    return out


def all_pairs(scen) -> list[tuple[str, str]]:
    """Every unordered pair of actors, in the scenario's actor order."""
    ids = list(scen.actor_ids)
    return [(a, b) for k, a in enumerate(ids) for b in ids[k + 1:]]


def pair_label(scen, p) -> str:
    """A pair as the page names it: "Iran – China"."""
    n = scen.display
    return f"{n[p[0]]} {DASH} {n[p[1]]}"


def default_pairs(scen) -> list[tuple[str, str]]:
    """The scenario's key pairs, each in the scenario's actor order: the page's first choice."""
    ids = list(scen.actor_ids)
    return [tuple(sorted(p, key=ids.index)) for p in scen.key_pairs]
