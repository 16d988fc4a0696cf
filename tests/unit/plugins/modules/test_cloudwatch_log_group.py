"""payments.aws_platform.cloudwatch_log_group against the emulator."""

import boto3
import pytest

MODULE = "cloudwatch_log_group"


@pytest.fixture
def logs(emulator_url):
    return boto3.client(
        "logs",
        endpoint_url=emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def group_name(unique_name):
    return f"/test/{unique_name}"


def described(logs, name):
    groups = [
        group
        for group in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        if group["logGroupName"] == name
    ]
    return groups[0] if groups else None


def tags_of(logs, name):
    return logs.list_tags_for_resource(resourceArn=described(logs, name)["arn"].removesuffix(":*"))["tags"]


def test_check_mode_on_a_missing_group_reports_the_create_and_writes_nothing(run_module, logs, group_name):
    result = run_module(
        MODULE, {"name": group_name, "retention_days": 7, "tags": {"a": "1"}}, check_mode=True, diff=True
    )

    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["retention_in_days"] == 7
    assert described(logs, group_name) is None


def test_create_then_rerun_changes_nothing(run_module, logs, group_name):
    args = {"name": group_name, "retention_days": 1096, "tags": {"Project": "payments"}}

    created = run_module(MODULE, args)
    again = run_module(MODULE, args)

    assert created["changed"] is True
    assert created["log_group"]["retention_in_days"] == 1096
    assert created["log_group"]["log_group_arn"].endswith(f"log-group:{group_name}")
    assert again["changed"] is False
    assert described(logs, group_name)["retentionInDays"] == 1096
    assert tags_of(logs, group_name) == {"Project": "payments"}


@pytest.mark.parametrize("check_mode", [True, False])
def test_drifted_retention_is_reported_and_only_fixed_outside_check_mode(run_module, logs, group_name, check_mode):
    run_module(MODULE, {"name": group_name, "retention_days": 30})
    logs.put_retention_policy(logGroupName=group_name, retentionInDays=1)

    result = run_module(MODULE, {"name": group_name, "retention_days": 30}, check_mode=check_mode, diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"]["retention_in_days"] == 1
    assert result["diff"]["after"]["retention_in_days"] == 30
    assert described(logs, group_name)["retentionInDays"] == (1 if check_mode else 30)


def test_retention_zero_keeps_events_forever(run_module, logs, group_name):
    run_module(MODULE, {"name": group_name, "retention_days": 7})

    result = run_module(MODULE, {"name": group_name, "retention_days": 0})

    assert result["changed"] is True
    assert "retentionInDays" not in described(logs, group_name)
    assert run_module(MODULE, {"name": group_name, "retention_days": 0})["changed"] is False


def test_unset_options_leave_the_group_alone(run_module, logs, group_name):
    run_module(MODULE, {"name": group_name, "retention_days": 14, "tags": {"keep": "me"}})

    result = run_module(MODULE, {"name": group_name})

    assert result["changed"] is False
    assert described(logs, group_name)["retentionInDays"] == 14
    assert tags_of(logs, group_name) == {"keep": "me"}


@pytest.mark.parametrize(("purge", "expected"), [(True, {"new": "2"}), (False, {"old": "1", "new": "2"})])
def test_tags_are_replaced_or_merged(run_module, logs, group_name, purge, expected):
    run_module(MODULE, {"name": group_name, "tags": {"old": "1"}})

    result = run_module(MODULE, {"name": group_name, "tags": {"new": "2"}, "purge_tags": purge})

    assert result["changed"] is True
    assert result["log_group"]["tags"] == expected
    assert tags_of(logs, group_name) == expected


def test_a_kms_key_is_set_at_creation(run_module, logs, group_name, emulator_url):
    kms = boto3.client(
        "kms",
        endpoint_url=emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]

    created = run_module(MODULE, {"name": group_name, "kms_key_arn": key_arn})
    again = run_module(MODULE, {"name": group_name, "kms_key_arn": key_arn})

    assert created["changed"] is True
    assert described(logs, group_name)["kmsKeyId"] == key_arn
    assert again["changed"] is False


def test_a_different_kms_key_is_a_planned_change(run_module, group_name):
    run_module(MODULE, {"name": group_name})
    wanted = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"

    plan = run_module(MODULE, {"name": group_name, "kms_key_arn": wanted}, check_mode=True, diff=True)

    assert plan["changed"] is True
    assert "kms_key_id" not in plan["diff"]["before"]
    assert plan["diff"]["after"]["kms_key_id"] == wanted


def test_absent_deletes_once(run_module, logs, group_name):
    run_module(MODULE, {"name": group_name})

    first = run_module(MODULE, {"name": group_name, "state": "absent"})
    second = run_module(MODULE, {"name": group_name, "state": "absent"})

    assert first["changed"] is True
    assert second["changed"] is False
    assert described(logs, group_name) is None


def test_a_retention_cloudwatch_refuses_is_rejected_before_any_call(run_module, group_name):
    result = run_module(MODULE, {"name": group_name, "retention_days": 8})

    assert result["failed"] is True
    assert "retention_days" in result["msg"]


# Issue 20, item 3: a log group created with a KMS key made seconds earlier.
KEY_NOT_YET = (
    "The specified KMS key does not exist or is not allowed to be used with Arn "
    "'arn:aws:logs:us-east-1:123456789012:log-group:/test'"
)


@pytest.fixture
def key_arn(emulator_url):
    kms = boto3.client(
        "kms",
        endpoint_url=emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return kms.create_key()["KeyMetadata"]["Arn"]


@pytest.mark.parametrize("code", ["AccessDeniedException", "InvalidParameterException"])
def test_a_key_not_yet_usable_is_waited_for_and_one_group_made(
    run_module, logs, group_name, key_arn, answer_first, fake_clock, code
):
    calls = answer_first("CreateLogGroup", code, KEY_NOT_YET, times=8)

    result = run_module(MODULE, {"name": group_name, "retention_days": 7, "kms_key_arn": key_arn})

    assert result["failed"] is False, result
    assert len(calls) == 9
    assert len(logs.describe_log_groups(logGroupNamePrefix=group_name)["logGroups"]) == 1
    assert described(logs, group_name)["kmsKeyId"] == key_arn
    assert max(fake_clock.sleeps) <= 20


def test_another_access_denied_fails_at_once(run_module, logs, group_name, key_arn, answer_first, fake_clock):
    message = "User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: logs:CreateLogGroup"
    calls = answer_first("CreateLogGroup", "AccessDeniedException", message, times=8)

    result = run_module(MODULE, {"name": group_name, "retention_days": 7, "kms_key_arn": key_arn})

    assert result["failed"] is True
    assert len(calls) == 1
    assert fake_clock.sleeps == []
    assert described(logs, group_name) is None
