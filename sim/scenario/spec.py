"""The Scenario type: a validated scenario file, and `load`, which reads, resolves and validates one.

A scenario is data. Nothing in a file is executed; every value is checked and a bad one
raises ScenarioError naming the file, key path, value and what is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from sim.scenario.actors import BEHAVIOUR, WORLD, Actor, parse_actor
from sim.scenario.corridors import Corridor, parse_corridor
from sim.scenario.distribution import Value, nominal
from sim.scenario.files import WORLD_FIELDS, apply_overrides, chain_root, resolve_file
from sim.scenario.parameters import PARAMETERS
from sim.core.errors import ScenarioError
from sim.scenario.schema import MAX_STEP, Table, check_id, check_ident, parse_month, step_date
from sim.scenario.decisions import parse_decision
from sim.scenario.shocks import Context, Shock, parse_shock

TOP = ("extends", "scenario", "time", "issues", "actors", "relations", "expectations",
       "trade", "sanctions", "secondary_sanctions", "world", "corridors", "shocks", "decisions", "dynamics",
       "outputs")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: every value checked, nothing executed.

    Numbers are floats or `Dist` (drawn per run by sim.model.compile). `resolved` keeps the merged,
    overridden file as data (recorded in manifests); `reference` is the scenario the calibration
    starts from (docs/MODEL.md, A3), or None when it is this one.
    """
    path: Path
    name: str
    title: str
    description: str
    start: tuple[int, int]
    steps: int
    issues: dict[str, str]
    actors: tuple[Actor, ...]
    relations: dict[tuple[str, str], Value]     # directed initial alignment
    expectations: dict[tuple[str, str], Value]  # directed expected support
    trade: dict[tuple[str, str], Value]         # symmetric baseline volume, (i, j) with i < j in order
    corridors: tuple[Corridor, ...]
    shocks: tuple[Shock, ...]
    dynamics: dict[str, Value]
    key_pairs: tuple[tuple[str, str], ...]
    resolved: dict                               # the merged, overridden file as data
    reference: "Scenario | None" = None          # calibration scenario (None: this one)
    sanctions: dict = field(default_factory=dict)   # (i, j) -> i's primary sanctions on j in the start month
    secondary: dict = field(default_factory=dict)   # (i, j) -> i's secondary sanctions on j's partners
    world_trade: Value | None = None             # all countries' trade, US$ bn/yr (None: the actors' own)
    world_tolerance: Value = 0.2                 # the rest of the world's tolerance of secondary sanctions
    decisions: tuple = ()                        # decisions the file lets actors take (sim.scenario.decisions)

    @property
    def actor_ids(self) -> tuple[str, ...]:
        """Actor ids in file order (the order of every matrix)."""
        return tuple(a.id for a in self.actors)

    @property
    def display(self) -> dict[str, str]:
        """Actor id -> display name."""
        return {a.id: a.name for a in self.actors}

    def date(self, step: int) -> str:
        """The month of a step as 'YYYY-MM'."""
        return step_date(self.start, step)

    def context(self) -> Context:
        """What shocks may refer to: actors, closable names (corridor ids, then chokepoints), time, issues."""
        closable = tuple(dict.fromkeys([q for c in self.corridors for q in c.chokepoints]))
        reach: dict[str, tuple[str, ...]] = {}
        for c in self.corridors:
            for a in {a for pair in c.pairs for a in pair if a in self.actor_ids}:
                reach[a] = tuple(dict.fromkeys([*reach.get(a, ()), *c.chokepoints]))
        return Context(self.path, self.actor_ids, closable, self.start, self.steps, tuple(self.issues), reach)


def load(path, overrides=()) -> Scenario:
    """Validated scenario, with its calibration reference.

    The reference is the root of the `extends` chain as written (no --set): its relations
    are taken as the model's equilibrium, so counterfactual files and overrides change
    the mechanisms, not the unexplained historical affinity (docs/MODEL.md, A3)."""
    path = Path(path)
    data = resolve_file(path)
    scen = validate(apply_overrides(data, overrides, file=f"{path} --set") if overrides else data, path)
    root = chain_root(path)
    ref = None
    if root != path.resolve():
        ref = validate(resolve_file(root), root)
        if ref.actor_ids != scen.actor_ids:   # a child that adds actors calibrates on itself
            ref = None
    if ref is None and overrides:
        ref = validate(data, path)
    return replace(scen, reference=ref)


