"""POST /payment and GET /payment/{id} against the emulator's DynamoDB, through API Gateway proxy events."""

from __future__ import annotations

import base64
import json
import time
import uuid
from decimal import Decimal

import pytest
from payment_events import log_lines
from payment_events import make_event
from payment_events import parse
from payment_events import scan_items
from payment_handler import app
from payment_handler.settings import DEFAULT_RETENTION_DAYS
from payment_handler.validation import MAX_BODY_BYTES

PAYMENT = {"amount": "10.50", "currency": "USD", "userId": "user-123", "description": "Order 42"}


def post(body, **kwargs):
    return make_event("POST", "/payment", body=body, **kwargs)


def test_post_creates_a_pending_transaction(table, dynamodb, context):
    before = time.time()
    result = app.handler(post(PAYMENT), context)
    after = time.time()

    assert result["statusCode"] == 201
    body = parse(result)
    transaction_id = body["transactionId"]
    assert str(uuid.UUID(transaction_id)) == transaction_id
    transaction = body["transaction"]
    assert transaction == {
        "transactionId": transaction_id,
        "amount": "10.50",
        "currency": "USD",
        "userId": "user-123",
        "description": "Order 42",
        "status": "PENDING",
        "timestamp": transaction["timestamp"],
        "createdAt": transaction["createdAt"],
    }
    assert int(before * 1000) <= transaction["timestamp"] <= int(after * 1000) + 1

    items = scan_items(dynamodb, table)
    assert len(items) == 1
    item = items[0]
    assert item["transactionId"] == {"S": transaction_id}
    assert item["status"] == {"S": "PENDING"}
    assert item["timestamp"] == {"N": str(transaction["timestamp"])}
    assert Decimal(item["amount"]["N"]) == Decimal("10.50")
    expiration = int(item["expirationTime"]["N"])
    assert expiration == transaction["timestamp"] // 1000 + DEFAULT_RETENTION_DAYS * 86400


def test_get_returns_the_stored_transaction(table, context):
    created = parse(app.handler(post(PAYMENT), context))
    result = app.handler(make_event("GET", f"/payment/{created['transactionId']}"), context)
    assert result["statusCode"] == 200
    assert parse(result) == created["transaction"]


def test_get_accepts_an_upper_case_id(table, context):
    created = parse(app.handler(post(PAYMENT), context))
    result = app.handler(make_event("GET", f"/payment/{created['transactionId'].upper()}"), context)
    assert result["statusCode"] == 200
    assert parse(result)["transactionId"] == created["transactionId"]


def test_get_unknown_transaction_is_404(table, context):
    result = app.handler(make_event("GET", f"/payment/{uuid.uuid4()}"), context)
    assert result["statusCode"] == 404
    assert parse(result)["error"]["code"] == "TRANSACTION_NOT_FOUND"


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "idempotency%23abc", "1234", "' OR 1=1 --"])
def test_get_malformed_id_is_400(table, context, bad_id):
    event = make_event("GET", "/payment/x", path_parameters={"id": bad_id})
    result = app.handler(event, context)
    assert result["statusCode"] == 400
    assert parse(result)["error"]["code"] == "INVALID_TRANSACTION_ID"


def test_retention_comes_from_the_environment(table, dynamodb, context, monkeypatch):
    monkeypatch.setenv("TRANSACTION_RETENTION_DAYS", "30")
    body = parse(app.handler(post(PAYMENT), context))
    item = scan_items(dynamodb, table)[0]
    assert int(item["expirationTime"]["N"]) == body["transaction"]["timestamp"] // 1000 + 30 * 86400


@pytest.mark.parametrize(
    ("sent", "currency", "shown", "stored"),
    [
        ('"10.5"', "USD", "10.50", "10.5"),
        ("19.99", "USD", "19.99", "19.99"),
        ("0.1", "EUR", "0.10", "0.1"),
        ("0.29", "EUR", "0.29", "0.29"),  # 0.29 as a float is 0.28999999999999998
        ("1.15", "GBP", "1.15", "1.15"),
        ('"999999999999.99"', "USD", "999999999999.99", "999999999999.99"),
        ("12345678901.23", "USD", "12345678901.23", "12345678901.23"),
        ("100", "JPY", "100", "100"),
        ("1e2", "USD", "100.00", "1E+2"),
        ('"2.50"', "BHD", "2.500", "2.5"),
        ("1.5", "KWD", "1.500", "1.5"),
        ("1000", "JPY", "1000", "1000"),
        ('"0.0001"', "CLF", "0.0001", "0.0001"),
        ("1.500", "USD", "1.50", "1.5"),  # a JSON number is judged by its value: 1.500 is whole cents
    ],
)
def test_amounts_round_trip_without_float_artefacts(table, dynamodb, context, sent, currency, shown, stored):
    raw = f'{{"amount": {sent}, "currency": "{currency}", "userId": "u1"}}'
    created = app.handler(post(raw), context)
    assert created["statusCode"] == 201, created["body"]
    assert parse(created)["transaction"]["amount"] == shown
    assert f'"amount":"{shown}"' in created["body"]  # a JSON string, never a number

    item = scan_items(dynamodb, table)[0]
    assert Decimal(item["amount"]["N"]) == Decimal(stored)
    fetched = app.handler(make_event("GET", f"/payment/{parse(created)['transactionId']}"), context)
    assert parse(fetched)["amount"] == shown


