"""Attribution in the report: the table of an attribution analysis (`type = "attribution"` in an
experiment) and the page of a standalone `alignsim attribute` folder, from attribution.csv and
the description the manifest keeps. Also the sentences the executive summary takes from it.
"""

from __future__ import annotations

from pathlib import Path

from sim.report.page import esc, figure, num, page, read_rows, table, versions_table

CAPTIONS = {"waterfall": "The difference split into contributions, from the reference's level to the scenario's, "
                         "largest first, with 95% intervals.",
            "over_time": "The contributions month by month, stacked, with the total difference and its 95% interval."}


def rows_of(folder: Path, name: str | None = None) -> list[dict]:
    """The rows of attribution.csv (of analysis `name` in an experiment folder), the total last."""
    rows = read_rows(Path(folder) / "attribution.csv")
    return [r for r in rows if name is None or r.get("analysis") == name]


def outcome_words(info: dict) -> str:
    """'Iran–China mutual alignment' or "Iran's alignment toward China"."""
    n = info["names"]
    a, b = info["pair"]
    return f"{n[a]}–{n[b]} mutual alignment" if info["measure"] == "mutual" else f"{n[a]}'s alignment toward {n[b]}"


def ranked(rows: list[dict]) -> list[dict]:
    """The rows other than the total, largest contribution (in size) first."""
    return sorted((r for r in rows if r["factor"] != "total"), key=lambda r: -abs(num(r["contribution"])))


def _ci(r: dict) -> str:
    return f"{num(r['contribution']):+.3f} ({num(r['lo']):+.3f} to {num(r['hi']):+.3f})"


def analysis_section(folder: Path, an: dict) -> list[str]:
    """What an attribution analysis did, in a sentence, and its table."""
    info = an["attribution"]
    rows = rows_of(folder, an["name"])
    if not rows:
        return []
    s, o = info["levels"]["scenario"], info["levels"]["against"]
    what = ("the model's channels, switched off in turn" if info["by"] == "mechanism"
            else "the differences between the two scenarios")
    body = [f"<p>{esc(outcome_words(info))} in {esc(info['date'])}: {s[0]:+.3f} under <b>{esc(info['scenario']['name'])}"
            f"</b> against {o[0]:+.3f} under <b>{esc(info['against']['name'])}</b>, split by {what}. "
            f"{esc(info['method'][0].upper() + info['method'][1:])}; {info['runs']:,} paired runs per variant "
            f"({info['variants']} variants), seed {info['seed']}.</p>"]
    labels = info["labels"]
    kinds = {f["key"]: f["kind"] for f in info["factors"]}
    body.append(table(["factor" if info["by"] == "factor" else "channel", "what", "contribution (95% CI)",
                       "share of the total"],
                      [[labels.get(r["factor"], r["factor"]), kinds.get(r["factor"], r["kind"]), _ci(r),
                        f"{num(r['share']):.0%}" if r["share"] else "–"] for r in ranked(rows)]
                      + [[labels["total"], "", _ci(rows[-1]), "100%"]], 'class="attribution"', numeric=(2, 3)))
    note = ("Shapley values: every subset of the factors ran with the same seed, so the contributions add up to "
            "the total difference." if info["by"] == "factor" else
            "Each channel's effect is how much of the difference goes when it is switched off in both scenarios; "
            "a path through several channels counts under each, so the effects overlap and the interaction row "
            "holds the rest.")
    body.append(f'<p class="note">{note} Intervals: 95%, from the spread of the paired per-run contributions.</p>')
    return body


def driver_sentences(info: dict, rows: list[dict]) -> list[str]:
    """One sentence of what drives the difference: the largest contributions with intervals (by
    factor) or the largest channel effects and the interaction (by mechanism)."""
    top = [r for r in ranked(rows) if r["factor"] != "interaction" and num(r["lo"]) * num(r["hi"]) > 0][:3]
    if not top:
        return [f"No single {'channel' if info['by'] == 'mechanism' else 'factor'} contributes a difference "
                "distinguishable from zero."]
    labels = info["labels"]
    if info["by"] == "factor":
        parts = [f"{labels.get(r['factor'], r['factor'])} {_ci(r)}" for r in top]
        share = sum(num(r["share"]) for r in top)
        return [f"By event and parameter group (exact Shapley values, adding up to the total), the largest "
                f"contributions are {_listed(parts)}: together {share:.0%} of the difference."]
    parts = [f"{labels.get(r['factor'], r['factor'])}, {_ci(r)}" for r in top]
    inter = next((r for r in rows if r["factor"] == "interaction"), None)
    tail = ("" if inter is None else f"; the channels overlap, so their effects need not add up to the total, "
            f"and their interaction is {_ci(inter)}")
    return [f"Switched off one at a time, the channels that carry most of the difference are {_listed(parts)}"
            f"{tail}."]


def _listed(parts: list[str]) -> str:
    return "; ".join(parts[:-1]) + ("; and " if len(parts) > 1 else "") + parts[-1]


def folder_page(folder: Path, man: dict, summary: list[str], limits: list[str], glossary: list[str]) -> str:
    """The report of a standalone `alignsim attribute` folder: summary, table, figures, limits."""
    info = man["attribution"]
    title = f"Why {outcome_words(info)} differs: {info['scenario']['name']} against {info['against']['name']}"
    body = [f"<h1>{esc(title)}</h1>", *summary, "<h2>The attribution</h2>"]
    body += analysis_section(folder, {"name": None, "attribution": info})
    for what, cap in CAPTIONS.items():
        p = Path(folder) / "figures" / f"attribution_{what}.png"
        if p.exists():
            body.append(figure(p, p.stem, cap))
    body += limits + glossary
    body.append("<h2>Reproduce</h2>")
    body.append(f"<pre>{esc(' '.join(man.get('command', [])))}</pre>")
    body.append(versions_table(man))
    return page(title, body)
