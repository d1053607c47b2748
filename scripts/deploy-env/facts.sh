# The deploy environment's hardware facts (sourced by scripts/deploy-env/init; POSIX sh and
# busybox, so it also runs on any Linux host: `. facts.sh; facts_json`). `facts_json` prints one
# JSON document, version 1, that provisiond decodes strictly (Sources/Model/HardwareFacts*.swift):
#   system {vendor, product, serial, uuid}   DMI (dmidecode; null where the table says nothing)
#   firmware {mode: uefi|bios, secure_boot: true|false|null}
#   cpu {model, sockets, cores, threads}     sysfs topology: packages, distinct cores, logical CPUs
#   memory {total_bytes}                     what the kernel manages (MemTotal)
#   disks [{name, path, by_id, size_bytes, model, serial, rotational, removable, transport,
#           partition_table}]
#   nics [{name, mac, driver, link, speed_mbps}]
# Set FACTS_SYS=/some/root to read a copy of /sys (tests); `blkid` and `dmidecode` are optional.

FACTS_SYS=${FACTS_SYS:-/sys}

# A JSON string, or null for an empty value. Control characters are dropped; firmware strings
# are padded with spaces, so they are trimmed.
json_string() {
    value=$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/^ *//; s/ *$//')
    [ -n "$value" ] || { printf 'null'; return; }
    printf '"%s"' "$(printf '%s' "$value" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

# A JSON number, or null when the value is not a non-negative integer.
json_integer() {
    case "$1" in
        ''|*[!0-9]*) printf 'null' ;;
        *) printf '%s' "$1" ;;
    esac
}

json_bool() {
    case "$1" in
        1|true) printf 'true' ;;
        0|false) printf 'false' ;;
        *) printf 'null' ;;
    esac
}

read_file() { cat "$1" 2>/dev/null; }

# dmidecode's "Not Specified" and the like carry no information.
dmi_string() {
    command -v dmidecode > /dev/null 2>&1 || return 0
    value=$(dmidecode -s "$1" 2>/dev/null | grep -v '^#' | head -n 1)
    case "$value" in
        'Not Specified'|'Not Present'|'To Be Filled By O.E.M.'|'Default string'|'None') value="" ;;
    esac
    printf '%s' "$value"
}

facts_system() {
    printf '{"vendor":%s,"product":%s,"serial":%s,"uuid":%s}' \
        "$(json_string "$(dmi_string system-manufacturer)")" "$(json_string "$(dmi_string system-product-name)")" \
        "$(json_string "$(dmi_string system-serial-number)")" "$(json_string "$(dmi_string system-uuid | tr 'A-F' 'a-f')")"
}

# UEFI when the kernel was started by UEFI firmware; Secure Boot from the EFI global variable
# SecureBoot (UEFI 2.x §3.3: 4 bytes of attributes, then one byte, 1 = enabled).
facts_firmware() {
    if [ -d "$FACTS_SYS/firmware/efi" ]; then
        # Unknown unless efivars can be read; readable without a SecureBoot variable, the
        # firmware has no Secure Boot (OVMF's plain build): off.
        state=null
        efivars="$FACTS_SYS/firmware/efi/efivars"
        variable="$efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
        if [ -r "$variable" ]; then
            # Read whole: efivarfs files do not seek.
            set -- $(cat "$variable" 2>/dev/null | od -An -t u1)
            state=$(json_bool "${5:-}")
        elif [ -n "$(ls "$efivars" 2>/dev/null)" ]; then
            state=false
        fi
        printf '{"mode":"uefi","secure_boot":%s}' "$state"
    else
        printf '{"mode":"bios","secure_boot":null}'
    fi
}

facts_cpu() {
    model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
    threads=0
    packages=""
    cores=""
    for cpu in "$FACTS_SYS"/devices/system/cpu/cpu[0-9]*; do
        [ -d "$cpu/topology" ] || continue
        threads=$((threads + 1))
        package=$(read_file "$cpu/topology/physical_package_id")
        core=$(read_file "$cpu/topology/core_id")
        packages="$packages$package
"
        cores="$cores$package:$core
"
    done
    sockets=$(printf '%s' "$packages" | sort -u | grep -c .)
    core_count=$(printf '%s' "$cores" | sort -u | grep -c .)
    printf '{"model":%s,"sockets":%s,"cores":%s,"threads":%s}' "$(json_string "$model")" \
        "$(json_integer "$sockets")" "$(json_integer "$core_count")" "$(json_integer "$threads")"
}

facts_memory() {
    kib=$(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo)
    printf '{"total_bytes":%s}' "$(json_integer "$((kib * 1024))")"
}

