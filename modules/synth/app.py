"""Build the CDKTF app of an org, one stack per workspace, and synthesize it.

Importing this module loads the AWS provider bindings (10 to 20 seconds), so
only ``modules.synth.synthesize`` imports it, and only when called.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cdktf import App

from modules.resolve.model import Org
from modules.synth.account import build_account
from modules.synth.identity import build_identity
from modules.synth.organization import build_organization
from modules.synth.provider import WorkspaceProvider
from modules.synth.stack import WorkspaceStack

Builder = Callable[[WorkspaceStack], None]

BUILDERS: dict[str, Builder] = {
    "organization": build_organization,
    "identity": build_identity,
}


def build_app(org: Org, outdir: Path) -> App:
    """The app holding one stack per ``org.workspaces()`` entry, in that order.

    Construct stack traces, which hold absolute paths of this machine, are
    not recorded at all; workspaces other than ``organization`` and
    ``identity`` are account workspaces.
    """
    app = App(outdir=str(outdir), stack_traces=False, hcl_output=False)
    for workspace in org.workspaces():
        stack = WorkspaceStack(app, org, workspace)
        WorkspaceProvider(stack)
        BUILDERS.get(workspace.name, build_account)(stack)
    return app


def write_workspaces(org: Org, outdir: Path) -> None:
    """Synthesize every workspace of ``org`` into ``outdir/stacks/<name>/``."""
    build_app(org, outdir).synth()
