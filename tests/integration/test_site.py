"""The site playbook's plan on an empty (prod) account: it reports what it would create and writes nothing.
Three environments at once, idempotence, drift, verify and destroy are in test_lifecycle.py; zero writes by the
API log in test_reliability.py; bad input in test_bad_input.py."""

from __future__ import annotations

import emulator  # tests/tools
import pytest
from stack_state import aws

pytestmark = pytest.mark.integration


def test_plan_on_an_empty_account_reports_changes_and_writes_nothing(new_emulator, playbook):
    endpoint = new_emulator()

    plan = playbook(
        "site.yml",
        "-i",
        "inventories/prod",
        *emulator.ALLOW_SELF_SIGNED_CERTIFICATE,
        "--check",
        "--diff",
        endpoint=endpoint,
    )

    assert plan.returncode == 0, plan.output[-3000:]
    assert plan.recap["payments-prod"]["changed"] > 0
    assert (
        aws("ec2", endpoint).describe_vpcs(Filters=[{"Name": "tag:Stack", "Values": ["payments-prod"]}])["Vpcs"] == []
    )
    assert aws("logs", endpoint).describe_log_groups()["logGroups"] == []
    assert aws("resourcegroupstaggingapi", endpoint).get_resources()["ResourceTagMappingList"] == []
    assert aws("iam", endpoint).list_roles()["Roles"] == []
    assert aws("kms", endpoint).list_keys()["Keys"] == []
    assert aws("wafv2", endpoint).list_web_acls(Scope="REGIONAL")["WebACLs"] == []
