#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: wafv2_logging_configuration
short_description: Send a WAFv2 web ACL's logs to a CloudWatch Logs group, S3 bucket or Firehose stream
version_added: 0.1.0
description:
  - Sets or removes the logging configuration of one WAFv2 web ACL (neither amazon.aws nor community.aws has a
    module for it).
  - A CloudWatch Logs destination must be a log group whose name starts with C(aws-waf-logs-).
  - Check mode reads the configuration and reports the real change without writing; C(--diff) shows it before
    and after.
author:
  - Payments platform team (!UNKNOWN)
options:
  web_acl_arn:
    description: The web ACL's ARN.
    type: str
    required: true
  log_destination_arns:
    description:
      - Where the logs go (one destination). For CloudWatch Logs, the log group ARN without a trailing C(:*).
      - Required with O(state=present).
    type: list
    elements: str
  redacted_fields:
    description:
      - Request parts kept out of the logs, in WAF's C(FieldToMatch) shape, such as
        C({SingleHeader {Name authorization}}).
    type: list
    elements: dict
    default: []
  state:
    description: Whether the web ACL logs.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Log the web ACL's decisions to CloudWatch Logs, without the callers' credentials
  payments.aws_platform.wafv2_logging_configuration:
    web_acl_arn: "{{ web_acl.arn }}"
    log_destination_arns:
      - arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-payments-prod
    redacted_fields:
      - SingleHeader:
          Name: authorization
"""

RETURN = r"""
logging_configuration:
  description: The logging configuration afterwards, as WAF returns it; {} when none.
  returned: always
  type: dict
diff:
  description: The logging configuration before and after the change.
  returned: when diff mode is on
  type: dict
"""

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import wafv2
from ansible_collections.payments.aws_platform.plugins.module_utils.base import client
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with

# What this module sets; the rest of the configuration (ManagedByFirewallManager...) is WAF's.
COMPARED_FIELDS = ("ResourceArn", "LogDestinationConfigs", "RedactedFields")


def argument_spec():
    return dict(
        web_acl_arn=dict(type="str", required=True),
        log_destination_arns=dict(type="list", elements="str"),
        redacted_fields=dict(type="list", elements="dict", default=[]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def compared(configuration):
    if not configuration:
        return {}
    shown = {field: configuration.get(field) for field in COMPARED_FIELDS}
    shown["RedactedFields"] = shown["RedactedFields"] or []
    return shown


def ensure(module, waf_client):
    params = module.params
    current = wafv2.get_logging_configuration(waf_client, params["web_acl_arn"])
    before = compared(current)
    if params["state"] == "present":
        after = {
            "ResourceArn": params["web_acl_arn"],
            "LogDestinationConfigs": params["log_destination_arns"],
            "RedactedFields": params["redacted_fields"],
        }
    else:
        after = {}
    changed = before != after
    if changed and not module.check_mode:
        if after:
            request = dict(after)
            if not request["RedactedFields"]:
                request.pop("RedactedFields")
            current = wafv2.put_logging_configuration(waf_client, request)
        else:
            wafv2.delete_logging_configuration(waf_client, params["web_acl_arn"])
            current = None
        after = compared(current)
    result = after if module.check_mode else (current or {})
    exit_with(module, changed, before, after, logging_configuration=result)


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        required_if=[("state", "present", ["log_destination_arns"])],
        supports_check_mode=True,
    )
    waf_client = client(module, "wafv2")
    try:
        ensure(module, waf_client)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to manage the logging of {module.params['web_acl_arn']}")


if __name__ == "__main__":
    main()
