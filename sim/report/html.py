"""`alignsim report DIR`: one self-contained HTML briefing of a result folder.

Works for experiment folders (manifest kind "experiment", from `alignsim experiment`) and for
plain run folders (from `alignsim run`). Everything is in the one file - figures are embedded as
base64 PNG - so it can be mailed or archived as is. It holds, in order: the question; the key
probabilities table; the scenarios in plain words; the outcomes; each analysis with its tables
and figures (captioned); and what is needed to reproduce it (command, seed, runs, package
versions and, for experiments, the experiment file itself).

Nothing is re-run: the report reads the folder's saved files only.
"""

from __future__ import annotations

import base64
import csv
import html
import json
from pathlib import Path

from sim.core.errors import ScenarioError

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; max-width: 1060px;
       margin: 2em auto; padding: 0 1.2em; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; margin-top: 2em;
     border-bottom: 1px solid #ccc; padding-bottom: 0.2em; } h3 { font-size: 1.05em; margin-top: 1.4em; }
.question { font-size: 1.15em; color: #333; margin-top: 0; } .meta, .note { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.7em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1.4em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #444; font-size: 0.9em; margin-top: 0.3em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
dt { font-weight: bold; margin-top: 0.6em; } dd { margin-left: 1.2em; }
"""

RUN_CAPTIONS = {
    "fan_chart": "Mutual alignment of the key pairs over time: median, 50% and 90% of runs; dotted lines mark "
                 "the scheduled events listed below the panels.",
    "final_heatmap": "Who is aligned with whom at the horizon: median mutual alignment over runs.",
    "balance_fan": "Polarization and structural balance over time (median, 50% and 90% of runs).",
    "coalition_network": "Coalitions at the horizon: the modal landscape-theory two-bloc structure; edge width "
                         "and colour show median mutual alignment.",
}


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _csv(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _num(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def _pct(x: float) -> str:
    if x != x:
        return "–"
    return f"{x:.0%}" if abs(x) >= 0.1 or x == 0 else f"{x:.1%}"


def _img(path: Path, stem: str, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure data-figure="{_e(stem)}"><img src="data:image/png;base64,{data}" alt="{_e(caption)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _table(header, rows, attrs: str = "", numeric=()) -> str:
    out = [f"<table {attrs}><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in header) + "</tr></thead><tbody>"]
    for r in rows:
        out.append("<tr>" + "".join(f'<td class="num">{_e(c)}</td>' if k in numeric else f"<td>{_e(c)}</td>"
                                    for k, c in enumerate(r)) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _versions(man: dict) -> str:
    v = man.get("versions", {})
    return _table(["package", "version"], [[k, v[k]] for k in v], numeric=(1,))


def _page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{_e(title)}</title>"
            f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


# ------------------------------------------------------------------- experiments


def _compare_tables(folder: Path, man: dict, an: dict, desc: dict, first: bool) -> list[str]:
    rows = [r for r in _csv(folder / "compare.csv") if r["analysis"] == an["name"]]
    base = an["baseline"]
    others = [s for s in an["scenarios"] if s != base]
    out = []
    by = {(r["outcome"], r["scenario"]): r for r in rows}
    outs = list(dict.fromkeys(r["outcome"] for r in rows))
    prob = [o for o in outs if by[(o, base)]["kind"] == "probability"]
    mean = [o for o in outs if o not in prob]
    if prob:
        header = ["outcome"] + [f"{s}" for s in an["scenarios"]] + [f"{s} − {base}" for s in others]
        body = []
        for o in prob:
            cells = [desc[o]]
            for s in an["scenarios"]:
                r = by[(o, s)]
                cells.append(f"{_pct(_num(r['estimate']))} ({_pct(_num(r['ci_low']))}–{_pct(_num(r['ci_high']))})")
            for s in others:
                r = by[(o, s)]
                cells.append(f"{_num(r['difference']) * 100:+.1f} pts ({_num(r['diff_low']) * 100:+.1f} to "
                             f"{_num(r['diff_high']) * 100:+.1f})")
            body.append(cells)
        attrs = 'id="probabilities" class="probabilities"' if first else 'class="probabilities"'
        out.append(_table(header, body, attrs, numeric=range(1, len(header))))
        out.append(f'<p class="note">Share of {an["runs"]:,} runs per scenario with each outcome, with 95% Wilson '
                   f"intervals; the difference columns are paired (run r of every scenario shares its random "
                   f"numbers), in percentage points with 95% Newcombe intervals for paired proportions.</p>")
    if mean:
        header = ["outcome"] + list(an["scenarios"]) + [f"{s} − {base}" for s in others]
        body = []
        for o in mean:
            cells = [desc[o]]
            for s in an["scenarios"]:
                r = by[(o, s)]
                cells.append(f"{_num(r['estimate']):.3f} ({_num(r['ci_low']):.3f}–{_num(r['ci_high']):.3f})")
            for s in others:
                r = by[(o, s)]
                cells.append(f"{_num(r['difference']):+.3f} ({_num(r['diff_low']):+.3f} to {_num(r['diff_high']):+.3f})")
            body.append(cells)
        out.append(_table(header, body, 'class="means"', numeric=range(1, len(header))))
        out.append('<p class="note">Means over runs with 95% intervals; differences are means of the per-run '
                   "(paired) differences.</p>")
    return out


def _sweep_summary(folder: Path, an: dict, desc: dict) -> list[str]:
    rows = [r for r in _csv(folder / "sweep.csv") if r["analysis"] == an["name"]]
    keys = [p["key"] for p in an["parameters"]]
    labels = {p["key"]: p["label"] for p in an["parameters"]}
    body = []
    for o in an["outcomes"]:
        rs = [r for r in rows if r["outcome"] == o]
        if not rs:
            continue
        lo = min(rs, key=lambda r: _num(r["estimate"]))
        hi = max(rs, key=lambda r: _num(r["estimate"]))
        fmt = _pct if rs[0]["kind"] == "probability" else (lambda v: f"{v:.3f}")
        where = lambda r: ", ".join(f"{labels[k]} {_num(r[k]):.3g}" for k in keys)  # noqa: E731
        body.append([desc[o], f"{fmt(_num(lo['estimate']))} at {where(lo)}", f"{fmt(_num(hi['estimate']))} at {where(hi)}"])
    how = (f"a grid of {an['points']} values per parameter" if an["method"] == "grid"
           else f"a Latin hypercube of {an['n_points']} points")
    out = [f"<p>Swept on scenario <b>{_e(an['scenario'])}</b> over {how}, {an['runs']:,} runs per point: "
           + ", ".join(f"{_e(p['label'])} from {p['low']:g} to {p['high']:g}" for p in an["parameters"]) + ".</p>"]
    if body and an["method"] == "grid":
        out.append(_table(["outcome", "lowest point", "highest point"], body, 'class="sweep"'))
        out.append('<p class="note">Lowest and highest estimates over the grid; every point is in sweep.csv.</p>')
    elif body:
        out.append('<p class="note">With a Latin hypercube every point has its own mix of the parameters, so the '
                   "figure groups the points by each parameter in turn; every point is in sweep.csv.</p>")
    return out


def _sobol_table(folder: Path, an: dict, desc: dict) -> list[str]:
    rows = [r for r in _csv(folder / "sobol.csv") if r["analysis"] == an["name"]]
    body = []
    for r in sorted(rows, key=lambda r: (an["outcomes"].index(r["outcome"]), -_num(r["ST"]))):
        body.append([desc[r["outcome"]], r["label"], f"{r['low']} – {r['high']}",
                     f"{_num(r['S1']):.2f} ({_num(r['S1_low']):.2f} to {_num(r['S1_high']):.2f})",
                     f"{_num(r['ST']):.2f} ({_num(r['ST_low']):.2f} to {_num(r['ST_high']):.2f})",
                     _pct(_num(r["noise_share"]))])
    return [_table(["outcome", "parameter", "range", "first order S1 (95% CI)", "total order ST (95% CI)",
                    "replicate noise"], body, 'class="sobol"', numeric=(3, 4, 5)),
            f'<p class="note">Sobol\' indices by scipy.stats.sobol_indices (Saltelli 2010 design and estimators), '
            f"{an['samples']} base samples × ({len(an['parameters'])} + 2) points × {an['runs']} runs, "
            f"BCa bootstrap intervals ({an['bootstrap']} resamples). Each parameter is uniform over its range. "
            f"Replicate noise: the share of the outcome's variance left from the model's own randomness after "
            f"averaging the runs at a point; it adds to every total-order index, so an ST near it means "
            f"no detectable effect.</p>"]


def _rules(folder: Path, an: dict) -> list[str]:
    text = (folder / "rules.txt").read_text(encoding="utf-8") if (folder / "rules.txt").exists() else ""
    blocks = text.split("== ")
    mine = next((b for b in blocks if b.startswith(an["name"] + ":")), "")
    return [f"<pre class=\"rules\">{_e(('== ' + mine).strip())}</pre>"] if mine else []


def _experiment(folder: Path, man: dict) -> str:
    from sim.figures.experiment import specs
    ex = man["experiment"]
    desc = {o["name"]: o["description"] for o in man["outcomes"]}
    body = [f"<h1>{_e(ex['title'])}</h1>"]
    if ex.get("question"):
        body.append(f'<p class="question">{_e(ex["question"])}</p>')
    if ex.get("description"):
        body.append(f"<p>{_e(ex['description'])}</p>")
    body.append(f'<p class="meta">alignsim experiment “{_e(ex["name"])}”, seed {man["seed"]}, created '
                f'{_e(man.get("created", "?"))}; every number below comes from the saved files in this folder.</p>')

    # key probabilities first
    compares = [a for a in man["analyses"] if a["type"] == "compare"]
    sens = [a for a in man["analyses"] if a["type"] == "sensitivity"]
    if compares:
        body.append("<h2>Key probabilities</h2>")
        for k, an in enumerate(compares):
            if len(compares) > 1:
                body.append(f"<h3>{_e(an.get('title') or an['name'])}</h3>")
            body += _compare_tables(folder, man, an, desc, first=(k == 0))
    elif sens:
        body.append("<h2>Key results</h2>")
        body += _sobol_table(folder, sens[0], desc)
    body.append("<h2>The scenarios</h2><dl>")
    for label, s in man["scenarios"].items():
        body.append(f"<dt>{_e(label)}: {_e(s['title'])}</dt><dd>{_e(s['description'] or '(no description)')}"
                    f'<br><span class="note">{_e(Path(s["file"]).name)}; {s["start"]} to {s["end"]}, monthly</span></dd>')
    body.append("</dl>")
    body.append("<h2>Outcomes</h2><ul>")
    for o in man["outcomes"]:
        kind = "yes/no, reported as a probability" if o["binary"] else f"a number ({o['unit']})"
        body.append(f"<li><b>{_e(o['name'])}</b>: {_e(o['description'])} — {kind}</li>")
    body.append("</ul>")

    figs = {stem: cap for stem, _, cap in specs(folder)}
    shown = set()
    for an in man["analyses"]:
        title = an.get("title") or f"{an['type']}: {an['name']}"
        body.append(f"<h2>{_e(title)}</h2>")
        if an["type"] == "compare":
            base = an["baseline"]
            body.append(f"<p>Compares {', '.join(_e(s) for s in an['scenarios'])} against <b>{_e(base)}</b>, "
                        f"{an['runs']:,} runs each with the same seed (paired runs).</p>")
        elif an["type"] == "sweep":
            body += _sweep_summary(folder, an, desc)
        elif an["type"] == "sensitivity":
            body.append(f"<p>Global sensitivity of {', '.join(_e(desc[o]) for o in an['outcomes'])} on scenario "
                        f"<b>{_e(an['scenario'])}</b>, over "
                        + ", ".join(f"{_e(p['label'])} ({p['low']:g} to {p['high']:g})" for p in an["parameters"])
                        + (".</p>" if an is sens[0] and not compares else ".</p>"))
            if compares or an is not sens[0]:
                body += _sobol_table(folder, an, desc)
        elif an["type"] == "discovery":
            body.append(f"<p>Scenario discovery (PRIM) on <b>{_e(an['scenario'])}</b>: {an['samples']:,} Latin-hypercube "
                        f"samples of {len(an['parameters'])} parameters, {an['runs']} run(s) each, for the outcome "
                        f"“{_e(desc[an['outcome']])}”.</p>")
            body += _rules(folder, an)
        for stem, cap in figs.items():
            if stem.startswith(an["name"]) and stem not in shown and (folder / "figures" / f"{stem}.png").exists():
                if _owner(stem, man) == an["name"]:
                    body.append(_img(folder / "figures" / f"{stem}.png", stem, cap))
                    shown.add(stem)
    rest = sorted(p for p in (folder / "figures").glob("*.png") if p.stem not in shown) \
        if (folder / "figures").is_dir() else []
    if rest:
        body.append("<h2>Other figures</h2>")
        body += [_img(p, p.stem, figs.get(p.stem, p.stem.replace("_", " "))) for p in rest]

    body.append("<h2>Reproduce</h2>")
    body.append(f"<p>Seed {man['seed']} and the runs per scenario or point (default {man.get('runs', 0):,}) are "
                f"in the experiment file, shown below. Run r of an ensemble gives the same numbers whatever the "
                f"chunking, worker count or backend, so with the package versions listed this command reproduces "
                f"every table:</p>")
    body.append(f"<pre>alignsim experiment {_e(ex['file'])} --out {_e(folder)}\nalignsim report {_e(folder)}</pre>")
    if man.get("command"):
        body.append(f'<p class="note">Recorded command: <code>{_e(" ".join(man["command"]))}</code>; timings (s): '
                    + _e(", ".join(f"{k} {v}" for k, v in man.get("timings", {}).items())) + ".</p>")
    body.append(_versions(man))
    body.append("<details><summary>The experiment file</summary>"
                f"<pre>{_e(ex.get('text', ''))}</pre></details>")
    body.append('<p class="note">Data: outcomes.csv (per scenario or point and outcome), compare.csv, sweep.csv, '
                "sobol.csv, prim.csv, prim_box.csv, rules.txt and samples.npz (parameter samples and per-run outcome "
                "values) in this folder; figures in figures/ as PNG and SVG.</p>")
    return _page(ex["title"], body)


def _owner(stem: str, man: dict) -> str:
    """The analysis a figure belongs to: the longest analysis name that prefixes its stem."""
    names = sorted((a["name"] for a in man["analyses"]), key=len, reverse=True)
    return next((n for n in names if stem == n or stem.startswith(n + "_")), "")


# --------------------------------------------------------------------- run folders


def _run(folder: Path, man: dict) -> str:
    from sim.analysis.coalitions import wilson_interval
    sc = man.get("scenario", {})
    resolved = sc.get("resolved", {})
    meta = resolved.get("scenario", {}) if isinstance(resolved, dict) else {}
    title = sc.get("title") or meta.get("title") or folder.name
    description = " ".join(str(meta.get("description", "")).split())
    names = dict(zip(man.get("actors", []), man.get("names", [])))
    runs = int(man.get("runs", 0))
    body = [f"<h1>{_e(title)}</h1>"]
    if description:
        body.append(f'<p class="question">{_e(description)}</p>')
    created = f"; created {_e(man['created'])}" if man.get("created") else ""
    body.append(f'<p class="meta">alignsim run of {_e(Path(sc.get("file", "?")).name)}: {runs:,} runs, seed '
                f'{man.get("seed")}, {man.get("start")} to {man.get("end")}, monthly{created}.</p>')
    final = _csv(folder / "final.csv")
    if final:
        body.append("<h2>Key probabilities</h2>")
        key = {tuple(p) for p in man.get("key_pairs", [])}
        key |= {(b, a) for a, b in key}
        rows = []
        for r in final:
            pair = (r["from"], r["to"])
            cells = [f"{names.get(pair[0], pair[0])} – {names.get(pair[1], pair[1])}" + (" (key pair)" if pair in key else ""),
                     f"{_num(r['median']):+.2f}"]
            for c in ("p_above_0.5", "p_between", "p_below_-0.5"):
                p = _num(r[c])
                lo, hi = wilson_interval(round(p * runs), runs) if runs else (float("nan"),) * 2
                cells.append(f"{_pct(p)} ({_pct(lo)}–{_pct(hi)})")
            rows.append(cells)
        body.append(_table(["pair", "median mutual alignment", "P(aligned > 0.5)", "P(between)",
                            "P(opposed < −0.5)"], rows, 'id="probabilities" class="probabilities"', numeric=(1, 2, 3, 4)))
        body.append(f'<p class="note">Mutual alignment (A_ij + A_ji)/2 at {man.get("end")}, over {runs:,} runs; '
                    "95% Wilson intervals.</p>")
    coal = [r for r in _csv(folder / "coalitions.csv") if r["kind"] == "same_coalition"]
    if coal:
        last = max(int(r["step"]) for r in coal)
        rows = [[r["label"], r["date"], f"{_pct(_num(r['share']))} ({_pct(_num(r['ci95_low']))}–"
                 f"{_pct(_num(r['ci95_high']))})"] for r in coal if int(r["step"]) == last]
        body.append("<h3>Same coalition (landscape theory)</h3>")
        body.append(_table(["pair", "date", "share of runs (95% CI)"], rows, 'class="coalitions"', numeric=(2,)))
    shocks = man.get("shocks", [])
    if shocks:
        body.append("<h2>The scenario's events</h2><ul>")
        for s in shocks:
            when = s["at"] or "at random"
            body.append(f"<li>{_e(s['label'])} ({_e(s['type'])}, {_e(when)})</li>")
        body.append("</ul>")
    body.append("<h2>Figures</h2>")
    figdir = folder / "figures"
    pngs = sorted(figdir.glob("*.png")) if figdir.is_dir() else []
    order = list(RUN_CAPTIONS)
    pngs.sort(key=lambda p: (order.index(p.stem) if p.stem in order else len(order), p.stem))
    body += [_img(p, p.stem, RUN_CAPTIONS.get(p.stem, p.stem.replace("_", " "))) for p in pngs]
    body.append("<h2>Reproduce</h2>")
    sets = " ".join(f"--set '{o}'" for o in sc.get("overrides", []))
    body.append(f"<pre>alignsim run {_e(sc.get('file', '?'))} --runs {runs} --seed {man.get('seed')} "
                f"--steps {man.get('steps')} {_e(sets)}</pre>")
    if man.get("command"):
        body.append(f'<p class="note">Recorded command: <code>{_e(" ".join(man["command"]))}</code>.</p>')
    body.append(_versions(man))
    return _page(title, body)


# ------------------------------------------------------------------------- entry


def write_report(folder) -> Path:
    folder = Path(folder)
    path = folder / "manifest.json"
    if not path.is_file():
        raise ScenarioError(folder, None, str(folder), "not a result folder (no manifest.json)")
    try:
        man = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ScenarioError(path, None, "(file)", f"not valid JSON: {exc}") from None
    if not man.get("complete", True):
        raise ScenarioError(path, "complete", False, "the result folder is incomplete (the run did not finish)")
    text = _experiment(folder, man) if man.get("kind") == "experiment" else _run(folder, man)
    out = folder / "report.html"
    out.write_text(text, encoding="utf-8")
    return out


def report_main(folder) -> int:
    """`alignsim report DIR`: write DIR/report.html; ScenarioError on a bad folder (exit 2)."""
    out = write_report(folder)
    print(out)
    return 0
