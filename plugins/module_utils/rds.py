# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RDS calls this collection's modules make, one small function each, and the pure helpers
the module, the ``rds_windows`` filter and their tests share: window maths and normalisation.

Every call function takes a client made by ``base.client(module, "rds")`` (so each call is retried)
and lets botocore exceptions through: the module turns them into ``fail_json_aws`` once.
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import re

try:
    from botocore.exceptions import ClientError
except ImportError:  # The filter plugin imports the window maths on a controller without botocore.
    ClientError = None

try:
    from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
except ImportError:  # The same filter plugin, on a controller without amazon.aws: only the maths is used there.
    AWSRetry = None

# Window maths. A week is a circle of MINUTES_PER_WEEK minutes starting Monday 00:00 UTC; every
# window is a half-open interval [start, end) on it, so two windows that only touch (03:00-04:00
# and 04:00-05:00) do not overlap, and the gap between them is 0 minutes.
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# AWS wants both windows to last at least 30 minutes.
MIN_WINDOW_MINUTES = 30
DEFAULT_GAP_MINUTES = 30

_TIME = r"([01][0-9]|2[0-3]):([0-5][0-9])"
_BACKUP_WINDOW = re.compile(rf"^{_TIME}-{_TIME}$")
_DAY_TIME = r"(mon|tue|wed|thu|fri|sat|sun):" + _TIME
_MAINTENANCE_WINDOW = re.compile(rf"^{_DAY_TIME}-{_DAY_TIME}$", re.IGNORECASE)


class WindowError(ValueError):
    """A window that is not in AWS's format, or too short."""


def _minutes(hours, minutes):
    return int(hours) * 60 + int(minutes)


def _length(start, end, circle):
    """Minutes from ``start`` to ``end`` going forward on a circle (over midnight / the week end)."""
    return (end - start) % circle


def parse_backup_window(window, name="backup window"):
    """``hh24:mi-hh24:mi`` (UTC, daily) as (start minute of the day, length in minutes)."""
    match = _BACKUP_WINDOW.match(window.strip()) if isinstance(window, str) else None
    if not match:
        raise WindowError(f"{name} must be hh24:mi-hh24:mi in UTC, such as 03:00-04:00 (got {window!r})")
    start = _minutes(match.group(1), match.group(2))
    length = _length(start, _minutes(match.group(3), match.group(4)), MINUTES_PER_DAY)
    if length < MIN_WINDOW_MINUTES:
        raise WindowError(f"{name} must last at least {MIN_WINDOW_MINUTES} minutes (got {window!r})")
    return start, length


def parse_maintenance_window(window, name="maintenance window"):
    """``ddd:hh24:mi-ddd:hh24:mi`` (UTC, weekly, any case) as (start minute of the week, length)."""
    match = _MAINTENANCE_WINDOW.match(window.strip()) if isinstance(window, str) else None
    if not match:
        raise WindowError(
            f"{name} must be ddd:hh24:mi-ddd:hh24:mi in UTC, such as sun:05:00-sun:06:00 (got {window!r})"
        )
    start = DAYS.index(match.group(1).lower()) * MINUTES_PER_DAY + _minutes(match.group(2), match.group(3))
    end = DAYS.index(match.group(4).lower()) * MINUTES_PER_DAY + _minutes(match.group(5), match.group(6))
    length = _length(start, end, MINUTES_PER_WEEK)
    if length < MIN_WINDOW_MINUTES:
        raise WindowError(f"{name} must last at least {MIN_WINDOW_MINUTES} minutes (got {window!r})")
    return start, length


def interval_gap(first, second, circle=MINUTES_PER_WEEK):
    """The smallest number of minutes between two half-open intervals (start, length) on a circle,
    on either side; -1 when they overlap."""
    first_start, first_length = first
    second_start, second_length = second
    after_first = (second_start - first_start) % circle - first_length
    after_second = (first_start - second_start) % circle - second_length
    if after_first < 0 or after_second < 0:
        return -1
    return min(after_first, after_second)


