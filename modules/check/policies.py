"""Identity policy and SCP checks: dangerous grants and parliament's defects.

AWS managed policies are judged by name only (AdministratorAccess, IAMFullAccess).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from modules.check import iam
from modules.check.context import Context
from modules.check.documents import (
    PolicySource,
    Statement,
    allows,
    identity_policies,
    label,
    managed_policy_name,
    service_control_policies,
    statements,
    strings,
)
from modules.check.findings import Finding, Rule
from modules.resolve.model import policy_json

ADMIN_WILDCARD = Rule(
    "policy.admin-wildcard",
    "error",
    "Allowing `*` on `*` (or NotAction that leaves IAM in) is administrator "
    "access; only permission sets marked `administrative = true` may grant it.",
)
IAM_WILDCARD = Rule(
    "policy.iam-wildcard",
    "error",
    "`iam:*` lets the holder write itself any permission, so it is "
    "administrator access by another name.",
)
PASSROLE_WILDCARD = Rule(
    "policy.passrole-wildcard",
    "error",
    "`iam:PassRole` on every role lets the holder hand any role, an "
    "administrator's included, to a service it controls.",
)
UNKNOWN_ACTION = Rule(
    "policy.unknown-action",
    "error",
    "An action or service prefix IAM does not know never matches: an Allow "
    "grants nothing and a Deny, an SCP's above all, protects nothing.",
)
PARLIAMENT = Rule(
    "policy.parliament",
    "error",
    "parliament found a defect (malformed statement, unknown condition "
    "operator, mismatched type or resource, duplicate Sid) that makes the "
    "policy fail or not mean what it says.",
)
PARLIAMENT_NOTICE = Rule(
    "policy.parliament-notice",
    "warning",
    "parliament found something that works but is likely unintended, such as "
    "a bucket policy change that grants what the policy itself withholds.",
)

RULES = (
    ADMIN_WILDCARD,
    IAM_WILDCARD,
    PASSROLE_WILDCARD,
    UNKNOWN_ACTION,
    PARLIAMENT,
    PARLIAMENT_NOTICE,
)

# parliament's finding kinds by the rule that reports them; any kind not
# listed (a newer parliament's) is reported as a notice.
PARLIAMENT_RULES: dict[str, Rule] = {
    "UNKNOWN_ACTION": UNKNOWN_ACTION,
    "UNKNOWN_PREFIX": UNKNOWN_ACTION,
    "MALFORMED_JSON": PARLIAMENT,
    "MALFORMED": PARLIAMENT,
    "EXCEPTION": PARLIAMENT,
    "DUPLICATE_SID": PARLIAMENT,
    "INVALID_SID": PARLIAMENT,
    "INVALID_VERSION": PARLIAMENT,
    "INVALID_ARN": PARLIAMENT,
    "UNKNOWN_OPERATOR": PARLIAMENT,
    "UNKNOWN_PRINCIPAL": PARLIAMENT,
    "UNKNOWN_FEDERATION_SOURCE": PARLIAMENT,
    "MISMATCHED_TYPE": PARLIAMENT,
    "MISMATCHED_TYPE_OPERATION_TO_NULL": PARLIAMENT,
    "UNKNOWN_CONDITION_FOR_ACTION": PARLIAMENT,
    "RESOURCE_MISMATCH": PARLIAMENT,
    "BAD_PATTERN_FOR_MFA": PARLIAMENT,
    "MISMATCHED_TYPE_BUT_USABLE": PARLIAMENT_NOTICE,
    "RESOURCE_POLICY_PRIVILEGE_ESCALATION": PARLIAMENT_NOTICE,
    "NO_VERSION": PARLIAMENT_NOTICE,
    "OLD_VERSION": PARLIAMENT_NOTICE,
}

# What to do about the kinds people meet most; the rest get a generic hint.
PARLIAMENT_ADVICE = {
    "UNKNOWN_ACTION": "check the spelling against the Service Authorization Reference",
    "UNKNOWN_PREFIX": "check the service prefix against the Service "
    "Authorization Reference",
    "UNKNOWN_OPERATOR": "use a documented condition operator such as "
    "StringEquals or ArnLike",
    "RESOURCE_MISMATCH": "give a Resource of the type the action acts on",
    "UNKNOWN_CONDITION_FOR_ACTION": "use a condition key the action supports, "
    "or move the action to its own statement",
    "RESOURCE_POLICY_PRIVILEGE_ESCALATION": "grant the object actions on the "
    "bucket as well, or drop the bucket policy and ACL actions",
}

# AWS managed policies whose grant is known from their name.
AWS_MANAGED = "arn:aws:iam::aws:policy/"
ADMIN_MANAGED = {"AdministratorAccess": ADMIN_WILDCARD, "IAMFullAccess": IAM_WILDCARD}

ALL = "*:*"
ALL_IAM = "iam:*"
EVERY_ROLE = "arn:aws:iam::*:role/*"
IAM_ARN = "arn:aws:iam::"


def check(context: Context) -> Iterator[Finding]:
    """Dangerous grants in identity policies; parliament on every policy."""
    for source in identity_policies(context):
        if not source.administrative:
            yield from _grants(context, source)
        yield from _parliament(context, source)
    for source in service_control_policies(context):
        yield from _parliament(context, source)
    yield from _managed_policies(context)


def _grants(context: Context, source: PolicySource) -> Iterator[Finding]:
    who = (
        "roles cannot be administrative, so grant only what the workload needs"
        if source.kind == "role"
        else "narrow it, or mark every permission set that receives it "
        "administrative = true"
    )
    for index, statement in enumerate(statements(source.document)):
        found = _dangerous_grant(statement)
        if found is not None:
            rule, what = found
            yield context.finding(
                rule,
                source.key,
                f"{source.file}: {label(statement, index)} {what}; {who}",
            )


def _dangerous_grant(statement: Statement) -> tuple[Rule, str] | None:
    """The most dangerous grant of an Allow statement, and how to say it."""
    if statement.get("Effect") != "Allow":
        return None
    resources = strings(statement.get("Resource"))
    not_resource = "NotResource" in statement
    every_resource = not_resource or "*" in resources
    iam_resource = not_resource or any(_could_be_iam(r) for r in resources)
    if "NotAction" in statement:
        excluded = strings(statement["NotAction"])
        leaves_iam_in = not any(_matches_literal(ALL_IAM, p) for p in excluded)
        if leaves_iam_in and every_resource:
            return ADMIN_WILDCARD, (
                f"allows every action but {', '.join(excluded)} on every "
                "resource, IAM included"
            )
        if leaves_iam_in and iam_resource:
            return IAM_WILDCARD, "allows every IAM action (NotAction leaves IAM in)"
    else:
        actions = strings(statement.get("Action"))
        if every_resource and any(_matches_literal(ALL, a) for a in actions):
            return ADMIN_WILDCARD, "allows every action on every resource"
        broad = [a for a in actions if _matches_literal(ALL_IAM, a)]
        if iam_resource and broad:
            return IAM_WILDCARD, f"allows {broad[0]}, every IAM action"
    every_role = not_resource or any(_covers_every_role(r) for r in resources)
    if every_role and allows(statement, "iam:PassRole"):
        return PASSROLE_WILDCARD, "allows iam:PassRole on every role"
    return None


def _could_be_iam(resource: str) -> bool:
    """Whether a Resource pattern can match an IAM ARN."""
    prefix = re.split(r"[*?]", resource, maxsplit=1)[0].lower()
    if prefix == resource.lower():
        return prefix.startswith(IAM_ARN)
    return IAM_ARN.startswith(prefix) or prefix.startswith(IAM_ARN)


def _covers_every_role(resource: str) -> bool:
    """Whether a Resource pattern matches every role of an account, or more."""
    generic = re.sub(r"^arn:aws[\w-]*:iam::\d{12}:", "arn:aws:iam::*:", resource)
    return _matches_literal(EVERY_ROLE, generic)


def _matches_literal(text: str, pattern: str) -> bool:
    """Whether ``pattern`` matches ``text`` read literally, its ``*`` included.

    A pattern that matches the literal text ``iam:*`` matches every IAM
    action: its wildcards absorb whatever the ``*`` stands for.
    """
    regex = "".join(
        ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lower()
    )
    return re.fullmatch(regex, text.lower()) is not None


def _managed_policies(context: Context) -> Iterator[Finding]:
    org = context.org
    holders = [
        (f"permission_sets.{name}", p.managed_policy_arns, "permission set")
        for name, p in org.permission_sets.items()
        if not p.administrative
    ]
    holders += [
        (f"roles.{name}", r.managed_policy_arns, "role")
        for name, r in org.roles.items()
    ]
    for dotted, arns, what in holders:
        fix = (
            "roles cannot be administrative; attach a policy scoped to the workload"
            if what == "role"
            else "attach a narrower policy, or mark the permission set "
            "administrative = true"
        )
        for arn in arns:
            name = managed_policy_name(arn)
            rule = ADMIN_MANAGED.get(name)
            if rule is None or not arn.startswith(AWS_MANAGED):
                continue
            grants = (
                "every action on every resource"
                if rule is ADMIN_WILDCARD
                else "every IAM action"
            )
            yield context.finding(
                rule,
                f"{dotted}.managed_policies",
                f"attaches {name}, which grants {grants}, to a {what} that is not "
                f"administrative; {fix}",
            )


def _parliament(context: Context, source: PolicySource) -> Iterator[Finding]:
    for issue in iam.lint(policy_json(source.document), scp=source.kind == "scp"):
        rule = PARLIAMENT_RULES.get(issue.issue, PARLIAMENT_NOTICE)
        shown = ", ".join(issue.details[:3])
        more = len(issue.details) - 3
        if more > 0:
            shown += f" and {more} more"
        detail = f": {shown}" if shown else ""
        where = f"{source.file}: {issue.statement}" if issue.statement else source.file
        advice = PARLIAMENT_ADVICE.get(
            issue.issue, "fix the statement so that parliament accepts it"
        )
        yield context.finding(
            rule,
            source.key,
            f"{where}: {issue.title} (parliament {issue.issue}){detail}; {advice}",
        )
