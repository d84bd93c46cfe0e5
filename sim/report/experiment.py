"""The report of an experiment folder (`alignsim experiment`): the question, the key
probabilities, the scenarios and outcomes in plain words, each analysis with its tables and
captioned figures, and what reproduces it.
"""

from __future__ import annotations

from pathlib import Path

from sim.core.numbers import decimals_for, estimate_interval, percent, percent_interval
from sim.core.paths import builtin_name
from sim.figures.experiment import specs
from sim.report import attribution as attr
from sim.report import briefing
from sim.report.page import esc, figure, num, page, read_rows, table, versions_table

# what each data file holds, in the order the Data line lists them
DATA = {"outcomes.csv": "per scenario or point and outcome", "compare.csv": "", "compare_fan.csv": "",
        "sweep.csv": "", "sobol.csv": "", "prim.csv": "", "prim_box.csv": "", "rules.txt": "",
        "samples.npz": "parameter samples and per-run outcome values"}


def experiment_report(folder: Path, man: dict) -> str:
    """The report page of an experiment folder, from its manifest, tables and figures."""
    desc = {o["name"]: o["description"] for o in man["outcomes"]}
    compares = [a for a in man["analyses"] if a["type"] == "compare"]
    sens = [a for a in man["analyses"] if a["type"] == "sensitivity"]
    figs = {stem: cap for stem, _, cap in specs(folder)}
    body = _experiment_head(man)
    body += briefing.summary(folder, man)
    body += _key_results(folder, man, compares, sens, desc)
    body += _scenarios_and_outcomes(man)
    key_sobol = sens[0] if sens and not compares else None      # its table is already in the key results
    shown: set[str] = set()
    for an in man["analyses"]:
        title = an.get("title") or f"{an['type']}: {an['name']}"
        body.append(f"<h2>{esc(title)}</h2>")
        body += _analysis_text(folder, an, desc, with_sobol_table=an is not key_sobol)
        body += _analysis_figures(folder, man, an, figs, shown)
    rest = sorted(p for p in (folder / "figures").glob("*.png") if p.stem not in shown) \
        if (folder / "figures").is_dir() else []
    if rest:
        body.append("<h2>Other figures</h2>")
        body += [figure(p, p.stem, figs.get(p.stem, p.stem.replace("_", " "))) for p in rest]
    body += briefing.limitations(man) + briefing.glossary()
    body += _experiment_reproduce(folder, man)
    return page(man["experiment"]["title"], body)


def _experiment_head(man: dict) -> list[str]:
    """Title, question, description and where the numbers come from."""
    ex = man["experiment"]
    body = [f"<h1>{esc(ex['title'])}</h1>"]
    if ex.get("question"):
        body.append(f'<p class="question">{esc(ex["question"])}</p>')
    if ex.get("description"):
        body.append(f"<p>{esc(ex['description'])}</p>")
    body.append(f'<p class="meta">alignsim experiment “{esc(ex["name"])}”, seed {man["seed"]}, created '
                f'{esc(man.get("created", "?"))}; every number below comes from the saved files in this folder.</p>')
    return body


def _key_results(folder: Path, man: dict, compares: list, sens: list, desc: dict) -> list[str]:
    """The headline table near the top: every comparison's probabilities, or, without any
    comparison, the first sensitivity analysis's indices."""
    body = []
    if compares:
        body.append("<h2>Key probabilities</h2>")
        for k, an in enumerate(compares):
            if len(compares) > 1:
                body.append(f"<h3>{esc(an.get('title') or an['name'])}</h3>")
            body += _compare_tables(folder, man, an, desc, first=(k == 0))
    elif sens:
        body.append("<h2>Key results</h2>")
        body += _sobol_table(folder, sens[0], desc)
    return body


