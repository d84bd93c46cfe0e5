"""Compile a validated scenario into the model's inputs for a range of runs.

Every uncertain number is drawn here, keyed by its key path, so run r gets the same values
whichever other runs share its chunk (common random numbers across scenarios, too).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.core import rng, vecmath
from sim.core.errors import ScenarioError
from sim.model.forcing import Schedule, schedule
from sim.model.routing import build_network
from sim.model.kernel import ODDS_FLOOR
from sim.model.simulate import initial_drive, initial_state, zero_forcing
from sim.model.state import CLOSURE, DTYPE, KINDS, STRIKE, Declared, Forcing, State, Static, runs_last
from sim.scenario.actors import BEHAVIOUR
from sim.scenario.distribution import draw, nominal
from sim.scenario.parameters import PARAMETERS
from sim.scenario.schema import close_matches
from sim.scenario.shocks import Context
from sim.scenario.spec import Scenario, parameter_keys


@dataclass
class Compiled:
    """A scenario compiled for runs `runs`: everything the kernel needs, as arrays.

    Attributes
    ----------
    scenario, seed : what was compiled.
    runs : (R,) global run numbers.
    steps : months to simulate.
    static : per-run constants (sim.model.state.Static, runs last).
    initial : the step-0 State.
    schedules : one per shock: when it is active in each run, and at what intensity.
    noise_keys : (N, N, R) uint64 keys of the alignment noise, keyed by actor ids.
    context : what shocks refer to (actor ids, closable names).
    """
    scenario: Scenario
    seed: int
    runs: np.ndarray
    steps: int
    static: Static
    initial: State
    schedules: list[Schedule]
    noise_keys: np.ndarray
    context: Context

    def forcing(self, t: int) -> Forcing:
        """The shocks' pushes at step t, as a Forcing (runs last)."""
        return self._apply(t, zero_forcing(self.static))

    def _apply(self, t: int, f: Forcing) -> Forcing:
        for sch in self.schedules:
            if sch.any_active[t]:
                x = sch.active[:, t]
                sch.shock.force(f, x, self.context, sch.draws, np.where(sch.onset[:, t], x, 0.0))
        return f

    def forcing_table(self) -> tuple[np.ndarray, np.ndarray]:
        """Every step's forcing in compact form for sim.model.simulate.simulate_runs.

        Returns
        -------
        rows : (K,) int64, the rows of Forcing.memory that some shock touches at some step.
        values : (T+1, K, R) their values; every other entry is zero throughout.
        """
        f = zero_forcing(self.static)
        found: dict[int, dict[int, np.ndarray]] = {}
        wrote = np.zeros(0, np.int64)
        for t in range(1, self.steps + 1):
            f.memory[wrote] = 0.0          # only what the last step wrote is not zero
            self._apply(t, f)
            wrote = _nonzero_rows(f.memory)
            for row in wrote:
                found.setdefault(int(row), {})[t] = f.memory[row].copy()
        rows = np.array(sorted(found), dtype=np.int64)
        values = np.zeros((self.steps + 1, len(rows), len(self.runs)))
        for q, row in enumerate(rows):
            for t, v in found[row].items():
                values[t, q] = v
        return rows, values

    def noise(self, t: int) -> np.ndarray:
        """(N, N, R) standard normals of step t."""
        return rng.normal_field(self.noise_keys, t, np.empty(self.noise_keys.shape))


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
    """Directed values (R, N, N); one the file gave only one way is drawn under the key it was
    written with, so both directions get the same draw, and --set or per-run values of that key
    move both."""
    n = len(ids)
    out = np.full((len(runs), n, n), default, dtype=DTYPE)
    for (i, j), v in values.items():
        key = f"{prefix}.{i}.{j}" if j in written.get(i, {}) else f"{prefix}.{j}.{i}"
        out[:, ids.index(i), ids.index(j)] = draw(v, key, seed, runs)
    return out


def _shares(x: np.ndarray, axis: int) -> np.ndarray:
    """x over its total along axis, 0 where the total is 0."""
    total = x.sum(axis=axis, keepdims=True)
    return np.where(total > 0, x / np.where(total > 0, total, 1.0), 0.0)


