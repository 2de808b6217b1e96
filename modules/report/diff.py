"""Access changes between two catalogues, as Markdown for a pull request comment.

It compares resolved models, so a reordered or reworded catalogue that grants
the same access produces no change. Its HCL is for review, not for Terraform.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from modules.errors import CatalogueError, Problem
from modules.report._common import caller_label, is_outside_org, plural
from modules.report.hcl import HclBlock, canonical, org_blocks, write_hcl
from modules.resolve.model import Guardrail, GuardrailTarget, Org, Role, S3Backend
from modules.resolve.resolver import load_org

NO_CHANGES = "No access changes: both catalogues grant exactly the same access.\n"
OUTSIDE = "⚠ new principal outside the organization"
BLOCKS_PER_ADDRESS = 3

Change = Literal["added", "changed", "removed"]
ItemT = TypeVar("ItemT")


# Loading a catalogue at a git ref


def load_org_at(source: str, catalogue: Path) -> Org:
    """Load the org from ``source``: a catalogue file, or a git ref.

    A path to an existing file is loaded as it is. Anything else is taken as a
    git ref (branch, tag or commit) of the repository holding ``catalogue``:
    the catalogue's folder at that ref is extracted into a temporary folder
    and ``catalogue`` is loaded from there, so policy files outside that folder
    are not found. The returned org's file paths point into that folder, which
    no longer exists. Raises ``CatalogueError`` (file named ``<ref>:<path>``)
    when the catalogue at the ref is invalid, and ``ValueError`` naming the
    ref when it is not a ref or has no catalogue at that path.
    """
    if Path(source).is_file():
        return load_org(Path(source))
    if not source or source.startswith("-"):
        raise ValueError(f"{source!r} is neither a catalogue file nor a git ref")

    folder = catalogue.resolve().parent
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None:
        raise ValueError(
            f"{source!r} is not a catalogue file, and {folder} is in no git "
            "repository to read the ref from"
        )
    root = Path(top.decode().strip()).resolve()
    commit = _git(root, "rev-parse", "--verify", "--quiet", f"{source}^{{commit}}")
    if commit is None:
        raise ValueError(
            f"{source!r} is neither a catalogue file nor a git ref (branch, "
            f"tag or commit) of the repository {root}"
        )
    relative = catalogue.resolve().relative_to(root)
    where = relative.parent.as_posix()
    archive = _git(
        root, "archive", "--format=tar", commit.decode().strip(), "--", where
    )
    if archive is None:
        raise ValueError(f"git ref {source!r} has no folder {where!r}")

    with tempfile.TemporaryDirectory(prefix="org-access-") as temporary:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(temporary, filter="data")
        path = Path(temporary) / relative
        if not path.is_file():
            raise ValueError(f"git ref {source!r} has no catalogue at {relative}")
        try:
            return load_org(path)
        except CatalogueError as error:
            shown = f"{source}:{relative.as_posix()}"
            raise CatalogueError(
                Problem(shown, p.key, p.message) for p in error.problems
            ) from None


def _git(folder: Path, *arguments: str) -> bytes | None:
    """Run git in ``folder``; its standard output, or None when it fails."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *arguments],
            capture_output=True,
            check=False,
        )
    except FileNotFoundError as error:
        raise ValueError(
            "git is not installed; pass catalogue files instead"
        ) from error
    return done.stdout if done.returncode == 0 else None


# Comparing two models


def _split(
    base: Iterable[ItemT], head: Iterable[ItemT]
) -> tuple[list[ItemT], list[ItemT]]:
    """(only in head, only in base), each in the order given."""
    base_list, head_list = list(base), list(head)
    return (
        [item for item in head_list if item not in base_list],
        [item for item in base_list if item not in head_list],
    )


def _names(items: Sequence[str]) -> str:
    return ", ".join(items)


def _on(accounts: Sequence[str]) -> str:
    if len(accounts) == 1:
        return accounts[0]
    return f"{plural(len(accounts), 'account')}: {_names(accounts)}"


def _short_policy(arn: str) -> str:
    return arn.split(":policy/", 1)[-1]


