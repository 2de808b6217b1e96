"""Limit findings: sizes measured on the JSON synthesis writes, and counts."""

from __future__ import annotations

from modules.check.documents import iam_size, size
from modules.resolve.model import PolicyDocument
from tests.check.conftest import Catalogues, one, only, policy


def large_policy(characters: int, effect: str = "Allow") -> PolicyDocument:
    """A valid policy of at least ``characters`` characters as synthesized."""
    resources: list[str] = []
    document = policy(
        {"Effect": effect, "Action": "s3:GetObject", "Resource": resources}
    )
    while size(document) < characters:
        resources.append(f"arn:aws:s3:::example-reports-{len(resources):04d}/*")
    return document


def test_large_policy_builds_what_it_promises() -> None:
    """The helper's documents are as large as asked, whitespace aside."""
    document = large_policy(6_000)

    assert iam_size(document) == size(document) >= 6_000


def test_an_scp_over_5120_characters_is_an_error(catalogues: Catalogues) -> None:
    """Organizations refuses it."""
    findings = catalogues.findings(
        """
        [guardrails.big]
        document = "policies/case.json"
        targets = ["Workloads"]
        """,
        files={"policies/case.json": large_policy(5_121, effect="Deny")},
    )

    finding = one(findings, "limit.scp-size")

    assert finding.severity == "error"
    assert finding.key == "guardrails.big.document"


def test_an_scp_of_exactly_5120_characters_fits(catalogues: Catalogues) -> None:
    """The limit is inclusive."""
    document = large_policy(5_000, effect="Deny")
    document["Statement"][0]["Sid"] = "S" * (5_120 - size(document) - len(',"Sid":""'))
    assert size(document) == 5_120
    findings = catalogues.findings(
        """
        [guardrails.big]
        document = "policies/case.json"
        targets = ["Workloads"]
        """,
        files={"policies/case.json": document},
    )

    assert only(findings, "limit.scp-size") == []


def test_a_sixth_scp_on_one_target_is_an_error(catalogues: Catalogues) -> None:
    """The root has no-leaving; four more and FullAWSAccess make six."""
    findings = catalogues.findings(
        """
        [guardrails.a-root-user]
        builtin = "deny-root-user"
        targets = ["root"]

        [guardrails.b-security]
        builtin = "protect-security-services"
        targets = ["root"]

        [guardrails.c-roles]
        builtin = "protect-access-roles"
        targets = ["root"]

        [guardrails.d-users]
        builtin = "deny-iam-users"
        targets = ["root"]
        """
    )

    finding = one(findings, "limit.scp-count")

    assert finding.severity == "error"
    assert finding.key == "guardrails.no-leaving.targets"
    assert "the root would carry 6 SCPs" in finding.message


def test_five_scps_on_one_target_fit(catalogues: Catalogues) -> None:
    """Four of ours and FullAWSAccess are the most a target takes."""
    findings = catalogues.findings(
        """
        [guardrails.a-root-user]
        builtin = "deny-root-user"
        targets = ["root"]

        [guardrails.b-security]
        builtin = "protect-security-services"
        targets = ["root"]

        [guardrails.c-roles]
        builtin = "protect-access-roles"
        targets = ["root"]
        """
    )

    assert only(findings, "limit.scp-count") == []


def test_a_permission_set_inline_policy_over_10240_is_an_error(
    catalogues: Catalogues,
) -> None:
    """Identity Center cannot provision it."""
    findings = catalogues.findings(
        """
        [permission_sets.Developer]
        inline_policy = "policies/case.json"
        """,
        files={"policies/case.json": large_policy(10_241)},
    )

    finding = one(findings, "limit.inline-policy-size")

    assert finding.severity == "error"
    assert finding.key == "permission_sets.Developer.inline_policy"


def test_a_customer_managed_policy_over_6144_is_an_error(
    catalogues: Catalogues,
) -> None:
    """IAM refuses the policy."""
    findings = catalogues.findings(
        """
        [policies.Guardrails]
        document = "policies/case.json"
        """,
        files={"policies/case.json": large_policy(6_145, effect="Deny")},
    )

    finding = one(findings, "limit.managed-policy-size")

    assert finding.severity == "error"
    assert finding.key == "policies.Guardrails.document"


def test_whitespace_inside_values_does_not_count_for_iam(
    catalogues: Catalogues,
) -> None:
    """IAM counts non-whitespace characters only."""
    document = large_policy(6_000, effect="Deny")
    document["Statement"][0]["Condition"] = {
        "StringEquals": {"aws:PrincipalTag/team": " " * 500}
    }
    assert size(document) > 6_144 >= iam_size(document)
    findings = catalogues.findings(
        """
        [policies.Guardrails]
        document = "policies/case.json"
        """,
        files={"policies/case.json": document},
    )

    assert only(findings, "limit.managed-policy-size") == []


def test_a_role_policy_over_10240_is_an_error(catalogues: Catalogues) -> None:
    """A role's inline policies share 10,240 characters."""
    findings = catalogues.findings(
        """
        [roles.ReportRunner]
        policy = "policies/case.json"
        """,
        files={"policies/case.json": large_policy(10_241)},
    )

    finding = one(findings, "limit.role-policy-size")

    assert finding.severity == "error"
    assert finding.key == "roles.ReportRunner.policy"


def test_a_trust_policy_over_2048_is_an_error(catalogues: Catalogues) -> None:
    """Sixty pinned certificate subjects outgrow the default trust quota."""
    hosts = ", ".join(f'"agent-{n:02d}.build.corp.example"' for n in range(60))
    findings = catalogues.findings(
        f"""
        [roles.OnPremAgent]
        trust.roles_anywhere = {{ anchor = "corp-ca", subjects = {{ CN = [{hosts}] }} }}
        """
    )

    finding = one(findings, "limit.trust-policy-size")

    assert finding.severity == "error"
    assert finding.key == "roles.OnPremAgent.trust"
    assert "accounts.tooling" in finding.message


def test_more_than_ten_managed_policies_is_a_warning(catalogues: Catalogues) -> None:
    """Ten AWS managed policies plus a customer-managed one need a quota raise."""
    findings = catalogues.findings(
        """
        [permission_sets.Developer]
        managed_policies = [
            "ReadOnlyAccess", "SecurityAudit", "job-function/ViewOnlyAccess",
            "AmazonS3ReadOnlyAccess", "AmazonEC2ReadOnlyAccess",
            "AmazonRDSReadOnlyAccess", "AmazonDynamoDBReadOnlyAccess",
            "CloudWatchReadOnlyAccess", "AWSLambda_ReadOnlyAccess",
            "AmazonSQSReadOnlyAccess",
        ]
        """
    )

    finding = one(findings, "limit.managed-policy-count")

    assert finding.severity == "warning"
    assert finding.key == "permission_sets.Developer.managed_policies"
