"""Trust findings: read from the trust policies themselves, then the catalogue."""

from __future__ import annotations

import pytest

from modules.resolve.model import Org
from tests.check.conftest import Catalogues, check, one, only, with_trust

VENDOR = "arn:aws:iam::999999999999:role/BackupCoAgent"
PIPELINE = "arn:aws:iam::000000000002:role/pipeline"
EXTERNAL_ID = "f3a4c1d2-8b7e-4a5f-9c6d-0e1f2a3b4c5d"


@pytest.fixture
def org(catalogues: Catalogues) -> Org:
    """The base org, whose trusts the tests below replace."""
    return catalogues.org()


def vendor_statement(**changes: object) -> dict[str, object]:
    """The vendor trust the resolver builds, with ``changes`` applied."""
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"AWS": VENDOR},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
    }
    statement.update(changes)
    return statement


class TestPrincipals:
    def test_a_wildcard_principal_is_an_error(self, org: Org) -> None:
        """Principal "*" trusts every AWS account."""
        changed = with_trust(org, "BackupVendorAccess", vendor_statement(Principal="*"))

        finding = one(check(changed), "trust.wildcard-principal")

        assert finding.severity == "error"
        assert finding.key == "roles.BackupVendorAccess.trust.vendor"

    def test_a_partial_wildcard_principal_is_an_error(self, org: Org) -> None:
        """A pattern of role ARNs is refused by IAM and never what was meant."""
        statement = {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::*:role/pipeline"},
            "Action": "sts:AssumeRole",
        }
        changed = with_trust(org, "DeploymentRole", statement)

        finding = one(check(changed), "trust.wildcard-principal")

        assert finding.severity == "error"
        assert finding.key == "roles.DeploymentRole.trust.role"

    def test_not_principal_is_an_error(self, org: Org) -> None:
        """NotPrincipal trusts everyone it does not name."""
        statement = vendor_statement(NotPrincipal={"AWS": VENDOR})
        del statement["Principal"]
        changed = with_trust(org, "BackupVendorAccess", statement)

        finding = one(check(changed), "trust.not-principal")

        assert finding.severity == "error"
        assert finding.key == "roles.BackupVendorAccess.trust.vendor"

    def test_an_in_org_account_root_is_an_error(self, org: Org) -> None:
        """Trusting tooling's :root lets every principal there in."""
        statement = {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::000000000002:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg1"}},
        }
        changed = with_trust(org, "DeploymentRole", statement)

        finding = one(check(changed), "trust.account-root")

        assert finding.severity == "error"
        assert finding.key == "roles.DeploymentRole.trust.role"
        assert "accounts.tooling" in finding.message

    def test_an_exact_identity_center_role_arn_is_an_error(self, org: Org) -> None:
        """An AWSReservedSSO_ role's suffix changes on re-provisioning."""
        sso_role = (
            "arn:aws:iam::000000000002:role/aws-reserved/sso.amazonaws.com/"
            "AWSReservedSSO_Admin_0123456789abcdef"
        )
        statement = {
            "Effect": "Allow",
            "Principal": {"AWS": sso_role},
            "Action": "sts:AssumeRole",
        }
        changed = with_trust(org, "DeploymentRole", statement)

        finding = one(check(changed), "trust.sso-role-arn")

        assert finding.severity == "error"
        assert finding.key == "roles.DeploymentRole.trust.role"

    def test_an_identity_center_role_matched_by_wildcard_is_fine(
        self, org: Org
    ) -> None:
        """ArnLike with a wildcard suffix survives re-provisioning."""
        statement = {
            "Effect": "Allow",
            "Principal": {"AWS": PIPELINE},
            "Action": "sts:AssumeRole",
            "Condition": {
                "ArnLike": {
                    "aws:PrincipalArn": "arn:aws:iam::*:role/aws-reserved/"
                    "sso.amazonaws.com/*AWSReservedSSO_Admin_*"
                }
            },
        }
        changed = with_trust(org, "DeploymentRole", statement)

        assert only(check(changed), "trust.sso-role-arn") == []


