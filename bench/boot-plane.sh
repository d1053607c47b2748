#!/usr/bin/env bash
# Boot plane benchmark on loopback: provisiond side by side with real peers, in one run.
#   1. TFTP, one 64 MiB random file, three client settings (atftp blksize 1468 lock-step, atftp
#      blksize 1468 windowsize 16, curl --tftp-blksize 1468), each with the client on the
#      servers' core and on the other one; RUNS transfers per server and cell, interleaved,
#      median MiB/s; against tftpd-hpa, atftpd and dnsmasq.
#   2. CLIENTS concurrent curl TFTP clients (blksize 1468), each fetching ipxe.efi: wall time
#      and failures, RUNS rounds per server, median.
#   3. HTTP: wrk on /boot.ipxe?mac= (a booting machine's install script, steady state), and a
#      256 MiB asset downloaded with curl (8 one after another; 4 clients × 2 at once) from
#      provisiond and from nginx (sendfile on), RUNS rounds each, median MiB/s.
# Every download's sha256 is checked against its source; a mismatch fails that cell.
# It waits (up to 60 s) for the machine to be idle, and reports how much CPU other processes took
# during each phase. Ratios are written so that above 1 means provisiond is ahead. Prints a
# table and saves it to bench/results/boot-plane-DATE.txt. Every server it starts listens on
# 127.0.0.1 and is stopped, and the temporary directories are removed, on exit. Needs root:
# packages are installed with apt-get, and dnsmasq's TFTP server only listens on port 69.
#   bench/boot-plane.sh [RUNS] [CLIENTS] [WRK_SECONDS]
#   PROVISIOND_BIN_DIR=DIR bench/boot-plane.sh    binaries already built (skips swift build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-3}
clients=${2:-200}
wrk_seconds=${3:-10}
tftp_mib=64
asset_mib=256
mac=52:54:00:be:9c:01
started=$SECONDS

script=boot-plane.sh
# shellcheck source=bench/lib.sh
source bench/lib.sh
failed() { # line command
  echo "boot-plane.sh: failed at line $1: $2" >&2
  [[ -s ${tmp:-/nonexistent}/provisiond.log ]] && { echo "provisiond's log:" >&2; tail -n 20 "$tmp/provisiond.log" >&2; }
  return 0
}
trap 'failed "$LINENO" "$BASH_COMMAND"' ERR
sudo=""
[[ $(id -u) -eq 0 ]] || sudo=sudo

# --- packages ------------------------------------------------------------------------------
# command → Debian package; dnsmasq-base has no service to stop.
declare -A package_of=([wrk]=wrk [atftp]=atftp [in.tftpd]=tftpd-hpa [dnsmasq]=dnsmasq-base
  [nginx]=nginx [python3]=python3 [curl]=curl [sha256sum]=coreutils [taskset]=util-linux [ss]=iproute2)
export PATH="$PATH:/usr/sbin:/sbin"
missing=()
for command in "${!package_of[@]}"; do
  command -v "$command" >/dev/null || missing+=("${package_of[$command]}")
done
[[ -e /usr/lib/ipxe/ipxe.efi ]] || missing+=(ipxe)
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
  # A service the install started itself is stopped again: the benchmark runs its own instances.
  # nginx -s quit signals the PID in the system configuration's pid file, and nothing else.
  if [[ " ${missing[*]} " == *" nginx "* ]] && [[ -s /run/nginx.pid ]]; then
    log "stopping the nginx service the install started"
    if [[ -d /run/systemd/system ]]; then $sudo systemctl stop nginx; else $sudo nginx -s quit 2>/dev/null || true; fi
  fi
fi
# A system tftpd-hpa service (TFTP_ADDRESS=":69" by default) holds port 69, which dnsmasq needs.
# Its init script stops every in.tftpd on the machine by name, so without systemd it is stopped
# by the PID that holds port 69 instead.
if [[ -d /run/systemd/system ]] && systemctl is-active --quiet tftpd-hpa 2>/dev/null; then
  log "stopping the system tftpd-hpa service"
  $sudo systemctl stop tftpd-hpa
