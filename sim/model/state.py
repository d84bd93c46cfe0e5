"""The structures the compiled kernel reads and writes, each defined once.

`State` (what changes month to month), `Static` (per-run constants), `Forcing` (one month's
shock pushes) and `Scratch` (the kernel's working space) are named tuples of arrays, which
numba takes as single arguments and reads by field name. Every array has the runs axis LAST
(`alignment[i, j, r]`): the kernel's innermost loops run over runs, so they vectorize across runs.

Each field's annotation says its shape (`Pair` is (N, N, R), `PerActor` (N, R), ...), and
`allocate` lays a structure's fields out one after another in a single (rows, R) block, its
`memory` field: adding a state variable is one line in `State` plus the rules that use it;
allocation, recording and the Mesa view follow from the definition.

Why runs last and float64: docs/MODEL.md, section 10.
"""

from typing import Annotated, NamedTuple, get_args, get_type_hints

import numpy as np

from sim.model.routing import Network

DTYPE = np.float64

# Shape kinds, by the size names `allocate` is given (the runs axis is always appended last).
Pair = Annotated[np.ndarray, ("actors", "actors")]          # [from, to, run]
PerActor = Annotated[np.ndarray, ("actors",)]               # [actor, run]
PerCorridor = Annotated[np.ndarray, ("corridors",)]         # [corridor, run]
PerChokepoint = Annotated[np.ndarray, ("chokepoints",)]     # [closable name, run]
PerRoute = Annotated[np.ndarray, ("routes",)]               # [routed pair, run]
PerParameter = Annotated[np.ndarray, ("parameters",)]       # [dynamics parameter, run]
Lanes = Annotated[np.ndarray, ("lanes",)]                   # [scratch row, run]
Memory = Annotated[np.ndarray, ()]                          # (rows, R): every field above, in order


class State(NamedTuple):
    """Everything that changes from month to month, for R runs (runs last)."""
    alignment: Pair          # i's stance toward j, [-1, 1]
    threat: Pair             # i's threat perception of j, [0, 1]
    expectation: Pair        # support i expects from j when under full pressure, [0, 1]
    military: PerActor       # capability (SIPRI US$ bn at step 0)
    sanctions: Pair          # i's primary sanctions on j, [0, 1]
    secondary: Pair          # i's secondary sanctions on whoever trades with j, [0, 1]
    support: Pair            # support i gave j this month, [0, 1]
    military_support: Pair   # its military component, [0, 1]
    trade: Pair              # delivered trade, US$ bn/yr, symmetric
    need: PerActor           # acute pressure on each actor, [0, 1]
    memory: Memory


class Forcing(NamedTuple):
    """One month's exogenous pushes, which the shock types write (`Shock.force`) and the kernel
    reads. Pair channels are [from, to, run]; shocks compose by adding (clipped downstream)."""
    conflict: Pair           # attacker -> defender intensity
    sanction: Pair           # primary sanctions, sender -> target
    secondary: Pair          # secondary sanctions on whoever trades with the target
    relief: Pair             # sanctions relief, sender -> target
    arms: Pair               # arms transfer, supplier -> recipient
    diplomacy: Pair          # summit or deal
    closure: PerChokepoint   # share of each corridor's or chokepoint's capacity closed
    memory: Memory


class Static(NamedTuple):
    """Per-run constants the rules read, built by `sim.model.compile.compile` (runs last)."""
    similarity: Pair         # salience-weighted interest similarity, [-1, 1]
    affinity: Pair           # the part of step-0 relations the mechanisms do not explain (A3)
    expectation0: Pair       # expected support at step 0
    military0: PerActor      # capability at step 0
    econ_share: PerActor     # share of the modelled economy
    tolerance: PerActor      # sanctions-risk tolerance
    resolve: PerActor
    reliability: PerActor
    volume: Pair             # baseline trade demand, US$ bn/yr, symmetric
    trade_share: Pair        # volume / i's total baseline trade
    capacity: PerCorridor    # US$ bn/yr
    chronic: PerActor        # pressure already present at step 0 (not a call for help)
    w: PerParameter          # dynamics parameters, rows in sim.scenario.parameters.PARAMETERS order
    network: Network         # routing index arrays, shared by every run


