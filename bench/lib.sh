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