def inputs(scen: Scenario, seed: int, runs: np.ndarray, draw) -> tuple[Static, dict[str, np.ndarray]]:
    """Every per-run input of the model, drawn with `draw`: the Static arrays (affinity zero; the
    reference values measured at step 0 not yet known) and the start values of the State
    (sim.model.simulate.initial_state), all runs last."""
    ids = list(scen.actor_ids)
    n, r = len(ids), len(runs)
    offdiag = 1.0 - np.eye(n)

    def per_actor(field):
        return np.stack([draw(getattr(a, field), f"actors.{a.id}.{field}", seed, runs)
                         for a in scen.actors], axis=1)

    def per_issue(field):
        return np.stack([np.stack([draw(getattr(a, field)[i], f"actors.{a.id}.{field}.{i}", seed, runs)
                                   for i in scen.issues], axis=1) for a in scen.actors], axis=1)

    def directed(values, prefix, written=None, default=0.0):
        return _matrix(draw, values, ids, seed, runs, prefix, written if written is not None else
                       scen.resolved.get(prefix, {}), default) * offdiag

    mil, eco = per_actor("military"), per_actor("economic")
    beh = {b: per_actor(b) for b in BEHAVIOUR}
    a0 = directed(scen.relations, "relations")
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
    total, row_volume, row_exposure, exposure_to, row_total = _trade_totals(scen, seed, runs, draw, vol,
                                                                            beh["financial_reach"])
    cap = np.stack([draw(c.capacity, f"corridors.{c.id}.capacity", seed, runs) for c in scen.corridors],
                   axis=1) if scen.corridors else np.zeros((r, 0))
    w = np.stack([draw(scen.dynamics[k], f"dynamics.{k}", seed, runs) for k in PARAMETERS], axis=1)
    sanctions0 = directed(scen.sanctions, "sanctions")
    secondary0 = directed(scen.secondary, "secondary_sanctions")
    static = Static(
        salience=runs_last(normalised_salience(per_issue("salience"))), affinity=np.zeros((n, n, r)),
        expectation0=runs_last(x0), military0=runs_last(mil), econ_share=runs_last(_shares(eco, 1)),
        tolerance=runs_last(beh["sanctions_risk_tolerance"]), resolve=runs_last(beh["resolve"]),
        reliability=runs_last(beh["reliability"]), finance=runs_last(beh["financial_reach"]),
        trade_total=runs_last(total), volume=runs_last(vol), trade_share=runs_last(vol / total[:, :, None]),
        volume_row=runs_last(row_volume), exposure_to=runs_last(exposure_to), row_exposure=runs_last(row_exposure),
        row_tolerance=draw(scen.world_tolerance, "world.sanctions_tolerance", seed, runs)[None, :].copy(),
        sanctions0=runs_last(sanctions0), secondary0=runs_last(secondary0), sanction_value0=np.zeros((n, n, r)),
        sanction_odds0=runs_last(sanction_odds(sanctions0)),
        factor0=np.ones((n, n, r)), factor0_row=np.ones((n, r)), lost0=np.zeros((n, r)),
        choke_loss=np.zeros((len(scen.context().closable), n, r)),
        choke_world=np.zeros((len(scen.context().closable), r)), row_total=row_total[None, :].copy(),
        **declared(scen, seed, runs, draw),
        taste=taste(seed, runs, ids), capacity=runs_last(cap), w=runs_last(w),
        network=build_network(list(scen.corridors), ids))
    start = {"alignment": runs_last(a0), "military": runs_last(mil), "positions": runs_last(per_issue("positions")),
             "expectation": runs_last(x0), "sanctions": runs_last(sanctions0), "secondary": runs_last(secondary0)}
    return static, start


