# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The KMS calls this collection's modules make, one small function each.

Every function takes a client made by ``base.client(module, "kms")`` (so each call is retried)
and lets botocore exceptions through: the module turns them into ``fail_json_aws`` once.
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

try:  # noqa: SIM105
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils.base import paginate


def describe_key(kms_client, key):
    """The key's metadata (``key`` is an id, ARN or ``alias/...``), or None when there is no such key."""
    try:
        return kms_client.describe_key(KeyId=key)["KeyMetadata"]
    except ClientError as e:
        if e.response["Error"]["Code"] == "NotFoundException":
            return None
        raise


def list_aliases(kms_client, key_id):
    return [alias["AliasName"] for alias in paginate(kms_client, "list_aliases", "Aliases", KeyId=key_id)]


def delete_alias(kms_client, alias_name):
    try:
        kms_client.delete_alias(AliasName=alias_name)
    except ClientError as e:
        if e.response["Error"]["Code"] != "NotFoundException":
            raise


def schedule_key_deletion(kms_client, key_id, pending_window_days):
    """Always by key id: the emulator answers 500 to a key ARN here (AWS takes either)."""
    return kms_client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=pending_window_days)
