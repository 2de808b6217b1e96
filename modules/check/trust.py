"""Trust checks: who may assume each workload role, read from its trust policies.

Reads the built documents, so a resolver regression or hand-written trust is caught.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from modules.check.context import Context
from modules.check.documents import (
    Statement,
    changes_resources,
    conditions,
    is_account_root,
    is_read_only_managed,
    label,
    principal_account,
    principals,
    statements,
    strings,
)
from modules.check.findings import Finding, Rule
from modules.resolve.model import PolicyDocument, Role

TRUST_ACTIONS = ("sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity")
SOURCE_KEYS = frozenset({"aws:sourceaccount", "aws:sourcearn"})
EXTERNAL_ID_KEY = "sts:externalid"
SHORTEST_EXTERNAL_ID = 16
FEWEST_DISTINCT_CHARACTERS = 8
CHOSEN_WORDS = ("changeme", "example", "external", "password", "secret", "test")

WILDCARD_PRINCIPAL = Rule(
    "trust.wildcard-principal",
    "error",
    "A `*` principal lets every AWS account assume the role, held back only by "
    "conditions; a partial wildcard is refused by IAM at apply time.",
)
NOT_PRINCIPAL = Rule(
    "trust.not-principal",
    "error",
    "`NotPrincipal` trusts everyone it does not list; it has no safe use in a "
    "role trust policy.",
)
RESOURCE_IN_TRUST = Rule(
    "trust.resource",
    "error",
    "A trust policy governs the role itself: IAM refuses `Resource` or "
    "`NotResource` there, and one signals a policy written for another place.",
)
UNEXPECTED_ACTION = Rule(
    "trust.unexpected-action",
    "error",
    "A trust should grant only `sts:AssumeRole`, `sts:TagSession` and "
    "`sts:SetSourceIdentity`; wildcards, `NotAction` or SAML and web identity "
    "actions open other ways in.",
)
EXTERNAL_ID_OPERATOR = Rule(
    "trust.external-id-operator",
    "error",
    "Only `StringEquals` pins the External ID: `StringLike` accepts patterns "
    "and an `IfExists` operator accepts a caller that sends none.",
)
EXTERNAL_ID_VALUES = Rule(
    "trust.external-id-values",
    "error",
    "Several accepted External IDs let several tenants of the vendor have it "
    "assume the role, which is the confused deputy the External ID prevents.",
)
VENDOR_WITHOUT_EXTERNAL_ID = Rule(
    "trust.vendor-without-external-id",
    "error",
    "A principal outside the org trusted without `sts:ExternalId` can be "
    "steered by any other customer of that vendor into your accounts.",
)
ACCOUNT_ROOT = Rule(
    "trust.account-root",
    "error",
    "Trusting an in-org account's `:root` lets every role and user there that "
    "may call `sts:AssumeRole` in; trust the caller's role ARN instead.",
)
SSO_ROLE_ARN = Rule(
    "trust.sso-role-arn",
    "error",
    "An `AWSReservedSSO_…` role name ends in a suffix that changes when "
    "Identity Center re-provisions, silently breaking a trust that names it.",
)
SERVICE_WITHOUT_SOURCE = Rule(
    "trust.service-without-source",
    "error",
    "A service principal without `aws:SourceAccount` or `aws:SourceArn` can be "
    "made to act for another account's resources (cross-service confused "
    "deputy).",
)
SOURCE_ON_ROLE_PRINCIPAL = Rule(
    "trust.source-condition-on-role",
    "error",
    "`aws:SourceAccount` and `aws:SourceArn` exist only when a service calls "
    "on its own behalf; on a role or account principal they make the role "
    "unassumable.",
)
EXTERNAL_ID_SHORT = Rule(
    "trust.external-id-short",
    "warning",
    "A vendor External ID under 16 characters can be guessed; vendors issue "
    "long random values, often a UUID.",
)
EXTERNAL_ID_GUESSABLE = Rule(
    "trust.external-id-guessable",
    "warning",
    "A vendor External ID built from your own names, ids or a few repeated "
    "characters was chosen rather than issued, and another tenant can guess it.",
)
VENDOR_ROOT = Rule(
    "trust.vendor-root",
    "warning",
    "Trusting a vendor's whole account lets any principal there present the "
    "External ID; when the vendor documents the role it calls from, trust that "
    "role.",
)
MISSING_SESSION_NAME = Rule(
    "trust.missing-session-name",
    "warning",
    "Without an `sts:RoleSessionName` pattern a pipeline may name its session "
    "anything, so CloudTrail cannot tie a change to the commit that made it.",
)

RULES = (
    WILDCARD_PRINCIPAL,
    NOT_PRINCIPAL,
    RESOURCE_IN_TRUST,
    UNEXPECTED_ACTION,
    EXTERNAL_ID_OPERATOR,
    EXTERNAL_ID_VALUES,
    VENDOR_WITHOUT_EXTERNAL_ID,
    ACCOUNT_ROOT,
    SSO_ROLE_ARN,
    SERVICE_WITHOUT_SOURCE,
    SOURCE_ON_ROLE_PRINCIPAL,
    EXTERNAL_ID_SHORT,
    EXTERNAL_ID_GUESSABLE,
    VENDOR_ROOT,
    MISSING_SESSION_NAME,
)


def check(context: Context) -> Iterator[Finding]:
    """Judge every role's trust policy in every account, and its External ID."""
    for role in context.org.roles.values():
        for document in role.trust_policies.values():
            yield from _trust_policy(context, role, document)
        yield from _external_id(context, role)
        yield from _session_name(context, role)


