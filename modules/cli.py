"""The command line: synth, check, report, diff and runbook.

Exit codes: 0 success, 1 an invalid catalogue, findings or drift, 2 a usage
error. Results go to stdout or files, diagnostics to stderr; a traceback only
with ``--debug``. Only ``synth`` imports the AWS provider bindings.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from modules.errors import CatalogueError
from modules.load.catalogue import display_path
from modules.resolve.model import Org
from modules.resolve.resolver import load_org

if TYPE_CHECKING:
    from modules.check.findings import Finding

log = logging.getLogger("org-access")

DEFAULT_CATALOGUE = Path("config/org.toml")
DEFAULT_OUT = Path("cdktf.out")
STACKS = "stacks"
ATLANTIS_FILE = "atlantis.yaml"


class Refusal(Exception):
    """A refusal the user can act on; its text is printed, exit code 1."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    wants_help = arguments[:1] in (["-h"], ["--help"])
    if not arguments or (arguments[0].startswith("-") and not wants_help):
        arguments = ["synth", *arguments]
    parser = _parser()
    options = parser.parse_args(arguments)
    logging.basicConfig(
        level=logging.DEBUG if options.verbose else logging.WARNING,
        format="%(message)s",
        stream=sys.stderr,
    )
    command: Callable[[argparse.Namespace], int] = options.command
    try:
        return command(options)
    except CatalogueError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        count = len(error.problems)
        print(f"{count} error{'s' * (count != 1)}; nothing written", file=sys.stderr)
        return 1
    except Refusal as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Exception as error:
        if options.debug:
            raise
        print(
            f"internal error: {type(error).__name__}: {error} (run with --debug "
            "for the traceback, and report it)",
            file=sys.stderr,
        )
        return 1


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--catalogue",
        type=Path,
        default=DEFAULT_CATALOGUE,
        metavar="FILE",
        help=f"the catalogue TOML file (default {DEFAULT_CATALOGUE})",
    )
    common.add_argument(
        "--debug", action="store_true", help="show tracebacks of internal errors"
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", help="print more detail on stderr"
    )

    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Synthesize and review AWS organisation access from one "
        "TOML catalogue. With no command, runs synth.",
        epilog="Exit codes: 0 success; 1 invalid catalogue, findings or drift; "
        "2 usage error.",
    )
    commands = parser.add_subparsers(title="commands", required=True)

    synth = commands.add_parser(
        "synth", parents=[common], help="write one Terraform workspace per account"
    )
    synth.add_argument(
        "--out",
        type=Path,
        default=Path(os.environ.get("CDKTF_OUTDIR", DEFAULT_OUT)),
        metavar="DIR",
        help=f"output folder (default {DEFAULT_OUT}); workspaces go to DIR/{STACKS}",
    )
    synth.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 listing workspaces whose committed output differs",
    )
    synth.add_argument(
        "--prune",
        action="store_true",
        help="remove workspaces the catalogue no longer produces (orphans live "
        "resources unless they were destroyed first)",
    )
    synth.set_defaults(command=run_synth)

    check = commands.add_parser(
        "check", parents=[common], help="report errors and warnings; no provider import"
    )
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--strict", action="store_true", help="warnings fail too")
    check.set_defaults(command=run_check)

    report = commands.add_parser(
        "report", parents=[common], help="who can reach which account, and how"
    )
    report.add_argument("--format", choices=("md", "csv", "html"), default="md")
    report.add_argument(
        "--out", type=Path, metavar="FILE", help="write to FILE instead of stdout"
    )
    report.set_defaults(command=run_report)

    diff = commands.add_parser(
        "diff",
        parents=[common],
        help="access changes between two catalogues (files or git refs)",
    )
    diff.add_argument("base", metavar="BASE", help="catalogue file or git ref")
    diff.add_argument(
        "head",
        metavar="HEAD",
        nargs="?",
        help="catalogue file or git ref (default: the working tree's catalogue)",
    )
    diff.set_defaults(command=run_diff)

    runbook = commands.add_parser(
        "runbook", parents=[common], help="ordered bootstrap steps for this org"
    )
    runbook.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"the synth output folder the commands refer to (default {DEFAULT_OUT})",
    )
    runbook.set_defaults(command=run_runbook)
    return parser


# check


def collect_findings(catalogue: Path) -> tuple[Org | None, list[Finding]]:
    """Load the catalogue and run every check; catalogue errors become findings."""
    from modules.check import run_checks
    from modules.check.findings import Finding

    try:
        org = load_org(catalogue)
    except CatalogueError as error:
        return None, [Finding.from_problem(problem) for problem in error.problems]
    return org, run_checks(org)


def run_check(options: argparse.Namespace) -> int:
    started = time.perf_counter()
    _, findings = collect_findings(options.catalogue)

    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    if options.format == "json":
        print(json.dumps([f.as_dict() for f in findings], indent=2))
    else:
        for finding in findings:
            print(finding, file=sys.stderr)
        print(
            f"{display_path(options.catalogue)}: {len(errors)} errors, "
            f"{len(warnings)} warnings",
            file=sys.stderr,
        )
    log.debug("check took %.3f s", time.perf_counter() - started)
    failed = bool(errors) or (options.strict and bool(warnings))
    return 1 if failed else 0


