#!/usr/bin/python

# Copyright: Payments platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
module: ec2_vpc_flow_log
short_description: Manage one VPC flow log delivering to CloudWatch Logs
version_added: 0.1.0
description:
  - Creates, replaces, tags and deletes one flow log of a VPC, subnet or network interface that delivers
    to a CloudWatch Logs log group.
  - The flow log is identified by O(resource_id) and O(log_group_name).
  - AWS cannot modify a flow log. When O(traffic_type), O(deliver_logs_permission_arn),
    O(max_aggregation_interval) or a given O(log_format) differ from the existing flow log, it is deleted
    and created again, and RV(replaced) is V(true). Tags are updated in place.
  - The create request carries a client token derived from the requested settings, so a retried create
    never makes a second flow log.
  - This module supports check mode and diff mode.
options:
  resource_id:
    description:
      - The ID of the VPC, subnet or network interface whose traffic is logged.
    required: true
    type: str
  resource_type:
    description:
      - The type of O(resource_id).
    default: VPC
    choices: [VPC, Subnet, NetworkInterface]
    type: str
  traffic_type:
    description:
      - The traffic to log.
    default: ALL
    choices: [ALL, ACCEPT, REJECT]
    type: str
  log_group_name:
    description:
      - The CloudWatch Logs log group the flow log delivers to.
      - Required when O(state=present).
      - With O(state=absent) and no O(log_group_name), every flow log of O(resource_id) that delivers to
        CloudWatch Logs is deleted.
    type: str
  deliver_logs_permission_arn:
    description:
      - The ARN of the IAM role that lets the flow log publish to O(log_group_name).
      - Required when O(state=present).
    type: str
  max_aggregation_interval:
    description:
      - The longest time, in seconds, over which a flow is captured into one record.
    default: 600
    choices: [60, 600]
    type: int
  log_format:
    description:
      - The fields of a flow log record, for example V(${version} ${srcaddr} ${dstaddr} ${action}).
      - When not set, a new flow log uses the AWS default format and the format of an existing flow log
        is left alone.
    type: str
  state:
    description:
      - V(present) to create or update the flow log, V(absent) to delete it.
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
- name: Log all traffic of the VPC to CloudWatch Logs
  payments.aws_platform.ec2_vpc_flow_log:
    resource_id: "{{ vpc_id }}"
    log_group_name: /payments/dev/vpc-flow-logs
    deliver_logs_permission_arn: "{{ flow_log_role_arn }}"
    max_aggregation_interval: 60
    tags:
      Environment: dev

- name: Log only rejected traffic of one subnet, in a custom format
  payments.aws_platform.ec2_vpc_flow_log:
    resource_id: "{{ subnet_id }}"
    resource_type: Subnet
    traffic_type: REJECT
    log_group_name: /payments/dev/subnet-rejects
    deliver_logs_permission_arn: "{{ flow_log_role_arn }}"
    log_format: "${version} ${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${action}"

- name: Delete the flow log
  payments.aws_platform.ec2_vpc_flow_log:
    resource_id: "{{ vpc_id }}"
    log_group_name: /payments/dev/vpc-flow-logs
    state: absent
"""

RETURN = r"""
flow_log:
  description:
    - The flow log, as AWS describes it after the change ({} once deleted).
    - In check mode, the flow log as it would be; fields AWS assigns at creation are then missing.
  returned: always
  type: dict
  contains:
    flow_log_id:
      description: The ID of the flow log.
      returned: when the flow log exists
      type: str
      sample: fl-0123456789abcdef0
    resource_id:
      description: The ID of the logged resource.
      returned: when the flow log exists
      type: str
      sample: vpc-0123456789abcdef0
    traffic_type:
      description: The traffic that is logged.
      returned: when the flow log exists
      type: str
      sample: ALL
    log_destination_type:
      description: Where the flow log delivers; always C(cloud-watch-logs) here.
      returned: when the flow log exists
      type: str
      sample: cloud-watch-logs
    log_group_name:
      description: The CloudWatch Logs log group.
      returned: when the flow log exists
      type: str
      sample: /payments/dev/vpc-flow-logs
    deliver_logs_permission_arn:
      description: The ARN of the IAM role used to publish.
      returned: when the flow log exists
      type: str
      sample: arn:aws:iam::123456789012:role/vpc-flow-logs
    deliver_logs_status:
      description: Whether the last delivery succeeded.
      returned: when the flow log exists
      type: str
      sample: SUCCESS
    flow_log_status:
      description: The status of the flow log.
      returned: when the flow log exists
      type: str
      sample: ACTIVE
    log_format:
      description: The fields of a flow log record.
      returned: when the flow log exists
      type: str
    max_aggregation_interval:
      description: The aggregation interval in seconds.
      returned: when the flow log exists
      type: int
      sample: 600
    creation_time:
      description: When the flow log was created.
      returned: when the flow log exists
      type: str
    tags:
      description: The tags of the flow log.
      returned: when the flow log exists
      type: dict
      sample: {"Environment": "dev"}
