#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: cloudwatch_metric_alarm
short_description: Manage a CloudWatch metric alarm, including metric math alarms and tags
version_added: 0.1.0
description:
  - Creates, updates or deletes one CloudWatch metric alarm on a single metric (with a statistic or an
    extended statistic such as C(p99)) or on a metric math expression.
  - Replaces M(amazon.aws.cloudwatch_metric_alarm) in this collection, which cannot tag an alarm, reports
    a change on every run of a metric math alarm, and compares dimensions and actions in AWS's order.
  - The alarm's configuration is compared with the one CloudWatch holds field by field (actions and
    dimensions in any order, AWS's implicit defaults made explicit); C(PutMetricAlarm) is called only when
    it differs. Tags are set at creation and later changed with C(TagResource) / C(UntagResource) (AWS
    ignores the tags of C(PutMetricAlarm) on an existing alarm).
  - Check mode reads everything and reports the real change without writing; C(--diff) shows the alarm
    before and after.
author:
  - Payments platform team (!UNKNOWN)
options:
  name:
    description: The alarm name.
    type: str
    required: true
    aliases: [alarm_name]
  description:
    description: The alarm description (at most 1024 characters).
    type: str
    default: ""
  namespace:
    description: The metric's namespace (single-metric alarm), for example C(AWS/Lambda).
    type: str
  metric_name:
    description: The metric's name (single-metric alarm).
    type: str
  statistic:
    description: The statistic of a single-metric alarm; mutually exclusive with O(extended_statistic).
    type: str
    choices: [SampleCount, Average, Sum, Minimum, Maximum]
  extended_statistic:
    description: A percentile such as C(p99) (or another extended statistic) of a single-metric alarm.
    type: str
  dimensions:
    description: The metric's dimensions, name to value (single-metric alarm).
    type: dict
    default: {}
  period:
    description: Seconds over which the statistic is applied (single-metric alarm); 10, 30 or a multiple of 60.
    type: int
  unit:
    description: The metric's unit (single-metric alarm); unset matches any unit.
    type: str
  metrics:
    description:
      - A metric math alarm's queries, instead of O(namespace)/O(metric_name). Exactly one of them
        returns data (O(metrics[].return_data=true)), the expression the alarm watches.
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description: The query id (lower-case first letter), referred to by expressions.
        type: str
        required: true
      expression:
        description: A metric math expression, for example C(SUM(METRICS\(\))).
        type: str
      label:
        description: A label for the query.
        type: str
      return_data:
        description: Whether this query is the one the alarm watches.
        type: bool
        default: false
      namespace:
        description: The metric's namespace (a metric query).
        type: str
      metric_name:
        description: The metric's name (a metric query).
        type: str
      dimensions:
        description: The metric's dimensions, name to value (a metric query).
        type: dict
        default: {}
      stat:
        description: The statistic of a metric query (C(Sum), C(Average), C(p99)...).
        type: str
      period:
        description: The period of a metric query, in seconds.
        type: int
      unit:
        description: The unit of a metric query.
        type: str
  comparison_operator:
    description: How the statistic is compared with O(threshold).
    type: str
    choices:
      - GreaterThanOrEqualToThreshold
      - GreaterThanThreshold
      - LessThanThreshold
      - LessThanOrEqualToThreshold
    aliases: [comparison]
  threshold:
    description: The value the statistic is compared with.
    type: float
  evaluation_periods:
    description: How many recent periods are evaluated (1 or more).
    type: int
  datapoints_to_alarm:
    description: How many of those periods must breach to alarm; unset means all of them.
    type: int
  treat_missing_data:
    description: How a period without data counts.
    type: str
    choices: [breaching, notBreaching, ignore, missing]
    default: missing
  actions_enabled:
    description: Whether the alarm's actions run.
    type: bool
    default: true
  alarm_actions:
    description: ARNs notified when the alarm goes to ALARM.
    type: list
    elements: str
    default: []
  ok_actions:
    description: ARNs notified when the alarm goes back to OK.
    type: list
    elements: str
    default: []
  insufficient_data_actions:
    description: ARNs notified when the alarm goes to INSUFFICIENT_DATA.
    type: list
    elements: str
    default: []
  state:
    description: Whether the alarm should exist.
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
- name: Alarm when the function's p99 duration nears its 30 s timeout
  payments.aws_platform.cloudwatch_metric_alarm:
    name: payments-dev-lambda-duration-p99
    description: Lambda Duration p99 >= 24000 ms over 3 x 300 s (dev)
    namespace: AWS/Lambda
    metric_name: Duration
    extended_statistic: p99
    dimensions:
      FunctionName: payments-dev-processor
    period: 300
    evaluation_periods: 3
    comparison_operator: GreaterThanOrEqualToThreshold
    threshold: 24000
    treat_missing_data: notBreaching
    alarm_actions: [arn:aws:sns:us-east-1:123456789012:payments-dev-alarms]
    ok_actions: [arn:aws:sns:us-east-1:123456789012:payments-dev-alarms]
    tags:
      Project: payments

