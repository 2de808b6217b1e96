"""Account selectors expand to the accounts a platform engineer would expect."""

from __future__ import annotations

from modules.resolve.resolver import load_org
from tests.conftest import CatalogueFactory

ROLE = """
[roles.Probe]
accounts = {selector}
trust.role = "tooling/pipeline"
policy = "policies/deploy.json"
"""

SANDBOX_OU = '# insert-after: [ous]\n"Workloads/Dev/Sandbox" = "ou-ex12-44444444"\n'

EXTRA_ACCOUNTS = """
[accounts.app-sandbox]
id = "000000000005"
ou = "Workloads/Dev/Sandbox"
tags = { environment = "dev", team = "app" }

[accounts.old-dev]
id = "000000000006"
ou = "Workloads/Dev"
tags = { environment = "dev", team = "old" }
decommissioned = true
"""


def _selected(base_catalogue: CatalogueFactory, selector: str) -> tuple[str, ...]:
    catalogue = base_catalogue(SANDBOX_OU)
    text = catalogue.read_text(encoding="utf-8")
    role = ROLE.format(selector=selector)
    catalogue.write_text(text + EXTRA_ACCOUNTS + role, encoding="utf-8")

    return load_org(catalogue).roles["Probe"].accounts


class TestSelectors:
    def test_all_excludes_the_management_account(
        self, base_catalogue: CatalogueFactory
    ) -> None:
        """ "all" is every active member account, never the management account."""
        selected = _selected(base_catalogue, '"all"')

        assert selected == ("app-dev", "app-prod", "app-sandbox", "tooling")

    def test_ou_includes_nested_ous(self, base_catalogue: CatalogueFactory) -> None:
        """An OU path selects accounts in that OU and every OU below it."""
        selected = _selected(base_catalogue, '{ ou = "Workloads/Dev" }')

        assert selected == ("app-dev", "app-sandbox")

    def test_tag_values_may_be_a_list(self, base_catalogue: CatalogueFactory) -> None:
        """A list of tag values matches an account carrying any one of them."""
        selected = _selected(
            base_catalogue, '{ tags = { environment = ["production", "shared"] } }'
        )

        assert selected == ("app-prod", "tooling")

    def test_keys_combine_with_and(self, base_catalogue: CatalogueFactory) -> None:
        """ou and tags together select only accounts matching both."""
        selected = _selected(
            base_catalogue, '{ ou = "Workloads", tags = { environment = "dev" } }'
        )

        assert selected == ("app-dev", "app-sandbox")

    def test_except_removes_accounts(self, base_catalogue: CatalogueFactory) -> None:
        """except takes accounts out of whatever the other keys selected."""
        selected = _selected(
            base_catalogue, '{ ou = "Workloads", except = ["app-dev"] }'
        )

        assert selected == ("app-prod", "app-sandbox")

    def test_names_can_select_the_management_account(
        self, base_catalogue: CatalogueFactory
    ) -> None:
        """Only "all" leaves the management account out; names can include it."""
        selected = _selected(base_catalogue, '{ names = ["management", "tooling"] }')

        assert selected == ("management", "tooling")

    def test_decommissioned_accounts_match_nothing(
        self, base_catalogue: CatalogueFactory
    ) -> None:
        """A decommissioned account is not selected even when named or tagged."""
        selected = _selected(base_catalogue, '{ tags = { team = ["app", "old"] } }')

        assert "old-dev" not in selected
        assert selected == ("app-dev", "app-prod", "app-sandbox")

    def test_ids_select_by_account_id(self, base_catalogue: CatalogueFactory) -> None:
        """ids select accounts by their 12-digit id."""
        selected = _selected(base_catalogue, '{ ids = ["000000000004"] }')

        assert selected == ("app-prod",)


def test_placeholder_group_expands_per_account(
    base_catalogue: CatalogueFactory,
) -> None:
    """{team} in a group name becomes each selected account's team tag."""
    org = load_org(base_catalogue(""))

    developer = [a for a in org.assignments if a.permission_set == "Developer"]

    assert [(a.group, a.account) for a in developer] == [("app-developers", "app-dev")]


def test_decommissioned_account_keeps_a_workspace(
    base_catalogue: CatalogueFactory,
) -> None:
    """A decommissioned account still has its workspace, so apply can empty it."""
    catalogue = base_catalogue("")
    text = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(
        text.replace(
            'id = "000000000003"', 'id = "000000000003"\ndecommissioned = true'
        ),
        encoding="utf-8",
    )
    text = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(
        text.replace(
            '[[assignments]]\ngroups = ["{team}-developers"]\n'
            'permission_set = "Developer"\n'
            'accounts = { tags = { environment = "dev" } }\n',
            "",
        ),
        encoding="utf-8",
    )

    org = load_org(catalogue)

    assert "account-app-dev" in {w.name for w in org.workspaces()}
    assert org.roles_in("app-dev") == ()
    assert org.assignments_in("app-dev") == ()
