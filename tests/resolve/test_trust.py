"""Trust policies are built as data following the DESIGN trust table."""

from __future__ import annotations

from typing import Any

import pytest

from modules.resolve.model import AnchorArn, Org
from modules.resolve.resolver import load_org
from tests.conftest import CatalogueFactory

SERVICE_ROLE = """
[roles.LambdaRunner]
accounts = { names = ["app-dev"] }
trust.service = { principal = "lambda.amazonaws.com" }
managed_policies = ["service-role/AWSLambdaBasicExecutionRole"]
"""


@pytest.fixture
def org(base_catalogue: CatalogueFactory) -> Org:
    return load_org(base_catalogue(SERVICE_ROLE))


def _statement(org: Org, role: str, account: str) -> dict[str, Any]:
    statements = org.roles[role].trust_policies[account]["Statement"]
    assert len(statements) == 1
    statement: dict[str, Any] = statements[0]
    return statement


class TestInOrgTrust:
    def test_trusts_the_exact_caller_role_arn(self, org: Org) -> None:
        """The principal is the caller's role ARN in its account, not the account."""
        statement = _statement(org, "DeploymentRole", "app-prod")

        assert statement["Principal"] == {
            "AWS": "arn:aws:iam::000000000002:role/pipeline"
        }
        assert statement["Action"] == "sts:AssumeRole"

    def test_pins_org_external_id_and_session_name(self, org: Org) -> None:
        """PrincipalOrgID, the External ID and the session name pattern are set."""
        statement = _statement(org, "DeploymentRole", "app-prod")

        assert statement["Condition"] == {
            "StringEquals": {
                "aws:PrincipalOrgID": "o-exampleorg1",
                "sts:ExternalId": "deploy-example-v1",
            },
            "StringLike": {"sts:RoleSessionName": "deploy-*"},
        }


class TestVendorTrust:
    def test_requires_exactly_one_external_id_with_string_equals(
        self, org: Org
    ) -> None:
        """The vendor account is trusted only with its External ID, one value."""
        statement = _statement(org, "BackupVendorAccess", "app-prod")

        assert statement["Principal"] == {"AWS": "arn:aws:iam::999999999999:root"}
        assert statement["Condition"] == {
            "StringEquals": {"sts:ExternalId": "f3a4c1d2-8b7e-4a5f-9c6d-0e1f2a3b4c5d"}
        }


class TestServiceTrust:
    def test_pins_the_source_account(self, org: Org) -> None:
        """A service principal is limited to calls made for this account."""
        statement = _statement(org, "LambdaRunner", "app-dev")

        assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
        assert statement["Condition"] == {
            "StringEquals": {"aws:SourceAccount": "000000000003"}
        }


class TestRolesAnywhereTrust:
    def test_allows_exactly_the_three_roles_anywhere_actions(self, org: Org) -> None:
        """Roles Anywhere needs AssumeRole, TagSession and SetSourceIdentity."""
        statement = _statement(org, "OnPremAgent", "tooling")

        assert statement["Principal"] == {"Service": "rolesanywhere.amazonaws.com"}
        assert sorted(statement["Action"]) == [
            "sts:AssumeRole",
            "sts:SetSourceIdentity",
            "sts:TagSession",
        ]

    def test_pins_the_anchor_and_the_certificate_subject(self, org: Org) -> None:
        """SourceArn is the anchor in the same account; the CN must match."""
        conditions = _statement(org, "OnPremAgent", "tooling")["Condition"]

        anchor = conditions["ArnEquals"]["aws:SourceArn"]
        assert isinstance(anchor, AnchorArn)
        assert (anchor.anchor, anchor.account) == ("corp-ca", "tooling")
        assert conditions["StringEquals"] == {
            "aws:PrincipalTag/x509Subject/CN": "agent-01.corp.example"
        }

    def test_profile_lists_the_roles_of_its_account(self, org: Org) -> None:
        """The anchor is created where its roles are, with those roles listed."""
        assert dict(org.anchors["corp-ca"].roles) == {"tooling": ("OnPremAgent",)}


def test_source_conditions_only_appear_with_a_service_principal(org: Org) -> None:
    """aws:SourceAccount/SourceArn on a role principal would make it unassumable."""
    for role in org.roles.values():
        for policy in role.trust_policies.values():
            for statement in policy["Statement"]:
                keys = {
                    key
                    for operator in statement.get("Condition", {}).values()
                    for key in operator
                }
                if "Service" not in statement["Principal"]:
                    assert not keys & {"aws:SourceAccount", "aws:SourceArn"}, role.name
