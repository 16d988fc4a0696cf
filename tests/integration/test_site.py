"""The site playbook: the plan on an empty account, a drift. Bad input is in test_bad_input.py; three environments
at once, idempotence and destroy are in test_lifecycle.py."""

from __future__ import annotations

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
