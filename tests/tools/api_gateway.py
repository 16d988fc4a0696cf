"""Serve requests the way API Gateway serves a deployed REST API, from what the emulator holds.

The emulator stores a REST API (resources, methods, authorization, request validators and models, integrations,
gateway responses) but does not serve it, and cannot run its Lambda integrations. ``DeployedRestApi`` reads all of
it back from the emulator and answers a request as API Gateway would, in API Gateway's order:

1. route: the resource whose path template matches, and its method; none is a 403 MISSING_AUTHENTICATION_TOKEN
   (API Gateway's answer to an unknown route);
2. authorization: an AWS_IAM method needs a signed caller (``Principal``; the signature itself is not computed);
3. request validation: the method's validator, its required parameters, and its request model (JSON Schema draft 4,
   numbers as decimals, as API Gateway's validator reads them) for the request's content type;
4. integration: AWS_PROXY builds the payload-1.0 proxy event and invokes the function the integration URI names
   (``lambda_runner``), after checking the function's resource policy lets this API's route invoke it; MOCK
   renders its integration response (Velocity mapping template included, with ``$context.responseOverride``);
5. errors of the gateway's own (2-4, a function error, a malformed proxy answer) are the API's gateway responses:
   status, header mappings (static or ``method.request.header.*``) and body template, or API Gateway's defaults.

What it does not do: SigV4 verification, throttling, WAF, caching, and it serves the API's current configuration
(the stage's deployment is assumed up to date, which the role's deploy-on-change ensures).
"""

from __future__ import annotations

import fnmatch
import json
import re
import uuid
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from decimal import Decimal
from decimal import localcontext
from typing import Any

import airspeed
import jsonschema
from lambda_runner import FunctionError
from lambda_runner import FunctionProcess
from stack_state import REGION
from stack_state import aws

# API Gateway's status and message for each of its own answers (developer guide, "Gateway response types").
GATEWAY_DEFAULTS = {
    "ACCESS_DENIED": (403, "User is not authorized to access this resource"),
    "BAD_REQUEST_BODY": (400, "Invalid request body"),
    "BAD_REQUEST_PARAMETERS": (400, "Missing required request parameters"),
    "EXPIRED_TOKEN": (403, "The security token included in the request is expired"),
    "INTEGRATION_FAILURE": (504, "Internal server error"),
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out"),
    "INVALID_SIGNATURE": (403, "The request signature we calculated does not match the signature you provided"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
    "QUOTA_EXCEEDED": (429, "Limit Exceeded"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long"),
    "RESOURCE_NOT_FOUND": (404, "Not Found"),
    "THROTTLED": (429, "Too Many Requests"),
    "UNAUTHORIZED": (401, "Unauthorized"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "Unsupported Media Type"),
    "WAF_FILTERED": (403, "Forbidden"),
    # A function error, a malformed proxy answer or a missing invoke permission.
    "DEFAULT_5XX": (502, "Internal server error"),
}
ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Principal:
    """A caller whose SigV4 signature API Gateway verified: what reaches ``requestContext.identity``."""

    arn: str
    access_key: str = "ASIAEXAMPLEEXAMPLE01"

    @property
    def caller(self) -> str:
        # API Gateway's "caller"/"user": the principal id (a role's id and the session name for a session).
        return self.arn.rsplit(":", 1)[-1].replace("assumed-role/", "AROAEXAMPLE:")

    def identity(self, source_ip: str) -> dict[str, Any]:
        return {
            "cognitoIdentityPoolId": None,
            "cognitoIdentityId": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "principalOrgId": None,
            "apiKey": None,
            "accountId": self.arn.split(":")[4] or ACCOUNT,
            "caller": self.caller,
            "user": self.caller,
            "userArn": self.arn,
            "accessKey": self.access_key,
            "sourceIp": source_ip,
            "userAgent": "service-test",
        }


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str
    source: str  # "function", "mock" or "gateway:<response type>"

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), None)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Route:
    template: str
    pattern: re.Pattern
    resource_id: str
    methods: dict[str, dict[str, Any]]


