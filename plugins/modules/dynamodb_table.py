#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: dynamodb_table
short_description: Manage a DynamoDB table - keys, billing, GSIs, stream, TTL, PITR, SSE-KMS, protection, tags
version_added: 0.1.0
description:
  - Creates, updates or deletes one DynamoDB table, with everything DynamoDB lets you set on it.
  - Replaces M(community.aws.dynamodb_table) in this collection, which manages neither streams,
    point-in-time recovery nor SSE-KMS, and fails on an answer without C(TableId).
  - Global secondary indexes are added, removed and re-created in place, one per C(UpdateTable) call as
    AWS allows, waiting for the table and its indexes to be C(ACTIVE) between calls.
  - A change DynamoDB cannot make in place (the key schema, or the type of a key attribute) fails with an
    error naming the option, before any write.
  - The table is looked up by name before it is created, and a create answered C(ResourceInUseException)
    (an interrupted earlier run, or someone else) reads the table and converges it, so there is never a
    second table.
  - Options left unset leave that part of an existing table as it is; a new table then gets the AWS
    default (on-demand billing, no stream, no TTL, no PITR, the AWS owned key, no deletion protection).
  - Check mode reads everything and reports the real change and the planned steps without writing;
    C(--diff) shows the table before and after.
author:
  - Payments platform team (!UNKNOWN)
options:
  name:
    description: The table name.
    type: str
    required: true
    aliases: [table_name]
  state:
    description: Whether the table should exist.
    type: str
    choices: [present, absent]
    default: present
  hash_key_name:
    description:
      - The partition key attribute. Required with O(state=present).
      - Fixed at creation; a different value fails (the table would need replacing).
    type: str
  hash_key_type:
    description: The partition key attribute type. Fixed at creation.
    type: str
    choices: [S, N, B]
    default: S
  range_key_name:
    description: The sort key attribute, if the table has one. Fixed at creation.
    type: str
  range_key_type:
    description: The sort key attribute type. Fixed at creation.
    type: str
    choices: [S, N, B]
    default: S
  billing_mode:
    description:
      - V(PAY_PER_REQUEST) (on demand) or V(PROVISIONED). Unset leaves an existing table's mode alone and
        makes a new table on demand.
    type: str
    choices: [PAY_PER_REQUEST, PROVISIONED]
  read_capacity:
    description: Provisioned read capacity units of the table; required with O(billing_mode=PROVISIONED).
    type: int
  write_capacity:
    description: Provisioned write capacity units of the table; required with O(billing_mode=PROVISIONED).
    type: int
  global_secondary_indexes:
    description:
      - The table's global secondary indexes, all of them; indexes not listed are deleted. Unset leaves
        the indexes alone. V([]) removes every index.
      - An index whose keys or projection change is deleted and created again (it is unavailable while it
        fills, hours on a large table), so that is refused, before any write and in check mode too, unless
        O(allow_index_rebuild=true).
    type: list
    elements: dict
    aliases: [indexes]
    suboptions:
      name:
        description: The index name (3 to 255 letters, digits, C(_), C(-), C(.)).
        type: str
        required: true
      hash_key_name:
        description: The index partition key attribute.
        type: str
        required: true
      hash_key_type:
        description:
          - Its type. May be left out when the attribute is a key of the table or typed by another index.
        type: str
        choices: [S, N, B]
      range_key_name:
        description: The index sort key attribute, if any.
        type: str
      range_key_type:
        description: Its type; may be left out as for O(global_secondary_indexes[].hash_key_type).
        type: str
        choices: [S, N, B]
      projection_type:
        description: Which attributes the index holds.
        type: str
        choices: [ALL, KEYS_ONLY, INCLUDE]
        default: ALL
      non_key_attributes:
        description: The attributes an V(INCLUDE) projection adds to the keys.
        type: list
        elements: str
      read_capacity:
        description: Provisioned read capacity of the index; defaults to the table's O(read_capacity).
        type: int
      write_capacity:
        description: Provisioned write capacity of the index; defaults to the table's O(write_capacity).
        type: int
  stream_enabled:
    description:
      - Whether the table has a DynamoDB stream. Unset leaves the stream alone (or sets it on when
        O(stream_view_type) is given).
      - A new view type disables the stream and enables a new one, with a new ARN.
    type: bool
  stream_view_type:
    description: What the stream records show of a changed item.
    type: str
    choices: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]
  allow_index_rebuild:
    description:
      - Allow a change of an existing index's keys or projection, which deletes the index and creates it
        again (queries on it fail until it is rebuilt). Without it such a change fails, naming the index.
      - Adding or removing an index is never refused.
    type: bool
    default: false
  ttl_attribute_name:
    description:
      - The attribute holding each item's expiry time (epoch seconds); V("") disables TTL. Unset leaves TTL
        alone.
      - Changing the attribute takes two runs, because AWS refuses to enable TTL for about an hour after it
        was disabled. The first run disables TTL on the old attribute, warns, and returns the enable as
        RV(pending_changes); a run after AWS allows it enables TTL on the new attribute. While TTL still
        reads C(DISABLING), a run leaves it alone and warns the same way.
    type: str
  point_in_time_recovery:
    description: Whether point-in-time recovery (continuous backups) is on. Unset leaves it alone.
    type: bool
  sse_enabled:
    description:
      - V(true) encrypts with a KMS key (O(sse_kms_key_id), or the AWS managed key C(aws/dynamodb) when that
        is unset); V(false) uses the key AWS owns (the default encryption). Unset leaves it alone, unless
        O(sse_kms_key_id) is given.
    type: bool
  sse_kms_key_id:
    description:
      - The KMS key that encrypts the table, as a key ARN, key id, alias name or alias ARN; implies
        O(sse_enabled=true). Anything but a key ARN is resolved with C(kms:DescribeKey) before it is
        compared or sent.
    type: str
    aliases: [kms_key_arn]
  deletion_protection:
    description: Whether the table refuses C(DeleteTable). Unset leaves it alone.
    type: bool
  remove_deletion_protection:
    description:
      - With O(state=absent), turn deletion protection off and delete a protected table. Without it, deleting
        a protected table fails, naming this option.
    type: bool
    default: false
  wait_timeout:
    description:
      - How long, in seconds, to wait for the table and its indexes to become C(ACTIVE) after each change
        that needs it (a new index on a large table can take much longer than the default), or for the
        table to be gone.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - Local secondary indexes are not managed (they can only be set at creation); a table's existing ones are
    left alone.
