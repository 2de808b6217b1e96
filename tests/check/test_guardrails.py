"""Guardrail findings: SCPs aimed at the management account or the home region."""

from __future__ import annotations

from typing import Any

from tests.check.conftest import Catalogues, check, one, only, policy, with_guardrail


def region_allowlist(
    *regions: str, operator: str = "StringNotEquals"
) -> dict[str, Any]:
    """A region allow-list statement in the shape AWS's example SCPs use."""
    return {
        "Sid": "DenyOutsideAllowedRegions",
        "Effect": "Deny",
        "NotAction": ["iam:*", "organizations:*", "sts:*"],
        "Resource": "*",
        "Condition": {operator: {"aws:RequestedRegion": list(regions)}},
    }


def test_a_guardrail_on_the_management_account_is_an_error(
    catalogues: Catalogues,
) -> None:
    """SCPs never restrict the management account."""
    findings = catalogues.findings(
        """
        [guardrails.no-leaving]
        targets = ["root", "management"]
        """
    )

    finding = one(findings, "guardrail.targets-management")

    assert finding.severity == "error"
    assert finding.key == "guardrails.no-leaving.targets"


def test_a_region_allow_list_file_without_the_home_region_is_an_error(
    catalogues: Catalogues,
) -> None:
    """Leaving out eu-west-1 denies everyone the Identity Center home region."""
    findings = catalogues.findings(
        """
        [guardrails.regions]
        document = "policies/case.json"
        targets = ["Workloads"]
        """,
        files={"policies/case.json": policy(region_allowlist("eu-central-1"))},
    )

    finding = one(findings, "guardrail.home-region-lockout")

    assert finding.severity == "error"
    assert finding.key == "guardrails.regions.document"
    assert "eu-west-1" in finding.message


def test_a_region_allow_list_with_the_home_region_is_fine(
    catalogues: Catalogues,
) -> None:
    """A StringNotLike pattern that covers the home region keeps it open."""
    statement = region_allowlist("eu-*", operator="StringNotLike")
    findings = catalogues.findings(
        """
        [guardrails.regions]
        document = "policies/case.json"
        targets = ["Workloads"]
        """,
        files={"policies/case.json": policy(statement)},
    )

    assert only(findings, "guardrail.home-region-lockout") == []


def test_a_built_in_allow_list_that_lost_the_home_region_is_an_error(
    catalogues: Catalogues,
) -> None:
    """The resolver adds the home region; the check catches a regression."""
    org = catalogues.org()
    document = policy(region_allowlist("eu-central-1"))

    findings = check(with_guardrail(org, "region-allowlist", document))

    finding = one(findings, "guardrail.home-region-lockout")
    assert finding.key == "guardrails.region-allowlist.regions"


def test_a_pattern_under_string_not_equals_is_read_literally(
    catalogues: Catalogues,
) -> None:
    """StringNotEquals does not expand "eu-*", so eu-west-1 is denied."""
    findings = catalogues.findings(
        """
        [guardrails.regions]
        document = "policies/case.json"
        targets = ["Workloads"]
        """,
        files={"policies/case.json": policy(region_allowlist("eu-*"))},
    )

    assert len(only(findings, "guardrail.home-region-lockout")) == 1


def test_a_narrow_regional_deny_is_not_a_lockout(catalogues: Catalogues) -> None:
    """Denying one action in the home region is a choice, not a lockout."""
    statement = {
        "Effect": "Deny",
        "Action": "ec2:RunInstances",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    }
    org = catalogues.org()

    findings = check(with_guardrail(org, "no-leaving", policy(statement)))

    assert only(findings, "guardrail.home-region-lockout") == []
