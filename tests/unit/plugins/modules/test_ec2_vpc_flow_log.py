"""payments.aws_platform.ec2_vpc_flow_log against the emulator: check mode, real run, re-run."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.payments.aws_platform.plugins.module_utils.ec2 import client_token
from ansible_collections.payments.aws_platform.plugins.modules import ec2_vpc_flow_log

MODULE = "ec2_vpc_flow_log"
ROLE_ARN = "arn:aws:iam::123456789012:role/vpc-flow-logs"
OTHER_ROLE_ARN = "arn:aws:iam::123456789012:role/vpc-flow-logs-2"


@pytest.fixture
def args(vpc, unique_name):
    return {
        "resource_id": vpc.vpc_id,
        "log_group_name": f"/flow-logs/{unique_name}",
        "deliver_logs_permission_arn": ROLE_ARN,
        "tags": {"Environment": "test"},
    }


def flow_logs_of(ec2, vpc_id):
    return ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]


def tags_of(flow_log):
    return {tag["Key"]: tag["Value"] for tag in flow_log.get("Tags", [])}


def test_check_mode_on_absent_reports_change_and_creates_nothing(run_module, ec2, vpc, args):
    result = run_module(MODULE, args, check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["replaced"] is False
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["traffic_type"] == "ALL"
    assert result["diff"]["after"]["log_group_name"] == args["log_group_name"]
    assert result["diff"]["after"]["tags"] == {"Environment": "test"}
    assert flow_logs_of(ec2, vpc.vpc_id) == []


def test_create_delivers_to_cloudwatch_logs_with_tags(run_module, ec2, vpc, args):
    result = run_module(MODULE, dict(args, max_aggregation_interval=60))

    assert result["changed"] is True
    [flow_log] = flow_logs_of(ec2, vpc.vpc_id)
    assert flow_log["FlowLogId"] == result["flow_log"]["flow_log_id"]
    assert flow_log["LogDestinationType"] == "cloud-watch-logs"
    assert flow_log["LogGroupName"] == args["log_group_name"]
    assert flow_log["DeliverLogsPermissionArn"] == ROLE_ARN
    assert flow_log["TrafficType"] == "ALL"
    assert flow_log["MaxAggregationInterval"] == 60
    assert tags_of(flow_log) == {"Environment": "test"}
    assert result["flow_log"]["tags"] == {"Environment": "test"}


@pytest.mark.parametrize("check_mode", [False, True])
def test_second_identical_run_is_unchanged(run_module, ec2, vpc, args, check_mode):
    created = run_module(MODULE, args)

    again = run_module(MODULE, args, check_mode=check_mode, diff=True)

    assert again["changed"] is False
    assert again["replaced"] is False
    assert again["flow_log"]["flow_log_id"] == created["flow_log"]["flow_log_id"]
    assert again["diff"]["before"] == again["diff"]["after"]
    assert len(flow_logs_of(ec2, vpc.vpc_id)) == 1


def test_diff_shows_the_flow_log_before_and_after(run_module, vpc, args):
    created = run_module(MODULE, args)

    result = run_module(MODULE, dict(args, tags={"Environment": "prod"}), diff=True)

    before, after = result["diff"]["before"], result["diff"]["after"]
    assert before["flow_log_id"] == after["flow_log_id"] == created["flow_log"]["flow_log_id"]
    assert before["tags"] == {"Environment": "test"}
    assert after["tags"] == {"Environment": "prod"}
    assert after == result["flow_log"]


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize(
    ("purge_tags", "expected"),
    [(True, {"Owner": "payments"}), (False, {"Environment": "test", "Owner": "payments"})],
)
def test_tags_are_updated_in_place(run_module, ec2, vpc, args, check_mode, purge_tags, expected):
    created = run_module(MODULE, args)

    result = run_module(MODULE, dict(args, tags={"Owner": "payments"}, purge_tags=purge_tags), check_mode=check_mode)

    assert result["changed"] is True
    assert result["replaced"] is False
    assert result["flow_log"]["tags"] == expected
    [flow_log] = flow_logs_of(ec2, vpc.vpc_id)
    assert flow_log["FlowLogId"] == created["flow_log"]["flow_log_id"]
    assert tags_of(flow_log) == ({"Environment": "test"} if check_mode else expected)


def test_tags_not_given_are_left_alone(run_module, ec2, vpc, args):
    run_module(MODULE, args)

    result = run_module(MODULE, {key: value for key, value in args.items() if key != "tags"})

    assert result["changed"] is False
    assert tags_of(flow_logs_of(ec2, vpc.vpc_id)[0]) == {"Environment": "test"}


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize(
    "change",
    [{"traffic_type": "REJECT"}, {"deliver_logs_permission_arn": OTHER_ROLE_ARN}, {"max_aggregation_interval": 60}],
)
def test_a_setting_aws_cannot_modify_replaces_the_flow_log(run_module, ec2, vpc, args, check_mode, change):
    created = run_module(MODULE, args)
    old_id = created["flow_log"]["flow_log_id"]

    result = run_module(MODULE, dict(args, **change), check_mode=check_mode, diff=True)

    assert result["changed"] is True
    assert result["replaced"] is True
    [(option, value)] = change.items()
    assert result["flow_log"][option] == value
    assert result["diff"]["before"]["flow_log_id"] == old_id
    [flow_log] = flow_logs_of(ec2, vpc.vpc_id)
    if check_mode:
        assert flow_log["FlowLogId"] == old_id
        assert (flow_log["TrafficType"], flow_log["DeliverLogsPermissionArn"]) == ("ALL", ROLE_ARN)
        assert flow_log["MaxAggregationInterval"] == 600
    else:
        assert flow_log["FlowLogId"] != old_id
        assert result["flow_log"]["flow_log_id"] == flow_log["FlowLogId"]
        assert tags_of(flow_log) == {"Environment": "test"}
        assert run_module(MODULE, dict(args, **change))["changed"] is False


def test_log_format_replaces_only_when_given_and_different(run_module, ec2, vpc, args):
    fmt = "${version} ${srcaddr} ${dstaddr} ${action}"
    created = run_module(MODULE, dict(args, log_format=fmt))
    assert flow_logs_of(ec2, vpc.vpc_id)[0]["LogFormat"] == fmt

    unset = run_module(MODULE, args)
    same = run_module(MODULE, dict(args, log_format=fmt))
    other = run_module(MODULE, dict(args, log_format="${version} ${action}"))

    assert (unset["changed"], same["changed"]) == (False, False)
    assert other["replaced"] is True
    [flow_log] = flow_logs_of(ec2, vpc.vpc_id)
    assert flow_log["LogFormat"] == "${version} ${action}"
    assert flow_log["FlowLogId"] != created["flow_log"]["flow_log_id"]


def test_another_log_group_is_another_flow_log(run_module, ec2, vpc, args):
    run_module(MODULE, args)

    result = run_module(MODULE, dict(args, log_group_name=args["log_group_name"] + "-2"))

    assert result["changed"] is True
    assert result["replaced"] is False
    assert len(flow_logs_of(ec2, vpc.vpc_id)) == 2


def test_state_absent_deletes_once(run_module, ec2, vpc, args):
    created = run_module(MODULE, args)
    absent = dict(args, state="absent")

    checked = run_module(MODULE, absent, check_mode=True, diff=True)
    assert checked["changed"] is True
    assert checked["diff"] == {"before": created["flow_log"], "after": {}}
    assert len(flow_logs_of(ec2, vpc.vpc_id)) == 1

    deleted = run_module(MODULE, absent)
    assert deleted["changed"] is True
    assert deleted["flow_log"] == {}
    assert flow_logs_of(ec2, vpc.vpc_id) == []

    for check_mode in (False, True):
        again = run_module(MODULE, absent, check_mode=check_mode)
        assert again["changed"] is False
        assert again["failed"] is False


def test_present_requires_log_group_and_role(run_module, ec2, vpc):
    result = run_module(MODULE, {"resource_id": vpc.vpc_id})

    assert result["failed"] is True
    assert result["msg"] == (
        "state is present but all of the following are missing: log_group_name, deliver_logs_permission_arn"
    )
    assert flow_logs_of(ec2, vpc.vpc_id) == []


def test_an_aws_error_fails_with_the_resource_named(run_module, args):
    result = run_module(MODULE, dict(args, resource_id="vpc-0000000000000dead"))

    assert result["failed"] is True
    assert result["msg"].startswith("Failed to manage the flow log of vpc-0000000000000dead")
    assert result["error"]["code"] == "InvalidVpcID.NotFound"


class FakeEc2:
    """CreateFlowLogs/DescribeFlowLogs as AWS answers them when a client token is reused."""

    def __init__(self, answers, live_ids, already_exists_after=None):
        self.answers = answers
        self.live_ids = live_ids
        self.already_exists_after = already_exists_after
        self.tokens = []

    def create_flow_logs(self, ClientToken, **request):  # noqa: N803 (boto3 argument name)
        self.tokens.append(ClientToken)
        if self.already_exists_after is not None and len(self.tokens) > self.already_exists_after:
            raise ClientError({"Error": {"Code": "FlowLogAlreadyExists", "Message": "exists"}}, "CreateFlowLogs")
        return {"FlowLogIds": [self.answers.get(ClientToken, "fl-new")], "Unsuccessful": []}

    def describe_flow_logs(self, Filters):  # noqa: N803 (boto3 argument name)
        [flow_log_id] = Filters[0]["Values"]
        return {"FlowLogs": [{"FlowLogId": flow_log_id}] if flow_log_id in self.live_ids else []}


REQUEST = {"ResourceIds": ["vpc-1"], "TrafficType": "ALL", "LogGroupName": "g"}


def test_create_sends_a_client_token_derived_from_the_request():
    fake = FakeEc2(answers={}, live_ids={"fl-new"})

    assert ec2_vpc_flow_log.create_flow_log(fake, REQUEST) == "fl-new"

    assert fake.tokens == [client_token(REQUEST)]
    assert len(fake.tokens[0]) == 64
    assert client_token(dict(REQUEST, TrafficType="REJECT")) != fake.tokens[0]


def test_a_token_spent_on_a_deleted_flow_log_is_salted_with_its_id():
    fake = FakeEc2(answers={client_token(REQUEST): "fl-deleted"}, live_ids={"fl-new"})

    assert ec2_vpc_flow_log.create_flow_log(fake, REQUEST) == "fl-new"

    assert fake.tokens == [client_token(REQUEST), client_token(REQUEST, ["fl-deleted"])]


def test_a_flow_log_describe_has_not_caught_up_with_is_not_created_twice():
    fake = FakeEc2(answers={client_token(REQUEST): "fl-lagging"}, live_ids=set(), already_exists_after=1)

    assert ec2_vpc_flow_log.create_flow_log(fake, REQUEST) == "fl-lagging"

    assert len(fake.tokens) == 2
