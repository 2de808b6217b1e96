"""Turn validated catalogue specs into the org model, collecting every problem.

Selectors become account keys, ``{tag}`` placeholders become group keys,
policy files become parsed documents and every trust becomes a policy. The
resolver refuses what cannot be built; judging what is merely risky is left
to ``modules.check``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from modules.errors import CatalogueError, Problem
from modules.load import schema
from modules.load.catalogue import Catalogue, load_catalogue
from modules.resolve import guardrails as guardrail_library
from modules.resolve.model import (
    POLICY_VERSION,
    Account,
    AccountKey,
    AnchorArn,
    Assignment,
    CustomerManagedPolicy,
    Group,
    Guardrail,
    GuardrailTarget,
    LegacyIamUser,
    Org,
    Organization,
    PermissionsBoundary,
    PermissionSet,
    PolicyDocument,
    Role,
    RolesAnywhereAnchor,
    S3Backend,
    Trust,
)

ValueT = TypeVar("ValueT")

PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
ROLES_ANYWHERE_ACTIONS = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]


def load_org(path: Path) -> Org:
    """Load, validate and resolve the catalogue at ``path``.

    Raises ``CatalogueError`` with every problem found, from the TOML syntax
    to dangling references; returns the org model only when there are none.
    """
    catalogue = load_catalogue(path)
    org = Resolver(catalogue).resolve()
    if catalogue.problems or org is None:
        raise CatalogueError(catalogue.problems)
    return org


def _sorted_map(items: Mapping[str, ValueT]) -> Mapping[str, ValueT]:
    return MappingProxyType(dict(sorted(items.items())))


def managed_policy_arn(name: str) -> str:
    """``ReadOnlyAccess`` or ``service-role/X`` to its ARN; ARNs pass through."""
    if name.startswith("arn:"):
        return name
    return f"arn:aws:iam::aws:policy/{name.strip('/')}"


class Resolver:
    """Resolves one catalogue; problems are appended to ``catalogue.problems``."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.base = catalogue.path.parent
        self.accounts: dict[AccountKey, Account] = {}

    def problem(self, key: str, message: str) -> None:
        self.catalogue.problem(key, message)

    def resolve(self) -> Org | None:
        spec = self.catalogue.organization
        self.accounts = self._accounts()
        if spec is None:
            return None
        organization = self._organization(spec)
        groups = self._groups()
        policies = self._policies()
        permission_sets = self._permission_sets(policies)
        assignments = self._assignments(groups, permission_sets)
        roles = self._roles(organization)
        anchors = self._anchors(roles)
        guardrails = self._guardrails(organization, roles, policies)
        legacy = self._legacy(roles, permission_sets)
        if organization is None:
            return None
        backend = self.catalogue.backend
        s3 = backend.s3 if backend is not None else None
        return Org(
            catalogue=self.catalogue.path,
            organization=organization,
            backend=None
            if s3 is None
            else S3Backend(
                bucket=s3.bucket,
                region=s3.region,
                key_prefix=s3.key_prefix.strip("/"),
                kms_key_id=s3.kms_key_id,
            ),
            ous=_sorted_map(self.catalogue.ous),
            accounts=_sorted_map(self.accounts),
            groups=_sorted_map(groups),
            permission_sets=_sorted_map(permission_sets),
            policies=_sorted_map(policies),
            assignments=tuple(sorted(assignments.values())),
            roles=_sorted_map(roles),
            anchors=_sorted_map(anchors),
            guardrails=_sorted_map(guardrails),
            legacy_iam_users=_sorted_map(legacy),
        )

    # Accounts and the organization

    def _accounts(self) -> dict[AccountKey, Account]:
        spec = self.catalogue.organization
        management = spec.management_account if spec is not None else None
        by_id: dict[str, str] = {}
        accounts: dict[AccountKey, Account] = {}
        for key, account in sorted(self.catalogue.accounts.items()):
            dotted = f"accounts.{key}"
            if account.id in by_id:
                self.problem(
                    f"{dotted}.id",
                    f"{account.id} is already the id of accounts.{by_id[account.id]}; "
                    "every account needs its own id",
                )
                continue
            by_id[account.id] = key
            ou_id = ""
            if account.ou:
                if account.ou not in self.catalogue.ous:
                    self._unknown(f"{dotted}.ou", account.ou, "OU", self.catalogue.ous)
                    continue
                ou_id = self.catalogue.ous[account.ou]
            accounts[key] = Account(
                key=key,
                id=account.id,
                ou=account.ou,
                ou_id=ou_id,
                tags=_sorted_map(account.tags),
                decommissioned=account.decommissioned,
                is_management=key == management,
                email=account.email,
            )
        return accounts

    def _organization(self, spec: schema.OrganizationSpec) -> Organization | None:
        valid = True
        for field_name in ("management_account", "identity_center_account"):
            key = getattr(spec, field_name)
            if key not in self.accounts:
                valid = False
                if not self.catalogue.broken("accounts", key):
                    self._unknown(
                        f"organization.{field_name}", key, "account", self.accounts
                    )
            elif self.accounts[key].decommissioned:
                valid = False
                self.problem(
                    f"organization.{field_name}",
                    f"names accounts.{key}, which is decommissioned; "
                    "name an active account",
                )
        if not valid:
            return None
        return Organization(
            name=spec.name,
            id=spec.id,
            root_id=spec.root_id,
            home_region=spec.home_region,
            management_account=spec.management_account,
            identity_center_account=spec.identity_center_account,
            execution_role=spec.execution_role,
            management_role=spec.management_role,
            tags=_sorted_map(spec.tags),
        )

    # Selectors

    def select(self, key: str, selector: str | schema.SelectorSpec) -> tuple[str, ...]:
        """Expand an account selector to the keys of the accounts it matches.

        ``"all"`` is every active account but the management account; table
        keys combine with AND; ``ou`` includes nested OUs; ``except`` removes
        accounts. Decommissioned accounts match nothing. An unknown name, id or
        OU, or a selector that matches no account, is a problem at ``key``.
        """
        active = {k: a for k, a in self.accounts.items() if not a.decommissioned}
        problems_before = len(self.catalogue.problems)
        if isinstance(selector, str):
            return tuple(sorted(k for k, a in active.items() if not a.is_management))

        chosen = set(active)
        if selector.names is not None:
            for name in selector.names:
                self._known_account(f"{key}.names", name)
            chosen &= set(selector.names)
        if selector.ids is not None:
            ids = {a.id: k for k, a in self.accounts.items()}
            for account_id in selector.ids:
                if account_id not in ids:
                    self.problem(
                        f"{key}.ids",
                        f"{account_id} is not the id of any account in [accounts]; "
                        "add the account or fix the id",
                    )
            chosen &= {ids[i] for i in selector.ids if i in ids}
        if selector.ou is not None:
            if selector.ou not in self.catalogue.ous:
                self._unknown(f"{key}.ou", selector.ou, "OU", self.catalogue.ous)
            chosen &= {
                k
                for k, a in active.items()
                if a.ou == selector.ou or a.ou.startswith(selector.ou + "/")
            }
        if selector.tags is not None:
            for tag, values in selector.tags.items():
                chosen &= {k for k, a in active.items() if a.tags.get(tag) in values}
        for name in selector.except_:
            self._known_account(f"{key}.except", name)
        chosen -= set(selector.except_)
        if not chosen and len(self.catalogue.problems) == problems_before:
            self.problem(
                key,
                "matches no active account; fix the selector or remove the entry",
            )
        return tuple(sorted(chosen))

    def _known_account(self, key: str, name: str) -> bool:
        if name in self.accounts:
            return True
        if not self.catalogue.broken("accounts", name):
            self._unknown(key, name, "account", self.accounts)
        return False

    def _unknown(
        self, key: str, name: str, what: str, known: Iterable[str], section: str = ""
    ) -> None:
        names = sorted(known)
        hint = _closest(name, names)
        valid = f"did you mean {hint!r}?" if hint else _some(names, what)
        where = f" in [{section}]" if section else ""
        self.problem(key, f"{name!r} is not a declared {what}{where}; {valid}")

    # Groups, policies and permission sets

    def _groups(self) -> dict[str, Group]:
        return {
            key: Group(
                key=key, display_name=group.display_name, description=group.description
            )
            for key, group in self.catalogue.groups.items()
        }

    def _document(self, key: str, relative: str) -> tuple[PolicyDocument, Path] | None:
        """Load and parse a policy file named relative to the catalogue."""
        path = (self.base / relative).resolve()
        try:
            text = path.read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError):
            self.problem(
                key,
                f"{relative!r} does not exist (looked for {path}); give a path "
                "relative to the catalogue file",
            )
            return None
        except UnicodeDecodeError:
            self.problem(key, f"{relative!r} is not UTF-8 text; save it as JSON")
            return None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            self.problem(
                key,
                f"{relative!r} is not JSON ({error.msg} at line {error.lineno}, "
                f"column {error.colno}); write a JSON policy document",
            )
            return None
        if not isinstance(document, dict) or "Statement" not in document:
            self.problem(
                key,
                f"{relative!r} is not a policy document; it needs an object "
                'with "Version" and "Statement"',
            )
            return None
        if document.get("Version") != POLICY_VERSION:
            self.problem(
                key,
                f"{relative!r} has Version {document.get('Version')!r}; "
                f'policies must say "Version": "{POLICY_VERSION}", without which '
                "IAM policy variables such as ${aws:username} are not evaluated",
            )
            return None
        return document, path

    def _policies(self) -> dict[str, CustomerManagedPolicy]:
        policies: dict[str, CustomerManagedPolicy] = {}
        for key, spec in self.catalogue.policies.items():
            loaded = self._document(f"policies.{key}.document", spec.document)
            if loaded is None:
                continue
            document, source = loaded
            policies[key] = CustomerManagedPolicy(
                key=key,
                name=key,
                path=spec.path,
                description=spec.description,
                document=document,
                source=source,
            )
        return policies

    def _policy_reference(
        self, key: str, name: str, policies: Mapping[str, CustomerManagedPolicy]
    ) -> bool:
        if name in policies:
            return True
        if name in self.catalogue.policies or self.catalogue.broken("policies", name):
            return False
        self._unknown(key, name, "customer-managed policy", policies, "policies")
        return False

    def _permission_sets(
        self, policies: Mapping[str, CustomerManagedPolicy]
    ) -> dict[str, PermissionSet]:
        found: dict[str, PermissionSet] = {}
        for name, spec in self.catalogue.permission_sets.items():
            dotted = f"permission_sets.{name}"
            complete = True
            for policy in spec.customer_managed_policies:
                complete &= self._policy_reference(
                    f"{dotted}.customer_managed_policies", policy, policies
                )
            inline: PolicyDocument | None = None
            inline_source: Path | None = None
            if spec.inline_policy is not None:
                loaded = self._document(f"{dotted}.inline_policy", spec.inline_policy)
                if loaded is None:
                    complete = False
                else:
                    inline, inline_source = loaded
            boundary: PermissionsBoundary | None = None
            if spec.permissions_boundary is not None:
                given = spec.permissions_boundary
                if given.customer_managed is not None:
                    complete &= self._policy_reference(
                        f"{dotted}.permissions_boundary.customer_managed",
                        given.customer_managed,
                        policies,
                    )
                    boundary = PermissionsBoundary(
                        customer_managed=given.customer_managed
                    )
                elif given.managed is not None:
                    boundary = PermissionsBoundary(
                        managed_policy_arn=managed_policy_arn(given.managed)
                    )
            if not complete:
                continue
            found[name] = PermissionSet(
                name=name,
                description=spec.description,
                session_duration=spec.session_duration,
                relay_state=spec.relay_state,
                managed_policy_arns=tuple(
                    sorted({managed_policy_arn(p) for p in spec.managed_policies})
                ),
                customer_managed_policies=tuple(
                    sorted(set(spec.customer_managed_policies))
                ),
                inline_policy=inline,
                inline_policy_source=inline_source,
                permissions_boundary=boundary,
                administrative=spec.administrative,
                tags=_sorted_map(spec.tags),
            )
        return found

    # Assignments

    def _assignments(
        self,
        groups: Mapping[str, Group],
        permission_sets: Mapping[str, PermissionSet],
    ) -> dict[Assignment, Assignment]:
        found: dict[Assignment, Assignment] = {}
        for index, spec in sorted(self.catalogue.assignments.items()):
            dotted = f"assignments[{index}]"
            accounts = self.select(f"{dotted}.accounts", spec.accounts)
            if spec.permission_set not in self.catalogue.permission_sets and not (
                self.catalogue.broken("permission_sets", spec.permission_set)
            ):
                self._unknown(
                    f"{dotted}.permission_set",
                    spec.permission_set,
                    "permission set",
                    self.catalogue.permission_sets,
                    "permission_sets",
                )
            for pattern in sorted(set(spec.groups)):
                for account in accounts:
                    group = self._expand_group(f"{dotted}.groups", pattern, account)
                    if group is None:
                        continue
                    if group not in groups:
                        self._undeclared_group(
                            f"{dotted}.groups", pattern, group, groups
                        )
                        continue
                    if spec.permission_set not in permission_sets:
                        continue
                    assignment = Assignment(
                        account=account,
                        permission_set=spec.permission_set,
                        group=group,
                        source=dotted,
                    )
                    found.setdefault(assignment, assignment)
        return found

    def _expand_group(self, key: str, pattern: str, account: AccountKey) -> str | None:
        tags = self.accounts[account].tags
        missing = [tag for tag in PLACEHOLDER.findall(pattern) if tag not in tags]
        if missing:
            self.problem(
                key,
                f"{pattern!r} needs the tag {missing[0]!r}, which accounts.{account} "
                f"lacks; add tags.{missing[0]} to that account or narrow the selector",
            )
            return None
        return PLACEHOLDER.sub(lambda match: tags[match.group(1)], pattern)

    def _undeclared_group(
        self, key: str, pattern: str, group: str, groups: Mapping[str, Group]
    ) -> None:
        if self.catalogue.broken("groups", group):
            return
        if pattern != group:
            self.problem(
                key,
                f"{pattern!r} produces the group {group!r}, which is not declared "
                f"in [groups]; add [groups.{group}] with its display_name",
            )
        else:
            self._unknown(key, group, "group", groups, "groups")

    # Roles and their trust

    def _roles(self, organization: Organization | None) -> dict[str, Role]:
        found: dict[str, Role] = {}
        vendor_ids: dict[str, tuple[str, str]] = {}
        for name, spec in sorted(self.catalogue.roles.items()):
            dotted = f"roles.{name}"
            accounts = self.select(f"{dotted}.accounts", spec.accounts)
            trust = self._trust(dotted, spec, vendor_ids)
            policy: PolicyDocument | None = None
            policy_source: Path | None = None
            complete = trust is not None and organization is not None
            if spec.policy is not None:
                loaded = self._document(f"{dotted}.policy", spec.policy)
                if loaded is None:
                    complete = False
                else:
                    policy, policy_source = loaded
            if spec.policy is None and not spec.managed_policies:
                self.problem(
                    dotted,
                    "grants no permissions; set policy (a JSON file) or "
                    "managed_policies",
                )
                complete = False
            if name in (
                organization.execution_role if organization else "",
                organization.management_role if organization else "",
            ):
                self.problem(
                    dotted,
                    f"{name!r} is the role org-access deploys with; "
                    "choose another name for a workload role",
                )
                complete = False
            if not complete or trust is None or organization is None:
                continue
            found[name] = Role(
                name=name,
                path=spec.path,
                description=spec.description,
                accounts=accounts,
                trust=trust,
                trust_policies=_sorted_map(
                    {
                        account: self._trust_policy(organization, spec, trust, account)
                        for account in accounts
                    }
                ),
                external_id=spec.external_id,
                session_name=spec.session_name,
                max_session_duration=spec.max_session_duration,
                policy=policy,
                policy_source=policy_source,
                managed_policy_arns=tuple(
                    sorted({managed_policy_arn(p) for p in spec.managed_policies})
                ),
                permissions_boundary_arn=None
                if spec.permissions_boundary is None
                else managed_policy_arn(spec.permissions_boundary),
                tags=_sorted_map(spec.tags),
            )
        return found

    def _trust(
        self, dotted: str, spec: schema.RoleSpec, vendor_ids: dict[str, tuple[str, str]]
    ) -> Trust | None:
        given = spec.trust
        if given.role is not None:
            arns = [self._caller_arn(f"{dotted}.trust.role", c) for c in given.role]
            if None in arns:
                return None
            return Trust(kind="role", principals=tuple(sorted({a for a in arns if a})))

        if spec.external_id is not None and given.service is not None:
            self.problem(
                f"{dotted}.external_id",
                "has no effect on a service trust (services send no External ID); "
                "remove it",
            )
            return None
        if spec.external_id is not None and given.roles_anywhere is not None:
            self.problem(
                f"{dotted}.external_id",
                "has no effect on a Roles Anywhere trust; remove it and pin the "
                "certificate subject instead",
            )
            return None
        if spec.session_name is not None and (given.service or given.roles_anywhere):
            self.problem(
                f"{dotted}.session_name",
                "would make the role unassumable: services and Roles Anywhere "
                "choose their own session names; remove it (it applies to role "
                "and vendor trusts)",
            )
            return None

        if given.vendor is not None:
            vendor = given.vendor
            owner = next(
                (a for a in self.accounts.values() if a.id == vendor.account), None
            )
            if owner is not None:
                self.problem(
                    f"{dotted}.trust.vendor.account",
                    f"{vendor.account} is accounts.{owner.key}, one of this org's "
                    "own accounts; use trust.role for callers inside the org",
                )
                return None
            role_account = vendor.role_arn.split(":")[4] if vendor.role_arn else None
            if role_account not in (None, vendor.account):
                self.problem(
                    f"{dotted}.trust.vendor.role_arn",
                    f"is in account {role_account}, not the vendor's account "
                    f"{vendor.account}; give a role in the vendor's account",
                )
                return None
            assert spec.external_id is not None  # the schema requires it for vendors
            previous = vendor_ids.get(spec.external_id)
            if previous is not None and previous[1] != vendor.account:
                self.problem(
                    f"{dotted}.external_id",
                    f"is also the External ID of {previous[0]} for another vendor; "
                    "each vendor must issue its own External ID",
                )
                return None
            vendor_ids.setdefault(spec.external_id, (dotted, vendor.account))
            principal = vendor.role_arn or f"arn:aws:iam::{vendor.account}:root"
            return Trust(
                kind="vendor", principals=(principal,), vendor_name=vendor.name
            )

        if given.service is not None:
            return Trust(
                kind="service",
                principals=(given.service.principal,),
                service_source_arn=given.service.source_arn,
            )

        assert given.roles_anywhere is not None  # the schema requires one kind
        anchor = given.roles_anywhere.anchor
        if anchor not in self.catalogue.roles_anywhere:
            if not self.catalogue.broken("roles_anywhere", anchor):
                self._unknown(
                    f"{dotted}.trust.roles_anywhere.anchor",
                    anchor,
                    "trust anchor",
                    self.catalogue.roles_anywhere,
                    "roles_anywhere",
                )
            return None
        if not given.roles_anywhere.subjects:
            self.problem(
                f"{dotted}.trust.roles_anywhere.subjects",
                "is empty, so any certificate the CA ever issued could assume "
                'the role; pin at least one attribute, for example { CN = ["host"] }',
            )
            return None
        for attribute, values in sorted(given.roles_anywhere.subjects.items()):
            if not values or any(not v.strip("*?") for v in values):
                self.problem(
                    f"{dotted}.trust.roles_anywhere.subjects.{attribute}",
                    f"{values!r} pins nothing: an empty list or a value of only "
                    "wildcards matches every certificate (or none); list the exact "
                    'subject values, for example ["build-01.corp.example"]',
                )
                return None
        return Trust(
            kind="roles_anywhere",
            principals=("rolesanywhere.amazonaws.com",),
            anchor=anchor,
            subjects=_sorted_map(
                {
                    attribute: tuple(sorted(set(values)))
                    for attribute, values in given.roles_anywhere.subjects.items()
                }
            ),
        )

    def _caller_arn(self, key: str, caller: str) -> str | None:
        """``"account/path/name"`` to the role's ARN in that account."""
        account_key, _, role = caller.partition("/")
        if not role or not re.fullmatch(r"(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}", role):
            self.problem(
                key,
                f"{caller!r} is not a caller role; write "
                '"<account key>/<role path and name>", for example '
                '"shared-tooling/codebuild-deploy"',
            )
            return None
        if not self._known_account(key, account_key):
            return None
        account = self.accounts[account_key]
        if account.decommissioned:
            self.problem(
                key,
                f"{caller!r} is in accounts.{account_key}, which is decommissioned; "
                "trust a caller in an active account",
            )
            return None
        if role.startswith(("aws-reserved/", "aws-service-role/")):
            self.problem(
                key,
                f"{caller!r} is a role AWS manages; an Identity Center role's name "
                "changes on re-provisioning, so trust a workload role instead",
            )
            return None
        return f"arn:aws:iam::{account.id}:role/{role}"

    def _trust_policy(
        self,
        organization: Organization,
        spec: schema.RoleSpec,
        trust: Trust,
        account: AccountKey,
    ) -> PolicyDocument:
        """Build the trust policy of one role in one account (DESIGN §4)."""
        conditions: dict[str, dict[str, Any]] = defaultdict(dict)
        actions: str | list[str] = "sts:AssumeRole"
        if trust.kind == "role":
            principal: dict[str, Any] = {"AWS": _one_or_many(trust.principals)}
            conditions["StringEquals"]["aws:PrincipalOrgID"] = organization.id
        elif trust.kind == "vendor":
            principal = {"AWS": trust.principals[0]}
        elif trust.kind == "service":
            principal = {"Service": trust.principals[0]}
            conditions["StringEquals"]["aws:SourceAccount"] = self.accounts[account].id
            if trust.service_source_arn is not None:
                conditions["ArnLike"]["aws:SourceArn"] = trust.service_source_arn
        else:
            assert trust.anchor is not None  # set for every Roles Anywhere trust
            principal = {"Service": trust.principals[0]}
            actions = list(ROLES_ANYWHERE_ACTIONS)
            account_id = self.accounts[account].id
            conditions["ArnEquals"]["aws:SourceArn"] = AnchorArn(
                anchor=trust.anchor,
                account=account,
                example=(
                    f"arn:aws:rolesanywhere:{organization.home_region}:{account_id}:"
                    "trust-anchor/00000000-0000-0000-0000-000000000000"
                ),
            )
            for attribute, values in trust.subjects.items():
                operator = (
                    "StringLike"
                    if any("*" in v or "?" in v for v in values)
                    else "StringEquals"
                )
                conditions[operator][f"aws:PrincipalTag/x509Subject/{attribute}"] = (
                    _one_or_many(values)
                )
        if spec.external_id is not None:
            conditions["StringEquals"]["sts:ExternalId"] = spec.external_id
        if spec.session_name is not None:
            conditions["StringLike"]["sts:RoleSessionName"] = spec.session_name
        statement: dict[str, Any] = {
            "Sid": "Trust" + "".join(p.title() for p in trust.kind.split("_")),
            "Effect": "Allow",
            "Principal": principal,
            "Action": actions,
        }
        if conditions:
            statement["Condition"] = {k: dict(v) for k, v in sorted(conditions.items())}
        return {"Version": POLICY_VERSION, "Statement": [statement]}

    # Roles Anywhere, guardrails and legacy users

    def _anchors(self, roles: Mapping[str, Role]) -> dict[str, RolesAnywhereAnchor]:
        anchors: dict[str, RolesAnywhereAnchor] = {}
        for key, spec in self.catalogue.roles_anywhere.items():
            per_account: dict[AccountKey, list[str]] = defaultdict(list)
            for role in roles.values():
                if role.trust.anchor == key:
                    for account in role.accounts:
                        per_account[account].append(role.name)
            bundle: str | None = None
            if spec.source.certificate_bundle is not None:
                path = (self.base / spec.source.certificate_bundle).resolve()
                try:
                    bundle = path.read_text(encoding="ascii")
                except (OSError, UnicodeDecodeError):
                    self.problem(
                        f"roles_anywhere.{key}.source.certificate_bundle",
                        f"{spec.source.certificate_bundle!r} cannot be read as a PEM "
                        "file; give a path relative to the catalogue file",
                    )
                    continue
                if "-----BEGIN CERTIFICATE-----" not in bundle:
                    self.problem(
                        f"roles_anywhere.{key}.source.certificate_bundle",
                        f"{spec.source.certificate_bundle!r} holds no PEM "
                        "certificate; give the CA certificate bundle",
                    )
                    continue
            anchors[key] = RolesAnywhereAnchor(
                key=key,
                acm_pca_arn=spec.source.acm_pca_arn,
                certificate_bundle=bundle,
                session_duration=spec.session_duration,
                roles=_sorted_map(
                    {a: tuple(sorted(names)) for a, names in per_account.items()}
                ),
            )
        return anchors

    def _guardrails(
        self,
        organization: Organization | None,
        roles: Mapping[str, Role],
        policies: Mapping[str, CustomerManagedPolicy],
    ) -> dict[str, Guardrail]:
        found: dict[str, Guardrail] = {}
        for key, spec in self.catalogue.guardrails.items():
            dotted = f"guardrails.{key}"
            targets = [self._target(f"{dotted}.targets", t) for t in spec.targets]
            for permission_set in spec.exempt_permission_sets:
                if permission_set not in self.catalogue.permission_sets:
                    self._unknown(
                        f"{dotted}.exempt_permission_sets",
                        permission_set,
                        "permission set",
                        self.catalogue.permission_sets,
                        "permission_sets",
                    )
                    continue
                also = sorted(
                    other
                    for other in self.catalogue.permission_sets
                    if other.startswith(f"{permission_set}_")
                )
                if also:
                    self.problem(
                        f"{dotted}.exempt_permission_sets",
                        f"{permission_set!r} would also exempt {', '.join(also)}: "
                        "Identity Center role names only match by prefix "
                        f"(AWSReservedSSO_{permission_set}_*); rename those "
                        "permission sets so no name extends another with '_'",
                    )
            if organization is None or None in targets:
                continue
            exempt = sorted(
                {guardrail_library.role_arn_pattern(organization.execution_role)}
                | {
                    guardrail_library.role_arn_pattern(r)
                    for r in guardrail_library.CONTROL_TOWER_ROLES
                }
                | {guardrail_library.role_arn_pattern(r) for r in spec.exempt_roles}
                | {
                    guardrail_library.permission_set_role_pattern(p)
                    for p in spec.exempt_permission_sets
                }
            )
            source: Path | None = None
            if spec.builtin is not None:
                document = guardrail_library.builtin_guardrail(
                    spec.builtin,
                    exempt=exempt,
                    regions=[*(spec.regions or []), organization.home_region],
                    protected_roles=[
                        f"{role.path.lstrip('/')}{role.name}" for role in roles.values()
                    ],
                    protected_policies=[
                        f"{policy.path.lstrip('/')}{policy.name}"
                        for policy in policies.values()
                    ],
                )
            else:
                assert spec.document is not None  # the schema requires one of the two
                loaded = self._document(f"{dotted}.document", spec.document)
                if loaded is None:
                    continue
                document, source = loaded
            found[key] = Guardrail(
                key=key,
                description=spec.description,
                builtin=spec.builtin,
                document=document,
                source=source,
                targets=tuple(
                    sorted(
                        {t for t in targets if t is not None},
                        key=lambda t: (t.kind, t.name),
                    )
                ),
            )
        return found

    def _target(self, key: str, name: str) -> GuardrailTarget | None:
        spec = self.catalogue.organization
        if name == "root":
            return GuardrailTarget("root", "root", spec.root_id if spec else "")
        if name in self.catalogue.ous:
            return GuardrailTarget("ou", name, self.catalogue.ous[name])
        if name in self.accounts:
            return GuardrailTarget("account", name, self.accounts[name].id)
        if not self.catalogue.broken("accounts", name):
            self.problem(
                key,
                f"{name!r} is neither root, an OU path in [ous] nor an account key; "
                'use "root", an OU path such as "Workloads" or an account key',
            )
        return None

    def _legacy(
        self, roles: Mapping[str, Role], permission_sets: Mapping[str, PermissionSet]
    ) -> dict[str, LegacyIamUser]:
        found: dict[str, LegacyIamUser] = {}
        for name, spec in self.catalogue.legacy_iam_users.items():
            dotted = f"legacy.iam_users.{name}"
            self._known_account(f"{dotted}.account", spec.account)
            section, _, target = spec.replaced_by.partition(".")
            declared = (
                self.catalogue.roles
                if section == "roles"
                else self.catalogue.permission_sets
            )
            if target not in declared and not self.catalogue.broken(section, target):
                self._unknown(
                    f"{dotted}.replaced_by",
                    target,
                    section[:-1].replace("_", " "),
                    declared,
                    section,
                )
            found[name] = LegacyIamUser(
                name=name,
                account=spec.account,
                replaced_by=spec.replaced_by,
                retire_by=spec.retire_by,
                owner=spec.owner,
                notes=spec.notes,
            )
        return found


def _one_or_many(values: Iterable[str]) -> str | list[str]:
    values = sorted(values)
    return values[0] if len(values) == 1 else values


def _closest(name: str, names: list[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    return matches[0] if matches else None


def _some(names: list[str], what: str) -> str:
    if not names:
        return f"declare the {what} first"
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return f"declared names are {shown}"


def resolve_problems(path: Path) -> list[Problem]:
    """Every problem in the catalogue at ``path``; empty when it resolves."""
    try:
        load_org(path)
    except CatalogueError as error:
        return list(error.problems)
    return []
