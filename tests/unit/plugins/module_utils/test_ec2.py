"""The EC2 helpers: client tokens and the batch calls that report failures instead of raising."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.payments.aws_platform.plugins.module_utils import ec2

REQUEST = {"VpcId": "vpc-1", "ServiceName": "com.amazonaws.us-east-1.s3", "RouteTableIds": ["rtb-1"]}


def test_client_token_is_stable_short_and_specific_to_the_request():
    token = ec2.client_token(REQUEST)

    assert token == ec2.client_token(dict(reversed(list(REQUEST.items()))))
    assert len(token) == 64
    assert token.isascii()
    assert token != ec2.client_token(dict(REQUEST, RouteTableIds=["rtb-2"]))
    assert token != ec2.client_token(REQUEST, ["vpce-spent"])


def test_tag_specifications_only_when_there_are_tags():
    assert ec2.tag_specifications("vpc-endpoint", {}) == []
    assert ec2.tag_specifications("vpc-endpoint", {"a": "1"}) == [
        {"ResourceType": "vpc-endpoint", "Tags": [{"Key": "a", "Value": "1"}]}
    ]


class BatchClient:
    """DeleteFlowLogs/DeleteVpcEndpoints as AWS answers them: per-item errors in Unsuccessful."""

    def __init__(self, unsuccessful):
        self.unsuccessful = unsuccessful
        self.deleted = []

    def _answer(self, ids):
        self.deleted.append(ids)
        return {
            "Unsuccessful": [{"ResourceId": item_id, "Error": {"Code": code}} for item_id, code in self.unsuccessful]
        }

    def delete_flow_logs(self, FlowLogIds):  # noqa: N803 (boto3 argument name)
        return self._answer(FlowLogIds)

    def delete_vpc_endpoints(self, VpcEndpointIds):  # noqa: N803 (boto3 argument name)
        return self._answer(VpcEndpointIds)


@pytest.mark.parametrize(
    ("delete", "not_found"),
    [(ec2.delete_flow_logs, "InvalidFlowLogId.NotFound"), (ec2.delete_vpc_endpoints, "InvalidVpcEndpointId.NotFound")],
)
def test_deleting_what_is_already_gone_is_not_a_change(delete, not_found):
    assert delete(BatchClient([("id-1", not_found)]), ["id-1"]) is False
    assert delete(BatchClient([]), ["id-1"]) is True
    assert delete(BatchClient([]), []) is False


@pytest.mark.parametrize("delete", [ec2.delete_flow_logs, ec2.delete_vpc_endpoints])
def test_other_delete_failures_raise(delete):
    with pytest.raises(ClientError, match="UnauthorizedOperation"):
        delete(BatchClient([("id-1", "UnauthorizedOperation")]), ["id-1"])


def test_an_unsuccessful_create_raises():
    class CreateClient:
        def create_flow_logs(self, **request):
            return {"FlowLogIds": [], "Unsuccessful": [{"Error": {"Code": "AccessDenied", "Message": "no"}}]}

    with pytest.raises(ClientError, match="AccessDenied"):
        ec2.create_flow_log(CreateClient(), {}, "token")
