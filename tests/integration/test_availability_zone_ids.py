"""Issue 20, item 8: an inventory may pin the subnets' AZs by ID (vpc_availability_zone_ids), the same physical AZs in
every account. An ID the region does not offer fails the site playbook before any write, naming the ID and the
variable (the site playbook resolves the IDs in its pre_tasks, before the stack key). That IDs resolve to the right
names and the subnets land there is the vpc role's molecule scenario (roles/vpc/molecule/default), which pins
[use1-az1, use1-az2, use1-az4]: the emulator's us-east-1b, us-east-1c and us-east-1d, not the first three names."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("ids", "unknown"),
    [
        (["use1-az1", "use1-az2", "use1-az9"], "use1-az9"),
        # An ID of another region: the same ID format, not an AZ of this one.
        (["use1-az1", "usw2-az1", "use1-az4"], "usw2-az1"),
    ],
    ids=["unknown", "other-region"],
)
def test_an_az_id_the_region_does_not_offer_fails_before_any_write_naming_it(
    new_emulator, new_proxy, playbook, ids, unknown
):
    proxy = new_proxy(new_emulator())

    run = playbook(
        "site.yml", "-i", "inventories/dev", "-e", json.dumps({"vpc_availability_zone_ids": ids}), endpoint=proxy.url
    )

    assert run.returncode == 2, run.output[-3000:]
    assert run.recap["payments-dev"]["failed"] == 1, run.output[-3000:]
    message = f"vpc_availability_zone_ids names {unknown}, which us-east-1 does not offer"
    assert message in run.output, run.output[-3000:]
    assert proxy.mutating() == [], proxy.summary()
    assert "ec2:DescribeAvailabilityZones" in [f"{r['service']}:{r['operation']}" for r in proxy.records()]
