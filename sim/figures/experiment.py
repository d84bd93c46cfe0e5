"""Figures of an experiment folder, drawn from its saved files only (manifest.json, the CSV
tables and samples.npz), so `alignsim plot DIR` redraws them byte for byte.

Style from sim.figures.style: one colour per actor pair (pair_colour over the experiment's
actors), Paul Tol's colour-blind-safe palette, the question as the title, dates on time axes,
PNG (SVG or PDF on request). This module lists the figures of a folder (`specs`) and draws them
(`plot_experiment`); each analysis type's figures are drawn in a module of their own:
sim.figures.compare, .sweep, .sensitivity and .discovery.

    compare      {name}_probabilities   yes/no outcomes per scenario (95% Wilson) and the paired
                                        difference against the baseline (95% Newcombe)
                 {name}_means           numeric outcomes, same layout (means, normal intervals)
                 {name}_levels          key pairs over time under each scenario (medians, 50% bands)
                 {name}_difference_{s}  paired difference fan chart, scenario s minus the baseline
    sweep        {name}_heatmap_{o}     grid over two parameters: outcome o per cell
                 {name}_response        outcome against each parameter (binned for Latin hypercubes)
    sensitivity  {name}_sobol           first- and total-order Sobol' indices with bootstrap intervals
    attribution  {name}_waterfall     the difference split by factor or channel (sim.figures.attribution)
                 {name}_over_time     the contributions month by month
    discovery    {name}_tradeoff        PRIM peeling trajectory: coverage against density
                 {name}_box             the chosen box: limits per parameter, and the cases in the
                                        two most restricted parameters
"""

from __future__ import annotations

from pathlib import Path

from sim.figures import style as plot
from sim.figures.attribution import attribution_specs
from sim.figures.compare import difference_figure, forest_figure, levels_figure
from sim.figures.discovery import box_figure, tradeoff_figure
from sim.figures.saved import Saved
from sim.figures.sensitivity import sobol_figure
from sim.figures.sweep import heatmap_figure, response_figure


def _stem(name: str, what: str) -> str:
    """File stem of a figure: analysis name and figure kind ('sobol', not 'sobol_sobol')."""
    return name if name == what else f"{name}_{what}"


def specs(folder) -> list[tuple[str, object, str]]:
    """[(stem, draw() -> Figure | None, caption)] for every figure of an experiment folder."""
    S = Saved(folder)
    out = []
    seed = S.man["seed"]
    for an in S.man["analyses"]:
        name, kind = an["name"], an["type"]
        if kind == "compare":
            base = an["baseline"]
            out.append((_stem(name, "probabilities"), lambda an=an: forest_figure(S, an, "probability"),
                        f"Probability of each yes/no outcome under each scenario, with 95% Wilson intervals (left), "
                        f"and the paired difference against the baseline “{S.title_of(base)}” in percentage points, "
                        f"with 95% Newcombe intervals for paired proportions (right). {an['runs']:,} runs per "
                        f"scenario with seed {seed}: run r of every scenario shares its random numbers."))
            if any(r["kind"] == "mean" and r["analysis"] == name for r in S.compare):
                out.append((_stem(name, "means"), lambda an=an: forest_figure(S, an, "mean"),
                            "Numeric outcomes: mean per scenario with 95% intervals (left) and the mean paired "
                            "difference against the baseline with a 95% interval (right)."))
            out.append((_stem(name, "levels"), lambda an=an: levels_figure(S, an),
                        "Mutual alignment of the key pairs over time under each scenario: median (line) and middle "
                        "50% of runs (band); the baseline in grey."))
            for s in an["scenarios"]:
                if s != base:
                    out.append((_stem(name, f"difference_{s}"), lambda an=an, s=s: difference_figure(S, an, s),
                                f"Paired difference fan chart: per run, mutual alignment under “{S.title_of(s)}” "
                                f"minus under “{S.title_of(base)}”; median, 50% and 90% of runs. Because the runs "
                                f"share random numbers, the spread is the scenario's effect across its own uncertain "
                                f"inputs, not dice. Dotted lines: scheduled events the baseline does not have."))
        elif kind == "sweep":
            if an["method"] == "grid" and len(an["parameters"]) == 2:
                for o in an["outcomes"]:
                    out.append((_stem(name, f"heatmap_{o}"), lambda an=an, o=o: heatmap_figure(S, an, o),
                                f"{S.desc(o)}: per grid cell over {an['parameters'][0]['label']} and "
                                f"{an['parameters'][1]['label']}, {an['runs']:,} runs per cell on "
                                f"“{S.title_of(an['scenario'])}”."))
            else:
                out.append((_stem(name, "response"), lambda an=an: response_figure(S, an),
                            f"Response of each outcome to each swept parameter on “{S.title_of(an['scenario'])}”, "
                            f"with 95% intervals."))
        elif kind == "sensitivity":
            out.append((_stem(name, "sobol"), lambda an=an: sobol_figure(S, an),
                        "Sobol' sensitivity indices: first order (dark; the share of the outcome's variance a "
                        "parameter explains alone) and total order (light; including its interactions), with 95% "
                        "bootstrap intervals. Remaining replicate noise inflates every total-order index by about "
                        "the noise share (dashed line): a total-order index near that line is indistinguishable "
                        "from the dice."))
        elif kind == "attribution":
            out += attribution_specs(folder, an, _stem)
        elif kind == "discovery":
            out.append((_stem(name, "box"), lambda an=an: box_figure(S, an),
                        f"Scenario discovery (PRIM): the parameter box in which “{S.desc(an['outcome'])}” is most "
                        f"concentrated, with its limits, quasi-p-values, and the sampled cases in the two most "
                        f"restricted parameters. The rules are in rules.txt."))
            out.append((_stem(name, "tradeoff"), lambda an=an: tradeoff_figure(S, an),
                        "PRIM peeling trajectory: each box's coverage (share of the outcome's cases it captures) "
                        "against its density (share of its cases with the outcome)."))
    return out


def plot_experiment(folder, formats=("png",)) -> list[Path]:
    """Redraw every figure of an experiment folder from its saved files.

    Parameters
    ----------
    folder : str or Path
    formats : sequence of str
        File formats (sim.figures.style.FORMATS).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    paths: list[Path] = []
    for stem, draw, _ in specs(folder):
        fig = draw()
        if fig is not None:
            paths += plot.save(fig, folder / "figures", stem, formats)
    return paths