def backup_maintenance_gap(backup_window, maintenance_window):
    """The smallest gap in minutes between any day's backup window and the weekly maintenance
    window (-1 when they overlap). Raises ``WindowError`` for a malformed window."""
    backup_start, backup_length = parse_backup_window(backup_window)
    maintenance = parse_maintenance_window(maintenance_window)
    return min(
        interval_gap(((day * MINUTES_PER_DAY + backup_start) % MINUTES_PER_WEEK, backup_length), maintenance)
        for day in range(len(DAYS))
    )


def window_conflicts(
    backup_window,
    maintenance_window,
    gap_minutes=DEFAULT_GAP_MINUTES,
    backup_name="backup window",
    maintenance_name="maintenance window",
):
    """Every reason the pair cannot be used, as messages naming the windows by ``*_name``; [] when
    the pair is good. Both formats are checked, then the gap between them (over midnight and over
    the end of the week)."""
    problems = []
    if not isinstance(gap_minutes, int) or isinstance(gap_minutes, bool) or gap_minutes < 0:
        return [f"the gap between the windows must be a whole number of minutes >= 0 (got {gap_minutes!r})"]
    for parse, window, name in (
        (parse_backup_window, backup_window, backup_name),
        (parse_maintenance_window, maintenance_window, maintenance_name),
    ):
        try:
            parse(window, name)
        except WindowError as e:
            problems.append(str(e))
    if problems:
        return problems
    gap = backup_maintenance_gap(backup_window, maintenance_window)
    if gap < 0:
        return [f"{backup_name} {backup_window} (daily) overlaps {maintenance_name} {maintenance_window}"]
    if gap < gap_minutes:
        return [
            f"{backup_name} {backup_window} (daily) is only {gap} minutes from {maintenance_name} "
            f"{maintenance_window}: keep at least {gap_minutes} minutes between them"
        ]
    return []


# Normalisation: what AWS answers and what the user wrote, in one form, so that equal settings
# compare equal and the module never reports a change it would not make.


def normalize_maintenance_window(window):
    """AWS answers ``sun:05:00-sun:06:00`` whatever case it was given."""
    return window.strip().lower() if isinstance(window, str) else window


def normalize_backup_window(window):
    return window.strip() if isinstance(window, str) else window


def engine_major(version):
    """The major of a PostgreSQL version: ``17`` for ``17``, ``17.4`` and ``17.4-R1``; ``9.6`` for
    ``9.6.24`` (before 10 the major had two parts)."""
    parts = str(version).strip().split("-", maxsplit=1)[0].split(".")
    if parts[0].isdigit() and int(parts[0]) < 10 and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0]


def _version_key(version):
    return tuple(int(part) if part.isdigit() else 0 for part in re.split(r"[.-]", str(version).strip()))


def engine_version_change(wanted, current):
    """How ``wanted`` (a major such as ``17`` or a full version such as ``17.4``) relates to the
    version the instance runs: ``None`` (nothing to do: same major asked, or the same version),
    ``"minor-upgrade"``, ``"major-upgrade"``, ``"downgrade"`` (within the major, such as after an
    automatic minor upgrade) or ``"major-downgrade"``."""
    if not wanted or not current:
        return None
    wanted, current = str(wanted).strip(), str(current).strip()
    if wanted == current:
        return None
    same_major = engine_major(wanted) == engine_major(current)
    if same_major and wanted == engine_major(wanted):
        return None
    if same_major:
        return "minor-upgrade" if _version_key(wanted) > _version_key(current) else "downgrade"
    if _version_key(engine_major(wanted)) > _version_key(engine_major(current)):
        return "major-upgrade"
    return "major-downgrade"


def kms_key_id(key):
    """The key id of a KMS key ARN or id (RDS answers ARNs, users may give ids); aliases stay as they are."""
    if not key:
        return None
    return key.split(":key/")[-1] if ":key/" in key else key


