"""The shared helper layer: policy comparison, tags, pagination and the retrying client."""

import json
import time

import pytest
from botocore.exceptions import ClientError

from ansible_collections.payments.aws_platform.plugins.module_utils import base

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"], "Resource": "*"},
        {"Sid": "List", "Effect": "Allow", "Principal": "*", "Action": ["s3:ListBucket"], "Resource": "*"},
    ],
}


def test_policies_equal_ignores_key_order():
    reordered = {
        "Statement": [{key: value for key, value in reversed(statement.items())} for statement in POLICY["Statement"]],
        "Version": "2012-10-17",
    }
    assert base.policies_equal(POLICY, reordered)


def test_policies_equal_ignores_statement_order():
    assert base.policies_equal(POLICY, dict(POLICY, Statement=list(reversed(POLICY["Statement"]))))


def test_policies_equal_treats_a_single_item_list_as_its_item():
    as_string = json.loads(json.dumps(POLICY))
    as_string["Statement"][0]["Action"] = "s3:GetObject"
    assert base.policies_equal(POLICY, as_string)


def test_policies_equal_accepts_a_json_string_for_either_side():
    assert base.policies_equal(json.dumps(POLICY), POLICY)
    assert base.policies_equal(POLICY, json.dumps(POLICY, indent=2, sort_keys=True))


def test_policies_equal_sees_a_real_difference():
    changed = json.loads(json.dumps(POLICY))
    changed["Statement"][0]["Action"] = ["s3:GetObject", "s3:PutObject"]
    assert not base.policies_equal(POLICY, changed)
    assert not base.policies_equal(POLICY, None)


def test_tag_changes_with_purge_removes_unlisted_keys():
    assert base.tag_changes({"a": "1", "b": "2"}, {"a": "1", "c": "3"}, purge=True) == ({"c": "3"}, ["b"])


def test_tag_changes_without_purge_keeps_unlisted_keys():
    assert base.tag_changes({"a": "1", "b": "2"}, {"a": "9"}, purge=False) == ({"a": "9"}, [])


def test_tag_changes_leaves_tags_alone_when_none_are_wanted():
    assert base.tag_changes({"a": "1"}, None, purge=True) == ({}, [])


def test_apply_tag_changes():
    assert base.apply_tag_changes({"a": "1", "b": "2"}, {"a": "9", "c": "3"}, ["b"]) == {"a": "9", "c": "3"}


def test_tags_to_dict_and_back():
    assert base.tags_to_dict([{"Key": "a", "Value": "1"}]) == {"a": "1"}
    assert base.tags_to_dict([{"key": "a", "value": "1"}]) == {"a": "1"}
    assert base.tags_to_list({"a": "1"}) == [{"Key": "a", "Value": "1"}]


class PagedClient:
    def __init__(self, pages, token_name):
        self.pages = pages
        self.token_name = token_name
        self.calls = []

    def list_things(self, **params):
        self.calls.append(dict(params))
        index = int(params.get(self.token_name, 0))
        page = {"Things": self.pages[index]}
        if index + 1 < len(self.pages):
            page[self.token_name] = str(index + 1)
        return page


@pytest.mark.parametrize("token_name", ["NextToken", "nextToken", "Marker"])
def test_paginate_follows_the_token_through_every_page(token_name):
    fake = PagedClient([[1, 2], [3], [4, 5]], token_name)

    assert base.paginate(fake, "list_things", "Things", Filter="x") == [1, 2, 3, 4, 5]

    assert fake.calls == [{"Filter": "x"}, {"Filter": "x", token_name: "1"}, {"Filter": "x", token_name: "2"}]


def test_paginate_makes_one_call_for_a_single_page():
    fake = PagedClient([[1]], "NextToken")

    assert base.paginate(fake, "list_things", "Things") == [1]
    assert len(fake.calls) == 1


def error(code, operation="DescribeThings"):
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


class FlakyClient:
    def __init__(self, failures):
        self.failures = list(failures)
        self.calls = 0

    def describe_things(self, **params):
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return {"Things": [params]}


@pytest.fixture
def sleeps(monkeypatch):
    """Record the backoff instead of waiting it out."""
    recorded = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


@pytest.mark.parametrize("code", ["ThrottlingException", "RequestLimitExceeded", "SlowDown"])
def test_the_client_retries_a_throttled_call(sleeps, code):
    fake = FlakyClient([error(code), error(code)])

    assert base._RetryingClient(fake).describe_things(Name="x") == {"Things": [{"Name": "x"}]}

    assert fake.calls == 3
    assert len(sleeps) == 2


def test_the_client_does_not_retry_a_real_error(sleeps):
    fake = FlakyClient([error("InvalidVpcID.NotFound")])

    with pytest.raises(ClientError, match="InvalidVpcID.NotFound"):
        base._RetryingClient(fake).describe_things()

    assert fake.calls == 1
    assert sleeps == []


def test_the_client_gives_up_after_its_retries(sleeps):
    fake = FlakyClient([error("ThrottlingException")] * 50)

    with pytest.raises(ClientError, match="ThrottlingException"):
        base._RetryingClient(fake).describe_things()

    assert fake.calls == 12
    assert max(sleeps) <= 20
