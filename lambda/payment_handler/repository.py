"""DynamoDB access: the transactions table and its idempotency records.

Table: hash key ``transactionId`` (S), range key ``timestamp`` (N); GSIs ``UserIdIndex`` (userId,
timestamp) and ``StatusIndex`` (status, timestamp); TTL on ``expirationTime``.

Actions used, all on the table itself (never on an index): PutItem (a payment without an
Idempotency-Key), TransactWriteItems with two Puts (needs PutItem), GetItem (an idempotency record)
and Query (a transaction by id). The function's role also allows UpdateItem, unused here.

Every item the handler writes carries ``ownerId``, the caller who made it (see identity.py); reads
compare it in code after the key lookup. Items written before owners existed have none: nobody owns
them, so GET never returns them.

An idempotency record is an item of its own: ``transactionId = "idempotency#<sha256 of [owner, key]>"``,
``timestamp = 0``: a key is the caller's own, and two callers' equal keys are two records. It has no
``userId`` or ``status`` attribute, so it never enters either GSI, and its id is not a UUID, so GET
/payment/{id} can never reach it.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

RECORD_TRANSACTION = "TRANSACTION"
RECORD_IDEMPOTENCY = "IDEMPOTENCY"
IDEMPOTENCY_PREFIX = "idempotency#"
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60
# TransactionConflict (another transaction on the same idempotency record is in flight): retries.
CONFLICT_ATTEMPTS = 4
THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "LimitExceededException"}
)


class IdempotencyInProgress(Exception):
    """The record for this key could be neither written nor read back after several attempts."""


class StoreUnavailable(Exception):
    """DynamoDB throttled the request even after botocore's retries."""


@dataclass(frozen=True)
class IdempotencyRecord:
    request_hash: str
    status_code: int
    body: dict[str, Any]
    transaction_id: str


def idempotency_record_id(owner: str, key: str) -> str:
    """``idempotency#`` + the SHA-256 of the JSON array ``[owner, key]`` (ASCII-escaped): unambiguous for
    any owner and key, so one caller's key never names another caller's record."""
    scoped = json.dumps([owner, key], ensure_ascii=True, separators=(",", ":"))
    return IDEMPOTENCY_PREFIX + hashlib.sha256(scoped.encode("ascii")).hexdigest()


def _number(value: Any) -> Decimal:
    return Decimal(value["N"])


