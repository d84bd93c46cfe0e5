"""Shocks: typed exogenous events, scheduled or random, with intensity and duration.

A shock type is one class registered under a name with @register("name"); it reads its
own fields and says how it pushes the per-step forcing channels. Nothing else changes
when a type is added. Shocks compose by adding into the channels (clipped downstream).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from sim.scenario.distribution import Value
from sim.core.errors import ScenarioError
from sim.scenario.schema import Table, check_ident, close_matches, to_step

SHOCK_TYPES: dict[str, type["Shock"]] = {}
COMMON = ("type", "label", "at", "hazard", "window", "repeat", "probability",
          "duration", "intensity", "enabled")


def register(name: str):
    """Class decorator: register a Shock subclass under its type name (`type = "name"` in a file)."""
    def deco(cls):
        cls.type_name = name
        SHOCK_TYPES[name] = cls
        return cls
    return deco


@dataclass(frozen=True)
class Context:
    """What a shock may refer to."""
    file: object
    actors: tuple[str, ...]
    closable: tuple[str, ...]     # corridor ids and chokepoint names
    start: tuple[int, int]
    steps: int
    issues: tuple[str, ...] = ()
    reach: dict = field(default_factory=dict)   # actor id -> the corridors and chokepoints its routes pass

    def index(self, aid: str) -> int:
        """The index of actor aid in the scenario's order."""
        return self.actors.index(aid)


@dataclass(frozen=True)
class Shock:
    """An exogenous event as the file declares it: scheduled (`at`) or random (`hazard` per step,
    within `window`), with probability, duration and intensity (each a number or distribution).

    A subclass registered with @register("name") reads its own fields (`read_fields`, listed in
    `fields`) and says how it pushes the forcing channels (`force`); `spec` holds those fields.
    """
    name: str
    label: str
    enabled: bool
    at: int | None              # scheduled onset step, or None for a random shock
    hazard: Value | None        # probability of onset per step
    window: tuple[int, int]     # steps within which a random shock may start
    repeat: bool
    probability: Value          # chance a scheduled shock happens at all
    duration: Value             # steps (rounded, >= 1); OPEN_STEPS for "open"
    intensity: Value            # [0, 1]
    type_name: ClassVar[str] = ""
    fields: ClassVar[tuple[str, ...]] = ()
    spec: dict = field(default_factory=dict)  # the type's own validated fields

    @classmethod
    def read_fields(cls, t: Table, ctx: Context) -> dict:
        """The type's own fields from table t, validated against ctx (none for the base class)."""
        return {}

    def force(self, f, x: np.ndarray, ctx: Context, draws: dict, onset: np.ndarray) -> None:
        """Add this shock's effect into the channels of f: x (R,) is its intensity in runs where it
        is active this step (0 elsewhere), onset (R,) the same but only at the step it starts.

        f is one step's `sim.model.state.Forcing` (pair channels [from, to, run], closure
        [name, run], shift [actor, issue, run]); draws holds per-run values (R,) of the type's own
        uncertain fields. Every registered type defines this."""
        raise NotImplementedError(f"shock type {self.type_name} must define force()")

    def parties(self) -> list[str]:
        """The actors the shock involves (for display)."""
        return [v for v in self.spec.values() if isinstance(v, str)]

    def describe(self) -> str:
        """The type and timing as text."""
        when = f"at step {self.at}" if self.at is not None else "random"
        return f"{self.type_name} {when}"


def parse_shock(name: str, t: Table, ctx: Context) -> Shock:
    """A `[shocks.NAME]` table as a Shock of its registered type.

    Raises
    ------
    ScenarioError : an unknown type, both or neither of at/hazard, a bad window, a value out of
        range, or an unknown key.
    """
    kind = t.raw("type")
    if kind not in SHOCK_TYPES:
        raise ScenarioError(t.file, t.at("type"), kind,
                            "one of " + ", ".join(SHOCK_TYPES) + close_matches(str(kind), SHOCK_TYPES))
    cls = SHOCK_TYPES[kind]
    has_at, has_hazard = t.has("at"), t.has("hazard")
    if has_at == has_hazard:
        raise ScenarioError(t.file, t.path, "(at / hazard)",
                            'give exactly one of at = "YYYY-MM" (scheduled) or hazard = p (random, per step)')
    at = to_step(t.raw("at"), ctx.start, t.file, t.at("at")) if has_at else None
    if at == 0:
        raise ScenarioError(t.file, t.at("at"), t.raw("at"),
                            "must be after the start month (step 0 is the initial state)")
    hazard = t.value("hazard", 0.0, 1.0) if has_hazard else None
    window = (1, 10**9)   # unbounded by default, so --steps beyond the file's horizon keeps it
    if t.has("window"):
        w = t.raw("window")
        if not isinstance(w, list) or len(w) != 2:
            raise ScenarioError(t.file, t.at("window"), w, 'a pair ["YYYY-MM", "YYYY-MM"]')
        window = tuple(to_step(v, ctx.start, t.file, f"{t.at('window')}[{k}]") for k, v in enumerate(w))
        if window[0] > window[1]:
            raise ScenarioError(t.file, t.at("window"), w, "the first month must not be after the second")
    shock = cls(name=name, label=t.string("label", default=name.replace("_", " ")),
                enabled=t.boolean("enabled", default=True), at=at, hazard=hazard, window=window,
                repeat=t.boolean("repeat", default=True), probability=t.value("probability", 0.0, 1.0, 1.0),
                duration=duration_of(t), intensity=t.value("intensity", 0.0, 1.0, 1.0),
                spec=cls.read_fields(t, ctx))
    t.finish(COMMON + cls.fields)
    return shock


