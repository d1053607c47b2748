#!/usr/bin/env bash
# Boot storm: N simulated machines power on at once and go the whole way, provisiond against the
# stateless floor (dnsmasq for DHCP + nginx serving the same files, a static boot script and a
# static user-data), in one run. Each machine (bench/storm_machines.py, one asyncio process):
#   relayed DHCP DORA as iPXE (option 77 "iPXE", 60 PXEClient, 93 BIOS, 97), through one of 4 relay
#   addresses (giaddr) into one of 4 subnets → GET the boot script from the ACK → GET the 1 MiB
#   kernel and the 4 MiB initrd it names → GET meta-data and user-data from the kernel line's seed
#   → POST the phone-home named in user-data.
# provisiond runs in full DHCP mode with the machines registered beforehand (through the admin
# API), so each one goes registered → booting → installing → installed → ready; its HTTP requests
# come from its leased address, so the origin check passes on the lease's evidence (metadataTrust
# address, the default). For provisiond "all ready" is the last `ready` event in its database; for
# the floor it is the last phone-home answered.
# Two network namespaces joined by a veth pair (made here, deleted on exit, with every process in
# them): the server's (10.80.0.1) and the machines' (10.80.0.2, relays 10.81.{0,4,8,12}.1, the
# machines' subnets 10.81.0.0/22 .. 10.81.12.0/22 routed to itself as local addresses). Nothing
# is sent anywhere else.
# Prints per N (median of ROUNDS, every round a fresh server and database): wall to all ready,
# per-phase p50/p99 (and each DHCP exchange's latency on the wire, from the kernel's receive
# timestamp of the reply, which the machines' busy process does not delay), DHCP retransmits and NAKs (after which a machine starts over), kernel drops
# (Udp RcvbufErrors of the server namespace and provisiond_dhcp_kernel_drops_total; and of the
# machines' namespace, where a dropped reply would look like a late server), TCP retransmits and DSACKs the servers got, server CPU
# seconds, idle and peak RSS, HTTP failures, ratios provisiond / floor; and the share of the CPUs
# other processes took during each round (busy time less the servers' and the machines' own),
# with a warning at 5 % or more. Saves it to bench/results/storm-DATE.txt. Needs root.
#   bench/storm.sh [COUNTS] [ROUNDS]          defaults "1000 3000", 3
#   PROVISIOND_BIN_DIR=DIR bench/storm.sh     binaries already built (skips swift build)
#   LOG_LEVEL=info bench/storm.sh             provisiond's log level (default warn, as dnsmasq
#                                             --quiet-dhcp and nginx without access log)
#   RETRANSMIT=4 bench/storm.sh               seconds before a machine sends a DHCP request again
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
read -r -a counts <<<"${1:-1000 3000}"
rounds=${2:-3}
log_level=${LOG_LEVEL:-warn}
retransmit=${RETRANSMIT:-4}
started=$SECONDS

script=storm.sh
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap 'echo "storm.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
[[ $(id -u) -eq 0 ]] || { echo "storm.sh: needs root (network namespaces, DHCP port 67)" >&2; exit 1; }
export PATH="$PATH:/usr/sbin:/sbin"
require_packages dnsmasq:dnsmasq-base nginx:nginx python3:python3 ip:iproute2 curl:curl
release_binaries
bin=$PROVISIOND_BIN_DIR
bin_note=$(binaries_note)
max_count=$(printf '%s\n' "${counts[@]}" | sort -g | tail -n 1)
((max_count <= 4 * 1000)) || { echo "storm.sh: at most 4000 machines (4 subnets of 1000 addresses)" >&2; exit 1; }

