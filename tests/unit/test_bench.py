"""The benchmark harness's own code (bench/): the boto3 lower bound's call plan and the report, without a converge."""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import botocore.session
import pytest
from botocore.validate import ParamValidator

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import boto3_stack  # noqa: E402  (bench/)
import run  # noqa: E402  (bench/run.py)

SESSION = botocore.session.get_session()


def operation_model(service: str, operation: str):
    model = SESSION.get_service_model(service)
    name = next((name for name in model.operation_names if boto3_stack_snake(name) == operation), None)
    assert name is not None, f"{service} has no operation {operation}"
    return model.operation_model(name)


def boto3_stack_snake(name: str) -> str:
    from botocore import xform_name

    return xform_name(name)


@pytest.mark.parametrize("env", ["dev", "prod"])
@pytest.mark.parametrize("which", ["create", "read"])
def test_every_planned_call_is_a_real_operation_with_valid_parameters(env, which):
    calls = boto3_stack.plan(env, which)
    assert calls
    for service, operation, params in calls:
        if operation.startswith("waiter:"):
            assert (
                operation[len("waiter:") :]
                in SESSION.create_client(
                    service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
                ).waiter_names
            )
            continue
        report = ParamValidator().validate(params, operation_model(service, operation).input_shape)
        assert not report.has_errors(), f"{service}:{operation}: {report.generate_report()}"


def test_the_read_pass_only_reads():
    for env in ("dev", "prod"):
        for service, operation, _ in boto3_stack.plan(env, "read"):
            assert operation.startswith(("get_", "describe_", "list_")), f"{service}:{operation} writes"


def test_the_create_pass_makes_each_resource_once():
    created = collections.Counter(f"{s}:{o}" for s, o, _ in boto3_stack.plan("dev", "create"))
    assert created["ec2:create_vpc"] == 1
    assert created["ec2:create_subnet"] == 3
    assert created["cloudwatch:put_metric_alarm"] == len(boto3_stack.ALARMS)
    # flow logs, function, access logs, the two RDS exports and the stage's execution logs
    assert created["logs:create_log_group"] == 6
    assert "wafv2:create_web_acl" not in created
    prod = collections.Counter(f"{s}:{o}" for s, o, _ in boto3_stack.plan("prod", "create"))
    assert prod["wafv2:create_web_acl"] == 1
    assert prod["logs:create_log_group"] == 7


def fake_results() -> dict:
    def item(label, wall, calls, mutating, tasks=None):
        return {
            "label": label,
            "returncode": 0,
            "wall_s": wall,
            "calls": calls,
            "mutating": mutating,
            "mutating_operations": {"ec2:CreateVpc": 1} if mutating else {},
            "tasks": tasks,
        }

    return {
        "latency_ms": 50.0,
        "strategy": "linear",
        "envs": ["dev"],
        "parallel_envs": ["dev", "staging", "prod"],
        "environment": {"date": "d", "machine": "m", "versions": "v", "load_before": "1", "load_after": "2"},
        "measurements": {
            "cold-dev": item("cold-dev", 100.0, 300, 88, 200),
            "noop-dev": item("noop-dev", 60.0, 150, 0, 200),
            "plan-dev": item("plan-dev", 50.0, 140, 0, 200),
            "boto3-create-dev": item("boto3-create-dev", 10.0, 90, 80),
            "boto3-read-dev": item("boto3-read-dev", 20.0, 60, 0),
            "parallel": item("parallel", 130.0, 900, 260, 600),
        },
    }


def test_the_results_table_renders_and_parses_back():
    rows = run.results_rows(fake_results())
    parsed = run.parse_table(run.render_results(fake_results()))
    assert parsed == rows
    by_kind = {row["measurement"]: row for row in parsed}
    assert by_kind["cold"]["ratio"] == "wall 10.0x"
    assert by_kind["noop"]["ratio"] == "calls 2.5x, wall 3.0x"
    assert by_kind["parallel"]["ratio"] == "1.3x cold-dev"


def test_the_targets_are_checked_against_their_limits():
    checks = {check["target"]: check for check in run.target_checks(fake_results())}
    assert checks["dev no-op: mutating calls"]["met"]
    assert checks["dev no-op: calls / boto3 read pass"]["met"]  # 2.5 <= 2.5
    assert checks["dev no-op: wall / boto3 read pass"]["met"]  # 3.0
    assert not checks["dev cold: wall / boto3 create"]["met"]  # 10.0 > 5
    assert checks["parallel / slowest single (cold-dev)"]["met"]  # 1.3


def test_the_hand_written_analysis_survives_a_new_run():
    first = run.merge_report(None, "GENERATED ONE\n")
    assert run.DEFAULT_ANALYSIS in first
    edited = first.replace(run.DEFAULT_ANALYSIS, "Our analysis.")
    second = run.merge_report(edited, "GENERATED TWO\n")
    assert "Our analysis." in second and "GENERATED TWO" in second and "GENERATED ONE" not in second


def test_a_task_is_split_into_calls_waits_and_process_time():
    def call(start, end):
        return {"start": start, "end": end, "mutating": False, "service": "ec2", "operation": "DescribeVpcs"}

    # 0-1 process start, two calls, a 3 s sleep between them, a loop item boundary before the last call.
    span = {
        "start": 0.0,
        "end": 10.0,
        "action": "amazon.aws.ec2_vpc_net",
        "items": [8.5],
        "calls": [call(1.0, 1.5), call(4.5, 5.0), call(9.0, 9.5)],
    }
    costs = run.split_task(span)
    assert costs["aws"] == pytest.approx(1.5)
    assert costs["wait"] == pytest.approx(3.0)  # 1.5-4.5; 5.0-9.0 spans the next item's process start
    assert costs["process"] == pytest.approx(5.5)
    assert costs["controller"] == 0.0
    assert run.split_task({**span, "action": "ansible.builtin.set_fact", "calls": []})["controller"] == 10.0


def test_calls_go_to_the_task_running_when_they_were_made():
    tasks = [
        {"start": 0.0, "end": 2.0, "task": "a", "role": "vpc", "status": "ok", "action": "x"},
        {"start": 3.0, "end": 5.0, "task": "b", "role": "rds_kms", "status": "ok", "action": "x"},
    ]
    calls = [{"start": 0.5, "end": 1.0}, {"start": 3.5, "end": 4.0}, {"start": 2.2, "end": 2.4}]
    spans, loose = run.attribute(tasks, calls)
    assert [len(span["calls"]) for span in spans] == [1, 1]
    assert loose == [calls[2]]
    assert run.role_label({"role": "rds_kms", "path": "/x/roles/rds_kms/tasks/wait.yml:12"}) == "rds_kms wait"
    assert run.role_label({"role": "vpc", "path": "/x/roles/vpc/tasks/validate.yml:3"}) == "(validate)"
