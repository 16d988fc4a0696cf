"""The benchmark harness: how long converges take and how many AWS calls they make, with AWS's latency.

On loopback the emulator answers in about a millisecond, which hides what dominates on AWS: every
control-plane call costs tens of milliseconds. So every measurement runs through the recording proxy
(tests/tools/aws_proxy.py) with a fixed latency per call, against a fresh emulator, and counts calls:

1. cold converge of one environment (dev, then prod): wall time, tasks, AWS calls (total, mutating);
2. no-op reconverge of the same environment (mutating calls must be 0);
3. check-mode plan (``--check --diff``) on the converged environment;
4. dev, staging and prod converged in one parallel run, against the slowest single environment;
5. the lower bound: bench/boto3_stack.py creates the same stack with plain boto3 and the fewest calls,
   then reads every resource once; Ansible / boto3 ratios for the cold converge and the no-op reconverge.

    python bench/run.py [--latency-ms 50] [--envs dev,prod] [--parallel-envs dev,staging,prod]
                        [--only cold,noop,plan,parallel,boto3] [--strategy NAME] [--data DIR]
    python bench/run.py --render DIR        # re-write RESULTS.md and the chart from a run's data

Writes bench/RESULTS.md (the generated part; the hand-written analysis between the ``analysis``
markers is kept) and bench/chart.png (where a converge spends its time, per role and kind of cost).
Raw data (proxy logs, task timelines, playbook output, results.json) go to bench/data/<stamp>/.

Timing per task comes from bench/callback_plugins/bench_timeline.py (enabled for these runs only);
AWS-call time from the proxy log, each call given to the task that was running on the controller when
it was made. A task's time is split into AWS calls, waits (gaps of more than WAIT_GAP_S between two of
its calls: waiter and retry sleeps) and the rest: process start, module import and module logic
(or controller work for set_fact/assert/include tasks). Time between tasks is the controller's.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
# The checkout's default (ansible.cfg); --strategy linear measures the plain process-per-task strategy.
DEFAULT_STRATEGY = "payments.aws_platform.mitogen_linear"
sys.path.insert(0, str(REPO / "tests" / "tools"))
sys.path.insert(0, str(BENCH))

import aws_proxy  # noqa: E402  (tests/tools)
import boto3_stack  # noqa: E402  (bench/)
import emulator  # noqa: E402  (tests/tools)

MEASUREMENTS = ("cold", "noop", "plan", "parallel", "boto3")
WAIT_GAP_S = 0.75
# Tasks that run on the controller, in the strategy: no module process is started for them.
CONTROLLER_ACTIONS = frozenset(
    f"{prefix}{name}"
    for prefix in ("", "ansible.builtin.", "ansible.legacy.")
    for name in (
        "set_fact",
        "assert",
        "fail",
        "debug",
        "meta",
        "include_role",
        "include_tasks",
        "import_role",
        "import_tasks",
        "include_vars",
        "set_stats",
        "validate_argument_spec",
        "pause",
        "add_host",
        "group_by",
    )
)
WAIT_ACTIONS = frozenset(["pause", "ansible.builtin.pause", "wait_for", "ansible.builtin.wait_for"])
COSTS = ("process", "aws", "wait", "controller")
COST_LABELS = {
    "process": "process start, module import and logic",
    "aws": "AWS calls",
    "wait": "waits (sleeps between calls)",
    "controller": "controller (templating, set_fact, includes, between tasks)",
}
TARGETS = {
    "noop_calls_ratio": 2.5,
    "noop_wall_ratio": 5.0,
    "cold_wall_ratio": 5.0,
    "parallel_ratio": 1.5,
}
GENERATED_START = "<!-- generated:start (bench/run.py writes this part; edit below the analysis marker) -->"
GENERATED_END = "<!-- generated:end -->"
ANALYSIS_START = "<!-- analysis:start (hand-written, kept by bench/run.py) -->"
ANALYSIS_END = "<!-- analysis:end -->"
TABLE_COLUMNS = ("measurement", "env", "wall_s", "tasks", "calls", "mutating", "boto3_wall_s", "boto3_calls", "ratio")
# Emulator services touched once, directly, before a measurement: moto builds each backend on first use
# (seconds), which AWS does not do, so a fresh emulator is warmed up outside the proxy's log.
WARM_UP = (
    ("sts", "get_caller_identity", {}),
    ("ec2", "describe_availability_zones", {}),
    ("ec2", "describe_vpcs", {}),
    ("iam", "list_roles", {}),
    ("kms", "list_aliases", {}),
    ("rds", "describe_db_instances", {}),
    ("dynamodb", "list_tables", {}),
    ("s3", "list_buckets", {}),
    ("lambda", "list_functions", {}),
    ("logs", "describe_log_groups", {}),
    ("apigateway", "get_rest_apis", {}),
    ("wafv2", "list_web_acls", {"Scope": "REGIONAL"}),
    ("sns", "list_topics", {}),
    ("cloudwatch", "describe_alarms", {}),
    ("acm", "list_certificates", {}),
    ("secretsmanager", "list_secrets", {}),
)


# --------------------------------------------------------------------------------------------------
# Running things
# --------------------------------------------------------------------------------------------------


def warm_up(url: str) -> None:
    for service, operation, params in WARM_UP:
        with contextlib.suppress(Exception):
            getattr(boto3_stack.client(service, url), operation)(**params)


def playbook_env(timeline: Path, strategy: str) -> dict[str, str]:
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_CALLBACK_PLUGINS": str(BENCH / "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "bench_timeline",
        "BENCH_TIMELINE": str(timeline),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "ANSIBLE_STRATEGY": strategy,
    }
    return env


RECAP = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)",
    re.MULTILINE,
)


def recap(output: str) -> dict[str, dict[str, int]]:
    return {
        found["host"]: {key: int(found[key]) for key in ("ok", "changed", "unreachable", "failed", "skipped")}
        for found in RECAP.finditer(output)
    }


class Stack:
    """A fresh emulator, warmed up, behind a proxy with the latency; one log file per measurement."""

    def __init__(self, data: Path, name: str, latency_ms: float):
        self.data, self.name, self.latency_ms = data, name, latency_ms
        self._exit = contextlib.ExitStack()

    def __enter__(self) -> Stack:
        state = self.data / f"emulator-{self.name}.json"
        self.upstream = emulator.start(state)["url"]
        self._exit.callback(emulator.stop, state)
        warm_up(self.upstream)
        self.url = self._exit.enter_context(
            aws_proxy.running_proxy(self.upstream, self.data / f"{self.name}-idle.jsonl", latency_ms=self.latency_ms)
        )
        return self

    def __exit__(self, *exc):
        self._exit.close()

    def log(self, label: str) -> Path:
        return Path(aws_proxy.rotate_log(self.url, self.data / f"{label}.calls.jsonl"))

    def playbook(self, label: str, inventories: list[str], *extra: str, strategy: str = DEFAULT_STRATEGY) -> dict:
        """Run site.yml; returns the measurement's raw facts (paths to its log and timeline)."""
        log = self.log(label)
        timeline = self.data / f"{label}.timeline.jsonl"
        timeline.unlink(missing_ok=True)
        command = [str(Path(sys.executable).parent / "ansible-playbook"), "site.yml"]
        for inventory in inventories:
            command += ["-i", f"inventories/{inventory}"]
        command += ["-e", f"aws_endpoint_url={self.url}", "-e", f"payments_outputs_dir={self.data / 'outputs'}"]
        if "prod" in inventories:
            # prod refuses a self-signed certificate; the emulator has no internal CA to give it one.
            command += list(emulator.ALLOW_SELF_SIGNED_CERTIFICATE)
        command += list(extra)
        started = time.monotonic()
        done = subprocess.run(
            command, cwd=REPO, env=playbook_env(timeline, strategy), capture_output=True, text=True, timeout=1800
        )
        wall = time.monotonic() - started
        output = done.stdout + done.stderr
        (self.data / f"{label}.out").write_text(output, encoding="utf-8")
        self.log(f"{label}-after")  # the measurement's log is complete from here
        if done.returncode != 0:
            print(f"  {label}: ansible-playbook failed ({done.returncode}); see {self.data / (label + '.out')}")
        return {
            "label": label,
            "returncode": done.returncode,
            "wall_s": round(wall, 2),
            "recap": recap(output),
            "log": str(log),
            "timeline": str(timeline),
        }

    def script(self, label: str, *args: str) -> dict:
        """Run bench/boto3_stack.py in its own process (its start and import count, as a task's do)."""
        log = self.log(label)
        command = [sys.executable, str(BENCH / "boto3_stack.py"), *args, "--endpoint-url", self.url]
        started = time.monotonic()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900)
        wall = time.monotonic() - started
        (self.data / f"{label}.out").write_text(done.stdout + done.stderr, encoding="utf-8")
        self.log(f"{label}-after")
        if done.returncode != 0:
            print(f"  {label}: boto3_stack.py failed ({done.returncode}); see {self.data / (label + '.out')}")
        return {"label": label, "returncode": done.returncode, "wall_s": round(wall, 2), "log": str(log)}


