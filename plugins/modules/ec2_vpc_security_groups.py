#!/usr/bin/python

# Copyright: Payments platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
module: ec2_vpc_security_groups
short_description: Manage a set of security groups of one VPC, and their rules, in one call
version_added: 0.1.0
description:
  - Creates, updates or deletes several security groups of one VPC in one module run, each identified by its
    name in O(vpc_id). Rules may refer to each other's groups by name; a group missing when a rule needs it
    is made first.
  - One C(DescribeSecurityGroups) call (filtered by VPC and by the names of the groups and of the groups the
    rules refer to) reads every group with its rules and tags; a rerun of an unchanged set makes that one call
    and nothing else.
  - A group is looked for by name before it is made, and made with its tags (C(TagSpecifications)), so a run
    interrupted after a create never makes a second group nor leaves one untagged. Rules of a group just made
    are retried with backoff while EC2 does not know the group yet (C(InvalidGroup.NotFound)); there is no
    fixed wait.
  - A rule missing is authorized, a rule whose description differs gets its description updated, and with
    O(purge_rules) a rule not listed is revoked, including the allow-all egress rule AWS gives a new group.
  - A group's description cannot change in EC2; a different one is reported as a warning, not changed.
  - O(state=absent) revokes every rule of the named groups first (they may refer to each other), then deletes
    them, retrying a delete refused with C(DependencyViolation) (network interfaces still being released) for
    O(delete_timeout) seconds.
  - Unlike M(amazon.aws.ec2_security_group), which takes one group per run (one module process and several
    calls per group on a rerun, and a fixed 3 s sleep after each create), a rerun of an unchanged set makes
    one call.
  - Check mode reads everything and reports the real change without writing; C(--diff) shows the groups before
    and after, by name.
options:
  vpc_id:
    description: The ID of the VPC the groups belong to.
    required: true
    type: str
  groups:
    description:
      - The security groups. Names must be unique.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The group's name, unique in the VPC; identifies the group. Its C(Name) tag is set to it.
        type: str
        required: true
      description:
        description:
          - The group's description, used when the group is made. Required with O(state=present).
        type: str
      tags:
        description:
          - Tags of this group, combined with (and winning over) the common O(tags); C(Name) is always the
            group's name.
        type: dict
      ingress:
        description: The group's inbound rules.
        type: list
        elements: dict
        default: []
        suboptions: &rule_options
          proto:
            description:
              - The IP protocol, V(tcp), V(udp), V(icmp) or V(-1) (all; also V(all)).
            type: str
            required: true
          ports:
            description:
              - Ports, each an integer or a range V(from-to); one rule per item.
              - Exclusive with O(groups[].ingress[].from_port) and O(groups[].ingress[].to_port).
            type: list
            elements: str
          from_port:
            description: The first port (or the ICMP type; V(-1) for all).
            type: int
          to_port:
            description: The last port (or the ICMP code; V(-1) for all). Defaults to O(groups[].ingress[].from_port).
            type: int
          group_name:
            description:
              - The name of a security group in the same VPC (usually one of O(groups)) the rule admits or sends to.
              - Exactly one of O(groups[].ingress[].group_name), O(groups[].ingress[].prefix_list_id) and
                O(groups[].ingress[].cidr_ip).
            type: str
          prefix_list_id:
            description: A prefix list, for example a gateway endpoint's.
            type: str
          cidr_ip:
            description: An IPv4 CIDR block.
            type: str
          description:
            description:
              - The rule's description. Compared only where EC2 reports one for a prefix-list rule (the
                emulator drops descriptions on prefix-list rules).
            type: str
      egress:
        description: The group's outbound rules, as O(groups[].ingress).
        type: list
        elements: dict
        default: []
        suboptions: *rule_options
  purge_rules:
    description:
      - Revoke the rules of a listed group that are not in its O(groups[].ingress) or O(groups[].egress),
        including the allow-all egress rule a new group gets.
    type: bool
    default: true
  state:
    description:
      - V(present) creates and updates; V(absent) deletes the groups of O(groups) (by name).
    type: str
    choices: [present, absent]
    default: present
  delete_timeout:
    description:
      - With O(state=absent), seconds to keep retrying a delete that EC2 refuses with C(DependencyViolation).
    type: int
    default: 300
  delete_retry_delay:
    description:
      - With O(state=absent), seconds between two such tries.
    type: int
    default: 10
