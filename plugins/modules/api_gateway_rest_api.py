#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: api_gateway_rest_api
short_description: Build an API Gateway REST API from a compact route spec, deploy it and configure its stage
version_added: 0.1.0
description:
  - Converges one REST API (API Gateway v1), found by O(name), resource by resource - resources, methods,
    integrations, method and integration responses, models, request validators, authorizers and gateway
    responses - to match a compact spec, then deploys it to one stage and configures that stage (access logs,
    method settings, throttling, tracing, variables, tags).
  - Replaces M(community.aws.api_gateway), which imports an OpenAPI document with C(PutRestApi); this module
    never imports, so it works where C(PutRestApi) does not (the local emulator) and on AWS alike.
  - What the spec does not name is removed (resources, methods, models, validators, authorizers, gateway
    responses) when O(purge) is true; the models AWS makes for every API (C(Empty), C(Error)) are kept.
  - A changed method is deleted and put again with its integration; a stage serves its deployment's snapshot,
    so callers never see the working copy in between.
  - A new deployment is made only when something the stage serves changed (or the stage's deployment is not
    the deployment of this spec); its description carries a hash of the spec, and the stage is pointed at it.
  - Tags are given at creation. Where C(TagResource) does not exist (the emulator answers 404), a later tag
    change is reported as a warning and not applied.
  - Check mode reads everything and reports the real change without writing; C(--diff) shows the API's
    routes, models, validators, authorizers, gateway responses and stage before and after.
author:
  - Payments platform team (!UNKNOWN)
