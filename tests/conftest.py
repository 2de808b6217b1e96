"""Fixtures shared by every test package: paths and catalogue builders."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "config" / "org.toml"
BASE = ROOT / "tests" / "fixtures" / "base"
REFUSED = ROOT / "tests" / "fixtures" / "refused"

CatalogueFactory = Callable[[str], Path]


@pytest.fixture
def base_catalogue(tmp_path: Path) -> CatalogueFactory:
    """Copy the base fixture catalogue to a temporary folder, ``extra`` appended.

    The copy keeps the base's policy files beside it, so relative ``document``
    paths resolve the same way; returns the path of the new ``org.toml``.
    """

    def build(extra: str = "") -> Path:
        folder = tmp_path / "catalogue"
        shutil.copytree(BASE, folder, dirs_exist_ok=True)
        catalogue = folder / "org.toml"
        text = (BASE / "org.toml").read_text(encoding="utf-8")
        catalogue.write_text(combine(text, extra), encoding="utf-8")
        return catalogue

    return build


def combine(base: str, fragment: str) -> str:
    """Append ``fragment`` to ``base``, or insert it after the line that its
    ``# insert-after: <line>`` header names (for keys of an existing table)."""
    for line in fragment.splitlines():
        if line.startswith("# insert-after: "):
            anchor = line.removeprefix("# insert-after: ") + "\n"
            assert anchor in base, f"the base has no line {anchor!r}"
            return base.replace(anchor, anchor + fragment, 1)
    return base + "\n" + fragment
