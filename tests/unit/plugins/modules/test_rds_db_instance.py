"""payments.aws_platform.rds_db_instance against the emulator."""

import re

import boto3
import pytest

MODULE = "rds_db_instance"
CLIENT_ARGS = {
    "region_name": "us-east-1",
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
}


@pytest.fixture
def rds(emulator_url):
    return boto3.client("rds", endpoint_url=emulator_url, **CLIENT_ARGS)


@pytest.fixture
def key_arn(kms):
    return kms.create_key(Description="test stack key")["KeyMetadata"]["Arn"]


@pytest.fixture
def network(ec2, rds, unique_name):
    """A VPC with three subnets in three AZs, a DB subnet group over them and a security group."""
    vpc_id = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.50.{index}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for index, zone in enumerate("abc")
    ]
    group_name = f"{unique_name}-subnets"[:255].lower()
    rds.create_db_subnet_group(DBSubnetGroupName=group_name, DBSubnetGroupDescription="test", SubnetIds=subnet_ids)
    security_group_id = ec2.create_security_group(GroupName=f"{unique_name}-sg", Description="test", VpcId=vpc_id)[
        "GroupId"
    ]
    return {"subnet_group": group_name, "security_group_id": security_group_id, "vpc_id": vpc_id}


@pytest.fixture
def identifier(unique_name):
    """A valid DB instance identifier: a letter first, then letters, digits and single hyphens, at most 63."""
    return re.sub(r"-+", "-", "db-" + re.sub(r"[^a-z0-9]", "-", unique_name.lower()[-50:])).strip("-")


@pytest.fixture
def args(identifier, network, key_arn):
    return {
        "db_instance_identifier": identifier,
        "engine_version": "17",
        "db_instance_class": "db.t3.micro",
        "allocated_storage": 20,
        "max_allocated_storage": 100,
        "storage_type": "gp3",
        "kms_key_id": key_arn,
        "master_username": "payments_admin",
        "master_user_secret_kms_key_id": key_arn,
        "db_name": "payments",
        "port": 5432,
        "db_subnet_group_name": network["subnet_group"],
        "vpc_security_group_ids": [network["security_group_id"]],
        "publicly_accessible": False,
        "multi_az": False,
        "backup_retention_period": 3,
        "preferred_backup_window": "03:00-04:00",
        "preferred_maintenance_window": "sun:05:00-sun:06:00",
        "enable_cloudwatch_logs_exports": ["postgresql", "upgrade"],
        "deletion_protection": False,
        "enable_iam_database_authentication": True,
        "copy_tags_to_snapshot": True,
        "auto_minor_version_upgrade": True,
        "apply_immediately": True,
        "tags": {"Project": "payments", "Stack": "payments-test"},
    }


def described(rds, identifier):
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    except rds.exceptions.DBInstanceNotFoundFault:
        return None


def tags_of(instance):
    return {tag["Key"]: tag["Value"] for tag in instance.get("TagList", [])}


