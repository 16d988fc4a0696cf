# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WAFv2 calls this collection's modules make, one small function each.

Every function takes a client made by ``base.client(module, "wafv2")`` (so each call is retried)
and lets botocore exceptions through: the module turns them into ``fail_json_aws`` once.

``ListResourcesForWebACL`` answers 500 on the emulator, so associations are read from the resource's
side with ``GetWebACLForResource``, which also needs no listing of every resource of the ACL.
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

try:  # noqa: SIM105
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule


def web_acl_for_resource(client, resource_arn):
    """The web ACL associated with the resource, or None."""
    try:
        return client.get_web_acl_for_resource(ResourceArn=resource_arn).get("WebACL")
    except ClientError as e:
        if e.response["Error"]["Code"] == "WAFNonexistentItemException":
            return None
        raise


# A stage made a moment ago is not yet known to WAF, which answers WAFNonexistentItemException
# (or WAFUnavailableEntityException) for a while: retry, bounded (about two minutes).
@AWSRetry.jittered_backoff(
    retries=10,
    delay=3,
    max_delay=20,
    catch_extra_error_codes=["WAFNonexistentItemException", "WAFUnavailableEntityException"],
)
def associate(client, web_acl_arn, resource_arn):
    client.associate_web_acl(WebACLArn=web_acl_arn, ResourceArn=resource_arn)


def disassociate(client, resource_arn):
    try:
        client.disassociate_web_acl(ResourceArn=resource_arn)
    except ClientError as e:
        if e.response["Error"]["Code"] != "WAFNonexistentItemException":
            raise


def get_logging_configuration(client, web_acl_arn):
    try:
        return client.get_logging_configuration(ResourceArn=web_acl_arn).get("LoggingConfiguration")
    except ClientError as e:
        if e.response["Error"]["Code"] == "WAFNonexistentItemException":
            return None
        raise


def put_logging_configuration(client, configuration):
    return client.put_logging_configuration(LoggingConfiguration=configuration)["LoggingConfiguration"]


def delete_logging_configuration(client, web_acl_arn):
    try:
        client.delete_logging_configuration(ResourceArn=web_acl_arn)
    except ClientError as e:
        if e.response["Error"]["Code"] == "WAFNonexistentItemException":
            return False
        raise
    return True
