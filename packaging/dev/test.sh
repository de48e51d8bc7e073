#!/usr/bin/env bash
# Runs every test: content validation, the SQLite store, the CLI, sync, the real UI headless,
# and the Debian package check.
set -euo pipefail
cd "$(dirname "$0")/../.."
source packaging/dev/setup.sh
cargo test --all-targets "$@"
# The Debian package: built, its contents checked, units verified (installed and purged under CI).
packaging/deb/check.sh
