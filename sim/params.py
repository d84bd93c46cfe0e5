"""Compile a validated scenario into per-run arrays: the model's inputs for runs `runs`.

Every uncertain number is drawn here, keyed by its key path, so run r gets the same
values whichever other runs share its chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numba import njit

from . import corridor, interest, rng
from .actor import BEHAVIOUR
from .distribution import draw, nominal
from .dynamics import DTYPE, PARAMETERS, State, Static, initial_drive, initial_state, runs_first, runs_last
from .scenario import Scenario
from .shock import Context, Forcing, Schedule, schedule


@dataclass
class Compiled:
    scenario: Scenario
    seed: int
    runs: np.ndarray
    steps: int
    static: Static
    initial: State
    schedules: list[Schedule]
    noise_keys: np.ndarray     # (N, N, R) uint64, runs last, keyed by actor ids
    context: Context

    def forcing(self, t: int) -> Forcing:
        """The shocks' pushes at step t."""
        return self._apply(t, Forcing.zeros(len(self.runs), len(self.scenario.actors), len(self.context.closable)))

    def _apply(self, t: int, f: Forcing) -> Forcing:
        for sch in self.schedules:
            if sch.any_active[t]:
                sch.shock.force(f, sch.active[:, t], self.context, sch.draws)
        return f

    def forcing_table(self) -> tuple[np.ndarray, np.ndarray]:
        """Every step's forcing in compact form for dynamics.simulate_runs: the entries some shock
        touches at some step, f_idx (K, 3) = (channel, i, j) with channels 0-5 the Forcing
        matrices in field order and 6 a closure (i = its index, j = 0), and their values
        f_val (T+1, K, R). Every other entry is zero throughout."""
        runs, n = len(self.runs), len(self.scenario.actors)
        f = Forcing.zeros(runs, n, len(self.context.closable))
        rows = [f.matrices.reshape(-1, runs), runs_last(f.closure)]   # views of f's memory
        found, wrote = {}, [np.zeros(0, np.int64), np.zeros(0, np.int64)]
        for t in range(1, self.steps + 1):
            for x, w in zip(rows, wrote):
                x[w] = 0.0          # only what the last step wrote is not zero
            self._apply(t, f)
            wrote = [_nonzero_rows(x) for x in rows]
            for e in wrote[0]:
                found.setdefault((e // (n * n), e // n % n, e % n), {})[t] = rows[0][e].copy()
            for q in wrote[1]:
                found.setdefault((6, int(q), 0), {})[t] = rows[1][q].copy()
        f_idx = np.array(sorted(found), dtype=np.int64).reshape(-1, 3)
        f_val = np.zeros((self.steps + 1, len(f_idx), runs))
        for k, key in enumerate(map(tuple, f_idx)):
            for t, v in found[key].items():
                f_val[t, k] = v
        return f_idx, f_val

    def noise(self, t: int) -> np.ndarray:
        """(R, N, N) standard normals of step t (a view of run-last memory)."""
        return runs_first(rng.normal_field(self.noise_keys, t, np.empty(self.noise_keys.shape)))


@njit(cache=True)
def _nonzero_rows(x):
    """Indices of the rows of x (K, R) with a nonzero entry (a count per row, which vectorizes)."""
    out = np.empty(x.shape[0], np.int64)
    k = 0
    for i in range(x.shape[0]):
        c = 0
        for r in range(x.shape[1]):
            c += x[i, r] != 0.0
        if c:
            out[k] = i
            k += 1
    return out[:k]


def _draw(nominal_only: bool, run_values: dict | None):
    """The draw function for a compile: medians, explicit per-run values (experiments), or
    the scenario's distributions."""
    base = (lambda v, key, seed, runs: np.full(np.shape(runs), nominal(v))) if nominal_only else draw
    if not run_values:
        return base

    def drawn(v, key, seed, runs):
        if key in run_values:   # indexed by global run number, so chunking cannot matter
            return np.asarray(run_values[key], dtype=np.float64)[runs]
        return base(v, key, seed, runs)
    return drawn


def _matrix(draw, values: dict, ids, seed, runs, prefix: str, written: dict, default=0.0) -> np.ndarray:
    """Directed values; one the file gave only one way is drawn under the key it was written
    with, so both directions get the same draw, and --set or per-run values of that key move both."""
    n = len(ids)
    out = np.full((len(runs), n, n), default, dtype=DTYPE)
    for (i, j), v in values.items():
        key = f"{prefix}.{i}.{j}" if j in written.get(i, {}) else f"{prefix}.{j}.{i}"
        out[:, ids.index(i), ids.index(j)] = draw(v, key, seed, runs)
    return out


def reference_drive(scen: Scenario, w: np.ndarray) -> np.ndarray:
    """Mechanism drive at step 0 of the calibration scenario at nominal values, with each run's
    own dynamics weights w (R, len(PARAMETERS)): (R, N, N). The weights are the run's, so a run
    that weighs a mechanism differently (an override, a distribution, an experiment) still starts
    at rest and differs in how it responds, not in where it drifts."""
    ref = scen.reference or scen
    # the drive depends on a run only through its weights: when every run has the same, once
    same = bool((w == w[:1]).all())
    rows = w[:1] if same else w
    weights = {f"dynamics.{k}": rows[:, col] for col, k in enumerate(PARAMETERS)}
    c = compile(ref, 0, np.arange(len(rows)), steps=0, nominal_only=True, calibrate=False, run_values=weights)
    drive = np.asarray(initial_drive(c.initial, c.static))
    return np.broadcast_to(drive, (len(w), *drive.shape[1:])) if same else drive


def compile(scen: Scenario, seed: int, runs, steps: int | None = None,
            nominal_only: bool = False, calibrate: bool = True, run_values: dict | None = None) -> Compiled:
    """Per-run arrays for `runs`. nominal_only uses each distribution's median; run_values maps
    a parameter key path (as for --set) to an array of values indexed by global run number."""
    if run_values and not nominal_only:
        known = set(parameter_keys(scen))
        for key in run_values:
            if key not in known:
                from .errors import ScenarioError
                from .schema import close_matches
                raise ScenarioError(scen.path, key, "(per-run values)",
                                    "not a numeric parameter of this scenario" + close_matches(key, known))
    draw = _draw(nominal_only, run_values)
    runs = np.asarray(runs, dtype=np.int64)
    steps = scen.steps if steps is None else steps
    ids = list(scen.actor_ids)
    n, r = len(ids), len(runs)
    offdiag = 1.0 - np.eye(n)

    def per_actor(field):
        return np.stack([draw(getattr(a, field), f"actors.{a.id}.{field}", seed, runs)
                         for a in scen.actors], axis=1)

    def per_issue(field):
        return np.stack([np.stack([draw(getattr(a, field)[i], f"actors.{a.id}.{field}.{i}", seed, runs)
                                   for i in scen.issues], axis=1) for a in scen.actors], axis=1)

    mil, eco = per_actor("military"), per_actor("economic")
    beh = {b: per_actor(b) for b in BEHAVIOUR}
    sim = interest.similarity(per_issue("positions"), per_issue("salience")) * offdiag
    a0 = _matrix(draw, scen.relations, ids, seed, runs, "relations", scen.resolved.get("relations", {})) * offdiag
    # unless stated, an actor expects from a friend half its alignment in support
    x0 = 0.5 * np.maximum(a0, 0.0)
    for (i, j), v in scen.expectations.items():
        x0[:, ids.index(i), ids.index(j)] = draw(v, f"expectations.{i}.{j}", seed, runs)
    x0 *= offdiag
    vol = np.zeros((r, n, n), dtype=DTYPE)
    for (i, j), v in scen.trade.items():
        if ids.index(i) < ids.index(j):   # draw once per pair: trade is symmetric
            x = draw(v, f"trade.{i}.{j}", seed, runs)
            vol[:, ids.index(i), ids.index(j)] = vol[:, ids.index(j), ids.index(i)] = x
    total = vol.sum(axis=2, keepdims=True)
    share = np.where(total > 0, vol / np.where(total > 0, total, 1.0), 0.0)
    net = corridor.build_network(list(scen.corridors), ids)
    cap = np.stack([draw(c.capacity, f"corridors.{c.id}.capacity", seed, runs) for c in scen.corridors],
                   axis=1) if scen.corridors else np.zeros((r, 0))
    w = np.stack([draw(scen.dynamics[k], f"dynamics.{k}", seed, runs) for k in PARAMETERS], axis=1)
    econ_total = eco.sum(axis=1, keepdims=True)
    static = Static(offdiag, sim, np.zeros_like(a0), x0, mil,
                    np.where(econ_total > 0, eco / np.where(econ_total > 0, econ_total, 1.0), 0.0),
                    beh["sanctions_risk_tolerance"], beh["resolve"], beh["reliability"],
                    vol, share, cap, net, np.zeros_like(mil), w)
    ctx = scen.context()
    initial, chronic = initial_state(static, a0)
    static = replace(static, chronic=chronic)
    if calibrate:
        # 0.95 caps |atanh| at 1.83 so a file's +-1 does not become an infinite pull
        affinity = (np.arctanh(np.clip(a0, -0.95, 0.95)) - reference_drive(scen, w)) * offdiag
        static = replace(static, affinity=affinity)
    schedules = [schedule(s, seed, runs, steps, draw) for s in scen.shocks] if steps > 0 else []
    pair_keys = np.array([[rng.name_key("pair", a, b) for b in ids] for a in ids], dtype=np.uint64)
    noise_keys = rng.combine(rng.run_keys(seed, runs, "noise")[None, None, :], pair_keys[:, :, None])
    return Compiled(scen, seed, runs, steps, static, initial, schedules, noise_keys, ctx)


def parameter_keys(scen: Scenario) -> list[str]:
    """Every key path that compile draws (what experiments may vary per run)."""
    keys = []
    for a in scen.actors:
        keys += [f"actors.{a.id}.{f}" for f in ("military", "economic", *BEHAVIOUR)]
        keys += [f"actors.{a.id}.{f}.{i}" for f in ("positions", "salience") for i in scen.issues]
    written = scen.resolved.get("relations", {})
    keys += [f"relations.{i}.{j}" for i, j in scen.relations if j in written.get(i, {})]
    keys += [f"expectations.{i}.{j}" for i, j in scen.expectations]
    ids = list(scen.actor_ids)
    keys += [f"trade.{i}.{j}" for i, j in scen.trade if ids.index(i) < ids.index(j)]
    keys += [f"corridors.{c.id}.capacity" for c in scen.corridors]
    keys += [f"dynamics.{k}" for k in scen.dynamics]
    for s in scen.shocks:
        base = f"shocks.{s.name}"
        keys += [f"{base}.{f}" for f in ("intensity", "duration", "probability")]
        if s.hazard is not None:
            keys.append(f"{base}.hazard")
        for k, v in s.spec.items():
            if isinstance(v, dict):
                keys += [f"{base}.{k}.{a}" for a in v]
    return keys