# --------------------------------------------------------------------------------------------------
# Analysis: calls, tasks, where the time goes
# --------------------------------------------------------------------------------------------------


def epoch(ts: str) -> float:
    return datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


def call_intervals(records: list[dict], latency_ms: float) -> list[dict]:
    """Each call with its start and end (epoch s): the log's ts is taken after the latency's sleep."""
    calls = []
    for record in records:
        start = epoch(record["ts"]) - latency_ms / 1000.0
        calls.append({**record, "start": start, "end": start + record["duration_ms"] / 1000.0})
    return sorted(calls, key=lambda call: call["start"])


def read_timeline(path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sorted((event for event in events if event.get("event") == "task"), key=lambda event: event["start"])


def role_label(task: dict) -> str:
    path = task.get("path") or ""
    if "/validate.yml" in path or task.get("task", "").startswith("Validate every role"):
        return "(validate)"
    if path.rsplit(":", 1)[0].endswith("tasks/wait.yml"):
        return "rds_kms wait"
    if task.get("role"):
        return task["role"]
    return "(play)"


def union_length(intervals: list[tuple[float, float]]) -> float:
    total, current_start, current_end = 0.0, None, None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += current_end - current_start
    return total


def attribute(tasks: list[dict], calls: list[dict]) -> tuple[list[dict], list[dict]]:
    """Give each call to the task (of the same run, one host) running at its midpoint; the rest are
    returned apart (lookups and templating on the controller)."""
    spans = [{**task, "calls": []} for task in tasks]
    loose = []
    for call in calls:
        middle = (call["start"] + call["end"]) / 2
        owner = next((span for span in spans if span["start"] <= middle <= span["end"]), None)
        (owner["calls"] if owner else loose).append(call)
    return spans, loose


def split_task(span: dict) -> dict[str, float]:
    """A task's time as AWS calls, waits and the rest (process or controller)."""
    total = max(0.0, span["end"] - span["start"])
    calls = sorted(span["calls"], key=lambda call: call["start"])
    aws = min(total, union_length([(call["start"], call["end"]) for call in calls]))
    wait = 0.0
    if span.get("action") in WAIT_ACTIONS:
        wait = max(0.0, total - aws)
    else:
        # A loop runs one module process per item: a gap that spans an item's end is the next process
        # starting, not a wait.
        boundaries = span.get("items") or []
        for before, after in zip(calls, calls[1:], strict=False):
            gap = after["start"] - before["end"]
            crosses = any(before["end"] <= boundary <= after["start"] for boundary in boundaries)
            if gap > WAIT_GAP_S and not crosses:
                wait += gap
        wait = min(wait, max(0.0, total - aws))
    rest = max(0.0, total - aws - wait)
    kind = "controller" if span.get("action") in CONTROLLER_ACTIONS else "process"
    return {"process": 0.0, "controller": 0.0, kind: rest, "aws": aws, "wait": wait}


def breakdown(tasks: list[dict], calls: list[dict], wall_s: float) -> dict:
    """Per role: seconds of each cost, tasks run, calls; plus the controller's time between tasks."""
    spans, loose = attribute(tasks, calls)
    roles: dict[str, dict] = {}
    for span in spans:
        label = role_label(span)
        entry = roles.setdefault(label, {**dict.fromkeys(COSTS, 0.0), "tasks": 0, "calls": 0, "mutating": 0})
        for cost, seconds in split_task(span).items():
            entry[cost] += seconds
        entry["tasks"] += span["status"] != "skipped"
        entry["calls"] += len(span["calls"])
        entry["mutating"] += sum(1 for call in span["calls"] if call.get("mutating"))
    busy = union_length([(span["start"], span["end"]) for span in spans])
    between = max(0.0, wall_s - busy)
    play = roles.setdefault("(play)", {**dict.fromkeys(COSTS, 0.0), "tasks": 0, "calls": 0, "mutating": 0})
    play["controller"] += between
    play["calls"] += len(loose)
    play["mutating"] += sum(1 for call in loose if call.get("mutating"))
    for entry in roles.values():
        for cost in COSTS:
            entry[cost] = round(entry[cost], 3)
    totals = {cost: round(sum(entry[cost] for entry in roles.values()), 3) for cost in COSTS}
    return {"roles": roles, "totals": totals, "unattributed_calls": len(loose)}


def task_table(tasks: list[dict], calls: list[dict], limit: int = 12) -> list[dict]:
    """The slowest tasks, with their calls: where a role makes many small calls or repeats a read."""
    spans, _ = attribute(tasks, calls)
    rows = []
    for span in spans:
        costs = split_task(span)
        operations: dict[str, int] = {}
        for call in span["calls"]:
            key = f"{call['service']}:{call['operation']}"
            operations[key] = operations.get(key, 0) + 1
        rows.append(
            {
                "role": role_label(span),
                "task": span["task"],
                "seconds": round(span["end"] - span["start"], 2),
                "calls": len(span["calls"]),
                "wait": round(costs["wait"], 2),
                "repeated": {key: count for key, count in operations.items() if count > 1},
            }
        )
    return sorted(rows, key=lambda row: row["seconds"], reverse=True)[:limit]


def rds_order(tasks: list[dict], calls: list[dict]) -> dict | None:
    """When the DB instance was created, what ran while RDS made it, and when the play waited for it."""
    created = next((call for call in calls if call["operation"] == "CreateDBInstance"), None)
    wait = next((task for task in tasks if role_label(task) == "rds_kms wait" and "Wait until" in task["task"]), None)
    if not tasks:
        return None
    origin = tasks[0]["start"]
    roles_between = []
    if created:
        for task in tasks:
            label = role_label(task)
            after_create = task["start"] >= created["end"] and (wait is None or task["end"] <= wait["start"])
            own = label.startswith(("(", "rds_kms", "payments"))  # the role itself, its wait, the shared lookups
            if after_create and label not in roles_between and not own:
                roles_between.append(label)
    return {
        "create_at_s": round(created["start"] - origin, 1) if created else None,
        "wait_start_s": round(wait["start"] - origin, 1) if wait else None,
        "wait_s": round(wait["end"] - wait["start"], 2) if wait else None,
        "wait_status": wait["status"] if wait else None,
        "overlapped_s": round(wait["start"] - created["end"], 1) if (wait and created) else None,
        "roles_between": roles_between,
    }


def summarise_measurement(raw: dict, latency_ms: float) -> dict:
    records = aws_proxy.read_log(raw["log"])
    summary = aws_proxy.summarise(records)
    result = {
        **{key: raw[key] for key in ("label", "returncode", "wall_s")},
        "calls": summary["calls"],
        "mutating": summary["mutating_calls"],
        "mutating_operations": summary["mutating_operations"],
        "operations": summary["operations"],
        "call_seconds": round(sum(record["duration_ms"] for record in records) / 1000.0, 2),
    }
    if "timeline" in raw:
        tasks = read_timeline(raw["timeline"])
        calls = call_intervals(records, latency_ms)
        result["recap"] = raw["recap"]
        result["tasks"] = sum(1 for task in tasks if task["status"] != "skipped")
        result["tasks_skipped"] = sum(1 for task in tasks if task["status"] == "skipped")
        result["hosts"] = sorted({task["host"] for task in tasks})
        if len(result["hosts"]) == 1:
            result["breakdown"] = breakdown(tasks, calls, raw["wall_s"])
            result["slowest_tasks"] = task_table(tasks, calls)
            result["rds"] = rds_order(tasks, calls)
            spans, _ = attribute(tasks, calls)
            result["waits"] = [
                {"role": role_label(span), "task": span["task"], "seconds": round(split_task(span)["wait"], 2)}
                for span in spans
                if split_task(span)["wait"] > 0
            ]
    return result


# --------------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------------


def ratio(numerator, denominator) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 2)


