"""What in a folder is alignsim's, and the rule for writing into a folder that is not empty.

A result folder's manifest lists the files alignsim wrote there (for a run still being
written: every file it may write, listed before it is written). Only those, the manifest
itself, alignsim's temporary files and its chunk store are ever removed; anything else in
the folder is the user's and stays. A non-empty folder without a readable alignsim manifest
was not made by alignsim: it is refused unless --overwrite is given, and even then alignsim
refuses to write a file over one of the same name.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from sim.core.errors import ScenarioError
from sim.engine.lock import LOCK_NAME

MANIFEST = "manifest.json"
TEMPORARY = ("manifest.json.tmp", "ensemble.npz.tmp")
CHUNK_ENTRY = re.compile(r"^(c\d{6}|\.tmp-\d{6}-\d+)$")   # a saved chunk, or one being written


def load_manifest(folder: Path) -> tuple[dict | None, str | None]:
    """The folder's manifest, if alignsim wrote it, and otherwise why not.

    Returns
    -------
    (manifest, None) for an alignsim manifest; (None, reason) when there is none, it cannot be
    read or parsed, or it is not alignsim's.
    """
    path = Path(folder) / MANIFEST
    if not path.exists():
        return None, "holds no manifest.json"
    try:
        man = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, f"its manifest.json cannot be read ({_reason(exc)})"
    if not is_alignsim(man):
        return None, "its manifest.json is not one alignsim wrote"
    return man, None


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).split("\n")[0]


def is_alignsim(man) -> bool:
    """Whether parsed manifest data is one alignsim wrote (a run's or an experiment's)."""
    return (isinstance(man, dict) and "complete" in man and isinstance(man.get("versions"), dict)
            and "alignsim" in man["versions"] and isinstance(man.get("files", []), list))


def entries(folder: Path) -> list[str]:
    """The names in a folder, but for alignsim's lock file."""
    return sorted(p.name for p in Path(folder).iterdir() if p.name != LOCK_NAME)


def _inside(folder: Path, rel) -> Path | None:
    """folder/rel if rel is a relative path that stays inside folder (symlinks included)."""
    if not isinstance(rel, str) or not rel or Path(rel).is_absolute() or ".." in Path(rel).parts:
        return None
    p = folder / rel
    try:
        parent = p.parent.resolve()
    except OSError:
        return None
    if parent != folder.resolve() and folder.resolve() not in parent.parents:
        return None
    return p


def owned(folder: Path, man: dict) -> list[Path]:
    """The paths in `folder` that are alignsim's by its manifest `man`, as they exist now:
    the files it lists, the manifest, temporary files and the saved chunks (not any other
    file a user put in chunks/)."""
    folder = Path(folder)
    out = []
    for rel in man.get("files", []):
        p = _inside(folder, rel)
        if p is not None and (p.is_symlink() or p.is_file()):
            out.append(p)
    out += [folder / n for n in (MANIFEST, *TEMPORARY) if (folder / n).is_file()]
    chunks = folder / "chunks"
    if chunks.is_dir() and not chunks.is_symlink():
        out += sorted(p for p in chunks.iterdir() if CHUNK_ENTRY.match(p.name) and p.is_dir() and not p.is_symlink())
    return list(dict.fromkeys(out))


def size(paths) -> int:
    """Bytes the paths take (folders counted with their files)."""
    total = 0
    for p in paths:
        if p.is_symlink():
            continue
        if p.is_dir():
            total += sum(f.stat().st_size for f in p.rglob("*") if f.is_file() and not f.is_symlink())
        elif p.is_file():
            total += p.stat().st_size
    return total


def remove(folder: Path, paths) -> None:
    """Remove alignsim's paths (from `owned`), then the folders they leave empty (figures/, chunks/)."""
    parents = set()
    for p in paths:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink(missing_ok=True)
        parents.add(p.parent)
    for d in sorted(parents, key=lambda q: len(q.parts), reverse=True):
        while d != folder and folder in d.parents:
            try:
                d.rmdir()
            except OSError:
                break
            d = d.parent


def plan(folder: Path, overwrite: bool, writes, key: str = "--out") -> list[Path]:
    """Check that new results may be written into `folder`, and say what must go first.

    Parameters
    ----------
    folder : an existing folder (locked by the caller).
    overwrite : whether earlier results may be replaced.
    writes : the names the new results put at the folder's top level.
    key : the option that named the folder, for messages.

    Returns
    -------
    list of Path : alignsim's earlier files to remove before writing (empty for a fresh folder).

    Raises
    ------
    ScenarioError : results are there and overwrite is not given; the folder is not empty and
        has no readable alignsim manifest, without overwrite, or with overwrite but holding a
        file of a name alignsim writes.
    """
    folder = Path(folder)
    names = entries(folder)
    if not names:
        return []
    man, problem = load_manifest(folder)
    if man is not None:
        if not overwrite:
            what = "an experiment's results" if man.get("kind") == "experiment" else "results"
            resume = "" if man.get("kind") == "experiment" or man.get("complete") else ", --resume to finish it"
            raise ScenarioError(folder, key, str(folder), f"already holds {what}; pass --overwrite to replace "
                                f"them{resume}, or choose another folder")
        return owned(folder, man)
    if not overwrite:
        raise ScenarioError(folder, key, str(folder), f"is not empty ({len(names)} entries, e.g. {names[0]}) and "
                            f"{problem}, so alignsim cannot tell its files from others; choose an empty or new "
                            "folder, or pass --overwrite to write alongside (nothing there is removed)")
    clash = sorted(set(names) & set(writes))
    if clash:
        raise ScenarioError(folder, key, str(folder), f"holds {clash[0]}, which alignsim would replace but did not "
                            f"write ({problem}); move it or choose another folder")
    return []
