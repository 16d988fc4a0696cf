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
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_dict


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


# A key's life (kms_aliased_key)


def tag_list(tags):
    """KMS spells tags TagKey / TagValue."""
    return [{"TagKey": key, "TagValue": value} for key, value in (tags or {}).items()]


def tagged_keys(tagging_client, tag_filters):
    """The ARNs of the KMS keys carrying every tag of ``tag_filters`` (Resource Groups Tagging API)."""
    mappings = paginate(
        tagging_client,
        "get_resources",
        "ResourceTagMappingList",
        ResourceTypeFilters=["kms:key"],
        TagFilters=tag_filters,
    )
    return [mapping["ResourceARN"] for mapping in mappings]


def create_key(kms_client, request):
    """Create one key from ``request`` (CreateKey arguments); its metadata. KMS takes no client token here."""
    return kms_client.create_key(**request)["KeyMetadata"]


def create_alias(kms_client, alias_name, key_id):
    kms_client.create_alias(AliasName=alias_name, TargetKeyId=key_id)


def key_policy(kms_client, key_id):
    """The key's policy document, as the JSON string KMS returns (a key has only the policy ``default``)."""
    return kms_client.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]


def put_key_policy(kms_client, key_id, policy):
    kms_client.put_key_policy(KeyId=key_id, PolicyName="default", Policy=policy)


def key_rotation_status(kms_client, key_id):
    """GetKeyRotationStatus's answer: KeyRotationEnabled and, where KMS reports it, RotationPeriodInDays."""
    return kms_client.get_key_rotation_status(KeyId=key_id)


def set_rotation(kms_client, key_id, enabled, period_days=None):
    if not enabled:
        kms_client.disable_key_rotation(KeyId=key_id)
    elif period_days is None:
        kms_client.enable_key_rotation(KeyId=key_id)
    else:
        kms_client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=period_days)


def key_tags(kms_client, key_id):
    return tags_to_dict(
        [
            {"Key": tag["TagKey"], "Value": tag["TagValue"]}
            for tag in paginate(kms_client, "list_resource_tags", "Tags", KeyId=key_id)
        ]
    )


def tag_key(kms_client, key_id, tags):
    if tags:
        kms_client.tag_resource(KeyId=key_id, Tags=tag_list(tags))


def untag_key(kms_client, key_id, keys):
    if keys:
        kms_client.untag_resource(KeyId=key_id, TagKeys=list(keys))


def update_description(kms_client, key_id, description):
    kms_client.update_key_description(KeyId=key_id, Description=description)


def set_enabled(kms_client, key_id, enabled):
    if enabled:
        kms_client.enable_key(KeyId=key_id)
    else:
        kms_client.disable_key(KeyId=key_id)


def cancel_key_deletion(kms_client, key_id):
    kms_client.cancel_key_deletion(KeyId=key_id)