"""

EXAMPLES = r"""
- name: The transactions table, on demand, with two indexes, TTL, a stream, PITR and the stack key
  payments.aws_platform.dynamodb_table:
    name: payments-prod-transactions
    hash_key_name: transactionId
    hash_key_type: S
    range_key_name: timestamp
    range_key_type: N
    billing_mode: PAY_PER_REQUEST
    global_secondary_indexes:
      - name: UserIdIndex
        hash_key_name: userId
        hash_key_type: S
        range_key_name: timestamp
      - name: StatusIndex
        hash_key_name: status
        hash_key_type: S
        range_key_name: timestamp
    ttl_attribute_name: expirationTime
    stream_view_type: NEW_AND_OLD_IMAGES
    point_in_time_recovery: true
    sse_kms_key_id: "{{ rds_kms_outputs.key_arn }}"
    deletion_protection: true
    tags:
      Project: payments
      Environment: prod

- name: Delete a table even though deletion protection is on
  payments.aws_platform.dynamodb_table:
    name: payments-dev-scratch-transactions
    state: absent
    remove_deletion_protection: true
"""

RETURN = r"""
table:
  description:
    - The table as the module sees it (normalised, snake_cased); {} when absent.
    - In check mode, the table as it would be; what AWS assigns at that time (new ARNs) is then missing.
  returned: always
  type: dict
  contains:
    table_name:
      description: The name.
      type: str
      sample: payments-dev-transactions
    table_arn:
      description: The table ARN.
      type: str
      sample: arn:aws:dynamodb:us-east-1:123456789012:table/payments-dev-transactions
    table_status:
      description: The table status (C(ACTIVE) once the module is done).
      type: str
    hash_key_name:
      description: The partition key attribute.
      type: str
    hash_key_type:
      description: Its type.
      type: str
    range_key_name:
      description: The sort key attribute, when there is one.
      type: str
    range_key_type:
      description: Its type.
      type: str
    billing_mode:
      description: V(PAY_PER_REQUEST) or V(PROVISIONED).
      type: str
    read_capacity:
      description: Provisioned read capacity (provisioned tables only).
      type: int
    write_capacity:
      description: Provisioned write capacity (provisioned tables only).
      type: int
    global_secondary_indexes:
      description: The indexes, sorted by name, each with C(index_name), its keys and types, C(projection_type),
        C(non_key_attributes) (V(INCLUDE) only) and capacities (provisioned tables only).
      type: list
      elements: dict
    stream_enabled:
      description: Whether the stream is on.
      type: bool
    stream_view_type:
      description: The stream view type, when the stream is on.
      type: str
    stream_arn:
      description: The ARN of the stream, when it is on.
      type: str
    ttl_attribute_name:
      description: The TTL attribute; V("") when TTL is off.
      type: str
    point_in_time_recovery:
      description: Whether point-in-time recovery is on.
      type: bool
    sse_enabled:
      description: Whether the table is encrypted with a KMS key (V(false) is the key AWS owns).
      type: bool
    sse_kms_key_arn:
      description: The ARN of that KMS key.
      type: str
    deletion_protection:
      description: Whether deletion protection is on.
      type: bool
    tags:
      description: The tags, as a dict.
      type: dict
