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
    duration: Value             # steps (rounded, >= 1)
    intensity: Value            # [0, 1]
    type_name: ClassVar[str] = ""
    fields: ClassVar[tuple[str, ...]] = ()
    spec: dict = field(default_factory=dict)  # the type's own validated fields

    @classmethod
    def read_fields(cls, t: Table, ctx: Context) -> dict:
        """The type's own fields from table t, validated against ctx (none for the base class)."""
        return {}

    def force(self, f, x: np.ndarray, ctx: Context, draws: dict) -> None:
        """Add this shock's effect at effective intensity x (R,) into the channels of f.

        f is one step's `sim.model.state.Forcing` (pair channels [from, to, run], closure
        [name, run]); draws holds per-run values (R,) of the type's own uncertain fields.
        Every registered type defines this."""
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
                duration=t.value("duration", 1.0, 1200.0, 1.0), intensity=t.value("intensity", 0.0, 1.0, 1.0),
                spec=cls.read_fields(t, ctx))
    t.finish(COMMON + cls.fields)
    return shock


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
    """Attacker strikes defender; third parties join either side with an involvement share."""
    fields = ("attacker", "defender", "attacker_allies", "defender_allies")

    @classmethod
    def read_fields(cls, t, ctx):
        """attacker, defender (different actors) and optional third parties with shares in [0, 1]."""
        spec = _pair(t, ctx, "attacker", "defender")
        both = set(spec.values())
        spec["attacker_allies"] = _involvement(t, "attacker_allies", ctx, both)
        spec["defender_allies"] = _involvement(t, "defender_allies", ctx, both)
        return spec

    def force(self, f, x, ctx, draws):
        """Conflict attacker -> defender at x; each ally joins its side at x times its share."""
        a, d = ctx.index(self.spec["attacker"]), ctx.index(self.spec["defender"])
        f.conflict[a, d] += x
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

    def force(self, f, x, ctx, draws):
        """Primary sanctions sender -> target at x, and secondary ones if declared."""
        s, g = ctx.index(self.spec["sender"]), ctx.index(self.spec["target"])
        f.sanction[s, g] += x
        if self.spec["secondary"]:
            f.secondary[s, g] += x


@register("sanctions_relief")
class SanctionsRelief(Shock):
    """A deal: sender lifts sanctions on target, and the two sides' relations get a push."""
    fields = ("sender", "target")

    @classmethod
    def read_fields(cls, t, ctx):
        """sender and target."""
        return _pair(t, ctx, "sender", "target")

    def force(self, f, x, ctx, draws):
        """Relief sender -> target at x, and a diplomatic push of x/4 both ways."""
        s, g = ctx.index(self.spec["sender"]), ctx.index(self.spec["target"])
        f.relief[s, g] += x
        f.diplomacy[s, g] += 0.25 * x
        f.diplomacy[g, s] += 0.25 * x


@register("corridor_closure")
class CorridorClosure(Shock):
    """Closes a corridor or chokepoint by name; intensity is the share of capacity lost."""
    fields = ("corridor",)

    @classmethod
    def read_fields(cls, t, ctx):
        """The corridor or chokepoint to close, by name."""
        return {"corridor": check_ident(t.raw("corridor"), ctx.closable, t.file, t.at("corridor"),
                                        "corridor or chokepoint")}

    def force(self, f, x, ctx, draws):
        """Close the share x of the named corridor or chokepoint (the largest of overlapping closures)."""
        q = ctx.closable.index(self.spec["corridor"])
        f.closure[q] = np.maximum(f.closure[q], x)

    def parties(self):
        """No actor: a closure is an event at a place."""
        return []


@register("arms_transfer")
class ArmsTransfer(Shock):
    """Supplier delivers arms: recipient's capability and trust rise; its enemies take note."""
    fields = ("supplier", "recipient")

    @classmethod
    def read_fields(cls, t, ctx):
        """supplier and recipient."""
        return _pair(t, ctx, "supplier", "recipient")

    def force(self, f, x, ctx, draws):
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

    def force(self, f, x, ctx, draws):
        """A diplomatic push x between every two participants, both ways."""
        idx = [ctx.index(a) for a in dict.fromkeys(self.spec["participants"])]
        for i in idx:
            for j in idx:
                if i != j:
                    f.diplomacy[i, j] += x

    def parties(self):
        """The participants."""
        return list(self.spec["participants"])
