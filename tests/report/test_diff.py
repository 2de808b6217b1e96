"""The diff says in people's words what a catalogue change does to access."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest

from modules.errors import CatalogueError
from modules.report.diff import (
    NO_CHANGES,
    block_changes,
    load_org_at,
    render_diff,
    touched_workspaces,
)
from modules.report.hcl import (
    HclBlock,
    JsonDocument,
    NestedBlock,
    Reference,
    anchor_reference,
    org_blocks,
    write_hcl,
)
from modules.resolve.model import AnchorArn, Org, PermissionsBoundary
from modules.resolve.resolver import load_org
from tests.conftest import REFERENCE
from tests.report.conftest import copy_reference, edit

BlockName = tuple[str, str, str]
NEW_VENDOR = "999988887777"
PLATFORM_ADMINS = """[[assignments]]
groups = ["platform-admins"]
permission_set = "PlatformAdministrator"
accounts = { names = ["shared-tooling"] }
description = "Platform team runs the CI/CD account"
"""
SRE_ON_STAGING = """
[[assignments]]
groups = ["sre"]
permission_set = "SREProductionOperator"
accounts = { names = ["payments-staging"] }
"""


def changed_catalogue(folder: Path) -> Path:
    """The reference catalogue with one change of each kind a diff reports."""
    catalogue = copy_reference(folder)
    edit(catalogue, PLATFORM_ADMINS, "")
    edit(
        catalogue,
        'trust.vendor = { account = "464622532012", name = "BackupCo" }',
        f'trust.vendor = {{ account = "{NEW_VENDOR}", name = "BackupCo" }}',
    )
    edit(
        catalogue,
        'session_duration = "PT4H"\nmanaged_policies = ["ReadOnlyAccess"]\n',
        'session_duration = "PT8H"\nmanaged_policies = ["ReadOnlyAccess"]\n',
    )
    edit(
        catalogue,
        'regions = ["eu-west-1", "eu-central-1"]\ntargets = ["Workloads"]',
        'regions = ["eu-west-1", "eu-central-1"]\ntargets = ["Workloads/Prod"]',
    )
    with catalogue.open("a", encoding="utf-8") as file:
        file.write(SRE_ON_STAGING)
    return catalogue


@pytest.fixture(scope="module")
def head_org(tmp_path_factory: pytest.TempPathFactory) -> Org:
    return load_org(changed_catalogue(tmp_path_factory.mktemp("head")))


@pytest.fixture(scope="module")
def diff(reference_org: Org, head_org: Org) -> str:
    return render_diff(reference_org, head_org)


# Reading the HCL back, independently of how it was written


def unescape(text: str) -> str:
    """Undo HCL's quoted-string escapes and template escapes."""
    escapes = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
    text = re.sub(r"\\(.)", lambda m: escapes[m.group(1)], text)
    return text.replace("$${", "${").replace("%%{", "%{")


def parsed_value(value: Any) -> Any:
    """A value from ``hcl2.loads`` in the shape of the model's plain data."""
    if isinstance(value, str):
        heredoc = re.fullmatch(r"<<EOT\n(.*)\nEOT", value, re.DOTALL)
        if heredoc:
            body = heredoc.group(1).replace("$${", "${").replace("%%{", "%{")
            return ("json", json.loads(body))
        expression = re.fullmatch(r"\$\{(.*)\}", value, re.DOTALL)
        if expression:
            return ("expression", expression.group(1))
        return unescape(value)
    if isinstance(value, list):
        blocks = [v for v in value if isinstance(v, dict) and v.get("__is_block__")]
        if value and blocks == value:
            assert len(value) == 1
            return ("block", parsed_body(value[0]))
        return [parsed_value(v) for v in value]
    if isinstance(value, dict):
        return {unescape(k): parsed_value(v) for k, v in value.items()}
    return value


def parsed_body(body: dict[str, Any]) -> dict[str, Any]:
    return {k: parsed_value(v) for k, v in body.items() if k != "__is_block__"}


def parse_blocks(text: str) -> dict[BlockName, dict[str, Any]]:
    """(kind, type, label) -> body of every top-level block in ``text``."""
    options = hcl2.SerializationOptions(with_comments=False, strip_string_quotes=True)
    found: dict[BlockName, dict[str, Any]] = {}
    for kind, entries in hcl2.loads(text, serialization_options=options).items():
        for entry in entries:
            for type_, inner in entry.items():
                if kind == "provider":
                    found[(kind, type_, "")] = parsed_body(inner)
                    continue
                for name, body in inner.items():
                    found[(kind, type_, name)] = parsed_body(body)
    return found


