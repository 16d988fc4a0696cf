"""payments.aws_platform.s3_bucket_config against the emulator."""

import datetime
import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

MODULE = "s3_bucket_config"
ACCOUNT = "123456789012"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def aws(service, emulator_url, **credentials):
    return boto3.client(service, endpoint_url=emulator_url, region_name="us-east-1", **(credentials or CREDENTIALS))


@pytest.fixture
def s3(emulator_url):
    return aws("s3", emulator_url)


@pytest.fixture(scope="module")
def key_arn(emulator_url):
    return aws("kms", emulator_url).create_key()["KeyMetadata"]["Arn"]


@pytest.fixture
def name():
    """Bucket names are global, lower-case and short: not the test's node name."""
    return f"test-bucket-{uuid.uuid4().hex[:16]}"


def deny_insecure_transport(bucket):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def full_args(name, key_arn):
    return {
        "name": name,
        "versioning": True,
        "encryption": {"sse_algorithm": "aws:kms", "kms_key_id": key_arn, "bucket_key_enabled": True},
        "public_access_block": {
            "block_public_acls": True,
            "ignore_public_acls": True,
            "block_public_policy": True,
            "restrict_public_buckets": True,
        },
        "object_ownership": "BucketOwnerEnforced",
        "policy": deny_insecure_transport(name),
        "lifecycle_rules": [
            {
                "id": "archive-current-versions",
                "transitions": [
                    {"days": 30, "storage_class": "GLACIER"},
                    {"days": 120, "storage_class": "DEEP_ARCHIVE"},
                ],
            },
            {
                "id": "expire-noncurrent-versions",
                "noncurrent_version_transitions": [{"noncurrent_days": 30, "storage_class": "GLACIER"}],
                "noncurrent_version_expiration_days": 90,
            },
            {"id": "abort-incomplete-uploads", "abort_incomplete_multipart_upload_days": 7},
        ],
        "tags": {"Project": "payments", "Stack": "payments-dev"},
    }


def exists(s3, name):
    try:
        s3.head_bucket(Bucket=name)
    except ClientError:
        return False
    return True


def lifecycle_ids(s3, name):
    return sorted(rule["ID"] for rule in s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"])


def test_check_mode_on_a_missing_bucket_plans_everything_and_writes_nothing(run_module, s3, name, key_arn):
    result = run_module(MODULE, full_args(name, key_arn), check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["changes"] == [
        "bucket",
        "encryption",
        "lifecycle_rules",
        "object_ownership",
        "policy",
        "public_access_block",
        "tags",
        "versioning",
    ]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["versioning"] == "Enabled"
    assert result["diff"]["after"]["encryption"]["kms_key_id"] == key_arn
    assert result["bucket"]["arn"] == f"arn:aws:s3:::{name}"
    assert not exists(s3, name)


def test_create_then_rerun_changes_nothing(run_module, s3, name, key_arn):
    created = run_module(MODULE, full_args(name, key_arn))
    again = run_module(MODULE, full_args(name, key_arn))
    plan = run_module(MODULE, full_args(name, key_arn), check_mode=True, diff=True)

    assert created["changed"] is True, created
    assert again["changed"] is False
    assert again["changes"] == []
    assert plan["changed"] is False
    assert plan["diff"]["before"] == plan["diff"]["after"]
    # The create reports the bucket as written, not read back: it must be the bucket AWS then describes.
    assert created["bucket"] == plan["diff"]["before"]
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    assert rule["BucketKeyEnabled"] is True
    assert all(s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"].values())
    assert s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}
    ]
    assert json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])["Statement"][0]["Sid"] == "DenyInsecureTransport"
    assert lifecycle_ids(s3, name) == [
        "abort-incomplete-uploads",
        "archive-current-versions",
        "expire-noncurrent-versions",
    ]
    assert {tag["Key"]: tag["Value"] for tag in s3.get_bucket_tagging(Bucket=name)["TagSet"]} == {
        "Project": "payments",
        "Stack": "payments-dev",
    }
    assert created["bucket"]["lifecycle_rules"][1]["transitions"][1] == {"days": 120, "storage_class": "DEEP_ARCHIVE"}


def test_unset_settings_are_left_alone(run_module, s3, name, key_arn):
    run_module(MODULE, full_args(name, key_arn))

    result = run_module(MODULE, {"name": name})

    assert result["changed"] is False
    assert result["bucket"]["versioning"] == "Enabled"
    assert len(result["bucket"]["lifecycle_rules"]) == 3
    assert result["bucket"]["tags"] == {"Project": "payments", "Stack": "payments-dev"}


