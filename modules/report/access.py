"""Who can reach which account, and how: the access report in md, csv or html.

It reads the resolved model, so it shows what the catalogue grants; whether
the IdP really has members in each group is outside what it can know.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Literal

from modules.report._common import (
    TRUST_KINDS,
    Cell,
    caller_label,
    human_duration,
    is_outside_org,
    md_table,
    plural,
    role_session,
    seconds_of,
    trust_conditions,
)
from modules.resolve.model import Account, AccountKey, LegacyIamUser, Org, Role

Format = Literal["md", "csv", "html"]

CSV_COLUMNS = (
    "record",
    "group",
    "permission_set",
    "role",
    "caller",
    "caller_kind",
    "account",
    "account_id",
    "ou",
    "session",
    "conditions",
)
"""Columns of the CSV report, one row per grant.

``record`` is ``assignment`` for a group given a permission set on an account
(``group``, ``permission_set`` set; ``session`` is the permission set's
session duration) or ``trust`` for a caller allowed to assume a workload role
in an account (``role``, ``caller`` (an ARN, a service principal or
``roles-anywhere:<anchor>``), ``caller_kind`` (``role``, ``vendor``,
``service``, ``roles_anywhere``) set; ``session`` is the longest session the
caller really gets, role chaining included). ``account``, ``account_id`` and
``ou`` name the account; ``conditions`` lists, separated by ``; ``, what the
trust also requires. Durations are ISO 8601 (``PT1H``).
"""

ROOT_OU = "(root)"
CHAINING_NOTE = (
    "Role chaining: a role assumed from another role's session lasts at most "
    "1 h, whatever its max_session_duration says (IAM user guide), so in-org "
    "workload sessions are 1 h."
)


def render_report(org: Org, fmt: Format, *, today: datetime.date | None = None) -> str:
    """Render the access report of ``org`` as ``md``, ``csv`` or ``html``.

    The report holds the access matrix (groups x active accounts, each cell the
    permission sets), a per-account view, the workload trust map, session
    lengths and the legacy IAM user migration status, counted in days from
    ``today`` (the current date when not given). CSV holds the grants only;
    its columns are described in ``CSV_COLUMNS``. Any other format is refused
    with ``ValueError``.
    """
    day = today or datetime.date.today()
    if fmt == "md":
        return _markdown(org, day)
    if fmt == "csv":
        return _csv(org)
    if fmt == "html":
        return _html(org, day)
    raise ValueError(f"{fmt!r} is not a report format; use md, csv or html")


# What every format shows


def _active(org: Org) -> list[Account]:
    return [a for a in org.accounts.values() if not a.decommissioned]


def _matrix(org: Org) -> dict[str, dict[AccountKey, list[str]]]:
    """group -> account -> permission sets, for every group in the catalogue."""
    cells: dict[str, dict[AccountKey, list[str]]] = {g: {} for g in org.groups}
    for assignment in org.assignments:
        by_account = cells.setdefault(assignment.group, {})
        by_account.setdefault(assignment.account, []).append(assignment.permission_set)
    for by_account in cells.values():
        for names in by_account.values():
            names.sort()
    return cells


PER_ACCOUNT_COLUMNS = [
    "account",
    "id",
    "OU",
    "groups and permission sets",
    "workload roles",
]


def _per_account_rows(org: Org) -> Iterator[list[Cell]]:
    """One row per account for the per-account view, in every format."""
    for account in org.accounts.values():
        yield [
            account.key + (" (decommissioned)" if account.decommissioned else ""),
            account.id,
            _ou(account),
            _account_access(org, account.key),
            [role.name for role in org.roles_in(account.key)],
        ]


def _ou(account: Account) -> str:
    return account.ou or ROOT_OU


def _account_access(org: Org, key: AccountKey) -> list[str]:
    return [
        f"{a.group}: {a.permission_set}"
        for a in sorted(
            org.assignments_in(key), key=lambda a: (a.group, a.permission_set)
        )
    ]


def _by_ou(org: Org, accounts: Iterable[AccountKey]) -> dict[str, list[AccountKey]]:
    grouped: dict[str, list[AccountKey]] = defaultdict(list)
    for key in accounts:
        grouped[_ou(org.accounts[key])].append(key)
    return dict(sorted(grouped.items()))


def _callers(org: Org, role: Role) -> list[tuple[str, str, bool]]:
    """(principal, label, outside the org) for each caller of ``role``."""
    trust = role.trust
    if trust.kind == "roles_anywhere":
        principal = f"roles-anywhere:{trust.anchor}"
        return [(principal, caller_label(org, trust, principal), False)]
    return [
        (p, caller_label(org, trust, p), is_outside_org(org, p))
        for p in trust.principals
    ]


def _legacy_status(user: LegacyIamUser, today: datetime.date) -> tuple[int, str]:
    days = (user.retire_by - today).days
    if days < 0:
        return days, f"overdue by {plural(-days, 'day')}"
    if days == 0:
        return days, "due today"
    return days, f"{plural(days, 'day')} left"


# Markdown


def _markdown(org: Org, today: datetime.date) -> str:
    organization = org.organization
    active = _active(org)
    lines = [
        f"# Access report: {organization.name} ({organization.id})",
        "",
        f"{plural(len(org.accounts), 'account')} ({len(active)} active), "
        f"{plural(len(org.groups), 'group')}, "
        f"{plural(len(org.permission_sets), 'permission set')}, "
        f"{plural(len(org.assignments), 'assignment')}, "
        f"{plural(len(org.roles), 'workload role')}.",
        "",
        "## Access matrix",
        "",
        "Rows are Identity Center groups, columns are active accounts; each "
        "cell lists the permission sets the group holds on that account.",
        "",
    ]
    matrix = _matrix(org)
    lines += md_table(
        ["group", *(a.key for a in active)],
        (
            [group, *[matrix[group].get(a.key, []) for a in active]]
            for group in sorted(matrix)
        ),
    )

    lines += ["", "## Per account", ""]
    lines += md_table(
        PER_ACCOUNT_COLUMNS,
        _per_account_rows(org),
    )

    lines += ["", "## Workload trust map", ""]
    if org.roles:
        lines += ["```mermaid", *_mermaid(org), "```", ""]
        lines += md_table(
            ["caller", "trust", "role", "accounts", "conditions"],
            _trust_rows(org),
        )
    else:
        lines.append("No workload roles.")

    lines += ["", "## Session lengths", "", "### Permission sets", ""]
    lines += md_table(
        ["permission set", "session_duration", "length", "administrative"],
        (
            [
                p.name,
                p.session_duration,
                human_duration(seconds_of(p.session_duration)),
                "yes" if p.administrative else "no",
            ]
            for p in org.permission_sets.values()
        ),
    )
    lines += ["", "### Workload roles", ""]
    lines += md_table(
        ["role", "max_session_duration", "longest real session", "why"],
        (
            [
                role.name,
                human_duration(role.max_session_duration),
                human_duration(session.seconds),
                session.reason,
            ]
            for role in org.roles.values()
            for session in [role_session(org, role)]
        ),
    )
    lines += ["", CHAINING_NOTE, ""]

    lines += ["## Legacy IAM users", ""]
    lines += _legacy_markdown(org, today)
    return "\n".join(lines) + "\n"


def _trust_rows(org: Org) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for role in org.roles.values():
        accounts = list(role.accounts)
        for _, label, outside in _callers(org, role):
            rows.append(
                [
                    label + (" ⚠ outside the organization" if outside else ""),
                    TRUST_KINDS[role.trust.kind],
                    role.name,
                    [plural(len(accounts), "account") + ":", ", ".join(accounts)],
                    trust_conditions(org, role),
                ]
            )
    return rows


def _legacy_markdown(org: Org, today: datetime.date) -> list[str]:
    if not org.legacy_iam_users:
        return ["No legacy IAM users are left to retire.", ""]
    rows: list[list[Cell]] = []
    for user in org.legacy_iam_users.values():
        days, status = _legacy_status(user, today)
        rows.append(
            [
                user.name,
                user.account,
                user.replaced_by,
                user.retire_by.isoformat(),
                f"**{status}**" if days < 0 else status,
                user.owner or "",
            ]
        )
    table = md_table(
        ["IAM user", "account", "replaced by", "retire by", "status", "owner"], rows
    )
    return [f"Days counted from {today.isoformat()}.", "", *table, ""]


class _NodeIds:
    """Mermaid node ids made of letters, digits and underscores, never reused."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], str] = {}

    def __call__(self, kind: str, key: str, readable: str = "") -> str:
        """The id of the node ``key`` of ``kind``, spelt after ``readable``."""
        if (kind, key) not in self.ids:
            base = f"{kind}_" + re.sub(r"[^A-Za-z0-9]+", "_", readable or key).strip(
                "_"
            )
            node, suffix = base, 2
            while node in self.ids.values():
                node, suffix = f"{base}_{suffix}", suffix + 1
            self.ids[(kind, key)] = node
        return self.ids[(kind, key)]