def test_check_mode_on_a_missing_instance_reports_the_create_and_writes_nothing(run_module, rds, args):
    result = run_module(MODULE, args, check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["preferred_maintenance_window"] == "sun:05:00-sun:06:00"
    assert result["diff"]["after"]["manage_master_user_password"] is True
    assert result["diff"]["after"]["storage_encrypted"] is True
    assert described(rds, args["db_instance_identifier"]) is None


def test_create_sets_every_setting_then_a_rerun_changes_nothing(run_module, rds, args, key_arn, network):
    created = run_module(MODULE, args)
    again = run_module(MODULE, args, diff=True)

    instance = described(rds, args["db_instance_identifier"])
    assert created["changed"] is True
    assert created["db_instance"]["db_instance_arn"] == instance["DBInstanceArn"]
    assert again["changed"] is False, again.get("diff")
    assert again["modifications"] == {}
    assert instance["Engine"] == "postgres"
    assert instance["StorageEncrypted"] is True
    assert instance["KmsKeyId"] == key_arn
    assert instance["MasterUserSecret"]["KmsKeyId"] == key_arn
    assert instance["MasterUserSecret"]["SecretArn"].startswith("arn:aws:secretsmanager:")
    assert instance["PubliclyAccessible"] is False
    assert instance["StorageType"] == "gp3"
    assert instance["MaxAllocatedStorage"] == 100
    assert instance["BackupRetentionPeriod"] == 3
    assert instance["PreferredBackupWindow"] == "03:00-04:00"
    assert instance["PreferredMaintenanceWindow"] == "sun:05:00-sun:06:00"
    assert sorted(instance["EnabledCloudwatchLogsExports"]) == ["postgresql", "upgrade"]
    assert instance["IAMDatabaseAuthenticationEnabled"] is True
    assert instance["CopyTagsToSnapshot"] is True
    assert instance["DBSubnetGroup"]["DBSubnetGroupName"] == network["subnet_group"]
    assert [group["VpcSecurityGroupId"] for group in instance["VpcSecurityGroups"]] == [network["security_group_id"]]
    assert tags_of(instance) == args["tags"]
    assert "master_user_password" not in created["db_instance"]
    assert "master_user_password" not in created["db_instance"].get("pending_modified_values", {})


def test_window_case_and_a_major_against_a_full_version_are_not_changes(run_module, rds, args):
    run_module(MODULE, dict(args, engine_version="17.4"))

    result = run_module(
        MODULE,
        dict(
            args,
            engine_version="17",
            preferred_maintenance_window="Sun:05:00-SUN:06:00",
            db_instance_class="db.t3.micro",
        ),
        diff=True,
    )

    assert described(rds, args["db_instance_identifier"])["EngineVersion"] == "17.4"
    assert result["changed"] is False, result.get("diff")


@pytest.mark.parametrize("check_mode", [True, False])
def test_drift_is_reported_and_only_fixed_outside_check_mode(run_module, rds, args, check_mode):
    run_module(MODULE, args)
    rds.modify_db_instance(
        DBInstanceIdentifier=args["db_instance_identifier"],
        BackupRetentionPeriod=5,
        CloudwatchLogsExportConfiguration={"DisableLogTypes": ["upgrade"]},
        ApplyImmediately=True,
    )

    result = run_module(MODULE, args, check_mode=check_mode, diff=True)

    instance = described(rds, args["db_instance_identifier"])
    assert result["changed"] is True
    assert result["modifications"]["BackupRetentionPeriod"] == 3
    assert result["modifications"]["CloudwatchLogsExportConfiguration"] == {"EnableLogTypes": ["upgrade"]}
    assert result["modifications"]["ApplyImmediately"] is True
    assert result["diff"]["before"]["backup_retention_period"] == 5
    assert result["diff"]["after"]["backup_retention_period"] == 3
    assert instance["BackupRetentionPeriod"] == (5 if check_mode else 3)
    assert sorted(instance["EnabledCloudwatchLogsExports"]) == (
        ["postgresql"] if check_mode else ["postgresql", "upgrade"]
    )


def test_unset_options_leave_the_instance_alone_and_wait_only_returns_the_endpoint(run_module, args):
    run_module(MODULE, args)

    result = run_module(MODULE, {"db_instance_identifier": args["db_instance_identifier"], "wait": True})

    assert result["changed"] is False
    assert result["db_instance"]["db_instance_status"] == "available"
    assert result["db_instance"]["endpoint"]["address"]
    assert result["db_instance"]["endpoint"]["port"] == 5432
    assert result["db_instance"]["master_user_secret"]["secret_arn"]


def test_waiting_for_a_missing_instance_says_what_a_create_needs(run_module, identifier):
    result = run_module(MODULE, {"db_instance_identifier": identifier, "wait": True})

    assert result["failed"] is True
    assert "does not exist" in result["msg"]
    assert "engine_version" in result["msg"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"db_name": "other"}, "db_name"),
        ({"master_username": "someone_else"}, "master_username"),
        ({"engine_version": "16"}, "engine_version"),
        ({"engine_version": "18"}, "allow_major_version_upgrade"),
    ],
)
def test_changes_that_need_a_new_instance_are_refused_without_a_write(run_module, rds, args, change, named):
    run_module(MODULE, dict(args, backup_retention_period=3))

    result = run_module(MODULE, dict(args, backup_retention_period=7, **change))

    assert result["failed"] is True
    assert named in result["msg"]
    assert described(rds, args["db_instance_identifier"])["BackupRetentionPeriod"] == 3


