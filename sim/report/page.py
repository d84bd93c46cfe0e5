"""The pieces every report page is built from: escaping, tables, embedded figures, the page
itself with its style sheet, and readers of the folder's CSV tables.
"""

from __future__ import annotations

import base64
import csv
import html
from pathlib import Path

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


def esc(x) -> str:
    """Text escaped for HTML, quotes included."""
    return html.escape(str(x), quote=True)


def read_rows(path: Path) -> list[dict]:
    """The rows of a CSV table as dicts; none when the folder does not hold the table."""
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def num(x) -> float:
    """A table cell as a number; NaN when it is empty or not one."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def figure(path: Path, stem: str, caption: str) -> str:
    """A PNG embedded as base64 in a captioned <figure>: the page needs no other file."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure data-figure="{esc(stem)}"><img src="data:image/png;base64,{data}" alt="{esc(caption)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def table(header, rows, attrs: str = "", numeric=()) -> str:
    """An HTML table; the columns whose index is in `numeric` are right-aligned."""
    out = [f"<table {attrs}><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr></thead><tbody>"]
    for r in rows:
        out.append("<tr>" + "".join(f'<td class="num">{esc(c)}</td>' if k in numeric else f"<td>{esc(c)}</td>"
                                    for k, c in enumerate(r)) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def versions_table(man: dict) -> str:
    """The package versions recorded in the manifest, as a table."""
    v = man.get("versions", {})
    return table(["package", "version"], [[k, v[k]] for k in v], numeric=(1,))


def page(title: str, body: list[str]) -> str:
    """The whole HTML document: the style sheet inline, then `body`."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{esc(title)}</title>"
            f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