def _trade_totals(scen, seed, runs, draw, vol, finance):
    """Each actor's total trade (at least its modelled trade), its trade with the rest of the world,
    how exposed each economy is to each sanctions sender: exposure_to[i, s] = the share of i's
    trade with s, plus the rest reached through s's finance. The rest of the world trades with s
    what s does not trade with the actors; its exposure is that share of its own trade, likewise; and
    the rest of the world's own trade (world trade less the actors' totals: each counts its
    exports and imports)."""
    modelled = vol.sum(axis=2)
    total = np.stack([np.maximum(draw(a.trade_total, f"actors.{a.id}.trade_total", seed, runs), modelled[:, k])
                      if a.trade_total is not None else modelled[:, k] for k, a in enumerate(scen.actors)], axis=1)
    total = np.where(total > 0, total, 1.0)   # an actor that trades with no one: shares of 0
    row_volume = np.maximum(total - modelled, 0.0)
    world = (np.maximum(draw(scen.world_trade, "world.trade", seed, runs), total.sum(axis=1))
             if scen.world_trade is not None else total.sum(axis=1))
    row_total = world - total.sum(axis=1)
    row_share = np.where(row_total[:, None] > 0, row_volume / np.where(row_total > 0, row_total, 1.0)[:, None], 0.0)
    share = vol / total[:, :, None]
    exposure_to = share + finance[:, None, :] * (1.0 - share)
    row_exposure = row_share + finance * (1.0 - row_share)
    return total, row_volume, row_exposure, exposure_to, row_total


def declared(scen: Scenario, seed: int, runs: np.ndarray, draw) -> dict:
    """The Static fields of the scenario's declared decisions (enabled ones): index arrays, their
    drawn parameters (D, R), and the random part of each (a logistic draw per run, keyed by name)."""
    ids, ctx = list(scen.actor_ids), scen.context()
    decs = [d for d in scen.decisions if d.enabled]
    kinds = [CLOSURE if d.type_name == "corridor_closure" else STRIKE for d in decs]
    objects = [ctx.closable.index(d.spec["corridor"]) if kind == CLOSURE else ids.index(d.spec["target"])
               for d, kind in zip(decs, kinds)]

    def rows(field, transform=lambda v: v):
        return (np.stack([transform(draw(getattr(d, field), f"decisions.{d.name}.{field}", seed, runs)) for d in decs])
                if decs else np.zeros((0, len(runs))))

    keys = np.array([rng.name_key("decision", d.name) for d in decs], dtype=np.uint64)
    draws = np.empty((len(decs), len(runs)))
    logistic(rng.combine(rng.run_keys(seed, runs, "decision")[None, :], keys[:, None]), draws)
    return {"declared": Declared(np.array([ids.index(d.author) for d in decs], dtype=np.int64),
                                 np.array(kinds, dtype=np.int64), np.array(objects, dtype=np.int64)),
            "decision_propensity": rows("propensity"), "decision_intensity": rows("intensity"),
            "decision_duration": rows("duration", lambda v: np.maximum(1.0, np.rint(v))),
            "decision_taste": draws}


def sanction_odds(level: np.ndarray) -> np.ndarray:
    """Log-odds of sanctions levels, with 0 and 1 held at odds of 1:99 and 99:1 (kernel.ODDS_FLOOR)."""
    p = ODDS_FLOOR + (1.0 - 2.0 * ODDS_FLOOR) * level
    return np.log(p) - np.log1p(-p)


def normalised_salience(sal: np.ndarray) -> np.ndarray:
    """Salience rows summing to 1 (an actor that cares about nothing weighs all issues equally)."""
    total = sal.sum(axis=-1, keepdims=True)
    return np.where(total > 0, sal / np.where(total > 0, total, 1.0), 1.0 / sal.shape[-1])


def taste(seed: int, runs: np.ndarray, ids: list[str]) -> np.ndarray:
    """The random part of every support decision: standard logistic draws (kinds, N, N, R), keyed
    by run, kind and actor ids (common across scenarios that share the actors)."""
    keys = np.array([[[rng.name_key("taste", kind, a, b) for b in ids] for a in ids] for kind in KINDS],
                    dtype=np.uint64)
    out = np.empty((len(KINDS), len(ids), len(ids), len(runs)))
    logistic(rng.combine(rng.run_keys(seed, runs, "taste")[None, None, None, :], keys[..., None]), out)
    return out


