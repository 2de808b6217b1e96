"""Policy findings: administrator-equivalent grants and parliament's defects."""

from __future__ import annotations

from typing import Any

import pytest

from tests.check.conftest import (
    Catalogues,
    check,
    one,
    only,
    policy,
    with_guardrail,
)

EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}
IAM_EVERYTHING = {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}
PASS_ANY_ROLE = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}

INLINE = """
[permission_sets.Developer]
inline_policy = "policies/case.json"
"""


class TestAdministratorGrants:
    def test_everything_on_everything_is_an_error_outside_administrative_sets(
        self, catalogues: Catalogues
    ) -> None:
        """An inline "*" on "*" makes the Developer set an administrator."""
        findings = catalogues.findings(
            INLINE, files={"policies/case.json": policy(EVERYTHING)}
        )

        finding = one(findings, "policy.admin-wildcard")

        assert finding.severity == "error"
        assert finding.key == "permission_sets.Developer.inline_policy"
        assert "policies/case.json" in finding.message

    def test_an_administrative_permission_set_may_grant_everything(
        self, catalogues: Catalogues
    ) -> None:
        """administrative = true is the explicit, reviewed exception."""
        findings = catalogues.findings(
            """
            [permission_sets.Admin]
            inline_policy = "policies/case.json"
            """,
            files={"policies/case.json": policy(EVERYTHING)},
        )

        assert only(findings, "policy.admin-wildcard") == []

    def test_not_action_that_leaves_iam_in_is_an_error(
        self, catalogues: Catalogues
    ) -> None:
        """Allowing everything but S3 still allows every IAM action."""
        statement = {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}
        findings = catalogues.findings(
            INLINE, files={"policies/case.json": policy(statement)}
        )

        finding = one(findings, "policy.admin-wildcard")

        assert finding.key == "permission_sets.Developer.inline_policy"

    def test_not_action_that_excludes_iam_is_not_administrator_access(
        self, catalogues: Catalogues
    ) -> None:
        """The PowerUserAccess shape leaves IAM out and is judged elsewhere."""
        statement = {
            "Effect": "Allow",
            "NotAction": ["iam:*", "organizations:*", "account:*"],
            "Resource": "*",
        }
        findings = catalogues.findings(
            INLINE, files={"policies/case.json": policy(statement)}
        )

        assert only(findings, "policy.admin-wildcard") == []
        assert only(findings, "policy.iam-wildcard") == []

    def test_administrator_access_on_a_set_that_is_not_administrative_is_an_error(
        self, catalogues: Catalogues
    ) -> None:
        """The AWS managed policy is judged by its name."""
        findings = catalogues.findings(
            """
            [permission_sets.Developer]
            managed_policies = ["AdministratorAccess"]
            """
        )

        finding = one(findings, "policy.admin-wildcard")

        assert finding.severity == "error"
        assert finding.key == "permission_sets.Developer.managed_policies"

    def test_iam_everything_in_a_role_policy_is_an_error(
        self, catalogues: Catalogues
    ) -> None:
        """Roles cannot be administrative, so iam:* is always refused there."""
        findings = catalogues.findings(
            """
            [roles.ReportRunner]
            policy = "policies/case.json"
            """,
            files={"policies/case.json": policy(IAM_EVERYTHING)},
        )

        finding = one(findings, "policy.iam-wildcard")

        assert finding.severity == "error"
        assert finding.key == "roles.ReportRunner.policy"

    def test_iam_full_access_on_a_role_is_an_error(
        self, catalogues: Catalogues
    ) -> None:
        """IAMFullAccess is iam:* under another name."""
        findings = catalogues.findings(
            """
            [roles.ReportRunner]
            managed_policies = ["IAMFullAccess"]
            """
        )

        finding = one(findings, "policy.iam-wildcard")

        assert finding.key == "roles.ReportRunner.managed_policies"

    def test_pass_role_on_every_role_is_an_error_in_a_customer_managed_policy(
        self, catalogues: Catalogues
    ) -> None:
        """The Developer set attaches Guardrails, so Guardrails is judged."""
        findings = catalogues.findings(
            """
            [policies.Guardrails]
            document = "policies/case.json"
            """,
            files={"policies/case.json": policy(PASS_ANY_ROLE)},
        )

        finding = one(findings, "policy.passrole-wildcard")

        assert finding.severity == "error"
        assert finding.key == "policies.Guardrails.document"

    @pytest.mark.parametrize(
        "resource",
        [
            # a path of roles made for the purpose
            "arn:aws:iam::*:role/cfn-execution/*",
            # one named role
            "arn:aws:iam::000000000003:role/app-task",
        ],
    )
    def test_pass_role_on_chosen_roles_is_fine(
        self, catalogues: Catalogues, resource: str
    ) -> None:
        """Passing roles under a path made for the purpose is the safe pattern."""
        statement = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": resource}
        findings = catalogues.findings(
            INLINE, files={"policies/case.json": policy(statement)}
        )

        assert only(findings, "policy.passrole-wildcard") == []


