"""payments.aws_platform.kms_aliased_key against the emulator, counting the AWS calls it makes."""

import json
from collections import Counter

import pytest

MODULE = "kms_aliased_key"
TAGS = {"Stack": "payments-test", "payments:role": "data"}


def policy_for(sid):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": ["kms:DescribeKey", "kms:PutKeyPolicy"],
                "Resource": "*",
            }
        ],
    }


def args_for(alias, **extra):
    stack_tags = {**TAGS, "Stack": alias}
    return {
        "alias": f"alias/{alias}",
        "description": f"{alias} data key",
        "policy": policy_for("Admin"),
        "enable_key_rotation": True,
        "tags": stack_tags,
        "adopt_tags": stack_tags,
        **extra,
    }


def key_by_alias(kms, alias):
    return kms.describe_key(KeyId=f"alias/{alias}")["KeyMetadata"]


def tags_of(kms, key_id):
    return {tag["TagKey"]: tag["TagValue"] for tag in kms.list_resource_tags(KeyId=key_id)["Tags"]}


@pytest.fixture
def converged(run_module, unique_name):
    result = run_module(MODULE, args_for(unique_name))
    assert result["changed"] is True, result
    return result


def test_create_makes_an_aliased_key_with_policy_rotation_and_tags(run_module, kms, unique_name, counted):
    with counted() as calls:
        result = run_module(MODULE, args_for(unique_name))

    assert result["failed"] is False, result
    assert result["changed"] is True
    assert result["adopted"] is False
    # Lookup by alias, then tags (nothing to adopt), the key (policy and tags included), its alias, rotation.
    assert calls == Counter(
        {"DescribeKey": 1, "GetResources": 1, "CreateKey": 1, "CreateAlias": 1, "EnableKeyRotation": 1}
    ), calls
    metadata = key_by_alias(kms, unique_name)
    assert result["key_id"] == metadata["KeyId"] and result["key_arn"] == metadata["Arn"]
    assert metadata["Description"] == f"{unique_name} data key"
    assert metadata["KeyState"] == "Enabled"
    assert kms.get_key_rotation_status(KeyId=metadata["KeyId"])["KeyRotationEnabled"] is True
    assert json.loads(kms.get_key_policy(KeyId=metadata["KeyId"], PolicyName="default")["Policy"]) == policy_for(
        "Admin"
    )
    assert tags_of(kms, metadata["KeyId"]) == {**TAGS, "Stack": unique_name}


def test_rerun_changes_nothing_with_four_reads(run_module, unique_name, converged, counted):
    with counted() as calls:
        result = run_module(MODULE, args_for(unique_name), diff=True)

    assert result["failed"] is False, result
    assert result["changed"] is False
    assert calls == Counter({"DescribeKey": 1, "GetKeyPolicy": 1, "GetKeyRotationStatus": 1, "ListResourceTags": 1}), (
        calls
    )
    assert result["key_arn"] == converged["key_arn"]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_check_mode_on_nothing_plans_a_key_and_writes_nothing(run_module, kms, unique_name, counted):
    with counted() as calls:
        result = run_module(MODULE, args_for(unique_name), check_mode=True, diff=True)

    assert result["changed"] is True
    assert set(calls) <= {"DescribeKey", "GetResources"}, calls
    assert "key_arn" not in result
    assert result["key"]["key_id"] is None
    assert result["diff"]["before"] == {}
    assert [alias for alias in kms.list_aliases()["Aliases"] if alias["AliasName"] == f"alias/{unique_name}"] == []


def test_drift_is_put_back_and_check_mode_only_reports_it(run_module, kms, unique_name, converged):
    key_id = converged["key_id"]
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(policy_for("Drifted")))
    kms.disable_key_rotation(KeyId=key_id)
    kms.update_key_description(KeyId=key_id, Description="changed by hand")
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "Stray", "TagValue": "x"}])
    kms.disable_key(KeyId=key_id)

    planned = run_module(MODULE, args_for(unique_name), check_mode=True)
    assert planned["changed"] is True
    assert key_by_alias(kms, unique_name)["KeyState"] == "Disabled"

    result = run_module(MODULE, args_for(unique_name))
    assert result["changed"] is True, result
    metadata = key_by_alias(kms, unique_name)
    assert metadata["KeyState"] == "Enabled"
    assert metadata["Description"] == f"{unique_name} data key"
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    assert json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]) == policy_for("Admin")
    assert tags_of(kms, key_id) == {**TAGS, "Stack": unique_name}
    assert run_module(MODULE, args_for(unique_name))["changed"] is False


def test_an_unaliased_tagged_key_left_by_a_killed_run_is_adopted(run_module, kms, unique_name, counted):
    stack_tags = {**TAGS, "Stack": unique_name}
    orphan = kms.create_key(Tags=[{"TagKey": k, "TagValue": v} for k, v in stack_tags.items()])["KeyMetadata"]

    result = run_module(MODULE, args_for(unique_name))

    assert result["failed"] is False, result
    assert result["changed"] is True, result
    assert result["adopted"] is True
    assert result["key_id"] == orphan["KeyId"] == key_by_alias(kms, unique_name)["KeyId"]
    with counted() as calls:
        assert run_module(MODULE, args_for(unique_name))["changed"] is False
    assert "CreateKey" not in calls


def test_a_key_scheduled_for_deletion_is_not_adopted(run_module, kms, unique_name):
    stack_tags = {**TAGS, "Stack": unique_name}
    doomed = kms.create_key(Tags=[{"TagKey": k, "TagValue": v} for k, v in stack_tags.items()])["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=7)

    result = run_module(MODULE, args_for(unique_name))

    assert result["adopted"] is False
    assert result["key_id"] != doomed["KeyId"]


def test_the_aliased_key_scheduled_for_deletion_is_restored(run_module, kms, unique_name, converged):
    kms.schedule_key_deletion(KeyId=converged["key_id"], PendingWindowInDays=7)

    result = run_module(MODULE, args_for(unique_name))

    assert result["changed"] is True, result
    assert result["key_id"] == converged["key_id"]
    assert key_by_alias(kms, unique_name)["KeyState"] == "Enabled"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"alias": "alias/aws/rds"}, "alias/aws/ is reserved"),
        ({"rotation_period_days": 30}, "rotation_period_days must be 90 to 2560"),
        ({"rotation_period_days": 180, "enable_key_rotation": False}, "needs enable_key_rotation"),
    ],
)
def test_bad_parameters_fail_before_any_call(run_module, unique_name, counted, override, message):
    with counted() as calls:
        result = run_module(MODULE, {**args_for(unique_name), **override})

    assert result["failed"] is True
    assert message in result["msg"], result["msg"]
    assert not calls
