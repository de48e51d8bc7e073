#!/bin/bash
# shellcheck disable=SC2015,SC2016  # A && B || die is intended; dpkg-query formats are literal
# Build a bootable Debian kiosk disk image with the Banshi package installed.
# See --help and packaging/image/README.md.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=${0##*/}

usage() {
    cat <<EOF
Usage: $PROG [OPTIONS] DEB [OUT.img]
       $PROG [OPTIONS] --no-deb [OUT.img]

Builds a raw GPT disk image (sparse file) of Debian with the Banshi kiosk:
debootstrap (minbase) + kernel + systemd + GRUB (BIOS and UEFI), then
'apt-get install ./DEB' inside the chroot so its dependencies resolve.
Must run as root. Uses no loop device and mounts nothing but the chroot's
/proc, /sys, /dev and /run.

Arguments:
  DEB                 the banshi_*.deb to install
  OUT.img             output image (default: ./banshi-kiosk.img)

Options:
  --no-deb            build without the package (pipeline test; the boot
                      report then says FAIL: banshi-kiosk.service not installed)
  --mirror URL        Debian mirror (default: the first Debian mirror in this
                      machine's apt sources, /etc/apt/sources.list and
                      /etc/apt/sources.list.d/*.sources)
  --security-mirror URL
                      mirror for SUITE-security (default: from apt sources;
                      'none' to leave it out)
  --suite NAME        Debian suite (default: bookworm)
  --size SIZE         total image size, e.g. 3G or 2500M (default: 3G).
                      The file is sparse; the root partition and its ext4
                      grow to fill the real disk at first boot.
  --hostname NAME     hostname (default: banshi-kiosk)
  --timezone TZ       timezone (default: Asia/Shanghai)
  --config FILE       copy FILE to /etc/banshi/kiosk.toml in the image
  --root-json FILE    copy FILE to /etc/banshi/root.json in the image
  --firmware          also install firmware-misc-nonfree, firmware-amd-graphics
                      and firmware-realtek (non-free-firmware component; GPUs
                      and NICs of real kiosks; not needed under QEMU)
  --cache DIR         keep downloaded .debs in DIR between builds
                      (default: no cache)
  --workdir DIR       where the temporary root directory is made
                      (default: /var/tmp); removed on exit
  --keep-rootfs       do not remove the temporary root directory (debugging)
  --debug-shell       INSECURE, for debugging only: root login without
                      password on the serial console ttyS0
  -h, --help          this help

Output: OUT.img, OUT.img.sha256 and OUT.img.manifest (installed packages).
Layout: GPT; p1 BIOS boot (1 MiB, GRUB core), p2 EFI system (FAT32, 64 MiB,
\\EFI\\BOOT\\BOOTX64.EFI), p3 root (ext4, label banshi-root, GPT type
"Linux root x86-64", grown by systemd-repart + x-systemd.growfs at boot).
Kernel command line: console=ttyS0,115200 quiet (no console on the screen).
EOF
}

die() { echo "$PROG: error: $*" >&2; exit 1; }
log() { printf '\n[%s] == %s\n' "$(date +%T)" "$*" >&2; }

# ---------------------------------------------------------------- options
DEB=""; OUT=""; NO_DEB=0; MIRROR=""; SEC_MIRROR=""; SUITE=bookworm
SIZE=3G; HOSTNAME_=banshi-kiosk; TZ_=Asia/Shanghai; CONFIG=""; ROOT_JSON=""
FIRMWARE=0; CACHE=""; WORKDIR=/var/tmp; KEEP_ROOTFS=0; DEBUG_SHELL=0
POS=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --no-deb) NO_DEB=1 ;;
        --mirror) MIRROR=${2:?--mirror needs a URL}; shift ;;
        --mirror=*) MIRROR=${1#*=} ;;
        --security-mirror) SEC_MIRROR=${2:?}; shift ;;
        --security-mirror=*) SEC_MIRROR=${1#*=} ;;
        --suite) SUITE=${2:?}; shift ;;
        --size) SIZE=${2:?}; shift ;;
        --hostname) HOSTNAME_=${2:?}; shift ;;
        --timezone) TZ_=${2:?}; shift ;;
        --config) CONFIG=${2:?}; shift ;;
        --root-json) ROOT_JSON=${2:?}; shift ;;
        --firmware) FIRMWARE=1 ;;
        --cache) CACHE=${2:?}; shift ;;
        --workdir) WORKDIR=${2:?}; shift ;;
        --keep-rootfs) KEEP_ROOTFS=1 ;;
        --debug-shell) DEBUG_SHELL=1 ;;
        --) shift; POS+=("$@"); break ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) POS+=("$1") ;;
    esac
    shift
done
if [ "$NO_DEB" = 1 ]; then
    [ ${#POS[@]} -le 1 ] || die "too many arguments (see --help)"
    OUT=${POS[0]:-}
else
    [ ${#POS[@]} -ge 1 ] && [ ${#POS[@]} -le 2 ] || { usage >&2; exit 2; }
    DEB=${POS[0]}; OUT=${POS[1]:-}
    [ -f "$DEB" ] || die "no such package: $DEB"
    DEB=$(readlink -f "$DEB")
fi
OUT=${OUT:-./banshi-kiosk.img}
[ "$(id -u)" = 0 ] || die "must run as root"
[ -z "$CONFIG" ] || [ -f "$CONFIG" ] || die "no such file: $CONFIG"
[ -z "$ROOT_JSON" ] || [ -f "$ROOT_JSON" ] || die "no such file: $ROOT_JSON"
[[ "$HOSTNAME_" =~ ^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$ ]] || die "bad hostname: $HOSTNAME_"

size_mib() { # 3G, 2500M, 3072 (MiB) -> MiB
    local s=$1
    case "$s" in
        *[Gg]) echo $(( ${s%[Gg]} * 1024 )) ;;
        *[Mm]) echo $(( ${s%[Mm]} )) ;;
        *[!0-9]*|'') die "bad --size: $s" ;;
        *) echo "$s" ;;
    esac
}
SIZE_MIB=$(size_mib "$SIZE")
[ "$SIZE_MIB" -ge 1024 ] || die "--size must be at least 1G"

# ---------------------------------------------------------------- mirror
# Prints the URI of the first 'deb' source whose suites include $2 (a suite
# name or 'SUITE-security'); falls back to any Debian suite for the main one.
apt_source_uri() {
    local want=$1 f
    {
        [ -f /etc/apt/sources.list ] && sed -e 's/#.*//' /etc/apt/sources.list |
            awk '$1=="deb" { i=2; if ($2 ~ /^\[/) { while (i<=NF && $i !~ /\]$/) i++; i++ }
                             print $i, $(i+1) }'
        for f in /etc/apt/sources.list.d/*.list; do
            [ -f "$f" ] || continue
            sed -e 's/#.*//' "$f" |
                awk '$1=="deb" { i=2; if ($2 ~ /^\[/) { while (i<=NF && $i !~ /\]$/) i++; i++ }
                                 print $i, $(i+1) }'
        done
        for f in /etc/apt/sources.list.d/*.sources; do
            [ -f "$f" ] || continue
            # deb822: one stanza per paragraph; Enabled: no skips it.
            awk 'function flush() { if (types ~ /(^| )deb( |$)/ && enabled != "no")
                                      { n = split(uris, u, " "); m = split(suites, s, " ");
                                        for (a=1; a<=n; a++) for (b=1; b<=m; b++) print u[a], s[b] }
                                    types=""; uris=""; suites=""; enabled="" }
                 /^#/ { next }
                 /^[ \t]*$/ { flush(); next }
                 tolower($1)=="types:"   { $1=""; types=$0 }
                 tolower($1)=="uris:"    { $1=""; uris=$0 }
                 tolower($1)=="suites:"  { $1=""; suites=$0 }
                 tolower($1)=="enabled:" { enabled=tolower($2) }
                 END { flush() }' "$f"
        done
    } | awk -v want="$want" '
        $2 == want { print $1; found=1; exit }
        want !~ /-/ && $2 !~ /-(security|updates|backports|proposed-updates)$/ &&
            $2 !~ /\// && fallback == "" { fallback = $1 }
        END { if (!found && fallback != "") print fallback }'
}
if [ -z "$MIRROR" ]; then
    MIRROR=$(apt_source_uri "$SUITE" | head -n1)
    [ -n "$MIRROR" ] || die "no Debian mirror found in this machine's apt sources; use --mirror URL"
fi
if [ -z "$SEC_MIRROR" ]; then
    SEC_MIRROR=$(apt_source_uri "$SUITE-security" | head -n1 || true)
    # only if that source really is for this suite (no fallback for -security)
fi
[ "$SEC_MIRROR" = none ] && SEC_MIRROR=""
MIRROR=${MIRROR%/}; SEC_MIRROR=${SEC_MIRROR%/}

# ---------------------------------------------------------------- tools
need() { command -v "$1" >/dev/null 2>&1 || die "missing $1 (apt-get install $2)"; }
need debootstrap debootstrap
need sfdisk fdisk
need mkfs.ext4 e2fsprogs
need mkfs.fat dosfstools
need mcopy mtools
need chroot coreutils

# ---------------------------------------------------------------- timing
T0=$(date +%s); TSTEP=$T0; TIMINGS=()
step() {
    local now; now=$(date +%s)
    [ -n "${CURSTEP:-}" ] && TIMINGS+=("$(printf '%-60s %5ss' "$CURSTEP" $((now - TSTEP)))")
    CURSTEP=$1; TSTEP=$now
    [ -n "$1" ] && log "$1"
    return 0
}

# ---------------------------------------------------------------- cleanup
mkdir -p "$WORKDIR"
TMP=$(mktemp -d "$WORKDIR/banshi-image.XXXXXX")
ROOT=$TMP/root
mkdir -p "$ROOT"
MOUNTS=()
OUT_TMP=""
cleanup() {
    local rc=$? i
    set +e
    # Unmount in reverse order; idempotent (may run after a partial mount).
    for ((i=${#MOUNTS[@]}-1; i>=0; i--)); do
        mountpoint -q "${MOUNTS[i]}" && umount -l "${MOUNTS[i]}"
    done
    MOUNTS=()
    if [ -n "$OUT_TMP" ] && [ -e "$OUT_TMP" ]; then rm -f "$OUT_TMP"; fi
    if [ "$KEEP_ROOTFS" = 1 ]; then
        echo "$PROG: kept $TMP" >&2
    elif [ -d "$TMP" ]; then
        # never follow into a still-mounted path
        if ! grep -q " $TMP/" /proc/mounts; then rm -rf --one-file-system "$TMP"; fi
    fi
    [ $rc -ne 0 ] && echo "$PROG: FAILED (exit $rc) in step: ${CURSTEP:-?}" >&2
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

mount_chroot() {
    local m
    mount -t proc proc "$ROOT/proc" && MOUNTS+=("$ROOT/proc")
    mount -t sysfs sysfs "$ROOT/sys" && MOUNTS+=("$ROOT/sys")
    mount --bind /dev "$ROOT/dev" && MOUNTS+=("$ROOT/dev")
    mount -t devpts devpts "$ROOT/dev/pts" -o newinstance,ptmxmode=0666 && MOUNTS+=("$ROOT/dev/pts")
    mount -t tmpfs tmpfs "$ROOT/run" && MOUNTS+=("$ROOT/run")
    if [ -n "$CACHE" ]; then
        m=$ROOT/var/cache/apt/archives
        mkdir -p "$CACHE/archives/partial" "$m"
        mount --bind "$CACHE/archives" "$m" && MOUNTS+=("$m")
    fi
}
umount_chroot() {
    local i
    for ((i=${#MOUNTS[@]}-1; i>=0; i--)); do umount "${MOUNTS[i]}" || umount -l "${MOUNTS[i]}"; done
    MOUNTS=()
}
in_root() {
    chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true "$@"
}

echo "$PROG: suite $SUITE, image $OUT (${SIZE_MIB} MiB), package: ${DEB:-none (--no-deb)}" >&2
echo "$PROG: mirror: $MIRROR  security: ${SEC_MIRROR:-none}" >&2

# ---------------------------------------------------------------- debootstrap
step "debootstrap $SUITE (minbase)"
DBS_ARGS=(--variant=minbase --arch=amd64 --include=ca-certificates)
if [ -n "$CACHE" ]; then
    mkdir -p "$CACHE/debootstrap"
    DBS_ARGS+=(--cache-dir="$(readlink -f "$CACHE/debootstrap")")
fi
debootstrap "${DBS_ARGS[@]}" "$SUITE" "$ROOT" "$MIRROR" > "$TMP/debootstrap.log" 2>&1 || {
    tail -n 30 "$TMP/debootstrap.log" >&2; [ -f "$ROOT/debootstrap/debootstrap.log" ] &&
        tail -n 30 "$ROOT/debootstrap/debootstrap.log" >&2; die "debootstrap failed"; }

step "configure apt, locale, time zone, host name"
COMPONENTS=main
[ "$FIRMWARE" = 1 ] && COMPONENTS="main non-free-firmware"
{
    echo "deb $MIRROR $SUITE $COMPONENTS"
    echo "deb $MIRROR $SUITE-updates $COMPONENTS"
    [ -n "$SEC_MIRROR" ] && echo "deb $SEC_MIRROR $SUITE-security $COMPONENTS"
} > "$ROOT/etc/apt/sources.list"
# A kiosk never reads man pages; keep copyright files.
cat > "$ROOT/etc/dpkg/dpkg.cfg.d/01-banshi-kiosk-nodoc" <<'EOF'
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/lintian/*
EOF
cat > "$ROOT/etc/apt/apt.conf.d/01-banshi-kiosk" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
# Nothing may start inside the chroot.
printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"; chmod 755 "$ROOT/usr/sbin/policy-rc.d"
echo "$HOSTNAME_" > "$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$HOSTNAME_" > "$ROOT/etc/hosts"
echo 'LANG=C.UTF-8' > "$ROOT/etc/default/locale"
echo 'LANG=C.UTF-8' > "$ROOT/etc/locale.conf"
echo "$TZ_" > "$ROOT/etc/timezone"
ln -sf "/usr/share/zoneinfo/$TZ_" "$ROOT/etc/localtime"
# initramfs: generic (the image boots on unknown hardware), no resume device.
mkdir -p "$ROOT/etc/initramfs-tools/conf.d"
echo 'MODULES=most' > "$ROOT/etc/initramfs-tools/conf.d/banshi-kiosk"
echo 'RESUME=none' >> "$ROOT/etc/initramfs-tools/conf.d/banshi-kiosk"
# /vmlinuz and /initrd.img symlinks: grub.cfg refers to them, so kernel
# updates need no grub-mkconfig.
printf 'do_symlinks = yes\nlink_in_boot = no\n' > "$ROOT/etc/kernel-img.conf"

step "install kernel, systemd, GRUB"
mount_chroot
in_root apt-get update -q > "$TMP/apt.log" 2>&1 || { tail -n 20 "$TMP/apt.log" >&2; die "apt-get update failed"; }
# Not grub2-common: its kernel hook would replace the static grub.cfg.
PKGS=(linux-image-amd64 initramfs-tools systemd systemd-sysv udev dbus kmod tzdata
      grub-pc-bin grub-efi-amd64-bin
      iproute2 systemd-timesyncd procps less)
[ "$FIRMWARE" = 1 ] && PKGS+=(firmware-misc-nonfree firmware-amd-graphics firmware-realtek)
in_root apt-get install -y -q "${PKGS[@]}" >> "$TMP/apt.log" 2>&1 ||
    { tail -n 30 "$TMP/apt.log" >&2; die "apt-get install of the base packages failed"; }

step "install the banshi package"
if [ "$NO_DEB" = 1 ]; then
    # Placeholder: the pipeline (image, boot, report) works without the
    # package; the boot report then says FAIL (service not installed).
    echo "$PROG: --no-deb: placeholder, banshi not installed" >&2
else
    REC=$(dpkg-deb -f "$DEB" Recommends 2>/dev/null || true)
    [ -z "$REC" ] || echo "$PROG: note: the image installs no Recommends; the package recommends: $REC" >&2
    cp "$DEB" "$ROOT/tmp/"
    in_root apt-get install -y -q "/tmp/$(basename "$DEB")" >> "$TMP/apt.log" 2>&1 ||
        { tail -n 40 "$TMP/apt.log" >&2; die "apt-get install of $(basename "$DEB") failed"; }
    rm -f "$ROOT/tmp/$(basename "$DEB")"
    in_root dpkg-query -W -f='${Package} ${Version}\n' banshi >&2
    in_root systemctl is-enabled banshi-kiosk.service >&2 ||
        die "banshi-kiosk.service is not enabled after installing the package"
fi
# systemd-resolved last: it turns /etc/resolv.conf into a symlink, which
# breaks name resolution inside the chroot for anything after it.
in_root apt-get install -y -q systemd-resolved >> "$TMP/apt.log" 2>&1 ||
    { tail -n 20 "$TMP/apt.log" >&2; die "apt-get install systemd-resolved failed"; }

step "kiosk lockdown, network, boot report"
# Same owner and mode as the package gives its conffile (root:banshi 0640).
if [ -n "$CONFIG" ]; then
    install -D -m 0640 "$CONFIG" "$ROOT/etc/banshi/kiosk.toml"
    in_root chgrp banshi /etc/banshi/kiosk.toml 2>/dev/null || chmod 0644 "$ROOT/etc/banshi/kiosk.toml"
fi
[ -n "$ROOT_JSON" ] && install -D -m 0644 "$ROOT_JSON" "$ROOT/etc/banshi/root.json"
# tty1 belongs to the kiosk: no getty there, and none spawned on other VTs.
in_root systemctl mask getty@tty1.service >/dev/null
mkdir -p "$ROOT/etc/systemd/logind.conf.d"
cat > "$ROOT/etc/systemd/logind.conf.d/banshi-kiosk.conf" <<'EOF'
[Login]
NAutoVTs=0
ReserveVT=0
EOF
# No reboot from the keyboard (Ctrl+Alt+Del) or SysRq on a public kiosk.
in_root systemctl mask ctrl-alt-del.target >/dev/null
mkdir -p "$ROOT/etc/sysctl.d"
echo 'kernel.sysrq = 0' > "$ROOT/etc/sysctl.d/50-banshi-kiosk.conf"
# Serial console: the kernel's console, and the boot report; no login.
if [ "$DEBUG_SHELL" = 1 ]; then
    mkdir -p "$ROOT/etc/systemd/system/serial-getty@ttyS0.service.d"
    printf '[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %%I $TERM\n' \
        > "$ROOT/etc/systemd/system/serial-getty@ttyS0.service.d/debug-autologin.conf"
    echo "$PROG: WARNING: --debug-shell: root shell on ttyS0 without password" >&2
else
    in_root systemctl mask serial-getty@ttyS0.service >/dev/null
fi
in_root passwd -l root >/dev/null
# Journal: persistent, bounded.
mkdir -p "$ROOT/var/log/journal" "$ROOT/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=persistent\nSystemMaxUse=64M\n' > "$ROOT/etc/systemd/journald.conf.d/banshi-kiosk.conf"
# Network: DHCP on any wired interface (content sync), DNS via resolved.
mkdir -p "$ROOT/etc/systemd/network"
cat > "$ROOT/etc/systemd/network/80-banshi-wired.network" <<'EOF'
[Match]
Name=en* eth*

[Network]
DHCP=yes

[DHCPv4]
UseDomains=yes
EOF
in_root systemctl enable systemd-networkd.service systemd-resolved.service systemd-timesyncd.service >/dev/null 2>&1
# Nothing in the kiosk needs to wait for the network to be online.
in_root systemctl disable systemd-networkd-wait-online.service >/dev/null 2>&1 || true
# First boot: grow root partition (systemd-repart) and file system (growfs).
# systemd-repart has no [Install]: pull it into sysinit.target, before growfs.
mkdir -p "$ROOT/etc/repart.d" "$ROOT/etc/systemd/system/sysinit.target.wants" \
    "$ROOT/etc/systemd/system/systemd-repart.service.d"
printf '[Partition]\nType=root\n' > "$ROOT/etc/repart.d/50-root.conf"
ln -sf /lib/systemd/system/systemd-repart.service "$ROOT/etc/systemd/system/sysinit.target.wants/"
printf '[Unit]\nBefore=systemd-growfs-root.service systemd-growfs@-.service\n' \
    > "$ROOT/etc/systemd/system/systemd-repart.service.d/banshi-kiosk.conf"
# Boot report on the serial console (image only, not part of the .deb).
install -D -m 0755 "$HERE/boot-report.sh" "$ROOT/usr/local/libexec/banshi-boot-report"
install -D -m 0644 "$HERE/banshi-boot-report.service" "$ROOT/etc/systemd/system/banshi-boot-report.service"
in_root systemctl enable banshi-boot-report.service >/dev/null 2>&1

# ---------------------------------------------------------------- layout
# GPT, sectors of 512 bytes, everything MiB aligned.
ESP_MIB=64
BIOS_START=2048;             BIOS_SECTORS=2048              # 1 MiB at 1 MiB
ESP_START=4096;              ESP_SECTORS=$((ESP_MIB * 2048)) # 64 MiB at 2 MiB
ROOT_START=$((ESP_START + ESP_SECTORS))
ROOT_SECTORS=$(( SIZE_MIB * 2048 - ROOT_START - 2048 ))     # leave 1 MiB for the backup GPT
ROOT_UUID=$(cat /proc/sys/kernel/random/uuid)
ROOT_PARTUUID=$(cat /proc/sys/kernel/random/uuid)
ESP_PARTUUID=$(cat /proc/sys/kernel/random/uuid)
ESP_SERIAL=$(printf '%08X' $(( $(od -An -N4 -tu4 /dev/urandom) )))
ESP_FSUUID="${ESP_SERIAL:0:4}-${ESP_SERIAL:4:4}"

step "GRUB configuration and images"
CMDLINE="root=UUID=$ROOT_UUID ro console=ttyS0,115200 quiet loglevel=3 vt.global_cursor_default=0 logo.nologo systemd.show_status=auto rd.udev.log_level=3"
mkdir -p "$ROOT/boot/grub"
cat > "$ROOT/boot/grub/grub.cfg" <<EOF
# Written by Banshi packaging/image/build.sh. Static on purpose: /vmlinuz and
# /initrd.img are kept current by the kernel package, no grub-mkconfig needed.
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial
set timeout=0
set timeout_style=hidden
set default=0
insmod part_gpt
insmod ext2
insmod gzio
if [ "\$grub_platform" = efi ]; then insmod efi_gop; insmod efi_uga; fi
search --no-floppy --fs-uuid --set=root $ROOT_UUID
menuentry "Banshi kiosk" {
    linux /vmlinuz $CMDLINE
    initrd /initrd.img
}
menuentry "Banshi kiosk (verbose boot)" {
    linux /vmlinuz root=UUID=$ROOT_UUID ro console=tty0 console=ttyS0,115200 systemd.show_status=true
    initrd /initrd.img
}
EOF
# Early config embedded in both GRUB images: find the root file system by UUID.
cat > "$ROOT/tmp/grub-early.cfg" <<EOF
search --no-floppy --fs-uuid --set=root $ROOT_UUID
set prefix=(\$root)/boot/grub
configfile \$prefix/grub.cfg
EOF
for plat in i386-pc x86_64-efi; do
    mkdir -p "$ROOT/boot/grub/$plat"
    cp "$ROOT/usr/lib/grub/$plat/"*.mod "$ROOT/usr/lib/grub/$plat/"*.lst "$ROOT/boot/grub/$plat/"
done
GRUB_MODS=(part_gpt ext2 fat search search_fs_uuid configfile normal linux echo test gzio serial terminal)
in_root grub-mkimage -O i386-pc -o /tmp/core.img -c /tmp/grub-early.cfg -p /boot/grub \
    biosdisk "${GRUB_MODS[@]}"
in_root grub-mkimage -O x86_64-efi -o /tmp/BOOTX64.EFI -c /tmp/grub-early.cfg -p /boot/grub \
    "${GRUB_MODS[@]}" efi_gop efi_uga all_video
mv "$ROOT/tmp/core.img" "$ROOT/tmp/BOOTX64.EFI" "$TMP/"
cp "$ROOT/usr/lib/grub/i386-pc/boot.img" "$TMP/boot.img"
rm -f "$ROOT/tmp/grub-early.cfg"
CORE_SECTORS=$(( ($(stat -c %s "$TMP/core.img") + 511) / 512 ))
[ "$CORE_SECTORS" -le "$BIOS_SECTORS" ] || die "GRUB core.img ($CORE_SECTORS sectors) does not fit the BIOS boot partition"

cat > "$ROOT/etc/fstab" <<EOF
# <file system>       <mount point> <type> <options>                                 <dump> <pass>
UUID=$ROOT_UUID /             ext4   defaults,errors=remount-ro,x-systemd.growfs 0 1
UUID=$ESP_FSUUID        /boot/efi     vfat   umask=0077,noauto,nofail                   0 2
EOF
mkdir -p "$ROOT/boot/efi"

step "clean up the root"
[ -e "$ROOT/vmlinuz" ] && [ -e "$ROOT/initrd.img" ] || die "no /vmlinuz or /initrd.img in the root"
in_root dpkg-query -W -f='${Package}\t${Version}\n' > "$TMP/manifest"
# Unmount first: with --cache the archive directory is the bind-mounted cache,
# which 'apt-get clean' would empty.
umount_chroot
rm -rf "$ROOT/var/cache/apt/archives/"*.deb "$ROOT/var/cache/apt/archives/partial/"*
rm -f "$ROOT/usr/sbin/policy-rc.d"
rm -rf "$ROOT/var/lib/apt/lists/"* "$ROOT/var/cache/apt/"*.bin "$ROOT/var/log/"*.log \
       "$ROOT/var/log/apt/"* "$ROOT/tmp/"* "$ROOT/var/tmp/"* "$ROOT/var/cache/debconf/"*-old \
       "$ROOT/var/lib/dpkg/"*-old
# A machine id per kiosk: generated at first boot.
: > "$ROOT/etc/machine-id"
rm -f "$ROOT/var/lib/dbus/machine-id"
ROOTFS_MIB=$(du -sxm "$ROOT" | cut -f1)
echo "$PROG: root file system: ${ROOTFS_MIB} MiB" >&2
[ $((ROOTFS_MIB * 1024 * 1024 * 12 / 10)) -lt $((ROOT_SECTORS * 512)) ] ||
    die "root file system (${ROOTFS_MIB} MiB) does not fit comfortably in --size $SIZE"

# ---------------------------------------------------------------- image
step "partition and file systems (no loop device)"
mkdir -p "$(dirname "$OUT")"
OUT_TMP="$OUT.partial"
rm -f "$OUT_TMP"
truncate -s "${SIZE_MIB}M" "$OUT_TMP"
sfdisk -q --no-reread --no-tell-kernel "$OUT_TMP" <<EOF
label: gpt
unit: sectors
first-lba: 2048
start=$BIOS_START, size=$BIOS_SECTORS, type=21686148-6449-6E6F-744E-656564454649, name="bios-boot"
start=$ESP_START, size=$ESP_SECTORS, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=$ESP_PARTUUID, name="esp"
start=$ROOT_START, size=$ROOT_SECTORS, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=$ROOT_PARTUUID, name="banshi-root"
EOF
# Root: ext4 written straight into the image at the partition's offset.
# metadata_csum_seed and orphan_file are left out: bookworm's GRUB 2.06
# cannot read the former, and older e2fsck the latter.
mkfs.ext4 -q -F -L banshi-root -U "$ROOT_UUID" -O ^metadata_csum_seed,^orphan_file \
    -E "offset=$((ROOT_START * 512)),root_owner=0:0" -d "$ROOT" \
    "$OUT_TMP" "$((ROOT_SECTORS / 2))k"
# ESP: FAT32 (1-sector clusters: 64 MiB needs them to be valid FAT32; mkfs.fat
# would size clusters by the whole image) with the GRUB EFI image as the removable-media default loader.
mkfs.fat -F 32 -s 1 -S 512 -n BANSHI-EFI -i "$ESP_SERIAL" --offset="$ESP_START" "$OUT_TMP" "$((ESP_SECTORS / 2))" \
    > "$TMP/mkfs.fat.log" 2>&1 || { cat "$TMP/mkfs.fat.log" >&2; die "mkfs.fat failed"; }
ESP_IMG="$OUT_TMP@@$((ESP_START * 512))"
MTOOLS_SKIP_CHECK=1 mmd -i "$ESP_IMG" ::/EFI ::/EFI/BOOT
MTOOLS_SKIP_CHECK=1 mcopy -i "$ESP_IMG" "$TMP/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI

step "install GRUB for BIOS (boot.img + core.img, no grub-install)"
# What grub-bios-setup does, without needing a block device:
#  - core.img goes into the BIOS boot partition; its first sector (diskboot)
#    carries a block list at 0x1f4: LBA (8 bytes) of the rest of core.img.
#  - boot.img goes into the MBR's first 440 bytes (partition table kept),
#    with the LBA of core.img at 0x5c and the drive check (0x66) NOPed out.
le64() { local v=$1 i; for ((i=0; i<8; i++)); do printf '\\0%03o' $(( (v >> (8*i)) & 255 )); done; }
poke() { printf '%b' "$3" | dd of="$1" bs=1 seek="$(($2))" conv=notrunc status=none; }
poke "$TMP/core.img" 0x1f4 "$(le64 $((BIOS_START + 1)))"
dd if="$TMP/core.img" of="$OUT_TMP" bs=512 seek="$BIOS_START" conv=notrunc status=none
poke "$TMP/boot.img" 0x5c "$(le64 "$BIOS_START")"
poke "$TMP/boot.img" 0x66 '\0220\0220'
dd if="$TMP/boot.img" of="$OUT_TMP" bs=440 count=1 conv=notrunc status=none

step "finish"
mv -f "$OUT_TMP" "$OUT"; OUT_TMP=""
cp "$TMP/manifest" "$OUT.manifest"
(cd "$(dirname "$OUT")" && sha256sum "$(basename "$OUT")" > "$(basename "$OUT").sha256")
step ""

echo
echo "== timings"
printf '  %s\n' "${TIMINGS[@]}"
printf '  %-60s %5ss\n' "total" $(( $(date +%s) - T0 ))
echo "== result"
echo "  image:    $OUT"
echo "  size:     $(du -m --apparent-size "$OUT" | cut -f1) MiB apparent, $(du -m "$OUT" | cut -f1) MiB on disk (sparse)"
echo "  rootfs:   ${ROOTFS_MIB} MiB in ext4 UUID $ROOT_UUID"
echo "  packages: $(wc -l < "$OUT.manifest") ($OUT.manifest)"
echo "  banshi:   $(grep -P '^banshi\t' "$OUT.manifest" | cut -f2 || echo 'not installed')"
echo "  sha256:   $(cut -d' ' -f1 "$OUT.sha256")"