def test_description_is_optional(table, context):
    result = app.handler(post({"amount": 5, "currency": "USD", "userId": "u1"}), context)
    assert result["statusCode"] == 201
    assert parse(result)["transaction"]["description"] is None
    assert parse(result)["transaction"]["amount"] == "5.00"


def test_base64_encoded_body_is_accepted(table, context):
    result = app.handler(post(PAYMENT, base64_body=True), context)
    assert result["statusCode"] == 201
    assert parse(result)["transaction"]["amount"] == "10.50"


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON"])
def test_json_content_types_are_accepted(table, context, content_type):
    result = app.handler(post(PAYMENT, headers={"content-type": content_type}), context)
    assert result["statusCode"] == 201


def test_missing_content_type_is_accepted(table, context):
    result = app.handler(post(PAYMENT, headers={}), context)
    assert result["statusCode"] == 201


# --- validation --------------------------------------------------------------------------------------

VALID = {"amount": "10.00", "currency": "USD", "userId": "u1"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": None}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "0.00"}, "amount"),
        ({"amount": "-1.00"}, "amount"),
        ({"amount": -1}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": "10.001"}, "amount"),
        ({"amount": "1e3"}, "amount"),
        ({"amount": " 10"}, "amount"),
        ({"amount": "010.00"}, "amount"),
        ({"amount": "1,000.00"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1000000000000.00"}, "amount"),
        ({"amount": 1000000000000}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": [1]}, "amount"),
        ({"amount": "10.50", "currency": "JPY"}, "amount"),
        ({"currency": None}, "currency"),
        ({"currency": "usd"}, "currency"),
        ({"currency": "US"}, "currency"),
        ({"currency": "ABC"}, "currency"),
        ({"currency": "XAU"}, "currency"),
        ({"currency": "XTS"}, "currency"),
        ({"currency": "HRK"}, "currency"),
        ({"currency": 840}, "currency"),
        ({"userId": None}, "userId"),
        ({"userId": ""}, "userId"),
        ({"userId": "   "}, "userId"),
        ({"userId": 42}, "userId"),
        ({"userId": "u" * 129}, "userId"),
        ({"userId": "bad\nid"}, "userId"),
        ({"description": "d" * 501}, "description"),
        ({"description": 5}, "description"),
        ({"description": "\u0000"}, "description"),
        ({"extra": "x"}, "extra"),
    ],
)
def test_invalid_fields_are_400_naming_the_field(table, dynamodb, context, change, field):
    body = {**VALID, **change}
    body = {key: value for key, value in body.items() if value is not None or key not in VALID}
    result = app.handler(post(body), context)
    assert result["statusCode"] == 400, result["body"]
    error = parse(result)["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["field"] == field
    assert error["message"].startswith(f"{field}: ")
    assert scan_items(dynamodb, table) == []


@pytest.mark.parametrize(
    "raw",
    [
        '{"amount": 10.001, "currency": "USD", "userId": "u"}',
        '{"amount": 10.0001, "currency": "KWD", "userId": "u"}',
        '{"amount": 1.5, "currency": "JPY", "userId": "u"}',
        '{"amount": "1.000", "currency": "USD", "userId": "u"}',  # a string is judged by its digits
    ],
)
def test_amounts_finer_than_the_currency_are_refused(table, context, raw):
    result = app.handler(post(raw), context)
    assert result["statusCode"] == 400
    assert parse(result)["error"]["field"] == "amount"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "INVALID_JSON"),
        ('{"amount": NaN, "currency": "USD", "userId": "u"}', "INVALID_JSON"),
        ('{"amount": Infinity, "currency": "USD", "userId": "u"}', "INVALID_JSON"),
        ('{"amount": "1", "amount": "1000", "currency": "USD", "userId": "u"}', "INVALID_JSON"),
        ('{"amount": ' + "9" * 5000 + ', "currency": "USD", "userId": "u"}', "INVALID_JSON"),
        ("[" * 5000 + "]" * 5000, "INVALID_JSON"),
        ("", "MISSING_BODY"),
        ("   ", "MISSING_BODY"),
        ("[]", "VALIDATION_ERROR"),
        ('"a string"', "VALIDATION_ERROR"),
    ],
)
def test_malformed_bodies_are_400(table, context, raw, code):
    result = app.handler(post(raw), context)
    assert result["statusCode"] == 400, result["body"]
    assert parse(result)["error"]["code"] == code


def test_absent_body_is_400(table, context):
    event = post(None, headers={"Content-Type": "application/json"})
    result = app.handler(event, context)
    assert result["statusCode"] == 400
    assert parse(result)["error"]["code"] == "MISSING_BODY"


def test_invalid_base64_is_400(table, context):
    event = post(PAYMENT)
    event["body"], event["isBase64Encoded"] = "!!!not base64!!!", True
    result = app.handler(event, context)
    assert result["statusCode"] == 400
    assert parse(result)["error"]["code"] == "INVALID_JSON"


def test_body_that_is_not_utf8_is_400(table, context):
    event = post(PAYMENT)
    event["body"], event["isBase64Encoded"] = base64.b64encode(b'{"userId": "\xff"}').decode(), True
    result = app.handler(event, context)
    assert result["statusCode"] == 400
    assert parse(result)["error"]["code"] == "INVALID_JSON"


def _sized(size: int, description: str = "x") -> str:
    """A valid payment of exactly ``size`` bytes (JSON padded with spaces)."""
    body = json.dumps({**VALID, "description": description})
    return body[:-1] + " " * (size - len(body.encode())) + "}"


def test_body_at_the_limit_is_accepted(table, context):
    raw = _sized(MAX_BODY_BYTES)
    assert len(raw.encode()) == MAX_BODY_BYTES
    assert app.handler(post(raw), context)["statusCode"] == 201


@pytest.mark.parametrize("base64_body", [False, True])
def test_body_over_the_limit_is_413(table, dynamodb, context, base64_body):
    result = app.handler(post(_sized(MAX_BODY_BYTES + 1), base64_body=base64_body), context)
    assert result["statusCode"] == 413
    assert parse(result)["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert scan_items(dynamodb, table) == []


def test_base64_body_at_the_limit_once_decoded_is_accepted(table, context):
    # Its base64 text is a third longer than the limit; the body itself is not over it.
    event = post(_sized(MAX_BODY_BYTES), base64_body=True)
    assert len(event["body"]) > MAX_BODY_BYTES
    assert app.handler(event, context)["statusCode"] == 201


def test_multibyte_body_over_the_limit_in_bytes_is_413(table, context):
    description = "é" * (MAX_BODY_BYTES // 2)  # fewer characters than the limit, more bytes
    result = app.handler(post({**VALID, "description": description}), context)
    assert result["statusCode"] == 413


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1"]
)
def test_non_json_content_type_is_415(table, context, content_type):
    result = app.handler(post(PAYMENT, headers={"Content-Type": content_type}), context)
    assert result["statusCode"] == 415
    assert parse(result)["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


# --- routing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/payment", "OPTIONS, POST"),
        ("DELETE", "/payment", "OPTIONS, POST"),
        ("PUT", "/payment/x", "GET, OPTIONS"),
    ],
)
def test_wrong_method_on_a_known_path_is_405_with_allow(table, context, method, path, allow):
    result = app.handler(make_event(method, path), context)
    assert result["statusCode"] == 405
    assert result["headers"]["Allow"] == allow
    assert parse(result)["error"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("path", ["/", "/payments", "/payment/a/b", "/admin"])
def test_unknown_route_is_404(table, context, path):
    result = app.handler(make_event("GET", path), context)
    assert result["statusCode"] == 404
    assert parse(result)["error"]["code"] == "ROUTE_NOT_FOUND"


def test_proxy_resource_routes_on_the_path(table, context):
    event = post(PAYMENT, resource="/{proxy+}")
    assert app.handler(event, context)["statusCode"] == 201


# --- headers -----------------------------------------------------------------------------------------


def test_no_cors_header_without_allowed_origins(table, context):
    result = app.handler(post(PAYMENT, headers={"Origin": "https://app.example.com"}), context)
    assert "Access-Control-Allow-Origin" not in result["headers"]
    assert "Vary" not in result["headers"]
    assert result["headers"]["Content-Type"] == "application/json"


def test_cors_headers_on_success_and_error(table, context, monkeypatch):
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://app.example.com")
    origin = {"Origin": "https://app.example.com"}
    for result in (
        app.handler(post(PAYMENT, headers={"Content-Type": "application/json", **origin}), context),
        app.handler(make_event("GET", "/nowhere", headers=origin), context),
    ):
        assert result["headers"]["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert result["headers"]["Content-Type"] == "application/json"


def test_options_preflight(table, context, monkeypatch):
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://app.example.com")
    result = app.handler(make_event("OPTIONS", "/payment", headers={"Origin": "https://app.example.com"}), context)
    assert result["statusCode"] == 204
    assert result["headers"]["Access-Control-Allow-Methods"] == "OPTIONS, POST"
    assert "Idempotency-Key" in result["headers"]["Access-Control-Allow-Headers"]


def test_invalid_allowed_origins_is_a_500(table, context, monkeypatch, capsys):
    monkeypatch.setenv("ALLOWED_ORIGINS", "not an origin")
    result = app.handler(post(PAYMENT), context)
    assert result["statusCode"] == 500
    assert "ALLOWED_ORIGINS" not in result["body"]
    assert any("ALLOWED_ORIGINS" in line.get("exception", "") for line in log_lines(capsys.readouterr().out))


def test_missing_table_name_is_a_500(table, context, monkeypatch):
    monkeypatch.delenv("TABLE_NAME")
    result = app.handler(post(PAYMENT), context)
    assert result["statusCode"] == 500
    assert parse(result)["error"]["code"] == "INTERNAL_ERROR"
