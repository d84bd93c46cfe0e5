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


def measure(row: Row, ensemble, pivot, step: int) -> Result:
    """The row's paired difference (scenario minus pivot) of directed alignment at `step`."""
    ids = list(pivot.scenario.actor_ids)
    i, j = ids.index(row.pair[0]), ids.index(row.pair[1])
    d = ensemble.alignment[:, step, i, j].astype(float) - pivot.alignment[:, step, i, j].astype(float)
    diff = mean_difference(d)
    return Result(row, diff.estimate, diff.low, diff.high, diff.n, judge(row.direction, diff.low, diff.high,
                                                                         diff.estimate))


def table_lines(results: list[Result]) -> list[str]:
    """The measured table, one line per row."""
    out = []
    for res in results:
        r = res.row
        out.append(f"{'PASS' if res.passed else 'FAIL'}  {r.label}: {r.pair[0]}->{r.pair[1]} {r.direction} "
                   f"at {r.date}: {res.estimate:+.4f} [{res.low:+.4f}, {res.high:+.4f}]")
    return out


def run_rows(scenarios_dir, pivot, runs: int, seed: int, rows=ROWS) -> list[Result]:
    """Measure every row against the pivot ensemble (same seed and runs)."""
    from sim import scenario
    from sim.engine.ensemble import run_ensemble
    cache: dict = {}
    results = []
    for row in rows:
        key = (row.scenario, row.overrides)
        if key not in cache:
            cache[key] = run_ensemble(scenario.load(scenarios_dir / f"{row.scenario}.toml", list(row.overrides)),
                                      runs=runs, seed=seed)
        dates = [pivot.scenario.date(t) for t in range(pivot.steps + 1)]
        results.append(measure(row, cache[key], pivot, dates.index(row.date)))
    return results
