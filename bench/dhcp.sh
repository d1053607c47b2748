#!/usr/bin/env bash
# DHCP benchmark: provisiond's full-mode DHCP server against dnsmasq and kea-dhcp4 (twice: with its
# memfile, and with its PostgreSQL lease backend), in one run, measured with perfdhcp (Debian
# kea-admin) over one veth pair between two network namespaces this script makes (and deletes on
# exit). Nothing is sent anywhere else.
#   1. A ladder of offered rates (perfdhcp -r, default 1000 5000 10000 15000 20000 40000 DORA/s), STEP
#      seconds each: achieved 4-way exchanges/s, drops, delays. A server's best step is its
#      maximum. Servers take turns at each step, so drift on the machine hits them alike.
#   2. One light, fixed rate (FIXED_RATE, default 300/s, for FIXED_SECONDS, default 10): latency
#      with little queueing (dnsmasq, held near 420/s by its lease file, drops a few % even there).
# Every run gets a fresh server (empty lease store), the same pool (10.77.1.0-10.77.255.254 in
# 10.77.0.0/16, 65,279 addresses), the same options (router, DNS, 3600 s leases), the same
# 60,000 simulated clients (perfdhcp -R, more than any run completes) and the same seed. The
# server is pinned to CPU 0 and perfdhcp (single-threaded) to CPU 1 when there are two.
# perfdhcp reports min/avg/max delay only; p50/p99 come from its per-packet timestamps (-x t),
# nearest rank over every answered packet. Each lease store is on the same disk (/tmp):
# provisiond commits every ACKed lease to SQLite (WAL, synchronous=FULL) before answering;
# dnsmasq rewrites its whole lease file and fsyncs it; kea appends to its memfile CSV (persist
# true, no fsync); kea-pgsql stores each lease in PostgreSQL (a cluster this script makes on /tmp,
# unix socket only, fsync and synchronous_commit on, as shipped: a lease is on disk before its
# ACK, as provisiond's), kea and PostgreSQL both on CPU 0, and both counted as the server's CPU. Before each run it waits (up to 10 s) for the CPUs to be idle, then records
# how much CPU other processes took during the run and how long a synchronous write takes on
# /tmp. Prints a table and saves it to bench/results/dhcp-DATE.txt. Takes about 2.5 minutes
# (plus the build) for the three servers, 3.5 with kea-pgsql. Needs root (namespaces, port 67). Every server is stopped, the namespaces
# and the temporary directory are removed on exit.
#   bench/dhcp.sh [STEP_SECONDS] [FIXED_RATE] [FIXED_SECONDS]      defaults 5, 300, 10
#   DHCP_RATES="1000 5000" bench/dhcp.sh          another ladder
#   DHCP_SERVERS="provisiond kea-pgsql" bench/dhcp.sh   some of the servers (provisiond first)
#   PROVISIOND_BIN_DIR=DIR bench/dhcp.sh          binaries already built (skips swift build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step_seconds=${1:-5}
fixed_rate=${2:-300}
fixed_seconds=${3:-10}
read -r -a rates <<<"${DHCP_RATES:-1000 5000 10000 15000 20000 40000}"
clients=60000
seed=7
pool_first=10.77.1.0
pool_last=10.77.255.254
started=$SECONDS

script=dhcp.sh
# shellcheck source=bench/lib.sh
source bench/lib.sh
failed() { # line command
  echo "dhcp.sh: failed at line $1: $2" >&2
  return 0
}
trap 'failed "$LINENO" "$BASH_COMMAND"' ERR
[[ $(id -u) -eq 0 ]] || { echo "dhcp.sh: needs root (network namespaces, DHCP port 67)" >&2; exit 1; }
export PATH="$PATH:/usr/sbin:/sbin"

# --- packages ------------------------------------------------------------------------------
# command → Debian package
declare -A package_of=([perfdhcp]=kea-admin [kea-dhcp4]=kea-dhcp4-server [dnsmasq]=dnsmasq-base [ip]=iproute2
  [taskset]=util-linux [sqlite3]=sqlite3 [psql]=postgresql-client)
# The PostgreSQL server for kea-pgsql (its programs are not on PATH).
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
missing=()
for command in "${!package_of[@]}"; do
  command -v "$command" >/dev/null || missing+=("${package_of[$command]}")
