"""Helpers the payment handler's test modules share: API Gateway REST proxy events (payload format
1.0), response parsing, log capture and table scans. Fixtures live in conftest.py; a module named
conftest cannot be imported reliably when several test trees are collected in one run."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

LAMBDA_DIR = Path(__file__).resolve().parents[1]


def scan_items(client, table_name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table_name, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


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
