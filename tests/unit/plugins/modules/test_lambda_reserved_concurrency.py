"""payments.aws_platform.lambda_reserved_concurrency against the emulator, with a fake
GetAccountSettings answer where the emulator has none (it answers HTTP 404)."""

import io
import json
import re
import zipfile

import boto3
import pytest

from ansible_collections.payments.aws_platform.plugins.module_utils import base

MODULE = "lambda_reserved_concurrency"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def warning_texts(result):
    """The warnings' texts (ansible-core 2.19 returns each warning as a dict with its event)."""
    return [warning if isinstance(warning, str) else warning["event"]["msg"] for warning in result.get("warnings", [])]


@pytest.fixture
def name(unique_name):
    """A unique function (and role) name: parametrized test names carry brackets Lambda refuses."""
    return re.sub(r"[^A-Za-z0-9-]", "-", unique_name)


@pytest.fixture
def lam(emulator_url):
    return boto3.client(
        "lambda",
        endpoint_url=emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def function_name(emulator_url, lam, name):
    iam = boto3.client(
        "iam", endpoint_url=emulator_url, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    role = iam.create_role(RoleName=name[:60], AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return None\n")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()},
    )
    return name


def reserved(lam, name):
    return lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")


class FakeAccountSettings:
    """The real client, but GetAccountSettings answers as AWS would for ``limit``/``unreserved``."""

    def __init__(self, real, limit, unreserved):
        self._real = real
        self._answer = {"AccountLimit": {"ConcurrentExecutions": limit, "UnreservedConcurrentExecutions": unreserved}}

    def get_account_settings(self):
        return self._answer

    def __getattr__(self, name):
        return getattr(self._real, name)


@pytest.fixture
def account(monkeypatch):
    """``account(limit, unreserved)`` makes the module see that GetAccountSettings answer."""
    real_client = base.client

    def fake(limit, unreserved):
        monkeypatch.setattr(
            base,
            "client",
            lambda module, service: FakeAccountSettings(real_client(module, service), limit, unreserved),
        )

    return fake


def test_set_then_rerun_changes_nothing(run_module, lam, function_name):
    first = run_module(MODULE, {"name": function_name, "reserved_concurrent_executions": 10})
    second = run_module(MODULE, {"name": function_name, "reserved_concurrent_executions": 10})

    assert first["changed"] is True
    assert second["changed"] is False
    assert reserved(lam, function_name) == 10


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_change_is_diffed_and_only_written_outside_check_mode(run_module, lam, function_name, check_mode):
    run_module(MODULE, {"name": function_name, "reserved_concurrent_executions": 10})

    result = run_module(
        MODULE, {"name": function_name, "reserved_concurrent_executions": 50}, check_mode=check_mode, diff=True
    )

    assert result["changed"] is True
    assert result["diff"] == {
        "before": {"reserved_concurrent_executions": 10},
        "after": {"reserved_concurrent_executions": 50},
    }
    assert reserved(lam, function_name) == (10 if check_mode else 50)


def test_the_emulators_404_on_account_settings_is_a_warning(run_module, lam, function_name):
    result = run_module(MODULE, {"name": function_name, "reserved_concurrent_executions": 100})

    assert result["failed"] is False
    assert result["changed"] is True
    assert result["account_limit"] is None
    assert any("GetAccountSettings" in warning for warning in warning_texts(result))
    assert reserved(lam, function_name) == 100


@pytest.mark.parametrize("check_mode", [True, False])
def test_too_little_headroom_fails_naming_the_limit_and_writes_nothing(
    run_module, lam, function_name, account, check_mode
):
    account(limit=1000, unreserved=150)

    result = run_module(MODULE, {"name": function_name, "reserved_concurrent_executions": 60}, check_mode=check_mode)

    assert result["failed"] is True
    assert "reserved_concurrent_executions=60" in result["msg"]
    assert "would leave 90 unreserved" in result["msg"]
    assert "limit is 1000" in result["msg"]
    assert "150 are unreserved now" in result["msg"]
    assert reserved(lam, function_name) is None


def test_enough_headroom_counts_the_functions_own_reservation(run_module, lam, function_name, account):
    run_module(MODULE, {"name": function_name, "reserved_concurrent_executions": 50})
    # 150 unreserved + the 50 this function gives back = 200; reserving 100 leaves exactly 100.
    account(limit=1000, unreserved=150)

    result = run_module(MODULE, {"name": function_name, "reserved_concurrent_executions": 100})

    assert result["failed"] is False
    assert result["account_limit"] == {"concurrent_executions": 1000, "unreserved_concurrent_executions": 150}
    assert reserved(lam, function_name) == 100


def test_lowering_a_reservation_needs_no_headroom(run_module, lam, function_name, account):
    run_module(MODULE, {"name": function_name, "reserved_concurrent_executions": 50})
    account(limit=100, unreserved=0)

    result = run_module(MODULE, {"name": function_name, "reserved_concurrent_executions": 10})

    assert result["failed"] is False
    assert result["changed"] is True
    assert reserved(lam, function_name) == 10


def test_absent_removes_the_reservation_once(run_module, lam, function_name):
    run_module(MODULE, {"name": function_name, "reserved_concurrent_executions": 10})

    first = run_module(MODULE, {"name": function_name, "state": "absent"})
    second = run_module(MODULE, {"name": function_name, "state": "absent"})

    assert first["changed"] is True
    assert second["changed"] is False
    assert reserved(lam, function_name) is None


def test_check_mode_plans_a_reservation_for_a_function_not_created_yet(run_module, name):
    result = run_module(MODULE, {"name": name, "reserved_concurrent_executions": 10}, check_mode=True)

    assert result["failed"] is False
    assert result["changed"] is True


def test_a_missing_function_fails_outside_check_mode(run_module, name):
    result = run_module(MODULE, {"name": name, "reserved_concurrent_executions": 10})

    assert result["failed"] is True
    assert name in result["msg"]


def test_a_negative_reservation_fails_before_any_call(run_module, lam, function_name):
    result = run_module(MODULE, {"name": function_name, "reserved_concurrent_executions": -1})

    assert result["failed"] is True
    assert "reserved_concurrent_executions" in result["msg"]
    assert reserved(lam, function_name) is None
