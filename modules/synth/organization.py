"""The ``organization`` workspace: one SCP per guardrail and its attachments.

SCPs never restrict the management account; attaching one there is allowed
but has no effect, and nothing here warns about it (``check`` does).
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.organizations_policy import OrganizationsPolicy
from cdktf_cdktf_provider_aws.organizations_policy_attachment import (
    OrganizationsPolicyAttachment,
)
from constructs import Construct

from modules.resolve.model import Guardrail, GuardrailTarget
from modules.synth.documents import literal, policy_text
from modules.synth.names import logical_id
from modules.synth.stack import WorkspaceStack

SERVICE_CONTROL_POLICY = "SERVICE_CONTROL_POLICY"


class GuardrailPolicy(Construct):
    """``guardrail`` as an SCP, attached to each of its targets.

    Accepts any resolved guardrail; its document is serialized as it is, so
    its size limit (5,120 characters) is for ``check`` to enforce.
    """

    def __init__(self, stack: WorkspaceStack, guardrail: Guardrail) -> None:
        super().__init__(stack, logical_id("guardrail", guardrail.key))

        policy = OrganizationsPolicy(
            self,
            "policy",
            name=literal(guardrail.key),
            description=literal(guardrail.description) or None,
            type=SERVICE_CONTROL_POLICY,
            content=policy_text(guardrail.document),
        )
        stack.name(policy, "guardrail", guardrail.key)

        for target in guardrail.targets:
            attachment = OrganizationsPolicyAttachment(
                self,
                logical_id("target", *_target_keys(target)),
                policy_id=policy.id,
                target_id=target.target_id,
            )
            stack.name(attachment, "guardrail", guardrail.key, *_target_keys(target))


def _target_keys(target: GuardrailTarget) -> tuple[str, ...]:
    """``("root",)``, ``("ou", <OU path>)`` or ``("account", <account key>)``."""
    if target.kind == "root":
        return ("root",)
    return (target.kind, target.name)


def build_organization(stack: WorkspaceStack) -> None:
    """Fill the ``organization`` workspace: every guardrail of the org."""
    for guardrail in stack.org.guardrails.values():
        GuardrailPolicy(stack, guardrail)
