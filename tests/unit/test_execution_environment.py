"""execution-environment.yml: the image AWX / Automation Controller runs this collection in.

Its pins must be the ones the project tests with (requirements.txt, constraints.txt, the collections in .venv),
it must carry every collection the playbooks and roles call and the collection itself, and `ansible-builder
create` must turn it into a build context. Building the image needs podman or docker, which these machines do
not have: `create` is the step that can run here, and it runs offline.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from importlib.metadata import version as installed_version
from pathlib import Path

import yaml
from ansible_builder.ee_schema import validate_schema

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SITE_COLLECTIONS = Path(yaml.__file__).resolve().parents[1] / "ansible_collections"
DEFINITION = yaml.safe_load((REPO / "execution-environment.yml").read_text())
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())


def pins(path: Path) -> dict[str, str]:
    """name (lower case) -> exact version of every `name==version` line."""
    found = {}
    for line in path.read_text().splitlines():
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;#]+)\s*(?:#.*)?", line)
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


EE_PYTHON = pins(REPO / DEFINITION["dependencies"]["python"])
EE_GALAXY = yaml.safe_load((REPO / DEFINITION["dependencies"]["galaxy"]).read_text())["collections"]
EE_COLLECTIONS = {entry["name"]: entry.get("version") for entry in EE_GALAXY if entry.get("type") != "file"}


def venv_collection_version(fqcn: str) -> str:
    namespace, name = fqcn.split(".")
    manifest = json.loads((SITE_COLLECTIONS / namespace / name / "MANIFEST.json").read_text())
    return manifest["collection_info"]["version"]


def test_definition_is_valid_schema_3():
    definition = yaml.safe_load((REPO / "execution-environment.yml").read_text())
    validate_schema(definition)
    assert definition["version"] == 3


def test_python_is_the_one_the_project_tests_with():
    interpreter = DEFINITION["dependencies"]["python_interpreter"]
    tested = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert interpreter["package_system"] == tested
    assert interpreter["python_path"] == f"/usr/bin/{tested}"


def test_ansible_core_and_runner_are_pinned_as_tested():
    requirements = pins(REPO / "requirements.txt")
    core = DEFINITION["dependencies"]["ansible_core"]["package_pip"]
    assert core == f"ansible-core=={requirements['ansible-core']}"
    assert core == f"ansible-core=={installed_version('ansible-core')}"
    assert re.fullmatch(r"ansible-runner==\d+\.\d+\.\d+", DEFINITION["dependencies"]["ansible_runner"]["package_pip"])


def test_boto3_and_botocore_pins_equal_requirements_txt():
    requirements = pins(REPO / "requirements.txt")
    for name in ("boto3", "botocore"):
        assert EE_PYTHON[name] == requirements[name], name


def test_every_python_pin_is_the_tested_version():
    constraints = pins(REPO / "constraints.txt")
    assert EE_PYTHON, "no pins read"
    for name, pinned in EE_PYTHON.items():
        assert constraints.get(name) == pinned, f"{name}=={pinned} but constraints.txt has {constraints.get(name)}"
        assert installed_version(name) == pinned, f"{name}: .venv has {installed_version(name)}"


def test_collections_are_the_versions_in_venv_and_requirements_yml():
    assert {"amazon.aws", "community.aws", "ansible.utils"} <= set(EE_COLLECTIONS)
    for fqcn, pinned in EE_COLLECTIONS.items():
        assert pinned == venv_collection_version(fqcn), fqcn
    for entry in yaml.safe_load((REPO / "requirements.yml").read_text())["collections"]:
        assert EE_COLLECTIONS[entry["name"]] == entry["version"], entry["name"]


def used_collections() -> set[str]:
    """Every collection whose content the playbooks and roles name by FQCN (molecule scenarios excluded)."""
    installed = {f"{path.parent.name}.{path.name}" for path in SITE_COLLECTIONS.glob("*/*") if path.is_dir()}
    files = [*REPO.glob("playbooks/**/*.yml"), REPO / "site.yml"]
    files += [path for path in REPO.glob("roles/**/*.yml") if "molecule" not in path.parts]
    found = set()
    for path in files:
        for namespace, name in re.findall(r"\b([a-z_]+)\.([a-z_]+)\.[a-z_]+", path.read_text()):
            if f"{namespace}.{name}" in installed:
                found.add(f"{namespace}.{name}")
    return found


def test_every_collection_the_playbooks_use_is_in_the_image():
    used = used_collections()
    assert {"amazon.aws", "community.aws", "awx.awx"} <= used  # the scan finds what is there
    assert used <= set(EE_COLLECTIONS), sorted(used - set(EE_COLLECTIONS))


def test_the_collection_itself_is_installed_from_its_tarball():
    (entry,) = [entry for entry in EE_GALAXY if entry.get("type") == "file"]
    tarball = f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
    assert entry["name"] == f"collections/{tarball}"
    (build_file,) = DEFINITION["additional_build_files"]
    assert build_file == {"src": "ee/collections", "dest": "collections"}


def copy_definition(target: Path) -> None:
    shutil.copy(REPO / "execution-environment.yml", target)
    shutil.copytree(REPO / "ee", target / "ee", ignore=shutil.ignore_patterns("*.tar.gz"))


def builder_create(workdir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(BIN / "ansible-builder"),
            "create",
            "--file",
            "execution-environment.yml",
            "--context",
            "context",
            "--output-filename",
            "Containerfile",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ansible_builder_create_writes_the_build_context(tmp_path):
    copy_definition(tmp_path)
    built = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path", "ee/collections", str(REPO)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    tarball = f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"

    result = builder_create(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    context = tmp_path / "context"
    containerfile = (context / "Containerfile").read_text()
    assert f'ARG ANSIBLE_INSTALL_REFS="{DEFINITION["dependencies"]["ansible_core"]["package_pip"]} ' in containerfile
    assert 'ARG PYCMD="/usr/bin/python3.11"' in containerfile
    assert "ansible-galaxy collection install" in containerfile
    assert (context / "_build" / "requirements.txt").read_text() == (REPO / "ee" / "requirements.txt").read_text()
    assert (context / "_build" / "requirements.yml").read_text() == (REPO / "ee" / "requirements.yml").read_text()
    assert (context / "_build" / "bindep.txt").is_file()
    # The galaxy stage runs in /build, a copy of _build: the requirement's relative path must resolve there.
    assert "COPY _build /build" in containerfile and "WORKDIR /build" in containerfile
    assert (context / "_build" / "collections" / tarball).is_file()


def test_ansible_builder_create_refuses_a_broken_definition(tmp_path):
    copy_definition(tmp_path)
    broken = (tmp_path / "execution-environment.yml").read_text().replace("version: 3", "version: 9")
    (tmp_path / "execution-environment.yml").write_text(broken)
    result = builder_create(tmp_path)
    assert result.returncode != 0
    assert "Unsupported schema version" in result.stdout + result.stderr


def test_the_builder_is_in_the_toolchain():
    assert (BIN / "ansible-builder").is_file()
    assert re.fullmatch(r"\d+\.\d+\.\d+", installed_version("ansible-builder"))
