"""The UN General Assembly agreement data as the calibration uses it: read, checked against a
scenario, and put through the measurement model (sim.analysis.measurement).

Every problem with the data is a ScenarioError naming the file and what is wrong, on one line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.analysis import measurement
from sim.core.errors import ScenarioError
from sim.core.paths import UNGA_AGREEMENT

REQUIRED = ("year", "a", "b", "votes", "agreement_index")
DEFAULT_DATA = UNGA_AGREEMENT


@dataclass(frozen=True)
class Votes:
    """Rows of a yearly pair-agreement file: (n,) arrays."""
    file: Path
    year: np.ndarray
    a: np.ndarray
    b: np.ndarray
    votes: np.ndarray
    index: np.ndarray

    @property
    def ids(self) -> list[str]:
        """Every country id in the file, sorted."""
        return sorted(set(self.a) | set(self.b))


def read_votes(path) -> Votes:
    """The rows of a CSV with columns year, a, b, votes, agreement_index (others are ignored).

    Raises
    ------
    ScenarioError : no such file, a missing column, or a value that is not a year, a positive
        number of votes or an index in [0, 1].
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(path, None, str(path), "no such data file")
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ScenarioError(path, "columns", ",".join(reader.fieldnames or []),
                                f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                                f"needs {', '.join(REQUIRED)}")
        rows = list(reader)
    if not rows:
        raise ScenarioError(path, None, "(no rows)", "the file has a header but no data")
    year = _column(rows, "year", path, int, lambda v: 1900 <= v <= 2200, "a year")
    votes = _column(rows, "votes", path, float, lambda v: v >= 1, "a number of roll calls >= 1")
    index = _column(rows, "agreement_index", path, float, lambda v: 0.0 <= v <= 1.0, "a number in [0, 1]")
    a = np.array([r["a"].strip() for r in rows], dtype=object)
    b = np.array([r["b"].strip() for r in rows], dtype=object)
    return Votes(path, year, a, b, votes, index)


def _column(rows, name, path, kind, ok, what) -> np.ndarray:
    out = []
    for k, r in enumerate(rows):
        try:
            v = kind(float(r[name])) if kind is int and float(r[name]).is_integer() else kind(r[name])
        except (TypeError, ValueError):
            v = None
        if v is None or not ok(v):
            raise ScenarioError(path, f"row {k + 2}.{name}", r[name], f"must be {what}")
        out.append(v)
    return np.array(out)


@dataclass(frozen=True)
class Panel:
    """The data for one scenario's pairs, through the measurement model.

    Attributes
    ----------
    pairs : the scenario's unordered pairs in the data, as actor ids in file order.
    pair_index : (P, 2) their actor indices.
    years : (Y,) every year from the scenario's start to its end.
    index : (P, Y) observed agreement index (NaN: no data, or held out beyond `until`).
    z : (P, Y) its smoothed logit.
    delta : (Y,) the Assembly's year effect; NaN for years after `until`.
    delta_mean, delta_sd : the mean and standard deviation of the fitted year effects, what a
        forecast assumes for a year it has not seen.
    level0 : (P,) each pair's start level (logit scale).
    start_years : the years the start levels come from.
    until : the last year of data used.
    """
    file: Path
    pairs: tuple[tuple[str, str], ...]
    pair_index: np.ndarray
    years: np.ndarray
    index: np.ndarray
    z: np.ndarray
    delta: np.ndarray
    delta_mean: float
    delta_sd: float
    level0: np.ndarray
    start_years: tuple[int, int]
    until: int

    @property
    def used(self) -> np.ndarray:
        """(Y,) the years inside the data used (start year to `until`)."""
        return self.years <= self.until

    @property
    def start_alignment(self) -> np.ndarray:
        """(P,) the mutual alignment at the start that the data implies."""
        return measurement.alignment_of_level(self.level0)


def _scenario_years(scen) -> tuple[int, int]:
    return scen.start[0], int(scen.date(scen.steps)[:4])


