"""What an account holds of the payments stack, read back with boto3: for the integration tests.

- ``aws(service, endpoint)``: a boto3 client for the emulator (fake credentials, us-east-1).
- ``tagged(endpoint, key, value)``: the ARNs the tagging API lists with a tag (keys pending deletion apart).
- ``left_by_service(endpoint, env)`` and ``NOTHING_LEFT``: what each service still holds of a stack, service by
  service (the tagging API does not see IAM roles, REST APIs, web ACLs or secrets).
- ``snapshot(endpoint)``: the configuration of everything in the account that the stack makes (VPC, subnets,
  route tables, security groups, endpoints, flow logs, KMS keys, RDS, DynamoDB, S3, IAM roles, Lambda, API
  Gateway, WAF, alarms, dashboards, log groups, SNS, secrets, certificates), normalised so that two accounts
  converged from the same inventory compare equal: generated ids become ``<kind:name>`` placeholders, and
  timestamps, revision ids and other per-call values are dropped. Every resource of a kind is listed (not only
  the one the design names), so a duplicate shows as an extra entry.
"""

from __future__ import annotations

import datetime
import json
import re

import boto3
from botocore.exceptions import ClientError

REGION = "us-east-1"


def aws(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def tagged(endpoint: str, key: str, value: str) -> list[str]:
    """ARNs the tagging API lists with <key>=<value>, except KMS keys pending deletion (which it keeps listing)."""
    kms = aws("kms", endpoint)
    left = []
    for mapping in aws("resourcegroupstaggingapi", endpoint).get_resources(
        TagFilters=[{"Key": key, "Values": [value]}]
    )["ResourceTagMappingList"]:
        arn = mapping["ResourceARN"]
        if ":kms:" in arn:
            state = kms.describe_key(KeyId=arn.rsplit("/", 1)[1])["KeyMetadata"]["KeyState"]
            if state == "PendingDeletion":
                continue
        left.append(arn)
    return sorted(left)


def left_by_service(endpoint: str, env: str) -> dict[str, list[str]]:
    """What each service still holds of the stack, read service by service: the tagging API does not see
    IAM roles, REST APIs, web ACLs or secrets."""
    stack = f"payments-{env}"
    ec2, rds = aws("ec2", endpoint), aws("rds", endpoint)
    return {
        "iam roles": [
            role["RoleName"]
            for role in aws("iam", endpoint).list_roles()["Roles"]
            if role["RoleName"].startswith(f"{env}-payments-")
        ],
        "rest apis": [api["name"] for api in aws("apigateway", endpoint).get_rest_apis()["items"]],
        "domains": [domain["domainName"] for domain in aws("apigateway", endpoint).get_domain_names()["items"]],
        "certificates": [
            cert["CertificateArn"] for cert in aws("acm", endpoint).list_certificates()["CertificateSummaryList"]
        ],
        "web acls": [acl["Name"] for acl in aws("wafv2", endpoint).list_web_acls(Scope="REGIONAL")["WebACLs"]],
        # The database's RDS-managed master secret goes with the instance.
        "secrets": [secret["Name"] for secret in aws("secretsmanager", endpoint).list_secrets()["SecretList"]],
        "log groups": [
            group["logGroupName"]
            for group in aws("logs", endpoint).describe_log_groups()["logGroups"]
            if stack in group["logGroupName"] or group["logGroupName"].startswith("API-Gateway-Execution-Logs_")
        ],
        "tables": aws("dynamodb", endpoint).list_tables()["TableNames"],
        "buckets": [bucket["Name"] for bucket in aws("s3", endpoint).list_buckets()["Buckets"]],
        "functions": [function["FunctionName"] for function in aws("lambda", endpoint).list_functions()["Functions"]],
        "vpcs": [vpc["VpcId"] for vpc in ec2.describe_vpcs()["Vpcs"] if not vpc.get("IsDefault")],
        "db instances": [db["DBInstanceIdentifier"] for db in rds.describe_db_instances()["DBInstances"]],
        "db subnet groups": [group["DBSubnetGroupName"] for group in rds.describe_db_subnet_groups()["DBSubnetGroups"]],
        "topics": [topic["TopicArn"] for topic in aws("sns", endpoint).list_topics()["Topics"]],
        "alarms": [
            alarm["AlarmName"]
            for alarm in aws("cloudwatch", endpoint).describe_alarms(AlarmNamePrefix=stack)["MetricAlarms"]
        ],
        "kms aliases": [
            alias["AliasName"]
            for alias in aws("kms", endpoint).list_aliases()["Aliases"]
            if alias["AliasName"] == f"alias/{stack}-data"
        ],
    }


NOTHING_LEFT = {
    "iam roles": [],
    "rest apis": [],
    "domains": [],
    "certificates": [],
    "web acls": [],
    "secrets": [],
    "log groups": [],
    "tables": [],
    "buckets": [],
    "functions": [],
    "vpcs": [],
    "db instances": [],
    "db subnet groups": [],
    "topics": [],
    "alarms": [],
    "kms aliases": [],
}


# --------------------------------------------------------------------------------------------------
# The snapshot
# --------------------------------------------------------------------------------------------------

# Keys whose values differ between two accounts converged alike: times, revisions, per-call tokens, sizes.
VOLATILE_KEY = re.compile(
    r"(?i)(date|time|timestamp|lastmodified|lastupdated|revisionid|locktoken|etag|requestid|associationid)$"
    r"|^(roleid|ownerid|dbiresourceid|latestlabel|lateststreamlabel|codesize|location|changetoken)$"
    r"|^(responsemetadata|nexttoken|marker|position|subscriptionsconfirmed)$"
)
# Ids AWS generates that no placeholder was registered for.
GENERATED_ID = re.compile(r"\b(vpc|subnet|sg|rtb|vpce|fl|eni|acl|igw|dopt|sgr|pl|db)-[0-9a-zA-Z]{8,26}\b")
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
SECRET_SUFFIX = re.compile(r"(:secret:[^:\"]+)-[A-Za-z0-9]{6}\b")


def _try(call, *args, default=None, **kwargs):
    """The answer of a read, or ``default`` when the resource has no such configuration (404-like errors)."""
    try:
        return call(*args, **kwargs)
    except ClientError as exc:
        return {"error": exc.response["Error"]["Code"]} if default is None else default


def _tags(tag_list) -> dict:
    if isinstance(tag_list, dict):
        return dict(sorted(tag_list.items()))
    return dict(sorted((tag.get("Key", tag.get("key")), tag.get("Value", tag.get("value"))) for tag in tag_list or []))


def _json(document):
    if isinstance(document, str):
        try:
            return json.loads(document)
        except ValueError:
            return document
    return document


class _Reader:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.ids: dict[str, str] = {}
        self._clients: dict = {}

    def client(self, service: str):
        if service not in self._clients:
            self._clients[service] = aws(service, self.endpoint)
        return self._clients[service]

    def name(self, generated: str, placeholder: str) -> str:
        if generated:
            self.ids[generated] = f"<{placeholder}>"
        return f"<{placeholder}>"

    # EC2 --------------------------------------------------------------------------------------------
    def network(self) -> dict:
        ec2 = self.client("ec2")
        vpcs = [vpc for vpc in ec2.describe_vpcs()["Vpcs"] if not vpc.get("IsDefault")]
        vpc_ids = [vpc["VpcId"] for vpc in vpcs]
        in_vpcs = [{"Name": "vpc-id", "Values": vpc_ids}]
        for vpc in vpcs:
            self.name(vpc["VpcId"], f"vpc:{_tags(vpc.get('Tags')).get('Name', vpc['CidrBlock'])}")
        subnets = ec2.describe_subnets(Filters=in_vpcs)["Subnets"] if vpc_ids else []
        for subnet in subnets:
            self.name(subnet["SubnetId"], f"subnet:{subnet['CidrBlock']}")
        groups = ec2.describe_security_groups(Filters=in_vpcs)["SecurityGroups"] if vpc_ids else []
        for group in groups:
            self.name(group["GroupId"], f"sg:{group['GroupName']}")
        tables = ec2.describe_route_tables(Filters=in_vpcs)["RouteTables"] if vpc_ids else []
        for table in tables:
            main = any(assoc.get("Main") for assoc in table.get("Associations", []))
            self.name(table["RouteTableId"], f"rtb:{'main' if main else _tags(table.get('Tags')).get('Name', '?')}")
        endpoints = [
            endpoint
            for endpoint in (ec2.describe_vpc_endpoints(Filters=in_vpcs)["VpcEndpoints"] if vpc_ids else [])
            if endpoint["State"].lower() != "deleted"
        ]
        for endpoint in endpoints:
            self.name(endpoint["VpcEndpointId"], f"vpce:{endpoint['ServiceName']}")
        flow_logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": vpc_ids}])["FlowLogs"]
        for flow_log in flow_logs:
            self.name(flow_log["FlowLogId"], f"fl:{flow_log['ResourceId']}")
        return {
            "vpcs": [
                {
                    "cidr": vpc["CidrBlock"],
                    "tags": _tags(vpc.get("Tags")),
                    "dns support": ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute="enableDnsSupport")[
                        "EnableDnsSupport"
                    ]["Value"],
                    "dns hostnames": ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute="enableDnsHostnames")[
                        "EnableDnsHostnames"
                    ]["Value"],
                }
                for vpc in vpcs
            ],
            "subnets": [
                {key: subnet.get(key) for key in ("VpcId", "CidrBlock", "AvailabilityZone", "MapPublicIpOnLaunch")}
                | {"tags": _tags(subnet.get("Tags"))}
                for subnet in subnets
            ],
            "route tables": [
                {
                    "id": table["RouteTableId"],
                    "routes": table.get("Routes", []),
                    "subnets": sorted(assoc.get("SubnetId", "main") for assoc in table.get("Associations", [])),
                    "tags": _tags(table.get("Tags")),
                }
                for table in tables
            ],
            "security groups": [
                {
                    key: group.get(key)
                    for key in ("GroupName", "Description", "VpcId", "IpPermissions", "IpPermissionsEgress")
                }
                | {"tags": _tags(group.get("Tags"))}
                for group in groups
            ],
            "endpoints": [
                {key: endpoint.get(key) for key in ("ServiceName", "VpcEndpointType", "VpcId", "State")}
                | {
                    "policy": _json(endpoint.get("PolicyDocument")),
                    "route tables": sorted(endpoint.get("RouteTableIds", [])),
                    "subnets": sorted(endpoint.get("SubnetIds", [])),
                    "tags": _tags(endpoint.get("Tags")),
                }
                for endpoint in endpoints
            ],
            "flow logs": [
                {
                    key: flow_log.get(key)
                    for key in (
                        "ResourceId",
                        "TrafficType",
                        "LogDestinationType",
                        "LogGroupName",
                        "LogDestination",
                        "DeliverLogsPermissionArn",
                        "LogFormat",
                        "MaxAggregationInterval",
                    )
                }
                | {"tags": _tags(flow_log.get("Tags"))}
                for flow_log in flow_logs
            ],
        }

    # KMS --------------------------------------------------------------------------------------------
    def kms(self) -> list:
        kms = self.client("kms")
        aliases = [alias for alias in kms.list_aliases()["Aliases"] if not alias["AliasName"].startswith("alias/aws/")]
        by_key: dict[str, list[str]] = {}
        for alias in aliases:
            by_key.setdefault(alias.get("TargetKeyId"), []).append(alias["AliasName"])
        keys = []
        for number, key in enumerate(kms.list_keys()["Keys"]):
            key_id = key["KeyId"]
            names = sorted(by_key.get(key_id, []))
            self.name(key_id, f"key:{names[0] if names else number}")
            meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
            keys.append(
                {
                    "aliases": names,
                    "state": meta["KeyState"],
                    "usage": meta.get("KeyUsage"),
                    "spec": meta.get("KeySpec"),
                    "description": meta.get("Description"),
                    "rotation": _try(kms.get_key_rotation_status, KeyId=key_id).get("KeyRotationEnabled"),
                    "policy": _json(_try(kms.get_key_policy, KeyId=key_id, PolicyName="default").get("Policy")),
                    "tags": _tags(kms.list_resource_tags(KeyId=key_id).get("Tags")),
                }
            )
        return sorted(keys, key=lambda key: (key["aliases"], json.dumps(key, sort_keys=True, default=str)))

    # RDS, DynamoDB, S3 ------------------------------------------------------------------------------
    def rds(self) -> dict:
        rds = self.client("rds")
        instances = rds.describe_db_instances()["DBInstances"]
        for instance in instances:
            self.name(instance.get("DbiResourceId"), f"dbi:{instance['DBInstanceIdentifier']}")
            instance.pop("Endpoint", None)  # made of the identifier and the emulator's host
            instance["tags"] = _tags(instance.pop("TagList", []))
        return {
            "instances": instances,
            "subnet groups": rds.describe_db_subnet_groups()["DBSubnetGroups"],
        }

    def dynamodb(self) -> list:
        dynamodb = self.client("dynamodb")
        tables = []
        for name in dynamodb.list_tables()["TableNames"]:
            table = dynamodb.describe_table(TableName=name)["Table"]
            table.pop("ItemCount", None)
            table.pop("TableSizeBytes", None)
            for index in table.get("GlobalSecondaryIndexes", []):
                index.pop("ItemCount", None)
                index.pop("IndexSizeBytes", None)
            tables.append(
                {
                    "table": table,
                    "ttl": dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"],
                    "backups": dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"],
                    "tags": _tags(dynamodb.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags")),
                }
            )
        return tables

    def s3(self) -> list:
        s3 = self.client("s3")
        buckets = []
        for bucket in sorted(bucket["Name"] for bucket in s3.list_buckets()["Buckets"]):
            buckets.append(
                {
                    "name": bucket,
                    "versioning": _try(s3.get_bucket_versioning, Bucket=bucket).get("Status"),
                    "encryption": _try(s3.get_bucket_encryption, Bucket=bucket).get(
                        "ServerSideEncryptionConfiguration"
                    ),
                    "public access block": _try(s3.get_public_access_block, Bucket=bucket).get(
                        "PublicAccessBlockConfiguration"
                    ),
                    "ownership": _try(s3.get_bucket_ownership_controls, Bucket=bucket).get("OwnershipControls"),
                    "policy": _json(_try(s3.get_bucket_policy, Bucket=bucket).get("Policy")),
                    "lifecycle": _try(s3.get_bucket_lifecycle_configuration, Bucket=bucket).get("Rules"),
                    "logging": _try(s3.get_bucket_logging, Bucket=bucket).get("LoggingEnabled"),
                    "tags": _tags(_try(s3.get_bucket_tagging, Bucket=bucket).get("TagSet")),
                }
            )
        return buckets

    # IAM, Lambda ------------------------------------------------------------------------------------
    def iam(self) -> list:
        iam = self.client("iam")
        roles = []
        for role in iam.list_roles()["Roles"]:
            name = role["RoleName"]
            roles.append(
                {
                    "name": name,
                    "path": role.get("Path"),
                    "trust": _json(role.get("AssumeRolePolicyDocument")),
                    "inline": {
                        policy: _json(iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"])
                        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]
                    },
                    "attached": sorted(
                        policy["PolicyArn"]
                        for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
                    ),
                    "tags": _tags(iam.list_role_tags(RoleName=name).get("Tags")),
                }
            )
        return sorted(roles, key=lambda role: role["name"])

    def functions(self) -> list:
        lam = self.client("lambda")
        functions = []
        for summary in lam.list_functions()["Functions"]:
            name = summary["FunctionName"]
            function = lam.get_function(FunctionName=name)
            config = function["Configuration"]
            # The emulator makes up the VpcId of a function's VpcConfig: the subnets and groups are the real ones.
            config.get("VpcConfig", {}).pop("VpcId", None)
            functions.append(
                {
                    "configuration": config,
                    "concurrency": _try(lam.get_function_concurrency, FunctionName=name).get(
                        "ReservedConcurrentExecutions"
                    ),
                    "policy": _json(_try(lam.get_policy, FunctionName=name).get("Policy")),
                    "tags": _tags(function.get("Tags", {})),
                    "event source mappings": lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"],
                }
            )
        return sorted(functions, key=lambda function: function["configuration"]["FunctionName"])

    # API Gateway, WAF -------------------------------------------------------------------------------
    def api(self) -> dict:
        apigateway = self.client("apigateway")
        apis = []
        for api in apigateway.get_rest_apis()["items"]:
            api_id = api["id"]
            self.name(api_id, f"api:{api['name']}")
            resources = apigateway.get_resources(restApiId=api_id, limit=500)["items"]
            for resource in resources:
                self.name(resource["id"], f"resource:{api['name']}:{resource['path']}")
            for kind, call in (
                ("authorizer", apigateway.get_authorizers),
                ("validator", apigateway.get_request_validators),
                ("model", apigateway.get_models),
                ("deployment", apigateway.get_deployments),
            ):
                for number, item in enumerate(sorted(call(restApiId=api_id)["items"], key=lambda i: i.get("name", ""))):
                    self.name(item["id"], f"{kind}:{api['name']}:{item.get('name', number)}")
            methods = {}
            for resource in resources:
                for verb in sorted(resource.get("resourceMethods", {})):
                    method = apigateway.get_method(restApiId=api_id, resourceId=resource["id"], httpMethod=verb)
                    methods[f"{verb} {resource['path']}"] = method
            stages = apigateway.get_stages(restApiId=api_id)["item"]
            api_view = {key: api.get(key) for key in ("name", "description", "endpointConfiguration", "policy")}
            apis.append(
                api_view
                | {
                    "tags": _tags(api.get("tags", {})),
                    "paths": sorted(resource["path"] for resource in resources),
                    "methods": methods,
                    "authorizers": apigateway.get_authorizers(restApiId=api_id)["items"],
                    "validators": apigateway.get_request_validators(restApiId=api_id)["items"],
                    "models": sorted(apigateway.get_models(restApiId=api_id)["items"], key=lambda m: m["name"]),
                    "deployments": len(apigateway.get_deployments(restApiId=api_id)["items"]),
                    "stages": sorted(stages, key=lambda stage: stage["stageName"]),
                }
            )
        domains = []
        for domain in apigateway.get_domain_names()["items"]:
            # The hostnames AWS gives a custom domain are generated.
            for key in ("distributionDomainName", "regionalDomainName"):
                self.name(domain.get(key), f"{key}:{domain['domainName']}")
            domain["mappings"] = apigateway.get_base_path_mappings(domainName=domain["domainName"]).get("items", [])
            domains.append(domain)
        return {
            "apis": sorted(apis, key=lambda api: api["name"]),
            "domains": domains,
            "account": {"cloudwatchRoleArn": apigateway.get_account().get("cloudwatchRoleArn")},
        }

    def waf(self, stage_arns: list[str]) -> dict:
        wafv2 = self.client("wafv2")
        acls = []
        for summary in wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"]:
            self.name(summary["Id"], f"acl:{summary['Name']}")
            acl = wafv2.get_web_acl(Name=summary["Name"], Scope="REGIONAL", Id=summary["Id"])["WebACL"]
            acls.append(
                {key: acl.get(key) for key in ("Name", "Description", "DefaultAction", "Rules", "VisibilityConfig")}
                | {
                    "logging": _try(wafv2.get_logging_configuration, ResourceArn=acl["ARN"]).get(
                        "LoggingConfiguration"
                    ),
                    "tags": _tags(
                        _try(wafv2.list_tags_for_resource, ResourceARN=acl["ARN"])
                        .get("TagInfoForResource", {})
                        .get("TagList")
                    ),
                }
            )
        associations = {}
        for arn in stage_arns:
            acl = _try(wafv2.get_web_acl_for_resource, ResourceArn=arn).get("WebACL")
            associations[arn] = acl["Name"] if acl else None
        return {"web acls": sorted(acls, key=lambda acl: acl["Name"]), "associations": associations}

    # Monitoring, logs, the rest ---------------------------------------------------------------------
    def monitoring(self) -> dict:
        cloudwatch, sns = self.client("cloudwatch"), self.client("sns")
        alarms = []
        for alarm in cloudwatch.describe_alarms()["MetricAlarms"]:
            alarm.pop("StateValue", None)
            alarm.pop("StateReason", None)
            alarm.pop("StateReasonData", None)
            alarm["tags"] = _tags(cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"]).get("Tags"))
            alarms.append(alarm)
        dashboards = {
            entry["DashboardName"]: _json(
                cloudwatch.get_dashboard(DashboardName=entry["DashboardName"])["DashboardBody"]
            )
            for entry in cloudwatch.list_dashboards()["DashboardEntries"]
        }
        topics = []
        for topic in sns.list_topics()["Topics"]:
            arn = topic["TopicArn"]
            attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
            for key in ("Policy", "EffectiveDeliveryPolicy", "DeliveryPolicy"):
                if key in attributes:
                    attributes[key] = _json(attributes[key])
            topics.append(
                {
                    "attributes": attributes,
                    "subscriptions": sorted(
                        (sub["Protocol"], sub["Endpoint"])
                        for sub in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
                    ),
                    "tags": _tags(sns.list_tags_for_resource(ResourceArn=arn).get("Tags")),
                }
            )
        return {
            "alarms": sorted(alarms, key=lambda alarm: alarm["AlarmName"]),
            "dashboards": dashboards,
            "topics": sorted(topics, key=lambda topic: topic["attributes"]["TopicArn"]),
        }

    def logs(self) -> list:
        logs = self.client("logs")
        groups = []
        for group in logs.describe_log_groups()["logGroups"]:
            name = group["logGroupName"]
            groups.append(
                {
                    "name": name,
                    "retention": group.get("retentionInDays"),
                    "kms key": group.get("kmsKeyId"),
                    "tags": _tags(_try(logs.list_tags_log_group, logGroupName=name).get("tags", {})),
                }
            )
        return sorted(groups, key=lambda group: group["name"])

    def others(self) -> dict:
        acm = self.client("acm")
        certificates = []
        for summary in acm.list_certificates()["CertificateSummaryList"]:
            arn = summary["CertificateArn"]
            certificate = acm.describe_certificate(CertificateArn=arn)["Certificate"]
            certificates.append(
                {
                    "domain": certificate.get("DomainName"),
                    "type": certificate.get("Type"),
                    "tags": _tags(acm.list_tags_for_certificate(CertificateArn=arn).get("Tags")),
                }
            )
            self.name(arn, f"certificate:{certificate.get('DomainName')}")
        secrets = sorted(secret["Name"] for secret in self.client("secretsmanager").list_secrets()["SecretList"])
        return {"certificates": sorted(certificates, key=json.dumps), "secrets": secrets}

    def read(self) -> dict:
        state = {"network": self.network(), "kms": self.kms(), "rds": self.rds(), "dynamodb": self.dynamodb()}
        state |= {"s3": self.s3(), "iam": self.iam(), "lambda": self.functions(), "api gateway": self.api()}
        stage_arns = [
            f"arn:aws:apigateway:{REGION}::/restapis/{api_id}/stages/{stage['stageName']}"
            for api_id in [generated for generated, name in self.ids.items() if name.startswith("<api:")]
            for stage in self.client("apigateway").get_stages(restApiId=api_id)["item"]
        ]
        state |= {"waf": self.waf(stage_arns), "monitoring": self.monitoring(), "log groups": self.logs()}
        state |= {"others": self.others()}
        return state


def normalise(value, ids: dict[str, str]):
    """``value`` with generated ids replaced by their placeholders (longest first), volatile keys dropped,
    policies parsed, and lists of dicts sorted, so that equal configurations compare equal."""
    ordered = sorted(ids.items(), key=lambda item: -len(item[0]))

    def text(string: str) -> str:
        for generated, placeholder in ordered:
            if generated in string:
                string = string.replace(generated, placeholder)
        string = SECRET_SUFFIX.sub(r"\1-<suffix>", string)
        string = ISO_TIME.sub("<time>", string)
        string = UUID.sub("<uuid>", string)
        return GENERATED_ID.sub(lambda match: f"{match[1]}-<id>", string)

    def walk(item):
        if isinstance(item, dict):
            return {
                text(str(key)): walk(inner)
                for key, inner in item.items()
                if not VOLATILE_KEY.search(str(key)) and not isinstance(inner, datetime.datetime)
            }
        if isinstance(item, (list, tuple)):
            items = [walk(inner) for inner in item]
            return sorted(items, key=lambda inner: json.dumps(inner, sort_keys=True, default=str))
        if isinstance(item, str):
            parsed = _json(item) if item[:1] in "{[" else item
            return walk(parsed) if parsed is not item else text(item)
        if isinstance(item, datetime.datetime):
            return "<time>"
        return item

    return walk(value)


def snapshot(endpoint: str) -> dict:
    """The normalised configuration of every resource of the kinds the stack makes, in the account at
    ``endpoint`` (one stack per account: compare two accounts converged from the same inventory)."""
    reader = _Reader(endpoint)
    return normalise(reader.read(), reader.ids)


def differences(left, right, path: str = "") -> list[str]:
    """Where two snapshots differ, one line per leaf: short enough for an assertion message."""
    if isinstance(left, dict) and isinstance(right, dict):
        lines = []
        for key in sorted(set(left) | set(right)):
            if key not in right:
                lines.append(f"{path}/{key}: only on the left")
            elif key not in left:
                lines.append(f"{path}/{key}: only on the right")
            else:
                lines += differences(left[key], right[key], f"{path}/{key}")
        return lines
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        lines = []
        for number, (one, other) in enumerate(zip(left, right, strict=True)):
            lines += differences(one, other, f"{path}[{number}]")
        return lines
    if left != right:
        return [f"{path}: {json.dumps(left, default=str)[:300]} != {json.dumps(right, default=str)[:300]}"]
    return []
