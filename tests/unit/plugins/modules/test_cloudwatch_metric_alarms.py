"""payments.aws_platform.cloudwatch_metric_alarms against the emulator, counting the AWS calls it makes."""

from collections import Counter

import boto3
import pytest

MODULE = "cloudwatch_metric_alarms"
TOPIC = "arn:aws:sns:us-east-1:123456789012:payments-test-alarms"
READS = {"DescribeAlarms", "ListTagsForResource"}


@pytest.fixture
def cloudwatch(emulator_url):
    return boto3.client(
        "cloudwatch",
        endpoint_url=emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def single_metric(name, **overrides):
    alarm = {
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
    }
    alarm.update(overrides)
    # None leaves an option out (the argument spec counts a key given as None as given).
    return {key: value for key, value in alarm.items() if value is not None}


def metric_math(name):
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


@pytest.fixture
def names(unique_name):
    return [f"{unique_name}-duration", f"{unique_name}-errors", f"{unique_name}-math"]


def alarm_set(names, tags=None, **overrides):
    """Up to three alarms, one per name: a p99, a Sum, a metric math one; ``overrides`` apply to the first."""
    builders = [
        lambda name: single_metric(name, **overrides),
        lambda name: single_metric(name, metric_name="Errors", extended_statistic=None, statistic="Sum", threshold=10),
        metric_math,
    ]
    alarms = [build(name) for build, name in zip(builders, names, strict=False)]
    return {"alarms": alarms, "tags": {"Project": "payments"} if tags is None else tags}


def described(cloudwatch, names):
    alarms = cloudwatch.describe_alarms(AlarmNames=list(names))["MetricAlarms"]
    return {alarm["AlarmName"]: alarm for alarm in alarms}


def tags_of(cloudwatch, arn):
    return {tag["Key"]: tag["Value"] for tag in cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]}


def test_create_puts_each_alarm_once_with_its_tags(run_module, cloudwatch, counted, names):
    with counted() as calls:
        result = run_module(MODULE, alarm_set(names))

    alarms = described(cloudwatch, names)
    assert result["changed"] is True
    assert [item["name"] for item in result["alarms"]] == names
    assert all(item["changed"] for item in result["alarms"])
    assert [item["arn"] for item in result["alarms"]] == [alarms[name]["AlarmArn"] for name in names]
    assert alarms[names[0]]["ExtendedStatistic"] == "p99"
    assert alarms[names[0]]["DatapointsToAlarm"] == 2
    assert alarms[names[1]]["Statistic"] == "Sum"
    assert [query["Id"] for query in alarms[names[2]]["Metrics"]] == ["m0", "m1", "total"]
    assert {name: tags_of(cloudwatch, alarms[name]["AlarmArn"]) for name in names} == dict.fromkeys(
        names, {"Project": "payments"}
    )
    # One read before, one read back, one put per alarm (tags included): no tag call, no per-alarm read.
    assert calls == Counter(DescribeAlarms=2, PutMetricAlarm=3)


def test_a_rerun_changes_nothing_and_only_reads(run_module, counted, names):
    run_module(MODULE, alarm_set(names))

    with counted() as calls:
        result = run_module(MODULE, alarm_set(names))

    assert result["changed"] is False
    assert [item["changed"] for item in result["alarms"]] == [False, False, False]
    assert all(item["arn"].endswith(f":alarm:{item['name']}") for item in result["alarms"])
    assert calls == Counter(DescribeAlarms=1, ListTagsForResource=3)


def test_one_changed_alarm_is_the_only_one_put(run_module, cloudwatch, counted, names):
    run_module(MODULE, alarm_set(names))
    alarms = described(cloudwatch, names)
    updated_at = {name: alarm["AlarmConfigurationUpdatedTimestamp"] for name, alarm in alarms.items()}

    with counted() as calls:
        result = run_module(MODULE, alarm_set(names, threshold=20000))

    alarms = described(cloudwatch, names)
    assert result["changed"] is True
    assert [item["changed"] for item in result["alarms"]] == [True, False, False]
    assert alarms[names[0]]["Threshold"] == 20000.0
    assert [alarms[name]["AlarmConfigurationUpdatedTimestamp"] for name in names[1:]] == [
        updated_at[name] for name in names[1:]
    ]
    assert calls == Counter(DescribeAlarms=2, ListTagsForResource=3, PutMetricAlarm=1)


def test_a_tag_change_retags_without_rewriting_the_alarms(run_module, cloudwatch, counted, names):
    run_module(MODULE, alarm_set(names))

    with counted() as calls:
        result = run_module(MODULE, alarm_set(names, tags={"Owner": "ops"}))

    alarms = described(cloudwatch, names)
    assert result["changed"] is True
    assert all(item["changed"] for item in result["alarms"])
    assert {name: tags_of(cloudwatch, alarms[name]["AlarmArn"]) for name in names} == dict.fromkeys(
        names, {"Owner": "ops"}
    )
    assert calls["PutMetricAlarm"] == 0
    assert calls["TagResource"] == 3
    assert calls["UntagResource"] == 3