def _mermaid_label(text: str) -> str:
    return '"' + html.escape(text, quote=False).replace('"', "#quot;") + '"'


def _mermaid(org: Org) -> list[str]:
    """A left-to-right flowchart: caller -> role -> OU, edges counting accounts."""
    node = _NodeIds()
    declared: set[str] = set()
    lines = [
        "flowchart LR",
        "  classDef outside fill:#fde2e2,stroke:#c0392b,color:#7b241c",
        "  classDef role fill:#e8f0fe,stroke:#1a73e8",
    ]

    def declare(node_id: str, label: str, css: str = "") -> str:
        if node_id not in declared:
            declared.add(node_id)
            lines.append(f"  {node_id}[{_mermaid_label(label)}]" + css)
        return node_id

    edges: list[str] = []
    for role in org.roles.values():
        role_id = declare(node("role", role.name), role.name, ":::role")
        for principal, label, outside in _callers(org, role):
            caller_id = declare(
                node("caller", principal, label),
                label,
                ":::outside" if outside else "",
            )
            edges.append(f"  {caller_id} --> {role_id}")
        for ou, accounts in _by_ou(org, role.accounts).items():
            ou_id = declare(node("ou", ou), ou)
            edges.append(
                f'  {role_id} -->|"{plural(len(accounts), "account")}"| {ou_id}'
            )
    return lines + edges


