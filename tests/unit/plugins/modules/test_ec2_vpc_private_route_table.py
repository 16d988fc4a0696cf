"""payments.aws_platform.ec2_vpc_private_route_table against the emulator, counting the AWS calls it makes."""

import time
from collections import Counter

import pytest

MODULE = "ec2_vpc_private_route_table"
NAME = "payments-test-private-rt"
TAGS = {"Project": "payments", "Stack": "payments-test"}
WRITES = {
    "CreateRouteTable",
    "AssociateRouteTable",
    "ReplaceRouteTableAssociation",
    "DisassociateRouteTable",
    "DeleteRoute",
    "DeleteRouteTable",
    "CreateTags",
    "DeleteTags",
}


@pytest.fixture
def subnets(ec2, vpc):
    return [
        ec2.create_subnet(VpcId=vpc.vpc_id, CidrBlock=f"10.42.{index * 16}.0/20")["Subnet"]["SubnetId"]
        for index in range(3)
    ]


def args_for(vpc_id, subnet_ids, **extra):
    return {"vpc_id": vpc_id, "name": NAME, "subnets": subnet_ids, "tags": TAGS, **extra}


def tables_named(ec2, vpc_id, name=NAME):
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:Name", "Values": [name]}]
    return ec2.describe_route_tables(Filters=filters)["RouteTables"]


def only_table(ec2, vpc_id):
    tables = tables_named(ec2, vpc_id)
    assert len(tables) == 1, tables
    return tables[0]


def associated_subnets(table):
    return sorted(a["SubnetId"] for a in table.get("Associations", []) if a.get("SubnetId"))


def tags_of(table):
    return {tag["Key"]: tag["Value"] for tag in table.get("Tags", [])}


def add_endpoint_route(ec2, vpc_id, table_id):
    """A gateway endpoint on the table, as ec2_vpc_gateway_endpoint makes it (its route is vpce-...)."""
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName="com.amazonaws.us-east-1.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[table_id],
    )["VpcEndpoint"]
    return endpoint["VpcEndpointId"]


@pytest.fixture
def converged(run_module, vpc, subnets):
    result = run_module(MODULE, args_for(vpc.vpc_id, subnets))
    assert result["changed"] is True, result
    return result


def test_create_makes_one_tagged_table_with_its_subnets(run_module, ec2, vpc, subnets, counted):
    start = time.monotonic()
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, subnets))

    assert result["failed"] is False, result
    assert result["changed"] is True
    # One read, the create (tags included), one read of the subnets' other associations, three associations,
    # one read back; no tagging call and no sleep.
    assert calls == Counter({"DescribeRouteTables": 3, "CreateRouteTable": 1, "AssociateRouteTable": 3}), calls
    assert time.monotonic() - start < 4
    table = only_table(ec2, vpc.vpc_id)
    assert tags_of(table) == {**TAGS, "Name": NAME}
    assert associated_subnets(table) == sorted(subnets)
    returned = result["route_table"]
    assert returned["id"] == returned["route_table_id"] == table["RouteTableId"]
    assert returned["vpc_id"] == vpc.vpc_id
    assert returned["tags"] == {**TAGS, "Name": NAME}
    assert sorted(a["subnet_id"] for a in returned["associations"] if a.get("subnet_id")) == sorted(subnets)
    assert [route["gateway_id"] for route in returned["routes"]] == ["local"]


def test_rerun_changes_nothing_with_one_call(run_module, ec2, vpc, subnets, converged, counted):
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, subnets))

    assert result["failed"] is False, result
    assert result["changed"] is False
    assert calls == Counter({"DescribeRouteTables": 1}), calls
    assert result["route_table"]["id"] == converged["route_table"]["id"]
    assert result["route_table"]["tags"] == {**TAGS, "Name": NAME}
    assert len(tables_named(ec2, vpc.vpc_id)) == 1


def test_check_mode_on_an_empty_vpc_writes_nothing(run_module, ec2, vpc, subnets, counted):
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, subnets), check_mode=True, diff=True)

    assert result["changed"] is True, result
    assert set(calls) == {"DescribeRouteTables"}, calls
    assert tables_named(ec2, vpc.vpc_id) == []
    assert result["route_table"]["id"] is None
    assert sorted(a["subnet_id"] for a in result["route_table"]["associations"]) == sorted(subnets)
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["tags"] == {**TAGS, "Name": NAME}


def test_a_subnet_of_another_table_is_moved_and_a_stray_one_is_dropped(run_module, ec2, vpc, subnets, counted):
    # vpc.route_table_id is another table of the VPC: it holds the first subnet.
    ec2.associate_route_table(RouteTableId=vpc.route_table_id, SubnetId=subnets[0])
    run_module(MODULE, args_for(vpc.vpc_id, subnets[1:]))
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, subnets[:2]), diff=True)

    assert result["changed"] is True, result
    assert calls == Counter(
        {"DescribeRouteTables": 3, "ReplaceRouteTableAssociation": 1, "DisassociateRouteTable": 1}
    ), calls
    assert associated_subnets(only_table(ec2, vpc.vpc_id)) == sorted(subnets[:2])
    other = ec2.describe_route_tables(RouteTableIds=[vpc.route_table_id])["RouteTables"][0]
    assert associated_subnets(other) == []
    assert sorted(a["subnet_id"] for a in result["diff"]["before"]["associations"] if a.get("subnet_id")) == sorted(
        subnets[1:]
    )
    assert run_module(MODULE, args_for(vpc.vpc_id, subnets[:2]))["changed"] is False


