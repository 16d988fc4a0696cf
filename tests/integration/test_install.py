"""The collection as people install it: the built tarball holds only what belongs in it, and once installed
into an empty collections path, `ansible-playbook payments.aws_platform.site` run from a directory outside
the checkout, without the checkout's ansible.cfg, converges an environment from the installed copy."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RECAP = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=\d+\s+changed=(?P<changed>\d+)\s+unreachable=\d+\s+failed=(?P<failed>\d+)", re.M
)
COLLECTION = ("payments", "aws_platform")
# Paths (or first path parts) that must never be in the tarball: local state, caches, build output and the
# checkout's own tooling and test suites.
NOT_SHIPPED = [
    ".venv",
    ".venv-sanity",
    ".collections",
    ".emulator",
    ".git",
    ".cache",
    ".pytest_cache",
    ".ruff_cache",
    ".ansible",
    "outputs",
    "bench",
    "lambda/dist",
    "lambda/tests",
    "tests/unit",
    "tests/integration",
    "tests/molecule",
    "tests/tools",
    "tests/output",
    "ansible.cfg",
    "Makefile",
    "constraints.txt",
    "requirements.txt",
    "pyproject.toml",
    "scripts",
]
SHIPPED = [
    "meta/runtime.yml",
    "playbooks/site.yml",
    "playbooks/tasks/outputs.yml",
    "roles/vpc/meta/argument_specs.yml",
    "roles/vpc/README.md",
    "plugins/modules/cloudwatch_log_group.py",
    "plugins/module_utils/base.py",
    "plugins/filter/rds_windows.py",
    "lambda/build.py",
    "lambda/payment_handler/app.py",
    "inventories/dev/hosts.yml",
    "tests/sanity/ignore-2.19.txt",
    "CHANGELOG.md",
    "README.md",
]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of someone who installed the collection: no ANSIBLE_CONFIG (so no checkout ansible.cfg)
    and no other ANSIBLE_* setting or PYTHONPATH leaking the checkout in."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ANSIBLE_") and key not in ("PYTHONPATH", "MOLECULE_EPHEMERAL_DIRECTORY")
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env.update(extra)
    return env


def site_packages_collections() -> str:
    """Where the ansible package keeps amazon.aws, community.aws and ansible.utils (the dependencies)."""
    import ansible_collections.amazon.aws as amazon_aws

    return str(Path(list(amazon_aws.__path__)[0]).parents[1])


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", str(REPO), "--output-path", str(dist)],
        cwd=dist,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = dist.glob("payments-aws_platform-*.tar.gz")
    return built


def test_the_tarball_ships_the_collection_and_nothing_of_the_checkout(tarball):
    with tarfile.open(tarball) as archive:
        members = archive.getnames()
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    names = set(members)

    leaked = sorted(
        name
        for name in members
        for prefix in NOT_SHIPPED
        if name == prefix or name.startswith(prefix + "/") or "/__pycache__" in name or name.endswith(".pyc")
    )
    assert leaked == []
    assert [name for name in members if "/molecule/" in name or name.endswith("/molecule")] == []
    missing = [name for name in SHIPPED if name not in names]
    assert missing == []
    assert manifest["collection_info"]["namespace"] == "payments"
    assert manifest["collection_info"]["name"] == "aws_platform"
    assert tarball.name == f"payments-aws_platform-{manifest['collection_info']['version']}.tar.gz"


def test_the_installed_collection_converges_an_environment_by_fqcn_from_outside_the_checkout(
    tarball, tmp_path, new_emulator
):
    collections = tmp_path / "collections"
    installed = collections.joinpath("ansible_collections", *COLLECTION)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    # PWD as a shell sets it when you cd there (the outputs file goes to $PWD/outputs by default).
    env = clean_env(
        ANSIBLE_COLLECTIONS_PATH=f"{collections}{os.pathsep}{site_packages_collections()}", PWD=str(workdir)
    )

    # The dependencies (amazon.aws, community.aws, ansible.utils) are already installed with the ansible
    # package: --offline resolves them there and never reaches Galaxy.
    install = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "install", str(tarball), "-p", str(collections), "--offline"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    assert (installed / "MANIFEST.json").is_file()

    # Exactly one payments.aws_platform is visible, and it is the installed copy.
    listing = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "list", "payments.aws_platform", "--format", "json"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert listing.returncode == 0, listing.stdout + listing.stderr
    assert list(json.loads(listing.stdout)) == [str(collections / "ansible_collections")]

    checkout_outputs = REPO / "outputs" / "dev.json"
    checkout_outputs_before = checkout_outputs.stat().st_mtime_ns if checkout_outputs.exists() else None
    endpoint = new_emulator()
    done = subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "payments.aws_platform.site",
            "-i",
            str(REPO / "inventories" / "dev"),
            "-e",
            f"aws_endpoint_url={endpoint}",
            "-vv",  # prints every task's path: the proof of where the roles and tasks came from
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = done.stdout + done.stderr

    assert done.returncode == 0, output[-3000:]
    recap = {match["host"]: match for match in RECAP.finditer(output)}
    assert list(recap) == ["payments-dev"]
    assert int(recap["payments-dev"]["failed"]) == 0
    assert int(recap["payments-dev"]["changed"]) > 0
    task_paths = [line.split("task path: ", 1)[1] for line in output.splitlines() if "task path: " in line]
    assert len(task_paths) > 50
    assert [path for path in task_paths if not path.startswith(f"{installed}/")] == []
    assert f"{installed}/playbooks/site.yml" in "\n".join(task_paths)
    assert f"{installed}/roles/lambda/tasks/present.yml" in "\n".join(task_paths)
    # The function's zip is built from the installed copy's lambda/ sources, not the checkout's.
    assert f"{installed}/lambda/build.py" in output
    assert f"{REPO}/lambda/build.py" not in output
    # The outputs land in the caller's working directory, never inside the installed collection.
    outputs = json.loads((workdir / "outputs" / "dev.json").read_text())
    assert outputs["stack"] == "payments-dev"
    assert outputs["vpc"]["vpc_id"].startswith("vpc-")
    assert outputs["lambda"]["function_name"] == "payments-dev-processor"
    assert not (installed / "outputs").exists()
    assert (checkout_outputs.stat().st_mtime_ns if checkout_outputs.exists() else None) == checkout_outputs_before
