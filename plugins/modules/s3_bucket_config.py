#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: s3_bucket_config
short_description: Manage an S3 bucket with its versioning, encryption, public access, policy, lifecycle and tags
version_added: 0.1.0
description:
  - Creates, updates or deletes one S3 bucket and the settings that make it safe to keep data in.
  - Replaces M(amazon.aws.s3_bucket) in this collection where a plan matters - that module has no check
    mode. This one reads everything first, so C(--check --diff) reports the bucket truthfully and writes
    nothing.
  - Every setting left unset is left alone.
  - The bucket must belong to the caller's account. A bucket of that name that exists and is ours is
    updated in place (even when a create raced with another run); a name another account owns is an
    error, never a silent success.
  - This module supports check mode and diff mode.
author:
  - Payments platform team (!UNKNOWN)
options:
  name:
    description: The bucket name.
    type: str
    required: true
    aliases: [bucket]
  state:
    description:
      - V(present) creates the bucket in the module's region (or updates it); V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), first delete every object version and delete marker (and abort unfinished
        multipart uploads).
      - The bucket policy is never deleted on AWS; a per-object C(AccessDenied) (a legal hold, a retention
        or a policy) fails, naming how many versions were refused. Only on the local emulator (a loopback
        O(endpoint_url)), which applies a policy's Deny statements without their conditions, is the policy
        lifted for the reads and deletes (and put back if the bucket stays).
      - On a bucket with Object Lock, every version's lock is read (one C(HeadObject) each) before anything
        is deleted; see O(retained_objects).
      - Without it, a bucket that holds anything is not deleted and the module fails.
    type: bool
    default: false
  retained_objects:
    description:
      - With O(state=absent) and O(force=true), what to do with object versions under an Object Lock
        retention that has not ended, or under a legal hold. Checked before anything is deleted, in check
        mode too.
      - V(bypass_governance) deletes V(GOVERNANCE)-mode versions with C(BypassGovernanceRetention) (which
        needs C(s3:BypassGovernanceRetention)).
      - V(refuse) fails while any such version exists, naming how many and until when (an audit trail that
        must be kept).
      - With either, versions under V(COMPLIANCE) retention (nobody can remove them before their date) or a
        legal hold make the module fail before anything is deleted, naming how many and until when; they
        are never retried.
    type: str
    choices: [bypass_governance, refuse]
    default: bypass_governance
  versioning:
    description:
      - V(true) enables versioning; V(false) suspends it on a versioned bucket (S3 cannot turn versioning
        off once it was on) and leaves a never-versioned bucket as it is.
    type: bool
  object_lock:
    description:
      - S3 Object Lock (write-once-read-many), which needs versioning on (S3 turns it on with the lock).
      - A new bucket is created with Object Lock when O(object_lock.enabled=true); an existing bucket
        without it gets it with C(PutObjectLockConfiguration) (AWS allows this on a versioned bucket).
      - Object Lock cannot be turned off once on. O(object_lock.enabled=false) on a bucket that has it
        fails (nothing is written), so that a plan never pretends it could be removed.
      - With Object Lock on, O(versioning=false) fails too (S3 refuses to suspend versioning).
    type: dict
    suboptions:
      enabled:
        description: Whether the bucket has Object Lock.
        type: bool
        required: true
      mode:
        description:
          - The mode of the bucket's default retention. V(GOVERNANCE) versions can be deleted early by a
            caller with C(s3:BypassGovernanceRetention) (which O(force) uses); V(COMPLIANCE) versions
            cannot be deleted by anyone, root included, until their retention ends.
          - Set together with O(object_lock.retention_days), or neither; neither removes the bucket's default
            retention (objects are then protected only when a writer sets a retention or a legal hold).
        type: str
        choices: [GOVERNANCE, COMPLIANCE]
      retention_days:
        description: The default retention of new object versions, in days (at least 1).
        type: int
  encryption:
    description:
      - The default encryption of new objects. Replaces the current default encryption as a whole.
    type: dict
    suboptions:
      sse_algorithm:
        description: The server-side encryption algorithm.
        type: str
        required: true
        choices: [aws:kms, aws:kms:dsse, AES256]
      kms_key_id:
        description:
          - The KMS key (ARN, id or alias ARN) for V(aws:kms) and V(aws:kms:dsse); unset uses the AWS managed
            key C(aws/s3). A key id and that key's ARN compare equal.
        type: str
      bucket_key_enabled:
        description: Use an S3 bucket key, which cuts KMS requests (SSE-KMS only; AWS ignores it otherwise).
        type: bool
        default: false
  public_access_block:
    description:
      - The bucket's public access block. Sub-options left unset keep their current value.
    type: dict
    suboptions:
      block_public_acls:
        description: Refuse requests that add public ACLs.
        type: bool
      ignore_public_acls:
        description: Ignore public ACLs.
        type: bool
      block_public_policy:
        description: Refuse bucket policies that grant public access.
        type: bool
      restrict_public_buckets:
        description: Limit access to a bucket with a public policy to AWS services and the owner's account.
        type: bool
  object_ownership:
    description:
      - Object ownership; V(BucketOwnerEnforced) turns ACLs off.
    type: str
    choices: [BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter]
  policy:
    description:
      - The bucket policy, as a JSON string or a dictionary. An empty string or V({}) deletes the policy.
      - Compared by meaning, not by text, so key order and single-item lists cause no change.
    type: json
  lifecycle_rules:
    description:
      - The lifecycle rules. They replace the whole lifecycle configuration; V([]) deletes it.
      - Compared with what S3 answers after normalising it - filter shapes (no filter, C({}), an empty
        prefix), values S3 fills in, and rule order (by O(lifecycle_rules[].id)) cause no change.
    type: list
    elements: dict
    suboptions:
      id:
        description: The rule's unique ID.
        type: str
        required: true
      status:
        description: Whether the rule applies.
        type: str
        choices: [Enabled, Disabled]
        default: Enabled
      prefix:
        description: Only objects whose key starts with this prefix; unset or empty for every object.
        type: str
      filter_tags:
        description: Only objects that carry all these tags.
        type: dict
      object_size_greater_than:
        description: Only objects larger than this many bytes.
        type: int
      object_size_less_than:
        description: Only objects smaller than this many bytes.
        type: int
      transitions:
        description: Move current versions to another storage class after a number of days.
        type: list
        elements: dict
        suboptions:
          days:
            description: Days after creation.
            type: int
            required: true
          storage_class:
            description: The storage class.
            type: str
            required: true
            choices: [STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE]
      expiration_days:
        description: Expire current versions this many days after creation.
        type: int
      expired_object_delete_marker:
        description: Remove delete markers that no longer hide any version.
        type: bool
      noncurrent_version_transitions:
        description: Move noncurrent versions to another storage class after a number of days.
        type: list
        elements: dict
        suboptions:
          noncurrent_days:
            description: Days after the version became noncurrent.
            type: int
            required: true
          storage_class:
            description: The storage class.
            type: str
            required: true
            choices: [STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE]
          newer_noncurrent_versions:
            description: Keep this many newer noncurrent versions out of the transition.
            type: int
      noncurrent_version_expiration_days:
        description: Delete noncurrent versions this many days after they became noncurrent.
        type: int
      noncurrent_version_expiration_newer_versions:
        description: Keep this many newer noncurrent versions from expiring.
        type: int
      abort_incomplete_multipart_upload_days:
        description: Abort multipart uploads left unfinished this many days after they started.
        type: int
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: An audit bucket - versioned, SSE-KMS with a bucket key, private, TLS only, archived over time
  payments.aws_platform.s3_bucket_config:
    name: payments-dev-audit-0a1b2c3d
    versioning: true
    # WORM-capable; no default retention (a writer sets one per object, or a legal hold).
    object_lock:
      enabled: true
    encryption:
      sse_algorithm: aws:kms
      kms_key_id: "{{ payments_stack_key_arn }}"
      bucket_key_enabled: true
    public_access_block:
      block_public_acls: true
      ignore_public_acls: true
      block_public_policy: true
      restrict_public_buckets: true
    object_ownership: BucketOwnerEnforced
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: DenyInsecureTransport
          Effect: Deny
          Principal: "*"
          Action: "s3:*"
          Resource: ["arn:aws:s3:::payments-dev-audit-0a1b2c3d", "arn:aws:s3:::payments-dev-audit-0a1b2c3d/*"]
          Condition:
            Bool:
              aws:SecureTransport: "false"
    lifecycle_rules:
      - id: archive-current-versions
        transitions:
          - {days: 30, storage_class: GLACIER}
          - {days: 120, storage_class: DEEP_ARCHIVE}
      - id: abort-incomplete-uploads
        abort_incomplete_multipart_upload_days: 7
    tags:
      Project: payments

