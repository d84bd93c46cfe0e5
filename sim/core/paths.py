"""Where the built-in scenario and experiment files are.

They are the repository's `scenarios/` and `experiments/` folders. A checkout (or an editable
install) reads them there; a normal install carries a copy made at build time as package data
(`sim/builtin/`, mapped from the same folders in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

KINDS = ("scenarios", "experiments")
# UN General Assembly agreement by pair and year, 1991-2015 (data/reference/README.md); relative to
# the working directory, as it ships with the repository, not with the package
UNGA_AGREEMENT = Path("data/reference/unga_dyadic_agreement_1991_2015.csv")


def builtin_dir(kind: str) -> Path | None:
    """The folder of built-in files of `kind`, or None.

    Parameters
    ----------
    kind : str
        "scenarios" or "experiments".

    Returns
    -------
    Path or None
        The installed package data when present, else the checkout's top-level folder.
    """
    package = Path(__file__).resolve().parents[1]
    installed = package / "builtin" / kind
    if installed.is_dir():
        return installed
    checkout = package.parent / kind
    if checkout.is_dir() and (package.parent / "pyproject.toml").is_file():
        return checkout
    return None


def builtin_name(path, kind: str) -> str | None:
    """The name a built-in file is run by ("june_war_pivot"), or None for any other file.

    Parameters
    ----------
    path : str or Path
    kind : str
        "scenarios" or "experiments".
    """
    home = builtin_dir(kind)
    p = Path(path)
    if home is None or p.suffix != ".toml":
        return None
    try:
        same = p.resolve().parent == home.resolve() and p.is_file()
    except OSError:
        return None
    return p.stem if same else None
