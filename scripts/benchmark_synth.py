"""Time and measure one synthesis of the reference org, step by step.

Run ``.venv/bin/python scripts/benchmark_synth.py [catalogue]`` from the
repository root. Peak memory of the Node.js child is read from /proc, so it
is reported on Linux only.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from modules.resolve.resolver import load_org
from modules.synth import use_wheel_node

DEFAULT_CATALOGUE = Path("config/org.toml")


def descendants_peak_kib() -> int | None:
    """The summed peak resident memory of this process's live descendants.

    jsii runs Node.js as a child that starts the kernel as a grandchild, so
    the whole tree is walked.
    """
    total = 0
    pending = [str(os.getpid())]
    try:
        while pending:
            parent = pending.pop()
            for task in Path(f"/proc/{parent}/task").iterdir():
                for pid in (task / "children").read_text().split():
                    pending.append(pid)
                    total += _peak_kib(pid)
    except OSError:
        return None
    return total


def _peak_kib(pid: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main(catalogue: Path) -> None:
    """Print the wall time of each step and the peak memory."""
    use_wheel_node()
    org = load_org(catalogue)

    started = time.perf_counter()
    from modules.synth.app import build_app

    imported = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(org, Path(folder))
        constructed = time.perf_counter()
        app.synth()
        synthesized = time.perf_counter()

    python_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    node_kib = descendants_peak_kib()

    print(f"catalogue      {catalogue} ({len(org.workspaces())} workspaces)")
    print(f"import         {imported - started:6.2f} s")
    print(f"construction   {constructed - imported:6.2f} s")
    print(f"synth          {synthesized - constructed:6.2f} s")
    print(f"total          {synthesized - started:6.2f} s")
    print(f"peak RSS       python {python_kib / 1024:.0f} MiB", end="")
    if node_kib is None:
        print(", node unavailable")
    else:
        print(
            f", node {node_kib / 1024:.0f} MiB, "
            f"together {(python_kib + node_kib) / 1024:.0f} MiB"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CATALOGUE)
