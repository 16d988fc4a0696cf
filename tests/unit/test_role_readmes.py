"""Every role's README is what scripts/role_readme.py writes from its meta/argument_specs.yml."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROLES = sorted(path.name for path in (REPO / "roles").iterdir() if (path / "tasks" / "main.yml").is_file())


def load_generator():
    spec = importlib.util.spec_from_file_location("role_readme", REPO / "scripts" / "role_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


role_readme = load_generator()


def test_every_role_has_an_argument_spec():
    assert ROLES
    assert [role for role in ROLES if not (REPO / "roles" / role / "meta" / "argument_specs.yml").is_file()] == []


@pytest.mark.parametrize("role", ROLES)
def test_the_readme_is_up_to_date_with_the_argument_spec(role):
    readme = REPO / "roles" / role / "README.md"
    assert readme.is_file(), f"{readme} is missing: run python scripts/role_readme.py"
    assert readme.read_text() == role_readme.render(role), f"{readme} is stale: run python scripts/role_readme.py"


@pytest.mark.parametrize("role", ROLES)
def test_the_readme_names_every_input_with_its_default(role):
    text = role_readme.render(role)
    options = role_readme.yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())[
        "argument_specs"
    ]["main"]["options"]
    for name, spec in options.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        default = spec.get("default")
        if default not in (None, ""):
            shown = default if isinstance(default, str) else json.dumps(default)
            assert row.split(" | ")[2] == f"`{shown}`", row
    assert f"role: payments.aws_platform.{role}" in text
