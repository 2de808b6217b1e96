"""Parliament's IAM data and linter: action access levels and policy defects.

As current as parliament 1.6.4: actions AWS added since then read as unknown.
"""

from __future__ import annotations

import fnmatch
import functools
import gc
import importlib.resources
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, cast


def _import_parliament() -> ModuleType:
    """Import parliament without paying for ``pkg_resources``.

    parliament 1.6.4 uses ``pkg_resources`` only to find its two data files,
    and importing it costs about 0.15 s (a fifth of ``check``) and warns that
    it is deprecated. A stand-in with that one function serves the import and
    is removed afterwards, so any later ``import pkg_resources`` gets the real
    module. Loading its 10 MB of IAM data makes millions of objects that live
    as long as the process; the collector is paused while they are made and
    then told to leave them alone (``gc.freeze``), which saves a third of
    ``check``'s time.
    """
    if "pkg_resources" in sys.modules:
        import parliament as imported

        return cast(ModuleType, imported)
    stand_in = ModuleType("pkg_resources")
    stand_in.resource_filename = _resource_filename  # type: ignore[attr-defined]  # the one function parliament calls
    sys.modules["pkg_resources"] = stand_in
    gc.disable()
    try:
        import parliament as imported
    finally:
        del sys.modules["pkg_resources"]
        gc.freeze()
        gc.enable()
    return cast(ModuleType, imported)


def _resource_filename(package: str, name: str) -> str:
    return str(importlib.resources.files(package) / name)


parliament = _import_parliament()

READ_LEVELS = frozenset({"Read", "List"})

# Least-privilege advice rather than defects; the dangerous wildcards are
# judged by the policy.* rules instead.
ADVICE = frozenset({"RESOURCE_STAR", "RESOURCE_EFFECTIVELY_STAR"})

# parliament expands NotAction as if it were Action, so on a NotAction
# statement it matches resources and condition keys against the actions the
# statement excludes: both findings are meaningless there.
NOT_ACTION_FALSE_POSITIVES = frozenset(
    {"RESOURCE_MISMATCH", "UNKNOWN_CONDITION_FOR_ACTION"}
)

# An SCP grants nothing, so parliament's privilege-escalation pattern, which
# reads Allow statements as grants, does not apply to it.
SCP_FALSE_POSITIVES = frozenset({"RESOURCE_POLICY_PRIVILEGE_ESCALATION"})

WHOLE_POLICY = ""


@dataclass(frozen=True)
class LintIssue:
    """One kind of parliament finding in one statement, details merged.

    ``statement`` is "statement 'Sid'" or "statement 2", empty for the whole
    policy; ``details`` leave out parliament's repetition of ``title``.
    """

    issue: str
    title: str
    statement: str
    details: tuple[str, ...]


@functools.cache
def _access_levels_by_service() -> Mapping[str, Mapping[str, str]]:
    """Service prefix to lower-case action name to access level."""
    services: dict[str, dict[str, str]] = {}
    for service in parliament.iam_definition:
        actions = services.setdefault(service["prefix"], {})
        for privilege in service["privileges"]:
            actions[privilege["privilege"].lower()] = privilege["access_level"]
    return services


@functools.lru_cache(maxsize=4096)
def access_levels(pattern: str) -> frozenset[str]:
    """The access levels (Read, List, Write, ...) of the actions ``pattern`` names.

    ``pattern`` is an IAM action such as ``s3:GetObject``, ``s3:Get*`` or
    ``*``, matched without regard to case. An action parliament does not know
    matches nothing and yields the empty set.
    """
    pattern = pattern.lower()
    prefix, _, name = ("*:*" if pattern == "*" else pattern).partition(":")
    by_service = _access_levels_by_service()
    if _is_wildcard(prefix):
        services = [a for p, a in by_service.items() if fnmatch.fnmatchcase(p, prefix)]
    else:
        services = [by_service[prefix]] if prefix in by_service else []
    found: set[str] = set()
    for actions in services:
        if not _is_wildcard(name):
            found.update([actions[name]] if name in actions else [])
            continue
        found.update(
            level
            for action, level in actions.items()
            if fnmatch.fnmatchcase(action, name)
        )
    return frozenset(found)


def _is_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


@functools.lru_cache(maxsize=256)
def lint(document_json: str, *, scp: bool) -> tuple[LintIssue, ...]:
    """Run parliament on one policy; issues grouped by statement and kind.

    ``document_json`` is the policy as synthesis writes it. For an SCP
    (``scp=True``) kinds that only make sense for identity policies are
    dropped; see the constants above for which kinds are dropped and why.
    Results are cached by text, so ``synth`` checking again costs nothing.
    """
    try:
        policy = parliament.analyze_policy_string(
            document_json, ignore_private_auditors=True
        )
    except Exception as error:  # parliament raises bare Exception on odd ARNs
        return (_issue("EXCEPTION", WHOLE_POLICY, [str(error)]),)

    grouped: dict[tuple[str, str], list[str]] = {}
    seen: set[int] = set()
    for index, statement in enumerate(policy.statements):
        label = _label(statement.sid, index)
        not_action = "NotAction" in statement.stmt
        for finding in statement.findings:
            seen.add(id(finding))
            if _ignored(finding.issue, scp=scp, not_action=not_action):
                continue
            grouped.setdefault((label, finding.issue), []).extend(
                _details(finding.detail)
            )
    for finding in policy.findings:
        if id(finding) in seen or _ignored(finding.issue, scp=scp, not_action=False):
            continue
        grouped.setdefault((WHOLE_POLICY, finding.issue), []).extend(
            _details(finding.detail)
        )
    return tuple(
        _issue(issue, label, details) for (label, issue), details in grouped.items()
    )


def _ignored(issue: str, *, scp: bool, not_action: bool) -> bool:
    if issue in ADVICE:
        return True
    if not_action and issue in NOT_ACTION_FALSE_POSITIVES:
        return True
    return scp and issue in SCP_FALSE_POSITIVES


def _issue(issue: str, statement: str, details: list[str]) -> LintIssue:
    title = str(parliament.config.get(issue, {}).get("title", issue)).strip(" .")
    shortened = (
        d[len(title) :].strip(" :") if d.lower().startswith(title.lower()) else d
        for d in details
    )
    return LintIssue(
        issue=issue,
        title=title,
        statement=statement,
        details=tuple(dict.fromkeys(d for d in shortened if d)),
    )


def _label(sid: Any, index: int) -> str:
    return f"statement {sid!r}" if sid else f"statement {index + 1}"


def _details(detail: Any) -> list[str]:
    """parliament's detail (text, list of actions or of dicts) as short lines."""
    if detail is None or detail == "":
        return []
    if isinstance(detail, list):
        lines: list[str] = []
        for item in detail:
            if isinstance(item, dict) and "action" in item:
                lines.append(
                    f"{item['action']} needs a resource like "
                    f"{item.get('required_format', '*')}"
                )
            else:
                lines.append(str(item))
        return lines
    return [str(detail)]
