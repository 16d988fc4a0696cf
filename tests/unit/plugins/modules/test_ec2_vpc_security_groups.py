"""payments.aws_platform.ec2_vpc_security_groups against the emulator, counting the AWS calls it makes."""

from collections import Counter

import botocore.client
import pytest

MODULE = "ec2_vpc_security_groups"
COMMON_TAGS = {"Project": "payments", "Stack": "payments-test"}
RDS, LAMBDA = "payments-test-rds-sg", "payments-test-lambda-sg"
WRITES = {
    "CreateSecurityGroup",
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "UpdateSecurityGroupRuleDescriptionsIngress",
    "UpdateSecurityGroupRuleDescriptionsEgress",
    "CreateTags",
    "DeleteTags",
    "DeleteSecurityGroup",
}


@pytest.fixture
def prefix_lists(ec2):
    """The S3 and DynamoDB prefix list ids of the region."""
    lists = {item["PrefixListName"]: item["PrefixListId"] for item in ec2.describe_prefix_lists()["PrefixLists"]}
    return lists["com.amazonaws.us-east-1.s3"], lists["com.amazonaws.us-east-1.dynamodb"]


def groups_spec(prefix_lists):
    """The vpc role's two groups: RDS admits Lambda on 5432; Lambda sends to RDS and the two prefix lists."""
    return [
        {
            "name": RDS,
            "description": "payments-test RDS PostgreSQL",
            "ingress": [
                {
                    "proto": "tcp",
                    "ports": [5432],
                    "group_name": LAMBDA,
                    "description": "PostgreSQL from the payment processor",
                }
            ],
            "egress": [],
        },
        {
            "name": LAMBDA,
            "description": "payments-test Lambda payment processor",
            "tags": {"Tier": "app"},
            "ingress": [],
            "egress": [
                {
                    "proto": "tcp",
                    "ports": [5432],
                    "group_name": RDS,
                    "description": "PostgreSQL to the payments database",
                },
                {"proto": "tcp", "ports": [443], "prefix_list_id": prefix_lists[0]},
                {"proto": "tcp", "ports": [443], "prefix_list_id": prefix_lists[1]},
            ],
        },
    ]


def args_for(vpc_id, prefix_lists, **extra):
    return {"vpc_id": vpc_id, "groups": groups_spec(prefix_lists), "tags": COMMON_TAGS, **extra}


def groups_of(ec2, vpc_id):
    """``{name: group}`` of the VPC's groups other than default, as EC2 describes them, tags as a dict."""
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    return {
        group["GroupName"]: dict(group, Tags={tag["Key"]: tag["Value"] for tag in group.get("Tags", [])})
        for group in groups
        if group["GroupName"] != "default"
    }


@pytest.fixture
def converged(run_module, vpc, prefix_lists):
    result = run_module(MODULE, args_for(vpc.vpc_id, prefix_lists))
    assert result["changed"] is True, result
    return result


def test_create_makes_both_groups_with_cross_references_and_no_default_egress(
    run_module, ec2, vpc, prefix_lists, counted
):
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, prefix_lists))

    assert result["failed"] is False, result
    assert result["changed"] is True
    # One read, one create per group (tags included), the rules, the default egress revoked, one read back.
    assert calls == Counter(
        {
            "DescribeSecurityGroups": 2,
            "CreateSecurityGroup": 2,
            "AuthorizeSecurityGroupIngress": 1,
            "AuthorizeSecurityGroupEgress": 1,
            "RevokeSecurityGroupEgress": 2,
        }
    ), calls
    actual = groups_of(ec2, vpc.vpc_id)
    assert sorted(actual) == sorted([RDS, LAMBDA])
    rds, lam = actual[RDS], actual[LAMBDA]
    assert rds["Tags"] == {**COMMON_TAGS, "Name": RDS}
    assert lam["Tags"] == {**COMMON_TAGS, "Tier": "app", "Name": LAMBDA}
    assert rds["IpPermissionsEgress"] == []
    assert len(rds["IpPermissions"]) == 1
    pair = rds["IpPermissions"][0]["UserIdGroupPairs"][0]
    assert pair["GroupId"] == lam["GroupId"]
    assert pair["Description"] == "PostgreSQL from the payment processor"
    assert lam["IpPermissions"] == []
    egress_groups = [p["GroupId"] for perm in lam["IpPermissionsEgress"] for p in perm["UserIdGroupPairs"]]
    egress_lists = sorted(p["PrefixListId"] for perm in lam["IpPermissionsEgress"] for p in perm["PrefixListIds"])
    assert egress_groups == [rds["GroupId"]]
    assert egress_lists == sorted(prefix_lists)
    assert not [r for perm in lam["IpPermissionsEgress"] for r in perm["IpRanges"]]

    returned = result["security_groups"]
    assert returned[RDS]["group_id"] == rds["GroupId"]
    assert returned[LAMBDA]["group_id"] == lam["GroupId"]
    assert returned[RDS]["ingress"] == [
        {
            "proto": "tcp",
            "from_port": 5432,
            "to_port": 5432,
            "group_id": lam["GroupId"],
            "group_name": LAMBDA,
            "description": "PostgreSQL from the payment processor",
        }
    ]
    assert returned[RDS]["egress"] == []
    assert len(returned[LAMBDA]["egress"]) == 3
    assert returned[LAMBDA]["tags"] == lam["Tags"]
    assert returned[RDS]["changed"] is True and returned[LAMBDA]["changed"] is True


