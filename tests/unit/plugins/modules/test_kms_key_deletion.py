"""payments.aws_platform.kms_key_deletion against the emulator."""

import pytest

MODULE = "kms_key_deletion"


@pytest.fixture
def key(kms, unique_name):
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    alias = f"alias/{unique_name}"
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    return {"key_id": key_id, "alias": alias}


def state_of(kms, key_id):
    return kms.describe_key(KeyId=key_id)["KeyMetadata"]


def aliases_of(kms, key_id):
    return [alias["AliasName"] for alias in kms.list_aliases(KeyId=key_id)["Aliases"]]


@pytest.mark.parametrize("by", ["alias", "arn"])
def test_schedules_the_deletion_and_removes_the_alias_once(run_module, kms, key, by):
    reference = key["alias"] if by == "alias" else state_of(kms, key["key_id"])["Arn"]

    first = run_module(MODULE, {"key": reference, "pending_window_days": 7})
    second = run_module(MODULE, {"key": key["key_id"], "pending_window_days": 7})

    assert first["changed"] is True
    assert first["deleted_aliases"] == [key["alias"]]
    assert first["key"]["key_state"] == "PendingDeletion"
    assert second["changed"] is False
    assert state_of(kms, key["key_id"])["KeyState"] == "PendingDeletion"
    assert aliases_of(kms, key["key_id"]) == []


def test_check_mode_reports_and_writes_nothing(run_module, kms, key):
    result = run_module(MODULE, {"key": key["alias"], "pending_window_days": 30}, check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["diff"]["after"]["key_state"] == "PendingDeletion"
    assert state_of(kms, key["key_id"])["KeyState"] == "Enabled"
    assert aliases_of(kms, key["key_id"]) == [key["alias"]]


def test_the_window_is_passed_to_kms(run_module, kms, key):
    run_module(MODULE, {"key": key["key_id"], "pending_window_days": 30, "delete_aliases": False})

    metadata = state_of(kms, key["key_id"])
    assert metadata["KeyState"] == "PendingDeletion"
    assert metadata.get("PendingDeletionWindowInDays", 30) == 30
    assert aliases_of(kms, key["key_id"]) == [key["alias"]]


def test_a_missing_key_is_not_a_change(run_module, unique_name):
    result = run_module(MODULE, {"key": f"alias/{unique_name}-none", "pending_window_days": 7})

    assert result["changed"] is False
    assert result["key"] == {}


@pytest.mark.parametrize("days", [6, 31])
def test_a_window_kms_refuses_fails_before_any_call(run_module, kms, key, days):
    result = run_module(MODULE, {"key": key["key_id"], "pending_window_days": days})

    assert result["failed"] is True
    assert "pending_window_days" in result["msg"]
    assert state_of(kms, key["key_id"])["KeyState"] == "Enabled"