options:
  name:
    description: The API's name; the API is found by it (more than one API with the name is an error).
    type: str
    required: true
  description:
    description: The API's description. Unset leaves it as it is.
    type: str
  endpoint_type:
    description: The endpoint type, set at creation only.
    type: str
    choices: [REGIONAL, EDGE, PRIVATE]
    default: REGIONAL
  models:
    description: The models (JSON schemas) request validation uses.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The model name (alphanumeric).
        type: str
        required: true
      content_type:
        description: The content type.
        type: str
        default: application/json
      schema:
        description: The JSON schema, as a dict or a JSON string; compared by meaning, not by text.
        type: json
        required: true
      description:
        description: The model's description.
        type: str
  request_validators:
    description: The request validators routes refer to by name.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The validator's name.
        type: str
        required: true
      validate_body:
        description: Whether the body is validated against the method's request model.
        type: bool
        default: true
      validate_parameters:
        description: Whether required request parameters are checked.
        type: bool
        default: false
  authorizers:
    description: The authorizers routes refer to by name.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The authorizer's name.
        type: str
        required: true
      type:
        description: V(COGNITO_USER_POOLS), or a Lambda authorizer (V(TOKEN) or V(REQUEST)).
        type: str
        required: true
        choices: [COGNITO_USER_POOLS, TOKEN, REQUEST]
      provider_arns:
        description: The Cognito user pool ARNs (V(COGNITO_USER_POOLS)).
        type: list
        elements: str
        default: []
      function_arn:
        description: The Lambda authorizer's function ARN (V(TOKEN), V(REQUEST)).
        type: str
      identity_source:
        description: Where the caller's identity is read.
        type: str
        default: method.request.header.Authorization
      result_ttl_seconds:
        description: How long API Gateway caches the authorizer's answer.
        type: int
        default: 300
  routes:
    description: The API's methods, each on a path; a path's missing parent resources are created.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The resource path, such as V(/payment/{id}).
        type: str
        required: true
      method:
        description: The HTTP method, or V(ANY).
        type: str
        required: true
      authorization:
        description: How callers are authorized; V(CUSTOM) and V(COGNITO_USER_POOLS) need O(routes[].authorizer).
        type: str
        choices: [NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS]
        default: AWS_IAM
      authorizer:
        description: The name of an authorizer of O(authorizers).
        type: str
      authorization_scopes:
        description: OAuth scopes (Cognito authorizers).
        type: list
        elements: str
        default: []
      api_key_required:
        description: Whether callers must send an API key.
        type: bool
        default: false
      request_validator:
        description: The name of a request validator of O(request_validators).
        type: str
      request_models:
        description: Content type to model name.
        type: dict
        default: {}
      request_parameters:
        description: Request parameter to whether it is required, such as C(method.request.path.id=true).
        type: dict
        default: {}
      method_responses:
        description: The method responses.
        type: list
        elements: dict
        default: []
        suboptions:
          status_code:
            description: The status code.
            type: str
            required: true
          response_parameters:
            description: Response header (C(method.response.header.X)) to whether it is required.
            type: dict
            default: {}
          response_models:
            description: Content type to model name.
            type: dict
            default: {}
      integration:
        description: The integration.
        type: dict
        required: true
        suboptions:
          type:
            description: The integration type.
            type: str
            required: true
            choices: [AWS_PROXY, AWS, HTTP, HTTP_PROXY, MOCK]
          function_arn:
            description: A Lambda function ARN, from which the invocation URI is built (V(AWS_PROXY), V(AWS)).
            type: str
          uri:
            description: The integration URI, when O(routes[].integration.function_arn) does not give it.
            type: str
          http_method:
            description: The integration's HTTP method; V(POST) for a Lambda function.
            type: str
          request_templates:
            description: Content type to mapping template (V(MOCK) integrations need one).
            type: dict
            default: {}
          passthrough_behavior:
            description: What happens to a request whose content type has no template.
            type: str
            choices: [WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER]
          timeout_ms:
            description: The integration timeout in milliseconds (50 to 29000).
            type: int
          integration_responses:
            description: The integration responses (not for proxy integrations).
            type: list
            elements: dict
            default: []
            suboptions:
              status_code:
                description: The method response status code it maps to.
                type: str
                required: true
              selection_pattern:
                description: The regular expression that selects this response.
                type: str
              response_parameters:
                description: Method response header to its value (a quoted literal such as C('*')).
                type: dict
                default: {}
              response_templates:
                description: Content type to mapping template.
                type: dict
                default: {}
  gateway_responses:
    description: The gateway responses (what API Gateway answers itself, such as C(DEFAULT_4XX)).
    type: list
    elements: dict
    default: []
    suboptions:
      response_type:
        description: The gateway response type, such as V(DEFAULT_4XX).
        type: str
        required: true
      status_code:
        description: The status code; unset keeps the type's own.
        type: str
      response_parameters:
        description: Header (C(gatewayresponse.header.X)) to its value.
        type: dict
        default: {}
      response_templates:
        description: Content type to body template.
        type: dict
        default: {}
  purge:
    description:
      - Remove the resources, methods, models, validators, authorizers and gateway responses the spec does not name.
    type: bool
    default: true
  stage:
    description:
      - The stage the API is deployed to. Unset builds the API without deploying it.
    type: dict
    suboptions:
      name:
        description: The stage name.
        type: str
        required: true
      description:
        description: The stage's description.
        type: str
      variables:
        description: Stage variables; they replace the current ones. Unset leaves them alone.
        type: dict
      tracing_enabled:
        description: Whether X-Ray traces the stage.
        type: bool
        default: false
      access_log_destination_arn:
        description:
          - The CloudWatch Logs log group ARN for access logs; V('') turns access logs off. Unset leaves them alone.
        type: str
      access_log_format:
        description: The access log line format (required with O(stage.access_log_destination_arn)).
        type: str
      logging_level:
        description: Execution logging level of every method (C(*/*)). Unset leaves it alone.
        type: str
        choices: ['OFF', ERROR, INFO]
      metrics_enabled:
        description: Whether every method publishes CloudWatch metrics. Unset leaves it alone.
        type: bool
      data_trace_enabled:
        description: Whether full requests and responses are logged. Unset leaves it alone.
        type: bool
      throttling_burst_limit:
        description: The burst limit of every method. Unset leaves it alone.
        type: int
      throttling_rate_limit:
        description: The steady-state requests per second of every method. Unset leaves it alone.
        type: float
      tags:
        description: The stage's tags (given at creation; see the module's description about later changes).
        type: dict
  state:
    description: Whether the API should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A payments API, signed with SigV4, with a validated POST body, deployed to the dev stage
  payments.aws_platform.api_gateway_rest_api:
    name: payments-dev-api
    models:
      - name: PaymentRequest
        schema:
          type: object
          required: [amount, currency, userId]
          properties:
            amount: {type: [string, number]}
            currency: {type: string, pattern: "^[A-Z]{3}$"}
            userId: {type: string}
    request_validators:
      - name: body
    routes:
      - path: /payment
        method: POST
        authorization: AWS_IAM
        request_validator: body
        request_models: {application/json: PaymentRequest}
        integration:
          type: AWS_PROXY
          function_arn: "{{ lambda_outputs.function_arn }}"
      - path: /payment/{id}
        method: GET
        authorization: AWS_IAM
        request_parameters: {method.request.path.id: true}
        integration:
          type: AWS_PROXY
          function_arn: "{{ lambda_outputs.function_arn }}"
    stage:
      name: dev
      tracing_enabled: true
      logging_level: INFO
      metrics_enabled: true
      data_trace_enabled: false
      throttling_burst_limit: 100
      throttling_rate_limit: 50
    tags:
      Project: payments

- name: Remove the API
  payments.aws_platform.api_gateway_rest_api:
    name: payments-dev-api
    state: absent
"""

RETURN = r"""
rest_api:
  description: The API as API Gateway describes it, snake_cased, with its ARN; {} when absent or only planned.
  returned: always
  type: dict
  contains:
    id:
      description: The API id.
      type: str
      sample: a1b2c3d4e5
    name:
      description: The API name.
      type: str
    arn:
      description: The API's ARN (for tagging and WAF).
      type: str
      sample: arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5
    root_resource_id:
      description: The id of the C(/) resource.
      type: str
    tags:
      description: The tags, as a dict.
      type: dict
resources:
  description: Path to resource id.
  returned: when the API exists
  type: dict
  sample: {"/": "abc123", "/payment": "def456"}
spec_hash:
  description: The SHA-256 of the route spec, carried by the description of the deployment that serves it.
  returned: when O(state=present)
  type: str
deployment_id:
  description: The deployment the stage serves; empty when there is no stage (or only a planned one).
  returned: when O(stage) is set
  type: str
stage:
  description: The stage as API Gateway describes it, snake_cased (method settings keyed as C(*/*)).
  returned: when O(stage) is set
  type: dict
stage_arn:
  description: The stage's ARN (what WAF associates with).
  returned: when O(stage) is set and the API exists
  type: str
invoke_url:
  description: The stage's invoke URL.
  returned: when O(stage) is set and the API exists
  type: str
  sample: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev
changes:
  description: What was (or in check mode, would be) changed, one line each.
  returned: always
  type: list
  elements: str
  sample: ["create resource /payment", "put method POST /payment", "create deployment"]
diff:
  description: The API's spec view before and after the change (after as predicted in check mode).
  returned: when diff mode is on
  type: dict
