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
