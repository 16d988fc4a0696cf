#!/usr/bin/python
# Copyright: Payments platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

DOCUMENTATION = r"""
---
module: lambda_function
short_description: Manage one Lambda function from a local zip, its configuration, code and tags
version_added: 0.1.0
description:
  - Creates, updates or deletes one Lambda function whose code is a local zip file.
  - Replaces M(amazon.aws.lambda) in this collection. Configuration and code are updated by separate
    calls, and the module waits for the function's C(LastUpdateStatus) to be C(Successful) after a
    create and between updates, where M(amazon.aws.lambda) is known to fail with
    C(ResourceConflictException).
  - The code is only uploaded when the base64 SHA-256 of O(zip_file) differs from the function's
    C(CodeSha256) (or the architecture changes); an unchanged package never redeploys.
  - Values are compared after normalisation (environment as a dict, subnets and security groups as
    sets, a KMS key id against its ARN, tracing and architecture defaults, tags), so an unchanged
    function reports no change.
  - The function is looked up by name before it is created, so a rerun after a crash never fails on
    a function made by the crashed run.
  - Check mode reads everything and reports the real change without writing; C(--diff) shows the
    function before and after.
author:
  - Payments platform team (!UNKNOWN)
options:
  name:
    description: The function name.
    type: str
    required: true
    aliases: [function_name]
  state:
    description: Whether the function should exist.
    type: str
    choices: [present, absent]
    default: present
  zip_file:
    description:
      - Path of the deployment package (a zip file) on the host the module runs on.
      - Required when O(state=present).
    type: path
  runtime:
    description: The runtime, for example V(python3.13). Required when O(state=present).
    type: str
  handler:
    description: The handler, for example V(payment_handler.app.handler). Required when O(state=present).
    type: str
  role:
    description: The ARN of the execution role. Required when O(state=present).
    type: str
  description:
    description: The function's description. Unset leaves it as it is.
    type: str
  memory_size:
    description: Memory in MB, 128 to 10240. Unset leaves it as it is (AWS default 128 for a new function).
    type: int
  timeout:
    description: Timeout in seconds, 1 to 900. Unset leaves it as it is (AWS default 3 for a new function).
    type: int
  environment_variables:
    description:
      - The environment variables; they replace the current ones, V({}) removes all. Unset leaves them alone.
      - Values are compared as strings.
    type: dict
  kms_key_arn:
    description:
      - The KMS key that encrypts the environment variables at rest (an ARN or a key id).
      - An empty string returns to Lambda's own key. Unset leaves it as it is.
    type: str
  tracing_mode:
    description: X-Ray tracing. Unset leaves it as it is (AWS default V(PassThrough)).
    type: str
    choices: [Active, PassThrough]
  architecture:
    description: The instruction set. Unset leaves it as it is (AWS default V(x86_64)).
    type: str
    choices: [x86_64, arm64]
  vpc_subnet_ids:
    description:
      - The subnets the function runs in, compared as a set (order does not matter).
      - V([]) with V([]) for O(vpc_security_group_ids) takes the function out of its VPC.
      - Unset leaves the VPC configuration alone.
    type: list
    elements: str
  vpc_security_group_ids:
    description:
      - The security groups of the function's network interfaces (a set). Required with O(vpc_subnet_ids).
    type: list
    elements: str
  wait_timeout:
    description: How many seconds to wait for the function to be active or updated after each write.
    type: int
    default: 300
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - Changing O(kms_key_arn), O(tracing_mode) or O(architecture) of an existing function on the local emulator
    (moto 5.2) is sent but not applied there; the module then warns. AWS applies them.
"""

EXAMPLES = r"""
- name: Deploy the payment processor in the private subnets
  payments.aws_platform.lambda_function:
    name: payments-dev-processor
    zip_file: /tmp/payments-dev/payment_handler.zip
    runtime: python3.13
    handler: payment_handler.app.handler
    role: arn:aws:iam::123456789012:role/dev-payments-lambda-role
    memory_size: 512
    timeout: 30
    environment_variables:
      TABLE_NAME: payments-dev-transactions
      LOG_LEVEL: INFO
    kms_key_arn: "{{ payments_stack_key_arn }}"
    tracing_mode: Active
    architecture: x86_64
    vpc_subnet_ids: "{{ vpc_outputs.private_subnet_ids }}"
    vpc_security_group_ids: ["{{ vpc_outputs.lambda_security_group_id }}"]
    tags:
      Project: payments
  register: processor

- name: Remove the function
  payments.aws_platform.lambda_function:
    name: payments-dev-processor
    state: absent
"""

