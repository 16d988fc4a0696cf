"""Window maths and normalisation in plugins/module_utils/rds.py (pure functions, no emulator)."""

import pytest

from ansible_collections.payments.aws_platform.plugins.module_utils import rds


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("03:00-04:00", (180, 60)),
        ("00:00-00:30", (0, 30)),
        ("23:30-00:30", (1410, 60)),  # over midnight
        ("22:00-02:00", (1320, 240)),
        ("12:15-12:45", (735, 30)),
        (" 03:00-04:00 ", (180, 60)),
    ],
)
def test_backup_window_is_parsed_to_start_and_length(window, expected):
    assert rds.parse_backup_window(window) == expected


@pytest.mark.parametrize(
    "window",
    [
        "3:00-4:00",
        "03:00-24:00",
        "03:60-04:00",
        "03:00/04:00",
        "sun:03:00-sun:04:00",
        "",
        None,
        300,
        "03:00-03:29",
        "03:00-03:00",
    ],
)
def test_bad_backup_windows_are_refused(window):
    with pytest.raises(rds.WindowError):
        rds.parse_backup_window(window)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("mon:00:00-mon:00:30", (0, 30)),
        ("sun:05:00-sun:06:00", (6 * 1440 + 300, 60)),
        ("Sun:05:00-Sun:06:00", (6 * 1440 + 300, 60)),  # any case
        ("SAT:23:00-SUN:01:00", (5 * 1440 + 1380, 120)),
        ("sun:23:30-mon:00:30", (6 * 1440 + 1410, 60)),  # over the end of the week
        ("wed:10:00-thu:10:00", (2 * 1440 + 600, 1440)),
    ],
)
def test_maintenance_window_is_parsed_to_start_and_length(window, expected):
    assert rds.parse_maintenance_window(window) == expected


@pytest.mark.parametrize(
    "window",
    [
        "sun:05:00-06:00",
        "sun05:00-sun:06:00",
        "xyz:05:00-sun:06:00",
        "sun:25:00-sun:26:00",
        "sun:05:00-sun:05:15",
        "",
        None,
    ],
)
def test_bad_maintenance_windows_are_refused(window):
    with pytest.raises(rds.WindowError):
        rds.parse_maintenance_window(window)


@pytest.mark.parametrize(
    ("first", "second", "circle", "gap"),
    [
        ((0, 60), (60, 60), 10080, 0),  # touching: half-open, no overlap
        ((0, 60), (59, 60), 10080, -1),
        ((0, 60), (90, 60), 10080, 30),
        ((90, 60), (0, 60), 10080, 30),  # symmetric
        ((10050, 60), (20, 30), 10080, -1),  # wraps over the end and overlaps
        ((10050, 30), (30, 30), 10080, 30),  # wraps and leaves 30 minutes
        ((1380, 120), (60, 60), 1440, 0),  # a day circle
        ((0, 30), (5000, 30), 10080, 4970),  # the nearer side counts
    ],
)
def test_interval_gap(first, second, circle, gap):
    assert rds.interval_gap(first, second, circle) == gap


@pytest.mark.parametrize(
    ("backup", "maintenance", "gap"),
    [
        ("03:00-04:00", "sun:05:00-sun:06:00", 60),  # the stack's pair
        ("03:00-04:00", "sun:04:00-sun:05:00", 0),  # touching (AWS refuses it)
        ("03:00-04:00", "sun:03:30-sun:04:30", -1),
        ("03:00-04:00", "sun:02:00-sun:03:00", 0),  # touching from before
        ("03:00-04:00", "wed:01:00-wed:02:30", 30),  # any day counts: the backup runs daily
        ("23:30-00:30", "mon:00:15-mon:01:00", -1),  # over midnight
        ("23:30-00:30", "mon:01:00-mon:02:00", 30),
        ("23:00-23:30", "sun:23:45-mon:00:30", 15),  # over the end of the week
        ("00:00-00:30", "sun:23:00-sun:23:30", 30),  # Monday 00:00 is 30 min after Sunday 23:30
        ("12:00-13:00", "mon:00:00-mon:06:00", 360),
    ],
)
def test_backup_maintenance_gap(backup, maintenance, gap):
    assert rds.backup_maintenance_gap(backup, maintenance) == gap


