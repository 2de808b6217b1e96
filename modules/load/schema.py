"""Pydantic models of the catalogue's TOML, one per table, unknown keys refused.

These check the shape and the limits of each value on its own. Whether a name
refers to something that exists is the resolver's job, not the schema's.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

IAM_NAME = re.compile(r"[\w+=,.@-]+")
EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]+")
ACCOUNT_ID = re.compile(r"\d{12}")
ISO_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?")
REGION = re.compile(r"[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d")

VENDOR_WITHOUT_EXTERNAL_ID = (
    "trusts a vendor without external_id, so any customer of that vendor who "
    "learns the role ARN could have the vendor assume it (confused deputy); "
    "set external_id to the value the vendor issued"
)

BUILTIN_GUARDRAILS = (
    "deny-iam-users",
    "deny-leave-organization",
    "deny-root-user",
    "protect-access-roles",
    "protect-security-services",
    "region-allowlist",
)


def invalid(message: str) -> PydanticCustomError:
    """A validation error whose text reaches the user unchanged."""
    return PydanticCustomError("catalogue", message)


def _account_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        raise invalid(
            "is a TOML integer, which loses leading zeros; write the 12-digit "
            'account id as a quoted string, for example "012345678901"'
        )
    if isinstance(value, str) and not ACCOUNT_ID.fullmatch(value):
        raise invalid(
            f"{value!r} is not an AWS account id; write exactly 12 digits "
            'as a quoted string, for example "012345678901"'
        )
    return value


AccountIdText = Annotated[str, BeforeValidator(_account_id)]


def _session_duration(value: str) -> str:
    match = ISO_DURATION.fullmatch(value)
    if match is None or not any(match.groups()):
        raise invalid(
            f"{value!r} is not an ISO-8601 duration; write it like PT1H, PT4H "
            "or PT1H30M, between PT1H and PT12H"
        )
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if not 3600 <= total <= 43200:
        raise invalid(
            f"{value!r} is outside what Identity Center allows; use a duration "
            "between PT1H and PT12H"
        )
    return value


SessionDuration = Annotated[str, AfterValidator(_session_duration)]


def _relay_state(value: str) -> str:
    if not value.startswith("https://"):
        raise invalid(
            f"{value!r} is not an https URL; use the console page users should "
            "land on, for example https://console.aws.amazon.com/cloudwatch/home"
        )
    if len(value) > 240:
        raise invalid(
            f"is {len(value)} characters long; Identity Center allows at most 240"
        )
    return value


def _external_id(value: str) -> str:
    if not 2 <= len(value) <= 1224 or not EXTERNAL_ID.fullmatch(value):
        raise invalid(
            "is not a valid External ID; use 2 to 1,224 characters of letters, "
            "digits and _+=,.@:/-"
        )
    return value


ExternalId = Annotated[str, AfterValidator(_external_id)]


def _max_length(limit: int, what: str) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > limit:
            raise invalid(
                f"is {len(value)} characters long; {what} allows at most {limit}"
            )
        return value

    return AfterValidator(check)


def _region(value: str) -> str:
    if not REGION.fullmatch(value):
        raise invalid(f"{value!r} is not an AWS region name such as eu-west-1")
    return value


Region = Annotated[str, AfterValidator(_region)]


def _iam_path(value: str) -> str:
    if not re.fullmatch(r"/(?:[\w+=,.@-]+/)*", value) or len(value) > 512:
        raise invalid(
            f"{value!r} is not an IAM path; start and end it with a slash, "
            "for example / or /platform/"
        )
    if value.startswith(("/aws-reserved/", "/aws-service-role/")):
        raise invalid(
            f"{value!r} is reserved for roles AWS creates itself; choose another"
            " path, for example /workload/"
        )
    return value


IamPath = Annotated[str, AfterValidator(_iam_path)]


def _string_list(value: Any) -> Any:
    """Accept one string where a list of strings is expected."""
    return [value] if isinstance(value, str) else value


StringList = Annotated[list[str], BeforeValidator(_string_list)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class OrganizationSpec(Strict):
    name: str
    id: Annotated[str, Field(pattern=r"^o-[a-z0-9]{10,32}$")]
    root_id: Annotated[str, Field(pattern=r"^r-[0-9a-z]{4,32}$")]
    home_region: Region
    management_account: str
    identity_center_account: str
    execution_role: str = "AWSControlTowerExecution"
    management_role: str = "OrgAccessDeployer"
    tags: dict[str, str] = {}


class S3BackendSpec(Strict):
    bucket: str
    region: Region
    key_prefix: str = "org-access"
    kms_key_id: str | None = None


class BackendSpec(Strict):
    s3: S3BackendSpec | None = None


class AccountSpec(Strict):
    id: AccountIdText
    ou: str = ""
    email: str | None = None
    tags: dict[str, str] = {}
    decommissioned: bool = False


class GroupSpec(Strict):
    display_name: str
    description: str = ""


class SelectorSpec(Strict):
    """An account selector table; its keys combine with AND."""

    names: Annotated[StringList, Field(min_length=1)] | None = None
    ids: (
        Annotated[
            list[AccountIdText], BeforeValidator(_string_list), Field(min_length=1)
        ]
        | None
    ) = None
    ou: str | None = None
    tags: (
        Annotated[
            dict[str, Annotated[StringList, Field(min_length=1)]], Field(min_length=1)
        ]
        | None
    ) = None
    except_: Annotated[StringList, Field(alias="except")] = []

    @model_validator(mode="after")
    def _selects_something(self) -> SelectorSpec:
        if (self.names, self.ids, self.ou, self.tags) == (None, None, None, None):
            raise invalid(
                'selects nothing; give "all" or a table with names, ids, ou or tags'
            )
        return self


def _selector(value: Any) -> Any:
    if isinstance(value, str) and value != "all":
        raise invalid(
            f'{value!r} is not a selector; use "all" or a table such as '
            '{ names = [...] }, { ou = "Workloads" } or { tags = { k = "v" } }'
        )
    return value


Selector = Annotated[Literal["all"] | SelectorSpec, BeforeValidator(_selector)]


class BoundarySpec(Strict):
    managed: str | None = None
    customer_managed: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> BoundarySpec:
        if (self.managed is None) == (self.customer_managed is None):
            raise invalid(
                "gives the boundary two ways or none; set exactly one of "
                "managed or customer_managed"
            )
        return self


class PermissionSetSpec(Strict):
    description: Annotated[str, _max_length(700, "Identity Center")] = ""
    session_duration: SessionDuration = "PT1H"
    relay_state: Annotated[str, AfterValidator(_relay_state)] | None = None
    managed_policies: list[str] = []
    customer_managed_policies: list[str] = []
    inline_policy: str | None = None
    permissions_boundary: BoundarySpec | None = None
    administrative: bool = False
    tags: dict[str, str] = {}

    @model_validator(mode="after")
    def _policy_count(self) -> PermissionSetSpec:
        count = len(self.managed_policies) + len(self.customer_managed_policies)
        if count > 20:
            raise invalid(
                f"attaches {count} managed and customer-managed policies; "
                "Identity Center allows at most 20 on one permission set"
            )
        return self


class PolicySpec(Strict):
    document: str
    description: Annotated[str, _max_length(1000, "IAM")] = ""
    path: IamPath = "/"


class AssignmentSpec(Strict):
    groups: StringList
    permission_set: str
    accounts: Selector
    description: str = ""


class VendorTrustSpec(Strict):
    account: AccountIdText
    name: str
    role_arn: (
        Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")]
        | None
    ) = None


class ServiceTrustSpec(Strict):
    principal: Annotated[str, Field(pattern=r"^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$")]
    source_arn: str | None = None


class RolesAnywhereTrustSpec(Strict):
    anchor: str
    subjects: dict[str, StringList] = {}


class TrustSpec(Strict):
    role: StringList | None = None
    vendor: VendorTrustSpec | None = None
    service: ServiceTrustSpec | None = None
    roles_anywhere: RolesAnywhereTrustSpec | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> TrustSpec:
        given = [
            kind
            for kind in ("role", "vendor", "service", "roles_anywhere")
            if getattr(self, kind) is not None
        ]
        if len(given) != 1:
            raise invalid(
                f"names {len(given)} trust kinds; give exactly one of "
                "role, vendor, service or roles_anywhere"
            )
        return self

    @property
    def kind(self) -> str:
        for kind in ("role", "vendor", "service", "roles_anywhere"):
            if getattr(self, kind) is not None:
                return kind
        raise AssertionError("validated trust has a kind")


class RoleSpec(Strict):
    description: Annotated[str, _max_length(1000, "IAM")] = ""
    accounts: Selector
    trust: TrustSpec
    external_id: ExternalId | None = None
    session_name: str | None = None
    max_session_duration: Annotated[int, Field(ge=3600, le=43200)] = 3600
    policy: str | None = None
    managed_policies: list[str] = []
    permissions_boundary: str | None = None
    path: IamPath = "/"
    tags: dict[str, str] = {}

    @model_validator(mode="after")
    def _vendor_needs_external_id(self) -> RoleSpec:
        if self.trust.vendor is not None and self.external_id is None:
            raise PydanticCustomError("missing_external_id", VENDOR_WITHOUT_EXTERNAL_ID)
        return self


class AnchorSourceSpec(Strict):
    acm_pca_arn: (
        Annotated[
            str,
            Field(
                pattern=r"^arn:aws[a-z-]*:acm-pca:[a-z0-9-]+:\d{12}:certificate-authority/[0-9a-f-]+$"
            ),
        ]
        | None
    ) = None
    certificate_bundle: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> AnchorSourceSpec:
        if (self.acm_pca_arn is None) == (self.certificate_bundle is None):
            raise invalid("set exactly one of acm_pca_arn or certificate_bundle")
        return self


class RolesAnywhereSpec(Strict):
    source: AnchorSourceSpec
    session_duration: Annotated[int, Field(ge=900, le=43200)] = 3600


def _exempt_role(value: str) -> str:
    if "*" in value or "?" in value:
        raise invalid(
            f"{value!r} is a pattern, which could exempt roles nobody reviewed; "
            "name each exempted role by its path and name, for example "
            '"ci/terraform-apply"'
        )
    if not re.fullmatch(r"(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}", value):
        raise invalid(
            f'{value!r} is not a role path and name such as "ci/terraform-apply"'
        )
    return value


class GuardrailSpec(Strict):
    description: Annotated[str, _max_length(512, "Organizations")] = ""
    builtin: Literal[BUILTIN_GUARDRAILS] | None = None  # type: ignore[valid-type]  # Literal of a tuple is valid at run time
    document: str | None = None
    regions: list[Region] | None = None
    exempt_roles: list[Annotated[str, AfterValidator(_exempt_role)]] = []
    exempt_permission_sets: list[str] = []
    targets: Annotated[list[str], Field(min_length=1)]

    @model_validator(mode="after")
    def _builtin_or_document(self) -> GuardrailSpec:
        if (self.builtin is None) == (self.document is None):
            raise invalid(
                "set exactly one of builtin (one of "
                + ", ".join(BUILTIN_GUARDRAILS)
                + ") or document (a path to an SCP JSON file)"
            )
        if self.builtin == "region-allowlist" and not self.regions:
            raise invalid(
                "region-allowlist needs regions, for example "
                'regions = ["eu-west-1", "eu-central-1"]'
            )
        if self.builtin != "region-allowlist" and self.regions is not None:
            raise invalid('regions only applies to builtin = "region-allowlist"')
        return self


class LegacyIamUserSpec(Strict):
    account: str
    replaced_by: Annotated[
        str, Field(pattern=r"^(roles|permission_sets)\.[\w+=,.@-]+$")
    ]
    retire_by: datetime.date
    owner: str | None = None
    notes: str = ""


class LegacySpec(Strict):
    iam_users: dict[str, LegacyIamUserSpec] = {}