def from_item(item: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Plain values from DynamoDB attribute values: N as Decimal (never float), S as str."""
    result: dict[str, Any] = {}
    for name, value in item.items():
        if "S" in value:
            result[name] = value["S"]
        elif "N" in value:
            result[name] = _number(value)
        elif "BOOL" in value:
            result[name] = value["BOOL"]
        elif "NULL" in value:
            result[name] = None
    return result


def transaction_item(transaction: dict[str, Any]) -> dict[str, dict[str, str]]:
    """A transaction (``amount`` a Decimal, times ints) as a DynamoDB item."""
    item = {
        "transactionId": {"S": transaction["transactionId"]},
        "timestamp": {"N": str(transaction["timestamp"])},
        "recordType": {"S": RECORD_TRANSACTION},
        "ownerId": {"S": transaction["ownerId"]},
        "amount": {"N": str(transaction["amount"])},
        "currency": {"S": transaction["currency"]},
        "userId": {"S": transaction["userId"]},
        "status": {"S": transaction["status"]},
        "createdAt": {"S": transaction["createdAt"]},
        "expirationTime": {"N": str(transaction["expirationTime"])},
    }
    if transaction.get("description") is not None:
        item["description"] = {"S": transaction["description"]}
    return item


def _error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


class TransactionRepository:
    """Reads and writes of one transactions table through a boto3 DynamoDB client (injected)."""

    def __init__(self, client: Any, table_name: str, *, sleep=time.sleep) -> None:
        self.client = client
        self.table_name = table_name
        self._sleep = sleep

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as error:
            if _error_code(error) in THROTTLING_CODES:
                raise StoreUnavailable(operation) from error
            raise

    def put_transaction(self, transaction: dict[str, Any]) -> None:
        """Write a new transaction; never overwrite one (a UUID collision fails instead)."""
        self._call(
            "put_item",
            TableName=self.table_name,
            Item=transaction_item(transaction),
            ConditionExpression="attribute_not_exists(transactionId)",
        )

    def get_transaction(self, transaction_id: str) -> dict[str, Any] | None:
        """The transaction with this id (Query on the hash key, limit 1), or None. Whoever owns it: the
        caller compares ``ownerId``."""
        reply = self._call(
            "query",
            TableName=self.table_name,
            KeyConditionExpression="transactionId = :id",
            ExpressionAttributeValues={":id": {"S": transaction_id}},
            Limit=1,
            ConsistentRead=True,
        )
        for item in reply.get("Items", []):
            record = from_item(item)
            if record.get("recordType") == RECORD_TRANSACTION:
                return record
        return None

    def get_idempotency_record(self, record_id: str, now: int) -> IdempotencyRecord | None:
        reply = self._call(
            "get_item",
            TableName=self.table_name,
            Key={"transactionId": {"S": record_id}, "timestamp": {"N": "0"}},
            ConsistentRead=True,
        )
        return self._idempotency_record(reply.get("Item"), now)

    @staticmethod
    def _idempotency_record(item: dict[str, Any] | None, now: int) -> IdempotencyRecord | None:
        if not item:
            return None
        record = from_item(item)
        # TTL deletes lazily (within days): an expired record is treated as gone.
        if record.get("recordType") != RECORD_IDEMPOTENCY or int(record["expirationTime"]) <= now:
            return None
        return IdempotencyRecord(
            request_hash=record["requestHash"],
            status_code=int(record["statusCode"]),
            body=json.loads(record["response"]),
            transaction_id=record["transactionRef"],
        )

    def put_transaction_once(
        self,
        owner: str,
        key: str,
        request_hash: str,
        transaction: dict[str, Any],
        status_code: int,
        body: dict[str, Any],
        now: int,
    ) -> IdempotencyRecord | None:
        """Write the transaction and the (owner, key)'s idempotency record in one transaction, unless a live
        record for them exists: then return that record (the first request's result) and write nothing.

        Concurrent requests with one key: DynamoDB lets exactly one transaction put the record; the others
        fail its condition (and get the record back) or conflict (and retry until they can read it).
        """
        record_id = idempotency_record_id(owner, key)
        idempotency_item = {
            "transactionId": {"S": record_id},
            "timestamp": {"N": "0"},
            "recordType": {"S": RECORD_IDEMPOTENCY},
            "ownerId": {"S": owner},
            "requestHash": {"S": request_hash},
            "statusCode": {"N": str(status_code)},
            "response": {"S": json.dumps(body, separators=(",", ":"), ensure_ascii=False)},
            "transactionRef": {"S": transaction["transactionId"]},
            "createdAt": {"S": transaction["createdAt"]},
            "expirationTime": {"N": str(now + IDEMPOTENCY_TTL_SECONDS)},
        }
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                self._call(
                    "transact_write_items",
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self.table_name,
                                "Item": idempotency_item,
                                # A record past its expiry may still be there (TTL is lazy): it may be replaced.
                                "ConditionExpression": "attribute_not_exists(transactionId) OR expirationTime <= :now",
                                "ExpressionAttributeValues": {":now": {"N": str(now)}},
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                            }
                        },
                        {
                            "Put": {
                                "TableName": self.table_name,
                                "Item": transaction_item(transaction),
                                "ConditionExpression": "attribute_not_exists(transactionId)",
                            }
                        },
                    ],
                )
                return None
            except ClientError as error:
                if _error_code(error) != "TransactionCanceledException":
                    raise
                reasons = error.response.get("CancellationReasons") or []
                codes = [reason.get("Code") for reason in reasons]
                record_reason = reasons[0] if reasons else {}
                if record_reason.get("Code") == "ConditionalCheckFailed":
                    existing = self._idempotency_record(record_reason.get("Item"), now)
                    if existing is None:  # no item in the reason: read it
                        existing = self.get_idempotency_record(record_id, now)
                    if existing is not None:
                        return existing
                elif len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                    raise  # a transaction with this UUID exists: never overwrite it
                elif not reasons or "TransactionConflict" not in codes:
                    raise
            if attempt < CONFLICT_ATTEMPTS:
                self._sleep(random.uniform(0.02, 0.05) * attempt)  # jitter, not cryptography
        existing = self.get_idempotency_record(record_id, now)
        if existing is not None:
            return existing
        raise IdempotencyInProgress(record_id)