@pytest.mark.parametrize(
    ("backup", "maintenance", "gap_minutes", "expected"),
    [
        ("03:00-04:00", "sun:05:00-sun:06:00", 30, None),
        ("03:00-04:00", "sun:05:00-sun:06:00", 60, None),
        ("03:00-04:00", "sun:05:00-sun:06:00", 61, "only 60 minutes"),
        ("03:00-04:00", "Sun:04:00-Sun:05:00", 30, "only 0 minutes"),
        ("03:00-04:00", "sun:04:00-sun:05:00", 0, None),
        ("03:00-04:00", "sun:03:30-sun:04:30", 0, "overlaps"),
        ("23:30-00:30", "tue:00:00-tue:01:00", 30, "overlaps"),
        ("bad", "sun:05:00-sun:06:00", 30, "must be hh24:mi-hh24:mi"),
        ("03:00-04:00", "bad", 30, "must be ddd:hh24:mi-ddd:hh24:mi"),
        ("03:00-04:00", "sun:05:00-sun:06:00", -1, "whole number"),
    ],
)
def test_window_conflicts(backup, maintenance, gap_minutes, expected):
    problems = rds.window_conflicts(backup, maintenance, gap_minutes)

    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1
        assert expected in problems[0]


def test_window_conflicts_name_the_windows_and_report_both_bad_formats():
    problems = rds.window_conflicts(
        "x", "y", 30, backup_name="rds_kms_backup_window", maintenance_name="rds_kms_maintenance_window"
    )

    assert len(problems) == 2
    assert problems[0].startswith("rds_kms_backup_window ")
    assert problems[1].startswith("rds_kms_maintenance_window ")


def test_a_conflict_names_both_windows():
    (problem,) = rds.window_conflicts("03:00-04:00", "sun:03:00-sun:04:00", 30, backup_name="B", maintenance_name="M")

    assert problem.startswith("B 03:00-04:00")
    assert "M sun:03:00-sun:04:00" in problem


@pytest.mark.parametrize(
    ("window", "expected"),
    [("Sun:05:00-Sun:06:00", "sun:05:00-sun:06:00"), ("sun:05:00-sun:06:00", "sun:05:00-sun:06:00"), (None, None)],
)
def test_maintenance_window_case_is_normalised(window, expected):
    assert rds.normalize_maintenance_window(window) == expected


@pytest.mark.parametrize(
    ("version", "major"),
    [("17", "17"), ("17.4", "17"), ("17.4-R1", "17"), ("16.8", "16"), ("9.6.24", "9.6"), ("10.21", "10")],
)
def test_engine_major(version, major):
    assert rds.engine_major(version) == major


@pytest.mark.parametrize(
    ("wanted", "current", "change"),
    [
        ("17", "17", None),
        ("17", "17.4", None),  # a major matches any of its minors
        ("17.4", "17.4", None),
        ("17.5", "17.4", "minor-upgrade"),
        ("17.10", "17.9", "minor-upgrade"),  # numeric, not string, order
        ("17.4", "17.5", "downgrade"),
        ("18", "17.4", "major-upgrade"),
        ("18.1", "17.4", "major-upgrade"),
        ("16", "17.4", "major-downgrade"),
        ("16.8", "17.4", "major-downgrade"),
        (None, "17.4", None),
        ("17", None, None),
    ],
)
def test_engine_version_change(wanted, current, change):
    assert rds.engine_version_change(wanted, current) == change


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("arn:aws:kms:us-east-1:123456789012:key/abc", "abc", True),
        ("abc", "arn:aws:kms:us-east-1:123456789012:key/abc", True),
        ("arn:aws:kms:us-east-1:123456789012:key/abc", "arn:aws:kms:us-east-1:123456789012:key/def", False),
        ("abc", "def", False),
        (None, "abc", False),
    ],
)
def test_same_kms_key(left, right, same):
    assert rds.same_kms_key(left, right) is same