def test_a_stray_route_is_removed_and_the_endpoint_route_kept(run_module, ec2, vpc, subnets, converged, counted):
    table_id = converged["route_table"]["id"]
    endpoint_id = add_endpoint_route(ec2, vpc.vpc_id, table_id)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc.vpc_id)
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)

    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, subnets))

    assert result["changed"] is True, result
    assert calls == Counter({"DescribeRouteTables": 2, "DeleteRoute": 1}), calls
    gateways = sorted(route.get("GatewayId", "") for route in only_table(ec2, vpc.vpc_id)["Routes"])
    assert gateways == ["local", endpoint_id]
    assert sorted(route["gateway_id"] for route in result["route_table"]["routes"]) == ["local", endpoint_id]
    with counted() as calls:
        assert run_module(MODULE, args_for(vpc.vpc_id, subnets))["changed"] is False
    assert calls == Counter({"DescribeRouteTables": 1}), calls


def test_tag_drift_is_fixed_and_purge_tags_false_keeps_others(run_module, ec2, vpc, subnets, converged, counted):
    table_id = converged["route_table"]["id"]
    ec2.create_tags(Resources=[table_id], Tags=[{"Key": "Stack", "Value": "other"}, {"Key": "Stray", "Value": "x"}])
    kept = run_module(MODULE, args_for(vpc.vpc_id, subnets, purge_tags=False))
    assert kept["changed"] is True, kept
    assert tags_of(only_table(ec2, vpc.vpc_id)) == {**TAGS, "Name": NAME, "Stray": "x"}

    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, subnets))

    assert result["changed"] is True, result
    assert calls == Counter({"DescribeRouteTables": 2, "DeleteTags": 1}), calls
    assert tags_of(only_table(ec2, vpc.vpc_id)) == {**TAGS, "Name": NAME}
    assert result["route_table"]["tags"] == {**TAGS, "Name": NAME}


def test_check_mode_on_drift_reports_it_and_writes_nothing(run_module, ec2, vpc, subnets, converged, counted):
    table_id = converged["route_table"]["id"]
    ec2.create_tags(Resources=[table_id], Tags=[{"Key": "Stray", "Value": "x"}])
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, subnets[:1]), check_mode=True, diff=True)

    assert result["changed"] is True, result
    assert not WRITES & set(calls), calls
    table = only_table(ec2, vpc.vpc_id)
    assert associated_subnets(table) == sorted(subnets)
    assert "Stray" in tags_of(table)
    after = result["diff"]["after"]
    assert [a["subnet_id"] for a in after["associations"] if a.get("subnet_id")] == subnets[:1]
    assert after["tags"] == {**TAGS, "Name": NAME}
    assert result["diff"]["before"]["tags"]["Stray"] == "x"


def test_several_tables_with_the_name_fail_before_any_write(run_module, ec2, vpc, subnets, converged, counted):
    name_tag = [{"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": NAME}]}]
    ec2.create_route_table(VpcId=vpc.vpc_id, TagSpecifications=name_tag)
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, subnets))

    assert result["failed"] is True, result
    assert "Found 2 route tables" in result["msg"]
    assert set(calls) == {"DescribeRouteTables"}, calls


def test_absent_disassociates_and_deletes_then_changes_nothing(run_module, ec2, vpc, subnets, converged, counted):
    add_endpoint_route(ec2, vpc.vpc_id, converged["route_table"]["id"])
    args = {"vpc_id": vpc.vpc_id, "name": NAME, "state": "absent"}

    planned = run_module(MODULE, args, check_mode=True)
    assert planned["changed"] is True, planned
    assert len(tables_named(ec2, vpc.vpc_id)) == 1

    with counted() as calls:
        result = run_module(MODULE, args, diff=True)
    assert result["changed"] is True, result
    assert calls == Counter({"DescribeRouteTables": 1, "DisassociateRouteTable": 3, "DeleteRouteTable": 1}), calls
    assert result["route_table"] == {}
    assert result["diff"]["before"]["id"] == converged["route_table"]["id"]
    assert tables_named(ec2, vpc.vpc_id) == []

    with counted() as calls:
        again = run_module(MODULE, args)
    assert again["changed"] is False, again
    assert calls == Counter({"DescribeRouteTables": 1}), calls


def test_a_table_of_another_vpc_or_name_is_left_alone(run_module, ec2, vpc, subnets, converged):
    other_name = run_module(MODULE, {"vpc_id": vpc.vpc_id, "name": "other-rt", "state": "absent"})
    assert other_name["changed"] is False, other_name
    assert len(tables_named(ec2, vpc.vpc_id)) == 1
