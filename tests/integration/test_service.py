"""The deployed service takes payments: dev and prod converged into the emulator, then served as AWS would serve them.

The emulator cannot run Lambda code, so the test does what Lambda would (tests/tools/lambda_runner.py): it reads the
deployed function's configuration (handler, environment) from the emulator, takes the artifact whose SHA-256 is the
deployed CodeSha256, and runs it. Requests go through the REST API as deployed (tests/tools/api_gateway.py): its
routes, IAM authorization, request validator and model, the function's invoke permission, the MOCK preflights and
the gateway responses. So what is proven here is the wiring between the roles and the code, through what was
deployed: who owns a payment, CORS on every answer, one error envelope, ISO 4217 amounts, one schema for the
gateway and the function.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import emulator  # tests/tools
import pytest
import yaml
from api_gateway import DeployedRestApi
from api_gateway import Principal
from lambda_runner import DeployedFunction
from lambda_runner import FunctionProcess
from stack_state import aws
from test_lifecycle import ansible_playbook

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("dev", "prod")
ALICE = Principal("arn:aws:iam::123456789012:user/alice")
BOB = Principal("arn:aws:iam::123456789012:user/bob")
# Two instances of one service: sessions of one role, which own the same payments.
CHECKOUT_1 = Principal("arn:aws:sts::123456789012:assumed-role/checkout-service/i-0a1b2c3d4e5f60001")
CHECKOUT_2 = Principal("arn:aws:sts::123456789012:assumed-role/checkout-service/i-0a1b2c3d4e5f60002")
OTHER_ORIGIN = "https://evil.example"
ENVELOPE_KEYS = {"code", "message", "requestId"}


@dataclass
class Service:
    env: str
    api: DeployedRestApi
    function: FunctionProcess
    origins: list[str]

    def post(self, body, principal=ALICE, headers=None):
        return self.api.request("POST", "/payment", body=body, principal=principal, headers=headers)

    def get(self, transaction_id, principal=ALICE, headers=None):
        return self.api.request("GET", f"/payment/{transaction_id}", principal=principal, headers=headers)


def inventory_origins(env: str) -> list[str]:
    main = yaml.safe_load((REPO / "inventories" / env / "group_vars" / env / "main.yml").read_text())
    return main["payments_cors_allowed_origins"]


@pytest.fixture(scope="module")
def converged(tmp_path_factory):
    """dev and prod converged by one site.yml run into one emulator, and a fresh build of lambda/."""
    workdir = tmp_path_factory.mktemp("service")
    state_file = workdir / "emulator.json"
    endpoint = emulator.start(state_file)["url"]
    try:
        build_dirs = workdir / "build"
        rc, output = ansible_playbook(
            workdir / "outputs",
            "site.yml",
            *("-i", "inventories/dev", "-i", "inventories/prod"),
            # The emulator's custom domain gets a self-signed certificate; prod allows it only when told.
            *emulator.ALLOW_SELF_SIGNED_CERTIFICATE,
            *("-e", json.dumps({"lambda_build_dir": f"{build_dirs}/{{{{ payments_env }}}}"})),
            endpoint=endpoint,
        )
        assert rc == 0, output[-3000:]
        fresh = workdir / "fresh" / "payment_handler.zip"
        subprocess.run(
            [sys.executable, str(REPO / "lambda" / "build.py"), "--output", str(fresh)], check=True, capture_output=True
        )
        yield endpoint, workdir, [*sorted(build_dirs.glob("*/payment_handler.zip")), fresh]
    finally:
        emulator.stop(state_file)


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def service(request, converged):
    endpoint, workdir, artifacts = converged
    env = request.param
    outputs = json.loads((workdir / "outputs" / f"{env}.json").read_text())
    function = DeployedFunction.from_emulator(endpoint, outputs["lambda"]["function_name"], artifacts)
    api = DeployedRestApi.from_emulator(endpoint, outputs["apigw_waf"]["api_id"], outputs["apigw_waf"]["stage_name"])
    with function.running(endpoint) as process:
        api.connect(process)
        yield Service(env, api, process, inventory_origins(env))


def payment(amount="10.50", currency="USD", **extra):
    return {"amount": amount, "currency": currency, "userId": "customer-42", **extra}


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) >= ENVELOPE_KEYS, body
    assert body["error"]["requestId"], body
    return body["error"]


# -- what runs is what was deployed ---------------------------------------------------------------------------------


def test_the_code_that_runs_is_the_deployed_artifact_with_its_deployed_configuration(service):
    deployed = service.function.function
    assert deployed.handler == "payment_handler.app.handler"
    assert deployed.environment["TABLE_NAME"] == f"payments-{service.env}-transactions"
    # The origins reach the function through its configuration, set by the lambda role from the inventory.
    assert deployed.environment["ALLOWED_ORIGINS"].split(",") == service.origins


def test_the_deployed_request_model_is_the_handlers_schema(service):
    committed = json.loads((REPO / "lambda" / "payment_request.schema.json").read_text())
    post = service.api.method("/payment", "POST")
    model = post["requestModels"]["application/json"]
    assert json.loads(json.dumps(service.api.models[model], default=float)) == committed


# -- caller-scoped payments -----------------------------------------------------------------------------------------


def test_a_payment_is_seen_only_by_the_principal_that_made_it(service):
    created = service.post(payment(description="Order 42"), principal=ALICE)
    assert created.status == 201, created.body
    transaction_id = created.json()["transactionId"]

    mine = service.get(transaction_id, principal=ALICE)
    theirs = service.get(transaction_id, principal=BOB)
    missing = service.get(str(uuid.uuid4()), principal=BOB)

    assert mine.status == 200 and mine.json() == created.json()["transaction"]
    # Another principal learns nothing: the answer is the one for an id that does not exist.
    assert theirs.status == missing.status == 404
    assert error_of(theirs)["code"] == error_of(missing)["code"] == "TRANSACTION_NOT_FOUND"
    assert "ownerId" not in created.body and ALICE.arn not in created.body


def test_sessions_of_one_role_share_its_payments(service):
    created = service.post(payment(), principal=CHECKOUT_1)
    assert created.status == 201, created.body

    other_session = service.get(created.json()["transactionId"], principal=CHECKOUT_2)

    assert other_session.status == 200, other_session.body


def test_an_idempotency_key_belongs_to_the_principal_that_sent_it(service):
    key = {"Idempotency-Key": f"order-{uuid.uuid4()}"}
    first = service.post(payment(), principal=ALICE, headers=key)
    replay = service.post(payment(amount="10.5"), principal=ALICE, headers=key)
    same_key_other_principal = service.post(payment(), principal=BOB, headers=key)

    assert first.status == replay.status == same_key_other_principal.status == 201
    assert replay.header("Idempotent-Replayed") == "true" and replay.json() == first.json()
    assert same_key_other_principal.header("Idempotent-Replayed") == "false"
    assert same_key_other_principal.json()["transactionId"] != first.json()["transactionId"]
    assert service.get(first.json()["transactionId"], principal=BOB).status == 404


def test_a_request_without_an_authenticated_caller_is_refused(service):
    through_the_api = service.post(payment(), principal=None)
    event = {
        "resource": "/payment",
        "path": "/payment",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json"},
        "requestContext": {"requestId": str(uuid.uuid4()), "identity": {"sourceIp": "203.0.113.10"}},
        "body": json.dumps(payment()),
        "isBase64Encoded": False,
    }
    straight_to_the_function = service.function.invoke(event)

    assert through_the_api.status == 403 and error_of(through_the_api)["code"] == "MISSING_AUTHENTICATION_TOKEN"
    assert straight_to_the_function["statusCode"] == 403
    assert json.loads(straight_to_the_function["body"])["error"]["code"] == "ACCESS_DENIED"


# -- CORS on every answer -------------------------------------------------------------------------------------------


def test_every_answer_to_an_allowed_origin_carries_cors(service):
    origin = service.origins[0]
    headers = {"Origin": origin}
    created = service.post(payment(), headers=headers)
    answers = {
        "201": created,
        "200": service.get(created.json()["transactionId"], headers=headers),
        "404 (function)": service.get(str(uuid.uuid4()), headers=headers),
        "400 (function)": service.get("not-a-uuid", headers=headers),
        "400 (gateway model)": service.post({"amount": "1"}, headers=headers),
        "403 (gateway, unsigned)": service.post(payment(), principal=None, headers=headers),
        "403 (gateway, no route)": service.api.request("GET", "/refunds", principal=ALICE, headers=headers),
        "preflight /payment": service.api.request("OPTIONS", "/payment", headers=headers),
        "preflight /payment/{id}": service.api.request("OPTIONS", f"/payment/{uuid.uuid4()}", headers=headers),
    }

    cors = {name: (got.header("Access-Control-Allow-Origin"), got.header("Vary")) for name, got in answers.items()}

    assert cors == dict.fromkeys(answers, (origin, "Origin")), cors


def test_every_allowed_origin_is_answered_by_the_function_and_the_preflight(service):
    for origin in service.origins:
        created = service.post(payment(), headers={"Origin": origin})
        preflight = service.api.request("OPTIONS", "/payment", headers={"Origin": origin})
        assert created.header("Access-Control-Allow-Origin") == origin, (origin, created.headers)
        assert preflight.header("Access-Control-Allow-Origin") == origin, (origin, preflight.headers)
        assert "Idempotent-Replayed" in created.header("Access-Control-Expose-Headers")


def test_an_origin_not_allowed_gets_no_cors_grant(service):
    headers = {"Origin": OTHER_ORIGIN}
    created = service.post(payment(), headers=headers)
    preflight = service.api.request("OPTIONS", "/payment", headers=headers)
    gateway_error = service.post({"amount": "1"}, headers=headers)

    assert created.status == 201
    assert created.header("Access-Control-Allow-Origin") is None and created.header("Vary") == "Origin"
    for answer in (preflight, gateway_error):
        assert answer.header("Access-Control-Allow-Origin") != OTHER_ORIGIN


# -- one error contract ---------------------------------------------------------------------------------------------

BODIES = [
    # (name, body, accepted)
    ("minimal", payment(), True),
    ("description null", payment(description=None), True),
    ("amount as a JSON number", payment(amount=10.5), True),
    ("missing amount", {"currency": "USD", "userId": "u"}, False),
    ("unknown field", payment(note="x"), False),
    ("description a number", payment(description=5), False),
    ("blank userId", {"amount": "1.00", "currency": "USD", "userId": "   "}, False),
    ("zero", payment(amount="0.00"), False),
    ("negative number", payment(amount=-1), False),
    ("three decimals in USD", payment(amount="1.001"), False),
    ("unknown currency", payment(currency="XTS"), False),
    ("lower-case currency", payment(currency="usd"), False),
    ("too large", payment(amount="1000000000000"), False),
    ("an array", [payment()], False),
]


@pytest.mark.parametrize(("name", "body", "accepted"), BODIES, ids=[body[0] for body in BODIES])
def test_the_gateway_and_the_function_accept_and_refuse_the_same_bodies(service, name, body, accepted):
    through_the_api = service.api.request("POST", "/payment", body=json.dumps(body), principal=ALICE)
    event = {
        "resource": "/payment",
        "path": "/payment",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json"},
        "requestContext": {"requestId": str(uuid.uuid4()), "identity": ALICE.identity("203.0.113.10")},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }
    function_alone = service.function.invoke(event)

    assert (through_the_api.status == 201) is accepted, through_the_api.body
    assert (function_alone["statusCode"] == 201) is accepted, function_alone["body"]
    if not accepted:
        # The gateway refuses it first, in the function's envelope.
        assert through_the_api.source == "gateway:BAD_REQUEST_BODY"
        assert through_the_api.status == 400 and error_of(through_the_api)["code"] == "VALIDATION_ERROR"
        assert function_alone["statusCode"] == 400


def test_a_function_failure_is_answered_in_the_envelope(service):
    """A malformed answer or a crash of the function becomes the gateway's 502, in the same envelope."""
    response = service.api.request("GET", f"/payment/{uuid.uuid4()}", principal=ALICE, headers={"Origin": "x"})
    assert response.status == 404  # the control: the function answers
    failing = service.api.functions.copy()
    try:
        for arn in service.api.functions:
            service.api.functions[arn] = _Crashing(service.function)
        crashed = service.api.request("GET", f"/payment/{uuid.uuid4()}", principal=ALICE)
    finally:
        service.api.functions.update(failing)

    assert crashed.status == 502 and error_of(crashed)["code"] == "INTERNAL_ERROR"