def test_pending_changes_stand_for_the_future_state():
    instance = {
        "DBInstanceClass": "db.t3.micro",
        "BackupRetentionPeriod": 3,
        "MultiAZ": False,
        "Endpoint": {"Address": "x", "Port": 5432},
        "EnabledCloudwatchLogsExports": ["postgresql"],
        "PendingModifiedValues": {
            "DBInstanceClass": "db.t3.small",
            "MultiAZ": True,
            "Port": 5433,
            "PendingCloudwatchLogsExports": {"LogTypesToEnable": ["upgrade"], "LogTypesToDisable": ["postgresql"]},
        },
    }

    future = rds.with_pending_changes(instance)

    assert future["DBInstanceClass"] == "db.t3.small"
    assert future["MultiAZ"] is True
    assert future["BackupRetentionPeriod"] == 3
    assert future["Endpoint"] == {"Address": "x", "Port": 5433}
    assert future["EnabledCloudwatchLogsExports"] == ["upgrade"]
    assert instance["DBInstanceClass"] == "db.t3.micro"  # the answer itself is left alone


def test_no_pending_changes_is_the_instance_itself():
    instance = {"DBInstanceClass": "db.t3.micro", "PendingModifiedValues": {}}

    assert rds.with_pending_changes(instance) == instance


# The bounded retry of a monitoring role RDS cannot use yet (IAM propagation on AWS).

NOT_READY = "IAM role ARN value is invalid or does not include the required permissions for: ENHANCED_MONITORING"