def test_a_different_storage_key_is_refused(run_module, args, kms):
    run_module(MODULE, args)
    other_key = kms.create_key()["KeyMetadata"]["Arn"]

    result = run_module(MODULE, dict(args, kms_key_id=other_key))

    assert result["failed"] is True
    assert "kms_key_id" in result["msg"]
    assert "new instance" in result["msg"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"preferred_maintenance_window": "sun:03:30-sun:04:30"}, "overlaps"),
        ({"preferred_maintenance_window": "sun:04:00-sun:05:00"}, "only 0 minutes"),
        ({"preferred_backup_window": "3-4"}, "preferred_backup_window"),
        ({"preferred_maintenance_window": "sunday"}, "preferred_maintenance_window"),
        ({"db_instance_class": "t3.micro"}, "db_instance_class"),
        ({"backup_retention_period": 36}, "backup_retention_period"),
        ({"max_allocated_storage": 10}, "max_allocated_storage"),
        ({"engine_version": "seventeen"}, "engine_version"),
        ({"kms_key_id": "alias/payments-dev-data"}, "kms_key_id"),
        ({"performance_insights_retention_period": 30}, "performance_insights_retention_period"),
    ],
)
def test_bad_options_fail_before_any_aws_call(run_module, rds, args, change, named):
    result = run_module(MODULE, dict(args, **change))

    assert result["failed"] is True
    assert named in result["msg"]
    assert described(rds, args["db_instance_identifier"]) is None


def test_one_window_is_checked_against_the_instances_other_window(run_module, rds, args):
    run_module(MODULE, args)

    result = run_module(
        MODULE, {"db_instance_identifier": args["db_instance_identifier"], "preferred_backup_window": "05:15-05:45"}
    )

    assert result["failed"] is True
    assert "preferred_maintenance_window sun:05:00-sun:06:00" in result["msg"]
    assert described(rds, args["db_instance_identifier"])["PreferredBackupWindow"] == "03:00-04:00"


@pytest.mark.parametrize(("purge", "expected"), [(True, {"new": "2"}), (False, {"old": "1", "new": "2"})])
def test_tags_are_replaced_or_merged(run_module, rds, args, purge, expected):
    run_module(MODULE, dict(args, tags={"old": "1"}))

    result = run_module(
        MODULE, {"db_instance_identifier": args["db_instance_identifier"], "tags": {"new": "2"}, "purge_tags": purge}
    )

    assert result["changed"] is True
    assert result["modifications"] == {}
    assert tags_of(described(rds, args["db_instance_identifier"])) == expected


def test_an_instance_without_a_managed_password_gets_one(run_module, rds, args, key_arn, network):
    rds.create_db_instance(
        DBInstanceIdentifier=args["db_instance_identifier"],
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        EngineVersion="17",
        AllocatedStorage=20,
        MasterUsername="payments_admin",
        MasterUserPassword="not-a-real-password-1",
        StorageEncrypted=True,
        KmsKeyId=key_arn,
        DBSubnetGroupName=network["subnet_group"],
    )

    plan = run_module(
        MODULE,
        {"db_instance_identifier": args["db_instance_identifier"], "master_user_secret_kms_key_id": key_arn},
        check_mode=True,
    )
    done = run_module(
        MODULE, {"db_instance_identifier": args["db_instance_identifier"], "master_user_secret_kms_key_id": key_arn}
    )

    assert plan["modifications"]["ManageMasterUserPassword"] is True
    assert plan["modifications"]["MasterUserSecretKmsKeyId"] == key_arn
    assert done["changed"] is True
    assert described(rds, args["db_instance_identifier"])["MasterUserSecret"]["KmsKeyId"] == key_arn


