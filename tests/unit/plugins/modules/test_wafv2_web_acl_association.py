"""payments.aws_platform.wafv2_web_acl_association against the emulator."""

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
def stage_arn(emulator_url, unique_name):
    apigateway = boto3.client("apigateway", endpoint_url=emulator_url, **SESSION)
    api = apigateway.create_rest_api(name=unique_name)
    apigateway.put_method(
        restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", authorizationType="AWS_IAM"
    )
    apigateway.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", type="MOCK")
    deployment_id = apigateway.create_deployment(restApiId=api["id"])["id"]
    apigateway.create_stage(restApiId=api["id"], stageName="prod", deploymentId=deployment_id)
    return f"arn:aws:apigateway:us-east-1::/restapis/{api['id']}/stages/prod"


def associated(wafv2, stage_arn):
    return wafv2.get_web_acl_for_resource(ResourceArn=stage_arn).get("WebACL", {}).get("ARN", "")


def test_check_mode_associates_nothing(run_module, wafv2, web_acl_arn, stage_arn):
    result = run_module(
        "wafv2_web_acl_association", {"web_acl_arn": web_acl_arn, "resource_arn": stage_arn}, check_mode=True, diff=True
    )

    assert result["changed"] is True
    assert result["diff"] == {"before": {}, "after": {"web_acl_arn": web_acl_arn}}
    assert associated(wafv2, stage_arn) == ""


def test_associate_then_rerun_changes_nothing_then_absent_removes_it(run_module, wafv2, web_acl_arn, stage_arn):
    args = {"web_acl_arn": web_acl_arn, "resource_arn": stage_arn}

    first = run_module("wafv2_web_acl_association", args)
    again = run_module("wafv2_web_acl_association", args)
    assert associated(wafv2, stage_arn) == web_acl_arn
    removed = run_module("wafv2_web_acl_association", dict(args, state="absent"))
    removed_again = run_module("wafv2_web_acl_association", dict(args, state="absent"))

    assert first["changed"] is True
    assert first["web_acl_arn"] == web_acl_arn
    assert again["changed"] is False
    assert removed["changed"] is True
    assert removed_again["changed"] is False
    assert associated(wafv2, stage_arn) == ""


def test_absent_for_another_acl_leaves_the_association(run_module, wafv2, web_acl_arn, stage_arn):
    run_module("wafv2_web_acl_association", {"web_acl_arn": web_acl_arn, "resource_arn": stage_arn})
    other = web_acl_arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"

    result = run_module(
        "wafv2_web_acl_association", {"web_acl_arn": other, "resource_arn": stage_arn, "state": "absent"}
    )

    assert result["changed"] is False
    assert associated(wafv2, stage_arn) == web_acl_arn


def test_present_needs_a_web_acl(run_module, stage_arn):
    result = run_module("wafv2_web_acl_association", {"resource_arn": stage_arn})

    assert result["failed"] is True
    assert "web_acl_arn" in result["msg"]
