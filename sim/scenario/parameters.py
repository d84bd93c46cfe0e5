"""The dynamics parameters: every weight and rate of the model's rules, with its default, its
allowed range, what it means and where its default comes from (docs/MODEL.md, section 7).

A scenario's `[dynamics]` table sets any of them; the kernel reads them by name (sim.model.kernel).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    """One dynamics parameter: default, allowed range [lo, hi], meaning and source of the default."""
    default: float
    lo: float
    hi: float
    meaning: str
    source: str


J = "judgment, see docs/MODEL.md"
PARAMETERS: dict[str, Parameter] = {
    # alignment (A1-A4)
    "inertia": Parameter(0.12, 0.0, 1.0, "share of the gap to the target alignment closed per month",
                         "judgment: alignments shift over years; half-life about 5 months"),
    "noise": Parameter(0.015, 0.0, 0.5, "s.d. of monthly random change in each directed alignment", J),
    "w_interest": Parameter(0.5, 0.0, 10.0, "weight of salience-weighted interest similarity", J),
    "w_shared_threat": Parameter(0.8, 0.0, 10.0, "weight of threats both actors perceive from third parties", J),
    "w_hostility": Parameter(0.8, 0.0, 10.0, "weight of i's threat perception of j, lowering i's alignment to j", J),
    "w_balance": Parameter(0.4, 0.0, 10.0, "weight of structural balance (friend of friend, enemy of enemy)", J),
    "w_economic": Parameter(0.6, 0.0, 10.0, "weight of i's trade with j as a share of all its trade", J),
    "w_trust": Parameter(1.0, 0.0, 10.0, "weight of the change in expected support since the start", J),
    "w_sanctions": Parameter(0.8, 0.0, 10.0, "weight of sanctions between the two", J),
    "reciprocity": Parameter(0.5, 0.0, 5.0, "immediate alignment change per unit of support received minus expected", J),
    "diplomacy": Parameter(0.06, 0.0, 1.0, "immediate alignment change per unit of summit intensity", J),
    # threat, capability, expectations (T1, M1, E1)
    "threat_memory": Parameter(0.85, 0.0, 1.0, "share of threat perception kept each month", J),
    "expectation_learning": Parameter(0.3, 0.0, 1.0, "rate at which expected support tracks delivered support", J),
    "expectation_relax": Parameter(0.03, 0.0, 1.0, "rate at which expected support returns to its start value "
                                   "while the actor is not under pressure", "judgment: half-life about two years"),
    "conflict_damage": Parameter(0.10, 0.0, 1.0, "share of military capability lost per month of full-intensity attack", J),
    "arms_gain": Parameter(0.15, 0.0, 1.0, "capability restored per unit of arms received, as a share of the initial", J),
    "arms_alarm": Parameter(0.2, 0.0, 5.0, "threat an actor perceives from a supplier arming or fighting for its enemy", J),
    # pressure and need (N1)
    "adaptation": Parameter(0.05, 0.0, 1.0, "share of the gap between the pressure on an actor and what it has "
                            "adapted to that it closes a month; need is the pressure not yet adapted to",
                            "judgment, after Dizaji and van Bergeijk (2013): sanctions on Iran bit hardest in "
                            "their first year or two; half-life about a year"),
    # trade and sanctions (R1-R4, S1-S2)
    "secondary_reach": Parameter(0.6, 0.0, 10.0, "trade cut per unit of exposure to secondary sanctions at zero tolerance", J),
    "evasion": Parameter(1.0, 0.0, 5.0, "extra trade a patron's economic support opens, per unit of the client's need", J),
    "sanction_sensitivity": Parameter(0.3, 0.01, 10.0, "change in the value of sanctioning that multiplies the "
                                      "odds of a sanctions level by e (a logit choice)", J),
    "sanction_hostility": Parameter(1.0, 0.0, 10.0, "value of sanctioning an actor one is hostile to, per unit of hostility", J),
    "sanction_threat": Parameter(1.0, 0.0, 10.0, "value of sanctioning an actor one feels threatened by", J),
    "sanction_join": Parameter(0.5, 0.0, 10.0, "value of joining a friend's sanctions on the same target", J),
    "sanction_trade_restraint": Parameter(5.0, 0.0, 100.0, "how much the trade at stake damps the response of "
                                          "sanctions: the sensitivity is divided by 1 + this x (1 - resolve) x "
                                          "the 2024 trade share with the target", J),
    # support decisions (P1)
    "decision_temperature": Parameter(0.25, 0.01, 10.0, "scale of the random part of decisions, in log units of "
                                      "value over cost (logit): the odds of acting change by e when the ratio "
                                      "changes by this much", J),
    "switching_cost": Parameter(0.2, 0.0, 10.0, "change in log(value / cost) an actor needs before it starts or "
                                "stops a kind of support (a commitment's reputation)", J),
    "support_friendship": Parameter(1.0, 0.0, 10.0, "gain of backing j per unit of i's alignment toward j", J),
    "support_stake": Parameter(1.0, 0.0, 10.0, "gain per unit of i's stake in j holding out against its "
                               "pressurers on the issues they press (expected utility)", J),
    "support_security": Parameter(1.0, 0.0, 10.0, "gain per unit of i's own threat from j's pressurers "
                                  "(balance of threat)", J),
    "support_trade": Parameter(1.0, 0.0, 10.0, "gain per unit of i's trade with j as a share of its trade", J),
    "support_commitment": Parameter(1.0, 0.0, 10.0, "gain per unit of the support j expects of i (reputation)", J),
    "cost_diplomatic": Parameter(0.05, 0.0, 10.0, "cost of diplomatic backing, before entrapment and resolve", J),
    "cost_economic": Parameter(0.05, 0.0, 10.0, "cost of economic backing, before exposure, entrapment and resolve", J),
    "cost_arms": Parameter(0.2, 0.0, 10.0, "cost of arming a partner, before entrapment and resolve", J),
    "cost_military": Parameter(1.0, 0.0, 10.0, "cost of fighting for a partner, before entrapment and resolve", J),
    "entrapment": Parameter(6.0, 0.0, 20.0, "cost multiplier per unit of risk of confronting the partner's "
                            "pressurers (their share of the power between them and the giver)",
                            "judgment, scaled: fighting a peer (risk 0.5) must cost more than any partner is worth"),
    "secondary_cost": Parameter(1.0, 0.0, 10.0, "cost of economic backing per unit of exposure to secondary "
                                "sanctions the backer does not tolerate", J),
    # events with authors (D1-D3)
    "summit": Parameter(0.5, 0.0, 2.0, "diplomatic push, both ways, of the month an actor first decides to back "
                        "a partner in need diplomatically (the two meet)", J),
    "closure_coercion": Parameter(1.0, 0.0, 10.0, "value of closing a route per unit of need times the share of "
                                  "its pressurers' trade the closure cuts", J),
    "closure_alarm": Parameter(1.0, 0.0, 10.0, "threat an actor perceives from the author of a closure, per unit "
                               "of the share of its trade the closure cuts", J),
    "strike_gain": Parameter(5.0, 0.0, 50.0, "value of striking the author of a closure, per unit of the share of "
                             "trade its closures cut for the striker and (by alignment) its friends", J),
    "reopening": Parameter(0.5, 0.0, 1.0, "share of a decided closure that strikes on its author reopen a month, "
                           "per unit of strike intensity", J),
    # positions (I1-I3)
    "concession": Parameter(0.1, 0.0, 1.0, "share of the gap to its pressurers' positions an actor under full "
                            "pressure, expecting to lose, concedes per month", J),
    "position_drift": Parameter(0.05, 0.0, 1.0, "share of the gap to a patron's positions an actor moves per "
                                "month per unit of support received", J),
    "position_step": Parameter(0.05, 0.0, 2.0, "largest monthly change of a position", J),
}
