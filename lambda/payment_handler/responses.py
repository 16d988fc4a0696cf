"""API Gateway proxy responses: JSON bodies, the error envelope, CORS and security headers."""

from __future__ import annotations

import json
from typing import Any

from .errors import ApiError

ALLOW_HEADERS = "Content-Type,Idempotency-Key,Authorization,X-Amz-Date,X-Amz-Security-Token,X-Api-Key"
EXPOSE_HEADERS = "Idempotent-Replayed"


def _dumps(body: Any) -> str:
    # No float ever reaches this point; anything unexpected fails loudly rather than being coerced.
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def cors_headers(allowed_origin: str | None) -> dict[str, str]:
    if not allowed_origin:
        return {}
    headers = {"Access-Control-Allow-Origin": allowed_origin, "Access-Control-Expose-Headers": EXPOSE_HEADERS}
    if allowed_origin != "*":
        headers["Vary"] = "Origin"
    return headers


def response(
    status: int,
    body: Any | None,
    *,
    allowed_origin: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    all_headers = {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        **cors_headers(allowed_origin),
        **(headers or {}),
    }
    return {
        "statusCode": status,
        "headers": all_headers,
        "body": "" if body is None else _dumps(body),
        "isBase64Encoded": False,
    }


def error_body(code: str, message: str, *, field: str | None = None, request_id: str | None = None) -> dict:
    error: dict[str, str] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    if request_id:
        error["requestId"] = request_id
    return {"error": error}


def error_response(error: ApiError, *, allowed_origin: str | None = None, request_id: str | None = None) -> dict:
    return response(
        error.status,
        error_body(error.code, error.message, field=error.field, request_id=request_id),
        allowed_origin=allowed_origin,
        headers=error.headers,
    )


def internal_error_response(*, allowed_origin: str | None = None, request_id: str | None = None) -> dict:
    """The only answer to an unexpected failure: nothing about its cause leaves the function."""
    return response(
        500,
        error_body("INTERNAL_ERROR", "the request could not be processed", request_id=request_id),
        allowed_origin=allowed_origin,
    )
