"""Reliability (issue 6), through the recording, fault-injecting proxy (tests/tools/aws_proxy.py):

- a second converge and the plan (``--check --diff``) on a converged environment, and the plan on an empty
  account, send no mutating AWS call at all (not only changed=0);
- prod converges under throttling and server errors to the same end state as a clean run, with no create made
  twice; then a destroy under the same faults removes it, and a second one changes nothing (long).

The proxy answers a faulted call instead of forwarding it, so these runs prove retries and idempotent reads,
not a create whose answer was lost after it took effect (that needs a forward-then-fail mode in the proxy).

Every run prints the calls per service (``pytest -s`` shows the tables); a failing assertion carries them too."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import aws_proxy  # tests/tools, put on the path by tests/conftest.py
import emulator
import pytest
import stack_state

pytestmark = pytest.mark.integration

DEV = ("-i", "inventories/dev")
PROD = ("-i", "inventories/prod")
# prod refuses a self-signed certificate; the emulator has no internal CA to give it one.
CONVERGE_PROD = (*PROD, *emulator.ALLOW_SELF_SIGNED_CERTIFICATE)
PLAN = ("--check", "--diff")
REPO = Path(__file__).resolve().parents[2]
RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+ok=\d+\s+changed=(?P<changed>\d+)\s", re.MULTILINE)
# About one call in eight answered with an error instead of being forwarded; the seed makes a run repeatable.
FAULTS = {"throttle_rate": 0.10, "error_rate": 0.02, "seed": 6}
CONFIRM_PROD = ("-e", "confirm_destroy=payments-prod")


def calls_table(title: str, summary: dict) -> str:
    """Calls and forwarded mutating calls per service, as a small text table."""
    rows = [f"{title}: {summary['calls']} calls, {summary['mutating_calls']} mutating, faults {summary['faults']}"]
    rows.append(f"  {'service':<26}{'calls':>7}{'mutating':>10}")
    for service, counts in summary["services"].items():
        rows.append(f"  {service:<26}{counts['calls']:>7}{counts['mutating']:>10}")
    return "\n".join(rows)


def report(title: str, proxy) -> tuple[list[str], str]:
    """The forwarded mutating calls of the proxy's current log, and its table (printed)."""
    table = calls_table(title, proxy.summary())
    print(f"\n{table}")
    return proxy.mutating(), table


def test_a_rerun_and_the_plan_send_no_mutating_call(new_emulator, new_proxy, playbook):
    endpoint = new_emulator()
    # An account of its own, empty: the plan must only read, even where there is nothing to read.
    empty_proxy = new_proxy(new_emulator())
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(playbook, "site.yml", *DEV, endpoint=endpoint)
        empty_plan = pool.submit(playbook, "site.yml", *DEV, *PLAN, endpoint=empty_proxy.url).result()
        first = first.result()
        assert first.returncode == 0, first.output[-3000:]
        # The second converge and the plan at once, each through a proxy of its own.
        rerun_proxy, plan_proxy = new_proxy(endpoint), new_proxy(endpoint)
        rerun = pool.submit(playbook, "site.yml", *DEV, endpoint=rerun_proxy.url)
        plan = pool.submit(playbook, "site.yml", *DEV, *PLAN, endpoint=plan_proxy.url)
        rerun, plan = rerun.result(), plan.result()
    rerun_writes, rerun_table = report("second converge of dev", rerun_proxy)
    plan_writes, plan_table = report("plan on converged dev", plan_proxy)
    empty_writes, empty_table = report("plan on an empty account", empty_proxy)

    assert rerun.returncode == 0, rerun.output[-3000:]
    assert rerun.recap["payments-dev"]["changed"] == 0, rerun.output[-6000:]
    assert rerun_writes == [], rerun_table
    assert plan.returncode == 0, plan.output[-3000:]
    assert plan.recap["payments-dev"]["changed"] == 0, plan.output[-6000:]
    assert plan_writes == [], plan_table
    assert empty_plan.returncode == 0, empty_plan.output[-3000:]
    assert empty_plan.recap["payments-dev"]["changed"] > 0
    assert empty_writes == [], empty_table
    # Every call went through the proxies, and each was named: none can hide a write under an unknown name.
    for proxied, table in ((rerun_proxy, rerun_table), (plan_proxy, plan_table), (empty_proxy, empty_table)):
        summary = proxied.summary()
        assert summary["unnamed"] == {}, table
        # A floor, not a bound: the smallest of the three (the plan on an empty account) makes 29 calls
        # across 12 services; 20 shows the playbooks' calls reached the proxy without pinning a count
        # that each call saved would break.
        assert summary["calls"] > 20, table


