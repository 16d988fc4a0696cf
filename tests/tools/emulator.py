#!/usr/bin/env python3
"""Start and stop the local AWS emulator (moto's server mode) on 127.0.0.1.

The emulator is the collection's embedded default: a real HTTP AWS API on a free loopback
port. Playbooks reach it only through ``aws_endpoint_url``.

    emulator.py start --state-file .emulator/demo.json   # prints the URL
    emulator.py url   --state-file .emulator/demo.json
    emulator.py stop  --state-file .emulator/demo.json

The state file records the PID, port and URL, so ``stop`` can end exactly that process.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

LOOPBACK = "127.0.0.1"
DEFAULT_START_TIMEOUT = 30.0
DEFAULT_STOP_TIMEOUT = 10.0
# What a converge of prod adds against the emulator: prod's inventory refuses a self-signed certificate
# (apigw_waf_allow_self_signed_certificate: false), and the emulator has no internal CA to give one. Every test
# and bench run that converges prod here passes it; a run against real AWS never does.
ALLOW_SELF_SIGNED_CERTIFICATE = ("-e", "apigw_waf_allow_self_signed_certificate=true")


class EmulatorError(RuntimeError):
    """The emulator could not be started or stopped as asked."""


def free_port(host: str = LOOPBACK) -> int:
    """Ask the kernel for a port nobody listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def answers(url: str, timeout: float = 1.0) -> bool:
    """True when the emulator's own API answers at ``url``."""
    try:
        with urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=timeout) as reply:
            return reply.status == 200
    except urllib.error.HTTPError as error:
        # Once a Lambda function exists, data.json answers 500 (moto looks for Docker): an HTTP answer of
        # the emulator's own is still an answer.
        return error.code == 500 and error.headers.get("Server", "").startswith("Werkzeug")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_state(state_file: Path) -> dict | None:
    try:
        return json.loads(state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as exc:
        raise EmulatorError(f"state file {state_file} is not valid JSON: {exc}") from exc


def write_state(state_file: Path, state: dict) -> None:
    state_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = state_file.with_suffix(state_file.suffix + ".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    tmp.replace(state_file)


def server_command(port: int) -> list[str]:
    return [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(port)]


def start(state_file: Path, timeout: float = DEFAULT_START_TIMEOUT, log_file: Path | None = None) -> dict:
    """Start an emulator unless the state file names one that still answers."""
    state = read_state(state_file)
    if state and pid_alive(state["pid"]) and answers(state["url"]):
        return state

    port = free_port()
    url = f"http://{LOOPBACK}:{port}"
    log_path = log_file or state_file.with_suffix(".log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # AWS managed IAM policies exist in every account, so the emulator loads them too (moto does not by
    # default): roles attach AmazonAPIGatewayPushToCloudWatchLogs and the like as they would on AWS.
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    with open(log_path, "ab") as log:
        # A session of its own, so stop() can end the server and anything it forked.
        process = subprocess.Popen(
            server_command(port),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmulatorError(f"emulator exited with code {process.returncode}; see {log_path}")
        if answers(url):
            state = {"pid": process.pid, "port": port, "url": url, "log": str(log_path)}
            write_state(state_file, state)
            return state
        time.sleep(0.1)
    _terminate(process.pid, DEFAULT_STOP_TIMEOUT)
    raise EmulatorError(f"emulator did not answer on {url} within {timeout:.0f}s; see {log_path}")


def _terminate(pid: int, timeout: float) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                # Reap it when it is our child; otherwise just watch it go.
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return
            except ChildProcessError:
                if not pid_alive(pid):
                    return
            time.sleep(0.05)


def stop(state_file: Path, timeout: float = DEFAULT_STOP_TIMEOUT) -> bool:
    """Stop the emulator the state file names. False when there was none to stop."""
    state = read_state(state_file)
    if state is None:
        return False
    was_running = pid_alive(state["pid"])
    if was_running:
        _terminate(state["pid"], timeout)
    state_file.unlink(missing_ok=True)
    return was_running


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop", "url", "status"])
    parser.add_argument("--state-file", type=Path, default=Path(".emulator/default.json"))
    parser.add_argument("--timeout", type=float, default=DEFAULT_START_TIMEOUT)
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            print(start(args.state_file, timeout=args.timeout)["url"])
        elif args.action == "stop":
            print("stopped" if stop(args.state_file) else "not running")
        else:
            state = read_state(args.state_file)
            running = bool(state) and pid_alive(state["pid"]) and answers(state["url"])
            if args.action == "url":
                if not running:
                    print(f"no emulator answers for {args.state_file}", file=sys.stderr)
                    return 1
                print(state["url"])
            else:
                print(json.dumps({"running": running, **(state or {})}))
                return 0 if running else 1
    except EmulatorError as exc:
        print(f"emulator: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
