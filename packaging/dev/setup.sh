#!/usr/bin/env bash
# Installs what building and testing Banshi needs on Debian or Ubuntu, only what is missing:
# the C toolchain and headers Slint and SQLite build against, and Rust (via rustup) if there
# is no cargo. Safe to run again; it does nothing when everything is there.
set -euo pipefail

# libzinnia0 and its model: the handwriting tests (src/handwriting) run against them.
# fonts-noto-cjk: the printed slip's fallback for rare characters (src/print/render.rs).
# espeak-ng: the 朗读 voice (tests/speech.rs renders guides with it); alsa-utils: aplay, its player.
# postgresql: the hub's PostgreSQL backend is tested against a real server (tests/common/pg.rs
# starts a cluster of its own per test, as the postgres user when run as root).
# openssl: tests/hub.rs makes a county CA and the hub's certificate for the HTTPS tests.
# chromium, chromium-driver: tests/console.rs drives the county console in a real browser over
# WebDriver (Debian's builds; nothing is downloaded at test time).
packages=(build-essential pkg-config libfontconfig1-dev libxkbcommon-dev libinput-dev libudev-dev libseat-dev libzinnia0 tegaki-zinnia-simplified-chinese fonts-noto-cjk espeak-ng alsa-utils postgresql openssl chromium chromium-driver)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "banshi setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "banshi setup: installing Rust with rustup (Debian's rustc is too old for Slint)" >&2
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi

# The test command checks formatting and lints: make sure rustfmt and clippy are there.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  echo "banshi setup: adding the rustfmt and clippy components" >&2
  rustup component add rustfmt clippy
fi
