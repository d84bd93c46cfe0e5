"""Experiments: comparisons, sweeps, global sensitivity and scenario discovery over scenarios.

An experiment file (experiments/*.toml) names scenarios, declares outcomes and lists analyses:

    [experiment]
    name = "june_war_vs_baseline"          # folder and file names
    title = "..."                          # one line
    question = "..."                       # the question it answers, in plain words
    seed = 20250613                        # the root seed of every ensemble
    runs = 2000                            # runs per scenario or per parameter point

    [scenarios]                            # label = path relative to this file
    baseline = "../scenarios/baseline_2024.toml"

    [labels]                               # optional display names of parameters
    "actors.russia.reliability" = "Russia's reliability"

    [[outcomes]]                           # see sim/outcome.py
    name = "iran_china_bloc"
    pair = ["iran", "china"]
    measure = "mutual"
    at = "end"
    above = 0.5

    [[analyses]]
    type = "compare"                       # compare | sweep | sensitivity | discovery

It is validated like a scenario: every key is checked, an unknown one is an error naming the
nearest allowed keys, parameter key paths are checked against the scenario's
sim.params.parameter_keys and their ranges against what the scenario file allows; a bad value
raises ScenarioError (one line, exit 2 in the CLI).

Analyses (fields beyond `type`, optional `name` and `title`):

    compare      scenarios = [labels] (default all), baseline = label (default the first),
                 outcomes = [names] (default all), pairs = [[a, b], ...] for the difference fan
                 charts (default the baseline's key pairs). Every scenario runs with the same seed,
                 so run r of each shares its random numbers (sim/rng.py): differences are paired.
    sweep        scenario, method = "grid" | "lhs", parameters = {key = [low, high], ...},
                 points (per parameter for grid, in all for lhs), runs (per point), outcomes.
    sensitivity  scenario, parameters, samples (n, a power of two: n (d + 2) points), runs (per
                 point), outcomes, bootstrap (resamples, default 1000), confidence (0.95).
    discovery    scenario, parameters, samples (Latin hypercube points), runs (per point),
                 outcome (a yes/no outcome), peel_alpha, paste_alpha, mass_min, min_coverage,
                 threshold, boxes (see sim/analysis/discovery.py).

Sweeps, sensitivity and discovery run ONE ensemble per analysis: point p's replicate k is run
r = p * runs + k, and the parameter values reach the model as per-run values (run_values, as in
run_ensemble) indexed by global run number, so results do not depend on chunking. Every
scenario and analysis uses the experiment's seed. Ensembles are streamed chunk by chunk through
the engine (sim.ensemble.Job, sim.executor) and reduced to outcome values as they arrive, so
memory is bounded whatever the number of runs.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
from scipy.stats import qmc

from sim import scenario as scenario_mod
from sim.core.errors import ScenarioError
from sim.experiments.outcomes import Outcome, Values, check_names, paired_difference, parse_outcome, summarize, summarize_points
from sim.model.compile import parameter_keys
from sim.scenario.schema import Table, close_matches

TOP = ("experiment", "scenarios", "labels", "outcomes", "analyses")
HEAD = ("name", "title", "question", "description", "seed", "runs")
TYPES = ("compare", "sweep", "sensitivity", "discovery")
MAX_RUNS = 200_000            # runs in one ensemble: about 35 kB each for a five-actor scenario
DEFAULT_SEED = 20250613
_NAME_OK = set("abcdefghijklmnopqrstuvwxyz0123456789_")
QCOLS = ("q05", "q25", "q50", "q75", "q95")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


# ------------------------------------------------------------------ typed objects


@dataclass(frozen=True)
class Parameter:
    key: str          # key path, as for --set and sim.params.parameter_keys
    low: float
    high: float
    label: str


@dataclass(frozen=True)
class Analysis:
    name: str
    title: str
    type: ClassVar[str] = ""
    fields: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict:
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
    scenarios: tuple[str, ...] = ()
    baseline: str = ""
    outcomes: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    runs: int = 0
    type: ClassVar[str] = "compare"
    fields: ClassVar[tuple[str, ...]] = ("scenarios", "baseline", "outcomes", "pairs", "runs")


@dataclass(frozen=True)
class Sweep(Analysis):
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
        return self.points ** len(self.parameters) if self.method == "grid" else self.points


@dataclass(frozen=True)
class Sensitivity(Analysis):
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
        return self.samples * (len(self.parameters) + 2)


@dataclass(frozen=True)
class Discovery(Analysis):
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
        return self.samples


ANALYSES = {c.type: c for c in (Compare, Sweep, Sensitivity, Discovery)}


@dataclass(frozen=True)
class Experiment:
    path: Path
    name: str
    title: str
    question: str
    description: str
    seed: int
    runs: int
    scenarios: dict            # label -> Scenario
    outcomes: dict             # name -> Outcome
    analyses: tuple            # of Analysis
    labels: dict = field(default_factory=dict)   # parameter key -> display label
    text: str = ""

    @property
    def actors(self) -> list[str]:
        """Actors common to every scenario, in the first scenario's order (pair colours)."""
        lists = [list(s.actor_ids) for s in self.scenarios.values()]
        return [a for a in lists[0] if all(a in other for other in lists[1:])]

    @property
    def names(self) -> dict:
        out = {}
        for s in self.scenarios.values():
            for a, n in s.display.items():
                out.setdefault(a, n)
        return out

    @property
    def end(self) -> str:
        ends = {s.date(s.steps) for s in self.scenarios.values()}
        return ends.pop() if len(ends) == 1 else "the horizon"


