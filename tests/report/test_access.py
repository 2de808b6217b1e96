"""The access report shows who reaches which account, in md, csv and html."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from modules.report.access import CSV_COLUMNS, render_report
from modules.resolve.model import Org
from modules.resolve.resolver import load_org
from tests.report.conftest import copy_reference
from tests.tomlwriter import dumps, reversed_everywhere

TODAY = datetime.date(2027, 4, 10)
VOID_ELEMENTS = {"br", "meta", "link", "hr", "img", "input", "wbr"}
DECLARATION = re.compile(r"  (\S+?)\[\"[^\"]*\"\](?::::\w+)?$")
Attributes = list[tuple[str, str | None]]
EDGE = re.compile(r"  (\S+) -->(?:\|\"[^\"]*\"\|)? (\S+)$")


def production_accounts(org: Org) -> set[str]:
    return {
        key
        for key, account in org.accounts.items()
        if account.tags.get("environment") == "production"
    }


def markdown_table(text: str, first_header: str) -> list[dict[str, str]]:
    """The rows of the Markdown table whose first header is ``first_header``."""
    lines = text.splitlines()
    start = next(
        i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |")
    )
    headers = [cell.strip() for cell in lines[start].strip("|").split(" | ")]
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        cells = [cell.strip() for cell in cells]
        rows.append(dict(zip(headers, cells, strict=True)))
    return rows


class Tables(HTMLParser):
    """Collects each table's rows as cell texts; checks tags are balanced."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.table: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.tags: set[str] = set()
        self.attributes: Attributes = []

    def handle_starttag(self, tag: str, attrs: Attributes) -> None:
        self.tags.add(tag)
        self.attributes += attrs
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)
        if tag == "table":
            self.table = []
            self.tables[dict(attrs).get("id") or f"table-{len(self.tables)}"] = (
                self.table
            )
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        assert self.open[-1:] == [tag], f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()
        if tag in ("td", "th") and self.cell is not None and self.table:
            self.table[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


@pytest.fixture(scope="module")
def markdown(reference_org: Org) -> str:
    return render_report(reference_org, "md", today=TODAY)


@pytest.fixture(scope="module")
def csv_rows(reference_org: Org) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(render_report(reference_org, "csv"))))


@pytest.fixture(scope="module")
def html_tables(reference_org: Org) -> Tables:
    parser = Tables()
    parser.feed(render_report(reference_org, "html", today=TODAY))
    parser.close()
    return parser


