"""Test helpers: write small scenario files and run them.

`make_scenario(tmp_path, ...)` writes a minimal valid scenario TOML and returns
`sim.scenario.load(path)`; `write_scenario` returns the path only (for CLI tests and
for `load(path, overrides=[...])`). Everything not given gets a plain default, so a test
names only what its mechanism needs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import sim.scenario
from sim.engine.ensemble import simulate
from sim.model.compile import compile as compile_scenario
from sim.analysis import coalitions as co
from sim.scenario.toml_out import toml_literal

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

DEFAULT_ACTOR = {
    "military": 100.0,
    "economic": 1.0,
    "sanctions_risk_tolerance": 0.5,
    "resolve": 0.5,
    "reliability": 0.5,
}


toml_value = toml_literal   # one TOML writer for the package and the tests


def _table(name: str, fields: dict) -> str:
    lines = [f"[{name}]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in fields.items()]
    return "\n".join(lines) + "\n"


def _rows(name: str, matrix: dict) -> str:
    """{(i, j): v} -> [name.i] tables, rows in first-seen order."""
    rows: dict[str, dict] = {}
    for (i, j), v in matrix.items():
        rows.setdefault(i, {})[j] = v
    return "\n".join(_table(f"{name}.{i}", row) for i, row in rows.items())


def scenario_toml(actors=2, issues=("x", "y"), relations=None, expectations=None, trade=None,
                  corridors=None, shocks: str = "", dynamics=None, steps: int = 12,
                  start: str = "2024-01", name: str = "test", extends: str | None = None,
                  key_pairs=None, extra: str = "") -> str:
    """Scenario text.

    actors: an int n (ids a, b, c, ... or a0..a{n-1} beyond 26), a list of ids, or a dict
      id -> fields merged over DEFAULT_ACTOR (positions/salience as dicts issue -> value).
    relations/expectations/trade: {(i, j): value}; trade is written as given (one side).
    corridors: {id: fields}; shocks: TOML text of [shocks.NAME] tables, written as is.
    dynamics: {parameter: value}.
    """
    if isinstance(actors, int):
        ids = [chr(ord("a") + k) for k in range(actors)] if actors <= 26 else [f"a{k}" for k in range(actors)]
        actors = {i: {} for i in ids}
    elif isinstance(actors, (list, tuple)):
        actors = {i: {} for i in actors}
    parts = []
    if extends is not None:
        parts.append(f"extends = {toml_value(extends)}\n")
    parts.append(_table("scenario", {"name": name, "title": f"test scenario {name}"}))
    parts.append(_table("time", {"start": start, "steps": steps}))
    parts.append(_table("issues", {i: i for i in issues}))
    for aid, fields in actors.items():
        parts.append(_table(f"actors.{aid}", {**DEFAULT_ACTOR, **fields}))
    if relations:
        parts.append(_rows("relations", relations))
    if expectations:
        parts.append(_rows("expectations", expectations))
    if trade:
        parts.append(_rows("trade", trade))
    for cid, fields in (corridors or {}).items():
        parts.append(_table(f"corridors.{cid}", fields))
    if dynamics:
        parts.append(_table("dynamics", dynamics))
    if key_pairs:
        parts.append(_table("outputs", {"key_pairs": [list(p) for p in key_pairs]}))
    if shocks:
        parts.append(shocks.strip() + "\n")
    if extra:
        parts.append(extra.strip() + "\n")
    return "\n".join(parts)


def write_scenario(folder, filename: str = "scen.toml", **kw) -> Path:
    path = Path(folder) / filename
    path.write_text(scenario_toml(**kw))
    return path


def make_scenario(folder, filename: str = "scen.toml", overrides=(), **kw):
    """Write a scenario (see scenario_toml) into folder and load it."""
    return sim.scenario.load(write_scenario(folder, filename, **kw), overrides)


def run(scen, seed: int = 1, runs=1, steps: int | None = None) -> dict[str, np.ndarray]:
    """Compile and simulate runs (an int n means runs 0..n-1); recorded arrays (R, T+1, ...)."""
    runs = np.arange(runs) if isinstance(runs, int) else runs
    return simulate(compile_scenario(scen, seed, runs, steps))


def ix(scen, *ids):
    """Actor indices."""
    out = tuple(scen.actor_ids.index(i) for i in ids)
    return out if len(out) > 1 else out[0]


def random_scenario_toml(rng: np.random.Generator, n: int, steps: int = 12, n_shocks: int = 4,
                         n_corridors: int = 2, noise: float = 0.05, dynamics=None) -> str:
    """A random valid scenario of n actors (positions, relations, trade, corridors, shocks)."""
    ids = [f"a{k}" for k in range(n)]
    issues = ("x", "y", "z")
    actors = {}
    for i in ids:
        actors[i] = {
            "military": float(rng.uniform(1, 1000)),
            "economic": float(rng.uniform(0.1, 30)),
            "sanctions_risk_tolerance": float(rng.uniform(0, 1)),
            "resolve": float(rng.uniform(0, 1)),
            "reliability": {"dist": "uniform", "low": 0.2, "high": 0.8},
            "positions": {k: float(rng.uniform(-1, 1)) for k in issues},
            "salience": {k: float(rng.uniform(0, 1)) for k in issues},
        }
    relations = {(i, j): float(rng.uniform(-1, 1)) for i in ids for j in ids if i != j}
    trade = {(ids[a], ids[b]): float(rng.uniform(0, 100))
             for a in range(n) for b in range(a + 1, n) if rng.uniform() < 0.6}
    corridors = {}
    for k in range(n_corridors):
        a, b = rng.choice(n, 2, replace=False)
        corridors[f"route{k}"] = {"pairs": [[ids[a], ids[b]]], "capacity": float(rng.uniform(1, 50)),
                                  "transit_days": float(rng.uniform(5, 40)),
                                  "chokepoints": [f"strait{k % 2}"]}
    shock_text = []
    for k in range(n_shocks):
        a, b = (ids[x] for x in rng.choice(n, 2, replace=False))
        when = f"at = {int(rng.integers(1, steps + 1))}" if rng.uniform() < 0.5 \
            else f"hazard = {float(rng.uniform(0, 0.3))!r}"
        kind = ["armed_conflict", "sanctions", "arms_transfer", "diplomatic_event",
                "sanctions_relief", "corridor_closure"][k % 6]
        fields = {"armed_conflict": f'attacker = "{a}"\ndefender = "{b}"',
                  "sanctions": f'sender = "{a}"\ntarget = "{b}"\nsecondary = true',
                  "arms_transfer": f'supplier = "{a}"\nrecipient = "{b}"',
                  "diplomatic_event": f'participants = ["{a}", "{b}"]',
                  "sanctions_relief": f'sender = "{a}"\ntarget = "{b}"',
                  "corridor_closure": 'corridor = "strait0"'}[kind]
        if kind == "corridor_closure" and not corridors:
            continue
        shock_text.append(f"[shocks.s{k}]\ntype = \"{kind}\"\n{fields}\n{when}\n"
                          f"duration = {int(rng.integers(1, 6))}\nintensity = {float(rng.uniform(0, 1))!r}\n")
    return scenario_toml(actors=actors, issues=issues, relations=relations, trade=trade,
                         corridors=corridors, shocks="\n".join(shock_text), steps=steps,
                         dynamics={"noise": noise, **(dynamics or {})})


# Routing outside the kernel, for tests of the rule itself (the model calls routing.usable and
# routing.allocate from its compiled month).

def availability(net, closure: np.ndarray, step: int) -> np.ndarray:
    """Each corridor's open share: (R, C). closure: (R, Q) in [0, 1]."""
    from sim.model import routing
    runs, n_c = closure.shape[0], net.choke_of.shape[0]
    left, out = np.empty((n_c, runs)), np.empty((n_c, runs))
    routing.usable(np.ones((n_c, runs)), np.ascontiguousarray(np.asarray(closure, dtype=np.float64).T),
                   net.choke_of, net.opens, step, 0, runs, left, out)
    return out.T.copy()


