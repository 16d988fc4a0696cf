"""Payments belong to the caller API Gateway authenticated: one caller never sees another's, not even
whether it exists, and an Idempotency-Key is the caller's own."""

from __future__ import annotations

import uuid

import pytest
from payment_events import DEFAULT_CALLER
from payment_events import make_event
from payment_events import parse
from payment_events import scan_items
from payment_handler import app
from payment_handler.identity import owner_of
from payment_handler.identity import principal_of_arn
from payment_handler.repository import idempotency_record_id

PAYMENT = {"amount": "10.50", "currency": "USD", "userId": "user-123", "description": "Order 42"}
ALICE = "arn:aws:iam::123456789012:user/alice"
BOB = "arn:aws:iam::123456789012:user/bob"
ROLE = "arn:aws:sts::123456789012:assumed-role/PaymentsClient"


def post(body=PAYMENT, *, key=None, **kwargs):
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return make_event("POST", "/payment", body=body, headers=headers, **kwargs)


def get(transaction_id, **kwargs):
    return make_event("GET", f"/payment/{transaction_id}", **kwargs)


# --- who the owner is --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_arn", "owner"),
    [
        (DEFAULT_CALLER, ROLE),
        (f"{ROLE}/other-session", ROLE),
        (f"{ROLE}/botocore-session-1764294000", ROLE),
        (f"{ROLE}/user@example.com", ROLE),
        (
            "arn:aws-cn:sts::123456789012:assumed-role/Role-Name_1+=,.@-x/s",
            "arn:aws-cn:sts::123456789012:assumed-role/Role-Name_1+=,.@-x",
        ),
        (
            "arn:aws-us-gov:sts::210987654321:assumed-role/R/s",
            "arn:aws-us-gov:sts::210987654321:assumed-role/R",
        ),
        (ALICE, ALICE),
        ("arn:aws:iam::123456789012:user/division/alice", "arn:aws:iam::123456789012:user/division/alice"),
        ("arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:root"),
        ("arn:aws:sts::123456789012:federated-user/carol", "arn:aws:sts::123456789012:federated-user/carol"),
    ],
)
def test_owner_is_the_iam_principal_with_sessions_folded_into_their_role(user_arn, owner):
    assert principal_of_arn(user_arn) == owner
    assert owner_of({"identity": {"userArn": user_arn}}) == owner


def test_each_user_of_a_cognito_identity_pool_owns_their_payments():
    """A browser app's users sign with the identity pool's role: the owner is the user, not the shared role."""
    role_session = "arn:aws:sts::123456789012:assumed-role/web-app-authenticated/CognitoIdentityCredentials"
    pool = "eu-west-1:0f6a7d3e-1111-2222-3333-444455556666"

    def context(identity_id):
        return {"identity": {"userArn": role_session, "cognitoIdentityPoolId": pool, "cognitoIdentityId": identity_id}}

    first, second = owner_of(context("eu-west-1:aaaa")), owner_of(context("eu-west-1:bbbb"))

    assert first == f"cognito-identity:{pool}/eu-west-1:aaaa"
    assert first != second


def test_owner_from_a_cognito_user_pool_authorizer():
    issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf"
    context = {"identity": {"userArn": None}, "authorizer": {"claims": {"iss": issuer, "sub": "8f0c-42"}}}
    assert owner_of(context) == f"cognito:{issuer}#8f0c-42"


def test_owner_from_a_lambda_authorizer():
    context = {"identity": {"userArn": None}, "authorizer": {"principalId": "customer-77"}}
    assert owner_of(context) == "authorizer:customer-77"
    # Claims without both iss and sub do not name a user: the principalId does.
    context["authorizer"]["claims"] = {"sub": "x"}
    assert owner_of(context) == "authorizer:customer-77"


def test_the_iam_caller_comes_first():
    context = {"identity": {"userArn": ALICE}, "authorizer": {"principalId": "p", "claims": {"iss": "i", "sub": "s"}}}
    assert owner_of(context) == ALICE


@pytest.mark.parametrize(
    "context",
    [
        None,
        {},
        {"identity": None},
        {"identity": {"userArn": None, "sourceIp": "192.0.2.1"}},
        {"identity": {"userArn": ""}},
        {"identity": {"userArn": "  "}},
        {"identity": {"userArn": 5}},
        {"authorizer": {}},
        {"authorizer": {"principalId": ""}},
        {"authorizer": {"claims": {"iss": "https://issuer"}}},
        {"authorizer": "x"},
    ],
)
def test_no_authenticated_caller_no_owner(context):
    assert owner_of(context) is None


# --- through the handler -----------------------------------------------------------------------------


def test_the_owner_is_stored_and_never_shown(table, dynamodb, context):
    result = app.handler(post(caller=ALICE), context)
    assert result["statusCode"] == 201
    assert "ownerId" not in parse(result)["transaction"] and ALICE not in result["body"]
    (item,) = scan_items(dynamodb, table)
    assert item["ownerId"] == {"S": ALICE}
    fetched = app.handler(get(parse(result)["transactionId"], caller=ALICE), context)
    assert fetched["statusCode"] == 200
    assert "ownerId" not in parse(fetched) and ALICE not in fetched["body"]


def test_another_callers_payment_is_answered_like_a_missing_one(table, context):
    transaction_id = parse(app.handler(post(caller=ALICE), context))["transactionId"]
    missing_id = str(uuid.uuid4())

    foreign = app.handler(get(transaction_id, caller=BOB, request_id="req-1"), context)
    missing = app.handler(get(missing_id, caller=BOB, request_id="req-1"), context)

    assert foreign["statusCode"] == missing["statusCode"] == 404
    assert foreign["headers"] == missing["headers"]
    assert parse(foreign)["error"]["code"] == "TRANSACTION_NOT_FOUND"
    assert parse(foreign) == parse(missing | {"body": missing["body"].replace(missing_id, transaction_id)})
    # The owner still sees it.
    assert app.handler(get(transaction_id, caller=ALICE), context)["statusCode"] == 200


