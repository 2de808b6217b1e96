"""Built-in guardrails say what their README line promises."""

from __future__ import annotations

from typing import Any

from modules.resolve.resolver import load_org
from tests.conftest import CatalogueFactory

GUARDRAILS = """
[guardrails.root-user]
builtin = "deny-root-user"
targets = ["root"]

[guardrails.regions]
builtin = "region-allowlist"
regions = ["eu-central-1"]
targets = ["Workloads"]

[guardrails.access]
builtin = "protect-access-roles"
targets = ["Workloads"]
"""


def _statements(base_catalogue: CatalogueFactory, key: str) -> list[dict[str, Any]]:
    catalogue = base_catalogue(GUARDRAILS)
    text = catalogue.read_text(encoding="utf-8").replace(
        'identity_center_account = "management"',
        'identity_center_account = "management"\nexecution_role = "OrgDeployer"',
    )
    catalogue.write_text(text, encoding="utf-8")

    statements: list[dict[str, Any]] = (
        load_org(catalogue).guardrails[key].document["Statement"]
    )
    return statements


def test_root_user_denial_spares_sessions_opened_with_assume_root(
    base_catalogue: CatalogueFactory,
) -> None:
    """Centralized root access (sts:AssumeRoot) must keep working for recovery."""
    [statement] = _statements(base_catalogue, "root-user")

    assert statement["Condition"] == {
        "Null": {"aws:AssumedRoot": "true"},
        "StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"},
    }


def test_region_allowlist_adds_the_home_region_and_exempts_control_tower(
    base_catalogue: CatalogueFactory,
) -> None:
    """The home region stays allowed; the deployer and Control Tower are exempt."""
    [statement] = _statements(base_catalogue, "regions")

    assert statement["Condition"]["StringNotEquals"] == {
        "aws:RequestedRegion": ["eu-central-1", "eu-west-1"]
    }
    assert statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == [
        "arn:aws:iam::*:role/AWSControlTowerExecution",
        "arn:aws:iam::*:role/OrgDeployer",
        "arn:aws:iam::*:role/aws-controltower-*",
        "arn:aws:iam::*:role/stacksets-exec-*",
    ]
    assert "sts:*" in statement["NotAction"]


def test_access_protection_covers_roles_sso_roles_and_policies(
    base_catalogue: CatalogueFactory,
) -> None:
    """Generated roles, Identity Center roles by path, and catalogue policies."""
    roles, policies = _statements(base_catalogue, "access")

    assert roles["Resource"] == [
        "arn:aws:iam::*:role/BackupVendorAccess",
        "arn:aws:iam::*:role/DeploymentRole",
        "arn:aws:iam::*:role/OnPremAgent",
        "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*",
    ]
    assert policies["Resource"] == "arn:aws:iam::*:policy/Guardrails"
    assert "iam:CreatePolicyVersion" in policies["Action"]