def _changed_fields(
    label: str,
    base: object,
    head: object,
    fields: Sequence[tuple[str, str]],
    show: Callable[[object], str] = str,
) -> list[str]:
    lines = []
    for attribute, wording in fields:
        before, after = getattr(base, attribute), getattr(head, attribute)
        if before != after:
            lines.append(f"- {label}: {wording} {show(before)} → {show(after)}")
    return lines


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, S3Backend):
        return f"s3://{value.bucket}/{value.key_prefix} ({value.region})"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={_shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    return str(value)


@dataclass
class _Report:
    """Sections of the comment, filled one comparison at a time."""

    warnings: list[str]
    sections: dict[str, list[str]]

    def add(self, title: str, lines: Iterable[str]) -> None:
        found = list(lines)
        if found:
            self.sections.setdefault(title, []).extend(found)


def _access(base: Org, head: Org) -> list[str]:
    before = {(a.group, a.permission_set, a.account) for a in base.assignments}
    after = {(a.group, a.permission_set, a.account) for a in head.assignments}
    lines: list[str] = []
    for verb, found in (("gains", after - before), ("loses", before - after)):
        grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
        for group, permission_set, account in sorted(found):
            grouped[(group, permission_set)].append(account)
        lines += [
            f"- {group} {verb} {permission_set} on {_on(accounts)}"
            for (group, permission_set), accounts in grouped.items()
        ]
    return lines


def _groups(base: Org, head: Org) -> list[str]:
    added, removed = _split(base.groups, head.groups)
    lines = [
        f"- new group {g} (identity store group {head.groups[g].display_name})"
        for g in added
    ]
    lines += [f"- group {g} removed" for g in removed]
    for key in sorted(set(base.groups) & set(head.groups)):
        before, after = base.groups[key].display_name, head.groups[key].display_name
        if before != after:
            lines.append(
                f"- {key} now resolves to the identity store group {after} "
                f"(was {before}): its members get the access {key} holds"
            )
    return lines


def _permission_sets(base: Org, head: Org) -> list[str]:
    added, removed = _split(base.permission_sets, head.permission_sets)
    lines = []
    for name in added:
        permission_set = head.permission_sets[name]
        policies = [_short_policy(a) for a in permission_set.managed_policy_arns]
        policies += list(permission_set.customer_managed_policies)
        lines.append(
            f"- new permission set {name}: session "
            f"{permission_set.session_duration}, policies "
            f"{_names(policies) or '(none)'}"
            + (", inline policy" if permission_set.inline_policy else "")
            + (", administrative" if permission_set.administrative else "")
        )
    lines += [f"- permission set {name} removed" for name in removed]
    for name in sorted(set(base.permission_sets) & set(head.permission_sets)):
        before, after = base.permission_sets[name], head.permission_sets[name]
        lines += _changed_fields(
            name,
            before,
            after,
            [
                ("session_duration", "session duration"),
                ("relay_state", "relay state"),
                ("administrative", "administrative"),
            ],
            _shown,
        )
        gained, lost = _split(
            map(_short_policy, before.managed_policy_arns),
            map(_short_policy, after.managed_policy_arns),
        )
        gained_own, lost_own = _split(
            before.customer_managed_policies, after.customer_managed_policies
        )
        gained += [f"{p} (customer-managed)" for p in gained_own]
        lost += [f"{p} (customer-managed)" for p in lost_own]
        if gained:
            lines.append(f"- {name}: adds the policies {_names(gained)}")
        if lost:
            lines.append(f"- {name}: removes the policies {_names(lost)}")
        if before.inline_policy != after.inline_policy:
            change = (
                "added"
                if before.inline_policy is None
                else "removed"
                if after.inline_policy is None
                else "changed"
            )
            lines.append(f"- {name}: inline policy {change}")
        if before.permissions_boundary != after.permissions_boundary:
            lines.append(
                f"- {name}: permissions boundary "
                f"{_boundary(before.permissions_boundary)} → "
                f"{_boundary(after.permissions_boundary)}"
            )
        if before.description != after.description:
            lines.append(f"- {name}: description changed")
        if before.tags != after.tags:
            lines.append(f"- {name}: tags {_shown(before.tags)} → {_shown(after.tags)}")
    return lines


def _boundary(boundary: object) -> str:
    if boundary is None:
        return "(none)"
    managed = getattr(boundary, "managed_policy_arn", None)
    if managed:
        return _short_policy(managed)
    return f"{getattr(boundary, 'customer_managed', '')} (customer-managed)"


def _policies(base: Org, head: Org) -> list[str]:
    added, removed = _split(base.policies, head.policies)
    lines = [f"- new customer-managed policy {key}" for key in added]
    lines += [f"- customer-managed policy {key} removed" for key in removed]
    for key in sorted(set(base.policies) & set(head.policies)):
        before, after = base.policies[key], head.policies[key]
        if before.document != after.document:
            lines.append(f"- customer-managed policy {key}: document changed")
        if (before.name, before.path) != (after.name, after.path):
            lines.append(
                f"- customer-managed policy {key}: {before.path}{before.name} "
                f"→ {after.path}{after.name}"
            )
    placed: dict[tuple[str, str], list[str]] = defaultdict(list)
    for account in sorted(set(base.accounts) | set(head.accounts)):
        before_keys = base.customer_managed_policies_in(account)
        after_keys = head.customer_managed_policies_in(account)
        gained, lost = _split(before_keys, after_keys)
        for key in gained:
            placed[(key, "now also created in")].append(account)
        for key in lost:
            placed[(key, "no longer needed in")].append(account)
    lines += [
        f"- {key} {wording} {_on(accounts)}"
        for (key, wording), accounts in sorted(placed.items())
    ]
    return lines


def _outside_principals(base: Org, head: Org) -> list[str]:
    """A warning for each principal outside the org that head newly trusts."""
    warnings = []
    for name, role in head.roles.items():
        known = set(base.roles[name].trust.principals) if name in base.roles else set()
        vendor = f" ({role.trust.vendor_name})" if role.trust.vendor_name else ""
        for principal in role.trust.principals:
            if principal not in known and is_outside_org(head, principal):
                where = (
                    role.accounts[0]
                    if len(role.accounts) == 1
                    else plural(len(role.accounts), "account")
                )
                warnings.append(
                    f"{OUTSIDE}: `{principal}`{vendor} may assume {name} in {where}"
                )
    return warnings


def _roles(base: Org, head: Org) -> list[str]:
    added, removed = _split(base.roles, head.roles)
    lines = []
    for name in added:
        role = head.roles[name]
        callers = [caller_label(head, role.trust, p) for p in role.trust.principals]
        lines.append(
            f"- new role {name} ({role.trust.kind} trust: {_names(callers)}) "
            f"in {_on(list(role.accounts))}"
        )
    lines += [
        f"- role {name} removed from {_on(list(base.roles[name].accounts))}"
        for name in removed
    ]
    for name in sorted(set(base.roles) & set(head.roles)):
        lines += _role_changes(base, head, base.roles[name], head.roles[name])
    return lines


def _role_changes(base: Org, head: Org, before: Role, after: Role) -> list[str]:
    name = after.name
    lines = []
    gained, lost = _split(before.accounts, after.accounts)
    if gained:
        lines.append(f"- {name}: now also in {_on(gained)}")
    if lost:
        lines.append(f"- {name}: no longer in {_on(lost)}")
    if before.trust.kind != after.trust.kind:
        lines.append(f"- {name}: trust kind {before.trust.kind} → {after.trust.kind}")
    trusted, untrusted = _split(before.trust.principals, after.trust.principals)
    for principal in trusted:
        outside = (
            " (⚠ outside the organization)" if is_outside_org(head, principal) else ""
        )
        lines.append(
            f"- {name}: trusts {caller_label(head, after.trust, principal)}{outside}"
        )
    for principal in untrusted:
        lines.append(
            f"- {name}: no longer trusts {caller_label(base, before.trust, principal)}"
        )
    if before.trust.subjects != after.trust.subjects:
        lines.append(
            f"- {name}: certificate subjects {_shown(before.trust.subjects)} → "
            f"{_shown(after.trust.subjects)}"
        )
    if before.external_id != after.external_id:
        if after.external_id is None:
            lines.append(f"- {name}: ⚠ External ID no longer required")
        elif before.external_id is None:
            lines.append(f"- {name}: External ID now required")
        else:
            lines.append(
                f"- {name}: External ID changed (callers must send the new one)"
            )
    lines += _changed_fields(
        name,
        before,
        after,
        [
            ("session_name", "session name pattern"),
            ("max_session_duration", "max_session_duration"),
            ("path", "path"),
            ("permissions_boundary_arn", "permissions boundary"),
        ],
        _shown,
    )
    if before.policy != after.policy:
        lines.append(f"- {name}: permissions policy changed")
    gained_policies, lost_policies = _split(
        before.managed_policy_arns, after.managed_policy_arns
    )
    if gained_policies:
        policies = _names([_short_policy(p) for p in gained_policies])
        lines.append(f"- {name}: adds the managed policies {policies}")
    if lost_policies:
        policies = _names([_short_policy(p) for p in lost_policies])
        lines.append(f"- {name}: removes the managed policies {policies}")
    if before.description != after.description:
        lines.append(f"- {name}: description changed")
    if before.tags != after.tags:
        lines.append(f"- {name}: tags {_shown(before.tags)} → {_shown(after.tags)}")
    return lines


def _anchors(base: Org, head: Org) -> list[str]:
    added, removed = _split(base.anchors, head.anchors)
    lines = [f"- new trust anchor {key}" for key in added]
    lines += [f"- trust anchor {key} removed" for key in removed]
    for key in sorted(set(base.anchors) & set(head.anchors)):
        before, after = base.anchors[key], head.anchors[key]
        if (before.acm_pca_arn, before.certificate_bundle) != (
            after.acm_pca_arn,
            after.certificate_bundle,
        ):
            lines.append(f"- trust anchor {key}: certificate source changed")
        if before.session_duration != after.session_duration:
            lines.append(
                f"- trust anchor {key}: session {before.session_duration} s → "
                f"{after.session_duration} s"
            )
    return lines


def _target(target: GuardrailTarget) -> str:
    if target.kind == "root":
        return f"the root ({target.target_id})"
    kind = "OU" if target.kind == "ou" else "account"
    return f"{kind} {target.name} ({target.target_id})"


def _guardrails(base: Org, head: Org) -> list[str]:
    added, removed = _split(base.guardrails, head.guardrails)
    lines = [
        f"- new guardrail {key}, attached to "
        f"{_names([_target(t) for t in head.guardrails[key].targets])}"
        for key in added
    ]
    lines += [
        f"- guardrail {key} removed from "
        f"{_names([_target(t) for t in base.guardrails[key].targets])}"
        for key in removed
    ]
    for key in sorted(set(base.guardrails) & set(head.guardrails)):
        lines += _guardrail_changes(base.guardrails[key], head.guardrails[key])
    return lines


def _guardrail_changes(before: Guardrail, after: Guardrail) -> list[str]:
    key = after.key
    lines = []
    attached, detached = _split(before.targets, after.targets)
    if attached:
        lines.append(
            f"- {key} now attaches to {_names([_target(t) for t in attached])}"
        )
    if detached:
        lines.append(
            f"- {key} no longer attaches to {_names([_target(t) for t in detached])}"
        )
    if before.document != after.document:
        lines.append(
            f"- {key}: policy changed, applies to "
            f"{_names([_target(t) for t in after.targets])}"
        )
    if before.description != after.description:
        lines.append(f"- {key}: description changed")
    return lines


def _accounts(base: Org, head: Org) -> list[str]:
    added, removed = _split(base.accounts, head.accounts)
    lines = [
        f"- new account {key} ({head.accounts[key].id}, "
        f"OU {head.accounts[key].ou or '(root)'})"
        for key in added
    ]
    lines += [
        f"- account {key} removed from the catalogue: its workspace disappears "
        "while its state still holds resources; mark it decommissioned instead "
        "and apply before removing it"
        for key in removed
    ]
    for key in sorted(set(base.accounts) & set(head.accounts)):
        before, after = base.accounts[key], head.accounts[key]
        if before.decommissioned != after.decommissioned:
            lines.append(
                f"- {key} is "
                + ("decommissioned" if after.decommissioned else "active again")
            )
        lines += _changed_fields(
            key,
            before,
            after,
            [("id", "id"), ("ou", "OU"), ("tags", "tags"), ("email", "email")],
            _shown,
        )
    return lines


def _organization(base: Org, head: Org) -> list[str]:
    lines = _changed_fields(
        "organization",
        base.organization,
        head.organization,
        [
            ("name", "name"),
            ("id", "id"),
            ("root_id", "root id"),
            ("home_region", "home region"),
            ("management_account", "management account"),
            ("identity_center_account", "Identity Center account"),
            ("execution_role", "execution role"),
            ("management_role", "management role"),
            ("tags", "tags"),
        ],
        _shown,
    )
    if base.backend != head.backend:
        lines.append(
            f"- state backend {_shown(base.backend)} → {_shown(head.backend)}: "
            "run `terraform init -migrate-state` in every workspace"
        )
    return lines


def _legacy(base: Org, head: Org) -> list[str]:
    added, removed = _split(base.legacy_iam_users, head.legacy_iam_users)
    lines = [
        f"- legacy IAM user {name} listed, to retire by "
        f"{head.legacy_iam_users[name].retire_by.isoformat()}"
        for name in added
    ]
    lines += [
        f"- legacy IAM user {name} no longer listed (retired)" for name in removed
    ]
    for name in sorted(set(base.legacy_iam_users) & set(head.legacy_iam_users)):
        lines += _changed_fields(
            f"legacy IAM user {name}",
            base.legacy_iam_users[name],
            head.legacy_iam_users[name],
            [("retire_by", "retire by"), ("replaced_by", "replaced by")],
            _shown,
        )
    return lines


# Terraform blocks and workspaces


@dataclass(frozen=True)
class BlockChange:
    """One block added, changed or removed, in the workspaces listed."""

    change: Change
    block: HclBlock
    workspaces: tuple[str, ...]


def block_changes(base: Org, head: Org) -> list[BlockChange]:
    """Blocks that differ between the two orgs, identical changes merged.

    The same change to the same address in several workspaces (a role's trust
    in every account, say) is one entry listing those workspaces. Added and
    changed entries carry the head's block, removed ones the base's.
    """
    before = {b.identity: b for b in org_blocks(base)}
    after = {b.identity: b for b in org_blocks(head)}
    merged: dict[tuple[Change, str, str, tuple[str, ...], str], list[HclBlock]] = {}

    def note(change: Change, block: HclBlock) -> None:
        key = (change, block.kind, block.type, block.key, canonical(block.body))
        merged.setdefault(key, []).append(block)

    for identity, block in after.items():
        old = before.get(identity)
        if old is None:
            note("added", block)
        elif canonical(old.body) != canonical(block.body):
            note("changed", block)
    for identity, block in before.items():
        if identity not in after:
            note("removed", block)
    return [
        BlockChange(key[0], blocks[0], tuple(b.workspace for b in blocks))
        for key, blocks in merged.items()
    ]


def touched_workspaces(base: Org, head: Org) -> tuple[str, ...]:
    """Workspaces whose Terraform changes, in head's first-apply order.

    A workspace that only base has (an account removed from the catalogue)
    comes last. Organization settings reach every workspace's provider block,
    so changing them touches all of them.
    """
    touched = {w for change in block_changes(base, head) for w in change.workspaces}
    if base.backend != head.backend:
        touched |= {w.name for w in base.workspaces()} | {
            w.name for w in head.workspaces()
        }
    order = [w.name for w in head.workspaces()]
    order += [w.name for w in base.workspaces() if w.name not in order]
    return tuple(name for name in order if name in touched)


def _hcl_section(changes: list[BlockChange], order: Sequence[str]) -> list[str]:
    rank = {name: index for index, name in enumerate(order)}
    changes = sorted(
        changes,
        key=lambda c: (
            min(rank.get(w, len(rank)) for w in c.workspaces),
            c.block.address,
            ("added", "changed", "removed").index(c.change),
        ),
    )
    lines: list[str] = []
    shown: dict[tuple[str, str], int] = defaultdict(int)
    hidden: dict[tuple[str, str], list[str]] = defaultdict(list)
    removed: list[str] = []
    for change in changes:
        where = _where(change.workspaces)
        if change.change == "removed":
            removed.append(f"- `{change.block.address}` in {where}")
            continue
        slot = (change.change, change.block.address)
        if shown[slot] >= BLOCKS_PER_ADDRESS:
            hidden[slot] += change.workspaces
            continue
        shown[slot] += 1
        lines += [
            f"**{change.change}** `{change.block.address}` in {where}:",
            "",
            "```hcl",
            write_hcl([change.block]).rstrip("\n"),
            "```",
            "",
        ]
    for (change_kind, address), workspaces in hidden.items():
        lines += [
            f"… and `{address}` {change_kind} likewise, with values of its "
            f"own, in {_where(tuple(workspaces))}.",
            "",
        ]
    if removed:
        lines += ["**destroyed**:", "", *removed, ""]
    return lines


def _where(workspaces: Sequence[str]) -> str:
    if len(workspaces) == 1:
        return f"`{workspaces[0]}`"
    listed = ", ".join(f"`{w}`" for w in workspaces)
    return f"{len(workspaces)} workspaces ({listed})"


# The comment


def render_diff(base: Org, head: Org) -> str:
    """Markdown for a pull request comment on the access ``head`` changes.

    Sections appear only when they have content: principals outside the org
    newly trusted (first, as a warning), access granted and revoked, groups,
    permission sets, customer-managed policies, workload roles, trust
    anchors, guardrails, accounts, organization settings, legacy IAM users,
    the workspaces to plan and the changed Terraform as HCL. Identical
    catalogues give ``NO_CHANGES`` and nothing else.
    """
    report = _Report(warnings=_outside_principals(base, head), sections={})
    report.add("Access granted and revoked", _access(base, head))
    report.add("Groups", _groups(base, head))
    report.add("Permission sets", _permission_sets(base, head))
    report.add("Customer-managed policies", _policies(base, head))
    report.add("Workload roles", _roles(base, head))
    report.add("Roles Anywhere trust anchors", _anchors(base, head))
    report.add("Guardrails (SCPs)", _guardrails(base, head))
    report.add("Accounts", _accounts(base, head))
    report.add("Organization", _organization(base, head))
    report.add("Legacy IAM users", _legacy(base, head))
    changes = block_changes(base, head)
    workspaces = touched_workspaces(base, head)
    if not report.warnings and not report.sections and not changes and not workspaces:
        return NO_CHANGES

    lines = ["## org-access: access changes", ""]
    if report.warnings:
        lines += ["> [!WARNING]"]
        lines += [f"> {warning}  " for warning in report.warnings]
        lines.append("")
    for title, found in report.sections.items():
        lines += [f"### {title}", "", *found, ""]
    lines += ["### Workspaces touched", ""]
    if workspaces:
        lines += [
            f"Plan and apply only these {plural(len(workspaces), 'workspace')}, "
            "in this order:",
            "",
            "```text",
            *workspaces,
            "```",
            "",
        ]
    else:
        lines += ["None: the Terraform is unchanged.", ""]
    if changes:
        order = [w.name for w in head.workspaces()] + [
            w.name for w in base.workspaces()
        ]
        lines += [
            "<details><summary>Terraform of the changed resources (HCL)</summary>",
            "",
            "Written from the catalogue for review; resource labels come from "
            "catalogue keys and can differ from the addresses in the plan.",
            "",
            *_hcl_section(changes, order),
            "</details>",
            "",
        ]
    return "\n".join(lines)
