# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Secrets Manager calls this collection's modules make, one small function each.

Every function takes a client made by ``base.client(module, "secretsmanager")`` (so each call is
retried) and lets botocore exceptions through: the module turns them into ``fail_json_aws`` once.
None of them reads a secret's value.
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import json

try:  # noqa: SIM105
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils.base import load_policy

# Condition operators whose listed aws:PrincipalArn values are the principals a Deny statement excepts.
NEGATED_OPERATORS = (
    "StringNotEquals",
    "StringNotEqualsIfExists",
    "StringNotLike",
    "StringNotLikeIfExists",
    "ArnNotEquals",
    "ArnNotEqualsIfExists",
    "ArnNotLike",
    "ArnNotLikeIfExists",
)
PRINCIPAL_KEY = "aws:PrincipalArn"


def _as_list(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _statements(policy):
    statements = (policy or {}).get("Statement") or []
    return [statements] if isinstance(statements, dict) else statements


def _principal_lists(statement):
    """(operator, values) for every aws:PrincipalArn list under a negated operator of ``statement``."""
    condition = statement.get("Condition") or {}
    for operator in NEGATED_OPERATORS:
        block = condition.get(operator) or {}
        for key, values in block.items():
            if key.lower() == PRINCIPAL_KEY.lower():
                yield operator, key, _as_list(values)


def listed_principals(policy):
    """Every principal ARN a policy excepts from its deny statements, in the order first seen."""
    found = []
    for statement in _statements(policy):
        if statement.get("Effect") != "Deny":
            continue
        for _operator, _key, values in _principal_lists(statement):
            found.extend(value for value in values if value not in found)
    return found


def keep_listed_principals(wanted, live, revoked=()):
    """``wanted`` with the principals ``live`` already excepts added to each of its principal lists, but for
    ``revoked``: (policy, kept, revoked_found). ``wanted`` is not changed in place; a principal ``wanted`` lists
    itself is never dropped (the caller's own policy wins over ``revoked``)."""
    wanted = json.loads(json.dumps(wanted))
    wanted_listed = listed_principals(wanted)
    revoked = set(revoked or ())
    live_listed = listed_principals(live)
    kept = [arn for arn in live_listed if arn not in wanted_listed and arn not in revoked]
    revoked_found = [arn for arn in live_listed if arn in revoked and arn not in wanted_listed]
    if not kept:
        return wanted, [], revoked_found
    for statement in _statements(wanted):
        if statement.get("Effect") != "Deny":
            continue
        for operator, key, values in list(_principal_lists(statement)):
            statement["Condition"][operator][key] = values + [arn for arn in kept if arn not in values]
    return wanted, kept, revoked_found


def describe_secret(sm_client, secret_id):
    """The secret's metadata (never its value), or None when there is no such secret."""
    try:
        return sm_client.describe_secret(SecretId=secret_id)
    except ClientError as e:
        if e.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def get_resource_policy(sm_client, secret_id):
    """The secret's resource policy as a dict, or None when it has none."""
    response = sm_client.get_resource_policy(SecretId=secret_id)
    return load_policy(response.get("ResourcePolicy"))


def put_resource_policy(sm_client, secret_id, policy, block_public_policy):
    sm_client.put_resource_policy(
        SecretId=secret_id,
        ResourcePolicy=json.dumps(policy, sort_keys=True),
        BlockPublicPolicy=block_public_policy,
    )


def delete_resource_policy(sm_client, secret_id):
    sm_client.delete_resource_policy(SecretId=secret_id)
