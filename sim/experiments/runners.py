"""Running the analyses: one runner per analysis type, and the ensemble streaming they share.

A runner runs its analysis's ensembles through `evaluate` and adds its rows to a
`sim.experiments.writers.Results`:

    compare      one ensemble per scenario, all with the experiment's seed, so run r of each
                 shares its random numbers and differences are paired run by run
    sweep        one ensemble for all points: point p's replicate j is run p * runs + j, and the
    sensitivity  parameter values reach the model as per-run values, indexed by global run
    discovery    number, so results do not depend on chunking

`evaluate` streams an ensemble chunk by chunk through the engine (`sim.engine.ensemble.Job`,
run by an executor from `sim.engine.executor`) and reduces each chunk to outcome values as it
arrives, so memory is bounded whatever the number of runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from sim.analysis.discovery import prim, rules
from sim.analysis.sensitivity import sobol
from sim.experiments.analyses import Compare, Discovery, Sensitivity, Sweep
from sim.experiments import attribution as att
from sim.experiments.attribution_analysis import Attribution, plan as attribution_plan
from sim.experiments.attribution_io import HEADER, OVER_TIME_HEADER, describe, table_rows
from sim.experiments.outcomes import Values
from sim.experiments.sampling import analysis_rng, run_values, sample_points
from sim.experiments.spec import Experiment
from sim.experiments.summaries import paired_difference, summarize, summarize_points
from sim.experiments.writers import OUTCOME_HEADER, QUANTILES, Results, cell, summary_cells

CHUNK = 2000   # runs per chunk: about 70 MB of arrays for a five-actor, four-year scenario


@dataclass
class RunContext:
    """Where an experiment's ensembles run, and where their progress and timings go.

    Parameters
    ----------
    executor : object
        An executor from `sim.engine.executor.make`.
    bar : tqdm.tqdm, optional
        A progress bar counting run-steps.
    timings : dict
        Seconds per analysis step, by name; it becomes the manifest's ``timings``.
    """

    executor: object
    bar: object = None
    timings: dict = field(default_factory=dict)

    def progress(self, n: int) -> None:
        """Advance the progress bar.

        Parameters
        ----------
        n : int
            Run-steps just done.
        """
        if self.bar is not None:
            self.bar.update(n)


def evaluate(scen, runs: int, seed: int, outcomes: list, ctx: RunContext, run_values: dict | None = None,
             pairs=()) -> tuple[dict[str, Values], np.ndarray | None]:
    """Run one ensemble and reduce it to outcome values, chunk by chunk.

    Parameters
    ----------
    scen : sim.scenario.Scenario
    runs : int
        Runs 0 .. runs-1 of the ensemble.
    seed : int
        The root seed.
    outcomes : list of Outcome
        What to evaluate on every run.
    ctx : RunContext
    run_values : dict, optional
        Per-run parameter values, key path -> array of shape (runs,), as from
        `sim.experiments.sampling.run_values`.
    pairs : sequence of (str, str)
        Actor pairs whose mutual alignment over time is kept.

    Returns
    -------
    values : dict
        Outcome name -> `Values` over all runs.
    series : ndarray of shape (runs, T+1, len(pairs)), float32, or None
        The pairs' mutual alignment; None without pairs.

    Notes
    -----
    Each chunk is dropped once reduced, and run r's numbers depend on the seed and r only,
    so the results are the same whatever `CHUNK`, the executor or its workers.
    """
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


def _pair_series(ens, pairs) -> np.ndarray:
    """(R, T+1, P) float32 mutual alignment of the given pairs."""
    ids = list(ens.scenario.actor_ids)
    a = ens.arrays["alignment"]
    cols = []
    for x, y in pairs:
        i, j = ids.index(x), ids.index(y)
        cols.append(0.5 * (a[:, :, i, j].astype(np.float32) + a[:, :, j, i]))
    return np.stack(cols, axis=-1)


def run_compare(exp: Experiment, an: Compare, k: int, w: Results, ctx: RunContext) -> None:
    """Run a comparison: each scenario's outcomes, paired differences and pair fan charts.

    Parameters
    ----------
    exp : Experiment
    an : Compare
    k : int
        The analysis's position in the experiment.
    w : Results
        Gets rows of outcomes.csv, compare.csv and compare_fan.csv, and every run's values.
    ctx : RunContext
    """
    vals, series, dates = {}, {}, {}
    outs = [exp.outcomes[o] for o in an.outcomes]
    for label in an.scenarios:
        scen = exp.scenarios[label]
        t0 = time.perf_counter()
        vals[label], series[label] = evaluate(scen, an.runs, exp.seed, outs, ctx, None, an.pairs)
        dates[label] = [scen.date(t) for t in range(scen.steps + 1)]
        ctx.timings[f"{an.name}:{label}"] = round(time.perf_counter() - t0, 3)
        w.store(f"{an.name}__{label}", vals[label])
    base = an.baseline
    for o in an.outcomes:
        for label in an.scenarios:
            s = summarize(vals[label][o])
            w.outcomes.append([an.name, label, "", o, *summary_cells(s)])
            row = [an.name, o, label, base, s.kind, cell(s.estimate), cell(s.low), cell(s.high),
                   "" if s.count is None else s.count, s.n]
            if label == base:
                row += ["", "", "", ""]
            else:
                d = paired_difference(vals[label][o], vals[base][o])
                row += [cell(d.estimate), cell(d.low), cell(d.high), d.method]
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
            w.fan.append([name, kind, label, base, a, b, s, date, cell(mean[s, p], 5),
                          *(cell(q[k, s, p], 5) for k in range(5))])


def _run_points(exp, an, k, w, ctx, names):
    """Sample the analysis's points, run their one ensemble and summarize each point."""
    scen = exp.scenarios[an.scenario]
    values, design = sample_points(an, exp.seed, k)
    t0 = time.perf_counter()
    out, _ = evaluate(scen, len(values) * an.runs, exp.seed, [exp.outcomes[o] for o in names], ctx,
                      run_values(an, values))
    ctx.timings[an.name] = round(time.perf_counter() - t0, 3)
    w.arrays[f"{an.name}__keys"] = np.array([p.key for p in an.parameters])
    w.arrays[f"{an.name}__params"] = values
    w.store(an.name, out)
    for o in names:
        for p, s in enumerate(summarize_points(out[o], len(values))):
            w.outcomes.append([an.name, an.scenario, p, o, *summary_cells(s)])
    return values, design, out