notes:
  - O(tags) apply to every group of O(groups), combined with each one's O(groups[].tags) and its C(Name); with
    O(purge_tags), a group's tags that are in none of them are removed.
author:
  - Payments platform team (!UNKNOWN)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A database group admitting the application group, which may only reach the database and S3
  payments.aws_platform.ec2_vpc_security_groups:
    vpc_id: "{{ vpc_id }}"
    tags:
      Project: payments
    groups:
      - name: payments-dev-rds-sg
        description: payments-dev RDS PostgreSQL
        ingress:
          - proto: tcp
            ports: [5432]
            group_name: payments-dev-lambda-sg
            description: PostgreSQL from the payment processor
      - name: payments-dev-lambda-sg
        description: payments-dev Lambda payment processor
        egress:
          - proto: tcp
            ports: [5432]
            group_name: payments-dev-rds-sg
            description: PostgreSQL to the payments database
          - proto: tcp
            ports: [443]
            prefix_list_id: "{{ s3_prefix_list_id }}"
  register: security_groups

- name: The database group's id
  ansible.builtin.debug:
    msg: "{{ security_groups.security_groups['payments-dev-rds-sg'].group_id }}"

- name: Delete both (their references to each other first)
  payments.aws_platform.ec2_vpc_security_groups:
    vpc_id: "{{ vpc_id }}"
    groups:
      - name: payments-dev-rds-sg
      - name: payments-dev-lambda-sg
    state: absent
"""

RETURN = r"""
security_groups:
  description:
    - The groups of O(groups) by name, after the change. With O(state=absent), those deleted (as they were).
    - In check mode, a group still to be made has RV(security_groups.group_id) null.
  returned: always
  type: dict
  contains:
    group_id:
      description: The group's ID; null for a group not made yet (check mode).
      type: str
      sample: sg-0123456789abcdef0
    group_name:
      description: The group's name.
      type: str
    description:
      description: The group's description.
      type: str
    vpc_id:
      description: The ID of the VPC.
      type: str
    ingress:
      description:
        - The inbound rules, one per port range and source, as in O(groups[].ingress) (C(from_port)/C(to_port),
          never C(ports)), with C(group_id) as well as C(group_name) for a group source; sorted.
      type: list
      elements: dict
    egress:
      description: The outbound rules, as RV(security_groups.ingress).
      type: list
      elements: dict
    tags:
      description: The group's tags.
      type: dict
    changed:
      description: Whether this group was (or, in check mode, would be) created, changed or deleted.
      type: bool
diff:
  description:
    - The groups before and after the change, by name (as in RV(security_groups)); after as predicted in
      check mode.
  returned: when diff mode is on
  type: dict
