"""payments.aws_platform.api_gateway_domain_name against the emulator."""

import boto3
import pytest

MODULE = "api_gateway_domain_name"
SESSION = {
    "region_name": "us-east-1",
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
}


@pytest.fixture
def apigateway(emulator_url):
    return boto3.client("apigateway", endpoint_url=emulator_url, **SESSION)


@pytest.fixture
def domain(unique_name):
    return f"{unique_name.lower().replace('_', '-')}.payments.internal"


@pytest.fixture
def certificate_arn(emulator_url, domain):
    """Any ACM ARN will do for the emulator's domain names: it does not check the certificate."""
    return f"arn:aws:acm:us-east-1:123456789012:certificate/{abs(hash(domain)):036d}"[:80]


@pytest.fixture
def stage(apigateway, unique_name):
    api = apigateway.create_rest_api(name=unique_name, endpointConfiguration={"types": ["REGIONAL"]})
    api_id, root_id = api["id"], api["rootResourceId"]
    # A deployment needs at least one method.
    apigateway.put_method(restApiId=api_id, resourceId=root_id, httpMethod="GET", authorizationType="AWS_IAM")
    apigateway.put_integration(restApiId=api_id, resourceId=root_id, httpMethod="GET", type="MOCK")
    deployment_id = apigateway.create_deployment(restApiId=api_id)["id"]
    for name in ("dev", "next"):
        apigateway.create_stage(restApiId=api_id, stageName=name, deploymentId=deployment_id)
    return api_id


def args(domain, certificate_arn, api_id, stage_name="dev"):
    return {
        "domain_name": domain,
        "certificate_arn": certificate_arn,
        "security_policy": "TLS_1_2",
        "base_path_mappings": [{"rest_api_id": api_id, "stage": stage_name}],
        "tags": {"Stack": "test"},
    }


