"""payments.aws_platform.api_gateway_rest_api against the emulator."""

import copy
import json

import boto3
import pytest

MODULE = "api_gateway_rest_api"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:payments-test-processor"
OTHER_FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:payments-test-other"
CORS_HEADERS = {
    "method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'",
    "method.response.header.Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
}


@pytest.fixture
def apigateway(emulator_url):
    return boto3.client(
        "apigateway",
        endpoint_url=emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def spec(name, function_arn=FUNCTION_ARN, **overrides):
    args = {
        "name": name,
        "description": "payments API",
        "models": [
            {
                "name": "PaymentRequest",
                "schema": {
                    "type": "object",
                    "required": ["amount", "currency"],
                    "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}},
                },
            }
        ],
        "request_validators": [{"name": "body"}],
        "routes": [
            {
                "path": "/payment",
                "method": "POST",
                "request_validator": "body",
                "request_models": {"application/json": "PaymentRequest"},
                "integration": {"type": "AWS_PROXY", "function_arn": function_arn},
            },
            {
                "path": "/payment/{id}",
                "method": "GET",
                "request_parameters": {"method.request.path.id": True},
                "integration": {"type": "AWS_PROXY", "function_arn": function_arn},
            },
            {
                "path": "/payment",
                "method": "OPTIONS",
                "authorization": "NONE",
                "method_responses": [
                    {"status_code": "200", "response_parameters": {key: False for key in CORS_HEADERS}}
                ],
                "integration": {
                    "type": "MOCK",
                    "request_templates": {"application/json": '{"statusCode": 200}'},
                    "integration_responses": [
                        {
                            "status_code": "200",
                            "response_parameters": CORS_HEADERS,
                            "response_templates": {"application/json": ""},
                        }
                    ],
                },
            },
        ],
        "gateway_responses": [
            {
                "response_type": "DEFAULT_4XX",
                "response_parameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
            }
        ],
        "stage": {
            "name": "dev",
            "tracing_enabled": True,
            "access_log_destination_arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/test",
            "access_log_format": '{"requestId":"$context.requestId"}',
            "logging_level": "INFO",
            "metrics_enabled": True,
            "data_trace_enabled": False,
            "throttling_burst_limit": 100,
            "throttling_rate_limit": 50,
            "tags": {"Stack": "test"},
        },
        "tags": {"Project": "payments"},
    }
    args.update(overrides)
    return args


def apis_named(apigateway, name):
    return [api for api in apigateway.get_rest_apis(limit=500)["items"] if api["name"] == name]


def resources_by_path(apigateway, api_id):
    return {item["path"]: item for item in apigateway.get_resources(restApiId=api_id, limit=500)["items"]}


def test_check_mode_on_a_missing_api_plans_everything_and_writes_nothing(run_module, apigateway, unique_name):
    result = run_module(MODULE, spec(unique_name), check_mode=True, diff=True)

    assert result["failed"] is False
    assert result["changed"] is True
    assert f"create REST API {unique_name}" in result["changes"]
    assert "put method POST /payment" in result["changes"]
    assert "create resource /payment/{id}" in result["changes"]
    assert result["diff"]["before"] == {}
    assert set(result["diff"]["after"]["routes"]) == {"POST /payment", "GET /payment/{id}", "OPTIONS /payment"}
    assert apis_named(apigateway, unique_name) == []


def test_create_builds_the_api_resource_by_resource_then_a_rerun_changes_nothing(run_module, apigateway, unique_name):
    created = run_module(MODULE, spec(unique_name))
    again = run_module(MODULE, spec(unique_name))
    planned = run_module(MODULE, spec(unique_name), check_mode=True)

    assert created["failed"] is False, created.get("msg")
    assert created["changed"] is True
    assert again["changed"] is False, again["changes"]
    assert again["changes"] == []
    assert planned["changed"] is False
    apis = apis_named(apigateway, unique_name)
    assert len(apis) == 1
    api_id = apis[0]["id"]
    assert apis[0]["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert apis[0]["tags"] == {"Project": "payments"}
    resources = resources_by_path(apigateway, api_id)
    assert set(resources) == {"/", "/payment", "/payment/{id}"}
    post = apigateway.get_method(restApiId=api_id, resourceId=resources["/payment"]["id"], httpMethod="POST")
    assert post["authorizationType"] == "AWS_IAM"
    assert post["requestModels"] == {"application/json": "PaymentRequest"}
    validator = apigateway.get_request_validator(restApiId=api_id, requestValidatorId=post["requestValidatorId"])
    assert validator["validateRequestBody"] is True
    assert post["methodIntegration"]["type"] == "AWS_PROXY"
    assert post["methodIntegration"]["uri"].endswith(f"functions/{FUNCTION_ARN}/invocations")
    options = apigateway.get_method(restApiId=api_id, resourceId=resources["/payment"]["id"], httpMethod="OPTIONS")
    assert options["authorizationType"] == "NONE"
    assert options["methodIntegration"]["type"] == "MOCK"
    assert options["methodIntegration"]["integrationResponses"]["200"]["responseParameters"] == CORS_HEADERS
    gateway_response = apigateway.get_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX")
    assert gateway_response["responseParameters"] == {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}
    stage = apigateway.get_stage(restApiId=api_id, stageName="dev")
    assert stage["tracingEnabled"] is True
    assert stage["methodSettings"]["*/*"]["loggingLevel"] == "INFO"
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 100
    assert stage["accessLogSettings"]["destinationArn"].endswith("/aws/apigateway/test")
    deployment = apigateway.get_deployment(restApiId=api_id, deploymentId=stage["deploymentId"])
    assert deployment["description"] == "spec-sha256:" + created["spec_hash"]
    assert created["invoke_url"] == f"https://{api_id}.execute-api.us-east-1.amazonaws.com/dev"
    assert created["stage_arn"] == f"arn:aws:apigateway:us-east-1::/restapis/{api_id}/stages/dev"
    assert len(apigateway.get_deployments(restApiId=api_id)["items"]) == 1


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_changed_integration_is_planned_and_redeployed_only_outside_check_mode(
    run_module, apigateway, unique_name, check_mode
):
    first = run_module(MODULE, spec(unique_name))
    api_id = first["rest_api"]["id"]

    result = run_module(MODULE, spec(unique_name, function_arn=OTHER_FUNCTION_ARN), check_mode=check_mode, diff=True)

    assert result["changed"] is True
    assert "replace method POST /payment" in result["changes"]
    assert any(change.startswith("create deployment") for change in result["changes"])
    before_uri = result["diff"]["before"]["routes"]["POST /payment"]["methodIntegration"]["uri"]
    after_uri = result["diff"]["after"]["routes"]["POST /payment"]["methodIntegration"]["uri"]
    assert FUNCTION_ARN in before_uri
    assert OTHER_FUNCTION_ARN in after_uri
    resource_id = resources_by_path(apigateway, api_id)["/payment"]["id"]
    uri = apigateway.get_method(restApiId=api_id, resourceId=resource_id, httpMethod="POST")["methodIntegration"]["uri"]
    deployments = apigateway.get_deployments(restApiId=api_id)["items"]
    stage = apigateway.get_stage(restApiId=api_id, stageName="dev")
    if check_mode:
        assert FUNCTION_ARN in uri
        assert len(deployments) == 1
    else:
        assert OTHER_FUNCTION_ARN in uri
        assert len(deployments) == 2
        assert stage["deploymentId"] != first["deployment_id"]
        assert stage["deploymentId"] == result["deployment_id"]
        assert run_module(MODULE, spec(unique_name, function_arn=OTHER_FUNCTION_ARN))["changed"] is False


def test_a_stage_only_change_updates_the_stage_without_a_new_deployment(run_module, apigateway, unique_name):
    first = run_module(MODULE, spec(unique_name))
    args = spec(unique_name)
    args["stage"] = dict(args["stage"], throttling_rate_limit=25, tracing_enabled=False)

    result = run_module(MODULE, args)

    assert result["changed"] is True
    assert not any(change.startswith("create deployment") for change in result["changes"])
    stage = apigateway.get_stage(restApiId=first["rest_api"]["id"], stageName="dev")
    assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 25.0
    assert stage["tracingEnabled"] is False
    assert stage["deploymentId"] == first["deployment_id"]


def test_routes_models_and_validators_left_out_of_the_spec_are_purged(run_module, apigateway, unique_name):
    first = run_module(MODULE, spec(unique_name))
    api_id = first["rest_api"]["id"]
    args = spec(unique_name, models=[], request_validators=[], gateway_responses=[])
    args["routes"] = [dict(args["routes"][0], request_validator=None, request_models={})]

    result = run_module(MODULE, args)

    assert result["changed"] is True
    assert set(resources_by_path(apigateway, api_id)) == {"/", "/payment"}
    methods = apigateway.get_resource(
        restApiId=api_id, resourceId=resources_by_path(apigateway, api_id)["/payment"]["id"]
    )
    assert set(methods.get("resourceMethods", {})) == {"POST"}
    assert apigateway.get_models(restApiId=api_id)["items"] == []
    assert apigateway.get_request_validators(restApiId=api_id)["items"] == []
    assert apigateway.get_gateway_responses(restApiId=api_id)["items"] == []
    assert run_module(MODULE, args)["changed"] is False


def test_a_drifted_method_is_put_back(run_module, apigateway, unique_name):
    first = run_module(MODULE, spec(unique_name))
    api_id = first["rest_api"]["id"]
    resource_id = resources_by_path(apigateway, api_id)["/payment/{id}"]["id"]
    apigateway.put_method(restApiId=api_id, resourceId=resource_id, httpMethod="GET", authorizationType="NONE")

    result = run_module(MODULE, spec(unique_name))

    assert result["changed"] is True
    assert "replace method GET /payment/{id}" in result["changes"]
    method = apigateway.get_method(restApiId=api_id, resourceId=resource_id, httpMethod="GET")
    assert method["authorizationType"] == "AWS_IAM"
    assert method["methodIntegration"]["type"] == "AWS_PROXY"


def test_a_cognito_authorizer_is_created_and_referenced(run_module, apigateway, unique_name):
    pool = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc"
    args = spec(unique_name, authorizers=[{"name": "users", "type": "COGNITO_USER_POOLS", "provider_arns": [pool]}])
    for route in args["routes"][:2]:
        route.update(authorization="COGNITO_USER_POOLS", authorizer="users")

    created = run_module(MODULE, args)
    again = run_module(MODULE, args)

    assert created["failed"] is False, created.get("msg")
    assert again["changed"] is False, again["changes"]
    api_id = created["rest_api"]["id"]
    authorizers = apigateway.get_authorizers(restApiId=api_id)["items"]
    assert [item["providerARNs"] for item in authorizers] == [[pool]]
    resource_id = resources_by_path(apigateway, api_id)["/payment"]["id"]
    method = apigateway.get_method(restApiId=api_id, resourceId=resource_id, httpMethod="POST")
    assert method["authorizationType"] == "COGNITO_USER_POOLS"
    assert method["authorizerId"] == authorizers[0]["id"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda args: args["routes"][0].update(request_validator="missing"), "request_validator"),
        (lambda args: args["routes"][0].update(authorization="CUSTOM"), "needs an authorizer"),
        (lambda args: args["routes"][1]["integration"].update(function_arn=None), "function_arn or uri"),
        (lambda args: args["routes"].append(copy.deepcopy(args["routes"][0])), "more than once"),
        (lambda args: args["stage"].update(access_log_format=None), "access_log_format"),
    ],
)
def test_a_broken_spec_fails_before_any_write(run_module, apigateway, unique_name, mutate, message):
    args = spec(unique_name)
    mutate(args)

    result = run_module(MODULE, args)

    assert result["failed"] is True
    assert message in result["msg"]
    assert apis_named(apigateway, unique_name) == []


