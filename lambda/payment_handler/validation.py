"""Request checks: body size and encoding, JSON, the payment fields, ids and idempotency keys.

Amounts are ``decimal.Decimal`` from the moment the JSON is parsed: never a float.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .currencies import MINOR_UNITS
from .currencies import minor_units
from .errors import ApiError
from .errors import invalid_json
from .errors import validation_error

MAX_BODY_BYTES = 16 * 1024
# A base64 text of MAX_BODY_BYTES bytes is at most this long (padding included).
MAX_BASE64_BODY_CHARS = 4 * ((MAX_BODY_BYTES + 2) // 3)
MAX_USER_ID_LENGTH = 128
MAX_DESCRIPTION_LENGTH = 500
MAX_IDEMPOTENCY_KEY_LENGTH = 255
ALLOWED_FIELDS = ("amount", "currency", "userId", "description")
REQUIRED_FIELDS = ("amount", "currency", "userId")

# --- the rules the handler and the API Gateway request model (schema.py) share ----------------------
# Patterns are written for Python's re and for Java's java.util.regex alike: explicit \uXXXX classes
# (never \s, whose meaning differs), and END instead of "$", which in both engines also matches before
# a final line break ("10\n" would pass). Each is used with re.search, as JSON Schema's "pattern" is.
END = r"(?![\s\S])"  # the end of the text: no character of any kind follows

#: An amount is > 0 and < AMOUNT_LIMIT: at most 12 integer digits.
AMOUNT_LIMIT = 10**12
AMOUNT_INTEGER_DIGITS = 12

#: Characters refused in text fields: Unicode Cc (C0, DEL, C1 controls) and Cs (lone surrogates).
CONTROL_CHARS = r"\u0000-\u001f\u007f-\u009f\ud800-\udfff"
#: Space characters (str.isspace()) that are not controls: a text of only these is blank.
BLANK_CHARS = r"\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: A text field: blanks, then one visible character, then anything but controls. BLANK and the visible
#: character are disjoint, so matching is linear in the length of the text (no catastrophic backtracking).
TEXT_PATTERN = rf"^[{BLANK_CHARS}]*[^{BLANK_CHARS}{CONTROL_CHARS}][^{CONTROL_CHARS}]*{END}"


def amount_pattern(places: int) -> str:
    """The string form of an amount in a currency with ``places`` minor units: no sign, exponent, spaces
    or leading zeros, at most 12 integer digits and ``places`` decimals (none at all for 0), not zero."""
    fraction = rf"(\.[0-9]{{1,{places}}})?" if places else ""
    return rf"^(?!0+(\.0+)?{END})(0|[1-9][0-9]{{0,{AMOUNT_INTEGER_DIGITS - 1}}}){fraction}{END}"


def amount_step(places: int) -> Decimal:
    """The smallest amount of a currency with ``places`` minor units: a JSON number must be a multiple of it."""
    return Decimal(1).scaleb(-places)


_TEXT = re.compile(TEXT_PATTERN)
_BLANK_ONLY = re.compile(rf"^[{BLANK_CHARS}]*{END}")
_CONTROL = re.compile(rf"[{CONTROL_CHARS}]")
_AMOUNT_TEXT = {places: re.compile(amount_pattern(places)) for places in range(5)}
_DECIMAL_TEXT = re.compile(rf"^(0|[1-9][0-9]*)(\.[0-9]+)?{END}")
_CURRENCY_CODE = re.compile(rf"^[A-Z]{{3}}{END}")
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
    """The amount as a string with the currency's decimal places: USD 10.5 -> "10.50", KWD 1.5 -> "1.500",
    JPY 1000 -> "1000", CLF 1 -> "1.0000"."""
    places = minor_units(currency) or 0
    return str(amount.quantize(amount_step(places)))


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


def _amount(value: Any, currency: str, places: int) -> Decimal:
    """The amount rule (the same as the request model's, see amount_pattern and amount_step)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise validation_error("amount", 'must be a decimal string such as "10.50" or a JSON number')
    precision = f"{currency} has {places} decimal places" if places else f"{currency} has no decimal places"
    if isinstance(value, str):
        if _AMOUNT_TEXT[places].search(value):
            return Decimal(value)
        if not _DECIMAL_TEXT.search(value):
            raise validation_error(
                "amount", 'must be a decimal string without sign, exponent, spaces or leading zeros, e.g. "10.50"'
            )
        amount = Decimal(value)
        if amount > 0 and amount < AMOUNT_LIMIT:
            raise validation_error("amount", precision)
    else:
        amount = Decimal(value)  # ints and the parser's Decimals: exact
        if not amount.is_finite():
            raise validation_error("amount", "must be a finite number")
    if amount <= 0:
        raise validation_error("amount", "must be greater than zero")
    if amount >= AMOUNT_LIMIT:
        raise validation_error("amount", f"must be less than {AMOUNT_LIMIT}")
    # A JSON number is judged by its value: 10.50 and 1.500 are whole cents, 10.001 is not.
    if amount != amount.quantize(amount_step(places)):  # exact below AMOUNT_LIMIT at the default precision
        raise validation_error("amount", precision)
    return amount


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not _CURRENCY_CODE.search(value):
        raise validation_error("currency", 'must be a three-letter upper-case ISO 4217 code such as "USD"')
    if minor_units(value) is None:
        raise validation_error("currency", f"{value} is not an active ISO 4217 currency")
    return value


def _text(field: str, value: Any, max_length: int) -> str:
    """A text field: TEXT_PATTERN and at most ``max_length`` characters, each failure with its own message."""
    if not isinstance(value, str):
        raise validation_error(field, "must be a string")
    if _BLANK_ONLY.search(value):
        raise validation_error(field, "must not be empty")
    if len(value) > max_length:
        raise validation_error(field, f"must be at most {max_length} characters")
    # Cc: C0/C1 controls (newlines, NUL, escapes); Cs: lone surrogates, which JSON escapes can produce
    # and which no store can encode.
    if _CONTROL.search(value):
        raise validation_error(field, "must not contain control characters")
    if not _TEXT.search(value):  # cannot happen after the checks above; the pattern is the definition
        raise validation_error(field, "is not valid text")
    return value


def validate_payment(document: Any) -> PaymentRequest:
    """The POST /payment body as a PaymentRequest, or a 400 naming the field and the reason.
    Accepts and refuses exactly the documents schema.request_schema() does."""
    if not isinstance(document, dict):
        raise validation_error("body", "must be a JSON object")
    unknown = sorted(set(document) - set(ALLOWED_FIELDS))
    if unknown:
        raise validation_error(unknown[0], f"is not a known field (allowed: {', '.join(ALLOWED_FIELDS)})")
    for field in REQUIRED_FIELDS:
        if document.get(field) is None:
            raise validation_error(field, "is required")

    currency = _currency(document["currency"])
    places = MINOR_UNITS[currency]
    amount = _amount(document["amount"], currency, places)
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
