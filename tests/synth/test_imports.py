"""Only ``modules.synth`` may load CDKTF, so that other commands start fast."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT

BINDINGS = ("cdktf", "constructs", "cdktf_cdktf_provider_aws")
IMPORT = re.compile(
    r"^\s*(?:from|import)\s+(" + "|".join(BINDINGS) + r")\b", re.MULTILINE
)
WHOLE_PROVIDER = re.compile(
    r"^\s*(?:import\s+cdktf_cdktf_provider_aws\s*$"
    r"|from\s+cdktf_cdktf_provider_aws\s+import)",
    re.MULTILINE,
)


def python_sources() -> list[str]:
    """Every module of the program, relative to the repository root."""
    found = [p.relative_to(ROOT).as_posix() for p in (ROOT / "modules").rglob("*.py")]
    return sorted([*found, "main.py"])


def test_no_package_but_synth_imports_the_bindings() -> None:
    """``check``, ``report`` and the rest never import CDKTF or the provider."""
    offenders = [
        path
        for path in python_sources()
        if not path.startswith("modules/synth/")
        and IMPORT.search((ROOT / path).read_text(encoding="utf-8"))
    ]

    assert offenders == []


def test_provider_resources_are_imported_from_their_submodules() -> None:
    """Importing the provider package as a whole is refused in synth."""
    offenders = [
        path
        for path in python_sources()
        if path.startswith("modules/synth/")
        and WHOLE_PROVIDER.search((ROOT / path).read_text(encoding="utf-8"))
    ]

    assert offenders == []


def test_importing_the_synth_package_loads_no_bindings() -> None:
    """The bindings load when ``synthesize`` runs, not on import."""
    probe = (
        "import sys, modules.synth; "
        f"loaded = sorted(set(sys.modules) & {set(BINDINGS)!r}); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )

    completed = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
