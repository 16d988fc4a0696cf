"""The S3 helpers: lifecycle normalisation, bucket creation and emptying (fake clients, no emulator)."""

import datetime
import re

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ansible_collections.payments.aws_platform.plugins.module_utils import s3

ARCHIVE = {
    "ID": "archive",
    "Status": "Enabled",
    "Transitions": [{"Days": 120, "StorageClass": "DEEP_ARCHIVE"}, {"Days": 30, "StorageClass": "GLACIER"}],
}


def client_error(code, operation="Operation"):
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


# Lifecycle normalisation


@pytest.mark.parametrize(
    "filter_shape",
    [{}, {"Filter": {}}, {"Filter": {"Prefix": ""}}, {"Prefix": ""}, {"Filter": {"And": {"Prefix": ""}}}],
    ids=["no-filter", "empty-filter", "empty-prefix", "legacy-prefix", "empty-and"],
)
def test_every_shape_of_a_whole_bucket_filter_is_the_same_rule(filter_shape):
    rule = s3.rule_from_api(dict(ARCHIVE, **filter_shape))

    assert rule == {
        "id": "archive",
        "status": "Enabled",
        "transitions": [{"days": 30, "storage_class": "GLACIER"}, {"days": 120, "storage_class": "DEEP_ARCHIVE"}],
    }


def test_a_prefix_and_tags_filter_is_read_from_an_and():
    rule = s3.rule_from_api(
        dict(
            ARCHIVE,
            Filter={"And": {"Prefix": "logs/", "Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]}},
        )
    )

    assert rule["prefix"] == "logs/"
    assert rule["filter_tags"] == {"a": "1", "b": "2"}


@pytest.mark.parametrize(
    ("api_filter", "expected"),
    [
        ({"Tag": {"Key": "a", "Value": "1"}}, {"filter_tags": {"a": "1"}}),
        ({"ObjectSizeGreaterThan": 128}, {"object_size_greater_than": 128}),
        ({"Prefix": "x/"}, {"prefix": "x/"}),
    ],
)
def test_single_condition_filters(api_filter, expected):
    rule = s3.rule_from_api(dict(ARCHIVE, Filter=api_filter))

    assert {key: rule[key] for key in expected} == expected


def test_values_s3_fills_in_that_mean_nothing_are_dropped():
    rule = s3.rule_from_api(
        {
            "ID": "noncurrent",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "Expiration": {"ExpiredObjectDeleteMarker": False},
            "NoncurrentVersionTransitions": [{"NoncurrentDays": 30, "StorageClass": "GLACIER"}],
            "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
        }
    )

    assert rule == {
        "id": "noncurrent",
        "status": "Enabled",
        "noncurrent_version_transitions": [{"noncurrent_days": 30, "storage_class": "GLACIER"}],
        "noncurrent_version_expiration_days": 90,
    }


def test_the_option_shape_with_unset_values_matches_what_s3_answers():
    from_options = {
        "id": "archive",
        "status": "Enabled",
        "prefix": None,
        "filter_tags": None,
        "object_size_greater_than": None,
        "object_size_less_than": None,
        "transitions": [{"days": 30, "storage_class": "GLACIER"}, {"days": 120, "storage_class": "DEEP_ARCHIVE"}],
        "expiration_days": None,
        "expired_object_delete_marker": None,
        "noncurrent_version_transitions": None,
        "noncurrent_version_expiration_days": None,
        "noncurrent_version_expiration_newer_versions": None,
        "abort_incomplete_multipart_upload_days": None,
    }

    assert s3.normalise_rule(from_options) == s3.rule_from_api(dict(ARCHIVE, Filter={}))


def test_rules_are_ordered_by_id_and_a_different_day_is_a_difference():
    abort = {"ID": "abort", "Status": "Enabled", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}
    rules = s3.normalise_rules([s3.rule_from_api(ARCHIVE), s3.rule_from_api(abort)])
    later = dict(ARCHIVE, Transitions=[{"Days": 31, "StorageClass": "GLACIER"}])

    assert [rule["id"] for rule in rules] == ["abort", "archive"]
    assert rules == s3.normalise_rules([s3.rule_from_api(abort), s3.rule_from_api(ARCHIVE)])
    assert s3.rule_from_api(later) != s3.rule_from_api(ARCHIVE)


def test_a_disabled_rule_differs_from_an_enabled_one():
    assert s3.rule_from_api(dict(ARCHIVE, Status="Disabled")) != s3.rule_from_api(ARCHIVE)


def test_dates_are_kept_so_a_date_rule_never_equals_a_days_rule():
    dated = {
        "ID": "archive",
        "Status": "Enabled",
        "Expiration": {"Date": datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)},
    }

    assert s3.rule_from_api(dated)["expiration_date"] == "2030-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    "rule",
    [
        {"id": "a", "status": "Enabled", "abort_incomplete_multipart_upload_days": 7},
        {"id": "b", "status": "Enabled", "prefix": "logs/", "filter_tags": {"k": "v"}, "expiration_days": 10},
        {"id": "c", "status": "Disabled", "filter_tags": {"k": "v"}, "expired_object_delete_marker": True},
        {
            "id": "d",
            "status": "Enabled",
            "object_size_greater_than": 1,
            "noncurrent_version_transitions": [
                {"noncurrent_days": 30, "storage_class": "GLACIER", "newer_noncurrent_versions": 2}
            ],
            "noncurrent_version_expiration_days": 90,
            "noncurrent_version_expiration_newer_versions": 3,
        },
    ],
    ids=["abort", "prefix-and-tag", "single-tag", "noncurrent"],
)
def test_a_rule_written_and_read_back_is_the_same_rule(rule):
    assert s3.rule_from_api(s3.rule_to_api(rule)) == rule


