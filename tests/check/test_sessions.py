"""Session findings: long sessions on powerful sets; chained roles."""

from __future__ import annotations

from tests.check.conftest import Catalogues, one, only, policy


def test_an_administrative_set_longer_than_an_hour_is_a_warning(
    catalogues: Catalogues,
) -> None:
    """Admin sessions outlive removal from the group by their duration."""
    findings = catalogues.findings(
        """
        [permission_sets.Admin]
        session_duration = "PT4H"
        """
    )

    finding = one(findings, "session.long-admin-session")

    assert finding.severity == "warning"
    assert finding.key == "permission_sets.Admin.session_duration"


def test_a_set_with_a_broad_write_managed_policy_longer_than_an_hour_is_a_warning(
    catalogues: Catalogues,
) -> None:
    """PowerUserAccess writes every service but IAM."""
    findings = catalogues.findings(
        """
        [permission_sets.Developer]
        managed_policies = ["PowerUserAccess"]
        session_duration = "PT8H"
        """
    )

    finding = one(findings, "session.long-write-session")

    assert finding.severity == "warning"
    assert finding.key == "permission_sets.Developer.session_duration"
    assert "PowerUserAccess" in finding.message


def test_a_wildcard_write_in_an_own_policy_makes_a_set_write_heavy(
    catalogues: Catalogues,
) -> None:
    """s3:* writes every bucket the resource allows."""
    statement = {
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::example-reports*",
    }
    findings = catalogues.findings(
        """
        [permission_sets.Developer]
        inline_policy = "policies/case.json"
        session_duration = "PT2H"
        """,
        files={"policies/case.json": policy(statement)},
    )

    finding = one(findings, "session.long-write-session")

    assert "s3:*" in finding.message


def test_named_write_actions_do_not_make_a_set_write_heavy(
    catalogues: Catalogues,
) -> None:
    """The base Developer reboots instances and reads; a long session is fine."""
    findings = catalogues.findings(
        """
        [permission_sets.Developer]
        session_duration = "PT8H"
        """
    )

    assert only(findings, "session.long-write-session") == []


def test_a_chained_role_promising_more_than_an_hour_is_a_warning(
    catalogues: Catalogues,
) -> None:
    """The pipeline's role session caps the deployment role at one hour."""
    findings = catalogues.findings(
        """
        [roles.DeploymentRole]
        max_session_duration = 7200
        """
    )

    finding = one(findings, "session.chained-role-duration")

    assert finding.severity == "warning"
    assert finding.key == "roles.DeploymentRole.max_session_duration"


def test_a_roles_anywhere_role_may_last_longer_than_an_hour(
    catalogues: Catalogues,
) -> None:
    """A certificate session is not chained."""
    findings = catalogues.findings(
        """
        [roles.OnPremAgent]
        max_session_duration = 7200
        """
    )

    assert only(findings, "session.chained-role-duration") == []