def test_an_equivalent_policy_and_reordered_rules_are_no_change(run_module, name, key_arn):
    args = full_args(name, key_arn)
    run_module(MODULE, args)
    statement = args["policy"]["Statement"][0]
    reordered = dict(
        args,
        policy=json.dumps({"Statement": [dict(reversed(list(statement.items())))], "Version": "2012-10-17"}),
        lifecycle_rules=list(reversed(args["lifecycle_rules"])),
    )

    assert run_module(MODULE, reordered)["changed"] is False


def suspend_versioning(s3, name, key_arn):
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Suspended"})


def change_encryption(s3, name, key_arn):
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]
        },
    )


def turn_a_public_access_block_off(s3, name, key_arn):
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )


def change_policy(s3, name, key_arn):
    policy = deny_insecure_transport(name)
    policy["Statement"][0]["Action"] = "s3:GetObject"
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))


def remove_a_lifecycle_rule(s3, name, key_arn):
    rules = [
        rule
        for rule in s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
        if rule["ID"] != "abort-incomplete-uploads"
    ]
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})


def change_tags(s3, name, key_arn):
    s3.put_bucket_tagging(
        Bucket=name, Tagging={"TagSet": [{"Key": "Project", "Value": "other"}, {"Key": "x", "Value": "y"}]}
    )


def change_ownership(s3, name, key_arn):
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})


def read_setting(s3, name, setting):
    readers = {
        "versioning": lambda: s3.get_bucket_versioning(Bucket=name).get("Status"),
        "encryption": lambda: s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"],
        "public_access_block": lambda: s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
        "policy": lambda: json.loads(s3.get_bucket_policy(Bucket=name)["Policy"]),
        "lifecycle_rules": lambda: lifecycle_ids(s3, name),
        "tags": lambda: {tag["Key"]: tag["Value"] for tag in s3.get_bucket_tagging(Bucket=name)["TagSet"]},
        "object_ownership": lambda: s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"],
    }
    return readers[setting]()


@pytest.mark.parametrize(
    ("drift", "setting"),
    [
        (suspend_versioning, "versioning"),
        (change_encryption, "encryption"),
        (turn_a_public_access_block_off, "public_access_block"),
        (change_policy, "policy"),
        (remove_a_lifecycle_rule, "lifecycle_rules"),
        (change_tags, "tags"),
        (change_ownership, "object_ownership"),
    ],
)
def test_drift_is_planned_without_writing_then_corrected(run_module, s3, name, key_arn, drift, setting):
    args = full_args(name, key_arn)
    run_module(MODULE, args)
    converged = read_setting(s3, name, setting)
    drift(s3, name, key_arn)
    drifted = read_setting(s3, name, setting)

    plan = run_module(MODULE, args, check_mode=True, diff=True)
    after_plan = read_setting(s3, name, setting)
    fixed = run_module(MODULE, args)
    again = run_module(MODULE, args)

    assert drifted != converged
    assert plan["changed"] is True
    assert plan["changes"] == [setting]
    assert plan["diff"]["before"][setting] != plan["diff"]["after"][setting]
    assert after_plan == drifted
    assert fixed["changed"] is True
    assert fixed["changes"] == [setting]
    assert read_setting(s3, name, setting) == converged
    assert again["changed"] is False


@pytest.mark.parametrize(("purge", "expected"), [(True, {"new": "2"}), (False, {"old": "1", "new": "2"})])
def test_tags_are_replaced_or_merged(run_module, name, purge, expected):
    run_module(MODULE, {"name": name, "tags": {"old": "1"}})

    result = run_module(MODULE, {"name": name, "tags": {"new": "2"}, "purge_tags": purge})

    assert result["changed"] is True
    assert result["bucket"]["tags"] == expected


def test_versioning_false_suspends_a_versioned_bucket_and_leaves_a_new_one(run_module, s3, name):
    created = run_module(MODULE, {"name": name, "versioning": False})
    run_module(MODULE, {"name": name, "versioning": True})
    suspended = run_module(MODULE, {"name": name, "versioning": False})

    assert created["changes"] == ["bucket"]
    assert suspended["changes"] == ["versioning"]
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Suspended"


