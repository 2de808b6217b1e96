"""The stack of one workspace, which names every Terraform element it holds.

It refuses to give one logical id to two elements of the same type: CDKTF
would merge them into one JSON entry without a word.
"""

from __future__ import annotations

import re

from cdktf import TerraformElement, TerraformStack
from constructs import Construct

from modules.resolve.model import Org, Workspace
from modules.synth.names import logical_id


class WorkspaceStack(TerraformStack):
    """One Terraform root module: ``workspace`` of ``org``, under ``scope``.

    Refuses a workspace name that is not a plain folder name, since the name
    becomes the folder ``stacks/<name>``.
    """

    def __init__(self, scope: Construct, org: Org, workspace: Workspace) -> None:
        if not _folder_name(workspace.name):
            raise ValueError(
                f"workspace {workspace.name!r} is not a usable folder name; "
                "use letters, digits, dots, dashes and underscores, starting "
                "with a letter or digit"
            )
        super().__init__(scope, workspace.name)
        self.org = org
        self.workspace = workspace
        self._claimed: dict[tuple[str, str], str] = {}

    def name(self, element: TerraformElement, kind: str, *keys: str) -> None:
        """Give ``element`` the logical id ``kind`` + ``keys`` (see ``names``).

        Refuses an id already given to another element of the same type.
        """
        identifier = logical_id(kind, *keys)
        address = (type(element).__name__, identifier)
        if address in self._claimed:
            raise ValueError(
                f"{self.workspace.name}: {address[0]} {identifier!r} would be "
                f"created twice, for {self._claimed[address]} and for {keys!r}"
            )
        self._claimed[address] = repr(keys)
        element.override_logical_id(identifier)


def _folder_name(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name) is not None
