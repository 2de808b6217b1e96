"""Builders for the check tests: the base catalogue plus one risky edit.

``build`` merges a TOML fragment into ``fixtures/base/org.toml``: tables merge
key by key, ``[[assignments]]`` are appended and other values replace. Policy
documents a case needs are given as data and written beside the catalogue.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import shutil
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from modules.check import Finding, run_checks
from modules.resolve.model import Org, PolicyDocument
from modules.resolve.resolver import load_org
from tests.tomlwriter import dumps

BASE = Path(__file__).resolve().parent / "fixtures" / "base"
TODAY = datetime.date(2026, 12, 1)


def policy(*statements: Mapping[str, Any]) -> PolicyDocument:
    """A policy document of ``statements``."""
    return {"Version": "2012-10-17", "Statement": [dict(s) for s in statements]}


def merge(base: dict[str, Any], edits: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``edits`` merged in, as the module docstring describes."""
    merged = dict(base)
    for key, value in edits.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        elif key == "assignments":
            merged[key] = [*merged.get(key, []), *value]
        else:
            merged[key] = value
    return merged


@dataclasses.dataclass(frozen=True)
class Catalogues:
    """Writes edited copies of the base catalogue into ``folder``."""

    folder: Path

    def path(
        self, edits: str = "", files: Mapping[str, PolicyDocument] | None = None
    ) -> Path:
        """The base catalogue with ``edits`` (TOML) merged and ``files`` written.

        ``files`` maps a path relative to the catalogue, such as
        ``policies/admin.json``, to the policy document to write there.
        """
        shutil.copytree(BASE, self.folder, dirs_exist_ok=True)
        base = tomllib.loads((BASE / "org.toml").read_text(encoding="utf-8"))
        catalogue = self.folder / "org.toml"
        catalogue.write_text(dumps(merge(base, tomllib.loads(edits))), encoding="utf-8")
        for relative, document in (files or {}).items():
            (self.folder / relative).write_text(json.dumps(document), encoding="utf-8")
        return catalogue

    def org(
        self, edits: str = "", files: Mapping[str, PolicyDocument] | None = None
    ) -> Org:
        """The resolved org of the edited base catalogue."""
        return load_org(self.path(edits, files))

    def findings(
        self, edits: str = "", files: Mapping[str, PolicyDocument] | None = None
    ) -> list[Finding]:
        """Every finding about the edited base catalogue, as of ``TODAY``."""
        return run_checks(self.org(edits, files), today=TODAY)


@pytest.fixture
def catalogues(tmp_path: Path) -> Catalogues:
    """A builder of edited base catalogues in a temporary folder."""
    return Catalogues(tmp_path / "catalogue")


def only(findings: list[Finding], rule_id: str) -> list[Finding]:
    """The findings of one rule."""
    return [finding for finding in findings if finding.id == rule_id]


def one(findings: list[Finding], rule_id: str) -> Finding:
    """The single finding of one rule; fails when there are none or several."""
    found = only(findings, rule_id)
    assert len(found) == 1, f"expected one {rule_id}, got {found or findings}"
    return found[0]


def with_trust(org: Org, role: str, *statements: Mapping[str, Any]) -> Org:
    """``org`` with ``role``'s trust policy replaced in every account.

    The resolver builds trusts correctly; this stands in for a regression in
    it, or a hand-written trust, that the checks must still catch.
    """
    current = org.roles[role]
    document = policy(*statements)
    changed = dataclasses.replace(
        current, trust_policies={account: document for account in current.accounts}
    )
    return dataclasses.replace(org, roles={**org.roles, role: changed})


def with_guardrail(org: Org, key: str, document: PolicyDocument) -> Org:
    """``org`` with guardrail ``key``'s SCP replaced by ``document``."""
    changed = dataclasses.replace(org.guardrails[key], document=document)
    return dataclasses.replace(org, guardrails={**org.guardrails, key: changed})


def check(org: Org) -> list[Finding]:
    """Every finding about ``org`` as of ``TODAY``."""
    return run_checks(org, today=TODAY)
