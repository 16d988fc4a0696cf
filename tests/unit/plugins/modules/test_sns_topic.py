"""payments.aws_platform.sns_topic against the emulator."""

import json

import boto3
import pytest

MODULE = "sns_topic"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


@pytest.fixture
def sns(emulator_url):
    return boto3.client(
        "sns",
        endpoint_url=emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def policy(name):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudWatchAlarmsPublish",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": f"arn:aws:sns:us-east-1:123456789012:{name}",
                "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
            }
        ],
    }


def topic(name, **overrides):
    args = {
        "name": name,
        "display_name": "alarms",
        "kms_master_key_id": KEY_ARN,
        "policy": policy(name),
        "subscriptions": [
            {"protocol": "email", "endpoint": "oncall@example.com"},
            {"protocol": "https", "endpoint": "https://hooks.example.com/alarms"},
        ],
        "tags": {"Project": "payments"},
    }
    args.update(overrides)
    return args


def arn_of(name):
    return f"arn:aws:sns:us-east-1:123456789012:{name}"


def attributes(sns, name):
    try:
        return sns.get_topic_attributes(TopicArn=arn_of(name))["Attributes"]
    except sns.exceptions.NotFoundException:
        return None


def subscriptions(sns, name):
    items = sns.list_subscriptions_by_topic(TopicArn=arn_of(name))["Subscriptions"]
    return sorted((item["Protocol"], item["Endpoint"]) for item in items)


def test_create_then_rerun_changes_nothing(run_module, sns, unique_name):
    created = run_module(MODULE, topic(unique_name))
    again = run_module(MODULE, topic(unique_name))

    assert created["changed"] is True
    assert created["topic"]["topic_arn"] == arn_of(unique_name)
    assert again["changed"] is False
    assert attributes(sns, unique_name)["KmsMasterKeyId"] == KEY_ARN
    assert json.loads(attributes(sns, unique_name)["Policy"]) == policy(unique_name)
    assert subscriptions(sns, unique_name) == [
        ("email", "oncall@example.com"),
        ("https", "https://hooks.example.com/alarms"),
    ]
    tags = sns.list_tags_for_resource(ResourceArn=arn_of(unique_name))["Tags"]
    assert tags == [{"Key": "Project", "Value": "payments"}]


def test_a_policy_in_another_key_order_is_unchanged(run_module, unique_name):
    run_module(MODULE, topic(unique_name))
    document = policy(unique_name)
    reordered = json.dumps({"Statement": document["Statement"], "Version": document["Version"]}, indent=2)

    assert run_module(MODULE, topic(unique_name, policy=reordered))["changed"] is False


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_removed_subscription_and_a_new_key_are_planned_then_applied(run_module, sns, unique_name, check_mode):
    run_module(MODULE, topic(unique_name))
    other_key = KEY_ARN.replace("5555", "6666")
    wanted = topic(
        unique_name,
        kms_master_key_id=other_key,
        subscriptions=[{"protocol": "email", "endpoint": "oncall@example.com"}],
    )

    result = run_module(MODULE, wanted, check_mode=check_mode, diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"]["kms_master_key_id"] == KEY_ARN
    assert result["diff"]["after"]["kms_master_key_id"] == other_key
    assert [item["protocol"] for item in result["diff"]["after"]["subscriptions"]] == ["email"]
    assert attributes(sns, unique_name)["KmsMasterKeyId"] == (KEY_ARN if check_mode else other_key)
    assert len(subscriptions(sns, unique_name)) == (2 if check_mode else 1)


def test_check_mode_on_a_missing_topic_writes_nothing(run_module, sns, unique_name):
    result = run_module(MODULE, topic(unique_name), check_mode=True)

    assert result["changed"] is True
    assert attributes(sns, unique_name) is None


def test_absent_removes_the_topic_and_its_subscriptions_once(run_module, sns, unique_name):
    run_module(MODULE, topic(unique_name))

    first = run_module(MODULE, {"name": unique_name, "state": "absent"})
    second = run_module(MODULE, {"name": unique_name, "state": "absent"})

    assert first["changed"] is True
    assert second["changed"] is False
    assert attributes(sns, unique_name) is None
    left = [item for item in sns.list_subscriptions()["Subscriptions"] if item["TopicArn"] == arn_of(unique_name)]
    assert left == []