def test_an_empty_policy_deletes_the_policy(run_module, s3, name):
    run_module(MODULE, {"name": name, "policy": deny_insecure_transport(name)})

    result = run_module(MODULE, {"name": name, "policy": ""})

    assert result["changes"] == ["policy"]
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=name)


def test_an_empty_rule_list_deletes_the_lifecycle(run_module, s3, name, key_arn):
    run_module(MODULE, full_args(name, key_arn))

    result = run_module(MODULE, {"name": name, "lifecycle_rules": []})

    assert result["changes"] == ["lifecycle_rules"]
    with pytest.raises(ClientError, match="NoSuchLifecycleConfiguration"):
        s3.get_bucket_lifecycle_configuration(Bucket=name)


def put_versions(s3, name):
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=name, Key="a", Body=b"1")
    s3.put_object(Bucket=name, Key="a", Body=b"2")
    s3.delete_object(Bucket=name, Key="a")  # a delete marker over two versions


@pytest.mark.parametrize("check_mode", [False, True])
def test_absent_refuses_a_non_empty_bucket_without_force(run_module, s3, name, check_mode):
    run_module(MODULE, {"name": name})
    put_versions(s3, name)

    result = run_module(MODULE, {"name": name, "state": "absent"}, check_mode=check_mode)

    assert result["failed"] is True
    assert "force" in result["msg"]
    assert exists(s3, name)


def test_absent_with_force_plans_then_empties_and_deletes(run_module, s3, name):
    run_module(MODULE, {"name": name})
    put_versions(s3, name)
    args = {"name": name, "state": "absent", "force": True}

    plan = run_module(MODULE, args, check_mode=True, diff=True)
    versions_after_plan = s3.list_object_versions(Bucket=name)
    deleted = run_module(MODULE, args)
    again = run_module(MODULE, args)

    assert plan["changed"] is True
    assert plan["diff"]["after"] == {}
    assert len(versions_after_plan["Versions"]) == 2
    assert len(versions_after_plan["DeleteMarkers"]) == 1
    assert deleted["changed"] is True
    assert not exists(s3, name)
    assert again["changed"] is False


def test_force_deletes_a_bucket_whose_policy_denies_the_deletes(run_module, s3, name):
    run_module(MODULE, {"name": name})
    put_versions(s3, name)
    run_module(MODULE, {"name": name, "policy": deny_insecure_transport(name)})

    result = run_module(MODULE, {"name": name, "state": "absent", "force": True})

    assert result["changed"] is True
    assert not exists(s3, name)


def test_an_empty_bucket_is_deleted_without_force(run_module, s3, name):
    run_module(MODULE, {"name": name})

    assert run_module(MODULE, {"name": name, "state": "absent"})["changed"] is True
    assert not exists(s3, name)


@pytest.fixture
def foreign_bucket(emulator_url, name):
    """A bucket of that name made by another account."""
    credentials = aws("sts", emulator_url).assume_role(
        RoleArn="arn:aws:iam::111111111111:role/other", RoleSessionName="other-account"
    )["Credentials"]
    other = aws(
        "s3",
        emulator_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    other.create_bucket(Bucket=name)
    return name


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_name_another_account_owns_is_a_clear_error(run_module, foreign_bucket, check_mode):
    result = run_module(MODULE, {"name": foreign_bucket, "versioning": True}, check_mode=check_mode)

    assert result["failed"] is True
    assert "another AWS account" in result["msg"]


def test_absent_leaves_another_accounts_bucket_alone(run_module, s3, foreign_bucket):
    result = run_module(MODULE, {"name": foreign_bucket, "state": "absent", "force": True})

    assert result["changed"] is False
    assert exists(s3, foreign_bucket)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"id": "a", "expiration_days": 1}, {"id": "a", "expiration_days": 2}], "must be unique"),
        ([{"id": "a", "prefix": "x/"}], "has no action"),
        ([{"id": "a", "transitions": [{"days": 0, "storage_class": "GLACIER"}]}], "at least 1"),
    ],
)
def test_bad_lifecycle_rules_fail_before_any_call(run_module, s3, name, rules, message):
    result = run_module(MODULE, {"name": name, "lifecycle_rules": rules})

    assert result["failed"] is True
    assert message in result["msg"]
    assert "lifecycle_rules" in result["msg"]
    assert not exists(s3, name)


# Object Lock


def object_lock(s3, name):
    try:
        return s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
    except ClientError as e:
        if e.response["Error"]["Code"] == "ObjectLockConfigurationNotFoundError":
            return None
        raise


