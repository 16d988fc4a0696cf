"""The site playbook end to end: several environments at once, idempotence, the plan, bad input."""

from __future__ import annotations

import json

import boto3
import pytest

pytestmark = pytest.mark.integration


def aws(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def stack_vpcs(endpoint: str, stack: str) -> list[dict]:
    return aws("ec2", endpoint).describe_vpcs(Filters=[{"Name": "tag:Stack", "Values": [stack]}])["Vpcs"]


def test_two_environments_converge_in_parallel_each_with_its_own_values(new_emulator, playbook):
    endpoint = new_emulator()

    first = playbook("site.yml", "-i", "inventories/dev", "-i", "inventories/staging", endpoint=endpoint)
    assert first.returncode == 0, first.output[-3000:]
    assert set(first.recap) == {"payments-dev", "payments-staging"}
    assert all(host["changed"] > 0 and host["failed"] == 0 for host in first.recap.values())

    logs = aws("logs", endpoint)
    for env, retention in (("dev", 7), ("staging", 30)):
        outputs = json.loads((playbook.outputs_dir / f"{env}.json").read_text())
        assert outputs["stack"] == f"payments-{env}"
        vpcs = stack_vpcs(endpoint, f"payments-{env}")
        assert [vpc["VpcId"] for vpc in vpcs] == [outputs["vpc"]["vpc_id"]]
        tags = {tag["Key"]: tag["Value"] for tag in vpcs[0]["Tags"]}
        assert tags["Environment"] == env
        assert tags["CostCenter"] == f"payments-{env}"
        group = logs.describe_log_groups(logGroupNamePrefix=f"/aws/vpc-flow-logs/payments-{env}")["logGroups"]
        assert [g["retentionInDays"] for g in group] == [retention]
        assert len(outputs["vpc"]["private_subnet_ids"]) == 3

    second = playbook("site.yml", "-i", "inventories/dev", "-i", "inventories/staging", endpoint=endpoint)
    assert second.returncode == 0, second.output[-3000:]
    assert {host: counts["changed"] for host, counts in second.recap.items()} == {
        "payments-dev": 0,
        "payments-staging": 0,
    }

    plan = playbook("site.yml", "-i", "inventories/dev", "--check", "--diff", endpoint=endpoint)
    assert plan.returncode == 0, plan.output[-3000:]
    assert plan.recap["payments-dev"]["changed"] == 0


def test_plan_on_an_empty_account_reports_changes_and_writes_nothing(new_emulator, playbook):
    endpoint = new_emulator()

    plan = playbook("site.yml", "-i", "inventories/prod", "--check", "--diff", endpoint=endpoint)

    assert plan.returncode == 0, plan.output[-3000:]
    assert plan.recap["payments-prod"]["changed"] > 0
    assert stack_vpcs(endpoint, "payments-prod") == []
    assert aws("logs", endpoint).describe_log_groups(logGroupNamePrefix="/aws/vpc-flow-logs/")["logGroups"] == []


def test_a_drifted_flow_log_retention_is_named_by_the_plan_and_fixed_by_a_converge(new_emulator, playbook):
    endpoint = new_emulator()
    assert playbook("site.yml", "-i", "inventories/dev", endpoint=endpoint).returncode == 0
    logs = aws("logs", endpoint)
    logs.put_retention_policy(logGroupName="/aws/vpc-flow-logs/payments-dev", retentionInDays=1)

    plan = playbook("site.yml", "-i", "inventories/dev", "--check", "--diff", endpoint=endpoint)
    assert plan.returncode == 0, plan.output[-3000:]
    assert plan.recap["payments-dev"]["changed"] == 1
    assert "Converge the flow-log group" in plan.output.split("changed: [payments-dev]")[0].rsplit("TASK [", 1)[1]
    assert (
        logs.describe_log_groups(logGroupNamePrefix="/aws/vpc-flow-logs/payments-dev")["logGroups"][0][
            "retentionInDays"
        ]
        == 1
    )

    fix = playbook("site.yml", "-i", "inventories/dev", endpoint=endpoint)
    assert fix.recap["payments-dev"]["changed"] == 1
    assert (
        logs.describe_log_groups(logGroupNamePrefix="/aws/vpc-flow-logs/payments-dev")["logGroups"][0][
            "retentionInDays"
        ]
        == 7
    )


# An endpoint nobody listens on: a bad value must fail before the first AWS call, so no call is tried.
UNREACHABLE = "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("extra_var", "variable"),
    [
        ("vpc_cidr_block=10.0.0.0/24", "vpc_cidr_block"),
        ("vpc_cidr_block=192.168.1.0/16", "vpc_cidr_block"),
        ("vpc_flow_logs_retention_days=10", "vpc_flow_logs_retention_days"),
        ("vpc_private_subnet_count=4", "vpc_private_subnet_count"),
        ("payments_env=qa", "payments_env"),
        ("payments_env_suffix=UPPER", "payments_env_suffix"),
        ("aws_region=moon", "aws_region"),
        ("payments_audit_bucket_suffix=xyz", "payments_audit_bucket_suffix"),
    ],
)
def test_bad_input_fails_before_any_aws_call_naming_the_variable(playbook, extra_var, variable):
    run = playbook("site.yml", "-i", "inventories/dev", "-e", extra_var, endpoint=UNREACHABLE)

    assert run.returncode != 0
    assert variable in run.output
    assert "Could not connect to the endpoint URL" not in run.output
    assert "Converge the VPC" not in run.output
