"""An ``account-<key>`` workspace: customer-managed policies, workload roles and
Roles Anywhere anchors. A decommissioned account's workspace stays empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import (
    IamRolePolicyAttachment,
)
from cdktf_cdktf_provider_aws.rolesanywhere_profile import RolesanywhereProfile
from cdktf_cdktf_provider_aws.rolesanywhere_trust_anchor import (
    RolesanywhereTrustAnchor,
    RolesanywhereTrustAnchorSource,
    RolesanywhereTrustAnchorSourceSourceData,
)
from constructs import Construct

from modules.resolve.model import (
    AccountKey,
    CustomerManagedPolicy,
    Role,
    RolesAnywhereAnchor,
)
from modules.synth.documents import literal, literal_map, policy_text
from modules.synth.names import logical_id, managed_policy_part
from modules.synth.stack import WorkspaceStack


class CustomerManagedPolicyResource(Construct):
    """``policy`` created with the same name and path as in every other account,
    as Identity Center requires of a policy a permission set names."""

    def __init__(self, stack: WorkspaceStack, policy: CustomerManagedPolicy) -> None:
        super().__init__(stack, logical_id("policy", policy.key))

        created = IamPolicy(
            self,
            "policy",
            name=literal(policy.name),
            path=literal(policy.path),
            description=literal(policy.description) or None,
            policy=policy_text(policy.document),
        )
        stack.name(created, "policy", policy.key)


class TrustAnchor(Construct):
    """The Roles Anywhere trust anchor ``anchor`` in one account, enabled.

    Takes its CA from ACM Private CA or from a PEM bundle. Exposes ``arn``;
    :meth:`add_profile` adds the profile once the roles exist.
    """

    def __init__(self, stack: WorkspaceStack, anchor: RolesAnywhereAnchor) -> None:
        super().__init__(stack, logical_id("anchor", anchor.key))
        self.stack = stack
        self.anchor = anchor

        if anchor.acm_pca_arn is not None:
            source = RolesanywhereTrustAnchorSource(
                source_type="AWS_ACM_PCA",
                source_data=RolesanywhereTrustAnchorSourceSourceData(
                    acm_pca_arn=literal(anchor.acm_pca_arn)
                ),
            )
        elif anchor.certificate_bundle is not None:
            source = RolesanywhereTrustAnchorSource(
                source_type="CERTIFICATE_BUNDLE",
                source_data=RolesanywhereTrustAnchorSourceSourceData(
                    x509_certificate_data=literal(anchor.certificate_bundle)
                ),
            )
        else:
            raise ValueError(f"trust anchor {anchor.key!r} has no certificate source")

        created = RolesanywhereTrustAnchor(
            self, "trust_anchor", name=literal(anchor.key), enabled=True, source=source
        )
        stack.name(created, "anchor", anchor.key)
        self.arn = created.arn

    def add_profile(self, role_arns: Sequence[str]) -> None:
        """The anchor's profile, enabled, listing ``role_arns``: the ARNs of
        the roles in this account that trust the anchor."""
        profile = RolesanywhereProfile(
            self,
            "profile",
            name=literal(self.anchor.key),
            role_arns=role_arns,
            duration_seconds=self.anchor.session_duration,
            enabled=True,
        )
        self.stack.name(profile, "anchor", self.anchor.key)


class WorkloadRole(Construct):
    """``role`` in ``account``: its trust policy there, inline policy and
    managed policy attachments.

    ``anchor_arns`` maps each trust anchor of this account to its ARN
    reference; a trust naming an anchor missing from it is refused.
    """

    def __init__(
        self,
        stack: WorkspaceStack,
        role: Role,
        account: AccountKey,
        anchor_arns: Mapping[str, str],
    ) -> None:
        super().__init__(stack, logical_id("role", role.name))

        created = IamRole(
            self,
            "role",
            name=literal(role.name),
            path=literal(role.path),
            description=literal(role.description) or None,
            assume_role_policy=policy_text(role.trust_policies[account], anchor_arns),
            max_session_duration=role.max_session_duration,
            permissions_boundary=None
            if role.permissions_boundary_arn is None
            else literal(role.permissions_boundary_arn),
            tags=literal_map(role.tags),
        )
        stack.name(created, "role", role.name)
        self.arn = created.arn

        if role.policy is not None:
            inline = IamRolePolicy(
                self,
                "policy",
                role=created.name,
                name=literal(role.name),
                policy=policy_text(role.policy),
            )
            stack.name(inline, "role", role.name)

        for arn in role.managed_policy_arns:
            attachment = IamRolePolicyAttachment(
                self,
                logical_id("managed", managed_policy_part(arn)),
                role=created.name,
                policy_arn=literal(arn),
            )
            stack.name(attachment, "role", role.name, managed_policy_part(arn))


def build_account(stack: WorkspaceStack) -> None:
    """Fill the workspace of ``stack.workspace.account``.

    A decommissioned account gets nothing but its provider and backend, so
    that ``apply`` destroys what the workspace managed before.
    """
    org = stack.org
    key = stack.workspace.account
    if org.accounts[key].decommissioned:
        return

    for policy_key in org.customer_managed_policies_in(key):
        CustomerManagedPolicyResource(stack, org.policies[policy_key])

    anchors = {anchor.key: TrustAnchor(stack, anchor) for anchor in org.anchors_in(key)}
    anchor_arns = {anchor_key: anchor.arn for anchor_key, anchor in anchors.items()}
    roles = {
        role.name: WorkloadRole(stack, role, key, anchor_arns)
        for role in org.roles_in(key)
    }
    for anchor in anchors.values():
        anchor.add_profile([roles[name].arn for name in anchor.anchor.roles[key]])