"""

import json

try:
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import apigateway as apigw
from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes

METHOD_SETTING_PATHS = {
    "logging_level": ("loggingLevel", "/*/*/logging/loglevel"),
    "metrics_enabled": ("metricsEnabled", "/*/*/metrics/enabled"),
    "data_trace_enabled": ("dataTraceEnabled", "/*/*/logging/dataTrace"),
    "throttling_burst_limit": ("throttlingBurstLimit", "/*/*/throttling/burstLimit"),
    "throttling_rate_limit": ("throttlingRateLimit", "/*/*/throttling/rateLimit"),
}


def argument_spec():
    method_response = dict(
        status_code=dict(type="str", required=True),
        response_parameters=dict(type="dict", default={}),
        response_models=dict(type="dict", default={}),
    )
    integration_response = dict(
        status_code=dict(type="str", required=True),
        selection_pattern=dict(type="str"),
        response_parameters=dict(type="dict", default={}),
        response_templates=dict(type="dict", default={}),
    )
    integration = dict(
        type=dict(type="str", required=True, choices=["AWS_PROXY", "AWS", "HTTP", "HTTP_PROXY", "MOCK"]),
        function_arn=dict(type="str"),
        uri=dict(type="str"),
        http_method=dict(type="str"),
        request_templates=dict(type="dict", default={}),
        passthrough_behavior=dict(type="str", choices=["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"]),
        timeout_ms=dict(type="int"),
        integration_responses=dict(type="list", elements="dict", default=[], options=integration_response),
    )
    route = dict(
        path=dict(type="str", required=True),
        method=dict(type="str", required=True),
        authorization=dict(type="str", default="AWS_IAM", choices=["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"]),
        authorizer=dict(type="str"),
        authorization_scopes=dict(type="list", elements="str", default=[]),
        api_key_required=dict(type="bool", default=False),
        request_validator=dict(type="str"),
        request_models=dict(type="dict", default={}),
        request_parameters=dict(type="dict", default={}),
        method_responses=dict(type="list", elements="dict", default=[], options=method_response),
        integration=dict(type="dict", required=True, options=integration),
    )
    stage = dict(
        name=dict(type="str", required=True),
        description=dict(type="str"),
        variables=dict(type="dict"),
        tracing_enabled=dict(type="bool", default=False),
        access_log_destination_arn=dict(type="str"),
        access_log_format=dict(type="str"),
        logging_level=dict(type="str", choices=["OFF", "ERROR", "INFO"]),
        metrics_enabled=dict(type="bool"),
        data_trace_enabled=dict(type="bool"),
        throttling_burst_limit=dict(type="int"),
        throttling_rate_limit=dict(type="float"),
        tags=dict(type="dict"),
    )
    return dict(
        name=dict(type="str", required=True),
        description=dict(type="str"),
        endpoint_type=dict(type="str", default="REGIONAL", choices=["REGIONAL", "EDGE", "PRIVATE"]),
        models=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                content_type=dict(type="str", default="application/json"),
                schema=dict(type="json", required=True),
                description=dict(type="str"),
            ),
        ),
        request_validators=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                validate_body=dict(type="bool", default=True),
                validate_parameters=dict(type="bool", default=False),
            ),
        ),
        authorizers=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                type=dict(type="str", required=True, choices=["COGNITO_USER_POOLS", "TOKEN", "REQUEST"]),
                provider_arns=dict(type="list", elements="str", default=[]),
                function_arn=dict(type="str"),
                identity_source=dict(type="str", default="method.request.header.Authorization"),
                result_ttl_seconds=dict(type="int", default=300),
            ),
        ),
        routes=dict(type="list", elements="dict", default=[], options=route),
        gateway_responses=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                response_type=dict(type="str", required=True),
                status_code=dict(type="str"),
                response_parameters=dict(type="dict", default={}),
                response_templates=dict(type="dict", default={}),
            ),
        ),
        purge=dict(type="bool", default=True),
        stage=dict(type="dict", options=stage),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


# The spec, as API Gateway would store it (names where API Gateway stores ids)


def strings(mapping):
    """A dict of str to str; templates the emulator stores as null (an empty template) become ''."""
    return {str(key): "" if value is None else str(value) for key, value in (mapping or {}).items()}


def booleans(mapping):
    return {str(key): bool(value) for key, value in (mapping or {}).items()}


def parse_schema(module, model):
    schema = model["schema"]
    try:
        return json.loads(schema) if isinstance(schema, str) else schema
    except ValueError as e:
        module.fail_json(msg=f"models[{model['name']}].schema is not valid JSON: {e}")


def normalize_path(path):
    return "/" + "/".join(part for part in path.split("/") if part)


def route_key(method, path):
    return f"{method.upper()} {normalize_path(path)}"


def desired_models(module):
    return {
        model["name"]: {
            "contentType": model["content_type"],
            "schema": parse_schema(module, model),
            "description": model["description"] or "",
        }
        for model in module.params["models"]
    }


def desired_validators(params):
    return {
        validator["name"]: {
            "validateRequestBody": validator["validate_body"],
            "validateRequestParameters": validator["validate_parameters"],
        }
        for validator in params["request_validators"]
    }


def desired_authorizers(params, region):
    authorizers = {}
    for authorizer in params["authorizers"]:
        view = {
            "type": authorizer["type"],
            "identitySource": authorizer["identity_source"],
            "authorizerResultTtlInSeconds": authorizer["result_ttl_seconds"],
            "providerARNs": sorted(authorizer["provider_arns"]),
            "authorizerUri": None,
        }
        if authorizer["function_arn"]:
            view["authorizerUri"] = apigw.lambda_invocation_uri(region, authorizer["function_arn"])
        authorizers[authorizer["name"]] = view
    return authorizers


def desired_integration(integration, region):
    uri = integration["uri"]
    http_method = integration["http_method"]
    if integration["function_arn"]:
        uri = apigw.lambda_invocation_uri(region, integration["function_arn"])
        http_method = http_method or "POST"
    return {
        "type": integration["type"],
        "httpMethod": http_method,
        "uri": uri,
        "requestTemplates": strings(integration["request_templates"]),
        "passthroughBehavior": integration["passthrough_behavior"],
        "timeoutInMillis": integration["timeout_ms"],
        "integrationResponses": {
            response["status_code"]: {
                "selectionPattern": response["selection_pattern"],
                "responseParameters": strings(response["response_parameters"]),
                "responseTemplates": strings(response["response_templates"]),
            }
            for response in integration["integration_responses"]
        },
    }


def desired_routes(params, region):
    routes = {}
    for route in params["routes"]:
        routes[route_key(route["method"], route["path"])] = {
            "authorizationType": route["authorization"],
            "authorizer": route["authorizer"],
            "authorizationScopes": sorted(route["authorization_scopes"]),
            "apiKeyRequired": route["api_key_required"],
            "requestValidator": route["request_validator"],
            "requestModels": strings(route["request_models"]),
            "requestParameters": booleans(route["request_parameters"]),
            "methodResponses": {
                response["status_code"]: {
                    "responseParameters": booleans(response["response_parameters"]),
                    "responseModels": strings(response["response_models"]),
                }
                for response in route["method_responses"]
            },
            "methodIntegration": desired_integration(route["integration"], region),
        }
    return routes


def desired_gateway_responses(params):
    return {
        response["response_type"]: {
            "statusCode": response["status_code"],
            "responseParameters": strings(response["response_parameters"]),
            "responseTemplates": strings(response["response_templates"]),
        }
        for response in params["gateway_responses"]
    }


def desired_spec(module, region):
    params = module.params
    return {
        "models": desired_models(module),
        "validators": desired_validators(params),
        "authorizers": desired_authorizers(params, region),
        "routes": desired_routes(params, region),
        "gatewayResponses": desired_gateway_responses(params),
    }


def validate_spec(module, spec):
    """Cross-references the argument spec cannot express; fails before any write."""
    for key, route in spec["routes"].items():
        integration = route["methodIntegration"]
        if integration["type"] != "MOCK" and not integration["uri"]:
            module.fail_json(msg=f"routes[{key}].integration needs function_arn or uri for type {integration['type']}")
        if route["authorizer"] and route["authorizer"] not in spec["authorizers"]:
            module.fail_json(msg=f"routes[{key}].authorizer '{route['authorizer']}' is not in authorizers")
        if route["authorizationType"] in ("CUSTOM", "COGNITO_USER_POOLS") and not route["authorizer"]:
            module.fail_json(msg=f"routes[{key}].authorization {route['authorizationType']} needs an authorizer")
        if route["requestValidator"] and route["requestValidator"] not in spec["validators"]:
            module.fail_json(
                msg=f"routes[{key}].request_validator '{route['requestValidator']}' is not in request_validators"
            )
        for model in route["requestModels"].values():
            if model not in spec["models"] and model not in apigw.BUILTIN_MODELS:
                module.fail_json(msg=f"routes[{key}].request_models refers to '{model}', which is not in models")
    if len(spec["routes"]) != len(module.params["routes"]):
        module.fail_json(msg="routes names one method on one path more than once")
    stage = module.params["stage"]
    if stage and stage["access_log_destination_arn"] and not stage["access_log_format"]:
        module.fail_json(msg="stage.access_log_format is required with stage.access_log_destination_arn")


# The API as API Gateway holds it, in the same shape


def current_integration(integration, wanted):
    if not integration:
        return None
    view = {
        "type": integration.get("type"),
        "httpMethod": integration.get("httpMethod"),
        "uri": integration.get("uri"),
        "requestTemplates": strings(integration.get("requestTemplates")),
        # AWS fills these in with its defaults: only compared when the spec sets them.
        "passthroughBehavior": integration.get("passthroughBehavior") if wanted.get("passthroughBehavior") else None,
        "timeoutInMillis": integration.get("timeoutInMillis") if wanted.get("timeoutInMillis") else None,
        "integrationResponses": {
            code: {
                "selectionPattern": response.get("selectionPattern"),
                "responseParameters": strings(response.get("responseParameters")),
                "responseTemplates": strings(response.get("responseTemplates")),
            }
            for code, response in (integration.get("integrationResponses") or {}).items()
        },
    }
    if not wanted.get("httpMethod") and view["type"] == "MOCK":
        view["httpMethod"] = None
    return view


def current_method(method, authorizer_names, validator_names, wanted):
    return {
        "authorizationType": method.get("authorizationType", "NONE"),
        "authorizer": authorizer_names.get(method.get("authorizerId")),
        "authorizationScopes": sorted(method.get("authorizationScopes") or []),
        "apiKeyRequired": bool(method.get("apiKeyRequired")),
        "requestValidator": validator_names.get(method.get("requestValidatorId")),
        "requestModels": strings(method.get("requestModels")),
        "requestParameters": booleans(method.get("requestParameters")),
        "methodResponses": {
            code: {
                "responseParameters": booleans(response.get("responseParameters")),
                "responseModels": strings(response.get("responseModels")),
            }
            for code, response in (method.get("methodResponses") or {}).items()
        },
        "methodIntegration": current_integration(
            method.get("methodIntegration"), wanted.get("methodIntegration") or {}
        ),
    }


def current_model(model):
    try:
        schema = json.loads(model.get("schema") or "null")
    except ValueError:
        schema = model.get("schema")
    return {"contentType": model.get("contentType"), "schema": schema, "description": model.get("description") or ""}


def current_authorizer(authorizer):
    return {
        "type": authorizer.get("type"),
        "identitySource": authorizer.get("identitySource"),
        "authorizerResultTtlInSeconds": authorizer.get("authorizerResultTtlInSeconds"),
        "providerARNs": sorted(authorizer.get("providerARNs") or []),
        "authorizerUri": authorizer.get("authorizerUri"),
    }


def current_gateway_response(response, wanted):
    return {
        # The type's own status code stands when the spec sets none.
        "statusCode": response.get("statusCode") if (wanted or {}).get("statusCode") else None,
        "responseParameters": strings(response.get("responseParameters")),
        "responseTemplates": strings(response.get("responseTemplates")),
    }


class ApiState:
    """Everything read from API Gateway about one API, with the lookups the comparison needs."""

    def __init__(self, apigw_client, api, spec):
        api_id = api["id"]
        self.api = api
        self.resources = {item["path"]: item for item in apigw.get_resources(apigw_client, api_id)}
        self.models = {item["name"]: item for item in apigw.get_models(apigw_client, api_id)}
        self.validators = {item["name"]: item for item in apigw.get_request_validators(apigw_client, api_id)}
        self.authorizers = {item["name"]: item for item in apigw.get_authorizers(apigw_client, api_id)}
        # AWS lists every response type, the untouched ones with defaultResponse true.
        self.gateway_responses = {
            item["responseType"]: item
            for item in apigw.get_gateway_responses(apigw_client, api_id)
            if not item.get("defaultResponse")
        }
        authorizer_names = {item["id"]: name for name, item in self.authorizers.items()}
        validator_names = {item["id"]: name for name, item in self.validators.items()}
        self.methods = {}
        for path, resource in self.resources.items():
            for http_method in resource.get("resourceMethods") or {}:
                key = route_key(http_method, path)
                method = apigw.get_method(apigw_client, api_id, resource["id"], http_method)
                if method is not None:
                    wanted = spec["routes"].get(key, {})
                    self.methods[key] = current_method(method, authorizer_names, validator_names, wanted)
        self.view = {
            "models": {
                name: current_model(item) for name, item in self.models.items() if name not in apigw.BUILTIN_MODELS
            },
            "validators": {
                name: {
                    "validateRequestBody": bool(item.get("validateRequestBody")),
                    "validateRequestParameters": bool(item.get("validateRequestParameters")),
                }
                for name, item in self.validators.items()
            },
            "authorizers": {name: current_authorizer(item) for name, item in self.authorizers.items()},
            "routes": self.methods,
            "gatewayResponses": {
                name: current_gateway_response(item, spec["gatewayResponses"].get(name))
                for name, item in self.gateway_responses.items()
            },
        }


# Planning: what to change, as a list of (description, action) pairs


def resource_paths(routes):
    """Every path the routes need, parents included, shallow first."""
    paths = {"/"}
    for key in routes:
        parts = key.split(" ", 1)[1].strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            if parts[0]:
                paths.add("/" + "/".join(parts[:depth]))
    return sorted(paths, key=lambda path: (path.count("/") if path != "/" else 0, path))


def dict_plan(current, desired, purge):
    """(names to create, names to update, names to delete) between two name-keyed views."""
    create = sorted(name for name in desired if name not in current)
    update = sorted(name for name in desired if name in current and current[name] != desired[name])
    delete = sorted(name for name in current if name not in desired) if purge else []
    return create, update, delete


class Planner:
    def __init__(self, module, apigw_client, spec, state):
        self.module = module
        self.client = apigw_client
        self.spec = spec
        self.state = state
        self.changes = []

    @property
    def api_id(self):
        return self.state.api["id"]

    def plan(self):
        """The list of (description, callable) this run would apply to the API's definition."""
        spec, view, purge = self.spec, self.state.view, self.module.params["purge"]
        actions = []

        models = dict_plan(view["models"], spec["models"], purge)
        for name in models[0]:
            actions.append((f"create model {name}", lambda name=name: self.create_model(name)))
        for name in models[1]:
            actions.append((f"replace model {name}", lambda name=name: self.replace_model(name)))

        validators = dict_plan(view["validators"], spec["validators"], purge)
        for name in validators[0]:
            actions.append((f"create request validator {name}", lambda name=name: self.create_validator(name)))
        for name in validators[1]:
            actions.append((f"update request validator {name}", lambda name=name: self.update_validator(name)))

        authorizers = dict_plan(view["authorizers"], spec["authorizers"], purge)
        for name in authorizers[0]:
            actions.append((f"create authorizer {name}", lambda name=name: self.create_authorizer(name)))
        for name in authorizers[1]:
            actions.append((f"update authorizer {name}", lambda name=name: self.update_authorizer(name)))

        wanted_paths = resource_paths(spec["routes"])
        for path in wanted_paths:
            if path not in self.state.resources:
                actions.append((f"create resource {path}", lambda path=path: self.create_resource(path)))

        routes = dict_plan(view["routes"], spec["routes"], purge)
        for key in routes[1]:
            actions.append((f"replace method {key}", lambda key=key: self.replace_method(key)))
        for key in routes[0]:
            actions.append((f"put method {key}", lambda key=key: self.put_method(key)))
        for key in routes[2]:
            if key.split(" ", 1)[1] in wanted_paths:
                actions.append((f"delete method {key}", lambda key=key: self.delete_method(key)))

        if purge:
            extra = [path for path in self.state.resources if path not in wanted_paths]
            # Deleting a resource deletes what is under it: only the top-most extras are deleted.
            for path in sorted(extra):
                if not any(path.startswith(other + "/") for other in extra if other != path):
                    actions.append((f"delete resource {path}", lambda path=path: self.delete_resource(path)))

        for name in validators[2]:
            actions.append((f"delete request validator {name}", lambda name=name: self.delete_validator(name)))
        for name in authorizers[2]:
            actions.append((f"delete authorizer {name}", lambda name=name: self.delete_authorizer(name)))
        for name in models[2]:
            actions.append((f"delete model {name}", lambda name=name: self.delete_model(name)))

        responses = dict_plan(view["gatewayResponses"], spec["gatewayResponses"], purge)
        for name in responses[0] + responses[1]:
            actions.append((f"put gateway response {name}", lambda name=name: self.put_gateway_response(name)))
        for name in responses[2]:
            actions.append(
                (
                    f"reset gateway response {name}",
                    lambda name=name: apigw.delete_gateway_response(self.client, self.api_id, name),
                )
            )
        return actions

    # Actions

    def create_model(self, name):
        model = dict(self.spec["models"][name], name=name)
        model["schema"] = json.dumps(model["schema"], sort_keys=True)
        apigw.create_model(self.client, self.api_id, model)

    def replace_model(self, name):
        wanted = self.spec["models"][name]
        operations = [
            {"op": "replace", "path": "/schema", "value": json.dumps(wanted["schema"], sort_keys=True)},
            {"op": "replace", "path": "/description", "value": wanted["description"]},
        ]
        try:
            # One attempt without the retrying wrapper: a 500 here is the emulator's missing operation.
            apigw.update_model(self.module.client("apigateway"), self.api_id, name, operations)
        except ClientError as e:
            if not apigw.is_unimplemented(e):
                raise
            # UpdateModel answers 500 on the emulator (which, unlike AWS, lets a model in use be deleted):
            # there a changed model is made again under its name.
            apigw.delete_model(self.client, self.api_id, name)
            self.create_model(name)

    def delete_model(self, name):
        apigw.delete_model(self.client, self.api_id, name)

    def create_validator(self, name):
        wanted = self.spec["validators"][name]
        created = apigw.create_request_validator(self.client, self.api_id, dict(wanted, name=name))
        self.state.validators[name] = created

    def update_validator(self, name):
        wanted = self.spec["validators"][name]
        operations = [
            {"op": "replace", "path": f"/{field}", "value": str(value).lower()} for field, value in wanted.items()
        ]
        apigw.update_request_validator(self.client, self.api_id, self.state.validators[name]["id"], operations)

    def delete_validator(self, name):
        apigw.delete_request_validator(self.client, self.api_id, self.state.validators[name]["id"])

    def authorizer_request(self, name):
        wanted = self.spec["authorizers"][name]
        request = {
            "name": name,
            "type": wanted["type"],
            "identitySource": wanted["identitySource"],
            "authorizerResultTtlInSeconds": wanted["authorizerResultTtlInSeconds"],
        }
        if wanted["providerARNs"]:
            request["providerARNs"] = wanted["providerARNs"]
        if wanted["authorizerUri"]:
            request["authorizerUri"] = wanted["authorizerUri"]
        return request

    def create_authorizer(self, name):
        created = apigw.create_authorizer(self.client, self.api_id, self.authorizer_request(name))
        self.state.authorizers[name] = created

    def update_authorizer(self, name):
        current = self.state.view["authorizers"][name]
        wanted = self.spec["authorizers"][name]
        if current["type"] != wanted["type"]:
            self.module.fail_json(
                msg=f"authorizers[{name}] is a {current['type']} authorizer: give the new type a new name"
            )
        operations = []
        for field in ("identitySource", "authorizerResultTtlInSeconds", "authorizerUri"):
            if current[field] != wanted[field] and wanted[field] is not None:
                operations.append({"op": "replace", "path": f"/{field}", "value": str(wanted[field])})
        for arn in sorted(set(wanted["providerARNs"]) - set(current["providerARNs"])):
            operations.append({"op": "add", "path": f"/providerARNs/{arn}"})
        for arn in sorted(set(current["providerARNs"]) - set(wanted["providerARNs"])):
            operations.append({"op": "remove", "path": f"/providerARNs/{arn}"})
        apigw.update_authorizer(self.client, self.api_id, self.state.authorizers[name]["id"], operations)

    def delete_authorizer(self, name):
        apigw.delete_authorizer(self.client, self.api_id, self.state.authorizers[name]["id"])

    def create_resource(self, path):
        parent_path, _slash, part = path.rpartition("/")
        parent = self.state.resources[parent_path or "/"]
        self.state.resources[path] = apigw.create_resource(self.client, self.api_id, parent["id"], part)

    def delete_resource(self, path):
        apigw.delete_resource(self.client, self.api_id, self.state.resources[path]["id"])

    def method_target(self, key):
        http_method, path = key.split(" ", 1)
        return self.state.resources[path]["id"], http_method

    def put_method(self, key):
        wanted = dict(self.spec["routes"][key])
        authorizer, validator = wanted.pop("authorizer"), wanted.pop("requestValidator")
        wanted["authorizerId"] = self.state.authorizers[authorizer]["id"] if authorizer else None
        wanted["requestValidatorId"] = self.state.validators[validator]["id"] if validator else None
        resource_id, http_method = self.method_target(key)
        apigw.put_method(self.client, self.api_id, resource_id, http_method, wanted)

    def replace_method(self, key):
        # UpdateMethod and UpdateIntegration answer 500 on the emulator, and a method is one unit
        # anyway: delete it (with its integration and responses) and put it again.
        self.delete_method(key)
        self.put_method(key)

    def delete_method(self, key):
        resource_id, http_method = self.method_target(key)
        apigw.delete_method(self.client, self.api_id, resource_id, http_method)

    def put_gateway_response(self, name):
        wanted = self.spec["gatewayResponses"][name]
        apigw.put_gateway_response(self.client, self.api_id, dict(wanted, responseType=name))