# ------------------------------------------------------------------------ parsing


def load(path, runs: int | None = None) -> Experiment:
    """Read and validate an experiment file; `runs` replaces every per-point run count."""
    path = Path(path)
    data = scenario_mod.read_toml(path)
    text = path.read_text(encoding="utf-8")
    top = Table(data, path)
    head = top.table("experiment")
    name = _name(head, "name", default=path.stem)
    title = head.string("title", default=name)
    question = head.string("question", default="")
    description = head.string("description", default="")
    seed = int(head.number("seed", 0, 2**63 - 1, default=DEFAULT_SEED, integer=True))
    base_runs = int(head.number("runs", 1, 1_000_000, default=1000, integer=True))
    head.finish(HEAD)
    if runs is not None:
        if not isinstance(runs, int) or runs < 1:
            raise ScenarioError(path, "--runs", runs, "a positive integer")
        base_runs = runs

    sc = top.table("scenarios")
    scenarios = {}
    for label, rel in list(sc.items()):
        if not set(label) <= _NAME_OK or not label:
            raise ScenarioError(path, sc.at(label), label, "a label of lower-case letters, digits and _")
        if not isinstance(rel, str):
            raise ScenarioError(path, sc.at(label), rel, "a path to a scenario file, relative to this file")
        spath = path.parent / rel
        if not spath.is_file():
            raise ScenarioError(path, sc.at(label), rel, "no such file (paths are relative to this experiment file)")
        scenarios[label] = scenario_mod.load(spath)
    if not scenarios:
        raise ScenarioError(path, "scenarios", {}, 'name at least one scenario: label = "path/to/file.toml"')

    lab = top.table("labels", default={})
    labels = {}
    keys = sorted({k for s in scenarios.values() for k in parameter_keys(s)})
    for key, text_, _ in _flatten(lab.data):
        at = f'labels."{key}"'
        if key not in keys:
            raise ScenarioError(path, at, text_, "not a parameter key of any scenario here" + close_matches(key, keys))
        if not isinstance(text_, str) or not text_.strip():
            raise ScenarioError(path, at, text_, "a display label (a string)")
        labels[key] = text_
    lab.used.update(lab.data)

    raw_out = top.raw("outcomes", default=[])
    if not isinstance(raw_out, list) or not all(isinstance(o, dict) for o in raw_out):
        raise ScenarioError(path, "outcomes", raw_out, "an array of tables: [[outcomes]]")
    outcomes: dict[str, Outcome] = {}
    for k, o in enumerate(raw_out):
        oc = parse_outcome(Table(o, path, f"outcomes[{k}]"), scenarios)
        if oc.name in outcomes:
            raise ScenarioError(path, f"outcomes[{k}].name", oc.name, "already declared; names must be unique")
        outcomes[oc.name] = oc
    if not outcomes:
        raise ScenarioError(path, "outcomes", [], "declare at least one [[outcomes]] table")

    raw_an = top.raw("analyses", default=[])
    if not isinstance(raw_an, list) or not all(isinstance(a, dict) for a in raw_an) or not raw_an:
        raise ScenarioError(path, "analyses", raw_an, 'at least one [[analyses]] table with type = "compare", ...')
    analyses, seen = [], {}
    for k, a in enumerate(raw_an):
        an = _parse_analysis(Table(a, path, f"analyses[{k}]"), scenarios, outcomes, base_runs, runs, labels)
        if an.name in seen:
            raise ScenarioError(path, f"analyses[{k}].name", an.name, "already used by another analysis")
        seen[an.name] = an
        analyses.append(an)
    top.finish(TOP)
    return Experiment(path, name, title, question, description, seed, base_runs, scenarios, outcomes,
                      tuple(analyses), labels, text)


def _name(t: Table, key: str, default=None) -> str:
    raw = t.string(key, default=default)
    if not raw or not set(raw) <= _NAME_OK:
        raise ScenarioError(t.file, t.at(key), raw, "lower-case letters, digits and _ (it names files)")
    return raw