def test_create_with_object_lock_then_rerun_changes_nothing(run_module, s3, name, key_arn):
    args = dict(full_args(name, key_arn), object_lock={"enabled": True})

    plan = run_module(MODULE, args, check_mode=True, diff=True)
    created = run_module(MODULE, args)
    again = run_module(MODULE, args)
    plan_again = run_module(MODULE, args, check_mode=True, diff=True)

    assert plan["changed"] is True
    assert "object_lock" in plan["changes"]
    assert plan["diff"]["after"]["object_lock"] == {"enabled": True, "mode": None, "retention_days": None}
    assert created["changed"] is True, created
    assert created["bucket"]["object_lock"] == {"enabled": True, "mode": None, "retention_days": None}
    assert object_lock(s3, name) == {"ObjectLockEnabled": "Enabled"}
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    assert again["changed"] is False
    assert again["changes"] == []
    assert plan_again["changed"] is False
    assert plan_again["diff"]["before"] == plan_again["diff"]["after"]


def test_create_with_object_lock_and_default_retention(run_module, s3, name):
    lock = {"enabled": True, "mode": "GOVERNANCE", "retention_days": 7}

    created = run_module(MODULE, {"name": name, "object_lock": lock})
    again = run_module(MODULE, {"name": name, "object_lock": lock})

    assert created["changed"] is True, created
    assert created["bucket"]["object_lock"] == lock
    assert object_lock(s3, name)["Rule"]["DefaultRetention"]["Mode"] == "GOVERNANCE"
    assert object_lock(s3, name)["Rule"]["DefaultRetention"]["Days"] == 7
    assert again["changed"] is False


def test_object_lock_is_added_to_an_existing_bucket_and_check_mode_writes_nothing(run_module, s3, name):
    run_module(MODULE, {"name": name})
    args = {"name": name, "object_lock": {"enabled": True}}

    plan = run_module(MODULE, args, check_mode=True, diff=True)
    lock_after_plan = object_lock(s3, name)
    enabled = run_module(MODULE, args)

    assert plan["changed"] is True
    assert plan["changes"] == ["object_lock", "versioning"]
    assert plan["diff"]["before"]["object_lock"]["enabled"] is False
    assert plan["diff"]["after"]["object_lock"]["enabled"] is True
    assert lock_after_plan is None
    assert enabled["changed"] is True, enabled
    assert object_lock(s3, name) == {"ObjectLockEnabled": "Enabled"}
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"


def test_default_retention_is_set_changed_and_removed(run_module, s3, name):
    run_module(MODULE, {"name": name, "object_lock": {"enabled": True}})
    governance = {"enabled": True, "mode": "GOVERNANCE", "retention_days": 30}
    compliance = {"enabled": True, "mode": "COMPLIANCE", "retention_days": 1}

    set_plan = run_module(MODULE, {"name": name, "object_lock": governance}, check_mode=True)
    assert set_plan["changed"] is True
    assert object_lock(s3, name) == {"ObjectLockEnabled": "Enabled"}

    set_result = run_module(MODULE, {"name": name, "object_lock": governance})
    assert set_result["changes"] == ["object_lock"]
    assert object_lock(s3, name)["Rule"]["DefaultRetention"]["Days"] == 30

    changed = run_module(MODULE, {"name": name, "object_lock": compliance})
    assert changed["changed"] is True
    assert object_lock(s3, name)["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    assert object_lock(s3, name)["Rule"]["DefaultRetention"]["Days"] == 1

    removed = run_module(MODULE, {"name": name, "object_lock": {"enabled": True}})
    assert removed["changed"] is True
    assert removed["bucket"]["object_lock"] == {"enabled": True, "mode": None, "retention_days": None}
    assert "Rule" not in object_lock(s3, name)


@pytest.mark.parametrize("check_mode", [False, True])
def test_object_lock_cannot_be_turned_off(run_module, s3, name, check_mode):
    run_module(MODULE, {"name": name, "object_lock": {"enabled": True}})

    result = run_module(MODULE, {"name": name, "object_lock": {"enabled": False}}, check_mode=check_mode)
    suspend = run_module(MODULE, {"name": name, "versioning": False}, check_mode=check_mode)

    assert result["failed"] is True
    assert "can never be turned off" in result["msg"]
    assert suspend["failed"] is True
    assert "Object Lock" in suspend["msg"]
    assert object_lock(s3, name) == {"ObjectLockEnabled": "Enabled"}
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"


def test_object_lock_off_on_a_bucket_without_it_is_no_change(run_module, s3, name):
    run_module(MODULE, {"name": name})

    result = run_module(MODULE, {"name": name, "object_lock": {"enabled": False}})

    assert result["changed"] is False
    assert object_lock(s3, name) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"object_lock": {"enabled": True, "mode": "GOVERNANCE"}}, "retention_days"),
        ({"object_lock": {"enabled": True, "retention_days": 5}}, "mode"),
        ({"object_lock": {"enabled": True, "mode": "GOVERNANCE", "retention_days": 0}}, "at least 1"),
        ({"object_lock": {"enabled": True, "mode": "WORM", "retention_days": 5}}, "mode"),
        ({"object_lock": {"enabled": False, "mode": "GOVERNANCE", "retention_days": 5}}, "enabled=true"),
        ({"object_lock": {"enabled": True}, "versioning": False}, "versioning"),
    ],
)
def test_bad_object_lock_options_fail_before_any_call(run_module, s3, name, args, message):
    result = run_module(MODULE, dict(args, name=name))

    assert result["failed"] is True
    assert message in result["msg"]
    assert not exists(s3, name)