def test_purge_tags_false_keeps_the_tags_not_given(run_module, cloudwatch, names):
    run_module(MODULE, alarm_set(names))

    result = run_module(MODULE, {**alarm_set(names, tags={"Owner": "ops"}), "purge_tags": False})

    arn = described(cloudwatch, names)[names[0]]["AlarmArn"]
    assert result["changed"] is True
    assert tags_of(cloudwatch, arn) == {"Project": "payments", "Owner": "ops"}


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_drifted_alarm_and_a_missing_one_are_reported_and_only_fixed_outside_check_mode(
    run_module, cloudwatch, counted, names, check_mode
):
    run_module(MODULE, alarm_set(names[:2]))
    args = alarm_set(names, threshold=20000)

    with counted() as calls:
        result = run_module(MODULE, args, check_mode=check_mode, diff=True)

    alarms = described(cloudwatch, names)
    diff = result["diff"]
    assert result["changed"] is True
    assert [item["changed"] for item in result["alarms"]] == [True, False, True]
    assert diff["before"][names[0]]["threshold"] == 24000.0
    assert diff["after"][names[0]]["threshold"] == 20000.0
    assert diff["before"][names[1]] == diff["after"][names[1]]
    assert names[2] not in diff["before"]
    assert diff["after"][names[2]]["metrics"][-1]["expression"] == "SUM(METRICS())"
    assert diff["after"][names[2]]["tags"] == {"Project": "payments"}
    if check_mode:
        assert set(calls) <= READS
        assert alarms[names[0]]["Threshold"] == 24000.0
        assert names[2] not in alarms
        assert result["alarms"][2]["arn"] is None
    else:
        assert alarms[names[0]]["Threshold"] == 20000.0
        assert result["alarms"][2]["arn"] == alarms[names[2]]["AlarmArn"]
        assert diff["after"][names[2]]["alarm_arn"] == alarms[names[2]]["AlarmArn"]


@pytest.mark.parametrize("check_mode", [True, False])
def test_absent_deletes_the_existing_alarms_in_one_call(run_module, cloudwatch, counted, names, check_mode):
    run_module(MODULE, alarm_set(names[:2]))
    arns = {name: alarm["AlarmArn"] for name, alarm in described(cloudwatch, names).items()}
    args = {"alarms": [{"name": name} for name in names], "state": "absent"}

    with counted() as calls:
        result = run_module(MODULE, args, check_mode=check_mode, diff=True)

    assert result["changed"] is True
    assert result["alarms"] == [
        {"name": names[0], "arn": arns[names[0]], "changed": True},
        {"name": names[1], "arn": arns[names[1]], "changed": True},
        {"name": names[2], "arn": None, "changed": False},
    ]
    assert result["diff"]["before"][names[0]]["tags"] == {"Project": "payments"}
    assert result["diff"]["after"] == {}
    if check_mode:
        assert set(calls) <= READS
        assert set(described(cloudwatch, names)) == set(names[:2])
    else:
        assert calls == Counter(DescribeAlarms=1, ListTagsForResource=2, DeleteAlarms=1)
        assert described(cloudwatch, names) == {}


def test_a_second_absent_changes_nothing_and_reads_no_tags(run_module, counted, names):
    run_module(MODULE, alarm_set(names))
    args = {"alarms": [{"name": name} for name in names], "state": "absent"}
    run_module(MODULE, args)

    with counted() as calls:
        result = run_module(MODULE, args)

    assert result["changed"] is False
    assert calls == Counter(DescribeAlarms=1)


def test_names_are_read_and_deleted_a_hundred_at_a_time(run_module, cloudwatch, counted, unique_name):
    names = [f"{unique_name}-{index:03d}" for index in range(101)]
    for name in names:
        cloudwatch.put_metric_alarm(**_put_request(name))

    with counted() as calls:
        result = run_module(MODULE, {"alarms": [{"name": name} for name in names], "state": "absent"})

    assert result["changed"] is True
    assert calls == Counter(DescribeAlarms=2, DeleteAlarms=2)
    assert described(cloudwatch, names[:100]) == {}
    assert described(cloudwatch, names[100:]) == {}


def _put_request(name):
    return {
        "AlarmName": name,
        "Namespace": "AWS/Lambda",
        "MetricName": "Errors",
        "Statistic": "Sum",
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"statistic": "Average"}, "extended_statistic"),
        ({"threshold": None}, "needs threshold"),
        ({"metric_name": None}, "needs metric_name"),
        ({"datapoints_to_alarm": 4}, "datapoints_to_alarm must be 1 to evaluation_periods"),
        ({"metrics": [{"id": "total", "expression": "SUM(METRICS())"}]}, "metrics (metric math) excludes"),
    ],
)
def test_bad_input_fails_before_any_aws_call(run_module, cloudwatch, counted, names, overrides, message):
    with counted() as calls:
        result = run_module(MODULE, alarm_set(names, **overrides))

    assert result["failed"] is True
    assert message in result["msg"]
    assert calls == Counter()
    assert described(cloudwatch, names) == {}


def test_the_message_names_the_alarm_at_fault(run_module, names):
    result = run_module(MODULE, alarm_set(names, threshold=None))

    assert result["failed"] is True
    assert result["msg"] == f"alarms[{names[0]}]: state=present needs threshold"


@pytest.mark.parametrize("state", ["present", "absent"])
def test_a_repeated_name_is_refused(run_module, cloudwatch, counted, names, state):
    args = alarm_set(names)
    args["alarms"].append(single_metric(names[1]))

    with counted() as calls:
        result = run_module(MODULE, {**args, "state": state})

    assert result["failed"] is True
    assert result["msg"] == f"alarms: each name may appear once (repeated: {names[1]})"
    assert calls == Counter()
    assert described(cloudwatch, names) == {}