# The API itself


def find_api(module, apigw_client):
    apis = apigw.find_rest_apis(apigw_client, module.params["name"])
    if len(apis) > 1:
        ids = ", ".join(api["id"] for api in apis)
        module.fail_json(msg=f"Expected at most one REST API named {module.params['name']}, found {len(apis)}: {ids}")
    return apis[0] if apis else None


def api_result(api, region):
    if not api:
        return {}
    shown = {key: value for key, value in api.items() if key not in ("ResponseMetadata", "tags")}
    result = camel_dict_to_snake_dict(shown)
    result["arn"] = apigw.rest_api_arn(region, api["id"])
    result["tags"] = dict(api.get("tags") or {})
    return result


def api_updates(module, api):
    """(patch operations for the API, tags to set, tags to remove)."""
    params = module.params
    operations = []
    if params["description"] is not None and (api.get("description") or "") != params["description"]:
        operations.append({"op": "replace", "path": "/description", "value": params["description"]})
    tags_to_set, tags_to_remove = tag_changes(api.get("tags") or {}, params["tags"], params["purge_tags"])
    return operations, tags_to_set, tags_to_remove


# The stage


def stage_creation(params, deployment_id):
    stage = params["stage"]
    request = {"stageName": stage["name"], "deploymentId": deployment_id, "tracingEnabled": stage["tracing_enabled"]}
    if stage["description"]:
        request["description"] = stage["description"]
    if stage["variables"]:
        request["variables"] = strings(stage["variables"])
    if stage["tags"]:
        request["tags"] = stage["tags"]
    return request