# synth


def _committed_workspaces(out: Path) -> set[str]:
    stacks = out / STACKS
    if not stacks.is_dir():
        return set()
    return {p.name for p in stacks.iterdir() if p.is_dir()}


def run_synth(options: argparse.Namespace) -> int:
    out: Path = options.out
    org, findings = collect_findings(options.catalogue)
    errors = [f for f in findings if f.severity == "error"]
    for finding in findings:
        print(finding, file=sys.stderr)
    if org is None or errors:
        print(f"{len(errors)} errors; nothing written", file=sys.stderr)
        return 1

    if out.exists() and not out.is_dir():
        raise Refusal(f"--out {display_path(out)} is a file; give a folder")
    produced = {workspace.name for workspace in org.workspaces()}
    vanished = sorted(_committed_workspaces(out) - produced)
    if vanished and not options.prune and not options.check:
        raise Refusal(
            f"{out / STACKS} holds workspaces the catalogue no longer produces: "
            + ", ".join(vanished)
            + ". Deleting their folders would orphan live resources: destroy "
            "them first (or keep the account with decommissioned = true, which "
            "keeps an empty workspace), then rerun synth with --prune."
        )

    from modules.report.atlantis import render_atlantis
    from modules.synth import synthesize

    atlantis_path = out.parent / ATLANTIS_FILE
    atlantis = render_atlantis(org, _relative_posix(out / STACKS, out.parent))
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".org-access-", dir=out.parent))
    try:
        started = time.perf_counter()
        results = synthesize(org, staging)
        log.debug("synthesized in %.1f s", time.perf_counter() - started)
        if options.check:
            return _report_drift(out, staging, atlantis_path, atlantis)
        _move_into_place(staging, out, vanished if options.prune else [])
        _write_atomically(atlantis_path, atlantis)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    total = 0
    for result in results:
        workspace = result.workspace
        total += result.resources
        print(
            f"{workspace.name:<36} {workspace.account_id}  "
            f"{result.resources:>4} resources"
        )
    print(
        f"{len(results)} workspaces, {total} resources written to "
        f"{display_path(out / STACKS)}"
    )
    return 0


def _relative_posix(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()


def _report_drift(out: Path, fresh: Path, atlantis_path: Path, atlantis: str) -> int:
    """Compare committed output with a fresh synth; list what differs."""
    committed = _committed_workspaces(out)
    produced = _committed_workspaces(fresh)
    drifted: list[str] = []
    for name in sorted(committed | produced):
        if name not in committed:
            drifted.append(f"{name} (missing: the catalogue produces it)")
        elif name not in produced:
            drifted.append(f"{name} (no longer produced by the catalogue)")
        elif _folder_files(out / STACKS / name) != _folder_files(fresh / STACKS / name):
            drifted.append(f"{name} (differs)")
    if not atlantis_path.exists() or atlantis_path.read_text() != atlantis:
        drifted.append(f"{display_path(atlantis_path)} (differs)")
    for line in drifted:
        print(line)
    if drifted:
        print(
            f"{len(drifted)} out of date; run `python main.py synth` and commit "
            "the result",
            file=sys.stderr,
        )
        return 1
    print(f"{len(produced)} workspaces match the catalogue", file=sys.stderr)
    return 0


def _folder_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and ".terraform" not in p.parts
        and not p.name.endswith((".tfstate", ".tfstate.backup", ".tfplan", "tfplan"))
    }


def _move_into_place(staging: Path, out: Path, prune: Sequence[str]) -> None:
    """Move the files of a finished synthesis into ``out``, one at a time.

    Each file replaces its predecessor with an atomic rename, and only the
    files synthesis writes are touched: Terraform's own files in a workspace
    folder (``.terraform``, local state, the lock file) and anything else in
    ``out`` stay where they are. Synthesis has fully succeeded before the
    first rename, so a failure can only come from the file system itself.
    ``prune`` names workspace folders to delete afterwards.
    """
    for produced in sorted(p for p in staging.rglob("*") if p.is_file()):
        target = out / produced.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        produced.replace(target)
    for name in prune:
        shutil.rmtree(out / STACKS / name)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


# report, diff, runbook


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    _write_atomically(out, text)
    print(f"wrote {display_path(out)}", file=sys.stderr)


def run_report(options: argparse.Namespace) -> int:
    from modules.report.access import render_report

    org = load_org(options.catalogue)
    _emit(render_report(org, options.format), options.out)
    return 0


def run_diff(options: argparse.Namespace) -> int:
    from modules.report.diff import load_org_at, render_diff

    try:
        base = load_org_at(options.base, options.catalogue)
        head = (
            load_org(options.catalogue)
            if options.head is None
            else load_org_at(options.head, options.catalogue)
        )
    except ValueError as error:
        raise Refusal(str(error)) from error
    sys.stdout.write(render_diff(base, head))
    return 0


def run_runbook(options: argparse.Namespace) -> int:
    from modules.report.runbook import render_runbook

    org = load_org(options.catalogue)
    sys.stdout.write(render_runbook(org, _relative_posix(options.out, Path.cwd())))
    return 0
