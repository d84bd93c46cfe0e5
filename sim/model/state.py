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
PerIssue = Annotated[np.ndarray, ("issues",)]               # [issue, run]
ActorIssue = Annotated[np.ndarray, ("actors", "issues")]    # [actor, issue, run]
KindPair = Annotated[np.ndarray, ("kinds", "actors", "actors")]   # [support kind, from, to, run]
ChokeActor = Annotated[np.ndarray, ("chokepoints", "actors")]     # [closable name, actor, run]
PerDecision = Annotated[np.ndarray, ("decisions",)]         # [declared decision, run]
PerCorridor = Annotated[np.ndarray, ("corridors",)]         # [corridor, run]
PerChokepoint = Annotated[np.ndarray, ("chokepoints",)]     # [closable name, run]
PerRoute = Annotated[np.ndarray, ("routes",)]               # [routed pair, run]
PerParameter = Annotated[np.ndarray, ("parameters",)]       # [dynamics parameter, run]
World = Annotated[np.ndarray, ("world",)]                   # [0, run]: one number per run
Lanes = Annotated[np.ndarray, ("lanes",)]                   # [scratch row, run]
Memory = Annotated[np.ndarray, ()]                          # (rows, R): every field above, in order

# Support kinds, in the order of State.act's first axis, and the share of a partner's need each
# covers when given in full (before the giver's reliability).
KINDS = ("diplomatic", "economic", "arms", "military")
DIPLOMATIC, ECONOMIC, ARMS, MILITARY = range(4)


class State(NamedTuple):
    """Everything that changes from month to month, for R runs (runs last)."""
    alignment: Pair          # i's stance toward j, [-1, 1]
    threat: Pair             # i's threat perception of j, [0, 1]
    expectation: Pair        # share of its need i expects j to cover, [0, 1]
    military: PerActor       # capability (SIPRI US$ bn at step 0)
    sanctions: Pair          # i's primary sanctions on j: share of their trade and finance blocked, [0, 1]
    secondary: Pair          # i's secondary sanctions on whoever trades with j: enforcement, [0, 1]
    support: Pair            # support i gave j this month, as a share of j's need, times that need, [0, 1]
    military_support: Pair   # its military part (fighting for j)
    arms_support: Pair       # its arms part (arms delivered to j)
    economic_support: Pair   # its economic part (the lifeline: trade and aid j would otherwise lose)
    act: KindPair            # 1 where i has decided to back j with a kind of support, else 0
    trade: Pair              # delivered trade, US$ bn/yr, symmetric
    trade_row: PerActor      # delivered trade with the rest of the world, US$ bn/yr
    pressure: Pair           # acute pressure h puts on j (conflict; j's trade lost to h's closures and sanctions)
    need: PerActor           # acute pressure on each actor not yet adapted to, [0, 1]
    adapted: PerActor        # the pressure each actor has adapted to
    positions: ActorIssue    # each actor's position on each issue, [-1, 1]
    outcome: PerIssue        # the prevailing outcome of each issue: positions weighted by capability x salience
    decided: PerDecision     # intensity of each declared decision while its author acts on it, else 0
    decided_left: PerDecision   # months the act lasts before its author reconsiders
    memory: Memory


class Forcing(NamedTuple):
    """One month's exogenous pushes, which the shock types write (`Shock.force`) and the kernel
    reads. Pair channels are [from, to, run]; shocks compose by adding (clipped downstream)."""
    conflict: Pair           # attacker -> defender intensity
    sanction: Pair           # primary sanctions added, sender -> target
    secondary: Pair          # secondary sanctions added, sender -> target
    relief: Pair             # sanctions lifted, sender -> target
    arms: Pair               # arms transfer, supplier -> recipient
    diplomacy: Pair          # summit or deal
    shift: ActorIssue        # one-off change of an actor's positions (a change of government or policy)
    closure: PerChokepoint   # share of each corridor's or chokepoint's traffic turned away
    closure_by: ChokeActor   # the part of a closure an actor authors (a scheduled closure with an author)
    memory: Memory


class Declared(NamedTuple):
    """The decisions a scenario declares (sim.scenario.decisions), as index arrays (D,)."""
    author: np.ndarray       # actor index
    kind: np.ndarray         # CLOSURE or STRIKE
    object: np.ndarray       # closable index (a closure) or target actor index (a strike)


CLOSURE, STRIKE = 0, 1


