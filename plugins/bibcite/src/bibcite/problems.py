"""Problems found in the input: pure functions return them; only the plugin logs them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(Enum):
    INFO = "info"  # said, not a problem of the input: `--strict` does not count it
    WARNING = "warning"  # rendered anyway; `--strict` turns it into a failed build
    ERROR = "error"  # cannot be rendered: the build stops


@dataclass(frozen=True)
class Problem:
    """One problem in one input file.

    path: the file as the user knows it (relative to the project, e.g. ``docs/x.md``).
    line, col: 1-based position of the offending text (0 when unknown).
    message: what is wrong, naming the key or field.
    hint: what to do about it.
    """

    path: str
    line: int
    col: int
    message: str
    hint: str
    severity: Severity = Severity.WARNING

    def __str__(self) -> str:
        end = " " if self.message.endswith(("?", "!", ".")) else ". "
        return f"{self.path}:{self.line}:{self.col}: {self.message}{end}{self.hint}"
