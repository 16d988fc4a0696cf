#!/usr/bin/python

# Copyright: Payments platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
module: ec2_vpc_subnets
short_description: Manage a set of IPv4 subnets of one VPC in one call
version_added: 0.1.0
description:
  - Creates and updates several subnets of one VPC in one module run, each identified by its IPv4 CIDR block
    in O(vpc_id), so a run interrupted after a create never makes a second subnet (EC2 refuses a second
    subnet with the same or an overlapping CIDR anyway). A create answered with C(InvalidSubnet.Conflict)
    (a retried create whose first try did make the subnet) adopts the subnet with that CIDR.
  - One C(DescribeSubnets) call (filtered by VPC, paginated) reads every subnet with its tags. A missing subnet
    is made with C(CreateSubnet), its tags included, then waited for until it is C(available) (only when the
    create does not already answer C(available)). An existing subnet gets C(CreateTags) / C(DeleteTags) only
    when its tags differ, and C(ModifySubnetAttribute) only when C(MapPublicIpOnLaunch) differs.
  - An existing subnet with a planned CIDR block but in another availability zone than planned fails the module
    before any write; a subnet cannot move, and replacing it is left to a person.
  - Unlike M(amazon.aws.ec2_vpc_subnet), which takes one subnet per run (one module process and about five
    calls per subnet on a rerun), a rerun of an unchanged set makes one call.
  - Only creates and updates; subnets of the VPC not listed are left alone. Delete subnets with
    M(amazon.aws.ec2_vpc_subnet).
  - Check mode reads everything and reports the real change without writing; C(--diff) shows the subnets
    before and after, by CIDR block.
options:
  vpc_id:
    description: The ID of the VPC the subnets belong to.
    required: true
    type: str
  subnets:
    description:
      - The subnets, in the order RV(subnets) returns them. CIDR blocks must be unique.
    type: list
    elements: dict
    required: true
    suboptions:
      cidr:
        description:
          - The subnet's IPv4 CIDR block, inside the VPC's; identifies the subnet.
        type: str
        required: true
      az:
        description:
          - The subnet's availability zone, for example V(us-east-1a).
        type: str
        required: true
      tags:
        description:
          - Tags of this subnet, combined with (and winning over) the common O(tags).
          - When neither this nor O(tags) is set, the subnet's tags are left alone.
        type: dict
      map_public:
        description:
          - Whether instances launched in the subnet get a public IPv4 address (C(MapPublicIpOnLaunch)).
        type: bool
        default: false
  state:
    description:
      - Only V(present) (create and update) is supported.
    type: str
    choices: [present]
    default: present
  wait_timeout:
    description:
      - Seconds to wait for a new subnet to become C(available).
    type: int
    default: 300
notes:
  - O(tags) apply to every subnet of O(subnets), combined with each one's O(subnets[].tags); with O(purge_tags),
    a subnet's tags that are in neither are removed.
author:
  - Payments platform team (!UNKNOWN)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Three private subnets, one per AZ, in one call
  payments.aws_platform.ec2_vpc_subnets:
    vpc_id: "{{ vpc_id }}"
    subnets:
      - cidr: 10.0.0.0/20
        az: us-east-1a
        tags: {Name: payments-dev-private-us-east-1a}
      - cidr: 10.0.16.0/20
        az: us-east-1b
        tags: {Name: payments-dev-private-us-east-1b}
      - cidr: 10.0.32.0/20
        az: us-east-1c
        tags: {Name: payments-dev-private-us-east-1c}
    tags:
      Project: payments
      Tier: private
  register: private_subnets

- name: Their ids, in the order given
  ansible.builtin.debug:
    msg: "{{ private_subnets.subnets | map(attribute='id') | list }}"
"""

RETURN = r"""
subnets:
  description:
    - One item per subnet of O(subnets), in the same order, as EC2 describes it (snake_cased) after the change.
    - In check mode, a subnet still to be made has RV(subnets[].id) null and only the fields the plan knows.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The subnet's ID; null for a subnet not made yet (check mode).
      type: str
      sample: subnet-0123456789abcdef0
    subnet_id:
      description: The same as RV(subnets[].id), as EC2 names it.
      type: str
      sample: subnet-0123456789abcdef0
    vpc_id:
      description: The ID of the VPC.
      type: str
      sample: vpc-0123456789abcdef0
    cidr_block:
      description: The subnet's IPv4 CIDR block.
      type: str
      sample: 10.0.0.0/20
    availability_zone:
      description: The subnet's availability zone.
      type: str
      sample: us-east-1a
    map_public_ip_on_launch:
      description: Whether instances launched in the subnet get a public IPv4 address.
      type: bool
      sample: false
    state:
      description: The subnet's state.
      type: str
      sample: available
    tags:
      description: The subnet's tags.
      type: dict
      sample: {"Name": "payments-dev-private-us-east-1a"}
    changed:
      description: Whether this subnet was (or, in check mode, would be) created, retagged or modified.
      type: bool
