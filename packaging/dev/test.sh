#!/usr/bin/env bash
# Runs every check: formatting and clippy lints, then every test (content validation, the SQLite
# store, the CLI, sync, the real UI headless), then the Debian package check. Each step prints
# how long it took, so a slow CI run shows where its minutes went.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS
step() { # name command...
  local name=$1 t=$SECONDS
  shift
  echo "test.sh: == $name" >&2
  "$@"
  echo "test.sh: == $name took $((SECONDS - t)) s (total $((SECONDS - started)) s)" >&2
}
step setup source packaging/dev/setup.sh
# Style and lints first: they fail in seconds to minutes, before the long test build.
step fmt cargo fmt --check
step clippy cargo clippy --all-targets --locked -- -D warnings
step "test build" cargo test --all-targets --locked --no-run "$@"
step tests cargo test --all-targets --locked "$@"
# The Debian package: built, its contents checked, units verified (installed and purged under CI).
step "debian package" packaging/deb/check.sh
