#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: sns_topic
short_description: Manage a standard SNS topic, its KMS key, access policy, subscriptions and tags
version_added: 0.1.0
description:
  - Creates, updates or deletes one standard SNS topic.
  - Replaces M(community.aws.sns_topic) in this collection, which cannot set the topic's KMS key
    (C(KmsMasterKeyId), server-side encryption).
  - The topic is found by name before it is created, so a rerun after a crash never makes a second one.
  - The access policy is compared as a document (key order, single-item lists), never as text.
  - Subscriptions are matched on protocol and endpoint. A subscription not confirmed yet (an e-mail address
    that has not clicked the link) cannot be removed through the API (AWS drops it after 3 days); the module
    warns instead of failing.
  - Check mode reads everything and reports the real change without writing; C(--diff) shows the topic
    before and after.
author:
  - Payments platform team (!UNKNOWN)
options:
  name:
    description: The topic name.
    type: str
    required: true
  display_name:
    description: The display name (the sender name of e-mail notifications). Unset leaves it as it is.
    type: str
  kms_master_key_id:
    description:
      - The KMS key (ARN, id or alias) that encrypts the topic's messages at rest. An empty string turns
        encryption off. Unset leaves it as it is.
      - The key policy must let the publishers (for example C(cloudwatch.amazonaws.com)) use the key.
    type: str
    aliases: [kms_key_arn]
  policy:
    description: The topic's access policy, as a dict or JSON. Unset leaves it as it is.
    type: json
  subscriptions:
    description: The subscriptions the topic should have. Unset leaves them as they are.
    type: list
    elements: dict
    suboptions:
      protocol:
        description: The protocol.
        type: str
        required: true
        choices: [http, https, email, email-json, sms, sqs, application, lambda, firehose]
      endpoint:
        description: The endpoint (an e-mail address, a URL, an ARN...).
        type: str
        required: true
  purge_subscriptions:
    description: Whether subscriptions not in O(subscriptions) are removed.
    type: bool
    default: true
  state:
    description: Whether the topic should exist. V(absent) removes its subscriptions, then the topic.
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
- name: The stack's alarm topic, encrypted with the stack key, with an on-call address
  payments.aws_platform.sns_topic:
    name: payments-dev-alarms
    display_name: payments-dev alarms
    kms_master_key_id: "{{ payments_stack_key_arn }}"
    policy: "{{ lookup('ansible.builtin.template', 'topic_policy.json.j2') }}"
    subscriptions:
      - protocol: email
        endpoint: oncall@example.com
    tags:
      Project: payments

- name: Remove the topic and its subscriptions
  payments.aws_platform.sns_topic:
    name: payments-dev-alarms
    state: absent
"""

RETURN = r"""
topic:
  description: The topic as SNS holds it; {} when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The name.
      type: str
    topic_arn:
      description: The ARN (absent in check mode before the topic exists).
      type: str
      sample: arn:aws:sns:us-east-1:123456789012:payments-dev-alarms
    display_name:
      description: The display name.
      type: str
    kms_master_key_id:
      description: The KMS key that encrypts the topic; empty when it is not encrypted.
      type: str
    policy:
      description: The access policy, parsed.
      type: dict
    subscriptions:
      description: The subscriptions (C(subscription_arn) is C(PendingConfirmation) until confirmed).
      type: list
      elements: dict
      sample: [{"protocol": "email", "endpoint": "oncall@example.com", "subscription_arn": "PendingConfirmation"}]
    tags:
      description: The tags, as a dict.
      type: dict
diff:
  description: The topic before and after the change (after as predicted in check mode).
  returned: when diff mode is on
  type: dict
