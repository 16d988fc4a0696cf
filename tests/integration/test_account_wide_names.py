"""Issue 20, item 4: IAM roles and dashboards are account-wide, so a second region of one environment must not take
over (or destroy) the first region's.

One emulator, dev converged in us-east-1 first. IAM is global in the emulator as on AWS (a role made through
us-east-1 is read through us-west-2); dashboards are per region in the emulator but global on AWS, so the dashboard
case writes, in us-east-1, the body another region's converge would have left there.

- dev in us-west-2 without payments_env_suffix fails before any write (the recording proxy sees no mutating call),
  naming the role and payments_env_suffix; the first region's role policy and tags are untouched;
- a dashboard whose owner line names another region is refused the same way;
- a role without the Region tag and a dashboard without the owner line (made before the guard) are adopted;
- with a suffix, us-west-2 converges; the destroy of an unsuffixed us-west-2 dev leaves the first region's roles,
  saying so.
"""

from __future__ import annotations

import json
import re

import emulator  # tests/tools, put on the path by tests/conftest.py
import pytest
import stack_inventory  # tests/tools

# In make test-long (CI runs it after make test): two to four converges, which make test's 30 minutes cannot afford.
pytestmark = [pytest.mark.integration, pytest.mark.long]

DEV = ("-i", "inventories/dev")
WEST = ("-e", "aws_region=us-west-2")
ROLES = ("dev-payments-lambda-role", "dev-payments-flow-logs-role", "dev-payments-rds-monitoring-role")


def client(service: str, endpoint: str, region: str = stack_inventory.DEFAULT_REGION):
    return stack_inventory.aws(service, endpoint, region)


def changed_tasks(output: str) -> list[str]:
    """The names of the tasks that reported a change, in order."""
    names = []
    for match in re.finditer(
        r"^TASK \[(?:[^\]:]+ : )?(?P<name>[^\]]+)\] \**\n(?P<body>(?:(?!^TASK ).*\n)*)", output, re.M
    ):
        if re.search(r"^changed: ", match["body"], re.M):
            names.append(match["name"])
    return names


def role_tags(endpoint: str, name: str) -> dict[str, str]:
    tags = client("iam", endpoint).get_role(RoleName=name)["Role"].get("Tags", [])
    return {tag["Key"]: tag["Value"] for tag in tags}


def lambda_policy(endpoint: str) -> dict:
    return client("iam", endpoint).get_role_policy(RoleName=ROLES[0], PolicyName="payment-processor")["PolicyDocument"]


@pytest.fixture(scope="module")
def east(tmp_path_factory):
    """An emulator with dev converged in us-east-1 (the first region)."""
    work = tmp_path_factory.mktemp("account-wide")
    state_file = work / "emulator.json"
    url = emulator.start(state_file)["url"]
    try:
        yield url
    finally:
        emulator.stop(state_file)


def test_the_first_region_tags_its_roles_and_dashboard_with_its_region(east, playbook):
    run = playbook("site.yml", *DEV, endpoint=east)

    assert run.returncode == 0, run.output[-3000:]
    for name in ROLES:
        assert role_tags(east, name)["Region"] == "us-east-1", name
        assert role_tags(east, name)["Stack"] == "payments-dev", name
    body = client("cloudwatch", east).get_dashboard(DashboardName="payments-dev")["DashboardBody"]
    assert "Owner: Stack=payments-dev Region=us-east-1" in body


def test_a_second_region_without_a_suffix_is_refused_before_any_write(east, new_proxy, playbook):
    policy_before, tags_before = lambda_policy(east), role_tags(east, ROLES[0])
    proxy = new_proxy(east)

    run = playbook("site.yml", *DEV, *WEST, endpoint=proxy.url)

    assert run.returncode == 2, run.output[-3000:]
    assert run.recap["payments-dev"]["failed"] == 1, run.output[-3000:]
    assert "IAM role dev-payments-lambda-role belongs to stack payments-dev in us-east-1" in run.output
    assert "payments_env_suffix" in run.output
    assert proxy.mutating() == [], proxy.summary()
    # The refusal came from reading: the proxy saw the reads.
    assert proxy.summary()["calls"] > 0
    assert lambda_policy(east) == policy_before
    assert role_tags(east, ROLES[0]) == tags_before