class _Crashing:
    """A function whose every invocation answers something API Gateway cannot use."""

    def __init__(self, process: FunctionProcess) -> None:
        self.function = process.function

    def invoke(self, event):
        return {"statusCode": "200", "body": {"not": "a string"}}


# -- ISO 4217 -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "amount", "shown"),
    [
        ("KWD", "1.234", "1.234"),
        ("KWD", "1.5", "1.500"),
        ("BHD", 0.125, "0.125"),
        ("JPY", "1000", "1000"),
        ("USD", "10.5", "10.50"),
        ("CLF", "1.2345", "1.2345"),
    ],
)
def test_amounts_follow_the_currencys_minor_units(service, currency, amount, shown):
    created = service.post(payment(amount=amount, currency=currency))

    assert created.status == 201, created.body
    assert created.json()["transaction"]["amount"] == shown
    assert service.get(created.json()["transactionId"]).json()["amount"] == shown


@pytest.mark.parametrize(("currency", "amount"), [("KWD", "1.2345"), ("JPY", "10.5"), ("USD", "1.234")])
def test_an_amount_finer_than_the_currency_is_refused(service, currency, amount):
    refused = service.post(payment(amount=amount, currency=currency))

    assert refused.status == 400 and error_of(refused)["code"] == "VALIDATION_ERROR"


def test_the_stored_item_carries_its_owner(service, converged):
    endpoint, _, _ = converged
    created = service.post(payment(), principal=CHECKOUT_1)
    transaction_id = created.json()["transactionId"]

    items = aws("dynamodb", endpoint).query(
        TableName=service.function.function.environment["TABLE_NAME"],
        KeyConditionExpression="transactionId = :id",
        ExpressionAttributeValues={":id": {"S": transaction_id}},
    )["Items"]

    assert [item["ownerId"]["S"] for item in items] == ["arn:aws:sts::123456789012:assumed-role/checkout-service"]
