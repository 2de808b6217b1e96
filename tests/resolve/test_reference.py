"""The reference catalogue resolves to the org every example describes."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from modules.cli import main
from modules.resolve.model import Org
from modules.resolve.resolver import load_org
from tests.conftest import REFERENCE, ROOT
from tests.tomlwriter import dumps, reversed_everywhere


@pytest.fixture(scope="module")
def org() -> Org:
    return load_org(REFERENCE)


def test_reference_catalogue_has_no_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """`check` on config/org.toml exits 0."""
    code = main(["check", "--catalogue", str(REFERENCE)])

    assert code == 0, capsys.readouterr().err


def test_reference_org_has_40_accounts_and_42_workspaces(org: Org) -> None:
    """40 accounts, each with a workspace, plus identity and organization."""
    assert len(org.accounts) == 40
    assert len(org.workspaces()) == 42


def test_sre_operates_exactly_the_12_production_accounts(org: Org) -> None:
    """SREProductionOperator goes to sre on the 12 production accounts only."""
    sre = [a for a in org.assignments if a.permission_set == "SREProductionOperator"]

    assert {a.group for a in sre} == {"sre"}
    production = {
        k for k, a in org.accounts.items() if a.tags.get("environment") == "production"
    }
    assert len(production) == 12
    assert sorted(a.account for a in sre) == sorted(production)


def test_deployment_role_is_in_the_36_product_accounts(org: Org) -> None:
    """DeploymentRole exists in every dev, staging and production account."""
    role = org.roles["DeploymentRole"]

    assert len(role.accounts) == 36
    assert role.trust.principals == (
        f"arn:aws:iam::{org.accounts['shared-tooling'].id}:role/codebuild-deploy",
    )


def test_monitoring_reader_is_everywhere_but_security_audit(org: Org) -> None:
    """MonitoringReader reaches the 39 accounts other than its caller's."""
    accounts = set(org.roles["MonitoringReader"].accounts)

    assert accounts == set(org.accounts) - {"security-audit"}


def test_reordering_the_toml_leaves_the_model_unchanged(tmp_path: Path) -> None:
    """Tables, keys and array items written in reverse resolve to the same org."""
    folder = tmp_path / "config"
    shutil.copytree(REFERENCE.parent, folder)
    original = folder / "org.toml"
    reordered = folder / "reordered.toml"
    data = tomllib.loads(original.read_text(encoding="utf-8"))
    reordered.write_text(dumps(reversed_everywhere(data)), encoding="utf-8")

    first = load_org(original)
    second = load_org(reordered)

    assert reordered.read_text() != original.read_text()
    assert dataclasses.replace(second, catalogue=first.catalogue) == first


def test_check_does_not_import_the_provider_bindings() -> None:
    """check stays fast: neither cdktf, constructs nor the provider is imported."""
    script = (
        "import sys\n"
        "from modules.cli import main\n"
        "code = main(['check'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('cdktf', 'cdktf_cdktf_provider_aws', 'constructs', 'jsii'))\n"
        "print(code, heavy)\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True
    )

    assert result.stdout.strip() == "0 []", result.stderr


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown command is a usage error, not a catalogue error."""
    with pytest.raises(SystemExit) as raised:
        main(["frobnicate"])

    assert raised.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
