#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: secretsmanager_resource_policy
short_description: Attach or remove the resource policy of an existing Secrets Manager secret
version_added: 0.1.0
description:
  - Sets (C(PutResourcePolicy)) or removes (C(DeleteResourcePolicy)) the resource-based policy of one
    secret that already exists, and nothing else; the secret's value, versions, rotation and tags are
    neither read nor changed. Made for secrets another service manages, such as the master user secret
    RDS creates with C(manage_master_user_password), which M(community.aws.secretsmanager_secret) would
    treat as its own (it manages the value).
  - The policy is compared with the one attached ignoring key order, and a one-item list equals its
    item, so an equivalent policy is not a change.
  - C(BlockPublicPolicy) is on by default, so AWS refuses a policy that would give broad access.
  - With O(keep_listed_principals), the principals the live policy already excepts from its deny (the values of
    C(aws:PrincipalArn) under a negated condition operator such as C(StringNotEqualsIfExists)) stay excepted in
    the policy written, so a run by one deployer never locks out another one an earlier run listed; only
    O(revoked_principals) are dropped.
  - Check mode reads everything and reports the real change without writing.
author:
  - Payments platform team (!UNKNOWN)
options:
  secret:
    description: The secret's ARN or name.
    type: str
    required: true
    aliases: [secret_id, secret_arn]
  policy:
    description:
      - The resource policy, a dict (or its JSON). Required when O(state=present).
    type: json
  keep_listed_principals:
    description:
      - Keep the IAM principals the live policy excepts from its deny statements. Every C(aws:PrincipalArn) value
        under a negated operator (C(StringNotEquals), C(StringNotEqualsIfExists), C(StringNotLike),
        C(StringNotLikeIfExists), C(ArnNotEquals), C(ArnNotEqualsIfExists), C(ArnNotLike), C(ArnNotLikeIfExists))
        of any statement of the live policy is added to the same key under a negated operator of every statement
        of O(policy) that has one.
      - V(false) writes O(policy) as given (a principal an earlier run listed and O(policy) does not is removed).
    type: bool
    default: false
  revoked_principals:
    description:
      - With O(keep_listed_principals), principal ARNs of the live policy not to keep. A principal O(policy) itself
        lists stays (O(policy) wins).
    type: list
    elements: str
    default: []
  block_public_policy:
    description: Ask AWS to refuse a policy that gives broad (public) access to the secret.
    type: bool
    default: true
  state:
    description:
      - V(present) attaches O(policy); V(absent) removes whatever policy the secret has.
      - With V(present), a secret that does not exist (or is scheduled for deletion) is an error; with
        V(absent), it is not a change.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Deny everyone but the deployer role and the RDS service the RDS-managed secret
  payments.aws_platform.secretsmanager_resource_policy:
    secret: "{{ db_secret_arn }}"
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: DenyAllButListedPrincipalsAndServices
          Effect: Deny
          Principal: "*"
          Action: secretsmanager:*
          Resource: "*"
          Condition:
            StringNotEqualsIfExists:
              aws:PrincipalArn: [arn:aws:iam::123456789012:role/deployer]
              aws:PrincipalServiceName: [rds.amazonaws.com, secretsmanager.amazonaws.com]

- name: Remove the secret's resource policy
  payments.aws_platform.secretsmanager_resource_policy:
    secret: "{{ db_secret_arn }}"
    state: absent
"""

RETURN = r"""
secret:
  description: The secret the policy is on; {} when there is no such secret.
  returned: always
  type: dict
  contains:
    arn:
      description: The secret's ARN.
      type: str
    name:
      description: The secret's name.
      type: str
    owning_service:
      description: The service that manages the secret (C(rds) for an RDS master secret), if any.
      type: str
policy:
  description: The resource policy after the call (in check mode, that would be); {} when none.
  returned: always
  type: dict
kept_principals:
  description:
    - With O(keep_listed_principals), the principals of the live policy that O(policy) did not list and that were
      kept (not revoked); [] otherwise.
  returned: always
  type: list
  elements: str
revoked_principals:
  description: The principals of the live policy dropped because O(revoked_principals) names them.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import secretsmanager
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import load_policy
from ansible_collections.payments.aws_platform.plugins.module_utils.base import policies_equal
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state


def argument_spec():
    return dict(
        secret=dict(type="str", required=True, aliases=["secret_id", "secret_arn"], no_log=False),
        policy=dict(type="json"),
        keep_listed_principals=dict(type="bool", default=False),
        revoked_principals=dict(type="list", elements="str", default=[]),
        block_public_policy=dict(type="bool", default=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )


def secret_result(metadata):
    if not metadata:
        return {}
    return {
        "arn": metadata.get("ARN"),
        "name": metadata.get("Name"),
        "owning_service": metadata.get("OwningService"),
    }


def ensure(module, sm_client):
    params = module.params
    metadata = secretsmanager.describe_secret(sm_client, params["secret"])
    gone = metadata is None or metadata.get("DeletedDate") is not None
    if gone:
        if params["state"] == "present":
            module.fail_json(msg=f"Secret {params['secret']} does not exist or is scheduled for deletion")
        exit_with(
            module, False, {}, {}, secret=secret_result(metadata), policy={}, kept_principals=[], revoked_principals=[]
        )
    arn = metadata["ARN"]
    current = secretsmanager.get_resource_policy(sm_client, arn)
    before = {"policy": current or {}}
    if params["state"] == "absent":
        changed = current is not None
        if changed and not module.check_mode:
            secretsmanager.delete_resource_policy(sm_client, arn)
        exit_with(
            module,
            changed,
            before,
            {"policy": {}},
            secret=secret_result(metadata),
            policy={},
            kept_principals=[],
            revoked_principals=[],
        )
    wanted = load_policy(params["policy"])
    kept, revoked = [], []
    if params["keep_listed_principals"]:
        wanted, kept, revoked = secretsmanager.keep_listed_principals(wanted, current, params["revoked_principals"])
    changed = current is None or not policies_equal(current, wanted)
    if changed and not module.check_mode:
        secretsmanager.put_resource_policy(sm_client, arn, wanted, params["block_public_policy"])
    after = {"policy": wanted if changed else current}
    exit_with(
        module,
        changed,
        before,
        after,
        secret=secret_result(metadata),
        policy=after["policy"],
        kept_principals=kept,
        revoked_principals=revoked,
    )


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        required_if=[("state", "present", ["policy"])],
        supports_check_mode=True,
    )
    try:
        policy = load_policy(module.params["policy"])
    except ValueError as e:
        module.fail_json(msg=f"policy is not valid JSON: {e}")
    if module.params["state"] == "present" and not (isinstance(policy, dict) and policy.get("Statement")):
        module.fail_json(msg="policy must be a policy document (a dict with a Statement)")
    run_by_state(
        module,
        "secretsmanager",
        {"present": ensure, "absent": ensure},
        f"Failed to converge the resource policy of secret {module.params['secret']}",
    )


if __name__ == "__main__":
    main()
