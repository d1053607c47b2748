#!/bin/busybox sh
# /init of the netboot test initramfs (scripts/build-netboot-initramfs packs it with a static
# busybox and the NIC modules of the netboot kernel). It plays a tiny installer: network up with
# DHCP, read the NoCloud seed from `ds=nocloud;s=URL` on the kernel command line, fetch
# meta-data and user-data, post phone-home to the URL in the user-data (cloud-init's
# `phone_home: url:`), then power off. Every step prints a `NETBOOT:` line on the console
# (ttyS0), which the integration test reads; a failure prints `NETBOOT: FAILED <step>: <why>`,
# reports to the user-data's failure URL when it has one, and powers off too.

/bin/busybox mkdir -p /proc /sys /dev /tmp /run /sbin /usr/bin /usr/sbin /var/run
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Quiet kernel messages on the console, so the markers stay readable.
echo 1 > /proc/sys/kernel/printk

say() { echo "NETBOOT: $*"; }
# Downloads are bounded with `timeout`: busybox-static 1.35's `wget -T` segfaults.

failed_url=""
fail() {
    say "FAILED $1: $2"
    if [ -n "$failed_url" ]; then
        timeout 10 wget -q -O /dev/null --post-data "message=$1" "$failed_url" && say "failure reported"
    fi
    sync
    poweroff -f
    sleep 5
    exit 1
}

say "init started, kernel $(uname -r)"

# The NIC drivers, dependencies first (the build script lists them in order).
while read -r module; do
    [ -n "$module" ] || continue
    insmod "/lib/modules/$module" 2>/tmp/insmod.err || fail insmod "$module: $(cat /tmp/insmod.err)"
done < /etc/netboot-modules

# The first Ethernet interface the drivers made.
iface=""
tries=0
while [ -z "$iface" ] && [ $tries -lt 100 ]; do
    for path in /sys/class/net/*; do
        name=${path##*/}
        [ "$name" = lo ] || [ ! -e "$path/address" ] && continue
        iface=$name
        break
    done
    [ -n "$iface" ] || { tries=$((tries + 1)); usleep 100000; }
done
[ -n "$iface" ] || fail nic "no network interface appeared: $(ls /sys/class/net)"
ip link set lo up
ip link set "$iface" up || fail nic "cannot bring $iface up"
say "nic $iface up mac=$(cat /sys/class/net/$iface/address)"

# DHCP: the udhcpc script writes what it was told, and configures the interface.
cat > /tmp/udhcpc.sh <<'EOF'
#!/bin/sh
case "$1" in
    deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
    bound|renew)
        ip addr flush dev "$interface"
        ip addr add "$ip/${mask:-24}" dev "$interface"
        [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
        echo "ip=$ip mask=$mask router=$router siaddr=$siaddr" > /tmp/lease ;;
esac
EOF
chmod 755 /tmp/udhcpc.sh
udhcpc -i "$iface" -n -q -f -t 10 -T 2 -s /tmp/udhcpc.sh > /tmp/udhcpc.log 2>&1 \
    || fail dhcp "no lease: $(tail -n 3 /tmp/udhcpc.log)"
say "dhcp ok $(cat /tmp/lease)"

# The NoCloud seed: the `s=` key of `ds=nocloud;s=URL;dsmode=net` (provisiond's form; the keys
# may come in any order, and `ds=nocloud-net;s=URL` is accepted too).
cmdline=$(cat /proc/cmdline)
say "cmdline $cmdline"
seed=$(echo "$cmdline" | tr ' ' '\n' | sed -n 's/^ds=nocloud\(-net\)\{0,1\};//p' | tr ';' '\n' | sed -n 's/^s=//p' | head -n 1)
[ -n "$seed" ] || fail seed "no ds=nocloud;s=URL on the kernel command line"
case "$seed" in */) ;; *) seed="$seed/" ;; esac

timeout 20 wget -q -O /tmp/meta-data "${seed}meta-data" || fail meta-data "GET ${seed}meta-data failed"
instance_id=$(sed -n 's/^instance-id: *//p' /tmp/meta-data)
hostname=$(sed -n 's/^local-hostname: *//p' /tmp/meta-data)
[ -n "$instance_id" ] || fail meta-data "no instance-id in: $(cat /tmp/meta-data)"
say "meta-data ok instance-id=$instance_id hostname=$hostname"

timeout 20 wget -q -O /tmp/user-data "${seed}user-data" || fail user-data "GET ${seed}user-data failed"
# `failed_url: "..."` and cloud-init's `phone_home:` / `  url: "..."`, quoted or not.
unquote='s/^[^:]*: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p'
failed_url=$(grep -m 1 '^ *failed_url:' /tmp/user-data | sed -n "$unquote")
phone_home=$(sed -n '/^phone_home:/,/^[^ ]/p' /tmp/user-data | grep -m 1 '^ *url:' | sed -n "$unquote")
head -n 1 /tmp/user-data | grep -q '^#cloud-config' || fail user-data "not a #cloud-config: $(head -n 1 /tmp/user-data)"
[ -n "$phone_home" ] || fail user-data "no phone_home url in the user-data"
case "$phone_home" in *'?token='*) ;; *) fail user-data "phone_home url has no token: $phone_home" ;; esac
say "user-data ok $(wc -l < /tmp/user-data) lines"

# cloud-init's phone_home module posts form fields; so do we.
timeout 20 wget -q -O /tmp/phone-home.out --post-data "instance_id=$instance_id&hostname=$hostname" "$phone_home" \
    || fail phone-home "POST $phone_home failed"
say "phone-home ok $(cat /tmp/phone-home.out)"
say "done, powering off"
sync
poweroff -f
sleep 5
