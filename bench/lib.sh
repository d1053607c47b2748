# Shared by the benchmark scripts: logging, process handling, the release build.
# Source it after setting `script` to the calling script's name.

log() { printf '==> %s\n' "$*" >&2; }

# Whether a process exists and is not a zombie.
alive() { local state; state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; [[ $state != Z* ]]; }

# SIGTERM, up to 5 s to go, then SIGKILL; reaps it. An empty pid is nothing to stop.
stop_pid() {
  local pid=$1
  [[ $pid ]] || return 0
  kill "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Sets PROVISIOND_BIN_DIR to a release build of this tree, unless it is given (as in scripts/test).
release_binaries() {
  if [[ -z ${PROVISIOND_BIN_DIR:-} ]]; then
    local build
    if ! build=$(swift build -c release 2>&1); then
      echo "$build" | tail -n 30 >&2
      echo "$script: swift build -c release failed" >&2
      exit 1
    fi
    PROVISIOND_BIN_DIR="$(swift build -c release --show-bin-path)"
  fi
}

# Installs the Debian packages of the commands that are missing: require_packages COMMAND:PACKAGE...
# A service an install starts is stopped again (nginx: the benchmarks run their own instances).
require_packages() {
  local pair missing=() sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  for pair in "$@"; do command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}"); done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
  if [[ " ${missing[*]} " == *" nginx "* ]] && [[ -s /run/nginx.pid ]]; then
    if [[ -d /run/systemd/system ]]; then $sudo systemctl stop nginx; else $sudo nginx -s quit 2>/dev/null || true; fi
  fi
}