def same_kms_key(left, right):
    return kms_key_id(left) == kms_key_id(right)


def sorted_unique(values):
    return sorted(set(values or []))


# DescribeDBInstances answers a pending change (apply_immediately false, or a change still being
# applied) under PendingModifiedValues while the top-level field keeps the old value: these are the
# fields whose pending value stands for the instance's future state.
PENDING_FIELDS = (
    "DBInstanceClass",
    "AllocatedStorage",
    "Port",
    "BackupRetentionPeriod",
    "MultiAZ",
    "EngineVersion",
    "StorageType",
    "DBSubnetGroupName",
    "IAMDatabaseAuthenticationEnabled",
)


def with_pending_changes(instance):
    """The instance as it will be once its pending modifications are applied."""
    pending = instance.get("PendingModifiedValues") or {}
    future = dict(instance)
    for field in PENDING_FIELDS:
        if field in pending:
            future[field] = pending[field]
    if "Port" in pending:
        future["Endpoint"] = dict(instance.get("Endpoint") or {}, Port=pending["Port"])
    if "DBSubnetGroupName" in pending:
        future["DBSubnetGroup"] = dict(
            instance.get("DBSubnetGroup") or {}, DBSubnetGroupName=pending["DBSubnetGroupName"]
        )
    logs = pending.get("PendingCloudwatchLogsExports") or {}
    if logs:
        enabled = set(instance.get("EnabledCloudwatchLogsExports") or [])
        enabled |= set(logs.get("LogTypesToEnable") or [])
        enabled -= set(logs.get("LogTypesToDisable") or [])
        future["EnabledCloudwatchLogsExports"] = sorted(enabled)
    return future


# Calls


def _error_code(error):
    return error.response.get("Error", {}).get("Code")


# On AWS a monitoring role made a moment ago is not yet visible to RDS (IAM is eventually consistent), and
# CreateDBInstance / ModifyDBInstance refuse it for a few seconds with InvalidParameterValue "IAM role ARN
# value is invalid or does not include the required permissions for: ENHANCED_MONITORING". The client of
# base.py retries throttling only; this bounded retry (7 tries, sleeps 2, 4, 8, 16, 20, 20 s: about 70 s at
# most) waits for that one error and lets every other error, that one too once the tries are spent, through.
MONITORING_ROLE_NOT_READY = "MonitoringRoleNotReady"


def monitoring_role_not_ready(error):
    """Whether ``error`` is RDS refusing an Enhanced Monitoring role it cannot use (yet)."""
    details = error.response.get("Error", {})
    return details.get("Code") == "InvalidParameterValue" and "ENHANCED_MONITORING" in details.get("Message", "")


if AWSRetry is not None:

    class _MonitoringRoleRetry(AWSRetry):
        """AWSRetry that retries only RDS's "role not usable for ENHANCED_MONITORING" answer."""

        @staticmethod
        def status_code_from_exception(error):
            if monitoring_role_not_ready(error):
                return MONITORING_ROLE_NOT_READY
            return AWSRetry.status_code_from_exception(error)

        @staticmethod
        def found(response_code, catch_extra_error_codes=None):
            return response_code == MONITORING_ROLE_NOT_READY

    MONITORING_ROLE_RETRY = _MonitoringRoleRetry.exponential_backoff(retries=7, delay=2, backoff=2, max_delay=20)
else:

    def MONITORING_ROLE_RETRY(function):  # noqa: N802 - stands in for the decorator above
        return function


def describe_db_instance(client, identifier):
    """The instance called ``identifier``, or None."""
    try:
        instances = client.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    except ClientError as e:
        if _error_code(e) == "DBInstanceNotFound":
            return None
        raise
    return instances[0] if instances else None


