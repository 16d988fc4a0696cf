"""The changelog: fragments lint clean, CHANGELOG.md is what antsibull-changelog generates from
changelogs/changelog.yaml, and galaxy.yml's version is semver and not behind the last release."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from ansible.module_utils.compat.version import LooseVersion

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SEMVER = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$"


def antsibull_changelog(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")}
    return subprocess.run(
        [str(BIN / "antsibull-changelog"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_fragments_and_the_changelog_lint_clean():
    lint = antsibull_changelog("lint", cwd=REPO)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert lint.stdout.strip() == ""
    changes = antsibull_changelog("lint-changelog-yaml", "changelogs/changelog.yaml", cwd=REPO)
    assert changes.returncode == 0, changes.stdout + changes.stderr
    assert changes.stdout.strip() == ""


def test_changelog_md_is_what_antsibull_changelog_generates(tmp_path):
    # generate rewrites CHANGELOG.md in place: run it on a copy.
    shutil.copy(REPO / "galaxy.yml", tmp_path / "galaxy.yml")
    shutil.copytree(REPO / "changelogs", tmp_path / "changelogs", ignore=shutil.ignore_patterns(".plugin-cache.yaml"))
    (tmp_path / "CHANGELOG.md").write_text("stale\n")

    done = antsibull_changelog("generate", cwd=tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    assert (REPO / "CHANGELOG.md").read_text() == (tmp_path / "CHANGELOG.md").read_text(), (
        "CHANGELOG.md differs from the generated one: run antsibull-changelog generate"
    )


def test_the_galaxy_version_is_semver_and_not_behind_the_last_release():
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    releases = yaml.safe_load((REPO / "changelogs" / "changelog.yaml").read_text())["releases"]
    assert re.match(SEMVER, version)
    assert all(re.match(SEMVER, release) for release in releases)
    latest = max(releases, key=LooseVersion)
    assert LooseVersion(version) >= LooseVersion(latest)
    assert "0.1.0" in releases