def run_sweep(exp: Experiment, an: Sweep, k: int, w: Results, ctx: RunContext) -> None:
    """Run a sweep: every outcome at every point, a row of sweep.csv each.

    Parameters
    ----------
    exp : Experiment
    an : Sweep
    k : int
        The analysis's position in the experiment: it seeds the points.
    w : Results
        Gets rows of outcomes.csv and sweep.csv, the points and every run's values.
    ctx : RunContext
    """
    values, _, out = _run_points(exp, an, k, w, ctx, an.outcomes)
    rows = []
    for o in an.outcomes:
        for p, s in enumerate(summarize_points(out[o], len(values))):
            row = {"analysis": an.name, "point": p, "outcome": o}
            row.update({q.key: cell(v, 8) for q, v in zip(an.parameters, values[p])})
            row.update(zip(OUTCOME_HEADER[4:], summary_cells(s)))
            rows.append(row)
    w.sweep[an.name] = rows


def run_sensitivity(exp: Experiment, an: Sensitivity, k: int, w: Results, ctx: RunContext) -> None:
    """Run a sensitivity analysis: Sobol' indices of each outcome's per-point mean.

    Parameters
    ----------
    exp : Experiment
    an : Sensitivity
    k : int
        The analysis's position in the experiment: it seeds the design and the bootstrap.
    w : Results
        Gets rows of outcomes.csv and sobol.csv, the points and every run's values.
    ctx : RunContext

    Notes
    -----

    A point's value is the mean of its runs. The noise left in that mean (the runs' variance
    within a point, divided by the runs per point) goes to the estimator, so that sobol.csv
    says how much of the outcome's variance is the model's own randomness.
    """
    values, design, out = _run_points(exp, an, k, w, ctx, an.outcomes)
    t0 = time.perf_counter()
    for oi, o in enumerate(an.outcomes):
        y = out[o].target().reshape(len(values), an.runs)
        ok = np.isfinite(y)
        f = np.where(ok, y, 0).sum(axis=1) / np.maximum(ok.sum(axis=1), 1)
        rep = float(np.nanmean(np.nanvar(y, axis=1, ddof=1)) / an.runs) if an.runs > 1 else float("nan")
        res = sobol(design, f, an.bootstrap, an.confidence, seed=analysis_rng(exp.seed, 1000 + 31 * k + oi),
                    replicate_variance=rep)
        for j, p in enumerate(an.parameters):
            w.sobol.append([an.name, o, p.key, p.label, cell(p.low), cell(p.high), cell(res.S1[j], 5),
                            cell(res.S1_low[j], 5), cell(res.S1_high[j], 5), cell(res.ST[j], 5),
                            cell(res.ST_low[j], 5), cell(res.ST_high[j], 5), cell(res.variance, 5),
                            cell(res.noise_share, 4), an.samples, an.runs])
    ctx.timings[f"{an.name}:sobol"] = round(time.perf_counter() - t0, 3)


