"""payments.aws_platform.ec2_vpc_subnets against the emulator, counting the AWS calls it makes."""

from collections import Counter

import botocore.client
import botocore.exceptions
import pytest

MODULE = "ec2_vpc_subnets"
COMMON_TAGS = {"Project": "payments", "Stack": "payments-test"}
PLAN = [
    ("10.42.0.0/20", "us-east-1a"),
    ("10.42.16.0/20", "us-east-1b"),
    ("10.42.32.0/20", "us-east-1c"),
]
WRITES = {"CreateSubnet", "CreateTags", "DeleteTags", "ModifySubnetAttribute"}


def name_tags(az):
    return {"Name": f"payments-test-private-{az}", "Tier": "private"}


def args_for(vpc_id, plan=PLAN, **extra):
    return {
        "vpc_id": vpc_id,
        "subnets": [{"cidr": cidr, "az": az, "tags": name_tags(az)} for cidr, az in plan],
        "tags": COMMON_TAGS,
        **extra,
    }


def subnets_of(ec2, vpc_id):
    """``{cidr: subnet}`` as EC2 describes them, tags as a dict."""
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    return {
        subnet["CidrBlock"]: dict(subnet, Tags={tag["Key"]: tag["Value"] for tag in subnet.get("Tags", [])})
        for subnet in subnets
    }


@pytest.fixture
def converged(run_module, vpc):
    """The three subnets, made once by the module."""
    result = run_module(MODULE, args_for(vpc.vpc_id))
    assert result["changed"] is True, result
    return result


def test_create_makes_each_subnet_once_with_its_tags(run_module, ec2, vpc, counted):
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id))

    assert result["failed"] is False, result
    assert result["changed"] is True
    # One read, one create per subnet (tags included), one read back; no tagging or attribute call.
    assert calls == Counter({"DescribeSubnets": 2, "CreateSubnet": 3}), calls
    actual = subnets_of(ec2, vpc.vpc_id)
    assert sorted(actual) == sorted(cidr for cidr, _ in PLAN)
    returned = result["subnets"]
    assert [subnet["cidr_block"] for subnet in returned] == [cidr for cidr, _ in PLAN]
    for (cidr, az), subnet in zip(PLAN, returned, strict=True):
        assert subnet["id"] == actual[cidr]["SubnetId"]
        assert subnet["subnet_id"] == subnet["id"]
        assert subnet["availability_zone"] == az == actual[cidr]["AvailabilityZone"]
        assert subnet["tags"] == {**COMMON_TAGS, **name_tags(az)} == actual[cidr]["Tags"]
        assert subnet["map_public_ip_on_launch"] is False
        assert actual[cidr]["MapPublicIpOnLaunch"] is False
        assert subnet["state"] == "available"
        assert subnet["vpc_id"] == vpc.vpc_id
        assert subnet["changed"] is True


def test_rerun_changes_nothing_with_one_call(run_module, ec2, vpc, converged, counted):
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id))

    assert result["failed"] is False, result
    assert result["changed"] is False
    assert calls == Counter({"DescribeSubnets": 1}), calls
    assert [subnet["id"] for subnet in result["subnets"]] == [subnet["id"] for subnet in converged["subnets"]]
    assert [subnet["changed"] for subnet in result["subnets"]] == [False, False, False]
    assert len(subnets_of(ec2, vpc.vpc_id)) == 3


def test_check_mode_on_an_empty_vpc_reports_the_plan_and_writes_nothing(run_module, ec2, vpc, counted):
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id), check_mode=True, diff=True)

    assert result["failed"] is False, result
    assert result["changed"] is True
    assert set(calls) == {"DescribeSubnets"}, calls
    assert subnets_of(ec2, vpc.vpc_id) == {}
    assert [subnet["id"] for subnet in result["subnets"]] == [None, None, None]
    assert [subnet["cidr_block"] for subnet in result["subnets"]] == [cidr for cidr, _ in PLAN]
    assert [subnet["availability_zone"] for subnet in result["subnets"]] == [az for _, az in PLAN]
    assert result["diff"]["before"] == {}
    assert sorted(result["diff"]["after"]) == sorted(cidr for cidr, _ in PLAN)


def drift(ec2, subnet_id):
    """A tag changed, a tag added and MapPublicIpOnLaunch turned on, behind the module's back."""
    ec2.create_tags(Resources=[subnet_id], Tags=[{"Key": "Tier", "Value": "public"}, {"Key": "Stray", "Value": "x"}])
    ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})