else
  holder=$(ss -Hlunp 'sport = :69' 2>/dev/null | grep -o '"in.tftpd",pid=[0-9]*' | head -n 1 | cut -d= -f2 || true)
  if [[ $holder ]]; then
    log "stopping the system tftpd-hpa (in.tftpd pid $holder on port 69)"
    $sudo kill "$holder" || true
  fi
fi

# PROVISIOND_BIN_DIR (as in scripts/test) benchmarks binaries already built there.
release_binaries
bin=$PROVISIOND_BIN_DIR

# --- workspace, processes, cleanup ---------------------------------------------------------
tmp=$(mktemp -d /tmp/provisiond-boot-bench.XXXXXX)
# Downloads land in memory so the disk's writeback does not time the servers.
if [[ -d /dev/shm && -w /dev/shm ]]; then scratch=$(mktemp -d /dev/shm/provisiond-boot-bench.XXXXXX); else scratch="$tmp/out"; mkdir "$scratch"; fi
pids=()          # servers
client_pids=()   # concurrent clients of the round in progress
cleanup() {
  # Runs to the end whatever fails or arrives meanwhile.
  set +e
  trap '' INT TERM HUP
  trap - ERR
  local pid
  for pid in "${client_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  for pid in "${client_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp" "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

free_port() { # tcp|udp
  python3 -c 'import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "$1"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

log "making a ${tftp_mib} MiB TFTP file and a ${asset_mib} MiB asset (random bytes)"
mkdir -p "$tmp/tftp" "$tmp/assets" "$tmp/profiles" "$tmp/data"
head -c $((tftp_mib << 20)) /dev/urandom >"$tmp/tftp/big.bin"
head -c $((asset_mib << 20)) /dev/urandom >"$tmp/assets/disk.img"
cp -L /usr/lib/ipxe/ipxe.efi "$tmp/tftp/ipxe.efi"   # the peers' copy; provisiond serves /usr/lib/ipxe's
echo ready >"$tmp/tftp/ready.txt"
big_sha=$(sha "$tmp/tftp/big.bin")
ipxe_sha=$(sha /usr/lib/ipxe/ipxe.efi)
ipxe_bytes=$(stat -L -c %s /usr/lib/ipxe/ipxe.efi)
asset_sha=$(sha "$tmp/assets/disk.img")
cat >"$tmp/profiles/test.json" <<'EOF'
{"description": "boot-plane benchmark", "kernel": "k/linux", "initrd": ["k/initrd.gz"], "cmdline": "console=ttyS0"}
EOF

declare -A tftp_port=() server_pid=() notes=() window_granted=()
servers=()       # TFTP servers that came up, in table order
skipped=()       # "name: why"

# Waits (bounded) until a TFTP server answers, then asks atftp whether it grants windowsize.
tftp_ready() { # name port pid
  local name=$1 port=$2 pid=$3
  for _ in $(seq 50); do
    alive "$pid" || return 1
    if curl -s --max-time 1 -o /dev/null "tftp://127.0.0.1:$port/ready.txt"; then
      # The whole trace is read before it is searched: a reader that stops early would kill atftp
      # (SIGPIPE) before it acknowledges the OACK and leave the server retransmitting.
      local trace oack
      trace=$(timeout 10 atftp --trace -g -r ready.txt -l "$scratch/oack-$name" --option "blksize 1468" --option "windowsize 16" 127.0.0.1 "$port" 2>&1 || true)
      oack=$(grep 'received OACK' <<<"$trace" || true)
      if [[ $oack == *windowsize* ]]; then window_granted[$name]=yes; else window_granted[$name]=no; fi
      rm -f "$scratch/oack-$name"
      return 0
    fi
    sleep 0.1
  done
  return 1
}
add_server() { # name port pid
  pids+=("$3")
  if tftp_ready "$1" "$2" "$3"; then
    tftp_port[$1]=$2; server_pid[$1]=$3; servers+=("$1")
  else
    stop_pid "$3"; skipped+=("$1: did not answer on 127.0.0.1:$2 (log: $(tail -n 2 "$tmp/$1.log" 2>/dev/null | tr '\n' ' '))")
  fi
}

# --- provisiond ----------------------------------------------------------------------------
http_port=$(free_port tcp); admin_port=$(free_port tcp); port=$(free_port udp)
# Builds with DHCP (proxy by default, on 0.0.0.0:67 and 4011) get it switched off: loopback only.
dhcp_off=()
usage=$("$bin/provisiond" --help 2>&1 || true)
[[ $usage == *--dhcp-mode* ]] && dhcp_off=(--dhcp-mode off)
# Every benchmark client comes from 127.0.0.1: lift the per-address caps (8 TFTP transfers, 32
# boot-plane connections by default) that would otherwise refuse most of the $clients at once.
per_address=()
[[ $usage == *--tftp-transfers-per-address* ]] &&
  per_address=(--tftp-transfers-per-address $((clients + 56)) --http-connections-per-address $((clients + 56)))
log "starting provisiond (TFTP 127.0.0.1:$port, HTTP 127.0.0.1:$http_port${dhcp_off:+, DHCP off})"
"$bin/provisiond" "${dhcp_off[@]}" "${per_address[@]}" --data-dir "$tmp/data" --http-listen "127.0.0.1:$http_port" --admin-listen "127.0.0.1:$admin_port" \
  --tftp-listen "127.0.0.1:$port" --tftp-root "$tmp/tftp" --assets-dir "$tmp/assets" --ipxe-dir /usr/lib/ipxe \
  --profiles-dir "$tmp/profiles" --log-level warn 2>"$tmp/provisiond.log" &
provisiond_pid=$!
add_server provisiond "$port" "$provisiond_pid"
[[ ${tftp_port[provisiond]:-} ]] || { cat "$tmp/provisiond.log" >&2; echo "provisiond did not start" >&2; exit 1; }
# Where each server really listens, for the record; provisiond must be on 127.0.0.1 only.
listening() { ss -Hlnp -A inet 2>/dev/null | awk -v p="pid=$1," 'index($0, p) { printf "%s/%s ", $1, $5 }'; }
declare -A listens=([provisiond]=$(listening "$provisiond_pid"))
if [[ $(tr ' ' '\n' <<<"${listens[provisiond]}" | awk 'NF && $0 !~ /\/127\.0\.0\.1:/' | wc -l) -ne 0 ]]; then
  echo "boot-plane.sh: provisiond listens beyond loopback (${listens[provisiond]}); stopping" >&2
  exit 1
fi

# --- tftpd-hpa: -a 127.0.0.1:PORT, or any address on PORT where that fails --------------------
port=$(free_port udp)
log "starting tftpd-hpa on 127.0.0.1:$port"
in.tftpd -4 -L -u root -s "$tmp/tftp" -a "127.0.0.1:$port" 2>"$tmp/tftpd-hpa.log" &
pid=$!
sleep 0.2
if ! alive "$pid"; then
  wait "$pid" 2>/dev/null || true
  notes[tftpd-hpa]="-a 127.0.0.1:$port failed ($(tr '\n' ' ' <"$tmp/tftpd-hpa.log")); listened on *:$port"
  in.tftpd -4 -L -u root -s "$tmp/tftp" -a ":$port" 2>"$tmp/tftpd-hpa.log" &
  pid=$!
fi
add_server tftpd-hpa "$port" "$pid"

# --- atftpd: conflicts with tftpd-hpa as a package, so unpacked into the temp dir ---------------
atftpd=$(unpack_atftpd "$tmp/atftpd")
if [[ $atftpd ]]; then
  port=$(free_port udp)
  log "starting atftpd on 127.0.0.1:$port"
  # --maxthread above CLIENTS (default 100) so the concurrency round measures speed, not a cap.
  "$atftpd" --daemon --no-fork --port "$port" --bind-address 127.0.0.1 --user root --group root \
    --maxthread $((clients + 56)) --logfile "$tmp/atftpd.log" "$tmp/tftp" 2>>"$tmp/atftpd.log" &
  add_server atftpd "$port" $!
  notes[atftpd]="$("$atftpd" --version 2>&1 | head -n 1), unpacked from the Debian package; --maxthread $((clients + 56))"
else
  skipped+=("atftpd: could not download or run the Debian package (apt-get download atftpd)")
fi

# --- dnsmasq: its TFTP server listens on port 69 only (--tftp-port-range is for transfers) ------
if [[ $(id -u) -ne 0 ]]; then
  skipped+=("dnsmasq: its TFTP server listens only on port 69, which needs root")
elif [[ $(ss -Hlun 'sport = :69' | wc -l) -gt 0 ]]; then
  skipped+=("dnsmasq: UDP port 69 is taken ($(ss -Hlunp 'sport = :69' | head -n 1))")
else
  log "starting dnsmasq (TFTP only) on 127.0.0.1:69"
  dnsmasq --conf-file=/dev/null --keep-in-foreground --port=0 --enable-tftp --tftp-root="$tmp/tftp" \
    --listen-address=127.0.0.1 --bind-interfaces --user=root --group=root --tftp-max=$((clients + 56)) \
    --pid-file="$tmp/dnsmasq.pid" --log-facility="$tmp/dnsmasq.log" --quiet-tftp 2>>"$tmp/dnsmasq.log" &
  add_server dnsmasq 69 $!
  notes[dnsmasq]="$(dnsmasq --version | head -n 1 | cut -d' ' -f1-3); TFTP on 127.0.0.1:69 (no listen-port option); --tftp-max=$((clients + 56))"
fi
notes[tftpd-hpa]="${notes[tftpd-hpa]:-tftp-hpa $(dpkg-query -W -f='${Version}' tftpd-hpa 2>/dev/null)}"
for name in "${servers[@]}"; do listens[$name]=$(listening "${server_pid[$name]}"); done
# Other work on the machine skews every number: sample the CPUs (one second at a time, while all
# of ours is idle) and wait up to 60 s for them to be under 10% busy before measuring.
waited=$SECONDS
for attempt in $(seq 60); do
  read -r busy_a total_a < <(cpu_busy); sleep 1; read -r busy_b total_b < <(cpu_busy)
  background=$(awk -v b=$((busy_b - busy_a)) -v t=$((total_b - total_a)) 'BEGIN { printf "%.0f", t ? 100 * b / t : 0 }')
  ((background < 10)) && break
  ((attempt == 1)) && log "other processes keep the CPUs ${background}% busy: waiting up to 60 s for them"
  ((SECONDS - waited < 60)) || break
done
waited=$((attempt - 1))
# Then, per phase, how much of the CPUs went to processes that are not this benchmark's
# (cpu_snapshot in bench/lib.sh).
declare -A others=()
other_share() { # phase name, snapshot taken at its start
  others[$1]=$(others_percent "$2" "$(cpu_snapshot)")
}
phase_start=$(cpu_snapshot)

# --- 1. one 64 MiB file, three client settings, two CPU placements ---------------------------
# A lock-step transfer is one round trip per block, so where the scheduler puts the client and
# the server decides the result (same core: direct hand-off; two cores: a cross-core wake-up per
# packet) and an unpinned run flips between the two. So each cell is measured in both placements,
# pinned with taskset: every server thread (and tftpd-hpa's forked children) on CPU 0, the client
# on CPU 0 ("same core") or CPU 1 ("two cores"). The later phases run unpinned.
settings=(atftp-lockstep atftp-window16 curl)
declare -A setting_label=([atftp-lockstep]="atftp blksize 1468 (lock-step)"
  [atftp-window16]="atftp blksize 1468 windowsize 16" [curl]="curl --tftp-blksize 1468")
placements=(same)
(( $(nproc) >= 2 )) && placements+=(split)
declare -A placement_label=([same]="same core" [split]="two cores") client_cpu=([same]=0 [split]=1)
all_cpus="0-$(( $(nproc) - 1 ))"
pin_servers() { # cpu list
  local name
  for name in "${servers[@]}"; do taskset -a -p -c "$1" "${server_pid[$name]}" >/dev/null; done
}
declare -A speeds=() failures=()
tftp_get() { # setting cpu port remote-file local-file
  case $1 in
    atftp-lockstep) timeout 120 taskset -c "$2" atftp -g -r "$4" -l "$5" --option "blksize 1468" 127.0.0.1 "$3" >/dev/null 2>&1 ;;
    atftp-window16) timeout 120 taskset -c "$2" atftp -g -r "$4" -l "$5" --option "blksize 1468" --option "windowsize 16" 127.0.0.1 "$3" >/dev/null 2>&1 ;;
    curl) taskset -c "$2" curl -sS --max-time 120 --tftp-blksize 1468 -o "$5" "tftp://127.0.0.1:$3/$4" 2>/dev/null ;;
  esac
}
log "TFTP ${tftp_mib} MiB: ${#servers[@]} servers × ${#settings[@]} settings × ${#placements[@]} placements × $runs runs, interleaved"
pin_servers 0
for run in $(seq "$runs"); do
  for placement in "${placements[@]}"; do
    for setting in "${settings[@]}"; do
      for name in "${servers[@]}"; do
        out="$scratch/big-$name"
        rm -f "$out"
        start=$EPOCHREALTIME
        if tftp_get "$setting" "${client_cpu[$placement]}" "${tftp_port[$name]}" big.bin "$out"; then status=0; else status=$?; fi
        finish=$EPOCHREALTIME
        key="$name|$placement|$setting"
        speed=""
        if [[ $status -ne 0 ]]; then
          failures[$key]="${failures[$key]:-}run $run: exit $status; "
        elif [[ $(sha "$out") != "$big_sha" ]]; then
          failures[$key]="${failures[$key]:-}run $run: sha256 mismatch ($(stat -c %s "$out") bytes); "
        else
          speed=$(awk -v m="$tftp_mib" -v a="$start" -v b="$finish" 'BEGIN { printf "%.1f", m / (b - a) }')
          speeds[$key]="${speeds[$key]:-} $speed"
        fi
        log "  run $run  $(printf '%-9s %-16s %-11s' "$placement" "$setting" "$name") ${speed:-FAILED} MiB/s"
        rm -f "$out"
      done
    done
  done
