"""payments.aws_platform.ec2_vpc_gateway_endpoint against the emulator: check mode, real run, re-run."""

import json

import pytest

from ansible_collections.payments.aws_platform.plugins.module_utils.base import policies_equal
from ansible_collections.payments.aws_platform.plugins.module_utils.ec2 import client_token
from ansible_collections.payments.aws_platform.plugins.modules import ec2_vpc_gateway_endpoint

MODULE = "ec2_vpc_gateway_endpoint"
S3 = "com.amazonaws.us-east-1.s3"
READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"], "Resource": "*"}],
}
READ_WRITE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}],
}


@pytest.fixture
def args(vpc):
    return {
        "vpc_id": vpc.vpc_id,
        "service": S3,
        "route_table_ids": [vpc.route_table_id],
        "policy": READ_ONLY,
        "tags": {"Name": "s3"},
    }


@pytest.fixture
def second_route_table(ec2, vpc):
    return ec2.create_route_table(VpcId=vpc.vpc_id)["RouteTable"]["RouteTableId"]


def endpoints_of(ec2, vpc_id):
    """The endpoints of the VPC that are not deleted (the emulator keeps deleted ones listed)."""
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    return [endpoint for endpoint in endpoints if endpoint["State"].lower() != "deleted"]


def only_endpoint_of(ec2, vpc_id):
    [endpoint] = endpoints_of(ec2, vpc_id)
    return endpoint


def tags_of(endpoint):
    return {tag["Key"]: tag["Value"] for tag in endpoint.get("Tags", [])}


def s3_prefix_list_id(ec2):
    filters = [{"Name": "prefix-list-name", "Values": [S3]}]
    return ec2.describe_prefix_lists(Filters=filters)["PrefixLists"][0]["PrefixListId"]


def test_check_mode_on_absent_reports_change_and_creates_nothing(run_module, ec2, vpc, args):
    result = run_module(MODULE, args, check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["prefix_list_id"] == s3_prefix_list_id(ec2)
    assert result["diff"]["before"] == {}
    after = result["diff"]["after"]
    assert after["route_table_ids"] == [vpc.route_table_id]
    assert after["policy_document"] == READ_ONLY
    assert after["tags"] == {"Name": "s3"}
    assert endpoints_of(ec2, vpc.vpc_id) == []


def test_create_sets_route_tables_policy_and_tags(run_module, ec2, vpc, args):
    result = run_module(MODULE, args)

    assert result["changed"] is True
    endpoint = only_endpoint_of(ec2, vpc.vpc_id)
    assert endpoint["VpcEndpointId"] == result["vpc_endpoint"]["vpc_endpoint_id"]
    assert endpoint["VpcEndpointType"] == "Gateway"
    assert endpoint["ServiceName"] == S3
    assert endpoint["RouteTableIds"] == [vpc.route_table_id]
    assert policies_equal(endpoint["PolicyDocument"], READ_ONLY)
    assert tags_of(endpoint) == {"Name": "s3"}
    assert result["vpc_endpoint"]["policy_document"] == READ_ONLY
    assert result["vpc_endpoint"]["tags"] == {"Name": "s3"}
    assert result["prefix_list_id"] == s3_prefix_list_id(ec2)


def test_create_without_policy_gets_the_default_policy(run_module, ec2, vpc, args):
    result = run_module(MODULE, {key: value for key, value in args.items() if key != "policy"})

    statement = result["vpc_endpoint"]["policy_document"]["Statement"]
    assert statement == [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]
    assert run_module(MODULE, {key: value for key, value in args.items() if key != "policy"})["changed"] is False


@pytest.mark.parametrize("check_mode", [False, True])
def test_second_identical_run_is_unchanged(run_module, ec2, vpc, args, check_mode):
    created = run_module(MODULE, args)
    # The same policy, written differently: another key order and a string for a one-item list.
    rewritten = {
        "Statement": [{"Resource": "*", "Action": "s3:GetObject", "Principal": "*", "Effect": "Allow"}],
        "Version": "2012-10-17",
    }

    again = run_module(MODULE, dict(args, policy=json.dumps(rewritten)), check_mode=check_mode, diff=True)

    assert again["changed"] is False
    assert again["vpc_endpoint"]["vpc_endpoint_id"] == created["vpc_endpoint"]["vpc_endpoint_id"]
    assert again["diff"]["before"] == again["diff"]["after"]
    assert again["prefix_list_id"] == created["prefix_list_id"]
    assert len(endpoints_of(ec2, vpc.vpc_id)) == 1


def test_diff_shows_the_endpoint_before_and_after(run_module, vpc, args):
    created = run_module(MODULE, args)

    result = run_module(MODULE, dict(args, policy=READ_WRITE), diff=True)

    before, after = result["diff"]["before"], result["diff"]["after"]
    assert before["vpc_endpoint_id"] == after["vpc_endpoint_id"] == created["vpc_endpoint"]["vpc_endpoint_id"]
    assert before["policy_document"] == READ_ONLY
    assert after["policy_document"] == READ_WRITE
    assert after == result["vpc_endpoint"]


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize(
    ("purge_tags", "expected"), [(True, {"Owner": "payments"}), (False, {"Name": "s3", "Owner": "payments"})]
)
def test_tags_are_updated_in_place(run_module, ec2, vpc, args, check_mode, purge_tags, expected):
    created = run_module(MODULE, args)

    result = run_module(MODULE, dict(args, tags={"Owner": "payments"}, purge_tags=purge_tags), check_mode=check_mode)

    assert result["changed"] is True
    assert result["vpc_endpoint"]["tags"] == expected
    endpoint = only_endpoint_of(ec2, vpc.vpc_id)
    assert endpoint["VpcEndpointId"] == created["vpc_endpoint"]["vpc_endpoint_id"]
    assert tags_of(endpoint) == ({"Name": "s3"} if check_mode else expected)


def test_policy_drift_is_reported_in_check_mode_and_corrected(run_module, ec2, vpc, args):
    created = run_module(MODULE, args)
    endpoint_id = created["vpc_endpoint"]["vpc_endpoint_id"]
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PolicyDocument=json.dumps(READ_WRITE))

    checked = run_module(MODULE, args, check_mode=True, diff=True)
    assert checked["changed"] is True
    assert checked["diff"]["before"]["policy_document"] == READ_WRITE
    assert checked["diff"]["after"]["policy_document"] == READ_ONLY
    assert policies_equal(only_endpoint_of(ec2, vpc.vpc_id)["PolicyDocument"], READ_WRITE)

    corrected = run_module(MODULE, args)
    assert corrected["changed"] is True
    endpoint = only_endpoint_of(ec2, vpc.vpc_id)
    assert endpoint["VpcEndpointId"] == endpoint_id
    assert policies_equal(endpoint["PolicyDocument"], READ_ONLY)

    assert run_module(MODULE, args)["changed"] is False


