"""The parts of a report that explain: an executive summary of five to eight plain sentences
written from the folder's numbers (what changes, how likely, what drives it, how sure), the
limitations, and a short glossary of the alignment scale.

Every number in the summary is read from the folder's tables and manifest: nothing is fixed
text but the wording around the numbers. `summary` dispatches on the kind of folder
(experiment, `alignsim run`, `alignsim attribute`).
"""

from __future__ import annotations

import math
from pathlib import Path

from sim.core.stats import Z95, wilson_interval
from sim.report import attribution as attr
from sim.report import weights
from sim.core.numbers import percent as pct
from sim.report.page import esc, num, read_rows
from sim.scenario.parameters import PARAMETERS


def judgment_weights() -> tuple[int, int]:
    """(dynamics weights whose default is stated judgment, all dynamics weights)."""
    return sum(p.source.startswith("judgment") for p in PARAMETERS.values()), len(PARAMETERS)


def probability_error(runs: int) -> float:
    """The largest half-width of a 95% interval of a probability from `runs` runs (at 50%)."""
    return Z95 * math.sqrt(0.25 / runs) if runs > 0 else float("nan")


TARGET_POINTS = 2.0   # the Monte Carlo error of a probability the summary calls small, in points


def _sure(man: dict, runs: int, widest: float | None, per: str = " per scenario") -> list[str]:
    """How sure: the Monte Carlo error for the run count, then what it does not cover."""
    h = probability_error(runs) * 100
    mean = f" and of a mean difference about ±{widest:.3f} (the widest interval above)" if widest else ""
    enough = (f"so more runs would change little" if h <= TARGET_POINTS else
              f"{math.ceil((Z95 * 0.5 / (TARGET_POINTS / 100)) ** 2):,} runs would bring it to "
              f"±{TARGET_POINTS:.0f} points")
    clause = weights.note(man, *judgment_weights())[1]
    return [f"With {runs:,} runs{per}, the Monte Carlo error of a probability is at most ±{h:.1f} percentage "
            f"points (95%){mean}; {enough}.",
            f"The larger uncertainty is the model's: {clause}, so read these as consequences of the scenario's "
            f"assumptions, not forecasts (see Limitations)."]


def summary(folder: Path, man: dict) -> list[str]:
    """The executive summary as HTML: a heading and one paragraph of 5 to 8 sentences."""
    kind = man.get("kind")
    if kind == "experiment":
        sentences = experiment_sentences(folder, man)
    elif kind == "attribution":
        sentences = attribution_sentences(folder, man["attribution"], man=man)
    else:
        sentences = run_sentences(folder, man)
    return ["<h2>Executive summary</h2>",
            '<p class="summary">' + " ".join(esc(s) for s in sentences) + "</p>"]


def experiment_sentences(folder: Path, man: dict) -> list[str]:
    """What changes and how likely (the first comparison), what drives it (the attributions),
    how sure (runs and weights)."""
    out: list[str] = []
    desc = {o["name"]: o["description"] for o in man["outcomes"]}
    compares = [a for a in man["analyses"] if a["type"] == "compare"]
    atts = [a for a in man["analyses"] if a["type"] == "attribution"]
    widest, runs = None, int(man.get("runs", 0))
    if compares:
        an = compares[0]
        runs = int(an["runs"])
        rows = [r for r in read_rows(folder / "compare.csv") if r["analysis"] == an["name"]]
        units = {o["name"]: o["unit"] for o in man["outcomes"]}
        lines, widest = _compare_sentences(rows, an, man["scenarios"], desc, units)
        out += lines
    elif atts:
        out += attribution_sentences(folder, atts[0]["attribution"], atts[0]["name"])[:2]
    for a in atts:
        out += attr.driver_sentences(a["attribution"], attr.rows_of(folder, a["name"]))
    if not atts:
        out.append("This folder holds no attribution of the change to events or mechanisms; an analysis of "
                   "type \"attribution\" or `alignsim attribute` adds one.")
    return out + _sure(man, runs, widest)


