"""The API's errors: each has an HTTP status and a stable, documented code."""

from __future__ import annotations


class ApiError(Exception):
    """An error the client is told about: ``{"error": {"code": ..., "message": ...}}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


def validation_error(field: str, message: str) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", f"{field}: {message}", field=field)


def invalid_json(message: str) -> ApiError:
    return ApiError(400, "INVALID_JSON", message)
