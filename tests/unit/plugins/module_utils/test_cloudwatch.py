"""plugins/module_utils/cloudwatch.py: what the emulator cannot show (it never pages DescribeAlarms)."""

from ansible_collections.payments.aws_platform.plugins.module_utils import cloudwatch


class PagingClient:
    """Answers DescribeAlarms with one alarm a page, as AWS does past MaxRecords."""

    def __init__(self):
        self.requests = []

    def describe_alarms(self, **params):
        self.requests.append(params)
        names = params["AlarmNames"]
        index = int(params.get("NextToken", 0))
        page = {"MetricAlarms": [{"AlarmName": names[index], "AlarmArn": f"arn:{names[index]}"}]}
        if index + 1 < len(names):
            page["NextToken"] = str(index + 1)
        return page


def test_describe_alarms_follows_next_token_and_batches_names():
    client = PagingClient()
    names = [f"alarm-{index}" for index in range(102)]

    found = cloudwatch.describe_alarms(client, names)

    assert list(found) == names
    assert [len(request["AlarmNames"]) for request in client.requests if "NextToken" not in request] == [100, 2]
    assert len(client.requests) == 102
    assert {request["MaxRecords"] for request in client.requests} == {100}


def test_describe_alarms_of_no_names_makes_no_call():
    client = PagingClient()

    assert cloudwatch.describe_alarms(client, []) == {}
    assert client.requests == []
