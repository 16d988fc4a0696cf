# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only AWS calls for audits (``aws_resource_info``): an allow-list of Describe/Get/List
operations, so a verifier can read what no ``*_info`` module shows and can never write."""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import datetime

try:  # noqa: SIM105
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

# service -> the operations (boto3 names) a verifier may call. Each is a read: nothing here creates,
# changes or deletes anything, and an operation must also start with a read prefix (double guard).
READ_ONLY_OPERATIONS = {
    "apigateway": ("get_rest_api", "get_rest_apis", "get_stage", "get_tags"),
    "cloudwatch": ("describe_alarms", "get_dashboard", "list_dashboards", "list_tags_for_resource"),
    "dynamodb": ("describe_continuous_backups", "describe_table", "describe_time_to_live", "list_tags_of_resource"),
    "iam": ("get_role", "get_role_policy", "list_role_policies", "list_role_tags", "list_roles"),
    "kms": ("describe_key", "get_key_rotation_status", "list_aliases", "list_resource_tags"),
    "lambda": ("get_function", "get_function_configuration", "get_policy", "list_tags"),
    "logs": ("describe_log_groups", "list_tags_for_resource", "list_tags_log_group"),
    "rds": ("describe_db_instances", "describe_db_subnet_groups", "list_tags_for_resource"),
    "resourcegroupstaggingapi": ("get_resources",),
    "s3": (
        "get_bucket_policy",
        "get_bucket_tagging",
        "get_bucket_versioning",
        "get_object_lock_configuration",
        "get_public_access_block",
    ),
    "secretsmanager": ("describe_secret", "get_resource_policy"),
    "sns": ("get_topic_attributes", "list_subscriptions_by_topic", "list_tags_for_resource", "list_topics"),
    "wafv2": ("get_web_acl", "get_web_acl_for_resource", "list_tags_for_resource", "list_web_acls"),
}
READ_PREFIXES = ("describe_", "get_", "list_")
# Error codes that mean "no such resource": returned as found=false when the caller allows it.
NOT_FOUND_CODES = (
    "DBInstanceNotFound",
    "DBSubnetGroupNotFoundFault",
    "NoSuchBucket",
    "NoSuchBucketPolicy",
    "NoSuchEntity",
    "NoSuchPublicAccessBlockConfiguration",
    "NoSuchTagSet",
    "NotFound",
    "NotFoundException",
    "ObjectLockConfigurationNotFoundError",
    "ResourceNotFound",
    "ResourceNotFoundException",
    "WAFNonexistentItemException",
)


def refusal(service, operation):
    """Why a call is refused, or None when it is an allowed read."""
    if not operation.startswith(READ_PREFIXES):
        return f"{operation} is not a read (it must start with {', '.join(READ_PREFIXES)})"
    if operation not in READ_ONLY_OPERATIONS.get(service, ()):
        allowed = ", ".join(READ_ONLY_OPERATIONS.get(service, ())) or "none"
        return f"{service}.{operation} is not in the read-only allow-list (allowed for {service}: {allowed})"
    return None


def _plain(value):
    """A boto3 answer as JSON-able data (datetimes as ISO strings, bytes decoded)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def call(boto3_client, operation, parameters, paginate):
    """(found, answer): every page merged when ``paginate`` and the operation pages; found=False
    when AWS answers that the resource does not exist."""
    try:
        if paginate and boto3_client.can_paginate(operation):
            answer = boto3_client.get_paginator(operation).paginate(**parameters).build_full_result()
        else:
            answer = getattr(boto3_client, operation)(**parameters)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in NOT_FOUND_CODES:
            return False, {}
        raise
    return True, _plain(answer)
