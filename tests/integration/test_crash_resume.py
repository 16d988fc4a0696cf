"""Crash and resume: a converge killed (SIGKILL, the whole process group) in the middle of a task, then
converged again, leaves exactly one of every resource a clean converge makes.

Each seed starts a cold prod converge on a fresh emulator, behind the recording proxy, and kills it in
one of the tasks that write (the tasks a clean converge reports changed, in the order it runs them).
The ten seeds split that list into ten consecutive slices and each picks its task in its own slice with
``random.Random(seed)``, so the kills cover every role. In the chosen task the seed either kills a
random 0.2-1.5 s after the task starts (the module starting or mid-call), or right after the task's
first or second write has reached the emulator, before the module reads the answer (a resource made
whose id the run never learnt: the case that makes duplicates). The next converge must succeed, and
the account must hold what a clean converge makes, type by type (tests/tools/stack_inventory.py).
"""

from __future__ import annotations

import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import emulator  # tests/tools
import pytest
import stack_inventory  # tests/tools

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
ENV = "prod"
HOST = f"payments-{ENV}"
SEEDS = range(10)
TASK_HEADER = re.compile(r"^TASK \[(?P<name>.+?)\] \*+\s*$")
CONVERGE_TIMEOUT = 900
# A task that makes fewer writes than the seed waits for is killed when the next one starts.
KILL_DELAYS_S = (0.2, 1.5)


def converge_command(endpoint: str, outputs_dir: Path) -> list[str]:
    return [
        str(Path(sys.executable).parent / "ansible-playbook"),
        "site.yml",
        "-i",
        f"inventories/{ENV}",
        *emulator.ALLOW_SELF_SIGNED_CERTIFICATE,
        "-e",
        f"aws_endpoint_url={endpoint}",
        "-e",
        f"payments_outputs_dir={outputs_dir}",
    ]


def converge_env() -> dict[str, str]:
    return {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0"}


def converge(endpoint: str, outputs_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        converge_command(endpoint, outputs_dir),
        cwd=REPO,
        env=converge_env(),
        capture_output=True,
        text=True,
        timeout=CONVERGE_TIMEOUT,
    )


def recap(output: str) -> dict[str, int]:
    match = re.search(
        rf"^{re.escape(HOST)}\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output, re.M
    )
    assert match, output[-3000:]
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, match.groups()), strict=True))


def writing_tasks(output: str) -> list[tuple[int, str]]:
    """(1-based header number, task name) of every role task a converge's output shows as changed."""
    tasks = []
    for number, block in enumerate(re.split(r"^(?=TASK \[)", output, flags=re.M)[1:], start=1):
        name = TASK_HEADER.match(block.splitlines()[0])["name"]
        # Tasks delegated to localhost (the certificate files, kept across runs) make no AWS change.
        if name.startswith("payments.aws_platform.") and re.search(r"^changed: \[[^\]>]+\]", block, re.M):
            tasks.append((number, name))
    return tasks


@pytest.fixture(scope="module")
def clean_converge(tmp_path_factory):
    """A cold converge of a fresh emulator: the tasks that write, in order, and the resources made."""
    workdir = tmp_path_factory.mktemp("clean")
    state_file = workdir / "emulator.json"
    endpoint = emulator.start(state_file)["url"]
    try:
        done = converge(endpoint, workdir / "outputs")
        assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
        counts = stack_inventory.counts(stack_inventory.inventory(endpoint))
    finally:
        emulator.stop(state_file)
    tasks = writing_tasks(done.stdout)
    assert len(tasks) >= len(SEEDS), tasks
    return {"tasks": tasks, "counts": counts}


