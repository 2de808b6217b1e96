"""A small TOML writer for tests that rewrite catalogues (reordered copies).

It writes only what catalogues use: tables, arrays of tables, strings,
integers, booleans, dates and inline arrays and tables.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _key(key: str) -> str:
    return key if BARE_KEY.fullmatch(key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def dumps(document: dict[str, Any], depth: int = 2) -> str:
    """Write ``document``; tables nested up to ``depth`` levels get headers.

    Deeper tables are written inline, which is how catalogues write selectors
    and trusts, so the output parses back to the same data.
    """
    lines: list[str] = []
    _write(lines, [], document, depth)
    return "\n".join(lines) + "\n"


def _write(
    lines: list[str], path: list[str], table: dict[str, Any], depth: int
) -> None:
    scalars = {
        k: v
        for k, v in table.items()
        if not (isinstance(v, dict) and len(path) < depth)
        and not (
            isinstance(v, list)
            and v
            and all(isinstance(i, dict) for i in v)
            and not path
        )
    }
    if path and scalars:
        lines.append("[" + ".".join(_key(p) for p in path) + "]")
    for key, value in scalars.items():
        lines.append(f"{_key(key)} = {_value(value)}")
    if scalars:
        lines.append("")
    for key, value in table.items():
        if key in scalars:
            continue
        if isinstance(value, dict):
            if not value:
                lines.append("[" + ".".join(_key(p) for p in [*path, key]) + "]")
                lines.append("")
            _write(lines, [*path, key], value, depth)
        else:
            for item in value:
                lines.append("[[" + ".".join(_key(p) for p in [*path, key]) + "]]")
                for item_key, item_value in item.items():
                    lines.append(f"{_key(item_key)} = {_value(item_value)}")
                lines.append("")


def reversed_everywhere(value: Any) -> Any:
    """The same data with every table's keys and every array's items reversed."""
    if isinstance(value, dict):
        return {k: reversed_everywhere(v) for k, v in reversed(list(value.items()))}
    if isinstance(value, list):
        return [reversed_everywhere(item) for item in reversed(value)]
    return value
