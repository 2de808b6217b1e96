"""Reading policy documents as data: statements, principals, conditions, sizes.

Lenient by design: a malformed document is read less, never raises.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from modules.check.context import Context
from modules.check.iam import READ_LEVELS, access_levels
from modules.resolve.model import PolicyDocument, policy_json

Statement = Mapping[str, Any]
PolicyKind = Literal["inline", "customer-managed", "role", "scp"]

ACCOUNT_IN_PRINCIPAL = re.compile(r"(?:arn:aws[\w-]*:(?:iam|sts)::)?(\d{12})(?::.*)?")
READ_ONLY_MANAGED = re.compile(r"ReadOnly|ViewOnly|SecurityAudit", re.IGNORECASE)


@dataclass(frozen=True)
class Condition:
    """One condition key under one operator, its values as strings."""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class PolicySource:
    """A policy document as the catalogue names it.

    ``key`` is the dotted catalogue key the document came from and ``file``
    the policy file relative to the catalogue (``built-in policy`` when the
    resolver wrote it). ``administrative`` is true when only permission sets
    marked ``administrative = true`` receive the document.
    """

    key: str
    kind: PolicyKind
    document: PolicyDocument
    file: str
    administrative: bool = False


def statements(document: Mapping[str, Any]) -> list[Statement]:
    """The statements of ``document``, whether ``Statement`` is one or a list."""
    given = document.get("Statement", [])
    found = given if isinstance(given, list) else [given]
    return [s for s in found if isinstance(s, Mapping)]


def strings(value: Any) -> list[str]:
    """One string or a list of them as a list; other values as their text."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)]


def label(statement: Statement, index: int) -> str:
    """How a message names a statement: by Sid, else by position from 1."""
    sid = statement.get("Sid")
    return f"statement {sid!r}" if sid else f"statement {index + 1}"


def conditions(statement: Statement) -> list[Condition]:
    """Every operator and key of the statement's ``Condition`` block."""
    block = statement.get("Condition")
    if not isinstance(block, Mapping):
        return []
    found: list[Condition] = []
    for operator, keys in block.items():
        if not isinstance(keys, Mapping):
            continue
        for key, values in keys.items():
            found.append(Condition(str(operator), str(key), tuple(strings(values))))
    return found


def principals(
    statement: Statement, element: str = "Principal"
) -> list[tuple[str, str]]:
    """``(type, value)`` pairs of a principal element; ``"*"`` is ``("*", "*")``."""
    given = statement.get(element)
    if given is None:
        return []
    if not isinstance(given, Mapping):
        return [("*", value) for value in strings(given)]
    return [
        (str(kind), value)
        for kind, values in given.items()
        for value in strings(values)
    ]


def principal_account(principal: str) -> str | None:
    """The account id an AWS principal (ARN or bare id) belongs to, if any."""
    match = ACCOUNT_IN_PRINCIPAL.fullmatch(principal)
    return match.group(1) if match else None


def is_account_root(principal: str) -> bool:
    """Whether an AWS principal names a whole account rather than a role."""
    return bool(re.fullmatch(r"\d{12}", principal)) or principal.endswith(":root")


def matches(pattern: str, value: str) -> bool:
    """IAM wildcard matching (``*`` and ``?``), ignoring case."""
    return fnmatch.fnmatchcase(value.lower(), pattern.lower())


def allows(statement: Statement, action: str) -> bool:
    """Whether an Allow statement's Action or NotAction lets ``action`` through."""
    if statement.get("Effect") != "Allow":
        return False
    if "NotAction" in statement:
        return not any(matches(p, action) for p in strings(statement["NotAction"]))
    return any(matches(p, action) for p in strings(statement.get("Action")))


def changes_resources(document: Mapping[str, Any]) -> bool:
    """Whether any Allow statement grants an action beyond Read and List.

    A NotAction allow counts as changing resources; access levels come from
    parliament's IAM data, so an action it does not know counts as nothing.
    """
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            return True
        for pattern in strings(statement.get("Action")):
            if access_levels(pattern) - READ_LEVELS:
                return True
    return False


def managed_policy_name(arn: str) -> str:
    """``arn:aws:iam::aws:policy/job-function/X`` to ``job-function/X``."""
    return arn.split(":policy/", 1)[-1]


def is_read_only_managed(arn: str) -> bool:
    """Whether an AWS managed policy is, by its name, read-only."""
    return bool(READ_ONLY_MANAGED.search(managed_policy_name(arn)))


def size(document: Mapping[str, Any]) -> int:
    """Characters of the policy as synthesis writes it (sorted keys, compact)."""
    return len(policy_json(document))


def iam_size(document: Mapping[str, Any]) -> int:
    """Characters IAM counts against its limits: all but whitespace."""
    return sum(not c.isspace() for c in policy_json(document))


def identity_policies(context: Context) -> Iterator[PolicySource]:
    """Every identity policy the catalogue writes, with its catalogue key.

    Permission set inline policies, customer-managed policies and role
    policies. A customer-managed policy counts as administrative when no
    permission set that is not administrative attaches it (as a boundary it
    grants nothing, so a boundary does not count as attaching).
    """
    org = context.org
    for name, permission_set in org.permission_sets.items():
        if permission_set.inline_policy is not None:
            yield PolicySource(
                key=f"permission_sets.{name}.inline_policy",
                kind="inline",
                document=permission_set.inline_policy,
                file=context.source(permission_set.inline_policy_source),
                administrative=permission_set.administrative,
            )
    for key, policy in org.policies.items():
        attached_by = [
            p
            for p in org.permission_sets.values()
            if key in p.customer_managed_policies
        ]
        yield PolicySource(
            key=f"policies.{key}.document",
            kind="customer-managed",
            document=policy.document,
            file=context.source(policy.source),
            administrative=all(p.administrative for p in attached_by),
        )
    for name, role in org.roles.items():
        if role.policy is not None:
            yield PolicySource(
                key=f"roles.{name}.policy",
                kind="role",
                document=role.policy,
                file=context.source(role.policy_source),
            )


def service_control_policies(context: Context) -> Iterator[PolicySource]:
    """Every guardrail's SCP, keyed by its file or, when built in, the guardrail."""
    for key, guardrail in context.org.guardrails.items():
        yield PolicySource(
            key=guardrail_key(key, guardrail.source is not None),
            kind="scp",
            document=guardrail.document,
            file=context.source(guardrail.source),
        )


def guardrail_key(key: str, from_file: bool) -> str:
    """``guardrails.X.document`` for an SCP file, ``guardrails.X`` for a built-in."""
    return f"guardrails.{key}.document" if from_file else f"guardrails.{key}"
