"""The self-signed certificate of the custom domain on a fresh controller (an AWX job's new container, another
laptop): where ACM already holds the stack's certificate, a converge without the local key and certificate files
changes nothing, plans nothing, writes no file and imports no second certificate.

prod's inventory refuses a self-signed certificate (test_bad_input.py); dev, which allows it, is converged here.
"""

from __future__ import annotations

import json
import shutil

import pytest
from stack_state import aws

# In make test-long (CI runs it after make test): two to four converges, which make test's 30 minutes cannot afford.
pytestmark = [pytest.mark.integration, pytest.mark.long]

ENV = "dev"
HOST = f"payments-{ENV}"
DOMAIN = f"api-{ENV}.payments.internal"


def stack_certificates(endpoint: str) -> list[str]:
    acm = aws("acm", endpoint)
    summaries = acm.list_certificates()["CertificateSummaryList"]
    return sorted(
        summary["CertificateArn"]
        for summary in summaries
        if summary["DomainName"] == DOMAIN
        and {"Key": "Stack", "Value": HOST}
        in acm.list_tags_for_certificate(CertificateArn=summary["CertificateArn"])["Tags"]
    )


def test_a_fresh_controller_finds_the_certificate_in_acm_and_changes_nothing(new_emulator, playbook, tmp_path):
    endpoint = new_emulator()
    certificate_dir = tmp_path / "certs"
    converge = ("site.yml", "-i", f"inventories/{ENV}", "-e", f"apigw_waf_certificate_dir={certificate_dir}")

    first = playbook(*converge, endpoint=endpoint)
    assert first.returncode == 0, first.output[-3000:]
    assert (certificate_dir / f"{DOMAIN}.key").is_file()
    outputs_file = playbook.outputs_dir / f"{ENV}.json"
    arn = json.loads(outputs_file.read_text())["apigw_waf"]["certificate_arn"]
    assert stack_certificates(endpoint) == [arn]

    # The controller's files are gone: a plan reads ACM, reports nothing to do and writes nothing.
    shutil.rmtree(certificate_dir)
    plan = playbook(*converge, "--check", "--diff", endpoint=endpoint)
    assert plan.returncode == 0, plan.output[-3000:]
    assert plan.recap[HOST]["changed"] == 0, plan.output[-3000:]
    assert not certificate_dir.exists()

    # The outputs file is written again by the run (changed only if its content differs).
    second = playbook(*converge, endpoint=endpoint)
    assert second.returncode == 0, second.output[-3000:]
    assert second.recap[HOST]["changed"] == 0, second.output[-3000:]
    assert not certificate_dir.exists(), "a key was made although ACM holds the certificate"
    assert json.loads(outputs_file.read_text())["apigw_waf"]["certificate_arn"] == arn
    assert stack_certificates(endpoint) == [arn]