done
[[ -x $pg_bin/postgres ]] || missing+=(postgresql)
installed_kea=no
installed_postgresql=no
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  [[ " ${missing[*]} " == *" kea-dhcp4-server "* ]] && installed_kea=yes
  [[ " ${missing[*]} " == *" postgresql "* ]] && installed_postgresql=yes
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
# kea-dhcp4-server's Debian service listens on every interface: when this script installed the
# package, the service is stopped (in case the install started it) and disabled. A kea-dhcp4
# or dnsmasq this script did not start is only reported, below.
if [[ $installed_kea == yes ]]; then
  log "stopping and disabling the kea-dhcp4-server service the install set up"
  if [[ -d /run/systemd/system ]]; then
    systemctl disable --now kea-dhcp4-server.service >/dev/null 2>&1 || true
  else
    invoke-rc.d kea-dhcp4-server stop >/dev/null 2>&1 || true
    command -v systemctl >/dev/null && systemctl disable kea-dhcp4-server.service >/dev/null 2>&1 || true
    update-rc.d kea-dhcp4-server disable >/dev/null 2>&1 || true
  fi
fi
# Likewise Debian's postgresql service, which starts a cluster on localhost:5432; this script
# runs a cluster of its own.
if [[ $installed_postgresql == yes ]]; then
  log "stopping and disabling the postgresql service the install set up"
  if [[ -d /run/systemd/system ]]; then
    systemctl disable --now postgresql.service >/dev/null 2>&1 || true
  else
    invoke-rc.d postgresql stop >/dev/null 2>&1 || true
    update-rc.d postgresql disable >/dev/null 2>&1 || true
  fi
fi
root_netns=$(readlink /proc/self/ns/net)
# kea-dhcp4 and dnsmasq processes in this (the host's) network namespace.
host_dhcp_servers() {
  local pid
  for pid in $(pgrep -x kea-dhcp4 || true) $(pgrep -x dnsmasq || true); do
    [[ $(readlink "/proc/$pid/ns/net" 2>/dev/null) == "$root_netns" ]] && printf '%s(pid %s) ' "$(cat "/proc/$pid/comm" 2>/dev/null)" "$pid"
  done
  return 0
}
host_before=$(host_dhcp_servers)
[[ $host_before ]] && log "note: already running in the host's namespace, not started by this script: $host_before"

bin_note="release build of this tree at $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- Sources 2>/dev/null || echo ' with uncommitted changes in Sources')"
[[ -n ${PROVISIOND_BIN_DIR:-} ]] && bin_note="binaries from PROVISIOND_BIN_DIR=$PROVISIOND_BIN_DIR"
release_binaries
bin=$PROVISIOND_BIN_DIR

