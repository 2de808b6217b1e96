"""The repo-level ``atlantis.yaml``: one Atlantis project per workspace folder.

It uses only keys of Atlantis' repo config (version 3); the server must still
allow any restricted key it sets, such as ``workflow``.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from modules.resolve.model import Org

WHEN_MODIFIED = ("*.tf.json", "*.json")


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar; JSON's string syntax is a subset of it."""
    return json.dumps(text, ensure_ascii=True)


def stacks_folder(stacks_dir: str) -> str:
    """``stacks_dir`` as Atlantis wants a project dir: relative, ``/``-separated.

    Refuses (``ValueError``) an empty, absolute or ``..``-containing path,
    which Atlantis rejects or resolves outside the repository.
    """
    path = PurePosixPath(stacks_dir.replace("\\", "/"))
    if not stacks_dir.strip() or path.is_absolute() or ".." in path.parts:
        raise ValueError(
            f"{stacks_dir!r} cannot be an Atlantis project dir; give a path "
            "relative to the repository root without '..', such as cdktf.out/stacks"
        )
    return path.as_posix()


def render_atlantis(org: Org, stacks_dir: str, *, workflow: str | None = None) -> str:
    """The ``atlantis.yaml`` text for the workspaces of ``org`` under ``stacks_dir``.

    Each workspace is a project named after it, in ``<stacks_dir>/<workspace>``,
    autoplanned when a JSON file in that folder changes, with
    ``execution_order_group`` 1 for ``account-*``, 2 for ``identity`` and 3
    for ``organization`` (the first-apply order). Plans and applies run in
    parallel within a group, a group starts when the one before has
    succeeded, and a failure stops the later groups. ``workflow``, when
    given, names a custom workflow; Atlantis treats that key as restricted.
    The text is the same for the same org, byte for byte.
    """
    folder = stacks_folder(stacks_dir)
    lines = [
        f"# Written by org-access from {org.catalogue.name}: one project per "
        "workspace.",
        "# execution_order_group follows the first-apply order: account-* = 1, "
        "identity = 2, organization = 3.",
        "version: 3",
        "parallel_plan: true",
        "parallel_apply: true",
        "abort_on_execution_order_fail: true",
        "projects:",
    ]
    when_modified = ", ".join(_quoted(pattern) for pattern in WHEN_MODIFIED)
    for workspace in org.workspaces():
        lines += [
            f"- name: {_quoted(workspace.name)}",
            f"  dir: {_quoted(f'{folder}/{workspace.name}')}",
        ]
        if workflow is not None:
            lines.append(f"  workflow: {_quoted(workflow)}")
        lines += [
            f"  execution_order_group: {workspace.apply_order}",
            "  autoplan:",
            f"    when_modified: [{when_modified}]",
            "    enabled: true",
        ]
    return "\n".join(lines) + "\n"