class TestMarkdown:
    def test_matrix_gives_sre_SREProductionOperator_on_the_12_production_accounts(
        self, reference_org: Org, markdown: str
    ) -> None:
        """In the matrix row of sre, exactly the 12 production columns say it."""
        rows = markdown_table(markdown, "group")
        sre = next(row for row in rows if row["group"] == "sre")

        holding = {
            account
            for account, cell in sre.items()
            if "SREProductionOperator" in cell.split("<br>")
        }

        assert holding == production_accounts(reference_org)
        assert len(holding) == 12

    def test_matrix_has_a_row_per_group_and_a_column_per_active_account(
        self, reference_org: Org, markdown: str
    ) -> None:
        """Every group is a row and every active account a column."""
        rows = markdown_table(markdown, "group")

        assert [row["group"] for row in rows] == sorted(reference_org.groups)
        assert list(rows[0])[1:] == [
            key for key, a in reference_org.accounts.items() if not a.decommissioned
        ]

    def test_decommissioned_account_is_no_matrix_column_but_is_listed(
        self, reference_org: Org
    ) -> None:
        """It leaves the matrix and stays in the per-account view, marked."""
        retired = dataclasses.replace(
            reference_org.accounts["payments-dev"], decommissioned=True
        )
        org = dataclasses.replace(
            reference_org,
            accounts={**reference_org.accounts, "payments-dev": retired},
            assignments=tuple(
                a for a in reference_org.assignments if a.account != "payments-dev"
            ),
        )

        text = render_report(org, "md", today=TODAY)
        accounts = [row["account"] for row in markdown_table(text, "account")]

        assert "payments-dev" not in markdown_table(text, "group")[0]
        assert "payments-dev (decommissioned)" in accounts

    def test_per_account_view_lists_groups_and_roles_of_each_account(
        self, markdown: str
    ) -> None:
        """payments-prod shows sre's permission set and the roles there."""
        rows = markdown_table(markdown, "account")
        payments = next(row for row in rows if row["account"] == "payments-prod")

        assert "sre: SREProductionOperator" in payments["groups and permission sets"]
        assert payments["workload roles"].split("<br>") == [
            "BackupVendorAccess",
            "DeploymentRole",
            "MonitoringReader",
        ]

    def test_trust_map_is_a_mermaid_flowchart_with_safe_node_ids(
        self, markdown: str
    ) -> None:
        """Node ids are letters, digits and underscores; labels are quoted."""
        chart = markdown.split("```mermaid\n", 1)[1].split("```", 1)[0]
        lines = chart.splitlines()
        declared = [m.group(1) for m in map(DECLARATION.match, lines) if m]
        edges = [m.groups() for m in map(EDGE.match, lines) if m]

        assert lines[0] == "flowchart LR"
        assert declared and edges
        for node in [*declared, *(n for edge in edges for n in edge)]:
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", node), node
            assert node != "end"
        assert {n for edge in edges for n in edge} <= set(declared)
        assert (
            "caller_shared_tooling_codebuild_deploy",
            "role_DeploymentRole",
        ) in edges

    def test_vendor_caller_is_marked_outside_the_organization(
        self, markdown: str
    ) -> None:
        """The backup vendor's row in the trust table carries the warning."""
        rows = markdown_table(markdown, "caller")
        vendor = next(row for row in rows if row["role"] == "BackupVendorAccess")

        assert "outside the organization" in vendor["caller"]
        assert "External ID required" in vendor["conditions"]

    def test_in_org_role_session_is_capped_at_one_hour_by_role_chaining(
        self, reference_org: Org
    ) -> None:
        """A 12 h max_session_duration still gives a 1 h chained session."""
        role = dataclasses.replace(
            reference_org.roles["DeploymentRole"], max_session_duration=43200
        )
        org = dataclasses.replace(
            reference_org, roles={**reference_org.roles, "DeploymentRole": role}
        )

        rows = markdown_table(render_report(org, "md", today=TODAY), "role")
        deployment = next(row for row in rows if row["role"] == "DeploymentRole")

        assert deployment["max_session_duration"] == "12 h"
        assert deployment["longest real session"] == "1 h"
        assert "role chaining" in deployment["why"]

    def test_legacy_user_past_its_retire_by_date_is_marked_overdue(
        self, markdown: str
    ) -> None:
        """ci-deployer (2027-03-31) is 10 days overdue on 2027-04-10."""
        table = markdown_table(markdown, "IAM user")
        rows = {row["IAM user"]: row for row in table}

        assert rows["ci-deployer"]["status"] == "**overdue by 10 days**"
        assert rows["backup-sync"]["status"] == "81 days left"