def test_force_deletes_a_bucket_with_object_lock_and_governance_retention(run_module, s3, name):
    lock = {"enabled": True, "mode": "GOVERNANCE", "retention_days": 1}
    run_module(MODULE, {"name": name, "object_lock": lock})
    put_versions(s3, name)
    run_module(MODULE, {"name": name, "policy": deny_insecure_transport(name)})

    result = run_module(MODULE, {"name": name, "state": "absent", "force": True})

    assert result["changed"] is True, result
    assert not exists(s3, name)


# Issue 20, item 5: a forced delete keeps what Object Lock protects, and says so before deleting anything.


def locked_bucket(run_module, s3, name, lock):
    """A bucket with Object Lock, a TLS-only policy (which the emulator applies without its condition),
    one free version and one under ``lock`` (PutObject arguments)."""
    run_module(MODULE, {"name": name, "object_lock": {"enabled": True}})
    s3.put_object(Bucket=name, Key="free", Body=b"1")
    s3.put_object(Bucket=name, Key="locked", Body=b"2", **lock)
    run_module(MODULE, {"name": name, "policy": deny_insecure_transport(name)})


def until(days):
    return datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=days)


def version_keys(s3, name):
    return sorted(version["Key"] for version in s3.list_object_versions(Bucket=name).get("Versions", []))


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("retained_objects", ["refuse", "bypass_governance"])
def test_compliance_versions_fail_the_delete_before_anything_is_deleted(
    run_module, s3, name, check_mode, retained_objects
):
    locked_bucket(run_module, s3, name, {"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": until(3)})
    args = {"name": name, "state": "absent", "force": True, "retained_objects": retained_objects}

    result = run_module(MODULE, args, check_mode=check_mode)

    assert result["failed"] is True
    assert "1 under COMPLIANCE retention until" in result["msg"] and "Nothing was deleted" in result["msg"]
    assert result["retained_objects"]["compliance"]["count"] == 1
    assert version_keys(s3, name) == ["free", "locked"]
    # The emulator-only lift of the policy (for the reads) is undone: the bucket keeps its policy.
    assert json.loads(s3.get_bucket_policy(Bucket=name)["Policy"]) == deny_insecure_transport(name)


def test_governance_versions_are_refused_then_removed_when_allowed(run_module, s3, name):
    locked_bucket(run_module, s3, name, {"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": until(3)})
    args = {"name": name, "state": "absent", "force": True}

    refused = run_module(MODULE, dict(args, retained_objects="refuse"))
    kept = version_keys(s3, name)
    removed = run_module(MODULE, dict(args, retained_objects="bypass_governance"))

    assert refused["failed"] is True
    assert "1 under GOVERNANCE retention until" in refused["msg"]
    assert kept == ["free", "locked"]
    assert removed["failed"] is False, removed
    assert not exists(s3, name)


def test_a_legal_hold_fails_the_delete_before_anything_is_deleted(run_module, s3, name):
    locked_bucket(run_module, s3, name, {"ObjectLockLegalHoldStatus": "ON"})

    result = run_module(MODULE, {"name": name, "state": "absent", "force": True})

    assert result["failed"] is True
    assert "1 under a legal hold" in result["msg"]
    assert version_keys(s3, name) == ["free", "locked"]
