# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The S3 calls this collection's bucket module makes, one small function each, and the lifecycle
normalisation that lets a configuration be compared with what S3 answers.

Every function takes a client made by ``base.client(module, "s3")`` (so each call is retried) and
lets botocore exceptions through: the module turns them into ``fail_json_aws`` once.
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

try:  # noqa: SIM105
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_dict
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_list

# DeleteObjects takes at most 1000 keys per request.
DELETE_BATCH = 1000

PUBLIC_ACCESS_BLOCK_FIELDS = {
    "block_public_acls": "BlockPublicAcls",
    "ignore_public_acls": "IgnorePublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "restrict_public_buckets": "RestrictPublicBuckets",
}


class BucketOwnedElsewhere(Exception):
    """The bucket name exists, but another account owns it."""


def error_code(error):
    return error.response.get("Error", {}).get("Code", "")


def _or_none(call, not_found_codes, **params):
    """``call(**params)``, or None when S3 answers one of ``not_found_codes`` (S3 says "not configured"
    with an error, not with an empty answer)."""
    try:
        return call(**params)
    except ClientError as e:
        if error_code(e) in not_found_codes:
            return None
        raise


# Where a bucket is and whose it is


def partition_for_region(region):
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def bucket_arn(name, region):
    return f"arn:{partition_for_region(region)}:s3:::{name}"


def is_owned_bucket(s3_client, name):
    """Whether the caller's account owns ``name``: ListBuckets lists the caller's own buckets only,
    which HeadBucket cannot tell (it answers 200 for another account's bucket that lets us in, and the
    emulator answers 200 for any bucket and ignores ExpectedBucketOwner)."""
    params = {"Prefix": name}
    while True:
        page = s3_client.list_buckets(**params)
        if any(bucket["Name"] == name for bucket in page.get("Buckets", [])):
            return True
        if not page.get("ContinuationToken"):
            return False
        params["ContinuationToken"] = page["ContinuationToken"]


def bucket_name_taken(s3_client, name):
    """Whether a bucket called ``name`` exists at all (ours or not): 404 is free, 200/403 are taken."""
    try:
        s3_client.head_bucket(Bucket=name)
    except ClientError as e:
        if error_code(e) in ("404", "NoSuchBucket", "NotFound"):
            return False
        if error_code(e) in ("403", "AccessDenied", "Forbidden"):
            return True
        raise
    return True


def bucket_region(s3_client, name):
    constraint = s3_client.get_bucket_location(Bucket=name).get("LocationConstraint")
    # The oldest regions answer with a null constraint (us-east-1) or the legacy "EU" (eu-west-1).
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(constraint, constraint)


def create_bucket(s3_client, name, region, object_lock=False):
    """Create the bucket in ``region`` (with Object Lock, which also turns versioning on, when
    ``object_lock``); raises BucketOwnedElsewhere when another account has the name."""
    request = {"Bucket": name}
    if object_lock:
        request["ObjectLockEnabledForBucket"] = True
    # us-east-1 takes no LocationConstraint (AWS refuses "us-east-1" as one).
    if region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3_client.create_bucket(**request)
    except ClientError as e:
        # A retried create whose first attempt went through, or a race with another run: it is ours.
        if error_code(e) == "BucketAlreadyOwnedByYou":
            return
        if error_code(e) == "BucketAlreadyExists":
            raise BucketOwnedElsewhere(name) from e
        raise
    s3_client.get_waiter("bucket_exists").wait(Bucket=name, WaiterConfig={"Delay": 2, "MaxAttempts": 30})


def delete_bucket(s3_client, name):
    """False when it was already gone."""
    try:
        s3_client.delete_bucket(Bucket=name)
    except ClientError as e:
        if error_code(e) == "NoSuchBucket":
            return False
        raise
    return True


# Settings, read as plain snake_cased views (the module's option shapes) and written from them


def get_versioning(s3_client, name):
    """``Enabled``, ``Suspended``, or ``Disabled`` for a bucket that was never versioned."""
    return s3_client.get_bucket_versioning(Bucket=name).get("Status") or "Disabled"


