"""AWS size and count quotas, measured on the JSON that synthesis writes.

IAM quotas skip whitespace, SCP quotas do not; anchors count as a real-length ARN.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from modules.check.context import Context
from modules.check.documents import (
    iam_size,
    identity_policies,
    service_control_policies,
    size,
)
from modules.check.findings import Finding, Rule
from modules.resolve.model import GuardrailTarget

SCP_SIZE = 5_120
SCPS_PER_TARGET = 5
INLINE_POLICY_SIZE = 10_240
MANAGED_POLICY_SIZE = 6_144
TRUST_POLICY_SIZE = 2_048
ROLE_POLICIES_SIZE = 10_240
MANAGED_POLICIES_PER_ROLE = 10

SCP_TOO_LARGE = Rule(
    "limit.scp-size",
    "error",
    "Organizations refuses an SCP over 5,120 characters, so the "
    "`organization` apply fails.",
)
TOO_MANY_SCPS = Rule(
    "limit.scp-count",
    "error",
    "At most 5 SCPs attach to one root, OU or account, `FullAWSAccess` "
    "included, so a sixth attachment fails at apply.",
)
INLINE_POLICY_TOO_LARGE = Rule(
    "limit.inline-policy-size",
    "error",
    "A permission set's inline policy becomes the inline policy of a role in "
    "every account it reaches, where IAM refuses more than 10,240 characters.",
)
MANAGED_POLICY_TOO_LARGE = Rule(
    "limit.managed-policy-size",
    "error",
    "IAM refuses a customer-managed policy over 6,144 characters, and a "
    "permission set naming it then fails to provision.",
)
TRUST_POLICY_TOO_LARGE = Rule(
    "limit.trust-policy-size",
    "error",
    "IAM refuses a trust policy over 2,048 characters (the default quota, "
    "adjustable to 4,096 per account).",
)
ROLE_POLICIES_TOO_LARGE = Rule(
    "limit.role-policy-size",
    "error",
    "A role's inline policies together may not exceed 10,240 characters; "
    "IAM refuses the one that crosses it.",
)
TOO_MANY_MANAGED_POLICIES = Rule(
    "limit.managed-policy-count",
    "warning",
    "A role holds 10 managed policies by default; more needs an IAM quota "
    "raise in every account the permission set or role reaches.",
)

RULES = (
    SCP_TOO_LARGE,
    TOO_MANY_SCPS,
    INLINE_POLICY_TOO_LARGE,
    MANAGED_POLICY_TOO_LARGE,
    TRUST_POLICY_TOO_LARGE,
    ROLE_POLICIES_TOO_LARGE,
    TOO_MANY_MANAGED_POLICIES,
)


def check(context: Context) -> Iterator[Finding]:
    """Every policy size and attachment count against its AWS quota."""
    yield from _identity_policy_sizes(context)
    yield from _scps(context)
    yield from _trust_policy_sizes(context)
    yield from _managed_policy_counts(context)


def _identity_policy_sizes(context: Context) -> Iterator[Finding]:
    limits = {
        "inline": (INLINE_POLICY_TOO_LARGE, INLINE_POLICY_SIZE, "inline policy"),
        "customer-managed": (
            MANAGED_POLICY_TOO_LARGE,
            MANAGED_POLICY_SIZE,
            "customer-managed policy",
        ),
        "role": (ROLE_POLICIES_TOO_LARGE, ROLE_POLICIES_SIZE, "role's inline policy"),
    }
    for source in identity_policies(context):
        rule, limit, what = limits[source.kind]
        measured = iam_size(source.document)
        if measured > limit:
            yield context.finding(
                rule,
                source.key,
                f"{source.file} is {measured:,} characters without whitespace; "
                f"IAM allows at most {limit:,} for a {what}, so split it or move "
                "statements to a customer-managed policy",
            )


def _scps(context: Context) -> Iterator[Finding]:
    for source in service_control_policies(context):
        measured = size(source.document)
        if measured > SCP_SIZE:
            yield context.finding(
                SCP_TOO_LARGE,
                source.key,
                f"{source.file} is {measured:,} characters as synthesized; "
                f"Organizations allows at most {SCP_SIZE:,}, so split it into two "
                "guardrails or shorten its lists with wildcards",
            )

    attached: dict[GuardrailTarget, list[str]] = defaultdict(list)
    for key, guardrail in context.org.guardrails.items():
        for target in guardrail.targets:
            attached[target].append(key)
    for target, keys in attached.items():
        if len(keys) + 1 <= SCPS_PER_TARGET:
            continue
        last = max(keys)
        yield context.finding(
            TOO_MANY_SCPS,
            f"guardrails.{last}.targets",
            f"{_target(target)} would carry {len(keys) + 1} SCPs counting "
            f"FullAWSAccess ({', '.join(sorted(keys))}); at most "
            f"{SCPS_PER_TARGET} may attach, so attach some to child OUs or "
            "merge guardrails",
        )


def _target(target: GuardrailTarget) -> str:
    if target.kind == "root":
        return "the root"
    if target.kind == "ou":
        return f"the OU {target.name}"
    return f"accounts.{target.name}"


def _trust_policy_sizes(context: Context) -> Iterator[Finding]:
    for name, role in context.org.roles.items():
        if not role.trust_policies:
            continue
        account, document = max(
            role.trust_policies.items(), key=lambda item: iam_size(item[1])
        )
        measured = iam_size(document)
        if measured > TRUST_POLICY_SIZE:
            yield context.finding(
                TRUST_POLICY_TOO_LARGE,
                f"roles.{name}.trust",
                f"the trust policy in accounts.{account} is {measured:,} "
                f"characters without whitespace; IAM allows {TRUST_POLICY_SIZE:,} "
                "unless the account's quota is raised (to at most 4,096), so "
                "trust fewer callers or subjects",
            )


def _managed_policy_counts(context: Context) -> Iterator[Finding]:
    org = context.org
    for name, permission_set in org.permission_sets.items():
        count = len(permission_set.managed_policy_arns) + len(
            permission_set.customer_managed_policies
        )
        if count > MANAGED_POLICIES_PER_ROLE:
            yield context.finding(
                TOO_MANY_MANAGED_POLICIES,
                f"permission_sets.{name}.managed_policies",
                f"attaches {count} managed and customer-managed policies; the "
                f"role it creates holds {MANAGED_POLICIES_PER_ROLE} unless IAM's "
                "quota is raised in every account it is assigned to, so merge "
                "policies or request the raise first",
            )
    for name, role in org.roles.items():
        count = len(role.managed_policy_arns)
        if count > MANAGED_POLICIES_PER_ROLE:
            yield context.finding(
                TOO_MANY_MANAGED_POLICIES,
                f"roles.{name}.managed_policies",
                f"attaches {count} managed policies; a role holds "
                f"{MANAGED_POLICIES_PER_ROLE} unless IAM's quota is raised in "
                "each of its accounts, so merge policies or request the raise",
            )