def _compare_tables(folder: Path, man: dict, an: dict, desc: dict, first: bool) -> list[str]:
    rows = [r for r in read_rows(folder / "compare.csv") if r["analysis"] == an["name"]]
    base = an["baseline"]
    others = [s for s in an["scenarios"] if s != base]
    out = []
    by = {(r["outcome"], r["scenario"]): r for r in rows}
    outs = list(dict.fromkeys(r["outcome"] for r in rows))
    prob = [o for o in outs if by[(o, base)]["kind"] == "probability"]
    mean = [o for o in outs if o not in prob]
    if prob:
        header = ["outcome"] + [f"{s}" for s in an["scenarios"]] + [f"{s} − {base}" for s in others]
        body = _outcome_rows(prob, an["scenarios"], others, by, desc, _probability_cell, _points_cell)
        attrs = 'id="probabilities" class="probabilities"' if first else 'class="probabilities"'
        out.append(table(header, body, attrs, numeric=range(1, len(header))))
        out.append(f'<p class="note">Share of {an["runs"]:,} runs per scenario with each outcome, with 95% Wilson '
                   f"intervals; the difference columns are paired (run r of every scenario shares its random "
                   f"numbers), in percentage points with 95% Newcombe intervals for paired proportions.</p>")
    if mean:
        header = ["outcome"] + list(an["scenarios"]) + [f"{s} − {base}" for s in others]
        body = _outcome_rows(mean, an["scenarios"], others, by, desc, _mean_cell, _difference_cell)
        out.append(table(header, body, 'class="means"', numeric=range(1, len(header))))
        out.append('<p class="note">Means over runs with 95% intervals; differences are means of the per-run '
                   "(paired) differences.</p>")
    return out


def _outcome_rows(outs, scenarios, others, by: dict, desc: dict, level, difference) -> list[list[str]]:
    """A row per outcome: its description, `level` of each scenario's row of compare.csv, then
    `difference` of each non-baseline scenario's."""
    return [[desc[o]] + [level(by[(o, s)]) for s in scenarios] + [difference(by[(o, s)]) for s in others]
            for o in outs]


def _probability_cell(r: dict) -> str:
    return percent_interval(num(r["estimate"]), num(r["ci_low"]), num(r["ci_high"]))


def _points_cell(r: dict) -> str:
    return estimate_interval(100 * num(r["difference"]), 100 * num(r["diff_low"]), 100 * num(r["diff_high"]),
                             signed=True).replace(" (", " pts (", 1)


def _mean_cell(r: dict) -> str:
    """A mean rounded to what its interval supports: 26.3 (25.9 to 26.8), not 26.335."""
    return estimate_interval(num(r["estimate"]), num(r["ci_low"]), num(r["ci_high"]))


def _difference_cell(r: dict) -> str:
    return estimate_interval(num(r["difference"]), num(r["diff_low"]), num(r["diff_high"]), signed=True)


def _sweep_summary(folder: Path, an: dict, desc: dict) -> list[str]:
    rows = [r for r in read_rows(folder / "sweep.csv") if r["analysis"] == an["name"]]
    keys = [p["key"] for p in an["parameters"]]
    labels = {p["key"]: p["label"] for p in an["parameters"]}
    body = []
    for o in an["outcomes"]:
        rs = [r for r in rows if r["outcome"] == o]
        if not rs:
            continue
        lo = min(rs, key=lambda r: num(r["estimate"]))
        hi = max(rs, key=lambda r: num(r["estimate"]))
        d = decimals_for(num(rs[0]["ci_low"]), num(rs[0]["ci_high"]))
        fmt = percent if rs[0]["kind"] == "probability" else (lambda v, d=d: f"{v:.{d}f}")
        where = lambda r: ", ".join(f"{labels[k]} {num(r[k]):.3g}" for k in keys)  # noqa: E731
        body.append([desc[o], f"{fmt(num(lo['estimate']))} at {where(lo)}",
                     f"{fmt(num(hi['estimate']))} at {where(hi)}"])
    how = (f"a grid of {an['points']} values per parameter" if an["method"] == "grid"
           else f"a Latin hypercube of {an['n_points']} points")
    out = [f"<p>Swept on scenario <b>{esc(an['scenario'])}</b> over {how}, {an['runs']:,} runs per point: "
           + ", ".join(f"{esc(p['label'])} from {p['low']:g} to {p['high']:g}" for p in an["parameters"]) + ".</p>"]
    if body and an["method"] == "grid":
        out.append(table(["outcome", "lowest point", "highest point"], body, 'class="sweep"'))
        out.append('<p class="note">Lowest and highest estimates over the grid; every point is in sweep.csv.</p>')
    elif body:
        out.append('<p class="note">With a Latin hypercube every point has its own mix of the parameters, so the '
                   "figure groups the points by each parameter in turn; every point is in sweep.csv.</p>")
    return out


