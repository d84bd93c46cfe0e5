"""One error type for every bad input, so the CLI can print one line and exit 2."""

from __future__ import annotations


class ScenarioError(Exception):
    """A bad value in a scenario, experiment or command-line override.

    The message names the file, the key path, the bad value and what is allowed,
    on one line, because analysts read it in a terminal, not a traceback.
    """

    def __init__(self, file, keypath, value, allowed):
        self.file = str(file) if file is not None else "<input>"
        self.keypath = keypath or "(top level)"
        self.value = value
        self.allowed = allowed
        super().__init__(str(self))

    def __str__(self) -> str:
        if isinstance(self.value, bool):   # as the user wrote it in TOML
            shown = "true" if self.value else "false"
        elif isinstance(self.value, str):
            shown = f'"{self.value}"'
        else:
            shown = repr(self.value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return f"{self.file}: {self.keypath} = {shown}: {self.allowed}"
