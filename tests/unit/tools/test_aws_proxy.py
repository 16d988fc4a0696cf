"""aws_proxy: forwards unchanged, names every call, injects faults botocore parses and retries."""

from __future__ import annotations

import concurrent.futures
import contextlib
import http.client
import json
import math
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from types import SimpleNamespace

import aws_proxy
import boto3
import botocore.awsrequest
import botocore.endpoint
import botocore.loaders
import botocore.model
import botocore.parsers
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

TOOL = Path(aws_proxy.__file__).resolve()
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
BUCKET = "aws-proxy-test-bucket"
NO_FAULTS = {"throttle_rate": 0.0, "error_rate": 0.0, "only": None, "seed": 0, "mode": "hash", "latency_ms": 0.0}
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


def signed(service: str) -> dict[str, str]:
    """Headers of a SigV4-signed request for ``service`` (the emulator checks no signature)."""
    scope = f"testing/20250101/{REGION}/{service}/aws4_request"
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=00"}


@pytest.fixture(scope="module")
def shared_proxy(emulator_url, tmp_path_factory):
    boto3.client("s3", endpoint_url=emulator_url, region_name=REGION, **CREDENTIALS).create_bucket(Bucket=BUCKET)
    with aws_proxy.running_proxy(emulator_url, tmp_path_factory.mktemp("proxy") / "calls.jsonl") as url:
        yield url


@pytest.fixture
def proxy(shared_proxy, tmp_path):
    """The module's proxy, without faults, logging to a file of this test's own."""
    log = tmp_path / "calls.jsonl"
    aws_proxy.configure(shared_proxy, **NO_FAULTS)
    aws_proxy.rotate_log(shared_proxy, log)
    return SimpleNamespace(url=shared_proxy, log=log, records=lambda: aws_proxy.read_log(log))


def client(url: str, service: str, config: Config | None = None):
    return boto3.client(service, endpoint_url=url, region_name=REGION, config=config, **CREDENTIALS)


def sts_call(connection: http.client.HTTPConnection) -> int:
    """One GetCallerIdentity over a kept-alive connection: the cheapest real AWS call."""
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", **signed("sts")}
    connection.request("POST", "/", body=body, headers=headers)
    answer = connection.getresponse()
    answer.read()
    return answer.status


def connect(url: str) -> http.client.HTTPConnection:
    split = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(split.hostname, split.port, timeout=30)


# ------------------------------------------------------------------------------------------ naming

NAMED_CALLS = [
    ("ec2", "describe_vpcs", {}, "DescribeVpcs", "ec2"),
    ("dynamodb", "list_tables", {}, "ListTables", "json"),
    ("kms", "list_keys", {}, "ListKeys", "json"),
    ("iam", "list_roles", {}, "ListRoles", "query"),
    ("s3", "list_buckets", {}, "ListBuckets", "rest-xml"),
    ("s3", "get_bucket_versioning", {"Bucket": BUCKET}, "GetBucketVersioning", "rest-xml"),
    ("s3", "get_bucket_lifecycle_configuration", {"Bucket": BUCKET}, "GetBucketLifecycleConfiguration", "rest-xml"),
    ("lambda", "list_functions", {}, "ListFunctions", "rest-json"),
    ("apigateway", "get_rest_apis", {}, "GetRestApis", "rest-json"),
    ("logs", "describe_log_groups", {}, "DescribeLogGroups", "json"),
    ("sts", "get_caller_identity", {}, "GetCallerIdentity", "query"),
    ("wafv2", "list_web_acls", {"Scope": "REGIONAL"}, "ListWebACLs", "json"),
    ("rds", "describe_db_instances", {}, "DescribeDBInstances", "query"),
    ("sns", "list_topics", {}, "ListTopics", "query"),
    ("cloudwatch", "describe_alarms", {}, "DescribeAlarms", "json"),
    ("secretsmanager", "list_secrets", {}, "ListSecrets", "json"),
    ("acm", "list_certificates", {}, "ListCertificates", "json"),
    ("resourcegroupstaggingapi", "get_resources", {}, "GetResources", "json"),
]


@pytest.mark.parametrize(("service", "method", "params", "operation", "protocol"), NAMED_CALLS)
def test_a_real_client_call_is_forwarded_and_logged_by_service_and_operation(
    proxy, service, method, params, operation, protocol
):
    try:
        getattr(client(proxy.url, service), method)(**params)
    except ClientError as exc:  # an answer of the emulator's, passed through (no lifecycle configured...)
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] < 500

    [record] = proxy.records()
    assert (record["service"], record["operation"], record["protocol"]) == (service, operation, protocol)
    assert record["mutating"] is False
    assert record["fault"] is None
    assert record["duration_ms"] > 0