# How the disk is attached, from its place in the device tree.
disk_transport() {
    case "$(readlink -f "$FACTS_SYS/block/$1")" in
        */usb*) echo usb ;;
        */nvme*) echo nvme ;;
        */ata[0-9]*) echo sata ;;
        */virtio*) echo virtio ;;
        */host[0-9]*) echo scsi ;;
        *) echo "" ;;
    esac
}

disk_serial() {
    for file in "$FACTS_SYS/block/$1/serial" "$FACTS_SYS/block/$1/device/serial"; do
        [ -r "$file" ] && { read_file "$file"; return; }
    done
    # SCSI and libata disks: the unit serial number VPD page (SPC-4 §7.8.18; 4-byte header).
    [ -r "$FACTS_SYS/block/$1/device/vpd_pg80" ] && tail -c +5 "$FACTS_SYS/block/$1/device/vpd_pg80" | tr -d '\000'
}

# The names udev's 60-persistent-storage.rules would give the disk under /dev/disk/by-id (the
# environment has no udev): BUS-MODEL_SERIAL with spaces as underscores, virtio-SERIAL.
disk_by_id() {
    name=$1 transport=$2 model=$3 serial=$4
    [ -n "$serial" ] || { printf '[]'; return; }
    joined=$(printf '%s_%s' "$model" "$serial" | sed 's/^ *//; s/ *$//; s/  */_/g')
    case "$transport" in
        virtio) id="virtio-$(printf '%s' "$serial" | sed 's/ /_/g')" ;;
        sata) id="ata-$joined" ;;
        nvme) id="nvme-$joined" ;;
        usb) id="usb-$joined" ;;
        scsi) id="scsi-$joined" ;;
        *) id="" ;;
    esac
    [ -n "$id" ] || { printf '[]'; return; }
    printf '[%s]' "$(json_string "/dev/disk/by-id/$id")"
}

disk_partition_table() {
    command -v blkid > /dev/null 2>&1 || return 0
    blkid -p -o value -s PTTYPE "/dev/$1" 2>/dev/null | head -n 1
}

facts_disks() {
    separator=""
    printf '['
    for path in "$FACTS_SYS"/block/*; do
        name=${path##*/}
        # Real disks only: no loop, RAM or optical devices, no device-mapper.
        case "$name" in loop*|ram*|zram*|sr*|fd*|dm-*|md*|nbd*) continue ;; esac
        [ -e "$path/device" ] || continue
        model=$(read_file "$path/device/model" | sed 's/^ *//; s/ *$//')
        serial=$(disk_serial "$name" | sed 's/^ *//; s/ *$//')
        transport=$(disk_transport "$name")
        sectors=$(read_file "$path/size")
        # /sys/block/*/size counts 512-byte sectors whatever the disk's block size.
        printf '%s{"name":%s,"path":%s,"by_id":%s,"size_bytes":%s,"model":%s,"serial":%s,"rotational":%s,"removable":%s,"transport":%s,"partition_table":%s}' \
            "$separator" "$(json_string "$name")" "$(json_string "/dev/$name")" \
            "$(disk_by_id "$name" "$transport" "$model" "$serial")" "$(json_integer "$((sectors * 512))")" \
            "$(json_string "$model")" "$(json_string "$serial")" "$(json_bool "$(read_file "$path/queue/rotational")")" \
            "$(json_bool "$(read_file "$path/removable")")" "$(json_string "$transport")" \
            "$(json_string "$(disk_partition_table "$name")")"
        separator=","
    done
    printf ']'
}

facts_nics() {
    separator=""
    printf '['
    for path in "$FACTS_SYS"/class/net/*; do
        [ -e "$path/device" ] || continue
        name=${path##*/}
        driver=$(readlink "$path/device/driver")
        # speed is -1 (or unreadable) without a link.
        speed=$(read_file "$path/speed")
        printf '%s{"name":%s,"mac":%s,"driver":%s,"link":%s,"speed_mbps":%s}' "$separator" \
            "$(json_string "$name")" "$(json_string "$(read_file "$path/address")")" "$(json_string "${driver##*/}")" \
            "$(json_bool "$(read_file "$path/carrier")")" "$(json_integer "$speed")"
        separator=","
    done
    printf ']'
}

facts_json() {
    version=$(sed -n 's/^version //p' /etc/deploy-env/VERSION 2>/dev/null)
    printf '{"version":1,"environment":%s,"system":%s,"firmware":%s,"cpu":%s,"memory":%s,"disks":%s,"nics":%s}\n' \
        "$(json_string "$version")" "$(facts_system)" "$(facts_firmware)" "$(facts_cpu)" "$(facts_memory)" \
        "$(facts_disks)" "$(facts_nics)"
}