# CSV


def _csv(org: Org) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for assignment in sorted(
        org.assignments, key=lambda a: (a.group, a.permission_set, a.account)
    ):
        account = org.accounts[assignment.account]
        writer.writerow(
            [
                "assignment",
                assignment.group,
                assignment.permission_set,
                "",
                "",
                "",
                account.key,
                account.id,
                _ou(account),
                org.permission_sets[assignment.permission_set].session_duration,
                "",
            ]
        )
    for role in org.roles.values():
        session = _iso(role_session(org, role).seconds)
        conditions = "; ".join(trust_conditions(org, role))
        for principal, _, _ in _callers(org, role):
            for key in role.accounts:
                account = org.accounts[key]
                writer.writerow(
                    [
                        "trust",
                        "",
                        "",
                        role.name,
                        principal,
                        role.trust.kind,
                        account.key,
                        account.id,
                        _ou(account),
                        session,
                        conditions,
                    ]
                )
    return buffer.getvalue()


def _iso(seconds: int) -> str:
    """3600 to ``PT1H``: the shortest ISO 8601 spelling of a duration."""
    hours, rest = divmod(seconds, 3600)
    minutes, rest = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if rest or text == "PT":
        text += f"{rest}S"
    return text


# HTML

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1f2328; }
h1, h2, h3 { font-weight: 600; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.5rem; vertical-align: top;
  text-align: left; }
