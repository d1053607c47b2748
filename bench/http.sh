#!/usr/bin/env bash
# Per-machine HTTP benchmark on loopback: provisiond's per-machine answers against nginx serving
# the same bytes as static files, side by side in one run.
#   /boot.ipxe?mac=M            the install script of a machine in state booting (its first fetch,
#                               from its reserved IP, moved it there; later fetches change nothing)
#   /cloud-init/M/user-data     the user-data of a machine in state installing (rendered from a
#                               template on every request; the origin check runs on every request)
# Each target: `wrk -t2 -c32 -dSECONDS --latency`, ROUNDS rounds, provisiond and nginx taking
# turns; median requests/s and p99, ratios provisiond / nginx (requests/s: above 1 provisiond is
# ahead; p99: below 1 it is). The trust check passes by evidence, not by switching it off: every
# request comes from 127.0.0.1, which is the user-data machine's reserved IP (`register --ip`).
# Other processes' share of the CPUs during each run is printed (busy time in /proc/stat less
# provisiond's, nginx's and wrk's own), with a warning at 5 % or more: figures are only worth
# quoting from a quiet machine. Beside requests per server CPU second, context switches per
# request (every thread's, from /proc/PID/task/*/status) show what a thread hand-off costs. Prints a table and saves it to bench/results/http-DATE.txt.
# Everything listens on 127.0.0.1 and is stopped, and the temporary directory removed, on exit.
#   bench/http.sh [ROUNDS] [SECONDS]          defaults 3, 10
#   PROVISIOND_BIN_DIR=DIR bench/http.sh      binaries already built (skips swift build)
#   LOG_LEVEL=info bench/http.sh              provisiond's log level (default warn: no line per request)
#   PROFILE=DIR bench/http.sh                 after the rounds, one more wrk run per target (and /healthz,
#                                             the HTTP core alone) under `perf record -g` of provisiond;
#                                             DIR/TARGET.data and DIR/TARGET.txt (top symbols, self and
#                                             with callees) are kept. Debian linux-perf.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
seconds=${2:-10}
log_level=${LOG_LEVEL:-warn}
boot_mac=52:54:00:be:9c:11
data_mac=52:54:00:be:9c:12

script=http.sh
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap 'echo "http.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
export PATH="$PATH:/usr/sbin:/sbin"
sudo=""
[[ $(id -u) -eq 0 ]] || sudo=sudo
require_packages wrk:wrk nginx:nginx curl:curl python3:python3
release_binaries
bin=$PROVISIOND_BIN_DIR
bin_note=$(binaries_note)

tmp=$(mktemp -d /tmp/provisiond-http-bench.XXXXXX)
provisiond_pid=""; nginx_pid=""
cleanup() {
  set +e
  stop_pid "$provisiond_pid"
  stop_pid "$nginx_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- provisiond: a profile with a kernel, an initrd and a user-data template ------------------
mkdir -p "$tmp/data" "$tmp/profiles" "$tmp/cloud-init" "$tmp/assets"
cat >"$tmp/profiles/bench.json" <<'EOF'
{"description": "http benchmark", "kernel": "k/vmlinuz", "initrd": ["k/initrd.img"],
 "cmdline": "console=ttyS0 ds=nocloud-net;s={{ cloud_init_url }}", "userData": "user-data.yaml",
 "variables": {"admin_user": "debian", "ssh_keys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJbench bench@example"]}}
EOF
cat >"$tmp/cloud-init/user-data.yaml" <<'EOF'
#cloud-config
hostname: {{ machine.hostname }}
users:
  - name: {{ admin_user }}
    sudo: "ALL=(ALL) NOPASSWD:ALL"
    ssh_authorized_keys: {{ ssh_keys | json }}
write_files:
  - path: {{ report.script_path }}
    permissions: "0755"
    content: {{ report.script }}
phone_home:
  url: {{ phone_home_url }}
  post: [instance_id, hostname]
