#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: api_gateway_domain_name
short_description: Manage an API Gateway regional custom domain name and its base path mappings
version_added: 0.1.0
description:
  - Creates, updates or deletes one API Gateway custom domain name (regional endpoint) with its ACM
    certificate and TLS security policy, and maps base paths of it to REST API stages.
  - Replaces M(community.aws.api_gateway_domain) in this collection, which cannot map a base path to the
    root (V((none))) idempotently and ignores drifted security policies.
  - A changed certificate or security policy is updated in place (the regional domain name, which DNS points
    at, stays the same). Only where C(UpdateDomainName) is not implemented at all (the local emulator answers
    HTTP 500 with no AWS error code), the domain is made again instead.
  - Check mode reads everything and reports the real change without writing; C(--diff) shows the domain
    and its mappings before and after.
author:
  - Payments platform team (!UNKNOWN)
options:
  domain_name:
    description: The custom domain name, such as V(api-dev.payments.internal).
    type: str
    required: true
  certificate_arn:
    description: The ACM certificate ARN (in the API's region) for the regional endpoint. Required to create.
    type: str
  security_policy:
    description:
      - The TLS versions and cipher suites clients may use.
      - The V(SecurityPolicy_*) policies are API Gateway's enhanced ones; those with V(PQ) in their name add
        post-quantum key exchange. They need O(endpoint_access_mode).
    type: str
    choices: [TLS_1_0, TLS_1_2, SecurityPolicy_TLS13_1_2_2021_06, SecurityPolicy_TLS13_1_2_PQ_2025_09,
              SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09, SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09,
              SecurityPolicy_TLS13_1_2_FIPS_PFS_PQ_2025_09, SecurityPolicy_TLS13_1_2_Ext2_PQ_2025_09,
              SecurityPolicy_TLS13_1_2_Ext2_FIPS_PQ_2025_09, SecurityPolicy_TLS13_1_3_2025_09,
              SecurityPolicy_TLS13_1_3_FIPS_2025_09]
    default: TLS_1_2
  endpoint_access_mode:
    description:
      - How strictly API Gateway matches a request to the domain; required with an enhanced
        (V(SecurityPolicy_*)) O(security_policy), refused with V(TLS_1_0) or V(TLS_1_2).
      - V(BASIC) accepts what the legacy policies accept; V(STRICT) also requires the TLS server name and the
        C(Host) header to be this domain.
    type: str
    choices: [BASIC, STRICT]
  base_path_mappings:
    description: The base paths of the domain and the stage each serves; they replace the current ones.
    type: list
    elements: dict
    default: []
    suboptions:
      base_path:
        description: The base path; V((none)) maps the domain's root.
        type: str
        default: (none)
      rest_api_id:
        description: The REST API id.
        type: str
        required: true
      stage:
        description: The stage name.
        type: str
        required: true
  state:
    description: Whether the domain should exist.
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
- name: Serve the dev stage at the root of api-dev.payments.internal
  payments.aws_platform.api_gateway_domain_name:
    domain_name: api-dev.payments.internal
    certificate_arn: "{{ certificate.certificate_arn }}"
    # TLS 1.3 and 1.2, with post-quantum key exchange
    security_policy: SecurityPolicy_TLS13_1_2_PQ_2025_09
    endpoint_access_mode: BASIC
    base_path_mappings:
      - rest_api_id: "{{ api.rest_api.id }}"
        stage: dev
    tags:
      Project: payments
"""

RETURN = r"""
domain_name:
  description: The domain as API Gateway describes it, snake_cased, tags as a dict; {} when absent.
  returned: always
  type: dict
  contains:
    domain_name:
      description: The custom domain name.
      type: str
    regional_domain_name:
      description: The name DNS must point at (a CNAME or an alias record).
      type: str
      sample: d-abc123.execute-api.us-east-1.amazonaws.com
    regional_hosted_zone_id:
      description: The hosted zone of the regional name, for an alias record.
      type: str
    regional_certificate_arn:
      description: The certificate.
      type: str
    security_policy:
      description: The TLS security policy.
      type: str
      sample: SecurityPolicy_TLS13_1_2_PQ_2025_09
    endpoint_access_mode:
      description: The endpoint access mode of an enhanced security policy, as AWS reports it.
      type: str
      sample: BASIC
    base_path_mappings:
      description: The base path mappings.
      type: list
      elements: dict
diff:
  description: The domain before and after the change (after as predicted in check mode).
  returned: when diff mode is on
  type: dict
"""

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

SHOWN_FIELDS = (
    "domainName",
    "regionalDomainName",
    "regionalHostedZoneId",
    "regionalCertificateArn",
    "securityPolicy",
    "endpointAccessMode",
    "endpointConfiguration",
    "domainNameStatus",
)


LEGACY_POLICIES = ("TLS_1_0", "TLS_1_2")
# API Gateway's enhanced policies for regional domains (the *_EDGE ones are for edge-optimized domains).
ENHANCED_POLICIES = (
    "SecurityPolicy_TLS13_1_2_2021_06",
    "SecurityPolicy_TLS13_1_2_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_FIPS_PFS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_Ext2_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_Ext2_FIPS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_3_2025_09",
    "SecurityPolicy_TLS13_1_3_FIPS_2025_09",
)


def argument_spec():
    return dict(
        domain_name=dict(type="str", required=True),
        certificate_arn=dict(type="str"),
        security_policy=dict(type="str", default="TLS_1_2", choices=list(LEGACY_POLICIES + ENHANCED_POLICIES)),
        endpoint_access_mode=dict(type="str", choices=["BASIC", "STRICT"]),
        base_path_mappings=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                base_path=dict(type="str", default="(none)"),
                rest_api_id=dict(type="str", required=True),
                stage=dict(type="str", required=True),
            ),
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def mapping_key(mapping):
    return mapping.get("basePath") or "(none)"


def current_state(apigw_client, domain_name):
    domain = apigw.get_domain_name(apigw_client, domain_name)
    if domain is None:
        return None, {}, {}
    mappings = {mapping_key(item): item for item in apigw.get_base_path_mappings(apigw_client, domain_name)}
    view = camel_dict_to_snake_dict({field: domain[field] for field in SHOWN_FIELDS if field in domain})
    view["tags"] = dict(domain.get("tags") or {})
    view["base_path_mappings"] = [
        {"base_path": key, "rest_api_id": item["restApiId"], "stage": item.get("stage")}
        for key, item in sorted(mappings.items())
    ]
    return domain, mappings, view


def domain_patch(domain, params):
    operations = []
    if params["certificate_arn"] and domain.get("regionalCertificateArn") != params["certificate_arn"]:
        operations.append({"op": "replace", "path": "/regionalCertificateArn", "value": params["certificate_arn"]})
    mode = params["endpoint_access_mode"]
    if domain.get("securityPolicy") != params["security_policy"]:
        operations.append({"op": "replace", "path": "/securityPolicy", "value": params["security_policy"]})
        # An enhanced policy is only accepted together with its access mode.
        if mode:
            operations.append({"op": "replace", "path": "/endpointAccessMode", "value": mode})
    # The emulator keeps no endpointAccessMode (it answers without one): compared only when reported.
    elif mode and domain.get("endpointAccessMode") not in (None, mode):
        operations.append({"op": "replace", "path": "/endpointAccessMode", "value": mode})
    return operations


def mapping_changes(current, wanted):
    """(mappings to create, base paths to delete); a changed mapping is deleted and created again."""
    wanted_by_path = {item["base_path"]: item for item in wanted}
    delete = sorted(
        path
        for path, item in current.items()
        if path not in wanted_by_path
        or (item["restApiId"], item.get("stage"))
        != (wanted_by_path[path]["rest_api_id"], wanted_by_path[path]["stage"])
    )
    create = [item for path, item in sorted(wanted_by_path.items()) if path not in current or path in delete]
    return create, delete


def create_request(params):
    request = {
        "domainName": params["domain_name"],
        "regionalCertificateArn": params["certificate_arn"],
        "endpointConfiguration": {"types": ["REGIONAL"]},
        "securityPolicy": params["security_policy"],
    }
    if params["endpoint_access_mode"]:
        request["endpointAccessMode"] = params["endpoint_access_mode"]
    if params["tags"]:
        request["tags"] = params["tags"]
    return request


def update_domain(module, apigw_client, operations):
    """Update in place; on an endpoint without UpdateDomainName (the emulator's HTTP 500), make it again."""
    params = module.params
    try:
        # One attempt without the retrying wrapper: a 500 here is the emulator's missing operation.
        apigw.update_domain_name(module.client("apigateway"), params["domain_name"], operations)
    except ClientError as e:
        if not apigw.is_unimplemented(e):
            raise
        mappings = apigw.get_base_path_mappings(apigw_client, params["domain_name"])
        apigw.delete_domain_name(apigw_client, params["domain_name"])
        apigw.create_domain_name(apigw_client, create_request(params))
        for item in mappings:
            apigw.create_base_path_mapping(
                apigw_client, params["domain_name"], mapping_key(item), item["restApiId"], item.get("stage")
            )


def predicted(before, params, tags):
    after = (
        dict(before)
        if before
        else {"domain_name": params["domain_name"], "endpoint_configuration": {"types": ["REGIONAL"]}}
    )
    if params["certificate_arn"]:
        after["regional_certificate_arn"] = params["certificate_arn"]
    after["security_policy"] = params["security_policy"]
    if params["endpoint_access_mode"]:
        after["endpoint_access_mode"] = params["endpoint_access_mode"]
    after["tags"] = tags
    after["base_path_mappings"] = sorted(
        (
            {"base_path": item["base_path"], "rest_api_id": item["rest_api_id"], "stage": item["stage"]}
            for item in params["base_path_mappings"]
        ),
        key=lambda item: item["base_path"],
    )
    return after


def ensure_present(module, apigw_client):
    params = module.params
    domain, mappings, before = current_state(apigw_client, params["domain_name"])
    if domain is None and not params["certificate_arn"]:
        module.fail_json(msg=f"certificate_arn is required to create the domain {params['domain_name']}")
    operations = domain_patch(domain, params) if domain else []
    tags_to_set, tags_to_remove = tag_changes(before.get("tags", {}), params["tags"], params["purge_tags"])
    tags = apply_tag_changes(before.get("tags", {}), tags_to_set, tags_to_remove)
    to_create, to_delete = mapping_changes(mappings, params["base_path_mappings"])
    changed = domain is None or bool(operations or tags_to_set or tags_to_remove or to_create or to_delete)
    after = predicted(before, params, tags)
    if module.check_mode or not changed:
        exit_with(module, changed, before, after, domain_name=after)

    warnings = []
    if domain is None:
        apigw.create_domain_name(apigw_client, create_request(params))
    else:
        if operations:
            update_domain(module, apigw_client, operations)
        arn = (
            f"arn:{apigw.partition_of(module.region)}:apigateway:{module.region}::/domainnames/{params['domain_name']}"
        )
        if (tags_to_set or tags_to_remove) and not apigw.update_tags(apigw_client, arn, tags_to_set, tags_to_remove):
            warnings.append("This endpoint has no TagResource: the domain's tag change was not applied")
    for base_path in to_delete:
        apigw.delete_base_path_mapping(apigw_client, params["domain_name"], base_path)
    for item in to_create:
        apigw.create_base_path_mapping(
            apigw_client, params["domain_name"], item["base_path"], item["rest_api_id"], item["stage"]
        )
    for warning in warnings:
        module.warn(warning)
    after = current_state(apigw_client, params["domain_name"])[2]
    exit_with(module, changed, before, after, domain_name=after)


def ensure_absent(module, apigw_client):
    domain, mappings, before = current_state(apigw_client, module.params["domain_name"])
    changed = domain is not None
    if changed and not module.check_mode:
        for base_path in mappings:
            apigw.delete_base_path_mapping(apigw_client, module.params["domain_name"], base_path)
        changed = apigw.delete_domain_name(apigw_client, module.params["domain_name"])
    exit_with(module, changed, before, {}, domain_name={})


def check_access_mode(module):
    """An enhanced (SecurityPolicy_*) policy needs an endpoint access mode and a legacy one takes none:
    refused here, before any AWS call."""
    policy, mode = module.params["security_policy"], module.params["endpoint_access_mode"]
    if policy in ENHANCED_POLICIES and not mode:
        module.fail_json(msg=f"endpoint_access_mode (BASIC or STRICT) is required with security_policy {policy}")
    if policy in LEGACY_POLICIES and mode:
        module.fail_json(
            msg=f"endpoint_access_mode is only for the enhanced SecurityPolicy_* policies, not {policy}; leave it unset"
        )


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    if module.params["state"] == "present":
        check_access_mode(module)
    run_by_state(
        module,
        "apigateway",
        {"present": ensure_present, "absent": ensure_absent},
        f"Failed to manage the custom domain {module.params['domain_name']}",
    )


if __name__ == "__main__":
    main()