def test_the_written_filter_shapes():
    assert s3.rule_to_api({"id": "a", "status": "Enabled"})["Filter"] == {"Prefix": ""}
    assert s3.rule_to_api({"id": "a", "status": "Enabled", "filter_tags": {"k": "v"}})["Filter"] == {
        "Tag": {"Key": "k", "Value": "v"}
    }
    assert s3.rule_to_api({"id": "a", "status": "Enabled", "prefix": "p/", "filter_tags": {"k": "v"}})["Filter"] == {
        "And": {"Prefix": "p/", "Tags": [{"Key": "k", "Value": "v"}]}
    }


# Encryption


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("arn:aws:kms:us-east-1:123456789012:key/abc", "abc", True),
        ("abc", "arn:aws:kms:us-east-1:123456789012:key/abc", True),
        ("arn:aws:kms:us-east-1:123456789012:key/abc", "arn:aws:kms:us-east-1:123456789012:key/abd", False),
        (None, "", True),
        (None, "abc", False),
    ],
)
def test_same_kms_key(left, right, same):
    assert s3.same_kms_key(left, right) is same


def test_encryption_differs_on_the_bucket_key():
    current = {"sse_algorithm": "aws:kms", "kms_key_id": "k", "bucket_key_enabled": True}

    assert s3.encryption_equal(current, dict(current))
    assert not s3.encryption_equal(current, dict(current, bucket_key_enabled=False))
    assert not s3.encryption_equal(current, {"sse_algorithm": "AES256", "bucket_key_enabled": True})


# Creating and locating buckets


class CreateClient:
    def __init__(self, error=None):
        self.error = error
        self.requests = []
        self.waited = []

    def create_bucket(self, **request):
        self.requests.append(request)
        if self.error:
            raise client_error(self.error, "CreateBucket")

    def get_waiter(self, name):
        client = self

        class Waiter:
            def wait(self, **params):
                client.waited.append((name, params["Bucket"]))

        return Waiter()


def test_us_east_1_takes_no_location_constraint():
    fake = CreateClient()

    s3.create_bucket(fake, "b", "us-east-1")

    assert fake.requests == [{"Bucket": "b"}]
    assert fake.waited == [("bucket_exists", "b")]


def test_other_regions_take_a_location_constraint():
    fake = CreateClient()

    s3.create_bucket(fake, "b", "eu-west-1")

    assert fake.requests == [{"Bucket": "b", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}]


def test_a_bucket_already_owned_by_us_is_a_success():
    s3.create_bucket(CreateClient("BucketAlreadyOwnedByYou"), "b", "eu-west-1")


def test_a_name_owned_elsewhere_is_its_own_error():
    with pytest.raises(s3.BucketOwnedElsewhere):
        s3.create_bucket(CreateClient("BucketAlreadyExists"), "b", "eu-west-1")