# --- namespaces, processes, cleanup ---------------------------------------------------------
prefix=pvdhcp
srv_ns="$prefix-srv-$$"; cli_ns="$prefix-cli-$$"
srv_if="pvdh-s$$"; cli_if="pvdh-c$$"   # at most 15 characters
# Stale namespaces and links of this prefix whose run (the PID suffix) is gone: their leftover
# processes (servers of that run) are stopped by PID, then the namespaces are deleted.
for ns in $(ip netns list | awk '{print $1}' | grep -E "^$prefix-(srv|cli)-[0-9]+$" || true); do
  owner=${ns##*-}
  if ! kill -0 "$owner" 2>/dev/null; then
    log "removing stale namespace $ns"
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  fi
done
for link in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^pvdh-[sc][0-9]+$' || true); do
  kill -0 "${link#pvdh-?}" 2>/dev/null || { log "removing stale link $link"; ip link del "$link" 2>/dev/null || true; }
done

tmp=$(mktemp -d /tmp/provisiond-dhcp-bench.XXXXXX)
# kea-pgsql's PostgreSQL cluster: a folder of its own, owned by the postgres user (initdb and the
# server refuse to run as root), its unix socket there and no TCP listener.
pg_dir=$(mktemp -d /tmp/provisiond-dhcp-bench-pg.XXXXXX)
chown postgres: "$pg_dir"
pg_started=no
server_pid=""; client_pid=""
cleanup() {
  # Runs to the end whatever fails or arrives meanwhile.
  set +e
  trap '' INT TERM HUP
  trap - ERR
  stop_pid "$client_pid"
  stop_pid "$server_pid"
  [[ $pg_started == yes ]] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$pg_dir"
  remove_namespaces "$srv_if" "$srv_ns" "$cli_ns"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

log "namespaces $srv_ns ($srv_if 10.77.0.1/16) and $cli_ns ($cli_if 10.77.0.2/16)"
ip netns add "$srv_ns"
ip netns add "$cli_ns"
ip link add "$srv_if" type veth peer name "$cli_if"
ip link set "$srv_if" netns "$srv_ns"
ip link set "$cli_if" netns "$cli_ns"
# perfdhcp acts as a relay: it sends from port 67 with giaddr = its own address, so the client
# side needs an address in the served subnet; the servers answer the relay (10.77.0.2:67).
ip -n "$srv_ns" addr add 10.77.0.1/16 dev "$srv_if"
ip -n "$cli_ns" addr add 10.77.0.2/16 dev "$cli_if"
for ns in "$srv_ns" "$cli_ns"; do ip -n "$ns" link set lo up; done
ip -n "$srv_ns" link set "$srv_if" up
ip -n "$cli_ns" link set "$cli_if" up

server_cpu=(); client_cpu=()
if (($(nproc) >= 2)); then server_cpu=(taskset -c 0); client_cpu=(taskset -c 1); fi

# --- servers: start_NAME DIR starts one fresh instance in the server namespace -----------------
cat >"$tmp/provisiond.json" <<EOF
{"dhcp": {"mode": "full", "interface": "$srv_if",
  "subnets": [{"cidr": "10.77.0.0/16", "range": ["$pool_first", "$pool_last"], "router": "10.77.0.1",
               "dns": ["10.77.0.1"], "leaseSeconds": 3600}]}}
EOF
start_provisiond() {
  # An empty profiles folder: the tree's ./profiles is no business of this benchmark.
  mkdir -p "$1/data" "$1/profiles"
  "${server_cpu[@]}" ip netns exec "$srv_ns" "$bin/provisiond" --config "$tmp/provisiond.json" --data-dir "$1/data" \
    --profiles-dir "$1/profiles" \
    --http-listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --tftp-listen off --dhcp-mode full --interface "$srv_if" \
    --log-level warn 2>"$1/server.log" &
  server_pid=$!
}
start_dnsmasq() {
  # --no-ping: dnsmasq's default ICMP check of every new address (up to 3 s each) would make this
  # a benchmark of the ping; kea and provisiond do not ping. --quiet-dhcp: no log line per packet
  # (provisiond at warn and kea at WARN write none either).
  "${server_cpu[@]}" ip netns exec "$srv_ns" dnsmasq --conf-file=/dev/null --keep-in-foreground --port=0 \
    --interface="$srv_if" --bind-interfaces --dhcp-range="$pool_first,$pool_last,255.255.0.0,1h" \
    --dhcp-option=option:router,10.77.0.1 --dhcp-option=option:dns-server,10.77.0.1 \
    --dhcp-leasefile="$1/dnsmasq.leases" --dhcp-authoritative --dhcp-lease-max=65536 --no-ping --quiet-dhcp \
    --pid-file="$1/dnsmasq.pid" --log-facility="$1/server.log" --user=root --group=root 2>>"$1/server.log" &
  server_pid=$!
}
# kea-dhcp4 in DIR with the lease database given as JSON; everything else is the same for both.
run_kea() { # DIR LEASE_DATABASE_JSON
  cat >"$1/kea.json" <<EOF
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["$srv_if"]},
  "lease-database": $2,
  "valid-lifetime": 3600,
  "control-socket": {"socket-type": "unix", "socket-name": "$1/kea4.sock"},
  "subnet4": [{"id": 1, "subnet": "10.77.0.0/16", "pools": [{"pool": "$pool_first - $pool_last"}],
    "option-data": [{"name": "routers", "data": "10.77.0.1"}, {"name": "domain-name-servers", "data": "10.77.0.1"}]}],
  "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "$1/server.log"}], "severity": "WARN"}]
}}
EOF
  KEA_PIDFILE_DIR="$1" KEA_LOCKFILE_DIR="$1" "${server_cpu[@]}" ip netns exec "$srv_ns" kea-dhcp4 -c "$1/kea.json" \
    >"$1/stdout.log" 2>&1 &
  server_pid=$!
}
start_kea() {
  run_kea "$1" '{"type": "memfile", "persist": true, "name": "'"$1"'/kea-leases4.csv", "lfc-interval": 0}'
}
# Kea with its PostgreSQL lease backend: every lease an INSERT or UPDATE committed (fsynced) before
# the ACK leaves. Single-threaded, its 2.2 default: tried here with multi-threading (4 and 16
# threads, each with its connection), it peaked lower (~1,200 and ~1,100 DORA/s against ~1,400)
# with a worse tail (p99 13 and 96 ms at 1,000/s against 1). A fresh database per run, from
# Kea's own schema script.
start_kea-pgsql() {
  if [[ $pg_started == no ]]; then
    runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres >"$pg_dir/initdb.log" 2>&1
    "${server_cpu[@]}" runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
      -o "-c listen_addresses= -c unix_socket_directories=$pg_dir -c fsync=on -c synchronous_commit=on" start >/dev/null
    pg_started=yes
  fi
  psql -h "$pg_dir" -U postgres -q -c "DROP DATABASE IF EXISTS kea" -c "CREATE DATABASE kea" >/dev/null 2>&1
  psql -h "$pg_dir" -U postgres -d kea -q -f /usr/share/kea/scripts/pgsql/dhcpdb_create.pgsql >/dev/null 2>&1
  run_kea "$1" '{"type": "postgresql", "name": "kea", "host": "'"$pg_dir"'", "user": "postgres"}'
}
read -r -a servers <<<"${DHCP_SERVERS:-provisiond kea kea-pgsql dnsmasq}"
[[ ${servers[0]} == provisiond ]] || { echo "dhcp.sh: DHCP_SERVERS must start with provisiond (the ratios are against it)" >&2; exit 1; }
declare -A version=(
  [provisiond]="$bin_note"
  [kea]="kea-dhcp4 $(kea-dhcp4 -v 2>/dev/null | head -n 1)"
  [kea-pgsql]="kea-dhcp4 $(kea-dhcp4 -v 2>/dev/null | head -n 1), $("$pg_bin/postgres" --version)"
  [dnsmasq]="$(dnsmasq --version | head -n 1 | cut -d' ' -f1-3)")