def results_rows(results: dict) -> list[dict]:
    """The table: one row per measurement, with the boto3 lower bound and the ratio where one applies."""
    rows = []
    measured = results["measurements"]
    singles = [measured[key] for key in measured if key.startswith("cold-")]
    slowest = max(singles, key=lambda item: item["wall_s"], default=None)
    for env in results["envs"]:
        create, read = measured.get(f"boto3-create-{env}"), measured.get(f"boto3-read-{env}")
        for kind, lower in (("cold", create), ("noop", read), ("plan", read)):
            item = measured.get(f"{kind}-{env}")
            if item is None:
                continue
            row = {
                "measurement": kind,
                "env": env,
                "wall_s": item["wall_s"],
                "tasks": item.get("tasks"),
                "calls": item["calls"],
                "mutating": item["mutating"],
                "boto3_wall_s": lower["wall_s"] if lower else None,
                "boto3_calls": lower["calls"] if lower else None,
                "ratio": None,
            }
            if lower and kind == "cold":
                row["ratio"] = f"wall {ratio(item['wall_s'], lower['wall_s'])}x"
            elif lower and kind == "noop":
                row["ratio"] = (
                    f"calls {ratio(item['calls'], lower['calls'])}x, wall {ratio(item['wall_s'], lower['wall_s'])}x"
                )
            rows.append(row)
        for kind in ("create", "read"):
            item = measured.get(f"boto3-{kind}-{env}")
            if item:
                rows.append(
                    {
                        "measurement": f"boto3 {kind}",
                        "env": env,
                        "wall_s": item["wall_s"],
                        "tasks": None,
                        "calls": item["calls"],
                        "mutating": item["mutating"],
                        "boto3_wall_s": None,
                        "boto3_calls": None,
                        "ratio": None,
                    }
                )
    parallel = measured.get("parallel")
    if parallel:
        rows.append(
            {
                "measurement": "parallel",
                "env": "+".join(results["parallel_envs"]),
                "wall_s": parallel["wall_s"],
                "tasks": parallel.get("tasks"),
                "calls": parallel["calls"],
                "mutating": parallel["mutating"],
                "boto3_wall_s": None,
                "boto3_calls": None,
                "ratio": (f"{ratio(parallel['wall_s'], slowest['wall_s'])}x {slowest['label']}" if slowest else None),
            }
        )
    return rows


