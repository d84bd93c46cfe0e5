"""Reading scenario files: TOML parsed, `extends` chains merged, `--set` overrides applied.

Everything here works on plain data (dicts from TOML); `sim.scenario.spec.validate` turns the
result into a typed `Scenario`.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

from sim.core.errors import ScenarioError
from sim.core.paths import builtin_dir
from sim.scenario.parameters import PARAMETERS
from sim.scenario import actors as actor, corridors as corridor, decisions as decision, shocks as shock
from sim.scenario.schema import close_matches

WORLD_FIELDS = ("trade", "sanctions_tolerance")   # the [world] table's keys

# tables whose keys are names the user chooses, so --set may add a key that is not yet there
_OPEN_TABLES = ("relations.", "expectations.", "trade.", "sanctions.", "secondary_sanctions.")
# tables and arrays nest at most this deep; a scenario needs 4 (actors.iran.positions.x), and
# deeper data would overflow the stack of the recursive parser and of the merging below
MAX_DEPTH = 64


def depth(data) -> int:
    """How deep tables and arrays nest in parsed TOML data (a plain value is 0), counted without
    recursion, so that any depth can be measured."""
    deepest, todo = 0, [(data, 1)]
    while todo:
        node, d = todo.pop()
        items = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if items is None:
            continue
        deepest = max(deepest, d)
        todo.extend((v, d + 1) for v in items)
    return deepest


def _parse(text: str) -> dict:
    """tomllib.loads, with data nested beyond MAX_DEPTH refused (ValueError)."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        data = None
    if data is None or depth(data) > MAX_DEPTH:
        raise ValueError(f"tables or arrays nested more than {MAX_DEPTH} deep")
    return data


def read_toml(path) -> dict:
    """The data of one TOML file.

    Raises
    ------
    ScenarioError : the file is missing, unreadable or not valid TOML.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(path, None, str(path), "no such file")
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, None, "(file)", f"cannot be read: {exc}") from None
    try:
        return _parse(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, None, "(file)", f"not valid TOML: {exc}") from None
    except ValueError as exc:
        raise ScenarioError(path, None, "(file)", str(exc)) from None


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
    parent_path = parent_file(path, parent)
    if parent_path is None:
        raise ScenarioError(path, "extends", parent, "no such file (paths are relative to this file), "
                            "and no built-in scenario of that name (`alignsim list` names them)")
    return merge(resolve_file(parent_path, (*_seen, path)), data)


def parent_file(path: Path, parent: str) -> Path | None:
    """The file `extends = parent` names in `path`: relative to `path`'s folder, else a built-in
    scenario of that name (with or without .toml), so a user's own file can extend the flagship
    from any folder; None if neither exists."""
    local = path.parent / parent
    if local.is_file():
        return local
    builtin = builtin_dir("scenarios")
    name = Path(parent).name
    if builtin is not None and Path(parent).name == parent:   # a bare name, not a path
        for cand in (builtin / name, builtin / f"{name}.toml"):
            if cand.is_file():
                return cand
    return None


def parse_override(text: str, file="--set") -> tuple[str, object]:
    """'a.b.c=value' -> ('a.b.c', value); the value is read as TOML, else as a string."""
    if "=" not in text:
        raise ScenarioError(file, text, text, "expected KEY.PATH=VALUE")
    key, raw = (s.strip() for s in text.split("=", 1))
    try:
        value = _parse(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    except ValueError as exc:
        raise ScenarioError(file, key, raw, str(exc)) from None
    return key, value


def leaf_paths(data: dict, prefix: str = "") -> list[str]:
    """Every key path of data ('actors.iran.resolve', ...), tables and their leaves, a distribution
    counting as one leaf.
    """
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
    if len(parts) == 3 and parts[0] == "actors":
        return set(actor.FIELDS)
    if len(parts) == 4 and parts[0] == "actors" and parts[2] in ("positions", "salience"):
        return set(data.get("issues", {}))
    if len(parts) == 3 and parts[0] == "corridors":
        return set(corridor.FIELDS)
    if len(parts) == 2 and parts[0] == "world":
        return set(WORLD_FIELDS)
    if len(parts) == 3 and parts[0] == "shocks":
        kind = data.get("shocks", {}).get(parts[1], {}).get("type")
        return set(shock.COMMON) | set(getattr(shock.SHOCK_TYPES.get(kind), "fields", ()))
    if len(parts) == 3 and parts[0] == "decisions":
        kind = data.get("decisions", {}).get(parts[1], {}).get("type")
        return set(decision.COMMON) | set(getattr(decision.DECISION_TYPES.get(kind), "fields", ()))
    return set()


def apply_overrides(data: dict, overrides, file="--set") -> dict:
    """data with `--set KEY.PATH=VALUE` overrides applied, every dynamics parameter made explicit.

    An override may replace any existing key, add a pair to a `relations`, `expectations`,
    `trade`, `sanctions` or `secondary_sanctions` row, or add an optional key a table may hold
    (an actor's field, a shock's `enabled`, a `world` value).

    Raises
    ------
    ScenarioError : a malformed override or an unknown key (with the closest known keys).

    Examples
    --------
    >>> apply_overrides({"actors": {"a": {"resolve": 0.5}}}, ["actors.a.resolve=0.8"])["actors"]
    {'a': {'resolve': 0.8}}
    """
    data = with_defaults(data)
    valid = leaf_paths(data)
    for text in overrides:
        key, value = parse_override(text, file)
        parts = key.split(".")
        open_table = any(key.startswith(p) for p in _OPEN_TABLES) and len(parts) == 3
        if open_table and isinstance(data.get("actors"), dict) and parts[1] in data["actors"]:
            data.setdefault(parts[0], {}).setdefault(parts[1], {})   # a new row of a pair table
        if parts[0] == "world" and len(parts) == 2:
            data.setdefault("world", {})
        node = data
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                break
        addable = isinstance(node, dict) and parts[-1] in _optional_keys(data, parts)
        if not isinstance(node, dict) or (parts[-1] not in node and not open_table and not addable):
            near = list(dict.fromkeys(valid + [".".join([*parts[:-1], k]) for k in _optional_keys(data, parts)]))
            raise ScenarioError(file, key, value, "unknown key" + close_matches(key, near)
                                + " (`alignsim show SCENARIO --keys` lists them all)")
        node[parts[-1]] = value
    return data


def chain_root(path) -> Path:
    """The file at the end of the `extends` chain (already checked by resolve_file), not counting
    files that give only [dynamics], such as a calibration's calibrated.toml: weights change the
    mechanisms, not the scenario whose start is the reference (docs/MODEL.md, A3)."""
    path = Path(path).resolve()
    parent = read_toml(path).get("extends")
    if parent is None:
        return path
    root = chain_root(parent_file(path, parent))
    return path if weights_only(root) else root


def weights_only(path) -> bool:
    """Whether a file gives nothing but [dynamics] (and perhaps `extends`)."""
    return set(read_toml(path)) <= {"dynamics", "extends"}