class Scratch(NamedTuple):
    """Working arrays of one month (`_month`), allocated once per call."""
    exposure: Pair           # i's exposure to secondary sanctions for trading with j
    dependence: Pair
    gap: Pair                # support received minus expected
    drive: Pair
    pressure: PerActor
    acc: Lanes               # per-run accumulators for third-party sums
    left: PerCorridor
    asked: PerCorridor
    frac: PerCorridor
    used: PerCorridor
    remaining: PerRoute
    wanted: PerRoute
    memory: Memory


SCRATCH_LANES = 4


def fields(cls) -> dict[str, tuple[str, ...]]:
    """Field name -> the size names of its shape (before the runs axis), in definition order."""
    hints = get_type_hints(cls, include_extras=True)
    return {name: get_args(hints[name])[1] for name in cls._fields if name not in ("memory", "network")}


def allocate(cls, runs: int, fill: float | None = None, **sizes: int):
    """A structure with every field a view of one (rows, runs) float64 block, its `memory`.

    sizes gives each size name its length (actors=5, corridors=4, ...). With fill, the block
    is filled with it; otherwise left uninitialised.

    >>> s = allocate(State, runs=3, actors=2)
    >>> s.alignment.shape, s.military.shape, s.memory.shape
    ((2, 2, 3), (2, 3), (36, 3))
    """
    shapes = {name: tuple(sizes[d] for d in dims) for name, dims in fields(cls).items()}
    rows = {name: int(np.prod(shape)) for name, shape in shapes.items()}
    memory = np.empty((sum(rows.values()), runs), dtype=DTYPE) if fill is None else \
        np.full((sum(rows.values()), runs), fill, dtype=DTYPE)
    views, offset = [], 0
    for name, shape in shapes.items():
        views.append(memory[offset:offset + rows[name]].reshape(*shape, runs))
        offset += rows[name]
    return cls(*views, memory)


def rows_of(cls, names, **sizes: int) -> tuple[np.ndarray, dict[str, slice]]:
    """The memory rows of the named fields, and where each field's rows sit in that selection."""
    out, where, offset, picked = [], {}, 0, 0
    for name, dims in fields(cls).items():
        size = int(np.prod([sizes[d] for d in dims]))
        if name in names:
            out.append(np.arange(offset, offset + size))
            where[name] = slice(picked, picked + size)
            picked += size
        offset += size
    return (np.concatenate(out) if out else np.zeros(0, np.int64)).astype(np.int64), where


def shape_of(cls, name: str, **sizes: int) -> tuple[int, ...]:
    """A field's shape without the runs axis."""
    return tuple(sizes[d] for d in fields(cls)[name])


_LAST = {d: (*range(1, d), 0) for d in range(1, 6)}         # transpose axes; np.moveaxis costs
_FIRST = {d: (d - 1, *range(d - 1)) for d in range(1, 6)}    # ten times more


def runs_last(x: np.ndarray) -> np.ndarray:
    """(R, ...) -> C-contiguous (..., R); free when x is already a runs_first view."""
    y = np.asarray(x).transpose(_LAST[np.ndim(x)])
    return y if y.flags.c_contiguous else np.ascontiguousarray(y)


def runs_first(x: np.ndarray) -> np.ndarray:
    """(..., R) run-last memory seen as (R, ...), without copying."""
    return x.transpose(_FIRST[x.ndim])


def select_runs(s, lo: int, hi: int):
    """Runs lo..hi-1 of a structure, as (R, ...) views per field (for tests and inspection)."""
    return {name: runs_first(getattr(s, name))[lo:hi] for name in fields(type(s))}