def _matrix(t: Table, actors, lo, hi, symmetric: bool, mirror: bool = True):
    """Rows of name = value tables -> {(i, j): value}; mirrored where one side is missing."""
    out = {}
    for i, row in list(t.items()):
        check_ident(i, actors, t.file, t.at(i))
        r = Table(row, t.file, t.at(i))
        for j, _ in list(r.items()):
            check_ident(j, actors, t.file, r.at(j))
            if i == j:
                raise ScenarioError(t.file, r.at(j), r.data[j], "an actor has no relation to itself")
            v = r.value(j, lo, hi)
            if symmetric and (j, i) in out and out[(j, i)] != v:
                raise ScenarioError(t.file, r.at(j), r.data[j],
                                    f"trade is symmetric and {j}.{i} already gives {out[(j, i)]}")
            out[(i, j)] = v
    if mirror:
        for (i, j), v in list(out.items()):
            out.setdefault((j, i), v)
    return out


def validate(data: dict, path: Path) -> Scenario:
    """The data of a resolved scenario file as a Scenario.

    Parameters
    ----------
    data : the merged (and overridden) TOML data.
    path : the file, for messages.

    Raises
    ------
    ScenarioError : the first bad value, naming the file, key path, value and what is allowed.
    """
    top = Table(data, path)
    meta = top.table("scenario", default={})
    name = check_id(meta.string("name"), path, "scenario.name", "scenario") if meta.has("name") else stem_name(path)
    title = meta.string("title", default=name)
    description = meta.string("description", default="")
    meta.finish(("name", "title", "description"))

    time = top.table("time")
    start = parse_month(time.raw("start"), path, time.at("start"))
    steps = time.number("steps", 1, MAX_STEP, integer=True)
    time.finish(("start", "steps"))

    issues = _issues(top.table("issues"), path)
    actors = _actors(top.table("actors"), issues, path)
    ids = [a.id for a in actors]

    relations = _matrix(top.table("relations", default={}), ids, -1.0, 1.0, symmetric=False)
    # expected support is one-sided: what Iran expects of Russia says nothing of the reverse
    expectations = _matrix(top.table("expectations", default={}), ids, 0.0, 1.0, symmetric=False, mirror=False)
    trade = _matrix(top.table("trade", default={}), ids, 0.0, 1e6, symmetric=True)
    _check_trade_totals(actors, trade, path)
    # sanctions are directed and one-sided, like expectations
    sanctions = _matrix(top.table("sanctions", default={}), ids, 0.0, 1.0, symmetric=False, mirror=False)
    secondary = _matrix(top.table("secondary_sanctions", default={}), ids, 0.0, 1.0, symmetric=False, mirror=False)
    world = top.table("world", default={})
    world_trade = world.value("trade", 0.0, 1e7) if world.has("trade") else None
    world_tolerance = world.value("sanctions_tolerance", 0.0, 1.0, default=0.2)
    world.finish(WORLD_FIELDS)
    _check_world_trade(actors, world_trade, path)

    cor = top.table("corridors", default={})
    corridors = tuple(parse_corridor(check_id(cid, path, cor.at(cid), "corridor"), cor.table(cid), ids, start)
                      for cid, _ in list(cor.items()))

    dyn = top.table("dynamics", default={})
    dynamics = {k: dyn.value(k, spec.lo, spec.hi, default=spec.default) for k, spec in PARAMETERS.items()}
    dyn.finish(PARAMETERS)

    scen = Scenario(path, name, title, description, start, steps, issues, actors, relations,
                    expectations, trade, corridors, (), dynamics, (), data)
    ctx = scen.context()
    sh = top.table("shocks", default={})
    shocks = tuple(parse_shock(check_id(sid, path, sh.at(sid), "shock"), sh.table(sid), ctx) for sid, _ in list(sh.items()))
    dec = top.table("decisions", default={})
    decisions = tuple(parse_decision(check_id(did, path, dec.at(did), "decision"), dec.table(did), ctx)
                      for did, _ in list(dec.items()))

    out = top.table("outputs", default={})
    kp = out.raw("key_pairs", default=[])
    key_pairs = []
    for k, p in enumerate(kp if isinstance(kp, list) else [kp]):
        at = f"{out.at('key_pairs')}[{k}]"
        if not isinstance(p, list) or len(p) != 2 or p[0] == p[1]:
            raise ScenarioError(path, at, p, "a pair of two different actor ids")
        key_pairs.append(tuple(check_ident(a, ids, path, at) for a in p))
    out.finish(("key_pairs",))
    top.finish(TOP)
    return Scenario(path, name, title, description, start, steps, issues, actors, relations,
                    expectations, trade, corridors, shocks, dynamics,
                    tuple(key_pairs) or default_pairs(ids), data, sanctions=sanctions, secondary=secondary,
                    world_trade=world_trade, world_tolerance=world_tolerance, decisions=decisions)