"""

import time
from collections import namedtuple

try:
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import ec2
from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tags_to_dict

PROTOCOLS = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp", "1": "icmp", "-1": "-1", "all": "-1"}
# A rule's source or destination: its kind, the IpPermissions list it lives in, and the key of its id there.
TARGETS = {
    "group": ("UserIdGroupPairs", "GroupId"),
    "prefix": ("PrefixListIds", "PrefixListId"),
    "cidr": ("IpRanges", "CidrIp"),
    "cidr_ipv6": ("Ipv6Ranges", "CidrIpv6"),
}
TARGET_OPTIONS = {"group_name": "group", "prefix_list_id": "prefix", "cidr_ip": "cidr"}
DIRECTIONS = ("ingress", "egress")


def rule_options():
    return dict(
        proto=dict(type="str", required=True),
        ports=dict(type="list", elements="str"),
        from_port=dict(type="int"),
        to_port=dict(type="int"),
        group_name=dict(type="str"),
        prefix_list_id=dict(type="str"),
        cidr_ip=dict(type="str"),
        description=dict(type="str"),
    )


def argument_spec():
    rule = dict(
        type="list",
        elements="dict",
        default=[],
        options=rule_options(),
        mutually_exclusive=[["ports", "from_port"], ["ports", "to_port"]],
    )
    return dict(
        vpc_id=dict(type="str", required=True),
        groups=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str"),
                tags=dict(type="dict"),
                ingress=dict(rule),
                egress=dict(rule),
            ),
        ),
        purge_rules=dict(type="bool", default=True),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        delete_timeout=dict(type="int", default=300),
        delete_retry_delay=dict(type="int", default=10),
    )


# One rule, reduced to what identifies it: (proto, from_port, to_port, kind, target). ``target`` is a group id,
# a prefix list id or a CIDR; for a group of this run not made yet (check mode) it is ``"new:<name>"``.
Rule = namedtuple("Rule", "proto from_port to_port kind target")


class GroupPlan(namedtuple("GroupPlan", "name description group tags_to_set tags_to_remove tags rules")):
    """What converging one group takes: ``group`` is DescribeSecurityGroups' answer (None: to create), ``tags``
    its tags afterwards, ``rules`` ``{direction: RulesPlan}`` (filled once the group ids are known)."""

    __slots__ = ()

    @property
    def changed(self):
        return (
            self.group is None
            or bool(self.tags_to_set or self.tags_to_remove)
            or any(plan.changed for plan in (self.rules or {}).values())
        )


class RulesPlan(namedtuple("RulesPlan", "to_add to_revoke to_describe after")):
    """The rules of one direction of one group, each ``{Rule: description}``: to authorize, to give their
    description, to revoke (with their current description), and those the group has afterwards."""

    __slots__ = ()

    @property
    def changed(self):
        return bool(self.to_add or self.to_revoke or self.to_describe)


# Rules: from the options and from EC2's answer to one canonical form


def port_range(module, where, spec):
    """``[(from, to)]`` of one rule spec; ``[(None, None)]`` for protocol -1."""
    proto = PROTOCOLS.get(str(spec["proto"]).lower())
    if proto is None:
        module.fail_json(msg=f"{where}: proto {spec['proto']!r} is not one of tcp, udp, icmp, -1")
    if proto == "-1":
        return proto, [(None, None)]
    if spec["ports"]:
        ranges = []
        for port in spec["ports"]:
            low, dash, high = str(port).partition("-")
            try:
                ranges.append((int(low), int(high if dash else low)))
            except ValueError:
                module.fail_json(msg=f"{where}: port {port!r} is neither a number nor a range from-to")
        return proto, ranges
    if spec["from_port"] is None:
        if proto == "icmp":
            return proto, [(-1, -1)]
        module.fail_json(msg=f"{where}: a {proto} rule needs ports or from_port")
    to_port = spec["from_port"] if spec["to_port"] is None else spec["to_port"]
    return proto, [(spec["from_port"], to_port)]


def wanted_rules(module, where, specs, group_ids):
    """``{Rule: description}`` of a list of rule specs; group names resolved through ``group_ids``."""
    rules = {}
    for index, spec in enumerate(specs):
        here = f"{where}[{index}]"
        targets = [(kind, spec[option]) for option, kind in TARGET_OPTIONS.items() if spec[option]]
        if len(targets) != 1:
            module.fail_json(msg=f"{here}: give exactly one of group_name, prefix_list_id and cidr_ip")
        kind, target = targets[0]
        if kind == "group":
            target = group_ids[target]
        proto, ranges = port_range(module, here, spec)
        for from_port, to_port in ranges:
            rules[Rule(proto, from_port, to_port, kind, target)] = spec["description"]
    return rules


def current_rules(permissions):
    """``{Rule: description}`` of EC2's IpPermissions (or IpPermissionsEgress)."""
    rules = {}
    for permission in permissions or []:
        proto = PROTOCOLS.get(permission["IpProtocol"], permission["IpProtocol"])
        from_port, to_port = (None, None) if proto == "-1" else (permission.get("FromPort"), permission.get("ToPort"))
        for kind, (list_key, id_key) in TARGETS.items():
            for item in permission.get(list_key) or []:
                rules[Rule(proto, from_port, to_port, kind, item[id_key])] = item.get("Description")
    return rules


