"""Wording and arithmetic the report, diff and runbook share.

Everything here reads the resolved model only; the wording of sessions and
trusts is AWS's (role chaining, External ID), not Terraform's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from modules.resolve.model import Org, Role, Trust

ISO_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?")
ARN_ACCOUNT = re.compile(r"arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):")
ACCOUNT_ID = re.compile(r"\d{12}")
CHAINED_SESSION = 3600

TRUST_KINDS = {
    "role": "in-org role",
    "vendor": "vendor",
    "service": "AWS service",
    "roles_anywhere": "Roles Anywhere",
}


def seconds_of(duration: str) -> int:
    """``PT1H30M`` to 5400; the schema has already refused anything else."""
    match = ISO_DURATION.fullmatch(duration)
    if match is None:
        raise ValueError(f"{duration!r} is not an ISO-8601 duration such as PT1H")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def human_duration(seconds: int) -> str:
    """3600 to ``1 h``, 5400 to ``1 h 30 min``, 900 to ``15 min``."""
    hours, rest = divmod(seconds, 3600)
    minutes, rest = divmod(rest, 60)
    parts = [f"{hours} h"] if hours else []
    if minutes:
        parts.append(f"{minutes} min")
    if rest or not parts:
        parts.append(f"{rest} s")
    return " ".join(parts)


def account_of_principal(principal: str) -> str | None:
    """The 12-digit account of an IAM/STS ARN or bare account id, else None."""
    if ACCOUNT_ID.fullmatch(principal):
        return principal
    match = ARN_ACCOUNT.match(principal)
    return match.group(1) if match else None


def is_outside_org(org: Org, principal: str) -> bool:
    """Whether ``principal`` is an AWS principal in no account of ``org``.

    Service principals (``*.amazonaws.com``) are never outside the org: they
    act for the account that owns the role.
    """
    if principal.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return False
    account_id = account_of_principal(principal)
    if account_id is None:
        return True
    return org.account_by_id(account_id) is None


def caller_label(org: Org, trust: Trust, principal: str) -> str:
    """A caller as a reader names it: ``shared-tooling/codebuild-deploy``."""
    if trust.kind == "roles_anywhere":
        return f"certificates of trust anchor {trust.anchor}"
    if trust.kind == "service":
        return principal
    account_id = account_of_principal(principal)
    account = org.account_by_id(account_id) if account_id else None
    if trust.kind == "vendor":
        name = trust.vendor_name or "vendor"
        return f"{name} ({account_id})" if account_id else name
    if account is not None and ":role/" in principal:
        return f"{account.key}/{principal.split(':role/', 1)[1]}"
    return principal


def trust_conditions(org: Org, role: Role) -> list[str]:
    """What a caller must also satisfy to assume ``role``, in plain words."""
    trust = role.trust
    found: list[str] = []
    if trust.kind == "role":
        found.append(f"caller in organization {org.organization.id}")
    if trust.kind == "service":
        found.append("aws:SourceAccount is the role's own account")
        if trust.service_source_arn:
            found.append(f"aws:SourceArn like {trust.service_source_arn}")
    if trust.kind == "roles_anywhere":
        found.append(f"certificate issued under trust anchor {trust.anchor}")
        for attribute, values in trust.subjects.items():
            found.append(f"x509Subject/{attribute} in {', '.join(values)}")
    if role.external_id is not None:
        found.append("External ID required")
    if role.session_name is not None:
        found.append(f"session name like {role.session_name}")
    return found


@dataclass(frozen=True)
class Session:
    """How long a workload role's session can last, and why."""

    seconds: int
    reason: str


def role_session(org: Org, role: Role) -> Session:
    """The longest session a caller of ``role`` actually gets.

    An in-org caller is itself a role session, so the assumption is role
    chaining, which AWS caps at one hour whatever ``max_session_duration``
    says. A Roles Anywhere session lasts as long as the anchor's profile says.
    """
    trust = role.trust
    if trust.kind == "role":
        return Session(
            min(CHAINED_SESSION, role.max_session_duration),
            "role chaining caps a session assumed from another role at 1 h",
        )
    anchor = org.anchors.get(trust.anchor or "")
    if trust.kind == "roles_anywhere" and anchor is not None:
        profile = anchor.session_duration
        return Session(
            profile, f"the {trust.anchor} profile's duration_seconds sets the session"
        )
    if trust.kind == "vendor":
        return Session(
            role.max_session_duration,
            "max_session_duration; 1 h if the vendor calls from a role session "
            "(role chaining)",
        )
    return Session(role.max_session_duration, "max_session_duration")


def role_arn(account_id: str, role: Role) -> str:
    """The ARN ``role`` gets in the account ``account_id``."""
    return f"arn:aws:iam::{account_id}:role{role.path}{role.name}"


def md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipes, tags or line breaks."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
    )


Cell = str | list[str]


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> list[str]:
    """A GitHub Markdown table with every cell escaped.

    A cell given as a list of lines is joined with ``<br>`` after each line is
    escaped, so the line breaks survive and nothing else becomes markup.
    """
    lines = [
        "| " + " | ".join(md_cell(h) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    for row in rows:
        cells = [
            md_cell(c) if isinstance(c, str) else "<br>".join(map(md_cell, c))
            for c in row
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def plural(count: int, word: str) -> str:
    """``1 account``, ``2 accounts``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