done
pin_servers "$all_cpus"

other_share tftp "$phase_start"
# --- 2. CLIENTS concurrent clients fetching ipxe.efi ----------------------------------------
phase_start=$(cpu_snapshot)
declare -A walls=() concurrent_failures=()
log "TFTP concurrency: $clients curl clients at once fetching ipxe.efi ($ipxe_bytes bytes), $runs rounds per server"
for run in $(seq "$runs"); do
  for name in "${servers[@]}"; do
    dir="$scratch/concurrent-$name"
    rm -rf "$dir"; mkdir -p "$dir"
    client_pids=()
    start=$EPOCHREALTIME
    for i in $(seq "$clients"); do
      curl -s --max-time 60 --tftp-blksize 1468 -o "$dir/$i" "tftp://127.0.0.1:${tftp_port[$name]}/ipxe.efi" 2>/dev/null &
      client_pids+=($!)
    done
    failed=0
    for pid in "${client_pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
    finish=$EPOCHREALTIME
    client_pids=()
    # Every download that exited 0 must be the whole file.
    good=$( (cd "$dir" && find . -type f -print0 | xargs -0 -r sha256sum) | awk -v s="$ipxe_sha" '$1 == s' | wc -l)
    bad=$((clients - good))
    ((bad > failed)) || bad=$failed
    wall=$(awk -v a="$start" -v b="$finish" 'BEGIN { printf "%.2f", b - a }')
    walls[$name]="${walls[$name]:-} $wall"
    concurrent_failures[$name]=$(( ${concurrent_failures[$name]:-0} + bad ))
    log "  run $run  $(printf '%-11s' "$name") ${wall} s, $bad failed"
    rm -rf "$dir"
  done
