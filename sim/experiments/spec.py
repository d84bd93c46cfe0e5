"""The experiment file's schema: an experiment file read and validated into typed objects.

An experiment file (experiments/*.toml) names scenarios, declares outcomes and lists analyses:

    [experiment]
    name = "june_war_vs_baseline"          # folder and file names
    title = "..."                          # one line
    question = "..."                       # the question it answers, in plain words
    seed = 20250613                        # the root seed of every ensemble
    runs = 2000                            # runs per scenario or per parameter point (--scale multiplies)

    [scenarios]                            # label = path relative to this file
    baseline = "../scenarios/baseline_2024.toml"

    [labels]                               # optional display names of parameters
    "actors.russia.reliability" = "Russia's reliability"

    [[outcomes]]                           # see sim/experiments/outcomes.py
    name = "iran_china_bloc"
    pair = ["iran", "china"]
    measure = "mutual"
    at = "end"
    above = 0.5

    [[analyses]]
    type = "compare"                       # compare | sweep | sensitivity | discovery | attribution

It is validated like a scenario: every key is checked, an unknown one is an error naming the
nearest allowed keys, parameter key paths are checked against the scenario's
sim.scenario.spec.parameter_keys and their ranges against what the scenario file allows; a bad value
raises ScenarioError (one line, exit 2 in the CLI).

Analyses (fields beyond `type`, optional `name` and `title`):

    compare      scenarios = [labels] (default all), baseline = label (default the first),
                 outcomes = [names] (default all), pairs = [[a, b], ...] for the difference fan
                 charts (default the baseline's key pairs). Every scenario runs with the same seed,
                 so run r of each shares its random numbers (sim/core/rng.py): differences are paired.
    sweep        scenario, method = "grid" | "lhs", parameters = {key = [low, high], ...},
                 points (per parameter for grid, in all for lhs), runs (per point), outcomes.
    sensitivity  scenario, parameters, samples (n, a power of two: n (d + 2) points), runs (per
                 point), outcomes, bootstrap (resamples, default 1000), confidence (0.95).
    discovery    scenario, parameters, samples (Latin hypercube points), runs (per point),
                 outcome (a yes/no outcome), peel_alpha, paste_alpha, mass_min, min_coverage,
                 threshold, boxes (see sim/analysis/discovery.py).
    attribution  scenario, against (default: the label of the file it extends), pair, measure,
                 at, by = "factor" | "mechanism", runs (per variant), samples: the paired
                 difference split into Shapley contributions (sim/experiments/attribution_analysis.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sim import scenario as scenario_mod
from sim.core.errors import ScenarioError
from sim.experiments.analyses import check_name, parse_analysis
from sim.experiments.attribution_analysis import parse_attribution
from sim.experiments.outcomes import NAME_CHARS, Outcome, parse_outcome
from sim.experiments.parameters import flatten
from sim.scenario.schema import Table, close_matches

TOP = ("experiment", "scenarios", "labels", "outcomes", "analyses")
HEAD = ("name", "title", "question", "description", "seed", "runs")
DEFAULT_SEED = 20250613


@dataclass(frozen=True)
class Experiment:
    """An experiment file, validated: its scenarios, outcomes and analyses as typed objects.

    Parameters
    ----------
    path : Path
        The experiment file.
    name, title, question, description : str
        From ``[experiment]``; `name` names the result folder.
    seed : int
        The root seed of every ensemble.
    runs : int
        The default runs per scenario or point (before `--scale`).
    scenarios : dict
        Label -> `sim.scenario.Scenario`, in the file's order.
    outcomes : dict
        Name -> `sim.experiments.outcomes.Outcome`.
    analyses : tuple of Analysis
        In the file's order; the position of each seeds its sampling.
    labels : dict
        Display labels of parameters, by key path.
    text : str
        The file as written, kept for the report.
    """

    path: Path
    name: str
    title: str
    question: str
    description: str
    seed: int
    runs: int
    scenarios: dict
    outcomes: dict
    analyses: tuple
    labels: dict = field(default_factory=dict)
    text: str = ""

    @property
    def actors(self) -> list[str]:
        """Actors common to every scenario, in the first scenario's order (pair colours)."""
        lists = [list(s.actor_ids) for s in self.scenarios.values()]
        return [a for a in lists[0] if all(a in other for other in lists[1:])]

    @property
    def names(self) -> dict:
        """Display name of every actor, by id; the first scenario to name an actor wins."""
        out = {}
        for s in self.scenarios.values():
            for a, n in s.display.items():
                out.setdefault(a, n)
        return out

    @property
    def end(self) -> str:
        """The scenarios' last month, "YYYY-MM", or "the horizon" when they differ."""
        ends = {s.date(s.steps) for s in self.scenarios.values()}
        return ends.pop() if len(ends) == 1 else "the horizon"


