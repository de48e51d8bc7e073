#!/bin/bash
# shellcheck disable=SC2054,SC2317  # commas are qemu syntax; cleanup runs from trap
# Boot a Banshi kiosk image under QEMU and check, from the serial console,
# that banshi-kiosk.service came up. See --help and README.md.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=${0##*/}
HELPER="$HERE/qemu-helper.py"

usage() {
    cat <<EOF
Usage: $PROG IMG [OPTIONS]

Boots IMG (a raw image from build.sh) in qemu-system-x86_64 in snapshot mode
(IMG is not changed), waits for the boot report on the serial console
(BANSHI-BOOT-CHECK: PASS|FAIL), prints it, takes a screenshot through QMP
screendump and checks it is not a flat colour, sends Ctrl+Alt+F2 and
Ctrl+Alt+Backspace and checks the kiosk survived (same MainPID, no restart,
tty1 still the active VT, from the report's BANSHI-KIOSK-WATCH lines), then
powers the VM off (ACPI power button; QMP quit after 60 s).
Exit 0 only if all of that passed.

Options:
  --timeout SECS      how long to wait for the boot report (default: 600)
  --uefi              boot with OVMF (UEFI) instead of SeaBIOS
  --out DIR           where serial.log, report.txt and screenshots go
                      (default: ./boot-check)
  --resolution WxH    virtual screen size (default: 1280x800)
  --no-keys           do not send Ctrl+Alt+F2 / Ctrl+Alt+Backspace
  --accel kvm|tcg     force an accelerator (default: kvm if /dev/kvm works)
  --smp N             virtual CPUs (default: 2)
  -h, --help          this help

Needs: root or access to /dev/kvm (optional), qemu-system-x86 (installed with
apt-get if missing; ovmf too with --uefi), python3.
EOF
}

die() { echo "$PROG: error: $*" >&2; exit 2; }
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

IMG=""; TIMEOUT=600; UEFI=0; OUTDIR=./boot-check
RES=1280x800; KEYS=1; ACCEL=""; SMP=2
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --timeout) TIMEOUT=${2:?}; shift ;;
        --timeout=*) TIMEOUT=${1#*=} ;;
        --uefi) UEFI=1 ;;
        --out) OUTDIR=${2:?}; shift ;;
        --resolution) RES=${2:?}; shift ;;
        --no-keys) KEYS=0 ;;
        --accel) ACCEL=${2:?}; shift ;;
        --smp) SMP=${2:?}; shift ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) [ -z "$IMG" ] || die "one image only"; IMG=$1 ;;
    esac
    shift
done
[ -n "$IMG" ] || { usage >&2; exit 2; }
[ -f "$IMG" ] || die "no such image: $IMG"
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "bad --timeout"
[[ "$RES" =~ ^([0-9]+)x([0-9]+)$ ]] || die "bad --resolution"
XRES=${BASH_REMATCH[1]}; YRES=${BASH_REMATCH[2]}
command -v python3 >/dev/null || die "python3 is needed (apt-get install python3)"

# ---------------------------------------------------------------- qemu
apt_install() {
    [ "$(id -u)" = 0 ] || die "missing $*; install it (apt-get install $*) or run as root"
    log "installing $* with apt-get"
    local pkgs=("$@") v
    # A newer qemu-utils (e.g. from backports) Breaks the distribution's
    # qemu-system-common: install the matching qemu-utils alongside.
    if [[ " $* " == *" qemu-system-x86 "* ]] && dpkg-query -W qemu-utils >/dev/null 2>&1; then
        apt-get update -q >/dev/null || true
        v=$(apt-cache policy qemu-system-x86 | awk '/Candidate:/ {print $2}')
        [ -n "$v" ] && [ "$v" != "(none)" ] && pkgs+=("qemu-utils=$v")
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --allow-downgrades "${pkgs[@]}" >&2 ||
        { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
              --no-install-recommends --allow-downgrades "${pkgs[@]}" >&2; } ||
        die "apt-get install ${pkgs[*]} failed"
}
command -v qemu-system-x86_64 >/dev/null || apt_install qemu-system-x86
OVMF_CODE=""
if [ "$UEFI" = 1 ]; then
    for f in /usr/share/OVMF/OVMF_CODE_4M.fd /usr/share/OVMF/OVMF_CODE.fd; do
        [ -f "$f" ] && { OVMF_CODE=$f; break; }
    done
    [ -n "$OVMF_CODE" ] || { apt_install ovmf; OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd; }
    OVMF_VARS_SRC=${OVMF_CODE/CODE/VARS}
    [ -f "$OVMF_VARS_SRC" ] || die "no $OVMF_VARS_SRC"
