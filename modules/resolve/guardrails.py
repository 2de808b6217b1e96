"""The built-in SCP library, each policy written from AWS documentation.

Every built-in exempts the role org-access deploys with, so a guardrail can
never lock out the pipeline that would fix it. SCPs do not restrict the
management account or service-linked roles; nothing here can change that.
"""

from __future__ import annotations

from collections.abc import Sequence

from modules.resolve.model import POLICY_VERSION, PolicyDocument

SSO_ROLE_PATH = "aws-reserved/sso.amazonaws.com/"

# Services whose calls are served from us-east-1 or are global, so a region
# allow-list must not deny them (AWS Organizations user guide, example SCPs).
GLOBAL_ACTIONS = (
    "a4b:*",
    "access-analyzer:*",
    "account:*",
    "acm:*",
    "activate:*",
    "artifact:*",
    "aws-marketplace-management:*",
    "aws-marketplace:*",
    "aws-portal:*",
    "billing:*",
    "billingconductor:*",
    "budgets:*",
    "ce:*",
    "chatbot:*",
    "chime:*",
    "cloudfront:*",
    "cloudtrail:LookupEvents",
    "compute-optimizer:*",
    "config:*",
    "consolidatedbilling:*",
    "cur:*",
    "devicefarm:*",
    "directconnect:*",
    "ec2:DescribeRegions",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeVpnGateways",
    "ecr-public:*",
    "fms:*",
    "freetier:*",
    "globalaccelerator:*",
    "health:*",
    "iam:*",
    "importexport:*",
    "invoicing:*",
    "iq:*",
    "kms:*",
    "mobileanalytics:*",
    "networkmanager:*",
    "organizations:*",
    "payments:*",
    "pricing:*",
    "route53-recovery-cluster:*",
    "route53-recovery-control-config:*",
    "route53-recovery-readiness:*",
    "route53:*",
    "route53domains:*",
    "s3:GetAccountPublic*",
    "s3:ListAllMyBuckets",
    "s3:ListMultiRegionAccessPoints",
    "s3:PutAccountPublic*",
    "savingsplans:*",
    "shield:*",
    "sso:*",
    "sts:*",
    "support:*",
    "tag:GetResources",
    "tax:*",
    "trustedadvisor:*",
    "waf-regional:*",
    "waf:*",
    "wafv2:*",
    "wellarchitected:*",
)

SECURITY_SERVICE_ACTIONS = (
    "access-analyzer:DeleteAnalyzer",
    "cloudtrail:DeleteTrail",
    "cloudtrail:PutEventSelectors",
    "cloudtrail:StopLogging",
    "cloudtrail:UpdateTrail",
    "config:DeleteConfigRule",
    "config:DeleteConfigurationRecorder",
    "config:DeleteDeliveryChannel",
    "config:StopConfigurationRecorder",
    "guardduty:DeleteDetector",
    "guardduty:DisassociateFromAdministratorAccount",
    "guardduty:DisassociateFromMasterAccount",
    "guardduty:UpdateDetector",
    "securityhub:BatchDisableStandards",
    "securityhub:DisableSecurityHub",
    "securityhub:DisassociateFromAdministratorAccount",
    "securityhub:DisassociateFromMasterAccount",
)

POLICY_CHANGE_ACTIONS = (
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
)

# Control Tower deploys and repairs the landing zone through these roles; a
# guardrail that bound them would break landing-zone updates (Control Tower's
# own region deny control exempts them the same way).
CONTROL_TOWER_ROLES = (
    "AWSControlTowerExecution",
    "aws-controltower-*",
    "stacksets-exec-*",
)

ROLE_CHANGE_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)

IAM_USER_ACTIONS = (
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:CreateUser",
)


def role_arn_pattern(path_and_name: str) -> str:
    """The ARN of a role of this path and name in any account of the org."""
    return f"arn:aws:iam::*:role/{path_and_name.lstrip('/')}"


def policy_arn_pattern(path_and_name: str) -> str:
    """The ARN of a customer-managed policy of this path and name in any account."""
    return f"arn:aws:iam::*:policy/{path_and_name.lstrip('/')}"