OPEN = "open"          # a duration that lasts to the end of any run (until lifted by relief)
OPEN_STEPS = 10 ** 6


def duration_of(t: Table):
    """Months a shock lasts once started: a number or distribution in [1, 1200], or "open"."""
    if t.raw("duration", default=1.0) == OPEN:
        return float(OPEN_STEPS)
    return t.value("duration", 1.0, 1200.0, 1.0)


def _pair(t: Table, ctx: Context, a: str, b: str) -> dict:
    x, y = t.ident(a, ctx.actors), t.ident(b, ctx.actors)
    if x == y:
        raise ScenarioError(t.file, t.at(b), y, f"must differ from {a}")
    return {a: x, b: y}


def _involvement(t: Table, key: str, ctx: Context, exclude) -> dict[str, Value]:
    tab = t.table(key, default={})
    out = {}
    for aid, _ in list(tab.items()):
        check_ident(aid, ctx.actors, t.file, tab.at(aid))
        if aid in exclude:
            raise ScenarioError(t.file, tab.at(aid), aid, "a party to the conflict cannot also be a third party")
        out[aid] = tab.value(aid, 0.0, 1.0)
    return out


@register("armed_conflict")
class ArmedConflict(Shock):
    """Attacker strikes defender, and the defender strikes back with the share `retaliation` of
    the intensity; third parties join either side with an involvement share."""
    fields = ("attacker", "defender", "retaliation", "attacker_allies", "defender_allies")

    @classmethod
    def read_fields(cls, t, ctx):
        """attacker, defender (different actors), retaliation in [0, 1] (default 0) and optional
        third parties with shares in [0, 1]."""
        spec = _pair(t, ctx, "attacker", "defender")
        both = {spec["attacker"], spec["defender"]}
        spec["retaliation"] = t.value("retaliation", 0.0, 1.0, default=0.0)
        spec["attacker_allies"] = _involvement(t, "attacker_allies", ctx, both)
        spec["defender_allies"] = _involvement(t, "defender_allies", ctx, both)
        return spec

    def force(self, f, x, ctx, draws, onset):
        """Conflict attacker -> defender at x, defender -> attacker at x times the retaliation;
        each ally joins its side at x times its share."""
        a, d = ctx.index(self.spec["attacker"]), ctx.index(self.spec["defender"])
        f.conflict[a, d] += x
        f.conflict[d, a] += x * draws["retaliation"]
        for ally, share in draws["attacker_allies"].items():
            f.conflict[ctx.index(ally), d] += x * share
        for ally, share in draws["defender_allies"].items():
            f.conflict[ctx.index(ally), a] += x * share

    def parties(self):
        """Attacker, defender and both sides' allies."""
        return [self.spec["attacker"], self.spec["defender"], *self.spec["attacker_allies"],
                *self.spec["defender_allies"]]


@register("sanctions")
class Sanctions(Shock):
    """Primary sanctions by sender on target; with secondary = true, also on target's partners."""
    fields = ("sender", "target", "secondary")

    @classmethod
    def read_fields(cls, t, ctx):
        """sender, target and whether the sanctions are also secondary."""
        spec = _pair(t, ctx, "sender", "target")
        spec["secondary"] = t.boolean("secondary", default=False)
        return spec

    def force(self, f, x, ctx, draws, onset):
        """Primary sanctions sender -> target at x, and secondary ones if declared."""
        s, g = ctx.index(self.spec["sender"]), ctx.index(self.spec["target"])
        f.sanction[s, g] += x
        if self.spec["secondary"]:
            f.secondary[s, g] += x


@register("sanctions_relief")
class SanctionsRelief(Shock):
    """A deal: sender lifts its sanctions on target, primary and secondary, by the intensity, for
    as long as the relief lasts. It changes the level of sanctions; how relations respond is
    the model's (a signing summit is a diplomatic_event of its own)."""
    fields = ("sender", "target")

    @classmethod
    def read_fields(cls, t, ctx):
        """sender and target."""
        return _pair(t, ctx, "sender", "target")

    def force(self, f, x, ctx, draws, onset):
        """Relief sender -> target at x while active."""
        f.relief[ctx.index(self.spec["sender"]), ctx.index(self.spec["target"])] += x


