"""stack_inventory: every resource of a type is counted, the account's own defaults are not."""

import pytest
import stack_inventory
from stack_state import aws  # tests/tools


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    import emulator

    state = tmp_path_factory.mktemp("stack_inventory") / "emulator.json"
    yield emulator.start(state)["url"]
    emulator.stop(state)


def test_an_empty_account_holds_nothing_but_its_defaults(tmp_path):
    import emulator

    state = tmp_path / "emulator.json"
    url = emulator.start(state)["url"]
    try:
        counts = stack_inventory.counts(stack_inventory.inventory(url))
    finally:
        emulator.stop(state)

    assert set(counts.values()) == {0}, counts
    assert {"ec2:vpc", "kms:key", "apigateway:rest-api", "wafv2:web-acl", "acm:certificate"} <= set(counts)


def test_untagged_unnamed_duplicates_are_counted(endpoint):
    ec2, kms = aws("ec2", endpoint), aws("kms", endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.create_vpc(CidrBlock="10.9.0.0/16")
    ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)
    aliased = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/one", TargetKeyId=aliased)
    kms.create_key()
    retired = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=retired, PendingWindowInDays=7)
    aws("apigateway", endpoint).create_rest_api(name="api")
    aws("apigateway", endpoint).create_rest_api(name="api")

    found = stack_inventory.inventory(endpoint)
    counts = stack_inventory.counts(found)

    assert counts["ec2:vpc"] == 2
    assert counts["ec2:security-group"] == 1  # the VPCs' default groups are left out
    assert counts["ec2:route-table"] == 0  # main route tables are left out
    assert counts["kms:key"] == 2 and retired not in found["kms:key"]
    assert found["kms:alias"] == ["alias/one"]
    assert counts["apigateway:rest-api"] == 2


def test_excess_names_each_type_with_more_than_expected():
    found = {"ec2:vpc": 2, "kms:key": 1, "sns:topic": 1}

    assert stack_inventory.excess(found, {"ec2:vpc": 1, "kms:key": 1}) == {"ec2:vpc": (2, 1), "sns:topic": (1, 0)}
    assert stack_inventory.excess(found, found) == {}
