"""The Lambda entry point, ``payment_handler.app.handler``, for an API Gateway REST API (proxy integration).

Routes: POST /payment, GET /payment/{id} (and OPTIONS on both, for CORS preflights).
Every payment belongs to the caller API Gateway authenticated (identity.py): a caller sees only its own.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from typing import Any

from . import validation
from .errors import ApiError
from .identity import owner_of
from .logs import RequestLog
from .logs import get_logger
from .repository import IdempotencyInProgress
from .repository import StoreUnavailable
from .repository import TransactionRepository
from .responses import ALLOW_HEADERS
from .responses import cors_headers
from .responses import error_response
from .responses import internal_error_response
from .responses import response
from .settings import ConfigurationError
from .settings import Settings
from .settings import allowed_origins_from_env
from .settings import log_level_from_env

STATUS_PENDING = "PENDING"
SECONDS_PER_DAY = 24 * 60 * 60

# resource template -> methods it answers (OPTIONS is answered for CORS preflights)
ROUTES = {
    "/payment": ("OPTIONS", "POST"),
    "/payment/{id}": ("GET", "OPTIONS"),
}

_configured: TransactionRepository | None = None
_cached: TransactionRepository | None = None


def configure(repository: TransactionRepository | None) -> None:
    """Use this repository for every invocation (e.g. one on an emulator); None: build it from the environment."""
    global _configured
    _configured = repository


def _default_repository(settings: Settings) -> TransactionRepository:
    """One boto3 client per execution environment, reused across invocations (cheap to keep, slow to make).
    boto3 takes region, credentials and AWS_ENDPOINT_URL from the environment."""
    global _cached
    if _configured is not None:
        return _configured
    if _cached is None or _cached.table_name != settings.table_name:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "dynamodb",
            config=Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3}),
        )
        _cached = TransactionRepository(client, settings.table_name)
    return _cached


class Request:
    """The parts of an API Gateway REST (payload 1.0) proxy event the handler uses."""

    def __init__(self, event: dict[str, Any]) -> None:
        self.event = event
        self.method = str(event.get("httpMethod") or "").upper()
        self.path = str(event.get("path") or "")
        context = event.get("requestContext") or {}
        self.api_request_id = context.get("requestId")
        # Header names are case-insensitive: keep every value under the lower-cased name.
        self.header_values: dict[str, list[str]] = {}
        for name, values in (event.get("multiValueHeaders") or {}).items():
            self.header_values.setdefault(name.lower(), []).extend(str(value) for value in values or [])
        for name, value in (event.get("headers") or {}).items():
            if value is not None and name.lower() not in self.header_values:
                self.header_values[name.lower()] = [str(value)]
        self.headers = {name: values[-1] for name, values in self.header_values.items() if values}
        self.origin = self.headers.get("origin")
        self.owner = owner_of(context)
        self.resource, self.path_id = self._route(event)

    def _route(self, event: dict[str, Any]) -> tuple[str | None, str | None]:
        resource = event.get("resource")
        if resource in ROUTES:
            return resource, (event.get("pathParameters") or {}).get("id")
        # A greedy proxy resource (or none): route on the path.
        segments = [segment for segment in self.path.split("/") if segment]
        if segments == ["payment"]:
            return "/payment", None
        if len(segments) == 2 and segments[0] == "payment":
            return "/payment/{id}", segments[1]
        return None, None


def _now_ms(clock: Callable[[], float]) -> int:
    return int(clock() * 1000)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def present(record: dict[str, Any]) -> dict[str, Any]:
    """A stored transaction as the API shows it: amount as a string with the currency's decimals."""
    return {
        "transactionId": record["transactionId"],
        "amount": validation.format_amount(record["amount"], record["currency"]),
        "currency": record["currency"],
        "userId": record["userId"],
        "description": record.get("description"),
        "status": record["status"],
        "timestamp": int(record["timestamp"]),
        "createdAt": record["createdAt"],
    }


def create_payment(
    request: Request,
    repository: TransactionRepository,
    settings: Settings,
    log: RequestLog,
    clock: Callable[[], float],
) -> dict[str, Any]:
    owner = _owner(request)
    validation.check_content_type(request.headers)
    idempotency_key = validation.validate_idempotency_key(request.header_values.get("idempotency-key", []))
    payment = validation.validate_payment(validation.parse_json(validation.raw_body(request.event)))

    now_ms = _now_ms(clock)
    now = now_ms // 1000
    transaction = {
        "transactionId": str(uuid.uuid4()),
        "timestamp": now_ms,
        "ownerId": owner,
        "amount": payment.amount,
        "currency": payment.currency,
        "userId": payment.user_id,
        "description": payment.description,
        "status": STATUS_PENDING,
        "createdAt": _iso(now_ms),
        "expirationTime": now + settings.retention_days * SECONDS_PER_DAY,
    }
    body = {"transactionId": transaction["transactionId"], "transaction": present(transaction)}

    if idempotency_key is None:
        repository.put_transaction(transaction)
        log.bind(transactionId=transaction["transactionId"])
        return response(201, body)

    fingerprint = payment.fingerprint()
    try:
        first = repository.put_transaction_once(owner, idempotency_key, fingerprint, transaction, 201, body, now=now)
    except IdempotencyInProgress:
        raise ApiError(
            409,
            "IDEMPOTENCY_KEY_IN_USE",
            "a request with this Idempotency-Key is still being processed; retry later",
            field="Idempotency-Key",
        ) from None
    if first is None:
        log.bind(transactionId=transaction["transactionId"], idempotentReplay=False)
        return response(201, body, headers={"Idempotent-Replayed": "false"})
    if first.request_hash != fingerprint:
        raise ApiError(
            409,
            "IDEMPOTENCY_KEY_REUSED",
            "this Idempotency-Key was used with a different request body",
            field="Idempotency-Key",
        )
    log.bind(transactionId=first.transaction_id, idempotentReplay=True)
    return response(first.status_code, first.body, headers={"Idempotent-Replayed": "true"})