def put_versioning(s3_client, name, enabled):
    status = "Enabled" if enabled else "Suspended"
    s3_client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})


def get_object_lock(s3_client, name):
    """``{enabled, mode, retention_days}`` (plus ``retention_years`` for a retention set in years);
    ``enabled`` false when the bucket has no Object Lock configuration."""
    answer = _or_none(s3_client.get_object_lock_configuration, ("ObjectLockConfigurationNotFoundError",), Bucket=name)
    configuration = (answer or {}).get("ObjectLockConfiguration", {})
    retention = configuration.get("Rule", {}).get("DefaultRetention", {})
    view = {
        "enabled": configuration.get("ObjectLockEnabled") == "Enabled",
        "mode": retention.get("Mode"),
        "retention_days": retention.get("Days") or None,
    }
    if retention.get("Years"):
        view["retention_years"] = retention["Years"]
    return view


def put_object_lock(s3_client, name, lock):
    """Turn Object Lock on (it cannot be turned off) with ``lock``'s default retention, or none."""
    configuration = {"ObjectLockEnabled": "Enabled"}
    if lock.get("mode") and lock.get("retention_days"):
        configuration["Rule"] = {"DefaultRetention": {"Mode": lock["mode"], "Days": lock["retention_days"]}}
    s3_client.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=configuration)


def get_encryption(s3_client, name):
    """The default encryption as ``{sse_algorithm, kms_key_id?, bucket_key_enabled}``; {} when none."""
    answer = _or_none(s3_client.get_bucket_encryption, ("ServerSideEncryptionConfigurationNotFoundError",), Bucket=name)
    rules = (answer or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    if not rules:
        return {}
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {})
    view = {
        "sse_algorithm": default.get("SSEAlgorithm"),
        "bucket_key_enabled": bool(rules[0].get("BucketKeyEnabled", False)),
    }
    if default.get("KMSMasterKeyID"):
        view["kms_key_id"] = default["KMSMasterKeyID"]
    return view


def put_encryption(s3_client, name, encryption):
    default = {"SSEAlgorithm": encryption["sse_algorithm"]}
    if encryption.get("kms_key_id"):
        default["KMSMasterKeyID"] = encryption["kms_key_id"]
    rule = {"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": encryption["bucket_key_enabled"]}
    s3_client.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]})


def same_kms_key(left, right):
    """Key references S3 keeps as given: a key id and that key's ARN name the same key."""
    if (left or None) == (right or None):
        return True
    if not left or not right:
        return False
    return left.endswith(f":key/{right}") or right.endswith(f":key/{left}")


def encryption_equal(current, desired):
    return (
        current.get("sse_algorithm") == desired.get("sse_algorithm")
        and bool(current.get("bucket_key_enabled")) == bool(desired.get("bucket_key_enabled"))
        and same_kms_key(current.get("kms_key_id"), desired.get("kms_key_id"))
    )


def get_public_access_block(s3_client, name):
    """The four blocks as booleans; all False when the bucket has no configuration."""
    answer = _or_none(s3_client.get_public_access_block, ("NoSuchPublicAccessBlockConfiguration",), Bucket=name)
    configuration = (answer or {}).get("PublicAccessBlockConfiguration", {})
    return {field: bool(configuration.get(api_field, False)) for field, api_field in PUBLIC_ACCESS_BLOCK_FIELDS.items()}


def put_public_access_block(s3_client, name, blocks):
    configuration = {api_field: bool(blocks[field]) for field, api_field in PUBLIC_ACCESS_BLOCK_FIELDS.items()}
    s3_client.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=configuration)


def get_object_ownership(s3_client, name):
    answer = _or_none(s3_client.get_bucket_ownership_controls, ("OwnershipControlsNotFoundError",), Bucket=name)
    rules = (answer or {}).get("OwnershipControls", {}).get("Rules", [])
    return rules[0]["ObjectOwnership"] if rules else None


def put_object_ownership(s3_client, name, ownership):
    s3_client.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]})


