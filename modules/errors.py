"""The one error type a catalogue can raise: file, dotted key, what is wrong.

Problems are collected, never raised one at a time, so a user sees every
mistake in a catalogue in a single run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a catalogue.

    ``key`` is the dotted path of the offending entry (``roles.X.external_id``),
    or a ``line L, column C`` position for TOML syntax errors. ``message`` says
    what is wrong and then, after a semicolon, what would be valid.
    """

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


class CatalogueError(Exception):
    """Raised with every problem found in a catalogue, sorted by key."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(problem) for problem in self.problems))
