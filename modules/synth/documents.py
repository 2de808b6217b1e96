"""Catalogue text and policies made safe for Terraform JSON, which reads templates.

Terraform evaluates ``${...}`` and ``%{...}`` in every JSON string, so each
literal is escaped here; only anchor ARN references stay interpolations.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from modules.resolve.model import AnchorArn


def literal(text: str) -> str:
    """``text`` escaped so Terraform passes it on unchanged.

    ``${aws:username}`` becomes ``$${aws:username}`` and ``%{`` becomes
    ``%%{``, which Terraform reads back as the original characters.
    """
    return text.replace("${", "$${").replace("%{", "%%{")


def literal_map(values: Mapping[str, str]) -> dict[str, str] | None:
    """A tag map with keys and values escaped; ``None`` for an empty map."""
    if not values:
        return None
    return {literal(key): literal(value) for key, value in values.items()}


def policy_text(
    document: Mapping[str, Any], anchor_arns: Mapping[str, str] | None = None
) -> str:
    """Serialize a policy as ``modules.resolve.model.policy_json`` does.

    Every string and key is escaped with :func:`literal` first; then each
    :class:`AnchorArn` marker is replaced by ``anchor_arns[marker.anchor]``,
    a reference to the trust anchor in the same workspace, which stays an
    interpolation. Refuses a marker whose anchor is not in ``anchor_arns``.
    """
    escaped = _escape(document, anchor_arns or {})
    return json.dumps(escaped, sort_keys=True, separators=(",", ":"))


def _escape(value: Any, anchor_arns: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, AnchorArn):
        if value.anchor not in anchor_arns:
            raise ValueError(
                f"the policy names the trust anchor {value.anchor!r} of "
                f"accounts.{value.account}, which this workspace does not create"
            )
        return anchor_arns[value.anchor]
    if isinstance(value, Mapping):
        return {literal(str(k)): _escape(v, anchor_arns) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_escape(item, anchor_arns) for item in value]
    return value