done

other_share concurrent "$phase_start"
# --- 3. HTTP ---------------------------------------------------------------------------------
phase_start=$(cpu_snapshot)
log "HTTP: registering $mac and fetching its install script once (registered → booting)"
"$bin/provisionctl" --server "http://127.0.0.1:$admin_port" --token-file "$tmp/data/admin.token" \
  register "$mac" --hostname bench1 --profile test >/dev/null
boot_url="http://127.0.0.1:$http_port/boot.ipxe?mac=$mac"
first=$(curl -sf "$boot_url")
second=$(curl -sf "$boot_url")
state=$("$bin/provisionctl" --server "http://127.0.0.1:$admin_port" --token-file "$tmp/data/admin.token" show "$mac" --json \
  | python3 -c 'import json, sys; print(json.load(sys.stdin).get("state", "?"))')
boot_check="state $state, script $(printf '%s' "$second" | wc -c) bytes"
[[ $second == *kernel* && $first == "$second" ]] || boot_check="$boot_check; UNEXPECTED: first and second script differ or name no kernel"
log "  $boot_check"
wrk_out=$(wrk -t2 -c32 -d"${wrk_seconds}s" --latency "$boot_url")
boot_rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$wrk_out")
boot_latency=$(awk '$1 == "Latency" && NF >= 4 {print $2; exit}' <<<"$wrk_out")
boot_p50=$(awk '$1 == "50%" {print $2}' <<<"$wrk_out")
boot_p99=$(awk '$1 == "99%" {print $2}' <<<"$wrk_out")
boot_errors=$(awk '/Non-2xx|Socket errors/ {sub(/^ +/, ""); printf "%s; ", $0}' <<<"$wrk_out")
log "  boot.ipxe: $boot_rps requests/s, mean $boot_latency, p50 $boot_p50, p99 $boot_p99 ${boot_errors}"

