#!/usr/bin/env python3
"""Every resource the stack's roles make, listed from an account (the emulator) by type, read-only.

Lists whole types, not only what carries the stack's names or tags: a second VPC a crashed run left
behind untagged, or a KMS key created but never aliased, is counted like any other. Defaults an
account starts with are left out (the default VPC, its subnets and security group, main route tables,
the ``default`` DB subnet group, AWS-managed KMS keys and ``alias/aws/*`` aliases, service-linked roles).

    stack_inventory.py --endpoint-url URL [--region us-east-1] [--ids]   # counts (or ids) as JSON

Importable: ``inventory(endpoint, region)`` -> {type: sorted ids}, ``counts(inventory)`` and
``excess(counts, expected)`` -> {type: (found, expected)} for every type with more than expected.
API Gateway deployments are not listed: every converge that changes an API makes a new one (churn).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

import boto3

DEFAULT_REGION = "us-east-1"


def aws(service: str, endpoint: str, region: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def pages(client, operation: str, key: str, **params) -> list[dict]:
    return [item for page in client.get_paginator(operation).paginate(**params) for item in page.get(key, [])]


def position_pages(client, operation: str, **params) -> list[dict]:
    """API Gateway's own pagination (``position``), which the emulator follows loosely."""
    items: list[dict] = []
    while True:
        page = getattr(client, operation)(limit=500, **params)
        items.extend(page.get("items", []))
        if not page.get("position") or not page.get("items"):
            return items
        params["position"] = page["position"]


def ec2_resources(endpoint: str, region: str) -> dict[str, list[str]]:
    ec2 = aws("ec2", endpoint, region)
    vpcs = pages(ec2, "describe_vpcs", "Vpcs")
    default_vpcs = {vpc["VpcId"] for vpc in vpcs if vpc.get("IsDefault")}
    subnets = pages(ec2, "describe_subnets", "Subnets")
    route_tables = pages(ec2, "describe_route_tables", "RouteTables")
    groups = pages(ec2, "describe_security_groups", "SecurityGroups")
    endpoints = pages(ec2, "describe_vpc_endpoints", "VpcEndpoints")
    flow_logs = pages(ec2, "describe_flow_logs", "FlowLogs")
    return {
        "ec2:vpc": [vpc["VpcId"] for vpc in vpcs if vpc["VpcId"] not in default_vpcs],
        "ec2:subnet": [subnet["SubnetId"] for subnet in subnets if subnet["VpcId"] not in default_vpcs],
        "ec2:route-table": [
            table["RouteTableId"]
            for table in route_tables
            if table.get("VpcId") not in default_vpcs
            and not any(association.get("Main") for association in table.get("Associations", []))
        ],
        "ec2:security-group": [
            group["GroupId"]
            for group in groups
            if group.get("VpcId") not in default_vpcs and group["GroupName"] != "default"
        ],
        "ec2:vpc-endpoint": [
            endpoint_["VpcEndpointId"]
            for endpoint_ in endpoints
            if endpoint_.get("State", "").lower() not in ("deleted", "deleting")
        ],
        "ec2:flow-log": [flow_log["FlowLogId"] for flow_log in flow_logs],
    }


def kms_resources(endpoint: str, region: str) -> dict[str, list[str]]:
    kms = aws("kms", endpoint, region)
    keys = []
    for key in pages(kms, "list_keys", "Keys"):
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if metadata.get("KeyManager") != "AWS" and metadata.get("KeyState") not in ("PendingDeletion", "Deleted"):
            keys.append(metadata["KeyId"])
    aliases = [
        alias["AliasName"]
        for alias in pages(kms, "list_aliases", "Aliases")
        if not alias["AliasName"].startswith("alias/aws/") and alias.get("TargetKeyId") in keys
    ]
    return {"kms:key": keys, "kms:alias": aliases}


def iam_resources(endpoint: str, region: str) -> dict[str, list[str]]:
    iam = aws("iam", endpoint, region)
    roles = pages(iam, "list_roles", "Roles")
    return {"iam:role": [role["RoleName"] for role in roles if not role["Path"].startswith("/aws-service-role/")]}


def rds_resources(endpoint: str, region: str) -> dict[str, list[str]]:
    rds = aws("rds", endpoint, region)
    instances = pages(rds, "describe_db_instances", "DBInstances")
    groups = pages(rds, "describe_db_subnet_groups", "DBSubnetGroups")
    return {
        "rds:db-instance": [
            instance["DBInstanceIdentifier"]
            for instance in instances
            if instance.get("DBInstanceStatus") not in ("deleting", "deleted")
        ],
        "rds:subnet-group": [group["DBSubnetGroupName"] for group in groups if group["DBSubnetGroupName"] != "default"],
    }