EOF
http_port=$(free_port); admin_port=$(free_port)
log "starting provisiond (HTTP 127.0.0.1:$http_port, log level $log_level)"
"$bin/provisiond" --dhcp-mode off --tftp-listen off --data-dir "$tmp/data" --http-listen "127.0.0.1:$http_port" \
  --admin-listen "127.0.0.1:$admin_port" --profiles-dir "$tmp/profiles" --cloud-init-dir "$tmp/cloud-init" \
  --assets-dir "$tmp/assets" --http-connections-per-address 256 --log-level "$log_level" 2>"$tmp/provisiond.log" &
provisiond_pid=$!
base="http://127.0.0.1:$http_port"
for _ in $(seq 100); do curl -sf -o /dev/null "$base/healthz" && break; alive "$provisiond_pid" || break; sleep 0.1; done
curl -sf -o /dev/null "$base/healthz" || { cat "$tmp/provisiond.log" >&2; echo "http.sh: provisiond did not start" >&2; exit 1; }
ctl() { "$bin/provisionctl" --server "http://127.0.0.1:$admin_port" --token-file "$tmp/data/admin.token" "$@"; }
state() { ctl show "$1" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["state"])'; }

# The boot-script machine's reserved IP is 127.0.0.2: its first fetch from there moves it to
# booting; wrk's fetches from 127.0.0.1 then get the same script and change nothing. The
# user-data machine's is 127.0.0.1, wrk's address: every fetch passes the origin check.
ctl register "$boot_mac" --hostname bench-boot --profile bench --ip 127.0.0.2 >/dev/null
ctl register "$data_mac" --hostname bench-data --profile bench --ip 127.0.0.1 >/dev/null
curl -sf --interface 127.0.0.2 -o /dev/null "$base/boot.ipxe?mac=$boot_mac"
curl -sf -o /dev/null "$base/boot.ipxe?mac=$data_mac"
curl -sf -o /dev/null "$base/cloud-init/$data_mac/user-data"
declare -A path=([boot]="/boot.ipxe?mac=$boot_mac" [user-data]="/cloud-init/$data_mac/user-data")
declare -A label=([boot]="/boot.ipxe?mac= (booting)" [user-data]="/cloud-init/MAC/user-data (installing)")
targets=(boot user-data)
mkdir -p "$tmp/www/cloud-init/$data_mac"
curl -sf -o "$tmp/www/boot.ipxe" "$base${path[boot]}"
curl -sf -o "$tmp/www/cloud-init/$data_mac/user-data" "$base${path[user-data]}"
check="$boot_mac $(state "$boot_mac"), $data_mac $(state "$data_mac")"
[[ $check == "$boot_mac booting, $data_mac installing" ]] || { echo "http.sh: unexpected states: $check" >&2; exit 1; }
grep -q '^kernel ' "$tmp/www/boot.ipxe" || { echo "http.sh: the boot script names no kernel" >&2; exit 1; }

# --- nginx: the same bytes as static files -----------------------------------------------------
nginx_port=$(free_port)
write_nginx_conf "$tmp/nginx" "127.0.0.1:$nginx_port" 1024 "default_type text/plain;" "root $tmp/www;"
log "starting nginx on 127.0.0.1:$nginx_port (worker_processes auto, access_log off)"
nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -g 'daemon off;' 2>>"$tmp/nginx/error.log" &
nginx_pid=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/boot.ipxe" && break; alive "$nginx_pid" || break; sleep 0.1; done
declare -A url=([provisiond]=$base [nginx]="http://127.0.0.1:$nginx_port")
for target in "${targets[@]}"; do
  if ! cmp -s <(curl -sf "${url[nginx]}${path[$target]}") <(curl -sf "$base${path[$target]}"); then
    echo "http.sh: nginx does not serve the same bytes as provisiond for ${path[$target]}" >&2; exit 1
  fi
