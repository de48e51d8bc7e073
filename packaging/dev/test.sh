#!/usr/bin/env bash
# Runs every check: formatting and clippy lints, then every test (content validation, the SQLite
# store, the CLI, sync, the real UI headless), then the Debian package check.
set -euo pipefail
cd "$(dirname "$0")/../.."
source packaging/dev/setup.sh
# Style and lints first: they fail in seconds to minutes, before the long test build.
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --all-targets --locked "$@"
# The Debian package: built, its contents checked, units verified (installed and purged under CI).
packaging/deb/check.sh