# Ready when one client outside the test's MACs gets through DISCOVER-OFFER-REQUEST-ACK (perfdhcp
# -n without -W exits before the answers come), within about 5 s.
ready() {
  local pid=$1 out=$2
  for _ in $(seq 10); do
    alive "$pid" || return 1
    timeout 3 "${client_cpu[@]}" ip netns exec "$cli_ns" perfdhcp -4 -l "$cli_if" -r 20 -n 2 -R 1 -b mac=02:00:5e:00:00:01 \
      -W 200000 >"$out" 2>&1 || true
    [[ $(awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /^received packets:/ { print $3; exit }' "$out") -ge 1 ]] 2>/dev/null && return 0
    sleep 0.3
  done
  return 1
}
hz=$(getconf CLK_TCK)
# CPU seconds a process has used (utime + stime).
cpu_seconds() { awk -v hz="$hz" '{ sub(/^[^)]*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# CPU seconds of a server: the process, and for kea-pgsql the PostgreSQL cluster's processes too
# (the postmaster and its children: the backend serving kea among them).
server_cpu_seconds() { # name pid
  local pids=("$2") postmaster
  if [[ $1 == kea-pgsql ]] && postmaster=$(head -n 1 "$pg_dir/data/postmaster.pid" 2>/dev/null); then
    pids+=("$postmaster" $(pgrep -P "$postmaster" || true))
  fi
  local pid total=0
  for pid in "${pids[@]}"; do total=$(awk -v a="$total" -v b="$(cpu_seconds "$pid")" 'BEGIN { printf "%.2f", a + b }'); done
  echo "$total"
}
# CPU seconds of this shell's waited-for children (perfdhcp among them), from `times`, which must
# run in this shell (in a $(...) subshell it would count the subshell's children).
children_seconds() { # → variable children
  times >"$tmp/times"
  children=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, p, "m"); t += p[1] * 60 + p[2] } printf "%.2f", t }' "$tmp/times")
}
# busy (user + nice + system) and total clock ticks of all CPUs
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
# Waits (at most $1 s) until other work keeps the CPUs under 10% busy for half a second.
wait_idle() {
  local until=$((SECONDS + $1)) a_busy a_total b_busy b_total
  while :; do
    read -r a_busy a_total < <(cpu_busy); sleep 0.5; read -r b_busy b_total < <(cpu_busy)
    (( (b_busy - a_busy) * 10 < (b_total - a_total) )) && return 0
    ((SECONDS < until)) || return 0
  done
}

# How long one synchronous 4 KiB write takes on /tmp right now (dd oflag=dsync, 200 writes), in µs:
# provisiond and dnsmasq wait for one per ACK, so a busy disk slows them and not kea.
fsync_probe() {
  dd if=/dev/zero of="$tmp/fsync-probe" bs=4k count=200 oflag=dsync 2>&1 \
    | awk '/copied/ { for (i = 1; i <= NF; i++) if ($i ~ /^s,?$/) { printf "%.0f", $(i - 1) / 200 * 1e6; exit } }'
  rm -f "$tmp/fsync-probe"
}

# Pulls the figures out of one perfdhcp report into key=value lines.
parse_report() { # report → stdout
  awk '
    /^Rate:/ { print "rate=" $2 }
    /^\*\*\*Statistics for: DISCOVER-OFFER/ { s = "do" }
    /^\*\*\*Statistics for: REQUEST-ACK/ { s = "ra" }
    /^\*\*\*Timestamps/ { s = "" }
    s != "" && /^sent packets:/ { print s "_sent=" $3 }
    s != "" && /^received packets:/ { print s "_recv=" $3 }
    s != "" && /^drops:/ { print s "_drops=" $2 }
    s != "" && /^orphans:/ { print s "_orphans=" $2 }
    s != "" && /^rejected leases:/ { print s "_rejected=" $3 }
    s != "" && /^min delay:/ { print s "_min=" $3 }
    s != "" && /^avg delay: [0-9]/ { print s "_avg=" $3 }
    s != "" && /^max delay:/ { print s "_max=" $3 }
  ' "$1"
  # Per-packet delays from -x t ("sent / received: S / R", seconds from perfdhcp's start).
  local kind key
  for kind in DISCOVER-OFFER REQUEST-ACK; do
    key=do; [[ $kind == REQUEST-ACK ]] && key=ra
    awk -v k="$kind" '
      /^\*\*\*Timestamps for packets: / { on = index($0, k) > 0; next }
      /^\*\*\*/ { on = 0 }
      on && /^sent \/ received:/ { d = ($6 - $4) * 1000; if (d < 0) d += 1e9; print d }
    ' "$1" | sort -g | awk -v k="$key" '
      { v[NR] = $1 }
      END {
        if (NR == 0) exit
        n50 = int(0.5 * NR); if (n50 < 0.5 * NR) n50++
        n99 = int(0.99 * NR); if (n99 < 0.99 * NR) n99++
        printf "%s_n=%d\n%s_p50=%.3f\n%s_p99=%.3f\n", k, NR, k, v[n50], k, v[n99]
      }'
  done
}

declare -A result=()   # "name|label|key" → value
run_counter=0
bench() { # name label rate seconds
  local name=$1 label=$2 rate=$3 seconds=$4
  run_counter=$((run_counter + 1))
  local dir="$tmp/run-$run_counter-$name"
  mkdir -p "$dir"
  wait_idle 10
  result[$name|$label|fsync]=$(fsync_probe)
  "start_$name" "$dir"
  local pid=$server_pid
  if ! ready "$pid" "$dir/ready.out"; then
    result[$name|$label|error]="did not answer ($(cat "$dir/server.log" "$dir/stdout.log" 2>/dev/null | tail -n 3 | tr '\n' ' ' | cut -c1-200 || true))"
    stop_pid "$pid"; server_pid=""
    log "  $(printf '%-10s %-12s' "$name" "$label") FAILED: ${result[$name|$label|error]}"
    return 0
  fi
  local cpu_before status=0 children_before busy_a total_a busy_b total_b
  cpu_before=$(server_cpu_seconds "$name" "$pid")
  children_seconds; children_before=$children
  read -r busy_a total_a < <(cpu_busy)
  # -g single: on one core perfdhcp keeps up a higher rate than with its receiver thread. No -W:
  # its Rate would count the wait as test time; exchanges still in flight at the end (a few ms
  # worth) count as drops.
  "${client_cpu[@]}" ip netns exec "$cli_ns" perfdhcp -4 -l "$cli_if" -g single -r "$rate" -R "$clients" -s "$seed" \
    -p "$seconds" -d 1 -x t >"$dir/perfdhcp.out" 2>&1 &
  client_pid=$!
  wait "$client_pid" || status=$?
  client_pid=""
  local cpu_after; cpu_after=$(server_cpu_seconds "$name" "$pid")
  read -r busy_b total_b < <(cpu_busy)
  children_seconds
  # Other work during the run: busy CPU time (all CPUs) less the server's and perfdhcp's, as a
  # share of all the CPUs' time. Packet work in softirq is not counted as busy.
  result[$name|$label|other]=$(awk -v b=$((busy_b - busy_a)) -v t=$((total_b - total_a)) -v s="$cpu_after" -v s0="$cpu_before" \
    -v c="$children" -v c0="$children_before" -v hz="$hz" \
    'BEGIN { o = b / hz - (s - s0) - (c - c0); if (o < 0) o = 0; printf "%.0f", t ? 100 * o / (t / hz) : 0 }')
  alive "$pid" || result[$name|$label|error]="server EXITED during the run"
  stop_pid "$pid"; server_pid=""
  # perfdhcp: 0 all answered, 3 some exchanges not completed; anything else is a failure.
  if ((status != 0 && status != 3)); then
    result[$name|$label|error]="perfdhcp exit $status: $(grep -i error "$dir/perfdhcp.out" | head -n 1)"
  fi
  local key value
  while IFS='=' read -r key value; do result[$name|$label|$key]=$value; done < <(parse_report "$dir/perfdhcp.out")
  result[$name|$label|cpu]=$(awk -v a="$cpu_before" -v b="$cpu_after" -v s="$seconds" 'BEGIN { printf "%.0f", 100 * (b - a) / s }')
  result[$name|$label|offered]=$rate
  result[$name|$label|seconds]=$seconds
  # Warnings and errors the server wrote (provisiond: stderr at warn; kea: its WARN log).
  grep -v -E 'DHCP4_MULTI_THREADING_INFO|started, version|compile time options|DHCP, IP range|sockets bound exclusively|exiting on receipt' \
    "$dir/server.log" 2>/dev/null | sed "s/^/[$name $label] /" >>"$tmp/server-warnings.log" || true
  # provisiond's lease store after the run: one bound lease per client and address, all in the pool.
  if [[ $name == provisiond && -s $dir/data/provision.db ]]; then
    result[$name|$label|leases]=$(sqlite3 "$dir/data/provision.db" "
      SELECT count(*) || ' bound, ' || count(DISTINCT mac) || ' clients, ' || count(DISTINCT ip) || ' addresses, '
        || sum(ip NOT LIKE '10.77.%' OR ip LIKE '10.77.0.%' OR ip = '10.77.255.255') || ' outside the pool'
      FROM leases WHERE state = 'bound'" 2>&1)
  fi
  case $name in
    dnsmasq) result[$name|$label|leases]="$(wc -l <"$dir/dnsmasq.leases" 2>/dev/null || echo 0) in the lease file" ;;
    kea) result[$name|$label|leases]="$(($(wc -l <"$dir/kea-leases4.csv" 2>/dev/null || echo 1) - 1)) rows in the memfile CSV" ;;
    kea-pgsql) result[$name|$label|leases]="$(psql -h "$pg_dir" -U postgres -d kea -tA -c "SELECT count(*) FROM lease4" 2>&1) rows in lease4" ;;
  esac
  log "  $(printf '%-10s %-12s' "$name" "$label") ${result[$name|$label|rate]:-?} DORA/s, DISCOVER sent ${result[$name|$label|do_sent]:-?}, OFFER ${result[$name|$label|do_recv]:-?}, ACK ${result[$name|$label|ra_recv]:-?}, R-A p99 ${result[$name|$label|ra_p99]:-?} ms, server CPU ${result[$name|$label|cpu]}%${result[$name|$label|error]:+, ${result[$name|$label|error]}}"
  rm -f "$dir/perfdhcp.out"
}