@pytest.mark.parametrize(
    ("service", "method", "params", "operation"),
    [
        ("ec2", "create_vpc", {"CidrBlock": "10.77.0.0/16"}, "CreateVpc"),
        ("logs", "create_log_group", {"logGroupName": "aws-proxy-test"}, "CreateLogGroup"),
        ("s3", "put_bucket_versioning", {"Bucket": BUCKET, "VersioningConfiguration": {"Status": "Enabled"}}, None),
        ("apigateway", "create_rest_api", {"name": "aws-proxy-test"}, "CreateRestApi"),
        ("iam", "create_policy", {"PolicyName": "aws-proxy-test", "PolicyDocument": POLICY}, "CreatePolicy"),
    ],
)
def test_a_writing_call_is_logged_as_mutating(proxy, service, method, params, operation):
    getattr(client(proxy.url, service), method)(**params)

    [record] = proxy.records()
    assert record["operation"] == (operation or "PutBucketVersioning")
    assert record["mutating"] is True
    assert aws_proxy.summarise([record])["mutating_calls"] == 1


def test_answers_pass_unchanged_both_ways(proxy, emulator_url):
    body = bytes(range(256)) * 64
    s3 = client(proxy.url, "s3")
    s3.put_object(Bucket=BUCKET, Key="dir/a key+é", Body=body, Metadata={"colour": "blue"})

    fetched = s3.get_object(Bucket=BUCKET, Key="dir/a key+é")
    headed = s3.head_object(Bucket=BUCKET, Key="dir/a key+é")
    with pytest.raises(ClientError) as missing:
        client(proxy.url, "dynamodb").describe_table(TableName="aws-proxy-no-such-table")

    assert fetched["Body"].read() == body
    assert fetched["Metadata"] == {"colour": "blue"}
    assert headed["ContentLength"] == len(body)
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    operations = [(r["operation"], r["status"]) for r in proxy.records()]
    assert operations == [("PutObject", 200), ("GetObject", 200), ("HeadObject", 200), ("DescribeTable", 400)]
    direct, proxied = connect(emulator_url), connect(proxy.url)
    for connection in (direct, proxied):
        connection.request("GET", f"/{BUCKET}/dir/a%20key%2B%C3%A9", headers=signed("s3"))
    answers = [connection.getresponse() for connection in (direct, proxied)]
    assert [a.status for a in answers] == [200, 200]
    assert answers[1].read() == answers[0].read()
    assert answers[1].getheader("ETag") == answers[0].getheader("ETag")


def test_a_chunked_request_body_is_forwarded_whole(proxy):
    connection = connect(proxy.url)
    chunks = iter([b"chunked ", b"body"])
    connection.request("PUT", f"/{BUCKET}/chunked", body=chunks, headers=signed("s3"), encode_chunked=True)
    assert connection.getresponse().read() == b""

    assert client(proxy.url, "s3").get_object(Bucket=BUCKET, Key="chunked")["Body"].read() == b"chunked body"


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "expected"),
    [
        ("POST", "/", {"X-Amz-Target": "DynamoDB_20120810.DescribeTable"}, b"{}", ("dynamodb", "DescribeTable")),
        ("POST", "/", {"X-Amz-Target": "TrentService.DescribeKey"}, b"{}", ("kms", "DescribeKey")),
        ("POST", "/", {"X-Amz-Target": "AWSWAF_20190729.GetWebACL"}, b"{}", ("wafv2", "GetWebACL")),
        ("POST", "/", {"X-Amz-Target": "AmazonSSM.GetParameter"}, b"{}", ("ssm", "GetParameter")),
        (
            "POST",
            "/service/GraniteServiceVersion20100801/operation/PutMetricAlarm",
            {"smithy-protocol": "rpc-v2-cbor"},
            b"",
            ("cloudwatch", "PutMetricAlarm"),
        ),
        (
            "POST",
            "/",
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"Action=ListRoles&Version=2010-05-08",
            ("iam", "ListRoles"),
        ),
        ("GET", "/?Action=DescribeVpcs&Version=2016-11-15", {}, b"", ("ec2", "DescribeVpcs")),
        ("GET", "/restapis/abc/stages/dev", {}, b"", ("apigateway", "GetStage")),
        ("GET", "/2015-03-31/functions/fn/policy", {}, b"", ("lambda", "GetPolicy")),
    ],
)
def test_unsigned_requests_are_named_from_target_version_or_path(method, path, headers, body, expected):
    name = aws_proxy.name_request(method, path, headers, body)
    assert (name.service, name.operation) == expected