done
servers=(provisiond nginx)
# Context switches (voluntary and not) of every thread of the given processes so far; a thread
# that has exited is not counted (during a round provisiond's loops and nginx's workers live on).
context_switches() {
  local pid
  for pid in "$@"; do cat /proc/"$pid"/task/*/status 2>/dev/null; done | awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'
}
declare -A server_pids=([provisiond]=$provisiond_pid [nginx]="$nginx_pid $(pgrep -P "$nginx_pid" | tr '\n' ' ')")

# --- the runs ------------------------------------------------------------------------------------
declare -A rps=() p99=() others=() errors=() efficiency=() switches=()
wait_idle 30
log "wrk -t2 -c32 -d${seconds}s --latency: ${#targets[@]} targets × ${#servers[@]} servers × $rounds rounds, taking turns"
for round in $(seq "$rounds"); do
  for target in "${targets[@]}"; do
    for name in "${servers[@]}"; do
      # shellcheck disable=SC2086  # a list of PIDs
      usage_start ${server_pids[$name]}
      # shellcheck disable=SC2086
      switched=$(context_switches ${server_pids[$name]})
      out=$(wrk -t2 -c32 -d"${seconds}s" --latency "${url[$name]}${path[$target]}")
      share=$(usage_other_share)
      cpu=$(usage_server_seconds)
      key="$name|$target"
      r=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
      p=$(awk '$1 == "99%" {print $2}' <<<"$out" | to_ms)
      e=$(awk '/Non-2xx|Socket errors/ {sub(/^ +/, ""); printf "%s; ", $0}' <<<"$out")
      # Requests per CPU second the server used: its cost per request, which other load on the
      # machine disturbs far less than requests/s.
      per_cpu=$(awk -v r="$r" -v s="$seconds" -v c="$cpu" 'BEGIN { printf "%.0f", (c > 0 ? r * s / c : 0) }')
      # shellcheck disable=SC2086
      per_request=$(awk -v r="$r" -v s="$seconds" -v a="$switched" -v b="$(context_switches ${server_pids[$name]})" \
        'BEGIN { printf "%.2f", (r > 0 ? (b - a) / (r * s) : 0) }')
      switches[$key]="${switches[$key]:-} $per_request"
      rps[$key]="${rps[$key]:-} $r"; p99[$key]="${p99[$key]:-} $p"; others[$key]="${others[$key]:-} $share"
      efficiency[$key]="${efficiency[$key]:-} $per_cpu"
      [[ $e ]] && errors[$key]="${errors[$key]:-}round $round: $e"
      log "  round $round  $(printf '%-10s %-10s' "$target" "$name") $r requests/s, p99 $p ms, $per_cpu requests per server CPU second, $per_request context switches per request, other processes $share % of the CPUs${e:+, $e}"
    done
  done
done
# --- where provisiond's time goes (PROFILE=DIR): apart from the measured rounds -----------------
if [[ ${PROFILE:-} ]]; then
  require_packages perf:linux-perf
  mkdir -p "$PROFILE"
  path[healthz]=/healthz
  for target in "${targets[@]}" healthz; do
    perf record -g -F 999 -p "$provisiond_pid" -o "$PROFILE/$target.data" -- sleep "$seconds" >/dev/null 2>&1 &
    perf_pid=$!
    r=$(wrk -t2 -c32 -d"${seconds}s" "$base${path[$target]}" | awk '/^Requests\/sec/ {print $2}')
    wait "$perf_pid" || true
    { echo "# $target: $r requests/s under perf"
      # head ends each report early: perf's SIGPIPE is no failure here.
      echo "## self"; perf report -i "$PROFILE/$target.data" --no-children --sort symbol -g none 2>/dev/null | grep '%' | head -n 40 || true
      echo "## with callees"; perf report -i "$PROFILE/$target.data" --children --sort symbol -g none 2>/dev/null | grep '%' | head -n 80 || true
    } | { command -v swift >/dev/null && swift demangle --simplified || cat; } >"$PROFILE/$target.txt"
    log "profile of $target ($r requests/s under perf): $PROFILE/$target.txt"
  done
fi
alive "$provisiond_pid" && provisiond_state=running || provisiond_state="EXITED during the run"
provisiond_rss=$(awk '/^VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$provisiond_pid/status" 2>/dev/null || echo "?")

# --- the table -------------------------------------------------------------------------------------
mkdir -p bench/results
result="bench/results/http-$(date -u +%Y-%m-%dT%H%M%SZ).txt"
noisy=""
{
  echo "# provisiond per-machine HTTP vs nginx static files: loopback, $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "# wrk -t2 -c32 -d${seconds}s --latency, median of $rounds rounds; provisiond: $bin_note, log level $log_level;"
  echo "# trust: every request from 127.0.0.1, the user-data machine's reserved IP (the origin check runs and passes; metadataTrust address)"
  printf '%-40s %12s %12s %9s %10s %10s %9s %14s\n' target "prov req/s" "nginx req/s" "ratio" "prov p99" "nginx p99" "p99 ratio" "other CPU %"
  for target in "${targets[@]}"; do
    pr=$(median <<<"${rps[provisiond|$target]}"); nr=$(median <<<"${rps[nginx|$target]}")
    pp=$(median <<<"${p99[provisiond|$target]}"); np=$(median <<<"${p99[nginx|$target]}")
    worst=$(echo ${others[provisiond|$target]} ${others[nginx|$target]} | tr ' ' '\n' | sort -g | tail -n 1)
    awk -v w="$worst" 'BEGIN { exit !(w >= 5) }' && noisy+="${label[$target]} (up to $worst %); "
    printf '%-40s %12s %12s %9s %10s %10s %9s %14s\n' "${label[$target]}" "$pr" "$nr" "$(ratio "$pr" "$nr")" "$pp ms" "$np ms" \
      "$(ratio "$pp" "$np")" "$(echo ${others[provisiond|$target]} / ${others[nginx|$target]})"
  done
  printf '%-40s %16s %16s %9s %18s %18s\n' "cost" "prov req/CPU-s" "nginx req/CPU-s" "ratio" "prov switches/req" "nginx switches/req"
  for target in "${targets[@]}"; do
    pe=$(median <<<"${efficiency[provisiond|$target]}"); ne=$(median <<<"${efficiency[nginx|$target]}")
    printf '%-40s %16s %16s %9s %18s %18s\n' "${label[$target]}" "$pe" "$ne" "$(ratio "$pe" "$ne")" \
      "$(median <<<"${switches[provisiond|$target]}")" "$(median <<<"${switches[nginx|$target]}")"
  done
  echo "every round, requests/s:"
  for target in "${targets[@]}"; do
    for name in "${servers[@]}"; do printf '  %-10s %-10s %s\n' "$target" "$name" "$(echo ${rps[$name|$target]} | tr ' ' '/')"; done
  done
  for key in "${!errors[@]}"; do echo "ERRORS $key: ${errors[$key]}"; done
  echo "goal: >= 0.6x nginx requests/s and p99 <= 2x nginx's"
  [[ $noisy ]] && echo "WARNING: other processes took >= 5 % of the CPUs during $noisy: these figures are not worth quoting"
  echo "other CPU %: provisiond runs / nginx runs, each the busy time of all CPUs less the servers' and wrk's own"
  echo "provisiond: $provisiond_state, peak RSS $provisiond_rss; nginx $(nginx -v 2>&1 | cut -d/ -f2), worker_processes auto, access_log off"
  echo "bytes: boot script $(stat -c %s "$tmp/www/boot.ipxe"), user-data $(stat -c %s "$tmp/www/cloud-init/$data_mac/user-data") (identical from both servers)"
  grep -v ' info ' "$tmp/provisiond.log" | head -n 5 | sed 's/^/provisiond log: /' || true
} | tee "$result"
echo "saved to $result" >&2