def permission_set_role_pattern(permission_set: str) -> str:
    """Match the roles Identity Center creates for ``permission_set``.

    They live under ``/aws-reserved/sso.amazonaws.com/`` (in some regions
    followed by the region) with a suffix that changes on re-provisioning, so
    only a wildcard can match them.
    """
    return role_arn_pattern(f"{SSO_ROLE_PATH}*AWSReservedSSO_{permission_set}_*")


def _statement(
    sid: str,
    actions: Sequence[str],
    exempt: Sequence[str],
    *,
    not_action: bool = False,
    resources: Sequence[str] = ("*",),
    extra_conditions: dict[str, dict[str, object]] | None = None,
) -> dict[str, object]:
    conditions: dict[str, dict[str, object]] = dict(extra_conditions or {})
    if exempt:
        conditions["ArnNotLike"] = {"aws:PrincipalArn": sorted(exempt)}
    statement: dict[str, object] = {
        "Sid": sid,
        "Effect": "Deny",
        "NotAction" if not_action else "Action": _one_or_many(actions),
        "Resource": _one_or_many(resources),
    }
    if conditions:
        statement["Condition"] = conditions
    return statement


def _one_or_many(values: Sequence[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)


def _document(*statements: dict[str, object]) -> PolicyDocument:
    return {"Version": POLICY_VERSION, "Statement": list(statements)}


def builtin_guardrail(
    builtin: str,
    *,
    exempt: Sequence[str],
    regions: Sequence[str] = (),
    protected_roles: Sequence[str] = (),
    protected_policies: Sequence[str] = (),
) -> PolicyDocument:
    """Build the SCP for ``builtin``.

    ``exempt`` lists principal ARN patterns the guardrail never applies to
    (the deploying role always among them); ``regions`` is the allow-list for
    ``region-allowlist`` with the Identity Center home region already in it;
    ``protected_roles`` and ``protected_policies`` list the path-and-name of
    every generated role and customer-managed policy.
    """
    if builtin == "deny-leave-organization":
        return _document(
            _statement(
                "DenyLeavingTheOrganization", ["organizations:LeaveOrganization"], []
            )
        )
    if builtin == "deny-root-user":
        return _document(
            _statement(
                "DenyRootUser",
                ["*"],
                [],
                extra_conditions={
                    "StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"},
                    # A privileged root session opened from the management
                    # account with sts:AssumeRoot (to unlock a bucket policy
                    # that denies everyone, say) carries aws:AssumedRoot and
                    # stays allowed, as AWS's own root-user SCP example does.
                    "Null": {"aws:AssumedRoot": "true"},
                },
            )
        )
    if builtin == "protect-security-services":
        return _document(
            _statement(
                "DenyDisablingSecurityServices", SECURITY_SERVICE_ACTIONS, exempt
            )
        )
    if builtin == "region-allowlist":
        return _document(
            _statement(
                "DenyOutsideAllowedRegions",
                GLOBAL_ACTIONS,
                exempt,
                not_action=True,
                extra_conditions={
                    "StringNotEquals": {"aws:RequestedRegion": sorted(set(regions))}
                },
            )
        )
    if builtin == "protect-access-roles":
        resources = sorted(
            {role_arn_pattern(role) for role in protected_roles}
            | {role_arn_pattern(f"{SSO_ROLE_PATH}*")}
        )
        statements = [
            _statement(
                "DenyChangingAccessRoles",
                ROLE_CHANGE_ACTIONS,
                exempt,
                resources=resources,
            )
        ]
        if protected_policies:
            statements.append(
                _statement(
                    "DenyChangingAccessPolicies",
                    POLICY_CHANGE_ACTIONS,
                    exempt,
                    resources=sorted(
                        {policy_arn_pattern(p) for p in protected_policies}
                    ),
                )
            )
        return _document(*statements)
    if builtin == "deny-iam-users":
        return _document(
            _statement("DenyIamUsersAndAccessKeys", IAM_USER_ACTIONS, exempt)
        )
    raise ValueError(f"unknown built-in guardrail {builtin!r}")
