"""Outcomes declared in an experiment file, evaluated run by run on an ensemble.

An outcome is a question asked of every run: about a pair of actors or a group, a statistic,
a time and optionally a threshold, e.g.

    [[outcomes]]
    name = "iran_china_bloc"
    pair = ["iran", "china"]
    measure = "mutual"          # mutual | directed | time_above | first_crossing | same_coalition
    at = "end"                  # "YYYY-MM" or "end" (the scenario's horizon)
    above = 0.5                 # optional for mutual/directed; makes the outcome yes/no

Statistics (x is the pair's mutual alignment (A_ij + A_ji)/2; for a group, the mean of x over
the group's pairs; `directed` is A_ij, from the first actor of the pair toward the second):

    mutual          x at `at`; with above/below, the event x > above (x < below)
    directed        A_ij at `at`; with above/below, the event as above
    time_above      months t in [from, at] with x > above (or x < below); a number of months
    first_crossing  the first month t in [from, at] at which x rises above `above` (x at t-1 not
                    above) or falls below `below`; the event "it crossed by `at`"; value = months
                    after the start (NaN when it never crossed)
    same_coalition  the actors are on one side of the run's global minimum-energy two-coalition
                    structure (landscape theory, sim/analysis/coalitions.py) at `at`; an event

`from` (optional, time_above and first_crossing) is the first month counted (default: the
month after the start). Everything is vectorized over runs: one numpy expression per outcome
on the ensemble's (R, T+1, N, N) alignment array. `sim.experiments.summaries` turns the
per-run values into probabilities and means with intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.errors import ScenarioError
from sim.scenario.schema import Table, check_ident, close_matches, parse_month

MEASURES = ("mutual", "directed", "time_above", "first_crossing", "same_coalition")
FIELDS = ("name", "label", "pair", "group", "measure", "at", "from", "above", "below")
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")   # names of files and columns


@dataclass(frozen=True)
class Outcome:
    """A question asked of every run, as one ``[[outcomes]]`` table declares it.

    Parameters
    ----------
    name : str
        Names columns and arrays.
    actors : tuple of str
        The pair (two actors, in order for ``directed``) or the group.
    group : bool
        Declared as ``group = [...]`` rather than ``pair = [a, b]``.
    measure : {"mutual", "directed", "time_above", "first_crossing", "same_coalition"}
    at : str
        ``"end"`` (the scenario's horizon) or a month ``"YYYY-MM"``.
    above, below : float, optional
        The threshold, at most one of them; it makes ``mutual`` and ``directed`` yes/no.
    start : str, optional
        ``from``: the first month ``time_above`` and ``first_crossing`` count.
    label : str
        Display text; when empty, `describe` writes one.
    """

    name: str
    actors: tuple[str, ...]
    group: bool
    measure: str
    at: str
    above: float | None = None
    below: float | None = None
    start: str | None = None
    label: str = ""

    @property
    def binary(self) -> bool:
        """A yes/no outcome (summarized as a probability) rather than a number."""
        if self.measure in ("same_coalition", "first_crossing"):
            return True
        if self.measure == "time_above":
            return False
        return self.threshold is not None

    @property
    def threshold(self) -> float | None:
        """`above` or `below`, whichever is given; None without a threshold."""
        return self.above if self.above is not None else self.below

    @property
    def unit(self) -> str:
        """What the value counts: "probability", "months" or "alignment"."""
        if self.binary:
            return "probability"
        return "months" if self.measure == "time_above" else "alignment"

    def _step(self, start: tuple[int, int], steps: int) -> int:
        """The step `at` names in a scenario that starts in month `start` and has `steps` steps."""
        return steps if self.at == "end" else _month_step(self.at, start)

    def _from_step(self, start: tuple[int, int]) -> int:
        """The first step time_above and first_crossing count: that of `from`, at least 1."""
        return 1 if self.start is None else max(1, _month_step(self.start, start))

    def describe(self, names: dict, end: str = "the horizon") -> str:
        """The outcome in plain words, for tables, figures and the report.

        Parameters
        ----------
        names : dict
            Display names of actors, by id.
        end : str
            What ``at = "end"`` means, e.g. the scenarios' last month.

        Returns
        -------
        str
            `label` when given, else generated.

        Examples
        --------
        >>> o = Outcome("bloc", ("iran", "china"), False, "mutual", "end", above=0.5)
        >>> o.describe({"iran": "Iran", "china": "China"}, end="2028-01")
        'Iran–China mutual alignment above 0.5 in 2028-01'
        >>> names = {"iran": "Iran", "china": "China", "russia": "Russia"}
        >>> Outcome("eurasia", ("iran", "china", "russia"), True, "same_coalition", "end").describe(names)
        'Iran, China and Russia in one coalition in the horizon'
        """
        if self.label:
            return self.label
        who = [names.get(a, a) for a in self.actors]
        when = f"in {end}" if self.at == "end" else f"in {self.at}"
        by = f"by {end}" if self.at == "end" else f"by {self.at}"
        if self.group and self.measure != "same_coalition":
            subject = "{" + ", ".join(who) + "} mean mutual alignment"
        elif self.measure == "directed":
            subject = f"{who[0]}'s alignment toward {who[1]}"
        else:
            subject = f"{who[0]}–{who[1]} mutual alignment"
        cmp = (f"above {self.above:g}" if self.above is not None
               else f"below {self.below:g}" if self.below is not None else "")
        if self.measure == "same_coalition":
            joined = " and ".join([", ".join(who[:-1]), who[-1]]) if len(who) > 2 else " and ".join(who)
            return f"{joined} in one coalition {when}"
        span = by if self.start is None else f"between {self.start} and {by[3:]}"
        if self.measure == "time_above":
            return f"months {subject} is {cmp}, {span}"
        if self.measure == "first_crossing":
            verb = "rises above" if self.above is not None else "falls below"
            return f"{subject} {verb} {self.threshold:g} {span}"
        return f"{subject} {cmp} {when}".replace("  ", " ")

    def to_dict(self) -> dict:
        """The outcome as JSON-ready data for manifest.json.

        Returns
        -------
        dict
            The fields (`start` as ``"from"``), `binary` and `unit`.
        """
        return {"name": self.name, "actors": list(self.actors), "group": self.group,
                "measure": self.measure, "at": self.at, "above": self.above, "below": self.below,
                "from": self.start, "label": self.label, "binary": self.binary, "unit": self.unit}

    # ---------------------------------------------------------------- evaluation

    def evaluate(self, ensemble) -> "Values":
        """The outcome on every run of an ensemble.

        Parameters
        ----------
        ensemble : sim.engine.ensemble.Ensemble
            With the ``alignment`` array (R, T+1, N, N); its scenario names the actors.

        Returns
        -------
        Values
            The value (R,) float64 and, for yes/no outcomes, the event (R,) bool.
        """
        scen = ensemble.scenario
        ids = list(scen.actor_ids)
        idx = [ids.index(a) for a in self.actors]
        t = self._step(scen.start, ensemble.steps)
        a = ensemble.arrays["alignment"]
        if self.measure == "same_coalition":
            from sim.analysis.coalitions import coalition_structure
            sides = coalition_structure(ensemble, [t]).sides[:, 0]     # (R, n)
            together = np.all(sides[:, idx] == sides[:, idx[:1]], axis=1)
            return Values(together.astype(np.float64), together)
        if self.measure in ("mutual", "directed"):
            x = _series(a[:, t:t + 1], idx, self.measure == "directed")[:, 0]
            if self.threshold is None:
                return Values(x, None)
            return Values(x, self._side(x))
        t0 = self._from_step(scen.start)
        x = _series(a[:, : t + 1], idx, False)            # (R, t+1) steps 0..t
        hit = self._side(x)
        if self.measure == "time_above":
            months = hit[:, t0: t + 1].sum(axis=1).astype(np.float64)
            return Values(months, None)
        # first_crossing: not across at t-1, across at t, for t in [t0, t]
        cross = hit[:, 1:] & ~hit[:, :-1]                  # crossing into step 1..t
        cross[:, : max(t0 - 1, 0)] = False
        any_cross = cross.any(axis=1)
        first = np.where(any_cross, np.argmax(cross, axis=1) + 1, -1).astype(np.float64)
        first[~any_cross] = np.nan
        return Values(first, any_cross)

    def _side(self, x: np.ndarray) -> np.ndarray:
        return x > self.above if self.above is not None else x < self.below


@dataclass
class Values:
    """An outcome's value on each run.

    Parameters
    ----------
    value : ndarray of shape (R,), float64
        The statistic; NaN where ``first_crossing`` never crossed.
    event : ndarray of shape (R,), bool, or None
        Whether the event happened, for yes/no outcomes.
    """

    value: np.ndarray
    event: np.ndarray | None

    def target(self) -> np.ndarray:
        """What analyses average.

        Returns
        -------
        ndarray of shape (R,), float64
            The event as 0/1 for yes/no outcomes, else the value.
        """
        return self.event.astype(np.float64) if self.event is not None else self.value


def _series(a: np.ndarray, idx: list[int], directed: bool) -> np.ndarray:
    """(R, S) float64: directed A_ij, or mutual alignment of a pair / mean over a group's pairs."""
    if directed:
        return a[:, :, idx[0], idx[1]].astype(np.float64)
    vals = [0.5 * (a[:, :, i, j].astype(np.float64) + a[:, :, j, i])
            for k, i in enumerate(idx) for j in idx[k + 1:]]
    return vals[0] if len(vals) == 1 else np.mean(vals, axis=0)


def _month_step(month: str, start: tuple[int, int]) -> int:
    y, m = (int(p) for p in month.split("-"))
    return (y - start[0]) * 12 + (m - start[1])


# -------------------------------------------------------------------- parsing


def parse_outcome(t: Table, scenarios: dict) -> Outcome:
    """Read one ``[[outcomes]]`` table, checked against every scenario of the experiment.

    Parameters
    ----------
    t : sim.scenario.schema.Table
        The table, with its key path (``outcomes[k]``) for error messages.
    scenarios : dict
        Label -> `sim.scenario.Scenario`: the actors must be in all of them, and the months
        within each one's span.

    Returns
    -------
    Outcome

    Raises
    ------
    ScenarioError
        On an unknown key, a bad name or measure, an actor missing from a scenario, a month
        outside a scenario, or a threshold the measure does not take (or lacks).
    """
    name = t.string("name")
    if not name or not set(name) <= NAME_CHARS or name[0].isdigit():
        raise ScenarioError(t.file, t.at("name"), name,
                            "a name of lower-case letters, digits and _ (used in file and column names)")
    label = t.string("label", default="")
    measure = t.string("measure", choices=MEASURES)
    if measure not in MEASURES:   # pragma: no cover - string() already checked
        raise ScenarioError(t.file, t.at("measure"), measure, "one of " + ", ".join(MEASURES))
    known = _common_actors(scenarios)
    if t.has("pair") == t.has("group"):
        raise ScenarioError(t.file, t.path, "(pair / group)",
                            'give exactly one of pair = ["a", "b"] or group = ["a", "b", ...]')
    group = t.has("group")
    key = "group" if group else "pair"
    raw = t.raw(key)
    if not isinstance(raw, list) or (len(raw) != 2 if not group else len(raw) < 2):
        need = "a list of two different actor ids" if not group else "a list of at least two actor ids"
        raise ScenarioError(t.file, t.at(key), raw, need)
    actors = tuple(check_ident(a, known, t.file, f"{t.at(key)}[{k}]") for k, a in enumerate(raw))
    if len(set(actors)) != len(actors):
        raise ScenarioError(t.file, t.at(key), raw, "the actors must differ")
    if measure == "directed" and group:
        raise ScenarioError(t.file, t.at("measure"), measure,
                            "directed alignment needs pair = [from, to], not a group")
    at = _parse_at(t, "at", scenarios, default="end")
    start = _parse_at(t, "from", scenarios, default=None) if t.has("from") else None
    if start is not None and measure not in ("time_above", "first_crossing"):
        raise ScenarioError(t.file, t.at("from"), start, "only time_above and first_crossing take from")
    above = t.number("above", -1.0, 1.0) if t.has("above") else None
    below = t.number("below", -1.0, 1.0) if t.has("below") else None
    if above is not None and below is not None:
        raise ScenarioError(t.file, t.at("below"), below, "give above or below, not both")
    if measure == "same_coalition" and (above is not None or below is not None):
        k = "above" if above is not None else "below"
        raise ScenarioError(t.file, t.at(k), t.raw(k), "same_coalition takes no threshold")
    if measure in ("time_above", "first_crossing") and above is None and below is None:
        raise ScenarioError(t.file, t.path, "(above / below)",
                            f"{measure} needs a threshold: above = x or below = x, in [-1, 1]")
    if start is not None and at != "end":
        s0 = next(iter(scenarios.values())).start
        if _month_step(start, s0) > _month_step(at, s0):
            raise ScenarioError(t.file, t.at("from"), start, f"must not be after at = {at}")
    t.finish(FIELDS)
    return Outcome(name, actors, group, measure, at, above, below, start, label)


def _common_actors(scenarios: dict) -> list[str]:
    lists = [list(s.actor_ids) for s in scenarios.values()]
    return [a for a in lists[0] if all(a in other for other in lists[1:])]


def _parse_at(t: Table, key: str, scenarios: dict, default):
    raw = t.raw(key, default)
    if raw == "end" and key == "at":
        return "end"
    if raw is None:
        return None
    parse_month(raw, t.file, t.at(key))
    for label, s in scenarios.items():
        step = _month_step(raw, s.start)
        if step < 0 or step > s.steps:
            end = s.date(s.steps)
            raise ScenarioError(t.file, t.at(key), raw,
                                f'must lie within scenario "{label}" ({s.date(0)} .. {end}), or be "end"')
    return raw


def check_names(names, outcomes: dict, file, path: str, binary_only: bool = False) -> tuple[str, ...]:
    """Check outcome names an analysis refers to.

    Parameters
    ----------
    names : str or list of str
        As written in the file; a single name stands for a list of one.
    outcomes : dict
        The declared outcomes, by name.
    file, path
        The file and key path, for error messages.
    binary_only : bool
        Accept yes/no outcomes only.

    Returns
    -------
    tuple of str

    Raises
    ------
    ScenarioError
        On an empty list, an undeclared name (naming the nearest ones), or a numeric outcome
        where `binary_only`.
    """
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names:
        raise ScenarioError(file, path, names, "a list of outcome names from [[outcomes]]")
    for k, n in enumerate(names):
        if not isinstance(n, str) or n not in outcomes:
            raise ScenarioError(file, f"{path}[{k}]" if len(names) > 1 else path, n,
                                "unknown outcome; declared: " + ", ".join(outcomes)
                                + (close_matches(n, outcomes) if isinstance(n, str) else ""))
        if binary_only and not outcomes[n].binary:
            raise ScenarioError(file, f"{path}[{k}]" if len(names) > 1 else path, n,
                                "needs a yes/no outcome: give it a threshold (above/below), or use "
                                "same_coalition or first_crossing")
    return tuple(names)
