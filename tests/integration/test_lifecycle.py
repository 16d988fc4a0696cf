"""The whole stack's life end to end, on one emulator: dev, staging and prod converged in one parallel
run, each right and isolated from the others; a second run and the plan change nothing; verify (a
read-only audit against the design); a drift named by verify and by the plan and fixed by a converge;
outputs.yml; then destroy.yml removes all three and leaves nothing tagged Project=payments but prod's
final DB snapshot and the key it is encrypted with.

The tests share the converged emulator (module scope: a converge of three environments takes about two
minutes here) and run in file order; the drift test restores what it breaks, and the destroy test,
last, ends it. Tests that need an account of their own (the plan on an empty one) start their own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import emulator  # tests/tools, put on the path by tests/conftest.py
import pytest
from stack_state import NOTHING_LEFT
from stack_state import aws
from stack_state import left_by_service
from stack_state import tagged

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


def changed_tasks(output: str, host: str) -> list[str]:
    return [match["name"] for match in TASK.finditer(output) if f"changed: [{host}]" in match["body"]]


def changed_count(output: str, host: str) -> int:
    return next(int(match["changed"]) for match in RECAP.finditer(output) if match["host"] == host)


def verify_report(outputs_dir: Path, env: str) -> dict:
    return json.loads((outputs_dir / f"{env}-verify.json").read_text())


ENVIRONMENTS = ("dev", "staging", "prod")
ALL_INVENTORIES = ("-i", "inventories/dev", "-i", "inventories/staging", "-i", "inventories/prod")
# prod refuses a self-signed certificate; the emulator has no internal CA to give it one.
CONVERGE_ALL = (*ALL_INVENTORIES, *emulator.ALLOW_SELF_SIGNED_CERTIFICATE)


@dataclass
class Converged:
    endpoint: str
    outputs_dir: Path
    first_run: str


@pytest.fixture(scope="module")
def converged(tmp_path_factory):
    """An emulator with dev, staging and prod converged by one site.yml run (forks: in parallel)."""
    workdir = tmp_path_factory.mktemp("lifecycle")
    state_file = workdir / "emulator.json"
    endpoint = emulator.start(state_file)["url"]
    try:
        rc, output = ansible_playbook(workdir / "outputs", "site.yml", *CONVERGE_ALL, endpoint=endpoint)
        assert rc == 0, output[-3000:]
        yield Converged(endpoint, workdir / "outputs", output)
    finally:
        emulator.stop(state_file)


def stack_arns(endpoint: str, env: str) -> set[str]:
    """Every ARN the tagging API lists with Stack=payments-<env>."""
    mappings = aws("resourcegroupstaggingapi", endpoint).get_resources(
        TagFilters=[{"Key": "Stack", "Values": [f"payments-{env}"]}]
    )["ResourceTagMappingList"]
    return {mapping["ResourceARN"] for mapping in mappings}


def test_three_environments_converge_in_one_parallel_run_each_right_and_isolated(converged):
    recap = {host: changed_count(converged.first_run, host) for host in (f"payments-{env}" for env in ENVIRONMENTS)}
    assert all(changed > 0 for changed in recap.values()), recap
    assert "failed=0" in converged.first_run
    outputs = {env: json.loads((converged.outputs_dir / f"{env}.json").read_text()) for env in ENVIRONMENTS}
    ec2, logs, lam = (aws(service, converged.endpoint) for service in ("ec2", "logs", "lambda"))
    wafs = {acl["Name"] for acl in aws("wafv2", converged.endpoint).list_web_acls(Scope="REGIONAL")["WebACLs"]}
    assert wafs == {"payments-prod-waf"}
    for env, retention, concurrency in (("dev", 7, 10), ("staging", 30, 50), ("prod", 90, 100)):
        stack = f"payments-{env}"
        out = outputs[env]
        assert out["stack"] == stack
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Stack", "Values": [stack]}])["Vpcs"]
        assert [vpc["VpcId"] for vpc in vpcs] == [out["vpc"]["vpc_id"]]
        tags = {tag["Key"]: tag["Value"] for tag in vpcs[0]["Tags"]}
        assert (tags["Environment"], tags["CostCenter"], tags["Project"]) == (env, f"payments-{env}", "payments")
        flow = logs.describe_log_groups(logGroupNamePrefix=f"/aws/vpc-flow-logs/{stack}")["logGroups"]
        assert [group["retentionInDays"] for group in flow] == [retention]
        function = out["lambda"]["function_name"]
        assert lam.get_function_concurrency(FunctionName=function)["ReservedConcurrentExecutions"] == concurrency
        # The emulator reports a made-up VpcId; the subnets are the real ones.
        subnets = lam.get_function(FunctionName=function)["Configuration"]["VpcConfig"]["SubnetIds"]
        assert sorted(subnets) == sorted(out["vpc"]["private_subnet_ids"])
        # The API may invoke the function, from its own /payment routes only.
        (statement,) = json.loads(lam.get_policy(FunctionName=function)["Policy"])["Statement"]
        assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
        assert statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(f"{out['apigw_waf']['api_id']}/*/*/payment*")
    # No resource of one environment is tagged with, named after or wired to another's.
    arns = {env: stack_arns(converged.endpoint, env) for env in ENVIRONMENTS}
    assert all(arns.values())
    assert arns["dev"].isdisjoint(arns["staging"]) and arns["dev"].isdisjoint(arns["prod"])
    assert arns["staging"].isdisjoint(arns["prod"])
    for env in ENVIRONMENTS:
        others = [other for other in ENVIRONMENTS if other != env]
        text = json.dumps(outputs[env])
        assert not any(f"payments-{other}" in text or f"{other}-payments-" in text for other in others), env
        assert not any(outputs[other]["vpc"]["vpc_id"] in text for other in others), env


def test_a_second_parallel_run_and_the_plan_change_nothing(converged):
    rc, second = ansible_playbook(converged.outputs_dir, "site.yml", *CONVERGE_ALL, endpoint=converged.endpoint)
    assert rc == 0, second[-3000:]
    assert {env: changed_count(second, f"payments-{env}") for env in ENVIRONMENTS} == dict.fromkeys(ENVIRONMENTS, 0)

    rc, plan = ansible_playbook(
        converged.outputs_dir, "site.yml", *CONVERGE_ALL, "--check", "--diff", endpoint=converged.endpoint
    )
    assert rc == 0, plan[-3000:]
    assert {env: changed_count(plan, f"payments-{env}") for env in ENVIRONMENTS} == dict.fromkeys(ENVIRONMENTS, 0)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_verify_passes_on_a_converged_environment(converged, env):
    endpoint, outputs_dir = converged.endpoint, converged.outputs_dir

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
    # Who the alarms reach: prod's placeholder on-call address (the emulator confirms at once), nobody elsewhere.
    assert "alarm subscriptions" in checks
    if env == "prod":
        assert report["alarm_subscriptions"] == [
            {"protocol": "email", "endpoint": "payments-oncall@example.com", "status": "confirmed"}
        ]
    else:
        assert report["alarm_subscriptions"] == []


def test_outputs_prints_the_last_converge_without_aws(converged, tmp_path):
    outputs_dir = converged.outputs_dir
    written = json.loads((outputs_dir / "dev.json").read_text())

    # An endpoint nobody listens on: printing the outputs needs no AWS call.
    rc, output = ansible_playbook(
        outputs_dir, "playbooks/outputs.yml", "-i", "inventories/dev", endpoint="http://127.0.0.1:9"
    )
    missing_rc, missing = ansible_playbook(
        tmp_path, "playbooks/outputs.yml", "-i", "inventories/staging", endpoint="http://127.0.0.1:9"
    )

    assert rc == 0, output[-3000:]
    assert written["vpc"]["vpc_id"] in output
    assert written["dynamodb"]["table_arn"] in output
    assert changed_count(output, "payments-dev") == 0
    assert missing_rc != 0
    assert "staging.json does not exist" in missing
    assert "site.yml -i" in missing


def test_drift_is_named_by_verify_and_the_plan_and_fixed_by_a_converge(converged):
    endpoint, outputs_dir = converged.endpoint, converged.outputs_dir
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


def test_destroy_removes_all_three_and_a_second_destroy_changes_nothing(converged):
    endpoint, outputs_dir = converged.endpoint, converged.outputs_dir
    prod_key = json.loads((outputs_dir / "prod.json").read_text())["rds_kms"]["key_arn"]
    assert tagged(endpoint, "Project", "payments") != []

    rc, destroy = ansible_playbook(
        outputs_dir, "playbooks/destroy.yml", *ALL_INVENTORIES, "-e", "confirm_destroy=payments-prod", endpoint=endpoint
    )

    assert rc == 0, destroy[-3000:]
    assert all(changed_count(destroy, f"payments-{env}") > 0 for env in ENVIRONMENTS)
    for env in ENVIRONMENTS:
        assert left_by_service(endpoint, env) == NOTHING_LEFT | (
            {"kms aliases": ["alias/payments-prod-data"]} if env == "prod" else {}
        ), env
    # prod keeps its final snapshot, and the key it is encrypted with (enabled, alias kept) so it can be
    # restored; dev and staging keep none, and their keys are only pending deletion (recoverable).
    snapshots = aws("rds", endpoint).describe_db_snapshots()["DBSnapshots"]
    assert [snapshot["DBInstanceIdentifier"] for snapshot in snapshots] == ["payments-prod-db"]
    assert snapshots[0]["DBSnapshotIdentifier"].startswith("payments-prod-db-final-")
    assert snapshots[0]["Encrypted"]
    assert sorted(tagged(endpoint, "Project", "payments")) == sorted([snapshots[0]["DBSnapshotArn"], prod_key])
    kms = aws("kms", endpoint)
    states = sorted(kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] for key in kms.list_keys()["Keys"])
    assert states == ["Enabled", "PendingDeletion", "PendingDeletion"]
    assert "Delete them, then destroy again to retire the key" in destroy
    assert sorted(path.name for path in outputs_dir.glob("*.json") if "verify" not in path.name) == []

    rc, again = ansible_playbook(
        outputs_dir, "playbooks/destroy.yml", *ALL_INVENTORIES, "-e", "confirm_destroy=payments-prod", endpoint=endpoint
    )
    assert rc == 0, again[-3000:]
    assert {env: changed_count(again, f"payments-{env}") for env in ENVIRONMENTS} == dict.fromkeys(ENVIRONMENTS, 0)