changes:
  description: What was done (or, in check mode, would be done), one AWS change per item, in order.
  returned: always
  type: list
  elements: str
  sample: ["delete index StatusIndex", "enable TTL on expirationTime"]
pending_changes:
  description:
    - Changes this run left for a later one (TTL on a renamed attribute, which AWS allows about an hour
      after TTL was disabled); a warning says when to run again.
  returned: always
  type: list
  elements: str
  sample: ["enable TTL on expiresAt"]
diff:
  description: The table before and after the change (after as predicted in check mode).
  returned: when diff mode is on
  type: dict
"""

import re

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import dynamodb
from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import client
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes

INDEX_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


def argument_spec():
    index_options = dict(
        name=dict(type="str", required=True),
        hash_key_name=dict(type="str", required=True),
        hash_key_type=dict(type="str", choices=dynamodb.KEY_TYPES),
        range_key_name=dict(type="str"),
        range_key_type=dict(type="str", choices=dynamodb.KEY_TYPES),
        projection_type=dict(type="str", default="ALL", choices=dynamodb.PROJECTION_TYPES),
        # Attribute names, not secrets ("key" in the name makes validate-modules ask).
        non_key_attributes=dict(type="list", elements="str", no_log=False),
        read_capacity=dict(type="int"),
        write_capacity=dict(type="int"),
    )
    return dict(
        name=dict(type="str", required=True, aliases=["table_name"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        hash_key_name=dict(type="str"),
        hash_key_type=dict(type="str", default="S", choices=dynamodb.KEY_TYPES),
        range_key_name=dict(type="str"),
        range_key_type=dict(type="str", default="S", choices=dynamodb.KEY_TYPES),
        billing_mode=dict(type="str", choices=dynamodb.BILLING_MODES),
        read_capacity=dict(type="int"),
        write_capacity=dict(type="int"),
        global_secondary_indexes=dict(type="list", elements="dict", options=index_options, aliases=["indexes"]),
        stream_enabled=dict(type="bool"),
        stream_view_type=dict(type="str", choices=dynamodb.STREAM_VIEW_TYPES),
        ttl_attribute_name=dict(type="str"),
        point_in_time_recovery=dict(type="bool"),
        sse_enabled=dict(type="bool"),
        sse_kms_key_id=dict(type="str", aliases=["kms_key_arn"], no_log=False),
        deletion_protection=dict(type="bool"),
        remove_deletion_protection=dict(type="bool", default=False),
        allow_index_rebuild=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )


REQUIRED_IF = [
    ("state", "present", ["hash_key_name"]),
    ("billing_mode", "PROVISIONED", ["read_capacity", "write_capacity"]),
    ("stream_enabled", True, ["stream_view_type"]),
]


class KmsKeys:
    """Resolves key ids and aliases to key ARNs, with a KMS client made only when one is needed."""

    def __init__(self, module):
        self.module = module
        self._client = None

    def arn(self, key_id, missing_ok=False):
        if not key_id or dynamodb.KMS_KEY_ARN.match(key_id):
            return key_id
        if self._client is None:
            self._client = client(self.module, "kms")
        try:
            return dynamodb.resolve_kms_key_arn(self._client, key_id)
        except ClientError as e:
            if missing_ok and e.response["Error"]["Code"] == "NotFoundException":
                return key_id
            raise


def desired_index(module, position, index, key_types):
    """One index of the argument as a view, its key types inferred from the table and other indexes."""
    label = f"global_secondary_indexes[{position}]"
    if not INDEX_NAME.match(index["name"]):
        module.fail_json(msg=f"{label}.name must be 3-255 letters, digits, '_', '-' or '.' (got {index['name']!r})")
    view = {"index_name": index["name"]}
    for prefix in ("hash", "range"):
        name = index[f"{prefix}_key_name"]
        if not name:
            continue
        attribute_type = index[f"{prefix}_key_type"] or key_types.get(name)
        if attribute_type is None:
            module.fail_json(msg=f"{label}.{prefix}_key_type is needed: no key of the table or index types {name!r}")
        view[f"{prefix}_key_name"] = name
        view[f"{prefix}_key_type"] = attribute_type
    projection = index["projection_type"]
    view["projection_type"] = projection
    if projection == "INCLUDE":
        if not index["non_key_attributes"]:
            module.fail_json(msg=f"{label}.non_key_attributes must list attributes with projection_type INCLUDE")
        view["non_key_attributes"] = sorted(index["non_key_attributes"])
    elif index["non_key_attributes"]:
        module.fail_json(msg=f"{label}.non_key_attributes is only for projection_type INCLUDE (got {projection})")
    view["read_capacity"] = index["read_capacity"]
    view["write_capacity"] = index["write_capacity"]
    return view


def key_types_of(module, params):
    """Every key attribute's type, from the table keys and the types the indexes give; a conflict fails."""
    types = {params["hash_key_name"]: params["hash_key_type"]}
    if params["range_key_name"]:
        types[params["range_key_name"]] = params["range_key_type"]
    for position, index in enumerate(params["global_secondary_indexes"] or []):
        for prefix in ("hash", "range"):
            name, attribute_type = index[f"{prefix}_key_name"], index[f"{prefix}_key_type"]
            if not name or not attribute_type:
                continue
            if types.setdefault(name, attribute_type) != attribute_type:
                module.fail_json(
                    msg=f"global_secondary_indexes[{position}].{prefix}_key_type {attribute_type} conflicts with "
                    f"type {types[name]} given to {name!r} elsewhere: an attribute has one type"
                )
    return types


