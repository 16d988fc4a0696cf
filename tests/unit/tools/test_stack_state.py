"""tests/tools/stack_state.py: the normalisation that lets two accounts' snapshots compare equal, and the
difference listing. (The readers run against whole stacks in tests/integration/test_reliability.py.)"""

from __future__ import annotations

import datetime

import stack_state


def test_generated_ids_become_their_placeholders_and_volatile_keys_go():
    ids = {"vpc-0a1b2c3d4e5f60718": "<vpc:payments-dev-vpc>", "k9x8y7w6v5": "<api:payments-dev-api>"}
    raw = {
        "VpcId": "vpc-0a1b2c3d4e5f60718",
        "uri": "arn:aws:execute-api:us-east-1:123456789012:k9x8y7w6v5/*/POST/payment",
        "CreatedDate": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        "LastModified": "2026-01-01T00:00:00.000+0000",
        "RevisionId": "abc",
        "Timeout": 30,
        "other": "sg-0123456789abcdef0 in subnet-0123456789abcdef0",
        "secret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
        "rds!db-1b4e28ba-2fa1-11d2-883f-0016d3cca427-AbC123",
        "stream": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.123",
        "policy": '{"Statement": [{"Resource": "vpc-0a1b2c3d4e5f60718"}]}',
    }

    assert stack_state.normalise(raw, ids) == {
        "VpcId": "<vpc:payments-dev-vpc>",
        "uri": "arn:aws:execute-api:us-east-1:123456789012:<api:payments-dev-api>/*/POST/payment",
        "Timeout": 30,
        "other": "sg-<id> in subnet-<id>",
        "secret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-<uuid>-<suffix>",
        "stream": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/<time>",
        "policy": {"Statement": [{"Resource": "<vpc:payments-dev-vpc>"}]},
    }


def test_lists_compare_whatever_their_order_but_not_whatever_their_length():
    one = stack_state.normalise({"subnets": [{"cidr": "10.0.16.0/20"}, {"cidr": "10.0.0.0/20"}]}, {})
    other = stack_state.normalise({"subnets": [{"cidr": "10.0.0.0/20"}, {"cidr": "10.0.16.0/20"}]}, {})
    twice = stack_state.normalise({"subnets": [{"cidr": "10.0.0.0/20"}] * 3}, {})

    assert one == other
    assert one != twice
    assert stack_state.differences(one, twice) == [
        '/subnets: [{"cidr": "10.0.0.0/20"}, {"cidr": "10.0.16.0/20"}] != '
        '[{"cidr": "10.0.0.0/20"}, {"cidr": "10.0.0.0/20"}, {"cidr": "10.0.0.0/20"}]'
    ]


def test_differences_name_each_leaf_that_differs():
    left = {"kms": [{"rotation": True, "aliases": ["alias/a"]}], "only left": 1}
    right = {"kms": [{"rotation": False, "aliases": ["alias/a"]}], "only right": 2}

    assert stack_state.differences(left, right) == [
        "/kms[0]/rotation: true != false",
        "/only left: only on the left",
        "/only right: only on the right",
    ]
    assert stack_state.differences(left, left) == []
