#!/usr/bin/python

# Copyright: Payments platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
module: kms_aliased_key
short_description: Manage one symmetric customer-managed KMS key, found by its alias
version_added: 0.1.0
description:
  - Creates or updates one symmetric encryption KMS key identified by its alias (O(alias)), with its key policy,
    description, automatic rotation, enabled state and tags.
  - A rerun of an unchanged key makes four calls (C(DescribeKey) by alias, C(GetKeyPolicy),
    C(GetKeyRotationStatus), C(ListResourceTags)); M(amazon.aws.kms_key), with the lookup by alias before it,
    makes about twenty.
  - C(CreateKey) takes no client token, and the alias can only be made once the key exists, so a run
    interrupted in between leaves a key without the alias. A key is created with its tags; with O(adopt_tags), a
    run that finds no key by alias looks for keys carrying those tags, without any alias and not scheduled for
    deletion, and adopts the oldest (gives it the alias) instead of making a second key.
  - A key found by alias but scheduled for deletion has its deletion cancelled and is enabled again, as
    M(amazon.aws.kms_key) does; a key found by alias that is not a symmetric customer-managed encryption key
    fails the module before any write.
  - Only creates and updates; schedule a key's deletion with M(payments.aws_platform.kms_key_deletion).
  - Check mode reads everything and reports the real change without writing; C(--diff) shows the key before
    and after.
options:
  alias:
    description: The key's alias, with or without the C(alias/) prefix.
    required: true
    type: str
  description:
    description: The key's description.
    type: str
    default: ""
  policy:
    description:
      - The key policy (a dict or a JSON string). Compared with the key's as a document (key order, and a
        single item against a one-item list, do not count).
      - When not set, a new key gets KMS's default policy and an existing key's policy is left alone.
    type: json
  enabled:
    description: Whether the key is enabled.
    type: bool
    default: true
  enable_key_rotation:
    description: Whether KMS rotates the key material automatically.
    type: bool
    default: true
  rotation_period_days:
    description:
      - Days between automatic rotations (90 to 2560); when not set, KMS's (365 days for a new key) is kept.
      - Compared only where KMS reports a period.
    type: int
  adopt_tags:
    description:
      - Tags that mark a key made by an interrupted run. When no key has O(alias), the oldest key with all these
        tags, no alias and not scheduled for deletion is adopted (aliased and converged) instead of creating one.
    type: dict
  state:
    description: Only V(present) (create and update) is supported.
    type: str
    choices: [present]
    default: present
notes:
  - The key is always C(SYMMETRIC_DEFAULT) for C(ENCRYPT_DECRYPT) in one region.
author:
  - Payments platform team (!UNKNOWN)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The stack's data key
  payments.aws_platform.kms_aliased_key:
    alias: alias/payments-dev-data
    description: payments-dev data key
    policy: "{{ lookup('ansible.builtin.template', 'key_policy.json.j2') | from_json }}"
    enable_key_rotation: true
    tags:
      Stack: payments-dev
      payments:role: data
    adopt_tags:
      Stack: payments-dev
      payments:role: data
  register: key

- name: Its ARN
  ansible.builtin.debug:
    msg: "{{ key.key_arn }}"
"""

RETURN = r"""
key_id:
  description: The key's ID; missing when the key does not exist yet (check mode).
  returned: when the key exists
  type: str
  sample: 1234abcd-12ab-34cd-56ef-1234567890ab
key_arn:
  description: The key's ARN; missing when the key does not exist yet (check mode).
  returned: when the key exists
  type: str
  sample: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
adopted:
  description: Whether a key without alias, found by O(adopt_tags), was (or, in check mode, would be) adopted.
  returned: always
  type: bool
key:
  description: The key after the change (as predicted in check mode).
  returned: always
  type: dict
  contains:
    key_id:
      description: The key's ID (null for a key not made yet).
      type: str
    key_arn:
      description: The key's ARN (null for a key not made yet).
      type: str
    alias:
      description: The key's alias.
      type: str
      sample: alias/payments-dev-data
    description:
      description: The key's description.
      type: str
    enabled:
      description: Whether the key is enabled.
      type: bool
    key_state:
      description: The key's state.
      type: str
      sample: Enabled
    enable_key_rotation:
      description: Whether automatic rotation is on.
      type: bool
    rotation_period_days:
      description: Days between automatic rotations, where KMS reports it.
      type: int
    policy:
      description: The key policy, as a dict.
      type: dict
    tags:
      description: The key's tags.
      type: dict
