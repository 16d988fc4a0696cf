"""Request checks: body size and encoding, JSON, the payment fields, ids and idempotency keys.

Amounts are ``decimal.Decimal`` from the moment the JSON is parsed: never a float.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from .currencies import minor_units
from .errors import ApiError
from .errors import invalid_json
from .errors import validation_error

MAX_BODY_BYTES = 16 * 1024
# A base64 text of MAX_BODY_BYTES bytes is at most this long (padding included).
MAX_BASE64_BODY_CHARS = 4 * ((MAX_BODY_BYTES + 2) // 3)
MAX_DECIMAL_PLACES = 2
# Fits a DECIMAL(14, 2) column, and the largest sums in currencies without minor units (VND, IDR).
MAX_AMOUNT = Decimal("999999999999.99")
MAX_USER_ID_LENGTH = 128
MAX_DESCRIPTION_LENGTH = 500
MAX_IDEMPOTENCY_KEY_LENGTH = 255
ALLOWED_FIELDS = ("amount", "currency", "userId", "description")

_AMOUNT_TEXT = re.compile(r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]+$")  # visible ASCII, no spaces
_JSON_MEDIA_TYPES = ("application/json",)


@dataclass(frozen=True)
class PaymentRequest:
    """A validated POST /payment body."""

    amount: Decimal
    currency: str
    user_id: str
    description: str | None

    def canonical(self) -> dict[str, Any]:
        return {
            "amount": format_amount(self.amount, self.currency),
            "currency": self.currency,
            "userId": self.user_id,
            "description": self.description,
        }

    def fingerprint(self) -> str:
        """SHA-256 of the canonical request: "10.5" and 10.50 are the same request."""
        canonical = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def format_amount(amount: Decimal, currency: str) -> str:
    """The amount as a string with the currency's decimal places (at most 2): Decimal("10.5") -> "10.50"."""
    places = min(minor_units(currency) or 0, MAX_DECIMAL_PLACES)
    return str(amount.quantize(Decimal(1).scaleb(-places)))


def check_content_type(headers: dict[str, str]) -> None:
    """415 unless Content-Type is absent or JSON (in UTF-8, the only charset JSON has)."""
    value = headers.get("content-type")
    if value is None or not value.strip():
        return
    media_type, _sep, params = value.partition(";")
    if media_type.strip().lower() not in _JSON_MEDIA_TYPES:
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json")
    for param in params.split(";"):
        name, _sep, param_value = param.partition("=")
        if name.strip().lower() == "charset" and param_value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "the only charset accepted is utf-8")


