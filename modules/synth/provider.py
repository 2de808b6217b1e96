"""The AWS provider and the state backend that every workspace starts with.

The provider can only act in the workspace's own account; nothing here reads
credentials, which come from the environment that runs Terraform.
"""

from __future__ import annotations

from cdktf import LocalBackend, S3Backend
from cdktf_cdktf_provider_aws.provider import (
    AwsProvider,
    AwsProviderAssumeRole,
    AwsProviderDefaultTags,
)
from constructs import Construct

from modules.synth.documents import literal_map
from modules.synth.stack import WorkspaceStack

AWS_PROVIDER_SOURCE = "hashicorp/aws"
AWS_PROVIDER_VERSION = "~> 6.25"
SESSION_NAME = "org-access"
LOCAL_STATE = "terraform.tfstate"


class WorkspaceProvider(Construct):
    """The provider and backend of ``stack``'s workspace.

    The provider runs in the organization's home region, assumes the
    workspace's role in its own account and allows only that account, and
    tags everything with ``organization.tags``. With ``org.backend`` the
    state goes to S3 under ``<key_prefix>/<workspace>/terraform.tfstate``,
    always encrypted (with ``kms_key_id`` when given) and locked with a
    native lock file; without it, to ``terraform.tfstate`` inside the
    workspace folder.
    """

    def __init__(self, stack: WorkspaceStack) -> None:
        super().__init__(stack, "provider")
        organization = stack.org.organization
        workspace = stack.workspace
        tags = literal_map(organization.tags)

        AwsProvider(
            self,
            "aws",
            region=organization.home_region,
            assume_role=[
                AwsProviderAssumeRole(
                    role_arn=workspace.role_arn, session_name=SESSION_NAME
                )
            ],
            allowed_account_ids=[workspace.account_id],
            default_tags=None if tags is None else [AwsProviderDefaultTags(tags=tags)],
        )
        stack.add_override(
            "terraform.required_providers.aws",
            {"source": AWS_PROVIDER_SOURCE, "version": AWS_PROVIDER_VERSION},
        )

        backend = stack.org.backend
        if backend is None:
            LocalBackend(self, path=LOCAL_STATE)
            return
        S3Backend(
            self,
            bucket=backend.bucket,
            region=backend.region,
            key="/".join(
                part
                for part in (backend.key_prefix, workspace.name, LOCAL_STATE)
                if part
            ),
            encrypt=True,
            kms_key_id=backend.kms_key_id,
        )
        stack.add_override("terraform.backend.s3.use_lockfile", True)