def test_check_mode_on_drift_reports_it_and_writes_nothing(run_module, ec2, vpc, converged, counted):
    drift(ec2, converged["subnets"][0]["id"])
    drifted = subnets_of(ec2, vpc.vpc_id)
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id), check_mode=True)

    assert result["changed"] is True, result
    assert set(calls) == {"DescribeSubnets"}, calls
    assert subnets_of(ec2, vpc.vpc_id) == drifted
    assert [subnet["changed"] for subnet in result["subnets"]] == [True, False, False]
    assert result["subnets"][0]["map_public_ip_on_launch"] is False
    assert result["subnets"][0]["tags"] == {**COMMON_TAGS, **name_tags(PLAN[0][1])}


def test_tag_drift_is_fixed_on_that_subnet_only(run_module, ec2, vpc, converged, counted):
    subnet_id = converged["subnets"][1]["id"]
    ec2.create_tags(Resources=[subnet_id], Tags=[{"Key": "Tier", "Value": "public"}, {"Key": "Stray", "Value": "x"}])
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id))

    assert result["changed"] is True, result
    assert calls == Counter({"DescribeSubnets": 2, "CreateTags": 1, "DeleteTags": 1}), calls
    assert [subnet["changed"] for subnet in result["subnets"]] == [False, True, False]
    wanted = {**COMMON_TAGS, **name_tags(PLAN[1][1])}
    assert subnets_of(ec2, vpc.vpc_id)[PLAN[1][0]]["Tags"] == wanted
    assert result["subnets"][1]["tags"] == wanted
    assert run_module(MODULE, args_for(vpc.vpc_id))["changed"] is False


def test_purge_tags_false_keeps_tags_set_elsewhere(run_module, ec2, vpc, converged, counted):
    subnet_id = converged["subnets"][2]["id"]
    ec2.create_tags(Resources=[subnet_id], Tags=[{"Key": "Stray", "Value": "x"}])
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, purge_tags=False))

    assert result["changed"] is False, result
    assert not WRITES & set(calls), calls
    assert subnets_of(ec2, vpc.vpc_id)[PLAN[2][0]]["Tags"]["Stray"] == "x"


def test_map_public_drift_is_fixed(run_module, ec2, vpc, converged, counted):
    subnet_id = converged["subnets"][2]["id"]
    ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id))

    assert result["changed"] is True, result
    assert calls == Counter({"DescribeSubnets": 2, "ModifySubnetAttribute": 1}), calls
    assert [subnet["changed"] for subnet in result["subnets"]] == [False, False, True]
    assert result["subnets"][2]["map_public_ip_on_launch"] is False
    assert subnets_of(ec2, vpc.vpc_id)[PLAN[2][0]]["MapPublicIpOnLaunch"] is False
    assert run_module(MODULE, args_for(vpc.vpc_id))["changed"] is False


def test_an_existing_untagged_subnet_is_adopted_not_duplicated(run_module, ec2, vpc, counted):
    # What a run that crashed between CreateSubnet and tagging would leave (or a subnet made by hand).
    existing = ec2.create_subnet(VpcId=vpc.vpc_id, CidrBlock=PLAN[0][0], AvailabilityZone=PLAN[0][1])["Subnet"]
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id))

    assert result["changed"] is True, result
    assert calls == Counter({"DescribeSubnets": 2, "CreateSubnet": 2, "CreateTags": 1}), calls
    assert result["subnets"][0]["id"] == existing["SubnetId"]
    assert len(subnets_of(ec2, vpc.vpc_id)) == 3


def test_a_subnet_in_another_az_than_planned_fails_before_any_write(run_module, ec2, vpc, counted):
    misplaced = ec2.create_subnet(VpcId=vpc.vpc_id, CidrBlock=PLAN[1][0], AvailabilityZone="us-east-1d")["Subnet"]
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id))

    assert result["failed"] is True, result
    assert PLAN[1][0] in result["msg"]
    assert misplaced["SubnetId"] in result["msg"]
    assert "us-east-1d" in result["msg"] and PLAN[1][1] in result["msg"]
    assert set(calls) == {"DescribeSubnets"}, calls
    assert sorted(subnets_of(ec2, vpc.vpc_id)) == [PLAN[1][0]]


