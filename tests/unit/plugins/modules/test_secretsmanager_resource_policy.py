"""payments.aws_platform.secretsmanager_resource_policy against the emulator."""

import json

import boto3
import pytest
from botocore.stub import Stubber

MODULE = "secretsmanager_resource_policy"
ROLE = "arn:aws:iam::123456789012:role/deployer"


def deny_all_but(*principals):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyAllButListedPrincipalsAndServices",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "secretsmanager:*",
                "Resource": "*",
                "Condition": {
                    "StringNotEqualsIfExists": {
                        "aws:PrincipalArn": list(principals),
                        "aws:PrincipalServiceName": ["rds.amazonaws.com", "secretsmanager.amazonaws.com"],
                    }
                },
            }
        ],
    }


@pytest.fixture
def sm(emulator_url):
    return boto3.client(
        "secretsmanager",
        endpoint_url=emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def secret(sm, unique_name):
    return sm.create_secret(Name=unique_name, SecretString="not-read-by-the-module")["ARN"]


def policy_of(sm, arn):
    document = sm.get_resource_policy(SecretId=arn).get("ResourcePolicy")
    return json.loads(document) if document else None


def value_of(sm, arn):
    return sm.get_secret_value(SecretId=arn)["SecretString"]


def test_attaches_the_policy_once_and_leaves_the_value(run_module, sm, secret):
    first = run_module(MODULE, {"secret": secret, "policy": deny_all_but(ROLE)})
    second = run_module(MODULE, {"secret": secret, "policy": deny_all_but(ROLE)})

    assert first["changed"] is True
    assert first["secret"]["arn"] == secret
    assert second["changed"] is False
    assert policy_of(sm, secret) == deny_all_but(ROLE)
    assert value_of(sm, secret) == "not-read-by-the-module"
    assert "not-read-by-the-module" not in json.dumps(first) + json.dumps(second)


def test_an_equivalent_policy_is_not_a_change(run_module, sm, secret):
    run_module(MODULE, {"secret": secret, "policy": deny_all_but(ROLE)})
    equivalent = deny_all_but(ROLE)
    statement = equivalent["Statement"][0]
    statement["Action"] = ["secretsmanager:*"]
    statement["Condition"]["StringNotEqualsIfExists"]["aws:PrincipalArn"] = ROLE
    statement["Condition"]["StringNotEqualsIfExists"]["aws:PrincipalServiceName"].reverse()

    result = run_module(MODULE, {"secret": secret, "policy": json.dumps(equivalent)})

    assert result["changed"] is False


def test_drift_is_restored(run_module, sm, secret):
    run_module(MODULE, {"secret": secret, "policy": deny_all_but(ROLE)})
    sm.put_resource_policy(SecretId=secret, ResourcePolicy=json.dumps(deny_all_but(ROLE, ROLE + "-other")))

    result = run_module(MODULE, {"secret": secret, "policy": deny_all_but(ROLE)}, diff=True)

    assert result["changed"] is True
    assert ROLE + "-other" in json.dumps(result["diff"]["before"])
    assert policy_of(sm, secret) == deny_all_but(ROLE)


def test_check_mode_reports_and_writes_nothing(run_module, sm, secret):
    result = run_module(MODULE, {"secret": secret, "policy": deny_all_but(ROLE)}, check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"] == {"policy": {}}
    assert result["diff"]["after"] == {"policy": deny_all_but(ROLE)}
    assert policy_of(sm, secret) is None


def test_absent_removes_the_policy_once(run_module, sm, secret):
    run_module(MODULE, {"secret": secret, "policy": deny_all_but(ROLE)})

    checked = run_module(MODULE, {"secret": secret, "state": "absent"}, check_mode=True)
    assert checked["changed"] is True
    assert policy_of(sm, secret) is not None

    first = run_module(MODULE, {"secret": secret, "state": "absent"})
    second = run_module(MODULE, {"secret": secret, "state": "absent"})

    assert first["changed"] is True
    assert second["changed"] is False
    assert policy_of(sm, secret) is None
    assert value_of(sm, secret) == "not-read-by-the-module"


def test_a_missing_secret(run_module, unique_name):
    absent = run_module(MODULE, {"secret": f"{unique_name}-none", "state": "absent"})
    present = run_module(MODULE, {"secret": f"{unique_name}-none", "policy": deny_all_but(ROLE)})

    assert absent["changed"] is False
    assert absent["secret"] == {}
    assert present["failed"] is True
    assert "does not exist" in present["msg"]


def test_present_needs_a_policy_document(run_module, secret):
    result = run_module(MODULE, {"secret": secret, "policy": {"Version": "2012-10-17"}})

    assert result["failed"] is True
    assert "Statement" in result["msg"]


# Issue 20, item 1: a converge as principal B after one as principal A never locks A out. The emulator answers
# GetCallerIdentity with one fixed ARN whatever the credentials, so the switch of principal is shown here, where the
# caller's ARN is what the role templates into the policy it hands the module: A's run, then B's plan, B's run.

PRINCIPAL_A = "arn:aws:iam::123456789012:role/laptop-deployer"
PRINCIPAL_B = "arn:aws:iam::123456789012:role/awx/awx-deployer"
SERVICE_LINKED = "arn:aws:iam::123456789012:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS"


def as_caller(caller, *admins):
    """The policy the role writes for ``caller``: the caller, the admins, the RDS service-linked role."""
    return deny_all_but(caller, *admins, SERVICE_LINKED)


def listed(policy):
    return policy["Statement"][0]["Condition"]["StringNotEqualsIfExists"]["aws:PrincipalArn"]


def keeping(policy, **extra):
    return {"policy": policy, "keep_listed_principals": True, **extra}


def test_a_converge_by_b_after_a_keeps_a_and_adds_b(run_module, sm, secret):
    by_a = run_module(MODULE, {"secret": secret, **keeping(as_caller(PRINCIPAL_A))})
    plan_by_b = run_module(MODULE, {"secret": secret, **keeping(as_caller(PRINCIPAL_B))}, check_mode=True, diff=True)
    assert listed(policy_of(sm, secret)) == [PRINCIPAL_A, SERVICE_LINKED]  # the plan wrote nothing
    by_b = run_module(MODULE, {"secret": secret, **keeping(as_caller(PRINCIPAL_B))})
    again_by_b = run_module(MODULE, {"secret": secret, **keeping(as_caller(PRINCIPAL_B))})
    again_by_a = run_module(MODULE, {"secret": secret, **keeping(as_caller(PRINCIPAL_A))})

    assert by_a["changed"] is True
    assert plan_by_b["changed"] is True
    assert set(listed(plan_by_b["diff"]["after"]["policy"])) == {PRINCIPAL_A, PRINCIPAL_B, SERVICE_LINKED}
    assert by_b["changed"] is True
    assert by_b["kept_principals"] == [PRINCIPAL_A]
    assert set(listed(policy_of(sm, secret))) == {PRINCIPAL_A, PRINCIPAL_B, SERVICE_LINKED}
    assert again_by_b["changed"] is False
    assert again_by_a["changed"] is False
    assert set(listed(policy_of(sm, secret))) == {PRINCIPAL_A, PRINCIPAL_B, SERVICE_LINKED}


def test_every_deny_statement_keeps_the_same_principals(run_module, sm, secret):
    """The role's template has two Deny statements with one list: both keep the live principals."""
    two = as_caller(PRINCIPAL_A)
    second = json.loads(json.dumps(two["Statement"][0]))
    second["Sid"] = "DenyWithoutPrincipalArnAndServiceName"
    second["Condition"]["Null"] = {"aws:PrincipalArn": "true", "aws:PrincipalServiceName": "true"}
    two["Statement"].append(second)
    run_module(MODULE, {"secret": secret, **keeping(two)})
    for_b = json.loads(json.dumps(two).replace(PRINCIPAL_A, PRINCIPAL_B))

    run_module(MODULE, {"secret": secret, **keeping(for_b)})

    statements = policy_of(sm, secret)["Statement"]
    assert len(statements) == 2
    for statement in statements:
        assert set(statement["Condition"]["StringNotEqualsIfExists"]["aws:PrincipalArn"]) == {
            PRINCIPAL_A,
            PRINCIPAL_B,
            SERVICE_LINKED,
        }


def test_a_principal_goes_only_when_revoked(run_module, sm, secret):
    run_module(MODULE, {"secret": secret, **keeping(as_caller(PRINCIPAL_A))})
    run_module(MODULE, {"secret": secret, **keeping(as_caller(PRINCIPAL_B))})

    revoked = run_module(
        MODULE, {"secret": secret, **keeping(as_caller(PRINCIPAL_B), revoked_principals=[PRINCIPAL_A])}
    )
    again = run_module(MODULE, {"secret": secret, **keeping(as_caller(PRINCIPAL_B), revoked_principals=[PRINCIPAL_A])})

    assert revoked["changed"] is True
    assert revoked["revoked_principals"] == [PRINCIPAL_A]
    assert again["changed"] is False
    assert set(listed(policy_of(sm, secret))) == {PRINCIPAL_B, SERVICE_LINKED}


def test_a_revoked_principal_the_policy_itself_lists_stays(run_module, sm, secret):
    result = run_module(MODULE, {"secret": secret, **keeping(as_caller(PRINCIPAL_B), revoked_principals=[PRINCIPAL_B])})

    assert result["changed"] is True
    assert PRINCIPAL_B in listed(policy_of(sm, secret))


def test_without_keep_listed_principals_the_policy_is_written_as_given(run_module, sm, secret):
    run_module(MODULE, {"secret": secret, "policy": as_caller(PRINCIPAL_A)})
    run_module(MODULE, {"secret": secret, "policy": as_caller(PRINCIPAL_B)})

    assert listed(policy_of(sm, secret)) == [PRINCIPAL_B, SERVICE_LINKED]


SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0123-AbCdEf"


def test_the_merged_policy_is_exactly_what_is_sent(run_module_stubbed):
    """botocore's Stubber: the module reads the live policy (A listed) and sends B's policy with A added to every
    principal list, with BlockPublicPolicy, and makes no other call."""
    client = boto3.client("secretsmanager", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    live = as_caller(PRINCIPAL_A)
    merged = deny_all_but(PRINCIPAL_B, SERVICE_LINKED, PRINCIPAL_A)
    with Stubber(client) as stubber:
        stubber.add_response(
            "describe_secret",
            {"ARN": SECRET_ARN, "Name": "rds!db-0123", "OwningService": "rds"},
            {"SecretId": SECRET_ARN},
        )
        stubber.add_response(
            "get_resource_policy",
            {"ARN": SECRET_ARN, "Name": "rds!db-0123", "ResourcePolicy": json.dumps(live)},
            {"SecretId": SECRET_ARN},
        )
        stubber.add_response(
            "put_resource_policy",
            {"ARN": SECRET_ARN, "Name": "rds!db-0123"},
            {"SecretId": SECRET_ARN, "ResourcePolicy": json.dumps(merged, sort_keys=True), "BlockPublicPolicy": True},
        )

        result = run_module_stubbed(MODULE, {"secret": SECRET_ARN, **keeping(as_caller(PRINCIPAL_B))}, client)

        stubber.assert_no_pending_responses()
    assert result["changed"] is True, result
    assert result["kept_principals"] == [PRINCIPAL_A]
