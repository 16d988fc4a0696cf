"""Idempotency-Key: a retry returns the first result and writes nothing; concurrent retries make one transaction."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from payment_events import DEFAULT_CALLER
from payment_events import make_event
from payment_events import parse
from payment_events import scan_items
from payment_handler import app
from payment_handler.identity import principal_of_arn
from payment_handler.repository import IDEMPOTENCY_TTL_SECONDS
from payment_handler.repository import TransactionRepository
from payment_handler.repository import idempotency_record_id

PAYMENT = {"amount": "25.00", "currency": "EUR", "userId": "user-7", "description": "Subscription"}
OWNER = principal_of_arn(DEFAULT_CALLER)


def post(body, key, header="Idempotency-Key"):
    return make_event("POST", "/payment", body=body, headers={"Content-Type": "application/json", header: key})


def transactions(dynamodb, table):
    return [item for item in scan_items(dynamodb, table) if item["recordType"]["S"] == "TRANSACTION"]


def test_retry_returns_the_first_result_and_writes_nothing(table, dynamodb, context):
    first = app.handler(post(PAYMENT, "key-1"), context)
    assert first["statusCode"] == 201
    assert first["headers"]["Idempotent-Replayed"] == "false"
    items_after_first = scan_items(dynamodb, table)
    assert len(items_after_first) == 2  # the transaction and the key's record

    retry = app.handler(post(PAYMENT, "key-1"), context)
    assert retry["statusCode"] == 201
    assert retry["headers"]["Idempotent-Replayed"] == "true"
    assert parse(retry) == parse(first)
    assert scan_items(dynamodb, table) == items_after_first


@pytest.mark.parametrize("header", ["idempotency-key", "IDEMPOTENCY-KEY", "Idempotency-key"])
def test_header_name_is_case_insensitive(table, dynamodb, context, header):
    first = parse(app.handler(post(PAYMENT, "key-case"), context))
    retry = app.handler(post(PAYMENT, "key-case", header=header), context)
    assert parse(retry)["transactionId"] == first["transactionId"]
    assert len(transactions(dynamodb, table)) == 1


def test_equivalent_body_is_the_same_request(table, dynamodb, context):
    first = parse(app.handler(post(PAYMENT, "key-eq"), context))
    same = {"userId": "user-7", "description": "Subscription", "currency": "EUR", "amount": 25}
    retry = app.handler(post(same, "key-eq"), context)
    assert retry["statusCode"] == 201
    assert parse(retry)["transactionId"] == first["transactionId"]
    assert len(transactions(dynamodb, table)) == 1


@pytest.mark.parametrize(
    "change", [{"amount": "25.01"}, {"currency": "USD"}, {"userId": "user-8"}, {"description": None}]
)
def test_same_key_different_body_is_409(table, dynamodb, context, change):
    app.handler(post(PAYMENT, "key-2"), context)
    before = scan_items(dynamodb, table)
    other = {key: value for key, value in {**PAYMENT, **change}.items() if value is not None}
    result = app.handler(post(other, "key-2"), context)
    assert result["statusCode"] == 409
    assert parse(result)["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert scan_items(dynamodb, table) == before


def test_different_keys_make_different_transactions(table, dynamodb, context):
    a = parse(app.handler(post(PAYMENT, "key-a"), context))
    b = parse(app.handler(post(PAYMENT, "key-b"), context))
    assert a["transactionId"] != b["transactionId"]
    assert len(transactions(dynamodb, table)) == 2


def test_without_a_key_every_post_is_a_new_transaction(table, dynamodb, context):
    for _ in range(2):
        assert app.handler(make_event("POST", "/payment", body=PAYMENT), context)["statusCode"] == 201
    assert len(scan_items(dynamodb, table)) == 2


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "tab\tkey", "ключ"])
def test_invalid_key_is_400(table, dynamodb, context, key):
    result = app.handler(post(PAYMENT, key), context)
    assert result["statusCode"] == 400
    assert parse(result)["error"]["code"] == "INVALID_IDEMPOTENCY_KEY"
    assert scan_items(dynamodb, table) == []


def test_conflicting_repeated_key_headers_are_400(table, context):
    event = post(PAYMENT, "one")
    event["multiValueHeaders"]["Idempotency-Key"] = ["one", "two"]
    result = app.handler(event, context)
    assert result["statusCode"] == 400
    assert parse(result)["error"]["code"] == "INVALID_IDEMPOTENCY_KEY"


def test_idempotency_record_shape(table, dynamodb, context):
    created = parse(app.handler(post(PAYMENT, "key-shape"), context))
    record_id = idempotency_record_id(OWNER, "key-shape")
    assert record_id.startswith("idempotency#") and len(record_id) == len("idempotency#") + 64
    item = dynamodb.get_item(TableName=table, Key={"transactionId": {"S": record_id}, "timestamp": {"N": "0"}})["Item"]
    assert item["transactionRef"] == {"S": created["transactionId"]}
    assert item["ownerId"] == {"S": OWNER}
    created_s = created["transaction"]["timestamp"] // 1000
    assert int(item["expirationTime"]["N"]) == created_s + IDEMPOTENCY_TTL_SECONDS
    # Sparse GSIs: the record has neither GSI key, so index queries never see it.
    assert "userId" not in item and "status" not in item


def test_get_never_returns_an_idempotency_record(table, dynamodb, context):
    app.handler(post(PAYMENT, "key-get"), context)
    record_id = idempotency_record_id(OWNER, "key-get")
    for candidate in (record_id, record_id.split("#", 1)[1], "idempotency#"):
        result = app.handler(make_event("GET", "/payment/x", path_parameters={"id": candidate}), context)
        assert result["statusCode"] in (400, 404)
        assert "requestHash" not in result["body"] and "idempotency" not in result["body"]
    pending = dynamodb.query(
        TableName=table,
        IndexName="StatusIndex",
        KeyConditionExpression="#s = :p",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":p": {"S": "PENDING"}},
    )["Items"]
    assert [item["recordType"]["S"] for item in pending] == ["TRANSACTION"]


def test_repository_get_ignores_records_that_are_not_transactions(table, dynamodb, repository):
    dynamodb.put_item(
        TableName=table,
        Item={
            "transactionId": {"S": "8c1f7a8e-0000-4000-8000-000000000000"},
            "timestamp": {"N": "0"},
            "recordType": {"S": "IDEMPOTENCY"},
        },
    )
    assert repository.get_transaction("8c1f7a8e-0000-4000-8000-000000000000") is None


def test_an_expired_record_no_longer_binds_the_key(table, dynamodb, context, repository):
    start = 1_800_000_000.0
    first = parse(app.handle(post(PAYMENT, "key-ttl"), context, repository=repository, clock=lambda: start))
    later = start + IDEMPOTENCY_TTL_SECONDS + 1  # TTL has not deleted it yet: DynamoDB deletes lazily
    second = app.handle(post(PAYMENT, "key-ttl"), context, repository=repository, clock=lambda: later)
    assert second["statusCode"] == 201
    assert second["headers"]["Idempotent-Replayed"] == "false"
    assert parse(second)["transactionId"] != first["transactionId"]
    assert len(transactions(dynamodb, table)) == 2
    assert len(scan_items(dynamodb, table)) == 3  # the record was replaced, not duplicated


def test_concurrent_retries_make_exactly_one_transaction(table, dynamodb, context, repository):
    workers = 8
    barrier = threading.Barrier(workers)

    def attempt(_):
        barrier.wait()
        return app.handle(post(PAYMENT, "key-race"), context, repository=repository)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(attempt, range(workers)))

    assert [result["statusCode"] for result in results] == [201] * workers
    ids = {parse(result)["transactionId"] for result in results}
    assert len(ids) == 1
    replayed = sorted(result["headers"]["Idempotent-Replayed"] for result in results)
    assert replayed == ["false"] + ["true"] * (workers - 1)
    stored = transactions(dynamodb, table)
    assert [item["transactionId"]["S"] for item in stored] == list(ids)
    assert len(scan_items(dynamodb, table)) == 2


def test_concurrent_different_bodies_one_wins_the_rest_409(table, dynamodb, context, repository):
    workers = 6
    barrier = threading.Barrier(workers)

    def attempt(index):
        barrier.wait()
        body = {**PAYMENT, "amount": f"{index + 1}.00"}
        return app.handle(post(body, "key-race-2"), context, repository=repository)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        statuses = sorted(result["statusCode"] for result in pool.map(attempt, range(workers)))

    assert statuses == [201] + [409] * (workers - 1)
    assert len(transactions(dynamodb, table)) == 1


class _Conflicting:
    """A client whose TransactWriteItems always reports TransactionConflict (a transaction in flight)."""

    def __init__(self, client):
        self._client = client
        self.calls = 0

    def __getattr__(self, name):
        return getattr(self._client, name)

    def transact_write_items(self, **kwargs):
        from botocore.exceptions import ClientError

        self.calls += 1
        raise ClientError(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}],
            },
            "TransactWriteItems",
        )


def test_a_key_stuck_in_conflict_is_409_in_use(table, dynamodb, context):
    client = _Conflicting(dynamodb)
    repository = TransactionRepository(client, table, sleep=lambda _seconds: None)
    result = app.handle(post(PAYMENT, "key-stuck"), context, repository=repository)
    assert result["statusCode"] == 409
    assert parse(result)["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE"
    assert client.calls > 1  # it retried
    assert scan_items(dynamodb, table) == []