def create_db_instance(client, request):
    """Start creating the instance from ``request`` (CreateDBInstance arguments). A retried create
    whose first attempt went through finds the instance there: it is ours (the identifier is unique
    in the account and region, so there can be no duplicate)."""
    try:
        return MONITORING_ROLE_RETRY(client.create_db_instance)(**request)["DBInstance"]
    except ClientError as e:
        if _error_code(e) != "DBInstanceAlreadyExists":
            raise
    return describe_db_instance(client, request["DBInstanceIdentifier"])


# A ready instance in one of RDS's short background states (configuring-*, backing-up) may still answer
# ModifyDBInstance with InvalidDBInstanceState for a moment: that one answer is retried, bounded (6 tries, sleeps 5,
# 10, 20, 40, 60 s: about two minutes and a half), and every other error goes through at once.
class _InvalidStateRetry(AWSRetry if AWSRetry is not None else object):
    """AWSRetry that retries only InvalidDBInstanceState."""

    @staticmethod
    def status_code_from_exception(error):
        return _error_code(error)

    @staticmethod
    def found(response_code, catch_extra_error_codes=None):
        return response_code == "InvalidDBInstanceState"


if AWSRetry is not None:
    INVALID_STATE_RETRY = _InvalidStateRetry.exponential_backoff(retries=6, delay=5, backoff=2, max_delay=60)
else:

    def INVALID_STATE_RETRY(function):  # noqa: N802 - stands in for the decorator above
        return function


def modify_db_instance(client, identifier, changes):
    modify = INVALID_STATE_RETRY(MONITORING_ROLE_RETRY(client.modify_db_instance))
    return modify(DBInstanceIdentifier=identifier, **changes)["DBInstance"]


def delete_db_instance(client, identifier, final_snapshot_identifier=None):
    """Start deleting the instance; False when it was already gone."""
    request = {"DBInstanceIdentifier": identifier}
    if final_snapshot_identifier:
        request["FinalDBSnapshotIdentifier"] = final_snapshot_identifier
    else:
        request["SkipFinalSnapshot"] = True
    try:
        client.delete_db_instance(**request)
    except ClientError as e:
        if _error_code(e) == "DBInstanceNotFound":
            return False
        raise
    return True


def update_tags(client, arn, tags_to_set, tags_to_remove):
    if tags_to_remove:
        client.remove_tags_from_resource(ResourceName=arn, TagKeys=list(tags_to_remove))
    if tags_to_set:
        client.add_tags_to_resource(
            ResourceName=arn, Tags=[{"Key": key, "Value": value} for key, value in tags_to_set.items()]
        )


