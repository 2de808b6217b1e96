"""Read a catalogue TOML file into validated specs, collecting every problem.

Each table entry is validated on its own, so one broken role does not hide
the mistakes in the next; entries that fail are listed in ``failed`` so the
resolver does not report references to them a second time.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from modules.errors import Problem
from modules.load import schema

SpecT = TypeVar("SpecT", bound=BaseModel)

TOP_LEVEL_KEYS = (
    "organization",
    "backend",
    "ous",
    "accounts",
    "groups",
    "permission_sets",
    "policies",
    "assignments",
    "roles",
    "roles_anywhere",
    "guardrails",
    "legacy",
)

RESERVED_ROLE_NAMES = re.compile(
    r"AWSReservedSSO_.*|AWSControlTowerExecution|aws-controltower-.*|"
    r"AWSServiceRoleFor.*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class KeyRule:
    """What a table key of one section may look like, and why."""

    pattern: re.Pattern[str]
    valid: str


KEY_RULES: dict[str, KeyRule] = {
    "accounts": KeyRule(
        re.compile(r"[a-z0-9][a-z0-9-]{0,62}"),
        "use 1 to 63 lowercase letters, digits and hyphens, "
        "since the key names the account-<key> workspace folder",
    ),
    "groups": KeyRule(
        re.compile(r"[\w+=,.@-]{1,128}"),
        "use 1 to 128 letters, digits and _+=,.@-",
    ),
    "permission_sets": KeyRule(
        re.compile(r"[\w+=,.@-]{1,32}"),
        "Identity Center allows 1 to 32 letters, digits and _+=,.@-",
    ),
    "policies": KeyRule(
        re.compile(r"[\w+=,.@-]{1,128}"),
        "IAM allows 1 to 128 letters, digits and _+=,.@-",
    ),
    "roles": KeyRule(
        re.compile(r"[\w+=,.@-]{1,64}"),
        "IAM allows 1 to 64 letters, digits and _+=,.@-",
    ),
    "roles_anywhere": KeyRule(
        re.compile(r"[A-Za-z0-9][\w.-]{0,63}"),
        "use 1 to 64 letters, digits and _.-",
    ),
    "guardrails": KeyRule(
        re.compile(r"[A-Za-z0-9][\w.-]{0,127}"),
        "use 1 to 128 letters, digits and _.-",
    ),
    "legacy.iam_users": KeyRule(
        re.compile(r"[\w+=,.@-]{1,64}"),
        "IAM user names are 1 to 64 letters, digits and _+=,.@-",
    ),
}


@dataclass
class Catalogue:
    """The validated content of one catalogue file, entries keyed by name."""

    path: Path
    display: str
    organization: schema.OrganizationSpec | None = None
    backend: schema.BackendSpec | None = None
    ous: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, schema.AccountSpec] = field(default_factory=dict)
    groups: dict[str, schema.GroupSpec] = field(default_factory=dict)
    permission_sets: dict[str, schema.PermissionSetSpec] = field(default_factory=dict)
    policies: dict[str, schema.PolicySpec] = field(default_factory=dict)
    assignments: dict[int, schema.AssignmentSpec] = field(default_factory=dict)
    roles: dict[str, schema.RoleSpec] = field(default_factory=dict)
    roles_anywhere: dict[str, schema.RolesAnywhereSpec] = field(default_factory=dict)
    guardrails: dict[str, schema.GuardrailSpec] = field(default_factory=dict)
    legacy_iam_users: dict[str, schema.LegacyIamUserSpec] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.display, key, message))

    def broken(self, section: str, key: str) -> bool:
        """Whether ``section.key`` was written but failed validation."""
        return f"{section}.{key}" in self.failed


def display_path(path: Path) -> str:
    """The path as the user should read it: relative to the working directory."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def load_catalogue(path: Path) -> Catalogue:
    """Read and validate ``path``. Problems are collected in the result.

    A missing file, a TOML syntax error or an invalid ``[organization]`` table
    leaves little to resolve; the caller checks ``problems`` either way.
    """
    catalogue = Catalogue(path=path.resolve(), display=display_path(path))
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        catalogue.problem("(file)", "does not exist; pass --catalogue PATH")
        return catalogue
    except UnicodeDecodeError as error:
        catalogue.problem("(file)", f"is not UTF-8 text ({error.reason})")
        return catalogue
    except tomllib.TOMLDecodeError as error:
        catalogue.problem(*_syntax_problem(str(error)))
        return catalogue

    _read_sections(catalogue, raw)
    return catalogue


def _syntax_problem(text: str) -> tuple[str, str]:
    match = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", text)
    if match is None:
        return "(syntax)", f"is not valid TOML: {text}"
    what, line, column = match.groups()
    return (
        f"line {line}, column {column}",
        f"TOML syntax error: {what.lower()}; see https://toml.io for the syntax",
    )