def _decimal_json(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


@dataclass
class DeployedRestApi:
    api_id: str
    stage: str
    routes: list[Route]
    models: dict[str, dict[str, Any]]
    validators: dict[str, dict[str, Any]]
    gateway_responses: dict[str, dict[str, Any]]
    functions: dict[str, FunctionProcess] = field(default_factory=dict)
    policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    region: str = REGION
    endpoint: str = ""

    @classmethod
    def from_emulator(cls, endpoint: str, api_id: str, stage: str) -> DeployedRestApi:
        client = aws("apigateway", endpoint)
        client.get_stage(restApiId=api_id, stageName=stage)  # the stage exists
        routes = []
        for resource in client.get_resources(restApiId=api_id, embed=["methods"], limit=500)["items"]:
            template = resource["path"]
            regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
            routes.append(Route(template, re.compile(regex), resource["id"], resource.get("resourceMethods") or {}))
        # Literal paths before templates, as API Gateway matches them.
        routes.sort(key=lambda route: ("{" in route.template, route.template))
        models = {
            model["name"]: _decimal_json(model["schema"])
            for model in client.get_models(restApiId=api_id)["items"]
            if model.get("schema")
        }
        validators = {item["id"]: item for item in client.get_request_validators(restApiId=api_id)["items"]}
        responses = {item["responseType"]: item for item in client.get_gateway_responses(restApiId=api_id)["items"]}
        return cls(api_id, stage, routes, models, validators, responses, endpoint=endpoint)

    def connect(self, process: FunctionProcess) -> None:
        """Serve the AWS_PROXY integrations that name this function with this running process."""
        self.functions[process.function.arn] = process
        policy = aws("lambda", self.endpoint).get_policy(FunctionName=process.function.name)["Policy"]
        self.policies[process.function.arn] = json.loads(policy)["Statement"]

    # -- serving -----------------------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: str | dict | None = None,
        principal: Principal | None = None,
        source_ip: str = "203.0.113.10",
    ) -> Response:
        headers = dict(headers or {})
        if isinstance(body, dict):
            body = json.dumps(body)
            if not any(name.lower() == "content-type" for name in headers):
                headers["Content-Type"] = "application/json"
        request_id = str(uuid.uuid4())
        call = _Call(self, method.upper(), path, headers, body, principal, source_ip, request_id)
        return call.serve()

    # -- what the harness needs to know about the API ---------------------------------------------------------

    def method(self, template: str, http_method: str) -> dict[str, Any]:
        route = next(route for route in self.routes if route.template == template)
        return route.methods[http_method]


