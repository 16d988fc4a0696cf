#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: cloudwatch_log_group
short_description: Manage a CloudWatch Logs log group, its retention, KMS key and tags
version_added: 0.1.0
description:
  - Creates, updates or deletes one CloudWatch Logs log group.
  - Replaces M(amazon.aws.cloudwatchlogs_log_group) in this collection, which writes the retention
    policy in check mode, never changes the KMS key of an existing group, and deletes the whole log
    group when given a retention it does not know (such as 1096 days, which CloudWatch accepts).
  - Check mode reads everything and reports the real change without writing; C(--diff) shows the group
    before and after.
author:
  - Payments platform team (!UNKNOWN)
options:
  name:
    description: The log group name.
    type: str
    required: true
    aliases: [log_group_name]
  retention_days:
    description:
      - How many days CloudWatch Logs keeps events; one of the values CloudWatch accepts.
      - C(0) removes the retention policy (keep forever). Unset leaves the retention as it is.
    type: int
    choices:
      [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
  kms_key_arn:
    description:
      - The KMS key ARN that encrypts the group. An empty string removes the key (CloudWatch Logs then
        uses its own encryption). Unset leaves the key as it is.
      - The key policy must let the C(logs.<region>.amazonaws.com) service principal use the key.
    type: str
  state:
    description: Whether the log group should exist.
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
- name: Keep the function's logs for 30 days, encrypted with the stack key
  payments.aws_platform.cloudwatch_log_group:
    name: /aws/lambda/payments-staging-processor
    retention_days: 30
    kms_key_arn: "{{ rds_kms_outputs.key_arn }}"
    tags:
      Project: payments
      Environment: staging

- name: Remove a log group
  payments.aws_platform.cloudwatch_log_group:
    name: /aws/lambda/payments-staging-processor
    state: absent
"""

RETURN = r"""
log_group:
  description: The log group as CloudWatch Logs describes it, snake_cased; {} when absent.
  returned: always
  type: dict
  contains:
    log_group_name:
      description: The name.
      type: str
      sample: /aws/vpc-flow-logs/payments-dev
    arn:
      description: The ARN as DescribeLogGroups gives it (ending in C(:*)).
      type: str
    log_group_arn:
      description: The ARN without the C(:*) suffix, as IAM policies and tagging calls want it.
      type: str
    retention_in_days:
      description: The retention in days; absent when events are kept forever.
      type: int
      sample: 7
    kms_key_id:
      description: The ARN of the KMS key that encrypts the group, when there is one.
      type: str
    tags:
      description: The tags, as a dict.
      type: dict
      sample: {"Project": "payments"}
diff:
  description: The log group before and after the change (after as predicted in check mode).
  returned: when diff mode is on
  type: dict
"""


from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import logs
from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes

# The fields that say what a log group is; the rest (storedBytes, metricFilterCount...) only say how full it is.
SHOWN_FIELDS = ("logGroupName", "arn", "logGroupArn", "retentionInDays", "kmsKeyId")


def argument_spec():
    return dict(
        name=dict(type="str", required=True, aliases=["log_group_name"]),
        retention_days=dict(type="int", choices=[0] + logs.RETENTION_DAYS),
        kms_key_arn=dict(type="str", no_log=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def current_state(logs_client, name):
    group = logs.describe_log_group(logs_client, name)
    if group is None:
        return None, {}
    shown = {field: group[field] for field in SHOWN_FIELDS if field in group}
    shown["logGroupArn"] = logs.log_group_arn(group)
    view = camel_dict_to_snake_dict(shown)
    view["tags"] = logs.list_tags(logs_client, group)
    return group, view


def retention_change(view, wanted):
    """The retention to set, or None when it is right (0 and unset both mean "forever")."""
    if wanted is None or (view.get("retention_in_days") or 0) == wanted:
        return None
    return wanted


def kms_change(view, wanted):
    if wanted is None or (view.get("kms_key_id") or "") == wanted:
        return None
    return wanted


def predicted(view, name, retention, kms_key_arn, tags):
    after = dict(view) if view else {"log_group_name": name}
    if retention is not None:
        after.pop("retention_in_days", None)
        if retention:
            after["retention_in_days"] = retention
    if kms_key_arn is not None:
        after.pop("kms_key_id", None)
        if kms_key_arn:
            after["kms_key_id"] = kms_key_arn
    after["tags"] = tags
    return after


def ensure_present(module, logs_client):
    params = module.params
    group, before = current_state(logs_client, params["name"])
    tags_to_set, tags_to_remove = tag_changes(before.get("tags", {}), params["tags"], params["purge_tags"])
    tags = apply_tag_changes(before.get("tags", {}), tags_to_set, tags_to_remove)
    retention = retention_change(before, params["retention_days"])
    kms_key_arn = kms_change(before, params["kms_key_arn"])
    changed = group is None or bool(tags_to_set or tags_to_remove) or retention is not None or kms_key_arn is not None

    if module.check_mode or not changed:
        after = predicted(before, params["name"], retention, kms_key_arn, tags)
        exit_with(module, changed, before, after, log_group=after)

    if group is None:
        logs.create_log_group(logs_client, params["name"], params["kms_key_arn"], tags)
        group = current_state(logs_client, params["name"])[0]
    else:
        logs.update_tags(logs_client, group, tags_to_set, tags_to_remove)
        if kms_key_arn is not None:
            logs.set_kms_key(logs_client, params["name"], kms_key_arn)
    if retention is not None:
        logs.put_retention(logs_client, params["name"], retention)
    after = current_state(logs_client, params["name"])[1]
    exit_with(module, changed, before, after, log_group=after)


def ensure_absent(module, logs_client):
    group, before = current_state(logs_client, module.params["name"])
    changed = group is not None
    if changed and not module.check_mode:
        changed = logs.delete_log_group(logs_client, module.params["name"])
    exit_with(module, changed, before, {}, log_group={})


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_by_state(
        module,
        "logs",
        {"present": ensure_present, "absent": ensure_absent},
        f"Failed to manage log group {module.params['name']}",
    )


if __name__ == "__main__":
    main()