# --------------------------------------------------------------------------------------------------
# Faults (long): prod under throttling and 5xx, converged and destroyed
# --------------------------------------------------------------------------------------------------


def ansible_playbook(outputs_dir: Path, *args: str, endpoint: str) -> tuple[int, str]:
    """The same call as conftest.py's ``playbook`` fixture, usable at module scope and from threads."""
    command = [str(Path(sys.executable).parent / "ansible-playbook"), *args]
    command += ["-e", f"payments_outputs_dir={outputs_dir}", "-e", f"aws_endpoint_url={endpoint}"]
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0"}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    return done.returncode, done.stdout + done.stderr


def changed_count(output: str, host: str = "payments-prod") -> int:
    return next(int(match["changed"]) for match in RECAP.finditer(output) if match["host"] == host)


def forwarded(records: list[dict], prefix: str = "") -> Counter:
    """Mutating calls the emulator answered with success, per ``service:Operation`` (faulted ones never
    reached it)."""
    return Counter(
        f"{record['service']}:{record['operation']}"
        for record in records
        if record["mutating"]
        and not record.get("fault")
        and int(record["status"]) < 400
        and record["operation"].startswith(prefix)
    )


def fault_summary(title: str, records: list[dict]) -> tuple[dict, str]:
    summary = aws_proxy.summarise(records)
    table = calls_table(title, summary)
    faulted_operations = Counter(
        f"{record['fault']} {record['service']}:{record['operation']}" for record in records if record.get("fault")
    )
    print(f"\n{table}\n  faulted mutating calls: {summary['mutating_faulted']}")
    print(f"  faults by operation: {dict(sorted(faulted_operations.items()))}")
    return summary, table


@dataclass
class FaultedProd:
    clean_endpoint: str  # emulator A: prod converged without faults
    faulted_endpoint: str  # emulator B: prod converged through the faulting proxy
    faulted_proxy: str
    workdir: Path
    clean: tuple[int, str]
    faulted: tuple[int, str]
    clean_log: Path
    faulted_log: Path


@pytest.fixture(scope="module")
def faulted_prod(tmp_path_factory):
    """prod converged twice at once: cleanly on emulator A, and through a proxy throttling 10 % and failing 2 %
    of the calls on emulator B. Both through a proxy, so their calls can be compared."""
    workdir = tmp_path_factory.mktemp("reliability")
    state_files = [workdir / "emulator-a.json", workdir / "emulator-b.json"]
    try:
        clean_endpoint, faulted_endpoint = (emulator.start(state_file)["url"] for state_file in state_files)
        clean_log, faulted_log = workdir / "clean-converge.jsonl", workdir / "faulted-converge.jsonl"
        with (
            aws_proxy.running_proxy(clean_endpoint, clean_log) as clean_proxy,
            aws_proxy.running_proxy(faulted_endpoint, faulted_log, **FAULTS) as faulted_proxy,
            ThreadPoolExecutor(2) as pool,
        ):
            clean = pool.submit(ansible_playbook, workdir / "clean", "site.yml", *CONVERGE_PROD, endpoint=clean_proxy)
            faulted = pool.submit(
                ansible_playbook, workdir / "faulted", "site.yml", *CONVERGE_PROD, endpoint=faulted_proxy
            )
            yield FaultedProd(
                clean_endpoint,
                faulted_endpoint,
                faulted_proxy,
                workdir,
                clean.result(),
                faulted.result(),
                clean_log,
                faulted_log,
            )
    finally:
        for state_file in state_files:
            emulator.stop(state_file)