"""


from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import sns
from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import load_policy
from ansible_collections.payments.aws_platform.plugins.module_utils.base import policies_equal
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes

PROTOCOLS = ["http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"]


def argument_spec():
    return dict(
        name=dict(type="str", required=True),
        display_name=dict(type="str"),
        kms_master_key_id=dict(type="str", aliases=["kms_key_arn"], no_log=False),
        policy=dict(type="json"),
        subscriptions=dict(
            type="list",
            elements="dict",
            options=dict(
                protocol=dict(type="str", required=True, choices=PROTOCOLS),
                endpoint=dict(type="str", required=True),
            ),
        ),
        purge_subscriptions=dict(type="bool", default=True),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def _subscription_view(subscription):
    return {
        "protocol": subscription["Protocol"],
        "endpoint": subscription["Endpoint"],
        "subscription_arn": subscription["SubscriptionArn"],
    }


def current_state(sns_client, name):
    arn = sns.find_topic_arn(sns_client, name)
    attributes = sns.get_attributes(sns_client, arn) if arn else None
    if attributes is None:
        return None, {}
    view = {
        "name": name,
        "topic_arn": arn,
        "display_name": attributes.get("DisplayName", ""),
        "kms_master_key_id": attributes.get("KmsMasterKeyId", ""),
        "policy": load_policy(attributes.get("Policy")) or {},
        "subscriptions": [_subscription_view(item) for item in sns.list_subscriptions(sns_client, arn)],
        "tags": sns.list_tags(sns_client, arn),
    }
    return arn, view


def attribute_changes(module, before):
    """{SNS attribute name: new value} for every attribute that differs from what the user set."""
    params = module.params
    changes = {}
    if params["display_name"] is not None and params["display_name"] != before.get("display_name", ""):
        changes["DisplayName"] = params["display_name"]
    if params["kms_master_key_id"] is not None and params["kms_master_key_id"] != before.get("kms_master_key_id", ""):
        changes["KmsMasterKeyId"] = params["kms_master_key_id"]
    if params["policy"] is not None:
        try:
            wanted = load_policy(params["policy"])
        except ValueError as e:
            module.fail_json(msg=f"policy is not valid JSON: {e}")
        if not before or not policies_equal(before.get("policy"), wanted):
            changes["Policy"] = params["policy"]
    return changes


def subscription_changes(module, before):
    """(subscriptions to add as (protocol, endpoint), subscriptions to remove as views)."""
    wanted = module.params["subscriptions"]
    if wanted is None:
        return [], []
    wanted_keys = []
    for item in wanted:
        key = (item["protocol"], item["endpoint"])
        if key not in wanted_keys:
            wanted_keys.append(key)
    existing = before.get("subscriptions", [])
    existing_keys = {(item["protocol"], item["endpoint"]) for item in existing}
    to_add = [key for key in wanted_keys if key not in existing_keys]
    to_remove = []
    if module.params["purge_subscriptions"]:
        for item in existing:
            if (item["protocol"], item["endpoint"]) in wanted_keys:
                continue
            if item["subscription_arn"] in sns.PENDING:
                # Not a change this module can make: reporting it would make every run "changed".
                module.warn(
                    f"subscription {item['protocol']}:{item['endpoint']} awaits confirmation and cannot be"
                    " removed: SNS drops it after 3 days"
                )
            else:
                to_remove.append(item)
    return to_add, to_remove


def predicted(before, name, attributes, to_add, to_remove, tags):
    after = dict(before) if before else {"name": name, "display_name": "", "kms_master_key_id": "", "policy": {}}
    names = {"DisplayName": "display_name", "KmsMasterKeyId": "kms_master_key_id"}
    for attribute, value in attributes.items():
        after[names.get(attribute, "policy")] = load_policy(value) if attribute == "Policy" else value
    removed = [item["subscription_arn"] for item in to_remove]
    after["subscriptions"] = [
        item for item in after.get("subscriptions", []) if item["subscription_arn"] not in removed
    ]
    after["subscriptions"] += [
        {"protocol": protocol, "endpoint": endpoint, "subscription_arn": "PendingConfirmation"}
        for protocol, endpoint in to_add
    ]
    after["tags"] = tags
    return after


def ensure_present(module, sns_client):
    params = module.params
    arn, before = current_state(sns_client, params["name"])
    attributes = attribute_changes(module, before)
    to_add, to_remove = subscription_changes(module, before)
    tags_to_set, tags_to_remove = tag_changes(before.get("tags", {}), params["tags"], params["purge_tags"])
    tags = apply_tag_changes(before.get("tags", {}), tags_to_set, tags_to_remove)
    changed = arn is None or bool(attributes or to_add or to_remove or tags_to_set or tags_to_remove)

    if module.check_mode or not changed:
        after = predicted(before, params["name"], attributes, to_add, to_remove, tags)
        exit_with(module, changed, before, after, topic=after)

    if arn is None:
        arn = sns.create_topic(sns_client, params["name"], attributes, tags)
    else:
        for attribute, value in attributes.items():
            sns.set_attribute(sns_client, arn, attribute, value)
        sns.update_tags(sns_client, arn, tags_to_set, tags_to_remove)
    for protocol, endpoint in to_add:
        sns.subscribe(sns_client, arn, protocol, endpoint)
    for item in to_remove:
        sns.unsubscribe(sns_client, item["subscription_arn"])
    after = current_state(sns_client, params["name"])[1]
    exit_with(module, changed, before, after, topic=after)


def ensure_absent(module, sns_client):
    arn, before = current_state(sns_client, module.params["name"])
    changed = arn is not None
    if changed and not module.check_mode:
        for item in before["subscriptions"]:
            sns.unsubscribe(sns_client, item["subscription_arn"])
        # Deleting the topic also deletes the subscriptions Unsubscribe refuses (pending confirmation).
        sns.delete_topic(sns_client, arn)
    exit_with(module, changed, before, {}, topic={})


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_by_state(
        module,
        "sns",
        {"present": ensure_present, "absent": ensure_absent},
        f"Failed to manage SNS topic {module.params['name']}",
    )


if __name__ == "__main__":
    main()