- name: Keep every new object version at least 30 days (GOVERNANCE mode)
  payments.aws_platform.s3_bucket_config:
    name: payments-dev-audit-0a1b2c3d
    object_lock:
      enabled: true
      mode: GOVERNANCE
      retention_days: 30

- name: Delete a bucket with everything in it
  payments.aws_platform.s3_bucket_config:
    name: payments-dev-audit-0a1b2c3d
    state: absent
    force: true
"""

RETURN = r"""
bucket:
  description:
    - The bucket and its settings as S3 answers them, after the change ({} once deleted).
    - In check mode, the bucket as it would be.
  returned: always
  type: dict
  contains:
    name:
      description: The bucket name.
      type: str
      sample: payments-dev-audit-0a1b2c3d
    arn:
      description: The bucket ARN.
      type: str
      sample: arn:aws:s3:::payments-dev-audit-0a1b2c3d
    region:
      description: The bucket's region.
      type: str
      sample: eu-west-1
    versioning:
      description: C(Enabled), C(Suspended), or C(Disabled) for a bucket never versioned.
      type: str
    object_lock:
      description:
        - The Object Lock configuration - C(enabled), and the default retention's C(mode) and
          C(retention_days) (null when none; C(retention_years) too when one was set in years).
      type: dict
      sample: {"enabled": true, "mode": "GOVERNANCE", "retention_days": 30}
    encryption:
      description: The default encryption - C(sse_algorithm), C(kms_key_id), C(bucket_key_enabled); {} when none.
      type: dict
    public_access_block:
      description: The four public access blocks as booleans (all false when the bucket has none).
      type: dict
    object_ownership:
      description: The object ownership setting, or null when the bucket has none.
      type: str
    policy:
      description: The bucket policy, parsed; null when there is none.
      type: dict
    lifecycle_rules:
      description: The lifecycle rules in the shape of O(lifecycle_rules), normalised and sorted by ID.
      type: list
      elements: dict
    tags:
      description: The tags.
      type: dict
      sample: {"Project": "payments"}