nginx_port=$(free_port tcp)
write_nginx_conf "$tmp/nginx" "127.0.0.1:$nginx_port" 1024 "types { application/octet-stream img; }" "location /assets/ { alias $tmp/assets/; }"
log "starting nginx on 127.0.0.1:$nginx_port (sendfile on, worker_processes auto)"
nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -g 'daemon off;' 2>>"$tmp/nginx/error.log" &
nginx_pid=$!
pids+=("$nginx_pid")
declare -A asset_url=([provisiond]="http://127.0.0.1:$http_port/assets/disk.img")
for _ in $(seq 50); do
  alive "$nginx_pid" || break
  curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$nginx_port/assets/disk.img" && { asset_url[nginx]="http://127.0.0.1:$nginx_port/assets/disk.img"; break; }
  sleep 0.1
done
http_servers=(provisiond)
if [[ ${asset_url[nginx]:-} ]]; then http_servers+=(nginx); else skipped+=("nginx: did not start ($(tail -n 2 "$tmp/nginx/error.log" | tr '\n' ' '))"); fi

declare -A asset_speeds=() asset_failures=()
asset_modes=(sequential parallel)
declare -A asset_label=([sequential]="8 downloads one after another" [parallel]="4 clients × 2 downloads at once")
for name in "${http_servers[@]}"; do
  if [[ $(curl -s "${asset_url[$name]}" | sha256sum | cut -d' ' -f1) != "$asset_sha" ]]; then
    asset_failures[$name]="sha256 mismatch"
  fi
