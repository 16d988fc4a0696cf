"""CORS: ALLOWED_ORIGINS is an allow-list (or "*"), and every answer of the handler carries its headers."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError
from payment_events import make_event
from payment_events import parse
from payment_handler import app
from payment_handler.repository import TransactionRepository
from payment_handler.settings import ConfigurationError
from payment_handler.settings import allowed_origins_from_env

APP = "https://app.example.com"
LOCAL = "http://localhost:3000"
PAYMENT = {"amount": "10.50", "currency": "USD", "userId": "user-123"}


# --- ALLOWED_ORIGINS ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "origins"),
    [
        (None, ()),
        ("", ()),
        ("  ", ()),
        ("*", ("*",)),
        (" * ", ("*",)),
        (APP, (APP,)),
        (f"{APP},{LOCAL}", (APP, LOCAL)),
        (f" {APP} , {LOCAL} ", (APP, LOCAL)),
        ("https://pay.example.co.uk:8443", ("https://pay.example.co.uk:8443",)),
        ("http://127.0.0.1:8080", ("http://127.0.0.1:8080",)),
        ("http://[::1]:3000", ("http://[::1]:3000",)),
        ("HTTPS://App.Example.COM", ("HTTPS://App.Example.COM",)),
    ],
)
def test_allowed_origins_are_parsed(value, origins):
    env = {} if value is None else {"ALLOWED_ORIGINS": value}
    assert allowed_origins_from_env(env) == origins


@pytest.mark.parametrize(
    "value",
    [
        "not an origin",
        "app.example.com",
        "https://app.example.com/",
        "https://app.example.com/path",
        "https://app.example.com?x=1",
        "https://app.example.com#x",
        "ftp://app.example.com",
        "https://",
        "https://app..example.com",
        "https://-app.example.com",
        "https://app.example.com:",
        "https://app.example.com:0",
        "https://app.example.com:70000",
        "https://app.example.com:443",
        "http://app.example.com:80",
        "https://user@app.example.com",
        "null",
        f"*,{APP}",
        f"{APP},*",
        f"{APP},",
        f"{APP},,{LOCAL}",
        f"{APP} {LOCAL}",
    ],
)
def test_bad_allowed_origins_are_a_configuration_error(value):
    with pytest.raises(ConfigurationError, match="ALLOWED_ORIGINS"):
        allowed_origins_from_env({"ALLOWED_ORIGINS": value})


# --- on every answer ---------------------------------------------------------------------------------


class FailingClient:
    def __getattr__(self, name):
        def fail(**_kwargs):
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "boom"}}, name)

        return fail


def answer(kind: str, origin: str | None, context, table, header: str = "Origin") -> dict:
    """One answer of the kind named, to a request with this Origin (None: no Origin header)."""
    headers = {} if origin is None else {header: origin}
    json_headers = {"Content-Type": "application/json", **headers}
    if kind == "201":
        return app.handler(make_event("POST", "/payment", body=PAYMENT, headers=json_headers), context)
    if kind == "200":
        created = parse(app.handler(make_event("POST", "/payment", body=PAYMENT), context))
        return app.handler(make_event("GET", f"/payment/{created['transactionId']}", headers=headers), context)
    if kind == "404":
        return app.handler(make_event("GET", f"/payment/{uuid.uuid4()}", headers=headers), context)
    if kind == "400":
        return app.handler(make_event("POST", "/payment", body={"amount": "0"}, headers=json_headers), context)
    if kind == "403":
        return app.handler(make_event("POST", "/payment", body=PAYMENT, headers=json_headers, caller=None), context)
    if kind == "405":
        return app.handler(make_event("DELETE", "/payment", headers=headers), context)
    if kind == "500":
        event = make_event("POST", "/payment", body=PAYMENT, headers=json_headers)
        return app.handle(event, context, repository=TransactionRepository(FailingClient(), table))
    if kind == "503":
        event = make_event("POST", "/payment", body=PAYMENT, headers=json_headers)
        throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "x"}}, "PutItem")

        class Throttled(FailingClient):
            def __getattr__(self, name):
                def fail(**_kwargs):
                    raise throttled

                return fail

        return app.handle(event, context, repository=TransactionRepository(Throttled(), table))
    if kind == "204":
        return app.handler(make_event("OPTIONS", "/payment", headers=headers), context)
    raise AssertionError(kind)


KINDS = ["201", "200", "404", "400", "403", "405", "500", "503", "204"]


@pytest.mark.parametrize("kind", KINDS)
def test_an_allowed_origin_is_answered_with_itself(table, context, monkeypatch, kind):
    monkeypatch.setenv("ALLOWED_ORIGINS", f"{APP},{LOCAL}")
    for origin in (APP, LOCAL):
        result = answer(kind, origin, context, table)
        assert result["statusCode"] == int(kind), result["body"]
        assert result["headers"]["Access-Control-Allow-Origin"] == origin
        assert result["headers"]["Access-Control-Expose-Headers"] == "Idempotent-Replayed"
        assert result["headers"]["Vary"] == "Origin"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("origin", ["https://evil.example.com", "https://app.example.com.evil.test", "null", None])
def test_another_origin_gets_no_allow_origin_but_vary(table, context, monkeypatch, kind, origin):
    monkeypatch.setenv("ALLOWED_ORIGINS", f"{APP},{LOCAL}")
    result = answer(kind, origin, context, table)
    assert result["statusCode"] == int(kind)
    assert result["headers"]["Vary"] == "Origin"
    assert not any(name.startswith("Access-Control-") for name in result["headers"])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("origin", [APP, "https://anyone.example.org", None])
def test_the_wildcard_allows_any_origin_and_does_not_vary(table, context, monkeypatch, kind, origin):
    monkeypatch.setenv("ALLOWED_ORIGINS", "*")
    result = answer(kind, origin, context, table)
    assert result["statusCode"] == int(kind)
    assert result["headers"]["Access-Control-Allow-Origin"] == "*"
    assert result["headers"]["Access-Control-Expose-Headers"] == "Idempotent-Replayed"
    assert "Vary" not in result["headers"]


@pytest.mark.parametrize("kind", KINDS)
def test_without_allowed_origins_no_cors_headers(table, context, kind):
    result = answer(kind, APP, context, table)
    assert result["statusCode"] == int(kind)
    assert "Vary" not in result["headers"]
    assert not any(name.startswith("Access-Control-") for name in result["headers"])


@pytest.mark.parametrize("header", ["origin", "ORIGIN", "Origin"])
def test_the_origin_header_name_is_case_insensitive(table, context, monkeypatch, header):
    monkeypatch.setenv("ALLOWED_ORIGINS", APP)
    result = answer("201", APP, context, table, header=header)
    assert result["headers"]["Access-Control-Allow-Origin"] == APP


def test_scheme_and_host_compare_case_insensitively_and_nothing_else_does(table, context, monkeypatch):
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://App.Example.com,http://localhost:3000")
    upper = answer("201", "HTTPS://APP.EXAMPLE.COM", context, table)
    assert upper["headers"]["Access-Control-Allow-Origin"] == "HTTPS://APP.EXAMPLE.COM"  # the request's own
    for near_miss in ("http://app.example.com", "https://app.example.com:8443", "http://localhost:3001"):
        assert "Access-Control-Allow-Origin" not in answer("201", near_miss, context, table)["headers"]


def test_preflight_headers_only_for_an_allowed_origin(table, context, monkeypatch):
    monkeypatch.setenv("ALLOWED_ORIGINS", APP)
    allowed = app.handler(make_event("OPTIONS", "/payment/x", headers={"Origin": APP}), context)
    assert allowed["statusCode"] == 204
    assert allowed["headers"]["Access-Control-Allow-Methods"] == "GET, OPTIONS"
    assert "Idempotency-Key" in allowed["headers"]["Access-Control-Allow-Headers"]
    assert allowed["headers"]["Access-Control-Max-Age"] == "600"
    assert allowed["headers"]["Allow"] == "GET, OPTIONS"
    refused = app.handler(make_event("OPTIONS", "/payment/x", headers={"Origin": "https://evil.example"}), context)
    assert refused["statusCode"] == 204
    assert refused["headers"]["Allow"] == "GET, OPTIONS"
    assert not any(name.startswith("Access-Control-") for name in refused["headers"])


@pytest.mark.parametrize("value", ["https://app.example.com/", "*,https://app.example.com", "app.example.com"])
def test_bad_allowed_origins_is_a_500_without_cors_headers(table, context, monkeypatch, value):
    monkeypatch.setenv("ALLOWED_ORIGINS", value)
    result = answer("201", APP, context, table)
    assert result["statusCode"] == 500
    assert parse(result)["error"]["code"] == "INTERNAL_ERROR"
    assert not any(name.startswith("Access-Control-") for name in result["headers"])


def test_another_bad_setting_still_answers_with_cors_headers(table, context, monkeypatch):
    """A 500 for a missing TABLE_NAME is still readable by an allowed browser origin."""
    monkeypatch.setenv("ALLOWED_ORIGINS", APP)
    monkeypatch.delenv("TABLE_NAME")
    result = answer("201", APP, context, table)
    assert result["statusCode"] == 500
    assert result["headers"]["Access-Control-Allow-Origin"] == APP