def test_absent_keeps_a_final_snapshot_when_asked_and_deletes_once(run_module, rds, args):
    assert run_module(MODULE, args)["changed"] is True
    snapshot = f"{args['db_instance_identifier']}-final"

    first = run_module(
        MODULE,
        {
            "db_instance_identifier": args["db_instance_identifier"],
            "state": "absent",
            "final_snapshot_identifier": snapshot,
        },
    )
    second = run_module(MODULE, {"db_instance_identifier": args["db_instance_identifier"], "state": "absent"})

    assert first["changed"] is True, first
    assert second["changed"] is False
    assert described(rds, args["db_instance_identifier"]) is None
    snapshots = rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot)["DBSnapshots"]
    assert [item["DBSnapshotIdentifier"] for item in snapshots] == [snapshot]


def test_absent_refuses_while_deletion_protection_is_on(run_module, rds, args):
    run_module(MODULE, dict(args, deletion_protection=True))

    result = run_module(MODULE, {"db_instance_identifier": args["db_instance_identifier"], "state": "absent"})
    run_module(MODULE, dict(args, deletion_protection=False))  # let the emulator's state go

    assert result["failed"] is True
    assert "deletion_protection" in result["msg"]
    assert described(rds, args["db_instance_identifier"]) is not None


def test_absent_in_check_mode_deletes_nothing(run_module, rds, args):
    run_module(MODULE, args)

    result = run_module(
        MODULE, {"db_instance_identifier": args["db_instance_identifier"], "state": "absent"}, check_mode=True
    )

    assert result["changed"] is True
    assert described(rds, args["db_instance_identifier"]) is not None


MONITORING_ROLE = "arn:aws:iam::123456789012:role/test-payments-rds-monitoring-role"
OTHER_MONITORING_ROLE = "arn:aws:iam::123456789012:role/other-rds-monitoring-role"


def monitoring_of(instance):
    return instance.get("MonitoringInterval"), instance.get("MonitoringRoleArn")


def test_create_with_enhanced_monitoring_then_a_rerun_changes_nothing(run_module, rds, args):
    monitored = dict(args, monitoring_interval=60, monitoring_role_arn=MONITORING_ROLE)

    created = run_module(MODULE, monitored)
    again = run_module(MODULE, monitored, diff=True)

    instance = described(rds, args["db_instance_identifier"])
    assert created["changed"] is True
    assert monitoring_of(instance) == (60, MONITORING_ROLE)
    assert created["db_instance"]["monitoring_interval"] == 60
    assert created["db_instance"]["monitoring_role_arn"] == MONITORING_ROLE
    assert again["changed"] is False, again.get("diff")
    assert again["modifications"] == {}
    assert again["settings"]["monitoring_interval"] == 60


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_new_monitoring_interval_or_role_is_modified_in_place_and_check_mode_writes_nothing(
    run_module, rds, args, check_mode
):
    run_module(MODULE, dict(args, monitoring_interval=60, monitoring_role_arn=MONITORING_ROLE))

    result = run_module(
        MODULE,
        dict(args, monitoring_interval=30, monitoring_role_arn=OTHER_MONITORING_ROLE),
        check_mode=check_mode,
        diff=True,
    )
    rerun = run_module(MODULE, dict(args, monitoring_interval=30, monitoring_role_arn=OTHER_MONITORING_ROLE))

    assert result["changed"] is True
    assert result["modifications"]["MonitoringInterval"] == 30
    assert result["modifications"]["MonitoringRoleArn"] == OTHER_MONITORING_ROLE
    assert result["diff"]["before"]["monitoring_interval"] == 60
    assert result["diff"]["after"]["monitoring_interval"] == 30
    if check_mode:
        assert rerun["changed"] is True  # the plan changed nothing: the real run still has the change to make
    else:
        assert rerun["changed"] is False, rerun.get("diff")
    assert monitoring_of(described(rds, args["db_instance_identifier"])) == (30, OTHER_MONITORING_ROLE)


