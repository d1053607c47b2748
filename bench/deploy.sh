#!/usr/bin/env bash
# Bare metal to a running OS: seconds from power-on to `ready` for the 2 GiB disk image
# (scripts/build-disk-image bookworm: about 400 MiB mapped) under QEMU's TCG on this machine, by running
# the end-to-end test that does it for real (ImageDeployBootTests: SeaBIOS with a blank virtio
# disk and OVMF with a blank SATA disk deploy the image at once, each QEMU on one vCPU, beside a
# third machine refused for a disk holding data) and collecting each ready machine's timeline
# (seconds from power-on to each step provisiond recorded). The reference next to it is the
# issue's: the users' homelab goal of "empty disk to running services in under an hour" with PXE
# and Ubuntu's autoinstall (subiquity installing package by package).
# Other processes' share of the CPUs during the run is printed (busy time in /proc/stat less the
# test's own process tree, which this script waits for), with a warning at 5 % or more: quote a
# figure only from a quiet machine. Saved to bench/results/deploy-DATE.txt.
#   bench/deploy.sh                           builds what it needs (release binaries, the tests)
#   PROVISIOND_BIN_DIR=DIR bench/deploy.sh    release binaries already built
# Root (namespaces, taps, loop devices); everything the test makes it removes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
script=deploy.sh
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap 'echo "deploy.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

release_binaries
log "building the tests"
swift build --build-tests >/dev/null
mkdir -p bench/results
out="bench/results/deploy-$(date -u +%Y%m%dT%H%M%SZ).txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

wait_idle 60
read -r busy0 total0 < <(cpu_busy)
children0=$(children_seconds)
status=0
PROVISIOND_BIN_DIR=$PROVISIOND_BIN_DIR PROVISIOND_VENV=${PROVISIOND_VENV:-$PWD/.venv} \
  swift test --skip-build --filter '^IntegrationTests\.ImageDeployBootTests' >"$work/test.log" 2>&1 || status=$?
read -r busy1 total1 < <(cpu_busy)
others=$(awk -v b=$((busy1 - busy0)) -v t=$((total1 - total0)) -v hz="$clock_hz" -v c0="$children0" -v c="$(children_seconds)" \
  'BEGIN { o = b / hz - (c - c0); if (o < 0) o = 0; printf "%.1f", t ? 100 * o / (t / hz) : 0 }')

{
  echo "bench/deploy.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $(binaries_note), $(nproc) CPUs, QEMU TCG"
  echo "other processes took ${others} % of the CPUs during the run"
  awk '$1 ~ /^(dist|cloud-init|linux-image-amd64)=/' "$(scripts/build-disk-image bookworm 2>/dev/null | tail -n 1)/versions" | paste -sd ' ' | sed 's/^/image: /'
  grep -h '^ImageDeployBootTests: ' "$work/test.log" | sed 's/^ImageDeployBootTests: //'
  echo "reference: PXE + Ubuntu autoinstall, the users' goal: empty disk to running services in under 60 min (issue 14)"
  grep -E '^(✔|✘) Test bareMachines' "$work/test.log" || echo "the test did not report (exit $status)"
} | tee "$out"
if awk -v o="$others" 'BEGIN { exit !(o >= 5) }'; then
  echo "WARNING: other processes took ${others} % of the CPUs: not a quiet-machine figure" | tee -a "$out"
fi
if ((status != 0)); then
  tail -n 60 "$work/test.log" >&2
  exit "$status"
fi
echo "saved $out"
