"""Why did it happen: the paired difference of an outcome between two scenarios, split into the
contributions of what differs between them (factors) or of the model's channels (mechanisms).

By factor, every variant scenario (a subset of the factors mixed into the reference,
`sim.experiments.factors.variant`) runs with the same seed, so run r of every variant shares its
random numbers; Shapley values over the subsets (`sim.analysis.shapley`) then split each run's
difference exactly, and the contributions add up to the total difference. Up to
`shapley.EXACT_MAX` factors every subset runs; beyond, sampled orderings do.

By mechanism, each channel (`sim.experiments.channels`) is switched off in both scenarios at
once, one at a time; its effect is how much of the difference goes when it is off. Channels
overlap and interact, so their effects need not add up: the rest is reported as interaction.

Intervals are 95% normal intervals of the mean of per-run contributions (the paired-difference
standard error), plus the orderings' sampling error when orderings are sampled.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from sim.analysis import shapley
from sim.core.errors import ScenarioError
from sim.engine.ensemble import simulate
from sim.experiments.channels import CHANNELS
from sim.experiments.factors import find_factors, reference_of, variant
from sim.model.compile import compile
from sim.scenario import validate
from sim.scenario.schema import check_ident, to_step
from sim.scenario.spec import Scenario

MEASURES = ("mutual", "directed")
BY = ("factor", "mechanism")
MAX_FACTORS_UNSAMPLED = 20     # beyond, the user must say how many orderings (--samples)
DEFAULT_ORDERINGS = 32
CHUNK = 1000                   # runs per task: one variant's 1,000 runs are one compiled call


@dataclass(frozen=True)
class Question:
    """What is attributed: a pair's alignment at one step.

    Attributes
    ----------
    pair : (str, str)
        Actor ids; for "directed", from the first toward the second.
    measure : {"mutual", "directed"}
    step : int
        The step the table is for (every step goes to the over-time table).
    """
    pair: tuple[str, str]
    measure: str
    step: int


def question(scen: Scenario, pair, measure: str, at, file="--pair") -> Question:
    """Check a pair, measure and date against a scenario.

    Raises
    ------
    ScenarioError : an unknown actor, an unknown measure, or a date outside the horizon.
    """
    ids = list(scen.actor_ids)
    pair = tuple(pair) if pair else scen.key_pairs[0]
    if len(pair) != 2 or pair[0] == pair[1]:
        raise ScenarioError(file, "--pair", list(pair), "two different actor ids")
    for a in pair:
        check_ident(a, ids, file, "--pair")
    if measure not in MEASURES:
        raise ScenarioError(file, "--measure", measure, "one of " + ", ".join(MEASURES))
    step = scen.steps if at in (None, "end") else to_step(at, scen.start, file, "--at")
    if step > scen.steps:
        raise ScenarioError(file, "--at", at, f"outside the horizon {scen.date(0)} to {scen.date(scen.steps)}")
    return Question(pair, measure, step)


@dataclass
class Plan:
    """The variant scenarios to run and how their outcomes combine.

    Attributes
    ----------
    by : {"factor", "mechanism"}
    items : list
        The factors (`Factor`) or channels (`Channel`), in table order.
    variants : list of Scenario
    masks : list of int
        By factor: the bit mask of each variant (factor k is bit k).
    orderings : ndarray or None
        Sampled orderings (K, n); None for exact Shapley values.
    method : str
        In words, for the manifest and the report.
    """
    by: str
    items: list
    variants: list
    masks: list = field(default_factory=list)
    orderings: np.ndarray | None = None
    method: str = ""


def plan_factors(scen: Scenario, other: Scenario, samples: int | None = None, seed: int = 0) -> Plan:
    """The variants that split the difference between `scen` and `other` by factor.

    Raises
    ------
    ScenarioError : the scenarios cannot be compared, do not differ, or differ in more than
        `MAX_FACTORS_UNSAMPLED` factors and no `samples` is given.
    """
    factors = find_factors(scen, other)
    n = len(factors)
    if not n:
        raise ScenarioError(other.path, "--against", other.name, f"differs from {scen.name} in nothing to attribute")
    if n > MAX_FACTORS_UNSAMPLED and samples is None:
        raise ScenarioError(other.path, "--against", other.name,
                            f"{n} factors differ from {scen.name}: more than {MAX_FACTORS_UNSAMPLED}; give "
                            "--samples K to estimate Shapley values from K sampled orderings")
    if samples is None and n <= shapley.EXACT_MAX:
        masks = list(range(2 ** n))
        orderings, method = None, f"exact Shapley values over all {2 ** n} subsets of {n} factors"
    else:
        k = samples or DEFAULT_ORDERINGS
        orderings = shapley.sample_orderings(n, k, np.random.default_rng([seed, 0x5A]))
        masks = shapley.ordering_masks(orderings)
        method = (f"Shapley values estimated from {len(orderings)} sampled orderings (antithetic pairs) of "
                  f"{n} factors, {len(masks)} subsets")
    variants = [variant(scen, other, factors, m) for m in masks]
    return Plan("factor", factors, variants, masks, orderings, method)


def with_dynamics(scen: Scenario, values: dict) -> Scenario:
    """`scen` with some `[dynamics]` values replaced (a channel switched off), same calibration."""
    data = dict(scen.resolved)
    data["dynamics"] = {**scen.resolved.get("dynamics", {}), **values}
    return replace(validate(data, scen.path), reference=reference_of(scen))


def plan_mechanisms(scen: Scenario, other: Scenario, channels=CHANNELS) -> Plan:
    """The variants that split the difference by mechanism: each scenario with every channel on,
    then with each channel off in turn (the scenario's variants first)."""
    variants = []
    for side in (scen, other):
        variants += [side] + [with_dynamics(side, c.off) for c in channels]
    return Plan("mechanism", list(channels), variants,
                method=f"each of {len(channels)} channels switched off in both scenarios, one at a time")


class SeriesChunk:
    """A picklable task: (variant, lo, hi, scenario) -> the pair's alignment in runs [lo, hi)
    at every step, (hi - lo, T+1) float64 (the mean of two float32 values is exact in float64)."""

    def __init__(self, seed: int, steps: int, q: Question):
        self.seed, self.steps, self.q = seed, steps, q

    def __call__(self, item):
        v, lo, hi, scen = item
        c = compile(scen, self.seed, np.arange(lo, hi), self.steps)
        a = simulate(c, record=("alignment",))["alignment"]
        ids = list(scen.actor_ids)
        i, j = ids.index(self.q.pair[0]), ids.index(self.q.pair[1])
        if self.q.measure == "directed":
            return a[:, :, i, j].astype(np.float64)
        return 0.5 * (a[:, :, i, j].astype(np.float64) + a[:, :, j, i])


def run_variants(plan: Plan, runs: int, seed: int, q: Question, executor,
                 progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Every variant's outcome series: (V, runs, T+1) float64, run r of each with seed `seed`."""
    steps = plan.variants[0].steps
    out = np.empty((len(plan.variants), runs, steps + 1))
    items = [(v, lo, min(lo + CHUNK, runs), s) for v, s in enumerate(plan.variants) for lo in range(0, runs, CHUNK)]
    for (k, lo, hi, _), series in executor.imap(SeriesChunk(seed, steps, q), items):
        out[k, lo:hi] = series
        if progress is not None:
            progress((hi - lo) * steps)
    return out


@dataclass(frozen=True)
class Row:
    """One row of attribution.csv: a factor's (or channel's) contribution with its interval."""
    factor: str
    kind: str
    label: str
    contribution: float
    lo: float
    hi: float
    share: float


def _rows(plan: Plan, y: np.ndarray) -> list[Row]:
    """The rows at one step, from every variant's per-run outcomes y (V, R)."""
    if plan.by == "mechanism":
        return _mechanism_rows(plan, y)
    if plan.orderings is None:
        per_run = shapley.exact_values(y)                          # (n, R)
        m, lo, hi = shapley.mean_interval(per_run)
    else:
        values = {mask: y[k] for k, mask in enumerate(plan.masks)}
        per = shapley.permutation_values(values, plan.orderings, len(plan.items))   # (K, n, R)
        m, lo, hi = shapley.ordering_interval(per)
    total = y[plan.masks.index(2 ** len(plan.items) - 1)] - y[0]
    rows = [(f.key, f.kind, f.label, m[k], lo[k], hi[k]) for k, f in enumerate(plan.items)]
    return _with_total(rows, total)


def _mechanism_rows(plan: Plan, y: np.ndarray) -> list[Row]:
    c = len(plan.items)
    diff = y[:c + 1] - y[c + 1:]                 # the difference with all on, then with each channel off
    effect = diff[0][None, :] - diff[1:]         # (C, R): what switching the channel off removes
    rest = diff[0] - effect.sum(axis=0)
    m, lo, hi = shapley.mean_interval(np.vstack([effect, rest[None]]))
    rows = [(ch.key, "channel", ch.label, m[k], lo[k], hi[k]) for k, ch in enumerate(plan.items)]
    rows.append(("interaction", "interaction", "interactions and overlap of the channels", m[c], lo[c], hi[c]))
    return _with_total(rows, diff[0])


def _with_total(rows: list, total: np.ndarray) -> list[Row]:
    t, tlo, thi = shapley.mean_interval(total)
    share = (lambda x: x / t) if abs(t) > 1e-12 else (lambda x: float("nan"))
    out = [Row(k, kind, label, float(x), float(a), float(b), float(share(x))) for k, kind, label, x, a, b in rows]
    return out + [Row("total", "total", "total difference", float(t), float(tlo), float(thi), 1.0)]


@dataclass
class Result:
    """An attribution: the table at the chosen step, every step's rows, and the levels.

    Attributes
    ----------
    rows : list of Row
        At `question.step`, the last one the total.
    over_time : list of (step, list of Row)
    levels : dict
        "scenario" and "against": (mean, lo, hi) of the outcome at the chosen step.
    higher : (int, int)
        Runs in which the outcome is higher under the scenario than under the reference, of all.
    seconds : float
        Time to run the variants.
    """
    plan: Plan
    question: Question
    runs: int
    seed: int
    rows: list
    over_time: list
    levels: dict
    higher: tuple = (0, 0)
    seconds: float = 0.0


def attribute(plan: Plan, q: Question, runs: int, seed: int, executor, progress=None) -> Result:
    """Run the plan's variants and split the difference at every step.

    Parameters
    ----------
    plan : from `plan_factors` or `plan_mechanisms`.
    q : the outcome (`question`).
    runs, seed : runs per variant and the root seed shared by every variant.
    executor : from `sim.engine.executor.make`.
    progress : called with the run-steps each finished task adds.
    """
    t0 = time.perf_counter()
    y = run_variants(plan, runs, seed, q, executor, progress)
    seconds = time.perf_counter() - t0
    over = [(t, _rows(plan, y[:, :, t])) for t in range(y.shape[2])]
    if plan.by == "factor":
        ends = {"against": y[0, :, q.step], "scenario": y[plan.masks.index(2 ** len(plan.items) - 1), :, q.step]}
    else:
        ends = {"scenario": y[0, :, q.step], "against": y[len(plan.items) + 1, :, q.step]}
    levels = {k: tuple(float(x) for x in shapley.mean_interval(v)) for k, v in ends.items()}
    higher = (int((ends["scenario"] > ends["against"]).sum()), runs)
    return Result(plan, q, runs, seed, over[q.step][1], over, levels, higher, seconds)


def total_run_steps(plan: Plan, runs: int) -> int:
    """Run-steps of all variants (the progress bar's total)."""
    return len(plan.variants) * runs * plan.variants[0].steps
