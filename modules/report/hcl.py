"""The Terraform resources a catalogue implies, as plain data and as HCL text.

Blocks are built from the model for people to review, not for Terraform to
run: labels derive from catalogue keys and need not equal the logical ids
that ``synth`` writes. Nothing here imports the AWS provider bindings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import hcl2

from modules.resolve.model import (
    Account,
    AnchorArn,
    Org,
    PermissionSet,
    PolicyDocument,
    Role,
    RolesAnywhereAnchor,
)

INSTANCE_ARN = "tolist(data.aws_ssoadmin_instances.this.arns)[0]"
IDENTITY_STORE_ID = "tolist(data.aws_ssoadmin_instances.this.identity_store_ids)[0]"
HEREDOC = "EOT"
# Private-use characters stand for an anchor ARN while a policy is serialized.
ANCHOR_OPEN, ANCHOR_CLOSE = "\ue000", "\ue001"

BlockKind = Literal["resource", "data", "provider"]


@dataclass(frozen=True)
class Reference:
    """A Terraform expression written bare, such as ``aws_iam_role.x.arn``."""

    expression: str


@dataclass(frozen=True)
class JsonDocument:
    """A policy document, written as pretty-printed JSON in a heredoc.

    ``AnchorArn`` markers in it become an interpolation of the trust anchor
    resource of the same workspace.
    """

    document: PolicyDocument


@dataclass(frozen=True)
class NestedBlock:
    """A nested block, such as ``customer_managed_policy_reference { ... }``."""

    body: Mapping[str, HclValue]


HclValue: TypeAlias = (
    "str | int | bool | Reference | JsonDocument | NestedBlock "
    "| list[HclValue] | dict[str, HclValue]"
)


@dataclass(frozen=True)
class HclBlock:
    """One top-level block of one workspace, with the catalogue keys it came from.

    ``key`` identifies the block across two catalogues (labels are sanitized,
    keys are not); ``name`` is its label, empty for a provider block.
    """

    workspace: str
    kind: BlockKind
    type: str
    name: str
    key: tuple[str, ...]
    body: Mapping[str, HclValue]

    @property
    def identity(self) -> tuple[str, str, str, tuple[str, ...]]:
        return (self.workspace, self.kind, self.type, self.key)

    @property
    def address(self) -> str:
        """``aws_iam_role.DeploymentRole``, ``data.x.y`` or ``provider.aws``."""
        if self.kind == "provider":
            return f"provider.{self.type}"
        prefix = "data." if self.kind == "data" else ""
        return f"{prefix}{self.type}.{self.name}"


def label(*parts: str) -> str:
    """A Terraform name from catalogue keys: letters, digits, ``_`` and ``-``."""
    name = "_".join(re.sub(r"[^A-Za-z0-9_-]", "_", part) for part in parts)
    return name if re.match(r"[A-Za-z_]", name) else f"_{name}"


def anchor_reference(anchor: str) -> str:
    """The expression for the ARN of the trust anchor ``anchor``."""
    return f"aws_rolesanywhere_trust_anchor.{label(anchor)}.arn"


def canonical(value: HclValue | Mapping[str, HclValue]) -> str:
    """A stable text form of a block body, for telling whether two differ."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, Reference):
        return {"$expression": value.expression}
    if isinstance(value, JsonDocument):
        return {"$json": _plain(value.document)}
    if isinstance(value, NestedBlock):
        return {"$block": _plain(value.body)}
    if isinstance(value, AnchorArn):
        return {"$expression": anchor_reference(value.anchor)}
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# Writing HCL through python-hcl2


def hcl_string(text: str) -> str:
    """``text`` as an HCL quoted string, template sequences escaped."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return '"' + _escape_templates(escaped) + '"'


def _escape_templates(text: str) -> str:
    """``${`` and ``%{`` start templates in HCL strings; ``$${`` is literal."""
    return text.replace("${", "$${").replace("%{", "%%{")


def heredoc_json(document: PolicyDocument) -> str:
    """The document as indented, key-sorted JSON in a ``<<EOT`` heredoc."""

    def anchor(value: object) -> str:
        if isinstance(value, AnchorArn):
            return f"{ANCHOR_OPEN}{value.anchor}{ANCHOR_CLOSE}"
        raise TypeError(f"cannot serialize {type(value).__name__}")

    text = json.dumps(
        document, indent=2, sort_keys=True, ensure_ascii=False, default=anchor
    )
    text = _escape_templates(text)
    text = re.sub(
        f"{ANCHOR_OPEN}(.*?){ANCHOR_CLOSE}",
        lambda match: "${" + anchor_reference(match.group(1)) + "}",
        text,
    )
    return f"<<{HEREDOC}\n{text}\n{HEREDOC}"


def _hcl2_value(value: HclValue) -> Any:
    """A value in the form ``hcl2.dumps`` takes: literals quoted, ``${}`` bare."""
    if isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, Reference):
        return "${" + value.expression + "}"
    if isinstance(value, JsonDocument):
        return heredoc_json(value.document)
    if isinstance(value, NestedBlock):
        return [_hcl2_body(value.body)]
    if isinstance(value, list):
        return [_hcl2_value(v) for v in value]
    return {hcl_string(k): _hcl2_value(v) for k, v in value.items()}


def _hcl2_body(body: Mapping[str, HclValue]) -> dict[str, Any]:
    converted: dict[str, Any] = {k: _hcl2_value(v) for k, v in body.items()}
    converted["__is_block__"] = True
    return converted


def write_hcl(blocks: Iterable[HclBlock]) -> str:
    """The blocks as HCL text, written by ``hcl2.dumps``, one blank line apart."""
    texts = []
    for block in blocks:
        labels = [hcl_string(block.type)]
        if block.kind != "provider":
            labels.append(hcl_string(block.name))
        nested: Any = _hcl2_body(block.body)
        for name in reversed(labels):
            nested = {name: nested}
        text = hcl2.dumps({block.kind: [nested]})
        lines = [line.rstrip() for line in text.strip("\n").splitlines()]
        texts.append("\n".join(_squeeze_blank_lines(lines)))
    return "\n\n".join(texts) + "\n"


def _squeeze_blank_lines(lines: list[str]) -> list[str]:
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return kept


# The blocks a catalogue implies


def org_blocks(org: Org) -> list[HclBlock]:
    """Every block of every workspace of ``org``, in first-apply order."""
    blocks: list[HclBlock] = []
    for workspace in org.workspaces():
        account = org.accounts[workspace.account]
        blocks.append(_provider(org, workspace.name, account, workspace.role_arn))
        if workspace.name == "identity":
            blocks += _identity_blocks(org)
        elif workspace.name == "organization":
            blocks += _organization_blocks(org)
        else:
            blocks += _account_blocks(org, workspace.name, account)
    return blocks


def _provider(org: Org, workspace: str, account: Account, role_arn: str) -> HclBlock:
    body: dict[str, HclValue] = {
        "region": org.organization.home_region,
        "allowed_account_ids": [account.id],
        "assume_role": NestedBlock({"role_arn": role_arn}),
    }
    if org.organization.tags:
        body["default_tags"] = NestedBlock({"tags": dict(org.organization.tags)})
    return HclBlock(workspace, "provider", "aws", "", ("aws",), body)


def _instance(permission_set: str) -> dict[str, HclValue]:
    return {
        "instance_arn": Reference(INSTANCE_ARN),
        "permission_set_arn": Reference(
            f"aws_ssoadmin_permission_set.{label(permission_set)}.arn"
        ),
    }


def _policy_name(arn: str) -> str:
    """``arn:aws:iam::aws:policy/service-role/X`` to ``service-role/X``."""
    return arn.split(":policy/", 1)[-1]


def _identity_blocks(org: Org) -> list[HclBlock]:
    blocks: list[HclBlock] = []

    def add(
        type_: str,
        key: tuple[str, ...],
        body: dict[str, HclValue],
        kind: BlockKind = "resource",
    ) -> None:
        blocks.append(HclBlock("identity", kind, type_, label(*key), key, body))

    for group in org.groups.values():
        attribute = NestedBlock(
            {"attribute_path": "DisplayName", "attribute_value": group.display_name}
        )
        add(
            "aws_identitystore_group",
            (group.key,),
            {
                "identity_store_id": Reference(IDENTITY_STORE_ID),
                "alternate_identifier": NestedBlock({"unique_attribute": attribute}),
            },
            "data",
        )
    for permission_set in org.permission_sets.values():
        for type_, key, body in _permission_set_blocks(org, permission_set):
            add(type_, key, body)
    for assignment in org.assignments:
        add(
            "aws_ssoadmin_account_assignment",
            (assignment.group, assignment.permission_set, assignment.account),
            {
                "instance_arn": Reference(INSTANCE_ARN),
                "permission_set_arn": _instance(assignment.permission_set)[
                    "permission_set_arn"
                ],
                "principal_id": Reference(
                    f"data.aws_identitystore_group.{label(assignment.group)}.group_id"
                ),
                "principal_type": "GROUP",
                "target_id": org.accounts[assignment.account].id,
                "target_type": "AWS_ACCOUNT",
            },
        )
    return blocks


def _permission_set_blocks(
    org: Org, permission_set: PermissionSet
) -> list[tuple[str, tuple[str, ...], dict[str, HclValue]]]:
    name = permission_set.name
    found: list[tuple[str, tuple[str, ...], dict[str, HclValue]]] = []
    body: dict[str, HclValue] = {
        "name": name,
        "description": permission_set.description,
        "instance_arn": Reference(INSTANCE_ARN),
        "session_duration": permission_set.session_duration,
    }
    if permission_set.relay_state:
        body["relay_state"] = permission_set.relay_state
    if permission_set.tags:
        body["tags"] = dict(permission_set.tags)
    found.append(("aws_ssoadmin_permission_set", (name,), body))
    for arn in permission_set.managed_policy_arns:
        found.append(
            (
                "aws_ssoadmin_managed_policy_attachment",
                (name, _policy_name(arn)),
                {**_instance(name), "managed_policy_arn": arn},
            )
        )
    for key in permission_set.customer_managed_policies:
        found.append(
            (
                "aws_ssoadmin_customer_managed_policy_attachment",
                (name, key),
                {
                    **_instance(name),
                    "customer_managed_policy_reference": _policy_reference(org, key),
                },
            )
        )
    if permission_set.inline_policy is not None:
        found.append(
            (
                "aws_ssoadmin_permission_set_inline_policy",
                (name,),
                {
                    **_instance(name),
                    "inline_policy": JsonDocument(permission_set.inline_policy),
                },
            )
        )
    boundary = permission_set.permissions_boundary
    if boundary is not None:
        target: dict[str, HclValue] = (
            {"managed_policy_arn": boundary.managed_policy_arn}
            if boundary.managed_policy_arn is not None
            else {
                "customer_managed_policy_reference": _policy_reference(
                    org, boundary.customer_managed or ""
                )
            }
        )
        found.append(
            (
                "aws_ssoadmin_permissions_boundary_attachment",
                (name,),
                {**_instance(name), "permissions_boundary": NestedBlock(target)},
            )
        )
    return found


def _policy_reference(org: Org, key: str) -> NestedBlock:
    policy = org.policies.get(key)
    return NestedBlock(
        {"name": policy.name if policy else key, "path": policy.path if policy else "/"}
    )


def _account_blocks(org: Org, workspace: str, account: Account) -> list[HclBlock]:
    blocks: list[HclBlock] = []

    def add(type_: str, key: tuple[str, ...], body: dict[str, HclValue]) -> None:
        blocks.append(HclBlock(workspace, "resource", type_, label(*key), key, body))

    for policy_key in org.customer_managed_policies_in(account.key):
        policy = org.policies[policy_key]
        add(
            "aws_iam_policy",
            (policy_key,),
            {
                "name": policy.name,
                "path": policy.path,
                "description": policy.description,
                "policy": JsonDocument(policy.document),
            },
        )
    for role in org.roles_in(account.key):
        for type_, key, body in _role_blocks(role, account):
            add(type_, key, body)
    for anchor in org.anchors_in(account.key):
        for type_, key, body in _anchor_blocks(anchor, account):
            add(type_, key, body)
    return blocks


def _role_blocks(
    role: Role, account: Account
) -> list[tuple[str, tuple[str, ...], dict[str, HclValue]]]:
    name = role.name
    body: dict[str, HclValue] = {
        "name": name,
        "path": role.path,
        "description": role.description,
        "assume_role_policy": JsonDocument(role.trust_policies[account.key]),
        "max_session_duration": role.max_session_duration,
    }
    if role.permissions_boundary_arn:
        body["permissions_boundary"] = role.permissions_boundary_arn
    if role.tags:
        body["tags"] = dict(role.tags)
    found: list[tuple[str, tuple[str, ...], dict[str, HclValue]]] = [
        ("aws_iam_role", (name,), body)
    ]
    if role.policy is not None:
        found.append(
            (
                "aws_iam_role_policy",
                (name,),
                {
                    "name": name,
                    "role": Reference(f"aws_iam_role.{label(name)}.id"),
                    "policy": JsonDocument(role.policy),
                },
            )
        )
    for arn in role.managed_policy_arns:
        found.append(
            (
                "aws_iam_role_policy_attachment",
                (name, _policy_name(arn)),
                {
                    "role": Reference(f"aws_iam_role.{label(name)}.name"),
                    "policy_arn": arn,
                },
            )
        )
    return found


def _anchor_blocks(
    anchor: RolesAnywhereAnchor, account: Account
) -> list[tuple[str, tuple[str, ...], dict[str, HclValue]]]:
    if anchor.acm_pca_arn is not None:
        source = NestedBlock(
            {
                "source_type": "AWS_ACM_PCA",
                "source_data": NestedBlock({"acm_pca_arn": anchor.acm_pca_arn}),
            }
        )
    else:
        source = NestedBlock(
            {
                "source_type": "CERTIFICATE_BUNDLE",
                "source_data": NestedBlock(
                    {"x509_certificate_data": anchor.certificate_bundle or ""}
                ),
            }
        )
    roles: list[HclValue] = [
        Reference(f"aws_iam_role.{label(name)}.arn")
        for name in anchor.roles[account.key]
    ]
    return [
        (
            "aws_rolesanywhere_trust_anchor",
            (anchor.key,),
            {"name": anchor.key, "enabled": True, "source": source},
        ),
        (
            "aws_rolesanywhere_profile",
            (anchor.key,),
            {
                "name": anchor.key,
                "enabled": True,
                "duration_seconds": anchor.session_duration,
                "role_arns": roles,
            },
        ),
    ]


def _organization_blocks(org: Org) -> list[HclBlock]:
    blocks: list[HclBlock] = []
    for guardrail in org.guardrails.values():
        key = guardrail.key
        blocks.append(
            HclBlock(
                "organization",
                "resource",
                "aws_organizations_policy",
                label(key),
                (key,),
                {
                    "name": key,
                    "description": guardrail.description,
                    "type": "SERVICE_CONTROL_POLICY",
                    "content": JsonDocument(guardrail.document),
                },
            )
        )
        for target in guardrail.targets:
            blocks.append(
                HclBlock(
                    "organization",
                    "resource",
                    "aws_organizations_policy_attachment",
                    label(key, target.name),
                    (key, target.kind, target.name),
                    {
                        "policy_id": Reference(
                            f"aws_organizations_policy.{label(key)}.id"
                        ),
                        "target_id": target.target_id,
                    },
                )
            )
    return blocks