fi

kvm_works() {
    [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
    # KVM_GET_API_VERSION and KVM_CREATE_VM must both succeed.
    python3 - <<'EOF' 2>/dev/null
import fcntl, os, sys
fd = os.open("/dev/kvm", os.O_RDWR)
if fcntl.ioctl(fd, 0xAE00) != 12:
    sys.exit(1)
vm = fcntl.ioctl(fd, 0xAE01, 0)
os.close(vm)
EOF
}
# /dev/kvm can open and still not run Linux: under some nested hosts the
# kernel hangs right after "Probing EDD". Boot the image's own kernel for up
# to 20 s with earlyprintk and look for "Linux version" (needs sfdisk and
# debugfs; without them KVM is trusted as it is).
kvm_boots_kernel() {
    local img=$1 start kernel log
    command -v sfdisk >/dev/null && command -v debugfs >/dev/null || return 0
    start=$(sfdisk -d "$img" 2>/dev/null |
        awk -F'[=,]' '/4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709/ { gsub(/ /, "", $2); print $2; exit }')
    [ -n "$start" ] || return 0
    kernel=$(debugfs -R "ls -p /boot" "$img?offset=$((start * 512))" 2>/dev/null |
        awk -F/ '$6 ~ /^vmlinuz-/ { print $6 }' | sort -V | tail -n1)
    [ -n "$kernel" ] || return 0
    debugfs -R "dump /boot/$kernel $RUN/vmlinuz" "$img?offset=$((start * 512))" >/dev/null 2>&1 || return 0
    log=$RUN/kvm-probe.log
    timeout 20 qemu-system-x86_64 -machine q35 "${ACCEL_ARGS[@]}" -m 256 -display none -nodefaults \
        -no-reboot -serial "file:$log" -kernel "$RUN/vmlinuz" \
        -append "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1" >/dev/null 2>&1 &
    local pid=$! i
    for ((i=0; i<40; i++)); do
        grep -q 'Linux version' "$log" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    grep -q 'Linux version' "$log" 2>/dev/null
}
# Some nested hosts cannot set every MSR of '-cpu host' (QEMU aborts with
# "failed to set MSR 0x10a"): probe each CPU model for 3 s with the CPU stopped.
kvm_cpu() {
    local cpu rc
    for cpu in host host,-arch-capabilities max qemu64; do
        rc=0
        timeout 3 qemu-system-x86_64 -machine q35 -accel kvm -cpu "$cpu" -m 128 \
            -display none -nodefaults -S >/dev/null 2>&1 || rc=$?
        [ "$rc" = 124 ] && { echo "$cpu"; return 0; }   # still running after 3 s: fine
    done
    return 1
}

# ---------------------------------------------------------------- run
mkdir -p "$OUTDIR"
OUTDIR=$(readlink -f "$OUTDIR")
RUN=$(mktemp -d /tmp/banshi-boot-check.XXXXXX)
SERIAL=$OUTDIR/serial.log
QMP=$RUN/qmp.sock
PIDFILE=$RUN/qemu.pid
QEMU_PID=""
rm -f "$SERIAL" "$OUTDIR"/report.txt "$OUTDIR"/screen*.png "$OUTDIR"/screen*.ppm "$OUTDIR/qemu.log"

qemu_alive() { [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; }
cleanup() {
    local rc=$? i
    set +e
    if qemu_alive; then
        python3 "$HELPER" qmp "$QMP" quit --timeout 5 >/dev/null 2>&1
        for ((i=0; i<10; i++)); do qemu_alive || break; sleep 0.5; done
        qemu_alive && kill -TERM "$QEMU_PID" 2>/dev/null
        for ((i=0; i<10; i++)); do qemu_alive || break; sleep 0.5; done
        qemu_alive && kill -KILL "$QEMU_PID" 2>/dev/null
    fi
    rm -rf "$RUN"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

AUTO_ACCEL=0
if [ -z "$ACCEL" ]; then
    AUTO_ACCEL=1
    if kvm_works; then ACCEL=kvm; else ACCEL=tcg; fi
fi
if [ "$ACCEL" = kvm ]; then
    if CPU=$(kvm_cpu); then
        ACCEL_ARGS=(-accel kvm -cpu "$CPU")
    elif [ "$AUTO_ACCEL" = 1 ]; then
        log "KVM: no CPU model starts; using TCG"; ACCEL=tcg
    else
        die "KVM: no CPU model starts (try --accel tcg)"
    fi
fi
if [ "$ACCEL" = kvm ] && ! kvm_boots_kernel "$IMG"; then
    if [ "$AUTO_ACCEL" = 1 ]; then
        log "KVM opens but the image's kernel does not start under it (nested host?): using TCG"
        ACCEL=tcg
    else
        log "warning: the image's kernel did not start under KVM in 20 s (forced by --accel kvm)"
    fi
fi
case "$ACCEL" in
    kvm) ;;
    tcg) ACCEL_ARGS=(-accel tcg,thread=multi -cpu max) ;;
    *) die "--accel kvm|tcg" ;;