RETURN = r"""
function:
  description:
    - The function as Lambda describes it after the change, normalised; {} when absent.
    - In check mode, the function as it would be; fields AWS assigns at creation are then missing.
  returned: always
  type: dict
  contains:
    function_name:
      description: The name.
      type: str
      sample: payments-dev-processor
    function_arn:
      description: The ARN (unqualified).
      type: str
      sample: arn:aws:lambda:us-east-1:123456789012:function:payments-dev-processor
    runtime:
      description: The runtime.
      type: str
      sample: python3.13
    handler:
      description: The handler.
      type: str
    role:
      description: The execution role ARN.
      type: str
    description:
      description: The description.
      type: str
    memory_size:
      description: Memory in MB.
      type: int
      sample: 512
    timeout:
      description: Timeout in seconds.
      type: int
      sample: 30
    environment:
      description: The environment variables.
      type: dict
      sample: {"TABLE_NAME": "payments-dev-transactions"}
    kms_key_arn:
      description: The KMS key ARN of the environment variables; empty for Lambda's own key.
      type: str
    tracing_mode:
      description: C(Active) or C(PassThrough).
      type: str
    architecture:
      description: C(x86_64) or C(arm64).
      type: str
    vpc_subnet_ids:
      description: The subnets, sorted.
      type: list
      elements: str
    vpc_security_group_ids:
      description: The security groups, sorted.
      type: list
      elements: str
    vpc_id:
      description: The VPC, empty when the function is not in one.
      type: str
    code_sha256:
      description: The base64 SHA-256 of the deployed package.
      type: str
    code_size:
      description: The package size in bytes.
      type: int
    state:
      description: The function's state (C(Active)...).
      type: str
    last_update_status:
      description: The status of the last update (C(Successful)...).
      type: str
    tags:
      description: The tags.
      type: dict
code_sha256:
  description: The base64 SHA-256 of O(zip_file), comparable with the function's C(CodeSha256).
  returned: when O(state=present)
  type: str
  sample: ccZinqH8E6SdUpzI201E8mYtmg19FFaFScTPVXRV6Ok=
configuration_updated:
  description: Whether the configuration was (or in check mode would be) updated; false on create.
  returned: when O(state=present)
  type: bool
code_updated:
  description: Whether the code was (or in check mode would be) uploaded; false on create.
  returned: when O(state=present)
  type: bool
diff:
  description: The function before and after the change (after as predicted in check mode).
  returned: when diff mode is on
  type: dict
"""

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
    from botocore.exceptions import WaiterError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.payments.aws_platform.plugins.module_utils import awslambda
from ansible_collections.payments.aws_platform.plugins.module_utils.base import apply_tag_changes
from ansible_collections.payments.aws_platform.plugins.module_utils.base import client
from ansible_collections.payments.aws_platform.plugins.module_utils.base import exit_with
from ansible_collections.payments.aws_platform.plugins.module_utils.base import tag_changes

# Fields whose update the emulator accepts but does not apply; re-read after an update to warn.
CHECKED_AFTER_UPDATE = ("kms_key_arn", "tracing_mode", "architecture")