- name: Alarm on the sum of a metric over several dimension values (metric math)
  payments.aws_platform.cloudwatch_metric_alarm:
    name: payments-dev-dynamodb-system-errors
    metrics:
      - id: m1
        namespace: AWS/DynamoDB
        metric_name: SystemErrors
        dimensions: {TableName: payments-dev-transactions, Operation: PutItem}
        stat: Sum
        period: 300
      - id: m2
        namespace: AWS/DynamoDB
        metric_name: SystemErrors
        dimensions: {TableName: payments-dev-transactions, Operation: GetItem}
        stat: Sum
        period: 300
      - id: total
        expression: SUM(METRICS())
        label: SystemErrors, all operations
        return_data: true
    evaluation_periods: 1
    comparison_operator: GreaterThanOrEqualToThreshold
    threshold: 1
    treat_missing_data: notBreaching

- name: Remove an alarm
  payments.aws_platform.cloudwatch_metric_alarm:
    name: payments-dev-lambda-duration-p99
    state: absent
"""

RETURN = r"""
alarm:
  description: The alarm's configuration as CloudWatch holds it, snake_cased, with its tags; {} when absent.
  returned: always
  type: dict
  contains:
    alarm_name:
      description: The name.
      type: str
    alarm_arn:
      description: The ARN (absent in check mode before the alarm exists).
      type: str
    metric_name:
      description: The metric (single-metric alarms).
      type: str
    extended_statistic:
      description: The percentile, when the alarm uses one.
      type: str
    threshold:
      description: The threshold.
      type: float
    alarm_actions:
      description: ARNs notified on ALARM.
      type: list
      elements: str
    ok_actions:
      description: ARNs notified on OK.
      type: list
      elements: str
    metrics:
      description: The metric math queries (metric math alarms).
      type: list
      elements: dict
    tags:
      description: The tags, as a dict.
      type: dict
diff:
  description: The alarm before and after the change (after as predicted in check mode).
  returned: when diff mode is on
  type: dict
"""


from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import cloudwatch
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state


def argument_spec():
    return dict(
        cloudwatch.alarm_argument_spec(),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def check_params(module):
    """What the argument spec cannot say (see cloudwatch.alarm_params_error)."""
    if module.params["state"] != "present":
        return
    error = cloudwatch.alarm_params_error(module.params)
    if error:
        module.fail_json(msg=error)


def current_state(cw_client, name):
    alarm = cloudwatch.describe_alarm(cw_client, name)
    if alarm is None:
        return None, {}
    return alarm, cloudwatch.view_of(alarm, alarm["AlarmArn"], cloudwatch.list_tags(cw_client, alarm["AlarmArn"]))


def ensure_present(module, cw_client):
    params = module.params
    check_params(module)
    wanted = cloudwatch.desired_config(params)
    alarm, before = current_state(cw_client, params["name"])
    plan = cloudwatch.plan_alarm(alarm, before.get("tags", {}), wanted, params["tags"], params["purge_tags"])

    if module.check_mode or not plan.changed:
        after = cloudwatch.view_of(wanted, before.get("alarm_arn"), plan.tags)
        exit_with(module, plan.changed, before, after, alarm=after)

    cloudwatch.apply_plan(cw_client, plan)
    after = current_state(cw_client, params["name"])[1]
    exit_with(module, plan.changed, before, after, alarm=after)


def ensure_absent(module, cw_client):
    alarm, before = current_state(cw_client, module.params["name"])
    changed = alarm is not None
    if changed and not module.check_mode:
        cloudwatch.delete_alarm(cw_client, module.params["name"])
    exit_with(module, changed, before, {}, alarm={})


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        mutually_exclusive=cloudwatch.ALARM_MUTUALLY_EXCLUSIVE,
        supports_check_mode=True,
    )
    run_by_state(
        module,
        "cloudwatch",
        {"present": ensure_present, "absent": ensure_absent},
        f"Failed to manage alarm {module.params['name']}",
    )


if __name__ == "__main__":
    main()
