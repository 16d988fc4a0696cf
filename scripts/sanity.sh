#!/usr/bin/env bash
# ansible-test sanity on the collection as it ships: builds the tarball (galaxy.yml's build_ignore
# applies), unpacks it into <tmp>/ansible_collections/payments/aws_platform beside links to its
# dependencies (amazon.aws, community.aws, ansible.utils from .venv's ansible package), runs
# `ansible-test sanity --local` there and removes the tree. Needs `make venv` first.
#
#   scripts/sanity.sh                       # every sanity test that applies
#   scripts/sanity.sh --test validate-modules --test pylint   # extra arguments go to ansible-test
#
# ansible-test installs each test's tools (pylint, pycodestyle, yamllint, voluptuous, ...) at the exact
# versions ansible-core 2.19.14 pins (ansible_test/_data/requirements/sanity.*.txt) into per-test
# virtualenvs of its own. It keeps them, and its pip bootstrap, under $HOME/.ansible/test: this script
# points HOME at .cache/ansible-test in the checkout, so a run never reads or changes ~/.ansible and
# later runs reuse the virtualenvs (rm -rf .cache/ansible-test to rebuild them).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.venv/bin"
PY="$BIN/python"
[ -x "$BIN/ansible-test" ] || { echo "scripts/sanity.sh: $BIN/ansible-test is missing: run make venv" >&2; exit 1; }
export PATH="$BIN:$PATH"
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS

PY_VERSION="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
TEST_HOME="$ROOT/.cache/ansible-test"
mkdir -p "$TEST_HOME/.ansible/test/cache"

# ansible-test bootstraps pip in each new virtualenv with get-pip.py from ci-files.testing.ansible.com.
# This stand-in does the same from what is on the machine: ensurepip (in its own process, as ensurepip
# sets PIP_CONFIG_FILE=/dev/null and that must not reach the next pip), then pip 24.2 from the index
# the machine's pip configuration names (its CA bundle included).
cat >"$TEST_HOME/.ansible/test/cache/get_pip_24_2.py" <<'EOF'
# Stand-in for get-pip.py 24.2, written by scripts/sanity.sh.
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q", "pip==24.2"])
EOF

WORK="$(mktemp -d "${TMPDIR:-/tmp}/payments-sanity.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
COLLECTIONS="$WORK/ansible_collections"
DEST="$COLLECTIONS/payments/aws_platform"
mkdir -p "$DEST"

ansible-galaxy collection build "$ROOT" --output-path "$WORK" --force >/dev/null
tar -xzf "$WORK"/payments-aws_platform-*.tar.gz -C "$DEST"

# ansible-test finds the collection's dependencies only in the same ansible_collections tree.
for dependency in amazon.aws community.aws ansible.utils; do
  namespace="${dependency%%.*}"
  name="${dependency#*.}"
  source="$("$PY" -c "import ansible_collections.$namespace.$name as c; print(list(c.__path__)[0])")"
  mkdir -p "$COLLECTIONS/$namespace"
  ln -s "$source" "$COLLECTIONS/$namespace/$name"
done

cd "$DEST"
# pslint needs PowerShell and shellcheck its binary; the collection ships no PowerShell or shell files.
HOME="$TEST_HOME" ansible-test sanity --local --python "$PY_VERSION" --color no \
  --skip-test pslint --skip-test shellcheck "$@"
