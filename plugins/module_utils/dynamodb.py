# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DynamoDB calls the ``dynamodb_table`` module makes, one small function each, and the pure
functions that turn what AWS reports into a comparable view and a desired state into a plan.

Every call function takes a client made by ``base.client(module, "dynamodb")`` (so each call is
retried) and lets botocore exceptions through: the module turns them into ``fail_json_aws`` once.

The view of a table (``table_view``) is what the module compares, diffs and returns: keys with their
attribute types, billing, indexes, stream, TTL, PITR, SSE, deletion protection and tags, with the
values AWS fills in or leaves behind normalised away (throughput of on-demand tables, attribute
definitions no key uses, ``BillingModeSummary`` missing on always-provisioned tables...).

The plan (``plan_updates``) is a list of steps, each one AWS call: UpdateTable allows one GSI create
or delete, or one stream change, per call, and the table and its indexes must be ACTIVE between.
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import copy
import re

try:
    from botocore.exceptions import ClientError
    from botocore.waiter import WaiterModel
    from botocore.waiter import create_waiter_with_client
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils.base import paginate
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_dict
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_list
from ansible_collections.payments.aws_platform.plugins.module_utils.eventual import CONTINUOUS_BACKUPS_NOT_READY
from ansible_collections.payments.aws_platform.plugins.module_utils.eventual import while_propagating

KEY_TYPES = ["S", "N", "B"]
BILLING_MODES = ["PAY_PER_REQUEST", "PROVISIONED"]
STREAM_VIEW_TYPES = ["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"]
PROJECTION_TYPES = ["ALL", "KEYS_ONLY", "INCLUDE"]

# States in which the table's setting counts as on (the change is under way, and asking again fails).
SSE_ON_STATES = frozenset(["ENABLED", "ENABLING", "UPDATING"])
TTL_ON_STATES = frozenset(["ENABLED", "ENABLING"])
# An index being deleted is already gone as far as the desired state is concerned.
INDEX_GONE_STATES = frozenset(["DELETING"])

KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/")

# Seconds between two DescribeTable calls while waiting; the first call is made at once.
WAIT_DELAY = 5

# A waiter for "the table and every one of its global secondary indexes are ACTIVE": botocore's own
# table_exists waiter looks at the table only, and an index still CREATING blocks the next index change.
_WAITERS = {
    "version": 2,
    "waiters": {
        "TableAndIndexesActive": {
            "operation": "DescribeTable",
            "delay": WAIT_DELAY,
            "maxAttempts": 120,
            "acceptors": [
                {
                    "state": "success",
                    "matcher": "path",
                    "argument": "Table.TableStatus == 'ACTIVE' && "
                    "length(Table.GlobalSecondaryIndexes[?IndexStatus != 'ACTIVE'] || `[]`) == `0`",
                    "expected": True,
                },
                {
                    "state": "failure",
                    "matcher": "path",
                    "argument": "Table.TableStatus",
                    "expected": "INACCESSIBLE_ENCRYPTION_CREDENTIALS",
                },
                {"state": "failure", "matcher": "path", "argument": "Table.TableStatus", "expected": "ARCHIVED"},
                # Just created: DescribeTable is eventually consistent.
                {"state": "retry", "matcher": "error", "expected": "ResourceNotFoundException"},
            ],
        }
    },
}


def _error_code(error):
    return error.response.get("Error", {}).get("Code")


# Calls


def describe_table(client, name):
    """The table as DescribeTable reports it, or None."""
    try:
        return client.describe_table(TableName=name)["Table"]
    except ClientError as e:
        if _error_code(e) == "ResourceNotFoundException":
            return None
        raise


def describe_time_to_live(client, name):
    return client.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})


def describe_continuous_backups(client, name):
    return client.describe_continuous_backups(TableName=name).get("ContinuousBackupsDescription", {})


def list_tags(client, table_arn):
    return tags_to_dict(paginate(client, "list_tags_of_resource", "Tags", ResourceArn=table_arn))


def create_table(client, request):
    """Create the table from ``request`` (CreateTable arguments); False when it already existed
    (an earlier, interrupted run or someone else made it: the caller reads it and converges it)."""
    try:
        client.create_table(**request)
    except ClientError as e:
        if _error_code(e) == "ResourceInUseException":
            return False
        raise
    return True


