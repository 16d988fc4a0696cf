"""payments.aws_platform.secretsmanager_resource_policy against the emulator."""

import json

import boto3
import pytest

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