def test_a_dashboard_another_region_wrote_is_refused_before_any_write(east, new_proxy, playbook):
    cloudwatch = client("cloudwatch", east)
    body = cloudwatch.get_dashboard(DashboardName="payments-dev")["DashboardBody"]
    # On AWS dashboards are global: this is what a us-west-2 converge of dev would have left.
    cloudwatch.put_dashboard(DashboardName="payments-dev", DashboardBody=body.replace("us-east-1", "us-west-2"))
    proxy = new_proxy(east)
    try:
        run = playbook("site.yml", *DEV, endpoint=proxy.url)
    finally:
        cloudwatch.put_dashboard(DashboardName="payments-dev", DashboardBody=body)

    assert run.returncode == 2, run.output[-3000:]
    assert "CloudWatch dashboard payments-dev belongs to stack payments-dev in us-west-2" in run.output
    assert "payments_env_suffix" in run.output
    assert proxy.mutating() == [], proxy.summary()


def test_a_role_and_dashboard_made_before_the_guard_are_adopted(east, playbook):
    """An existing deployment: roles without the Region tag, a dashboard without the owner line."""
    iam, cloudwatch = client("iam", east), client("cloudwatch", east)
    for name in ROLES:
        iam.untag_role(RoleName=name, TagKeys=["Region"])
    body = json.loads(cloudwatch.get_dashboard(DashboardName="payments-dev")["DashboardBody"])
    markdown = body["widgets"][0]["properties"]["markdown"]
    body["widgets"][0]["properties"]["markdown"] = markdown.split("\n\nOwner:")[0]
    cloudwatch.put_dashboard(DashboardName="payments-dev", DashboardBody=json.dumps(body))

    run = playbook("site.yml", *DEV, endpoint=east)

    assert run.returncode == 0, run.output[-3000:]
    # The roles' tagging and the dashboard's owner line, nothing else in AWS (the outputs go to a new directory).
    assert changed_tasks(run.output) == [
        "Converge the flow-log delivery role (assumable by this account's flow logs only)",
        "Converge the Enhanced Monitoring role (assumable by this account's RDS monitoring only)",
        "Converge the execution role (assumable by this account's Lambda only)",
        "Converge the dashboard",
        "Create the outputs directory",
        "Write outputs/<env>.json",
    ], run.output[-6000:]
    for name in ROLES:
        assert role_tags(east, name)["Region"] == "us-east-1", name
    assert (
        "Owner: Stack=payments-dev Region=us-east-1"
        in (cloudwatch.get_dashboard(DashboardName="payments-dev")["DashboardBody"])
    )


def test_a_second_region_with_a_suffix_converges_and_leaves_the_first_regions_roles(east, playbook):
    policy_before = lambda_policy(east)

    run = playbook("site.yml", *DEV, *WEST, "-e", "payments_env_suffix=west", endpoint=east)

    assert run.returncode == 0, run.output[-3000:]
    assert role_tags(east, "dev-payments-lambda-role-west") | {"Region": "us-west-2", "Stack": "payments-dev-west"} == (
        role_tags(east, "dev-payments-lambda-role-west")
    )
    assert lambda_policy(east) == policy_before
    assert role_tags(east, ROLES[0])["Region"] == "us-east-1"


def test_a_destroy_of_another_region_leaves_the_first_regions_roles(east, playbook):
    run = playbook("playbooks/destroy.yml", *DEV, *WEST, endpoint=east)

    assert run.returncode == 0, run.output[-3000:]
    assert "Left alone (another region's or stack's, not payments-dev in us-west-2)" in run.output
    for name in ROLES:
        assert role_tags(east, name)["Region"] == "us-east-1", name
    assert lambda_policy(east)