def _read_sections(catalogue: Catalogue, raw: Mapping[str, Any]) -> None:
    for key in sorted(set(raw) - set(TOP_LEVEL_KEYS)):
        catalogue.problem(key, _unknown_key_message(TOP_LEVEL_KEYS))

    if "organization" not in raw:
        catalogue.problem(
            "organization",
            "is missing; every catalogue starts with an [organization] table",
        )
    else:
        catalogue.organization = _validate(
            catalogue, "organization", schema.OrganizationSpec, raw["organization"]
        )
    if "backend" in raw:
        catalogue.backend = _validate(
            catalogue, "backend", schema.BackendSpec, raw["backend"]
        )
    catalogue.ous = _read_ous(catalogue, raw.get("ous", {}))

    sections: list[tuple[str, Any, type[BaseModel], dict[Any, Any]]] = [
        ("accounts", raw.get("accounts", {}), schema.AccountSpec, catalogue.accounts),
        ("groups", raw.get("groups", {}), schema.GroupSpec, catalogue.groups),
        (
            "permission_sets",
            raw.get("permission_sets", {}),
            schema.PermissionSetSpec,
            catalogue.permission_sets,
        ),
        ("policies", raw.get("policies", {}), schema.PolicySpec, catalogue.policies),
        ("roles", raw.get("roles", {}), schema.RoleSpec, catalogue.roles),
        (
            "roles_anywhere",
            raw.get("roles_anywhere", {}),
            schema.RolesAnywhereSpec,
            catalogue.roles_anywhere,
        ),
        (
            "guardrails",
            raw.get("guardrails", {}),
            schema.GuardrailSpec,
            catalogue.guardrails,
        ),
    ]
    legacy = raw.get("legacy", {})
    if not isinstance(legacy, dict):
        catalogue.problem("legacy", "must be a table such as [legacy.iam_users.X]")
    else:
        for key in sorted(set(legacy) - {"iam_users"}):
            catalogue.problem(f"legacy.{key}", _unknown_key_message(("iam_users",)))
        sections.append(
            (
                "legacy.iam_users",
                legacy.get("iam_users", {}),
                schema.LegacyIamUserSpec,
                catalogue.legacy_iam_users,
            )
        )
    for section, entries, model, into in sections:
        _read_table(catalogue, section, entries, model, into)

    assignments = raw.get("assignments", [])
    if not isinstance(assignments, list):
        catalogue.problem(
            "assignments", "must be an array of tables written as [[assignments]]"
        )
        return
    for index, entry in enumerate(assignments):
        spec = _validate(
            catalogue, f"assignments[{index}]", schema.AssignmentSpec, entry
        )
        if spec is not None:
            catalogue.assignments[index] = spec


def _read_ous(catalogue: Catalogue, entries: Any) -> dict[str, str]:
    if not isinstance(entries, dict):
        catalogue.problem("ous", 'must be a table of "OU/path" = "ou-xxxx-xxxxxxxx"')
        return {}
    ous: dict[str, str] = {}
    for path, ou_id in sorted(entries.items()):
        key = f'ous."{path}"'
        parts = path.split("/")
        if not all(part.strip() == part and part for part in parts):
            catalogue.problem(
                key,
                "is not an OU path; write OU names joined by single slashes, "
                'for example "Workloads/Prod"',
            )
            continue
        if len(parts) > 5:
            catalogue.problem(
                key,
                f"is {len(parts)} levels deep; AWS Organizations allows OUs "
                "at most 5 levels below the root",
            )
            continue
        if not isinstance(ou_id, str) or not re.fullmatch(
            r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}", ou_id
        ):
            catalogue.problem(
                key,
                f"{ou_id!r} is not an OU id; write the quoted id from "
                'Organizations, for example "ou-a1b2-33333333"',
            )
            continue
        ous[path] = ou_id
    return ous


def _read_table(
    catalogue: Catalogue,
    section: str,
    entries: Any,
    model: type[SpecT],
    into: dict[str, SpecT],
) -> None:
    if not isinstance(entries, dict):
        catalogue.problem(section, f"must be a table of [{section}.<name>] entries")
        return
    rule = KEY_RULES[section]
    seen: dict[str, str] = {}
    for key in sorted(entries):
        dotted = f"{section}.{_quote(key)}"
        bad_name = _key_problem(section, key, rule)
        if bad_name is not None:
            catalogue.problem(dotted, bad_name)
            catalogue.failed.add(f"{section}.{key}")
            continue
        folded = key.casefold()
        if folded in seen:
            catalogue.problem(
                dotted,
                f"differs from {section}.{seen[folded]} only in letter case; "
                "AWS treats such names as the same, so give each a distinct name",
            )
            catalogue.failed.add(f"{section}.{key}")
            continue
        seen[folded] = key
        spec = _validate(catalogue, dotted, model, entries[key])
        if spec is None:
            catalogue.failed.add(f"{section}.{key}")
        else:
            into[key] = spec


