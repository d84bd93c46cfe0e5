"""The model's channels, for attribution by mechanism: each is a set of dynamics parameters and
the neutral values that switch it off.

Together the channels hold every term of the monthly alignment update (the drive's weights,
reciprocity and the summits' push), so what their one-at-a-time effects leave of the total
difference is their interaction, not a channel left out.

Switching a channel off is a `[dynamics]` change, the same as `--set dynamics.KEY=VALUE` for each
of its keys. The calibration keeps the baseline at rest whatever the weights (docs/MODEL.md), so
a channel switched off changes how the model responds to events, not where it rests. A new
channel is one entry here; `tests/test_attribution.py` checks every key against
`sim.scenario.parameters.PARAMETERS` (it must exist and its neutral value be within its range).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.parameters import PARAMETERS


@dataclass(frozen=True)
class Channel:
    """One mechanism of the model, and how to switch it off.

    Attributes
    ----------
    key : str
        Short id (a row of attribution.csv).
    label : str
        In plain words.
    off : dict
        Dynamics parameter -> its neutral value.
    """
    key: str
    label: str
    off: dict


CHANNELS: tuple[Channel, ...] = (
    Channel("interests", "interests (positions, concession, drift toward patrons)",
            {"w_interest": 0.0, "concession": 0.0, "position_drift": 0.0}),
    Channel("shared_threat", "shared threat", {"w_shared_threat": 0.0}),
    Channel("hostility", "hostility (threat from the other)", {"w_hostility": 0.0}),
    Channel("balance", "structural balance (friends of friends)", {"w_balance": 0.0}),
    Channel("economic", "economic dependence", {"w_economic": 0.0}),
    Channel("trust", "trust and support received", {"w_trust": 0.0, "reciprocity": 0.0}),
    Channel("sanctions", "sanctions between the two (their direct cost to alignment)", {"w_sanctions": 0.0}),
    # the last term of the alignment update: without it a summit's push would be counted as interaction
    Channel("diplomacy", "summits (direct push of diplomatic events)", {"diplomacy": 0.0}),
    # every decision the actors take, off: support (no gain, so no value: `decisions.choose` never
    # acts on a value of zero, and without decided diplomatic backing there are no summits),
    # sanctions held at their 2024 levels (with no value the change in the value of sanctioning is
    # zero), and the closures and strikes a scenario declares (no coercion, no gain of striking).
    # Scheduled shocks stay: they are the events, not the actors' choices.
    Channel("decisions", "decisions (support, summits, sanctions, closures, strikes)",
            {"support_friendship": 0.0, "support_stake": 0.0, "support_security": 0.0, "support_trade": 0.0,
             "support_commitment": 0.0, "sanction_hostility": 0.0, "sanction_threat": 0.0, "sanction_join": 0.0,
             "closure_coercion": 0.0, "strike_gain": 0.0}),
)


def check_channels(channels=CHANNELS) -> list[str]:
    """Problems with the channel table: unknown parameters, neutral values out of range, keys
    used twice. Empty when the table is sound.

    Examples
    --------
    >>> check_channels()
    []
    """
    problems, seen = [], set()
    for c in channels:
        if c.key in seen:
            problems.append(f"{c.key}: channel key used twice")
        seen.add(c.key)
        for k, v in c.off.items():
            spec = PARAMETERS.get(k)
            if spec is None:
                problems.append(f"{c.key}: {k} is not a dynamics parameter")
            elif not spec.lo <= v <= spec.hi:
                problems.append(f"{c.key}: {k} = {v} outside [{spec.lo}, {spec.hi}]")
    return problems