def test_a_foreign_id_is_logged_as_such_but_not_told(table, context, capsys):
    from payment_events import log_lines

    transaction_id = parse(app.handler(post(caller=ALICE), context))["transactionId"]
    capsys.readouterr()
    app.handler(get(transaction_id, caller=BOB), context)
    (line,) = log_lines(capsys.readouterr().out)
    assert line["errorCode"] == "TRANSACTION_NOT_FOUND" and line["ownerMismatch"] is True
    assert BOB not in str(line) and ALICE not in str(line)


def test_sessions_of_one_role_share_its_payments(table, context):
    created = parse(app.handler(post(caller=f"{ROLE}/session-a"), context))
    result = app.handler(get(created["transactionId"], caller=f"{ROLE}/session-b"), context)
    assert result["statusCode"] == 200
    assert parse(result) == created["transaction"]
    # Another role of the same account is another owner.
    other_role = "arn:aws:sts::123456789012:assumed-role/Auditor/session-a"
    assert app.handler(get(created["transactionId"], caller=other_role), context)["statusCode"] == 404


def test_cognito_and_authorizer_callers_own_their_payments(table, context):
    cognito = {"claims": {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X", "sub": "abc"}}
    custom = {"principalId": "abc"}
    created = parse(app.handler(post(caller=None, authorizer=cognito), context))
    assert app.handler(get(created["transactionId"], caller=None, authorizer=cognito), context)["statusCode"] == 200
    assert app.handler(get(created["transactionId"], caller=None, authorizer=custom), context)["statusCode"] == 404
    assert app.handler(get(created["transactionId"]), context)["statusCode"] == 404


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_no_authenticated_caller_is_403(table, dynamodb, context, method):
    event = post(caller=None) if method == "POST" else get(uuid.uuid4(), caller=None)
    result = app.handler(event, context)
    assert result["statusCode"] == 403
    error = parse(result)["error"]
    assert error["code"] == "ACCESS_DENIED"
    assert "no authenticated caller" in error["message"]
    assert scan_items(dynamodb, table) == []


def test_a_refused_caller_learns_nothing_about_the_body(table, context):
    # The identity is checked first: an anonymous invalid body is a 403, not a 400.
    result = app.handler(post({"amount": "-1"}, caller=None), context)
    assert parse(result)["error"]["code"] == "ACCESS_DENIED"


def test_preflight_needs_no_caller(table, context):
    result = app.handler(make_event("OPTIONS", "/payment", caller=None), context)
    assert result["statusCode"] == 204


def test_items_without_an_owner_are_visible_to_nobody(table, dynamodb, context):
    """Transactions written before owners existed have no ownerId: no caller gets them."""
    created = parse(app.handler(post(caller=ALICE), context))
    (item,) = scan_items(dynamodb, table)
    del item["ownerId"]
    dynamodb.put_item(TableName=table, Item=item)
    for caller in (ALICE, BOB, DEFAULT_CALLER):
        assert app.handler(get(created["transactionId"], caller=caller), context)["statusCode"] == 404


# --- idempotency keys are the caller's own -----------------------------------------------------------


def test_one_key_from_two_callers_is_two_requests(table, dynamodb, context):
    alice = app.handler(post(key="order-42", caller=ALICE), context)
    bob = app.handler(post(key="order-42", caller=BOB), context)
    assert alice["statusCode"] == bob["statusCode"] == 201
    assert alice["headers"]["Idempotent-Replayed"] == bob["headers"]["Idempotent-Replayed"] == "false"
    assert parse(alice)["transactionId"] != parse(bob)["transactionId"]

    items = scan_items(dynamodb, table)
    assert sorted(item["recordType"]["S"] for item in items) == ["IDEMPOTENCY"] * 2 + ["TRANSACTION"] * 2
    records = {item["transactionId"]["S"]: item for item in items if item["recordType"]["S"] == "IDEMPOTENCY"}
    assert set(records) == {idempotency_record_id(ALICE, "order-42"), idempotency_record_id(BOB, "order-42")}
    assert records[idempotency_record_id(BOB, "order-42")]["ownerId"] == {"S": BOB}

    # Each caller's retry replays its own first answer.
    retry = app.handler(post(key="order-42", caller=ALICE), context)
    assert retry["headers"]["Idempotent-Replayed"] == "true"
    assert parse(retry) == parse(alice)
    # And each sees only its own transaction.
    assert app.handler(get(parse(bob)["transactionId"], caller=ALICE), context)["statusCode"] == 404


def test_one_key_with_different_bodies_from_two_callers_is_no_conflict(table, context):
    first = app.handler(post(key="k-1", caller=ALICE), context)
    second = app.handler(post({**PAYMENT, "amount": "99.99"}, key="k-1", caller=BOB), context)
    assert (first["statusCode"], second["statusCode"]) == (201, 201)
    assert parse(second)["transaction"]["amount"] == "99.99"


@pytest.mark.parametrize(
    ("one", "other"),
    [(("a\nb", "c"), ("a", "b\nc")), (("a", "bc"), ("ab", "c")), (('a","b', "c"), ("a", 'b","c'))],
)
def test_record_ids_are_unambiguous(one, other):
    assert idempotency_record_id(*one) != idempotency_record_id(*other)
    assert idempotency_record_id(*one) == idempotency_record_id(*one)