def test_rerun_changes_nothing_with_one_call(run_module, vpc, prefix_lists, converged, counted):
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, prefix_lists))

    assert result["failed"] is False, result
    assert result["changed"] is False
    assert calls == Counter({"DescribeSecurityGroups": 1}), calls
    for name in (RDS, LAMBDA):
        assert result["security_groups"][name]["group_id"] == converged["security_groups"][name]["group_id"]
        assert result["security_groups"][name]["changed"] is False
        assert result["security_groups"][name]["ingress"] == converged["security_groups"][name]["ingress"]
        assert result["security_groups"][name]["egress"] == converged["security_groups"][name]["egress"]


def test_stray_rule_and_default_egress_are_revoked(run_module, ec2, vpc, prefix_lists, converged, counted):
    rds_id = converged["security_groups"][RDS]["group_id"]
    ec2.authorize_security_group_ingress(
        GroupId=rds_id,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    ec2.authorize_security_group_egress(
        GroupId=rds_id, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, prefix_lists), diff=True)

    assert result["changed"] is True, result
    assert calls == Counter(
        {"DescribeSecurityGroups": 2, "RevokeSecurityGroupIngress": 1, "RevokeSecurityGroupEgress": 1}
    ), calls
    rds = groups_of(ec2, vpc.vpc_id)[RDS]
    assert rds["IpPermissionsEgress"] == []
    assert [perm["FromPort"] for perm in rds["IpPermissions"]] == [5432]
    assert result["security_groups"][RDS]["changed"] is True
    assert result["security_groups"][LAMBDA]["changed"] is False
    assert len(result["diff"]["before"][RDS]["ingress"]) == 2
    assert len(result["diff"]["after"][RDS]["ingress"]) == 1
    assert run_module(MODULE, args_for(vpc.vpc_id, prefix_lists))["changed"] is False


def test_purge_rules_false_keeps_a_stray_rule(run_module, ec2, vpc, prefix_lists, converged, counted):
    rds_id = converged["security_groups"][RDS]["group_id"]
    ec2.authorize_security_group_ingress(
        GroupId=rds_id,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
    )
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, prefix_lists, purge_rules=False))

    assert result["changed"] is False, result
    assert not WRITES & set(calls), calls
    assert len(groups_of(ec2, vpc.vpc_id)[RDS]["IpPermissions"]) == 2


def test_a_rule_description_drift_is_fixed(run_module, ec2, vpc, prefix_lists, counted):
    spec = [
        {
            "name": RDS,
            "description": "d",
            "ingress": [{"proto": "tcp", "ports": ["22"], "cidr_ip": "10.0.0.0/8", "description": "ssh"}],
        }
    ]
    run_module(MODULE, {"vpc_id": vpc.vpc_id, "groups": spec})
    spec[0]["ingress"][0]["description"] = "ssh from the office"
    with counted() as calls:
        result = run_module(MODULE, {"vpc_id": vpc.vpc_id, "groups": spec})

    assert result["changed"] is True, result
    assert calls == Counter({"DescribeSecurityGroups": 2, "UpdateSecurityGroupRuleDescriptionsIngress": 1}), calls
    assert groups_of(ec2, vpc.vpc_id)[RDS]["IpPermissions"][0]["IpRanges"][0]["Description"] == "ssh from the office"
    assert run_module(MODULE, {"vpc_id": vpc.vpc_id, "groups": spec})["changed"] is False


