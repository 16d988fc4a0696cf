#!/usr/bin/env bash
# Run Prowler (AWS provider) against a local AWS emulator: the security scan of docs/security.md.
#
#   scripts/prowler.sh --install                 # create/refresh .venv-prowler only (idempotent)
#   scripts/prowler.sh URL OUTDIR [ARGS...]      # scan the emulator at URL; findings in OUTDIR
#   scripts/prowler.sh --freeze                  # re-pin constraints-prowler.txt from .venv-prowler
#
# Prowler pins boto3 1.40.x and pulls many cloud SDKs that conflict with the project's toolchain, so it
# gets a venv of its own, .venv-prowler, pinned by requirements-prowler.txt + constraints-prowler.txt and
# (re)built only when those change (stamp file, as the Makefile does for .venv). A fresh install takes
# several minutes (about 250 packages).
#
# How Prowler is pointed at the emulator (botocore >= 1.31 reads these; Prowler 5.46 ships 1.40):
# - AWS_ENDPOINT_URL=URL sends every client, STS and Organizations included, to the emulator;
# - fake credentials, no shared config or credentials file, no instance metadata: the scan can never
#   reach a real account by accident. URL must be a loopback address for the same reason.
# The scan reaches nothing but URL: Prowler's version check runs only with --version, and the two checks
# that call out to the internet are excluded (see EXCLUDED_CHECKS). S3 Control calls go to
# <account>.<host>, which does not resolve: the account-level S3 public access block stays unknown
# (docs/security.md).
# ARGS go to `prowler aws` after the defaults (e.g. --check s3_bucket_object_lock to iterate).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3.11}"
VENV="$ROOT/.venv-prowler"
STAMP="$VENV/.installed"
REQUIREMENTS="$ROOT/requirements-prowler.txt"
CONSTRAINTS="$ROOT/constraints-prowler.txt"

# The services the stack uses (Prowler's names: awslambda is Lambda; cloudwatch covers CloudWatch Logs).
SERVICES=(ec2 vpc kms rds dynamodb s3 awslambda apigateway wafv2 cloudwatch sns iam secretsmanager acm)
EXCLUDED_CHECKS=(
  # Downloads each function's code zip from the URL GetFunction returns: the emulator answers with an
  # amazonaws.com S3 URL, i.e. an internet call. The handler's code is in lambda/ and has no secrets.
  awslambda_function_no_secrets_in_code
  # Asks shodan.io about the account's Elastic IPs (needs an API key and the internet); the stack has none.
  ec2_elastic_ip_shodan
)

install() {
  if [ -f "$STAMP" ] && [ "$STAMP" -nt "$REQUIREMENTS" ] && [ "$STAMP" -nt "$CONSTRAINTS" ]; then
    return 0
  fi
  command -v "$PYTHON" >/dev/null || { echo "scripts/prowler.sh: $PYTHON is required" >&2; exit 1; }
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS" -c "$CONSTRAINTS"
  touch "$STAMP"
}

case "${1:-}" in
  --install)
    install
    exit 0
    ;;
  --freeze)
    install
    { echo "# Every package in .venv-prowler, pinned (pip freeze). Regenerate with: scripts/prowler.sh --freeze"
      "$VENV/bin/python" -m pip freeze --exclude-editable --disable-pip-version-check; } > "$CONSTRAINTS"
    touch "$STAMP"
    exit 0
    ;;
  "" | -h | --help)
    sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac

[ $# -ge 2 ] || { echo "usage: scripts/prowler.sh URL OUTDIR [PROWLER ARGS...]" >&2; exit 2; }
url="$1"
outdir="$2"
shift 2
case "$url" in
  http://127.* | http://localhost[:/]* | http://localhost | "http://[::1]"*) ;;
  *) echo "scripts/prowler.sh: $url is not a loopback URL: this script scans the local emulator only" >&2; exit 2 ;;
esac

install
mkdir -p "$outdir"
# A clean environment: nothing of the caller's AWS setup (profiles, tokens, real credentials) leaks in.
exec env -i \
  HOME="${HOME:-/tmp}" PATH="$VENV/bin:/usr/bin:/bin" LANG=C.UTF-8 TZ=UTC \
  AWS_ENDPOINT_URL="$url" \
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
  AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
  AWS_EC2_METADATA_DISABLED=true \
  "$VENV/bin/prowler" aws \
  --region us-east-1 \
  --service "${SERVICES[@]}" \
  --excluded-check "${EXCLUDED_CHECKS[@]}" \
  --output-formats json-ocsf csv \
  --output-directory "$outdir" \
  --output-filename prowler \
  --no-banner --no-color --ignore-exit-code-3 \
  --log-level ERROR \
  "$@"
