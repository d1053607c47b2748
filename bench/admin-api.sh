#!/usr/bin/env bash
# Admin API benchmark on loopback: registers 10,000 machines through the API and reads them back
# (bench/admin_load.py), then measures requests/s with wrk on /healthz and on
# GET /api/v1/machines/{mac}. Builds release, starts provisiond on a temporary data directory,
# stops it and removes the directory afterwards.
#   bench/admin-api.sh [COUNT] [WRK_SECONDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
count=${1:-10000}
seconds=${2:-10}

for package in wrk python3 curl; do
  command -v "$package" >/dev/null || { sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo; $sudo apt-get update -qq; $sudo apt-get install -y -qq "$package"; }
done

swift build -c release --product provisiond >/dev/null
bin="$(swift build -c release --show-bin-path)"
data=$(mktemp -d /tmp/provisiond-bench.XXXXXX)
log="$data/provisiond.log"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
"$bin/provisiond" --data-dir "$data" --http-listen "127.0.0.1:$(free_port)" --admin-listen "127.0.0.1:$port" --log-level warn 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
token=$(cat "$data/admin.token")

echo "# provisiond admin API, loopback, $(nproc) cores, $(date -u +%Y-%m-%d)"
python3 bench/admin_load.py 127.0.0.1 "$port" "$token" "$count" 8
echo "# wrk ${seconds}s, 2 threads, 32 connections"
wrk -t2 -c32 -d"${seconds}s" "http://127.0.0.1:$port/healthz" | awk '/Requests\/sec|Latency/ {print "healthz   ", $0}'
BENCH_TOKEN=$token BENCH_COUNT=$count wrk -t2 -c32 -d"${seconds}s" -s bench/get_machine.lua "http://127.0.0.1:$port" \
  | awk '/Requests\/sec|Latency|errors_status/ {print "get-by-mac", $0}'
