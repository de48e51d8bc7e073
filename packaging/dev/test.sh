#!/usr/bin/env bash
# Runs every test: content validation, the SQLite store, the CLI, and the real UI headless.
set -euo pipefail
cd "$(dirname "$0")/../.."
source packaging/dev/setup.sh
exec cargo test --all-targets "$@"
