"""The pure helpers of module_utils/awslambda.py: hashing, normalisation, headroom, retry decisions."""

import base64
import hashlib

import pytest
from botocore.exceptions import ClientError

from ansible_collections.payments.aws_platform.plugins.module_utils import awslambda
from ansible_collections.payments.aws_platform.plugins.module_utils import eventual


def client_error(code, message, status=400):
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "CreateFunction"
    )


def test_code_sha256_is_lambdas_base64_digest():
    assert awslambda.code_sha256(b"zip") == base64.b64encode(hashlib.sha256(b"zip").digest()).decode()


@pytest.mark.parametrize(
    ("current", "wanted", "matches"),
    [
        ("arn:aws:kms:us-east-1:123456789012:key/abc", "arn:aws:kms:us-east-1:123456789012:key/abc", True),
        ("arn:aws:kms:us-east-1:123456789012:key/abc", "abc", True),
        ("arn:aws:kms:us-east-1:123456789012:key/abc", "abd", False),
        ("arn:aws:kms:us-east-1:123456789012:key/abc", "", False),
        (None, "", True),
        ("", None, True),
        (None, "arn:aws:kms:us-east-1:123456789012:key/abc", False),
    ],
)
def test_kms_key_matches(current, wanted, matches):
    assert awslambda.kms_key_matches(current, wanted) is matches


def test_function_view_fills_aws_defaults():
    view = awslambda.function_view({"Configuration": {"FunctionName": "f", "VpcConfig": {"SubnetIds": ["b", "a"]}}})

    assert view["environment"] == {}
    assert view["tracing_mode"] == "PassThrough"
    assert view["architecture"] == "x86_64"
    assert view["kms_key_arn"] == ""
    assert view["vpc_subnet_ids"] == ["a", "b"]
    assert view["vpc_security_group_ids"] == []
    assert view["tags"] == {}
    assert awslambda.function_view(None) == {}


@pytest.mark.parametrize(("current", "wanted", "left"), [(None, 60, 90), (50, 100, 100), (10, 0, 160)])
def test_unreserved_after(current, wanted, left):
    limit = {"ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 150}

    assert awslambda.unreserved_after(limit, current, wanted) == left


@pytest.mark.parametrize(
    ("message", "retried"),
    [
        ("The role defined for the function cannot be assumed by Lambda.", True),
        ("The provided execution role does not have permissions to call CreateNetworkInterface on EC2", True),
        ("Unsupported runtime", False),
    ],
)
def test_role_propagation_is_retried_and_other_bad_parameters_are_not(message, retried):
    error = client_error("InvalidParameterValueException", message)

    assert eventual.is_propagating(error, eventual.LAMBDA_ROLE_OR_KEY_NOT_PROPAGATED) is retried


def test_a_404_without_a_lambda_error_code_is_unavailable_but_a_missing_function_is_not():
    assert awslambda.is_unavailable(client_error("404", "<html>Not Found</html>", status=404)) is True
    assert (
        awslambda.is_unavailable(client_error("ResourceNotFoundException", "Function not found", status=404)) is False
    )