def stage_patch(stage_params, current):
    """The UpdateStage operations that bring ``current`` (the stage as read, or {} when new) to the spec."""
    operations = []
    if stage_params["description"] is not None and (current.get("description") or "") != stage_params["description"]:
        operations.append({"op": "replace", "path": "/description", "value": stage_params["description"]})
    if bool(current.get("tracingEnabled")) != stage_params["tracing_enabled"]:
        operations.append(
            {"op": "replace", "path": "/tracingEnabled", "value": str(stage_params["tracing_enabled"]).lower()}
        )
    if stage_params["variables"] is not None:
        wanted, have = strings(stage_params["variables"]), current.get("variables") or {}
        for key in sorted(set(have) - set(wanted)):
            operations.append({"op": "remove", "path": f"/variables/{key}"})
        for key, value in sorted(wanted.items()):
            if have.get(key) != value:
                operations.append({"op": "replace", "path": f"/variables/{key}", "value": value})
    destination = stage_params["access_log_destination_arn"]
    access_logs = current.get("accessLogSettings") or {}
    if destination == "" and access_logs:
        operations.append({"op": "remove", "path": "/accessLogSettings"})
    elif destination:
        if access_logs.get("destinationArn") != destination:
            operations.append({"op": "replace", "path": "/accessLogSettings/destinationArn", "value": destination})
        if access_logs.get("format") != stage_params["access_log_format"]:
            operations.append(
                {"op": "replace", "path": "/accessLogSettings/format", "value": stage_params["access_log_format"]}
            )
    settings = (current.get("methodSettings") or {}).get("*/*", {})
    for option, (field, path) in METHOD_SETTING_PATHS.items():
        wanted = stage_params[option]
        if wanted is None:
            continue
        have = settings.get(field)
        if option == "throttling_rate_limit":
            same = have is not None and float(have) == float(wanted)
        elif option == "logging_level":
            same = (have or "OFF") == wanted
        else:
            same = have == wanted
        if not same:
            value = str(wanted).lower() if isinstance(wanted, bool) else str(wanted)
            operations.append({"op": "replace", "path": path, "value": value})
    return operations


