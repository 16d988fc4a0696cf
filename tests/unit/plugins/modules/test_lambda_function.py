"""payments.aws_platform.lambda_function against the emulator: create, rerun, code and configuration
changes, check mode, diff, normalisation and the wait between updates."""

import base64
import hashlib
import io
import json
import re
import zipfile

import boto3
import pytest

from ansible_collections.payments.aws_platform.plugins.modules import lambda_function

MODULE = "lambda_function"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
KEY_ID = "11111111-2222-3333-4444-555555555555"
KEY_ARN = f"arn:aws:kms:us-east-1:123456789012:key/{KEY_ID}"


def boto(service, url):
    return boto3.client(
        service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def warning_texts(result):
    """The warnings' texts (ansible-core 2.19 returns each warning as a dict with its event)."""
    return [warning if isinstance(warning, str) else warning["event"]["msg"] for warning in result.get("warnings", [])]


@pytest.fixture
def name(unique_name):
    """A unique function (and role) name: parametrized test names carry brackets Lambda refuses."""
    return re.sub(r"[^A-Za-z0-9-]", "-", unique_name)


@pytest.fixture
def lam(emulator_url):
    return boto(service="lambda", url=emulator_url)


@pytest.fixture
def role_arn(emulator_url, name):
    iam = boto("iam", emulator_url)
    return iam.create_role(RoleName=name[:60], AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]


def make_zip(path, body):
    """A stand-in for lambda/build.py: a deterministic zip of one module."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("payment_handler/app.py", date_time=(1980, 1, 1, 0, 0, 0))
        archive.writestr(info, body)
    path.write_bytes(buffer.getvalue())
    return str(path), base64.b64encode(hashlib.sha256(buffer.getvalue()).digest()).decode()


@pytest.fixture
def package(tmp_path):
    return make_zip(tmp_path / "v1.zip", "def handler(event, context):\n    return {'statusCode': 200}\n")


@pytest.fixture
def network(ec2, vpc):
    subnets = [
        ec2.create_subnet(VpcId=vpc.vpc_id, CidrBlock=f"10.42.{index}.0/24")["Subnet"]["SubnetId"] for index in range(3)
    ]
    group = ec2.create_security_group(GroupName=f"sg-{vpc.vpc_id}", Description="test", VpcId=vpc.vpc_id)["GroupId"]
    return subnets, group


@pytest.fixture
def args(name, role_arn, package, network):
    subnets, group = network
    return {
        "name": name,
        "zip_file": package[0],
        "runtime": "python3.13",
        "handler": "payment_handler.app.handler",
        "role": role_arn,
        "memory_size": 512,
        "timeout": 30,
        "environment_variables": {"TABLE_NAME": "payments-dev-transactions", "LOG_LEVEL": "INFO"},
        "kms_key_arn": KEY_ARN,
        "tracing_mode": "Active",
        "architecture": "x86_64",
        "vpc_subnet_ids": subnets,
        "vpc_security_group_ids": [group],
        "tags": {"Project": "payments", "Stack": "payments-dev"},
    }


def configuration(lam, name):
    return lam.get_function(FunctionName=name)["Configuration"]


def exists(lam, name):
    return any(function["FunctionName"] == name for function in lam.list_functions()["Functions"])


def test_check_mode_on_a_missing_function_plans_the_create_and_writes_nothing(run_module, lam, args, package):
    result = run_module(MODULE, args, check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["memory_size"] == 512
    assert result["diff"]["after"]["code_sha256"] == package[1]
    assert result["diff"]["after"]["vpc_subnet_ids"] == sorted(args["vpc_subnet_ids"])
    assert not exists(lam, args["name"])


def test_create_sets_everything_then_a_rerun_changes_nothing(run_module, lam, args, package):
    created = run_module(MODULE, args)
    again = run_module(MODULE, args)

    assert created["changed"] is True
    assert again["changed"] is False
    assert again["code_updated"] is False
    assert again["configuration_updated"] is False
    config = configuration(lam, args["name"])
    assert config["Runtime"] == "python3.13"
    assert config["Handler"] == "payment_handler.app.handler"
    assert config["Role"] == args["role"]
    assert config["MemorySize"] == 512
    assert config["Timeout"] == 30
    assert config["Environment"]["Variables"] == args["environment_variables"]
    assert config["KMSKeyArn"] == KEY_ARN
    assert config["TracingConfig"]["Mode"] == "Active"
    assert config["Architectures"] == ["x86_64"]
    assert sorted(config["VpcConfig"]["SubnetIds"]) == sorted(args["vpc_subnet_ids"])
    assert config["VpcConfig"]["SecurityGroupIds"] == args["vpc_security_group_ids"]
    assert config["CodeSha256"] == package[1] == created["code_sha256"]
    assert lam.get_function(FunctionName=args["name"])["Tags"] == args["tags"]
    assert created["function"]["function_arn"] == config["FunctionArn"]


def test_equivalent_input_is_no_change(run_module, args):
    run_module(MODULE, args)
    shuffled = dict(
        args,
        vpc_subnet_ids=list(reversed(args["vpc_subnet_ids"])) + args["vpc_subnet_ids"][:1],
        kms_key_arn=KEY_ID,
        environment_variables={"LOG_LEVEL": "INFO", "TABLE_NAME": "payments-dev-transactions"},
    )

    result = run_module(MODULE, shuffled, check_mode=True, diff=True)

    assert result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]


def test_a_new_package_redeploys_the_code_only(run_module, lam, args, tmp_path):
    run_module(MODULE, args)
    new_zip, new_sha = make_zip(tmp_path / "v2.zip", "def handler(event, context):\n    return {'statusCode': 201}\n")

    result = run_module(MODULE, dict(args, zip_file=new_zip), diff=True)

    assert result["changed"] is True
    assert result["code_updated"] is True
    assert result["configuration_updated"] is False
    assert result["diff"]["after"]["code_sha256"] == new_sha != result["diff"]["before"]["code_sha256"]
    assert configuration(lam, args["name"])["CodeSha256"] == new_sha
    assert run_module(MODULE, dict(args, zip_file=new_zip))["changed"] is False


def test_a_configuration_change_updates_without_redeploying(run_module, lam, args, package):
    run_module(MODULE, args)

    result = run_module(
        MODULE, dict(args, memory_size=1024, environment_variables={"TABLE_NAME": "t2", "LOG_LEVEL": "DEBUG"})
    )

    assert result["changed"] is True
    assert result["configuration_updated"] is True
    assert result["code_updated"] is False
    config = configuration(lam, args["name"])
    assert config["MemorySize"] == 1024
    assert config["Environment"]["Variables"] == {"TABLE_NAME": "t2", "LOG_LEVEL": "DEBUG"}
    assert config["CodeSha256"] == package[1]


def test_check_mode_on_drift_reports_it_with_a_diff_and_writes_nothing(run_module, lam, args, tmp_path):
    run_module(MODULE, args)
    new_zip, _ = make_zip(tmp_path / "v3.zip", "# changed\n")
    before = lam.get_function(FunctionName=args["name"])

    plan = run_module(
        MODULE, dict(args, zip_file=new_zip, timeout=60, tags={"Project": "payments"}), check_mode=True, diff=True
    )

    assert plan["changed"] is True
    assert plan["code_updated"] is True
    assert plan["configuration_updated"] is True
    assert plan["diff"]["before"]["timeout"] == 30
    assert plan["diff"]["after"]["timeout"] == 60
    assert plan["diff"]["after"]["tags"] == {"Project": "payments"}
    after = lam.get_function(FunctionName=args["name"])
    assert after["Configuration"] == before["Configuration"]
    assert after["Tags"] == before["Tags"]


@pytest.mark.parametrize(("purge", "expected"), [(True, {"New": "1"}), (False, {"Project": "payments", "New": "1"})])
def test_tags_are_replaced_or_merged(run_module, lam, args, purge, expected):
    run_module(MODULE, dict(args, tags={"Project": "payments"}))

    result = run_module(MODULE, dict(args, tags={"New": "1"}, purge_tags=purge))

    assert result["changed"] is True
    assert result["code_updated"] is False
    assert lam.get_function(FunctionName=args["name"])["Tags"] == expected


class RecordingClient:
    """Passes every call to the real client and records the order of writes and waits."""

    def __init__(self, real, calls):
        self._real = real
        self._calls = calls

    def get_waiter(self, name):
        waiter = self._real.get_waiter(name)
        calls = self._calls

        class Waiter:
            def wait(self, **kwargs):
                calls.append(f"wait:{name}")
                return waiter.wait(**kwargs)

        return Waiter()

    def __getattr__(self, name):
        attribute = getattr(self._real, name)
        if not name.startswith(("create_", "update_", "tag_", "untag_")):
            return attribute

        def recorded(*args, **kwargs):
            self._calls.append(name)
            return attribute(*args, **kwargs)

        return recorded


@pytest.fixture
def calls(monkeypatch):
    recorded = []
    real_client = lambda_function.client
    monkeypatch.setattr(
        lambda_function, "client", lambda module, service: RecordingClient(real_client(module, service), recorded)
    )
    return recorded


def test_create_waits_until_active(run_module, args, calls):
    run_module(MODULE, args)

    assert calls == ["create_function", "wait:function_active_v2"]


def test_configuration_and_code_updates_are_separate_and_waited_for(run_module, args, tmp_path, calls):
    run_module(MODULE, args)
    new_zip, _ = make_zip(tmp_path / "v4.zip", "# changed again\n")
    calls.clear()

    run_module(MODULE, dict(args, zip_file=new_zip, timeout=45))

    assert calls == [
        "update_function_configuration",
        "wait:function_updated_v2",
        "update_function_code",
        "wait:function_updated_v2",
    ]


def test_a_field_the_endpoint_does_not_apply_is_warned_about(run_module, args):
    run_module(MODULE, dict(args, tracing_mode="PassThrough"))

    result = run_module(MODULE, dict(args, tracing_mode="Active"))

    # The emulator stores TracingConfig at create only; AWS applies it on update and then no warning shows.
    assert result["changed"] is True
    assert any("tracing_mode" in warning for warning in warning_texts(result))


def test_absent_deletes_once(run_module, lam, args):
    run_module(MODULE, args)

    first = run_module(MODULE, {"name": args["name"], "state": "absent"})
    second = run_module(MODULE, {"name": args["name"], "state": "absent"})

    assert first["changed"] is True
    assert second["changed"] is False
    assert not exists(lam, args["name"])


@pytest.mark.parametrize(("option", "value"), [("memory_size", 64), ("memory_size", 10241), ("timeout", 901)])
def test_out_of_range_values_fail_before_any_call(run_module, lam, args, option, value):
    result = run_module(MODULE, dict(args, **{option: value}))

    assert result["failed"] is True
    assert option in result["msg"]
    assert not exists(lam, args["name"])


def test_a_missing_zip_fails_naming_it(run_module, args, tmp_path):
    result = run_module(MODULE, dict(args, zip_file=str(tmp_path / "missing.zip")))

    assert result["failed"] is True
    assert "zip_file" in result["msg"]


# Issue 20, item 3: a function created (or reconfigured) with a role or KMS key made seconds earlier.
ROLE_NOT_YET = "The role defined for the function cannot be assumed by Lambda."
KEY_NOT_YET = (
    "Lambda was unable to configure access to your environment variables because the KMS key is invalid for "
    "CreateGrant. Please check your KMS key settings. KMS Exception: InvalidArnException KMS Message: ..."
)


@pytest.mark.parametrize("message", [ROLE_NOT_YET, KEY_NOT_YET], ids=["role", "kms-key"])
def test_a_create_waits_for_a_new_role_or_key_and_makes_one_function(
    run_module, lam, args, answer_first, fake_clock, message
):
    # Ten refusals: more than a minute of backoff, as IAM and KMS may need on AWS.
    calls = answer_first("CreateFunction", "InvalidParameterValueException", message, times=10)

    result = run_module(MODULE, args)

    assert result["failed"] is False, result
    assert len(calls) == 11
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]].count(args["name"]) == 1
    assert sum(fake_clock.sleeps) > 60
    assert max(fake_clock.sleeps) <= 20


def test_an_update_waits_for_a_new_role(run_module, lam, args, answer_first, fake_clock, emulator_url, name):
    run_module(MODULE, args)
    iam = boto("iam", emulator_url)
    other = iam.create_role(RoleName=f"{name[:56]}-new", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    calls = answer_first("UpdateFunctionConfiguration", "InvalidParameterValueException", ROLE_NOT_YET, times=5)

    result = run_module(MODULE, dict(args, role=other))

    assert result["failed"] is False, result
    assert len(calls) == 6
    assert configuration(lam, args["name"])["Role"] == other


def test_another_invalid_parameter_fails_the_create_at_once(run_module, lam, args, answer_first, fake_clock):
    calls = answer_first("CreateFunction", "InvalidParameterValueException", "Unsupported runtime", times=10)

    result = run_module(MODULE, args)

    assert result["failed"] is True
    assert len(calls) == 1
    assert fake_clock.sleeps == []
    assert not exists(lam, args["name"])
