# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EC2 calls this collection's VPC modules make, one small function each.

Every function takes a client made by ``base.client(module, "ec2")`` (so each call is retried)
and lets botocore exceptions through: the module turns them into ``fail_json_aws`` once.
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import hashlib
import json

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.transformation import ansible_dict_to_boto3_filter_list

try:  # noqa: SIM105
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils.base import paginate
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_dict
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_list

# EC2 accepts client tokens of at most 64 ASCII characters.
CLIENT_TOKEN_LENGTH = 64


def client_token(request, spent_resource_ids=()):
    """A ClientToken derived only from the create request, so a retried create cannot make a second
    resource. ``spent_resource_ids`` salts it once EC2 answered the token with a resource deleted since
    (EC2 remembers a token for at least 24 hours after its resource is gone)."""
    seed = json.dumps({"request": request, "spent": list(spent_resource_ids)}, sort_keys=True, default=str)
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:CLIENT_TOKEN_LENGTH]


def tag_specifications(resource_type, tags):
    if not tags:
        return []
    return [{"ResourceType": resource_type, "Tags": tags_to_list(tags)}]


def resource_view(resource, id_key):
    """A described EC2 resource as this collection's modules return it: snake_cased, its tags as a dict,
    and its id (``resource[id_key]``) as ``id`` as well."""
    view = camel_dict_to_snake_dict(resource, ignore_list=["Tags"])
    view["id"] = resource[id_key]
    view["tags"] = tags_to_dict(resource.get("Tags"))
    return view


def call_unless_gone(call, gone_code, **params):
    """Make a delete-like call; ``changed``: False when EC2 answers ``gone_code`` (already gone)."""
    try:
        call(**params)
    except ClientError as e:
        if e.response["Error"]["Code"] == gone_code:
            return False
        raise
    return True


def raise_unsuccessful(operation, unsuccessful, ignore_codes=()):
    """Batch calls report per-item failures in ``Unsuccessful`` instead of raising: raise the first
    one whose code is not ignored, as botocore would have."""
    for item in unsuccessful or []:
        error = item.get("Error", {})
        if error.get("Code") not in ignore_codes:
            raise ClientError({"Error": {"Code": error.get("Code"), "Message": error.get("Message")}}, operation)


# Flow logs


def describe_flow_logs(client, filter_values):
    return paginate(client, "describe_flow_logs", "FlowLogs", Filters=ansible_dict_to_boto3_filter_list(filter_values))


def create_flow_log(client, request, token):
    """Create one flow log from ``request`` (CreateFlowLogs arguments); its id."""
    response = client.create_flow_logs(ClientToken=token, **request)
    raise_unsuccessful("CreateFlowLogs", response.get("Unsuccessful"))
    return response["FlowLogIds"][0]


def delete_flow_logs(client, flow_log_ids):
    """Delete flow logs; ``changed`` (False when they were already gone)."""
    if not flow_log_ids:
        return False
    try:
        response = client.delete_flow_logs(FlowLogIds=list(flow_log_ids))
    except ClientError as e:
        # AWS reports unknown ids in Unsuccessful; the emulator raises instead.
        if e.response["Error"]["Code"] == "InvalidFlowLogId.NotFound":
            return False
        raise
    unsuccessful = response.get("Unsuccessful") or []
    raise_unsuccessful("DeleteFlowLogs", unsuccessful, ignore_codes=("InvalidFlowLogId.NotFound",))
    return len(unsuccessful) < len(flow_log_ids)


# VPC endpoints


def describe_vpc_endpoints(client, filter_values):
    return paginate(
        client, "describe_vpc_endpoints", "VpcEndpoints", Filters=ansible_dict_to_boto3_filter_list(filter_values)
    )


def create_vpc_endpoint(client, request, token):
    """Create one endpoint from ``request`` (CreateVpcEndpoint arguments); the endpoint."""
    return client.create_vpc_endpoint(ClientToken=token, **request)["VpcEndpoint"]


def modify_vpc_endpoint(client, vpc_endpoint_id, **changes):
    client.modify_vpc_endpoint(VpcEndpointId=vpc_endpoint_id, **changes)


