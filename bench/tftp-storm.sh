#!/usr/bin/env bash
# TFTP storm on loopback: MACHINES machines fetch their iPXE binary at once (half undionly.kpxe,
# half ipxe.efi, as a mixed BIOS/UEFI rack does after a power cut), each a lock-step client with
# blksize 1468 and tsize like firmware, from an address of its own (127.x.y.z), with
# bench/tftp_swarm.py. Servers: provisiond, tftpd-hpa and atftpd, in turn, RUNS rounds each.
# Per server: wall time (first RRQ to the last file complete, median), failed transfers,
# client retransmissions, server CPU seconds, peak threads and processes, peak and idle RSS
# (its whole process tree, sampled every 20 ms); ratio = peer wall / provisiond wall (above 1:
# provisiond ahead). Prints other processes' share of the CPUs during the storm and warns at
# 5 % or more (then the numbers are noise). Saves the table under bench/results/. Every server
# listens on 127.0.0.1 and is stopped, and the temporary directory removed, on exit. Needs root
# (apt-get for tftpd-hpa; binding 127.x.y.z source addresses needs nothing).
#   bench/tftp-storm.sh [MACHINES] [RUNS]
#   PROVISIOND_BIN_DIR=DIR bench/tftp-storm.sh    binaries already built (skips swift build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
machines=${1:-200}
runs=${2:-3}
started=$SECONDS
script=tftp-storm.sh
# shellcheck source=bench/lib.sh
source bench/lib.sh
sudo=""
[[ $(id -u) -eq 0 ]] || sudo=sudo

export PATH="$PATH:/usr/sbin:/sbin"
missing=()
command -v in.tftpd >/dev/null || missing+=(tftpd-hpa)
command -v python3 >/dev/null || missing+=(python3)
[[ -e /usr/lib/ipxe/ipxe.efi && -e /usr/lib/ipxe/undionly.kpxe ]] || missing+=(ipxe)
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
  # The package starts a system tftpd-hpa on port 69: the benchmark runs its own instance.
  if [[ " ${missing[*]} " == *" tftpd-hpa "* ]]; then
    holder=$(ss -Hlunp 'sport = :69' 2>/dev/null | grep -o '"in.tftpd",pid=[0-9]*' | head -n 1 | cut -d= -f2 || true)
    [[ $holder ]] && { log "stopping the tftpd-hpa the install started (pid $holder)"; $sudo kill "$holder" || true; }
  fi
fi
release_binaries
bin=$PROVISIOND_BIN_DIR

