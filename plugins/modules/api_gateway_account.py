#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: api_gateway_account
short_description: Set the API Gateway account settings of a region (the CloudWatch Logs role)
version_added: 0.1.0
description:
  - Sets the role API Gateway assumes to write execution and access logs to CloudWatch Logs
    (C(UpdateAccount cloudwatchRoleArn)). It is one setting per account and region, shared by every API.
  - The role must trust C(apigateway.amazonaws.com) and carry the AWS managed policy
    C(AmazonAPIGatewayPushToCloudWatchLogs) (or its equivalent).
  - Check mode reads the setting and reports the real change without writing; C(--diff) shows it before and after.
author:
  - Payments platform team (!UNKNOWN)
options:
  cloudwatch_role_arn:
    description: The IAM role ARN API Gateway uses to write to CloudWatch Logs.
    type: str
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Let API Gateway write execution and access logs
  payments.aws_platform.api_gateway_account:
    cloudwatch_role_arn: "{{ apigateway_role.iam_role.arn }}"
"""

RETURN = r"""
account:
  description: The account settings, snake_cased.
  returned: always
  type: dict
  contains:
    cloudwatch_role_arn:
      description: The CloudWatch Logs role.
      type: str
      sample: arn:aws:iam::123456789012:role/payments-apigateway-cloudwatch
    throttle_settings:
      description: The account's throttling limits.
      type: dict
diff:
  description: The account settings before and after the change.
  returned: when diff mode is on
  type: dict
"""

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import apigateway as apigw
from ansible_collections.payments.aws_platform.plugins.module_utils.base import client
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with


def argument_spec():
    return dict(cloudwatch_role_arn=dict(type="str", required=True))


def ensure(module, apigw_client):
    wanted = module.params["cloudwatch_role_arn"]
    before = camel_dict_to_snake_dict(apigw.get_account(apigw_client))
    changed = before.get("cloudwatch_role_arn") != wanted
    after = dict(before, cloudwatch_role_arn=wanted)
    if changed and not module.check_mode:
        apigw.update_account(apigw_client, [{"op": "replace", "path": "/cloudwatchRoleArn", "value": wanted}])
        after = camel_dict_to_snake_dict(apigw.get_account(apigw_client))
    exit_with(module, changed, before, after, account=after)


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    apigw_client = client(module, "apigateway")
    try:
        ensure(module, apigw_client)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg="Failed to set the API Gateway account's CloudWatch role")


if __name__ == "__main__":
    main()