def _sobol_table(folder: Path, an: dict, desc: dict) -> list[str]:
    rows = [r for r in read_rows(folder / "sobol.csv") if r["analysis"] == an["name"]]
    body = []
    for r in sorted(rows, key=lambda r: (an["outcomes"].index(r["outcome"]), -num(r["ST"]))):
        body.append([desc[r["outcome"]], r["label"], f"{r['low']} – {r['high']}",
                     f"{num(r['S1']):.2f} ({num(r['S1_low']):.2f} to {num(r['S1_high']):.2f})",
                     f"{num(r['ST']):.2f} ({num(r['ST_low']):.2f} to {num(r['ST_high']):.2f})",
                     percent(num(r["noise_share"]))])
    return [table(["outcome", "parameter", "range", "first order S1 (95% CI)", "total order ST (95% CI)",
                   "replicate noise"], body, 'class="sobol"', numeric=(3, 4, 5)),
            f'<p class="note">Sobol\' indices by scipy.stats.sobol_indices (Saltelli 2010 design and estimators), '
            f"{an['samples']} base samples × ({len(an['parameters'])} + 2) points × {an['runs']} runs, "
            f"BCa bootstrap intervals ({an['bootstrap']} resamples). Each parameter is uniform over its range. "
            f"Replicate noise: the share of the outcome's variance left from the model's own randomness after "
            f"averaging the runs at a point; it adds to every total-order index, so an ST near it means "
            f"no detectable effect.</p>"]


def _scenarios_and_outcomes(man: dict) -> list[str]:
    body = ["<h2>The scenarios</h2><dl>"]
    for label, s in man["scenarios"].items():
        body.append(f"<dt>{esc(label)}: {esc(s['title'])}</dt><dd>{esc(s['description'] or '(no description)')}"
                    f'<br><span class="note">{esc(Path(s["file"]).name)}; {s["start"]} to {s["end"]}, '
                    f"monthly</span></dd>")
    body.append("</dl>")
    body.append("<h2>Outcomes</h2><ul>")
    for o in man["outcomes"]:
        kind = "yes/no, reported as a probability" if o["binary"] else f"a number ({o['unit']})"
        body.append(f"<li><b>{esc(o['name'])}</b>: {esc(o['description'])} — {kind}</li>")
    body.append("</ul>")
    return body


def _analysis_text(folder: Path, an: dict, desc: dict, with_sobol_table: bool) -> list[str]:
    """What an analysis did, in a sentence, and its tables or rules (a sensitivity analysis's
    Sobol' table only `with_sobol_table`)."""
    if an["type"] == "compare":
        return [f"<p>Compares {', '.join(esc(s) for s in an['scenarios'])} against <b>{esc(an['baseline'])}</b>, "
                f"{an['runs']:,} runs each with the same seed (paired runs).</p>"]
    if an["type"] == "sweep":
        return _sweep_summary(folder, an, desc)
    if an["type"] == "sensitivity":
        body = [f"<p>Global sensitivity of {', '.join(esc(desc[o]) for o in an['outcomes'])} on scenario "
                f"<b>{esc(an['scenario'])}</b>, over "
                + ", ".join(f"{esc(p['label'])} ({p['low']:g} to {p['high']:g})" for p in an["parameters"]) + ".</p>"]
        return body + (_sobol_table(folder, an, desc) if with_sobol_table else [])
    if an["type"] == "attribution":
        return attr.analysis_section(folder, an)
    if an["type"] == "discovery":
        return [f"<p>Scenario discovery (PRIM) on <b>{esc(an['scenario'])}</b>: {an['samples']:,} Latin-hypercube "
                f"samples of {len(an['parameters'])} parameters, {an['runs']} run(s) each, for the outcome "
                f"“{esc(desc[an['outcome']])}”.</p>"] + _rules(folder, an)
    return []