tmp=$(mktemp -d /tmp/provisiond-tftp-storm.XXXXXX)
pids=()
cleanup() {
  set +e
  trap '' INT TERM HUP
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Every server serves the same bytes from the same directory.
mkdir -p "$tmp/tftp" "$tmp/data"
cp -L /usr/lib/ipxe/undionly.kpxe /usr/lib/ipxe/ipxe.efi "$tmp/tftp/"
files=(--file "undionly.kpxe=$tmp/tftp/undionly.kpxe" --file "ipxe.efi=$tmp/tftp/ipxe.efi")
free_udp_port() { python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

declare -A port=() pid_of=() note=()
servers=()
start_server() { # name port pid
  local i
  for i in $(seq 100); do
    if python3 bench/tftp_swarm.py --port "$2" --clients 1 "${files[@]:0:2}" >/dev/null 2>&1; then
      servers+=("$1"); port[$1]=$2; pid_of[$1]=$3
      return
    fi
    alive "$3" || break
    sleep 0.1
  done
  log "$1 did not answer on 127.0.0.1:$2: left out"
  note[$1]="did not start: $(tail -n 2 "$tmp/$1.log" 2>/dev/null | tr '\n' ' ')"
}

p=$(free_udp_port)
log "starting provisiond on 127.0.0.1:$p"
"$bin/provisiond" --dhcp-mode off --data-dir "$tmp/data" --http-listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  --tftp-listen "127.0.0.1:$p" --tftp-root "$tmp/tftp" --ipxe-dir "$tmp/tftp" --tftp-transfers $((machines + 64)) \
  --log-level warn 2>"$tmp/provisiond.log" &
pids+=($!)
start_server provisiond "$p" $!
[[ ${port[provisiond]:-} ]] || { cat "$tmp/provisiond.log" >&2; exit 1; }
note[provisiond]="this tree's release build; --tftp-transfers $((machines + 64))"

p=$(free_udp_port)
log "starting tftpd-hpa on 127.0.0.1:$p"
in.tftpd -4 -L -u root -s "$tmp/tftp" -a "127.0.0.1:$p" 2>"$tmp/tftpd-hpa.log" &
pids+=($!)
start_server tftpd-hpa "$p" $!
note[tftpd-hpa]="tftp-hpa $(dpkg-query -W -f='${Version}' tftpd-hpa 2>/dev/null); a process per transfer"

atftpd=$(unpack_atftpd "$tmp/atftpd")
if [[ $atftpd ]]; then
  p=$(free_udp_port)
  log "starting atftpd on 127.0.0.1:$p"
  "$atftpd" --daemon --no-fork --port "$p" --bind-address 127.0.0.1 --user root --group root \
    --maxthread $((machines + 64)) --logfile "$tmp/atftpd.log" "$tmp/tftp" 2>>"$tmp/atftpd.log" &
  pids+=($!)
  start_server atftpd "$p" $!
  note[atftpd]="$("$atftpd" --version 2>&1 | head -n 1); a thread per transfer, --maxthread $((machines + 64))"
else
  note[atftpd]="NOT RUN: could not download or run the Debian package (apt-get download atftpd)"
fi

# --- the storm ---------------------------------------------------------------------------------
declare -A results=()
log "storm: $machines machines at once, ${#servers[@]} servers × $runs rounds, interleaved"
before=$(cpu_snapshot)
for run in $(seq "$runs"); do
  for name in "${servers[@]}"; do
    out=$(python3 bench/tftp_swarm.py --port "${port[$name]}" --clients "$machines" --workers 2 "${files[@]}" \
      --watch "${pid_of[$name]}" || true)
    [[ $out ]] || out='{"failed": -1}'
    results[$name|$run]=$out
    log "  run $run  $(printf '%-10s' "$name") $out"
  done
done
others=$(others_percent "$before" "$(cpu_snapshot)")

# --- the table ---------------------------------------------------------------------------------
field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$1" "$2"; }
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{v[NR] = $1} END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maximum() { tr ' ' '\n' | awk 'NF' | sort -g | tail -n 1; }
sum() { tr ' ' '\n' | awk '{ s += $1 } END { print s + 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
column() { # server field → its values over the runs
  local run; for run in $(seq "$runs"); do field "${results[$1|$run]}" "$2"; done | tr '\n' ' '
}
mkdir -p bench/results
result="bench/results/tftp-storm-$(date -u +%Y-%m-%dT%H%M%SZ).txt"
{
  echo "# TFTP storm: $machines machines at once (undionly.kpxe $(stat -c %s "$tmp/tftp/undionly.kpxe") B and ipxe.efi $(stat -c %s "$tmp/tftp/ipxe.efi") B, half each), lock-step blksize 1468, loopback, $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'), $runs rounds (median)"
  echo "other processes took ${others}% of the CPUs during the storm$( ((others >= 5)) && echo ' — WARNING: 5 % or more, the figures are noisy; run again on a quiet machine')"
  printf '%-11s %8s %8s %11s %8s %8s %6s %9s %9s %9s %8s %s\n' server "wall s" failed retransmit "cpu s" threads procs "peak RSS" "peak PSS" "idle RSS" ratio "walls (every round)"
  prov_wall=$(column provisiond wall_s | median)
  for name in "${servers[@]}"; do
    wall=$(column "$name" wall_s | median)
    r="-"; [[ $name == provisiond ]] || r=$(ratio "$wall" "$prov_wall")
    printf '%-11s %8s %8s %11s %8s %8s %6s %6s MB %6s MB %6s MB %8s %s\n' "$name" "$wall" "$(column "$name" failed | sum)" \
      "$(column "$name" retransmits | sum)" "$(column "$name" server_cpu_s | median)" "$(column "$name" peak_threads | maximum)" \
      "$(column "$name" peak_processes | maximum)" "$(( $(column "$name" peak_rss_kib | maximum) / 1024 ))" \
      "$(( $(column "$name" peak_pss_kib | maximum) / 1024 ))" \
      "$(( $(column "$name" idle_rss_kib | maximum) / 1024 ))" "$r" "$(column "$name" wall_s | tr ' ' '/' | sed 's,/$,,')"
  done
  echo "failed and retransmit: summed over all rounds; cpu s: median; threads, procs, RSS, PSS: the maximum of any round, summed over the process tree (summed RSS counts the pages forked children share once per child; PSS shares them out)"
  echo
  echo "## notes"
  for name in provisiond tftpd-hpa atftpd; do echo "$name: ${note[$name]:-}"; done
  echo "client: bench/tftp_swarm.py, 2 worker processes sharing the cores with the servers"
  echo "total run time $((SECONDS - started)) s"
} | tee "$result"
echo "saved to $result" >&2