changes:
  description:
    - The settings that changed (or would change in check mode), for example C([versioning, tags]);
      C(bucket) when the bucket itself is created or deleted.
  returned: always
  type: list
  elements: str
diff:
  description: The bucket before and after the change (after as predicted in check mode).
  returned: when diff mode is on
  type: dict
"""

import datetime
import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import s3
from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import is_local_emulator
from ansible_collections.payments.aws_platform.plugins.module_utils.base import load_policy
from ansible_collections.payments.aws_platform.plugins.module_utils.base import policies_equal
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes

STORAGE_CLASSES = ["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"]

# The order settings are written in: ownership before the policy (a policy may rely on ACLs being off),
# the public access block before the policy (so a briefly public policy is never accepted).
# Object Lock right after versioning: an existing bucket needs versioning on before it takes the lock.
SETTINGS = (
    "versioning",
    "object_lock",
    "encryption",
    "public_access_block",
    "object_ownership",
    "policy",
    "lifecycle_rules",
    "tags",
)


def argument_spec():
    transition = dict(
        days=dict(type="int", required=True),
        storage_class=dict(type="str", required=True, choices=STORAGE_CLASSES),
    )
    noncurrent_transition = dict(
        noncurrent_days=dict(type="int", required=True),
        storage_class=dict(type="str", required=True, choices=STORAGE_CLASSES),
        newer_noncurrent_versions=dict(type="int"),
    )
    rule = dict(
        id=dict(type="str", required=True),
        status=dict(type="str", default="Enabled", choices=["Enabled", "Disabled"]),
        prefix=dict(type="str"),
        filter_tags=dict(type="dict"),
        object_size_greater_than=dict(type="int"),
        object_size_less_than=dict(type="int"),
        transitions=dict(type="list", elements="dict", options=transition),
        expiration_days=dict(type="int"),
        expired_object_delete_marker=dict(type="bool"),
        noncurrent_version_transitions=dict(type="list", elements="dict", options=noncurrent_transition),
        noncurrent_version_expiration_days=dict(type="int"),
        noncurrent_version_expiration_newer_versions=dict(type="int"),
        abort_incomplete_multipart_upload_days=dict(type="int"),
    )
    return dict(
        name=dict(type="str", required=True, aliases=["bucket"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        force=dict(type="bool", default=False),
        retained_objects=dict(type="str", default="bypass_governance", choices=["bypass_governance", "refuse"]),
        versioning=dict(type="bool"),
        object_lock=dict(
            type="dict",
            options=dict(
                enabled=dict(type="bool", required=True),
                mode=dict(type="str", choices=["GOVERNANCE", "COMPLIANCE"]),
                retention_days=dict(type="int"),
            ),
            required_together=[("mode", "retention_days")],
        ),
        encryption=dict(
            type="dict",
            options=dict(
                sse_algorithm=dict(type="str", required=True, choices=["aws:kms", "aws:kms:dsse", "AES256"]),
                kms_key_id=dict(type="str", no_log=False),
                bucket_key_enabled=dict(type="bool", default=False),
            ),
        ),
        public_access_block=dict(
            type="dict", options={field: dict(type="bool") for field in s3.PUBLIC_ACCESS_BLOCK_FIELDS}
        ),
        object_ownership=dict(type="str", choices=["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"]),
        policy=dict(type="json"),
        lifecycle_rules=dict(type="list", elements="dict", options=rule),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )


# What the user asks for, checked before any AWS call


def lifecycle_errors(rules):
    """Why ``rules`` would be refused, as messages naming the option; [] when they are fine."""
    errors = []
    ids = [rule["id"] for rule in rules]
    duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
    if duplicates:
        errors.append(f"lifecycle_rules IDs must be unique (repeated: {', '.join(duplicates)})")
    for rule in s3.normalise_rules(rules):
        where = f"lifecycle_rules[id={rule['id']}]"
        actions = [field for field in rule if field not in ("id", "status", "prefix", "filter_tags")]
        actions = [field for field in actions if not field.startswith("object_size")]
        if not actions:
            errors.append(f"{where} has no action (transition, expiration or abort)")
        days = [item.get("days") for item in rule.get("transitions", [])]
        days += [item.get("noncurrent_days") for item in rule.get("noncurrent_version_transitions", [])]
        days += [rule.get(field) for field in actions if field.endswith("_days")]
        if any(day is not None and day < 1 for day in days):
            errors.append(f"{where}: every number of days must be at least 1")
    return errors


def object_lock_errors(lock, versioning):
    """Why ``object_lock`` (with ``versioning``) would be refused; [] when it is fine."""
    errors = []
    if lock["retention_days"] is not None and lock["retention_days"] < 1:
        errors.append(f"object_lock.retention_days must be at least 1 (got {lock['retention_days']})")
    if not lock["enabled"] and lock["mode"] is not None:
        errors.append("object_lock.mode and object_lock.retention_days need object_lock.enabled=true")
    if lock["enabled"] and versioning is False:
        errors.append("versioning=false conflicts with object_lock.enabled=true: Object Lock needs versioning")
    return errors


def desired_settings(module):
    """The settings the user set, in the shape of the bucket view; unset ones are missing."""
    params = module.params
    wanted = {}
    if params["versioning"] is not None:
        wanted["versioning"] = params["versioning"]
    if params["object_lock"] is not None:
        errors = object_lock_errors(params["object_lock"], params["versioning"])
        if errors:
            module.fail_json(msg="; ".join(errors))
        wanted["object_lock"] = {
            "enabled": params["object_lock"]["enabled"],
            "mode": params["object_lock"]["mode"],
            "retention_days": params["object_lock"]["retention_days"],
        }
    if params["encryption"] is not None:
        wanted["encryption"] = {key: value for key, value in params["encryption"].items() if value is not None}
    if params["public_access_block"] is not None:
        wanted["public_access_block"] = params["public_access_block"]
    if params["object_ownership"] is not None:
        wanted["object_ownership"] = params["object_ownership"]
    if params["policy"] is not None:
        try:
            wanted["policy"] = load_policy(params["policy"]) or None
        except ValueError as e:
            module.fail_json(msg=f"policy is not valid JSON: {e}")
    if params["lifecycle_rules"] is not None:
        errors = lifecycle_errors(params["lifecycle_rules"])
        if errors:
            module.fail_json(msg="; ".join(errors))
        wanted["lifecycle_rules"] = s3.normalise_rules(params["lifecycle_rules"])
    return wanted


# The bucket as S3 answers


def new_bucket_view(name, region):
    """A bucket as the module sees a new one before any setting is written."""
    return {
        "name": name,
        "arn": s3.bucket_arn(name, region),
        "region": region,
        "versioning": "Disabled",
        "object_lock": {"enabled": False, "mode": None, "retention_days": None},
        "encryption": {},
        "public_access_block": {field: False for field in s3.PUBLIC_ACCESS_BLOCK_FIELDS},
        "object_ownership": None,
        "policy": None,
        "lifecycle_rules": [],
        "tags": {},
    }


def read_bucket(s3_client, name, region):
    return {
        "name": name,
        "arn": s3.bucket_arn(name, region),
        "region": region,
        "versioning": s3.get_versioning(s3_client, name),
        "object_lock": s3.get_object_lock(s3_client, name),
        "encryption": s3.get_encryption(s3_client, name),
        "public_access_block": s3.get_public_access_block(s3_client, name),
        "object_ownership": s3.get_object_ownership(s3_client, name),
        "policy": load_policy(s3.get_policy(s3_client, name)),
        "lifecycle_rules": s3.get_lifecycle_rules(s3_client, name),
        "tags": s3.get_tags(s3_client, name),
    }


def find_bucket(module, s3_client):
    """Whether our bucket exists; fails when another account owns the name, or ours is elsewhere."""
    name = module.params["name"]
    if not s3.is_owned_bucket(s3_client, name):
        if s3.bucket_name_taken(s3_client, name):
            module.fail_json(msg=owned_elsewhere_message(name))
        return False
    region = s3.bucket_region(s3_client, name)
    if region != module.region:
        module.fail_json(msg=f"Bucket {name} exists in {region}, not in {module.region}: a bucket cannot move")
    return True


def owned_elsewhere_message(name):
    return f"Bucket name {name} is taken by another AWS account: choose another name"


# What changes


def object_lock_change(current, wanted):
    """The Object Lock configuration after the change, or None when there is none to make. Raises
    ValueError when asked to turn a bucket's Object Lock off (S3 cannot)."""
    if not wanted["enabled"]:
        if current["enabled"]:
            raise ValueError(
                "Object Lock is enabled on this bucket and can never be turned off: set object_lock.enabled=true"
            )
        return None
    if current == wanted:
        return None
    return dict(wanted)


