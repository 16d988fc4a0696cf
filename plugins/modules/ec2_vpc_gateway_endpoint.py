#!/usr/bin/python

# Copyright: Payments platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
module: ec2_vpc_gateway_endpoint
short_description: Manage one gateway VPC endpoint (S3 or DynamoDB), its policy, route tables and tags
version_added: 0.1.0
description:
  - Creates, updates and deletes the gateway VPC endpoint of one service in one VPC.
  - Unlike M(amazon.aws.ec2_vpc_endpoint), it updates the policy and the route tables of an existing
    endpoint, and ignores endpoints that are deleted, deleting, failed or rejected.
  - The endpoint is identified by O(vpc_id) and O(service). Updates are made in place.
  - The create request carries a client token derived from the request, so a retried create never
    makes a second endpoint.
  - Returns RV(prefix_list_id), the AWS-managed prefix list of the service, for security group rules.
  - This module supports check mode and diff mode.
options:
  vpc_id:
    description:
      - The ID of the VPC.
    required: true
    type: str
  service:
    description:
      - The service name, for example V(com.amazonaws.us-east-1.s3) or V(com.amazonaws.us-east-1.dynamodb).
    required: true
    type: str
  route_table_ids:
    description:
      - The route tables that route to the endpoint. They replace the current list; V([]) removes all.
      - When not set, the route tables of an existing endpoint are left alone.
    type: list
    elements: str
  policy:
    description:
      - The endpoint policy, as a JSON string or a dictionary.
      - When not set, the policy of an existing endpoint is left alone, and a new endpoint gets the AWS
        default policy (full access).
      - Compared by meaning, not by text, so key order and single-item lists cause no change.
    type: json
  state:
    description:
      - V(present) to create or update the endpoint, V(absent) to delete it.
    default: present
    choices: [present, absent]
    type: str
author:
  - Payments platform team (!UNKNOWN)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: S3 gateway endpoint limited to the platform's buckets
  payments.aws_platform.ec2_vpc_gateway_endpoint:
    vpc_id: "{{ vpc_id }}"
    service: com.amazonaws.us-east-1.s3
    route_table_ids: "{{ private_route_table_ids }}"
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: "*"
          Action: ["s3:GetObject", "s3:PutObject"]
          Resource: "arn:aws:s3:::payments-dev-*/*"
    tags:
      Name: payments-dev-s3
  register: s3_endpoint

- name: Let the Lambda security group reach S3 through the endpoint
  amazon.aws.ec2_security_group:
    name: payments-dev-lambda
    description: Lambda functions
    vpc_id: "{{ vpc_id }}"
    rules_egress:
      - proto: tcp
        ports: [443]
        ip_prefix: "{{ s3_endpoint.prefix_list_id }}"

- name: Delete the DynamoDB gateway endpoint
  payments.aws_platform.ec2_vpc_gateway_endpoint:
    vpc_id: "{{ vpc_id }}"
    service: com.amazonaws.us-east-1.dynamodb
    state: absent
"""

RETURN = r"""
vpc_endpoint:
  description:
    - The endpoint, as AWS describes it after the change ({} once deleted).
    - In check mode, the endpoint as it would be; fields AWS assigns at creation are then missing.
  returned: always
  type: dict
  contains:
    vpc_endpoint_id:
      description: The ID of the endpoint.
      returned: when the endpoint exists
      type: str
      sample: vpce-0123456789abcdef0
    vpc_endpoint_type:
      description: Always C(Gateway).
      returned: when the endpoint exists
      type: str
      sample: Gateway
    vpc_id:
      description: The ID of the VPC.
      returned: when the endpoint exists
      type: str
      sample: vpc-0123456789abcdef0
    service_name:
      description: The service name.
      returned: when the endpoint exists
      type: str
      sample: com.amazonaws.us-east-1.s3
    state:
      description: The state of the endpoint.
      returned: when the endpoint exists
      type: str
      sample: available
    policy_document:
      description: The endpoint policy, parsed.
      returned: when the endpoint exists
      type: dict
    route_table_ids:
      description: The route tables that route to the endpoint.
      returned: when the endpoint exists
      type: list
      elements: str
    creation_timestamp:
      description: When the endpoint was created.
      returned: when the endpoint exists
      type: str
    tags:
      description: The tags of the endpoint.
      returned: when the endpoint exists
      type: dict
      sample: {"Name": "payments-dev-s3"}
prefix_list_id:
  description:
    - The ID of the AWS-managed prefix list of O(service), for security group rules. It exists whether or not
      the endpoint does, so it is returned in check mode too.
    - V(null) when the service has no prefix list.
  returned: when O(state=present)
  type: str
  sample: pl-63a5400a
