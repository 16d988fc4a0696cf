"""The emulator tool: start on a free loopback port, answer, record PID and URL, stop by PID."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "emulator.py"
_spec = importlib.util.spec_from_file_location("emulator_tool", TOOL)
emulator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(emulator)


@pytest.fixture
def state_file(tmp_path):
    path = tmp_path / "emulator.json"
    yield path
    emulator.stop(path)


def test_start_records_pid_and_url_and_answers_aws_calls(state_file):
    state = emulator.start(state_file)

    recorded = json.loads(state_file.read_text())
    assert recorded == state
    assert state["url"] == f"http://127.0.0.1:{state['port']}"
    assert emulator.pid_alive(state["pid"])
    sts = boto3.client(
        "sts",
        endpoint_url=state["url"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    assert sts.get_caller_identity()["Account"].isdigit()


def test_start_again_reuses_the_running_emulator(state_file):
    first = emulator.start(state_file)
    second = emulator.start(state_file)
    assert second["pid"] == first["pid"]


def test_two_state_files_get_two_emulators_on_distinct_ports(state_file, tmp_path):
    other = tmp_path / "other.json"
    try:
        one = emulator.start(state_file)
        two = emulator.start(other)
        assert one["port"] != two["port"]
        assert one["pid"] != two["pid"]
    finally:
        emulator.stop(other)


def test_stop_ends_the_process_and_removes_the_state(state_file):
    state = emulator.start(state_file)

    assert emulator.stop(state_file) is True

    assert not emulator.pid_alive(state["pid"])
    assert not state_file.exists()
    assert not emulator.answers(state["url"])


def test_stop_without_an_emulator_is_not_an_error(state_file):
    assert emulator.stop(state_file) is False


def test_a_dead_emulator_is_replaced_on_start(state_file):
    first = emulator.start(state_file)
    os.killpg(first["pid"], signal.SIGKILL)
    os.waitpid(first["pid"], 0)

    second = emulator.start(state_file)

    assert second["pid"] != first["pid"]
    assert emulator.answers(second["url"])


def test_start_fails_clearly_when_the_server_cannot_run(state_file, monkeypatch):
    monkeypatch.setattr(emulator, "server_command", lambda port: [sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(emulator.EmulatorError, match="exited with code 3"):
        emulator.start(state_file, timeout=5)


def test_command_line_start_url_status_stop(tmp_path):
    state = tmp_path / "cli.json"
    run = [sys.executable, str(TOOL)]
    try:
        url = subprocess.run([*run, "start", "--state-file", str(state)], check=True, capture_output=True, text=True)
        assert url.stdout.strip().startswith("http://127.0.0.1:")
        shown = subprocess.run([*run, "url", "--state-file", str(state)], check=True, capture_output=True, text=True)
        assert shown.stdout == url.stdout
        status = subprocess.run([*run, "status", "--state-file", str(state)], capture_output=True, text=True)
        assert status.returncode == 0
        assert json.loads(status.stdout)["running"] is True
    finally:
        stopped = subprocess.run([*run, "stop", "--state-file", str(state)], capture_output=True, text=True)
    assert stopped.stdout.strip() == "stopped"
    gone = subprocess.run([*run, "url", "--state-file", str(state)], capture_output=True, text=True)
    assert gone.returncode == 1
