# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API Gateway (REST, v1) calls this collection's modules make, one small function each, plus the
pure helpers that turn a compact route spec into what API Gateway stores and compare the two.

Every call function takes a client made by ``base.client(module, "apigateway")`` (so each call is
retried) and lets botocore exceptions through: the module turns them into ``fail_json_aws`` once.

Emulator gaps handled here (see EMULATOR.md): ``PutRestApi``/``ImportRestApi`` answer 500, so the API
is built resource by resource; ``TagResource``/``GetTags`` answer 404, so tags go in at creation and a
later tag update's 404 is reported as "not supported here"; ``UpdateMethod``, ``UpdateIntegration``
and ``UpdateGatewayResponse`` answer 500, so a changed method is deleted and put again (valid on AWS
too: a stage serves its deployment's snapshot, never the working copy) and a changed gateway response
is put again (PutGatewayResponse replaces on AWS). ``UpdateModel`` and ``UpdateDomainName`` answer 500
too, with an HTML page rather than an AWS error (``is_unimplemented``): on that answer only, the
modules make the model or domain again.
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import hashlib
import json

try:  # noqa: SIM105
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils.eventual import APIGW_ROLE_NOT_PROPAGATED
from ansible_collections.payments.aws_platform.plugins.module_utils.eventual import while_propagating

# A deployment made by these modules says which spec it deploys: "<prefix><sha256 of the spec>".
SPEC_HASH_PREFIX = "spec-sha256:"

# The models AWS makes for every new API; never purged.
BUILTIN_MODELS = frozenset(["Empty", "Error"])


def error_code(error):
    return error.response.get("Error", {}).get("Code", "")


def http_status(error):
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def is_unimplemented(error):
    """An HTTP 500 that is not an AWS error at all (no error code, an HTML page): the endpoint does not
    implement the operation, as the local emulator does for UpdateModel and UpdateDomainName. AWS's own
    5xx answers carry a code (InternalFailure, ServiceUnavailable...) and never match."""
    return http_status(error) == 500 and error_code(error) == "500"


def is_not_found(error):
    return error_code(error) in ("NotFoundException", "ResourceNotFoundException", "404") or http_status(error) == 404


def partition_of(region):
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def rest_api_arn(region, api_id):
    return f"arn:{partition_of(region)}:apigateway:{region}::/restapis/{api_id}"


def stage_arn(region, api_id, stage_name):
    return f"{rest_api_arn(region, api_id)}/stages/{stage_name}"


def lambda_invocation_uri(region, function_arn):
    """The integration URI API Gateway uses to invoke a Lambda function (AWS_PROXY, authorizers)."""
    return f"arn:{partition_of(region)}:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def invoke_url(region, api_id, stage_name):
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{api_id}.execute-api.{region}.{suffix}/{stage_name}"


def spec_hash(spec):
    """A stable digest of a spec (any JSON-able value): key order never matters."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def position_paginate(client, operation, **params):
    """Every item of an API Gateway list call (they page with ``position``, not ``NextToken``)."""
    items = []
    params.setdefault("limit", 500)
    while True:
        page = getattr(client, operation)(**params)
        items.extend(page.get("items", page.get("item", [])))
        if not page.get("position"):
            return items
        params["position"] = page["position"]


# REST APIs


def find_rest_apis(client, name):
    return [api for api in position_paginate(client, "get_rest_apis") if api.get("name") == name]


def create_rest_api(client, name, description, endpoint_type, tags):
    request = {"name": name, "endpointConfiguration": {"types": [endpoint_type]}}
    if description:
        request["description"] = description
    if tags:
        request["tags"] = tags
    return client.create_rest_api(**request)


def update_rest_api(client, api_id, patch_operations):
    return client.update_rest_api(restApiId=api_id, patchOperations=patch_operations)


def delete_rest_api(client, api_id):
    """False when it was already gone."""
    try:
        client.delete_rest_api(restApiId=api_id)
    except ClientError as e:
        if is_not_found(e):
            return False
        raise
    return True


def update_tags(client, arn, tags_to_set, tags_to_remove):
    """Apply tag changes; False when the endpoint has no tagging API (the emulator's TagResource and
    UntagResource answer 404, a path it does not route: tags there can only be given at creation).
    Only these two calls treat a 404 so; AWS answers NotFoundException with a body for a missing API."""
    try:
        if tags_to_remove:
            client.untag_resource(resourceArn=arn, tagKeys=list(tags_to_remove))
        if tags_to_set:
            client.tag_resource(resourceArn=arn, tags=tags_to_set)
    except ClientError as e:
        if http_status(e) == 404 and error_code(e) in ("404", ""):
            return False
        raise
    return True


# Resources and methods


def get_resources(client, api_id):
    """Every resource, each with ``resourceMethods`` naming its methods."""
    return position_paginate(client, "get_resources", restApiId=api_id, embed=["methods"])


def create_resource(client, api_id, parent_id, path_part):
    return client.create_resource(restApiId=api_id, parentId=parent_id, pathPart=path_part)


def delete_resource(client, api_id, resource_id):
    try:
        client.delete_resource(restApiId=api_id, resourceId=resource_id)
    except ClientError as e:
        if not is_not_found(e):
            raise


def get_method(client, api_id, resource_id, http_method):
    try:
        method = client.get_method(restApiId=api_id, resourceId=resource_id, httpMethod=http_method)
    except ClientError as e:
        if is_not_found(e):
            return None
        raise
    method.pop("ResponseMetadata", None)
    return method


def delete_method(client, api_id, resource_id, http_method):
    try:
        client.delete_method(restApiId=api_id, resourceId=resource_id, httpMethod=http_method)
    except ClientError as e:
        if not is_not_found(e):
            raise


def put_method(client, api_id, resource_id, http_method, request):
    """PutMethod, its method responses, its integration and the integration responses, from a
    request shaped as ``desired_method`` returns it (ids resolved)."""
    method_request = {"authorizationType": request["authorizationType"], "apiKeyRequired": request["apiKeyRequired"]}
    for field in ("authorizerId", "requestValidatorId"):
        if request.get(field):
            method_request[field] = request[field]
    for field in ("authorizationScopes", "requestModels", "requestParameters"):
        if request.get(field):
            method_request[field] = request[field]
    client.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=http_method, **method_request)
    for status_code, response in sorted(request["methodResponses"].items()):
        client.put_method_response(
            restApiId=api_id,
            resourceId=resource_id,
            httpMethod=http_method,
            statusCode=status_code,
            **{key: value for key, value in response.items() if value},
        )
    integration = request.get("methodIntegration")
    if not integration:
        return
    integration_request = {
        key: value for key, value in integration.items() if key != "integrationResponses" and value not in (None, {})
    }
    # GetMethod calls it httpMethod; PutIntegration integrationHttpMethod (httpMethod is the method's own).
    if "httpMethod" in integration_request:
        integration_request["integrationHttpMethod"] = integration_request.pop("httpMethod")
    client.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod=http_method, **integration_request)
    for status_code, response in sorted(integration.get("integrationResponses", {}).items()):
        client.put_integration_response(
            restApiId=api_id,
            resourceId=resource_id,
            httpMethod=http_method,
            statusCode=status_code,
            **{key: value for key, value in response.items() if value not in (None, {})},
        )


# Models, request validators, authorizers, gateway responses


def get_models(client, api_id):
    return position_paginate(client, "get_models", restApiId=api_id)


def create_model(client, api_id, model):
    request = {"restApiId": api_id, "name": model["name"], "contentType": model["contentType"]}
    request["schema"] = model["schema"]
    if model.get("description"):
        request["description"] = model["description"]
    return client.create_model(**request)


def update_model(client, api_id, name, patch_operations):
    return client.update_model(restApiId=api_id, modelName=name, patchOperations=patch_operations)


def delete_model(client, api_id, name):
    try:
        client.delete_model(restApiId=api_id, modelName=name)
    except ClientError as e:
        if not is_not_found(e):
            raise


def get_request_validators(client, api_id):
    return position_paginate(client, "get_request_validators", restApiId=api_id)


def create_request_validator(client, api_id, validator):
    return client.create_request_validator(restApiId=api_id, **validator)


def update_request_validator(client, api_id, validator_id, patch_operations):
    return client.update_request_validator(
        restApiId=api_id, requestValidatorId=validator_id, patchOperations=patch_operations
    )


def delete_request_validator(client, api_id, validator_id):
    try:
        client.delete_request_validator(restApiId=api_id, requestValidatorId=validator_id)
    except ClientError as e:
        if not is_not_found(e):
            raise


def get_authorizers(client, api_id):
    return position_paginate(client, "get_authorizers", restApiId=api_id)


def create_authorizer(client, api_id, authorizer):
    return client.create_authorizer(restApiId=api_id, **authorizer)


def update_authorizer(client, api_id, authorizer_id, patch_operations):
    return client.update_authorizer(restApiId=api_id, authorizerId=authorizer_id, patchOperations=patch_operations)


def delete_authorizer(client, api_id, authorizer_id):
    try:
        client.delete_authorizer(restApiId=api_id, authorizerId=authorizer_id)
    except ClientError as e:
        if not is_not_found(e):
            raise


def get_gateway_responses(client, api_id):
    return position_paginate(client, "get_gateway_responses", restApiId=api_id)


def put_gateway_response(client, api_id, response):
    return client.put_gateway_response(restApiId=api_id, **{k: v for k, v in response.items() if v})


def delete_gateway_response(client, api_id, response_type):
    try:
        client.delete_gateway_response(restApiId=api_id, responseType=response_type)
    except ClientError as e:
        if not is_not_found(e):
            raise


# Deployments and stages


def get_deployment(client, api_id, deployment_id):
    try:
        return client.get_deployment(restApiId=api_id, deploymentId=deployment_id)
    except ClientError as e:
        if is_not_found(e):
            return None
        raise


def create_deployment(client, api_id, description):
    return client.create_deployment(restApiId=api_id, description=description)


def get_stage(client, api_id, stage_name):
    try:
        stage = client.get_stage(restApiId=api_id, stageName=stage_name)
    except ClientError as e:
        if is_not_found(e):
            return None
        raise
    stage.pop("ResponseMetadata", None)
    return stage


def create_stage(client, api_id, request):
    return client.create_stage(restApiId=api_id, **request)


def update_stage(client, api_id, stage_name, patch_operations):
    return client.update_stage(restApiId=api_id, stageName=stage_name, patchOperations=patch_operations)


# Account


def get_account(client):
    account = client.get_account()
    account.pop("ResponseMetadata", None)
    return account


# A role made a moment ago is not yet assumable: AWS answers UpdateAccount with BadRequestException
# ("The role ARN does not have required permissions") until IAM has propagated it, usually seconds.
# Any other BadRequestException fails at once.
@while_propagating(APIGW_ROLE_NOT_PROPAGATED)
def update_account(client, patch_operations):
    return client.update_account(patchOperations=patch_operations)


# Custom domain names and base path mappings


def get_domain_name(client, domain_name):
    try:
        domain = client.get_domain_name(domainName=domain_name)
    except ClientError as e:
        if is_not_found(e):
            return None
        raise
    domain.pop("ResponseMetadata", None)
    return domain


def create_domain_name(client, request):
    return client.create_domain_name(**request)


def update_domain_name(client, domain_name, patch_operations):
    return client.update_domain_name(domainName=domain_name, patchOperations=patch_operations)


def delete_domain_name(client, domain_name):
    try:
        client.delete_domain_name(domainName=domain_name)
    except ClientError as e:
        if is_not_found(e):
            return False
        raise
    return True


def get_base_path_mappings(client, domain_name):
    return position_paginate(client, "get_base_path_mappings", domainName=domain_name)


def create_base_path_mapping(client, domain_name, base_path, api_id, stage_name):
    request = {"domainName": domain_name, "restApiId": api_id, "stage": stage_name}
    if base_path != "(none)":
        request["basePath"] = base_path
    return client.create_base_path_mapping(**request)


def delete_base_path_mapping(client, domain_name, base_path):
    try:
        client.delete_base_path_mapping(domainName=domain_name, basePath=base_path)
    except ClientError as e:
        if not is_not_found(e):
            raise
