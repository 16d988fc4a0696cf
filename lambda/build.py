#!/usr/bin/env python3
"""Build the Lambda deployment package reproducibly: the same sources give the same bytes.

    python lambda/build.py [--output PATH]
    python lambda/build.py --schema lambda/payment_request.schema.json


Writes lambda/dist/payment_handler.zip (the ``payment_handler`` package's .py files only: no
__pycache__, no tests; boto3 comes with the Lambda runtime) and prints its base64 SHA-256, which
is what Lambda reports as CodeSha256, on stdout. Every entry has the timestamp 1980-01-01 00:00,
mode 0644 and a fixed compression level, in sorted order.
Handler setting: ``payment_handler.app.handler``.

With --schema PATH it writes the POST /payment request model (payment_handler.schema, JSON Schema
draft-04, for API Gateway) to PATH instead, and builds no zip. The schema is not in the zip.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = "payment_handler"
DEFAULT_OUTPUT = HERE / "dist" / f"{PACKAGE}.zip"
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--
COMPRESS_LEVEL = 9


def sources(source_dir: Path = HERE) -> list[Path]:
    """The package's .py files, sorted by their path in the archive."""
    package_dir = source_dir / PACKAGE
    files = [path for path in package_dir.rglob("*.py") if "__pycache__" not in path.parts and path.is_file()]
    return sorted(files, key=lambda path: path.relative_to(source_dir).as_posix())


def build_bytes(source_dir: Path = HERE) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sources(source_dir):
            info = zipfile.ZipInfo(path.relative_to(source_dir).as_posix(), date_time=FIXED_DATE)
            info.external_attr = FILE_MODE << 16
            info.create_system = 3  # Unix, so the mode above is read as one
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def code_sha256(data: bytes) -> str:
    """Lambda's CodeSha256: the base64 of the package's SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def build(output: Path = DEFAULT_OUTPUT, source_dir: Path = HERE) -> str:
    data = build_bytes(source_dir)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(output)
    return code_sha256(data)


def write_schema(output: Path, source_dir: Path = HERE) -> None:
    """The request model as payment_handler.schema makes it, written to ``output``."""
    sys.path.insert(0, str(source_dir))
    try:
        from payment_handler.schema import schema_text
    finally:
        sys.path.remove(str(source_dir))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(schema_text(), encoding="ascii", newline="\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"default: {DEFAULT_OUTPUT}")
    parser.add_argument("--schema", type=Path, help="write the POST /payment request model here (no zip)")
    args = parser.parse_args(argv)
    if args.schema is not None:
        write_schema(args.schema)
        print(f"wrote {args.schema}", file=sys.stderr)
        return 0
    digest = build(args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes)", file=sys.stderr)
    print(digest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
