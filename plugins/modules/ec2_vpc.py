#!/usr/bin/python

# Copyright: Payments platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
module: ec2_vpc
short_description: Manage one IPv4 VPC, found by its Name tag
version_added: 0.1.0
description:
  - Creates or updates one VPC identified by its C(Name) tag (O(name)), with its IPv4 CIDR block, DNS support,
    DNS hostnames, tenancy and tags.
  - A rerun of an unchanged VPC makes three calls (one C(DescribeVpcs), one C(DescribeVpcAttribute) per DNS
    attribute) and never sleeps; M(amazon.aws.ec2_vpc_net) makes about eleven.
  - A new VPC is created with its tags (C(TagSpecifications)), so a run interrupted right after the create
    leaves a VPC the next run finds by name instead of making a second one (C(CreateVpc) takes no client token).
  - A VPC found with the name but another CIDR block, or another tenancy, fails the module before any write;
    neither can change in place, and replacing a VPC is left to a person. So does finding two VPCs with the name.
  - Only creates and updates; delete a VPC with M(amazon.aws.ec2_vpc_net).
  - Check mode reads everything and reports the real change without writing; C(--diff) shows the VPC before
    and after.
options:
  name:
    description: The VPC's C(Name) tag, which identifies it.
    required: true
    type: str
  cidr_block:
    description: The VPC's primary IPv4 CIDR block.
    required: true
    type: str
  dns_support:
    description: Whether the Amazon-provided DNS server resolves names in the VPC (C(enableDnsSupport)).
    type: bool
    default: true
  dns_hostnames:
    description:
      - Whether instances in the VPC get public DNS hostnames (C(enableDnsHostnames)); needs O(dns_support).
    type: bool
    default: true
  tenancy:
    description: The tenancy of instances launched in the VPC; set at creation only.
    type: str
    choices: [default, dedicated]
    default: default
  state:
    description: Only V(present) (create and update) is supported.
    type: str
    choices: [present]
    default: present
  wait_timeout:
    description: Seconds to wait for a new VPC to become C(available).
    type: int
    default: 300
notes:
  - The C(Name) tag is always O(name), whatever O(tags) says.
author:
  - Payments platform team (!UNKNOWN)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The stack's VPC
  payments.aws_platform.ec2_vpc:
    name: payments-dev-vpc
    cidr_block: 10.0.0.0/16
    tags:
      Project: payments
      Environment: dev
  register: vpc

- name: Its id
  ansible.builtin.debug:
    msg: "{{ vpc.vpc.id }}"
"""

RETURN = r"""
vpc:
  description:
    - The VPC as EC2 describes it (snake_cased) after the change, with its DNS attributes.
    - In check mode, a VPC still to be made has RV(vpc.id) null and only the fields the plan knows.
  returned: always
  type: dict
  contains:
    id:
      description: The VPC's ID; null for a VPC not made yet (check mode).
      type: str
      sample: vpc-0123456789abcdef0
    vpc_id:
      description: The same as RV(vpc.id), as EC2 names it.
      type: str
      sample: vpc-0123456789abcdef0
    cidr_block:
      description: The VPC's primary IPv4 CIDR block.
      type: str
      sample: 10.0.0.0/16
    instance_tenancy:
      description: The VPC's tenancy.
      type: str
      sample: default
    dns_support:
      description: Whether DNS resolution is on.
      type: bool
      sample: true
    dns_hostnames:
      description: Whether DNS hostnames are on.
      type: bool
      sample: true
    state:
      description: The VPC's state.
      type: str
      sample: available
    tags:
      description: The VPC's tags.
      type: dict
      sample: {"Name": "payments-dev-vpc"}
diff:
  description: The VPC before ({} when it does not exist) and after (as predicted in check mode).
  returned: when diff mode is on
  type: dict
