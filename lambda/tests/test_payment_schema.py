"""The API Gateway request model (payment_handler.schema) and the handler agree on every body; the
committed lambda/payment_request.schema.json is the generated one; the text rules are the Unicode sets
they claim to be and match in linear time."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
import unicodedata
from collections import defaultdict
from decimal import Decimal
from decimal import localcontext

import pytest
from jsonschema import Draft4Validator
from payment_events import LAMBDA_DIR
from payment_handler import schema
from payment_handler import validation
from payment_handler.currencies import MINOR_UNITS
from payment_handler.errors import ApiError

SCHEMA_FILE = LAMBDA_DIR / "payment_request.schema.json"


def load(text: str):
    """JSON as API Gateway's validator reads it: every number exact (BigDecimal there, Decimal here)."""
    return json.loads(text, parse_float=Decimal)


VALIDATOR = Draft4Validator(load(schema.schema_text()))


def schema_accepts(document) -> bool:
    with localcontext(prec=2000):  # multipleOf computes remainders: exact at this precision
        return VALIDATOR.is_valid(document)


def handler_accepts(document) -> bool:
    try:
        validation.validate_payment(document)  # at the default decimal context, as in the Lambda
    except ApiError as error:
        assert error.status == 400 and error.code == "VALIDATION_ERROR"
        return False
    return True


# --- the committed file --------------------------------------------------------------------------------


def test_the_committed_schema_is_the_generated_one():
    assert SCHEMA_FILE.read_text(encoding="ascii") == schema.schema_text(), (
        "regenerate it: python lambda/build.py --schema lambda/payment_request.schema.json"
    )


