"""A real security scanner on the stack: Prowler (AWS provider, its own venv, scripts/prowler.sh) scans a prod
converged on a fresh emulator, for the services the stack uses. Every FAIL must be listed, with its reason, in
tests/integration/prowler_accepted.yml (the source of truth docs/security.md explains); a listed FAIL that no
longer occurs fails the test too (fixed: remove the entry).

Long: the converge takes about two minutes, the scan one to two, and the first run creates .venv-prowler
(several minutes, about 250 packages from PyPI)."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections import Counter
from pathlib import Path

import boto3
import emulator  # tests/tools
import pytest
import yaml

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
ACCEPTED = Path(__file__).with_name("prowler_accepted.yml")
SECURITY_DOC = REPO / "docs" / "security.md"
STACK = "payments-prod"
# Made by this collection but named for the account (apigw_waf_cloudwatch_role_name), not for a stack.
COLLECTION_ACCOUNT_RESOURCES = ("role/payments-apigateway-cloudwatch",)


def load_accepted() -> dict[str, list[dict]]:
    accepted = yaml.safe_load(ACCEPTED.read_text())
    for scope in ("stack", "account"):
        for entry in accepted[scope]:
            assert entry.get("check") and entry.get("why"), f"{ACCEPTED.name}: {entry} needs a check and a why"
            assert entry["reason"] in ("contract", "not-applicable", "emulator", "account", "open"), entry
    return accepted


def stack_ids(endpoint: str, outputs: dict) -> set[str]:
    """Ids and ARNs of the stack's resources that do not carry its name: every string of outputs/prod.json
    (VPC, subnets, API id, DB secret ARN, key id...) and the network ACLs of the stack's VPC."""

    def strings(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)
        elif isinstance(value, str) and len(value) >= 8:
            yield value

    ids = {value for value in strings(outputs) if value not in (outputs["account_id"], outputs["region"])}
    ec2 = boto3.client(
        "ec2",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    vpc_id = outputs["vpc"]["vpc_id"]
    acls = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NetworkAcls"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    return ids | {acl["NetworkAclId"] for acl in acls} | {group["GroupId"] for group in groups}


def is_stack_finding(finding: dict, ids: set[str]) -> bool:
    resource = finding["resources"][0]
    text = f"{resource['uid']} {resource.get('name', '')}"
    return (
        f"Stack:{STACK}" in resource.get("labels", [])
        or STACK in text
        or "prod-payments-" in text  # IAM roles: <env>-payments-... (DESIGN.md)
        or any(marker in text for marker in COLLECTION_ACCOUNT_RESOURCES)
        or any(identifier in text for identifier in ids)
    )


def matches(entry: dict, finding: dict) -> bool:
    resource = finding["resources"][0]["uid"]
    return finding["metadata"]["event_code"] == entry["check"] and (
        "resource" not in entry or re.search(entry["resource"], resource) is not None
    )


def counts_table(findings: list[dict]) -> str:
    counts = Counter((f["finding_info"]["analytic"]["category"], f["status_code"]) for f in findings)
    services = sorted({service for service, _ in counts})
    lines = ["| service | PASS | FAIL | MANUAL |", "|---|---|---|---|"]
    lines += [f"| {s} | {counts[s, 'PASS']} | {counts[s, 'FAIL']} | {counts[s, 'MANUAL']} |" for s in services]
    return "\n".join(lines)


def test_accepted_list_and_doc_agree():
    """Quick (runs in make test): every entry of the allow-list is explained in docs/security.md (by its check id)."""
    accepted = load_accepted()
    doc = SECURITY_DOC.read_text()
    missing = sorted({e["check"] for scope in accepted.values() for e in scope if e["check"] not in doc})
    assert not missing, f"docs/security.md does not explain: {missing}"


@pytest.mark.long
def test_prowler_finds_nothing_unexplained_on_prod(new_emulator, playbook, tmp_path):
    accepted = load_accepted()
    endpoint = new_emulator()
    started = time.monotonic()
    run = playbook("site.yml", "-i", "inventories/prod", *emulator.ALLOW_SELF_SIGNED_CERTIFICATE, endpoint=endpoint)
    assert run.returncode == 0, run.output[-3000:]
    converged = time.monotonic()

    scan_dir = tmp_path / "prowler"
    scan = subprocess.run(
        [str(REPO / "scripts" / "prowler.sh"), endpoint, str(scan_dir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=3600,  # the first run installs .venv-prowler
    )
    assert scan.returncode == 0, (scan.stdout + scan.stderr)[-3000:]
    scanned = time.monotonic()
    findings = json.loads((scan_dir / "prowler.ocsf.json").read_text())
    assert findings, "Prowler reported no finding at all: it scanned nothing"

    outputs = json.loads((playbook.outputs_dir / "prod.json").read_text())
    ids = stack_ids(endpoint, outputs)
    stack = [f for f in findings if is_stack_finding(f, ids)]
    account = [f for f in findings if not is_stack_finding(f, ids)]
    print(f"\nconverge {converged - started:.0f} s, scan {scanned - converged:.0f} s")
    print(f"stack resources ({len(stack)} findings):\n{counts_table(stack)}")
    print(f"account and emulator resources ({len(account)} findings):\n{counts_table(account)}")
    # The scan really covered the stack: each service the stack uses has findings on it.
    covered = {f["finding_info"]["analytic"]["category"] for f in stack}
    expected = {"apigateway", "awslambda", "cloudwatch", "dynamodb", "ec2", "iam", "kms", "rds", "s3", "sns", "wafv2"}
    assert expected <= covered, f"no finding on the stack's {sorted(expected - covered)}"

    unexplained, used = [], set()
    for scope, scope_findings in (("stack", stack), ("account", account)):
        for finding in scope_findings:
            if finding["status_code"] != "FAIL":
                continue
            hits = [i for i, entry in enumerate(accepted[scope]) if matches(entry, finding)]
            used.update((scope, i) for i in hits)
            if not hits:
                resource = finding["resources"][0]["uid"]
                unexplained.append(f"{scope}: {finding['metadata']['event_code']} on {resource}: {finding['message']}")
    stale = [
        f"{scope}: {entry['check']} {entry.get('resource', '')}"
        for scope in ("stack", "account")
        for i, entry in enumerate(accepted[scope])
        if (scope, i) not in used
    ]
    assert not unexplained, "FAILs neither fixed nor listed in prowler_accepted.yml:\n" + "\n".join(unexplained)
    assert not stale, "prowler_accepted.yml lists FAILs that no longer occur (remove them):\n" + "\n".join(stale)