@register("corridor_closure")
class CorridorClosure(Shock):
    """Closes a corridor or chokepoint by name; intensity is the share of its traffic turned away. With an
    `author`, the closure is that actor's act: those who lose trade by it hold the author
    responsible (threat, pressure), as for a closure the author decides (sim.scenario.decisions)."""
    fields = ("corridor", "author")

    @classmethod
    def read_fields(cls, t, ctx):
        """The corridor or chokepoint to close, by name, and optionally its author, an actor whose
        own routes pass it."""
        corridor = check_ident(t.raw("corridor"), ctx.closable, t.file, t.at("corridor"), "corridor or chokepoint")
        spec = {"corridor": corridor}
        if t.has("author"):
            spec["author"] = check_closer(t, ctx, corridor, t.ident("author", ctx.actors))
        return spec

    def force(self, f, x, ctx, draws, onset):
        """Close the share x of the named corridor or chokepoint (the largest of overlapping
        closures), in the author's name if it has one."""
        q = ctx.closable.index(self.spec["corridor"])
        f.closure[q] = np.maximum(f.closure[q], x)
        if "author" in self.spec:
            a = ctx.index(self.spec["author"])
            f.closure_by[q, a] = np.maximum(f.closure_by[q, a], x)

    def parties(self):
        """The author, if any: a closure is otherwise an event at a place."""
        return [self.spec["author"]] if "author" in self.spec else []


def check_closer(t: Table, ctx: Context, corridor: str, author: str) -> str:
    """author, if one of its routes passes `corridor` (only such an actor can close it); else a
    ScenarioError at t's `author` key."""
    if corridor not in ctx.reach.get(author, ()):
        raise ScenarioError(t.file, t.at("author"), author,
                            f"cannot close {corridor}: none of its corridors passes it (it can close: "
                            + (", ".join(ctx.reach.get(author, ())) or "nothing") + ")")
    return author


@register("arms_transfer")
class ArmsTransfer(Shock):
    """Supplier delivers arms: recipient's capability and trust rise; its enemies take note."""
    fields = ("supplier", "recipient")

    @classmethod
    def read_fields(cls, t, ctx):
        """supplier and recipient."""
        return _pair(t, ctx, "supplier", "recipient")

    def force(self, f, x, ctx, draws, onset):
        """Arms supplier -> recipient at x."""
        f.arms[ctx.index(self.spec["supplier"]), ctx.index(self.spec["recipient"])] += x


@register("diplomatic_event")
class DiplomaticEvent(Shock):
    """Summit or visit among participants: a push to their mutual alignment and trust."""
    fields = ("participants",)

    @classmethod
    def read_fields(cls, t, ctx):
        """participants: at least two actor ids."""
        raw = t.raw("participants")
        if not isinstance(raw, list) or len(set(map(str, raw))) < 2:
            raise ScenarioError(t.file, t.at("participants"), raw, "a list of at least two actor ids")
        return {"participants": [check_ident(a, ctx.actors, t.file, f"{t.at('participants')}[{k}]")
                                 for k, a in enumerate(raw)]}

    def force(self, f, x, ctx, draws, onset):
        """A diplomatic push x between every two participants, both ways."""
        idx = [ctx.index(a) for a in dict.fromkeys(self.spec["participants"])]
        for i in idx:
            for j in idx:
                if i != j:
                    f.diplomacy[i, j] += x

    def parties(self):
        """The participants."""
        return list(self.spec["participants"])


@register("position_change")
class PositionChange(Shock):
    """A change of government or policy: the actor's positions shift by the given amounts (times
    the intensity) in the month it happens, and move on from there by the model's rules."""
    fields = ("actor", "shift")

    @classmethod
    def read_fields(cls, t, ctx):
        """actor, and shift: a table issue = change of position, each in [-2, 2]."""
        actor = t.ident("actor", ctx.actors)
        tab = t.table("shift")
        shift = {}
        for issue, _ in list(tab.items()):
            check_ident(issue, ctx.issues, t.file, tab.at(issue), "issue")
            shift[issue] = tab.value(issue, -2.0, 2.0)
        if not shift:
            raise ScenarioError(t.file, t.at("shift"), {}, "a table of issue = change of position, e.g. {sanctions = -0.5}")
        return {"actor": actor, "shift": shift}

    def force(self, f, x, ctx, draws, onset):
        """Add each shift times the onset intensity to the actor's position."""
        a = ctx.index(self.spec["actor"])
        for issue, change in draws["shift"].items():
            f.shift[a, ctx.issues.index(issue)] += onset * change

    def parties(self):
        """The actor whose positions change."""
        return [self.spec["actor"]]