def _parse_analysis(t: Table, scenarios, outcomes, base_runs, runs_override, labels) -> Analysis:
    kind = t.raw("type")
    if not isinstance(kind, str) or kind not in ANALYSES:
        raise ScenarioError(t.file, t.at("type"), kind, "one of " + ", ".join(TYPES)
                            + (close_matches(kind, TYPES) if isinstance(kind, str) else ""))
    cls = ANALYSES[kind]
    t.finish(("type", "name", "title") + cls.fields)     # unknown keys first, with the nearest ones
    idx = t.path
    name = _name(t, "name", default=None) if t.has("name") else _default_name(kind, idx)
    title = t.string("title", default="")

    def runs_field(default):
        r = int(t.number("runs", 1, 1_000_000, default=default, integer=True))
        return runs_override if runs_override is not None else r

    def outcome_list(key="outcomes", binary=False):
        if not t.has(key):
            return tuple(outcomes)
        return check_names(t.raw(key), outcomes, t.file, t.at(key), binary_only=binary)

    def scen_label(key="scenario"):
        raw = t.raw(key)
        if not isinstance(raw, str) or raw not in scenarios:
            raise ScenarioError(t.file, t.at(key), raw, "a label from [scenarios]: " + ", ".join(scenarios)
                                + (close_matches(raw, scenarios) if isinstance(raw, str) else ""))
        return raw

    if cls is Compare:
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
            if not isinstance(raw_pairs, list) or not raw_pairs:
                raise ScenarioError(t.file, t.at("pairs"), raw_pairs, 'a list of pairs [["a", "b"], ...]')
            pairs = []
            for k, p in enumerate(raw_pairs):
                at = f"{t.at('pairs')}[{k}]"
                if not isinstance(p, list) or len(p) != 2 or p[0] == p[1]:
                    raise ScenarioError(t.file, at, p, "a pair of two different actor ids")
                from sim.scenario.schema import check_ident
                pairs.append(tuple(check_ident(a, known, t.file, at) for a in p))
            pairs = tuple(pairs)
        return Compare(name, title, tuple(labels_), base, outcome_list(), pairs, runs_field(base_runs))

    label = scen_label()
    scen = scenarios[label]
    params = _parse_parameters(t, scen, labels)
    if cls is Sweep:
        method = t.string("method", default="grid", choices=("grid", "lhs"))
        points = int(t.number("points", 2, 100_000, default=5 if method == "grid" else 50, integer=True))
        an = Sweep(name, title, label, method, params, points, runs_field(base_runs), outcome_list())
    elif cls is Sensitivity:
        if len(params) < 2:
            raise ScenarioError(t.file, t.at("parameters"), [p.key for p in params],
                                "Sobol indices need at least two parameters")
        samples = int(t.number("samples", 8, 65536, default=256, integer=True))
        if samples & (samples - 1):
            raise ScenarioError(t.file, t.at("samples"), samples,
                                "must be a power of two (8, 16, ..., 65536): the Sobol' sequence is balanced only then")
        boot = int(t.number("bootstrap", 0, 100_000, default=1000, integer=True))
        conf = t.number("confidence", 0.5, 0.999, default=0.95)
        an = Sensitivity(name, title, label, params, samples, runs_field(min(base_runs, 16)), outcome_list(),
                         boot, conf)
    else:
        samples = int(t.number("samples", 20, 1_000_000, default=1000, integer=True))
        outcome = check_names(t.raw("outcome"), outcomes, t.file, t.at("outcome"), binary_only=True)
        if len(outcome) != 1:
            raise ScenarioError(t.file, t.at("outcome"), list(outcome), "one outcome name")
        thr = t.number("threshold", 0.0, 1.0) if t.has("threshold") else None
        an = Discovery(name, title, label, params, samples, runs_field(1), outcome[0],
                       t.number("peel_alpha", 0.005, 0.5, default=0.05),
                       t.number("paste_alpha", 0.005, 0.5, default=0.05),
                       t.number("mass_min", 0.0, 0.9, default=0.05),
                       t.number("min_coverage", 0.0, 1.0, default=0.5), thr,
                       int(t.number("boxes", 1, 5, default=1, integer=True)))
    total = an.n_points * an.runs
    if total > MAX_RUNS:
        gb = total * _bytes_per_run(scen) / 1e9
        raise ScenarioError(t.file, t.path, f"{an.n_points} points x {an.runs} runs",
                            f"{total} runs in one ensemble (about {gb:.1f} GB of arrays); "
                            f"at most {MAX_RUNS}: lower points/samples or runs")
    return an


def _default_name(kind: str, path: str) -> str:
    k = path[path.index("[") + 1: path.index("]")] if "[" in path else "0"
    return kind if k == "0" else f"{kind}_{k}"


def _bytes_per_run(scen) -> int:
    n, t = len(scen.actors), scen.steps + 1
    return 4 * t * (7 * n * n + n)


def _flatten(d: dict, prefix="") -> list[tuple[str, object, str]]:
    """{"actors": {"china": {"x": v}}} or {"actors.china.x": v} -> [(key path, v, raw key)]."""
    out = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.extend(_flatten(v, key + "."))
        else:
            out.append((key, v, key))
    return out