def desired_state(module, kms_keys):
    """The table as the arguments want it; None for what they leave alone."""
    params = module.params
    key_types = key_types_of(module, params)
    indexes = None
    if params["global_secondary_indexes"] is not None:
        indexes = [
            desired_index(module, position, index, key_types)
            for position, index in enumerate(params["global_secondary_indexes"])
        ]
        names = [index["index_name"] for index in indexes]
        if len(set(names)) != len(names):
            module.fail_json(msg=f"global_secondary_indexes has the same name twice: {names}")
        indexes.sort(key=lambda index: index["index_name"])  # as the view lists them
    stream_enabled = params["stream_enabled"]
    if stream_enabled is None and params["stream_view_type"]:
        stream_enabled = True
    sse_enabled = params["sse_enabled"]
    if params["sse_kms_key_id"]:
        if sse_enabled is False:
            module.fail_json(
                msg="sse_kms_key_id needs sse_enabled true (or unset): sse_enabled false means the AWS owned key"
            )
        sse_enabled = True
    ttl = params["ttl_attribute_name"]
    return {
        "table_name": params["name"],
        "hash_key_name": params["hash_key_name"],
        "hash_key_type": params["hash_key_type"],
        "range_key_name": params["range_key_name"],
        "range_key_type": params["range_key_type"] if params["range_key_name"] else None,
        "billing_mode": params["billing_mode"],
        "read_capacity": params["read_capacity"],
        "write_capacity": params["write_capacity"],
        "global_secondary_indexes": indexes,
        "stream_enabled": stream_enabled,
        "stream_view_type": params["stream_view_type"] if stream_enabled else None,
        "ttl_attribute_name": ttl,
        "point_in_time_recovery": params["point_in_time_recovery"],
        "sse_enabled": sse_enabled,
        # In a plan, the key may not exist yet (the stack key's alias stands in for it).
        "sse_kms_key_arn": kms_keys.arn(params["sse_kms_key_id"], missing_ok=module.check_mode),
        "deletion_protection": params["deletion_protection"],
    }


def fill_capacities(desired, current):
    """A new table is on demand unless told otherwise; under provisioned billing an index without
    capacities takes the table's (asked for, or as it is); on demand, indexes have none."""
    if desired["billing_mode"] is None and not current:
        desired["billing_mode"] = "PAY_PER_REQUEST"
    mode = desired["billing_mode"] or current["billing_mode"]
    for index in desired["global_secondary_indexes"] or []:
        if mode == "PROVISIONED":
            index["read_capacity"] = index["read_capacity"] or desired["read_capacity"] or current.get("read_capacity")
            index["write_capacity"] = (
                index["write_capacity"] or desired["write_capacity"] or current.get("write_capacity")
            )
        else:
            index.pop("read_capacity", None)
            index.pop("write_capacity", None)