def model_value(value: Any) -> Any:
    """The model's plain data in the same shape as :func:`parsed_value`."""
    if isinstance(value, Reference):
        return ("expression", value.expression)
    if isinstance(value, JsonDocument):
        return ("json", model_value(value.document))
    if isinstance(value, NestedBlock):
        return ("block", {k: model_value(v) for k, v in value.body.items()})
    if isinstance(value, AnchorArn):
        return "${" + anchor_reference(value.anchor) + "}"
    if isinstance(value, dict):
        return {k: model_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [model_value(v) for v in value]
    return value


def model_blocks(blocks: list[HclBlock]) -> dict[BlockName, dict[str, Any]]:
    return {(b.kind, b.type, b.name): model_value(dict(b.body)) for b in blocks}


def hcl_fences(markdown: str) -> str:
    return "\n".join(re.findall(r"```hcl\n(.*?)```", markdown, re.DOTALL))


# The comment


def test_granted_access_reads_as_group_gains_permission_set_on_account(
    diff: str,
) -> None:
    """The new assignment is one sentence in the access section."""
    assert "- sre gains SREProductionOperator on payments-staging" in diff.splitlines()


def test_revoked_access_reads_as_group_loses_permission_set_on_account(
    diff: str,
) -> None:
    """The removed assignment is one sentence too."""
    assert (
        "- platform-admins loses PlatformAdministrator on shared-tooling"
        in diff.splitlines()
    )


def test_new_principal_outside_the_org_is_flagged_before_anything_else(
    diff: str,
) -> None:
    """The warning comes first under the title, naming the new account."""
    first_section = diff.split("\n### ", 1)[0]

    assert "⚠ new principal outside the organization" in first_section
    assert f"arn:aws:iam::{NEW_VENDOR}:root" in first_section
    assert "BackupVendorAccess in 24 accounts" in first_section
    assert (
        f"- BackupVendorAccess: trusts BackupCo ({NEW_VENDOR}) "
        "(⚠ outside the organization)" in diff
    )


def test_session_duration_change_is_listed_under_permission_sets(
    diff: str,
) -> None:
    """Old and new durations both appear."""
    assert "- TechLeadAccess: session duration PT4H → PT8H" in diff.splitlines()


def test_retargeted_guardrail_names_where_it_attaches_and_detaches(
    diff: str,
) -> None:
    """Both targets appear with their OU ids."""
    lines = diff.splitlines()

    assert (
        "- region-allowlist now attaches to OU Workloads/Prod (ou-a1b2-33333333)"
        in lines
    )
    assert (
        "- region-allowlist no longer attaches to OU Workloads (ou-a1b2-w0rk10ad)"
        in lines
    )


def test_workspaces_touched_are_exactly_those_whose_terraform_changes(
    reference_org: Org, head_org: Org, diff: str
) -> None:
    """The vendor role's 24 accounts, payments-staging, identity, organization."""
    vendor_accounts = head_org.roles["BackupVendorAccess"].accounts
    expected = {f"account-{key}" for key in vendor_accounts}
    expected |= {"account-payments-staging", "identity", "organization"}
    order = [w.name for w in head_org.workspaces()]

    touched = touched_workspaces(reference_org, head_org)
    listed = diff.split("### Workspaces touched", 1)[1].split("```text\n", 1)[1]

    assert set(touched) == expected
    assert list(touched) == [name for name in order if name in expected]
    assert listed.split("```", 1)[0].split() == list(touched)


def test_hcl_blocks_parse_back_to_the_data_they_came_from(
    reference_org: Org, head_org: Org, diff: str
) -> None:
    """Every HCL block in the comment equals the resource it came from."""
    shown = [
        c.block for c in block_changes(reference_org, head_org) if c.change != "removed"
    ]

    parsed = parse_blocks(hcl_fences(diff))

    assert parsed == model_blocks(shown)
    assert (
        "resource",
        "aws_ssoadmin_account_assignment",
        "sre_SREProductionOperator_payments-staging",
    ) in parsed


def test_trust_policy_in_the_hcl_is_the_models_json(head_org: Org, diff: str) -> None:
    """The heredoc of the vendor role holds its trust policy, unchanged."""
    parsed = parse_blocks(hcl_fences(diff))
    role = parsed[("resource", "aws_iam_role", "BackupVendorAccess")]
    account = head_org.roles["BackupVendorAccess"].accounts[0]

    assert role["assume_role_policy"] == (
        "json",
        head_org.roles["BackupVendorAccess"].trust_policies[account],
    )


def test_hcl_keeps_policy_variables_and_anchor_references(reference_org: Org) -> None:
    """``${aws:...}`` stays literal and the anchor ARN becomes a reference."""
    blocks = org_blocks(reference_org)
    deployment = [b for b in blocks if b.workspace == "account-payments-prod"]
    build_agent = [b for b in blocks if b.workspace == "account-shared-tooling"]

    deployment_text = write_hcl(deployment)
    build_agent_text = write_hcl(build_agent)

    assert "$${aws:PrincipalAccount}" in deployment_text
    assert '"${aws_rolesanywhere_trust_anchor.corp-pki.arn}"' in build_agent_text
    assert parse_blocks(deployment_text) == model_blocks(deployment)
    assert parse_blocks(build_agent_text) == model_blocks(build_agent)


def test_identical_catalogues_give_only_the_no_change_message(
    reference_org: Org, tmp_path: Path
) -> None:
    """A copy of the reference catalogue compares equal to it."""
    copy = load_org(copy_reference(tmp_path))

    assert render_diff(reference_org, copy) == NO_CHANGES
    assert touched_workspaces(reference_org, copy) == ()


# Catalogues at git refs


def git(folder: Path, *arguments: str) -> None:
    subprocess.run(
        [
            "git",
            "-C",
            str(folder),
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.com",
            *arguments,
        ],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A git repository whose one commit holds the reference catalogue."""
    shutil.copytree(REFERENCE.parent, tmp_path / "config")
    git(tmp_path, "init", "--quiet")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "--quiet", "-m", "reference")
    return tmp_path / "config" / "org.toml"


def test_load_org_at_reads_the_catalogue_as_committed(
    reference_org: Org, repository: Path
) -> None:
    """HEAD gives the committed org even after the working tree changed."""
    with repository.open("a", encoding="utf-8") as file:
        file.write(SRE_ON_STAGING)

    committed = load_org_at("HEAD", repository)
    working = load_org_at(str(repository), repository)

    assert committed.assignments == reference_org.assignments
    assert "- sre gains SREProductionOperator on payments-staging" in render_diff(
        committed, working
    )


def test_load_org_at_names_a_ref_that_does_not_exist(repository: Path) -> None:
    """Neither a file nor a ref: ValueError naming it."""
    with pytest.raises(ValueError, match="'no-such-branch' is neither"):
        load_org_at("no-such-branch", repository)


def test_load_org_at_reports_catalogue_errors_under_the_ref(repository: Path) -> None:
    """A broken catalogue at the ref is a CatalogueError on ``<ref>:<path>``."""
    edit(repository, 'home_region = "eu-west-1"', 'home_region = "mars-1"')
    git(repository.parent.parent, "commit", "--quiet", "-am", "broken")

    with pytest.raises(CatalogueError) as raised:
        load_org_at("HEAD", repository)

    assert {p.file for p in raised.value.problems} == {"HEAD:config/org.toml"}
    assert any(p.key == "organization.home_region" for p in raised.value.problems)


def test_permission_set_policy_boundary_and_inline_changes_are_listed(
    reference_org: Org,
) -> None:
    """Policies added and removed, the boundary and the inline policy."""
    operator = reference_org.permission_sets["SREProductionOperator"]
    changed = dataclasses.replace(
        operator,
        managed_policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess",),
        customer_managed_policies=(),
        inline_policy=None,
        permissions_boundary=PermissionsBoundary(
            managed_policy_arn="arn:aws:iam::aws:policy/PowerUserAccess"
        ),
    )
    head = dataclasses.replace(
        reference_org,
        permission_sets={
            **reference_org.permission_sets,
            "SREProductionOperator": changed,
        },
    )

    lines = render_diff(reference_org, head).splitlines()

    assert (
        "- SREProductionOperator: removes the policies "
        "service-role/AmazonSSMAutomationRole, PlatformGuardrails "
        "(customer-managed)"
    ) in lines
    assert "- SREProductionOperator: inline policy removed" in lines
    assert (
        "- SREProductionOperator: permissions boundary (none) → PowerUserAccess"
    ) in lines


def test_new_caller_inside_the_org_is_not_flagged(tmp_path: Path) -> None:
    """Trusting another org role is listed, without the outside warning."""
    base = load_org(REFERENCE)
    catalogue = copy_reference(tmp_path)
    edit(
        catalogue,
        'trust.role = "shared-tooling/codebuild-deploy"',
        'trust.role = ["shared-tooling/codebuild-deploy", "shared-tooling/release"]',
    )

    text = render_diff(base, load_org(catalogue))

    assert "- DeploymentRole: trusts shared-tooling/release" in text.splitlines()
    assert "outside the organization" not in text