def predicted_stage(stage_params, current, deployment_id, tags):
    """The stage as it will read once created/updated (check mode and diff)."""
    after = dict(current or {}, stageName=stage_params["name"], deploymentId=deployment_id)
    after["tracingEnabled"] = stage_params["tracing_enabled"]
    if stage_params["description"] is not None:
        after["description"] = stage_params["description"]
    if stage_params["variables"] is not None:
        after["variables"] = strings(stage_params["variables"])
    if stage_params["access_log_destination_arn"] == "":
        after.pop("accessLogSettings", None)
    elif stage_params["access_log_destination_arn"]:
        after["accessLogSettings"] = {
            "destinationArn": stage_params["access_log_destination_arn"],
            "format": stage_params["access_log_format"],
        }
    settings = dict((after.get("methodSettings") or {}).get("*/*", {}))
    for option, (field, _path) in METHOD_SETTING_PATHS.items():
        if stage_params[option] is not None:
            settings[field] = stage_params[option]
    if settings:
        after["methodSettings"] = dict(after.get("methodSettings") or {}, **{"*/*": settings})
    after["tags"] = tags
    return after


def stage_result(stage):
    if not stage:
        return {}
    result = camel_dict_to_snake_dict(
        {key: value for key, value in stage.items() if key not in ("tags", "methodSettings", "variables")}
    )
    result["method_settings"] = {
        key: camel_dict_to_snake_dict(value) for key, value in (stage.get("methodSettings") or {}).items()
    }
    result["variables"] = dict(stage.get("variables") or {})
    result["tags"] = dict(stage.get("tags") or {})
    return result