def current_state(dynamodb_client, kms_keys, name):
    table = dynamodb.describe_table(dynamodb_client, name)
    if table is None:
        return None, {}
    view = dynamodb.table_view(
        table,
        dynamodb.describe_time_to_live(dynamodb_client, name),
        dynamodb.describe_continuous_backups(dynamodb_client, name),
        dynamodb.list_tags(dynamodb_client, table["TableArn"]),
    )
    if view.get("sse_kms_key_arn"):
        # AWS reports the key ARN; the emulator echoes whatever id or alias the table was given.
        view["sse_kms_key_arn"] = kms_keys.arn(view["sse_kms_key_arn"], missing_ok=True)
    return table, view


def returned(view, table):
    if not view:
        return {}
    return dict(view, table_status=table.get("TableStatus")) if table else dict(view)


def is_settled(table):
    return table.get("TableStatus") == "ACTIVE" and all(
        index.get("IndexStatus") == "ACTIVE" for index in table.get("GlobalSecondaryIndexes") or []
    )


def run_steps(module, dynamodb_client, table_name, table_arn, steps):
    timeout = module.params["wait_timeout"]
    for step in steps:
        try:
            dynamodb.run_step(dynamodb_client, table_name, table_arn, step)
            if step["wait"]:
                dynamodb.wait_for_active(dynamodb_client, table_name, timeout)
        except (BotoCoreError, ClientError) as e:
            hint = ""
            if step["call"] == "update_time_to_live" and dynamodb.is_ttl_changed_too_recently(e):
                hint = ": AWS allows a TTL change about an hour after the last one; run again after that"
            module.fail_json_aws(e, msg=f"Failed to {step['describe']} on table {table_name}{hint}")


def check_index_rebuilds(module, current, desired):
    """Refuse, before any write (and in check mode), to delete and re-create an index unless allowed."""
    rebuilt = dynamodb.rebuilt_indexes(current, desired)
    if rebuilt and not module.params["allow_index_rebuild"]:
        module.fail_json(
            msg=f"Table {desired['table_name']}: changing the keys or projection of index(es) {', '.join(rebuilt)} "
            "deletes and re-creates them; queries on them fail until they are rebuilt (hours on a large table). "
            "Nothing was changed. Set allow_index_rebuild=true (role variable dynamodb_allow_index_rebuild) to do "
            "it, or give the new definition a new index name.",
            rebuilt_indexes=rebuilt,
        )


def ttl_for_this_run(module, dynamodb_client, current, desired):
    """The TTL attribute this run sets, and what it leaves for a later run: AWS refuses to enable TTL for
    about an hour after it was disabled, so a rename disables the old attribute now and enables the new
    one in a later run."""
    want, have = desired["ttl_attribute_name"], current["ttl_attribute_name"]
    name = desired["table_name"]
    if not want or want == have:
        return want, []
    if have:
        module.warn(
            f"Table {name}: TTL moves from {have} to {want} in two runs. This run disables TTL on {have}; AWS "
            f"refuses to enable TTL again for about an hour. Run again after that to enable TTL on {want} "
            "(until then no item expires)."
        )
        return "", [f"enable TTL on {want}"]
    status = dynamodb.describe_time_to_live(dynamodb_client, name).get("TimeToLiveStatus")
    if status == "DISABLING":
        module.warn(
            f"Table {name}: TTL is still being disabled (DISABLING; AWS takes up to an hour). TTL on {want} is "
            "left for a run after that: run again later."
        )
        return "", [f"enable TTL on {want}"]
    return want, []


def check_replacement(module, current, desired):
    reasons = dynamodb.replacement_reasons(current, desired)
    if reasons:
        module.fail_json(
            msg=f"Table {desired['table_name']} would need replacing to change {'; '.join(reasons)}: DynamoDB "
            "fixes a table's keys and their types at creation. Put the options back, or create a new table and "
            "move the items."
        )