def in_org_role_callers(context: Context, document: PolicyDocument) -> list[str]:
    """Role ARNs in this org's accounts that the trust policy lets assume it."""
    org_ids = {account.id for account in context.org.accounts.values()}
    return [
        value
        for statement in statements(document)
        if statement.get("Effect") == "Allow"
        for kind, value in principals(statement)
        if kind == "AWS" and ":role/" in value and principal_account(value) in org_ids
    ]


def _trust_policy(
    context: Context, role: Role, document: PolicyDocument
) -> Iterator[Finding]:
    trust_key = f"roles.{role.name}.trust.{role.trust.kind}"
    for index, statement in enumerate(statements(document)):
        where = label(statement, index)
        if "NotPrincipal" in statement:
            yield context.finding(
                NOT_PRINCIPAL,
                trust_key,
                f"{where} uses NotPrincipal, which trusts everyone it does not "
                "list; name who may assume the role in Principal",
            )
        if "Resource" in statement or "NotResource" in statement:
            yield context.finding(
                RESOURCE_IN_TRUST,
                trust_key,
                f"{where} has a Resource or NotResource element, which IAM "
                "refuses in a trust policy; remove it",
            )
        for _, value in principals(statement):
            if "*" in value or "?" in value:
                yield context.finding(
                    WILDCARD_PRINCIPAL,
                    trust_key,
                    f"{where} trusts the principal {value!r}; name exact "
                    "principals (a role ARN, the vendor's account or a service)",
                )
        if statement.get("Effect") == "Allow":
            yield from _allow_statement(context, role, statement, where, trust_key)


def _allow_statement(
    context: Context, role: Role, statement: Statement, where: str, trust_key: str
) -> Iterator[Finding]:
    dotted = f"roles.{role.name}"
    allowed = ", ".join(TRUST_ACTIONS)
    if "NotAction" in statement:
        yield context.finding(
            UNEXPECTED_ACTION,
            trust_key,
            f"{where} uses NotAction, which grants every action it does not "
            f"list; grant only {allowed}",
        )
    else:
        known = {action.lower() for action in TRUST_ACTIONS}
        extra = [a for a in strings(statement.get("Action")) if a.lower() not in known]
        if extra:
            yield context.finding(
                UNEXPECTED_ACTION,
                trust_key,
                f"{where} grants {', '.join(extra)}; a trust may grant only {allowed}",
            )

    found = conditions(statement)
    external_ids = [c for c in found if c.key.lower() == EXTERNAL_ID_KEY]
    for condition in external_ids:
        if condition.operator != "StringEquals":
            problem = (
                "which also lets in a caller that sends no External ID"
                if condition.operator.lower().endswith("ifexists")
                else "which accepts more than the exact value"
            )
            yield context.finding(
                EXTERNAL_ID_OPERATOR,
                f"{dotted}.external_id",
                f"{where} compares sts:ExternalId with {condition.operator}, "
                f"{problem}; compare it with StringEquals",
            )
        if len(condition.values) > 1:
            yield context.finding(
                EXTERNAL_ID_VALUES,
                f"{dotted}.external_id",
                f"{where} accepts {len(condition.values)} External IDs; accept "
                "exactly the one the vendor issued for this org",
            )

    keys = {condition.key.lower() for condition in found}
    aws = [value for kind, value in principals(statement) if kind == "AWS"]
    yield from _aws_principals(context, role, aws, where, trust_key)
    outside = [
        value
        for value in aws
        if (account := principal_account(value)) is not None
        and context.org.account_by_id(account) is None
    ]
    if outside and not external_ids:
        yield context.finding(
            VENDOR_WITHOUT_EXTERNAL_ID,
            f"{dotted}.external_id",
            f"{where} trusts {outside[0]}, outside the org, without an "
            "sts:ExternalId condition; set external_id to the value the vendor "
            "issued",
        )
    for condition in found:
        if condition.key.lower() == "aws:principalarn":
            yield from _sso_role_arns(context, condition.values, where, trust_key)
    if aws and keys & SOURCE_KEYS:
        yield context.finding(
            SOURCE_ON_ROLE_PRINCIPAL,
            trust_key,
            f"{where} tests aws:SourceAccount or aws:SourceArn on an AWS "
            "principal, which never sends them, so nobody can assume the role; "
            "remove the condition (pin callers with aws:PrincipalOrgID)",
        )
    for kind, value in principals(statement):
        if kind == "Service" and not keys & SOURCE_KEYS:
            yield context.finding(
                SERVICE_WITHOUT_SOURCE,
                trust_key,
                f"{where} trusts {value} without aws:SourceAccount or "
                "aws:SourceArn; pin the account (and, where the service sends "
                "it, the resource) the service acts for",
            )


