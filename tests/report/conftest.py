"""The reference org, loaded once per test module, and catalogue copies to edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from modules.resolve.model import Org
from modules.resolve.resolver import load_org
from tests.conftest import REFERENCE


@pytest.fixture(scope="module")
def reference_org() -> Org:
    """``config/org.toml`` resolved, shared by the tests of one module."""
    return load_org(REFERENCE)


def copy_reference(folder: Path) -> Path:
    """Copy the reference catalogue and its policies into ``folder``."""
    shutil.copytree(REFERENCE.parent, folder, dirs_exist_ok=True)
    return folder / REFERENCE.name


def edit(catalogue: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``catalogue`` with ``new``."""
    text = catalogue.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{catalogue} holds {old!r} {text.count(old)} times"
    catalogue.write_text(text.replace(old, new), encoding="utf-8")
