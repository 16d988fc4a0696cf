"""The operations playbooks end to end: verify (a read-only audit against the design), the plan
(site.yml --check --diff) on a drifted and on an empty account, and outputs.yml.

One emulator with dev and prod converged once serves every test that leaves it converged (module scope:
a converge takes about a minute here); the drift test restores what it breaks before it ends."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import boto3
import emulator  # tests/tools, put on the path by tests/conftest.py
import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+ok=\d+\s+changed=(?P<changed>\d+)\s", re.MULTILINE)
# "TASK [role : name] ****" then the hosts' results: the names of the tasks that reported changed.
TASK = re.compile(r"^TASK \[(?P<name>.+?)\] \*+$(?P<body>.*?)(?=^TASK \[|^PLAY RECAP)", re.MULTILINE | re.DOTALL)


def ansible_playbook(outputs_dir: Path, *args: str, endpoint: str) -> tuple[int, str]:
    """The same call as tests/integration/conftest.py's ``playbook`` fixture, usable at module scope."""
    command = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        *args,
        "-e",
        f"payments_outputs_dir={outputs_dir}",
        "-e",
        f"aws_endpoint_url={endpoint}",
    ]
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0"}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    return done.returncode, done.stdout + done.stderr


def aws(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def changed_tasks(output: str, host: str) -> list[str]:
    return [match["name"] for match in TASK.finditer(output) if f"changed: [{host}]" in match["body"]]


def changed_count(output: str, host: str) -> int:
    return next(int(match["changed"]) for match in RECAP.finditer(output) if match["host"] == host)


def verify_report(outputs_dir: Path, env: str) -> dict:
    return json.loads((outputs_dir / f"{env}-verify.json").read_text())


@pytest.fixture(scope="module")
def converged(tmp_path_factory):
    """An emulator with dev and prod converged by one site.yml run: (endpoint, outputs_dir)."""
    workdir = tmp_path_factory.mktemp("plan-verify")
    state_file = workdir / "emulator.json"
    endpoint = emulator.start(state_file)["url"]
    try:
        rc, output = ansible_playbook(
            workdir / "outputs", "site.yml", "-i", "inventories/dev", "-i", "inventories/prod", endpoint=endpoint
        )
        assert rc == 0, output[-3000:]
        yield endpoint, workdir / "outputs"
    finally:
        emulator.stop(state_file)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_verify_passes_on_a_converged_environment(converged, env):
    endpoint, outputs_dir = converged

    rc, output = ansible_playbook(outputs_dir, "playbooks/verify.yml", "-i", f"inventories/{env}", endpoint=endpoint)

    assert rc == 0, output[-4000:]
    report = verify_report(outputs_dir, env)
    assert report["passed"] is True
    assert report["stack"] == f"payments-{env}"
    assert {row["status"] for row in report["checks"]} == {"PASS"}, [
        r for r in report["checks"] if r["status"] != "PASS"
    ]
    checks = {row["check"] for row in report["checks"]}
    for check in ("kms key rotation", "rds encryption key", "dynamodb pitr", "s3 tls-only policy", "stack tags"):
        assert check in checks
    # The printed table has one row per check, and the summary line counts them.
    assert f"payments-{env}: {len(report['checks'])} checks, {len(report['checks'])} PASS, 0 FAIL" in output
    assert output.count("| PASS") == len(report["checks"])
    waf_rows = {(row["check"], row["actual"]) for row in report["checks"] if row["check"].startswith("waf")}
    if env == "prod":
        assert waf_rows == {("waf web acl", "present"), ("waf on the api stage", "payments-prod-waf")}
    else:
        assert waf_rows == {("waf web acl", "absent"), ("waf on the api stage", "none")}


def test_outputs_prints_the_last_converge_without_aws(converged):
    _, outputs_dir = converged
    written = json.loads((outputs_dir / "dev.json").read_text())

    # An endpoint nobody listens on: printing the outputs needs no AWS call.
    rc, output = ansible_playbook(
        outputs_dir, "playbooks/outputs.yml", "-i", "inventories/dev", endpoint="http://127.0.0.1:9"
    )
    missing_rc, missing = ansible_playbook(
        outputs_dir, "playbooks/outputs.yml", "-i", "inventories/staging", endpoint="http://127.0.0.1:9"
    )

    assert rc == 0, output[-3000:]
    assert written["vpc"]["vpc_id"] in output
    assert written["dynamodb"]["table_arn"] in output
    assert changed_count(output, "payments-dev") == 0
    assert missing_rc != 0
    assert "staging.json does not exist" in missing
    assert "site.yml -i" in missing


def test_drift_is_named_by_verify_and_the_plan_and_fixed_by_a_converge(converged):
    endpoint, outputs_dir = converged
    names = json.loads((outputs_dir / "dev.json").read_text())
    log_group = names["lambda"]["log_group_name"]
    key_id = names["rds_kms"]["key_id"]
    table = names["dynamodb"]["table_name"]
    bucket = names["s3_audit"]["bucket_name"]
    logs, kms, dynamodb, s3 = (aws(service, endpoint) for service in ("logs", "kms", "dynamodb", "s3"))

    def state() -> dict:
        return {
            "retention": logs.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"][0].get("retentionInDays"),
            "rotation": kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"],
            "pitr": dynamodb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"][
                "PointInTimeRecoveryDescription"
            ]["PointInTimeRecoveryStatus"],
            "versioning": s3.get_bucket_versioning(Bucket=bucket).get("Status"),
        }

    converged_state = state()
    logs.put_retention_policy(logGroupName=log_group, retentionInDays=1)
    kms.disable_key_rotation(KeyId=key_id)
    dynamodb.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    drifted_state = state()
    assert drifted_state == {"retention": 1, "rotation": False, "pitr": "DISABLED", "versioning": "Suspended"}

    rc, output = ansible_playbook(outputs_dir, "playbooks/verify.yml", "-i", "inventories/dev", endpoint=endpoint)
    assert rc != 0
    failed = {
        (row["check"], row["resource"])
        for row in verify_report(outputs_dir, "dev")["checks"]
        if row["status"] == "FAIL"
    }
    assert failed == {
        ("log retention days", log_group),
        ("kms key rotation", "alias/payments-dev-data"),
        ("dynamodb pitr", table),
        ("s3 versioning", bucket),
    }
    assert "4 check(s) failed" in output
    # The whole table is printed before the play fails.
    assert output.index("| FAIL") < output.index("4 check(s) failed")

    rc, plan = ansible_playbook(
        outputs_dir, "site.yml", "-i", "inventories/dev", "--check", "--diff", endpoint=endpoint
    )
    assert rc == 0, plan[-3000:]
    assert sorted(changed_tasks(plan, "payments-dev")) == sorted(
        [
            "payments.aws_platform.lambda : Converge the function's log group "
            "(before the function, so Lambda never creates it unencrypted)",
            "payments.aws_platform.rds_kms : Converge the stack key "
            "(rotation on; the account administers it, the stack's services use it)",
            "payments.aws_platform.dynamodb : Converge the transactions table",
            "payments.aws_platform.s3_audit : Converge the audit bucket",
        ]
    ), plan[-6000:]
    assert changed_count(plan, "payments-dev") == 4
    assert state() == drifted_state

    rc, fix = ansible_playbook(outputs_dir, "site.yml", "-i", "inventories/dev", endpoint=endpoint)
    assert rc == 0, fix[-3000:]
    assert changed_count(fix, "payments-dev") == 4
    assert state() == converged_state

    rc, output = ansible_playbook(outputs_dir, "playbooks/verify.yml", "-i", "inventories/dev", endpoint=endpoint)
    assert rc == 0, output[-4000:]
    assert verify_report(outputs_dir, "dev")["passed"] is True


def test_plan_on_an_empty_account_changes_nothing(new_emulator, playbook):
    endpoint = new_emulator()

    plan = playbook("site.yml", "-i", "inventories/dev", "--check", "--diff", endpoint=endpoint)

    assert plan.returncode == 0, plan.output[-3000:]
    assert plan.recap["payments-dev"]["changed"] > 0
    assert aws("resourcegroupstaggingapi", endpoint).get_resources()["ResourceTagMappingList"] == []
    assert aws("iam", endpoint).list_roles()["Roles"] == []
    assert aws("kms", endpoint).list_keys()["Keys"] == []
