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

# CPU time of all CPUs from /proc/stat: "busy total" in clock ticks, busy = user + nice + system
# (loopback packets cost softirq time that no process is charged with).
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }

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