def argument_spec():
    return dict(
        name=dict(type="str", required=True, aliases=["function_name"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        zip_file=dict(type="path"),
        runtime=dict(type="str"),
        handler=dict(type="str"),
        role=dict(type="str"),
        description=dict(type="str"),
        memory_size=dict(type="int"),
        timeout=dict(type="int"),
        environment_variables=dict(type="dict"),
        kms_key_arn=dict(type="str", no_log=False),
        tracing_mode=dict(type="str", choices=["Active", "PassThrough"]),
        architecture=dict(type="str", choices=["x86_64", "arm64"]),
        vpc_subnet_ids=dict(type="list", elements="str"),
        vpc_security_group_ids=dict(type="list", elements="str"),
        wait_timeout=dict(type="int", default=300),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )


def check_params(module):
    params = module.params
    if params["memory_size"] is not None and not 128 <= params["memory_size"] <= 10240:
        module.fail_json(msg=f"memory_size must be 128 to 10240 MB (got {params['memory_size']})")
    if params["timeout"] is not None and not 1 <= params["timeout"] <= 900:
        module.fail_json(msg=f"timeout must be 1 to 900 seconds (got {params['timeout']})")
    if params["state"] == "present":
        try:
            with open(params["zip_file"], "rb") as package:
                return package.read()
        except OSError as e:
            module.fail_json(msg=f"zip_file {params['zip_file']} cannot be read: {e}")
    return None


def desired(params):
    """The settings the user asked for, in the normalised view's terms (None: leave alone)."""
    environment = params["environment_variables"]
    return {
        "runtime": params["runtime"],
        "handler": params["handler"],
        "role": params["role"],
        "description": params["description"],
        "memory_size": params["memory_size"],
        "timeout": params["timeout"],
        "environment": None if environment is None else {key: str(value) for key, value in environment.items()},
        "kms_key_arn": params["kms_key_arn"],
        "tracing_mode": params["tracing_mode"],
        "architecture": params["architecture"],
        "vpc_subnet_ids": None if params["vpc_subnet_ids"] is None else sorted(set(params["vpc_subnet_ids"])),
        "vpc_security_group_ids": (
            None if params["vpc_security_group_ids"] is None else sorted(set(params["vpc_security_group_ids"]))
        ),
    }


def configuration_changes(view, wanted):
    """The UpdateFunctionConfiguration arguments that bring ``view`` to ``wanted`` ({} when none)."""
    changes = {}
    simple = {
        "runtime": "Runtime",
        "handler": "Handler",
        "role": "Role",
        "description": "Description",
        "memory_size": "MemorySize",
        "timeout": "Timeout",
    }
    for field, request_key in simple.items():
        if wanted[field] is not None and view.get(field) != wanted[field]:
            changes[request_key] = wanted[field]
    if wanted["environment"] is not None and view.get("environment", {}) != wanted["environment"]:
        changes["Environment"] = {"Variables": wanted["environment"]}
    if wanted["kms_key_arn"] is not None and not awslambda.kms_key_matches(
        view.get("kms_key_arn"), wanted["kms_key_arn"]
    ):
        changes["KMSKeyArn"] = wanted["kms_key_arn"]
    if wanted["tracing_mode"] is not None and view.get("tracing_mode") != wanted["tracing_mode"]:
        changes["TracingConfig"] = {"Mode": wanted["tracing_mode"]}
    subnets = wanted["vpc_subnet_ids"]
    groups = wanted["vpc_security_group_ids"]
    if subnets is not None and (
        view.get("vpc_subnet_ids") != subnets or view.get("vpc_security_group_ids") != (groups or [])
    ):
        changes["VpcConfig"] = {"SubnetIds": subnets, "SecurityGroupIds": groups or []}
    return changes


def code_change(view, local_sha, wanted_architecture):
    """(upload the code?, architecture to send or None): the architecture is set with the code."""
    architecture = None
    if wanted_architecture is not None and view.get("architecture") != wanted_architecture:
        architecture = wanted_architecture
    return view.get("code_sha256") != local_sha or architecture is not None, architecture


def create_request(params, wanted, zip_bytes, tags):
    request = {
        "FunctionName": params["name"],
        "Runtime": wanted["runtime"],
        "Handler": wanted["handler"],
        "Role": wanted["role"],
        "Code": {"ZipFile": zip_bytes},
        "PackageType": "Zip",
        "Publish": False,
    }
    optional = {
        "Description": wanted["description"],
        "MemorySize": wanted["memory_size"],
        "Timeout": wanted["timeout"],
        "KMSKeyArn": wanted["kms_key_arn"] or None,
    }
    request.update({key: value for key, value in optional.items() if value is not None})
    if wanted["environment"]:
        request["Environment"] = {"Variables": wanted["environment"]}
    if wanted["tracing_mode"]:
        request["TracingConfig"] = {"Mode": wanted["tracing_mode"]}
    if wanted["architecture"]:
        request["Architectures"] = [wanted["architecture"]]
    if wanted["vpc_subnet_ids"]:
        request["VpcConfig"] = {
            "SubnetIds": wanted["vpc_subnet_ids"],
            "SecurityGroupIds": wanted["vpc_security_group_ids"] or [],
        }
    if tags:
        request["Tags"] = tags
    return request


def predicted(before, name, wanted, local_sha, tags):
    """The normalised view once every change is applied."""
    after = dict(before) if before else {"function_name": name, "description": "", "environment": {}}
    for field, value in wanted.items():
        if value is not None:
            after[field] = value
    if wanted["vpc_subnet_ids"] is not None and wanted["vpc_security_group_ids"] is None:
        after["vpc_security_group_ids"] = []
    if wanted["kms_key_arn"] is not None and awslambda.kms_key_matches(
        before.get("kms_key_arn"), wanted["kms_key_arn"]
    ):
        after["kms_key_arn"] = before.get("kms_key_arn", "")
    after["code_sha256"] = local_sha
    after["tags"] = tags
    return after


def read(lambda_client, name):
    return awslambda.function_view(awslambda.get_function(lambda_client, name))


def wait_until_settled(lambda_client, name, view, timeout):
    """Wait out a create or an update still in progress (ours or someone else's) before writing."""
    if view.get("state") == "Pending":
        awslambda.wait(lambda_client, "function_active_v2", name, timeout)
    if view.get("last_update_status") == "InProgress":
        awslambda.wait(lambda_client, "function_updated_v2", name, timeout)


def warn_unapplied(module, after, expected):
    for field in CHECKED_AFTER_UPDATE:
        if field in expected and after.get(field) != expected[field]:
            module.warn(
                f"Lambda accepted {field}={expected[field]!r} for {module.params['name']} but still reports "
                f"{after.get(field)!r} (the local emulator does not apply this field; AWS does)"
            )


def ensure_created(module, lambda_client, wanted, zip_bytes, local_sha):
    params = module.params
    for required in ("runtime", "handler", "role"):
        if not wanted[required]:
            module.fail_json(msg=f"{required} is required to create the function {params['name']}")
    tags = params["tags"] or {}
    after = predicted({}, params["name"], wanted, local_sha, tags)
    if module.check_mode:
        exit_with(
            module,
            True,
            {},
            after,
            function=after,
            code_sha256=local_sha,
            configuration_updated=False,
            code_updated=False,
        )
    try:
        awslambda.create_function(lambda_client, create_request(params, wanted, zip_bytes, tags))
    except ClientError as e:
        # Someone (a parallel run) created it between our read and our create: converge it instead.
        if e.response["Error"]["Code"] != "ResourceConflictException":
            raise
        ensure_updated(module, lambda_client, read(lambda_client, params["name"]), wanted, zip_bytes, local_sha)
    awslambda.wait(lambda_client, "function_active_v2", params["name"], params["wait_timeout"])
    after = read(lambda_client, params["name"])
    exit_with(
        module, True, {}, after, function=after, code_sha256=local_sha, configuration_updated=False, code_updated=False
    )


def ensure_updated(module, lambda_client, before, wanted, zip_bytes, local_sha):
    params = module.params
    name = params["name"]
    config_changes = configuration_changes(before, wanted)
    upload, architecture = code_change(before, local_sha, wanted["architecture"])
    tags_to_set, tags_to_remove = tag_changes(before["tags"], params["tags"], params["purge_tags"])
    tags = apply_tag_changes(before["tags"], tags_to_set, tags_to_remove)
    changed = bool(config_changes or upload or tags_to_set or tags_to_remove)
    expected = predicted(before, name, wanted, local_sha, tags)
    result = dict(code_sha256=local_sha, configuration_updated=bool(config_changes), code_updated=upload)

    if module.check_mode or not changed:
        exit_with(module, changed, before, expected, function=expected, **result)

    timeout = params["wait_timeout"]
    wait_until_settled(lambda_client, name, before, timeout)
    if config_changes:
        awslambda.update_function_configuration(lambda_client, name, config_changes)
        awslambda.wait(lambda_client, "function_updated_v2", name, timeout)
    if upload:
        awslambda.update_function_code(lambda_client, name, zip_bytes, architecture)
        awslambda.wait(lambda_client, "function_updated_v2", name, timeout)
    awslambda.update_tags(lambda_client, before["function_arn"], tags_to_set, tags_to_remove)
    after = read(lambda_client, name)
    warn_unapplied(
        module, after, {field: expected[field] for field in CHECKED_AFTER_UPDATE if wanted[field] is not None}
    )
    exit_with(module, changed, before, after, function=after, **result)


def ensure_present(module, lambda_client, zip_bytes):
    wanted = desired(module.params)
    if wanted["vpc_subnet_ids"] and not wanted["vpc_security_group_ids"]:
        module.fail_json(msg="vpc_security_group_ids is required when vpc_subnet_ids is not empty")
    local_sha = awslambda.code_sha256(zip_bytes)
    before = read(lambda_client, module.params["name"])
    if not before:
        ensure_created(module, lambda_client, wanted, zip_bytes, local_sha)
    else:
        ensure_updated(module, lambda_client, before, wanted, zip_bytes, local_sha)


def ensure_absent(module, lambda_client):
    before = read(lambda_client, module.params["name"])
    changed = bool(before)
    if changed and not module.check_mode:
        changed = awslambda.delete_function(lambda_client, module.params["name"])
    exit_with(module, changed, before, {}, function={})


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        required_if=[("state", "present", ["zip_file"])],
        required_together=[("vpc_subnet_ids", "vpc_security_group_ids")],
        supports_check_mode=True,
    )
    zip_bytes = check_params(module)
    lambda_client = client(module, "lambda")
    try:
        if module.params["state"] == "present":
            ensure_present(module, lambda_client, zip_bytes)
        else:
            ensure_absent(module, lambda_client)
    except WaiterError as e:
        module.fail_json(
            msg=f"Lambda function {module.params['name']} did not settle within {module.params['wait_timeout']} s: {e}"
        )
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to manage Lambda function {module.params['name']}")


if __name__ == "__main__":
    main()
