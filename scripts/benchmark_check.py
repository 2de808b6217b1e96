"""Time ``check`` on the reference org: whole runs, then each step in-process.

Run ``.venv/bin/python scripts/benchmark_check.py [catalogue] [runs]`` from the
repository root. Figures vary with machine load; compare runs side by side.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CATALOGUE = Path("config/org.toml")


def whole_runs(catalogue: Path, runs: int) -> list[float]:
    """Wall time of ``python main.py check`` as a user starts it, ``runs`` times."""
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "main.py", "check", "--catalogue", str(catalogue)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return times


def steps(catalogue: Path) -> dict[str, float]:
    """Wall time of each step inside one process, cold."""
    marks = [time.perf_counter()]
    from modules.resolve.resolver import load_org

    marks.append(time.perf_counter())
    from modules.check import run_checks

    marks.append(time.perf_counter())
    org = load_org(catalogue)
    marks.append(time.perf_counter())
    run_checks(org)
    marks.append(time.perf_counter())
    names = ("import load/resolve", "import check", "load and resolve", "run checks")
    return {name: marks[i + 1] - marks[i] for i, name in enumerate(names)}


def main(catalogue: Path, runs: int) -> None:
    times = whole_runs(catalogue, runs)
    print(f"main.py check, {runs} runs:")
    print(f"  fastest {min(times):.3f} s, median {statistics.median(times):.3f} s")
    print("in-process steps:")
    for name, seconds in steps(catalogue).items():
        print(f"  {name:<20} {seconds:.3f} s")


if __name__ == "__main__":
    main(
        Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CATALOGUE,
        int(sys.argv[2]) if len(sys.argv) > 2 else 5,
    )
