"""The report of a run folder (`alignsim run`): key probabilities per pair, coalitions, the
scenario's events, the figures and the command that reproduces them.
"""

from __future__ import annotations

from pathlib import Path

from sim.core.numbers import percent_interval, signed
from sim.core.paths import builtin_name
from sim.core.stats import wilson_interval
from sim.engine.tables import settled_structure
from sim.report import briefing
from sim.report.page import esc, figure, num, page, read_rows, table, versions_table

RUN_CAPTIONS = {
    "fan_chart": "Mutual alignment of the key pairs over time: median, 50% and 90% of runs; dashed lines at "
                 "+0.5 and \u22120.5 are the thresholds the table counts as aligned and opposed; numbered dotted "
                 "lines mark the scheduled events listed below the panels.",
    "final_heatmap": "Who is aligned with whom at the horizon, each pair once: the median mutual alignment over "
                     "runs, the range of the middle 90% of runs, and the shares of runs aligned and opposed.",
    "balance_fan": "Polarization and structural balance over time (median, 50% and 90% of runs).",
    "coalition_network": "Coalitions at the horizon: the modal landscape-theory two-bloc structure; ties of "
                         "median mutual alignment of at least 0.2 either way, width by strength.",
}


def run_report(folder: Path, man: dict) -> str:
    """The report page of a run folder, from its manifest and tables."""
    sc = man.get("scenario", {})
    resolved = sc.get("resolved", {})
    meta = resolved.get("scenario", {}) if isinstance(resolved, dict) else {}
    title = sc.get("title") or meta.get("title") or folder.name
    description = " ".join(str(meta.get("description", "")).split())
    names = dict(zip(man.get("actors", []), man.get("names", [])))
    runs = int(man.get("runs", 0))
    body = [f"<h1>{esc(title)}</h1>"]
    if description:
        body.append(f'<p class="question">{esc(description)}</p>')
    created = f"; created {esc(man['created'])}" if man.get("created") else ""
    body.append(f'<p class="meta">alignsim run of {esc(Path(sc.get("file", "?")).name)}: {runs:,} runs, seed '
                f'{man.get("seed")}, {man.get("start")} to {man.get("end")}, monthly{created}.</p>')
    body += briefing.summary(folder, man)
    final = read_rows(folder / "final.csv")
    if final:
        body.append("<h2>Key probabilities</h2>")
        key = {tuple(p) for p in man.get("key_pairs", [])}
        key |= {(b, a) for a, b in key}
        rows = []
        for r in final:
            pair = (r["from"], r["to"])
            who = f"{names.get(pair[0], pair[0])} – {names.get(pair[1], pair[1])}"
            cells = [who + (" (key pair)" if pair in key else ""), signed(num(r["median"]))]
            for c in ("p_above_0.5", "p_between", "p_below_-0.5"):
                p = num(r[c])
                lo, hi = wilson_interval(round(p * runs), runs) if runs else (float("nan"),) * 2
                cells.append(percent_interval(p, lo, hi))
            rows.append(cells)
        body.append(table(["pair", "median mutual alignment", "P(aligned > 0.5)", "P(between)", "P(opposed < −0.5)"],
                          rows, 'id="probabilities" class="probabilities"', numeric=(1, 2, 3, 4)))
        body.append(f'<p class="note">Mutual alignment (A_ij + A_ji)/2 at {man.get("end")}, over {runs:,} runs; '
                    "95% Wilson intervals.</p>")
    coal = [r for r in read_rows(folder / "coalitions.csv") if r["kind"] == "same_coalition"]
    if coal:
        last = max(int(r["step"]) for r in coal)
        rows = [[r["label"], r["date"], percent_interval(num(r["share"]), num(r["ci95_low"]), num(r["ci95_high"]))]
                for r in coal if int(r["step"]) == last]
        body.append("<h3>Same coalition (landscape theory)</h3>")
        body.append(table(["pair", "date", "share of runs (95% CI)"], rows, 'class="coalitions"', numeric=(2,)))
    settled = settled_structure(folder)
    if settled:
        body.append(f'<p class="settled">{esc(settled)} (So no coalition network figure: it would show '
                    "only this.)</p>")
    shocks = man.get("shocks", [])
    if shocks:
        body.append("<h2>The scenario's events</h2><ul>")
        for s in shocks:
            when = s["at"] or "at random"
            body.append(f"<li>{esc(s['label'])} ({esc(s['type'])}, {esc(when)})</li>")
        body.append("</ul>")
    body.append("<h2>Figures</h2>")
    figdir = folder / "figures"
    pngs = sorted(figdir.glob("*.png")) if figdir.is_dir() else []
    order = list(RUN_CAPTIONS)
    pngs.sort(key=lambda p: (order.index(p.stem) if p.stem in order else len(order), p.stem))
    body += [figure(p, p.stem, RUN_CAPTIONS.get(p.stem, p.stem.replace("_", " "))) for p in pngs]
    body += briefing.limitations(man) + briefing.glossary()
    body += _reproduce(man, runs)
    body.append(versions_table(man))
    return page(title, body)


def _reproduce(man: dict, runs: int) -> list[str]:
    """The command that reproduces the folder: the scenario by its built-in name, or by its path
    relative to the result folder (run it from there), never a path on the machine that made it."""
    sc = man.get("scenario", {})
    file = sc.get("file", "?")
    name = builtin_name(file, "scenarios")
    if name is not None:
        target, where = name, ""
    else:
        target, where = Path(file).name, (" Run it next to the scenario file (" + esc(Path(file).name)
                                           + "), which is not one of alignsim's built-in scenarios.")
    sets = " ".join(f"--set '{o}'" for o in sc.get("overrides", []))
    cmd = f"alignsim run {target} --runs {runs} --seed {man.get('seed')} --steps {man.get('steps')} {sets}".rstrip()
    out = ["<h2>Reproduce</h2>", f"<pre>{esc(cmd)} --out reproduced</pre>",
           f'<p class="note">With the package versions below this gives the same numbers.{where}</p>']
    if man.get("command"):
        out.append(f'<p class="note">Recorded command: <code>{esc(" ".join(man["command"]))}</code>.</p>')
    return out
