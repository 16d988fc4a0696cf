"""payments.aws_platform.wafv2_logging_configuration against the emulator."""

import boto3
import pytest

SESSION = {"region_name": "us-east-1", "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
VISIBILITY = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "test"}


@pytest.fixture
def wafv2(emulator_url):
    return boto3.client("wafv2", endpoint_url=emulator_url, **SESSION)


@pytest.fixture
def web_acl_arn(wafv2, unique_name):
    return wafv2.create_web_acl(
        Name=unique_name, Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=VISIBILITY
    )["Summary"]["ARN"]


@pytest.fixture
def log_group_arn(emulator_url, unique_name):
    logs = boto3.client("logs", endpoint_url=emulator_url, **SESSION)
    name = f"aws-waf-logs-{unique_name}"
    logs.create_log_group(logGroupName=name)
    return f"arn:aws:logs:us-east-1:123456789012:log-group:{name}"


@pytest.mark.parametrize("check_mode", [True, False])
def test_logging_is_set_once(run_module, wafv2, web_acl_arn, log_group_arn, check_mode):
    args = {
        "web_acl_arn": web_acl_arn,
        "log_destination_arns": [log_group_arn],
        "redacted_fields": [{"SingleHeader": {"Name": "authorization"}}],
    }

    first = run_module("wafv2_logging_configuration", args, check_mode=check_mode, diff=True)

    assert first["changed"] is True
    assert first["diff"]["after"]["LogDestinationConfigs"] == [log_group_arn]
    if check_mode:
        with pytest.raises(wafv2.exceptions.WAFNonexistentItemException):
            wafv2.get_logging_configuration(ResourceArn=web_acl_arn)
        return
    held = wafv2.get_logging_configuration(ResourceArn=web_acl_arn)["LoggingConfiguration"]
    assert held["LogDestinationConfigs"] == [log_group_arn]
    assert run_module("wafv2_logging_configuration", args)["changed"] is False


def test_logging_absent_removes_it_once(run_module, wafv2, web_acl_arn, log_group_arn):
    run_module("wafv2_logging_configuration", {"web_acl_arn": web_acl_arn, "log_destination_arns": [log_group_arn]})

    first = run_module("wafv2_logging_configuration", {"web_acl_arn": web_acl_arn, "state": "absent"})
    second = run_module("wafv2_logging_configuration", {"web_acl_arn": web_acl_arn, "state": "absent"})

    assert first["changed"] is True
    assert second["changed"] is False
    with pytest.raises(wafv2.exceptions.WAFNonexistentItemException):
        wafv2.get_logging_configuration(ResourceArn=web_acl_arn)