def _issues(iss: Table, path: Path) -> dict[str, str]:
    """The [issues] table: ids and their descriptions, at least one."""
    issues = {check_id(k, path, iss.at(k), "issue"): v for k, v in iss.items()}
    for k, v in issues.items():
        if not isinstance(v, str):
            raise ScenarioError(path, iss.at(k), v, "an issue's description: a string")
    if not issues:
        raise ScenarioError(path, "issues", {}, "declare at least one issue dimension")
    return issues


def _actors(act: Table, issues: dict, path: Path) -> tuple[Actor, ...]:
    """The [actors] tables, at least two, none named as the rest of the world."""
    if WORLD in act.data:
        raise ScenarioError(path, f"actors.{WORLD}", WORLD, f"'{WORLD}' names the rest of the world; choose another id")
    actors = tuple(parse_actor(check_id(aid, path, act.at(aid), "actor"), act.table(aid), list(issues))
                   for aid, _ in list(act.items()))
    if len(actors) < 2:
        raise ScenarioError(path, "actors", list(act.data), "at least two actors")
    return actors


def _modelled_trade(actor: str, trade: dict) -> float:
    return sum(nominal(v) for (i, _), v in trade.items() if i == actor)


def _check_trade_totals(actors, trade: dict, path) -> None:
    """An actor's total trade holds at least its trade with the other actors (at nominal values)."""
    for a in actors:
        if a.trade_total is not None and nominal(a.trade_total) < _modelled_trade(a.id, trade) - 1e-9:
            raise ScenarioError(path, f"actors.{a.id}.trade_total", nominal(a.trade_total),
                                f"must be at least its trade with the other actors, {_modelled_trade(a.id, trade):g}")


def _check_world_trade(actors, world_trade, path) -> None:
    """The world's trade holds at least the actors' own (at nominal values)."""
    if world_trade is None:
        return
    own = sum(nominal(a.trade_total) for a in actors if a.trade_total is not None)
    if nominal(world_trade) < own - 1e-9:
        raise ScenarioError(path, "world.trade", nominal(world_trade), f"must be at least the actors' total trade, {own:g}")


def stem_name(path: Path) -> str:
    """The scenario name a file without `[scenario] name` gets: its file name, made an id
    (lower case, other characters as _, a leading letter) so that it never names a path."""
    name = re.sub(r"[^a-z0-9_]", "_", path.stem.lower())
    return (name if name[:1].isalpha() else f"s_{name}")[:64]


def default_pairs(ids) -> tuple[tuple[str, str], ...]:
    """The pairs among the first four actors, shown when the file names no key pairs."""
    return tuple((a, b) for k, a in enumerate(ids[:4]) for b in ids[k + 1:4])


def parameter_keys(scen: Scenario) -> list[str]:
    """Every key path that compile draws (what experiments may vary per run)."""
    keys = []
    for a in scen.actors:
        keys += [f"actors.{a.id}.{f}" for f in ("military", "economic", *BEHAVIOUR)]
        keys += [f"actors.{a.id}.trade_total"] if a.trade_total is not None else []
        keys += [f"actors.{a.id}.{f}.{i}" for f in ("positions", "salience") for i in scen.issues]
    written = scen.resolved.get("relations", {})
    keys += [f"relations.{i}.{j}" for i, j in scen.relations if j in written.get(i, {})]
    keys += [f"expectations.{i}.{j}" for i, j in scen.expectations]
    ids = list(scen.actor_ids)
    keys += [f"trade.{i}.{j}" for i, j in scen.trade if ids.index(i) < ids.index(j)]
    keys += [f"sanctions.{i}.{j}" for i, j in scen.sanctions]
    keys += [f"secondary_sanctions.{i}.{j}" for i, j in scen.secondary]
    keys += ["world.trade"] if scen.world_trade is not None else []
    keys += ["world.sanctions_tolerance"]
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
    for d in scen.decisions:
        keys += [f"decisions.{d.name}.{f}" for f in ("propensity", "intensity", "duration")]
    return keys
