"""Actors: capabilities, interests over issues, and behavioural dispositions."""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.distribution import Value
from sim.scenario.schema import REQUIRED, Table

# Behavioural parameters, each in [0, 1], with what they govern in the dynamics.
BEHAVIOUR = {
    "sanctions_risk_tolerance": "how much secondary-sanctions exposure the actor accepts "
                                "before cutting trade with, or aid to, a sanctioned partner",
    "resolve": "share of the costs of its choices (sanctions, support) the actor discounts",
    "reliability": "share of the support it decides to give that the actor delivers",
    "financial_reach": "how much of others' business runs through the actor's market and financial system, "
                       "so its secondary sanctions reach it",
}
FIELDS = ("name", "military", "economic", "trade_total", *BEHAVIOUR, "positions", "salience")
WORLD = "world"   # the rest of the world, as corridor pairs name it; no actor may take this id


@dataclass(frozen=True)
class Actor:
    """A state: capabilities, behavioural dispositions and interests over the issues, as the file
    gave them (numbers or distributions, drawn per run by sim.model.compile).
    """
    id: str
    name: str
    military: Value        # military capability (SIPRI spending, US$ bn)
    economic: Value        # economic capability (GDP, US$ tn)
    trade_total: Value | None   # all external goods trade, US$ bn/yr (None: the modelled pairs' sum)
    sanctions_risk_tolerance: Value
    resolve: Value
    reliability: Value
    financial_reach: Value
    positions: dict[str, Value]   # issue -> position in [-1, 1]
    salience: dict[str, Value]    # issue -> weight >= 0 (normalised per actor)


def parse_actor(aid: str, t: Table, issues: list[str]) -> Actor:
    """An `[actors.ID]` table as an Actor.

    Parameters
    ----------
    aid : the actor's id (the table name).
    t : the table being read.
    issues : the scenario's issue ids; positions default to 0, salience to 0 (or 1 for every issue
        when the actor gives no salience table).

    Raises
    ------
    ScenarioError : a missing or out-of-range value, or an unknown key.
    """
    name = t.string("name", default=aid)
    mil = t.value("military", lo=0.0, hi=1e6)
    eco = t.value("economic", lo=0.0, hi=1e4)
    total = t.value("trade_total", lo=0.0, hi=1e6) if t.has("trade_total") else None
    beh = {k: t.value(k, 0.0, 1.0, default=0.0 if k == "financial_reach" else REQUIRED) for k in BEHAVIOUR}
    pos_t, sal_t = t.table("positions", default={}), t.table("salience", default={})
    positions = {i: pos_t.value(i, -1.0, 1.0, default=0.0) for i in issues}
    salience = {i: sal_t.value(i, 0.0, default=1.0 if not sal_t.data else 0.0) for i in issues}
    pos_t.finish(issues)
    sal_t.finish(issues)
    t.finish(FIELDS)
    return Actor(aid, name, mil, eco, total, positions=positions, salience=salience, **beh)