def _parse_parameters(t: Table, scen, labels) -> tuple[Parameter, ...]:
    raw = t.raw("parameters")
    if not isinstance(raw, dict) or not raw:
        raise ScenarioError(t.file, t.at("parameters"), raw,
                            'a table of key path = [low, high], e.g. { "actors.china.resolve" = [0.2, 0.8] }')
    known = parameter_keys(scen)
    out = []
    for key, rng, _ in _flatten(raw):
        at = f'{t.at("parameters")}."{key}"'
        if key not in known:
            raise ScenarioError(t.file, at, rng, f"not a numeric parameter of {scen.path.name}"
                                + close_matches(key, known) + " (`alignsim show SCENARIO --keys` lists keys)")
        if (not isinstance(rng, list) or len(rng) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rng)
                or not all(math.isfinite(v) for v in rng)):
            raise ScenarioError(t.file, at, rng, "a range [low, high] of two numbers")
        lo, hi = float(rng[0]), float(rng[1])
        if not lo < hi:
            raise ScenarioError(t.file, at, rng, "low must be below high")
        for v in (lo, hi):
            _check_value(scen, key, v, t.file, at, rng)
        out.append(Parameter(key, lo, hi, labels.get(key) or param_label(scen, key)))
    return tuple(out)


def _check_value(scen, key: str, value: float, file, at: str, rng) -> None:
    """Is `value` allowed for `key` by the scenario's own validation?"""
    data = scenario_mod.with_defaults(copy.deepcopy(scen.resolved))
    parts = key.split(".")
    node = data
    for p in parts[:-1]:
        node = node.get(p) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            return
    leaf = parts[-1]
    if parts[0] == "trade" and leaf not in node:     # trade given the other way round
        other = data.get("trade", {}).get(parts[2], {})
        if isinstance(other, dict) and parts[1] in other:
            node, leaf = other, parts[1]
    node[leaf] = value
    try:
        scenario_mod.validate(data, scen.path)
    except ScenarioError as exc:
        raise ScenarioError(file, at, rng, f"{value:g} is not allowed for {key}: {exc.allowed}") from None


def param_label(scen, key: str) -> str:
    """A display label for a parameter key path, e.g. 'Russia: reliability'."""
    parts = key.split(".")
    names = scen.display
    words = lambda s: s.replace("_", " ")  # noqa: E731
    if parts[0] == "actors" and len(parts) >= 3:
        who = names.get(parts[1], parts[1])
        if len(parts) == 4:
            issue = words(parts[3])
            return f"{who}: {'position on' if parts[2] == 'positions' else 'salience of'} {issue}"
        return f"{who}: {words(parts[2])}"
    if parts[0] in ("relations", "expectations", "trade") and len(parts) == 3:
        a, b = names.get(parts[1], parts[1]), names.get(parts[2], parts[2])
        return {"relations": f"initial alignment {a} → {b}", "expectations": f"{a} expects support from {b}",
                "trade": f"trade {a}–{b} (US$ bn/yr)"}[parts[0]]
    if parts[0] == "corridors":
        c = next((c for c in scen.corridors if c.id == parts[1]), None)
        return f"{getattr(c, 'name', parts[1])}: capacity"
    if parts[0] == "shocks" and len(parts) >= 3:
        s = next((s for s in scen.shocks if s.name == parts[1]), None)
        lab = s.label if s is not None else words(parts[1])
        fieldname = {"hazard": "chance per month", "intensity": "intensity", "duration": "duration (months)",
                     "probability": "probability"}.get(parts[2], words(parts[2]))
        if len(parts) == 4:
            fieldname = f"{words(parts[2])} {names.get(parts[3], parts[3])}"
        return f"{lab}: {fieldname}"
    if parts[0] == "dynamics":
        return f"dynamics: {words(parts[1])}"
    return key


# ---------------------------------------------------------------------- running


def _rng(seed: int, k: int) -> np.random.Generator:
    """The sampling generator of analysis k: a function of the experiment seed only."""
    return np.random.default_rng([seed, 7919, k])


def sample_points(an: Analysis, seed: int, k: int):
    """Parameter values (P, d) of a sweep, sensitivity or discovery analysis (and the design)."""
    lows = np.array([p.low for p in an.parameters])
    highs = np.array([p.high for p in an.parameters])
    d = len(lows)
    if isinstance(an, Sweep) and an.method == "grid":
        axes = [np.linspace(lo, hi, an.points) for lo, hi in zip(lows, highs)]
        mesh = np.meshgrid(*axes, indexing="ij")
        return np.column_stack([m.ravel() for m in mesh]), None
    if isinstance(an, Sensitivity):
        from sim.analysis.sensitivity import saltelli_design
        design = saltelli_design(an.samples, lows, highs, _rng(seed, k))
        return design.points, design
    u = qmc.LatinHypercube(d=d, seed=_rng(seed, k)).random(an.n_points)
    return qmc.scale(u, lows, highs), None


