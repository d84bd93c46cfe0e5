"""The attribution analysis of an experiment file (``type = "attribution"``): what it reads and how
it runs. The computation is `sim.experiments.attribution`'s, the same as `alignsim attribute`.

    [[analyses]]
    type = "attribution"
    scenario = "war"              # a label from [scenarios]
    against = "baseline"          # a label; default: the scenario its file extends, if listed
    pair = ["iran", "china"]      # default: the scenario's first key pair
    measure = "mutual"            # or "directed"
    at = "end"                    # or "YYYY-MM": the month of the table and the waterfall
    by = "factor"                 # or "mechanism"
    runs = 1000                   # per variant
    samples = 64                  # optional: Shapley values from sampled orderings

Running it (`sim.experiments.runners.run_attribution`) writes attribution.csv and
attribution_over_time.csv (led by an `analysis` column, one block per attribution analysis) and
its description into the analysis's manifest entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from sim.core.errors import ScenarioError
from sim.experiments import attribution as att
from sim.experiments.analyses import Analysis, _default_name, check_name
from sim.scenario import read_toml
from sim.scenario.schema import Table, close_matches

ORDERING_SEED = 0   # orderings are drawn alike at reading (to count the variants) and at running


@dataclass(frozen=True)
class Attribution(Analysis):
    """Split the paired difference of a pair's alignment between two scenarios by factor or channel.

    Parameters
    ----------
    scenario, against : str
        Labels from ``[scenarios]``: the scenario and its reference.
    pair : (str, str)
    measure : {"mutual", "directed"}
    at : str
        "end" or "YYYY-MM".
    by : {"factor", "mechanism"}
    runs : int
        Runs per variant.
    samples : int
        Sampled orderings; 0 for exact Shapley values (up to 12 factors).
    variants : int
        Variant scenarios to run (set when the file is read).
    """

    scenario: str = ""
    against: str = ""
    pair: tuple[str, str] = ("", "")
    measure: str = "mutual"
    at: str = "end"
    by: str = "factor"
    runs: int = 0
    samples: int = 0
    variants: int = 0
    type: ClassVar[str] = "attribution"
    fields: ClassVar[tuple[str, ...]] = ("scenario", "against", "pair", "measure", "at", "by", "runs", "samples")

    @property
    def n_points(self) -> int:
        """Ensembles to run: the variants."""
        return self.variants


def plan(an: Attribution, scenarios: dict) -> att.Plan:
    """The variants of an attribution analysis."""
    scen, other = scenarios[an.scenario], scenarios[an.against]
    if an.by == "mechanism":
        return att.plan_mechanisms(scen, other)
    return att.plan_factors(scen, other, an.samples or None, ORDERING_SEED)


def parse_attribution(t: Table, scenarios: dict, base_runs: int, runs_override: int | None,
                      scale: float = 1.0) -> Attribution:
    """Read an ``[[analyses]]`` table of type "attribution".

    Parameters
    ----------
    t : the table, with its key path for messages.
    scenarios : the experiment's scenarios, label -> Scenario.
    base_runs : the experiment's runs (the default per variant).
    runs_override : ``runs`` given to `sim.experiments.spec.load`, which replaces it when given.
    scale : ``--scale``: multiplies the runs per variant (rounded, at least 1).

    Raises
    ------
    ScenarioError : an unknown key, label, actor, measure or month, or scenarios that cannot be
        compared (other actors, more than 20 factors without `samples`, ...).
    """
    t.finish(("type", "name", "title") + Attribution.fields)
    name = check_name(t, "name", default=_default_name("attribution", t.path))
    title = t.string("title", default="")
    runs = int(t.number("runs", 1, 1_000_000, default=base_runs, integer=True))
    runs = runs_override if runs_override is not None else max(1, round(runs * scale))
    label = _label(t, "scenario", scenarios, None)
    against = _label(t, "against", scenarios, _extended(scenarios, label))
    if against == label:
        raise ScenarioError(t.file, t.at("against"), against, "another scenario than `scenario`")
    scen = scenarios[label]
    pair = t.raw("pair", default=list(scen.key_pairs[0]))
    measure = t.string("measure", default="mutual", choices=att.MEASURES)
    at = t.raw("at", default="end")
    if not isinstance(pair, list):
        raise ScenarioError(t.file, t.at("pair"), pair, 'a pair of actor ids, e.g. ["iran", "china"]')
    try:
        q = att.question(scen, pair, measure, at)
    except ScenarioError as exc:
        key = {"--pair": "pair", "--at": "at"}.get(exc.keypath, exc.keypath)
        raise ScenarioError(t.file, t.at(key), exc.value, exc.allowed) from None
    by = t.string("by", default="factor", choices=att.BY)
    samples = int(t.number("samples", 2, 100_000, default=0, integer=True)) if t.has("samples") else 0
    an = Attribution(name, title, label, against, q.pair, measure, str(at), by, runs, samples)
    try:
        n = len(plan(an, scenarios).variants)
    except ScenarioError as exc:
        raise ScenarioError(t.file, t.path, f"{label} against {against}", str(exc)) from None
    return Attribution(name, title, label, against, q.pair, measure, str(at), by, runs, samples, n)


def _label(t: Table, key: str, scenarios: dict, default) -> str:
    raw = t.raw(key, default=default)
    if raw is None:
        raise ScenarioError(t.file, t.at(key), "(missing)", "a label from [scenarios]: " + ", ".join(scenarios)
                            + " (the reference, when the scenario's file extends none of them)")
    if not isinstance(raw, str) or raw not in scenarios:
        raise ScenarioError(t.file, t.at(key), raw, "a label from [scenarios]: " + ", ".join(scenarios)
                            + (close_matches(raw, scenarios) if isinstance(raw, str) else ""))
    return raw


def _extended(scenarios: dict, label: str) -> str | None:
    """The label of the scenario whose file `label`'s file extends, when it is listed."""
    path = Path(scenarios[label].path)
    parent = read_toml(path).get("extends")
    if not isinstance(parent, str):
        return None
    target = (path.parent / parent).resolve()
    return next((k for k, s in scenarios.items() if Path(s.path).resolve() == target), None)