def apigateway_resources(endpoint: str, region: str) -> dict[str, list[str]]:
    apigateway = aws("apigateway", endpoint, region)
    apis = position_pages(apigateway, "get_rest_apis")
    stages = [
        f"{api['id']}/{stage['stageName']}"
        for api in apis
        for stage in apigateway.get_stages(restApiId=api["id"]).get("item", [])
    ]
    domains = position_pages(apigateway, "get_domain_names")
    return {
        "apigateway:rest-api": [api["id"] for api in apis],
        "apigateway:stage": stages,
        "apigateway:domain-name": [domain["domainName"] for domain in domains],
        "apigateway:base-path-mapping": [
            f"{domain['domainName']}/{mapping.get('basePath', '(none)')}"
            for domain in domains
            for mapping in position_pages(apigateway, "get_base_path_mappings", domainName=domain["domainName"])
        ],
    }


def wafv2_resources(endpoint: str, region: str) -> dict[str, list[str]]:
    wafv2 = aws("wafv2", endpoint, region)

    def listed(operation: str, key: str) -> list[str]:
        items, marker = [], None
        while True:
            page = getattr(wafv2, operation)(Scope="REGIONAL", **({"NextMarker": marker} if marker else {}))
            items.extend(item["ARN"] for item in page.get(key, []))
            marker = page.get("NextMarker")
            if not marker or not page.get(key):
                return items

    return {
        "wafv2:web-acl": listed("list_web_acls", "WebACLs"),
        "wafv2:ip-set": listed("list_ip_sets", "IPSets"),
    }


def other_resources(endpoint: str, region: str) -> dict[str, list[str]]:
    cloudwatch = aws("cloudwatch", endpoint, region)
    alarms = cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    alarm_names = [
        alarm["AlarmName"]
        for page in alarms
        for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])
    ]
    lambda_ = aws("lambda", endpoint, region)
    return {
        "dynamodb:table": pages(aws("dynamodb", endpoint, region), "list_tables", "TableNames"),
        "s3:bucket": [bucket["Name"] for bucket in aws("s3", endpoint, region).list_buckets().get("Buckets", [])],
        "lambda:function": [function["FunctionName"] for function in pages(lambda_, "list_functions", "Functions")],
        "lambda:event-source-mapping": [
            mapping["UUID"] for mapping in pages(lambda_, "list_event_source_mappings", "EventSourceMappings")
        ],
        "logs:log-group": [
            group["logGroupName"] for group in pages(aws("logs", endpoint, region), "describe_log_groups", "logGroups")
        ],
        "sns:topic": [topic["TopicArn"] for topic in pages(aws("sns", endpoint, region), "list_topics", "Topics")],
        "cloudwatch:alarm": alarm_names,
        "cloudwatch:dashboard": [
            dashboard["DashboardName"] for dashboard in pages(cloudwatch, "list_dashboards", "DashboardEntries")
        ],
        "acm:certificate": [
            certificate["CertificateArn"]
            for certificate in pages(
                aws("acm", endpoint, region),
                "list_certificates",
                "CertificateSummaryList",
                Includes={
                    "keyTypes": ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1"]
                },
            )
        ],
        "secretsmanager:secret": [
            secret["Name"]
            for secret in pages(aws("secretsmanager", endpoint, region), "list_secrets", "SecretList")
            if not secret.get("DeletedDate")
        ],
    }


LISTERS: list[Callable[[str, str], dict[str, list[str]]]] = [
    ec2_resources,
    kms_resources,
    iam_resources,
    rds_resources,
    apigateway_resources,
    wafv2_resources,
    other_resources,
]


def inventory(endpoint: str, region: str = DEFAULT_REGION) -> dict[str, list[str]]:
    """{resource type: sorted ids} of every type the stack makes, the account's defaults left out."""
    found: dict[str, list[str]] = {}
    for lister in LISTERS:
        found.update({kind: sorted(ids) for kind, ids in lister(endpoint, region).items()})
    return dict(sorted(found.items()))


def counts(listed: dict[str, list[str]]) -> dict[str, int]:
    return {kind: len(ids) for kind, ids in listed.items()}


def excess(found: dict[str, int], expected: dict[str, int]) -> dict[str, tuple[int, int]]:
    """{type: (found, expected)} for every type of which there are more than expected."""
    return {kind: (number, expected.get(kind, 0)) for kind, number in found.items() if number > expected.get(kind, 0)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--region", default=DEFAULT_REGION)
    parser.add_argument("--ids", action="store_true", help="print the ids of each type, not their counts")
    args = parser.parse_args(argv)
    listed = inventory(args.endpoint_url, args.region)
    json.dump(listed if args.ids else counts(listed), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