def test_check_mode_leaves_the_monitoring_interval_as_it_is(run_module, rds, args):
    run_module(MODULE, dict(args, monitoring_interval=60, monitoring_role_arn=MONITORING_ROLE))

    result = run_module(MODULE, dict(args, monitoring_interval=5, monitoring_role_arn=MONITORING_ROLE), check_mode=True)

    assert result["changed"] is True
    assert result["modifications"]["MonitoringInterval"] == 5
    assert monitoring_of(described(rds, args["db_instance_identifier"])) == (60, MONITORING_ROLE)


def test_monitoring_is_turned_on_for_an_instance_without_it_and_off_again(run_module, rds, args):
    run_module(MODULE, args)
    assert described(rds, args["db_instance_identifier"])["MonitoringInterval"] == 0

    turned_on = run_module(MODULE, dict(args, monitoring_interval=15, monitoring_role_arn=MONITORING_ROLE))
    turned_off = run_module(MODULE, dict(args, monitoring_interval=0))
    off_again = run_module(MODULE, dict(args, monitoring_interval=0))

    assert turned_on["modifications"]["MonitoringInterval"] == 15
    assert turned_on["modifications"]["MonitoringRoleArn"] == MONITORING_ROLE
    assert turned_off["changed"] is True
    assert turned_off["modifications"] == {"MonitoringInterval": 0, "ApplyImmediately": True}
    assert off_again["changed"] is False, off_again.get("diff")
    assert described(rds, args["db_instance_identifier"])["MonitoringInterval"] == 0


def test_unset_monitoring_options_leave_monitoring_alone(run_module, rds, args):
    run_module(MODULE, dict(args, monitoring_interval=60, monitoring_role_arn=MONITORING_ROLE))

    result = run_module(
        MODULE, {"db_instance_identifier": args["db_instance_identifier"], "backup_retention_period": 3}
    )

    assert result["changed"] is False
    assert monitoring_of(described(rds, args["db_instance_identifier"])) == (60, MONITORING_ROLE)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"monitoring_interval": 60}, "monitoring_role_arn is required when monitoring_interval is more than 0"),
        ({"monitoring_interval": 0, "monitoring_role_arn": MONITORING_ROLE}, "monitoring_role_arn applies only"),
        ({"monitoring_interval": 60, "monitoring_role_arn": "dev-payments-rds-monitoring-role"}, "IAM role ARN"),
        ({"monitoring_interval": 7, "monitoring_role_arn": MONITORING_ROLE}, "monitoring_interval"),
    ],
)
def test_bad_monitoring_options_fail_before_any_aws_call(run_module, rds, args, change, named):
    result = run_module(MODULE, dict(args, **change))

    assert result["failed"] is True
    assert named in result["msg"]
    assert described(rds, args["db_instance_identifier"]) is None


def test_an_interval_without_a_role_on_an_existing_instance_fails_and_changes_nothing(run_module, rds, args):
    run_module(MODULE, args)

    result = run_module(MODULE, {"db_instance_identifier": args["db_instance_identifier"], "monitoring_interval": 60})

    assert result["failed"] is True
    assert "monitoring_role_arn" in result["msg"]
    assert described(rds, args["db_instance_identifier"])["MonitoringInterval"] == 0


# Issue 20, items 2 and 6: AWS-shaped answers through botocore's Stubber (the emulator only ever reports `available`,
# and applies every modification at once), and exactly what the module sends.