@njit(cache=True)
def logistic(keys, out):
    """out = log(u / (1 - u)) for the uniform u of each key, with vecmath's log, so a run's draw
    does not depend on its position in the array."""
    flat_k, flat_o = keys.reshape(-1), out.reshape(-1)
    for q in range(flat_k.shape[0]):
        u = rng.uniform(flat_k[q])
        flat_o[q] = vecmath.log(u) - vecmath.log(1.0 - u)


def reference_drive(scen: Scenario, w: np.ndarray) -> np.ndarray:
    """Mechanism drive at step 0 of the calibration scenario at nominal values, with each run's
    own dynamics weights w (P, R): (N, N, R).

    The weights are the run's, so a run that weighs a mechanism differently (an override, a
    distribution, an experiment) still starts at rest and differs in how it responds, not in
    where it drifts (docs/MODEL.md, A3)."""
    ref = scen.reference or scen
    # the drive depends on a run only through its weights: when every run has the same, once
    same = bool((w == w[:, :1]).all())
    cols = w[:, :1] if same else w
    weights = {f"dynamics.{k}": cols[row] for row, k in enumerate(PARAMETERS)}
    static, start = inputs(ref, 0, np.arange(cols.shape[1]), _draw(True, weights))
    drive = initial_drive(initial_state(static, start), static)
    return np.broadcast_to(drive, (*drive.shape[:2], w.shape[1])) if same else drive


def compile(scen: Scenario, seed: int, runs, steps: int | None = None,
            nominal_only: bool = False, calibrate: bool = True, run_values: dict | None = None) -> Compiled:
    """The model's inputs for runs `runs` of `scen` with root seed `seed`.

    Parameters
    ----------
    scen : a validated Scenario (sim.scenario.load).
    seed : root seed; run r's numbers depend only on (seed, r, names), never on the other runs.
    runs : global run numbers.
    steps : months to simulate (default: the scenario's).
    nominal_only : use each distribution's median instead of drawing.
    calibrate : set the affinity so the calibration scenario starts at rest (A3).
    run_values : parameter key path (as for --set) -> array of values indexed by global run number
        (experiments vary parameters this way).

    Raises
    ------
    ScenarioError : a run_values key that is not a numeric parameter of the scenario.

    Examples
    --------
    >>> from sim import scenario
    >>> c = compile(scenario.load("scenarios/june_war_pivot.toml"), seed=1, runs=range(4))
    >>> c.initial.alignment.shape     # (from, to, run)
    (5, 5, 4)
    """
    if run_values and not nominal_only:
        known = set(parameter_keys(scen))
        for key in run_values:
            if key not in known:
                raise ScenarioError(scen.path, key, "(per-run values)",
                                    "not a numeric parameter of this scenario" + close_matches(key, known))
    draw_fn = _draw(nominal_only, run_values)
    runs = np.asarray(runs, dtype=np.int64)
    steps = scen.steps if steps is None else steps
    static, start = inputs(scen, seed, runs, draw_fn)
    initial = initial_state(static, start)   # also sets the reference values in static
    if calibrate:
        # 0.95 caps |atanh| at 1.83 so a file's +-1 does not become an infinite pull
        offdiag = (1.0 - np.eye(len(scen.actors)))[:, :, None]
        static.affinity[...] = (np.arctanh(np.clip(start["alignment"], -0.95, 0.95))
                                - reference_drive(scen, static.w)) * offdiag
    schedules = [schedule(s, seed, runs, steps, draw_fn) for s in scen.shocks] if steps > 0 else []
    ids = list(scen.actor_ids)
    pair_keys = np.array([[rng.name_key("pair", a, b) for b in ids] for a in ids], dtype=np.uint64)
    noise_keys = rng.combine(rng.run_keys(seed, runs, "noise")[None, None, :], pair_keys[:, :, None])
    return Compiled(scen, seed, runs, steps, static, initial, schedules, noise_keys, scen.context())
