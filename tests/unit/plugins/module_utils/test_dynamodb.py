"""The DynamoDB helpers: the normalised view, the plan of steps, the waits and the tolerant calls."""

import copy

import boto3
import pytest
from botocore.exceptions import WaiterError
from botocore.stub import Stubber

from ansible_collections.payments.aws_platform.plugins.module_utils import dynamodb

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/ttt"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def described_table(**overrides):
    """A DescribeTable answer for the design's transactions table, as AWS gives it."""
    table = {
        "TableName": "ttt",
        "TableArn": ARN,
        "TableStatus": "ACTIVE",
        "AttributeDefinitions": [
            {"AttributeName": "transactionId", "AttributeType": "S"},
            {"AttributeName": "timestamp", "AttributeType": "N"},
            {"AttributeName": "userId", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": "transactionId", "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ],
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "UserIdIndex",
                "KeySchema": [
                    {"AttributeName": "userId", "KeyType": "HASH"},
                    {"AttributeName": "timestamp", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
                "IndexStatus": "ACTIVE",
                "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
            }
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "LatestStreamArn": ARN + "/stream/2026-01-01T00:00:00.000",
        "SSEDescription": {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": KEY_ARN},
        "DeletionProtectionEnabled": False,
    }
    table.update(overrides)
    return table


TTL_ON = {"TimeToLiveStatus": "ENABLED", "AttributeName": "expirationTime"}
PITR_ON = {
    "ContinuousBackupsStatus": "ENABLED",
    "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "ENABLED"},
}


def view(**overrides):
    return dynamodb.table_view(described_table(**overrides), TTL_ON, PITR_ON, {"Project": "payments"})


USER_INDEX = {
    "index_name": "UserIdIndex",
    "hash_key_name": "userId",
    "hash_key_type": "S",
    "range_key_name": "timestamp",
    "range_key_type": "N",
    "projection_type": "ALL",
}
STATUS_INDEX = dict(USER_INDEX, index_name="StatusIndex", hash_key_name="status")


def desired(**overrides):
    wanted = {
        "table_name": "ttt",
        "hash_key_name": "transactionId",
        "hash_key_type": "S",
        "range_key_name": "timestamp",
        "range_key_type": "N",
        "billing_mode": "PAY_PER_REQUEST",
        "read_capacity": None,
        "write_capacity": None,
        "global_secondary_indexes": [dict(USER_INDEX)],
        "stream_enabled": True,
        "stream_view_type": "NEW_AND_OLD_IMAGES",
        "ttl_attribute_name": "expirationTime",
        "point_in_time_recovery": True,
        "sse_enabled": True,
        "sse_kms_key_arn": KEY_ARN,
        "deletion_protection": False,
    }
    wanted.update(overrides)
    return wanted


def calls(steps):
    return [(step["call"], step["args"]) for step in steps]


# The view


def test_the_view_of_the_transactions_table():
    assert view() == {
        "table_name": "ttt",
        "table_arn": ARN,
        "hash_key_name": "transactionId",
        "hash_key_type": "S",
        "range_key_name": "timestamp",
        "range_key_type": "N",
        "billing_mode": "PAY_PER_REQUEST",
        "global_secondary_indexes": [USER_INDEX],
        "stream_enabled": True,
        "stream_view_type": "NEW_AND_OLD_IMAGES",
        "stream_arn": ARN + "/stream/2026-01-01T00:00:00.000",
        "ttl_attribute_name": "expirationTime",
        "point_in_time_recovery": True,
        "sse_enabled": True,
        "sse_kms_key_arn": KEY_ARN,
        "deletion_protection": False,
        "tags": {"Project": "payments"},
    }


def test_no_sse_description_is_the_aws_owned_key():
    table = described_table()
    del table["SSEDescription"]

    seen = dynamodb.table_view(table, TTL_ON, PITR_ON, {})

    assert seen["sse_enabled"] is False
    assert "sse_kms_key_arn" not in seen
    assert (
        dynamodb.table_view(described_table(SSEDescription={"Status": "DISABLED"}), {}, {}, {})["sse_enabled"] is False
    )


def test_a_table_provisioned_from_the_start_has_no_billing_summary():
    table = described_table(ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7})
    del table["BillingModeSummary"]
    table["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"] = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 2}

    seen = dynamodb.table_view(table, {}, {}, {})

    assert seen["billing_mode"] == "PROVISIONED"
    assert (seen["read_capacity"], seen["write_capacity"]) == (5, 7)
    assert seen["global_secondary_indexes"][0]["read_capacity"] == 1


def test_an_on_demand_table_shows_no_throughput_even_if_aws_reports_some():
    seen = view(ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})

    assert "read_capacity" not in seen
    assert "read_capacity" not in seen["global_secondary_indexes"][0]