ARN = "arn:aws:rds:us-east-1:123456789012:db:payments-dev-db"
ENDPOINT = {"Address": "payments-dev-db.abcdefghijkl.us-east-1.rds.amazonaws.com", "Port": 5432}


def aws_instance(status="available", **fields):
    instance = {
        "DBInstanceIdentifier": "payments-dev-db",
        "DBInstanceArn": ARN,
        "DBInstanceStatus": status,
        "Engine": "postgres",
        "EngineVersion": "17.4",
        "DBInstanceClass": "db.t3.micro",
        "StorageEncrypted": True,
        "AllocatedStorage": 20,
        "BackupRetentionPeriod": 3,
        "DeletionProtection": False,
        "PendingModifiedValues": {},
        "TagList": [],
    }
    if status not in ("creating",):
        instance["Endpoint"] = ENDPOINT
    instance.update(fields)
    return {"DBInstances": [instance]}


@pytest.fixture
def stubbed_rds():
    from botocore.stub import Stubber

    client = boto3.client("rds", **CLIENT_ARGS)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def fast_waits(monkeypatch):
    """The module's waiter without its 15 s delay."""
    from ansible_collections.payments.aws_platform.plugins.module_utils import rds as rds_utils

    original = rds_utils.wait_until_ready
    monkeypatch.setattr(
        rds_utils,
        "wait_until_ready",
        lambda client, identifier, timeout, delay=15: original(client, identifier, timeout=5, delay=0),
    )


WAIT = {"db_instance_identifier": "payments-dev-db", "wait": True}


@pytest.mark.parametrize("status", ["backing-up", "storage-optimization", "configuring-enhanced-monitoring"])
def test_wait_returns_at_once_on_a_ready_state(run_module_stubbed, stubbed_rds, status):
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_instances", aws_instance(status), {"DBInstanceIdentifier": "payments-dev-db"})

    result = run_module_stubbed(MODULE, WAIT, client)

    assert result["failed"] is False, result
    assert result["changed"] is False
    assert result["ready"] is True
    assert result["db_instance"]["endpoint"]["address"] == ENDPOINT["Address"]


@pytest.mark.parametrize("status", ["creating", "modifying"])
def test_wait_waits_on_creating_and_modifying(run_module_stubbed, stubbed_rds, monkeypatch, status):
    fast_waits(monkeypatch)
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_instances", aws_instance(status))  # ensure_present's read
    stubber.add_response("describe_db_instances", aws_instance(status))  # the waiter, twice
    stubber.add_response("describe_db_instances", aws_instance(status))
    stubber.add_response("describe_db_instances", aws_instance("backing-up"))
    stubber.add_response("describe_db_instances", aws_instance("backing-up"))  # the answer returned

    result = run_module_stubbed(MODULE, WAIT, client)

    assert result["failed"] is False, result
    assert result["ready"] is True
    assert result["db_instance"]["db_instance_status"] == "backing-up"


@pytest.mark.parametrize(
    ("status", "meaning"),
    [
        ("failed", "RDS cannot recover it: restore it from a snapshot"),
        ("incompatible-parameters", "its DB parameter group has values the instance cannot start with"),
    ],
)
def test_wait_fails_at_once_on_a_state_rds_does_not_leave(run_module_stubbed, stubbed_rds, status, meaning):
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_instances", aws_instance(status))  # ensure_present's read
    stubber.add_response("describe_db_instances", aws_instance(status))  # the waiter: terminal at once
    stubber.add_response("describe_db_instances", aws_instance(status))  # read for the message

    result = run_module_stubbed(MODULE, WAIT, client)

    assert result["failed"] is True
    assert f"DB instance payments-dev-db is {status}, a state RDS does not leave by itself" in result["msg"]
    assert meaning in result["msg"]


