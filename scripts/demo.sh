#!/usr/bin/env bash
# make demo [ENV=dev|staging|prod]: converge one environment against a fresh local AWS emulator,
# show what was created, converge again and prove nothing changed, then stop the emulator.
set -euo pipefail
env_name="${1:-dev}"
cd "$(dirname "$0")/.."
case "$env_name" in dev|staging|prod) ;; *) echo "ENV must be dev, staging or prod (got '$env_name')" >&2; exit 2 ;; esac

state=".emulator/demo-${env_name}.json"
python tests/tools/emulator.py stop --state-file "$state" >/dev/null
url="$(python tests/tools/emulator.py start --state-file "$state")"
trap 'python tests/tools/emulator.py stop --state-file "$state" >/dev/null' EXIT
echo "Local AWS emulator on $url"
mkdir -p .emulator
log=".emulator/demo-${env_name}.log"

# The emulator has no internal CA: the custom domain gets a self-signed certificate, which prod's inventory
# refuses (apigw_waf_allow_self_signed_certificate: false) unless allowed explicitly: allowed here, for the emulator.
converge() {
  ansible-playbook site.yml -i "inventories/$env_name" -e "aws_endpoint_url=$url" \
    -e apigw_waf_allow_self_signed_certificate=true "$@" | tee "$log"
}

SECONDS=0
echo "=== First converge of $env_name"
converge
first=$SECONDS
echo
python scripts/outputs_table.py "outputs/${env_name}.json"
echo
echo "=== Second converge of $env_name (must report changed=0)"
SECONDS=0
converge
second=$SECONDS
if ! grep -Eq "^payments-${env_name} +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0" "$log"; then
  echo "The second converge changed something: it is not idempotent." >&2
  exit 1
fi
echo "Second converge: changed=0. Wall time: first ${first}s, second ${second}s."
