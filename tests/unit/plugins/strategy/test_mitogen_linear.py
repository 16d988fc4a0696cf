"""The collection's default strategy: mitogen's linear where mitogen is installed, plain linear (with a
warning) where it is not, and documented."""

from __future__ import annotations

import builtins
import configparser
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ansible.plugins.strategy.linear import StrategyModule as Linear

REPO = Path(__file__).resolve().parents[4]
PLUGIN = "ansible_collections.payments.aws_platform.plugins.strategy.mitogen_linear"
PLUGIN_FQCN = "payments.aws_platform.mitogen_linear"


def run_ansible(command, *args, cwd=REPO, timeout=120, **env):
    """Runs an ansible command line from this venv with the checkout's ansible.cfg and no colour."""
    return subprocess.run(
        [str(Path(sys.executable).parent / command), *args],
        cwd=cwd,
        env={**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def load_plugin(monkeypatch, without_mitogen: bool):
    sys.modules.pop(PLUGIN, None)
    if without_mitogen:
        real_import = builtins.__import__

        def no_mitogen(name, *args, **kwargs):
            if name.startswith("ansible_mitogen"):
                raise ImportError(f"No module named {name!r}")
            return real_import(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", no_mitogen)
    try:
        return importlib.import_module(PLUGIN)
    finally:
        sys.modules.pop(PLUGIN, None)


def test_the_checkout_runs_the_collection_strategy_by_default():
    config = configparser.ConfigParser()
    config.read(REPO / "ansible.cfg")
    assert config["defaults"]["strategy"] == "payments.aws_platform.mitogen_linear"


def test_with_mitogen_installed_the_strategy_is_mitogens_linear(monkeypatch):
    import ansible_mitogen.strategy

    plugin = load_plugin(monkeypatch, without_mitogen=False)

    assert plugin.HAS_MITOGEN
    assert issubclass(plugin.StrategyModule, ansible_mitogen.strategy.StrategyMixin)
    assert issubclass(plugin.StrategyModule, Linear)


def test_without_mitogen_it_warns_and_runs_the_linear_strategy(monkeypatch):
    plugin = load_plugin(monkeypatch, without_mitogen=True)
    warnings = []
    monkeypatch.setattr(plugin.Display, "warning", lambda self, message, *a, **k: warnings.append(message))
    monkeypatch.setattr(Linear, "__init__", lambda self, tqm: None)

    plugin.StrategyModule(tqm=None)

    assert not plugin.HAS_MITOGEN
    assert plugin.StrategyModule.__mro__[1] is Linear
    assert warnings and "mitogen package is not installed" in warnings[0]


def test_the_strategy_documentation_renders():
    done = run_ansible("ansible-doc", "-t", "strategy", "-j", PLUGIN_FQCN)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)[PLUGIN_FQCN]["doc"]
    assert doc["name"] == "mitogen_linear"
    assert any("linear" in line for line in doc["description"])


@pytest.mark.parametrize("strategy", ["payments.aws_platform.mitogen_linear", "linear"])
def test_a_play_runs_under_either_strategy(strategy, tmp_path):
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.command: echo ran\n      register: out\n      changed_when: false\n"
        "    - ansible.builtin.assert: {that: [out.stdout == 'ran']}\n"
    )
    done = run_ansible("ansible-playbook", str(playbook), ANSIBLE_STRATEGY=strategy, ANSIBLE_LOCALHOST_WARNING="false")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok=2" in done.stdout


def test_each_local_host_is_given_an_interpreter_named_after_it(monkeypatch):
    plugin = load_plugin(monkeypatch, without_mitogen=False)

    class Spec:
        def __init__(self, name):
            self.name = name

        def inventory_name(self):
            return self.name

    connect = plugin.one_interpreter_per_local_host(lambda spec: {"method": "local", "kwargs": {"python_path": ["py"]}})

    dev, prod = connect(Spec("payments-dev")), connect(Spec("group/prod"))

    assert dev == {"method": "local", "kwargs": {"python_path": ["py"], "remote_name": "payments:payments-dev"}}
    assert prod["kwargs"]["remote_name"] == "payments:group_prod"  # mitogen refuses slashes in a name


PID_MODULE = """#!/usr/bin/python
import os
from ansible.module_utils.basic import AnsibleModule
module = AnsibleModule(argument_spec={})
module.exit_json(changed=False, pid=os.getpid(), cpus=sorted(os.sched_getaffinity(0)))
"""


def test_local_hosts_each_keep_one_interpreter_of_their_own_on_every_cpu(tmp_path):
    """Three local hosts (three environments in one run): a module reports the interpreter it ran in. Each
    host keeps one interpreter across tasks (mitogen's persistence), no two hosts share one (they would run
    one after another), and none is pinned to a CPU."""
    (tmp_path / "library").mkdir()
    (tmp_path / "library" / "interpreter_pid.py").write_text(PID_MODULE)
    (tmp_path / "hosts.yml").write_text(
        "all:\n  hosts:\n"
        + "".join(
            f"    {env}:\n      ansible_connection: local\n      ansible_python_interpreter: {sys.executable}\n"
            for env in ("dev", "staging", "prod")
        )
    )
    (tmp_path / "play.yml").write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - {interpreter_pid: {}, register: first}\n"
        "    - {interpreter_pid: {}, register: second}\n"
        "    - ansible.builtin.debug:\n"
        "        msg: \"PID {{ inventory_hostname }} {{ first.pid }} {{ second.pid }} {{ second.cpus | join(',') }}\"\n"
    )
    done = run_ansible(
        "ansible-playbook",
        "-i",
        "hosts.yml",
        "play.yml",
        cwd=tmp_path,
        timeout=180,
        ANSIBLE_STRATEGY=PLUGIN_FQCN,
        ANSIBLE_LIBRARY=str(tmp_path / "library"),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    seen = {}
    for line in done.stdout.splitlines():
        if '"msg": "PID ' in line:
            host, first, second, cpus = line.split('"msg": "PID ')[1].rstrip('"').split()
            seen[host] = (first, second, cpus)
    assert set(seen) == {"dev", "staging", "prod"}, done.stdout
    assert all(first == second for first, second, _ in seen.values()), seen
    assert len({first for first, _, _ in seen.values()}) == 3, seen
    every_cpu = ",".join(str(cpu) for cpu in sorted(os.sched_getaffinity(0)))
    assert all(cpus == every_cpu for _, _, cpus in seen.values()), seen
