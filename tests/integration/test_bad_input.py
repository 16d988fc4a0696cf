"""Bad input fails before the first AWS call, with a message that names the variable and says what is allowed.

Every case runs a playbook against a recording proxy in front of an emulator (one of each for the whole file) and
asserts the proxy saw no call at all: the site playbook validates every role's inputs in its pre_tasks (argument
specs and each role's tasks/validate.yml), and the destroy playbook refuses prod before it removes anything.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import aws_proxy  # tests/tools
import boto3
import emulator  # tests/tools
import pytest

pytestmark = pytest.mark.integration

# A failed task ("fatal: [host]: FAILED! => {...}") or a failed loop item ("failed: [host] (item=x) => {...}").
FATAL = re.compile(
    r"^(?:fatal: \[[^\]]+\]: FAILED!|failed: \[[^\]]+\] \(item=.*?\)) => (?P<result>\{.*\})\s*$", re.MULTILINE
)


@dataclass
class Recorder:
    url: str
    log_path: Path

    def fresh_log(self, name: str) -> Path:
        self.log_path = Path(aws_proxy.rotate_log(self.url, self.log_path.with_name(f"{name}.jsonl")))
        return self.log_path

    def calls(self) -> list[str]:
        return [f"{record['service']}:{record['operation']}" for record in aws_proxy.read_log(self.log_path)]


@pytest.fixture(scope="module")
def recorder(tmp_path_factory):
    """One emulator and one recording proxy in front of it, for every case of this file."""
    work = tmp_path_factory.mktemp("bad-input")
    state_file = work / "emulator.json"
    upstream = emulator.start(state_file)["url"]
    try:
        with aws_proxy.running_proxy(upstream, work / "proxy.jsonl") as url:
            yield Recorder(url, work / "proxy.jsonl")
    finally:
        emulator.stop(state_file)


def failure_messages(output: str) -> str:
    """What the failed tasks said: their msg and, for an argument spec, its argument_errors."""
    messages = []
    for match in FATAL.finditer(output):
        result = json.loads(match["result"])
        messages.append(str(result.get("msg", "")))
        messages.extend(str(error) for error in result.get("argument_errors", []))
    return "\n".join(messages)


def inventory_without(tmp_path: Path, env: str, variable: str) -> str:
    """A copy of inventories/<env> whose group_vars no longer set ``variable``."""
    source = Path(__file__).resolve().parents[2] / "inventories" / env
    target = tmp_path / "inventories" / env
    for path in source.rglob("*"):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text(encoding="utf-8")
        destination.write_text(re.sub(rf"(?m)^{re.escape(variable)}:.*\n", "", text), encoding="utf-8")
    return str(target)


def case(variable: str, value, allowed: str, env: str = "dev", playbook: str = "site.yml", name: str = "", **extra):
    """One row: -e {variable: value, **extra} must fail naming ``variable`` and saying ``allowed``."""
    case_id = f"{env}-{variable}={name or json.dumps(value)}"
    return pytest.param(playbook, env, {variable: value, **extra}, variable, allowed, id=case_id)


GSI_WITHOUT_HASH_KEY_TYPE = [{"name": "ByUser", "hash_key_name": "userId", "projection_type": "ALL"}]
# The table's sort key timestamp is a number (N): an index cannot type it S.
GSI_WITH_A_SECOND_TYPE_FOR_TIMESTAMP = [
    {"name": "ByUser", "hash_key_name": "userId", "hash_key_type": "S"}
    | {"range_key_name": "timestamp", "range_key_type": "S"}
]
GSI_WITHOUT_NAME = [{"hash_key_name": "userId", "hash_key_type": "S"}]

CASES = [
    # payments (shared inputs)
    case("payments_env", "qa", "one of: dev, staging, prod"),
    case("payments_env_suffix", "UPPER", "0-10 lower-case letters or digits"),
    case("aws_region", "moon", "region name such as us-east-1"),
    case("payments_audit_bucket_suffix", "xyz", "8 lower-case hex digits"),
    case("payments_audit_bucket_suffix", "0123456G", "8 lower-case hex digits"),
    case("payments_tags", "payments", "convert to dict"),
    case("payments_tags", {"Stack": "other"}, "may not set Project, Environment, ManagedBy or Stack"),
    # issue 16: browser origins (CORS), shared by the function and API Gateway
    case("payments_cors_allowed_origins", ["https://app.example.com/path"], "no path", name="path"),
    case("payments_cors_allowed_origins", ["*", "https://app.example.com"], "['*'] alone", name="star-and-more"),
    case("payments_cors_allowed_origins", ["*"], "never *", env="prod", name="star-in-prod"),
    case("payments_cors_allowed_origins", ["http://app.example.com"], "https origins only", env="prod", name="http"),
    # vpc
    case("vpc_cidr_block", "10.0.0.0/24", "/16 network address"),
    case("vpc_cidr_block", "192.168.1.0/16", "/16 network address"),
    case("vpc_private_subnet_count", 4, "one of: 3"),
    case("vpc_private_subnet_count", "three", "convert to int"),
    case("vpc_flow_logs_retention_days", 10, "one of: 1, 3, 5, 7, 14, 30"),
    case("vpc_availability_zones", ["us-east-1a", "us-east-1a", "us-east-1b"], "distinct AZ names"),
    case("vpc_destroy_retry_delay_seconds", 0, "1 or more seconds"),
    # issue 20, item 8: AZs pinned by ID (an ID the region lacks: tests/integration/test_availability_zone_ids.py)
    case("vpc_availability_zone_ids", ["use1-az1", "use1-az2"], "3 distinct AZ IDs", name="two"),
    case("vpc_availability_zone_ids", ["use1-az1", "use1-az1", "use1-az2"], "3 distinct AZ IDs", name="twice"),
    case("vpc_availability_zone_ids", ["us-east-1a", "us-east-1b", "us-east-1c"], "such as use1-az1", name="names"),
    case(
        "vpc_availability_zone_ids",
        ["use1-az1", "use1-az2", "use1-az4"],
        "cannot be set together with vpc_availability_zones",
        name="and-names",
        vpc_availability_zones=["us-east-1a", "us-east-1b", "us-east-1c"],
    ),
    # issue 20, item 7: retention of the database's exported log groups
    case("rds_kms_log_retention_days", 10, "one of: 1, 3, 5, 7, 14, 30"),
    # rds_kms
    case("rds_kms_instance_class", "m5.large", "db.t3.micro"),
    case("rds_kms_backup_retention_days", 0, "1 to 35", env="prod"),
    case("rds_kms_backup_retention_days", 36, "1 to 35"),
    case("rds_kms_key_deletion_window_days", 6, "7 to 30"),
    case("rds_kms_key_deletion_window_days", 31, "7 to 30"),
    # dev's ceiling is 100 GB: 200 GB allocated is over it.
    case("rds_kms_allocated_storage_gb", 200, "rds_kms_max_allocated_storage_gb must be 100 to 65536 and at least"),
    case("rds_kms_maintenance_window", "sun:03:30-sun:04:30", "rds_kms_backup_window"),
    case("rds_kms_backup_window", "25:00-26:00", "hh24:mi-hh24:mi"),
    case("rds_kms_multi_az", "maybe", "convert to bool"),
    case("rds_kms_engine_major_version", "12", "one of: 14, 15, 16, 17, 18"),
    case("rds_kms_monitoring_interval_seconds", 7, "one of: 0, 1, 5, 10, 15, 30, 60"),
    case(
        "rds_kms_secret_admin_arns",
        ["arn:aws:iam::123456789012:role/deploy*"],
        "IAM role or user ARNs",
        name="wildcard-role",
    ),
    case(
        "rds_kms_secret_admin_arns",
        ["arn:aws:sts::123456789012:assumed-role/deployer/session"],
        "IAM role or user ARNs",
        name="sts-session",
        env="prod",
    ),
    case("rds_kms_secret_resource_policy", "maybe", "convert to bool"),
    # issue 20 (rds_kms, item 1): prod requires the deployer and break-glass roles on the DB master secret's policy
    case("rds_kms_secret_admin_arns", [], "at least one IAM role ARN", env="prod", name="empty-in-prod"),
    case(
        "rds_kms_secret_revoked_arns",
        ["arn:aws:iam::123456789012:role/payments-prod-deployer"],
        "none of them also in rds_kms_secret_admin_arns",
        env="prod",
        name="revokes-an-admin",
    ),
    # end of issue 20 (rds_kms)
    # dynamodb
    case("dynamodb_global_secondary_indexes", GSI_WITHOUT_HASH_KEY_TYPE, "hash_key_type", name="no-hash-key-type"),
    case(
        "dynamodb_global_secondary_indexes",
        GSI_WITH_A_SECOND_TYPE_FOR_TIMESTAMP,
        "the same as the table's keys",
        name="timestamp-typed-S",
    ),
    case("dynamodb_global_secondary_indexes", GSI_WITHOUT_NAME, "missing required arguments: name", name="no-name"),
    case("dynamodb_billing_mode", "FREE", "one of: PAY_PER_REQUEST, PROVISIONED"),
    # s3_audit
    case("s3_audit_deep_archive_after_days", 60, "at least 90 days after s3_audit_glacier_after_days"),
    case("s3_audit_glacier_after_days", 0, "at least 1"),
    case("s3_audit_noncurrent_expiration_days", 10, "more than s3_audit_noncurrent_glacier_after_days"),
    case("s3_audit_object_lock_mode", "WORM", "one of: GOVERNANCE, COMPLIANCE"),
    case("s3_audit_object_lock_retention_days", -1, "at least 0"),
    # lambda
    case("lambda_memory_mb", 64, "128 to 10240"),
    case("lambda_memory_mb", 10241, "128 to 10240"),
    case("lambda_memory_mb", "lots", "convert to int"),
    case("lambda_timeout_seconds", 901, "1 to 900"),
    case("lambda_reserved_concurrency", 901, "0 to 900", env="prod"),
    case("lambda_reserved_concurrency", 450, "0 to 400", lambda_account_concurrency_limit=500),
    case("lambda_log_retention_days", 10, "one of: 1, 3, 5, 7, 14, 30"),
    case("lambda_runtime", "python3.12", "python3.13 on"),
    case("lambda_extra_environment", {"AWS_REGION": "x"}, "nor AWS_*"),
    case("lambda_extra_environment", {"DB_PASSWORD": "x"}, "may not carry secrets"),
    # apigw_waf
    case("apigw_waf_log_retention_days", 10, "one of: 1, 3, 5, 7, 14, 30"),
    case("apigw_waf_custom_domain", "api_dev.payments.internal", "lower-case DNS name"),
    case("apigw_waf_custom_domain", "https://api-dev.payments.internal/", "lower-case DNS name"),
    # AWS lowered the rate-based rule's minimum from 100 to 10 (botocore's wafv2 model: RateLimit min 10).
    case("apigw_waf_waf_rate_limit", 9, "10 to 2000000000", env="prod"),
    case("apigw_waf_authorization", "NONE", "apigw_waf_allow_unauthenticated: true"),
    case("apigw_waf_private_key_pem", "-----BEGIN PRIVATE KEY-----", "together with apigw_waf_private_key_pem"),
    case("apigw_waf_logging_level", "DEBUG", "one of: OFF, ERROR, INFO"),
    case("apigw_waf_security_policy", "TLS_1_0", "one of: TLS_1_2, SecurityPolicy_TLS13_1_2_2021_06"),
    # cloudwatch
    case("cloudwatch_lambda_errors", -1, "a number more than 0"),
    case("cloudwatch_rds_cpu_percent", 0, "a number more than 0"),
    case("cloudwatch_alarm_subscriptions", [{"protocol": "sms", "endpoint": "+15550100"}], "one of: email, https"),
    case("cloudwatch_alarm_subscriptions", [{"protocol": "email", "endpoint": "oncall-at-example.com"}], "e-mail"),
    case("cloudwatch_alarm_subscriptions", [{"protocol": "https", "endpoint": "http://hooks.example.com"}], "https://"),
    case("cloudwatch_period_seconds", 90, "multiple of 60"),
    case("cloudwatch_datapoints_to_alarm", 4, "1 to cloudwatch_evaluation_periods"),
    # the destroy playbook: prod is removed only when its stack is named
    case("confirm_destroy", "prod", "confirm_destroy=payments-prod", env="prod", playbook="playbooks/destroy.yml"),
    # issue 16: alarms
    # prod requires a subscription (cloudwatch_require_subscriptions: true); the certificate is allowed so that the
    # cloudwatch check, which runs after apigw_waf's, is the one that fails.
    case(
        "cloudwatch_alarm_subscriptions",
        [],
        "at least one email or https subscription is required in this environment (cloudwatch_require_subscriptions",
        env="prod",
        apigw_waf_allow_self_signed_certificate=True,
    ),
    case("cloudwatch_require_subscriptions", "maybe", "convert to bool"),
    # issue 16: certificate
    # The shipped prod inventory as is (no certificate given, apigw_waf_allow_self_signed_certificate: false).
    pytest.param(
        "site.yml",
        "prod",
        {},
        "apigw_waf_allow_self_signed_certificate",
        "apigw_waf_certificate_arn (an existing ACM certificate",
        id="prod-no-certificate-given",
    ),
    case(
        "apigw_waf_allow_self_signed_certificate",
        False,
        "apigw_waf_certificate_pem + apigw_waf_private_key_pem (+ apigw_waf_certificate_chain_pem)",
    ),
    case("apigw_waf_allow_self_signed_certificate", "maybe", "convert to bool"),
]


@pytest.mark.parametrize(("playbook_path", "env", "extra_vars", "variable", "allowed"), CASES)
def test_bad_input_fails_before_any_aws_call_naming_the_variable(
    recorder, playbook, request, playbook_path, env, extra_vars, variable, allowed
):
    recorder.fresh_log(re.sub(r"\W+", "_", request.node.callspec.id))

    run = playbook(playbook_path, "-i", f"inventories/{env}", "-e", json.dumps(extra_vars), endpoint=recorder.url)

    assert run.returncode == 2, run.output[-3000:]
    assert run.recap[f"payments-{env}"]["failed"] == 1, run.output[-3000:]
    message = failure_messages(run.output)
    assert variable in message, run.output[-3000:]
    assert allowed in message, message
    assert recorder.calls() == []


def test_a_missing_region_fails_before_any_aws_call_naming_it(recorder, playbook, tmp_path):
    recorder.fresh_log("missing-region")
    inventory = inventory_without(tmp_path, "dev", "aws_region")

    run = playbook("site.yml", "-i", inventory, endpoint=recorder.url)

    assert run.returncode == 2, run.output[-3000:]
    message = failure_messages(run.output)
    assert "aws_region" in message, run.output[-3000:]
    assert "missing required arguments" in message, message
    assert recorder.calls() == []


def test_the_recorder_sees_a_call_that_reaches_it(recorder):
    """The control of the cases above: a call through the proxy is in its log."""
    recorder.fresh_log("control")
    client = boto3.client(
        "sts",
        endpoint_url=recorder.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

    client.get_caller_identity()

    assert recorder.calls() == ["sts:GetCallerIdentity"]
