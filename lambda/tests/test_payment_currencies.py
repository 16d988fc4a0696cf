"""The currency table against ISO 4217 as SIX publishes it, and amounts at each currency's precision."""

from __future__ import annotations

from decimal import Decimal
from importlib.metadata import version

import pytest
from iso4217 import Currency
from payment_events import make_event
from payment_events import parse
from payment_handler import app
from payment_handler.currencies import CODES_BY_MINOR_UNITS
from payment_handler.currencies import MINOR_UNITS
from payment_handler.validation import format_amount

NOT_APPLICABLE = {"XAG", "XAU", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA", "XTS", "XXX"}


def iso4217_minor_units() -> dict[str, int]:
    """Every active code of SIX's List One (the iso4217 package's table.xml) with a numeric minor unit."""
    return {currency.code: currency.exponent for currency in Currency if currency.exponent is not None}


def test_the_reference_is_the_2026_01_01_list():
    assert version("iso4217") == "1.16.20260101"


def test_the_table_has_exactly_the_codes_with_minor_units_of_iso4217():
    reference = iso4217_minor_units()
    assert sorted(MINOR_UNITS) == sorted(reference)
    assert {code: MINOR_UNITS[code] for code in reference} == reference


def test_only_codes_without_minor_units_are_left_out():
    left_out = {currency.code for currency in Currency} - set(MINOR_UNITS)
    assert left_out == NOT_APPLICABLE
    assert all(Currency(code).exponent is None for code in left_out)


@pytest.mark.parametrize(
    ("code", "places"),
    [("CLF", 4), ("UYW", 4), ("UYI", 0), ("BOV", 2), ("CHE", 2), ("CHW", 2), ("COU", 2), ("MXV", 2), ("USN", 2)],
)
def test_funds_codes_with_minor_units_are_in(code, places):
    assert MINOR_UNITS[code] == places == Currency(code).exponent


def test_groups_are_sorted_disjoint_and_cover_the_table():
    assert list(CODES_BY_MINOR_UNITS) == [0, 2, 3, 4]
    codes = [code for group in CODES_BY_MINOR_UNITS.values() for code in group]
    assert len(codes) == len(set(codes)) == len(MINOR_UNITS)
    for places, group in CODES_BY_MINOR_UNITS.items():
        assert list(group) == sorted(group)
        assert all(MINOR_UNITS[code] == places for code in group)


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("1.5"), "KWD", "1.500"),
        (Decimal("1000"), "JPY", "1000"),
        (Decimal("1E+3"), "JPY", "1000"),
        (Decimal("10.5"), "USD", "10.50"),
        (Decimal("1.500"), "USD", "1.50"),
        (Decimal("1"), "CLF", "1.0000"),
        (Decimal("0.0001"), "UYW", "0.0001"),
        (Decimal("999999999999.9999"), "CLF", "999999999999.9999"),
        (Decimal("7"), "UYI", "7"),
    ],
)
def test_amounts_are_shown_with_the_currencys_decimals(amount, currency, shown):
    assert format_amount(amount, currency) == shown


# --- through the handler: each minor-units group at and beyond its precision ---------------------------

GROUPS = [
    # currency, the finest amount as a string and as a JSON number, one digit more, the largest amount
    ("JPY", '"1"', "1", '"1.0"', "1.5", '"999999999999"', "1000"),
    ("USD", '"0.01"', "0.01", '"0.001"', "0.001", '"999999999999.99"', "10.50"),
    ("KWD", '"0.001"', "0.001", '"0.0001"', "0.0001", '"999999999999.999"', "1.500"),
    ("CLF", '"0.0001"', "0.0001", '"0.00001"', "0.00001", '"999999999999.9999"', "1.2500"),
]


def post(amount: str, currency: str) -> dict:
    return make_event("POST", "/payment", body=f'{{"amount": {amount}, "currency": "{currency}", "userId": "u1"}}')


@pytest.mark.parametrize(("currency", "fine", "fine_number", "finer", "finer_number", "largest", "other"), GROUPS)
def test_each_group_is_accepted_at_its_precision_and_refused_beyond(
    table, context, currency, fine, fine_number, finer, finer_number, largest, other
):
    places = MINOR_UNITS[currency]
    for accepted in (fine, fine_number, largest, other):
        result = app.handler(post(accepted, currency), context)
        assert result["statusCode"] == 201, (accepted, result["body"])
        shown = parse(result)["transaction"]["amount"]
        assert len(shown.partition(".")[2]) == places
        assert Decimal(shown) == Decimal(accepted.strip('"'))
    for refused in (finer, finer_number):
        result = app.handler(post(refused, currency), context)
        assert result["statusCode"] == 400, refused
        error = parse(result)["error"]
        assert error["field"] == "amount"
        assert currency in error["message"]


@pytest.mark.parametrize("currency", ["XTS", "XXX", "XAU", "XDR", "XBA", "ANG", "HRK", "CUC"])
def test_codes_without_minor_units_and_withdrawn_codes_are_refused(table, context, currency):
    result = app.handler(post('"1"', currency), context)
    assert result["statusCode"] == 400
    assert parse(result)["error"]["field"] == "currency"


@pytest.mark.parametrize("currency", ["CLF", "BOV", "USN", "UYI", "XAD", "XCG", "ZWG", "VED", "SLE"])
def test_funds_codes_and_recent_codes_are_accepted(table, context, currency):
    assert app.handler(post('"1"', currency), context)["statusCode"] == 201
