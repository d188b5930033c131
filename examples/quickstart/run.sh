#!/usr/bin/env bash
# The quickstart end to end on the embedded default backends:
# certificates -> seed the directory -> run the script -> plan -> apply -> plan shows no changes.
# Usage: examples/quickstart/run.sh [WORK_DIR]   (default: a new temporary folder)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
"$ROOT/.ci/install-deps"
cargo build --quiet --manifest-path "$ROOT/Cargo.toml" -p mailsec --bin mailsec
MAILSEC=${MAILSEC_BIN:-"$ROOT/target/debug/mailsec"}
WORK=${1:-$(mktemp -d)}
mkdir -p "$WORK"
cd "$WORK"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "certificates (openssl)"
"$HERE/make-certs.sh" input
step "mailsec seed directory.ldif"
"$MAILSEC" seed "$HERE/directory.ldif"
cp "$HERE/quickstart.ps1" .
step "mailsec quickstart.ps1"
"$MAILSEC" quickstart.ps1
step "mailsec plan"
"$MAILSEC" plan
step "mailsec apply --auto-approve"
"$MAILSEC" apply --auto-approve
step "mailsec plan --detailed-exitcode (0 = no changes)"
"$MAILSEC" plan --detailed-exitcode
echo
echo "Done. The desired state is $WORK/mailsec.yaml (with its certs/ folder); the embedded backends are in $WORK/embedded/."