def delete_vpc_endpoints(client, vpc_endpoint_ids):
    """Delete endpoints; ``changed`` (False when they were already gone)."""
    if not vpc_endpoint_ids:
        return False
    response = client.delete_vpc_endpoints(VpcEndpointIds=list(vpc_endpoint_ids))
    unsuccessful = response.get("Unsuccessful") or []
    raise_unsuccessful("DeleteVpcEndpoints", unsuccessful, ignore_codes=("InvalidVpcEndpointId.NotFound",))
    return len(unsuccessful) < len(vpc_endpoint_ids)


def describe_prefix_lists(client, filter_values):
    """The AWS-managed prefix lists (one per gateway endpoint service and region)."""
    return paginate(
        client, "describe_prefix_lists", "PrefixLists", Filters=ansible_dict_to_boto3_filter_list(filter_values)
    )


# VPCs

# How often the vpc_available waiter asks (botocore's default is every 15 s).
VPC_WAIT_DELAY = 2
# The module's names of the DNS attributes, and EC2's (DescribeVpcAttribute / ModifyVpcAttribute).
VPC_DNS_ATTRIBUTES = {"dns_support": "EnableDnsSupport", "dns_hostnames": "EnableDnsHostnames"}


def describe_vpcs(client, filter_values):
    return paginate(client, "describe_vpcs", "Vpcs", Filters=ansible_dict_to_boto3_filter_list(filter_values))


def create_vpc(client, request):
    """Create one VPC from ``request`` (CreateVpc arguments); the VPC. EC2 takes no client token here."""
    return client.create_vpc(**request)["Vpc"]


