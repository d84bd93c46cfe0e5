"""The counterfactual table of docs/VALIDATION.md: each row a scenario against the June-war pivot,
run with the same seed (common random numbers), a pair, the direction expected before measuring
and why, the measured paired difference with its 95% interval, and whether the direction held.

Directions: "up" and "down" need the 95% interval of the mean paired difference to lie above
(below) zero; "not up" needs the mean to be at most +0.01.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.stats import mean_difference

NOT_UP_MAX = 0.01


@dataclass(frozen=True)
class Row:
    """One expectation, written before measuring."""
    scenario: str                 # a file in scenarios/, or "june_war_pivot" with overrides
    overrides: tuple[str, ...]
    label: str
    pair: tuple[str, str]         # directed alignment [from, to]
    direction: str                # "up", "down" or "not up"
    reason: str
    date: str = "2028-01"
    against: str = "june_war_pivot"   # the paired reference scenario
    measure: str = "alignment"        # "alignment": directed A[from, to]; "trade": pair[0]'s total trade


ROWS = (
    Row("russia_delivers", (), "a reliable Russia", ("iran", "russia"), "up",
        "Russia decides more support and delivers most of it: Iran's trust in Russia rises"),
    Row("russia_delivers", (), "a reliable Russia", ("iran", "china"), "not up",
        "patrons substitute: with Russia covering Iran's need, China's support is worth less to both"),
    Row("us_iran_deal", (), "a US-Iran deal", ("iran", "us"), "up",
        "relief lifts the sanctions between them and the need that drove Iran to others"),
    Row("us_iran_deal", (), "a US-Iran deal", ("iran", "china"), "down",
        "with its trade with the world back, Iran depends less on China's lifeline and needs less support"),
    Row("renewed_strikes", (), "renewed Israeli strikes", ("iran", "china"), "up",
        "each strike renews Iran's need, which China answers, and the shared threat"),
    Row("renewed_strikes", (), "renewed Israeli strikes", ("iran", "israel"), "down",
        "attacks raise Iran's threat perception of Israel"),
    Row("malacca_disruption", (), "a Malacca disruption", ("china", "iran"), "up",
        "China loses its westward sea trade; Iran's rail-borne trade weighs more in what China has left, "
        "and the standoff with the US raises the threat China shares with Iran"),
    # issue 12: closures with authors, and Malacca on its own (written before measuring)
    Row("hormuz_closure", (), "an Iran-authored Hormuz closure", ("china", "iran"), "down",
        "China loses its oil and trade through the strait and holds Iran, the closer, responsible: its threat "
        "perception of Iran rises and the pressure it suffers is Iran's", date="2026-01"),
    Row("hormuz_closure", (), "an Iran-authored Hormuz closure", ("us", "iran"), "down",
        "the US loses trade through the strait too, and the closure is Iran's act against it", date="2026-01"),
    Row("hormuz_closure", (), "an Iran-authored Hormuz closure", ("iran", "iran"), "down",
        "Iran's own exports pass the strait: closing it cuts Iran's trade (all of it, with the world too), "
        "measured while every drawn closure is in force", date="2025-09", measure="trade"),
    Row("malacca_closure", (), "a Malacca closure alone", ("china", "iran"), "up",
        "with no standoff bundled in: China loses its westward sea trade; Iran's rail-borne trade weighs more "
        "in what China has left"),
    Row("wider_region_hormuz_closure", (), "Iran closes Hormuz, wider region", ("saudi_arabia", "iran"), "down",
        "the Gulf producers' exports pass the strait: they lose trade, and hold Iran responsible",
        date="2026-01", against="wider_region_june_war"),
    Row("wider_region_hormuz_closure", (), "Iran closes Hormuz, wider region", ("qatar", "iran"), "down",
        "Qatar's LNG has no bypass: it loses the most, and holds Iran responsible despite their ties",
        date="2026-01", against="wider_region_june_war"),
    Row("wider_region_hormuz_closure", (), "Iran closes Hormuz, wider region", ("uae", "iran"), "down",
        "the UAE keeps part of its exports through its east-coast port; it loses the rest",
        date="2026-01", against="wider_region_june_war"),
    Row("june_war_pivot", ("shocks.maximum_pressure.enabled=false",), "no maximum pressure (pivot without it)",
        ("iran", "china"), "down",
        "without the campaign the world trades more with Iran, so China weighs less in its trade and "
        "Iran needs less of China's lifeline"),
)


@dataclass
class Result:
    """A row's measurement."""
    row: Row
    estimate: float
    low: float
    high: float
    n: int
    passed: bool


