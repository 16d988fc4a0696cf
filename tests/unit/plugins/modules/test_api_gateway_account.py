"""payments.aws_platform.api_gateway_account against the emulator."""

import boto3
import pytest

MODULE = "api_gateway_account"


@pytest.fixture
def apigateway(emulator_url):
    return boto3.client(
        "apigateway",
        endpoint_url=emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def role_arn(unique_name):
    return f"arn:aws:iam::123456789012:role/{unique_name[:50]}"


def test_check_mode_reports_the_change_and_writes_nothing(run_module, apigateway, role_arn):
    before = apigateway.get_account().get("cloudwatchRoleArn")

    result = run_module(MODULE, {"cloudwatch_role_arn": role_arn}, check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["diff"]["after"]["cloudwatch_role_arn"] == role_arn
    assert apigateway.get_account().get("cloudwatchRoleArn") == before


def test_set_then_rerun_changes_nothing(run_module, apigateway, role_arn):
    first = run_module(MODULE, {"cloudwatch_role_arn": role_arn})
    again = run_module(MODULE, {"cloudwatch_role_arn": role_arn})

    assert first["changed"] is True
    assert again["changed"] is False
    assert again["account"]["cloudwatch_role_arn"] == role_arn
    assert apigateway.get_account()["cloudwatchRoleArn"] == role_arn
