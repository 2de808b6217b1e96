"""The synth command's promises about its output folder.

A failed synth leaves the previous output untouched, a workspace that would
disappear is refused unless pruned, local state survives a re-synth, and
``synth --check`` tells committed output from what the catalogue produces.
These synthesize the small base catalogue, so they stay quick once the
provider bindings are imported.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modules.cli import main
from tests.conftest import REFUSED, CatalogueFactory

BASE_WORKSPACES = {
    "account-app-dev",
    "account-app-prod",
    "account-management",
    "account-tooling",
    "identity",
    "organization",
}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _synth(catalogue: Path, out: Path, *flags: str) -> int:
    return main(["synth", "--catalogue", str(catalogue), "--out", str(out), *flags])


@pytest.fixture
def previous_output(tmp_path: Path) -> Path:
    """An output folder as an earlier synth left it, with one workspace."""
    out = tmp_path / "repo" / "cdktf.out"
    workspace = out / "stacks" / "account-app-dev"
    workspace.mkdir(parents=True)
    (workspace / "cdk.tf.json").write_text('{"previous": true}\n')
    return out


def test_failed_synth_leaves_previous_output_untouched(
    base_catalogue: CatalogueFactory,
    previous_output: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An invalid catalogue exits 1, and not a byte of the output changes."""
    fixture = REFUSED / "vendor-without-external-id.toml"
    catalogue = base_catalogue(fixture.read_text(encoding="utf-8"))
    before = _snapshot(previous_output.parent)

    code = _synth(catalogue, previous_output)

    assert code == 1
    assert "roles.Extra.external_id" in capsys.readouterr().err
    assert _snapshot(previous_output.parent) == before


def test_a_disappearing_workspace_is_refused(
    base_catalogue: CatalogueFactory,
    previous_output: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A workspace folder the catalogue no longer produces stops synth, named."""
    (previous_output / "stacks" / "account-gone").mkdir()
    before = _snapshot(previous_output.parent)

    code = _synth(base_catalogue(""), previous_output)

    errors = capsys.readouterr().err
    assert code == 1
    assert "account-gone" in errors
    assert "--prune" in errors
    assert _snapshot(previous_output.parent) == before


def test_prune_removes_a_disappearing_workspace_on_purpose(
    base_catalogue: CatalogueFactory,
    previous_output: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With --prune, synth writes the catalogue's workspaces and only those."""
    (previous_output / "stacks" / "account-gone").mkdir()

    code = _synth(base_catalogue(""), previous_output, "--prune")

    stacks = {p.name for p in (previous_output / "stacks").iterdir()}
    assert code == 0, capsys.readouterr().err
    assert stacks == BASE_WORKSPACES
    assert (previous_output.parent / "atlantis.yaml").is_file()
    assert sorted(p.name for p in previous_output.parent.iterdir()) == [
        "atlantis.yaml",
        "cdktf.out",
    ]


def test_resynth_keeps_local_state_and_prints_one_line_per_workspace(
    base_catalogue: CatalogueFactory,
    previous_output: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Terraform's files in a workspace folder survive the swap; stdout lists all."""
    state = previous_output / "stacks" / "account-app-dev" / "terraform.tfstate"
    state.write_text('{"version": 4}\n')

    code = _synth(base_catalogue(""), previous_output)

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert state.read_text() == '{"version": 4}\n'
    assert {line.split()[0] for line in lines[:-1]} == BASE_WORKSPACES
    assert lines[-1].startswith("6 workspaces, ")


def test_synth_check_passes_on_fresh_output_and_fails_after_a_hand_edit(
    base_catalogue: CatalogueFactory,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--check exits 0 right after synth and 1, naming the workspace, after an edit."""
    catalogue = base_catalogue("")
    out = tmp_path / "repo" / "cdktf.out"
    assert _synth(catalogue, out) == 0
    before = _snapshot(out.parent)
    capsys.readouterr()

    fresh = _synth(catalogue, out, "--check")
    edited = out / "stacks" / "identity" / "cdk.tf.json"
    edited.write_text(edited.read_text().replace("PT1H", "PT9H"))
    drifted = _synth(catalogue, out, "--check")

    printed = capsys.readouterr().out
    assert fresh == 0
    assert drifted == 1
    assert "identity (differs)" in printed
    assert "account-app-dev" not in printed
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "atlantis.yaml",
        "cdktf.out",
    ]
    assert _snapshot(out.parent).keys() == before.keys()


def test_no_command_means_synth(
    base_catalogue: CatalogueFactory,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`main.py` with only options synthesizes, which is what `cdktf synth` runs."""
    out = tmp_path / "cdktf.out"

    code = main(["--catalogue", str(base_catalogue("")), "--out", str(out)])

    assert code == 0, capsys.readouterr().err
    assert {p.name for p in (out / "stacks").iterdir()} == BASE_WORKSPACES


def test_synth_leaves_other_files_in_the_output_folder_alone(
    base_catalogue: CatalogueFactory,
    previous_output: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Only the files synth writes are replaced; a README or .terraform stays."""
    notes = previous_output / "README.md"
    notes.write_text("ours\n")
    plugins = previous_output / "stacks" / "account-app-dev" / ".terraform" / "x"
    plugins.parent.mkdir()
    plugins.write_text("provider\n")

    code = _synth(base_catalogue(""), previous_output)

    assert code == 0, capsys.readouterr().err
    assert notes.read_text() == "ours\n"
    assert plugins.read_text() == "provider\n"


def test_an_output_path_that_is_a_file_is_refused(
    base_catalogue: CatalogueFactory,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--out naming a file exits 1 with a message, not a traceback."""
    out = tmp_path / "cdktf.out"
    out.write_text("not a folder\n")

    code = _synth(base_catalogue(""), out)

    assert code == 1
    assert "is a file" in capsys.readouterr().err
    assert out.read_text() == "not a folder\n"
