"""Record when each task ran on each host, for the benchmark harness (bench/run.py).

Enabled by the harness only (ANSIBLE_CALLBACKS_ENABLED=bench_timeline, ANSIBLE_CALLBACK_PLUGINS=bench/
callback_plugins); writes one JSON line per task and host to the file named by BENCH_TIMELINE:
``{"host", "role", "task", "action", "path", "start", "end", "status", "changed",
"items"}`` with epoch-second times (``items``: when each loop item ended).
"""

from __future__ import annotations

import json
import os
import threading
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_timeline
type: aggregate
short_description: one JSON line per task and host, with start and end times (bench/ only)
description:
  - Writes to the file named by the environment variable C(BENCH_TIMELINE); does nothing when it is unset.
requirements:
  - enable in the configuration (the benchmark harness does)
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timeline"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._path = os.environ.get("BENCH_TIMELINE")
        self._started: dict[tuple[str, str], float] = {}
        self._items: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()
        self._file = open(self._path, "a", encoding="utf-8") if self._path else None  # noqa: SIM115

    def _write(self, record: dict) -> None:
        if self._file is None:
            return
        with self._lock:
            self._file.write(json.dumps(record) + "\n")
            self._file.flush()

    def v2_playbook_on_start(self, playbook):
        self._write({"event": "playbook_start", "ts": time.time()})

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.time()

    def _done(self, result, status: str) -> None:
        task, host = result._task, result._host.get_name()
        end = time.time()
        start = self._started.pop((host, task._uuid), end)
        items = self._items.pop((host, task._uuid), [])
        role = task._role.get_name(include_role_fqcn=False) if task._role else ""
        self._write(
            {
                "event": "task",
                "host": host,
                "role": role,
                "task": task.get_name(),
                "action": task.action,
                "path": task.get_path(),
                "start": start,
                "end": end,
                "status": status,
                "changed": bool(result._result.get("changed")),
                "items": items,
            }
        )

    def _item_done(self, result) -> None:
        key = (result._host.get_name(), result._task._uuid)
        self._items.setdefault(key, []).append(time.time())

    def v2_runner_item_on_ok(self, result):
        self._item_done(result)

    def v2_runner_item_on_failed(self, result):
        self._item_done(result)

    def v2_runner_item_on_skipped(self, result):
        self._item_done(result)

    def v2_runner_on_ok(self, result):
        self._done(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._done(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._done(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        self._write({"event": "playbook_end", "ts": time.time()})
        if self._file is not None:
            self._file.close()
            self._file = None
