"""`alignsim landscape FILE.toml`: read a landscape file, rank its configurations
(sim.analysis.landscape) and print them as a table or JSON."""

from __future__ import annotations

import json
import math
import re
import sys
import tomllib
from pathlib import Path

import numpy as np

from sim.analysis.landscape import (DEFAULT_TOP, EXACT_MAX_ACTORS, SampledMinima, basins, energy_tolerance,
                                    enumerate_configurations, frustration, local_minima, sample_local_minima,
                                    sides_to_code, weight_matrix)
from sim.core.errors import ScenarioError
from sim.core.pairs import code_to_sides


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name)


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def load_landscape_file(path):
    """Read `[sizes]` (name = size > 0) and `[propensity]` (one table per actor's row).

    Returns (names, sizes, propensity) with names in [sizes] order. The matrix is
    made symmetric from whichever direction each pair is given in; missing pairs
    are 0. Raises ScenarioError naming the key path of the first bad entry.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except OSError as exc:
        allowed = f"an existing, readable TOML file ({exc.strerror})"
        raise ScenarioError(path, None, str(path), allowed)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, None, str(exc), "valid TOML")
    except RecursionError:   # the parser recurses once per level of nesting
        raise ScenarioError(path, None, "(file)", "valid TOML nested at most a few hundred levels deep") from None
    for key in doc:
        if key not in ("sizes", "propensity"):
            raise ScenarioError(path, _key(key), doc[key], "only [sizes] and [propensity] tables")
    raw_sizes = doc.get("sizes")
    if not isinstance(raw_sizes, dict) or len(raw_sizes) < 2:
        raise ScenarioError(path, "sizes", raw_sizes, "a table of at least two actors, name = size")
    names = tuple(raw_sizes)
    index = {name: i for i, name in enumerate(names)}
    known = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    for name, v in raw_sizes.items():
        if not _number(v) or v <= 0:
            raise ScenarioError(path, f"sizes.{_key(name)}", v, "a positive finite number")
    sizes = np.array([float(raw_sizes[k]) for k in names])
    prop = np.zeros((len(names), len(names)))
    given: dict[tuple[int, int], str] = {}
    rows = doc.get("propensity", {})
    if not isinstance(rows, dict):
        raise ScenarioError(path, "propensity", rows, "a table with one sub-table per actor")
    for a, row in rows.items():
        kp = f"propensity.{_key(a)}"
        if a not in index:
            raise ScenarioError(path, kp, a, f"an actor listed in [sizes] ({known})")
        if not isinstance(row, dict):
            raise ScenarioError(path, kp, row, "a table of other_actor = propensity")
        for b, v in row.items():
            kpb = f"{kp}.{_key(b)}"
            if b not in index:
                raise ScenarioError(path, kpb, b, f"an actor listed in [sizes] ({known})")
            if a == b:
                raise ScenarioError(path, kpb, v, "another actor: self-propensity is not defined")
            if not _number(v):
                raise ScenarioError(path, kpb, v, "a finite number")
            i, j = index[a], index[b]
            pair = (min(i, j), max(i, j))
            if pair in given and prop[i, j] != v:
                raise ScenarioError(
                    path, kpb, v,
                    f"equal to {given[pair]} = {prop[i, j]:g} (propensity is symmetric)",
                )
            given.setdefault(pair, kpb)
            prop[i, j] = prop[j, i] = float(v)
    return names, sizes, prop


# ------------------------------------------------------------------------- output


def _num(x: float) -> str:
    x = float(x)
    if x == 0:
        return "0"  # no "-0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def _coalitions(names, sides_row) -> list[list[str]]:
    sides_row = np.asarray(sides_row).astype(bool)
    sides_row = sides_row ^ sides_row[0]  # first actor's coalition first
    return [
        [m for m, s in zip(names, sides_row) if not s],
        [m for m, s in zip(names, sides_row) if s],
    ]


def _ranked(result, top):
    """(sides, energies, is_min, extra) rows by energy ascending, at most `top`."""
    if isinstance(result, SampledMinima):
        k = len(result.energies) if top is None else min(top, len(result.energies))
        return result.sides[:k], result.energies[:k], np.ones(k, bool), result.frequency[:k]
    k = result.energies.size if top is None else min(top, result.energies.size)
    # argpartition keeps big landscapes cheap when only the top few are shown
    part = np.argpartition(result.energies, k - 1)[:k] if k < result.energies.size else np.arange(k)
    codes = part[np.lexsort((part, result.energies[part]))]
    return code_to_sides(codes, result.n), result.energies[codes], result.local_minimum[codes], None


def to_json_dict(result, top: int | None = None) -> dict:
    """{"configurations": [{"coalitions", "energy", "local_minimum"}...]} by energy ascending.

    All configurations unless `top` is given. For a SampledMinima only the minima
    found are listed, with "hits", and top-level "method": "sampled" and "starts".
    """
    sides, energies, is_min, freq = _ranked(result, top)
    configs = [
        {"coalitions": _coalitions(result.names, s), "energy": float(e), "local_minimum": bool(m)}
        for s, e, m in zip(sides, energies, is_min)
    ]
    if freq is None:
        return {"configurations": configs}
    for c, h in zip(configs, result.hits):
        c["hits"] = int(h)
    return {"configurations": configs, "method": "sampled", "starts": int(result.starts)}


def dump_json(doc: dict) -> str:
    """JSON with one configuration per line: readable and diffable, yet compact."""
    rest = {k: v for k, v in doc.items() if k != "configurations"}
    rows = ",\n".join("  " + json.dumps(c) for c in doc["configurations"])
    tail = "".join(f",\n {json.dumps(k)}: {json.dumps(v)}" for k, v in rest.items())
    return '{"configurations": [\n' + rows + "\n ]" + tail + "\n}"


def format_table(result, top: int = DEFAULT_TOP) -> str:
    """Configurations ranked by energy (local minima marked *), then each actor's
    frustration in the lowest-energy configuration(s)."""
    sampled = isinstance(result, SampledMinima)
    top = max(1, int(top))
    n = len(result.names)
    lines = []
    if sampled:
        lines.append(
            f"{n} actors; {len(result.energies)} distinct local minima "
            f"from {result.starts} random starts "
            "(sampled: minima may be missed; shares are estimates)"
        )
    else:
        mins = local_minima(result)
        lines.append(
            f"{n} actors; {result.energies.size} configurations; {mins.size} local "
            f"minim{'um' if mins.size == 1 else 'a'}; "
            "energy over unordered pairs (ordered-pair tools report 2x)"
        )
    sides, energies, is_min, freq = _ranked(result, top)
    share = freq
    if not sampled:
        b = basins(result)
        share_of = dict(zip(b.minima.tolist(), b.shares.tolist()))
        share = [share_of.get(int(c), None) for c in sides_to_code(sides)]
    width = max([len("energy")] + [len(_num(e)) for e in energies])
    lines.append(f"{'rank':>4}  {'energy':>{width}}  min   basin  coalitions")
    for r, (s, e, m, sh) in enumerate(zip(sides, energies, is_min, share), 1):
        a, b_ = _coalitions(result.names, s)
        basin = f"{sh:6.1%}" if sh is not None else "     -"
        lines.append(
            f"{r:>4}  {_num(e):>{width}}  {'*' if m else ' ':>3}  {basin}  "
            f"{{{', '.join(a)}}} vs {{{', '.join(b_) or '-'}}}"
        )
    best_e = energies[0]
    tol = energy_tolerance(weight_matrix(result.sizes, result.propensity))
    best = [s for s, e in zip(sides, energies) if e <= best_e + tol]
    f = frustration(result.sizes, result.propensity, np.array(best))
    lines.append("")
    plural = "s" if len(best) > 1 else ""
    lines.append(f"frustration in the lowest-energy configuration{plural} (E = {_num(best_e)}):")
    nw = max(len(m) for m in result.names + ("actor",))
    head = "  ".join(f"{'#' + str(k + 1):>8}" for k in range(len(best)))
    lines.append(f"  {'actor':<{nw}}  {head}")
    for i, name in enumerate(result.names):
        vals = "  ".join(f"{_num(f[k, i]):>8}" for k in range(len(best)))
        lines.append(f"  {name:<{nw}}  {vals}")
    return "\n".join(lines)


def landscape_main(path, as_json: bool = False, top: int | None = None) -> int:
    """`alignsim landscape FILE.toml [--json] [--top K]`: print, return an exit code.

    Exact up to EXACT_MAX_ACTORS actors, sampled (seeded, reproducible) beyond.
    Text shows `top` rows (default 10); JSON lists all configurations unless
    `top` is given. Bad input: one line on stderr, exit 2.
    """
    try:
        names, sizes, prop = load_landscape_file(path)
        if top is not None and (not isinstance(top, int) or top < 1):
            raise ScenarioError(None, "--top", top, "a positive integer")
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return 2
    if len(names) <= EXACT_MAX_ACTORS:
        result = enumerate_configurations(sizes, prop, names)
    else:
        result = sample_local_minima(sizes, prop, names)
    if as_json:
        print(dump_json(to_json_dict(result, top)))
    else:
        print(format_table(result, DEFAULT_TOP if top is None else top))
    return 0
