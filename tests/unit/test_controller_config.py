"""controller/config.yml and playbooks/controller.yml, checked without a controller.

Every awx.awx task of the playbook is rendered for every item of the data it loops over, exactly as Ansible
renders it (the playbook's own Jinja, `default(omit)` included), and the result is validated against the
argument spec the module itself builds (captured from the installed awx.awx collection, not copied here).
The rest checks what a controller would only tell at launch time: playbooks, inventories and the names the
templates refer to exist, survey answers reach their playbook, and the workflow only reaches prod through
its approval.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "controller" / "config.yml"
PLAYBOOK = REPO / "playbooks" / "controller.yml"
ENVIRONMENTS = sorted(path.name for path in (REPO / "inventories").iterdir() if (path / "hosts.yml").is_file())
ACTIONS = {
    "deploy": "playbooks/site.yml",
    "plan": "playbooks/site.yml",
    "verify": "playbooks/verify.yml",
    "destroy": "playbooks/destroy.yml",
}
# Keys of the data that are not module arguments, and the task argument that consumes each one.
NOT_MODULE_ARGUMENTS = {"inputs_from_env": "inputs"}

CONFIG_DATA = yaml.safe_load(CONFIG.read_text())
PLAY = yaml.safe_load(PLAYBOOK.read_text())[0]
AWX_TASKS = [task for task in PLAY["tasks"] if any(key.startswith("awx.awx.") for key in task)]


def module_of(task: dict) -> str:
    return next(key for key in task if key.startswith("awx.awx.")).split(".", 2)[2]


def data_list(task: dict) -> str:
    """The name of the controller/config.yml list the task loops over."""
    match = re.fullmatch(r"\{\{\s*(controller_\w+)\s*\}\}", task["loop"])
    assert match, f"{task['name']}: loops over {task['loop']!r}, not over one list of controller/config.yml"
    return match.group(1)


# Renders every awx.awx task of the playbook for every item of its list, as ansible-playbook does: the data
# trusted as vars_files are, the loop variable set, lookups resolved through the collection loader. It runs
# in its own interpreter: the collection loader must own the ansible_collections package from the start.
RENDER = """
import json, sys, yaml
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
from ansible.template import Templar, trust_as_template