done
# Each download goes to /dev/null; curl reports the bytes it got, checked against the size.
fetch_assets() { # url count → 0 when every download was whole
  local i ok=0
  for i in $(seq "$2"); do
    [[ $(curl -s -o /dev/null -w '%{size_download}' "$1") == $((asset_mib << 20)) ]] || ok=1
  done
  return $ok
}
log "HTTP ${asset_mib} MiB asset: ${#http_servers[@]} servers × ${#asset_modes[@]} modes × $runs runs, interleaved"
for run in $(seq "$runs"); do
  for mode in "${asset_modes[@]}"; do
    for name in "${http_servers[@]}"; do
      key="$name|$mode"
      count=8
      start=$EPOCHREALTIME
      if [[ $mode == sequential ]]; then
        fetch_assets "${asset_url[$name]}" 8 && ok=1 || ok=0
      else
        client_pids=()
        for i in 1 2 3 4; do fetch_assets "${asset_url[$name]}" 2 & client_pids+=($!); done
        ok=1
        for pid in "${client_pids[@]}"; do wait "$pid" || ok=0; done
        client_pids=()
      fi
      finish=$EPOCHREALTIME
      if ((ok)); then
        speed=$(awk -v m=$((count * asset_mib)) -v a="$start" -v b="$finish" 'BEGIN { printf "%.0f", m / (b - a) }')
        asset_speeds[$key]="${asset_speeds[$key]:-} $speed"
      else
        asset_failures[$name]="${asset_failures[$name]:-}$mode run $run: short download; "
        speed="FAILED"
      fi
      log "  run $run  $(printf '%-10s %-10s' "$mode" "$name") $speed MiB/s"
    done
  done