def _run_values(an, values: np.ndarray) -> dict:
    return {p.key: np.repeat(values[:, j], an.runs) for j, p in enumerate(an.parameters)}


CHUNK = 2000   # runs per chunk: about 70 MB of arrays for a five-actor, four-year scenario


@dataclass
class _Ctx:
    """Where ensembles run (an executor from sim.executor) and where progress goes."""
    executor: object
    bar: object = None
    timings: dict = field(default_factory=dict)

    def progress(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)


def evaluate(scen, runs: int, seed: int, outcomes: list, ctx: _Ctx, run_values: dict | None = None,
             pairs=()) -> tuple[dict, np.ndarray | None]:
    """Per-run values of `outcomes` (Outcome objects) for runs 0..runs-1 of one ensemble, and the
    (runs, T+1, len(pairs)) float32 mutual alignment of `pairs`.

    The ensemble is the engine's own job (sim.ensemble.Job/ChunkFn, as run_ensemble uses), one
    per scenario and analysis, with per-run parameter values indexed by global run number. Each
    chunk is reduced to these values as it arrives and then dropped, so memory stays bounded
    whatever the number of runs, and results do not depend on chunking, workers or backend."""
    from sim.engine.ensemble import ChunkFn, Ensemble, Job
    steps = scen.steps
    job = Job(scen, seed, runs, steps, CHUNK, "full", run_values, None)
    vals = {o.name: np.empty(runs) for o in outcomes}
    events = {o.name: np.zeros(runs, bool) for o in outcomes if o.binary}
    series = np.empty((runs, steps + 1, len(pairs)), np.float32) if pairs else None
    for _, res in ctx.executor.imap(ChunkFn(job), range(job.n_chunks)):
        ens = Ensemble(scen, seed, res.hi - res.lo, steps, res.arrays, res.events or [])
        for o in outcomes:
            v = o.evaluate(ens)
            vals[o.name][res.lo:res.hi] = v.value
            if v.event is not None:
                events[o.name][res.lo:res.hi] = v.event
        if pairs:
            series[res.lo:res.hi] = _pair_series(ens, pairs)
        ctx.progress((res.hi - res.lo) * steps)
        del ens, res
    return {n: Values(vals[n], events.get(n)) for n in vals}, series


class _Writer:
    """Collects the experiment's tables and arrays; writes them in open formats."""

    def __init__(self):
        self.outcomes: list[list] = []
        self.compare: list[list] = []
        self.fan: list[list] = []
        self.sweep: dict[str, list] = {}        # analysis -> rows as dicts (parameter columns differ)
        self.sobol: list[list] = []
        self.prim: dict[str, list] = {}
        self.prim_box: list[list] = []
        self.rules: list[str] = []
        self.arrays: dict[str, np.ndarray] = {}


OUTCOME_HEADER = ["analysis", "scenario", "point", "outcome", "kind", "estimate", "ci_low", "ci_high",
                  "count", "runs", "median"]
COMPARE_HEADER = ["analysis", "outcome", "scenario", "baseline", "kind", "estimate", "ci_low", "ci_high",
                  "count", "runs", "difference", "diff_low", "diff_high", "diff_method"]
FAN_HEADER = ["analysis", "kind", "scenario", "baseline", "from", "to", "step", "date", "mean", *QCOLS]
SOBOL_HEADER = ["analysis", "outcome", "parameter", "label", "low", "high", "S1", "S1_low", "S1_high",
                "ST", "ST_low", "ST_high", "variance", "noise_share", "samples", "runs"]
PRIM_BOX_HEADER = ["analysis", "box", "parameter", "label", "low", "high", "sampled_low", "sampled_high",
                   "restricted", "quasi_p", "coverage", "density", "mass"]


def _f(x, digits=6) -> str:
    if x is None or not math.isfinite(x):
        return ""
    return f"{0.0 if abs(x) < 1e-12 else x:.{digits}g}"


def _summary_cells(s) -> list:
    return [s.kind, _f(s.estimate), _f(s.low), _f(s.high), "" if s.count is None else s.count, s.n,
            _f(s.median)]


def _store(w: _Writer, prefix: str, values: dict) -> None:
    for name, v in values.items():
        w.arrays[f"{prefix}__{name}__value"] = v.value.astype(np.float32)
        if v.event is not None:
            w.arrays[f"{prefix}__{name}__event"] = v.event.astype(np.int8)


def _pair_series(ens, pairs) -> np.ndarray:
    """(R, T+1, P) float32 mutual alignment of the given pairs."""
    ids = list(ens.scenario.actor_ids)
    a = ens.arrays["alignment"]
    cols = []
    for x, y in pairs:
        i, j = ids.index(x), ids.index(y)
        cols.append(0.5 * (a[:, :, i, j].astype(np.float32) + a[:, :, j, i]))
    return np.stack(cols, axis=-1)


