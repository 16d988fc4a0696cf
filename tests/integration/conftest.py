"""Drive ansible-playbook against emulators of the tests' own, as a user would from the checkout."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import aws_proxy  # tests/tools
import emulator  # tests/tools, put on the path by tests/conftest.py
import pytest

REPO = Path(__file__).resolve().parents[2]

RECAP = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)",
    re.MULTILINE,
)


@dataclass
class PlaybookRun:
    returncode: int
    output: str

    @property
    def recap(self) -> dict[str, dict[str, int]]:
        return {
            match["host"]: {key: int(match[key]) for key in ("ok", "changed", "unreachable", "failed")}
            for match in RECAP.finditer(self.output)
        }


@pytest.fixture
def new_emulator(tmp_path):
    """``new_emulator()`` -> the URL of a fresh emulator, stopped when the test ends."""
    state_files = []

    def start() -> str:
        state_file = tmp_path / f"emulator-{len(state_files)}.json"
        state_files.append(state_file)
        return emulator.start(state_file)["url"]

    yield start
    for state_file in state_files:
        emulator.stop(state_file)


@pytest.fixture
def playbook(tmp_path):
    """``playbook(*args, endpoint=url)`` runs ansible-playbook from the repository root."""
    outputs_dir = tmp_path / "outputs"

    def run(*args: str, endpoint: str | None = None) -> PlaybookRun:
        command = [
            str(Path(sys.executable).parent / "ansible-playbook"),
            *args,
            "-e",
            f"payments_outputs_dir={outputs_dir}",
        ]
        if endpoint:
            command += ["-e", f"aws_endpoint_url={endpoint}"]
        env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0"}
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
        return PlaybookRun(done.returncode, done.stdout + done.stderr)

    run.outputs_dir = outputs_dir
    return run


@dataclass
class Proxy:
    """A recording, fault-injecting proxy in front of an emulator (tests/tools/aws_proxy.py)."""

    url: str
    log_path: Path

    def records(self) -> list[dict]:
        return aws_proxy.read_log(self.log_path)

    def summary(self) -> dict:
        return aws_proxy.summarise(self.records())

    def mutating(self) -> list[str]:
        """``service:Operation`` of every forwarded mutating call in the log."""
        return [
            f"{record['service']}:{record['operation']}"
            for record in self.records()
            if record["mutating"] and not record.get("fault")
        ]

    def configure(self, **faults) -> dict:
        return aws_proxy.configure(self.url, **faults)

    def new_log(self, name: str) -> Path:
        """Log to a new file from now on (the previous one is kept)."""
        self.log_path = Path(aws_proxy.rotate_log(self.url, self.log_path.with_name(name)))
        return self.log_path


@pytest.fixture
def new_proxy(tmp_path):
    """``new_proxy(upstream, **faults)`` -> a Proxy in front of ``upstream``, stopped when the test ends.
    faults: throttle_rate, error_rate, only, seed, mode, latency_ms (see aws_proxy.running_proxy)."""
    started = []
    with contextlib.ExitStack() as stack:

        def start(upstream: str, **faults) -> Proxy:
            log_path = tmp_path / f"proxy-{len(started)}.jsonl"
            url = stack.enter_context(aws_proxy.running_proxy(upstream, log_path, **faults))
            started.append(Proxy(url, log_path))
            return started[-1]

        yield start