esac

QEMU_ARGS=(
    -name banshi-boot-check
    -machine q35 "${ACCEL_ARGS[@]}" -smp "$SMP" -m 2048
    -drive "file=$(readlink -f "$IMG"),format=raw,if=virtio,snapshot=on"
    -vga none -device "VGA,edid=on,xres=$XRES,yres=$YRES"
    -device qemu-xhci -device usb-tablet
    -nic user,model=virtio-net-pci,restrict=on
    -display none -monitor none
    -serial "file:$SERIAL"
    -qmp "unix:$QMP,server=on,wait=off"
    -pidfile "$PIDFILE"
    -no-reboot
)
if [ "$UEFI" = 1 ]; then
    cp "$OVMF_VARS_SRC" "$RUN/OVMF_VARS.fd"
    QEMU_ARGS+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
                -drive "if=pflash,format=raw,unit=1,file=$RUN/OVMF_VARS.fd")
fi

log "booting $IMG ($ACCEL ${ACCEL_ARGS[*]: -1}, $([ "$UEFI" = 1 ] && echo UEFI || echo BIOS), ${XRES}x${YRES}, -m 2048, snapshot)"
T0=$(date +%s)
qemu-system-x86_64 "${QEMU_ARGS[@]}" > "$OUTDIR/qemu.log" 2>&1 &
QEMU_PID=$!

# Bounded wait for the report line.
RESULT=""
while :; do
    if [ -f "$SERIAL" ] && grep -q '^BANSHI-BOOT-CHECK:' "$SERIAL" 2>/dev/null; then
        # give the END marker a moment
        for _ in 1 2 3 4 5; do grep -q 'BANSHI-BOOT-REPORT END' "$SERIAL" && break; sleep 1; done
        RESULT=$(grep -a -m1 '^BANSHI-BOOT-CHECK:' "$SERIAL" | tr -d '\r')
        break
    fi
    qemu_alive || { log "QEMU exited early:"; cat "$OUTDIR/qemu.log" >&2; break; }
    [ $(( $(date +%s) - T0 )) -lt "$TIMEOUT" ] || { log "no boot report after $TIMEOUT s"; break; }
    sleep 2
done
T_REPORT=$(( $(date +%s) - T0 ))
FAILS=()

echo "================ serial boot report ================"
if [ -n "$RESULT" ]; then
    tr -d '\r' < "$SERIAL" | sed -n '/===== BANSHI-BOOT-REPORT BEGIN/,/===== BANSHI-BOOT-REPORT END/p' |
        tee "$OUTDIR/report.txt"
    log "report after ${T_REPORT} s: $RESULT"
    [ "$RESULT" = "BANSHI-BOOT-CHECK: PASS" ] || FAILS+=("report: ${RESULT#BANSHI-BOOT-CHECK: }")
else
    echo "(no report; last 40 lines of the serial console:)"
    tr -d '\r' < "$SERIAL" 2>/dev/null | tail -n 40
    FAILS+=("no boot report within $TIMEOUT s")
fi
echo "===================================================="