# --- namespaces ------------------------------------------------------------------------------------
prefix=pvstorm
srv_ns="$prefix-srv-$$"; cli_ns="$prefix-cli-$$"
srv_if="pvst-s$$"; cli_if="pvst-c$$"   # at most 15 characters
# Stale namespaces of this prefix whose run (the PID suffix) is gone.
for ns in $(ip netns list | awk '{print $1}' | grep -E "^$prefix-(srv|cli)-[0-9]+$" || true); do
  if ! kill -0 "${ns##*-}" 2>/dev/null; then
    log "removing stale namespace $ns"
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  fi
done
tmp=$(mktemp -d /tmp/provisiond-storm.XXXXXX)
server_pids=()
cleanup() {
  set +e
  trap '' INT TERM HUP
  trap - ERR
  stop_servers
  remove_namespaces "$srv_if" "$srv_ns" "$cli_ns"
  rm -rf "$tmp"
}
stop_servers() {
  local pid
  for pid in "${server_pids[@]}"; do stop_pid "$pid"; done
  server_pids=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

server=10.80.0.1
relays=(10.81.0.1 10.81.4.1 10.81.8.1 10.81.12.1)
log "namespaces $srv_ns ($server) and $cli_ns (10.80.0.2; relays ${relays[*]})"
ip netns add "$srv_ns"
ip netns add "$cli_ns"
ip link add "$srv_if" type veth peer name "$cli_if"
ip link set "$srv_if" netns "$srv_ns"
ip link set "$cli_if" netns "$cli_ns"
ip -n "$srv_ns" addr add "$server/24" dev "$srv_if"
ip -n "$cli_ns" addr add 10.80.0.2/24 dev "$cli_if"
for ns in "$srv_ns" "$cli_ns"; do ip -n "$ns" link set lo up; done
ip -n "$srv_ns" link set "$srv_if" up
ip -n "$cli_ns" link set "$cli_if" up
ip -n "$srv_ns" route add 10.81.0.0/16 via 10.80.0.2
# Every address of the machines' subnets is local in their namespace (AnyIP): the relays listen
# on their giaddr and each machine connects from its leased address without an `ip addr` each.
ip -n "$cli_ns" route add local 10.81.0.0/16 dev lo

# --- the files both servers serve ------------------------------------------------------------------
http_port=8080
mkdir -p "$tmp/assets/storm" "$tmp/profiles" "$tmp/cloud-init" "$tmp/www/static"
head -c $((1 << 20)) /dev/urandom >"$tmp/assets/storm/vmlinuz"
head -c $((4 << 20)) /dev/urandom >"$tmp/assets/storm/initrd.img"
ln -s "$tmp/assets" "$tmp/www/assets"
cat >"$tmp/profiles/storm.json" <<'EOF'
{"description": "boot storm benchmark", "kernel": "storm/vmlinuz", "initrd": ["storm/initrd.img"],
 "cmdline": "console=ttyS0 ds=nocloud-net;s={{ cloud_init_url }}", "userData": "storm-user-data.yaml",
 "variables": {"admin_user": "debian"}}
EOF
cat >"$tmp/cloud-init/storm-user-data.yaml" <<'EOF'
#cloud-config
hostname: {{ machine.hostname }}
users:
  - name: {{ admin_user }}
    sudo: "ALL=(ALL) NOPASSWD:ALL"
phone_home:
  url: {{ phone_home_url }}
  post: [instance_id, hostname]
EOF
# The floor's static copies: the same shape, one for every machine.
floor_url="http://$server:$http_port"
cat >"$tmp/www/boot.ipxe" <<EOF
#!ipxe
kernel $floor_url/assets/storm/vmlinuz initrd=initrd.img console=ttyS0 ds=nocloud-net;s=$floor_url/static/ || goto failed
initrd $floor_url/assets/storm/initrd.img || goto failed
boot || goto failed
:failed
sleep 5
chain $floor_url/boot.ipxe
EOF
printf 'instance-id: storm\nlocal-hostname: storm\n' >"$tmp/www/static/meta-data"
cat >"$tmp/www/static/user-data" <<EOF
#cloud-config
hostname: storm
users:
  - name: debian
    sudo: "ALL=(ALL) NOPASSWD:ALL"
phone_home:
  url: $floor_url/phone-home
  post: [instance_id, hostname]
EOF

# --- the servers -----------------------------------------------------------------------------------
# Connections: a storm holds thousands at once, more than the defaults (provisiond 1024, nginx 1024
# a worker): both get room for them.
connections=$((2 * max_count + 1024))
cat >"$tmp/provisiond.json" <<EOF
{"dhcp": {"mode": "full", "interface": "$srv_if", "subnets": [
  {"cidr": "10.81.0.0/22", "range": ["10.81.0.10", "10.81.3.250"], "router": "10.81.0.1", "leaseSeconds": 3600},
  {"cidr": "10.81.4.0/22", "range": ["10.81.4.10", "10.81.7.250"], "router": "10.81.4.1", "leaseSeconds": 3600},
  {"cidr": "10.81.8.0/22", "range": ["10.81.8.10", "10.81.11.250"], "router": "10.81.8.1", "leaseSeconds": 3600},
  {"cidr": "10.81.12.0/22", "range": ["10.81.12.10", "10.81.15.250"], "router": "10.81.12.1", "leaseSeconds": 3600}]}}
EOF
admin_port=8090
start_provisiond() { # dir count
  mkdir -p "$1/data"
  ip netns exec "$srv_ns" bash -c 'ulimit -n "$(ulimit -Hn)" && exec "$@"' - "$bin/provisiond" --config "$tmp/provisiond.json" \
    --data-dir "$1/data" --profiles-dir "$tmp/profiles" --cloud-init-dir "$tmp/cloud-init" --assets-dir "$tmp/assets" \
    --http-listen "$server:$http_port" --server-url "http://$server:$http_port" --admin-listen "127.0.0.1:$admin_port" \
    --tftp-listen off --dhcp-mode full --interface "$srv_if" --http-connections "$connections" \
    --http-connections-per-address 64 --log-level "$log_level" 2>"$1/server.log" &
  server_pids=($!)
  local _
  for _ in $(seq 100); do
    ip netns exec "$srv_ns" curl -sf -o /dev/null "http://$server:$http_port/healthz" && break
    alive "${server_pids[0]}" || break
    sleep 0.1
  done
  ip netns exec "$srv_ns" python3 bench/storm_machines.py register "http://127.0.0.1:$admin_port" "$(cat "$1/data/admin.token")" "$2" storm
}
start_floor() { # dir count
  local tags=() ranges=() i=0 relay
  for relay in "${relays[@]}"; do
    local base=${relay%.1}
    ranges+=("--dhcp-range=set:s$i,$base.10,${base%.*}.$((${base##*.} + 3)).250,255.255.252.0,1h")
    tags+=("--dhcp-option=tag:s$i,option:router,$relay")
    i=$((i + 1))
  done
  # --no-ping: no ICMP probe of each new address (provisiond does not probe either).
  ip netns exec "$srv_ns" dnsmasq --conf-file=/dev/null --keep-in-foreground --port=0 --interface="$srv_if" \
    --bind-interfaces "${ranges[@]}" "${tags[@]}" --dhcp-userclass=set:ipxe,iPXE --dhcp-boot=tag:ipxe,"$floor_url/boot.ipxe" \
    --dhcp-leasefile="$1/dnsmasq.leases" --dhcp-authoritative --dhcp-lease-max=10000 --no-ping --quiet-dhcp \
    --pid-file="$1/dnsmasq.pid" --log-facility="$1/server.log" --user=root --group=root 2>>"$1/server.log" &
  server_pids=($!)
  write_nginx_conf "$1/nginx" "$server:$http_port" "$connections" "default_type text/plain;" \
    "root $tmp/www; location = /phone-home { return 200 \"{}\\n\"; }" "worker_rlimit_nofile $(ulimit -Hn);"
  ip netns exec "$srv_ns" nginx -e "$1/nginx/error.log" -p "$1/nginx" -c "$1/nginx/nginx.conf" -g 'daemon off;' 2>>"$1/server.log" &
  server_pids+=($!)
  local _
  for _ in $(seq 100); do
    ip netns exec "$srv_ns" curl -sf -o /dev/null "$floor_url/boot.ipxe" && break
    alive "${server_pids[1]}" || break
    sleep 0.1
  done
  server_pids+=($(pgrep -P "${server_pids[1]}" | tr '\n' ' '))
}
rss_kib() { # VmRSS|VmHWM pid... → their sum in KiB
  local field=$1 pid total=0 value; shift
  for pid in "$@"; do value=$(awk -v f="$field:" '$1 == f {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0); total=$((total + ${value:-0})); done
  echo "$total"
}
# A counter of a namespace's /proc/net/snmp or /proc/net/netstat (the server's unless NS is given):
# snmp_value FILE GROUP NAME [NS]
snmp_value() {
  ip netns exec "${4:-$srv_ns}" awk -v g="$2:" -v n="$3" '$1 == g && !names { for (i = 2; i <= NF; i++) col[$i] = i; names = 1; next }
    $1 == g && names { print $(col[n]); exit }' "$1"
}
# The counters a round reports, in this order (what made the TCP retransmissions: tail loss
# probes, timeouts, fast retransmits after reordering or loss, and the reordering the server saw;
# and the replies the machines' own relay sockets dropped, which would look like a late server;
# and the packets the kernel dropped for a full input backlog, /proc/net/softnet_stat's second
# column, per CPU and for the whole machine: a veth delivers into the receiving CPU's backlog of
# net.core.netdev_max_backlog packets, which a burst of replies and TCP segments can fill).
counter_names=(udp_drops client_udp_drops backlog_drops tcp_retrans dsacks probes timeouts fast reorder)
backlog_dropped() {
  local total=0 _ dropped rest
  while read -r _ dropped rest; do total=$((total + 16#$dropped)); done </proc/net/softnet_stat
  echo "$total"
}
counters() {
  local netstat=/proc/net/netstat
  echo "$(snmp_value /proc/net/snmp Udp RcvbufErrors) $(snmp_value /proc/net/snmp Udp RcvbufErrors "$cli_ns") $(backlog_dropped)" \
    "$(snmp_value /proc/net/snmp Tcp RetransSegs)" \
    "$(snmp_value $netstat TcpExt TCPDSACKRecv) $(snmp_value $netstat TcpExt TCPLossProbes) $(snmp_value $netstat TcpExt TCPTimeouts)" \
    "$(snmp_value $netstat TcpExt TCPFastRetrans) $(( $(snmp_value $netstat TcpExt TCPSACKReorder) + $(snmp_value $netstat TcpExt TCPTSReorder) ))"
}

# --- the rounds ------------------------------------------------------------------------------------
servers=(provisiond floor)
declare -A result=()
record() { result[$1]="${result[$1]:-} $2"; }
for count in "${counts[@]}"; do
  for round in $(seq "$rounds"); do
    for name in "${servers[@]}"; do
      dir="$tmp/$name-$count-$round"
      mkdir -p "$dir"
      "start_$name" "$dir" "$count"
      alive "${server_pids[0]}" || { cat "$dir/server.log" >&2; echo "storm.sh: $name did not start" >&2; exit 1; }
      wait_idle 10
      idle_rss=$(rss_kib VmRSS "${server_pids[@]}")
      read -r -a before < <(counters)
      ready_db=()
      [[ $name == provisiond ]] && ready_db=(--ready-db "$dir/data/provision.db")
      usage_start "${server_pids[@]}"
      ip netns exec "$cli_ns" python3 bench/storm_machines.py run --server "$server" --relays "$(IFS=,; echo "${relays[*]}")" \
        --count "$count" --retransmit "$retransmit" "${ready_db[@]}" >"$dir/storm.json" 2>"$dir/storm.err" || true
      other=$(usage_other_share)
      server_cpu=$(usage_server_seconds)
      read -r -a after < <(counters)
      peak_rss=$(rss_kib VmHWM "${server_pids[@]}")
      metric_drops="-"
      if [[ $name == provisiond ]]; then
        metric_drops=$(ip netns exec "$srv_ns" curl -sf -H "Authorization: Bearer $(cat "$dir/data/admin.token")" \
          "http://127.0.0.1:$admin_port/metrics" | awk '/^provisiond_dhcp_kernel_drops_total/ {print $2}')
        metric_drops=${metric_drops:--}
      fi
      alive "${server_pids[0]}" || record "$name|$count|died" "round$round"
      stop_servers
      [[ -s $dir/storm.json ]] || { cat "$dir/storm.err" >&2; echo "storm.sh: the simulated machines printed no summary" >&2; exit 1; }
      fields=$(python3 - "$dir/storm.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
wall = s.get("wall_to_all_ready", s["wall_to_last_report"])
out = {"wall": wall, "retransmits": s["retransmits"], "nak_restarts": s["nak_restarts"], "failures": s["failures"], "client_cpu": s["client_cpu_seconds"]}
for phase in ["dhcp", "dhcp-wire", "script", "assets", "cloud-init", "report"]:
    out[phase + "_p50"], out[phase + "_p99"] = s[phase]["p50"], s[phase]["p99"]
out["dhcp-wire_max"] = s["dhcp-wire"]["max"]
print(" ".join("%s=%s" % (k, "-" if v is None else v) for k, v in out.items()))
EOF
)
      for pair in $fields; do record "$name|$count|${pair%%=*}" "${pair#*=}"; done
      deltas=""
      for i in "${!counter_names[@]}"; do
        record "$name|$count|${counter_names[$i]}" $((after[i] - before[i]))
        deltas+=" ${counter_names[$i]}=$((after[i] - before[i]))"
      done
      record "$name|$count|metric_drops" "$metric_drops"
      record "$name|$count|cpu" "$server_cpu"
      record "$name|$count|idle_rss" "$(awk -v k="$idle_rss" 'BEGIN { printf "%.1f", k / 1024 }')"
      record "$name|$count|peak_rss" "$(awk -v k="$peak_rss" 'BEGIN { printf "%.1f", k / 1024 }')"
      record "$name|$count|other" "$other"
      first_failure=$(python3 -c 'import json, sys; f = json.load(open(sys.argv[1]))["first_failures"]; print(f[0] if f else "")' "$dir/storm.json")
      [[ $first_failure ]] && record "$name|$count|first_failure" "round$round:${first_failure// /_}"
      log "  N=$count round $round $(printf '%-10s' "$name") $fields$deltas metric_drops=$metric_drops server_cpu=$server_cpu other=${other}%"
      # provisiond's warnings and errors, if any (dnsmasq's log holds only its start-up lines).
      if [[ $name == provisiond ]]; then
        grep -v ' info ' "$dir/server.log" 2>/dev/null | head -n 3 | sed "s/^/    [provisiond log] /" >&2 || true
      fi
    done
  done
done

# --- the table -------------------------------------------------------------------------------------
mkdir -p bench/results
result_file="bench/results/storm-$(date -u +%Y-%m-%dT%H%M%SZ).txt"
med() { median <<<"${result[$1]:-}"; }
all() { echo ${result[$1]:-} | tr ' ' '/'; }
{
  echo "# boot storm: provisiond vs the stateless floor (dnsmasq $(dnsmasq --version | head -n 1 | awk '{print $3}') + nginx $(nginx -v 2>&1 | cut -d/ -f2)), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "# each machine: relayed DHCP DORA as iPXE (4 giaddrs, 4 subnets) → boot script → 1 MiB kernel + 4 MiB initrd → meta-data + user-data → phone-home POST"
  echo "# median of $rounds rounds, a fresh server each; provisiond: $bin_note, log level $log_level, trust by lease (metadataTrust address); DHCP retransmit after $retransmit s"
  for count in "${counts[@]}"; do
    echo
    echo "## N = $count"
    printf '%-34s %16s %16s %8s\n' measure provisiond floor "ratio"
    row() { # label key [ratio]
      local p f; p=$(med "provisiond|$count|$2"); f=$(med "floor|$count|$2")
      printf '%-34s %16s %16s %8s\n' "$1" "${p:--}" "${f:--}" "$([[ ${3:-} ]] && ratio "$p" "$f" || echo)"
    }
    row "wall to all ready, s" wall ratio
    for phase in dhcp script assets cloud-init report; do
      row "$phase p50 ms" "${phase}_p50"
      row "$phase p99 ms" "${phase}_p99"
      # Each DHCP exchange from its send to the kernel's receive time of the reply (SO_TIMESTAMPNS):
      # the server's latency; the dhcp phase above also holds the machines' process's own delays.
      if [[ $phase == dhcp ]]; then
        row "  one exchange on the wire p50 ms" "dhcp-wire_p50"
        row "  one exchange on the wire p99 ms" "dhcp-wire_p99"
        row "  one exchange on the wire max ms" "dhcp-wire_max"
      fi
    done
    row "DHCP retransmits" retransmits
    row "DHCP NAKs (machine starts over)" nak_restarts
    row "kernel drops (Udp RcvbufErrors)" udp_drops
    row "  on the machines' side" client_udp_drops
    row "  input backlog full (softnet_stat)" backlog_drops
    row "provisiond_dhcp_kernel_drops_total" metric_drops
    row "TCP segments retransmitted" tcp_retrans
    row "DSACKs received (duplicates)" dsacks
    row "  tail loss probes" probes
    row "  retransmission timeouts" timeouts
    row "  fast retransmits" fast
    row "  reordering seen" reorder
    row "server CPU s" cpu ratio
    row "idle RSS MiB" idle_rss ratio
    row "peak RSS MiB" peak_rss ratio
    row "failed machines" failures
    row "client CPU s" client_cpu
    echo "every round: wall s provisiond $(all "provisiond|$count|wall"), floor $(all "floor|$count|wall"); kernel drops $(all "provisiond|$count|udp_drops") / $(all "floor|$count|udp_drops"); other CPU % $(all "provisiond|$count|other") / $(all "floor|$count|other")"
    for name in "${servers[@]}"; do
      [[ ${result[$name|$count|died]:-} ]] && echo "$name EXITED during ${result[$name|$count|died]}"
      [[ ${result[$name|$count|first_failure]:-} ]] && echo "$name first failures: ${result[$name|$count|first_failure]}"
    done
    worst=$(echo ${result[provisiond|$count|other]:-} ${result[floor|$count|other]:-} | tr ' ' '\n' | sort -g | tail -n 1)
    if awk -v w="${worst:-0}" 'BEGIN { exit !(w >= 5) }'; then
      echo "WARNING: other processes took up to $worst % of the CPUs during these rounds: not worth quoting"
    fi
  done
  echo
  echo "goals: 0 kernel drops, 0 DHCP retransmits, DHCP p99 < 50 ms, wall <= 1.0x the floor, peak RSS < 100 MB, idle < 30 MB"
  echo "other CPU %: busy time of all CPUs less the servers' and the simulated machines' own; total run time $((SECONDS - started)) s"
} | tee "$result_file"
echo "saved to $result_file" >&2