def test_the_credential_scope_names_the_service():
    elb = aws_proxy.name_request(
        "POST",
        "/",
        {"Content-Type": "application/x-www-form-urlencoded", **signed("elasticloadbalancing")},
        b"Action=DescribeLoadBalancers&Version=2015-12-01",
    )
    presigned = aws_proxy.name_request(
        "GET", f"/{BUCKET}/key?X-Amz-Credential=AKID%2F20250101%2Fus-east-1%2Fs3%2Faws4_request", {}
    )
    unknown_rest = aws_proxy.name_request("GET", "/v1/things/42", signed("kafka"))

    assert (elb.service, elb.operation) == ("elbv2", "DescribeLoadBalancers")
    assert (presigned.service, presigned.operation) == ("s3", "GetObject")
    assert (unknown_rest.service, unknown_rest.operation, unknown_rest.mutating) == (
        "kafka",
        "GET /v1/things/42",
        False,
    )


def test_the_rest_route_table_is_botocores():
    assert aws_proxy.generate_routes() == aws_proxy.REST_ROUTES.lstrip("\n"), "refresh it: aws_proxy.py routes"


@pytest.mark.parametrize("service", ["apigateway", "lambda", "s3"])
def test_every_rest_operation_of_the_stack_is_named(service):
    # A loader of its own: clients edit the models they load (S3 drops {Bucket} from request URIs).
    model = botocore.model.ServiceModel(botocore.loaders.Loader().load_service_model(service, "service-2"), service)
    signing_name = model.metadata.get("signingName", model.metadata["endpointPrefix"])
    misnamed = {}
    for name in model.operation_names:
        operation = model.operation_model(name)
        if operation.deprecated or name == "ListDirectoryBuckets":
            continue
        path, _, literal = operation.http["requestUri"].partition("?")
        path = re.sub(r"\{[^}]+\}", "label", re.sub(r"\{[^}]+\+\}", "a/key", path))
        query, headers = [literal] if literal else [], signed(signing_name)
        shape = operation.input_shape
        for member in shape.required_members if shape is not None else ():
            serialization = shape.members[member].serialization
            if serialization.get("location") == "querystring":
                query.append(f"{serialization.get('name', member)}=1")
            elif serialization.get("location") == "header":
                headers[serialization.get("name", member)] = "1"
        named = aws_proxy.name_request(
            operation.http["method"], path + ("?" + "&".join(query) if query else ""), headers
        )
        if (named.service, named.operation) != (service, name):
            misnamed[name] = (named.service, named.operation)
    assert misnamed == {}


@pytest.mark.parametrize(
    ("operation", "mutating"),
    [
        ("DescribeVpcs", False),
        ("GetCallerIdentity", False),
        ("ListTables", False),
        ("HeadBucket", False),
        ("BatchGetItem", False),
        ("Query", False),
        ("Scan", False),
        ("Decrypt", False),
        ("GET /x", False),
        ("CreateVpc", True),
        ("PutItem", True),
        ("BatchWriteItem", True),
        ("TagResource", True),
        ("UpdateStage", True),
        ("DeleteBucket", True),
        ("POST /x", True),
    ],
)
def test_is_mutating(operation, mutating):
    assert aws_proxy.is_mutating(operation) is mutating


# ------------------------------------------------------------------------------------------ faults