def run_discovery(exp: Experiment, an: Discovery, k: int, w: Results, ctx: RunContext) -> None:
    """Run scenario discovery: PRIM, with every run as a case.

    Parameters
    ----------
    exp : Experiment
    an : Discovery
    k : int
        The analysis's position in the experiment: it seeds the points.
    w : Results
        Gets rows of outcomes.csv, prim.csv and prim_box.csv, a block of rules.txt, the points
        and every run's values.
    ctx : RunContext
    """
    values, _, out = _run_points(exp, an, k, w, ctx, (an.outcome,))
    t0 = time.perf_counter()
    x = np.repeat(values, an.runs, axis=0)
    y = out[an.outcome].event
    bounds = np.array([[p.low, p.high] for p in an.parameters])
    res = prim(x, y, names=[p.key for p in an.parameters], bounds=bounds, peel_alpha=an.peel_alpha,
               paste_alpha=an.paste_alpha, mass_min=an.mass_min, min_coverage=an.min_coverage,
               threshold=an.threshold, boxes=an.boxes)
    rows = []
    for b, br in enumerate(res.boxes, 1):
        for s, box in enumerate(br.trajectory):
            rows.append(_prim_row(an, b, s, box, int(box.restricted(bounds).sum()), int(s == br.chosen)))
        rows.append(_prim_row(an, b, "final", br.box, int(br.restricted.sum()), 1))
        fb = br.box
        for j, p in enumerate(an.parameters):
            w.prim_box.append([an.name, b, p.key, p.label, cell(fb.limits[j, 0], 6), cell(fb.limits[j, 1], 6),
                               cell(p.low), cell(p.high), int(br.restricted[j]), cell(br.qp[j], 3),
                               cell(fb.coverage, 5), cell(fb.density, 5), cell(fb.mass, 5)])
    w.prim[an.name] = rows
    desc = exp.outcomes[an.outcome].describe(exp.names, exp.end)
    head = f"== {an.name}: scenario {an.scenario}, {an.samples} samples x {an.runs} runs =="
    w.rules.append(head + "\n" + rules(res, {p.key: p.label for p in an.parameters}, desc))
    ctx.timings[f"{an.name}:prim"] = round(time.perf_counter() - t0, 3)


def _prim_row(an: Discovery, b: int, step, box, n_restricted: int, chosen: int) -> dict:
    """A row of prim.csv: one box of box b's trajectory (`step`), or its final box."""
    row = {"analysis": an.name, "box": b, "step": step, "coverage": cell(box.coverage, 5),
           "density": cell(box.density, 5), "mass": cell(box.mass, 5), "n": box.n, "hits": box.hits,
           "n_restricted": n_restricted, "chosen": chosen}
    for j, p in enumerate(an.parameters):
        row[f"{p.key}__low"], row[f"{p.key}__high"] = cell(box.limits[j, 0], 6), cell(box.limits[j, 1], 6)
    return row


def run_attribution(exp: Experiment, an: Attribution, k: int, w: Results, ctx: RunContext) -> None:
    """Run an attribution analysis: its variants, then its rows and its manifest description.

    Parameters
    ----------
    exp : Experiment
    an : Attribution
    k : int
        The analysis's position in the experiment (unused: every variant runs with the seed).
    w : Results
        Gets rows of attribution.csv and attribution_over_time.csv, and the description.
    ctx : RunContext
    """
    t0 = time.perf_counter()
    scen, other = exp.scenarios[an.scenario], exp.scenarios[an.against]
    q = att.question(scen, an.pair, an.measure, an.at)
    result = att.attribute(attribution_plan(an, exp.scenarios), q, an.runs, exp.seed, ctx.executor, ctx.progress)
    main, over = table_rows(result, an.name)
    w.add_table("attribution.csv", ["analysis", *HEADER], main)
    w.add_table("attribution_over_time.csv", ["analysis", *OVER_TIME_HEADER], over)
    w.details.setdefault(an.name, {})["attribution"] = describe(result, scen, other)
    ctx.timings[an.name] = round(time.perf_counter() - t0, 3)


RUNNERS = {"compare": run_compare, "sweep": run_sweep, "sensitivity": run_sensitivity, "discovery": run_discovery,
           "attribution": run_attribution}


def total_run_steps(exp: Experiment) -> int:
    """The run-steps of a whole experiment: runs times steps, summed over its ensembles.

    Parameters
    ----------
    exp : Experiment

    Returns
    -------
    int
        The progress bar's total, and the work `sim.engine.executor.make` chooses a backend by.
    """
    total = 0
    for an in exp.analyses:
        if isinstance(an, Compare):
            total += sum(an.runs * exp.scenarios[s].steps for s in an.scenarios)
        else:
            total += an.n_points * an.runs * exp.scenarios[an.scenario].steps
    return total
