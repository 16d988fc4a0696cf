"""API Gateway proxy responses: JSON bodies, the error envelope, CORS and security headers."""

from __future__ import annotations

import json
from typing import Any

from .errors import ApiError
from .settings import WILDCARD
from .settings import origin_key

ALLOW_HEADERS = "Content-Type,Idempotency-Key,Authorization,X-Amz-Date,X-Amz-Security-Token,X-Api-Key"
EXPOSE_HEADERS = "Idempotent-Replayed"


def _dumps(body: Any) -> str:
    # No float ever reaches this point; anything unexpected fails loudly rather than being coerced.
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def cors_headers(allowed_origins: tuple[str, ...], request_origin: str | None) -> dict[str, str]:
    """The CORS headers of every answer, for ALLOWED_ORIGINS (settings.allowed_origins_from_env) and the
    request's Origin: the wildcard allows any origin; a list allows the origins in it, each answered with
    itself, and every answer varies by Origin (caches must not hand one origin's answer to another)."""
    if not allowed_origins:
        return {}
    if allowed_origins == (WILDCARD,):
        return {"Access-Control-Allow-Origin": WILDCARD, "Access-Control-Expose-Headers": EXPOSE_HEADERS}
    headers = {"Vary": "Origin"}
    if request_origin and origin_key(request_origin) in {origin_key(origin) for origin in allowed_origins}:
        headers.update({"Access-Control-Allow-Origin": request_origin, "Access-Control-Expose-Headers": EXPOSE_HEADERS})
    return headers


def response(
    status: int,
    body: Any | None,
    *,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A proxy response; the handler adds the CORS headers to every one (cors_headers)."""
    all_headers = {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
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


def error_response(error: ApiError, *, request_id: str | None = None) -> dict:
    return response(
        error.status,
        error_body(error.code, error.message, field=error.field, request_id=request_id),
        headers=error.headers,
    )


def internal_error_response(*, request_id: str | None = None) -> dict:
    """The only answer to an unexpected failure: nothing about its cause leaves the function."""
    return response(
        500,
        error_body("INTERNAL_ERROR", "the request could not be processed", request_id=request_id),
    )