def update_table(client, name, **changes):
    client.update_table(TableName=name, **changes)


def update_time_to_live(client, name, attribute_name, enabled):
    client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": enabled, "AttributeName": attribute_name}
    )


# Right after CreateTable, DynamoDB answers ContinuousBackupsUnavailableException until backups can be
# turned on for the new table (AWS: seconds to minutes).
@while_propagating(CONTINUOUS_BACKUPS_NOT_READY)
def update_continuous_backups(client, name, enabled):
    client.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": enabled}
    )


def tag_resource(client, table_arn, tags):
    if tags:
        client.tag_resource(ResourceArn=table_arn, Tags=tags_to_list(tags))


def untag_resource(client, table_arn, keys):
    if keys:
        client.untag_resource(ResourceArn=table_arn, TagKeys=list(keys))


def delete_table(client, name):
    """False when it was already gone."""
    try:
        client.delete_table(TableName=name)
    except ClientError as e:
        if _error_code(e) == "ResourceNotFoundException":
            return False
        raise
    return True


def _max_attempts(timeout, delay):
    return max(1, int(timeout // max(delay, 1)) + 1)


def wait_for_active(client, name, timeout, delay=WAIT_DELAY):
    """Wait, at most about ``timeout`` seconds, until the table and all its GSIs are ACTIVE
    (raises botocore's WaiterError when they are not by then)."""
    waiter = create_waiter_with_client("TableAndIndexesActive", WaiterModel(_WAITERS), client)
    waiter.wait(TableName=name, WaiterConfig={"Delay": delay, "MaxAttempts": _max_attempts(timeout, delay)})


def wait_for_deleted(client, name, timeout, delay=WAIT_DELAY):
    client.get_waiter("table_not_exists").wait(
        TableName=name, WaiterConfig={"Delay": delay, "MaxAttempts": _max_attempts(timeout, delay)}
    )


def resolve_kms_key_arn(kms_client, key_id):
    """The key ARN of ``key_id`` (a key ARN, key id, alias name or alias ARN); a key ARN is returned
    as it is, without a call."""
    if not key_id or KMS_KEY_ARN.match(key_id):
        return key_id
    return kms_client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]


# The view: what the module compares, diffs and returns


def _keys_view(key_schema, attribute_types):
    view = {}
    for key in key_schema or []:
        prefix = "hash" if key["KeyType"] == "HASH" else "range"
        view[f"{prefix}_key_name"] = key["AttributeName"]
        view[f"{prefix}_key_type"] = attribute_types.get(key["AttributeName"])
    return view


def _capacity(throughput):
    throughput = throughput or {}
    return {
        "read_capacity": throughput.get("ReadCapacityUnits"),
        "write_capacity": throughput.get("WriteCapacityUnits"),
    }


def index_view(index, attribute_types, provisioned):
    view = {"index_name": index["IndexName"]}
    view.update(_keys_view(index.get("KeySchema"), attribute_types))
    projection = index.get("Projection") or {}
    view["projection_type"] = projection.get("ProjectionType", "ALL")
    if view["projection_type"] == "INCLUDE":
        view["non_key_attributes"] = sorted(projection.get("NonKeyAttributes") or [])
    if provisioned:
        view.update(_capacity(index.get("ProvisionedThroughput")))
    return view


def billing_mode_of(table):
    # AWS leaves BillingModeSummary out for tables that were provisioned from the start.
    return (table.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"


def table_view(table, time_to_live, continuous_backups, tags):
    """What DescribeTable, DescribeTimeToLive, DescribeContinuousBackups and ListTagsOfResource
    report, as one comparable, snake_cased dict."""
    attribute_types = {item["AttributeName"]: item["AttributeType"] for item in table.get("AttributeDefinitions") or []}
    billing_mode = billing_mode_of(table)
    provisioned = billing_mode == "PROVISIONED"
    view = {"table_name": table["TableName"], "table_arn": table.get("TableArn")}
    view.update(_keys_view(table.get("KeySchema"), attribute_types))
    view["billing_mode"] = billing_mode
    if provisioned:
        # An on-demand table reports 0/0, or what it had before it was switched: neither means anything.
        view.update(_capacity(table.get("ProvisionedThroughput")))
    indexes = [
        index
        for index in table.get("GlobalSecondaryIndexes") or []
        if index.get("IndexStatus") not in INDEX_GONE_STATES
    ]
    view["global_secondary_indexes"] = sorted(
        (index_view(index, attribute_types, provisioned) for index in indexes), key=lambda item: item["index_name"]
    )
    stream = table.get("StreamSpecification") or {}
    view["stream_enabled"] = bool(stream.get("StreamEnabled"))
    if view["stream_enabled"]:
        view["stream_view_type"] = stream.get("StreamViewType")
        view["stream_arn"] = table.get("LatestStreamArn")
    ttl_on = (time_to_live or {}).get("TimeToLiveStatus") in TTL_ON_STATES
    view["ttl_attribute_name"] = time_to_live.get("AttributeName", "") if ttl_on else ""
    pitr = (continuous_backups or {}).get("PointInTimeRecoveryDescription") or {}
    view["point_in_time_recovery"] = pitr.get("PointInTimeRecoveryStatus") == "ENABLED"
    # No SSEDescription (or DISABLED) is the default encryption with a key AWS owns.
    sse = table.get("SSEDescription") or {}
    view["sse_enabled"] = sse.get("Status") in SSE_ON_STATES
    if view["sse_enabled"]:
        view["sse_kms_key_arn"] = sse.get("KMSMasterKeyArn")
    view["deletion_protection"] = bool(table.get("DeletionProtectionEnabled"))
    view["tags"] = tags or {}
    return view


# Desired state and plan


def key_attributes(view_or_index):
    """{attribute name: type} of the hash and range keys of a table or index view."""
    attributes = {}
    for prefix in ("hash", "range"):
        name = view_or_index.get(f"{prefix}_key_name")
        if name:
            attributes[name] = view_or_index.get(f"{prefix}_key_type")
    return attributes


def key_schema(view_or_index):
    schema = [{"AttributeName": view_or_index["hash_key_name"], "KeyType": "HASH"}]
    if view_or_index.get("range_key_name"):
        schema.append({"AttributeName": view_or_index["range_key_name"], "KeyType": "RANGE"})
    return schema


def attribute_definitions(table_keys, indexes):
    """AttributeDefinitions for the table keys and ``indexes``: every key attribute once, sorted.

    UpdateTable is always sent the whole set: AWS wants at least the new index's attributes, and the
    emulator replaces the table's definitions with what it is sent instead of adding to them."""
    types = {}
    for item in [table_keys] + list(indexes):
        for name, attribute_type in key_attributes(item).items():
            if attribute_type and name not in types:
                types[name] = attribute_type
    return [{"AttributeName": name, "AttributeType": types[name]} for name in sorted(types)]


def _throughput(item):
    return {"ReadCapacityUnits": item["read_capacity"], "WriteCapacityUnits": item["write_capacity"]}


def index_request(index, provisioned):
    """A GlobalSecondaryIndexes item (CreateTable) or Create action (UpdateTable)."""
    request = {
        "IndexName": index["index_name"],
        "KeySchema": key_schema(index),
        "Projection": {"ProjectionType": index["projection_type"]},
    }
    if index["projection_type"] == "INCLUDE":
        request["Projection"]["NonKeyAttributes"] = list(index["non_key_attributes"])
    if provisioned:
        request["ProvisionedThroughput"] = _throughput(index)
    return request


def index_shape(index):
    """What cannot change without deleting and re-creating the index."""
    return {key: value for key, value in index.items() if key not in ("read_capacity", "write_capacity")}


def sse_specification(enabled, kms_key_arn):
    if not enabled:
        return {"Enabled": False}
    spec = {"Enabled": True, "SSEType": "KMS"}
    if kms_key_arn:
        spec["KMSMasterKeyId"] = kms_key_arn
    return spec


def create_request(desired, tags):
    """The CreateTable arguments for ``desired`` (TTL and PITR need calls of their own afterwards)."""
    provisioned = desired["billing_mode"] == "PROVISIONED"
    indexes = desired["global_secondary_indexes"] or []
    request = {
        "TableName": desired["table_name"],
        "AttributeDefinitions": attribute_definitions(desired, indexes),
        "KeySchema": key_schema(desired),
        "BillingMode": desired["billing_mode"],
    }
    if provisioned:
        request["ProvisionedThroughput"] = _throughput(desired)
    if indexes:
        request["GlobalSecondaryIndexes"] = [index_request(index, provisioned) for index in indexes]
    if desired["stream_enabled"]:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": desired["stream_view_type"]}
    if desired["sse_enabled"]:
        request["SSESpecification"] = sse_specification(True, desired["sse_kms_key_arn"])
    if desired["deletion_protection"] is not None:
        request["DeletionProtectionEnabled"] = desired["deletion_protection"]
    if tags:
        request["Tags"] = tags_to_list(tags)
    return request


def replacement_reasons(current, desired):
    """The options whose change would need a new table (DynamoDB cannot change a table's keys)."""
    reasons = []
    for option in ("hash_key_name", "hash_key_type", "range_key_name", "range_key_type"):
        have, want = current.get(option), desired.get(option)
        if option.endswith("_type") and (have is None or not desired.get(option.replace("_type", "_name"))):
            continue  # unknown type, or no such key: the name comparison speaks for it
        if (have or None) != (want or None):
            reasons.append(f"{option} (the table has {have!r}, asked for {want!r})")
    return reasons


def rebuilt_indexes(current, desired):
    """The indexes that exist and are asked for with other keys or another projection: DynamoDB can only
    delete and re-create them."""
    if desired["global_secondary_indexes"] is None:
        return []
    have = {index["index_name"]: index for index in current["global_secondary_indexes"]}
    return [
        index["index_name"]
        for index in desired["global_secondary_indexes"]
        if index["index_name"] in have and index_shape(have[index["index_name"]]) != index_shape(index)
    ]


def is_ttl_changed_too_recently(error):
    """AWS's answer to a TTL change within about an hour of the last one."""
    if not hasattr(error, "response"):
        return False
    message = error.response.get("Error", {}).get("Message", "")
    return _error_code(error) == "ValidationException" and "multiple times" in message


def _step(describe, call, wait=False, **args):
    return {"describe": describe, "call": call, "args": args, "wait": wait}


def _index_steps(current, desired, provisioned):
    """Steps that bring the indexes to ``desired``: deletes first, then throughput updates, then
    creates, one index per call; an index whose keys or projection changed is deleted and re-created."""
    if desired["global_secondary_indexes"] is None:
        return [], []
    have = {index["index_name"]: index for index in current["global_secondary_indexes"]}
    want = {index["index_name"]: index for index in desired["global_secondary_indexes"]}
    remaining = [
        have[name] for name in sorted(have) if name in want and index_shape(have[name]) == index_shape(want[name])
    ]
    deletes = [
        _step(
            f"delete index {name}", "update_table", True, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": name}}]
        )
        for name in sorted(have)
        if name not in want or index_shape(have[name]) != index_shape(want[name])
    ]
    creates = []
    for name in sorted(want):
        if any(index["index_name"] == name for index in remaining):
            continue
        remaining.append(want[name])
        creates.append(
            _step(
                f"create index {name}",
                "update_table",
                True,
                AttributeDefinitions=attribute_definitions(desired, remaining),
                GlobalSecondaryIndexUpdates=[{"Create": index_request(want[name], provisioned)}],
            )
        )
    updates = []
    # Switching to provisioned sets every index's throughput in the billing step itself.
    if provisioned and current["billing_mode"] == "PROVISIONED":
        for name in sorted(want):
            index = have.get(name)
            if index is None or index_shape(index) != index_shape(want[name]):
                continue
            if (index.get("read_capacity"), index.get("write_capacity")) != (
                want[name]["read_capacity"],
                want[name]["write_capacity"],
            ):
                updates.append(
                    _step(
                        f"set the throughput of index {name}",
                        "update_table",
                        True,
                        GlobalSecondaryIndexUpdates=[
                            {"Update": {"IndexName": name, "ProvisionedThroughput": _throughput(want[name])}}
                        ],
                    )
                )
    return deletes, updates + creates


def _billing_steps(current, desired, kept_indexes):
    def capacity_of(index):
        # An index the user left alone takes the table's throughput.
        return {
            "read_capacity": index.get("read_capacity") or desired["read_capacity"],
            "write_capacity": index.get("write_capacity") or desired["write_capacity"],
        }

    mode = desired["billing_mode"]
    if mode is None:
        return []
    if mode == "PAY_PER_REQUEST":
        if current["billing_mode"] == mode:
            return []
        return [_step("switch to on-demand billing", "update_table", True, BillingMode=mode)]
    capacity = (desired["read_capacity"], desired["write_capacity"])
    if current["billing_mode"] == mode and (current.get("read_capacity"), current.get("write_capacity")) == capacity:
        return []
    args = {"BillingMode": mode, "ProvisionedThroughput": _throughput(desired)}
    if current["billing_mode"] != mode and kept_indexes:
        # Switching to provisioned needs the throughput of every index in the same call.
        args["GlobalSecondaryIndexUpdates"] = [
            {"Update": {"IndexName": index["index_name"], "ProvisionedThroughput": _throughput(capacity_of(index))}}
            for index in kept_indexes
        ]
    return [_step(f"set provisioned throughput {capacity[0]}/{capacity[1]}", "update_table", True, **args)]


def _stream_steps(current, desired):
    enabled, view_type = desired["stream_enabled"], desired["stream_view_type"]
    if enabled is None:
        return []
    disable = _step("disable the stream", "update_table", True, StreamSpecification={"StreamEnabled": False})
    enable = _step(
        f"enable the stream ({view_type})",
        "update_table",
        True,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type},
    )
    if not enabled:
        return [disable] if current["stream_enabled"] else []
    if not current["stream_enabled"]:
        return [enable]
    if current.get("stream_view_type") != view_type:
        # A stream's view type cannot change: AWS wants it disabled, then enabled with the new type.
        return [disable, enable]
    return []


def _sse_steps(current, desired):
    enabled, key = desired["sse_enabled"], desired["sse_kms_key_arn"]
    if enabled is None:
        return []
    if not enabled:
        if not current["sse_enabled"]:
            return []
        return [_step("use the AWS owned key", "update_table", True, SSESpecification=sse_specification(False, None))]
    if current["sse_enabled"] and (not key or current.get("sse_kms_key_arn") == key):
        return []
    return [
        _step(
            f"encrypt with KMS key {key or 'aws/dynamodb'}",
            "update_table",
            True,
            SSESpecification=sse_specification(True, key),
        )
    ]


def _ttl_steps(current, desired):
    want, have = desired["ttl_attribute_name"], current["ttl_attribute_name"]
    if want is None or want == have:
        return []
    steps = []
    if have:
        steps.append(_step(f"disable TTL on {have}", "update_time_to_live", attribute_name=have, enabled=False))
    if want:
        steps.append(_step(f"enable TTL on {want}", "update_time_to_live", attribute_name=want, enabled=True))
    return steps


def plan_updates(current, desired, tags_to_set, tags_to_remove):
    """The steps, in order, that bring the table ``current`` (a ``table_view``) to ``desired``
    (fields that are None are left alone). Each step is one AWS call; ``wait`` says the table and
    its indexes must be ACTIVE again before the next."""
    provisioned = (desired["billing_mode"] or current["billing_mode"]) == "PROVISIONED"
    index_deletes, index_creates = _index_steps(current, desired, provisioned)
    kept = [
        index
        for index in (desired["global_secondary_indexes"] or current["global_secondary_indexes"])
        if not any(step["describe"] == f"create index {index['index_name']}" for step in index_creates)
    ]
    steps = index_deletes + _billing_steps(current, desired, kept) + index_creates
    steps += _stream_steps(current, desired)
    steps += _sse_steps(current, desired)
    protection = desired["deletion_protection"]
    if protection is not None and protection != current["deletion_protection"]:
        describe = "turn deletion protection " + ("on" if protection else "off")
        steps.append(_step(describe, "update_table", True, DeletionProtectionEnabled=protection))
    steps += _ttl_steps(current, desired)
    pitr = desired["point_in_time_recovery"]
    if pitr is not None and pitr != current["point_in_time_recovery"]:
        describe = "turn point-in-time recovery " + ("on" if pitr else "off")
        steps.append(_step(describe, "update_continuous_backups", enabled=pitr))
    if tags_to_remove:
        steps.append(_step(f"remove tags {sorted(tags_to_remove)}", "untag_resource", keys=sorted(tags_to_remove)))
    if tags_to_set:
        steps.append(_step(f"set tags {sorted(tags_to_set)}", "tag_resource", tags=dict(tags_to_set)))
    return steps


def steps_after_create(desired, tags):
    """What CreateTable cannot set (TTL, PITR), as steps against the table it makes."""
    fresh = predicted_view(None, dict(desired, ttl_attribute_name=None, point_in_time_recovery=None), tags)
    return plan_updates(fresh, desired, {}, [])


def run_step(client, table_name, table_arn, step):
    """Make the one AWS call of a plan step."""
    args = step["args"]
    if step["call"] == "update_table":
        update_table(client, table_name, **args)
    elif step["call"] == "update_time_to_live":
        update_time_to_live(client, table_name, args["attribute_name"], args["enabled"])
    elif step["call"] == "update_continuous_backups":
        update_continuous_backups(client, table_name, args["enabled"])
    elif step["call"] == "tag_resource":
        tag_resource(client, table_arn, args["tags"])
    elif step["call"] == "untag_resource":
        untag_resource(client, table_arn, args["keys"])
    else:
        raise ValueError(f"unknown step {step['call']}")


def predicted_view(current, desired, tags):
    """The table as it will be once the plan ran (``current`` None: once it is created); what AWS
    only assigns at that time (ARNs of a new table or stream, the AWS managed key) is left out."""
    after = copy.deepcopy(current) if current else {"table_name": desired["table_name"]}
    for option in ("hash_key_name", "hash_key_type", "range_key_name", "range_key_type"):
        after.pop(option, None)
        if desired.get(option):
            after[option] = desired[option]
    mode = desired["billing_mode"] or after.get("billing_mode")
    after["billing_mode"] = mode
    after.pop("read_capacity", None)
    after.pop("write_capacity", None)
    if mode == "PROVISIONED":
        after["read_capacity"] = desired["read_capacity"] or (current or {}).get("read_capacity")
        after["write_capacity"] = desired["write_capacity"] or (current or {}).get("write_capacity")
    if desired["global_secondary_indexes"] is not None:
        after["global_secondary_indexes"] = copy.deepcopy(desired["global_secondary_indexes"])
    after.setdefault("global_secondary_indexes", [])
    if mode != "PROVISIONED":
        for index in after["global_secondary_indexes"]:
            index.pop("read_capacity", None)
            index.pop("write_capacity", None)
    if desired["stream_enabled"] is not None:
        was = (after.get("stream_enabled"), after.get("stream_view_type"))
        after["stream_enabled"] = desired["stream_enabled"]
        after.pop("stream_view_type", None)
        if desired["stream_enabled"]:
            after["stream_view_type"] = desired["stream_view_type"]
        if (after["stream_enabled"], after.get("stream_view_type")) != was or not after["stream_enabled"]:
            after.pop("stream_arn", None)  # a new stream gets a new ARN
    after.setdefault("stream_enabled", False)
    if desired["ttl_attribute_name"] is not None:
        after["ttl_attribute_name"] = desired["ttl_attribute_name"]
    after.setdefault("ttl_attribute_name", "")
    if desired["point_in_time_recovery"] is not None:
        after["point_in_time_recovery"] = desired["point_in_time_recovery"]
    after.setdefault("point_in_time_recovery", False)
    if desired["sse_enabled"] is not None:
        had_key = after.pop("sse_kms_key_arn", None) if after.get("sse_enabled") else None
        after["sse_enabled"] = desired["sse_enabled"]
        key = desired["sse_kms_key_arn"] or had_key
        if desired["sse_enabled"] and key:
            after["sse_kms_key_arn"] = key
    after.setdefault("sse_enabled", False)
    if desired["deletion_protection"] is not None:
        after["deletion_protection"] = desired["deletion_protection"]
    after.setdefault("deletion_protection", False)
    after["tags"] = tags
    return after


def unapplied(after, desired, tags):
    """The fields that still differ from ``desired`` once the plan ran (an endpoint that accepted a
    call and ignored it)."""
    expected = predicted_view(after, desired, tags)
    return sorted(field for field in expected if expected.get(field) != after.get(field))
