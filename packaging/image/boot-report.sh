#!/bin/sh
# Banshi image boot report. Installed by packaging/image/build.sh as
# /usr/local/libexec/banshi-boot-report and run once per boot by
# banshi-boot-report.service (not part of the .deb).
#
# Waits (bounded) for banshi-kiosk.service to become active, then writes a
# delimited report to the serial console and to /var/log/banshi-boot-report.txt.
# The last line before the END marker is machine readable:
#   BANSHI-BOOT-CHECK: PASS
#   BANSHI-BOOT-CHECK: FAIL <reason>
# boot-check.sh waits for that line on the serial log.

UNIT=banshi-kiosk.service
WAIT_SECS=${BANSHI_REPORT_WAIT:-120}
SETTLE_SECS=${BANSHI_REPORT_SETTLE:-10}
CONSOLE=${BANSHI_REPORT_CONSOLE:-/dev/ttyS0}
LOG=/var/log/banshi-boot-report.txt

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH LC_ALL=C.UTF-8 SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat

state() { systemctl is-active "$UNIT" 2>/dev/null; }

report() {
    reason=""
    echo "===== BANSHI-BOOT-REPORT BEGIN ====="
    echo "host: $(hostname)  kernel: $(uname -r)  date: $(date -Is)"
    echo "uptime: $(cut -d' ' -f1 /proc/uptime) s"

    if ! systemctl cat "$UNIT" >/dev/null 2>&1; then
        reason="$UNIT is not installed (image built without the banshi package?)"
        waited=0
    else
        # Bounded wait: WAIT_SECS at most.
        waited=0
        while [ "$waited" -lt "$WAIT_SECS" ]; do
            s=$(state)
            [ "$s" = active ] && break
            [ "$s" = failed ] && [ "$waited" -ge 30 ] && break
            sleep 2
            waited=$((waited + 2))
        done
        # A kiosk that dies right after READY=1 would otherwise pass: wait a
        # little and look again, and count restarts.
        if [ "$(state)" = active ]; then
            sleep "$SETTLE_SECS"
        fi
    fi

    echo "waited: ${waited} s for $UNIT"
    echo "--- systemctl is-active $UNIT"
    active=$(state)
    echo "${active:-unknown}"
    echo "--- systemctl show (selected properties)"
    systemctl show "$UNIT" -p ActiveState -p SubState -p Result -p NRestarts \
        -p ExecMainStatus -p MainPID -p UnitFileState 2>&1
    echo "--- systemctl status $UNIT --no-pager"
    systemctl status "$UNIT" --no-pager --full --lines=15 2>&1
    echo "--- loginctl list-sessions"
    loginctl list-sessions --no-pager 2>&1
    echo "--- journalctl -t banshi-kiosk -b --no-pager | tail -n 30"
    journalctl -t banshi-kiosk -b --no-pager 2>&1 | tail -n 30
    echo "--- journalctl -u $UNIT -b (last 15 lines, includes systemd's own)"
    journalctl -u "$UNIT" -b --no-pager 2>&1 | tail -n 15
    echo "--- failed units"
    systemctl --failed --no-pager --plain --no-legend 2>&1
    echo "--- root file system (grown at first boot by systemd-repart + growfs)"
    df -h / 2>&1 | tail -n 1
    echo "--- /dev/dri"
    ls -l /dev/dri 2>&1

    doctor_rc=none
    if command -v banshi >/dev/null 2>&1; then
        echo "--- runuser -u banshi -- banshi doctor"
        # runuser is sudo -u without sudo (sudo is not installed on the kiosk).
        # cd / first: the report runs with cwd=/ anyway, banshi may lack a home.
        (cd / && timeout 60 runuser -u banshi -- banshi doctor) 2>&1
        doctor_rc=$?
        echo "doctor exit code: $doctor_rc"
    else
        echo "--- banshi doctor: /usr/bin/banshi not installed"
    fi

    nrestarts=$(systemctl show "$UNIT" -p NRestarts --value 2>/dev/null)
    if [ -z "$reason" ]; then
        if [ "$active" != active ]; then
            reason="$UNIT is ${active:-unknown} after ${waited} s"
        elif [ -n "$nrestarts" ] && [ "$nrestarts" != 0 ]; then
            reason="$UNIT restarted $nrestarts times"
        elif [ "$doctor_rc" != 0 ]; then
            reason="banshi doctor exit code $doctor_rc"
        fi
    fi
    if [ -z "$reason" ]; then
        echo "BANSHI-BOOT-CHECK: PASS"
    else
        echo "BANSHI-BOOT-CHECK: FAIL $reason"
    fi
    echo "===== BANSHI-BOOT-REPORT END ====="
}

out=$(report 2>&1)
printf '%s\n' "$out" > "$LOG"
if [ -w "$CONSOLE" ]; then
    # The serial console may not exist on a real kiosk; never fail on it.
    printf '\n%s\n' "$out" > "$CONSOLE" 2>/dev/null || true
fi
# Also into the journal, one line per line of report.
printf '%s\n' "$out" | systemd-cat -t banshi-boot-report 2>/dev/null || true

# Then, for WATCH_SECS (bounded), one status line every 5 s on the console, so
# boot-check.sh can tell whether the kiosk survives key presses (same MainPID,
# no restart, tty1 still the active VT).
WATCH_SECS=${BANSHI_REPORT_WATCH:-600}
seq=0
while [ $((seq * 5)) -lt "$WATCH_SECS" ] && [ -w "$CONSOLE" ]; do
    printf 'BANSHI-KIOSK-WATCH: seq=%d state=%s pid=%s nrestarts=%s vt=%s\n' "$seq" "$(state)" \
        "$(systemctl show "$UNIT" -p MainPID --value 2>/dev/null)" \
        "$(systemctl show "$UNIT" -p NRestarts --value 2>/dev/null)" \
        "$(cat /sys/class/tty/tty0/active 2>/dev/null)" \
        > "$CONSOLE" 2>/dev/null || break
    seq=$((seq + 1))
    sleep 5
done
exit 0
