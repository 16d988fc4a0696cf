# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Lambda calls this collection's function modules make, one small function each, and the
normalised view of a function that they compare and return.

Every function takes a client made by ``base.client(module, "lambda")`` (so each call is retried on
throttling and 5xx) and lets botocore exceptions through: the module turns them into
``fail_json_aws`` once.
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import base64
import hashlib

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.payments.aws_platform.plugins.module_utils.eventual import LAMBDA_ROLE_OR_KEY_NOT_PROPAGATED
from ansible_collections.payments.aws_platform.plugins.module_utils.eventual import while_propagating

try:  # noqa: SIM105
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

# AWS keeps this many concurrent executions unreserved in every account and region.
MIN_UNRESERVED_CONCURRENCY = 100

# An update sent while another one is still being applied fails with ResourceConflictException
# (the failure amazon.aws.lambda is known for): the module waits between updates, and this retry
# covers an update started by someone else in between.
UPDATE_RETRY = AWSRetry.jittered_backoff(
    retries=8, delay=2, backoff=1.5, max_delay=15, catch_extra_error_codes=["ResourceConflictException"]
)


def code_sha256(zip_bytes):
    """The base64 SHA-256 of a deployment package, as Lambda reports it in ``CodeSha256``."""
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode("ascii")


def is_unavailable(error):
    """True for an operation the endpoint does not offer (HTTP 404 with no Lambda error code)."""
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = error.response["Error"]["Code"]
    return status == 404 and code in ("404", "NotFound", "UnknownOperationException", "UnrecognizedClientException")


# Functions


def get_function(lambda_client, name):
    """GetFunction's answer (Configuration, Tags, Concurrency...) for ``name``, or None."""
    try:
        return lambda_client.get_function(FunctionName=name)
    except ClientError as e:
        if e.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


# A role or KMS key made a moment ago (or a policy just put on the role) is not yet visible to Lambda:
# CreateFunction and UpdateFunctionConfiguration answer InvalidParameterValueException until it is.
@while_propagating(LAMBDA_ROLE_OR_KEY_NOT_PROPAGATED)
def create_function(lambda_client, request):
    return lambda_client.create_function(**request)


@while_propagating(LAMBDA_ROLE_OR_KEY_NOT_PROPAGATED)
@UPDATE_RETRY
def update_function_configuration(lambda_client, name, changes):
    return lambda_client.update_function_configuration(FunctionName=name, **changes)


@UPDATE_RETRY
def update_function_code(lambda_client, name, zip_bytes, architecture=None):
    request = {"FunctionName": name, "ZipFile": zip_bytes, "Publish": False}
    if architecture:
        request["Architectures"] = [architecture]
    return lambda_client.update_function_code(**request)


def wait(lambda_client, waiter_name, name, timeout):
    """Wait with botocore's ``function_active_v2`` / ``function_updated_v2`` waiter, bounded by
    ``timeout`` seconds; raises botocore's WaiterError when it runs out."""
    delay = 2
    lambda_client.get_waiter(waiter_name).wait(
        FunctionName=name, WaiterConfig={"Delay": delay, "MaxAttempts": max(1, timeout // delay)}
    )


def update_tags(lambda_client, arn, tags_to_set, tags_to_remove):
    if tags_to_remove:
        lambda_client.untag_resource(Resource=arn, TagKeys=list(tags_to_remove))
    if tags_to_set:
        lambda_client.tag_resource(Resource=arn, Tags=tags_to_set)


def delete_function(lambda_client, name):
    """False when it was already gone."""
    try:
        lambda_client.delete_function(FunctionName=name)
    except ClientError as e:
        if e.response["Error"]["Code"] == "ResourceNotFoundException":
            return False
        raise
    return True


# The normalised view: what the modules compare, diff and return.


def kms_key_matches(current_arn, wanted):
    """A key given as an ARN or a bare key id matches the key ARN Lambda reports; '' and None mean
    "Lambda's own key"."""
    current_arn = current_arn or ""
    wanted = wanted or ""
    if not wanted or wanted.startswith("arn:"):
        return current_arn == wanted
    return current_arn.endswith(f":key/{wanted}")


def function_view(function):
    """A GetFunction answer as one flat, comparable dict ({} for None): the environment as a dict,
    subnets and security groups as sorted lists, tracing as its mode, the architecture as a string."""
    if not function:
        return {}
    config = function["Configuration"]
    vpc = config.get("VpcConfig") or {}
    return {
        "function_name": config["FunctionName"],
        "function_arn": config.get("FunctionArn"),
        "runtime": config.get("Runtime"),
        "handler": config.get("Handler"),
        "role": config.get("Role"),
        "description": config.get("Description") or "",
        "memory_size": config.get("MemorySize"),
        "timeout": config.get("Timeout"),
        "environment": dict((config.get("Environment") or {}).get("Variables") or {}),
        "kms_key_arn": config.get("KMSKeyArn") or "",
        "tracing_mode": (config.get("TracingConfig") or {}).get("Mode") or "PassThrough",
        "architecture": (config.get("Architectures") or ["x86_64"])[0],
        "vpc_subnet_ids": sorted(vpc.get("SubnetIds") or []),
        "vpc_security_group_ids": sorted(vpc.get("SecurityGroupIds") or []),
        "vpc_id": vpc.get("VpcId") or "",
        "code_sha256": config.get("CodeSha256"),
        "code_size": config.get("CodeSize"),
        "state": config.get("State"),
        "last_update_status": config.get("LastUpdateStatus"),
        "tags": dict(function.get("Tags") or {}),
    }


# Reserved concurrency


def get_function_concurrency(lambda_client, name):
    """The function's reserved concurrency, or None when it has none."""
    answer = lambda_client.get_function_concurrency(FunctionName=name)
    return answer.get("ReservedConcurrentExecutions")


def get_account_settings(lambda_client):
    """GetAccountSettings' AccountLimit, or None when the endpoint does not offer the call."""
    try:
        return lambda_client.get_account_settings().get("AccountLimit") or {}
    except ClientError as e:
        if is_unavailable(e):
            return None
        raise


def put_function_concurrency(lambda_client, name, value):
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=value)


def delete_function_concurrency(lambda_client, name):
    lambda_client.delete_function_concurrency(FunctionName=name)


def unreserved_after(account_limit, current, wanted):
    """How many executions stay unreserved once the function reserves ``wanted`` instead of
    ``current`` (None: no reservation)."""
    return account_limit["UnreservedConcurrentExecutions"] + (current or 0) - (wanted or 0)