class Converger:
    def __init__(self, module, apigw_client):
        self.module = module
        self.client = apigw_client
        self.region = module.region
        self.changes = []
        self.warnings = []

    def run(self):
        params = self.module.params
        spec = desired_spec(self.module, self.region)
        validate_spec(self.module, spec)
        digest = apigw.spec_hash(spec)
        api = find_api(self.module, self.client)

        if api is None:
            self.changes.append(f"create REST API {params['name']}")
            state = None
            before = {}
            actions = [(f"{verb}", None) for verb in self.new_api_actions(spec)]
        else:
            state = ApiState(self.client, api, spec)
            before = dict(state.view)
            actions = Planner(self.module, self.client, spec, state).plan()
        self.changes.extend(description for description, _action in actions)

        api_operations, tags_to_set, tags_to_remove = api_updates(self.module, api or {})
        if api is not None:
            self.changes.extend(f"update API {operation['path'][1:]}" for operation in api_operations)
            if tags_to_set or tags_to_remove:
                self.changes.append("update API tags")

        stage_params = params["stage"]
        stage = None
        deployment_hash = None
        if api is not None and stage_params:
            stage = apigw.get_stage(self.client, api["id"], stage_params["name"])
            if stage:
                deployment = apigw.get_deployment(self.client, api["id"], stage["deploymentId"]) or {}
                deployment_hash = (deployment.get("description") or "").removeprefix(apigw.SPEC_HASH_PREFIX)
        needs_deployment = bool(stage_params) and (bool(actions) or stage is None or deployment_hash != digest)
        if needs_deployment:
            self.changes.append(f"create deployment {apigw.SPEC_HASH_PREFIX}{digest[:12]}")
        stage_operations, stage_tag_set, stage_tag_remove = [], {}, []
        if stage_params:
            if stage is None:
                self.changes.append(f"create stage {stage_params['name']}")
            stage_operations = stage_patch(stage_params, stage or {})
            if stage is not None:
                self.changes.extend(f"update stage {operation['path']}" for operation in stage_operations)
            stage_tag_set, stage_tag_remove = tag_changes(
                (stage or {}).get("tags") or {}, stage_params["tags"], params["purge_tags"]
            )
            if stage is not None and (stage_tag_set or stage_tag_remove):
                self.changes.append("update stage tags")

        changed = bool(self.changes)
        before_view = dict(before, stage=stage or {}) if api else {}
        after_view = dict(spec)
        if stage_params:
            stage_tags = apply_tag_changes((stage or {}).get("tags") or {}, stage_tag_set, stage_tag_remove)
            after_view["stage"] = predicted_stage(stage_params, stage, (stage or {}).get("deploymentId"), stage_tags)

        if self.module.check_mode or not changed:
            self.finish(changed, before_view, after_view, api, state, stage, digest)

        if api is None:
            api = apigw.create_rest_api(
                self.client, params["name"], params["description"], params["endpoint_type"], params["tags"]
            )
            state = ApiState(self.client, api, spec)
            for _description, action in Planner(self.module, self.client, spec, state).plan():
                action()
        else:
            for _description, action in actions:
                action()
            if api_operations:
                apigw.update_rest_api(self.client, api["id"], api_operations)
            if (tags_to_set or tags_to_remove) and not apigw.update_tags(
                self.client, apigw.rest_api_arn(self.region, api["id"]), tags_to_set, tags_to_remove
            ):
                self.warnings.append("This endpoint has no TagResource: the API's tag change was not applied")

        if stage_params:
            self.converge_stage(api, stage, digest, needs_deployment, stage_tag_set, stage_tag_remove)

        api = apigw.find_rest_apis(self.client, params["name"])[0]
        state = ApiState(self.client, api, spec)
        stage = apigw.get_stage(self.client, api["id"], stage_params["name"]) if stage_params else None
        after_view = dict(state.view, stage=stage or {}) if stage_params else state.view
        self.finish(changed, before_view, after_view, api, state, stage, digest)

    def new_api_actions(self, spec):
        """What creating the API from scratch does, for the plan of an API that does not exist yet."""
        actions = [f"create model {name}" for name in sorted(spec["models"])]
        actions += [f"create request validator {name}" for name in sorted(spec["validators"])]
        actions += [f"create authorizer {name}" for name in sorted(spec["authorizers"])]
        actions += [f"create resource {path}" for path in resource_paths(spec["routes"]) if path != "/"]
        actions += [f"put method {key}" for key in sorted(spec["routes"])]
        actions += [f"put gateway response {name}" for name in sorted(spec["gatewayResponses"])]
        return actions

    def converge_stage(self, api, stage, digest, needs_deployment, tags_to_set, tags_to_remove):
        stage_params = self.module.params["stage"]
        deployment_id = stage["deploymentId"] if stage else None
        if needs_deployment:
            deployment_id = apigw.create_deployment(self.client, api["id"], apigw.SPEC_HASH_PREFIX + digest)["id"]
        if stage is None:
            # Tags, variables, tracing and description go in at creation.
            apigw.create_stage(self.client, api["id"], stage_creation(self.module.params, deployment_id))
            stage = apigw.get_stage(self.client, api["id"], stage_params["name"])
            tags_to_set, tags_to_remove = {}, []
        elif needs_deployment:
            apigw.update_stage(
                self.client,
                api["id"],
                stage_params["name"],
                [{"op": "replace", "path": "/deploymentId", "value": deployment_id}],
            )
        operations = stage_patch(stage_params, stage)
        if operations:
            apigw.update_stage(self.client, api["id"], stage_params["name"], operations)
        arn = apigw.stage_arn(self.region, api["id"], stage_params["name"])
        if (tags_to_set or tags_to_remove) and not apigw.update_tags(self.client, arn, tags_to_set, tags_to_remove):
            self.warnings.append("This endpoint has no TagResource: the stage's tag change was not applied")

    def finish(self, changed, before, after, api, state, stage, digest):
        params = self.module.params
        result = {"rest_api": api_result(api, self.region), "changes": self.changes, "spec_hash": digest}
        if state is not None:
            result["resources"] = {path: item["id"] for path, item in state.resources.items()}
        if params["stage"]:
            result["stage"] = stage_result(stage)
            result["deployment_id"] = (stage or {}).get("deploymentId", "")
            if api:
                result["stage_arn"] = apigw.stage_arn(self.region, api["id"], params["stage"]["name"])
                result["invoke_url"] = apigw.invoke_url(self.region, api["id"], params["stage"]["name"])
        for warning in self.warnings:
            self.module.warn(warning)
        exit_with(self.module, changed, before, after, **result)


def ensure_absent(module, apigw_client):
    api = find_api(module, apigw_client)
    changed = api is not None
    before = api_result(api, module.region)
    if changed and not module.check_mode:
        changed = apigw.delete_rest_api(apigw_client, api["id"])
    changes = [f"delete REST API {module.params['name']}"] if changed else []
    exit_with(module, changed, before, {}, rest_api={}, changes=changes)


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_by_state(
        module,
        "apigateway",
        {"present": lambda module, apigw_client: Converger(module, apigw_client).run(), "absent": ensure_absent},
        f"Failed to manage REST API {module.params['name']}",
    )


if __name__ == "__main__":
    main()