def wait_vpc_available(client, vpc_id, timeout):
    """Wait until the VPC is ``available``, asked by filter (a VPC not yet visible is an empty answer)."""
    client.get_waiter("vpc_available").wait(
        Filters=ansible_dict_to_boto3_filter_list({"vpc-id": vpc_id}),
        WaiterConfig={"Delay": VPC_WAIT_DELAY, "MaxAttempts": max(1, timeout // VPC_WAIT_DELAY)},
    )


def vpc_dns_attributes(client, vpc_id):
    """``{"dns_support": bool, "dns_hostnames": bool}``: one DescribeVpcAttribute each (EC2 answers one
    attribute per call, and DescribeVpcs reports neither)."""
    attributes = {}
    for name, aws_name in VPC_DNS_ATTRIBUTES.items():
        attribute = aws_name[0].lower() + aws_name[1:]
        answer = client.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)
        attributes[name] = bool(answer[aws_name]["Value"])
    return attributes


def set_vpc_attribute(client, vpc_id, name, value):
    """Set one DNS attribute (ModifyVpcAttribute takes one per call)."""
    client.modify_vpc_attribute(VpcId=vpc_id, **{VPC_DNS_ATTRIBUTES[name]: {"Value": bool(value)}})


# Subnets

# How often the subnet_available waiter asks (botocore's default is every 15 s).
SUBNET_WAIT_DELAY = 5


def describe_subnets(client, filter_values):
    return paginate(client, "describe_subnets", "Subnets", Filters=ansible_dict_to_boto3_filter_list(filter_values))


def create_subnet(client, request):
    """Create one subnet from ``request`` (CreateSubnet arguments); the subnet. EC2 takes no client token
    here: a retry of a create that did happen fails with InvalidSubnet.Conflict instead of making a second."""
    return client.create_subnet(**request)["Subnet"]


def wait_subnet_available(client, vpc_id, subnet_id, timeout):
    """Wait until the subnet is ``available``. Asked by filter rather than by id, so a subnet not yet
    visible (EC2's eventual consistency) is an empty answer the waiter retries, not InvalidSubnetID.NotFound."""
    client.get_waiter("subnet_available").wait(
        Filters=ansible_dict_to_boto3_filter_list({"vpc-id": vpc_id, "subnet-id": subnet_id}),
        WaiterConfig={"Delay": SUBNET_WAIT_DELAY, "MaxAttempts": max(1, timeout // SUBNET_WAIT_DELAY)},
    )


def set_map_public_ip_on_launch(client, subnet_id, value):
    client.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": bool(value)})


# Tags


def create_tags(client, resource_ids, tags):
    if tags:
        client.create_tags(Resources=list(resource_ids), Tags=tags_to_list(tags))


def delete_tags(client, resource_ids, keys):
    if keys:
        client.delete_tags(Resources=list(resource_ids), Tags=[{"Key": key} for key in keys])


# Route tables


def describe_route_tables(client, filter_values):
    """Route tables by filter (an empty answer, never NotFound), with associations, routes and tags."""
    return paginate(
        client, "describe_route_tables", "RouteTables", Filters=ansible_dict_to_boto3_filter_list(filter_values)
    )


def create_route_table(client, request, token):
    """Create one route table from ``request`` (CreateRouteTable arguments, tags included); the table."""
    return client.create_route_table(ClientToken=token, **request)["RouteTable"]


def associate_route_table(client, route_table_id, subnet_id):
    return client.associate_route_table(RouteTableId=route_table_id, SubnetId=subnet_id)["AssociationId"]


def replace_route_table_association(client, association_id, route_table_id):
    return client.replace_route_table_association(AssociationId=association_id, RouteTableId=route_table_id)[
        "NewAssociationId"
    ]


def disassociate_route_table(client, association_id):
    """Remove one association; ``changed`` (False when it was already gone)."""
    return call_unless_gone(
        client.disassociate_route_table, "InvalidAssociationID.NotFound", AssociationId=association_id
    )


# The fields of a route that name its destination, as DeleteRoute takes them.
ROUTE_DESTINATIONS = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")


def delete_route(client, route_table_id, route):
    """Delete the route (as DescribeRouteTables answers it); ``changed`` (False when it was already gone)."""
    destination = {key: route[key] for key in ROUTE_DESTINATIONS if route.get(key)}
    return call_unless_gone(client.delete_route, "InvalidRoute.NotFound", RouteTableId=route_table_id, **destination)


def delete_route_table(client, route_table_id):
    """Delete the route table; ``changed`` (False when it was already gone)."""
    return call_unless_gone(client.delete_route_table, "InvalidRouteTableID.NotFound", RouteTableId=route_table_id)


# Security groups

# A group just made may not be visible to the next call yet (EC2's eventual consistency): calls on it are
# retried on InvalidGroup.NotFound, with backoff, for about half a minute at most (no fixed sleep).
NEW_GROUP_RETRY = AWSRetry.jittered_backoff(
    retries=6, delay=1, backoff=2.0, max_delay=10, catch_extra_error_codes=["InvalidGroup.NotFound"]
)


def describe_security_groups(client, filter_values):
    return paginate(
        client, "describe_security_groups", "SecurityGroups", Filters=ansible_dict_to_boto3_filter_list(filter_values)
    )


def create_security_group(client, vpc_id, name, description, tags):
    """Create one group with its tags (TagSpecifications: never untagged); its id."""
    request = {"VpcId": vpc_id, "GroupName": name, "Description": description}
    specifications = tag_specifications("security-group", tags)
    if specifications:
        request["TagSpecifications"] = specifications
    return client.create_security_group(**request)["GroupId"]


def _rule_call(client, operation, group_id, permissions, new_group):
    if not permissions:
        return
    call = getattr(client, operation)
    if new_group:
        call = NEW_GROUP_RETRY(call)
    call(GroupId=group_id, IpPermissions=permissions)


def authorize_rules(client, group_id, egress, permissions, new_group=False):
    operation = "authorize_security_group_egress" if egress else "authorize_security_group_ingress"
    _rule_call(client, operation, group_id, permissions, new_group)


def revoke_rules(client, group_id, egress, permissions, new_group=False):
    operation = "revoke_security_group_egress" if egress else "revoke_security_group_ingress"
    _rule_call(client, operation, group_id, permissions, new_group)


def update_rule_descriptions(client, group_id, egress, permissions):
    operation = "update_security_group_rule_descriptions_" + ("egress" if egress else "ingress")
    _rule_call(client, operation, group_id, permissions, False)


def delete_security_group(client, group_id):
    """Delete one group; ``changed`` (False when it was already gone)."""
    return call_unless_gone(client.delete_security_group, "InvalidGroup.NotFound", GroupId=group_id)