@dataclass
class _Call:
    api: DeployedRestApi
    method: str
    path: str
    headers: dict[str, str]
    body: str | None
    principal: Principal | None
    source_ip: str
    request_id: str

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), None)

    def serve(self) -> Response:
        match = None
        for route in self.api.routes:
            found = route.pattern.match(self.path)
            if found:
                match = (route, found.groupdict())
                break
        if match is None:
            return self.gateway_response("MISSING_AUTHENTICATION_TOKEN")
        route, path_parameters = match
        method = route.methods.get(self.method) or route.methods.get("ANY")
        if method is None:
            return self.gateway_response("MISSING_AUTHENTICATION_TOKEN")
        authorization = method.get("authorizationType", "NONE")
        if authorization == "AWS_IAM" and self.principal is None:
            return self.gateway_response("MISSING_AUTHENTICATION_TOKEN")
        if authorization not in ("AWS_IAM", "NONE"):
            raise NotImplementedError(f"authorization {authorization} is not served by this harness")
        refused = self.validate(method)
        if refused:
            return refused
        integration = method.get("methodIntegration") or {}
        if integration.get("type") == "AWS_PROXY":
            return self.invoke_function(route, method, integration, path_parameters)
        if integration.get("type") == "MOCK":
            return self.mock(integration)
        raise NotImplementedError(f"integration {integration.get('type')} is not served by this harness")

    def validate(self, method: dict[str, Any]) -> Response | None:
        validator = self.api.validators.get(method.get("requestValidatorId") or "")
        if not validator:
            return None
        if validator.get("validateRequestParameters"):
            for name, required in (method.get("requestParameters") or {}).items():
                kind, _, param = name.removeprefix("method.request.").partition(".")
                if required and kind == "header" and self.header(param) is None:
                    return self.gateway_response("BAD_REQUEST_PARAMETERS")
        if validator.get("validateRequestBody"):
            media_type = (self.header("content-type") or "application/json").split(";")[0].strip().lower()
            models = method.get("requestModels") or {}
            model = models.get(media_type) or models.get("$default")
            if model:
                try:
                    document = _decimal_json(self.body or "")
                except ValueError:
                    return self.gateway_response("BAD_REQUEST_BODY")
                with localcontext() as context:
                    context.prec = 100  # exact multipleOf, as API Gateway's BigDecimal validator
                    valid = jsonschema.Draft4Validator(self.api.models[model]).is_valid(document)
                if not valid:
                    return self.gateway_response("BAD_REQUEST_BODY")
        return None

    def source_arn(self, path: str) -> str:
        """The ARN an invocation comes from, which the function's resource policy must allow."""
        api = f"arn:aws:execute-api:{self.api.region}:{ACCOUNT}:{self.api.api_id}"
        return f"{api}/{self.api.stage}/{self.method}{path}"

    def invoke_function(self, route: Route, method: dict, integration: dict, path_parameters: dict) -> Response:
        uri = integration["uri"]
        found = re.fullmatch(r"arn:aws:apigateway:[a-z0-9-]+:lambda:path/2015-03-31/functions/(.+)/invocations", uri)
        if not found or found[1] not in self.api.functions:
            raise AssertionError(f"{self.method} {route.template} invokes {uri}, not a function the test runs")
        function_arn = found[1]
        if not self.permitted(function_arn, self.source_arn(self.path)):
            # "Execution failed due to configuration error: Invalid permissions on Lambda function"
            return self.gateway_response("DEFAULT_5XX", status=500)
        event = self.proxy_event(route, path_parameters)
        try:
            result = self.api.functions[function_arn].invoke(event)
        except FunctionError:
            return self.gateway_response("DEFAULT_5XX")
        if not _is_proxy_result(result):
            return self.gateway_response("DEFAULT_5XX")
        headers = dict(result.get("headers") or {})
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name] = ",".join(values)
        return Response(int(result["statusCode"]), headers, result.get("body") or "", "function")

    def permitted(self, function_arn: str, source_arn: str) -> bool:
        for statement in self.api.policies.get(function_arn, []):
            principal = statement.get("Principal") or {}
            service = principal.get("Service") if isinstance(principal, dict) else principal
            condition = (statement.get("Condition") or {}).get("ArnLike", {}).get("AWS:SourceArn")
            if (
                statement.get("Effect") == "Allow"
                and service == "apigateway.amazonaws.com"
                and statement.get("Action") in ("lambda:InvokeFunction", ["lambda:InvokeFunction"])
                and (condition is None or fnmatch.fnmatchcase(source_arn, condition))
            ):
                return True
        return False

    def proxy_event(self, route: Route, path_parameters: dict) -> dict[str, Any]:
        now = datetime.now(UTC)
        multi = {name: [value] for name, value in self.headers.items()}
        identity = (
            self.principal.identity(self.source_ip)
            if self.principal
            else {"sourceIp": self.source_ip, "userArn": None, "caller": None, "user": None, "accessKey": None}
        )
        return {
            "resource": route.template,
            "path": self.path,
            "httpMethod": self.method,
            "headers": dict(self.headers) or None,
            "multiValueHeaders": multi or None,
            "queryStringParameters": None,
            "multiValueQueryStringParameters": None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": {
                "resourceId": route.resource_id,
                "resourcePath": route.template,
                "httpMethod": self.method,
                "extendedRequestId": self.request_id[:16],
                "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "path": f"/{self.api.stage}{self.path}",
                "accountId": ACCOUNT,
                "protocol": "HTTP/1.1",
                "stage": self.api.stage,
                "domainPrefix": self.api.api_id,
                "requestTimeEpoch": int(now.timestamp() * 1000),
                "requestId": self.request_id,
                "identity": identity,
                "domainName": f"{self.api.api_id}.execute-api.{self.api.region}.amazonaws.com",
                "apiId": self.api.api_id,
            },
            "body": self.body,
            "isBase64Encoded": False,
        }

    def mock(self, integration: dict) -> Response:
        request_template = (integration.get("requestTemplates") or {}).get("application/json", '{"statusCode": 200}')
        status = str(json.loads(request_template).get("statusCode", 200))
        responses = integration.get("integrationResponses") or {}
        response = responses.get(status) or next(iter(responses.values()), {"statusCode": status})
        headers = {}
        for name, source in (response.get("responseParameters") or {}).items():
            headers[name.removeprefix("method.response.header.")] = self.mapped_value(source)
        template = (response.get("responseTemplates") or {}).get("application/json") or ""
        body, overrides = render_velocity(template, self.headers)
        headers.update(overrides.get("header", {}))
        return Response(int(overrides.get("status") or response.get("statusCode") or status), headers, body, "mock")

    def mapped_value(self, source: str) -> str | None:
        if source.startswith("'") and source.endswith("'"):
            return source[1:-1]
        if source.startswith("method.request.header."):
            return self.header(source.removeprefix("method.request.header."))
        raise NotImplementedError(f"mapping source {source} is not served by this harness")

    def gateway_response(self, response_type: str, status: int | None = None) -> Response:
        default_status, message = GATEWAY_DEFAULTS[response_type]
        status = status or default_status
        family = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        configured = self.api.gateway_responses.get(response_type) or self.api.gateway_responses.get(family) or {}
        if configured.get("statusCode"):
            status = int(configured["statusCode"])
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": response_type}
        for name, source in (configured.get("responseParameters") or {}).items():
            value = self.mapped_value(source)
            if value is not None:
                headers[name.removeprefix("gatewayresponse.header.")] = value
        template = (configured.get("responseTemplates") or {}).get("application/json")
        if template is None:
            body = json.dumps({"message": message})
        else:
            # Gateway response templates are plain substitutions, not Velocity.
            body = (
                template.replace("$context.error.messageString", json.dumps(message))
                .replace("$context.error.message", message)
                .replace("$context.error.responseType", response_type)
                .replace("$context.requestId", self.request_id)
            )
        return Response(status, headers, body, f"gateway:{response_type}")