def run_compare(exp: Experiment, an: Compare, k: int, w: _Writer, ctx: _Ctx) -> None:
    vals, series, dates = {}, {}, {}
    outs = [exp.outcomes[o] for o in an.outcomes]
    for label in an.scenarios:
        scen = exp.scenarios[label]
        t0 = time.perf_counter()
        vals[label], series[label] = evaluate(scen, an.runs, exp.seed, outs, ctx, None, an.pairs)
        dates[label] = [scen.date(t) for t in range(scen.steps + 1)]
        ctx.timings[f"{an.name}:{label}"] = round(time.perf_counter() - t0, 3)
        _store(w, f"{an.name}__{label}", vals[label])
    base = an.baseline
    for o in an.outcomes:
        for label in an.scenarios:
            s = summarize(vals[label][o])
            w.outcomes.append([an.name, label, "", o, *_summary_cells(s)])
            row = [an.name, o, label, base, s.kind, _f(s.estimate), _f(s.low), _f(s.high),
                   "" if s.count is None else s.count, s.n]
            if label == base:
                row += ["", "", "", ""]
            else:
                d = paired_difference(vals[label][o], vals[base][o])
                row += [_f(d.estimate), _f(d.low), _f(d.high), d.method]
            w.compare.append(row)
    common = [d for d in dates[base] if all(d in dates[s] for s in an.scenarios)]
    for label in an.scenarios:
        idx = [dates[label].index(d) for d in common]
        x = series[label][:, idx]
        _fan_rows(w, an.name, "level", label, base, x, an.pairs, common)
        if label != base:
            bidx = [dates[base].index(d) for d in common]
            _fan_rows(w, an.name, "difference", label, base, x - series[base][:, bidx], an.pairs, common)


def _fan_rows(w, name, kind, label, base, x, pairs, dates) -> None:
    q = np.quantile(x.astype(np.float64), QUANTILES, axis=0)      # (5, S, P)
    mean = x.astype(np.float64).mean(axis=0)
    for p, (a, b) in enumerate(pairs):
        for s, date in enumerate(dates):
            w.fan.append([name, kind, label, base, a, b, s, date, _f(mean[s, p], 5),
                          *(_f(q[k, s, p], 5) for k in range(5))])


def _run_points(exp, an, k, w, ctx, names):
    scen = exp.scenarios[an.scenario]
    values, design = sample_points(an, exp.seed, k)
    t0 = time.perf_counter()
    out, _ = evaluate(scen, len(values) * an.runs, exp.seed, [exp.outcomes[o] for o in names], ctx,
                      _run_values(an, values))
    ctx.timings[an.name] = round(time.perf_counter() - t0, 3)
    w.arrays[f"{an.name}__keys"] = np.array([p.key for p in an.parameters])
    w.arrays[f"{an.name}__params"] = values
    _store(w, an.name, out)
    for o in names:
        for p, s in enumerate(summarize_points(out[o], len(values))):
            w.outcomes.append([an.name, an.scenario, p, o, *_summary_cells(s)])
    return values, design, out


def run_sweep(exp, an: Sweep, k, w, ctx) -> None:
    values, _, out = _run_points(exp, an, k, w, ctx, an.outcomes)
    rows = []
    for o in an.outcomes:
        for p, s in enumerate(summarize_points(out[o], len(values))):
            row = {"analysis": an.name, "point": p, "outcome": o}
            row.update({q.key: _f(v, 8) for q, v in zip(an.parameters, values[p])})
            row.update(zip(OUTCOME_HEADER[4:], _summary_cells(s)))
            rows.append(row)
    w.sweep[an.name] = rows


def run_sensitivity(exp, an: Sensitivity, k, w, ctx) -> None:
    from sim.analysis.sensitivity import sobol
    values, design, out = _run_points(exp, an, k, w, ctx, an.outcomes)
    t0 = time.perf_counter()
    for oi, o in enumerate(an.outcomes):
        y = out[o].target().reshape(len(values), an.runs)
        ok = np.isfinite(y)
        f = np.where(ok, y, 0).sum(axis=1) / np.maximum(ok.sum(axis=1), 1)
        rep = float(np.nanmean(np.nanvar(y, axis=1, ddof=1)) / an.runs) if an.runs > 1 else float("nan")
        res = sobol(design, f, an.bootstrap, an.confidence, seed=_rng(exp.seed, 1000 + 31 * k + oi),
                    replicate_variance=rep)
        for j, p in enumerate(an.parameters):
            w.sobol.append([an.name, o, p.key, p.label, _f(p.low), _f(p.high), _f(res.S1[j], 5),
                            _f(res.S1_low[j], 5), _f(res.S1_high[j], 5), _f(res.ST[j], 5), _f(res.ST_low[j], 5),
                            _f(res.ST_high[j], 5), _f(res.variance, 5), _f(res.noise_share, 4),
                            an.samples, an.runs])
    ctx.timings[f"{an.name}:sobol"] = round(time.perf_counter() - t0, 3)