def load(path, runs: int | None = None, scale: float = 1.0) -> Experiment:
    """Read and validate an experiment file.

    Parameters
    ----------
    path : str or Path
        The experiment file; scenario paths in it are relative to it.
    runs : int, optional
        Replaces every run count of the file: per scenario for comparisons, per point for
        sweeps, sensitivity and discovery (for tests and quick looks).
    scale : float
        ``--scale``: multiplies every analysis's own run count (rounded, at least 1), so
        ``--scale 0.1`` is a tenth of the file's runs everywhere.

    Returns
    -------
    Experiment

    Raises
    ------
    ScenarioError
        On anything the file gets wrong, in one line naming the file, the key path, the value
        and what is allowed: malformed TOML, an unknown key (with the nearest allowed ones), a
        missing scenario file, an invalid scenario, outcome or analysis, or a non-positive
        `runs` or `scale`.

    Examples
    --------
    >>> from sim.experiments.spec import load
    >>> exp = load("experiments/russia_pullback.toml", runs=10)
    >>> [(an.type, an.name) for an in exp.analyses]
    [('compare', 'compare'), ('sweep', 'russia_grid'), ('discovery', 'russia_discovery')]
    >>> exp.analyses[1].runs, exp.end
    (10, '2028-01')
    """
    path = Path(path)
    data = scenario_mod.read_toml(path)
    text = path.read_text(encoding="utf-8")
    top = Table(data, path)
    name, title, question, description, seed, base_runs = _parse_head(top.table("experiment"), path)
    if runs is not None:
        if not isinstance(runs, int) or runs < 1:
            raise ScenarioError(path, "--runs", runs, "a positive integer")
        base_runs = runs
    if not (isinstance(scale, (int, float)) and 0 < scale <= 1000):
        raise ScenarioError(path, "--scale", scale, "a number in (0, 1000]")
    scenarios = _parse_scenarios(top.table("scenarios"), path)
    labels = _parse_labels(top.table("labels", default={}), scenarios)
    outcomes = _parse_outcomes(top.raw("outcomes", default=[]), scenarios, path)
    analyses = _parse_analyses(top.raw("analyses", default=[]), scenarios, outcomes, base_runs, runs, labels, path,
                               scale)
    top.finish(TOP)
    return Experiment(path, name, title, question, description, seed, base_runs, scenarios, outcomes,
                      analyses, labels, text)


def _parse_head(head: Table, path: Path) -> tuple[str, str, str, str, int, int]:
    name = check_name(head, "name", default=path.stem)
    title = head.string("title", default=name)
    question = head.string("question", default="")
    description = head.string("description", default="")
    seed = int(head.number("seed", 0, 2**63 - 1, default=DEFAULT_SEED, integer=True))
    runs = int(head.number("runs", 1, 1_000_000, default=1000, integer=True))
    head.finish(HEAD)
    return name, title, question, description, seed, runs


def _parse_scenarios(sc: Table, path: Path) -> dict:
    scenarios = {}
    for label, rel in list(sc.items()):
        if not set(label) <= NAME_CHARS or not label:
            raise ScenarioError(path, sc.at(label), label, "a label of lower-case letters, digits and _")
        if not isinstance(rel, str):
            raise ScenarioError(path, sc.at(label), rel, "a path to a scenario file, relative to this file")
        spath = path.parent / rel
        if not spath.is_file():
            raise ScenarioError(path, sc.at(label), rel, "no such file (paths are relative to this experiment file)")
        scenarios[label] = scenario_mod.load(spath)
    if not scenarios:
        raise ScenarioError(path, "scenarios", {}, 'name at least one scenario: label = "path/to/file.toml"')
    return scenarios


def _parse_labels(lab: Table, scenarios: dict) -> dict:
    labels = {}
    keys = sorted({k for s in scenarios.values() for k in scenario_mod.parameter_keys(s)})
    for key, text in flatten(lab.data):
        at = f'labels."{key}"'
        if key not in keys:
            raise ScenarioError(lab.file, at, text,
                                "not a parameter key of any scenario here" + close_matches(key, keys))
        if not isinstance(text, str) or not text.strip():
            raise ScenarioError(lab.file, at, text, "a display label (a string)")
        labels[key] = text
    lab.used.update(lab.data)
    return labels


def _parse_outcomes(raw_out, scenarios: dict, path: Path) -> dict[str, Outcome]:
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
    return outcomes


def _parse_analyses(raw_an, scenarios, outcomes, base_runs, runs, labels, path: Path, scale: float = 1.0) -> tuple:
    if not isinstance(raw_an, list) or not all(isinstance(a, dict) for a in raw_an) or not raw_an:
        raise ScenarioError(path, "analyses", raw_an, 'at least one [[analyses]] table with type = "compare", ...')
    analyses, seen = [], {}
    for k, a in enumerate(raw_an):
        t = Table(a, path, f"analyses[{k}]")
        an = parse_attribution(t, scenarios, base_runs, runs, scale) if a.get("type") == "attribution" \
            else parse_analysis(t, scenarios, outcomes, base_runs, runs, labels, scale)
        if an.name in seen:
            raise ScenarioError(path, f"analyses[{k}].name", an.name, "already used by another analysis")
        seen[an.name] = an
        analyses.append(an)
    return tuple(analyses)