diff:
  description: The endpoint before and after the change (after as predicted in check mode).
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The endpoint before the change, {} when there was none.
      type: dict
    after:
      description: The endpoint after the change, {} when it is deleted.
      type: dict
"""

import json

try:
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import ec2
from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import load_policy
from ansible_collections.payments.aws_platform.plugins.module_utils.base import policies_equal
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_dict

ENDPOINT_TYPE = "Gateway"

# An endpoint in one of these states is no longer there, although DescribeVpcEndpoints may still list it
# (the emulator keeps deleted endpoints listed for good).
GONE_STATES = frozenset(["deleted", "deleting", "failed", "rejected"])

# How many times a create may find its client token already spent on an endpoint deleted since.
MAX_SPENT_TOKENS = 5


def argument_spec():
    return dict(
        vpc_id=dict(type="str", required=True),
        service=dict(type="str", required=True),
        route_table_ids=dict(type="list", elements="str"),
        policy=dict(type="json"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def is_gone(endpoint):
    return endpoint.get("State", "").lower() in GONE_STATES


def find_live_endpoints(ec2_client, params):
    endpoints = ec2.describe_vpc_endpoints(
        ec2_client,
        {"vpc-id": params["vpc_id"], "service-name": params["service"], "vpc-endpoint-type": ENDPOINT_TYPE},
    )
    return [endpoint for endpoint in endpoints if not is_gone(endpoint)]


def find_one_live_endpoint(module, ec2_client):
    endpoints = find_live_endpoints(ec2_client, module.params)
    if len(endpoints) > 1:
        ids = ", ".join(endpoint["VpcEndpointId"] for endpoint in endpoints)
        module.fail_json(
            msg=f"Expected at most one {module.params['service']} gateway endpoint in {module.params['vpc_id']}, "
            f"found {len(endpoints)}: {ids}"
        )
    return endpoints[0] if endpoints else None


def find_prefix_list_id(ec2_client, service):
    prefix_lists = ec2.describe_prefix_lists(ec2_client, {"prefix-list-name": service})
    return prefix_lists[0]["PrefixListId"] if prefix_lists else None


def endpoint_result(endpoint):
    """A described endpoint as the module returns it: snake_cased, tags as a dict, policy parsed."""
    if not endpoint:
        return {}
    result = camel_dict_to_snake_dict(endpoint, ignore_list=["Tags"])
    result["tags"] = tags_to_dict(endpoint.get("Tags"))
    result["policy_document"] = load_policy(endpoint.get("PolicyDocument"))
    return result


def desired_policy(module):
    try:
        return load_policy(module.params["policy"])
    except ValueError as e:
        module.fail_json(msg=f"policy is not valid JSON: {e}")


def route_table_changes(current_ids, desired_ids):
    """(route tables to add, route tables to remove); ``desired_ids`` None means "leave them alone"."""
    if desired_ids is None:
        return [], []
    return sorted(set(desired_ids) - set(current_ids)), sorted(set(current_ids) - set(desired_ids))


def modification(endpoint, policy, route_tables_to_add, route_tables_to_remove):
    """The ModifyVpcEndpoint arguments that bring ``endpoint`` to the desired state ({} when none)."""
    changes = {}
    if route_tables_to_add:
        changes["AddRouteTableIds"] = route_tables_to_add
    if route_tables_to_remove:
        changes["RemoveRouteTableIds"] = route_tables_to_remove
    if policy is not None and not policies_equal(endpoint.get("PolicyDocument"), policy):
        changes["PolicyDocument"] = json.dumps(policy)
    return changes


def create_request(params, policy):
    """The CreateVpcEndpoint arguments, also the seed of the client token."""
    request = {
        "VpcEndpointType": ENDPOINT_TYPE,
        "VpcId": params["vpc_id"],
        "ServiceName": params["service"],
        "RouteTableIds": sorted(set(params["route_table_ids"] or [])),
    }
    if policy is not None:
        request["PolicyDocument"] = json.dumps(policy, sort_keys=True)
    specifications = ec2.tag_specifications("vpc-endpoint", params["tags"])
    if specifications:
        request["TagSpecifications"] = specifications
    return request


def predicted_new_endpoint(request, policy, tags):
    return {
        "vpc_endpoint_type": ENDPOINT_TYPE,
        "vpc_id": request["VpcId"],
        "service_name": request["ServiceName"],
        "route_table_ids": request["RouteTableIds"],
        "policy_document": policy,
        "tags": tags or {},
    }


def predicted_updated_endpoint(before, changes, tags):
    after = dict(before, tags=tags)
    removed = set(changes.get("RemoveRouteTableIds", []))
    after["route_table_ids"] = [rt for rt in before.get("route_table_ids", []) if rt not in removed]
    after["route_table_ids"] += changes.get("AddRouteTableIds", [])
    if "PolicyDocument" in changes:
        after["policy_document"] = json.loads(changes["PolicyDocument"])
    return after


def create_endpoint(ec2_client, request):
    """Create the endpoint with a client token derived from ``request``; the endpoint.

    EC2 remembers a client token for at least 24 hours after the resource it made is deleted, and answers
    a repeat with that endpoint, now deleted: then the token is salted with the dead id and tried again.
    """
    spent = []
    while True:
        endpoint = ec2.create_vpc_endpoint(ec2_client, request, ec2.client_token(request, spent))
        if not is_gone(endpoint) or len(spent) >= MAX_SPENT_TOKENS:
            return endpoint
        spent.append(endpoint["VpcEndpointId"])


def update_tags(ec2_client, endpoint_id, tags_to_set, tags_to_remove):
    ec2.delete_tags(ec2_client, [endpoint_id], tags_to_remove)
    ec2.create_tags(ec2_client, [endpoint_id], tags_to_set)


def read_endpoint(ec2_client, params, endpoint_id):
    endpoints = find_live_endpoints(ec2_client, params)
    return next((endpoint for endpoint in endpoints if endpoint["VpcEndpointId"] == endpoint_id), None)


def ensure_created(module, ec2_client, policy, prefix_list_id):
    request = create_request(module.params, policy)
    if module.check_mode:
        after = predicted_new_endpoint(request, policy, module.params["tags"])
        exit_with(module, True, {}, after, vpc_endpoint=after, prefix_list_id=prefix_list_id)
    created = create_endpoint(ec2_client, request)
    after = endpoint_result(read_endpoint(ec2_client, module.params, created["VpcEndpointId"]) or created)
    exit_with(module, True, {}, after, vpc_endpoint=after, prefix_list_id=prefix_list_id)


def ensure_updated(module, ec2_client, endpoint, policy, prefix_list_id):
    params = module.params
    endpoint_id = endpoint["VpcEndpointId"]
    before = endpoint_result(endpoint)
    changes = modification(endpoint, policy, *route_table_changes(before["route_table_ids"], params["route_table_ids"]))
    tags_to_set, tags_to_remove = tag_changes(before["tags"], params["tags"], params["purge_tags"])
    changed = bool(changes or tags_to_set or tags_to_remove)
    predicted = predicted_updated_endpoint(
        before, changes, apply_tag_changes(before["tags"], tags_to_set, tags_to_remove)
    )

    if module.check_mode or not changed:
        exit_with(module, changed, before, predicted, vpc_endpoint=predicted, prefix_list_id=prefix_list_id)

    if changes:
        ec2.modify_vpc_endpoint(ec2_client, endpoint_id, **changes)
    update_tags(ec2_client, endpoint_id, tags_to_set, tags_to_remove)
    after = endpoint_result(read_endpoint(ec2_client, params, endpoint_id)) or predicted
    exit_with(module, changed, before, after, vpc_endpoint=after, prefix_list_id=prefix_list_id)


def ensure_present(module, ec2_client):
    policy = desired_policy(module)
    prefix_list_id = find_prefix_list_id(ec2_client, module.params["service"])
    endpoint = find_one_live_endpoint(module, ec2_client)
    if endpoint is None:
        ensure_created(module, ec2_client, policy, prefix_list_id)
    else:
        ensure_updated(module, ec2_client, endpoint, policy, prefix_list_id)


def delete_endpoint(ec2_client, endpoint):
    """Delete the endpoint; ``changed``."""
    endpoint_id = endpoint["VpcEndpointId"]
    try:
        return ec2.delete_vpc_endpoints(ec2_client, [endpoint_id])
    except ClientError as e:
        if e.response["Error"]["Code"] != "InvalidRoute.NotFound" or not endpoint.get("RouteTableIds"):
            raise
        # The emulator adds no route to a route table attached by ModifyVpcEndpoint, then fails the delete
        # on that missing route. Detaching the route tables first is harmless on AWS, which never answers so.
        ec2.modify_vpc_endpoint(ec2_client, endpoint_id, RemoveRouteTableIds=endpoint["RouteTableIds"])
        return ec2.delete_vpc_endpoints(ec2_client, [endpoint_id])


def ensure_absent(module, ec2_client):
    endpoints = find_live_endpoints(ec2_client, module.params)
    before = endpoint_result(endpoints[0]) if endpoints else {}
    changed = bool(endpoints)
    if not module.check_mode:
        deleted = [delete_endpoint(ec2_client, endpoint) for endpoint in endpoints]
        changed = any(deleted)
    exit_with(module, changed, before, {}, vpc_endpoint={})


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_by_state(
        module,
        "ec2",
        {"present": ensure_present, "absent": ensure_absent},
        f"Failed to manage the {module.params['service']} gateway endpoint of {module.params['vpc_id']}",
    )


if __name__ == "__main__":
    main()
