"""The four kinds of analysis an experiment file lists (compare, sweep, sensitivity and
discovery) as typed objects, and how one ``[[analyses]]`` table is read into one of them. The
fields each kind takes are described with the file format in `sim.experiments.spec`.

Each type and its parser sit together, so that a field added to a type is read in the same
module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sim.core.errors import ScenarioError
from sim.experiments.outcomes import NAME_CHARS, check_names
from sim.experiments.parameters import Parameter, parse_parameters
from sim.scenario.schema import Table, check_ident, close_matches

TYPES = ("compare", "sweep", "sensitivity", "discovery", "attribution")


@dataclass(frozen=True)
class Analysis:
    """What every analysis has: a name (it names files and figures) and a title.

    Subclasses set ``type``, the value of ``type =`` in the file, and ``fields``, the keys
    their table may hold besides ``type``, ``name`` and ``title``.
    """

    name: str
    title: str
    type: ClassVar[str] = ""
    fields: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict:
        """The analysis as JSON-ready data for manifest.json.

        Returns
        -------
        dict
            ``type`` and every field; parameters as dicts, tuples as lists.
        """
        out = {"type": self.type}
        for k, v in self.__dict__.items():
            if k == "parameters":
                v = [p.__dict__ for p in v]
            elif isinstance(v, tuple):
                v = [list(x) if isinstance(x, tuple) else x for x in v]
            out[k] = v
        return out


@dataclass(frozen=True)
class Compare(Analysis):
    """Outcomes under two or more scenarios, and each one's paired difference from a baseline.

    Parameters
    ----------
    scenarios : tuple of str
        Labels from ``[scenarios]``; every one runs with the experiment's seed, so run r of each
        shares its random numbers.
    baseline : str
        The label the others are compared against.
    outcomes : tuple of str
        Names from ``[[outcomes]]``.
    pairs : tuple of (str, str)
        Actor pairs for the difference fan charts.
    runs : int
        Runs per scenario.
    """

    scenarios: tuple[str, ...] = ()
    baseline: str = ""
    outcomes: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    runs: int = 0
    type: ClassVar[str] = "compare"
    fields: ClassVar[tuple[str, ...]] = ("scenarios", "baseline", "outcomes", "pairs", "runs")


@dataclass(frozen=True)
class Sweep(Analysis):
    """Outcomes over a grid or Latin hypercube of parameter values on one scenario.

    Parameters
    ----------
    scenario : str
        A label from ``[scenarios]``.
    method : {"grid", "lhs"}
        ``grid``: every combination of `points` values per parameter; ``lhs``: `points` Latin
        hypercube points in all.
    parameters : tuple of Parameter
    points : int
    runs : int
        Runs per point.
    outcomes : tuple of str
    """

    scenario: str = ""
    method: str = "grid"
    parameters: tuple[Parameter, ...] = ()
    points: int = 0
    runs: int = 0
    outcomes: tuple[str, ...] = ()
    type: ClassVar[str] = "sweep"
    fields: ClassVar[tuple[str, ...]] = ("scenario", "method", "parameters", "points", "runs", "outcomes")

    @property
    def n_points(self) -> int:
        """Points in parameter space: ``points ** d`` for a grid, ``points`` for a hypercube."""
        return self.points ** len(self.parameters) if self.method == "grid" else self.points


@dataclass(frozen=True)
class Sensitivity(Analysis):
    """Sobol' indices of outcomes over parameters (Saltelli's design, bootstrap intervals).

    Parameters
    ----------
    scenario : str
    parameters : tuple of Parameter
        At least two.
    samples : int
        Base samples n, a power of two: the design has ``n (d + 2)`` points.
    runs : int
        Runs per point; their mean is the point's value.
    outcomes : tuple of str
    bootstrap : int
        Resamples for the intervals.
    confidence : float
        Confidence level of the intervals.
    """

    scenario: str = ""
    parameters: tuple[Parameter, ...] = ()
    samples: int = 0
    runs: int = 0
    outcomes: tuple[str, ...] = ()
    bootstrap: int = 1000
    confidence: float = 0.95
    type: ClassVar[str] = "sensitivity"
    fields: ClassVar[tuple[str, ...]] = ("scenario", "parameters", "samples", "runs", "outcomes",
                                         "bootstrap", "confidence")

    @property
    def n_points(self) -> int:
        """Points of the Saltelli design: ``samples * (d + 2)``."""
        return self.samples * (len(self.parameters) + 2)


@dataclass(frozen=True)
class Discovery(Analysis):
    """Scenario discovery: PRIM boxes in parameter space where a yes/no outcome concentrates.

    Parameters
    ----------
    scenario : str
    parameters : tuple of Parameter
    samples : int
        Latin hypercube points.
    runs : int
        Runs per point; each run is one case.
    outcome : str
        A yes/no outcome.
    peel_alpha, paste_alpha, mass_min, min_coverage, threshold, boxes
        PRIM's settings, as `sim.analysis.discovery.prim` takes them.
    """

    scenario: str = ""
    parameters: tuple[Parameter, ...] = ()
    samples: int = 0
    runs: int = 1
    outcome: str = ""
    peel_alpha: float = 0.05
    paste_alpha: float = 0.05
    mass_min: float = 0.05
    min_coverage: float = 0.5
    threshold: float | None = None
    boxes: int = 1
    type: ClassVar[str] = "discovery"
    fields: ClassVar[tuple[str, ...]] = ("scenario", "parameters", "samples", "runs", "outcome", "peel_alpha",
                                         "paste_alpha", "mass_min", "min_coverage", "threshold", "boxes")

    @property
    def n_points(self) -> int:
        """Points in parameter space: the samples."""
        return self.samples


ANALYSES = {c.type: c for c in (Compare, Sweep, Sensitivity, Discovery)}


# ------------------------------------------------------------------------ parsing


@dataclass(frozen=True)
class _Context:
    """What an analysis table is checked against, and where its defaults come from."""

    scenarios: dict               # label -> Scenario
    outcomes: dict                # name -> Outcome
    runs: int                     # the experiment's runs
    runs_override: int | None     # replaces every analysis's runs (tests, quick looks)
    labels: dict                  # parameter key path -> display label
    scale: float = 1.0            # --scale: multiplies every analysis's own runs


def parse_analysis(t: Table, scenarios: dict, outcomes: dict, base_runs: int, runs_override: int | None,
                   labels: dict, scale: float = 1.0) -> Analysis:
    """Read one ``[[analyses]]`` table into its typed object.

    Parameters
    ----------
    t : sim.scenario.schema.Table
        The table, with its key path (``analyses[k]``) for error messages.
    scenarios : dict
        The experiment's scenarios, label -> `sim.scenario.Scenario`.
    outcomes : dict
        The experiment's outcomes, name -> `sim.experiments.outcomes.Outcome`.
    base_runs : int
        The experiment's ``runs``: the default runs per scenario or point.
    runs_override : int or None
        When given, it replaces the runs of every analysis.
    labels : dict
        Display labels of parameters, by key path.
    scale : float
        ``--scale``: every analysis's own runs (per scenario or per point) times this, rounded,
        at least 1. The experiment's total runs scale by about the same factor.

    Returns
    -------
    Analysis
        A `Compare`, `Sweep`, `Sensitivity` or `Discovery`.

    Raises
    ------
    ScenarioError
        On an unknown type or key (naming the nearest allowed ones), a bad value, or a label,
        outcome or actor not declared. Whether the machine can hold the runs is checked before
        running (sim.experiments.plan).
    """
    kind = t.raw("type")
    if not isinstance(kind, str) or kind not in ANALYSES:     # "attribution": sim.experiments.spec reads it
        raise ScenarioError(t.file, t.at("type"), kind, "one of " + ", ".join(TYPES)
                            + (close_matches(kind, TYPES) if isinstance(kind, str) else ""))
    cls = ANALYSES[kind]
    t.finish(("type", "name", "title") + cls.fields)     # unknown keys first, with the nearest ones
    name = check_name(t, "name", default=None) if t.has("name") else _default_name(kind, t.path)
    title = t.string("title", default="")
    ctx = _Context(scenarios, outcomes, base_runs, runs_override, labels, scale)
    if cls is Compare:
        return _parse_compare(t, ctx, name, title)
    label = _scenario_label(t, ctx)
    scen = scenarios[label]
    head = (name, title, label, parse_parameters(t, scen, labels))
    return {Sweep: _parse_sweep, Sensitivity: _parse_sensitivity, Discovery: _parse_discovery}[cls](t, ctx, *head)


def check_name(t: Table, key: str, default=None) -> str:
    """Read a name that names files: lower-case letters, digits and ``_``.

    Parameters
    ----------
    t : sim.scenario.schema.Table
    key : str
        The key holding the name.
    default : str, optional
        The name when the key is absent; without it, the key is required.

    Returns
    -------
    str

    Raises
    ------
    ScenarioError
        If the name is empty or holds any other character.
    """
    raw = t.string(key, default=default)
    if not raw or not set(raw) <= NAME_CHARS:
        raise ScenarioError(t.file, t.at(key), raw, "lower-case letters, digits and _ (it names files)")
    return raw


def _parse_compare(t: Table, ctx: _Context, name: str, title: str) -> Compare:
    scenarios = ctx.scenarios
    labels_ = t.raw("scenarios", default=list(scenarios))
    if not isinstance(labels_, list) or len(labels_) < 2:
        raise ScenarioError(t.file, t.at("scenarios"), labels_, "a list of at least two labels from [scenarios]")
    for k, s in enumerate(labels_):
        if not isinstance(s, str) or s not in scenarios:
            raise ScenarioError(t.file, f"{t.at('scenarios')}[{k}]", s, "a label from [scenarios]: "
                                + ", ".join(scenarios) + (close_matches(s, scenarios) if isinstance(s, str) else ""))
    if len(set(labels_)) != len(labels_):
        raise ScenarioError(t.file, t.at("scenarios"), labels_, "each scenario once")
    base = t.raw("baseline", default=labels_[0])
    if not isinstance(base, str) or base not in labels_:
        raise ScenarioError(t.file, t.at("baseline"), base, "one of the compared scenarios: " + ", ".join(labels_))
    chosen = {s: scenarios[s] for s in labels_}
    known = [a for a in chosen[base].actor_ids if all(a in s.actor_ids for s in chosen.values())]
    starts = {s.start for s in chosen.values()}
    if len(starts) != 1:
        raise ScenarioError(t.file, t.at("scenarios"), labels_,
                            "compared scenarios must start in the same month (paired runs share dates)")
    raw_pairs = t.raw("pairs", default=None)
    if raw_pairs is None:
        pairs = tuple(p for p in chosen[base].key_pairs if p[0] in known and p[1] in known)
    else:
        pairs = _parse_pairs(t, raw_pairs, known)
    return Compare(name, title, tuple(labels_), base, _outcome_names(t, ctx), pairs, _runs(t, ctx, ctx.runs))


def _parse_pairs(t: Table, raw_pairs, known: list[str]) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw_pairs, list) or not raw_pairs:
        raise ScenarioError(t.file, t.at("pairs"), raw_pairs, 'a list of pairs [["a", "b"], ...]')
    pairs = []
    for k, p in enumerate(raw_pairs):
        at = f"{t.at('pairs')}[{k}]"
        if not isinstance(p, list) or len(p) != 2 or p[0] == p[1]:
            raise ScenarioError(t.file, at, p, "a pair of two different actor ids")
        pairs.append(tuple(check_ident(a, known, t.file, at) for a in p))
    return tuple(pairs)


def _parse_sweep(t: Table, ctx: _Context, name, title, label, params) -> Sweep:
    method = t.string("method", default="grid", choices=("grid", "lhs"))
    points = int(t.number("points", 2, 100_000, default=5 if method == "grid" else 50, integer=True))
    return Sweep(name, title, label, method, params, points, _runs(t, ctx, ctx.runs), _outcome_names(t, ctx))


def _parse_sensitivity(t: Table, ctx: _Context, name, title, label, params) -> Sensitivity:
    if len(params) < 2:
        raise ScenarioError(t.file, t.at("parameters"), [p.key for p in params],
                            "Sobol indices need at least two parameters")
    samples = int(t.number("samples", 8, 65536, default=256, integer=True))
    if samples & (samples - 1):
        raise ScenarioError(t.file, t.at("samples"), samples,
                            "must be a power of two (8, 16, ..., 65536): the Sobol' sequence is balanced only then")
    boot = int(t.number("bootstrap", 0, 100_000, default=1000, integer=True))
    conf = t.number("confidence", 0.5, 0.999, default=0.95)
    return Sensitivity(name, title, label, params, samples, _runs(t, ctx, min(ctx.runs, 16)),
                       _outcome_names(t, ctx), boot, conf)


def _parse_discovery(t: Table, ctx: _Context, name, title, label, params) -> Discovery:
    samples = int(t.number("samples", 20, 1_000_000, default=1000, integer=True))
    outcome = check_names(t.raw("outcome"), ctx.outcomes, t.file, t.at("outcome"), binary_only=True)
    if len(outcome) != 1:
        raise ScenarioError(t.file, t.at("outcome"), list(outcome), "one outcome name")
    thr = t.number("threshold", 0.0, 1.0) if t.has("threshold") else None
    return Discovery(name, title, label, params, samples, _runs(t, ctx, 1), outcome[0],
                     t.number("peel_alpha", 0.005, 0.5, default=0.05),
                     t.number("paste_alpha", 0.005, 0.5, default=0.05),
                     t.number("mass_min", 0.0, 0.9, default=0.05),
                     t.number("min_coverage", 0.0, 1.0, default=0.5), thr,
                     int(t.number("boxes", 1, 5, default=1, integer=True)))


def _runs(t: Table, ctx: _Context, default: int) -> int:
    r = int(t.number("runs", 1, 1_000_000, default=default, integer=True))
    if ctx.runs_override is not None:
        return ctx.runs_override
    return max(1, round(r * ctx.scale))


def _outcome_names(t: Table, ctx: _Context) -> tuple[str, ...]:
    if not t.has("outcomes"):
        return tuple(ctx.outcomes)
    return check_names(t.raw("outcomes"), ctx.outcomes, t.file, t.at("outcomes"))


def _scenario_label(t: Table, ctx: _Context) -> str:
    raw = t.raw("scenario")
    if not isinstance(raw, str) or raw not in ctx.scenarios:
        raise ScenarioError(t.file, t.at("scenario"), raw, "a label from [scenarios]: " + ", ".join(ctx.scenarios)
                            + (close_matches(raw, ctx.scenarios) if isinstance(raw, str) else ""))
    return raw


def _default_name(kind: str, path: str) -> str:
    """The name of an unnamed analysis: its type, with its index after the first table."""
    k = path[path.index("[") + 1: path.index("]")] if "[" in path else "0"
    return kind if k == "0" else f"{kind}_{k}"