def get_payment(request: Request, repository: TransactionRepository, log: RequestLog) -> dict:
    owner = _owner(request)
    transaction_id = validation.validate_transaction_id(request.path_id)
    log.bind(transactionId=transaction_id)
    record = repository.get_transaction(transaction_id)  # a key lookup; the owner is compared here
    if record is None or record.get("ownerId") != owner:
        if record is not None:
            log.bind(ownerMismatch=True)  # logged, never told: the answer is the one for a missing id
        raise ApiError(404, "TRANSACTION_NOT_FOUND", f"no transaction {transaction_id}")
    return response(200, present(record))


def _owner(request: Request) -> str:
    if request.owner is None:
        raise ApiError(403, "ACCESS_DENIED", "the request carries no authenticated caller")
    return request.owner


def preflight(request: Request, settings: Settings) -> dict[str, Any]:
    methods = ", ".join(ROUTES[request.resource])  # type: ignore[index]
    headers = {"Allow": methods}
    if "Access-Control-Allow-Origin" in cors_headers(settings.allowed_origins, request.origin):
        headers.update({"Access-Control-Allow-Methods": methods, "Access-Control-Allow-Headers": ALLOW_HEADERS})
        headers["Access-Control-Max-Age"] = "600"
    return response(204, None, headers=headers)


def dispatch(
    request: Request,
    repository_factory: Callable[[Settings], TransactionRepository],
    settings: Settings,
    log: RequestLog,
    clock: Callable[[], float],
) -> dict[str, Any]:
    if request.resource is None:
        raise ApiError(404, "ROUTE_NOT_FOUND", f"no route for {request.method} {request.path}")
    allowed = ROUTES[request.resource]
    if request.method not in allowed:
        raise ApiError(
            405,
            "METHOD_NOT_ALLOWED",
            f"{request.method} is not allowed on {request.resource}; allowed: {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )
    if request.method == "OPTIONS":
        return preflight(request, settings)
    if request.method == "POST":
        return create_payment(request, repository_factory(settings), settings, log, clock)
    return get_payment(request, repository_factory(settings), log)


def handle(
    event: dict[str, Any],
    context: Any,
    *,
    repository: TransactionRepository | None = None,
    clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """Answer one API Gateway proxy event. ``repository`` and ``clock`` are for tests."""
    logger = get_logger(log_level_from_env())
    request = Request(event if isinstance(event, dict) else {})
    route = f"{request.method} {request.resource or request.path[:200]}"
    log = RequestLog(
        logger,
        requestId=getattr(context, "aws_request_id", None),
        apiRequestId=request.api_request_id,
        route=route,
    )
    settings: Settings | None = None
    try:
        settings = Settings.from_env()
        factory = (lambda _settings: repository) if repository is not None else _default_repository
        result = dispatch(request, factory, settings, log, clock)
    except ApiError as error:
        result = error_response(error, request_id=request.api_request_id)
        log.bind(errorCode=error.code)
    except StoreUnavailable:
        log.exception("DynamoDB throttled the request")
        error = ApiError(503, "SERVICE_UNAVAILABLE", "the service is busy; retry later", headers={"Retry-After": "1"})
        result = error_response(error, request_id=request.api_request_id)
        log.bind(errorCode=error.code)
    except Exception:
        log.exception("unhandled error")
        result = internal_error_response(request_id=request.api_request_id)
        log.bind(errorCode="INTERNAL_ERROR")
    result["headers"].update(cors_headers(_allowed_origins(settings), request.origin))
    status = result["statusCode"]
    level = logging.ERROR if status >= 500 else logging.INFO
    log.log(level, "request completed", status=status, durationMs=log.elapsed_ms())
    return result


def _allowed_origins(settings: Settings | None) -> tuple[str, ...]:
    """ALLOWED_ORIGINS, also when another setting is bad (its 500 is then readable by the browser);
    none when ALLOWED_ORIGINS itself is bad."""
    if settings is not None:
        return settings.allowed_origins
    try:
        return allowed_origins_from_env()
    except ConfigurationError:
        return ()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point."""
    return handle(event, context)