def trusted(value):
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {key: trusted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [trusted(item) for item in value]
    return value

init_plugin_loader([])
config_file, playbook_file = sys.argv[1:]
data = yaml.safe_load(open(config_file))
rendered = []
for task in yaml.safe_load(open(playbook_file))[0]["tasks"]:
    module = next((key for key in task if key.startswith("awx.awx.")), None)
    if module is None:
        continue
    items = data[task["loop"].strip("{} ")]
    for item in items:
        variables = {**trusted(data), task["loop_control"]["loop_var"]: trusted(item)}
        params = Templar(loader=DataLoader(), variables=variables).template(trusted(task[module]))
        rendered.append({"module": module.split(".", 2)[2], "name": item["name"], "params": params})
json.dump(rendered, sys.stdout)
"""


@functools.cache
def rendered_arguments() -> dict[tuple[str, str], dict]:
    # The credential task runs only when both of its variables are set: render it that way.
    env = {
        variable: "set-by-test"
        for credential in CONFIG_DATA["controller_credentials"]
        for variable in credential["inputs_from_env"].values()
    }
    result = subprocess.run(
        [sys.executable, "-c", RENDER, str(CONFIG), str(PLAYBOOK)],
        env={**os.environ, **env, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {(entry["module"], entry["name"]): entry["params"] for entry in json.loads(result.stdout)}


class _Captured(Exception):
    pass


def module_spec(name: str) -> tuple[dict, dict]:
    """(argument spec, constraints) exactly as awx.awx.<name> hands them to its module class."""
    module = importlib.import_module(f"ansible_collections.awx.awx.plugins.modules.{name}")
    from ansible_collections.awx.awx.plugins.module_utils.controller_api import ControllerModule

    class Capture:
        def __init__(self, argument_spec=None, **kwargs):
            raise _Captured(argument_spec, kwargs)

    original = module.ControllerAPIModule
    module.ControllerAPIModule = Capture
    try:
        module.main()
    except _Captured as captured:
        spec, constraints = captured.args
    else:  # pragma: no cover - a module that never builds its class
        pytest.fail(f"awx.awx.{name} did not build its module")
    finally:
        module.ControllerAPIModule = original
    return {**ControllerModule.AUTH_ARGSPEC, **spec}, constraints


def validate(spec: dict, constraints: dict, params: dict) -> list[str]:
    validator = ArgumentSpecValidator(
        spec,
        mutually_exclusive=constraints.get("mutually_exclusive"),
        required_together=constraints.get("required_together"),
        required_one_of=constraints.get("required_one_of"),
        required_if=constraints.get("required_if"),
        required_by=constraints.get("required_by"),
    )
    return validator.validate(params).error_messages


def doc_to_spec(options: dict) -> dict:
    """A module's documented options (DOCUMENTATION) as an argument spec, for the nested ones its code
    checks by hand (workflow_nodes)."""
    spec = {}
    for name, doc in options.items():
        entry = {key: doc[key] for key in ("type", "choices", "required", "elements", "default") if key in doc}
        if "suboptions" in doc:
            entry["options"] = doc_to_spec(doc["suboptions"])
        spec[name] = entry
    return spec


def by_name(items: list[dict]) -> dict[str, dict]:
    return {item["name"]: item for item in items}


TEMPLATES = by_name(CONFIG_DATA["controller_templates"])
CASES = [
    pytest.param(task, item, id=f"{module_of(task)}:{item['name']}")
    for task in AWX_TASKS
    for item in CONFIG_DATA[data_list(task)]
]


def test_the_playbook_applies_every_list_of_the_data():
    applied = {data_list(task) for task in AWX_TASKS}
    lists = {key for key, value in CONFIG_DATA.items() if isinstance(value, list)}
    assert applied == lists
    assert all(CONFIG_DATA[name] for name in lists), "an empty list configures nothing"


@pytest.mark.parametrize(("task", "item"), CASES)
def test_every_key_of_the_data_reaches_the_module(task, item):
    arguments = task[f"awx.awx.{module_of(task)}"]
    loop_var = task["loop_control"]["loop_var"]
    for key in item:
        target = NOT_MODULE_ARGUMENTS.get(key, key)
        assert target in arguments, f"{task['name']}: {key} of {item['name']} is never sent"
        assert f"{loop_var}.{key}" in yaml.safe_dump(arguments[target]), f"{task['name']}: {target} ignores {key}"


@pytest.mark.parametrize(("task", "item"), CASES)
def test_module_arguments_validate_against_the_module_spec(task, item):
    name = module_of(task)
    spec, constraints = module_spec(name)
    params = rendered_arguments()[(name, item["name"])]
    assert params["name"] == item["name"]
    assert not any("{{" in str(value) for value in params.values()), params
    assert validate(spec, constraints, params) == []


def test_workflow_nodes_validate_against_the_documented_node_options():
    module = importlib.import_module("ansible_collections.awx.awx.plugins.modules.workflow_job_template")
    node_spec = doc_to_spec(yaml.safe_load(module.DOCUMENTATION)["options"]["workflow_nodes"]["suboptions"])
    for workflow in CONFIG_DATA["controller_workflows"]:
        for node in workflow["workflow_nodes"]:
            assert validate(node_spec, {}, node) == [], node["identifier"]
            # The module reads these two without a default (a KeyError on the controller otherwise).
            assert node["unified_job_template"]["name"] and node["unified_job_template"]["type"]


def test_the_validation_can_fail():
    spec, constraints = module_spec("job_template")
    good = rendered_arguments()[("job_template", CONFIG_DATA["controller_templates"][0]["name"])]
    assert validate(spec, constraints, good) == []
    assert validate(spec, constraints, {**good, "job_type": "apply"})
    assert validate(spec, constraints, {**good, "playbok": "site.yml"})
    spec, constraints = module_spec("credential")
    assert validate(spec, constraints, {"name": "x", "credential_type": "y", "organization": "o", "team": "t"})


def test_every_environment_has_deploy_plan_verify_and_destroy():
    assert ENVIRONMENTS == ["dev", "prod", "staging"]
    for env in ENVIRONMENTS:
        for action, playbook in ACTIONS.items():
            template = TEMPLATES[f"payments-{env} {action}"]
            assert template["playbook"] == playbook
            assert template["inventory"] == f"payments-{env}"
            assert template["credentials"] == [f"payments-aws-{env}"]
            assert template["job_type"] == ("check" if action == "plan" else "run")
            assert template["diff_mode"] is (action == "plan")
            assert template["allow_simultaneous"] is False


def test_templates_point_at_what_exists():
    inventories = by_name(CONFIG_DATA["controller_inventories"])
    sources = {source["inventory"]: source for source in CONFIG_DATA["controller_inventory_sources"]}
    projects = by_name(CONFIG_DATA["controller_projects"])
    credentials = by_name(CONFIG_DATA["controller_credentials"])
    environments = by_name(CONFIG_DATA["controller_execution_environments"])
    organizations = by_name(CONFIG_DATA["controller_organizations"])
    for template in TEMPLATES.values():
        assert (REPO / template["playbook"]).is_file(), template["playbook"]
        assert template["project"] in projects
        assert template["organization"] in organizations
        assert template["execution_environment"] in environments
        assert set(template["credentials"]) <= set(credentials)
        source = sources[template["inventory"]]
        assert template["inventory"] in inventories
        assert source["source"] == "scm" and source["source_project"] in projects
        inventory_dir = REPO / source["source_path"]
        assert (inventory_dir / "hosts.yml").is_file(), source["source_path"]
        env = inventory_dir.name
        # The inventory's own environment is the one the template, its inventory and its credential name.
        group_vars = yaml.safe_load((inventory_dir / "group_vars" / env / "main.yml").read_text())
        assert group_vars["payments_env"] == env
        assert template["name"].startswith(f"payments-{env} ") and template["credentials"] == [f"payments-aws-{env}"]
    for project in projects.values():
        assert project["default_environment"] in environments


def playbook_text(playbook: Path, seen: set[Path] | None = None) -> str:
    """The playbook and what it runs: imported or included task files and playbooks, and the collection's roles
    it includes (all their YAML), comments removed so a name mentioned only in a comment does not count."""
    seen = seen if seen is not None else set()
    if playbook in seen:
        return ""
    seen.add(playbook)
    text = "\n".join(line for line in playbook.read_text().splitlines() if not line.lstrip().startswith("#"))
    parts = [text]
    for match in re.finditer(r"(?m)(?:import|include)_(?:tasks|playbook):\s*([\w./-]+\.yml)\s*$", text):
        parts.append(playbook_text((playbook.parent / match.group(1)).resolve(), seen))
    for role in sorted(set(re.findall(r"payments\.aws_platform\.(\w+)", text))):
        for path in sorted((REPO / "roles" / role).glob("*/*.yml")):
            parts.append(playbook_text(path, seen))
    return "\n".join(parts)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_survey_and_extra_variables_are_consumed_by_the_playbook(name):
    template = TEMPLATES[name]
    text = playbook_text(REPO / template["playbook"])
    variables = [question["variable"] for question in template.get("survey_spec", {}).get("spec", [])]
    for variable in variables + list(template.get("extra_vars", {})):
        assert re.search(rf"\b{variable}\b", text), f"{template['playbook']} never reads {variable}"


def test_playbook_text_does_not_count_comments():
    assert not re.search(r"\bno_such_variable\b", playbook_text(REPO / "playbooks" / "destroy.yml"))
    assert "payments_destroy_requires_confirmation" in playbook_text(REPO / "playbooks" / "destroy.yml")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_destroy_asks_for_the_stack_name_and_the_playbook_enforces_it(env):
    template = TEMPLATES[f"payments-{env} destroy"]
    assert template["survey_enabled"] is True
    (question,) = template["survey_spec"]["spec"]
    assert question["variable"] == "confirm_destroy"
    assert question["type"] == "text" and question["required"] is True
    # A default would pre-fill the answer: the name must be typed.
    assert question.get("default", "") == ""
    assert template["extra_vars"]["payments_destroy_requires_confirmation"] is True
    destroy = (REPO / "playbooks" / "destroy.yml").read_text()
    assert "(confirm_destroy | default('') | string) == __payments_destroy_stack" in destroy
    assert "payments_destroy_requires_confirmation | default(false) | bool" in destroy


def workflow_graph(workflow: dict) -> tuple[dict[str, dict], dict[str, set[str]]]:
    nodes = {node["identifier"]: node for node in workflow["workflow_nodes"]}
    assert len(nodes) == len(workflow["workflow_nodes"]), "duplicate identifiers"
    edges: dict[str, set[str]] = {identifier: set() for identifier in nodes}
    for identifier, node in nodes.items():
        for kind in ("success_nodes", "failure_nodes", "always_nodes"):
            for child in node.get("related", {}).get(kind, []):
                assert child["identifier"] in nodes, f"{identifier} -> unknown {child['identifier']}"
                edges[identifier].add(child["identifier"])
    return nodes, edges


def topological_order(edges: dict[str, set[str]]) -> list[str]:
    incoming = {node: 0 for node in edges}
    for children in edges.values():
        for child in children:
            incoming[child] += 1
    ready = sorted(node for node, count in incoming.items() if count == 0)
    order = []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for child in sorted(edges[node]):
            incoming[child] -= 1
            if incoming[child] == 0:
                ready.append(child)
    if len(order) != len(edges):
        raise ValueError(f"cycle among {sorted(set(edges) - set(order))}")
    return order


def reachable(edges: dict[str, set[str]], start: str, blocked: set[str] = frozenset()) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node in seen or node in blocked:
            continue
        seen.add(node)
        todo.extend(edges[node])
    return seen


def test_graph_helpers_can_fail():
    with pytest.raises(ValueError, match="cycle"):
        topological_order({"a": {"b"}, "b": {"a"}})
    assert reachable({"a": {"b"}, "b": {"c"}, "c": set()}, "a", blocked={"b"}) == {"a"}


@pytest.mark.parametrize("workflow", CONFIG_DATA["controller_workflows"], ids=lambda workflow: workflow["name"])
def test_workflow_is_acyclic_and_reaches_prod_only_through_the_approval(workflow):
    nodes, edges = workflow_graph(workflow)
    order = topological_order(edges)
    (root,) = [node for node in order if all(node not in children for children in edges.values())]
    approvals = {key for key, node in nodes.items() if node["unified_job_template"]["type"] == "workflow_approval"}
    assert approvals, "no approval node"

    def template_of(identifier):
        ujt = nodes[identifier]["unified_job_template"]
        assert ujt["type"] in ("job_template", "workflow_approval")
        return TEMPLATES[ujt["name"]] if ujt["type"] == "job_template" else None

    runs = {key: template_of(key) for key in nodes}
    # Nothing may change prod before someone approves: with the approvals removed, no prod job that runs for
    # real (deploy, verify) is reachable; only prod's plan (check mode) may come before, for the approver to read.
    before_approval = reachable(edges, root, blocked=approvals)
    for identifier in before_approval:
        template = runs[identifier]
        assert template["inventory"] != "payments-prod" or template["job_type"] == "check", identifier
    prod_deploys = [key for key, template in runs.items() if template and template["name"] == "payments-prod deploy"]
    assert prod_deploys and not set(prod_deploys) & before_approval
    # dev before staging before the approval before prod, along the edges.
    position = {identifier: index for index, identifier in enumerate(order)}
    deploys = {
        template["inventory"]: key for key, template in runs.items() if template and "deploy" in template["name"]
    }
    assert position[deploys["payments-dev"]] < position[deploys["payments-staging"]]
    assert deploys["payments-staging"] in reachable(edges, deploys["payments-dev"])
    assert all(approval in reachable(edges, deploys["payments-staging"]) for approval in approvals)
    assert all(deploys["payments-prod"] in reachable(edges, approval) for approval in approvals)
    # No destroy runs from a promotion, and each step runs only when the one before succeeded.
    assert not any(template and "destroy" in template["name"] for template in runs.values())
    assert all(
        not node.get("related", {}).get(kind) for node in nodes.values() for kind in ("failure_nodes", "always_nodes")
    )


def test_deploys_publish_their_outputs_with_set_stats_for_the_workflow():
    """The workflow passes outputs along only because site.yml publishes them; the prod deploy must not take
    them for its own inputs (set_stats data becomes extra vars of every later job)."""
    outputs = yaml.safe_load((REPO / "playbooks" / "tasks" / "outputs.yml").read_text())
    (publish,) = [task for task in outputs if "ansible.builtin.set_stats" in task]
    stats = publish["ansible.builtin.set_stats"]
    assert stats["per_host"] is False
    # One top-level key per stack (the controller merges artifacts with a shallow update), none from a plan.
    assert (
        (stats["data"])
        == "{{ {'payments_outputs_' ~ (__payments_outputs_name | replace('-', '_')): __payments_outputs} }}"
    )
    assert publish["when"] == "not ansible_check_mode"
    # No role input and no variable a deploy reads is named like a published key.
    inputs = playbook_text(REPO / "playbooks" / "site.yml").replace(stats["data"], "")
    assert not re.search(r"(?<![\w.])payments_outputs_(?!dir\b)\w*", inputs)


def run_controller_playbook(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    base["PATH"] = f"{Path(sys.executable).parent}:{base.get('PATH', '')}"
    base["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    return subprocess.run(
        ["ansible-playbook", str(PLAYBOOK), *args],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("args", [(), ("--check",)], ids=["apply", "check"])
def test_controller_playbook_stops_before_any_call_without_a_controller(args):
    result = run_controller_playbook({}, *args)
    assert result.returncode != 0
    assert "CONTROLLER_HOST is not set" in result.stdout
    assert "Nothing was sent to any controller" in result.stdout
    assert "TASK [Organization]" not in result.stdout


def test_controller_playbook_stops_before_any_call_without_controller_credentials():
    result = run_controller_playbook({"CONTROLLER_HOST": "https://127.0.0.1:9"}, "--check")
    assert result.returncode != 0
    assert "No credentials for https://127.0.0.1:9" in result.stdout
    assert "TASK [Organization]" not in result.stdout


def test_no_secret_in_the_data():
    text = CONFIG.read_text()
    for credential in CONFIG_DATA["controller_credentials"]:
        assert credential["credential_type"] == "Amazon Web Services"
        assert "inputs" not in credential
        assert all(re.fullmatch(r"[A-Z][A-Z0-9_]+", name) for name in credential["inputs_from_env"].values())
    # A secret-looking key may only name an environment variable.
    assert not re.search(r"AKIA[0-9A-Z]{16}", text)
    assert not re.search(r"(?im)^\s*\w*(password|secret|token|key)\w*\s*:\s*(?![A-Z][A-Z0-9_]+\s*$)\S", text)