def test_the_schema_is_a_valid_draft_04_document():
    document = load(SCHEMA_FILE.read_text())
    Draft4Validator.check_schema(document)
    assert document["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert document["required"] == ["amount", "currency", "userId"]
    assert document["additionalProperties"] is False
    assert sorted(document["properties"]["currency"]["enum"]) == sorted(MINOR_UNITS)
    steps = {
        tuple(branch["properties"]["currency"]["enum"]): branch["properties"]["amount"]["anyOf"][1]["multipleOf"]
        for branch in document["anyOf"]
    }
    assert {MINOR_UNITS[codes[0]]: step for codes, step in steps.items()} == {
        0: 1,
        2: Decimal("0.01"),
        3: Decimal("0.001"),
        4: Decimal("0.0001"),
    }


@pytest.mark.parametrize("how", ["build", "module"])
def test_both_ways_of_generating_give_the_committed_file(tmp_path, how):
    output = tmp_path / "schema.json"
    if how == "build":
        command = [sys.executable, str(LAMBDA_DIR / "build.py"), "--schema", str(output)]
        subprocess.run(command, check=True, capture_output=True, cwd="/")
        text = output.read_text()
    else:
        command = [sys.executable, "-m", "payment_handler.schema"]
        text = subprocess.run(command, check=True, capture_output=True, text=True, cwd=LAMBDA_DIR).stdout
    assert text == SCHEMA_FILE.read_text()


def test_the_schema_is_not_in_the_zip(tmp_path):
    import zipfile

    output = tmp_path / "p.zip"
    subprocess.run([sys.executable, str(LAMBDA_DIR / "build.py"), "--output", str(output)], check=True, cwd="/")
    names = zipfile.ZipFile(output).namelist()
    assert "payment_handler/schema.py" in names
    assert not any(name.endswith(".json") for name in names)


# --- the text rule ---------------------------------------------------------------------------------------


def _class_members(char_class: str) -> set[str]:
    pattern = re.compile(f"[{char_class}]")
    return {chr(code) for code in range(0x110000) if pattern.match(chr(code))}


def test_control_chars_are_exactly_unicode_cc_and_cs():
    expected = {chr(code) for code in range(0x110000) if unicodedata.category(chr(code)) in ("Cc", "Cs")}
    assert _class_members(validation.CONTROL_CHARS) == expected


def test_blank_chars_are_exactly_pythons_spaces_that_are_not_controls():
    expected = {
        chr(code)
        for code in range(0x110000)
        if chr(code).isspace() and unicodedata.category(chr(code)) not in ("Cc", "Cs")
    }
    assert _class_members(validation.BLANK_CHARS) == expected


def test_patterns_use_no_engine_specific_classes():
    """\\s, \\w, \\d, $ and \\Z mean different things in Python and Java: the rules use none of them
    (END spells the end of the text as a lookahead for any character: [\\s\\S] is every character in both)."""
    patterns = [validation.TEXT_PATTERN] + [validation.amount_pattern(places) for places in range(5)]
    for pattern in patterns:
        bare = pattern.replace(validation.END, "")
        assert not re.search(r"\\[sSwWdDZzbB]|\$", bare), pattern


@pytest.mark.parametrize("text", ["a" * 16384, " " * 16383 + "\n", "a" + "\u00a0" * 16383 + "\x00", "\u3000" * 16384])
def test_text_pattern_is_linear(text):
    pattern = re.compile(validation.TEXT_PATTERN)
    started = time.perf_counter()
    for _ in range(20):
        pattern.search(text)
    assert time.perf_counter() - started < 0.5


# --- agreement ---------------------------------------------------------------------------------------------

# JSON fragments (raw text), so numbers keep their exact spelling: 10.50, 1E+2, 1.500.
AMOUNTS = [
    # strings
    *[json.dumps("1" + ("." + "5" * places if places else "")) for places in range(6)],
    *[json.dumps("0." + "0" * (places - 1) + "1") for places in range(1, 6)],
    *[json.dumps(text) for text in ("0", "00", "0.0", "0.00", "0.000", "0.0000", "0.00000", "0.", ".5", "5.")],
    *[json.dumps(text) for text in ("-1", "+1", "1e2", "1E+2", " 1", "1 ", "1\n", "1\r", "1\u2028", "\n1")],
    *[json.dumps(text) for text in ("01", "01.5", "007", "1,00", "1_000", "abc", "", "１", "1.2.3", "NaN")],
    *[json.dumps(text) for text in ("999999999999", "999999999999.9", "999999999999.99", "999999999999.999")],
    *[json.dumps(text) for text in ("999999999999.9999", "999999999999.99999", "1000000000000", "1000000000000.0")],
    *[json.dumps(text) for text in ("9999999999999", "10.50", "10.500", "1.1000", "100")],
    # numbers
    "0",
    "-0",
    "0.0",
    "0.00000",
    "-1",
    "-0.01",
    "1",
    "1.0",
    "1.5",
    "1.50",
    "10.50",
    "1.500",
    "1.5000",
    "1.25",
    "1.125",
    "1.0625",
    "1.03125",
    "0.1",
    "0.01",
    "0.001",
    "0.0001",
    "0.00001",
    "1e2",
    "1E+2",
    "1e-2",
    "1E-3",
    "1e-4",
    "1e-5",
    "1e12",
    "1E+11",
    "999999999999",
    "999999999999.9",
    "999999999999.99",
    "999999999999.999",
    "999999999999.9999",
    "999999999999.99999",
    "1000000000000",
    "1000000000000.0",
    "1e400",
    "1e-400",
    "12345678901.23",
    "1.00000000000000000000000000000000001",
    # neither
    "true",
    "false",
    "null",
    "[]",
    "[1]",
    "{}",
]
CURRENCIES = ["JPY", "UYI", "USD", "BOV", "XAD", "KWD", "BHD", "CLF", "UYW"]
BAD_CURRENCIES = ['"XTS"', '"XXX"', '"XAU"', '"HRK"', '"usd"', '"US"', '"USDD"', '""', "840", "null", "true", '["USD"]']
TEXTS = [
    "u",
    "user-123",
    "u" * 128,
    "u" * 127 + "\u00a0",
    " u",
    "\u00a0u\u00a0",
    "\u3000\u2003x",
    "😀",
    "\u200b",  # zero-width space: not a space for str.isspace(), so visible
    "\u180e",
    "\u2028a",
    "a\u2029b",
    "ü\u0301",
]
BAD_TEXTS = [
    "",
    " ",
    "\u00a0",
    " " * 128,
    "\u2028",
    "\u1680\u2000\u200a\u202f\u205f\u3000",
    "u" * 129,
    "a\n",
    "\n",
    "a\nb",
    "\t",
    "a\tb",
    "\x00",
    "a\x1f",
    "a\x7f",
    "a\x85",
    "a\x9f",
    "\x1c",
    "\ud800",
    "a\udfff",
    "\ud83d",
]
TEXT_FRAGMENTS = [json.dumps(text) for text in TEXTS + BAD_TEXTS]  # ASCII-escaped: lone surrogates as \ud800
NOT_TEXT = ["42", "true", "null", "[]", '{"a":"b"}', "1.5"]
DESCRIPTIONS = [None, "null", json.dumps("d" * 500), json.dumps("d" * 501), json.dumps("Order 42"), *TEXT_FRAGMENTS]
EXTRAS = [{}, {"extra": "1"}, {"Amount": '"1"'}, {"userid": '"u"'}, {"status": '"PAID"'}]


def body(fields: dict[str, str | None]) -> str:
    """A JSON object from raw JSON fragments; a field whose fragment is None is left out."""
    return "{" + ",".join(f"{json.dumps(name)}:{value}" for name, value in fields.items() if value is not None) + "}"


def corpus() -> list[str]:
    bodies: list[str] = []
    good = {"amount": '"1"', "currency": '"USD"', "userId": '"u1"'}
    for currency in CURRENCIES:
        for amount in AMOUNTS:
            bodies.append(body({**good, "amount": amount, "currency": json.dumps(currency)}))
    for currency in BAD_CURRENCIES:
        bodies.append(body({**good, "currency": currency}))
    for user_id in [*TEXT_FRAGMENTS, *NOT_TEXT]:
        bodies.append(body({**good, "userId": user_id}))
    for description in [*DESCRIPTIONS, *NOT_TEXT]:
        bodies.append(body({**good, "description": description}))
    for extra in EXTRAS:
        bodies.append(body({**good, **extra}))
    for missing in good:
        bodies.append(body({**good, missing: None}))
        bodies.append(body({**good, missing: "null"}))
    bodies += ["{}", "[]", '"x"', "1", "null", "true", '[{"amount":"1","currency":"USD","userId":"u"}]']

    rng = random.Random(20260101)  # seeded: the same corpus every run
    parts = {
        "amount": AMOUNTS + [None],
        "currency": [json.dumps(code) for code in CURRENCIES] + BAD_CURRENCIES + [None],
        "userId": TEXT_FRAGMENTS + NOT_TEXT + [None],
        "description": DESCRIPTIONS,
    }
    for _ in range(600):
        fields = {name: rng.choice(values) for name, values in parts.items()}
        if rng.random() < 0.6:  # mostly valid fields elsewhere, so one rule at a time is tried
            keep = rng.choice(list(parts))
            fields = {**good, "description": None, keep: fields[keep]}
        if rng.random() < 0.05:
            fields.update(rng.choice(EXTRAS))
        names = list(fields)
        rng.shuffle(names)
        bodies.append(body({name: fields[name] for name in names}))
    return bodies


CORPUS = corpus()


def test_schema_and_handler_agree_on_every_body():
    disagreements = []
    for text in CORPUS:
        document = load(text)
        verdicts = (schema_accepts(document), handler_accepts(document))
        if verdicts[0] != verdicts[1]:
            disagreements.append((text, verdicts))
    assert disagreements == [], f"(body, (schema, handler)): {disagreements[:10]}"


def test_the_corpus_has_accepted_and_refused_bodies_of_every_group():
    verdicts: dict[int, set[bool]] = defaultdict(set)
    for text in CORPUS:
        document = load(text)
        if (
            isinstance(document, dict)
            and isinstance(document.get("currency"), str)
            and document["currency"] in MINOR_UNITS
        ):
            verdicts[MINOR_UNITS[document["currency"]]].add(handler_accepts(document))
    assert dict(verdicts) == {0: {True, False}, 2: {True, False}, 3: {True, False}, 4: {True, False}}
    accepted = sum(handler_accepts(load(text)) for text in CORPUS)
    assert 100 < accepted < len(CORPUS) - 100, (accepted, len(CORPUS))


@pytest.mark.parametrize(
    ("currency", "at_precision", "beyond"),
    [
        ("JPY", ['"1"', "1", "1E+2", "1.0"], ['"1.0"', "1.5", "1e-1"]),
        ("USD", ['"0.01"', "0.01", "10.50", "1.500"], ['"0.001"', "0.001", '"1.500"']),
        ("KWD", ['"0.001"', "0.001", "1.5000"], ['"0.0001"', "0.0001"]),
        ("CLF", ['"0.0001"', "0.0001", "1.00000"], ['"0.00001"', "0.00001"]),
    ],
)
def test_both_accept_each_group_at_its_precision_and_refuse_beyond(currency, at_precision, beyond):
    for amount, expected in [(amount, True) for amount in at_precision] + [(amount, False) for amount in beyond]:
        document = load(body({"amount": amount, "currency": json.dumps(currency), "userId": '"u"'}))
        assert schema_accepts(document) is handler_accepts(document) is expected, (currency, amount)


def test_description_null_is_accepted_by_both():
    document = load('{"amount":"1","currency":"USD","userId":"u","description":null}')
    assert schema_accepts(document) and handler_accepts(document)