@pytest.mark.parametrize("status", ["failed", "incompatible-parameters"])
def test_a_modification_of_a_stuck_instance_is_refused_without_a_write(run_module_stubbed, stubbed_rds, status):
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_instances", aws_instance(status))

    result = run_module_stubbed(
        MODULE, {"db_instance_identifier": "payments-dev-db", "backup_retention_period": 7}, client
    )

    assert result["failed"] is True
    assert f"is {status}" in result["msg"]


@pytest.mark.parametrize("status", ["backing-up", "storage-optimization", "configuring-log-exports"])
@pytest.mark.parametrize("apply_immediately", [True, False])
def test_modify_db_instance_carries_apply_immediately_in_a_ready_state(
    run_module_stubbed, stubbed_rds, status, apply_immediately
):
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_instances", aws_instance(status))
    stubber.add_response(
        "modify_db_instance",
        {"DBInstance": aws_instance(status)["DBInstances"][0]},
        {"DBInstanceIdentifier": "payments-dev-db", "BackupRetentionPeriod": 7, "ApplyImmediately": apply_immediately},
    )
    stubber.add_response("describe_db_instances", aws_instance(status))

    result = run_module_stubbed(
        MODULE,
        {
            "db_instance_identifier": "payments-dev-db",
            "backup_retention_period": 7,
            "apply_immediately": apply_immediately,
        },
        client,
    )

    assert result["failed"] is False, result
    assert result["modifications"] == {"BackupRetentionPeriod": 7, "ApplyImmediately": apply_immediately}


def test_a_storage_change_during_storage_optimization_is_refused_without_a_write(run_module_stubbed, stubbed_rds):
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_instances", aws_instance("storage-optimization"))

    result = run_module_stubbed(MODULE, {"db_instance_identifier": "payments-dev-db", "allocated_storage": 40}, client)

    assert result["failed"] is True
    assert "storage-optimization" in result["msg"]
    assert "AllocatedStorage" in result["msg"]


def test_the_destroys_deletion_protection_change_leaves_queued_modifications_queued(run_module_stubbed, stubbed_rds):
    """roles/rds_kms/tasks/absent.yml: deletion_protection false with apply_immediately false sends exactly
    DeletionProtection=False and ApplyImmediately=False (AWS applies DeletionProtection at once whatever
    ApplyImmediately says; true would also apply the queued class change right before the delete)."""
    client, stubber = stubbed_rds
    queued = {"DBInstanceClass": "db.r6g.xlarge"}
    stubber.add_response("describe_db_instances", aws_instance(DeletionProtection=True, PendingModifiedValues=queued))
    stubber.add_response(
        "modify_db_instance",
        {"DBInstance": aws_instance(PendingModifiedValues=queued)["DBInstances"][0]},
        {"DBInstanceIdentifier": "payments-dev-db", "DeletionProtection": False, "ApplyImmediately": False},
    )
    stubber.add_response("describe_db_instances", aws_instance(PendingModifiedValues=queued))

    result = run_module_stubbed(
        MODULE,
        {"db_instance_identifier": "payments-dev-db", "deletion_protection": False, "apply_immediately": False},
        client,
    )

    assert result["failed"] is False, result
    assert result["modifications"] == {"DeletionProtection": False, "ApplyImmediately": False}


def test_deletion_protection_turned_off_without_apply_immediately_on_the_emulator(run_module, rds, args):
    """The emulator too lets the delete through after that modification."""
    run_module(MODULE, dict(args, deletion_protection=True))

    turned_off = run_module(
        MODULE,
        {
            "db_instance_identifier": args["db_instance_identifier"],
            "deletion_protection": False,
            "apply_immediately": False,
        },
    )
    deleted = run_module(MODULE, {"db_instance_identifier": args["db_instance_identifier"], "state": "absent"})

    assert turned_off["modifications"] == {"DeletionProtection": False, "ApplyImmediately": False}
    assert deleted["changed"] is True, deleted
    assert described(rds, args["db_instance_identifier"]) is None