screenshot() { # NAME -> OUTDIR/NAME.png, prints stats; fails on a flat image
    local name=$1 ppm="$RUN/$1.ppm" stats dom
    python3 "$HELPER" qmp "$QMP" screendump "{\"filename\": \"$ppm\"}" >/dev/null || { echo "screendump failed"; return 1; }
    stats=$(python3 "$HELPER" ppm2png "$ppm" "$OUTDIR/$name.png") || { echo "PPM conversion failed"; return 1; }
    echo "$stats"
    dom=$(sed -n 's/.*dominant=\([0-9.]*\).*/\1/p' <<<"$stats")
    # flat: one colour covers (nearly) the whole screen
    awk -v d="$dom" 'BEGIN { exit !(d < 0.995) }'
}
last_watch() { tr -d '\r' < "$SERIAL" | grep -a '^BANSHI-KIOSK-WATCH:' | tail -n1; }
watch_field() { sed -n "s/.* $2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }

if qemu_alive; then
    # The report waited for the kiosk to settle; one more second for a frame.
    sleep 1
    if out=$(screenshot screen); then
        log "screenshot $OUTDIR/screen.png: $out"
    else
        log "screenshot $OUTDIR/screen.png: FLAT or failed ($out)"
        FAILS+=("screenshot is a flat colour or failed ($out)")
    fi

    if [ "$KEYS" = 1 ] && [ "$RESULT" = "BANSHI-BOOT-CHECK: PASS" ]; then
        before=$(last_watch)
        if [ -z "$before" ]; then
            sleep 6; before=$(last_watch)
        fi
        if [ -z "$before" ]; then
            FAILS+=("keys: no BANSHI-KIOSK-WATCH line on the serial console")
        else
            log "before keys: $before"
            python3 "$HELPER" keys "$QMP" ctrl-alt-f2 || FAILS+=("keys: send-key ctrl-alt-f2 failed")
            sleep 3
            python3 "$HELPER" keys "$QMP" ctrl-alt-backspace || FAILS+=("keys: send-key ctrl-alt-backspace failed")
            # two watch periods (5 s each) after the keys
            seq0=$(watch_field "$before" seq)
            after=""
            for ((i=0; i<15; i++)); do
                sleep 2
                after=$(last_watch)
                [ "$(watch_field "$after" seq)" -ge $((seq0 + 3)) ] 2>/dev/null && break
            done
            log "after keys:  $after"
            if [ "$(watch_field "$after" seq)" -lt $((seq0 + 3)) ] 2>/dev/null || [ -z "$after" ]; then
                FAILS+=("keys: no new BANSHI-KIOSK-WATCH line after the keys")
            else
                for f in state pid nrestarts vt; do
                    if [ "$(watch_field "$before" $f)" != "$(watch_field "$after" $f)" ]; then
                        FAILS+=("keys: $f changed: $(watch_field "$before" $f) -> $(watch_field "$after" $f)")
                    fi
                done
                [ "$(watch_field "$after" state)" = active ] || FAILS+=("keys: kiosk not active after the keys")
            fi
            if out=$(screenshot screen-after-keys); then
                log "screenshot $OUTDIR/screen-after-keys.png: $out"
            else
                FAILS+=("screenshot after keys is flat or failed ($out)")
            fi
        fi
    fi

    # Clean power-off: ACPI power button (logind powers off), bounded.
    log "power off (system_powerdown)"
    python3 "$HELPER" qmp "$QMP" system_powerdown >/dev/null 2>&1 || true
    T1=$(date +%s)
    while qemu_alive && [ $(( $(date +%s) - T1 )) -lt 60 ]; do sleep 1; done
    if qemu_alive; then
        log "still running 60 s after system_powerdown: QMP quit"
        FAILS+=("no clean power-off within 60 s of the ACPI power button")
        python3 "$HELPER" qmp "$QMP" quit --timeout 5 >/dev/null 2>&1 || true
        for ((i=0; i<20; i++)); do qemu_alive || break; sleep 0.5; done
    else
        log "powered off after $(( $(date +%s) - T1 )) s"
    fi
fi
wait "$QEMU_PID" 2>/dev/null || true
QEMU_PID=""

echo "boot-check: $IMG, $ACCEL, report after ${T_REPORT} s, total $(( $(date +%s) - T0 )) s"
echo "boot-check: serial log $SERIAL"
if [ ${#FAILS[@]} -eq 0 ]; then
    echo "boot-check: PASS"
    exit 0
fi
printf 'boot-check: FAIL: %s\n' "${FAILS[@]}"
exit 1
