#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: aws_resource_info
short_description: Make one allow-listed read-only AWS call and return its answer
version_added: 0.1.0
description:
  - Calls one Describe/Get/List operation of an allow-list (per service) and returns AWS's answer as is
    (CamelCase keys, datetimes as ISO strings). Used by C(playbooks/verify.yml) for what no C(*_info)
    module of amazon.aws or community.aws shows, or where one fails on the local emulator (DynamoDB PITR
    and TTL, the Resource Groups Tagging API, WAFv2 C(GetWebACLForResource), REST API tags...).
  - Refuses any operation that is not a read or not in the allow-list, before any AWS call.
  - Never changes anything, so it runs the same in check mode.
author:
  - Payments platform team (!UNKNOWN)
options:
  service:
    description: The boto3 service name.
    type: str
    required: true
    choices: [apigateway, cloudwatch, dynamodb, iam, kms, lambda, logs, rds, resourcegroupstaggingapi, s3,
              secretsmanager, sns, wafv2]
  operation:
    description:
      - The boto3 operation name in snake case, e.g. C(describe_continuous_backups).
      - Must start with C(describe_), C(get_) or C(list_) and be allow-listed for the service.
    type: str
    required: true
  parameters:
    description: The operation's parameters, as boto3 takes them (CamelCase).
    type: dict
    default: {}
  paginate:
    description: Merge every page of a paginated operation into one answer.
    type: bool
    default: true
  missing_ok:
    description:
      - When AWS answers that the resource does not exist, return RV(found=false) instead of failing.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the table's point-in-time recovery status
  payments.aws_platform.aws_resource_info:
    service: dynamodb
    operation: describe_continuous_backups
    parameters:
      TableName: payments-dev-transactions
  register: pitr

- name: Find everything tagged with the stack
  payments.aws_platform.aws_resource_info:
    service: resourcegroupstaggingapi
    operation: get_resources
    parameters:
      TagFilters:
        - Key: Stack
          Values: [payments-dev]
"""

RETURN = r"""
found:
  description: False when AWS answered that the resource does not exist (and O(missing_ok=true)).
  returned: always
  type: bool
  sample: true
response:
  description: AWS's answer without C(ResponseMetadata), keys as AWS spells them; {} when not found.
  returned: always
  type: dict
  sample: {"ContinuousBackupsDescription": {"ContinuousBackupsStatus": "ENABLED"}}
"""

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import resource_info
from ansible_collections.payments.aws_platform.plugins.module_utils.base import client


def argument_spec():
    return dict(
        service=dict(type="str", required=True, choices=sorted(resource_info.READ_ONLY_OPERATIONS)),
        operation=dict(type="str", required=True),
        parameters=dict(type="dict", default={}),
        paginate=dict(type="bool", default=True),
        missing_ok=dict(type="bool", default=True),
    )


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    refused = resource_info.refusal(params["service"], params["operation"])
    if refused:
        module.fail_json(msg=refused)
    try:
        found, response = resource_info.call(
            client(module, params["service"]), params["operation"], params["parameters"], params["paginate"]
        )
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to call {params['service']}.{params['operation']}")
    if not found and not params["missing_ok"]:
        module.fail_json(msg=f"{params['service']}.{params['operation']}: no such resource ({params['parameters']})")
    module.exit_json(changed=False, found=found, response=response)


if __name__ == "__main__":
    main()
