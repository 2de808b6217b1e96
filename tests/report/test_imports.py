"""Reports start fast: none of them loads CDKTF or the AWS provider bindings."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

CHECK = """
import sys
import modules.report.access, modules.report.atlantis
import modules.report.diff, modules.report.runbook
heavy = ("cdktf", "constructs", "cdktf_cdktf_provider_aws", "jsii")
loaded = sorted(m for m in sys.modules if m.split(".")[0] in heavy)
print(",".join(loaded))
"""


def test_report_modules_import_no_cdktf_constructs_or_provider() -> None:
    """A fresh interpreter importing every report module loads none of them."""
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    assert done.stdout.strip() == ""