# Which provisiond the figures are of.
binaries_note() {
  if [[ -n ${PROVISIOND_BIN_DIR_GIVEN:-} ]]; then echo "binaries from $PROVISIOND_BIN_DIR_GIVEN"; return; fi
  echo "release build of $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- Sources 2>/dev/null || echo ' with uncommitted changes in Sources')"
}
PROVISIOND_BIN_DIR_GIVEN=${PROVISIOND_BIN_DIR:-}

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- CPU accounting: what other processes took while a benchmark ran ------------------------------
clock_hz=$(getconf CLK_TCK)
# busy (user + nice + system) and total clock ticks of all CPUs
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
# CPU seconds (utime + stime) of the given processes together; a gone process counts 0.
cpu_seconds() {
  local pid total=0 ticks
  for pid in "$@"; do
    ticks=$(awk '{ sub(/^[^)]*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ticks))
  done
  awk -v t="$total" -v hz="$clock_hz" 'BEGIN { printf "%.2f", t / hz }'
}
# CPU seconds of the children this script waited for (clients like wrk, also inside $(...)).
children_seconds() { awk -v hz="$clock_hz" '{ sub(/^[^)]*\) /, ""); printf "%.2f", ($14 + $15) / hz }' "/proc/$$/stat"; }
# usage_start PID...: starts a measurement of the given server processes; usage_other_share
# prints the share (%) of all CPUs' time that was busy in neither them nor our waited-for
# children since then. Softirq packet work is not counted as busy.
usage_start() {
  usage_pids=("$@")
  read -r usage_busy usage_total < <(cpu_busy)
  usage_servers=$(cpu_seconds "${usage_pids[@]}")
  usage_children=$(children_seconds)
}
usage_server_seconds() { awk -v a="$usage_servers" -v b="$(cpu_seconds "${usage_pids[@]}")" 'BEGIN { printf "%.2f", b - a }'; }
usage_other_share() {
  local busy total
  read -r busy total < <(cpu_busy)
  awk -v b=$((busy - usage_busy)) -v t=$((total - usage_total)) -v hz="$clock_hz" -v s="$(usage_server_seconds)" \
    -v c0="$usage_children" -v c="$(children_seconds)" \
    'BEGIN { o = b / hz - s - (c - c0); if (o < 0) o = 0; printf "%.1f", t ? 100 * o / (t / hz) : 0 }'
}
# Waits (at most $1 s) until other work keeps the CPUs under 10 % busy for half a second.
wait_idle() {
  local until=$((SECONDS + $1)) a_busy a_total b_busy b_total
  while :; do
    read -r a_busy a_total < <(cpu_busy); sleep 0.5; read -r b_busy b_total < <(cpu_busy)
    (( (b_busy - a_busy) * 10 < (b_total - a_total) )) && return 0
    ((SECONDS < until)) || { log "other processes keep the CPUs busy; measuring anyway"; return 0; }
  done
}

# --- figures -----------------------------------------------------------------------------------------
# The median of the numbers on stdin (space or line separated); words that are no number ("-")
# are left out.
median() { tr ' ' '\n' | awk '$1 ~ /^-?[0-9.]+$/' | sort -g | awk '{v[NR] = $1} END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
# wrk's durations (850.00us, 1.20ms, 2.5s) in milliseconds.
to_ms() { awk '{ v = $1 + 0; if ($1 ~ /us$/) v /= 1000; else if ($1 ~ /[0-9]s$/ && $1 !~ /ms$/) v *= 1000; printf "%.2f\n", v }'; }

# "busy total ours" in clock ticks: ours is every process of this script's process group
# (servers, clients, and through cutime their reaped children); the rest of the busy time is
# other work on the machine.
cpu_snapshot() {
  local group ours
  group=$(ps -o pgid= -p $$ | tr -d ' ')
  ours=$({ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v g="$group" '{ sub(/^.*\) /, ""); if ($3 == g) s += $12 + $13 + $14 + $15 } END { print s + 0 }')
  echo "$(cpu_busy) $ours"
}

# The share of the CPUs (%) other processes took between two cpu_snapshot results.
others_percent() { # before after
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
    t = y[2] - x[2]; o = (y[1] - x[1]) - (y[3] - x[3]); if (o < 0) o = 0; printf "%.0f", t ? 100 * o / t : 0 }'
}

# atftpd conflicts with tftpd-hpa as a Debian package: prints the path of an atftpd to run, the
# installed one or one unpacked from the package into DIR; nothing when neither works.
unpack_atftpd() { # DIR
  if command -v atftpd >/dev/null; then command -v atftpd; return; fi
  mkdir -p "$1/deb"
  local sudo="" deb
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  fetch_atftpd_deb() { (cd "$1/deb" && apt-get download -o APT::Sandbox::User=root atftpd >/dev/null 2>&1); }
  fetch_atftpd_deb "$1" || { $sudo apt-get update -qq >/dev/null 2>&1 && fetch_atftpd_deb "$1"; } || true
  deb=$(find "$1/deb" -name 'atftpd_*.deb' | head -n 1)
  if [[ $deb ]] && dpkg -x "$deb" "$1/root" && "$1/root/usr/sbin/atftpd" --version >/dev/null 2>&1; then
    echo "$1/root/usr/sbin/atftpd"
  fi
}

# Writes DIR/nginx.conf for a benchmark's own nginx: root, no access log, sendfile, its pid, log
# and temporary files in DIR, one server listening on LISTEN.
#   write_nginx_conf DIR LISTEN CONNECTIONS HTTP_LINES SERVER_LINES [MAIN_LINES]
write_nginx_conf() {
  mkdir -p "$1"
  cat >"$1/nginx.conf" <<EOF
user root;
worker_processes auto;
${6:-}
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections $3; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path $1/client_body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
  $4
  server {
    listen $2;
    $5
  }
}
EOF
}

# Removes a benchmark's network namespaces, killing what still runs in them, and the veth whose
# other end one of them held. For cleanup traps: it never fails.
remove_namespaces() { # LINK NAMESPACE...
  local link=$1 ns pid
  shift
  for ns in "$@"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  ip link del "$link" 2>/dev/null
  return 0
}