def changes_to(view, wanted, params):
    """``{setting: value after}`` for every setting that differs from ``view``."""
    changes = {}
    lock_on = view["object_lock"]["enabled"] or wanted.get("object_lock", {}).get("enabled", False)
    if "versioning" in wanted:
        if wanted["versioning"] and view["versioning"] != "Enabled":
            changes["versioning"] = "Enabled"
        elif not wanted["versioning"] and view["versioning"] == "Enabled":
            if lock_on:
                raise ValueError("versioning cannot be suspended on a bucket with Object Lock")
            changes["versioning"] = "Suspended"
    if "object_lock" in wanted:
        lock = object_lock_change(view["object_lock"], wanted["object_lock"])
        if lock is not None:
            changes["object_lock"] = lock
            # S3 turns versioning on with the lock.
            if view["versioning"] != "Enabled":
                changes["versioning"] = "Enabled"
    if "encryption" in wanted and not s3.encryption_equal(view["encryption"], wanted["encryption"]):
        changes["encryption"] = wanted["encryption"]
    if "public_access_block" in wanted:
        blocks = dict(view["public_access_block"])
        blocks.update({key: value for key, value in wanted["public_access_block"].items() if value is not None})
        if blocks != view["public_access_block"]:
            changes["public_access_block"] = blocks
    if "object_ownership" in wanted and wanted["object_ownership"] != view["object_ownership"]:
        changes["object_ownership"] = wanted["object_ownership"]
    if "policy" in wanted and not same_policy(view["policy"], wanted["policy"]):
        changes["policy"] = wanted["policy"]
    if "lifecycle_rules" in wanted and wanted["lifecycle_rules"] != view["lifecycle_rules"]:
        changes["lifecycle_rules"] = wanted["lifecycle_rules"]
    tags_to_set, tags_to_remove = tag_changes(view["tags"], params["tags"], params["purge_tags"])
    if tags_to_set or tags_to_remove:
        changes["tags"] = apply_tag_changes(view["tags"], tags_to_set, tags_to_remove)
    return changes


