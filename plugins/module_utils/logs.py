# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CloudWatch Logs calls this collection's modules make, one small function each.

Every function takes a client made by ``base.client(module, "logs")`` (so each call is retried)
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
from ansible_collections.payments.aws_platform.plugins.module_utils.eventual import LOGS_KMS_KEY_NOT_PROPAGATED
from ansible_collections.payments.aws_platform.plugins.module_utils.eventual import retry_while_propagating
from ansible_collections.payments.aws_platform.plugins.module_utils.eventual import while_propagating

# The only retention periods CloudWatch Logs accepts (PutRetentionPolicy).
RETENTION_DAYS = [
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
]


def describe_log_group(logs_client, name):
    """The log group called exactly ``name``, or None (DescribeLogGroups matches by prefix)."""
    groups = paginate(logs_client, "describe_log_groups", "logGroups", logGroupNamePrefix=name)
    return next((group for group in groups if group["logGroupName"] == name), None)


def log_group_arn(log_group):
    """The ARN tagging calls want: the describe answer's ``arn`` ends in ``:*``, which they refuse."""
    return log_group.get("logGroupArn") or log_group["arn"].removesuffix(":*")


def list_tags(logs_client, log_group):
    return logs_client.list_tags_for_resource(resourceArn=log_group_arn(log_group)).get("tags", {})


def create_log_group(logs_client, name, kms_key_arn, tags):
    request = {"logGroupName": name}
    if kms_key_arn:
        request["kmsKeyId"] = kms_key_arn
    if tags:
        request["tags"] = tags
    try:
        # A key made (or given its policy) moments ago is refused until KMS has propagated it.
        retry_while_propagating(lambda: logs_client.create_log_group(**request), LOGS_KMS_KEY_NOT_PROPAGATED)
    except ClientError as e:
        # A retried create whose first attempt went through: the group is ours.
        if e.response["Error"]["Code"] != "ResourceAlreadyExistsException":
            raise


def put_retention(logs_client, name, days):
    if days:
        logs_client.put_retention_policy(logGroupName=name, retentionInDays=days)
    else:
        logs_client.delete_retention_policy(logGroupName=name)


@while_propagating(LOGS_KMS_KEY_NOT_PROPAGATED)
def set_kms_key(logs_client, name, kms_key_arn):
    if kms_key_arn:
        logs_client.associate_kms_key(logGroupName=name, kmsKeyId=kms_key_arn)
    else:
        logs_client.disassociate_kms_key(logGroupName=name)


def update_tags(logs_client, log_group, tags_to_set, tags_to_remove):
    arn = log_group_arn(log_group)
    if tags_to_remove:
        logs_client.untag_resource(resourceArn=arn, tagKeys=list(tags_to_remove))
    if tags_to_set:
        logs_client.tag_resource(resourceArn=arn, tags=tags_to_set)


def delete_log_group(logs_client, name):
    """False when it was already gone."""
    try:
        logs_client.delete_log_group(logGroupName=name)
    except ClientError as e:
        if e.response["Error"]["Code"] == "ResourceNotFoundException":
            return False
        raise
    return True