class TestStatementShape:
    def test_a_resource_element_is_an_error(self, org: Org) -> None:
        """IAM refuses Resource in a trust policy."""
        changed = with_trust(org, "BackupVendorAccess", vendor_statement(Resource="*"))

        finding = one(check(changed), "trust.resource")

        assert finding.severity == "error"
        assert finding.key == "roles.BackupVendorAccess.trust.vendor"

    @pytest.mark.parametrize(
        "actions",
        [
            # a wildcard grants every STS action
            {"Action": "sts:*"},
            # web identity is another way in
            {"Action": ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"]},
            # NotAction grants everything it does not list
            {"NotAction": "sts:GetCallerIdentity"},
        ],
    )
    def test_actions_beyond_assume_tag_and_source_identity_are_errors(
        self, org: Org, actions: dict[str, object]
    ) -> None:
        """Only sts:AssumeRole, sts:TagSession and sts:SetSourceIdentity belong."""
        statement = vendor_statement()
        del statement["Action"]
        statement.update(actions)
        changed = with_trust(org, "BackupVendorAccess", statement)

        finding = one(check(changed), "trust.unexpected-action")

        assert finding.severity == "error"
        assert finding.key == "roles.BackupVendorAccess.trust.vendor"


class TestExternalId:
    @pytest.mark.parametrize(
        "operator", ["StringLike", "StringEqualsIfExists", "ForAnyValue:StringEquals"]
    )
    def test_an_operator_other_than_string_equals_is_an_error(
        self, org: Org, operator: str
    ) -> None:
        """Patterns, IfExists and set operators loosen the External ID."""
        condition = {operator: {"sts:ExternalId": EXTERNAL_ID}}
        changed = with_trust(
            org, "BackupVendorAccess", vendor_statement(Condition=condition)
        )

        finding = one(check(changed), "trust.external-id-operator")

        assert finding.severity == "error"
        assert finding.key == "roles.BackupVendorAccess.external_id"

    def test_several_values_are_an_error(self, org: Org) -> None:
        """Two External IDs let two tenants in."""
        condition = {"StringEquals": {"sts:ExternalId": [EXTERNAL_ID, "other-tenant"]}}
        changed = with_trust(
            org, "BackupVendorAccess", vendor_statement(Condition=condition)
        )

        finding = one(check(changed), "trust.external-id-values")

        assert finding.severity == "error"
        assert finding.key == "roles.BackupVendorAccess.external_id"

    def test_a_vendor_without_external_id_condition_is_an_error(self, org: Org) -> None:
        """A principal outside the org must present the External ID."""
        statement = vendor_statement()
        del statement["Condition"]
        changed = with_trust(org, "BackupVendorAccess", statement)

        finding = one(check(changed), "trust.vendor-without-external-id")

        assert finding.severity == "error"
        assert finding.key == "roles.BackupVendorAccess.external_id"

    def test_a_short_vendor_external_id_is_a_warning(
        self, catalogues: Catalogues
    ) -> None:
        """Under 16 characters is guessable."""
        findings = catalogues.findings(
            """
            [roles.BackupVendorAccess]
            external_id = "k9-Zq2-Lm7-Xw4"
            """
        )

        finding = one(findings, "trust.external-id-short")

        assert finding.severity == "warning"
        assert finding.key == "roles.BackupVendorAccess.external_id"

    @pytest.mark.parametrize(
        "external_id",
        [
            # the org's own name: chosen here, not issued by the vendor
            "example-backup-tenant-01",
            # one of the org's account ids
            "tenant-000000000004-x",
            # few distinct characters
            "aaaaaaaaaaaaaaaabbbbbbbb",
        ],
    )
    def test_an_external_id_that_looks_chosen_is_a_warning(
        self, catalogues: Catalogues, external_id: str
    ) -> None:
        """Vendors issue random values; our own names can be guessed."""
        findings = catalogues.findings(
            f"""
            [roles.BackupVendorAccess]
            external_id = "{external_id}"
            """
        )

        finding = one(findings, "trust.external-id-guessable")

        assert finding.severity == "warning"
        assert finding.key == "roles.BackupVendorAccess.external_id"

    def test_in_org_external_ids_are_not_judged_for_length(
        self, catalogues: Catalogues
    ) -> None:
        """In the org the role ARN and org id pin the caller, not the External ID."""
        findings = catalogues.findings(
            """
            [roles.DeploymentRole]
            external_id = "deploy-v1"
            """
        )

        assert only(findings, "trust.external-id-short") == []
        assert only(findings, "trust.external-id-guessable") == []


class TestVendorRoot:
    def test_a_vendor_trusted_on_its_account_root_is_a_warning(
        self, catalogues: Catalogues
    ) -> None:
        """Without role_arn the whole vendor account may present the External ID."""
        findings = catalogues.findings(
            """
            [roles.AuditVendorAccess]
            accounts = { names = ["app-prod"] }
            trust.vendor = { account = "888888888888", name = "AuditCo" }
            external_id = "5b0e7c8a-31d4-4f9e-a2b6-c1d8e9f07a13"
            policy = "policies/read.json"
            """
        )

        finding = one(findings, "trust.vendor-root")

        assert finding.severity == "warning"
        assert finding.key == "roles.AuditVendorAccess.trust.vendor"
        assert "AuditCo" in finding.message


class TestServicePrincipals:
    def test_a_service_without_source_account_or_arn_is_an_error(
        self, org: Org
    ) -> None:
        """Without aws:SourceAccount the service can act for anyone's resources."""
        statement = {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
        changed = with_trust(org, "ReportRunner", statement)

        finding = one(check(changed), "trust.service-without-source")

        assert finding.severity == "error"
        assert finding.key == "roles.ReportRunner.trust.service"

    def test_source_conditions_on_a_role_principal_are_an_error(self, org: Org) -> None:
        """A role never sends aws:SourceAccount, so nobody could assume the role."""
        statement = {
            "Effect": "Allow",
            "Principal": {"AWS": PIPELINE},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "000000000002"}},
        }
        changed = with_trust(org, "DeploymentRole", statement)

        finding = one(check(changed), "trust.source-condition-on-role")

        assert finding.severity == "error"
        assert finding.key == "roles.DeploymentRole.trust.role"


class TestSessionName:
    def test_a_writing_in_org_role_without_session_name_is_a_warning(
        self, catalogues: Catalogues
    ) -> None:
        """CloudTrail cannot tie a pipeline's change to its commit."""
        findings = catalogues.findings(
            """
            [roles.ReleaseRole]
            accounts = { names = ["app-prod"] }
            trust.role = "tooling/release-pipeline"
            policy = "policies/deploy.json"
            """
        )

        finding = one(findings, "trust.missing-session-name")

        assert finding.severity == "warning"
        assert finding.key == "roles.ReleaseRole.session_name"

    def test_a_read_only_in_org_role_needs_no_session_name(
        self, catalogues: Catalogues
    ) -> None:
        """A reader changes nothing, so its session name matters less."""
        findings = catalogues.findings(
            """
            [roles.MetricsReader]
            accounts = { names = ["app-prod"] }
            trust.role = "tooling/collector"
            policy = "policies/read.json"
            """
        )

        assert only(findings, "trust.missing-session-name") == []


def test_the_base_trusts_raise_nothing(org: Org) -> None:
    """The resolver's trusts for every kind pass every trust rule."""
    findings = check(org)

    assert [f for f in findings if f.id.startswith("trust.")] == []