def test_diff_shows_before_and_after_by_cidr(run_module, ec2, vpc, counted):
    run_module(MODULE, args_for(vpc.vpc_id, plan=PLAN[:2]))
    subnet_id = subnets_of(ec2, vpc.vpc_id)[PLAN[0][0]]["SubnetId"]
    drift(ec2, subnet_id)

    result = run_module(MODULE, args_for(vpc.vpc_id), diff=True)

    assert result["changed"] is True, result
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert sorted(before) == sorted(cidr for cidr, _ in PLAN[:2])
    assert sorted(after) == sorted(cidr for cidr, _ in PLAN)
    assert before[PLAN[0][0]]["tags"]["Tier"] == "public"
    assert before[PLAN[0][0]]["tags"]["Stray"] == "x"
    assert before[PLAN[0][0]]["map_public_ip_on_launch"] is True
    assert after[PLAN[0][0]]["tags"] == {**COMMON_TAGS, **name_tags(PLAN[0][1])}
    assert after[PLAN[0][0]]["map_public_ip_on_launch"] is False
    assert after[PLAN[2][0]]["id"] == subnets_of(ec2, vpc.vpc_id)[PLAN[2][0]]["SubnetId"]
    assert before[PLAN[1][0]] == after[PLAN[1][0]]


@pytest.mark.parametrize(
    ("subnets", "message"),
    [
        ([{"cidr": "10.42.0.0/20", "az": "us-east-1a"}, {"cidr": "10.42.0.0/20", "az": "us-east-1b"}], "repeated"),
        ([{"cidr": "10.42.0.1/20", "az": "us-east-1a"}], "not an IPv4 CIDR block"),
    ],
)
def test_bad_subnets_fail_before_any_call(run_module, ec2, vpc, counted, subnets, message):
    with counted() as calls:
        result = run_module(MODULE, {"vpc_id": vpc.vpc_id, "subnets": subnets})

    assert result["failed"] is True, result
    assert message in result["msg"]
    assert not calls, calls
    assert subnets_of(ec2, vpc.vpc_id) == {}


def test_without_any_tags_the_tags_are_left_alone(run_module, ec2, vpc, converged, counted):
    with counted() as calls:
        result = run_module(MODULE, {"vpc_id": vpc.vpc_id, "subnets": [{"cidr": PLAN[0][0], "az": PLAN[0][1]}]})

    assert result["changed"] is False, result
    assert not WRITES & set(calls), calls
    assert subnets_of(ec2, vpc.vpc_id)[PLAN[0][0]]["Tags"] == {**COMMON_TAGS, **name_tags(PLAN[0][1])}


def test_a_subnet_created_pending_is_waited_for(run_module, ec2, vpc, monkeypatch):
    """AWS may answer CreateSubnet with State pending (the emulator never does): then, and only then, the
    subnet_available waiter asks until it is available."""
    calls = []
    original = botocore.client.BaseClient._make_api_call

    def pending_create(client, operation_name, api_params):
        calls.append(operation_name)
        response = original(client, operation_name, api_params)
        if operation_name == "CreateSubnet" and api_params["CidrBlock"] == PLAN[0][0]:
            response["Subnet"]["State"] = "pending"
        return response

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", pending_create)
    result = run_module(MODULE, args_for(vpc.vpc_id))

    assert result["changed"] is True, result
    # The first read, one waiter poll (the subnet is available by then), the read back.
    assert calls.count("DescribeSubnets") == 3, calls
    assert calls.count("CreateSubnet") == 3, calls
    assert result["subnets"][0]["state"] == "available"


def test_a_create_retried_after_it_succeeded_adopts_the_subnet(run_module, ec2, vpc, monkeypatch):
    """CreateSubnet takes no client token: when a create that did make the subnet is answered with a 5xx and
    retried, EC2 answers InvalidSubnet.Conflict; the module adopts the subnet with that CIDR instead of failing."""
    calls = []
    original = botocore.client.BaseClient._make_api_call

    def lost_answer(client, operation_name, api_params):
        calls.append(operation_name)
        response = original(client, operation_name, api_params)
        if operation_name == "CreateSubnet" and calls.count("CreateSubnet") == 1:
            # The subnet is made, with its tags, but the answer is lost.
            error = {"Error": {"Code": "InternalError", "Message": "lost"}, "ResponseMetadata": {"HTTPStatusCode": 500}}
            raise botocore.exceptions.ClientError(error, operation_name)
        return response

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", lost_answer)
    result = run_module(MODULE, args_for(vpc.vpc_id))
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", original)

    assert result["failed"] is False, result
    assert result["changed"] is True
    # The first create twice (the retry answered with a conflict), one read to adopt it, then the two others.
    assert calls.count("CreateSubnet") == 4, calls
    actual = subnets_of(ec2, vpc.vpc_id)
    assert sorted(actual) == sorted(cidr for cidr, _ in PLAN)
    assert result["subnets"][0]["id"] == actual[PLAN[0][0]]["SubnetId"]
    assert actual[PLAN[0][0]]["Tags"] == {**COMMON_TAGS, **name_tags(PLAN[0][1])}
    assert run_module(MODULE, args_for(vpc.vpc_id))["changed"] is False