def route(net, demand: np.ndarray, capacity: np.ndarray, open_share=None) -> tuple[np.ndarray, np.ndarray]:
    """Allocate (R, P) demand over (R, C) capacity, each corridor passing its open share (R, C) of
    what asks for it (default all); returns (delivered, flow per corridor)."""
    from sim.model import routing
    demand = np.asarray(demand, dtype=np.float64)
    runs, n_c = demand.shape[0], net.choke_of.shape[0]
    capacity = np.broadcast_to(np.asarray(capacity, dtype=np.float64), (runs, n_c))
    shares = np.ones((runs, n_c)) if open_share is None else np.broadcast_to(np.asarray(open_share, float), (runs, n_c))
    remaining = np.array(demand.T, order="C")
    left = np.array(capacity.T, order="C")   # a writable copy (capacity may be a broadcast view)
    flow = np.zeros((n_c, runs))
    scratch = np.empty((2, n_c, runs))
    routing.allocate(net.pref, 0, runs, left, np.array(shares.T, order="C"), remaining, scratch[0], scratch[1], flow)
    return demand - remaining.T, flow.T.copy()


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function on [-pi, pi]^3: S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244)."""
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def same_coalition_probability(e, a: str, b: str, step, coalitions=None):
    """Share of runs whose global-minimum structure puts a and b together, with a 95% Wilson interval.

    `step` is an int (negative from the end) or a 'YYYY-MM' date. Pass `coalitions` to
    reuse a computed structure (it must include the step)."""
    t = co.step_of(e, step)
    ids = list(e.scenario.actor_ids)
    i, j = ids.index(a), ids.index(b)
    if coalitions is None:
        coalitions = co.coalition_structure(e, [t])
    sides = coalitions.sides[:, coalitions.column(t)]
    k = int((sides[:, i] == sides[:, j]).sum())
    return co._proportion(k, sides.shape[0])


def folder_arrays(folder) -> dict:
    """The arrays of a result folder's ensemble.npz, by name."""
    with np.load(Path(folder) / "ensemble.npz") as z:
        return {k: z[k] for k in z.files}


def assert_same_results(a, b, tables) -> None:
    """Two result folders hold the same arrays, bit for bit, and byte-identical `tables`."""
    x, y = folder_arrays(a), folder_arrays(b)
    assert x.keys() == y.keys()
    for k in x:
        assert np.array_equal(x[k], y[k]), k
    for table in tables:
        assert (Path(a) / table).read_bytes() == (Path(b) / table).read_bytes(), table