def test_other_create_errors_raise():
    with pytest.raises(ClientError, match="InvalidBucketName"):
        s3.create_bucket(CreateClient("InvalidBucketName"), "b", "eu-west-1")


@pytest.mark.parametrize(
    ("constraint", "region"),
    [(None, "us-east-1"), ("", "us-east-1"), ("EU", "eu-west-1"), ("ap-south-1", "ap-south-1")],
)
def test_bucket_region(constraint, region):
    class LocationClient:
        def get_bucket_location(self, Bucket):  # noqa: N803 (boto3 argument name)
            return {"LocationConstraint": constraint}

    assert s3.bucket_region(LocationClient(), "b") == region


@pytest.mark.parametrize(
    ("region", "partition"), [("us-east-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")]
)
def test_bucket_arn(region, partition):
    assert s3.bucket_arn("b", region) == f"arn:{partition}:s3:::b"


# Emptying


class VersionedClient:
    """ListObjectVersions/DeleteObjects/policy calls over an in-memory bucket; the policy, while set,
    denies every delete (as the emulator does with any Deny statement)."""

    def __init__(self, versions, policy=None):
        self.versions = list(versions)
        self.policy = policy
        self.policy_deleted = False

    def list_object_versions(self, Bucket, MaxKeys=1000):  # noqa: N803 (boto3 argument names)
        return {"Versions": [{"Key": key, "VersionId": vid} for key, vid in self.versions[:MaxKeys]]}

    def delete_objects(self, Bucket, Delete):  # noqa: N803
        if self.policy:
            return {"Errors": [{"Key": item["Key"], "Code": "AccessDenied"} for item in Delete["Objects"]]}
        gone = {(item["Key"], item["VersionId"]) for item in Delete["Objects"]}
        self.versions = [version for version in self.versions if version not in gone]
        return {}

    def get_bucket_policy(self, Bucket):  # noqa: N803
        if not self.policy:
            raise client_error("NoSuchBucketPolicy")
        return {"Policy": self.policy}

    def delete_bucket_policy(self, Bucket):  # noqa: N803
        self.policy = None
        self.policy_deleted = True

    def list_multipart_uploads(self, Bucket):  # noqa: N803
        return {"Uploads": []}


def test_emptying_deletes_every_version_in_batches():
    fake = VersionedClient([(f"k{index}", "v1") for index in range(2500)])

    assert s3.empty_bucket(fake, "b") == 2500
    assert fake.versions == []
    assert fake.policy_deleted is False


def test_against_aws_a_denied_delete_leaves_the_policy_and_says_so():
    """Issue 20, item 5: on AWS a per-object AccessDenied is a legal hold, a retention or a policy."""
    fake = VersionedClient([("k", "v1"), ("k", "v2")], policy='{"Statement": []}')

    with pytest.raises(ClientError, match=r"2 object version\(s\) of bucket b could not be deleted") as raised:
        s3.empty_bucket(fake, "b")

    assert "the bucket policy was left in place" in str(raised.value)
    assert fake.policy_deleted is False
    assert fake.policy == '{"Statement": []}'
    assert len(fake.versions) == 2


def test_on_the_emulator_a_policy_that_denies_the_deletes_is_lifted_once():
    fake = VersionedClient([("k", "v1"), ("k", "v2")], policy='{"Statement": []}')

    assert s3.empty_bucket(fake, "b", emulator=True) == 2
    assert fake.policy_deleted is True


def test_on_the_emulator_a_denial_that_outlives_the_lift_is_raised_not_retried():
    class Locked(VersionedClient):
        def delete_objects(self, Bucket, Delete):  # noqa: N803
            self.deletes = getattr(self, "deletes", 0) + 1
            return {"Errors": [{"Key": item["Key"], "Code": "AccessDenied"} for item in Delete["Objects"]]}

    fake = Locked([("k", "v1")], policy='{"Statement": []}')

    with pytest.raises(ClientError, match="AccessDenied"):
        s3.empty_bucket(fake, "b", emulator=True)
    assert fake.deletes == 2  # once with the policy, once after the lift; then reported


