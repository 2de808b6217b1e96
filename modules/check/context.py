"""What every check reads: the org, the catalogue's display path and today.

Checks are plain functions of a Context; none of them does I/O.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from modules.check.findings import Finding, Rule
from modules.load.catalogue import display_path
from modules.resolve.model import Org


@dataclass(frozen=True)
class Context:
    """The org under review; ``file`` is how findings name the catalogue."""

    org: Org
    file: str
    today: datetime.date

    @classmethod
    def of(cls, org: Org, today: datetime.date | None = None) -> Context:
        """A context for ``org``, judged as of ``today`` (the current date if None)."""
        return cls(
            org=org,
            file=display_path(org.catalogue),
            today=today if today is not None else datetime.date.today(),
        )

    def finding(self, rule: Rule, key: str, message: str) -> Finding:
        """A finding of ``rule`` at the dotted catalogue ``key``."""
        return rule.finding(self.file, key, message)

    def source(self, path: Path | None) -> str:
        """A policy file as the catalogue names it: relative to the catalogue.

        Built-in documents have no file; they are named ``built-in policy``.
        """
        if path is None:
            return "built-in policy"
        try:
            return path.relative_to(self.org.catalogue.parent).as_posix()
        except ValueError:
            return display_path(path)