done

other_share http "$phase_start"
# provisiond must have lived through all of it.
listens[nginx]=$(listening "$nginx_pid")
if alive "$provisiond_pid"; then provisiond_state="running"; else provisiond_state="EXITED during the run"; fi
provisiond_rss=$(ps -o rss= -p "$provisiond_pid" 2>/dev/null | awk '{printf "%.0f MiB", $1 / 1024}')

# --- the table -------------------------------------------------------------------------------
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{v[NR] = $1} END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# "~" when a cell's runs differ by more than 1.5×: its median may land on either side.
unstable() { tr ' ' '\n' | awk 'NF { if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1 } END { if (min > 0 && max > 1.5 * min) print "~" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
mkdir -p bench/results
result="bench/results/boot-plane-$(date -u +%Y-%m-%dT%H%M%SZ).txt"
peers=("${servers[@]:1}")
tftp_misses=""; http_misses=""
{
  echo "# provisiond boot plane vs real peers: loopback 127.0.0.1, $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'), $runs runs per cell (median), client and servers share the cores"
  echo
  echo "## TFTP, one ${tftp_mib} MiB random file: MiB/s (median of $runs); ratio = provisiond / peer"
  echo "## servers pinned to CPU 0; client on CPU 0 (same core) or CPU 1 (two cores); other work took ${others[tftp]}% of the CPUs meanwhile"
  header=$(printf '%-44s' "placement, client setting"); for name in "${servers[@]}"; do header+=$(printf ' %11s' "$name"); done
  for name in "${peers[@]}"; do header+=$(printf ' %15s' "prov/$name"); done
  echo "$header"
  for placement in "${placements[@]}"; do
    for setting in "${settings[@]}"; do
      line=$(printf '%-44s' "${placement_label[$placement]}, ${setting_label[$setting]}")
      declare -A med=() unstable=()
      for name in "${servers[@]}"; do
        med[$name]=$(median <<<"${speeds[$name|$placement|$setting]:-}")
        unstable[$name]=$(unstable <<<"${speeds[$name|$placement|$setting]:-}")
        cell=${med[$name]:-FAIL}${unstable[$name]}; [[ ${failures[$name|$placement|$setting]:-} ]] && cell="$cell*"
        line+=$(printf ' %11s' "$cell")
      done
      for name in "${peers[@]}"; do
        r=$(ratio "${med[provisiond]}" "${med[$name]}")
        shaky="${unstable[provisiond]}${unstable[$name]}"
        line+=$(printf ' %15s' "$r${shaky:+~}")
        if [[ $r == - ]] || awk -v r="$r" 'BEGIN { exit !(r <= 1) }'; then
          tftp_misses+="${placement_label[$placement]}, ${setting_label[$setting]} vs $name: $r${shaky:+ (unstable)}; "
        fi
      done
      unset med unstable
      echo "$line"
    done
  done
  echo "~ = runs of that cell differ by more than 1.5× (on this VM a cross-core lock-step transfer flips between two speeds for every server); * = a failed run"
  echo "every run, MiB/s:"
  for placement in "${placements[@]}"; do
    for setting in "${settings[@]}"; do
      line=$(printf '%-44s' "${placement_label[$placement]}, ${setting_label[$setting]}")
      for name in "${servers[@]}"; do line+=$(printf ' %18s' "$(echo ${speeds[$name|$placement|$setting]:-} | tr ' ' '/')"); done
      echo "$line"
    done
  done
  echo "windowsize 16 granted (OACK): $(for name in "${servers[@]}"; do printf '%s %s; ' "$name" "${window_granted[$name]}"; done)"
  for key in "${!failures[@]}"; do echo "* FAILED $key: ${failures[$key]}"; done
  echo
  echo "## TFTP, $clients concurrent curl clients (--tftp-blksize 1468) each fetching ipxe.efi ($ipxe_bytes bytes): wall s (median of $runs); ratio = peer time / provisiond time; other work ${others[concurrent]}% of the CPUs"
  printf '%-12s %10s %22s %24s %10s\n' server "wall s" "failures (all rounds)" "all rounds s" ratio
  prov_wall=$(median <<<"${walls[provisiond]:-}")
  for name in "${servers[@]}"; do
    w=$(median <<<"${walls[$name]:-}")
    r="-"; [[ $name == provisiond ]] || r=$(ratio "$w" "$prov_wall")
    printf '%-12s %10s %22s %24s %10s\n' "$name" "$w" "${concurrent_failures[$name]:-0} of $((clients * runs))" "$(echo ${walls[$name]:-} | tr ' ' '/')" "$r"
  done
  echo
  echo "## HTTP boot script: wrk -t2 -c32 -d${wrk_seconds}s on /boot.ipxe?mac= (a booting machine; $boot_check)"
  echo "provisiond: $boot_rps requests/s, mean latency $boot_latency, p50 $boot_p50, p99 $boot_p99 ${boot_errors:+($boot_errors)}"
  echo
  echo "## HTTP ${asset_mib} MiB asset with curl to /dev/null: MiB/s (median of $runs); ratio = provisiond / nginx; other work during the HTTP phase ${others[http]}% of the CPUs"
  printf '%-34s %11s %11s %13s\n' "mode" provisiond nginx "prov/nginx"
  for mode in "${asset_modes[@]}"; do
    p=$(median <<<"${asset_speeds[provisiond|$mode]:-}"); n=$(median <<<"${asset_speeds[nginx|$mode]:-}")
    r=$(ratio "$p" "$n")
    if [[ $r == - ]] || awk -v r="$r" 'BEGIN { exit !(r < 0.8) }'; then http_misses+="${asset_label[$mode]}: $r; "; fi
    printf '%-34s %11s %11s %13s\n' "${asset_label[$mode]}" "${p:-FAIL}" "${n:-FAIL}" "$r"
  done
  for name in "${!asset_failures[@]}"; do echo "* FAILED $name: ${asset_failures[$name]}"; done
  echo
  echo "## goals"
  echo "ahead of every TFTP peer at each setting: ${tftp_misses:+NOT met: }${tftp_misses:-met}"
  echo "at least 0.8 of nginx on large files: ${http_misses:+NOT met: }${http_misses:-met}"
  echo
  echo "## notes"
  for name in "${servers[@]:1}"; do echo "$name: ${notes[$name]:-}"; done
  echo "listening: $(for name in "${servers[@]}" nginx; do printf '%s %s; ' "$name" "${listens[$name]:-}"; done)"
  echo "other work on the machine: ${background}% of the CPUs in the idle second before the runs (after waiting ${waited} s); during them: TFTP ${others[tftp]}%, concurrent TFTP ${others[concurrent]}%, HTTP ${others[http]}% (more than a few % makes those numbers noisy)"
  echo "nginx: $(nginx -v 2>&1 | cut -d' ' -f3), worker_processes auto, sendfile on, tcp_nopush on, access_log off"
  for line in "${skipped[@]}"; do echo "NOT RUN $line"; done
  echo "provisiond: $provisiond_state, RSS at the end $provisiond_rss, $(grep -c . "$tmp/provisiond.log" || true) log lines at warn or above"
  grep . "$tmp/provisiond.log" | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/  /' || true
  echo "total run time $((SECONDS - started)) s"
} | tee "$result"
echo "saved to $result" >&2
