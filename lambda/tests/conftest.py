"""Fixtures for the payment handler's tests: one emulator (moto's server mode) per session, a fresh
transactions table per test, API Gateway REST proxy events (payload format 1.0) and a Lambda context."""

from __future__ import annotations

import base64
import json
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
LAMBDA_DIR = REPO / "lambda"
sys.path.insert(0, str(REPO / "tests" / "tools"))
sys.path.insert(0, str(LAMBDA_DIR))

import boto3  # noqa: E402
import emulator  # noqa: E402  (tests/tools)
from payment_handler import app  # noqa: E402
from payment_handler.repository import TransactionRepository  # noqa: E402

REGION = "us-east-1"


@pytest.fixture(scope="session")
def emulator_url(tmp_path_factory):
    state_file = tmp_path_factory.mktemp("payment-emulator") / "state.json"
    state = emulator.start(state_file)
    yield state["url"]
    emulator.stop(state_file)


@pytest.fixture
def aws_env(monkeypatch, emulator_url):
    """What the Lambda runtime gives the function, pointed at the emulator: boto3 itself honours
    AWS_ENDPOINT_URL, so the handler code has no test switch."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    for name in ("ALLOWED_ORIGIN", "TRANSACTION_RETENTION_DAYS", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    app.configure(None)
    yield emulator_url
    app.configure(None)


@pytest.fixture
def dynamodb(aws_env):
    return boto3.client("dynamodb")


def create_table(client, name: str) -> None:
    """The design's transactions table: the schema the roles create."""
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "transactionId", "AttributeType": "S"},
            {"AttributeName": "timestamp", "AttributeType": "N"},
            {"AttributeName": "userId", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "transactionId", "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "UserIdIndex",
                "KeySchema": [
                    {"AttributeName": "userId", "KeyType": "HASH"},
                    {"AttributeName": "timestamp", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "StatusIndex",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "timestamp", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
    )
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expirationTime"}
    )


@pytest.fixture
def table(dynamodb, monkeypatch):
    """A fresh table per test (unique name), set as TABLE_NAME; deleted afterwards."""
    name = f"payments-test-{uuid.uuid4().hex[:12]}-transactions"
    create_table(dynamodb, name)
    monkeypatch.setenv("TABLE_NAME", name)
    yield name
    dynamodb.delete_table(TableName=name)


@pytest.fixture
def repository(dynamodb, table):
    return TransactionRepository(dynamodb, table)


def scan_items(client, table_name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table_name, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@dataclass
class LambdaContext:
    aws_request_id: str
    function_name: str = "payments-test-processor"
    memory_limit_in_mb: int = 512

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def context():
    return LambdaContext(aws_request_id=str(uuid.uuid4()))


def make_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    base64_body: bool = False,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST API proxy event (payload format 1.0), as AWS_PROXY integrations send it.
    ``body``: a str is sent as is, anything else as JSON."""
    if resource is None:
        if path == "/payment":
            resource = "/payment"
        elif path.startswith("/payment/") and path.count("/") == 2:
            resource = "/payment/{id}"
            path_parameters = path_parameters or {"id": path.rsplit("/", 1)[1]}
        else:
            resource = path
    if headers is None:
        headers = {"Content-Type": "application/json"} if body is not None else {}
    text = body if isinstance(body, str) or body is None else json.dumps(body)
    if base64_body and text is not None:
        text = base64.b64encode(text.encode("utf-8")).decode("ascii")
    request_id = request_id or str(uuid.uuid4())
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": dict(headers) or None,
        "multiValueHeaders": {name: [value] for name, value in headers.items()} or None,
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/test{path}",
            "stage": "test",
            "requestId": request_id,
            "identity": {"sourceIp": "192.0.2.10", "userAgent": "pytest"},
        },
        "body": text,
        "isBase64Encoded": base64_body,
    }


def parse(result: dict[str, Any]) -> Any:
    assert result["headers"]["Content-Type"] == "application/json"
    return json.loads(result["body"]) if result["body"] else None


def log_lines(captured: str) -> list[dict[str, Any]]:
    """Every stdout line must be one JSON object."""
    return [json.loads(line) for line in captured.splitlines() if line.strip()]