# (service, method, params, error code botocore must report, HTTP status) per protocol.
THROTTLES = [
    ("ec2", "describe_vpcs", {}, "RequestLimitExceeded", 503),
    ("iam", "list_roles", {}, "Throttling", 400),
    ("sts", "get_caller_identity", {}, "Throttling", 400),
    ("rds", "describe_db_instances", {}, "Throttling", 400),
    ("sns", "list_topics", {}, "Throttling", 400),
    ("cloudwatch", "describe_alarms", {}, "Throttling", 400),
    ("dynamodb", "list_tables", {}, "ThrottlingException", 400),
    (
        "dynamodb",
        "get_item",
        {"TableName": "t", "Key": {"k": {"S": "v"}}},
        "ProvisionedThroughputExceededException",
        400,
    ),
    ("kms", "list_keys", {}, "ThrottlingException", 400),
    ("logs", "describe_log_groups", {}, "ThrottlingException", 400),
    ("secretsmanager", "list_secrets", {}, "ThrottlingException", 400),
    ("wafv2", "list_web_acls", {"Scope": "REGIONAL"}, "ThrottlingException", 400),
    ("acm", "list_certificates", {}, "ThrottlingException", 400),
    ("apigateway", "get_rest_apis", {}, "TooManyRequestsException", 429),
    ("lambda", "list_functions", {}, "TooManyRequestsException", 429),
    ("s3", "list_buckets", {}, "SlowDown", 503),
]
SERVER_ERRORS = [
    ("ec2", "describe_vpcs", {}, {500: "InternalError", 503: "Unavailable"}),
    ("iam", "list_roles", {}, {500: "InternalFailure", 503: "ServiceUnavailable"}),
    ("cloudwatch", "describe_alarms", {}, {500: "InternalFailure", 503: "ServiceUnavailable"}),
    ("dynamodb", "list_tables", {}, {500: "InternalServerError", 503: "ServiceUnavailable"}),
    ("kms", "list_keys", {}, {500: "InternalFailure", 503: "ServiceUnavailable"}),
    ("apigateway", "get_rest_apis", {}, {500: "InternalFailure", 503: "ServiceUnavailableException"}),
    ("lambda", "list_functions", {}, {500: "ServiceException", 503: "ServiceUnavailable"}),
    ("s3", "list_buckets", {}, {500: "InternalError", 503: "ServiceUnavailable"}),
]


def seed_for_status(service: str, operation: str, status: int) -> int:
    """A seed whose first call of the operation, failing, fails with ``status``."""
    for seed in range(100):
        variant = aws_proxy._unit_interval(seed, service, operation, 1)[1]
        if (variant < 0.5) == (status == 500):
            return seed
    raise AssertionError("no seed found")


@pytest.mark.parametrize(("service", "method", "params", "code", "status"), THROTTLES)
def test_a_throttle_is_in_the_services_own_shape(proxy, service, method, params, code, status):
    aws_proxy.configure(proxy.url, throttle_rate=1.0)

    with pytest.raises(ClientError) as raised:
        getattr(client(proxy.url, service, NO_RETRIES), method)(**params)

    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    [record] = proxy.records()
    assert (record["fault"], record["fault_kind"], record["status"]) == (code, "throttle", status)


@pytest.mark.parametrize("status", [500, 503])
@pytest.mark.parametrize(("service", "method", "params", "codes"), SERVER_ERRORS)
def test_a_server_error_is_in_the_services_own_shape(proxy, service, method, params, codes, status):
    operation = client(proxy.url, service).meta.method_to_api_mapping[method]
    aws_proxy.configure(proxy.url, error_rate=1.0, seed=seed_for_status(service, operation, status))

    with pytest.raises(ClientError) as raised:
        getattr(client(proxy.url, service, NO_RETRIES), method)(**params)

    assert raised.value.response["Error"]["Code"] == codes[status]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert proxy.records()[0]["fault_kind"] == "server_error"


@pytest.mark.parametrize("mode", ["legacy", "standard"])
@pytest.mark.parametrize(
    ("service", "method", "params", "code"),
    [case[:4] for case in THROTTLES[::3]] + [(case[0], case[1], case[2], None) for case in SERVER_ERRORS[::2]],
)
def test_botocore_retries_every_fault(proxy, monkeypatch, mode, service, method, params, code):
    sleeps = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=sleeps.append))
    aws_proxy.configure(proxy.url, **({"throttle_rate": 1.0} if code else {"error_rate": 1.0}))
    retrying = client(proxy.url, service, Config(retries={"mode": mode, "total_max_attempts": 3}))

    with pytest.raises(ClientError) as raised:
        getattr(retrying, method)(**params)

    assert "(reached max retries: 2)" in str(raised.value)
    assert len(sleeps) == 2
    assert [record["fault"] is not None for record in proxy.records()] == [True, True, True]


@pytest.mark.parametrize(
    ("target_service", "query_mode", "code"),
    [("GraniteServiceVersion20100801", "true", "Throttling"), ("ResourceGroupsTaggingAPI_20170126", "", None)],
)
def test_an_rpc_v2_cbor_throttle_parses_in_botocore(target_service, query_mode, code):
    headers = {"smithy-protocol": "rpc-v2-cbor", "x-amzn-query-mode": query_mode}
    name = aws_proxy.name_request("POST", f"/service/{target_service}/operation/GetSomething", headers)
    status, answer_headers, body, fault_code = aws_proxy.fault_response(name, aws_proxy.THROTTLE)

    parsed = botocore.parsers.create_parser("smithy-rpc-v2-cbor").parse(
        {"status_code": status, "headers": botocore.awsrequest.HeadersDict(answer_headers), "body": body}, None
    )

    assert name.protocol == "rpc-v2-cbor"
    assert parsed["Error"]["Code"] == fault_code == (code or "ThrottlingException")
    assert status == 400


