"""Hygiene checks: declared but unused entries, and legacy users past their date.

Unused means unreferenced here; IdP group members and vendor calls are unknown.
"""

from __future__ import annotations

from collections.abc import Iterator

from modules.check.context import Context
from modules.check.findings import Finding, Rule

UNUSED_GROUP = Rule(
    "hygiene.unused-group",
    "warning",
    "A group no assignment uses grants nothing and is never looked up, so a "
    "forgotten assignment or a misspelt placeholder goes unnoticed.",
)
UNUSED_PERMISSION_SET = Rule(
    "hygiene.unused-permission-set",
    "warning",
    "A permission set no assignment uses is still created in Identity Center, "
    "ready to be assigned outside the catalogue.",
)
UNUSED_POLICY = Rule(
    "hygiene.unused-policy",
    "warning",
    "A customer-managed policy no permission set names is created nowhere, so "
    "its review effort is wasted and its name misleads.",
)
UNUSED_ANCHOR = Rule(
    "hygiene.unused-anchor",
    "warning",
    "A Roles Anywhere trust anchor no role uses is created nowhere; the entry "
    "suggests a CA is trusted when it is not, or a role lost its trust.",
)
PAST_RETIRE_BY = Rule(
    "legacy.past-retire-by",
    "warning",
    "A legacy IAM user past its retire_by date still holds the long-lived "
    "access keys the catalogue promised to retire.",
)

RULES = (
    UNUSED_GROUP,
    UNUSED_PERMISSION_SET,
    UNUSED_POLICY,
    UNUSED_ANCHOR,
    PAST_RETIRE_BY,
)


def check(context: Context) -> Iterator[Finding]:
    """Unused groups, permission sets, policies and anchors; overdue legacy users."""
    org = context.org
    assigned_groups = {a.group for a in org.assignments}
    assigned_sets = {a.permission_set for a in org.assignments}
    named_policies = {
        key
        for permission_set in org.permission_sets.values()
        for key in permission_set.customer_managed_policies
    } | {
        permission_set.permissions_boundary.customer_managed
        for permission_set in org.permission_sets.values()
        if permission_set.permissions_boundary is not None
        and permission_set.permissions_boundary.customer_managed is not None
    }

    for key in org.groups:
        if key not in assigned_groups:
            yield context.finding(
                UNUSED_GROUP,
                f"groups.{key}",
                "is in no assignment, so it grants nothing; assign it or remove it",
            )
    for name in org.permission_sets:
        if name not in assigned_sets:
            yield context.finding(
                UNUSED_PERMISSION_SET,
                f"permission_sets.{name}",
                "is in no assignment, yet Identity Center would still hold it; "
                "assign it or remove it",
            )
    for key in org.policies:
        if key not in named_policies:
            yield context.finding(
                UNUSED_POLICY,
                f"policies.{key}",
                "is named by no permission set, so it is created in no account; "
                "attach it (customer_managed_policies or permissions_boundary) "
                "or remove it",
            )
    for key, anchor in org.anchors.items():
        if not anchor.roles:
            yield context.finding(
                UNUSED_ANCHOR,
                f"roles_anywhere.{key}",
                "is trusted by no role, so it is created in no account; use it "
                "in a role's trust.roles_anywhere or remove it",
            )
    for name, user in org.legacy_iam_users.items():
        if user.retire_by < context.today:
            yield context.finding(
                PAST_RETIRE_BY,
                f"legacy.iam_users.{name}.retire_by",
                f"was {user.retire_by.isoformat()}; delete the user's access keys "
                f"and move its callers to {user.replaced_by}, or agree a new "
                "date and record why",
            )
