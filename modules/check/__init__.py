"""Security review of a resolved org: findings that refuse dangerous access.

Never imports the provider bindings; parliament's IAM data (~0.4 s) is the heavy part.
"""

from __future__ import annotations

import datetime

from modules.check import (
    assignments,
    guardrails,
    hygiene,
    limits,
    policies,
    sessions,
    trust,
)
from modules.check.context import Context
from modules.check.findings import CATALOGUE_INVALID, Finding, Rule, Severity
from modules.resolve.model import Org

RULES: tuple[Rule, ...] = (
    CATALOGUE_INVALID,
    *trust.RULES,
    *policies.RULES,
    *limits.RULES,
    *guardrails.RULES,
    *sessions.RULES,
    *assignments.RULES,
    *hygiene.RULES,
)
"""Every finding ``check`` can report, in the order the README lists them."""

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}

CHECKS = (trust, policies, limits, guardrails, sessions, assignments, hygiene)

__all__ = [
    "RULES",
    "RULES_BY_ID",
    "Finding",
    "Rule",
    "Severity",
    "findings_table",
    "run_checks",
]


def run_checks(org: Org, *, today: datetime.date | None = None) -> list[Finding]:
    """Every finding about ``org``, errors first, then by file, key and id.

    ``today`` is the date legacy deadlines are judged against; it defaults to
    the current date. The same finding reached twice (a trust repeated in
    many accounts) is reported once.
    """
    context = Context.of(org, today)
    found = {finding for module in CHECKS for finding in module.check(context)}
    return sorted(found)


def findings_table() -> str:
    """The README's finding table: one Markdown row per rule, in ``RULES`` order."""
    rows = ["| id | severity | why it matters |", "|---|---|---|"]
    rows += [f"| `{rule.id}` | {rule.severity} | {rule.why} |" for rule in RULES]
    return "\n".join(rows) + "\n"