diff:
  description:
    - The subnets before and after the change, each a dict of CIDR block to the subnet (as in RV(subnets));
      after as predicted in check mode. Subnets that do not exist yet are missing from before.
  returned: when diff mode is on
  type: dict
"""

import ipaddress
from collections import namedtuple

try:
    from botocore.exceptions import ClientError
    from botocore.exceptions import WaiterError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import ec2
from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_dict


def argument_spec():
    return dict(
        vpc_id=dict(type="str", required=True),
        subnets=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                cidr=dict(type="str", required=True),
                az=dict(type="str", required=True),
                tags=dict(type="dict"),
                map_public=dict(type="bool", default=False),
            ),
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present"]),
        wait_timeout=dict(type="int", default=300),
    )


class SubnetPlan(
    namedtuple("SubnetPlan", "cidr az subnet map_public map_public_changed tags_to_set tags_to_remove tags")
):
    """What converging one subnet takes: ``subnet`` is DescribeSubnets' answer (None: to create),
    ``tags`` the tags it has afterwards (None: left alone, only possible for a subnet that exists)."""

    __slots__ = ()

    @property
    def changed(self):
        return self.subnet is None or self.map_public_changed or bool(self.tags_to_set or self.tags_to_remove)


def canonical_cidr(module, cidr):
    try:
        return str(ipaddress.IPv4Network(cidr))
    except ValueError as e:
        module.fail_json(msg=f"subnets: cidr {cidr!r} is not an IPv4 CIDR block: {e}")


def wanted_subnets(module):
    """The subnets of ``subnets``, in order, each with its CIDR in canonical form and its tags (the common
    ``tags`` combined with its own; None when neither is set); CIDRs unique, or the module fails."""
    common = module.params["tags"]
    wanted = []
    for spec in module.params["subnets"]:
        own = spec["tags"]
        tags = None if common is None and own is None else {**(common or {}), **(own or {})}
        wanted.append(dict(spec, cidr=canonical_cidr(module, spec["cidr"]), tags=tags))
    cidrs = [spec["cidr"] for spec in wanted]
    duplicates = sorted({cidr for cidr in cidrs if cidrs.count(cidr) > 1})
    if duplicates:
        module.fail_json(msg=f"subnets: each cidr may appear once (repeated: {', '.join(duplicates)})")
    return wanted


def view_of(subnet):
    return ec2.resource_view(subnet, "SubnetId")


def read_subnets(ec2_client, vpc_id):
    """``{cidr: subnet}`` of the VPC's subnets: one DescribeSubnets (per page), tags included."""
    return {subnet["CidrBlock"]: subnet for subnet in ec2.describe_subnets(ec2_client, {"vpc-id": vpc_id})}


def plan_subnet(spec, subnet, purge_tags):
    current_tags = tags_to_dict(subnet.get("Tags")) if subnet else {}
    tags_to_set, tags_to_remove = tag_changes(current_tags, spec["tags"], purge_tags) if subnet else ({}, [])
    after_tags = apply_tag_changes(current_tags, tags_to_set, tags_to_remove) if subnet else (spec["tags"] or {})
    map_public_changed = subnet is not None and bool(subnet.get("MapPublicIpOnLaunch")) != spec["map_public"]
    return SubnetPlan(
        cidr=spec["cidr"],
        az=spec["az"],
        subnet=subnet,
        map_public=spec["map_public"],
        map_public_changed=map_public_changed,
        tags_to_set=tags_to_set,
        tags_to_remove=tags_to_remove,
        tags=after_tags,
    )


def plan_subnets(module, wanted, current):
    """The plans, in the order of ``wanted``; fails before any write when a planned CIDR is taken in
    another availability zone."""
    plans = [plan_subnet(spec, current.get(spec["cidr"]), module.params["purge_tags"]) for spec in wanted]
    misplaced = [plan for plan in plans if plan.subnet and plan.subnet["AvailabilityZone"] != plan.az]
    if misplaced:
        module.fail_json(
            msg="subnets: "
            + "; ".join(
                f"{plan.cidr} is {plan.subnet['SubnetId']} in {plan.subnet['AvailabilityZone']}, planned in {plan.az}"
                for plan in misplaced
            )
            + f" (in {module.params['vpc_id']}; a subnet cannot move: delete it or change the plan)",
            subnets=[view_of(plan.subnet) for plan in misplaced],
        )
    return plans


