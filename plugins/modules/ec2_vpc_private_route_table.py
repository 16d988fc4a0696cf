#!/usr/bin/python

# Copyright: Payments platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
module: ec2_vpc_private_route_table
short_description: Manage one private route table of a VPC (no routes out), its subnets and tags
version_added: 0.1.0
description:
  - Converges one route table of O(vpc_id), found by its C(Name) tag O(name), that has no route of its own
    besides C(local), its explicit subnet associations and its tags.
  - One C(DescribeRouteTables) call (filtered by VPC and C(tag:Name)) reads the table with its associations,
    routes and tags; an unchanged table costs that one call and nothing else. No fixed sleep anywhere.
  - A missing table is made with C(CreateRouteTable), its tags included (C(TagSpecifications)), with a client
    token derived from the request, so a crash never leaves an untagged table and a create retried after a lost
    answer never makes a second one.
  - Subnets of O(subnets) not associated with the table are associated (C(AssociateRouteTable)); one associated
    with another route table is moved with C(ReplaceRouteTableAssociation) (one more C(DescribeRouteTables), only
    when a subnet is to be associated). Subnet associations of this table with subnets not in O(subnets) are
    removed. Gateway (edge) associations are left alone.
  - Routes are purged, except the C(local) routes, those through a gateway endpoint (C(GatewayId) C(vpce-...),
    added by M(payments.aws_platform.ec2_vpc_gateway_endpoint)) and routes propagated by a virtual private
    gateway (which C(DeleteRoute) cannot remove).
  - Unlike M(amazon.aws.ec2_vpc_route_table) (twelve calls on an unchanged table, a fixed 5 s sleep after
    any change), a rerun makes one call.
  - With O(state=absent), every table of the VPC with that name loses its subnet associations and is deleted.
  - Check mode reads everything and reports the real change without writing; C(--diff) shows the table before
    and after.
options:
  vpc_id:
    description: The ID of the VPC the route table belongs to.
    required: true
    type: str
  name:
    description:
      - The table's C(Name) tag, which identifies it in O(vpc_id). Always set on the table, whatever O(tags) says.
    required: true
    type: str
  subnets:
    description:
      - The IDs of the subnets the table is explicitly associated with; other subnets' associations of this table
        are removed. A subnet associated with another route table is moved to this one.
      - Ignored with O(state=absent).
    type: list
    elements: str
    default: []
  state:
    description:
      - V(present) creates or updates the table, V(absent) removes its subnet associations, then deletes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - The table's tags are O(tags) and C(Name=)O(name). Without O(tags), only the C(Name) tag is ensured and the
    other tags are left alone.
  - A deleted table with the same VPC and tags may have spent the create's client token (EC2 remembers one for at
    least 24 hours); the vpc role deletes the VPC with the table, so a new VPC never meets it.
author:
  - Payments platform team (!UNKNOWN)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The private route table of the three private subnets (the gateway endpoints add their routes)
  payments.aws_platform.ec2_vpc_private_route_table:
    vpc_id: "{{ vpc_id }}"
    name: payments-dev-private-rt
    subnets: "{{ private_subnets.subnets | map(attribute='id') | list }}"
    tags:
      Project: payments
    purge_tags: true
  register: private_route_table

- name: Delete it (its subnet associations first)
  payments.aws_platform.ec2_vpc_private_route_table:
    vpc_id: "{{ vpc_id }}"
    name: payments-dev-private-rt
    state: absent
"""

RETURN = r"""
route_table:
  description:
    - The route table as EC2 describes it (snake_cased) after the change; V({}) once deleted (O(state=absent)).
    - In check mode, a table still to be made has RV(route_table.id) null and only the fields the plan knows.
  returned: always
  type: dict
  contains:
    id:
      description: The table's ID; null for a table not made yet (check mode).
      type: str
      sample: rtb-0123456789abcdef0
    route_table_id:
      description: The same as RV(route_table.id), as EC2 names it.
      type: str
      sample: rtb-0123456789abcdef0
    vpc_id:
      description: The ID of the VPC.
      type: str
      sample: vpc-0123456789abcdef0
    associations:
      description: The table's associations (subnet ones carry C(subnet_id)).
      type: list
      elements: dict
    routes:
      description: The table's routes (C(local) and the gateway endpoints' ones).
      type: list
      elements: dict
    tags:
      description: The table's tags.
      type: dict
      sample: {"Name": "payments-dev-private-rt"}