def _is_proxy_result(result: Any) -> bool:
    """What API Gateway accepts from a proxy integration; anything else is a 502."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        return False
    allowed = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}
    headers_ok = all(isinstance(value, str) for value in (result.get("headers") or {}).values())
    return set(result) <= allowed and headers_ok and isinstance(result.get("body", ""), (str, type(None)))


class _Params:
    """``$input.params()`` of a mapping template: the request's path, query string and header parameters."""

    def __init__(self, headers: dict[str, str]) -> None:
        self._params = {"header": dict(headers), "querystring": {}, "path": {}}

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return self._params
        for kind in ("path", "querystring", "header"):
            if name in self._params[kind]:
                return self._params[kind][name]
        return ""


# Velocity 1.7 (API Gateway's engine) takes hyphens in identifiers (header names); airspeed does not: the overridden
# header's name is carried through the render under a mangled name, and restored after.
_OVERRIDE = re.compile(r"\$context\.responseOverride\.header\.([A-Za-z0-9_-]+)")


def render_velocity(template: str, headers: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """An integration response mapping template -> (body, overrides {"header": {...}, "status": ...})."""
    names = {}

    def mangle(found: re.Match) -> str:
        mangled = "h" + found[1].replace("-", "_HYPHEN_")
        names[mangled] = found[1]
        return f"$context.responseOverride.header.{mangled}"

    overrides: dict[str, Any] = {"header": {}, "status": None}
    context = {"responseOverride": overrides, "requestId": str(uuid.uuid4())}
    body = airspeed.Template(_OVERRIDE.sub(mangle, template)).merge({"input": _Params(headers), "context": context})
    overrides["header"] = {names.get(name, name): value for name, value in overrides["header"].items()}
    return body.strip(), overrides
