"""Every refused input exits 1 with a message naming its file and dotted key.

Each case is one fixture in ``tests/fixtures/refused``: a TOML fragment
appended to the base catalogue, headed by the key it must name (``# expect:``)
and a phrase the message must contain (``# says:``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from modules.cli import main
from tests.conftest import BASE, REFUSED, CatalogueFactory

CASES = sorted(REFUSED.glob("*.toml"))


def _header(fixture: Path, name: str) -> str:
    for line in fixture.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"# {name}: "):
            return line.removeprefix(f"# {name}: ")
    raise AssertionError(f"{fixture.name} has no '# {name}:' line")


def _expected_key(fixture: Path) -> str:
    """The key to expect; a syntax error's line counts from the fragment's start."""
    key = _header(fixture, "expect")
    if key.startswith("line "):
        line, column = key.removeprefix("line ").split(", ")
        base_lines = len((BASE / "org.toml").read_text(encoding="utf-8").splitlines())
        key = f"line {int(line) + base_lines + 1}, {column}"
    return key


@pytest.mark.parametrize("fixture", CASES, ids=[case.stem for case in CASES])
def test_refused_input_exits_1_naming_the_key(
    fixture: Path,
    base_catalogue: CatalogueFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The catalogue is refused with exit 1 and a message at the expected key."""
    catalogue = base_catalogue(fixture.read_text(encoding="utf-8"))
    shown = os.path.relpath(catalogue)

    code = main(["check", "--catalogue", str(catalogue)])

    errors = capsys.readouterr().err
    assert code == 1
    expected = f"{shown}: {_expected_key(fixture)}: "
    lines = [line for line in errors.splitlines() if line.startswith(expected)]
    assert lines, f"no line starts with {expected!r} in:\n{errors}"
    assert any(_header(fixture, "says") in line for line in lines), errors


def test_every_refused_fixture_names_a_key_and_a_phrase() -> None:
    """Each fixture carries both headers, so no case can pass vacuously."""
    assert len(CASES) >= 45

    for fixture in CASES:
        assert _header(fixture, "expect")
        assert _header(fixture, "says")


def test_base_catalogue_is_accepted(
    base_catalogue: CatalogueFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """The base the fixtures build on is clean, so each case fails for one reason."""
    catalogue = base_catalogue("")

    code = main(["check", "--catalogue", str(catalogue)])

    assert code == 0, capsys.readouterr().err
