"""Logical ids and policy text, checked without building any stack."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from modules.resolve.model import AnchorArn, policy_json
from modules.synth.documents import literal, literal_map, policy_text
from modules.synth.names import id_part, logical_id, managed_policy_part

TERRAFORM_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")

# Keys chosen to collide under naive sanitizing: separators, dashes,
# underscores, slashes, escapes that look like other keys, and non-ASCII.
AWKWARD_KEYS = [
    "a",
    "b",
    "a-b",
    "a_b",
    "a__b",
    "a/b",
    "a.b",
    "a--b",
    "-a",
    "a-",
    "-61-",
    "-a-2f-b",
    "_",
    "",
    "é",
    "payments-prod",
    "Workloads/Prod",
    "1password",
]


class TestLogicalIds:
    def test_a_plain_key_is_kept_as_written(self) -> None:
        """Letters, digits and single dashes pass through unchanged."""
        assert logical_id("role", "DeploymentRole") == "role_DeploymentRole"
        assert logical_id("assignment", "sre", "SREOperator", "payments-prod") == (
            "assignment_sre_SREOperator_payments-prod"
        )

    def test_any_other_key_is_escaped_with_a_leading_dash(self) -> None:
        """An OU path keeps its letters; the slash becomes its code point."""
        assert id_part("Workloads/Prod") == "-Workloads-2f-Prod"
        assert id_part("a_b") == "-a-5f-b"

    def test_every_id_is_a_terraform_identifier(self) -> None:
        """Terraform accepts each id, even for keys starting with a digit."""
        for key in AWKWARD_KEYS:
            assert TERRAFORM_IDENTIFIER.fullmatch(logical_id("policy", key)), key

    def test_different_key_tuples_never_share_an_id(self) -> None:
        """Pairs of awkward keys give as many ids as there are pairs."""
        pairs = list(itertools.product(AWKWARD_KEYS, repeat=2))

        ids = {logical_id("assignment", *pair) for pair in pairs}

        assert len(ids) == len(pairs)

    def test_a_kind_that_is_not_a_lowercase_word_is_refused(self) -> None:
        """The kind starts every id, so it must start with a letter."""
        with pytest.raises(ValueError, match="kind word"):
            logical_id("1role", "x")

    def test_aws_managed_policies_are_named_by_their_path_and_name(self) -> None:
        """The ARN prefix of AWS-managed policies is left out; others stay."""
        aws = "arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole"
        own = "arn:aws:iam::123456789012:policy/Boundary"

        assert managed_policy_part(aws) == "service-role/AmazonSSMAutomationRole"
        assert managed_policy_part(own) == own


class TestPolicyText:
    def test_a_policy_without_templates_matches_the_models_json(self) -> None:
        """Sorted, compact and byte for byte what ``policy_json`` gives."""
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
            ],
        }

        assert policy_text(document) == policy_json(document)

    def test_policy_variables_are_escaped_for_terraform(self) -> None:
        """``${aws:username}`` reaches AWS as written, through ``$${``."""
        document = {"Resource": "arn:aws:s3:::bucket/${aws:username}/*"}

        assert "$${aws:username}" in policy_text(document)

    def test_template_directives_are_escaped_too(self) -> None:
        """``%{`` starts a Terraform directive, so it is doubled."""
        assert literal("100%{x}") == "100%%{x}"

    def test_anchor_markers_become_the_reference_given_unescaped(self) -> None:
        """The anchor ARN stays an interpolation; the rest is escaped."""
        marker = AnchorArn(anchor="pki", account="tooling", example="arn:example")
        document = {"Condition": {"ArnEquals": {"aws:SourceArn": marker}}, "x": "${y}"}

        text = policy_text(document, {"pki": "${aws_x.anchor_pki.arn}"})

        assert json.loads(text)["Condition"]["ArnEquals"]["aws:SourceArn"] == (
            "${aws_x.anchor_pki.arn}"
        )
        assert json.loads(text)["x"] == "$${y}"

    def test_an_anchor_the_workspace_lacks_is_refused(self) -> None:
        """A trust may only reference an anchor in its own workspace."""
        marker = AnchorArn(anchor="pki", account="tooling", example="arn:example")

        with pytest.raises(ValueError, match="'pki'"):
            policy_text({"Condition": marker}, {})

    def test_an_empty_tag_map_is_left_out(self) -> None:
        """No tags gives no ``tags`` argument rather than an empty map."""
        assert literal_map({}) is None
        assert literal_map({"team": "${x}"}) == {"team": "$${x}"}
