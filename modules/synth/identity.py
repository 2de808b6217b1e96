"""The ``identity`` workspace: permission sets, their policies and assignments.

Groups are looked up by display name at plan time, so a group missing from
the identity store fails the plan, not the synth.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdktf import Fn, ITerraformDependable, TerraformLocal
from cdktf_cdktf_provider_aws.data_aws_identitystore_group import (
    DataAwsIdentitystoreGroup,
    DataAwsIdentitystoreGroupAlternateIdentifier,
)
from cdktf_cdktf_provider_aws.data_aws_identitystore_group import (
    DataAwsIdentitystoreGroupAlternateIdentifierUniqueAttribute as UniqueAttribute,
)
from cdktf_cdktf_provider_aws.data_aws_ssoadmin_instances import (
    DataAwsSsoadminInstances,
)
from cdktf_cdktf_provider_aws.ssoadmin_account_assignment import (
    SsoadminAccountAssignment,
)
from cdktf_cdktf_provider_aws.ssoadmin_customer_managed_policy_attachment import (
    SsoadminCustomerManagedPolicyAttachment,
)
from cdktf_cdktf_provider_aws.ssoadmin_customer_managed_policy_attachment import (
    SsoadminCustomerManagedPolicyAttachmentCustomerManagedPolicyReference as PolicyReference,  # noqa: E501 (generated name)
)
from cdktf_cdktf_provider_aws.ssoadmin_managed_policy_attachment import (
    SsoadminManagedPolicyAttachment,
)
from cdktf_cdktf_provider_aws.ssoadmin_permission_set import SsoadminPermissionSet
from cdktf_cdktf_provider_aws.ssoadmin_permission_set_inline_policy import (
    SsoadminPermissionSetInlinePolicy,
)
from cdktf_cdktf_provider_aws.ssoadmin_permissions_boundary_attachment import (
    SsoadminPermissionsBoundaryAttachment,
    SsoadminPermissionsBoundaryAttachmentPermissionsBoundary,
)
from cdktf_cdktf_provider_aws.ssoadmin_permissions_boundary_attachment import (
    SsoadminPermissionsBoundaryAttachmentPermissionsBoundaryCustomerManagedPolicyReference as BoundaryPolicyReference,  # noqa: E501 (generated name)
)
from constructs import Construct

from modules.resolve.model import (
    Assignment,
    CustomerManagedPolicy,
    Group,
    PermissionsBoundary,
    PermissionSet,
)
from modules.synth.documents import literal, literal_map, policy_text
from modules.synth.names import logical_id, managed_policy_part
from modules.synth.stack import WorkspaceStack

DISPLAY_NAME = "DisplayName"


class IdentityCenter(Construct):
    """The org's Identity Center instance, read at plan time.

    Exposes ``instance_arn`` and ``identity_store_id`` as the locals
    ``sso_instance_arn`` and ``identity_store_id``. Assumes the account has
    exactly one instance; with none, the plan fails on an empty list.
    """

    def __init__(self, stack: WorkspaceStack) -> None:
        super().__init__(stack, "identity_center")

        instances = DataAwsSsoadminInstances(self, "instances")
        stack.name(instances, "identity_center")
        instance_arn = TerraformLocal(
            self, "instance_arn", Fn.element(Fn.tolist(instances.arns), 0)
        )
        stack.name(instance_arn, "sso_instance_arn")
        identity_store_id = TerraformLocal(
            self,
            "identity_store_id",
            Fn.element(Fn.tolist(instances.identity_store_ids), 0),
        )
        stack.name(identity_store_id, "identity_store_id")

        self.instance_arn = instance_arn.as_string
        self.identity_store_id = identity_store_id.as_string


class GroupLookup(Construct):
    """The identity store group whose ``DisplayName`` is ``group.display_name``.

    Exposes its ``group_id``. Display names are unique in an identity store,
    so the lookup finds one group or fails the plan.
    """

    def __init__(
        self, stack: WorkspaceStack, group: Group, identity_center: IdentityCenter
    ) -> None:
        super().__init__(stack, logical_id("group", group.key))

        found = DataAwsIdentitystoreGroup(
            self,
            "group",
            identity_store_id=identity_center.identity_store_id,
            alternate_identifier=DataAwsIdentitystoreGroupAlternateIdentifier(
                unique_attribute=UniqueAttribute(
                    attribute_path=DISPLAY_NAME,
                    attribute_value=literal(group.display_name),
                )
            ),
        )
        stack.name(found, "group", group.key)
        self.group_id = found.group_id


class PermissionSetResources(Construct):
    """``permission_set`` with its managed and customer-managed policies,
    inline policy and permissions boundary.

    Customer-managed policies are referenced by name and path from
    ``policies``; they must already exist in every account the permission set
    is provisioned to (the account workspaces create them). Exposes ``arn``
    and ``attachments``, everything an assignment must wait for.
    """

    def __init__(
        self,
        stack: WorkspaceStack,
        permission_set: PermissionSet,
        policies: Mapping[str, CustomerManagedPolicy],
        identity_center: IdentityCenter,
    ) -> None:
        super().__init__(stack, logical_id("permission_set", permission_set.name))
        name = permission_set.name
        instance_arn = identity_center.instance_arn

        created = SsoadminPermissionSet(
            self,
            "permission_set",
            instance_arn=instance_arn,
            name=literal(name),
            description=literal(permission_set.description) or None,
            session_duration=permission_set.session_duration,
            relay_state=None
            if permission_set.relay_state is None
            else literal(permission_set.relay_state),
            tags=literal_map(permission_set.tags),
        )
        stack.name(created, "permission_set", name)
        self.arn = created.arn
        self.attachments: list[ITerraformDependable] = []

        for arn in permission_set.managed_policy_arns:
            managed = SsoadminManagedPolicyAttachment(
                self,
                logical_id("managed", managed_policy_part(arn)),
                instance_arn=instance_arn,
                permission_set_arn=self.arn,
                managed_policy_arn=literal(arn),
            )
            stack.name(managed, "permission_set", name, managed_policy_part(arn))
            self.attachments.append(managed)

        for key in permission_set.customer_managed_policies:
            policy = policies[key]
            customer_managed = SsoadminCustomerManagedPolicyAttachment(
                self,
                logical_id("customer_managed", key),
                instance_arn=instance_arn,
                permission_set_arn=self.arn,
                customer_managed_policy_reference=PolicyReference(
                    name=literal(policy.name), path=literal(policy.path)
                ),
            )
            stack.name(customer_managed, "permission_set", name, key)
            self.attachments.append(customer_managed)

        if permission_set.inline_policy is not None:
            inline = SsoadminPermissionSetInlinePolicy(
                self,
                "inline_policy",
                instance_arn=instance_arn,
                permission_set_arn=self.arn,
                inline_policy=policy_text(permission_set.inline_policy),
            )
            stack.name(inline, "permission_set", name)
            self.attachments.append(inline)

        if permission_set.permissions_boundary is not None:
            boundary = SsoadminPermissionsBoundaryAttachment(
                self,
                "permissions_boundary",
                instance_arn=instance_arn,
                permission_set_arn=self.arn,
                permissions_boundary=_boundary(
                    permission_set.permissions_boundary, policies
                ),
            )
            stack.name(boundary, "permission_set", name)
            self.attachments.append(boundary)


def _boundary(
    boundary: PermissionsBoundary, policies: Mapping[str, CustomerManagedPolicy]
) -> SsoadminPermissionsBoundaryAttachmentPermissionsBoundary:
    if boundary.customer_managed is not None:
        policy = policies[boundary.customer_managed]
        return SsoadminPermissionsBoundaryAttachmentPermissionsBoundary(
            customer_managed_policy_reference=BoundaryPolicyReference(
                name=literal(policy.name), path=literal(policy.path)
            )
        )
    if boundary.managed_policy_arn is None:
        raise ValueError("a permissions boundary needs a managed or customer policy")
    return SsoadminPermissionsBoundaryAttachmentPermissionsBoundary(
        managed_policy_arn=literal(boundary.managed_policy_arn)
    )


class AccountAssignment(Construct):
    """``assignment``: a group given a permission set on one account.

    Depends on every attachment of the permission set, so that a destroy
    removes the assignment before the policies it was provisioned with.
    """

    def __init__(
        self,
        stack: WorkspaceStack,
        assignment: Assignment,
        group: GroupLookup,
        permission_set: PermissionSetResources,
        identity_center: IdentityCenter,
    ) -> None:
        keys = (assignment.group, assignment.permission_set, assignment.account)
        super().__init__(stack, logical_id("assignment", *keys))

        created = SsoadminAccountAssignment(
            self,
            "assignment",
            instance_arn=identity_center.instance_arn,
            permission_set_arn=permission_set.arn,
            principal_id=group.group_id,
            principal_type="GROUP",
            target_id=stack.org.accounts[assignment.account].id,
            target_type="AWS_ACCOUNT",
            depends_on=permission_set.attachments or None,
        )
        stack.name(created, "assignment", *keys)


def build_identity(stack: WorkspaceStack) -> None:
    """Fill the ``identity`` workspace from the org's assignments.

    Creates every permission set of the catalogue, assigned or not, and looks
    up only the groups that an assignment uses.
    """
    org = stack.org
    identity_center = IdentityCenter(stack)

    groups = {
        key: GroupLookup(stack, org.groups[key], identity_center)
        for key in sorted({assignment.group for assignment in org.assignments})
    }
    permission_sets = {
        name: PermissionSetResources(
            stack, permission_set, org.policies, identity_center
        )
        for name, permission_set in org.permission_sets.items()
    }
    for assignment in org.assignments:
        AccountAssignment(
            stack,
            assignment,
            groups[assignment.group],
            permission_sets[assignment.permission_set],
            identity_center,
        )