def test_absent_deletes_once(run_module, apigateway, unique_name):
    run_module(MODULE, spec(unique_name))

    first = run_module(MODULE, {"name": unique_name, "state": "absent"})
    second = run_module(MODULE, {"name": unique_name, "state": "absent"})

    assert first["changed"] is True
    assert second["changed"] is False
    assert apis_named(apigateway, unique_name) == []


def test_a_tag_change_on_an_endpoint_without_tag_resource_warns(run_module, apigateway, unique_name):
    run_module(MODULE, spec(unique_name))

    result = run_module(MODULE, spec(unique_name, tags={"Project": "payments", "Owner": "me"}))

    assert result["failed"] is False, result.get("msg")
    assert "update API tags" in result["changes"]
    # ansible-core 2.19 returns warnings as dicts: match on their text.
    assert any("TagResource" in str(warning) for warning in result.get("warnings", []))


def test_a_changed_model_schema_is_applied_and_redeployed(run_module, apigateway, unique_name):
    first = run_module(MODULE, spec(unique_name))
    args = spec(unique_name)
    args["models"][0]["schema"]["required"] = ["amount"]

    result = run_module(MODULE, args)

    assert result["failed"] is False, result.get("msg")
    assert "replace model PaymentRequest" in result["changes"]
    held = apigateway.get_model(restApiId=first["rest_api"]["id"], modelName="PaymentRequest")
    assert json.loads(held["schema"])["required"] == ["amount"]
    assert result["deployment_id"] != first["deployment_id"]
    assert run_module(MODULE, args)["changed"] is False
