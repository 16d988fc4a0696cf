"""payments.aws_platform.acm_certificate_import against the emulator."""

import datetime

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

MODULE = "acm_certificate_import"


@pytest.fixture
def acm(emulator_url):
    return boto3.client(
        "acm",
        endpoint_url=emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def domain(unique_name):
    # A certificate's common name is at most 64 characters: keep only the unique suffix.
    return f"api-{unique_name[-8:]}.payments.internal"


def self_signed(domain):
    """(certificate PEM, private key PEM) for ``domain``; a new serial each call."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()


def imported(acm, domain):
    summaries = acm.list_certificates()["CertificateSummaryList"]
    return [summary["CertificateArn"] for summary in summaries if summary["DomainName"] == domain]


def args(domain, pem, key, **extra):
    return {
        "domain_name": domain,
        "certificate": pem,
        "private_key": key,
        "match_tags": {"Stack": "test"},
        "tags": {"Project": "payments"},
        **extra,
    }


def test_check_mode_imports_nothing(run_module, acm, domain):
    pem, key = self_signed(domain)

    result = run_module(MODULE, args(domain, pem, key), check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert imported(acm, domain) == []


def test_import_then_rerun_makes_no_second_import(run_module, acm, domain):
    pem, key = self_signed(domain)

    first = run_module(MODULE, args(domain, pem, key))
    again = run_module(MODULE, args(domain, pem, key))

    assert first["failed"] is False, first.get("msg")
    assert first["changed"] is True
    assert again["changed"] is False
    assert imported(acm, domain) == [first["certificate"]["certificate_arn"]]
    assert again["certificate"]["certificate_arn"] == first["certificate"]["certificate_arn"]
    tags = {
        tag["Key"]: tag["Value"]
        for tag in acm.list_tags_for_certificate(CertificateArn=imported(acm, domain)[0])["Tags"]
    }
    assert tags == {"Stack": "test", "Project": "payments"}
    assert key not in str(first)


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_new_certificate_is_reimported_under_the_same_arn(run_module, acm, domain, check_mode):
    first_pem, first_key = self_signed(domain)
    first = run_module(MODULE, args(domain, first_pem, first_key))
    arn = first["certificate"]["certificate_arn"]
    second_pem, second_key = self_signed(domain)

    result = run_module(MODULE, args(domain, second_pem, second_key), check_mode=check_mode, diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"]["fingerprint_sha256"] != result["diff"]["after"]["fingerprint_sha256"]
    assert imported(acm, domain) == [arn]
    held = acm.get_certificate(CertificateArn=arn)["Certificate"]
    assert (held.strip() == first_pem.strip()) is check_mode


def test_a_certificate_for_another_domain_is_refused(run_module, acm, domain):
    pem, key = self_signed("other.payments.internal")

    result = run_module(MODULE, args(domain, pem, key))

    assert result["failed"] is True
    assert "domain_name" in result["msg"]
    assert imported(acm, domain) == []


def test_other_stacks_certificates_are_left_alone(run_module, acm, domain):
    pem, key = self_signed(domain)
    run_module(MODULE, args(domain, pem, key, match_tags={"Stack": "other"}))

    result = run_module(MODULE, args(domain, pem, key))

    assert result["changed"] is True
    assert len(imported(acm, domain)) == 2


def test_absent_deletes_only_the_matching_certificate(run_module, acm, domain):
    pem, key = self_signed(domain)
    ours = run_module(MODULE, args(domain, pem, key))["certificate"]["certificate_arn"]
    theirs = run_module(MODULE, args(domain, pem, key, match_tags={"Stack": "other"}))["certificate"]["certificate_arn"]

    first = run_module(MODULE, {"domain_name": domain, "match_tags": {"Stack": "test"}, "state": "absent"})
    second = run_module(MODULE, {"domain_name": domain, "match_tags": {"Stack": "test"}, "state": "absent"})

    assert first["changed"] is True
    assert second["changed"] is False
    assert imported(acm, domain) == [theirs]
    assert ours != theirs
