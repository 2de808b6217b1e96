"""Rewrite tests/synth/golden/ from a fresh synthesis of config/org.toml.

Run ``.venv/bin/python -m tests.synth.refresh_golden`` from the repository
root after a deliberate change to the output, then review the diff.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from modules.synth import workspace_file
from tests.conftest import REFERENCE
from tests.synth.conftest import GOLDEN, synthesize_catalogue


def refresh(golden: Path = GOLDEN) -> list[str]:
    """Replace every golden file; returns the workspaces written."""
    with tempfile.TemporaryDirectory() as folder:
        synthesis = synthesize_catalogue(REFERENCE, Path(folder))
        if golden.exists():
            shutil.rmtree(golden)
        golden.mkdir(parents=True)
        for workspace in synthesis.workspaces():
            shutil.copyfile(
                workspace_file(synthesis.outdir, workspace),
                golden / f"{workspace}.json",
            )
        return synthesis.workspaces()


if __name__ == "__main__":
    written = refresh()
    print(f"{len(written)} golden workspaces written to {GOLDEN}", file=sys.stderr)