replaced:
  description: Whether an existing flow log was deleted and created again because a setting AWS cannot modify changed.
  returned: always
  type: bool
  sample: false
diff:
  description: The flow log before and after the change (after as predicted in check mode).
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The flow log before the change, {} when there was none.
      type: dict
    after:
      description: The flow log after the change, {} when it is deleted.
      type: dict
"""

try:
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import ec2
from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_dict

DESTINATION_TYPE = "cloud-watch-logs"

# How many times a create may find its client token already spent on a flow log deleted since.
MAX_SPENT_TOKENS = 5

# Option -> field of a described flow log, for the settings AWS cannot modify.
REPLACE_ON_CHANGE = {
    "traffic_type": "TrafficType",
    "deliver_logs_permission_arn": "DeliverLogsPermissionArn",
    "max_aggregation_interval": "MaxAggregationInterval",
    "log_format": "LogFormat",
}


def argument_spec():
    return dict(
        resource_id=dict(type="str", required=True),
        resource_type=dict(type="str", default="VPC", choices=["VPC", "Subnet", "NetworkInterface"]),
        traffic_type=dict(type="str", default="ALL", choices=["ALL", "ACCEPT", "REJECT"]),
        log_group_name=dict(type="str"),
        deliver_logs_permission_arn=dict(type="str"),
        max_aggregation_interval=dict(type="int", default=600, choices=[60, 600]),
        log_format=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def find_flow_logs(ec2_client, params):
    """The flow logs of the resource that deliver to CloudWatch Logs (to that log group, when given)."""
    filter_values = {"resource-id": params["resource_id"], "log-destination-type": DESTINATION_TYPE}
    if params["log_group_name"]:
        filter_values["log-group-name"] = params["log_group_name"]
    return ec2.describe_flow_logs(ec2_client, filter_values)


def find_one_flow_log(module, ec2_client):
    flow_logs = find_flow_logs(ec2_client, module.params)
    if len(flow_logs) > 1:
        ids = ", ".join(flow_log["FlowLogId"] for flow_log in flow_logs)
        module.fail_json(msg=f"Expected at most one flow log to this log group, found {len(flow_logs)}: {ids}")
    return flow_logs[0] if flow_logs else None


def flow_log_result(flow_log):
    """A described flow log as the module returns it: snake_cased, tags as a dict."""
    if not flow_log:
        return {}
    result = camel_dict_to_snake_dict(flow_log, ignore_list=["Tags"])
    result["tags"] = tags_to_dict(flow_log.get("Tags"))
    return result


def needs_replacement(flow_log, params):
    return any(
        params[option] is not None and params[option] != flow_log.get(field)
        for option, field in REPLACE_ON_CHANGE.items()
    )


def create_request(params, tags):
    """The CreateFlowLogs arguments, also the seed of the client token."""
    request = {
        "ResourceIds": [params["resource_id"]],
        "ResourceType": params["resource_type"],
        "TrafficType": params["traffic_type"],
        "LogDestinationType": DESTINATION_TYPE,
        "LogGroupName": params["log_group_name"],
        "DeliverLogsPermissionArn": params["deliver_logs_permission_arn"],
        "MaxAggregationInterval": params["max_aggregation_interval"],
    }
    if params["log_format"] is not None:
        request["LogFormat"] = params["log_format"]
    specifications = ec2.tag_specifications("vpc-flow-log", tags)
    if specifications:
        request["TagSpecifications"] = specifications
    return request


def predicted_flow_log(params, tags):
    """What a new flow log will look like, as far as the request decides it."""
    predicted = {
        "resource_id": params["resource_id"],
        "traffic_type": params["traffic_type"],
        "log_destination_type": DESTINATION_TYPE,
        "log_group_name": params["log_group_name"],
        "deliver_logs_permission_arn": params["deliver_logs_permission_arn"],
        "max_aggregation_interval": params["max_aggregation_interval"],
        "tags": tags,
    }
    if params["log_format"] is not None:
        predicted["log_format"] = params["log_format"]
    return predicted


def flow_log_exists(ec2_client, flow_log_id):
    return bool(ec2.describe_flow_logs(ec2_client, {"flow-log-id": flow_log_id}))


def create_flow_log(ec2_client, request):
    """Create the flow log with a client token derived from ``request``; its id.

    EC2 remembers a client token for at least 24 hours after the resource it made is deleted, and answers
    a repeat with that deleted flow log's id: then the token is salted with the dead id and tried again.
    """
    spent = []
    flow_log_id = None
    while len(spent) <= MAX_SPENT_TOKENS:
        try:
            flow_log_id = ec2.create_flow_log(ec2_client, request, ec2.client_token(request, spent))
        except ClientError as e:
            if spent and e.response["Error"]["Code"] == "FlowLogAlreadyExists":
                # The previous id was alive after all: DescribeFlowLogs had not caught up with the create.
                return spent[-1]
            raise
        if flow_log_exists(ec2_client, flow_log_id):
            return flow_log_id
        spent.append(flow_log_id)
    return flow_log_id


def update_tags(ec2_client, flow_log_id, tags_to_set, tags_to_remove):
    ec2.delete_tags(ec2_client, [flow_log_id], tags_to_remove)
    ec2.create_tags(ec2_client, [flow_log_id], tags_to_set)


def ensure_present(module, ec2_client):
    params = module.params
    current = find_one_flow_log(module, ec2_client)
    current_tags = tags_to_dict(current.get("Tags")) if current else {}
    tags_to_set, tags_to_remove = tag_changes(current_tags, params["tags"], params["purge_tags"])
    tags = apply_tag_changes(current_tags, tags_to_set, tags_to_remove)

    replaced = bool(current) and needs_replacement(current, params)
    recreate = current is None or replaced
    changed = recreate or bool(tags_to_set or tags_to_remove)
    before = flow_log_result(current)

    if module.check_mode:
        after = predicted_flow_log(params, tags) if recreate else dict(before, tags=tags)
        exit_with(module, changed, before, after, flow_log=after, replaced=replaced)

    if replaced:
        ec2.delete_flow_logs(ec2_client, [current["FlowLogId"]])
    if recreate:
        create_flow_log(ec2_client, create_request(params, tags))
    else:
        update_tags(ec2_client, current["FlowLogId"], tags_to_set, tags_to_remove)

    after = flow_log_result(find_one_flow_log(module, ec2_client))
    exit_with(module, changed, before, after, flow_log=after, replaced=replaced)


def ensure_absent(module, ec2_client):
    flow_logs = find_flow_logs(ec2_client, module.params)
    before = flow_log_result(flow_logs[0]) if flow_logs else {}
    changed = bool(flow_logs)
    if not module.check_mode:
        changed = ec2.delete_flow_logs(ec2_client, [flow_log["FlowLogId"] for flow_log in flow_logs])
    exit_with(module, changed, before, {}, flow_log={}, replaced=False)


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        required_if=[("state", "present", ["log_group_name", "deliver_logs_permission_arn"])],
        supports_check_mode=True,
    )
    run_by_state(
        module,
        "ec2",
        {"present": ensure_present, "absent": ensure_absent},
        f"Failed to manage the flow log of {module.params['resource_id']}",
    )


if __name__ == "__main__":
    main()
