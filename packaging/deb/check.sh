#!/usr/bin/env bash
# Builds the Debian package with cargo-deb and checks what is in it: files, modes, conffiles,
# dependencies, maintainer scripts, the shipped config, the binary's size budget, and both
# systemd units with `systemd-analyze verify`. With --install (default under CI as root) it
# also installs the package with apt on this machine, checks the user, folders, permissions
# and the enabled unit, runs `banshi doctor` as the kiosk user, and purges it again.
#
#   packaging/deb/check.sh [--install|--no-install] [--no-build]
set -euo pipefail
cd "$(dirname "$0")/../.."

install=no
[ "${CI:-}" = "true" ] && [ "$(id -u)" -eq 0 ] && install=yes
build=yes
for a in "$@"; do
  case "$a" in
    --install) install=yes ;;
    --no-install) install=no ;;
    --no-build) build=no ;;
    *) echo "usage: $0 [--install|--no-install] [--no-build]" >&2; exit 2 ;;
  esac
done

fail() { echo "check.sh: FAIL: $*" >&2; exit 1; }
ok() { echo "check.sh: ok: $*"; }

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
need=()
command -v dpkg-shlibdeps >/dev/null || need+=(dpkg-dev)
command -v systemd-analyze >/dev/null || need+=(systemd)
if ((${#need[@]})); then
  echo "check.sh: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
# cargo-deb, pinned: the package layout below is what this version makes.
if ! cargo deb --version 2>/dev/null | grep -qx 'cargo-deb 3.8.0'; then
  echo "check.sh: installing cargo-deb 3.8.0" >&2
  # --debug: cargo-deb's own dev profile optimises its compressors (lzma, zopfli) and builds
  # in 40 % of the time of a release install (75 s against 192 s on a busy 2-core VM).
  cargo install cargo-deb --version 3.8.0 --locked --quiet --debug
fi

if [ "$build" = yes ]; then
  cargo deb --quiet >/dev/null
fi
# The target folder is wherever cargo puts it (CARGO_TARGET_DIR or a build.target-dir setting
# move it away from ./target); cargo-deb writes into its debian/ subfolder.
target_dir=$(cargo metadata --format-version 1 --no-deps |
  grep -o '"target_directory":"[^"]*"' | cut -d'"' -f4)
[ -n "$target_dir" ] || fail "cargo metadata did not name the target folder"
deb=$(ls -t "$target_dir"/debian/banshi_*_amd64.deb 2>/dev/null | head -n 1 || true)
[ -n "$deb" ] && [ -f "$deb" ] || fail "no package in $target_dir/debian"
ok "built $deb ($(du -h "$deb" | cut -f1))"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/root"
dpkg-deb -e "$deb" "$work/control"
listing=$(dpkg-deb -c "$deb")

# Files, with mode and owner as dpkg will install them.
expect() { # mode path
  local line
  line=$(grep -E " \./$2\$" <<<"$listing") || fail "missing /$2"
  [[ "$line" == "$1"* ]] || fail "/$2 has ${line%% *}, want $1"
}
expect -rwxr-xr-x usr/bin/banshi
expect -rw-r----- etc/banshi/kiosk.toml
expect -rw-r--r-- etc/pam.d/banshi-kiosk
expect -rw-r--r-- usr/lib/systemd/logind.conf.d/banshi-kiosk.conf
expect -rw-r--r-- usr/lib/sysctl.d/90-banshi-kiosk.conf
expect -rw-r--r-- etc/default/grub.d/banshi-kiosk.cfg
unitdir=$(dirname "$(grep -oE '\./(usr/)?lib/systemd/system/banshi-kiosk\.service$' <<<"$listing" | head -n 1)")
[ "$unitdir" != "." ] || fail "banshi-kiosk.service is not in the package"
unitdir=${unitdir#./}
expect -rw-r--r-- "$unitdir/banshi-kiosk.service"
expect -rw-r--r-- "$unitdir/banshi-cage.service"
expect -rw-r--r-- "$unitdir/banshi-hub.service"
grep -qE '\./(usr/)?lib/sysusers\.d/banshi\.conf$' <<<"$listing" || fail "no sysusers.d/banshi.conf"
# grep -q succeeds on a match even when one of the two places does not exist (-s: quietly).
sysusers=("$work"/root/usr/lib/sysusers.d/banshi.conf "$work"/root/lib/sysusers.d/banshi.conf)
grep -qxs 'm banshi audio' "${sysusers[@]}" \
  || fail "the packaged sysusers.d/banshi.conf does not put banshi in the audio group (朗读 needs /dev/snd)"
grep -qxs 'm banshi lp' "${sysusers[@]}" \
  || fail "the packaged sysusers.d/banshi.conf does not put banshi in the lp group (receipt printers)"
grep -qE '\./(usr/)?lib/tmpfiles\.d/banshi\.conf$' <<<"$listing" || fail "no tmpfiles.d/banshi.conf"
ok "files and modes"

grep -qx /etc/banshi/kiosk.toml "$work/control/conffiles" || fail "kiosk.toml is not a conffile"
depends=$(sed -n 's/^Depends: //p' "$work/control/control")
for d in libinput10 libudev1 libseat1 libxkbcommon0 libfontconfig1 libpam-systemd polkitd fonts-noto-cjk libzinnia0 tegaki-zinnia-simplified-chinese espeak-ng alsa-utils libc6; do
  grep -qE "(^|, )$d( |,|$)" <<<"$depends" || fail "Depends lacks $d: $depends"
done
ok "conffiles, Depends: $depends"

# Maintainer scripts: the kiosk enabled but not started under the installer's feet, cage
# neither; the user made before the config is given to its group.
post="$work/control/postinst"
grep -q 'enable banshi-kiosk.service' "$post" || fail "postinst does not enable banshi-kiosk"
# cage: enabled again on upgrade only where a technician had enabled it (debian-installed guard).
grep -q 'deb-systemd-helper debian-installed banshi-cage.service' "$post" || fail "postinst enables banshi-cage on a new install"
grep -qE 'deb-systemd-invoke (start|restart|\$_dh_action) banshi-kiosk' "$post" && fail "postinst starts the kiosk"
# Every file systemd-sysusers is given must be the one the package installs (a wrong name makes
# it exit 1 and the install fail).
grep -o 'systemd-sysusers .*' "$post" | grep -v 'banshi\.conf$' && fail "postinst runs systemd-sysusers on another file than banshi.conf"
sysusers_line=$(grep -n 'systemd-sysusers.* banshi\.conf$' "$post" | head -n 1 | cut -d: -f1)
chgrp_line=$(grep -n 'chown root:banshi' "$post" | cut -d: -f1)
[ -n "$sysusers_line" ] && [ "$sysusers_line" -lt "$chgrp_line" ] || fail "postinst gives kiosk.toml to banshi before creating the user"
ok "maintainer scripts"

# The binary: size budget, and the shipped config is one it accepts.
bin="$work/root/usr/bin/banshi"
size=$(stat -c %s "$bin")
echo "check.sh: binary $((size / 1024)) KiB"
[ "$size" -le 41943040 ] || fail "binary is $size bytes: over the 40 MB budget"
scratch="$work/scratch"
mkdir -p "$scratch"
"$bin" touch-rotation --config "$work/root/etc/banshi/kiosk.toml" --rules-dir "$scratch/rules" --no-trigger >/dev/null \
  || fail "the shipped kiosk.toml is refused"
printf 'rotation = 90\n' > "$scratch/turned.toml"
"$bin" touch-rotation --config "$scratch/turned.toml" --rules-dir "$scratch/rules" --no-trigger >/dev/null
grep -q 'LIBINPUT_CALIBRATION_MATRIX' "$scratch/rules/91-banshi-touch-rotation.rules" || fail "touch-rotation wrote no rule"
ok "size budget, shipped config, touch-rotation"

# systemd-analyze verify both units in a root holding this system's units plus the package.
vroot="$work/vroot"
mkdir -p "$vroot/usr/lib/systemd" "$vroot/etc"
cp -a /usr/lib/systemd/system "$vroot/usr/lib/systemd/"
cp -a "$work/root/." "$vroot/"
mkdir -p "$vroot/usr/bin"
printf '#!/bin/sh\n' > "$vroot/usr/bin/cage"
chmod 755 "$vroot/usr/bin/cage"
for unit in banshi-kiosk.service banshi-cage.service banshi-hub.service; do
  out=$(systemd-analyze verify --root="$vroot" "$unit" 2>&1) || fail "systemd-analyze verify $unit: $out"
  [ -z "$out" ] || fail "systemd-analyze verify $unit warns: $out"
done
ok "systemd-analyze verify: all three units clean"

if [ "$install" = yes ]; then
  [ "$(id -u)" -eq 0 ] || fail "--install needs root"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # apt takes a local package only as a path with a slash in it; $deb may be absolute (CI's
  # target folder is outside the checkout) or relative, so give it the full path.
  apt-get install -y -qq "$(readlink -f "$deb")" >/dev/null
  getent passwd banshi >/dev/null || fail "no user banshi after install"
  [ "$(getent passwd banshi | cut -d: -f7)" = /usr/sbin/nologin ] || fail "banshi has a login shell"
  id -nG banshi | grep -qw lp || fail "banshi is not in group lp (receipt printers): $(id -nG banshi)"
  # 朗读 plays through ALSA: /dev/snd/* belong to the audio group.
  id -nG banshi | tr ' ' '\n' | grep -qx audio || fail "banshi is not in the audio group: $(id -nG banshi)"
  [ "$(stat -c '%U:%G %a' /etc/banshi/kiosk.toml)" = "root:banshi 640" ] || fail "kiosk.toml is $(stat -c '%U:%G %a' /etc/banshi/kiosk.toml)"
  [ "$(stat -c '%U:%G %a' /var/lib/banshi)" = "banshi:banshi 750" ] || fail "/var/lib/banshi is $(stat -c '%U:%G %a' /var/lib/banshi)"
  [ "$(systemctl is-enabled banshi-kiosk.service 2>/dev/null)" = enabled ] || fail "banshi-kiosk is not enabled"
  [ "$(systemctl is-enabled banshi-cage.service 2>/dev/null)" = disabled ] || fail "banshi-cage is not disabled"
  [ "$(systemctl is-enabled banshi-hub.service 2>/dev/null)" = disabled ] || fail "banshi-hub is not disabled"
  doctor=$(runuser -u banshi -- /usr/bin/banshi doctor --config /etc/banshi/kiosk.toml 2>&1) || fail "doctor as banshi: $doctor"
  grep -q '数据目录' <<<"$doctor" || fail "doctor printed no data folder check: $doctor"
  # What the kiosk does at its first start: build content.db in /var/lib/banshi as its user.
  status=$(runuser -u banshi -- /usr/bin/banshi status --json 2>&1) || fail "status as banshi: $status"
  grep -q '"database": "/var/lib/banshi/content.db"' <<<"$status" || fail "the kiosk user's content is not in /var/lib/banshi: $status"
  ok "installed: user (in lp), folders, permissions, unit enabled, doctor as banshi passes, content.db built as banshi"
  apt-get purge -y -qq banshi >/dev/null
  [ ! -e /usr/bin/banshi ] && [ ! -e /var/lib/banshi ] || fail "purge left files behind"
  ok "purged"
fi
echo "check.sh: package checks passed"
