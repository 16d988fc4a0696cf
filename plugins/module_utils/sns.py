# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SNS calls this collection's modules make, one small function each.

Every function takes a client made by ``base.client(module, "sns")`` (so each call is retried)
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
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_list

NOT_FOUND = ("NotFound", "NotFoundException", "ResourceNotFound", "ResourceNotFoundException")
# What ListSubscriptionsByTopic shows instead of an ARN for a subscription not confirmed yet (an e-mail
# address that has not clicked the link): AWS removes it itself after 3 days; Unsubscribe refuses it.
PENDING = ("PendingConfirmation", "pending confirmation")


def find_topic_arn(sns_client, name):
    """The ARN of the standard topic called exactly ``name`` in the client's region, or None
    (SNS has no get-by-name: list and match the ARN's last part)."""
    topics = paginate(sns_client, "list_topics", "Topics")
    return next((topic["TopicArn"] for topic in topics if topic["TopicArn"].split(":")[-1] == name), None)


def get_attributes(sns_client, arn):
    try:
        return sns_client.get_topic_attributes(TopicArn=arn)["Attributes"]
    except ClientError as e:
        if e.response["Error"]["Code"] in NOT_FOUND:
            return None
        raise


def create_topic(sns_client, name, attributes, tags):
    """CreateTopic is idempotent by name (it returns the existing topic's ARN), so a retried create
    never makes a second topic."""
    request = {"Name": name, "Attributes": attributes}
    if tags:
        request["Tags"] = tags_to_list(tags)
    return sns_client.create_topic(**request)["TopicArn"]


def set_attribute(sns_client, arn, name, value):
    sns_client.set_topic_attributes(TopicArn=arn, AttributeName=name, AttributeValue=value)


def list_subscriptions(sns_client, arn):
    return paginate(sns_client, "list_subscriptions_by_topic", "Subscriptions", TopicArn=arn)


def subscribe(sns_client, arn, protocol, endpoint):
    return sns_client.subscribe(TopicArn=arn, Protocol=protocol, Endpoint=endpoint, ReturnSubscriptionArn=True)[
        "SubscriptionArn"
    ]


def unsubscribe(sns_client, subscription_arn):
    """False when it could not be removed (pending confirmation) or was already gone."""
    if subscription_arn in PENDING:
        return False
    try:
        sns_client.unsubscribe(SubscriptionArn=subscription_arn)
    except ClientError as e:
        if e.response["Error"]["Code"] in NOT_FOUND:
            return False
        raise
    return True


def list_tags(sns_client, arn):
    return tags_to_dict(sns_client.list_tags_for_resource(ResourceArn=arn).get("Tags", []))


def update_tags(sns_client, arn, tags_to_set, tags_to_remove):
    if tags_to_remove:
        sns_client.untag_resource(ResourceArn=arn, TagKeys=list(tags_to_remove))
    if tags_to_set:
        sns_client.tag_resource(ResourceArn=arn, Tags=tags_to_list(tags_to_set))


def delete_topic(sns_client, arn):
    """DeleteTopic succeeds for a missing topic: the caller checks existence first."""
    sns_client.delete_topic(TopicArn=arn)
