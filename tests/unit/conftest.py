"""Run this collection's modules in-process against a real emulator (moto's server mode)."""

import contextlib
import functools
import importlib
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from types import SimpleNamespace

import boto3
import botocore.client
import botocore.exceptions
import botocore.loaders
import botocore.session
import emulator  # tests/tools, put on the path by tests/conftest.py
import pytest
from ansible.module_utils.testing import patch_module_args

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="session", autouse=True)
def shared_botocore_loader():
    """Every module run makes a new boto3 session, which parses the service models again (most of a
    run's time): let all sessions share one loader, whose caches then hold."""
    original = botocore.session.create_loader
    botocore.session.create_loader = functools.lru_cache(maxsize=None)(botocore.loaders.create_loader)
    yield
    botocore.session.create_loader = original


@pytest.fixture(scope="session")
def emulator_url(tmp_path_factory):
    state_file = tmp_path_factory.mktemp("emulator") / "state.json"
    state = emulator.start(state_file)
    yield state["url"]
    emulator.stop(state_file)


def call_module(capsys, module_name, args, check_mode, diff):
    """Run one of the collection's modules in this process with ``args`` (and the test credentials) -> its result."""
    module = importlib.import_module(f"ansible_collections.payments.aws_platform.plugins.modules.{module_name}")
    module_args = {
        **args,
        "region": REGION,
        "access_key": CREDENTIALS["aws_access_key_id"],
        "secret_key": CREDENTIALS["aws_secret_access_key"],
        "_ansible_check_mode": check_mode,
        "_ansible_diff": diff,
    }
    capsys.readouterr()
    with patch_module_args(module_args), pytest.raises(SystemExit):
        module.main()
    result = json.loads(capsys.readouterr().out)
    result.setdefault("failed", False)
    return result


@pytest.fixture
def run_module(emulator_url, capsys):
    """``run_module(name, args, check_mode=False, diff=False)`` -> the module's result, parsed."""

    def run(module_name, args, check_mode=False, diff=False):
        return call_module(capsys, module_name, {**args, "endpoint_url": emulator_url}, check_mode, diff)

    return run


@pytest.fixture
def ec2(emulator_url):
    return boto3.client("ec2", endpoint_url=emulator_url, region_name=REGION, **CREDENTIALS)


@pytest.fixture
def kms(emulator_url):
    return boto3.client("kms", endpoint_url=emulator_url, region_name=REGION, **CREDENTIALS)


@dataclass
class Vpc:
    vpc_id: str
    route_table_id: str


@pytest.fixture
def vpc(ec2):
    """A fresh VPC with one route table; nothing is shared between tests."""
    vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    route_table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    return Vpc(vpc_id=vpc_id, route_table_id=route_table_id)


@pytest.fixture
def unique_name(request):
    """A name no other test (or earlier run against the same emulator) uses."""
    return f"{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def counted(monkeypatch):
    """``with counted() as calls:`` -> a Counter of the AWS operations made in the block (by any client)."""

    @contextlib.contextmanager
    def count():
        calls = Counter()
        original = botocore.client.BaseClient._make_api_call

        def recording(client, operation_name, api_params):
            calls[operation_name] += 1
            return original(client, operation_name, api_params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
        try:
            yield calls
        finally:
            monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", original)

    return count


@pytest.fixture
def run_module_stubbed(monkeypatch, capsys):
    """``run_module_stubbed(name, args, client, check_mode=False, diff=False)`` -> the module's result, parsed: the
    module runs with ``client`` (a boto3 client under botocore's Stubber, say) in place of the one base.client
    makes, so a test feeds it AWS-shaped answers the emulator never gives and sees exactly what it sends."""
    from ansible_collections.payments.aws_platform.plugins.module_utils import base

    def run(module_name, args, client, check_mode=False, diff=False):
        monkeypatch.setattr(base, "client", lambda module, service: client)
        return call_module(capsys, module_name, args, check_mode, diff)

    return run


class FakeClock:
    """Time as a retry sees it: each sleep is recorded and moves the clock on at once."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_clock(monkeypatch):
    """A ``FakeClock`` for the propagation retry (``module_utils/eventual.py``) and for every other
    ``time.sleep`` (botocore's waiters, AWSRetry): no test waits out a backoff of minutes."""
    from ansible_collections.payments.aws_platform.plugins.module_utils import eventual

    clock = FakeClock()
    monkeypatch.setattr(eventual, "time", SimpleNamespace(sleep=clock.sleep, monotonic=clock.monotonic))
    monkeypatch.setattr(time, "sleep", clock.sleep)
    return clock


@pytest.fixture
def answer_first(monkeypatch):
    """``answer_first(operation, code, message, times)``: the next ``times`` calls of ``operation`` (by any
    client) get the AWS error ``code`` with ``message`` instead of reaching the emulator; later calls go
    through. Returns the list of that operation's calls (their parameters), answered or not."""

    def inject(operation, code, message, times, status=400):
        original = botocore.client.BaseClient._make_api_call
        calls = []

        def make_api_call(client, operation_name, api_params):
            if operation_name == operation:
                calls.append(api_params)
                if len(calls) <= times:
                    raise botocore.exceptions.ClientError(
                        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
                        operation_name,
                    )
            return original(client, operation_name, api_params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", make_api_call)
        return calls

    return inject