def choose_kill(seed: int, tasks: list[tuple[int, str]]) -> dict:
    rng = random.Random(seed)
    position = seed % len(SEEDS)
    share = tasks[position * len(tasks) // len(SEEDS) : (position + 1) * len(tasks) // len(SEEDS)]
    number, name = rng.choice(share)
    writes = rng.choice([0, 1, 1, 2])
    return {"header": number, "task": name, "writes": writes, "delay": round(rng.uniform(*KILL_DELAYS_S), 2)}


class ProxyLogTail:
    """The mutating calls the proxy forwarded, read as they are logged."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = 0
        self.writes: list[str] = []

    def poll(self) -> list[str]:
        if not self.path.exists():
            return self.writes
        with open(self.path, encoding="utf-8") as log:
            log.seek(self.offset)
            chunk = log.read()
        complete = chunk[: chunk.rfind("\n") + 1]
        self.offset += len(complete.encode("utf-8"))
        for line in complete.splitlines():
            record = json.loads(line)
            if record.get("mutating") and not record.get("fault"):
                self.writes.append(f"{record['service']}:{record['operation']}")
        return self.writes


def converge_and_kill(endpoint: str, outputs_dir: Path, proxy_log: Path, kill: dict) -> dict:
    """Start a converge, SIGKILL its process group in the chosen task; what was running then."""
    process = subprocess.Popen(
        converge_command(endpoint, outputs_dir),
        cwd=REPO,
        env=converge_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        start_new_session=True,
    )
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    tail = ProxyLogTail(proxy_log)
    headers, current, started, writes_before, output = 0, None, None, 0, []
    deadline = time.monotonic() + CONVERGE_TIMEOUT
    reason = None
    try:
        while reason is None:
            if time.monotonic() > deadline:
                reason = "timeout"
                break
            try:
                line = lines.get(timeout=0.05)
            except queue.Empty:
                line = ""
            if line is None:
                break  # the converge ended before the chosen task
            output.append(line)
            header = TASK_HEADER.match(line)
            if header:
                headers += 1
                current = header["name"]
                if started is not None:
                    reason = "the next task started"
                elif headers == kill["header"]:
                    started = time.monotonic()
                    writes_before = len(tail.poll())
            if started is None or reason:
                continue
            if kill["writes"] == 0:
                if time.monotonic() - started >= kill["delay"]:
                    reason = f"{kill['delay']} s into the task"
            elif len(tail.poll()) - writes_before >= kill["writes"]:
                reason = f"after write {kill['writes']} of the task"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    writes = tail.poll()[writes_before:] if started is not None else []
    return {
        "killed_in": current,
        "reason": reason,
        "task_writes_before_kill": writes,
        "returncode": process.returncode,
        "output": "".join(output),
    }


@pytest.mark.long
@pytest.mark.parametrize("seed", SEEDS)
def test_a_converge_killed_mid_task_resumes_without_duplicates(seed, clean_converge, new_emulator, new_proxy, tmp_path):
    kill = choose_kill(seed, clean_converge["tasks"])
    endpoint = new_emulator()
    proxy = new_proxy(endpoint)

    crashed = converge_and_kill(proxy.url, tmp_path / "outputs", proxy.log_path, kill)
    assert crashed["reason"] is not None, f"the converge ended before task {kill}:\n{crashed['output'][-3000:]}"
    # A task with fewer writes than the seed waits for is killed as the next one starts.
    assert crashed["returncode"] == -signal.SIGKILL, crashed["output"][-3000:]

    proxy.new_log("resume.jsonl")
    resumed = converge(proxy.url, tmp_path / "outputs")
    found = stack_inventory.inventory(endpoint)
    counts = stack_inventory.counts(found)
    report = {
        "seed": seed,
        "killed_in": crashed["killed_in"],
        "kill": crashed["reason"],
        "writes_of_the_task_before_kill": crashed["task_writes_before_kill"],
        "resume_returncode": resumed.returncode,
        "more_than_clean": stack_inventory.excess(counts, clean_converge["counts"]),
        "fewer_than_clean": stack_inventory.excess(clean_converge["counts"], counts),
    }
    print(f"\ncrash-resume {json.dumps(report)}", flush=True)

    assert resumed.returncode == 0, (resumed.stdout + resumed.stderr)[-4000:]
    assert recap(resumed.stdout)["failed"] == 0
    duplicates = {kind: found[kind] for kind in report["more_than_clean"]}
    assert counts == clean_converge["counts"], f"more than a clean converge makes: {duplicates}; report: {report}"


@pytest.mark.long
def test_a_stack_key_made_but_never_aliased_is_adopted(new_emulator, playbook):
    """What a run killed between KMS CreateKey and CreateAlias leaves: the next converge adopts the key."""
    endpoint = new_emulator()
    kms = boto3.client(
        "kms",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    orphan = kms.create_key(
        Description="made by a converge killed before it aliased the key",
        Tags=[
            {"TagKey": "Stack", "TagValue": "payments-dev"},
            {"TagKey": "payments:role", "TagValue": "data"},
        ],
    )["KeyMetadata"]["KeyId"]
    # Another stack's key and a key pending deletion are never adopted.
    kms.create_key(
        Tags=[{"TagKey": "Stack", "TagValue": "payments-staging"}, {"TagKey": "payments:role", "TagValue": "data"}]
    )
    retired = kms.create_key(
        Tags=[{"TagKey": "Stack", "TagValue": "payments-dev"}, {"TagKey": "payments:role", "TagValue": "data"}]
    )
    kms.schedule_key_deletion(KeyId=retired["KeyMetadata"]["KeyId"], PendingWindowInDays=7)

    run = playbook("site.yml", "-i", "inventories/dev", endpoint=endpoint)

    assert run.returncode == 0, run.output[-3000:]
    aliases = {alias["AliasName"]: alias.get("TargetKeyId") for alias in kms.list_aliases()["Aliases"]}
    assert aliases["alias/payments-dev-data"] == orphan
    live = [
        key["KeyId"]
        for key in kms.list_keys()["Keys"]
        if kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] != "PendingDeletion"
    ]
    assert len(live) == 2  # the adopted one and the other stack's