def predicted_view(plan, vpc_id):
    """One subnet as it will be once ``plan`` is applied (check mode, or nothing to do)."""
    if plan.subnet is None:
        return {
            "id": None,
            "subnet_id": None,
            "vpc_id": vpc_id,
            "cidr_block": plan.cidr,
            "availability_zone": plan.az,
            "map_public_ip_on_launch": plan.map_public,
            "tags": plan.tags,
        }
    return dict(view_of(plan.subnet), map_public_ip_on_launch=plan.map_public, tags=plan.tags)


def create_request(vpc_id, plan):
    request = {"VpcId": vpc_id, "CidrBlock": plan.cidr, "AvailabilityZone": plan.az}
    specifications = ec2.tag_specifications("subnet", plan.tags)
    if specifications:
        request["TagSpecifications"] = specifications
    return request


def create_subnet(ec2_client, vpc_id, plan, purge_tags):
    """Create the subnet of ``plan``; the subnet, and ``plan`` for what is left to do. When EC2 answers that
    the CIDR is taken (a retried CreateSubnet whose first try did make the subnet, or a subnet made since the
    read), the subnet with exactly that CIDR is adopted and planned again; any other conflict is raised."""
    try:
        return ec2.create_subnet(ec2_client, create_request(vpc_id, plan)), plan
    except ClientError as e:
        if e.response["Error"]["Code"] != "InvalidSubnet.Conflict":
            raise
        subnet = read_subnets(ec2_client, vpc_id).get(plan.cidr)
        if subnet is None or subnet["AvailabilityZone"] != plan.az:
            raise
        # A plan without tags made one with {}: an adopted subnet's tags are then left alone.
        spec = {"cidr": plan.cidr, "az": plan.az, "map_public": plan.map_public, "tags": plan.tags or None}
        return subnet, plan_subnet(spec, subnet, purge_tags)


def apply_plan(ec2_client, vpc_id, plan, wait_timeout, purge_tags):
    """Make the writes ``plan`` needs; the subnet's id. A new subnet gets its tags with CreateSubnet; its
    MapPublicIpOnLaunch (false on a new subnet of a non-default VPC) is set only when it differs."""
    subnet = plan.subnet
    if subnet is None:
        subnet, plan = create_subnet(ec2_client, vpc_id, plan, purge_tags)
        if subnet.get("State") != "available":
            ec2.wait_subnet_available(ec2_client, vpc_id, subnet["SubnetId"], wait_timeout)
    subnet_id = subnet["SubnetId"]
    if bool(subnet.get("MapPublicIpOnLaunch")) != plan.map_public:
        ec2.set_map_public_ip_on_launch(ec2_client, subnet_id, plan.map_public)
    ec2.delete_tags(ec2_client, [subnet_id], plan.tags_to_remove)
    ec2.create_tags(ec2_client, [subnet_id], plan.tags_to_set)
    return subnet_id


def converge(module, ec2_client, plans):
    """Write what ``plans`` need; the subnets afterwards, by CIDR. Those written are read back with one
    DescribeSubnets (by filter: a subnet EC2 does not list yet keeps its predicted view)."""
    vpc_id, wait_timeout = module.params["vpc_id"], module.params["wait_timeout"]
    written = {}
    for plan in plans:
        if plan.changed:
            try:
                written[plan.cidr] = apply_plan(ec2_client, vpc_id, plan, wait_timeout, module.params["purge_tags"])
            except WaiterError as e:
                module.fail_json(msg=f"subnets: {plan.cidr} did not become available within {wait_timeout} s: {e}")
    read_back = {}
    if written:
        described = ec2.describe_subnets(ec2_client, {"vpc-id": vpc_id, "subnet-id": list(written.values())})
        read_back = {subnet["CidrBlock"]: view_of(subnet) for subnet in described}
    after = {}
    for plan in plans:
        predicted = predicted_view(plan, vpc_id)
        if plan.subnet is None and plan.cidr in written:
            predicted.update(id=written[plan.cidr], subnet_id=written[plan.cidr])
        after[plan.cidr] = read_back.get(plan.cidr, predicted)
    return after


def ensure_present(module, ec2_client):
    vpc_id = module.params["vpc_id"]
    wanted = wanted_subnets(module)
    current = read_subnets(ec2_client, vpc_id)
    plans = plan_subnets(module, wanted, current)
    before = {plan.cidr: view_of(plan.subnet) for plan in plans if plan.subnet}
    changed = any(plan.changed for plan in plans)

    if module.check_mode or not changed:
        after = {plan.cidr: predicted_view(plan, vpc_id) for plan in plans}
    else:
        after = converge(module, ec2_client, plans)
    subnets = [dict(after[plan.cidr], changed=plan.changed) for plan in plans]
    exit_with(module, changed, before, after, subnets=subnets)


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    failure_message = f"Failed to manage the subnets of {module.params['vpc_id']}"
    run_by_state(module, "ec2", {"present": ensure_present}, failure_message)


if __name__ == "__main__":
    main()