def wait_for(client, waiter_name, identifier, timeout, delay=15):
    """Wait with botocore's waiter (``db_instance_deleted``), at most about ``timeout`` seconds."""
    client.get_waiter(waiter_name).wait(
        DBInstanceIdentifier=identifier,
        WaiterConfig={"Delay": delay, "MaxAttempts": max(1, -(-timeout // delay))},
    )


# Readiness. The states of a DB instance, from the RDS User Guide ("Viewing Amazon RDS DB instance status").
# Ready: the instance serves connections at a known endpoint and RDS takes a ModifyDBInstance. Besides `available`,
# these are the states RDS reports while the instance keeps serving, for work it does in the background:
# - backing-up: the daily automated backup (the backup window) or a snapshot; minutes to an hour, every day.
# - storage-optimization: after any storage change or autoscaling, for hours ("the DB instance remains available");
#   RDS refuses only another *storage* change until it ends (STORAGE_ARGUMENTS below).
# - configuring-enhanced-monitoring / configuring-log-exports / configuring-iam-database-auth: RDS turning one of
#   those on or off (they follow a create, and a modification of those settings); short.
# botocore's own db_instance_available waiter accepts only `available`: every converge during a backup window or a
# storage optimisation would wait an hour and fail.
READY_STATUSES = (
    "available",
    "backing-up",
    "storage-optimization",
    "configuring-enhanced-monitoring",
    "configuring-log-exports",
    "configuring-iam-database-auth",
)
# Not ready, but RDS leaves them by itself: waited for. (creating, modifying, rebooting, upgrading, maintenance,
# renaming, resetting-master-credentials, starting, storage-config-upgrade, storage-initialization, moving-to-vpc,
# converting-to-vpc, delete-precheck... any state not listed in READY_STATUSES or STUCK_STATUSES.)
# Not ready and never left without someone acting: the wait fails at once, naming the state and what it means.
STUCK_STATUSES = {
    "failed": "RDS cannot recover it: restore it from a snapshot or to a point in time",
    "incompatible-parameters": (
        "its DB parameter group has values the instance cannot start with: fix them (or go back to the default "
        "group), then reboot it"
    ),
    "incompatible-restore": "RDS cannot restore it to a point in time: restore it again to another time",
    "incompatible-network": "RDS cannot reach its VPC (subnets without free addresses, or deleted): fix the network",
    "incompatible-option-group": "its option group does not fit the instance: fix the option group",
    "inaccessible-encryption-credentials": "RDS cannot use its KMS key (disabled or deleted): the instance is lost",
    "inaccessible-encryption-credentials-recoverable": "RDS cannot use its KMS key: enable the key, then start it",
    "insufficient-capacity": "AWS has no capacity for its class in that AZ: change the class or retry later",
    "restore-error": "restoring it failed: restore it again",
    "storage-full": "its storage is full: raise its allocated storage",
    "stopped": "it is stopped: start it (rds start-db-instance), then rerun",
    "stopping": "it is being stopped: start it once stopped, then rerun",
    "deleting": "it is being deleted",
}
# ModifyDBInstance arguments RDS refuses while a previous storage change is being optimised.
STORAGE_ARGUMENTS = ("AllocatedStorage", "StorageType", "Iops", "StorageThroughput")


def is_ready(instance):
    """Whether the instance serves at a known endpoint and takes a modification."""
    return bool(
        instance
        and instance.get("DBInstanceStatus") in READY_STATUSES
        and (instance.get("Endpoint") or {}).get("Address")
    )


def stuck_reason(instance):
    """What a state the instance will not leave by itself means, or None."""
    return STUCK_STATUSES.get((instance or {}).get("DBInstanceStatus"))


def _ready_waiter_model():
    statuses = ",".join(f'"{status}"' for status in READY_STATUSES)
    acceptors = [
        {
            "state": "success",
            "matcher": "path",
            "argument": f"length(DBInstances[?contains(`[{statuses}]`, DBInstanceStatus) && Endpoint.Address]) > `0`",
            "expected": True,
        }
    ]
    acceptors.extend(
        {"state": "failure", "matcher": "pathAny", "argument": "DBInstances[].DBInstanceStatus", "expected": status}
        for status in STUCK_STATUSES
    )
    acceptors.append({"state": "failure", "matcher": "error", "expected": "DBInstanceNotFound"})
    return {
        "version": 2,
        "waiters": {
            "DBInstanceReady": {
                "operation": "DescribeDBInstances",
                "delay": 15,
                "maxAttempts": 240,
                "acceptors": acceptors,
            }
        },
    }


def wait_until_ready(client, identifier, timeout, delay=15):
    """Wait until the instance is ready (``READY_STATUSES`` with an endpoint), at most about ``timeout`` seconds,
    with a botocore waiter of our own; a ``STUCK_STATUSES`` state or a missing instance stops it at once
    (``botocore.exceptions.WaiterError``, as a timeout does)."""
    from botocore.waiter import WaiterModel
    from botocore.waiter import create_waiter_with_client

    waiter = create_waiter_with_client("DBInstanceReady", WaiterModel(_ready_waiter_model()), client)
    waiter.wait(
        DBInstanceIdentifier=identifier,
        WaiterConfig={"Delay": delay, "MaxAttempts": max(1, -(-timeout // delay)) if delay else max(1, timeout)},
    )
