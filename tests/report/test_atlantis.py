"""atlantis.yaml: one project per workspace, applied in first-apply order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.report.atlantis import render_atlantis
from modules.resolve.model import Org
from modules.synth import workspace_file

# The keys Atlantis' repo-level atlantis.yaml accepts (runatlantis.io, "Repo
# Level atlantis.yaml Config", and the raw RepoCfg, Project and Autoplan types
# it is parsed into).
REPO_KEYS = {
    "version",
    "projects",
    "workflows",
    "policies",
    "autodiscover",
    "automerge",
    "parallel_apply",
    "parallel_plan",
    "delete_source_branch_on_merge",
    "emoji_reaction",
    "allowed_regexp_prefixes",
    "abort_on_execution_order_fail",
    "repo_locks",
    "silence_pr_comments",
}
PROJECT_KEYS = {
    "name",
    "branch",
    "dir",
    "workspace",
    "workflow",
    "terraform_distribution",
    "terraform_version",
    "autoplan",
    "plan_requirements",
    "apply_requirements",
    "import_requirements",
    "depends_on",
    "delete_source_branch_on_merge",
    "repo_locking",
    "repo_locks",
    "execution_order_group",
    "policy_check",
    "custom_policy_check",
    "silence_pr_comments",
    "glob_file_match",
}
AUTOPLAN_KEYS = {"when_modified", "enabled"}
STACKS = "cdktf.out/stacks"


@pytest.fixture(scope="module")
def config(reference_org: Org) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(render_atlantis(reference_org, STACKS))
    return loaded


def test_one_project_per_workspace_in_first_apply_order(
    reference_org: Org, config: dict[str, Any]
) -> None:
    """42 projects, named after the workspaces, in the same order."""
    names = [project["name"] for project in config["projects"]]

    assert names == [w.name for w in reference_org.workspaces()]
    assert len(set(names)) == 42


def test_project_dirs_are_the_synthesized_workspace_folders(
    config: dict[str, Any],
) -> None:
    """Each dir is the folder where synth writes the workspace's cdk.tf.json."""
    for project in config["projects"]:
        folder = workspace_file(Path("cdktf.out"), project["name"]).parent

        assert project["dir"] == folder.as_posix() == f"{STACKS}/{project['name']}"


def test_execution_order_groups_follow_the_first_apply_order(
    config: dict[str, Any],
) -> None:
    """account-* is 1, identity 2, organization 3."""
    groups = {p["name"]: p["execution_order_group"] for p in config["projects"]}

    assert groups.pop("identity") == 2
    assert groups.pop("organization") == 3
    assert all(name.startswith("account-") for name in groups)
    assert set(groups.values()) == {1}


def test_only_keys_of_atlantis_repo_config_are_used(config: dict[str, Any]) -> None:
    """Top-level, project and autoplan keys all belong to Atlantis' schema."""
    assert set(config) <= REPO_KEYS
    for project in config["projects"]:
        assert set(project) <= PROJECT_KEYS
        assert set(project["autoplan"]) <= AUTOPLAN_KEYS


def test_version_3_with_parallel_plans_and_json_autoplan(
    config: dict[str, Any],
) -> None:
    """Version 3, parallel within groups, autoplan on the folder's JSON files."""
    assert config["version"] == 3
    assert config["parallel_plan"] is True
    assert config["parallel_apply"] is True
    assert config["abort_on_execution_order_fail"] is True
    for project in config["projects"]:
        assert project["autoplan"] == {
            "when_modified": ["*.tf.json", "*.json"],
            "enabled": True,
        }


def test_workflow_is_written_only_when_given(reference_org: Org) -> None:
    """Every project names the workflow passed, and none without it."""
    text = render_atlantis(reference_org, STACKS, workflow="org-access")
    with_workflow = yaml.safe_load(text)

    assert {p["workflow"] for p in with_workflow["projects"]} == {"org-access"}
    assert "workflow" not in render_atlantis(reference_org, STACKS)


def test_output_is_the_same_text_every_time(reference_org: Org) -> None:
    """Deterministic, byte for byte."""
    assert render_atlantis(reference_org, STACKS) == render_atlantis(
        reference_org, STACKS
    )


@pytest.mark.parametrize("stacks_dir", ["", "/abs/stacks", "../elsewhere/stacks"])
def test_dirs_outside_the_repository_are_refused(
    reference_org: Org, stacks_dir: str
) -> None:
    """Empty, absolute and ``..`` paths cannot be Atlantis project dirs."""
    with pytest.raises(ValueError, match="cannot be an Atlantis project dir"):
        render_atlantis(reference_org, stacks_dir)


def test_committed_atlantis_yaml_matches_the_catalogue(reference_org: Org) -> None:
    """The atlantis.yaml at the repository root is what synth writes for it."""
    committed = Path(__file__).resolve().parents[2] / "atlantis.yaml"

    assert committed.read_text(encoding="utf-8") == render_atlantis(
        reference_org, "cdktf.out/stacks"
    )
