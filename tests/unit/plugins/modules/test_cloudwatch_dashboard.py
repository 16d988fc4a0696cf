"""payments.aws_platform.cloudwatch_dashboard against the emulator."""

import json

import boto3
import pytest

MODULE = "cloudwatch_dashboard"


@pytest.fixture
def cloudwatch(emulator_url):
    return boto3.client(
        "cloudwatch",
        endpoint_url=emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def body(function="payments-test-processor", title="Lambda"):
    return {
        "widgets": [
            {
                "type": "metric",
                "x": 0,
                "y": 0,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": title,
                    "region": "us-east-1",
                    "metrics": [["AWS/Lambda", "Errors", "FunctionName", function]],
                },
            }
        ]
    }


def reordered(document):
    """The same document with every key order reversed, as indented text."""

    def flip(value):
        if isinstance(value, dict):
            return {key: flip(value[key]) for key in reversed(list(value))}
        if isinstance(value, list):
            return [flip(item) for item in value]
        return value

    return json.dumps(flip(document), indent=4)


def stored(cloudwatch, name):
    try:
        return json.loads(cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"])
    except cloudwatch.exceptions.ResourceNotFound:
        return None


def modified(cloudwatch, name):
    entries = cloudwatch.list_dashboards(DashboardNamePrefix=name)["DashboardEntries"]
    return [entry["LastModified"] for entry in entries if entry["DashboardName"] == name]


def test_create_writes_the_body(run_module, cloudwatch, unique_name):
    result = run_module(MODULE, {"name": unique_name, "body": body()})

    assert result["changed"] is True
    assert result["dashboard"]["dashboard_name"] == unique_name
    assert result["dashboard"]["dashboard_arn"].endswith(f":dashboard/{unique_name}")
    assert stored(cloudwatch, unique_name) == body()


def test_a_body_differing_only_in_key_order_and_whitespace_is_unchanged(run_module, cloudwatch, unique_name):
    run_module(MODULE, {"name": unique_name, "body": body()})
    before = modified(cloudwatch, unique_name)

    again = run_module(MODULE, {"name": unique_name, "body": reordered(body())}, diff=True)

    assert again["changed"] is False
    assert again["diff"]["before"]["body"] == again["diff"]["after"]["body"] == body()
    assert modified(cloudwatch, unique_name) == before


def test_a_changed_body_is_detected_and_written(run_module, cloudwatch, unique_name):
    run_module(MODULE, {"name": unique_name, "body": body()})

    result = run_module(MODULE, {"name": unique_name, "body": body(function="other-processor")}, diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"]["body"] == body()
    assert result["diff"]["after"]["body"] == body(function="other-processor")
    assert stored(cloudwatch, unique_name) == body(function="other-processor")


def test_check_mode_on_a_missing_dashboard_reports_the_create_and_writes_nothing(run_module, cloudwatch, unique_name):
    result = run_module(MODULE, {"name": unique_name, "body": body()}, check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["body"] == body()
    assert stored(cloudwatch, unique_name) is None


def test_check_mode_on_a_changed_body_writes_nothing(run_module, cloudwatch, unique_name):
    run_module(MODULE, {"name": unique_name, "body": body()})

    result = run_module(MODULE, {"name": unique_name, "body": body(title="New")}, check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["diff"]["after"]["body"]["widgets"][0]["properties"]["title"] == "New"
    assert stored(cloudwatch, unique_name) == body()


@pytest.mark.parametrize("check_mode", [True, False])
def test_absent_deletes_once(run_module, cloudwatch, unique_name, check_mode):
    run_module(MODULE, {"name": unique_name, "body": body()})

    first = run_module(MODULE, {"name": unique_name, "state": "absent"}, check_mode=check_mode, diff=True)
    second = run_module(MODULE, {"name": unique_name, "state": "absent"}, check_mode=check_mode)

    assert first["changed"] is True
    assert first["diff"]["before"]["body"] == body()
    assert first["diff"]["after"] == {}
    assert second["changed"] is check_mode
    assert (stored(cloudwatch, unique_name) is None) is not check_mode


def test_absent_on_a_dashboard_that_never_existed_is_no_change(run_module, unique_name):
    result = run_module(MODULE, {"name": unique_name, "state": "absent"})

    assert result["failed"] is False
    assert result["changed"] is False


def test_a_body_that_is_not_json_fails_before_any_write(run_module, cloudwatch, unique_name):
    result = run_module(MODULE, {"name": unique_name, "body": "{not json"})

    assert result["failed"] is True
    assert "body" in result["msg"]
    assert stored(cloudwatch, unique_name) is None


def test_present_needs_a_body(run_module, unique_name):
    result = run_module(MODULE, {"name": unique_name})

    assert result["failed"] is True
    assert "body" in result["msg"]