class TestParliament:
    def test_an_unknown_action_is_an_error(self, catalogues: Catalogues) -> None:
        """A misspelt action never matches."""
        statement = {
            "Sid": "ReadReports",
            "Effect": "Allow",
            "Action": "s3:GetObjectz",
            "Resource": "arn:aws:s3:::example-reports/*",
        }
        findings = catalogues.findings(
            INLINE, files={"policies/case.json": policy(statement)}
        )

        finding = one(findings, "policy.unknown-action")

        assert finding.severity == "error"
        assert finding.key == "permission_sets.Developer.inline_policy"
        assert "'ReadReports'" in finding.message
        assert "s3:GetObjectz" in finding.message

    def test_an_unknown_condition_operator_in_an_scp_file_is_an_error(
        self, catalogues: Catalogues
    ) -> None:
        """A misspelt operator makes the Deny never apply."""
        statement = {
            "Sid": "KeepBuckets",
            "Effect": "Deny",
            "Action": "s3:DeleteBucket",
            "Resource": "*",
            "Condition": {"StringEqualz": {"aws:PrincipalOrgID": "o-exampleorg1"}},
        }
        findings = catalogues.findings(
            """
            [guardrails.keep-buckets]
            document = "policies/case.json"
            targets = ["Workloads"]
            """,
            files={"policies/case.json": policy(statement)},
        )

        finding = one(findings, "policy.parliament")

        assert finding.severity == "error"
        assert finding.key == "guardrails.keep-buckets.document"
        assert "UNKNOWN_OPERATOR" in finding.message

    def test_a_resource_that_no_action_acts_on_is_an_error(
        self, catalogues: Catalogues
    ) -> None:
        """RunInstances on a bucket ARN grants nothing."""
        statement = {
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": "arn:aws:s3:::example-reports",
        }
        findings = catalogues.findings(
            """
            [roles.DeploymentRole]
            policy = "policies/case.json"
            """,
            files={"policies/case.json": policy(statement)},
        )

        finding = one(findings, "policy.parliament")

        assert finding.key == "roles.DeploymentRole.policy"
        assert "RESOURCE_MISMATCH" in finding.message

    def test_a_likely_unintended_grant_is_a_warning(
        self, catalogues: Catalogues
    ) -> None:
        """PutBucketPolicy without GetObject can grant itself GetObject."""
        statement = {
            "Effect": "Allow",
            "Action": "s3:PutBucketPolicy",
            "Resource": "arn:aws:s3:::example-reports",
        }
        findings = catalogues.findings(
            """
            [roles.ReportRunner]
            policy = "policies/case.json"
            """,
            files={"policies/case.json": policy(statement)},
        )

        finding = one(findings, "policy.parliament-notice")

        assert finding.severity == "warning"
        assert finding.key == "roles.ReportRunner.policy"

    def test_not_action_statements_in_scps_raise_no_false_positives(
        self, catalogues: Catalogues
    ) -> None:
        """parliament would judge the excluded actions' resources and keys."""
        statement: dict[str, Any] = {
            "Effect": "Deny",
            "NotAction": ["iam:*", "s3:ListAllMyBuckets"],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"s3:prefix": "reports/"}},
        }
        findings = catalogues.findings(
            """
            [guardrails.odd]
            document = "policies/case.json"
            targets = ["Workloads"]
            """,
            files={"policies/case.json": policy(statement)},
        )

        assert [f for f in findings if f.id.startswith("policy.")] == []

    def test_builtin_guardrails_are_linted_under_the_guardrail_key(
        self, catalogues: Catalogues
    ) -> None:
        """A built-in SCP has no file, so findings name the guardrail itself."""
        org = catalogues.org()
        broken = policy({"Effect": "Deny", "Action": "s3:Nope", "Resource": "*"})

        finding = one(
            check(with_guardrail(org, "no-leaving", broken)), "policy.unknown-action"
        )

        assert finding.key == "guardrails.no-leaving"
        assert "built-in policy" in finding.message
