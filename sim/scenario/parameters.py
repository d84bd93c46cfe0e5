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
    "inertia": Parameter(0.12, 0.0, 1.0, "share of the gap to the target alignment closed per month",
                         "judgment: alignments shift over years; half-life about 5 months"),
    "noise": Parameter(0.015, 0.0, 0.5, "s.d. of monthly random change in each directed alignment", J),
    "w_interest": Parameter(0.5, 0.0, 10.0, "weight of salience-weighted interest similarity", J),
    "w_shared_threat": Parameter(0.8, 0.0, 10.0, "weight of threats both actors perceive from third parties", J),
    "w_hostility": Parameter(0.8, 0.0, 10.0, "weight of i's threat perception of j, lowering i's alignment to j", J),
    "w_balance": Parameter(0.4, 0.0, 10.0, "weight of structural balance (friend of friend, enemy of enemy)", J),
    "w_economic": Parameter(0.6, 0.0, 10.0, "weight of i's trade dependence on j", J),
    "w_trust": Parameter(1.0, 0.0, 10.0, "weight of the change in expected support since the start", J),
    "w_sanctions": Parameter(0.8, 0.0, 10.0, "weight of sanctions between the two", J),
    "reciprocity": Parameter(0.5, 0.0, 5.0, "immediate alignment change per unit of support received minus expected", J),
    "diplomacy": Parameter(0.06, 0.0, 1.0, "immediate alignment change per unit of summit intensity", J),
    "threat_memory": Parameter(0.85, 0.0, 1.0, "share of threat perception kept each month", J),
    "expectation_learning": Parameter(0.3, 0.0, 1.0, "rate at which expected support tracks delivered support", J),
    "conflict_damage": Parameter(0.10, 0.0, 1.0, "share of military capability lost per month of full-intensity attack", J),
    "arms_gain": Parameter(0.15, 0.0, 1.0, "capability restored per unit of arms received, as a share of the initial", J),
    "arms_alarm": Parameter(0.2, 0.0, 5.0, "threat an actor perceives from a supplier arming its enemy", J),
    "sanction_threshold": Parameter(0.5, 0.0, 0.99, "hostility beyond which an actor imposes sanctions", J),
    "join_sanctions": Parameter(0.5, 0.0, 5.0, "readiness to join a friend's sanctions on a shared rival", J),
    "secondary_reach": Parameter(0.6, 0.0, 10.0, "trade cut per unit of exposure to secondary sanctions at zero tolerance", J),
    "evasion": Parameter(1.0, 0.0, 5.0, "trade growth of a sanctioned actor with tolerant friendly partners", J),
    "military_support_threshold": Parameter(0.6, 0.0, 0.99, "resolve above which an actor gives military support", J),
}