def same_policy(current, wanted):
    if current is None or wanted is None:
        return current is None and wanted is None
    return policies_equal(current, wanted)


def apply_changes(s3_client, name, changes):
    writers = {
        "versioning": lambda value: s3.put_versioning(s3_client, name, value == "Enabled"),
        "object_lock": lambda value: s3.put_object_lock(s3_client, name, value),
        "encryption": lambda value: s3.put_encryption(s3_client, name, value),
        "public_access_block": lambda value: s3.put_public_access_block(s3_client, name, value),
        "object_ownership": lambda value: s3.put_object_ownership(s3_client, name, value),
        "policy": lambda value: (
            s3.put_policy(s3_client, name, json.dumps(value)) if value else s3.delete_policy(s3_client, name)
        ),
        "lifecycle_rules": lambda value: s3.put_lifecycle_rules(s3_client, name, value),
        "tags": lambda value: s3.put_tags(s3_client, name, value),
    }
    for setting in SETTINGS:
        if setting in changes:
            writers[setting](changes[setting])


def change_names(exists, changes):
    return ([] if exists else ["bucket"]) + sorted(changes)


def ensure_present(module, s3_client):
    name, region = module.params["name"], module.region
    wanted = desired_settings(module)
    exists = find_bucket(module, s3_client)
    before = read_bucket(s3_client, name, region) if exists else {}
    try:
        changes = changes_to(before or new_bucket_view(name, region), wanted, module.params)
    except ValueError as e:
        module.fail_json(msg=f"Bucket {name}: {e}")
    predicted = dict(before or new_bucket_view(name, region), **changes)
    changed = not exists or bool(changes)

    if module.check_mode or not changed:
        exit_with(module, changed, before, predicted, bucket=predicted, changes=change_names(exists, changes))

    if not exists:
        try:
            # Object Lock at creation: it also turns versioning on, so the order of later writes is free.
            s3.create_bucket(s3_client, name, region, object_lock="object_lock" in changes)
        except s3.BucketOwnedElsewhere:
            module.fail_json(msg=owned_elsewhere_message(name))
        # A new bucket comes with the account's defaults (on AWS: SSE-S3, BucketOwnerEnforced, blocks on):
        # write only what differs from what it really has (the default retention is written afterwards).
        current = read_bucket(s3_client, name, region)
        changes = changes_to(current, wanted, module.params)
        predicted = dict(current, **changes)
    apply_changes(s3_client, name, changes)
    # Every write above either succeeded as asked or raised: the bucket is what was read plus the changes,
    # without reading all nine settings back.
    exit_with(module, True, before, predicted, bucket=predicted, changes=change_names(exists, changes))


