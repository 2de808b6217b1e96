"""Findings: what ``check`` reports about a valid catalogue that is still risky.

A finding names a stable id, a severity, the file and dotted key, and says
what is wrong and what to do. Catalogue errors that stop resolution are
reported through the same type with the id ``catalogue.invalid``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from modules.errors import Problem

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    """One finding; sorts errors before warnings, then by file and key."""

    severity: Severity
    file: str
    key: str
    id: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.severity} [{self.id}]: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_problem(cls, problem: Problem) -> Finding:
        return cls(
            "error", problem.file, problem.key, CATALOGUE_INVALID.id, problem.message
        )


@dataclass(frozen=True)
class Rule:
    """One kind of finding: its stable id, its severity and why it matters.

    ``why`` is one sentence for the README's finding table; it must not
    contain a ``|``, which would split the table cell.
    """

    id: str
    severity: Severity
    why: str

    def finding(self, file: str, key: str, message: str) -> Finding:
        """A finding of this rule at ``key`` of ``file``."""
        return Finding(self.severity, file, key, self.id, message)


CATALOGUE_INVALID = Rule(
    "catalogue.invalid",
    "error",
    "The catalogue does not load or resolve (syntax, unknown key, dangling "
    "reference), so nothing else is checked and nothing is synthesized.",
)
