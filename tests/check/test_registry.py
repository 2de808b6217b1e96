"""The registry of rules, the README's table of it, and what checks import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from modules.check import RULES, findings_table, run_checks
from modules.check.findings import Finding
from modules.cli import main
from modules.errors import Problem
from modules.resolve.resolver import load_org
from tests.check.conftest import TODAY, Catalogues

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
REFERENCE = ROOT / "config" / "org.toml"
START, END = "<!-- findings:start -->", "<!-- findings:end -->"


def readme_table() -> str:
    """The README's text between the findings markers."""
    text = README.read_text(encoding="utf-8")
    return text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"


def test_rule_ids_are_unique_and_namespaced() -> None:
    """Each id appears once and reads subject.what-is-wrong."""
    ids = [rule.id for rule in RULES]

    assert len(ids) == len(set(ids))
    assert all(id.count(".") == 1 and id == id.lower() for id in ids)


def test_the_readme_lists_exactly_the_rules_of_the_registry() -> None:
    """The table between the findings markers is the registry's, row for row."""
    rows = readme_table().splitlines()[2:]
    listed = [row.split("|")[1].strip().strip("`") for row in rows]

    assert listed == [rule.id for rule in RULES]
    assert readme_table() == findings_table()


def test_every_rule_but_catalogue_invalid_has_a_test_that_triggers_it() -> None:
    """Each id is named in a test module of this package."""
    sources = "".join(
        path.read_text(encoding="utf-8")
        for path in Path(__file__).parent.glob("test_*.py")
        if path.name != "test_registry.py"
    )

    untested = [r.id for r in RULES if f'"{r.id}"' not in sources]

    assert untested == ["catalogue.invalid"]


def test_a_catalogue_problem_becomes_a_catalogue_invalid_error() -> None:
    """Resolution problems reach the user through the same Finding type."""
    problem = Problem("config/org.toml", "roles.X.external_id", "is too short")

    finding = Finding.from_problem(problem)

    assert (finding.id, finding.severity, finding.key) == (
        "catalogue.invalid",
        "error",
        "roles.X.external_id",
    )


def test_the_base_catalogue_has_no_findings(catalogues: Catalogues) -> None:
    """Every other test adds exactly the risk it names to a clean base."""
    assert catalogues.findings() == []


def test_the_reference_catalogue_has_no_errors() -> None:
    """config/org.toml is the example users copy; it must pass check."""
    findings = run_checks(load_org(REFERENCE), today=TODAY)

    assert [f for f in findings if f.severity == "error"] == []


def test_findings_are_sorted_errors_first_and_never_repeated(
    catalogues: Catalogues,
) -> None:
    """A trust repeated in many accounts is one finding, and errors lead."""
    findings = catalogues.findings(
        """
        [permission_sets.Admin]
        session_duration = "PT4H"

        [roles.DeploymentRole]
        max_session_duration = 7200

        [permission_sets.Developer]
        managed_policies = ["AdministratorAccess"]
        """
    )

    assert findings == sorted(set(findings))
    assert [f.severity for f in findings] == ["error", "warning", "warning"]


def test_findings_name_the_catalogue_by_its_display_path(
    catalogues: Catalogues,
) -> None:
    """The file is the catalogue as the user would type it, not a policy file."""
    path = catalogues.path('[groups.spare]\ndisplay_name = "AWS-Spare"')

    (finding,) = run_checks(load_org(path), today=TODAY)

    assert Path(finding.file).resolve() == path.resolve()


def test_checking_never_imports_the_provider_bindings() -> None:
    """check must stay fast: no cdktf, constructs or jsii in sys.modules."""
    script = (
        "import sys; from pathlib import Path\n"
        "from modules.check import run_checks\n"
        "from modules.resolve.resolver import load_org\n"
        f"run_checks(load_org(Path({str(REFERENCE)!r})))\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('cdktf', 'cdktf_cdktf_provider_aws', 'constructs', 'jsii'))\n"
        "print(heavy)\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == "[]"
    assert result.stderr == ""


def test_check_exits_1_naming_the_entry_on_an_error_and_0_on_a_warning(
    catalogues: Catalogues, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line turns findings into the documented exit codes."""
    risky = catalogues.path(
        """
        [permission_sets.Developer]
        managed_policies = ["AdministratorAccess"]
        """
    )
    code_on_error = main(["check", "--catalogue", str(risky)])
    on_error = capsys.readouterr().err
    unused = catalogues.path('[groups.spare]\ndisplay_name = "AWS-Spare"')
    code_on_warning = main(["check", "--catalogue", str(unused)])
    code_strict = main(["check", "--strict", "--catalogue", str(unused)])

    assert code_on_error == 1
    assert "permission_sets.Developer.managed_policies: error" in on_error
    assert (code_on_warning, code_strict) == (0, 1)