def test_tag_drift_is_fixed_on_that_group_only(run_module, ec2, vpc, prefix_lists, converged, counted):
    lambda_id = converged["security_groups"][LAMBDA]["group_id"]
    ec2.create_tags(Resources=[lambda_id], Tags=[{"Key": "Tier", "Value": "db"}, {"Key": "Stray", "Value": "x"}])
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, prefix_lists))

    assert result["changed"] is True, result
    assert calls == Counter({"DescribeSecurityGroups": 2, "CreateTags": 1, "DeleteTags": 1}), calls
    wanted = {**COMMON_TAGS, "Tier": "app", "Name": LAMBDA}
    assert groups_of(ec2, vpc.vpc_id)[LAMBDA]["Tags"] == wanted
    assert result["security_groups"][LAMBDA]["tags"] == wanted
    assert result["security_groups"][RDS]["changed"] is False
    assert run_module(MODULE, args_for(vpc.vpc_id, prefix_lists))["changed"] is False


def test_check_mode_on_an_empty_vpc_reports_the_plan_and_writes_nothing(run_module, ec2, vpc, prefix_lists, counted):
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, prefix_lists), check_mode=True, diff=True)

    assert result["failed"] is False, result
    assert result["changed"] is True
    assert calls == Counter({"DescribeSecurityGroups": 1}), calls
    assert groups_of(ec2, vpc.vpc_id) == {}
    assert result["security_groups"][RDS]["group_id"] is None
    assert result["security_groups"][RDS]["ingress"][0]["group_name"] == LAMBDA
    assert result["security_groups"][RDS]["egress"] == []
    assert result["diff"]["before"] == {}
    assert sorted(result["diff"]["after"]) == sorted([RDS, LAMBDA])


def test_check_mode_on_drift_writes_nothing(run_module, ec2, vpc, prefix_lists, converged, counted):
    rds_id = converged["security_groups"][RDS]["group_id"]
    ec2.authorize_security_group_egress(
        GroupId=rds_id, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    ec2.create_tags(Resources=[rds_id], Tags=[{"Key": "Stray", "Value": "x"}])
    drifted = groups_of(ec2, vpc.vpc_id)
    with counted() as calls:
        result = run_module(MODULE, args_for(vpc.vpc_id, prefix_lists), check_mode=True)

    assert result["changed"] is True, result
    assert calls == Counter({"DescribeSecurityGroups": 1}), calls
    assert groups_of(ec2, vpc.vpc_id) == drifted
    assert result["security_groups"][RDS]["egress"] == []
    assert "Stray" not in result["security_groups"][RDS]["tags"]


def test_an_existing_untagged_group_is_adopted_not_duplicated(run_module, ec2, vpc, prefix_lists, counted):
    # What amazon.aws.ec2_security_group left when it made a referenced group (untagged) on the fly.
    existing = ec2.create_security_group(GroupName=LAMBDA, Description="x", VpcId=vpc.vpc_id)["GroupId"]
    result = run_module(MODULE, args_for(vpc.vpc_id, prefix_lists))

    assert result["changed"] is True, result
    assert result["security_groups"][LAMBDA]["group_id"] == existing
    actual = groups_of(ec2, vpc.vpc_id)
    assert len(actual) == 2
    assert actual[LAMBDA]["Tags"]["Name"] == LAMBDA
    # ansible-core 2.19 returns warnings as dicts: match on their text.
    assert any("description" in str(warning) for warning in result.get("warnings", [])), result
    assert run_module(MODULE, args_for(vpc.vpc_id, prefix_lists))["changed"] is False


def test_a_reference_to_an_unknown_group_fails_before_any_write(run_module, ec2, vpc, counted):
    spec = [{"name": RDS, "description": "d", "ingress": [{"proto": "tcp", "ports": [1], "group_name": "nope"}]}]
    with counted() as calls:
        result = run_module(MODULE, {"vpc_id": vpc.vpc_id, "groups": spec})

    assert result["failed"] is True, result
    assert "nope" in result["msg"]
    assert calls == Counter({"DescribeSecurityGroups": 1}), calls
    assert groups_of(ec2, vpc.vpc_id) == {}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"proto": "tcp", "ports": [1], "cidr_ip": "10.0.0.0/8", "prefix_list_id": "pl-1"}, "exactly one"),
        ({"proto": "tcp", "ports": [1]}, "exactly one"),
        ({"proto": "gre", "ports": [1], "cidr_ip": "10.0.0.0/8"}, "not one of"),
        ({"proto": "tcp", "cidr_ip": "10.0.0.0/8"}, "needs ports"),
        ({"proto": "tcp", "ports": ["x"], "cidr_ip": "10.0.0.0/8"}, "neither a number"),
    ],
)
def test_bad_rules_fail_before_any_call(run_module, vpc, counted, rule, message):
    with counted() as calls:
        result = run_module(
            MODULE, {"vpc_id": vpc.vpc_id, "groups": [{"name": RDS, "description": "d", "ingress": [rule]}]}
        )

    assert result["failed"] is True, result
    assert message in result["msg"]
    assert not calls, calls