class TestCsv:
    def test_header_is_the_documented_columns(self, reference_org: Org) -> None:
        """The first line names CSV_COLUMNS in order."""
        first = render_report(reference_org, "csv").splitlines()[0]

        assert first == ",".join(CSV_COLUMNS)

    def test_sre_has_SREProductionOperator_on_exactly_the_12_production_accounts(
        self, reference_org: Org, csv_rows: list[dict[str, str]]
    ) -> None:
        """One assignment row per production account, and no other for sre."""
        sre = [
            r for r in csv_rows if r["record"] == "assignment" and r["group"] == "sre"
        ]

        assert {r["permission_set"] for r in sre} == {"SREProductionOperator"}
        assert sorted(r["account"] for r in sre) == sorted(
            production_accounts(reference_org)
        )
        assert {r["session"] for r in sre} == {"PT1H"}

    def test_one_assignment_row_per_assignment(
        self, reference_org: Org, csv_rows: list[dict[str, str]]
    ) -> None:
        """The assignment rows are the model's assignments, none twice."""
        found = {
            (r["group"], r["permission_set"], r["account"])
            for r in csv_rows
            if r["record"] == "assignment"
        }

        assert len(found) == len(reference_org.assignments)
        assert found == {
            (a.group, a.permission_set, a.account) for a in reference_org.assignments
        }

    def test_trust_rows_cover_every_caller_of_every_role_in_every_account(
        self, reference_org: Org, csv_rows: list[dict[str, str]]
    ) -> None:
        """DeploymentRole has one row per account, chained session 1 h."""
        trust = [r for r in csv_rows if r["record"] == "trust"]
        deployment = [r for r in trust if r["role"] == "DeploymentRole"]

        assert len(trust) == sum(
            len(role.accounts) * len(role.trust.principals)
            for role in reference_org.roles.values()
        )
        assert sorted(r["account"] for r in deployment) == sorted(
            reference_org.roles["DeploymentRole"].accounts
        )
        assert {r["caller"] for r in deployment} == {
            "arn:aws:iam::409454633826:role/codebuild-deploy"
        }
        assert {r["session"] for r in deployment} == {"PT1H"}
        assert "External ID required" in deployment[0]["conditions"]


class TestHtml:
    def test_parses_and_holds_the_matrix_table(
        self, reference_org: Org, html_tables: Tables
    ) -> None:
        """The access-matrix table has sre on the production accounts only."""
        matrix = html_tables.tables["access-matrix"]
        header, rows = matrix[0], matrix[1:]
        sre = next(row for row in rows if row[0] == "sre")

        holding = {
            account
            for account, cell in zip(header[1:], sre[1:], strict=True)
            if "SREProductionOperator" in cell.split("\n")
        }

        assert html_tables.open == []
        assert holding == production_accounts(reference_org)

    def test_is_self_contained_without_scripts_or_links(
        self, html_tables: Tables
    ) -> None:
        """No script, stylesheet link, image or external address."""
        names = {name for name, _ in html_tables.attributes}

        assert not {"script", "link", "img", "iframe"} & html_tables.tags
        assert not {"src", "href"} & names
        assert "style" in html_tables.tags

    def test_escapes_every_text(self, reference_org: Org) -> None:
        """A vendor name with markup is shown as text, never as a tag."""
        role = reference_org.roles["BackupVendorAccess"]
        trust = dataclasses.replace(role.trust, vendor_name="<b>Evil & Co</b>")
        org = dataclasses.replace(
            reference_org,
            roles={
                **reference_org.roles,
                "BackupVendorAccess": dataclasses.replace(role, trust=trust),
            },
        )

        page = render_report(org, "html", today=TODAY)
        markdown = render_report(org, "md", today=TODAY)

        assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in page
        assert "<b>Evil" not in page
        assert "<b>Evil" not in markdown


def test_unknown_format_is_refused(reference_org: Org) -> None:
    """Only md, csv and html are formats."""
    with pytest.raises(ValueError, match="md, csv or html"):
        render_report(reference_org, "pdf")  # type: ignore[arg-type]  # on purpose


def test_report_is_unchanged_by_reordering_the_catalogue(
    reference_org: Org, tmp_path: Path
) -> None:
    """Every table and array reversed in the TOML gives the same bytes."""
    catalogue = copy_reference(tmp_path)
    raw = tomllib.loads(catalogue.read_text(encoding="utf-8"))
    catalogue.write_text(dumps(reversed_everywhere(raw)), encoding="utf-8")

    reordered = load_org(catalogue)

    for fmt in ("md", "csv", "html"):
        assert render_report(reordered, fmt, today=TODAY) == render_report(
            reference_org, fmt, today=TODAY
        )