def permission_of(rule, description=None):
    """One rule as an IpPermissions item (for authorize, revoke and description updates). A revoke carries
    the rule's current description too: AWS ignores it there, but the emulator finds a group-reference rule
    only with its description (InvalidPermission.NotFound without)."""
    list_key, id_key = TARGETS[rule.kind]
    target = {id_key: rule.target}
    if description:
        target["Description"] = description
    permission = {"IpProtocol": rule.proto, list_key: [target]}
    if rule.proto != "-1":
        permission.update(FromPort=rule.from_port, ToPort=rule.to_port)
    return permission


def description_drifts(rule, wanted, current):
    # The emulator drops descriptions on prefix-list rules: there, a description is compared only when EC2
    # reports one, or a rerun would "fix" it every time.
    if rule.kind == "prefix" and not current:
        return False
    return (wanted or None) != (current or None)


def plan_rules(wanted, current, purge):
    to_add = {rule: wanted[rule] for rule in wanted if rule not in current}
    to_describe = {
        rule: wanted[rule]
        for rule in wanted
        if rule in current and wanted[rule] is not None and description_drifts(rule, wanted[rule], current[rule])
    }
    to_revoke = {rule: current[rule] for rule in current if rule not in wanted} if purge else {}
    after = {rule: description for rule, description in current.items() if rule not in to_revoke}
    after.update(to_add)
    after.update(to_describe)
    return RulesPlan(to_add=to_add, to_revoke=to_revoke, to_describe=to_describe, after=after)


def rule_view(rule, description, names):
    """One rule as the module returns it."""
    view = {"proto": rule.proto, "from_port": rule.from_port, "to_port": rule.to_port}
    if rule.kind == "group":
        view["group_id"] = None if rule.target.startswith("new:") else rule.target
        view["group_name"] = rule.target[4:] if rule.target.startswith("new:") else names.get(rule.target)
    else:
        view[{"prefix": "prefix_list_id", "cidr": "cidr_ip", "cidr_ipv6": "cidr_ipv6"}[rule.kind]] = rule.target
    if description:
        view["description"] = description
    return view


def rules_view(rules, names):
    return sorted(
        (rule_view(rule, description, names) for rule, description in rules.items()),
        key=lambda view: sorted((key, str(value)) for key, value in view.items()),
    )


# Groups


def wanted_groups(module):
    """The groups of ``groups``, each with its tags (common, own, Name); names unique, or the module fails."""
    names = [spec["name"] for spec in module.params["groups"]]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        module.fail_json(msg=f"groups: each name may appear once (repeated: {', '.join(duplicates)})")
    wanted = []
    for spec in module.params["groups"]:
        if module.params["state"] == "present" and not spec["description"]:
            module.fail_json(msg=f"groups: {spec['name']} needs a description")
        tags = {**(module.params["tags"] or {}), **(spec["tags"] or {}), "Name": spec["name"]}
        wanted.append(dict(spec, tags=tags))
    return wanted


def referenced_names(wanted):
    return {
        rule["group_name"]
        for spec in wanted
        for direction in DIRECTIONS
        for rule in spec[direction] or []
        if rule["group_name"]
    }


def read_groups(ec2_client, vpc_id, names):
    """``{name: group}`` of the VPC's groups with those names: one DescribeSecurityGroups (per page)."""
    if not names:
        return {}
    found = ec2.describe_security_groups(ec2_client, {"vpc-id": vpc_id, "group-name": sorted(names)})
    return {group["GroupName"]: group for group in found}


def view_of(group, names, rules=None):
    """A group as the module returns it; ``rules`` (``{direction: {Rule: description}}``) overrides its own."""
    if rules is None:
        rules = {
            "ingress": current_rules(group.get("IpPermissions")),
            "egress": current_rules(group.get("IpPermissionsEgress")),
        }
    return {
        "group_id": group.get("GroupId"),
        "group_name": group["GroupName"],
        "description": group.get("Description"),
        "vpc_id": group.get("VpcId"),
        "ingress": rules_view(rules["ingress"], names),
        "egress": rules_view(rules["egress"], names),
        "tags": tags_to_dict(group.get("Tags")),
    }


