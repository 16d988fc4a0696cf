"""Shared by every test: the checkout as the collection, and the tools on the import path."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The checkout resolves as ansible_collections.payments.aws_platform through this committed link.
sys.path.insert(0, str(REPO / ".collections"))
sys.path.insert(0, str(REPO / "tests" / "tools"))