def _client_error(code, message, operation="CreateDBInstance"):
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class _FlakyRds:
    """Answers ``errors`` in turn, then succeeds; counts the calls."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def _answer(self, **request):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"DBInstance": {"DBInstanceIdentifier": request["DBInstanceIdentifier"]}}

    create_db_instance = _answer
    modify_db_instance = _answer


@pytest.fixture
def sleeps(monkeypatch):
    import time

    recorded = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


def test_a_monitoring_role_rds_cannot_use_yet_is_retried_with_backoff(sleeps):
    client = _FlakyRds(
        _client_error("InvalidParameterValue", NOT_READY), _client_error("InvalidParameterValue", NOT_READY)
    )

    created = rds.create_db_instance(client, {"DBInstanceIdentifier": "db-1", "MonitoringInterval": 60})
    modified = rds.modify_db_instance(_FlakyRds(_client_error("InvalidParameterValue", NOT_READY)), "db-1", {})

    assert created == {"DBInstanceIdentifier": "db-1"}
    assert modified == {"DBInstanceIdentifier": "db-1"}
    assert client.calls == 3
    assert sleeps == [2, 4, 2]


def test_the_monitoring_role_retry_is_bounded(sleeps):
    client = _FlakyRds(*[_client_error("InvalidParameterValue", NOT_READY) for _ in range(20)])

    with pytest.raises(Exception, match="ENHANCED_MONITORING"):
        rds.create_db_instance(client, {"DBInstanceIdentifier": "db-1"})

    assert client.calls == 7
    assert sum(sleeps) == 2 + 4 + 8 + 16 + 20 + 20


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("InvalidParameterValue", "Invalid DB instance class"),
        ("InvalidParameterCombination", "A MonitoringRoleARN value is required for ENHANCED_MONITORING"),
    ],
)
def test_other_errors_are_not_retried_as_a_monitoring_role(sleeps, code, message):
    client = _FlakyRds(_client_error(code, message))

    with pytest.raises(Exception, match=message):
        rds.create_db_instance(client, {"DBInstanceIdentifier": "db-1"})

    assert client.calls == 1
    assert sleeps == []


# Issue 20, item 2: readiness. AWS-shaped DescribeDBInstances answers through botocore's Stubber: the emulator only
# ever reports `available`.

ENDPOINT = {"Address": "db-1.abcdefghijkl.us-east-1.rds.amazonaws.com", "Port": 5432}


def described_instance(status, endpoint=True):
    instance = {"DBInstanceIdentifier": "db-1", "DBInstanceStatus": status}
    if endpoint:
        instance["Endpoint"] = ENDPOINT
    return {"DBInstances": [instance]}


@pytest.fixture
def stubbed_rds():
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("rds", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize("status", rds.READY_STATUSES)
def test_the_wait_returns_at_once_on_a_ready_state(stubbed_rds, status):
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_instances", described_instance(status), {"DBInstanceIdentifier": "db-1"})

    rds.wait_until_ready(client, "db-1", timeout=60, delay=0)  # one answer: any second call would find no stub


@pytest.mark.parametrize("status", ["creating", "modifying", "rebooting", "upgrading", "maintenance", "starting"])
def test_the_wait_waits_on_a_state_rds_leaves_by_itself(stubbed_rds, status):
    client, stubber = stubbed_rds
    for _ in range(3):
        stubber.add_response("describe_db_instances", described_instance(status))
    stubber.add_response("describe_db_instances", described_instance("backing-up"))

    rds.wait_until_ready(client, "db-1", timeout=60, delay=0)


def test_the_wait_waits_for_the_endpoint(stubbed_rds):
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_instances", described_instance("backing-up", endpoint=False))
    stubber.add_response("describe_db_instances", described_instance("backing-up"))

    rds.wait_until_ready(client, "db-1", timeout=60, delay=0)


@pytest.mark.parametrize("status", ["failed", "incompatible-parameters", "storage-full", "stopped"])
def test_the_wait_stops_at_once_on_a_state_rds_does_not_leave(stubbed_rds, status):
    from botocore.exceptions import WaiterError

    client, stubber = stubbed_rds
    stubber.add_response("describe_db_instances", described_instance(status))

    with pytest.raises(WaiterError, match="terminal failure"):
        rds.wait_until_ready(client, "db-1", timeout=600, delay=0)
    assert rds.stuck_reason({"DBInstanceStatus": status})


def test_the_wait_is_bounded(stubbed_rds):
    from botocore.exceptions import WaiterError

    client, stubber = stubbed_rds
    for _ in range(3):
        stubber.add_response("describe_db_instances", described_instance("modifying"))

    with pytest.raises(WaiterError, match="Max attempts exceeded"):
        rds.wait_until_ready(client, "db-1", timeout=3, delay=0)


@pytest.mark.parametrize(
    ("instance", "ready"),
    [
        ({"DBInstanceStatus": "available", "Endpoint": ENDPOINT}, True),
        ({"DBInstanceStatus": "storage-optimization", "Endpoint": ENDPOINT}, True),
        ({"DBInstanceStatus": "configuring-log-exports", "Endpoint": ENDPOINT}, True),
        ({"DBInstanceStatus": "backing-up"}, False),  # no endpoint yet (the first backup after a create)
        ({"DBInstanceStatus": "modifying", "Endpoint": ENDPOINT}, False),
        ({"DBInstanceStatus": "failed", "Endpoint": ENDPOINT}, False),
        (None, False),
    ],
)
def test_is_ready(instance, ready):
    assert rds.is_ready(instance) is ready


def test_a_modification_refused_for_the_instance_state_is_retried_bounded(sleeps):
    client = _FlakyRds(*[_client_error("InvalidDBInstanceState", "not in available state") for _ in range(2)])

    modified = rds.modify_db_instance(client, "db-1", {"BackupRetentionPeriod": 7})

    assert modified == {"DBInstanceIdentifier": "db-1"}
    assert client.calls == 3
    assert sleeps == [5, 10]


def test_the_invalid_state_retry_gives_up(sleeps):
    client = _FlakyRds(*[_client_error("InvalidDBInstanceState", "not in available state") for _ in range(20)])

    with pytest.raises(Exception, match="not in available state"):
        rds.modify_db_instance(client, "db-1", {})

    assert client.calls == 6
    assert sum(sleeps) == 5 + 10 + 20 + 40 + 60
