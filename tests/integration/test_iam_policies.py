"""Least privilege: every policy document a converged prod really carries, read back from the emulator, is linted
with parliament (and checked for wildcards), so what is tested is what was created.

Documents: the inline and customer-managed policies of every role of the stack (the function's, the flow logs', the
database's Enhanced Monitoring role's) and of the account's API Gateway CloudWatch Logs role, every one of those
roles' trust policies, the KMS key policy, the audit bucket policy, the gateway VPC
endpoint policies, the alarm topic policy, the function's resource policy (the permission for API Gateway) and the
resource policy of the DB master secret RDS manages.
A finding parliament still reports is accepted only when ALLOWED names it, with the reason that also stands in a
comment next to the policy's template; an allowed finding that no longer occurs fails too (a stale allow-list).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import emulator  # tests/tools
import pytest
from parliament import analyze_policy_string
from stack_state import aws  # tests/tools

pytestmark = [pytest.mark.integration, pytest.mark.long]

REPO = Path(__file__).resolve().parents[2]
ENV = "prod"
STACK = f"payments-{ENV}"

# The AWS managed policies a role of the stack may have attached (not ours to lint: AWS writes and updates them).
AWS_MANAGED_ALLOWED = {
    "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
    "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
}
# role -> (the service that assumes it, the AWS managed policies attached to it): nothing more, nothing less.
STACK_ROLES = {
    "payments-apigateway-cloudwatch": (
        "apigateway.amazonaws.com",
        {"arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"},
    ),
    f"{ENV}-payments-flow-logs-role": ("vpc-flow-logs.amazonaws.com", set()),
    f"{ENV}-payments-lambda-role": ("lambda.amazonaws.com", set()),
    f"{ENV}-payments-rds-monitoring-role": (
        "monitoring.rds.amazonaws.com",
        {"arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"},
    ),
}
# The account-wide API Gateway logging role has no confused-deputy condition (see prowler_accepted.yml,
# iam_role_cross_service_confused_deputy_prevention): API Gateway documents none for it.
TRUST_WITHOUT_SOURCE_ACCOUNT = {"payments-apigateway-cloudwatch"}

# Resource "*" in an Allow of an identity policy only for actions that support no resource-level permission.
RESOURCE_STAR_ALLOWED = {
    "ec2:DescribeNetworkInterfaces",  # EC2 Describe* calls have no resource-level permissions
    "ec2:DescribeSubnets",
    "xray:PutTelemetryRecords",  # X-Ray's write calls have no resource-level permissions
    "xray:PutTraceSegments",
}

# document -> {parliament issue: why it stays}. The same reasons are in the comments of the templates named.
ALLOWED = {
    "kms key policy": {
        # roles/rds_kms/templates/key_policy.json.j2
        "RESOURCE_STAR": "in a key policy Resource '*' means this key only (its ARN does not exist before the key)",
        "PERMISSIONS_MANAGEMENT_ACTIONS": (
            "the account administers its key (without kms:PutKeyPolicy it could never change again) and the stack's"
            " services use it through grants they create, only via those services (kms:ViaService)"
        ),
        "MISMATCHED_TYPE": (
            "ArnLike on kms:EncryptionContext:aws:logs:arn is AWS's documented form for CloudWatch Logs;"
            " parliament types every encryption-context key as a string"
        ),
    },
    "s3 bucket policy": {
        # roles/s3_audit/templates/audit_bucket_policy.json.j2
        "MISMATCHED_TYPE_BUT_USABLE": (
            "s3:x-amz-server-side-encryption-aws-kms-key-id is a string key whose value is the key ARN; no ARN"
            " operator applies to it"
        ),
    },
    "sns topic policy": {
        # roles/cloudwatch/templates/topic_policy.json.j2
        "PERMISSIONS_MANAGEMENT_ACTIONS": (
            "SetTopicAttributes, AddPermission and RemovePermission go to this account only (its IAM policies decide"
            " who), as SNS's default topic policy does; no other account or service gets them"
        ),
    },
    "lambda resource policy": {
        # the permission is written by roles/apigw_waf/tasks/present.yml (statement_id <stack>-api-invoke)
        "INVALID_SID": (
            "Lambda statement ids may hold '-' (AddPermission's StatementId pattern is [a-zA-Z0-9-_]+);"
            " parliament applies IAM's alphanumeric Sid rule"
        ),
    },
}


@pytest.fixture(scope="module")
def converged(tmp_path_factory):
    """A fresh emulator with prod converged once: (endpoint, outputs)."""
    work = tmp_path_factory.mktemp("iam-policies")
    state_file = work / "emulator.json"
    endpoint = emulator.start(state_file)["url"]
    try:
        command = [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "site.yml",
            "-i",
            f"inventories/{ENV}",
            *emulator.ALLOW_SELF_SIGNED_CERTIFICATE,
            "-e",
            f"aws_endpoint_url={endpoint}",
            "-e",
            f"payments_outputs_dir={work / 'outputs'}",
            "-e",
            f"apigw_waf_certificate_dir={work / 'certs'}",
        ]
        env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0"}
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)
        assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
        yield endpoint, json.loads((work / "outputs" / f"{ENV}.json").read_text())
    finally:
        emulator.stop(state_file)


def stack_roles(endpoint: str, outputs: dict) -> list[str]:
    names = [role["RoleName"] for role in aws("iam", endpoint).list_roles()["Roles"]]
    return sorted(
        name for name in names if name.startswith(f"{ENV}-payments-") or name == "payments-apigateway-cloudwatch"
    )


def identity_documents(endpoint: str, outputs: dict) -> dict[str, dict]:
    iam = aws("iam", endpoint)
    documents = {}
    for role in stack_roles(endpoint, outputs):
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            documents[f"iam {role} inline {name}"] = iam.get_role_policy(RoleName=role, PolicyName=name)[
                "PolicyDocument"
            ]
        for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
            if attached["PolicyArn"].startswith("arn:aws:iam::aws:"):
                continue
            policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
            version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])
            documents[f"iam {role} attached {policy['PolicyName']}"] = version["PolicyVersion"]["Document"]
    return documents


def resource_document(endpoint: str, outputs: dict, which: str) -> dict:
    if which == "kms key policy":
        text = aws("kms", endpoint).get_key_policy(KeyId=outputs["rds_kms"]["key_id"], PolicyName="default")["Policy"]
    elif which == "s3 bucket policy":
        text = aws("s3", endpoint).get_bucket_policy(Bucket=outputs["s3_audit"]["bucket_name"])["Policy"]
    elif which == "sns topic policy":
        topic = outputs["cloudwatch"]["alarm_topic_arn"]
        text = aws("sns", endpoint).get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"]
    elif which == "lambda resource policy":
        text = aws("lambda", endpoint).get_policy(FunctionName=outputs["lambda"]["function_name"])["Policy"]
    elif which == "secretsmanager secret policy":
        secret = outputs["rds_kms"]["db_secret_arn"]
        text = aws("secretsmanager", endpoint).get_resource_policy(SecretId=secret)["ResourcePolicy"]
    else:
        service = which.split()[1]
        endpoints = aws("ec2", endpoint).describe_vpc_endpoints(
            Filters=[
                {"Name": "vpc-id", "Values": [outputs["vpc"]["vpc_id"]]},
                {"Name": "service-name", "Values": [f"com.amazonaws.us-east-1.{service}"]},
            ]
        )["VpcEndpoints"]
        assert len(endpoints) == 1, endpoints
        text = endpoints[0]["PolicyDocument"]
    return json.loads(text) if isinstance(text, str) else text


def statements(document: dict) -> list[dict]:
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def parliament_issues(document: dict) -> dict[str, list[str]]:
    policy = analyze_policy_string(json.dumps(document), include_community_auditors=True)
    issues: dict[str, list[str]] = {}
    for finding in policy.findings:
        issues.setdefault(finding.issue, []).append(f"{finding.title} {finding.detail}")
    return issues


def assert_no_action_star(document: dict) -> None:
    for statement in statements(document):
        if statement["Effect"] == "Allow":
            assert "NotAction" not in statement and "NotResource" not in statement, statement
            assert all(action != "*" and not action.endswith(":*") for action in as_list(statement["Action"])), (
                statement
            )


def assert_parliament(name: str, document: dict) -> None:
    issues = parliament_issues(document)
    allowed = ALLOWED.get(name, {})
    unexplained = {issue: details for issue, details in issues.items() if issue not in allowed}
    assert unexplained == {}, json.dumps(document, indent=1)
    assert sorted(issues) == sorted(allowed), f"stale allow-list entries for {name}: {set(allowed) - set(issues)}"


def test_the_stack_has_the_roles_and_attachments_it_should(converged):
    endpoint, outputs = converged
    iam = aws("iam", endpoint)

    roles = stack_roles(endpoint, outputs)

    assert roles == [
        "payments-apigateway-cloudwatch",
        "prod-payments-flow-logs-role",
        "prod-payments-lambda-role",
        "prod-payments-rds-monitoring-role",
    ]
    assert roles == sorted(STACK_ROLES)
    for role in roles:
        attached_to_role = {
            policy["PolicyArn"] for policy in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        }
        assert attached_to_role == STACK_ROLES[role][1], role
    # The database publishes Enhanced Monitoring through the stack's role (outputs and the instance agree).
    monitoring_role_arn = iam.get_role(RoleName=f"{ENV}-payments-rds-monitoring-role")["Role"]["Arn"]
    assert outputs["rds_kms"]["monitoring_role_arn"] == monitoring_role_arn
    instance = aws("rds", endpoint).describe_db_instances(DBInstanceIdentifier=f"{STACK}-db")["DBInstances"][0]
    assert (instance["MonitoringInterval"], instance["MonitoringRoleArn"]) == (60, monitoring_role_arn)
    attached = {
        policy["PolicyArn"]
        for role in roles
        for policy in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        if policy["PolicyArn"].startswith("arn:aws:iam::aws:")
    }
    assert attached <= AWS_MANAGED_ALLOWED
    assert len(identity_documents(endpoint, outputs)) >= 2


def test_every_identity_policy_passes_parliament_with_resource_star_only_where_aws_has_nothing_narrower(converged):
    endpoint, outputs = converged
    documents = identity_documents(endpoint, outputs)
    assert documents

    for name, document in documents.items():
        assert_no_action_star(document)
        for statement in statements(document):
            if statement["Effect"] == "Allow" and "*" in as_list(statement["Resource"]):
                assert set(as_list(statement["Action"])) <= RESOURCE_STAR_ALLOWED, (name, statement)
        assert_parliament("iam", document)


def test_every_trust_policy_lets_its_one_service_assume_the_role_for_this_account_only(converged):
    endpoint, outputs = converged
    iam = aws("iam", endpoint)
    roles = stack_roles(endpoint, outputs)
    assert roles

    for role in roles:
        document = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        assert [statement["Effect"] for statement in statements(document)] == ["Allow"], (role, document)
        statement = statements(document)[0]
        assert statement["Principal"] == {"Service": STACK_ROLES[role][0]}, (role, statement)
        assert as_list(statement["Action"]) == ["sts:AssumeRole"], (role, statement)
        if role not in TRUST_WITHOUT_SOURCE_ACCOUNT:
            assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == outputs["account_id"], (
                role,
                statement,
            )
        # parliament reads every document as an identity policy; a trust policy has no Resource (the role is the
        # resource, and IAM refuses one there): that one MALFORMED finding, per statement, is expected, nothing else.
        issues = parliament_issues(document)
        missing_resource = [detail.strip() for detail in issues.pop("MALFORMED", [])]
        assert missing_resource == ["Statement contains neither Resource nor NotResource"], (role, missing_resource)
        assert issues == {}, (role, issues)


RESOURCE_DOCUMENTS = [
    "kms key policy",
    "s3 bucket policy",
    "vpce dynamodb endpoint policy",
    "vpce s3 endpoint policy",
    "sns topic policy",
    "lambda resource policy",
    "secretsmanager secret policy",
]


@pytest.mark.parametrize("which", RESOURCE_DOCUMENTS)
def test_every_resource_policy_passes_parliament(converged, which):
    endpoint, outputs = converged

    document = resource_document(endpoint, outputs, which)

    assert_no_action_star(document)
    for statement in statements(document):
        # Only a key policy's Resource may be "*" (it means the key itself); everything else names its resources.
        if which != "kms key policy":
            assert "*" not in as_list(statement["Resource"]), statement
        # Every Allow to a principal outside the account's own root is narrowed by a condition.
        principal = statement.get("Principal", {})
        if statement["Effect"] == "Allow" and principal != {"AWS": f"arn:aws:iam::{outputs['account_id']}:root"}:
            assert statement.get("Condition"), statement
    assert_parliament(which, document)