def test_emptying_raises_other_per_key_errors():
    class Failing(VersionedClient):
        def delete_objects(self, Bucket, Delete):  # noqa: N803
            return {"Errors": [{"Key": "k", "Code": "InternalError", "Message": "boom"}]}

    with pytest.raises(ClientError, match="InternalError"):
        s3.empty_bucket(Failing([("k", "v1")]), "b")


# Retained versions (issue 20, item 5): read with HeadObject, answered here by botocore's Stubber.

NOW = datetime.datetime(2026, 12, 4, tzinfo=datetime.UTC)
LATER = NOW + datetime.timedelta(days=30)
EARLIER = NOW - datetime.timedelta(days=1)


def stubbed_bucket(heads):
    """An S3 client whose bucket "b" lists one version per item of ``heads`` (HeadObject answers)."""
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    stubber = Stubber(client)
    versions = [{"Key": f"k{index}", "VersionId": f"v{index}"} for index in range(len(heads))]
    stubber.add_response("list_object_versions", {"Versions": versions, "IsTruncated": False}, {"Bucket": "b"})
    for version, head in zip(versions, heads, strict=True):
        stubber.add_response(
            "head_object", head, {"Bucket": "b", "Key": version["Key"], "VersionId": version["VersionId"]}
        )
    stubber.activate()
    return client, stubber


def test_retained_versions_are_those_whose_retention_has_not_ended_or_held():
    client, stubber = stubbed_bucket(
        [
            {"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": LATER},
            {"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": EARLIER},  # ended: free
            {"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": LATER},
            {"ObjectLockLegalHoldStatus": "ON"},
            {},
        ]
    )

    retained = s3.retained_versions(client, "b", NOW)

    stubber.assert_no_pending_responses()
    assert [(item["key"], item["mode"], item["legal_hold"]) for item in retained] == [
        ("k0", "COMPLIANCE", False),
        ("k2", "GOVERNANCE", False),
        ("k3", None, True),
    ]
    assert s3.retention_summary(retained) == {
        "compliance": {"count": 1, "until": LATER.isoformat()},
        "governance": {"count": 1, "until": LATER.isoformat()},
        "legal_hold": {"count": 1},
    }


def test_compliance_versions_are_reported_impossible_to_remove_even_with_the_bypass():
    client, _ = stubbed_bucket([{"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": LATER}] * 3)
    retained = s3.retained_versions(client, "b", NOW)

    with pytest.raises(s3.RetainedObjects) as raised:
        s3.check_retained("b", retained, bypass_governance=True)

    message = str(raised.value)
    assert f"3 under COMPLIANCE retention until {LATER.isoformat()}" in message
    assert "nobody can remove them before then" in message and "Nothing was deleted" in message
    assert raised.value.summary == {"compliance": {"count": 3, "until": LATER.isoformat()}}


def test_governance_versions_are_refused_unless_the_bypass_is_allowed():
    client, _ = stubbed_bucket([{"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": LATER}] * 2)
    retained = s3.retained_versions(client, "b", NOW)

    with pytest.raises(s3.RetainedObjects, match=f"2 under GOVERNANCE retention until {re.escape(LATER.isoformat())}"):
        s3.check_retained("b", retained, bypass_governance=False)
    s3.check_retained("b", retained, bypass_governance=True)  # allowed: nothing raised


def test_a_legal_hold_is_never_bypassed():
    client, _ = stubbed_bucket([{"ObjectLockLegalHoldStatus": "ON"}])

    with pytest.raises(s3.RetainedObjects, match="1 under a legal hold"):
        s3.check_retained("b", s3.retained_versions(client, "b", NOW), bypass_governance=True)


def test_the_emulator_lift_puts_the_policy_back_unless_the_bucket_is_gone():
    fake = VersionedClient([], policy='{"Statement": []}')
    puts = []
    fake.put_bucket_policy = lambda Bucket, Policy: puts.append(Policy)  # noqa: N803

    with s3.emulator_policy_lifted(fake, "b", emulator=True):
        assert fake.policy is None
    assert puts == ['{"Statement": []}']

    fake.policy = '{"Statement": []}'
    with s3.emulator_policy_lifted(fake, "b", emulator=False):
        assert fake.policy == '{"Statement": []}'  # AWS: untouched
    with s3.emulator_policy_lifted(fake, "b", emulator=True) as lifted:
        lifted.deleted = True
    assert puts == ['{"Statement": []}']
