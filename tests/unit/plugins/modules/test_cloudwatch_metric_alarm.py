"""payments.aws_platform.cloudwatch_metric_alarm against the emulator."""

import boto3
import pytest

MODULE = "cloudwatch_metric_alarm"
TOPIC = "arn:aws:sns:us-east-1:123456789012:payments-test-alarms"


@pytest.fixture
def cloudwatch(emulator_url):
    return boto3.client(
        "cloudwatch",
        endpoint_url=emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def duration_alarm(name, **overrides):
    args = {
        "name": name,
        "description": "Lambda Duration p99 >= 24000 ms over 3 x 300 s (test)",
        "namespace": "AWS/Lambda",
        "metric_name": "Duration",
        "extended_statistic": "p99",
        "dimensions": {"FunctionName": "payments-test-processor"},
        "period": 300,
        "evaluation_periods": 3,
        "datapoints_to_alarm": 2,
        "comparison_operator": "GreaterThanOrEqualToThreshold",
        "threshold": 24000,
        "treat_missing_data": "notBreaching",
        "alarm_actions": [TOPIC],
        "ok_actions": [TOPIC],
        "tags": {"Project": "payments"},
    }
    args.update(overrides)
    return args


def math_alarm(name):
    queries = [
        {
            "id": f"m{index}",
            "namespace": "AWS/DynamoDB",
            "metric_name": "SystemErrors",
            "dimensions": {"TableName": "payments-test-transactions", "Operation": operation},
            "stat": "Sum",
            "period": 300,
        }
        for index, operation in enumerate(["GetItem", "PutItem"])
    ]
    queries.append({"id": "total", "expression": "SUM(METRICS())", "label": "all operations", "return_data": True})
    return {
        "name": name,
        "metrics": queries,
        "evaluation_periods": 1,
        "comparison_operator": "GreaterThanOrEqualToThreshold",
        "threshold": 1,
        "treat_missing_data": "notBreaching",
        "alarm_actions": [TOPIC],
    }


def described(cloudwatch, name):
    alarms = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return alarms[0] if alarms else None


def tags_of(cloudwatch, name):
    tags = cloudwatch.list_tags_for_resource(ResourceARN=described(cloudwatch, name)["AlarmArn"])["Tags"]
    return {tag["Key"]: tag["Value"] for tag in tags}


def test_create_then_rerun_changes_nothing(run_module, cloudwatch, unique_name):
    created = run_module(MODULE, duration_alarm(unique_name))
    again = run_module(MODULE, duration_alarm(unique_name))

    alarm = described(cloudwatch, unique_name)
    assert created["changed"] is True
    assert again["changed"] is False
    assert alarm["ExtendedStatistic"] == "p99"
    assert alarm["OKActions"] == [TOPIC]
    assert alarm["DatapointsToAlarm"] == 2
    assert alarm["TreatMissingData"] == "notBreaching"
    assert tags_of(cloudwatch, unique_name) == {"Project": "payments"}


def test_a_metric_math_alarm_is_idempotent(run_module, cloudwatch, unique_name):
    created = run_module(MODULE, math_alarm(unique_name))
    again = run_module(MODULE, math_alarm(unique_name))

    assert created["changed"] is True
    assert again["changed"] is False
    assert [query["Id"] for query in described(cloudwatch, unique_name)["Metrics"]] == ["m0", "m1", "total"]


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_drifted_threshold_is_reported_and_only_fixed_outside_check_mode(
    run_module, cloudwatch, unique_name, check_mode
):
    run_module(MODULE, duration_alarm(unique_name))

    result = run_module(MODULE, duration_alarm(unique_name, threshold=20000), check_mode=check_mode, diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"]["threshold"] == 24000.0
    assert result["diff"]["after"]["threshold"] == 20000.0
    assert described(cloudwatch, unique_name)["Threshold"] == (24000.0 if check_mode else 20000.0)


def test_check_mode_on_a_missing_alarm_writes_nothing(run_module, cloudwatch, unique_name):
    result = run_module(MODULE, duration_alarm(unique_name), check_mode=True)

    assert result["changed"] is True
    assert described(cloudwatch, unique_name) is None


def test_tags_change_without_rewriting_the_alarm(run_module, cloudwatch, unique_name):
    run_module(MODULE, duration_alarm(unique_name))
    updated_at = described(cloudwatch, unique_name)["AlarmConfigurationUpdatedTimestamp"]

    result = run_module(MODULE, duration_alarm(unique_name, tags={"Owner": "ops"}))

    assert result["changed"] is True
    assert tags_of(cloudwatch, unique_name) == {"Owner": "ops"}
    assert described(cloudwatch, unique_name)["AlarmConfigurationUpdatedTimestamp"] == updated_at


def test_absent_deletes_once(run_module, cloudwatch, unique_name):
    run_module(MODULE, duration_alarm(unique_name))

    first = run_module(MODULE, {"name": unique_name, "state": "absent"})
    second = run_module(MODULE, {"name": unique_name, "state": "absent"})

    assert first["changed"] is True
    assert second["changed"] is False
    assert described(cloudwatch, unique_name) is None


def test_statistic_and_extended_statistic_exclude_each_other(run_module, cloudwatch, unique_name):
    result = run_module(MODULE, duration_alarm(unique_name, statistic="Average"))

    assert result["failed"] is True
    assert "extended_statistic" in result["msg"]
    assert described(cloudwatch, unique_name) is None
