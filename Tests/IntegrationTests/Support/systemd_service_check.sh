#!/bin/sh
# Runs inside the SystemdServiceTests VM (systemd as PID 1, no Swift toolchain), started from the
# kernel command line (systemd.run) with the test disk mounted on /mnt: src/ (scripts/install,
# profiles, cloud-init, systemd) and bin/ (the release binaries). Installs provisiond with the
# real installer and checks the service under systemd, printing one line a check to the second
# serial port ("PASS name" or "FAIL name: why") and "DONE" at the end; the VM then powers off.
# Waits poll a condition with a deadline; none of them sleeps to let something happen.
out=/dev/ttyS1
failures=0
# Each line ends with the guest's uptime, for the test's timing report.
at() { echo "[at $(cut -d' ' -f1 /proc/uptime) s]"; }
pass() { echo "PASS $1 $(at)" >"$out"; }
fail() { echo "FAIL $1: $(printf '%s' "$2" | tr '\n' ' ' | cut -c1-600) $(at)" >"$out"; failures=$((failures + 1)); }
# until_true SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds or SECONDS pass.
until_true() {
  deadline=$(($(date +%s) + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}
prop() { systemctl show -p "$1" --value provisiond.service; }
admin() { curl -sf -H "Authorization: Bearer $(cat /var/lib/provisiond/admin.token)" "$@"; }
journal() { journalctl -b -u provisiond.service -o cat --no-pager; }

if output=$(/mnt/src/scripts/install --bin-dir /mnt/bin 2>&1) && id provisiond >/dev/null 2>&1; then
  pass install
else
  fail install "$output"
fi
if version=$(/usr/local/bin/provisiond --version 2>&1) && ! ls /usr/lib/swift /opt/swift >/dev/null 2>&1; then
  pass "runs-without-toolchain $version"
else
  fail runs-without-toolchain "$version"
fi

# Test-only settings: SIGUSR2 stalls the DHCP loop (PROVISIOND_TEST_STALL), a short watchdog
# period keeps the stall check quick.
mkdir -p /etc/systemd/system/provisiond.service.d
printf '[Service]\nEnvironment=PROVISIOND_TEST_STALL=1\nWatchdogSec=16\nRestartSec=1\n' \
  > /etc/systemd/system/provisiond.service.d/test.conf
# An operator's profile of the same name as a shipped one wins.
printf '{"description": "the operator'"'"'s own"}\n' > /etc/provisiond/profiles/local-disk.json
systemctl daemon-reload

# systemctl start returns once the unit is active, which Type=notify reaches only with READY=1:
# the admin API must answer at once, with no retry, and the log line provisiond writes just before
# READY=1 comes before systemd's "Started".
if output=$(systemctl start provisiond.service 2>&1) && health=$(curl -sf http://127.0.0.1:8081/healthz); then
  pass "start-ready $health"
else
  fail start-ready "$output $(journal | tail -20)"
fi
order=$(journal | grep -n -e ' provisiond started ' -e '^Started ' | cut -d: -f1 | tr '\n' ' ')
set -- $order
if [ $# -eq 2 ] && [ "$1" -lt "$2" ] && [ "$(prop Type)" = notify ]; then pass "ready-before-active"; else fail ready-before-active "lines $order: $(journal)"; fi

pid=$(prop MainPID)
user=$(stat -c %U "/proc/$pid")
caps=$(grep CapEff "/proc/$pid/status" | tr -d '\t')
# CAP_NET_BIND_SERVICE is bit 10: 0x400, and nothing else.
if [ "$user" = provisiond ] && [ "$caps" = CapEff:0000000000000400 ]; then pass "user $user $caps"; else fail user "$user $caps"; fi

profiles=$(admin http://127.0.0.1:8081/api/v1/profiles)
case $profiles in
  *'"name":"debian-12"'*'"name":"k3s-agent"'*'"name":"k3s-server"'*"the operator's own"*'"name":"ubuntu-24.04"'*) pass profiles ;;
  *) fail profiles "$profiles" ;;
esac
for port in 67 4011 69; do
  if ss -Hulnp "sport = :$port" | grep -q provisiond; then pass "port-$port"; else fail "port-$port" "$(ss -ulnp)"; fi
done
case $health in
  *'"database":{"status":"ok"'*'"admin":{"status":"ok"'*'"http":{"status":"ok"'*'"tftp":{"status":"ok"'*'"dhcp":{"status":"ok"'*) pass healthz ;;
  *) fail healthz "$health" ;;
esac

# Reload (SIGHUP): a profile added since the start appears, the process stays, and a download in
# progress goes on to the end. The download's reader waits on a FIFO before reading a byte, so
# the 24 MB (more than the pipe and both socket buffers hold) stays mid-send, whatever the
# buffers' sizes, until the reload has been checked; the server's Send-Q shows it is sending.
head -c 24000000 /dev/urandom > /var/lib/provisiond/assets/big
rm -f /tmp/big /tmp/gate && mkfifo /tmp/gate
curl -s http://127.0.0.1:8080/assets/big | { read -r _ </tmp/gate; cat >/tmp/big; } &
download=$!
sending() { ss -Htn state established '( sport = :8080 )' | awk '$2 > 0 { found = 1 } END { exit !found }'; }
printf '{"description": "added"}\n' > /etc/provisiond/profiles/added.json
added() { admin http://127.0.0.1:8081/api/v1/profiles | grep -q '"name":"added"'; }
if ! until_true 30 sending; then fail reload "the download did not start: $(ss -tn) $(journal | tail -5)"
elif ! systemctl reload provisiond.service; then fail reload "systemctl reload: $(journal | tail -5)"
elif ! until_true 30 added; then fail reload "no profile added: $(journal | tail -5)"
elif ! sending; then fail reload "the download was not in progress after the reload: $(ss -tn) $(journal | tail -5)"
elif ! { echo go >/tmp/gate && wait "$download"; }; then fail reload "the download failed: $(journal | tail -5)"
elif ! cmp -s /tmp/big /var/lib/provisiond/assets/big; then fail reload "the download differs"
elif [ "$(prop MainPID)" != "$pid" ]; then fail reload "the process changed"
elif ! journal | grep -e '^Reloaded ' -e 'path=/assets/big status=200' | tail -1 | grep -q 'path=/assets/big'; then
  fail reload "the download ended before the reload: $(journal | tail -5)"
else pass reload
fi
kill "$download" 2>/dev/null # a reader still waiting at the gate after a failure

# A crash: restarted, with what was stored before it.
admin -X POST -d '{"mac":"52:54:00:00:00:42","hostname":"kept","profile":"debian-12"}' http://127.0.0.1:8081/api/v1/machines >/dev/null \
  || fail register "$(journal | tail -5)"
kill -SEGV "$pid"
restarted() { new=$(prop MainPID); [ "$new" != 0 ] && [ "$new" != "$pid" ] && [ "$(prop ActiveState)" = active ]; }
if until_true 60 restarted && machine=$(admin http://127.0.0.1:8081/api/v1/machines/52:54:00:00:00:42) \
   && case $machine in *'"hostname":"kept"'*) true ;; *) false ;; esac; then
  pass "segv-restart restarts=$(prop NRestarts)"
else
  fail segv-restart "$(prop ActiveState) $(prop NRestarts) ${machine:-} $(journal | tail -8)"
fi

# A stalled DHCP loop: the watchdog pings stop, systemd aborts the process and restarts it.
pid=$(prop MainPID)
kill -USR2 "$pid"
if until_true 90 restarted && journal | grep -q 'Watchdog timeout'; then
  pass "watchdog-restart restarts=$(prop NRestarts)"
else
  fail watchdog-restart "$(prop ActiveState) $(journal | tail -12)"
fi
if journal | grep -q 'unhealthy stale=dhcp'; then pass "watchdog-names-dhcp"; else fail watchdog-names-dhcp "$(journal | tail -12)"; fi

# Stop: well within TimeoutStopSec, cleanly, and provisiond says so.
limit=$(prop TimeoutStopUSec)
started=$(date +%s)
systemctl stop provisiond.service
took=$(($(date +%s) - started))
if [ "$took" -lt 20 ] && [ "$(prop Result)" = success ] && journal | grep -q ' provisiond stopped'; then
  pass "stop ${took}s (TimeoutStopSec $limit)"
else
  fail stop "${took}s $(prop Result) $(journal | tail -5)"
fi

if output=$(/mnt/src/scripts/install --uninstall 2>&1) && [ ! -e /usr/local/bin/provisiond ] && [ -e /etc/provisiond/provisiond.json ]; then
  pass uninstall
else
  fail uninstall "$output"
fi
echo "DONE failures=$failures $(at)" >"$out"
