#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: cloudwatch_metric_alarms
short_description: Manage a set of CloudWatch metric alarms in one call
version_added: 0.1.0
description:
  - Creates, updates or deletes several CloudWatch metric alarms in one module run, each on a single metric
    (with a statistic or an extended statistic such as C(p99)) or on a metric math expression.
  - Each item of O(alarms) takes the options of M(payments.aws_platform.cloudwatch_metric_alarm) and is
    compared with CloudWatch the same way (actions and dimensions in any order, AWS's implicit defaults made
    explicit); the tags are common to every alarm.
  - One C(DescribeAlarms) call reads every alarm (per 100 names), C(ListTagsForResource) only the alarms that
    exist; C(PutMetricAlarm) is called only for the alarms that differ (a new alarm gets its tags with it) and
    C(TagResource) / C(UntagResource) only when an existing alarm's tags differ. O(state=absent) deletes the
    alarms that exist with one C(DeleteAlarms) call per 100 names.
  - Check mode reads everything and reports the real change without writing; C(--diff) shows the alarms
    before and after, by name.
author:
  - Payments platform team (!UNKNOWN)
options:
  alarms:
    description:
      - The alarms, each with the options of M(payments.aws_platform.cloudwatch_metric_alarm) but its tags
        and state. Names must be unique.
      - With O(state=absent) only O(alarms[].name) counts.
    type: list
    elements: dict
    required: true
    suboptions:
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
        description: The statistic of a single-metric alarm; mutually exclusive with O(alarms[].extended_statistic).
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
          - A metric math alarm's queries, instead of O(alarms[].namespace)/O(alarms[].metric_name). Exactly one
            of them returns data (O(alarms[].metrics[].return_data=true)), the expression the alarm watches.
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
        description: How the statistic is compared with O(alarms[].threshold).
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
    description: Whether the alarms should exist.
    type: str
    choices: [present, absent]
    default: present
notes:
  - O(tags) and O(purge_tags) apply to every alarm of O(alarms).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Alarm on a Lambda function's errors and p99 duration, in one call
  payments.aws_platform.cloudwatch_metric_alarms:
    alarms:
      - name: payments-dev-lambda-errors
        description: Lambda Errors >= 10 over 3 x 300 s (dev)
        namespace: AWS/Lambda
        metric_name: Errors
        statistic: Sum
        dimensions:
          FunctionName: payments-dev-processor
        period: 300
        evaluation_periods: 3
        comparison_operator: GreaterThanOrEqualToThreshold
        threshold: 10
        treat_missing_data: notBreaching
        alarm_actions: [arn:aws:sns:us-east-1:123456789012:payments-dev-alarms]
      - name: payments-dev-lambda-duration-p99
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
    tags:
      Project: payments
  register: alarms

- name: Remove the alarms
  payments.aws_platform.cloudwatch_metric_alarms:
    alarms:
      - name: payments-dev-lambda-errors
      - name: payments-dev-lambda-duration-p99
    state: absent
"""

RETURN = r"""
alarms:
  description: One item per alarm of O(alarms), in the same order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The alarm's name.
      type: str
      sample: payments-dev-lambda-errors
    arn:
      description:
        - The alarm's ARN; null for an alarm that does not exist (in check mode, before it is made).
        - With O(state=absent), the ARN the alarm had; null when it was already gone.
      type: str
      sample: arn:aws:cloudwatch:us-east-1:123456789012:alarm:payments-dev-lambda-errors
    changed:
      description: Whether this alarm was (or, in check mode, would be) created, updated, retagged or deleted.
      type: bool
diff:
  description:
    - The alarms before and after the change, each a dict of alarm name to the alarm's configuration as
      CloudWatch holds it (snake_cased, with its tags); after as predicted in check mode.
    - With O(state=absent), the tags before are read only in diff mode.
  returned: when diff mode is on
  type: dict
"""


from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import cloudwatch
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state


def argument_spec():
    return dict(
        alarms=dict(
            type="list",
            elements="dict",
            required=True,
            options=cloudwatch.alarm_argument_spec(),
            mutually_exclusive=cloudwatch.ALARM_MUTUALLY_EXCLUSIVE,
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def alarm_names(module):
    """The alarms' names, in order; unique, or the module fails."""
    names = [spec["name"] for spec in module.params["alarms"]]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        module.fail_json(msg=f"alarms: each name may appear once (repeated: {', '.join(duplicates)})")
    return names