def _compare_sentences(rows: list[dict], an: dict, scens: dict, desc: dict,
                       units: dict) -> tuple[list[str], float | None]:
    """The change in the first numeric outcome and the first probability, scenario against baseline
    (the scenario with the largest change in the first outcome, when there are several)."""
    base = an["baseline"]
    by = {(r["outcome"], r["scenario"]): r for r in rows}
    outs = list(dict.fromkeys(r["outcome"] for r in rows))
    means = [o for o in outs if by[(o, base)]["kind"] == "mean"]
    probs = [o for o in outs if by[(o, base)]["kind"] == "probability"]
    others = [s for s in an["scenarios"] if s != base]
    first = (means or probs)[0]
    scen = max(others, key=lambda s: abs(num(by[(first, s)]["difference"])))
    title = lambda s: scens[s]["title"].split(":")[0]  # noqa: E731
    out, widest = [], None
    if means:
        r, b = by[(means[0], scen)], by[(means[0], base)]
        widest = (num(r["diff_high"]) - num(r["diff_low"])) / 2
        direction = "higher" if num(r["difference"]) > 0 else "lower"
        unit = ("on a scale from −1 (hostile) to +1 (allied)" if units[means[0]] == "alignment"
                else f"in {units[means[0]]}")
        out.append(f"Under “{title(scen)}”, {desc[means[0]]} is {num(r['estimate']):+.3f} against "
                   f"{num(b['estimate']):+.3f} under “{title(base)}”: {num(r['difference']):+.3f} {direction} "
                   f"(95% CI {num(r['diff_low']):+.3f} to {num(r['diff_high']):+.3f}) {unit}.")
    if probs:
        r, b = by[(probs[0], scen)], by[(probs[0], base)]
        out.append(f"The chance of “{desc[probs[0]]}” is {pct(num(r['estimate']))} (95% CI "
                   f"{pct(num(r['ci_low']))} to {pct(num(r['ci_high']))}) under “{title(scen)}” against "
                   f"{pct(num(b['estimate']))} ({pct(num(b['ci_low']))} to {pct(num(b['ci_high']))}) under "
                   f"“{title(base)}”, {num(r['difference']) * 100:+.1f} percentage points "
                   f"({num(r['diff_low']) * 100:+.1f} to {num(r['diff_high']) * 100:+.1f}, paired runs).")
    return out, widest


def attribution_sentences(folder: Path, info: dict, name: str | None = None, man: dict | None = None) -> list[str]:
    """An attribution folder's summary: the change, how many paired runs it holds in, what drives it,
    how sure."""
    rows = attr.rows_of(folder, name)
    total = rows[-1]
    s, o = info["levels"]["scenario"], info["levels"]["against"]
    up, n = info["higher"]
    out = [f"{attr.outcome_words(info)} in {info['date']} is {s[0]:+.3f} under {info['scenario']['name']} against "
           f"{o[0]:+.3f} under {info['against']['name']}: {num(total['contribution']):+.3f} (95% CI "
           f"{num(total['lo']):+.3f} to {num(total['hi']):+.3f}) on a scale from −1 (hostile) to +1 (allied).",
           f"It is higher under {info['scenario']['name']} in {up:,} of {n:,} paired runs ({pct(up / n)}, 95% CI "
           f"{pct(wilson_interval(up, n)[0])} to {pct(wilson_interval(up, n)[1])}).", ]
    if name is not None:
        return out
    out += attr.driver_sentences(info, rows)
    return out + _sure(man or {}, info["runs"], (num(total["hi"]) - num(total["lo"])) / 2, " per variant")


def run_sentences(folder: Path, man: dict) -> list[str]:
    """A run folder's summary: the key pairs that change most from the start, how likely each ends
    aligned or opposed, the events it schedules, how sure."""
    names = dict(zip(man.get("actors", []), man.get("names", [])))
    runs = int(man.get("runs", 0))
    mean = {(r["from"], r["to"], int(r["step"])): num(r["mean"]) for r in read_rows(folder / "quantiles.csv")
            if r["measure"] == "mutual"}
    final = {(r["from"], r["to"]): r for r in read_rows(folder / "final.csv")}
    steps = int(man.get("steps", 0))
    pairs = [tuple(p) if tuple(p) in final else tuple(p[::-1]) for p in man.get("key_pairs", [])]
    pairs = [p for p in pairs if p in final and (*p, 0) in mean] or list(final)[:1]
    pairs.sort(key=lambda p: -abs(mean[(*p, steps)] - mean[(*p, 0)]))
    out = []
    for k, p in enumerate(pairs[:2]):
        words = f"{names.get(p[0], p[0])}–{names.get(p[1], p[1])}"
        out.append(f"{'Among the key pairs, ' if k == 0 else ''}{words} mutual alignment moves "
                   f"{'most' if k == 0 else 'second most'}: from {mean[(*p, 0)]:+.3f} in {man.get('start')} to "
                   f"{mean[(*p, steps)]:+.3f} in {man.get('end')} on average over {runs:,} runs (−1 hostile, "
                   f"+1 allied).")
        out.append(f"{words} ends aligned (above 0.5) in {_share(final[p]['p_above_0.5'], runs)} of runs and "
                   f"opposed (below −0.5) in {_share(final[p]['p_below_-0.5'], runs)}.")
    shocks = [s["label"] for s in man.get("shocks", []) if s.get("at")]
    listed = "; ".join(shocks[:4]) + ("; …" if len(shocks) > 4 else "")
    out.append(f"The scenario schedules {len(shocks)} dated event{'s' if len(shocks) != 1 else ''}"
               + (f" ({listed})" if shocks else "") + "; this folder does not attribute the change to them "
               "(`alignsim attribute` does).")
    return out + _sure(man, runs, None, "")


