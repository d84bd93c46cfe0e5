"""Figures of an attribution, drawn from its saved tables and manifest only:

    waterfall   from the reference's level to the scenario's at the chosen month, one bar per
                factor (or channel, then their interaction), largest first, with 95% intervals
    over_time   every month's contributions stacked (gains above zero, losses below) and the
                total difference with its 95% interval; scheduled events marked

A standalone folder (`alignsim attribute`) keeps the description under the manifest's
"attribution"; an experiment keeps it in its analysis's entry and leads its tables with an
`analysis` column.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from sim.figures import style as plot
from sim.figures.saved import num, read_rows

UP, DOWN, GREY = "#332288", "#CC6677", "#999999"
MAX_AREAS = 8    # beyond, the smallest contributions over time share one grey band


def load(folder, analysis: str | None = None) -> tuple[dict, list[dict], list[dict]]:
    """(description, rows at the chosen month, rows at every month) of an attribution."""
    folder = Path(folder)
    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if analysis is None:
        info = man["attribution"]
    else:
        info = next(a["attribution"] for a in man["analyses"] if a["name"] == analysis)
    keep = (lambda r: r.get("analysis") == analysis) if analysis else (lambda r: True)
    rows = [r for r in read_rows(folder / "attribution.csv") if keep(r)]
    over = [r for r in read_rows(folder / "attribution_over_time.csv") if keep(r)]
    return info, rows, over


def outcome_words(info: dict) -> str:
    """'Iran–China mutual alignment' or 'Iran's alignment toward China'."""
    n = info["names"]
    a, b = info["pair"]
    return f"{n[a]}{plot.DASH}{n[b]} mutual alignment" if info["measure"] == "mutual" \
        else f"{n[a]}'s alignment toward {n[b]}"


KIND_WORDS = {"corridor added": "new route", "corridor removed": "route removed",
              "decision added": "option open to the actor", "decision removed": "option taken away",
              "decision changed": "option changed"}


def label_of(info: dict, key: str) -> str:
    """A factor's label: a scheduled shock with its month (and "removed" or "changed" unless the
    scenario adds it), any other factor with what it is ("new route", "option open to the
    actor", "actor changed", ...)."""
    text = info["labels"].get(key, key)
    kind = next((f["kind"] for f in info["factors"] if f["key"] == key), "")
    when = next((s["at"] for side in ("scenario", "against") for s in info[side]["shocks"]
                 if s["name"] == key and s["at"]), None)
    if kind.startswith("shock"):
        how = "" if kind == "shock added" else kind.split()[-1]
        inner = ", ".join(x for x in (month_words(when) if when else "", how) if x)
        return f"{text} ({inner})" if inner else text
    kind = KIND_WORDS.get(kind, kind)
    return f"{text} ({kind})" if kind and kind not in ("channel", "calibration") else text


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def month_words(date: str) -> str:
    """'2028-01' as 'January 2028'."""
    y, m = date.split("-")
    return f"{MONTHS[int(m) - 1]} {y}"


SCALE = "scale −1 hostile, 0 indifferent, +1 allied"


