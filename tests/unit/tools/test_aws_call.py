"""aws_call: one read-only boto3 call as JSON, and nothing that writes."""

import json

import aws_call
import pytest


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    import emulator

    state = tmp_path_factory.mktemp("aws_call") / "emulator.json"
    yield emulator.start(state)["url"]
    emulator.stop(state)


def test_a_describe_call_prints_the_answer_without_metadata(endpoint, capsys):
    assert aws_call.main(["--endpoint-url", endpoint, "ec2", "describe_availability_zones"]) == 0

    answer = json.loads(capsys.readouterr().out)
    assert "ResponseMetadata" not in answer
    assert len(answer["AvailabilityZones"]) >= 3


def test_parameters_are_passed_as_json(endpoint, capsys):
    params = json.dumps({"Filters": [{"Name": "zone-name", "Values": ["us-east-1b"]}]})

    assert aws_call.main(["--endpoint-url", endpoint, "ec2", "describe_availability_zones", params]) == 0

    zones = json.loads(capsys.readouterr().out)["AvailabilityZones"]
    assert [zone["ZoneName"] for zone in zones] == ["us-east-1b"]


@pytest.mark.parametrize("operation", ["create_vpc", "delete_vpc", "put_retention_policy", "tag_resource"])
def test_a_mutating_operation_is_refused(endpoint, capsys, operation):
    assert aws_call.main(["--endpoint-url", endpoint, "ec2", operation]) == 2
    assert "not a read-only operation" in capsys.readouterr().err