def test_absent_deletes_both_then_changes_nothing(run_module, ec2, vpc, prefix_lists, converged, counted):
    absent = {"vpc_id": vpc.vpc_id, "groups": [{"name": RDS}, {"name": LAMBDA}], "state": "absent"}
    check = run_module(MODULE, absent, check_mode=True)
    assert check["changed"] is True, check
    assert sorted(groups_of(ec2, vpc.vpc_id)) == sorted([RDS, LAMBDA])

    result = run_module(MODULE, absent)
    assert result["changed"] is True, result
    assert groups_of(ec2, vpc.vpc_id) == {}
    assert sorted(result["security_groups"]) == sorted([RDS, LAMBDA])

    with counted() as calls:
        again = run_module(MODULE, absent)
    assert again["changed"] is False, again
    assert calls == Counter({"DescribeSecurityGroups": 1}), calls


def test_absent_retries_a_dependency_violation(run_module, ec2, vpc, prefix_lists, converged, monkeypatch):
    """A delete refused while a network interface still uses the group is retried, not failed (the emulator
    never refuses one)."""
    calls = []
    original = botocore.client.BaseClient._make_api_call

    def busy_once(client, operation_name, api_params):
        calls.append(operation_name)
        if operation_name == "DeleteSecurityGroup" and calls.count("DeleteSecurityGroup") == 1:
            error = {"Error": {"Code": "DependencyViolation", "Message": "in use"}}
            raise botocore.exceptions.ClientError(error, operation_name)
        return original(client, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", busy_once)
    absent = {
        "vpc_id": vpc.vpc_id,
        "groups": [{"name": RDS}, {"name": LAMBDA}],
        "state": "absent",
        "delete_retry_delay": 1,
    }
    result = run_module(MODULE, absent)
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", original)

    assert result["changed"] is True, result
    assert calls.count("DeleteSecurityGroup") == 3, calls
    assert groups_of(ec2, vpc.vpc_id) == {}


def test_port_ranges_icmp_and_all_traffic_converge_then_change_nothing(run_module, ec2, vpc, counted):
    spec = [
        {
            "name": RDS,
            "description": "d",
            "ingress": [
                {"proto": "tcp", "ports": ["8000-8010", 22], "cidr_ip": "10.0.0.0/8", "description": "app"},
                {"proto": "icmp", "cidr_ip": "10.0.0.0/8"},
                {"proto": "udp", "from_port": 53, "to_port": 54, "cidr_ip": "10.1.0.0/16"},
            ],
            "egress": [{"proto": "all", "cidr_ip": "10.0.0.0/8"}],
        }
    ]
    first = run_module(MODULE, {"vpc_id": vpc.vpc_id, "groups": spec})
    assert first["changed"] is True, first
    ingress = first["security_groups"][RDS]["ingress"]
    assert sorted((rule["proto"], rule["from_port"], rule["to_port"]) for rule in ingress) == [
        ("icmp", -1, -1),
        ("tcp", 22, 22),
        ("tcp", 8000, 8010),
        ("udp", 53, 54),
    ]
    assert first["security_groups"][RDS]["egress"] == [
        {"proto": "-1", "from_port": None, "to_port": None, "cidr_ip": "10.0.0.0/8"}
    ]
    with counted() as calls:
        again = run_module(MODULE, {"vpc_id": vpc.vpc_id, "groups": spec})
    assert again["changed"] is False, again
    assert calls == Counter({"DescribeSecurityGroups": 1}), calls
