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


# Issue 20, item 3: UpdateAccount right after the CloudWatch role is made.
ROLE_NOT_YET = "The role ARN does not have required permissions set to API Gateway"


def test_a_role_not_yet_propagated_is_waited_for(run_module, apigateway, role_arn, answer_first, fake_clock):
    calls = answer_first("UpdateAccount", "BadRequestException", ROLE_NOT_YET, times=10)

    result = run_module(MODULE, {"cloudwatch_role_arn": role_arn})

    assert result["failed"] is False, result
    assert len(calls) == 11
    assert apigateway.get_account()["cloudwatchRoleArn"] == role_arn
    assert 60 < sum(fake_clock.sleeps) <= 300  # minutes of patience, as IAM may need


def test_another_bad_request_fails_at_once(run_module, apigateway, role_arn, answer_first, fake_clock):
    calls = answer_first("UpdateAccount", "BadRequestException", "Invalid ARN specified in the request", times=10)

    result = run_module(MODULE, {"cloudwatch_role_arn": role_arn})

    assert result["failed"] is True
    assert "Invalid ARN" in result["msg"]
    assert len(calls) == 1
    assert fake_clock.sleeps == []