# Other work on the machine skews every number: wait up to 30 s for the CPUs to be under 10% busy.
waited=$SECONDS
for attempt in $(seq 30); do
  read -r busy_a total_a < <(cpu_busy); sleep 1; read -r busy_b total_b < <(cpu_busy)
  background=$(awk -v b=$((busy_b - busy_a)) -v t=$((total_b - total_a)) 'BEGIN { printf "%.0f", t ? 100 * b / t : 0 }')
  ((background < 10)) && break
  ((attempt == 1)) && log "other processes keep the CPUs ${background}% busy: waiting up to 30 s for them"
  ((SECONDS - waited < 30)) || break
done

log "ladder: ${rates[*]} DORA/s offered, ${step_seconds} s each, $clients clients, servers in turn"
for rate in "${rates[@]}"; do
  for name in "${servers[@]}"; do bench "$name" "r$rate" "$rate" "$step_seconds"; done
done
log "fixed rate: $fixed_rate DORA/s for ${fixed_seconds} s"
for name in "${servers[@]}"; do bench "$name" fixed "$fixed_rate" "$fixed_seconds"; done

# --- the table -------------------------------------------------------------------------------
pct() { awk -v d="$1" -v s="$2" 'BEGIN { if (s == "" || s == 0) print "-"; else printf "%.1f", 100 * d / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
num() { awk -v v="$1" 'BEGIN { if (v == "") print "-"; else printf "%.0f", v }'; }
ms() { awk -v v="$1" 'BEGIN { if (v == "") print "-"; else if (v < 10) printf "%.2f", v; else printf "%.1f", v }'; }
# A server's maximum: its best achieved rate on the ladder.
declare -A best=()
for name in "${servers[@]}"; do
  top=""
  for rate in "${rates[@]}"; do
    r=${result[$name|r$rate|rate]:-}
    [[ $r && -z ${result[$name|r$rate|error]:-} ]] || continue
    if [[ -z $top ]] || awk -v a="$r" -v b="${result[$name|$top|rate]}" 'BEGIN { exit !(a > b) }'; then top="r$rate"; fi
  done
  best[$name]=$top
done
row() { # name label
  local k="$1|$2"
  printf '%-11s %8s %8s %9s %9s %8s %8s %8s %8s %8s %8s %5s %6s %8s' "$1" "$(num "${result[$k|offered]:-}")" "$(num "${result[$k|rate]:-}")" \
    "$(pct "${result[$k|do_drops]:-}" "${result[$k|do_sent]:-}")" "$(pct "${result[$k|ra_drops]:-}" "${result[$k|ra_sent]:-}")" \
    "$(ms "${result[$k|do_avg]:-}")" "$(ms "${result[$k|do_p99]:-}")" "$(ms "${result[$k|ra_avg]:-}")" "$(ms "${result[$k|ra_p99]:-}")" \
    "$(ms "${result[$k|ra_max]:-}")" "$(num "$(awk -v s="${result[$k|do_sent]:-}" -v t="${result[$k|seconds]:-}" 'BEGIN { if (t) print s / t }')")" \
    "${result[$k|cpu]:-}" "${result[$k|other]:--}" "${result[$k|fsync]:--}"
}
header=$(printf '%-11s %8s %8s %9s %9s %8s %8s %8s %8s %8s %8s %5s %6s %8s' server offered "DORA/s" "D-O drop%" "R-A drop%" "D-O avg" "D-O p99" "R-A avg" "R-A p99" "R-A max" "sent/s" "CPU%" "other%" "fsync µs")
mkdir -p bench/results
result_file="bench/results/dhcp-$(date -u +%Y-%m-%dT%H%M%SZ).txt"
peers=("${servers[@]:1}")
goal_misses=""
{
  echo "# provisiond DHCP (full mode) vs ${servers[*]:1}: perfdhcp over a veth pair between two namespaces, $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "# pool $pool_first-$pool_last (10.77.0.0/16), 3600 s leases, $clients simulated clients (perfdhcp -R, seed $seed), perfdhcp relays (giaddr 10.77.0.2)"
  echo "# server on CPU 0, perfdhcp -g single on CPU 1; a fresh server and lease store per run, on /tmp ($(df -T /tmp | awk 'NR == 2 {print $2}'))"
  echo
  echo "## maximum: each server's best step of the ladder; ratio = provisiond / peer (above 1: provisiond ahead)"
  printf '%-11s %12s %9s %17s %16s %16s %5s %6s %11s\n' server "best DORA/s" "offered" "drops D-O/R-A %" "R-A avg/p99 ms" "D-O avg/p99 ms" "CPU%" "other%" "prov/peer"
  client_bound=""
  for name in "${servers[@]}"; do
    k="$name|${best[$name]:-none}"
    # ">=": perfdhcp sent under 95% of the offered rate at that step, so the client was the limit.
    floor=""
    if awk -v s="${result[$k|do_sent]:-0}" -v t="${result[$k|seconds]:-0}" -v o="${result[$k|offered]:-0}" 'BEGIN { exit !(t > 0 && s / t < 0.95 * o) }'; then
      floor=">="; client_bound+="$name "
    fi
    r="-"; [[ $name == provisiond ]] || r=$(ratio "${result[provisiond|${best[provisiond]:-none}|rate]:-}" "${result[$k|rate]:-}")
    [[ $name == provisiond || -z $floor ]] || r="<=$r"
    [[ $name == provisiond ]] || { [[ $r != - ]] && awk -v r="${r#<=}" 'BEGIN { exit !(r >= 1) }'; } || goal_misses+="$name $r; "
    printf '%-11s %12s %9s %17s %16s %16s %5s %6s %11s\n' "$name" "$floor$(num "${result[$k|rate]:-}")" "$(num "${result[$k|offered]:-}")" \
      "$(pct "${result[$k|do_drops]:-}" "${result[$k|do_sent]:-}")/$(pct "${result[$k|ra_drops]:-}" "${result[$k|ra_sent]:-}")" \
      "$(ms "${result[$k|ra_avg]:-}")/$(ms "${result[$k|ra_p99]:-}")" "$(ms "${result[$k|do_avg]:-}")/$(ms "${result[$k|do_p99]:-}")" \
      "${result[$k|cpu]:--}" "${result[$k|other]:--}" "$r"
  done
  [[ $client_bound ]] && echo ">= : perfdhcp (one core) could not send the offered rate at that step: ${client_bound}may go faster than shown"
  top_rate=${rates[${#rates[@]} - 1]}
  overload=""
  for name in "${servers[@]}"; do
    overload+="$name $(num "${result[$name|r$top_rate|rate]:-}") ($(ratio "${result[$name|r$top_rate|rate]:-}" "${result[$name|${best[$name]:-none}|rate]:-}") of its best); "
  done
  echo "at the highest offered rate ($top_rate/s): $overload"
  echo "goal (provisiond at least the best of them): ${goal_misses:+NOT met: }${goal_misses:-met}"
  echo
  echo "## fixed rate $fixed_rate DORA/s for ${fixed_seconds} s: delays in ms; p99 ratio = provisiond / peer (below 1: provisiond answers faster)"
  echo "$header  p99 R-A prov/peer"
  for name in "${servers[@]}"; do
    r="-"; [[ $name == provisiond ]] || r=$(ratio "${result[provisiond|fixed|ra_p99]:-}" "${result[$name|fixed|ra_p99]:-}")
    echo "$(row "$name" fixed)  $r"
  done
  echo
  echo "## tail: p99 REQUEST→ACK, provisiond / peer, at the fixed rate and at every step the peer sustained (95 % of the offered rate)"
  tail_misses=""
  for name in "${peers[@]}"; do
    line=""
    for label in fixed "${rates[@]/#/r}"; do
      [[ $label == fixed ]] || awk -v o="${label#r}" -v a="${result[$name|$label|rate]:-0}" 'BEGIN { exit !(a >= 0.95 * o) }' || continue
      r=$(ratio "${result[provisiond|$label|ra_p99]:-}" "${result[$name|$label|ra_p99]:-}")
      line+="$label $(ms "${result[provisiond|$label|ra_p99]:-}")/$(ms "${result[$name|$label|ra_p99]:-}") ms = $r; "
      [[ $r != - ]] && awk -v r="$r" 'BEGIN { exit !(r <= 2) }' || tail_misses+="$name $label $r; "
    done
    printf '%-11s %s\n' "$name" "${line:-no step}"
  done
  echo "goal (p99 at most 2x the peer's): ${tail_misses:+NOT met: }${tail_misses:-met}"
  echo
  echo "## ladder, ${step_seconds} s per step: every run"
  echo "$header"
  for rate in "${rates[@]}"; do
    for name in "${servers[@]}"; do echo "$(row "$name" "r$rate")"; done
  done
  echo "DORA/s: completed 4-way exchanges per second (perfdhcp's Rate); drop%: requests unanswered within 1 s (D-O: DISCOVER→OFFER,"
  echo "R-A: REQUEST→ACK); avg and max from perfdhcp, p99 (nearest rank) from its per-packet timestamps over every answered packet;"
  echo "sent/s: DISCOVERs perfdhcp really sent per second (below 'offered': the client is the limit); CPU%: the server's CPU time / run time;"
  echo "other%: CPU time of processes other than the server and perfdhcp during the run, in % of all $(nproc) CPUs (above 10: a noisy run);"
  echo "fsync µs: one synchronous 4 KiB write on /tmp just before the run (dd oflag=dsync), the disk's state for provisiond and dnsmasq"
  echo
  echo "## checks"
  for name in "${servers[@]}"; do
    for label in "${rates[@]/#/r}" fixed; do
      k="$name|$label"
      extra="orphans ${result[$k|do_orphans]:-?}/${result[$k|ra_orphans]:-?}, rejected leases ${result[$k|do_rejected]:-?}/${result[$k|ra_rejected]:-?}"
      echo "$(printf '%-11s %-7s' "$name" "$label") ${result[$k|error]:+ERROR ${result[$k|error]}; }$extra; leases after: ${result[$k|leases]:-?}"
    done
  done
  echo
  echo "## notes"
  for name in "${servers[@]}"; do echo "$name: ${version[$name]}"; done
  echo "provisiond commits every ACKed lease to SQLite (WAL, synchronous=FULL: an fsync per ACK) before answering; dnsmasq rewrites its"
  echo "whole lease file and fsyncs it on every change; kea appends each lease to its memfile CSV (persist true, no fsync), single-threaded"
  echo "(its default in 2.2); kea-pgsql commits each lease to PostgreSQL (fsync and synchronous_commit on) before its ACK, also single-"
  echo "threaded (faster here than with 4 or 16 threads), its CPU% that of kea-dhcp4 and the PostgreSQL processes together;"
  echo "dnsmasq runs with --no-ping (its default ping of every new address would dominate) and --quiet-dhcp."
  echo "server warnings and errors: $(cat "$tmp/server-warnings.log" 2>/dev/null | grep -c . || true) lines"
  [[ -s $tmp/server-warnings.log ]] && sed -E 's/^([^]]*\]) [0-9T:.-]+Z? ?/\1 /' "$tmp/server-warnings.log" | cut -c1-200 | sort | uniq -c | sort -rn | head -n 12 | sed 's/^/  /'
  noisy=""
  for key in "${!result[@]}"; do
    [[ $key == *"|other" ]] && ((${result[$key]} > 10)) && noisy+="${key%|other} ${result[$key]}%; "
  done
  echo "other work on the machine: ${background}% of the CPUs before the runs; runs where it took more than 10%: ${noisy:-none}"
  host_after=$(host_dhcp_servers)
  echo "kea-dhcp4/dnsmasq in the host's network namespace: before ${host_before:-none}; after ${host_after:-none}"
  echo "total run time $((SECONDS - started)) s"
} | tee "$result_file"
echo "saved to $result_file" >&2