def run_discovery(exp, an: Discovery, k, w, ctx) -> None:
    from sim.analysis.discovery import prim, rules
    values, _, out = _run_points(exp, an, k, w, ctx, (an.outcome,))
    t0 = time.perf_counter()
    x = np.repeat(values, an.runs, axis=0)
    y = out[an.outcome].event
    bounds = np.array([[p.low, p.high] for p in an.parameters])
    res = prim(x, y, names=[p.key for p in an.parameters], bounds=bounds, peel_alpha=an.peel_alpha,
               paste_alpha=an.paste_alpha, mass_min=an.mass_min, min_coverage=an.min_coverage,
               threshold=an.threshold, boxes=an.boxes)
    rows = []

    def prim_row(b, step, box, nres, chosen):
        row = {"analysis": an.name, "box": b, "step": step, "coverage": _f(box.coverage, 5),
               "density": _f(box.density, 5), "mass": _f(box.mass, 5), "n": box.n, "hits": box.hits,
               "n_restricted": nres, "chosen": chosen}
        for j, p in enumerate(an.parameters):
            row[f"{p.key}__low"], row[f"{p.key}__high"] = _f(box.limits[j, 0], 6), _f(box.limits[j, 1], 6)
        return row

    for b, br in enumerate(res.boxes, 1):
        for s, box in enumerate(br.trajectory):
            rows.append(prim_row(b, s, box, int(box.restricted(bounds).sum()), int(s == br.chosen)))
        rows.append(prim_row(b, "final", br.box, int(br.restricted.sum()), 1))
        fb = br.box
        for j, p in enumerate(an.parameters):
            w.prim_box.append([an.name, b, p.key, p.label, _f(fb.limits[j, 0], 6), _f(fb.limits[j, 1], 6),
                               _f(p.low), _f(p.high), int(br.restricted[j]), _f(br.qp[j], 3),
                               _f(fb.coverage, 5), _f(fb.density, 5), _f(fb.mass, 5)])
    w.prim[an.name] = rows
    desc = exp.outcomes[an.outcome].describe(exp.names, exp.end)
    head = f"== {an.name}: scenario {an.scenario}, {an.samples} samples x {an.runs} runs =="
    w.rules.append(head + "\n" + rules(res, {p.key: p.label for p in an.parameters}, desc))
    ctx.timings[f"{an.name}:prim"] = round(time.perf_counter() - t0, 3)


RUNNERS = {"compare": run_compare, "sweep": run_sweep, "sensitivity": run_sensitivity, "discovery": run_discovery}


def total_run_steps(exp: Experiment) -> int:
    total = 0
    for an in exp.analyses:
        if isinstance(an, Compare):
            total += sum(an.runs * exp.scenarios[s].steps for s in an.scenarios)
        else:
            total += an.n_points * an.runs * exp.scenarios[an.scenario].steps
    return total


SWEEP_FIXED = ("analysis", "point", "outcome", *OUTCOME_HEADER[4:])


