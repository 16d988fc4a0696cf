#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: lambda_reserved_concurrency
short_description: Manage the reserved concurrency of one Lambda function, within the account's headroom
version_added: 0.1.0
description:
  - Sets (C(PutFunctionConcurrency)) or removes (C(DeleteFunctionConcurrency)) the reserved concurrency
    of one function. M(amazon.aws.lambda) does not manage it.
  - Before raising a reservation it reads C(GetAccountSettings) and fails, naming the account's limit and
    its current unreserved total, when the request would leave fewer than O(min_unreserved) unreserved
    concurrent executions (AWS refuses that with a terse error).
  - When the endpoint does not offer C(GetAccountSettings) (the local emulator answers HTTP 404), the
    headroom is unknown, so the module warns and goes on. On AWS the check applies.
  - Check mode reads everything (and still fails on missing headroom) without writing; C(--diff) shows
    the reservation before and after.
author:
  - Payments platform team (!UNKNOWN)
options:
  name:
    description: The function name or ARN.
    type: str
    required: true
    aliases: [function_name]
  reserved_concurrent_executions:
    description:
      - How many concurrent executions to reserve for the function; V(0) stops it from running at all.
      - Required when O(state=present).
    type: int
  min_unreserved:
    description: The fewest unreserved concurrent executions the account must keep (AWS requires 100).
    type: int
    default: 100
  state:
    description: V(present) sets the reservation, V(absent) removes it (the function then shares the unreserved pool).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Reserve 50 concurrent executions for the processor
  payments.aws_platform.lambda_reserved_concurrency:
    name: payments-staging-processor
    reserved_concurrent_executions: 50

- name: Return the processor to the unreserved pool
  payments.aws_platform.lambda_reserved_concurrency:
    name: payments-staging-processor
    state: absent
"""

RETURN = r"""
reserved_concurrent_executions:
  description: The function's reservation after the change (as predicted in check mode); null when it has none.
  returned: always
  type: int
  sample: 50
account_limit:
  description:
    - The account's C(AccountLimit) from C(GetAccountSettings), snake_cased; null when the endpoint does not
      offer the call, or when no reservation was raised.
  returned: always
  type: dict
  contains:
    concurrent_executions:
      description: The account's concurrency limit in the region.
      type: int
      sample: 1000
    unreserved_concurrent_executions:
      description: The executions not reserved by any function, before this change.
      type: int
      sample: 900
diff:
  description: The reservation before and after the change.
  returned: when diff mode is on
  type: dict
"""

try:
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import awslambda
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state


def argument_spec():
    return dict(
        name=dict(type="str", required=True, aliases=["function_name"]),
        reserved_concurrent_executions=dict(type="int"),
        min_unreserved=dict(type="int", default=awslambda.MIN_UNRESERVED_CONCURRENCY),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def view(value):
    return {"reserved_concurrent_executions": value}


def check_headroom(module, lambda_client, current, wanted):
    """The account limit (snake_cased) once checked there is room for ``wanted``; None when unknown."""
    limit = awslambda.get_account_settings(lambda_client)
    if limit is None:
        # The local emulator answers GetAccountSettings with HTTP 404: the headroom is unknown there.
        # On AWS the call always exists and the check below applies.
        module.warn(
            "GetAccountSettings is not available on this endpoint: cannot check that reserving "
            f"{wanted} concurrent executions for {module.params['name']} leaves the account "
            f"{module.params['min_unreserved']} unreserved"
        )
        return None
    left = awslambda.unreserved_after(limit, current, wanted)
    if left < module.params["min_unreserved"]:
        module.fail_json(
            msg=(
                f"reserved_concurrent_executions={wanted} for {module.params['name']} would leave {left} unreserved "
                f"concurrent executions, fewer than the {module.params['min_unreserved']} the account must keep: "
                f"the account's limit is {limit.get('ConcurrentExecutions')} and "
                f"{limit.get('UnreservedConcurrentExecutions')} are unreserved now"
                f"{f' (this function reserves {current} of the rest)' if current else ''}"
            ),
            account_limit=camel_dict_to_snake_dict(limit),
        )
    return camel_dict_to_snake_dict(limit)


def current_reservation(module, lambda_client):
    """The function's reservation; in check mode a function not created yet (a plan on an empty
    account) has none."""
    try:
        return awslambda.get_function_concurrency(lambda_client, module.params["name"])
    except ClientError as e:
        if e.response["Error"]["Code"] == "ResourceNotFoundException" and module.check_mode:
            return None
        raise


def ensure_present(module, lambda_client):
    name = module.params["name"]
    wanted = module.params["reserved_concurrent_executions"]
    current = current_reservation(module, lambda_client)
    changed = current != wanted
    limit = None
    # Only a larger reservation can take the account below its minimum.
    if changed and wanted > (current or 0):
        limit = check_headroom(module, lambda_client, current, wanted)
    if changed and not module.check_mode:
        awslambda.put_function_concurrency(lambda_client, name, wanted)
    exit_with(module, changed, view(current), view(wanted), reserved_concurrent_executions=wanted, account_limit=limit)


def ensure_absent(module, lambda_client):
    name = module.params["name"]
    try:
        current = awslambda.get_function_concurrency(lambda_client, name)
    except ClientError as e:
        # No function, no reservation.
        if e.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        current = None
    changed = current is not None
    if changed and not module.check_mode:
        awslambda.delete_function_concurrency(lambda_client, name)
    exit_with(module, changed, view(current), view(None), reserved_concurrent_executions=None, account_limit=None)


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        required_if=[("state", "present", ["reserved_concurrent_executions"])],
        supports_check_mode=True,
    )
    wanted = module.params["reserved_concurrent_executions"]
    if wanted is not None and wanted < 0:
        module.fail_json(msg=f"reserved_concurrent_executions must be 0 or more (got {wanted})")
    run_by_state(
        module,
        "lambda",
        {"present": ensure_present, "absent": ensure_absent},
        f"Failed to manage the reserved concurrency of {module.params['name']}",
    )


if __name__ == "__main__":
    main()
