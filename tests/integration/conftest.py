"""Drive ansible-playbook against emulators of the tests' own, as a user would from the checkout."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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
