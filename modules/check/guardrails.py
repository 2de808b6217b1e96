"""Guardrail checks: SCPs that cannot apply where aimed, or lock people out.

Recognises a region allow-list only as a broad Deny on aws:RequestedRegion.
"""

from __future__ import annotations

from collections.abc import Iterator

from modules.check.context import Context
from modules.check.documents import (
    Condition,
    Statement,
    conditions,
    guardrail_key,
    label,
    matches,
    statements,
    strings,
)
from modules.check.findings import Finding, Rule

REGION_KEY = "aws:requestedregion"

TARGETS_MANAGEMENT = Rule(
    "guardrail.targets-management",
    "error",
    "SCPs never restrict the management account, so a guardrail aimed at it "
    "protects nothing while the catalogue suggests it does.",
)
HOME_REGION_LOCKOUT = Rule(
    "guardrail.home-region-lockout",
    "error",
    "A region allow-list without the Identity Center home region denies "
    "everyone in the target accounts the region their sign-in lives in.",
)

RULES = (TARGETS_MANAGEMENT, HOME_REGION_LOCKOUT)


def check(context: Context) -> Iterator[Finding]:
    """Guardrails aimed at the management account; region lists missing home."""
    org = context.org
    home = org.organization.home_region
    for key, guardrail in org.guardrails.items():
        for target in guardrail.targets:
            account = org.accounts.get(target.name)
            if target.kind == "account" and account and account.is_management:
                yield context.finding(
                    TARGETS_MANAGEMENT,
                    f"guardrails.{key}.targets",
                    f"names {target.name}, the management account, which SCPs "
                    "never restrict; remove it and keep the management account "
                    "free of workloads and people instead",
                )
        where = (
            f"guardrails.{key}.regions"
            if guardrail.builtin == "region-allowlist"
            else guardrail_key(key, guardrail.source is not None)
        )
        for index, statement in enumerate(statements(guardrail.document)):
            if statement.get("Effect") != "Deny" or not _denies_broadly(statement):
                continue
            for condition in conditions(statement):
                if condition.key.lower() == REGION_KEY and _denies_region(
                    condition, home
                ):
                    yield context.finding(
                        HOME_REGION_LOCKOUT,
                        where,
                        f"{label(statement, index)} denies {home}, the Identity "
                        "Center home region "
                        f"({condition.operator} {', '.join(condition.values)}); "
                        f"add {home} to the allowed regions",
                    )


def _denies_broadly(statement: Statement) -> bool:
    """A Deny of everything, or of everything but a list (NotAction)."""
    return "NotAction" in statement or "*" in strings(statement.get("Action"))


def _denies_region(condition: Condition, region: str) -> bool:
    """Whether a Deny with this region condition matches requests in ``region``."""
    operator = condition.operator.lower().removesuffix("ifexists")
    operator = operator.split(":", 1)[-1]
    if operator.endswith("like"):
        hit = any(matches(value, region) for value in condition.values)
    else:
        hit = any(value.lower() == region for value in condition.values)
    if operator.startswith("stringnot"):
        return not hit
    return operator.startswith("string") and hit