def ensure_absent(module, s3_client):
    name = module.params["name"]
    if not s3.is_owned_bucket(s3_client, name):
        if s3.bucket_name_taken(s3_client, name):
            module.warn(f"Bucket {name} belongs to another AWS account: left alone")
        exit_with(module, False, {}, {}, bucket={}, changes=[])
    before = read_bucket(s3_client, name, s3.bucket_region(s3_client, name))
    emulator = is_local_emulator(module)
    with s3.emulator_policy_lifted(s3_client, name, emulator) as lifted:
        first = s3.first_object_version(s3_client, name)
        if first is not None and not module.params["force"]:
            module.fail_json(
                msg=f"Bucket {name} is not empty (it holds {first['Key']} and maybe more): "
                "set force: true to delete every object version and delete marker, then the bucket"
            )
        bypass = module.params["retained_objects"] == "bypass_governance"
        locked = before["object_lock"]["enabled"]
        if first is not None and locked:
            retained = s3.retained_versions(s3_client, name, datetime.datetime.now(datetime.UTC))
            try:
                s3.check_retained(name, retained, bypass)
            except s3.RetainedObjects as e:
                module.fail_json(msg=str(e), retained_objects=e.summary)
        if module.check_mode:
            exit_with(module, True, before, {}, bucket={}, changes=["bucket"])
        if first is not None:
            s3.empty_bucket(s3_client, name, bypass_governance=locked and bypass, emulator=emulator)
        changed = s3.delete_bucket(s3_client, name)
        lifted.deleted = True
    exit_with(module, changed, before, {}, bucket={}, changes=["bucket"] if changed else [])


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_by_state(
        module,
        "s3",
        {"present": ensure_present, "absent": ensure_absent},
        f"Failed to manage bucket {module.params['name']}",
    )


if __name__ == "__main__":
    main()