def _rules(folder: Path, an: dict) -> list[str]:
    text = (folder / "rules.txt").read_text(encoding="utf-8") if (folder / "rules.txt").exists() else ""
    blocks = text.split("== ")
    mine = next((b for b in blocks if b.startswith(an["name"] + ":")), "")
    return [f"<pre class=\"rules\">{esc(('== ' + mine).strip())}</pre>"] if mine else []


def _analysis_figures(folder: Path, man: dict, an: dict, figs: dict, shown: set) -> list[str]:
    """The analysis's figures, embedded with their captions; adds their stems to `shown`."""
    body = []
    for stem, cap in figs.items():
        if stem.startswith(an["name"]) and stem not in shown and (folder / "figures" / f"{stem}.png").exists():
            if _owner(stem, man) == an["name"]:
                body.append(figure(folder / "figures" / f"{stem}.png", stem, cap))
                shown.add(stem)
    return body


def _owner(stem: str, man: dict) -> str:
    """The analysis a figure belongs to: the longest analysis name that prefixes its stem."""
    names = sorted((a["name"] for a in man["analyses"]), key=len, reverse=True)
    return next((n for n in names if stem == n or stem.startswith(n + "_")), "")


def _experiment_reproduce(folder: Path, man: dict) -> list[str]:
    """The command that reproduces every table, the recorded command, versions, the experiment
    file, and the data files the folder holds."""
    ex = man["experiment"]
    name = builtin_name(ex["file"], "experiments")
    target = name if name is not None else Path(ex["file"]).name
    scale = _scale(man)
    body = ["<h2>Reproduce</h2>"]
    body.append(f"<p>Seed {man['seed']} and the runs per scenario or point are in the experiment file, shown "
                f"below. Run r of an ensemble gives the same numbers whatever the chunking, worker count or "
                f"backend, so with the package versions listed this command reproduces every table"
                + ("" if name is not None else f" (run it next to {esc(target)} and the scenario files it names)")
                + ":</p>")
    body.append(f"<pre>alignsim experiment {esc(target)}{scale} --out reproduced\nalignsim report reproduced</pre>")
    if man.get("command"):
        body.append(f'<p class="note">Recorded command: <code>{esc(" ".join(man["command"]))}</code>; timings (s): '
                    + esc(", ".join(f"{k} {v}" for k, v in man.get("timings", {}).items())) + ".</p>")
    body.append(versions_table(man))
    body.append("<details><summary>The experiment file</summary>"
                f"<pre>{esc(ex.get('text', ''))}</pre></details>")
    files = set(man.get("files", []))
    data = [f"{f} ({what})" if what else f for f, what in DATA.items() if f in files]
    formats = sorted({Path(f).suffix[1:].upper() for f in files if f.startswith("figures/")})
    body.append('<p class="note">Data in this folder: ' + esc(", ".join(data))
                + (f"; figures in figures/ as {' and '.join(formats)}" if formats else "") + ".</p>")
    return body


def _scale(man: dict) -> str:
    """The --scale of the recorded command, as it must be repeated."""
    cmd = list(man.get("command", []))
    if "--scale" in cmd and cmd.index("--scale") + 1 < len(cmd):
        return f" --scale {cmd[cmd.index('--scale') + 1]}"
    return ""