th { background: #f6f8fa; }
.scroll { overflow-x: auto; max-width: 100%; }
table.matrix th.account { writing-mode: vertical-rl; transform: rotate(180deg);
  white-space: nowrap; }
table.matrix td { white-space: nowrap; font-size: 12px; }
table.matrix td.empty { background: #fafbfc; }
.outside { color: #b42318; font-weight: 600; }
.overdue { color: #b42318; font-weight: 600; }
.note { color: #57606a; }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    css: str = "",
    raw_cells: bool = False,
) -> list[str]:
    """A ``<table>``; cells are escaped unless ``raw_cells`` says they are HTML."""
    css_class = f' class="{css}"' if css else ""
    out = [f'<div class="scroll"><table{css_class}>']
    out.append("<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers))
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, str):
                content = cell if raw_cells else _e(cell)
            else:
                content = "<br>".join(cell if raw_cells else map(_e, cell))
            cells.append(f"<td>{content}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return out


def _html(org: Org, today: datetime.date) -> str:
    organization = org.organization
    title = f"Access report: {organization.name} ({organization.id})"
    active = _active(org)
    matrix = _matrix(org)
    body = [
        f"<h1>{_e(title)}</h1>",
        f"<p>{_e(plural(len(org.accounts), 'account'))} ({len(active)} "
        f"active), {_e(plural(len(org.groups), 'group'))}, "
        f"{_e(plural(len(org.permission_sets), 'permission set'))}, "
        f"{_e(plural(len(org.assignments), 'assignment'))}, "
        f"{_e(plural(len(org.roles), 'workload role'))}.</p>",
        "<h2>Access matrix</h2>",
        '<p class="note">Rows are Identity Center groups, columns are active '
        "accounts; each cell lists the permission sets the group holds there.</p>",
        '<div class="scroll"><table class="matrix" id="access-matrix">',
        "<thead><tr><th>group</th>"
        + "".join(
            f'<th class="account" title="{_e(a.id)}">{_e(a.key)}</th>' for a in active
        )
        + "</tr></thead><tbody>",
    ]
    for group in sorted(matrix):
        cells = []
        for account in active:
            names = matrix[group].get(account.key, [])
            css = "" if names else ' class="empty"'
            cells.append(f"<td{css}>" + "<br>".join(map(_e, names)) + "</td>")
        body.append(f'<tr><th scope="row">{_e(group)}</th>' + "".join(cells) + "</tr>")
    body.append("</tbody></table></div>")

    body.append("<h2>Per account</h2>")
    body += _html_table(
        PER_ACCOUNT_COLUMNS,
        _per_account_rows(org),
        css="accounts",
    )

    body.append("<h2>Workload trust map</h2>")
    trust_rows: list[list[Cell]] = []
    for role in org.roles.values():
        for _, label, outside in _callers(org, role):
            caller = _e(label)
            if outside:
                caller = (
                    f'<span class="outside">{caller} ⚠ outside the organization</span>'
                )
            trust_rows.append(
                [
                    caller,
                    _e(TRUST_KINDS[role.trust.kind]),
                    _e(role.name),
                    [
                        _e(plural(len(role.accounts), "account") + ":"),
                        _e(", ".join(role.accounts)),
                    ],
                    [_e(c) for c in trust_conditions(org, role)],
                ]
            )
    body += _html_table(
        ["caller", "trust", "role", "accounts", "conditions"],
        trust_rows,
        css="trust",
        raw_cells=True,
    )

    body.append("<h2>Session lengths</h2><h3>Permission sets</h3>")
    body += _html_table(
        ["permission set", "session_duration", "length", "administrative"],
        (
            [
                p.name,
                p.session_duration,
                human_duration(seconds_of(p.session_duration)),
                "yes" if p.administrative else "no",
            ]
            for p in org.permission_sets.values()
        ),
    )
    body.append("<h3>Workload roles</h3>")
    body += _html_table(
        ["role", "max_session_duration", "longest real session", "why"],
        (
            [
                role.name,
                human_duration(role.max_session_duration),
                human_duration(session.seconds),
                session.reason,
            ]
            for role in org.roles.values()
            for session in [role_session(org, role)]
        ),
    )
    body.append(f'<p class="note">{_e(CHAINING_NOTE)}</p>')

    body.append("<h2>Legacy IAM users</h2>")
    if not org.legacy_iam_users:
        body.append("<p>No legacy IAM users are left to retire.</p>")
    else:
        body.append(f'<p class="note">Days counted from {today.isoformat()}.</p>')
        legacy_rows: list[list[Cell]] = []
        for user in org.legacy_iam_users.values():
            days, status = _legacy_status(user, today)
            shown = _e(status)
            if days < 0:
                shown = f'<span class="overdue">OVERDUE: {shown}</span>'
            legacy_rows.append(
                [
                    _e(user.name),
                    _e(user.account),
                    _e(user.replaced_by),
                    user.retire_by.isoformat(),
                    shown,
                    _e(user.owner or ""),
                ]
            )
        body += _html_table(
            ["IAM user", "account", "replaced by", "retire by", "status", "owner"],
            legacy_rows,
            raw_cells=True,
        )

    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f"<title>{_e(title)}</title>",
            f"<style>{STYLE}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )
