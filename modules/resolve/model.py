"""The resolved org model: the single truth that synth, check and report read.

Every selector is already expanded to concrete accounts, every policy file
loaded and every trust policy built. Nothing here imports CDKTF.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

AccountKey = str
AccountId = str
PolicyDocument = dict[str, Any]
TrustKind = Literal["role", "vendor", "service", "roles_anywhere"]

POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True)
class AnchorArn:
    """Stands in a trust policy for the ARN of a Roles Anywhere trust anchor.

    The ARN only exists once Terraform creates the anchor, so the model keeps
    this marker and ``synth`` replaces it with a reference to the anchor
    resource in the same workspace. ``example`` is an ARN of the real length,
    used when a policy's size is measured before synthesis.
    """

    anchor: str
    account: AccountKey
    example: str


def _json_default(value: object) -> object:
    if isinstance(value, AnchorArn):
        return value.example
    raise TypeError(f"cannot serialize {type(value).__name__}")


def policy_json(document: Mapping[str, Any]) -> str:
    """Serialize a policy the way synthesis does: keys sorted, compact."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), default=_json_default
    )


@dataclass(frozen=True)
class Organization:
    name: str
    id: str
    root_id: str
    home_region: str
    management_account: AccountKey
    identity_center_account: AccountKey
    execution_role: str
    management_role: str
    tags: Mapping[str, str]


@dataclass(frozen=True)
class S3Backend:
    bucket: str
    region: str
    key_prefix: str
    kms_key_id: str | None = None


@dataclass(frozen=True)
class Account:
    """One AWS account. ``ou`` is the OU path, empty for an account at the root."""

    key: AccountKey
    id: AccountId
    ou: str
    ou_id: str
    tags: Mapping[str, str]
    decommissioned: bool
    is_management: bool
    email: str | None = None


@dataclass(frozen=True)
class Group:
    key: str
    display_name: str
    description: str


@dataclass(frozen=True)
class CustomerManagedPolicy:
    """A policy created in every account a permission set that names it reaches."""

    key: str
    name: str
    path: str
    description: str
    document: PolicyDocument
    source: Path


@dataclass(frozen=True)
class PermissionsBoundary:
    """Exactly one of ``managed_policy_arn`` and ``customer_managed`` is set."""

    managed_policy_arn: str | None = None
    customer_managed: str | None = None


@dataclass(frozen=True)
class PermissionSet:
    name: str
    description: str
    session_duration: str
    relay_state: str | None
    managed_policy_arns: tuple[str, ...]
    customer_managed_policies: tuple[str, ...]
    inline_policy: PolicyDocument | None
    inline_policy_source: Path | None
    permissions_boundary: PermissionsBoundary | None
    administrative: bool
    tags: Mapping[str, str]


@dataclass(frozen=True, order=True)
class Assignment:
    """One group given one permission set on one account."""

    account: AccountKey
    permission_set: str
    group: str
    source: str = field(compare=False, default="")


@dataclass(frozen=True)
class Trust:
    """Who may assume a workload role, as the catalogue said it.

    ``principals`` holds role ARNs for ``role``, the vendor account or role ARN
    for ``vendor``, the service principal for ``service`` and
    ``rolesanywhere.amazonaws.com`` for ``roles_anywhere``.
    """

    kind: TrustKind
    principals: tuple[str, ...]
    vendor_name: str | None = None
    service_source_arn: str | None = None
    anchor: str | None = None
    subjects: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Role:
    """A workload role created in each of ``accounts``.

    ``trust_policies`` maps each account to the role's trust policy there
    (it differs per account for service and Roles Anywhere trusts).
    """

    name: str
    path: str
    description: str
    accounts: tuple[AccountKey, ...]
    trust: Trust
    trust_policies: Mapping[AccountKey, PolicyDocument]
    external_id: str | None
    session_name: str | None
    max_session_duration: int
    policy: PolicyDocument | None
    policy_source: Path | None
    managed_policy_arns: tuple[str, ...]
    permissions_boundary_arn: str | None
    tags: Mapping[str, str]