def test_a_stream_turned_off_keeps_no_arn_and_ttl_being_enabled_counts_as_on():
    table = described_table()
    del table["StreamSpecification"]  # AWS (and the emulator) keep LatestStreamArn after a disable

    seen = dynamodb.table_view(table, {"TimeToLiveStatus": "ENABLING", "AttributeName": "exp"}, {}, {})

    assert seen["stream_enabled"] is False
    assert "stream_arn" not in seen
    assert seen["ttl_attribute_name"] == "exp"
    assert (
        dynamodb.table_view(table, {"TimeToLiveStatus": "DISABLING", "AttributeName": "exp"}, {}, {})[
            "ttl_attribute_name"
        ]
        == ""
    )
    assert seen["point_in_time_recovery"] is False


def test_indexes_being_deleted_are_gone_and_include_projections_are_sorted():
    table = described_table()
    table["GlobalSecondaryIndexes"].append(
        dict(table["GlobalSecondaryIndexes"][0], IndexName="OldIndex", IndexStatus="DELETING")
    )
    table["GlobalSecondaryIndexes"][0]["Projection"] = {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["z", "a"]}

    indexes = dynamodb.table_view(table, {}, {}, {})["global_secondary_indexes"]

    assert [index["index_name"] for index in indexes] == ["UserIdIndex"]
    assert indexes[0]["non_key_attributes"] == ["a", "z"]


# The plan


def test_a_converged_table_needs_no_step():
    assert dynamodb.plan_updates(view(), desired(), {}, []) == []


def test_unset_fields_are_left_alone():
    leave_alone = {key: None for key in desired() if key not in ("table_name", "hash_key_name", "hash_key_type")}
    drifted = view(DeletionProtectionEnabled=True, StreamSpecification=None)

    assert dynamodb.plan_updates(drifted, desired(**leave_alone), {}, []) == []


def test_a_new_stream_view_type_disables_then_enables_waiting_between():
    steps = dynamodb.plan_updates(view(), desired(stream_view_type="KEYS_ONLY"), {}, [])

    assert calls(steps) == [
        ("update_table", {"StreamSpecification": {"StreamEnabled": False}}),
        ("update_table", {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}}),
    ]
    assert all(step["wait"] for step in steps)


def test_a_stream_turned_off_is_enabled_once():
    steps = dynamodb.plan_updates(view(StreamSpecification=None), desired(), {}, [])

    assert calls(steps) == [
        ("update_table", {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}})
    ]


