#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard
short_description: Manage a CloudWatch dashboard
version_added: 0.1.0
description:
  - Creates, updates or deletes one CloudWatch dashboard.
  - Neither amazon.aws nor community.aws has a dashboard module.
  - The body is compared with the one CloudWatch holds as JSON, so key order and whitespace never count as
    a change; C(PutDashboard) is called only when the body differs.
  - Check mode reads the dashboard and reports the real change without writing; C(--diff) shows the body
    before and after.
  - CloudWatch dashboards take no tags (C(PutDashboard) has no tag parameter), so this module has no
    C(tags) option.
author:
  - Payments platform team (!UNKNOWN)
options:
  name:
    description: The dashboard name (letters, digits, C(-) and C(_), at most 255 characters).
    type: str
    required: true
    aliases: [dashboard_name]
  body:
    description:
      - The dashboard body, as a dict or a JSON string (see the CloudWatch dashboard body structure).
      - Required with O(state=present).
    type: json
    aliases: [dashboard_body]
  state:
    description: Whether the dashboard should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: One graph of the payment function's errors
  payments.aws_platform.cloudwatch_dashboard:
    name: payments-dev
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: Lambda errors
            region: us-east-1
            metrics:
              - [AWS/Lambda, Errors, FunctionName, payments-dev-processor]

- name: Remove the dashboard
  payments.aws_platform.cloudwatch_dashboard:
    name: payments-dev
    state: absent
"""

RETURN = r"""
dashboard:
  description: The dashboard as CloudWatch holds it; {} when absent.
  returned: always
  type: dict
  contains:
    dashboard_name:
      description: The name.
      type: str
      sample: payments-dev
    dashboard_arn:
      description: The ARN (absent in check mode before the dashboard exists).
      type: str
      sample: arn:aws:cloudwatch::123456789012:dashboard/payments-dev
    body:
      description: The body, parsed.
      type: dict
validation_messages:
  description: CloudWatch's warnings about the body written (C(PutDashboard)'s C(DashboardValidationMessages)).
  returned: when the body was written
  type: list
  elements: dict
diff:
  description: The dashboard before and after the change (after as predicted in check mode).
  returned: when diff mode is on
  type: dict
"""


from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import cloudwatch
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state


def argument_spec():
    return dict(
        name=dict(type="str", required=True, aliases=["dashboard_name"]),
        body=dict(type="json", aliases=["dashboard_body"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def current_state(cw_client, name):
    dashboard = cloudwatch.get_dashboard(cw_client, name)
    if dashboard is None:
        return {}
    return {
        "dashboard_name": dashboard["DashboardName"],
        "dashboard_arn": dashboard.get("DashboardArn"),
        "body": cloudwatch.canonical_body(dashboard.get("DashboardBody")),
    }


def ensure_present(module, cw_client):
    name = module.params["name"]
    try:
        wanted = cloudwatch.canonical_body(module.params["body"])
    except ValueError as e:
        module.fail_json(msg=f"body is not valid JSON: {e}")
    before = current_state(cw_client, name)
    changed = not before or not cloudwatch.bodies_equal(before["body"], wanted)

    if module.check_mode or not changed:
        after = dict(before, dashboard_name=name, body=wanted)
        exit_with(module, changed, before, after, dashboard=after)

    messages = cloudwatch.put_dashboard(cw_client, name, wanted)
    after = current_state(cw_client, name)
    exit_with(module, changed, before, after, dashboard=after, validation_messages=messages)


def ensure_absent(module, cw_client):
    before = current_state(cw_client, module.params["name"])
    changed = bool(before)
    if changed and not module.check_mode:
        changed = cloudwatch.delete_dashboard(cw_client, module.params["name"])
    exit_with(module, changed, before, {}, dashboard={})


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        required_if=[("state", "present", ["body"])],
        supports_check_mode=True,
    )
    run_by_state(
        module,
        "cloudwatch",
        {"present": ensure_present, "absent": ensure_absent},
        f"Failed to manage dashboard {module.params['name']}",
    )


if __name__ == "__main__":
    main()
