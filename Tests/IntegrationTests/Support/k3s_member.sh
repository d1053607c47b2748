#!/bin/sh
# Plays one k3s cluster member for K3sJoinTests: in a private mount namespace (run under
# `unshare --mount --propagation private`), with /etc copied and /var/lib, /usr/local and /tmp
# on tmpfs so nothing reaches the host, it applies the write_files of the member's user-data
# as cloud-init would, then runs its runcmd: the shipped k3s join script, for real, against
# provisiond. $1: the member's work directory (user-data, stubs/, results/).
set -eu
work=$1
here=$(dirname "$0")
mount -t tmpfs none /mnt
mkdir /mnt/work /mnt/etc /mnt/support
mount --bind "$work" /mnt/work
mount --bind "$here" /mnt/support
cp -a /etc/. /mnt/etc/
mount --bind /mnt/etc /etc
for dir in /var/lib /usr/local /tmp; do mount -t tmpfs none "$dir"; done
mkdir -p /usr/local/bin /usr/local/sbin
/usr/bin/python3 /mnt/support/apply_write_files.py /mnt/work/user-data > /mnt/work/runcmd
export PATH="/mnt/work/stubs:$PATH" RESULT_DIR=/mnt/work/results
while read -r command; do
  $command
done < /mnt/work/runcmd