@dataclass(frozen=True)
class RolesAnywhereAnchor:
    """A trust anchor and its profile, created in each account of ``roles``.

    ``roles`` maps each account to the names of the roles there that trust
    this anchor; the profile lists exactly those roles.
    """

    key: str
    acm_pca_arn: str | None
    certificate_bundle: str | None
    session_duration: int
    roles: Mapping[AccountKey, tuple[str, ...]]


@dataclass(frozen=True)
class GuardrailTarget:
    """Where an SCP attaches: the root, an OU or an account."""

    kind: Literal["root", "ou", "account"]
    name: str
    target_id: str


@dataclass(frozen=True)
class Guardrail:
    key: str
    description: str
    builtin: str | None
    document: PolicyDocument
    source: Path | None
    targets: tuple[GuardrailTarget, ...]


@dataclass(frozen=True)
class LegacyIamUser:
    name: str
    account: AccountKey
    replaced_by: str
    retire_by: datetime.date
    owner: str | None
    notes: str


@dataclass(frozen=True)
class Workspace:
    """One Terraform root module with its own state, applied in one account."""

    name: str
    account: AccountKey
    account_id: AccountId
    role_name: str
    apply_order: int

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{self.role_name}"


@dataclass(frozen=True)
class Org:
    """Everything the catalogue says, resolved. Mappings are sorted by key."""

    catalogue: Path
    organization: Organization
    backend: S3Backend | None
    ous: Mapping[str, str]
    accounts: Mapping[AccountKey, Account]
    groups: Mapping[str, Group]
    permission_sets: Mapping[str, PermissionSet]
    policies: Mapping[str, CustomerManagedPolicy]
    assignments: tuple[Assignment, ...]
    roles: Mapping[str, Role]
    anchors: Mapping[str, RolesAnywhereAnchor]
    guardrails: Mapping[str, Guardrail]
    legacy_iam_users: Mapping[str, LegacyIamUser]

    @property
    def management(self) -> Account:
        return self.accounts[self.organization.management_account]

    @property
    def identity_center(self) -> Account:
        return self.accounts[self.organization.identity_center_account]

    def account_by_id(self, account_id: AccountId) -> Account | None:
        for account in self.accounts.values():
            if account.id == account_id:
                return account
        return None

    def role_name_for(self, account: Account) -> str:
        """The role a workspace assumes in ``account``."""
        if account.is_management:
            return self.organization.management_role
        return self.organization.execution_role

    def workspaces(self) -> tuple[Workspace, ...]:
        """All workspaces in first-apply order: accounts, identity, organization.

        Customer-managed policies live in the account workspaces and must exist
        before a permission set naming them is provisioned, so those go first.
        """
        found = [
            Workspace(
                name=f"account-{account.key}",
                account=account.key,
                account_id=account.id,
                role_name=self.role_name_for(account),
                apply_order=1,
            )
            for account in self.accounts.values()
        ]
        for name, account, order in (
            ("identity", self.identity_center, 2),
            ("organization", self.management, 3),
        ):
            found.append(
                Workspace(
                    name=name,
                    account=account.key,
                    account_id=account.id,
                    role_name=self.role_name_for(account),
                    apply_order=order,
                )
            )
        return tuple(sorted(found, key=lambda w: (w.apply_order, w.name)))

    def assignments_in(self, account: AccountKey) -> tuple[Assignment, ...]:
        return tuple(a for a in self.assignments if a.account == account)

    def customer_managed_policies_in(self, account: AccountKey) -> tuple[str, ...]:
        """Keys of the customer-managed policies ``account`` must hold.

        A permission set's customer-managed policies and boundary must exist,
        same name and path, in every account it is assigned to.
        """
        needed: set[str] = set()
        for assignment in self.assignments_in(account):
            permission_set = self.permission_sets[assignment.permission_set]
            needed.update(permission_set.customer_managed_policies)
            boundary = permission_set.permissions_boundary
            if boundary is not None and boundary.customer_managed is not None:
                needed.add(boundary.customer_managed)
        return tuple(sorted(needed))

    def roles_in(self, account: AccountKey) -> tuple[Role, ...]:
        return tuple(r for r in self.roles.values() if account in r.accounts)

    def anchors_in(self, account: AccountKey) -> tuple[RolesAnywhereAnchor, ...]:
        return tuple(a for a in self.anchors.values() if account in a.roles)