diff:
  description: The table before and after the change (V({}) when absent); after as predicted in check mode.
  returned: when diff mode is on
  type: dict
"""

from collections import namedtuple

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.payments.aws_platform.plugins.module_utils import ec2
from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_dict

# A table just made may not be visible to AssociateRouteTable yet (EC2's eventual consistency): a bounded
# backoff (about half a minute at most) on that error, for a new table only.
NEW_TABLE_RETRY = AWSRetry.jittered_backoff(
    retries=6, delay=1, backoff=2.0, max_delay=8, catch_extra_error_codes=["InvalidRouteTableID.NotFound"]
)


def argument_spec():
    return dict(
        vpc_id=dict(type="str", required=True),
        name=dict(type="str", required=True),
        subnets=dict(type="list", elements="str", default=[]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


class TablePlan(
    namedtuple("TablePlan", "table subnets_to_add associations_to_remove routes_to_remove tags_to_set tags_to_remove")
):
    """What converging the table takes: ``table`` is DescribeRouteTables' answer (None: to create)."""

    __slots__ = ()

    @property
    def changed(self):
        return self.table is None or any(self[1:])


def desired_tags(params):
    """The table's tags: ``tags`` with Name=``name`` (without ``tags``, the others are not purged)."""
    return {**(params["tags"] or {}), "Name": params["name"]}


def is_kept_route(route):
    """The routes this module never removes: ``local``, the gateway endpoints' and propagated ones."""
    gateway = route.get("GatewayId") or ""
    return gateway == "local" or gateway.startswith("vpce-") or route.get("Origin") == "EnableVgwRoutePropagation"


def subnet_associations(table):
    """The table's explicit subnet associations (not the main one, not gateway ones), live ones only."""
    return [
        association
        for association in (table or {}).get("Associations", [])
        if association.get("SubnetId")
        and not association.get("Main")
        and association.get("AssociationState", {}).get("State", "associated") in ("associated", "associating")
    ]


def view_of(table):
    return ec2.resource_view(table, "RouteTableId")


def find_tables(ec2_client, params):
    return ec2.describe_route_tables(ec2_client, {"vpc-id": params["vpc_id"], "tag:Name": params["name"]})


def find_one_table(module, ec2_client):
    """The table named ``name`` in the VPC (None: none); fails when there are several."""
    tables = find_tables(ec2_client, module.params)
    if len(tables) > 1:
        ids = ", ".join(table["RouteTableId"] for table in tables)
        module.fail_json(
            msg=f"Found {len(tables)} route tables named {module.params['name']} in {module.params['vpc_id']} ({ids}):"
            " delete the extra ones, then run again"
        )
    return tables[0] if tables else None


def plan_table(params, table):
    wanted_subnets = list(dict.fromkeys(params["subnets"]))
    if table is None:
        return TablePlan(None, wanted_subnets, [], [], {}, [])
    associations = subnet_associations(table)
    associated = {association["SubnetId"] for association in associations}
    tags = desired_tags(params)
    purge = params["purge_tags"] and params["tags"] is not None
    tags_to_set, tags_to_remove = tag_changes(tags_to_dict(table.get("Tags")), tags, purge)
    return TablePlan(
        table=table,
        subnets_to_add=[subnet for subnet in wanted_subnets if subnet not in associated],
        associations_to_remove=[a for a in associations if a["SubnetId"] not in wanted_subnets],
        routes_to_remove=[route for route in table.get("Routes", []) if not is_kept_route(route)],
        tags_to_set=tags_to_set,
        tags_to_remove=tags_to_remove,
    )


def predicted_view(params, plan, table_id=None):
    """The table as it will be once ``plan`` is applied (check mode, nothing to do, or a read back that missed)."""
    if plan.table is None:
        view = {"id": table_id, "route_table_id": table_id, "vpc_id": params["vpc_id"], "associations": []}
        view.update(routes=[], tags=desired_tags(params))
    else:
        view = view_of(plan.table)
        table_id = view["id"]
        removed_associations = {a["RouteTableAssociationId"] for a in plan.associations_to_remove}
        removed_routes = [view_of_route(route) for route in plan.routes_to_remove]
        view["associations"] = [
            a for a in view.get("associations", []) if a.get("route_table_association_id") not in removed_associations
        ]
        view["routes"] = [route for route in view.get("routes", []) if route not in removed_routes]
        view["tags"] = apply_tag_changes(view["tags"], plan.tags_to_set, plan.tags_to_remove)
    view["associations"] = view["associations"] + [
        {"main": False, "route_table_association_id": None, "route_table_id": table_id, "subnet_id": subnet}
        for subnet in plan.subnets_to_add
    ]
    return view