def _share(p: str, runs: int) -> str:
    k = round(num(p) * runs)
    lo, hi = wilson_interval(k, runs)
    return f"{pct(k / runs)} (95% CI {pct(lo)} to {pct(hi)})"


def runs_of(man: dict) -> int:
    """The runs per scenario behind a folder's main numbers."""
    if man.get("kind") == "experiment":
        compares = [a for a in man["analyses"] if a["type"] == "compare"]
        return int(compares[0]["runs"] if compares else man.get("runs", 0))
    if man.get("kind") == "attribution":
        return int(man["attribution"]["runs"])
    return int(man.get("runs", 0))


def limitations(man: dict) -> list[str]:
    """What the model leaves out, whether its weights are judgment, and the Monte Carlo error."""
    names = man.get("names") or man.get("attribution", {}).get("names", {})
    names = list(names.values()) if isinstance(names, dict) else list(names)
    k, n = judgment_weights()
    runs = runs_of(man)
    h = probability_error(runs) * 100
    h10 = Z95 * math.sqrt(0.09 / runs) * 100 if runs else float("nan")
    items = [
        f"<b>Who acts.</b> Only the {len(names)} actors modelled decide ({esc(', '.join(names))}); every other "
        "state enters at most as trade with the rest of the world.",
        "<b>What is left out.</b> Domestic politics, leaders, elections and public opinion: each actor is one "
        "decision-maker with fixed salience of its issues. Actors decide month by month from the current state "
        "(support, sanctions, and the closures and strikes a scenario declares); they do not anticipate replies, "
        "bargain or bluff. Nothing happens that the scenario neither schedules nor declares. A month is the "
        "shortest step: a twelve-day war is one month at its intensity. docs/MODEL.md (section 12) lists the rest.",
        weights.note(man, k, n)[0],
        f"<b>Monte Carlo error.</b> With {runs:,} runs, a probability is estimated to within "
        f"±{h:.1f} percentage points at worst (95%, at 50%) and ±{h10:.1f} at 10% or 90%; the intervals in this "
        "report include it. They do not include the uncertainty of the weights or inputs beyond what the scenario "
        "draws at random.",
    ]
    return ["<h2>Limitations</h2><ul>"] + [f"<li>{x}</li>" for x in items] + ["</ul>"]


GLOSSARY = (
    ("+1", "allied: the two act as one (a full alliance)"),
    ("above +0.5", "aligned: counted as the same bloc in the tables (“aligned > 0.5”)"),
    ("0", "indifferent: neither lines up with nor against the other"),
    ("below −0.5", "opposed: counted as opposed in the tables (“opposed < −0.5”)"),
    ("−1", "hostile: open enmity"),
)


def glossary() -> list[str]:
    """The alignment scale in words, and the terms the tables use."""
    rows = "".join(f"<tr><td class=\"num\">{esc(v)}</td><td>{esc(w)}</td></tr>" for v, w in GLOSSARY)
    return ["<h2>Glossary</h2>",
            "<p>Alignment runs from −1 to +1. <b>Directed</b> alignment is how far one actor lines up with "
            "another; <b>mutual</b> alignment is the average of the two directions. A change of 0.1 is a tenth "
            "of the way from indifference to alliance.</p>",
            f"<table class=\"glossary\"><thead><tr><th>alignment</th><th>in words</th></tr></thead><tbody>{rows}"
            "</tbody></table>",
            "<p><b>Paired runs</b>: run r of every scenario draws the same random numbers (same seed), so a "
            "difference is taken run by run and its interval is narrower. <b>Percentage points</b> (pts): the "
            "difference between two percentages. <b>95% CI</b>: the interval that holds the value the model would "
            "give with unlimited runs in 95% of repetitions.</p>"]


def attribution_report(folder: Path, man: dict) -> str:
    """The report page of a standalone `alignsim attribute` folder."""
    return attr.folder_page(folder, man, summary(folder, man), limitations(man), glossary())
