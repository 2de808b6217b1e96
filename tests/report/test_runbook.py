"""The runbook gives the exact, ordered steps to bootstrap the reference org."""

from __future__ import annotations

import pytest

from modules.report.runbook import render_runbook
from modules.resolve.model import Org


@pytest.fixture(scope="module")
def runbook(reference_org: Org) -> str:
    return render_runbook(reference_org)


def test_lists_every_workspace_in_first_apply_order_with_its_commands(
    reference_org: Org, runbook: str
) -> None:
    """init, plan -out=tfplan and apply tfplan for each workspace, in order."""
    lines = runbook.splitlines()
    positions = []
    for workspace in reference_org.workspaces():
        folder = f"cdktf.out/stacks/{workspace.name}"
        init = lines.index(f"terraform -chdir={folder} init")
        assert lines[init + 1] == f"terraform -chdir={folder} plan -out=tfplan"
        assert lines[init + 2] == f"terraform -chdir={folder} apply tfplan"
        positions.append(init)

    assert positions == sorted(positions)
    assert len(positions) == 42
    assert runbook.count(" init\n") == 42


def test_account_workspaces_come_before_identity_and_organization(
    runbook: str,
) -> None:
    """The last account workspace precedes identity, which precedes organization."""
    last_account = runbook.rindex("-chdir=cdktf.out/stacks/account-")
    identity = runbook.index("-chdir=cdktf.out/stacks/identity init")
    organization = runbook.index("-chdir=cdktf.out/stacks/organization init")

    assert last_account < identity < organization
    assert "#38247" in runbook


def test_commands_use_the_given_output_folder(reference_org: Org) -> None:
    """A folder with a space is quoted for the shell."""
    text = render_runbook(reference_org, out_dir="build/org access")

    assert "terraform -chdir='build/org access/stacks/identity' init" in text
    assert "cdktf.out" not in text


def test_prerequisites_name_control_tower_identity_center_and_state(
    reference_org: Org, runbook: str
) -> None:
    """Landing zone, SAML and SCIM, every group display name, the state bucket."""
    prerequisites = runbook.split("## 2.", 1)[0]

    assert "Control Tower landing zone" in prerequisites
    assert "SAML 2.0" in prerequisites
    assert "SCIM" in prerequisites
    for group in reference_org.groups.values():
        assert f"| {group.key} | {group.display_name} |" in prerequisites
    assert "`acme-org-access-state`" in prerequisites
    assert "role/OrgAccessDeployer" in prerequisites
    assert "`AWSControlTowerExecution`" in prerequisites
    assert "arn:aws:iam::409454633826:role/codebuild-deploy" in prerequisites


def test_deployment_role_must_succeed_with_and_fail_without_the_external_id(
    runbook: str,
) -> None:
    """Both commands are given, with what each returns."""
    section = runbook.split("### DeploymentRole", 1)[1].split("\n### ", 1)[0]
    assume = (
        "aws sts assume-role --role-arn "
        "arn:aws:iam::220170152397:role/DeploymentRole --role-session-name "
        "deploy-test"
    )

    assert f"{assume} --external-id deploy-acme-v1\n" in section
    assert f"# without the External ID\n{assume}\n" in section
    assert "AccessDenied" in section
    assert "assumed-role/DeploymentRole/deploy-test" in section
    assert "role chaining" in section


def test_roles_anywhere_is_verified_with_the_signing_helper(runbook: str) -> None:
    """credential-process against the OnPremBuildAgent role."""
    section = runbook.split("### OnPremBuildAgent", 1)[1].split("\n### ", 1)[0]

    assert "aws_signing_helper credential-process" in section
    assert "--role-arn arn:aws:iam::409454633826:role/OnPremBuildAgent" in section
    assert '"Version": 1' in section


def test_each_legacy_user_is_deactivated_watched_then_deleted(
    reference_org: Org, runbook: str
) -> None:
    """Key deactivation, CloudTrail, deletion, in that order, for every user."""
    for name in reference_org.legacy_iam_users:
        deactivate = runbook.index(f"update-access-key --user-name {name} ")
        watch = runbook.index(f"AttributeKey=Username,AttributeValue={name} ")
        delete = runbook.index(f"aws iam delete-user --user-name {name}\n")

        assert deactivate < watch < delete


def test_rollback_notes_close_the_runbook(runbook: str) -> None:
    """The last section is the rollback, including re-provisioning."""
    rollback = runbook.split("## 5. Rollback", 1)[1]

    assert "provision-permission-set" in rollback
    assert "terraform destroy" in rollback
