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
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-doc"), "-t", "strategy", "-j", PLUGIN_FQCN],
        cwd=REPO,
        env={**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
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
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook)],
        cwd=REPO,
        env={
            **os.environ,
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_STRATEGY": strategy,
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_FORCE_COLOR": "0",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok=2" in done.stdout
