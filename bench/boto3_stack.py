"""The lower bound for the benchmark: one environment's stack made with plain boto3 and the fewest calls.

No Ansible, no checks before writing, no retries beyond botocore's: each resource is created once with
every setting it can take at creation (tags, policies, encryption), and set afterwards only where AWS has
no creation parameter for it. Then a read-only pass reads every resource and every setting the create
pass made, once, batching where one call returns several resources of a kind (subnets, security groups,
alarms). bench/run.py times both, in their own process, through the recording proxy.

    boto3_stack.py create --env dev --endpoint-url URL     # make the stack (on an empty account)
    boto3_stack.py read   --env dev --endpoint-url URL     # read it all back, changing nothing
    boto3_stack.py plan   --env prod [--pass read]         # list the calls, contacting nobody

The resources and settings are those of the site playbook (DESIGN.md): VPC with 3 private subnets, a
route table, DynamoDB and S3 gateway endpoints, two security groups, flow logs; the stack KMS key; the
RDS subnet group, the Enhanced Monitoring role and the instance; the DynamoDB table (KMS, stream, TTL,
PITR); the audit bucket; the Lambda function with its role, log group and reserved concurrency; the
REST API (model, validators, routes, gateway responses, stage, access logs, account logging role, custom
domain with an imported certificate, the invoke permission), the WAF in prod; the alarm topic, the
alarms and the dashboard.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import re
import sys
import time
import urllib.parse
import zipfile
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

GATEWAY_RESPONSE_TYPES = (
    "ACCESS_DENIED",
    "BAD_REQUEST_BODY",
    "BAD_REQUEST_PARAMETERS",
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "EXPIRED_TOKEN",
    "INTEGRATION_FAILURE",
    "INTEGRATION_TIMEOUT",
    "INVALID_SIGNATURE",
    "MISSING_AUTHENTICATION_TOKEN",
    "QUOTA_EXCEEDED",
    "REQUEST_TOO_LARGE",
    "RESOURCE_NOT_FOUND",
    "THROTTLED",
    "UNAUTHORIZED",
    "UNSUPPORTED_MEDIA_TYPE",
    "WAF_FILTERED",
)

REPO = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Per environment, the inventories' values the stack's shape depends on (inventories/<env>/group_vars).
SIZING = {
    "dev": {"db_class": "db.t3.micro", "multi_az": False, "backup_days": 3, "deletion_protection": False,
            "max_storage": 100, "log_days": 7, "glacier": 30, "deep_archive": 120, "concurrency": 10,
            "waf": False, "rds_connections": 60, "monitoring_interval": 60},
    "staging": {"db_class": "db.t3.small", "multi_az": False, "backup_days": 3, "deletion_protection": False,
                "max_storage": 100, "log_days": 30, "glacier": 60, "deep_archive": 150, "concurrency": 50,
                "waf": False, "rds_connections": 120, "monitoring_interval": 60},
    "prod": {"db_class": "db.r6g.large", "multi_az": True, "backup_days": 7, "deletion_protection": True,
             "max_storage": 200, "log_days": 90, "glacier": 90, "deep_archive": 180, "concurrency": 100,
             "waf": True, "rds_connections": 1350, "monitoring_interval": 60},
}  # fmt: skip
ALARMS = (
    ("rds-cpu", "AWS/RDS", "CPUUtilization"),
    ("rds-free-storage", "AWS/RDS", "FreeStorageSpace"),
    ("rds-connections", "AWS/RDS", "DatabaseConnections"),
    ("lambda-errors", "AWS/Lambda", "Errors"),
    ("lambda-throttles", "AWS/Lambda", "Throttles"),
    ("lambda-duration-p99", "AWS/Lambda", "Duration"),
    ("api-5xx", "AWS/ApiGateway", "5XXError"),
    ("api-latency-p99", "AWS/ApiGateway", "Latency"),
    ("dynamodb-throttled-requests", "AWS/DynamoDB", "ThrottledRequests"),
    ("dynamodb-system-errors", "AWS/DynamoDB", "SystemErrors"),
)


def client(service: str, endpoint_url: str | None, region: str = REGION):
    import boto3

    kwargs = {"region_name": region}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
        if urllib.parse.urlsplit(endpoint_url).hostname in LOOPBACK_HOSTS:
            kwargs.update(aws_access_key_id="testing", aws_secret_access_key="testing")
    return boto3.client(service, **kwargs)


# --------------------------------------------------------------------------------------------------
# Calling AWS, or only listing the calls
# --------------------------------------------------------------------------------------------------


class Dry(str):
    """A stand-in answer in a dry run: any key or index gives another one; it is a string where used."""

    def __new__(cls, path: str = "dry"):
        return super().__new__(cls, f"<{path}>")

    def __getitem__(self, key):
        return Dry(f"{str.__str__(self)[1:-1]}.{key}")

    def get(self, key, default=None):
        return self[key]

    def __iter__(self):
        yield self["0"]


@dataclass
class Caller:
    """Makes the calls (``endpoint_url`` set) or only records them (``dry``)."""

    endpoint_url: str | None = None
    dry: bool = False
    calls: list[tuple[str, str, dict]] = field(default_factory=list)
    _clients: dict = field(default_factory=dict)

    def __call__(self, service: str, operation: str, **params):
        self.calls.append((service, operation, params))
        if self.dry:
            return Dry(f"{service}.{operation}")
        if service not in self._clients:
            self._clients[service] = client(service, self.endpoint_url)
        return getattr(self._clients[service], operation)(**params)

    def wait(self, service: str, waiter: str, **params) -> None:
        """A botocore waiter: its calls go through the proxy like any other (one, on the emulator)."""
        self.calls.append((service, f"waiter:{waiter}", params))
        if not self.dry:
            if service not in self._clients:
                self._clients[service] = client(service, self.endpoint_url)
            self._clients[service].get_waiter(waiter).wait(**params, WaiterConfig={"Delay": 1, "MaxAttempts": 900})


@dataclass
class Names:
    env: str
    account: str

    @property
    def stack(self) -> str:
        return f"payments-{self.env}"

    @property
    def bucket(self) -> str:
        digest = hashlib.sha256(f"{self.account}/{REGION}/{self.stack}".encode()).hexdigest()[:8]
        return f"payments-{self.env}-audit-{digest}"

    def tags(self) -> dict[str, str]:
        return {
            "Project": "payments",
            "Environment": self.env,
            "ManagedBy": "ansible",
            "Stack": self.stack,
            "CostCenter": f"payments-{self.env}",
            "Owner": "platform-engineering",
        }

    def tag_list(self, key: str = "Key", value: str = "Value", **extra) -> list[dict]:
        return [{key: k, value: v} for k, v in {**self.tags(), **extra}.items()]

    def tag_spec(self, resource_type: str, **extra) -> list[dict]:
        return [{"ResourceType": resource_type, "Tags": self.tag_list(**extra)}]


def trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def allow(actions: list[str], resources: list[str]) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources}]}
    )


def handler_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payment_handler/__init__.py", "")
        archive.writestr("payment_handler/app.py", "def handler(event, context):\n    return {'statusCode': 200}\n")
    return buffer.getvalue()


def self_signed(domain: str) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=397))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), pem_key


# --------------------------------------------------------------------------------------------------
# The create pass
# --------------------------------------------------------------------------------------------------


def create(call: Caller, env: str) -> dict:
    """Make the stack; returns its ids."""
    size = SIZING[env]
    identity = call("sts", "get_caller_identity")
    account = identity["Account"]
    n = Names(env, account)
    arn = f"arn:aws:%s:{REGION}:{account}:%s"
    ids: dict = {}

    # The stack key first: the log groups, the table, the bucket, the topic and the database use it.
    key = call(
        "kms",
        "create_key",
        Description=f"{n.stack} data key",
        KeyUsage="ENCRYPT_DECRYPT",
        KeySpec="SYMMETRIC_DEFAULT",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AccountAdministers",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ],
            }
        ),
        Tags=n.tag_list("TagKey", "TagValue"),
    )["KeyMetadata"]
    key_arn = ids["key_arn"] = key["Arn"]
    call("kms", "create_alias", AliasName=f"alias/{n.stack}-data", TargetKeyId=key["KeyId"])
    call("kms", "enable_key_rotation", KeyId=key["KeyId"])

    # The network.
    vpc = call(
        "ec2", "create_vpc", CidrBlock="10.0.0.0/16", TagSpecifications=n.tag_spec("vpc", Name=f"{n.stack}-vpc")
    )["Vpc"]["VpcId"]
    call("ec2", "modify_vpc_attribute", VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = []
    for index, zone in enumerate(("a", "b", "c")):
        az = f"{REGION}{zone}"
        subnets.append(
            call(
                "ec2",
                "create_subnet",
                VpcId=vpc,
                CidrBlock=f"10.0.{index * 16}.0/20",
                AvailabilityZone=az,
                TagSpecifications=n.tag_spec("subnet", Name=f"{n.stack}-private-{az}", Tier="private"),
            )["Subnet"]["SubnetId"]
        )
    table = call(
        "ec2",
        "create_route_table",
        VpcId=vpc,
        TagSpecifications=n.tag_spec("route-table", Name=f"{n.stack}-private-rt"),
    )["RouteTable"]["RouteTableId"]
    for subnet in subnets:
        call("ec2", "associate_route_table", RouteTableId=table, SubnetId=subnet)
    for service in ("dynamodb", "s3"):
        call(
            "ec2",
            "create_vpc_endpoint",
            VpcEndpointType="Gateway",
            VpcId=vpc,
            ServiceName=f"com.amazonaws.{REGION}.{service}",
            RouteTableIds=[table],
            PolicyDocument=allow([f"{service}:*"], ["*"]),
            TagSpecifications=n.tag_spec("vpc-endpoint", Name=f"{n.stack}-{service}-endpoint"),
        )
    prefix_lists = call(
        "ec2",
        "describe_prefix_lists",
        Filters=[{"Name": "prefix-list-name", "Values": [f"com.amazonaws.{REGION}.{s}" for s in ("dynamodb", "s3")]}],
    )["PrefixLists"]
    groups = {}
    for what, description in (("rds", "RDS PostgreSQL"), ("lambda", "Lambda payment processor")):
        name = f"{n.stack}-{what}-sg"
        groups[what] = call(
            "ec2",
            "create_security_group",
            GroupName=name,
            Description=f"{n.stack} {description}",
            VpcId=vpc,
            TagSpecifications=n.tag_spec("security-group", Name=name),
        )["GroupId"]
        call(
            "ec2",
            "revoke_security_group_egress",
            GroupId=groups[what],
            IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )
    postgres = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432}
    call(
        "ec2",
        "authorize_security_group_ingress",
        GroupId=groups["rds"],
        IpPermissions=[{**postgres, "UserIdGroupPairs": [{"GroupId": groups["lambda"]}]}],
    )
    https = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
    call(
        "ec2",
        "authorize_security_group_egress",
        GroupId=groups["lambda"],
        IpPermissions=[
            {**postgres, "UserIdGroupPairs": [{"GroupId": groups["rds"]}]},
            {**https, "PrefixListIds": [{"PrefixListId": found["PrefixListId"]} for found in prefix_lists]},
        ],
    )
    flow_group = f"/aws/vpc-flow-logs/{n.stack}"
    log_group(call, n, flow_group, size["log_days"], key_arn)
    flow_role = role(call, n, f"{n.stack}-flow-logs", "vpc-flow-logs.amazonaws.com")
    call(
        "iam",
        "put_role_policy",
        RoleName=f"{n.stack}-flow-logs",
        PolicyName="write-flow-logs",
        PolicyDocument=allow(
            ["logs:CreateLogStream", "logs:PutLogEvents"], [arn % ("logs", f"log-group:{flow_group}:*")]
        ),
    )
    call(
        "ec2",
        "create_flow_logs",
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName=flow_group,
        DeliverLogsPermissionArn=flow_role,
        TagSpecifications=n.tag_spec("vpc-flow-log", Name=f"{n.stack}-flow-log"),
    )

    # The database: started, waited for at the very end; Enhanced Monitoring publishes through its role.
    monitoring_role_name = f"{env}-payments-rds-monitoring-role"
    monitoring_role = role(call, n, monitoring_role_name, "monitoring.rds.amazonaws.com")
    call(
        "iam",
        "attach_role_policy",
        RoleName=monitoring_role_name,
        PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
    )
    call(
        "rds",
        "create_db_subnet_group",
        DBSubnetGroupName=f"{n.stack}-db-subnets",
        DBSubnetGroupDescription=f"{n.stack} PostgreSQL, private subnets",
        SubnetIds=subnets,
        Tags=n.tag_list(),
    )
    # The log groups RDS would otherwise create itself for the exports (no expiry, no key), made first.
    for export in ("postgresql", "upgrade"):
        log_group(call, n, f"/aws/rds/instance/{n.stack}-db/{export}", size["log_days"], key_arn)
    call(
        "rds",
        "create_db_instance",
        DBInstanceIdentifier=f"{n.stack}-db",
        Engine="postgres",
        EngineVersion="17",
        DBInstanceClass=size["db_class"],
        AllocatedStorage=20,
        MaxAllocatedStorage=size["max_storage"],
        StorageType="gp3",
        StorageEncrypted=True,
        KmsKeyId=key_arn,
        MasterUsername="payments_admin",
        ManageMasterUserPassword=True,
        MasterUserSecretKmsKeyId=key_arn,
        DBName="payments",
        Port=5432,
        DBSubnetGroupName=f"{n.stack}-db-subnets",
        VpcSecurityGroupIds=[groups["rds"]],
        PubliclyAccessible=False,
        MultiAZ=size["multi_az"],
        BackupRetentionPeriod=size["backup_days"],
        PreferredBackupWindow="03:00-04:00",
        PreferredMaintenanceWindow="sun:05:00-sun:06:00",
        EnableCloudwatchLogsExports=["postgresql", "upgrade"],
        DeletionProtection=size["deletion_protection"],
        EnableIAMDatabaseAuthentication=True,
        CopyTagsToSnapshot=True,
        AutoMinorVersionUpgrade=True,
        MonitoringInterval=size["monitoring_interval"],
        MonitoringRoleArn=monitoring_role,
        Tags=n.tag_list(Name=f"{n.stack}-db"),
    )

    # The table (TTL and point-in-time recovery need an ACTIVE table).
    table_name = f"{n.stack}-transactions"
    table_arn = call(
        "dynamodb",
        "create_table",
        TableName=table_name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key_arn},
        DeletionProtectionEnabled=size["deletion_protection"],
        Tags=n.tag_list(),
    )["TableDescription"]["TableArn"]
    call.wait("dynamodb", "table_exists", TableName=table_name)
    call(
        "dynamodb",
        "update_time_to_live",
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
    call(
        "dynamodb",
        "update_continuous_backups",
        TableName=table_name,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )

    # The audit bucket.
    bucket = n.bucket
    # Object Lock at creation (WORM-capable, no default retention) turns versioning on as well.
    call("s3", "create_bucket", Bucket=bucket, ObjectOwnership="BucketOwnerEnforced", ObjectLockEnabledForBucket=True)
    call(
        "s3",
        "put_bucket_encryption",
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    call(
        "s3",
        "put_public_access_block",
        Bucket=bucket,
        PublicAccessBlockConfiguration=dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
        ),
    )
    call(
        "s3",
        "put_bucket_policy",
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        ),
    )
    call(
        "s3",
        "put_bucket_lifecycle_configuration",
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "archive",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Transitions": [
                        {"Days": size["glacier"], "StorageClass": "GLACIER"},
                        {"Days": size["deep_archive"], "StorageClass": "DEEP_ARCHIVE"},
                    ],
                }
            ]
        },
    )
    call("s3", "put_bucket_tagging", Bucket=bucket, Tagging={"TagSet": n.tag_list()})

    # The function.
    function = f"{n.stack}-processor"
    lambda_role = role(call, n, f"{env}-payments-lambda-role", "lambda.amazonaws.com")
    call(
        "iam",
        "put_role_policy",
        RoleName=f"{env}-payments-lambda-role",
        PolicyName="payments-processor",
        PolicyDocument=allow(["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"], [table_arn]),
    )
    log_group(call, n, f"/aws/lambda/{function}", size["log_days"], key_arn)
    function_arn = call(
        "lambda",
        "create_function",
        FunctionName=function,
        Runtime="python3.13",
        Role=lambda_role,
        Handler="payment_handler.app.handler",
        Code={"ZipFile": handler_zip()},
        MemorySize=512,
        Timeout=30,
        Environment={"Variables": {"TABLE_NAME": table_name, "LOG_LEVEL": "INFO"}},
        VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": [groups["lambda"]]},
        KMSKeyArn=key_arn,
        TracingConfig={"Mode": "Active"},
        LoggingConfig={"LogFormat": "JSON", "LogGroup": f"/aws/lambda/{function}"},
        Tags=n.tags(),
    )["FunctionArn"]
    call("lambda", "put_function_concurrency", FunctionName=function, ReservedConcurrentExecutions=size["concurrency"])

    # The API.
    api_name = f"{n.stack}-api"
    access_group = log_group(call, n, f"/aws/apigateway/{api_name}", size["log_days"], key_arn)
    push_role = role(call, n, "payments-apigateway-cloudwatch", "apigateway.amazonaws.com")
    call(
        "iam",
        "attach_role_policy",
        RoleName="payments-apigateway-cloudwatch",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
    )
    call(
        "apigateway",
        "update_account",
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": push_role}],
    )
    api = call(
        "apigateway",
        "create_rest_api",
        name=api_name,
        description=f"Payments API of {n.stack}",
        endpointConfiguration={"types": ["REGIONAL"]},
        tags=n.tags(),
    )
    api_id, root = api["id"], api["rootResourceId"]
    # The stage's execution-log group, which API Gateway would otherwise create itself, made first.
    log_group(call, n, f"API-Gateway-Execution-Logs_{api_id}/{env}", size["log_days"], key_arn)
    call(
        "apigateway",
        "create_model",
        restApiId=api_id,
        name="PaymentRequest",
        contentType="application/json",
        schema=json.dumps({"type": "object", "required": ["amount", "currency"]}),
    )
    validators = {
        name: call(
            "apigateway",
            "create_request_validator",
            restApiId=api_id,
            name=name,
            validateRequestBody=body,
            validateRequestParameters=True,
        )["id"]
        for name, body in (("body-and-parameters", True), ("parameters", False))
    }
    payment = call("apigateway", "create_resource", restApiId=api_id, parentId=root, pathPart="payment")["id"]
    by_id = call("apigateway", "create_resource", restApiId=api_id, parentId=payment, pathPart="{id}")["id"]
    invoke = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    for resource, method, validator, extra in (
        (payment, "POST", "body-and-parameters", {"requestModels": {"application/json": "PaymentRequest"}}),
        (by_id, "GET", "parameters", {"requestParameters": {"method.request.path.id": True}}),
    ):
        call(
            "apigateway",
            "put_method",
            restApiId=api_id,
            resourceId=resource,
            httpMethod=method,
            authorizationType="AWS_IAM",
            requestValidatorId=validators[validator],
            **extra,
        )
        call(
            "apigateway",
            "put_integration",
            restApiId=api_id,
            resourceId=resource,
            httpMethod=method,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=invoke,
        )
    for resource, methods in ((payment, "POST,OPTIONS"), (by_id, "GET,OPTIONS")):
        headers = {
            "method.response.header.Access-Control-Allow-Origin": "'*'",
            "method.response.header.Access-Control-Allow-Methods": f"'{methods}'",
            "method.response.header.Access-Control-Allow-Headers": "'Content-Type,Authorization'",
            "method.response.header.Access-Control-Max-Age": "'600'",
        }
        common = {"restApiId": api_id, "resourceId": resource, "httpMethod": "OPTIONS"}
        call("apigateway", "put_method", **common, authorizationType="NONE")
        call(
            "apigateway",
            "put_method_response",
            **common,
            statusCode="200",
            responseParameters=dict.fromkeys(headers, False),
            responseModels={"application/json": "Empty"},
        )
        call(
            "apigateway",
            "put_integration",
            **common,
            type="MOCK",
            requestTemplates={"application/json": '{"statusCode": 200}'},
        )
        call(
            "apigateway",
            "put_integration_response",
            **common,
            statusCode="200",
            responseParameters=headers,
            responseTemplates={"application/json": ""},
        )
    # API Gateway's own answers in the handler's error envelope, as the role writes them (17 response types).
    for response in GATEWAY_RESPONSE_TYPES:
        call(
            "apigateway",
            "put_gateway_response",
            restApiId=api_id,
            responseType=response,
            responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
            responseTemplates={"application/json": '{"error":{"code":"X","message":$context.error.messageString}}'},
        )
    deployment = call("apigateway", "create_deployment", restApiId=api_id)["id"]
    call(
        "apigateway",
        "create_stage",
        restApiId=api_id,
        stageName=env,
        deploymentId=deployment,
        description=f"{env} stage of {api_name}",
        tracingEnabled=True,
        tags=n.tags(),
    )
    call(
        "apigateway",
        "update_stage",
        restApiId=api_id,
        stageName=env,
        patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": access_group},
            {"op": "replace", "path": "/accessLogSettings/format", "value": '{"requestId":"$context.requestId"}'},
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
            {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "100"},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "50"},
        ],
    )
    call(
        "lambda",
        "add_permission",
        FunctionName=function,
        StatementId=f"{api_name}-invoke",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{account}:{api_id}/*/*/payment*",
    )
    domain = f"api-{env}.payments.internal"
    certificate, private_key = (b"<certificate>", b"<key>") if call.dry else self_signed(domain)
    certificate_arn = call(
        "acm", "import_certificate", Certificate=certificate, PrivateKey=private_key, Tags=n.tag_list()
    )["CertificateArn"]
    call(
        "apigateway",
        "create_domain_name",
        domainName=domain,
        regionalCertificateArn=certificate_arn,
        endpointConfiguration={"types": ["REGIONAL"]},
        securityPolicy="SecurityPolicy_TLS13_1_2_PQ_2025_09",
        endpointAccessMode="BASIC",
        tags=n.tags(),
    )
    call("apigateway", "create_base_path_mapping", domainName=domain, restApiId=api_id, stage=env)
    if size["waf"]:
        waf_group = log_group(call, n, f"aws-waf-logs-{n.stack}", size["log_days"], key_arn)
        acl = call(
            "wafv2",
            "create_web_acl",
            Name=f"{n.stack}-waf",
            Scope="REGIONAL",
            DefaultAction={"Allow": {}},
            Rules=waf_rules(n.stack),
            VisibilityConfig=visibility(n.stack),
            Tags=n.tag_list(),
        )["Summary"]["ARN"]
        call(
            "wafv2",
            "put_logging_configuration",
            LoggingConfiguration={
                "ResourceArn": acl,
                "LogDestinationConfigs": [waf_group],
                "RedactedFields": [{"SingleHeader": {"Name": "authorization"}}],
            },
        )
        call(
            "wafv2",
            "associate_web_acl",
            WebACLArn=acl,
            ResourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{api_id}/stages/{env}",
        )

    # The monitoring.
    topic = call(
        "sns",
        "create_topic",
        Name=f"{n.stack}-alarms",
        Attributes={"KmsMasterKeyId": key_arn},
        Tags=n.tag_list(),
    )["TopicArn"]
    for what, namespace, metric in ALARMS:
        call(
            "cloudwatch",
            "put_metric_alarm",
            AlarmName=f"{n.stack}-{what}",
            Namespace=namespace,
            MetricName=metric,
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=3,
            DatapointsToAlarm=2,
            Threshold=1.0,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topic],
            OKActions=[topic],
            TreatMissingData="notBreaching",
            Tags=n.tag_list(),
        )
    call(
        "cloudwatch",
        "put_dashboard",
        DashboardName=n.stack,
        DashboardBody=json.dumps({"widgets": [{"type": "text", "properties": {"markdown": n.stack}}]}),
    )

    # The play waits for the database last; so does the lower bound.
    call.wait("rds", "db_instance_available", DBInstanceIdentifier=f"{n.stack}-db")
    # Then the DB master secret's deny-by-default resource policy (rds_kms tasks_from wait). The lower bound knows
    # the caller is not an assumed role with a path (the play reads the role with GetRole when it is one).
    instance = call("rds", "describe_db_instances", DBInstanceIdentifier=f"{n.stack}-db")["DBInstances"][0]
    secret = instance["MasterUserSecret"]["SecretArn"]
    call(
        "secretsmanager",
        "put_resource_policy",
        SecretId=secret,
        ResourcePolicy=secret_policy(secret, iam_principal(identity["Arn"]), account),
        BlockPublicPolicy=True,
    )
    ids.update(vpc_id=vpc, api_id=api_id, function_arn=function_arn, bucket=bucket, topic_arn=topic)
    return ids


def iam_principal(caller_arn: str) -> str:
    """aws:PrincipalArn of the caller: an assumed role's role ARN (no path known here), an IAM user's ARN."""
    match = re.match(r"^arn:([^:]+):sts::(\d{12}):(assumed-role/([^/]+)/.*|user/(.+))$", caller_arn)
    if not match:
        return caller_arn
    partition, account, _, role, user = match.groups()
    return f"arn:{partition}:iam::{account}:role/{role}" if role else f"arn:{partition}:iam::{account}:user/{user}"


def secret_policy(secret_arn: str, caller: str, account: str) -> str:
    """roles/rds_kms/templates/secret_policy.json.j2 with no rds_kms_secret_admin_arns."""
    principals = [caller, f"arn:aws:iam::{account}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS"]
    condition = {
        "StringNotEqualsIfExists": {
            "aws:PrincipalArn": principals,
            "aws:PrincipalServiceName": ["rds.amazonaws.com", "secretsmanager.amazonaws.com"],
        }
    }
    deny = {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": secret_arn}
    absent = {"aws:PrincipalArn": "true", "aws:PrincipalServiceName": "true"}
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "DenyAllButListedPrincipalsAndServices", **deny, "Condition": condition},
                {
                    "Sid": "DenyWithoutPrincipalArnAndServiceName",
                    **deny,
                    "Condition": {**condition, "Null": absent},
                },
            ],
        }
    )


def log_group(call: Caller, n: Names, name: str, days: int, key_arn: str | None) -> str:
    extra = {"kmsKeyId": key_arn} if key_arn else {}
    call("logs", "create_log_group", logGroupName=name, tags=n.tags(), **extra)
    call("logs", "put_retention_policy", logGroupName=name, retentionInDays=days)
    return f"arn:aws:logs:{REGION}:{n.account}:log-group:{name}"


def role(call: Caller, n: Names, name: str, service: str) -> str:
    return call("iam", "create_role", RoleName=name, AssumeRolePolicyDocument=trust(service), Tags=n.tag_list())[
        "Role"
    ]["Arn"]


def visibility(name: str) -> dict:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}


def waf_rules(stack: str) -> list[dict]:
    managed = [
        {
            "Name": rule,
            "Priority": priority,
            "OverrideAction": {"None": {}},
            "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": group}},
            "VisibilityConfig": visibility(f"{stack}-{suffix}"),
        }
        for priority, rule, group, suffix in (
            (1, "aws-common-rule-set", "AWSManagedRulesCommonRuleSet", "common"),
            (2, "aws-known-bad-inputs", "AWSManagedRulesKnownBadInputsRuleSet", "known-bad-inputs"),
        )
    ]
    rate = {
        "Name": "rate-limit-per-ip",
        "Priority": 0,
        "Action": {"Block": {}},
        "Statement": {"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP", "EvaluationWindowSec": 300}},
        "VisibilityConfig": visibility(f"{stack}-rate-limit"),
    }
    return [rate, *managed]


# --------------------------------------------------------------------------------------------------
# The read-only pass
# --------------------------------------------------------------------------------------------------


def read(call: Caller, env: str) -> dict:
    """Read every resource and setting the create pass made, once; returns how many of each were found."""
    size = SIZING[env]
    account = call("sts", "get_caller_identity")["Account"]
    n = Names(env, account)
    stack_filter = [{"Name": "tag:Stack", "Values": [n.stack]}]
    found: dict[str, int] = {}

    def count(what: str, items) -> None:
        found[what] = len(items) if isinstance(items, list) else int(bool(items))

    key = call("kms", "describe_key", KeyId=f"alias/{n.stack}-data")["KeyMetadata"]["KeyId"]
    count("kms key", key)
    call("kms", "get_key_rotation_status", KeyId=key)
    call("kms", "get_key_policy", KeyId=key, PolicyName="default")
    call("kms", "list_resource_tags", KeyId=key)

    vpcs = call("ec2", "describe_vpcs", Filters=stack_filter)["Vpcs"]
    count("vpc", vpcs)
    vpc = vpcs[0]["VpcId"] if vpcs else "vpc-none"
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        call("ec2", "describe_vpc_attribute", VpcId=vpc, Attribute=attribute)
    vpc_filter = [{"Name": "vpc-id", "Values": [vpc]}]
    count("subnets", call("ec2", "describe_subnets", Filters=vpc_filter)["Subnets"])
    count("route tables", call("ec2", "describe_route_tables", Filters=vpc_filter + stack_filter)["RouteTables"])
    count("endpoints", call("ec2", "describe_vpc_endpoints", Filters=vpc_filter)["VpcEndpoints"])
    count(
        "security groups", call("ec2", "describe_security_groups", Filters=vpc_filter + stack_filter)["SecurityGroups"]
    )
    count("flow logs", call("ec2", "describe_flow_logs", Filter=[{"Name": "resource-id", "Values": [vpc]}])["FlowLogs"])

    groups = [f"/aws/vpc-flow-logs/{n.stack}", f"/aws/lambda/{n.stack}-processor", f"/aws/apigateway/{n.stack}-api"]
    groups += [f"/aws/rds/instance/{n.stack}-db/{export}" for export in ("postgresql", "upgrade")]
    if size["waf"]:
        groups.append(f"aws-waf-logs-{n.stack}")
    for group in groups:
        count(group, call("logs", "describe_log_groups", logGroupNamePrefix=group)["logGroups"])
        call("logs", "list_tags_for_resource", resourceArn=f"arn:aws:logs:{REGION}:{account}:log-group:{group}")

    for name, policy in (
        (f"{n.stack}-flow-logs", "write-flow-logs"),
        (f"{env}-payments-lambda-role", "payments-processor"),
    ):
        count(name, call("iam", "get_role", RoleName=name)["Role"])
        call("iam", "get_role_policy", RoleName=name, PolicyName=policy)
    monitoring_role = f"{env}-payments-rds-monitoring-role"
    count(monitoring_role, call("iam", "get_role", RoleName=monitoring_role)["Role"])
    call("iam", "list_attached_role_policies", RoleName=monitoring_role)
    count("apigateway role", call("iam", "get_role", RoleName="payments-apigateway-cloudwatch")["Role"])
    call("iam", "list_attached_role_policies", RoleName="payments-apigateway-cloudwatch")

    subnet_groups = call("rds", "describe_db_subnet_groups", DBSubnetGroupName=f"{n.stack}-db-subnets")
    count("db subnet group", subnet_groups["DBSubnetGroups"])
    call("rds", "list_tags_for_resource", ResourceName=subnet_groups["DBSubnetGroups"][0]["DBSubnetGroupArn"])
    instances = call("rds", "describe_db_instances", DBInstanceIdentifier=f"{n.stack}-db")["DBInstances"]
    count("db instance", instances)
    secret = instances[0]["MasterUserSecret"]["SecretArn"] if instances else "none"
    count("db secret policy", call("secretsmanager", "get_resource_policy", SecretId=secret).get("ResourcePolicy"))

    table = f"{n.stack}-transactions"
    table_arn = call("dynamodb", "describe_table", TableName=table)["Table"]["TableArn"]
    count("table", table_arn)
    call("dynamodb", "describe_time_to_live", TableName=table)
    call("dynamodb", "describe_continuous_backups", TableName=table)
    call("dynamodb", "list_tags_of_resource", ResourceArn=table_arn)

    for operation in (
        "get_bucket_versioning",
        "get_object_lock_configuration",
        "get_bucket_encryption",
        "get_public_access_block",
        "get_bucket_ownership_controls",
        "get_bucket_policy",
        "get_bucket_lifecycle_configuration",
        "get_bucket_tagging",
    ):
        call("s3", operation, Bucket=n.bucket)
    found["bucket"] = 1

    function = call("lambda", "get_function", FunctionName=f"{n.stack}-processor")  # config, tags, concurrency
    count("function", function["Configuration"])
    call("lambda", "get_policy", FunctionName=f"{n.stack}-processor")

    call("apigateway", "get_account")
    apis = [api for api in call("apigateway", "get_rest_apis", limit=500)["items"] if api["name"] == f"{n.stack}-api"]
    count("rest api", apis)
    api_id = apis[0]["id"] if apis else "none"
    count("api resources", call("apigateway", "get_resources", restApiId=api_id, embed=["methods"])["items"])
    call("apigateway", "get_models", restApiId=api_id)
    call("apigateway", "get_request_validators", restApiId=api_id)
    call("apigateway", "get_gateway_responses", restApiId=api_id)
    execution_group = f"API-Gateway-Execution-Logs_{api_id}/{env}"
    count(execution_group, call("logs", "describe_log_groups", logGroupNamePrefix=execution_group)["logGroups"])
    count("stage", call("apigateway", "get_stage", restApiId=api_id, stageName=env))
    domain = call("apigateway", "get_domain_name", domainName=f"api-{env}.payments.internal")
    count("domain", domain)
    call("apigateway", "get_base_path_mappings", domainName=f"api-{env}.payments.internal")
    certificate = domain.get("regionalCertificateArn") or "none"
    call("acm", "describe_certificate", CertificateArn=certificate)
    call("acm", "list_tags_for_certificate", CertificateArn=certificate)
    if size["waf"]:
        acls = [
            acl
            for acl in call("wafv2", "list_web_acls", Scope="REGIONAL")["WebACLs"]
            if acl["Name"] == f"{n.stack}-waf"
        ]
        count("web acl", acls)
        missing = f"arn:aws:wafv2:{REGION}:{account}:regional/webacl/{n.stack}-waf/none"
        acl = acls[0] if acls else {"Id": "none", "ARN": missing}
        call("wafv2", "get_web_acl", Name=f"{n.stack}-waf", Scope="REGIONAL", Id=acl["Id"])
        call("wafv2", "list_tags_for_resource", ResourceARN=acl["ARN"])
        call("wafv2", "get_logging_configuration", ResourceArn=acl["ARN"])
        call(
            "wafv2",
            "get_web_acl_for_resource",
            ResourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{api_id}/stages/{env}",
        )

    topic = f"arn:aws:sns:{REGION}:{account}:{n.stack}-alarms"
    count("topic", call("sns", "get_topic_attributes", TopicArn=topic)["Attributes"])
    call("sns", "list_tags_for_resource", ResourceArn=topic)
    alarms = call("cloudwatch", "describe_alarms", AlarmNamePrefix=f"{n.stack}-", MaxRecords=100)["MetricAlarms"]
    count("alarms", alarms)
    for alarm in alarms:
        call("cloudwatch", "list_tags_for_resource", ResourceARN=alarm["AlarmArn"])
    count("dashboard", call("cloudwatch", "get_dashboard", DashboardName=n.stack)["DashboardBody"])
    return found


PASSES = {"create": create, "read": read}


def plan(env: str, which: str = "create") -> list[tuple[str, str, dict]]:
    """The calls a pass makes, in order, without contacting anybody."""
    call = Caller(dry=True)
    PASSES[which](call, env)
    return call.calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["create", "read", "plan"])
    parser.add_argument("--env", choices=sorted(SIZING), default="dev")
    parser.add_argument("--endpoint-url", help="the emulator (or the proxy in front of it); unset: real AWS")
    parser.add_argument("--pass", dest="which", choices=sorted(PASSES), default="create", help="for plan")
    args = parser.parse_args(argv)
    if args.command == "plan":
        calls = plan(args.env, args.which)
        for service, operation, _ in calls:
            print(f"{service}:{operation}")
        print(f"{len(calls)} calls", file=sys.stderr)
        return 0
    started = time.monotonic()
    call = Caller(endpoint_url=args.endpoint_url)
    answer = PASSES[args.command](call, args.env)
    answer = {"seconds": round(time.monotonic() - started, 2), "calls": len(call.calls), "result": answer}
    print(json.dumps(answer, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
