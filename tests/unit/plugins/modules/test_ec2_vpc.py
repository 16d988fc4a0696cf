"""payments.aws_platform.ec2_vpc against the emulator, counting the AWS calls it makes."""

from collections import Counter

import pytest

MODULE = "ec2_vpc"
CIDR = "10.77.0.0/16"
TAGS = {"Project": "payments", "Environment": "test"}


def vpcs_named(ec2, name):
    return ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]


def dns(ec2, vpc_id):
    return {
        "dns_support": ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")["EnableDnsSupport"][
            "Value"
        ],
        "dns_hostnames": ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")["EnableDnsHostnames"][
            "Value"
        ],
    }


def args_for(name, **extra):
    return {"name": name, "cidr_block": CIDR, "tags": TAGS, **extra}


@pytest.fixture
def converged(run_module, unique_name):
    result = run_module(MODULE, args_for(unique_name))
    assert result["changed"] is True, result
    return result


def test_create_makes_one_tagged_vpc_with_dns_hostnames(run_module, ec2, unique_name, counted):
    with counted() as calls:
        result = run_module(MODULE, args_for(unique_name))

    assert result["failed"] is False, result
    assert result["changed"] is True
    # One read, the create (tags included), DNS hostnames on (a new VPC has DNS support already); no sleep,
    # no read back.
    assert calls == Counter({"DescribeVpcs": 1, "CreateVpc": 1, "ModifyVpcAttribute": 1}), calls
    [vpc] = vpcs_named(ec2, unique_name)
    assert result["vpc"]["id"] == result["vpc"]["vpc_id"] == vpc["VpcId"]
    assert result["vpc"]["cidr_block"] == vpc["CidrBlock"] == CIDR
    assert result["vpc"]["tags"] == {**TAGS, "Name": unique_name}
    assert {tag["Key"]: tag["Value"] for tag in vpc["Tags"]} == {**TAGS, "Name": unique_name}
    assert dns(ec2, vpc["VpcId"]) == {"dns_support": True, "dns_hostnames": True}
    assert result["vpc"]["dns_support"] is True and result["vpc"]["dns_hostnames"] is True


def test_rerun_changes_nothing_with_three_reads(run_module, ec2, unique_name, converged, counted):
    with counted() as calls:
        result = run_module(MODULE, args_for(unique_name), diff=True)

    assert result["failed"] is False, result
    assert result["changed"] is False
    assert calls == Counter({"DescribeVpcs": 1, "DescribeVpcAttribute": 2}), calls
    assert result["vpc"]["id"] == converged["vpc"]["id"]
    assert result["diff"]["before"] == result["diff"]["after"]
    assert len(vpcs_named(ec2, unique_name)) == 1


def test_check_mode_plans_a_vpc_and_writes_nothing(run_module, ec2, unique_name, counted):
    with counted() as calls:
        result = run_module(MODULE, args_for(unique_name), check_mode=True, diff=True)

    assert result["failed"] is False, result
    assert result["changed"] is True
    assert set(calls) == {"DescribeVpcs"}, calls
    assert vpcs_named(ec2, unique_name) == []
    assert result["vpc"]["id"] is None
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["cidr_block"] == CIDR


def test_drift_in_dns_and_tags_is_put_back(run_module, ec2, unique_name, converged):
    vpc_id = converged["vpc"]["id"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": False})
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Stray", "Value": "x"}])
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": "Project"}])

    planned = run_module(MODULE, args_for(unique_name), check_mode=True)
    assert planned["changed"] is True
    assert dns(ec2, vpc_id)["dns_hostnames"] is False  # check mode wrote nothing

    result = run_module(MODULE, args_for(unique_name))
    assert result["changed"] is True, result
    assert dns(ec2, vpc_id) == {"dns_support": True, "dns_hostnames": True}
    [vpc] = vpcs_named(ec2, unique_name)
    assert {tag["Key"]: tag["Value"] for tag in vpc["Tags"]} == {**TAGS, "Name": unique_name}
    assert run_module(MODULE, args_for(unique_name))["changed"] is False


def test_dns_support_off_turns_hostnames_off_first(run_module, ec2, unique_name, converged):
    result = run_module(MODULE, args_for(unique_name, dns_support=False, dns_hostnames=False))

    assert result["changed"] is True, result
    assert dns(ec2, converged["vpc"]["id"]) == {"dns_support": False, "dns_hostnames": False}


def test_a_vpc_with_the_name_and_another_cidr_fails_before_any_write(run_module, ec2, unique_name, converged, counted):
    with counted() as calls:
        result = run_module(MODULE, dict(args_for(unique_name), cidr_block="10.78.0.0/16"))

    assert result["failed"] is True
    assert "cidr_block" in result["msg"] and CIDR in result["msg"], result["msg"]
    assert set(calls) == {"DescribeVpcs"}, calls
    assert len(vpcs_named(ec2, unique_name)) == 1


def test_two_vpcs_with_the_name_fail_naming_both(run_module, ec2, unique_name, converged):
    extra = ec2.create_vpc(
        CidrBlock=CIDR, TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": unique_name}]}]
    )["Vpc"]["VpcId"]

    result = run_module(MODULE, args_for(unique_name))

    assert result["failed"] is True
    assert extra in result["msg"] and converged["vpc"]["id"] in result["msg"], result["msg"]


def test_a_cidr_that_is_not_one_fails_before_any_call(run_module, unique_name, counted):
    with counted() as calls:
        result = run_module(MODULE, dict(args_for(unique_name), cidr_block="10.0.0.0/33"))

    assert result["failed"] is True
    assert "cidr_block" in result["msg"]
    assert not calls
