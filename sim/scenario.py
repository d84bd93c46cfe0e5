"""Scenario files: TOML read, `extends` resolved, `--set` overrides applied, validated.

A scenario is data. Nothing in a file is executed; every value is checked and a bad one
raises ScenarioError naming the file, key path, value and what is allowed.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from .actor import Actor, parse_actor
from .corridor import Corridor, parse_corridor
from .distribution import Value
from .dynamics import PARAMETERS
from .errors import ScenarioError
from .schema import Table, check_ident, close_matches, parse_month, step_date
from .shock import Context, Shock, parse_shock

TOP = ("extends", "scenario", "time", "issues", "actors", "relations", "expectations",
       "trade", "corridors", "shocks", "dynamics", "outputs")
# tables whose keys are names the user chooses, so --set may add a key that is not yet there
_OPEN_TABLES = ("relations.", "expectations.", "trade.")


@dataclass(frozen=True)
class Scenario:
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

    @property
    def actor_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.actors)

    @property
    def display(self) -> dict[str, str]:
        return {a.id: a.name for a in self.actors}

    def date(self, step: int) -> str:
        return step_date(self.start, step)

    def context(self) -> Context:
        closable = tuple(dict.fromkeys([q for c in self.corridors for q in c.chokepoints]))
        return Context(self.path, self.actor_ids, closable, self.start, self.steps)


def read_toml(path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(path, None, str(path), "no such file")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, None, "(file)", f"not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, None, "(file)", f"cannot be read: {exc}") from None


def merge(base: dict, over: dict) -> dict:
    """Deep merge: tables merge key by key, anything else is replaced."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and "dist" not in v:
            out[k] = merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def resolve_file(path, _seen=()) -> dict:
    """The file's data with its `extends` chain merged in (parents first)."""
    path = Path(path).resolve()
    if path in _seen:
        raise ScenarioError(path, "extends", path.name, "extends chain loops back to this file")
    data = read_toml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(path, "extends", parent, "a path to another scenario file")
    parent_path = (path.parent / parent)
    if not parent_path.is_file():
        raise ScenarioError(path, "extends", parent, "no such file (paths are relative to this file)")
    return merge(resolve_file(parent_path, (*_seen, path)), data)


def parse_override(text: str, file="--set") -> tuple[str, object]:
    """'a.b.c=value' -> ('a.b.c', value); the value is read as TOML, else as a string."""
    if "=" not in text:
        raise ScenarioError(file, text, text, "expected KEY.PATH=VALUE")
    key, raw = (s.strip() for s in text.split("=", 1))
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def leaf_paths(data: dict, prefix: str = "") -> list[str]:
    out = []
    for k, v in data.items():
        p = f"{prefix}{k}"
        if isinstance(v, dict) and "dist" not in v:
            out.extend(leaf_paths(v, p + "."))
        out.append(p)
    return out


def with_defaults(data: dict) -> dict:
    """Make every tunable parameter visible (for --set and `show`)."""
    data = copy.deepcopy(data)
    dyn = data.setdefault("dynamics", {})
    if isinstance(dyn, dict):
        for k, spec in PARAMETERS.items():
            dyn.setdefault(k, spec.default)
    return data


def _optional_keys(data: dict, parts: list[str]) -> set[str]:
    """Keys a table may hold though the file leaves them out (so --set can add them)."""
    from . import actor, corridor, shock
    if len(parts) == 3 and parts[0] == "actors":
        return set(actor.FIELDS)
    if len(parts) == 4 and parts[0] == "actors" and parts[2] in ("positions", "salience"):
        return set(data.get("issues", {}))
    if len(parts) == 3 and parts[0] == "corridors":
        return set(corridor.FIELDS)
    if len(parts) == 3 and parts[0] == "shocks":
        kind = data.get("shocks", {}).get(parts[1], {}).get("type")
        return set(shock.COMMON) | set(getattr(shock.SHOCK_TYPES.get(kind), "fields", ()))
    return set()


def apply_overrides(data: dict, overrides, file="--set") -> dict:
    data = with_defaults(data)
    valid = leaf_paths(data)
    for text in overrides:
        key, value = parse_override(text, file)
        parts = key.split(".")
        node = data
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                break
        open_table = any(key.startswith(p) for p in _OPEN_TABLES) and len(parts) == 3
        addable = isinstance(node, dict) and parts[-1] in _optional_keys(data, parts)
        if not isinstance(node, dict) or (parts[-1] not in node and not open_table and not addable):
            near = list(dict.fromkeys(valid + [".".join([*parts[:-1], k]) for k in _optional_keys(data, parts)]))
            raise ScenarioError(file, key, value, "unknown key" + close_matches(key, near)
                                + " (`alignsim show SCENARIO --keys` lists them all)")
        node[parts[-1]] = value
    return data


def chain_root(path) -> Path:
    """The file at the end of the `extends` chain (already checked by resolve_file)."""
    path = Path(path).resolve()
    parent = read_toml(path).get("extends")
    return path if parent is None else chain_root(path.parent / parent)


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
    top = Table(data, path)
    meta = top.table("scenario", default={})
    name = meta.string("name", default=path.stem)
    title = meta.string("title", default=name)
    description = meta.string("description", default="")
    meta.finish(("name", "title", "description"))

    time = top.table("time")
    start = parse_month(time.raw("start"), path, time.at("start"))
    steps = time.number("steps", 1, 1200, integer=True)
    time.finish(("start", "steps"))

    iss = top.table("issues")
    issues = {k: (v if isinstance(v, str) else k) for k, v in iss.items()}
    if not issues:
        raise ScenarioError(path, "issues", {}, "declare at least one issue dimension")

    act = top.table("actors")
    actors = tuple(parse_actor(aid, act.table(aid), list(issues)) for aid, _ in list(act.items()))
    if len(actors) < 2:
        raise ScenarioError(path, "actors", list(act.data), "at least two actors")
    ids = [a.id for a in actors]

    relations = _matrix(top.table("relations", default={}), ids, -1.0, 1.0, symmetric=False)
    # expected support is one-sided: what Iran expects of Russia says nothing of the reverse
    expectations = _matrix(top.table("expectations", default={}), ids, 0.0, 1.0, symmetric=False, mirror=False)
    trade = _matrix(top.table("trade", default={}), ids, 0.0, float("inf"), symmetric=True)

    cor = top.table("corridors", default={})
    corridors = tuple(parse_corridor(cid, cor.table(cid), ids, start) for cid, _ in list(cor.items()))

    dyn = top.table("dynamics", default={})
    dynamics = {k: dyn.value(k, spec.lo, spec.hi, default=spec.default) for k, spec in PARAMETERS.items()}
    dyn.finish(PARAMETERS)

    scen = Scenario(path, name, title, description, start, steps, issues, actors, relations,
                    expectations, trade, corridors, (), dynamics, (), data)
    ctx = scen.context()
    sh = top.table("shocks", default={})
    shocks = tuple(parse_shock(sid, sh.table(sid), ctx) for sid, _ in list(sh.items()))

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
                    tuple(key_pairs) or default_pairs(ids), data)


def default_pairs(ids) -> tuple[tuple[str, str], ...]:
    return tuple((a, b) for k, a in enumerate(ids[:4]) for b in ids[k + 1:4])