class Static(NamedTuple):
    """Per-run constants the rules read, built by `sim.model.compile.compile` (runs last)."""
    salience: ActorIssue     # each actor's salience of each issue, rows summing to 1
    affinity: Pair           # the part of step-0 relations the mechanisms do not explain (A3)
    expectation0: Pair       # expected support at step 0
    military0: PerActor      # capability at step 0
    econ_share: PerActor     # share of the modelled economy
    tolerance: PerActor      # sanctions-risk tolerance
    resolve: PerActor        # share of the costs of its choices an actor discounts
    reliability: PerActor    # share of decided support an actor delivers
    finance: PerActor        # reach of the actor's financial system over others' business, [0, 1]
    trade_total: PerActor    # all external trade, US$ bn/yr (modelled partners and the rest of the world)
    volume: Pair             # 2024 trade, US$ bn/yr, symmetric
    trade_share: Pair        # volume over all of i's 2024 trade
    volume_row: PerActor     # 2024 trade with the rest of the world
    exposure_to: Pair        # share of i's business open to s's market or finance (secondary sanctions reach)
    row_exposure: PerActor   # the same for the rest of the world toward each actor
    row_tolerance: World     # the rest of the world's tolerance of secondary sanctions
    sanctions0: Pair         # sanctions in the scenario's start month
    secondary0: Pair
    sanction_value0: Pair    # the value of sanctioning at step 0 (decisions respond to its change)
    sanction_odds0: Pair     # log-odds of the 2024 sanctions level (sim.model.kernel.sanctions)
    factor0: Pair            # the trade factor at step 0 (trade moves by the ratio to it)
    factor0_row: PerActor
    lost0: PerActor          # share of trade a route's capacity already leaves undelivered at step 0
    choke_loss: ChokeActor   # share of each actor's 2024 trade a full closure of each corridor or chokepoint cuts
    choke_world: PerChokepoint   # share of the rest of the world's 2024 trade a full closure of each cuts
    row_total: World         # the rest of the world's own trade, US$ bn/yr (world trade less the actors' totals)
    decision_propensity: PerDecision   # the declared decisions' parameters (sim.model.events)
    decision_intensity: PerDecision
    decision_duration: PerDecision
    decision_taste: PerDecision    # random part of the decision, drawn once per run (logistic)
    taste: KindPair          # random part of each support decision, drawn once per run (logistic)
    capacity: PerCorridor    # US$ bn/yr
    w: PerParameter          # dynamics parameters, rows in sim.scenario.parameters.PARAMETERS order
    network: Network         # routing index arrays, shared by every run
    declared: Declared       # who may take which declared decision, shared by every run


class Scratch(NamedTuple):
    """Working arrays of one month (`month`), allocated once per call."""
    conflict: Pair           # this month's conflict: scripted and decided (strikes)
    diplomacy: Pair          # this month's diplomacy: scripted, and the summits decisions bring
    closure: PerChokepoint   # this month's closures: scripted and decided
    closure_by: ChokeActor   # their authored part
    stake: ChokeActor        # i's stake in each closed route: its own trade and its friends' (events.stakes)
    exposure: Pair           # i's exposure to secondary sanctions for trading with j
    cut: Pair                # i's cut of its trade with j for that exposure
    factor: Pair             # gross trade factor (sanctions and cuts, before any lifeline)
    gross: Pair              # gross delivered trade (without the lifeline), for the loss of trade
    gross_row: PerActor      # the same with the rest of the world
    dependence: Pair         # i's trade with j over all of i's trade
    similarity: Pair         # salience-weighted interest similarity at the current positions
    gap: Pair                # support received minus expected
    drive: Pair
    coverage: Pair           # share of j's need i's decided support covers
    covered: PerActor        # share of j's need all decided support covers
    share: Pair              # share of j's acute pressure that comes from h
    power: Pair              # h's share of the military power between h and i
    lost: PerActor           # share of the actor's trade lost to sanctions and closures since step 0
    resistance: PerActor     # an actor's chance of holding out against its pressurers
    willing: PerActor        # an actor's readiness to give in to its pressurers (interests.pressurers)
    cut_row: PerActor        # the rest of the world's cut of its trade with the actor
    demand: ActorIssue       # the positions an actor's pressurers press it toward
    weight: ActorIssue       # how hard they press on each issue
    acc: Lanes               # per-run accumulators for third-party sums
    sum_a: PerActor          # one actor's third-party sums with every other (kernel.drive)
    sum_b: PerActor
    left: PerCorridor
    open_share: PerCorridor
    asked: PerCorridor
    frac: PerCorridor
    used: PerCorridor
    remaining: PerRoute
    wanted: PerRoute
    memory: Memory


SCRATCH_LANES = 8


def fields(cls) -> dict[str, tuple[str, ...]]:
    """Field name -> the size names of its shape (before the runs axis), in definition order."""
    hints = get_type_hints(cls, include_extras=True)
    return {name: get_args(hints[name])[1] for name in cls._fields
            if name not in ("memory", "network", "declared")}


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