def test_check_mode_on_a_missing_domain_writes_nothing(run_module, apigateway, domain, certificate_arn, stage):
    result = run_module(MODULE, args(domain, certificate_arn, stage), check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["security_policy"] == "TLS_1_2"
    assert domain not in [item["domainName"] for item in apigateway.get_domain_names()["items"]]


def test_create_maps_the_root_to_the_stage_then_a_rerun_changes_nothing(
    run_module, apigateway, domain, certificate_arn, stage
):
    created = run_module(MODULE, args(domain, certificate_arn, stage))
    again = run_module(MODULE, args(domain, certificate_arn, stage))

    assert created["failed"] is False, created.get("msg")
    assert created["changed"] is True
    assert again["changed"] is False
    described = apigateway.get_domain_name(domainName=domain)
    assert described["securityPolicy"] == "TLS_1_2"
    assert described["regionalCertificateArn"] == certificate_arn
    assert described["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert created["domain_name"]["regional_domain_name"] == described["regionalDomainName"]
    mappings = apigateway.get_base_path_mappings(domainName=domain)["items"]
    assert [(item["basePath"], item["restApiId"], item["stage"]) for item in mappings] == [("(none)", stage, "dev")]


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_mapping_to_another_stage_is_replaced(run_module, apigateway, domain, certificate_arn, stage, check_mode):
    run_module(MODULE, args(domain, certificate_arn, stage))

    result = run_module(MODULE, args(domain, certificate_arn, stage, "next"), check_mode=check_mode, diff=True)

    assert result["changed"] is True
    assert result["diff"]["after"]["base_path_mappings"][0]["stage"] == "next"
    mappings = apigateway.get_base_path_mappings(domainName=domain)["items"]
    assert [item["stage"] for item in mappings] == (["dev"] if check_mode else ["next"])


def test_a_new_certificate_is_applied(run_module, apigateway, domain, certificate_arn, stage):
    run_module(MODULE, args(domain, certificate_arn, stage))
    other = certificate_arn[:-4] + "ffff"

    result = run_module(MODULE, args(domain, other, stage))

    assert result["failed"] is False, result.get("msg")
    assert result["changed"] is True
    assert apigateway.get_domain_name(domainName=domain)["regionalCertificateArn"] == other
    assert len(apigateway.get_base_path_mappings(domainName=domain)["items"]) == 1


def test_creating_without_a_certificate_fails(run_module, domain, stage):
    result = run_module(MODULE, {"domain_name": domain, "base_path_mappings": []})

    assert result["failed"] is True
    assert "certificate_arn" in result["msg"]


def test_absent_deletes_the_domain_and_its_mappings(run_module, apigateway, domain, certificate_arn, stage):
    run_module(MODULE, args(domain, certificate_arn, stage))

    first = run_module(MODULE, {"domain_name": domain, "state": "absent"})
    second = run_module(MODULE, {"domain_name": domain, "state": "absent"})

    assert first["changed"] is True
    assert second["changed"] is False
    assert domain not in [item["domainName"] for item in apigateway.get_domain_names()["items"]]


PQ_POLICY = "SecurityPolicy_TLS13_1_2_PQ_2025_09"


def test_an_enhanced_post_quantum_policy_is_created_then_a_rerun_changes_nothing(
    run_module, apigateway, domain, certificate_arn, stage
):
    wanted = dict(args(domain, certificate_arn, stage), security_policy=PQ_POLICY, endpoint_access_mode="BASIC")

    created = run_module(MODULE, wanted, diff=True)
    again = run_module(MODULE, wanted)

    assert created["failed"] is False, created.get("msg")
    assert created["changed"] is True
    assert created["diff"]["after"]["security_policy"] == PQ_POLICY
    assert again["changed"] is False
    assert apigateway.get_domain_name(domainName=domain)["securityPolicy"] == PQ_POLICY


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_legacy_policy_moves_to_the_enhanced_one(run_module, apigateway, domain, certificate_arn, stage, check_mode):
    run_module(MODULE, args(domain, certificate_arn, stage))
    wanted = dict(args(domain, certificate_arn, stage), security_policy=PQ_POLICY, endpoint_access_mode="BASIC")

    result = run_module(MODULE, wanted, check_mode=check_mode, diff=True)

    assert result["failed"] is False, result.get("msg")
    assert result["changed"] is True
    assert result["diff"]["before"]["security_policy"] == "TLS_1_2"
    assert result["diff"]["after"]["security_policy"] == PQ_POLICY
    described = apigateway.get_domain_name(domainName=domain)
    assert described["securityPolicy"] == ("TLS_1_2" if check_mode else PQ_POLICY)
    assert len(apigateway.get_base_path_mappings(domainName=domain)["items"]) == 1


def test_the_patch_sends_the_access_mode_with_an_enhanced_policy():
    from ansible_collections.payments.aws_platform.plugins.modules.api_gateway_domain_name import domain_patch

    params = {"certificate_arn": None, "security_policy": PQ_POLICY, "endpoint_access_mode": "STRICT"}

    assert domain_patch({"securityPolicy": "TLS_1_2"}, params) == [
        {"op": "replace", "path": "/securityPolicy", "value": PQ_POLICY},
        {"op": "replace", "path": "/endpointAccessMode", "value": "STRICT"},
    ]
    assert domain_patch({"securityPolicy": PQ_POLICY, "endpointAccessMode": "BASIC"}, params) == [
        {"op": "replace", "path": "/endpointAccessMode", "value": "STRICT"}
    ]
    assert domain_patch({"securityPolicy": PQ_POLICY}, params) == []  # the emulator reports no mode


@pytest.mark.parametrize(
    "policy, mode, message",
    [
        (PQ_POLICY, None, "endpoint_access_mode (BASIC or STRICT) is required"),
        ("TLS_1_2", "BASIC", "endpoint_access_mode is only for the enhanced"),
    ],
)
def test_a_policy_and_access_mode_that_do_not_go_together_fail_before_any_call(
    run_module, domain, certificate_arn, stage, policy, mode, message
):
    wanted = dict(args(domain, certificate_arn, stage), security_policy=policy)
    if mode:
        wanted["endpoint_access_mode"] = mode

    result = run_module(MODULE, wanted)

    assert result["failed"] is True
    assert message in result["msg"]