def judge(direction: str, low: float, high: float, estimate: float) -> bool:
    """Whether a measured difference goes the expected way (see the module docstring)."""
    if direction == "up":
        return low > 0
    if direction == "down":
        return high < 0
    return estimate <= NOT_UP_MAX


def measure(row: Row, ensemble, reference, step: int) -> Result:
    """The row's paired difference (scenario minus reference) at `step`: directed alignment, or
    for measure "trade" the first actor's total trade (with the modelled actors and the world)."""
    ids = list(reference.scenario.actor_ids)
    i, j = ids.index(row.pair[0]), ids.index(row.pair[1])
    if row.measure == "trade":
        d = total_trade(ensemble, i, step) - total_trade(reference, i, step)
    else:
        d = ensemble.alignment[:, step, i, j].astype(float) - reference.alignment[:, step, i, j].astype(float)
    diff = mean_difference(d)
    return Result(row, diff.estimate, diff.low, diff.high, diff.n, judge(row.direction, diff.low, diff.high,
                                                                         diff.estimate))


def total_trade(ensemble, i: int, step: int):
    """Actor i's delivered trade at `step` per run, US$ bn/yr: with every modelled actor and the world."""
    a = ensemble.arrays
    return a["trade"][:, step, i, :].astype(float).sum(axis=1) + a["trade_row"][:, step, i].astype(float)


def table_lines(results: list[Result]) -> list[str]:
    """The measured table, one line per row."""
    out = []
    for res in results:
        r = res.row
        what = f"{r.pair[0]}'s trade" if r.measure == "trade" else f"{r.pair[0]}->{r.pair[1]}"
        vs = "" if r.against == "june_war_pivot" else f" (against {r.against})"
        out.append(f"{'PASS' if res.passed else 'FAIL'}  {r.label}{vs}: {what} {r.direction} "
                   f"at {r.date}: {res.estimate:+.4f} [{res.low:+.4f}, {res.high:+.4f}]")
    return out


def _ensemble(scen, runs: int, seed: int):
    """The scenario's ensemble with the arrays the rows read (trade with the world included)."""
    import numpy as np

    from sim.engine.ensemble import Ensemble, simulate
    from sim.model.compile import compile
    c = compile(scen, seed, np.arange(runs), scen.steps)
    arrays = simulate(c, record=("alignment", "trade", "trade_row"))
    return Ensemble(scen, seed, runs, scen.steps, arrays, [])


def run_rows(scenarios_dir, runs: int, seed: int, rows=ROWS) -> list[Result]:
    """Measure every row against its reference ensemble (the pivot's, or another's; same seed and runs)."""
    from sim import scenario
    cache: dict = {}

    def get(name, overrides=()):
        if (name, overrides) not in cache:
            cache[(name, overrides)] = _ensemble(scenario.load(scenarios_dir / f"{name}.toml", list(overrides)),
                                                 runs, seed)
        return cache[(name, overrides)]

    results = []
    for row in rows:
        reference = get(row.against)
        dates = [reference.scenario.date(t) for t in range(reference.steps + 1)]
        results.append(measure(row, get(row.scenario, row.overrides), reference, dates.index(row.date)))
    return results
