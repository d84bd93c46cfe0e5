"""Decisions a scenario lets an actor take, beyond the support and sanctions every actor decides:
`[decisions.NAME]` tables, each of a registered type, with its author and parameters.

A declared decision is taken by the model (sim.model.events) when log(value / cost), computed from
the state each month, plus `propensity` beats a logistic taste drawn once per run; `propensity`
(log units: +1 makes the value count e times over) carries how inclined the author is beyond what
the model counts, judged from its record, and `duration` is how long the act lasts once taken
before the author reconsiders. Scheduled shocks stay for what-if questions.

    [decisions.iran_closes_hormuz]
    type = "corridor_closure"
    author = "iran"
    corridor = "hormuz"
    propensity = -1.0        # log units, [-5, 5]
    intensity = 0.8          # share of the route's capacity closed
    duration = 3             # months, or "open"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from sim.core.errors import ScenarioError
from sim.scenario.distribution import Value
from sim.scenario.schema import Table, close_matches
from sim.scenario.shocks import Context, check_closer, duration_of

DECISION_TYPES: dict[str, type["Decision"]] = {}
COMMON = ("type", "label", "author", "propensity", "intensity", "duration", "enabled")


def register(name: str):
    """Class decorator: register a Decision subclass under its type name."""
    def deco(cls):
        cls.type_name = name
        DECISION_TYPES[name] = cls
        return cls
    return deco


@dataclass(frozen=True)
class Decision:
    """A decision an actor may take: its author, how inclined it is (`propensity`, log units of
    value over cost), how hard it acts (`intensity`) and for how long once it acts (`duration`)."""
    name: str
    label: str
    author: str
    enabled: bool
    propensity: Value
    intensity: Value
    duration: Value
    type_name: ClassVar[str] = ""
    fields: ClassVar[tuple[str, ...]] = ()
    spec: dict = field(default_factory=dict)

    @classmethod
    def read_fields(cls, t: Table, ctx: Context, author: str) -> dict:
        """The type's own fields, validated against ctx."""
        return {}


@register("corridor_closure")
class ClosureDecision(Decision):
    """The author closes a corridor or chokepoint its own routes pass, to hurt those who press it
    and depend on the route, at the cost of its own trade through it and of their retaliation."""
    fields = ("corridor",)

    @classmethod
    def read_fields(cls, t, ctx, author):
        """corridor: a corridor id or chokepoint name one of the author's routes passes."""
        corridor = t.raw("corridor")
        if corridor not in ctx.closable:
            raise ScenarioError(t.file, t.at("corridor"), corridor, "unknown corridor or chokepoint; known: "
                                + ", ".join(ctx.closable) + close_matches(str(corridor), ctx.closable))
        check_closer(t, ctx, corridor, author)
        return {"corridor": corridor}


@register("strike")
class StrikeDecision(Decision):
    """The author strikes the target (an armed conflict it decides), to reopen routes the target
    closes on it, at the cost of fighting a power of the target's size."""
    fields = ("target",)

    @classmethod
    def read_fields(cls, t, ctx, author):
        """target: an actor other than the author."""
        target = t.ident("target", ctx.actors)
        if target == author:
            raise ScenarioError(t.file, t.at("target"), target, "must differ from the author")
        return {"target": target}


def parse_decision(name: str, t: Table, ctx: Context) -> Decision:
    """A `[decisions.NAME]` table as a Decision of its registered type.

    Raises
    ------
    ScenarioError : an unknown type or author, a decision the author cannot take, a parameter out of
        range, or an unknown key.
    """
    kind = t.raw("type")
    if kind not in DECISION_TYPES:
        raise ScenarioError(t.file, t.at("type"), kind,
                            "one of " + ", ".join(DECISION_TYPES) + close_matches(str(kind), DECISION_TYPES))
    cls = DECISION_TYPES[kind]
    author = t.ident("author", ctx.actors)
    d = cls(name=name, label=t.string("label", default=name.replace("_", " ")), author=author,
            enabled=t.boolean("enabled", default=True), propensity=t.value("propensity", -5.0, 5.0, 0.0),
            intensity=t.value("intensity", 0.0, 1.0, 1.0), duration=duration_of(t),
            spec=cls.read_fields(t, ctx, author))
    t.finish(COMMON + cls.fields)
    return d