def test_policy_not_given_is_left_alone(run_module, ec2, vpc, args):
    run_module(MODULE, args)
    endpoint_id = only_endpoint_of(ec2, vpc.vpc_id)["VpcEndpointId"]
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PolicyDocument=json.dumps(READ_WRITE))

    result = run_module(MODULE, {key: value for key, value in args.items() if key != "policy"})

    assert result["changed"] is False
    assert policies_equal(only_endpoint_of(ec2, vpc.vpc_id)["PolicyDocument"], READ_WRITE)


@pytest.mark.parametrize("check_mode", [False, True])
def test_route_tables_are_added_and_removed(run_module, ec2, vpc, args, second_route_table, check_mode):
    run_module(MODULE, args)

    result = run_module(MODULE, dict(args, route_table_ids=[second_route_table]), check_mode=check_mode, diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"]["route_table_ids"] == [vpc.route_table_id]
    assert result["diff"]["after"]["route_table_ids"] == [second_route_table]
    expected = [vpc.route_table_id] if check_mode else [second_route_table]
    assert only_endpoint_of(ec2, vpc.vpc_id)["RouteTableIds"] == expected


def test_route_tables_not_given_are_left_alone_and_empty_list_removes_all(run_module, ec2, vpc, args):
    run_module(MODULE, args)

    untouched = run_module(MODULE, {key: value for key, value in args.items() if key != "route_table_ids"})
    assert untouched["changed"] is False
    assert only_endpoint_of(ec2, vpc.vpc_id)["RouteTableIds"] == [vpc.route_table_id]

    emptied = run_module(MODULE, dict(args, route_table_ids=[]))
    assert emptied["changed"] is True
    assert only_endpoint_of(ec2, vpc.vpc_id)["RouteTableIds"] == []


def test_a_deleted_endpoint_is_ignored_and_a_new_one_created(run_module, ec2, vpc, args):
    created = run_module(MODULE, args)
    old_id = created["vpc_endpoint"]["vpc_endpoint_id"]
    ec2.delete_vpc_endpoints(VpcEndpointIds=[old_id])
    assert ec2.describe_vpc_endpoints(VpcEndpointIds=[old_id])["VpcEndpoints"][0]["State"].lower() == "deleted"

    result = run_module(MODULE, args)

    assert result["failed"] is False
    assert result["changed"] is True
    new_id = result["vpc_endpoint"]["vpc_endpoint_id"]
    assert new_id != old_id
    assert only_endpoint_of(ec2, vpc.vpc_id)["VpcEndpointId"] == new_id


def test_state_absent_deletes_once(run_module, ec2, vpc, args):
    created = run_module(MODULE, args)
    absent = {"vpc_id": vpc.vpc_id, "service": S3, "state": "absent"}

    checked = run_module(MODULE, absent, check_mode=True, diff=True)
    assert checked["changed"] is True
    assert checked["diff"] == {"before": created["vpc_endpoint"], "after": {}}
    assert len(endpoints_of(ec2, vpc.vpc_id)) == 1

    deleted = run_module(MODULE, absent)
    assert deleted["changed"] is True
    assert deleted["vpc_endpoint"] == {}
    assert endpoints_of(ec2, vpc.vpc_id) == []

    for check_mode in (False, True):
        again = run_module(MODULE, absent, check_mode=check_mode)
        assert again["changed"] is False
        assert again["failed"] is False


def test_state_absent_after_a_route_table_change(run_module, ec2, vpc, args, second_route_table):
    run_module(MODULE, args)
    run_module(MODULE, dict(args, route_table_ids=[vpc.route_table_id, second_route_table]))

    result = run_module(MODULE, {"vpc_id": vpc.vpc_id, "service": S3, "state": "absent"})

    assert result["failed"] is False
    assert result["changed"] is True
    assert endpoints_of(ec2, vpc.vpc_id) == []


def test_two_live_endpoints_for_one_service_fail_clearly(run_module, ec2, vpc, args):
    for _ in range(2):
        ec2.create_vpc_endpoint(VpcId=vpc.vpc_id, ServiceName=S3, VpcEndpointType="Gateway")

    result = run_module(MODULE, args)

    assert result["failed"] is True
    assert result["msg"].startswith(f"Expected at most one {S3} gateway endpoint in {vpc.vpc_id}, found 2: vpce-")


def test_service_is_required(run_module, vpc):
    result = run_module(MODULE, {"vpc_id": vpc.vpc_id})

    assert result["failed"] is True
    assert result["msg"] == "missing required arguments: service"


def test_invalid_policy_json_fails(run_module, ec2, vpc, args):
    result = run_module(MODULE, dict(args, policy="{not json"))

    assert result["failed"] is True
    assert result["msg"].startswith("policy is not valid JSON")
    assert endpoints_of(ec2, vpc.vpc_id) == []


class FakeEc2:
    """CreateVpcEndpoint as AWS answers it when a client token is reused: the endpoint it made, now deleted."""

    def __init__(self, deleted_for_tokens):
        self.deleted_for_tokens = deleted_for_tokens
        self.tokens = []

    def create_vpc_endpoint(self, ClientToken, **request):  # noqa: N803 (boto3 argument name)
        self.tokens.append(ClientToken)
        if ClientToken in self.deleted_for_tokens:
            return {"VpcEndpoint": {"VpcEndpointId": f"vpce-dead{len(self.tokens)}", "State": "Deleted"}}
        return {"VpcEndpoint": {"VpcEndpointId": "vpce-new", "State": "Available"}}


REQUEST = {"VpcEndpointType": "Gateway", "VpcId": "vpc-1", "ServiceName": S3, "RouteTableIds": []}


def test_create_sends_a_client_token_derived_from_the_request():
    fake = FakeEc2(deleted_for_tokens=set())

    assert ec2_vpc_gateway_endpoint.create_endpoint(fake, REQUEST)["VpcEndpointId"] == "vpce-new"

    assert fake.tokens == [client_token(REQUEST)]
    assert client_token(dict(REQUEST, VpcId="vpc-2")) != fake.tokens[0]


def test_tokens_spent_on_deleted_endpoints_are_salted_with_their_ids():
    spent_twice = {client_token(REQUEST), client_token(REQUEST, ["vpce-dead1"])}
    fake = FakeEc2(deleted_for_tokens=spent_twice)

    assert ec2_vpc_gateway_endpoint.create_endpoint(fake, REQUEST)["VpcEndpointId"] == "vpce-new"

    assert fake.tokens == [
        client_token(REQUEST),
        client_token(REQUEST, ["vpce-dead1"]),
        client_token(REQUEST, ["vpce-dead1", "vpce-dead2"]),
    ]
