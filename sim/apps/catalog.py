"""Where named scenarios and experiments are found: the built-in ones and the user's own.

The built-in files (sim.core.paths.builtin_dir) are installed with the package, so
`alignsim run june_war_pivot` works from any directory. Local files are those in the folder
`--dir` names (default ./scenarios) and, for experiments, ./experiments.
"""

from __future__ import annotations

import difflib
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sim.core.errors import ScenarioError
from sim.core.paths import builtin_dir

@dataclass(frozen=True)
class Entry:
    """A named file: its name (the file's stem), path, and whether it is built in."""

    name: str
    path: Path
    builtin: bool


def entries(kind: str, local: str | Path | None = None) -> list[Entry]:
    """The named files of `kind`: local ones first, then built-ins not shadowed by a local file.

    Parameters
    ----------
    kind : str
        "scenarios" or "experiments".
    local : str or Path, optional
        The local folder (default ./scenarios or ./experiments).

    Returns
    -------
    list of Entry
        Sorted by name within each group. A local folder that is the built-in folder itself
        (running inside the checkout) lists its files once, as built-ins.
    """
    local_dir = Path(local) if local is not None else Path(kind)
    home = builtin_dir(kind)
    same = home is not None and local_dir.is_dir() and local_dir.resolve() == home.resolve()
    out: list[Entry] = []
    if local_dir.is_dir() and not same:
        out += [Entry(p.stem, p, False) for p in sorted(local_dir.glob("*.toml"))]
    names = {e.name for e in out}
    if home is not None:
        out += [Entry(p.stem, p, True) for p in sorted(home.glob("*.toml")) if p.stem not in names]
    return out


def find(name: str, kind: str = "scenarios", local: str | Path | None = None) -> Path:
    """A file given by path or by name: the local folder first, then the built-ins.

    Parameters
    ----------
    name : str
        A path to a .toml file, or the name of one (its stem).
    kind : str
        "scenarios" or "experiments".
    local : str or Path, optional
        The local folder (`--dir`; default ./scenarios or ./experiments).

    Returns
    -------
    Path

    Raises
    ------
    ScenarioError
        When neither a file nor a known name: the message names the nearest names and `--dir`.
    """
    p = Path(name)
    if p.suffix == ".toml" or p.exists():
        return p
    known = entries(kind, local)
    for e in known:
        if e.name == name:
            _note_shadow(e, kind)
            return e.path
    where = f"{local}/" if local is not None else f"./{kind}/"
    near = difflib.get_close_matches(name, [e.name for e in known], n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(near)}? " if near else ""
    what = kind[:-1]
    raise ScenarioError("command line", what.upper(), name,
                        f"no such {what} file, and no {what} of that name in {where} or the built-ins; "
                        f"{hint}`alignsim list` names them all; --dir FOLDER looks elsewhere")


def _note_shadow(e: Entry, kind: str) -> None:
    """A local file that shadows a built-in of the same name and differs from it gets one line on
    stderr: an old copy of the scenarios in the working folder is otherwise used silently."""
    home = builtin_dir(kind)
    if e.builtin or home is None:
        return
    twin = home / e.path.name
    if twin.is_file() and twin.read_bytes() != e.path.read_bytes():
        print(f"alignsim: note: using {e.path}, which differs from the built-in {kind[:-1]} of that name "
              f"(alignsim list marks which is which)", file=sys.stderr)


def title_of(path: Path) -> str:
    """The title a file gives itself, read without validating it (for `alignsim list`).

    Parameters
    ----------
    path : Path
        A scenario or experiment file.

    Returns
    -------
    str
        ``[scenario].title`` or ``[experiment].title``; for a scenario that inherits its title
        through `extends`, the parent's; "(unreadable: ...)" when the file cannot be read.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return f"(unreadable: {exc})"
    head = data.get("scenario") or data.get("experiment") or {}
    title = head.get("title") if isinstance(head, dict) else None
    parent = data.get("extends")
    if not title and isinstance(parent, str) and (path.parent / parent).is_file() and path.name != parent:
        return title_of(path.parent / parent)
    return str(title or path.stem)