diff:
  description: The key before ({} when it does not exist) and after.
  returned: when diff mode is on
  type: dict
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import kms
from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import client
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import load_policy
from ansible_collections.payments.aws_platform.plugins.module_utils.base import policies_equal
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes

DELETION_STATES = ("PendingDeletion", "PendingReplicaDeletion")


def argument_spec():
    return dict(
        alias=dict(type="str", required=True),
        description=dict(type="str", default=""),
        policy=dict(type="json"),
        enabled=dict(type="bool", default=True),
        enable_key_rotation=dict(type="bool", default=True),
        rotation_period_days=dict(type="int"),
        adopt_tags=dict(type="dict"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present"]),
    )


def alias_name(module):
    alias = module.params["alias"]
    return alias if alias.startswith("alias/") else f"alias/{alias}"


def check_params(module):
    """Refusals that need no AWS call."""
    name = alias_name(module)
    if name.startswith("alias/aws/") or name == "alias/":
        module.fail_json(msg=f"alias: {name} is not allowed (alias/aws/ is reserved for AWS managed keys)")
    period = module.params["rotation_period_days"]
    if period is not None and not 90 <= period <= 2560:
        module.fail_json(msg=f"rotation_period_days must be 90 to 2560 (got {period})")
    if period is not None and not module.params["enable_key_rotation"]:
        module.fail_json(msg="rotation_period_days needs enable_key_rotation: true")


def wanted_policy(module):
    return load_policy(module.params["policy"])


def refuse_unmanageable(module, metadata):
    problems = []
    # The emulator leaves KeySpec and KeyUsage out for a key created without them; AWS always reports them,
    # and those are CreateKey's defaults.
    key_spec = metadata.get("KeySpec", "SYMMETRIC_DEFAULT")
    key_usage = metadata.get("KeyUsage", "ENCRYPT_DECRYPT")
    if metadata.get("KeyManager", "CUSTOMER") != "CUSTOMER":
        problems.append("an AWS managed key")
    if key_spec != "SYMMETRIC_DEFAULT":
        problems.append(f"key spec {key_spec}")
    if key_usage != "ENCRYPT_DECRYPT":
        problems.append(f"key usage {key_usage}")
    if problems:
        module.fail_json(
            msg=f"alias: {alias_name(module)} names {metadata['KeyId']}, which is {', '.join(problems)}: "
            "this module manages symmetric customer-managed encryption keys only"
        )


def key_to_adopt(kms_client, tagging_client, adopt_tags):
    """The oldest key with ``adopt_tags``, no alias and not scheduled for deletion (its metadata), or None."""
    tag_filters = [{"Key": key, "Values": [value]} for key, value in adopt_tags.items()]
    mappings = kms.tagged_keys(tagging_client, tag_filters)
    candidates = []
    for arn in mappings:
        metadata = kms.describe_key(kms_client, arn.split("/")[-1])
        if metadata is None or metadata.get("KeyState") in DELETION_STATES or metadata.get("KeyManager") != "CUSTOMER":
            continue
        if not kms.list_aliases(kms_client, metadata["KeyId"]):
            candidates.append(metadata)
    return min(candidates, key=lambda metadata: metadata["CreationDate"], default=None)


def current_state(kms_client, metadata):
    """The key as the module compares it: metadata plus policy, rotation and tags (three reads)."""
    key_id = metadata["KeyId"]
    rotation = kms.key_rotation_status(kms_client, key_id)
    return {
        "key_id": key_id,
        "key_arn": metadata["Arn"],
        "description": metadata.get("Description", ""),
        "enabled": metadata.get("KeyState") == "Enabled",
        "key_state": metadata.get("KeyState"),
        "enable_key_rotation": bool(rotation.get("KeyRotationEnabled")),
        "rotation_period_days": rotation.get("RotationPeriodInDays"),
        "policy": json.loads(kms.key_policy(kms_client, key_id)),
        "tags": kms.key_tags(kms_client, key_id),
    }


def planned_state(module, current, alias):
    """The key once converged; ``current`` is None for a key to create."""
    params = module.params
    if current is None:
        tags = params["tags"] or {}
        return {
            "key_id": None,
            "key_arn": None,
            "alias": alias,
            "description": params["description"],
            "enabled": params["enabled"],
            "key_state": "Enabled" if params["enabled"] else "Disabled",
            "enable_key_rotation": params["enable_key_rotation"],
            "rotation_period_days": params["rotation_period_days"],
            "policy": wanted_policy(module),
            "tags": tags,
        }
    tags_to_set, tags_to_remove = tag_changes(current["tags"], params["tags"], params["purge_tags"])
    after = dict(current, alias=alias, description=params["description"], enabled=params["enabled"])
    after["key_state"] = "Enabled" if params["enabled"] else "Disabled"
    after["enable_key_rotation"] = params["enable_key_rotation"]
    # The emulator (and KMS before rotation periods) reports no period: compared only when reported.
    if params["rotation_period_days"] is not None and current["rotation_period_days"] is not None:
        after["rotation_period_days"] = params["rotation_period_days"]
    if params["policy"] is not None:
        after["policy"] = wanted_policy(module)
    after["tags"] = apply_tag_changes(current["tags"], tags_to_set, tags_to_remove)
    return after


def differs(before, after):
    if before is None:
        return True
    plain = ("alias", "description", "key_state", "enable_key_rotation", "rotation_period_days", "tags")
    return any(before.get(name) != after.get(name) for name in plain) or not policies_equal(
        before["policy"], after["policy"]
    )


def create_key(module, kms_client):
    request = {
        "Description": module.params["description"],
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "MultiRegion": False,
    }
    if module.params["policy"] is not None:
        request["Policy"] = json.dumps(wanted_policy(module))
    if module.params["tags"]:
        request["Tags"] = kms.tag_list(module.params["tags"])
    return kms.create_key(kms_client, request)


def apply_changes(module, kms_client, key_id, before, after, alias):
    """The writes that take ``before`` (the key as read, or as just created) to ``after``."""
    if before.get("key_state") in DELETION_STATES:
        kms.cancel_key_deletion(kms_client, key_id)  # leaves the key Disabled
        before = dict(before, key_state="Disabled")
    if before.get("alias") != alias:
        kms.create_alias(kms_client, alias, key_id)
    if before["description"] != after["description"]:
        kms.update_description(kms_client, key_id, after["description"])
    if not policies_equal(before["policy"], after["policy"]):
        kms.put_key_policy(kms_client, key_id, json.dumps(after["policy"]))
    if before["key_state"] != after["key_state"]:
        kms.set_enabled(kms_client, key_id, after["enabled"])
    rotation_changed = (before["enable_key_rotation"], before["rotation_period_days"]) != (
        after["enable_key_rotation"],
        after["rotation_period_days"],
    )
    if rotation_changed:
        kms.set_rotation(kms_client, key_id, after["enable_key_rotation"], module.params["rotation_period_days"])
    tags_to_set, tags_to_remove = tag_changes(before["tags"], after["tags"], True)
    kms.untag_key(kms_client, key_id, tags_to_remove)
    kms.tag_key(kms_client, key_id, tags_to_set)


def state_of_new_key(metadata, module):
    """A key just made, as ``current_state`` would read it, without reading it back: KMS's documented
    starting point (enabled, rotation off, the policy and tags it was created with)."""
    return {
        "key_id": metadata["KeyId"],
        "key_arn": metadata["Arn"],
        "alias": None,
        "description": metadata.get("Description", ""),
        "enabled": True,
        "key_state": "Enabled",
        "enable_key_rotation": False,
        "rotation_period_days": None,
        "policy": wanted_policy(module),
        "tags": module.params["tags"] or {},
    }


def ensure_present(module, kms_client):
    alias = alias_name(module)
    metadata = kms.describe_key(kms_client, alias)
    adopted = None
    if metadata is None and module.params["adopt_tags"]:
        adopted = key_to_adopt(kms_client, client(module, "resourcegroupstaggingapi"), module.params["adopt_tags"])
        metadata = adopted
    if metadata is not None:
        refuse_unmanageable(module, metadata)

    before = None
    if metadata is not None:
        before = dict(current_state(kms_client, metadata), alias=None if adopted else alias)
    after = planned_state(module, before, alias)
    changed = differs(before, after)

    if changed and not module.check_mode:
        if before is None:
            created = create_key(module, kms_client)
            before_write = state_of_new_key(created, module)
        else:
            before_write = before
        apply_changes(module, kms_client, before_write["key_id"], before_write, after, alias)
        after = dict(after, key_id=before_write["key_id"], key_arn=before_write["key_arn"])

    result = {"key": after, "adopted": adopted is not None}
    if after["key_id"]:
        result.update(key_id=after["key_id"], key_arn=after["key_arn"])
    exit_with(module, changed, before or {}, after, **result)


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    check_params(module)
    run_by_state(module, "kms", {"present": ensure_present}, f"Failed to manage the KMS key {alias_name(module)}")


if __name__ == "__main__":
    main()
