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

ACCOUNT = "123456789012"
#: The caller of every event unless told otherwise: a session of an IAM role, as API Gateway sees an
#: AWS_IAM-signed request (the owner is the role, arn:aws:sts::123456789012:assumed-role/PaymentsClient).
DEFAULT_CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/PaymentsClient/session-1"


def identity(caller: str | None) -> dict[str, Any]:
    """requestContext.identity as API Gateway fills it for an IAM-authorized method (caller None: for an
    unauthenticated one, where every field but the source IP and user agent is null)."""
    fields: dict[str, Any] = {"sourceIp": "192.0.2.10", "userAgent": "pytest"}
    fields.update(
        {"accountId": None, "caller": None, "user": None, "userArn": None, "accessKey": None}
        if caller is None
        else {
            "accountId": ACCOUNT,
            "caller": "AROAEXAMPLEROLEID:session-1",
            "user": "AROAEXAMPLEROLEID:session-1",
            "userArn": caller,
            "accessKey": "ASIAEXAMPLEACCESSKEY",
        }
    )
    fields.update({"cognitoIdentityPoolId": None, "cognitoIdentityId": None, "cognitoAuthenticationType": None})
    return fields


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
    caller: str | None = DEFAULT_CALLER,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST API proxy event (payload format 1.0), as AWS_PROXY integrations send it.
    ``body``: a str is sent as is, anything else as JSON. ``caller``: the userArn of an IAM-authorized
    caller, None for none; ``authorizer``: requestContext.authorizer (a Cognito or Lambda authorizer's)."""
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
    request_context: dict[str, Any] = {
        "resourcePath": resource,
        "httpMethod": method,
        "path": f"/test{path}",
        "stage": "test",
        "requestId": request_id,
        "identity": identity(caller),
    }
    if authorizer is not None:
        request_context["authorizer"] = authorizer
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
        "requestContext": request_context,
        "body": text,
        "isBase64Encoded": base64_body,
    }


def parse(result: dict[str, Any]) -> Any:
    assert result["headers"]["Content-Type"] == "application/json"
    return json.loads(result["body"]) if result["body"] else None


def log_lines(captured: str) -> list[dict[str, Any]]:
    """Every stdout line must be one JSON object."""
    return [json.loads(line) for line in captured.splitlines() if line.strip()]
