"""Failures answer without leaking internals; every log line is JSON with the request ids."""

from __future__ import annotations

import json
import logging

import pytest
from botocore.exceptions import ClientError
from payment_events import log_lines
from payment_events import make_event
from payment_events import parse
from payment_handler import app
from payment_handler.repository import TransactionRepository

PAYMENT = {"amount": "12.34", "currency": "USD", "userId": "user-secret-9", "description": "Top secret order"}
SECRET = "arn:aws:dynamodb:us-east-1:123456789012:table/internal-name password=hunter2"


class FailingClient:
    """A DynamoDB client every call of which fails the way ``error`` says."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __getattr__(self, name):
        def fail(**_kwargs):
            raise self.error

        return fail


def access_denied():
    return ClientError({"Error": {"Code": "AccessDeniedException", "Message": SECRET}}, "PutItem")


@pytest.mark.parametrize(
    "event",
    [
        make_event("POST", "/payment", body=PAYMENT),
        make_event("POST", "/payment", body=PAYMENT, headers={"Idempotency-Key": "k"}),
        make_event("GET", "/payment/0b9a3c55-1f1e-4c39-9d7e-7d6c0f0a1b2c"),
    ],
    ids=["post", "post-idempotent", "get"],
)
def test_unexpected_failure_is_a_generic_500(table, context, capsys, event):
    repository = TransactionRepository(FailingClient(access_denied()), table)
    result = app.handle(event, context, repository=repository)

    assert result["statusCode"] == 500
    body = parse(result)
    assert body == {
        "error": {
            "code": "INTERNAL_ERROR",
            "message": "the request could not be processed",
            "requestId": event["requestContext"]["requestId"],
        }
    }
    for leak in ("hunter2", "arn:aws", "AccessDenied", "Traceback", table, "dynamodb"):
        assert leak not in result["body"]

    lines = log_lines(capsys.readouterr().out)
    error = next(line for line in lines if line["message"] == "unhandled error")
    assert error["level"] == "ERROR"
    assert error["requestId"] == context.aws_request_id
    assert error["apiRequestId"] == event["requestContext"]["requestId"]
    assert error["errorType"] == "ClientError"
    assert "AccessDeniedException" in error["exception"]


def test_a_bug_is_a_generic_500_too(table, context):
    repository = TransactionRepository(FailingClient(KeyError("Item")), table)
    result = app.handle(make_event("POST", "/payment", body=PAYMENT), context, repository=repository)
    assert result["statusCode"] == 500
    assert "KeyError" not in result["body"]


def test_throttling_is_503_with_retry_after(table, context):
    throttled = ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}, "PutItem")
    repository = TransactionRepository(FailingClient(throttled), table)
    result = app.handle(make_event("POST", "/payment", body=PAYMENT), context, repository=repository)
    assert result["statusCode"] == 503
    assert result["headers"]["Retry-After"] == "1"
    assert parse(result)["error"]["code"] == "SERVICE_UNAVAILABLE"


def test_access_log_line_is_json_with_ids_route_status_and_duration(table, context, capsys):
    event = make_event("POST", "/payment", body=PAYMENT, request_id="api-req-1")
    result = app.handler(event, context)
    lines = log_lines(capsys.readouterr().out)
    assert len(lines) == 1
    line = lines[0]
    assert line["message"] == "request completed"
    assert line["level"] == "INFO"
    assert line["requestId"] == context.aws_request_id
    assert line["apiRequestId"] == "api-req-1"
    assert line["route"] == "POST /payment"
    assert line["status"] == 201
    assert isinstance(line["durationMs"], float) and line["durationMs"] >= 0
    assert line["transactionId"] == parse(result)["transactionId"]
    assert "timestamp" in line


def test_logs_never_carry_the_body_or_the_amount(table, context, capsys):
    app.handler(make_event("POST", "/payment", body=PAYMENT), context)
    app.handler(make_event("POST", "/payment", body={**PAYMENT, "amount": "-777.77"}), context)
    out = capsys.readouterr().out
    assert len(log_lines(out)) == 2
    for secret in ("12.34", "Top secret order", "user-secret-9", "777.77"):
        assert secret not in out


def test_errors_are_logged_with_their_code(table, context, capsys):
    app.handler(make_event("GET", "/payment/nope"), context)
    (line,) = log_lines(capsys.readouterr().out)
    assert line["status"] == 400
    assert line["errorCode"] == "INVALID_TRANSACTION_ID"
    assert line["route"] == "GET /payment/{id}"


@pytest.mark.parametrize(("level", "lines"), [("WARNING", 0), ("INFO", 1), ("DEBUG", 1), ("bogus", 1)])
def test_log_level_from_the_environment(table, context, capsys, monkeypatch, level, lines):
    monkeypatch.setenv("LOG_LEVEL", level)
    app.handler(make_event("GET", "/payment/nope"), context)
    assert len(log_lines(capsys.readouterr().out)) == lines


def test_handler_logs_do_not_reach_the_root_logger(table, context):
    assert logging.getLogger("payment_handler").propagate is False


def test_handler_builds_its_client_from_the_environment(table, dynamodb, context):
    """app.handler with nothing injected: boto3 finds the emulator through AWS_ENDPOINT_URL."""
    result = app.handler(make_event("POST", "/payment", body=PAYMENT), context)
    assert result["statusCode"] == 201
    transaction_id = parse(result)["transactionId"]
    reply = dynamodb.query(
        TableName=table,
        KeyConditionExpression="transactionId = :id",
        ExpressionAttributeValues={":id": {"S": transaction_id}},
    )
    assert reply["Count"] == 1


def test_configured_repository_is_used(table, context):
    app.configure(TransactionRepository(FailingClient(access_denied()), table))
    result = app.handler(make_event("GET", "/payment/0b9a3c55-1f1e-4c39-9d7e-7d6c0f0a1b2c"), context)
    assert result["statusCode"] == 500


def test_a_non_dict_event_is_a_404_not_a_crash(table, context):
    result = app.handler(None, context)
    assert result["statusCode"] == 404
    assert json.loads(result["body"])["error"]["code"] == "ROUTE_NOT_FOUND"