def converge(module, dynamodb_client, kms_keys, table, current, desired, before):
    """Bring the existing ``table`` (seen as ``current``) to ``desired``; ``before`` is the diff's
    before, {} when this run created the table."""
    params = module.params
    name = desired["table_name"]
    check_replacement(module, current, desired)
    check_index_rebuilds(module, current, desired)
    ttl, pending = ttl_for_this_run(module, dynamodb_client, current, desired)
    desired = dict(desired, ttl_attribute_name=ttl)
    tags_to_set, tags_to_remove = tag_changes(current["tags"], params["tags"], params["purge_tags"])
    tags = apply_tag_changes(current["tags"], tags_to_set, tags_to_remove)
    steps = dynamodb.plan_updates(current, desired, tags_to_set, tags_to_remove)
    created = not before
    changes = (["create table"] if created else []) + [step["describe"] for step in steps]
    if module.check_mode or not steps:
        after = dynamodb.predicted_view(current, desired, tags)
        exit_with(
            module,
            bool(changes),
            before,
            after,
            table=returned(after, table),
            changes=changes,
            pending_changes=pending,
        )

    if not is_settled(table):
        dynamodb.wait_for_active(dynamodb_client, name, params["wait_timeout"])
    run_steps(module, dynamodb_client, name, current["table_arn"], steps)
    table, after = current_state(dynamodb_client, kms_keys, name)
    for field in dynamodb.unapplied(after, desired, tags):
        module.warn(
            f"Table {name}: {field} still reads {after.get(field)!r} after the update: "
            "the endpoint did not apply it (yet)"
        )
    exit_with(module, True, before, after, table=returned(after, table), changes=changes, pending_changes=pending)


def create(module, dynamodb_client, kms_keys, desired):
    """Create the table with all CreateTable takes, then converge the rest (TTL, PITR)."""
    params = module.params
    name = desired["table_name"]
    tags = params["tags"] or {}
    if module.check_mode:
        after = dynamodb.predicted_view(None, desired, tags)
        changes = ["create table"] + [step["describe"] for step in dynamodb.steps_after_create(desired, tags)]
        exit_with(module, True, {}, after, table=after, changes=changes, pending_changes=[])
    made = dynamodb.create_table(dynamodb_client, dynamodb.create_request(desired, tags))
    if not made:
        # An interrupted earlier run (or someone else) made it since the lookup: converge that table.
        module.warn(f"Table {name} appeared between the lookup and the create: converging the table found")
    dynamodb.wait_for_active(dynamodb_client, name, params["wait_timeout"])
    table, current = current_state(dynamodb_client, kms_keys, name)
    converge(module, dynamodb_client, kms_keys, table, current, desired, before={} if made else current)


def ensure_present(module, dynamodb_client, kms_keys):
    desired = desired_state(module, kms_keys)
    table, before = current_state(dynamodb_client, kms_keys, desired["table_name"])
    fill_capacities(desired, before)
    if table is None:
        create(module, dynamodb_client, kms_keys, desired)
    else:
        converge(module, dynamodb_client, kms_keys, table, before, desired, before)


def ensure_absent(module, dynamodb_client, kms_keys):
    name = module.params["name"]
    timeout = module.params["wait_timeout"]
    table, before = current_state(dynamodb_client, kms_keys, name)
    if table is None:
        exit_with(module, False, {}, {}, table={}, changes=[], pending_changes=[])
    protected = before["deletion_protection"]
    if protected and not module.params["remove_deletion_protection"]:
        module.fail_json(
            msg=f"Table {name} has deletion protection on: it is not deleted. Set remove_deletion_protection=true "
            "to turn the protection off and delete the table.",
            table=returned(before, table),
        )
    changes = (["turn deletion protection off"] if protected else []) + ["delete table"]
    if module.check_mode:
        exit_with(module, True, before, {}, table={}, changes=changes, pending_changes=[])
    if not is_settled(table):
        dynamodb.wait_for_active(dynamodb_client, name, timeout)
    if protected:
        dynamodb.update_table(dynamodb_client, name, DeletionProtectionEnabled=False)
        dynamodb.wait_for_active(dynamodb_client, name, timeout)
    changed = dynamodb.delete_table(dynamodb_client, name)
    dynamodb.wait_for_deleted(dynamodb_client, name, timeout)
    exit_with(module, changed, before, {}, table={}, changes=changes if changed else [], pending_changes=[])


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), required_if=REQUIRED_IF, supports_check_mode=True)
    run_by_state(
        module,
        "dynamodb",
        {"present": ensure_present, "absent": ensure_absent},
        f"Failed to manage DynamoDB table {module.params['name']}",
        KmsKeys(module),
    )


if __name__ == "__main__":
    main()