def plan_group(spec, group, purge_tags):
    current_tags = tags_to_dict(group.get("Tags")) if group else {}
    tags_to_set, tags_to_remove = tag_changes(current_tags, spec["tags"], purge_tags) if group else ({}, [])
    after_tags = apply_tag_changes(current_tags, tags_to_set, tags_to_remove) if group else spec["tags"]
    return GroupPlan(
        name=spec["name"],
        description=spec["description"],
        group=group,
        tags_to_set=tags_to_set,
        tags_to_remove=tags_to_remove,
        tags=after_tags,
        rules=None,
    )


# A group made in this run, as EC2 would describe it (no DescribeSecurityGroups after a create): a new group of
# a VPC has one rule, allow-all IPv4 egress. In a VPC with an IPv6 block AWS adds ::/0 egress too, which this
# does not assume: there the next run revokes it (the vpc role's VPC has no IPv6 block).
def new_group(vpc_id, plan, group_id):
    return {
        "GroupId": group_id,
        "GroupName": plan.name,
        "Description": plan.description,
        "VpcId": vpc_id,
        "IpPermissions": [],
        "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        "Tags": [{"Key": key, "Value": value} for key, value in plan.tags.items()],
    }


def group_ids_of(module, wanted, current):
    """``{name: id}`` of the groups rules refer to; a group of this run not made yet is ``new:<name>``.
    Fails (before any write) on a reference to a group that is neither listed nor in the VPC."""
    ids = {name: group["GroupId"] for name, group in current.items()}
    ids.update({spec["name"]: f"new:{spec['name']}" for spec in wanted if spec["name"] not in ids})
    unknown = sorted(referenced_names(wanted) - set(ids))
    if unknown:
        module.fail_json(
            msg=f"groups: rules refer to {', '.join(unknown)}, neither in groups nor in {module.params['vpc_id']}"
        )
    return ids


def with_rules(module, spec, plan, group_ids):
    group = plan.group or new_group(module.params["vpc_id"], plan, None)
    current = {
        "ingress": current_rules(group.get("IpPermissions")),
        "egress": current_rules(group.get("IpPermissionsEgress")),
    }
    rules = {}
    for direction in DIRECTIONS:
        wanted = wanted_rules(module, f"groups: {spec['name']} {direction}", spec[direction], group_ids)
        rules[direction] = plan_rules(wanted, current[direction], module.params["purge_rules"])
    return plan._replace(rules=rules)


def warn_on_descriptions(module, plans):
    for plan in plans:
        if plan.group and plan.group.get("Description") != plan.description:
            module.warn(
                f"security group {plan.name}: description {plan.group.get('Description')!r} is kept; EC2 cannot "
                f"change it to {plan.description!r} (delete the group to replace it)"
            )


def predicted_view(plan, vpc_id, names):
    group = plan.group or new_group(vpc_id, plan, None)
    group = dict(group, Tags=[{"Key": key, "Value": value} for key, value in plan.tags.items()])
    return view_of(group, names, {direction: plan.rules[direction].after for direction in DIRECTIONS})


def apply_rules(ec2_client, group_id, plan, new):
    """Authorize what is missing first (no gap in what is allowed), then update descriptions, then revoke."""
    for direction in DIRECTIONS:
        rules, egress = plan.rules[direction], direction == "egress"
        added = [permission_of(rule, description) for rule, description in rules.to_add.items()]
        ec2.authorize_rules(ec2_client, group_id, egress, added, new_group=new)
        # The emulator accepts UpdateSecurityGroupRuleDescriptions* but ignores it for group references: there,
        # such a description drift is reported (and "fixed") on every run. AWS applies it.
        described = [permission_of(rule, description) for rule, description in rules.to_describe.items()]
        ec2.update_rule_descriptions(ec2_client, group_id, egress, described)
        revoked = [permission_of(rule, description) for rule, description in rules.to_revoke.items()]
        ec2.revoke_rules(ec2_client, group_id, egress, revoked, new_group=new)


def create_missing(module, ec2_client, plans):
    """Make the groups not found, each with its tags; ``{name: id}`` of those made."""
    made = {}
    for plan in plans:
        if plan.group is None:
            made[plan.name] = ec2.create_security_group(
                ec2_client, module.params["vpc_id"], plan.name, plan.description, plan.tags
            )
    return made