def wanted_configs(module):
    """``{name: PutMetricAlarm request}`` of every alarm, each checked as cloudwatch_metric_alarm checks one."""
    alarm_names(module)
    wanted = {}
    for spec in module.params["alarms"]:
        error = cloudwatch.alarm_params_error(spec)
        if error:
            module.fail_json(msg=f"alarms[{spec['name']}]: {error}")
        wanted[spec["name"]] = cloudwatch.desired_config(spec)
    return wanted


def read_alarms(cw_client, names, with_tags=True):
    """``({name: alarm}, {name: view})`` of the alarms among ``names`` that exist: one DescribeAlarms,
    then one ListTagsForResource per existing alarm (none when ``with_tags`` is false)."""
    current = cloudwatch.describe_alarms(cw_client, names)
    views = {}
    for name, alarm in current.items():
        tags = cloudwatch.list_tags(cw_client, alarm["AlarmArn"]) if with_tags else {}
        views[name] = cloudwatch.view_of(alarm, alarm["AlarmArn"], tags)
    return current, views


def plan_alarms(module, wanted, current, before):
    """``{name: cloudwatch.AlarmPlan}``, in the order of ``wanted``."""
    tags, purge_tags = module.params["tags"], module.params["purge_tags"]
    return {
        name: cloudwatch.plan_alarm(current.get(name), before.get(name, {}).get("tags", {}), config, tags, purge_tags)
        for name, config in wanted.items()
    }


def predicted_view(plan, before):
    """One alarm as it will be once ``plan`` is applied (check mode, or nothing to do)."""
    if not plan.changed:
        return before
    arn = plan.alarm["AlarmArn"] if plan.alarm else None
    return cloudwatch.view_of(plan.wanted, arn, plan.tags)


def converge(cw_client, plans, before):
    """Write what ``plans`` need; the alarms afterwards, those written read back with one DescribeAlarms
    (their tags are the plan's: new alarms got them with PutMetricAlarm, the others with Tag/UntagResource)."""
    written = [name for name, plan in plans.items() if plan.changed]
    for name in written:
        cloudwatch.apply_plan(cw_client, plans[name])
    read_back = cloudwatch.describe_alarms(cw_client, written)
    after = dict(before)
    for name in written:
        after[name] = cloudwatch.view_of(read_back[name], read_back[name]["AlarmArn"], plans[name].tags)
    return after


def results(names, arns, changed_names):
    """The per-alarm return value, in the order of ``names``."""
    return [{"name": name, "arn": arns.get(name), "changed": name in changed_names} for name in names]


def ensure_present(module, cw_client):
    wanted = wanted_configs(module)
    current, before = read_alarms(cw_client, list(wanted))
    plans = plan_alarms(module, wanted, current, before)
    changed_names = {name for name, plan in plans.items() if plan.changed}

    if module.check_mode or not changed_names:
        after = {name: predicted_view(plan, before.get(name)) for name, plan in plans.items()}
    else:
        after = converge(cw_client, plans, before)
    arns = {name: view.get("alarm_arn") for name, view in after.items()}
    exit_with(module, bool(changed_names), before, after, alarms=results(list(wanted), arns, changed_names))


def ensure_absent(module, cw_client):
    names = alarm_names(module)
    # The tags only show in the diff: without --diff, a delete reads nothing but DescribeAlarms.
    current, before = read_alarms(cw_client, names, with_tags=module._diff)
    existing = [name for name in names if name in current]
    if existing and not module.check_mode:
        cloudwatch.delete_alarms(cw_client, existing)
    arns = {name: alarm["AlarmArn"] for name, alarm in current.items()}
    exit_with(module, bool(existing), before, {}, alarms=results(names, arns, set(existing)))


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_by_state(
        module,
        "cloudwatch",
        {"present": ensure_present, "absent": ensure_absent},
        "Failed to manage the alarms",
    )


if __name__ == "__main__":
    main()