def waterfall_figure(info: dict, rows: list[dict]):
    """From the reference's level to the scenario's: one bar per factor, largest first."""
    body = [r for r in rows if r["kind"] not in ("total", "interaction")]
    body.sort(key=lambda r: -abs(num(r["contribution"])))
    body += [r for r in rows if r["kind"] == "interaction"]
    total = next(r for r in rows if r["kind"] == "total")
    start, end = info["levels"]["against"][0], info["levels"]["scenario"][0]
    n = len(body)
    with plt.rc_context({**plot.STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(10.8, 0.46 * (n + 2) + 2.3))
        y = np.arange(n + 2)[::-1]
        at = start
        for k, r in enumerate(body, 1):
            _step(ax, r, at, y[k], y[k - 1])
            at += num(r["contribution"])
        ax.plot([at, at], [y[-2] - 0.31, y[-1]], color="#888888", lw=0.6, ls=":")
        labels = [plot.wrap_label(f"{_short(info['against'])} (reference)", 50)]
        labels += [plot.wrap_label(label_of(info, r["factor"]), 50) for r in body]
        labels += [plot.wrap_label(f"{_short(info['scenario'])} (scenario)", 50)]
        ax.set_yticks(y, labels, fontsize=8.4)
        _waterfall_limits(ax, start, end, body)
        for yy, v, colour in ((y[0], start, "#999999"), (y[-1], end, "#222222")):
            # levels are points, not bars: the axis need not start at zero
            ax.plot([ax.get_xlim()[0], v], [yy, yy], color=colour, lw=0.8, ls=":")
            ax.plot(v, yy, "D", color=colour, ms=8)
            ax.annotate(f"{v:+.3f}", (v, yy), xytext=(8, 0), textcoords="offset points", va="center", fontsize=8.5,
                        fontweight="bold")
        ax.set_xlabel(f"{outcome_words(info)} in {month_words(info['date'])}, mean over runs ({SCALE})")
        ax.legend(handles=_waterfall_legend(info), loc="upper right" if end >= start else "upper left", fontsize=7.8)
        d, dlo, dhi = num(total["contribution"]), num(total["lo"]), num(total["hi"])
        title = (f"Which mechanisms carried the change in {outcome_words(info)} by {month_words(info['date'])}?"
                 if info["by"] == "mechanism" else f"What moved {outcome_words(info)} by {month_words(info['date'])}?")
        sub = (f"{_short(info['scenario'])} against {_short(info['against'])}: {d:+.3f} on the alignment scale "
               f"(95% CI {dlo:+.3f} to {dhi:+.3f}), split into {_what(info)}. {_method(info)}; {info['runs']:,} "
               f"paired runs per variant, seed {info['seed']}. Each bar: contribution [95% interval, also the "
               f"whisker], and its share of the total.")
        plot.finish(fig, title, sub)
        return fig


def _step(ax, r: dict, at: float, y: float, y_prev: float) -> None:
    """One factor's bar from the running level `at`, its whisker, value and share."""
    c, lo, hi = num(r["contribution"]), num(r["lo"]), num(r["hi"])
    mixed = r["kind"] == "interaction"
    colour = GREY if mixed else (UP if c >= 0 else DOWN)
    ax.barh(y, c, left=at, color=colour, height=0.62, hatch="///" if mixed else None,
            edgecolor="white" if mixed else colour, lw=0)
    ax.errorbar(at + c, y, xerr=[[max(c - lo, 0)], [max(hi - c, 0)]], fmt="none", ecolor="#222222", lw=0.9,
                capsize=2.5)
    ax.plot([at, at], [y_prev - 0.31, y + 0.31], color="#888888", lw=0.6, ls=":")
    share = num(r["share"])
    if c == lo == hi == 0.0:
        text = "0: changed the outcome in no run"
    elif lo <= 0 <= hi:
        text = f"{signed(c)} [{signed(lo)}, {signed(hi)}]: no clear effect"
    else:
        text = f"{signed(c)} [{signed(lo)}, {signed(hi)}]" + (f"  {share:.0%} of the total" if np.isfinite(share) else "")
    ax.annotate(text, (max(at, at + c, at + hi), y), xytext=(6, 0),
                textcoords="offset points", va="center", fontsize=8, color="#222222")


def signed(x: float) -> str:
    """x with its sign and three decimals; 0.000 without a sign when it rounds to zero."""
    text = f"{x:+.3f}"
    return "0.000" if text in ("+0.000", "-0.000") else text


def _short(side: dict) -> str:
    return side["title"].split(":")[0].strip() or side["name"]


def _what(info: dict) -> str:
    return ("the effects of the channels switched off one at a time; a path through several channels counts "
            "under each, so the effects overlap, shares can pass 100%, and the rest is their interaction"
            if info["by"] == "mechanism" else f"the contributions of the {len(info['factors'])} differences")


def _method(info: dict) -> str:
    m = info["method"]
    return m[0].upper() + m[1:]


def _waterfall_limits(ax, start: float, end: float, body: list[dict]) -> None:
    """Room for the bars, their whiskers and value labels; zero shown only when near."""
    at, xs = start, [start, end]
    for r in body:
        c = num(r["contribution"])
        xs += [at, at + c, at + num(r["lo"]), at + num(r["hi"])]
        at += c
    lo, hi = min(xs), max(xs)
    span = max(hi - lo, 0.02)
    left = 0.0 if lo - 0.5 * span < 0 < lo else lo - 0.08 * span
    ax.set_xlim(min(left, lo - 0.08 * span), hi + 0.7 * span)


def _waterfall_legend(info: dict) -> list:
    out = [Patch(color=UP, label="raises the outcome"), Patch(color=DOWN, label="lowers it")]
    if info["by"] == "mechanism":
        out.append(Patch(facecolor=GREY, hatch="///", edgecolor="white", label="channels' interaction and overlap"))
    return out


def over_time_figure(info: dict, over: list[dict]):
    """Every month's contributions stacked, gains above zero and losses below, with the total."""
    dates = list(dict.fromkeys(r["date"] for r in over))
    keys = list(dict.fromkeys(r["factor"] for r in over if r["kind"] != "total"))
    val = {(r["factor"], r["date"]): num(r["contribution"]) for r in over}
    series = {k: np.array([val[(k, d)] for d in dates]) for k in keys}
    keys.sort(key=lambda k: -float(np.max(np.abs(series[k]))))
    shown, rest = keys[:MAX_AREAS], keys[MAX_AREAS:]
    if rest:
        series["others"] = sum(series[k] for k in rest)
        shown.append("others")
    tot = [r for r in over if r["kind"] == "total"]
    t, tlo, thi = (np.array([num(r[c]) for r in tot]) for c in ("contribution", "lo", "hi"))
    x = plot.month_axis(dates)
    with plt.rc_context(plot.STYLE):
        fig, ax = plt.subplots(figsize=(9.6, 5.4))
        pos, neg = np.zeros(len(dates)), np.zeros(len(dates))
        for k, key in enumerate(shown):
            v = series[key]
            colour = GREY if key in ("others", "interaction") else plot.PALETTE[k % (len(plot.PALETTE) - 1)]
            up, down = np.clip(v, 0, None), np.clip(v, None, 0)
            label = f"{len(rest)} smaller factors" if key == "others" else plot.wrap_label(label_of(info, key), 48)
            ax.fill_between(x, pos, pos + up, color=colour, lw=0, alpha=0.85, label=label, step=None)
            ax.fill_between(x, neg, neg + down, color=colour, lw=0, alpha=0.85)
            pos, neg = pos + up, neg + down
        ax.plot(x, t, color="#111111", lw=1.8, label="total difference")
        ax.plot(x, tlo, color="#111111", lw=0.7, ls=(0, (2, 1.5)), label="its 95% interval")
        ax.plot(x, thi, color="#111111", lw=0.7, ls=(0, (2, 1.5)))
        ax.axhline(0, color="#444444", lw=0.7)
        _event_lines(ax, info, dates, x)
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.set_ylabel(f"difference in {outcome_words(info)}")
        ax.axvline(x[dates.index(info["date"])], color="#111111", lw=0.8, ls="--")
        handles, names = ax.get_legend_handles_labels()
        order = list(range(len(shown)))[::-1] + list(range(len(shown), len(handles)))   # top of the stack first
        ax.legend([handles[k] for k in order], [names[k] for k in order], loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize=7.6)
        title = f"When did each {'channel' if info['by'] == 'mechanism' else 'difference'} move {outcome_words(info)}?"
        sub = (f"{_short(info['scenario'])} minus {_short(info['against'])}, month by month: each month's "
               f"{'channel effects' if info['by'] == 'mechanism' else 'Shapley contributions'} stacked (gains above "
               f"zero, losses below); they add up to the black line. Dotted verticals: scheduled events; dashed: "
               f"{month_words(info['date'])}, the month of the waterfall. {info['runs']:,} paired runs per variant.")
        plot.finish(fig, title, sub)
        return fig


def _event_lines(ax, info: dict, dates: list[str], x) -> None:
    factors = {f["key"] for f in info["factors"]}
    for side in ("scenario", "against"):
        for s in info[side]["shocks"]:
            if s["name"] in factors and s["at"] in dates:
                ax.axvline(x[dates.index(s["at"])], color="#777777", lw=0.6, ls=":", zorder=0)


def draw_attribution(folder, formats=("png",)) -> list[Path]:
    """Draw a standalone attribution folder's figures in `formats`; the files written."""
    folder = Path(folder)
    info, rows, over = load(folder)
    paths = plot.save(waterfall_figure(info, rows), folder / "figures", "attribution_waterfall", formats)
    paths += plot.save(over_time_figure(info, over), folder / "figures", "attribution_over_time", formats)
    return paths


def attribution_specs(folder, an: dict, stem) -> list[tuple[str, object, str]]:
    """[(stem, draw, caption)] of an experiment's attribution analysis `an`; `stem(name, what)`
    names the files."""
    def data():
        return load(folder, an["name"])
    by = "channel" if an.get("by") == "mechanism" else "factor"
    return [(stem(an["name"], "waterfall"), lambda: waterfall_figure(*data()[:2]),
             f"Waterfall: the difference in the outcome split by {by}, from the reference's level to the "
             f"scenario's, largest first, with 95% intervals."),
            (stem(an["name"], "over_time"), lambda: over_time_figure(data()[0], data()[2]),
             f"The {by} contributions month by month, stacked, with the total difference and its 95% interval.")]