def test_faults_apply_only_to_the_operations_and_services_named(proxy):
    aws_proxy.configure(proxy.url, throttle_rate=1.0, only=["ListKeys", "iam"])
    with pytest.raises(ClientError):
        client(proxy.url, "kms", NO_RETRIES).list_keys()
    with pytest.raises(ClientError):
        client(proxy.url, "iam", NO_RETRIES).list_roles()
    client(proxy.url, "kms", NO_RETRIES).list_aliases()
    client(proxy.url, "sts", NO_RETRIES).get_caller_identity()

    faulted = {record["operation"]: record["fault"] is not None for record in proxy.records()}
    assert faulted == {"ListKeys": True, "ListRoles": True, "ListAliases": False, "GetCallerIdentity": False}


def fates(decider: aws_proxy.FaultDecider, calls) -> dict[str, list]:
    by_operation: dict[str, list] = {}
    for operation in calls:
        fate, call, _ = decider.decide(aws_proxy.RequestName("ec2", operation, "ec2"))
        by_operation.setdefault(operation, []).append((call, fate))
    return by_operation


def test_hash_mode_gives_each_nth_call_the_same_fate_however_calls_interleave():
    faults = aws_proxy.Faults(throttle_rate=0.3, error_rate=0.1, seed=7)
    interleaved = ["DescribeVpcs", "CreateVpc"] * 100
    one_after_the_other = ["CreateVpc"] * 100 + ["DescribeVpcs"] * 100

    first = fates(aws_proxy.FaultDecider(faults), interleaved)
    assert fates(aws_proxy.FaultDecider(faults), one_after_the_other) == first
    other_seed = fates(aws_proxy.FaultDecider(aws_proxy.Faults(throttle_rate=0.3, error_rate=0.1, seed=8)), interleaved)
    assert other_seed != first


def test_sequence_mode_repeats_a_run_in_the_same_order():
    faults = aws_proxy.Faults(throttle_rate=0.3, seed=7, mode="sequence")
    calls = ["DescribeVpcs", "CreateVpc"] * 100
    assert fates(aws_proxy.FaultDecider(faults), calls) == fates(aws_proxy.FaultDecider(faults), calls)
    reordered = fates(aws_proxy.FaultDecider(faults), sorted(calls))
    assert reordered != fates(aws_proxy.FaultDecider(faults), calls)


def test_the_same_seed_faults_the_same_calls_of_a_real_run(proxy):
    def run(log: Path) -> list:
        aws_proxy.configure(proxy.url, throttle_rate=0.3, error_rate=0.1, seed=3)
        aws_proxy.rotate_log(proxy.url, log)
        connection = connect(proxy.url)
        kms = client(proxy.url, "kms", NO_RETRIES)
        for _ in range(25):
            sts_call(connection)
            with contextlib.suppress(ClientError):
                kms.list_keys()
        return [(r["operation"], r["call"], r["fault"]) for r in aws_proxy.read_log(log)]

    first, second = run(proxy.log.with_name("first.jsonl")), run(proxy.log.with_name("second.jsonl"))
    assert first == second
    assert len(first) == 50
    assert 0 < sum(1 for _, _, fault in first if fault) < 50


def binomial_bounds(n: int, p: float, sigmas: float = 5.0) -> tuple[float, float]:
    spread = sigmas * math.sqrt(n * p * (1 - p))
    return n * p - spread, n * p + spread


def test_rates_hold_over_a_thousand_concurrent_calls(proxy):
    aws_proxy.configure(proxy.url, throttle_rate=0.1, error_rate=0.02, seed=11)
    local = threading.local()

    def call(_):
        if not hasattr(local, "connection"):
            local.connection = connect(proxy.url)
        return sts_call(local.connection)

    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(call, range(1000)))

    records = proxy.records()
    assert len(records) == 1000
    assert sorted(record["call"] for record in records) == list(range(1, 1001))
    throttled = sum(1 for record in records if record.get("fault_kind") == "throttle")
    failed = sum(1 for record in records if record.get("fault_kind") == "server_error")
    low, high = binomial_bounds(1000, 0.1)
    assert low <= throttled <= high
    low, high = binomial_bounds(1000, 0.02)
    assert low <= failed <= high
    assert statuses.count(200) == 1000 - throttled - failed
    assert statuses.count(400) == throttled