"""

import ipaddress

try:
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

# What EC2 gives a new non-default VPC (documented defaults): only attributes that differ are modified.
NEW_VPC_ATTRIBUTES = {"dns_support": True, "dns_hostnames": False}


def argument_spec():
    return dict(
        name=dict(type="str", required=True),
        cidr_block=dict(type="str", required=True),
        dns_support=dict(type="bool", default=True),
        dns_hostnames=dict(type="bool", default=True),
        tenancy=dict(type="str", default="default", choices=["default", "dedicated"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present"]),
        wait_timeout=dict(type="int", default=300),
    )


def canonical_cidr(module):
    cidr = module.params["cidr_block"]
    try:
        return str(ipaddress.IPv4Network(cidr))
    except ValueError as e:
        module.fail_json(msg=f"cidr_block {cidr!r} is not an IPv4 CIDR block: {e}")


def wanted_tags(module):
    return {**(module.params["tags"] or {}), "Name": module.params["name"]}


def find_vpc(module, ec2_client, cidr):
    """The VPC named ``name`` (None when there is none); fails before any write when there are two, or when
    the one found has another CIDR block or tenancy."""
    name = module.params["name"]
    found = ec2.describe_vpcs(ec2_client, {"tag:Name": name})
    if len(found) > 1:
        module.fail_json(
            msg=f"name: {len(found)} VPCs are named {name} ({', '.join(vpc['VpcId'] for vpc in found)}); "
            "delete the extra ones, then run again"
        )
    if not found:
        return None
    vpc = found[0]
    if vpc["CidrBlock"] != cidr:
        module.fail_json(
            msg=f"cidr_block: the VPC named {name} ({vpc['VpcId']}) has {vpc['CidrBlock']}, not {cidr}; "
            "a VPC's primary CIDR block cannot change (delete the VPC or change the plan)"
        )
    if vpc.get("InstanceTenancy", "default") != module.params["tenancy"]:
        module.fail_json(
            msg=f"tenancy: the VPC named {name} ({vpc['VpcId']}) has {vpc.get('InstanceTenancy')} tenancy, "
            f"not {module.params['tenancy']}; it is set when the VPC is made"
        )
    return vpc


def view_of(vpc, attributes, tags):
    return dict(ec2.resource_view(vpc, "VpcId"), tags=tags, **attributes)


def predicted_new_vpc(module, cidr):
    return {
        "id": None,
        "vpc_id": None,
        "cidr_block": cidr,
        "instance_tenancy": module.params["tenancy"],
        "dns_support": module.params["dns_support"],
        "dns_hostnames": module.params["dns_hostnames"],
        "tags": wanted_tags(module),
    }


def attribute_changes(module, current):
    """``{attribute: wanted value}`` for the DNS attributes that differ from ``current``."""
    wanted = {"dns_support": module.params["dns_support"], "dns_hostnames": module.params["dns_hostnames"]}
    return {name: value for name, value in wanted.items() if current[name] != value}


def modify_attributes(ec2_client, vpc_id, changes):
    # DNS hostnames need DNS support: support is switched on first and off last.
    if changes.get("dns_support") is True:
        ec2.set_vpc_attribute(ec2_client, vpc_id, "dns_support", True)
    if "dns_hostnames" in changes:
        ec2.set_vpc_attribute(ec2_client, vpc_id, "dns_hostnames", changes["dns_hostnames"])
    if changes.get("dns_support") is False:
        ec2.set_vpc_attribute(ec2_client, vpc_id, "dns_support", False)


def create_vpc(module, ec2_client, cidr):
    """Make the VPC with its tags, wait until it is available, set the DNS attributes that differ from a
    new VPC's; the VPC as created."""
    request = {
        "CidrBlock": cidr,
        "InstanceTenancy": module.params["tenancy"],
        "TagSpecifications": ec2.tag_specifications("vpc", wanted_tags(module)),
    }
    vpc = ec2.create_vpc(ec2_client, request)
    if vpc.get("State") != "available":
        try:
            ec2.wait_vpc_available(ec2_client, vpc["VpcId"], module.params["wait_timeout"])
        except WaiterError as e:
            module.fail_json(msg=f"The VPC {vpc['VpcId']} did not become available: {e}")
        vpc["State"] = "available"
    modify_attributes(ec2_client, vpc["VpcId"], attribute_changes(module, NEW_VPC_ATTRIBUTES))
    return vpc


def ensure_present(module, ec2_client):
    cidr = canonical_cidr(module)
    vpc = find_vpc(module, ec2_client, cidr)
    if vpc is None:
        after = predicted_new_vpc(module, cidr)
        if not module.check_mode:
            created = create_vpc(module, ec2_client, cidr)
            after = view_of(created, {k: after[k] for k in NEW_VPC_ATTRIBUTES}, after["tags"])
        exit_with(module, True, {}, after, vpc=after)
        return

    vpc_id = vpc["VpcId"]
    attributes = ec2.vpc_dns_attributes(ec2_client, vpc_id)
    current_tags = tags_to_dict(vpc.get("Tags"))
    tags_to_set, tags_to_remove = tag_changes(current_tags, wanted_tags(module), module.params["purge_tags"])
    changes = attribute_changes(module, attributes)
    changed = bool(changes or tags_to_set or tags_to_remove)
    before = view_of(vpc, attributes, current_tags)
    after = view_of(vpc, {**attributes, **changes}, apply_tag_changes(current_tags, tags_to_set, tags_to_remove))
    if changed and not module.check_mode:
        modify_attributes(ec2_client, vpc_id, changes)
        ec2.delete_tags(ec2_client, [vpc_id], tags_to_remove)
        ec2.create_tags(ec2_client, [vpc_id], tags_to_set)
    exit_with(module, changed, before, after, vpc=after)


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_by_state(module, "ec2", {"present": ensure_present}, f"Failed to manage the VPC {module.params['name']}")


if __name__ == "__main__":
    main()