def _key_problem(section: str, key: str, rule: KeyRule) -> str | None:
    if not rule.pattern.fullmatch(key):
        return f"{key!r} is not a valid name here; {rule.valid}"
    if section == "roles" and RESERVED_ROLE_NAMES.fullmatch(key):
        return (
            f"{key!r} is a name AWS, Control Tower or Identity Center reserves "
            "for its own roles; choose another role name"
        )
    return None


def _quote(key: str) -> str:
    """Write a TOML key as it would appear in a dotted path."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'


def _validate(
    catalogue: Catalogue, key: str, model: type[SpecT], value: Any
) -> SpecT | None:
    if not isinstance(value, dict):
        catalogue.problem(key, f"must be a table, not {_type_name(value)}")
        return None
    try:
        return model.model_validate(value)
    except ValidationError as error:
        for detail in _without_union_noise(error.errors()):
            location = _location(detail["loc"])
            if detail["type"] == "missing_external_id":
                location = "external_id"
            dotted = f"{key}.{location}" if location else key
            catalogue.problem(dotted, _message(model, detail))
        if model is schema.RoleSpec and not any(
            d["type"] == "missing_external_id" for d in error.errors()
        ):
            _vendor_external_id(catalogue, key, value)
        return None


def _vendor_external_id(catalogue: Catalogue, key: str, value: dict[str, Any]) -> None:
    """Report a vendor trust without External ID even when other keys failed.

    The schema checks this after every field is valid; a role with another
    mistake would otherwise hide the most dangerous one until the next run.
    """
    trust = value.get("trust")
    if isinstance(trust, dict) and "vendor" in trust and "external_id" not in value:
        catalogue.problem(f"{key}.external_id", schema.VENDOR_WITHOUT_EXTERNAL_ID)


def _without_union_noise(details: Iterable[ErrorDetails]) -> list[ErrorDetails]:
    """Drop the 'is not "all"' half of a selector union that failed as a table."""
    details = list(details)
    table_failures = {
        _location(d["loc"]) for d in details if d["type"] != "literal_error"
    }
    return [
        d
        for d in details
        if not (
            d["type"] == "literal_error"
            and "all" in str(d.get("ctx", {}).get("expected", ""))
            and any(
                other.startswith(_location(d["loc"]) + ".") for other in table_failures
            )
        )
    ]


def _location(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            if parts:
                parts[-1] += f"[{part}]"
            else:
                parts.append(f"[{part}]")
        elif "[" in part or part.endswith("Spec"):
            continue
        else:
            parts.append(_quote(part))
    return ".".join(parts)


def _allowed_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Walk ``loc`` through nested models to find the keys valid at its end."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or "[" in part:
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            if part.endswith("Spec"):
                current = getattr(schema, part, current)
                continue
            fields = {
                (info.alias or name): info
                for name, info in current.model_fields.items()
            }
            info = fields.get(part)
            if info is None:
                break
            current = _model_in(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(
            (info.alias or name) for name, info in current.model_fields.items()
        )
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _unknown_key_message(valid: Iterable[str]) -> str:
    return (
        "is not a known key (a misspelt key would silently drop a setting); "
        "valid keys here are " + ", ".join(sorted(valid))
    )


def _type_name(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def _message(model: type[BaseModel], detail: ErrorDetails) -> str:
    kind = detail["type"]
    value = detail.get("input")
    context = detail.get("ctx", {})
    if kind == "extra_forbidden":
        return _unknown_key_message(_allowed_keys(model, detail["loc"][:-1]))
    if kind == "missing":
        return "is required but missing; add it"
    expected = {
        "string_type": "a quoted string",
        "int_type": "an integer",
        "bool_type": "true or false",
        "list_type": "an array",
        "dict_type": "a table",
        "model_type": "a table",
        "model_attributes_type": "a table",
        "date_type": "a TOML date such as 2027-03-31",
    }
    if kind in expected:
        return f"must be {expected[kind]}, not {_type_name(value)}"
    if kind == "string_pattern_mismatch":
        return f"{value!r} is not valid here; it must match {context.get('pattern')}"
    if kind in ("greater_than_equal", "less_than_equal"):
        limits = {
            "max_session_duration": "3600 and 43200 seconds (1 to 12 hours)",
            "session_duration": "900 and 43200 seconds",
        }
        field_name = str(detail["loc"][-1])
        return f"{value!r} is out of range; use an integer between " + limits.get(
            field_name, str(context)
        )
    if kind == "literal_error":
        return f"{value!r} is not allowed; use one of {context.get('expected')}"
    if kind == "too_short":
        return "is empty; give at least one entry"
    return str(detail["msg"])
