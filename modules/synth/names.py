"""Terraform logical ids built from catalogue keys, never from list positions.

Ids are injective: two different key tuples of one kind never give the same id,
whatever characters the keys hold. Only the kind words are chosen here.
"""

from __future__ import annotations

import re

PLAIN = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
AWS_MANAGED_POLICY = "arn:aws:iam::aws:policy/"


def id_part(key: str) -> str:
    """One catalogue key as a piece of a Terraform identifier.

    A key of letters and digits joined by single dashes (``payments-prod``)
    stays as it is. Any other key is written with a leading dash and every
    character but a letter or digit as ``-<hex code point>-``, so
    ``Workloads/Prod`` becomes ``-Workloads-2f-Prod``. Neither form holds an
    underscore, and only the second starts with a dash, so pieces joined by
    underscores can always be told apart again.
    """
    if PLAIN.fullmatch(key):
        return key
    escaped = "".join(
        char if char.isascii() and char.isalnum() else f"-{ord(char):x}-"
        for char in key
    )
    return "-" + escaped


def logical_id(kind: str, *keys: str) -> str:
    """``kind`` followed by each key's :func:`id_part`, joined by underscores.

    ``kind`` is a fixed word such as ``role`` or ``permission_set``; it must
    start with a letter, which is what Terraform requires of an identifier.
    """
    if not re.fullmatch(r"[a-z][a-z_]*", kind):
        raise ValueError(f"{kind!r} is not a kind word; use lowercase letters and _")
    return "_".join([kind, *(id_part(key) for key in keys)])


def managed_policy_part(arn: str) -> str:
    """The catalogue's name for a managed policy ARN, for use as a key.

    AWS-managed policies keep the path and name the catalogue wrote
    (``service-role/AmazonSSMAutomationRole``); any other ARN stays whole.
    No AWS-managed path starts with ``arn:``, so the two never meet.
    """
    if arn.startswith(AWS_MANAGED_POLICY):
        return arn.removeprefix(AWS_MANAGED_POLICY)
    return arn
