"""Who can reach what, read back from the synthesized Terraform JSON.

Expected values come from the raw TOML of the catalogue, not from the model,
so a resolver mistake cannot hide behind a matching synth mistake.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from tests.synth.conftest import Synthesis

ROLES_ANYWHERE_ACTIONS = {"sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"}
SERVICE_ONLY_KEYS = {"aws:sourceaccount", "aws:sourcearn"}


def trust_policies(synthesis: Synthesis, role: str) -> dict[str, dict[str, Any]]:
    """The trust policy of ``role`` in each account workspace that has it."""
    found: dict[str, dict[str, Any]] = {}
    for workspace in synthesis.workspaces():
        roles = synthesis.resources(workspace, "aws_iam_role")
        if f"role_{role}" in roles:
            found[workspace] = json.loads(roles[f"role_{role}"]["assume_role_policy"])
    return found


def roles_of_kind(synthesis: Synthesis, kind: str) -> dict[str, dict[str, Any]]:
    """The catalogue's ``[roles]`` tables whose trust is of ``kind``."""
    return {
        name: role
        for name, role in synthesis.catalogue["roles"].items()
        if kind in role["trust"]
    }


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def condition_keys(statement: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """Every (operator, key, value) in a statement's conditions."""
    return [
        (operator, key, value)
        for operator, block in statement.get("Condition", {}).items()
        for key, value in block.items()
    ]


class TestTrust:
    def test_in_org_roles_trust_the_exact_caller_and_pin_the_org(
        self, reference: Synthesis
    ) -> None:
        """``trust.role`` callers appear as exact role ARNs, org id pinned."""
        accounts = reference.catalogue["accounts"]
        org_id = reference.catalogue["organization"]["id"]

        for name, role in roles_of_kind(reference, "role").items():
            callers = sorted(
                f"arn:aws:iam::{accounts[caller.split('/', 1)[0]]['id']}:role/"
                + caller.split("/", 1)[1]
                for caller in as_list(role["trust"]["role"])
            )
            policies = trust_policies(reference, name)
            assert policies, f"{name} is in no workspace"

            for workspace, policy in policies.items():
                (statement,) = policy["Statement"]
                assert set(statement["Principal"]) == {"AWS"}, workspace
                assert sorted(as_list(statement["Principal"]["AWS"])) == callers
                assert statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == (
                    org_id
                )

    def test_vendor_roles_carry_exactly_one_external_id(
        self, reference: Synthesis
    ) -> None:
        """One ``StringEquals sts:ExternalId``, the catalogue's value."""
        for name, role in roles_of_kind(reference, "vendor").items():
            for workspace, policy in trust_policies(reference, name).items():
                (statement,) = policy["Statement"]

                external_ids = [
                    (operator, value)
                    for operator, key, value in condition_keys(statement)
                    if key.lower() == "sts:externalid"
                ]

                assert external_ids == [("StringEquals", role["external_id"])], (
                    workspace
                )
                vendor = role["trust"]["vendor"]["account"]
                assert statement["Principal"] == {"AWS": f"arn:aws:iam::{vendor}:root"}

    def test_roles_anywhere_roles_trust_the_anchor_of_their_workspace(
        self, reference: Synthesis
    ) -> None:
        """Three STS actions, the service principal, ``aws:SourceArn`` = anchor."""
        for name, role in roles_of_kind(reference, "roles_anywhere").items():
            anchor = role["trust"]["roles_anywhere"]["anchor"]
            policies = trust_policies(reference, name)
            assert policies, f"{name} is in no workspace"

            for workspace, policy in policies.items():
                (statement,) = policy["Statement"]

                assert set(statement["Action"]) == ROLES_ANYWHERE_ACTIONS
                assert len(statement["Action"]) == 3
                assert statement["Principal"] == {
                    "Service": "rolesanywhere.amazonaws.com"
                }
                source = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
                address = f"anchor_{anchor}"
                assert source == f"${{aws_rolesanywhere_trust_anchor.{address}.arn}}"
                anchors = reference.resources(
                    workspace, "aws_rolesanywhere_trust_anchor"
                )
                assert address in anchors, workspace
                subjects = role["trust"]["roles_anywhere"]["subjects"]
                for attribute, values in subjects.items():
                    key = f"aws:PrincipalTag/x509Subject/{attribute}"
                    assert sorted(
                        as_list(statement["Condition"]["StringEquals"][key])
                    ) == (sorted(as_list(values)))

    def test_roles_anywhere_profiles_list_the_roles_that_trust_them(
        self, reference: Synthesis
    ) -> None:
        """Each profile names exactly the anchor's roles in that workspace."""
        profile = reference.resources(
            "account-shared-tooling", "aws_rolesanywhere_profile"
        )

        assert profile["anchor_corp-pki"]["role_arns"] == [
            "${aws_iam_role.role_OnPremBuildAgent.arn}"
        ]
        assert profile["anchor_corp-pki"]["enabled"] is True
        assert profile["anchor_corp-pki"]["duration_seconds"] == 3600

    def test_no_statement_pins_a_service_only_key_on_a_non_service_principal(
        self, reference: Synthesis
    ) -> None:
        """``aws:SourceAccount``/``aws:SourceArn`` only with a service principal."""
        checked = 0
        for workspace, address, policy in reference.policies():
            for statement in as_statements(policy):
                keys = {key.lower() for _, key, _ in condition_keys(statement)}
                if "Principal" not in statement or not keys & SERVICE_ONLY_KEYS:
                    continue
                checked += 1
                assert set(statement["Principal"]) == {"Service"}, (
                    f"{workspace} {address}"
                )

        assert checked > 0

    def test_no_statement_has_a_wildcard_principal(self, reference: Synthesis) -> None:
        """Neither ``"*"`` nor ``{"AWS": "*"}`` appears as a principal anywhere."""
        for workspace, address, policy in reference.policies():
            for statement in as_statements(policy):
                for field in ("Principal", "NotPrincipal"):
                    principal = statement.get(field)
                    if principal is None:
                        continue
                    assert principal != "*", f"{workspace} {address}"
                    for values in principal.values():
                        assert "*" not in as_list(values), f"{workspace} {address}"


def as_statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements = policy["Statement"]
    return [statements] if isinstance(statements, dict) else statements


class TestIdentity:
    def test_customer_managed_policies_exist_wherever_their_set_is_assigned(
        self, reference: Synthesis
    ) -> None:
        """Every assignment's account workspace creates the policies its
        permission set references, with the same name and path."""
        by_id = {
            account["id"]: key
            for key, account in reference.catalogue["accounts"].items()
        }
        references: dict[str, list[tuple[str, str]]] = {}
        attachments = reference.resources(
            "identity", "aws_ssoadmin_customer_managed_policy_attachment"
        )
        for attachment in attachments.values():
            permission_set = attachment["permission_set_arn"]
            policy = attachment["customer_managed_policy_reference"]
            references.setdefault(permission_set, []).append(
                (policy["name"], policy["path"])
            )
        assert references

        checked = 0
        assignments = reference.resources("identity", "aws_ssoadmin_account_assignment")
        for assignment in assignments.values():
            workspace = f"account-{by_id[assignment['target_id']]}"
            created = {
                (policy["name"], policy.get("path", "/"))
                for policy in reference.resources(workspace, "aws_iam_policy").values()
            }
            for needed in references.get(assignment["permission_set_arn"], []):
                checked += 1
                assert needed in created, f"{needed} missing in {workspace}"

        assert checked == 24  # 12 dev accounts x DeveloperGuardrails + 12 prod

    def test_sre_operate_each_production_account_once(
        self, reference: Synthesis
    ) -> None:
        """Exactly 12 assignments of SREProductionOperator to sre, one per
        production account."""
        production = {
            account["id"]
            for account in reference.catalogue["accounts"].values()
            if account.get("tags", {}).get("environment") == "production"
        }
        assignments = reference.resources("identity", "aws_ssoadmin_account_assignment")

        sre = [
            assignment["target_id"]
            for assignment in assignments.values()
            if assignment["principal_id"]
            == "${data.aws_identitystore_group.group_sre.group_id}"
            and assignment["permission_set_arn"]
            == "${aws_ssoadmin_permission_set.permission_set_SREProductionOperator.arn}"
        ]

        assert len(sre) == 12
        assert set(sre) == production
        assert Counter(sre).most_common(1)[0][1] == 1

    def test_assignments_wait_for_every_attachment_of_their_set(
        self, reference: Synthesis
    ) -> None:
        """``depends_on`` lists the set's policies so destroy removes
        assignments first."""
        assignments = reference.resources("identity", "aws_ssoadmin_account_assignment")

        assignment = assignments["assignment_sre_SREProductionOperator_payments-prod"]

        assert sorted(assignment["depends_on"]) == sorted(
            [
                "aws_ssoadmin_customer_managed_policy_attachment."
                "permission_set_SREProductionOperator_PlatformGuardrails",
                "aws_ssoadmin_managed_policy_attachment."
                "permission_set_SREProductionOperator_ReadOnlyAccess",
                "aws_ssoadmin_managed_policy_attachment."
                "permission_set_SREProductionOperator_"
                "-service-2d-role-2f-AmazonSSMAutomationRole",
                "aws_ssoadmin_permission_set_inline_policy."
                "permission_set_SREProductionOperator",
            ]
        )
        assert assignment["principal_type"] == "GROUP"
        assert assignment["target_type"] == "AWS_ACCOUNT"

    def test_groups_are_looked_up_by_display_name(self, reference: Synthesis) -> None:
        """Each group data source asks the identity store for its DisplayName."""
        groups = reference.document("identity")["data"]["aws_identitystore_group"]
        display_names = {
            key: group["display_name"]
            for key, group in reference.catalogue["groups"].items()
        }

        for name, lookup in groups.items():
            assert lookup["alternate_identifier"] == {
                "unique_attribute": {
                    "attribute_path": "DisplayName",
                    "attribute_value": display_names[name.removeprefix("group_")],
                }
            }
            assert lookup["identity_store_id"] == "${local.identity_store_id}"


class TestPolicyVariables:
    def test_policy_variables_reach_aws_as_written(self, reference: Synthesis) -> None:
        """``${aws:PrincipalAccount}`` is escaped as ``$${aws:PrincipalAccount}``
        in the DeploymentRole inline policy."""
        policy = reference.resources("account-payments-prod", "aws_iam_role_policy")[
            "role_DeploymentRole"
        ]["policy"]

        assert "$${aws:PrincipalAccount}" in policy
        assert "${aws:" not in policy.replace("$${", "")
