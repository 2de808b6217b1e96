"""The ordered bootstrap runbook for one org, with the exact commands to run.

It is written from the catalogue alone: it cannot know which prerequisites an
org already meets, so every check is listed with the answer it must give.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable

from modules.report._common import (
    caller_label,
    human_duration,
    md_table,
    plural,
    role_arn,
    role_session,
)
from modules.resolve.model import Org, Role, Workspace

STAGES = {
    1: "Account workspaces: customer-managed policies, workload roles, Roles "
    "Anywhere anchors",
    2: "Identity workspace: permission sets and account assignments",
    3: "Organization workspace: guardrails (SCPs) and their attachments",
}


def render_runbook(org: Org, out_dir: str = "cdktf.out") -> str:
    """Markdown runbook to bootstrap ``org`` from the workspaces in ``out_dir``.

    Covers the prerequisites, every workspace in first-apply order with its
    ``terraform -chdir=<out_dir>/stacks/<workspace>`` init, plan and apply
    commands, why that order, verification of each workload role and of
    Identity Center provisioning, the retirement of each legacy IAM user and
    rollback notes. Paths are shell-quoted when they need it.
    """
    organization = org.organization
    lines = [
        f"# Bootstrap runbook: {organization.name} ({organization.id})",
        "",
        f"Written from `{org.catalogue.name}`. Every command uses `terraform`; "
        "OpenTofu's `tofu` takes the same arguments and works the same way.",
        "",
    ]
    lines += _prerequisites(org, out_dir)
    lines += _apply(org, out_dir)
    lines += _verify(org)
    lines += _legacy(org)
    lines += _rollback(org, out_dir)
    return "\n".join(lines)


def _code(commands: Iterable[str], language: str = "sh") -> list[str]:
    return [f"```{language}", *commands, "```", ""]


def _prerequisites(org: Org, out_dir: str) -> list[str]:
    organization = org.organization
    management = org.management
    identity_center = org.identity_center
    lines = [
        "## 1. Prerequisites",
        "",
        "### Landing zone and organization",
        "",
        f"- An AWS Control Tower landing zone in {organization.home_region}, "
        f"whose organization is `{organization.id}` with the root "
        f"`{organization.root_id}` and the management account {management.key} "
        f"(`{management.id}`).",
        "- These OUs exist with these ids (the guardrails attach to them):",
        "",
    ]
    ous = ([path, ou_id] for path, ou_id in org.ous.items())
    lines += md_table(["OU", "id"], ous)
    lines += [
        "",
        "### Identity Center",
        "",
        f"- IAM Identity Center is enabled in {identity_center.key} "
        f"(`{identity_center.id}`) in {organization.home_region}.",
        "- The identity source is the corporate IdP over SAML 2.0, with "
        "automatic provisioning (SCIM) turned on.",
        "- The IdP provisions these groups with exactly these display names; "
        "the identity plan looks each one up by display name and fails when "
        "one is missing:",
        "",
    ]
    lines += md_table(
        ["group", "display name in the identity store"],
        ([g.key, g.display_name] for g in org.groups.values()),
    )
    lines += [
        "",
        "Check one group (the command prints its `GroupId`; "
        "`ResourceNotFoundException` means it is not provisioned yet):",
        "",
    ]
    example = next(iter(org.groups.values()), None)
    attribute = {
        "AttributePath": "DisplayName",
        "AttributeValue": example.display_name if example else "GROUP",
    }
    lines += _code(
        [
            "IDENTITY_STORE_ID=$(aws sso-admin list-instances "
            "--query 'Instances[0].IdentityStoreId' --output text)",
            'aws identitystore get-group-id --identity-store-id "$IDENTITY_STORE_ID" '
            "--alternate-identifier "
            + shlex.quote(json.dumps({"UniqueAttribute": attribute})),
        ]
    )
    if identity_center.key != management.key:
        lines += [
            f"- {identity_center.key} is the delegated administrator of Identity "
            "Center. Assignments on the management account cannot be made from "
            "a delegated administrator: make those from the management "
            "account's own Identity Center administration.",
            "",
        ]

    lines += ["### Terraform state", ""]
    if org.backend is not None:
        backend = org.backend
        lines += [
            f"- The S3 bucket `{backend.bucket}` exists in {backend.region}, with "
            "versioning on (a previous state can then be restored) and "
            + (
                f"SSE-KMS with `{backend.kms_key_id}`"
                if backend.kms_key_id
                else "default encryption"
            )
            + f". Each workspace keeps its state under `{backend.key_prefix}/` with "
            "its own key and a native S3 lock file, which needs a Terraform or "
            "OpenTofu release with S3 native locking (`use_lockfile`).",
            "- The principal that runs Terraform can read and write that prefix.",
            "",
        ]
    else:
        lines += [
            "- No backend is set: each workspace keeps `terraform.tfstate` in its "
            f"own folder under `{out_dir}/stacks/`. Back those files up; losing one "
            "means Terraform forgets what it manages in that account.",
            "",
        ]

    members = (a for a in org.accounts.values() if not a.is_management)
    member = next(members, None)
    lines += [
        "### Roles Terraform assumes",
        "",
        f"- In the management account: `{organization.management_role}`, created "
        "by hand, trusting the principal that runs Terraform.",
        f"- In every member account: `{organization.execution_role}`, which "
        "Control Tower creates in enrolled accounts and which trusts the "
        "management account.",
        "- Each workspace's provider assumes the role of its own account and "
        "refuses every other account (`allowed_account_ids`). Assuming a role "
        "from a role session is role chaining, capped at 1 h: keep each apply "
        "within the hour.",
        "",
        "Both must return credentials (a JSON `Credentials` object), not "
        "`AccessDenied`:",
        "",
    ]
    checks = [
        f"aws sts assume-role --role-arn "
        f"arn:aws:iam::{management.id}:role/{organization.management_role} "
        f"--role-session-name org-access-preflight"
    ]
    if member is not None:
        checks.append(
            f"aws sts assume-role --role-arn "
            f"arn:aws:iam::{member.id}:role/{organization.execution_role} "
            f"--role-session-name org-access-preflight"
        )
    lines += _code(checks)

    callers = sorted(
        {
            p
            for role in org.roles.values()
            if role.trust.kind == "role"
            for p in role.trust.principals
        }
    )
    if callers:
        lines += [
            "### Caller roles",
            "",
            "These roles must exist before the account workspaces are applied: "
            "IAM refuses a trust policy that names a role that does not exist "
            "(`MalformedPolicyDocument: Invalid principal in policy`).",
            "",
            *[f"- `{arn}`" for arn in callers],
            "",
        ]
    pcas = sorted(
        {anchor.acm_pca_arn for anchor in org.anchors.values() if anchor.acm_pca_arn}
    )
    if pcas:
        lines += [
            "### Private CA",
            "",
            "Each Roles Anywhere trust anchor needs its private CA active; "
            "this prints `ACTIVE`:",
            "",
        ]
        lines += _code(
            "aws acm-pca describe-certificate-authority "
            f"--certificate-authority-arn {arn} "
            "--query CertificateAuthority.Status --output text"
            for arn in pcas
        )
    lines += [
        "### Tools and output",
        "",
        "- Terraform or OpenTofu, the AWS CLI v2 and, for Roles Anywhere, "
        "`aws_signing_helper`.",
        "- Fresh output with no errors:",
        "",
    ]
    lines += _code(
        [
            "python main.py check",
            f"python main.py synth --out {shlex.quote(out_dir)}",
        ]
    )
    return lines


def _workspace_commands(workspace: Workspace, out_dir: str) -> list[str]:
    folder = shlex.quote(f"{out_dir}/stacks/{workspace.name}")
    return [
        f"terraform -chdir={folder} init",
        f"terraform -chdir={folder} plan -out=tfplan",
        f"terraform -chdir={folder} apply tfplan",
    ]


def _apply(org: Org, out_dir: str) -> list[str]:
    workspaces = org.workspaces()
    lines = [
        "## 2. Apply the workspaces in first-apply order",
        "",
        "Account workspaces go first: a permission set that names a "
        "customer-managed policy can only be provisioned to an account where "
        "that policy already exists, and when it is missing the AWS provider "
        "can record the failed provisioning as a success "
        "(terraform-provider-aws issue #38247). The identity workspace comes "
        "next, the organization workspace last, so guardrails land once the "
        "access they protect works.",
        "",
        "Review each plan before applying it. If the identity plan fails with "
        "`ThrottlingException` (Identity Center allows about 20 requests a "
        "second), plan again with `-parallelism=4`.",
        "",
    ]
    lines += md_table(
        ["step", "workspace", "account", "role assumed"],
        (
            [str(w.apply_order), w.name, f"{w.account} ({w.account_id})", w.role_arn]
            for w in workspaces
        ),
    )
    lines.append("")
    for order, title in STAGES.items():
        stage = [w for w in workspaces if w.apply_order == order]
        if not stage:
            continue
        lines += [f"### Step {order}. {title}", ""]
        commands: list[str] = []
        for workspace in stage:
            commands += [
                f"# {workspace.name}: {workspace.account} ({workspace.account_id})"
            ]
            commands += _workspace_commands(workspace, out_dir)
        lines += _code(commands)
    return lines


def _session_name(role: Role) -> str:
    if role.session_name is None:
        return "verify-test"
    return role.session_name.replace("*", "test").replace("?", "x")


def _verify(org: Org) -> list[str]:
    lines = [
        "## 3. Verify",
        "",
        "### Identity Center provisioning",
        "",
        "Both must print an empty list; a `FAILED` entry is a permission set "
        "or an assignment the provider may have recorded as done:",
        "",
    ]
    lines += _code(
        [
            "INSTANCE_ARN=$(aws sso-admin list-instances "
            "--query 'Instances[0].InstanceArn' --output text)",
            "aws sso-admin list-permission-set-provisioning-status --instance-arn "
            '"$INSTANCE_ARN" --filter Status=FAILED',
            "aws sso-admin list-account-assignment-creation-status --instance-arn "
            '"$INSTANCE_ARN" --filter Status=FAILED',
        ]
    )
    if org.assignments:
        sample = org.assignments[0]
        account = org.accounts[sample.account]
        assignments = org.assignments_in(account.key)
        in_account = sorted({a.permission_set for a in assignments})
        lines += [
            f"This lists the ARNs of the "
            f"{plural(len(in_account), 'permission set')} provisioned to "
            f"{account.key} ({', '.join(in_account)}); members of "
            "each group see the same in their AWS access portal:",
            "",
        ]
        lines += _code(
            [
                "aws sso-admin list-permission-sets-provisioned-to-account "
                f'--instance-arn "$INSTANCE_ARN" --account-id {account.id}'
            ]
        )
    for role in org.roles.values():
        lines += _verify_role(org, role)
    if org.guardrails:
        lines += [
            "### Guardrails",
            "",
            "Each command lists the SCPs on one target: `FullAWSAccess` and "
            "the guardrails named, at most five in all.",
            "",
        ]
        by_target: dict[tuple[str, str], list[str]] = {}
        for guardrail in org.guardrails.values():
            for target in guardrail.targets:
                by_target.setdefault((target.target_id, target.name), []).append(
                    guardrail.key
                )
        commands = []
        for (target_id, name), keys in sorted(by_target.items()):
            attached = ", ".join(sorted(keys))
            commands.append(f"# {name}: FullAWSAccess, {attached}")
            commands.append(
                f"aws organizations list-policies-for-target --target-id {target_id} "
                "--filter SERVICE_CONTROL_POLICY --query 'Policies[].Name'"
            )
        lines += _code(commands)
    return lines


def _verify_role(org: Org, role: Role) -> list[str]:
    if not role.accounts:
        return []
    account = org.accounts[role.accounts[0]]
    arn = role_arn(account.id, role)
    trust = role.trust
    lines = [f"### {role.name} ({plural(len(role.accounts), 'account')})", ""]
    if trust.kind == "role":
        caller = trust.principals[0]
        name = _session_name(role)
        base = (
            f"aws sts assume-role --role-arn {arn} "
            f"--role-session-name {shlex.quote(name)}"
        )
        with_id = base + (
            f" --external-id {shlex.quote(role.external_id)}"
            if role.external_id
            else ""
        )
        lines += [
            f"Run from a session of the caller role `{caller}` "
            f"({caller_label(org, trust, caller)}), for example in its "
            f"pipeline; `aws sts get-caller-identity` must show that role. In "
            f"{account.key}:",
            "",
        ]
        lines += _code([with_id])
        lines += [
            "Succeeds: it prints `Credentials` (an access key, secret and "
            "session token expiring "
            f"{human_duration(role_session(org, role).seconds)} later) and "
            f"`AssumedRoleUser.Arn` "
            f"`arn:aws:sts::{account.id}:assumed-role/{role.name}/{name}`.",
            "",
            "Each of these must fail with `An error occurred (AccessDenied) "
            "when calling the AssumeRole operation: User: … is not authorized "
            "to perform: sts:AssumeRole on resource: …`:",
            "",
        ]
        failing = []
        if role.external_id:
            failing += ["# without the External ID", base]
        if role.session_name is not None:
            failing += [
                f"# with a session name outside the pattern {role.session_name}",
                with_id.replace(
                    f"--role-session-name {shlex.quote(name)}",
                    "--role-session-name manual-test",
                ),
            ]
        failing += [
            "# from any other principal, such as your own SSO session",
            with_id,
        ]
        lines += _code(failing)
        lines += [
            "Asking for more than an hour (`--duration-seconds 7200`) fails "
            "with `ValidationError`: role chaining caps the session at 1 h.",
            "",
        ]
    elif trust.kind == "vendor":
        lines += [
            f"Only {trust.vendor_name} can assume this role. From your own "
            "credentials, this must fail with `AccessDenied`:",
            "",
        ]
        lines += _code(
            [
                f"aws sts assume-role --role-arn {arn} --role-session-name "
                "vendor-test --external-id " + shlex.quote(role.external_id or "")
            ]
        )
        lines += [
            f"In {account.key}, this prints the trust policy, whose principal "
            f"must be `{trust.principals[0]}` with a `sts:ExternalId` "
            f"condition; then ask {trust.vendor_name} to run their connection "
            f"test:",
            "",
        ]
        lines += _code(
            [
                f"aws iam get-role --role-name {role.name} "
                "--query Role.AssumeRolePolicyDocument"
            ]
        )
    elif trust.kind == "roles_anywhere":
        subject = next(iter(trust.subjects.items()), ("CN", ("host",)))
        host = subject[1][0]
        lines += [
            f"On a host holding a certificate issued under {trust.anchor} with "
            f"{subject[0]}={host}, with the anchor's and profile's ARNs read "
            f"in {account.key}:",
            "",
        ]
        lines += _code(
            [
                "aws rolesanywhere list-trust-anchors "
                "--query 'trustAnchors[].[name,trustAnchorArn]' --output table",
                "aws rolesanywhere list-profiles "
                "--query 'profiles[].[name,profileArn]' --output table",
                "aws_signing_helper credential-process \\",
                f"  --certificate {shlex.quote(host + '.pem')} \\",
                f"  --private-key {shlex.quote(host + '.key')} \\",
                '  --trust-anchor-arn "$TRUST_ANCHOR_ARN" \\',
                '  --profile-arn "$PROFILE_ARN" \\',
                f"  --role-arn {arn}",
            ]
        )
        lines += [
            'Succeeds: it prints `{"Version": 1, "AccessKeyId": …, '
            '"SecretAccessKey": …, "SessionToken": …, "Expiration": …}`. The same '
            "command with a certificate whose subject is not listed fails with "
            "`AccessDeniedException`.",
            "",
        ]
    else:
        lines += [
            f"Only {trust.principals[0]} can assume this role, on behalf of "
            f"{account.key}. This prints the trust policy to check:",
            "",
        ]
        lines += _code(
            [
                f"aws iam get-role --role-name {role.name} "
                "--query Role.AssumeRolePolicyDocument"
            ]
        )
    return lines


def _legacy(org: Org) -> list[str]:
    lines = ["## 4. Retire the legacy IAM users", ""]
    if not org.legacy_iam_users:
        return [*lines, "No legacy IAM users are listed.", ""]
    lines += [
        "Retire each user once its replacement is verified (section 3). Run "
        "the commands with credentials in the user's account. SCPs do not "
        "apply to the management account, so a guardrail cannot block users "
        "there: only deletion retires them.",
        "",
    ]
    users = sorted(
        org.legacy_iam_users.values(), key=lambda user: (user.retire_by, user.name)
    )
    for user in users:
        account = org.accounts.get(user.account)
        where = f"{user.account} ({account.id})" if account else user.account
        name = shlex.quote(user.name)
        lines += [
            f"### {user.name}: {where}, retire by {user.retire_by.isoformat()}",
            "",
            f"Replaced by `{user.replaced_by}`"
            + (f"; owner {user.owner}" if user.owner else "")
            + "."
            + (f" {user.notes.rstrip('.')}." if user.notes else ""),
            "",
            "1. List the keys and when each was last used:",
            "",
        ]
        lines += _code(
            [
                f"aws iam list-access-keys --user-name {name}",
                "aws iam get-access-key-last-used --access-key-id AKIA…",
            ]
        )
        lines += [
            "2. Deactivate every key (reversible with `--status Active`):",
            "",
        ]
        lines += _code(
            [
                f"aws iam update-access-key --user-name {name} "
                "--access-key-id AKIA… --status Inactive"
            ]
        )
        lines += [
            "3. Watch for a week or two: CloudTrail must show no calls by the "
            "user, and the last-used date must not move. A caller that breaks "
            "(`InvalidClientTokenId`) still depends on the key: reactivate it, "
            "move that caller, start again.",
            "",
        ]
        lines += _code(
            [
                "aws cloudtrail lookup-events --lookup-attributes "
                f"AttributeKey=Username,AttributeValue={name} --max-results 50"
            ]
        )
        lines += [
            "4. Delete what the user holds (each list command shows what to "
            "remove), then the user:",
            "",
        ]
        lines += _code(
            [
                f"aws iam delete-access-key --user-name {name} --access-key-id AKIA…",
                f"aws iam delete-login-profile --user-name {name}",
                f"aws iam list-attached-user-policies --user-name {name}",
                f"aws iam detach-user-policy --user-name {name} --policy-arn ARN",
                f"aws iam list-user-policies --user-name {name}",
                f"aws iam delete-user-policy --user-name {name} --policy-name NAME",
                f"aws iam list-groups-for-user --user-name {name}",
                f"aws iam remove-user-from-group --user-name {name} --group-name NAME",
                f"aws iam list-mfa-devices --user-name {name}",
                f"aws iam list-signing-certificates --user-name {name}",
                f"aws iam list-ssh-public-keys --user-name {name}",
                f"aws iam list-service-specific-credentials --user-name {name}",
                f"aws iam delete-user --user-name {name}",
            ]
        )
        lines += [
            f"5. Remove `[legacy.iam_users.{user.name}]` from the catalogue.",
            "",
        ]
    return lines


def _rollback(org: Org, out_dir: str) -> list[str]:
    administrators = sorted(
        {
            f"{a.group} ({a.permission_set})"
            for a in org.assignments
            if org.permission_sets[a.permission_set].administrative
        }
    )
    folder = shlex.quote(f"{out_dir}/stacks/WORKSPACE")
    lines = [
        "## 5. Rollback",
        "",
        "- Roll back a change by reverting its catalogue commit, synthesizing, "
        "and planning and applying only the workspaces `python main.py diff` "
        "lists. Apply account workspaces first when the change brings back "
        "customer-managed policies, and last when it removes them: a "
        "permission set must stop naming a policy before the policy is deleted.",
        "- A permission set stuck in a failed provisioning (issue #38247): "
        "create the missing customer-managed policy (apply the account "
        "workspace), then provision again:",
        "",
    ]
    lines += _code(
        [
            'aws sso-admin provision-permission-set --instance-arn "$INSTANCE_ARN" '
            "--permission-set-arn PERMISSION_SET_ARN "
            "--target-type ALL_PROVISIONED_ACCOUNTS"
        ]
    )
    lines += [
        "- A guardrail that blocks too much: SCPs never restrict the "
        "management account and every built-in guardrail exempts the execution "
        "role, so the organization workspace can always be applied again. In "
        "an emergency, detach the policy from the management account:",
        "",
    ]
    lines += _code(["aws organizations detach-policy --policy-id p-… --target-id ou-…"])
    if administrators:
        lines += [
            "- People locked out: the administrative assignments "
            f"{', '.join(administrators)} are the way back in; keep them working "
            "while you repair the rest, and the management account's root user "
            "for when Identity Center itself is broken.",
        ]
    if org.backend is not None:
        lines += [
            f"- A bad state: bucket versioning keeps every earlier state "
            f"object under `{org.backend.key_prefix}/`; restore the previous "
            f"version of "
            "the workspace's key. A lock left by a crashed run is released with "
            f"`terraform -chdir={folder} force-unlock LOCK_ID`.",
        ]
    else:
        lines += [
            "- A bad state: restore the workspace folder's `terraform.tfstate` "
            "from your backup, or `terraform.tfstate.backup`, which Terraform "
            "keeps.",
        ]
    lines += [
        "- Never `terraform destroy` the identity workspace: it removes every "
        "assignment at once. To retire an account, set `decommissioned = true` "
        "and apply its workspace, which then removes what it managed.",
        "",
    ]
    return lines
