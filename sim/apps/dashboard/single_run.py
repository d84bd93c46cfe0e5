"""Single-run view: Mesa's SolaraViz stepping one AlignmentModel run.

This is where Mesa's visualization fits: one mesa.Model instance advanced step by step,
with Mesa's own controls (Reset, play/pause, Step, play and render intervals) and its
model-parameter panel (the run index). The components shown next to it are ours: the
alignment matrix, this run's trajectories, and what each actor did and which shocks
fired, read from the model (AlignmentModel.state, ActorAgent.actions(), the compiled
shock schedules).
"""

from __future__ import annotations

import html

import numpy as np
import solara

from sim.model.agents import AlignmentModel
from sim.apps.dashboard import state
from sim.figures import dashboard as charts


class DashboardRun(AlignmentModel):
    """AlignmentModel rebuilt from plain values (file, overrides, seed, run).

    Mesa's Reset rebuilds a model by calling its class with the model parameters. The base
    class takes a Scenario object under the name `scenario`, a name Mesa 3.5's Reset fills
    with its own mesa.experimental.scenarios.Scenario, so this subclass takes the scenario
    file and the page's --set overrides instead, loaded by the same path as the ensemble
    (state.load): run r here is run r of the page's ensemble with the same seed."""

    def __init__(self, scenario_file: str = "", overrides: tuple = (), seed: int = state.DEFAULT_SEED,
                 run: int = 0, pairs: tuple = ()):
        super().__init__(state.load(scenario_file, tuple(overrides)), seed=int(seed), run=int(run))
        self.scenario_file = scenario_file
        self.overrides = tuple(overrides)
        self.pairs = tuple(tuple(p) for p in pairs) or tuple(state.default_pairs(self.spec))

    def fired_so_far(self) -> list[tuple[int, str]]:
        """(step, label) of every shock onset up to the current step, in order."""
        out = []
        for sch in self.compiled.schedules:
            for t in np.flatnonzero(sch.onset[0, : self.t + 1]):
                out.append((int(t), sch.shock.label))
        return sorted(out)


def _img(png: bytes, cls: str):
    return solara.Image(png, width="100%", classes=[cls])


def MatrixComponent(model: DashboardRun):
    """The mutual alignment matrix at the current step."""
    return _img(charts.run_matrix_png(model), "alignsim-run-matrix")


def TrajectoryComponent(model: DashboardRun):
    """The chosen pairs' mutual alignment in this run so far."""
    return _img(charts.run_trajectory_png(model, model.pairs), "alignsim-run-trajectory")


def EventsComponent(model: DashboardRun):
    """The date, the shocks that fired this month and before, and each actor's actions."""
    esc = html.escape
    fired = model.fired_so_far()
    now = [lab for t, lab in fired if t == model.t]
    rows = []
    for a in model.actors:
        acts = a.actions()
        rows.append(f"<tr><th>{esc(a.name)}</th><td>{esc('; '.join(acts)) if acts else '&mdash;'}</td></tr>")
    past = "".join(f"<li{' class=now' if t == model.t else ''}>{esc(model.spec.date(t))}: {esc(lab)}</li>"
                   for t, lab in fired[-12:])
    body = f"""
<div class="alignsim-run-date"><b>{esc(model.date)}</b> &middot; month {model.t} of {model.horizon}
 &middot; run {model.run_index}, seed {model.seed_value}</div>
<div class="alignsim-run-fired"><b>Shocks this month:</b> {esc(', '.join(now)) if now else 'none'}</div>
<table class="alignsim-actions"><caption>What each actor did this month</caption>{''.join(rows)}</table>
<div><b>Shocks so far</b> (latest {min(12, len(fired))} of {len(fired)}):<ul>{past or '<li>none yet</li>'}</ul></div>
"""
    return solara.HTML(tag="div", unsafe_innerHTML=body, classes=["alignsim-run-log"])


COMPONENTS = [(MatrixComponent, 0), (EventsComponent, 0), (TrajectoryComponent, 0)]


def model_params(path: str, overrides: tuple, seed: int, runs: int, pairs) -> dict:
    """SolaraViz model parameters: fixed (file, overrides, seed, pairs) and the run index."""
    return {
        "scenario_file": path,
        "overrides": tuple(overrides),
        "seed": int(seed),
        "pairs": tuple(tuple(p) for p in pairs),
        "run": {"type": "SliderInt", "value": 0, "min": 0, "max": max(0, runs - 1), "step": 1,
                "label": "Run of the ensemble (then Reset)"},
    }