def get_policy(s3_client, name):
    """The policy document as a string, or None."""
    answer = _or_none(s3_client.get_bucket_policy, ("NoSuchBucketPolicy",), Bucket=name)
    return (answer or {}).get("Policy")


def put_policy(s3_client, name, policy_json):
    s3_client.put_bucket_policy(Bucket=name, Policy=policy_json)


def delete_policy(s3_client, name):
    s3_client.delete_bucket_policy(Bucket=name)


def get_lifecycle_rules(s3_client, name):
    """The lifecycle rules, normalised (see ``normalise_rules``); [] when there is no configuration."""
    answer = _or_none(s3_client.get_bucket_lifecycle_configuration, ("NoSuchLifecycleConfiguration",), Bucket=name)
    return normalise_rules([rule_from_api(rule) for rule in (answer or {}).get("Rules", [])])


def put_lifecycle_rules(s3_client, name, rules):
    if not rules:
        s3_client.delete_bucket_lifecycle(Bucket=name)
        return
    s3_client.put_bucket_lifecycle_configuration(
        Bucket=name, LifecycleConfiguration={"Rules": [rule_to_api(rule) for rule in rules]}
    )


def get_tags(s3_client, name):
    answer = _or_none(s3_client.get_bucket_tagging, ("NoSuchTagSet", "NoSuchTagSetError"), Bucket=name)
    return tags_to_dict((answer or {}).get("TagSet", []))


def put_tags(s3_client, name, tags):
    """S3 replaces the whole tag set at once."""
    if tags:
        s3_client.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags_to_list(tags)})
    else:
        s3_client.delete_bucket_tagging(Bucket=name)


# Lifecycle rules: one normal form for what the user asks and what S3 answers.
#
# A rule is a snake_cased dict in the shape of the module's ``lifecycle_rules`` option. The normal form
# drops every value that means "nothing" (an empty prefix, no tags, ExpiredObjectDeleteMarker false,
# empty lists), whether S3 filled it in or the user wrote it, and sorts what has no meaningful order
# (transitions by age, rules by ID). Two rule lists are the same configuration exactly when their normal
# forms are equal.

RULE_FIELDS = (
    "id",
    "status",
    "prefix",
    "filter_tags",
    "object_size_greater_than",
    "object_size_less_than",
    "transitions",
    "expiration_days",
    "expiration_date",
    "expired_object_delete_marker",
    "noncurrent_version_transitions",
    "noncurrent_version_expiration_days",
    "noncurrent_version_expiration_newer_versions",
    "abort_incomplete_multipart_upload_days",
)


def _is_nothing(value):
    return value is None or value is False or value == "" or value == [] or value == {}


