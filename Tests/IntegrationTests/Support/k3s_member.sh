#!/bin/sh
# Plays one k3s cluster member for K3sJoinTests: in a private mount namespace (run under
# `unshare --mount --propagation private`), with /etc copied and /var/lib, /usr/local and /tmp
# on tmpfs so nothing reaches the host, it applies the write_files of the member's user-data
# as cloud-init would, then runs its runcmd (the shipped k3s join script, for real, against
# provisiond), then what systemd runs once cloud-final is over: provisiond's report unit, with a
# result.json that lists runcmd's failure as cloud-init's would.
# $1: the member's work directory (user-data, stubs/, results/; a file hide-curl hides curl).
set -eu
work=$1
here=$(dirname "$0")
mount -t tmpfs none /mnt
mkdir /mnt/work /mnt/etc /mnt/support
mount --bind "$work" /mnt/work
mount --bind "$here" /mnt/support
cp -a /etc/. /mnt/etc/
mount --bind /mnt/etc /etc
if [ -e /mnt/work/hide-curl ]; then
  # An image without curl: a file that is not executable stands where curl is.
  : > /mnt/no-curl
  mount --bind /mnt/no-curl "$(command -v curl)"
fi
for dir in /var/lib /usr/local /tmp; do mount -t tmpfs none "$dir"; done
mkdir -p /usr/local/bin /usr/local/sbin
/usr/bin/python3 /mnt/support/apply_write_files.py /mnt/work/user-data > /mnt/work/runcmd
export PATH="/mnt/work/stubs:$PATH" RESULT_DIR=/mnt/work/results
status=0
while read -r command; do
  $command || status=$?
done < /mnt/work/runcmd
# cloud-init's runcmd is one script run by scripts_user: a failing command fails that module.
errors='[]'
[ "$status" = 0 ] || errors='["('"'"'scripts_user'"'"', RuntimeError('"'"'Runparts: 1 failures (runcmd) in 1 attempted commands'"'"'))"]'
printf '{"v1": {"datasource": "k3s_member.sh", "errors": %s}}\n' "$errors" > /mnt/work/result.json
/usr/local/sbin/provisiond-report --result /mnt/work/result.json || true
exit "$status"
