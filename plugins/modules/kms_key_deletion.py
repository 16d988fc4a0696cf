#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: kms_key_deletion
short_description: Schedule the deletion of a customer-managed KMS key and remove its aliases
version_added: 0.1.0
description:
  - Schedules the deletion of one customer-managed KMS key after a waiting period of 7 to 30 days, and
    deletes its aliases, so that a later stack with the same name gets a new key.
  - A key already pending deletion, or no key at all, is not a change.
  - Replaces the C(state=absent) of M(amazon.aws.kms_key) in this collection, which calls
    C(ScheduleKeyDeletion) with the key ARN (the local emulator answers that with HTTP 500; this module
    passes the key id, which AWS and the emulator both accept).
  - Check mode reads everything and reports the real change without writing.
author:
  - Payments platform team (!UNKNOWN)
options:
  key:
    description: The key's id, ARN or alias (C(alias/...)).
    type: str
    required: true
    aliases: [key_id, alias]
  pending_window_days:
    description: Days before KMS deletes the key, 7 to 30. The key can be recovered until then.
    type: int
    required: true
  delete_aliases:
    description: Whether to delete the key's aliases as well.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Schedule the stack key's deletion in 30 days
  payments.aws_platform.kms_key_deletion:
    key: alias/payments-prod-data
    pending_window_days: 30
"""

RETURN = r"""
key:
  description: The key's metadata after the call, snake_cased; {} when there is no such key.
  returned: always
  type: dict
  contains:
    key_id:
      description: The key id.
      type: str
    arn:
      description: The key ARN.
      type: str
    key_state:
      description: C(PendingDeletion) once scheduled (in check mode, the state now).
      type: str
    deletion_date:
      description: When KMS deletes the key.
      type: str
deleted_aliases:
  description: The aliases deleted (in check mode, that would be).
  returned: always
  type: list
  elements: str
"""

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import kms
from ansible_collections.payments.aws_platform.plugins.module_utils.base import client
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with


def argument_spec():
    return dict(
        key=dict(type="str", required=True, aliases=["key_id", "alias"], no_log=False),
        pending_window_days=dict(type="int", required=True),
        delete_aliases=dict(type="bool", default=True),
    )


def key_result(metadata):
    if not metadata:
        return {}
    return camel_dict_to_snake_dict(
        {name: str(value) if name.endswith("Date") else value for name, value in metadata.items()}
    )


def ensure_deleted(module, kms_client):
    params = module.params
    metadata = kms.describe_key(kms_client, params["key"])
    if metadata is None:
        exit_with(module, False, {}, {}, key={}, deleted_aliases=[])
    if metadata.get("KeyManager") != "CUSTOMER":
        module.fail_json(msg=f"{params['key']} is an AWS managed key: only customer-managed keys can be deleted")
    key_id = metadata["KeyId"]
    aliases = kms.list_aliases(kms_client, key_id) if params["delete_aliases"] else []
    schedule = metadata.get("KeyState") not in ("PendingDeletion", "PendingReplicaDeletion")
    changed = schedule or bool(aliases)
    before = {"key_state": metadata.get("KeyState"), "aliases": aliases}
    after = {"key_state": "PendingDeletion" if schedule else metadata.get("KeyState"), "aliases": []}
    if module.check_mode or not changed:
        exit_with(module, changed, before, after, key=key_result(metadata), deleted_aliases=aliases)
    for alias_name in aliases:
        kms.delete_alias(kms_client, alias_name)
    if schedule:
        kms.schedule_key_deletion(kms_client, key_id, params["pending_window_days"])
    exit_with(
        module, True, before, after, key=key_result(kms.describe_key(kms_client, key_id)), deleted_aliases=aliases
    )


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    if not 7 <= module.params["pending_window_days"] <= 30:
        module.fail_json(msg=f"pending_window_days must be 7 to 30 (got {module.params['pending_window_days']})")
    kms_client = client(module, "kms")
    try:
        ensure_deleted(module, kms_client)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to schedule the deletion of KMS key {module.params['key']}")


if __name__ == "__main__":
    main()