def test_latency_is_added_to_every_call(proxy):
    aws_proxy.configure(proxy.url, latency_ms=50)
    connection = connect(proxy.url)
    started = time.monotonic()
    for _ in range(5):
        assert sts_call(connection) == 200
    elapsed = time.monotonic() - started

    assert elapsed >= 0.25
    assert all(record["duration_ms"] >= 50 for record in proxy.records())


def test_settings_and_log_change_while_it_runs(proxy):
    sts = client(proxy.url, "sts", NO_RETRIES)
    sts.get_caller_identity()
    changed = aws_proxy.configure(proxy.url, throttle_rate=1.0)
    with pytest.raises(ClientError):
        sts.get_caller_identity()
    new_log = proxy.log.with_name("after.jsonl")
    aws_proxy.rotate_log(proxy.url, new_log)
    aws_proxy.configure(proxy.url, throttle_rate=0.0)
    sts.get_caller_identity()
    with pytest.raises(aws_proxy.ProxyError, match="rates must lie between 0 and 1"):
        aws_proxy.configure(proxy.url, error_rate=2)

    assert changed == {**NO_FAULTS, "throttle_rate": 1.0}
    assert aws_proxy.get_config(proxy.url) == NO_FAULTS
    assert [r["fault"] for r in proxy.records()] == [None, "Throttling"]
    assert [r["fault"] for r in aws_proxy.read_log(new_log)] == [None]
    aws_proxy.rotate_log(proxy.url)  # empties the current log
    assert aws_proxy.read_log(new_log) == []


def test_summary_counts_calls_per_service_and_mutating_calls():
    records = [
        {"service": "ec2", "operation": "DescribeVpcs", "status": 200, "mutating": False, "fault": None},
        {"service": "ec2", "operation": "CreateVpc", "status": 200, "mutating": True, "fault": None},
        {"service": "ec2", "operation": "CreateVpc", "status": 503, "mutating": True, "fault": "RequestLimitExceeded"},
        {"service": "kafka", "operation": "GET /v1/x", "status": 200, "mutating": False, "fault": None},
    ]
    summary = aws_proxy.summarise(records)
    assert summary["calls"] == 4
    assert summary["services"] == {"ec2": {"calls": 3, "mutating": 1}, "kafka": {"calls": 1, "mutating": 0}}
    assert (summary["mutating_calls"], summary["mutating_faulted"]) == (1, 1)
    assert summary["mutating_operations"] == {"ec2:CreateVpc": 1}
    assert summary["faults"] == {"RequestLimitExceeded": 1}
    assert summary["unnamed"] == {"kafka:GET /v1/x": 1}


def test_command_line_start_config_rotate_summary_stop(emulator_url, tmp_path):
    state, log, second_log = tmp_path / "proxy.json", tmp_path / "calls.jsonl", tmp_path / "second.jsonl"
    run = [sys.executable, str(TOOL)]

    def cli(*args, check=True):
        return subprocess.run([*run, *args], check=check, capture_output=True, text=True)

    try:
        started = cli("start", "--upstream", emulator_url, "--log", str(log), "--state-file", str(state))
        url = started.stdout.strip()
        assert url.startswith("http://127.0.0.1:")
        assert json.loads(cli("status", "--state-file", str(state)).stdout)["running"] is True
        client(url, "sts").get_caller_identity()
        configured = json.loads(cli("config", "--state-file", str(state), "--throttle-rate", "1").stdout)
        assert configured["throttle_rate"] == 1.0
        with pytest.raises(ClientError):
            client(url, "ec2", NO_RETRIES).describe_vpcs()
        cli("rotate-log", "--state-file", str(state), "--log", str(second_log))
        summary = json.loads(cli("summary", "--log", str(log)).stdout)
        assert summary["services"] == {"ec2": {"calls": 1, "mutating": 0}, "sts": {"calls": 1, "mutating": 0}}
        assert summary["faults"] == {"RequestLimitExceeded": 1}
        assert second_log.read_text() == ""
    finally:
        stopped = cli("stop", "--state-file", str(state), check=False)
    assert stopped.stdout.strip() == "stopped"
    assert cli("url", "--state-file", str(state), check=False).returncode == 1
