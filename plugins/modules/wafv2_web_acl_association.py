#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: wafv2_web_acl_association
short_description: Associate a WAFv2 regional web ACL with one resource (such as a REST API stage)
version_added: 0.1.0
description:
  - Associates a regional web ACL with one resource, such as an API Gateway REST API stage, or removes the
    resource's association.
  - Reads the association from the resource's side (C(GetWebACLForResource)), so it never lists every resource of
    the ACL; M(community.aws.wafv2_resources) calls C(ListResourcesForWebACL), which the local emulator answers
    with HTTP 500.
  - A resource made moments ago is not yet known to WAF (C(WAFNonexistentItemException)); the association is
    retried for about two minutes.
  - Check mode reads the association and reports the real change without writing; C(--diff) shows the
    associated ACL before and after.
author:
  - Payments platform team (!UNKNOWN)
options:
  resource_arn:
    description: The resource's ARN, such as C(arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/prod).
    type: str
    required: true
  web_acl_arn:
    description:
      - The web ACL's ARN. Required with O(state=present).
      - With O(state=absent), only this ACL's association is removed; unset removes any association.
    type: str
  state:
    description: Whether the resource should be associated with the web ACL.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Put the prod stage behind the web ACL
  payments.aws_platform.wafv2_web_acl_association:
    web_acl_arn: "{{ web_acl.arn }}"
    resource_arn: "{{ api.stage_arn }}"

- name: Take the stage out of any web ACL
  payments.aws_platform.wafv2_web_acl_association:
    resource_arn: "{{ api.stage_arn }}"
    state: absent
"""

RETURN = r"""
web_acl_arn:
  description: The ARN of the web ACL associated with the resource afterwards; empty when none.
  returned: always
  type: str
diff:
  description: The associated web ACL before and after the change.
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import wafv2
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import run_by_state


def argument_spec():
    return dict(
        resource_arn=dict(type="str", required=True),
        web_acl_arn=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def view(web_acl_arn):
    return {"web_acl_arn": web_acl_arn} if web_acl_arn else {}


def ensure(module, waf_client):
    params = module.params
    current = (wafv2.web_acl_for_resource(waf_client, params["resource_arn"]) or {}).get("ARN", "")
    if params["state"] == "present":
        wanted = params["web_acl_arn"]
        changed = current != wanted
    else:
        changed = bool(current) and params["web_acl_arn"] in (None, current)
        wanted = "" if changed else current
    if changed and not module.check_mode:
        if wanted:
            # AssociateWebACL replaces an existing association of the resource.
            wafv2.associate(waf_client, wanted, params["resource_arn"])
        else:
            wafv2.disassociate(waf_client, params["resource_arn"])
        wanted = (wafv2.web_acl_for_resource(waf_client, params["resource_arn"]) or {}).get("ARN", "")
    exit_with(module, changed, view(current), view(wanted), web_acl_arn=wanted)


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        required_if=[("state", "present", ["web_acl_arn"])],
        supports_check_mode=True,
    )
    run_by_state(
        module,
        "wafv2",
        {"present": ensure, "absent": ensure},
        f"Failed to manage the web ACL association of {module.params['resource_arn']}",
    )


if __name__ == "__main__":
    main()
