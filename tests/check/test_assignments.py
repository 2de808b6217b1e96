"""Assignment findings: access to the management account."""

from __future__ import annotations

from tests.check.conftest import Catalogues, one

MANAGEMENT_AUDIT = """
[groups.auditors]
display_name = "AWS-Auditors"

[[assignments]]
groups = ["auditors"]
permission_set = "Developer"
accounts = { names = ["management"] }
"""


def test_an_assignment_on_the_management_account_is_a_warning(
    catalogues: Catalogues,
) -> None:
    """No guardrail restricts what people do there."""
    findings = catalogues.findings(MANAGEMENT_AUDIT)

    finding = one(findings, "assignment.management-account")

    assert finding.severity == "warning"
    assert finding.key == "assignments[2].accounts"
    assert "auditors as Developer" in finding.message


def test_an_assignment_on_the_management_account_from_a_delegated_admin_is_an_error(
    catalogues: Catalogues,
) -> None:
    """A delegated Identity Center administrator cannot assign there."""
    findings = catalogues.findings(
        MANAGEMENT_AUDIT
        + """
        [organization]
        identity_center_account = "tooling"
        """
    )

    finding = one(findings, "assignment.delegated-management-account")

    assert finding.severity == "error"
    assert finding.key == "assignments[2].accounts"