def test_new_indexes_are_created_one_per_call_with_every_key_attribute_defined():
    other = dict(STATUS_INDEX, index_name="AmountIndex", hash_key_name="amount", hash_key_type="N")

    steps = dynamodb.plan_updates(view(), desired(global_secondary_indexes=[other, STATUS_INDEX, USER_INDEX]), {}, [])

    assert [step["describe"] for step in steps] == ["create index AmountIndex", "create index StatusIndex"]
    assert all(len(step["args"]["GlobalSecondaryIndexUpdates"]) == 1 and step["wait"] for step in steps)
    # The whole set each time: AWS needs the new index's attributes, the emulator replaces what it had.
    assert steps[1]["args"]["AttributeDefinitions"] == [
        {"AttributeName": "amount", "AttributeType": "N"},
        {"AttributeName": "status", "AttributeType": "S"},
        {"AttributeName": "timestamp", "AttributeType": "N"},
        {"AttributeName": "transactionId", "AttributeType": "S"},
        {"AttributeName": "userId", "AttributeType": "S"},
    ]
    assert steps[0]["args"]["GlobalSecondaryIndexUpdates"][0]["Create"] == {
        "IndexName": "AmountIndex",
        "KeySchema": [
            {"AttributeName": "amount", "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }


def test_removed_indexes_are_deleted_before_anything_is_created():
    steps = dynamodb.plan_updates(view(), desired(global_secondary_indexes=[STATUS_INDEX]), {}, [])

    assert calls(steps)[0] == (
        "update_table",
        {"GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "UserIdIndex"}}]},
    )
    assert [step["describe"] for step in steps] == ["delete index UserIdIndex", "create index StatusIndex"]


def test_an_index_with_another_projection_is_recreated():
    keys_only = dict(USER_INDEX, projection_type="KEYS_ONLY")

    steps = dynamodb.plan_updates(view(), desired(global_secondary_indexes=[keys_only]), {}, [])

    assert [step["describe"] for step in steps] == ["delete index UserIdIndex", "create index UserIdIndex"]
    assert steps[1]["args"]["GlobalSecondaryIndexUpdates"][0]["Create"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}


def test_switching_to_provisioned_sets_every_index_throughput_in_the_same_call():
    wanted = desired(
        billing_mode="PROVISIONED",
        read_capacity=5,
        write_capacity=6,
        global_secondary_indexes=[dict(USER_INDEX, read_capacity=1, write_capacity=2)],
    )

    steps = dynamodb.plan_updates(view(), wanted, {}, [])

    assert calls(steps) == [
        (
            "update_table",
            {
                "BillingMode": "PROVISIONED",
                "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6},
                "GlobalSecondaryIndexUpdates": [
                    {
                        "Update": {
                            "IndexName": "UserIdIndex",
                            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 2},
                        }
                    }
                ],
            },
        )
    ]


def test_a_new_ttl_attribute_disables_the_old_one_first():
    steps = dynamodb.plan_updates(view(), desired(ttl_attribute_name="expiresAt"), {}, [])

    assert calls(steps) == [
        ("update_time_to_live", {"attribute_name": "expirationTime", "enabled": False}),
        ("update_time_to_live", {"attribute_name": "expiresAt", "enabled": True}),
    ]


def test_sse_pitr_protection_and_tags_each_get_their_step():
    wanted = desired(
        sse_kms_key_arn=KEY_ARN.replace("1111", "9999"), point_in_time_recovery=False, deletion_protection=True
    )

    steps = dynamodb.plan_updates(view(), wanted, {"Owner": "me"}, ["Old"])

    assert calls(steps) == [
        (
            "update_table",
            {"SSESpecification": {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": wanted["sse_kms_key_arn"]}},
        ),
        ("update_table", {"DeletionProtectionEnabled": True}),
        ("update_continuous_backups", {"enabled": False}),
        ("untag_resource", {"keys": ["Old"]}),
        ("tag_resource", {"tags": {"Owner": "me"}}),
    ]


def test_sse_enabled_without_a_key_accepts_whichever_key_is_there():
    assert dynamodb.plan_updates(view(), desired(sse_kms_key_arn=None), {}, []) == []


@pytest.mark.parametrize(
    ("change", "option"),
    [
        ({"hash_key_name": "id"}, "hash_key_name"),
        ({"range_key_type": "S"}, "range_key_type"),
        ({"range_key_name": None, "range_key_type": None}, "range_key_name"),
        ({"hash_key_type": "N"}, "hash_key_type"),
    ],
)
def test_key_changes_need_a_new_table(change, option):
    reasons = dynamodb.replacement_reasons(view(), desired(**change))

    assert len(reasons) == 1
    assert reasons[0].startswith(option)


def test_no_replacement_for_the_same_keys():
    assert dynamodb.replacement_reasons(view(), desired()) == []


def test_the_create_request_carries_everything_create_table_takes():
    request = dynamodb.create_request(desired(global_secondary_indexes=[USER_INDEX, STATUS_INDEX]), {"a": "1"})

    assert request["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in request
    assert [index["IndexName"] for index in request["GlobalSecondaryIndexes"]] == ["UserIdIndex", "StatusIndex"]
    assert request["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert request["SSESpecification"] == {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": KEY_ARN}
    assert request["DeletionProtectionEnabled"] is False
    assert request["Tags"] == [{"Key": "a", "Value": "1"}]
    assert [item["AttributeName"] for item in request["AttributeDefinitions"]] == [
        "status",
        "timestamp",
        "transactionId",
        "userId",
    ]


def test_steps_after_create_are_ttl_and_pitr():
    steps = dynamodb.steps_after_create(desired(), {})

    assert [step["describe"] for step in steps] == ["enable TTL on expirationTime", "turn point-in-time recovery on"]


def test_the_predicted_view_after_a_plan_matches_the_view_once_applied():
    before = view(StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    snapshot = copy.deepcopy(before)

    after = dynamodb.predicted_view(before, desired(global_secondary_indexes=[USER_INDEX, STATUS_INDEX]), {"a": "1"})

    assert before == snapshot
    assert after["stream_view_type"] == "NEW_AND_OLD_IMAGES"
    assert "stream_arn" not in after  # a new stream, a new ARN
    assert [index["index_name"] for index in after["global_secondary_indexes"]] == ["UserIdIndex", "StatusIndex"]
    assert after["tags"] == {"a": "1"}


def test_unapplied_names_the_fields_an_endpoint_ignored():
    assert dynamodb.unapplied(view(), desired(), {"Project": "payments"}) == []
    assert dynamodb.unapplied(view(SSEDescription=None), desired(), {"Project": "payments"}) == [
        "sse_enabled",
        "sse_kms_key_arn",
    ]


# Calls, waits


@pytest.fixture
def stubbed():
    client = boto3.client(
        "dynamodb", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_wait_for_active_waits_for_the_table_and_every_index(stubbed):
    client, stubber = stubbed
    creating_index = described_table()
    creating_index["GlobalSecondaryIndexes"][0]["IndexStatus"] = "CREATING"
    stubber.add_client_error("describe_table", "ResourceNotFoundException")
    stubber.add_response("describe_table", {"Table": described_table(TableStatus="UPDATING")})
    stubber.add_response("describe_table", {"Table": creating_index})
    stubber.add_response("describe_table", {"Table": described_table()})

    dynamodb.wait_for_active(client, "ttt", timeout=10, delay=0)


def test_wait_for_active_gives_up_after_the_timeout(stubbed):
    client, stubber = stubbed
    for _ in range(3):
        stubber.add_response("describe_table", {"Table": described_table(TableStatus="UPDATING")})

    with pytest.raises(WaiterError, match="Max attempts exceeded"):
        dynamodb.wait_for_active(client, "ttt", timeout=2, delay=0)


CREATE = {
    "TableName": "ttt",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def test_a_create_answered_resource_in_use_is_not_an_error(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("create_table", "ResourceInUseException")
    stubber.add_client_error("create_table", "ValidationException")

    assert dynamodb.create_table(client, CREATE) is False
    with pytest.raises(client.exceptions.ClientError, match="ValidationException"):
        dynamodb.create_table(client, CREATE)


def test_deleting_or_describing_a_missing_table(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("delete_table", "ResourceNotFoundException")
    stubber.add_client_error("describe_table", "ResourceNotFoundException")
    stubber.add_response("delete_table", {})

    assert dynamodb.delete_table(client, "ttt") is False
    assert dynamodb.describe_table(client, "ttt") is None
    assert dynamodb.delete_table(client, "ttt") is True


def test_a_key_arn_is_not_looked_up_and_an_alias_is():
    kms = boto3.client("kms", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(kms) as stubber:
        stubber.add_response(
            "describe_key", {"KeyMetadata": {"KeyId": "k", "Arn": KEY_ARN}}, {"KeyId": "alias/payments-dev-data"}
        )

        assert dynamodb.resolve_kms_key_arn(kms, KEY_ARN) == KEY_ARN
        assert dynamodb.resolve_kms_key_arn(kms, "alias/payments-dev-data") == KEY_ARN
        stubber.assert_no_pending_responses()