def raw_body(event: dict[str, Any]) -> bytes:
    """The request body as bytes, base64-decoded when API Gateway encoded it; 413 above MAX_BODY_BYTES,
    checked on the text as received, before any decoding."""
    body = event.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise invalid_json("the request body must be text")
    too_large = ApiError(413, "PAYLOAD_TOO_LARGE", f"the request body exceeds {MAX_BODY_BYTES} bytes")
    if event.get("isBase64Encoded"):
        if len(body) > MAX_BASE64_BODY_CHARS:
            raise too_large
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise invalid_json("the request body is not valid base64") from None
    else:
        if len(body) > MAX_BODY_BYTES:  # cheap check first: a character is at least one byte
            raise too_large
        data = body.encode("utf-8", errors="surrogatepass")
    if len(data) > MAX_BODY_BYTES:
        raise too_large
    return data


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def parse_json(data: bytes) -> Any:
    """Parse JSON with decimals for every non-integer number; NaN, Infinity and duplicate keys are refused."""
    if not data.strip():
        raise ApiError(400, "MISSING_BODY", "a JSON request body is required")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_json("the request body is not UTF-8") from None
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_no_constants,
            object_pairs_hook=_no_duplicate_keys,
        )
    except RecursionError:
        raise invalid_json("the request body is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, duplicate keys, constants, integers too long to convert
        raise invalid_json(f"the request body is not valid JSON: {exc}") from None


def _has_control_characters(text: str) -> bool:
    # Cc: C0/C1 controls (newlines, NUL, escapes); Cs: lone surrogates, which JSON escapes can produce
    # and which no store can encode.
    return any(unicodedata.category(char) in ("Cc", "Cs") for char in text)


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise validation_error("amount", 'must be a decimal string such as "10.50" or a JSON number')
    if isinstance(value, str):
        if not _AMOUNT_TEXT.match(value):
            raise validation_error(
                "amount", 'must be a positive decimal with at most 2 decimal places and no sign, e.g. "10.50"'
            )
        amount = Decimal(value)
    else:
        amount = Decimal(value)
        if not amount.is_finite():
            raise validation_error("amount", "must be a finite number")
        if int(amount.as_tuple().exponent) < -MAX_DECIMAL_PLACES:
            raise validation_error("amount", f"must have at most {MAX_DECIMAL_PLACES} decimal places")
    if amount <= 0:
        raise validation_error("amount", "must be greater than zero")
    if amount > MAX_AMOUNT:
        raise validation_error("amount", f"must not exceed {MAX_AMOUNT}")
    return amount


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{3}", value):
        raise validation_error("currency", 'must be a three-letter upper-case ISO 4217 code such as "USD"')
    if minor_units(value) is None:
        raise validation_error("currency", f"{value} is not an active ISO 4217 currency")
    return value


def _text(field: str, value: Any, max_length: int) -> str:
    if not isinstance(value, str):
        raise validation_error(field, "must be a string")
    if not value.strip():
        raise validation_error(field, "must not be empty")
    if len(value) > max_length:
        raise validation_error(field, f"must be at most {max_length} characters")
    if _has_control_characters(value):
        raise validation_error(field, "must not contain control characters")
    return value


def validate_payment(document: Any) -> PaymentRequest:
    """The POST /payment body as a PaymentRequest, or a 400 naming the field and the reason."""
    if not isinstance(document, dict):
        raise validation_error("body", "must be a JSON object")
    unknown = sorted(set(document) - set(ALLOWED_FIELDS))
    if unknown:
        raise validation_error(unknown[0], f"is not a known field (allowed: {', '.join(ALLOWED_FIELDS)})")
    for field in ("amount", "currency", "userId"):
        if document.get(field) is None:
            raise validation_error(field, "is required")

    amount = _amount(document["amount"])
    currency = _currency(document["currency"])
    places = minor_units(currency) or 0
    try:
        exact = amount == amount.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        exact = False
    if not exact:
        raise validation_error("amount", f"{currency} has {places} decimal places")
    user_id = _text("userId", document["userId"], MAX_USER_ID_LENGTH)
    description = document.get("description")
    if description is not None:
        description = _text("description", description, MAX_DESCRIPTION_LENGTH)
    return PaymentRequest(amount=amount, currency=currency, user_id=user_id, description=description)


def validate_transaction_id(value: Any) -> str:
    """A transaction id is a UUID in its canonical text form; returned lower-case, as stored."""
    if not isinstance(value, str) or not _UUID.match(value):
        raise ApiError(400, "INVALID_TRANSACTION_ID", "the transaction id must be a UUID", field="id")
    return value.lower()


def validate_idempotency_key(values: list[str]) -> str | None:
    """The Idempotency-Key header: absent, or one value of 1-255 visible ASCII characters."""
    if not values:
        return None
    distinct = set(values)
    if len(distinct) > 1:
        raise ApiError(400, "INVALID_IDEMPOTENCY_KEY", "send the Idempotency-Key header once", field="Idempotency-Key")
    key = values[0]
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH or not _IDEMPOTENCY_KEY.match(key):
        raise ApiError(
            400,
            "INVALID_IDEMPOTENCY_KEY",
            f"Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters without spaces",
            field="Idempotency-Key",
        )
    return key