@pytest.mark.long
def test_prod_converges_under_faults_to_the_state_of_a_clean_run(faulted_prod):
    clean_rc, clean_output = faulted_prod.clean
    faulted_rc, faulted_output = faulted_prod.faulted
    clean_records, faulted_records = (
        aws_proxy.read_log(log) for log in (faulted_prod.clean_log, faulted_prod.faulted_log)
    )
    _, clean_table = fault_summary("clean prod converge", clean_records)
    summary, faulted_table = fault_summary("prod converge under faults", faulted_records)

    assert clean_rc == 0, clean_output[-3000:]
    assert faulted_rc == 0, faulted_output[-6000:]
    # Faults were injected, of both kinds, on writes too.
    kinds = Counter(record["fault_kind"] for record in faulted_records if record.get("fault"))
    assert kinds["throttle"] > 0 and kinds["server_error"] > 0, faulted_table
    assert summary["mutating_faulted"] > 0, faulted_table
    # Every change of the clean run, and nothing made twice: the creates that reached the emulator are the same.
    assert changed_count(faulted_output) == changed_count(clean_output)
    assert forwarded(faulted_records, "Create") == forwarded(clean_records, "Create"), (
        forwarded(faulted_records) - forwarded(clean_records),
        forwarded(clean_records) - forwarded(faulted_records),
    )

    # The same end state: verify passes on B, and B reads back as A does, resource by resource.
    rc, verify = ansible_playbook(
        faulted_prod.workdir / "faulted", "playbooks/verify.yml", *PROD, endpoint=faulted_prod.faulted_endpoint
    )
    assert rc == 0, verify[-4000:]
    report = json.loads((faulted_prod.workdir / "faulted" / "prod-verify.json").read_text())
    assert report["passed"] is True
    clean_state = stack_state.snapshot(faulted_prod.clean_endpoint)
    faulted_state = stack_state.snapshot(faulted_prod.faulted_endpoint)
    assert clean_state["network"]["vpcs"] and clean_state["api gateway"]["apis"] and clean_state["waf"]["web acls"]
    differences = stack_state.differences(clean_state, faulted_state)
    assert differences == [], "\n".join(differences)


@pytest.mark.long
def test_prod_is_destroyed_under_faults_and_a_second_destroy_changes_nothing(faulted_prod):
    assert faulted_prod.faulted[0] == 0, "the faulted converge failed: see the test above"
    endpoint = faulted_prod.faulted_endpoint
    outputs_dir = faulted_prod.workdir / "faulted"
    prod_key = json.loads((outputs_dir / "prod.json").read_text())["rds_kms"]["key_arn"]
    proxy = faulted_prod.faulted_proxy
    aws_proxy.configure(proxy, **FAULTS)  # counts afresh: the destroy meets faults of its own

    destroy_log = aws_proxy.rotate_log(proxy, faulted_prod.workdir / "faulted-destroy.jsonl")
    rc, destroy = ansible_playbook(outputs_dir, "playbooks/destroy.yml", *PROD, *CONFIRM_PROD, endpoint=proxy)
    summary, table = fault_summary("prod destroy under faults", aws_proxy.read_log(destroy_log))

    assert rc == 0, destroy[-6000:]
    assert changed_count(destroy) > 0
    assert summary["mutating_faulted"] > 0, table
    assert stack_state.left_by_service(endpoint, "prod") == stack_state.NOTHING_LEFT | {
        "kms aliases": ["alias/payments-prod-data"]
    }
    # One final snapshot (not one per retry), and the key it is encrypted with: nothing else is tagged.
    snapshots = stack_state.aws("rds", endpoint).describe_db_snapshots()["DBSnapshots"]
    assert [snapshot["DBInstanceIdentifier"] for snapshot in snapshots] == ["payments-prod-db"], snapshots
    assert stack_state.tagged(endpoint, "Stack", "payments-prod") == sorted([snapshots[0]["DBSnapshotArn"], prod_key])

    again_log = aws_proxy.rotate_log(proxy, faulted_prod.workdir / "faulted-destroy-again.jsonl")
    rc, again = ansible_playbook(outputs_dir, "playbooks/destroy.yml", *PROD, *CONFIRM_PROD, endpoint=proxy)
    again_records = aws_proxy.read_log(again_log)
    _, again_table = fault_summary("second prod destroy under faults", again_records)

    assert rc == 0, again[-6000:]
    assert changed_count(again) == 0, again[-6000:]
    # Not even a delete of something already gone (faulted or not): a rerun only reads.
    assert [f"{r['service']}:{r['operation']}" for r in again_records if r["mutating"]] == [], again_table
    assert stack_state.tagged(endpoint, "Stack", "payments-prod") == sorted([snapshots[0]["DBSnapshotArn"], prod_key])