def panel(votes: Votes, scen, until: int | None = None) -> Panel:
    """The data for `scen`'s pairs, its year effects fitted on every pair of the file from the year
    before the scenario's start to `until` (default: the last year of data inside the scenario).

    Raises
    ------
    ScenarioError : an actor of the scenario the data does not name, no data year inside the
        scenario, `until` outside the scenario or the data, a pair without data in the start
        years, or no pair of the scenario in the data (an empty overlap).
    """
    ids = list(scen.actor_ids)
    first, last = _scenario_years(scen)
    known = set(votes.ids)
    missing = [a for a in ids if a not in known]
    if missing:
        raise ScenarioError(votes.file, "a, b", ", ".join(missing), "unknown actor id: the scenario's "
                            f"{'actors are' if len(missing) > 1 else 'actor is'} not in the data, whose ids are "
                            + ", ".join(votes.ids))
    inside = (votes.year >= first) & (votes.year <= last)
    if not inside.any():
        raise ScenarioError(votes.file, "year", f"{votes.year.min()}-{votes.year.max()}",
                            f"years outside the scenario: it runs {first}-{last}")
    data_last = int(votes.year[inside].max())
    until = data_last if until is None else until
    if not first <= until <= data_last:
        raise ScenarioError("--until", None, until, f"must be a year of the scenario with data, {first}-{data_last}")
    pairs = [(a, b) for k, a in enumerate(ids) for b in ids[k + 1:]]
    rows = _pair_rows(votes, pairs)
    in_scenario = [(p, r) for p, r in zip(pairs, rows) if r.size and
                   ((votes.year[r] >= first) & (votes.year[r] <= until)).any()]
    if not in_scenario:
        raise ScenarioError(votes.file, "a, b", ", ".join(ids), f"empty overlap: no pair of the scenario's actors "
                            f"has data in {first}-{until}")
    return _build(votes, scen, [p for p, _ in in_scenario], [r for _, r in in_scenario], until)


def _pair_rows(votes: Votes, pairs) -> list[np.ndarray]:
    """For each pair, the rows of the data that give it (either order)."""
    out = []
    for a, b in pairs:
        out.append(np.flatnonzero(((votes.a == a) & (votes.b == b)) | ((votes.a == b) & (votes.b == a))))
    return out


def _build(votes: Votes, scen, pairs, rows, until: int) -> Panel:
    ids = list(scen.actor_ids)
    first, last = _scenario_years(scen)
    start_years = (first - 1, first)
    fit = (votes.year >= start_years[0]) & (votes.year <= until)
    z_all = measurement.smoothed_logit(votes.index, votes.votes)
    codes = np.unique(np.char.add(np.char.add(votes.a[fit].astype(str), "|"), votes.b[fit].astype(str)),
                      return_inverse=True)[1]
    fitted_years, effects = measurement.year_effects(z_all[fit], codes, votes.year[fit], start_years)
    years = np.arange(first, last + 1)
    delta = np.full(len(years), np.nan)
    for y, d in zip(fitted_years, effects):
        if first <= y <= last:
            delta[y - first] = d
    index = np.full((len(pairs), len(years)), np.nan)
    level0 = np.empty(len(pairs))
    for p, r in enumerate(rows):
        yrs = votes.year[r]
        keep = (yrs >= first) & (yrs <= until)
        index[p, yrs[keep] - first] = votes.index[r][keep]
        at_start = np.isin(yrs, start_years)
        if not at_start.any():
            raise ScenarioError(votes.file, "year", f"{pairs[p][0]}-{pairs[p][1]}",
                                f"no agreement for this pair in the start years {start_years[0]}-{start_years[1]}")
        d = effects[np.searchsorted(fitted_years, yrs[at_start])]
        level0[p] = float(np.mean(z_all[r][at_start] - d))
    z = np.full(index.shape, np.nan)
    for p, r in enumerate(rows):
        yrs = votes.year[r]
        keep = (yrs >= first) & (yrs <= until)
        z[p, yrs[keep] - first] = z_all[r][keep]
    return Panel(votes.file, tuple(pairs), np.array([[ids.index(a), ids.index(b)] for a, b in pairs]), years,
                 index, z, delta, float(effects.mean()), float(effects.std(ddof=1)) if len(effects) > 1 else 0.0,
                 level0, start_years, until)
