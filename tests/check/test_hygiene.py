"""Hygiene findings: unused entries and legacy users past their date."""

from __future__ import annotations

import datetime

import pytest

from modules.check import run_checks
from tests.check.conftest import Catalogues, one, only


@pytest.mark.parametrize(
    ("edits", "rule_id", "key"),
    [
        (
            '[groups.contractors]\ndisplay_name = "AWS-Contractors"',
            "hygiene.unused-group",
            "groups.contractors",
        ),
        (
            '[permission_sets.Billing]\nmanaged_policies = ["job-function/Billing"]',
            "hygiene.unused-permission-set",
            "permission_sets.Billing",
        ),
        (
            '[policies.Spare]\ndocument = "policies/guardrails.json"',
            "hygiene.unused-policy",
            "policies.Spare",
        ),
        (
            "[roles_anywhere.old-ca]\nsource = { acm_pca_arn = "
            '"arn:aws:acm-pca:eu-west-1:000000000002:certificate-authority/'
            '1a2b3c4d-0000-4000-8000-000000000000" }',
            "hygiene.unused-anchor",
            "roles_anywhere.old-ca",
        ),
    ],
)
def test_an_unused_entry_is_a_warning(
    catalogues: Catalogues, edits: str, rule_id: str, key: str
) -> None:
    """Declared but never used: remove it or use it."""
    finding = one(catalogues.findings(edits), rule_id)

    assert finding.severity == "warning"
    assert finding.key == key


def test_a_policy_used_only_as_a_boundary_is_used(catalogues: Catalogues) -> None:
    """A permissions boundary names the policy, so it is created."""
    findings = catalogues.findings(
        """
        [policies.Boundary]
        document = "policies/guardrails.json"

        [permission_sets.Developer]
        permissions_boundary = { customer_managed = "Boundary" }
        """
    )

    assert only(findings, "hygiene.unused-policy") == []


def test_a_legacy_user_past_its_retire_by_date_is_a_warning(
    catalogues: Catalogues,
) -> None:
    """The base's old-deployer retires on 2027-03-31."""
    org = catalogues.org()

    on_the_day = run_checks(org, today=datetime.date(2027, 3, 31))
    after = run_checks(org, today=datetime.date(2027, 4, 1))

    assert only(on_the_day, "legacy.past-retire-by") == []
    finding = one(after, "legacy.past-retire-by")
    assert finding.severity == "warning"
    assert finding.key == "legacy.iam_users.old-deployer.retire_by"
