#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: rds_db_instance
short_description: Manage one RDS for PostgreSQL DB instance whose master password RDS keeps in Secrets Manager
version_added: 0.1.0
description:
  - Creates, modifies or deletes one RDS for PostgreSQL DB instance, with exactly the settings the payments
    stack uses, and its tags.
  - Replaces M(amazon.aws.rds_instance) in this collection, which cannot have RDS manage the master password
    in Secrets Manager with a customer-managed key, and reports changes it does not make (maintenance window
    day case, engine major against full version, defaults).
  - The master password is never an option. RDS generates it and keeps it in a Secrets Manager secret
    (C(ManageMasterUserPassword)), encrypted with I(master_user_secret_kms_key_id).
  - Storage is always encrypted (with I(kms_key_id), or the account's C(aws/rds) key when unset).
  - Every option left unset leaves that setting as it is on an existing instance. Settings are normalised
    before they are compared (window case, a major such as C(17) against the running C(17.4), pending
    modifications, security group order), so a converged instance reports no change.
  - Settings RDS cannot change in place (engine, storage KMS key, database name, master user name, the KMS
    key of an existing managed secret or of Performance Insights, a lower major version) are refused
    before any write, with a message naming them; they need a new instance.
  - The backup and maintenance windows are checked before any AWS call, including the gap between them
    (I(window_gap_minutes)), over midnight and over the end of the week.
  - By default a create only starts; the module returns while RDS builds the instance (I(wait=false)).
    Run it again with only I(db_instance_identifier) and I(wait=true) to wait until the instance is
    ready (see I(wait)), which changes nothing.
  - Check mode reads everything and reports the real change, with the ModifyDBInstance arguments it would
    send in C(modifications); C(--diff) shows the settings before and after.
author:
  - Payments platform team (!UNKNOWN)
options:
  db_instance_identifier:
    description: The DB instance identifier.
    type: str
    required: true
    aliases: [id]
  state:
    description: Whether the DB instance should exist.
    type: str
    choices: [present, absent]
    default: present
  engine:
    description: The engine; only PostgreSQL is managed by this module.
    type: str
    choices: [postgres]
    default: postgres
  engine_version:
    description:
      - A major version such as C(17) (RDS picks its default minor, and any minor of that major matches
        later) or a full version such as C(17.4).
      - Required to create. A lower version of the same major than the running one (after an automatic
        minor upgrade) is left alone with a warning.
    type: str
  allow_major_version_upgrade:
    description: Allow a higher major version than the running one (an in-place major upgrade).
    type: bool
    default: false
  db_instance_class:
    description: The instance class, such as C(db.t3.micro). Required to create.
    type: str
  allocated_storage:
    description:
      - Storage in GiB. Required to create. A value below the current size is not a change (storage
        autoscaling grows it, and RDS never shrinks it).
    type: int
  max_allocated_storage:
    description: The ceiling of storage autoscaling, in GiB; at least I(allocated_storage).
    type: int
  storage_type:
    description: The storage type. A create without it uses C(gp3).
    type: str
    choices: [gp2, gp3, io1, io2]
  kms_key_id:
    description:
      - ARN or id of the KMS key that encrypts the storage (not an alias). Unset on create uses the account's
        C(aws/rds) key. Cannot change once the instance exists.
    type: str
  master_username:
    description: The master user name. Required to create; cannot change.
    type: str
  master_user_secret_kms_key_id:
    description:
      - ARN or id of the KMS key that encrypts the Secrets Manager secret RDS keeps the master password in.
      - Set on an instance whose password RDS does not manage yet, RDS starts managing it with this key.
        The key of an existing managed secret cannot change.
    type: str
  db_name:
    description: The database created with the instance. Cannot change.
    type: str
  port:
    description: The port the instance listens on.
    type: int
  db_subnet_group_name:
    description: The DB subnet group (and so the VPC and subnets) of the instance.
    type: str
  vpc_security_group_ids:
    description: The VPC security groups of the instance (the list replaces the current one).
    type: list
    elements: str
  publicly_accessible:
    description: Whether the instance has a public address. A create without it makes a private instance.
    type: bool
  multi_az:
    description: Whether the instance has a standby in another AZ.
    type: bool
  backup_retention_period:
    description: Days automated backups are kept, 0 (no backups) to 35.
    type: int
  preferred_backup_window:
    description: The daily backup window, C(hh24:mi-hh24:mi) in UTC, at least 30 minutes.
    type: str
  preferred_maintenance_window:
    description: The weekly maintenance window, C(ddd:hh24:mi-ddd:hh24:mi) in UTC (any case), at least 30 minutes.
    type: str
  window_gap_minutes:
    description:
      - The fewest minutes allowed between any day's backup window and the maintenance window. Windows are
        half-open intervals, so C(0) allows windows that touch (AWS itself refuses those).
    type: int
    default: 30
  enable_cloudwatch_logs_exports:
    description: The logs exported to CloudWatch Logs (the list replaces the current one).
    type: list
    elements: str
    choices: [postgresql, upgrade, iam-db-auth-error]
  deletion_protection:
    description: Whether RDS refuses to delete the instance.
    type: bool
  enable_performance_insights:
    description: Whether Performance Insights is on.
    type: bool
  performance_insights_kms_key_id:
    description: ARN or id of the KMS key that encrypts Performance Insights data; cannot change once set.
    type: str
  performance_insights_retention_period:
    description: Days Performance Insights keeps data; C(7), a multiple of 31 up to C(713), or C(731).
    type: int
  monitoring_interval:
    description:
      - Enhanced Monitoring, the seconds between the OS metrics RDS sends to CloudWatch Logs; C(0) turns it off.
      - RDS applies a change at once, whatever I(apply_immediately) says.
    type: int
    choices: [0, 1, 5, 10, 15, 30, 60]
  monitoring_role_arn:
    description:
      - ARN of the IAM role RDS publishes Enhanced Monitoring metrics with (assumable by
        C(monitoring.rds.amazonaws.com), with the AWS managed policy C(AmazonRDSEnhancedMonitoringRole)).
      - Required when I(monitoring_interval) is more than C(0); not allowed with C(0).
      - A role made just before may not reach RDS for a few seconds on AWS; the create or modification is
        retried (for about a minute at most) while RDS answers that the role is invalid for C(ENHANCED_MONITORING).
    type: str
  enable_iam_database_authentication:
    description: Whether IAM database authentication is on.
    type: bool
  copy_tags_to_snapshot:
    description: Whether snapshots get the instance's tags.
    type: bool
  auto_minor_version_upgrade:
    description: Whether RDS applies minor engine upgrades in the maintenance window.
    type: bool
  apply_immediately:
    description:
      - Apply modifications now rather than in the next maintenance window (C(ApplyImmediately), sent with every
        modification). V(true) applies the modifications already pending as well. Changes RDS holds as pending
        count as made, so a rerun does not report them again.
      - Some settings apply at once whatever it says (C(DeletionProtection), C(MonitoringInterval)), so a modification
        of only those with V(false) leaves any pending modification queued.
    type: bool
    default: false
  wait:
    description:
      - Wait until the instance is ready (after a create or a modification, or just now), or deleted.
      - Ready means it serves at a known endpoint and takes a modification - C(available), C(backing-up),
        C(storage-optimization), C(configuring-enhanced-monitoring), C(configuring-log-exports) or
        C(configuring-iam-database-auth) (botocore's C(db_instance_available) waiter accepts only C(available)).
        Other states (C(creating), C(modifying)...) are waited for; one RDS does not leave by itself (C(failed),
        C(incompatible-parameters), C(storage-full), C(stopped)...) fails at once with what it means.
      - Not in check mode.
    type: bool
    default: false
  wait_timeout:
    description: How many seconds to wait at most.
    type: int
    default: 3600
  final_snapshot_identifier:
    description:
      - With I(state=absent), the name of the snapshot RDS takes before deleting the instance. Unset deletes
        without a final snapshot.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Start creating the database (returns at once)
  payments.aws_platform.rds_db_instance:
    db_instance_identifier: payments-dev-db
    engine_version: "17"
    db_instance_class: db.t3.micro
    allocated_storage: 20
    max_allocated_storage: 100
    storage_type: gp3
    kms_key_id: "{{ key_arn }}"
    master_username: payments_admin
    master_user_secret_kms_key_id: "{{ key_arn }}"
    db_name: payments
    db_subnet_group_name: payments-dev-db-subnets
    vpc_security_group_ids: ["{{ rds_sg_id }}"]
    publicly_accessible: false
    multi_az: false
    backup_retention_period: 3
    preferred_backup_window: "03:00-04:00"
    preferred_maintenance_window: "sun:05:00-sun:06:00"
    enable_cloudwatch_logs_exports: [postgresql, upgrade]
    deletion_protection: false
    enable_iam_database_authentication: true
    copy_tags_to_snapshot: true
    monitoring_interval: 60
    monitoring_role_arn: arn:aws:iam::123456789012:role/dev-payments-rds-monitoring-role
    tags:
      Project: payments

- name: Later, wait until it is ready (changes nothing)
  payments.aws_platform.rds_db_instance:
    db_instance_identifier: payments-dev-db
    wait: true
    wait_timeout: 3600
  register: db

- name: Delete it, keeping a final snapshot
  payments.aws_platform.rds_db_instance:
    db_instance_identifier: payments-prod-db
    state: absent
    final_snapshot_identifier: payments-prod-db-final
"""

RETURN = r"""
db_instance:
  description:
    - The instance as DescribeDBInstances answers it (in check mode, as it is now), snake_cased, tags as a
      dict; {} when absent. No password is ever part of it.
  returned: always
  type: dict
  contains:
    db_instance_identifier:
      description: The identifier.
      type: str
      sample: payments-dev-db
    db_instance_arn:
      description: The ARN.
      type: str
    db_instance_status:
      description: The status, such as C(creating) or C(available).
      type: str
    endpoint:
      description: C(address) and C(port); absent until RDS has made the instance.
      type: dict
    engine_version:
      description: The full engine version.
      type: str
      sample: "17.4"
    master_user_secret:
      description: C(secret_arn), C(secret_status) and C(kms_key_id) of the secret that holds the password.
      type: dict
    monitoring_interval:
      description: Seconds between Enhanced Monitoring samples; C(0) when it is off.
      type: int
      sample: 60
    monitoring_role_arn:
      description: The role Enhanced Monitoring publishes with; absent when it was never on.
      type: str
      sample: arn:aws:iam::123456789012:role/dev-payments-rds-monitoring-role
    tags:
      description: The tags, as a dict.
      type: dict
settings:
  description:
    - The instance's settings named as this module's options, normalised, after the change (as predicted in
      check mode).
  returned: when state is present
  type: dict
modifications:
  description: The ModifyDBInstance arguments sent (in check mode, that would be sent); {} when none.
  returned: when state is present
  type: dict
ready:
  description:
    - Whether the instance serves at a known endpoint and takes a modification (see O(wait)), as last read.
  returned: when state is present
  type: bool
diff:
  description: The settings and tags before and after.
  returned: when diff mode is on
  type: dict
"""

import datetime
import re

try:
    from botocore.exceptions import WaiterError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import rds
from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_dict
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_list

INSTANCE_CLASS = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")
ENGINE_VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*$")
MONITORING_ROLE_ARN = re.compile(r"^arn:[a-z-]+:iam::[0-9]{12}:role/.+$")
PERFORMANCE_INSIGHTS_RETENTION = [7, 731] + [31 * months for months in range(1, 24)]
MONITORING_INTERVALS = [0, 1, 5, 10, 15, 30, 60]
# Options that only matter to a create; the rest are settings compared with the instance.
CREATE_REQUIRED = ("engine_version", "db_instance_class", "allocated_storage", "master_username")
# Settings RDS changes in place, and the ModifyDBInstance argument for each.
MODIFIABLE = {
    "db_instance_class": "DBInstanceClass",
    "max_allocated_storage": "MaxAllocatedStorage",
    "storage_type": "StorageType",
    "port": "DBPortNumber",
    "db_subnet_group_name": "DBSubnetGroupName",
    "vpc_security_group_ids": "VpcSecurityGroupIds",
    "publicly_accessible": "PubliclyAccessible",
    "multi_az": "MultiAZ",
    "backup_retention_period": "BackupRetentionPeriod",
    "preferred_backup_window": "PreferredBackupWindow",
    "preferred_maintenance_window": "PreferredMaintenanceWindow",
    "deletion_protection": "DeletionProtection",
    "enable_iam_database_authentication": "EnableIAMDatabaseAuthentication",
    "copy_tags_to_snapshot": "CopyTagsToSnapshot",
    "auto_minor_version_upgrade": "AutoMinorVersionUpgrade",
}
# Settings fixed at creation: a different value needs a new instance.
FIXED = ("engine", "kms_key_id", "master_username", "db_name")
KMS_KEY_SETTINGS = ("kms_key_id", "master_user_secret_kms_key_id", "performance_insights_kms_key_id")


def argument_spec():
    return dict(
        db_instance_identifier=dict(type="str", required=True, aliases=["id"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        engine=dict(type="str", default="postgres", choices=["postgres"]),
        engine_version=dict(type="str"),
        allow_major_version_upgrade=dict(type="bool", default=False),
        db_instance_class=dict(type="str"),
        allocated_storage=dict(type="int"),
        max_allocated_storage=dict(type="int"),
        storage_type=dict(type="str", choices=["gp2", "gp3", "io1", "io2"]),
        kms_key_id=dict(type="str", no_log=False),
        master_username=dict(type="str"),
        master_user_secret_kms_key_id=dict(type="str", no_log=False),
        db_name=dict(type="str"),
        port=dict(type="int"),
        db_subnet_group_name=dict(type="str"),
        vpc_security_group_ids=dict(type="list", elements="str"),
        publicly_accessible=dict(type="bool"),
        multi_az=dict(type="bool"),
        backup_retention_period=dict(type="int"),
        preferred_backup_window=dict(type="str"),
        preferred_maintenance_window=dict(type="str"),
        window_gap_minutes=dict(type="int", default=rds.DEFAULT_GAP_MINUTES),
        enable_cloudwatch_logs_exports=dict(
            type="list", elements="str", choices=["postgresql", "upgrade", "iam-db-auth-error"]
        ),
        deletion_protection=dict(type="bool"),
        enable_performance_insights=dict(type="bool"),
        performance_insights_kms_key_id=dict(type="str", no_log=False),
        performance_insights_retention_period=dict(type="int"),
        monitoring_interval=dict(type="int", choices=MONITORING_INTERVALS),
        monitoring_role_arn=dict(type="str"),
        enable_iam_database_authentication=dict(type="bool"),
        copy_tags_to_snapshot=dict(type="bool"),
        auto_minor_version_upgrade=dict(type="bool"),
        apply_immediately=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=3600),
        final_snapshot_identifier=dict(type="str"),
    )


# Checks made before any AWS call


def input_problems(params):
    """Every reason the options cannot be used, as messages naming the options."""
    problems = []
    if params["db_instance_class"] is not None and not INSTANCE_CLASS.match(params["db_instance_class"]):
        problems.append(f"db_instance_class must look like db.t3.micro (got {params['db_instance_class']!r})")
    if params["engine_version"] is not None and not ENGINE_VERSION.match(params["engine_version"]):
        problems.append(
            f"engine_version must be a major such as 17 or a version such as 17.4 (got {params['engine_version']!r})"
        )
    if params["backup_retention_period"] is not None and not 0 <= params["backup_retention_period"] <= 35:
        problems.append(f"backup_retention_period must be 0 to 35 (got {params['backup_retention_period']})")
    for option in ("allocated_storage", "max_allocated_storage"):
        if params[option] is not None and params[option] < 1:
            problems.append(f"{option} must be a positive number of GiB (got {params[option]})")
    if (
        params["allocated_storage"] is not None
        and params["max_allocated_storage"] is not None
        and params["max_allocated_storage"] < params["allocated_storage"]
    ):
        problems.append(
            f"max_allocated_storage ({params['max_allocated_storage']}) must be at least "
            f"allocated_storage ({params['allocated_storage']})"
        )
    retention = params["performance_insights_retention_period"]
    if retention is not None and retention not in PERFORMANCE_INSIGHTS_RETENTION:
        problems.append(
            f"performance_insights_retention_period must be 7, a multiple of 31 up to 713, or 731 (got {retention})"
        )
    interval, role_arn = params["monitoring_interval"], params["monitoring_role_arn"]
    if interval and not role_arn:
        problems.append(f"monitoring_role_arn is required when monitoring_interval is more than 0 (got {interval})")
    if interval == 0 and role_arn:
        problems.append("monitoring_role_arn applies only when monitoring_interval is more than 0 (got 0: off)")
    if role_arn and not MONITORING_ROLE_ARN.match(role_arn):
        problems.append(f"monitoring_role_arn must be an IAM role ARN (got {role_arn!r})")
    for option in KMS_KEY_SETTINGS:
        if params[option] and "alias/" in params[option]:
            problems.append(f"{option} must be a KMS key ARN or id, not an alias (got {params[option]!r})")
    problems.extend(window_problems(params["preferred_backup_window"], params["preferred_maintenance_window"], params))
    return problems


def window_problems(backup_window, maintenance_window, params):
    """The windows' problems; a window left unset is checked alone (against the instance's later)."""
    names = {"backup_name": "preferred_backup_window", "maintenance_name": "preferred_maintenance_window"}
    if backup_window is not None and maintenance_window is not None:
        return rds.window_conflicts(backup_window, maintenance_window, params["window_gap_minutes"], **names)
    problems = []
    for parse, window, name in (
        (rds.parse_backup_window, backup_window, names["backup_name"]),
        (rds.parse_maintenance_window, maintenance_window, names["maintenance_name"]),
    ):
        if window is not None:
            try:
                parse(window, name)
            except rds.WindowError as e:
                problems.append(str(e))
    return problems


# The instance as settings


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def instance_result(instance):
    if not instance:
        return {}
    result = camel_dict_to_snake_dict(_jsonable(instance), ignore_list=["TagList"])
    result.pop("tag_list", None)
    result["tags"] = tags_to_dict(instance.get("TagList"))
    return result


def current_settings(instance):
    """The instance's settings named as this module's options, normalised, with its pending
    modifications applied. A value RDS does not report is None: it is not compared."""
    future = rds.with_pending_changes(instance)
    secret = future.get("MasterUserSecret") or {}
    security_groups = [
        group["VpcSecurityGroupId"]
        for group in future.get("VpcSecurityGroups") or []
        if group.get("Status") not in ("removing", "inactive")
    ]
    return {
        "engine": future.get("Engine"),
        "engine_version": future.get("EngineVersion"),
        "db_instance_class": (future.get("DBInstanceClass") or "").lower() or None,
        "allocated_storage": future.get("AllocatedStorage"),
        "max_allocated_storage": future.get("MaxAllocatedStorage"),
        "storage_type": future.get("StorageType"),
        "storage_encrypted": bool(future.get("StorageEncrypted")),
        "kms_key_id": future.get("KmsKeyId"),
        "master_username": future.get("MasterUsername"),
        "manage_master_user_password": bool(secret.get("SecretArn")),
        "master_user_secret_kms_key_id": secret.get("KmsKeyId"),
        "db_name": future.get("DBName"),
        "port": (future.get("Endpoint") or {}).get("Port") or future.get("DbInstancePort") or None,
        "db_subnet_group_name": (future.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
        "vpc_security_group_ids": sorted(security_groups),
        "publicly_accessible": future.get("PubliclyAccessible"),
        "multi_az": future.get("MultiAZ"),
        "backup_retention_period": future.get("BackupRetentionPeriod"),
        "preferred_backup_window": rds.normalize_backup_window(future.get("PreferredBackupWindow")),
        "preferred_maintenance_window": rds.normalize_maintenance_window(future.get("PreferredMaintenanceWindow")),
        "enable_cloudwatch_logs_exports": rds.sorted_unique(future.get("EnabledCloudwatchLogsExports")),
        "deletion_protection": future.get("DeletionProtection"),
        # The emulator (moto 5.2.5) accepts Performance Insights but never reports it: None, not compared.
        # AWS always answers PerformanceInsightsEnabled.
        "enable_performance_insights": future.get("PerformanceInsightsEnabled"),
        "performance_insights_kms_key_id": future.get("PerformanceInsightsKMSKeyId"),
        "performance_insights_retention_period": future.get("PerformanceInsightsRetentionPeriod"),
        # RDS answers MonitoringInterval 0 when Enhanced Monitoring is off; a missing one means off too.
        "monitoring_interval": future.get("MonitoringInterval") or 0,
        "monitoring_role_arn": future.get("MonitoringRoleArn"),
        "enable_iam_database_authentication": future.get("IAMDatabaseAuthenticationEnabled"),
        "copy_tags_to_snapshot": future.get("CopyTagsToSnapshot"),
        "auto_minor_version_upgrade": future.get("AutoMinorVersionUpgrade"),
    }


def desired_value(params, option):
    """The user's value in the form ``current_settings`` uses."""
    value = params[option]
    if value is None:
        return None
    if option == "db_instance_class":
        return value.lower()
    if option == "preferred_maintenance_window":
        return rds.normalize_maintenance_window(value)
    if option == "preferred_backup_window":
        return rds.normalize_backup_window(value)
    if option in ("vpc_security_group_ids", "enable_cloudwatch_logs_exports"):
        return rds.sorted_unique(value)
    return value


# Planning a change to an existing instance


class Plan:
    """What it takes to bring an instance to the options: ModifyDBInstance arguments, refusals
    (changes that need a new instance), warnings and the settings once done."""

    def __init__(self, settings):
        self.changes = {}
        self.refusals = []
        self.warnings = []
        self.after = dict(settings)

    def set(self, option, argument, value, shown=None):
        self.changes[argument] = value
        self.after[option] = value if shown is None else shown


def plan_fixed(plan, params, settings):
    for option in FIXED:
        wanted = desired_value(params, option)
        if wanted is None or settings[option] is None:
            continue
        same = rds.same_kms_key(wanted, settings[option]) if option == "kms_key_id" else wanted == settings[option]
        if not same:
            plan.refusals.append(f"{option} {settings[option]} -> {wanted}")
    if not settings["storage_encrypted"]:
        plan.refusals.append("storage_encrypted false -> true (this module keeps only encrypted instances)")


def plan_engine_version(plan, params, settings):
    wanted, current = params["engine_version"], settings["engine_version"]
    kind = rds.engine_version_change(wanted, current)
    if kind == "minor-upgrade":
        plan.set("engine_version", "EngineVersion", wanted)
    elif kind == "major-upgrade" and params["allow_major_version_upgrade"]:
        plan.set("engine_version", "EngineVersion", wanted)
        plan.changes["AllowMajorVersionUpgrade"] = True
    elif kind == "major-upgrade":
        plan.refusals.append(
            f"engine_version {current} -> {wanted} is a major upgrade: "
            "set allow_major_version_upgrade to do it in place"
        )
    elif kind == "major-downgrade":
        plan.refusals.append(f"engine_version {current} -> {wanted} (RDS cannot go back to a lower major)")
    elif kind == "downgrade":
        plan.warnings.append(
            f"engine_version {wanted} is lower than the running {current} (RDS cannot downgrade): left as it is"
        )


def plan_storage(plan, params, settings):
    wanted, current = params["allocated_storage"], settings["allocated_storage"]
    # Never shrink: autoscaling may have grown the storage past the size asked at creation.
    if wanted is not None and current is not None and wanted > current:
        plan.set("allocated_storage", "AllocatedStorage", wanted)


def plan_modifiable(plan, params, settings):
    for option, argument in MODIFIABLE.items():
        wanted = desired_value(params, option)
        if wanted is None or settings[option] is None or wanted == settings[option]:
            continue
        plan.set(option, argument, params[option] if option != "preferred_maintenance_window" else wanted, wanted)


def plan_logs(plan, params, settings):
    wanted = desired_value(params, "enable_cloudwatch_logs_exports")
    current = settings["enable_cloudwatch_logs_exports"]
    if wanted is None or wanted == current:
        return
    configuration = {}
    if sorted(set(wanted) - set(current)):
        configuration["EnableLogTypes"] = sorted(set(wanted) - set(current))
    if sorted(set(current) - set(wanted)):
        configuration["DisableLogTypes"] = sorted(set(current) - set(wanted))
    plan.set("enable_cloudwatch_logs_exports", "CloudwatchLogsExportConfiguration", configuration, wanted)


def plan_master_secret(plan, params, settings):
    wanted_key = params["master_user_secret_kms_key_id"]
    if not wanted_key:
        return  # Unset leaves the password as it is managed now.
    if not settings["manage_master_user_password"]:
        plan.set("manage_master_user_password", "ManageMasterUserPassword", True)
        plan.set("master_user_secret_kms_key_id", "MasterUserSecretKmsKeyId", wanted_key)
    elif not rds.same_kms_key(wanted_key, settings["master_user_secret_kms_key_id"]):
        plan.refusals.append(
            f"master_user_secret_kms_key_id {settings['master_user_secret_kms_key_id']} -> {wanted_key} "
            "(RDS cannot change the key of an existing managed secret)"
        )


def plan_performance_insights(plan, params, settings):
    current = settings["enable_performance_insights"]
    wanted = params["enable_performance_insights"]
    if current is None:
        return  # Not reported (the emulator): nothing to compare with.
    if wanted is not None and wanted != current:
        plan.set("enable_performance_insights", "EnablePerformanceInsights", wanted)
    if not (wanted if wanted is not None else current):
        return  # Off: its key and retention do not apply.
    wanted_key = params["performance_insights_kms_key_id"]
    if wanted_key and not rds.same_kms_key(wanted_key, settings["performance_insights_kms_key_id"]):
        if current:
            plan.refusals.append(
                f"performance_insights_kms_key_id {settings['performance_insights_kms_key_id']} -> {wanted_key} "
                "(RDS cannot change the key once Performance Insights is on)"
            )
        else:
            plan.set("performance_insights_kms_key_id", "PerformanceInsightsKMSKeyId", wanted_key)
    retention = params["performance_insights_retention_period"]
    if retention is not None and retention != settings["performance_insights_retention_period"]:
        plan.set("performance_insights_retention_period", "PerformanceInsightsRetentionPeriod", retention)


def plan_monitoring(plan, params, settings):
    """Enhanced Monitoring: the interval, and the role while it is on. Turning it on or changing the role sends
    both (RDS wants the role with any interval above 0); turning it off sends the interval alone."""
    wanted, current = params["monitoring_interval"], settings["monitoring_interval"]
    interval = current if wanted is None else wanted
    if interval == 0:
        if current != 0:
            plan.set("monitoring_interval", "MonitoringInterval", 0)
        return
    role_arn = params["monitoring_role_arn"]
    if wanted is None and role_arn is None:
        return
    if role_arn is None:
        role_arn = settings["monitoring_role_arn"]
    if interval != current or role_arn != settings["monitoring_role_arn"]:
        plan.set("monitoring_interval", "MonitoringInterval", interval)
        plan.set("monitoring_role_arn", "MonitoringRoleArn", role_arn)


def plan_update(params, settings):
    plan = Plan(settings)
    plan_fixed(plan, params, settings)
    plan_engine_version(plan, params, settings)
    plan_storage(plan, params, settings)
    plan_modifiable(plan, params, settings)
    plan_logs(plan, params, settings)
    plan_master_secret(plan, params, settings)
    plan_performance_insights(plan, params, settings)
    plan_monitoring(plan, params, settings)
    return plan


# Creating


def create_request(params):
    """The CreateDBInstance arguments: what the user set, plus this module's fixed choices (encrypted
    storage, the password managed by RDS, gp3, private)."""
    request = {
        "DBInstanceIdentifier": params["db_instance_identifier"],
        "Engine": params["engine"],
        "EngineVersion": params["engine_version"],
        "DBInstanceClass": params["db_instance_class"],
        "AllocatedStorage": params["allocated_storage"],
        "StorageType": params["storage_type"] or "gp3",
        "StorageEncrypted": True,
        "MasterUsername": params["master_username"],
        "ManageMasterUserPassword": True,
        "PubliclyAccessible": bool(params["publicly_accessible"]),
    }
    optional = {
        "MaxAllocatedStorage": "max_allocated_storage",
        "KmsKeyId": "kms_key_id",
        "MasterUserSecretKmsKeyId": "master_user_secret_kms_key_id",
        "DBName": "db_name",
        "Port": "port",
        "DBSubnetGroupName": "db_subnet_group_name",
        "VpcSecurityGroupIds": "vpc_security_group_ids",
        "MultiAZ": "multi_az",
        "BackupRetentionPeriod": "backup_retention_period",
        "PreferredBackupWindow": "preferred_backup_window",
        "PreferredMaintenanceWindow": "preferred_maintenance_window",
        "EnableCloudwatchLogsExports": "enable_cloudwatch_logs_exports",
        "DeletionProtection": "deletion_protection",
        "EnableIAMDatabaseAuthentication": "enable_iam_database_authentication",
        "CopyTagsToSnapshot": "copy_tags_to_snapshot",
        "AutoMinorVersionUpgrade": "auto_minor_version_upgrade",
        "EnablePerformanceInsights": "enable_performance_insights",
    }
    for argument, option in optional.items():
        value = desired_value(params, option)
        if value is not None:
            request[argument] = value
    if params["enable_performance_insights"]:
        if params["performance_insights_kms_key_id"]:
            request["PerformanceInsightsKMSKeyId"] = params["performance_insights_kms_key_id"]
        if params["performance_insights_retention_period"]:
            request["PerformanceInsightsRetentionPeriod"] = params["performance_insights_retention_period"]
    if params["monitoring_interval"] is not None:
        request["MonitoringInterval"] = params["monitoring_interval"]
        if params["monitoring_interval"] > 0:
            request["MonitoringRoleArn"] = params["monitoring_role_arn"]
    if params["tags"]:
        request["Tags"] = tags_to_list(params["tags"])
    return request


def predicted_settings(params):
    settings = {option: desired_value(params, option) for option in argument_spec() if option in current_settings({})}
    settings.update(
        engine=params["engine"],
        storage_type=params["storage_type"] or "gp3",
        storage_encrypted=True,
        manage_master_user_password=True,
        publicly_accessible=bool(params["publicly_accessible"]),
    )
    return {key: value for key, value in settings.items() if value is not None}


def view(settings, tags):
    return dict(settings, tags=tags or {})


# Waiting


def not_ready_message(identifier, instance, timeout=None):
    """Why the instance is not ready, naming its state: what a stuck state means, or how long was waited."""
    if instance is None:
        return f"DB instance {identifier} does not exist (any more)"
    status = instance.get("DBInstanceStatus")
    reason = rds.stuck_reason(instance)
    if reason:
        return f"DB instance {identifier} is {status}, a state RDS does not leave by itself: {reason}"
    ready = ", ".join(rds.READY_STATUSES)
    return f"DB instance {identifier} is still {status} after {timeout}s; ready means one of {ready} with an endpoint"


def wait_available(module, rds_client, identifier):
    """Wait until the instance is ready (rds.READY_STATUSES with an endpoint); fail at once, naming the state, when it
    is in one RDS does not leave by itself."""
    try:
        rds.wait_until_ready(rds_client, identifier, module.params["wait_timeout"])
    except WaiterError as e:
        instance = rds.describe_db_instance(rds_client, identifier)
        module.fail_json_aws(
            e,
            msg=not_ready_message(identifier, instance, module.params["wait_timeout"]),
            db_instance=instance_result(instance),
        )
    return rds.describe_db_instance(rds_client, identifier)


# States


def ensure_created(module, rds_client):
    params = module.params
    missing = [option for option in CREATE_REQUIRED if params[option] is None]
    if missing:
        module.fail_json(
            msg=f"DB instance {params['db_instance_identifier']} does not exist; "
            f"to create it, give {', '.join(missing)}"
        )
    after = view(predicted_settings(params), params["tags"])
    if module.check_mode:
        exit_with(module, True, {}, after, db_instance={}, settings=after, modifications={}, ready=False)
    instance = rds.create_db_instance(rds_client, create_request(params))
    if params["wait"]:
        instance = wait_available(module, rds_client, params["db_instance_identifier"])
    exit_with(
        module,
        True,
        {},
        after,
        db_instance=instance_result(instance),
        settings=after,
        modifications={},
        ready=rds.is_ready(instance),
    )


def exit_updated(module, changed, before, after, instance, modifications):
    exit_with(
        module,
        changed,
        before,
        after,
        db_instance=instance_result(instance),
        settings=after,
        modifications=modifications,
        ready=rds.is_ready(instance),
    )


def ensure_updated(module, rds_client, instance):
    params = module.params
    identifier = params["db_instance_identifier"]
    settings = current_settings(instance)
    problems = []
    if params["preferred_backup_window"] is None or params["preferred_maintenance_window"] is None:
        # One window given: check it against the instance's other window before any write.
        backup = params["preferred_backup_window"] or settings["preferred_backup_window"]
        maintenance = params["preferred_maintenance_window"] or settings["preferred_maintenance_window"]
        if (params["preferred_backup_window"] or params["preferred_maintenance_window"]) and backup and maintenance:
            problems = rds.window_conflicts(
                backup,
                maintenance,
                params["window_gap_minutes"],
                backup_name="preferred_backup_window",
                maintenance_name="preferred_maintenance_window",
            )
    if problems:
        module.fail_json(msg="; ".join(problems))

    plan = plan_update(params, settings)
    if plan.refusals:
        module.fail_json(
            msg=f"DB instance {identifier} cannot be changed in place; these changes need a new instance "
            f"(snapshot and restore), which this module does not do: {'; '.join(plan.refusals)}"
        )
    for warning in plan.warnings:
        module.warn(warning)
    current_tags = tags_to_dict(instance.get("TagList"))
    tags_to_set, tags_to_remove = tag_changes(current_tags, params["tags"], params["purge_tags"])
    tags = apply_tag_changes(current_tags, tags_to_set, tags_to_remove)
    changed = bool(plan.changes or tags_to_set or tags_to_remove)
    before, after = view(settings, current_tags), view(plan.after, tags)
    if plan.changes:
        plan.changes["ApplyImmediately"] = params["apply_immediately"]

    if module.check_mode or not changed:
        if params["wait"] and not module.check_mode and not rds.is_ready(instance):
            instance = wait_available(module, rds_client, identifier)
        exit_updated(module, changed, before, after, instance, plan.changes)

    status = instance.get("DBInstanceStatus")
    if plan.changes and rds.stuck_reason(instance):
        module.fail_json(msg=not_ready_message(identifier, instance), modifications=plan.changes)
    if plan.changes and status not in rds.READY_STATUSES:
        if not params["wait"]:
            module.fail_json(
                msg=f"DB instance {identifier} is {status} and cannot be modified now: rerun when it is ready "
                f"({', '.join(rds.READY_STATUSES)}), or with wait=true to wait for it first",
                modifications=plan.changes,
            )
        instance = wait_available(module, rds_client, identifier)
    storage_changes = sorted(set(plan.changes) & set(rds.STORAGE_ARGUMENTS))
    if storage_changes and instance.get("DBInstanceStatus") == "storage-optimization":
        module.fail_json(
            msg=f"DB instance {identifier} is storage-optimization after an earlier storage change: RDS refuses "
            f"another storage change ({', '.join(storage_changes)}) until it ends (at least six hours, often more); "
            "rerun then",
            modifications=plan.changes,
        )
    rds.update_tags(rds_client, instance["DBInstanceArn"], tags_to_set, tags_to_remove)
    if plan.changes:
        rds.modify_db_instance(rds_client, identifier, plan.changes)
    instance = (
        wait_available(module, rds_client, identifier)
        if params["wait"]
        else rds.describe_db_instance(rds_client, identifier)
    )
    exit_updated(module, True, before, after, instance, plan.changes)


def ensure_present(module, rds_client):
    instance = rds.describe_db_instance(rds_client, module.params["db_instance_identifier"])
    if instance is not None and instance.get("DBInstanceStatus") == "deleting":
        module.fail_json(
            msg=f"DB instance {module.params['db_instance_identifier']} is being deleted: rerun once it is gone"
        )
    if instance is None:
        ensure_created(module, rds_client)
    else:
        ensure_updated(module, rds_client, instance)


def ensure_absent(module, rds_client):
    params = module.params
    identifier = params["db_instance_identifier"]
    instance = rds.describe_db_instance(rds_client, identifier)
    before = view(current_settings(instance), tags_to_dict(instance.get("TagList"))) if instance else {}
    changed = instance is not None and instance.get("DBInstanceStatus") != "deleting"
    if changed and instance.get("DeletionProtection"):
        module.fail_json(
            msg=f"DB instance {identifier} has deletion protection on: converge it with deletion_protection=false first"
        )
    if changed and not module.check_mode:
        changed = rds.delete_db_instance(rds_client, identifier, params["final_snapshot_identifier"])
    if instance is not None and params["wait"] and not module.check_mode:
        try:
            rds.wait_for(rds_client, "db_instance_deleted", identifier, params["wait_timeout"])
        except WaiterError as e:
            module.fail_json_aws(e, msg=f"DB instance {identifier} was not deleted in {params['wait_timeout']}s")
    exit_with(module, changed, before, {}, db_instance={})


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    if module.params["state"] == "present":
        problems = input_problems(module.params)
        if problems:
            module.fail_json(msg="; ".join(problems))
    run_by_state(
        module,
        "rds",
        {"present": ensure_present, "absent": ensure_absent},
        f"Failed to manage DB instance {module.params['db_instance_identifier']}",
    )


if __name__ == "__main__":
    main()
