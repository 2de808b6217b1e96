"""Assignment checks: who is given access to the management account, and how.

Sees only this catalogue's assignments, not access granted outside it.
"""

from __future__ import annotations

from collections.abc import Iterator

from modules.check.context import Context
from modules.check.findings import Finding, Rule

MANAGEMENT_ACCOUNT = Rule(
    "assignment.management-account",
    "warning",
    "No SCP restricts the management account, so anyone assigned there works "
    "above every guardrail; keep people out of it.",
)
DELEGATED_MANAGEMENT_ACCOUNT = Rule(
    "assignment.delegated-management-account",
    "error",
    "With a delegated Identity Center administrator, assignments on the "
    "management account can only be made from the management account, so "
    "the `identity` apply fails.",
)

RULES = (MANAGEMENT_ACCOUNT, DELEGATED_MANAGEMENT_ACCOUNT)


def check(context: Context) -> Iterator[Finding]:
    """Every assignment entry that reaches the management account."""
    org = context.org
    management = org.management
    delegated = org.identity_center.key != management.key
    reaching: dict[str, set[str]] = {}
    for assignment in org.assignments:
        if assignment.account == management.key:
            reaching.setdefault(assignment.source, set()).add(
                f"{assignment.group} as {assignment.permission_set}"
            )
    for source, who in sorted(reaching.items()):
        key = f"{source}.accounts" if source else "assignments"
        given = ", ".join(sorted(who))
        if delegated:
            yield context.finding(
                DELEGATED_MANAGEMENT_ACCOUNT,
                key,
                f"gives {given} access to {management.key}, the management "
                f"account, but Identity Center is administered from "
                f"{org.identity_center.key}, which cannot assign there; make "
                "that assignment in the management account by hand, or drop it",
            )
        yield context.finding(
            MANAGEMENT_ACCOUNT,
            key,
            f"gives {given} access to {management.key}, the management "
            "account, which no guardrail restricts; keep it to break-glass "
            "use, or remove the account from the selector",
        )