def _write_dicts(path: Path, header, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        wr = csv.DictWriter(fh, header, restval="")
        wr.writeheader()
        wr.writerows(rows)


def _write_csv(path: Path, header, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        wr = csv.writer(fh)
        wr.writerow(header)
        wr.writerows(rows)


def manifest_base(exp: Experiment, command) -> dict:
    scen = {}
    for label, s in exp.scenarios.items():
        scen[label] = {"file": str(s.path), "name": s.name, "title": s.title,
                       "description": " ".join(s.description.split()), "actors": list(s.actor_ids),
                       "names": s.display, "start": s.date(0), "end": s.date(s.steps), "steps": s.steps,
                       "key_pairs": [list(p) for p in s.key_pairs],
                       "shocks": [{"name": x.name, "type": x.type_name, "label": x.label,
                                   "at": s.date(x.at) if x.at is not None else None} for x in s.shocks]}
    outcomes = []
    for o in exp.outcomes.values():
        d = o.to_dict()
        d["description"] = o.describe(exp.names, exp.end)
        outcomes.append(d)
    analyses = []
    for an in exp.analyses:
        d = an.to_dict()
        if not isinstance(an, Compare):
            d["n_points"] = an.n_points
            d["total_runs"] = an.n_points * an.runs
        analyses.append(d)
    from sim.engine.manifest import versions
    return {"kind": "experiment", "complete": False,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": list(command),
            "experiment": {"file": str(exp.path.resolve()), "name": exp.name, "title": exp.title,
                           "question": exp.question, "description": " ".join(exp.description.split()),
                           "text": exp.text},
            "seed": exp.seed, "runs": exp.runs, "actors": exp.actors, "names": exp.names, "end": exp.end,
            "scenarios": scen, "outcomes": outcomes, "analyses": analyses, "labels": exp.labels,
            "versions": versions(), "timings": {}, "files": []}


def _write_manifest(out: Path, manifest: dict) -> None:
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    tmp.replace(out / "manifest.json")


def run(exp: Experiment, out: Path, quiet: bool = False, command=("alignsim", "experiment"),
        draw: Callable[[Path], list[Path]] | None = None, workers: int | None = None,
        backend: str = "auto") -> dict:
    """Run every analysis and write the result folder; returns the manifest.

    draw(out), when given, draws the figures from the written files and returns their paths; the
    figures layer sits above this one, so the caller hands it in (sim.apps.experiment does).
    workers/backend choose where chunks run (sim.engine.executor.make: "auto" runs small
    experiments in this process and large ones on all cores); the numbers are the same either way."""
    from sim.engine import executor as ex
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = manifest_base(exp, command)
    timings = manifest["timings"]
    t_start = time.perf_counter()
    total = total_run_steps(exp)
    bar = None
    if not quiet:
        from tqdm import tqdm
        bar = tqdm(total=total, unit="run-step", unit_scale=True, desc=exp.name, file=sys.stderr,
                   dynamic_ncols=True)
    executor = ex.make(backend, workers, None, total)
    manifest["engine"] = {"backend": executor.name, "workers": executor.workers, "chunk_size": CHUNK}
    ctx = _Ctx(executor, bar, timings)
    w = _Writer()
    try:
        for k, an in enumerate(exp.analyses):
            if bar is not None:
                bar.set_description(f"{exp.name}: {an.name}")
            RUNNERS[an.type](exp, an, k, w, ctx)
    finally:
        executor.close()
        if bar is not None:
            bar.close()
    files = ["outcomes.csv"]
    _write_csv(out / "outcomes.csv", OUTCOME_HEADER, w.outcomes)
    if w.compare:
        _write_csv(out / "compare.csv", COMPARE_HEADER, w.compare)
        _write_csv(out / "compare_fan.csv", FAN_HEADER, w.fan)
        files += ["compare.csv", "compare_fan.csv"]
    if w.sweep:
        # one table for every sweep; a column per parameter key path (blank where a sweep does not vary it)
        rows = [r for rs in w.sweep.values() for r in rs]
        keys = list(dict.fromkeys(k for r in rows for k in r if k not in SWEEP_FIXED))
        _write_dicts(out / "sweep.csv", ["analysis", "point", *keys, "outcome", *OUTCOME_HEADER[4:]], rows)
        files.append("sweep.csv")
    if w.sobol:
        _write_csv(out / "sobol.csv", SOBOL_HEADER, w.sobol)
        files.append("sobol.csv")
    if w.prim:
        rows = [r for rs in w.prim.values() for r in rs]
        head = ["analysis", "box", "step", "coverage", "density", "mass", "n", "hits", "n_restricted", "chosen"]
        keys = list(dict.fromkeys(k for r in rows for k in r if k not in head))
        _write_dicts(out / "prim.csv", head + keys, rows)
        _write_csv(out / "prim_box.csv", PRIM_BOX_HEADER, w.prim_box)
        (out / "rules.txt").write_text("\n".join(w.rules), encoding="utf-8")
        files += ["prim.csv", "prim_box.csv", "rules.txt"]
    np.savez_compressed(out / "samples.npz", **w.arrays)
    files.append("samples.npz")
    manifest["files"] = files
    timings["simulation_and_analysis_seconds"] = round(time.perf_counter() - t_start, 3)
    _write_manifest(out, manifest)
    if draw is not None:
        t0 = time.perf_counter()
        manifest["files"] += [str(p.relative_to(out)) for p in draw(out)]
        timings["figures_seconds"] = round(time.perf_counter() - t0, 3)
    timings["total_seconds"] = round(time.perf_counter() - t_start, 3)
    manifest["complete"] = True
    _write_manifest(out, manifest)
    return manifest


def prepare_folder(out: Path, overwrite: bool) -> None:
    """Make `out` ready for new results: refuse one that holds results unless `overwrite`, and
    then remove only what they wrote (their listed files, figures/ and the report)."""
    if not (out / "manifest.json").exists():
        return
    if not overwrite:
        raise ScenarioError(out, "--out", str(out), "already holds results; pass --overwrite or another --out")
    try:
        old = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        old = {}
    for rel in old.get("files", []):
        p = (out / rel)
        if p.is_file() and out.resolve() in p.resolve().parents:
            p.unlink()
    for name in ("manifest.json", "report.html"):
        if (out / name).exists():
            (out / name).unlink()
    if (out / "figures").is_dir():
        shutil.rmtree(out / "figures")


def is_experiment(folder) -> bool:
    try:
        return json.loads((Path(folder) / "manifest.json").read_text()).get("kind") == "experiment"
    except (OSError, ValueError):
        return False