def _aws_principals(
    context: Context, role: Role, aws: list[str], where: str, trust_key: str
) -> Iterator[Finding]:
    yield from _sso_role_arns(context, aws, where, trust_key)
    for value in aws:
        account_id = principal_account(value)
        if account_id is None or not is_account_root(value):
            continue
        account = context.org.account_by_id(account_id)
        if account is not None:
            yield context.finding(
                ACCOUNT_ROOT,
                trust_key,
                f"{where} trusts {value}, every principal of accounts."
                f"{account.key}; trust the caller's role instead, "
                f'trust.role = "{account.key}/<role path and name>"',
            )
        else:
            vendor = f" ({role.trust.vendor_name})" if role.trust.vendor_name else ""
            yield context.finding(
                VENDOR_ROOT,
                trust_key,
                f"{where} trusts the whole account {account_id}{vendor}; if the "
                "vendor documents the role it assumes from, set "
                "trust.vendor.role_arn to that role",
            )


def _sso_role_arns(
    context: Context, values: Iterable[str], where: str, trust_key: str
) -> Iterator[Finding]:
    for value in values:
        if "AWSReservedSSO_" in value and not re.search(r"[*?]", value):
            yield context.finding(
                SSO_ROLE_ARN,
                trust_key,
                f"{where} names the Identity Center role {value}, whose suffix "
                "changes when the permission set is re-provisioned; trust a "
                "workload role, or match aws:PrincipalArn with ArnLike and a "
                "wildcard suffix",
            )


def _external_id(context: Context, role: Role) -> Iterator[Finding]:
    if role.trust.kind != "vendor" or role.external_id is None:
        return
    key = f"roles.{role.name}.external_id"
    vendor = role.trust.vendor_name or "the vendor"
    value = role.external_id
    if len(value) < SHORTEST_EXTERNAL_ID:
        yield context.finding(
            EXTERNAL_ID_SHORT,
            key,
            f"is {len(value)} characters long; use the External ID {vendor} "
            "issues for this org (vendors issue long random values, often a "
            f"UUID), at least {SHORTEST_EXTERNAL_ID} characters",
        )
    reason = _chosen_not_issued(context, role, value)
    if reason is not None:
        yield context.finding(
            EXTERNAL_ID_GUESSABLE,
            key,
            f"{reason}, so it looks chosen rather than issued by {vendor} and "
            "another tenant could guess it; use the value the vendor issues",
        )


def _chosen_not_issued(context: Context, role: Role, value: str) -> str | None:
    """Why ``value`` looks chosen by this org rather than issued, if it does."""
    distinct = len(set(value.lower()))
    if distinct < FEWEST_DISTINCT_CHARACTERS:
        return f"uses only {distinct} distinct characters"
    org = context.org
    words = {org.organization.name, role.name, role.trust.vendor_name or ""}
    words.update(CHOSEN_WORDS)
    for account in org.accounts.values():
        words.add(account.id)
        words.update(re.split(r"[-_.]", account.key))
    lowered = value.lower()
    for word in sorted(w for w in words if len(w) >= 4):
        if word.lower() in lowered:
            return f"contains {word!r}"
    return None


def _session_name(context: Context, role: Role) -> Iterator[Finding]:
    if role.session_name is not None:
        return
    callers = sorted(
        {
            caller
            for document in role.trust_policies.values()
            for caller in in_org_role_callers(context, document)
        }
    )
    if not callers:
        return
    writes = (role.policy is not None and changes_resources(role.policy)) or any(
        not is_read_only_managed(arn) for arn in role.managed_policy_arns
    )
    if writes:
        yield context.finding(
            MISSING_SESSION_NAME,
            f"roles.{role.name}.session_name",
            f"is not set, yet {callers[0]} can change resources through this "
            'role; set session_name (for example "deploy-*") and have the '
            "caller name each session after its commit or run",
        )
