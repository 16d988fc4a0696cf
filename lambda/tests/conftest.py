"""Fixtures for the payment handler's tests: one emulator (moto's server mode) per session, a fresh
transactions table per test, API Gateway REST proxy events (payload format 1.0) and a Lambda context."""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAMBDA_DIR = REPO / "lambda"
sys.path.insert(0, str(REPO / "tests" / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
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
    for name in ("ALLOWED_ORIGINS", "ALLOWED_ORIGIN", "TRANSACTION_RETENTION_DAYS", "LOG_LEVEL"):
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