def view_of_route(route):
    return camel_dict_to_snake_dict(route)


def create_request(params):
    return {
        "VpcId": params["vpc_id"],
        "TagSpecifications": ec2.tag_specifications("route-table", desired_tags(params)),
    }


def other_associations(ec2_client, vpc_id, table_id, subnet_ids):
    """``{subnet_id: association_id}`` of the subnets among ``subnet_ids`` explicitly associated with another
    route table of the VPC (one DescribeRouteTables)."""
    found = {}
    for table in ec2.describe_route_tables(ec2_client, {"vpc-id": vpc_id, "association.subnet-id": subnet_ids}):
        if table["RouteTableId"] == table_id:
            continue
        for association in subnet_associations(table):
            if association["SubnetId"] in subnet_ids:
                found[association["SubnetId"]] = association["RouteTableAssociationId"]
    return found


def associate_subnets(ec2_client, vpc_id, table_id, subnet_ids, new_table):
    if not subnet_ids:
        return
    elsewhere = other_associations(ec2_client, vpc_id, table_id, subnet_ids)
    associate = NEW_TABLE_RETRY(ec2.associate_route_table) if new_table else ec2.associate_route_table
    replace = NEW_TABLE_RETRY(ec2.replace_route_table_association) if new_table else ec2.replace_route_table_association
    for subnet_id in subnet_ids:
        if subnet_id in elsewhere:
            replace(ec2_client, elsewhere[subnet_id], table_id)
        else:
            associate(ec2_client, table_id, subnet_id)


def apply_plan(module, ec2_client, plan):
    """Make the writes ``plan`` needs; the table's id. Removals first, then additions."""
    params = module.params
    new_table = plan.table is None
    if new_table:
        request = create_request(params)
        table_id = ec2.create_route_table(ec2_client, request, ec2.client_token(request))["RouteTableId"]
    else:
        table_id = plan.table["RouteTableId"]
    for association in plan.associations_to_remove:
        ec2.disassociate_route_table(ec2_client, association["RouteTableAssociationId"])
    for route in plan.routes_to_remove:
        ec2.delete_route(ec2_client, table_id, route)
    ec2.delete_tags(ec2_client, [table_id], plan.tags_to_remove)
    ec2.create_tags(ec2_client, [table_id], plan.tags_to_set)
    associate_subnets(ec2_client, params["vpc_id"], table_id, plan.subnets_to_add, new_table)
    return table_id


def read_back(ec2_client, params, table_id):
    """The table by filter (a table EC2 does not list yet is None, not NotFound)."""
    tables = ec2.describe_route_tables(ec2_client, {"vpc-id": params["vpc_id"], "route-table-id": table_id})
    return view_of(tables[0]) if tables else None


def ensure_present(module, ec2_client):
    params = module.params
    table = find_one_table(module, ec2_client)
    plan = plan_table(params, table)
    before = view_of(table) if table else {}
    if module.check_mode or not plan.changed:
        after = predicted_view(params, plan)
    else:
        table_id = apply_plan(module, ec2_client, plan)
        after = read_back(ec2_client, params, table_id) or predicted_view(params, plan, table_id)
    exit_with(module, plan.changed, before, after, route_table=after)


def delete_table(ec2_client, table):
    """Remove the table's subnet associations, then the table; ``changed``."""
    changed = False
    for association in subnet_associations(table):
        changed = ec2.disassociate_route_table(ec2_client, association["RouteTableAssociationId"]) or changed
    return ec2.delete_route_table(ec2_client, table["RouteTableId"]) or changed


def ensure_absent(module, ec2_client):
    tables = find_tables(ec2_client, module.params)
    before = view_of(tables[0]) if tables else {}
    changed = bool(tables)
    if not module.check_mode:
        # Every table is deleted (a list, not a generator that any() would stop early).
        deleted = [delete_table(ec2_client, table) for table in tables]
        changed = any(deleted)
    exit_with(module, changed, before, {}, route_table={})


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_by_state(
        module,
        "ec2",
        {"present": ensure_present, "absent": ensure_absent},
        f"Failed to manage the route table {module.params['name']} of {module.params['vpc_id']}",
    )


if __name__ == "__main__":
    main()
