"""The reference org synthesized once per test session, and ways to read it.

Importing the AWS provider bindings costs 10 to 20 seconds per process, so
every synth test reads the one synthesis made here.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from modules.resolve.model import Org
from modules.resolve.resolver import load_org
from modules.synth import (
    WorkspaceResult,
    synthesize,
    workspace_file,
)
from tests.conftest import REFERENCE, ROOT

# The committed output of `python main.py synth` is the golden copy: the pull
# request that changes the catalogue shows the Terraform it produces.
GOLDEN = ROOT / "cdktf.out"
POLICY_ATTRIBUTES = ("assume_role_policy", "content", "inline_policy", "policy")

TerraformJson = dict[str, Any]


@dataclass
class Synthesis:
    """One synthesis of a catalogue: its model, raw TOML and output folder."""

    org: Org
    catalogue: dict[str, Any]
    outdir: Path
    results: list[WorkspaceResult]
    _documents: dict[str, TerraformJson] = field(default_factory=dict)

    def text(self, workspace: str) -> str:
        """The Terraform JSON of ``workspace`` exactly as written."""
        return workspace_file(self.outdir, workspace).read_text(encoding="utf-8")

    def document(self, workspace: str) -> TerraformJson:
        """The Terraform JSON of ``workspace``, parsed (and cached)."""
        if workspace not in self._documents:
            self._documents[workspace] = json.loads(self.text(workspace))
        return self._documents[workspace]

    def workspaces(self) -> list[str]:
        return [result.workspace.name for result in self.results]

    def resources(self, workspace: str, kind: str) -> dict[str, Any]:
        """The resources of Terraform type ``kind`` in ``workspace``, by name."""
        found: dict[str, Any] = (
            self.document(workspace).get("resource", {}).get(kind, {})
        )
        return found

    def resource_count(self, workspace: str) -> int:
        """How many resources ``workspace`` manages, counted in its JSON."""
        resources = self.document(workspace).get("resource", {})
        return sum(len(entries) for entries in resources.values())

    def policies(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every policy document in the output: workspace, address, document."""
        for workspace in self.workspaces():
            resources = self.document(workspace).get("resource", {})
            for kind, entries in resources.items():
                for name, arguments in entries.items():
                    for attribute in POLICY_ATTRIBUTES:
                        if attribute in arguments:
                            yield (
                                workspace,
                                f"{kind}.{name}.{attribute}",
                                json.loads(arguments[attribute]),
                            )


def synthesize_catalogue(catalogue: Path, outdir: Path) -> Synthesis:
    """Load ``catalogue`` and synthesize it into ``outdir``."""
    org = load_org(catalogue)
    raw = tomllib.loads(catalogue.read_text(encoding="utf-8"))
    return Synthesis(org, raw, outdir, synthesize(org, outdir))


def output_files(outdir: Path) -> dict[str, bytes]:
    """Every file under ``outdir`` by relative path, with its bytes."""
    return {
        path.relative_to(outdir).as_posix(): path.read_bytes()
        for path in sorted(outdir.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Synthesis:
    """``config/org.toml`` synthesized once for the whole session."""
    return synthesize_catalogue(REFERENCE, tmp_path_factory.mktemp("reference"))
