"""`ansible-doc` renders every module and filter plugin of the collection with a description and options
(one ansible-doc call per plugin type, for all of them at once)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MODULES = sorted(path.stem for path in (REPO / "plugins" / "modules").glob("*.py") if path.stem != "__init__")


def filter_names() -> list[str]:
    """The filters the filter plugin files declare (FilterModule.filters() keys, read from the source)."""
    names = []
    for path in sorted((REPO / "plugins" / "filter").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name == "filters":
                for returned in ast.walk(node):
                    if isinstance(returned, ast.Dict):
                        names += [key.value for key in returned.keys if isinstance(key, ast.Constant)]
    return sorted(names)


FILTERS = filter_names()


def ansible_doc(plugin_type: str, names: list[str]) -> dict:
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0"}
    done = subprocess.run(
        [str(BIN / "ansible-doc"), "-t", plugin_type, "-j", *(f"payments.aws_platform.{name}" for name in names)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def module_docs() -> dict:
    return ansible_doc("module", MODULES)


@pytest.fixture(scope="module")
def filter_docs() -> dict:
    return ansible_doc("filter", FILTERS)


def test_there_are_modules_and_filters():
    assert len(MODULES) >= 15
    assert "rds_window_conflicts" in FILTERS


@pytest.mark.parametrize("name", MODULES)
def test_the_module_documentation_renders(module_docs, name):
    doc = module_docs[f"payments.aws_platform.{name}"]["doc"]
    assert doc["module"] == name
    assert doc["short_description"].strip()
    assert doc["description"] and all(line.strip() for line in doc["description"])
    assert doc["version_added"] == "0.1.0"
    assert doc["version_added_collection"] == "payments.aws_platform"
    # The shared doc fragments resolved: the AWS connection options are documented with the module's own.
    assert {"region", "endpoint_url"} <= set(doc["options"])
    own = {option for option in doc["options"] if option not in ("region", "endpoint_url")}
    assert own and all(doc["options"][option].get("description") for option in own)
    examples = module_docs[f"payments.aws_platform.{name}"]["examples"]
    assert f"payments.aws_platform.{name}:" in examples


@pytest.mark.parametrize("name", FILTERS)
def test_the_filter_documentation_renders(filter_docs, name):
    entry = filter_docs[f"payments.aws_platform.{name}"]
    doc = entry["doc"]
    assert doc["short_description"].strip()
    assert doc["description"]
    assert doc.get("options") or doc.get("positional")
    assert entry["examples"].strip()
    assert entry["return"]
