"""No secret reaches the output of a run, even at -vvv, nor the outputs file.

The runs are those of `make demo` (scripts/demo.sh: a dev converge, the outputs table, a second converge) at -vvv,
against an emulator of the test's own (the demo script itself uses the repository's outputs/ and .emulator/, shared
with whoever else runs it, and takes no verbosity): the first converge makes and imports a self-signed certificate,
the second imports a certificate and key given as variables, the way an internal CA's are. Then:
- the database master secret (managed by RDS in Secrets Manager, read back from the emulator) appears nowhere;
- no private key: no PEM "PRIVATE KEY" block and none of either key's base64 lines;
- no AWS credential: the caller's environment credentials (distinctive random values) appear nowhere, and every
  access_key/secret_key a module prints is Ansible's no-log marker.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import secrets
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import emulator  # tests/tools
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from stack_state import aws  # tests/tools

pytestmark = [pytest.mark.integration, pytest.mark.long]

REPO = Path(__file__).resolve().parents[2]
ENV = "dev"
DOMAIN = "api-dev.payments.internal"
NO_LOG = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
CREDENTIAL_ARGS = re.compile(
    r'"(?P<key>access_key|secret_key|session_token|aws_access_key_id|aws_secret_access_key|aws_secret_key'
    r'|aws_session_token|private_key|password)": "(?P<value>[^"]*)"'
)


@dataclass
class Runs:
    endpoint: str
    outputs: dict
    text: str  # everything the runs printed, then every outputs file
    certificate_dir: Path
    given_certificate_pem: str
    given_key_pem: str
    environment_credentials: tuple[str, str]


def make_certificate() -> tuple[str, str]:
    """A certificate and key for the domain, PEM, standing in for the internal CA's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DOMAIN)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(DOMAIN)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_pem


def key_lines(pem: str) -> list[str]:
    """The base64 body lines of a PEM key (each long enough to be the key's own)."""
    lines = [line.strip() for line in pem.splitlines() if line.strip() and not line.startswith("-----")]
    assert len(lines) > 10, pem[:80]
    return lines


def acm_certificates(endpoint: str) -> list[str]:
    acm = aws("acm", endpoint)
    return [
        acm.get_certificate(CertificateArn=summary["CertificateArn"])["Certificate"].strip()
        for summary in acm.list_certificates()["CertificateSummaryList"]
    ]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    work = tmp_path_factory.mktemp("secrets")
    state_file = work / "emulator.json"
    endpoint = emulator.start(state_file)["url"]
    outputs_dir = work / "outputs"
    certificate_dir = work / "certs"
    certificate_pem, key_pem = make_certificate()
    given = work / "internal-ca.json"
    given.write_text(json.dumps({"apigw_waf_certificate_pem": certificate_pem, "apigw_waf_private_key_pem": key_pem}))
    given.chmod(0o600)
    # The caller's own credentials: a loopback endpoint gets fake ones, but nothing may print these either.
    credentials = ("AKIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30))
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
        "AWS_ACCESS_KEY_ID": credentials[0],
        "AWS_SECRET_ACCESS_KEY": credentials[1],
    }

    def run(*command: str) -> str:
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-3000:]
        return output

    converge = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        "site.yml",
        "-i",
        f"inventories/{ENV}",
        "-vvv",
        "-e",
        f"aws_endpoint_url={endpoint}",
        "-e",
        f"payments_outputs_dir={outputs_dir}",
        "-e",
        f"apigw_waf_certificate_dir={certificate_dir}",
    ]
    try:
        texts = [run(*converge)]
        texts.append(run(sys.executable, "scripts/outputs_table.py", str(outputs_dir / f"{ENV}.json")))
        texts.append(run(*converge, "-e", f"@{given}"))
        texts += [path.read_text() for path in sorted(outputs_dir.glob("*.json"))]
        outputs = json.loads((outputs_dir / f"{ENV}.json").read_text())
        yield Runs(endpoint, outputs, "\n".join(texts), certificate_dir, certificate_pem, key_pem, credentials)
    finally:
        emulator.stop(state_file)


def test_the_database_master_secret_appears_nowhere(runs):
    secret_arn = runs.outputs["rds_kms"]["db_secret_arn"]
    secret = aws("secretsmanager", runs.endpoint).get_secret_value(SecretId=secret_arn)
    password = json.loads(secret["SecretString"])["password"]
    assert len(password) >= 8

    assert password not in runs.text
    assert secret["SecretString"] not in runs.text
    assert secret_arn in runs.text  # the ARN is no secret, and shows the text is complete


def test_no_private_key_appears(runs):
    made_key = (runs.certificate_dir / f"{DOMAIN}.key").read_text()
    # The given key went through the second run: ACM holds its certificate now.
    assert runs.given_certificate_pem.strip() in acm_certificates(runs.endpoint)

    assert "PRIVATE KEY" not in runs.text
    assert [line for line in key_lines(made_key) if line in runs.text] == []
    assert [line for line in key_lines(runs.given_key_pem) if line in runs.text] == []


def test_the_made_key_is_kept_private_outside_the_repository(runs):
    key_file = runs.certificate_dir / f"{DOMAIN}.key"

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(runs.certificate_dir.stat().st_mode) == 0o700
    assert REPO not in key_file.resolve().parents


def test_no_aws_credential_appears(runs):
    printed = [(match["key"], match["value"]) for match in CREDENTIAL_ARGS.finditer(runs.text)]

    assert ("secret_key", NO_LOG) in printed  # -vvv printed the modules' arguments
    assert [(key, value) for key, value in printed if value not in (NO_LOG, "")] == []
    for credential in runs.environment_credentials:
        assert credential not in runs.text


def test_the_given_certificate_serves_the_custom_domain(runs):
    arn = runs.outputs["apigw_waf"]["certificate_arn"]

    assert arn
    certificate = aws("acm", runs.endpoint).get_certificate(CertificateArn=arn)["Certificate"]
    assert certificate.strip() == runs.given_certificate_pem.strip()