def render_table(rows: list[dict]) -> str:
    def cell(value) -> str:
        return "-" if value is None else str(value)

    lines = ["| " + " | ".join(TABLE_COLUMNS) + " |", "|" + "---|" * len(TABLE_COLUMNS)]
    lines += ["| " + " | ".join(cell(row.get(column)) for column in TABLE_COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def parse_table(markdown: str) -> list[dict]:
    """The rows of the first results table in ``markdown`` (the inverse of render_table)."""
    lines = [line.strip() for line in markdown.splitlines()]
    header = "| " + " | ".join(TABLE_COLUMNS) + " |"
    try:
        first = lines.index(header)
    except ValueError:
        return []
    rows = []
    for line in lines[first + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        row = {}
        for column, value in zip(TABLE_COLUMNS, cells, strict=True):
            if value == "-":
                row[column] = None
            elif column in ("tasks", "calls", "mutating", "boto3_calls"):
                row[column] = int(value)
            elif column in ("wall_s", "boto3_wall_s"):
                row[column] = float(value)
            else:
                row[column] = value
        rows.append(row)
    return rows


def target_checks(results: dict) -> list[dict]:
    """Each target of the issue, with the measured value and whether it holds."""
    measured, checks = results["measurements"], []
    for env in results["envs"]:
        noop, read = measured.get(f"noop-{env}"), measured.get(f"boto3-read-{env}")
        cold, create = measured.get(f"cold-{env}"), measured.get(f"boto3-create-{env}")
        if noop:
            checks.append(_check(f"{env} no-op: mutating calls", noop["mutating"], 0, exact=True))
        if noop and read:
            value = ratio(noop["calls"], read["calls"])
            checks.append(_check(f"{env} no-op: calls / boto3 read pass", value, TARGETS["noop_calls_ratio"]))
            value = ratio(noop["wall_s"], read["wall_s"])
            checks.append(_check(f"{env} no-op: wall / boto3 read pass", value, TARGETS["noop_wall_ratio"]))
        if cold and create:
            value = ratio(cold["wall_s"], create["wall_s"])
            checks.append(_check(f"{env} cold: wall / boto3 create", value, TARGETS["cold_wall_ratio"]))
    singles = [measured[key] for key in measured if key.startswith("cold-")]
    if measured.get("parallel") and singles:
        slowest = max(singles, key=lambda item: item["wall_s"])
        value = ratio(measured["parallel"]["wall_s"], slowest["wall_s"])
        checks.append(_check(f"parallel / slowest single ({slowest['label']})", value, TARGETS["parallel_ratio"]))
    return checks


def _check(name: str, value, limit, exact: bool = False) -> dict:
    met = value is not None and (value == limit if exact else value <= limit)
    return {"target": name, "value": value, "limit": f"= {limit}" if exact else f"<= {limit}", "met": met}


def render_results(results: dict, chart_name: str = "chart.png") -> str:
    """The generated part of RESULTS.md."""
    env_info = results["environment"]
    out = [
        GENERATED_START,
        "",
        f"Run {env_info['date']} on {env_info['machine']}; latency {results['latency_ms']:g} ms per AWS call "
        f"(the recording proxy); strategy {results['strategy']}.",
        f"Load average before / after: {env_info['load_before']} / {env_info['load_after']} "
        "(the machine is shared: read the wall times as upper bounds).",
        f"Versions: {env_info['versions']}.",
        "",
        "## Measurements",
        "",
        "wall_s: seconds, whole ansible-playbook (or script) process; tasks: task results that ran (not skipped);",
        "calls / mutating: AWS calls through the proxy; boto3_*: the lower bound (bench/boto3_stack.py) for the",
        "same environment, create pass for cold, read-only pass for noop and plan.",
        "",
        render_table(results_rows(results)),
        "",
        "## Targets",
        "",
        "| target | value | limit | met |",
        "|---|---|---|---|",
    ]
    for check in target_checks(results):
        out.append(f"| {check['target']} | {check['value']} | {check['limit']} | {'yes' if check['met'] else 'NO'} |")
    out += ["", "## Where a converge spends its time", "", f"![time per role and kind of cost]({chart_name})", ""]
    for label, item in results["measurements"].items():
        if "breakdown" not in item:
            continue
        totals = item["breakdown"]["totals"]
        share = ", ".join(f"{COST_LABELS[cost]} {totals[cost]:.1f} s" for cost in COSTS)
        out.append(f"- {label} ({item['wall_s']} s): {share}.")
    out += ["", "Per role (seconds: process / AWS / waits / controller; tasks; calls):", ""]
    for label, item in results["measurements"].items():
        if "breakdown" not in item:
            continue
        out += [f"### {label}", "", "| role | process | AWS | waits | controller | tasks | calls | mutating |"]
        out.append("|---|---|---|---|---|---|---|---|")
        for role, entry in item["breakdown"]["roles"].items():
            out.append(
                f"| {role} | {entry['process']:.1f} | {entry['aws']:.1f} | {entry['wait']:.1f} | "
                f"{entry['controller']:.1f} | {entry['tasks']} | {entry['calls']} | {entry['mutating']} |"
            )
        out += ["", "Slowest tasks (repeated operations within the task in brackets):", ""]
        for row in item["slowest_tasks"][:8]:
            repeated = f" [{', '.join(f'{key} x{count}' for key, count in row['repeated'].items())}]"
            out.append(
                f"- {row['role']} / {row['task']}: {row['seconds']} s, {row['calls']} calls, "
                f"waits {row['wait']} s{repeated if row['repeated'] else ''}"
            )
        out.append("")
    out += ["## The RDS overlap (cold converges)", ""]
    for label, item in results["measurements"].items():
        rds = item.get("rds")
        if not rds or not label.startswith("cold-"):
            continue
        out.append(
            f"- {label}: CreateDBInstance at +{rds['create_at_s']} s (rds_kms returns at once, `wait: false`); "
            f"then {', '.join(rds['roles_between']) or 'nothing'} ran; the play's wait for the instance started at "
            f"+{rds['wait_start_s']} s, {rds['overlapped_s']} s after the create, and took {rds['wait_s']} s."
        )
    out += [
        "",
        f"Waits left inside tasks (gaps of more than {WAIT_GAP_S:g} s between two calls of one module run):",
        "",
    ]
    for label, item in results["measurements"].items():
        waits = item.get("waits")
        if waits is None:
            continue
        listed = "; ".join(f"{wait['task']} {wait['seconds']} s" for wait in waits) or "none"
        out.append(f"- {label}: {listed}")
    out += ["", "## Mutating calls per measurement", ""]
    for label, item in results["measurements"].items():
        ops = ", ".join(f"{key} {count}" for key, count in item["mutating_operations"].items()) or "none"
        out.append(f"- {label}: {ops}")
    out += ["", GENERATED_END]
    return "\n".join(out) + "\n"


DEFAULT_ANALYSIS = "(Write the analysis here: it is kept when bench/run.py rewrites the generated part.)"


def merge_report(existing: str | None, generated: str) -> str:
    """RESULTS.md: a title, the generated part, and the hand-written analysis kept from ``existing``."""
    analysis = DEFAULT_ANALYSIS
    if existing and ANALYSIS_START in existing and ANALYSIS_END in existing:
        analysis = existing.split(ANALYSIS_START, 1)[1].split(ANALYSIS_END, 1)[0].strip("\n")
    title = "# Benchmark results (bench/run.py)\n\n"
    return f"{title}{generated}\n{ANALYSIS_START}\n{analysis}\n{ANALYSIS_END}\n"


def render_chart(results: dict, path: Path) -> Path | None:
    """Stacked bars: seconds per role and kind of cost, one panel per single-environment playbook run."""
    panels = [(label, item) for label, item in results["measurements"].items() if "breakdown" in item]
    if not panels:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"process": "#d95f02", "aws": "#1b9e77", "wait": "#7570b3", "controller": "#999999"}
    columns = 2 if len(panels) > 1 else 1
    rows = (len(panels) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(7 * columns, 3.6 * rows), squeeze=False)
    for axis in axes.flat[len(panels) :]:
        axis.set_visible(False)
    for axis, (label, item) in zip(axes.flat, panels, strict=False):
        roles = item["breakdown"]["roles"]
        names = list(roles)
        left = [0.0] * len(names)
        for cost in COSTS:
            widths = [roles[name][cost] for name in names]
            axis.barh(names, widths, left=left, color=colours[cost], label=COST_LABELS[cost])
            left = [a + b for a, b in zip(left, widths, strict=True)]
        axis.invert_yaxis()
        axis.set_title(f"{label}: {item['wall_s']} s, {item['calls']} calls", fontsize=10)
        axis.set_xlabel("seconds")
        axis.tick_params(labelsize=8)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=2, fontsize=8)
    figure.suptitle(
        f"Where a converge spends its time ({results['latency_ms']:g} ms per AWS call, {results['strategy']})",
        fontsize=11,
    )
    figure.tight_layout(rect=(0, 0.1 if rows == 1 else 0.06, 1, 0.95))
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def write_report(results: dict, out: Path, chart: Path) -> None:
    render_chart(results, chart)
    existing = out.read_text(encoding="utf-8") if out.exists() else None
    relative = os.path.relpath(chart, out.parent)
    out.write_text(merge_report(existing, render_results(results, relative)), encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------


def versions() -> str:
    from importlib.metadata import version

    names = ("ansible-core", "amazon.aws", "boto3", "moto")
    found = []
    for name in names:
        if name == "amazon.aws":
            galaxy = next(
                (REPO / ".venv").glob("lib/python*/site-packages/ansible_collections/amazon/aws/MANIFEST.json"), None
            )
            if galaxy:
                found.append(f"amazon.aws {json.loads(galaxy.read_text())['collection_info']['version']}")
            continue
        with contextlib.suppress(Exception):
            found.append(f"{name} {version(name)}")
    return ", ".join([f"Python {platform.python_version()}", *found])


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError):
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        model = found.group(1).strip() if found else ""
    return f"{os.cpu_count()} cores {model}, {platform.system()} {platform.release()}".replace("  ", " ")


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run(args) -> dict:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    data = Path(args.data or BENCH / "data" / stamp)
    data.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(",")) if args.only else set(MEASUREMENTS)
    envs = [env for env in args.envs.split(",") if env]
    parallel_envs = [env for env in args.parallel_envs.split(",") if env]
    results = {
        "latency_ms": args.latency_ms,
        "strategy": args.strategy,
        "envs": envs,
        "parallel_envs": parallel_envs,
        "environment": {
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "versions": versions(),
            "load_before": load(),
        },
        "measurements": {},
    }
    raws = {}

    def note(label: str, raw: dict) -> None:
        raws[label] = raw
        results["measurements"][label] = summarise_measurement(raw, args.latency_ms)
        item = results["measurements"][label]
        print(f"  {label}: {item['wall_s']} s, {item['calls']} calls, {item['mutating']} mutating", flush=True)
        (data / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")

    for env in envs:
        if only & {"cold", "noop", "plan"}:
            print(f"== {env}: cold converge, no-op reconverge, plan (load {load()})", flush=True)
            with Stack(data, env, args.latency_ms) as stack:
                note(f"cold-{env}", stack.playbook(f"cold-{env}", [env], strategy=args.strategy))
                if "noop" in only:
                    note(f"noop-{env}", stack.playbook(f"noop-{env}", [env], strategy=args.strategy))
                if "plan" in only:
                    note(
                        f"plan-{env}", stack.playbook(f"plan-{env}", [env], "--check", "--diff", strategy=args.strategy)
                    )
        if "boto3" in only:
            print(f"== {env}: boto3 lower bound (load {load()})", flush=True)
            with Stack(data, f"boto3-{env}", args.latency_ms) as stack:
                note(f"boto3-create-{env}", stack.script(f"boto3-create-{env}", "create", "--env", env))
                note(f"boto3-read-{env}", stack.script(f"boto3-read-{env}", "read", "--env", env))
    if "parallel" in only and parallel_envs:
        print(f"== {'+'.join(parallel_envs)} in one run (load {load()})", flush=True)
        with Stack(data, "parallel", args.latency_ms) as stack:
            note("parallel", stack.playbook("parallel", parallel_envs, strategy=args.strategy))
    results["environment"]["load_after"] = load()
    (data / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


def rerender(data: Path) -> dict:
    """A run's results, with each measurement summarised again from its log and timeline (the analysis
    may have changed since the run)."""
    results = json.loads((data / "results.json").read_text(encoding="utf-8"))
    for label, item in results["measurements"].items():
        log, timeline = data / f"{label}.calls.jsonl", data / f"{label}.timeline.jsonl"
        if not log.exists():
            continue
        raw = {key: item[key] for key in ("label", "returncode", "wall_s")} | {"log": str(log)}
        if timeline.exists():
            raw |= {"timeline": str(timeline), "recap": item.get("recap", {})}
        results["measurements"][label] = summarise_measurement(raw, results["latency_ms"])
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="added to every AWS call (default 50)")
    parser.add_argument("--envs", default="dev,prod", help="single environments measured (default dev,prod)")
    parser.add_argument("--parallel-envs", default="dev,staging,prod", help="converged together (measurement 4)")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(MEASUREMENTS)} (default all)")
    parser.add_argument(
        "--strategy",
        default=DEFAULT_STRATEGY,
        help=f"the playbooks' strategy (default {DEFAULT_STRATEGY}, the checkout's; linear for a process per task)",
    )
    parser.add_argument("--data", help="raw data directory (default bench/data/<timestamp>)")
    parser.add_argument("--out", default=str(BENCH / "RESULTS.md"), help="the report (default bench/RESULTS.md)")
    parser.add_argument("--chart", default=str(BENCH / "chart.png"), help="the chart (default bench/chart.png)")
    parser.add_argument("--render", metavar="DIR", help="only re-write the report from DIR/results.json")
    args = parser.parse_args(argv)
    results = rerender(Path(args.render)) if args.render else run(args)
    write_report(results, Path(args.out), Path(args.chart))
    failed = [label for label, item in results["measurements"].items() if item["returncode"] != 0]
    for check in target_checks(results):
        print(f"  target {check['target']}: {check['value']} ({check['limit']}) {'met' if check['met'] else 'NOT met'}")
    print(f"Wrote {args.out} and {args.chart}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
