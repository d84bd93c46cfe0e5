"""The Mesa view of one run: a mesa.Model with one mesa.Agent per actor.

It holds no rules of its own. Each step calls sim.model.simulate.step on a one-run batch compiled
for run index `run`, so a Mesa run with seed S is run `run` of an ensemble with seed S,
number for number. Use it to inspect a run, collect data the Mesa way, or drive a page.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.core.pairs import mutual
from sim.model.simulate import step
from sim.model.state import KINDS
from sim.model.compile import compile
from sim.scenario.spec import Scenario


class ActorAgent(mesa.Agent):
    """One actor; its properties read the model's state row for this actor."""

    def __init__(self, model: "AlignmentModel", index: int, actor):
        super().__init__(model)
        self.index = index
        self.actor_id = actor.id
        self.name = actor.name

    def _row(self, field) -> dict[str, float]:
        m = self.model
        row = getattr(m.state, field)[self.index, :, 0]
        return {a: float(row[k]) for k, a in enumerate(m.actor_ids) if k != self.index}

    @property
    def alignment(self) -> dict[str, float]:
        """Stance toward each other actor."""
        return self._row("alignment")

    @property
    def threat(self) -> dict[str, float]:
        """Threat perception of each other actor."""
        return self._row("threat")

    @property
    def military(self) -> float:
        """Military capability now."""
        return float(self.model.state.military[self.index, 0])

    @property
    def need(self) -> float:
        """Acute pressure now, in [0, 1]."""
        return float(self.model.state.need[self.index, 0])

    def actions(self, threshold: float = 0.01) -> list[str]:
        """What this actor did in the last step, in words: the support it delivered (and the kinds
        it decided on), its sanctions and its secondary sanctions."""
        m, s, names = self.model, self.model.state, self.model.names
        out = []
        for k, other in enumerate(m.actor_ids):
            if k == self.index:
                continue
            sup = s.support[self.index, k, 0]
            if sup > threshold:
                kinds = [kind for q, kind in enumerate(KINDS) if s.act[q, self.index, k, 0] > 0.0]
                out.append(f"supports {names[other]} ({', '.join(kinds) or 'arms delivered'}, {sup:.2f})")
            if s.sanctions[self.index, k, 0] > threshold:
                out.append(f"sanctions {names[other]} ({s.sanctions[self.index, k, 0]:.2f})")
            if s.secondary[self.index, k, 0] > threshold:
                out.append(f"threatens secondary sanctions on {names[other]}'s partners")
        return out


class AlignmentModel(mesa.Model):
    """One run of a scenario. `run` picks which ensemble run this reproduces."""

    def __init__(self, scenario: Scenario, seed: int = 0, run: int = 0, steps: int | None = None):
        super().__init__(rng=seed)   # Mesa's own RNG is not used by the rules; seeded anyway
        self.spec = scenario
        self.seed_value, self.run_index = seed, run
        self.compiled = compile(scenario, seed, [run], steps)
        self.horizon = self.compiled.steps
        self.t = 0
        self.state = self.compiled.initial
        self.actor_ids = list(scenario.actor_ids)
        self.names = scenario.display
        self.actors = [ActorAgent(self, k, a) for k, a in enumerate(scenario.actors)]
        self.fired: list[str] = []
        self.datacollector = mesa.DataCollector(
            model_reporters={"date": lambda m: m.spec.date(m.t),
                             "alignment": lambda m: m.state.alignment[:, :, 0].copy(),
                             "mutual": lambda m: mutual(m.state.alignment[:, :, 0]),
                             "shocks": lambda m: list(m.fired)},
            agent_reporters={"actor": "actor_id", "military": "military", "need": "need"})
        self.datacollector.collect(self)

    @property
    def date(self) -> str:
        """The current month, 'YYYY-MM'."""
        return self.spec.date(self.t)

    def step(self) -> None:
        """Advance one month with the same kernel the ensemble uses; stop at the horizon."""
        if self.t >= self.horizon:
            self.running = False
            return
        self.t += 1
        c = self.compiled
        self.state = step(self.state, c.static, c.forcing(self.t), self.t, c.noise(self.t))
        self.fired = [s.shock.label for s in c.schedules if s.onset[0, self.t]]
        self.datacollector.collect(self)
        if self.t >= self.horizon:
            self.running = False

    def trajectory(self) -> np.ndarray:
        """Directed alignment over the collected steps: (T+1, N, N)."""
        return np.stack(self.datacollector.get_model_vars_dataframe()["alignment"].to_list())