def ensure_present(module, ec2_client):
    vpc_id = module.params["vpc_id"]
    wanted = wanted_groups(module)
    placeholders = {name: f"new:{name}" for name in referenced_names(wanted)}
    for spec in wanted:  # every rule checked before any call
        for direction in DIRECTIONS:
            wanted_rules(module, f"groups: {spec['name']} {direction}", spec[direction], placeholders)
    current = read_groups(ec2_client, vpc_id, {spec["name"] for spec in wanted} | referenced_names(wanted))
    group_ids = group_ids_of(module, wanted, current)
    plans = [plan_group(spec, current.get(spec["name"]), module.params["purge_tags"]) for spec in wanted]
    warn_on_descriptions(module, plans)

    made = {} if module.check_mode else create_missing(module, ec2_client, plans)
    group_ids.update(made)
    # A group made in this run has its rules planned from what EC2 gives a new group.
    plans = [
        with_rules(module, spec, plan._replace(group=new_group(vpc_id, plan, made[plan.name])), group_ids)
        if plan.name in made
        else with_rules(module, spec, plan, group_ids)
        for spec, plan in zip(wanted, plans, strict=True)
    ]
    changed_names = {plan.name for plan in plans if plan.changed} | set(made)
    names = {group_id: name for name, group_id in group_ids.items()}
    before = {spec["name"]: view_of(current[spec["name"]], names) for spec in wanted if spec["name"] in current}

    written = []
    if not module.check_mode:
        for plan in plans:
            if plan.name in changed_names:
                group_id = plan.group["GroupId"]
                apply_rules(ec2_client, group_id, plan, new=plan.name in made)
                ec2.delete_tags(ec2_client, [group_id], plan.tags_to_remove)
                ec2.create_tags(ec2_client, [group_id], plan.tags_to_set)
                written.append(group_id)
    read_back = {}
    if written:
        described = ec2.describe_security_groups(ec2_client, {"vpc-id": vpc_id, "group-id": written})
        read_back = {group["GroupName"]: view_of(group, names) for group in described}
    after = {plan.name: read_back.get(plan.name) or predicted_view(plan, vpc_id, names) for plan in plans}
    groups = {name: dict(view, changed=name in changed_names) for name, view in after.items()}
    exit_with(module, bool(changed_names), before, after, security_groups=groups)


# Absent


def delete_with_retry(module, ec2_client, group_id):
    """Delete one group, retrying while EC2 answers DependencyViolation, for ``delete_timeout`` seconds."""
    deadline = time.monotonic() + module.params["delete_timeout"]
    while True:
        try:
            return ec2.delete_security_group(ec2_client, group_id)
        except ClientError as e:
            if e.response["Error"]["Code"] != "DependencyViolation" or time.monotonic() >= deadline:
                raise
        time.sleep(module.params["delete_retry_delay"])


def ensure_absent(module, ec2_client):
    vpc_id = module.params["vpc_id"]
    wanted = wanted_groups(module)
    current = read_groups(ec2_client, vpc_id, {spec["name"] for spec in wanted})
    names = {group["GroupId"]: name for name, group in current.items()}
    before = {name: view_of(group, names) for name, group in current.items()}
    if current and not module.check_mode:
        # The groups may refer to each other: neither can go while the other does, so every rule goes first.
        for group in current.values():
            for direction, key in (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress")):
                revoked = [permission_of(*item) for item in current_rules(group.get(key)).items()]
                ec2.revoke_rules(ec2_client, group["GroupId"], direction == "egress", revoked)
        for group in current.values():
            delete_with_retry(module, ec2_client, group["GroupId"])
    groups = {name: dict(view, changed=True) for name, view in before.items()}
    exit_with(module, bool(current), before, {}, security_groups=groups)


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    failure_message = f"Failed to manage the security groups of {module.params['vpc_id']}"
    run_by_state(module, "ec2", {"present": ensure_present, "absent": ensure_absent}, failure_message)


if __name__ == "__main__":
    main()
