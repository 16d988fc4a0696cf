"""payments.aws_platform.aws_resource_info against the emulator: reads only, refuses everything else."""

import boto3
import pytest

MODULE = "aws_resource_info"


@pytest.fixture
def dynamodb(emulator_url):
    return boto3.client(
        "dynamodb",
        endpoint_url=emulator_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def table(dynamodb, unique_name):
    dynamodb.create_table(
        TableName=unique_name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "Stack", "Value": unique_name}],
    )
    dynamodb.update_continuous_backups(
        TableName=unique_name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    return unique_name


@pytest.mark.parametrize("check_mode", [False, True])
def test_reads_what_no_info_module_shows(run_module, table, check_mode):
    result = run_module(
        MODULE,
        {"service": "dynamodb", "operation": "describe_continuous_backups", "parameters": {"TableName": table}},
        check_mode=check_mode,
    )

    assert result["failed"] is False, result
    assert result["changed"] is False
    assert result["found"] is True
    description = result["response"]["ContinuousBackupsDescription"]
    assert description["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert "ResponseMetadata" not in result["response"]


def test_pages_are_merged_and_datetimes_are_strings(run_module, table):
    result = run_module(
        MODULE,
        {
            "service": "resourcegroupstaggingapi",
            "operation": "get_resources",
            "parameters": {"TagFilters": [{"Key": "Stack", "Values": [table]}]},
        },
    )
    described = run_module(
        MODULE, {"service": "dynamodb", "operation": "describe_table", "parameters": {"TableName": table}}
    )

    assert [mapping["ResourceARN"].rsplit("/", 1)[1] for mapping in result["response"]["ResourceTagMappingList"]] == [
        table
    ]
    assert isinstance(described["response"]["Table"]["CreationDateTime"], str)


@pytest.mark.parametrize("missing_ok", [True, False])
def test_a_missing_resource_is_found_false_or_a_failure(run_module, unique_name, missing_ok):
    result = run_module(
        MODULE,
        {
            "service": "dynamodb",
            "operation": "describe_time_to_live",
            "parameters": {"TableName": unique_name},
            "missing_ok": missing_ok,
        },
    )

    if missing_ok:
        assert result["failed"] is False
        assert (result["found"], result["response"]) == (False, {})
    else:
        assert result["failed"] is True
        assert "no such resource" in result["msg"]


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("dynamodb", "delete_table"),
        ("dynamodb", "update_continuous_backups"),
        ("s3", "put_bucket_versioning"),
        ("kms", "disable_key_rotation"),
        # A read, but not allow-listed: object contents are not the verifier's business.
        ("s3", "get_object"),
        ("iam", "get_account_authorization_details"),
    ],
)
def test_refuses_anything_not_an_allow_listed_read(run_module, dynamodb, table, service, operation):
    result = run_module(MODULE, {"service": service, "operation": operation, "parameters": {"TableName": table}})

    assert result["failed"] is True
    assert operation in result["msg"]
    assert "Failed to call" not in result["msg"]
    assert dynamodb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    backups = dynamodb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
