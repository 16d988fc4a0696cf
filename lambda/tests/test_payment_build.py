"""lambda/build.py: a reproducible zip of exactly the package's .py files, and Lambda's CodeSha256 of it."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from payment_events import LAMBDA_DIR

BUILD_SCRIPT = LAMBDA_DIR / "build.py"


def _load_build():
    spec = importlib.util.spec_from_file_location("payment_handler_build", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()


def _run(output: Path) -> str:
    completed = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--output", str(output)],
        check=True,
        capture_output=True,
        text=True,
        cwd="/",
    )
    return completed.stdout.strip()


def test_two_builds_give_the_same_bytes_and_code_sha256(tmp_path):
    first, second = tmp_path / "one" / "p.zip", tmp_path / "two" / "p.zip"
    digest_one = _run(first)
    os.utime(LAMBDA_DIR / "payment_handler" / "__init__.py")  # a newer mtime must not matter
    digest_two = _run(second)
    assert first.read_bytes() == second.read_bytes()
    assert digest_one == digest_two
    assert digest_one == base64.b64encode(hashlib.sha256(first.read_bytes()).digest()).decode()
    assert len(base64.b64decode(digest_one)) == 32


def test_zip_holds_exactly_the_package_sources_with_fixed_metadata(tmp_path):
    output = tmp_path / "p.zip"
    _run(output)
    expected = sorted(
        path.relative_to(LAMBDA_DIR).as_posix()
        for path in (LAMBDA_DIR / "payment_handler").rglob("*.py")
        if "__pycache__" not in path.parts
    )
    with zipfile.ZipFile(output) as archive:
        infos = archive.infolist()
        assert [info.filename for info in infos] == expected
        assert "payment_handler/app.py" in expected
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert (info.external_attr >> 16) == 0o100644
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert archive.read(info) == (LAMBDA_DIR / info.filename).read_bytes()


def test_bytecode_and_other_files_are_left_out(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(LAMBDA_DIR / "payment_handler", source / "payment_handler")
    (source / "payment_handler" / "__pycache__").mkdir(exist_ok=True)
    (source / "payment_handler" / "__pycache__" / "app.cpython-313.pyc").write_bytes(b"\0")
    (source / "payment_handler" / "notes.txt").write_text("not code")
    (source / "payment_handler" / "stale.pyc").write_bytes(b"\0")
    data = build.build_bytes(source)
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as archive:
        names = archive.namelist()
    assert all(name.endswith(".py") and "__pycache__" not in name for name in names)
    # Copies with other mtimes and stray files build to the very same package.
    assert data == build.build_bytes(LAMBDA_DIR)


def test_default_output_is_lambda_dist():
    assert build.DEFAULT_OUTPUT == LAMBDA_DIR / "dist" / "payment_handler.zip"
