"""Session length checks: how long a credential outlives the decision to grant it.

Write-heavy is judged from policy names and action patterns; see write_heavy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from modules.check.context import Context
from modules.check.documents import (
    managed_policy_name,
    principals,
    statements,
    strings,
)
from modules.check.findings import Finding, Rule
from modules.check.iam import READ_LEVELS, access_levels
from modules.load.schema import ISO_DURATION
from modules.resolve.model import PermissionSet

ONE_HOUR = 3600

# AWS managed policies that grant write access to whole services or more.
BROAD_WRITE_MANAGED = re.compile(
    r"AdministratorAccess.*|PowerUserAccess|.*FullAccess(?:_v\d+)?|"
    r"job-function/(?:DatabaseAdministrator|DataScientist|NetworkAdministrator"
    r"|SystemAdministrator)"
)

LONG_ADMIN_SESSION = Rule(
    "session.long-admin-session",
    "warning",
    "An administrator's session stays valid for its whole duration, even "
    "after they leave the IdP group; keep administrative sessions at PT1H.",
)
LONG_WRITE_SESSION = Rule(
    "session.long-write-session",
    "warning",
    "Stolen or unattended credentials that can change whole services stay "
    "valid for the whole session; keep write-heavy sessions at PT1H.",
)
CHAINED_ROLE_DURATION = Rule(
    "session.chained-role-duration",
    "warning",
    "A role assumed by another role is chained, and AWS caps its session at "
    "one hour whatever `max_session_duration` says, so a longer value misleads.",
)

RULES = (LONG_ADMIN_SESSION, LONG_WRITE_SESSION, CHAINED_ROLE_DURATION)


def check(context: Context) -> Iterator[Finding]:
    """Long sessions on powerful permission sets; chained roles promising more."""
    for name, permission_set in context.org.permission_sets.items():
        seconds = duration_seconds(permission_set.session_duration)
        if seconds <= ONE_HOUR:
            continue
        key = f"permission_sets.{name}.session_duration"
        duration = permission_set.session_duration
        if permission_set.administrative:
            yield context.finding(
                LONG_ADMIN_SESSION,
                key,
                f"is {duration} on a permission set marked administrative; "
                'set session_duration = "PT1H"',
            )
            continue
        reason = write_heavy(context, permission_set)
        if reason is not None:
            yield context.finding(
                LONG_WRITE_SESSION,
                key,
                f"is {duration}, and the permission set {reason}; set "
                'session_duration = "PT1H" (the AWS CLI renews role '
                "credentials from the Identity Center sign-in)",
            )

    for name, role in context.org.roles.items():
        if role.max_session_duration <= ONE_HOUR:
            continue
        callers = sorted(
            {
                value
                for document in role.trust_policies.values()
                for statement in statements(document)
                for kind, value in principals(statement)
                if kind == "AWS" and ":role/" in value
            }
        )
        if callers:
            yield context.finding(
                CHAINED_ROLE_DURATION,
                f"roles.{name}.max_session_duration",
                f"is {role.max_session_duration} seconds, but {callers[0]} is a "
                "role, so its sessions are chained and capped at 3600; set "
                "max_session_duration = 3600",
            )


def duration_seconds(duration: str) -> int:
    """``PT1H30M`` to 5400; a duration the schema let through always parses."""
    match = ISO_DURATION.fullmatch(duration)
    if match is None:
        return 0
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def write_heavy(context: Context, permission_set: PermissionSet) -> str | None:
    """Why ``permission_set`` is write-heavy, or None when it is not.

    Write-heavy means: an AWS managed policy that writes whole services
    (AdministratorAccess*, PowerUserAccess, any *FullAccess, the write-capable
    job-function policies), or an own policy that allows with NotAction, allows
    a wildcard action that includes writes, or allows managing permissions.
    Named individual write actions, such as restarting a service, do not count.
    """
    for arn in permission_set.managed_policy_arns:
        name = managed_policy_name(arn)
        if BROAD_WRITE_MANAGED.fullmatch(name):
            return f"attaches {name}"
    documents = [
        context.org.policies[key].document
        for key in permission_set.customer_managed_policies
    ]
    if permission_set.inline_policy is not None:
        documents.append(permission_set.inline_policy)
    for document in documents:
        for statement in statements(document):
            if statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement:
                return "allows every action but a few (NotAction)"
            for pattern in strings(statement.get("Action")):
                levels = access_levels(pattern)
                if "Permissions management" in levels:
                    return f"allows {pattern}, which manages permissions"
                if re.search(r"[*?]", pattern) and levels - READ_LEVELS:
                    return f"allows {pattern}, which includes writes"
    return None
