"""playbooks/destroy.yml refuses prod without its stack name, before any AWS call, and while the audit bucket holds
retained object versions, before removing anything. The destroy itself (all three
environments, nothing left, a rerun changes nothing, prod's final snapshot) is in test_lifecycle.py."""

from __future__ import annotations

import datetime
import json

import boto3
import pytest

pytestmark = pytest.mark.integration

# An endpoint nobody listens on: a refusal must come before the first AWS call, so no call is tried.
UNREACHABLE = "http://127.0.0.1:9"


@pytest.mark.parametrize("confirmation", [None, "", "payments-dev", "prod", "payments-prod "])
def test_prod_destroy_refuses_without_the_stack_name_before_any_aws_call(playbook, confirmation):
    extra = [] if confirmation is None else ["-e", json.dumps({"confirm_destroy": confirmation})]

    run = playbook("playbooks/destroy.yml", "-i", "inventories/prod", *extra, endpoint=UNREACHABLE)

    assert run.returncode != 0
    assert "confirm_destroy=payments-prod" in run.output
    assert "Could not connect to the endpoint URL" not in run.output
    assert "Remove the API" not in run.output


def test_prod_stays_protected_even_when_the_inventory_turns_confirmation_off(playbook):
    run = playbook(
        "playbooks/destroy.yml",
        "-i",
        "inventories/prod",
        "-e",
        "payments_destroy_requires_confirmation=false",
        endpoint=UNREACHABLE,
    )

    assert run.returncode != 0
    assert "confirm_destroy=payments-prod" in run.output
    assert "Could not connect to the endpoint URL" not in run.output


def test_any_environment_can_ask_for_confirmation(playbook):
    run = playbook(
        "playbooks/destroy.yml",
        "-i",
        "inventories/staging",
        "-e",
        "payments_destroy_requires_confirmation=true",
        endpoint=UNREACHABLE,
    )

    assert run.returncode != 0
    assert "confirm_destroy=payments-staging" in run.output
    assert "Could not connect to the endpoint URL" not in run.output


# Issue 20, item 5: the audit trail. A prod destroy stops before removing anything while the audit bucket holds
# object versions under retention; naming the bucket lets GOVERNANCE-mode versions go, never COMPLIANCE ones.
AUDIT_SUFFIX = "0a0d17ed"
AUDIT_BUCKET = f"payments-prod-audit-{AUDIT_SUFFIX}"
TABLE = "payments-prod-transactions"


def retained_audit_bucket(url: str, mode: str):
    """The prod audit bucket (Object Lock, its TLS-only policy), one free version and one under ``mode``
    retention for two days; and the prod table, which a destroy would remove before the bucket."""
    aws = {"endpoint_url": url, "region_name": "us-east-1", "aws_access_key_id": "t", "aws_secret_access_key": "t"}
    s3 = boto3.client("s3", **aws)
    s3.create_bucket(Bucket=AUDIT_BUCKET, ObjectLockEnabledForBucket=True)
    s3.put_object(Bucket=AUDIT_BUCKET, Key="transactions/free.json", Body=b"{}")
    until = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)
    s3.put_object(
        Bucket=AUDIT_BUCKET,
        Key="transactions/kept.json",
        Body=b"{}",
        ObjectLockMode=mode,
        ObjectLockRetainUntilDate=until,
    )
    deny_without_tls = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{AUDIT_BUCKET}", f"arn:aws:s3:::{AUDIT_BUCKET}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    s3.put_bucket_policy(Bucket=AUDIT_BUCKET, Policy=json.dumps(deny_without_tls))
    ddb = boto3.client("dynamodb", **aws)
    ddb.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "transactionId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "transactionId", "KeyType": "HASH"}],
    )
    return s3, ddb


@pytest.mark.parametrize(
    ("mode", "confirm_bucket", "expected"),
    [
        ("GOVERNANCE", None, ["1 under GOVERNANCE retention until", f"confirm_audit_bucket_removal={AUDIT_BUCKET}"]),
        ("COMPLIANCE", None, ["1 under COMPLIANCE retention until", "cannot be removed by anyone before"]),
        ("COMPLIANCE", AUDIT_BUCKET, ["1 under COMPLIANCE retention until", "cannot be removed by anyone before"]),
    ],
    ids=["governance", "compliance", "compliance-even-when-named"],
)
def test_prod_destroy_keeps_a_retained_audit_trail_and_removes_nothing(
    playbook, new_emulator, mode, confirm_bucket, expected
):
    url = new_emulator()
    s3, ddb = retained_audit_bucket(url, mode)
    extra = ["-e", f"confirm_audit_bucket_removal={confirm_bucket}"] if confirm_bucket else []

    run = playbook(
        "playbooks/destroy.yml",
        "-i",
        "inventories/prod",
        "-e",
        "confirm_destroy=payments-prod",
        "-e",
        f"payments_audit_bucket_suffix={AUDIT_SUFFIX}",
        *extra,
        endpoint=url,
    )

    assert run.returncode != 0, run.output
    for text in expected:
        assert text in run.output, run.output
    assert "Nothing was deleted" in run.output
    assert "TASK [Remove the monitoring" not in run.output
    # Nothing was removed: the table, both object versions and the bucket policy are all still there.
    assert ddb.describe_table(TableName=TABLE)["Table"]["TableStatus"] == "ACTIVE"
    keys = sorted(version["Key"] for version in s3.list_object_versions(Bucket=AUDIT_BUCKET)["Versions"])
    assert keys == ["transactions/free.json", "transactions/kept.json"]
    assert "DenyInsecureTransport" in s3.get_bucket_policy(Bucket=AUDIT_BUCKET)["Policy"]
