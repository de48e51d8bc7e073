#!/usr/bin/env bash
# Runs the kiosk in a window on this desktop. With no configuration it shows the bundled
# sample county (青禾县). Any arguments go to `banshi kiosk`, e.g. --size 1080x1920 --large-text.
set -euo pipefail
cd "$(dirname "$0")/../.."
source packaging/dev/setup.sh
exec cargo run --release --quiet -- kiosk "$@"