def _date(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _clean(mapping):
    return {key: value for key, value in mapping.items() if not _is_nothing(value)}


def _transition_order(transition):
    return (
        transition.get("days", transition.get("noncurrent_days", 0)) or 0,
        str(transition.get("date", "")),
        transition["storage_class"],
    )


def normalise_rule(rule):
    """One rule (option shape, possibly with unset or "nothing" values) in normal form."""
    normal = _clean({field: rule.get(field) for field in RULE_FIELDS})
    normal["status"] = normal.get("status", "Enabled").capitalize()
    for field in ("transitions", "noncurrent_version_transitions"):
        if field in normal:
            normal[field] = sorted((_clean(item) for item in normal[field]), key=_transition_order)
    if "filter_tags" in normal:
        normal["filter_tags"] = {str(key): str(value) for key, value in normal["filter_tags"].items()}
    return normal


def normalise_rules(rules):
    return sorted((normalise_rule(rule) for rule in rules or []), key=lambda rule: rule["id"])


def _filter_from_api(rule):
    """(prefix, tags, size above, size below) from any of the filter shapes S3 answers with: the legacy
    rule-level Prefix, no Filter, ``{}``, ``{"Prefix": ""}``, a single Tag or size, or an ``And``."""
    api_filter = rule.get("Filter")
    if api_filter is None:
        return rule.get("Prefix"), {}, None, None
    conditions = api_filter.get("And", api_filter)
    tags = tags_to_dict(conditions.get("Tags", []))
    if "Tag" in conditions:
        tags.update(tags_to_dict([conditions["Tag"]]))
    return (
        conditions.get("Prefix"),
        tags,
        conditions.get("ObjectSizeGreaterThan"),
        conditions.get("ObjectSizeLessThan"),
    )


def rule_from_api(rule):
    """A rule as GetBucketLifecycleConfiguration gives it, in normal form."""
    prefix, tags, size_above, size_below = _filter_from_api(rule)
    expiration = rule.get("Expiration", {})
    noncurrent_expiration = rule.get("NoncurrentVersionExpiration", {})
    return normalise_rule(
        {
            "id": rule.get("ID", ""),
            "status": rule.get("Status", "Enabled"),
            "prefix": prefix,
            "filter_tags": tags,
            "object_size_greater_than": size_above,
            "object_size_less_than": size_below,
            "transitions": [
                {"days": item.get("Days"), "date": _date(item.get("Date")), "storage_class": item["StorageClass"]}
                for item in rule.get("Transitions", [])
            ],
            "expiration_days": expiration.get("Days"),
            "expiration_date": _date(expiration.get("Date")),
            "expired_object_delete_marker": expiration.get("ExpiredObjectDeleteMarker"),
            "noncurrent_version_transitions": [
                {
                    "noncurrent_days": item.get("NoncurrentDays"),
                    "storage_class": item["StorageClass"],
                    "newer_noncurrent_versions": item.get("NewerNoncurrentVersions"),
                }
                for item in rule.get("NoncurrentVersionTransitions", [])
            ],
            "noncurrent_version_expiration_days": noncurrent_expiration.get("NoncurrentDays"),
            "noncurrent_version_expiration_newer_versions": noncurrent_expiration.get("NewerNoncurrentVersions"),
            "abort_incomplete_multipart_upload_days": rule.get("AbortIncompleteMultipartUpload", {}).get(
                "DaysAfterInitiation"
            ),
        }
    )


def _filter_to_api(rule):
    conditions = {}
    if rule.get("prefix"):
        conditions["Prefix"] = rule["prefix"]
    tags = tags_to_list(rule.get("filter_tags"))
    if rule.get("object_size_greater_than"):
        conditions["ObjectSizeGreaterThan"] = rule["object_size_greater_than"]
    if rule.get("object_size_less_than"):
        conditions["ObjectSizeLessThan"] = rule["object_size_less_than"]
    if len(conditions) + len(tags) > 1:
        return {"And": dict(conditions, Tags=tags) if tags else conditions}
    if tags:
        return {"Tag": tags[0]}
    return conditions or {"Prefix": ""}


def rule_to_api(rule):
    """A rule in normal form as PutBucketLifecycleConfiguration takes it."""
    api_rule = {"ID": rule["id"], "Status": rule["status"], "Filter": _filter_to_api(rule)}
    if rule.get("transitions"):
        api_rule["Transitions"] = [
            _clean({"Days": item.get("days"), "Date": item.get("date"), "StorageClass": item["storage_class"]})
            for item in rule["transitions"]
        ]
    expiration = _clean(
        {
            "Days": rule.get("expiration_days"),
            "Date": rule.get("expiration_date"),
            "ExpiredObjectDeleteMarker": rule.get("expired_object_delete_marker"),
        }
    )
    if expiration:
        api_rule["Expiration"] = expiration
    if rule.get("noncurrent_version_transitions"):
        api_rule["NoncurrentVersionTransitions"] = [
            _clean(
                {
                    "NoncurrentDays": item.get("noncurrent_days"),
                    "StorageClass": item["storage_class"],
                    "NewerNoncurrentVersions": item.get("newer_noncurrent_versions"),
                }
            )
            for item in rule["noncurrent_version_transitions"]
        ]
    noncurrent_expiration = _clean(
        {
            "NoncurrentDays": rule.get("noncurrent_version_expiration_days"),
            "NewerNoncurrentVersions": rule.get("noncurrent_version_expiration_newer_versions"),
        }
    )
    if noncurrent_expiration:
        api_rule["NoncurrentVersionExpiration"] = noncurrent_expiration
    if rule.get("abort_incomplete_multipart_upload_days"):
        api_rule["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": rule["abort_incomplete_multipart_upload_days"]
        }
    return api_rule


# Emptying a bucket (state=absent, force=true)


def first_object_version(s3_client, name):
    """Any one object version or delete marker of the bucket, or None when it is empty."""
    page = s3_client.list_object_versions(Bucket=name, MaxKeys=1)
    items = page.get("Versions", []) + page.get("DeleteMarkers", [])
    return items[0] if items else None


def object_versions_page(s3_client, name):
    """Up to 1000 object versions and delete markers, as DeleteObjects identifiers. Emptying lists the
    first page again after each delete, so it needs no markers and cannot skip what a writer adds."""
    page = s3_client.list_object_versions(Bucket=name, MaxKeys=DELETE_BATCH)
    items = page.get("Versions", []) + page.get("DeleteMarkers", [])
    return [{"Key": item["Key"], "VersionId": item["VersionId"]} for item in items][:DELETE_BATCH]


def delete_object_batch(s3_client, name, objects, bypass_governance=False):
    """Delete up to 1000 versions; the per-key errors DeleteObjects reports instead of raising.
    ``bypass_governance`` also deletes versions under a GOVERNANCE-mode Object Lock retention (it needs
    s3:BypassGovernanceRetention); COMPLIANCE-mode versions cannot be deleted before their date."""
    request = {"Bucket": name, "Delete": {"Objects": objects, "Quiet": True}}
    if bypass_governance:
        request["BypassGovernanceRetention"] = True
    answer = s3_client.delete_objects(**request)
    return answer.get("Errors", [])


def abort_multipart_uploads(s3_client, name):
    params = {"Bucket": name}
    while True:
        page = s3_client.list_multipart_uploads(**params)
        for upload in page.get("Uploads", []):
            s3_client.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
        if not page.get("IsTruncated"):
            return
        params["KeyMarker"] = page.get("NextKeyMarker")
        params["UploadIdMarker"] = page.get("NextUploadIdMarker")


class RetainedObjects(Exception):
    """Object versions that a delete must not (or cannot) remove; ``summary`` says how many and until when."""

    def __init__(self, message, summary):
        super().__init__(message)
        self.summary = summary


def _all_versions(s3_client, name):
    """Every object version (not delete markers, which carry no lock) of the bucket."""
    params = {"Bucket": name}
    while True:
        page = s3_client.list_object_versions(**params)
        yield from page.get("Versions", [])
        if not page.get("IsTruncated"):
            return
        params["KeyMarker"] = page.get("NextKeyMarker")
        params["VersionIdMarker"] = page.get("NextVersionIdMarker")


def retained_versions(s3_client, name, now):
    """The versions under an Object Lock retention that ends after ``now`` (an aware datetime) or under a
    legal hold: [{key, version_id, mode, retain_until, legal_hold}]. One HeadObject per version, which
    reports the version's lock (mode, retain-until date, legal hold)."""
    retained = []
    for version in _all_versions(s3_client, name):
        head = s3_client.head_object(Bucket=name, Key=version["Key"], VersionId=version["VersionId"])
        until = head.get("ObjectLockRetainUntilDate")
        mode = head.get("ObjectLockMode") if until and until > now else None
        hold = head.get("ObjectLockLegalHoldStatus") == "ON"
        if mode or hold:
            retained.append(
                {
                    "key": version["Key"],
                    "version_id": version["VersionId"],
                    "mode": mode,
                    "retain_until": until,
                    "legal_hold": hold,
                }
            )
    return retained


def retention_summary(retained):
    """{compliance|governance: {count, until (the latest date, ISO 8601)}, legal_hold: {count}} of the
    ``retained_versions``; kinds with no version are left out."""
    summary = {}
    for mode in ("COMPLIANCE", "GOVERNANCE"):
        dates = [item["retain_until"] for item in retained if item["mode"] == mode]
        if dates:
            summary[mode.lower()] = {"count": len(dates), "until": max(dates).isoformat()}
    holds = sum(1 for item in retained if item["legal_hold"])
    if holds:
        summary["legal_hold"] = {"count": holds}
    return summary


def check_retained(name, retained, bypass_governance):
    """Raise ``RetainedObjects`` when the bucket holds versions a delete must not remove: COMPLIANCE-mode
    retentions (nobody can remove them before their date) and legal holds always; GOVERNANCE-mode
    retentions unless ``bypass_governance``. Called before any delete, so nothing is removed."""
    summary = retention_summary(retained)
    parts = []
    if "compliance" in summary:
        item = summary["compliance"]
        parts.append(
            f"{item['count']} under COMPLIANCE retention until {item['until']} (nobody can remove them before then)"
        )
    if "legal_hold" in summary:
        parts.append(f"{summary['legal_hold']['count']} under a legal hold (until someone allowed to releases it)")
    if "governance" in summary and not bypass_governance:
        item = summary["governance"]
        parts.append(f"{item['count']} under GOVERNANCE retention until {item['until']}")
    if parts:
        raise RetainedObjects(
            f"Bucket {name} holds object versions that are retained or locked: {'; '.join(parts)}. "
            "Nothing was deleted.",
            summary,
        )


def empty_bucket(s3_client, name, bypass_governance=False, emulator=False):
    """Delete every object version and delete marker (and abort unfinished uploads); how many versions.
    ``bypass_governance`` for a bucket with Object Lock (see ``delete_object_batch``).

    A per-object AccessDenied on AWS means a legal hold, a retention or a policy that denies the delete:
    it is raised, naming how many versions were refused, and the bucket policy is never touched. Only on
    the local emulator (``emulator``, derived from the endpoint by ``base.is_local_emulator``), which
    applies a policy's Deny statements without their conditions (an audit bucket's "deny without TLS"
    denies every delete), is the policy lifted once, then the batch tried again.
    """
    deleted = 0
    policy_lifted = False
    while True:
        batch = object_versions_page(s3_client, name)
        if not batch:
            break
        errors = delete_object_batch(s3_client, name, batch, bypass_governance)
        denied = [error for error in errors if error.get("Code") == "AccessDenied"]
        if denied and emulator and not policy_lifted and get_policy(s3_client, name) is not None:
            delete_policy(s3_client, name)  # emulator only: see the docstring
            policy_lifted = True
            continue
        if denied:
            raise ClientError(
                {
                    "Error": {
                        "Code": "AccessDenied",
                        "Message": f"{len(denied)} object version(s) of bucket {name} could not be deleted, first "
                        f"{denied[0].get('Key')}: {denied[0].get('Message')} (a legal hold, an Object Lock "
                        "retention or a policy denies it; the bucket policy was left in place)",
                    }
                },
                "DeleteObjects",
            )
        if errors:
            first = errors[0]
            raise ClientError(
                {"Error": {"Code": first.get("Code"), "Message": f"{first.get('Key')}: {first.get('Message')}"}},
                "DeleteObjects",
            )
        deleted += len(batch)
    abort_multipart_uploads(s3_client, name)
    return deleted


class emulator_policy_lifted:  # noqa: N801 - used as a context manager, like contextlib's
    """On the local emulator only (``emulator`` True): the bucket policy is lifted for the block and put
    back after it unless the bucket is gone (set ``deleted``). The emulator applies a policy's Deny
    statements without their conditions, so an audit bucket's TLS-only statement denies every object
    read (HeadObject) and delete; on AWS those calls are allowed and this does nothing."""

    def __init__(self, s3_client, name, emulator):
        self.s3_client, self.name, self.emulator = s3_client, name, emulator
        self.policy = None
        self.deleted = False

    def __enter__(self):
        if self.emulator:
            self.policy = get_policy(self.s3_client, self.name)
            if self.policy is not None:
                delete_policy(self.s3_client, self.name)
        return self

    def __exit__(self, *exc_info):
        if self.policy is not None and not self.deleted:
            put_policy(self.s3_client, self.name, self.policy)
        return False
